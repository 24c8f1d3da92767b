/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the RX record parser: the input is what a hostile
 * peer could put into our DMB (cursors and ring bytes); ism_rx_burst()
 * must neither read out of bounds nor hand out a frame longer than the
 * maximum, and must always make progress or stop.
 *
 * Input: be64 start cursor, be64 producer distance, then ring bytes
 * (repeated to fill a 4 KiB ring).
 */
#include <string.h>

#include <ethdev_driver.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"
#include "ism_ethdev.h"
#include "ism_ring.h"

#define RING 4096

static struct rte_mempool *pool;
static struct rte_eth_dev *eth;
static struct ism_port port;
static uint8_t *dmb;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_rx");
	/* a DMB >= 256 + RING, a multiple of 4096 */
	fuzz_rx_setup("fuzz_rx", 1024, 2 * RING, &pool, &eth, &dmb);
	port.eth = eth;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ism_rxq q = { .port = &port, .mp = pool };
	struct ism_qconf conf = { .local = dmb, .local_ring = RING };
	struct rte_mbuf *pk[32];
	uint64_t start, prod;
	ism_be64_t bprod;

	if (size < 17)
		return 0;
	start = fuzz_get64(data);
	prod = start + fuzz_get64(data + 8) % (3 * RING);
	data += 16;
	size -= 16;
	for (size_t i = 0; i < RING; i++)
		dmb[ISM_RING_DATA_OFF + i] = data[i % size];
	bprod = ism_be64(prod);
	memcpy(dmb + ISM_RING_PROD_OFF, &bprod, 8);
	ism_rxq_apply(&q, &conf);
	q.cons = start;

	for (int round = 0; round < 4 * RING / 8; round++) {
		uint64_t before = q.cons;
		uint16_t n = ism_rx_burst(&q, pk, 32);

		for (uint16_t i = 0; i < n; i++) {
			uint32_t segs = 0;

			if (pk[i]->pkt_len == 0 || pk[i]->pkt_len > ISM_MAX_FRAME)
				abort();
			for (struct rte_mbuf *m = pk[i]; m != NULL; m = m->next)
				segs += m->data_len;
			if (segs != pk[i]->pkt_len)
				abort();
		}
		rte_pktmbuf_free_bulk(pk, n);
		if (q.cons == prod || (n == 0 && q.cons == before))
			break;
	}
	/* either everything published was consumed or skipped, or the
	 * queue stopped for lack of mbufs: never beyond the producer */
	if (q.cons > prod && q.cursor_errors == 0)
		abort();
	/* and the parser ran: what was published moved the cursor, or was
	 * refused and counted */
	if (prod != start && q.cons == start && q.cursor_errors == 0 &&
	    q.corrupt_records == 0 && q.nombuf == 0)
		abort();
	return 0;
}

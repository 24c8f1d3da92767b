/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RX side of net_ism alone, for a figure noise cannot move: under
 * callgrind, the instructions per frame of ism_rx_burst() plus what an
 * application does with each frame (reads 8 bytes of it, frees it in
 * bursts of 32), copying or zero-copy. One process, no peer: the ring of
 * a 1 MiB DMB is filled with records as a peer would write them, then
 * drained by rx_drain(), again and again.
 *
 *   valgrind --tool=callgrind --toggle-collect=rx_drain \
 *       build/test/perf/rx_instr <frame bytes> <zero_copy: off|on|N>
 *   callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep rx_drain
 *
 * It prints the frames it drained; inclusive Ir of rx_drain divided by
 * them is the figure. Cache misses it reports are of one core writing
 * and reading (the peer's stores are made here, not on another core), so
 * only the instruction count carries over to a real pair.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "ism_ethdev.h"
#include "ism_ring.h"

#define DMB_SIZE	(1u << 20)
#define RING		(DMB_SIZE - ISM_RING_DATA_OFF)
#define ROUNDS		64

static struct rte_mempool *pool;
static struct ism_port port;
static uint8_t *dmb;
static uint64_t sink;

/* Records of @len bytes from cursor @prod up to a ring's worth. */
static uint64_t
fill(uint64_t prod, uint64_t cons, uint32_t len)
{
	uint8_t *ring = dmb + ISM_RING_DATA_OFF;
	uint32_t rec = ism_rec_size(len);

	for (;;) {
		uint32_t at = (uint32_t)(prod % RING), tail = RING - at;
		struct ism_rec_hdr h = { ism_be16(ISM_REC_MAGIC), ism_be16(0),
					 ism_be32(len) };

		if (rec > tail) {
			if (prod + tail + rec - cons > RING)
				break;
			h.flags = ism_be16(ISM_REC_F_WRAP);
			h.len = ism_be32(0);
			memcpy(ring + at, &h, sizeof(h));
			prod += tail;
			continue;
		}
		if (prod + rec - cons > RING)
			break;
		memcpy(ring + at, &h, sizeof(h));
		memset(ring + at + sizeof(h), (int)(prod >> 3), len);
		prod += rec;
	}
	{
		ism_be64_t b = ism_be64(prod);

		memcpy(dmb + ISM_RING_PROD_OFF, &b, sizeof(b));
	}
	return prod;
}

/* What callgrind counts: the burst and the application's use of it. */
__attribute__((noinline)) uint64_t rx_drain(struct ism_rxq *q, uint64_t prod);

__attribute__((noinline)) uint64_t
rx_drain(struct ism_rxq *q, uint64_t prod)
{
	struct rte_mbuf *pk[32];
	uint64_t frames = 0;

	while (q->cons < prod) {
		uint16_t n = ism_rx_burst(q, pk, RTE_DIM(pk));

		/* as ism-perf's stream does: the 8 bytes after the
		 * Ethernet header hold a sequence number */
		for (uint16_t i = 0; i < n; i++) {
			uint64_t v = 0;

			if (pk[i]->pkt_len >= 24)
				memcpy(&v, rte_pktmbuf_mtod_offset(pk[i], uint8_t *, 16),
				       sizeof(v));
			sink += v;
		}
		rte_pktmbuf_free_bulk(pk, n);
		frames += n;
		if (n == 0)
			break;
	}
	return frames;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
			"--log-level", "*:error", "--no-telemetry", "--file-prefix",
			"rx_instr" };
	struct ism_rxq setup_q = { 0 }, q = { 0 };
	struct ism_qconf conf = { 0 };
	uint64_t prod = 0, frames = 0;
	uint32_t len;

	if (argc != 3 || (len = (uint32_t)atoi(argv[1])) == 0 || len > ISM_MAX_FRAME) {
		fprintf(stderr, "usage: rx_instr <frame bytes 1..%u> <zero_copy: off|on|N>\n",
			ISM_MAX_FRAME);
		return 2;
	}
	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("rx_instr", 4096, 256, 0,
				       RTE_MAX(len, 2048u) + RTE_PKTMBUF_HEADROOM, 0);
	port.eth = rte_eth_dev_allocate("rx_instr");
	dmb = aligned_alloc(4096, DMB_SIZE);
	if (pool == NULL || port.eth == NULL || dmb == NULL)
		return 1;
	memset(dmb, 0, DMB_SIZE);
	port.eth->data->promiscuous = 1;
	port.eth->data->mtu = ISM_MAX_MTU;	/* zero-copy needs frames that reach zc_min */
	/* a stopped queue (the state ethdev starts with) consumes nothing */
	port.eth->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
	snprintf(port.name, sizeof(port.name), "rx_instr");
	q.port = &port;
	q.mp = pool;
	q.buf_room = RTE_MAX(len, 2048u);
	conf.local = dmb;
	conf.local_ring = RING;
	conf.epoch = 1;
#ifdef ISM_ZC_OFF
	if (strcmp(argv[2], "off") != 0) {
		port.args.zc_min = strcmp(argv[2], "on") == 0 ? 1 : (uint32_t)atoi(argv[2]);
		setup_q.mp = pool;
		setup_q.nb_desc = 1024;
		port.rxq[0] = &setup_q;
		if (ism_zc_dmb_new(&port, 0, &conf.zc) < 0 || conf.zc == NULL)
			return 1;
	}
#else
	if (strcmp(argv[2], "off") != 0) {
		fprintf(stderr, "rx_instr: this build has no zero-copy RX\n");
		return 2;
	}
#endif
	ism_rxq_apply(&q, &conf);
	for (int r = 0; r < ROUNDS; r++) {
		prod = fill(prod, q.cons, len);
		frames += rx_drain(&q, prod);
	}
	printf("frames %" PRIu64 " of %u bytes, zero_copy=%s\n", frames, len, argv[2]);
	return sink == 0x5a5a5a5a ? 3 : 0;	/* keeps the reads */
}

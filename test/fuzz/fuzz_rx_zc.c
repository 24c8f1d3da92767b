/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the RX record parser with zero-copy on: the input
 * is what a hostile peer could put into our DMB, plus the order in which
 * the application frees what it got. ism_rx_burst() must never hand out
 * a frame that reaches outside the ring or over the maximum, and the
 * consumer cursor it would publish must never pass a frame still held
 * nor the cursor it read up to; once all is freed it is that cursor, and
 * no slot is left held.
 *
 * Input: be64 start cursor, be64 producer distance, a byte for the
 * zero-copy threshold, a byte of flags (bit 0 promiscuous, bit 1
 * scatter, bit 2 build records), then ring bytes (repeated to fill a
 * 4 KiB ring); the same bytes, read from the end, pick which held frames
 * to free each round. With bit 2 the ring bytes are instead read as
 * records to lay out (be16 length, a byte of how to spoil it), so that
 * well-formed rings, the common case, are reached as often as broken
 * ones.
 */
#include <string.h>

#include <ethdev_driver.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"
#include "ism_ethdev.h"
#include "ism_ring.h"
#include "ism_rx_zc.h"

#define RING 4096
#define MAX_HELD (RING / 16)	/* the smallest record is 16 bytes */

static struct rte_mempool *pool;
static struct rte_eth_dev *eth;
static struct ism_port port;
static struct ism_rxq setup_q;
static struct ism_zc_dmb *zc;
static uint8_t *dmb;
static uint32_t epoch;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_rx_zc");
	/* a DMB >= 256 + RING, a multiple of 4096 */
	fuzz_rx_setup("fuzz_rx_zc", 2048, 2 * RING, &pool, &eth, &dmb);
	port.eth = eth;
	snprintf(port.name, sizeof(port.name), "fuzz_rx_zc");
	port.args.zc_min = 1;
	eth->data->mtu = ISM_MAX_MTU;	/* zero-copy needs frames that reach zc_min */
	/* 64 slots: fewer than a ring of small records, so that running
	 * out of them (frames copied instead) is reached too */
	setup_q.mp = pool;
	setup_q.nb_desc = 64;
	port.rxq[0] = &setup_q;
	if (ism_zc_dmb_new(&port, 0, &zc) < 0 || zc == NULL)
		abort();
	return 0;
}

/*
 * Lay records out from @start's position as a peer would, spoiled where
 * the input says: low bits of the spoil byte 1 = bad magic, 2 = WRAP
 * flag, 3 = a length the record does not have. Returns the producer
 * cursor after the last one.
 */
static uint64_t
build_ring(uint64_t start, const uint8_t *in, size_t size)
{
	uint8_t *ring = dmb + ISM_RING_DATA_OFF;
	uint64_t cur = start;

	memset(ring, 0, RING);
	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint32_t at = (uint32_t)(cur % RING), tail = RING - at;
		uint32_t len = ((uint32_t)in[i] << 8 | in[i + 1]) % 1200 + 1;
		uint32_t rec = ism_rec_size(len);
		struct ism_rec_hdr h = { ism_be16(ISM_REC_MAGIC), ism_be16(0),
					 ism_be32(len) };

		if (cur - start + rec + tail > RING)
			break;
		if (rec > tail) {	/* a WRAP to position 0 first */
			struct ism_rec_hdr w = { ism_be16(ISM_REC_MAGIC),
						 ism_be16(ISM_REC_F_WRAP), ism_be32(0) };

			if (tail >= sizeof(w))
				memcpy(ring + at, &w, sizeof(w));
			cur += tail;
			at = 0;
		}
		switch (in[i + 2] & 3) {
		case 1:
			h.magic = ism_be16(ISM_REC_MAGIC ^ 1);
			break;
		case 2:
			h.flags = ism_be16(ISM_REC_F_WRAP);
			break;
		case 3:
			h.len = ism_be32(len + in[i + 2]);
			break;
		default:
			break;
		}
		memcpy(ring + at, &h, sizeof(h));
		memset(ring + at + sizeof(h), in[i + 2], rec - sizeof(h));
		cur += rec;
	}
	return cur;
}

/* The cursor of the record a zero-copy mbuf came from. */
static uint64_t
start_of(const struct rte_mbuf *m)
{
	return ((const struct ism_zc_slot *)m->shinfo)->start;
}

static void
check_frame(const struct rte_mbuf *m)
{
	const uint8_t *ring = dmb + ISM_RING_DATA_OFF;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t segs = 0;

	if (m->pkt_len == 0 || m->pkt_len > ISM_MAX_FRAME)
		abort();
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
		segs += s->data_len;
	if (segs != m->pkt_len)
		abort();
	if (!(m->ol_flags & RTE_MBUF_F_EXTERNAL))
		return;
	/* a zero-copy frame: one segment, wholly inside the ring */
	if (m->nb_segs != 1 || d < ring || d + m->data_len > ring + RING ||
	    (const uint8_t *)m->buf_addr < ring ||
	    (const uint8_t *)m->buf_addr + m->buf_len > ring + RING)
		abort();
}

/* The credit may pass neither the cursor read up to nor a held frame. */
static void
check_credit(struct ism_rxq *q, struct rte_mbuf **held, unsigned int nheld)
{
	uint64_t credit = ism_zc_credit(q);

	if (credit > q->cons)
		abort();
	for (unsigned int i = 0; i < nheld; i++)
		if ((held[i]->ol_flags & RTE_MBUF_F_EXTERNAL) &&
		    credit > start_of(held[i]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ism_rxq q = { .port = &port, .mp = pool, .buf_room = 1024 };
	struct ism_qconf conf = { .local = dmb, .local_ring = RING, .zc = zc };
	static struct rte_mbuf *held[MAX_HELD + 32];
	unsigned int nheld = 0, pick = 0;
	const uint8_t *in = data;
	uint64_t start, prod;
	ism_be64_t bprod;

	if (size < 19)
		return 0;
	start = fuzz_get64(data);
	prod = start + fuzz_get64(data + 8) % (3 * RING);
	conf.epoch = ++epoch;
	eth->data->promiscuous = in[17] & 1;
	q.scatter = (in[17] & 2) != 0;
	data += 18;
	size -= 18;
	if (in[17] & 4)
		prod = build_ring(start, data, size);
	else
		for (size_t i = 0; i < RING; i++)
			dmb[ISM_RING_DATA_OFF + i] = data[i % size];
	bprod = ism_be64(prod);
	memcpy(dmb + ISM_RING_PROD_OFF, &bprod, 8);
	ism_rxq_apply(&q, &conf);
	q.zc_min = 1 + (uint32_t)in[16] * 40;	/* 1 .. 10201: some never */
	q.cons = start;

	for (int round = 0; round < 4 * RING / 8; round++) {
		uint64_t before = q.cons;
		uint16_t n = ism_rx_burst(&q, held + nheld, 32);

		for (uint16_t i = 0; i < n; i++)
			check_frame(held[nheld + i]);
		nheld += n;
		check_credit(&q, held, nheld);
		/* free some, in an order the input picks */
		for (unsigned int k = 0; k < nheld;) {
			uint8_t b = data[size - 1 - pick++ % size];

			if (b & 1) {
				rte_pktmbuf_free(held[k]);
				held[k] = held[--nheld];
			} else {
				k++;
			}
		}
		check_credit(&q, held, nheld);
		if (nheld > MAX_HELD) {
			rte_pktmbuf_free_bulk(held, nheld);
			nheld = 0;
		}
		if (q.cons == prod || (n == 0 && q.cons == before))
			break;
	}
	if (q.cons > prod && q.cursor_errors == 0)
		abort();
	rte_pktmbuf_free_bulk(held, nheld);
	/* all free: the credit is all that was read, no slot held */
	if (ism_zc_credit(&q) != q.cons || ism_zc_held(zc) != 0)
		abort();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX takes its mbufs in bulk, as many as it guesses the ring holds from
 * the first frame's size (ism_rx_burst.h, rx_mbuf_take). The guess is the
 * peer's to spoil: frames of mixed sizes make it too small (several bulk
 * allocations in one burst) and too large (the rest given back). Either
 * way every frame arrives byte for byte and in order, and once the
 * application freed what it got the pool holds every mbuf again. A pool
 * too low for a bulk allocation falls back to one mbuf at a time, and one
 * that is empty stops the burst with the frames left in the ring: counted
 * as rx_nombuf, delivered once mbufs are free again. Both the copying and
 * the zero-copy burst.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "pmd_test.h"

#define FABRIC "rxbulktest"
#define RX_MBUFS 48		/* b's pool: fewer than two bursts */
#define MAX_BURST 32

static struct rte_mempool *tx_pool, *rx_pool;

/* Byte i of frame k is (k * 31 + i) & 0xff: each frame checked whole. */
static int
send_frames(uint16_t a, uint32_t first, const uint16_t *sizes, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(tx_pool);
		uint8_t *d = m != NULL ?
			(uint8_t *)rte_pktmbuf_append(m, sizes[k]) : NULL;

		if (d == NULL)
			return -1;
		for (unsigned int i = 0; i < sizes[k]; i++)
			d[i] = (uint8_t)((first + k) * 31 + i);
		if (rte_eth_tx_burst(a, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			return -1;
		}
	}
	return 0;
}

static bool
frame_is(const struct rte_mbuf *m, uint32_t k, uint16_t size)
{
	const struct rte_mbuf *s = m;
	uint32_t i = 0;

	if (m->pkt_len != size)
		return false;
	for (; s != NULL; s = s->next)
		for (uint32_t j = 0; j < s->data_len; j++, i++)
			if (rte_pktmbuf_mtod_offset(s, const uint8_t *, j)[0] !=
			    (uint8_t)(k * 31 + i))
				return false;
	return i == size;
}

/*
 * Receive @n frames numbered from @first with @sizes, in bursts of up to
 * @burst (asked for whole, so that the guess is not cut to @n: a frame
 * past the @n-th is a wrong one), into @held (freed at once when NULL);
 * the number that arrived intact and in order before a wrong one, the
 * end, or 2 s of nothing.
 */
static unsigned int
recv_frames(uint16_t b, uint32_t first, const uint16_t *sizes, unsigned int n,
	    uint16_t burst, struct rte_mbuf **held)
{
	uint64_t end = pmd_now_ms() + 2000;
	unsigned int got = 0;
	bool bad = false;

	while (got < n && !bad && pmd_now_ms() < end) {
		struct rte_mbuf *pk[MAX_BURST];
		uint16_t nb = rte_eth_rx_burst(b, 0, pk, burst);

		for (uint16_t i = 0; i < nb; i++) {
			if (!bad && got < n &&
			    frame_is(pk[i], first + got, sizes[got])) {
				got++;
				if (held != NULL) {
					held[got - 1] = pk[i];
					continue;
				}
			} else if (!bad) {
				check_diag("  frame %u: %u bytes, want %u", first + got,
					   pk[i]->pkt_len, got < n ? sizes[got] : 0);
				bad = true;
			}
			rte_pktmbuf_free(pk[i]);
		}
	}
	return got;
}

/* Patterns that make the guess too small and too large. */
static void
test_mixed(uint16_t a, uint16_t b, const char *mode)
{
	static uint16_t sizes[40];
	uint32_t seq = 0;

	/* one 1500-byte frame, then 39 of 64: the guess is about 3 frames,
	 * the burst allocates again and again */
	sizes[0] = 1500;
	for (unsigned int i = 1; i < 40; i++)
		sizes[i] = 64;
	CHECK(send_frames(a, seq, sizes, 40) == 0, "%s: 1500 B then 39 x 64 B sent", mode);
	CHECK_EQ(recv_frames(b, seq, sizes, 40, MAX_BURST, NULL), 40,
		 "%s: a guess too small: all 40 in order, byte for byte", mode);
	seq += 40;
	/* one 64-byte frame then three of 1500: the guess is 32, four are
	 * used, 28 go back to the pool */
	for (int round = 0; round < 20; round++) {
		static const uint16_t over[] = { 64, 1500, 1500, 1500 };

		if (send_frames(a, seq, over, 4) != 0 ||
		    recv_frames(b, seq, over, 4, MAX_BURST, NULL) != 4)
			break;
		seq += 4;
	}
	CHECK_EQ(seq, 40 + 20 * 4, "%s: a guess too large, 20 times: every frame intact", mode);
	/* every size from 1 to 1518 in one stream, in bursts of 7 */
	{
		static uint16_t all[1518];
		unsigned int sent = 0, got = 0;

		for (unsigned int i = 0; i < RTE_DIM(all); i++)
			all[i] = (uint16_t)(i % 2 ? RTE_DIM(all) - i / 2 : i / 2 + 1);
		while (got < RTE_DIM(all)) {
			unsigned int k = RTE_MIN(20u, (unsigned int)RTE_DIM(all) - sent);

			if (k > 0 && send_frames(a, seq + sent, all + sent, k) != 0)
				break;
			sent += k;
			k = recv_frames(b, seq + got, all + got, sent - got, 7, NULL);
			if (got + k != sent)
				break;
			got += k;
		}
		CHECK_EQ(got, RTE_DIM(all),
			 "%s: sizes 1..1518 alternating long and short, bursts of 7", mode);
		seq += got;
	}
	CHECK_EQ(rte_mempool_avail_count(rx_pool), RX_MBUFS,
		 "%s: every mbuf back in the pool", mode);
}

/* The application holds mbufs until the pool is empty. */
static void
test_exhausted(uint16_t a, uint16_t b, const char *mode)
{
	static uint16_t sizes[RX_MBUFS + 12];
	struct rte_mbuf *held[RX_MBUFS + 12];
	struct rte_eth_stats st;
	unsigned int got;

	for (unsigned int i = 0; i < RTE_DIM(sizes); i++)
		sizes[i] = 64;
	rte_eth_stats_reset(b);
	CHECK(send_frames(a, 0, sizes, RTE_DIM(sizes)) == 0, "%s: %u frames sent", mode,
	      (unsigned int)RTE_DIM(sizes));
	/* 32, then 16 of the 28 the guess wants: one by one */
	got = recv_frames(b, 0, sizes, RTE_DIM(sizes), MAX_BURST, held);
	CHECK_EQ(got, RX_MBUFS, "%s: as many frames as the pool has mbufs", mode);
	CHECK_EQ(rte_mempool_avail_count(rx_pool), 0, "%s: the pool is empty", mode);
	CHECK(rte_eth_stats_get(b, &st) == 0 && st.rx_nombuf > 0,
	      "%s: the empty pool is counted as rx_nombuf", mode);
	rte_pktmbuf_free_bulk(held, got);
	CHECK_EQ(recv_frames(b, got, sizes + got, RTE_DIM(sizes) - got, MAX_BURST, NULL),
		 RTE_DIM(sizes) - got, "%s: the other 12 follow in order once freed", mode);
	CHECK_EQ(rte_mempool_avail_count(rx_pool), RX_MBUFS,
		 "%s: every mbuf back in the pool", mode);
}

static void
run(const char *mode, const char *extra)
{
	char args[160];
	uint16_t a, b;

	snprintf(args, sizeof(args), "fabric=" FABRIC ",pair=%s,dmb_size=65536%s",
		 mode, extra);
	if (rte_vdev_init("net_ism0", args) != 0 || rte_vdev_init("net_ism1", args) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism0", &a) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism1", &b) != 0) {
		CHECK(false, "%s: two ports", mode);
		return;
	}
	CHECK(pmd_start_port(a, 512, 512, tx_pool) == 0 &&
	      pmd_start_port(b, 512, 512, rx_pool) == 0, "%s: ports started", mode);
	CHECK(pmd_link_is(a, 1, 10000) && pmd_link_is(b, 1, 10000), "%s: link up", mode);
	test_mixed(a, b, mode);
	test_exhausted(a, b, mode);
	pmd_two_ports_close(a, b);
}

int
main(int argc, char **argv)
{
	(void)argc;
	if (pmd_eal_start(argv[0], "rxbulk") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	/* no per-lcore cache: the pool's count is exact */
	tx_pool = rte_pktmbuf_pool_create("tx", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rx_pool = rte_pktmbuf_pool_create("rx", RX_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (tx_pool == NULL || rx_pool == NULL) {
		printf("Bail out! no mempools\n");
		return 99;
	}
	run("copy", "");
	run("zerocopy", ",zero_copy=on");
	pmd_eal_stop();
	return check_done();
}

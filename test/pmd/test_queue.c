/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-queue start/stop: a stopped RX queue consumes nothing, so the peer's
 * TX fills the ring and then accepts nothing (back-pressure); started
 * again, the queue delivers every frame the peer published, in order. A
 * stopped TX queue accepts nothing. A deferred-start queue stays stopped
 * at dev_start until started by hand. Frames TX can never send are dropped
 * and counted. Counts are exact, by sequence number.
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
#include "rte_pmd_ism.h"

#define FABRIC "queuetest"
#define FRAME 64

static struct rte_mempool *pool;

static int
rxq_state(uint16_t port)
{
	struct rte_eth_rxq_info qi;

	return rte_eth_rx_queue_info_get(port, 0, &qi) == 0 ? qi.queue_state : -1;
}

static int
txq_state(uint16_t port)
{
	struct rte_eth_txq_info qi;

	return rte_eth_tx_queue_info_get(port, 0, &qi) == 0 ? qi.queue_state : -1;
}

static void
test_rx_stop(uint16_t a, uint16_t b)
{
	uint32_t next = 0, sent, more;
	uint64_t stalls = pmd_xstat(a, "tx_credit_stalls");
	struct rte_eth_stats st;

	CHECK_EQ(rte_eth_dev_rx_queue_stop(b, 0), 0, "b's RX queue 0 stopped");
	CHECK_EQ(rxq_state(b), RTE_ETH_QUEUE_STATE_STOPPED, "its queue info says stopped");
	sent = pmd_send_seq(a, pool, 0, 100000, FRAME);
	check_diag("  a sent %u frames before its TX stalled", sent);
	CHECK(sent > 100 && sent < 100000,
	      "a's TX fills b's ring, then accepts nothing (back-pressure)");
	CHECK(pmd_xstat(a, "tx_credit_stalls") > stalls, "a counts the credit stall");
	CHECK_EQ(pmd_send_seq(a, pool, sent, 10, FRAME), 0, "a's TX still takes nothing");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 0, "the stopped queue delivers nothing");
	CHECK(rte_eth_stats_get(b, &st) == 0 && st.ipackets == 0,
	      "b counted nothing received");
	CHECK_EQ(rte_eth_dev_rx_queue_start(b, 0), 0, "b's RX queue 0 started again");
	CHECK_EQ(rxq_state(b), RTE_ETH_QUEUE_STATE_STARTED, "its queue info says started");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 500), sent,
		 "b delivers every frame published while stopped, 0..%u in order", sent - 1);
	more = pmd_send_seq(a, pool, sent, 50, FRAME);
	CHECK_EQ(more, 50, "a's TX accepts again");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 50, "and b gets them, in sequence");
	CHECK(rte_eth_stats_get(b, &st) == 0 && st.ipackets == sent + 50,
	      "b's ipackets is exactly what was sent (%u)", sent + 50);
}

static void
test_tx_stop(uint16_t a, uint16_t b)
{
	uint32_t next = 5000;
	uint64_t drops = pmd_xstat(a, "tx_oversize_drops");
	struct rte_eth_stats before, after;

	rte_eth_stats_get(a, &before);
	CHECK_EQ(rte_eth_dev_tx_queue_stop(a, 0), 0, "a's TX queue 0 stopped");
	CHECK_EQ(txq_state(a), RTE_ETH_QUEUE_STATE_STOPPED, "its queue info says stopped");
	CHECK_EQ(pmd_send_seq(a, pool, 4000, 10, FRAME), 0, "a stopped TX queue accepts nothing");
	rte_eth_stats_get(a, &after);
	CHECK(after.opackets == before.opackets && after.oerrors == before.oerrors &&
	      pmd_xstat(a, "tx_oversize_drops") == drops,
	      "nothing counted as sent or dropped");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 200), 0, "b receives nothing");
	CHECK_EQ(rte_eth_dev_tx_queue_start(a, 0), 0, "a's TX queue 0 started again");
	CHECK_EQ(txq_state(a), RTE_ETH_QUEUE_STATE_STARTED, "its queue info says started");
	CHECK_EQ(pmd_send_seq(a, pool, 5000, 20, FRAME), 20, "a sends 20 frames");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 20, "b gets them, from sequence 5000");
}

/* A chain of @segs mbufs of @seg_len bytes: 0x5a, @seq at byte 12 (as
 * pmd_send_seq lays a frame out). */
static struct rte_mbuf *
seq_chain(uint32_t seq, uint16_t segs, uint16_t seg_len)
{
	struct rte_mbuf *head = NULL, *m;
	uint8_t s[4];

	memcpy(s, &seq, sizeof(s));
	for (uint32_t i = 0; i < segs; i++) {
		uint8_t *d;

		m = rte_pktmbuf_alloc(pool);
		d = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, seg_len) : NULL;
		if (d == NULL || (head != NULL && rte_pktmbuf_chain(head, m) != 0)) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (head == NULL)
			head = m;
		memset(d, 0x5a, seg_len);
		for (uint32_t k = 0; k < sizeof(s); k++)	/* bytes 12..15 */
			if ((12 + k) / seg_len == i)
				d[(12 + k) % seg_len] = s[k];
	}
	return head;
}

/* Frames TX can never send are dropped and counted when they come first
 * in a burst, and stop the burst when they come later; a burst takes at
 * most 127 frames, a frame at most 510 segments. */
static void
test_tx_refused(uint16_t a, uint16_t b)
{
	uint64_t drops = pmd_xstat(a, "tx_oversize_drops");
	struct rte_mbuf *m[200];
	uint32_t next = 9000;
	uint16_t n;

	m[0] = rte_pktmbuf_alloc(pool);
	CHECK_EQ(rte_eth_tx_burst(a, 0, m, 1), 1, "an empty frame is taken");
	CHECK_EQ(pmd_xstat(a, "tx_oversize_drops"), drops + 1, "dropped and counted");
	m[0] = seq_chain(0, 5, 1804);	/* 9020 bytes */
	CHECK_EQ(rte_eth_tx_burst(a, 0, m, 1), 1, "a frame over 9018 bytes is taken");
	CHECK_EQ(pmd_xstat(a, "tx_oversize_drops"), drops + 2, "dropped and counted");
	m[0] = seq_chain(9000, 4, 16);
	m[1] = rte_pktmbuf_alloc(pool);
	CHECK_EQ(rte_eth_tx_burst(a, 0, m, 2), 1, "a bad frame second stops the burst");
	CHECK_EQ(pmd_xstat(a, "tx_oversize_drops"), drops + 2, "and is not counted");
	CHECK_EQ(rte_eth_tx_burst(a, 0, m + 1, 1), 1, "first in the next, it is dropped");
	CHECK_EQ(pmd_recv_seq(b, &next, 1, 64, 300), 1, "the good one arrives");
	m[0] = seq_chain(0, 511, 2);
	CHECK(m[0] != NULL, "a frame of 511 segments");
	CHECK_EQ(rte_eth_tx_burst(a, 0, m, 1), 1, "is taken");
	CHECK_EQ(pmd_xstat(a, "tx_oversize_drops"), drops + 4, "dropped and counted");
	m[0] = seq_chain(9001, 510, 2);
	m[1] = seq_chain(9002, 510, 2);
	n = rte_eth_tx_burst(a, 0, m, 2);
	CHECK(n >= 1, "frames of 510 segments are taken");
	if (n == 1)
		n += rte_eth_tx_burst(a, 0, m + 1, 1);
	CHECK_EQ(n, 2, "both of them");
	CHECK_EQ(pmd_recv_seq(b, &next, 2, 1020, 300), 2, "and arrive whole");
	for (n = 0; n < 200; n++)
		m[n] = seq_chain(9003 + n, 1, 64);
	n = rte_eth_tx_burst(a, 0, m, 200);
	CHECK_EQ(n, 127, "a burst of 200 takes 127");
	rte_pktmbuf_free_bulk(m + n, 200 - n);
	CHECK_EQ(pmd_recv_seq(b, &next, 127, 64, 500), 127, "which arrive in order");
	CHECK_EQ(pmd_xstat(a, "tx_oversize_drops"), drops + 4, "nothing else dropped");
}

/* Stop b, set its queues up again with RX deferred start, start it. */
static void
test_deferred_start(uint16_t a, uint16_t b)
{
	struct rte_eth_rxconf rxc = { .rx_deferred_start = 1 };
	uint32_t next = 7000;

	CHECK_EQ(rte_eth_dev_stop(b), 0, "b stopped");
	CHECK(rte_eth_rx_queue_setup(b, 0, 512, 0, &rxc, pool) == 0 &&
	      rte_eth_tx_queue_setup(b, 0, 512, 0, NULL) == 0,
	      "b's RX queue set up with deferred start");
	CHECK_EQ(rte_eth_dev_start(b), 0, "b started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked again");
	CHECK_EQ(rxq_state(b), RTE_ETH_QUEUE_STATE_STOPPED,
		 "the deferred RX queue is not started by dev_start");
	CHECK_EQ(txq_state(b), RTE_ETH_QUEUE_STATE_STARTED, "the TX queue is");
	CHECK_EQ(pmd_send_seq(a, pool, 7000, 30, FRAME), 30, "a sends 30 frames");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 200), 0, "b's deferred queue delivers nothing yet");
	CHECK_EQ(rte_eth_dev_rx_queue_start(b, 0), 0, "b's RX queue started by hand");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 30, "b delivers the 30, from sequence 7000");
}

int
main(int argc, char **argv)
{
	uint64_t ga = 0, gb = 0;
	uint16_t a, b;
	int ports;

	(void)argc;
	if (pmd_eal_start(argv[0], "queue") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("queue", 4096, 256, 0,
				       2048 + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(pool != NULL, "a mempool");
	ports = pmd_two_ports(FABRIC, "qt", &a, &b);
	CHECK(ports == 0, "two ports");
	if (ports != 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	CHECK(rte_pmd_ism_get_gid(a, &ga) == 0 && rte_pmd_ism_get_gid(b, &gb) == 0 &&
	      ga != gb, "two functions");
	CHECK(pmd_start_port(a, 512, 512, pool) == 0 &&
	      pmd_start_port(b, 512, 512, pool) == 0, "both started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	CHECK_EQ(rte_eth_dev_rx_queue_stop(b, 3), -EINVAL,
		 "stopping a queue that does not exist is refused");
	test_rx_stop(a, b);
	test_tx_stop(a, b);
	test_tx_refused(a, b);
	test_deferred_start(a, b);
	rte_eth_dev_stop(a);
	rte_eth_dev_stop(b);
	CHECK_EQ(rte_eth_dev_rx_queue_start(b, 0), -EINVAL,
		 "starting a queue of a stopped port is refused");
	rte_eth_dev_close(a);
	rte_eth_dev_close(b);
	rte_vdev_uninit("net_ism0");
	rte_vdev_uninit("net_ism1");
	pmd_eal_stop();
	return check_done();
}

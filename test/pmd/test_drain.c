/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DRAINING state in one process: a sender that stops and starts again
 * (BYE, then a HELLO of a new session) must not make the receiver lose
 * what it published. The receiver reads every frame of the old session,
 * in order, before the link comes back; the sender cannot link (and so
 * cannot overwrite the ring) meanwhile. A receiver that does not poll
 * keeps the old frames for hb_timeout only: then they are discarded,
 * counted in rx_drain_timeouts / rx_drain_discarded_bytes, and the link
 * comes up with the new session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "pmd_test.h"
#include "rte_pmd_ism.h"

#define FABRIC "draintest"
#define FRAME 64
#define HB_TIMEOUT_MS 600

static struct rte_mempool *pool;

static void
test_drained(uint16_t a, uint16_t b)
{
	uint32_t sent, next = 0;
	int got;

	sent = pmd_send_seq(a, pool, 0, 100000, FRAME);
	CHECK(sent > 100, "a filled b's ring without b reading (%u frames)", sent);
	CHECK_EQ(rte_eth_dev_stop(a), 0, "a stops (BYE, goodbye record)");
	CHECK_EQ(rte_eth_dev_start(a), 0, "a starts again: a new session");
	CHECK(!pmd_link_is(a, 1, HB_TIMEOUT_MS / 3),
	      "a cannot link while b's ring still holds its old frames");
	got = pmd_recv_seq(b, &next, sent, FRAME, 3000);
	CHECK_EQ(got, (int)sent, "b reads every frame of a's old session, in order");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000),
	      "once drained, the link comes up with the new session");
	next = 1000000;
	sent = pmd_send_seq(a, pool, next, 50, FRAME);
	got = pmd_recv_seq(b, &next, sent, FRAME, 3000);
	CHECK(sent == 50 && got == 50,
	      "the new session's frames follow, from sequence 1000000");
	CHECK_EQ(pmd_xstat(b, "rx_drain_timeouts"), 0, "no drain timed out");
}

static void
test_timeout(uint16_t a, uint16_t b)
{
	uint32_t sent, next;
	uint64_t t0;
	int got;

	sent = pmd_send_seq(a, pool, 0, 100, FRAME);
	CHECK_EQ(sent, 100, "a sends 100 frames b will not read");
	rte_eth_dev_stop(a);
	rte_eth_dev_start(a);
	t0 = pmd_now_ms();
	CHECK(pmd_link_is(a, 1, HB_TIMEOUT_MS + 3000),
	      "b does not poll: the link comes up after its hb_timeout (%u ms)",
	      HB_TIMEOUT_MS);
	CHECK(pmd_now_ms() - t0 >= HB_TIMEOUT_MS - 50, "not before it (%llu ms)",
	      (unsigned long long)(pmd_now_ms() - t0));
	CHECK_EQ(pmd_xstat(b, "rx_drain_timeouts"), 1, "one drain timed out");
	CHECK_EQ(pmd_xstat(b, "rx_drain_discarded_bytes"), 100ull * (8 + FRAME),
		 "and it discarded exactly the 100 records");
	pmd_link_is(b, 1, 3000);
	next = 500;
	sent = pmd_send_seq(a, pool, 500, 20, FRAME);
	got = pmd_recv_seq(b, &next, 20, FRAME, 3000);
	CHECK(sent == 20 && got == 20,
	      "b then reads only the new session's frames, from sequence 500");
}

int
main(int argc, char **argv)
{
	char args[128];
	uint16_t a, b;

	(void)argc;
	if (pmd_eal_start(argv[0], "drain") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("drain", 8192, 256, 0,
				       2048 + RTE_PKTMBUF_HEADROOM, 0);
	snprintf(args, sizeof(args), "fabric=" FABRIC ",pair=dr,dmb_size=65536");
	CHECK(pool != NULL && rte_vdev_init("net_ism0", args) == 0, "sender a");
	snprintf(args, sizeof(args),
		 "fabric=" FABRIC ",pair=dr,dmb_size=65536,hb_timeout=%d",
		 HB_TIMEOUT_MS);
	CHECK(rte_vdev_init("net_ism1", args) == 0, "receiver b (hb_timeout=%d)",
	      HB_TIMEOUT_MS);
	if (rte_eth_dev_get_port_by_name("net_ism0", &a) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism1", &b) != 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	{
		uint64_t ga = 0, gb = 0, pa = 0;

		rte_pmd_ism_get_gid(a, &ga);
		rte_pmd_ism_get_gid(b, &gb);
		CHECK(pmd_start_port(a, 512, 512, pool) == 0 &&
		      pmd_start_port(b, 512, 512, pool) == 0,
		      "both started");
		CHECK(pmd_link_is(a, 1, 5000) && rte_pmd_ism_get_peer(a, &pa) == 0 &&
		      pa == gb && ga != 0, "a paired with b by label");
	}
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	test_drained(a, b);
	test_timeout(a, b);
	pmd_two_ports_close(a, b);
	pmd_eal_stop();
	return check_done();
}

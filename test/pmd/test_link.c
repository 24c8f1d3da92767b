/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eth_dev_set_link_down/up on a started port: down stops delivery
 * both ways and the peer sees its link go down; up brings the link back
 * with a new session, and frames flow again, checked by sequence number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "pmd_test.h"
#include "rte_pmd_ism.h"

#define FABRIC "linktest"
#define FRAME 64

static struct rte_mempool *pool;

static void
test_link_down_up(uint16_t a, uint16_t b)
{
	struct rte_eth_link l;
	uint32_t next = 0;

	CHECK_EQ(pmd_send_seq(a, pool, 0, 10, FRAME), 10, "a sends 10 frames while up");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 10, "b gets them in order");
	CHECK_EQ(rte_eth_dev_set_link_down(a), 0, "set link down on a");
	CHECK(rte_eth_link_get_nowait(a, &l) == 0 && l.link_status == RTE_ETH_LINK_DOWN,
	      "a's link is down at once");
	CHECK(pmd_link_is(b, 0, 3000), "the peer b sees its link go down");
	CHECK_EQ(pmd_send_seq(a, pool, 100, 5, FRAME), 0, "a's TX accepts nothing while down");
	CHECK_EQ(pmd_send_seq(b, pool, 100, 5, FRAME), 0, "b's TX accepts nothing while down");
	CHECK_EQ(pmd_recv_seq(a, &next, UINT32_MAX, FRAME, 200), 0, "a delivers nothing");
	CHECK(!pmd_link_is(a, 1, 500), "a stays down");
	CHECK_EQ(rte_eth_dev_set_link_down(a), 0, "set link down again: no-op");
	CHECK_EQ(rte_eth_dev_set_link_up(a), 0, "set link up on a");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000),
	      "both links up again");
	CHECK_EQ(rte_eth_dev_set_link_up(a), 0, "set link up again: no-op");
	next = 1000;
	CHECK_EQ(pmd_send_seq(a, pool, 1000, 20, FRAME), 20, "a sends 20 frames");
	CHECK_EQ(pmd_recv_seq(b, &next, UINT32_MAX, FRAME, 300), 20, "b gets them, from sequence 1000");
	next = 2000;
	CHECK_EQ(pmd_send_seq(b, pool, 2000, 20, FRAME), 20, "b sends 20 frames");
	CHECK_EQ(pmd_recv_seq(a, &next, UINT32_MAX, FRAME, 300), 20, "a gets them, from sequence 2000");
	CHECK_EQ(rte_eth_dev_stop(a), 0, "a stopped");
	CHECK_EQ(rte_eth_dev_set_link_up(a), -EINVAL,
		 "set link up on a stopped port is refused");
	CHECK_EQ(rte_eth_dev_set_link_down(a), -EINVAL,
		 "set link down on a stopped port is refused");
	CHECK(rte_eth_dev_start(a) == 0 && pmd_link_is(a, 1, 5000) &&
	      pmd_link_is(b, 1, 5000), "a started: linked again");
}

int
main(int argc, char **argv)
{
	uint64_t ga = 0, gb = 0;
	uint16_t a, b;
	int ports;

	(void)argc;
	if (pmd_eal_start(argv[0], "link") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("link", 4096, 256, 0,
				       2048 + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(pool != NULL, "a mempool");
	ports = pmd_two_ports(FABRIC, "lk", &a, &b);
	CHECK(ports == 0, "two ports");
	if (ports != 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	CHECK(rte_pmd_ism_get_gid(a, &ga) == 0 && rte_pmd_ism_get_gid(b, &gb) == 0 &&
	      ga != gb, "two functions");
	CHECK(pmd_start_port(a, 512, 512, pool) == 0 &&
	      pmd_start_port(b, 512, 512, pool) == 0,
	      "both started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	test_link_down_up(a, b);
	pmd_two_ports_close(a, b);
	pmd_eal_stop();
	return check_done();
}

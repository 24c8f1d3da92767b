/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A secondary process that makes the calls doc/guides/nics/ism.rst lists
 * for secondaries on the primary's net_ism0, and checks each answer.
 *
 *   mp_check --proc-type=secondary --file-prefix <primary's> <EAL options>
 *            -- <the primary's GID, 0x...>
 *
 * Output is TAP; the exit status is 0 when every check passed. The primary
 * must be unharmed afterwards: test_secondary.py checks that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "rte_pmd_ism.h"

static void
check_refused(uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_ether_addr mac = { .addr_bytes = { 0x02, 1, 2, 3, 4, 5 } };

	CHECK_EQ(rte_eth_dev_configure(port, 1, 1, &conf), -ENOTSUP,
		 "configure is refused");
	CHECK_EQ(rte_eth_dev_stop(port), -ENOTSUP, "stop is refused");
	CHECK_EQ(rte_eth_dev_set_mtu(port, 1400), -ENOTSUP, "MTU set is refused");
	CHECK_EQ(rte_eth_dev_default_mac_addr_set(port, &mac), -ENOTSUP,
		 "MAC set is refused");
	CHECK_EQ(rte_eth_dev_set_link_down(port), -ENOTSUP, "link down is refused");
	CHECK_EQ(rte_eth_dev_rx_queue_stop(port, 0), -ENOTSUP,
		 "RX queue stop is refused");
	CHECK_EQ(rte_eth_dev_tx_queue_stop(port, 0), -ENOTSUP,
		 "TX queue stop is refused");
}

static void
check_bursts(uint16_t port)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("mp_check", 64, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE,
							 rte_socket_id());
	struct rte_mbuf *m[4];
	uint16_t n;

	CHECK_EQ(rte_eth_rx_burst(port, 0, m, 4), 0, "RX burst moves nothing");
	if (mp == NULL || rte_pktmbuf_alloc_bulk(mp, m, 4) != 0) {
		CHECK(false, "mbufs for a TX burst");
		return;
	}
	for (int i = 0; i < 4; i++)
		memset(rte_pktmbuf_append(m[i], 60), 0xee, 60);
	n = rte_eth_tx_burst(port, 0, m, 4);
	CHECK_EQ(n, 0, "TX burst accepts nothing");
	rte_pktmbuf_free_bulk(m + n, 4 - n);
	rte_mempool_free(mp);
}

int
main(int argc, char **argv)
{
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	struct ism_rdmb dmb;
	uint64_t want_gid, gid = 0, peer = 0;
	uint16_t port;
	int n, rc;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		printf("Bail out! EAL init failed (is the primary running, with hugepages?)\n");
		return 99;
	}
	argc -= n;
	argv += n;
	if (argc != 2) {
		printf("Bail out! usage: mp_check <EAL options> -- <primary's gid>\n");
		return 99;
	}
	want_gid = strtoull(argv[1], NULL, 0);
	CHECK(rte_eal_process_type() == RTE_PROC_SECONDARY, "a secondary process");
	if (rte_eth_dev_get_port_by_name("net_ism0", &port) != 0) {
		printf("Bail out! the primary's net_ism0 is not attached\n");
		return 99;
	}
	/* each call before its check: the message's arguments are
	 * evaluated in no set order with the condition */
	rc = rte_eth_dev_info_get(port, &info);
	CHECK(rc == 0 && strcmp(info.driver_name, "net_ism") == 0 &&
	      info.max_rx_queues >= 1,
	      "device info of the primary's port (%s)", rc == 0 ? info.driver_name : "-");
	rc = rte_pmd_ism_get_gid(port, &gid);
	CHECK(rc == 0 && gid == want_gid,
	      "rte_pmd_ism_get_gid: the primary's GID (0x%llx)", (unsigned long long)gid);
	rc = rte_pmd_ism_get_peer(port, &peer);
	CHECK(rc == 0 && peer != 0 && peer != gid,
	      "rte_pmd_ism_get_peer: the primary's peer (0x%llx)", (unsigned long long)peer);
	CHECK(rte_pmd_ism_get_dev(port) == NULL,
	      "rte_pmd_ism_get_dev: none here, lib/ism's handle is the primary's");
	CHECK_EQ(rte_pmd_ism_get_peer_dmb(port, 0, &dmb), -ENOTSUP,
		 "rte_pmd_ism_get_peer_dmb is the primary's");
	CHECK(rte_eth_stats_get(port, &st) == 0, "stats read");
	check_bursts(port);
	check_refused(port);
	CHECK_EQ(rte_eth_dev_close(port), 0, "close detaches this process");
	CHECK(!rte_eth_dev_is_valid_port(port), "and the port is gone here");
	rte_eal_cleanup();
	return check_done();
}

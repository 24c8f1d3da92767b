/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX scatter only when the application enables it. Without it a frame
 * larger than one mbuf is dropped and counted (rx_oversize_drops), never
 * chained, and an MTU the RX queues' mbufs cannot take is refused at
 * queue setup, MTU set and configure. With it the same frames arrive as
 * chains, byte for byte.
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

#define FABRIC "scattest"
#define SMALL_ROOM 1024		/* data room of b's mbufs */
#define MTU 1000		/* frames of up to 1018 bytes fit them */

static struct rte_mempool *small_pool, *big_pool;

static int
configure(uint16_t port, uint64_t rx_offloads, uint16_t mtu)
{
	struct rte_eth_conf conf = { .rxmode = { .offloads = rx_offloads, .mtu = mtu } };

	return rte_eth_dev_configure(port, 1, 1, &conf);
}

static int
setup_queues(uint16_t port, struct rte_mempool *mp)
{
	int rc = rte_eth_rx_queue_setup(port, 0, 512, 0, NULL, mp);

	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 512, 0, NULL);
	return rc;
}

static const uint16_t sizes[] = { SMALL_ROOM, SMALL_ROOM + 1, 1500, 64 };
#define NB_SIZES RTE_DIM(sizes)

/* Byte i of frame k is (k * 31 + i) & 0xff: each frame checked whole. */
static int
send_sizes(uint16_t a)
{
	for (unsigned int k = 0; k < NB_SIZES; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(big_pool);
		uint8_t *d = m != NULL ?
			(uint8_t *)rte_pktmbuf_append(m, sizes[k]) : NULL;

		if (d == NULL)
			return -1;
		for (unsigned int i = 0; i < sizes[k]; i++)
			d[i] = (uint8_t)(k * 31 + i);
		if (rte_eth_tx_burst(a, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			return -1;
		}
	}
	return 0;
}

/* Receive until the 64-byte frame (the last sent) comes; a bit per size
 * index that arrived intact, bit 31 for a damaged one; *@chained counts
 * frames of more than one segment. */
static unsigned int
recv_sizes(uint16_t b, unsigned int *chained)
{
	uint64_t end = pmd_now_ms() + 3000;
	unsigned int got = 0;
	bool last = false;

	*chained = 0;
	while (!last && pmd_now_ms() < end) {
		struct rte_mbuf *m[8];
		uint16_t n = rte_eth_rx_burst(b, 0, m, 8);

		for (uint16_t i = 0; i < n; i++) {
			uint8_t buf[2048];
			const uint8_t *d;
			unsigned int k;

			for (k = 0; k < NB_SIZES && sizes[k] != m[i]->pkt_len; k++)
				;
			d = k < NB_SIZES ? rte_pktmbuf_read(m[i], 0, m[i]->pkt_len, buf) : NULL;
			for (unsigned int j = 0; d != NULL && j < m[i]->pkt_len; j++)
				if (d[j] != (uint8_t)(k * 31 + j))
					d = NULL;
			got |= d != NULL ? 1u << k : 1u << 31;
			*chained += m[i]->nb_segs > 1;
			last |= k == NB_SIZES - 1;
			rte_pktmbuf_free(m[i]);
		}
	}
	return got;
}

static void
test_no_scatter(uint16_t a, uint16_t b)
{
	struct rte_eth_rxq_info qi;
	unsigned int chained = 0;

	CHECK_EQ(configure(b, 0, 0), 0, "b configured, no RX scatter, MTU 1500");
	CHECK_EQ(rte_eth_rx_queue_setup(b, 0, 512, 0, NULL, small_pool), -EINVAL,
		 "RX queue of %u-byte mbufs refused for MTU 1500", SMALL_ROOM);
	CHECK_EQ(rte_eth_dev_set_mtu(b, MTU), 0, "MTU %u", MTU);
	CHECK_EQ(setup_queues(b, small_pool), 0, "now the queue fits its mbufs");
	CHECK_EQ(rte_eth_dev_set_mtu(b, 1500), -EINVAL,
		 "MTU 1500 refused: the RX queue cannot take it");
	CHECK_EQ(configure(b, 0, 1500), -EINVAL,
		 "configure refuses MTU 1500 over the queue set up");
	CHECK_EQ(configure(b, 0, MTU), 0, "configure with MTU %u", MTU);
	CHECK_EQ(setup_queues(b, small_pool), 0, "queues set up again");
	CHECK(configure(a, 0, MTU) == 0 && setup_queues(a, big_pool) == 0 &&
	      rte_eth_dev_start(a) == 0 && rte_eth_dev_start(b) == 0,
	      "both started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	CHECK(rte_eth_rx_queue_info_get(b, 0, &qi) == 0 && qi.scattered_rx == 0,
	      "queue info: no scatter");
	CHECK_EQ(send_sizes(a), 0, "a sends %u, %u, 1500 and 64 bytes",
		 SMALL_ROOM, SMALL_ROOM + 1);
	CHECK_EQ(recv_sizes(b, &chained), (1u << 0) | (1u << 3),
		 "b gets the frames that fit one mbuf, intact");
	CHECK_EQ(chained, 0, "none of them chained");
	CHECK_EQ(pmd_xstat(b, "rx_oversize_drops"), 2, "two frames dropped, counted");
}

static void
test_scatter(uint16_t a, uint16_t b)
{
	struct rte_eth_rxq_info qi;
	unsigned int chained = 0;

	CHECK_EQ(rte_eth_dev_stop(b), 0, "b stopped");
	CHECK_EQ(configure(b, RTE_ETH_RX_OFFLOAD_SCATTER, MTU), 0,
		 "b configured with RX scatter");
	CHECK_EQ(setup_queues(b, small_pool), 0, "queue of small mbufs");
	CHECK_EQ(rte_eth_dev_start(b), 0, "b started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked again");
	CHECK(rte_eth_rx_queue_info_get(b, 0, &qi) == 0 && qi.scattered_rx == 1,
	      "queue info: scatter");
	CHECK_EQ(rte_eth_stats_reset(b), 0, "stats reset");
	CHECK_EQ(send_sizes(a), 0, "a sends the same four frames");
	CHECK_EQ(recv_sizes(b, &chained), (1u << NB_SIZES) - 1,
		 "b gets all four, intact");
	CHECK_EQ(chained, 2, "the two over one mbuf as chains");
	CHECK_EQ(pmd_xstat(b, "rx_oversize_drops"), 0, "nothing dropped");
}

int
main(int argc, char **argv)
{
	int a, b;

	(void)argc;
	if (pmd_eal_start(argv[0], "scat") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	small_pool = rte_pktmbuf_pool_create("small", 2048, 128, 0,
					     SMALL_ROOM + RTE_PKTMBUF_HEADROOM, 0);
	big_pool = rte_pktmbuf_pool_create("big", 2048, 128, 0,
					   2048 + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(small_pool != NULL && big_pool != NULL &&
	      rte_vdev_init("net_ism0", "fabric=" FABRIC ",pair=sc,dmb_size=65536") == 0 &&
	      rte_vdev_init("net_ism1", "fabric=" FABRIC ",pair=sc,dmb_size=65536") == 0,
	      "two ports");
	a = pmd_port_of("net_ism0");
	b = pmd_port_of("net_ism1");
	if (a < 0 || b < 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	{
		uint64_t ga = 0, gb = 0;

		CHECK(rte_pmd_ism_get_gid((uint16_t)a, &ga) == 0 &&
		      rte_pmd_ism_get_gid((uint16_t)b, &gb) == 0 && ga != gb,
		      "two functions");
	}
	test_no_scatter((uint16_t)a, (uint16_t)b);
	test_scatter((uint16_t)a, (uint16_t)b);
	rte_eth_dev_stop((uint16_t)a);
	rte_eth_dev_stop((uint16_t)b);
	rte_eth_dev_close((uint16_t)a);
	rte_eth_dev_close((uint16_t)b);
	rte_vdev_uninit("net_ism0");
	rte_vdev_uninit("net_ism1");
	pmd_eal_stop();
	return check_done();
}

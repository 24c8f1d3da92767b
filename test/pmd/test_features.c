/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev features net_ism claims in doc/guides/nics/features/ism.ini
 * and that no other program of the suite proves: the nominal link speed
 * (finite, so applications that size a run from it end), queue info as
 * set up, and the private dump of the control plane.
 */
#include <inttypes.h>
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

#define FABRIC "feattest"
#define RX_DESC 512
#define TX_DESC 256
#define BUF_SIZE 2048

static struct rte_mempool *pool;

static int
start_port(uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	int rc = rte_eth_dev_configure(port, 1, 1, &conf);

	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, RX_DESC, 0, NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, TX_DESC, 0, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

static void
test_link_speed(uint16_t a)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link l;

	CHECK_EQ(rte_eth_link_get_nowait(a, &l), 0, "link read");
	CHECK_EQ(l.link_status, RTE_ETH_LINK_UP, "link up");
	CHECK_EQ(l.link_speed, RTE_ETH_SPEED_NUM_10G,
		 "nominal speed 10 Gbit/s while up, not Unknown");
	CHECK_EQ(l.link_duplex, RTE_ETH_LINK_FULL_DUPLEX, "full duplex");
	CHECK_EQ(l.link_autoneg, RTE_ETH_LINK_FIXED, "fixed, no autonegotiation");
	CHECK(rte_eth_dev_info_get(a, &info) == 0 &&
	      info.speed_capa == (RTE_ETH_LINK_SPEED_FIXED | RTE_ETH_LINK_SPEED_10G),
	      "speed_capa says fixed 10G (0x%x)", info.speed_capa);
}

static void
test_queue_info(uint16_t a)
{
	struct rte_eth_rxq_info rx;
	struct rte_eth_txq_info tx;

	memset(&rx, 0xff, sizeof(rx));
	memset(&tx, 0xff, sizeof(tx));
	CHECK_EQ(rte_eth_rx_queue_info_get(a, 0, &rx), 0, "rxq_info_get answers");
	CHECK(rx.mp == pool, "RX queue info names the queue's mempool");
	CHECK_EQ(rx.nb_desc, RX_DESC, "RX nb_desc as set up");
	CHECK_EQ(rx.rx_buf_size, BUF_SIZE, "RX buffer size of the mempool");
	CHECK_EQ(rx.queue_state, RTE_ETH_QUEUE_STATE_STARTED, "RX queue started");
	CHECK_EQ(rx.scattered_rx, 0, "RX scatter not enabled");
	CHECK_EQ(rte_eth_tx_queue_info_get(a, 0, &tx), 0, "txq_info_get answers");
	CHECK_EQ(tx.nb_desc, TX_DESC, "TX nb_desc as set up");
	CHECK_EQ(tx.queue_state, RTE_ETH_QUEUE_STATE_STARTED, "TX queue started");
	CHECK(rte_eth_rx_queue_info_get(a, 1, &rx) != 0,
	      "no info for a queue that is not configured");
}

static void
test_priv_dump(uint16_t a, uint64_t ga, uint64_t gb)
{
	char buf[4096], want[64];
	size_t n = 0;
	FILE *f = tmpfile();

	CHECK(f != NULL && rte_eth_dev_priv_dump(a, f) == 0, "priv_dump answers");
	if (f == NULL)
		return;
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "gid: %016" PRIx64 "\n", ga);
	CHECK(strstr(buf, want) != NULL, "dump has the port's GID");
	snprintf(want, sizeof(want), "peer_gid: %016" PRIx64 "\n", gb);
	CHECK(strstr(buf, want) != NULL, "dump has the peer's GID");
	CHECK(strstr(buf, "state: up\n") != NULL, "dump has the link state");
	CHECK(strstr(buf, "queue_pairs: 1\n") != NULL, "dump has the queue pairs");
	CHECK(strstr(buf, "dmb_size: 65536\n") != NULL, "dump has the DMB size");
}

int
main(int argc, char **argv)
{
	char prefix[64], dir[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
			"--file-prefix", prefix, "--log-level", "pmd.net.ism:notice" };
	uint64_t ga = 0, gb = 0;
	uint16_t a, b;

	(void)argc;
	snprintf(dir, sizeof(dir), "/dev/shm/ism-feat.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 99;
	setenv("ISM_MODEL_DIR", dir, 1);
	snprintf(prefix, sizeof(prefix), "ism-feat-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("feat", 4096, 256, 0,
				       BUF_SIZE + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(pool != NULL && rte_vdev_init("net_ism0",
		"fabric=" FABRIC ",pair=ft,dmb_size=65536") == 0, "port a");
	CHECK(rte_vdev_init("net_ism1", "fabric=" FABRIC ",pair=ft,dmb_size=65536") == 0,
	      "port b");
	if (rte_eth_dev_get_port_by_name("net_ism0", &a) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism1", &b) != 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	rte_pmd_ism_get_gid(a, &ga);
	rte_pmd_ism_get_gid(b, &gb);
	CHECK(start_port(a) == 0 && start_port(b) == 0, "both started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	test_link_speed(a);
	test_queue_info(a);
	test_priv_dump(a, ga, gb);
	rte_eth_dev_stop(a);
	rte_eth_dev_stop(b);
	rte_eth_dev_close(a);
	rte_eth_dev_close(b);
	rte_vdev_uninit("net_ism0");
	rte_vdev_uninit("net_ism1");
	rte_eal_cleanup();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			check_diag("cannot remove %s", dir);
	}
	return check_done();
}

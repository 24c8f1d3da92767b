/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-perf with DPDK: benchmarks of the ISM store loop and of ethdev
 * ports, in the manner of testpmd: EAL arguments, "--", then ism-perf's
 * own. The modes on lib/ism and the command line are those of the
 * DPDK-free build (perf_cli.c); this file adds EAL and the ethdev modes.
 */
#include <errno.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "perf.h"

static int
start_port(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	int rc;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	/* jumbo frames where the PMD takes them (net_memif does not) */
	if (rc == 0 && rte_eth_dev_set_mtu(port, 9000) < 0)
		fprintf(stderr, "ism-perf: port %u keeps MTU 1500\n", port);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc < 0)
		fprintf(stderr, "ism-perf: cannot start port %u: %s\n", port, strerror(-rc));
	return rc;
}

static int
wait_link(uint16_t port)
{
	struct rte_eth_link link;

	for (int i = 0; i < 1000; i++) {
		rte_eth_link_get_nowait(port, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			return 0;
		rte_delay_ms(10);
	}
	fprintf(stderr, "ism-perf: port %u: link did not come up within 10 s\n", port);
	return -ETIMEDOUT;
}

static void
stop_ports(const struct perf_opts *o)
{
	if (rte_eth_dev_is_valid_port(o->tx_port))
		rte_eth_dev_stop(o->tx_port);
	if (rte_eth_dev_is_valid_port(o->rx_port))
		rte_eth_dev_stop(o->rx_port);
}

static int
start_ports(const struct perf_opts *o)
{
	struct rte_mempool *mp;
	uint16_t ports[2] = { o->tx_port, o->rx_port };

	if (o->tx_port == o->rx_port || !rte_eth_dev_is_valid_port(o->tx_port) ||
	    !rte_eth_dev_is_valid_port(o->rx_port)) {
		fprintf(stderr, "ism-perf: needs two ports (--tx-port %u, --rx-port %u; %u available): give two --vdev\n",
			o->tx_port, o->rx_port, rte_eth_dev_count_avail());
		return -1;
	}
	mp = rte_pktmbuf_pool_create("perf_rx", 16383, 256, 0,
				     9216 + RTE_PKTMBUF_HEADROOM, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "ism-perf: no RX mbuf pool: %s (more memory: -m)\n",
			rte_strerror(rte_errno));
		return -1;
	}
	for (int i = 0; i < 2; i++)
		if (start_port(ports[i], mp) < 0)
			return -1;
	for (int i = 0; i < 2; i++)
		if (wait_link(ports[i]) < 0)
			return -1;
	return 0;
}

/* The ethdev modes run between two started ports. */
static int
run_stream(const struct perf_opts *o, struct perf_report *r)
{
	int rc = start_ports(o);

	if (rc == 0)
		rc = perf_stream(o, r);
	stop_ports(o);
	return rc;
}

static int
run_pingpong(const struct perf_opts *o, struct perf_report *r)
{
	int rc = start_ports(o);

	if (rc == 0)
		rc = perf_pingpong(o, r);
	stop_ports(o);
	return rc;
}

static const struct perf_mode modes[] = {
	{ "store", perf_store, PERF_USES_FNS | PERF_TAKES_COUNT, "64,256,1024,2048,4096,1048576",
	  "ism_move() into a peer's 1 MiB DMB (no ethdev): stores/s,\n"
	  "                   us/store, GB/s, pwrites/s (vfio), the store limit" },
	{ "memcpy", perf_memcpy, PERF_TAKES_COUNT, "64,256,1024,2048,4096,1048576",
	  "the same copy pattern with memcpy: the bound" },
	{ "stream", run_stream, PERF_USES_PORTS | PERF_TAKES_COUNT, "64,128,512,1500,9000,mix",
	  "TX lcore -> --tx-port, RX on --rx-port on the main lcore:\n"
	  "                   Mpps, Gbit/s, sequence losses" },
	{ "pingpong", run_pingpong, PERF_USES_PORTS, "64,1500",
	  "round trips tx-port -> rx-port (echoed by a worker lcore)\n"
	  "                   -> tx-port: p50/p99/p99.9/max" },
	{ "lib-pingpong", perf_roundtrip, PERF_USES_FNS, "64,1500,4096",
	  "round trips on lib/ism, no ethdev: two functions, one DMB\n"
	  "                   each (poll or signal); 'pingpong' of the DPDK-free build" },
};

static struct perf_build build = {
	.synopsis = "[EAL options] -- [options]",
	.example =
		"Example: ism-perf -l 0,1 --no-huge -m 512 --no-pci -d build/drivers \\\n"
		"  --vdev net_ism0,fabric=f,pair=p --vdev net_ism1,fabric=f,pair=p \\\n"
		"  -- --mode stream\n",
	.modes = modes,
	.nb_modes = RTE_DIM(modes),
	.ports = true,
};

int
main(int argc, char **argv)
{
	struct perf_opts o = { .seconds = 2, .tx_port = 0, .rx_port = 1, .burst = 32 };
	const struct perf_mode *m;
	int n, rc;

	build.version = rte_version();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			perf_usage(stdout, argv[0], &build);
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, PERF_PROG ": EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	rc = perf_parse_args(argc - n, argv + n, &build, &o, &m);
	if (rc == 0)
		rc = perf_run(&build, m, &o);
	else
		rc = rc > 0 ? 0 : 2;
	rte_eal_cleanup();
	return rc;
}

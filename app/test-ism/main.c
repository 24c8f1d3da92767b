/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-perf: benchmarks of the ISM store loop and of ethdev ports, in the
 * manner of testpmd: EAL arguments, "--", then ism-perf's own.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "ism_model.h"
#include "perf.h"

static const struct {
	const char *name;
	int (*run)(const struct perf_opts *o, struct perf_report *r);
	bool ports;
	const char *sizes;
} modes[] = {
	{ "store", perf_store, false, "64,256,1024,2048,4096,1048576" },
	{ "memcpy", perf_memcpy, false, "64,256,1024,2048,4096,1048576" },
	{ "stream", perf_stream, true, "64,128,512,1500,9000,mix" },
	{ "pingpong", perf_pingpong, true, "64,1500" },
};

double
perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
perf_progress(const struct perf_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "  ... ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n\n"
	       "Benchmarks the ISM store loop and ethdev ports (net_ism, or any\n"
	       "other PMD for comparison, e.g. net_memif).\n\n"
	       "  --mode MODE      store     ism_move() into a peer's DMB on the software\n"
	       "                             model (no ethdev): stores/s and GB/s\n"
	       "                   memcpy    the same copy pattern with memcpy: the bound\n"
	       "                   stream    TX lcore -> --tx-port, RX on --rx-port on the\n"
	       "                             main lcore: Mpps, Gbit/s, sequence losses\n"
	       "                   pingpong  round trips tx-port -> rx-port (echoed by a\n"
	       "                             worker lcore) -> tx-port: p50/p99/p99.9/max\n"
	       "  --sizes LIST     comma-separated sizes in bytes; 'mix' = 64/576/1500 7:4:1\n"
	       "                   (default per mode: store/memcpy 64..1048576,\n"
	       "                   stream 64,128,512,1500,9000,mix, pingpong 64,1500)\n"
	       "  --seconds N      measuring time per size (default 2)\n"
	       "  --fabric NAME    store: software ISM fabric (default perf-<pid>, removed)\n"
	       "  --tx-port P      stream/pingpong: sending port (default 0)\n"
	       "  --rx-port P      stream/pingpong: receiving port (default 1)\n"
	       "  --burst N        burst size, 1..64 (default 32)\n"
	       "  --json FILE      also write the results as JSON\n"
	       "  --quiet          no progress lines\n"
	       "  --help           this text\n\n"
	       "Example: %s -l 0,1 --no-huge -m 512 --no-pci -d build/drivers \\\n"
	       "  --vdev net_ism0,fabric=f,pair=p --vdev net_ism1,fabric=f,pair=p \\\n"
	       "  -- --mode stream\n", prog, prog);
}

static int
parse_sizes(const char *arg, struct perf_opts *o)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->nb_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;

		if (o->nb_sizes == PERF_MAX_SIZES) {
			fprintf(stderr, "ism-perf: at most %d sizes\n", PERF_MAX_SIZES);
			return -1;
		}
		if (strcmp(tok, "mix") == 0) {
			o->sizes[o->nb_sizes++] = PERF_MIX;
			continue;
		}
		v = strtoul(tok, &end, 0);
		if (*end != '\0' || v < 60 || v > (1u << 20)) {
			fprintf(stderr, "ism-perf: size '%s' is not 60..1048576 or 'mix'\n", tok);
			return -1;
		}
		o->sizes[o->nb_sizes++] = (uint32_t)v;
	}
	return o->nb_sizes > 0 ? 0 : -1;
}

static int
parse_args(int argc, char **argv, struct perf_opts *o, int *mode)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'M' },
		{ "sizes", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "fabric", required_argument, NULL, 'f' },
		{ "tx-port", required_argument, NULL, 'T' },
		{ "rx-port", required_argument, NULL, 'R' },
		{ "burst", required_argument, NULL, 'b' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sizes = NULL;
	char *end;
	int c;

	*mode = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'M':
			*mode = -1;
			for (size_t i = 0; i < RTE_DIM(modes); i++)
				if (strcmp(optarg, modes[i].name) == 0)
					*mode = (int)i;
			if (*mode < 0) {
				fprintf(stderr, "ism-perf: unknown mode '%s': store, memcpy, stream or pingpong\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			sizes = optarg;
			break;
		case 't':
			o->seconds = strtod(optarg, &end);
			if (*end != '\0' || o->seconds <= 0 || o->seconds > 3600) {
				fprintf(stderr, "ism-perf: --seconds '%s' is not in (0, 3600]\n", optarg);
				return -1;
			}
			break;
		case 'f':
			o->fabric = optarg;
			break;
		case 'T':
		case 'R': {
			unsigned long v = strtoul(optarg, &end, 0);

			if (*end != '\0' || v >= RTE_MAX_ETHPORTS) {
				fprintf(stderr, "ism-perf: port '%s' is not a port id\n", optarg);
				return -1;
			}
			*(c == 'T' ? &o->tx_port : &o->rx_port) = (uint16_t)v;
			break;
		}
		case 'b':
			o->burst = (uint16_t)strtoul(optarg, &end, 0);
			if (*end != '\0' || o->burst < 1 || o->burst > 64) {
				fprintf(stderr, "ism-perf: --burst '%s' is not 1..64\n", optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			fprintf(stderr, "ism-perf: see --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ism-perf: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	o->mode = modes[*mode].name;
	return parse_sizes(sizes ? sizes : modes[*mode].sizes, o);
}

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

int
main(int argc, char **argv)
{
	struct perf_opts o = { .seconds = 2, .tx_port = 0, .rx_port = 1, .burst = 32 };
	static struct perf_report rep;
	char fabric[64];
	int mode, rc, n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "ism-perf: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	if (parse_args(argc - n, argv + n, &o, &mode) < 0)
		return 2;
	if (o.fabric == NULL) {
		snprintf(fabric, sizeof(fabric), "perf-%d", (int)getpid());
		o.fabric = fabric;
	}
	if (modes[mode].ports && start_ports(&o) < 0)
		return 1;
	rc = modes[mode].run(&o, &rep);
	if (modes[mode].ports) {
		rte_eth_dev_stop(o.tx_port);
		rte_eth_dev_stop(o.rx_port);
	}
	if (rc == 0) {
		perf_print_table(&rep);
		if (o.json != NULL && perf_write_json(o.json, &rep) < 0)
			rc = -1;
	}
	if (o.fabric == fabric)
		ism_model_unlink(fabric);	/* absent unless store mode made it */
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}

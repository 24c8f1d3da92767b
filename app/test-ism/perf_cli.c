/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line both builds of ism-perf share, and the run of a mode:
 * each build passes its table of modes (struct perf_build); the options
 * of the ethdev modes exist only where the build has them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ism_model.h"
#include "perf.h"

#define DEFAULT_WAIT	60.0	/* seconds for a peer in another process */

double
perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t
perf_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

void
perf_usage(FILE *f, const char *prog, const struct perf_build *b)
{
	fprintf(f, "Usage: %s %s\n\n", prog, b->synopsis);
	fprintf(f, "Benchmarks of ISM: the store loop and round trips on lib/ism%s.\n",
		b->ports ? ", and ethdev ports\n(net_ism, or another PMD for comparison, e.g. net_memif)" :
		" (this build has\nno DPDK: the ethdev modes are in the DPDK build)");
	fprintf(f, "\n  --mode MODE      (default %s)\n", b->modes[0].name);
	for (int i = 0; i < b->nb_modes; i++)
		fprintf(f, "    %-14s %s\n", b->modes[i].name, b->modes[i].help);
	fprintf(f, "  --sizes LIST     comma-separated sizes in bytes%s; default per mode:\n",
		b->ports ? ", 'mix' = 64/576/1500 7:4:1" : "");
	for (int i = 0; i < b->nb_modes; i++)
		fprintf(f, "                   %s %s\n", b->modes[i].name, b->modes[i].sizes);
	fprintf(f, "  --seconds N      measuring time per size (default 2)\n");
	fprintf(f,
		"  --count N        instead of --seconds, a fixed amount of work per size,\n"
		"                   the same in every run, for instruction counters\n"
		"                   (valgrind --tool=callgrind): N moves (store, memcpy)%s\n",
		b->ports ? ",\n                   or N frames (stream: sent and received in turn on\n"
			   "                   the main lcore, no worker, no clock)" : "");
	fprintf(f,
		"  --json FILE      also write the results as JSON\n"
		"  --quiet          no progress lines\n"
		"  --help           this text\n\n"
		"Where the ISM functions come from (modes on lib/ism):\n"
		"  --fabric NAME    the software ISM model, fabric NAME (default perf-<pid>,\n"
		"                   removed at exit)\n"
		"  --dev ADDR       a function bound to ism_vfio_pci (PCI address), through\n"
		"                   lib/ism's vfio transport; twice, --dev A --dev B: A\n"
		"                   measures, B is its local peer (owns the DMB, echoes)\n"
		"  --path MODE      with --dev: auto (default), cdev or group\n"
		"  --peer GID       the peer is in another process or LPAR (GID in hex, as\n"
		"                   'ism-ctl info' or the peer's first line shows): one --dev\n"
		"                   (or a --fabric both name), the peer runs --serve\n"
		"  --serve          be the peer of a measuring ism-perf: own the DMB it\n"
		"                   writes, echo its round trips, check its data; with\n"
		"                   --peer GID or --peer any (the first that asks)\n"
		"  --wait SECONDS   how long to wait for the peer (default 60)\n"
		"  --notify HOW     round trips: poll (spin on the DMB, default) or signal\n"
		"                   (the doorbell store sets sf; the receiver sleeps on\n"
		"                   the MSI)\n");
	if (b->ports)
		fprintf(f,
			"\nethdev modes:\n"
			"  --tx-port P      sending port (default 0)\n"
			"  --rx-port P      receiving port (default 1)\n"
			"  --burst N        burst size, 1..64 (default 32)\n");
	fprintf(f,
		"\nAgainst the software model or the ism_vfio_pci emulation (a sysfs root\n"
		"other than /sys) the output says EMULATED: not a figure of ISM hardware.\n");
	if (b->example != NULL)
		fprintf(f, "\n%s", b->example);
}

static int
parse_sizes(const char *arg, struct perf_opts *o, bool mix)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->nb_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;

		if (o->nb_sizes == PERF_MAX_SIZES) {
			fprintf(stderr, PERF_PROG ": at most %d sizes\n", PERF_MAX_SIZES);
			return -1;
		}
		if (mix && strcmp(tok, "mix") == 0) {
			o->sizes[o->nb_sizes++] = PERF_MIX;
			continue;
		}
		v = strtoul(tok, &end, 0);
		if (*end != '\0' || v < 60 || v > (1u << 20)) {
			fprintf(stderr, PERF_PROG ": size '%s' is not 60..1048576%s\n", tok,
				mix ? " or 'mix'" : "");
			return -1;
		}
		o->sizes[o->nb_sizes++] = (uint32_t)v;
	}
	return o->nb_sizes > 0 ? 0 : -1;
}

static int
parse_peer(const char *arg, struct perf_opts *o)
{
	char *end;

	o->peer_set = true;
	if (strcmp(arg, "any") == 0) {
		o->peer = 0;
		return 0;
	}
	errno = 0;
	o->peer = strtoull(arg, &end, 16);
	if (errno != 0 || *end != '\0' || arg[0] == '-' || o->peer == 0) {
		fprintf(stderr, PERF_PROG ": --peer '%s' is not a GID (hex) or 'any'\n", arg);
		return -1;
	}
	return 0;
}

static int
parse_choice(const char *opt, const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	fprintf(stderr, PERF_PROG ": %s '%s': say %s", opt, arg, names[0]);
	for (int i = 1; i < n; i++)
		fprintf(stderr, "%s%s", i + 1 < n ? ", " : " or ", names[i]);
	fprintf(stderr, "\n");
	return -1;
}

/* The combinations of where-options that make sense, each refusal with
 * what to give instead. */
static int
check_functions(const struct perf_mode *m, struct perf_opts *o, bool mode_given,
		bool wait_given, bool notify_given)
{
	bool fns = o->serve || (m->uses & PERF_USES_FNS);

	if (!fns && (o->ndev > 0 || o->peer_set || o->fabric_given || notify_given)) {
		fprintf(stderr, PERF_PROG ": --mode %s uses no ISM function: --fabric, --dev, --peer and --notify are for the lib/ism modes\n",
			m->name);
		return -1;
	}
	if (!fns)
		return 0;
	if (o->fabric_given && o->ndev > 0) {
		fprintf(stderr, PERF_PROG ": --fabric and --dev exclude each other: the model or real functions\n");
		return -1;
	}
	if (o->serve) {
		if (!o->peer_set) {
			fprintf(stderr, PERF_PROG ": --serve needs --peer GID (the measuring side's) or --peer any\n");
			return -1;
		}
		if (o->json != NULL || mode_given) {
			fprintf(stderr, PERF_PROG ": --serve takes the mode from the measuring side, which also reports: no --mode, no --json\n");
			return -1;
		}
	} else if (o->peer_set && o->peer == 0) {
		fprintf(stderr, PERF_PROG ": --peer any is for --serve; the measuring side names its peer's GID\n");
		return -1;
	}
	if (o->peer_set) {
		if (o->ndev > 1) {
			fprintf(stderr, PERF_PROG ": with --peer this process runs one side: give one --dev\n");
			return -1;
		}
		if (o->ndev == 0 && !o->fabric_given) {
			fprintf(stderr, PERF_PROG ": --peer on the model: name the fabric both sides share (--fabric NAME), or give --dev\n");
			return -1;
		}
		if (!wait_given)
			o->wait = DEFAULT_WAIT;
	} else if (o->ndev == 1) {
		fprintf(stderr, PERF_PROG ": one --dev: give its local peer too (--dev A --dev B), or --peer GID of one running --serve\n");
		return -1;
	}
	return 0;
}

int
perf_parse_args(int argc, char **argv, const struct perf_build *b,
		struct perf_opts *o, const struct perf_mode **mode)
{
	enum { O_MODE = 256, O_SIZES, O_SECONDS, O_FABRIC, O_DEV, O_PATH,
	       O_PEER, O_SERVE, O_WAIT, O_NOTIFY, O_TX, O_RX, O_BURST, O_JSON,
	       O_QUIET, O_HELP, O_COUNT };
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "sizes", required_argument, NULL, O_SIZES },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "count", required_argument, NULL, O_COUNT },
		{ "fabric", required_argument, NULL, O_FABRIC },
		{ "dev", required_argument, NULL, O_DEV },
		{ "path", required_argument, NULL, O_PATH },
		{ "peer", required_argument, NULL, O_PEER },
		{ "serve", no_argument, NULL, O_SERVE },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "notify", required_argument, NULL, O_NOTIFY },
		{ "tx-port", required_argument, NULL, O_TX },
		{ "rx-port", required_argument, NULL, O_RX },
		{ "burst", required_argument, NULL, O_BURST },
		{ "json", required_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const notify[] = { "poll", "signal" };
	bool mode_given = false, wait_given = false, notify_given = false;
	const struct perf_mode *m = &b->modes[0];
	const char *sizes = NULL;
	unsigned long v;
	char *end;
	int c, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (!b->ports && (c == O_TX || c == O_RX || c == O_BURST)) {
			fprintf(stderr, PERF_PROG ": %s is an ethdev option; this build has no DPDK\n",
				argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case O_MODE:
			for (i = 0; i < b->nb_modes; i++)
				if (strcmp(optarg, b->modes[i].name) == 0)
					break;
			if (i == b->nb_modes) {
				fprintf(stderr, PERF_PROG ": unknown mode '%s'; this build has:", optarg);
				for (i = 0; i < b->nb_modes; i++)
					fprintf(stderr, " %s", b->modes[i].name);
				fprintf(stderr, "\n");
				return -1;
			}
			m = &b->modes[i];
			mode_given = true;
			break;
		case O_SIZES:
			sizes = optarg;
			break;
		case O_SECONDS:
		case O_WAIT: {
			double d = strtod(optarg, &end);

			if (*end != '\0' || d <= 0 || d > 3600) {
				fprintf(stderr, PERF_PROG ": %s '%s' is not in (0, 3600]\n",
					c == O_WAIT ? "--wait" : "--seconds", optarg);
				return -1;
			}
			if (c == O_WAIT) {
				o->wait = d;
				wait_given = true;
			} else {
				o->seconds = d;
			}
			break;
		}
		case O_COUNT:
			errno = 0;
			o->count = strtoull(optarg, &end, 0);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' || o->count == 0 ||
			    o->count > UINT32_MAX) {
				fprintf(stderr, PERF_PROG ": --count '%s' is not 1..%u\n", optarg,
					UINT32_MAX);
				return -1;
			}
			break;
		case O_FABRIC:
			o->fabric = optarg;
			o->fabric_given = true;
			break;
		case O_DEV:
			if (o->ndev == PERF_MAX_FNS) {
				fprintf(stderr, PERF_PROG ": at most two --dev (the measuring function, its local peer)\n");
				return -1;
			}
			o->dev[o->ndev++] = optarg;
			break;
		case O_PATH:
			if (ism_vfio_path_parse(optarg, &o->path) < 0) {
				fprintf(stderr, PERF_PROG ": --path '%s': say auto, cdev or group\n",
					optarg);
				return -1;
			}
			break;
		case O_PEER:
			if (parse_peer(optarg, o) < 0)
				return -1;
			break;
		case O_SERVE:
			o->serve = true;
			break;
		case O_NOTIFY:
			i = parse_choice("--notify", optarg, notify, 2);
			if (i < 0)
				return -1;
			o->notify = i == 1 ? PERF_NOTIFY_SIGNAL : PERF_NOTIFY_POLL;
			notify_given = true;
			break;
		case O_TX:
		case O_RX:
			v = strtoul(optarg, &end, 0);
			if (*end != '\0' || v >= UINT16_MAX) {
				fprintf(stderr, PERF_PROG ": port '%s' is not a port id\n", optarg);
				return -1;
			}
			*(c == O_TX ? &o->tx_port : &o->rx_port) = (uint16_t)v;
			break;
		case O_BURST:
			v = strtoul(optarg, &end, 0);
			if (*end != '\0' || v < 1 || v > 64) {
				fprintf(stderr, PERF_PROG ": --burst '%s' is not 1..64\n", optarg);
				return -1;
			}
			o->burst = (uint16_t)v;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case 'h':
		case O_HELP:
			perf_usage(stdout, argv[0], b);
			return 1;
		default:
			fprintf(stderr, PERF_PROG ": see --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PERF_PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (check_functions(m, o, mode_given, wait_given, notify_given) < 0)
		return -1;
	if (o->count != 0 && (o->serve || !(m->uses & PERF_TAKES_COUNT))) {
		fprintf(stderr, PERF_PROG ": --count is for the modes that have a fixed amount of work (%s), not %s\n",
			b->ports ? "store, memcpy, stream" : "store, memcpy",
			o->serve ? "--serve" : m->name);
		return -1;
	}
	o->mode = m->name;
	*mode = m;
	return parse_sizes(sizes != NULL ? sizes : m->sizes, o,
			   (m->uses & PERF_USES_PORTS) != 0);
}

int
perf_run(const struct perf_build *b, const struct perf_mode *m,
	 struct perf_opts *o)
{
	static struct perf_report rep;
	char fabric[64];
	int rc;

	if (o->fabric == NULL) {
		snprintf(fabric, sizeof(fabric), "perf-%d", (int)getpid());
		o->fabric = fabric;
	}
	if (o->serve) {
		rc = perf_serve(o);
	} else {
		memset(&rep, 0, sizeof(rep));
		rep.mode = m->name;
		rc = m->run(o, &rep);
		if (rc == 0) {
			perf_print_table(b, &rep);
			if (o->json != NULL && perf_write_json(o->json, b, &rep) < 0)
				rc = -1;
		}
		/* a figure over data that did not arrive intact is no figure */
		if (rc == 0 && rep.checked && !rep.verified)
			rc = -1;
	}
	if (o->fabric == fabric)
		ism_model_unlink(fabric);	/* absent unless a mode made it */
	return rc == 0 ? 0 : 1;
}

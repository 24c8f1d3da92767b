/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line of smcd_stream. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smcd_stream.h"

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [options]\n"
	       "An SMC-D style stream over ISM: a sender moves records into the receiver's\n"
	       "DMB ring, the receiver verifies each one byte for byte and returns credit.\n\n"
	       "Where the ISM functions come from (one of):\n"
	       "  -f, --fabric NAME    the software ISM model, fabric NAME (default:\n"
	       "                       smcd-stream-<pid>, removed at exit)\n"
	       "  -d, --dev ADDR       a function bound to ism_vfio_pci (PCI address, lib/ism's\n"
	       "                       vfio transport); twice, --dev A --dev B: the sender\n"
	       "                       uses A, the receiver B\n"
	       "      --path MODE      with --dev: auto (default), cdev or group\n"
	       "      --hugepages      with --dev: DMA memory (DMBs) in hugepages; without\n"
	       "                       reserved ones 4 KiB pages are used, with a warning\n\n"
	       "Which sides this process runs:\n"
	       "  (default)            both: the receiver in a forked child, GIDs over a pipe\n"
	       "  -r, --role ROLE      send or recv: one side, the other runs elsewhere (another\n"
	       "                       LPAR); needs one --dev (or a --fabric both share) and --peer\n"
	       "  -p, --peer GID       with --role: the other side's GID (hex, as printed at\n"
	       "                       start or by 'ism-ctl info'); 'any' takes the first side\n"
	       "                       that announces a DMB (then the other one must name ours)\n"
	       "  -w, --wait SECONDS   how long to wait for the peer (default 10, 60 with --role)\n\n"
	       "The stream (give both sides the same values):\n"
	       "  -n, --messages N     messages to send (default 200000)\n"
	       "  -s, --dmb-size BYTES receiver DMB size, 4096..1048576 (default 262144)\n"
	       "  -m, --max-msg BYTES  largest message (default 8192)\n"
	       "  -h, --help           this text\n\n"
	       "Exit status: 0 every message arrived in order and intact (a sender: and the\n"
	       "receiver confirmed it), 1 a failure, 2 a bad command line.\n", prog);
}

static int
parse_u64(const char *arg, const char *what, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || *end != '\0' || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": %s '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n",
			what, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_peer(const char *arg, struct opts *o)
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
		fprintf(stderr, PROG ": --peer '%s' is not a GID (hex digits) or 'any'\n", arg);
		return -1;
	}
	return 0;
}

static int
parse_path(const char *arg, struct opts *o)
{
	if (ism_vfio_path_parse(arg, &o->path) < 0) {
		fprintf(stderr, PROG ": --path '%s': say auto, cdev or group\n", arg);
		return -1;
	}
	return 0;
}

/* The combinations that make sense, each refusal with what to give. */
static int
check_args(struct opts *o, bool wait_set)
{
	if (o->fabric != NULL && o->ndev > 0) {
		fprintf(stderr, PROG ": --fabric and --dev exclude each other: the model or real functions\n");
		return -1;
	}
	if (o->role == ROLE_BOTH) {
		if (o->ndev == 1) {
			fprintf(stderr, PROG ": one --dev: give two functions (--dev A --dev B) for both sides, or --role send|recv for one\n");
			return -1;
		}
		if (o->peer_set) {
			fprintf(stderr, PROG ": --peer goes with --role; both sides here learn each other's GID\n");
			return -1;
		}
	} else {
		if (o->ndev > 1) {
			fprintf(stderr, PROG ": --role runs one side: give one --dev\n");
			return -1;
		}
		if (o->ndev == 0 && o->fabric == NULL) {
			fprintf(stderr, PROG ": --role on the model: name the fabric both sides share (--fabric NAME), or give --dev\n");
			return -1;
		}
		if (!o->peer_set) {
			fprintf(stderr, PROG ": --role needs --peer GID (the other side's) or --peer any\n");
			return -1;
		}
		if (!wait_set)
			o->wait_ns = 60 * NS_PER_S;
	}
	if (rec_size(o->max_msg) > o->dmb_size - CTRL_LEN) {
		fprintf(stderr, PROG ": --max-msg %u does not fit a %u-byte DMB ring; raise --dmb-size\n",
			o->max_msg, o->dmb_size);
		return -1;
	}
	return 0;
}

int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_PATH = 256, OPT_HUGE };
	static const struct option lo[] = {
		{ "fabric", required_argument, NULL, 'f' },
		{ "dev", required_argument, NULL, 'd' },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "hugepages", no_argument, NULL, OPT_HUGE },
		{ "role", required_argument, NULL, 'r' },
		{ "peer", required_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ "messages", required_argument, NULL, 'n' },
		{ "dmb-size", required_argument, NULL, 's' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool wait_set = false;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "f:d:r:p:w:n:s:m:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->fabric = optarg;
			break;
		case 'd':
			if (o->ndev == 2) {
				fprintf(stderr, PROG ": at most two --dev (the sender's, the receiver's)\n");
				return -1;
			}
			o->dev[o->ndev++] = optarg;
			break;
		case OPT_PATH:
			if (parse_path(optarg, o) < 0)
				return -1;
			break;
		case OPT_HUGE:
			o->hugepages = true;
			break;
		case 'r':
			if (strcmp(optarg, "send") == 0)
				o->role = ROLE_SEND;
			else if (strcmp(optarg, "recv") == 0)
				o->role = ROLE_RECV;
			else {
				fprintf(stderr, PROG ": --role '%s': say send or recv\n", optarg);
				return -1;
			}
			break;
		case 'p':
			if (parse_peer(optarg, o) < 0)
				return -1;
			break;
		case 'w':
			if (parse_u64(optarg, "--wait", 1, 3600, &v) < 0)
				return -1;
			o->wait_ns = v * NS_PER_S;
			wait_set = true;
			break;
		case 'n':
			if (parse_u64(optarg, "--messages", 1, UINT64_MAX / 2, &v) < 0)
				return -1;
			o->messages = v;
			break;
		case 's':
			if (parse_u64(optarg, "--dmb-size", 4096, ISM_DMB_MAX_LEN, &v) < 0)
				return -1;
			o->dmb_size = (uint32_t)v;
			break;
		case 'm':
			if (parse_u64(optarg, "--max-msg", 1, 65536, &v) < 0)
				return -1;
			o->max_msg = (uint32_t)v;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return check_args(o, wait_set);
}

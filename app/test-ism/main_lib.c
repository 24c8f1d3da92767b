/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-perf without DPDK: the modes that need only lib/ism, on the model
 * or on functions bound to ism_vfio_pci. This is the build that runs on
 * IBM Z, where DPDK does not.
 */
#include "perf.h"

static const struct perf_mode modes[] = {
	{ "store", perf_store, PERF_USES_FNS | PERF_TAKES_COUNT, "64,256,1024,2048,4096,1048576",
	  "ism_move() into a peer's 1 MiB DMB: stores/s, us/store,\n"
	  "                   GB/s, pwrites/s (vfio), the store limit used" },
	{ "memcpy", perf_memcpy, PERF_TAKES_COUNT, "64,256,1024,2048,4096,1048576",
	  "the same copy pattern with memcpy: the bound" },
	{ "pingpong", perf_roundtrip, PERF_USES_FNS, "64,1500,4096",
	  "round trips between two functions, one DMB each (poll or\n"
	  "                   signal): p50/p99/p99.9/max" },
};

static const struct perf_build build = {
	.version = NULL,
	.synopsis = "[options]",
	.example =
		"Examples:\n"
		"  ism-perf --mode store                        (the model, two functions)\n"
		"  ism-perf --dev 0000:00:01.0 --dev 0000:00:02.0 --mode store\n"
		"  ism-perf --dev 0000:00:01.0 --serve --peer any         (one LPAR)\n"
		"  ism-perf --dev 0000:00:02.0 --peer GID --mode pingpong (the other)\n",
	.modes = modes,
	.nb_modes = sizeof(modes) / sizeof(modes[0]),
	.ports = false,
};

int
main(int argc, char **argv)
{
	struct perf_opts o = { .seconds = 2 };
	const struct perf_mode *m;
	int rc = perf_parse_args(argc, argv, &build, &o, &m);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	return perf_run(&build, m, &o);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

/* EAL once per fuzzer process: no hugepages, no devices, quiet. */
static inline void
fuzz_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)(uintptr_t)name, "--no-huge", "-m", "256",
			 "--no-pci", "-l", "0", "--file-prefix", prefix,
			 "--log-level", "*:error", "--no-telemetry" };

	snprintf(prefix, sizeof(prefix), "%s-%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", name);
		exit(1);
	}
}

#endif /* FUZZ_COMMON_H */

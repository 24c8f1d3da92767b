/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string.h>

#include <rte_eal.h>

#include "ism_byteorder.h"

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

/* Big-endian fields of a fuzz input. */
static inline uint32_t
fuzz_get32(const uint8_t *p)
{
	ism_be32_t v;

	memcpy(&v, p, 4);
	return ism_cpu32(v);
}

static inline uint64_t
fuzz_get64(const uint8_t *p)
{
	ism_be64_t v;

	memcpy(&v, p, 8);
	return ism_cpu64(v);
}

#endif /* FUZZ_COMMON_H */

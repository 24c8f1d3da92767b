/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

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

/*
 * What an RX fuzz target drives: a mempool of @mbufs buffers of 1 KiB, an
 * ethdev whose queue 0 is started (a stopped queue reads nothing) and a
 * DMB of @dmb_len bytes, page aligned; aborts when one cannot be made.
 */
static inline void
fuzz_rx_setup(const char *name, unsigned int mbufs, size_t dmb_len,
	      struct rte_mempool **pool, struct rte_eth_dev **eth,
	      uint8_t **dmb)
{
	*pool = rte_pktmbuf_pool_create("fuzz", mbufs, 0, 0,
					1024 + RTE_PKTMBUF_HEADROOM, 0);
	*eth = rte_eth_dev_allocate(name);
	*dmb = aligned_alloc(4096, dmb_len);
	if (*pool == NULL || *eth == NULL || *dmb == NULL)
		abort();
	(*eth)->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
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

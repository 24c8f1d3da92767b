/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMD_TEST_H
#define PMD_TEST_H

/*
 * Helpers of the pmd suite's programs. They link the driver's objects with
 * lib/ism and the model (net_ism_test_dep: one copy of each per process);
 * test/unit's helper library is not theirs to use.
 */

#include <stdbool.h>
#include <stdint.h>

uint64_t pmd_now_ms(void);
/* The port named @name, or -1. */
int pmd_port_of(const char *name);
/* Wait up to @timeout_ms for the link of @port to be @up (1) or down (0). */
bool pmd_link_is(uint16_t port, int up, int timeout_ms);

struct rte_mempool;
/* One queue pair (@rx_desc/@tx_desc descriptors, RX buffers from @mp),
 * default configuration, started; 0 or the first failing call's error. */
int pmd_start_port(uint16_t port, uint16_t rx_desc, uint16_t tx_desc,
		   struct rte_mempool *mp);

/* Ports net_ism0 and net_ism1 on @fabric, paired by @label, DMBs of 64 KiB,
 * their ids in *@a and *@b; 0, or -1 when either probe fails. */
int pmd_two_ports(const char *fabric, const char *label, uint16_t *a,
		  uint16_t *b);

/* Stop and close @a and @b, then remove net_ism0 and net_ism1: the end
 * of pmd_two_ports() or of a pair made the same way. */
void pmd_two_ports_close(uint16_t a, uint16_t b);

/* The extended statistic @name of @port, or UINT64_MAX when there is
 * none of that name or it cannot be read. */
uint64_t pmd_xstat(uint16_t port, const char *name);

/* Sequenced frames on queue 0: frame k is @len bytes of 0x5a carrying
 * its number first + k (host order) at byte 12, past the MACs. Sends until
 * @n are sent or TX takes no more; returns how many TX accepted. */
uint32_t pmd_send_seq(uint16_t port, struct rte_mempool *mp, uint32_t first,
		      uint32_t n, uint32_t len);
/* Receive on queue 0 until @n frames or @ms pass; each must be @len bytes
 * and carry *@next, which advances per frame. The count, or -1 after a
 * frame out of sequence (the first one is shown as a diagnostic). */
int pmd_recv_seq(uint16_t port, uint32_t *next, uint32_t n, uint32_t len,
		 int ms);

/* EAL for one test program, --no-huge on lcore 0, with a private fabric
 * directory (ISM_MODEL_DIR) and a --file-prefix made from @tag; 0 or -1.
 * pmd_eal_stop() cleans EAL up and removes both directories. */
int pmd_eal_start(const char *argv0, const char *tag);
void pmd_eal_stop(void);

/* EAL's log into memory, for checks on what was said: start before
 * rte_eal_init(), stop at the end (EAL logs to stderr again). */
int pmd_log_start(void);
void pmd_log_stop(void);
bool pmd_log_has(const char *s);
const char *pmd_log_text(void);
void pmd_log_clear(void);

#endif /* PMD_TEST_H */

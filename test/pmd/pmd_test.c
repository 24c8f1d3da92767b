/* SPDX-License-Identifier: BSD-3-Clause */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "check.h"
#include "pmd_test.h"

static char logbuf[1 << 16];
static FILE *log_file;
static char fabric_dir[64];
static char runtime_dir[256];

uint64_t
pmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
pmd_port_of(const char *name)
{
	uint16_t id;

	return rte_eth_dev_get_port_by_name(name, &id) == 0 ? id : -1;
}

bool
pmd_link_is(uint16_t port, int up, int timeout_ms)
{
	uint64_t end = pmd_now_ms() + (uint64_t)timeout_ms;
	struct rte_eth_link l;

	do {
		rte_eth_link_get_nowait(port, &l);
		if (l.link_status == up)
			return true;
		usleep(2000);
	} while (pmd_now_ms() < end);
	return false;
}

int
pmd_start_port(uint16_t port, uint16_t rx_desc, uint16_t tx_desc,
	       struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	int rc = rte_eth_dev_configure(port, 1, 1, &conf);

	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, rx_desc, 0, NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, tx_desc, 0, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

int
pmd_eal_start(const char *argv0, const char *tag)
{
	char prefix[64];
	char *eal[] = { (char *)(uintptr_t)argv0, "--no-huge", "-m", "256",
			"--no-pci", "-l", "0", "--file-prefix", prefix,
			"--log-level", "pmd.net.ism:notice" };

	snprintf(fabric_dir, sizeof(fabric_dir), "/dev/shm/ism-%s.XXXXXX", tag);
	if (mkdtemp(fabric_dir) == NULL)
		return -1;
	setenv("ISM_MODEL_DIR", fabric_dir, 1);
	snprintf(prefix, sizeof(prefix), "ism-%s-%d", tag, (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		return -1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 ? -1 : 0;
}

static void
rm_tree(const char *dir)
{
	if (dir[0] != '\0' &&
	    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		printf("# cannot remove %s\n", dir);
}

void
pmd_eal_stop(void)
{
	rte_eal_cleanup();
	rm_tree(fabric_dir);
	rm_tree(runtime_dir);
}

int
pmd_log_start(void)
{
	log_file = fmemopen(logbuf, sizeof(logbuf) - 1, "w");
	if (log_file == NULL)
		return -1;
	return rte_openlog_stream(log_file);
}

void
pmd_log_stop(void)
{
	rte_openlog_stream(stderr);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

bool
pmd_log_has(const char *s)
{
	fflush(log_file);
	return strstr(logbuf, s) != NULL;
}

const char *
pmd_log_text(void)
{
	fflush(log_file);
	return logbuf;
}

void
pmd_log_clear(void)
{
	fflush(log_file);
	rewind(log_file);
	memset(logbuf, 0, sizeof(logbuf));
}

int
pmd_two_ports(const char *fabric, const char *label, uint16_t *a, uint16_t *b)
{
	char args[160];

	snprintf(args, sizeof(args), "fabric=%s,pair=%s,dmb_size=65536", fabric,
		 label);
	if (rte_vdev_init("net_ism0", args) != 0 ||
	    rte_vdev_init("net_ism1", args) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism0", a) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ism1", b) != 0)
		return -1;
	return 0;
}

void
pmd_two_ports_close(uint16_t a, uint16_t b)
{
	rte_eth_dev_stop(a);
	rte_eth_dev_stop(b);
	rte_eth_dev_close(a);
	rte_eth_dev_close(b);
	rte_vdev_uninit("net_ism0");
	rte_vdev_uninit("net_ism1");
}

uint64_t
pmd_xstat(uint16_t port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return UINT64_MAX;
	return v;
}

#define SEQ_AT	12	/* past the MACs: the address filter sees 5a:5a:.. */

uint32_t
pmd_send_seq(uint16_t port, struct rte_mempool *mp, uint32_t first,
	     uint32_t n, uint32_t len)
{
	uint32_t sent = 0;

	while (sent < n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t seq = first + sent;
		char *d;

		if (m == NULL)
			break;
		d = rte_pktmbuf_append(m, (uint16_t)len);
		if (d == NULL) {
			rte_pktmbuf_free(m);
			break;
		}
		memset(d, 0x5a, len);
		memcpy(d + SEQ_AT, &seq, sizeof(seq));
		if (rte_eth_tx_burst(port, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			break;		/* the ring is full */
		}
		sent++;
	}
	return sent;
}

int
pmd_recv_seq(uint16_t port, uint32_t *next, uint32_t n, uint32_t len, int ms)
{
	uint64_t end = pmd_now_ms() + (uint64_t)ms;
	uint32_t got = 0;
	bool bad = false;

	while (got < n && pmd_now_ms() < end) {
		struct rte_mbuf *m[32];
		uint16_t k = rte_eth_rx_burst(port, 0, m, 32);

		for (uint16_t i = 0; i < k; i++) {
			uint32_t seq;

			memcpy(&seq, rte_pktmbuf_mtod(m[i], uint8_t *) + SEQ_AT,
			       sizeof(seq));
			if ((seq != *next || m[i]->pkt_len != len) && !bad) {
				check_diag("  frame %u: seq %u of %u bytes, want %u of %u",
					   got + i, seq, m[i]->pkt_len, *next, len);
				bad = true;
			}
			(*next)++;
			rte_pktmbuf_free(m[i]);
		}
		got += k;
	}
	return bad ? -1 : (int)got;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round-trip latency between two ports of this process: the main lcore
 * sends one frame on the TX port and spins for its echo; a worker lcore
 * echoes every frame arriving on the RX port back. Percentiles of the
 * round trips, in microseconds.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "perf.h"

#define MAX_SAMPLES (1 << 20)

struct echo_ctx {
	const struct perf_opts *o;
	volatile bool stop;
} __rte_cache_aligned;

static int
echo_main(void *arg)
{
	struct echo_ctx *c = arg;
	struct rte_mbuf *pk[32];

	while (!c->stop) {
		uint16_t n = rte_eth_rx_burst(c->o->rx_port, 0, pk, 32), s = 0;

		while (s < n && !c->stop)
			s += rte_eth_tx_burst(c->o->rx_port, 0, pk + s, n - s);
		rte_pktmbuf_free_bulk(pk + s, n - s);
	}
	return 0;
}

static int
measure(const struct perf_opts *o, struct rte_mempool *mp, uint32_t size,
	uint64_t *samples, struct perf_row *row)
{
	double hz = (double)rte_get_tsc_hz(), t0 = perf_now(), last = t0;
	uint64_t n = 0, lost = 0;

	while (perf_now() - t0 < o->seconds && n < MAX_SAMPLES) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *r;
		uint64_t start, deadline;
		uint8_t *d;

		if (m == NULL)
			return -1;
		d = rte_pktmbuf_mtod(m, uint8_t *);
		memset(d, 0xff, 12);
		d[12] = 0x88;
		d[13] = 0xb5;
		memcpy(d + 16, &n, sizeof(n));
		m->data_len = (uint16_t)size;
		m->pkt_len = size;
		start = rte_rdtsc();
		deadline = start + (uint64_t)hz;	/* 1 s: the echo is lost */
		while (rte_eth_tx_burst(o->tx_port, 0, &m, 1) == 0)
			;
		for (;;) {
			if (rte_eth_rx_burst(o->tx_port, 0, &r, 1) == 1) {
				/* in ns, as perf_rtt_row() takes them */
				samples[n++] = (uint64_t)((double)(rte_rdtsc() - start) *
							  1e9 / hz);
				rte_pktmbuf_free(r);
				break;
			}
			if (rte_rdtsc() > deadline) {
				lost++;
				break;
			}
		}
		if (perf_now() - last >= 1.0) {
			last = perf_now();
			perf_progress(o, "pingpong %u bytes: %" PRIu64 " round trips", size, n);
		}
	}
	if (n == 0)
		return -1;
	perf_rtt_row(row, size, t0, samples, n, lost);
	return 0;
}

int
perf_pingpong(const struct perf_opts *o, struct perf_report *rep)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	static struct echo_ctx c;
	uint64_t *samples;
	struct rte_mempool *mp;
	int rc = 0;

	if (rte_lcore_count() < 2) {
		fprintf(stderr, "ism-perf: pingpong needs two lcores (e.g. -l 0,1): one pings, one echoes\n");
		return -1;
	}
	mp = rte_pktmbuf_pool_create("perf_pp", 4095, 64, 0,
				     2048 + RTE_PKTMBUF_HEADROOM, rte_socket_id());
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (mp == NULL || samples == NULL)
		return -1;
	rep->kind = PERF_KIND_RTT;
	rep->title = "ethdev round trips, echoed by a worker lcore";
	c.o = o;
	c.stop = false;
	rte_eal_remote_launch(echo_main, &c, worker);
	for (int i = 0; i < o->nb_sizes && rc == 0; i++) {
		if (o->sizes[i] > 2048 || o->sizes[i] == PERF_MIX) {
			fprintf(stderr, "ism-perf: pingpong sizes are 60..2048 bytes\n");
			rc = -1;
			break;
		}
		rc = measure(o, mp, o->sizes[i], samples, &rep->rows[rep->nb_rows++]);
	}
	c.stop = true;
	rte_eal_wait_lcore(worker);
	free(samples);
	return rc;
}

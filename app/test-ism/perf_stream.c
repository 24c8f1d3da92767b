/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev throughput between two ports of this process (net_ism, or any
 * other PMD such as net_memif for comparison): a worker lcore transmits on
 * one port, the main lcore receives on the other and checks the sequence
 * number in every frame, so loss and reordering are counted, not guessed.
 * With --count the main lcore alone sends a fixed number of frames and
 * receives each burst before it sends the next: the same work in every
 * run, for an instruction counter.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "perf.h"

#define SEQ_OFF 16	/* after the Ethernet header */

static const uint32_t mix[] = { 64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500 };

/*
 * Shared by the two lcores: what the receiver writes (stop) and what the
 * sender writes (sent) sit on cache lines of their own, away from either
 * lcore's stack. A context on the receiver's stack next to its burst
 * array made the two cores fight over one line in some runs, halving the
 * rate depending on where ASLR put the stack.
 */
struct tx_ctx {
	const struct perf_opts *o;
	struct rte_mempool *mp;
	uint32_t size;
	volatile bool stop;
	uint64_t sent __rte_cache_aligned;
} __rte_cache_aligned;

static inline uint32_t
frame_size(uint32_t size, uint64_t seq)
{
	return size != PERF_MIX ? size : mix[seq % RTE_DIM(mix)];
}

/* Top @pk up from @have to @burst frames numbered from *seq on; false
 * when the pool is empty. */
static bool
fill_frames(struct rte_mempool *mp, struct rte_mbuf **pk, uint16_t have,
	    uint16_t burst, uint32_t size, uint64_t *seq)
{
	if (rte_pktmbuf_alloc_bulk(mp, pk + have, burst - have) < 0)
		return false;
	for (uint16_t i = have; i < burst; i++) {
		uint32_t len = frame_size(size, *seq);
		uint8_t *d = rte_pktmbuf_mtod(pk[i], uint8_t *);

		memset(d, 0xff, 12);	/* broadcast, any source */
		d[12] = 0x88;		/* local experimental type */
		d[13] = 0xb5;
		memcpy(d + SEQ_OFF, seq, sizeof(*seq));
		pk[i]->data_len = (uint16_t)len;
		pk[i]->pkt_len = len;
		(*seq)++;
	}
	return true;
}

/* Keep the frames tx_burst did not take, in order, for the next call. */
static uint16_t
keep_unsent(struct rte_mbuf **pk, uint16_t have, uint16_t n)
{
	if (n > 0 && n < have)
		memmove(pk, pk + n, (have - n) * sizeof(pk[0]));
	return have - n;
}

static int
tx_main(void *arg)
{
	struct tx_ctx *c = arg;
	struct rte_mbuf *pk[64];
	uint16_t burst = c->o->burst, have = 0;
	uint64_t seq = 0;

	while (!c->stop) {
		if (have < burst) {
			if (!fill_frames(c->mp, pk, have, burst, c->size, &seq))
				continue;
			have = burst;
		}
		uint16_t n = rte_eth_tx_burst(c->o->tx_port, 0, pk, have);

		have = keep_unsent(pk, have, n);
		c->sent += n;
	}
	rte_pktmbuf_free_bulk(pk, have);
	return 0;
}

/* Account a burst of received frames against the expected sequence. */
static void
check_frames(struct rte_mbuf **pk, uint16_t n, uint32_t size, uint64_t *expect,
	     uint64_t *lost, uint64_t *bad, uint64_t *bytes)
{
	for (uint16_t i = 0; i < n; i++) {
		uint64_t seq;

		memcpy(&seq, rte_pktmbuf_mtod(pk[i], uint8_t *) + SEQ_OFF,
		       sizeof(seq));
		if (seq > *expect)
			*lost += seq - *expect;
		else if (seq < *expect)
			(*bad)++;
		if (pk[i]->pkt_len != frame_size(size, seq))
			(*bad)++;
		*expect = seq + 1;
		*bytes += pk[i]->pkt_len;
	}
}

static void
measure(const struct perf_opts *o, struct rte_mempool *mp, uint32_t size,
	struct perf_row *row)
{
	static struct tx_ctx c;
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct rte_mbuf *pk[64];
	uint64_t expect = 0, got = 0, bytes = 0, lost = 0, bad = 0;
	uint64_t w_got = 0, w_bytes = 0;
	double t0 = perf_now(), start = 0, last = t0, now;
	const double warmup = 0.3;

	c.o = o;
	c.mp = mp;
	c.size = size;
	c.stop = false;
	c.sent = 0;
	rte_eal_remote_launch(tx_main, &c, worker);
	for (;;) {
		uint16_t n = rte_eth_rx_burst(o->rx_port, 0, pk, o->burst);

		check_frames(pk, n, size, &expect, &lost, &bad, &bytes);
		got += n;
		rte_pktmbuf_free_bulk(pk, n);
		now = perf_now();
		if (start == 0 && now - t0 >= warmup) {
			start = now;
			w_got = got;
			w_bytes = bytes;
		}
		if (start != 0 && now - last >= 1.0) {
			last = now;
			perf_progress(o, "stream %u bytes: %.2f Mpps", size,
				      (got - w_got) / (now - start) / 1e6);
		}
		if (start != 0 && now - start >= o->seconds)
			break;
	}
	c.stop = true;
	rte_eal_wait_lcore(worker);
	/* what was accepted but is still in flight is not lost: drain */
	for (double end = perf_now() + 0.5; perf_now() < end;) {
		uint16_t n = rte_eth_rx_burst(o->rx_port, 0, pk, o->burst);
		uint64_t drained = 0;

		check_frames(pk, n, size, &expect, &lost, &bad, &drained);
		rte_pktmbuf_free_bulk(pk, n);
	}
	lost += c.sent - expect;	/* accepted, never seen */
	snprintf(row->what, sizeof(row->what), "stream");
	row->size = size;
	row->seconds = now - start;
	row->count = got - w_got;
	row->ops = (double)row->count / row->seconds;
	row->gbits = (double)(bytes - w_bytes) * 8 / row->seconds / 1e9;
	row->gbytes = row->gbits / 8;
	row->lost = lost;
	row->bad = bad;
}

/*
 * The PMD's side of each direction in functions of their own, never
 * inlined or cloned, so that an instruction counter can take them apart
 * by name: valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=perf_tx_burst (or perf_rx_burst, perf_rx_free; the
 * frames a PMD delivers are its to release, which a zero-copy RX does
 * when they are freed).
 */
__attribute__((noipa)) static uint16_t
perf_tx_burst(uint16_t port, struct rte_mbuf **pk, uint16_t n)
{
	return rte_eth_tx_burst(port, 0, pk, n);
}

__attribute__((noipa)) static uint16_t
perf_rx_burst(uint16_t port, struct rte_mbuf **pk, uint16_t n)
{
	return rte_eth_rx_burst(port, 0, pk, n);
}

__attribute__((noipa)) static void
perf_rx_free(struct rte_mbuf **pk, uint16_t n)
{
	rte_pktmbuf_free_bulk(pk, n);
}

/* Calls in a row that move nothing before --count gives up on a frame. */
#define COUNT_IDLE_POLLS	100000

/*
 * --count: o->count frames of @size on this lcore alone, each burst sent
 * and then received before the next is made, no clock in the way. A
 * warm-up of as many frames as the TX ring holds goes first, through the
 * same calls but not through the perf_* functions above, so the counted
 * bursts start from a warm mempool cache and a used ring.
 */
static void
measure_count(const struct perf_opts *o, struct rte_mempool *mp, uint32_t size,
	      struct perf_row *row)
{
	const uint64_t warmup = 1024;
	struct rte_mbuf *pk[64], *rx[64];
	uint64_t seq = 0, expect = 0, got = 0, bytes = 0, lost = 0, bad = 0;
	uint64_t counted_bytes = 0, total = warmup + o->count;
	uint32_t tx_idle = 0;
	uint16_t have = 0;
	double t0 = perf_now();

	while (expect < total && tx_idle < COUNT_IDLE_POLLS) {
		bool counted = seq >= warmup;
		uint16_t want = have + (uint16_t)RTE_MIN((uint64_t)(o->burst - have),
							 total - seq);
		uint16_t n;
		uint32_t idle = 0;
		uint64_t sent;

		if (have < want && !fill_frames(mp, pk, have, want, size, &seq))
			break;
		have = want;
		n = counted ? perf_tx_burst(o->tx_port, pk, have) :
			rte_eth_tx_burst(o->tx_port, 0, pk, have);
		tx_idle = n == 0 ? tx_idle + 1 : 0;
		have = keep_unsent(pk, have, n);
		sent = seq - have;
		/* a PMD may need its RX side to run before its TX has room
		 * (net_memif's client gives the server its buffers there) */
		for (bool poll = n == 0; (poll || expect < sent) && idle < COUNT_IDLE_POLLS;
		     poll = false) {
			uint16_t r = counted ? perf_rx_burst(o->rx_port, rx, o->burst) :
				rte_eth_rx_burst(o->rx_port, 0, rx, o->burst);
			uint64_t b = 0;

			idle = r == 0 ? idle + 1 : 0;
			check_frames(rx, r, size, &expect, &lost, &bad, &b);
			if (counted) {
				perf_rx_free(rx, r);
				got += r;
				counted_bytes += b;
			} else {
				rte_pktmbuf_free_bulk(rx, r);
			}
			bytes += b;
		}
		if (expect < sent) {	/* never arrived */
			lost += sent - expect;
			expect = sent;
		}
	}
	lost += seq - expect;	/* made, never taken by the PMD */
	rte_pktmbuf_free_bulk(pk, have);
	snprintf(row->what, sizeof(row->what), "stream");
	row->size = size;
	row->seconds = perf_now() - t0;
	row->count = got;
	row->ops = (double)got / row->seconds;
	row->gbits = (double)counted_bytes * 8 / row->seconds / 1e9;
	row->gbytes = row->gbits / 8;
	row->lost = lost;
	row->bad = bad;
}

/* Nothing arrived: say what the two ports think, for whoever debugs it. */
static void
explain_silence(uint16_t port)
{
	struct rte_eth_xstat_name names[64];
	struct rte_eth_xstat xs[64];
	struct rte_eth_link link;
	int n = rte_eth_xstats_get_names(port, names, RTE_DIM(names));

	rte_eth_link_get_nowait(port, &link);
	fprintf(stderr, "ism-perf: port %u link %s\n", port,
		link.link_status ? "up" : "down");
	if (n <= 0 || n > (int)RTE_DIM(names) ||
	    rte_eth_xstats_get(port, xs, RTE_DIM(xs)) != n)
		return;
	for (int i = 0; i < n; i++)
		if (xs[i].value != 0)
			fprintf(stderr, "ism-perf:   %s = %" PRIu64 "\n",
				names[xs[i].id].name, xs[i].value);
}

int
perf_stream(const struct perf_opts *o, struct perf_report *rep)
{
	struct rte_mempool *mp;
	uint32_t room = 0;

	for (int i = 0; i < o->nb_sizes; i++)
		room = RTE_MAX(room, o->sizes[i] == PERF_MIX ? 1500 : o->sizes[i]);
	if (o->count == 0 && rte_lcore_count() < 2) {
		fprintf(stderr, "ism-perf: stream needs two lcores (e.g. -l 0,1): one sends, one receives\n");
		return -1;
	}
	mp = rte_pktmbuf_pool_create("perf_tx", 16383, 256, 0,
				     RTE_MAX(room, 2048u) + RTE_PKTMBUF_HEADROOM,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "ism-perf: no mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rep->kind = PERF_KIND_STREAM;
	rep->title = "ethdev TX lcore -> RX lcore, sequence-checked";
	for (int i = 0; i < o->nb_sizes; i++) {
		struct perf_row *row = &rep->rows[rep->nb_rows++];

		if (o->count != 0)
			measure_count(o, mp, o->sizes[i], row);
		else
			measure(o, mp, o->sizes[i], row);
		if (row->count == 0) {
			fprintf(stderr, "ism-perf: no frame of %u bytes arrived\n",
				o->sizes[i]);
			explain_silence(o->tx_port);
			explain_silence(o->rx_port);
		}
	}
	return 0;
}

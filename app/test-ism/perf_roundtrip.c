/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round trips on lib/ism alone, no ethdev: two functions, one DMB each,
 * each written by the other. The pinger moves a message into the echoer's
 * DMB, then a doorbell word; the echoer sends the same bytes back the same
 * way. Both check every message byte for byte (sequence number and
 * payload). The receiver learns of a message by spinning on its doorbell
 * (--notify poll) or from the doorbell store's signal flag: SBA bit and
 * MSI, sleeping on the interrupt fd (--notify signal).
 *
 *   DMB: [0] be64 doorbell = (seq + 1) << 24 | size   [64] the message
 *   message: be64 seq, then msg_byte(seq, i) up to size
 *
 * The echoer runs in a thread of this process (two local functions) or is
 * a peer elsewhere running --serve (perf_peer.c).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

#define DOORBELL	0
#define DATA		64
#define SIZE_BITS	24
#define MAX_SAMPLES	(1u << 20)
#define LOST_NS		UINT64_C(1000000000)	/* an echo this late is lost */
#define MAX_LOST	3			/* then the echoer is gone */
#define SPIN_CHECK	1023			/* spins between other looks */

/* One direction: where messages arrive and where we send ours. */
struct rtt_end {
	struct ism_dev *dev;
	struct ism_dmb *own;
	const struct ism_rdmb *remote;
	enum perf_notify notify;
};

uint32_t
perf_rtt_dmb_len(uint32_t max_size)
{
	uint32_t len = (DATA + max_size + 4095) & ~4095u;

	return len < ISM_DMB_MAX_LEN ? len : ISM_DMB_MAX_LEN;
}

static uint8_t
msg_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 13 + i * 7 + (i >> 9));
}

static void
fill(uint8_t *m, uint64_t seq, uint32_t size)
{
	ism_be64_t s = ism_be64(seq);

	memcpy(m, &s, sizeof(s));
	for (uint32_t i = sizeof(s); i < size; i++)
		m[i] = msg_byte(seq, i);
}

/* The message at @m is message @seq of @size bytes, intact. */
static bool
intact(const uint8_t *m, uint64_t seq, uint32_t size)
{
	ism_be64_t s;

	memcpy(&s, m, sizeof(s));
	if (ism_cpu64(s) != seq)
		return false;
	for (uint32_t i = sizeof(s); i < size; i++)
		if (m[i] != msg_byte(seq, i))
			return false;
	return true;
}

static uint64_t
doorbell(const struct rtt_end *e)
{
	ism_be64_t v;

	v.raw = __atomic_load_n((const uint64_t *)e->own->addr, __ATOMIC_ACQUIRE);
	return ism_cpu64(v);
}

/* The message, then the doorbell that announces it (signalled). */
static int
send_msg(const struct rtt_end *e, const void *m, uint64_t seq, uint32_t size)
{
	ism_be64_t db = ism_be64((seq + 1) << SIZE_BITS | size);
	int rc = ism_move(e->dev, e->remote, 0, DATA, m, size, false);

	if (rc == 0)
		rc = ism_move(e->dev, e->remote, 0, DOORBELL, &db, sizeof(db),
			      e->notify == PERF_NOTIFY_SIGNAL);
	return rc;
}

/*
 * With --notify signal: sleep until the MSI, at most @ms. The device
 * interrupts only when it sets the SBA summary bit that was clear, so the
 * bit is cleared (ism_poll_sba) before every look at the doorbell: a
 * message that lands after the look sets it anew and interrupts, one that
 * landed before is seen by the look. Without an interrupt fd the SBA alone
 * is polled.
 */
static void
await_signal(const struct rtt_end *e, int ms)
{
	struct pollfd p = { .fd = ism_irq_fd(e->dev), .events = POLLIN };

	if (p.fd >= 0 && poll(&p, 1, ms) > 0)
		ism_irq_ack(e->dev);
}

/*
 * Wait until the doorbell differs from @old: its new value, or @old at
 * @deadline_ns or when @give_up says so. A spinning receiver yields its
 * CPU now and then: when the other side waits for the same CPU (fewer
 * free CPUs than spinners), a round trip would otherwise last a time
 * slice; with a CPU of its own, the yield returns at once.
 */
static uint64_t
await_doorbell(const struct rtt_end *e, uint64_t old, uint64_t deadline_ns,
	       bool (*give_up)(void *), void *arg)
{
	bool signal = e->notify == PERF_NOTIFY_SIGNAL;

	for (unsigned int spins = 0;; spins++) {
		uint64_t v;

		if (signal)
			ism_poll_sba(e->dev, NULL, NULL);
		v = doorbell(e);
		if (v != old)
			return v;
		if (signal)
			await_signal(e, 10);
		else if ((spins & SPIN_CHECK) != 0)
			continue;
		else
			sched_yield();
		if (perf_ns() > deadline_ns || (give_up != NULL && give_up(arg)))
			return old;
	}
}

struct echo_stop {
	struct perf_link *l;
	volatile bool *stop;
};

static bool
echo_give_up(void *arg)
{
	struct echo_stop *s = arg;

	if (s->stop != NULL)
		return *s->stop;
	return !perf_link_alive(s->l) || s->l->done;
}

uint64_t
perf_echo(struct ism_dev *dev, struct ism_dmb *own,
	  const struct ism_rdmb *remote, enum perf_notify notify,
	  struct perf_link *l, volatile bool *stop, uint64_t *echoed)
{
	struct rtt_end e = { dev, own, remote, notify };
	struct echo_stop s = { l, stop };
	const uint8_t *m = (const uint8_t *)own->addr + DATA;
	uint64_t last = 0, bad = 0;

	*echoed = 0;
	for (;;) {
		uint64_t v = await_doorbell(&e, last, UINT64_MAX, echo_give_up, &s);
		uint32_t size = (uint32_t)(v & ((1u << SIZE_BITS) - 1));
		uint64_t seq = (v >> SIZE_BITS) - 1;

		if (v == last)
			break;
		last = v;
		if (size == 0 || size > own->len - DATA || !intact(m, seq, size)) {
			bad++;
			size = size > own->len - DATA ? own->len - DATA : size;
		}
		/* back from where it landed: no copy on the echo side */
		if (send_msg(&e, m, seq, size) < 0)
			break;
		(*echoed)++;
	}
	return bad;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
perf_rtt_row(struct perf_row *row, uint32_t size, double t0, uint64_t *v,
	     uint64_t n, uint64_t lost)
{
	snprintf(row->what, sizeof(row->what), "pingpong");
	row->size = size;
	row->seconds = perf_now() - t0;
	row->count = n;
	row->ops = (double)n / row->seconds;
	row->lost = lost;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	row->p50_us = (double)v[(uint64_t)(0.50 * (double)(n - 1))] / 1e3;
	row->p99_us = (double)v[(uint64_t)(0.99 * (double)(n - 1))] / 1e3;
	row->p999_us = (double)v[(uint64_t)(0.999 * (double)(n - 1))] / 1e3;
	row->max_us = (double)v[n - 1] / 1e3;
}

struct pinger {
	const struct perf_opts *o;
	struct rtt_end e;
	struct perf_link *l;		/* a remote echoer, or NULL */
	const struct perf_fn *fn;
	uint8_t *msg;
	uint64_t *samples;
	uint64_t seq;
};

static bool
ping_give_up(void *arg)
{
	struct pinger *p = arg;

	return p->l != NULL && !perf_link_alive(p->l);
}

/* Round trips of @size bytes for o->seconds. */
static int
measure(struct pinger *p, uint32_t size, struct perf_row *row)
{
	const uint8_t *echo = (const uint8_t *)p->e.own->addr + DATA;
	double t0 = perf_now(), last = t0;
	uint64_t n = 0, lost = 0, bad = 0, pw0 = 0, pw1 = 0;
	bool pw = perf_fn_pwrites(p->fn, &pw0);

	while (perf_now() - t0 < p->o->seconds && n < MAX_SAMPLES) {
		uint64_t want = (p->seq + 1) << SIZE_BITS | size, start;
		uint64_t seen = doorbell(&p->e);

		fill(p->msg, p->seq, size);
		start = perf_ns();
		if (send_msg(&p->e, p->msg, p->seq, size) < 0) {
			fprintf(stderr, PERF_PROG ": pingpong: a move of %u bytes failed\n", size);
			return -1;
		}
		/* an earlier echo that came late is not this one */
		do {
			seen = await_doorbell(&p->e, seen, start + LOST_NS,
					      ping_give_up, p);
		} while (seen != want && perf_ns() < start + LOST_NS &&
			 !ping_give_up(p));
		if (seen == want) {
			p->samples[n++] = perf_ns() - start;
			bad += !intact(echo, p->seq, size);
		} else if (++lost >= MAX_LOST || ping_give_up(p)) {
			fprintf(stderr, PERF_PROG ": pingpong: the echoer does not answer (%" PRIu64 " round trips lost)\n",
				lost);
			return -1;
		}
		p->seq++;
		if (perf_now() - last >= 1.0 && perf_now() - t0 < p->o->seconds) {
			last = perf_now();
			perf_progress(p->o, "pingpong %u bytes: %" PRIu64 " round trips", size, n);
		}
	}
	if (n == 0)
		return -1;
	perf_rtt_row(row, size, t0, p->samples, n, lost);
	row->bad = bad;
	if (pw && perf_fn_pwrites(p->fn, &pw1)) {
		row->have_pwrites = true;
		row->pwrites = pw1 - pw0;
		row->pwrites_per_s = (double)row->pwrites / row->seconds;
	}
	return 0;
}

/* The local echoer: the other function, in a thread. */
struct echoer {
	struct perf_fn fn;
	struct ism_dmb *own;
	struct ism_rdmb remote;
	enum perf_notify notify;
	volatile bool stop;
	uint64_t bad, echoed;
};

static void *
echo_main(void *arg)
{
	struct echoer *x = arg;

	x->bad = perf_echo(x->fn.dev, x->own, &x->remote, x->notify, NULL,
			   &x->stop, &x->echoed);
	return NULL;
}

/* Two local functions: each registers a DMB for the other. */
static int
local_pair(const struct perf_opts *o, struct perf_fn *a, struct echoer *x,
	   uint32_t len, struct ism_dmb **own, struct ism_rdmb *remote)
{
	struct ism_dmb_params p = { .len = len };
	int rc;

	rc = perf_fn_open(o, 1, "echoer", o->notify == PERF_NOTIFY_SIGNAL, &x->fn);
	if (rc < 0)
		return rc;
	p.rgid = x->fn.desc.gid;
	rc = ism_dmb_register(a->dev, &p, own);
	if (rc == 0) {
		p.rgid = a->desc.gid;
		rc = ism_dmb_register(x->fn.dev, &p, &x->own);
	}
	if (rc < 0) {
		fprintf(stderr, PERF_PROG ": REG_DMB of %u bytes: %s\n", len, strerror(-rc));
		return rc;
	}
	remote->tok = x->own->tok;
	remote->len = x->own->len;
	x->remote.tok = (*own)->tok;
	x->remote.len = (*own)->len;
	x->notify = o->notify;
	return 0;
}

static void
rtt_verdict(struct perf_report *rep, uint64_t bad_here, uint64_t bad_there,
	    bool heard)
{
	uint64_t trips = 0;

	for (int i = 0; i < rep->nb_rows; i++)
		trips += rep->rows[i].count;
	rep->checked = true;
	rep->verified = heard && bad_here == 0 && bad_there == 0;
	if (!heard)
		snprintf(rep->check, sizeof(rep->check),
			 "%" PRIu64 " echoes damaged here; the echoer gave no verdict", bad_here);
	else
		snprintf(rep->check, sizeof(rep->check),
			 "%s: %" PRIu64 " round trips, %" PRIu64 " damaged on the way out, %" PRIu64 " back",
			 rep->verified ? "verified" : "WRONG", trips, bad_there, bad_here);
}

int
perf_roundtrip(const struct perf_opts *o, struct perf_report *rep)
{
	static struct echoer x;
	struct perf_fn a;
	struct perf_link l = { 0 };
	struct ism_rdmb remote = { 0 };
	struct ism_dmb *own = NULL;
	struct pinger p = { .o = o, .fn = &a };
	uint32_t max = 0, len;
	uint64_t bad = 0, bad_there = 0;
	pthread_t th;
	bool started = false, heard = true;
	int rc = -1;

	for (int i = 0; i < o->nb_sizes; i++)
		max = o->sizes[i] > max ? o->sizes[i] : max;
	if (max > ISM_DMB_MAX_LEN - DATA) {
		fprintf(stderr, PERF_PROG ": pingpong sizes are 60..%u bytes (a DMB holds the doorbell too)\n",
			ISM_DMB_MAX_LEN - DATA);
		return -1;
	}
	len = perf_rtt_dmb_len(max);
	memset(&x, 0, sizeof(x));
	p.samples = malloc(MAX_SAMPLES * sizeof(*p.samples));
	p.msg = malloc(max);
	if (p.samples == NULL || p.msg == NULL)
		goto free_mem;
	if (perf_fn_open(o, 0, "pinger", o->notify == PERF_NOTIFY_SIGNAL, &a) < 0)
		goto free_mem;
	if (o->peer_set) {
		l.fn = &a;
		l.peer = o->peer;
		if (perf_link_connect(&l, o, PERF_LINK_PINGPONG, len) < 0)
			goto close;
		own = l.own;
		remote = l.remote;
		p.l = &l;
	} else {
		if (local_pair(o, &a, &x, len, &own, &remote) < 0)
			goto close;
		if (pthread_create(&th, NULL, echo_main, &x) != 0)
			goto close;
		started = true;
	}
	p.e = (struct rtt_end){ a.dev, own, &remote, o->notify };
	rep->kind = PERF_KIND_RTT;
	rep->title = "round trips between two DMBs (lib/ism, no ethdev)";
	rep->notify = o->notify;
	rep->fns[rep->nb_fns++] = a.desc;
	if (!o->peer_set)
		rep->fns[rep->nb_fns++] = x.fn.desc;
	rep->peer = o->peer_set ? o->peer : 0;
	perf_fn_emulation(o, rep);
	rc = 0;
	for (int i = 0; i < o->nb_sizes && rc == 0; i++) {
		rc = measure(&p, o->sizes[i], &rep->rows[rep->nb_rows]);
		if (rc == 0)
			bad += rep->rows[rep->nb_rows++].bad;
	}
	if (started) {
		x.stop = true;
		pthread_join(th, NULL);
		bad_there = x.bad;
	} else if (rc == 0 && perf_link_finish(&l, 0, &bad_there) < 0) {
		heard = false;
	}
	if (rc == 0)
		rtt_verdict(rep, bad, bad_there, heard);
close:
	if (x.own != NULL)
		ism_dmb_unregister(x.fn.dev, x.own);
	if (own != NULL && !o->peer_set)
		ism_dmb_unregister(a.dev, own);
	perf_link_close(&l);
	perf_fn_close(&x.fn);
	perf_fn_close(&a);
free_mem:
	free(p.msg);
	free(p.samples);
	return rc;
}

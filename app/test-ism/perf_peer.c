/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A peer in another process or LPAR (--peer), and the side that serves it
 * (--serve). They meet through SIGNAL_IEQ software events:
 *
 *   measurer -> peer   HELLO + mode   info = its DMB (token | length)
 *   peer -> measurer   TOKEN          info = the peer's DMB for the mode
 *   measurer -> peer   DONE           info = what the peer should check
 *   peer -> measurer   RESULT         info = how much of it was wrong
 *
 * The measurer repeats HELLO until the TOKEN arrives (the peer may start
 * later, and REG_DMB for a GID that is not there yet may fail); the peer
 * answers every HELLO. The peer's verdict travels back so that the
 * measuring side reports data it could not see itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "perf.h"

#define EV_HELLO	0x5000	/* | mode << 1 | notify */
#define EV_HELLO_MASK	0xfff0
#define EV_TOKEN	0x5010
#define EV_DONE		0x5011
#define EV_RESULT	0x5012
#define RETRY_NS	(100 * UINT64_C(1000000))
#define RESULT_NS	(10 * UINT64_C(1000000000))

static void
nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static uint64_t
dmb_info(const struct ism_dmb *d)
{
	return d->tok | d->len;	/* a token's low 32 bits are zero */
}

/* HELLO and TOKEN carry the sender's DMB. */
static void
set_remote(struct perf_link *l, uint64_t info)
{
	l->remote.tok = info & ISM_TOK_MASK;
	l->remote.len = (uint32_t)info;
}

static void
on_event(void *arg, const struct ism_event *ev)
{
	struct perf_link *l = arg;

	if (ev->type == ISM_EVENT_GID && l->peer != 0 && ev->tok == l->peer) {
		l->peer_gone = true;
		return;
	}
	if (ev->type != ISM_EVENT_SWR)
		return;
	/* --peer any: the first that asks is the peer */
	if (l->peer == 0 && (ev->code & EV_HELLO_MASK) == EV_HELLO)
		l->peer = ev->tok;
	if (ev->tok != l->peer)
		return;
	switch (ev->code) {
	case EV_TOKEN:
		set_remote(l, ev->info);
		l->have_remote = true;
		break;
	case EV_DONE:
		l->done = true;
		l->done_info = ev->info;
		break;
	case EV_RESULT:
		l->have_result = true;
		l->result = ev->info;
		break;
	default:
		if ((ev->code & EV_HELLO_MASK) != EV_HELLO)
			break;
		l->hello = true;
		l->mode_id = (int)((ev->code >> 1) & 7);
		l->notify = (ev->code & 1) ? PERF_NOTIFY_SIGNAL : PERF_NOTIFY_POLL;
		set_remote(l, ev->info);
	}
}

bool
perf_link_alive(struct perf_link *l)
{
	ism_poll_events(l->fn->dev, on_event, l);
	return !l->peer_gone;
}

int
perf_link_connect(struct perf_link *l, const struct perf_opts *o,
		  int mode_id, uint32_t own_len)
{
	struct ism_dmb_params p = { .len = own_len, .rgid = l->peer };
	uint64_t end = perf_ns() + (uint64_t)(o->wait * 1e9), next = 0;
	uint32_t code = EV_HELLO | (uint32_t)mode_id << 1 |
			(o->notify == PERF_NOTIFY_SIGNAL);
	const char *failed = NULL;
	int rc = 0;

	while (perf_link_alive(l) && !l->have_remote) {
		uint64_t t = perf_ns();

		if (t > end)
			break;
		if (t < next) {
			nap();
			continue;
		}
		next = t + RETRY_NS;
		if (l->own == NULL) {
			rc = ism_dmb_register(l->fn->dev, &p, &l->own);
			failed = "REG_DMB";
			if (rc < 0)
				continue;
		}
		rc = ism_signal(l->fn->dev, l->peer, code, dmb_info(l->own), true);
		failed = "SIGNAL_IEQ";
	}
	if (l->have_remote)
		return 0;
	if (l->peer_gone) {
		fprintf(stderr, PERF_PROG ": the peer went away while connecting\n");
		return -EPIPE;
	}
	fprintf(stderr, PERF_PROG ": no answer from peer 0x%016" PRIx64 " within %.0f s%s%s%s; is 'ism-perf --serve' running there, on the same ISM fabric?\n",
		l->peer, o->wait, rc < 0 ? " (last " : "", rc < 0 ? failed : "",
		rc < 0 ? " failed)" : "");
	return -ETIMEDOUT;
}

int
perf_link_finish(struct perf_link *l, uint64_t info, uint64_t *bad)
{
	uint64_t end = perf_ns() + RESULT_NS;
	int rc = ism_signal(l->fn->dev, l->peer, EV_DONE, info, true);

	if (rc < 0) {
		fprintf(stderr, PERF_PROG ": cannot tell the peer we are done: %s\n",
			strerror(-rc));
		return rc;
	}
	while (perf_link_alive(l) && !l->have_result && perf_ns() < end)
		nap();
	if (!l->have_result) {
		fprintf(stderr, PERF_PROG ": the peer %s before its verdict on the data\n",
			l->peer_gone ? "went away" : "went quiet");
		return -EPIPE;
	}
	*bad = l->result;
	return 0;
}

void
perf_link_close(struct perf_link *l)
{
	if (l->own != NULL)
		ism_dmb_unregister(l->fn->dev, l->own);
	l->own = NULL;
}

/* Wait for the measurer's HELLO, register the DMB its mode needs and
 * answer with its token. */
static int
serve_accept(struct perf_link *l, const struct perf_opts *o)
{
	uint64_t end = perf_ns() + (uint64_t)(o->wait * 1e9);
	struct ism_dmb_params p = { 0 };
	int rc;

	while (perf_link_alive(l) && !l->hello && perf_ns() < end)
		nap();
	if (!l->hello) {
		fprintf(stderr, PERF_PROG ": serve: no measuring ism-perf asked within %.0f s%s\n",
			o->wait, l->peer_gone ? " (the peer went away)" : "");
		return -ETIMEDOUT;
	}
	if (l->mode_id == PERF_LINK_STORE)
		p.len = ISM_DMB_MAX_LEN;
	else if (l->mode_id == PERF_LINK_PINGPONG && l->remote.len <= ISM_DMB_MAX_LEN)
		p.len = l->remote.len;
	if (p.len == 0) {
		fprintf(stderr, PERF_PROG ": serve: the measuring side asks for mode %d with a %u-byte DMB: is it another version of ism-perf?\n",
			l->mode_id, l->remote.len);
		return -EPROTO;
	}
	p.rgid = l->peer;
	rc = ism_dmb_register(l->fn->dev, &p, &l->own);
	if (rc < 0) {
		fprintf(stderr, PERF_PROG ": serve: REG_DMB of %u bytes for 0x%016" PRIx64 ": %s\n",
			p.len, l->peer, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Answer HELLOs the measurer repeated before it saw our token. */
static int
serve_answer(struct perf_link *l)
{
	int rc = 0;

	if (l->hello) {
		l->hello = false;
		rc = ism_signal(l->fn->dev, l->peer, EV_TOKEN, dmb_info(l->own), true);
	}
	return rc;
}

int
perf_serve(const struct perf_opts *o)
{
	static const char *const modes[] = { "store", "pingpong" };
	static struct perf_report rep;
	struct perf_fn fn;
	struct perf_link l = { .fn = &fn, .peer = o->peer };
	uint64_t bad = 0, count = 0, checked = 0;
	int rc;

	if (perf_fn_open(o, 0, "peer", true, &fn) < 0)
		return -1;
	perf_fn_emulation(o, &rep);
	printf(PERF_PROG ": serving as GID 0x%016" PRIx64 " on %s%s%s, for %s\n",
	       fn.desc.gid, fn.desc.where, rep.emulated ? ", EMULATED: " : "",
	       rep.emulated ? rep.emulation : "",
	       o->peer != 0 ? "the peer named" : "the first that asks");
	fflush(stdout);
	rc = serve_accept(&l, o);
	if (rc == 0)
		rc = serve_answer(&l);
	if (rc == 0 && l.mode_id == PERF_LINK_STORE) {
		while (perf_link_alive(&l) && !l.done && serve_answer(&l) == 0)
			nap();
		checked = l.done_info < l.own->len ? l.done_info : l.own->len;
		bad = perf_store_check(l.own->addr, (uint32_t)checked);
	} else if (rc == 0) {
		bad = perf_echo(fn.dev, l.own, &l.remote, l.notify, &l, NULL, &count);
		checked = count;
	}
	if (rc == 0 && !l.done) {
		fprintf(stderr, PERF_PROG ": serve: the peer %s before it was done\n",
			l.peer_gone ? "went away" : "stopped");
		rc = -EPIPE;
	}
	if (rc == 0)
		rc = ism_signal(fn.dev, l.peer, EV_RESULT, bad, true);
	if (rc == 0)
		printf(PERF_PROG ": served %s for 0x%016" PRIx64 ": %" PRIu64 " %s checked, %" PRIu64 " wrong\n",
		       modes[l.mode_id], l.peer, checked,
		       l.mode_id == PERF_LINK_STORE ? "bytes" : "round trips", bad);
	perf_link_close(&l);
	perf_fn_close(&fn);
	return rc == 0 && bad == 0 ? 0 : -1;
}

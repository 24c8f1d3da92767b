/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stream itself: connecting two sides through SIGNAL_IEQ events, the
 * sender's ring writes under credit, the receiver's checks, and the end
 * of the stream. Nothing here knows which transport is underneath.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smcd_stream.h"

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint32_t
msg_len(uint64_t seq, uint32_t max)
{
	return 1 + (uint32_t)((seq * 7919) % max);
}

static uint8_t
msg_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 13 + i * 7 + (i >> 9));
}

uint32_t
rec_size(uint32_t len)
{
	return (REC_HDR + len + 7) & ~7u;
}

static uint64_t
load_be64(const void *p)
{
	ism_be64_t v;

	v.raw = __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
	return ism_cpu64(v);
}

static void
on_event(void *arg, const struct ism_event *ev)
{
	struct side *s = arg;

	if (ev->type == ISM_EVENT_GID && s->peer != 0 && ev->tok == s->peer) {
		s->peer_gone = true;
		return;
	}
	if (ev->type != ISM_EVENT_SWR)
		return;
	/* --peer any: the first DMB token names the peer */
	if (s->peer == 0 && ev->code == EV_TOKEN)
		s->peer = ev->tok;
	if (ev->tok != s->peer)
		return;
	switch (ev->code) {
	case EV_TOKEN:
		s->remote.tok = ev->info & ISM_TOK_MASK;
		s->remote.len = (uint32_t)ev->info;
		s->have_remote = true;
		break;
	case EV_DONE:
		s->done = true;
		s->done_count = ev->info;
		break;
	case EV_RESULT:
		s->have_result = true;
		s->result = ev->info;
		break;
	}
}

/*
 * Register our DMB for the peer, announce it, and learn the peer's. The
 * peer may not be open yet (another LPAR, started later): then REG_DMB
 * (our DMB names it as its writer) or the announcement fails, or the
 * announcement is lost. Both are repeated every RETRY_NS until the peer's
 * token arrives; then ours is sent once more, which the peer - open by
 * then - gets. With --peer any we only listen until a token names the
 * peer.
 */
int
side_connect(struct side *s, uint32_t dmb_len, uint64_t wait_ns)
{
	struct ism_dmb_params p = { .len = dmb_len };
	uint64_t end = now_ns() + wait_ns, next = 0;
	const char *failed = NULL;
	int rc = 0;

	while (!s->peer_gone) {
		uint64_t t = now_ns();

		if (t > end)
			break;
		ism_poll_events(s->dev, on_event, s);
		/* the peer's token calls for an answer now, else pace */
		if (s->peer == 0 || (!s->have_remote && t < next))
			continue;
		next = t + RETRY_NS;
		if (s->own == NULL) {
			p.rgid = s->peer;
			rc = ism_dmb_register(s->dev, &p, &s->own);
			failed = "REG_DMB";
			if (rc < 0)
				continue;
		}
		rc = ism_signal(s->dev, s->peer, EV_TOKEN, s->own->tok | s->own->len,
				true);
		failed = "SIGNAL_IEQ";
		if (rc == 0 && s->have_remote)
			return 0;
	}
	if (s->peer_gone) {
		fprintf(stderr, PROG ": the peer went away while connecting\n");
		return -EPIPE;
	}
	fprintf(stderr, PROG ": no DMB token from %s within %" PRIu64 " s%s%s%s%s%s; is it running, on the same ISM fabric%s?\n",
		s->peer != 0 ? "the peer" : "any peer", wait_ns / NS_PER_S,
		rc < 0 ? " (last " : "", rc < 0 ? failed : "",
		rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "", rc < 0 ? ")" : "",
		s->peer != 0 ? ", with our GID as its --peer" : "");
	return -ETIMEDOUT;
}

/* Move a record of @n bytes at ring position @pos, in two moves if it
 * wraps. */
static int
ring_write(struct side *s, uint32_t ring, uint64_t pos, const uint8_t *rec,
	   uint32_t n)
{
	uint32_t at = (uint32_t)(pos % ring);
	uint32_t first = n < ring - at ? n : ring - at;
	int rc;

	rc = ism_move(s->dev, &s->remote, 0, CTRL_LEN + at, rec, first, false);
	if (rc == 0 && first < n)
		rc = ism_move(s->dev, &s->remote, 0, CTRL_LEN, rec + first,
			      n - first, false);
	return rc;
}

static void
fill_record(uint8_t *rec, uint64_t seq, uint32_t len)
{
	ism_be32_t blen = ism_be32(len);
	ism_be64_t bseq = ism_be64(seq);

	memcpy(rec, &blen, 4);
	memset(rec + 4, 0, 4);
	memcpy(rec + 8, &bseq, 8);
	for (uint32_t i = 0; i < len; i++)
		rec[REC_HDR + i] = msg_byte(seq, i);
	memset(rec + REC_HDR + len, 0, rec_size(len) - REC_HDR - len);
}

/* Spin on our own DMB until the receiver's consumer cursor leaves room
 * for @n bytes after @prod. */
static int
wait_credit(struct side *s, uint32_t ring, uint64_t prod, uint32_t n)
{
	uint64_t wait_end = now_ns() + TIMEOUT_NS;
	unsigned int spins = 0;

	while (prod + n - load_be64(s->own->addr) > ring) {
		if ((++spins & 1023) != 0)
			continue;
		ism_poll_events(s->dev, on_event, s);
		if (s->peer_gone || now_ns() > wait_end) {
			fprintf(stderr, PROG ": sender: receiver %s\n",
				s->peer_gone ? "went away" : "stopped returning credit");
			return -EPIPE;
		}
	}
	return 0;
}

/* After EV_DONE: the receiver's verdict, which also says that it no
 * longer writes our DMB (so we may close). */
static int
wait_result(struct side *s)
{
	uint64_t end = now_ns() + TIMEOUT_NS;

	while (!s->have_result && !s->peer_gone && now_ns() < end)
		ism_poll_events(s->dev, on_event, s);
	if (s->have_result)
		return 0;
	fprintf(stderr, PROG ": sender: the receiver %s before confirming the stream\n",
		s->peer_gone ? "went away" : "went quiet");
	return -EPIPE;
}

int
run_sender(struct side *s, const struct opts *o, struct result *res)
{
	uint32_t ring = s->remote.len - CTRL_LEN;
	uint8_t *rec = malloc(rec_size(o->max_msg));
	uint64_t prod = 0, start = now_ns(), last_report = start;
	ism_be64_t cur;
	int rc = 0;

	if (rec == NULL)
		return -ENOMEM;
	if (s->remote.len <= CTRL_LEN || rec_size(o->max_msg) > ring) {
		fprintf(stderr, PROG ": sender: the receiver's DMB (%u bytes) cannot hold a %u-byte message; give both sides the same --max-msg, or the receiver a larger --dmb-size\n",
			s->remote.len, o->max_msg);
		free(rec);
		return -EMSGSIZE;
	}
	for (uint64_t seq = 0; seq < o->messages && rc == 0; seq++) {
		uint32_t len = msg_len(seq, o->max_msg), n = rec_size(len);

		if (prod + n - load_be64(s->own->addr) > ring)
			res->stalls++;
		rc = wait_credit(s, ring, prod, n);
		if (rc < 0)
			goto out;
		fill_record(rec, seq, len);
		rc = ring_write(s, ring, prod, rec, n);
		prod += n;
		cur = ism_be64(prod);
		if (rc == 0)
			rc = ism_move(s->dev, &s->remote, 0, 0, &cur, sizeof(cur), true);
		res->messages++;
		res->bytes += len;
		if (now_ns() - last_report >= NS_PER_S) {
			last_report = now_ns();
			fprintf(stderr, PROG ": sent %" PRIu64 "/%" PRIu64 " messages\n",
				res->messages, o->messages);
		}
	}
	res->ns = now_ns() - start;
	if (rc < 0) {
		fprintf(stderr, PROG ": sender: move failed: %s\n", strerror(-rc));
		goto out;
	}
	rc = ism_signal(s->dev, s->peer, EV_DONE, res->messages, true);
	if (rc == 0)
		rc = wait_result(s);
	if (rc == 0)
		res->confirmed = s->result;
out:
	if (res->ns == 0)
		res->ns = now_ns() - start;
	free(rec);
	return rc;
}

/* Copy @n bytes at ring position @pos out of our DMB. */
static void
ring_read(struct side *s, uint32_t ring, uint64_t pos, uint8_t *dst, uint32_t n)
{
	const uint8_t *data = (const uint8_t *)s->own->addr + CTRL_LEN;
	uint32_t at = (uint32_t)(pos % ring);
	uint32_t first = n < ring - at ? n : ring - at;

	memcpy(dst, data + at, first);
	memcpy(dst + first, data, n - first);
}

/* Check every record between *@cons and @prod byte for byte, advancing
 * *@cons; -EPROTO for a record that cannot even be parsed. */
static int
check_records(struct side *s, const struct opts *o, uint32_t ring,
	      uint64_t *cons, uint64_t prod, uint64_t *expect, uint8_t *rec,
	      struct result *res)
{
	while (*cons < prod) {
		ism_be32_t blen;
		ism_be64_t bseq;
		uint32_t len;

		ring_read(s, ring, *cons, rec, REC_HDR);
		memcpy(&blen, rec, 4);
		memcpy(&bseq, rec + 8, 8);
		len = ism_cpu32(blen);
		if (len == 0 || len > o->max_msg || rec_size(len) > prod - *cons) {
			fprintf(stderr, PROG ": receiver: bad record length %u at %" PRIu64 "\n",
				len, *cons);
			res->errors++;
			return -EPROTO;
		}
		ring_read(s, ring, *cons, rec, rec_size(len));
		if (ism_cpu64(bseq) != *expect) {
			res->errors++;
		} else {
			for (uint32_t i = 0; i < len; i++) {
				if (rec[REC_HDR + i] != msg_byte(*expect, i)) {
					res->errors++;
					break;
				}
			}
		}
		*expect = ism_cpu64(bseq) + 1;
		*cons += rec_size(len);
		res->messages++;
		res->bytes += len;
	}
	return 0;
}

int
run_receiver(struct side *s, const struct opts *o, struct result *res)
{
	uint32_t ring = s->own->len - CTRL_LEN;
	uint8_t *rec = malloc(rec_size(o->max_msg));
	uint64_t cons = 0, expect = 0, start = 0, idle_since = now_ns();
	ism_be64_t cur;
	int rc = 0;

	if (rec == NULL)
		return -ENOMEM;
	while (rc == 0) {
		uint64_t prod = load_be64(s->own->addr);

		if (prod == cons) {
			if (s->done && res->messages == s->done_count)
				break;
			if (s->peer_gone || now_ns() - idle_since > TIMEOUT_NS) {
				fprintf(stderr, PROG ": receiver: sender %s\n",
					s->peer_gone ? "went away" : "went quiet");
				rc = -EPIPE;
				break;
			}
			ism_poll(s->dev, NULL, on_event, s);
			continue;
		}
		if (start == 0)
			start = now_ns();
		idle_since = now_ns();
		rc = check_records(s, o, ring, &cons, prod, &expect, rec, res);
		cur = ism_be64(cons);
		if (rc == 0)
			rc = ism_move(s->dev, &s->remote, 0, 0, &cur, sizeof(cur), false);
	}
	res->ns = start != 0 ? now_ns() - start : 0;
	/* the verdict: messages that arrived intact; the sender may close */
	if (rc == 0)
		rc = ism_signal(s->dev, s->peer, EV_RESULT,
				res->messages - res->errors, true);
	free(rec);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw store loop: ism_move() from one function into a peer's 1 MiB
 * DMB, no ethdev in between, on the model or a vfio function (where each
 * store is one pwrite); and the same copy pattern with plain memcpy, the
 * bound of any copying fabric.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

#define DMB_LEN		ISM_DMB_MAX_LEN
#define BATCH		64	/* moves between two looks at the clock */
#define OWN_LEN		4096	/* ours, with a remote peer: it is not written */

struct copy_loop {
	const char *what;
	int (*copy)(void *ctx, uint32_t off, const void *src, uint32_t len);
	void *ctx;
	uint32_t max_store;	/* count stores as lib/ism cuts them; 0: copies */
	const struct perf_fn *fn;	/* pwrites of it, if vfio */
};

/* Stores lib/ism cuts a move of @len bytes at DMB offset @off into: at
 * every 4 KiB boundary of the offset and every @max bytes in between. */
static uint64_t
pieces(uint32_t off, uint32_t len, uint32_t max)
{
	uint64_t n = 0;

	while (len > 0) {
		uint32_t room = ISM_STORE_BOUNDARY - off % ISM_STORE_BOUNDARY;
		uint32_t k = room < max ? room : max;

		k = k < len ? k : len;
		off += k;
		len -= k;
		n++;
	}
	return n;
}

/* Move @size bytes at a time through the whole 1 MiB, for o->seconds or
 * o->count moves. Returns the highest DMB offset written. */
static uint32_t
run_loop(const struct perf_opts *o, const struct copy_loop *l, uint32_t size,
	 const uint8_t *src, struct perf_row *row)
{
	uint32_t span = DMB_LEN - DMB_LEN % size, off = 0;
	uint64_t n = 0, stores = 0, pw0 = 0, pw1 = 0;
	bool pw = l->fn != NULL && perf_fn_pwrites(l->fn, &pw0);
	double t0 = perf_now(), last = t0, now = t0;

	do {
		uint64_t batch = o->count == 0 || o->count - n > BATCH ? BATCH : o->count - n;

		for (uint64_t i = 0; i < batch; i++) {
			if (l->copy(l->ctx, off, src + off, size) < 0) {
				fprintf(stderr, PERF_PROG ": %s of %u bytes at offset %u failed\n",
					l->what, size, off);
				exit(1);
			}
			if (l->max_store != 0)
				stores += pieces(off, size, l->max_store);
			off += size;
			if (off >= span)
				off = 0;
		}
		n += batch;
		now = perf_now();
		if (now - last >= 1.0 && (o->count != 0 || now - t0 < o->seconds)) {
			last = now;
			perf_progress(o, "%s %u bytes: %.2f GB/s", l->what, size,
				      (double)n * size / (now - t0) / 1e9);
		}
	} while (o->count != 0 ? n < o->count : now - t0 < o->seconds);
	snprintf(row->what, sizeof(row->what), "%s", l->what);
	row->size = size;
	row->seconds = now - t0;
	row->moves = n;
	row->count = l->max_store != 0 ? stores : n;
	row->ops = (double)row->count / row->seconds;
	row->gbytes = (double)n * size / row->seconds / 1e9;
	row->gbits = row->gbytes * 8;
	if (l->max_store != 0)
		row->us_per_store = row->seconds * 1e6 / (double)stores;
	if (pw && perf_fn_pwrites(l->fn, &pw1)) {
		row->have_pwrites = true;
		row->pwrites = pw1 - pw0;
		row->pwrites_per_s = (double)row->pwrites / row->seconds;
	}
	return n * size >= span ? span : (uint32_t)(n * size);
}

struct ism_ctx {
	struct ism_dev *dev;
	struct ism_rdmb r;
};

static int
ism_copy(void *ctx, uint32_t off, const void *src, uint32_t len)
{
	struct ism_ctx *c = ctx;

	return ism_move(c->dev, &c->r, 0, off, src, len, false);
}

static int
mem_copy(void *ctx, uint32_t off, const void *src, uint32_t len)
{
	memcpy((uint8_t *)ctx + off, src, len);
	return 0;
}

/* Unlike i * 7, which repeats every 256 bytes, this tells the 4 KiB pages
 * of the DMB apart, so a store that lands in the wrong one is found. */
uint8_t
perf_pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 12) * 0x9d + (i >> 8));
}

uint64_t
perf_store_check(const uint8_t *dmb, uint32_t len)
{
	uint64_t bad = 0;

	for (uint32_t i = 0; i < len; i++)
		bad += dmb[i] != perf_pattern(i);
	return bad;
}

static uint8_t *
source_buffer(void)
{
	uint8_t *src = aligned_alloc(4096, DMB_LEN);

	if (src == NULL)
		return NULL;
	for (uint32_t i = 0; i < DMB_LEN; i++)
		src[i] = perf_pattern(i);
	return src;
}

/* The target: a DMB of the local peer @owner, or of the remote one. */
static int
store_target(const struct perf_opts *o, struct perf_fn *writer,
	     struct perf_fn *owner, struct perf_link *l, struct ism_dmb **d,
	     struct ism_rdmb *r)
{
	struct ism_dmb_params p = { .len = DMB_LEN };
	int rc;

	if (o->peer_set) {
		l->fn = writer;
		l->peer = o->peer;
		rc = perf_link_connect(l, o, PERF_LINK_STORE, OWN_LEN);
		if (rc == 0 && l->remote.len != DMB_LEN) {
			fprintf(stderr, PERF_PROG ": the peer's DMB has %u bytes, not %u: is it another version of ism-perf?\n",
				l->remote.len, DMB_LEN);
			rc = -EPROTO;
		}
		*r = l->remote;
		return rc;
	}
	rc = perf_fn_open(o, 1, "owner", false, owner);
	if (rc < 0)
		return rc;
	p.rgid = writer->desc.gid;
	rc = ism_dmb_register(owner->dev, &p, d);
	if (rc < 0) {
		fprintf(stderr, PERF_PROG ": REG_DMB of %u bytes on %s: %s\n", DMB_LEN,
			owner->desc.where, strerror(-rc));
		return rc;
	}
	r->tok = (*d)->tok;
	r->len = (*d)->len;
	return 0;
}

/* Is what we stored in the target? Locally we look; a remote peer looks
 * for us. */
static void
store_verify(struct perf_report *rep, struct perf_link *l, struct ism_dmb *d,
	     uint32_t hi)
{
	uint64_t bad = 0;

	if (d != NULL)
		bad = perf_store_check(d->addr, hi);
	else if (perf_link_finish(l, hi, &bad) < 0)
		bad = UINT64_MAX;
	rep->checked = true;
	rep->verified = bad == 0;
	if (bad == UINT64_MAX)
		snprintf(rep->check, sizeof(rep->check), "not verified: the peer gave no verdict");
	else
		snprintf(rep->check, sizeof(rep->check), "%s: %" PRIu64 " of %u bytes in the %s DMB %s",
			 bad == 0 ? "verified" : "WRONG", bad == 0 ? (uint64_t)hi : bad, hi,
			 d != NULL ? "owner's" : "peer's",
			 bad == 0 ? "hold what was stored" : "differ from what was stored");
}

int
perf_store(const struct perf_opts *o, struct perf_report *rep)
{
	struct perf_fn writer, owner = { 0 };
	struct perf_link l = { 0 };
	struct ism_dmb *d = NULL;
	struct ism_ctx ctx = { 0 };
	struct copy_loop loop = { "store", ism_copy, &ctx, 0, &writer };
	uint8_t *src = source_buffer();
	uint32_t hi = 0;
	int rc = -1;

	if (src == NULL)
		return -1;
	if (perf_fn_open(o, 0, "writer", false, &writer) < 0)
		goto free_src;
	if (store_target(o, &writer, &owner, &l, &d, &ctx.r) < 0)
		goto close;
	ctx.dev = writer.dev;
	loop.max_store = writer.desc.store_limit;
	rep->kind = PERF_KIND_STORE;
	rep->title = "ism_move() into a peer's 1 MiB DMB";
	rep->fns[rep->nb_fns++] = writer.desc;
	if (owner.dev != NULL)
		rep->fns[rep->nb_fns++] = owner.desc;
	rep->peer = o->peer_set ? o->peer : 0;
	perf_fn_emulation(o, rep);
	for (int i = 0; i < o->nb_sizes; i++) {
		uint32_t h = run_loop(o, &loop, o->sizes[i], src, &rep->rows[rep->nb_rows++]);

		hi = h > hi ? h : hi;
	}
	store_verify(rep, &l, d, hi);
	rc = 0;
close:
	if (d != NULL)
		ism_dmb_unregister(owner.dev, d);
	perf_link_close(&l);
	perf_fn_close(&owner);
	perf_fn_close(&writer);
free_src:
	free(src);
	return rc;
}

int
perf_memcpy(const struct perf_opts *o, struct perf_report *rep)
{
	uint8_t *src = source_buffer(), *dst = aligned_alloc(4096, DMB_LEN);
	struct copy_loop l = { "memcpy", mem_copy, dst, 0, NULL };

	if (src == NULL || dst == NULL) {
		free(src);
		free(dst);
		return -1;
	}
	memset(dst, 0, DMB_LEN);
	rep->kind = PERF_KIND_COPY;
	rep->title = "memcpy of the same pattern: the bound of a copying fabric";
	for (int i = 0; i < o->nb_sizes; i++)
		run_loop(o, &l, o->sizes[i], src, &rep->rows[rep->nb_rows++]);
	free(dst);
	free(src);
	return 0;
}

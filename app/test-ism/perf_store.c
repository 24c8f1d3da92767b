/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw store loop: ism_move() from one function into a peer's 1 MiB DMB
 * on the software model, no ethdev in between; and the same copy pattern
 * with plain memcpy, the bound of any copying fabric.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ism.h"
#include "ism_model.h"
#include "perf.h"

#define DMB_LEN ISM_DMB_MAX_LEN

struct copy_loop {
	const char *what;
	bool stores;	/* count device stores (else copies) */
	int (*copy)(void *ctx, uint32_t off, const void *src, uint32_t len);
	void *ctx;
};

/* Move @size bytes at a time through the whole 1 MiB, for o->seconds. */
static void
run_loop(const struct perf_opts *o, const struct copy_loop *l, uint32_t size,
	 const uint8_t *src, struct perf_row *row)
{
	uint32_t span = DMB_LEN - DMB_LEN % size, off = 0;
	double t0 = perf_now(), last = t0, now = t0;
	uint64_t n = 0;

	do {
		for (int i = 0; i < 64; i++) {
			if (l->copy(l->ctx, off, src + off, size) < 0) {
				fprintf(stderr, "ism-perf: %s of %u bytes failed\n",
					l->what, size);
				exit(1);
			}
			off += size;
			if (off >= span)
				off = 0;
		}
		n += 64;
		now = perf_now();
		if (now - last >= 1.0) {
			last = now;
			perf_progress(o, "%s %u bytes: %.2f GB/s", l->what, size,
				      (double)n * size / (now - t0) / 1e9);
		}
	} while (now - t0 < o->seconds);
	snprintf(row->what, sizeof(row->what), "%s", l->what);
	row->size = size;
	row->seconds = now - t0;
	row->count = l->stores ? n * ((size + ISM_MAX_STORE - 1) / ISM_MAX_STORE) : n;
	row->ops = (double)row->count / row->seconds;
	row->gbytes = (double)n * size / row->seconds / 1e9;
	row->gbits = row->gbytes * 8;
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

static uint8_t *
source_buffer(void)
{
	uint8_t *src = aligned_alloc(4096, DMB_LEN);

	if (src == NULL)
		exit(1);
	for (uint32_t i = 0; i < DMB_LEN; i++)
		src[i] = (uint8_t)(i * 7);
	return src;
}

static int
open_dev(const char *fabric, struct ism_dev **dev)
{
	struct ism_transport *t;
	int rc = ism_model_attach(fabric, NULL, &t);

	if (rc == 0)
		rc = ism_dev_open(t, dev);
	if (rc < 0)
		fprintf(stderr, "ism-perf: cannot open a function on fabric '%s': %s\n",
			fabric, strerror(-rc));
	return rc;
}

int
perf_store(const struct perf_opts *o, struct perf_report *rep)
{
	struct ism_dmb_params p = { .len = DMB_LEN };
	struct ism_dev *writer, *owner;
	struct ism_ctx ctx;
	struct copy_loop l = { "store", true, ism_copy, &ctx };
	struct ism_dmb *d;
	uint8_t *src = source_buffer();
	int rc;

	if (open_dev(o->fabric, &owner) < 0 || open_dev(o->fabric, &writer) < 0)
		return -1;
	p.rgid = ism_dev_gid(writer);
	rc = ism_dmb_register(owner, &p, &d);
	if (rc < 0) {
		fprintf(stderr, "ism-perf: REG_DMB: %s\n", strerror(-rc));
		return -1;
	}
	ctx.dev = writer;
	ctx.r.tok = d->tok;
	ctx.r.len = d->len;
	rep->mode = "store";
	for (int i = 0; i < o->nb_sizes; i++)
		run_loop(o, &l, o->sizes[i], src, &rep->rows[rep->nb_rows++]);
	/* the data really landed: the last full pass is in the DMB */
	if (memcmp(d->addr, src, 64) != 0) {
		fprintf(stderr, "ism-perf: the DMB does not hold what was stored\n");
		rc = -1;
	}
	ism_dmb_unregister(owner, d);
	ism_dev_close(writer);
	ism_dev_close(owner);
	free(src);
	return rc < 0 ? -1 : 0;
}

int
perf_memcpy(const struct perf_opts *o, struct perf_report *rep)
{
	uint8_t *src = source_buffer(), *dst = aligned_alloc(4096, DMB_LEN);
	struct copy_loop l = { "memcpy", false, mem_copy, dst };

	if (dst == NULL)
		return -1;
	memset(dst, 0, DMB_LEN);
	rep->mode = "memcpy";
	for (int i = 0; i < o->nb_sizes; i++)
		run_loop(o, &l, o->sizes[i], src, &rep->rows[rep->nb_rows++]);
	free(dst);
	free(src);
	return 0;
}

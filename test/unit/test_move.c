/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store loop: a spy transport in front of the model records every
 * store ism_move() issues, so the split at 4 KiB boundaries and the place of
 * sf are checked store by store, and the data is checked in the DMB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"

#define FABRIC "move"
#define MAX_STORES 512

struct spy {
	struct ism_transport base;
	struct ism_transport *inner;
	int n;
	uint64_t req[MAX_STORES];
	size_t len[MAX_STORES];
	int fail_at;			/* fail the n-th store (1-based), 0 = never */
};

static int
spy_write(struct ism_transport *t, unsigned int bar, uint64_t off,
	  const void *buf, size_t len)
{
	struct spy *s = (struct spy *)t;

	if (bar == ISM_BAR_DMB) {
		if (s->n < MAX_STORES) {
			s->req[s->n] = off;
			s->len[s->n] = len;
		}
		if (++s->n == s->fail_at)
			return -EIO;
	}
	return s->inner->ops->write(s->inner, bar, off, buf, len);
}

static int
spy_read(struct ism_transport *t, unsigned int bar, uint64_t off, void *buf,
	 size_t len)
{
	struct spy *s = (struct spy *)t;

	return s->inner->ops->read(s->inner, bar, off, buf, len);
}

static int
spy_dma_alloc(struct ism_transport *t, size_t len, size_t align,
	      struct ism_dma *dma)
{
	struct spy *s = (struct spy *)t;

	return s->inner->ops->dma_alloc(s->inner, len, align, dma);
}

static void
spy_dma_free(struct ism_transport *t, struct ism_dma *dma)
{
	struct spy *s = (struct spy *)t;

	s->inner->ops->dma_free(s->inner, dma);
}

static int
spy_irq_fd(struct ism_transport *t)
{
	struct spy *s = (struct spy *)t;

	return s->inner->ops->irq_fd(s->inner);
}

static void
spy_irq_ack(struct ism_transport *t)
{
	struct spy *s = (struct spy *)t;

	s->inner->ops->irq_ack(s->inner);
}

static void
spy_close(struct ism_transport *t)
{
	struct spy *s = (struct spy *)t;

	s->inner->ops->close(s->inner);
}

static const struct ism_transport_ops spy_ops = {
	spy_write, spy_read, spy_dma_alloc, spy_dma_free, spy_irq_fd,
	spy_irq_ack, spy_close,
};

static struct spy spy;

/* Check the recorded stores of one move of @len bytes at @off. */
static void
check_split(const struct ism_rdmb *r, uint32_t off, size_t len, bool sf,
	    uint32_t max, const char *what)
{
	uint32_t at = off;
	bool ok = true;
	int i;

	for (i = 0; i < spy.n && i < MAX_STORES; i++) {
		uint64_t req = spy.req[i];
		bool last = i == spy.n - 1;
		uint32_t o = (uint32_t)(req & ISM_REQ_OFFSET_MASK);

		ok &= (req & ISM_TOK_MASK) == r->tok;
		ok &= o == at;
		ok &= spy.len[i] >= 1 && spy.len[i] <= max;
		ok &= (o % 4096) + spy.len[i] <= 4096;
		ok &= !!(req & ISM_REQ_SF) == (sf && last);
		/* every piece but the last ends on a 4 KiB line or at max */
		if (!last)
			ok &= (o + spy.len[i]) % 4096 == 0 || spy.len[i] == max;
		at += (uint32_t)spy.len[i];
	}
	CHECK(ok && at == off + len, "%s: %d stores, each <= %u bytes within 4 KiB, sf %s",
	      what, spy.n, max, sf ? "only on the last" : "nowhere");
}

/* Cut @len bytes of @buf into fragments of 1..300 bytes (and some empty). */
static int
fragment(uint8_t *buf, size_t len, struct iovec *iov, int max)
{
	size_t at = 0;
	int n = 0;

	while (at < len && n < max) {
		size_t f = (n * 37 + 11) % 301;

		if (f > len - at)
			f = len - at;
		iov[n].iov_base = buf + at;
		iov[n++].iov_len = f;	/* f == 0: an empty buffer */
		at += f;
	}
	return at == len ? n : -1;
}

/* ism_movev(): the same stores as ism_move(), through the transport's
 * gathering store (model) and through lib/ism's bounce buffer (the spy
 * offers no writev). */
static void
test_movev(struct ism_dev *owner, struct ism_dev *spied, uint8_t *buf)
{
	struct ism_dmb_params p = { .len = 65536 };
	struct ism_dev *direct = tu_open(FABRIC);
	static struct iovec iov[512];
	struct ism_rdmb r;
	struct ism_dmb *d;
	int n;

	CHECK(ism_dev_transport(direct)->ops->writev != NULL,
	      "the model offers a gathering store");
	tu_fill(buf, 10000, 7);
	n = fragment(buf, 10000, iov, 512);
	CHECK(n > 60, "10000 bytes in %d fragments", n);

	p.rgid = ism_dev_gid(direct);
	ism_dmb_register(owner, &p, &d);
	r.tok = d->tok;
	r.len = d->len;
	CHECK_EQ(ism_movev(direct, &r, 1, 100, iov, n, true), 0, "movev through writev");
	CHECK_EQ(tu_verify((uint8_t *)d->addr + 100, 10000, 7), -1, "data identical");
	CHECK_EQ(tu_wait_dmb(owner, d->sba_idx, 1000), ism_dmbe_bit(1), "sf on the last store");
	ism_dmb_unregister(owner, d);

	p.rgid = ism_dev_gid(spied);
	ism_dmb_register(owner, &p, &d);
	r.tok = d->tok;
	r.len = d->len;
	spy.n = 0;
	CHECK_EQ(ism_movev(spied, &r, 2, 100, iov, n, true), 0, "movev through the bounce buffer");
	CHECK_EQ(spy.n, 3, "three stores, as for one buffer");
	check_split(&r, 100, 10000, true, 4096, "movev");
	CHECK_EQ(tu_verify((uint8_t *)d->addr + 100, 10000, 7), -1, "data identical");
	spy.n = 0;
	CHECK_EQ(ism_movev(spied, &r, 0, d->len - 10, iov, n, false), -ERANGE,
		 "movev past the DMB end refused");
	CHECK_EQ(spy.n, 0, "before any store");
	iov[0].iov_len = iov[1].iov_len = iov[2].iov_len = 0;
	CHECK_EQ(ism_movev(spied, &r, 0, 0, iov, 3, true), 0,
		 "movev of three empty buffers");
	CHECK_EQ(spy.n, 0, "issues no store");
	ism_dmb_unregister(owner, d);
	ism_dev_close(direct);
}

int
main(void)
{
	struct ism_dev *owner, *writer;
	struct ism_dmb_params p = { .len = ISM_DMB_MAX_LEN };
	struct ism_transport *inner;
	struct ism_rdmb r;
	struct ism_dmb *d;
	uint8_t *buf = malloc(ISM_DMB_MAX_LEN);
	static const struct { uint32_t off; size_t len; bool sf; int stores; } cases[] = {
		{ 0, 1, true, 1 },
		{ 4095, 1, true, 1 },
		{ 4095, 2, true, 2 },
		{ 0, 4096, true, 1 },
		{ 1, 4096, true, 2 },
		{ 100, 10000, true, 3 },
		{ 100, 10000, false, 3 },
		{ 0, ISM_DMB_MAX_LEN, true, 256 },
		{ 3, ISM_DMB_MAX_LEN - 3, true, 256 },
	};

	tu_private_fabric_dir();
	owner = tu_open(FABRIC);
	CHECK_EQ(ism_model_attach(FABRIC, NULL, &inner), 0, "attach the writer");
	spy.base.ops = &spy_ops;
	spy.base.name = "spy";
	spy.base.max_store = inner->max_store;
	spy.inner = inner;
	CHECK_EQ(ism_dev_open(&spy.base, &writer), 0, "open the writer through the spy");

	p.rgid = ism_dev_gid(writer);
	CHECK_EQ(ism_dmb_register(owner, &p, &d), 0, "1 MiB DMB");
	r.tok = d->tok;
	r.len = d->len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "move %zu bytes at %u", cases[i].len,
			 cases[i].off);
		memset(d->addr, 0, d->len);
		tu_fill(buf, cases[i].len, i);
		spy.n = 0;
		CHECK_EQ(ism_move(writer, &r, 3, cases[i].off, buf, cases[i].len,
				  cases[i].sf), 0, "%s", what);
		CHECK_EQ(spy.n, cases[i].stores, "%s: store count", what);
		check_split(&r, cases[i].off, cases[i].len, cases[i].sf, 4096, what);
		CHECK_EQ(tu_verify((uint8_t *)d->addr + cases[i].off, cases[i].len, i),
			 -1, "%s: data identical in the DMB", what);
		CHECK_EQ(tu_wait_dmb(owner, d->sba_idx, cases[i].sf ? 1000 : 0),
			 cases[i].sf ? ism_dmbe_bit(3) : -1,
			 "%s: SBA bit %s", what, cases[i].sf ? "set, element 3" : "not set");
	}

	/* a smaller maxstbl: pieces shrink, still never cross 4 KiB */
	spy.base.max_store = 1000;
	spy.n = 0;
	tu_fill(buf, 10000, 99);
	CHECK_EQ(ism_move(writer, &r, 0, 4000, buf, 10000, true), 0, "move with maxstbl 1000");
	check_split(&r, 4000, 10000, true, 1000, "maxstbl 1000");
	CHECK_EQ(tu_verify((uint8_t *)d->addr + 4000, 10000, 99), -1,
		 "maxstbl 1000: data identical");
	spy.base.max_store = 4096;

	/* a zero-length move issues no store, and signals nothing */
	ism_poll_sba(owner, NULL, NULL);	/* the moves above signalled */
	spy.n = 0;
	CHECK_EQ(ism_move(writer, &r, 0, 0, buf, 0, true), 0, "zero-length move");
	CHECK_EQ(ism_move(writer, &r, 0, d->len, NULL, 0, true), 0,
		 "zero-length move at the DMB end");
	CHECK_EQ(ism_movev(writer, &r, 0, 8, NULL, 0, true), 0,
		 "movev of no buffers");
	CHECK_EQ(spy.n, 0, "no store was issued");
	CHECK_EQ(tu_wait_dmb(owner, d->sba_idx, 0), -1, "no SBA bit was set");
	/* ... but it is checked like any other */
	CHECK_EQ(ism_move(writer, &r, 0, d->len + 1, buf, 0, true), -ERANGE,
		 "zero-length move past the DMB end");
	CHECK_EQ(ism_move(writer, &r, 16, 0, buf, 0, true), -EINVAL,
		 "zero-length move into element 16");
	r.tok |= 1;
	CHECK_EQ(ism_move(writer, &r, 0, 0, buf, 0, true), -EINVAL,
		 "zero-length move with a malformed token");
	r.tok = d->tok;

	/* refused before any store */
	spy.n = 0;
	CHECK_EQ(ism_move(writer, &r, 0, d->len - 1, buf, 2, true), -ERANGE,
		 "move past the DMB end");
	CHECK_EQ(ism_move(writer, &r, 0, UINT32_MAX, buf, 2, true), -ERANGE,
		 "move at an offset that overflows");
	CHECK_EQ(ism_move(writer, &r, 16, 0, buf, 1, true), -EINVAL, "element 16");
	r.tok |= 1;
	CHECK_EQ(ism_move(writer, &r, 0, 0, buf, 1, true), -EINVAL, "malformed token");
	r.tok = d->tok;
	CHECK_EQ(spy.n, 0, "no store was issued for a refused move");

	/* a failing store stops the loop and is reported */
	spy.n = 0;
	spy.fail_at = 2;
	CHECK_EQ(ism_move(writer, &r, 0, 0, buf, 3 * 4096, true), -EIO,
		 "store error is returned");
	CHECK_EQ(spy.n, 2, "no store after the failing one");
	spy.fail_at = 0;

	test_movev(owner, writer, buf);
	ism_dmb_unregister(owner, d);
	ism_dev_close(writer);
	ism_dev_close(owner);
	free(buf);
	return check_done();
}

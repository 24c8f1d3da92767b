/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model as a lib/ism transport: attach/detach of a function, and the
 * region accesses routed to the command area (BAR 2) and the store path
 * (BAR 0).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

/* model_write() of a command: out of the store's way. */
static __attribute__((noinline)) int
model_write_cmd(struct ism_transport *t, unsigned int bar, uint64_t off,
		const void *buf, size_t len)
{
	struct model_fn *fn = (struct model_fn *)t;

	if (bar != ISM_BAR_CMD)
		return -EINVAL;
	if (len == 0)
		return 0;
	/* Model rule: the body is one store at 8, the header one at 0. */
	if (off == ISM_CMD_BODY_OFFSET &&
	    len <= ISM_CMD_AREA_SIZE - ISM_CMD_BODY_OFFSET) {
		memcpy(fn->body, buf, len);
		fn->body_len = len;
		return 0;
	}
	if (off == 0 && len == sizeof(struct ism_req_hdr)) {
		cmd_execute(fn, buf);
		return 0;
	}
	return -EINVAL;
}

static int
model_write(struct ism_transport *t, unsigned int bar, uint64_t off,
	    const void *buf, size_t len)
{
	if (bar == ISM_BAR_DMB)
		return store_execute((struct model_fn *)t, off, buf, len);
	return model_write_cmd(t, bar, off, buf, len);
}

static int
model_writev(struct ism_transport *t, unsigned int bar, uint64_t off,
	     const struct iovec *iov, int iovcnt, size_t skip, size_t len)
{
	if (bar != ISM_BAR_DMB)
		return -EINVAL;	/* commands are single stores */
	return store_executev((struct model_fn *)t, off, iov, iovcnt, skip, len);
}

static int
model_read(struct ism_transport *t, unsigned int bar, uint64_t off,
	   void *buf, size_t len)
{
	struct model_fn *fn = (struct model_fn *)t;

	if (bar != ISM_BAR_CMD)
		return -EINVAL;	/* BAR 0 is write-only */
	if (len == 0)
		return 0;
	if (len > ISM_MAX_LOAD || off >= ISM_CMD_AREA_SIZE ||
	    (off % ISM_STORE_BOUNDARY) + len > ISM_STORE_BOUNDARY)
		return -EINVAL;
	memcpy(buf, fn->resp + off, len);
	return 0;
}

static int
model_dma_alloc(struct ism_transport *t, size_t len, size_t align,
		struct ism_dma *dma)
{
	struct model_fn *fn = (struct model_fn *)t;
	uint64_t off;
	int rc;

	if (len == 0 || (align & (align - 1)) != 0)
		return -EINVAL;
	rc = fab_lock(fn->fab);
	if (rc < 0)
		return rc;
	rc = heap_alloc(fn->fab, fn->slot, len, align, &off);
	fab_unlock(fn->fab);
	if (rc < 0) {
		ISM_ERR("model: %s: no room for %zu bytes of DMA memory in the fabric heap (%llu pages); create the fabric with a larger heap",
			fn->fab->name, len,
			(unsigned long long)fn->fab->hdr->heap_pages);
		return rc;
	}
	dma->addr = fn->fab->heap + off;
	dma->iova = MODEL_IOVA_BASE + off;
	dma->len = len;
	return 0;
}

static void
model_dma_free(struct ism_transport *t, struct ism_dma *dma)
{
	struct model_fn *fn = (struct model_fn *)t;

	if (dma->len == 0 || fab_lock(fn->fab) < 0)
		return;
	heap_free(fn->fab, fn->slot, dma->iova - MODEL_IOVA_BASE, dma->len);
	fab_unlock(fn->fab);
	memset(dma, 0, sizeof(*dma));
}

static int
model_irq_fd(struct ism_transport *t)
{
	return ((struct model_fn *)t)->irq_fd;
}

static void
model_irq_ack(struct ism_transport *t)
{
	char buf[256];

	while (read(((struct model_fn *)t)->irq_fd, buf, sizeof(buf)) > 0)
		;
}

static void
model_close(struct ism_transport *t)
{
	struct model_fn *fn = (struct model_fn *)t;
	struct model_fabric *f = fn->fab;

	/* the liveness lock goes before the fabric lock: once the slot is
	 * free, another thread of this process may attach to it and take
	 * that same (per-process) record lock */
	if (fab_lock(f) == 0) {
		reap_slot(f, fn->slot);
		fab_hold_slot(f, fn->slot, false);
		fab_retire_unused(f);
		fab_unlock(f);
	} else {
		fab_hold_slot(f, fn->slot, false);
	}
	close(fn->irq_fd);
	fab_put(f);
	free(fn);
}

static const struct ism_transport_ops model_ops = {
	.write = model_write,
	.read = model_read,
	.dma_alloc = model_dma_alloc,
	.dma_free = model_dma_free,
	.irq_fd = model_irq_fd,
	.irq_ack = model_irq_ack,
	.close = model_close,
	.writev = model_writev,
	.set_label = ism_model_set_label,	/* model_label.c */
	.find_peer = ism_model_find_label,
};

static int
take_free_slot(struct model_fabric *f)
{
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++) {
		uint32_t st = f->slots[s].state;

		if (st == SLOT_REAPING || (st == SLOT_ACTIVE && !fab_slot_alive(f, s)))
			reap_slot(f, s);
		if (f->slots[s].state == SLOT_FREE)
			return (int)s;
	}
	return -ENOSPC;
}

int
ism_model_attach(const char *name, const struct ism_model_opts *opts,
		 struct ism_transport **tp)
{
	struct model_fabric *f;
	struct model_slot *sl;
	struct model_fn *fn;
	int slot, rc;

	*tp = NULL;
	fn = calloc(1, sizeof(*fn));
	if (fn == NULL)
		return -ENOMEM;
	rc = fab_get_locked(name, opts, true, &f);
	if (rc < 0) {
		free(fn);
		return rc;
	}
	slot = take_free_slot(f);
	if (slot < 0) {
		rc = slot;
		ISM_ERR("model: fabric '%s' is full: all %d functions are attached; close one or use another fabric",
			name, ISM_MODEL_MAX_FUNCTIONS);
		goto unlock;
	}
	sl = fab_slot(f, (unsigned int)slot);
	/* the DMB table of a free slot is clear already, but for in-flight
	 * counts of writers that are still ending their stores */
	memset(sl, 0, offsetof(struct model_slot, dmbs));
	sl->gid = f->hdr->gid_base |
		(++f->hdr->gid_gen & UINT64_C(0xffffffffff)) << 8 |
		(unsigned int)slot;
	sl->pid = getpid();
	sl->fences = fence_register();
	rc = fab_hold_slot(f, (unsigned int)slot, true);
	if (rc < 0)
		goto unlock;
	rc = perm_dir_ready(f);
	if (rc < 0) {
		fab_hold_slot(f, (unsigned int)slot, false);
		goto unlock;
	}
	fn->irq_fd = ev_irq_create(f, sl->gid);
	if (fn->irq_fd < 0) {
		rc = fn->irq_fd;
		fab_hold_slot(f, (unsigned int)slot, false);
		goto unlock;
	}
	__atomic_store_n(&sl->state, SLOT_ACTIVE, __ATOMIC_RELEASE);
	f->hdr->attaches++;
	if ((opts != NULL && opts->keep) || fab_keep_env())
		__atomic_store_n(&f->hdr->keep, 1, __ATOMIC_RELEASE);
	fab_unlock(f);

	fn->fab = f;
	fn->slot = (unsigned int)slot;
	fn->gid = sl->gid;
	fn->fences = sl->fences != 0;
	fn->hazard = sl->hazard;
	snprintf(fn->label, sizeof(fn->label), "model:%s/%d", f->name, slot);
	fn->base.ops = &model_ops;
	fn->base.name = fn->label;
	fn->base.max_store = ISM_MAX_STORE;
	*tp = &fn->base;
	return 0;

unlock:
	fab_unlock(f);
	fab_put(f);
	free(fn);
	return rc;
}

uint64_t
ism_model_gid(const struct ism_transport *t)
{
	return ism_model_is_model(t) ? ((const struct model_fn *)t)->gid : 0;
}

int
ism_model_is_model(const struct ism_transport *t)
{
	return t != NULL && t->ops == &model_ops;
}

/*
 * The model as transport provider "model" (ism_transport.h): a program
 * that opens ism_transport_open("model", fabric, opts, &t) reaches the
 * model without calling its API, so that its own code path is the one it
 * runs on real hardware. The constructor lives here, beside
 * ism_model_attach(), so that a static program that attaches a model
 * function anywhere has the provider too; one that only opens it by kind
 * links libism_model.a whole.
 */
static_assert(ISM_MODEL_NAME_MAX == ISM_TRANSPORT_NAME_MAX,
	      "a fabric name is a transport name");

static int
model_provider_open(const char *name, const char *opts,
		    struct ism_transport **tp)
{
	/* No option exists yet: refuse rather than ignore one. */
	if (opts != NULL && opts[0] != '\0') {
		ISM_ERR("model: unknown option '%s' for fabric '%s'", opts, name);
		return -EINVAL;
	}
	return ism_model_attach(name, NULL, tp);
}

static const struct ism_transport_provider model_provider = {
	.kind = "model",
	.open = model_provider_open,
};

static void __attribute__((constructor))
model_provider_init(void)
{
	/* -EEXIST: a second copy of the model in the process; the first
	 * one serves */
	(void)ism_transport_provider_register(&model_provider);
}

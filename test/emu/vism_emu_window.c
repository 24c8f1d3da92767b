/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA windows: user memory the device was given (SBA, IEQ, DMBs), made
 * shared with the model. The model reads and writes device memory in its
 * fabric heap, possibly from another process (a peer's store into our
 * DMB). So for each registration the emulation allocates heap pages from
 * the model function, copies the user pages into them and maps the heap
 * pages over the user's virtual range (mremap of a shared mapping): the
 * bus keeps its pointer and its IOVA, the model writes its heap, and both
 * see the same bytes. Closing the window copies the bytes back into the
 * original pages and puts those back in place.
 *
 * The original pages are kept as a second mapping of the same memory when
 * they are shared (EAL's --no-huge memory is a shared memfd), or as an
 * anonymous copy otherwise. Hugepage-backed memory cannot be split into
 * 4 KiB pieces: run tests with --no-huge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vism_emu_priv.h"

#define PAGE 4096u

struct emu_pages {
	uintptr_t vp;		/* user pages */
	size_t lp;
	struct ism_dma heap;	/* model heap pages */
	void *orig;		/* the original user pages, moved aside */
	unsigned int refs;
};

struct emu_window {
	struct emu_window *next;
	struct emu_dev *d;
	int kind;
	bool has_tok;
	uint64_t tok;
	uint64_t bus_iova, len;
	uint64_t model_iova;
	struct emu_pages *pg;
};

static struct emu_window *windows;

static size_t
pow2_at_least(size_t n)
{
	size_t a = PAGE;

	while (a < n)
		a <<= 1;
	return a;
}

static struct emu_pages *
pages_share(uintptr_t vp, size_t lp)
{
	struct emu_pages *pg = calloc(1, sizeof(*pg));

	if (pg == NULL)
		return NULL;
	pg->vp = vp;
	pg->lp = lp;
	/* keep the original pages: a second mapping when shared ... */
	pg->orig = mremap((void *)vp, 0, lp, MREMAP_MAYMOVE);
	if (pg->orig == MAP_FAILED) {
		/* ... else an anonymous copy */
		pg->orig = mmap(NULL, lp, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pg->orig == MAP_FAILED) {
			free(pg);
			return NULL;
		}
		memcpy(pg->orig, (void *)vp, lp);
	}
	return pg;
}

static int
pages_alias(struct emu_dev *d, struct emu_pages *pg)
{
	void *dup;
	int rc;

	rc = d->mt->ops->dma_alloc(d->mt, pg->lp, pow2_at_least(pg->lp),
				   &pg->heap);
	if (rc < 0) {
		emu_log("%s: no model heap for a %zu-byte DMA window: %s",
			d->addr, pg->lp, strerror(-rc));
		return rc;
	}
	memcpy(pg->heap.addr, (void *)pg->vp, pg->lp);
	dup = mremap(pg->heap.addr, 0, pg->lp, MREMAP_MAYMOVE);
	if (dup == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	/* atomic replacement: the user range is never unmapped */
	if (mremap(dup, pg->lp, pg->lp, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)pg->vp) == MAP_FAILED) {
		rc = -errno;
		munmap(dup, pg->lp);
		goto fail;
	}
	return 0;
fail:
	emu_log("%s: cannot share %zu bytes at %#lx with the model: %s (is EAL running with --no-huge?)",
		d->addr, pg->lp, (unsigned long)pg->vp, strerror(-rc));
	d->mt->ops->dma_free(d->mt, &pg->heap);
	return rc;
}

static void
pages_release(struct emu_dev *d, struct emu_pages *pg)
{
	memcpy(pg->orig, (void *)pg->vp, pg->lp);
	if (mremap(pg->orig, pg->lp, pg->lp, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)pg->vp) == MAP_FAILED) {
		emu_log("%s: cannot put the original pages back at %#lx: %s",
			d->addr, (unsigned long)pg->vp, strerror(errno));
		munmap(pg->orig, pg->lp);
	}
	d->mt->ops->dma_free(d->mt, &pg->heap);
	free(pg);
}

int
emu_window_open(struct emu_dev *d, int kind, uint64_t iova, uint64_t len,
		uint64_t *model_iova)
{
	struct emu_window *w, *o;
	struct emu_pages *pg = NULL;
	uintptr_t v, vp;
	size_t lp;
	void *va;

	if (len == 0)
		return -EINVAL;
	va = emu_iommu_translate(d->g, iova, len);
	if (va == NULL) {
		emu_log("%s: DMA address %#llx (+%llu) is not mapped in the container: BAD_ADDR",
			d->addr, (unsigned long long)iova,
			(unsigned long long)len);
		return -EFAULT;
	}
	v = (uintptr_t)va;
	vp = v & ~(uintptr_t)(PAGE - 1);
	lp = ((v + len + PAGE - 1) & ~(uintptr_t)(PAGE - 1)) - vp;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;

	pthread_mutex_lock(&emu_lock);
	for (o = windows; o != NULL; o = o->next) {
		uintptr_t ovp = o->pg->vp;

		if (vp >= ovp + o->pg->lp || ovp >= vp + lp)
			continue;
		if (o->d == d && vp >= ovp && vp + lp <= ovp + o->pg->lp) {
			pg = o->pg;	/* inside pages already shared */
			pg->refs++;
			break;
		}
		pthread_mutex_unlock(&emu_lock);
		emu_log("%s: DMA range %#llx (+%llu) overlaps memory already given to %s: BAD_ADDR",
			d->addr, (unsigned long long)iova,
			(unsigned long long)len, o->d->addr);
		free(w);
		return -EFAULT;
	}
	pthread_mutex_unlock(&emu_lock);

	if (pg == NULL) {
		int rc;

		pg = pages_share(vp, lp);
		if (pg == NULL) {
			free(w);
			return -ENOMEM;
		}
		rc = pages_alias(d, pg);
		if (rc < 0) {
			munmap(pg->orig, lp);
			free(pg);
			free(w);
			return rc;
		}
		pg->refs = 1;
	}
	w->d = d;
	w->kind = kind;
	w->bus_iova = iova;
	w->len = len;
	w->pg = pg;
	w->model_iova = pg->heap.iova + (v - pg->vp);
	*model_iova = w->model_iova;
	pthread_mutex_lock(&emu_lock);
	w->next = windows;
	windows = w;
	pthread_mutex_unlock(&emu_lock);
	return 0;
}

void
emu_window_set_tok(struct emu_dev *d, int kind, uint64_t iova, uint64_t tok)
{
	pthread_mutex_lock(&emu_lock);
	for (struct emu_window *w = windows; w != NULL; w = w->next) {
		if (w->d == d && w->kind == kind && !w->has_tok &&
		    w->bus_iova == iova) {
			w->tok = tok;
			w->has_tok = true;
			break;
		}
	}
	pthread_mutex_unlock(&emu_lock);
}

/* Unlink the first window of @d matching; NULL if none. */
static struct emu_window *
unlink_window(struct emu_dev *d, int kind, bool any, uint64_t key)
{
	struct emu_window **pp, *w;

	pthread_mutex_lock(&emu_lock);
	for (pp = &windows; (w = *pp) != NULL; pp = &w->next) {
		if (w->d != d)
			continue;
		if (!any && w->kind != kind)
			continue;
		/* DMBs by token once registered, else by address; SBA and
		 * IEQ have one window each */
		if (!any && kind == WIN_DMB &&
		    (w->has_tok ? w->tok : w->bus_iova) != key)
			continue;
		*pp = w->next;
		if (--w->pg->refs > 0)
			w->pg = NULL;
		break;
	}
	pthread_mutex_unlock(&emu_lock);
	return w;
}

static void
window_free(struct emu_dev *d, struct emu_window *w)
{
	if (w->pg != NULL)
		pages_release(d, w->pg);
	free(w);
}

void
emu_window_close(struct emu_dev *d, int kind, uint64_t key)
{
	struct emu_window *w = unlink_window(d, kind, false, key);

	if (w != NULL)
		window_free(d, w);
}

void
emu_window_close_all(struct emu_dev *d)
{
	struct emu_window *w;

	while ((w = unlink_window(d, 0, true, 0)) != NULL)
		window_free(d, w);
}

uint64_t
emu_window_bus_iova(struct emu_dev *d, int kind, uint64_t model_iova)
{
	uint64_t iova = model_iova;

	if (model_iova == 0)
		return 0;
	pthread_mutex_lock(&emu_lock);
	for (struct emu_window *w = windows; w != NULL; w = w->next) {
		if (w->d == d && w->kind == kind && model_iova >= w->model_iova &&
		    model_iova - w->model_iova < w->len) {
			iova = w->bus_iova + (model_iova - w->model_iova);
			break;
		}
	}
	pthread_mutex_unlock(&emu_lock);
	return iova;
}

unsigned int
emu_window_count(void)
{
	unsigned int n = 0;

	pthread_mutex_lock(&emu_lock);
	for (struct emu_window *w = windows; w != NULL; w = w->next)
		n++;
	pthread_mutex_unlock(&emu_lock);
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA windows: user memory the device was given (SBA, IEQ, DMBs), made
 * shared with the model. The model reads and writes device memory in its
 * fabric heap, possibly from another process (a peer's store into our
 * DMB). So for each registration the emulation allocates heap pages from
 * the model function, copies the user pages into them and maps those heap
 * pages over the user's virtual range: the caller keeps its pointer and
 * its IOVA, the model writes its heap, and both see the same bytes, as
 * with a real device writing the user's pages. Closing the window copies
 * the bytes into fresh anonymous pages put in place of the heap pages.
 * Either replacement is one mremap() onto the user's range, which is
 * never unmapped in between.
 *
 * The second mapping of the heap pages: mremap() with old size 0 where it
 * works (Linux). qemu-user, under which the static s390x tests run, does
 * not implement that; there the fabric file (the model maps it whole, so
 * heap pages are file pages at a known offset, found in /proc/self/maps)
 * is mapped again through the fd the model has open on it, found in
 * /proc/self/fd. The emulation opens no fd of its own on that file:
 * closing one would drop the record locks the model holds on it to show
 * its functions alive. VFIO_ISM_EMU_WINDOW=file takes that way everywhere
 * (to test it).
 *
 * The user's original pages are not kept: afterwards the range is
 * anonymous private memory with the same bytes (other mappings of the
 * original pages, if any, no longer see them). Hugepage-backed memory
 * cannot be split into 4 KiB pieces: run EAL with --no-huge.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_emu_priv.h"

#define PAGE EMU_PAGE

struct emu_pages {
	uintptr_t vp;		/* user pages */
	size_t lp;
	struct ism_dma heap;	/* model heap pages */
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

/* The file and file offset behind the mapped address @va. */
static int
file_of(const void *va, char *path, size_t len, uint64_t *off)
{
	char line[PATH_MAX + 128];
	int rc = -ENOENT;
	FILE *f = fopen("/proc/self/maps", "r");

	if (f == NULL)
		return -errno;
	while (rc < 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned long long lo, hi, foff;
		int n = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi,
			   &foff, &n) < 3 || n == 0)
			continue;
		if ((uintptr_t)va < lo || (uintptr_t)va >= hi)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (line[n] != '/' || strstr(line + n, " (deleted)") != NULL) {
			rc = -ENOENT;	/* not a file that can be opened */
			break;
		}
		snprintf(path, len, "%s", line + n);
		*off = foff + ((uintptr_t)va - lo);
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* An fd this process already has open on the file at @path (the model's
 * own): borrowed for one mmap, never closed here (see above). */
static int
fabric_fd(const char *path)
{
	struct stat want, st;
	struct dirent *de;
	int fd = -ENOENT;
	DIR *dir;

	if (stat(path, &want) < 0)
		return -errno;
	dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return -errno;
	while (fd < 0 && (de = readdir(dir)) != NULL) {
		char *end;
		long n = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end != '\0' || n == dirfd(dir))
			continue;
		if (fstat((int)n, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_dev == want.st_dev && st.st_ino == want.st_ino)
			fd = (int)n;
	}
	closedir(dir);
	return fd;
}

/* A second mapping of the heap pages of @pg; MAP_FAILED with errno. */
static void *
heap_alias(struct emu_dev *d, struct emu_pages *pg)
{
	const char *how = getenv("VFIO_ISM_EMU_WINDOW");
	char path[PATH_MAX];
	uint64_t off = 0;
	void *dup;
	int fd, rc;

	if (how == NULL || strcmp(how, "file") != 0) {
		dup = mremap(pg->heap.addr, 0, pg->lp, MREMAP_MAYMOVE);
		if (dup != MAP_FAILED)
			return dup;
	}
	rc = file_of(pg->heap.addr, path, sizeof(path), &off);
	if (rc < 0) {
		emu_log("%s: the model heap at %p is not in a fabric file that can be mapped again: %s",
			d->addr, pg->heap.addr, strerror(-rc));
		errno = -rc;
		return MAP_FAILED;
	}
	fd = fabric_fd(path);
	if (fd < 0) {
		emu_log("%s: no open fd of the fabric file %s: %s", d->addr, path,
			strerror(-fd));
		errno = -fd;
		return MAP_FAILED;
	}
	return mmap(NULL, pg->lp, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)off);
}

/* Heap pages of the model in place of the user's pages at pg->vp. */
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
	dup = heap_alias(d, pg);
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

/* Anonymous pages with the same bytes in place of the heap pages. */
static void
pages_release(struct emu_dev *d, struct emu_pages *pg)
{
	void *copy = mmap(NULL, pg->lp, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (copy == MAP_FAILED) {
		emu_log("%s: no memory to take back the %zu bytes at %#lx from the model; they stay shared with it",
			d->addr, pg->lp, (unsigned long)pg->vp);
		free(pg);
		return;
	}
	memcpy(copy, (void *)pg->vp, pg->lp);
	if (mremap(copy, pg->lp, pg->lp, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)pg->vp) == MAP_FAILED) {
		emu_log("%s: cannot put private pages back at %#lx: %s; they stay shared with the model",
			d->addr, (unsigned long)pg->vp, strerror(errno));
		munmap(copy, pg->lp);
		free(pg);
		return;
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
	va = emu_iommu_translate(d, iova, len);
	if (va == NULL) {
		emu_log("%s: DMA address %#llx (+%llu) is not mapped for the device (container or IOAS): BAD_ADDR",
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

		pg = calloc(1, sizeof(*pg));
		if (pg == NULL) {
			free(w);
			return -ENOMEM;
		}
		pg->vp = vp;
		pg->lp = lp;
		rc = pages_alias(d, pg);
		if (rc < 0) {
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

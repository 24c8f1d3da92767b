/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory of the vfio transport (SBA, IEQ, DMBs): pages of our own,
 * mapped for the device at IOVAs we choose inside the function's aperture
 * (zPCI base capability start_dma..end_dma, or a documented default).
 *
 * - Memory: one mmap per block, MAP_SHARED | MAP_ANONYMOUS (shared so the
 *   pages stay one object whatever the process does with them later, e.g.
 *   fork), optionally MAP_HUGETLB with the size /proc/meminfo names;
 *   without hugepages we fall back to 4 KiB pages with a warning. Fresh
 *   anonymous mappings are zero-filled, which is the "zeroed" the
 *   transport contract asks for.
 * - IOVAs: a first-fit free list of extents, sorted by address and merged
 *   on free. A block's IOVA is aligned to the requested alignment (and the
 *   page size), and len <= align, so it never crosses a multiple of align:
 *   a DMB never crosses 1 MiB. IOVA 0 is never handed out (lib/ism and the
 *   device read 0 as "no address").
 * - A block whose unmap failed keeps its IOVA out of the free list: the
 *   IOMMU may still point there.
 * Allocation is not on the datapath: one mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ism_vfio_priv.h"

#define PAGE	4096u

struct ism_vfio_dma_ext {
	struct ism_vfio_dma_ext *next;
	uint64_t start, last;		/* free IOVAs, inclusive */
};

struct ism_vfio_dma_blk {
	struct ism_vfio_dma_blk *next;
	void *addr;
	size_t map_len;			/* bytes mmapped and IOMMU-mapped */
	uint64_t iova;
};

static int
way_map(struct ism_vfio_way *w, void *va, uint64_t iova, uint64_t len)
{
	return w->path == ISM_VFIO_PATH_CDEV ? ism_vfio_cdev_map(w, va, iova, len) :
		ism_vfio_group_map(w, va, iova, len);
}

static int
way_unmap(struct ism_vfio_way *w, uint64_t iova, uint64_t len)
{
	return w->path == ISM_VFIO_PATH_CDEV ? ism_vfio_cdev_unmap(w, iova, len) :
		ism_vfio_group_unmap(w, iova, len);
}

/* The default hugepage size in bytes from /proc/meminfo, 0 if unknown. */
static size_t
hugepage_size(const struct ism_vfio_sys *sys)
{
	char buf[4096], *p;
	unsigned long kb;
	ssize_t n, got = 0;
	int fd = sys->open("/proc/meminfo", O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	while ((size_t)got < sizeof(buf) - 1) {
		n = sys->read(fd, buf + got, sizeof(buf) - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	sys->close(fd);
	buf[got] = '\0';
	p = strstr(buf, "Hugepagesize:");
	if (p == NULL || sscanf(p, "Hugepagesize: %lu kB", &kb) != 1 || kb == 0)
		return 0;
	return (size_t)kb * 1024;
}

int
ism_vfio_dma_init(struct ism_vfio_dma *m, struct ism_vfio_way *w,
		  const struct ism_vfio_info *info, bool hugepages)
{
	uint64_t lo, hi;

	memset(m, 0, sizeof(*m));
	m->way = w;
	m->sys = w->sys;
	m->name = w->name;
	lo = info->aperture_known ? info->start_dma : ISM_VFIO_DEFAULT_IOVA_LO;
	hi = info->aperture_known ? info->end_dma : ISM_VFIO_DEFAULT_IOVA_HI;
	/* whole pages only, and never page 0 */
	if (lo < PAGE)
		lo = PAGE;
	if (lo % PAGE != 0)
		lo = lo > UINT64_MAX - PAGE ? 0 : lo + (PAGE - lo % PAGE);
	/* the last whole page ends at hi; (hi + 1) may wrap to 0, fine */
	if ((hi + 1) % PAGE != 0)
		hi = hi < PAGE - 1 ? 0 : hi - (hi + 1) % PAGE;
	if (lo == 0 || hi < lo || hi - lo < PAGE - 1) {
		ISM_ERR("%s: the DMA aperture 0x%llx..0x%llx holds no whole page above 0; the function cannot be given any memory",
			m->name, (unsigned long long)info->start_dma,
			(unsigned long long)info->end_dma);
		return -EINVAL;
	}
	m->lo = lo;
	m->hi = hi;
	m->free = calloc(1, sizeof(*m->free));
	if (m->free == NULL)
		return -ENOMEM;
	m->free->start = lo;
	m->free->last = hi;
	if (hugepages) {
		m->hugesz = hugepage_size(m->sys);
		if (m->hugesz == 0)
			ISM_WARN("%s: no Hugepagesize in /proc/meminfo; DMA memory uses 4 KiB pages",
				 m->name);
	}
	pthread_mutex_init(&m->lock, NULL);
	return 0;
}

/* First fit of @size bytes at a multiple of @align; 0 or -ENOSPC. */
static int
iova_take(struct ism_vfio_dma *m, uint64_t size, uint64_t align,
	  uint64_t *iova)
{
	for (struct ism_vfio_dma_ext **pp = &m->free, *e; (e = *pp) != NULL;
	     pp = &e->next) {
		uint64_t at = (e->start + align - 1) & ~(align - 1);
		struct ism_vfio_dma_ext *rest;

		if (at < e->start || at > e->last || size - 1 > e->last - at)
			continue;
		if (at > e->start && at + size - 1 < e->last) {
			/* a hole in the middle: split into two extents */
			rest = malloc(sizeof(*rest));
			if (rest == NULL)
				return -ENOMEM;
			rest->start = at + size;
			rest->last = e->last;
			rest->next = e->next;
			e->next = rest;
			e->last = at - 1;
		} else if (at > e->start) {
			e->last = at - 1;
		} else if (at + size - 1 < e->last) {
			e->start = at + size;
		} else {
			*pp = e->next;
			free(e);
		}
		*iova = at;
		return 0;
	}
	return -ENOSPC;
}

/* Give [iova, iova + size) back, merging with its neighbours. */
static void
iova_give(struct ism_vfio_dma *m, uint64_t iova, uint64_t size)
{
	struct ism_vfio_dma_ext **pp = &m->free, *prev = NULL, *e, *n;
	uint64_t last = iova + size - 1;

	while ((e = *pp) != NULL && e->start < iova) {
		prev = e;
		pp = &e->next;
	}
	if (prev != NULL && prev->last + 1 == iova) {
		prev->last = last;
		if (e != NULL && last + 1 == e->start) {
			prev->last = e->last;
			prev->next = e->next;
			free(e);
		}
		return;
	}
	if (e != NULL && last + 1 == e->start) {
		e->start = iova;
		return;
	}
	n = malloc(sizeof(*n));
	if (n == NULL) {
		/* the range is lost to later allocations, nothing else */
		ISM_WARN("%s: out of memory returning IOVA 0x%llx; %llu bytes of address space stay unused",
			 m->name, (unsigned long long)iova,
			 (unsigned long long)size);
		return;
	}
	n->start = iova;
	n->last = last;
	n->next = e;
	*pp = n;
}

static void *
map_memory(struct ism_vfio_dma *m, size_t len, size_t *map_len)
{
	const int flags = MAP_SHARED | MAP_ANONYMOUS;
	void *p;

	if (m->hugesz != 0) {
		*map_len = (len + m->hugesz - 1) / m->hugesz * m->hugesz;
		p = m->sys->mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
				 flags | MAP_HUGETLB, -1, 0);
		if (p != MAP_FAILED)
			return p;
		ISM_WARN("%s: no %zu-KiB hugepage for DMA memory (%s); falling back to 4 KiB pages (reserve some: echo N > /proc/sys/vm/nr_hugepages)",
			 m->name, m->hugesz / 1024, strerror(errno));
		m->hugesz = 0;
	}
	*map_len = (len + PAGE - 1) / PAGE * PAGE;
	p = m->sys->mmap(NULL, *map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
explain_map(struct ism_vfio_dma *m, size_t len, uint64_t iova, int rc)
{
	if (rc == -ENOMEM || rc == -EAGAIN)
		ISM_ERR("%s: cannot map %zu bytes of DMA memory at IOVA 0x%llx: %s; raise the locked-memory limit (ulimit -l)",
			m->name, len, (unsigned long long)iova, strerror(-rc));
	else
		ISM_ERR("%s: cannot map %zu bytes of DMA memory at IOVA 0x%llx: %s",
			m->name, len, (unsigned long long)iova, strerror(-rc));
}

int
ism_vfio_dma_alloc(struct ism_vfio_dma *m, size_t len, size_t align,
		   struct ism_dma *dma)
{
	struct ism_vfio_dma_blk *b;
	uint64_t iova, ialign;
	size_t map_len;
	void *addr;
	int rc;

	if (len == 0 || align < PAGE || (align & (align - 1)) != 0 ||
	    len > align) {
		ISM_ERR("%s: DMA request of %zu bytes aligned to %zu: need 1..align bytes and a power-of-two align >= 4096",
			m->name, len, align);
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	addr = map_memory(m, len, &map_len);
	if (addr == NULL) {
		rc = -errno;
		ISM_ERR("%s: no memory for %zu bytes of DMA memory: %s", m->name,
			len, strerror(-rc));
		goto fail;
	}
	ialign = align > map_len || (map_len & (map_len - 1)) != 0 ? align :
		 map_len;
	rc = iova_take(m, map_len, ialign, &iova);
	if (rc < 0) {
		ISM_ERR("%s: no room for %zu bytes of DMA addresses in 0x%llx..0x%llx (%u blocks in use)",
			m->name, map_len, (unsigned long long)m->lo,
			(unsigned long long)m->hi, m->nblks);
		m->sys->munmap(addr, map_len);
		goto fail;
	}
	rc = way_map(m->way, addr, iova, map_len);
	if (rc < 0) {
		explain_map(m, map_len, iova, rc);
		iova_give(m, iova, map_len);
		m->sys->munmap(addr, map_len);
		goto fail;
	}
	b->addr = addr;
	b->map_len = map_len;
	b->iova = iova;
	b->next = m->blks;
	m->blks = b;
	m->nblks++;
	pthread_mutex_unlock(&m->lock);
	dma->addr = addr;
	dma->iova = iova;
	dma->len = len;
	return 0;

fail:
	pthread_mutex_unlock(&m->lock);
	free(b);
	return rc;
}

/* Unmap, unmmap and forget @b; caller holds the lock and unlinked it. */
static void
blk_release(struct ism_vfio_dma *m, struct ism_vfio_dma_blk *b)
{
	int rc = way_unmap(m->way, b->iova, b->map_len);

	if (rc == 0)
		iova_give(m, b->iova, b->map_len);
	else
		ISM_WARN("%s: unmapping %zu bytes at IOVA 0x%llx failed: %s; that IOVA range is not used again",
			 m->name, b->map_len, (unsigned long long)b->iova,
			 strerror(-rc));
	m->sys->munmap(b->addr, b->map_len);
	m->nblks--;
	free(b);
}

void
ism_vfio_dma_free(struct ism_vfio_dma *m, struct ism_dma *dma)
{
	struct ism_vfio_dma_blk **pp, *b;

	if (dma->addr == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	for (pp = &m->blks; (b = *pp) != NULL; pp = &b->next)
		if (b->addr == dma->addr)
			break;
	if (b == NULL) {
		pthread_mutex_unlock(&m->lock);
		ISM_ERR("%s: dma_free of %p, which this transport did not allocate",
			m->name, dma->addr);
		return;
	}
	*pp = b->next;
	blk_release(m, b);
	pthread_mutex_unlock(&m->lock);
	memset(dma, 0, sizeof(*dma));
}

void
ism_vfio_dma_fini(struct ism_vfio_dma *m)
{
	struct ism_vfio_dma_blk *b;
	struct ism_vfio_dma_ext *e;

	if (m->free == NULL && m->blks == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	if (m->nblks > 0)
		ISM_DEBUG("%s: %u DMA blocks still allocated at close; freeing them",
			  m->name, m->nblks);
	while ((b = m->blks) != NULL) {
		m->blks = b->next;
		blk_release(m, b);
	}
	while ((e = m->free) != NULL) {
		m->free = e->next;
		free(e);
	}
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_destroy(&m->lock);
}

unsigned int
ism_vfio_dma_count(struct ism_vfio_dma *m)
{
	unsigned int n;

	pthread_mutex_lock(&m->lock);
	n = m->nblks;
	pthread_mutex_unlock(&m->lock);
	return n;
}

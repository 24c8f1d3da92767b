/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA address spaces: what a type1 container or an iommufd IOAS maps,
 * with the aperture of the functions behind it (zPCI start_dma..end_dma).
 * The kernel refuses a mapping outside the aperture when it is made
 * (EINVAL), so the model only ever sees addresses that went through a
 * mapping. All calls with emu_lock held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "vism_emu_priv.h"

static bool
aligned(uint64_t v)
{
	return (v & (EMU_PAGE - 1)) == 0;
}

static bool
overlaps(const struct emu_map *e, uint64_t iova, uint64_t size)
{
	return iova < e->iova + e->size && e->iova < iova + size;
}

int
emu_as_map(struct emu_as *as, uint64_t vaddr, uint64_t iova, uint64_t size)
{
	struct emu_map *n;

	if (size == 0 || !aligned(size) || !aligned(iova) || !aligned(vaddr) ||
	    iova + size - 1 < iova)
		return -EINVAL;
	if (as->limited && (iova < as->start || iova + size - 1 > as->end)) {
		/* the kernel says no more; a test wants to know why */
		emu_log("DMA map of IOVA %#" PRIx64 " (+%#" PRIx64 ") refused: outside the aperture %#" PRIx64 "-%#" PRIx64 " (aperture= in ism_emu)",
			iova, size, as->start, as->end);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < as->nmaps; i++)
		if (overlaps(&as->maps[i], iova, size))
			return -EEXIST;
	if (as->nmaps == as->cap) {
		unsigned int cap = as->cap ? as->cap * 2 : 16;

		n = realloc(as->maps, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		as->maps = n;
		as->cap = cap;
	}
	as->maps[as->nmaps++] = (struct emu_map){
		.vaddr = vaddr, .iova = iova, .size = size,
	};
	return 0;
}

int
emu_as_unmap(struct emu_as *as, uint64_t iova, uint64_t size, uint64_t *done)
{
	/* the last IOVA of the range, saturated at the top */
	uint64_t last = iova + size - 1 < iova ? UINT64_MAX : iova + size - 1;

	*done = 0;
	if (size == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < as->nmaps; i++) {
		const struct emu_map *e = &as->maps[i];
		uint64_t e_last = e->iova + e->size - 1;

		if (e->iova <= last && iova <= e_last &&
		    (e->iova < iova || e_last > last))
			return -EINVAL;		/* would split a mapping */
	}
	for (unsigned int i = 0; i < as->nmaps;) {
		const struct emu_map *e = &as->maps[i];

		if (e->iova >= iova && e->iova + e->size - 1 <= last) {
			*done += e->size;
			as->maps[i] = as->maps[--as->nmaps];
		} else {
			i++;
		}
	}
	return 0;
}

int
emu_as_alloc(const struct emu_as *as, uint64_t size, uint64_t *iova)
{
	uint64_t at = as->limited ? as->start : EMU_PAGE;
	uint64_t end = as->limited ? as->end : UINT64_MAX;
	bool moved = true;

	at = (at + EMU_PAGE - 1) & ~(uint64_t)(EMU_PAGE - 1);
	/* first fit: step past every mapping in the way until none is */
	while (moved) {
		moved = false;
		if (at + size - 1 < at || at + size - 1 > end)
			return -ENOSPC;
		for (unsigned int i = 0; i < as->nmaps; i++) {
			const struct emu_map *e = &as->maps[i];

			if (overlaps(e, at, size)) {
				at = e->iova + e->size;
				moved = true;
			}
		}
	}
	*iova = at;
	return 0;
}

void *
emu_as_translate(const struct emu_as *as, uint64_t iova, uint64_t len)
{
	for (unsigned int i = 0; i < as->nmaps; i++) {
		const struct emu_map *m = &as->maps[i];

		if (iova >= m->iova && len <= m->size &&
		    iova - m->iova <= m->size - len)
			return (void *)(uintptr_t)(m->vaddr + (iova - m->iova));
	}
	return NULL;
}

bool
emu_as_fits(const struct emu_as *as, uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < as->nmaps; i++) {
		const struct emu_map *m = &as->maps[i];

		if (m->iova < start || m->iova + m->size - 1 > end)
			return false;
	}
	return true;
}

void
emu_as_clear(struct emu_as *as)
{
	free(as->maps);
	as->maps = NULL;
	as->nmaps = as->cap = 0;
	as->limited = false;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory of the fabric: 4 KiB pages, each tagged with the slot that owns
 * it, so the model can check that a DMA address given to the device belongs
 * to the function (the IOMMU's job on real hardware) and can free a dead
 * function's memory. Callers hold the fabric lock. Freed pages stay in the
 * file: the whole fabric was reserved when it was made (model_fabric.c),
 * and a page given back to tmpfs could be refused when it is needed again,
 * a SIGBUS instead of an error. heap_alloc() zeroes what it hands out.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "model_fabric.h"

int
heap_alloc(struct model_fabric *f, unsigned int slot, size_t len,
	   size_t align, uint64_t *heap_off)
{
	uint64_t npages = f->hdr->heap_pages;
	uint64_t want = (len + MODEL_PAGE - 1) / MODEL_PAGE;
	uint64_t step = align > MODEL_PAGE ? align / MODEL_PAGE : 1;
	uint8_t tag = (uint8_t)(slot + 1);

	if (want == 0)
		return -EINVAL;
	for (uint64_t p = 0; p + want <= npages; p += step) {
		uint64_t q;

		for (q = p; q < p + want && f->owner[q] == 0; q++)
			;
		if (q < p + want) {
			/* skip past the page in use, staying aligned */
			p = (q / step) * step;
			continue;
		}
		memset(f->owner + p, tag, want);
		*heap_off = p * MODEL_PAGE;
		memset(f->heap + *heap_off, 0, want * MODEL_PAGE);
		return 0;
	}
	return -ENOMEM;
}

void
heap_free(struct model_fabric *f, unsigned int slot, uint64_t heap_off,
	  size_t len)
{
	uint64_t first = heap_off / MODEL_PAGE;
	uint64_t n = (len + MODEL_PAGE - 1) / MODEL_PAGE;
	uint8_t tag = (uint8_t)(slot + 1);

	if (first + n > f->hdr->heap_pages)
		return;
	for (uint64_t p = first; p < first + n; p++)
		if (f->owner[p] == tag)
			f->owner[p] = 0;
}

void
heap_free_slot(struct model_fabric *f, unsigned int slot)
{
	uint8_t tag = (uint8_t)(slot + 1);
	uint64_t npages = f->hdr->heap_pages;

	for (uint64_t p = 0; p < npages; p++)
		if (f->owner[p] == tag)
			f->owner[p] = 0;
}

bool
heap_owned(struct model_fabric *f, unsigned int slot, uint64_t heap_off,
	   uint64_t len)
{
	uint8_t tag = (uint8_t)(slot + 1);
	uint64_t first, last;

	if (len == 0 || fab_heap_ptr(f, heap_off, len) == NULL)
		return false;
	first = heap_off / MODEL_PAGE;
	last = (heap_off + len - 1) / MODEL_PAGE;
	for (uint64_t p = first; p <= last; p++)
		if (f->owner[p] != tag)
			return false;
	return true;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A store into BAR 0: the model's hot path. It checks every device rule,
 * copies into the owner's DMB in the shared fabric, and with sf set flags
 * the owner's SBA. No system call and no lock: the only shared write besides
 * the data is the DMB's in-flight counter, which only the DMB's single
 * authorised writer touches.
 */
#include <errno.h>
#include <string.h>

#include "model_fabric.h"

static bool
writer_has_vlan(const struct model_slot *self, uint16_t vlan_id)
{
	for (uint32_t i = 0; i < self->vlan_nr && i < ISM_MAX_VLAN_IDS; i++)
		if (self->vlan_ids[i] == vlan_id)
			return true;
	return false;
}

int
store_execute(struct model_fn *fn, uint64_t req, const void *buf, size_t len)
{
	struct model_fabric *f = fn->fab;
	unsigned int tok16, slot, sba_idx, elem;
	uint64_t off = req & ISM_REQ_OFFSET_MASK;
	struct model_slot *owner;
	struct model_dmb *d;
	uint8_t *mem;
	uint32_t dlen;
	int rc = 0;

	if (len == 0)
		return 0;
	if (len > ISM_MAX_STORE ||
	    (req % ISM_STORE_BOUNDARY) + len > ISM_STORE_BOUNDARY ||
	    (req >> ISM_BAR_DMB_BITS) != 0)
		return -EINVAL;
	elem = (unsigned int)((req >> ISM_REQ_IDX_SHIFT) & ISM_REQ_IDX_MASK);
	if (elem >= ISM_DMB_ELEMENTS)
		return -EINVAL;
	tok16 = (unsigned int)((req & ISM_TOK_MASK) >> 32);
	slot = tok16 >> MODEL_TOK_SLOT_SHIFT;
	sba_idx = tok16 & ((1u << MODEL_TOK_SLOT_SHIFT) - 1);
	if (slot >= ISM_MODEL_MAX_FUNCTIONS || sba_idx < ISM_SBA_IDX_FIRST ||
	    sba_idx >= ISM_NR_SBA_BITS)
		return -ENXIO;
	owner = &f->slots[slot];
	if (__atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) != SLOT_ACTIVE)
		return -ENXIO;
	d = &owner->dmbs[sba_idx];
	if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DMB_REGISTERED)
		return -ENXIO;
	if (d->rgid != fn->gid)
		return -EACCES;
	dlen = d->len;
	if (off > dlen || len > dlen - off)
		return -ERANGE;
	if (d->vlan_valid && !writer_has_vlan(&f->slots[fn->slot], d->vlan_id))
		return -EPERM;

	/* Announce the copy, then re-check: pairs with dmb_quiesce(). */
	__atomic_fetch_add(&d->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&d->state, __ATOMIC_SEQ_CST) != DMB_REGISTERED ||
	    d->rgid != fn->gid) {
		rc = -ENXIO;
		goto out;
	}
	mem = fab_heap_ptr(f, d->heap_off, dlen);
	if (mem == NULL) {	/* a corrupted fabric, never a wild write */
		rc = -EFAULT;
		goto out;
	}
	memcpy(mem + off, buf, len);
	if (req & ISM_REQ_SF) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		ev_signal_dmb(f, slot, sba_idx, elem);
	}
out:
	__atomic_fetch_sub(&d->busy, 1, __ATOMIC_RELEASE);
	return rc;
}

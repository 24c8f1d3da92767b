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

/*
 * Check a store of @len bytes at BAR-0 offset @req by @fn against every
 * device rule; on success the copy is announced in the DMB's in-flight
 * counter (pairs with dmb_quiesce()) and *dst points at the target bytes.
 * store_end() must follow.
 */
static int
store_begin(struct model_fn *fn, uint64_t req, size_t len,
	    struct model_dmb **dp, uint8_t **dst)
{
	struct model_fabric *f = fn->fab;
	uint64_t off = req & ISM_REQ_OFFSET_MASK;
	unsigned int tok16, slot, sba_idx;
	struct model_slot *owner;
	struct model_dmb *d;
	uint8_t *mem;
	uint32_t dlen;
	int rc;

	if (__atomic_load_n(f->cut, __ATOMIC_ACQUIRE))	/* guard_is_cut() */
		return -EIO;
	if (len > ISM_MAX_STORE ||
	    (req % ISM_STORE_BOUNDARY) + len > ISM_STORE_BOUNDARY ||
	    (req >> ISM_BAR_DMB_BITS) != 0 ||
	    ((req >> ISM_REQ_IDX_SHIFT) & ISM_REQ_IDX_MASK) >= ISM_DMB_ELEMENTS)
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

	/* Announce the copy, then re-check: pairs with dmb_quiesce(). Only
	 * from here on the descriptor cannot change under us, so length,
	 * bounds and VLAN are checked after it. */
	__atomic_fetch_add(&d->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&d->state, __ATOMIC_SEQ_CST) != DMB_REGISTERED ||
	    d->rgid != fn->gid) {
		rc = -ENXIO;
		goto unannounce;
	}
	dlen = d->len;
	if (off > dlen || len > dlen - off) {
		rc = -ERANGE;
		goto unannounce;
	}
	if (d->vlan_valid && !writer_has_vlan(&f->slots[fn->slot], d->vlan_id)) {
		rc = -EPERM;
		goto unannounce;
	}
	mem = fab_heap_ptr(f, d->heap_off, dlen);
	if (mem == NULL) {	/* a corrupted fabric: never a wild write */
		rc = -EFAULT;
		goto unannounce;
	}
	*dp = d;
	*dst = mem + off;
	return 0;

unannounce:
	__atomic_fetch_sub(&d->busy, 1, __ATOMIC_RELEASE);
	return rc;
}

/* The data is in: signal if asked, and end the in-flight announcement. */
static void
store_end(struct model_fn *fn, uint64_t req, struct model_dmb *d)
{
	unsigned int tok16 = (unsigned int)((req & ISM_TOK_MASK) >> 32);

	if (req & ISM_REQ_SF) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		ev_signal_dmb(fn->fab, tok16 >> MODEL_TOK_SLOT_SHIFT,
			      tok16 & ((1u << MODEL_TOK_SLOT_SHIFT) - 1),
			      (unsigned int)((req >> ISM_REQ_IDX_SHIFT) & ISM_REQ_IDX_MASK));
	}
	__atomic_fetch_sub(&d->busy, 1, __ATOMIC_RELEASE);
}

int
store_executev(struct model_fn *fn, uint64_t req, const struct iovec *iov,
	       int iovcnt, size_t skip, size_t len)
{
	struct model_dmb *d;
	uint8_t *dst;
	int rc;

	if (len == 0)
		return 0;
	rc = store_begin(fn, req, len, &d, &dst);
	if (rc < 0)
		return rc;
	for (int i = 0; i < iovcnt && len > 0; i++, skip = 0) {
		size_t n = iov[i].iov_len - skip;

		if (n > len)
			n = len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + skip, n);
		dst += n;
		len -= n;
	}
	store_end(fn, req, d);
	return 0;
}

int
store_execute(struct model_fn *fn, uint64_t req, const void *buf, size_t len)
{
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return store_executev(fn, req, &v, 1, 0, len);
}

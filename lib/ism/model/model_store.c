/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A store into BAR 0: the model's hot path. It checks every device rule,
 * copies into the owner's DMB in the shared fabric, and with sf set flags
 * the owner's SBA. No system call and no lock. A store is announced before
 * the DMB is checked and copied into, so that dmb_quiesce() can wait for
 * it: with a plain store into this thread's hazard slot when both the
 * writer's and the DMB owner's processes take part in the asymmetric fence
 * (model_fence.c), else with a locked increment of the DMB's in-flight
 * counter, which only the DMB's authorised writer (its threads) touches.
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

/* An announced store: where it copies, and how to end it. */
struct store {
	struct model_dmb *d;
	uint8_t *dst;
	uint32_t *hazard;	/* NULL: counted in d->busy */
};

/* The rules checked once the store is announced, from the DMB's length
 * on (the descriptor cannot change under an announced store). */
static inline __attribute__((always_inline)) int
store_check(struct model_fn *fn, struct model_dmb *d, uint64_t off,
	    size_t len, struct store *s)
{
	struct model_fabric *f = fn->fab;
	uint32_t dlen = d->len;
	uint8_t *mem;

	if (off > dlen || len > dlen - off)
		return -ERANGE;
	if (d->vlan_valid && !writer_has_vlan(&f->slots[fn->slot], d->vlan_id))
		return -EPERM;
	mem = fab_heap_ptr(f, d->heap_off, dlen);
	if (mem == NULL)	/* a corrupted fabric: never a wild write */
		return -EFAULT;
	s->d = d;
	s->dst = mem + off;
	return 0;
}

/*
 * The locked announcement: check, count the store in the DMB's busy,
 * check again (SEQ_CST on both sides: either dmb_quiesce() sees the count
 * or this store sees the DMB gone). The first check keeps a store of a
 * function that is not the DMB's writer out of its count.
 */
static int
store_begin_locked(struct model_fn *fn, struct model_slot *owner,
		   struct model_dmb *d, uint64_t off, size_t len,
		   struct store *s)
{
	int rc;

	if (__atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) != SLOT_ACTIVE ||
	    !(__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) & DMB_REGISTERED))
		return -ENXIO;
	if (d->rgid != fn->gid)
		return -EACCES;
	__atomic_fetch_add(&d->busy, 1, __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&d->state, __ATOMIC_SEQ_CST) & DMB_REGISTERED) ||
	    d->rgid != fn->gid) {
		rc = -ENXIO;
		goto unannounce;
	}
	rc = store_check(fn, d, off, len, s);
	if (rc < 0)
		goto unannounce;
	s->hazard = NULL;
	return 0;

unannounce:
	__atomic_fetch_sub(&d->busy, 1, __ATOMIC_RELEASE);
	return rc;
}

/*
 * Check a store of @len bytes at BAR-0 offset @req by @fn against every
 * device rule; on success the store is announced (pairs with
 * dmb_quiesce()) and s->dst points at the target bytes. store_end() must
 * follow.
 *
 * By hazard: this thread's slot names the DMB (a plain store), a compiler
 * barrier keeps the checks after it, and the quiescer's membarrier()
 * turns that into a full fence. Only a DMB whose state word, read after
 * the announcement, says DMB_FENCED may be written so: its quiescer fences
 * (dmb_quiesce()); for any other the store is announced in busy instead.
 * The descriptor's other fields are read after that word, so they are of
 * the registration the quiescer waits for.
 */
static inline __attribute__((always_inline)) int
store_begin(struct model_fn *fn, uint64_t req, size_t len, struct store *s)
{
	struct model_fabric *f = fn->fab;
	uint64_t off = req & ISM_REQ_OFFSET_MASK;
	unsigned int tok16, slot, sba_idx;
	struct model_slot *owner;
	struct model_dmb *d;
	uint32_t *hz, st;
	int h, rc;

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
	d = &owner->dmbs[sba_idx];
	h = fence_hazard(fn);
	if (h < 0)
		return store_begin_locked(fn, owner, d, off, len, s);

	hz = &fn->hazard[h];
	__atomic_store_n(hz, tok16, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	st = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) != SLOT_ACTIVE ||
	    !(st & DMB_REGISTERED)) {
		rc = -ENXIO;
		goto unannounce;
	}
	if (!(st & DMB_FENCED)) {
		__atomic_store_n(hz, 0, __ATOMIC_RELEASE);
		return store_begin_locked(fn, owner, d, off, len, s);
	}
	if (d->rgid != fn->gid) {
		rc = -EACCES;
		goto unannounce;
	}
	rc = store_check(fn, d, off, len, s);
	if (rc < 0)
		goto unannounce;
	s->hazard = hz;
	return 0;

unannounce:
	__atomic_store_n(hz, 0, __ATOMIC_RELEASE);
	return rc;
}

/* The data is in: signal if asked, and end the announcement (release: the
 * data before it). */
static inline void
store_end(struct model_fn *fn, uint64_t req, const struct store *s)
{
	if (req & ISM_REQ_SF) {
		unsigned int tok16 = (unsigned int)((req & ISM_TOK_MASK) >> 32);

		__atomic_thread_fence(__ATOMIC_RELEASE);
		ev_signal_dmb(fn->fab, tok16 >> MODEL_TOK_SLOT_SHIFT,
			      tok16 & ((1u << MODEL_TOK_SLOT_SHIFT) - 1),
			      (unsigned int)((req >> ISM_REQ_IDX_SHIFT) & ISM_REQ_IDX_MASK));
	}
	if (s->hazard != NULL)
		__atomic_store_n(s->hazard, 0, __ATOMIC_RELEASE);
	else
		__atomic_fetch_sub(&s->d->busy, 1, __ATOMIC_RELEASE);
}

int
store_executev(struct model_fn *fn, uint64_t req, const struct iovec *iov,
	       int iovcnt, size_t skip, size_t len)
{
	struct store s;
	uint8_t *dst;
	int rc;

	if (len == 0)
		return 0;
	rc = store_begin(fn, req, len, &s);
	if (rc < 0)
		return rc;
	dst = s.dst;
	for (int i = 0; i < iovcnt && len > 0; i++, skip = 0) {
		size_t n = iov[i].iov_len - skip;

		if (n > len)
			n = len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + skip, n);
		dst += n;
		len -= n;
	}
	store_end(fn, req, &s);
	return 0;
}

int
store_execute(struct model_fn *fn, uint64_t req, const void *buf, size_t len)
{
	struct store s;
	int rc;

	if (len == 0)
		return 0;
	rc = store_begin(fn, req, len, &s);
	if (rc < 0)
		return rc;
	memcpy(s.dst, buf, len);
	store_end(fn, req, &s);
	return 0;
}

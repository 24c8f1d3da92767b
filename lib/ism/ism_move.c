/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store loop: a move into a remote DMB is cut at 4 KiB boundaries of the
 * DMB offset, each piece one device store; only the last piece may carry the
 * signal flag, so the owner is told once, after all the data landed.
 */
#include <errno.h>
#include <string.h>

#include "ism_private.h"


/* Why check_move() refused: logged, and its error. */
static __attribute__((noinline, cold)) int
move_refused(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	     uint32_t off, size_t len)
{
	struct ism_transport *t = dev->t;

	if (len > r->len || off > r->len - len) {
		ISM_ERR("%s: move of %zu bytes at offset %u does not fit DMB %016llx of %u bytes",
			t->name, len, off, (unsigned long long)r->tok, r->len);
		return -ERANGE;
	}
	ISM_ERR("%s: bad move target: token %016llx, element %u, length %u",
		t->name, (unsigned long long)r->tok, idx, r->len);
	return -EINVAL;
}

/*
 * Refuse what no store could carry, before any store. A zero-length move
 * is checked the same way (off may be r->len, the empty range at the end)
 * and then issues no store, as Linux's ism_move loops while size is left.
 * Inline, the logging apart: it runs once per move.
 */
static inline int
check_move(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	   uint32_t off, size_t len)
{
	if (__builtin_expect(len <= r->len && off <= r->len - len &&
			     ism_tok_valid(r->tok) && idx < ISM_DMB_ELEMENTS &&
			     r->len <= ISM_DMB_MAX_LEN, 1))
		return 0;
	return move_refused(dev, r, idx, off, len);
}

/* Bytes the store starting at @off may carry. */
static inline uint32_t
piece_len(const struct ism_transport *t, uint32_t off, size_t left)
{
	uint32_t room = ISM_STORE_BOUNDARY - (off % ISM_STORE_BOUNDARY);
	uint32_t n = room < t->max_store ? room : t->max_store;

	return n < left ? n : (uint32_t)left;
}

/* ism_move() of more than one store: each piece up to a 4 KiB boundary. */
static __attribute__((noinline)) int
move_pieces(struct ism_transport *t, const struct ism_rdmb *r,
	    unsigned int idx, uint32_t off, const uint8_t *p, size_t len,
	    bool sf)
{
	int rc;

	while (len > 0) {
		uint32_t n = piece_len(t, off, len);

		rc = t->ops->write(t, ISM_BAR_DMB,
				   ism_store_req(r->tok, idx, sf && n == len, off),
				   p, n);
		if (rc < 0)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int
ism_move(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	 uint32_t off, const void *buf, size_t len, bool sf)
{
	struct ism_transport *t = dev->t;
	int rc;

	rc = check_move(dev, r, idx, off, len);
	if (rc < 0)
		return rc;
	/* one store, the common case, with no loop state to keep */
	if (len > 0 && piece_len(t, off, len) == len) {
		rc = t->ops->write(t, ISM_BAR_DMB,
				   ism_store_req(r->tok, idx, sf, off), buf, len);
		return rc < 0 ? rc : 0;
	}
	return move_pieces(t, r, idx, off, buf, len, sf);
}

/* Copy @len bytes of @iov, from @skip bytes into iov[0], to @dst. */
static void
gather(uint8_t *dst, const struct iovec *iov, size_t skip, size_t len)
{
	for (; len > 0; iov++, skip = 0) {
		size_t n = iov->iov_len - skip < len ? iov->iov_len - skip : len;

		memcpy(dst, (const uint8_t *)iov->iov_base + skip, n);
		dst += n;
		len -= n;
	}
}

int
ism_movev(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	  uint32_t off, const struct iovec *iov, int iovcnt, bool sf)
{
	struct ism_transport *t = dev->t;
	uint8_t bounce[ISM_MAX_STORE];
	size_t len = 0, skip = 0;
	int vi = 0, rc;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	rc = check_move(dev, r, idx, off, len);
	if (rc < 0)
		return rc;
	while (len > 0) {
		uint32_t n = piece_len(t, off, len);
		uint64_t req = ism_store_req(r->tok, idx, sf && n == len, off);
		size_t left = n;

		while (iov[vi].iov_len == skip) {	/* empty buffers */
			vi++;
			skip = 0;
		}
		if (t->ops->writev != NULL) {
			rc = t->ops->writev(t, ISM_BAR_DMB, req, iov + vi,
					    iovcnt - vi, skip, n);
		} else {
			gather(bounce, iov + vi, skip, n);
			rc = t->ops->write(t, ISM_BAR_DMB, req, bounce, n);
		}
		if (rc < 0)
			return rc;
		/* walk past the bytes this store took */
		while (left > 0) {
			size_t avail = iov[vi].iov_len - skip;

			if (avail > left) {
				skip += left;
				break;
			}
			left -= avail;
			vi++;
			skip = 0;
		}
		off += n;
		len -= n;
	}
	return 0;
}

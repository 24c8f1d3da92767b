/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store loop: a move into a remote DMB is cut at 4 KiB boundaries of the
 * DMB offset, each piece one device store; only the last piece may carry the
 * signal flag, so the owner is told once, after all the data landed.
 */
#include <errno.h>

#include "ism_private.h"

int
ism_move(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	 uint32_t off, const void *buf, size_t len, bool sf)
{
	struct ism_transport *t = dev->t;
	const uint8_t *p = buf;
	uint32_t max = t->max_store;
	int rc;

	if (len == 0) {
		ISM_ERR("%s: zero-length move refused (it would issue no store)",
			t->name);
		return -EINVAL;
	}
	if (len > r->len || off > r->len - len) {
		ISM_ERR("%s: move of %zu bytes at offset %u does not fit DMB %016llx of %u bytes",
			t->name, len, off, (unsigned long long)r->tok, r->len);
		return -ERANGE;
	}
	if (!ism_tok_valid(r->tok) || idx >= ISM_DMB_ELEMENTS ||
	    r->len > ISM_DMB_MAX_LEN) {
		ISM_ERR("%s: bad move target: token %016llx, element %u, length %u",
			t->name, (unsigned long long)r->tok, idx, r->len);
		return -EINVAL;
	}

	while (len > 0) {
		uint32_t room = ISM_STORE_BOUNDARY - (off % ISM_STORE_BOUNDARY);
		uint32_t n = room < max ? room : max;

		if (n > len)
			n = (uint32_t)len;
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

/* SPDX-License-Identifier: BSD-3-Clause */
/* Model extensions outside the device protocol: labels and statistics. */
#include <errno.h>
#include <string.h>

#include "ism_private.h"
#include "model_fabric.h"

int
ism_model_set_label(struct ism_transport *t, const char *label)
{
	struct model_fn *fn = (struct model_fn *)t;
	size_t n = label != NULL ? strlen(label) : 0;
	int rc;

	if (!ism_model_is_model(t))
		return -ENOTSUP;
	if (n == 0 || n > ISM_MODEL_LABEL_MAX)
		return -EINVAL;
	rc = fab_lock(fn->fab);
	if (rc < 0)
		return rc;
	memset(fn->fab->slots[fn->slot].label, 0, ISM_MODEL_LABEL_MAX + 1);
	memcpy(fn->fab->slots[fn->slot].label, label, n);
	fab_unlock(fn->fab);
	return 0;
}

int
ism_model_find_label(struct ism_transport *t, const char *label,
		     uint64_t *gids, int n)
{
	struct model_fn *fn = (struct model_fn *)t;
	struct model_fabric *f;
	int found = 0, rc;

	if (!ism_model_is_model(t))
		return -ENOTSUP;
	f = fn->fab;
	rc = fab_lock(f);
	if (rc < 0)
		return rc;
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++) {
		struct model_slot *sl = &f->slots[s];

		if (s == fn->slot || sl->state != SLOT_ACTIVE ||
		    strncmp(sl->label, label, ISM_MODEL_LABEL_MAX + 1) != 0 ||
		    !fab_slot_alive(f, s))
			continue;
		if (found < n)
			gids[found] = sl->gid;
		found++;
	}
	fab_unlock(f);
	return found;
}

int
ism_model_stat(const char *name, struct ism_model_stat *st)
{
	struct model_fabric *f;
	int rc;

	rc = fab_get_locked(name, NULL, false, &f);
	if (rc < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++)
		st->functions += f->slots[s].state == SLOT_ACTIVE;
	st->heap_pages = f->hdr->heap_pages;
	for (uint64_t p = 0; p < f->hdr->heap_pages; p++)
		st->heap_pages_used += f->owner[p] != 0;
	st->attaches = f->hdr->attaches;
	st->reaps = f->hdr->reaps;
	fab_unlock(f);
	fab_put(f);
	return 0;
}

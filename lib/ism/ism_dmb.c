/* SPDX-License-Identifier: BSD-3-Clause */
/* DMB registration: DMA memory, SBA index allocation, REG_DMB/UNREG_DMB. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ism_private.h"

/* Smallest power of two >= len (and >= 4 KiB): aligning a block to it
 * guarantees the block cannot cross a 1 MiB boundary. */
static size_t
dmb_align(uint32_t len)
{
	size_t a = 4096;

	while (a < len)
		a <<= 1;
	return a;
}

static bool
sba_lost(const struct ism_dev *dev, unsigned int idx)
{
	return dev->sba_lost[idx / 8] & (0x80u >> (idx % 8));
}

static int
sba_idx_alloc(struct ism_dev *dev)
{
	for (int i = ISM_SBA_IDX_FIRST; i <= ISM_SBA_IDX_LAST; i++)
		if (dev->dmbs[i] == NULL && !sba_lost(dev, (unsigned int)i))
			return i;
	return -ENOSPC;
}

static int
check_params(struct ism_dev *dev, const struct ism_dmb_params *p)
{
	if (p->len == 0 || p->len > ISM_DMB_MAX_LEN) {
		ISM_ERR("%s: DMB length %u is not in 1..%u", dev->t->name,
			p->len, ISM_DMB_MAX_LEN);
		return -EINVAL;
	}
	if (p->rgid == 0) {
		ISM_ERR("%s: DMB needs the GID of its writer (rgid 0 given)",
			dev->t->name);
		return -EINVAL;
	}
	if (p->vlan_valid && p->vlan_id > ISM_VLAN_ID_MAX) {
		ISM_ERR("%s: VLAN id %u is not in 0..%u", dev->t->name,
			p->vlan_id, ISM_VLAN_ID_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * UNREG_DMB of @tok. True when the device no longer owns the memory: it
 * answered 0 or the generic 0xffff, on which Linux's ism_unregister_dmb
 * frees the DMB too. Any other code, and no answer at all, leave it the
 * device's. Decided on the raw code: several codes share one errno, and
 * every code but 0 and 0xffff is a model rule. Caller holds dev->lock.
 */
static bool
unreg_tok_locked(struct ism_dev *dev, uint64_t tok, int *rcp)
{
	struct ism_req_u64 req = { .value = ism_be64(tok) };
	struct ism_resp_hdr resp;
	unsigned int ret;
	int rc;

	rc = ism_cmd_locked(dev, ISM_CMD_UNREG_DMB, &req, sizeof(req), &resp,
			    sizeof(resp));
	ret = dev->last_ret;
	*rcp = rc;
	if (ret == ISM_RET_OK)
		return true;
	if (ret == ISM_RET_GENERIC) {
		ISM_WARN("%s: UNREG_DMB of token %016llx: generic error; the DMB counts as released",
			 dev->t->name, (unsigned long long)tok);
		return true;
	}
	if (ret == ISM_RET_NO_ANSWER)
		ISM_ERR("%s: UNREG_DMB of token %016llx got no answer: the DMB stays registered; retry later",
			dev->t->name, (unsigned long long)tok);
	else
		ISM_ERR("%s: UNREG_DMB of token %016llx refused, ret 0x%04x (%s): the DMB stays registered; retry later",
			dev->t->name, (unsigned long long)tok, ret,
			ism_ret_name(ret));
	return false;
}

/* Nothing names the DMB at @idx the device may hold: never reuse @idx. */
static void
sba_mark_lost(struct ism_dev *dev, uint32_t idx)
{
	dev->sba_lost[idx / 8] |= (uint8_t)(0x80u >> (idx % 8));
}

/*
 * REG_DMB of @iova for @p at SBA index @idx; the token in *tok. A token
 * that cannot address stores (low 32 bits not zero, see ism_tok_valid)
 * is -EPROTO, but the device owns the memory until it is unregistered:
 * it is UNREG_DMB'd here. *held tells whether the device may still hold
 * the memory: then *tok is the refused token that names it, or 0 when no
 * token does (that UNREG failed too, or no answer told whether the
 * REG_DMB was executed) and @idx is marked lost.
 */
static int
reg_dmb_locked(struct ism_dev *dev, uint64_t iova,
	       const struct ism_dmb_params *p, uint32_t idx, uint64_t *tok,
	       bool *held)
{
	struct ism_req_reg_dmb req = {
		.dmb = ism_be64(iova),
		.dmb_len = ism_be32(p->len),
		.sba_idx = ism_be32(idx),
		.vlan_valid = ism_be32(p->vlan_valid),
		.vlan_id = ism_be32(p->vlan_valid ? p->vlan_id : 0),
		.rgid = ism_be64(p->rgid),
	};
	struct ism_resp_u64 resp;
	uint64_t got;
	int rc, unreg_rc;

	*tok = 0;
	*held = false;
	rc = ism_cmd_locked(dev, ISM_CMD_REG_DMB, &req, sizeof(req), &resp,
			    sizeof(resp));
	if (rc < 0 && (dev->last_ret == ISM_RET_NO_ANSWER ||
		       dev->last_ret == ISM_RET_OK)) {
		/* executed or not, and under which token: nobody knows */
		*held = true;
		sba_mark_lost(dev, idx);
		return rc;
	}
	if (rc < 0)
		return rc;	/* refused: nothing registered */
	got = ism_cpu64(resp.value);
	if (ism_tok_valid(got)) {
		*tok = got;
		return 0;
	}
	ISM_ERR("%s: REG_DMB returned token %016llx, unusable (0 or bits outside 32..47); unregistering it",
		dev->t->name, (unsigned long long)got);
	if (!unreg_tok_locked(dev, got, &unreg_rc)) {
		*held = true;
		*tok = got;
		if (got == 0)
			sba_mark_lost(dev, idx);
	}
	return -EPROTO;
}

/* Fill in a DMB registered (or held by the device) at SBA index @idx. */
static void
dmb_fill_locked(struct ism_dev *dev, struct ism_dmb *dmb,
		const struct ism_dmb_params *p, int idx)
{
	dmb->rgid = p->rgid;
	dmb->addr = dmb->dma.addr;
	dmb->len = p->len;
	dmb->sba_idx = (uint16_t)idx;
	dmb->vlan_valid = p->vlan_valid;
	dmb->vlan_id = p->vlan_valid ? p->vlan_id : 0;
	dev->dmbs[idx] = dmb;
}

/* Forget @dmb and free its memory: the device no longer owns it. */
static void
dmb_free_locked(struct ism_dev *dev, struct ism_dmb *dmb)
{
	dev->dmbs[dmb->sba_idx] = NULL;
	dev->t->ops->dma_free(dev->t, &dmb->dma);
	free(dmb);
}

/* Forget @dmb but not its memory: the device may still write it. */
static void
dmb_leak_locked(struct ism_dev *dev, struct ism_dmb *dmb)
{
	ISM_ERR("%s: leaking the %u bytes of DMB %016llx (SBA index %u): the device still holds them",
		dev->t->name, dmb->len, (unsigned long long)dmb->tok,
		dmb->sba_idx);
	dev->dmbs[dmb->sba_idx] = NULL;
	free(dmb);
}

int
ism_dmb_register(struct ism_dev *dev, const struct ism_dmb_params *p,
		 struct ism_dmb **dmbp)
{
	struct ism_transport *t = dev->t;
	struct ism_dmb *dmb;
	bool held;
	int idx, rc;

	*dmbp = NULL;
	rc = check_params(dev, p);
	if (rc < 0)
		return rc;
	dmb = calloc(1, sizeof(*dmb));
	if (dmb == NULL)
		return -ENOMEM;
	rc = t->ops->dma_alloc(t, p->len, dmb_align(p->len), &dmb->dma);
	if (rc < 0) {
		ISM_ERR("%s: no DMA memory for a %u-byte DMB: %s", t->name,
			p->len, strerror(-rc));
		free(dmb);
		return rc;
	}
	if (dmb->dma.iova / ISM_DMB_BOUNDARY !=
	    (dmb->dma.iova + p->len - 1) / ISM_DMB_BOUNDARY) {
		ISM_ERR("%s: transport returned DMA memory crossing 1 MiB",
			t->name);
		rc = -EFAULT;
		goto free_dma;
	}

	pthread_mutex_lock(&dev->lock);
	idx = sba_idx_alloc(dev);
	if (idx < 0) {
		pthread_mutex_unlock(&dev->lock);
		ISM_ERR("%s: all SBA indexes %d..%d are in use", t->name,
			ISM_SBA_IDX_FIRST, ISM_SBA_IDX_LAST);
		rc = idx;
		goto free_dma;
	}
	rc = reg_dmb_locked(dev, dmb->dma.iova, p, (uint32_t)idx, &dmb->tok,
			    &held);
	if (held) {
		/* still the device's: memory and SBA index stay out of use, in
		 * the table, so that close tries UNREG_DMB again */
		dmb_fill_locked(dev, dmb, p, idx);
		if (dmb->tok == 0)
			dmb_leak_locked(dev, dmb);
		else
			ISM_ERR("%s: the %u bytes of the refused DMB stay registered until close",
				t->name, p->len);
		pthread_mutex_unlock(&dev->lock);
		return rc;
	}
	if (rc < 0) {
		pthread_mutex_unlock(&dev->lock);
		goto free_dma;
	}
	dmb_fill_locked(dev, dmb, p, idx);
	pthread_mutex_unlock(&dev->lock);
	*dmbp = dmb;
	return 0;

free_dma:
	t->ops->dma_free(t, &dmb->dma);
	free(dmb);
	return rc;
}

static int
dmb_unregister_locked(struct ism_dev *dev, struct ism_dmb *dmb)
{
	int rc = 0;

	if (dmb->tok == 0 && sba_lost(dev, dmb->sba_idx)) {
		dmb_leak_locked(dev, dmb);	/* nothing to retry with */
		return 0;
	}
	/* tok 0 otherwise: a rebind's REG_DMB failed, nothing registered */
	if (dmb->tok != 0 && !unreg_tok_locked(dev, dmb->tok, &rc))
		return rc;
	dmb_free_locked(dev, dmb);
	return 0;
}

int
ism_dmb_unregister(struct ism_dev *dev, struct ism_dmb *dmb)
{
	int rc;

	if (dmb == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (dmb->sba_idx >= ISM_NR_SBA_BITS || dev->dmbs[dmb->sba_idx] != dmb) {
		pthread_mutex_unlock(&dev->lock);
		ISM_ERR("%s: DMB %p is not registered on this device",
			dev->t->name, (void *)dmb);
		return -ENOENT;
	}
	rc = dmb_unregister_locked(dev, dmb);
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

int
ism_dmb_rebind(struct ism_dev *dev, struct ism_dmb *dmb, uint64_t rgid)
{
	struct ism_dmb_params p = {
		.len = dmb->len, .rgid = rgid,
		.vlan_valid = dmb->vlan_valid, .vlan_id = dmb->vlan_id,
	};
	bool held;
	int rc;

	if (rgid == 0)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (dmb->sba_idx >= ISM_NR_SBA_BITS || dev->dmbs[dmb->sba_idx] != dmb) {
		pthread_mutex_unlock(&dev->lock);
		return -ENOENT;
	}
	if (dmb->tok != 0) {
		if (!unreg_tok_locked(dev, dmb->tok, &rc)) {
			pthread_mutex_unlock(&dev->lock);
			return rc;
		}
		dmb->tok = 0;
	}
	rc = reg_dmb_locked(dev, dmb->dma.iova, &p, dmb->sba_idx, &dmb->tok,
			    &held);
	if (rc == 0 || held)	/* registered, perhaps under a refused token */
		dmb->rgid = rgid;
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

struct ism_dmb *
ism_dmb_by_sba_idx(struct ism_dev *dev, unsigned int sba_idx)
{
	return sba_idx < ISM_NR_SBA_BITS ? dev->dmbs[sba_idx] : NULL;
}

void
ism_dmb_release_all(struct ism_dev *dev)
{
	pthread_mutex_lock(&dev->lock);
	for (int i = ISM_SBA_IDX_FIRST; i <= ISM_SBA_IDX_LAST; i++) {
		struct ism_dmb *dmb = dev->dmbs[i];

		if (dmb != NULL && dmb_unregister_locked(dev, dmb) < 0)
			dmb_leak_locked(dev, dmb);
	}
	pthread_mutex_unlock(&dev->lock);
}

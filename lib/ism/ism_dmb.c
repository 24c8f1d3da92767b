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

static int
sba_idx_alloc(struct ism_dev *dev)
{
	for (int i = ISM_SBA_IDX_FIRST; i <= ISM_SBA_IDX_LAST; i++)
		if (dev->dmbs[i] == NULL)
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

/* REG_DMB of @iova for @p at SBA index @idx; the token in *tok. */
static int
reg_dmb_locked(struct ism_dev *dev, uint64_t iova,
	       const struct ism_dmb_params *p, uint32_t idx, uint64_t *tok)
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
	int rc;

	rc = ism_cmd_locked(dev, ISM_CMD_REG_DMB, &req, sizeof(req), &resp,
			    sizeof(resp));
	if (rc == 0 && !ism_tok_valid(ism_cpu64(resp.value))) {
		ISM_ERR("%s: REG_DMB returned invalid token %016llx",
			dev->t->name, (unsigned long long)ism_cpu64(resp.value));
		rc = -EPROTO;
	}
	if (rc == 0)
		*tok = ism_cpu64(resp.value);
	return rc;
}

int
ism_dmb_register(struct ism_dev *dev, const struct ism_dmb_params *p,
		 struct ism_dmb **dmbp)
{
	struct ism_transport *t = dev->t;
	struct ism_dmb *dmb;
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
	rc = reg_dmb_locked(dev, dmb->dma.iova, p, (uint32_t)idx, &dmb->tok);
	if (rc < 0) {
		pthread_mutex_unlock(&dev->lock);
		goto free_dma;
	}
	dmb->rgid = p->rgid;
	dmb->addr = dmb->dma.addr;
	dmb->len = p->len;
	dmb->sba_idx = (uint16_t)idx;
	dmb->vlan_valid = p->vlan_valid;
	dmb->vlan_id = p->vlan_valid ? p->vlan_id : 0;
	dev->dmbs[idx] = dmb;
	pthread_mutex_unlock(&dev->lock);
	*dmbp = dmb;
	return 0;

free_dma:
	t->ops->dma_free(t, &dmb->dma);
	free(dmb);
	return rc;
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

/* Forget @dmb and free its memory: the device no longer owns it. */
static void
dmb_free_locked(struct ism_dev *dev, struct ism_dmb *dmb)
{
	dev->dmbs[dmb->sba_idx] = NULL;
	dev->t->ops->dma_free(dev->t, &dmb->dma);
	free(dmb);
}

static int
dmb_unregister_locked(struct ism_dev *dev, struct ism_dmb *dmb)
{
	int rc = 0;

	/* tok 0: a rebind's REG_DMB failed, the device holds nothing */
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
	rc = reg_dmb_locked(dev, dmb->dma.iova, &p, dmb->sba_idx, &dmb->tok);
	if (rc == 0)
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

		if (dmb == NULL || dmb_unregister_locked(dev, dmb) == 0)
			continue;
		/* the device may still write it: leak it rather than reuse it */
		ISM_ERR("%s: leaking the %u bytes of DMB %016llx (SBA index %d): the device still holds them",
			dev->t->name, dmb->len, (unsigned long long)dmb->tok, i);
		dev->dmbs[i] = NULL;
		free(dmb);
	}
	pthread_mutex_unlock(&dev->lock);
}

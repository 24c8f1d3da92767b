/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command execution of the model device: one handler per command, each
 * checking the rules ISM-SPEC.md and the model add, and answering with the
 * return codes of enum ism_ret_code. Runs under the fabric lock.
 */
#include <errno.h>
#include <string.h>

#include "ism_private.h"
#include "model_fabric.h"

struct cmd_ctx {
	struct model_fn *fn;
	struct model_fabric *f;
	struct model_slot *self;
	const void *req;
	void *resp;
};

/* DMA address range -> heap offset, if the function owns all of it. */
static bool
iova_to_heap(struct cmd_ctx *c, uint64_t iova, uint64_t len, uint64_t *off)
{
	if (iova < MODEL_IOVA_BASE)
		return false;
	*off = iova - MODEL_IOVA_BASE;
	return heap_owned(c->f, c->fn->slot, *off, len);
}

static bool
has_vlan(const struct model_slot *sl, uint32_t vlan_id)
{
	for (uint32_t i = 0; i < sl->vlan_nr; i++)
		if (sl->vlan_ids[i] == vlan_id)
			return true;
	return false;
}

static uint64_t
req_u64(struct cmd_ctx *c)
{
	return ism_cpu64(((const struct ism_req_u64 *)c->req)->value);
}

static unsigned int
do_reg_sba(struct cmd_ctx *c)
{
	uint64_t off;

	if (c->self->sba_off != 0)
		return ISM_RET_BUSY;
	if (req_u64(c) % MODEL_PAGE != 0 ||
	    !iova_to_heap(c, req_u64(c), sizeof(struct ism_sba), &off))
		return ISM_RET_BAD_ADDR;
	__atomic_store_n(&c->self->sba_off, off + 1, __ATOMIC_RELEASE);
	return ISM_RET_OK;
}

static unsigned int
do_reg_ieq(struct cmd_ctx *c)
{
	const struct ism_req_reg_ieq *r = c->req;
	uint64_t iova = ism_cpu64(r->ieq), len = ism_cpu64(r->len), off;
	struct ism_ieq *ieq;

	if (c->self->ieq_off != 0)
		return ISM_RET_BUSY;
	if (len < sizeof(struct ism_ieq) || len > MODEL_PAGE)
		return ISM_RET_BAD_PARAM;
	if (iova % 8 != 0 || !iova_to_heap(c, iova, len, &off))
		return ISM_RET_BAD_ADDR;
	ieq = fab_heap_ptr(c->f, off, sizeof(*ieq));
	memset(ieq, 0, sizeof(*ieq));
	ieq->hdr.ieq_len = ism_be64(len);
	ieq->hdr.entry_len = ism_be64(sizeof(struct ism_ieq_entry));
	c->self->ieq_next = 0;
	c->self->ieq_unread = 0;
	c->self->ieq_overruns = 0;
	c->self->ieq_off = off + 1;
	return ISM_RET_OK;
}

static unsigned int
do_read_gid(struct cmd_ctx *c)
{
	((struct ism_resp_u64 *)c->resp)->value = ism_be64(c->self->gid);
	return ISM_RET_OK;
}

static unsigned int
do_add_vlan(struct cmd_ctx *c)
{
	uint64_t v = req_u64(c);

	if (v > ISM_VLAN_ID_MAX)
		return ISM_RET_BAD_PARAM;
	if (has_vlan(c->self, (uint32_t)v))
		return ISM_RET_BUSY;
	if (c->self->vlan_nr >= ISM_MAX_VLAN_IDS)
		return ISM_RET_NO_SPACE;
	c->self->vlan_ids[c->self->vlan_nr] = (uint16_t)v;
	__atomic_store_n(&c->self->vlan_nr, c->self->vlan_nr + 1,
			 __ATOMIC_RELEASE);
	return ISM_RET_OK;
}

static unsigned int
do_del_vlan(struct cmd_ctx *c)
{
	struct model_slot *sl = c->self;
	uint64_t v = req_u64(c);

	if (v > ISM_VLAN_ID_MAX)
		return ISM_RET_BAD_PARAM;
	for (uint32_t i = 0; i < sl->vlan_nr; i++) {
		if (sl->vlan_ids[i] != v)
			continue;
		memmove(&sl->vlan_ids[i], &sl->vlan_ids[i + 1],
			(sl->vlan_nr - i - 1) * sizeof(sl->vlan_ids[0]));
		sl->vlan_nr--;
		return ISM_RET_OK;
	}
	return ISM_RET_NO_VLAN;
}

static unsigned int
do_set_vlan(struct cmd_ctx *c)
{
	c->self->vlan_required = 1;
	return ISM_RET_OK;
}

static unsigned int
do_reset_vlan(struct cmd_ctx *c)
{
	c->self->vlan_required = 0;
	return ISM_RET_OK;
}

static unsigned int
do_query_info(struct cmd_ctx *c)
{
	struct ism_resp_query_info *r = c->resp;
	struct model_slot *sl = c->self;
	uint32_t used = 0;

	/* dmbs_used: DMBs of other functions this function may write */
	for (unsigned int o = 0; o < ISM_MODEL_MAX_FUNCTIONS; o++) {
		struct model_slot *os = &c->f->slots[o];

		if (os->state != SLOT_ACTIVE || os == sl)
			continue;
		for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++)
			used += (os->dmbs[i].state & DMB_REGISTERED) &&
				os->dmbs[i].rgid == sl->gid;
	}
	r->version = ism_be32(MODEL_DEVICE_VERSION);
	r->max_len = ism_be32(ISM_DMB_MAX_LEN);
	r->state = ism_be64(sl->state);
	r->my_gid = ism_be64(sl->gid);
	r->sba = ism_be64(sl->sba_off ? sl->sba_off - 1 + MODEL_IOVA_BASE : 0);
	r->ieq = ism_be64(sl->ieq_off ? sl->ieq_off - 1 + MODEL_IOVA_BASE : 0);
	r->ieq_len = ism_be32(sl->ieq_off ? (uint32_t)sizeof(struct ism_ieq) : 0);
	r->dmbs_owned = ism_be32(sl->dmbs_used);
	r->dmbs_used = ism_be32(used);
	r->vlan_required = ism_be32(sl->vlan_required);
	r->vlan_nr_ids = ism_be32(sl->vlan_nr);
	for (uint32_t i = 0; i < sl->vlan_nr; i++)
		r->vlan_id[i] = ism_be16(sl->vlan_ids[i]);
	return ISM_RET_OK;
}

static unsigned int
do_query_rgid(struct cmd_ctx *c)
{
	const struct ism_req_query_rgid *r = c->req;
	uint32_t vlan_valid = ism_cpu32(r->vlan_valid);
	uint32_t vlan_id = ism_cpu32(r->vlan_id);
	struct model_slot *peer;

	if (ism_cpu64(r->rgid) == 0 || (vlan_valid && vlan_id > ISM_VLAN_ID_MAX))
		return ISM_RET_BAD_PARAM;
	peer = fab_slot_by_gid(c->f, ism_cpu64(r->rgid));
	if (peer == NULL)
		return ISM_RET_NO_GID;
	if (vlan_valid && !has_vlan(peer, vlan_id))
		return ISM_RET_VLAN;
	return ISM_RET_OK;
}

static unsigned int
do_reg_dmb(struct cmd_ctx *c)
{
	const struct ism_req_reg_dmb *r = c->req;
	uint64_t iova = ism_cpu64(r->dmb), rgid = ism_cpu64(r->rgid), off;
	uint32_t len = ism_cpu32(r->dmb_len), idx = ism_cpu32(r->sba_idx);
	uint32_t vlan_valid = ism_cpu32(r->vlan_valid);
	uint32_t vlan_id = ism_cpu32(r->vlan_id);
	struct model_dmb *d;

	if (c->self->sba_off == 0)
		return ISM_RET_NOT_READY;
	if (idx < ISM_SBA_IDX_FIRST || idx > ISM_SBA_IDX_LAST ||
	    len == 0 || len > ISM_DMB_MAX_LEN || rgid == 0 ||
	    (vlan_valid && vlan_id > ISM_VLAN_ID_MAX))
		return ISM_RET_BAD_PARAM;
	d = &c->self->dmbs[idx];
	if (d->state != DMB_FREE)
		return ISM_RET_BUSY;
	if (!iova_to_heap(c, iova, len, &off) ||
	    iova / ISM_DMB_BOUNDARY != (iova + len - 1) / ISM_DMB_BOUNDARY)
		return ISM_RET_BAD_ADDR;
	if (fab_slot_by_gid(c->f, rgid) == NULL)
		return ISM_RET_NO_GID;
	if ((vlan_valid && !has_vlan(c->self, vlan_id)) ||
	    (c->self->vlan_required && !vlan_valid))
		return ISM_RET_VLAN;

	/* busy is left alone: a store of this writer into the previous
	 * registration may still be on its way out */
	d->rgid = rgid;
	d->heap_off = off;
	d->len = len;
	d->vlan_valid = vlan_valid != 0;
	d->vlan_id = vlan_valid ? (uint16_t)vlan_id : 0;
	/* DMB_FENCED: this process can fence stores announced by hazard,
	 * so its writer may use them (model_fence.c) */
	__atomic_store_n(&d->state, DMB_REGISTERED |
			 (c->fn->fences ? DMB_FENCED : 0), __ATOMIC_RELEASE);
	c->self->dmbs_used++;
	/* remembered for the GID event when either of the two goes away */
	c->self->peers |= UINT64_C(1) << gid_slot(rgid);
	c->f->slots[gid_slot(rgid)].peers |= UINT64_C(1) << c->fn->slot;
	((struct ism_resp_u64 *)c->resp)->value = ism_be64(
		(uint64_t)(c->fn->slot << MODEL_TOK_SLOT_SHIFT | idx) << 32);
	return ISM_RET_OK;
}

static unsigned int
do_unreg_dmb(struct cmd_ctx *c)
{
	uint64_t tok = req_u64(c);
	unsigned int tok16 = (unsigned int)((tok & ISM_TOK_MASK) >> 32);
	unsigned int idx = tok16 & ((1u << MODEL_TOK_SLOT_SHIFT) - 1);
	struct model_dmb *d;

	if (!ism_tok_valid(tok) ||
	    tok16 >> MODEL_TOK_SLOT_SHIFT != c->fn->slot ||
	    idx < ISM_SBA_IDX_FIRST || idx >= ISM_NR_SBA_BITS)
		return ISM_RET_NO_DMB;
	d = &c->self->dmbs[idx];
	if (!(d->state & DMB_REGISTERED))
		return ISM_RET_NO_DMB;
	/* DMB_FENCED was set by this process, which could fence then */
	if (!dmb_quiesce(c->f, c->fn->slot, idx))
		return ISM_RET_BUSY;
	dmb_clear(d);
	c->self->dmbs_used--;
	return ISM_RET_OK;
}

static unsigned int
do_signal_ieq(struct cmd_ctx *c)
{
	const struct ism_req_signal_ieq *r = c->req;
	struct model_slot *peer;

	if (ism_cpu64(r->rgid) == 0)
		return ISM_RET_BAD_PARAM;
	peer = fab_slot_by_gid(c->f, ism_cpu64(r->rgid));
	if (peer == NULL)
		return ISM_RET_NO_GID;
	if (peer->ieq_off == 0)
		return ISM_RET_NOT_READY;
	ev_post(c->f, (unsigned int)(peer - c->f->slots), ISM_EVENT_SWR,
		ism_cpu32(r->event_code), c->self->gid, ism_cpu64(r->info),
		ism_cpu32(r->trigger_irq) != 0);
	return ISM_RET_OK;
}

static unsigned int
do_unreg_sba(struct cmd_ctx *c)
{
	if (c->self->sba_off == 0)
		return ISM_RET_NOT_READY;
	if (c->self->dmbs_used != 0)
		return ISM_RET_BUSY;
	__atomic_store_n(&c->self->sba_off, 0, __ATOMIC_RELEASE);
	return ISM_RET_OK;
}

static unsigned int
do_unreg_ieq(struct cmd_ctx *c)
{
	if (c->self->ieq_off == 0)
		return ISM_RET_NOT_READY;
	c->self->ieq_off = 0;
	return ISM_RET_OK;
}

static const struct {
	unsigned int cmd;
	uint16_t req_len;
	uint16_t resp_len;
	unsigned int (*run)(struct cmd_ctx *c);
} commands[] = {
	{ ISM_CMD_REG_SBA, sizeof(struct ism_req_u64), 8, do_reg_sba },
	{ ISM_CMD_REG_IEQ, sizeof(struct ism_req_reg_ieq), 8, do_reg_ieq },
	{ ISM_CMD_READ_GID, 8, sizeof(struct ism_resp_u64), do_read_gid },
	{ ISM_CMD_ADD_VLAN_ID, sizeof(struct ism_req_u64), 8, do_add_vlan },
	{ ISM_CMD_DEL_VLAN_ID, sizeof(struct ism_req_u64), 8, do_del_vlan },
	{ ISM_CMD_SET_VLAN, 8, 8, do_set_vlan },
	{ ISM_CMD_RESET_VLAN, 8, 8, do_reset_vlan },
	{ ISM_CMD_QUERY_INFO, 8, sizeof(struct ism_resp_query_info), do_query_info },
	{ ISM_CMD_QUERY_RGID, sizeof(struct ism_req_query_rgid), 8, do_query_rgid },
	{ ISM_CMD_REG_DMB, sizeof(struct ism_req_reg_dmb), sizeof(struct ism_resp_u64), do_reg_dmb },
	{ ISM_CMD_UNREG_DMB, sizeof(struct ism_req_u64), 8, do_unreg_dmb },
	{ ISM_CMD_SIGNAL_IEQ, sizeof(struct ism_req_signal_ieq), 8, do_signal_ieq },
	{ ISM_CMD_UNREG_SBA, 8, 8, do_unreg_sba },
	{ ISM_CMD_UNREG_IEQ, 8, 8, do_unreg_ieq },
};

/* The header was just stored at offset 0: execute with the body stored at
 * offset 8 before it, and leave the response in the command area. */
void
cmd_execute(struct model_fn *fn, const void *hdr)
{
	uint8_t req[ISM_CMD_AREA_SIZE];
	struct ism_req_hdr *rq = (struct ism_req_hdr *)req;
	struct ism_resp_hdr *rs = (struct ism_resp_hdr *)fn->resp;
	struct cmd_ctx c = { .fn = fn, .f = fn->fab, .req = req, .resp = fn->resp };
	unsigned int cmd, ret = ISM_RET_BAD_CMD;
	uint16_t resp_len = sizeof(*rs);
	size_t i;

	memcpy(req, hdr, sizeof(*rq));
	memcpy(req + sizeof(*rq), fn->body, fn->body_len);
	memset(fn->resp, 0, sizeof(fn->resp));
	cmd = ism_cpu32(rq->cmd);

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cmd == cmd)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		goto done;
	if (ism_cpu16(rq->len) != commands[i].req_len ||
	    fn->body_len != commands[i].req_len - sizeof(*rq)) {
		ret = ISM_RET_BAD_LEN;
		goto done;
	}
	if (fab_lock(fn->fab) < 0) {
		ret = ISM_RET_GENERIC;
		goto done;
	}
	c.self = fab_slot(fn->fab, fn->slot);
	ret = commands[i].run(&c);
	fab_unlock(fn->fab);
	if (ret == ISM_RET_OK)
		resp_len = commands[i].resp_len;
done:
	fn->body_len = 0;
	rs->cmd = ism_be32(cmd);
	rs->ret = ism_be16((uint16_t)ret);
	rs->len = ism_be16(resp_len);
	if (ret != ISM_RET_OK)
		memset(fn->resp + sizeof(*rs), 0, sizeof(fn->resp) - sizeof(*rs));
}

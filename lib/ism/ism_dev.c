/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening and closing a function, and the commands that are not DMBs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ism_private.h"

static int
cmd_no_body(struct ism_dev *dev, unsigned int cmd)
{
	struct ism_req_hdr req;
	struct ism_resp_hdr resp;

	return ism_cmd(dev, cmd, &req, sizeof(req), &resp, sizeof(resp));
}

static int
read_gid(struct ism_dev *dev)
{
	struct ism_req_hdr req;
	struct ism_resp_u64 resp;
	int rc;

	rc = ism_cmd(dev, ISM_CMD_READ_GID, &req, sizeof(req), &resp,
		     sizeof(resp));
	if (rc == 0)
		dev->gid = ism_cpu64(resp.value);
	return rc;
}

/*
 * After a REG_SBA or REG_IEQ that failed: a refusal left nothing
 * registered, so the memory is freed at once, as Linux's register_sba and
 * register_ieq free it. Without an answer the device may hold it: it is
 * kept for teardown() to unregister.
 */
static bool
reg_refused(const struct ism_dev *dev)
{
	return dev->last_ret != ISM_RET_OK && dev->last_ret != ISM_RET_NO_ANSWER;
}

static int
reg_sba_ieq(struct ism_dev *dev)
{
	struct ism_transport *t = dev->t;
	struct ism_req_reg_ieq req;
	struct ism_resp_hdr resp;
	int rc;

	rc = t->ops->dma_alloc(t, sizeof(struct ism_sba), 4096, &dev->sba_dma);
	if (rc < 0) {
		ISM_ERR("%s: no DMA memory for the SBA: %s", t->name,
			strerror(-rc));
		return rc;
	}
	rc = ism_cmd_u64(dev, ISM_CMD_REG_SBA, dev->sba_dma.iova);
	if (rc < 0) {
		ISM_ERR("%s: REG_SBA failed: %s", t->name, strerror(-rc));
		if (reg_refused(dev)) {
			t->ops->dma_free(t, &dev->sba_dma);
			return rc;
		}
	}
	dev->sba = dev->sba_dma.addr;
	if (rc < 0)
		return rc;

	rc = t->ops->dma_alloc(t, sizeof(struct ism_ieq), 4096, &dev->ieq_dma);
	if (rc < 0) {
		ISM_ERR("%s: no DMA memory for the IEQ: %s", t->name,
			strerror(-rc));
		return rc;
	}
	dev->ieq_cursor = -1;
	req.ieq = ism_be64(dev->ieq_dma.iova);
	req.len = ism_be64(sizeof(struct ism_ieq));
	rc = ism_cmd(dev, ISM_CMD_REG_IEQ, &req, sizeof(req), &resp,
		     sizeof(resp));
	if (rc < 0) {
		ISM_ERR("%s: REG_IEQ failed: %s", t->name, strerror(-rc));
		if (reg_refused(dev)) {
			t->ops->dma_free(t, &dev->ieq_dma);
			return rc;
		}
	}
	dev->ieq = dev->ieq_dma.addr;
	return rc;
}

/*
 * UNREG_SBA or UNREG_IEQ of @dma. As Linux's unregister_sba and
 * unregister_ieq, the memory is ours again when the device answers 0 or
 * the generic 0xffff; on any other answer, or none, it may still write
 * there, and the memory is leaked rather than reused.
 */
static void
unreg_area(struct ism_dev *dev, unsigned int cmd, struct ism_dma *dma)
{
	unsigned int ret;

	cmd_no_body(dev, cmd);
	ret = dev->last_ret;
	if (ret == ISM_RET_OK || ret == ISM_RET_GENERIC) {
		dev->t->ops->dma_free(dev->t, dma);
		return;
	}
	ISM_ERR("%s: %s failed (ret 0x%04x, %s): leaking its %zu bytes, the device may still write them",
		dev->t->name, ism_cmd_name(cmd), ret, ism_ret_name(ret),
		dma->len);
}

/* Undo what open did, in reverse, tolerating a half-open device. */
static void
teardown(struct ism_dev *dev)
{
	struct ism_transport *t = dev->t;

	ism_dmb_release_all(dev);
	if (dev->ieq != NULL)
		unreg_area(dev, ISM_CMD_UNREG_IEQ, &dev->ieq_dma);
	if (dev->sba != NULL)
		unreg_area(dev, ISM_CMD_UNREG_SBA, &dev->sba_dma);
	t->ops->close(t);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

/*
 * QUERY_INFO for the log, as Linux's ism_dev_init calls query_info and
 * only logs the answer: its failure is a warning, not fatal. When it does
 * answer, its GID must be READ_GID's.
 */
static int
check_info(struct ism_dev *dev, struct ism_info *info)
{
	int rc = ism_query_info(dev, info);

	if (rc < 0) {
		ISM_WARN("%s: QUERY_INFO failed (%s); opening without it",
			 dev->t->name, strerror(-rc));
		memset(info, 0, sizeof(*info));
		return 0;
	}
	if (info->gid != dev->gid) {
		ISM_ERR("%s: QUERY_INFO gid %016llx differs from READ_GID %016llx",
			dev->t->name, (unsigned long long)info->gid,
			(unsigned long long)dev->gid);
		return -EPROTO;
	}
	return 0;
}

int
ism_dev_open(struct ism_transport *t, struct ism_dev **devp)
{
	struct ism_info info;
	struct ism_dev *dev;
	int rc;

	*devp = NULL;
	if (t->max_store == 0 || t->max_store > ISM_MAX_STORE) {
		ISM_ERR("%s: transport store limit %u is not in 1..%u", t->name,
			t->max_store, ISM_MAX_STORE);
		t->ops->close(t);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		t->ops->close(t);
		return -ENOMEM;
	}
	dev->t = t;
	pthread_mutex_init(&dev->lock, NULL);

	rc = reg_sba_ieq(dev);
	if (rc == 0)
		rc = read_gid(dev);
	if (rc == 0)
		rc = check_info(dev, &info);
	if (rc < 0) {
		teardown(dev);
		return rc;
	}
	ISM_INFO("%s: open, gid %016llx, version %u", t->name,
		 (unsigned long long)dev->gid, info.version);
	*devp = dev;
	return 0;
}

void
ism_dev_close(struct ism_dev *dev)
{
	if (dev != NULL)
		teardown(dev);
}

uint64_t
ism_dev_gid(const struct ism_dev *dev)
{
	return dev->gid;
}

struct ism_transport *
ism_dev_transport(const struct ism_dev *dev)
{
	return dev->t;
}

const char *
ism_dev_name(const struct ism_dev *dev)
{
	return dev->t->name;
}

unsigned int
ism_last_ret(const struct ism_dev *dev)
{
	return dev->last_ret;
}

void
ism_dev_stats(const struct ism_dev *dev, struct ism_dev_stats *stats)
{
	*stats = dev->stats;
	stats->ieq_overruns = dev->ieq != NULL ?
		ism_cpu64(dev->ieq->hdr.reserved) : 0;
}

int
ism_query_info(struct ism_dev *dev, struct ism_info *info)
{
	struct ism_req_hdr req;
	struct ism_resp_query_info r;
	int rc;

	rc = ism_cmd(dev, ISM_CMD_QUERY_INFO, &req, sizeof(req), &r, sizeof(r));
	if (rc < 0)
		return rc;
	memset(info, 0, sizeof(*info));
	info->version = ism_cpu32(r.version);
	info->max_len = ism_cpu32(r.max_len);
	info->state = ism_cpu64(r.state);
	info->gid = ism_cpu64(r.my_gid);
	info->sba = ism_cpu64(r.sba);
	info->ieq = ism_cpu64(r.ieq);
	info->ieq_len = ism_cpu32(r.ieq_len);
	info->dmbs_owned = ism_cpu32(r.dmbs_owned);
	info->dmbs_used = ism_cpu32(r.dmbs_used);
	info->vlan_required = ism_cpu32(r.vlan_required);
	info->vlan_nr_ids = ism_cpu32(r.vlan_nr_ids);
	if (info->vlan_nr_ids > ISM_MAX_VLAN_IDS)
		return -EPROTO;
	for (uint32_t i = 0; i < info->vlan_nr_ids; i++)
		info->vlan_id[i] = ism_cpu16(r.vlan_id[i]);
	return 0;
}

int
ism_query_rgid(struct ism_dev *dev, uint64_t rgid, bool vlan_valid,
	       uint16_t vlan_id)
{
	struct ism_req_query_rgid req = {
		.rgid = ism_be64(rgid),
		.vlan_valid = ism_be32(vlan_valid),
		.vlan_id = ism_be32(vlan_id),
	};
	struct ism_resp_hdr resp;

	return ism_cmd(dev, ISM_CMD_QUERY_RGID, &req, sizeof(req), &resp,
		       sizeof(resp));
}

int
ism_rgid_reachable(struct ism_dev *dev, uint64_t rgid, bool vlan_valid,
		   uint16_t vlan_id, bool *reachable)
{
	struct ism_req_query_rgid req = {
		.rgid = ism_be64(rgid),
		.vlan_valid = ism_be32(vlan_valid),
		.vlan_id = ism_be32(vlan_id),
	};
	struct ism_resp_hdr resp;
	unsigned int ret;
	int rc;

	/* the answer is taken under the lock: no other command replaces it */
	pthread_mutex_lock(&dev->lock);
	rc = ism_cmd_locked(dev, ISM_CMD_QUERY_RGID, &req, sizeof(req), &resp,
			    sizeof(resp));
	ret = dev->last_ret;
	pthread_mutex_unlock(&dev->lock);
	if (ret == ISM_RET_NO_ANSWER)
		return rc;
	/* any refusal means "not reachable", whatever its code says */
	*reachable = ret == ISM_RET_OK;
	return 0;
}

int
ism_vlan_add(struct ism_dev *dev, uint16_t vlan_id)
{
	return ism_cmd_u64(dev, ISM_CMD_ADD_VLAN_ID, vlan_id);
}

int
ism_vlan_del(struct ism_dev *dev, uint16_t vlan_id)
{
	return ism_cmd_u64(dev, ISM_CMD_DEL_VLAN_ID, vlan_id);
}

int
ism_vlan_set(struct ism_dev *dev)
{
	return cmd_no_body(dev, ISM_CMD_SET_VLAN);
}

int
ism_vlan_reset(struct ism_dev *dev)
{
	return cmd_no_body(dev, ISM_CMD_RESET_VLAN);
}

int
ism_signal(struct ism_dev *dev, uint64_t rgid, uint32_t code, uint64_t info,
	   bool trigger_irq)
{
	struct ism_req_signal_ieq req = {
		.rgid = ism_be64(rgid),
		.trigger_irq = ism_be32(trigger_irq),
		.event_code = ism_be32(code),
		.info = ism_be64(info),
	};
	struct ism_resp_hdr resp;

	return ism_cmd(dev, ISM_CMD_SIGNAL_IEQ, &req, sizeof(req), &resp,
		       sizeof(resp));
}

int
ism_irq_fd(const struct ism_dev *dev)
{
	return dev->t->ops->irq_fd(dev->t);
}

void
ism_irq_ack(struct ism_dev *dev)
{
	dev->t->ops->irq_ack(dev->t);
}

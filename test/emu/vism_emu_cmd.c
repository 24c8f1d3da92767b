/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command area (BAR 2) of an emulated device, with an IOMMU between the
 * bus and the model. The bus hands the device IOVAs of EAL memory; the
 * model only knows addresses in its fabric heap. So when a command carries
 * a DMA address (REG_SBA, REG_IEQ, REG_DMB), the emulation translates the
 * IOVA through the container's mappings, makes that memory shared with the
 * model (vism_emu_window.c) and passes the model its own address; the
 * window closes again on UNREG_* (or when the device fd is closed). The
 * model's QUERY_INFO answer is translated back, so the bus sees only its
 * own IOVAs. An IOVA that is not mapped is answered with BAD_ADDR, as the
 * model answers a DMA address the function does not own.
 */
#include <errno.h>
#include <string.h>

#include "vism_be.h"
#include "vism_emu_priv.h"

/* The response header as the model wrote it. */
static int
model_ret(struct emu_dev *d, unsigned int *ret)
{
	uint8_t hdr[8];
	int rc = d->mt->ops->read(d->mt, ISM_BAR_CMD, 0, hdr, sizeof(hdr));

	if (rc < 0)
		return rc;
	*ret = vism_get_be16(hdr + 4);
	return 0;
}

/* Answer a command without the model (the IOMMU refused its address). */
static void
synth_ret(struct emu_dev *d, uint32_t cmd, uint16_t ret)
{
	uint8_t *h = d->ov;

	vism_put_be32(h, cmd);
	vism_put_be16(h + 4, ret);
	vism_put_be16(h + 6, sizeof(struct ism_resp_hdr));
	d->ov_lo = 0;
	d->ov_hi = sizeof(struct ism_resp_hdr);
}

/* Run the request with the body the model should see. */
static int
run(struct emu_dev *d, const uint8_t *body, const void *hdr, unsigned int *ret)
{
	int rc;

	if (body != NULL && d->body_len > 0) {
		rc = d->mt->ops->write(d->mt, ISM_BAR_CMD, ISM_CMD_BODY_OFFSET,
				       body, d->body_len);
		if (rc < 0)
			return rc;
	}
	rc = d->mt->ops->write(d->mt, ISM_BAR_CMD, 0, hdr,
			       sizeof(struct ism_req_hdr));
	if (rc < 0)
		return rc;
	return model_ret(d, ret);
}

/* A command whose first body field is a DMA address of @len bytes. */
static int
reg_dma(struct emu_dev *d, uint32_t cmd, int kind, uint64_t len,
	const void *hdr)
{
	uint8_t body[ISM_CMD_AREA_SIZE];
	uint64_t iova, model_iova;
	unsigned int ret;
	int rc;

	if (d->body_len < 8)
		return run(d, NULL, hdr, &ret);
	iova = vism_get_be64(d->body);
	if (kind == WIN_DMB && len > 0 &&
	    iova / ISM_DMB_BOUNDARY != (iova + len - 1) / ISM_DMB_BOUNDARY) {
		/* the device rule, checked on the address the device got */
		synth_ret(d, cmd, ISM_RET_BAD_ADDR);
		return 0;
	}
	if (emu_window_open(d, kind, iova, len, &model_iova) < 0) {
		synth_ret(d, cmd, ISM_RET_BAD_ADDR);
		return 0;
	}
	memcpy(body, d->body, d->body_len);
	vism_put_be64(body, model_iova);
	rc = run(d, body, hdr, &ret);
	if (rc < 0 || ret != ISM_RET_OK) {
		emu_window_close(d, kind, iova);
		return rc;
	}
	if (kind == WIN_DMB) {
		uint8_t tok[8];

		rc = d->mt->ops->read(d->mt, ISM_BAR_CMD,
				      sizeof(struct ism_resp_hdr), tok, 8);
		if (rc == 0)
			emu_window_set_tok(d, kind, iova, vism_get_be64(tok));
	}
	return rc;
}

/* QUERY_INFO reports the model's addresses: show the bus its IOVAs. */
static void
fix_query_info(struct emu_dev *d)
{
	const size_t lo = offsetof(struct ism_resp_query_info, sba);
	const size_t hi = offsetof(struct ism_resp_query_info, ieq) + 8;
	uint8_t v[8];

	for (size_t off = lo; off < hi; off += 8) {
		if (d->mt->ops->read(d->mt, ISM_BAR_CMD, off, v, 8) < 0)
			return;
		vism_put_be64(d->ov + off, emu_window_bus_iova(d,
			 off == lo ? WIN_SBA : WIN_IEQ, vism_get_be64(v)));
	}
	d->ov_lo = (unsigned int)lo;
	d->ov_hi = (unsigned int)hi;
}

static int
execute(struct emu_dev *d, const void *hdr)
{
	const uint8_t *h = hdr;
	uint32_t cmd = vism_get_be32(h);
	unsigned int ret;
	uint64_t arg;
	int rc;

	d->ov_lo = d->ov_hi = 0;
	switch (cmd) {
	case ISM_CMD_REG_SBA:
		return reg_dma(d, cmd, WIN_SBA, sizeof(struct ism_sba), hdr);
	case ISM_CMD_REG_IEQ:
		return reg_dma(d, cmd, WIN_IEQ,
			       d->body_len >= 16 ? vism_get_be64(d->body + 8) : 0, hdr);
	case ISM_CMD_REG_DMB:
		return reg_dma(d, cmd, WIN_DMB,
			       d->body_len >= 12 ? vism_get_be32(d->body + 8) : 0, hdr);
	case ISM_CMD_UNREG_DMB:
		arg = d->body_len >= 8 ? vism_get_be64(d->body) : 0;
		rc = run(d, NULL, hdr, &ret);
		if (rc == 0 && ret == ISM_RET_OK)
			emu_window_close(d, WIN_DMB, arg);
		return rc;
	case ISM_CMD_UNREG_SBA:
	case ISM_CMD_UNREG_IEQ:
		rc = run(d, NULL, hdr, &ret);
		if (rc == 0 && ret == ISM_RET_OK)
			emu_window_close(d, cmd == ISM_CMD_UNREG_SBA ? WIN_SBA :
					 WIN_IEQ, 0);
		return rc;
	case ISM_CMD_QUERY_INFO:
		rc = run(d, NULL, hdr, &ret);
		if (rc == 0 && ret == ISM_RET_OK)
			fix_query_info(d);
		return rc;
	default:
		return run(d, NULL, hdr, &ret);
	}
}

int
emu_cmd_store(struct emu_dev *d, uint64_t off, const void *buf, size_t len)
{
	if (off == ISM_CMD_BODY_OFFSET && len <= sizeof(d->body)) {
		memcpy(d->body, buf, len);
		d->body_len = len;
	} else if (off == 0 && len == sizeof(struct ism_req_hdr)) {
		return execute(d, buf);
	}
	return d->mt->ops->write(d->mt, ISM_BAR_CMD, off, buf, len);
}

int
emu_cmd_load(struct emu_dev *d, uint64_t off, void *buf, size_t len)
{
	int rc = d->mt->ops->read(d->mt, ISM_BAR_CMD, off, buf, len);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		if (off + i >= d->ov_lo && off + i < d->ov_hi)
			((uint8_t *)buf)[i] = d->ov[off + i];
	return 0;
}

void
emu_cmd_close(struct emu_dev *d)
{
	emu_window_close_all(d);
}

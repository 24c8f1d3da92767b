/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command channel: one command in flight per function. The body goes to
 * BAR-2 offset 8 in one store, then the 8-byte header at offset 0 starts
 * execution; the response is read back with 8-byte loads from offset 0.
 */
#include <errno.h>
#include <string.h>

#include "ism_private.h"

/* Read @len bytes of the command area from @start with 8-byte loads. */
static int
cmd_read(struct ism_dev *dev, size_t start, void *buf, size_t len)
{
	struct ism_transport *t = dev->t;
	uint8_t *p = buf;
	int rc;

	for (size_t off = 0; off < len; off += ISM_MAX_LOAD) {
		size_t n = len - off < ISM_MAX_LOAD ? len - off : ISM_MAX_LOAD;

		rc = t->ops->read(t, ISM_BAR_CMD, start + off, p + off, n);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * What a response holds before the device answered, as Linux's ism_cmd
 * presets it: ret GENERIC, so that an answer never read is never taken for
 * success, and a zero body, so that bytes the device did not send are 0.
 */
static void
preset_resp(struct ism_resp_hdr *rs, size_t resp_len, unsigned int cmd)
{
	memset(rs, 0, resp_len);
	rs->cmd = ism_be32(cmd);
	rs->ret = ism_be16(ISM_RET_GENERIC);
}

/*
 * Bytes of body to read after a successful answer: as many as the header
 * says (its len counts the header), as Linux's ism_cmd reads resp->len -
 * sizeof(*resp), but no more than the caller's buffer holds. -EPROTO for
 * a length no response can have.
 */
static long
resp_body_len(struct ism_dev *dev, unsigned int cmd,
	      const struct ism_resp_hdr *rs, size_t resp_len)
{
	size_t len = ism_cpu16(rs->len);

	if (len < sizeof(*rs) || len > ISM_CMD_AREA_SIZE) {
		ISM_ERR("%s: %s: response length %zu outside %zu..%d (%zu expected): protocol error",
			dev->t->name, ism_cmd_name(cmd), len, sizeof(*rs),
			ISM_CMD_AREA_SIZE, resp_len);
		return -EPROTO;
	}
	if (len != resp_len)
		ISM_DEBUG("%s: %s: response of %zu bytes, %zu expected",
			  dev->t->name, ism_cmd_name(cmd), len, resp_len);
	if (len > resp_len)
		len = resp_len;
	return (long)(len - sizeof(*rs));
}

int
ism_cmd_locked(struct ism_dev *dev, unsigned int cmd, void *req,
	       size_t req_len, void *resp, size_t resp_len)
{
	struct ism_transport *t = dev->t;
	struct ism_req_hdr *rq = req;
	struct ism_resp_hdr *rs = resp;
	unsigned int ret;
	long body;
	int rc;

	rq->cmd = ism_be32(cmd);
	rq->reserved = ism_be16(0);
	rq->len = ism_be16((uint16_t)req_len);
	preset_resp(rs, resp_len, cmd);
	dev->last_ret = ISM_RET_NO_ANSWER;
	dev->stats.commands++;

	if (req_len > sizeof(*rq)) {
		rc = t->ops->write(t, ISM_BAR_CMD, ISM_CMD_BODY_OFFSET,
				   rq + 1, req_len - sizeof(*rq));
		if (rc < 0)
			goto io_error;
	}
	rc = t->ops->write(t, ISM_BAR_CMD, 0, rq, sizeof(*rq));
	if (rc < 0)
		goto io_error;
	rc = cmd_read(dev, 0, rs, sizeof(*rs));
	if (rc < 0)
		goto io_error;

	ret = ism_cpu16(rs->ret);
	dev->last_ret = ret;
	if (ret != ISM_RET_OK) {
		dev->stats.command_errors++;
		rc = ism_ret_to_errno(ret);
		ISM_DEBUG("%s: %s refused: ret 0x%04x (%s): %s", t->name,
			  ism_cmd_name(cmd), ret, ism_ret_name(ret),
			  strerror(-rc));
		return rc;
	}
	body = resp_body_len(dev, cmd, rs, resp_len);
	if (body < 0) {
		dev->stats.command_errors++;
		return (int)body;
	}
	rc = cmd_read(dev, sizeof(*rs), rs + 1, (size_t)body);
	if (rc < 0)
		goto io_error;
	return 0;

io_error:
	preset_resp(rs, resp_len, cmd);
	dev->stats.command_errors++;
	ISM_ERR("%s: %s: transport error: %s", t->name, ism_cmd_name(cmd),
		strerror(-rc));
	return rc;
}

int
ism_cmd(struct ism_dev *dev, unsigned int cmd, void *req, size_t req_len,
	void *resp, size_t resp_len)
{
	int rc;

	pthread_mutex_lock(&dev->lock);
	rc = ism_cmd_locked(dev, cmd, req, req_len, resp, resp_len);
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

int
ism_cmd_u64(struct ism_dev *dev, unsigned int cmd, uint64_t value)
{
	struct ism_req_u64 req = { .value = ism_be64(value) };
	struct ism_resp_hdr resp;

	return ism_cmd(dev, cmd, &req, sizeof(req), &resp, sizeof(resp));
}

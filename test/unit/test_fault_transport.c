/* SPDX-License-Identifier: BSD-3-Clause */
/* The fault transport of test_fault_transport.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fault_transport.h"
#include "test_util.h"

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void
xor_be64(uint8_t *area, size_t area_len, unsigned int off, uint64_t mask)
{
	if (off + 8 <= area_len)
		put_be64(area + off, get_be64(area + off) ^ mask);
}

/* The next rule from *@i on for @cmd and @action that still applies, used
 * up by one; NULL when there is none. */
static struct tf_rule *
take_rule(struct tf *f, unsigned int cmd, enum tf_action action, int *i)
{
	for (; *i < f->nr_rules; (*i)++) {
		struct tf_rule *r = &f->rules[*i];

		if (r->cmd != cmd || r->action != action || r->times == 0)
			continue;
		if (r->skip > 0) {
			r->skip--;
			continue;
		}
		if (r->times > 0)
			r->times--;
		(*i)++;
		return r;
	}
	return NULL;
}

static struct tf_rule *
first_rule(struct tf *f, unsigned int cmd, enum tf_action action)
{
	int i = 0;

	return take_rule(f, cmd, action, &i);
}

/* Copy the model's answer into f->resp, then rewrite it. */
static int
fetch_answer(struct tf *f, unsigned int cmd)
{
	struct tf_rule *r;
	int i = 0, rc;

	for (size_t off = 0; off < sizeof(f->resp); off += 8) {
		rc = f->inner->ops->read(f->inner, ISM_BAR_CMD, off,
					 f->resp + off, 8);
		if (rc < 0)
			return rc;
	}
	if ((r = first_rule(f, cmd, TF_RET)) != NULL) {
		f->resp[4] = (uint8_t)(r->value >> 8);
		f->resp[5] = (uint8_t)r->value;
	}
	if ((r = first_rule(f, cmd, TF_LEN)) != NULL) {
		f->resp[6] = (uint8_t)(r->value >> 8);
		f->resp[7] = (uint8_t)r->value;
	}
	while ((r = take_rule(f, cmd, TF_RESP_XOR, &i)) != NULL)
		xor_be64(f->resp, sizeof(f->resp), r->off, r->value);
	if ((r = first_rule(f, cmd, TF_FAIL_READ)) != NULL)
		f->read_errno = (int)r->value;
	return 0;
}

/* The header store: count, record, rewrite, execute (or fail). */
static int
run_command(struct tf *f, const void *hdr)
{
	const uint8_t *h = hdr;
	unsigned int cmd = (unsigned int)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
	size_t body_len = f->body_len;
	struct tf_rule *r;
	int i = 0, rc;

	f->body_len = 0;
	f->read_errno = 0;
	if (cmd < TF_MAX_CMD) {
		f->issued[cmd]++;
		memset(f->last_req[cmd], 0, TF_REQ_MAX);
		memcpy(f->last_req[cmd], f->body,
		       body_len < TF_REQ_MAX ? body_len : TF_REQ_MAX);
	}
	while ((r = take_rule(f, cmd, TF_REQ_XOR, &i)) != NULL)
		if (r->off >= 8)
			xor_be64(f->body, body_len, r->off - 8, r->value);
	if ((r = first_rule(f, cmd, TF_FAIL_STORE)) != NULL)
		return -(int)r->value;
	if (body_len > 0) {
		rc = f->inner->ops->write(f->inner, ISM_BAR_CMD, 8, f->body,
					  body_len);
		if (rc < 0)
			return rc;
	}
	rc = f->inner->ops->write(f->inner, ISM_BAR_CMD, 0, hdr, 8);
	if (rc < 0)
		return rc;
	return fetch_answer(f, cmd);
}

static int
tf_write(struct ism_transport *t, unsigned int bar, uint64_t off,
	 const void *buf, size_t len)
{
	struct tf *f = (struct tf *)t;

	if (bar == ISM_BAR_CMD && off == 8 && len > 0 && len <= sizeof(f->body) - 8) {
		memcpy(f->body, buf, len);
		f->body_len = len;
		return 0;
	}
	if (bar == ISM_BAR_CMD && off == 0 && len == 8)
		return run_command(f, buf);
	return f->inner->ops->write(f->inner, bar, off, buf, len);
}

static int
tf_writev(struct ism_transport *t, unsigned int bar, uint64_t off,
	  const struct iovec *iov, int iovcnt, size_t skip, size_t len)
{
	struct tf *f = (struct tf *)t;

	return f->inner->ops->writev(f->inner, bar, off, iov, iovcnt, skip, len);
}

/* Loads of the answer follow the model's rules, from the rewritten copy. */
static int
tf_read(struct ism_transport *t, unsigned int bar, uint64_t off, void *buf,
	size_t len)
{
	struct tf *f = (struct tf *)t;

	if (bar != ISM_BAR_CMD)
		return f->inner->ops->read(f->inner, bar, off, buf, len);
	if (f->read_errno > 0)
		return -f->read_errno;
	if (len > 8 || off >= sizeof(f->resp) || len > sizeof(f->resp) - off)
		return -EINVAL;
	memcpy(buf, f->resp + off, len);
	return 0;
}

static int
tf_dma_alloc(struct ism_transport *t, size_t len, size_t align,
	     struct ism_dma *dma)
{
	struct tf *f = (struct tf *)t;

	return f->inner->ops->dma_alloc(f->inner, len, align, dma);
}

static void
tf_dma_free(struct ism_transport *t, struct ism_dma *dma)
{
	struct tf *f = (struct tf *)t;

	f->dma_frees++;
	f->inner->ops->dma_free(f->inner, dma);
}

static int
tf_irq_fd(struct ism_transport *t)
{
	struct tf *f = (struct tf *)t;

	return f->inner->ops->irq_fd(f->inner);
}

static void
tf_irq_ack(struct ism_transport *t)
{
	struct tf *f = (struct tf *)t;

	f->inner->ops->irq_ack(f->inner);
}

static void
tf_close(struct ism_transport *t)
{
	struct tf *f = (struct tf *)t;

	f->inner->ops->close(f->inner);
	f->closed = true;
}

static const struct ism_transport_ops tf_ops = {
	.write = tf_write,
	.read = tf_read,
	.dma_alloc = tf_dma_alloc,
	.dma_free = tf_dma_free,
	.irq_fd = tf_irq_fd,
	.irq_ack = tf_irq_ack,
	.close = tf_close,
	.writev = tf_writev,
};

struct tf *
tf_attach(const char *fabric)
{
	struct tf *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL)
		exit(99);
	rc = ism_model_attach(fabric, NULL, &f->inner);
	if (rc < 0) {
		fprintf(stderr, "cannot attach to fabric %s: %s\n", fabric,
			strerror(-rc));
		exit(99);
	}
	f->base.ops = &tf_ops;
	f->base.name = "fault";
	f->base.max_store = f->inner->max_store;
	return f;
}

void
tf_rule(struct tf *f, unsigned int cmd, enum tf_action action, uint64_t value,
	unsigned int off, int times)
{
	tf_add(f, (struct tf_rule){ .cmd = cmd, .action = action,
				    .value = value, .off = off,
				    .times = times });
}

void
tf_add(struct tf *f, struct tf_rule rule)
{
	int i = 0;

	while (i < f->nr_rules && f->rules[i].times != 0)
		i++;	/* a used-up rule's place is free */
	if (i == TF_MAX_RULES) {
		fprintf(stderr, "fault transport: more than %d rules\n",
			TF_MAX_RULES);
		exit(99);
	}
	if (i == f->nr_rules)
		f->nr_rules++;
	f->rules[i] = rule;
}

void
tf_clear_rules(struct tf *f)
{
	f->nr_rules = 0;
}

uint64_t
tf_last_req_u64(const struct tf *f, unsigned int cmd, unsigned int off)
{
	if (cmd >= TF_MAX_CMD || off < 8 || off - 8 + 8 > TF_REQ_MAX)
		return 0;
	return get_be64(f->last_req[cmd] + off - 8);
}

void
tf_free(struct tf *f)
{
	if (f != NULL && !f->closed)
		f->inner->ops->close(f->inner);
	free(f);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_FAULT_TRANSPORT_H
#define TEST_FAULT_TRANSPORT_H

/*
 * A transport in front of a model function that makes the device answer
 * what the model never answers: a command that fails in the transport, a
 * response with another return code or length, a body with other bytes.
 * It counts the commands lib/ism issues by code and keeps the last request
 * body of each, as lib/ism sent it, and counts the DMA blocks freed.
 *
 * It buffers the body store of a command and hands body and header to the
 * model together, so a command whose header store it fails leaves nothing
 * behind in the model. The response is copied from the model after every
 * command and served from that copy, rewritten as the rules say.
 */

#include <stdbool.h>
#include <stdint.h>

#include "ism.h"

#define TF_MAX_RULES	8
#define TF_MAX_CMD	0x20	/* command codes counted: 0 .. TF_MAX_CMD - 1 */
#define TF_REQ_MAX	64	/* request body bytes kept per command */

enum tf_action {
	TF_FAIL_STORE,	/* the header store fails with -value; nothing executes */
	TF_FAIL_READ,	/* the command executes, every load of its answer fails */
	TF_RET,		/* the response header says ret = value */
	TF_LEN,		/* the response header says len = value */
	TF_RESP_XOR,	/* XOR value into the big-endian u64 at response offset off */
	TF_REQ_XOR,	/* XOR value into the big-endian u64 at request offset off */
};

struct tf_rule {
	unsigned int cmd;	/* the command code it applies to */
	enum tf_action action;
	uint64_t value;
	unsigned int off;	/* command-area offset (>= 8) for the XORs */
	int skip;		/* matching commands to let pass first */
	int times;		/* commands it still applies to; < 0: all */
};

struct tf {
	struct ism_transport base;	/* first: the transport handed out */
	struct ism_transport *inner;
	struct tf_rule rules[TF_MAX_RULES];
	int nr_rules;
	unsigned int issued[TF_MAX_CMD];	/* header stores, by code */
	uint8_t last_req[TF_MAX_CMD][TF_REQ_MAX];	/* body as lib/ism sent it */
	uint8_t body[4096];		/* buffered body store */
	size_t body_len;
	uint8_t resp[4096];		/* the answer lib/ism reads */
	int read_errno;			/* > 0: loads fail until the next command */
	unsigned int dma_frees;		/* dma_free() calls */
	bool closed;
};

/* Attach a function to @fabric and wrap it; aborts the test on failure.
 * Add rules, then ism_dev_open(&f->base, ...). */
struct tf *tf_attach(const char *fabric);
/* Add a rule, e.g. tf_add(f, (struct tf_rule){ .cmd = ..., .skip = 1 }). */
void tf_add(struct tf *f, struct tf_rule rule);
/* Apply @action to the next @times commands @cmd (times < 0: all of them). */
void tf_rule(struct tf *f, unsigned int cmd, enum tf_action action,
	     uint64_t value, unsigned int off, int times);
void tf_clear_rules(struct tf *f);
/* The big-endian u64 at command-area offset @off (>= 8) of the last
 * request @cmd, as lib/ism stored it. */
uint64_t tf_last_req_u64(const struct tf *f, unsigned int cmd, unsigned int off);
/* Free the wrapper after ism_dev_close() (or a failed ism_dev_open()). */
void tf_free(struct tf *f);

#endif /* TEST_FAULT_TRANSPORT_H */

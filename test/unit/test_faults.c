/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answers the model never gives, through the fault transport: what lib/ism
 * does when a device reports another response length, refuses with the
 * generic or an unknown code, returns a token it cannot use, or when the
 * transport fails. The rules followed are those of Linux's ism driver.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ism_private.h"
#include "test_fault_transport.h"
#include "test_util.h"

#define FABRIC "faults"

static struct ism_dev *peer;	/* a plain model function */

/* Library messages, kept so that a check can ask whether one was logged. */
static char log_text[16384];

static void
log_keep(int level, const char *msg)
{
	size_t used = strlen(log_text);

	snprintf(log_text + used, sizeof(log_text) - used, "%d %s\n", level,
		 msg);
	if (level <= ISM_LOG_WARNING)
		check_diag("  log: %s", msg);
}

static bool
logged(const char *needle)
{
	return strstr(log_text, needle) != NULL;
}

static struct ism_dev *
open_faulty(struct tf **fp)
{
	struct tf *f = tf_attach(FABRIC);
	struct ism_dev *dev;

	if (ism_dev_open(&f->base, &dev) < 0) {
		fprintf(stderr, "cannot open a function through the fault transport\n");
		exit(99);
	}
	*fp = f;
	return dev;
}

static void
close_faulty(struct ism_dev *dev, struct tf *f)
{
	ism_dev_close(dev);
	tf_free(f);
}

/* The response body is as long as the response header says. */
static void
test_resp_len(void)
{
	struct {
		struct ism_resp_hdr hdr;
		uint8_t body[16];
	} r;
	struct ism_req_hdr req;
	struct ism_info info;
	struct tf *f;
	struct ism_dev *dev = open_faulty(&f);
	uint64_t gid = ism_dev_gid(dev);
	bool zero = true;
	ism_be64_t be;
	int rc;

	/* shorter than the caller expects: the rest reads as zero */
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_LEN, 8 + 16, 0, 1);
	CHECK_EQ(ism_query_info(dev, &info), 0, "QUERY_INFO answered with 16 body bytes");
	CHECK(info.version == 1 && info.max_len == ISM_DMB_MAX_LEN && info.state == 1,
	      "the fields sent are read");
	CHECK(info.gid == 0 && info.sba == 0 && info.ieq == 0 && info.ieq_len == 0,
	      "the fields not sent read as zero (gid %016llx, sba %llx)",
	      (unsigned long long)info.gid, (unsigned long long)info.sba);

	memset(&r, 0xa5, sizeof(r));
	tf_rule(f, ISM_CMD_READ_GID, TF_LEN, 8 + 4, 0, 1);
	rc = ism_cmd(dev, ISM_CMD_READ_GID, &req, sizeof(req), &r, sizeof(r));
	CHECK_EQ(rc, 0, "READ_GID answered with 4 body bytes");
	for (size_t i = 4; i < sizeof(r.body); i++)
		zero &= r.body[i] == 0;
	CHECK(r.body[0] == (uint8_t)(gid >> 56) && r.body[3] == (uint8_t)(gid >> 32) &&
	      zero, "4 bytes read, the other 12 of the buffer zero");

	/* longer than the caller's buffer: only the buffer is filled */
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_LEN, ISM_CMD_AREA_SIZE, 0, 1);
	CHECK_EQ(ism_query_info(dev, &info), 0, "QUERY_INFO answered with 4088 body bytes");
	CHECK_EQ(info.gid, gid, "the buffer holds the answer");

	/* lengths no response can have */
	log_text[0] = '\0';
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_LEN, 4, 0, 1);
	CHECK_EQ(ism_query_info(dev, &info), -EPROTO, "response length 4 is a protocol error");
	CHECK(logged("QUERY_INFO: response length 4 outside 8..4096 (200 expected)"),
	      "logged with the length, the bounds and what was expected");
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_LEN, ISM_CMD_AREA_SIZE + 8, 0, 1);
	CHECK_EQ(ism_query_info(dev, &info), -EPROTO,
		 "response length beyond the command area is a protocol error");

	/* an answer that could not be read says GENERIC, never success */
	memset(&r, 0, sizeof(r));
	tf_rule(f, ISM_CMD_READ_GID, TF_FAIL_READ, EIO, 0, 1);
	rc = ism_cmd(dev, ISM_CMD_READ_GID, &req, sizeof(req), &r, sizeof(r));
	CHECK_EQ(rc, -EIO, "READ_GID whose answer cannot be loaded");
	CHECK_EQ(ism_cpu16(r.hdr.ret), ISM_RET_GENERIC, "the header left says GENERIC");
	CHECK_EQ(ism_cmd(dev, ISM_CMD_READ_GID, &req, sizeof(req), &r, sizeof(r)), 0,
		 "the next READ_GID is read in full");
	memcpy(&be, r.body, sizeof(be));
	CHECK_EQ(ism_cpu64(be), gid, "with the GID");
	close_faulty(dev, f);
}

static uint64_t
heap_used(void)
{
	struct ism_model_stat st;

	if (ism_model_stat(FABRIC, &st) < 0)
		return UINT64_MAX;
	return st.heap_pages_used;
}

/* A 16 KiB DMB on @dev that the plain function may write. */
static struct ism_dmb *
reg_dmb(struct ism_dev *dev)
{
	struct ism_dmb_params p = { .len = 16384, .rgid = ism_dev_gid(peer) };
	struct ism_dmb *d = NULL;

	CHECK_EQ(ism_dmb_register(dev, &p, &d), 0, "REG_DMB of 16 KiB");
	return d;
}

/* UNREG_DMB frees the DMB on 0 and on 0xffff only (ism_unregister_dmb). */
static void
test_unreg_dmb(void)
{
	struct tf *f;
	struct ism_dev *dev = open_faulty(&f);
	uint64_t before = heap_used(), with;
	struct ism_dmb *d = reg_dmb(dev);
	unsigned int idx = d->sba_idx, n;

	with = heap_used();
	CHECK(with > before, "the DMB takes heap pages");
	/* the device dropped it, and answers the generic error */
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_RET, ISM_RET_GENERIC, 0, 1);
	CHECK_EQ(ism_dmb_unregister(dev, d), 0, "UNREG_DMB answered 0xffff: released");
	CHECK(ism_dmb_by_sba_idx(dev, idx) == NULL, "its SBA index is free again");
	CHECK_EQ(heap_used(), before, "its memory is freed");

	/* a model code: the model does not know the token it was sent */
	d = reg_dmb(dev);
	CHECK_EQ(d->sba_idx, idx, "the freed SBA index is used again");
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_REQ_XOR, 1, 8, 1);
	CHECK_EQ(ism_dmb_unregister(dev, d), -ENOENT, "UNREG_DMB answered NO_DMB");
	CHECK(ism_dmb_by_sba_idx(dev, idx) == d, "the DMB stays registered");
	CHECK_EQ(heap_used(), with, "its memory is kept");
	/* a code no table knows */
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_REQ_XOR, 1, 8, 1);
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_RET, 0x1234, 0, 1);
	CHECK_EQ(ism_dmb_unregister(dev, d), -EIO, "UNREG_DMB answered 0x1234");
	CHECK(ism_dmb_by_sba_idx(dev, idx) == d && heap_used() == with,
	      "the DMB stays, its memory kept");
	/* no answer: the header store failed */
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_FAIL_STORE, EIO, 0, 1);
	CHECK_EQ(ism_dmb_unregister(dev, d), -EIO, "UNREG_DMB that never reached the device");
	CHECK_EQ(ism_last_ret(dev), ISM_RET_NO_ANSWER, "the last command got no answer");
	CHECK(ism_dmb_by_sba_idx(dev, idx) == d && heap_used() == with,
	      "the DMB stays, its memory kept");
	CHECK_EQ(ism_dmb_unregister(dev, d), 0, "a later UNREG_DMB releases it");
	CHECK_EQ(heap_used(), before, "and frees its memory");

	/* ism_dmb_rebind's UNREG_DMB step follows the same rule */
	d = reg_dmb(dev);
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_RET, ISM_RET_GENERIC, 0, 1);
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(dev)), 0,
		 "rebind whose UNREG_DMB is answered 0xffff");
	CHECK(ism_tok_valid(d->tok) && d->rgid == ism_dev_gid(dev),
	      "registered again for the new writer");
	uint64_t tok = d->tok;

	n = f->issued[ISM_CMD_REG_DMB];
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_REQ_XOR, 1, 8, 1);
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(peer)), -ENOENT,
		 "rebind whose UNREG_DMB is answered NO_DMB");
	CHECK(d->tok == tok && d->rgid == ism_dev_gid(dev) &&
	      f->issued[ISM_CMD_REG_DMB] == n,
	      "the DMB keeps its token and writer, no REG_DMB issued");
	/* a rebind whose REG_DMB is refused leaves nothing on the device
	 * (the model is sent an rgid it does not know) */
	tf_rule(f, ISM_CMD_REG_DMB, TF_REQ_XOR, 0x100, 32, 1);
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(peer)), -EHOSTUNREACH,
		 "rebind whose REG_DMB is refused");
	CHECK_EQ(d->tok, 0, "the DMB is left unregistered");
	n = f->issued[ISM_CMD_UNREG_DMB];
	CHECK_EQ(ism_dmb_unregister(dev, d), 0, "unregistering it");
	CHECK_EQ(f->issued[ISM_CMD_UNREG_DMB], n, "issues no UNREG_DMB");
	CHECK_EQ(heap_used(), before, "and frees its memory");

	/* an answer lost after the device executed: kept, then leaked */
	d = reg_dmb(dev);
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_FAIL_READ, EIO, 0, 1);
	CHECK_EQ(ism_dmb_unregister(dev, d), -EIO, "UNREG_DMB whose answer is lost");
	CHECK(ism_dmb_by_sba_idx(dev, d->sba_idx) == d && heap_used() == with,
	      "the DMB is kept: nothing says the device let it go");
	n = f->issued[ISM_CMD_UNREG_DMB];
	log_text[0] = '\0';
	ism_dev_close(dev);
	CHECK_EQ(f->issued[ISM_CMD_UNREG_DMB], n + 1, "close tries UNREG_DMB again");
	CHECK(logged("leaking the 16384 bytes of DMB"),
	      "and logs the leak when the device answers NO_DMB");
	tf_free(f);
}

static uint32_t
dmbs_owned(struct ism_dev *dev)
{
	struct ism_info info;

	return ism_query_info(dev, &info) == 0 ? info.dmbs_owned : UINT32_MAX;
}

/* A token the library refuses is unregistered before its memory is freed
 * (the device owns the memory until then). */
static void
test_refused_token(void)
{
	struct ism_dmb_params p = { .len = 16384, .rgid = ism_dev_gid(peer) };
	uint64_t idle = heap_used(), before, refused;
	struct tf *f;
	struct ism_dev *dev = open_faulty(&f);
	struct ism_dmb *d = NULL, *held, *next;
	unsigned int n = f->issued[ISM_CMD_UNREG_DMB];

	before = heap_used();
	/* the token comes back with bit 0 set; the UNREG_DMB of it reaches
	 * the model as the token the model knows */
	tf_rule(f, ISM_CMD_REG_DMB, TF_RESP_XOR, 1, 8, 1);
	tf_rule(f, ISM_CMD_UNREG_DMB, TF_REQ_XOR, 1, 8, 1);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), -EPROTO,
		 "REG_DMB answered with a token whose low 32 bits are not zero");
	CHECK(d == NULL, "no DMB handed out");
	refused = tf_last_req_u64(f, ISM_CMD_UNREG_DMB, 8);
	CHECK(f->issued[ISM_CMD_UNREG_DMB] == n + 1 && (refused & 0xffffffff) == 1,
	      "the refused token %016llx was UNREG_DMB'd", (unsigned long long)refused);
	CHECK_EQ(dmbs_owned(dev), 0, "the device holds no DMB");
	CHECK_EQ(heap_used(), before, "then the memory was freed");
	CHECK(ism_dmb_by_sba_idx(dev, ISM_SBA_IDX_FIRST) == NULL, "and the SBA index");

	/* the UNREG_DMB of the refused token fails: the memory stays */
	tf_rule(f, ISM_CMD_REG_DMB, TF_RESP_XOR, 1, 8, 1);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), -EPROTO,
		 "a refused token the model does not know either");
	CHECK_EQ(dmbs_owned(dev), 1, "the device still holds the DMB");
	CHECK(heap_used() > before, "so its memory is not freed");
	held = ism_dmb_by_sba_idx(dev, ISM_SBA_IDX_FIRST);
	CHECK(held != NULL && held->tok == refused,
	      "it keeps its SBA index, under the refused token");
	next = reg_dmb(dev);
	CHECK(next != NULL && next->sba_idx == ISM_SBA_IDX_FIRST + 1,
	      "the next DMB gets the next SBA index");
	CHECK_EQ(ism_dmb_unregister(dev, next), 0, "which unregisters as usual");
	/* token 0 (an answer without body): nothing names the DMB any more */
	log_text[0] = '\0';
	tf_rule(f, ISM_CMD_REG_DMB, TF_LEN, 8, 0, 1);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), -EPROTO, "REG_DMB answered without a token");
	CHECK(logged("leaking the 16384 bytes of DMB 0000000000000000 (SBA index 33)"),
	      "its memory is leaked at once when UNREG_DMB of token 0 fails");
	next = reg_dmb(dev);
	CHECK(next != NULL && next->sba_idx == ISM_SBA_IDX_FIRST + 2,
	      "and its SBA index is not used again");
	ism_dmb_unregister(dev, next);
	n = f->issued[ISM_CMD_UNREG_DMB];
	log_text[0] = '\0';
	ism_dev_close(dev);
	CHECK(f->issued[ISM_CMD_UNREG_DMB] == n + 1 &&
	      tf_last_req_u64(f, ISM_CMD_UNREG_DMB, 8) == refused,
	      "close tries the refused token again");
	CHECK(logged("leaking the 16384 bytes of DMB"), "and logs the leak");
	tf_free(f);

	/* a rebind whose REG_DMB answers a refused token: the UNREG_DMB of
	 * the old token passes, the one of the refused token is rewritten */
	dev = open_faulty(&f);
	d = reg_dmb(dev);
	tf_rule(f, ISM_CMD_REG_DMB, TF_RESP_XOR, 1, 8, 1);
	tf_add(f, (struct tf_rule){ .cmd = ISM_CMD_UNREG_DMB, .action = TF_REQ_XOR,
				    .value = 1, .off = 8, .skip = 1, .times = 1 });
	n = f->issued[ISM_CMD_UNREG_DMB];
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(dev)), -EPROTO,
		 "rebind answered with a refused token");
	CHECK(f->issued[ISM_CMD_UNREG_DMB] == n + 2 &&
	      (tf_last_req_u64(f, ISM_CMD_UNREG_DMB, 8) & 0xffffffff) == 1,
	      "the refused token was UNREG_DMB'd");
	CHECK(d->tok == 0 && dmbs_owned(dev) == 0,
	      "the DMB is left unregistered, on the device too");
	tf_rule(f, ISM_CMD_REG_DMB, TF_RESP_XOR, 1, 8, 1);
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(dev)), -EPROTO,
		 "again, and the model does not know the refused token");
	CHECK(d->tok != 0 && (d->tok & 0xffffffff) == 1 && dmbs_owned(dev) == 1,
	      "the DMB keeps the refused token that names its registration");
	CHECK_EQ(ism_dmb_unregister(dev, d), -ENOENT, "unregistering it fails");
	CHECK(ism_dmb_by_sba_idx(dev, ISM_SBA_IDX_FIRST) == d, "so it stays");
	close_faulty(dev, f);
	CHECK_EQ(heap_used(), idle, "closed functions leave no heap pages");
}

/* QUERY_INFO on open is only logged, as in ism_dev_init; the GID check
 * applies when it answered. */
static void
test_open_query_info(void)
{
	struct ism_dev *dev = NULL;
	struct ism_info info;
	struct tf *f = tf_attach(FABRIC);

	log_text[0] = '\0';
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_RET, ISM_RET_GENERIC, 0, 1);
	CHECK_EQ(ism_dev_open(&f->base, &dev), 0, "open while QUERY_INFO answers 0xffff");
	CHECK(logged("4 fault: QUERY_INFO failed (Input/output error)"),
	      "a warning with the error");
	CHECK(dev != NULL && ism_dev_gid(dev) == ism_model_gid(f->inner),
	      "the GID comes from READ_GID");
	CHECK_EQ(ism_query_info(dev, &info), 0, "a later QUERY_INFO works");
	close_faulty(dev, f);

	f = tf_attach(FABRIC);
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_FAIL_STORE, EIO, 0, 1);
	CHECK_EQ(ism_dev_open(&f->base, &dev), 0, "open while QUERY_INFO gets no answer");
	close_faulty(dev, f);

	f = tf_attach(FABRIC);
	tf_rule(f, ISM_CMD_QUERY_INFO, TF_RESP_XOR, 0x100, 24, 1);
	CHECK_EQ(ism_dev_open(&f->base, &dev), -EPROTO,
		 "open fails when QUERY_INFO answers another GID than READ_GID");
	CHECK(f->closed, "and closed the transport");
	tf_free(f);
}

/* Any refusal of QUERY_RGID means "not reachable"; no answer means
 * nothing (what the silent-peer probe of net_ism decides on). */
static void
test_rgid_reachable(void)
{
	static const unsigned int refusals[] = {
		ISM_RET_GENERIC, ISM_RET_VLAN, ISM_RET_BAD_PARAM, 0x1234,
	};
	uint64_t live = ism_dev_gid(peer), unknown = live ^ 0x100;
	struct tf *f;
	struct ism_dev *dev = open_faulty(&f);
	bool reachable = false;
	int rc;

	CHECK(ism_rgid_reachable(dev, live, false, 0, &reachable) == 0 && reachable,
	      "a live function is reachable");
	reachable = true;
	CHECK(ism_rgid_reachable(dev, unknown, false, 0, &reachable) == 0 && !reachable,
	      "an unknown GID (NO_GID) is not");
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		reachable = true;
		tf_rule(f, ISM_CMD_QUERY_RGID, TF_RET, refusals[i], 0, 1);
		rc = ism_rgid_reachable(dev, live, false, 0, &reachable);
		CHECK(rc == 0 && !reachable,
		      "answered 0x%04x: not reachable, whatever the code (rc %d)",
		      refusals[i], rc);
	}
	reachable = true;
	tf_rule(f, ISM_CMD_QUERY_RGID, TF_FAIL_STORE, EIO, 0, 1);
	CHECK_EQ(ism_rgid_reachable(dev, unknown, false, 0, &reachable), -EIO,
		 "a failed store is no answer");
	CHECK(reachable && ism_last_ret(dev) == ISM_RET_NO_ANSWER,
	      "*reachable untouched, last_ret NO_ANSWER");
	reachable = true;
	tf_rule(f, ISM_CMD_QUERY_RGID, TF_FAIL_READ, EIO, 0, 1);
	CHECK_EQ(ism_rgid_reachable(dev, unknown, false, 0, &reachable), -EIO,
		 "an answer that cannot be loaded is no answer");
	CHECK(reachable, "*reachable untouched");
	CHECK_EQ(ism_query_rgid(dev, unknown, false, 0), -EHOSTUNREACH,
		 "ism_query_rgid still maps the model's code");
	close_faulty(dev, f);
}

/* SBA and IEQ memory is freed after UNREG_SBA / UNREG_IEQ answered 0 or
 * 0xffff only (unregister_sba, unregister_ieq), and at once after a
 * refused REG (register_sba, register_ieq). */
static void
test_sba_ieq_memory(void)
{
	struct ism_dev *dev;
	struct tf *f = tf_attach(FABRIC);

	CHECK_EQ(ism_dev_open(&f->base, &dev), 0, "open");
	ism_dev_close(dev);
	CHECK_EQ(f->dma_frees, 2, "a plain close frees IEQ and SBA");
	tf_free(f);

	f = tf_attach(FABRIC);
	CHECK_EQ(ism_dev_open(&f->base, &dev), 0, "open");
	log_text[0] = '\0';
	tf_rule(f, ISM_CMD_UNREG_IEQ, TF_RET, ISM_RET_GENERIC, 0, 1);
	tf_rule(f, ISM_CMD_UNREG_SBA, TF_RET, ISM_RET_BUSY, 0, 1);
	ism_dev_close(dev);
	CHECK_EQ(f->dma_frees, 1, "UNREG_IEQ answered 0xffff frees the IEQ, "
		 "UNREG_SBA answered BUSY does not free the SBA");
	CHECK(logged("UNREG_SBA failed (ret 0x0005, BUSY): leaking its 4096 bytes"),
	      "the leak is logged");
	tf_free(f);

	f = tf_attach(FABRIC);
	tf_rule(f, ISM_CMD_REG_SBA, TF_RET, ISM_RET_BAD_ADDR, 0, 1);
	CHECK_EQ(ism_dev_open(&f->base, &dev), -EFAULT, "open with REG_SBA refused");
	CHECK(f->dma_frees == 1 && f->issued[ISM_CMD_UNREG_SBA] == 0,
	      "the SBA is freed at once, nothing unregistered");
	tf_free(f);

	f = tf_attach(FABRIC);
	tf_rule(f, ISM_CMD_REG_IEQ, TF_FAIL_STORE, EIO, 0, 1);
	CHECK_EQ(ism_dev_open(&f->base, &dev), -EIO, "open with REG_IEQ unanswered");
	CHECK(f->issued[ISM_CMD_UNREG_IEQ] == 1 && f->issued[ISM_CMD_UNREG_SBA] == 1,
	      "the IEQ might be registered: UNREG_IEQ, then UNREG_SBA");
	CHECK_EQ(f->dma_frees, 1, "the SBA is freed, the IEQ the model never knew is leaked");
	tf_free(f);
}

/* A REG_DMB without an answer may have been executed, under a token
 * nobody knows: its memory and SBA index are never used again. */
static void
test_reg_dmb_no_answer(void)
{
	struct ism_dmb_params p = { .len = 16384, .rgid = ism_dev_gid(peer) };
	struct tf *f;
	struct ism_dev *dev = open_faulty(&f);
	uint64_t before = heap_used();
	struct ism_dmb *d = NULL, *next;

	log_text[0] = '\0';
	tf_rule(f, ISM_CMD_REG_DMB, TF_FAIL_READ, EIO, 0, 1);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), -EIO, "REG_DMB whose answer is lost");
	CHECK_EQ(dmbs_owned(dev), 1, "the model did register it");
	CHECK(heap_used() > before && logged("leaking the 16384 bytes of DMB 0000000000000000 (SBA index 32)"),
	      "so its memory is leaked, with a log line");
	tf_rule(f, ISM_CMD_REG_DMB, TF_FAIL_STORE, EIO, 0, 1);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), -EIO, "REG_DMB whose store fails");
	CHECK(logged("(SBA index 33)"), "leaked too: nothing says it was not executed");
	next = reg_dmb(dev);
	CHECK(next != NULL && next->sba_idx == ISM_SBA_IDX_FIRST + 2,
	      "neither SBA index is used again");
	ism_dmb_unregister(dev, next);

	/* rebind: the DMB stays, and is leaked when unregistered */
	d = reg_dmb(dev);
	tf_rule(f, ISM_CMD_REG_DMB, TF_FAIL_READ, EIO, 0, 1);
	CHECK_EQ(ism_dmb_rebind(dev, d, ism_dev_gid(dev)), -EIO,
		 "rebind whose REG_DMB answer is lost");
	CHECK(d->tok == 0 && dmbs_owned(dev) == 2, "no token, yet the model holds it");
	log_text[0] = '\0';
	CHECK_EQ(ism_dmb_unregister(dev, d), 0, "unregistering it");
	CHECK(logged("leaking the 16384 bytes of DMB 0000000000000000 (SBA index 34)"),
	      "leaks its memory instead of freeing it");
	close_faulty(dev, f);
}

int
main(void)
{
	tu_private_fabric_dir();
	ism_set_log_fn(log_keep);
	peer = tu_open(FABRIC);
	test_resp_len();
	test_unreg_dmb();
	test_refused_token();
	test_open_query_info();
	test_rgid_reachable();
	test_sba_ieq_memory();
	test_reg_dmb_no_answer();
	ism_dev_close(peer);
	return check_done();
}

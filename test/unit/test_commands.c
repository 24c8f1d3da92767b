/* SPDX-License-Identifier: BSD-3-Clause */
/* Every command through lib/ism against the model: success and each
 * documented error, with the errno and the raw device return code. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "ism_private.h"
#include "test_util.h"

#define FABRIC "commands"

/* Expect a failed command: errno and raw return code. */
#define CHECK_REFUSED(dev, rc, err, ret, what) do { \
	CHECK_EQ((rc), -(err), "%s: errno", what); \
	CHECK_EQ(ism_last_ret(dev), (ret), "%s: device code %s", what, #ret); \
} while (0)

static struct ism_dev *a, *b;

static void
test_open(void)
{
	struct ism_info info;

	CHECK(ism_dev_gid(a) != 0 && ism_dev_gid(b) != 0 &&
	      ism_dev_gid(a) != ism_dev_gid(b), "two functions, two GIDs");
	CHECK_EQ(ism_query_info(a, &info), 0, "QUERY_INFO");
	CHECK_EQ(info.gid, ism_dev_gid(a), "QUERY_INFO my_gid == READ_GID");
	CHECK(info.sba != 0 && info.ieq != 0, "SBA and IEQ registered on open");
	CHECK_EQ(info.ieq_len, sizeof(struct ism_ieq), "IEQ length");
	CHECK_EQ(info.max_len, ISM_DMB_MAX_LEN, "max DMB length");
	CHECK_EQ(info.dmbs_owned, 0, "no DMB yet");
}

static void
test_sba_ieq_busy(void)
{
	struct ism_req_reg_ieq req = { .ieq = ism_be64(a->ieq_dma.iova),
				       .len = ism_be64(sizeof(struct ism_ieq)) };
	struct ism_resp_hdr resp;
	int rc;

	rc = ism_cmd_u64(a, ISM_CMD_REG_SBA, a->sba_dma.iova);
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "REG_SBA twice");
	rc = ism_cmd(a, ISM_CMD_REG_IEQ, &req, sizeof(req), &resp, sizeof(resp));
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "REG_IEQ twice");
}

static void
test_vlan(void)
{
	struct ism_info info;
	int rc, i;

	CHECK_EQ(ism_vlan_add(a, 10), 0, "ADD_VLAN_ID 10");
	rc = ism_vlan_add(a, 10);
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "ADD_VLAN_ID 10 again");
	rc = ism_vlan_add(a, 4096);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "ADD_VLAN_ID 4096");
	for (i = 1; i < ISM_MAX_VLAN_IDS; i++)
		if (ism_vlan_add(a, (uint16_t)(100 + i)) < 0)
			break;
	CHECK_EQ(i, ISM_MAX_VLAN_IDS, "64 VLAN ids fit");
	rc = ism_vlan_add(a, 99);
	CHECK_REFUSED(a, rc, ENOSPC, ISM_RET_NO_SPACE, "65th VLAN id");
	CHECK_EQ(ism_query_info(a, &info), 0, "QUERY_INFO");
	CHECK_EQ(info.vlan_nr_ids, ISM_MAX_VLAN_IDS, "QUERY_INFO counts VLAN ids");
	CHECK_EQ(info.vlan_id[0], 10, "QUERY_INFO lists VLAN 10 first");
	for (i = 1; i < ISM_MAX_VLAN_IDS; i++)
		ism_vlan_del(a, (uint16_t)(100 + i));
	rc = ism_vlan_del(a, 11);
	CHECK_REFUSED(a, rc, ENOENT, ISM_RET_NO_VLAN, "DEL_VLAN_ID absent");
	rc = ism_vlan_del(a, 5000);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "DEL_VLAN_ID 5000");

	CHECK_EQ(ism_vlan_set(a), 0, "SET_VLAN");
	ism_query_info(a, &info);
	CHECK_EQ(info.vlan_required, 1, "SET_VLAN shows in QUERY_INFO");
	CHECK_EQ(ism_vlan_reset(a), 0, "RESET_VLAN");
	ism_query_info(a, &info);
	CHECK_EQ(info.vlan_required, 0, "RESET_VLAN shows in QUERY_INFO");
}

static void
test_query_rgid(void)
{
	int rc;

	CHECK_EQ(ism_query_rgid(a, ism_dev_gid(b), false, 0), 0,
		 "QUERY_RGID of a live peer");
	rc = ism_query_rgid(a, ism_dev_gid(b) ^ 0x100, false, 0);
	CHECK_REFUSED(a, rc, EHOSTUNREACH, ISM_RET_NO_GID, "QUERY_RGID unknown");
	rc = ism_query_rgid(a, 0, false, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "QUERY_RGID 0");
	rc = ism_query_rgid(a, ism_dev_gid(b), true, 77);
	CHECK_REFUSED(a, rc, ENETUNREACH, ISM_RET_VLAN,
		      "QUERY_RGID on a VLAN the peer lacks");
	CHECK_EQ(ism_vlan_add(b, 77), 0, "peer joins VLAN 77");
	CHECK_EQ(ism_query_rgid(a, ism_dev_gid(b), true, 77), 0,
		 "QUERY_RGID on a shared VLAN");
}

static int
raw_reg_dmb(struct ism_dev *dev, uint64_t iova, uint32_t len, uint32_t idx,
	    uint64_t rgid, uint32_t vlan_valid, uint32_t vlan_id)
{
	struct ism_req_reg_dmb req = {
		.dmb = ism_be64(iova), .dmb_len = ism_be32(len),
		.sba_idx = ism_be32(idx), .vlan_valid = ism_be32(vlan_valid),
		.vlan_id = ism_be32(vlan_id), .rgid = ism_be64(rgid),
	};
	struct ism_resp_u64 resp;

	return ism_cmd(dev, ISM_CMD_REG_DMB, &req, sizeof(req), &resp,
		       sizeof(resp));
}

static void
test_reg_dmb(void)
{
	struct ism_transport *ta = ism_dev_transport(a);
	struct ism_dmb_params p = { .len = 65536, .rgid = ism_dev_gid(b) };
	struct ism_dma big, theirs;
	struct ism_dmb *d;
	struct ism_info info;
	int rc;

	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "REG_DMB 64 KiB");
	CHECK(d != NULL && ism_tok_valid(d->tok), "token has low 32 bits zero");
	CHECK(d->sba_idx >= ISM_SBA_IDX_FIRST, "SBA index >= 32");
	ism_query_info(a, &info);
	CHECK_EQ(info.dmbs_owned, 1, "QUERY_INFO counts the DMB");
	ism_query_info(b, &info);
	CHECK_EQ(info.dmbs_used, 1, "peer's QUERY_INFO counts it as writable");

	rc = raw_reg_dmb(a, d->dma.iova, 4096, d->sba_idx, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "REG_DMB on a used SBA index");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 31, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB SBA index 31");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, ISM_NR_SBA_BITS, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB SBA index 1920");
	rc = raw_reg_dmb(a, d->dma.iova, ISM_DMB_MAX_LEN + 1, 40, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB of 1 MiB + 1");
	rc = raw_reg_dmb(a, d->dma.iova, 0, 40, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB of 0 bytes");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 40, 0, 0, 0);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB with rgid 0");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 40, ism_dev_gid(b) ^ 0x100, 0, 0);
	CHECK_REFUSED(a, rc, EHOSTUNREACH, ISM_RET_NO_GID, "REG_DMB for an unknown rgid");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 40, ism_dev_gid(b), 1, 4000);
	CHECK_REFUSED(a, rc, ENETUNREACH, ISM_RET_VLAN, "REG_DMB on a VLAN we lack");
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 40, ism_dev_gid(b), 1, 4096);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "REG_DMB on VLAN 4096");
	ism_vlan_set(a);
	rc = raw_reg_dmb(a, d->dma.iova, 4096, 40, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, ENETUNREACH, ISM_RET_VLAN,
		      "REG_DMB without VLAN after SET_VLAN");
	ism_vlan_reset(a);

	/* memory of another function is not ours to register */
	CHECK_EQ(ism_dev_transport(b)->ops->dma_alloc(ism_dev_transport(b),
						      4096, 4096, &theirs), 0,
		 "peer allocates DMA memory");
	rc = raw_reg_dmb(a, theirs.iova, 4096, 40, ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EFAULT, ISM_RET_BAD_ADDR,
		      "REG_DMB of another function's memory");
	ism_dev_transport(b)->ops->dma_free(ism_dev_transport(b), &theirs);
	/* a DMB must not cross a 1 MiB boundary of its DMA address */
	CHECK_EQ(ta->ops->dma_alloc(ta, 2 << 20, 1 << 20, &big), 0,
		 "2 MiB of DMA memory");
	rc = raw_reg_dmb(a, big.iova + (1 << 20) - 4096, 8192, 40,
			 ism_dev_gid(b), 0, 0);
	CHECK_REFUSED(a, rc, EFAULT, ISM_RET_BAD_ADDR, "REG_DMB crossing 1 MiB");
	CHECK_EQ(raw_reg_dmb(a, big.iova, ISM_DMB_MAX_LEN, 41, ism_dev_gid(b), 0, 0),
		 0, "REG_DMB of exactly 1 MiB");
	CHECK_EQ(ism_cmd_u64(a, ISM_CMD_UNREG_DMB,
			     ((uint64_t)ism_dev_gid(a) & 0xff) << 43 | (uint64_t)41 << 32),
		 0, "UNREG_DMB of the raw 1 MiB DMB");
	ta->ops->dma_free(ta, &big);

	/* library-side checks, before any command */
	p.len = 0;
	CHECK_EQ(ism_dmb_register(a, &p, &d), -EINVAL, "library refuses length 0");
	p.len = ISM_DMB_MAX_LEN + 1;
	CHECK_EQ(ism_dmb_register(a, &p, &d), -EINVAL, "library refuses 1 MiB + 1");
	p.len = 4096;
	p.rgid = 0;
	CHECK_EQ(ism_dmb_register(a, &p, &d), -EINVAL, "library refuses rgid 0");
}

static void
test_unreg_dmb(void)
{
	struct ism_dmb_params p = { .len = 4096, .rgid = ism_dev_gid(a) };
	struct ism_dmb *mine, *theirs;
	uint64_t tok;
	int rc;

	CHECK_EQ(ism_dmb_register(a, &p, &mine), 0, "REG_DMB on a");
	p.rgid = ism_dev_gid(a);
	CHECK_EQ(ism_dmb_register(b, &p, &theirs), 0, "REG_DMB on b");
	rc = ism_cmd_u64(a, ISM_CMD_UNREG_DMB, theirs->tok);
	CHECK_REFUSED(a, rc, ENOENT, ISM_RET_NO_DMB, "UNREG_DMB of b's token on a");
	tok = mine->tok;
	CHECK_EQ(ism_dmb_unregister(a, mine), 0, "UNREG_DMB");
	rc = ism_cmd_u64(a, ISM_CMD_UNREG_DMB, tok);
	CHECK_REFUSED(a, rc, ENOENT, ISM_RET_NO_DMB, "UNREG_DMB twice");
	rc = ism_cmd_u64(a, ISM_CMD_UNREG_DMB, 0x1234);
	CHECK_REFUSED(a, rc, ENOENT, ISM_RET_NO_DMB, "UNREG_DMB of a malformed token");
	CHECK_EQ(ism_dmb_unregister(b, theirs), 0, "UNREG_DMB on b");
}

static void
test_signal(void)
{
	struct tu_events q = { 0 };
	int rc;

	CHECK_EQ(ism_signal(a, ism_dev_gid(b), ISM_EVCODE_TESTLINK, 0xfeedface,
			    true), 0, "SIGNAL_IEQ");
	CHECK_EQ(tu_collect(b, &q, 1, 2000), 0, "peer receives the event");
	CHECK_EQ(q.ev[0].type, ISM_EVENT_SWR, "type software");
	CHECK_EQ(q.ev[0].code, ISM_EVCODE_TESTLINK, "code as sent");
	CHECK_EQ(q.ev[0].tok, ism_dev_gid(a), "tok is the sender's GID");
	CHECK_EQ(q.ev[0].info, 0xfeedface, "info as sent");
	CHECK(q.ev[0].time != 0, "time stamped");
	rc = ism_signal(a, ism_dev_gid(b) ^ 0x100, 1, 0, false);
	CHECK_REFUSED(a, rc, EHOSTUNREACH, ISM_RET_NO_GID, "SIGNAL_IEQ unknown GID");
	rc = ism_signal(a, 0, 1, 0, false);
	CHECK_REFUSED(a, rc, EINVAL, ISM_RET_BAD_PARAM, "SIGNAL_IEQ to GID 0");
}

/* Raw BAR-2 accesses: what the library never sends. */
static void
test_raw_channel(void)
{
	struct ism_transport *t = ism_dev_transport(a);
	struct ism_req_hdr hdr = { .cmd = ism_be32(0x55), .len = ism_be16(8) };
	struct ism_resp_hdr resp;
	uint8_t body[8] = { 0 };
	int rc;

	t->ops->write(t, ISM_BAR_CMD, 0, &hdr, sizeof(hdr));
	t->ops->read(t, ISM_BAR_CMD, 0, &resp, sizeof(resp));
	CHECK_EQ(ism_cpu16(resp.ret), ISM_RET_BAD_CMD, "unknown command 0x55");
	rc = ism_cmd(a, 0x55, &hdr, sizeof(hdr), &resp, sizeof(resp));
	CHECK_REFUSED(a, rc, EOPNOTSUPP, ISM_RET_BAD_CMD, "library maps BAD_CMD");

	/* READ_GID with a body it does not take */
	hdr.cmd = ism_be32(ISM_CMD_READ_GID);
	hdr.len = ism_be16(16);
	t->ops->write(t, ISM_BAR_CMD, 8, body, sizeof(body));
	t->ops->write(t, ISM_BAR_CMD, 0, &hdr, sizeof(hdr));
	t->ops->read(t, ISM_BAR_CMD, 0, &resp, sizeof(resp));
	CHECK_EQ(ism_cpu16(resp.ret), ISM_RET_BAD_LEN, "READ_GID with len 16");
	/* header len that disagrees with the body stored */
	hdr.cmd = ism_be32(ISM_CMD_UNREG_DMB);
	hdr.len = ism_be16(16);
	t->ops->write(t, ISM_BAR_CMD, 0, &hdr, sizeof(hdr));
	t->ops->read(t, ISM_BAR_CMD, 0, &resp, sizeof(resp));
	CHECK_EQ(ism_cpu16(resp.ret), ISM_RET_BAD_LEN, "UNREG_DMB without its body");
	CHECK_EQ(t->ops->write(t, ISM_BAR_CMD, 4, body, 4), -EINVAL,
		 "a store inside the header is refused");
	CHECK_EQ(t->ops->read(t, ISM_BAR_CMD, 0, body, 16), -EINVAL,
		 "a 16-byte load is refused");
	CHECK_EQ(t->ops->read(t, ISM_BAR_DMB, 0, body, 8), -EINVAL,
		 "BAR 0 is write-only");
	CHECK_EQ(t->ops->write(t, 4, 0, body, 8), -EINVAL, "BAR 4 does not exist");
}

static void
test_unreg_order(void)
{
	struct ism_dmb_params p = { .len = 4096, .rgid = ism_dev_gid(a) };
	struct ism_dev *c = tu_open(FABRIC);
	struct ism_dmb *d;
	struct ism_req_hdr req;
	struct ism_resp_hdr resp;
	int rc;

	CHECK_EQ(ism_dmb_register(c, &p, &d), 0, "REG_DMB on c");
	rc = ism_cmd(c, ISM_CMD_UNREG_SBA, &req, sizeof(req), &resp, sizeof(resp));
	CHECK_REFUSED(c, rc, EBUSY, ISM_RET_BUSY, "UNREG_SBA while a DMB is registered");
	ism_dmb_unregister(c, d);
	CHECK_EQ(ism_cmd(c, ISM_CMD_UNREG_IEQ, &req, sizeof(req), &resp,
			 sizeof(resp)), 0, "UNREG_IEQ");
	rc = ism_cmd(c, ISM_CMD_UNREG_IEQ, &req, sizeof(req), &resp, sizeof(resp));
	CHECK_REFUSED(c, rc, ENOTCONN, ISM_RET_NOT_READY, "UNREG_IEQ twice");
	rc = ism_signal(a, ism_dev_gid(c), 1, 0, false);
	CHECK_REFUSED(a, rc, ENOTCONN, ISM_RET_NOT_READY,
		      "SIGNAL_IEQ to a function without IEQ");
	CHECK_EQ(ism_cmd(c, ISM_CMD_UNREG_SBA, &req, sizeof(req), &resp,
			 sizeof(resp)), 0, "UNREG_SBA");
	rc = ism_cmd(c, ISM_CMD_UNREG_SBA, &req, sizeof(req), &resp, sizeof(resp));
	CHECK_REFUSED(c, rc, ENOTCONN, ISM_RET_NOT_READY, "UNREG_SBA twice");
	rc = raw_reg_dmb(c, c->sba_dma.iova, 4096, 40, ism_dev_gid(a), 0, 0);
	CHECK_REFUSED(c, rc, ENOTCONN, ISM_RET_NOT_READY, "REG_DMB without SBA");
	/* close tolerates what is already unregistered (and would leak the
	 * memory of an area whose UNREG it saw refused) */
	c->ieq = NULL;
	ism_dev_transport(c)->ops->dma_free(ism_dev_transport(c), &c->ieq_dma);
	c->sba = NULL;
	ism_dev_transport(c)->ops->dma_free(ism_dev_transport(c), &c->sba_dma);
	ism_dev_close(c);
}

static void
test_close_event(void)
{
	struct ism_dmb_params p = { .len = 4096 };
	struct ism_dev *c = tu_open(FABRIC);
	struct tu_events q = { 0 };
	uint64_t gid_c = ism_dev_gid(c);
	struct ism_dmb *d;

	p.rgid = gid_c;
	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "a's DMB written by c");
	ism_poll_events(a, NULL, NULL);	/* drop older news */
	ism_dev_close(c);
	CHECK_EQ(tu_collect(a, &q, 1, 2000), 0, "a hears that c went away");
	CHECK_EQ(q.ev[0].type, ISM_EVENT_GID, "GID event");
	CHECK_EQ(q.ev[0].code, ISM_EVCODE_GID_DISABLED, "code GID disabled");
	CHECK_EQ(q.ev[0].tok, gid_c, "tok is c's GID");
	CHECK_EQ(ism_query_rgid(a, gid_c, false, 0), -EHOSTUNREACH,
		 "c is no longer reachable");
	CHECK_EQ(ism_dmb_unregister(a, d), 0, "a unregisters the orphan DMB");
}

/* A function that only writes into a peer's DMB hears when that peer goes,
 * even after the peer unregistered the DMB on its way out. */
static void
test_close_event_writer(void)
{
	struct ism_dmb_params p = { .len = 4096, .rgid = ism_dev_gid(a) };
	struct ism_dev *c = tu_open(FABRIC);
	struct tu_events q = { 0 };
	uint64_t gid_c = ism_dev_gid(c);
	struct ism_dmb *d;

	CHECK_EQ(ism_dmb_register(c, &p, &d), 0, "c's DMB written by a");
	ism_poll_events(a, NULL, NULL);
	ism_dev_close(c);	/* unregisters the DMB, then detaches */
	CHECK_EQ(tu_collect(a, &q, 1, 2000), 0, "a, the writer, hears that c went away");
	CHECK(q.ev[0].type == ISM_EVENT_GID && q.ev[0].tok == gid_c,
	      "GID event names c");
}

static void
test_labels_and_stat(void)
{
	struct ism_model_stat st;
	struct ism_transport *ta = ism_dev_transport(a);
	uint64_t gids[4];

	CHECK_EQ(ism_model_set_label(ta, "alpha"), 0, "label a");
	CHECK_EQ(ism_model_set_label(ism_dev_transport(b), "alpha"), 0, "label b");
	CHECK_EQ(ism_model_find_label(ta, "alpha", gids, 4), 1,
		 "a finds one other function labelled alpha");
	CHECK_EQ(gids[0], ism_dev_gid(b), "it is b");
	CHECK_EQ(ism_model_find_label(ta, "beta", gids, 4), 0, "nobody is beta");
	CHECK_EQ(ism_model_set_label(ta, ""), -EINVAL, "empty label refused");
	CHECK_EQ(ism_model_set_label(ta, "a-label-that-is-longer-than-31-chars"),
		 -EINVAL, "32-character label refused");
	CHECK_EQ(ism_model_stat(FABRIC, &st), 0, "fabric stat");
	CHECK_EQ(st.functions, 2, "two functions attached");
	CHECK(st.heap_pages_used >= 4, "their SBAs and IEQs use heap pages (%llu)",
	      (unsigned long long)st.heap_pages_used);
	CHECK_EQ(ism_model_stat("no-such-fabric", &st), -ENOENT,
		 "stat of a missing fabric creates nothing");
}

int
main(void)
{
	tu_private_fabric_dir();
	a = tu_open(FABRIC);
	b = tu_open(FABRIC);
	test_open();
	test_sba_ieq_busy();
	test_vlan();
	test_query_rgid();
	test_reg_dmb();
	test_unreg_dmb();
	test_signal();
	test_raw_channel();
	test_unreg_order();
	test_close_event();
	test_close_event_writer();
	test_labels_and_stat();
	ism_dev_close(b);
	ism_dev_close(a);
	return check_done();
}

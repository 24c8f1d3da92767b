/* SPDX-License-Identifier: BSD-3-Clause */
/* Device structures are big-endian in memory, on either host byte order. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "ism_private.h"
#include "test_util.h"

#define FABRIC "proto"

static void
test_request_bytes(void)
{
	struct ism_req_reg_dmb r = {
		.hdr = { .cmd = ism_be32(ISM_CMD_REG_DMB), .len = ism_be16(40) },
		.dmb = ism_be64(UINT64_C(0x0102030405060708)),
		.dmb_len = ism_be32(0x00100000),
		.sba_idx = ism_be32(33),
		.vlan_valid = ism_be32(1),
		.vlan_id = ism_be32(0x0abc),
		.rgid = ism_be64(UINT64_C(0x1122334455667788)),
	};
	static const uint8_t want[40] = {
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x28,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x0a, 0xbc,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};

	CHECK(memcmp(&r, want, sizeof(want)) == 0, "REG_DMB request bytes are big-endian");
	CHECK_EQ(ism_cpu64(r.rgid), UINT64_C(0x1122334455667788), "round trip u64");
	CHECK_EQ(ism_cpu32(r.sba_idx), 33, "round trip u32");
	CHECK_EQ(ism_cpu16(r.hdr.len), 40, "round trip u16");
}

static void
test_store_req(void)
{
	uint64_t tok = UINT64_C(0x0000abcd00000000);

	CHECK_EQ(ism_store_req(tok, 5, true, 0x12345),
		 UINT64_C(0x0000abcd05812345), "req = tok | idx << 24 | sf << 23 | off");
	CHECK_EQ(ism_store_req(tok, 15, false, 0x7fffff),
		 UINT64_C(0x0000abcd0f7fffff), "largest offset, no sf");
	CHECK(ism_tok_valid(tok), "token with low 32 bits zero");
	CHECK(!ism_tok_valid(tok | 1), "token with low bits set");
	CHECK(!ism_tok_valid(UINT64_C(1) << 48), "token above bit 47");
	CHECK_EQ(ism_dmbe_bit(0), 0x8000, "element 0 is mask bit 0x8000");
	CHECK_EQ(ism_dmbe_bit(15), 0x0001, "element 15 is mask bit 0x0001");
}

static void
test_ret_codes(void)
{
	CHECK_EQ(ism_ret_to_errno(ISM_RET_OK), 0, "OK");
	CHECK_EQ(ism_ret_to_errno(ISM_RET_NO_DMB), -ENOENT, "NO_DMB");
	CHECK_EQ(ism_ret_to_errno(ISM_RET_GENERIC), -EIO, "generic 0xffff");
	CHECK_EQ(ism_ret_to_errno(0x1234), -EIO, "unknown code maps to EIO");
	CHECK(strcmp(ism_ret_name(ISM_RET_BAD_ADDR), "BAD_ADDR") == 0, "names");
}

/* What the model device writes is big-endian too: SBA mask, IEQ entry. */
static void
test_device_memory(void)
{
	struct ism_dev *a = tu_open(FABRIC), *b = tu_open(FABRIC);
	struct ism_dmb_params p = { .len = 4096, .rgid = ism_dev_gid(b) };
	const uint8_t *sba = (const uint8_t *)a->sba;
	const uint8_t *ieq = (const uint8_t *)a->ieq;
	struct ism_rdmb r;
	struct ism_dmb *d;
	uint8_t byte = 0x5a;
	uint64_t gid_b = ism_dev_gid(b);
	uint8_t want_tok[8];

	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "register DMB");
	r.tok = d->tok;
	r.len = d->len;
	CHECK_EQ(ism_move(b, &r, 2, 7, &byte, 1, true), 0, "1-byte move with sf, element 2");
	CHECK_EQ(((uint8_t *)d->addr)[7], 0x5a, "byte landed at offset 7");
	CHECK_EQ(sba[0] & ISM_SBA_S, ISM_SBA_S, "summary bit is 0x80 of byte 0");
	CHECK_EQ(sba[4 + d->sba_idx / 8], 0x80 >> (d->sba_idx % 8),
		 "DMB bit %u numbered from the MSB", d->sba_idx);
	CHECK_EQ(sba[256 + 2 * d->sba_idx], 0x20, "mask high byte first (0x2000)");
	CHECK_EQ(sba[256 + 2 * d->sba_idx + 1], 0x00, "mask low byte second");

	CHECK_EQ(ism_signal(b, ism_dev_gid(a), 0x0183, UINT64_C(0x0102030405060708),
			    false), 0, "signal");
	CHECK_EQ(ieq[7], 1, "IEQ idx is a big-endian 1");
	CHECK_EQ(ieq[32 + 3], ISM_EVENT_SWR, "entry type big-endian at 0");
	CHECK_EQ(ieq[32 + 6], 0x01, "entry code high byte");
	CHECK_EQ(ieq[32 + 7], 0x83, "entry code low byte");
	for (int i = 0; i < 8; i++)
		want_tok[i] = (uint8_t)(gid_b >> (56 - 8 * i));
	CHECK(memcmp(ieq + 32 + 8, want_tok, 8) == 0, "entry tok is the sender's GID, big-endian");
	CHECK_EQ(ieq[32 + 24], 0x01, "entry info first byte");
	CHECK_EQ(ieq[32 + 31], 0x08, "entry info last byte");
	CHECK_EQ(sba[0] & ISM_SBA_E, ISM_SBA_E, "event bit is 0x40 of byte 0");
	ism_dev_close(b);
	ism_dev_close(a);
}

int
main(void)
{
	tu_private_fabric_dir();
	check_diag("host is %s-endian",
		   __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "big" : "little");
	test_request_bytes();
	test_store_req();
	test_ret_codes();
	test_device_memory();
	return check_done();
}

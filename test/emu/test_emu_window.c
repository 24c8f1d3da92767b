/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA through the emulated IOMMU into user memory: a receiver registers an
 * SBA and a DMB in memory of its own (MAP_SHARED or MAP_PRIVATE anonymous
 * pages), mapped through its container (group path) or its IOAS (cdev
 * path); a sender stores into the DMB through BAR 0. The receiver's own
 * pages show the data, the SBA bit and the MSI, and keep the data after
 * UNREG_DMB. This is the emulation's window mechanism, in-process, also in
 * the static s390x build under qemu-user.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "emu_test.h"
#include "ism_proto.h"

#define A_ADDR	"0000:00:01.0"
#define B_ADDR	"0000:00:02.0"
#define IOVA	UINT64_C(0x100200000)
#define SBA_IDX	32
#define DATA_AT	64
#define DATA_LEN 100

static int
reg_dmb(struct et_fn *f, uint64_t iova, uint32_t len, uint64_t rgid,
	uint64_t *tok)
{
	uint8_t req[40], resp[16];
	int ret;

	memset(req, 0, sizeof(req));
	et_req_hdr(req, ISM_CMD_REG_DMB, sizeof(req));
	vism_put_be64(req + 8, iova);
	vism_put_be32(req + 16, len);
	vism_put_be32(req + 20, SBA_IDX);
	vism_put_be64(req + 32, rgid);
	ret = et_cmd(f, req, sizeof(req), resp, sizeof(resp));
	*tok = ret == 0 ? vism_get_be64(resp + 8) : 0;
	return ret;
}

static int
cmd_u64(struct et_fn *f, uint32_t cmd, const uint64_t *arg)
{
	uint8_t req[16], resp[8];
	size_t len = arg != NULL ? 16 : 8;

	et_req_hdr(req, cmd, (uint16_t)len);
	if (arg != NULL)
		vism_put_be64(req + 8, *arg);
	return et_cmd(f, req, len, resp, sizeof(resp));
}

static int
reg_ieq(struct et_fn *f, uint64_t iova, uint64_t len)
{
	uint8_t req[24], resp[8];

	et_req_hdr(req, ISM_CMD_REG_IEQ, sizeof(req));
	vism_put_be64(req + 8, iova);
	vism_put_be64(req + 16, len);
	return et_cmd(f, req, sizeof(req), resp, sizeof(resp));
}

static int
signal_ieq(struct et_fn *f, uint64_t rgid, uint32_t code, uint64_t info)
{
	uint8_t req[32], resp[8];

	memset(req, 0, sizeof(req));
	et_req_hdr(req, ISM_CMD_SIGNAL_IEQ, sizeof(req));
	vism_put_be64(req + 8, rgid);
	vism_put_be32(req + 16, 1);	/* trigger_irq */
	vism_put_be32(req + 20, code);
	vism_put_be64(req + 24, info);
	return et_cmd(f, req, sizeof(req), resp, sizeof(resp));
}

static bool
msi_arrived(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	return poll(&p, 1, 2000) == 1 && read(efd, &v, sizeof(v)) == sizeof(v) &&
		v >= 1;
}

static int
wire_msi(struct et_fn *f, int efd)
{
	uint8_t buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(buf);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_MSI_IRQ_INDEX;
	s->count = 1;
	memcpy(s->data, &efd, sizeof(efd));
	return et_sys->ioctl(f->dev, VFIO_DEVICE_SET_IRQS, s);
}

static bool
pattern_ok(const uint8_t *p, size_t from, size_t to, uint8_t salt)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != (uint8_t)(i * 7 + salt))
			return false;
	return true;
}

static void
run(struct et_fn *rx, struct et_fn *tx, int map_flags, const char *what)
{
	uint8_t data[DATA_LEN], *mem, *dmb, *ieq;
	struct vism_emu_census cs;
	uint64_t tok = 0, req, gid_tx = et_gid(tx);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	check_diag("%s", what);
	mem = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, map_flags, -1, 0);
	CHECK(mem != MAP_FAILED && efd >= 0, "%s: memory and eventfd", what);
	if (mem == MAP_FAILED || efd < 0)
		return;
	dmb = mem + 4096;
	ieq = mem + 2 * 4096;
	for (size_t i = 0; i < 4096; i++)
		dmb[i] = (uint8_t)(i * 7 + 3);
	memset(mem, 0, 4096);
	memset(ieq, 0, 4096);
	CHECK(gid_tx != 0 && et_gid(rx) != 0 && et_gid(rx) != gid_tx,
	      "%s: two functions with GIDs of their own", what);
	CHECK_EQ(et_map(rx, mem, IOVA, 3 * 4096), 0, "%s: DMA map", what);
	CHECK_EQ(wire_msi(rx, efd), 0, "%s: MSI wired to an eventfd", what);
	CHECK_EQ(et_reg_sba(rx, IOVA), ISM_RET_OK, "%s: REG_SBA", what);
	CHECK_EQ(reg_ieq(rx, IOVA + 2 * 4096, 4096), ISM_RET_OK, "%s: REG_IEQ",
		 what);
	CHECK_EQ(signal_ieq(tx, et_gid(rx), 0x80, 0x1122334455667788),
		 ISM_RET_OK, "%s: SIGNAL_IEQ by the sender", what);
	/* header: idx 1 after the first entry; entry 0 after the header */
	CHECK(vism_get_be64(ieq) == 1 && vism_get_be32(ieq + 32) == ISM_EVENT_SWR &&
	      vism_get_be32(ieq + 36) == 0x80 && vism_get_be64(ieq + 40) == gid_tx &&
	      vism_get_be64(ieq + 56) == 0x1122334455667788,
	      "%s: the event is in the receiver's IEQ pages", what);
	CHECK((mem[0] & ISM_SBA_E) != 0, "%s: the SBA event bit is set", what);
	CHECK(msi_arrived(efd), "%s: the MSI of the event arrived", what);
	CHECK_EQ(reg_dmb(rx, IOVA + 4096, 4096, gid_tx, &tok), ISM_RET_OK,
		 "%s: REG_DMB with the sender as rgid", what);
	CHECK(pattern_ok(dmb, 0, 4096, 3),
	      "%s: the DMB keeps what the user had written before", what);
	vism_emu_census(&cs);
	CHECK(cs.windows >= 2, "%s: SBA and DMB are shared with the model", what);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa5 ^ i);
	req = tok | ISM_REQ_SF | DATA_AT;
	CHECK_EQ(et_pwrite(tx, ISM_BAR_DMB, data, sizeof(data), req),
		 (ssize_t)sizeof(data), "%s: one store of %u bytes with sf=1",
		 what, DATA_LEN);
	CHECK(memcmp(dmb + DATA_AT, data, sizeof(data)) == 0,
	      "%s: the receiver's own pages hold the data byte for byte", what);
	CHECK(pattern_ok(dmb, 0, DATA_AT, 3) &&
	      pattern_ok(dmb, DATA_AT + DATA_LEN, 4096, 3),
	      "%s: and nothing else changed", what);
	CHECK((mem[4 + SBA_IDX / 8] & (0x80 >> (SBA_IDX % 8))) != 0 &&
	      (mem[0] & ISM_SBA_S) != 0,
	      "%s: the SBA bit and the summary bit are set", what);
	CHECK(msi_arrived(efd), "%s: the MSI arrived on the eventfd", what);

	CHECK_EQ(cmd_u64(rx, ISM_CMD_UNREG_DMB, &tok), ISM_RET_OK,
		 "%s: UNREG_DMB", what);
	CHECK(memcmp(dmb + DATA_AT, data, sizeof(data)) == 0 &&
	      pattern_ok(dmb, 0, DATA_AT, 3),
	      "%s: the pages keep the bytes after the window closed", what);
	memset(data, 0x11, sizeof(data));
	CHECK(et_pwrite(tx, ISM_BAR_DMB, data, sizeof(data), req) < 0,
	      "%s: a store to the old token fails", what);
	CHECK(dmb[DATA_AT] == 0xa5, "%s: and does not reach the pages", what);
	dmb[0] = 0x5a;
	CHECK(dmb[0] == 0x5a, "%s: the pages are writable again", what);
	CHECK_EQ(cmd_u64(rx, ISM_CMD_UNREG_IEQ, NULL), ISM_RET_OK,
		 "%s: UNREG_IEQ", what);
	CHECK_EQ(cmd_u64(rx, ISM_CMD_UNREG_SBA, NULL), ISM_RET_OK,
		 "%s: UNREG_SBA", what);
	vism_emu_census(&cs);
	CHECK_EQ(cs.windows, 0, "%s: no window is left", what);
	CHECK_EQ(et_unmap(rx, IOVA, 3 * 4096), 0, "%s: DMA unmap", what);
	munmap(mem, 3 * 4096);
	close(efd);
}

int
main(void)
{
	static const int kinds[] = {
		MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS,
	};
	struct vism_emu_census cs;
	struct et_fn a, b;

	et_setup();
	et_add(A_ADDR ",group=1,cdev=0");
	et_add(B_ADDR ",group=2,cdev=1");
	for (unsigned int k = 0; k < 2; k++) {
		const char *mem = k == 0 ? "MAP_SHARED" : "MAP_PRIVATE";
		char what[96];

		/* receiver on the cdev path, sender on the group path */
		CHECK_EQ(et_open_group(&a, A_ADDR, 1), 0, "A via its group");
		CHECK_EQ(et_open_cdev(&b, B_ADDR, 1), 0, "B via its cdev");
		if (a.dev < 0 || b.dev < 0)
			return check_done();
		snprintf(what, sizeof(what), "cdev receiver, %s memory", mem);
		run(&b, &a, kinds[k], what);
		et_close(&b);
		et_close(&a);

		/* and the other way round */
		CHECK_EQ(et_open_cdev(&a, A_ADDR, 0), 0, "A via its cdev");
		CHECK_EQ(et_open_group(&b, B_ADDR, 2), 0, "B via its group");
		if (a.dev < 0 || b.dev < 0)
			return check_done();
		snprintf(what, sizeof(what), "group receiver, %s memory", mem);
		run(&b, &a, kinds[k], what);
		et_close(&b);
		et_close(&a);
	}
	vism_emu_census(&cs);
	CHECK(cs.containers == 0 && cs.groups == 0 && cs.devices == 0 &&
	      cs.iommufds == 0 && cs.ioas == 0 && cs.dma_maps == 0 &&
	      cs.windows == 0 && cs.irq_threads == 0,
	      "closing released every object");
	return check_done();
}

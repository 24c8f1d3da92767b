/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stores and loads at the syscall boundary.
 *  - the bus: a 4097-byte or page-crossing store is refused before any
 *    syscall; a 4096-byte aligned store is exactly one pwrite; loads are
 *    at most 8 bytes; EINTR/EAGAIN are retried; other errors come back
 *    with the region and offset in the message;
 *  - the emulation itself, driven by hand through the vfio uAPI on a
 *    function the bus does not own: it must follow ISM-SPEC.md section 5,
 *    or the bus tests prove nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_eal.h>

#include "bus_test.h"
#include "check.h"
#include "test_util.h"

#define A_ADDR "0000:00:01.0"
#define B_ADDR "0000:00:02.0"
#define D_ADDR "0000:00:04.0"	/* driven by hand */

static uint64_t
emu_pwrites(const char *addr)
{
	struct vism_emu_stats st;

	return vism_emu_stats(addr, &st) == 0 ? st.pwrites : 0;
}

static void
test_bus_rules(void)
{
	struct ism_dev *a = bt_open(A_ADDR), *b = bt_open(B_ADDR);
	struct ism_dmb_params p = { .len = 64 << 10 };
	struct rte_vfio_ism_stats st0, st1;
	struct ism_transport *tb;
	struct ism_dmb *d = NULL;
	static uint8_t buf[8192];
	uint64_t before, req;
	int rc;

	if (a == NULL || b == NULL) {
		CHECK(0, "lib/ism opens on both functions");
		return;
	}
	tb = ism_dev_transport(b);
	p.rgid = ism_dev_gid(b);
	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "a DMB on A for B");
	if (d == NULL)
		return;
	rte_vfio_ism_stats_get(bt_dev(B_ADDR), &st0);

	/* refused before the syscall */
	bt_log_reset();
	before = emu_pwrites(B_ADDR);
	rc = tb->ops->write(tb, ISM_BAR_DMB, ism_store_req(d->tok, 0, false, 0),
			    buf, 4097);
	CHECK_EQ(rc, -EINVAL, "a 4097-byte store is refused");
	CHECK_EQ(emu_pwrites(B_ADDR), before, "... before any pwrite");
	CHECK_EQ(bt_log_count("4097 bytes", "1..4096 bytes (the store limit); split it"), 1,
		 "... saying the store limit and how to split");
	rc = tb->ops->write(tb, ISM_BAR_DMB,
			    ism_store_req(d->tok, 0, false, 4050), buf, 100);
	CHECK_EQ(rc, -EINVAL, "a store across a 4 KiB boundary is refused");
	CHECK_EQ(emu_pwrites(B_ADDR), before, "... before any pwrite");
	CHECK_EQ(bt_log_count("100 bytes", "crosses a 4 KiB boundary"), 1,
		 "... saying it crosses 4 KiB");
	rc = tb->ops->write(tb, ISM_BAR_DMB, ism_store_req(d->tok, 0, false, 0),
			    buf, 0);
	CHECK_EQ(rc, -EINVAL, "an empty store is refused");
	rc = tb->ops->write(tb, 1, 0, buf, 8);
	CHECK_EQ(rc, -EINVAL, "a store to the absent BAR 1 is refused");
	rc = tb->ops->write(tb, ISM_BAR_CMD, 4096, buf, 8);
	CHECK_EQ(rc, -EINVAL, "a store past the end of BAR 2 is refused");
	CHECK_EQ(bt_log_count("BAR 2 offset 0x1000", "beyond the 0x1000-byte BAR"), 1,
		 "... naming the BAR size");
	rc = tb->ops->read(tb, ISM_BAR_CMD, 0, buf, 16);
	CHECK_EQ(rc, -EINVAL, "a 16-byte load is refused");
	CHECK_EQ(emu_pwrites(B_ADDR), before, "none of these reached the kernel");
	rte_vfio_ism_stats_get(bt_dev(B_ADDR), &st1);
	CHECK_EQ(st1.refused - st0.refused, 6, "the bus counted 6 refusals");

	/* exactly one pwrite */
	tu_fill(buf, 4096, 11);
	req = ism_store_req(d->tok, 0, false, 4096);
	rc = tb->ops->write(tb, ISM_BAR_DMB, req, buf, 4096);
	CHECK_EQ(rc, 0, "a 4096-byte aligned store succeeds");
	CHECK_EQ(emu_pwrites(B_ADDR) - before, 1, "... as exactly one pwrite");
	CHECK_EQ(tu_verify((uint8_t *)d->addr + 4096, 4096, 11), -1,
		 "... and the data is in the DMB");

	/* EINTR and EAGAIN are retried, the store still happens once */
	before = emu_pwrites(B_ADDR);
	rte_vfio_ism_stats_get(bt_dev(B_ADDR), &st0);
	vism_emu_inject(B_ADDR, EINTR, 3);
	tu_fill(buf, 64, 12);
	rc = tb->ops->write(tb, ISM_BAR_DMB, ism_store_req(d->tok, 0, false, 0),
			    buf, 64);
	CHECK_EQ(rc, 0, "a store interrupted 3 times succeeds");
	CHECK_EQ(emu_pwrites(B_ADDR) - before, 4, "... on the 4th pwrite");
	CHECK_EQ(tu_verify(d->addr, 64, 12), -1, "... with the data in place");
	vism_emu_inject(B_ADDR, EAGAIN, 2);
	rc = tb->ops->read(tb, ISM_BAR_CMD, 0, buf, 8);
	CHECK_EQ(rc, 0, "a load that got EAGAIN twice succeeds");
	rte_vfio_ism_stats_get(bt_dev(B_ADDR), &st1);
	CHECK_EQ(st1.retries - st0.retries, 5, "the bus counted 5 retries");

	/* other errors: surfaced with region and offset */
	bt_log_reset();
	vism_emu_inject(B_ADDR, EIO, 1);
	rc = tb->ops->write(tb, ISM_BAR_DMB, ism_store_req(d->tok, 0, false, 0x40),
			    buf, 64);
	CHECK_EQ(rc, -EIO, "an EIO from the kernel comes back as -EIO");
	CHECK_EQ(bt_log_count("region 0 offset 0x", "Input/output error"), 1,
		 "... logged with the region and offset");
	rc = tb->ops->read(tb, ISM_BAR_DMB, 0, buf, 8);
	CHECK_EQ(rc, -EIO, "a load from the write-only BAR 0 fails with EIO");
	CHECK_EQ(ism_move(b, &(struct ism_rdmb){ .tok = d->tok, .len = d->len },
			  0, 0, buf, 64, false), 0,
		 "the device works on after the errors");

	ism_dmb_unregister(a, d);
	ism_dev_close(a);
	ism_dev_close(b);
}

/* The emulated kernel interface, by hand. */
static void
test_emulation(void)
{
	char grp[32];
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um) };
	struct vfio_iommu_type1_dma_map mp = {
		.argsz = sizeof(mp), .flags = VFIO_DMA_MAP_FLAG_READ |
		VFIO_DMA_MAP_FLAG_WRITE, .vaddr = 0x10000,
		.iova = 0x100010000,	/* inside the function's DMA aperture */
		.size = 0x10000,
	};
	struct vism_emu_stats st0, st1;
	uint64_t bar0, bar2, cfg;
	static uint8_t buf[8192];
	int cfd, gfd, dfd, g2;
	uint16_t id[2];

	cfd = open("/dev/vfio/vfio", O_RDWR);
	CHECK(cfd >= 0, "the container opens");
	CHECK_EQ(ioctl(cfd, VFIO_GET_API_VERSION), VFIO_API_VERSION, "API version");
	CHECK_EQ(ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU), 1, "type1");
	snprintf(grp, sizeof(grp), "/dev/vfio/%d", 4);
	gfd = open(grp, O_RDWR);
	CHECK(gfd >= 0, "the group opens");
	g2 = open(grp, O_RDWR);
	CHECK(g2 < 0 && errno == EBUSY, "a group opens once");
	CHECK_EQ(ioctl(gfd, VFIO_GROUP_GET_STATUS, &gs), 0, "group status");
	CHECK_EQ(gs.flags, VFIO_GROUP_FLAGS_VIABLE, "viable, no container");
	CHECK(ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, D_ADDR) < 0,
	      "no device fd before the IOMMU is set");
	CHECK_EQ(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd), 0, "set container");
	CHECK_EQ(ioctl(cfd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0, "set IOMMU");
	CHECK_EQ(ioctl(cfd, VFIO_IOMMU_MAP_DMA, &mp), 0, "map DMA");
	CHECK(ioctl(cfd, VFIO_IOMMU_MAP_DMA, &mp) < 0 && errno == EEXIST,
	      "mapping it twice is EEXIST");
	dfd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, D_ADDR);
	CHECK(dfd >= 0, "the device fd");
	if (dfd < 0)
		return;
	CHECK_EQ(ioctl(dfd, VFIO_DEVICE_GET_INFO, &di), 0, "device info");
	CHECK(di.flags & VFIO_DEVICE_FLAGS_PCI, "a PCI device");
	CHECK(di.flags & VFIO_DEVICE_FLAGS_CAPS, "with capabilities");
	CHECK(di.argsz > sizeof(di), "asking for room for them");

	ri.index = 0;
	CHECK_EQ(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri), 0, "BAR 0 info");
	bar0 = ri.offset;
	CHECK_EQ(ri.size, UINT64_C(1) << 48, "BAR 0 is 2^48 bytes");
	CHECK_EQ(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		 "BAR 0 is READ|WRITE, no MMAP");
	ri.index = 2;
	ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	bar2 = ri.offset;
	CHECK_EQ(bar2, UINT64_C(2) << vism_emu_shift(D_ADDR), "BAR 2 at 2 << SHIFT");
	ri.index = 1;
	CHECK_EQ(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri), 0, "BAR 1 info");
	CHECK(ri.size == 0 && ri.flags == 0, "an empty BAR has size and flags 0");
	ri.index = 7;
	ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	cfg = ri.offset;
	ri.index = 6;
	CHECK(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 && errno == EINVAL,
	      "region 6 (ROM) is EINVAL");
	ri.index = 8;
	CHECK(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 && errno == EINVAL,
	      "region 8 (VGA) is EINVAL");
	ri.index = 9;
	CHECK(ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 && errno == EINVAL,
	      "region 9 is EINVAL");

	CHECK_EQ(pread(dfd, id, 4, (off_t)cfg), 4, "config space reads");
	CHECK(id[0] == 0x1014 && id[1] == 0x04ed, "vendor 1014 device 04ed");

	vism_emu_stats(D_ADDR, &st0);
	CHECK(pwrite(dfd, buf, 4097, (off_t)bar0) < 0 && errno == EINVAL,
	      "pwrite of 4097 bytes is EINVAL");
	CHECK(pwrite(dfd, buf, 16, (off_t)(bar0 + 4090)) < 0 && errno == EINVAL,
	      "pwrite across 4 KiB is EINVAL");
	CHECK_EQ(pwrite(dfd, buf, 0, (off_t)bar0), 0, "an empty pwrite is 0");
	CHECK(pwrite(dfd, buf, 8, (off_t)(bar2 + 4096)) < 0 && errno == EINVAL,
	      "pwrite at the end of BAR 2 is EINVAL");
	CHECK(pread(dfd, buf, 8, (off_t)(UINT64_C(3) << vism_emu_shift(D_ADDR))) < 0 &&
	      errno == EINVAL, "pread of the absent BAR 3 is EINVAL");
	vism_emu_stats(D_ADDR, &st1);
	CHECK_EQ(st1.einval - st0.einval, 4, "the emulation refused 4 accesses");
	CHECK_EQ(st1.stores, st0.stores, "none reached the model");

	/* READ_GID: header at 0 then 8-byte loads */
	{
		uint8_t hdr[8] = { 0, 0, 0, ISM_CMD_READ_GID, 0, 0, 0, 8 };
		uint8_t resp[16];

		CHECK_EQ(pwrite(dfd, hdr, 8, (off_t)bar2), 8, "a command header");
		vism_emu_stats(D_ADDR, &st0);
		CHECK_EQ(pread(dfd, resp, 16, (off_t)bar2), 16, "a 16-byte pread");
		vism_emu_stats(D_ADDR, &st1);
		CHECK_EQ(st1.loads[3] - st0.loads[3], 2, "is two 8-byte loads");
		CHECK_EQ(resp[5], 0, "READ_GID succeeded");
		CHECK_EQ(pread(dfd, resp, 7, (off_t)(bar2 + 1)), 7, "a 7-byte pread at 1");
		vism_emu_stats(D_ADDR, &st0);
		CHECK(st0.loads[0] - st1.loads[0] == 1 && st0.loads[1] - st1.loads[1] == 1 &&
		      st0.loads[2] - st1.loads[2] == 1,
		      "is loads of 1, 2 and 4 bytes (naturally aligned)");
		CHECK_EQ(pread(dfd, resp, 16, (off_t)(bar2 + 4088)), 8,
			 "a pread over the end of BAR 2 is clipped");
	}

	um.iova = mp.iova;
	um.size = mp.size;
	CHECK_EQ(ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &um), 0, "unmap DMA");
	CHECK_EQ(um.size, mp.size, "... all of it");
	close(dfd);
	close(gfd);
	close(cfd);
}

int
main(void)
{
	static const char *const args[] = { "-b", "vfio_ism:" D_ADDR, NULL };
	struct rte_vfio_ism_device *m;

	bt_setup();
	bt_add(A_ADDR ",driver=ism_vfio_pci,group=1");
	bt_add(B_ADDR ",driver=ism_vfio_pci,group=2");
	bt_add("0000:00:03.0,driver=ism_vfio_pci,group=3,mmap=1,imaxstbl=8192");
	bt_add(D_ADDR ",driver=ism_vfio_pci,group=4");
	bt_add("0000:00:05.0,driver=ism_vfio_pci,group=5,bar2_size=128");
	bt_add("0000:00:06.0,driver=ism_vfio_pci,group=6,msi=0");
	if (bt_eal_init(args) < 0) {
		printf("Bail out! EAL does not start on the emulation\n");
		return 1;
	}
	m = bt_dev("0000:00:03.0");
	CHECK(m != NULL, "a function claiming MMAP BARs is probed");
	CHECK_EQ(bt_log_count("0000:00:03.0", "claims to be mappable; not mapped"), 2,
		 "... and its BARs are not mapped");
	CHECK(m != NULL && m->max_store == 4096,
	      "an imaxstbl above 4096 is capped at the 4 KiB rule");
	CHECK(bt_dev("0000:00:05.0") == NULL, "a 128-byte BAR 2 is refused");
	CHECK_EQ(bt_log_count("0000:00:05.0", "BAR 2 (command area)"), 1,
		 "... naming BAR 2");
	m = bt_dev("0000:00:06.0");
	CHECK(m != NULL && m->intr_handle == NULL,
	      "a function without MSI is probed, without an interrupt handle");
	CHECK_EQ(bt_log_count("0000:00:06.0", "no MSI vector"), 1,
		 "... saying interrupts are off");
	if (m != NULL) {
		struct ism_transport *tp;

		if (rte_vfio_ism_transport_get(m, &tp) == 0) {
			CHECK_EQ(tp->ops->irq_fd(tp), -1, "... and its irq_fd is -1");
			tp->ops->close(tp);
		}
	}
	test_bus_rules();
	test_emulation();
	bt_eal_cleanup();
	return check_done();
}

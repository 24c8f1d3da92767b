/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism_vfio_dev on a device fd someone else opened (as DPDK's EAL does):
 * the access rules checked before any syscall, config space in pieces of
 * at most 4 bytes with EFAULT past its end, EINTR/EAGAIN retried, EIO
 * reported with the offsets, and a vanished function (ENODEV) failing
 * fast from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ism_vfio_uapi.h"
#include "vfio_test.h"

#define ADDR		"0000:00:01.0"
#define ADDR_BIG_CFG	"0000:00:02.0"

struct raw {
	int container, group, dev;
};

/* The group way in by hand, through the emulation's table. */
static int
raw_open(const char *addr, int group, struct raw *r)
{
	const struct ism_vfio_sys *sys = vism_emu_sys();
	char node[32];
	int type = VFIO_TYPE1v2_IOMMU;

	snprintf(node, sizeof(node), "/dev/vfio/%d", group);
	r->container = sys->open("/dev/vfio/vfio", O_RDWR, 0);
	r->group = sys->open(node, O_RDWR, 0);
	if (r->container < 0 || r->group < 0 ||
	    sys->ioctl(r->group, VFIO_GROUP_SET_CONTAINER, &r->container) < 0 ||
	    sys->ioctl(r->container, VFIO_SET_IOMMU, (void *)(uintptr_t)type) < 0)
		return -1;
	r->dev = sys->ioctl(r->group, VFIO_GROUP_GET_DEVICE_FD, (void *)addr);
	return r->dev < 0 ? -1 : 0;
}

static void
raw_close(struct raw *r)
{
	const struct ism_vfio_sys *sys = vism_emu_sys();

	sys->close(r->dev);
	sys->close(r->group);
	sys->close(r->container);
}

static void
test_refusals(struct ism_vfio_dev *d)
{
	struct vism_emu_stats s0, s1;
	struct ism_vfio_stats st;
	uint8_t buf[4097] = { 0 };
	const unsigned int max = ism_vfio_dev_info(d)->max_store;

	vism_emu_stats(ADDR, &s0);
	CHECK_EQ(ism_vfio_dev_store(d, 0, 0, buf, 0), -EINVAL, "store of 0 bytes");
	CHECK_EQ(ism_vfio_dev_store(d, 0, 0, buf, max + 1), -EINVAL,
		 "store above the limit");
	CHECK_EQ(ism_vfio_dev_store(d, 0, 4000, buf, 200), -EINVAL,
		 "store across 4 KiB");
	CHECK_EQ(ism_vfio_dev_store(d, 2, 4096, buf, 8), -EINVAL,
		 "store past the end of BAR 2");
	CHECK_EQ(ism_vfio_dev_store(d, 1, 0, buf, 8), -EINVAL,
		 "store to the empty BAR 1");
	CHECK_EQ(ism_vfio_dev_store(d, 7, 0, buf, 4), -EINVAL,
		 "store to the config region through the BAR call");
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, buf, 9), -EINVAL, "load of 9 bytes");
	CHECK_EQ(ism_vfio_dev_load(d, 2, 4092, buf, 8), -EINVAL,
		 "load across 4 KiB");
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, buf, 0), -EINVAL, "load of 0 bytes");
	vism_emu_stats(ADDR, &s1);
	CHECK(s1.pwrites == s0.pwrites && s1.preads == s0.preads,
	      "refused before any syscall (pwrites %llu -> %llu, preads %llu -> %llu)",
	      (unsigned long long)s0.pwrites, (unsigned long long)s1.pwrites,
	      (unsigned long long)s0.preads, (unsigned long long)s1.preads);
	ism_vfio_dev_stats(d, &st);
	CHECK_EQ(st.refused, 9, "nine refusals counted");
	CHECK(vt_log_has("crosses a 4 KiB boundary"), "the log says why");
}

static void
test_config(struct ism_vfio_dev *d, const char *addr, uint32_t size)
{
	struct vism_emu_stats s0, s1;
	uint8_t id[4], six[6];

	vism_emu_stats(addr, &s0);
	CHECK_EQ(ism_vfio_dev_config_read(d, 0, id, 4), 0, "%s: config read of the ids",
		 addr);
	CHECK(id[0] == 0x14 && id[1] == 0x10 && id[2] == 0xed && id[3] == 0x04,
	      "%s: vendor 1014, device 04ed (little-endian config space)", addr);
	CHECK_EQ(ism_vfio_dev_config_read(d, 1, six, 6), 0,
		 "%s: unaligned config read", addr);
	CHECK(six[0] == 0x10 && six[1] == 0xed && six[2] == 0x04,
	      "%s: the same bytes from offset 1", addr);
	vism_emu_stats(addr, &s1);
	CHECK(s1.cfg_pieces[2] - s0.cfg_pieces[2] == 1 &&
	      s1.cfg_pieces[1] - s0.cfg_pieces[1] == 2 &&
	      s1.cfg_pieces[0] - s0.cfg_pieces[0] == 2,
	      "%s: accesses of 4, then 1+2+2+1 bytes", addr);
	CHECK_EQ(ism_vfio_dev_config_read(d, size - 4, id, 4), 0,
		 "%s: the last 4 bytes of %u", addr, size);
	vt_log_clear();
	CHECK_EQ(ism_vfio_dev_config_read(d, size - 2, id, 4), -EFAULT,
		 "%s: a read past the end of config space is EFAULT", addr);
	CHECK_EQ(ism_vfio_dev_config_read(d, size, id, 1), -EFAULT,
		 "%s: a read at the end is EFAULT", addr);
	CHECK(vt_log_has("past the end"), "%s: and said so", addr);
}

static void
test_retries(struct ism_vfio_dev *d)
{
	struct ism_vfio_stats s0, s1;
	uint8_t v[8];

	ism_vfio_dev_stats(d, &s0);
	vism_emu_inject(ADDR, EINTR, 3);
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, v, 8), 0, "a load interrupted 3 times");
	vism_emu_inject(ADDR, EAGAIN, 2);
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, v, 8), 0, "a load told EAGAIN twice");
	ism_vfio_dev_stats(d, &s1);
	CHECK_EQ(s1.retries - s0.retries, 5, "five retries counted");
	CHECK_EQ(s1.loads - s0.loads, 2, "two loads done");

	vt_log_clear();
	vism_emu_inject(ADDR, EIO, 1);
	CHECK_EQ(ism_vfio_dev_store(d, 2, 8, v, 8), -EIO, "a store failing with EIO");
	CHECK(vt_log_has("region 2 offset 0x8 (fd offset 0x"),
	      "the error names region, BAR offset and fd offset");
	vism_emu_fail_load(ADDR, EIO, 0);
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, v, 8), -EIO, "a load failing with EIO");
	ism_vfio_dev_stats(d, &s0);
	CHECK_EQ(s0.errors - s1.errors, 2, "two errors counted");
	CHECK_EQ(ism_vfio_dev_gone(d), 0, "EIO is not a vanished function");
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, v, 8), 0, "the next load works");
}

static void
test_gone(struct ism_vfio_dev *d)
{
	struct vism_emu_stats s0, s1;
	uint8_t v[8] = { 0 };

	vt_log_clear();
	vism_emu_vanish(ADDR, ENODEV);
	CHECK_EQ(ism_vfio_dev_store(d, 2, 8, v, 8), -ENODEV, "store to a vanished function");
	CHECK_EQ(ism_vfio_dev_gone(d), ENODEV, "marked gone");
	CHECK(vt_log_has("the function is gone"), "said once");
	vt_log_clear();
	vism_emu_stats(ADDR, &s0);
	CHECK_EQ(ism_vfio_dev_load(d, 2, 0, v, 8), -ENODEV, "load: ENODEV");
	CHECK_EQ(ism_vfio_dev_store(d, 0, 0, v, 8), -ENODEV, "store: ENODEV");
	CHECK_EQ(ism_vfio_dev_config_read(d, 0, v, 4), -ENODEV, "config: ENODEV");
	vism_emu_stats(ADDR, &s1);
	CHECK(s1.pwrites == s0.pwrites && s1.preads == s0.preads,
	      "without a syscall");
	CHECK(!vt_log_has("the function is gone"), "and without saying it again");
	vism_emu_vanish(ADDR, 0);
}

int
main(void)
{
	struct ism_vfio_dev *d, *d2;
	const struct ism_vfio_info *in;
	struct raw r, r2;
	int rc;

	vt_init();
	vt_log_capture(true);
	vt_add(ADDR, ISM_VFIO_KDRV, 5, -1, "imaxstbl=2048\n");
	vt_add(ADDR_BIG_CFG, ISM_VFIO_KDRV, 6, -1, "config_size=4096\n");

	rc = raw_open(ADDR, 5, &r);
	CHECK_EQ(rc, 0, "a device fd opened by hand");
	if (rc < 0)
		return check_done();
	CHECK_EQ(ism_vfio_dev_attach(-1, ADDR, vism_emu_sys(), &d), -EINVAL,
		 "attach to no fd");
	rc = ism_vfio_dev_attach(r.dev, ADDR, vism_emu_sys(), &d);
	CHECK_EQ(rc, 0, "ism_vfio_dev_attach on it");
	if (rc < 0)
		return check_done();
	in = ism_vfio_dev_info(d);
	CHECK_EQ(in->max_store, 2048, "store limit 2048 from imaxstbl");
	CHECK(in->region[7].present && in->region[7].size == 256,
	      "config region of 256 bytes");
	CHECK(!in->region[6].present && !in->region[8].present,
	      "no ROM or VGA region (EINVAL = absent)");
	CHECK(in->region[1].present && in->region[1].size == 0 &&
	      in->region[1].flags == 0, "BAR 1 present, empty, flags 0");

	test_refusals(d);
	test_config(d, ADDR, 256);
	test_retries(d);
	test_gone(d);
	ism_vfio_dev_detach(d);
	{
		struct vfio_device_info di = { .argsz = sizeof(di) };

		CHECK_EQ(vism_emu_sys()->ioctl(r.dev, VFIO_DEVICE_GET_INFO, &di), 0,
			 "after detach the fd is still open (the caller's)");
	}
	raw_close(&r);

	if (raw_open(ADDR_BIG_CFG, 6, &r2) == 0 &&
	    ism_vfio_dev_attach(r2.dev, ADDR_BIG_CFG, vism_emu_sys(), &d2) == 0) {
		test_config(d2, ADDR_BIG_CFG, 4096);
		ism_vfio_dev_detach(d2);
	} else {
		CHECK(false, "the 4 KiB config function opens");
	}
	raw_close(&r2);
	vt_check_census_empty("after the fds closed");
	return check_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism_vfio_dev against kernel answers the emulation never gives, through a
 * syscall table of this file's own: capability chains that loop, point
 * outside the answer, sit at odd offsets, are cut short or keep growing;
 * regions an ISM function cannot have; a short write, endless EINTR, a
 * config read the kernel fails with EFAULT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ism_vfio_uapi.h"
#include "vfio_test.h"

#define FAKE_FD		1000
#define INFO_LEN	((uint32_t)sizeof(struct vfio_device_info))

/* What the fake kernel answers. */
static struct {
	uint32_t flags;
	uint8_t chain[512];	/* the bytes after struct vfio_device_info */
	uint32_t chain_len;
	uint32_t cap_offset;
	int grow;		/* wants this many more bytes on every call */
	uint64_t bar0_size;
	uint32_t bar2_flags;
	uint64_t bar2_offset;
	ssize_t pwrite_ret;	/* >= 0: what pwrite returns */
	int pwrite_errno, pread_errno;
	/* what was asked */
	unsigned int info_calls, pwrites, preads, mmaps;
} k;

static void
reset(void)
{
	memset(&k, 0, sizeof(k));
	k.flags = VFIO_DEVICE_FLAGS_PCI;
	k.bar0_size = UINT64_C(1) << 48;
	k.bar2_flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	k.bar2_offset = UINT64_C(2) << 48;
	k.pwrite_ret = -1;
}

static int
fake_get_info(struct vfio_device_info *info)
{
	uint32_t need = INFO_LEN + k.chain_len;

	if (k.grow)
		need += (uint32_t)k.grow * ++k.info_calls;	/* ever more */
	info->flags = k.flags;
	info->num_regions = VFIO_PCI_NUM_REGIONS;
	info->num_irqs = VFIO_PCI_NUM_IRQS;
	if (info->argsz < need) {
		info->argsz = need;
		info->cap_offset = 0;
		return 0;
	}
	info->cap_offset = k.cap_offset;
	memcpy(info + 1, k.chain, k.chain_len);
	return 0;
}

static int
fake_region(struct vfio_region_info *ri)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;

	ri->cap_offset = 0;
	switch (ri->index) {
	case 0:
		ri->offset = 0;
		ri->size = k.bar0_size;
		ri->flags = rw | VFIO_REGION_INFO_FLAG_MMAP;
		return 0;
	case 2:
		ri->offset = k.bar2_offset;
		ri->size = 4096;
		ri->flags = k.bar2_flags | VFIO_REGION_INFO_FLAG_MMAP;
		return 0;
	case 7:
		ri->offset = UINT64_C(7) << 48;
		ri->size = 256;
		ri->flags = rw;
		return 0;
	case 1: case 3: case 4: case 5:
		ri->offset = (uint64_t)ri->index << 48;
		ri->size = 0;
		ri->flags = 0;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int
fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (fd != FAKE_FD)
		return ism_vfio_sys_libc.ioctl(fd, req, arg);
	if (req == VFIO_DEVICE_GET_INFO)
		return fake_get_info(arg);
	if (req == VFIO_DEVICE_GET_REGION_INFO)
		return fake_region(arg);
	errno = ENOTTY;
	return -1;
}

static ssize_t
fake_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (fd != FAKE_FD)
		return ism_vfio_sys_libc.pwrite(fd, buf, len, off);
	k.pwrites++;
	if (k.pwrite_errno != 0) {
		errno = k.pwrite_errno;
		return -1;
	}
	return k.pwrite_ret >= 0 ? k.pwrite_ret : (ssize_t)len;
}

static ssize_t
fake_pread(int fd, void *buf, size_t len, off_t off)
{
	if (fd != FAKE_FD)
		return ism_vfio_sys_libc.pread(fd, buf, len, off);
	k.preads++;
	if (k.pread_errno != 0) {
		errno = k.pread_errno;
		return -1;
	}
	memset(buf, 0, len);
	return (ssize_t)len;
}

static void *
fake_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd == FAKE_FD)
		k.mmaps++;
	return ism_vfio_sys_libc.mmap(addr, len, prot, flags, fd, off);
}

static struct ism_vfio_sys fake;

/* Append a capability at @at (offset in the whole answer). */
static void
put_cap(uint32_t at, const void *cap, size_t len)
{
	memcpy(k.chain + (at - INFO_LEN), cap, len);
	if (at - INFO_LEN + len > k.chain_len)
		k.chain_len = (uint32_t)(at - INFO_LEN + len);
}

static void
group_cap(uint32_t at, uint16_t version, uint16_t imaxstbl, uint32_t next,
	  size_t len)
{
	struct vfio_device_info_cap_zpci_group g;

	memset(&g, 0, sizeof(g));
	g.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_GROUP;
	g.header.version = version;
	g.header.next = next;
	g.maxstbl = 128;
	g.imaxstbl = imaxstbl;
	put_cap(at, &g, len < sizeof(g) ? len : sizeof(g));
}

static void
base_cap(uint32_t at, uint64_t start, uint64_t end, uint32_t next)
{
	struct vfio_device_info_cap_zpci_base b;

	memset(&b, 0, sizeof(b));
	b.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_BASE;
	b.header.version = 2;
	b.header.next = next;
	b.start_dma = start;
	b.end_dma = end;
	put_cap(at, &b, sizeof(b));
}

static int
attach(struct ism_vfio_dev **d)
{
	vt_log_clear();
	return ism_vfio_dev_attach(FAKE_FD, "fake", &fake, d);
}

static void
test_chains(void)
{
	const struct ism_vfio_info *in;
	struct ism_vfio_dev *d;
	const size_t gsz = sizeof(struct vfio_device_info_cap_zpci_group);

	/* base then group, the group at an odd offset */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	base_cap(INFO_LEN, 0x10000000, 0x1fffffff, INFO_LEN + 41);
	group_cap(INFO_LEN + 41, 2, 2048, 0, gsz);
	CHECK_EQ(attach(&d), 0, "base cap, then a group cap at an odd offset");
	in = ism_vfio_dev_info(d);
	CHECK(in->max_store == 2048 && in->store_src == ISM_VFIO_STORE_IMAXSTBL &&
	      in->cap_maxstbl == 128, "imaxstbl 2048 read unaligned, maxstbl 128 unused");
	CHECK(in->aperture_known && in->start_dma == 0x10000000 &&
	      in->end_dma == 0x1fffffff, "the aperture");
	CHECK_EQ(k.mmaps, 0, "nothing mmapped though the BARs claim MMAP");
	ism_vfio_dev_detach(d);

	/* a loop */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	base_cap(INFO_LEN, 0x10000000, 0x1fffffff, INFO_LEN);
	CHECK_EQ(attach(&d), 0, "a capability that points to itself");
	CHECK(vt_log_has("a loop?"), "the loop is cut and said");
	ism_vfio_dev_detach(d);

	/* outside the answer */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	group_cap(INFO_LEN, 2, 1024, 4000, gsz);
	CHECK_EQ(attach(&d), 0, "a chain pointing past the answer");
	CHECK(vt_log_has("lies outside"), "the bad link is said");
	CHECK_EQ(ism_vfio_dev_info(d)->max_store, 1024,
		 "the capability before it still counts");
	ism_vfio_dev_detach(d);
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = 8;	/* inside the fixed header */
	group_cap(INFO_LEN, 2, 1024, 0, gsz);
	CHECK_EQ(attach(&d), 0, "a first capability inside the fixed header");
	CHECK(vt_log_has("lies outside") &&
	      ism_vfio_dev_info(d)->store_src == ISM_VFIO_STORE_DEFAULT_NOCAP,
	      "ignored: no capability");
	ism_vfio_dev_detach(d);

	/* version 2, but the next capability starts before imaxstbl */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	group_cap(INFO_LEN, 2, 1024, INFO_LEN + 36, gsz);
	base_cap(INFO_LEN + 36, 0x10000000, 0x1fffffff, 0);
	CHECK_EQ(attach(&d), 0, "a version-2 group capability cut before imaxstbl");
	in = ism_vfio_dev_info(d);
	CHECK(in->max_store == 4096 && in->store_src == ISM_VFIO_STORE_DEFAULT_V1,
	      "read as version 1: 4096");
	ism_vfio_dev_detach(d);

	/* imaxstbl 0 */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	group_cap(INFO_LEN, 2, 0, 0, gsz);
	CHECK_EQ(attach(&d), 0, "imaxstbl 0");
	in = ism_vfio_dev_info(d);
	CHECK(in->max_store == 4096 && in->store_src == ISM_VFIO_STORE_DEFAULT_ZERO &&
	      vt_log_has("imaxstbl 0"), "4096, with a warning");
	ism_vfio_dev_detach(d);

	/* an aperture that ends before it starts */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	base_cap(INFO_LEN, 0x20000000, 0x1fffffff, 0);
	CHECK_EQ(attach(&d), 0, "an empty aperture");
	CHECK(!ism_vfio_dev_info(d)->aperture_known && vt_log_has("empty DMA aperture"),
	      "ignored, with a warning");
	ism_vfio_dev_detach(d);

	/* the chain grows once, then keeps growing */
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.cap_offset = INFO_LEN;
	group_cap(INFO_LEN, 2, 512, 0, gsz);
	k.grow = 8;
	CHECK_EQ(attach(&d), -EINVAL, "a chain that grows on every call");
	CHECK(vt_log_has("more room"), "given up, and said");
	reset();
	k.flags |= VFIO_DEVICE_FLAGS_CAPS;
	k.chain_len = 70000;	/* more than any sane chain; not copied */
	CHECK_EQ(attach(&d), -EINVAL, "a 70 kB chain is refused");
}

static void
test_regions(void)
{
	struct ism_vfio_dev *d;

	reset();
	k.flags = 0;
	CHECK_EQ(attach(&d), -ENODEV, "not a PCI device");
	reset();
	k.bar0_size = UINT64_C(1) << 40;
	CHECK_EQ(attach(&d), -ENODEV, "a BAR 0 of 1 TiB");
	CHECK(vt_log_has("this is not an ISM function driven by ism_vfio_pci"),
	      "named as not ISM on ism_vfio_pci");
	reset();
	k.bar2_flags = VFIO_REGION_INFO_FLAG_WRITE;
	CHECK_EQ(attach(&d), -ENODEV, "a BAR 2 that cannot be read");
	reset();
	k.bar2_offset = UINT64_C(0x7ffffffffffff800);
	CHECK_EQ(attach(&d), -EINVAL, "a region beyond what an off_t reaches");
	CHECK(vt_log_has("beyond what pread/pwrite can address"), "said so");
}

static void
test_access(void)
{
	struct ism_vfio_stats st;
	struct ism_vfio_dev *d;
	uint8_t buf[64] = { 0 };

	reset();
	if (attach(&d) != 0) {
		CHECK(false, "a plain function attaches");
		return;
	}
	CHECK(ism_vfio_dev_info(d)->max_store == 4096 &&
	      ism_vfio_dev_info(d)->store_src == ISM_VFIO_STORE_DEFAULT_NOCAP,
	      "no capabilities: 4096");
	k.pwrite_ret = 63;
	k.pwrites = 0;
	CHECK_EQ(ism_vfio_dev_store(d, 0, 0, buf, 64), -EIO, "a store cut short: EIO");
	CHECK_EQ(k.pwrites, 1, "never completed by a second PCISTB");
	CHECK(vt_log_has("was cut to 63 bytes"), "said so");
	k.pwrite_ret = -1;
	k.pwrite_errno = EINTR;
	k.pwrites = 0;
	CHECK_EQ(ism_vfio_dev_store(d, 0, 0, buf, 64), -EINTR,
		 "EINTR without end: given up");
	CHECK(k.pwrites > 100 && k.pwrites < 100000, "after a bounded number of tries (%u)",
	      k.pwrites);
	k.pwrite_errno = 0;
	k.pread_errno = EFAULT;
	vt_log_clear();
	CHECK_EQ(ism_vfio_dev_config_read(d, 0, buf, 4), -EFAULT,
		 "config read the kernel fails with EFAULT");
	CHECK(vt_log_has("past the end of config space (EFAULT)"), "reported as such");
	ism_vfio_dev_stats(d, &st);
	CHECK_EQ(st.errors, 3, "three errors counted");
	ism_vfio_dev_detach(d);
}

int
main(void)
{
	fake = ism_vfio_sys_libc;
	fake.ioctl = fake_ioctl;
	fake.pwrite = fake_pwrite;
	fake.pread = fake_pread;
	fake.mmap = fake_mmap;
	vt_log_capture(true);
	test_chains();
	test_regions();
	test_access();
	return check_done();
}

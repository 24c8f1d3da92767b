/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO_DEVICE_GET_REGION_INFO and the region layouts (VFIO_ISM_EMU_SHIFT
 * picks one per run: 48, 40, random, dynamic): which indexes exist, their
 * sizes and flags, EINVAL with zeroed fields for the others, and that the
 * device is reached at the offsets the kernel reports, whatever they are.
 * A dynamic layout has offsets unrelated to the index; index << 48 there
 * is no region at all.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "emu_test.h"
#include "ism_proto.h"

#define A_ADDR	"0000:00:01.0"
#define B_ADDR	"0000:00:02.0"
#define C_ADDR	"0000:00:03.0"

static bool
is_index_shift(uint64_t offset, unsigned int index)
{
	for (unsigned int s = 32; s <= 58; s++)
		if (offset == (uint64_t)index << s)
			return true;
	return false;
}

static void
check_table(struct et_fn *f, uint32_t cfg_size, const char *what)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
		VFIO_REGION_INFO_FLAG_WRITE;
	unsigned int shift = vism_emu_shift(f->addr);

	CHECK(f->reg[0].size == UINT64_C(1) << 48 && f->reg[0].flags == rw,
	      "%s: BAR 0 is 2^48 bytes, READ|WRITE", what);
	CHECK(f->reg[2].size == 4096 && f->reg[2].flags == rw,
	      "%s: BAR 2 is the 4 KiB command area, READ|WRITE", what);
	CHECK(f->reg[1].size == 0 && f->reg[1].flags == 0 &&
	      f->reg[3].size == 0 && f->reg[3].flags == 0 &&
	      f->reg[4].size == 0 && f->reg[5].flags == 0,
	      "%s: the empty BARs have size and flags 0", what);
	CHECK(f->reg[7].size == cfg_size && f->reg[7].flags == rw,
	      "%s: config space is %u bytes, READ|WRITE", what, cfg_size);
	if (shift != 0) {
		bool ok = true;

		for (unsigned int i = 0; i <= 7; i++)
			if (i != 6 && f->reg[i].offset != (uint64_t)i << shift)
				ok = false;
		CHECK(ok, "%s: every region at index << %u", what, shift);
		return;
	}
	/* dynamic */
	{
		const unsigned int live[] = { 0, 2, 7 };
		bool aligned = true, unrelated = true, apart = true, inside = true;

		for (unsigned int i = 0; i < 3; i++) {
			const struct vfio_region_info *r = &f->reg[live[i]];

			aligned &= (r->offset & 4095) == 0;
			unrelated &= !is_index_shift(r->offset, live[i]) &&
				r->offset != 0;
			inside &= r->offset + r->size > r->offset &&
				r->offset + r->size <= (uint64_t)INT64_MAX;
			for (unsigned int j = 0; j < i; j++) {
				const struct vfio_region_info *o = &f->reg[live[j]];

				apart &= r->offset >= o->offset + o->size ||
					o->offset >= r->offset + r->size;
			}
		}
		CHECK(aligned, "%s: dynamic offsets are page-aligned", what);
		CHECK(unrelated, "%s: and not index << anything", what);
		CHECK(apart, "%s: the regions do not overlap", what);
		CHECK(inside, "%s: and lie inside off_t", what);
		CHECK(f->reg[7].offset < f->reg[2].offset &&
		      f->reg[2].offset < f->reg[0].offset,
		      "%s: config, BAR 2, BAR 0 in that order", what);
	}
}

static void
check_refused(struct et_fn *f, const char *what)
{
	static const uint32_t bad[] = { 6, 8, 9, 100 };

	for (unsigned int i = 0; i < 4; i++) {
		struct vfio_region_info ri;
		int rc;

		memset(&ri, 0xff, sizeof(ri));
		ri.argsz = sizeof(ri);
		ri.index = bad[i];
		rc = et_sys->ioctl(f->dev, VFIO_DEVICE_GET_REGION_INFO, &ri);
		CHECK(rc < 0 && errno == EINVAL && ri.offset == 0 && ri.size == 0 &&
		      ri.flags == 0,
		      "%s: region %u is EINVAL with offset, size and flags 0",
		      what, bad[i]);
	}
	{
		struct vfio_region_info ri = { .argsz = sizeof(ri) - 1, .index = 0 };

		CHECK(et_sys->ioctl(f->dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 &&
		      errno == EINVAL, "%s: argsz below the structure is EINVAL",
		      what);
	}
}

static void
check_reached(struct et_fn *f, const char *what)
{
	uint8_t id[4], b[8];

	CHECK(et_gid(f) != 0 && et_gid(f) == vism_emu_gid(f->addr),
	      "%s: READ_GID through BAR 2 at its reported offset", what);
	CHECK(et_pread(f, VFIO_PCI_CONFIG_REGION_INDEX, id, 4, 0) == 4 &&
	      id[0] == 0x14 && id[1] == 0x10 && id[2] == 0xed && id[3] == 0x04,
	      "%s: config space at its reported offset", what);
	if (vism_emu_shift(f->addr) == 0) {
		bool none = true;

		/* 1 << 48 lies inside the 2^48-byte BAR 0 wherever it starts */
		for (unsigned int i = 0; i < 8; i++)
			if (i != 1)
				none &= et_sys->pread(f->dev, b, 8,
						      (off_t)((uint64_t)i << 48)) < 0 &&
					errno == EINVAL;
		CHECK(none, "%s: nothing at index << 48 (index 0, 2..7) in a dynamic layout",
		      what);
	}
}

int
main(void)
{
	struct et_fn f;

	et_setup();
	et_add(A_ADDR ",group=1,cdev=0");
	et_add(B_ADDR ",group=2,config_size=4096");
	et_add(C_ADDR ",group=3,mmap=1");

	CHECK_EQ(et_open_group(&f, A_ADDR, 1), 0, "A via its group");
	check_table(&f, 256, "group");
	check_refused(&f, "group");
	check_reached(&f, "group");
	et_close(&f);

	CHECK_EQ(et_open_cdev(&f, A_ADDR, 0), 0, "A via its cdev");
	check_table(&f, 256, "cdev");
	check_refused(&f, "cdev");
	check_reached(&f, "cdev");
	et_close(&f);

	CHECK_EQ(et_open_group(&f, B_ADDR, 2), 0, "B (config_size=4096)");
	check_table(&f, 4096, "B");
	et_close(&f);

	CHECK_EQ(et_open_group(&f, C_ADDR, 3), 0, "C (mmap=1)");
	CHECK((f.reg[0].flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	      (f.reg[2].flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	      !(f.reg[7].flags & VFIO_REGION_INFO_FLAG_MMAP),
	      "C's BARs claim MMAP, its config space does not");
	CHECK(et_sys->mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f.dev,
			   (off_t)f.reg[2].offset) == MAP_FAILED && errno == EINVAL,
	      "mapping a BAR still fails (ISM BARs are never mappable)");
	et_close(&f);
	return check_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO_DEVICE_GET_INFO: the argsz protocol (too small: argsz grows, no
 * capability written, nothing past argsz touched) and the zPCI capability
 * chain: ZPCI_BASE with the aperture, ZPCI_GROUP version 2 with maxstbl
 * 128 and imaxstbl the function's limit (version 1 ends before imaxstbl,
 * cap_version=0 has none), and a capability to skip. Bad settings refuse
 * the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emu_test.h"

#define BUF 512
/* the fixed part of struct vfio_device_info with the pad of current
 * kernels (Debian 12's header has no pad and says 20) */
#define INFO_SIZE 24

struct chain {
	const struct vfio_device_info_cap_zpci_base *base;
	const struct vfio_device_info_cap_zpci_group *group;
	uint32_t group_len;	/* bytes up to the next capability */
	unsigned int n;
	bool well_formed;
	bool util_seen;
};

static void
walk(const uint8_t *buf, uint32_t argsz, struct chain *c)
{
	const struct vfio_device_info *info = (const void *)buf;
	uint32_t at = info->cap_offset;

	memset(c, 0, sizeof(*c));
	c->well_formed = at == INFO_SIZE;
	while (at != 0 && c->n < 8) {
		const struct vfio_info_cap_header *h = (const void *)(buf + at);

		if (at % 8 != 0 || at + sizeof(*h) > argsz ||
		    (h->next != 0 && h->next <= at)) {
			c->well_formed = false;
			break;
		}
		if (h->id == VFIO_DEVICE_INFO_CAP_ZPCI_BASE)
			c->base = (const void *)h;
		else if (h->id == VFIO_DEVICE_INFO_CAP_ZPCI_GROUP) {
			c->group = (const void *)h;
			c->group_len = h->next - at;
		} else if (h->id == VFIO_DEVICE_INFO_CAP_ZPCI_UTIL)
			c->util_seen = true;
		c->n++;
		at = h->next;
	}
}

/* GET_INFO with room for everything; 0 or -errno. */
static int
info_full(struct et_fn *f, uint8_t *buf, uint32_t *argsz)
{
	struct vfio_device_info *info = (void *)buf;

	memset(buf, 0, BUF);
	info->argsz = INFO_SIZE;
	if (et_sys->ioctl(f->dev, VFIO_DEVICE_GET_INFO, info) < 0)
		return -errno;
	*argsz = info->argsz;
	if (*argsz > BUF)
		return -E2BIG;
	memset(buf, 0, BUF);
	info->argsz = *argsz;
	return et_sys->ioctl(f->dev, VFIO_DEVICE_GET_INFO, info) < 0 ? -errno : 0;
}

static void
argsz_protocol(struct et_fn *f)
{
	uint8_t buf[BUF];
	struct vfio_device_info *info = (void *)buf;

	memset(buf, 0xab, sizeof(buf));
	info->argsz = INFO_SIZE;
	CHECK_EQ(et_sys->ioctl(f->dev, VFIO_DEVICE_GET_INFO, info), 0,
		 "GET_INFO with argsz = the fixed part");
	CHECK(info->flags == (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET |
			      VFIO_DEVICE_FLAGS_CAPS),
	      "flags PCI|RESET|CAPS (0x%x)", info->flags);
	CHECK(info->num_regions == VFIO_PCI_NUM_REGIONS &&
	      info->num_irqs == VFIO_PCI_NUM_IRQS, "9 regions, 5 IRQ indexes");
	CHECK(info->argsz > INFO_SIZE && info->cap_offset == 0,
	      "too small: argsz says what is needed (%u), cap_offset stays 0",
	      info->argsz);
	CHECK(buf[INFO_SIZE] == 0xab && buf[BUF - 1] == 0xab,
	      "and nothing was written past argsz");

	memset(buf, 0xab, sizeof(buf));
	info->argsz = 16;
	CHECK_EQ(et_sys->ioctl(f->dev, VFIO_DEVICE_GET_INFO, info), 0,
		 "argsz 16 (up to num_irqs) is enough to ask");
	CHECK(info->num_irqs == VFIO_PCI_NUM_IRQS && buf[16] == 0xab &&
	      buf[23] == 0xab, "only those 16 bytes are written back");

	info->argsz = 15;
	CHECK(et_sys->ioctl(f->dev, VFIO_DEVICE_GET_INFO, info) < 0 &&
	      errno == EINVAL, "argsz 15 is EINVAL");
}

static void
chain_of(const char *addr, int group, unsigned int version, uint64_t start,
	 uint64_t end, uint16_t maxstbl, uint16_t imaxstbl)
{
	uint8_t buf[BUF];
	struct chain c;
	struct et_fn f;
	uint32_t argsz = 0;

	CHECK_EQ(et_open_group(&f, addr, group), 0, "%s opens", addr);
	if (f.dev < 0)
		return;
	if (version == 2)
		argsz_protocol(&f);
	CHECK_EQ(info_full(&f, buf, &argsz), 0, "%s: GET_INFO with room", addr);
	walk(buf, argsz, &c);
	CHECK(c.well_formed, "%s: the chain starts after the fixed part, each next ahead and aligned",
	      addr);
	CHECK(c.util_seen, "%s: a capability the reader has to skip", addr);
	CHECK(c.base != NULL && c.base->header.version == 2 &&
	      c.base->start_dma == start && c.base->end_dma == end &&
	      c.base->pft == 5,
	      "%s: ZPCI_BASE v2 with the aperture %#llx-%#llx, pft ISM", addr,
	      (unsigned long long)start, (unsigned long long)end);
	if (version == 0) {
		CHECK(c.group == NULL && c.n == 2,
		      "%s: cap_version=0: no ZPCI_GROUP", addr);
	} else if (version == 1) {
		CHECK(c.group != NULL && c.group->header.version == 1 &&
		      c.group->maxstbl == maxstbl &&
		      c.group_len == 40 && c.group_len <
		      offsetof(struct vfio_device_info_cap_zpci_group, imaxstbl) + 2,
		      "%s: ZPCI_GROUP v1 ends before imaxstbl (%u bytes)", addr,
		      c.group_len);
	} else {
		CHECK(c.group != NULL && c.group->header.version == 2 &&
		      c.group_len >= sizeof(*c.group),
		      "%s: ZPCI_GROUP v2, whole", addr);
		if (c.group != NULL) {
			CHECK_EQ(c.group->maxstbl, maxstbl,
				 "%s: maxstbl is the generic field", addr);
			CHECK_EQ(c.group->imaxstbl, imaxstbl,
				 "%s: imaxstbl is the function's store limit", addr);
			CHECK_EQ(c.group->noi, 1, "%s: one MSI", addr);
		}
	}
	et_close(&f);
}

/* Open @addr in @group; its zPCI group capability says @imaxstbl and
 * @maxstbl. */
static void
group_stbl(const char *addr, int group, uint32_t imaxstbl, uint32_t maxstbl,
	   const char *what)
{
	struct et_fn f;
	uint8_t buf[BUF];
	struct chain c;
	uint32_t argsz = 0;

	CHECK_EQ(et_open_group(&f, addr, group), 0, "%s", what);
	if (f.dev < 0)
		return;
	info_full(&f, buf, &argsz);
	walk(buf, argsz, &c);
	CHECK(c.group != NULL && c.group->imaxstbl == imaxstbl &&
	      c.group->maxstbl == maxstbl, "... imaxstbl %u, maxstbl %u",
	      imaxstbl, maxstbl);
	et_close(&f);
}

static void
refused(const char *spec, const char *addr, int group, const char *why)
{
	struct et_fn f;

	et_add(spec);
	CHECK_EQ(et_open_group(&f, addr, group), -EINVAL,
		 "%s: the device is refused", why);
}

int
main(void)
{
	struct et_fn f;

	et_setup();
	et_add("0000:00:01.0,group=1");
	et_add("0000:00:02.0,group=2,cap_version=1,imaxstbl=2048");
	et_add("0000:00:03.0,group=3,cap_version=0");
	et_add("0000:00:04.0,group=4,aperture=200000000-2ffffffff,maxstbl=64,imaxstbl=1024");

	chain_of("0000:00:01.0", 1, 2, 0x100000000, 0x7fffffffffff, 128, 4096);
	chain_of("0000:00:02.0", 2, 1, 0x100000000, 0x7fffffffffff, 128, 2048);
	chain_of("0000:00:03.0", 3, 0, 0x100000000, 0x7fffffffffff, 128, 4096);
	chain_of("0000:00:04.0", 4, 2, 0x200000000, 0x2ffffffff, 64, 1024);

	refused("0000:00:05.0,group=5,maxstlb=2048", "0000:00:05.0", 5,
		"an unknown key");
	refused("0000:00:06.0,group=6,cap_version=3", "0000:00:06.0", 6,
		"cap_version=3");
	refused("0000:00:07.0,group=7,aperture=2000-1000", "0000:00:07.0", 7,
		"an empty aperture");
	refused("0000:00:08.0,group=8,config_size=512", "0000:00:08.0", 8,
		"config_size=512");

	setenv("VFIO_ISM_EMU_DEFAULTS", "imaxstbl=512,maxstbl=32", 1);
	group_stbl("0000:00:01.0", 1, 512, 32,
		   "VFIO_ISM_EMU_DEFAULTS applies to every function");
	group_stbl("0000:00:04.0", 4, 1024, 64,
		   "a function's own file wins over the defaults");
	setenv("VFIO_ISM_EMU_DEFAULTS", "bogus", 1);
	CHECK_EQ(et_open_group(&f, "0000:00:01.0", 1), -EINVAL,
		 "bad VFIO_ISM_EMU_DEFAULTS refuse the device");
	unsetenv("VFIO_ISM_EMU_DEFAULTS");
	return check_done();
}

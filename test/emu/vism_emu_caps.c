/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO_DEVICE_GET_INFO with the s390 zPCI capability chain, as vfio-pci
 * builds it:
 *  - argsz below the fixed part (up to num_irqs) is EINVAL; otherwise at
 *    most argsz bytes of the fixed part are written back;
 *  - flags PCI|RESET|CAPS; when argsz has no room for the chain, argsz is
 *    set to the size needed, cap_offset stays 0 and no capability is
 *    written (the caller asks again); else the chain follows the fixed
 *    part, cap_offset points at it and each header's next is an offset
 *    from the start of the structure (0 ends it);
 *  - the chain: ZPCI_BASE (version 2: start_dma/end_dma, the aperture;
 *    pft 5, ISM), ZPCI_GROUP (version 2: maxstbl is what the kernel puts
 *    there, ZPCI_MAX_WRITE_SIZE = 128, not the ISM store limit; imaxstbl
 *    is the function's own limit, the one pwrite enforces; cap_version=1
 *    gives the version-1 layout, which ends before imaxstbl;
 *    cap_version=0 leaves the group capability out), ZPCI_UTIL (a utility
 *    string, so that readers have an id to skip).
 * Fields the emulation does not model (pchid, fh, dasm, msi_addr, ...) are
 * 0.
 */
#include <errno.h>
#include <string.h>

#include "vism_emu_priv.h"

#define CAP_ALIGN(n)		(((n) + 7u) & ~(size_t)7u)
#define ZPCI_PFT_ISM		5
#define ZPCI_UTIL_STR_LEN	64
#define CAPS_MAX		256
/* struct vfio_device_info of current kernels: the fixed part ends with a
 * pad after cap_offset, so the chain starts 8-byte aligned. Older uAPI
 * headers (Linux 6.1) lack the pad and say 20. */
#define INFO_SIZE		24u

struct cap_util {
	struct vfio_info_cap_header header;
	uint32_t size;
	uint8_t util_str[ZPCI_UTIL_STR_LEN];
};

/* "ISM" in EBCDIC, blank-padded as zPCI utility strings are. */
static void
util_string(uint8_t *s)
{
	memset(s, 0x40, ZPCI_UTIL_STR_LEN);
	s[0] = 0xc9;
	s[1] = 0xe2;
	s[2] = 0xd4;
}

/* Append one capability at @len of @buf; returns its offset. */
static size_t
cap_put(uint8_t *buf, size_t *len, const void *cap, size_t size)
{
	size_t at = *len;

	memcpy(buf + at, cap, size);
	*len = at + CAP_ALIGN(size);
	return at;
}

/* The chain as it sits after a fixed part of @base bytes. */
static size_t
caps_build(const struct emu_dev *d, uint8_t *buf, size_t base)
{
	struct vfio_device_info_cap_zpci_base b;
	struct vfio_device_info_cap_zpci_group g;
	struct cap_util u;
	struct vfio_info_cap_header *prev;
	size_t len = 0, at;

	memset(buf, 0, CAPS_MAX);
	memset(&b, 0, sizeof(b));
	b.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_BASE;
	b.header.version = 2;
	b.start_dma = d->cfg.start_dma;
	b.end_dma = d->cfg.end_dma;
	b.pft = ZPCI_PFT_ISM;
	at = cap_put(buf, &len, &b, sizeof(b));
	prev = (struct vfio_info_cap_header *)(buf + at);

	if (d->cfg.cap_version > 0) {
		memset(&g, 0, sizeof(g));
		g.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_GROUP;
		g.header.version = (uint16_t)d->cfg.cap_version;
		g.noi = d->cfg.msi ? 1 : 0;
		g.maxstbl = (uint16_t)d->cfg.maxstbl;
		if (d->cfg.cap_version >= 2)
			g.imaxstbl = (uint16_t)d->cfg.imaxstbl;
		at = cap_put(buf, &len, &g, d->cfg.cap_version >= 2 ? sizeof(g) :
			     offsetof(struct vfio_device_info_cap_zpci_group,
				      reserved));
		prev->next = (uint32_t)(base + at);
		prev = (struct vfio_info_cap_header *)(buf + at);
	}

	memset(&u, 0, sizeof(u));
	u.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_UTIL;
	u.header.version = 1;
	u.size = ZPCI_UTIL_STR_LEN;
	util_string(u.util_str);
	at = cap_put(buf, &len, &u, sizeof(u));
	prev->next = (uint32_t)(base + at);
	return len;
}

int
emu_dev_get_info(struct emu_dev *d, struct vfio_device_info *user)
{
	const size_t fixed = offsetof(struct vfio_device_info, cap_offset);
	uint8_t raw[INFO_SIZE];
	struct vfio_device_info info;
	uint8_t caps[CAPS_MAX];
	size_t clen, out;

	if (user->argsz < fixed)
		return -EINVAL;
	/* what is written back, decided before argsz may grow */
	out = user->argsz < INFO_SIZE ? user->argsz : INFO_SIZE;
	memset(&info, 0, sizeof(info));
	info.argsz = user->argsz;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET |
		VFIO_DEVICE_FLAGS_CAPS;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	clen = caps_build(d, caps, INFO_SIZE);
	if (info.argsz < INFO_SIZE + clen) {
		info.argsz = (uint32_t)(INFO_SIZE + clen);
	} else {
		memcpy((uint8_t *)user + INFO_SIZE, caps, clen);
		info.cap_offset = INFO_SIZE;
	}
	memset(raw, 0, sizeof(raw));
	memcpy(raw, &info, sizeof(info) < INFO_SIZE ? sizeof(info) : INFO_SIZE);
	memcpy(user, raw, out);
	return 0;
}

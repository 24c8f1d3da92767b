/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO_DEVICE_GET_INFO and its capability chain: is this a PCI device,
 * how many IRQ indexes, and the two zPCI capabilities that matter:
 *  - ZPCI_GROUP: the store limit. Its maxstbl field is NOT the ISM limit
 *    (the kernel puts the generic interpreted write size, 128, there); the
 *    function's own limit, the one ism_vfio_pci enforces, is imaxstbl,
 *    present from capability version 2. Without it: 4096.
 *  - ZPCI_BASE: the DMA aperture [start_dma, end_dma].
 * The chain is kernel memory copied to us, but walked as if it were not to
 * be trusted: every offset in bounds, a hop limit, fields copied out (no
 * alignment is promised), short capabilities read only as far as they go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ism_vfio_priv.h"

#define CAPS_MAX_LEN	65536u	/* a chain larger than this is nonsense */
#define CAPS_MAX_TRIES	4	/* re-queries while argsz keeps growing */
#define CAPS_MAX_HOPS	64

/* GET_INFO with room for the chain; the kernel says how much it needs in
 * argsz and may need more on the next call (a chain is rebuilt each
 * time), so ask again a few times. *bufp is malloc'd, *lenp its size. */
static int
get_info_chain(struct ism_vfio_dev *d, uint32_t want, uint8_t **bufp,
	       uint32_t *lenp)
{
	for (int tries = 0; tries < CAPS_MAX_TRIES; tries++) {
		struct vfio_device_info *info;
		uint8_t *buf;

		if (want > CAPS_MAX_LEN) {
			ISM_ERR("%s: VFIO_DEVICE_GET_INFO wants %u bytes; refusing a capability chain larger than %u",
				d->name, want, CAPS_MAX_LEN);
			return -EINVAL;
		}
		buf = calloc(1, want);
		if (buf == NULL)
			return -ENOMEM;
		info = (struct vfio_device_info *)buf;
		info->argsz = want;
		if (d->sys->ioctl(d->fd, VFIO_DEVICE_GET_INFO, buf) < 0) {
			int err = errno;

			free(buf);
			if (err == ENODEV)
				ism_vfio_dev_mark_gone(d, "VFIO_DEVICE_GET_INFO");
			else
				ISM_ERR("%s: VFIO_DEVICE_GET_INFO with %u bytes for capabilities failed: %s",
					d->name, want, strerror(err));
			return -err;
		}
		if (info->argsz <= want) {
			*bufp = buf;
			*lenp = want;
			return 0;
		}
		want = info->argsz;	/* the chain grew: once more */
		free(buf);
	}
	ISM_ERR("%s: VFIO_DEVICE_GET_INFO wanted more room %d times in a row; giving up",
		d->name, CAPS_MAX_TRIES);
	return -EINVAL;
}

static void
zpci_group(struct ism_vfio_dev *d, const uint8_t *cap, size_t avail)
{
	struct ism_vfio_info *in = &d->info;
	struct vfio_device_info_cap_zpci_group g;
	const size_t maxstbl_end = offsetof(__typeof__(g), maxstbl) +
				   sizeof(g.maxstbl);
	const size_t imaxstbl_end = offsetof(__typeof__(g), imaxstbl) +
				    sizeof(g.imaxstbl);

	memset(&g, 0, sizeof(g));
	memcpy(&g, cap, avail < sizeof(g) ? avail : sizeof(g));
	/* as reported; kernels start at 1, so 0 still reads as "absent" */
	in->cap_version = g.header.version > UINT8_MAX ? UINT8_MAX :
			  (uint8_t)g.header.version;
	if (avail >= maxstbl_end)
		in->cap_maxstbl = g.maxstbl;	/* informational only */
	if (g.header.version < 2 || avail < imaxstbl_end) {
		in->max_store = ISM_MAX_STORE;
		in->store_src = ISM_VFIO_STORE_DEFAULT_V1;
		ISM_INFO("%s: zPCI group capability version %u has no imaxstbl; store limit %u",
			 d->name, g.header.version, ISM_MAX_STORE);
		return;
	}
	in->cap_imaxstbl = g.imaxstbl;
	if (g.imaxstbl == 0) {
		in->max_store = ISM_MAX_STORE;
		in->store_src = ISM_VFIO_STORE_DEFAULT_ZERO;
		ISM_WARN("%s: zPCI group capability reports imaxstbl 0; using a store limit of %u",
			 d->name, ISM_MAX_STORE);
		return;
	}
	in->store_src = ISM_VFIO_STORE_IMAXSTBL;
	if (g.imaxstbl > ISM_MAX_STORE) {
		ISM_INFO("%s: imaxstbl %u; stores stay at most %u bytes (one PCISTB never crosses 4 KiB)",
			 d->name, g.imaxstbl, ISM_MAX_STORE);
		in->max_store = ISM_MAX_STORE;
	} else {
		in->max_store = g.imaxstbl;
	}
}

static void
zpci_base(struct ism_vfio_dev *d, const uint8_t *cap, size_t avail)
{
	struct vfio_device_info_cap_zpci_base b;
	const size_t end = offsetof(__typeof__(b), end_dma) + sizeof(b.end_dma);

	if (avail < end) {
		ISM_WARN("%s: zPCI base capability of %zu bytes is too short for the DMA aperture; ignored",
			 d->name, avail);
		return;
	}
	memcpy(&b, cap, end);
	if (b.start_dma == 0 && b.end_dma == 0) {
		ISM_WARN("%s: zPCI base capability reports no DMA aperture (0..0); using the default",
			 d->name);
		return;
	}
	if (b.start_dma > b.end_dma) {
		ISM_WARN("%s: zPCI base capability reports an empty DMA aperture 0x%llx..0x%llx; ignored",
			 d->name, (unsigned long long)b.start_dma,
			 (unsigned long long)b.end_dma);
		return;
	}
	d->info.aperture_known = true;
	d->info.start_dma = b.start_dma;
	d->info.end_dma = b.end_dma;
}

static void
walk_chain(struct ism_vfio_dev *d, const uint8_t *buf, uint32_t len,
	   uint32_t first)
{
	bool seen_group = false, seen_base = false;
	uint32_t off = first;

	for (int hops = 0; off != 0; hops++) {
		struct vfio_info_cap_header h;
		uint32_t avail;

		if (hops == CAPS_MAX_HOPS) {
			ISM_WARN("%s: capability chain longer than %d entries (a loop?); ignoring the rest",
				 d->name, CAPS_MAX_HOPS);
			break;
		}
		if (off < sizeof(struct vfio_device_info) ||
		    off > len - sizeof(h)) {
			ISM_WARN("%s: capability at offset %u lies outside the %u-byte answer; ignoring the rest",
				 d->name, off, len);
			break;
		}
		memcpy(&h, buf + off, sizeof(h));
		/* a capability ends where the next one starts (the kernel
		 * chains them forward), the last one at the end */
		avail = h.next > off && h.next < len ? h.next - off : len - off;
		if (h.id == VFIO_DEVICE_INFO_CAP_ZPCI_GROUP && !seen_group) {
			seen_group = true;
			zpci_group(d, buf + off, avail);
		} else if (h.id == VFIO_DEVICE_INFO_CAP_ZPCI_BASE && !seen_base) {
			seen_base = true;
			zpci_base(d, buf + off, avail);
		}
		off = h.next;
	}
}

int
ism_vfio_caps_query(struct ism_vfio_dev *d)
{
	struct vfio_device_info first = { .argsz = sizeof(first) };
	struct ism_vfio_info *in = &d->info;
	uint8_t *buf = NULL;
	uint32_t len = 0;
	int rc;

	in->max_store = ISM_MAX_STORE;
	in->store_src = ISM_VFIO_STORE_DEFAULT_NOCAP;
	if (d->sys->ioctl(d->fd, VFIO_DEVICE_GET_INFO, &first) < 0) {
		int err = errno;

		if (err == ENODEV)
			ism_vfio_dev_mark_gone(d, "VFIO_DEVICE_GET_INFO");
		else
			ISM_ERR("%s: VFIO_DEVICE_GET_INFO failed: %s; is this fd a vfio device (bound and attached to an IOMMU)?",
				d->name, strerror(err));
		return -err;
	}
	if (!(first.flags & VFIO_DEVICE_FLAGS_PCI)) {
		ISM_ERR("%s: vfio says this is not a PCI device (flags 0x%x): this is not an ISM function driven by " ISM_VFIO_KDRV,
			d->name, first.flags);
		return -ENODEV;
	}
	d->num_irqs = first.num_irqs;
	if ((first.flags & VFIO_DEVICE_FLAGS_CAPS) &&
	    first.argsz > sizeof(first)) {
		rc = get_info_chain(d, first.argsz, &buf, &len);
		if (rc < 0)
			return rc;
		walk_chain(d, buf, len,
			   ((const struct vfio_device_info *)buf)->cap_offset);
		free(buf);
	}
	if (in->store_src == ISM_VFIO_STORE_DEFAULT_NOCAP)
		ISM_INFO("%s: no zPCI group capability; store limit %u",
			 d->name, ISM_MAX_STORE);
	if (!in->aperture_known)
		ISM_INFO("%s: no zPCI base capability; DMA addresses from 0x%llx to 0x%llx",
			 d->name, (unsigned long long)ISM_VFIO_DEFAULT_IOVA_LO,
			 (unsigned long long)ISM_VFIO_DEFAULT_IOVA_HI);
	if (in->max_store < ISM_VFIO_MIN_STORE) {
		ISM_ERR("%s: store limit %u (imaxstbl) is below the %u bytes an ISM command body needs in one store; this function cannot be driven",
			d->name, in->max_store, (unsigned int)ISM_VFIO_MIN_STORE);
		return -EINVAL;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening an ISM function through vfio: EAL's vfio helpers set up the group
 * and container (and DMA-map EAL memory into it); then this file asks the
 * kernel about the device and checks the answer. Region offsets come only
 * from VFIO_DEVICE_GET_REGION_INFO (ism_vfio_pci uses index << 48, generic
 * vfio-pci index << 40, later kernels may differ), and nothing is mmapped:
 * ISM BARs are not mappable and every store must be one PCISTB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio_zdev.h>

#include <rte_interrupts.h>
#include <rte_vfio.h>

#include "ism_proto.h"
#include "vfio_ism_private.h"

/* Smallest command area that holds every request and response. */
#define VISM_MIN_CMD_AREA	256u
/* A store must hold the largest command body in one piece. */
#define VISM_MIN_MAXSTBL	(ISM_MAX_REQ_LEN - ISM_CMD_BODY_OFFSET)
#define VISM_MAX_INFO_LEN	65536u

void
vfio_ism_hw_get(struct vfio_ism_hw *hw)
{
	__atomic_add_fetch(&hw->refs, 1, __ATOMIC_RELAXED);
}

void
vfio_ism_hw_put(struct vfio_ism_hw *hw)
{
	if (__atomic_sub_fetch(&hw->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(hw);
}

/* Tell the user why EAL could not open the group or device. */
static void
explain_setup_failure(const struct rte_vfio_ism_device *dev, int rc)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->iommu_group);
	if (rc > 0 || access(path, F_OK) != 0) {
		VISM_LOG(ERR, "%s: %s does not exist: the function is not (or no longer) bound to " RTE_VFIO_ISM_KDRV "; check: ls -l %s/bus/pci/devices/%s/driver",
			 dev->name, path, vfio_ism_sysfs_root(), dev->name);
	} else if (access(path, R_OK | W_OK) != 0) {
		VISM_LOG(ERR, "%s: no permission to open %s: run as root, or give the user the group (chown USER %s) and raise the locked-memory limit (ulimit -l unlimited)",
			 dev->name, path, path);
	} else {
		VISM_LOG(ERR, "%s: vfio setup of IOMMU group %d failed (see the EAL messages above): another process may hold the group, or not every device of the group is bound to vfio (ls %s/kernel/iommu_groups/%d/devices)",
			 dev->name, dev->iommu_group, vfio_ism_sysfs_root(),
			 dev->iommu_group);
	}
}

/* maxstbl from the zPCI group capability, when the kernel offers it. */
static int
query_caps(struct vfio_ism_hw *hw, const struct vfio_device_info *first)
{
	struct vfio_device_info *info;
	uint32_t len = first->argsz, off;
	int hops = 0;

	hw->max_store = ISM_MAX_STORE;
	if (!(first->flags & VFIO_DEVICE_FLAGS_CAPS) ||
	    len <= sizeof(*first)) {
		VISM_LOG(INFO, "%s: no capability chain; maxstbl assumed %u",
			 hw->name, ISM_MAX_STORE);
		return 0;
	}
	if (len > VISM_MAX_INFO_LEN) {
		VISM_LOG(ERR, "%s: VFIO_DEVICE_GET_INFO wants %u bytes; refusing a capability chain that large",
			 hw->name, len);
		return -EINVAL;
	}
	info = calloc(1, len);
	if (info == NULL)
		return -ENOMEM;
	info->argsz = len;
	if (ioctl(hw->fd, VFIO_DEVICE_GET_INFO, info) < 0) {
		int rc = -errno;

		VISM_LOG(ERR, "%s: VFIO_DEVICE_GET_INFO with capabilities failed: %s",
			 hw->name, strerror(errno));
		free(info);
		return rc;
	}
	for (off = info->cap_offset; off != 0 && hops < 64; hops++) {
		struct vfio_device_info_cap_zpci_group g;
		struct vfio_info_cap_header h;

		if (off < sizeof(*info) || off > len - sizeof(h)) {
			VISM_LOG(WARNING, "%s: capability chain points outside the %u-byte info (offset %u); ignoring the rest",
				 hw->name, len, off);
			break;
		}
		/* copied out: nothing promises the kernel aligns them */
		memcpy(&h, (const uint8_t *)info + off, sizeof(h));
		if (h.id == VFIO_DEVICE_INFO_CAP_ZPCI_GROUP &&
		    off + offsetof(struct vfio_device_info_cap_zpci_group, maxstbl) +
		    sizeof(g.maxstbl) <= len) {
			memset(&g, 0, sizeof(g));
			memcpy(&g, (const uint8_t *)info + off,
			       RTE_MIN(sizeof(g), (size_t)(len - off)));
			if (g.maxstbl == 0) {
				VISM_LOG(WARNING, "%s: zPCI group capability reports maxstbl 0; using %u",
					 hw->name, ISM_MAX_STORE);
			} else if (g.maxstbl > ISM_MAX_STORE) {
				VISM_LOG(INFO, "%s: maxstbl %u; stores stay at most %u bytes (the 4 KiB rule)",
					 hw->name, g.maxstbl, ISM_MAX_STORE);
			} else {
				hw->max_store = g.maxstbl;
			}
			hw->maxstbl_from_cap = true;
		}
		off = h.next;
	}
	free(info);
	if (!hw->maxstbl_from_cap)
		VISM_LOG(INFO, "%s: no zPCI group capability; maxstbl assumed %u",
			 hw->name, ISM_MAX_STORE);
	if (hw->max_store < VISM_MIN_MAXSTBL) {
		VISM_LOG(ERR, "%s: maxstbl %u is below the %u bytes an ISM command body needs in one store",
			 hw->name, hw->max_store, (unsigned int)VISM_MIN_MAXSTBL);
		return -EINVAL;
	}
	return 0;
}

static int
query_regions(struct vfio_ism_hw *hw, uint32_t num_regions)
{
	uint32_t n = RTE_MIN(num_regions, (uint32_t)VFIO_ISM_NR_REGIONS);

	for (uint32_t i = 0; i < n; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
		struct vfio_ism_region *r = &hw->region[i];

		if (ioctl(hw->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
			if (errno == EINVAL) {
				VISM_LOG(DEBUG, "%s: region %u does not exist",
					 hw->name, i);
				continue;
			}
			VISM_LOG(ERR, "%s: VFIO_DEVICE_GET_REGION_INFO for region %u failed: %s",
				 hw->name, i, strerror(errno));
			return -errno;
		}
		r->present = true;
		r->offset = ri.offset;
		r->size = ri.size;
		r->flags = ri.flags;
		if (r->size != 0 &&
		    (r->offset > (uint64_t)INT64_MAX ||
		     r->size > (uint64_t)INT64_MAX - r->offset)) {
			VISM_LOG(ERR, "%s: region %u (offset 0x%" PRIx64 ", %" PRIu64 " bytes) lies beyond what pread/pwrite can address",
				 hw->name, i, r->offset, r->size);
			return -ERANGE;
		}
		VISM_LOG(DEBUG, "%s: region %u: offset 0x%" PRIx64 " size 0x%" PRIx64 " flags 0x%x",
			 hw->name, i, r->offset, r->size, r->flags);
	}
	return 0;
}

static int
check_bar(struct vfio_ism_hw *hw, unsigned int bar, uint64_t min_size,
	  uint32_t need_flags, const char *what)
{
	const struct vfio_ism_region *r = &hw->region[bar];

	if (!r->present || r->size < min_size ||
	    (r->flags & need_flags) != need_flags) {
		VISM_LOG(ERR, "%s: BAR %u (%s) is %s%" PRIu64 " bytes with flags 0x%x; an ISM function has at least %" PRIu64 " bytes with flags 0x%x: this is not an ISM function driven by " RTE_VFIO_ISM_KDRV,
			 hw->name, bar, what, r->present ? "" : "absent, ",
			 r->size, r->flags, min_size, need_flags);
		return -ENODEV;
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP)
		VISM_LOG(DEBUG, "%s: BAR %u claims to be mappable; not mapped: ISM stores must be single PCISTBs (pwrite)",
			 hw->name, bar);
	return 0;
}

/* One MSI vector into an eventfd, through EAL's interrupt layer (which
 * issues VFIO_DEVICE_SET_IRQS). Without MSI the device still works by
 * polling; the transport's irq_fd is then -1. */
static void
irq_setup(struct vfio_ism_hw *hw)
{
	struct vfio_irq_info ii = {
		.argsz = sizeof(ii), .index = VFIO_PCI_MSI_IRQ_INDEX,
	};

	if (ioctl(hw->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii) < 0) {
		VISM_LOG(WARNING, "%s: VFIO_DEVICE_GET_IRQ_INFO for MSI failed: %s; interrupts off, poll the device",
			 hw->name, strerror(errno));
		return;
	}
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		VISM_LOG(WARNING, "%s: the function has no MSI vector (count %u, flags 0x%x); interrupts off, poll the device",
			 hw->name, ii.count, ii.flags);
		return;
	}
	hw->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	hw->intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (hw->efd < 0 || hw->intr == NULL ||
	    rte_intr_fd_set(hw->intr, hw->efd) != 0 ||
	    rte_intr_dev_fd_set(hw->intr, hw->fd) != 0 ||
	    rte_intr_type_set(hw->intr, RTE_INTR_HANDLE_VFIO_MSI) != 0 ||
	    rte_intr_enable(hw->intr) != 0) {
		VISM_LOG(WARNING, "%s: cannot wire the MSI to an eventfd; interrupts off, poll the device",
			 hw->name);
		if (hw->intr != NULL)
			rte_intr_instance_free(hw->intr);
		if (hw->efd >= 0)
			close(hw->efd);
		hw->intr = NULL;
		hw->efd = -1;
	}
}

static void
irq_teardown(struct vfio_ism_hw *hw)
{
	if (hw->intr == NULL)
		return;
	/* a vanished function cannot take the ioctl; its fd closes anyway */
	if (hw->gone == 0 && rte_intr_disable(hw->intr) != 0)
		VISM_LOG(DEBUG, "%s: MSI disable failed", hw->name);
	rte_intr_instance_free(hw->intr);
	close(hw->efd);
	hw->intr = NULL;
	hw->efd = -1;
}

static void
release(struct vfio_ism_hw *hw)
{
	char devices[PATH_MAX];

	if (hw->fd < 0)
		return;
	if (vfio_ism_sysfs_devices(devices, sizeof(devices)) < 0 ||
	    rte_vfio_release_device(devices, hw->name, hw->fd) != 0) {
		/* EAL could not find the group again (sysfs entry gone):
		 * at least close the device */
		VISM_LOG(WARNING, "%s: EAL could not release the vfio device; closing its fd, the group stays open until exit",
			 hw->name);
		close(hw->fd);
	}
	hw->fd = -1;
}

int
vfio_ism_hw_open(struct rte_vfio_ism_device *dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char devices[PATH_MAX];
	struct vfio_ism_hw *hw;
	int rc;

	if (dev->hw != NULL)
		return 0;
	if (!rte_vfio_is_enabled("vfio")) {
		VISM_LOG(ERR, "%s: VFIO is not available to EAL: load the modules (modprobe " RTE_VFIO_ISM_KDRV ") and make /dev/vfio/vfio accessible",
			 dev->name);
		return -ENODEV;
	}
	rc = vfio_ism_sysfs_devices(devices, sizeof(devices));
	if (rc < 0)
		return rc;
	hw = calloc(1, sizeof(*hw));
	if (hw == NULL)
		return -ENOMEM;
	hw->refs = 1;
	hw->fd = -1;
	hw->efd = -1;
	snprintf(hw->name, sizeof(hw->name), "%s", dev->name);
	snprintf(hw->mz_tag, sizeof(hw->mz_tag), "%04x%02x%02x%x",
		 dev->addr.domain & 0xffff, dev->addr.bus, dev->addr.devid,
		 dev->addr.function & 0xf);

	rc = rte_vfio_setup_device(devices, dev->name, &hw->fd, &info);
	if (rc != 0) {
		explain_setup_failure(dev, rc);
		hw->fd = -1;
		free(hw);
		return -ENODEV;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		VISM_LOG(ERR, "%s: vfio says this is not a PCI device (flags 0x%x)",
			 dev->name, info.flags);
		rc = -ENODEV;
		goto fail;
	}
	rc = query_caps(hw, &info);
	if (rc < 0)
		goto fail;
	rc = query_regions(hw, info.num_regions);
	if (rc < 0)
		goto fail;
	rc = check_bar(hw, ISM_BAR_DMB, UINT64_C(1) << ISM_BAR_DMB_BITS,
		       VFIO_REGION_INFO_FLAG_WRITE, "DMB window");
	if (rc == 0)
		rc = check_bar(hw, ISM_BAR_CMD, VISM_MIN_CMD_AREA,
			       VFIO_REGION_INFO_FLAG_READ |
			       VFIO_REGION_INFO_FLAG_WRITE, "command area");
	if (rc < 0)
		goto fail;
	if (info.num_irqs > VFIO_PCI_MSI_IRQ_INDEX)
		irq_setup(hw);
	else
		VISM_LOG(WARNING, "%s: the kernel reports no MSI index; interrupts off, poll the device",
			 dev->name);

	hw->dev = dev;
	dev->hw = hw;
	dev->max_store = hw->max_store;
	dev->intr_handle = hw->intr;
	dev->removed = false;
	VISM_LOG(INFO, "%s: open: BAR 0 at 0x%" PRIx64 ", BAR 2 at 0x%" PRIx64 " (%" PRIu64 " bytes), maxstbl %u%s, MSI %s",
		 dev->name, hw->region[ISM_BAR_DMB].offset,
		 hw->region[ISM_BAR_CMD].offset, hw->region[ISM_BAR_CMD].size,
		 hw->max_store, hw->maxstbl_from_cap ? "" : " (default)",
		 hw->intr != NULL ? "on" : "off");
	return 0;

fail:
	release(hw);
	free(hw);
	return rc;
}

void
vfio_ism_hw_close(struct rte_vfio_ism_device *dev)
{
	struct vfio_ism_hw *hw = dev->hw;
	uint32_t refs;

	if (hw == NULL)
		return;
	vfio_ism_io_cancel_events(hw);
	irq_teardown(hw);
	release(hw);
	hw->dev = NULL;
	dev->hw = NULL;
	dev->intr_handle = NULL;
	dev->max_store = 0;
	refs = __atomic_load_n(&hw->refs, __ATOMIC_ACQUIRE);
	if (refs > 1)
		VISM_LOG(WARNING, "%s: removed with %u transport handle(s) still open; they fail with ENODEV until closed",
			 dev->name, refs - 1);
	vfio_ism_hw_put(hw);
}

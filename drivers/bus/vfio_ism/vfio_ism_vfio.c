/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening an ISM function through vfio: EAL's vfio helpers set up the group
 * and container (and DMA-map EAL memory into it); lib/ism's vfio transport
 * then asks the kernel about the device fd (ism_vfio_dev_attach: region
 * offsets only from VFIO_DEVICE_GET_REGION_INFO, the store limit from the
 * zPCI group capability's imaxstbl, never an mmap) and is the one checked
 * store/load path. What stays here is what only EAL can do: the group and
 * container, and the MSI through EAL's interrupt layer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_interrupts.h>
#include <rte_vfio.h>

#include "ism_proto.h"
#include "vfio_ism_private.h"

void
vfio_ism_hw_get(struct vfio_ism_hw *hw)
{
	__atomic_add_fetch(&hw->refs, 1, __ATOMIC_RELAXED);
}

void
vfio_ism_hw_put(struct vfio_ism_hw *hw)
{
	if (__atomic_sub_fetch(&hw->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		ism_vfio_dev_detach(hw->vd);
		free(hw);
	}
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
	if (ism_vfio_dev_gone(hw->vd) == 0 && rte_intr_disable(hw->intr) != 0)
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
	__atomic_store_n(&hw->fd, -1, __ATOMIC_RELEASE);
}

int
vfio_ism_hw_open(struct rte_vfio_ism_device *dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	const struct ism_vfio_info *vi;
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
	rc = ism_vfio_dev_attach(hw->fd, dev->name, NULL, &hw->vd);
	if (rc < 0)
		goto fail;
	if (info.num_irqs > VFIO_PCI_MSI_IRQ_INDEX)
		irq_setup(hw);
	else
		VISM_LOG(WARNING, "%s: the kernel reports no MSI index; interrupts off, poll the device",
			 dev->name);

	vi = ism_vfio_dev_info(hw->vd);
	hw->dev = dev;
	dev->hw = hw;
	dev->max_store = vi->max_store;
	dev->intr_handle = hw->intr;
	dev->removed = false;
	VISM_LOG(INFO, "%s: open: store limit %u (%s), MSI %s", dev->name,
		 vi->max_store, vi->store_src == ISM_VFIO_STORE_IMAXSTBL ?
		 "imaxstbl" : "default", hw->intr != NULL ? "on" : "off");
	return 0;

fail:
	ism_vfio_dev_detach(hw->vd);
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

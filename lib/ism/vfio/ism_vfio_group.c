/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The legacy way in: a type1v2 container (/dev/vfio/vfio) holding the
 * function's IOMMU group (/dev/vfio/N), the device fd from the group, and
 * DMA mappings with VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA on the
 * container. Every kernel with vfio has it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ism_vfio_priv.h"

static int
ioctl_failed(struct ism_vfio_way *w, const char *what, const char *addr)
{
	int err = errno;

	switch (err) {
	case EBUSY:
		ISM_ERR("%s: %s: busy: another process (or another open of this function) holds it; close it there",
			w->name, what);
		return -EBUSY;
	case EPERM:
	case EACCES:
		ISM_ERR("%s: %s: %s: run as root, or give the user the vfio nodes and raise the locked-memory limit (ulimit -l)",
			w->name, what, strerror(err));
		return -EACCES;
	case ENODEV:
	case EINVAL:
		if (addr != NULL) {
			ISM_ERR("%s: %s refused %s (%s): it is not (or no longer) bound to " ISM_VFIO_KDRV "; driverctl set-override %s " ISM_VFIO_KDRV,
				w->name, what, addr, strerror(err), addr);
			return -ENODEV;
		}
		break;
	}
	ISM_ERR("%s: %s failed: %s", w->name, what, strerror(err));
	return -err;
}

int
ism_vfio_group_open(struct ism_vfio_way *w, const struct ism_vfio_fn *fn,
		    const char *sysfs_root)
{
	const struct ism_vfio_sys *sys = w->sys;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int rc, ver;

	w->path = ISM_VFIO_PATH_GROUP;
	snprintf(w->dev_node, sizeof(w->dev_node), ISM_VFIO_GROUP_NODE_FMT,
		 fn->iommu_group);

	w->container_fd = sys->open(ISM_VFIO_CONTAINER_NODE, O_RDWR | O_CLOEXEC, 0);
	if (w->container_fd < 0)
		return ism_vfio_explain_open(w->name, ISM_VFIO_CONTAINER_NODE,
					     errno, fn->addr);
	ver = sys->ioctl(w->container_fd, VFIO_GET_API_VERSION, NULL);
	if (ver != VFIO_API_VERSION) {
		ISM_ERR("%s: " ISM_VFIO_CONTAINER_NODE " speaks vfio API %d, not %d; this kernel's vfio is not supported",
			w->name, ver, VFIO_API_VERSION);
		rc = -EINVAL;
		goto fail;
	}
	if (sys->ioctl(w->container_fd, VFIO_CHECK_EXTENSION,
		       (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) <= 0) {
		ISM_ERR("%s: the kernel's vfio has no type1v2 IOMMU (VFIO_CHECK_EXTENSION); load vfio_iommu_type1 or use the cdev path (iommufd)",
			w->name);
		rc = -ENOTSUP;
		goto fail;
	}

	w->group_fd = sys->open(w->dev_node, O_RDWR | O_CLOEXEC, 0);
	if (w->group_fd < 0) {
		rc = ism_vfio_explain_open(w->name, w->dev_node, errno, fn->addr);
		goto fail;
	}
	if (sys->ioctl(w->group_fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		rc = ioctl_failed(w, "VFIO_GROUP_GET_STATUS", NULL);
		goto fail;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		char strays[256];

		ism_vfio_group_strays(sys, sysfs_root, fn->iommu_group, strays,
				      sizeof(strays));
		if (strays[0] == '\0')
			snprintf(strays, sizeof(strays),
				 "see ls -l %s/kernel/iommu_groups/%d/devices/*/driver",
				 ism_vfio_sysfs_root(sysfs_root), fn->iommu_group);
		ISM_ERR("%s: IOMMU group %d is not viable: every device in it must be bound to a vfio driver or to none; bound elsewhere: %s",
			w->name, fn->iommu_group, strays);
		rc = -EBUSY;
		goto fail;
	}
	if (sys->ioctl(w->group_fd, VFIO_GROUP_SET_CONTAINER,
		       &w->container_fd) < 0) {
		rc = ioctl_failed(w, "VFIO_GROUP_SET_CONTAINER", NULL);
		goto fail;
	}
	if (sys->ioctl(w->container_fd, VFIO_SET_IOMMU,
		       (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) < 0) {
		rc = ioctl_failed(w, "VFIO_SET_IOMMU (type1v2)", NULL);
		goto fail;
	}
	w->dev_fd = sys->ioctl(w->group_fd, VFIO_GROUP_GET_DEVICE_FD,
			       (void *)(uintptr_t)fn->addr);
	if (w->dev_fd < 0) {
		rc = ioctl_failed(w, "VFIO_GROUP_GET_DEVICE_FD", fn->addr);
		w->dev_fd = -1;
		goto fail;
	}
	return 0;

fail:
	ism_vfio_group_close(w);
	return rc;
}

void
ism_vfio_group_close_device(struct ism_vfio_way *w)
{
	if (w->dev_fd >= 0)
		w->sys->close(w->dev_fd);
	w->dev_fd = -1;
}

/* Closing the group fd takes it out of the container, closing the
 * container drops its mappings: the fds in reverse order is enough. */
void
ism_vfio_group_close(struct ism_vfio_way *w)
{
	ism_vfio_group_close_device(w);
	if (w->group_fd >= 0)
		w->sys->close(w->group_fd);
	if (w->container_fd >= 0)
		w->sys->close(w->container_fd);
	w->group_fd = w->container_fd = -1;
}

int
ism_vfio_group_map(struct ism_vfio_way *w, void *va, uint64_t iova,
		   uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	if (w->sys->ioctl(w->container_fd, VFIO_IOMMU_MAP_DMA, &m) < 0)
		return -errno;
	return 0;
}

int
ism_vfio_group_unmap(struct ism_vfio_way *w, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (w->sys->ioctl(w->container_fd, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
		return -errno;
	/* the kernel says how much it unmapped */
	return u.size == len ? 0 : -EIO;
}

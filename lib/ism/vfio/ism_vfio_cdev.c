/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd way in (Linux 6.6+): the function's vfio cdev
 * (/dev/vfio/devices/vfioN) bound to an iommufd (/dev/iommu), attached
 * to one IOAS of its own; DMA mappings with IOMMU_IOAS_MAP at fixed IOVAs
 * and IOMMU_IOAS_UNMAP. ism_vfio_pci supports it (bind_iommufd and
 * attach_ioas in its ops). Close: detach, destroy the IOAS, close fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ism_vfio_priv.h"

static int
bind_failed(struct ism_vfio_way *w, const char *what)
{
	int err = errno;

	switch (err) {
	case EBUSY:
		ISM_ERR("%s: %s: busy: the function is open elsewhere (another process, or through its group); close it there",
			w->name, what);
		return -EBUSY;
	case EPERM:
	case EACCES:
		ISM_ERR("%s: %s: %s: run as root, or give the user %s and " ISM_VFIO_IOMMUFD_NODE " and raise the locked-memory limit (ulimit -l)",
			w->name, what, strerror(err), w->dev_node);
		return -EACCES;
	case EINVAL:
		/* the kernel's answer to a second bind of an open device: a
		 * cdev is exclusive, only the group path shares a device */
		if (strcmp(what, "VFIO_DEVICE_BIND_IOMMUFD") == 0) {
			ISM_ERR("%s: %s refused (EINVAL): the function is open already (another process, or this one, through its cdev or its group); close it there",
				w->name, what);
			return -EBUSY;
		}
		break;
	case ENOTTY:
		ISM_ERR("%s: %s: the kernel does not know this ioctl (iommufd needs Linux 6.6+); use the group path",
			w->name, what);
		return -ENOTSUP;
	}
	ISM_ERR("%s: %s failed: %s", w->name, what, strerror(err));
	return -err;
}

int
ism_vfio_cdev_open(struct ism_vfio_way *w, const struct ism_vfio_fn *fn,
		   int iommufd)
{
	const struct ism_vfio_sys *sys = w->sys;
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	int rc;

	w->path = ISM_VFIO_PATH_CDEV;
	w->iommufd = iommufd;
	if (fn->cdev < 0) {
		ISM_ERR("%s: the kernel offers no vfio cdev for %s (no " ISM_VFIO_CDEV_SYSFS_DIR "/vfioN in sysfs; needs Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV); use the group path",
			w->name, fn->addr);
		rc = -ENOTSUP;
		goto fail;
	}
	snprintf(w->dev_node, sizeof(w->dev_node), ISM_VFIO_CDEV_NODE_FMT,
		 fn->cdev);
	if (w->iommufd < 0) {
		w->iommufd = sys->open(ISM_VFIO_IOMMUFD_NODE, O_RDWR | O_CLOEXEC, 0);
		if (w->iommufd < 0 && errno == ENOENT) {
			ISM_ERR("%s: no " ISM_VFIO_IOMMUFD_NODE ": load iommufd (modprobe iommufd; CONFIG_IOMMUFD) or use the group path",
				w->name);
			rc = -ENOTSUP;
			goto fail;
		}
		if (w->iommufd < 0) {
			rc = ism_vfio_explain_open(w->name, ISM_VFIO_IOMMUFD_NODE,
						   errno, fn->addr);
			goto fail;
		}
	}
	w->dev_fd = sys->open(w->dev_node, O_RDWR | O_CLOEXEC, 0);
	if (w->dev_fd < 0) {
		rc = ism_vfio_explain_open(w->name, w->dev_node, errno, fn->addr);
		goto fail;
	}

	bind.iommufd = w->iommufd;
	if (sys->ioctl(w->dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
		rc = bind_failed(w, "VFIO_DEVICE_BIND_IOMMUFD");
		goto fail;
	}
	w->devid = bind.out_devid;
	if (sys->ioctl(w->iommufd, IOMMU_IOAS_ALLOC, &ioas) < 0) {
		rc = bind_failed(w, "IOMMU_IOAS_ALLOC");
		goto fail;
	}
	w->ioas_id = ioas.out_ioas_id;
	w->ioas_alive = true;
	at.pt_id = w->ioas_id;
	if (sys->ioctl(w->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0) {
		rc = bind_failed(w, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
		goto fail;
	}
	w->attached = true;
	return 0;

fail:
	ism_vfio_cdev_close(w);
	return rc;
}

void
ism_vfio_cdev_close_device(struct ism_vfio_way *w)
{
	const struct ism_vfio_sys *sys = w->sys;

	if (w->attached) {
		struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };

		/* closing the fd detaches too; saying it keeps the IOAS
		 * destroyable below */
		if (sys->ioctl(w->dev_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt) < 0)
			ISM_DEBUG("%s: VFIO_DEVICE_DETACH_IOMMUFD_PT: %s", w->name,
				  strerror(errno));
		w->attached = false;
	}
	if (w->dev_fd >= 0)
		sys->close(w->dev_fd);
	w->dev_fd = -1;
}

void
ism_vfio_cdev_close(struct ism_vfio_way *w)
{
	const struct ism_vfio_sys *sys = w->sys;

	ism_vfio_cdev_close_device(w);
	if (w->ioas_alive) {
		struct iommu_destroy d = { .size = sizeof(d), .id = w->ioas_id };

		if (sys->ioctl(w->iommufd, IOMMU_DESTROY, &d) < 0)
			ISM_DEBUG("%s: IOMMU_DESTROY of IOAS %u: %s", w->name,
				  w->ioas_id, strerror(errno));
		w->ioas_alive = false;
	}
	if (w->iommufd >= 0)
		sys->close(w->iommufd);
	w->iommufd = -1;
}

int
ism_vfio_cdev_map(struct ism_vfio_way *w, void *va, uint64_t iova,
		  uint64_t len)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = w->ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	/* FIXED_IOVA: the kernel maps at iova or fails */
	if (w->sys->ioctl(w->iommufd, IOMMU_IOAS_MAP, &m) < 0)
		return -errno;
	return 0;
}

int
ism_vfio_cdev_unmap(struct ism_vfio_way *w, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = w->ioas_id,
		.iova = iova,
		.length = len,
	};

	if (w->sys->ioctl(w->iommufd, IOMMU_IOAS_UNMAP, &u) < 0)
		return -errno;
	/* the kernel says how much it unmapped */
	return u.length == len ? 0 : -EIO;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_VFIO_UAPI_H
#define ISM_VFIO_UAPI_H

/*
 * The kernel interfaces the vfio transport uses, from the system headers.
 * Debian 12's (Linux 6.1) lack iommufd and the vfio cdev: the few ioctls
 * and structures needed are declared here, as the kernel's ABI defines
 * them (Linux 6.6 and later). Newer system headers win when present.
 */

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_zdev.h>

/* --- vfio cdev (Linux 6.6: VFIO_DEVICE_CDEV) --- */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)
#endif

#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

#ifndef VFIO_DEVICE_DETACH_IOMMUFD_PT
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

/* --- iommufd (Linux 6.2) --- */
#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif

#ifndef IOMMU_IOAS_MAP
#define IOMMUFD_TYPE			(';')
#define IOMMUFD_CMD_DESTROY		0x80
#define IOMMUFD_CMD_IOAS_ALLOC		0x81
#define IOMMUFD_CMD_IOAS_MAP		0x85
#define IOMMUFD_CMD_IOAS_UNMAP		0x86

struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY		_IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

#define IOMMU_IOAS_MAP_FIXED_IOVA	(1 << 0)
#define IOMMU_IOAS_MAP_WRITEABLE	(1 << 1)
#define IOMMU_IOAS_MAP_READABLE		(1 << 2)
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP		_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)
#endif

/* Device nodes and sysfs names of the two ways in. */
#define ISM_VFIO_CONTAINER_NODE	"/dev/vfio/vfio"
#define ISM_VFIO_GROUP_NODE_FMT	"/dev/vfio/%d"
#define ISM_VFIO_CDEV_NODE_FMT	"/dev/vfio/devices/vfio%d"
#define ISM_VFIO_IOMMUFD_NODE	"/dev/iommu"
#define ISM_VFIO_CDEV_SYSFS_DIR	"vfio-dev"	/* <dev>/vfio-dev/vfioN */

_Static_assert(sizeof(struct iommu_ioas_map) == 40, "iommu_ioas_map");
_Static_assert(sizeof(struct iommu_ioas_unmap) == 24, "iommu_ioas_unmap");
_Static_assert(sizeof(struct iommu_ioas_alloc) == 12, "iommu_ioas_alloc");

#endif /* ISM_VFIO_UAPI_H */

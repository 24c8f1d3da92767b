/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cdev way in and its order rules, as the kernel has them: no access
 * before VFIO_DEVICE_BIND_IOMMUFD (EINVAL), bind arguments checked, one
 * bind per function, the group path and the cdev path exclude each other,
 * DMA only once attached to an IOAS, IOAS lifetime (EBUSY while attached),
 * and closing releases everything, also an iommufd closed first.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "emu_test.h"
#include "ism_proto.h"

#define A_ADDR	"0000:00:01.0"
#define A_CDEV	"/dev/vfio/devices/vfio7"

static int
bind(int dev, int ifd, uint32_t flags)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .flags = flags, .iommufd = ifd,
	};

	return et_sys->ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) < 0 ? -errno :
		(int)b.out_devid;
}

static int
attach(int dev, uint32_t pt)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = pt,
	};

	return et_sys->ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0 ? -errno : 0;
}

static int
destroy(int ifd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return et_sys->ioctl(ifd, IOMMU_DESTROY, &d) < 0 ? -errno : 0;
}

static int
reg_sba(int dev, uint64_t bar2, uint64_t iova)
{
	uint8_t req[16], hdr[8];

	et_req_hdr(req, ISM_CMD_REG_SBA, sizeof(req));
	vism_put_be64(req + 8, iova);
	if (et_sys->pwrite(dev, req + 8, 8, (off_t)(bar2 + 8)) != 8 ||
	    et_sys->pwrite(dev, req, 8, (off_t)bar2) != 8 ||
	    et_sys->pread(dev, hdr, 8, (off_t)bar2) != 8)
		return -1;
	return vism_get_be16(hdr + 4);
}

int
main(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 2 };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			IOMMU_IOAS_MAP_WRITEABLE,
		.iova = 0x100000000, .length = 4096,
	};
	struct vism_emu_census cs;
	int dev, dev2, ifd, grp, pipefd[2], devid;
	uint8_t b[8], *mem;

	et_setup();
	et_add(A_ADDR ",group=4,cdev=7");
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED && pipe(pipefd) == 0, "memory and a pipe");

	CHECK(et_sys->open("/dev/vfio/devices/vfio8", O_RDWR, 0) < 0,
	      "a cdev no function has does not open");
	dev = et_sys->open(A_CDEV, O_RDWR, 0);
	ifd = et_sys->open(ISM_VFIO_IOMMUFD_NODE, O_RDWR, 0);
	CHECK(dev >= 0 && ifd >= 0, "A's cdev and an iommufd open");

	/* before the bind */
	CHECK(et_sys->ioctl(dev, VFIO_DEVICE_GET_INFO, &info) < 0 &&
	      errno == EINVAL, "before the bind: GET_INFO is EINVAL");
	CHECK(et_sys->pread(dev, b, 8, 0) < 0 && errno == EINVAL,
	      "... a pread is EINVAL");
	CHECK_EQ(attach(dev, 1), -EINVAL, "... ATTACH is EINVAL");
	CHECK_EQ(bind(dev, ifd, 1), -EINVAL, "a bind with flags: EINVAL");
	CHECK_EQ(bind(dev, -1, 0), -EINVAL, "a bind with iommufd -1: EINVAL");
	CHECK_EQ(bind(dev, pipefd[0], 0), -EBADF,
		 "a bind to an fd that is no iommufd: EBADF");
	grp = et_sys->open("/dev/vfio/4", O_RDWR, 0);
	CHECK(grp >= 0, "the group opens while the cdev is not bound");
	CHECK_EQ(bind(dev, ifd, 0), -EBUSY, "a bind while the group is open: EBUSY");
	et_sys->close(grp);

	devid = bind(dev, ifd, 0);
	CHECK(devid > 0, "bound (device id %d)", devid);
	CHECK_EQ(vism_emu_gid(A_ADDR) != 0, 1, "the function is alive");
	CHECK_EQ(bind(dev, ifd, 0), -EINVAL, "a second bind: EINVAL");
	dev2 = et_sys->open(A_CDEV, O_RDWR, 0);
	CHECK(dev2 >= 0 && bind(dev2, ifd, 0) == -EINVAL,
	      "another fd of the cdev opens, its bind is EINVAL");
	et_sys->close(dev2);
	CHECK(et_sys->open("/dev/vfio/4", O_RDWR, 0) < 0 && errno == EBUSY,
	      "the group does not open while the cdev is bound: EBUSY");
	CHECK(et_sys->ioctl(dev, VFIO_DEVICE_GET_INFO, &info) == 0 &&
	      et_sys->ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0,
	      "after the bind the device answers");

	/* DMA before and after the attach */
	CHECK_EQ(et_sys->ioctl(ifd, IOMMU_IOAS_ALLOC, &alloc), 0, "an IOAS");
	m.ioas_id = alloc.out_ioas_id;
	m.user_va = (uintptr_t)mem;
	CHECK_EQ(et_sys->ioctl(ifd, IOMMU_IOAS_MAP, &m), 0, "memory mapped in it");
	CHECK_EQ(reg_sba(dev, ri.offset, m.iova), ISM_RET_BAD_ADDR,
		 "not attached: the device has no translation, REG_SBA is BAD_ADDR");
	CHECK_EQ(attach(dev, 999), -ENOENT, "attaching to no IOAS: ENOENT");
	CHECK_EQ(attach(dev, alloc.out_ioas_id), 0, "attached");
	CHECK_EQ(reg_sba(dev, ri.offset, m.iova), ISM_RET_OK,
		 "now REG_SBA reaches the memory");
	alloc.flags = 1;
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_ALLOC, &alloc) < 0 &&
	      errno == EOPNOTSUPP, "IOAS_ALLOC with flags: EOPNOTSUPP");
	CHECK_EQ(destroy(ifd, m.ioas_id), -EBUSY,
		 "destroying the attached IOAS: EBUSY");
	CHECK_EQ(destroy(ifd, (uint32_t)devid), -EBUSY,
		 "destroying the device's id: EBUSY");
	CHECK_EQ(destroy(ifd, 999), -ENOENT, "destroying no object: ENOENT");
	CHECK_EQ(et_sys->ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt), 0,
		 "detached");
	vism_emu_census(&cs);
	CHECK(cs.windows == 1, "the SBA stays registered with the device");
	CHECK_EQ(destroy(ifd, m.ioas_id), 0, "now the IOAS goes");
	CHECK_EQ(destroy(ifd, m.ioas_id), -ENOENT, "and a second time: ENOENT");

	/* the iommufd closed first lives on with the bound device */
	et_sys->close(ifd);
	vism_emu_census(&cs);
	CHECK(cs.iommufds == 1 && cs.devices == 1,
	      "an iommufd closed while a device is bound lives on");
	et_sys->close(dev);
	vism_emu_census(&cs);
	CHECK(cs.iommufds == 0 && cs.devices == 0 && cs.ioas == 0 &&
	      cs.dma_maps == 0 && cs.windows == 0,
	      "closing the device released it, its window and the iommufd");
	CHECK_EQ(vism_emu_gid(A_ADDR), 0, "the function is gone");
	grp = et_sys->open("/dev/vfio/4", O_RDWR, 0);
	CHECK(grp >= 0, "the group opens again");
	et_sys->close(grp);
	close(pipefd[0]);
	close(pipefd[1]);
	munmap(mem, 4096);
	return check_done();
}

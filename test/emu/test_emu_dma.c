/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings and the aperture (zPCI start_dma..end_dma): the kernel
 * refuses an IOVA outside the aperture when it is mapped (EINVAL), in a
 * type1v2 container (where the aperture is that of all its groups'
 * functions) and in an IOAS (that of the functions attached); a group or
 * a function cannot join mappings it cannot reach; overlaps are EEXIST,
 * unmaps take whole mappings; an IOAS picks IOVAs inside the aperture
 * when none is fixed. The device only ever sees translated addresses: a
 * command naming an unmapped IOVA gets BAD_ADDR.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "emu_test.h"
#include "ism_proto.h"

#define LO	UINT64_C(0x100000000)
#define HI	UINT64_C(0x7fffffffffff)

static uint8_t *mem;

static void
container_aperture(void)
{
	struct et_fn a;

	CHECK_EQ(et_open_group(&a, "0000:00:01.0", 1), 0, "A via its group");
	CHECK_EQ(et_map(&a, mem, LO, 4096), 0, "a map at start_dma");
	CHECK_EQ(et_map(&a, mem + 4096, HI + 1 - 4096, 4096), 0,
		 "a map ending at end_dma");
	CHECK_EQ(et_map(&a, mem, LO - 4096, 4096), -EINVAL,
		 "a map below the aperture: EINVAL");
	CHECK_EQ(et_map(&a, mem, HI + 1, 4096), -EINVAL,
		 "a map above it: EINVAL");
	CHECK_EQ(et_map(&a, mem, LO - 4096, 8192), -EINVAL,
		 "a map straddling start_dma: EINVAL");
	CHECK_EQ(et_map(&a, mem, LO, 4096), -EEXIST, "an overlap: EEXIST");
	CHECK_EQ(et_map(&a, mem, LO + 4095, 4096), -EINVAL,
		 "an unaligned IOVA: EINVAL");
	CHECK_EQ(et_reg_sba(&a, LO + 0x10000), ISM_RET_BAD_ADDR,
		 "REG_SBA with an IOVA that is not mapped: BAD_ADDR");
	CHECK_EQ(et_reg_sba(&a, LO), ISM_RET_OK, "REG_SBA with a mapped one");
	et_close(&a);
}

static void
groups_meet(void)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = 0, .size = 4096,
	};
	int c, g5, g6;

	m.vaddr = (uintptr_t)mem;
	c = et_sys->open(ISM_VFIO_CONTAINER_NODE, O_RDWR, 0);
	g5 = et_sys->open("/dev/vfio/5", O_RDWR, 0);
	g6 = et_sys->open("/dev/vfio/6", O_RDWR, 0);
	CHECK(c >= 0 && g5 >= 0 && g6 >= 0, "a container, groups 5 and 6");
	CHECK(et_sys->ioctl(g5, VFIO_GROUP_SET_CONTAINER, &c) == 0 &&
	      et_sys->ioctl(c, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) == 0,
	      "group 5 (two functions) in a type1v2 container");
	m.iova = 0x100000000;
	CHECK(et_sys->ioctl(c, VFIO_IOMMU_MAP_DMA, &m) < 0 && errno == EINVAL,
	      "an IOVA only one of the group's functions reaches: EINVAL");
	m.iova = 0x180000000;
	CHECK_EQ(et_sys->ioctl(c, VFIO_IOMMU_MAP_DMA, &m), 0,
		 "one where their apertures meet");
	CHECK(et_sys->ioctl(g6, VFIO_GROUP_SET_CONTAINER, &c) < 0 && errno == EINVAL,
	      "group 6 cannot reach that mapping: its SET_CONTAINER is EINVAL");
	et_sys->close(g6);
	et_sys->close(g5);
	et_sys->close(c);
}

static void
ioas_aperture(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			IOMMU_IOAS_MAP_WRITEABLE,
		.length = 4096,
	};
	struct iommu_ioas_unmap u = { .size = sizeof(u) };
	struct vism_emu_census cs;
	struct et_fn b;
	int dev, ifd;

	m.user_va = (uintptr_t)mem;
	dev = et_sys->open("/dev/vfio/devices/vfio3", O_RDWR, 0);
	ifd = et_sys->open(ISM_VFIO_IOMMUFD_NODE, O_RDWR, 0);
	bind.iommufd = ifd;
	CHECK(dev >= 0 && ifd >= 0 &&
	      et_sys->ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0 &&
	      et_sys->ioctl(ifd, IOMMU_IOAS_ALLOC, &alloc) == 0,
	      "C (aperture 0x200000000-0x2ffffffff) bound, an IOAS");
	m.ioas_id = u.ioas_id = at.pt_id = alloc.out_ioas_id;
	m.iova = 0x100000000;
	CHECK_EQ(et_sys->ioctl(ifd, IOMMU_IOAS_MAP, &m), 0,
		 "with nothing attached the IOAS maps any IOVA");
	CHECK(et_sys->ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0 &&
	      errno == EINVAL, "C cannot attach to an IOAS with a map it cannot reach");
	u.iova = m.iova;
	u.length = 4096;
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_UNMAP, &u) == 0 && u.length == 4096,
	      "unmapped");
	CHECK_EQ(et_sys->ioctl(ifd, IOMMU_IOAS_UNMAP, &u), -1,
		 "unmapping it again: nothing there");
	CHECK_EQ(errno, ENOENT, "... ENOENT");
	CHECK_EQ(et_sys->ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0,
		 "now C attaches");
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_MAP, &m) < 0 && errno == EINVAL,
	      "and the IOAS refuses an IOVA outside C's aperture: EINVAL");
	m.iova = 0x200000000;
	m.length = 8192;
	CHECK_EQ(et_sys->ioctl(ifd, IOMMU_IOAS_MAP, &m), 0, "inside it: mapped");
	m.flags &= ~(uint32_t)IOMMU_IOAS_MAP_FIXED_IOVA;
	m.iova = 0;
	m.length = 4096;
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_MAP, &m) == 0 &&
	      m.iova >= 0x200002000 && m.iova + 4095 <= 0x2ffffffff,
	      "an IOVA the IOAS picks lies in the aperture, after the first map (%#llx)",
	      (unsigned long long)m.iova);
	u.iova = 0x200000000;
	u.length = 4096;
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_UNMAP, &u) < 0 && errno == EINVAL,
	      "unmapping half of a mapping: EINVAL");
	vism_emu_census(&cs);
	CHECK_EQ(cs.dma_maps, 2, "two mappings in the IOAS");
	u.iova = 0;
	u.length = UINT64_MAX;
	CHECK(et_sys->ioctl(ifd, IOMMU_IOAS_UNMAP, &u) == 0 && u.length == 8192 + 4096,
	      "iova 0, length ~0 unmaps all (%llu bytes)",
	      (unsigned long long)u.length);
	et_sys->close(dev);
	et_sys->close(ifd);

	CHECK_EQ(et_open_cdev(&b, "0000:00:03.0", 3), 0, "C opened the usual way");
	CHECK_EQ(et_reg_sba(&b, 0x200000000), ISM_RET_BAD_ADDR,
		 "REG_SBA before any map: BAD_ADDR");
	CHECK_EQ(et_map(&b, mem, 0x200000000, 4096), 0, "mapped");
	CHECK_EQ(et_reg_sba(&b, 0x200000000), ISM_RET_OK, "REG_SBA through the IOAS");
	et_close(&b);
}

int
main(void)
{
	struct vism_emu_census cs;

	et_setup();
	mem = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		printf("Bail out! no memory\n");
		return 1;
	}
	et_add("0000:00:01.0,group=1");
	et_add("0000:00:03.0,group=3,cdev=3,aperture=200000000-2ffffffff");
	et_add("0000:00:05.0,group=5,aperture=100000000-1ffffffff");
	et_add("0000:00:05.1,group=5,aperture=180000000-27fffffff");
	et_add("0000:00:06.0,group=6,aperture=300000000-3ffffffff");
	container_aperture();
	groups_meet();
	ioas_aperture();
	vism_emu_census(&cs);
	CHECK(cs.containers == 0 && cs.groups == 0 && cs.devices == 0 &&
	      cs.iommufds == 0 && cs.ioas == 0 && cs.dma_maps == 0 &&
	      cs.windows == 0, "everything released");
	return check_done();
}

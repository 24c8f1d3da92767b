/* SPDX-License-Identifier: BSD-3-Clause */
/* Common ground of the emulation's tests (emu_test.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_test.h"
#include "ism_model.h"
#include "ism_proto.h"
#include "test_util.h"
#include "vism_sysfs.h"

char et_root[PATH_MAX];
const struct ism_vfio_sys *et_sys;
static char fabric[64];

static void
cleanup(void)
{
	vism_sysfs_destroy(et_root);
	ism_model_unlink(fabric);
}

void
et_setup(void)
{
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	tu_private_fabric_dir();
	rc = vism_sysfs_create(et_root, sizeof(et_root));
	if (rc < 0) {
		printf("Bail out! cannot create a fake sysfs tree: %s\n",
		       strerror(-rc));
		exit(1);
	}
	atexit(cleanup);
	setenv(ISM_VFIO_SYSFS_ENV, et_root, 1);
	snprintf(fabric, sizeof(fabric), "emutest%d", (int)getpid());
	setenv("VFIO_ISM_EMU_FABRIC", fabric, 1);
	et_sys = vism_emu_sys();
}

void
et_add(const char *spec)
{
	char buf[512], emu[512];
	struct vism_fn fn;
	int rc;

	snprintf(buf, sizeof(buf), "%s", spec);
	rc = vism_sysfs_parse(buf, &fn, emu, sizeof(emu));
	if (rc == 0 && strstr(spec, "driver=") == NULL)
		fn.driver = ISM_VFIO_KDRV;
	if (rc == 0)
		rc = vism_sysfs_add(et_root, &fn);
	if (rc < 0) {
		printf("Bail out! cannot add %s to the fake sysfs: %s\n", spec,
		       strerror(-rc));
		exit(1);
	}
}

static int
neg_errno(void)
{
	return errno != 0 ? -errno : -EIO;
}

static int
read_regions(struct et_fn *f)
{
	for (unsigned int i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info *ri = &f->reg[i];

		memset(ri, 0, sizeof(*ri));
		ri->argsz = sizeof(*ri);
		ri->index = i;
		if (et_sys->ioctl(f->dev, VFIO_DEVICE_GET_REGION_INFO, ri) < 0 &&
		    errno != EINVAL)
			return neg_errno();
	}
	return 0;
}

/* The end of an open: the region table when the way in worked (@ok),
 * else the errno of the step that failed; closed again on failure. */
static int
opened(struct et_fn *f, bool ok)
{
	int rc = ok ? read_regions(f) : neg_errno();

	if (rc < 0)
		et_close(f);
	return rc;
}

static void
fn_init(struct et_fn *f, const char *addr)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->addr, sizeof(f->addr), "%s", addr);
	f->container = f->group = f->iommufd = f->dev = -1;
}

int
et_open_group(struct et_fn *f, const char *addr, int group)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];

	fn_init(f, addr);
	f->container = et_sys->open(ISM_VFIO_CONTAINER_NODE, O_RDWR, 0);
	snprintf(path, sizeof(path), ISM_VFIO_GROUP_NODE_FMT, group);
	f->group = et_sys->open(path, O_RDWR, 0);
	if (f->container < 0 || f->group < 0)
		goto fail;
	if (et_sys->ioctl(f->group, VFIO_GROUP_GET_STATUS, &gs) < 0 ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		goto fail;
	if (et_sys->ioctl(f->group, VFIO_GROUP_SET_CONTAINER, &f->container) < 0 ||
	    et_sys->ioctl(f->container, VFIO_SET_IOMMU,
			  (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) < 0)
		goto fail;
	f->dev = et_sys->ioctl(f->group, VFIO_GROUP_GET_DEVICE_FD, (void *)addr);
	if (f->dev < 0)
		goto fail;
	return opened(f, true);
fail:
	return opened(f, false);
}

int
et_open_cdev(struct et_fn *f, const char *addr, int cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char path[64];

	fn_init(f, addr);
	f->cdev = true;
	snprintf(path, sizeof(path), ISM_VFIO_CDEV_NODE_FMT, cdev);
	f->dev = et_sys->open(path, O_RDWR, 0);
	f->iommufd = et_sys->open(ISM_VFIO_IOMMUFD_NODE, O_RDWR, 0);
	if (f->dev < 0 || f->iommufd < 0)
		goto fail;
	bind.iommufd = f->iommufd;
	if (et_sys->ioctl(f->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0 ||
	    et_sys->ioctl(f->iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0)
		goto fail;
	f->ioas = alloc.out_ioas_id;
	at.pt_id = f->ioas;
	if (et_sys->ioctl(f->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0)
		goto fail;
	return opened(f, true);
fail:
	return opened(f, false);
}

void
et_close(struct et_fn *f)
{
	/* the reverse of the opens */
	if (f->dev >= 0)
		et_sys->close(f->dev);
	if (f->iommufd >= 0)
		et_sys->close(f->iommufd);
	if (f->group >= 0)
		et_sys->close(f->group);
	if (f->container >= 0)
		et_sys->close(f->container);
	f->dev = f->iommufd = f->group = f->container = -1;
}

int
et_map(struct et_fn *f, void *va, uint64_t iova, uint64_t len)
{
	int rc;

	if (f->cdev) {
		struct iommu_ioas_map m = {
			.size = sizeof(m), .ioas_id = f->ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
			.user_va = (uintptr_t)va, .length = len, .iova = iova,
		};

		rc = et_sys->ioctl(f->iommufd, IOMMU_IOAS_MAP, &m);
	} else {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va, .iova = iova, .size = len,
		};

		rc = et_sys->ioctl(f->container, VFIO_IOMMU_MAP_DMA, &m);
	}
	return rc < 0 ? neg_errno() : 0;
}

int
et_unmap(struct et_fn *f, uint64_t iova, uint64_t len)
{
	int rc;

	if (f->cdev) {
		struct iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = f->ioas, .iova = iova,
			.length = len,
		};

		rc = et_sys->ioctl(f->iommufd, IOMMU_IOAS_UNMAP, &u);
	} else {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .iova = iova, .size = len,
		};

		rc = et_sys->ioctl(f->container, VFIO_IOMMU_UNMAP_DMA, &u);
	}
	return rc < 0 ? neg_errno() : 0;
}

ssize_t
et_pwrite(struct et_fn *f, unsigned int bar, const void *buf, size_t len,
	  uint64_t off)
{
	return et_sys->pwrite(f->dev, buf, len, (off_t)(f->reg[bar].offset + off));
}

ssize_t
et_pread(struct et_fn *f, unsigned int bar, void *buf, size_t len,
	 uint64_t off)
{
	return et_sys->pread(f->dev, buf, len, (off_t)(f->reg[bar].offset + off));
}

int
et_cmd(struct et_fn *f, const void *req, size_t req_len, void *resp,
       size_t resp_len)
{
	const uint8_t *r = req;
	uint8_t hdr[8], *out = resp;
	size_t body = req_len - 8;

	if (body > 0 && et_pwrite(f, ISM_BAR_CMD, r + 8, body, 8) !=
	    (ssize_t)body)
		return -1;
	if (et_pwrite(f, ISM_BAR_CMD, r, 8, 0) != 8 ||
	    et_pread(f, ISM_BAR_CMD, hdr, 8, 0) != 8)
		return -1;
	memcpy(out, hdr, resp_len < 8 ? resp_len : 8);
	if ((hdr[4] | hdr[5]) != 0)
		return vism_get_be16(hdr + 4);
	for (size_t at = 8; at + 8 <= resp_len; at += 8)
		if (et_pread(f, ISM_BAR_CMD, out + at, 8, at) != 8)
			return -1;
	return 0;
}

uint64_t
et_gid(struct et_fn *f)
{
	uint8_t req[8], resp[16];

	et_req_hdr(req, ISM_CMD_READ_GID, sizeof(req));
	if (et_cmd(f, req, sizeof(req), resp, sizeof(resp)) != 0)
		return 0;
	return vism_get_be64(resp + 8);
}

void
et_req_hdr(uint8_t *p, uint32_t cmd, uint16_t len)
{
	memset(p, 0, 8);
	vism_put_be32(p, cmd);
	vism_put_be16(p + 6, len);
}

int
et_reg_sba(struct et_fn *f, uint64_t iova)
{
	uint8_t req[16], resp[8];

	et_req_hdr(req, ISM_CMD_REG_SBA, sizeof(req));
	vism_put_be64(req + 8, iova);
	return et_cmd(f, req, sizeof(req), resp, sizeof(resp));
}

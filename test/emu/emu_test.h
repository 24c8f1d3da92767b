/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_TEST_H
#define EMU_TEST_H

/*
 * Common ground of the emulation's own tests: a fake sysfs tree and a
 * private fabric, and an emulated function opened with raw ioctls through
 * vism_emu_sys() (no lib/ism above it: the tests see the kernel interface
 * exactly as a transport does).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_vfio.h"
#include "ism_vfio_uapi.h"
#include "vism_be.h"
#include "vism_emu.h"

extern char et_root[];
extern const struct ism_vfio_sys *et_sys;

/* Tree, fabric and environment; removed at exit. */
void et_setup(void);
/* Add a function: vism_sysfs_parse syntax, driver ism_vfio_pci unless
 * the spec says otherwise. */
void et_add(const char *spec);

/* One emulated function, opened one of the two ways. */
struct et_fn {
	char addr[16];
	bool cdev;
	int container, group;	/* group path */
	int iommufd;		/* cdev path */
	uint32_t ioas;
	int dev;
	struct vfio_region_info reg[VFIO_PCI_NUM_REGIONS];
};

/* Group path: container, group, type1v2, device fd, region table. */
int et_open_group(struct et_fn *f, const char *addr, int group);
/* cdev path: device fd, iommufd, bind, IOAS, attach, region table. */
int et_open_cdev(struct et_fn *f, const char *addr, int cdev);
void et_close(struct et_fn *f);
/* Map @len bytes at @va for DMA at @iova; 0 or -errno. */
int et_map(struct et_fn *f, void *va, uint64_t iova, uint64_t len);
int et_unmap(struct et_fn *f, uint64_t iova, uint64_t len);

/* BAR access at a region offset, through the region table. */
ssize_t et_pwrite(struct et_fn *f, unsigned int bar, const void *buf,
		  size_t len, uint64_t off);
ssize_t et_pread(struct et_fn *f, unsigned int bar, void *buf, size_t len,
		 uint64_t off);
/* A command (body at 8, then the header) and its response (8-byte loads:
 * header, then the body if ret is 0). @req holds header and body, @resp
 * gets up to @resp_len bytes. Returns the response's ret, or -1 when an
 * access failed. */
int et_cmd(struct et_fn *f, const void *req, size_t req_len, void *resp,
	   size_t resp_len);
/* The function's GID by READ_GID; 0 on failure. */
uint64_t et_gid(struct et_fn *f);

/* A request header for @cmd of @len bytes (header included) at @p. */
void et_req_hdr(uint8_t *p, uint32_t cmd, uint16_t len);
/* REG_SBA of @iova; the device's return code, or -1. */
int et_reg_sba(struct et_fn *f, uint64_t iova);

#endif /* EMU_TEST_H */

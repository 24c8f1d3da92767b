/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_VFIO_PRIV_H
#define ISM_VFIO_PRIV_H

/*
 * Inside the vfio transport. Files and their one job each:
 *   ism_vfio_sys.c    the libc syscall table
 *   ism_vfio_caps.c   VFIO_DEVICE_GET_INFO and its capability chain
 *   ism_vfio_dev.c    region table, checked stores/loads, config space
 *   ism_vfio_sysfs.c  what sysfs says about a function, and the fix
 *   ism_vfio_group.c  the legacy way in: container + group (type1v2)
 *   ism_vfio_cdev.c   the iommufd way in: cdev + IOAS
 *   ism_vfio_dma.c    DMA memory and the IOVA allocator
 *   ism_vfio_irq.c    the MSI into an eventfd
 *   ism_vfio_open.c   ism_vfio_open(): the steps in order, the transport
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ism_private.h"
#include "ism_vfio.h"
#include "ism_vfio_uapi.h"

/* Smallest command area that holds every request and response. */
#define ISM_VFIO_MIN_CMD_AREA	256u
/* One store must carry the largest command body. */
#define ISM_VFIO_MIN_STORE	(ISM_MAX_REQ_LEN - ISM_CMD_BODY_OFFSET)

/* An attached device fd: what the kernel said, and the access counters. */
struct ism_vfio_dev {
	int fd;				/* the caller's; never closed here */
	const struct ism_vfio_sys *sys;
	char name[64];			/* for messages */
	struct ism_vfio_info info;	/* regions, store limit, aperture */
	uint32_t num_irqs;		/* from VFIO_DEVICE_GET_INFO */
	int gone;			/* errno the function vanished with */
	uint32_t logged;		/* error messages so far (rate limit) */
	/* updated with __atomic builtins: the store path takes no lock */
	uint64_t stores, loads, retries, refused, errors;
};

/* ism_vfio_caps.c: GET_INFO (PCI flag, num_irqs) and the zPCI caps into
 * d->info; 0 or a negative errno, logged. */
int ism_vfio_caps_query(struct ism_vfio_dev *d);

/* ism_vfio_dev.c: the function vanished (ENODEV): mark it, log once. */
void ism_vfio_dev_mark_gone(struct ism_vfio_dev *d, const char *what);

/* ism_vfio_sysfs.c: ism_vfio_fn_probe() with a syscall table. */
int ism_vfio_fn_probe_sys(const struct ism_vfio_sys *sys,
			  const char *sysfs_root, const char *pci_addr,
			  struct ism_vfio_fn *fn);
/* "0000:00:01.0" from "0000:00:01.0" or "00:01.0"; -EINVAL otherwise. */
int ism_vfio_addr_norm(const char *in, char out[16]);
/* Devices of IOMMU group @group not bound to a vfio driver, as
 * "ADDR (driver), ..." into @buf; "" when there are none. */
void ism_vfio_group_strays(const struct ism_vfio_sys *sys, const char *root,
			   int group, char *buf, size_t len);

/*
 * The way in (group/container or cdev/iommufd): the fds it holds and its
 * DMA map calls. Open fills dev_fd; close undoes everything in reverse.
 * close_device closes (and detaches) the device alone, so that DMA
 * memory is unmapped only once the device can no longer reach it.
 */
struct ism_vfio_way {
	const struct ism_vfio_sys *sys;
	const char *name;		/* "vfio:ADDR" */
	enum ism_vfio_path path;	/* CDEV or GROUP once open */
	char dev_node[64];
	int dev_fd;
	/* group path */
	int container_fd, group_fd;
	/* cdev path */
	int iommufd;
	uint32_t ioas_id, devid;
	bool ioas_alive, attached;
};

void ism_vfio_way_init(struct ism_vfio_way *w, const struct ism_vfio_sys *sys,
		       const char *name);
/* @iommufd: an open /dev/iommu the caller hands over (or -1). */
int ism_vfio_cdev_open(struct ism_vfio_way *w, const struct ism_vfio_fn *fn,
		       int iommufd);
void ism_vfio_cdev_close_device(struct ism_vfio_way *w);
void ism_vfio_cdev_close(struct ism_vfio_way *w);
int ism_vfio_cdev_map(struct ism_vfio_way *w, void *va, uint64_t iova,
		      uint64_t len);
int ism_vfio_cdev_unmap(struct ism_vfio_way *w, uint64_t iova, uint64_t len);
int ism_vfio_group_open(struct ism_vfio_way *w, const struct ism_vfio_fn *fn,
			const char *sysfs_root);
void ism_vfio_group_close_device(struct ism_vfio_way *w);
void ism_vfio_group_close(struct ism_vfio_way *w);
int ism_vfio_group_map(struct ism_vfio_way *w, void *va, uint64_t iova,
		       uint64_t len);
int ism_vfio_group_unmap(struct ism_vfio_way *w, uint64_t iova, uint64_t len);
/* Say what an open() of @node failing with @err means; returns -errno
 * for ism_vfio_open (EACCES, EBUSY, ENODEV, ...). */
int ism_vfio_explain_open(const char *name, const char *node, int err,
			  const char *addr);

/* ism_vfio_dma.c: DMA memory inside the aperture [lo, hi]. */
struct ism_vfio_dma_ext;
struct ism_vfio_dma_blk;
struct ism_vfio_dma {
	struct ism_vfio_way *way;
	const struct ism_vfio_sys *sys;
	const char *name;
	pthread_mutex_t lock;
	uint64_t lo, hi;		/* usable IOVAs, inclusive */
	size_t hugesz;			/* 0: 4 KiB pages */
	struct ism_vfio_dma_ext *free;	/* free IOVA extents, sorted */
	struct ism_vfio_dma_blk *blks;	/* live allocations */
	unsigned int nblks;
};

/* IOVAs used when the function reports no aperture (no zPCI base cap). */
#define ISM_VFIO_DEFAULT_IOVA_LO	UINT64_C(0x100000)	/* 1 MiB */
#define ISM_VFIO_DEFAULT_IOVA_HI	UINT64_C(0xbfffffff)	/* 3 GiB - 1 */

int ism_vfio_dma_init(struct ism_vfio_dma *m, struct ism_vfio_way *w,
		      const struct ism_vfio_info *info, bool hugepages);
int ism_vfio_dma_alloc(struct ism_vfio_dma *m, size_t len, size_t align,
		       struct ism_dma *dma);
void ism_vfio_dma_free(struct ism_vfio_dma *m, struct ism_dma *dma);
/* Free everything still allocated, then the allocator itself. */
void ism_vfio_dma_fini(struct ism_vfio_dma *m);
unsigned int ism_vfio_dma_count(struct ism_vfio_dma *m);

/* ism_vfio_irq.c: one MSI vector into an eventfd. */
struct ism_vfio_irq {
	const struct ism_vfio_sys *sys;
	struct ism_vfio_dev *dev;
	int efd;			/* -1: no interrupt, poll */
};

void ism_vfio_irq_setup(struct ism_vfio_irq *q, struct ism_vfio_dev *d,
			bool no_irq);
void ism_vfio_irq_ack(struct ism_vfio_irq *q);
void ism_vfio_irq_teardown(struct ism_vfio_irq *q);

#endif /* ISM_VFIO_PRIV_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VFIO_ISM_PRIVATE_H
#define VFIO_ISM_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <linux/vfio.h>

#include <rte_log.h>
#include <bus_driver.h>

#include "bus_vfio_ism_driver.h"
#include "ism_vfio.h"

extern int vfio_ism_logtype;
#define VISM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vfio_ism_logtype, "vfio_ism: " fmt "\n", \
		##__VA_ARGS__)

TAILQ_HEAD(vfio_ism_device_list, rte_vfio_ism_device);
TAILQ_HEAD(vfio_ism_driver_list, rte_vfio_ism_driver);

struct vfio_ism_bus {
	struct rte_bus bus;
	struct vfio_ism_device_list devices;	/* sorted by PCI address */
	struct vfio_ism_driver_list drivers;
};
extern struct vfio_ism_bus vfio_ism_bus;

/*
 * An open ism_vfio_pci function: the vfio device fd (EAL's group and
 * container) and lib/ism's view of it (ism_vfio_dev: the region table,
 * the store limit and the one checked store/load path). Reference
 * counted: the bus holds one reference while the device is probed, each
 * transport handle one more, so a handle the driver forgot to close does
 * not dangle after remove.
 */
struct vfio_ism_hw {
	int fd;				/* -1 once the bus released it */
	uint32_t refs;
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_vfio_ism_device *dev;	/* NULL once removed */
	struct ism_vfio_dev *vd;	/* detached when the last ref goes */
	int efd;			/* MSI eventfd, -1 without MSI */
	struct rte_intr_handle *intr;
	int gone;			/* 1 once the removal was raised */
	uint32_t mz_seq;		/* memzone names: vism_<mz_tag>_<seq> */
	char mz_tag[16];		/* the PCI address without punctuation */
};

/* vfio_ism_scan.c */
const char *vfio_ism_sysfs_root(void);
int vfio_ism_sysfs_devices(char *buf, size_t len);
int vfio_ism_scan(void);
void vfio_ism_scan_cleanup(void);

/* vfio_ism_params.c */
int vfio_ism_parse(const char *name, void *addr);
int vfio_ism_devargs_parse(struct rte_devargs *da);
void *vfio_ism_dev_iterate(const void *start, const char *str,
			   const struct rte_dev_iterator *it);
struct rte_devargs *vfio_ism_devargs_lookup(const struct rte_pci_addr *addr);
bool vfio_ism_ignored(const struct rte_pci_addr *addr);

/* vfio_ism_vfio.c */
int vfio_ism_hw_open(struct rte_vfio_ism_device *dev);
void vfio_ism_hw_close(struct rte_vfio_ism_device *dev);
void vfio_ism_hw_get(struct vfio_ism_hw *hw);
void vfio_ism_hw_put(struct vfio_ism_hw *hw);

/* vfio_ism_io.c: lib/ism's checked access, plus the removal event */
int vfio_ism_io_write(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		      const void *buf, size_t len);
int vfio_ism_io_read(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		     void *buf, size_t len);
void vfio_ism_io_cancel_events(struct vfio_ism_hw *hw);

#endif /* VFIO_ISM_PRIVATE_H */

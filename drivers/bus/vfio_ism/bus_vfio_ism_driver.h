/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BUS_VFIO_ISM_DRIVER_H
#define BUS_VFIO_ISM_DRIVER_H

/*
 * The vfio_ism bus: IBM Z ISM functions bound to the kernel's ism_vfio_pci
 * driver. DPDK's PCI bus cannot drive them (it assumes region offsets at
 * index << 40 and mappable BARs); this bus takes every region offset from
 * VFIO_DEVICE_GET_REGION_INFO and reaches the BARs with pread/pwrite only.
 *
 * A driver (the ism net PMD) registers with RTE_PMD_REGISTER_VFIO_ISM and
 * an id table; its probe() gets a device whose vfio fd is open, whose
 * regions are checked and whose MSI is wired to an eventfd. It talks to the
 * function through a lib/ism transport from rte_vfio_ism_transport_get().
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_pci.h>
#include <dev_driver.h>

#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bus name, as in "vfio_ism:0000:00:01.0" or "bus=vfio_ism". */
#define RTE_VFIO_ISM_BUS_NAME	"vfio_ism"
/* The kernel driver an ISM function must be bound to. */
#define RTE_VFIO_ISM_KDRV	"ism_vfio_pci"
/* Environment variable naming the sysfs root to scan (default "/sys");
 * lib/ism's vfio transport reads the same one (ISM_VFIO_SYSFS_ENV). */
#define RTE_VFIO_ISM_SYSFS_ENV	"VFIO_ISM_SYSFS_ROOT"

struct rte_vfio_ism_driver;
struct rte_intr_handle;
struct vfio_ism_hw;

/* One ISM function found by the scan. */
struct rte_vfio_ism_device {
	TAILQ_ENTRY(rte_vfio_ism_device) next;
	struct rte_device device;		/* device.name == name */
	char name[RTE_DEV_NAME_MAX_LEN];	/* PCI address DDDD:BB:DD.F */
	struct rte_pci_addr addr;
	struct rte_pci_id id;			/* vendor/device from sysfs */
	int iommu_group;			/* from the iommu_group link */
	char bus_info[64];			/* device.bus_info */
	/* Valid while probed (between the bus's open and remove): */
	uint32_t max_store;	/* imaxstbl or 4096, at most ISM_MAX_STORE */
	struct rte_intr_handle *intr_handle;	/* MSI eventfd, or NULL */
	struct rte_vfio_ism_driver *driver;
	/* Set when an access returned ENODEV: the function is gone. */
	bool removed;
	struct vfio_ism_hw *hw;			/* bus private */
};

typedef int (rte_vfio_ism_probe_t)(struct rte_vfio_ism_driver *drv,
				   struct rte_vfio_ism_device *dev);
typedef int (rte_vfio_ism_remove_t)(struct rte_vfio_ism_device *dev);

/* A driver for ISM functions. probe() returns 0 when it took the device,
 * > 0 when it does not want it, < 0 on error. */
struct rte_vfio_ism_driver {
	TAILQ_ENTRY(rte_vfio_ism_driver) next;
	struct rte_driver driver;
	const struct rte_pci_id *id_table;	/* ends with vendor_id 0 */
	rte_vfio_ism_probe_t *probe;
	rte_vfio_ism_remove_t *remove;
};

void rte_vfio_ism_register(struct rte_vfio_ism_driver *drv);
void rte_vfio_ism_unregister(struct rte_vfio_ism_driver *drv);

#define RTE_PMD_REGISTER_VFIO_ISM(nm, vism_drv) \
RTE_INIT(vfio_ism_initfn_ ##nm) \
{ \
	(vism_drv).driver.name = RTE_STR(nm); \
	rte_vfio_ism_register(&(vism_drv)); \
} \
RTE_PMD_EXPORT_NAME(nm, __COUNTER__)

/*
 * A lib/ism transport on a probed device, for ism_dev_open(). Each call
 * returns a new handle; its close() frees the handle and the DMA memory it
 * allocated, nothing else. The bus closes the vfio device on remove; a
 * handle still open then fails every access with -ENODEV until closed.
 * Returns 0, -EINVAL (device not probed), -ENODEV (function gone) or
 * -ENOMEM.
 */
int rte_vfio_ism_transport_get(struct rte_vfio_ism_device *dev,
			       struct ism_transport **tp);

/* The device a transport from rte_vfio_ism_transport_get() belongs to,
 * or NULL if @t is not a vfio_ism transport (or its device was removed). */
struct rte_vfio_ism_device *
rte_vfio_ism_transport_device(const struct ism_transport *t);

/* The vfio_ism device of an rte_device, or NULL if it is on another bus. */
struct rte_vfio_ism_device *rte_vfio_ism_device_from(struct rte_device *dev);

/* Counters of one probed device (all zero when not probed). */
struct rte_vfio_ism_stats {
	uint64_t stores;	/* pwrite calls that succeeded */
	uint64_t loads;		/* pread calls that succeeded */
	uint64_t retries;	/* EINTR/EAGAIN retried */
	uint64_t refused;	/* accesses refused before any syscall */
	uint64_t errors;	/* accesses the kernel failed */
};
void rte_vfio_ism_stats_get(const struct rte_vfio_ism_device *dev,
			    struct rte_vfio_ism_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* BUS_VFIO_ISM_DRIVER_H */

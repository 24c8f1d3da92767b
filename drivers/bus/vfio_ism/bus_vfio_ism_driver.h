/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BUS_VFIO_ISM_DRIVER_H
#define BUS_VFIO_ISM_DRIVER_H

/**
 * @file
 * The vfio_ism bus: IBM Z ISM functions bound to the kernel's ism_vfio_pci
 * driver. DPDK's PCI bus cannot drive them (it assumes region offsets at
 * index << 40 and mappable BARs); this bus takes every region offset from
 * VFIO_DEVICE_GET_REGION_INFO and reaches the BARs with pread/pwrite only.
 *
 * A driver (the ism net PMD) registers with RTE_PMD_REGISTER_VFIO_ISM and
 * an id table; its probe() gets a device whose vfio fd is open, whose
 * regions are checked and whose MSI is wired to an eventfd. It talks to the
 * function through a lib/ism transport from rte_vfio_ism_transport_get().
 *
 * Thread safety: drivers register from constructors, before the EAL
 * starts; the EAL calls the bus's scan, probe and remove (rte_eal_init(),
 * rte_dev_probe(), rte_dev_remove()) one at a time. The calls on a device
 * below may run on any thread while the device is probed, not
 * concurrently with its removal.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_dev.h>
#include <rte_pci.h>
#include <dev_driver.h>

#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bus name, as in "vfio_ism:0000:00:01.0" or "bus=vfio_ism". */
#define RTE_VFIO_ISM_BUS_NAME	"vfio_ism"
/** The kernel driver an ISM function must be bound to. */
#define RTE_VFIO_ISM_KDRV	"ism_vfio_pci"
/** Environment variable naming the sysfs root to scan (default "/sys");
 * lib/ism's vfio transport reads the same one (ISM_VFIO_SYSFS_ENV). */
#define RTE_VFIO_ISM_SYSFS_ENV	"VFIO_ISM_SYSFS_ROOT"

struct rte_vfio_ism_driver;
struct rte_intr_handle;
struct vfio_ism_hw;

/** One ISM function found by the scan. The bus owns it; drivers read it. */
struct rte_vfio_ism_device {
	TAILQ_ENTRY(rte_vfio_ism_device) next;	/**< in the bus's device list */
	struct rte_device device;		/**< device.name == name */
	char name[RTE_DEV_NAME_MAX_LEN];	/**< PCI address DDDD:BB:DD.F */
	struct rte_pci_addr addr;		/**< the same, parsed */
	struct rte_pci_id id;			/**< vendor/device from sysfs */
	int iommu_group;			/**< from the iommu_group link */
	char bus_info[64];			/**< device.bus_info */
	/* Valid while probed (between the bus's open and remove): */
	/** Store limit while probed: imaxstbl or 4096, at most ISM_MAX_STORE */
	uint32_t max_store;
	/** MSI eventfd while probed, or NULL without MSI */
	struct rte_intr_handle *intr_handle;
	/** The driver that took the device, while probed */
	struct rte_vfio_ism_driver *driver;
	/** Set when an access returned ENODEV: the function is gone. */
	bool removed;
	struct vfio_ism_hw *hw;			/**< bus private */
};

/**
 * A driver's probe: called for a device of its id table, with the vfio fd
 * open, the regions checked and the MSI wired.
 *
 * @return 0 when the driver took the device, > 0 when it does not want it,
 *   a negative errno when it failed (the bus then releases the device).
 */
typedef int (rte_vfio_ism_probe_t)(struct rte_vfio_ism_driver *drv,
				   struct rte_vfio_ism_device *dev);
/**
 * A driver's remove: release everything taken in probe. The device may be
 * gone already (dev->removed); an access then fails with -ENODEV.
 *
 * @return 0, or a negative errno (logged by the bus).
 */
typedef int (rte_vfio_ism_remove_t)(struct rte_vfio_ism_device *dev);

/** A driver for ISM functions, registered with RTE_PMD_REGISTER_VFIO_ISM. */
struct rte_vfio_ism_driver {
	TAILQ_ENTRY(rte_vfio_ism_driver) next;	/**< in the bus's driver list */
	struct rte_driver driver;		/**< driver.name: the PMD's name */
	const struct rte_pci_id *id_table;	/**< ends with vendor_id 0 */
	rte_vfio_ism_probe_t *probe;		/**< take a matching device */
	rte_vfio_ism_remove_t *remove;		/**< release it */
};

/**
 * Add a driver to the bus. Called by RTE_PMD_REGISTER_VFIO_ISM from a
 * constructor, before the EAL starts; not thread-safe.
 *
 * @param drv  the driver; it must stay valid while registered
 */
__rte_internal
void rte_vfio_ism_register(struct rte_vfio_ism_driver *drv);
/**
 * Remove a registered driver from the bus. Not thread-safe; the driver's
 * devices must have been removed first.
 *
 * @param drv  a driver passed to rte_vfio_ism_register()
 */
__rte_internal
void rte_vfio_ism_unregister(struct rte_vfio_ism_driver *drv);

/**
 * Register a vfio_ism driver at load time under the name @p nm.
 *
 * @param nm  the driver's name (an identifier, e.g. net_ism)
 * @param vism_drv  a struct rte_vfio_ism_driver
 */
#define RTE_PMD_REGISTER_VFIO_ISM(nm, vism_drv) \
RTE_INIT(vfio_ism_initfn_ ##nm) \
{ \
	(vism_drv).driver.name = RTE_STR(nm); \
	rte_vfio_ism_register(&(vism_drv)); \
} \
RTE_PMD_EXPORT_NAME(nm, __COUNTER__)

/**
 * A lib/ism transport on a probed device, for ism_dev_open(). Each call
 * returns a new handle; its close() frees the handle and the DMA memory it
 * allocated, nothing else. The bus closes the vfio device on remove; a
 * handle still open then fails every access with -ENODEV until closed.
 *
 * @param dev  a probed device
 * @param[out] tp  the new transport; NULL on failure
 * @return 0; -EINVAL when @p dev is not probed; -ENODEV when the function
 *   is gone; -ENOMEM.
 */
__rte_internal
int rte_vfio_ism_transport_get(struct rte_vfio_ism_device *dev,
			       struct ism_transport **tp);

/**
 * The device a transport from rte_vfio_ism_transport_get() belongs to.
 *
 * @param t  any lib/ism transport
 * @return the device, or NULL if @p t is not a vfio_ism transport (or its
 *   device was removed).
 */
__rte_internal
struct rte_vfio_ism_device *
rte_vfio_ism_transport_device(const struct ism_transport *t);

/**
 * The vfio_ism device of an rte_device.
 *
 * @param dev  any rte_device, or NULL
 * @return the device, or NULL if @p dev is NULL or on another bus.
 */
__rte_internal
struct rte_vfio_ism_device *rte_vfio_ism_device_from(struct rte_device *dev);

/** Counters of one probed device (all zero when not probed). */
struct rte_vfio_ism_stats {
	uint64_t stores;	/**< pwrite calls that succeeded */
	uint64_t loads;		/**< pread calls that succeeded */
	uint64_t retries;	/**< EINTR/EAGAIN retried */
	uint64_t refused;	/**< accesses refused before any syscall */
	uint64_t errors;	/**< accesses the kernel failed */
};
/**
 * Read the counters of a device's vfio accesses, summed over all its
 * transports. Any thread; each counter is read on its own, so two of them
 * may be from slightly different moments.
 *
 * @param dev  a device of the bus
 * @param[out] st  the counters; all zero when @p dev is not probed
 */
__rte_internal
void rte_vfio_ism_stats_get(const struct rte_vfio_ism_device *dev,
			    struct rte_vfio_ism_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* BUS_VFIO_ISM_DRIVER_H */

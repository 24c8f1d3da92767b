/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio_ism bus object: driver registration, probing a device with the
 * drivers whose id table matches it, hotplug (plug/unplug) and cleanup.
 * Finding devices is vfio_ism_scan.c; opening them is vfio_ism_vfio.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "ism.h"
#include "vfio_ism_private.h"

RTE_LOG_REGISTER(vfio_ism_logtype, bus.vfio_ism, NOTICE);

/* lib/ism's messages (its levels are syslog's, EAL's one higher) go to
 * this bus's log type, so that --log-level=bus.vfio_ism:debug shows them. */
static void
lib_log(int level, const char *msg)
{
	rte_log((uint32_t)level + 1, vfio_ism_logtype, "vfio_ism: %s\n", msg);
}

RTE_INIT(vfio_ism_lib_log)
{
	ism_set_log_fn(lib_log);
}

#define VISM_DEV(rdev) container_of(rdev, struct rte_vfio_ism_device, device)

void
rte_vfio_ism_register(struct rte_vfio_ism_driver *drv)
{
	TAILQ_INSERT_TAIL(&vfio_ism_bus.drivers, drv, next);
}

void
rte_vfio_ism_unregister(struct rte_vfio_ism_driver *drv)
{
	TAILQ_REMOVE(&vfio_ism_bus.drivers, drv, next);
}

struct rte_vfio_ism_device *
rte_vfio_ism_device_from(struct rte_device *rdev)
{
	if (rdev == NULL || rdev->bus != &vfio_ism_bus.bus)
		return NULL;
	return VISM_DEV(rdev);
}

static bool
id_match(const struct rte_pci_id *table, const struct rte_pci_id *id)
{
	for (const struct rte_pci_id *t = table; t != NULL && t->vendor_id != 0;
	     t++) {
		if (t->vendor_id != id->vendor_id &&
		    t->vendor_id != RTE_PCI_ANY_ID)
			continue;
		if (t->device_id != id->device_id &&
		    t->device_id != RTE_PCI_ANY_ID)
			continue;
		return true;
	}
	return false;
}

/* 0: a driver took it; 1: no driver wanted it; < 0: error. */
static int
probe_one(struct rte_vfio_ism_device *dev)
{
	struct rte_vfio_ism_driver *drv;
	int rc;

	if (dev->device.driver != NULL) {
		VISM_LOG(DEBUG, "%s: already probed by %s", dev->name,
			 dev->driver->driver.name);
		return -EEXIST;
	}
	dev->device.devargs = vfio_ism_devargs_lookup(&dev->addr);
	if (vfio_ism_ignored(&dev->addr)) {
		VISM_LOG(DEBUG, "%s: not probed: excluded by -a/-b", dev->name);
		return 1;
	}
	TAILQ_FOREACH(drv, &vfio_ism_bus.drivers, next) {
		if (!id_match(drv->id_table, &dev->id))
			continue;
		/* a secondary process attaches to the primary's port: the
		 * device, its MSI and its fds stay the primary's */
		rc = rte_eal_process_type() == RTE_PROC_PRIMARY ?
			vfio_ism_hw_open(dev) : 0;
		if (rc < 0)
			return rc;
		dev->driver = drv;
		rc = drv->probe(drv, dev);
		if (rc == 0) {
			dev->device.driver = &drv->driver;
			VISM_LOG(INFO, "%s: probed by driver %s", dev->name,
				 drv->driver.name);
			return 0;
		}
		dev->driver = NULL;
		vfio_ism_hw_close(dev);
		if (rc < 0) {
			VISM_LOG(ERR, "%s: driver %s failed to probe it: %s",
				 dev->name, drv->driver.name, strerror(-rc));
			return rc;
		}
	}
	VISM_LOG(DEBUG, "%s: no driver for %04x:%04x", dev->name,
		 dev->id.vendor_id, dev->id.device_id);
	return 1;
}

static int
vfio_ism_probe(void)
{
	struct rte_vfio_ism_device *dev;
	int probed = 0, failed = 0;

	TAILQ_FOREACH(dev, &vfio_ism_bus.devices, next) {
		int rc;

		if (dev->device.driver != NULL)
			continue;
		rc = probe_one(dev);
		if (rc == 0)
			probed++;
		else if (rc < 0)
			failed++;
	}
	return failed > 0 && probed == 0 ? -1 : 0;
}

/* Driver remove, then release the vfio device. */
static int
detach(struct rte_vfio_ism_device *dev)
{
	struct rte_vfio_ism_driver *drv = dev->driver;
	int rc;

	if (drv == NULL || dev->device.driver == NULL)
		return 0;
	if (drv->remove != NULL) {
		rc = drv->remove(dev);
		if (rc < 0) {
			VISM_LOG(ERR, "%s: driver %s refused to remove it: %s",
				 dev->name, drv->driver.name, strerror(-rc));
			return rc;
		}
	}
	dev->driver = NULL;
	dev->device.driver = NULL;
	vfio_ism_hw_close(dev);
	VISM_LOG(INFO, "%s: removed", dev->name);
	return 0;
}

static struct rte_device *
vfio_ism_find_device(const struct rte_device *start, rte_dev_cmp_t cmp,
		     const void *data)
{
	struct rte_vfio_ism_device *dev;

	if (start != NULL)
		dev = TAILQ_NEXT(VISM_DEV(start), next);
	else
		dev = TAILQ_FIRST(&vfio_ism_bus.devices);
	for (; dev != NULL; dev = TAILQ_NEXT(dev, next))
		if (cmp == NULL || cmp(&dev->device, data) == 0)
			return &dev->device;
	return NULL;
}

static int
vfio_ism_plug(struct rte_device *rdev)
{
	return probe_one(VISM_DEV(rdev));
}

static int
vfio_ism_unplug(struct rte_device *rdev)
{
	struct rte_vfio_ism_device *dev = VISM_DEV(rdev);
	int rc;

	rc = detach(dev);
	if (rc < 0)
		return rc;
	TAILQ_REMOVE(&vfio_ism_bus.devices, dev, next);
	rte_devargs_remove(dev->device.devargs);
	free(dev);
	return 0;
}

static int
vfio_ism_cleanup(void)
{
	struct rte_vfio_ism_device *dev;
	int rc = 0;

	while ((dev = TAILQ_FIRST(&vfio_ism_bus.devices)) != NULL) {
		if (detach(dev) < 0)
			rc = -1;
		TAILQ_REMOVE(&vfio_ism_bus.devices, dev, next);
		free(dev);
	}
	vfio_ism_scan_cleanup();
	return rc;
}

/* ISM functions behind an IOMMU work with any IOVA; VA is what DPDK picks
 * for vfio devices and needs no physical addresses (--no-huge works). */
static enum rte_iova_mode
vfio_ism_get_iommu_class(void)
{
	struct rte_vfio_ism_device *dev;

	TAILQ_FOREACH(dev, &vfio_ism_bus.devices, next)
		if (!vfio_ism_ignored(&dev->addr))
			return RTE_IOVA_VA;
	return RTE_IOVA_DC;
}

/* rte_dev_dma_map() for external memory: into EAL's default container,
 * which is where rte_vfio_setup_device() put the device's group. */
static int
vfio_ism_dma_map(struct rte_device *rdev, void *addr, uint64_t iova,
		 size_t len)
{
	int rc = rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
					    (uintptr_t)addr, iova, len);

	if (rc < 0)
		VISM_LOG(ERR, "%s: cannot map %zu bytes at %p (IOVA 0x%" PRIx64 ") for DMA: %s",
			 rdev->name, len, addr, iova, rte_strerror(rte_errno));
	return rc;
}

static int
vfio_ism_dma_unmap(struct rte_device *rdev, void *addr, uint64_t iova,
		   size_t len)
{
	int rc = rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
					      (uintptr_t)addr, iova, len);

	if (rc < 0)
		VISM_LOG(ERR, "%s: cannot unmap %zu bytes at %p (IOVA 0x%" PRIx64 "): %s",
			 rdev->name, len, addr, iova, rte_strerror(rte_errno));
	return rc;
}

struct vfio_ism_bus vfio_ism_bus = {
	.bus = {
		.scan = vfio_ism_scan,
		.probe = vfio_ism_probe,
		.cleanup = vfio_ism_cleanup,
		.find_device = vfio_ism_find_device,
		.plug = vfio_ism_plug,
		.unplug = vfio_ism_unplug,
		.parse = vfio_ism_parse,
		.devargs_parse = vfio_ism_devargs_parse,
		.dma_map = vfio_ism_dma_map,
		.dma_unmap = vfio_ism_dma_unmap,
		.get_iommu_class = vfio_ism_get_iommu_class,
		.dev_iterate = vfio_ism_dev_iterate,
	},
	.devices = TAILQ_HEAD_INITIALIZER(vfio_ism_bus.devices),
	.drivers = TAILQ_HEAD_INITIALIZER(vfio_ism_bus.drivers),
};

RTE_REGISTER_BUS(vfio_ism, vfio_ism_bus.bus);

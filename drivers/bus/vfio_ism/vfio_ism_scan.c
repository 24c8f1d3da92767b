/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scan: walk <sysfs>/bus/pci/devices for ISM functions (1014:04ed).
 * lib/ism's vfio transport says what state each is in (ism_vfio_fn_probe):
 * those bound to ism_vfio_pci with an IOMMU group become devices on the
 * bus; every other ISM function is skipped, with lib/ism's message saying
 * why and what command would fix it, printed once per function and reason
 * (the scan runs again on every hotplug request).
 *
 * The sysfs root is /sys unless VFIO_ISM_SYSFS_ROOT names another (tests
 * point it at a fake tree); lib/ism and the bus read the same variable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_devargs.h>
#include <rte_memory.h>

#include "ism_proto.h"
#include "vfio_ism_private.h"

/* Functions already reported, so each is reported once per reason. */
struct skip_note {
	struct skip_note *next;
	struct rte_pci_addr addr;
	enum ism_vfio_fn_state reason;
};
static struct skip_note *skip_notes;

const char *
vfio_ism_sysfs_root(void)
{
	return ism_vfio_sysfs_root(NULL);
}

int
vfio_ism_sysfs_devices(char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/bus/pci/devices", vfio_ism_sysfs_root());

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void
report_skip(const struct rte_pci_addr *addr, const struct ism_vfio_fn *fn)
{
	struct skip_note *n;

	for (n = skip_notes; n != NULL; n = n->next)
		if (rte_pci_addr_cmp(&n->addr, addr) == 0 &&
		    n->reason == fn->state)
			return;
	n = calloc(1, sizeof(*n));
	if (n != NULL) {
		n->addr = *addr;
		n->reason = fn->state;
		n->next = skip_notes;
		skip_notes = n;
	}
	VISM_LOG(WARNING, "skipping ISM function %s", fn->why);
}

static struct rte_vfio_ism_device *
find_dev(const struct rte_pci_addr *addr)
{
	struct rte_vfio_ism_device *dev;

	TAILQ_FOREACH(dev, &vfio_ism_bus.devices, next)
		if (rte_pci_addr_cmp(&dev->addr, addr) == 0)
			return dev;
	return NULL;
}

/* A known, unprobed device that is no longer usable leaves the list. */
static void
forget(const struct rte_pci_addr *addr)
{
	struct rte_vfio_ism_device *dev = find_dev(addr);

	if (dev != NULL && dev->device.driver == NULL) {
		TAILQ_REMOVE(&vfio_ism_bus.devices, dev, next);
		free(dev);
	}
}

static void
insert_sorted(struct rte_vfio_ism_device *dev)
{
	struct rte_vfio_ism_device *d;

	TAILQ_FOREACH(d, &vfio_ism_bus.devices, next) {
		if (rte_pci_addr_cmp(&dev->addr, &d->addr) < 0) {
			TAILQ_INSERT_BEFORE(d, dev, next);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&vfio_ism_bus.devices, dev, next);
}

static int
scan_one(const char *entry)
{
	struct rte_vfio_ism_device *dev;
	struct rte_pci_addr addr;
	struct ism_vfio_fn fn;

	if (rte_pci_addr_parse(entry, &addr) != 0 ||
	    ism_vfio_fn_probe(NULL, entry, &fn) != 0 ||
	    fn.state == ISM_VFIO_FN_ABSENT || fn.state == ISM_VFIO_FN_NOT_ISM)
		return 0;
	if (fn.state != ISM_VFIO_FN_USABLE) {
		report_skip(&addr, &fn);
		forget(&addr);
		return 0;
	}

	dev = find_dev(&addr);
	if (dev != NULL) {
		dev->device.devargs = vfio_ism_devargs_lookup(&addr);
		return 0;
	}
	if (vfio_ism_ignored(&addr)) {
		VISM_LOG(DEBUG, "%s: excluded by -a/-b, not added", fn.addr);
		return 0;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		VISM_LOG(ERR, "%s: out of memory", fn.addr);
		return -ENOMEM;
	}
	dev->addr = addr;
	rte_pci_device_name(&addr, dev->name, sizeof(dev->name));
	dev->id.vendor_id = fn.vendor;
	dev->id.device_id = fn.device;
	dev->id.subsystem_vendor_id = RTE_PCI_ANY_ID;
	dev->id.subsystem_device_id = RTE_PCI_ANY_ID;
	dev->iommu_group = fn.iommu_group;
	snprintf(dev->bus_info, sizeof(dev->bus_info),
		 "vendor_id=%04x, device_id=%04x, iommu_group=%d", fn.vendor,
		 fn.device, fn.iommu_group);
	dev->device.name = dev->name;
	dev->device.bus_info = dev->bus_info;
	dev->device.bus = &vfio_ism_bus.bus;
	dev->device.devargs = vfio_ism_devargs_lookup(&addr);
	dev->device.numa_node = fn.numa_node >= 0 ? fn.numa_node : SOCKET_ID_ANY;
	insert_sorted(dev);
	VISM_LOG(INFO, "%s: ISM function on " ISM_VFIO_KDRV ", IOMMU group %d",
		 dev->name, fn.iommu_group);
	return 0;
}

int
vfio_ism_scan(void)
{
	char devices[PATH_MAX];
	struct dirent **ents;
	int n, rc = 0;

	if (vfio_ism_sysfs_devices(devices, sizeof(devices)) < 0) {
		VISM_LOG(ERR, "sysfs root %s is too long", vfio_ism_sysfs_root());
		return -1;
	}
	/* sorted, so that logs and device order do not depend on readdir */
	n = scandir(devices, &ents, NULL, alphasort);
	if (n < 0) {
		VISM_LOG(DEBUG, "no PCI devices: cannot read %s: %s", devices,
			 strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.')
			rc = scan_one(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return rc < 0 ? -1 : 0;
}

void
vfio_ism_scan_cleanup(void)
{
	while (skip_notes != NULL) {
		struct skip_note *n = skip_notes;

		skip_notes = n->next;
		free(n);
	}
}

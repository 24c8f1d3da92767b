/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scan: walk <sysfs>/bus/pci/devices for ISM functions (1014:04ed).
 * Those bound to ism_vfio_pci with an IOMMU group become devices on the
 * bus; every other ISM function is skipped, with a message saying why and
 * what command would fix it, printed once per function and reason (the
 * scan runs again on every hotplug request).
 *
 * The sysfs root is /sys unless VFIO_ISM_SYSFS_ROOT names another (tests
 * point it at a fake tree).
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

enum skip_reason {
	SKIP_UNBOUND,
	SKIP_KERNEL_ISM,
	SKIP_VFIO_PCI,
	SKIP_OTHER_DRIVER,
	SKIP_NO_IOMMU_GROUP,
	SKIP_BAD_GROUP,
};

/* Functions already reported, so each is reported once per reason. */
struct skip_note {
	struct skip_note *next;
	struct rte_pci_addr addr;
	enum skip_reason reason;
};
static struct skip_note *skip_notes;

const char *
vfio_ism_sysfs_root(void)
{
	const char *root = getenv(RTE_VFIO_ISM_SYSFS_ENV);

	return root != NULL && root[0] != '\0' ? root : "/sys";
}

int
vfio_ism_sysfs_devices(char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/bus/pci/devices", vfio_ism_sysfs_root());

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int
read_ulong(const char *dir, const char *file, unsigned long *val)
{
	char path[PATH_MAX], buf[64], *end;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno != 0 || end == buf)
		return -EINVAL;
	return 0;
}

/* Last path component of a symlink's target ("" when absent). */
static void
link_base(const char *dir, const char *link, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(buf, base, strlen(base) + 1);
}

static void
report_skip(const struct rte_pci_addr *addr, const char *name,
	    enum skip_reason reason, const char *driver)
{
	struct skip_note *n;

	for (n = skip_notes; n != NULL; n = n->next)
		if (rte_pci_addr_cmp(&n->addr, addr) == 0 && n->reason == reason)
			return;
	n = calloc(1, sizeof(*n));
	if (n != NULL) {
		n->addr = *addr;
		n->reason = reason;
		n->next = skip_notes;
		skip_notes = n;
	}

	switch (reason) {
	case SKIP_UNBOUND:
		VISM_LOG(WARNING, "skipping ISM function %s: no kernel driver is bound; bind it to " RTE_VFIO_ISM_KDRV ": driverctl set-override %s " RTE_VFIO_ISM_KDRV,
			 name, name);
		break;
	case SKIP_KERNEL_ISM:
		VISM_LOG(WARNING, "skipping ISM function %s: bound to the kernel's ism driver (SMC-D uses it); to give it to DPDK: driverctl set-override %s " RTE_VFIO_ISM_KDRV,
			 name, name);
		break;
	case SKIP_VFIO_PCI:
		VISM_LOG(WARNING, "skipping ISM function %s: bound to the generic vfio-pci, whose region layout cannot reach ISM's 256 TiB BAR 0; rebind it: driverctl set-override %s " RTE_VFIO_ISM_KDRV,
			 name, name);
		break;
	case SKIP_OTHER_DRIVER:
		VISM_LOG(WARNING, "skipping ISM function %s: bound to driver %s; rebind it: driverctl set-override %s " RTE_VFIO_ISM_KDRV,
			 name, driver, name);
		break;
	case SKIP_NO_IOMMU_GROUP:
		VISM_LOG(WARNING, "skipping ISM function %s: bound to " RTE_VFIO_ISM_KDRV " but it has no IOMMU group (no iommu_group link in sysfs); the kernel runs it without an IOMMU: check that the IOMMU is enabled (dmesg | grep -i iommu) and rebind",
			 name);
		break;
	case SKIP_BAD_GROUP:
		VISM_LOG(WARNING, "skipping ISM function %s: its iommu_group link does not end in a group number; check %s/bus/pci/devices/%s/iommu_group",
			 name, vfio_ism_sysfs_root(), name);
		break;
	}
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
scan_one(const char *devices, const char *entry)
{
	struct rte_vfio_ism_device *dev;
	struct rte_pci_addr addr;
	char dir[PATH_MAX], name[RTE_DEV_NAME_MAX_LEN], drv[64], grp[64];
	unsigned long vendor, device, numa;
	char *end;
	long group;

	if (rte_pci_addr_parse(entry, &addr) != 0)
		return 0;
	rte_pci_device_name(&addr, name, sizeof(name));
	if (snprintf(dir, sizeof(dir), "%s/%s", devices, entry) >=
	    (int)sizeof(dir))
		return 0;
	if (read_ulong(dir, "vendor", &vendor) < 0 ||
	    read_ulong(dir, "device", &device) < 0) {
		VISM_LOG(DEBUG, "%s: no readable vendor/device in %s", name, dir);
		return 0;
	}
	if (vendor != ISM_PCI_VENDOR_ID || device != ISM_PCI_DEVICE_ID)
		return 0;

	link_base(dir, "driver", drv, sizeof(drv));
	if (strcmp(drv, RTE_VFIO_ISM_KDRV) != 0) {
		if (drv[0] == '\0')
			report_skip(&addr, name, SKIP_UNBOUND, drv);
		else if (strcmp(drv, "ism") == 0)
			report_skip(&addr, name, SKIP_KERNEL_ISM, drv);
		else if (strcmp(drv, "vfio-pci") == 0)
			report_skip(&addr, name, SKIP_VFIO_PCI, drv);
		else
			report_skip(&addr, name, SKIP_OTHER_DRIVER, drv);
		forget(&addr);
		return 0;
	}
	link_base(dir, "iommu_group", grp, sizeof(grp));
	if (grp[0] == '\0') {
		report_skip(&addr, name, SKIP_NO_IOMMU_GROUP, drv);
		forget(&addr);
		return 0;
	}
	errno = 0;
	group = strtol(grp, &end, 10);
	if (errno != 0 || *end != '\0' || group < 0 || group > INT_MAX) {
		report_skip(&addr, name, SKIP_BAD_GROUP, drv);
		forget(&addr);
		return 0;
	}

	dev = find_dev(&addr);
	if (dev != NULL) {
		dev->device.devargs = vfio_ism_devargs_lookup(&addr);
		return 0;
	}
	if (vfio_ism_ignored(&addr)) {
		VISM_LOG(DEBUG, "%s: excluded by -a/-b, not added", name);
		return 0;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		VISM_LOG(ERR, "%s: out of memory", name);
		return -ENOMEM;
	}
	dev->addr = addr;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->id.vendor_id = (uint16_t)vendor;
	dev->id.device_id = (uint16_t)device;
	dev->id.subsystem_vendor_id = RTE_PCI_ANY_ID;
	dev->id.subsystem_device_id = RTE_PCI_ANY_ID;
	dev->iommu_group = (int)group;
	snprintf(dev->bus_info, sizeof(dev->bus_info),
		 "vendor_id=%04lx, device_id=%04lx, iommu_group=%ld", vendor,
		 device, group);
	dev->device.name = dev->name;
	dev->device.bus_info = dev->bus_info;
	dev->device.bus = &vfio_ism_bus.bus;
	dev->device.devargs = vfio_ism_devargs_lookup(&addr);
	dev->device.numa_node = SOCKET_ID_ANY;
	if (read_ulong(dir, "numa_node", &numa) == 0 && (long)numa >= 0)
		dev->device.numa_node = (int)numa;
	insert_sorted(dev);
	VISM_LOG(INFO, "%s: ISM function on " RTE_VFIO_ISM_KDRV ", IOMMU group %ld",
		 name, group);
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
			rc = scan_one(devices, ents[i]->d_name);
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

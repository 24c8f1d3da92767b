/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device names and selection: PCI addresses as device names, -a/-b and
 * hotplug devargs ("vfio_ism:0000:00:01.0,..." or
 * "bus=vfio_ism,addr=0000:00:01.0"), and the dev_iterate hook behind
 * RTE_DEV_FOREACH / RTE_ETH_FOREACH_MATCHING_DEV.
 */
#include <string.h>

#include <rte_devargs.h>
#include <rte_kvargs.h>

#include "vfio_ism_private.h"

#define VISM_ARG_ADDR "addr"

int
vfio_ism_parse(const char *name, void *addr)
{
	struct rte_pci_addr a;

	if (rte_pci_addr_parse(name, &a) != 0)
		return 1;
	if (addr != NULL)
		*(struct rte_pci_addr *)addr = a;
	return 0;
}

/* The "addr" value of a kvargs string, parsed; 0, 1 (no addr key) or -1. */
static int
kv_addr(const char *str, struct rte_pci_addr *addr)
{
	struct rte_kvargs *kv;
	const char *v;
	int rc;

	kv = rte_kvargs_parse(str, NULL);
	if (kv == NULL) {
		VISM_LOG(ERR, "cannot parse device arguments \"%s\"", str);
		return -1;
	}
	v = rte_kvargs_get(kv, VISM_ARG_ADDR);
	if (v == NULL)
		rc = 1;
	else if (rte_pci_addr_parse(v, addr) != 0) {
		VISM_LOG(ERR, "\"%s\" is not a PCI address (DDDD:BB:DD.F)", v);
		rc = -1;
	} else {
		rc = 0;
	}
	rte_kvargs_free(kv);
	return rc;
}

/* "bus=vfio_ism,addr=ADDR": the device name is the normalised address. */
int
vfio_ism_devargs_parse(struct rte_devargs *da)
{
	struct rte_pci_addr addr;
	int rc;

	if (da == NULL || da->bus_str == NULL)
		return 0;
	rc = kv_addr(da->bus_str, &addr);
	if (rc < 0)
		return -1;
	if (rc == 0)
		rte_pci_device_name(&addr, da->name, sizeof(da->name));
	return 0;
}

void *
vfio_ism_dev_iterate(const void *start, const char *str,
		     const struct rte_dev_iterator *it __rte_unused)
{
	const struct rte_vfio_ism_device *sdev = NULL;
	struct rte_vfio_ism_device *dev;
	struct rte_pci_addr addr;
	bool match_addr = false;

	if (str != NULL && str[0] != '\0') {
		int rc = kv_addr(str, &addr);

		if (rc < 0)
			return NULL;
		match_addr = rc == 0;
	}
	if (start != NULL) {
		sdev = container_of(start, struct rte_vfio_ism_device, device);
		dev = TAILQ_NEXT(sdev, next);
	} else {
		dev = TAILQ_FIRST(&vfio_ism_bus.devices);
	}
	for (; dev != NULL; dev = TAILQ_NEXT(dev, next))
		if (!match_addr || rte_pci_addr_cmp(&dev->addr, &addr) == 0)
			return &dev->device;
	return NULL;
}

/* The -a/-b/hotplug devargs naming @addr, in any spelling of it. */
struct rte_devargs *
vfio_ism_devargs_lookup(const struct rte_pci_addr *addr)
{
	struct rte_devargs *da;
	struct rte_pci_addr a;

	RTE_EAL_DEVARGS_FOREACH(RTE_VFIO_ISM_BUS_NAME, da) {
		if (vfio_ism_parse(da->name, &a) == 0 &&
		    rte_pci_addr_cmp(&a, addr) == 0)
			return da;
	}
	return NULL;
}

/* Same policy as DPDK's PCI bus: with any -a only allowed devices, else
 * everything but blocked ones. */
bool
vfio_ism_ignored(const struct rte_pci_addr *addr)
{
	struct rte_devargs *da = vfio_ism_devargs_lookup(addr);

	if (vfio_ism_bus.bus.conf.scan_mode == RTE_BUS_SCAN_ALLOWLIST)
		return da == NULL || da->policy != RTE_DEV_ALLOWED;
	return da != NULL && da->policy == RTE_DEV_BLOCKED;
}

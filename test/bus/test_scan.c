/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scan of a mixed fake sysfs tree: exactly the ISM functions bound to
 * ism_vfio_pci with an IOMMU group are probed; every other ISM function is
 * reported once with its reason and the fixing command; non-ISM functions
 * are not mentioned; -b/-a and hotplug devargs select devices; probe
 * refuses a function whose BARs are not ISM's or whose group is not
 * accessible, saying why.
 *
 *   test_bus_scan all     the mixed tree, -b, hotplug, dev_iterate
 *   test_bus_scan allow   the same tree with an allowlist (-a)
 */
#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>

#include "bus_test.h"
#include "check.h"

static void
make_tree(void)
{
	bt_add("0000:00:01.0,driver=ism_vfio_pci,group=1");
	bt_add("0000:00:02.0,driver=ism_vfio_pci,group=2");
	bt_add("0000:00:03.0,driver=ism,group=3");
	bt_add("0000:00:04.0,driver=vfio-pci,group=4");
	bt_add("0000:00:05.0,group=5");
	bt_add("0000:00:06.0,driver=ism_vfio_pci,group=-1");
	bt_add("0000:00:07.0,vendor=0x8086,device=0x1572,driver=vfio-pci,group=7");
	bt_add("0000:00:08.0,device=0x044b,driver=ism_vfio_pci,group=8");
	bt_add("0000:00:09.0,driver=ism_vfio_pci,group=9");
	bt_add("0000:00:0a.0,driver=ism_vfio_pci,group=10,bar0_size=4096");
	bt_add("0000:00:0b.0,driver=ism_vfio_pci,group=11");
	bt_add("0000:00:0c.0,driver=foo_drv,group=12");
	bt_add("0001:00:00.0,driver=ism_vfio_pci,group=13,cap_version=0");
	/* group 11's device node belongs to someone else */
	vism_sysfs_write(bt_root, "0000:00:0b.0", "../../../kernel/iommu_groups/11/ism_emu_eacces", "");
}

static int
count_bus_devices(const char *filter)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;
	int n = 0;

	RTE_DEV_FOREACH(dev, filter, &it)
		n++;
	return n;
}

static void
expect_skip(const char *addr, const char *reason, const char *fix)
{
	CHECK_EQ(bt_log_count(addr, reason), 1,
		 "%s is reported once as skipped: %s", addr, reason);
	if (fix != NULL)
		CHECK_EQ(bt_log_count(addr, fix), 1,
			 "the report for %s says what to run", addr);
}

static int
run_all(void)
{
	static const char *const args[] = { "-b", "vfio_ism:0000:00:09.0", NULL };
	const char *probed[] = { "0000:00:01.0", "0000:00:02.0", "0001:00:00.0" };
	struct rte_vfio_ism_device *dev;
	int rc, probes;

	make_tree();
	rc = bt_eal_init(args);
	CHECK(rc >= 0, "EAL starts on the emulation");
	if (rc < 0)
		return check_done();

	CHECK_EQ(bt_drv.probes, 3, "exactly three functions were probed");
	for (unsigned int i = 0; i < 3; i++) {
		dev = bt_dev(probed[i]);
		CHECK(dev != NULL, "%s was probed", probed[i]);
		if (dev != NULL)
			CHECK_EQ(dev->max_store, 4096, "%s: maxstbl 4096",
				 probed[i]);
	}
	expect_skip("0000:00:03.0", "kernel's ism driver",
		   "driverctl set-override 0000:00:03.0 ism_vfio_pci");
	expect_skip("0000:00:04.0", "generic vfio-pci",
		   "driverctl set-override 0000:00:04.0 ism_vfio_pci");
	expect_skip("0000:00:05.0", "no driver is bound",
		   "driverctl set-override 0000:00:05.0 ism_vfio_pci");
	expect_skip("0000:00:06.0", "no IOMMU group", NULL);
	expect_skip("0000:00:0c.0", "bound to driver foo_drv",
		   "driverctl set-override 0000:00:0c.0 ism_vfio_pci");
	CHECK_EQ(bt_log_count("0000:00:07.0", NULL), 0,
		 "a non-IBM function is not mentioned");
	CHECK_EQ(bt_log_count("0000:00:08.0", NULL), 0,
		 "an IBM function that is not ISM is not mentioned");
	CHECK_EQ(bt_log_count("skipping ISM function 0000:00:09.0", NULL), 0,
		 "a blocked function is not reported as skipped");
	CHECK(bt_dev("0000:00:09.0") == NULL, "a blocked function is not probed");
	CHECK_EQ(bt_log_count("0000:00:0a.0", "BAR 0"), 1,
		 "a function with a 4 KiB BAR 0 is refused, naming BAR 0");
	CHECK_EQ(bt_log_count("0000:00:0a.0", "not an ISM function"), 1,
		 "... and saying it is not an ISM function");
	CHECK_EQ(bt_log_count("0000:00:0b.0", "no permission to open /dev/vfio/11"), 1,
		 "an inaccessible group is refused with what to do");
	CHECK_EQ(bt_log_count("0001:00:00.0", "no zPCI group capability; store limit 4096"), 1,
		 "without the zPCI capability the store limit falls back to 4096, said once");

	/* listing and filtering */
	CHECK_EQ(count_bus_devices("bus=vfio_ism"), 5,
		 "the bus lists the five usable ISM functions (not the blocked one)");
	CHECK_EQ(count_bus_devices("bus=vfio_ism,addr=0000:00:02.0"), 1,
		 "dev_iterate filters by addr");
	CHECK_EQ(count_bus_devices("bus=vfio_ism,addr=02:00.0"), 0,
		 "dev_iterate filter on an absent address matches nothing");

	/* hotplug requests rescan: skipped functions are not reported again */
	bt_log_reset();
	rc = rte_dev_probe("vfio_ism:0000:00:03.0");
	CHECK(rc < 0, "hotplug of a function bound to ism fails (%d)", rc);
	CHECK_EQ(bt_log_count("skipping ISM function", NULL), 0,
		 "the rescan does not repeat the skip reports");
	/* hotplug of the blocked function overrides -b */
	rc = rte_dev_probe("vfio_ism:0000:00:09.0");
	CHECK_EQ(rc, 0, "hotplug of the blocked function probes it");
	CHECK(bt_dev("0000:00:09.0") != NULL, "... and the driver got it");
	/* a second probe, in the layered syntax: EAL treats the bus's
	 * -EEXIST as success, but the driver must not see it again */
	probes = bt_drv.probes;
	rc = rte_dev_probe("bus=vfio_ism,addr=0000:00:09.0");
	CHECK_EQ(rc, 0, "probing it again is not an error for EAL");
	CHECK_EQ(bt_drv.probes, probes, "... and the driver is not called twice");
	CHECK_EQ(bt_log_count("0000:00:09.0", "already probed"), 1,
		 "... and the bus says it is already probed");

	/* the refused function can be fixed and hotplugged */
	vism_sysfs_write(bt_root, "0000:00:0a.0", "ism_emu", "bar0_size=0x1000000000000\n");
	rc = rte_dev_probe("vfio_ism:0000:00:0a.0");
	CHECK_EQ(rc, 0, "a refused function probes once its BAR is right");

	dev = bt_dev("0000:00:01.0");
	CHECK(dev != NULL && rte_vfio_ism_device_from(&dev->device) == dev,
	      "rte_vfio_ism_device_from recognises our device");
	CHECK(rte_vfio_ism_device_from(NULL) == NULL, "and NULL is nobody's");

	bt_eal_cleanup();
	CHECK_EQ(bt_drv.removes, bt_drv.probes,
		 "cleanup removed every probed device");
	return check_done();
}

/* -a selects: only the allowed function is even scanned into the bus. */
static int
run_allow(void)
{
	static const char *const args[] = { "-a", "vfio_ism:0000:00:02.0", NULL };
	int rc;

	make_tree();
	rc = bt_eal_init(args);
	CHECK(rc >= 0, "EAL starts with an allowlist");
	if (rc < 0)
		return check_done();
	CHECK_EQ(bt_drv.probes, 1, "only the allowed function is probed");
	CHECK(bt_dev("0000:00:02.0") != NULL, "and it is 0000:00:02.0");
	CHECK_EQ(count_bus_devices("bus=vfio_ism"), 1,
		 "the bus lists only the allowed function");
	expect_skip("0000:00:03.0", "kernel's ism driver", NULL);
	rc = rte_dev_probe("vfio_ism:0000:00:01.0");
	CHECK_EQ(rc, 0, "hotplug adds a function outside the allowlist");
	CHECK(bt_dev("0000:00:01.0") != NULL, "which the driver got");
	rc = rte_dev_remove(&bt_dev("0000:00:01.0")->device);
	CHECK_EQ(rc, 0, "and removes it again");
	CHECK_EQ(count_bus_devices("bus=vfio_ism"), 1,
		 "leaving the allowed function alone on the bus");
	bt_eal_cleanup();
	return check_done();
}

int
main(int argc, char **argv)
{
	bt_setup();
	if (argc > 1 && strcmp(argv[1], "allow") == 0)
		return run_allow();
	return run_all();
}

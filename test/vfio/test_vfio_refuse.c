/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functions the transport must refuse, before any device node is opened,
 * with the state sysfs shows and a message that names the fix; and the
 * ways in that are not there (no cdev, /dev/vfio/N busy).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vfio_test.h"

struct refusal {
	const char *addr;
	const char *driver;
	int group;
	enum ism_vfio_fn_state state;
	const char *name;
	const char *fix;	/* the message must contain it */
};

static const struct refusal refusals[] = {
	{ "0000:00:01.0", NULL, 1, ISM_VFIO_FN_UNBOUND, "unbound",
	  "driverctl set-override 0000:00:01.0 ism_vfio_pci" },
	{ "0000:00:02.0", "ism", 2, ISM_VFIO_FN_KERNEL_ISM, "kernel-ism",
	  "driverctl set-override 0000:00:02.0 ism_vfio_pci" },
	{ "0000:00:03.0", "vfio-pci", 3, ISM_VFIO_FN_VFIO_PCI, "vfio-pci",
	  "driverctl set-override 0000:00:03.0 ism_vfio_pci" },
	{ "0000:00:04.0", "e1000e", 4, ISM_VFIO_FN_OTHER_DRIVER, "other-driver",
	  "driverctl set-override 0000:00:04.0 ism_vfio_pci" },
	{ "0000:00:05.0", ISM_VFIO_KDRV, -1, ISM_VFIO_FN_NO_GROUP, "no-group",
	  "IOMMU" },
	{ "0000:00:06.0", NULL, -1, ISM_VFIO_FN_ABSENT, "absent", "lspci" },
};

static int
count_cb(void *arg, const struct ism_vfio_fn *fn)
{
	char *order = arg;

	strcat(order, fn->addr + 8);	/* "DD.F" */
	strcat(order, " ");
	return 0;
}

static int
stop_cb(void *arg, const struct ism_vfio_fn *fn)
{
	(void)arg;
	(void)fn;
	return 42;
}

static void
test_refusal(const struct refusal *r)
{
	struct ism_vfio_opts o = vt_opts(ISM_VFIO_PATH_AUTO);
	struct vism_emu_census c;
	struct ism_transport *t = NULL;
	struct ism_vfio_fn fn;
	char alt[160];
	int rc;

	CHECK_EQ(ism_vfio_fn_probe(vt_root(), r->addr, &fn), 0, "%s: probe", r->addr);
	CHECK_EQ(fn.state, r->state, "%s: state %s", r->addr, r->name);
	CHECK(strcmp(ism_vfio_fn_state_name(fn.state), r->name) == 0,
	      "%s: state name %s", r->addr, ism_vfio_fn_state_name(fn.state));
	CHECK(strstr(fn.why, r->fix) != NULL, "%s: the reason names the fix (%s)",
	      r->addr, fn.why);
	if (r->state >= ISM_VFIO_FN_UNBOUND && r->state <= ISM_VFIO_FN_OTHER_DRIVER) {
		snprintf(alt, sizeof(alt), "%s/bus/pci/devices/%s/driver_override",
			 vt_root(), r->addr);
		CHECK(strstr(fn.why, alt) != NULL && strstr(fn.why, "drivers_probe"),
		      "%s: and the driver_override alternative", r->addr);
	}
	vt_log_clear();
	rc = ism_vfio_open(r->addr, &o, &t);
	CHECK_EQ(rc, -ENODEV, "%s: ism_vfio_open refuses it", r->addr);
	CHECK(t == NULL, "%s: no transport", r->addr);
	CHECK(vt_log_has(r->fix), "%s: the refusal is logged with the fix", r->addr);
	vism_emu_census(&c);
	CHECK(c.containers + c.groups + c.devices + c.iommufds == 0,
	      "%s: no device node was opened", r->addr);
}

static void
test_ways(void)
{
	struct ism_vfio_opts o = vt_opts(ISM_VFIO_PATH_CDEV);
	struct ism_transport *t, *t2;
	struct ism_vfio_info in;
	int rc;

	/* 00:10.0 has a group but no cdev */
	vt_add("0000:00:10.0", ISM_VFIO_KDRV, 10, -1, NULL);
	vt_log_clear();
	CHECK_EQ(ism_vfio_open("0000:00:10.0", &o, &t), -ENOTSUP,
		 "the cdev path without a cdev: ENOTSUP");
	CHECK(vt_log_has("no vfio cdev"), "and the log says so");
	o.path = ISM_VFIO_PATH_AUTO;
	rc = ism_vfio_open("00:10.0", &o, &t);
	CHECK_EQ(rc, 0, "AUTO falls back to the group (short address form)");
	if (rc == 0) {
		ism_vfio_info_get(t, &in);
		CHECK_EQ(in.path, ISM_VFIO_PATH_GROUP, "on the group path");
		CHECK(strcmp(in.dev_node, "/dev/vfio/10") == 0, "node %s", in.dev_node);
		CHECK_EQ(in.iommu_group, 10, "group 10");
		vt_log_clear();
		o.path = ISM_VFIO_PATH_GROUP;
		CHECK_EQ(ism_vfio_open("0000:00:10.0", &o, &t2), -EBUSY,
			 "a second open of the group: EBUSY");
		CHECK(vt_log_has("busy"), "said busy");
		t->ops->close(t);
	}

	/* 00:11.0 has both: AUTO takes the cdev */
	vt_add("0000:00:11.0", ISM_VFIO_KDRV, 11, 7, NULL);
	o.path = ISM_VFIO_PATH_AUTO;
	rc = ism_vfio_open("0000:00:11.0", &o, &t);
	CHECK_EQ(rc, 0, "AUTO with a cdev");
	if (rc == 0) {
		ism_vfio_info_get(t, &in);
		CHECK_EQ(in.path, ISM_VFIO_PATH_CDEV, "on the cdev path");
		CHECK(strcmp(in.dev_node, "/dev/vfio/devices/vfio7") == 0, "node %s",
		      in.dev_node);
		vt_log_clear();
		CHECK_EQ(ism_vfio_open("0000:00:11.0", &o, &t2), -EBUSY,
			 "a second open of the cdev: EBUSY");
		t->ops->close(t);
	}
	/* a group that also holds a device on a host driver */
	{
		struct vism_fn nic = {
			.addr = "0000:00:12.1", .vendor = 0x8086, .device = 0x10d3,
			.driver = "e1000e", .group = 12, .cdev = -1,
		};

		vt_add("0000:00:12.0", ISM_VFIO_KDRV, 12, -1, NULL);
		vism_sysfs_add(vt_root(), &nic);
		vt_log_clear();
		o.path = ISM_VFIO_PATH_GROUP;
		CHECK_EQ(ism_vfio_open("0000:00:12.0", &o, &t), -EBUSY,
			 "a group that is not viable: EBUSY");
		CHECK(vt_log_has("not viable") && vt_log_has("0000:00:12.1 (e1000e)"),
		      "the log names the device that must be rebound");
	}
	/* a group node the user may not open */
	{
		char path[512];
		FILE *f;

		vt_add("0000:00:13.0", ISM_VFIO_KDRV, 13, -1, NULL);
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/13/ism_emu_eacces",
			 vt_root());
		f = fopen(path, "w");
		if (f != NULL)
			fclose(f);
		vt_log_clear();
		CHECK_EQ(ism_vfio_open("0000:00:13.0", &o, &t), -EACCES,
			 "a group node without permission: EACCES");
		CHECK(vt_log_has("no permission to open /dev/vfio/13") &&
		      vt_log_has("ulimit -l"),
		      "the log names the node, permissions and the locked-memory limit");
	}
	CHECK_EQ(ism_vfio_open("0000:00:1x.0", &o, &t), -EINVAL, "a bad address");
	CHECK_EQ(ism_vfio_open("0000:00:20.0", NULL, NULL), -EINVAL, "no result pointer");
}

int
main(void)
{
	char order[128] = "";
	int n;

	vt_init();
	vt_log_capture(true);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].state != ISM_VFIO_FN_ABSENT)
			vt_add(refusals[i].addr, refusals[i].driver,
			       refusals[i].group, -1, NULL);
	{
		struct vism_fn other = {
			.addr = "0000:00:07.0", .vendor = 0x8086, .device = 0x10d3,
			.driver = "e1000e", .group = 7, .cdev = -1,
		};
		struct ism_vfio_fn fn;

		vism_sysfs_add(vt_root(), &other);
		CHECK_EQ(ism_vfio_fn_probe(vt_root(), "0000:00:07.0", &fn), 0,
			 "probe of another vendor's function");
		CHECK_EQ(fn.state, ISM_VFIO_FN_NOT_ISM, "not ISM (%s)", fn.why);
	}
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		test_refusal(&refusals[i]);

	n = ism_vfio_fn_list(vt_root(), count_cb, order);
	CHECK_EQ(n, 5, "five ISM functions listed (not the e1000e, not the absent one)");
	CHECK(strcmp(order, "01.0 02.0 03.0 04.0 05.0 ") == 0, "sorted: %s", order);
	CHECK_EQ(ism_vfio_fn_list(vt_root(), stop_cb, NULL), 42,
		 "the callback's non-zero return stops the list");
	{
		enum ism_vfio_path p = ISM_VFIO_PATH_AUTO;

		CHECK(ism_vfio_path_parse("group", &p) == 0 &&
		      p == ISM_VFIO_PATH_GROUP &&
		      ism_vfio_path_parse("cdev", &p) == 0 &&
		      p == ISM_VFIO_PATH_CDEV &&
		      strcmp(ism_vfio_path_name(p), "cdev") == 0,
		      "path names parse back to their paths");
		CHECK(ism_vfio_path_parse("Cdev", &p) == -EINVAL &&
		      ism_vfio_path_parse(NULL, &p) == -EINVAL &&
		      p == ISM_VFIO_PATH_CDEV,
		      "an unknown path name is -EINVAL and changes nothing");
	}
	{
		char gone[PATH_MAX];

		/* a root without a PCI bus is an error, not an empty list */
		snprintf(gone, sizeof(gone), "%s/no-such-sysfs", vt_root());
		CHECK_EQ(ism_vfio_fn_list(gone, count_cb, order), -ENOENT,
			 "a sysfs root that is not there: -ENOENT");
	}
	{
		struct ism_vfio_fn fn;

		CHECK_EQ(ism_vfio_fn_probe(vt_root(), "1:2:3", &fn), -EINVAL,
			 "probe of a bad address");
	}
	test_ways();
	vt_check_census_empty("at the end");
	return check_done();
}

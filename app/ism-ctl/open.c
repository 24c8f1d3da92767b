/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening a function for info, ping and stat: the sysfs state first (so a
 * function that cannot work is refused with its fix before any device
 * node is touched), then the vfio transport, then lib/ism on it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ism_ctl.h"

/* The node(s) the transport will open for @fn on @path. */
static void
nodes_of(const struct ism_vfio_fn *fn, enum ism_vfio_path path, char *buf,
	 size_t len)
{
	if (path == ISM_VFIO_PATH_CDEV ||
	    (path == ISM_VFIO_PATH_AUTO && fn->cdev >= 0))
		snprintf(buf, len, "/dev/vfio/devices/vfio%d /dev/iommu", fn->cdev);
	else
		snprintf(buf, len, "/dev/vfio/%d /dev/vfio/vfio", fn->iommu_group);
}

/* ism_vfio_open() said no: what that means here and what to do. */
static int
open_refused(struct ctl *c, const struct ism_vfio_fn *fn, int rc)
{
	char what[256], fix[256], nodes[96];

	nodes_of(fn, c->path, nodes, sizeof(nodes));
	switch (rc) {
	case -EACCES:
	case -EPERM:
		snprintf(what, sizeof(what), "no permission to open %s", nodes);
		snprintf(fix, sizeof(fix), "run as root, or: chown $USER %s; and raise the locked-memory limit (ulimit -l)",
			 nodes);
		return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr, what, fix);
	case -EBUSY:
		snprintf(what, sizeof(what), "in use by another process (%s is open elsewhere)",
			 nodes);
		snprintf(fix, sizeof(fix), "fuser -v %s shows which; stop it or use another function",
			 nodes);
		return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr, what, fix);
	case -ENOTSUP:
		if (c->path == ISM_VFIO_PATH_GROUP)
			return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr,
					"this kernel offers no vfio group for it",
					"use --path cdev (or auto)");
		return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr,
				"this kernel offers no vfio cdev for it (that needs Linux 6.6 or later with CONFIG_VFIO_DEVICE_CDEV and CONFIG_IOMMUFD)",
				"use --path group (or auto)");
	case -ENOENT:
		snprintf(what, sizeof(what), "a device node is missing (%s)", nodes);
		return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr, what,
				"modprobe " ISM_VFIO_KDRV " and check that udev made the nodes (ls -l /dev/vfio)");
	case -ENODEV:
		return ctl_fail(c, CTL_EXIT_UNUSABLE, fn->addr,
				"not (or no longer) an ISM function bound to " ISM_VFIO_KDRV,
				CTL_PROG " list shows its state and the fix");
	}
	snprintf(what, sizeof(what), "cannot open it: %s", strerror(-rc));
	return ctl_fail(c, CTL_EXIT_DEVICE, fn->addr, what,
			"run with -v for the library's messages; the kernel log (dmesg) may say more");
}

int
ctl_open(struct ctl *c, const char *addr, struct ctl_dev *d)
{
	const char *root = ism_vfio_sysfs_root(c->sysfs_root);
	struct ism_vfio_opts vo = { .path = c->path, .sysfs_root = root };
	struct ism_transport *t;
	char what[512], fix[320];
	int rc;

	memset(d, 0, sizeof(*d));
	rc = ism_vfio_fn_probe(root, addr, &d->fn);
	if (rc == -EINVAL) {
		snprintf(what, sizeof(what), "'%s' is not a PCI address", addr);
		return ctl_fail(c, CTL_EXIT_USAGE, NULL, what,
				"write DDDD:BB:DD.F (e.g. 0000:00:01.0); '" CTL_PROG " list' shows the ISM functions");
	}
	if (rc < 0) {
		snprintf(what, sizeof(what), "cannot look at %s in %s: %s", addr,
			 root, strerror(-rc));
		return ctl_fail(c, CTL_EXIT_UNUSABLE, NULL, what,
				"check the sysfs root (--sysfs, $" ISM_VFIO_SYSFS_ENV ")");
	}
	if (d->fn.state != ISM_VFIO_FN_USABLE)
		return ctl_fail(c, CTL_EXIT_UNUSABLE, d->fn.addr,
				d->fn.why[0] != '\0' ? d->fn.why :
				ism_vfio_fn_state_name(d->fn.state),
				ctl_fix(&d->fn, fix, sizeof(fix)));

	rc = ism_vfio_open(d->fn.addr, &vo, &t);
	if (rc < 0)
		return open_refused(c, &d->fn, rc);
	rc = ism_vfio_info_get(t, &d->vinfo);
	if (rc < 0) {
		t->ops->close(t);
		snprintf(what, sizeof(what), "the transport gives no information: %s",
			 strerror(-rc));
		return ctl_fail(c, CTL_EXIT_DEVICE, d->fn.addr, what, "");
	}
	/* registers the SBA and the IEQ, reads the GID; closes t on failure */
	rc = ism_dev_open(t, &d->dev);
	if (rc == -ENOMEM || rc == -ENOSPC || rc == -EFAULT) {
		snprintf(what, sizeof(what), "no DMA memory for the SBA and the IEQ: %s",
			 strerror(-rc));
		return ctl_fail(c, CTL_EXIT_DEVICE, d->fn.addr, what,
				"raise the locked-memory limit (ulimit -l, or LimitMEMLOCK= in a systemd unit)");
	}
	if (rc < 0) {
		snprintf(what, sizeof(what), "the device did not start (REG_SBA, REG_IEQ, READ_GID): %s",
			 strerror(-rc));
		return ctl_fail(c, CTL_EXIT_DEVICE, d->fn.addr, what,
				"run with -v for the device's return codes; the kernel log (dmesg) may say more");
	}
	return 0;
}

int
ctl_open_query(struct ctl *c, const char *cmd, int argc, char **argv,
	       struct ctl_dev *d, struct ism_info *qi)
{
	char what[160];
	int rc;

	if (argc != 1) {
		ctl_err("%s takes one function address (see '" CTL_PROG " %s --help')",
			cmd, cmd);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_open(c, argv[0], d);
	if (rc != 0)
		return rc;
	rc = ism_query_info(d->dev, qi);
	if (rc < 0) {
		snprintf(what, sizeof(what), "QUERY_INFO failed: %s (device return code 0x%04x)",
			 strerror(-rc), ism_last_ret(d->dev));
		ctl_close(d);
		return ctl_fail(c, CTL_EXIT_DEVICE, argv[0], what,
				"run with -v; the kernel log (dmesg) may say more");
	}
	return 0;
}

void
ctl_close(struct ctl_dev *d)
{
	if (d->dev != NULL)
		ism_dev_close(d->dev);
	d->dev = NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sysfs says about an ISM function, before any device node is
 * touched: <root>/bus/pci/devices/<addr>/{vendor,device,numa_node}, the
 * basenames of its driver and iommu_group links, and its vfio cdev
 * (<addr>/vfio-dev/vfioN, Linux 6.6+). An unusable function gets a state
 * and a sentence saying what is wrong and the command that fixes it.
 *
 * Files and links are read through the syscall table (open/read/readlink)
 * like every other access of the transport. Directory listings (the PCI
 * devices, vfio-dev/, an IOMMU group's devices) use libc's opendir/scandir
 * directly: the table has no such call, and the fake sysfs trees of the
 * tests are real directories, so libc sees what the table would.
 *
 * The root is /sys unless VFIO_ISM_SYSFS_ROOT names another (tests).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ism_vfio_priv.h"

/* The alternative to driverctl: the kernel's own driver_override files
 * (a bound function is unbound first). */
#define OVERRIDE_FMT \
	"echo " ISM_VFIO_KDRV " > %s/bus/pci/devices/%s/driver_override; echo %s > %s/bus/pci/drivers_probe"
#define UNBIND_FMT "echo %s > %s/bus/pci/devices/%s/driver/unbind; "

const char *
ism_vfio_sysfs_root(const char *root)
{
	const char *env;

	if (root != NULL && root[0] != '\0')
		return root;
	env = secure_getenv(ISM_VFIO_SYSFS_ENV);
	return env != NULL && env[0] != '\0' ? env : "/sys";
}

/* @n hex digits at most, at least one; *sp moves past them. */
static int
hex_field(const char **sp, unsigned int n, unsigned long max,
	  unsigned long *v)
{
	const char *s = *sp;
	unsigned int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int x;

		if (c >= '0' && c <= '9')
			x = c - '0';
		else if (c >= 'a' && c <= 'f')
			x = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x = c - 'A' + 10;
		else
			break;
		*v = *v << 4 | (unsigned long)x;
	}
	if (i == 0 || *v > max)
		return -EINVAL;
	*sp = s + i;
	return 0;
}

int
ism_vfio_addr_norm(const char *in, char out[16])
{
	unsigned long dom = 0, bus, dev, fn;
	const char *s = in;

	if (in == NULL)
		return -EINVAL;
	/* a domain is there when the address has two colons */
	if (strchr(in, ':') != strrchr(in, ':')) {
		if (hex_field(&s, 4, 0xffff, &dom) < 0 || *s++ != ':')
			return -EINVAL;
	}
	if (hex_field(&s, 2, 0xff, &bus) < 0 || *s++ != ':' ||
	    hex_field(&s, 2, 0x1f, &dev) < 0 || *s++ != '.' ||
	    hex_field(&s, 1, 0x7, &fn) < 0 || *s != '\0')
		return -EINVAL;
	snprintf(out, 16, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	return 0;
}

/* Read a small sysfs file (the first line, without the newline). */
static int
read_text(const struct ism_vfio_sys *sys, const char *path, char *buf,
	  size_t len)
{
	ssize_t n;
	int fd = sys->open(path, O_RDONLY | O_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -errno;
	do {
		n = sys->read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	err = errno;
	sys->close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int
read_long(const struct ism_vfio_sys *sys, const char *dir, const char *file,
	  long *val)
{
	char path[PATH_MAX], buf[64], *end;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = read_text(sys, path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno != 0 || end == buf)
		return -EINVAL;
	return 0;
}

/* Basename of a symlink's target; "" when there is no such link. */
static void
link_base(const struct ism_vfio_sys *sys, const char *dir, const char *link,
	  char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, link) >= (int)sizeof(path))
		return;
	n = sys->readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(buf, base, strlen(base) + 1);
}

/* N of <dir>/vfio-dev/vfioN, -1 when the kernel offers no cdev. */
static int
find_cdev(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	int cdev = -1;
	DIR *dp;

	if (snprintf(path, sizeof(path), "%s/" ISM_VFIO_CDEV_SYSFS_DIR, dir) >=
	    (int)sizeof(path))
		return -1;
	dp = opendir(path);
	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		char *end;
		long n;

		if (strncmp(e->d_name, "vfio", 4) != 0)
			continue;
		errno = 0;
		n = strtol(e->d_name + 4, &end, 10);
		if (errno == 0 && end != e->d_name + 4 && *end == '\0' &&
		    n >= 0 && n <= INT_MAX) {
			cdev = (int)n;
			break;
		}
	}
	closedir(dp);
	return cdev;
}

static void
explain(struct ism_vfio_fn *fn, const char *root, const char *grp_link)
{
	const char *a = fn->addr;
	char alt[320];
	int n = 0;

	if (fn->driver[0] != '\0')
		n = snprintf(alt, sizeof(alt), UNBIND_FMT, a, root, a);
	if (n >= 0 && (size_t)n < sizeof(alt))
		snprintf(alt + n, sizeof(alt) - (size_t)n, OVERRIDE_FMT, root,
			 a, a, root);

	switch (fn->state) {
	case ISM_VFIO_FN_USABLE:
		fn->why[0] = '\0';
		break;
	case ISM_VFIO_FN_ABSENT:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: no such PCI device under %s/bus/pci/devices; check the address (lspci -D) and that the function is configured (online)",
			 a, root);
		break;
	case ISM_VFIO_FN_NOT_ISM:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: PCI id %04x:%04x is not an ISM function (%04x:%04x); check the address (lspci -D -d %04x:%04x)",
			 a, fn->vendor, fn->device, ISM_PCI_VENDOR_ID,
			 ISM_PCI_DEVICE_ID, ISM_PCI_VENDOR_ID, ISM_PCI_DEVICE_ID);
		break;
	case ISM_VFIO_FN_UNBOUND:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: no driver is bound; bind it to " ISM_VFIO_KDRV ": driverctl set-override %s " ISM_VFIO_KDRV " (or: %s)",
			 a, a, alt);
		break;
	case ISM_VFIO_FN_KERNEL_ISM:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: bound to the kernel's ism driver (SMC-D); to hand it to user space: driverctl set-override %s " ISM_VFIO_KDRV " (or: %s)",
			 a, a, alt);
		break;
	case ISM_VFIO_FN_VFIO_PCI:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: bound to the generic vfio-pci, which cannot reach ISM's 256 TiB BAR 0; rebind: driverctl set-override %s " ISM_VFIO_KDRV " (or: %s)",
			 a, a, alt);
		break;
	case ISM_VFIO_FN_OTHER_DRIVER:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: bound to driver %s; rebind: driverctl set-override %s " ISM_VFIO_KDRV " (or: %s)",
			 a, fn->driver, a, alt);
		break;
	case ISM_VFIO_FN_NO_GROUP:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: bound to " ISM_VFIO_KDRV " but has no IOMMU group (no iommu_group link): the kernel runs without an IOMMU; enable it (dmesg | grep -i iommu) and rebind",
			 a);
		break;
	case ISM_VFIO_FN_BAD_GROUP:
		snprintf(fn->why, sizeof(fn->why),
			 "%s: its iommu_group link (%s) does not end in a group number; check: ls -l %s/bus/pci/devices/%s/iommu_group",
			 a, grp_link, root, a);
		break;
	}
}

static enum ism_vfio_fn_state
driver_state(const char *drv)
{
	if (strcmp(drv, ISM_VFIO_KDRV) == 0)
		return ISM_VFIO_FN_USABLE;
	if (drv[0] == '\0')
		return ISM_VFIO_FN_UNBOUND;
	if (strcmp(drv, "ism") == 0)
		return ISM_VFIO_FN_KERNEL_ISM;
	if (strcmp(drv, "vfio-pci") == 0)
		return ISM_VFIO_FN_VFIO_PCI;
	return ISM_VFIO_FN_OTHER_DRIVER;
}

int
ism_vfio_fn_probe_sys(const struct ism_vfio_sys *sys, const char *sysfs_root,
		      const char *pci_addr, struct ism_vfio_fn *fn)
{
	const char *root = ism_vfio_sysfs_root(sysfs_root);
	char dir[PATH_MAX], grp[64];
	long vendor, device, numa;
	int fd;

	memset(fn, 0, sizeof(*fn));
	fn->iommu_group = -1;
	fn->cdev = -1;
	fn->numa_node = -1;
	if (ism_vfio_addr_norm(pci_addr, fn->addr) < 0)
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, fn->addr) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;

	fd = sys->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0) {
		fn->state = ISM_VFIO_FN_ABSENT;
		explain(fn, root, "");
		return 0;
	}
	sys->close(fd);
	if (read_long(sys, dir, "vendor", &vendor) < 0 ||
	    read_long(sys, dir, "device", &device) < 0) {
		fn->state = ISM_VFIO_FN_ABSENT;
		explain(fn, root, "");
		return 0;
	}
	fn->vendor = (uint16_t)vendor;
	fn->device = (uint16_t)device;
	if (read_long(sys, dir, "numa_node", &numa) == 0 && numa >= 0 &&
	    numa <= INT_MAX)
		fn->numa_node = (int)numa;
	link_base(sys, dir, "driver", fn->driver, sizeof(fn->driver));
	link_base(sys, dir, "iommu_group", grp, sizeof(grp));
	fn->cdev = find_cdev(dir);

	if (vendor != ISM_PCI_VENDOR_ID || device != ISM_PCI_DEVICE_ID) {
		fn->state = ISM_VFIO_FN_NOT_ISM;
	} else {
		fn->state = driver_state(fn->driver);
		if (fn->state == ISM_VFIO_FN_USABLE && grp[0] == '\0')
			fn->state = ISM_VFIO_FN_NO_GROUP;
	}
	if (grp[0] != '\0') {
		char *end;
		long g;

		errno = 0;
		g = strtol(grp, &end, 10);
		if (errno == 0 && end != grp && *end == '\0' && g >= 0 &&
		    g <= INT_MAX)
			fn->iommu_group = (int)g;
		else if (fn->state == ISM_VFIO_FN_USABLE)
			fn->state = ISM_VFIO_FN_BAD_GROUP;
	}
	explain(fn, root, grp);
	return 0;
}

int
ism_vfio_fn_probe(const char *sysfs_root, const char *pci_addr,
		  struct ism_vfio_fn *fn)
{
	return ism_vfio_fn_probe_sys(&ism_vfio_sys_libc, sysfs_root, pci_addr,
				     fn);
}

int
ism_vfio_fn_list(const char *sysfs_root,
		 int (*cb)(void *arg, const struct ism_vfio_fn *fn), void *arg)
{
	const char *root = ism_vfio_sysfs_root(sysfs_root);
	char devices[PATH_MAX];
	struct dirent **ents;
	int n, seen = 0, rc = 0;

	if (snprintf(devices, sizeof(devices), "%s/bus/pci/devices", root) >=
	    (int)sizeof(devices))
		return -ENAMETOOLONG;
	/* sorted: DDDD:BB:DD.F in fixed-width lower-case hex sorts as the
	 * addresses do */
	n = scandir(devices, &ents, NULL, alphasort);
	if (n < 0) {
		/* no PCI bus in sysfs is not "no ISM function": /sys is not
		 * mounted, or the root names the wrong directory */
		int err = errno;

		ISM_ERR("vfio: cannot list %s: %s; check that sysfs is mounted and the root (%s=%s) names it",
			devices, strerror(err), ISM_VFIO_SYSFS_ENV, root);
		return -err;
	}
	for (int i = 0; i < n; i++) {
		struct ism_vfio_fn fn;

		if (rc == 0 && ents[i]->d_name[0] != '.' &&
		    ism_vfio_fn_probe(root, ents[i]->d_name, &fn) == 0 &&
		    fn.state != ISM_VFIO_FN_ABSENT &&
		    fn.state != ISM_VFIO_FN_NOT_ISM) {
			seen++;
			if (cb != NULL)
				rc = cb(arg, &fn);
		}
		free(ents[i]);
	}
	free(ents);
	return rc != 0 ? rc : seen;
}

const char *
ism_vfio_fn_state_name(enum ism_vfio_fn_state s)
{
	switch (s) {
	case ISM_VFIO_FN_USABLE:	return "usable";
	case ISM_VFIO_FN_ABSENT:	return "absent";
	case ISM_VFIO_FN_NOT_ISM:	return "not-ism";
	case ISM_VFIO_FN_UNBOUND:	return "unbound";
	case ISM_VFIO_FN_KERNEL_ISM:	return "kernel-ism";
	case ISM_VFIO_FN_VFIO_PCI:	return "vfio-pci";
	case ISM_VFIO_FN_OTHER_DRIVER:	return "other-driver";
	case ISM_VFIO_FN_NO_GROUP:	return "no-group";
	case ISM_VFIO_FN_BAD_GROUP:	return "bad-group";
	}
	return "unknown";
}

void
ism_vfio_group_strays(const struct ism_vfio_sys *sys, const char *root,
		      int group, char *buf, size_t len)
{
	char dir[PATH_MAX], sub[PATH_MAX], drv[64];
	size_t used = 0;
	struct dirent *e;
	DIR *dp;

	buf[0] = '\0';
	if (snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices",
		     ism_vfio_sysfs_root(root), group) >= (int)sizeof(dir))
		return;
	dp = opendir(dir);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		int n;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(sub))
			continue;
		link_base(sys, sub, "driver", drv, sizeof(drv));
		/* unbound devices and vfio drivers (vfio-pci and its
		 * variants, all named *vfio*) keep a group viable */
		if (drv[0] == '\0' || strstr(drv, "vfio") != NULL)
			continue;
		n = snprintf(buf + used, len - used, "%s%s (%s)",
			     used > 0 ? ", " : "", e->d_name, drv);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	closedir(dp);
}

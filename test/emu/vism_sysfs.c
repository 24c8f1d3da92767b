/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake sysfs tree builder (vism_sysfs.h). */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_sysfs.h"

static int
mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
put_file(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int
put_link(const char *target, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	return symlink(target, path) == 0 ? 0 : -errno;
}

int
vism_sysfs_init(const char *root)
{
	static const char *const dirs[] = {
		"bus/pci/devices", "bus/pci/drivers/ism_vfio_pci",
		"bus/pci/drivers/ism", "bus/pci/drivers/vfio-pci",
		"kernel/iommu_groups", "devices",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int rc;

		if (snprintf(path, sizeof(path), "%s/%s", root, dirs[i]) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		rc = mkdirs(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
vism_sysfs_create(char *root, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (snprintf(root, len, "%s/vism-sysfs.XXXXXX",
		     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp") >= (int)len)
		return -ENAMETOOLONG;
	if (mkdtemp(root) == NULL)
		return -errno;
	return vism_sysfs_init(root);
}

static char owned_root[PATH_MAX];
static pid_t owned_by;

static void
remove_owned(void)
{
	/* a forked child exits without taking its parent's tree along */
	if (owned_root[0] != '\0' && getpid() == owned_by)
		vism_sysfs_destroy(owned_root);
}

const char *
vism_sysfs_create_owned(const char *env)
{
	int rc;

	if (owned_root[0] != '\0')
		return owned_root;
	rc = vism_sysfs_create(owned_root, sizeof(owned_root));
	if (rc < 0) {
		owned_root[0] = '\0';
		errno = -rc;
		return NULL;
	}
	owned_by = getpid();
	atexit(remove_owned);
	if (env != NULL)
		setenv(env, owned_root, 1);
	return owned_root;
}

static int
dev_dir(const char *root, const char *addr, char *buf, size_t len)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -EINVAL;
	if (snprintf(buf, len, "%s/devices/pci%04x:%02x/%s", root, dom, bus,
		     addr) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int
vism_sysfs_add(const char *root, const struct vism_fn *fn)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX], text[32];
	unsigned int dom, bus;
	int rc;

	rc = dev_dir(root, fn->addr, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	sscanf(fn->addr, "%x:%x", &dom, &bus);
	rc = mkdirs(dir);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "0x%04x\n", fn->vendor ? fn->vendor : 0x1014);
	rc = put_file(dir, "vendor", text);
	snprintf(text, sizeof(text), "0x%04x\n", fn->device ? fn->device : 0x04ed);
	if (rc == 0)
		rc = put_file(dir, "device", text);
	if (rc == 0)
		rc = put_file(dir, "numa_node", "-1\n");
	if (rc == 0 && fn->emu != NULL)
		rc = put_file(dir, "ism_emu", fn->emu);
	if (rc < 0)
		return rc;
	/* devices/pciD:B/<addr> is three levels below the root */
	if (fn->driver != NULL) {
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", root,
			 fn->driver);
		rc = mkdirs(path);
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s",
			 fn->driver);
		if (rc == 0)
			rc = put_link(target, dir, "driver");
		if (rc < 0)
			return rc;
	}
	if (fn->group >= 0) {
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices",
			 root, fn->group);
		rc = mkdirs(path);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d",
			 fn->group);
		if (rc == 0)
			rc = put_link(target, dir, "iommu_group");
		snprintf(target, sizeof(target), "../../../../devices/pci%04x:%02x/%s",
			 dom, bus, fn->addr);
		if (rc == 0)
			rc = put_link(target, path, fn->addr);
		if (rc < 0)
			return rc;
	}
	if (fn->cdev >= 0) {
		/* the kernel's vfio-dev/vfioN class device and its dev_t */
		snprintf(path, sizeof(path), "%s/vfio-dev/vfio%d", dir, fn->cdev);
		snprintf(text, sizeof(text), "511:%d\n", fn->cdev);
		rc = mkdirs(path);
		if (rc == 0)
			rc = put_file(path, "dev", text);
		if (rc < 0)
			return rc;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	snprintf(target, sizeof(target), "../../../devices/pci%04x:%02x/%s",
		 dom, bus, fn->addr);
	return put_link(target, path, fn->addr);
}

int
vism_sysfs_write(const char *root, const char *addr, const char *file,
		 const char *text)
{
	char dir[PATH_MAX];
	int rc = dev_dir(root, addr, dir, sizeof(dir));

	return rc < 0 ? rc : put_file(dir, file, text);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int
vism_sysfs_remove(const char *root, const char *addr)
{
	char dir[PATH_MAX], path[PATH_MAX], grp[PATH_MAX];
	ssize_t n;
	int rc = dev_dir(root, addr, dir, sizeof(dir));

	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	n = readlink(path, grp, sizeof(grp) - 1);
	if (n > 0) {
		const char *num;

		grp[n] = '\0';
		num = strrchr(grp, '/');
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%s/devices/%s",
			 root, num != NULL ? num + 1 : grp, addr);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, addr);
	unlink(path);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

void
vism_sysfs_destroy(const char *root)
{
	if (root != NULL && root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
vism_sysfs_parse(char *spec, struct vism_fn *fn, char *emu, size_t len)
{
	char *save = NULL, *tok;
	size_t used = 0;

	memset(fn, 0, sizeof(*fn));
	fn->group = -1;
	fn->cdev = -1;
	emu[0] = '\0';
	fn->addr = strtok_r(spec, ",", &save);
	if (fn->addr == NULL)
		return -EINVAL;
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			return -EINVAL;
		*eq = '\0';
		if (strcmp(tok, "driver") == 0)
			fn->driver = eq[1] != '\0' ? eq + 1 : NULL;
		else if (strcmp(tok, "group") == 0)
			fn->group = atoi(eq + 1);
		else if (strcmp(tok, "cdev") == 0)
			fn->cdev = atoi(eq + 1);
		else if (strcmp(tok, "vendor") == 0)
			fn->vendor = (unsigned int)strtoul(eq + 1, NULL, 0);
		else if (strcmp(tok, "device") == 0)
			fn->device = (unsigned int)strtoul(eq + 1, NULL, 0);
		else {
			int n = snprintf(emu + used, len - used, "%s=%s\n", tok,
					 eq + 1);

			if (n < 0 || (size_t)n >= len - used)
				return -EINVAL;
			used += (size_t)n;
		}
	}
	fn->emu = emu[0] != '\0' ? emu : NULL;
	return 0;
}

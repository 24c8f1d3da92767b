/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_SYSFS_H
#define VISM_SYSFS_H

/*
 * A fake sysfs tree with the parts the vfio_ism bus and EAL's vfio code
 * read, laid out like the kernel's:
 *
 *   devices/pciDDDD:BB/<addr>/{vendor,device,numa_node,driver,iommu_group}
 *   bus/pci/devices/<addr> -> ../../../devices/pciDDDD:BB/<addr>
 *   bus/pci/drivers/<driver>/
 *   kernel/iommu_groups/<N>/devices/<addr> -> the device directory
 *   devices/pciDDDD:BB/<addr>/vfio-dev/vfio<N>/dev  (the vfio cdev, if any)
 */

#include <stddef.h>

struct vism_fn {
	const char *addr;	/* DDDD:BB:DD.F */
	unsigned int vendor;	/* 0: 0x1014 */
	unsigned int device;	/* 0: 0x04ed */
	const char *driver;	/* NULL: unbound */
	int group;		/* IOMMU group, -1: none */
	int cdev;		/* N of /dev/vfio/devices/vfioN, -1: none */
	const char *emu;	/* ism_emu file contents (vism_emu.h), or NULL */
};

/* Make an empty tree in a new directory under $TMPDIR (or /tmp). */
int vism_sysfs_create(char *root, size_t len);
/* The process's own tree, made by vism_sysfs_create() on the first call
 * and removed when the process that made it exits (not by its forked
 * children); @env (if not NULL) is set to its path, so that the code under
 * test reads it. The same path on every call; NULL with errno on failure. */
const char *vism_sysfs_create_owned(const char *env);
/* Make an empty tree in @root (created if needed). */
int vism_sysfs_init(const char *root);
int vism_sysfs_add(const char *root, const struct vism_fn *fn);
/* Take a function out of the tree (hot-unplug as sysfs shows it). */
int vism_sysfs_remove(const char *root, const char *addr);
/* Write an extra file (e.g. ism_emu) in a function's directory. */
int vism_sysfs_write(const char *root, const char *addr, const char *file,
		     const char *text);
/* Remove the whole tree. */
void vism_sysfs_destroy(const char *root);
/* Parse "ADDR[,driver=D][,group=N][,cdev=N][,vendor=V][,device=D][,emu
 * keys]" into @fn (group and cdev default to -1); emu keys (shift=
 * imaxstbl= ...) go to @emu, one per line. 0 or -EINVAL. */
int vism_sysfs_parse(char *spec, struct vism_fn *fn, char *emu, size_t len);

#endif /* VISM_SYSFS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-ism-emu-tree: build a fake sysfs tree for the ism_vfio_pci
 * emulation, e.g. for dpdk-testpmd with LD_PRELOAD=libvfio_ism_emu.so.
 *
 *   vfio-ism-emu-tree [-d DIR] FUNC...
 *   FUNC = ADDR[,driver=NAME][,group=N][,cdev=N][,vendor=V][,device=D]
 *          [,KEY=VAL...]
 *
 * driver defaults to ism_vfio_pci (driver= with no name: unbound), group
 * to a new number per function (group=-1: none), cdev to none (cdev=N
 * gives the function /dev/vfio/devices/vfioN); other keys go to the
 * function's ism_emu file (vism_emu.h). Prints the tree's root: export
 * VFIO_ISM_SYSFS_ROOT=<it>.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vism_sysfs.h"

static void
usage(FILE *out, int status)
{
	fprintf(out,
		"usage: vfio-ism-emu-tree [-d DIR] ADDR[,driver=NAME][,group=N][,cdev=N][,vendor=V][,device=D][,KEY=VAL...]...\n"
		"Builds a fake sysfs tree of PCI functions for the ism_vfio_pci emulation\n"
		"(libvfio_ism_emu.so, or libvism_emu.a in-process) and prints its root,\n"
		"for VFIO_ISM_SYSFS_ROOT.\n"
		"  -d DIR      build the tree in DIR (default: a new temporary directory)\n"
		"  driver=     kernel driver link (default ism_vfio_pci; empty: unbound)\n"
		"  group=N     IOMMU group (default: a new one per function; -1: none)\n"
		"  cdev=N      a vfio cdev, /dev/vfio/devices/vfioN (default: none)\n"
		"  KEY=VAL     emulation settings: shift=N|random|dynamic, imaxstbl= (store\n"
		"              limit, 4096), maxstbl= (informational, 128), cap_version=0..2,\n"
		"              aperture=START-END (hex), config_size=256|4096, bar0_size=,\n"
		"              bar2_size=, mmap=1, msi=0, fabric=\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	char root[PATH_MAX] = "";
	int i = 1, rc, next_group = 1;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		usage(stdout, 0);
	if (argc > 2 && strcmp(argv[1], "-d") == 0) {
		snprintf(root, sizeof(root), "%s", argv[2]);
		i = 3;
	}
	if (i >= argc)
		usage(stderr, 2);
	if (root[0] == '\0')
		rc = vism_sysfs_create(root, sizeof(root));
	else
		rc = vism_sysfs_init(root);
	if (rc < 0) {
		fprintf(stderr, "vfio-ism-emu-tree: cannot create the tree: %s\n",
			strerror(-rc));
		return 1;
	}
	for (; i < argc; i++) {
		char emu[256], *spec = strdup(argv[i]);
		struct vism_fn fn;

		if (spec == NULL || vism_sysfs_parse(spec, &fn, emu, sizeof(emu)) < 0) {
			fprintf(stderr, "vfio-ism-emu-tree: bad function \"%s\"\n",
				argv[i]);
			return 1;
		}
		if (strstr(argv[i], "driver=") == NULL)
			fn.driver = "ism_vfio_pci";
		if (strstr(argv[i], "group=") == NULL)
			fn.group = next_group;
		if (fn.group >= next_group)
			next_group = fn.group + 1;
		rc = vism_sysfs_add(root, &fn);
		if (rc < 0) {
			fprintf(stderr, "vfio-ism-emu-tree: cannot add %s: %s\n",
				fn.addr, strerror(-rc));
			return 1;
		}
		free(spec);
	}
	printf("%s\n", root);
	return 0;
}

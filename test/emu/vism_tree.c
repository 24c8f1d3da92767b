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
#include <stdbool.h>
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
		"              bar2_size=, mmap=1, msi=0, fabric=\n"
		"Exit status: 0 the tree is built, 1 it could not be (nothing is left\n"
		"behind in a temporary directory), 2 a bad command line.\n");
	exit(status);
}

/* One FUNC argument into the tree; 0, or -1 after saying what is wrong. */
static int
add_function(const char *root, const char *arg, int *next_group)
{
	char emu[256], canon[16], *spec = strdup(arg);
	struct vism_fn fn;
	unsigned int dom, bus, dev, f;
	int rc;

	if (spec == NULL) {
		fprintf(stderr, "vfio-ism-emu-tree: out of memory\n");
		return -1;
	}
	if (vism_sysfs_parse(spec, &fn, emu, sizeof(emu)) < 0) {
		fprintf(stderr, "vfio-ism-emu-tree: bad function \"%s\": write ADDR[,KEY=VAL...] with every key as KEY=VAL (see --help)\n",
			arg);
		free(spec);
		return -1;
	}
	/* the kernel's form only: the tree's names are what sysfs shows */
	if (sscanf(fn.addr, "%4x:%2x:%2x.%1x", &dom, &bus, &dev, &f) != 4 ||
	    snprintf(canon, sizeof(canon), "%04x:%02x:%02x.%x", dom, bus, dev,
		     f) >= (int)sizeof(canon) || strcmp(canon, fn.addr) != 0 ||
	    dev > 0x1f || f > 7) {
		fprintf(stderr, "vfio-ism-emu-tree: \"%s\" is not a PCI address as sysfs writes it: DDDD:BB:DD.F in lower-case hex, e.g. 0000:00:01.0\n",
			fn.addr);
		free(spec);
		return -1;
	}
	if (strstr(arg, "driver=") == NULL)
		fn.driver = "ism_vfio_pci";
	if (strstr(arg, "group=") == NULL)
		fn.group = *next_group;
	if (fn.group >= *next_group)
		*next_group = fn.group + 1;
	rc = vism_sysfs_add(root, &fn);
	if (rc < 0)
		fprintf(stderr, "vfio-ism-emu-tree: cannot add %s to %s: %s\n",
			fn.addr, root, strerror(-rc));
	free(spec);
	return rc < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	char root[PATH_MAX] = "";
	int i = 1, rc, next_group = 1;
	bool made = false;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		usage(stdout, 0);
	if (argc > 2 && strcmp(argv[1], "-d") == 0) {
		snprintf(root, sizeof(root), "%s", argv[2]);
		i = 3;
	}
	if (i >= argc)
		usage(stderr, 2);
	for (int j = i; j < argc; j++) {
		if (argv[j][0] == '-') {
			fprintf(stderr, "vfio-ism-emu-tree: unknown option %s (see --help)\n",
				argv[j]);
			return 2;
		}
	}
	if (root[0] == '\0') {
		rc = vism_sysfs_create(root, sizeof(root));
		made = rc == 0;
		if (rc < 0)
			fprintf(stderr, "vfio-ism-emu-tree: cannot make a temporary directory in $TMPDIR (or /tmp): %s\n",
				strerror(-rc));
	} else {
		rc = vism_sysfs_init(root);
		if (rc < 0)
			fprintf(stderr, "vfio-ism-emu-tree: cannot build the tree in %s: %s\n",
				root, strerror(-rc));
	}
	if (rc < 0)
		return 1;
	for (; i < argc; i++) {
		if (add_function(root, argv[i], &next_group) < 0) {
			/* a tree of our own making goes again; -d DIR is the
			 * caller's */
			if (made)
				vism_sysfs_destroy(root);
			return 1;
		}
	}
	printf("%s\n", root);
	return 0;
}

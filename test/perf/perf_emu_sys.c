/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-perf-emu: ism-perf's DPDK-free build, unchanged but for this file.
 * Its vfio transport makes its system calls into the in-process
 * ism_vfio_pci emulation (vism_emu_sys()), so it runs where no such
 * kernel is, static s390x binaries under qemu-user included.
 *
 * The fake sysfs tree the emulation needs is made here when
 * $ISM_PERF_EMU_TREE lists functions and $VFIO_ISM_SYSFS_ROOT is unset:
 *   ISM_PERF_EMU_TREE="ADDR[,KEY=VAL...];ADDR..."  (vism_sysfs_parse() keys;
 *   driver defaults to ism_vfio_pci, group to one of its own per function)
 * and removed at exit. The functions sit on the model fabric
 * $VFIO_ISM_EMU_FABRIC in $ISM_MODEL_DIR (the emulation's defaults).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf.h"
#include "vism_emu.h"
#include "vism_sysfs.h"

#define TREE_ENV	"ISM_PERF_EMU_TREE"

static int
add_function(const char *root, const char *spec, int group)
{
	char *s = strdup(spec), emu[512];
	struct vism_fn fn;
	int rc = -ENOMEM;

	if (s != NULL)
		rc = vism_sysfs_parse(s, &fn, emu, sizeof(emu));
	if (rc == 0) {
		if (strstr(spec, "driver=") == NULL)
			fn.driver = ISM_VFIO_KDRV;
		if (strstr(spec, "group=") == NULL)
			fn.group = group;
		rc = vism_sysfs_add(root, &fn);
	}
	if (rc < 0)
		fprintf(stderr, "ism-perf-emu: cannot add \"%s\" to the fake sysfs tree: %s\n",
			spec, strerror(-rc));
	free(s);
	return rc;
}

/* The tree of $ISM_PERF_EMU_TREE, once; exits when it cannot be made. */
static void
make_tree(void)
{
	const char *list = getenv(TREE_ENV), *root;
	char *copy, *save = NULL, *spec;
	int group = 1;

	if (list == NULL || getenv(ISM_VFIO_SYSFS_ENV) != NULL)
		return;
	root = vism_sysfs_create_owned(NULL);
	if (root == NULL) {
		fprintf(stderr, "ism-perf-emu: cannot make a fake sysfs tree in $TMPDIR (or /tmp): %s\n",
			strerror(errno));
		exit(1);
	}
	copy = strdup(list);
	if (copy == NULL) {
		fprintf(stderr, "ism-perf-emu: out of memory\n");
		exit(1);
	}
	for (spec = strtok_r(copy, ";", &save); spec != NULL;
	     spec = strtok_r(NULL, ";", &save))
		if (add_function(root, spec, group++) < 0)
			exit(1);
	free(copy);
	/* the emulation serves the tree this names, now that it is complete */
	setenv(ISM_VFIO_SYSFS_ENV, root, 1);
}

const struct ism_vfio_sys *
perf_vfio_sys(void)
{
	make_tree();
	return vism_emu_sys();
}

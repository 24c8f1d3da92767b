/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl list [ADDR...]: the ISM functions sysfs shows (all of them, or
 * the ones named), each with its driver, IOMMU group, vfio cdev and
 * state, and for one that cannot be used, why and the fix. Read-only: no
 * device node is opened.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ism_ctl.h"

static const struct out_col cols[] = {
	{ "ADDRESS", 12 }, { "DRIVER", 14 }, { "GROUP", 5 }, { "CDEV", 8 },
	{ "NUMA", 4 }, { "STATE", 0 },
};

struct list_ctx {
	struct ctl *c;
	int usable;
	int seen;
};

/* In text the row names the function: drop the "ADDR: " the library's
 * reason starts with. */
static const char *
reason(const struct out *o, const struct ism_vfio_fn *fn)
{
	size_t n = strlen(fn->addr);

	if (!o->json && strncmp(fn->why, fn->addr, n) == 0 &&
	    strncmp(fn->why + n, ": ", 2) == 0)
		return fn->why + n + 2;
	return fn->why;
}

static void
show_fn(struct list_ctx *x, const struct ism_vfio_fn *fn)
{
	struct out *o = &x->c->out;
	char fix[320], cdev[24];
	bool usable = fn->state == ISM_VFIO_FN_USABLE;

	x->seen++;
	x->usable += usable;
	out_row(o);
	out_str(o, "addr", "address", fn->addr);
	if (fn->driver[0] != '\0')
		out_str(o, "driver", "driver", fn->driver);
	else
		out_null(o, "driver", "driver", "-");
	if (fn->iommu_group >= 0)
		out_i64(o, "iommu_group", "IOMMU group", fn->iommu_group);
	else
		out_null(o, "iommu_group", "IOMMU group", "-");
	if (fn->cdev >= 0) {
		snprintf(cdev, sizeof(cdev), "vfio%d", fn->cdev);
		out_str(o, "cdev", "vfio cdev", cdev);
	} else {
		out_null(o, "cdev", "vfio cdev", "-");
	}
	if (fn->numa_node >= 0)
		out_i64(o, "numa_node", "NUMA node", fn->numa_node);
	else
		out_null(o, "numa_node", "NUMA node", "-");
	out_str(o, "state", "state", ism_vfio_fn_state_name(fn->state));
	if (o->json) {
		out_bool(o, "usable", "usable", usable, "yes", "no");
		out_hex(o, "vendor", "vendor", fn->vendor, 4);
		out_hex(o, "device", "device", fn->device, 4);
	}
	if (!usable) {
		ctl_fix(fn, fix, sizeof(fix));
		out_str(o, "why", "why", reason(o, fn));
		/* in text, the reason carries the command already */
		if (fix[0] == '\0') {
			if (o->json)
				out_null(o, "fix", "fix", "-");
		} else if (o->json || strstr(fn->why, fix) == NULL) {
			out_str(o, "fix", "fix", fix);
		}
	}
	out_row_end(o);
}

static int
list_cb(void *arg, const struct ism_vfio_fn *fn)
{
	show_fn(arg, fn);
	return 0;
}

static int
list_run(struct ctl *c, int argc, char **argv)
{
	const char *root = ism_vfio_sysfs_root(c->sysfs_root);
	struct list_ctx x = { .c = c };
	struct out *o = &c->out;
	char title[320];
	int rc = 0;

	/* check the named addresses before printing anything */
	for (int i = 0; i < argc; i++) {
		struct ism_vfio_fn fn;

		if (ism_vfio_fn_probe(root, argv[i], &fn) == -EINVAL) {
			char what[128];

			snprintf(what, sizeof(what), "'%s' is not a PCI address", argv[i]);
			return ctl_fail(c, CTL_EXIT_USAGE, NULL, what,
					"write DDDD:BB:DD.F, e.g. 0000:00:01.0");
		}
	}
	snprintf(title, sizeof(title), "%s/bus/pci/devices", root);
	if (access(title, R_OK | X_OK) < 0) {
		char what[sizeof(title) + 64];

		snprintf(what, sizeof(what), "cannot read %s: %s", title, strerror(errno));
		return ctl_fail(c, CTL_EXIT_UNUSABLE, NULL, what,
				"check the sysfs root (--sysfs, $" ISM_VFIO_SYSFS_ENV ")");
	}
	snprintf(title, sizeof(title), "ISM functions (1014:04ed) in %s", root);
	out_begin(o);
	out_str(o, "sysfs", "sysfs root", root);
	out_table(o, "functions", title, cols, sizeof(cols) / sizeof(cols[0]));
	if (argc == 0) {
		rc = ism_vfio_fn_list(root, list_cb, &x);
	} else {
		for (int i = 0; i < argc; i++) {
			struct ism_vfio_fn fn;

			rc = ism_vfio_fn_probe(root, argv[i], &fn);
			if (rc < 0)
				break;
			show_fn(&x, &fn);
		}
	}
	out_table_end(o);
	if (rc >= 0) {
		out_u64(o, "count", "functions", (uint64_t)x.seen);
		out_u64(o, "usable", "usable", (uint64_t)x.usable);
	}
	out_end(o);
	if (rc < 0) {
		ctl_err("cannot read %s/bus/pci/devices: %s", root, strerror(-rc));
		fprintf(stderr, "  fix: check the sysfs root (--sysfs, $" ISM_VFIO_SYSFS_ENV ")\n");
		return CTL_EXIT_UNUSABLE;
	}
	if (x.seen == 0 && !c->json)
		fprintf(stderr, CTL_PROG ": no ISM function in %s; an LPAR has ISM functions only when they are defined for it in the machine's I/O configuration (lspci -nn -d 1014:04ed lists them)\n",
			root);
	if (argc == 0)
		return x.usable > 0 ? CTL_EXIT_OK : CTL_EXIT_UNUSABLE;
	return x.usable == x.seen ? CTL_EXIT_OK : CTL_EXIT_UNUSABLE;
}

const struct ctl_cmd ctl_cmd_list = {
	.name = "list",
	.args = "[ADDR...]",
	.summary = "the ISM functions in sysfs: driver, IOMMU group, cdev, state, fix",
	.help =
	"Lists every ISM function (PCI 1014:04ed) that sysfs shows, or the ones named,\n"
	"with its kernel driver, IOMMU group (/dev/vfio/N), vfio cdev\n"
	"(/dev/vfio/devices/vfioN), NUMA node and state:\n"
	"  usable        bound to " ISM_VFIO_KDRV " with an IOMMU group: info, ping, stat work\n"
	"  unbound       no driver is bound\n"
	"  kernel-ism    the kernel's ism driver (SMC-D) has it\n"
	"  vfio-pci      the generic vfio-pci, which cannot reach its 256 TiB BAR 0\n"
	"  other-driver  some other driver has it\n"
	"  no-group      no IOMMU group: DMA would not be translated\n"
	"  bad-group     the iommu_group link does not name a group\n"
	"  absent, not-ism  (ADDR given) no such PCI device, or not 1014:04ed\n"
	"For each function that is not usable it says why and what fixes it: for a\n"
	"wrong or missing driver, the rebind command (fix, also in the JSON output).\n"
	"Nothing is opened. Exit 0 when every function listed is usable (without ADDR:\n"
	"when at least one is), 2 otherwise.\n",
	.run = list_run,
};

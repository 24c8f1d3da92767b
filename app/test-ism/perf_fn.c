/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The only place of ism-perf that knows where a function comes from: a
 * function attached to a software model fabric, or a function bound to
 * ism_vfio_pci opened with lib/ism's vfio transport. What the report says
 * about it (store limit and where that came from, whether the figures are
 * of hardware) is decided here too. Everything after ism_dev_open() is the
 * same for both.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ism_model.h"
#include "perf.h"

static const char *
open_hint(int rc)
{
	switch (rc) {
	case -ENODEV:
		return "; 'ism-ctl list' shows its state and the fix";
	case -EACCES:
	case -EPERM:
		return "; run as root or give this user the vfio device nodes ('ism-ctl info' says which)";
	case -EBUSY:
		return "; another process has it open: each side needs a function of its own";
	case -ENOTSUP:
		return "; this kernel does not offer that path: try --path auto";
	case -ENOMEM:
	case -ENOSPC:
		return "; raise the locked-memory limit (ulimit -l)";
	}
	return "; 'ism-ctl info' shows more";
}

/* Store limit of a vfio function and how the transport found it. */
static void
describe_vfio(struct ism_transport *t, struct perf_fn_desc *d)
{
	struct ism_vfio_info vi;

	d->vfio = true;
	d->store_limit = t->max_store;
	d->store_src = "fallback";
	if (ism_vfio_info_get(t, &vi) < 0) {
		snprintf(d->store_why, sizeof(d->store_why), "the transport gives no information");
		return;
	}
	d->store_limit = vi.max_store;
	switch (vi.store_src) {
	case ISM_VFIO_STORE_IMAXSTBL:
		d->store_src = "imaxstbl";
		snprintf(d->store_why, sizeof(d->store_why),
			 "zPCI group capability version %u, imaxstbl %u",
			 vi.cap_version, vi.cap_imaxstbl);
		break;
	case ISM_VFIO_STORE_DEFAULT_V1:
		snprintf(d->store_why, sizeof(d->store_why),
			 "zPCI group capability version 1 has no imaxstbl: 4096");
		break;
	case ISM_VFIO_STORE_DEFAULT_NOCAP:
		snprintf(d->store_why, sizeof(d->store_why),
			 "no zPCI group capability: 4096");
		break;
	case ISM_VFIO_STORE_DEFAULT_ZERO:
		snprintf(d->store_why, sizeof(d->store_why),
			 "imaxstbl reported as 0: 4096");
		break;
	}
}

int
perf_fn_open(const struct perf_opts *o, int which, const char *role,
	     bool irq, struct perf_fn *f)
{
	struct ism_vfio_opts vo = {
		.path = o->path, .no_irq = !irq, .sys = perf_vfio_sys(),
	};
	struct perf_fn_desc *d = &f->desc;
	struct ism_transport *t;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(d->role, sizeof(d->role), "%s", role);
	if (o->ndev > 0) {
		snprintf(d->where, sizeof(d->where), "%s", o->dev[which]);
		rc = ism_vfio_open(o->dev[which], &vo, &t);
	} else {
		snprintf(d->where, sizeof(d->where), "fabric '%s'", o->fabric);
		rc = ism_model_attach(o->fabric, NULL, &t);
	}
	if (rc == 0) {
		if (o->ndev > 0) {
			describe_vfio(t, d);
		} else {
			d->store_limit = t->max_store;
			d->store_src = "model";
			snprintf(d->store_why, sizeof(d->store_why),
				 "the model's limit");
		}
		rc = ism_dev_open(t, &f->dev);	/* closes t on failure */
	}
	if (rc < 0) {
		fprintf(stderr, PERF_PROG ": cannot open the ISM function %s (the %s): %s%s\n",
			d->where, role, strerror(-rc), o->ndev > 0 ? open_hint(rc) : "");
		f->dev = NULL;
		return rc;
	}
	d->gid = ism_dev_gid(f->dev);
	return 0;
}

void
perf_fn_close(struct perf_fn *f)
{
	if (f->dev != NULL)
		ism_dev_close(f->dev);
	f->dev = NULL;
}

bool
perf_fn_pwrites(const struct perf_fn *f, uint64_t *n)
{
	struct ism_vfio_stats st;

	if (!f->desc.vfio ||
	    ism_vfio_stats_get(ism_dev_transport(f->dev), &st) < 0)
		return false;
	*n = st.stores;
	return true;
}

/*
 * Whether the functions are hardware, told from what this process can
 * see for itself: the model is software by construction; a vfio function
 * is taken as emulated when the vfio transport's system calls do not go
 * to libc (the test build's in-process emulation), or when its sysfs is
 * not the kernel's /sys ($VFIO_ISM_SYSFS_ROOT, which the emulation needs
 * and a real function has no reason to use). The second errs on the safe
 * side: a real function reached through a copy of sysfs is marked too.
 */
void
perf_fn_emulation(const struct perf_opts *o, struct perf_report *r)
{
	const struct ism_vfio_sys *sys = perf_vfio_sys();
	const char *root = ism_vfio_sysfs_root(NULL);

	r->emulated = true;
	r->emulated_by = o->ndev == 0 ? "model" : "vfio-emulation";
	if (o->ndev == 0)
		snprintf(r->emulation, sizeof(r->emulation),
			 "the software ISM model (fabric '%s')", o->fabric);
	else if (sys != NULL && sys != &ism_vfio_sys_libc)
		snprintf(r->emulation, sizeof(r->emulation),
			 "the in-process ism_vfio_pci emulation (system calls not to libc; sysfs %s)",
			 root);
	else if (strcmp(root, "/sys") != 0)
		snprintf(r->emulation, sizeof(r->emulation),
			 "the ism_vfio_pci emulation: sysfs root %s ($%s), not /sys",
			 root, ISM_VFIO_SYSFS_ENV);
	else
		r->emulated = false;
	if (!r->emulated)
		r->emulated_by = NULL;
}

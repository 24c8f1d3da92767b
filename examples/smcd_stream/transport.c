/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The only place that knows where a side's ISM function comes from: a
 * function attached to a software model fabric, or a real (or emulated)
 * function bound to ism_vfio_pci, opened with lib/ism's vfio transport.
 * Everything after ism_dev_open() is the same.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ism_model.h"
#include "smcd_stream.h"

const char *
endpoint_name(const struct endpoint *ep, char *buf, size_t len)
{
	if (ep->dev != NULL)
		snprintf(buf, len, "function %s", ep->dev);
	else
		snprintf(buf, len, "fabric '%s'", ep->fabric);
	return buf;
}

static int
open_transport(const struct endpoint *ep, struct ism_transport **tp)
{
	/* the stream polls its DMBs and events: no MSI needed */
	struct ism_vfio_opts vo = {
		.path = ep->path, .hugepages = ep->hugepages, .no_irq = true,
	};

	if (ep->dev != NULL)
		return ism_vfio_open(ep->dev, &vo, tp);
	return ism_model_attach(ep->fabric, NULL, tp);
}

static const char *
open_hint(const struct endpoint *ep, int rc)
{
	if (ep->dev == NULL)
		return "";
	switch (rc) {
	case -ENODEV:
		return "; 'ism-ctl list' shows its state and the fix";
	case -EACCES:
	case -EPERM:
		return "; run as root or give this user the vfio device nodes (see 'ism-ctl info')";
	case -EBUSY:
		return "; another process has it open: each side needs a function of its own";
	case -ENOTSUP:
		return "; this kernel does not offer that path: try --path auto";
	}
	return "; 'ism-ctl info' shows more";
}

int
side_open(struct side *s, const struct endpoint *ep)
{
	struct ism_transport *t;
	char name[64];
	int rc;

	memset(s, 0, sizeof(*s));
	rc = open_transport(ep, &t);
	if (rc == 0)
		rc = ism_dev_open(t, &s->dev);	/* closes t on failure */
	if (rc < 0)
		fprintf(stderr, PROG ": cannot open the ISM %s: %s%s\n",
			endpoint_name(ep, name, sizeof(name)), strerror(-rc),
			open_hint(ep, rc));
	return rc;
}

void
side_close(struct side *s)
{
	if (s->dev != NULL)
		ism_dev_close(s->dev);
	s->dev = NULL;
}

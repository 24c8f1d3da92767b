/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism_vfio_open(): the steps in order, each undone in reverse on failure
 * and on close:
 *   1. sysfs: an ISM function on ism_vfio_pci in an IOMMU group, or a
 *      refusal that names the fix;
 *   2. the way in: cdev + iommufd, or group + container (AUTO takes the
 *      cdev when sysfs shows one and /dev/iommu opens);
 *   3. the device fd: capabilities, regions, store limit (ism_vfio_dev);
 *   4. DMA memory inside the function's aperture;
 *   5. the MSI eventfd.
 * Close goes backwards, except that the device is closed before its DMA
 * memory is unmapped (see tp_free()).
 * The transport's write is ism_vfio_dev_store(): no lock on that path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ism_vfio_priv.h"

struct vfio_tp {
	struct ism_transport base;	/* first: lib/ism hands this back */
	char name[24];			/* "vfio:DDDD:BB:DD.F" */
	const struct ism_vfio_sys *sys;
	struct ism_vfio_fn fn;
	struct ism_vfio_way way;
	struct ism_vfio_dev *dev;
	struct ism_vfio_dma dma;
	struct ism_vfio_irq irq;
};

static const struct ism_transport_ops vfio_tp_ops;

int
ism_vfio_explain_open(const char *name, const char *node, int err,
		      const char *addr)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		ISM_ERR("%s: %s does not exist: %s is not (or no longer) bound to " ISM_VFIO_KDRV ", or vfio is not loaded; driverctl set-override %s " ISM_VFIO_KDRV,
			name, node, addr, addr);
		return -ENODEV;
	case EACCES:
	case EPERM:
		ISM_ERR("%s: no permission to open %s: run as root, or give the user the node (chown USER %s) and raise the locked-memory limit (ulimit -l)",
			name, node, node);
		return -EACCES;
	case EBUSY:
		ISM_ERR("%s: %s is busy: another process holds it (fuser -v %s); close it there",
			name, node, node);
		return -EBUSY;
	}
	ISM_ERR("%s: cannot open %s: %s", name, node, strerror(err));
	return -err;
}

void
ism_vfio_way_init(struct ism_vfio_way *w, const struct ism_vfio_sys *sys,
		  const char *name)
{
	memset(w, 0, sizeof(*w));
	w->sys = sys;
	w->name = name;
	w->dev_fd = w->container_fd = w->group_fd = w->iommufd = -1;
}

static void
way_close_device(struct ism_vfio_way *w)
{
	if (w->path == ISM_VFIO_PATH_CDEV)
		ism_vfio_cdev_close_device(w);
	else if (w->path == ISM_VFIO_PATH_GROUP)
		ism_vfio_group_close_device(w);
}

static void
way_close(struct ism_vfio_way *w)
{
	if (w->path == ISM_VFIO_PATH_CDEV)
		ism_vfio_cdev_close(w);
	else if (w->path == ISM_VFIO_PATH_GROUP)
		ism_vfio_group_close(w);
}

/* Step 2: the way in that @path asks for. */
static int
way_open(struct vfio_tp *tp, enum ism_vfio_path path, const char *sysfs_root)
{
	int iommufd = -1;

	if (path == ISM_VFIO_PATH_AUTO) {
		path = ISM_VFIO_PATH_GROUP;
		if (tp->fn.cdev >= 0) {
			iommufd = tp->sys->open(ISM_VFIO_IOMMUFD_NODE,
						O_RDWR | O_CLOEXEC, 0);
			if (iommufd >= 0)
				path = ISM_VFIO_PATH_CDEV;
			else
				ISM_INFO("%s: " ISM_VFIO_IOMMUFD_NODE " does not open (%s); taking the group path",
					 tp->name, strerror(errno));
		}
	}
	if (path == ISM_VFIO_PATH_CDEV) {
		int rc = ism_vfio_cdev_open(&tp->way, &tp->fn, iommufd);

		/* AUTO chose the cdev, the kernel cannot bind it (too old for
		 * iommufd on this device): the group still works */
		if (rc != -ENOTSUP || iommufd < 0)
			return rc;
		ISM_WARN("%s: the cdev path is not offered after all; taking the group path",
			 tp->name);
		ism_vfio_way_init(&tp->way, tp->sys, tp->name);
	}
	return ism_vfio_group_open(&tp->way, &tp->fn, sysfs_root);
}

/*
 * Close mirrors open, with one exception: the device goes before its DMA
 * memory. Closing the device fd resets the function, so once it is gone
 * nothing can write the pages any more (an SBA or IEQ the device did not
 * let go of, a vanished function); only then are they unmapped and freed.
 * The IOAS or container outlives the device for that.
 */
static void
tp_free(struct vfio_tp *tp)
{
	ism_vfio_irq_teardown(&tp->irq);
	if (tp->dev != NULL)
		ism_vfio_dev_detach(tp->dev);
	way_close_device(&tp->way);
	ism_vfio_dma_fini(&tp->dma);
	way_close(&tp->way);
	free(tp);
}

int
ism_vfio_open(const char *pci_addr, const struct ism_vfio_opts *opts,
	      struct ism_transport **tpp)
{
	static const struct ism_vfio_opts defaults;
	struct vfio_tp *tp;
	int rc;

	if (tpp == NULL)
		return -EINVAL;
	*tpp = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->path != ISM_VFIO_PATH_AUTO && opts->path != ISM_VFIO_PATH_CDEV &&
	    opts->path != ISM_VFIO_PATH_GROUP) {
		ISM_ERR("vfio: unknown path %d in ism_vfio_opts", (int)opts->path);
		return -EINVAL;
	}
	tp = calloc(1, sizeof(*tp));
	if (tp == NULL)
		return -ENOMEM;
	tp->sys = opts->sys != NULL ? opts->sys : &ism_vfio_sys_libc;
	tp->irq.efd = -1;
	ism_vfio_way_init(&tp->way, tp->sys, tp->name);

	/* 1. sysfs */
	rc = ism_vfio_fn_probe_sys(tp->sys, opts->sysfs_root, pci_addr, &tp->fn);
	if (rc == -EINVAL) {
		ISM_ERR("vfio: \"%s\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
			pci_addr != NULL ? pci_addr : "(null)");
		free(tp);
		return rc;
	}
	snprintf(tp->name, sizeof(tp->name), "vfio:%s", tp->fn.addr);
	if (rc < 0 || tp->fn.state != ISM_VFIO_FN_USABLE) {
		if (rc == 0) {
			ISM_ERR("%s: %s", tp->name, tp->fn.why);
			rc = -ENODEV;
		}
		free(tp);
		return rc;
	}

	/* 2. the way in, 3. the device */
	rc = way_open(tp, opts->path, opts->sysfs_root);
	if (rc == 0)
		rc = ism_vfio_dev_attach(tp->way.dev_fd, tp->name, tp->sys, &tp->dev);
	/* 4. DMA memory */
	if (rc == 0)
		rc = ism_vfio_dma_init(&tp->dma, &tp->way, ism_vfio_dev_info(tp->dev),
				       opts->hugepages);
	if (rc < 0) {
		tp_free(tp);
		return rc;
	}
	/* 5. the MSI */
	ism_vfio_irq_setup(&tp->irq, tp->dev, opts->no_irq);

	tp->base.ops = &vfio_tp_ops;
	tp->base.name = tp->name;
	tp->base.max_store = ism_vfio_dev_info(tp->dev)->max_store;
	ISM_INFO("%s: open through %s, store limit %u, MSI %s", tp->name,
		 tp->way.dev_node, tp->base.max_store,
		 tp->irq.efd >= 0 ? "on" : "off");
	*tpp = &tp->base;
	return 0;
}

static int
tp_write(struct ism_transport *t, unsigned int bar, uint64_t off,
	 const void *buf, size_t len)
{
	return ism_vfio_dev_store(((struct vfio_tp *)t)->dev, bar, off, buf, len);
}

static int
tp_read(struct ism_transport *t, unsigned int bar, uint64_t off, void *buf,
	size_t len)
{
	return ism_vfio_dev_load(((struct vfio_tp *)t)->dev, bar, off, buf, len);
}

static int
tp_dma_alloc(struct ism_transport *t, size_t len, size_t align,
	     struct ism_dma *dma)
{
	struct vfio_tp *tp = (struct vfio_tp *)t;

	if (ism_vfio_dev_gone(tp->dev) != 0)
		return -ENODEV;
	return ism_vfio_dma_alloc(&tp->dma, len, align, dma);
}

static void
tp_dma_free(struct ism_transport *t, struct ism_dma *dma)
{
	ism_vfio_dma_free(&((struct vfio_tp *)t)->dma, dma);
}

static int
tp_irq_fd(struct ism_transport *t)
{
	return ((struct vfio_tp *)t)->irq.efd;
}

static void
tp_irq_ack(struct ism_transport *t)
{
	ism_vfio_irq_ack(&((struct vfio_tp *)t)->irq);
}

static void
tp_close(struct ism_transport *t)
{
	tp_free((struct vfio_tp *)t);
}

static const struct ism_transport_ops vfio_tp_ops = {
	.write = tp_write,
	.read = tp_read,
	.dma_alloc = tp_dma_alloc,
	.dma_free = tp_dma_free,
	.irq_fd = tp_irq_fd,
	.irq_ack = tp_irq_ack,
	.close = tp_close,
};

static const char *const path_names[] = {
	[ISM_VFIO_PATH_AUTO] = "auto",
	[ISM_VFIO_PATH_CDEV] = "cdev",
	[ISM_VFIO_PATH_GROUP] = "group",
};

const char *
ism_vfio_path_name(enum ism_vfio_path path)
{
	if ((unsigned int)path < sizeof(path_names) / sizeof(path_names[0]))
		return path_names[path];
	return "unknown";
}

int
ism_vfio_path_parse(const char *name, enum ism_vfio_path *path)
{
	for (unsigned int i = 0; name != NULL &&
	     i < sizeof(path_names) / sizeof(path_names[0]); i++) {
		if (strcmp(name, path_names[i]) == 0) {
			*path = (enum ism_vfio_path)i;
			return 0;
		}
	}
	return -EINVAL;
}

int
ism_vfio_info_get(const struct ism_transport *t, struct ism_vfio_info *info)
{
	const struct vfio_tp *tp = (const struct vfio_tp *)t;

	if (t == NULL || t->ops != &vfio_tp_ops || info == NULL)
		return -EINVAL;
	*info = *ism_vfio_dev_info(tp->dev);
	snprintf(info->pci_addr, sizeof(info->pci_addr), "%s", tp->fn.addr);
	info->path = tp->way.path;
	snprintf(info->dev_node, sizeof(info->dev_node), "%s", tp->way.dev_node);
	info->iommu_group = tp->fn.iommu_group;
	info->msi = tp->irq.efd >= 0;
	return 0;
}

int
ism_vfio_stats_get(const struct ism_transport *t, struct ism_vfio_stats *st)
{
	struct vfio_tp *tp = (struct vfio_tp *)(uintptr_t)t;

	if (t == NULL || t->ops != &vfio_tp_ops || st == NULL)
		return -EINVAL;
	ism_vfio_dev_stats(tp->dev, st);
	st->dma_maps = ism_vfio_dma_count(&tp->dma);
	return 0;
}

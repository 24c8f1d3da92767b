/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated iommufd (/dev/iommu) and the cdev side of a vfio device, with
 * the kernel's order rules:
 *  - a device fd opened from /dev/vfio/devices/vfioN grants no access
 *    until VFIO_DEVICE_BIND_IOMMUFD: every other ioctl, read and write is
 *    EINVAL; a second bind, a bind of a function open elsewhere, or flags
 *    are EINVAL; a bind while the function's group is open is EBUSY; an
 *    fd that is no iommufd is EBADF;
 *  - DMA needs VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS: until then the
 *    device has no translation, and commands carrying a DMA address fail;
 *    attaching again replaces the IOAS; attaching to an IOAS with mappings
 *    outside the function's aperture is EINVAL; DETACH drops it;
 *  - IOMMU_IOAS_ALLOC makes an IOAS; IOMMU_IOAS_MAP (FIXED_IOVA or an
 *    IOVA chosen inside the aperture of the attached functions) refuses
 *    IOVAs outside that aperture (EINVAL) and overlaps (EEXIST);
 *    IOMMU_IOAS_UNMAP takes whole mappings (iova 0, length ~0: all);
 *    IOMMU_DESTROY of an IOAS still attached is EBUSY, of a device id
 *    EBUSY, of an unknown id ENOENT;
 *  - closing the device fd unbinds (and detaches); an iommufd closed while
 *    devices are bound lives on until the last of them is closed, as the
 *    kernel's file reference does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vism_emu_priv.h"

static struct emu_iommufd *ictxs;

int
emu_iommufd_open(void)
{
	struct emu_iommufd *x = calloc(1, sizeof(*x));
	int fd;

	if (x == NULL) {
		errno = ENOMEM;
		return -1;
	}
	x->o.kind = EMU_IOMMUFD;
	x->next_id = 1;
	pthread_mutex_lock(&emu_lock);
	fd = emu_new_fd(&x->o);
	if (fd >= 0) {
		x->next = ictxs;
		ictxs = x;
	}
	pthread_mutex_unlock(&emu_lock);
	if (fd < 0)
		free(x);
	return fd;
}

static void
iommufd_free_if_unused(struct emu_iommufd *x)
{
	struct emu_iommufd **pp;

	if (!x->closed || x->refs > 0)
		return;
	for (pp = &ictxs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	while (x->ioas != NULL) {
		struct emu_ioas *a = x->ioas;

		x->ioas = a->next;
		emu_as_clear(&a->as);
		free(a);
	}
	free(x);
}

void
emu_iommufd_close(struct emu_iommufd *x)
{
	x->closed = true;
	iommufd_free_if_unused(x);
}

static struct emu_ioas *
ioas_find(struct emu_iommufd *x, uint32_t id)
{
	for (struct emu_ioas *a = x->ioas; a != NULL; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

/* The IOAS's aperture: where those of the functions attached meet. */
static void
ioas_aperture(struct emu_ioas *a)
{
	a->as.limited = emu_dev_ioas_aperture(a, &a->as.start, &a->as.end);
}

static int
ioas_alloc(struct emu_iommufd *x, struct iommu_ioas_alloc *cmd)
{
	struct emu_ioas *a;

	if (cmd->size < sizeof(*cmd))
		return -EINVAL;
	if (cmd->flags != 0)
		return -EOPNOTSUPP;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->id = x->next_id++;
	a->next = x->ioas;
	x->ioas = a;
	cmd->out_ioas_id = a->id;
	return 0;
}

static int
ioas_map(struct emu_iommufd *x, struct iommu_ioas_map *cmd)
{
	const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA |
		IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
	struct emu_ioas *a;
	uint64_t iova;
	int rc;

	if (cmd->size < sizeof(*cmd) || cmd->__reserved != 0)
		return -EINVAL;
	if (cmd->flags & ~known)
		return -EOPNOTSUPP;
	if (cmd->length == 0 ||
	    !(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	a = ioas_find(x, cmd->ioas_id);
	if (a == NULL)
		return -ENOENT;
	iova = cmd->iova;
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA)) {
		rc = emu_as_alloc(&a->as, cmd->length, &iova);
		if (rc < 0)
			return rc;
	}
	rc = emu_as_map(&a->as, cmd->user_va, iova, cmd->length);
	if (rc == 0)
		cmd->iova = iova;
	return rc;
}

static int
ioas_unmap(struct emu_iommufd *x, struct iommu_ioas_unmap *cmd)
{
	struct emu_ioas *a;
	uint64_t done;
	int rc;

	if (cmd->size < sizeof(*cmd))
		return -EINVAL;
	a = ioas_find(x, cmd->ioas_id);
	if (a == NULL)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX)
		rc = emu_as_unmap(&a->as, 0, UINT64_MAX, &done);
	else
		rc = emu_as_unmap(&a->as, cmd->iova, cmd->length, &done);
	if (rc < 0)
		return rc;
	if (done == 0 && !(cmd->iova == 0 && cmd->length == UINT64_MAX))
		return -ENOENT;
	cmd->length = done;
	return 0;
}

static int
destroy(struct emu_iommufd *x, struct iommu_destroy *cmd)
{
	struct emu_ioas **pp, *a;

	if (cmd->size < sizeof(*cmd))
		return -EINVAL;
	for (pp = &x->ioas; (a = *pp) != NULL; pp = &a->next) {
		if (a->id != cmd->id)
			continue;
		if (a->users > 0)
			return -EBUSY;
		*pp = a->next;
		emu_as_clear(&a->as);
		free(a);
		return 0;
	}
	/* a device's id exists while it is bound, and only unbinding ends it */
	return emu_dev_bound_as(x, cmd->id) ? -EBUSY : -ENOENT;
}

int
emu_iommufd_ioctl(struct emu_iommufd *x, unsigned long req, void *arg)
{
	int rc;

	pthread_mutex_lock(&emu_lock);
	switch (req) {
	case IOMMU_IOAS_ALLOC:
		rc = ioas_alloc(x, arg);
		break;
	case IOMMU_IOAS_MAP:
		rc = ioas_map(x, arg);
		break;
	case IOMMU_IOAS_UNMAP:
		rc = ioas_unmap(x, arg);
		break;
	case IOMMU_DESTROY:
		rc = destroy(x, arg);
		break;
	default:
		rc = -ENOTTY;
		break;
	}
	pthread_mutex_unlock(&emu_lock);
	return emu_sys_ret(rc);
}

int
emu_dev_bind(struct emu_dev *d, void *arg)
{
	struct vfio_device_bind_iommufd *b = arg;
	struct emu_obj *o;
	int rc = 0;

	if (b->argsz < sizeof(*b) || b->flags != 0 || b->iommufd < 0 ||
	    d->cdev < 0)
		return emu_sys_ret(-EINVAL);
	pthread_mutex_lock(&emu_lock);
	o = emu_fd_obj(b->iommufd);
	if (d->bound || emu_dev_addr_busy(d->addr))
		rc = -EINVAL;	/* bound already, or open elsewhere */
	else if (emu_group_is_open(d->group_num))
		rc = -EBUSY;	/* the group path holds the function */
	else if (o == NULL || o->kind != EMU_IOMMUFD)
		rc = -EBADF;
	pthread_mutex_unlock(&emu_lock);
	if (rc < 0)
		return emu_sys_ret(rc);
	/* the kernel's open_device: here the model function comes to life */
	rc = emu_dev_enable(d);
	if (rc < 0)
		return emu_sys_ret(rc);
	pthread_mutex_lock(&emu_lock);
	d->ictx = (struct emu_iommufd *)o;
	d->ictx->refs++;
	d->devid = d->ictx->next_id++;
	d->bound = true;
	b->out_devid = d->devid;
	pthread_mutex_unlock(&emu_lock);
	return 0;
}

int
emu_dev_attach(struct emu_dev *d, void *arg)
{
	struct vfio_device_attach_iommufd_pt *at = arg;
	struct emu_ioas *a, *old;
	int rc = 0;

	if (at->argsz < sizeof(*at) || at->flags != 0)
		return emu_sys_ret(-EINVAL);
	pthread_mutex_lock(&emu_lock);
	a = ioas_find(d->ictx, at->pt_id);
	if (a == NULL)
		rc = -ENOENT;
	else if (!emu_as_fits(&a->as, d->cfg.start_dma, d->cfg.end_dma))
		rc = -EINVAL;	/* mappings the function cannot reach */
	if (rc == 0 && a != d->ioas) {
		/* attaching again replaces the IOAS */
		old = d->ioas;
		d->ioas = a;
		a->users++;
		ioas_aperture(a);
		if (old != NULL) {
			old->users--;
			ioas_aperture(old);
		}
	}
	pthread_mutex_unlock(&emu_lock);
	return emu_sys_ret(rc);
}

static void
detach_locked(struct emu_dev *d)
{
	struct emu_ioas *a = d->ioas;

	if (a == NULL)
		return;
	d->ioas = NULL;
	a->users--;
	ioas_aperture(a);
}

int
emu_dev_detach(struct emu_dev *d, void *arg)
{
	struct vfio_device_detach_iommufd_pt *dt = arg;

	if (dt->argsz < sizeof(*dt) || dt->flags != 0)
		return emu_sys_ret(-EINVAL);
	pthread_mutex_lock(&emu_lock);
	detach_locked(d);
	pthread_mutex_unlock(&emu_lock);
	return 0;
}

void
emu_dev_unbind(struct emu_dev *d)
{
	struct emu_iommufd *x = d->ictx;

	if (!d->bound)
		return;
	detach_locked(d);
	d->bound = false;
	d->ictx = NULL;
	x->refs--;
	iommufd_free_if_unused(x);
}

void
emu_iommufd_census(struct vism_emu_census *c)
{
	for (struct emu_iommufd *x = ictxs; x != NULL; x = x->next) {
		c->iommufds++;
		for (struct emu_ioas *a = x->ioas; a != NULL; a = a->next) {
			c->ioas++;
			c->dma_maps += a->as.nmaps;
		}
	}
}

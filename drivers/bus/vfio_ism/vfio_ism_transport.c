/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lib/ism transport of a vfio_ism device: region access through
 * vfio_ism_io.c, DMA memory from EAL memzones, the MSI eventfd.
 *
 * DMA memory: EAL's vfio layer maps all EAL memory into the default
 * container when the device's group joins it (and keeps later allocations
 * mapped through its memory event callback), so an IOVA-contiguous memzone
 * is device-reachable at mz->iova without a mapping of our own. A bounded
 * memzone gives the "does not cross a multiple of align" guarantee that
 * DMBs (no 1 MiB crossing) need. Each handle frees what it allocated when
 * it is closed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memzone.h>

#include "ism_proto.h"
#include "vfio_ism_private.h"

struct vism_zone {
	LIST_ENTRY(vism_zone) next;
	const struct rte_memzone *mz;
};

struct vism_tp {
	struct ism_transport base;	/* first: lib/ism hands this back */
	struct vfio_ism_hw *hw;
	int numa;
	char name[RTE_DEV_NAME_MAX_LEN + 16];
	pthread_mutex_t lock;		/* zones */
	LIST_HEAD(, vism_zone) zones;
};

static const struct ism_transport_ops vism_ops;

static int
vism_write(struct ism_transport *t, unsigned int bar, uint64_t off,
	   const void *buf, size_t len)
{
	return vfio_ism_io_write(((struct vism_tp *)t)->hw, bar, off, buf, len);
}

static int
vism_read(struct ism_transport *t, unsigned int bar, uint64_t off, void *buf,
	  size_t len)
{
	return vfio_ism_io_read(((struct vism_tp *)t)->hw, bar, off, buf, len);
}

static int
vism_dma_alloc(struct ism_transport *t, size_t len, size_t align,
	       struct ism_dma *dma)
{
	struct vism_tp *tp = (struct vism_tp *)t;
	struct vfio_ism_hw *hw = tp->hw;
	const struct rte_memzone *mz;
	struct vism_zone *z;
	char name[RTE_MEMZONE_NAMESIZE];
	uint32_t seq;

	if (len == 0 || align < 4096 || (align & (align - 1)) != 0 ||
	    len > align) {
		VISM_LOG(ERR, "%s: DMA request of %zu bytes aligned to %zu: need 1..align bytes and a power-of-two align >= 4096",
			 tp->name, len, align);
		return -EINVAL;
	}
	if (hw->fd < 0)
		return -ENODEV;
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return -ENOMEM;
	/* unique in the process: the PCI address and a per-device counter */
	seq = __atomic_fetch_add(&hw->mz_seq, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "vism_%s_%u", hw->mz_tag, seq);
	mz = rte_memzone_reserve_bounded(name, len, tp->numa,
					 RTE_MEMZONE_IOVA_CONTIG, (unsigned int)align,
					 (unsigned int)align);
	if (mz == NULL) {
		VISM_LOG(ERR, "%s: no DMA memory: %zu bytes aligned to %zu: %s; give EAL more memory (-m, hugepages)",
			 tp->name, len, align, rte_strerror(rte_errno));
		free(z);
		return -ENOMEM;
	}
	if (mz->iova == RTE_BAD_IOVA) {
		VISM_LOG(ERR, "%s: EAL memory has no IOVA (IOVA as PA without physical addresses?); run with --iova-mode=va",
			 tp->name);
		rte_memzone_free(mz);
		free(z);
		return -EFAULT;
	}
	memset(mz->addr, 0, len);
	z->mz = mz;
	pthread_mutex_lock(&tp->lock);
	LIST_INSERT_HEAD(&tp->zones, z, next);
	pthread_mutex_unlock(&tp->lock);
	dma->addr = mz->addr;
	dma->iova = mz->iova;
	dma->len = len;
	return 0;
}

static void
vism_dma_free(struct ism_transport *t, struct ism_dma *dma)
{
	struct vism_tp *tp = (struct vism_tp *)t;
	struct vism_zone *z;

	if (dma->addr == NULL)
		return;
	pthread_mutex_lock(&tp->lock);
	LIST_FOREACH(z, &tp->zones, next)
		if (z->mz->addr == dma->addr)
			break;
	if (z != NULL)
		LIST_REMOVE(z, next);
	pthread_mutex_unlock(&tp->lock);
	if (z == NULL) {
		VISM_LOG(ERR, "%s: dma_free of %p, which this handle did not allocate",
			 tp->name, dma->addr);
		return;
	}
	rte_memzone_free(z->mz);
	free(z);
	memset(dma, 0, sizeof(*dma));
}

static int
vism_irq_fd(struct ism_transport *t)
{
	struct vfio_ism_hw *hw = ((struct vism_tp *)t)->hw;

	return hw->fd < 0 ? -1 : hw->efd;
}

static void
vism_irq_ack(struct ism_transport *t)
{
	struct vfio_ism_hw *hw = ((struct vism_tp *)t)->hw;
	uint64_t v;

	/* one read resets an eventfd's counter */
	if (hw->fd >= 0 && hw->efd >= 0 && read(hw->efd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		VISM_LOG(DEBUG, "%s: reading the MSI eventfd: %s", hw->name,
			 strerror(errno));
}

static void
vism_close(struct ism_transport *t)
{
	struct vism_tp *tp = (struct vism_tp *)t;
	struct vism_zone *z;

	while ((z = LIST_FIRST(&tp->zones)) != NULL) {
		LIST_REMOVE(z, next);
		rte_memzone_free(z->mz);
		free(z);
	}
	pthread_mutex_destroy(&tp->lock);
	vfio_ism_hw_put(tp->hw);
	free(tp);
}

static const struct ism_transport_ops vism_ops = {
	.write = vism_write,
	.read = vism_read,
	.dma_alloc = vism_dma_alloc,
	.dma_free = vism_dma_free,
	.irq_fd = vism_irq_fd,
	.irq_ack = vism_irq_ack,
	.close = vism_close,
};

int
rte_vfio_ism_transport_get(struct rte_vfio_ism_device *dev,
			   struct ism_transport **tpp)
{
	struct vfio_ism_hw *hw = dev != NULL ? dev->hw : NULL;
	struct vism_tp *tp;

	*tpp = NULL;
	if (hw == NULL) {
		VISM_LOG(ERR, "%s: no transport: the device is not probed",
			 dev != NULL ? dev->name : "(null)");
		return -EINVAL;
	}
	if (__atomic_load_n(&hw->gone, __ATOMIC_RELAXED) != 0 ||
	    ism_vfio_dev_gone(hw->vd) != 0)
		return -ENODEV;
	tp = calloc(1, sizeof(*tp));
	if (tp == NULL)
		return -ENOMEM;
	pthread_mutex_init(&tp->lock, NULL);
	LIST_INIT(&tp->zones);
	tp->hw = hw;
	tp->numa = dev->device.numa_node;
	snprintf(tp->name, sizeof(tp->name), RTE_VFIO_ISM_BUS_NAME ":%s",
		 dev->name);
	tp->base.ops = &vism_ops;
	tp->base.name = tp->name;
	tp->base.max_store = ism_vfio_dev_info(hw->vd)->max_store;
	vfio_ism_hw_get(hw);
	*tpp = &tp->base;
	return 0;
}

struct rte_vfio_ism_device *
rte_vfio_ism_transport_device(const struct ism_transport *t)
{
	if (t == NULL || t->ops != &vism_ops)
		return NULL;
	return ((const struct vism_tp *)t)->hw->dev;
}

void
rte_vfio_ism_stats_get(const struct rte_vfio_ism_device *dev,
		       struct rte_vfio_ism_stats *st)
{
	const struct vfio_ism_hw *hw = dev->hw;
	struct ism_vfio_stats vs;

	memset(st, 0, sizeof(*st));
	if (hw == NULL)
		return;
	ism_vfio_dev_stats(hw->vd, &vs);
	st->stores = vs.stores;
	st->loads = vs.loads;
	st->retries = vs.retries;
	st->refused = vs.refused;
	st->errors = vs.errors;
}

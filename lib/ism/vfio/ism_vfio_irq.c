/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The function's one MSI vector, delivered into an eventfd: GET_IRQ_INFO
 * on the MSI index, then SET_IRQS (DATA_EVENTFD | ACTION_TRIGGER, start 0,
 * count 1). Without an MSI (or when asked not to wire it) the device
 * still works by polling; irq_fd is then -1. A failure here is never
 * fatal to the open.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>

#include "ism_vfio_priv.h"

/* vfio_irq_set with room for one eventfd, aligned like the struct */
union irq_set_buf {
	struct vfio_irq_set s;
	uint8_t raw[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
};

static int
set_irqs(struct ism_vfio_irq *q, uint32_t flags, uint32_t count, int efd)
{
	union irq_set_buf b;

	memset(&b, 0, sizeof(b));
	b.s.argsz = sizeof(struct vfio_irq_set) + (count > 0 ? sizeof(int32_t) : 0);
	b.s.flags = flags;
	b.s.index = VFIO_PCI_MSI_IRQ_INDEX;
	b.s.start = 0;
	b.s.count = count;
	if (count > 0) {
		int32_t fd = efd;

		memcpy(b.raw + sizeof(struct vfio_irq_set), &fd, sizeof(fd));
	}
	return q->sys->ioctl(q->dev->fd, VFIO_DEVICE_SET_IRQS, &b) < 0 ? -errno : 0;
}

void
ism_vfio_irq_setup(struct ism_vfio_irq *q, struct ism_vfio_dev *d, bool no_irq)
{
	struct vfio_irq_info ii = {
		.argsz = sizeof(ii), .index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	int rc;

	q->sys = d->sys;
	q->dev = d;
	q->efd = -1;
	if (no_irq) {
		ISM_INFO("%s: MSI not wired (no_irq); poll the device", d->name);
		return;
	}
	if (d->num_irqs <= VFIO_PCI_MSI_IRQ_INDEX) {
		ISM_INFO("%s: the kernel reports no MSI index; interrupts off, poll the device",
			 d->name);
		return;
	}
	if (q->sys->ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii) < 0) {
		ISM_WARN("%s: VFIO_DEVICE_GET_IRQ_INFO for MSI failed: %s; interrupts off, poll the device",
			 d->name, strerror(errno));
		return;
	}
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		ISM_INFO("%s: the function has no MSI vector (count %u, flags 0x%x); interrupts off, poll the device",
			 d->name, ii.count, ii.flags);
		return;
	}
	q->efd = q->sys->eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		ISM_WARN("%s: no eventfd for the MSI: %s; interrupts off, poll the device",
			 d->name, strerror(errno));
		return;
	}
	rc = set_irqs(q, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		      1, q->efd);
	if (rc < 0) {
		ISM_WARN("%s: VFIO_DEVICE_SET_IRQS (MSI -> eventfd) failed: %s; interrupts off, poll the device",
			 d->name, strerror(-rc));
		q->sys->close(q->efd);
		q->efd = -1;
	}
}

void
ism_vfio_irq_ack(struct ism_vfio_irq *q)
{
	uint64_t v;

	/* one read resets an eventfd's counter; EAGAIN: nothing pending */
	if (q->efd >= 0 && q->sys->read(q->efd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		ISM_DEBUG("%s: reading the MSI eventfd: %s", q->dev->name,
			  strerror(errno));
}

void
ism_vfio_irq_teardown(struct ism_vfio_irq *q)
{
	int rc;

	if (q->efd < 0)
		return;
	/* a vanished function cannot take the ioctl; its fd closes anyway */
	if (ism_vfio_dev_gone(q->dev) == 0) {
		rc = set_irqs(q, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			      0, -1);
		if (rc < 0)
			ISM_DEBUG("%s: disabling the MSI: %s", q->dev->name,
				  strerror(-rc));
	}
	q->sys->close(q->efd);
	q->efd = -1;
}

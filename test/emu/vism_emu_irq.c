/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MSI: the model signals a function's interrupt on a FIFO; a thread per
 * device with MSI enabled waits on it and signals the eventfd the user
 * wired with VFIO_DEVICE_SET_IRQS, as the kernel's interrupt handler
 * would. The emulation holds its own reference (a dup) to that eventfd,
 * like the kernel does, so the user may close theirs first.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vism_emu_priv.h"

static unsigned int nthreads;

static void *
irq_main(void *arg)
{
	struct emu_dev *d = arg;
	struct pollfd p[2] = {
		{ .fd = d->mt->ops->irq_fd(d->mt), .events = POLLIN },
		{ .fd = d->irq_stop, .events = POLLIN },
	};
	uint64_t one = 1;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents & POLLIN) {
			d->mt->ops->irq_ack(d->mt);
			if (write(d->irq_efd, &one, sizeof(one)) == sizeof(one))
				__atomic_fetch_add(&d->st.irqs, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

int
emu_irq_enable(struct emu_dev *d, int efd)
{
	emu_irq_disable(d);
	if (d->mt->ops->irq_fd(d->mt) < 0)
		return -ENODEV;
	/* dup(), not F_DUPFD_CLOEXEC: qemu-user carries its eventfd byte
	 * order translation over dup() only */
	d->irq_efd = dup(efd);
	if (d->irq_efd < 0)
		return -EBADF;
	fcntl(d->irq_efd, F_SETFD, FD_CLOEXEC);
	d->irq_stop = eventfd(0, EFD_CLOEXEC);
	if (d->irq_stop < 0 ||
	    pthread_create(&d->irq_thread, NULL, irq_main, d) != 0) {
		if (d->irq_stop >= 0)
			emu_lower->close(d->irq_stop);
		emu_lower->close(d->irq_efd);
		d->irq_efd = d->irq_stop = -1;
		return -ENOMEM;
	}
	d->irq_running = true;
	__atomic_fetch_add(&nthreads, 1, __ATOMIC_RELAXED);
	return 0;
}

void
emu_irq_disable(struct emu_dev *d)
{
	uint64_t one = 1;

	if (!d->irq_running)
		return;
	if (write(d->irq_stop, &one, sizeof(one)) != sizeof(one))
		emu_log("%s: cannot stop the MSI thread", d->addr);
	pthread_join(d->irq_thread, NULL);
	emu_lower->close(d->irq_stop);
	emu_lower->close(d->irq_efd);
	d->irq_efd = d->irq_stop = -1;
	d->irq_running = false;
	__atomic_fetch_sub(&nthreads, 1, __ATOMIC_RELAXED);
}

unsigned int
emu_irq_threads(void)
{
	return __atomic_load_n(&nthreads, __ATOMIC_RELAXED);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Region access of a bus device: lib/ism's checked store/load path
 * (ism_vfio_dev_store/load: one pwrite per PCISTB, the ISM rules checked
 * before the syscall, EINTR retried, errors logged with region and
 * offset), plus what only EAL can do with the result: when the function
 * is gone (ENODEV) the device is marked removed and one
 * RTE_DEV_EVENT_REMOVE is raised, from EAL's interrupt thread.
 */
#include <errno.h>

#include <rte_alarm.h>
#include <rte_dev.h>

#include "vfio_ism_private.h"

/* Runs in EAL's interrupt thread, not in the datapath that saw the error. */
static void
gone_event(void *arg)
{
	struct vfio_ism_hw *hw = arg;

	if (hw->dev != NULL)
		rte_dev_event_callback_process(hw->name, RTE_DEV_EVENT_REMOVE);
	vfio_ism_hw_put(hw);
}

void
vfio_ism_io_cancel_events(struct vfio_ism_hw *hw)
{
	int n = rte_eal_alarm_cancel(gone_event, hw);

	while (n-- > 0)
		vfio_ism_hw_put(hw);
}

/* The first ENODEV of a device raises the removal, once. */
static int
check_gone(struct vfio_ism_hw *hw, int rc)
{
	int expected = 0;

	if (rc != -ENODEV ||
	    !__atomic_compare_exchange_n(&hw->gone, &expected, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return rc;
	if (hw->dev != NULL)
		hw->dev->removed = true;
	VISM_LOG(ERR, "%s: the function is gone; raising RTE_DEV_EVENT_REMOVE: remove the device (rte_dev_remove) and probe it again when it is back",
		 hw->name);
	vfio_ism_hw_get(hw);
	if (rte_eal_alarm_set(1, gone_event, hw) != 0)
		vfio_ism_hw_put(hw);
	return rc;
}

int
vfio_ism_io_write(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		  const void *buf, size_t len)
{
	/* after remove the fd number may belong to someone else */
	if (__atomic_load_n(&hw->fd, __ATOMIC_ACQUIRE) < 0)
		return -ENODEV;
	return check_gone(hw, ism_vfio_dev_store(hw->vd, bar, off, buf, len));
}

int
vfio_ism_io_read(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		 void *buf, size_t len)
{
	if (__atomic_load_n(&hw->fd, __ATOMIC_ACQUIRE) < 0)
		return -ENODEV;
	return check_gone(hw, ism_vfio_dev_load(hw->vd, bar, off, buf, len));
}

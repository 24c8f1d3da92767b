/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Region access: a store is exactly one pwrite (the kernel turns it into one
 * PCI Store Block), a load one pread. The ISM rules are checked before the
 * syscall so a bad request gets a clear message instead of a bare EINVAL:
 * at most maxstbl bytes, never across a 4 KiB boundary, inside the BAR.
 * EINTR/EAGAIN are retried; ENODEV means the function is gone: the device
 * is marked removed, an RTE_DEV_EVENT_REMOVE is raised and every later
 * access fails fast with -ENODEV; other errors are reported with the region
 * and offset and returned.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_dev.h>

#include "ism_proto.h"
#include "vfio_ism_private.h"

#define VISM_RETRY_MAX	1000	/* EINTR/EAGAIN in a row before giving up */
#define VISM_LOG_MAX	16	/* error messages per device, then counted */

#define STAT_INC(hw, field) __atomic_fetch_add(&(hw)->field, 1, __ATOMIC_RELAXED)

/* Rate limit: datapath errors must not flood the log. */
static bool
may_log(struct vfio_ism_hw *hw)
{
	uint32_t n = __atomic_fetch_add(&hw->logged, 1, __ATOMIC_RELAXED);

	if (n == VISM_LOG_MAX)
		VISM_LOG(WARNING, "%s: %u errors logged; further ones are only counted (rte_vfio_ism_stats_get)",
			 hw->name, VISM_LOG_MAX);
	return n < VISM_LOG_MAX;
}

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

static int
io_error(struct vfio_ism_hw *hw, const char *op, unsigned int bar,
	 uint64_t off, size_t len, int err)
{
	int expected = 0;

	STAT_INC(hw, errors);
	if (err == ENODEV) {
		if (!__atomic_compare_exchange_n(&hw->gone, &expected, err, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			return -ENODEV;
		if (hw->dev != NULL)
			hw->dev->removed = true;
		VISM_LOG(ERR, "%s: the function is gone: %s of %zu bytes at BAR %u offset 0x%" PRIx64 " (fd offset 0x%" PRIx64 ") failed: %s; every further access fails with ENODEV: remove the device (rte_dev_remove) and probe it again when it is back",
			 hw->name, op, len, bar, off,
			 hw->region[bar].offset + off, strerror(err));
		vfio_ism_hw_get(hw);
		if (rte_eal_alarm_set(1, gone_event, hw) != 0)
			vfio_ism_hw_put(hw);
		return -ENODEV;
	}
	if (may_log(hw))
		VISM_LOG(ERR, "%s: %s of %zu bytes at BAR %u offset 0x%" PRIx64 " (fd offset 0x%" PRIx64 ") failed: %s",
			 hw->name, op, len, bar, off,
			 hw->region[bar].offset + off, strerror(err));
	return -err;
}

static int
refuse(struct vfio_ism_hw *hw, const char *op, unsigned int bar,
       uint64_t off, size_t len, const char *why)
{
	STAT_INC(hw, refused);
	if (may_log(hw))
		VISM_LOG(ERR, "%s: refusing a %s of %zu bytes at BAR %u offset 0x%" PRIx64 ": %s",
			 hw->name, op, len, bar, off, why);
	return -EINVAL;
}

/* Checks shared by loads and stores; 0 or a negative errno. */
static int
check_access(struct vfio_ism_hw *hw, const char *op, unsigned int bar,
	     uint64_t off, size_t len, size_t max, uint32_t flag)
{
	const struct vfio_ism_region *r;
	char why[160];

	if (__atomic_load_n(&hw->gone, __ATOMIC_RELAXED) != 0 || hw->fd < 0)
		return -ENODEV;
	if (bar >= VFIO_ISM_NR_REGIONS || !hw->region[bar].present ||
	    hw->region[bar].size == 0 || !(hw->region[bar].flags & flag))
		return refuse(hw, op, bar, off, len,
			      flag == VFIO_REGION_INFO_FLAG_WRITE ?
			      "that region is absent or not writable" :
			      "that region is absent or not readable");
	r = &hw->region[bar];
	if (len == 0 || len > max) {
		snprintf(why, sizeof(why), "a %s is 1..%zu bytes%s", op, max,
			 flag == VFIO_REGION_INFO_FLAG_WRITE ?
			 " (maxstbl); split it at 4 KiB boundaries as ism_move() does" : "");
		return refuse(hw, op, bar, off, len, why);
	}
	if (off % ISM_STORE_BOUNDARY + len > ISM_STORE_BOUNDARY)
		return refuse(hw, op, bar, off, len,
			      "it crosses a 4 KiB boundary, which one PCI access must not; split it there");
	if (off >= r->size || len > r->size - off) {
		snprintf(why, sizeof(why), "it ends beyond the %" PRIu64 "-byte BAR",
			 r->size);
		return refuse(hw, op, bar, off, len, why);
	}
	return 0;
}

/* One access, exactly one pread/pwrite of all @len bytes: a store that
 * came back short is never completed by a second one (a second PCISTB). */
static int
io_once(struct vfio_ism_hw *hw, bool store, unsigned int bar, uint64_t off,
	void *buf, size_t len)
{
	const char *what = store ? "store" : "load";
	int rc = check_access(hw, what, bar, off, len,
			      store ? hw->max_store : ISM_MAX_LOAD,
			      store ? VFIO_REGION_INFO_FLAG_WRITE :
				      VFIO_REGION_INFO_FLAG_READ);
	off_t pos;

	if (rc < 0)
		return rc;
	pos = (off_t)(hw->region[bar].offset + off);
	for (int tries = 0;; tries++) {
		ssize_t n = store ? pwrite(hw->fd, buf, len, pos) :
				    pread(hw->fd, buf, len, pos);

		if (n == (ssize_t)len) {
			if (store)
				STAT_INC(hw, stores);
			else
				STAT_INC(hw, loads);
			return 0;
		}
		if (n >= 0) {
			if (may_log(hw))
				VISM_LOG(ERR, "%s: %s of %zu bytes at BAR %u offset 0x%" PRIx64 " was cut to %zd bytes by the kernel",
					 hw->name, what, len, bar, off, n);
			STAT_INC(hw, errors);
			return -EIO;
		}
		if ((errno == EINTR || errno == EAGAIN) && tries < VISM_RETRY_MAX) {
			STAT_INC(hw, retries);
			if (errno == EAGAIN)
				sched_yield();
			continue;
		}
		return io_error(hw, what, bar, off, len, errno);
	}
}

int
vfio_ism_io_write(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		  const void *buf, size_t len)
{
	return io_once(hw, true, bar, off, (void *)(uintptr_t)buf, len);
}

int
vfio_ism_io_read(struct vfio_ism_hw *hw, unsigned int bar, uint64_t off,
		 void *buf, size_t len)
{
	return io_once(hw, false, bar, off, buf, len);
}

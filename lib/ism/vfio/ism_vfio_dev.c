/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An ism_vfio_pci device fd: the region table and checked access.
 *
 * Region offsets and sizes come only from VFIO_DEVICE_GET_REGION_INFO
 * (ism_vfio_pci has index << 48, generic vfio-pci index << 40, later
 * kernels may lay them out dynamically); nothing is ever mmapped.
 *
 * A store is exactly one pwrite, which the kernel turns into one PCI Store
 * Block; a load is one pread of at most 8 bytes. The ISM rules are checked
 * before the syscall so that a bad request gets a clear message instead
 * of a bare EINVAL: 1..max_store bytes, never across a 4 KiB boundary of
 * the BAR offset, inside the BAR. EINTR/EAGAIN are retried (bounded). A
 * short write is an error, never completed by a second PCISTB. ENODEV
 * means the function is gone: logged once, and every later access fails
 * fast with -ENODEV (nothing is ever fatal to the process). Other errors
 * are logged, rate limited, with region, BAR offset and fd offset.
 *
 * The store path takes no lock: the counters and the gone state are
 * atomics, everything else is read-only after attach.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ism_vfio_priv.h"

#define RETRY_MAX	1000	/* EINTR/EAGAIN in a row before giving up */
#define LOG_BURST	16	/* error messages in full, then fewer */
#define CONFIG_ACCESS	4	/* config space: at most 4 bytes per access */

#define STAT_INC(d, f)	__atomic_fetch_add(&(d)->f, 1, __ATOMIC_RELAXED)
#define STAT_GET(d, f)	__atomic_load_n(&(d)->f, __ATOMIC_RELAXED)

/* The first LOG_BURST errors are logged, then only the 32nd, 64th, ...:
 * a failing datapath must not flood the log, but must not fall silent. */
static bool
may_log(struct ism_vfio_dev *d)
{
	uint32_t n = __atomic_fetch_add(&d->logged, 1, __ATOMIC_RELAXED) + 1;

	if (n <= LOG_BURST)
		return true;
	if ((n & (n - 1)) != 0)
		return false;
	ISM_WARN("%s: %u access errors so far; logging only every power of two now (ism_vfio_stats_get counts them all)",
		 d->name, n);
	return true;
}

void
ism_vfio_dev_mark_gone(struct ism_vfio_dev *d, const char *what)
{
	int expected = 0;

	STAT_INC(d, errors);
	if (!__atomic_compare_exchange_n(&d->gone, &expected, ENODEV, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	ISM_ERR("%s: the function is gone (%s: %s); every further access fails with ENODEV: close it and open it again when it is back",
		d->name, what, strerror(ENODEV));
}

static int
query_regions(struct ism_vfio_dev *d)
{
	for (unsigned int i = 0; i < ISM_VFIO_NR_REGIONS; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
		struct ism_vfio_region *r = &d->info.region[i];

		if (d->sys->ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
			int err = errno;

			if (err == EINVAL)
				continue;	/* the kernel has no such region */
			if (err == ENODEV)
				ism_vfio_dev_mark_gone(d, "VFIO_DEVICE_GET_REGION_INFO");
			else
				ISM_ERR("%s: VFIO_DEVICE_GET_REGION_INFO for region %u failed: %s",
					d->name, i, strerror(err));
			return -err;
		}
		/* pread/pwrite take an off_t: the whole region must fit */
		if (ri.offset > (uint64_t)INT64_MAX ||
		    ri.size > (uint64_t)INT64_MAX - ri.offset) {
			ISM_ERR("%s: region %u (offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes) lies beyond what pread/pwrite can address; the kernel's answer makes no sense",
				d->name, i, (uint64_t)ri.offset, (uint64_t)ri.size);
			return -EINVAL;
		}
		r->present = true;
		r->offset = ri.offset;
		r->size = ri.size;
		r->flags = ri.flags;
		ISM_DEBUG("%s: region %u: offset 0x%" PRIx64 " size 0x%" PRIx64 " flags 0x%x",
			  d->name, i, r->offset, r->size, r->flags);
	}
	return 0;
}

static int
check_bar(struct ism_vfio_dev *d, unsigned int bar, uint64_t min_size,
	  uint32_t need, const char *what)
{
	const struct ism_vfio_region *r = &d->info.region[bar];

	if (!r->present || r->size < min_size || (r->flags & need) != need) {
		ISM_ERR("%s: BAR %u (%s) is %s0x%" PRIx64 " bytes with flags 0x%x, an ISM function's is at least 0x%" PRIx64 " bytes with flags 0x%x: this is not an ISM function driven by " ISM_VFIO_KDRV,
			d->name, bar, what, r->present ? "" : "absent, ",
			r->size, r->flags, min_size, need);
		return -ENODEV;
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP)
		ISM_DEBUG("%s: BAR %u claims to be mappable; not mapped: every ISM store must be one PCISTB (pwrite)",
			  d->name, bar);
	return 0;
}

/* A layout in which BAR 0's 2^48 bytes overlap another region's window
 * (index << 40 does) cannot reach all of BAR 0: a store to an offset in
 * the overlap may land in that region. ism_vfio_pci never does this;
 * say so if a kernel does. */
static void
check_overlap(struct ism_vfio_dev *d)
{
	const struct ism_vfio_region *b0 = &d->info.region[ISM_BAR_DMB];

	for (unsigned int i = 1; i < ISM_VFIO_NR_REGIONS; i++) {
		const struct ism_vfio_region *r = &d->info.region[i];

		if (!r->present || r->size == 0 ||
		    r->offset >= b0->offset + b0->size ||
		    b0->offset >= r->offset + r->size)
			continue;
		ISM_WARN("%s: BAR 0 (0x%" PRIx64 " bytes at 0x%" PRIx64 ") overlaps region %u at 0x%" PRIx64 " in the device fd; stores to DMB tokens in the overlap may not reach BAR 0",
			 d->name, b0->size, b0->offset, i, r->offset);
		return;
	}
}

int
ism_vfio_dev_attach(int fd, const char *name, const struct ism_vfio_sys *sys,
		    struct ism_vfio_dev **devp)
{
	struct ism_vfio_dev *d;
	int rc;

	*devp = NULL;
	if (fd < 0 || name == NULL)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->fd = fd;
	d->sys = sys != NULL ? sys : &ism_vfio_sys_libc;
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (strlen(name) < sizeof(d->info.pci_addr))
		memcpy(d->info.pci_addr, name, strlen(name) + 1);
	d->info.iommu_group = -1;

	rc = ism_vfio_caps_query(d);
	if (rc == 0)
		rc = query_regions(d);
	if (rc == 0)
		rc = check_bar(d, ISM_BAR_DMB, UINT64_C(1) << ISM_BAR_DMB_BITS,
			       VFIO_REGION_INFO_FLAG_WRITE, "DMB window");
	if (rc == 0)
		rc = check_bar(d, ISM_BAR_CMD, ISM_VFIO_MIN_CMD_AREA,
			       VFIO_REGION_INFO_FLAG_READ |
			       VFIO_REGION_INFO_FLAG_WRITE, "command area");
	if (rc < 0) {
		free(d);
		return rc;
	}
	check_overlap(d);
	ISM_INFO("%s: BAR 0 at 0x%" PRIx64 ", BAR 2 at 0x%" PRIx64 " (0x%" PRIx64 " bytes), store limit %u%s",
		 d->name, d->info.region[ISM_BAR_DMB].offset,
		 d->info.region[ISM_BAR_CMD].offset,
		 d->info.region[ISM_BAR_CMD].size, d->info.max_store,
		 d->info.store_src == ISM_VFIO_STORE_IMAXSTBL ? " (imaxstbl)" :
		 " (default)");
	*devp = d;
	return 0;
}

void
ism_vfio_dev_detach(struct ism_vfio_dev *d)
{
	free(d);
}

static int
refuse(struct ism_vfio_dev *d, const char *op, unsigned int bar,
       uint64_t off, size_t len, const char *why)
{
	STAT_INC(d, refused);
	if (may_log(d))
		ISM_ERR("%s: refusing a %s of %zu bytes at BAR %u offset 0x%" PRIx64 ": %s",
			d->name, op, len, bar, off, why);
	return -EINVAL;
}

/* The rules of one access, before any syscall; 0 or a negative errno. */
static int
check_access(struct ism_vfio_dev *d, const char *op, unsigned int bar,
	     uint64_t off, size_t len, size_t max, uint32_t flag)
{
	const struct ism_vfio_region *r;
	char why[160];

	if (__atomic_load_n(&d->gone, __ATOMIC_ACQUIRE) != 0)
		return -ENODEV;
	if (bar > VFIO_PCI_BAR5_REGION_INDEX || !d->info.region[bar].present ||
	    d->info.region[bar].size == 0 ||
	    !(d->info.region[bar].flags & flag))
		return refuse(d, op, bar, off, len,
			      flag == VFIO_REGION_INFO_FLAG_WRITE ?
			      "that BAR is absent or not writable" :
			      "that BAR is absent or not readable");
	r = &d->info.region[bar];
	if (len == 0 || len > max) {
		snprintf(why, sizeof(why), "an access is 1..%zu bytes%s", max,
			 flag == VFIO_REGION_INFO_FLAG_WRITE ?
			 " (the store limit); split it at 4 KiB boundaries as ism_move() does" :
			 "");
		return refuse(d, op, bar, off, len, why);
	}
	if (off % ISM_STORE_BOUNDARY + len > ISM_STORE_BOUNDARY)
		return refuse(d, op, bar, off, len,
			      "it crosses a 4 KiB boundary, which one PCI access must not; split it there");
	if (off >= r->size || len > r->size - off) {
		snprintf(why, sizeof(why), "it ends beyond the 0x%" PRIx64 "-byte BAR",
			 r->size);
		return refuse(d, op, bar, off, len, why);
	}
	return 0;
}

static int
io_failed(struct ism_vfio_dev *d, const char *op, unsigned int bar,
	  uint64_t off, size_t len, off_t pos, int err)
{
	if (err == ENODEV) {
		ism_vfio_dev_mark_gone(d, op);
		return -ENODEV;
	}
	STAT_INC(d, errors);
	if (may_log(d))
		ISM_ERR("%s: %s of %zu bytes at region %u offset 0x%" PRIx64 " (fd offset 0x%llx) failed: %s",
			d->name, op, len, bar, off, (unsigned long long)pos,
			strerror(err));
	return -err;
}

/* Exactly one pread/pwrite of all @len bytes at @pos (retried only when
 * the kernel did nothing: EINTR, EAGAIN). */
static int
io_once(struct ism_vfio_dev *d, bool store, const char *op, unsigned int bar,
	uint64_t off, off_t pos, void *buf, size_t len)
{
	for (int tries = 0;; tries++) {
		ssize_t n = store ? d->sys->pwrite(d->fd, buf, len, pos) :
				    d->sys->pread(d->fd, buf, len, pos);
		int err = errno;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0) {
			/* never completed by a second call: that would be a
			 * second PCISTB the caller did not ask for */
			STAT_INC(d, errors);
			if (may_log(d))
				ISM_ERR("%s: %s of %zu bytes at region %u offset 0x%" PRIx64 " (fd offset 0x%llx) was cut to %zd bytes by the kernel",
					d->name, op, len, bar, off,
					(unsigned long long)pos, n);
			return -EIO;
		}
		/* retried at once: every syscall goes through the table,
		 * which has no way to yield, and the count is bounded */
		if ((err == EINTR || err == EAGAIN) && tries < RETRY_MAX) {
			STAT_INC(d, retries);
			continue;
		}
		return io_failed(d, op, bar, off, len, pos, err);
	}
}

int
ism_vfio_dev_store(struct ism_vfio_dev *d, unsigned int bar, uint64_t off,
		   const void *buf, size_t len)
{
	int rc = check_access(d, "store", bar, off, len, d->info.max_store,
			      VFIO_REGION_INFO_FLAG_WRITE);
	off_t pos;

	if (rc < 0)
		return rc;
	pos = (off_t)(d->info.region[bar].offset + off);
	rc = io_once(d, true, "store", bar, off, pos, (void *)(uintptr_t)buf,
		     len);
	if (rc == 0)
		STAT_INC(d, stores);
	return rc;
}

int
ism_vfio_dev_load(struct ism_vfio_dev *d, unsigned int bar, uint64_t off,
		  void *buf, size_t len)
{
	int rc = check_access(d, "load", bar, off, len, ISM_MAX_LOAD,
			      VFIO_REGION_INFO_FLAG_READ);
	off_t pos;

	if (rc < 0)
		return rc;
	pos = (off_t)(d->info.region[bar].offset + off);
	rc = io_once(d, false, "load", bar, off, pos, buf, len);
	if (rc == 0)
		STAT_INC(d, loads);
	return rc;
}

/*
 * Config space through the generic vfio-pci path: naturally aligned
 * accesses of at most 4 bytes, as the kernel's virtualised config space
 * handles them. Past the end the kernel answers EFAULT (not EINVAL, and
 * no clipping): checked here first, and said so if the kernel says it.
 */
int
ism_vfio_dev_config_read(struct ism_vfio_dev *d, uint32_t off, void *buf,
			 size_t len)
{
	const struct ism_vfio_region *r = &d->info.region[ISM_VFIO_CONFIG_REGION];
	uint8_t *p = buf;

	if (__atomic_load_n(&d->gone, __ATOMIC_ACQUIRE) != 0)
		return -ENODEV;
	if (!r->present || !(r->flags & VFIO_REGION_INFO_FLAG_READ)) {
		STAT_INC(d, refused);
		ISM_ERR("%s: the kernel reports no readable config region", d->name);
		return -EINVAL;
	}
	if (off >= r->size || len > r->size - off) {
		STAT_INC(d, refused);
		ISM_ERR("%s: config read of %zu bytes at 0x%x is past the end of the 0x%" PRIx64 "-byte config space",
			d->name, len, off, r->size);
		return -EFAULT;
	}
	while (len > 0) {
		size_t n = CONFIG_ACCESS;
		off_t pos;
		int rc;

		while (n > 1 && (off % n != 0 || n > len))
			n >>= 1;
		pos = (off_t)(r->offset + off);
		rc = io_once(d, false, "config read", ISM_VFIO_CONFIG_REGION,
			     off, pos, p, n);
		if (rc == -EFAULT)
			ISM_ERR("%s: the kernel says config offset 0x%x (%zu bytes) is past the end of config space (EFAULT)",
				d->name, off, n);
		if (rc < 0)
			return rc;
		STAT_INC(d, loads);
		p += n;
		off += (uint32_t)n;
		len -= n;
	}
	return 0;
}

const struct ism_vfio_info *
ism_vfio_dev_info(const struct ism_vfio_dev *d)
{
	return &d->info;
}

void
ism_vfio_dev_stats(const struct ism_vfio_dev *d, struct ism_vfio_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->stores = STAT_GET(d, stores);
	st->loads = STAT_GET(d, loads);
	st->retries = STAT_GET(d, retries);
	st->refused = STAT_GET(d, refused);
	st->errors = STAT_GET(d, errors);
}

int
ism_vfio_dev_gone(const struct ism_vfio_dev *d)
{
	return __atomic_load_n(&d->gone, __ATOMIC_ACQUIRE);
}

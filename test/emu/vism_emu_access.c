/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pread/pwrite on an emulated ism_vfio_pci device fd, in the order the
 * kernel driver checks (ISM-SPEC.md section 5):
 *  - a zero-length access returns 0, before anything else;
 *  - the offset is looked up in the region table (never computed from an
 *    index): in a region, else in a region's window (with index << N
 *    layouts its 1 << N slot, as the kernel decodes it; with dynamic
 *    ones the region itself); nowhere, in an absent BAR, or at or past a
 *    BAR's end, EINVAL;
 *  - BARs: the length is clipped at the BAR's end; a pwrite longer than
 *    the function's store limit (imaxstbl) or crossing a 4 KiB boundary of
 *    the offset is EINVAL, else it is copied into a page-aligned bounce
 *    buffer and becomes exactly one store (BAR 0: the model's store,
 *    BAR 2: the command channel, vism_emu_cmd.c); a pread is split into
 *    naturally aligned 8/4/2/1-byte loads, and a load that fails fails the
 *    whole call even after progress (EIO, or what a test injected);
 *  - config space (the generic vfio-pci path): an access that does not
 *    lie wholly inside the config size is EFAULT, never clipped; the rest
 *    is done in naturally aligned pieces of at most 4 bytes. The space is
 *    virtualised: vendor 0x1014 and device 0x04ed at 0 and 2 in PCI's
 *    little-endian order, the command register writable, the rest read-only.
 * With a shift below 48 the 2^48-byte BAR 0 overlaps the other regions;
 * an offset inside another region belongs to that region.
 */
#include <errno.h>
#include <string.h>

#include "vism_emu_priv.h"

#define CFG_VENDOR	0x00
#define CFG_DEVICE	0x02
#define CFG_COMMAND	0x04
#define CFG_HEADER_TYPE	0x0e

void
emu_config_init(struct emu_dev *d)
{
	memset(d->config, 0, sizeof(d->config));
	d->config[CFG_VENDOR] = ISM_PCI_VENDOR_ID & 0xff;
	d->config[CFG_VENDOR + 1] = ISM_PCI_VENDOR_ID >> 8;
	d->config[CFG_DEVICE] = ISM_PCI_DEVICE_ID & 0xff;
	d->config[CFG_DEVICE + 1] = ISM_PCI_DEVICE_ID >> 8;
	d->config[CFG_HEADER_TYPE] = 0;		/* a type 0 function */
}

static ssize_t
refuse(struct emu_dev *d, int err)
{
	if (err == EINVAL)
		__atomic_fetch_add(&d->st.einval, 1, __ATOMIC_RELAXED);
	else if (err == EFAULT)
		__atomic_fetch_add(&d->st.efault, 1, __ATOMIC_RELAXED);
	errno = err;
	return -1;
}

/* The region holding device fd offset @off, else the one whose window
 * holds it; -1 if none does. */
static int
lookup(const struct emu_dev *d, uint64_t off, uint64_t *roff)
{
	for (int pass = 0; pass < 2; pass++) {
		/* the other regions before BAR 0, which may span them */
		for (unsigned int i = EMU_NR_REGIONS; i-- > 0;) {
			const struct emu_region *r = &d->reg[i];
			uint64_t span = pass == 0 ? r->size : r->window;

			if (r->exists && off >= r->offset && off - r->offset < span) {
				*roff = off - r->offset;
				return (int)i;
			}
		}
	}
	return -1;
}

/* Config space in pieces of at most 4 bytes, naturally aligned. */
static ssize_t
config_rw(struct emu_dev *d, uint8_t *buf, size_t n, uint64_t pos,
	  bool write)
{
	size_t done = 0;

	while (done < n) {
		uint64_t at = pos + done;
		size_t left = n - done, sz;

		if (at >= d->cfg.config_size || left > d->cfg.config_size - at)
			return refuse(d, EFAULT);
		sz = left >= 4 && at % 4 == 0 ? 4 :
			left >= 2 && at % 2 == 0 ? 2 : 1;
		if (!write)
			memcpy(buf + done, d->config + at, sz);
		else
			for (size_t i = 0; i < sz; i++)
				if (at + i == CFG_COMMAND || at + i == CFG_COMMAND + 1)
					d->config[at + i] = buf[done + i];
		__atomic_fetch_add(&d->st.cfg_pieces[sz == 4 ? 2 : sz - 1], 1,
				   __ATOMIC_RELAXED);
		done += sz;
	}
	return (ssize_t)done;
}

/*
 * What every access does first: an injected fault, a vanished function, no
 * access before a cdev bind, a zero length, the region lookup. 1: go on
 * at region @*idx, region offset @*roff; else the call's result.
 */
static ssize_t
access_begin(struct emu_dev *d, size_t n, uint64_t off, int *idx,
	     uint64_t *roff)
{
	int err = emu_dev_fault(d);

	if (err != 0) {
		errno = err;
		return -1;
	}
	if (d->cdev >= 0 && !d->bound)
		return refuse(d, EINVAL);
	if (n == 0)
		return 0;
	*idx = lookup(d, off, roff);
	if (*idx < 0)
		return refuse(d, EINVAL);
	/* an absent BAR, or at or past a BAR's end; config space has EFAULT
	 * for that, in config_rw() */
	if (*idx != VFIO_PCI_CONFIG_REGION_INDEX && *roff >= d->reg[*idx].size)
		return refuse(d, EINVAL);
	return 1;
}

/* One load; a test may have armed a failure (vism_emu_fail_load()). */
static int
bar_load(struct emu_dev *d, int idx, uint64_t pos, void *buf, size_t sz)
{
	int rc = 0;

	pthread_mutex_lock(&emu_lock);
	if (d->load_armed) {
		if (d->load_after == 0) {
			d->load_armed = false;
			rc = -d->load_err;
		} else {
			d->load_after--;
		}
	}
	pthread_mutex_unlock(&emu_lock);
	if (rc < 0)
		return rc;
	if (idx == ISM_BAR_CMD) {
		pthread_mutex_lock(&d->lock);
		rc = emu_cmd_load(d, pos, buf, sz);
		pthread_mutex_unlock(&d->lock);
	} else {
		rc = d->mt->ops->read(d->mt, (unsigned int)idx, pos, buf, sz);
	}
	/* a failed PCI load is EIO, whatever the model's reason */
	return rc < 0 ? -EIO : 0;
}

ssize_t
emu_dev_pread(struct emu_dev *d, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	uint64_t roff;
	ssize_t rc;
	size_t done;
	int idx;

	__atomic_fetch_add(&d->st.preads, 1, __ATOMIC_RELAXED);
	rc = access_begin(d, n, off, &idx, &roff);
	if (rc <= 0)
		return rc;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
		return config_rw(d, p, n, roff, false);
	if (n > d->reg[idx].size - roff)
		n = (size_t)(d->reg[idx].size - roff);	/* clipped at the end */
	for (done = 0; done < n;) {
		uint64_t pos = roff + done;
		size_t sz = 8;
		int lrc;

		while (sz > 1 && (pos % sz != 0 || sz > n - done))
			sz >>= 1;
		lrc = bar_load(d, idx, pos, p + done, sz);
		if (lrc < 0) {
			/* the kernel returns the error, not the bytes so far */
			errno = -lrc;
			return -1;
		}
		__atomic_fetch_add(&d->st.loads[sz == 8 ? 3 : sz / 2], 1,
				   __ATOMIC_RELAXED);
		done += sz;
	}
	return (ssize_t)done;
}

static void
note_store(struct emu_dev *d, size_t n)
{
	uint64_t max = __atomic_load_n(&d->st.pwrite_max, __ATOMIC_RELAXED);

	__atomic_fetch_add(&d->st.stores, 1, __ATOMIC_RELAXED);
	while (n > max && !__atomic_compare_exchange_n(&d->st.pwrite_max, &max,
			n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

ssize_t
emu_dev_pwrite(struct emu_dev *d, const void *buf, size_t n, uint64_t off)
{
	static _Thread_local uint8_t bounce[ISM_STORE_BOUNDARY]
		__attribute__((aligned(4096)));
	uint64_t roff;
	ssize_t rc;
	int idx, src;

	__atomic_fetch_add(&d->st.pwrites, 1, __ATOMIC_RELAXED);
	rc = access_begin(d, n, off, &idx, &roff);
	if (rc <= 0)
		return rc;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
		return config_rw(d, (uint8_t *)(uintptr_t)buf, n, roff, true);
	if (n > d->reg[idx].size - roff)
		n = (size_t)(d->reg[idx].size - roff);	/* clipped at the end */
	if (n > d->cfg.imaxstbl ||
	    roff % ISM_STORE_BOUNDARY + n > ISM_STORE_BOUNDARY)
		return refuse(d, EINVAL);
	/* a store never exceeds 4 KiB (the boundary rule), so this holds it */
	memcpy(bounce, buf, n);
	if (idx == ISM_BAR_DMB) {
		src = d->mt->ops->write(d->mt, ISM_BAR_DMB, roff, bounce, n);
	} else if (idx == ISM_BAR_CMD) {
		pthread_mutex_lock(&d->lock);
		src = emu_cmd_store(d, roff, bounce, n);
		pthread_mutex_unlock(&d->lock);
	} else {
		return refuse(d, EINVAL);
	}
	if (src < 0) {
		/* the model's reason (EACCES, ENXIO, ...): a real kernel says
		 * EIO, tests tell the rules apart this way */
		errno = -src;
		return -1;
	}
	note_store(d, n);
	return (ssize_t)n;
}

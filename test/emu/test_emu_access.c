/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pread/pwrite on the device fd as ism_vfio_pci answers them: the store
 * limit of the function (imaxstbl), the 4 KiB rule, clipping at a BAR's
 * end, EINVAL for absent BARs and offsets at or past the end, zero-length
 * accesses, one pwrite = one store, preads split into naturally aligned
 * loads, a failing load failing the whole pread, config space in pieces of
 * at most 4 bytes with EFAULT past its end, and the MSI's SET_IRQS rules.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"
#include "emu_test.h"
#include "ism_proto.h"

#define A_ADDR	"0000:00:01.0"	/* imaxstbl=1024 */
#define B_ADDR	"0000:00:02.0"	/* imaxstbl=8192, config_size=4096 */
#define C_ADDR	"0000:00:03.0"	/* bar2_size=16 */

static uint8_t buf[8192];

static struct vism_emu_stats
stats(const char *addr)
{
	struct vism_emu_stats st;

	memset(&st, 0, sizeof(st));
	vism_emu_stats(addr, &st);
	return st;
}

static void
store_limit(struct et_fn *a, struct et_fn *b, struct et_fn *c)
{
	struct vism_emu_stats s0, s1;

	s0 = stats(A_ADDR);
	CHECK_EQ(et_pwrite(a, ISM_BAR_CMD, buf, 1024, 8), 1024,
		 "a store of imaxstbl (1024) bytes");
	CHECK(et_pwrite(a, ISM_BAR_CMD, buf, 1025, 8) < 0 && errno == EINVAL,
	      "imaxstbl + 1 bytes is EINVAL");
	CHECK(et_pwrite(a, ISM_BAR_DMB, buf, 1025, 0) < 0 && errno == EINVAL,
	      "on BAR 0 as well");
	s1 = stats(A_ADDR);
	CHECK_EQ(s1.stores - s0.stores, 1, "one pwrite made one store");
	CHECK_EQ(s1.einval - s0.einval, 2, "two were refused");
	CHECK_EQ(s1.pwrite_max, 1024, "the largest store was 1024 bytes");
	CHECK_EQ(s1.pwrites - s0.pwrites, 3, "three pwrite calls");

	CHECK(et_pwrite(b, ISM_BAR_DMB, buf, 4097, 0) < 0 && errno == EINVAL,
	      "with imaxstbl 8192 a 4097-byte store still crosses 4 KiB: EINVAL");
	CHECK(et_pwrite(a, ISM_BAR_DMB, buf, 16, 4090) < 0 && errno == EINVAL,
	      "16 bytes at 4090 cross 4 KiB: EINVAL");
	CHECK(et_pwrite(a, ISM_BAR_DMB, buf, 1000, 3500) < 0 && errno == EINVAL,
	      "1000 bytes at 3500, within the limit, cross 4 KiB: EINVAL");
	s0 = stats(C_ADDR);
	CHECK_EQ(et_pwrite(c, ISM_BAR_CMD, buf, 16, 8), 8,
		 "16 bytes at 8 of a 16-byte BAR 2 are clipped to the 8 left");
	s1 = stats(C_ADDR);
	CHECK(s1.stores - s0.stores == 1 && s1.pwrite_max == 8,
	      "... as one store of 8 bytes");
	CHECK_EQ(et_pread(a, ISM_BAR_CMD, buf, 16, 4088), 8,
		 "a pread there is clipped too");
	CHECK(et_pwrite(a, ISM_BAR_CMD, buf, 8, 4096) < 0 && errno == EINVAL,
	      "at the end of BAR 2: EINVAL");
	CHECK(et_pread(a, ISM_BAR_CMD, buf, 8, 4096 + 64) < 0 && errno == EINVAL,
	      "past it: EINVAL");
	CHECK(et_sys->pwrite(a->dev, buf, 8, (off_t)a->reg[1].offset) < 0 &&
	      errno == EINVAL, "at the offset of the absent BAR 1: EINVAL");
	CHECK(et_sys->pread(a->dev, buf, 8, (off_t)a->reg[3].offset) < 0 &&
	      errno == EINVAL, "at the offset of the absent BAR 3: EINVAL");
	s0 = stats(A_ADDR);
	CHECK_EQ(et_sys->pwrite(a->dev, buf, 0, (off_t)a->reg[1].offset), 0,
		 "a zero-length pwrite returns 0, even where nothing is");
	CHECK_EQ(et_pread(a, ISM_BAR_DMB, buf, 0, 0), 0,
		 "a zero-length pread returns 0");
	s1 = stats(A_ADDR);
	CHECK(s1.einval == s0.einval && s1.stores == s0.stores,
	      "neither is refused nor a store");
}

static void
loads(struct et_fn *a)
{
	struct vism_emu_stats s0, s1;
	uint8_t hdr[8];

	/* a response to read: READ_GID */
	et_req_hdr(hdr, ISM_CMD_READ_GID, 8);
	CHECK_EQ(et_pwrite(a, ISM_BAR_CMD, hdr, 8, 0), 8, "a READ_GID header");
	s0 = stats(A_ADDR);
	CHECK_EQ(et_pread(a, ISM_BAR_CMD, buf, 15, 1), 15, "15 bytes at offset 1");
	s1 = stats(A_ADDR);
	CHECK(s1.loads[0] - s0.loads[0] == 1 && s1.loads[1] - s0.loads[1] == 1 &&
	      s1.loads[2] - s0.loads[2] == 1 && s1.loads[3] - s0.loads[3] == 1,
	      "are loads of 1, 2, 4 and 8 bytes, naturally aligned");
	CHECK_EQ(et_pread(a, ISM_BAR_CMD, buf, 32, 0), 32, "32 bytes at 0");
	s0 = stats(A_ADDR);
	CHECK_EQ(s0.loads[3] - s1.loads[3], 4, "are four 8-byte loads");
	CHECK_EQ(s0.preads - s1.preads, 1, "in one pread");

	CHECK_EQ(vism_emu_fail_load(A_ADDR, EIO, 1), 0, "the second load will fail");
	CHECK(et_pread(a, ISM_BAR_CMD, buf, 16, 0) < 0 && errno == EIO,
	      "a pread that loaded 8 bytes, then failed, fails as a whole (EIO)");
	CHECK_EQ(et_pread(a, ISM_BAR_CMD, buf, 16, 0), 16, "the next one works");
}

static void
config(struct et_fn *a, struct et_fn *b)
{
	struct vism_emu_stats s0, s1;
	uint8_t cfg[16];
	uint16_t cmd = 0x0006;

	s0 = stats(A_ADDR);
	CHECK_EQ(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 8, 0), 8,
		 "8 bytes of config space");
	s1 = stats(A_ADDR);
	CHECK(cfg[0] == 0x14 && cfg[1] == 0x10 && cfg[2] == 0xed && cfg[3] == 0x04,
	      "vendor 0x1014 and device 0x04ed, little-endian");
	CHECK_EQ(s1.cfg_pieces[2] - s0.cfg_pieces[2], 2, "in two 4-byte pieces");
	CHECK_EQ(s1.loads[3] - s0.loads[3], 0, "no BAR load");
	CHECK_EQ(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 3, 1), 3,
		 "3 bytes at 1");
	s0 = stats(A_ADDR);
	CHECK(s0.cfg_pieces[0] - s1.cfg_pieces[0] == 1 &&
	      s0.cfg_pieces[1] - s1.cfg_pieces[1] == 1,
	      "are a 1-byte and a 2-byte piece");
	CHECK(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 8, 252) < 0 &&
	      errno == EFAULT, "8 bytes at 252 of 256: EFAULT, not clipped");
	CHECK(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 4, 256) < 0 &&
	      errno == EFAULT, "4 bytes at 256: EFAULT");
	CHECK(et_pwrite(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 4, 256) < 0 &&
	      errno == EFAULT, "a write there: EFAULT");
	s1 = stats(A_ADDR);
	CHECK_EQ(s1.efault - s0.efault, 3, "three EFAULTs counted");
	CHECK(s1.cfg_pieces[2] == s0.cfg_pieces[2] &&
	      s1.cfg_pieces[0] == s0.cfg_pieces[0], "and no piece was accessed");
	CHECK_EQ(et_pwrite(a, VFIO_PCI_CONFIG_REGION_INDEX, &cmd, 2, 4), 2,
		 "the command register is written");
	memset(cfg, 0, sizeof(cfg));
	CHECK(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 2, 4) == 2 &&
	      memcmp(cfg, &cmd, 2) == 0, "and reads back");
	memset(cfg, 0xff, 4);
	CHECK_EQ(et_pwrite(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 4, 0), 4,
		 "a write of the ids is accepted");
	CHECK(et_pread(a, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 4, 0) == 4 &&
	      cfg[0] == 0x14 && cfg[3] == 0x04, "and changes nothing");
	CHECK_EQ(et_pread(b, VFIO_PCI_CONFIG_REGION_INDEX, cfg, 4, 4092), 4,
		 "with config_size=4096 the last dword reads");
}

static int
set_irqs(struct et_fn *f, uint32_t flags, uint32_t count, int efd)
{
	uint8_t raw[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)raw;

	memset(raw, 0, sizeof(raw));
	s->argsz = sizeof(raw);
	s->flags = flags;
	s->index = VFIO_PCI_MSI_IRQ_INDEX;
	s->count = count;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		memcpy(s->data, &efd, sizeof(efd));
	else if (flags & VFIO_IRQ_SET_DATA_BOOL)
		s->data[0] = 1;
	return et_sys->ioctl(f->dev, VFIO_DEVICE_SET_IRQS, s) < 0 ? -errno : 0;
}

static void
irqs(struct et_fn *a)
{
	const uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	struct vfio_irq_info ii = { .argsz = sizeof(ii),
				    .index = VFIO_PCI_MSI_IRQ_INDEX };
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pollfd p = { .fd = efd, .events = POLLIN };
	struct vism_emu_census cs;
	uint64_t v = 0;

	CHECK(et_sys->ioctl(a->dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) == 0 &&
	      ii.count == 1 && (ii.flags & VFIO_IRQ_INFO_EVENTFD),
	      "one MSI vector, eventfd signalling");
	ii.index = VFIO_PCI_INTX_IRQ_INDEX;
	CHECK(et_sys->ioctl(a->dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) == 0 &&
	      ii.count == 0, "no INTx");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_NONE | trig, 0, -1), -EINVAL,
		 "disabling MSI that is not enabled: EINVAL");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_NONE | trig, 1, -1), -EINVAL,
		 "firing it: EINVAL");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_EVENTFD | trig, 2, efd), -EINVAL,
		 "two vectors: EINVAL");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_EVENTFD |
			  VFIO_IRQ_SET_ACTION_MASK, 1, efd), -ENOTTY,
		 "MASK of MSI: ENOTTY");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_EVENTFD | trig, 1, efd), 0,
		 "MSI wired to an eventfd");
	vism_emu_census(&cs);
	CHECK_EQ(cs.irq_threads, 1, "one MSI thread");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_NONE | trig, 1, -1), 0,
		 "DATA_NONE fires it (loopback)");
	CHECK(poll(&p, 1, 1000) == 1 && read(efd, &v, sizeof(v)) == sizeof(v) &&
	      v == 1, "the eventfd got it");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_BOOL | trig, 1, -1), 0,
		 "DATA_BOOL true fires it");
	CHECK(poll(&p, 1, 1000) == 1 && read(efd, &v, sizeof(v)) == sizeof(v),
	      "the eventfd got that too");
	CHECK_EQ(set_irqs(a, VFIO_IRQ_SET_DATA_NONE | trig, 0, -1), 0,
		 "DATA_NONE with count 0 disables it");
	vism_emu_census(&cs);
	CHECK_EQ(cs.irq_threads, 0, "no MSI thread left");
	CHECK_EQ(stats(A_ADDR).irqs, 2, "two MSIs counted");
	close(efd);
}

int
main(void)
{
	struct et_fn a, b, c;

	et_setup();
	et_add(A_ADDR ",group=1,imaxstbl=1024");
	et_add(B_ADDR ",group=2,imaxstbl=8192,config_size=4096");
	et_add(C_ADDR ",group=3,bar2_size=16");
	CHECK_EQ(et_open_group(&a, A_ADDR, 1), 0, "A opens");
	CHECK_EQ(et_open_group(&b, B_ADDR, 2), 0, "B opens");
	CHECK_EQ(et_open_group(&c, C_ADDR, 3), 0, "C opens");
	if (a.dev < 0 || b.dev < 0 || c.dev < 0)
		return check_done();
	memset(buf, 0x5a, sizeof(buf));
	store_limit(&a, &b, &c);
	loads(&a);
	config(&a, &b);
	irqs(&a);
	et_close(&c);
	et_close(&b);
	et_close(&a);
	return check_done();
}

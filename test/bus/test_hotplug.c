/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hotplug and leaks: 100 cycles of rte_dev_probe / lib/ism open, a DMB, a
 * move from a peer / rte_dev_remove on one function while a peer stays,
 * then cycles that take the last group out of the container (so the
 * kernel, emulated, drops every DMA mapping and EAL maps its memory again).
 * After each phase the process has the same fds, EAL heap and memzones,
 * and the emulation the same mappings, windows and threads as before.
 * Memory the C library hands out is checked by running this under ASan or
 * valgrind (make test-bus-asan, make test-bus-valgrind).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "bus_test.h"
#include "check.h"
#include "test_util.h"

#define A_ADDR "0000:00:01.0"
#define B_ADDR "0000:00:02.0"
#define CYCLES 100

struct snapshot {
	char fdlist[2048];	/* what the fds are, for the diagnosis */
	int fds;
	size_t heap_alloc;
	unsigned int memzones;
	struct vism_emu_census emu;
};

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

static void
snap(struct snapshot *s)
{
	struct rte_malloc_socket_stats st;

	memset(s, 0, sizeof(*s));
	s->fds = bt_count_fds();
	bt_list_fds(s->fdlist, sizeof(s->fdlist));
	if (rte_malloc_get_socket_stats(0, &st) == 0)
		s->heap_alloc = st.heap_allocsz_bytes;
	rte_memzone_walk(count_mz, &s->memzones);
	vism_emu_census(&s->emu);
}

static void
same(const struct snapshot *a, const struct snapshot *b, const char *when)
{
	CHECK_EQ(b->fds, a->fds, "%s: no fd leaked", when);
	if (b->fds != a->fds)
		check_diag("fds before: %s\n# fds after: %s", a->fdlist, b->fdlist);
	CHECK_EQ(b->heap_alloc, a->heap_alloc, "%s: no EAL heap leaked", when);
	CHECK_EQ(b->memzones, a->memzones, "%s: no memzone leaked", when);
	CHECK_EQ(b->emu.dma_maps, a->emu.dma_maps,
		 "%s: the container has the same DMA mappings", when);
	CHECK_EQ(b->emu.windows, a->emu.windows,
		 "%s: no DMA window left with the device", when);
	CHECK_EQ(b->emu.devices, a->emu.devices, "%s: no device fd left", when);
	CHECK_EQ(b->emu.groups, a->emu.groups, "%s: no group left open", when);
	CHECK_EQ(b->emu.irq_threads, a->emu.irq_threads,
		 "%s: no MSI left wired", when);
}

/* One use of a hotplugged function: open, DMB, a move from @peer. */
static int
use(const char *addr, struct ism_dev *peer, uint64_t seq)
{
	struct ism_dmb_params p = { .len = 16 << 10, .rgid = ism_dev_gid(peer) };
	struct ism_dev *dev = bt_open(addr);
	struct ism_dmb *d = NULL;
	uint8_t buf[6000];
	int rc = -1;

	if (dev == NULL)
		return -1;
	if (ism_dmb_register(dev, &p, &d) == 0) {
		struct ism_rdmb r = { .tok = d->tok, .len = d->len };

		tu_fill(buf, sizeof(buf), seq);
		if (ism_move(peer, &r, 0, 1000, buf, sizeof(buf), true) == 0 &&
		    tu_verify((uint8_t *)d->addr + 1000, sizeof(buf), seq) == -1 &&
		    tu_wait_dmb(dev, d->sba_idx, 2000) > 0)
			rc = 0;
		ism_dmb_unregister(dev, d);
	}
	ism_dev_close(dev);
	return rc;
}

static int
remove_dev(const char *addr)
{
	struct rte_vfio_ism_device *dev = bt_dev(addr);

	return dev == NULL ? -ENOENT : rte_dev_remove(&dev->device);
}

static void
test_cycles(void)
{
	struct ism_dev *b = bt_open(B_ADDR);
	struct snapshot s0, s1;
	int fails = 0, rc;

	CHECK(b != NULL, "the peer opens");
	if (b == NULL)
		return;
	/* the first cycle sets up what stays (EAL's lazily made state) */
	for (int i = 0; i <= CYCLES; i++) {
		/* both devargs syntaxes, with and without arguments */
		if (i % 3 == 0)
			rc = rte_dev_probe("vfio_ism:" A_ADDR);
		else if (i % 3 == 1)
			rc = rte_dev_probe("bus=vfio_ism,addr=" A_ADDR);
		else
			rc = rte_dev_probe("vfio_ism:" A_ADDR ",mode=test");
		if (rc != 0 || use(A_ADDR, b, (uint64_t)i) != 0 ||
		    remove_dev(A_ADDR) != 0) {
			if (fails++ < 3)
				check_diag("cycle %d failed (probe %d)", i, rc);
		}
		if (i == 0)
			snap(&s0);
	}
	CHECK_EQ(fails, 0, "%d probe/use/remove cycles", CYCLES + 1);
	CHECK_EQ(bt_drv.probes, CYCLES + 2, "the driver probed each time");
	CHECK_EQ(bt_drv.removes, CYCLES + 1, "and removed each time");
	snap(&s1);
	same(&s0, &s1, "after 100 cycles");
	CHECK(bt_dev(A_ADDR) == NULL, "the removed function is gone");

	/* devargs reach the driver */
	rc = rte_dev_probe("vfio_ism:" A_ADDR ",mode=test");
	CHECK_EQ(rc, 0, "hotplug with an argument");
	CHECK(bt_dev(A_ADDR) != NULL && bt_dev(A_ADDR)->device.devargs != NULL &&
	      strcmp(bt_dev(A_ADDR)->device.devargs->args, "mode=test") == 0,
	      "the driver sees devargs \"mode=test\"");
	CHECK_EQ(remove_dev(A_ADDR), 0, "and it goes again");

	/* a driver that leaves its transport open over remove */
	{
		struct rte_vfio_ism_device *dev;
		struct ism_transport *tp;
		struct ism_dma dma;
		uint8_t x[8];

		rte_dev_probe("vfio_ism:" A_ADDR);
		dev = bt_dev(A_ADDR);
		CHECK(dev != NULL && rte_vfio_ism_transport_get(dev, &tp) == 0,
		      "a transport handle");
		if (dev != NULL) {
			CHECK_EQ(tp->ops->dma_alloc(tp, 4096, 4096, &dma), 0,
				 "with DMA memory");
			CHECK(rte_vfio_ism_transport_device(tp) == dev,
			      "the handle knows its device");
			bt_log_reset();
			CHECK_EQ(remove_dev(A_ADDR), 0, "remove under an open handle");
			CHECK_EQ(bt_log_count("1 transport handle(s) still open", NULL), 1,
				 "warns about the open handle");
			CHECK_EQ(tp->ops->read(tp, ISM_BAR_CMD, 0, x, 8), -ENODEV,
				 "the handle fails with ENODEV");
			CHECK_EQ(tp->ops->irq_fd(tp), -1, "and has no interrupt");
			tp->ops->close(tp);
		}
	}
	snap(&s1);
	same(&s0, &s1, "after a remove under an open handle");

	/* the last group leaves the container: mappings go, and come back */
	ism_dev_close(b);
	CHECK_EQ(remove_dev(B_ADDR), 0, "the peer goes too");
	snap(&s1);
	CHECK_EQ(s1.emu.groups + s1.emu.dma_maps, 0,
		 "no group: the container dropped its DMA mappings");
	fails = 0;
	for (int i = 0; i < 10; i++) {
		if (rte_dev_probe("vfio_ism:" B_ADDR) != 0 ||
		    rte_dev_probe("vfio_ism:" A_ADDR) != 0) {
			fails++;
			continue;
		}
		b = bt_open(B_ADDR);
		if (b == NULL || use(A_ADDR, b, 1000 + (uint64_t)i) != 0)
			fails++;
		if (i == 0) {
			snap(&s1);
			CHECK_EQ(s1.emu.dma_maps, s0.emu.dma_maps,
				 "EAL mapped its memory again");
		}
		if (b != NULL)
			ism_dev_close(b);
		if (remove_dev(A_ADDR) != 0 || remove_dev(B_ADDR) != 0)
			fails++;
	}
	CHECK_EQ(fails, 0, "10 cycles taking the container down and up");
	/* back to the state of the first snapshot: the peer open, one
	 * cycle done (the model caches fds of interrupts it raised) */
	rte_dev_probe("vfio_ism:" B_ADDR);
	b = bt_open(B_ADDR);
	if (b != NULL && (rte_dev_probe("vfio_ism:" A_ADDR) != 0 ||
			  use(A_ADDR, b, 2000) != 0 || remove_dev(A_ADDR) != 0))
		CHECK(0, "a last cycle");
	snap(&s1);
	same(&s0, &s1, "after the container cycles");
	if (b != NULL)
		ism_dev_close(b);
}

int
main(void)
{
	static const char *const args[] = { "-b", "vfio_ism:" A_ADDR, NULL };

	bt_setup();
	bt_add(A_ADDR ",driver=ism_vfio_pci,group=1");
	bt_add(B_ADDR ",driver=ism_vfio_pci,group=2");
	if (bt_eal_init(args) < 0) {
		printf("Bail out! EAL does not start on the emulation\n");
		return 1;
	}
	CHECK(bt_dev(A_ADDR) == NULL, "the blocked function waits for hotplug");
	test_cycles();
	bt_eal_cleanup();
	{
		struct vism_emu_census cs;

		vism_emu_census(&cs);
		CHECK_EQ(cs.devices + cs.groups + cs.windows + cs.irq_threads, 0,
			 "EAL cleanup closed everything in the emulation");
	}
	return check_done();
}

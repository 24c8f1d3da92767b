/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ism over the vfio transport, two emulated functions on one model
 * fabric in one process: commands, DMBs, moves from one function into the
 * other (1 byte .. 1 MiB, 4 KiB boundary cases, checked byte for byte),
 * the stores the kernel saw (count, size, no 4 KiB crossing), signal
 * flags in the SBA, software events in order, the MSI eventfd.
 *
 * One program for the matrix (meson sets the environment): VT_PATH
 * (cdev, group), VFIO_ISM_EMU_SHIFT (48, 40, random, dynamic) and
 * VT_STORE (the functions' imaxstbl: 4096, 2048, 256).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_test.h"

#define ADDR_A	"0000:00:01.0"
#define ADDR_B	"0000:00:02.0"
#define DMB_LEN	(1u << 20)

static enum ism_vfio_path path;
static unsigned int store_limit;

static void
check_info(struct ism_dev *dev, const char *addr)
{
	struct ism_vfio_info in;
	const char *shift = getenv("VFIO_ISM_EMU_SHIFT");
	unsigned int emu_shift = vism_emu_shift(addr);
	int rc = ism_vfio_info_get(ism_dev_transport(dev), &in);

	CHECK_EQ(rc, 0, "%s: ism_vfio_info_get", addr);
	CHECK(strcmp(in.pci_addr, addr) == 0, "%s: info names the function (%s)",
	      addr, in.pci_addr);
	if (path != ISM_VFIO_PATH_AUTO)
		CHECK_EQ(in.path, path, "%s: opened on the %s path", addr,
			 ism_vfio_path_name(path));
	CHECK(strncmp(in.dev_node, in.path == ISM_VFIO_PATH_CDEV ?
		      "/dev/vfio/devices/vfio" : "/dev/vfio/", 10) == 0,
	      "%s: device node %s fits the path", addr, in.dev_node);
	CHECK_EQ(in.max_store, store_limit, "%s: store limit is imaxstbl", addr);
	CHECK_EQ(in.store_src, ISM_VFIO_STORE_IMAXSTBL,
		 "%s: store limit taken from imaxstbl", addr);
	CHECK_EQ(ism_dev_transport(dev)->max_store, store_limit,
		 "%s: the transport carries the store limit", addr);
	CHECK(in.msi, "%s: MSI wired", addr);
	CHECK(in.aperture_known, "%s: DMA aperture known", addr);

	/* the offsets are the emulation's, whatever its layout */
	if (shift == NULL || strcmp(shift, "dynamic") != 0) {
		unsigned int want = shift == NULL ? 48 :
			strcmp(shift, "random") == 0 ? emu_shift :
			(unsigned int)strtoul(shift, NULL, 0);

		CHECK_EQ(emu_shift, want, "%s: the emulation lays regions out at << %u",
			 addr, want);
		for (unsigned int i = 0; i < ISM_VFIO_NR_REGIONS; i++)
			if (in.region[i].present)
				CHECK(in.region[i].offset == (uint64_t)i << want,
				      "%s: region %u at 0x%llx = %u << %u", addr, i,
				      (unsigned long long)in.region[i].offset, i, want);
	} else {
		CHECK_EQ(emu_shift, 0, "%s: dynamic layout", addr);
		CHECK(in.region[2].offset != (uint64_t)2 << 48 &&
		      in.region[2].offset != (uint64_t)2 << 40,
		      "%s: BAR 2 at 0x%llx, at no fixed shift", addr,
		      (unsigned long long)in.region[2].offset);
	}
	CHECK(in.region[0].present && in.region[0].size == UINT64_C(1) << 48,
	      "%s: BAR 0 is 2^48 bytes", addr);
	/* below << 48 the 2^48-byte BAR 0 overlaps the next windows, as with
	 * generic vfio-pci's << 40: only the offsets the kernel gave count */
	if (emu_shift == 0 || emu_shift >= 48)
		CHECK(in.region[0].offset + in.region[0].size <= in.region[2].offset ||
		      in.region[2].offset + in.region[2].size <= in.region[0].offset,
		      "%s: BAR 0 and BAR 2 do not overlap", addr);
}

static void
test_commands(struct ism_dev *a, struct ism_dev *b)
{
	struct ism_info info;
	int rc;

	rc = ism_query_info(a, &info);
	CHECK_EQ(rc, 0, "QUERY_INFO through the vfio transport");
	CHECK(info.gid == ism_dev_gid(a), "QUERY_INFO gid is READ_GID's");
	CHECK(info.gid == vism_emu_gid(ADDR_A), "the gid is the model function's");
	CHECK(ism_dev_gid(a) != ism_dev_gid(b), "two functions, two gids");
	CHECK_EQ(ism_query_rgid(a, ism_dev_gid(b), false, 0), 0,
		 "B is reachable from A");
	CHECK(ism_query_rgid(a, ism_dev_gid(b) ^ 0x5a5a0000, false, 0) < 0,
	      "an unknown gid is not reachable");
	CHECK_EQ(ism_vlan_add(a, 17), 0, "ADD_VLAN_ID");
	CHECK_EQ(ism_vlan_del(a, 17), 0, "DEL_VLAN_ID");
}

struct move_case {
	uint32_t off;
	size_t len;
};

static const struct move_case cases[] = {
	{ 0, 1 }, { 1, 1 }, { 0, 7 }, { 3, 8 }, { 0, 255 }, { 0, 256 },
	{ 1, 257 }, { 0, 2047 }, { 0, 2048 }, { 0, 2049 }, { 100, 2048 },
	{ 0, 4095 }, { 0, 4096 }, { 1, 4095 }, { 1, 4096 }, { 4095, 1 },
	{ 4095, 2 }, { 4094, 4 }, { 4096 - 300, 600 }, { 4096, 4096 },
	{ 4000, 8192 }, { 12288 - 1, 4098 }, { 0, 65536 }, { 777, 65536 },
	{ 0, 12289 }, { 8191, 200000 }, { DMB_LEN - 4096, 4096 },
	{ DMB_LEN - 1, 1 }, { 0, DMB_LEN },
};

static uint8_t src[DMB_LEN];

static void
test_moves(struct ism_dev *a, struct ism_dmb *dmb)
{
	const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };
	uint8_t *mem = dmb->addr;
	unsigned int bad_data = 0, bad_guard = 0, bad_stores = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct move_case *c = &cases[i];
		struct vism_emu_stats s0, s1;
		unsigned int want = vt_pieces(c->off, c->len, store_limit);
		long bad;
		int rc;

		/* guards: the bytes around the target stay as we set them */
		memset(mem, 0xa5, DMB_LEN);
		tu_fill(src, c->len, 1000 + i);
		vism_emu_stats(ADDR_A, &s0);
		rc = ism_move(a, &r, 0, c->off, src, c->len, false);
		vism_emu_stats(ADDR_A, &s1);
		CHECK_EQ(rc, 0, "move of %zu bytes at offset %u", c->len, c->off);
		bad = tu_verify(mem + c->off, c->len, 1000 + i);
		if (bad >= 0) {
			bad_data++;
			check_diag("move %zu@%u: byte %ld differs", c->len, c->off,
				   bad);
		}
		if ((c->off > 0 && mem[c->off - 1] != 0xa5) ||
		    (c->off + c->len < DMB_LEN && mem[c->off + c->len] != 0xa5))
			bad_guard++;
		if (s1.pwrites - s0.pwrites != want || s1.einval != s0.einval ||
		    s1.stores - s0.stores != want) {
			bad_stores++;
			check_diag("move %zu@%u: %llu pwrites, %llu stores, %llu EINVAL; want %u pieces",
				   c->len, c->off,
				   (unsigned long long)(s1.pwrites - s0.pwrites),
				   (unsigned long long)(s1.stores - s0.stores),
				   (unsigned long long)(s1.einval - s0.einval), want);
		}
	}
	CHECK_EQ(bad_data, 0, "every move arrived byte for byte (%zu moves, 1 B .. 1 MiB)",
		 sizeof(cases) / sizeof(cases[0]));
	CHECK_EQ(bad_guard, 0, "no move wrote outside its range");
	CHECK_EQ(bad_stores, 0, "one pwrite per piece, cut at 4 KiB and at %u bytes, none refused",
		 store_limit);
}

static void
test_store_shape(struct ism_dev *a)
{
	struct vism_emu_stats st;
	struct ism_vfio_stats vs;

	vism_emu_stats(ADDR_A, &st);
	CHECK(st.pwrite_max <= store_limit && st.pwrite_max > 0,
	      "largest store the kernel saw: %llu bytes (limit %u)",
	      (unsigned long long)st.pwrite_max, store_limit);
	CHECK_EQ(st.pwrite_max, store_limit, "full stores reach the limit");
	CHECK_EQ(st.einval, 0, "the kernel refused no access (no 4 KiB crossing, none too long)");
	CHECK_EQ(ism_vfio_stats_get(ism_dev_transport(a), &vs), 0,
		 "ism_vfio_stats_get");
	CHECK_EQ(vs.stores, st.pwrites, "one pwrite per store the transport counted");
	CHECK_EQ(vs.loads, st.preads, "one pread per load the transport counted");
	CHECK(vs.refused == 0 && vs.errors == 0 && vs.retries == 0,
	      "nothing refused, failed or retried");
	CHECK_EQ(vs.dma_maps, 2, "two DMA blocks on A (SBA, IEQ)");
	CHECK_EQ(ism_vfio_stats_get(NULL, &vs), -EINVAL,
		 "stats of no transport: EINVAL");
}

static bool
fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void
test_signal_flag(struct ism_dev *a, struct ism_dev *b, struct ism_dmb *dmb)
{
	const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };
	int efd = ism_irq_fd(b);
	int mask;

	CHECK(efd >= 0, "B has an MSI eventfd");
	ism_irq_ack(b);
	ism_poll(b, NULL, NULL, NULL);
	CHECK(!fd_readable(efd, 0), "no interrupt pending before the move");

	tu_fill(src, 10000, 77);
	CHECK_EQ(ism_move(a, &r, 0, 5000, src, 10000, true), 0,
		 "move with the signal flag");
	CHECK(fd_readable(efd, 2000), "the MSI made the eventfd readable");
	ism_irq_ack(b);
	CHECK(!fd_readable(efd, 0), "ism_irq_ack consumed it");
	mask = tu_wait_dmb(b, dmb->sba_idx, 2000);
	CHECK_EQ(mask, 0x8000, "SBA bit %u set with element 0's mask", dmb->sba_idx);
	CHECK_EQ(tu_verify((uint8_t *)dmb->addr + 5000, 10000, 77), -1,
		 "the signalled data is there");

	tu_fill(src, 64, 78);
	CHECK_EQ(ism_move(a, &r, 3, 0, src, 64, true), 0, "element 3, signalled");
	mask = tu_wait_dmb(b, dmb->sba_idx, 2000);
	CHECK_EQ(mask, 0x1000, "element 3's mask bit");
	ism_irq_ack(b);

	tu_fill(src, 8192, 79);
	CHECK_EQ(ism_move(a, &r, 0, 0, src, 8192, false), 0, "move without sf");
	CHECK_EQ(tu_wait_dmb(b, dmb->sba_idx, 100), -1, "no SBA bit without sf");
}

static void
test_events(struct ism_dev *a, struct ism_dev *b)
{
	static struct tu_events q;
	const int n = 12;
	bool in_order = true;

	ism_irq_ack(b);
	for (int i = 0; i < n; i++)
		CHECK_EQ(ism_signal(a, ism_dev_gid(b), 0x80 + (unsigned int)i,
				    0x1000 + (uint64_t)i, i == n - 1), 0,
			 "SIGNAL_IEQ %d", i);
	CHECK(fd_readable(ism_irq_fd(b), 2000), "the event raised the MSI");
	ism_irq_ack(b);
	CHECK_EQ(tu_collect(b, &q, n, 2000), 0, "%d events arrived", n);
	for (int i = 0; i < n && i < q.n; i++) {
		const struct ism_event *e = &q.ev[i];

		if (e->type != ISM_EVENT_SWR || e->code != 0x80 + (unsigned int)i ||
		    e->info != 0x1000 + (uint64_t)i || e->tok != ism_dev_gid(a))
			in_order = false;
	}
	CHECK(in_order && q.n == n, "software events in order, from A, with code and info");
}

int
main(void)
{
	struct ism_dmb_params p = { .len = DMB_LEN };
	char emu[128];
	struct ism_dev *a, *b;
	struct ism_dmb *dmb;
	int fds0;

	path = vt_env_path();
	store_limit = vt_env_store();
	vt_init();
	snprintf(emu, sizeof(emu), "imaxstbl=%u\nmaxstbl=128\n", store_limit);
	vt_add(ADDR_A, ISM_VFIO_KDRV, 3, 0, emu);
	vt_add(ADDR_B, ISM_VFIO_KDRV, 4, 1, emu);
	check_diag("path %s, layout %s, store limit %u", ism_vfio_path_name(path),
		   getenv("VFIO_ISM_EMU_SHIFT") ? getenv("VFIO_ISM_EMU_SHIFT") : "48",
		   store_limit);
	fds0 = vt_fd_count();

	/* B, the DMB owner, first: the model gives it slot 0, whose DMB
	 * tokens stay below 2^40, so that even a << 40 layout, whose BAR 0
	 * window overlaps the other regions beyond that, reaches them */
	b = vt_open(ADDR_B, path);
	a = vt_open(ADDR_A, path);
	if (a == NULL || b == NULL)
		return check_done();
	check_info(a, ADDR_A);
	check_info(b, ADDR_B);
	test_commands(a, b);

	p.rgid = ism_dev_gid(a);
	CHECK_EQ(ism_dmb_register(b, &p, &dmb), 0, "B registers a 1 MiB DMB for A");
	check_diag("DMB token 0x%016llx", (unsigned long long)dmb->tok);
	test_moves(a, dmb);
	test_store_shape(a);
	test_signal_flag(a, b, dmb);
	test_events(a, b);
	CHECK_EQ(ism_dmb_unregister(b, dmb), 0, "UNREG_DMB");

	ism_dev_close(a);
	ism_dev_close(b);
	vt_check_census_empty("after both closed");
	CHECK_EQ(vt_fd_count(), fds0, "every fd closed");
	return check_done();
}

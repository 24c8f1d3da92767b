/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A function that vanishes mid-run: its fd starts failing with ENODEV (hot
 * unplug) or EIO (error state). ENODEV: the access fails, the bus says the
 * function is gone, marks it removed, raises RTE_DEV_EVENT_REMOVE, and
 * fails every later access without a syscall; the app removes it and can
 * probe it again when it is back. EIO: reported (rate limited) and
 * returned, the device stays. The process and the other functions carry
 * on throughout.
 */
#include <errno.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_eal.h>

#include "bus_test.h"
#include "check.h"
#include "test_util.h"

#define A_ADDR "0000:00:01.0"
#define B_ADDR "0000:00:02.0"
#define C_ADDR "0000:00:03.0"

static int remove_events;
static char event_name[64];

static void
dev_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	(void)arg;
	if (type == RTE_DEV_EVENT_REMOVE) {
		snprintf(event_name, sizeof(event_name), "%s", name);
		__atomic_fetch_add(&remove_events, 1, __ATOMIC_RELEASE);
	}
}

static uint64_t
emu_pwrites(const char *addr)
{
	struct vism_emu_stats st;

	return vism_emu_stats(addr, &st) == 0 ? st.pwrites : 0;
}

/* DMB on @owner for @writer, one move, data checked. */
static int
try_move(struct ism_dev *owner, struct ism_dev *writer, struct ism_dmb *d,
	 uint64_t seq)
{
	struct ism_rdmb r = { .tok = d->tok, .len = d->len };
	uint8_t buf[3000];
	int rc;

	tu_fill(buf, sizeof(buf), seq);
	rc = ism_move(writer, &r, 0, 0, buf, sizeof(buf), false);
	if (rc == 0 && tu_verify(d->addr, sizeof(buf), seq) != -1)
		rc = -EBADMSG;
	(void)owner;
	return rc;
}

static void
test_enodev(void)
{
	struct ism_dev *a = bt_open(A_ADDR), *b = bt_open(B_ADDR),
		*c = bt_open(C_ADDR);
	struct ism_dmb_params p = { .len = 8192 };
	struct ism_dmb *db = NULL, *dbc = NULL;
	struct rte_vfio_ism_device *dev = bt_dev(A_ADDR);
	uint64_t before, t0;
	int rc;

	if (a == NULL || b == NULL || c == NULL || dev == NULL) {
		CHECK(0, "three functions open");
		return;
	}
	CHECK_EQ(rte_dev_event_callback_register(A_ADDR, dev_event, NULL), 0,
		 "the app listens for A's removal");
	p.rgid = ism_dev_gid(a);
	CHECK_EQ(ism_dmb_register(b, &p, &db), 0, "B has a DMB for A");
	p.rgid = ism_dev_gid(c);
	CHECK_EQ(ism_dmb_register(b, &p, &dbc), 0, "and one for C");
	if (db == NULL || dbc == NULL)
		return;
	CHECK_EQ(try_move(b, a, db, 1), 0, "A moves into B's DMB");

	bt_log_reset();
	vism_emu_vanish(A_ADDR, ENODEV);
	rc = try_move(b, a, db, 2);
	CHECK_EQ(rc, -ENODEV, "the move after A vanished fails with ENODEV");
	CHECK_EQ(bt_log_count(A_ADDR, "the function is gone ("), 1,
		 "lib/ism reports the function gone");
	CHECK_EQ(bt_log_count(A_ADDR, "raising RTE_DEV_EVENT_REMOVE"), 1,
		 "the bus raises the removal");
	CHECK_EQ(bt_log_count(A_ADDR, "rte_dev_remove"), 1,
		 "... and says what to do");
	CHECK(dev->removed, "the device is marked removed");
	t0 = tu_now_ms();
	while (__atomic_load_n(&remove_events, __ATOMIC_ACQUIRE) == 0 &&
	       tu_now_ms() - t0 < 2000)
		tu_sleep_ms(1);
	CHECK_EQ(remove_events, 1, "RTE_DEV_EVENT_REMOVE reached the app");
	CHECK(strcmp(event_name, A_ADDR) == 0, "for A");

	before = emu_pwrites(A_ADDR);
	for (int i = 0; i < 50; i++)
		rc = try_move(b, a, db, 3);
	CHECK_EQ(rc, -ENODEV, "later moves fail with ENODEV");
	CHECK_EQ(emu_pwrites(A_ADDR), before, "... without a syscall");
	CHECK_EQ(ism_signal(a, ism_dev_gid(b), 0x80, 0, false), -ENODEV,
		 "commands fail with ENODEV too");
	CHECK_EQ(bt_log_count(A_ADDR, "the function is gone"), 2,
		 "and neither report is repeated");
	CHECK_EQ(try_move(b, c, dbc, 4), 0, "the other functions work on");

	/* the app's reaction: close lib/ism (no hang), remove the device */
	t0 = tu_now_ms();
	ism_dev_close(a);
	CHECK(tu_now_ms() - t0 < 2000, "closing lib/ism on a gone function does not hang");
	CHECK_EQ(rte_dev_remove(&dev->device), 0, "the app removes the device");
	rte_dev_event_callback_unregister(A_ADDR, dev_event, NULL);

	/* and the function comes back */
	vism_emu_vanish(A_ADDR, 0);
	CHECK_EQ(rte_dev_probe("vfio_ism:" A_ADDR), 0, "the function is hotplugged again");
	a = bt_open(A_ADDR);
	CHECK(a != NULL, "lib/ism opens on it");
	if (a != NULL) {
		ism_dmb_unregister(b, db);
		p.rgid = ism_dev_gid(a);
		db = NULL;
		CHECK_EQ(ism_dmb_register(b, &p, &db), 0, "a DMB for the new A");
		if (db != NULL)
			CHECK_EQ(try_move(b, a, db, 5), 0, "the new A moves data");
		ism_dev_close(a);
	}

	/* EIO: an error state, reported and returned, the device stays */
	bt_log_reset();
	vism_emu_vanish(C_ADDR, EIO);
	for (int i = 0; i < 40; i++)
		rc = try_move(b, c, dbc, 6);
	CHECK_EQ(rc, -EIO, "moves from C fail with EIO");
	CHECK(!bt_dev(C_ADDR)->removed, "EIO does not mark C removed");
	/* 40 errors: the first 16 in full, then the 32nd only */
	CHECK_EQ(bt_log_count(C_ADDR, "Input/output error"), 17,
		 "the first 16 errors are logged with region and offset, then fewer");
	CHECK_EQ(bt_log_count("access errors so far", "every power of two"), 1,
		 "the log says it thins out");
	vism_emu_vanish(C_ADDR, 0);
	CHECK_EQ(try_move(b, c, dbc, 7), 0, "C works again when the error clears");

	ism_dev_close(c);
	ism_dev_close(b);
}

int
main(void)
{
	struct vism_emu_census cs;

	bt_setup();
	bt_add(A_ADDR ",driver=ism_vfio_pci,group=1");
	bt_add(B_ADDR ",driver=ism_vfio_pci,group=2");
	bt_add(C_ADDR ",driver=ism_vfio_pci,group=3");
	if (bt_eal_init(NULL) < 0) {
		printf("Bail out! EAL does not start on the emulation\n");
		return 1;
	}
	test_enodev();
	bt_eal_cleanup();
	vism_emu_census(&cs);
	CHECK_EQ(cs.devices + cs.groups + cs.windows + cs.irq_threads, 0,
		 "EAL cleanup closed everything in the emulation");
	return check_done();
}

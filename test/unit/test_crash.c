/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes that die: kill -9 of a writer in the middle of moving data, and
 * of a process in the middle of commands. The survivor must get a GID event
 * within a bounded time, never hang, find the dead function's DMBs and
 * memory released, and keep using the fabric.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define EV_TOKEN 0x2001
#define GID_EVENT_BOUND_MS 3000
#define WAIT_MS 10000

static struct tu_chan chan;
static const char *fabric;

/* Move the parent's DMB full, forever, until killed. */
static int
mover(void *arg)
{
	struct ism_dev *b = tu_open(fabric);
	uint8_t *buf = malloc(1 << 20);
	struct ism_rdmb r;

	(void)arg;
	tu_fill(buf, 1 << 20, 1);
	tu_chan_send(chan.up[1], ism_dev_gid(b));
	r.tok = tu_chan_recv(chan.down[0]);
	r.len = 1 << 20;
	for (;;)
		if (ism_move(b, &r, 0, 0, buf, r.len, true) < 0)
			return 1;
}

/* Register and unregister DMBs and signal the parent, forever. */
static int
commander(void *arg)
{
	struct ism_transport *t;
	struct ism_dev *b;
	struct ism_dmb_params p = { .len = 1 << 20 };
	struct ism_dmb *keep[3], *d;

	(void)arg;
	if (ism_model_attach(fabric, NULL, &t) < 0 || ism_dev_open(t, &b) < 0)
		return 1;
	tu_chan_send(chan.up[1], ism_dev_gid(b));
	p.rgid = tu_chan_recv(chan.down[0]);
	for (int i = 0; i < 3; i++)
		if (ism_dmb_register(b, &p, &keep[i]) < 0)
			return 2;
	tu_chan_send(chan.up[1], 3);
	for (uint64_t n = 0; ; n++) {
		if (ism_dmb_register(b, &p, &d) == 0)
			ism_dmb_unregister(b, d);
		ism_signal(b, p.rgid, EV_TOKEN, n, false);
	}
}

/* Wait for the GID event naming @gid; its latency in ms, or -1. */
static long
gid_event_latency(struct ism_dev *a, uint64_t gid, uint64_t since)
{
	struct tu_events q = { 0 };

	while (tu_collect(a, &q, q.n + 1, WAIT_MS) == 0) {
		const struct ism_event *ev = &q.ev[(q.n - 1) % TU_MAX_EVENTS];

		if (ev->type == ISM_EVENT_GID && ev->tok == gid)
			return (long)(tu_now_ms() - since);
		if (q.n >= TU_MAX_EVENTS)
			q.n = 0;
	}
	return -1;
}

static void
test_kill_mover(void)
{
	struct ism_dmb_params p = { .len = 1 << 20 };
	struct ism_dmb *d, *d2;
	struct ism_dev *a, *c;
	struct ism_rdmb r;
	uint8_t *buf;
	uint64_t gid_b, t0;
	long ms;
	pid_t pid;

	fabric = "crash-move";
	tu_chan_init(&chan);
	pid = tu_spawn(mover, NULL);
	a = tu_open(fabric);
	gid_b = tu_chan_recv(chan.up[0]);
	p.rgid = gid_b;
	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "DMB for the mover");
	tu_chan_send(chan.down[1], d->tok);
	CHECK(tu_wait_dmb(a, d->sba_idx, WAIT_MS) >= 0, "the mover is moving data");
	tu_sleep_ms(20);
	kill(pid, SIGKILL);
	t0 = tu_now_ms();
	CHECK_EQ(tu_reap(pid, WAIT_MS), 128 + SIGKILL, "mover killed with -9");
	ms = gid_event_latency(a, gid_b, t0);
	CHECK(ms >= 0 && ms <= GID_EVENT_BOUND_MS,
	      "GID event for the dead mover within %d ms (took %ld ms)",
	      GID_EVENT_BOUND_MS, ms);
	CHECK_EQ(ism_query_rgid(a, gid_b, false, 0), -EHOSTUNREACH,
		 "the dead function is unreachable");
	CHECK_EQ(ism_dmb_unregister(a, d), 0,
		 "its DMB unregisters without waiting for the dead writer");

	/* the fabric goes on */
	c = tu_open(fabric);
	p.rgid = ism_dev_gid(c);
	CHECK_EQ(ism_dmb_register(a, &p, &d2), 0, "new DMB for a new function");
	r.tok = d2->tok;
	r.len = d2->len;
	buf = malloc(r.len);
	tu_fill(buf, r.len, 42);
	CHECK_EQ(ism_move(c, &r, 0, 0, buf, r.len, true), 0, "move 1 MiB");
	CHECK_EQ(tu_verify(d2->addr, d2->len, 42), -1, "data identical");
	free(buf);
	ism_dmb_unregister(a, d2);
	ism_dev_close(c);
	ism_dev_close(a);
}

static void
test_kill_commander(void)
{
	/* a heap of 8 MiB: the survivor needs the dead one's memory back */
	struct ism_model_opts opts = { .heap_size = 8 << 20 };
	struct ism_dmb_params p = { .len = 1 << 20 };
	struct ism_dmb *d[6];
	struct ism_transport *t;
	struct ism_dev *a, *c;
	uint64_t gid_b, t0;
	int n = 0;
	long ms;
	pid_t pid;

	fabric = "crash-cmd";
	CHECK_EQ(ism_model_attach(fabric, &opts, &t), 0, "fabric with 8 MiB heap");
	CHECK_EQ(ism_dev_open(t, &a), 0, "survivor open");
	tu_chan_init(&chan);
	pid = tu_spawn(commander, NULL);
	gid_b = tu_chan_recv(chan.up[0]);
	tu_chan_send(chan.down[1], ism_dev_gid(a));
	CHECK_EQ(tu_chan_recv(chan.up[0]), 3, "commander holds 3 MiB of DMBs");
	tu_sleep_ms(50);
	kill(pid, SIGKILL);
	t0 = tu_now_ms();
	CHECK_EQ(tu_reap(pid, WAIT_MS), 128 + SIGKILL, "commander killed with -9");
	ms = gid_event_latency(a, gid_b, t0);
	CHECK(ms >= 0 && ms <= GID_EVENT_BOUND_MS,
	      "GID event for the dead commander within %d ms (took %ld ms)",
	      GID_EVENT_BOUND_MS, ms);

	c = tu_open(fabric);
	p.rgid = ism_dev_gid(c);
	while (n < 6 && ism_dmb_register(a, &p, &d[n]) == 0)
		n++;
	CHECK_EQ(n, 6, "6 MiB of DMBs fit again: the dead function's memory was freed");
	for (int i = 0; i < n; i++)
		ism_dmb_unregister(a, d[i]);
	ism_dev_close(c);
	ism_dev_close(a);
}

int
main(void)
{
	tu_private_fabric_dir();
	test_kill_mover();
	test_kill_commander();
	return check_done();
}

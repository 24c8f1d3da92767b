/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two processes on one fabric: DMB registration both ways, moves of 1 byte
 * to 1 MiB verified byte for byte, sf raising the owner's SBA bit and
 * element mask (seen through the interrupt fd and by polling), SIGNAL_IEQ
 * events in order, and an IEQ overrun counted.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define FABRIC "twoproc"
#define EV_TOKEN 0x1001		/* info = DMB token | length */
#define EV_ACK 0x1002		/* info = sequence number */
#define EV_ORDER 0x1100
#define EV_FLOOD 0x1200
#define WAIT_MS 10000

static const struct { uint32_t off; uint32_t len; } moves[] = {
	{ 0, 1 }, { 1, 2 }, { 4095, 3 }, { 8, 7 }, { 100, 63 }, { 64, 64 },
	{ 1, 4095 }, { 0, 4096 }, { 4096, 4096 }, { 2048, 4097 }, { 7, 8191 },
	{ 12345, 65541 }, { 0, 1 << 19 }, { 3, (1 << 20) - 3 }, { 0, 1 << 20 },
};
#define NR_MOVES (sizeof(moves) / sizeof(moves[0]))

static struct tu_chan chan;

/* Child: die loudly on the first thing that is not as expected. */
#define REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "child: " __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		return 1; \
	} \
} while (0)

static int
wait_code(struct ism_dev *dev, uint32_t code, struct ism_event *out)
{
	struct tu_events q = { 0 };

	for (;;) {
		q.n = 0;
		if (tu_collect(dev, &q, 1, WAIT_MS) < 0)
			return -ETIMEDOUT;
		for (int i = 0; i < q.n && i < TU_MAX_EVENTS; i++) {
			if (q.ev[i].code == code) {
				*out = q.ev[i];
				return 0;
			}
		}
	}
}

static int
child(void *arg)
{
	struct ism_dev *b = tu_open(FABRIC);
	struct ism_dmb_params p = { .len = 65536 };
	uint8_t *buf = malloc(1 << 20);
	struct ism_event ev;
	struct ism_rdmb r;
	struct ism_dmb *mine;
	uint64_t gid_a;
	int mask;

	(void)arg;
	tu_chan_send(chan.up[1], ism_dev_gid(b));
	gid_a = tu_chan_recv(chan.down[0]);

	/* our DMB, written by the parent */
	p.rgid = gid_a;
	REQUIRE(ism_dmb_register(b, &p, &mine) == 0, "REG_DMB");
	REQUIRE(ism_signal(b, gid_a, EV_TOKEN, mine->tok | mine->len, true) == 0,
		"send token");

	REQUIRE(wait_code(b, EV_TOKEN, &ev) == 0, "no token from the parent");
	REQUIRE(ev.tok == gid_a, "token event from %llx", (unsigned long long)ev.tok);
	r.tok = ev.info & ISM_TOK_MASK;
	r.len = (uint32_t)(ev.info & 0xffffffff);

	for (unsigned int i = 0; i < NR_MOVES; i++) {
		tu_fill(buf, moves[i].len, i);
		REQUIRE(ism_move(b, &r, i % 16, moves[i].off, buf, moves[i].len,
				 true) == 0, "move %u", i);
		REQUIRE(wait_code(b, EV_ACK, &ev) == 0 && ev.info == i,
			"no ack for move %u", i);
	}

	/* the parent's 64 KiB move into our DMB */
	mask = tu_wait_dmb(b, mine->sba_idx, WAIT_MS);
	REQUIRE(mask == ism_dmbe_bit(0), "SBA mask %#x", mask);
	REQUIRE(tu_verify(mine->addr, mine->len, 777) == -1, "parent's data differs");

	for (int i = 0; i < 10; i++)
		REQUIRE(ism_signal(b, gid_a, EV_ORDER + i, (uint64_t)i * 1000,
				   true) == 0, "ordered signal %d", i);
	/* 20 signals while the parent does not poll */
	tu_chan_recv(chan.down[0]);
	for (int i = 0; i < 20; i++)
		REQUIRE(ism_signal(b, gid_a, EV_FLOOD, i, false) == 0, "flood %d", i);
	tu_chan_send(chan.up[1], 20);
	tu_chan_recv(chan.down[0]);	/* bye */
	ism_dev_close(b);
	free(buf);
	return 0;
}

static void
receive_moves(struct ism_dev *a, struct ism_dmb *d, uint64_t gid_b)
{
	int verified = 0, masks_ok = 0, via_irq = 0;

	for (unsigned int i = 0; i < NR_MOVES; i++) {
		struct pollfd pfd = { .fd = ism_irq_fd(a), .events = POLLIN };
		int mask;

		/* first half: sleep on the interrupt; then plain polling */
		if (i < NR_MOVES / 2 && poll(&pfd, 1, WAIT_MS) == 1) {
			via_irq++;
			ism_irq_ack(a);
		}
		mask = tu_wait_dmb(a, d->sba_idx, WAIT_MS);
		masks_ok += mask == ism_dmbe_bit(i % 16);
		verified += tu_verify((uint8_t *)d->addr + moves[i].off,
				      moves[i].len, i) == -1;
		ism_signal(a, gid_b, EV_ACK, i, true);
	}
	CHECK_EQ(via_irq, NR_MOVES / 2, "interrupt fd woke us for each sf move");
	CHECK_EQ(masks_ok, NR_MOVES, "each move set the DMB bit with its element mask");
	CHECK_EQ(verified, NR_MOVES, "moves of 1 byte .. 1 MiB arrived byte for byte");
}

int
main(void)
{
	struct ism_dmb_params p = { .len = 1 << 20 };
	struct ism_dev_stats st;
	struct tu_events q = { 0 };
	struct ism_event ev;
	struct ism_dmb *d;
	struct ism_rdmb r;
	struct ism_dev *a;
	uint64_t gid_b;
	uint8_t *buf;
	bool order = true;
	pid_t pid;

	tu_private_fabric_dir();
	tu_chan_init(&chan);
	pid = tu_spawn(child, NULL);
	a = tu_open(FABRIC);
	gid_b = tu_chan_recv(chan.up[0]);
	tu_chan_send(chan.down[1], ism_dev_gid(a));

	p.rgid = gid_b;
	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "1 MiB DMB for the child");
	CHECK_EQ(wait_code(a, EV_TOKEN, &ev), 0, "child's token arrives");
	CHECK_EQ(ev.tok, gid_b, "from the child's GID");
	r.tok = ev.info & ISM_TOK_MASK;
	r.len = (uint32_t)(ev.info & 0xffffffff);
	CHECK_EQ(ism_signal(a, gid_b, EV_TOKEN, d->tok | d->len, true), 0,
		 "send our token");
	receive_moves(a, d, gid_b);

	buf = malloc(r.len);
	tu_fill(buf, r.len, 777);
	CHECK_EQ(ism_move(a, &r, 0, 0, buf, r.len, true), 0,
		 "64 KiB move into the child's DMB");
	free(buf);

	CHECK_EQ(tu_collect(a, &q, 10, WAIT_MS), 0, "10 ordered events");
	for (int i = 0; i < 10; i++)
		order &= q.ev[i].type == ISM_EVENT_SWR && q.ev[i].tok == gid_b &&
			 q.ev[i].code == EV_ORDER + (uint32_t)i &&
			 q.ev[i].info == (uint64_t)i * 1000;
	CHECK(order, "SIGNAL_IEQ events in order, type/code/info/tok as sent");

	/* the flood starts a run of its own (model rule: a run of unread
	 * events begins when an event finds e clear): clear e now, in case
	 * the last ordered event set it after our last look */
	CHECK_EQ(ism_poll_events(a, NULL, NULL), 0, "nothing else pending");
	tu_chan_send(chan.down[1], 1);
	tu_chan_recv(chan.up[0]);
	ism_dev_stats(a, &st);
	CHECK_EQ(st.ieq_overruns, 5, "20 events into a 15-entry IEQ: 5 overruns counted");
	memset(&q, 0, sizeof(q));
	tu_collect(a, &q, 5, 200);
	CHECK(q.n == 5 && q.ev[0].info == 15 && q.ev[4].info == 19,
	      "the 5 newest flood events are readable (%d seen)", q.n);

	tu_chan_send(chan.down[1], 0);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "child verified everything it received");
	memset(&q, 0, sizeof(q));
	CHECK_EQ(tu_collect(a, &q, 1, WAIT_MS), 0, "event after the child closed");
	CHECK(q.ev[0].type == ISM_EVENT_GID && q.ev[0].tok == gid_b,
	      "GID event names the child");
	ism_dmb_unregister(a, d);
	ism_dev_close(a);
	return check_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Each rule of the model device violated once, with the exact error. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ism_private.h"
#include "test_util.h"

#define FABRIC "rules"

static struct ism_dev *owner, *writer, *stranger;
static uint8_t buf[8192];

static int
raw_store(struct ism_dev *dev, uint64_t req, size_t len)
{
	struct ism_transport *t = ism_dev_transport(dev);

	return t->ops->write(t, ISM_BAR_DMB, req, buf, len);
}

static bool
irq_pending(struct ism_dev *dev)
{
	struct pollfd pfd = { .fd = ism_irq_fd(dev), .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void
test_store_rules(void)
{
	struct ism_dmb_params p = { .len = 8000 };
	struct ism_dmb *d, *gone;
	uint64_t tok;

	p.rgid = ism_dev_gid(writer);
	CHECK_EQ(ism_dmb_register(owner, &p, &d), 0, "8000-byte DMB written by writer");
	tok = d->tok;
	CHECK_EQ(raw_store(writer, tok, 4096), 0, "4096-byte store at 0");
	CHECK_EQ(raw_store(writer, tok, 4097), -EINVAL, "4097-byte store");
	CHECK_EQ(raw_store(writer, tok | 4095, 2), -EINVAL, "store crossing 4 KiB");
	CHECK_EQ(raw_store(writer, tok | 100, 4096), -EINVAL, "4096 bytes not on a 4 KiB line");
	CHECK_EQ(raw_store(writer, tok | UINT64_C(1) << 48, 1), -EINVAL,
		 "store beyond the 2^48-byte BAR");
	CHECK_EQ(raw_store(writer, ism_store_req(tok, 16, false, 0), 1), -EINVAL,
		 "element index 16");
	CHECK_EQ(raw_store(writer, tok + (UINT64_C(1) << 32), 1), -ENXIO,
		 "token of no DMB");
	CHECK_EQ(raw_store(writer, UINT64_C(0xffff) << 32, 1), -ENXIO,
		 "token naming slot 31 index 2047");
	CHECK_EQ(raw_store(stranger, tok, 1), -EACCES, "writer is not the rgid");
	CHECK_EQ(raw_store(owner, tok, 1), -EACCES, "owner is not the rgid either");
	CHECK_EQ(raw_store(writer, tok | 7999, 1), 0, "last byte of the DMB");
	CHECK_EQ(raw_store(writer, tok | 7998, 4), -ERANGE, "store past the DMB end");
	CHECK_EQ(raw_store(writer, tok | (8192 + 4096), 8), -ERANGE,
		 "store wholly beyond the DMB");
	CHECK_EQ(raw_store(writer, tok, 0), 0, "zero-length store is a no-op");

	/* unregistered, then gone */
	p.len = 4096;
	CHECK_EQ(ism_dmb_register(owner, &p, &gone), 0, "second DMB");
	tok = gone->tok;
	ism_dmb_unregister(owner, gone);
	CHECK_EQ(raw_store(writer, tok, 1), -ENXIO, "store into an unregistered DMB");
	ism_dmb_unregister(owner, d);
}

static void
test_vlan_store(void)
{
	struct ism_dmb_params p = { .len = 4096, .vlan_valid = true, .vlan_id = 5 };
	struct ism_dmb *d;

	p.rgid = ism_dev_gid(writer);
	CHECK_EQ(ism_vlan_add(owner, 5), 0, "owner on VLAN 5");
	CHECK_EQ(ism_dmb_register(owner, &p, &d), 0, "DMB on VLAN 5");
	CHECK_EQ(raw_store(writer, d->tok, 16), -EPERM, "writer not on VLAN 5");
	CHECK_EQ(ism_vlan_add(writer, 5), 0, "writer joins VLAN 5");
	CHECK_EQ(raw_store(writer, d->tok, 16), 0, "writer on VLAN 5 may store");
	ism_vlan_del(writer, 5);
	CHECK_EQ(raw_store(writer, d->tok, 16), -EPERM, "writer left VLAN 5");
	ism_dmb_unregister(owner, d);
	ism_vlan_del(owner, 5);
}

struct seen {
	int n;
	unsigned int idx;
	uint16_t mask;
};

static void
record_dmb(void *arg, unsigned int idx, uint16_t mask)
{
	struct seen *s = arg;

	s->n++;
	s->idx = idx;
	s->mask = mask;
}

static void
test_sba(void)
{
	struct ism_dmb_params p = { .len = 4096 };
	struct seen s = { 0 };
	struct ism_rdmb r;
	struct ism_dmb *d;

	p.rgid = ism_dev_gid(writer);
	CHECK_EQ(ism_dmb_register(owner, &p, &d), 0, "DMB");
	r.tok = d->tok;
	r.len = d->len;
	ism_irq_ack(owner);
	ism_move(writer, &r, 0, 0, buf, 64, false);
	CHECK_EQ(owner->sba->flags, 0, "store without sf flags nothing");
	CHECK(!irq_pending(owner), "store without sf raises no interrupt");
	ism_move(writer, &r, 0, 0, buf, 64, true);
	ism_move(writer, &r, 15, 64, buf, 64, true);
	CHECK(irq_pending(owner), "store with sf raises the interrupt");
	CHECK_EQ(ism_poll_sba(owner, record_dmb, &s), 1, "one DMB bit delivered");
	CHECK_EQ(s.idx, d->sba_idx, "the DMB's SBA index");
	CHECK_EQ(s.mask, 0x8001, "masks of elements 0 and 15 accumulate");
	CHECK_EQ(owner->sba->flags & ISM_SBA_S, 0, "poll cleared the summary bit");
	CHECK_EQ(owner->sba->dmb_bits[d->sba_idx / 8], 0, "poll cleared the DMB bit");
	CHECK_EQ(ism_cpu16(owner->sba->dmbe_mask[d->sba_idx]), 0, "poll zeroed the mask");
	CHECK_EQ(ism_poll_sba(owner, record_dmb, &s), 0, "nothing more to deliver");
	ism_irq_ack(owner);
	CHECK(!irq_pending(owner), "ack drained the interrupt fd");
	ism_dmb_unregister(owner, d);
}

static void
test_ieq(void)
{
	struct ism_dev_stats st;
	struct tu_events q = { 0 };
	bool order = true;

	for (int i = 0; i < 10; i++)
		ism_signal(writer, ism_dev_gid(owner), 0x100 + i, i, false);
	CHECK_EQ(tu_collect(owner, &q, 10, 2000), 0, "10 events");
	for (int i = 0; i < 10; i++)
		order &= q.ev[i].code == 0x100u + i && q.ev[i].info == (uint64_t)i &&
			 q.ev[i].tok == ism_dev_gid(writer);
	CHECK(order, "events arrive in order with code, info and tok");

	/* 20 more without polling: the ring holds 15, 5 are overwritten */
	for (int i = 0; i < 20; i++)
		ism_signal(writer, ism_dev_gid(owner), 0x200, i, false);
	ism_dev_stats(owner, &st);
	CHECK_EQ(st.ieq_overruns, 5, "5 unread entries overwritten, counted");
	memset(&q, 0, sizeof(q));
	tu_collect(owner, &q, 5, 100);
	CHECK_EQ(q.n, 5, "the owner sees the 5 newest entries");
	CHECK(q.n == 5 && q.ev[0].info == 15 && q.ev[4].info == 19,
	      "the newest entries, in order");
}

static uint64_t
overruns(struct ism_dev *dev)
{
	struct ism_dev_stats st;

	ism_dev_stats(dev, &st);
	return st.ieq_overruns;
}

static void
signal_n(int n, uint32_t code)
{
	for (int i = 0; i < n; i++)
		ism_signal(writer, ism_dev_gid(owner), code, i, false);
}

/*
 * Model rule: a run of unread events starts with an event that finds the
 * SBA e bit clear (the owner clears it before it reads the IEQ); from its
 * 16th event on, each one is counted as an overrun.
 */
static void
test_ieq_overrun_rule(void)
{
	struct ism_ieq copy;
	uint64_t base;

	ism_poll_events(owner, NULL, NULL);
	base = overruns(owner);
	signal_n(15, 0x300);
	CHECK_EQ(overruns(owner), base, "15 events while the owner does not look: none lost");
	signal_n(1, 0x301);
	CHECK_EQ(overruns(owner), base + 1, "the 16th overwrites one: counted");
	signal_n(3, 0x302);
	CHECK_EQ(overruns(owner), base + 4, "each later one of the run too");
	CHECK_EQ(ism_poll_events(owner, NULL, NULL), 19 % ISM_IEQ_ENTRIES,
		 "the cursor sees 19 mod 15 new entries");

	base = overruns(owner);
	signal_n(10, 0x303);
	CHECK_EQ(ism_poll_events(owner, NULL, NULL), 10, "10 events read");
	signal_n(10, 0x304);
	CHECK_EQ(overruns(owner), base,
		 "10 + 10 with a look between: two runs, nothing lost");

	/* reading never writes the IEQ: the device owns it */
	signal_n(3, 0x305);
	memcpy(&copy, owner->ieq, sizeof(copy));
	CHECK_EQ(ism_poll_events(owner, NULL, NULL), 13, "13 events delivered");
	CHECK(memcmp(&copy, owner->ieq, sizeof(copy)) == 0,
	      "the IEQ is bit-identical before and after the poll");
	CHECK_EQ(overruns(owner), base, "and nothing was lost");
}

/* The IEQ is device memory: a device that sets its index back to 0 after
 * events (a reset, or a hostile one) must not keep the poll looping. */
static void
test_ieq_index_back_to_zero(void)
{
	ism_be64_t saved;
	uint64_t t0;
	int n;

	ism_poll_events(owner, NULL, NULL);
	signal_n(3, 0x306);
	CHECK_EQ(ism_poll_events(owner, NULL, NULL), 3, "3 events read");
	saved = owner->ieq->hdr.idx;
	owner->ieq->hdr.idx = ism_be64(0);
	t0 = tu_now_ms();
	n = ism_poll_events(owner, NULL, NULL);
	CHECK(n == 0 && tu_now_ms() - t0 < 1000,
	      "an IEQ index back at 0 ends the poll at once (got %d)", n);
	owner->ieq->hdr.idx = saved;
	n = ism_poll_events(owner, NULL, NULL);
	CHECK(n >= 1 && n <= ISM_IEQ_ENTRIES,
	      "then the queue is read from its start, one ring at most (%d)", n);
	CHECK_EQ(ism_poll_events(owner, NULL, NULL), 0, "and nothing more is new");
}

static void
test_dmb_table(void)
{
	struct ism_dmb_params p = { .len = 4096 };
	static struct ism_dmb *d[ISM_NR_SBA_BITS];
	int n = 0, rc = 0;

	p.rgid = ism_dev_gid(writer);
	while (n < ISM_NR_SBA_BITS && (rc = ism_dmb_register(owner, &p, &d[n])) == 0)
		n++;
	CHECK_EQ(n, ISM_SBA_IDX_LAST - ISM_SBA_IDX_FIRST + 1,
		 "SBA indexes 32..1919: 1888 DMBs fit");
	CHECK_EQ(rc, -ENOSPC, "the next one finds no SBA index");
	CHECK_EQ(d[n - 1]->sba_idx, ISM_SBA_IDX_LAST, "last index used is 1919");
	for (int i = 0; i < n; i++)
		ism_dmb_unregister(owner, d[i]);
}

int
main(void)
{
	tu_private_fabric_dir();
	owner = tu_open(FABRIC);
	writer = tu_open(FABRIC);
	stranger = tu_open(FABRIC);
	test_store_rules();
	test_vlan_store();
	test_sba();
	test_ieq();
	test_ieq_overrun_rule();
	test_ieq_index_back_to_zero();
	test_dmb_table();
	ism_dev_close(stranger);
	ism_dev_close(writer);
	ism_dev_close(owner);
	return check_done();
}

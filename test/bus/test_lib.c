/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ism through the vfio transport: commands, DMB moves, the store split,
 * polling, events and the MSI, on functions probed by the vfio_ism bus from
 * the emulated ism_vfio_pci interface, talking to each other and to a
 * function on the plain model transport. Run with VFIO_ISM_EMU_SHIFT=48,
 * 40 and "random": the bus must take every region offset from the uAPI.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_interrupts.h>
#include <rte_memory.h>

#include "bus_test.h"
#include "check.h"
#include "ism_private.h"
#include "test_util.h"

#define A_ADDR "0000:00:01.0"
#define B_ADDR "0000:00:02.0"
#define C_ADDR "0000:00:03.0"	/* store limit (imaxstbl) 2048 */

static struct ism_dev *a, *b, *c, *m;	/* m: model transport */

#define CHECK_REFUSED(dev, rc, err, ret, what) do { \
	CHECK_EQ((rc), -(err), "%s: errno", what); \
	CHECK_EQ(ism_last_ret(dev), (ret), "%s: device code %s", what, #ret); \
} while (0)

static uint64_t
pwrites(const char *addr)
{
	struct vism_emu_stats st;

	return vism_emu_stats(addr, &st) == 0 ? st.pwrites : 0;
}

static void
test_layout(void)
{
	const char *env = getenv("VFIO_ISM_EMU_SHIFT");
	unsigned int shift = vism_emu_shift(A_ADDR);

	if (env != NULL && strcmp(env, "random") == 0)
		CHECK(shift >= 41 && shift <= 56, "random shift %u in 41..56",
		      shift);
	else
		CHECK_EQ(shift, env != NULL ? atoi(env) : 48,
			 "regions at index << VFIO_ISM_EMU_SHIFT");
	check_diag("device regions at index << %u", shift);
}

static void
test_commands(void)
{
	struct ism_info info;
	struct ism_resp_hdr resp;
	struct ism_req_reg_ieq req = {
		.ieq = ism_be64(a->ieq_dma.iova),
		.len = ism_be64(sizeof(struct ism_ieq)),
	};
	int rc;

	CHECK(a != NULL && b != NULL && c != NULL && m != NULL,
	      "lib/ism opens on every probed function");
	CHECK_EQ(ism_dev_gid(a), vism_emu_gid(A_ADDR),
		 "READ_GID through the vfio transport is the model's GID");
	CHECK(ism_dev_gid(a) != ism_dev_gid(b), "two functions, two GIDs");
	CHECK_EQ(ism_query_info(a, &info), 0, "QUERY_INFO");
	CHECK_EQ(info.gid, ism_dev_gid(a), "QUERY_INFO my_gid == READ_GID");
	CHECK_EQ(info.sba, a->sba_dma.iova,
		 "QUERY_INFO shows the SBA at the IOVA the bus gave");
	CHECK_EQ(info.ieq, a->ieq_dma.iova, "... and the IEQ too");
	CHECK(rte_mem_iova2virt(info.sba) == a->sba_dma.addr,
	      "that IOVA is EAL memory (a memzone)");
	CHECK_EQ(info.ieq_len, sizeof(struct ism_ieq), "IEQ length");
	rc = ism_cmd_u64(a, ISM_CMD_REG_SBA, a->sba_dma.iova);
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "REG_SBA twice");
	rc = ism_cmd(a, ISM_CMD_REG_IEQ, &req, sizeof(req), &resp, sizeof(resp));
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "REG_IEQ twice");
	rc = ism_cmd_u64(a, 0x77, 0);
	CHECK_REFUSED(a, rc, EOPNOTSUPP, ISM_RET_BAD_CMD, "unknown command");

	CHECK_EQ(ism_query_rgid(a, ism_dev_gid(b), false, 0), 0,
		 "QUERY_RGID of a vfio peer");
	CHECK_EQ(ism_query_rgid(a, ism_dev_gid(m), false, 0), 0,
		 "QUERY_RGID of a model-transport peer");
	rc = ism_query_rgid(a, ism_dev_gid(b) ^ 0x100000, false, 0);
	CHECK_REFUSED(a, rc, EHOSTUNREACH, ISM_RET_NO_GID, "QUERY_RGID unknown");

	CHECK_EQ(ism_vlan_add(a, 10), 0, "ADD_VLAN_ID 10");
	rc = ism_vlan_add(a, 10);
	CHECK_REFUSED(a, rc, EBUSY, ISM_RET_BUSY, "ADD_VLAN_ID 10 again");
	CHECK_EQ(ism_query_info(a, &info), 0, "QUERY_INFO");
	CHECK_EQ(info.vlan_nr_ids, 1, "QUERY_INFO counts the VLAN id");
	CHECK_EQ(info.vlan_id[0], 10, "QUERY_INFO lists VLAN 10");
	CHECK_EQ(ism_vlan_del(a, 10), 0, "DEL_VLAN_ID 10");
}

/* A DMB on @owner for @writer; the writer moves @len bytes at @off. */
static void
move_and_check(struct ism_dev *owner, struct ism_dev *writer,
	       struct ism_dmb *d, uint32_t off, size_t len, uint64_t seq,
	       const char *what)
{
	struct ism_rdmb r = { .tok = d->tok, .len = d->len };
	uint8_t *buf = malloc(len);
	int mask;

	tu_fill(buf, len, seq);
	CHECK_EQ(ism_move(writer, &r, 0, off, buf, len, true), 0, "%s: move",
		 what);
	CHECK_EQ(tu_verify((uint8_t *)d->addr + off, len, seq), -1,
		 "%s: the data is in the owner's DMB memory", what);
	mask = tu_wait_dmb(owner, d->sba_idx, 2000);
	CHECK_EQ(mask, ism_dmbe_bit(0), "%s: SBA bit with element 0", what);
	free(buf);
}

static void
test_moves(void)
{
	struct ism_dmb_params p = { .len = 64 << 10, .rgid = ism_dev_gid(b) };
	struct ism_dmb *d = NULL, *dc = NULL, *dm = NULL, *big = NULL;
	struct ism_rdmb r;
	uint8_t buf[64];
	uint64_t before;
	int rc;

	CHECK_EQ(ism_dmb_register(a, &p, &d), 0, "REG_DMB 64 KiB for B");
	if (d == NULL)
		return;
	CHECK(ism_tok_valid(d->tok), "the token is valid");
	move_and_check(a, b, d, 0, 1, 1, "1 byte");
	move_and_check(a, b, d, 100, 4000, 2, "4000 bytes inside a page");
	move_and_check(a, b, d, 3000, 4097, 3, "4097 bytes across a page");
	move_and_check(a, b, d, 0, 64 << 10, 4, "the whole 64 KiB");

	/* the store split, counted at the syscall */
	before = pwrites(B_ADDR);
	move_and_check(a, b, d, 100, 10000, 5, "10000 bytes at 100");
	CHECK_EQ(pwrites(B_ADDR) - before, 3,
		 "10000 bytes at offset 100 are 3 pwrites (4 KiB boundaries)");

	/* refusals from the device come back as errors */
	r.tok = d->tok;
	r.len = d->len;
	memset(buf, 0x5a, sizeof(buf));
	rc = ism_move(c, &r, 0, 0, buf, sizeof(buf), false);
	CHECK_EQ(rc, -EACCES, "a writer that is not the rgid is refused");
	r.tok = d->tok ^ (UINT64_C(1) << 40);
	rc = ism_move(b, &r, 0, 0, buf, sizeof(buf), false);
	CHECK_EQ(rc, -ENXIO, "a store to an unknown token is refused");

	/* a store limit of 2048 from the zPCI capability: the store loop obeys it */
	p.rgid = ism_dev_gid(c);
	CHECK_EQ(ism_dmb_register(a, &p, &dc), 0, "REG_DMB for C");
	CHECK_EQ(ism_dev_transport(c)->max_store, 2048,
		 "C's transport has the store limit 2048 from imaxstbl, not maxstbl 128");
	if (dc != NULL) {
		before = pwrites(C_ADDR);
		move_and_check(a, c, dc, 0, 4096, 6, "4096 bytes by C");
		CHECK_EQ(pwrites(C_ADDR) - before, 2,
			 "with a store limit of 2048 a 4 KiB page is two pwrites");
	}

	/* vfio <-> model transport, both ways */
	p.rgid = ism_dev_gid(m);
	CHECK_EQ(ism_dmb_register(a, &p, &dm), 0, "REG_DMB on A for the model peer");
	if (dm != NULL)
		move_and_check(a, m, dm, 512, 8192, 7, "model peer into vfio DMB");
	ism_dmb_unregister(a, dm);
	p.rgid = ism_dev_gid(a);
	CHECK_EQ(ism_dmb_register(m, &p, &dm), 0, "REG_DMB on the model peer for A");
	if (dm != NULL)
		move_and_check(m, a, dm, 0, 5000, 8, "vfio into model DMB");
	ism_dmb_unregister(m, dm);

	/* the largest DMB */
	p.len = ISM_DMB_MAX_LEN;
	p.rgid = ism_dev_gid(b);
	CHECK_EQ(ism_dmb_register(a, &p, &big), 0, "REG_DMB of 1 MiB");
	if (big != NULL) {
		before = pwrites(B_ADDR);
		move_and_check(a, b, big, 0, ISM_DMB_MAX_LEN, 9, "1 MiB");
		CHECK_EQ(pwrites(B_ADDR) - before, 256,
			 "1 MiB is 256 pwrites of 4 KiB");
	}

	CHECK_EQ(ism_dmb_unregister(a, d), 0, "UNREG_DMB");
	CHECK_EQ(ism_dmb_unregister(a, dc), 0, "UNREG_DMB (C's)");
	CHECK_EQ(ism_dmb_unregister(a, big), 0, "UNREG_DMB (1 MiB)");
}

static int intr_calls;

static void
intr_cb(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&intr_calls, 1, __ATOMIC_RELAXED);
}

static void
test_events_and_msi(void)
{
	struct rte_vfio_ism_device *dev = bt_dev(A_ADDR);
	struct pollfd pfd = { .fd = ism_irq_fd(a), .events = POLLIN };
	struct tu_events q = { 0 };
	uint64_t t0;

	CHECK(pfd.fd >= 0, "A has an MSI eventfd");
	ism_irq_ack(a);
	ism_poll(a, NULL, NULL, NULL);
	CHECK_EQ(ism_signal(b, ism_dev_gid(a), ISM_EVCODE_TESTLINK, 42, true), 0,
		 "SIGNAL_IEQ from B with trigger_irq");
	CHECK_EQ(poll(&pfd, 1, 2000), 1, "the MSI eventfd becomes readable");
	ism_irq_ack(a);
	CHECK_EQ(tu_collect(a, &q, 1, 2000), 0, "A polls one event");
	CHECK_EQ(q.ev[0].type, ISM_EVENT_SWR, "a software event");
	CHECK_EQ(q.ev[0].code, ISM_EVCODE_TESTLINK, "with B's code");
	CHECK_EQ(q.ev[0].tok, ism_dev_gid(b), "from B's GID");
	CHECK_EQ(q.ev[0].info, 42, "with B's info");
	CHECK_EQ(poll(&pfd, 1, 0), 0, "irq_ack consumed the MSI");

	/* the same MSI through EAL's interrupt thread */
	CHECK(dev != NULL && dev->intr_handle != NULL,
	      "the device has an EAL interrupt handle");
	if (dev == NULL || dev->intr_handle == NULL)
		return;
	CHECK_EQ(rte_intr_callback_register(dev->intr_handle, intr_cb, NULL), 0,
		 "an EAL interrupt callback registers on it");
	CHECK_EQ(ism_signal(b, ism_dev_gid(a), ISM_EVCODE_TESTLINK, 43, true), 0,
		 "another SIGNAL_IEQ");
	t0 = tu_now_ms();
	while (__atomic_load_n(&intr_calls, __ATOMIC_RELAXED) == 0 &&
	       tu_now_ms() - t0 < 2000)
		tu_sleep_ms(1);
	CHECK_EQ(intr_calls, 1, "EAL's interrupt thread called back once");
	while (rte_intr_callback_unregister(dev->intr_handle, intr_cb, NULL) ==
	       -EAGAIN)
		tu_sleep_ms(1);
	q.n = 0;
	CHECK_EQ(tu_collect(a, &q, 1, 2000), 0, "and the event is there");
}

int
main(void)
{
	static const char *const args[] = { NULL };
	struct vism_emu_census cs;
	const char *fabric;

	bt_setup();
	bt_add(A_ADDR ",driver=ism_vfio_pci,group=1");
	bt_add(B_ADDR ",driver=ism_vfio_pci,group=2");
	/* as the kernel reports it: maxstbl 128 (the generic write size),
	 * the function's own limit in imaxstbl */
	bt_add(C_ADDR ",driver=ism_vfio_pci,group=3,imaxstbl=2048,maxstbl=128");
	if (bt_eal_init(args) < 0) {
		printf("Bail out! EAL does not start on the emulation\n");
		return 1;
	}
	fabric = getenv("VFIO_ISM_EMU_FABRIC");
	a = bt_open(A_ADDR);
	b = bt_open(B_ADDR);
	c = bt_open(C_ADDR);
	m = tu_open(fabric);
	if (a == NULL || b == NULL || c == NULL) {
		printf("Bail out! lib/ism does not open on the bus\n");
		return 1;
	}
	test_layout();
	test_commands();
	test_moves();
	test_events_and_msi();

	vism_emu_census(&cs);
	CHECK_EQ(cs.windows, 6, "the device holds SBA and IEQ of each function");
	ism_dev_close(a);
	ism_dev_close(b);
	ism_dev_close(c);
	ism_dev_close(m);
	vism_emu_census(&cs);
	CHECK_EQ(cs.windows, 0, "closing lib/ism gave all DMA memory back");
	bt_eal_cleanup();
	vism_emu_census(&cs);
	CHECK_EQ(cs.devices + cs.groups + cs.dma_maps + cs.irq_threads, 0,
		 "EAL cleanup closed every device, group and mapping");
	return check_done();
}

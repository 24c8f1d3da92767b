/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy RX (zero_copy= devarg): frames handed out as mbufs attached
 * to the RX DMB.
 *  - every size from 1 to 9018 bytes arrives byte for byte, in sequence,
 *    with zero_copy=on (one segment each, inside the DMB's ring) and with
 *    a threshold (smaller frames copied, chained over one mbuf);
 *  - frees in random order: the consumer cursor the sender sees (its
 *    credit) is after each free the cursor of the first frame still held,
 *    and the sender can write nothing while the ring's oldest frame is
 *    held: that frame stays intact;
 *  - a sender's restart waits for the held frames of its last session;
 *  - a port stopped and closed while the application holds frames: the
 *    frames stay readable and intact (new ports on the same fabric
 *    carrying traffic meanwhile), the function detaches only when the
 *    last one is freed;
 *  - the default (zero-copy from 2048 bytes: every frame of MTU 1500
 *    copied) and the devarg's values.
 * The sender's credit is read where the driver reads it, in the
 * sender's own RX DMB (the test links the PMD and sees its structures).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "ism_ethdev.h"
#include "ism_ring.h"
#include "pmd_test.h"
#include "rte_pmd_ism.h"

#define FABRIC "zctest"
#define FABRIC_CLOSE "zcclose"
#define RX_ROOM 2048		/* copied frames over it are chained */
#define SMALL_DMB 65536
#define THRESHOLD 3000
#define HB_TIMEOUT "600"

static struct rte_mempool *rx_pool, *tx_pool;

static struct ism_port *
port_priv(uint16_t port)
{
	return rte_eth_devices[port].data->dev_private;
}

/* Byte i of the frame with sequence number s. */
static inline uint8_t
pattern(uint32_t s, uint32_t i)
{
	return (uint8_t)(s * 131u + i * 7u + (i >> 8));
}

static bool
frame_intact(const struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	uint32_t off = 0;

	if (m->pkt_len != len)
		return false;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint32_t i = 0; i < s->data_len; i++, off++)
			if (d[i] != pattern(seq, off))
				return false;
	}
	return off == len;
}

static struct rte_mbuf *
make_frame(uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tx_pool);
	uint8_t *d = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (uint32_t i = 0; i < len; i++)
		d[i] = pattern(seq, i);
	return m;
}

/* One frame; false when TX does not take it (ring full, link down). */
static bool
send_one(uint16_t port, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = make_frame(seq, len);

	if (m == NULL)
		return false;
	if (rte_eth_tx_burst(port, 0, &m, 1) == 1)
		return true;
	rte_pktmbuf_free(m);
	return false;
}

/* Receive up to @n frames within @ms into @out. */
static uint16_t
recv_n(uint16_t port, struct rte_mbuf **out, uint16_t n, int ms)
{
	uint64_t end = pmd_now_ms() + (uint64_t)ms;
	uint16_t got = 0;

	while (got < n && pmd_now_ms() < end)
		got += rte_eth_rx_burst(port, 0, out + got, n - got);
	return got;
}

static bool
is_zero_copy(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_EXTERNAL) != 0;
}

/* Whether the frame's bytes lie in the ring of @port's RX DMB 0. */
static bool
in_ring(uint16_t port, const struct rte_mbuf *m)
{
	const struct ism_dmb *d = port_priv(port)->rx_dmb[0];
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return d != NULL && p >= (const uint8_t *)d->addr + ISM_RING_DATA_OFF &&
		p + m->data_len <= (const uint8_t *)d->addr + d->len;
}

static int
start_pair(uint16_t a, uint16_t b, uint16_t mtu)
{
	struct rte_eth_conf conf = { .rxmode = {
		.offloads = RTE_ETH_RX_OFFLOAD_SCATTER, .mtu = mtu } };
	uint16_t ports[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		int rc = rte_eth_dev_configure(ports[i], 1, 1, &conf);

		if (rc == 0)
			rc = rte_eth_rx_queue_setup(ports[i], 0, 512, 0, NULL, rx_pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(ports[i], 0, 512, 0, NULL);
		if (rc == 0)
			rc = rte_eth_dev_start(ports[i]);
		if (rc != 0)
			return rc;
	}
	return pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000) ? 0 : -1;
}

/*
 * Frames of every size 1..9018, size = sequence number, sent in batches
 * and checked as they come: in order, whole, zero-copy (one segment in
 * the ring) from @zc_min bytes on, copied below.
 */
static void
test_every_size(uint16_t a, uint16_t b, uint32_t zc_min, const char *what)
{
	uint32_t next = 1, sent = 1, intact = 0, wrong_path = 0, outside = 0;
	uint32_t chained = 0, want_zc = 0;
	uint64_t end = pmd_now_ms() + 60000;

	rte_eth_stats_reset(b);
	while (next <= ISM_MAX_FRAME && pmd_now_ms() < end) {
		struct rte_mbuf *m[16];
		uint16_t n;

		while (sent <= ISM_MAX_FRAME && sent < next + 16 &&
		       send_one(a, sent, sent))
			sent++;
		n = rte_eth_rx_burst(b, 0, m, RTE_DIM(m));
		for (uint16_t i = 0; i < n; i++, next++) {
			bool zc = is_zero_copy(m[i]);

			intact += frame_intact(m[i], next, next);
			wrong_path += zc != (next >= zc_min);
			outside += zc && (m[i]->nb_segs != 1 || !in_ring(b, m[i]));
			chained += m[i]->nb_segs > 1;
			rte_pktmbuf_free(m[i]);
		}
	}
	for (uint32_t s = 1; s <= ISM_MAX_FRAME; s++)
		want_zc += s >= zc_min;
	CHECK_EQ(next - 1, ISM_MAX_FRAME, "%s: all %u sizes arrived", what,
		 ISM_MAX_FRAME);
	CHECK_EQ(intact, ISM_MAX_FRAME, "%s: each one byte for byte, in sequence", what);
	CHECK_EQ(wrong_path, 0, "%s: zero-copy exactly from %u bytes on", what, zc_min);
	CHECK_EQ(outside, 0, "%s: zero-copy frames one segment inside the DMB's ring", what);
	CHECK_EQ(pmd_xstat(b, "rx_zero_copy_frames"), want_zc,
		 "%s: rx_zero_copy_frames counts them", what);
	if (zc_min > RX_ROOM)
		CHECK_EQ(chained, zc_min - 1 - RX_ROOM,
			 "%s: copied frames over one mbuf chained", what);
}

/* The consumer cursor of @a's TX ring that its peer published: @a's
 * credit, in @a's own RX DMB 0. */
static uint64_t
credit_of(uint16_t a)
{
	return ism_ring_load64(port_priv(a)->rx_dmb[0]->addr, ISM_RING_CREDIT_OFF);
}

#define HOLD_MAX 128

struct held {
	struct rte_mbuf *m[HOLD_MAX];
	uint64_t cur[HOLD_MAX];		/* ring cursor of each record */
	uint32_t seq0;
	uint16_t n;
};

/* Fill @a's TX ring with frames of @len bytes (until TX refuses one),
 * receive them all on @b and hold them; the cursor of each record is
 * derived from where its frame lies. */
static int
fill_and_hold(uint16_t a, uint16_t b, uint32_t seq0, uint32_t len, struct held *h)
{
	uint32_t ring = port_priv(b)->rxq[0]->ring_size;
	uint64_t base;
	const uint8_t *r0 = (const uint8_t *)port_priv(b)->rx_dmb[0]->addr +
			    ISM_RING_DATA_OFF;
	uint16_t sent = 0;

	/* credits of frames freed since b's last burst go out with its
	 * next one: the sender sees the whole ring free only after that */
	rte_eth_rx_burst(b, 0, NULL, 0);
	h->seq0 = seq0;
	base = port_priv(b)->rxq[0]->cons;
	while (sent < HOLD_MAX && send_one(a, seq0 + sent, len))
		sent++;
	h->n = recv_n(b, h->m, sent, 2000);
	if (h->n != sent)
		return -1;
	for (uint16_t i = 0; i < h->n; i++) {
		/* the record header is 8 bytes before the frame */
		uint32_t pos = (uint32_t)(rte_pktmbuf_mtod(h->m[i], const uint8_t *) -
					  r0) - (uint32_t)sizeof(struct ism_rec_hdr);
		uint64_t prev = i == 0 ? base : h->cur[i - 1];
		uint32_t prev_pos = (uint32_t)(prev % ring);

		if (!is_zero_copy(h->m[i]))
			return -1;
		h->cur[i] = prev + (pos >= prev_pos ? pos - prev_pos : ring - prev_pos + pos);
	}
	return sent;
}

static void
shuffle(uint16_t *order, uint16_t n, unsigned int seed)
{
	srand(seed);
	for (uint16_t i = 0; i < n; i++)
		order[i] = i;
	for (uint16_t i = n; i > 1; i--) {
		uint16_t j = (uint16_t)(rand() % i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

/* The cursor the sender should see: the first frame still held, or all
 * that was read. */
static uint64_t
expected_credit(const struct held *h, const bool *freed, uint16_t b)
{
	for (uint16_t i = 0; i < h->n; i++)
		if (!freed[i])
			return h->cur[i];
	return port_priv(b)->rxq[0]->cons;
}

static void
test_random_frees(uint16_t a, uint16_t b)
{
	struct held h;
	bool freed[HOLD_MAX] = { false };
	uint16_t order[HOLD_MAX], bad_credit = 0, damaged = 0;
	uint64_t last;
	int n;

	n = fill_and_hold(a, b, 100, 1000, &h);
	CHECK(n > 8, "b holds the %d frames of a full ring, zero-copy", n);
	if (n <= 8)
		return;
	rte_eth_rx_burst(b, 0, NULL, 0);
	CHECK_EQ(credit_of(a), h.cur[0], "a's credit stops at the first held frame");
	CHECK(!send_one(a, 9999, 1000), "a cannot send: the ring is b's until freed");

	/* all but the oldest, in random order: the credit must not move */
	shuffle(order, h.n, 7);
	for (uint16_t k = 0; k < h.n; k++) {
		uint16_t i = order[k];

		if (i == 0)
			continue;
		rte_pktmbuf_free(h.m[i]);
		freed[i] = true;
		rte_eth_rx_burst(b, 0, NULL, 0);
		bad_credit += credit_of(a) != h.cur[0];
	}
	CHECK_EQ(bad_credit, 0, "%u frees after the oldest one: a's credit stays on it",
		 h.n - 1);
	CHECK(!send_one(a, 9999, 1000), "a still cannot send 1000 bytes");
	{
		/* what is left of the ring, in 8-byte frames (16-byte records):
		 * never more than the held frame leaves free */
		struct rte_mbuf *sm[HOLD_MAX];
		uint64_t room = port_priv(b)->rxq[0]->ring_size -
				(port_priv(a)->txq[0]->prod - h.cur[0]);
		uint16_t k = 0, got, ok = 0;

		while (k < HOLD_MAX && send_one(a, 2000 + k, 8))
			k++;
		CHECK(k * 16u <= room, "a fills only the %" PRIu64 " bytes the held frame leaves (%u small frames)",
		      room, k);
		got = recv_n(b, sm, k, 2000);
		for (uint16_t i = 0; i < got; i++)
			ok += frame_intact(sm[i], 2000 + i, 8);
		CHECK_EQ(ok, k, "b gets them intact");
		rte_pktmbuf_free_bulk(sm, got);
		rte_eth_rx_burst(b, 0, NULL, 0);
		CHECK_EQ(credit_of(a), h.cur[0], "their frees leave the credit on the held frame");
	}
	CHECK(frame_intact(h.m[0], h.seq0, 1000), "the held frame is intact");
	rte_pktmbuf_free(h.m[0]);
	rte_eth_rx_burst(b, 0, NULL, 0);
	CHECK_EQ(credit_of(a), port_priv(b)->rxq[0]->cons,
		 "its free gives a everything b read");
	CHECK_EQ(credit_of(a), port_priv(a)->txq[0]->prod,
		 "which is everything a wrote");

	/* now fully random: after each free the credit is the first held */
	memset(freed, 0, sizeof(freed));
	n = fill_and_hold(a, b, 300, 1000, &h);
	CHECK(n > 8, "b holds a full ring again (%d frames)", n);
	if (n <= 8)
		return;
	shuffle(order, h.n, 11);
	last = credit_of(a);
	bad_credit = 0;
	for (uint16_t k = 0; k < h.n; k++) {
		uint16_t i = order[k];
		uint64_t c;

		damaged += !frame_intact(h.m[i], h.seq0 + i, 1000);
		rte_pktmbuf_free(h.m[i]);
		freed[i] = true;
		rte_eth_rx_burst(b, 0, NULL, 0);
		c = credit_of(a);
		bad_credit += c != expected_credit(&h, freed, b) || c < last;
		last = c;
	}
	CHECK_EQ(damaged, 0, "every held frame intact up to its free");
	CHECK_EQ(bad_credit, 0, "%u frees in random order: the credit is each time the first held frame's cursor, never back",
		 h.n);
	CHECK_EQ(credit_of(a), port_priv(a)->txq[0]->prod, "all free: all credit back");
	{
		struct rte_mbuf *m;

		CHECK(send_one(a, 500, 64) && recv_n(b, &m, 1, 2000) == 1 &&
		      frame_intact(m, 500, 64), "the ring carries frames again");
		if (m != NULL)
			rte_pktmbuf_free(m);
	}
}

/* The sender restarts (a new session would write the ring from its
 * start) while b holds frames of the old one: the link waits for them. */
static void
test_restart_waits(uint16_t a, uint16_t b)
{
	struct rte_mbuf *m[8];
	uint16_t n = 0, intact = 0;

	for (uint32_t s = 0; s < 8; s++)
		n += send_one(a, 700 + s, 1500);
	CHECK_EQ(recv_n(b, m, n, 2000), 8, "b holds 8 frames");
	pmd_log_clear();
	CHECK(rte_eth_dev_stop(a) == 0 && pmd_link_is(b, 0, 2000),
	      "a stops: b's link goes down");
	CHECK_EQ(rte_eth_dev_start(a), 0, "a starts again: a new session");
	CHECK(!pmd_link_is(b, 1, 2000), "b's link stays down past hb_timeout");
	CHECK(pmd_log_has("zero-copy frames"), "b says it waits for held frames");
	for (uint16_t i = 0; i < 8; i++)
		intact += frame_intact(m[i], 700 + i, 1500);
	CHECK_EQ(intact, 8, "the held frames are intact");
	rte_pktmbuf_free_bulk(m, 8);
	rte_eth_rx_burst(b, 0, NULL, 0);
	CHECK(pmd_link_is(b, 1, 5000) && pmd_link_is(a, 1, 5000),
	      "freed: the link comes back");
	CHECK(send_one(a, 800, 100) && recv_n(b, m, 1, 2000) == 1 &&
	      frame_intact(m[0], 800, 100), "and carries the new session's frames");
	rte_pktmbuf_free(m[0]);
}

/* Traffic through a new pair of ports on the fabric, whose DMBs would
 * take memory a wrongly freed DMB left behind. */
static uint32_t
churn(const char *n0, const char *n1)
{
	char args[128];
	int c0, c1;
	uint32_t ok = 0;

	snprintf(args, sizeof(args), "fabric=%s,pair=churn,dmb_size=%u", FABRIC_CLOSE,
		 SMALL_DMB);
	if (rte_vdev_init(n0, args) != 0 || rte_vdev_init(n1, args) != 0)
		return 0;
	c0 = pmd_port_of(n0);
	c1 = pmd_port_of(n1);
	if (c0 >= 0 && c1 >= 0 && start_pair((uint16_t)c0, (uint16_t)c1, 1500) == 0) {
		for (uint32_t s = 0; s < 400; s++) {
			struct rte_mbuf *m;

			if (send_one((uint16_t)c0, s, 1500) &&
			    recv_n((uint16_t)c1, &m, 1, 1000) == 1) {
				ok += frame_intact(m, s, 1500);
				rte_pktmbuf_free(m);
			}
		}
	}
	rte_vdev_uninit(n0);
	rte_vdev_uninit(n1);
	return ok;
}

static void
test_stop_close_held(void)
{
	char args[160];
	struct rte_mbuf *m[32];
	uint16_t order[32], n = 0, intact;
	int c, d;

	snprintf(args, sizeof(args), "fabric=%s,pair=cl,dmb_size=%u,zero_copy=on",
		 FABRIC_CLOSE, SMALL_DMB);
	CHECK(rte_vdev_init("net_ism4", args) == 0 &&
	      rte_vdev_init("net_ism5", args) == 0, "a pair on a fabric of its own");
	c = pmd_port_of("net_ism4");
	d = pmd_port_of("net_ism5");
	if (c < 0 || d < 0 || start_pair((uint16_t)c, (uint16_t)d, 1500) != 0) {
		CHECK(false, "the pair links");
		return;
	}
	for (uint32_t s = 0; s < 32; s++)
		n += send_one((uint16_t)c, 1000 + s, 1500);
	CHECK_EQ(recv_n((uint16_t)d, m, n, 2000), 32, "d holds 32 zero-copy frames");
	pmd_log_clear();
	CHECK_EQ(rte_eth_dev_stop((uint16_t)d), 0, "d stopped");
	CHECK(pmd_log_has("32 zero-copy frames: their DMB stays registered"),
	      "d says its DMB stays for the held frames");
	CHECK_EQ(rte_eth_dev_close((uint16_t)d), 0, "d closed");
	CHECK(pmd_log_has("the ISM function stays attached"),
	      "d says its function stays attached");
	rte_vdev_uninit("net_ism5");	/* its port is gone already */
	usleep(300 * 1000);
	CHECK_EQ(pmd_xstat((uint16_t)c, "gid_events"), 0,
		 "c got no GID event: d's function is still there");
	CHECK_EQ(churn("net_ism6", "net_ism7"), 400,
		 "400 frames through a new pair on the same fabric meanwhile");
	intact = 0;
	for (uint16_t i = 0; i < 32; i++) {
		if (frame_intact(m[i], 1000 + i, 1500))
			intact++;
		else
			check_diag("frame %u damaged", i);
	}
	CHECK_EQ(intact, 32, "after stop, close and that traffic: all 32 intact");
	shuffle(order, 32, 3);
	for (uint16_t k = 0; k < 31; k++)
		rte_pktmbuf_free(m[order[k]]);
	usleep(300 * 1000);
	CHECK_EQ(pmd_xstat((uint16_t)c, "gid_events"), 0,
		 "31 freed in random order: d's function still there");
	CHECK(frame_intact(m[order[31]], 1000 + order[31], 1500), "the last one intact");
	rte_pktmbuf_free(m[order[31]]);
	{
		uint64_t end = pmd_now_ms() + 3000;

		while (pmd_xstat((uint16_t)c, "gid_events") == 0 && pmd_now_ms() < end)
			usleep(10 * 1000);
	}
	CHECK(pmd_xstat((uint16_t)c, "gid_events") >= 1,
	      "the last free detaches it: c gets the GID event");
	CHECK(!pmd_log_has("unregister after the last zero-copy frame failed"),
	      "its DMB unregistered cleanly");
	rte_eth_dev_stop((uint16_t)c);
	rte_eth_dev_close((uint16_t)c);
	rte_vdev_uninit("net_ism4");
}

/* Without the devarg: frames of 2048 bytes and more zero-copy, smaller
 * ones (every frame of MTU 1500) copied; a port at MTU 1500 copies all,
 * in the copying burst. */
static void
test_default(void)
{
	static const uint32_t sizes[] = { 64, 1024, 1518, 2047, 2048, 9018 };
	unsigned int right = 0;
	int d0, d1;

	CHECK(rte_vdev_init("net_ism10", "fabric=" FABRIC ",pair=df") == 0 &&
	      rte_vdev_init("net_ism11", "fabric=" FABRIC ",pair=df") == 0,
	      "a pair without zero_copy=");
	d0 = pmd_port_of("net_ism10");
	d1 = pmd_port_of("net_ism11");
	if (d0 < 0 || d1 < 0 || start_pair((uint16_t)d0, (uint16_t)d1, 9000) != 0) {
		CHECK(false, "it links");
		return;
	}
	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		struct rte_mbuf *m = NULL;

		if (send_one((uint16_t)d0, i, sizes[i]) &&
		    recv_n((uint16_t)d1, &m, 1, 2000) == 1 &&
		    frame_intact(m, i, sizes[i]) &&
		    is_zero_copy(m) == (sizes[i] >= 2048))
			right++;
		rte_pktmbuf_free(m);
	}
	CHECK_EQ(right, RTE_DIM(sizes),
		 "64 to 2047 bytes copied, 2048 and 9018 zero-copy, all intact");
	CHECK(port_priv((uint16_t)d1)->rx_zc[0] != NULL, "at MTU 9000 the queue has zero-copy");
	CHECK(rte_eth_dev_stop((uint16_t)d1) == 0 && rte_eth_dev_set_mtu((uint16_t)d1, 1500) == 0 &&
	      rte_eth_dev_stop((uint16_t)d0) == 0 && rte_eth_dev_set_mtu((uint16_t)d0, 1500) == 0 &&
	      rte_eth_dev_start((uint16_t)d0) == 0 && rte_eth_dev_start((uint16_t)d1) == 0 &&
	      pmd_link_is((uint16_t)d1, 1, 5000), "both at MTU 1500, linked again");
	CHECK(port_priv((uint16_t)d1)->rx_zc[0] == NULL,
	      "at MTU 1500 no frame reaches 2048 bytes: the queue copies, in the copying burst");
	rte_vdev_uninit("net_ism10");
	rte_vdev_uninit("net_ism11");
}

static void
test_devarg(void)
{
	static const char *const bad[] = { "zero_copy=bogus", "zero_copy=0",
		"zero_copy=9019", "zero_copy=yes", "zero_copy=on,zero_copy=off" };
	static const char *const good[] = { "zero_copy=on", "zero_copy=off",
		"zero_copy=64", "zero_copy=9018" };
	char args[128];

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		snprintf(args, sizeof(args), "fabric=%s,pair=dv,%s", FABRIC, bad[i]);
		CHECK(rte_vdev_init("net_ism9", args) != 0, "%s refused", bad[i]);
	}
	CHECK(pmd_log_has("accepted: on, off, or 1..9018"), "the message says what is accepted");
	for (unsigned int i = 0; i < RTE_DIM(good); i++) {
		snprintf(args, sizeof(args), "fabric=%s,pair=dv,%s", FABRIC, good[i]);
		CHECK(rte_vdev_init("net_ism9", args) == 0 &&
		      rte_vdev_uninit("net_ism9") == 0, "%s accepted", good[i]);
	}
}

int
main(int argc, char **argv)
{
	int a, b, t0, t1;

	(void)argc;
	if (pmd_eal_start(argv[0], "zc") < 0 || pmd_log_start() < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	rx_pool = rte_pktmbuf_pool_create("zc_rx", 4096, 128, 0,
					  RX_ROOM + RTE_PKTMBUF_HEADROOM, 0);
	tx_pool = rte_pktmbuf_pool_create("zc_tx", 1024, 64, 0,
					  ISM_MAX_FRAME + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(rx_pool != NULL && tx_pool != NULL, "mbuf pools");
	CHECK(rte_vdev_init("net_ism0", "fabric=" FABRIC ",pair=on,dmb_size=65536,hb_timeout=" HB_TIMEOUT) == 0 &&
	      rte_vdev_init("net_ism1", "fabric=" FABRIC ",pair=on,dmb_size=65536,hb_timeout=" HB_TIMEOUT ",zero_copy=on") == 0 &&
	      rte_vdev_init("net_ism2", "fabric=" FABRIC ",pair=th,zero_copy=off") == 0 &&
	      rte_vdev_init("net_ism3", "fabric=" FABRIC ",pair=th,zero_copy=3000") == 0,
	      "ports: zero_copy=on over a 64 KiB ring, zero_copy=3000");
	a = pmd_port_of("net_ism0");
	b = pmd_port_of("net_ism1");
	t0 = pmd_port_of("net_ism2");
	t1 = pmd_port_of("net_ism3");
	if (a < 0 || b < 0 || t0 < 0 || t1 < 0) {
		check_diag("%s", pmd_log_text());
		printf("Bail out! no ports\n");
		pmd_log_stop();
		pmd_eal_stop();		/* removes the fabric and runtime dirs */
		return 99;
	}
	{
		uint64_t ga = 0, gb = 0;

		CHECK(rte_pmd_ism_get_gid((uint16_t)a, &ga) == 0 &&
		      rte_pmd_ism_get_gid((uint16_t)b, &gb) == 0 && ga != gb,
		      "two functions");
	}
	CHECK_EQ(start_pair((uint16_t)a, (uint16_t)b, 9000), 0, "pair on, MTU 9000, linked");
	CHECK_EQ(start_pair((uint16_t)t0, (uint16_t)t1, 9000), 0, "pair 3000, linked");
	test_every_size((uint16_t)a, (uint16_t)b, 1, "zero_copy=on");
	test_every_size((uint16_t)t0, (uint16_t)t1, THRESHOLD, "zero_copy=3000");
	test_random_frees((uint16_t)a, (uint16_t)b);
	test_restart_waits((uint16_t)a, (uint16_t)b);
	test_stop_close_held();
	test_default();
	test_devarg();
	{
		const int ports[] = { a, b, t0, t1 };

		for (unsigned int i = 0; i < RTE_DIM(ports); i++) {
			rte_eth_dev_stop((uint16_t)ports[i]);
			rte_eth_dev_close((uint16_t)ports[i]);
		}
	}
	rte_vdev_uninit("net_ism0");
	rte_vdev_uninit("net_ism1");
	rte_vdev_uninit("net_ism2");
	rte_vdev_uninit("net_ism3");
	pmd_log_stop();
	pmd_eal_stop();
	return check_done();
}

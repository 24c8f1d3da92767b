/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ism through the ethdev API in one process: two ports paired on one
 * fabric. Every frame size 60..9000 crosses byte-identical and in order per
 * queue (single- and multi-segment, scattered RX); bad devargs fail with a
 * message naming the value and leave nothing in the fabric; a peer that
 * writes garbage into our RX ring is counted and survived; closing and
 * re-creating the peer takes the link down and up again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "pmd_test.h"
#include "ism.h"
#include "ism_model.h"
#include "rte_pmd_ism.h"

#define FABRIC "pmdtest"
#define NQ 2
#define WAIT_MS 10000
#define SEG_ROOM 2048

static struct rte_mempool *pool, *big_pool;
static char fabric_dir[64];

static int
setup_port(uint16_t port, uint16_t nq, uint16_t mtu, struct rte_mempool *mp)
{
	/* scatter: the size tests send frames over small mbufs */
	struct rte_eth_conf conf = {
		.rxmode = { .offloads = RTE_ETH_RX_OFFLOAD_SCATTER },
		.intr_conf = { .lsc = 1, .rxq = 1 },
	};
	int rc;

	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_set_mtu(port, mtu);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, 512, 0, NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, 512, 0, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

static int
make_pair(const char *a, const char *b, const char *extra_a,
	  const char *extra_b, int *pa, int *pb)
{
	char args[256];

	snprintf(args, sizeof(args), "fabric=" FABRIC ",pair=duo%s", extra_a);
	if (rte_vdev_init(a, args) < 0)
		return -1;
	snprintf(args, sizeof(args), "fabric=" FABRIC ",pair=duo%s", extra_b);
	if (rte_vdev_init(b, args) < 0)
		return -1;
	*pa = pmd_port_of(a);
	*pb = pmd_port_of(b);
	return 0;
}

static void
drop_port(const char *name)
{
	int port = pmd_port_of(name);

	if (port >= 0) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_vdev_uninit(name);
}

/* A frame of @len bytes: seq and len up front, then a pattern. */
static uint8_t
pat(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7 + i * 13 + (i >> 7));
}

static struct rte_mbuf *
make_frame(struct rte_mempool *mp, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t done = 0;

	while (done < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = len - done;
		uint8_t *d;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (n > rte_pktmbuf_tailroom(m))
			n = rte_pktmbuf_tailroom(m);
		d = rte_pktmbuf_mtod(m, uint8_t *);
		for (uint32_t i = 0; i < n; i++)
			d[i] = pat(seq, done + i);
		m->data_len = (uint16_t)n;
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
		}
		prev = m;
		done += n;
	}
	memcpy(rte_pktmbuf_mtod(head, uint8_t *), &seq, 4);
	memcpy(rte_pktmbuf_mtod(head, uint8_t *) + 4, &len, 4);
	head->pkt_len = len;
	return head;
}

/* Byte-compare a received frame against what make_frame built. */
static bool
frame_ok(struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	uint32_t off = 0, got_seq, got_len;
	const uint8_t *h;
	uint8_t buf[8];

	if (m->pkt_len != len)
		return false;
	h = rte_pktmbuf_read(m, 0, 8, buf);	/* may point into the mbuf */
	if (h == NULL)
		return false;
	memcpy(&got_seq, h, 4);
	memcpy(&got_len, h + 4, 4);
	if (got_seq != seq || got_len != len)
		return false;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint32_t i = 0; i < s->data_len; i++, off++)
			if (off >= 8 && d[i] != pat(seq, off))
				return false;
	}
	return off == len;
}

struct flow {
	uint32_t sent[NQ];
	uint32_t recv[NQ];
	uint32_t bad;
	uint32_t segs_rx;	/* frames that arrived scattered */
};

/* Send frames @first..@last (size = index) round robin over the queues of
 * @tx and check each on @rx in order; returns frames verified. */
static uint32_t
stream_sizes(uint16_t tx, uint16_t rx, uint32_t first, uint32_t last,
	     struct rte_mempool *mp, struct flow *f)
{
	uint32_t ok = 0, want = last - first + 1;
	uint64_t end = pmd_now_ms() + WAIT_MS;
	uint32_t next = first;

	while (ok + f->bad < want && pmd_now_ms() < end) {
		for (uint16_t q = 0; q < NQ && next <= last; q++, next++) {
			struct rte_mbuf *m = make_frame(mp, f->sent[q], next);

			if (m == NULL || rte_eth_tx_burst(tx, q, &m, 1) != 1) {
				rte_pktmbuf_free(m);
				break;	/* credit or mbufs: retry this one */
			}
			f->sent[q]++;
		}
		for (uint16_t q = 0; q < NQ; q++) {
			struct rte_mbuf *pk[32];
			uint16_t n = rte_eth_rx_burst(rx, q, pk, 32);

			for (uint16_t i = 0; i < n; i++) {
				uint32_t len = pk[i]->pkt_len;

				if (frame_ok(pk[i], f->recv[q], len)) {
					ok++;
				} else {
					if (f->bad++ == 0)
						check_diag("first bad frame: queue %u, %u bytes, %u segments, expected seq %u",
							   q, len, pk[i]->nb_segs, f->recv[q]);
				}
				f->segs_rx += pk[i]->nb_segs > 1;
				f->recv[q]++;
				rte_pktmbuf_free(pk[i]);
			}
		}
	}
	return ok;
}

static void
test_devargs(void)
{
	struct ism_model_opts keep = { .keep = 1 };
	struct ism_model_stat st;
	struct ism_transport *t;

	/* the fabric exists and stays when its functions are gone, so
	 * "nothing left behind" can be checked in it */
	if (ism_model_attach(FABRIC, &keep, &t) == 0)
		t->ops->close(t);

	pmd_log_clear();
	CHECK(rte_vdev_init("net_ism7", "fabric=" FABRIC ",pair=x,bogus=1") < 0,
	      "unknown devarg refused");
	CHECK(pmd_log_has("unknown devarg 'bogus'"), "message names the key");
	CHECK(rte_vdev_init("net_ism7", "fabric=" FABRIC ",peer=garbage") < 0,
	      "peer=garbage refused");
	CHECK(pmd_log_has("peer=garbage is not a number"), "message names the value");
	CHECK(rte_vdev_init("net_ism7", "fabric=" FABRIC ",pair=x,dmb_size=2097152") < 0,
	      "dmb_size too big refused");
	CHECK(pmd_log_has("dmb_size=2097152 is not a number in 16384..1048576"),
	      "message gives the range");
	CHECK(rte_vdev_init("net_ism7", "pair=x") < 0, "fabric missing refused");
	CHECK(pmd_log_has("needs fabric=<name>"), "message says what is missing");
	CHECK(rte_vdev_init("net_ism7", "fabric=no/such,pair=x") < 0,
	      "bad fabric name refused");
	CHECK(rte_vdev_init("net_ism7", "fabric=" FABRIC) < 0, "no peer or pair refused");
	CHECK(rte_vdev_init("net_ism7", "fabric=" FABRIC ",pair") < 0,
	      "a key without a value refused (no crash)");
	CHECK(pmd_log_has("devarg 'pair' needs a value"), "message names the key");
	CHECK(pmd_port_of("net_ism7") < 0, "no port left behind");
	CHECK_EQ(ism_model_stat(FABRIC, &st), 0, "fabric readable");
	CHECK_EQ(st.functions, 0, "no function left behind in the fabric");
	CHECK_EQ(st.heap_pages_used, 0, "no DMA memory left behind in the fabric");
}

static void
test_sizes(uint16_t a, uint16_t b)
{
	struct flow f = { 0 };
	uint32_t ok;
	uint64_t gid, peer;
	struct rte_eth_stats sa, sb;

	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "both links up");
	CHECK_EQ(rte_eth_promiscuous_enable(a), 0, "promiscuous mode accepted");
	CHECK_EQ(rte_eth_promiscuous_get(a), 1, "and reported");
	CHECK_EQ(rte_eth_allmulticast_enable(a), 0, "allmulticast mode accepted");
	CHECK_EQ(rte_eth_allmulticast_get(a), 1, "and reported");
	CHECK_EQ(rte_pmd_ism_get_gid(a, &gid), 0, "rte_pmd_ism_get_gid");
	CHECK_EQ(rte_pmd_ism_get_peer(b, &peer), 0, "rte_pmd_ism_get_peer");
	CHECK_EQ(peer, gid, "b's peer is a");
	ok = stream_sizes(a, b, 60, 9000, pool, &f);
	CHECK_EQ(ok, 9000 - 60 + 1,
		 "every frame 60..9000 bytes, multi-segment TX, arrives byte-identical in order per queue");
	CHECK_EQ(f.bad, 0, "no frame damaged or out of order");
	CHECK(f.segs_rx > 0, "large frames arrived scattered over %u-byte mbufs (%u)",
	      SEG_ROOM, f.segs_rx);
	memset(&f, 0, sizeof(f));
	rte_eth_stats_reset(a);
	rte_eth_stats_reset(b);
	ok = stream_sizes(b, a, 8990, 9000, big_pool, &f);
	CHECK_EQ(ok, 11, "jumbo frames the other way, single segment");
	rte_eth_stats_get(a, &sa);
	rte_eth_stats_get(b, &sb);
	CHECK_EQ(sb.opackets, 11, "tx stats count the frames");
	CHECK_EQ(sa.ipackets, sb.opackets, "rx count equals tx count");
	CHECK_EQ(sa.ibytes, sb.obytes, "rx bytes equal tx bytes");
	CHECK_EQ(sa.q_ipackets[0] + sa.q_ipackets[1], sa.ipackets, "per-queue stats add up");
}

/* Act as a hostile peer: a's ISM function writes garbage into b's ring. */
static void
test_garbage(uint16_t a, uint16_t b)
{
	struct ism_dev *dev_a = rte_pmd_ism_get_dev(a), *dev_b = rte_pmd_ism_get_dev(b);
	struct ism_dmb *ring = NULL;
	struct ism_rdmb r;
	struct flow f = { 0 };
	struct rte_mbuf *pk[8];
	uint8_t junk[512];
	uint64_t prod, before = pmd_xstat(b, "rx_corrupt_records");
	ism_be64_t cur;
	uint32_t ok = 0;

	CHECK_EQ(rte_pmd_ism_get_peer_dmb(a, 0, &r), 0, "a's TX target of queue 0");
	for (unsigned int i = ISM_SBA_IDX_FIRST; i <= ISM_SBA_IDX_LAST && !ring; i++)
		if (ism_dmb_by_sba_idx(dev_b, i) && ism_dmb_by_sba_idx(dev_b, i)->tok == r.tok)
			ring = ism_dmb_by_sba_idx(dev_b, i);
	CHECK(ring != NULL, "it is b's RX DMB 0");
	if (ring == NULL)
		return;
	memcpy(&cur, ring->addr, 8);
	prod = ism_cpu64(cur);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	CHECK_EQ(ism_move(dev_a, &r, 0, 256 + (uint32_t)(prod % (r.len - 256)),
			  junk, 64, false), 0, "garbage record written into b's ring");
	cur = ism_be64(prod + 64);
	CHECK_EQ(ism_move(dev_a, &r, 0, 0, &cur, 8, false), 0, "and published");
	CHECK_EQ(rte_eth_rx_burst(b, 0, pk, 8), 0, "b delivers nothing of it");
	CHECK(pmd_xstat(b, "rx_corrupt_records") > before,
	      "rx_corrupt_records moved (%" PRIu64 " -> %" PRIu64 ")", before,
	      pmd_xstat(b, "rx_corrupt_records"));
	/* a lying cursor, far beyond the ring */
	before = pmd_xstat(b, "rx_cursor_errors");
	cur = ism_be64(prod + (UINT64_C(1) << 40));
	ism_move(dev_a, &r, 0, 0, &cur, 8, false);
	CHECK_EQ(rte_eth_rx_burst(b, 0, pk, 8), 0, "b delivers nothing for a lying cursor");
	CHECK(pmd_xstat(b, "rx_cursor_errors") > before, "rx_cursor_errors moved");
	/* from here on everything must arrive again */
	/* a's own cursor is behind what b accepted: b resyncs once more */
	for (int i = 0; i < 20 && ok == 0; i++) {
		memset(&f, 0, sizeof(f));
		ok = stream_sizes(a, b, 200, 200, pool, &f);
	}
	memset(&f, 0, sizeof(f));
	ok = stream_sizes(a, b, 64, 1563, pool, &f);
	CHECK_EQ(ok, 1500, "the port keeps working: 1500 frames verified after the attack");
	CHECK_EQ(f.bad, 0, "none of them damaged");
}

static void
test_rx_intr(uint16_t a, uint16_t b)
{
	struct rte_epoll_event ev[1];
	struct rte_mbuf *m = make_frame(pool, 0, 60), *pk[4];
	int n;

	CHECK_EQ(rte_eth_dev_rx_intr_ctl_q(b, 0, RTE_EPOLL_PER_THREAD,
					   RTE_INTR_EVENT_ADD, NULL), 0,
		 "RX queue 0 interrupt added to the epoll set");
	CHECK_EQ(rte_eth_dev_rx_intr_enable(b, 0), 0, "RX interrupt armed");
	usleep(20000);
	CHECK_EQ(rte_eth_tx_burst(a, 0, &m, 1), 1, "one frame sent");
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, 1, 2000);
	CHECK_EQ(n, 1, "the interrupt woke the waiter");
	rte_eth_dev_rx_intr_disable(b, 0);
	usleep(1000);
	n = rte_eth_rx_burst(b, 0, pk, 4);
	CHECK_EQ(n, 1, "and the frame is there");
	rte_pktmbuf_free_bulk(pk, n);

	/* disarmed: the sender stops setting sf, so no SBA bit, no MSI */
	ism_poll_sba(rte_pmd_ism_get_dev(b), NULL, NULL);
	m = make_frame(pool, 1, 60);
	CHECK_EQ(rte_eth_tx_burst(a, 0, &m, 1), 1, "a frame sent while disarmed");
	usleep(1000);
	CHECK_EQ(ism_poll_sba(rte_pmd_ism_get_dev(b), NULL, NULL), 0,
		 "no signal flag without armed interrupts");
	n = rte_eth_rx_burst(b, 0, pk, 4);
	CHECK_EQ(n, 1, "the frame arrived all the same");
	rte_pktmbuf_free_bulk(pk, n);
	rte_eth_dev_rx_intr_ctl_q(b, 0, RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_DEL, NULL);
}

static void
test_restart(uint16_t a)
{
	struct flow f = { 0 };
	uint64_t t0;
	int b;

	drop_port("net_ism1");
	t0 = pmd_now_ms();
	CHECK(pmd_link_is(a, 0, 3000), "peer closed: link down within 3 s (%" PRIu64 " ms)",
	      pmd_now_ms() - t0);
	CHECK(rte_vdev_init("net_ism1", "fabric=" FABRIC ",pair=duo") == 0,
	      "peer created again");
	b = pmd_port_of("net_ism1");
	CHECK_EQ(setup_port(b, NQ, RTE_ETHER_MTU, pool), 0, "peer set up again");
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up again");
	CHECK_EQ(stream_sizes(a, b, 60, 1059, pool, &f), 1000, "traffic resumes");
	drop_port("net_ism1");
}

/* The peer says HELLO before this port is even configured: the queue
 * count it compares against is not known yet, and must not stick. */
static void
test_late_configure(void)
{
	int a, b;

	CHECK_EQ(make_pair("net_ism4", "net_ism5", "", "", &a, &b), 0, "third pair");
	CHECK_EQ(setup_port(b, 1, RTE_ETHER_MTU, pool), 0, "b started first");
	usleep(400000);		/* a hears b's HELLOs while unconfigured */
	CHECK_EQ(setup_port(a, 1, RTE_ETHER_MTU, pool), 0, "a configured late");
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS),
	      "link up although the first HELLO came before configure");
	drop_port("net_ism4");
	drop_port("net_ism5");
}

/*
 * Bursts of records that fill the ring exactly: 63 records of 256 bytes in
 * a 16128-byte ring, so a burst runs over the ring's end with no WRAP
 * record between its two halves.
 */
static void
test_exact_ring_end(void)
{
	struct rte_mbuf *tx[32], *rx[64];
	uint32_t seq = 0, want = 0, bad = 0;
	uint64_t end = pmd_now_ms() + WAIT_MS;
	int a, b;

	CHECK_EQ(make_pair("net_ism10", "net_ism11", ",dmb_size=16384",
			   ",dmb_size=16384", &a, &b), 0, "pair with 16 KiB DMBs");
	setup_port(a, 1, RTE_ETHER_MTU, pool);
	setup_port(b, 1, RTE_ETHER_MTU, pool);
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up");
	while (want < 2000 && pmd_now_ms() < end) {
		uint16_t n, sent = 0;

		for (int i = 0; i < 32; i++)
			tx[i] = make_frame(pool, seq + i, 248);	/* 256-byte records */
		while (sent < 32 && pmd_now_ms() < end) {
			sent += rte_eth_tx_burst(a, 0, tx + sent, 32 - sent);
			n = rte_eth_rx_burst(b, 0, rx, 64);
			for (uint16_t i = 0; i < n; i++, want++) {
				bad += !frame_ok(rx[i], want, 248);
				rte_pktmbuf_free(rx[i]);
			}
		}
		rte_pktmbuf_free_bulk(tx + sent, 32 - sent);
		seq += 32;
	}
	for (int i = 0; i < 100; i++) {
		uint16_t n = rte_eth_rx_burst(b, 0, rx, 64);

		for (uint16_t k = 0; k < n; k++, want++) {
			bad += !frame_ok(rx[k], want, 248);
			rte_pktmbuf_free(rx[k]);
		}
	}
	CHECK(want >= 2000, "2000 frames through a ring they fill exactly (%u)", want);
	CHECK_EQ(bad, 0, "all byte-identical, in order");
	CHECK_EQ(pmd_xstat(a, "tx_store_errors"), 0, "no store ran past the DMB end");
	drop_port("net_ism10");
	drop_port("net_ism11");
}

/* Receive what b has, each frame checked against @sizes in order; the
 * number of bad ones (also any past the last of @sizes). */
static uint32_t
recv_sizes(uint16_t b, const uint32_t *sizes, uint32_t nsizes, uint32_t *got)
{
	struct rte_mbuf *rx[8];
	uint16_t n = rte_eth_rx_burst(b, 0, rx, RTE_DIM(rx));
	uint32_t bad = 0;

	for (uint16_t k = 0; k < n; k++, (*got)++) {
		bad += *got >= nsizes || !frame_ok(rx[k], *got, sizes[*got]);
		rte_pktmbuf_free(rx[k]);
	}
	return bad;
}

/*
 * A jumbo frame that does not fit before the end of a small ring: 16 KiB
 * DMBs (a ring of 16128 bytes) and a 9018-byte frame (a 9032-byte record)
 * after one of 7200 bytes, so that the ring's end lies 8920 bytes on. The
 * frame and its WRAP together never fit, however far the receiver read:
 * the WRAP must go first, alone.
 */
static void
test_jumbo_small_ring(void)
{
	static const uint32_t sizes[] = { 7200, 9018, 9018, 7200, 9018, 100, 9018 };
	uint32_t got = 0, bad = 0;
	uint64_t end;
	int a, b;

	CHECK_EQ(make_pair("net_ism12", "net_ism13", ",dmb_size=16384",
			   ",dmb_size=16384", &a, &b), 0, "pair with 16 KiB DMBs");
	setup_port(a, 1, 9000, pool);
	setup_port(b, 1, 9000, pool);
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up");
	end = pmd_now_ms() + WAIT_MS;
	for (uint32_t i = 0; i < RTE_DIM(sizes) && pmd_now_ms() < end; i++) {
		struct rte_mbuf *m = make_frame(pool, i, sizes[i]);
		uint16_t sent = 0;

		/* one frame at a time, each received before the next: the
		 * receiver is never behind */
		while (m != NULL && (sent = rte_eth_tx_burst(a, 0, &m, 1)) == 0 &&
		       pmd_now_ms() < end)
			bad += recv_sizes(b, sizes, RTE_DIM(sizes), &got);
		if (sent == 0) {
			rte_pktmbuf_free(m);
			break;
		}
		while (got <= i && pmd_now_ms() < end)
			bad += recv_sizes(b, sizes, RTE_DIM(sizes), &got);
	}
	CHECK_EQ(got, RTE_DIM(sizes), "every jumbo frame went through the 16 KiB ring");
	CHECK_EQ(bad, 0, "all byte-identical, in order");
	drop_port("net_ism12");
	drop_port("net_ism13");
}

static int lsc_calls;

/* An LSC callback that calls back into the driver must not deadlock. */
static int
lsc_cb(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	uint64_t peer;

	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	rte_pmd_ism_get_peer(port, &peer);
	lsc_calls++;
	return 0;
}

/* Send @n frames a -> b on queue 0 and count how many arrive intact. */
static uint32_t
send_and_count(uint16_t a, uint16_t b, uint32_t n)
{
	struct rte_mbuf *m, *rx[32];
	uint32_t sent = 0, got = 0, bad = 0;
	uint64_t end = pmd_now_ms() + 3000;

	while ((sent < n || got + bad < sent) && pmd_now_ms() < end) {
		if (sent < n) {
			m = make_frame(pool, sent, 100);
			if (rte_eth_tx_burst(a, 0, &m, 1) == 1)
				sent++;
			else
				rte_pktmbuf_free(m);
		}
		for (uint16_t i = 0, k = rte_eth_rx_burst(b, 0, rx, 32); i < k; i++) {
			if (frame_ok(rx[i], got + bad, 100))
				got++;
			else
				bad++;
			rte_pktmbuf_free(rx[i]);
		}
	}
	return bad == 0 ? got : 0;
}

/*
 * Restart without setting the queues up again (as testpmd's port
 * stop/start does), the sender polled only after the link is up again:
 * the ring reset must not be lost. And a new peer six times over while
 * our TX is never polled: DMBs are rebound, never used up.
 */
static void
test_restart_without_setup(void)
{
	int a, b;

	CHECK_EQ(make_pair("net_ism12", "net_ism13", "", "", &a, &b), 0, "fifth pair");
	rte_eth_dev_callback_register(b, RTE_ETH_EVENT_INTR_LSC, lsc_cb, NULL);
	setup_port(a, 1, RTE_ETHER_MTU, pool);
	setup_port(b, 1, RTE_ETHER_MTU, pool);
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up");
	CHECK_EQ(send_and_count(a, b, 200), 200, "200 frames a -> b");
	CHECK_EQ(send_and_count(b, a, 200), 200, "200 frames b -> a");
	CHECK_EQ(rte_eth_dev_stop(a), 0, "port a stopped");
	CHECK(pmd_link_is(b, 0, 3000), "b sees the link go down");
	CHECK_EQ(rte_eth_dev_start(a), 0, "port a started, queues as they were");
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up again");
	CHECK_EQ(send_and_count(a, b, 200), 200, "200 frames a -> b after the restart");
	CHECK_EQ(send_and_count(b, a, 200), 200, "200 frames b -> a after the restart");
	CHECK(lsc_calls >= 3, "LSC callbacks that call the driver ran (%d)", lsc_calls);

	for (int i = 0; i < 6; i++) {
		drop_port("net_ism13");
		rte_vdev_init("net_ism13", "fabric=" FABRIC ",pair=duo");
		b = pmd_port_of("net_ism13");
		setup_port(b, 1, RTE_ETHER_MTU, pool);
		if (!pmd_link_is(a, 1, WAIT_MS) || !pmd_link_is(b, 1, WAIT_MS))
			break;
		if (i == 5)
			CHECK(true, "six new peers in a row, a's TX never polled: link up each time");
	}
	CHECK_EQ(send_and_count(b, a, 200), 200, "the sixth peer's frames arrive");
	CHECK_EQ(send_and_count(a, b, 200), 200, "and a's reach it");
	drop_port("net_ism12");
	drop_port("net_ism13");
}

/* mac= sets the address, else it is derived from the GID; dev_reset
 * brings a port back to just after probe, and it links up again. */
static void
test_mac_and_reset(void)
{
	struct rte_ether_addr want, got_a, got_b;
	int a, b;

	rte_ether_unformat_addr("02:11:22:33:44:55", &want);
	CHECK_EQ(make_pair("net_ism8", "net_ism9", ",mac=02:11:22:33:44:55", "",
			   &a, &b), 0, "fourth pair, one with mac=");
	rte_eth_macaddr_get(a, &got_a);
	rte_eth_macaddr_get(b, &got_b);
	CHECK(rte_is_same_ether_addr(&want, &got_a), "mac= is the port's address");
	CHECK(rte_is_unicast_ether_addr(&got_b) && (got_b.addr_bytes[0] & 2),
	      "derived address is unicast, locally administered");
	setup_port(a, 1, RTE_ETHER_MTU, pool);
	setup_port(b, 1, RTE_ETHER_MTU, pool);
	CHECK(pmd_link_is(a, 1, WAIT_MS), "link up");
	CHECK_EQ(rte_eth_dev_reset(a), 0, "dev_reset");
	CHECK(pmd_link_is(b, 0, 3000), "the peer sees the link go down");
	CHECK_EQ(setup_port(a, 1, RTE_ETHER_MTU, pool), 0, "reconfigured after reset");
	CHECK(pmd_link_is(a, 1, WAIT_MS) && pmd_link_is(b, 1, WAIT_MS), "link up again after reset");
	drop_port("net_ism8");
	drop_port("net_ism9");
}

static void
test_mismatch(void)
{
	int a, b;

	pmd_log_clear();
	CHECK_EQ(make_pair("net_ism2", "net_ism3", "", "", &a, &b), 0, "second pair");
	setup_port(a, 1, RTE_ETHER_MTU, pool);
	setup_port(b, 2, 9000, pool);
	CHECK(!pmd_link_is(a, 1, 500) && !pmd_link_is(b, 1, 10), "mismatched ports stay down");
	CHECK(pmd_log_has("queue count mismatch: local 1, peer 2"), "queue counts logged");
	CHECK(pmd_log_has("MTU mismatch: local 1500, peer 9000"), "MTUs logged");
	drop_port("net_ism2");
	drop_port("net_ism3");
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--file-prefix", prefix, "--log-level", "pmd.net.ism:info" };
	int a, b;

	(void)argc;
	snprintf(fabric_dir, sizeof(fabric_dir), "/dev/shm/ism-pmd.XXXXXX");
	if (mkdtemp(fabric_dir) == NULL)
		return 99;
	setenv("ISM_MODEL_DIR", fabric_dir, 1);
	snprintf(prefix, sizeof(prefix), "ism-pmd-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pmd_log_start();
	pool = rte_pktmbuf_pool_create("seg", 8192, 256, 0,
				       SEG_ROOM + RTE_PKTMBUF_HEADROOM, 0);
	big_pool = rte_pktmbuf_pool_create("big", 2048, 256, 0,
					   10240 + RTE_PKTMBUF_HEADROOM, 0);
	if (pool == NULL || big_pool == NULL) {
		printf("Bail out! no mempool\n");
		return 99;
	}
	test_devargs();
	/* the copy path: frames over one mbuf must arrive as chains (by
	 * default those over 2047 bytes would be zero-copy, one segment) */
	CHECK_EQ(make_pair("net_ism0", "net_ism1", ",dmb_size=65536,zero_copy=off",
			   ",zero_copy=off", &a, &b), 0,
		 "two ports paired by label");
	CHECK_EQ(setup_port(a, NQ, 9000, pool), 0, "port a: 2 queue pairs, MTU 9000");
	CHECK_EQ(setup_port(b, NQ, 9000, pool), 0, "port b: 2 queue pairs, MTU 9000");
	test_sizes(a, b);
	test_garbage(a, b);
	test_rx_intr(a, b);
	rte_eth_dev_stop(a);
	rte_eth_dev_stop(b);
	setup_port(a, NQ, RTE_ETHER_MTU, pool);
	setup_port(b, NQ, RTE_ETHER_MTU, pool);
	test_restart(a);
	drop_port("net_ism0");
	test_late_configure();
	test_exact_ring_end();
	test_jumbo_small_ring();
	test_restart_without_setup();
	test_mac_and_reset();
	test_mismatch();
	pmd_log_stop();
	rte_eal_cleanup();
	ism_model_unlink(FABRIC);
	rmdir(fabric_dir);
	return check_done();
}

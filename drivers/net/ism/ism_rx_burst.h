/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_RX_BURST_H
#define ISM_RX_BURST_H

/*
 * The RX burst as a template, compiled twice: copying (ism_rxtx.c) and
 * zero-copy (ism_rx_zc.c), @zc a constant in each. In files of their own
 * so that each version gets the compiler's inlining as if it were the
 * only one: with both in one file, rte_pktmbuf_alloc() went out of line
 * and a copied frame cost 10 to 36 instructions more. Every header it
 * reads was written by the peer, so each one is checked before it is
 * trusted (doc/guides/nics/ism.rst, "The ring in a DMB").
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "ism_ethdev.h"
#include "ism_ring.h"
#include "ism_rx_copy.h"
#include "ism_rx_zc.h"

/*
 * Tell the peer how far we consumed: its credits for this ring. With
 * zero-copy frames out, only up to the first one still held: the peer
 * may then write anywhere but over a frame the application holds.
 *
 * A burst that delivered frames publishes only once a quarter ring went
 * unpublished (@idle false); the rest waits for the next poll that finds
 * the ring empty or delivers nothing (@idle true). The store crosses to the peer's core (on
 * a real function it is a PCI store, a system call): made after the
 * frames were handed over, it is off the path of a reply the
 * application sends to them, and a stream that never lets the ring run
 * empty makes four per ring instead of one per burst. The sender keeps
 * at least three quarters of the ring to write into.
 */
static __rte_always_inline void
rx_publish(struct ism_rxq *q, const bool zc, const bool idle)
{
	uint64_t done = zc ? ism_zc_credit(q) : q->cons;
	ism_be64_t cur = ism_be64(done);

	__atomic_store_n(&q->cons_seen, done, __ATOMIC_RELEASE);
	if (q->peer.tok == 0 || done == q->cons_published)
		return;
	if (!idle && done - q->cons_published < q->credit_step)
		return;
	if (ism_move(q->port->dev, &q->peer, 0, ISM_RING_CREDIT_OFF, &cur,
		     sizeof(cur), false) == 0)
		q->cons_published = done;
	else
		q->store_errors++;
}

/*
 * The peer's cursor is not where it could be: it restarted, or it lies.
 * Either way resynchronise on it rather than read what we cannot trust.
 */
static inline void
rx_resync(struct ism_rxq *q, uint64_t prod)
{
	q->cursor_errors++;
	q->cons = prod;
}

/*
 * The address filter, in software: the peer may send frames for any MAC.
 * Promiscuous (the default) takes everything and never calls this;
 * otherwise our own unicast MAC, broadcast, and multicast only with
 * allmulticast (there is no multicast list). Each frame refused is
 * counted by why.
 */
static inline bool
rx_wanted(struct ism_rxq *q, const struct rte_eth_dev_data *d,
	  const uint8_t *frame, uint32_t len)
{
	struct rte_ether_addr dst;

	if (unlikely(len < RTE_ETHER_ADDR_LEN)) {
		q->filter_short++;
		return false;
	}
	memcpy(&dst, frame, sizeof(dst));	/* the peer may rewrite it */
	if (rte_is_unicast_ether_addr(&dst)) {
		if (rte_is_same_ether_addr(&dst, &q->port->mac))
			return true;
		q->filter_unicast++;
		return false;
	}
	if (rte_is_broadcast_ether_addr(&dst) || d->all_multicast)
		return true;
	q->filter_multicast++;
	return false;
}

/*
 * The mbufs of one burst. The first frame that needs one allocates as
 * many in bulk as the frames the ring holds are likely to be (what is
 * published over this frame's record size), at most what the caller
 * asked for: one mempool access per burst instead of one per frame. The
 * guess is only a guess, the peer chooses the sizes: a short one
 * allocates again, what an overlong one left is given back at the end.
 */
#define ISM_RX_BULK	32

struct rx_mbufs {
	uint16_t next;
	uint16_t have;
	struct rte_mbuf *m[ISM_RX_BULK];
};

static __rte_always_inline struct rte_mbuf *
rx_mbuf_take(struct ism_rxq *q, struct rx_mbufs *b, uint64_t left,
	     uint32_t rec, uint16_t want)
{
	uint64_t k = left / rec;

	if (likely(b->next < b->have))
		return b->m[b->next++];
	if (want > ISM_RX_BULK)
		want = ISM_RX_BULK;
	if (k > want)
		k = want;
	b->next = b->have = 0;
	/* all or nothing: a pool too low for the guess gives one by one */
	if (k > 1 && rte_pktmbuf_alloc_bulk(q->mp, b->m, (unsigned int)k) == 0) {
		b->have = (uint16_t)k;
		b->next = 1;
		return b->m[0];
	}
	return rte_pktmbuf_alloc(q->mp);
}

static __rte_always_inline void
rx_mbufs_return(struct ism_rxq *q, struct rx_mbufs *b)
{
	/* fresh from the pool, so as good as new: straight back */
	if (unlikely(b->next < b->have))
		rte_mempool_put_bulk(q->mp, (void **)&b->m[b->next],
				     b->have - b->next);
}

/* A record of @rec bytes consumed: it never crosses the ring's end, so
 * the position either moves on or lands exactly on the end, i.e. 0. */
#define RX_ADVANCE(rec) do { \
	cons += (rec); \
	at += (rec); \
	if (at == ring_size) \
		at = 0; \
} while (0)

/*
 * The burst, in two versions the compiler makes from this one: @zc is a
 * constant, so the copying version is the loop it was before zero-copy
 * existed, not one with a test per frame for it. The cursor and the byte
 * count live in locals for the loop: the compiler cannot keep fields of
 * *q in registers across the copies.
 */
static __rte_always_inline uint16_t
ism_rx_burst_tmpl(struct ism_rxq *q, struct rte_mbuf **pkts, uint16_t nb,
		  const bool zc)
{
	const struct rte_eth_dev_data *d;
	struct rx_mbufs b;	/* its array is written before it is read */
	const uint8_t *ring;
	uint64_t prod, cons, bytes = 0;
	uint32_t len_max, ring_size, at;
	uint16_t n = 0, port_id;
	bool promisc;

	b.next = b.have = 0;
	ring = q->dmb + ISM_RING_DATA_OFF;
	prod = ism_ring_load64(q->dmb, ISM_RING_PROD_OFF);
	if (prod == q->cons) {
		/* a credit update that could not be stored before must not
		 * wait for more data: the sender may be waiting for it */
		if (unlikely(q->cons != q->cons_published || zc))
			rx_publish(q, zc, true);
		return 0;
	}
	if (unlikely(prod == 0)) {
		/* our control plane reset the ring after we read all of it;
		 * the new epoch that goes with it follows */
		q->cons = q->cons_published = 0;
		__atomic_store_n(&q->cons_seen, 0, __ATOMIC_RELEASE);
		return 0;
	}
	if (unlikely(prod < q->cons || prod - q->cons > q->ring_size ||
		     prod % ISM_REC_ALIGN != 0)) {
		/* an unaligned cursor is never adopted: records are 8-byte
		 * aligned, and a header must never straddle the DMB's end */
		if (prod % ISM_REC_ALIGN == 0)
			rx_resync(q, prod);
		else
			q->cursor_errors++;
		rx_publish(q, zc, true);
		return 0;
	}
	d = q->port->eth->data;
	port_id = d->port_id;
	promisc = d->promiscuous;
	/* one test per frame for both: a frame over one mbuf without
	 * scatter, and a length no record can have */
	len_max = q->scatter || q->buf_room > ISM_MAX_FRAME ?
		ISM_MAX_FRAME : q->buf_room;
	cons = q->cons;
	/* the position follows the cursor: one division per burst */
	ring_size = q->ring_size;
	at = (uint32_t)(cons % ring_size);
	while (n < nb && cons < prod) {
		uint32_t tail = ring_size - at, len, rec;
		const uint8_t *frame = ring + at + sizeof(struct ism_rec_hdr);
		struct ism_rec_hdr h;
		struct rte_mbuf *m;

		if (unlikely(tail < sizeof(h)))
			goto corrupt;
		memcpy(&h, ring + at, sizeof(h));	/* read once, then check */
		len = ism_cpu32(h.len);
		if (unlikely(ism_cpu16(h.magic) != ISM_REC_MAGIC))
			goto corrupt;
		if (ism_cpu16(h.flags) & ISM_REC_F_WRAP) {
			if (at == 0 || len != 0 || tail > prod - cons)
				goto corrupt;
			cons += tail;
			at = 0;
			continue;
		}
		rec = ism_rec_size(len);
		if (unlikely(len - 1 >= len_max)) {
			if (len == 0 || len > ISM_MAX_FRAME || rec > tail ||
			    rec > prod - cons)
				goto corrupt;
			/* the application did not ask for chains */
			q->oversize++;
			RX_ADVANCE(rec);
			continue;
		}
		if (unlikely(rec > tail || rec > prod - cons))
			goto corrupt;
		if (unlikely(!promisc && !rx_wanted(q, d, frame, len))) {
			RX_ADVANCE(rec);
			continue;
		}
		m = rx_mbuf_take(q, &b, prod - cons, rec, nb - n);
		if (unlikely(m == NULL)) {
			q->nombuf++;
			q->port->eth->data->rx_mbuf_alloc_failed++;
			break;
		}
		/* a frame of zc_min bytes or more is attached where it lies
		 * when a slot is free, else copied as any other */
		if (!(zc && len >= q->zc_min &&
		      ism_zc_rx(q, m, (uint8_t *)(uintptr_t)(ring + at), len, cons)) &&
		    unlikely(!ism_rx_copy(q, m, frame, len, port_id))) {
			q->nombuf++;
			q->port->eth->data->rx_mbuf_alloc_failed++;
			break;
		}
		pkts[n++] = m;
		bytes += len;
		RX_ADVANCE(rec);
	}
	rx_mbufs_return(q, &b);
	q->cons = cons;
	q->packets += n;
	q->bytes += bytes;
	rx_publish(q, zc, n == 0);
	return n;

corrupt:
	/* skip everything the peer published so far: nothing in it can be
	 * trusted to be framed right */
	rx_mbufs_return(q, &b);
	q->corrupt_records++;
	q->cons = prod;
	q->packets += n;
	q->bytes += bytes;
	rx_publish(q, zc, true);
	return n;
}

#endif /* ISM_RX_BURST_H */

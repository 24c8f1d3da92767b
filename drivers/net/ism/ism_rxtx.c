/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path. TX packs a burst of frames as records into a staging area
 * that mirrors the peer's ring, moves each contiguous span with one
 * ism_move() (split by lib/ism into <= 4 KiB stores), then publishes the
 * producer cursor. RX reads records straight from its own DMB: no system
 * call, and every header it reads was written by the peer, so each one is
 * checked before it is trusted.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "ism_ethdev.h"
#include "ism_ring.h"
#include "ism_rx_copy.h"
#include "ism_rx_zc.h"

void
ism_qctl_post(struct ism_qctl *c, const struct ism_qconf *next)
{
	uint32_t gen = c->gen;

	/* odd while writing, like a sequence lock */
	__atomic_store_n(&c->gen, gen + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	c->next = *next;
	__atomic_store_n(&c->gen, gen + 2, __ATOMIC_RELEASE);
}

/* True when a new configuration was copied into @conf. */
static inline bool
qctl_take(struct ism_qctl *c, struct ism_qconf *conf)
{
	uint32_t g = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);

	if (likely(g == c->seen) || (g & 1))
		return false;
	*conf = c->next;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&c->gen, __ATOMIC_RELAXED) != g)
		return false;	/* changed meanwhile: take it next burst */
	__atomic_store_n(&c->seen, g, __ATOMIC_RELEASE);
	return true;
}

void
ism_rxq_apply(struct ism_rxq *q, const struct ism_qconf *c)
{
	q->peer = c->peer;
	q->dmb = c->local;
	q->ring_size = c->local_ring;
	q->zc = c->zc;
	q->zc_min = c->zc != NULL ? c->zc->min_len : ISM_ZC_OFF;
	/* an epoch, not a flag: a queue that missed the configuration
	 * carrying the reset still sees it in every later one */
	if (c->epoch != q->epoch) {
		q->cons = 0;
		q->cons_published = 0;
		__atomic_store_n(&q->cons_seen, 0, __ATOMIC_RELEASE);
		q->epoch = c->epoch;
		if (q->zc != NULL)
			ism_zc_restart(q->zc);
	}
}

void
ism_txq_apply(struct ism_txq *q, const struct ism_qconf *c)
{
	q->peer = c->peer;
	q->own = c->local;
	q->ring_size = c->peer.len > ISM_RING_DATA_OFF ?
		c->peer.len - ISM_RING_DATA_OFF : 0;
	if (c->epoch != q->epoch) {
		q->prod = 0;
		q->epoch = c->epoch;
	}
}

/*
 * Tell the peer how far we consumed: its credits for this ring. With
 * zero-copy frames out, only up to the first one still held: the peer
 * may then write anywhere but over a frame the application holds.
 */
static __rte_always_inline void
rx_publish(struct ism_rxq *q, const bool zc)
{
	uint64_t done = zc ? ism_zc_credit(q) : q->cons;
	ism_be64_t cur = ism_be64(done);

	__atomic_store_n(&q->cons_seen, done, __ATOMIC_RELEASE);
	if (q->peer.tok == 0 || done == q->cons_published)
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
static void
rx_resync(struct ism_rxq *q, uint64_t prod)
{
	q->cursor_errors++;
	q->cons = prod;
}

/*
 * The address filter, in software: the peer may send frames for any MAC.
 * Promiscuous (the default) takes everything; otherwise our own unicast
 * MAC, broadcast, and multicast only with allmulticast (there is no
 * multicast list). Each frame refused is counted by why.
 */
static inline bool
rx_wanted(struct ism_rxq *q, const uint8_t *frame, uint32_t len)
{
	const struct rte_eth_dev_data *d = q->port->eth->data;
	struct rte_ether_addr dst;

	if (likely(d->promiscuous))
		return true;
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
 * The burst, in two versions the compiler makes from this one: @zc is a
 * constant, so the copying version is the loop it was before zero-copy
 * existed, not one with a test per frame for it.
 */
static __rte_always_inline uint16_t
rx_burst(struct ism_rxq *q, struct rte_mbuf **pkts, uint16_t nb, const bool zc)
{
	const uint8_t *ring;
	uint64_t prod;
	uint16_t n = 0;

	ring = q->dmb + ISM_RING_DATA_OFF;
	prod = ism_ring_load64(q->dmb, ISM_RING_PROD_OFF);
	if (prod == q->cons) {
		/* a credit update that could not be stored before must not
		 * wait for more data: the sender may be waiting for it */
		if (unlikely(q->cons != q->cons_published || zc))
			rx_publish(q, zc);
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
		rx_publish(q, zc);
		return 0;
	}
	while (n < nb && q->cons < prod) {
		uint32_t at = (uint32_t)(q->cons % q->ring_size);
		uint32_t tail = q->ring_size - at, len, rec;
		struct ism_rec_hdr h;
		struct rte_mbuf *m;
		int zrc;

		if (unlikely(tail < sizeof(h)))
			goto corrupt;
		memcpy(&h, ring + at, sizeof(h));	/* read once, then check */
		len = ism_cpu32(h.len);
		if (unlikely(ism_cpu16(h.magic) != ISM_REC_MAGIC))
			goto corrupt;
		if (ism_cpu16(h.flags) & ISM_REC_F_WRAP) {
			if (at == 0 || len != 0 || tail > prod - q->cons)
				goto corrupt;
			q->cons += tail;
			continue;
		}
		rec = ism_rec_size(len);
		if (unlikely(len == 0 || len > ISM_MAX_FRAME || rec > tail ||
			     rec > prod - q->cons))
			goto corrupt;
		if (unlikely(!rx_wanted(q, ring + at + sizeof(h), len))) {
			q->cons += rec;
			continue;
		}
		if (unlikely(len > q->buf_room && !q->scatter)) {
			/* the application did not ask for chains */
			q->oversize++;
			q->cons += rec;
			continue;
		}
		/* a frame of zc_min bytes or more is attached where it lies
		 * when a slot is free, else copied as any other */
		zrc = 0;
		if (zc && len >= q->zc_min)
			zrc = ism_zc_rx(q, (uint8_t *)(uintptr_t)(ring + at), len,
					q->cons, &m);
		if (zrc == 0)
			m = zc ? ism_zc_copy(q, ring + at + sizeof(h), len) :
				ism_rx_copy(q, ring + at + sizeof(h), len);
		else if (zrc < 0)
			m = NULL;
		if (unlikely(m == NULL)) {
			q->nombuf++;
			q->port->eth->data->rx_mbuf_alloc_failed++;
			break;
		}
		pkts[n++] = m;
		q->bytes += len;
		q->cons += rec;
	}
	q->packets += n;
	rx_publish(q, zc);
	return n;

corrupt:
	/* skip everything the peer published so far: nothing in it can be
	 * trusted to be framed right */
	q->corrupt_records++;
	q->cons = prod;
	q->packets += n;
	rx_publish(q, zc);
	return n;
}

static __rte_noinline uint16_t
rx_burst_zc(struct ism_rxq *q, struct rte_mbuf **pkts, uint16_t nb)
{
	return rx_burst(q, pkts, nb, true);
}

uint16_t
ism_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t nb)
{
	struct ism_rxq *q = rxq;
	struct ism_qconf conf;

	if (unlikely(ism_queue_stopped(q->port->eth->data->rx_queue_state, q->qid)))
		return 0;	/* consumes nothing: ism_queue.c */
	if (unlikely(qctl_take(&q->ctl, &conf)))
		ism_rxq_apply(q, &conf);
	if (unlikely(q->dmb == NULL))
		return 0;
	if (q->zc != NULL)
		return rx_burst_zc(q, pkts, nb);
	return rx_burst(q, pkts, nb, false);
}

/* Gathers records for the stores of one contiguous span of the ring. */
struct tx_span {
	uint64_t start;		/* ring cursor of its first byte */
	uint32_t len;
	int niov;
	int nhdr;
};

static const uint8_t zeros[ISM_REC_ALIGN];

static int
span_flush(struct ism_txq *q, struct tx_span *sp)
{
	uint32_t at = (uint32_t)(sp->start % q->ring_size);
	int rc;

	if (sp->len == 0)
		return 0;
	rc = ism_movev(q->port->dev, &q->peer, 0, ISM_RING_DATA_OFF + at,
		       q->iov, sp->niov, false);
	if (rc < 0) {
		if (q->store_errors++ == 0)
			PORT_LOG(q->port, ERR, "TX queue %u: store of %u bytes at ring %u failed: %s",
				 q->qid, sp->len, at, strerror(-rc));
		return rc;
	}
	/* lib/ism cut the span at 4 KiB lines of the DMB offset */
	q->stores += ((ISM_RING_DATA_OFF + at) % 4096 + sp->len + 4095) / 4096;
	sp->start += sp->len;
	sp->len = 0;
	sp->niov = 0;
	sp->nhdr = 0;
	return 0;
}

static void
span_add_hdr(struct ism_txq *q, struct tx_span *sp, uint16_t flags,
	     uint32_t frame_len)
{
	struct ism_rec_hdr *h = &q->hdrs[sp->nhdr++];

	h->magic = ism_be16(ISM_REC_MAGIC);
	h->flags = ism_be16(flags);
	h->len = ism_be32(frame_len);
	q->iov[sp->niov].iov_base = h;
	q->iov[sp->niov++].iov_len = sizeof(*h);
	sp->len += sizeof(*h);
}

/* Whether one more record of @m (plus a WRAP) fits the gather lists. */
static inline bool
span_has_room(const struct tx_span *sp, const struct rte_mbuf *m)
{
	return sp->nhdr + 2 <= ISM_TX_MAX_RECS &&
		sp->niov + m->nb_segs + 3 <= ISM_TX_MAX_IOV;
}

static void
span_add_frame(struct ism_txq *q, struct tx_span *sp, const struct rte_mbuf *m)
{
	uint32_t frame_len = m->pkt_len;
	uint32_t body = ism_rec_size(frame_len) - (uint32_t)sizeof(struct ism_rec_hdr);

	span_add_hdr(q, sp, 0, frame_len);
	for (; m != NULL; m = m->next) {
		q->iov[sp->niov].iov_base = rte_pktmbuf_mtod(m, void *);
		q->iov[sp->niov++].iov_len = m->data_len;
	}
	if (body > frame_len) {		/* pad the record to 8 bytes */
		q->iov[sp->niov].iov_base = (void *)(uintptr_t)zeros;
		q->iov[sp->niov++].iov_len = body - frame_len;
	}
	sp->len += body;
}

uint16_t
ism_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	struct ism_txq *q = txq;
	struct tx_span sp = { 0 };
	struct ism_qconf conf;
	uint64_t credit, prod, bytes = 0;
	ism_be64_t cur;
	uint16_t sent = 0;
	bool sf;

	if (unlikely(ism_queue_stopped(q->port->eth->data->tx_queue_state, q->qid)))
		return 0;	/* accepts nothing: ism_queue.c */
	if (unlikely(qctl_take(&q->ctl, &conf)))
		ism_txq_apply(q, &conf);
	if (unlikely(q->peer.tok == 0 || q->own == NULL || nb == 0))
		return 0;	/* link down: nothing accepted */
	if (unlikely(pkts[0]->pkt_len == 0 || pkts[0]->pkt_len > ISM_MAX_FRAME)) {
		/* can never be sent: count and drop it, or the application
		 * would retry it forever */
		q->errors++;
		rte_pktmbuf_free(pkts[0]);
		return 1;
	}
	credit = ism_ring_load64(q->own, ISM_RING_CREDIT_OFF);
	if (unlikely(credit > q->prod && credit % ISM_REC_ALIGN == 0)) {
		/* the peer skipped ahead (it resynchronised on a cursor it
		 * did not trust): continue where it now reads */
		q->credit_errors++;
		q->prod = credit;
	} else if (unlikely(credit > q->prod || q->prod - credit > q->ring_size)) {
		q->credit_errors++;	/* a credit we cannot believe */
		return 0;
	}
	sp.start = prod = q->prod;
	while (sent < nb) {
		struct rte_mbuf *m = pkts[sent];
		uint32_t at = (uint32_t)(prod % q->ring_size);
		uint32_t tail = q->ring_size - at;
		uint32_t rec = ism_rec_size(m->pkt_len);
		uint64_t room = q->ring_size - (prod - credit);

		if (unlikely(m->pkt_len == 0 || m->pkt_len > ISM_MAX_FRAME) ||
		    !span_has_room(&sp, m))
			break;	/* bad frames are dropped when they come first */
		if (at == 0 && sp.len > 0) {
			/* the last record ended exactly at the ring's end:
			 * the span goes on at DMB offset 0, in a store of its own */
			if (span_flush(q, &sp) < 0)
				return 0;
			continue;
		}
		if (rec > tail) {
			if (room < (uint64_t)tail + rec)
				break;
			span_add_hdr(q, &sp, ISM_REC_F_WRAP, 0);
			if (span_flush(q, &sp) < 0)
				return 0;
			prod += tail;
			sp.start = prod;
			continue;
		}
		if (room < rec)
			break;
		span_add_frame(q, &sp, m);
		prod += rec;
		bytes += m->pkt_len;
		sent++;
	}
	if (sent < nb)
		q->credit_stalls++;
	if (span_flush(q, &sp) < 0)
		return 0;	/* nothing published: the frames are still the caller's */
	if (prod != q->prod) {
		cur = ism_be64(prod);
		sf = ism_ring_load32(q->own, ISM_RING_INTR_OFF) != 0;
		if (ism_move(q->port->dev, &q->peer, 0, ISM_RING_PROD_OFF, &cur,
			     sizeof(cur), sf) < 0) {
			q->store_errors++;
			return 0;
		}
		q->stores++;
		q->prod = prod;
	}
	rte_pktmbuf_free_bulk(pkts, sent);
	q->packets += sent;
	q->bytes += bytes;
	return sent;
}

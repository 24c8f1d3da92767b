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
#include "ism_rx_burst.h"
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
	q->credit_step = c->local_ring / 4;
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
		return ism_zc_rx_burst(q, pkts, nb);
	return ism_rx_burst_tmpl(q, pkts, nb, false);
}

/*
 * TX writes a burst as the records of one span of the peer's ring at a
 * time: headers, padding and frames of up to ISM_TX_STAGE_FRAME bytes in
 * one segment go one after the other into the queue's staging area, where
 * a run of them is one piece of the gather list; a longer frame is pieces
 * of its own, straight from its mbufs. What the loop advances per frame is
 * kept in locals: the frame copy is a call, after which the compiler would
 * reload any field of the queue (the copy writes into it).
 */

/*
 * Segments a frame may have: a span's gather list holds them and two
 * pieces (header and data) for every other record of the span, so that
 * only a chain needs a test of its room.
 */
#define TX_MAX_SEGS	(ISM_TX_MAX_IOV - 2 - 2 * ISM_TX_MAX_RECS)

/* A record's header as the one 64-bit store it is written with. */
static __rte_always_inline uint64_t
tx_rec_hdr(uint16_t flags, uint32_t frame_len)
{
	struct ism_rec_hdr h = {
		.magic = ism_be16(ISM_REC_MAGIC),
		.flags = ism_be16(flags),
		.len = ism_be32(frame_len),
	};
	uint64_t w;

	memcpy(&w, &h, sizeof(w));
	return w;
}

static __rte_always_inline void
tx_put64(uint8_t *to, uint64_t v)
{
	memcpy(to, &v, sizeof(v));
}

/* Store the span from ring cursor @start to @end: the pieces before @iov,
 * then the staged run from @run to @st. */
static int
tx_store(struct ism_txq *q, uint64_t start, uint64_t end, struct iovec *iov,
	 uint8_t *run, const uint8_t *st)
{
	uint32_t at = (uint32_t)(start % q->ring_size);
	uint32_t len = (uint32_t)(end - start);
	int rc;

	if (st != run) {
		iov->iov_base = run;
		iov++->iov_len = (size_t)(st - run);
	}
	rc = ism_movev(q->port->dev, &q->peer, 0, ISM_RING_DATA_OFF + at,
		       q->iov, (int)(iov - q->iov), false);
	if (rc < 0) {
		if (q->store_errors++ == 0)
			PORT_LOG(q->port, ERR, "TX queue %u: store of %u bytes at ring %u failed: %s",
				 q->qid, len, at, strerror(-rc));
		return rc;
	}
	/* lib/ism cut the span at 4 KiB lines of the DMB offset */
	q->stores += ((ISM_RING_DATA_OFF + at) % 4096 + len + 4095) / 4096;
	return 0;
}

/*
 * Give back the mbufs of @n frames sent. Those of a burst are mostly of
 * one pool, direct, unshared and of one segment: such mbufs go back to
 * their pool as they are (what rte_mbuf_raw_free() asks), one put for
 * the run of them; the general free takes the first other and the rest.
 */
static __rte_always_inline void
tx_free(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf **end = pkts + n, **m;
	struct rte_mempool *mp;

	if (n == 0)
		return;
	mp = pkts[0]->pool;
	for (m = pkts; m != end; m++) {
		if ((*m)->pool != mp || (*m)->nb_segs != 1 || (*m)->next != NULL ||
		    rte_mbuf_refcnt_read(*m) != 1 || !RTE_MBUF_DIRECT(*m))
			break;
	}
	if (m != pkts)
		rte_mempool_put_bulk(mp, (void **)pkts, (unsigned int)(m - pkts));
	if (m != end)
		rte_pktmbuf_free_bulk(m, (unsigned int)(end - m));
}

uint16_t
ism_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	struct ism_txq *q = txq;
	struct ism_qconf conf;
	uint64_t credit, prod, start, lim, bytes = 0;
	struct rte_mbuf **mp, **end;
	struct iovec *iov;
	uint8_t *st, *run;
	uint32_t ring;
	uint16_t sent;
	ism_be64_t cur;
	bool sf;

	if (unlikely(ism_queue_stopped(q->port->eth->data->tx_queue_state, q->qid)))
		return 0;	/* accepts nothing: ism_queue.c */
	if (unlikely(qctl_take(&q->ctl, &conf)))
		ism_txq_apply(q, &conf);
	if (unlikely(q->peer.tok == 0 || q->own == NULL || nb == 0))
		return 0;	/* link down: nothing accepted */
	if (unlikely(pkts[0]->pkt_len - 1 >= ISM_MAX_FRAME ||
		     pkts[0]->nb_segs > TX_MAX_SEGS)) {
		/* empty, too long or in too many pieces, it can never be
		 * sent: count and drop it, or the application would retry
		 * it forever */
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
	/* the records of a span and a WRAP fit the gather list and the
	 * staging area, whatever the frames */
	if (nb > ISM_TX_MAX_RECS - 1)
		nb = ISM_TX_MAX_RECS - 1;
	ring = q->ring_size;
	start = prod = q->prod;
	/* the cursor up to which records go without a look at the ring's
	 * end or the credit: one test per frame while it lasts */
	lim = prod + RTE_MIN(ring - prod % ring, ring - (prod - credit));
	iov = q->iov;
	st = run = q->stage;
	for (mp = pkts, end = pkts + nb; mp != end; mp++) {
		struct rte_mbuf *m = *mp;
		uint32_t len = m->pkt_len;
		uint32_t rec = (len + sizeof(struct ism_rec_hdr) + ISM_REC_ALIGN - 1) &
			~(uint32_t)(ISM_REC_ALIGN - 1);	/* ism_rec_size() */
		uint8_t *to;

		if (unlikely(prod + rec > lim)) {
			uint32_t at = (uint32_t)(prod % ring);
			uint32_t tail = ring - at;
			uint32_t room = ring - (uint32_t)(prod - credit);

			if (len - 1 >= ISM_MAX_FRAME) {
				break;	/* bad frames are dropped when they come first */
			} else if (at == 0 && prod != start) {
				/* the last record ended exactly at the ring's
				 * end: the span goes on at DMB offset 0, in a
				 * store of its own */
			} else if (rec > tail && room >= tail) {
				/* the WRAP once the ring's end is free, the
				 * frame once it fits: both at once may take
				 * more than a small ring ever has free (a
				 * 9018-byte frame 9000 bytes before the end
				 * of a 16 KiB DMB's ring) */
				tx_put64(st, tx_rec_hdr(ISM_REC_F_WRAP, 0));
				st += sizeof(struct ism_rec_hdr);
				if (tx_store(q, start, prod + sizeof(struct ism_rec_hdr),
					     iov, run, st) < 0)
					return 0;
				prod += tail;
				start = prod;
				room -= tail;
				tail = ring;
				iov = q->iov;
				st = run = q->stage;
			} else {
				break;	/* no room before the credit */
			}
			if (prod != start) {
				if (tx_store(q, start, prod, iov, run, st) < 0)
					return 0;
				start = prod;
				tail = ring;
				iov = q->iov;
				st = run = q->stage;
			}
			lim = prod + RTE_MIN(tail, room);
			mp--;
			continue;
		}
		/* written before the tests: a frame that stops the burst
		 * leaves it beyond the span */
		tx_put64(st, tx_rec_hdr(0, len));
		/* one test for both: not empty, and short enough to stage */
		if (likely(len - 1 < ISM_TX_STAGE_FRAME && m->nb_segs == 1)) {
			/* the padding first: the frame is copied over all
			 * but the zeros after it */
			tx_put64(st + rec - ISM_REC_ALIGN, 0);
			to = st + sizeof(struct ism_rec_hdr);
			st += rec;
			prod += rec;
			bytes += len;
			memcpy(to, rte_pktmbuf_mtod(m, void *), len);
		} else {
			if (unlikely(len - 1 >= ISM_MAX_FRAME))
				break;
			if (unlikely(m->nb_segs != 1) &&
			    (iov - q->iov) + m->nb_segs > TX_MAX_SEGS)
				break;	/* the next span has room */
			st += sizeof(struct ism_rec_hdr);
			iov->iov_base = run;
			iov++->iov_len = (size_t)(st - run);
			if (likely(m->nb_segs == 1)) {
				iov->iov_base = rte_pktmbuf_mtod(m, void *);
				iov++->iov_len = len;
			} else {
				struct rte_mbuf *s;

				for (s = m; s != NULL; s = s->next) {
					iov->iov_base = rte_pktmbuf_mtod(s, void *);
					iov++->iov_len = s->data_len;
				}
			}
			run = st;
			tx_put64(st, 0);
			st += rec - sizeof(struct ism_rec_hdr) - len;
			prod += rec;
			bytes += len;
		}
	}
	sent = (uint16_t)(mp - pkts);
	if (sent < nb)
		q->credit_stalls++;
	if (prod != start && tx_store(q, start, prod, iov, run, st) < 0)
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
	tx_free(pkts, sent);
	q->packets += sent;
	q->bytes += bytes;
	return sent;
}

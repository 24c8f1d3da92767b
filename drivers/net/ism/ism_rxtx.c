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

/* Gathers records for the stores of one contiguous span of the ring. */
struct tx_span {
	uint64_t start;		/* ring cursor of its first byte */
	uint32_t len;
	int niov;
	int nhdr;
	bool staging;		/* its last piece is the staging area's end */
};

/* Take @len bytes just written at the staging area's end into it and
 * into the gather list: one piece with the previous one when that one
 * ends where they begin. */
static __rte_always_inline void
span_staged(struct ism_txq *q, struct tx_span *sp, uint32_t len)
{
	uint8_t *to = q->stage + q->stage_len;

	q->stage_len += len;
	sp->len += len;
	if (sp->staging) {
		q->iov[sp->niov - 1].iov_len += len;
		return;
	}
	q->iov[sp->niov].iov_base = to;
	q->iov[sp->niov++].iov_len = len;
	sp->staging = true;
}

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
	sp->staging = false;
	q->stage_len = 0;	/* what it staged is stored: room for more */
	return 0;
}

static __rte_always_inline void
span_add_hdr(struct ism_txq *q, struct tx_span *sp, uint16_t flags,
	     uint32_t frame_len)
{
	struct ism_rec_hdr h;

	h.magic = ism_be16(ISM_REC_MAGIC);
	h.flags = ism_be16(flags);
	h.len = ism_be32(frame_len);
	sp->nhdr++;
	memcpy(q->stage + q->stage_len, &h, sizeof(h));
	span_staged(q, sp, sizeof(h));
}

/* Whether one more record of @m (plus a WRAP) fits the gather lists. */
static inline bool
span_has_room(const struct tx_span *sp, const struct rte_mbuf *m)
{
	return sp->nhdr + 2 <= ISM_TX_MAX_RECS &&
		sp->niov + m->nb_segs + 3 <= ISM_TX_MAX_IOV;
}

static __rte_always_inline void
span_add_frame(struct ism_txq *q, struct tx_span *sp, const struct rte_mbuf *m)
{
	uint32_t frame_len = m->pkt_len;
	uint32_t body = ism_rec_size(frame_len) - (uint32_t)sizeof(struct ism_rec_hdr);

	span_add_hdr(q, sp, 0, frame_len);
	if (frame_len <= ISM_TX_STAGE_FRAME && m->nb_segs == 1) {
		memcpy(q->stage + q->stage_len, rte_pktmbuf_mtod(m, void *),
		       frame_len);
		span_staged(q, sp, frame_len);
	} else {
		for (; m != NULL; m = m->next) {
			q->iov[sp->niov].iov_base = rte_pktmbuf_mtod(m, void *);
			q->iov[sp->niov++].iov_len = m->data_len;
		}
		sp->len += frame_len;
		sp->staging = false;
	}
	if (body > frame_len) {		/* pad the record to 8 bytes */
		static const uint8_t zeros[ISM_REC_ALIGN];

		/* all 8: one store, and the stage has room for them */
		memcpy(q->stage + q->stage_len, zeros, sizeof(zeros));
		span_staged(q, sp, body - frame_len);
	}
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
	q->stage_len = 0;
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

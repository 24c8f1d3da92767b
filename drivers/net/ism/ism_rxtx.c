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

bool
ism_qctl_taken(const struct ism_qctl *c)
{
	return __atomic_load_n(&c->seen, __ATOMIC_ACQUIRE) ==
		__atomic_load_n(&c->gen, __ATOMIC_RELAXED);
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
	if (c->reset) {
		q->cons = 0;
		q->cons_published = 0;
	}
}

void
ism_txq_apply(struct ism_txq *q, const struct ism_qconf *c)
{
	q->peer = c->peer;
	q->own = c->local;
	q->ring_size = c->peer.len > ISM_RING_DATA_OFF ?
		c->peer.len - ISM_RING_DATA_OFF : 0;
	if (c->reset)
		q->prod = 0;
}

/* Tell the peer how far we consumed: its credits for this ring. */
static void
rx_publish(struct ism_rxq *q)
{
	ism_be64_t cur = ism_be64(q->cons);

	if (q->peer.tok == 0 || q->cons == q->cons_published)
		return;
	if (ism_move(q->port->dev, &q->peer, 0, ISM_RING_CREDIT_OFF, &cur,
		     sizeof(cur), false) == 0)
		q->cons_published = q->cons;
	else
		q->store_errors++;
}

/* Copy one frame out of the ring into a (possibly chained) mbuf. */
static struct rte_mbuf *
rx_copy(struct ism_rxq *q, const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(q->mp), *m = head, *prev;
	uint32_t done = 0;

	if (unlikely(head == NULL))
		return NULL;
	for (;;) {
		uint32_t room = rte_pktmbuf_tailroom(m);
		uint32_t n = len - done < room ? len - done : room;

		rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *), src + done, n);
		m->data_len = (uint16_t)n;
		done += n;
		if (done == len)
			break;
		prev = m;
		m = rte_pktmbuf_alloc(q->mp);
		if (unlikely(m == NULL)) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		prev->next = m;
		head->nb_segs++;
	}
	head->pkt_len = len;
	head->port = q->port->eth->data->port_id;
	return head;
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

uint16_t
ism_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t nb)
{
	struct ism_rxq *q = rxq;
	const uint8_t *ring;
	struct ism_qconf conf;
	uint64_t prod;
	uint16_t n = 0;

	if (unlikely(qctl_take(&q->ctl, &conf)))
		ism_rxq_apply(q, &conf);
	if (unlikely(q->dmb == NULL))
		return 0;
	ring = q->dmb + ISM_RING_DATA_OFF;
	prod = ism_ring_load64(q->dmb, ISM_RING_PROD_OFF);
	if (prod == q->cons) {
		/* a credit update that could not be stored before must not
		 * wait for more data: the sender may be waiting for it */
		if (unlikely(q->cons != q->cons_published))
			rx_publish(q);
		return 0;
	}
	if (unlikely(prod < q->cons || prod - q->cons > q->ring_size)) {
		rx_resync(q, prod);
		rx_publish(q);
		return 0;
	}
	while (n < nb && q->cons < prod) {
		uint32_t at = (uint32_t)(q->cons % q->ring_size);
		uint32_t tail = q->ring_size - at, len, rec;
		struct ism_rec_hdr h;
		struct rte_mbuf *m;

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
		m = rx_copy(q, ring + at + sizeof(h), len);
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
	rx_publish(q);
	return n;

corrupt:
	/* skip everything the peer published so far: nothing in it can be
	 * trusted to be framed right */
	q->corrupt_records++;
	q->cons = prod;
	q->packets += n;
	rx_publish(q);
	return n;
}

static int
tx_flush(struct ism_txq *q, uint64_t from, uint32_t len)
{
	uint32_t at = (uint32_t)(from % q->ring_size);
	int rc;

	if (len == 0)
		return 0;
	rc = ism_move(q->port->dev, &q->peer, 0, ISM_RING_DATA_OFF + at,
		      q->stage, len, false);
	if (rc < 0) {
		q->store_errors++;
		return rc;
	}
	/* lib/ism cut the span at 4 KiB lines of the DMB offset */
	q->stores += ((ISM_RING_DATA_OFF + at) % 4096 + len + 4095) / 4096;
	return 0;
}

/* Append one record for @m at the end of the stage. */
static void
stage_frame(struct ism_txq *q, uint32_t pos, const struct rte_mbuf *m)
{
	struct ism_rec_hdr h = {
		.magic = ism_be16(ISM_REC_MAGIC),
		.flags = ism_be16(0),
		.len = ism_be32(m->pkt_len),
	};
	uint8_t *dst = q->stage + pos;
	uint32_t pad = ism_rec_size(m->pkt_len) - (uint32_t)sizeof(h) - m->pkt_len;

	memcpy(dst, &h, sizeof(h));
	dst += sizeof(h);
	for (; m != NULL; m = m->next) {
		rte_memcpy(dst, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		dst += m->data_len;
	}
	memset(dst, 0, pad);
}

static void
stage_wrap(struct ism_txq *q, uint32_t pos)
{
	struct ism_rec_hdr h = {
		.magic = ism_be16(ISM_REC_MAGIC),
		.flags = ism_be16(ISM_REC_F_WRAP),
		.len = ism_be32(0),
	};

	memcpy(q->stage + pos, &h, sizeof(h));
}

uint16_t
ism_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	struct ism_txq *q = txq;
	uint64_t credit, start, prod, bytes = 0;
	uint32_t staged = 0;
	ism_be64_t cur;
	struct ism_qconf conf;
	uint16_t sent = 0;
	bool sf;

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
	if (unlikely(credit > q->prod)) {
		/* the peer skipped ahead (it resynchronised on a cursor it
		 * did not trust): continue where it now reads */
		q->credit_errors++;
		q->prod = credit;
	} else if (unlikely(q->prod - credit > q->ring_size)) {
		q->credit_errors++;	/* a credit we cannot believe */
		return 0;
	}
	start = prod = q->prod;
	while (sent < nb) {
		struct rte_mbuf *m = pkts[sent];
		uint32_t at = (uint32_t)(prod % q->ring_size);
		uint32_t tail = q->ring_size - at;
		uint32_t rec = ism_rec_size(m->pkt_len);
		uint64_t room = q->ring_size - (prod - credit);

		if (unlikely(m->pkt_len == 0 || m->pkt_len > ISM_MAX_FRAME))
			break;	/* dropped when it comes first */
		if (rec > tail) {
			uint32_t n = staged + (uint32_t)sizeof(struct ism_rec_hdr);

			if (room < (uint64_t)tail + rec || n > q->stage_size)
				break;
			stage_wrap(q, staged);
			if (tx_flush(q, start, n) < 0)
				return 0;
			prod += tail;
			start = prod;
			staged = 0;
			continue;
		}
		if (room < rec || staged + rec > q->stage_size)
			break;
		stage_frame(q, staged, m);
		staged += rec;
		prod += rec;
		bytes += m->pkt_len;
		sent++;
	}
	if (sent < nb)
		q->credit_stalls++;
	if (tx_flush(q, start, staged) < 0)
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
	for (uint16_t i = 0; i < sent; i++)
		rte_pktmbuf_free(pkts[i]);
	q->packets += sent;
	q->bytes += bytes;
	return sent;
}

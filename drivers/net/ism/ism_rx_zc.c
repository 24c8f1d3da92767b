/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy RX (see ism_rx_zc.h): frames attached to mbufs as external
 * buffers in the RX DMB, the consumer cursor held back to the first frame
 * the application still holds, and the DMB and the ISM function kept
 * alive past stop and close while any frame is held.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "ism_ethdev.h"
#include "ism_ring.h"
#include "ism_rx_burst.h"
#include "ism_rx_zc.h"

static void
zdev_put(struct ism_zc_dev *zd)
{
	if (__atomic_sub_fetch(&zd->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	ism_dev_close(zd->dev);	/* detaches the function: peers get a GID event */
	free(zd);
}

/* The last reference: the port released it and no frame is held. */
static void
zc_dmb_destroy(struct ism_zc_dmb *z)
{
	struct ism_zc_dev *zd = z->zdev;
	int rc;

	if (z->dmb != NULL) {
		rc = ism_dmb_unregister(zd->dev, z->dmb);
		if (rc < 0)
			ISM_LOG(ERR, "%s: RX DMB %u: unregister after the last zero-copy frame failed: %s",
				zd->name, z->qid, strerror(-rc));
	}
	free(z);
	zdev_put(zd);
}

static void
zc_dmb_put(struct ism_zc_dmb *z)
{
	if (__atomic_sub_fetch(&z->refs, 1, __ATOMIC_ACQ_REL) == 0)
		zc_dmb_destroy(z);
}

/*
 * The mbuf's external buffer is free (whatever thread freed it). Read
 * what is needed before clearing the flag: from then on the RX lcore
 * may hand the slot out again.
 */
static void
zc_free(void *addr, void *opaque)
{
	struct ism_zc_slot *s = opaque;
	struct ism_zc_dmb *z = s->z;

	RTE_SET_USED(addr);
	__atomic_store_n(&s->held, 0, __ATOMIC_RELEASE);
	zc_dmb_put(z);
}

static uint32_t
slots_for(uint16_t nb_desc)
{
	uint32_t n = ISM_ZC_MIN_SLOTS;

	while (n < nb_desc && n < ISM_ZC_MAX_SLOTS)
		n <<= 1;
	return n;
}

static int
zdev_get(struct ism_port *p)
{
	if (p->zdev == NULL) {
		p->zdev = calloc(1, sizeof(*p->zdev));
		if (p->zdev == NULL)
			return -ENOMEM;
		p->zdev->refs = 1;	/* the port's, until ism_zc_dev_close() */
		p->zdev->dev = p->dev;
		snprintf(p->zdev->name, sizeof(p->zdev->name), "%s", p->name);
	}
	__atomic_add_fetch(&p->zdev->refs, 1, __ATOMIC_RELAXED);
	return 0;
}

int
ism_zc_dmb_new(struct ism_port *p, uint16_t qid, struct ism_zc_dmb **zp)
{
	const struct ism_rxq *q = p->rxq[qid];
	struct ism_zc_dmb *z;
	uint32_t n;

	*zp = NULL;
	/* no frame of the MTU reaches the threshold (the default's case at
	 * MTU 1500): the queue keeps the copying burst, which is cheaper for
	 * the frames it copies than the zero-copy one (ism_rx_burst.h) */
	if (p->args.zc_min == ISM_ZC_OFF || q == NULL ||
	    p->args.zc_min > (uint32_t)p->eth->data->mtu + ISM_FRAME_OVERHEAD)
		return 0;
	if (rte_pktmbuf_priv_flags(q->mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) {
		PORT_LOG(p, INFO, "RX queue %u: its mbufs have pinned external buffers, which cannot take a frame of the DMB: copying",
			 qid);
		return 0;
	}
	n = slots_for(q->nb_desc);
	z = calloc(1, sizeof(*z) + n * sizeof(z->slots[0]));
	if (z == NULL || zdev_get(p) < 0) {
		free(z);
		PORT_LOG(p, ERR, "RX queue %u: no memory for %u zero-copy slots: copying",
			 qid, n);
		return -ENOMEM;
	}
	z->refs = 1;		/* the port's, until ism_zc_dmb_release() */
	z->mask = n - 1;
	z->min_len = p->args.zc_min;
	z->qid = qid;
	z->zdev = p->zdev;
	for (uint32_t i = 0; i < n; i++) {
		z->slots[i].z = z;
		z->slots[i].shinfo.free_cb = zc_free;
		z->slots[i].shinfo.fcb_opaque = &z->slots[i];
	}
	*zp = z;
	return 0;
}

uint32_t
ism_zc_held(const struct ism_zc_dmb *z)
{
	return __atomic_load_n(&z->refs, __ATOMIC_ACQUIRE) - 1;
}

/* The port lets go of @z and of @dmb, the DMB it is for: unregistered
 * now if no frame of it is held, else when the last one is freed. */
void
ism_zc_dmb_release(struct ism_zc_dmb *z, struct ism_dmb *dmb)
{
	uint32_t held = ism_zc_held(z);

	if (held != 0)
		ISM_LOG(NOTICE, "%s: RX queue %u: the application holds %u zero-copy frames: their DMB stays registered until the last is freed",
			z->zdev->name, z->qid, held);
	z->dmb = dmb;
	zc_dmb_put(z);
}

void
ism_zc_note_held(struct ism_port *p)
{
	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++)
		p->zc_held[q] = p->rx_zc[q] != NULL ? ism_zc_held(p->rx_zc[q]) : 0;
}

void
ism_zc_dev_close(struct ism_port *p)
{
	struct ism_zc_dev *zd = p->zdev;
	uint32_t left;

	p->zdev = NULL;
	if (zd == NULL) {
		ism_dev_close(p->dev);
		return;
	}
	left = __atomic_load_n(&zd->refs, __ATOMIC_ACQUIRE) - 1;
	if (left != 0)
		PORT_LOG(p, NOTICE, "closed with zero-copy frames still held in %u RX DMBs: the ISM function stays attached until the application frees them",
			 left);
	zdev_put(zd);
}

/*
 * Hand the record at @rec (header, then @len bytes of frame), which
 * starts at ring cursor @start, to the application without copying it,
 * in @m, a fresh mbuf. False when no slot is free: @m is untouched, copy
 * the frame into it instead. The mbuf's buffer begins at the record
 * header, already checked and never read again, so the frame has 8 bytes
 * of headroom (a VLAN tag fits) and no tailroom beyond its padding.
 */
bool
ism_zc_rx(struct ism_rxq *q, struct rte_mbuf *m, uint8_t *rec, uint32_t len,
	  uint64_t start)
{
	struct ism_zc_dmb *z = q->zc;
	struct ism_zc_slot *s;

	if (unlikely(z->tail - z->head > z->mask)) {
		ism_zc_credit(q);	/* moves head over what was freed */
		if (z->tail - z->head > z->mask) {
			q->zc_copied++;
			return false;
		}
	}
	s = &z->slots[z->tail & z->mask];
	/* a frame of an earlier ring epoch may still sit in it */
	if (unlikely(__atomic_load_n(&s->held, __ATOMIC_ACQUIRE) != 0)) {
		q->zc_copied++;
		return false;
	}
	s->start = start;
	/* seen by the free callback through the application's hand-off of
	 * the mbuf: no order needed here */
	__atomic_store_n(&s->held, 1, __ATOMIC_RELAXED);
	rte_mbuf_ext_refcnt_set(&s->shinfo, 1);
	__atomic_add_fetch(&z->refs, 1, __ATOMIC_RELAXED);
	z->tail++;
	rte_pktmbuf_attach_extbuf(m, rec, RTE_BAD_IOVA,
				  (uint16_t)ism_rec_size(len), &s->shinfo);
	m->data_off = (uint16_t)sizeof(struct ism_rec_hdr);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = q->port->eth->data->port_id;
	q->zc_frames++;
	return true;
}

/*
 * How far the peer may reuse the ring: up to the first frame still held,
 * or everything read if none is. Frees in any order only move it once
 * the oldest is free.
 */
uint64_t
ism_zc_credit(struct ism_rxq *q)
{
	struct ism_zc_dmb *z = q->zc;
	uint64_t start;

	while (z->head != z->tail &&
	       __atomic_load_n(&z->slots[z->head & z->mask].held,
			       __ATOMIC_ACQUIRE) == 0)
		z->head++;
	if (z->head == z->tail)
		return q->cons;
	start = z->slots[z->head & z->mask].start;
	return start < q->cons ? start : q->cons;
}

/*
 * The ring starts over (a new epoch, cursors from 0): frames still held
 * from before no longer bound the cursor. The ring protocol lets this
 * happen only once they are all free (the control plane's drain waits
 * for them); the slots of any left keep them from being handed out
 * again until they are.
 */
void
ism_zc_restart(struct ism_zc_dmb *z)
{
	z->head = z->tail;
}

/* The burst of a zero-copy queue (ism_rx_burst() picks it). */
uint16_t
ism_zc_rx_burst(struct ism_rxq *q, struct rte_mbuf **pkts, uint16_t nb)
{
	return ism_rx_burst_tmpl(q, pkts, nb, true);
}

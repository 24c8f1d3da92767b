/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_RX_ZC_H
#define ISM_RX_ZC_H

/*
 * Zero-copy RX: a frame handed to the application as an mbuf whose data
 * is the frame itself, in our RX DMB (an external buffer), instead of a
 * copy. The ring space of such a frame is not given back to the peer
 * (the consumer cursor we publish, its credits) until the application
 * frees the mbuf, so a peer that follows the ring protocol can never
 * write over a frame the application holds. doc/guides/nics/ism.rst
 * says what a peer that ignores the protocol can still do.
 *
 * Frames are freed in any order; the cursor is published up to the
 * first frame still held. Each queue keeps its held frames in a FIFO of
 * slots in ring order (struct ism_zc_dmb): the RX lcore appends at tail
 * and advances head over released slots; the free callback, on whatever
 * thread frees the mbuf, only clears a slot's held flag.
 *
 * Lifetime: a struct ism_zc_dmb lives as long as its DMB is the port's or
 * a frame in it is held. A port stop or close with frames held leaves
 * the DMB registered (its memory cannot be freed while the application
 * reads it) and hands it to the zc_dmb; the last free unregisters it.
 * Likewise a close leaves the ISM function open (struct ism_zc_dev) until
 * the last zc_dmb is gone: no held mbuf ever points to freed memory.
 */

#include <stdint.h>

#include <rte_mbuf.h>

struct ism_dev;
struct ism_dmb;
struct ism_port;
struct ism_rxq;

/* "off": never zero-copy (struct ism_devargs.zc_min). */
#define ISM_ZC_OFF		UINT32_MAX
/* Slots per queue: nb_desc rounded up to a power of two, within these. */
#define ISM_ZC_MIN_SLOTS	64
#define ISM_ZC_MAX_SLOTS	16384

struct ism_zc_dmb;

/* One frame handed out. The shared info is here, never in the DMB: the
 * peer must not be able to reach the free callback or its refcount. */
struct ism_zc_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	uint64_t start;			/* ring cursor of its record */
	struct ism_zc_dmb *z;
	uint32_t held;			/* 1 from delivery until freed */
};

/* The ISM function of a port, open until the port and every frame it
 * handed out are gone. */
struct ism_zc_dev {
	uint32_t refs;			/* the port + one per ism_zc_dmb */
	struct ism_dev *dev;
	char name[64];			/* the port's, for logs */
};

struct ism_zc_dmb {
	uint32_t refs;			/* the port (until release) + held frames */
	uint32_t mask;			/* slots - 1 */
	uint32_t min_len;		/* frames of this size and up go zero-copy */
	uint16_t qid;
	/* RX lcore only */
	uint64_t head;			/* oldest slot maybe still held */
	uint64_t tail;			/* next slot to hand out */
	/* set on release: the DMB to unregister when the last frame goes */
	struct ism_dmb *dmb;
	struct ism_zc_dev *zdev;
	struct ism_zc_slot slots[];
};

/* Control plane (ism_ctrl.c, under the control lock). */
int ism_zc_dmb_new(struct ism_port *p, uint16_t qid, struct ism_zc_dmb **zp);
void ism_zc_dmb_release(struct ism_zc_dmb *z, struct ism_dmb *dmb);
uint32_t ism_zc_held(const struct ism_zc_dmb *z);
/* Copy each queue's held count into the port (p->zc_held), where a
 * secondary's private dump can read it: the ism_zc_dmb objects are in
 * the primary's heap. */
void ism_zc_note_held(struct ism_port *p);
/* Instead of ism_dev_close() at port close. */
void ism_zc_dev_close(struct ism_port *p);

/* Data path (the queue's RX lcore). */
bool ism_zc_rx(struct ism_rxq *q, struct rte_mbuf *m, uint8_t *rec,
	       uint32_t len, uint64_t start);
uint64_t ism_zc_credit(struct ism_rxq *q);
uint16_t ism_zc_rx_burst(struct ism_rxq *q, struct rte_mbuf **pkts,
			 uint16_t nb);
void ism_zc_restart(struct ism_zc_dmb *z);

#endif /* ISM_RX_ZC_H */

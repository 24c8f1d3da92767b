/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_RX_COPY_H
#define ISM_RX_COPY_H

/*
 * RX's copy of a frame, inlined into both versions of the burst
 * (ism_rx_burst.h): the copying one and, for frames below the threshold
 * or without a free slot, the zero-copy one.
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <string.h>

#include "ism_ethdev.h"

/*
 * Up to here libc's memcpy is the cheaper copy of a frame: rte_memcpy
 * realigns every vector when source and destination differ mod 16, and a
 * frame starts 8 bytes into an 8-byte aligned record. Above it libc
 * moves with rep movsb, and rte_memcpy, given a destination at the
 * source's offset mod 16, is the cheaper one (doc/guides/perf, "Hot path").
 */
#define ISM_RX_LIBC_COPY_MAX	2048

static __rte_always_inline void
rx_copy_seg(void *dst, const void *src, uint32_t n)
{
	if (n <= ISM_RX_LIBC_COPY_MAX)
		memcpy(dst, src, n);
	else
		rte_memcpy(dst, src, n);
}

/* A frame over one mbuf, into a chain: the rare case, out of the loop. */
static __rte_noinline bool
rx_copy_chain(struct ism_rxq *q, struct rte_mbuf *head, const uint8_t *src,
	      uint32_t len)
{
	struct rte_mbuf *m = head, *prev;
	uint32_t done = 0;

	for (;;) {
		uint32_t room = rte_pktmbuf_tailroom(m);
		uint32_t n = len - done < room ? len - done : room;

		if (unlikely(n == 0)) {		/* a pool without data room */
			rte_pktmbuf_free(head);
			return false;
		}
		rx_copy_seg(rte_pktmbuf_mtod(m, uint8_t *), src + done, n);
		m->data_len = (uint16_t)n;
		done += n;
		if (done == len)
			return true;
		prev = m;
		m = rte_pktmbuf_alloc(q->mp);
		if (unlikely(m == NULL)) {
			rte_pktmbuf_free(head);
			return false;
		}
		prev->next = m;
		head->nb_segs++;
	}
}

/* Copy one frame out of the ring into @head, a fresh mbuf of the queue's
 * pool, chaining more when it does not fit one; the head's port is
 * @port_id (the burst's local copy: fewer pointer hops per frame). False,
 * with @head freed, when the pool ran out. */
static __rte_always_inline bool
ism_rx_copy(struct ism_rxq *q, struct rte_mbuf *head, const uint8_t *src,
	    uint32_t len, uint16_t port_id)
{
	head->pkt_len = len;
	head->port = port_id;
	if (unlikely(len > q->buf_room))
		return rx_copy_chain(q, head, src, len);
	/* records are 8-byte aligned: the frame starts at 0 or 8 mod 16.
	 * Only a frame that fits one mbuf anyway, so that which frames
	 * are chained does not depend on where they lay in the ring */
	if (len > ISM_RX_LIBC_COPY_MAX && head->data_off >= 16)
		head->data_off -= (uint16_t)((uintptr_t)src & 15);
	rx_copy_seg(rte_pktmbuf_mtod(head, uint8_t *), src, len);
	head->data_len = (uint16_t)len;
	return true;
}

#endif /* ISM_RX_COPY_H */

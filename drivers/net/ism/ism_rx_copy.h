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

#include "ism_ethdev.h"

/* Copy one frame out of the ring into a (possibly chained) mbuf. */
static inline struct rte_mbuf *
ism_rx_copy(struct ism_rxq *q, const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(q->mp), *m = head, *prev;
	uint32_t done = 0;

	if (unlikely(head == NULL))
		return NULL;
	for (;;) {
		uint32_t room = rte_pktmbuf_tailroom(m);
		uint32_t n = len - done < room ? len - done : room;

		if (unlikely(n == 0)) {		/* a pool without data room */
			rte_pktmbuf_free(head);
			return NULL;
		}
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

#endif /* ISM_RX_COPY_H */

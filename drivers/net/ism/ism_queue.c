/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-queue start and stop (rte_eth_dev_{rx,tx}_queue_{start,stop}, and
 * rx/tx_deferred_start at dev_start).
 *
 * Queue pair q's ring has one producer, the peer's TX queue q, and one
 * consumer, our RX queue q; the control plane does not need either to run.
 * So a stopped RX queue simply stops consuming: frames the peer published
 * stay in the ring, the peer gets no more credit, fills the ring and its
 * TX then accepts nothing (back-pressure, its tx_credit_stalls count it).
 * Started again, the queue delivers them in order: none is lost. A stopped
 * TX queue accepts nothing; what it published before stays published.
 * The bursts read the state ethdev keeps in the shared data; a burst that
 * runs while the queue is being stopped finishes normally (ethdev does not
 * make queue stop safe against a concurrent burst on that queue).
 *
 * A queue stopped when its session ends is not drained: the control plane
 * waits its drain timeout and discards what is left (rx_drain_timeouts).
 */
#include "ism_ethdev.h"

static int
set_state(uint8_t *state, uint16_t nb, void *const *queues, uint16_t qid,
	  uint8_t to)
{
	if (qid >= nb || queues[qid] == NULL)
		return -EINVAL;
	__atomic_store_n(&state[qid], to, __ATOMIC_RELEASE);
	return 0;
}

int
ism_rx_queue_start(struct rte_eth_dev *eth, uint16_t qid)
{
	return set_state(eth->data->rx_queue_state, eth->data->nb_rx_queues,
			 eth->data->rx_queues, qid, RTE_ETH_QUEUE_STATE_STARTED);
}

int
ism_rx_queue_stop(struct rte_eth_dev *eth, uint16_t qid)
{
	return set_state(eth->data->rx_queue_state, eth->data->nb_rx_queues,
			 eth->data->rx_queues, qid, RTE_ETH_QUEUE_STATE_STOPPED);
}

int
ism_tx_queue_start(struct rte_eth_dev *eth, uint16_t qid)
{
	return set_state(eth->data->tx_queue_state, eth->data->nb_tx_queues,
			 eth->data->tx_queues, qid, RTE_ETH_QUEUE_STATE_STARTED);
}

int
ism_tx_queue_stop(struct rte_eth_dev *eth, uint16_t qid)
{
	return set_state(eth->data->tx_queue_state, eth->data->nb_tx_queues,
			 eth->data->tx_queues, qid, RTE_ETH_QUEUE_STATE_STOPPED);
}

void
ism_queues_start(struct rte_eth_dev *eth)
{
	struct rte_eth_dev_data *d = eth->data;

	for (uint16_t q = 0; q < d->nb_rx_queues; q++) {
		const struct ism_rxq *r = d->rx_queues[q];

		d->rx_queue_state[q] = r != NULL && r->deferred_start ?
			RTE_ETH_QUEUE_STATE_STOPPED : RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (uint16_t q = 0; q < d->nb_tx_queues; q++) {
		const struct ism_txq *t = d->tx_queues[q];

		d->tx_queue_state[q] = t != NULL && t->deferred_start ?
			RTE_ETH_QUEUE_STATE_STOPPED : RTE_ETH_QUEUE_STATE_STARTED;
	}
}

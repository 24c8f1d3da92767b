/* SPDX-License-Identifier: BSD-3-Clause */
/* Basic stats, per-queue stats and xstats of a net_ism port. */
#include <string.h>

#include "ism_ethdev.h"

struct xstat_def {
	const char *name;
	size_t off;
	bool tx;		/* summed over TX (else RX) queues */
};

#define RXQ(f, n) { n, offsetof(struct ism_rxq, f), false }
#define TXQ(f, n) { n, offsetof(struct ism_txq, f), true }

static const struct xstat_def queue_xstats[] = {
	RXQ(corrupt_records, "rx_corrupt_records"),
	RXQ(cursor_errors, "rx_cursor_errors"),
	RXQ(nombuf, "rx_nombuf"),
	RXQ(filter_unicast, "rx_filtered_unicast"),
	RXQ(filter_multicast, "rx_filtered_multicast"),
	RXQ(filter_short, "rx_filtered_short"),
	RXQ(oversize, "rx_oversize_drops"),
	RXQ(store_errors, "rx_credit_store_errors"),
	RXQ(zc_frames, "rx_zero_copy_frames"),
	RXQ(zc_copied, "rx_zero_copy_no_slot"),
	TXQ(stores, "tx_stores"),
	TXQ(store_errors, "tx_store_errors"),
	TXQ(credit_stalls, "tx_credit_stalls"),
	TXQ(credit_errors, "tx_credit_errors"),
	TXQ(errors, "tx_oversize_drops"),
};

struct port_xstat_def {
	const char *name;
	size_t off;
};

static const struct port_xstat_def port_xstats[] = {
	{ "ctrl_events", offsetof(struct ism_port, ctrl_events) },
	{ "ctrl_events_ignored", offsetof(struct ism_port, ctrl_ignored) },
	{ "ctrl_events_foreign", offsetof(struct ism_port, ctrl_foreign) },
	{ "ieq_overruns", offsetof(struct ism_port, ieq_overruns) },
	{ "rx_drain_timeouts", offsetof(struct ism_port, drain_timeouts) },
	{ "rx_drain_discarded_bytes", offsetof(struct ism_port, drain_discarded) },
	{ "gid_events", offsetof(struct ism_port, gid_events) },
	{ "handshakes", offsetof(struct ism_port, handshakes) },
	{ "link_downs", offsetof(struct ism_port, link_downs) },
	{ "heartbeats_missed", offsetof(struct ism_port, hb_missed) },
};

#define NB_QUEUE_XSTATS RTE_DIM(queue_xstats)
#define NB_PORT_XSTATS RTE_DIM(port_xstats)

static uint64_t
sum_queues(struct ism_port *p, const struct xstat_def *d)
{
	uint64_t sum = 0;

	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		const void *qp = d->tx ? (const void *)p->txq[q] :
			(const void *)p->rxq[q];

		if (qp != NULL)
			sum += *(const uint64_t *)((const uint8_t *)qp + d->off);
	}
	return sum;
}

int
ism_stats_get(struct rte_eth_dev *eth, struct rte_eth_stats *st)
{
	struct ism_port *p = ism_port_of(eth);

	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		struct ism_rxq *r = p->rxq[q];
		struct ism_txq *t = p->txq[q];

		if (r != NULL) {
			st->ipackets += r->packets;
			st->ibytes += r->bytes;
			st->ierrors += r->corrupt_records;
			st->rx_nombuf += r->nombuf;
			if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_ipackets[q] = r->packets;
				st->q_ibytes[q] = r->bytes;
				st->q_errors[q] = r->corrupt_records;
			}
		}
		if (t != NULL) {
			st->opackets += t->packets;
			st->obytes += t->bytes;
			st->oerrors += t->errors;
			if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_opackets[q] = t->packets;
				st->q_obytes[q] = t->bytes;
			}
		}
	}
	return 0;
}

int
ism_stats_reset(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		struct ism_rxq *r = p->rxq[q];
		struct ism_txq *t = p->txq[q];

		if (r != NULL) {
			r->packets = r->bytes = r->nombuf = 0;
			r->corrupt_records = r->cursor_errors = r->store_errors = 0;
			r->filter_unicast = r->filter_multicast = 0;
			r->filter_short = r->oversize = 0;
			r->zc_frames = r->zc_copied = 0;
		}
		if (t != NULL) {
			t->packets = t->bytes = t->errors = t->stores = 0;
			t->store_errors = t->credit_stalls = t->credit_errors = 0;
		}
	}
	p->ctrl_events = p->ctrl_ignored = p->gid_events = 0;
	p->handshakes = p->link_downs = p->hb_missed = 0;
	p->ctrl_foreign = p->drain_timeouts = p->drain_discarded = 0;
	/* lib/ism's counter is not ours to reset: count from here on */
	p->ieq_overruns_base += p->ieq_overruns;
	p->ieq_overruns = 0;
	return 0;
}

int
ism_xstats_get(struct rte_eth_dev *eth, struct rte_eth_xstat *xs,
	       unsigned int n)
{
	struct ism_port *p = ism_port_of(eth);
	unsigned int total = NB_QUEUE_XSTATS + NB_PORT_XSTATS, i = 0;

	if (xs == NULL || n < total)
		return (int)total;
	for (unsigned int k = 0; k < NB_QUEUE_XSTATS; k++, i++) {
		xs[i].id = i;
		xs[i].value = sum_queues(p, &queue_xstats[k]);
	}
	for (unsigned int k = 0; k < NB_PORT_XSTATS; k++, i++) {
		xs[i].id = i;
		xs[i].value = *(const uint64_t *)((const uint8_t *)p +
						  port_xstats[k].off);
	}
	return (int)total;
}

int
ism_xstats_get_names(struct rte_eth_dev *eth, struct rte_eth_xstat_name *names,
		     unsigned int n)
{
	unsigned int total = NB_QUEUE_XSTATS + NB_PORT_XSTATS, i = 0;

	RTE_SET_USED(eth);
	if (names == NULL || n < total)
		return (int)total;
	for (unsigned int k = 0; k < NB_QUEUE_XSTATS; k++, i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s",
			 queue_xstats[k].name);
	for (unsigned int k = 0; k < NB_PORT_XSTATS; k++, i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s",
			 port_xstats[k].name);
	return (int)total;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Secondary processes: dpdk-proc-info, dpdk-dumpcap, dpdk-pdump and the
 * like attach to the ports the primary made; they never open an ISM
 * function of their own.
 *
 * What is shared: the ethdev data and the port itself (dev_private), with
 * its queues, all in the primary's hugepage memory, mapped at the same
 * address here. Every counter behind stats and xstats is in there (the
 * control plane copies lib/ism's event-queue overruns into the port on
 * every step), so a secondary reads the very numbers the primary reports.
 *
 * What is not: the primary's ops table and burst functions (addresses in
 * its copy of this driver), its interrupt handle, lib/ism's device handle
 * (the primary's heap and fds), the control lock (a process-private mutex)
 * and the control alarm. So a secondary gets its own ops table, made of the
 * calls that only read the port or flip a flag in the shared data, and
 * burst functions that refuse: the rings have one consumer and one producer,
 * the primary's lcores. Capture goes through the primary's own bursts:
 * dpdk-dumpcap and dpdk-pdump ask the primary (rte_pdump_init(), which
 * testpmd calls) to copy what its bursts move. doc/guides/nics/ism.rst
 * lists the calls a secondary may make.
 */
#include <rte_eal.h>
#include <ethdev_driver.h>

#include "ism_ethdev.h"

/* Filled from the primary's table on the first attach: a secondary runs
 * the same functions, only fewer of them. */
static struct eth_dev_ops secondary_ops;
static bool secondary_ops_ready;

static int
secondary_close(struct rte_eth_dev *eth)
{
	/* nothing of this process's own to release; the port and its
	 * function stay the primary's */
	RTE_SET_USED(eth);
	return 0;
}

static int
secondary_priv_dump(struct rte_eth_dev *eth, FILE *f)
{
	/* without the primary's lock: each field is one aligned load, the
	 * set of them may straddle a state change */
	ism_port_dump(ism_port_of(eth), f);
	return 0;
}

static void
secondary_ops_init(void)
{
	if (secondary_ops_ready)
		return;
	secondary_ops = (struct eth_dev_ops){
		.dev_close = secondary_close,
		.dev_infos_get = ism_ops.dev_infos_get,
		.link_update = ism_ops.link_update,
		.rxq_info_get = ism_ops.rxq_info_get,
		.txq_info_get = ism_ops.txq_info_get,
		/* flags in the shared data; the primary's RX filter reads them */
		.promiscuous_enable = ism_ops.promiscuous_enable,
		.promiscuous_disable = ism_ops.promiscuous_disable,
		.allmulticast_enable = ism_ops.allmulticast_enable,
		.allmulticast_disable = ism_ops.allmulticast_disable,
		.stats_get = ism_ops.stats_get,
		.stats_reset = ism_ops.stats_reset,
		.xstats_get = ism_ops.xstats_get,
		.xstats_get_names = ism_ops.xstats_get_names,
		.xstats_reset = ism_ops.xstats_reset,
		.eth_dev_priv_dump = secondary_priv_dump,
	};
	secondary_ops_ready = true;
}

static void
refuse_burst(const char *what)
{
	static bool said;

	if (!said)
		ISM_LOG(WARNING, "%s burst in a secondary process: the rings are the primary's, nothing is moved here (capture with dpdk-dumpcap or dpdk-pdump, which use the primary's bursts)",
			what);
	said = true;
}

static uint16_t
secondary_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(q);
	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	refuse_burst("RX");
	return 0;
}

static uint16_t
secondary_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(q);
	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	refuse_burst("TX");
	return 0;
}

/* The process-local half of an attached port (rte_eth_dev_create()'s
 * init callback on the vfio_ism bus; ism_mp_attach() for --vdev ports). */
int
ism_mp_eth_init(struct rte_eth_dev *eth, void *unused)
{
	RTE_SET_USED(unused);
	if (eth->data->dev_private == NULL) {
		ISM_LOG(ERR, "%s: the primary's port has no private data: it is being closed",
			eth->data->name);
		return -ENODEV;
	}
	secondary_ops_init();
	eth->dev_ops = &secondary_ops;
	eth->rx_pkt_burst = secondary_rx_burst;
	eth->tx_pkt_burst = secondary_tx_burst;
	/* the RX interrupt fds are the primary's */
	eth->intr_handle = NULL;
	return 0;
}

int
ism_mp_attach(struct rte_device *dev, const char *name)
{
	struct rte_eth_dev *eth = rte_eth_dev_attach_secondary(name);
	int rc;

	if (eth == NULL) {
		ISM_LOG(ERR, "%s: the primary process has no such port: a secondary attaches to the primary's ports (same --file-prefix; the primary must use hugepages, not --no-huge)",
			name);
		return -ENODEV;
	}
	eth->device = dev;
	rc = ism_mp_eth_init(eth, NULL);
	if (rc < 0) {
		rte_eth_dev_release_port(eth);
		return rc;
	}
	rte_eth_dev_probing_finish(eth);
	ISM_LOG(INFO, "%s: attached to the primary's port %u", name,
		eth->data->port_id);
	return 0;
}

bool
ism_mp_is_port(const struct rte_eth_dev *eth)
{
	return secondary_ops_ready && eth->dev_ops == &secondary_ops;
}

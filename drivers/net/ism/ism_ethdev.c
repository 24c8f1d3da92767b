/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ism: an ethdev port on one ISM function, paired with one peer
 * function. This file holds the device operations and the probe paths;
 * the ring is in ism_rxtx.c, the handshake in ism_ctrl.c.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>
#include <rte_pci.h>

#include "ism_ethdev.h"
#include "ism_ring.h"
#include "rte_pmd_ism.h"
#ifdef RTE_NET_ISM_VFIO_ISM
#include "bus_vfio_ism_driver.h"
#endif

RTE_LOG_REGISTER(ism_logtype, pmd.net.ism, NOTICE);

/* lib/ism's messages (syslog levels; EAL's are one higher) go to this
 * driver's log type: --log-level=pmd.net.ism:debug shows them too. */
static void
lib_log(int level, const char *msg)
{
	rte_log((uint32_t)level + 1, ism_logtype, "net_ism: ism: %s\n", msg);
}

uint64_t
ism_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Without RX scatter a frame must fit one mbuf: refuse an MTU the RX
 * queues set up so far cannot take, rather than drop every big frame.
 */
static int
check_mtu_fits(struct ism_port *p, uint16_t mtu)
{
	const struct rte_eth_dev_data *d = p->eth->data;

	for (uint16_t qid = 0; qid < d->nb_rx_queues; qid++) {
		const struct ism_rxq *q = d->rx_queues[qid];

		if (q != NULL && !q->scatter &&
		    (uint32_t)mtu + ISM_FRAME_OVERHEAD > q->buf_room) {
			PORT_LOG(p, ERR, "MTU %u needs %u-byte frames, RX queue %u's mbufs hold %u: enable RX scatter or use larger mbufs",
				 mtu, mtu + ISM_FRAME_OVERHEAD, qid, q->buf_room);
			return -EINVAL;
		}
	}
	return 0;
}

static int
eth_ism_configure(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);
	uint16_t nrx = eth->data->nb_rx_queues, ntx = eth->data->nb_tx_queues;

	if (nrx != ntx) {
		PORT_LOG(p, ERR, "needs queue pairs: %u RX and %u TX queues configured",
			 nrx, ntx);
		return -EINVAL;
	}
	if (check_mtu_fits(p, eth->data->mtu) < 0)
		return -EINVAL;
	if (eth->data->dev_conf.rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    nrx > 1)
		PORT_LOG(p, INFO, "no RSS: the peer picks the queue (its TX queue q lands in our RX queue q)");
	ism_ctrl_lock(p);
	p->nb_queues = nrx;
	ism_ctrl_unlock(p);
	return 0;
}

static int
eth_ism_infos_get(struct rte_eth_dev *eth, struct rte_eth_dev_info *info)
{
	struct ism_port *p = ism_port_of(eth);

	info->if_index = 0;
	info->max_mac_addrs = 1;
	info->max_rx_queues = p->args.queues;
	info->max_tx_queues = p->args.queues;
	info->max_rx_pktlen = ISM_MAX_FRAME;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = ISM_MAX_MTU;
	info->min_rx_bufsize = 0;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->rx_queue_offload_capa = 0;
	info->tx_queue_offload_capa = 0;
	info->speed_capa = ISM_LINK_SPEED_CAPA;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->tx_desc_lim.nb_max = UINT16_MAX;
	info->dev_capa = 0;
	return 0;
}

static void
free_queues(struct ism_port *p)
{
	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		rte_free(p->txq[q]);
		p->txq[q] = NULL;
		rte_free(p->rxq[q]);
		p->rxq[q] = NULL;
	}
}

static int
eth_ism_start(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	for (uint16_t q = 0; q < p->nb_queues; q++) {
		if (p->rxq[q] == NULL || p->txq[q] == NULL) {
			PORT_LOG(p, ERR, "queue pair %u is not set up", q);
			return -EINVAL;
		}
	}
	if (check_mtu_fits(p, eth->data->mtu) < 0)
		return -EINVAL;
	eth->data->scattered_rx = !!(eth->data->dev_conf.rxmode.offloads &
				     RTE_ETH_RX_OFFLOAD_SCATTER);
	ism_queues_start(eth);
	p->admin_down = false;
	return ism_ctrl_start(p);
}

/*
 * Link down by hand: the port stays started, but the control plane says
 * goodbye and releases its rings, as on stop. RX delivers nothing, TX
 * accepts nothing, the peer sees the link go down; link up starts a new
 * session and handshake.
 */
static int
eth_ism_set_link_down(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	if (!eth->data->dev_started) {
		PORT_LOG(p, ERR, "set link down: the port is not started");
		return -EINVAL;
	}
	if (!p->admin_down)
		ism_ctrl_link_down(p);
	p->admin_down = true;
	return 0;
}

static int
eth_ism_set_link_up(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	if (!eth->data->dev_started) {
		PORT_LOG(p, ERR, "set link up: start the port instead");
		return -EINVAL;
	}
	if (!p->admin_down)
		return 0;
	p->admin_down = false;
	return ism_ctrl_start(p);
}

static int
eth_ism_stop(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	ism_ctrl_stop(p);
	p->admin_down = false;
	for (uint16_t q = 0; q < eth->data->nb_rx_queues; q++)
		eth->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (uint16_t q = 0; q < eth->data->nb_tx_queues; q++)
		eth->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static void
port_release(struct ism_port *p)
{
	ism_ctrl_detach(p);
	free_queues(p);
	if (p->intr != NULL) {
		rte_intr_efd_disable(p->intr);
		rte_intr_vec_list_free(p->intr);
		rte_intr_instance_free(p->intr);
		p->intr = NULL;
	}
	/* detaches the function (peers get a GID event), or leaves that to
	 * the last zero-copy frame the application frees */
	ism_zc_dev_close(p);
	p->dev = NULL;
}

static int
eth_ism_close(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (eth->data->dev_started)
		eth_ism_stop(eth);
	port_release(p);
	eth->data->mac_addrs = NULL;	/* points into p */
	return 0;
}

/* The control alarm walks the queues: replace them under its lock, free
 * the old ones after. */
static void
swap_rxq(struct ism_port *p, uint16_t qid, struct ism_rxq *q)
{
	struct ism_rxq *old;

	ism_ctrl_lock(p);
	old = p->rxq[qid];
	p->rxq[qid] = q;
	ism_ctrl_unlock(p);
	rte_free(old);
}

static void
swap_txq(struct ism_port *p, uint16_t qid, struct ism_txq *q)
{
	struct ism_txq *old;

	ism_ctrl_lock(p);
	old = p->txq[qid];
	p->txq[qid] = q;
	ism_ctrl_unlock(p);
	rte_free(old);
}

static int
ism_rx_queue_setup(struct rte_eth_dev *eth, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_rxconf *conf,
		   struct rte_mempool *mp)
{
	struct ism_port *p = ism_port_of(eth);
	struct ism_rxq *q;

	uint64_t offloads = eth->data->dev_conf.rxmode.offloads |
			    (conf != NULL ? conf->offloads : 0);
	uint32_t data_room = rte_pktmbuf_data_room_size(mp);
	/* what one fresh mbuf of the pool holds (its reset data offset) */
	uint32_t room = data_room > RTE_PKTMBUF_HEADROOM ?
		data_room - RTE_PKTMBUF_HEADROOM : 0;
	bool scatter = !!(offloads & RTE_ETH_RX_OFFLOAD_SCATTER);

	if (qid >= p->args.queues)
		return -EINVAL;
	if (!scatter && (uint32_t)eth->data->mtu + ISM_FRAME_OVERHEAD > room) {
		PORT_LOG(p, ERR, "RX queue %u: MTU %u needs %u-byte frames, the mbufs hold %u: enable RX scatter or use larger mbufs",
			 qid, eth->data->mtu, eth->data->mtu + ISM_FRAME_OVERHEAD, room);
		return -EINVAL;
	}
	q = rte_zmalloc_socket("ism_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->qid = qid;
	q->nb_desc = nb_desc;	/* the ring is bytes of the DMB, not slots */
	q->scatter = scatter;
	q->deferred_start = conf != NULL && conf->rx_deferred_start;
	q->buf_room = room;
	q->mp = mp;
	swap_rxq(p, qid, q);
	eth->data->rx_queues[qid] = q;
	return 0;
}

static int
ism_tx_queue_setup(struct rte_eth_dev *eth, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct ism_port *p = ism_port_of(eth);
	struct ism_txq *q;

	if (qid >= p->args.queues)
		return -EINVAL;
	q = rte_zmalloc_socket("ism_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->qid = qid;
	q->nb_desc = nb_desc;
	q->deferred_start = conf != NULL && conf->tx_deferred_start;
	swap_txq(p, qid, q);
	eth->data->tx_queues[qid] = q;
	return 0;
}

static void
ism_rx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	swap_rxq(ism_port_of(eth), qid, NULL);
	eth->data->rx_queues[qid] = NULL;
}

static void
ism_tx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	swap_txq(ism_port_of(eth), qid, NULL);
	eth->data->tx_queues[qid] = NULL;
}

/*
 * Queue info: the ring of a queue is bytes of a DMB, so nb_desc is the
 * number the application asked for at setup, reported back unchanged.
 */
static void
ism_rxq_info(struct rte_eth_dev *eth, uint16_t qid,
	     struct rte_eth_rxq_info *qinfo)
{
	struct ism_rxq *q = eth->data->rx_queues[qid];

	qinfo->mp = q->mp;
	qinfo->nb_desc = q->nb_desc;
	qinfo->scattered_rx = q->scatter;
	qinfo->queue_state = eth->data->rx_queue_state[qid];
	qinfo->rx_buf_size = rte_pktmbuf_data_room_size(q->mp) -
			     RTE_PKTMBUF_HEADROOM;
	qinfo->conf.offloads = eth->data->dev_conf.rxmode.offloads;
}

static void
ism_txq_info(struct rte_eth_dev *eth, uint16_t qid,
	     struct rte_eth_txq_info *qinfo)
{
	struct ism_txq *q = eth->data->tx_queues[qid];

	qinfo->nb_desc = q->nb_desc;
	qinfo->queue_state = eth->data->tx_queue_state[qid];
	qinfo->conf.offloads = eth->data->dev_conf.txmode.offloads;
}

/*
 * rte_eth_dev_priv_dump(): the control plane's view, one field a line.
 * Only shared fields of the port: a secondary process prints it too.
 */
void
ism_port_dump(const struct ism_port *p, FILE *f)
{
	fprintf(f, "gid: %016" PRIx64 "\n", p->gid);
	fprintf(f, "peer_gid: %016" PRIx64 "\n", p->peer_gid);
	fprintf(f, "state: %s\n", ism_link_state_name(p->state));
	fprintf(f, "session: %u\n", p->session);
	fprintf(f, "peer_session: %u\n", p->peer.session);
	fprintf(f, "queue_pairs: %u\n", p->nb_queues);
	fprintf(f, "dmb_size: %u\n", p->args.dmb_size);
	fprintf(f, "peer_dmb_size: %u\n", p->peer.dmb_size);
	fprintf(f, "ring_epoch: %u\n", p->ring_epoch);
	/* the control alarm's copy, in the port: a secondary reads it too */
	for (uint16_t q = 0; q < p->nb_queues && p->args.zc_min != ISM_ZC_OFF; q++)
		fprintf(f, "rxq%u_zero_copy_held: %u\n", q, p->zc_held[q]);
	fprintf(f, "handshakes: %" PRIu64 "\n", p->handshakes);
	fprintf(f, "link_downs: %" PRIu64 "\n", p->link_downs);
	fprintf(f, "hb_missed: %" PRIu64 "\n", p->hb_missed);
	fprintf(f, "transport: %s\n", p->transport);
}

static int
ism_priv_dump(struct rte_eth_dev *eth, FILE *f)
{
	struct ism_port *p = ism_port_of(eth);

	ism_ctrl_lock(p);
	ism_port_dump(p, f);
	ism_ctrl_unlock(p);
	return 0;
}

static int
ism_link_update(struct rte_eth_dev *eth, int wait_to_complete)
{
	struct ism_port *p = ism_port_of(eth);
	uint64_t end = ism_now_ms() + 9000;

	/* the control alarm moves the link; waiting means watching it */
	while (wait_to_complete && eth->data->dev_started &&
	       !__atomic_load_n(&p->link_up, __ATOMIC_ACQUIRE) &&
	       ism_now_ms() < end)
		rte_delay_us_sleep(10000);
	return 0;
}

/* The RX burst filters by the flags ethdev keeps in eth->data (see
 * rx_wanted()): nothing to program. */
static int
ism_mode_ok(struct rte_eth_dev *eth)
{
	RTE_SET_USED(eth);
	return 0;
}

static int
ism_mtu_set(struct rte_eth_dev *eth, uint16_t mtu)
{
	struct ism_port *p = ism_port_of(eth);

	if (mtu > ISM_MAX_MTU)
		return -EINVAL;
	if (eth->data->dev_started) {
		PORT_LOG(p, ERR, "stop the port to change its MTU: the peer must agree on it");
		return -EBUSY;
	}
	return check_mtu_fits(p, mtu);
}

static int
ism_mac_addr_set(struct rte_eth_dev *eth, struct rte_ether_addr *mac)
{
	struct ism_port *p = ism_port_of(eth);

	p->mac = *mac;
	return 0;
}

/*
 * A frame published between clearing the SBA and the peer seeing our flag
 * came without the signal flag: wake the waiter ourselves rather than let
 * it sleep on data. One 8-byte write suits both interrupt fds (the model's
 * FIFO reads whatever is there, an eventfd adds the value).
 */
static void
kick_if_pending(struct ism_port *p, struct ism_rxq *q)
{
	uint64_t one = 1;
	int fd = ism_irq_fd(p->dev);

	if (fd >= 0 && q->dmb != NULL &&
	    ism_ring_load64(q->dmb, ISM_RING_PROD_OFF) != q->cons &&
	    write(fd, &one, sizeof(one)) < 0)
		PORT_LOG(p, DEBUG, "RX queue %u: cannot kick the interrupt fd", q->qid);
}

static int
ism_rx_intr_set(struct rte_eth_dev *eth, uint16_t qid, bool on)
{
	struct ism_port *p = ism_port_of(eth);
	int rc;

	if (qid >= p->nb_queues || p->rxq[qid] == NULL)
		return -EINVAL;
	/* lib/ism polls a device from one thread at a time: the control
	 * alarm polls its events under the same lock */
	ism_ctrl_lock(p);
	if (on)	/* re-arm: the MSI fires again only after the SBA is clear */
		ism_poll_sba(p->dev, NULL, NULL);
	rc = ism_ctrl_rx_intr(p, qid, on);
	ism_ctrl_unlock(p);
	if (rc == 0 && on)
		kick_if_pending(p, p->rxq[qid]);
	return rc;
}

static int
ism_rx_intr_enable(struct rte_eth_dev *eth, uint16_t qid)
{
	return ism_rx_intr_set(eth, qid, true);
}

static int
ism_rx_intr_disable(struct rte_eth_dev *eth, uint16_t qid)
{
	return ism_rx_intr_set(eth, qid, false);
}

static int eth_ism_reset(struct rte_eth_dev *eth);

const struct eth_dev_ops ism_ops = {
	.dev_configure = eth_ism_configure,
	.dev_start = eth_ism_start,
	.dev_stop = eth_ism_stop,
	.dev_set_link_down = eth_ism_set_link_down,
	.dev_set_link_up = eth_ism_set_link_up,
	.dev_close = eth_ism_close,
	.dev_reset = eth_ism_reset,
	.dev_infos_get = eth_ism_infos_get,
	.rx_queue_setup = ism_rx_queue_setup,
	.tx_queue_setup = ism_tx_queue_setup,
	.rx_queue_release = ism_rx_queue_release,
	.tx_queue_release = ism_tx_queue_release,
	.rx_queue_start = ism_rx_queue_start,
	.rx_queue_stop = ism_rx_queue_stop,
	.tx_queue_start = ism_tx_queue_start,
	.tx_queue_stop = ism_tx_queue_stop,
	.rx_queue_intr_enable = ism_rx_intr_enable,
	.rx_queue_intr_disable = ism_rx_intr_disable,
	.link_update = ism_link_update,
	.rxq_info_get = ism_rxq_info,
	.txq_info_get = ism_txq_info,
	.eth_dev_priv_dump = ism_priv_dump,
	.promiscuous_enable = ism_mode_ok,
	.promiscuous_disable = ism_mode_ok,
	.allmulticast_enable = ism_mode_ok,
	.allmulticast_disable = ism_mode_ok,
	.mtu_set = ism_mtu_set,
	.mac_addr_set = ism_mac_addr_set,
	.stats_get = ism_stats_get,
	.stats_reset = ism_stats_reset,
	.xstats_get = ism_xstats_get,
	.xstats_get_names = ism_xstats_get_names,
	.xstats_reset = ism_stats_reset,
};

/* One eventfd-like fd per RX queue for rte_eth_dev_rx_intr_ctl_q(): the
 * function has a single MSI, so every queue gets a duplicate of it. */
static int
setup_rx_intr(struct ism_port *p)
{
	int fd = ism_irq_fd(p->dev);

	if (fd < 0)
		return 0;
	p->intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_SHARED);
	if (p->intr == NULL)
		return -ENOMEM;
	if (rte_intr_type_set(p->intr, RTE_INTR_HANDLE_VDEV) < 0 ||
	    rte_intr_fd_set(p->intr, fd) < 0 ||
	    rte_intr_efd_counter_size_set(p->intr, 1) < 0 ||
	    rte_intr_vec_list_alloc(p->intr, "ism_intr_vec", p->args.queues) < 0)
		return -EIO;
	for (uint16_t q = 0; q < p->args.queues; q++) {
		int dfd = dup(fd);

		if (dfd < 0 || rte_intr_efds_index_set(p->intr, q, dfd) < 0 ||
		    rte_intr_vec_list_index_set(p->intr, q,
						RTE_INTR_VEC_RXTX_OFFSET + q) < 0)
			return -EIO;
	}
	if (rte_intr_nb_efd_set(p->intr, p->args.queues) < 0 ||
	    rte_intr_max_intr_set(p->intr, p->args.queues + 1) < 0)
		return -EIO;
	p->eth->intr_handle = p->intr;
	return 0;
}

static void
derive_mac(struct ism_port *p)
{
	uint64_t gid = ism_dev_gid(p->dev);

	if (p->args.mac_set) {
		p->mac = p->args.mac;
		return;
	}
	/* locally administered, unicast, from the low 40 bits of the GID */
	p->mac.addr_bytes[0] = 0x02;
	for (int i = 1; i < RTE_ETHER_ADDR_LEN; i++)
		p->mac.addr_bytes[i] = (uint8_t)(gid >> (8 * (RTE_ETHER_ADDR_LEN - 1 - i)));
}

/* Common to both probe paths: @t is an opened transport (owned now). */
static int
port_init(struct rte_eth_dev *eth, struct ism_transport *t, const char *name,
	  const struct ism_devargs *args)
{
	struct ism_port *p = ism_port_of(eth);
	int rc;

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->eth = eth;
	p->args = *args;
	rc = ism_dev_open(t, &p->dev);
	if (rc < 0) {
		PORT_LOG(p, ERR, "cannot open the ISM function: %s", strerror(-rc));
		return rc;
	}
	p->gid = ism_dev_gid(p->dev);
	snprintf(p->transport, sizeof(p->transport), "%s", t->name);
	if (args->pair[0] != '\0') {
		rc = t->ops->set_label != NULL && t->ops->find_peer != NULL ?
			t->ops->set_label(t, args->pair) : -ENOTSUP;
		if (rc < 0) {
			PORT_LOG(p, ERR, "cannot publish label '%s': %s",
				 args->pair, strerror(-rc));
			goto fail;
		}
	}
	rc = setup_rx_intr(p);
	if (rc < 0) {
		PORT_LOG(p, ERR, "cannot set up RX interrupts: %s", strerror(-rc));
		goto fail;
	}
	derive_mac(p);
	eth->data->mac_addrs = &p->mac;
	eth->data->mtu = RTE_ETHER_MTU;
	/* the peer is the only sender on this "wire": take all it sends
	 * unless the application asks for filtering */
	eth->data->promiscuous = 1;
	eth->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
		RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	eth->dev_ops = &ism_ops;
	eth->rx_pkt_burst = ism_rx_burst;
	eth->tx_pkt_burst = ism_tx_burst;
	rc = ism_ctrl_attach(p);
	if (rc < 0) {
		PORT_LOG(p, ERR, "cannot start the control alarm");
		goto fail;
	}
	if (args->pair[0] != '\0')
		PORT_LOG(p, INFO, "gid %016" PRIx64 " on %s, pair '%s', DMB %u bytes",
			 ism_dev_gid(p->dev), t->name, args->pair, args->dmb_size);
	else if (args->peer_any)
		PORT_LOG(p, INFO, "gid %016" PRIx64 " on %s, peer any, DMB %u bytes",
			 ism_dev_gid(p->dev), t->name, args->dmb_size);
	else
		PORT_LOG(p, INFO, "gid %016" PRIx64 " on %s, peer %016" PRIx64 ", DMB %u bytes",
			 ism_dev_gid(p->dev), t->name, args->peer, args->dmb_size);
	return 0;
fail:
	eth->data->mac_addrs = NULL;	/* points into p: not for rte_free() */
	if (p->intr != NULL) {
		rte_intr_efd_disable(p->intr);
		rte_intr_vec_list_free(p->intr);
		rte_intr_instance_free(p->intr);
		p->intr = NULL;
		eth->intr_handle = NULL;
	}
	ism_dev_close(p->dev);
	p->dev = NULL;
	return rc;
}

static int
eth_ism_reset(struct rte_eth_dev *eth)
{
	struct ism_port *p = ism_port_of(eth);

	/* back to the state right after probe: same function, no queues */
	if (eth->data->dev_started)
		eth_ism_stop(eth);
	ism_ctrl_lock(p);
	p->peer_gid = 0;
	p->nb_queues = 0;
	ism_ctrl_unlock(p);
	return 0;
}

static int
ism_vdev_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth;
	struct ism_transport *t;
	struct ism_devargs args;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return ism_mp_attach(&vdev->device, name);	/* the primary's port */
	rc = ism_devargs_parse(name, rte_vdev_device_args(vdev), true, &args);
	if (rc < 0)
		return rc;
	/* a --vdev port is a function of the software model, found by
	 * kind: this driver does not link the model or call its API */
	rc = ism_transport_open("model", args.fabric, NULL, &t);
	if (rc < 0) {
		ISM_LOG(ERR, "%s: cannot attach to fabric '%s': %s", name,
			args.fabric, strerror(-rc));
		return rc;
	}
	eth = rte_eth_vdev_allocate(vdev, sizeof(struct ism_port));
	if (eth == NULL) {
		t->ops->close(t);
		return -ENOMEM;
	}
	rc = port_init(eth, t, name, &args);
	if (rc < 0) {
		rte_eth_dev_release_port(eth);
		return rc;
	}
	rte_eth_dev_probing_finish(eth);
	return 0;
}

static int
ism_vdev_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth;

	eth = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (eth == NULL)
		return 0;
	eth_ism_close(eth);
	return rte_eth_dev_release_port(eth);
}

static struct rte_vdev_driver ism_vdev_driver = {
	.probe = ism_vdev_probe,
	.remove = ism_vdev_remove,
};

#ifdef RTE_NET_ISM_VFIO_ISM
/* A function found by the vfio_ism bus: same port, vfio transport. */
struct vfio_init {
	struct ism_transport *t;
	const struct ism_devargs *args;
	const char *name;
	bool taken;		/* port_init() owns the transport */
};

static int
vfio_eth_init(struct rte_eth_dev *eth, void *arg)
{
	struct vfio_init *vi = arg;

	vi->taken = true;
	return port_init(eth, vi->t, vi->name, vi->args);
}

static int
ism_vfio_probe(struct rte_vfio_ism_driver *drv, struct rte_vfio_ism_device *dev)
{
	struct rte_devargs *da = dev->device.devargs;
	struct ism_devargs args;
	struct vfio_init vi = { .args = &args, .name = dev->name };
	int rc;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)	/* the primary's port */
		return rte_eth_dev_create(&dev->device, dev->name, 0, NULL, NULL,
					  ism_mp_eth_init, NULL);
	rc = ism_devargs_parse(dev->name, da != NULL ? da->args : NULL, false,
			       &args);
	if (rc < 0)
		return rc;
	rc = rte_vfio_ism_transport_get(dev, &vi.t);
	if (rc < 0) {
		ISM_LOG(ERR, "%s: no transport from the vfio_ism bus: %s",
			dev->name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_create(&dev->device, dev->name,
				sizeof(struct ism_port), NULL, NULL,
				vfio_eth_init, &vi);
	if (rc < 0 && !vi.taken)	/* failed before port_init() */
		vi.t->ops->close(vi.t);
	return rc;
}

static int
ism_vfio_remove(struct rte_vfio_ism_device *dev)
{
	struct rte_eth_dev *eth = rte_eth_dev_allocated(dev->name);

	if (eth == NULL)
		return 0;
	eth_ism_close(eth);
	return rte_eth_dev_release_port(eth);
}
#endif

/* The functions this driver takes on the vfio_ism bus. */
static const struct rte_pci_id ism_pci_ids[] __rte_used = {
	{
		.class_id = RTE_CLASS_ANY_ID,
		.vendor_id = ISM_PCI_VENDOR_ID,
		.device_id = ISM_PCI_DEVICE_ID,
		.subsystem_vendor_id = RTE_PCI_ANY_ID,
		.subsystem_device_id = RTE_PCI_ANY_ID,
	},
	{ .vendor_id = 0 },
};

RTE_PMD_REGISTER_VDEV(net_ism, ism_vdev_driver);
RTE_PMD_REGISTER_ALIAS(net_ism, eth_ism);
RTE_PMD_REGISTER_PARAM_STRING(net_ism, ISM_DEVARGS_HELP);
RTE_PMD_REGISTER_PCI_TABLE(net_ism, ism_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_ism, "ism_vfio_pci");

#ifdef RTE_NET_ISM_VFIO_ISM
static struct rte_vfio_ism_driver ism_vfio_driver = {
	.id_table = ism_pci_ids,
	.probe = ism_vfio_probe,
	.remove = ism_vfio_remove,
};

RTE_PMD_REGISTER_VFIO_ISM(net_ism, ism_vfio_driver);
#endif

RTE_INIT(ism_init)
{
	ism_set_log_fn(lib_log);
	ism_telemetry_init();
}

/* rte_pmd_ism_* */

static struct ism_port *
port_by_id(uint16_t port_id)
{
	struct rte_eth_dev *eth;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	eth = &rte_eth_devices[port_id];
	if (eth->dev_ops != &ism_ops && !ism_mp_is_port(eth))
		return NULL;
	return ism_port_of(eth);
}

int
rte_pmd_ism_get_gid(uint16_t port_id, uint64_t *gid)
{
	struct ism_port *p = port_by_id(port_id);

	if (p == NULL)
		return -ENODEV;
	*gid = p->gid;
	return 0;
}

int
rte_pmd_ism_get_peer(uint16_t port_id, uint64_t *peer_gid)
{
	struct ism_port *p = port_by_id(port_id);

	if (p == NULL)
		return -ENODEV;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		/* the lock is the primary's: one aligned load instead */
		*peer_gid = __atomic_load_n(&p->peer_gid, __ATOMIC_RELAXED);
		return 0;
	}
	ism_ctrl_lock(p);
	*peer_gid = p->peer_gid;
	ism_ctrl_unlock(p);
	return 0;
}

struct ism_dev *
rte_pmd_ism_get_dev(uint16_t port_id)
{
	struct ism_port *p = port_by_id(port_id);

	/* lib/ism's handle is the primary's: none in a secondary */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return NULL;
	return p != NULL ? p->dev : NULL;
}

int
rte_pmd_ism_get_peer_dmb(uint16_t port_id, uint16_t queue_id,
			 struct ism_rdmb *dmb)
{
	struct ism_port *p = port_by_id(port_id);
	int rc = 0;

	if (p == NULL)
		return -ENODEV;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;	/* the tokens are the primary's to use */
	ism_ctrl_lock(p);
	if (queue_id >= p->nb_queues || !(p->peer.tok_mask & (1u << queue_id)))
		rc = -ENOTCONN;
	else
		*dmb = (struct ism_rdmb){ p->peer.tok[queue_id], p->peer.dmb_size };
	ism_ctrl_unlock(p);
	return rc;
}

/* For telemetry: the ports of this driver (the primary's; a secondary's
 * telemetry has no lock to take). */
struct ism_port *
ism_port_by_id(uint16_t port_id)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return NULL;
	return port_by_id(port_id);
}

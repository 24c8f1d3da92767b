/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-band control plane: finding the peer, the handshake that trades
 * DMB tokens over SIGNAL_IEQ events, link state, heartbeats and goodbyes.
 * It runs from an EAL alarm every ISM_CTRL_PERIOD_US and from the ethdev
 * callbacks, always under ctrl_lock; the data path only ever sees its
 * result through ism_qctl_post().
 *
 * Events (type ISM_EVENT_SWR, tok = sender GID):
 *   HELLO      info = version << 56 | queues << 48 | mtu << 32 |
 *                     dmb_pages << 16 | session
 *   TOKENS+q   info = four 16-bit DMB tokens (bits 32..47 of each) of
 *                     queues q..q+3, the first in the top bits; 0 = none
 *   READY      info = the peer session whose tokens we hold | ours << 16 |
 *                     our capabilities (ISM_CAP_*) << 32
 *   HEARTBEAT  info = session, every ISM_HB_INTERVAL_MS while the link is up
 *   BYE        info = session, on stop and close
 * A side sends HELLO and TOKENS every ISM_HELLO_PERIOD_MS until it has the
 * peer's READY for its session; the link is up when both sides hold each
 * other's tokens and agree on queue count and MTU.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_random.h>

#include "ism_ethdev.h"
#include "ism_ring.h"

#define HELLO_VERSION 1

static void
send_ctrl(struct ism_port *p, uint32_t code, uint64_t info)
{
	int rc = ism_signal(p->dev, p->peer_gid, code, info, false);

	if (rc < 0)
		PORT_LOG(p, DEBUG, "control event 0x%x to %016" PRIx64 " failed: %s",
			 code, p->peer_gid, strerror(-rc));
}

static void
send_ready(struct ism_port *p)
{
	send_ctrl(p, ISM_CTRL_READY, p->peer_session |
		  (uint64_t)p->session << 16 | (uint64_t)ISM_CAPS << 32);
}

static void
send_hello(struct ism_port *p)
{
	uint64_t info = (uint64_t)HELLO_VERSION << 56 |
		(uint64_t)p->nb_queues << 48 |
		(uint64_t)p->eth->data->mtu << 32 |
		(uint64_t)(p->args.dmb_size / 4096) << 16 | p->session;

	send_ctrl(p, ISM_CTRL_HELLO, info);
	for (uint16_t q = 0; q < p->nb_queues; q += 4) {
		uint64_t toks = 0;

		for (uint16_t i = 0; i < 4; i++) {
			uint64_t t = q + i < p->nb_queues && p->rx_dmb[q + i] ?
				p->rx_dmb[q + i]->tok >> 32 : 0;

			toks |= t << (48 - 16 * i);
		}
		send_ctrl(p, ISM_CTRL_TOKENS + q, toks);
	}
}

static void
set_link(struct ism_port *p, bool up)
{
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_UNKNOWN,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	p->link_up = up;
	/* 0: the status changed; the application hears of it once the
	 * control lock is released (its callback may well call us) */
	if (rte_eth_linkstatus_set(p->eth, &link) == 0 &&
	    p->eth->data->dev_conf.intr_conf.lsc)
		p->lsc_pending = true;
}

/* Hand every queue pair its qconf; @restart begins a new ring epoch. */
static void
post_all(struct ism_port *p, bool restart)
{
	if (restart)
		p->ring_epoch++;
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		p->qconf[q].epoch = p->ring_epoch;
		if (p->txq[q] != NULL)
			ism_qctl_post(&p->txq[q]->ctl, &p->qconf[q]);
		if (p->rxq[q] != NULL)
			ism_qctl_post(&p->rxq[q]->ctl, &p->qconf[q]);
	}
}

static void
link_down(struct ism_port *p, const char *why)
{
	if (!p->link_up)
		return;
	for (uint16_t q = 0; q < p->nb_queues; q++)
		memset(&p->qconf[q].peer, 0, sizeof(p->qconf[q].peer));
	post_all(p, false);
	p->link_downs++;
	set_link(p, false);
	PORT_LOG(p, NOTICE, "link down: %s", why);
}

/* The peer starts over (new session, or a new peer): nothing of the old
 * rings may be read again. */
static void
reset_rings(struct ism_port *p)
{
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		if (p->rx_dmb[q] != NULL)
			memset(p->rx_dmb[q]->addr, 0, ISM_RING_DATA_OFF);
		memset(&p->qconf[q].peer, 0, sizeof(p->qconf[q].peer));
	}
	post_all(p, true);
}

static void
forget_peer_session(struct ism_port *p)
{
	p->peer_hello = false;
	p->peer_mismatch = false;
	p->peer_session = 0;
	p->peer_tok_mask = 0;
	p->peer_has_ours = false;
	memset(p->peer_tok, 0, sizeof(p->peer_tok));
}

static void
dmb_release(struct ism_port *p, struct ism_dmb **d)
{
	if (*d != NULL)
		ism_dmb_unregister(p->dev, *d);
	*d = NULL;
}

/* Only while no lcore runs the queues (stopped port). */
static void
release_rx_dmbs(struct ism_port *p)
{
	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		dmb_release(p, &p->rx_dmb[q]);
		memset(&p->qconf[q], 0, sizeof(p->qconf[q]));
		if (p->rxq[q] != NULL) {
			ism_rxq_apply(p->rxq[q], &p->qconf[q]);
			p->rxq[q]->ctl.seen = p->rxq[q]->ctl.gen;
		}
		if (p->txq[q] != NULL) {
			ism_txq_apply(p->txq[q], &p->qconf[q]);
			p->txq[q]->ctl.seen = p->txq[q]->ctl.gen;
		}
	}
	p->rx_dmb_rgid = 0;
}

/*
 * One DMB per RX queue, writable by the peer only. For a new peer the DMBs
 * a queue already has are rebound (same memory, new writer, new token), so
 * an lcore polling them never holds a stale pointer.
 */
static int
register_rx_dmbs(struct ism_port *p)
{
	struct ism_dmb_params prm = { .len = p->args.dmb_size,
				      .rgid = p->peer_gid };
	int rc;

	if (p->rx_dmb_rgid == p->peer_gid)
		return 0;
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		if (p->rx_dmb[q] != NULL)
			rc = ism_dmb_rebind(p->dev, p->rx_dmb[q], p->peer_gid);
		else
			rc = ism_dmb_register(p->dev, &prm, &p->rx_dmb[q]);
		if (rc < 0) {
			PORT_LOG(p, ERR, "cannot register RX DMB %u (%u bytes) for peer %016" PRIx64 ": %s",
				 q, prm.len, p->peer_gid, strerror(-rc));
			return rc;	/* the next control step tries again */
		}
		memset(p->rx_dmb[q]->addr, 0, ISM_RING_DATA_OFF);
		memset(&p->qconf[q].peer, 0, sizeof(p->qconf[q].peer));
		p->qconf[q].local = p->rx_dmb[q]->addr;
		p->qconf[q].local_ring = p->rx_dmb[q]->len - ISM_RING_DATA_OFF;
	}
	post_all(p, true);
	p->rx_dmb_rgid = p->peer_gid;
	return 0;
}

/* The peer function is gone. Our DMBs stay registered for its GID (a
 * function on real hardware comes back with the same one) until a new peer
 * replaces them. */
static void
peer_gone(struct ism_port *p, const char *why)
{
	link_down(p, why);
	reset_rings(p);
	forget_peer_session(p);
	if (p->args.pair[0] != '\0' || p->args.peer_any)
		p->peer_gid = 0;	/* find it again (label, or its HELLO) */
}

/* The peer stopped: its rings go away, but what it already put into ours
 * stays readable until it starts a new session. */
static void
peer_bye(struct ism_port *p)
{
	link_down(p, "peer said goodbye");
	forget_peer_session(p);
}

static void
on_hello(struct ism_port *p, uint64_t info)
{
	uint16_t session = info & 0xffff;
	unsigned int nq = (info >> 48) & 0xff;

	if (nq == 0 || nq > ISM_MAX_QUEUES) {
		p->ctrl_ignored++;	/* no port has that many queues */
		return;
	}

	if (p->peer_hello && session == p->peer_session) {
		/* the peer lost our READY (or its link): say it again */
		if (p->peer_nq > 0 && p->peer_tok_mask == (1u << p->peer_nq) - 1)
			send_ready(p);
		return;
	}
	if (p->peer_hello)
		link_down(p, "peer restarted");
	reset_rings(p);
	forget_peer_session(p);
	p->peer_hello = true;
	p->peer_session = session;
	p->peer_version = info >> 56;
	p->peer_nq = (info >> 48) & 0xff;
	p->peer_mtu = (info >> 32) & 0xffff;
	p->peer_dmb_size = ((info >> 16) & 0xffff) * 4096;
	p->handshakes++;
}

/*
 * Whether the peer's configuration fits ours. Checked when the link could
 * come up, not when HELLO arrives: the peer may well speak before this
 * port is configured. Each mismatch is logged once per peer session.
 */
static bool
peer_config_ok(struct ism_port *p)
{
	bool ok = true;

	if (p->peer_version != HELLO_VERSION) {
		if (!p->peer_mismatch)
			PORT_LOG(p, ERR, "peer %016" PRIx64 " speaks control version %u, we speak %u: link stays down",
				 p->peer_gid, p->peer_version, HELLO_VERSION);
		ok = false;
	}
	if (p->peer_nq != p->nb_queues) {
		if (!p->peer_mismatch)
			PORT_LOG(p, ERR, "queue count mismatch: local %u, peer %u: link stays down until both configure the same",
				 p->nb_queues, p->peer_nq);
		ok = false;
	}
	if (p->peer_mtu != p->eth->data->mtu) {
		if (!p->peer_mismatch)
			PORT_LOG(p, ERR, "MTU mismatch: local %u, peer %u: link stays down until both set the same",
				 p->eth->data->mtu, p->peer_mtu);
		ok = false;
	}
	if (p->peer_dmb_size < ISM_MIN_DMB_SIZE || p->peer_dmb_size > ISM_DMB_MAX_LEN) {
		if (!p->peer_mismatch)
			PORT_LOG(p, ERR, "peer announces a %u-byte DMB: link stays down",
				 p->peer_dmb_size);
		ok = false;
	}
	p->peer_mismatch = !ok;
	return ok;
}

static void
on_tokens(struct ism_port *p, unsigned int first, uint64_t info)
{
	if (!p->peer_hello || first >= ISM_MAX_QUEUES)
		return;
	for (unsigned int i = 0; i < 4 && first + i < p->peer_nq &&
	     first + i < ISM_MAX_QUEUES; i++) {
		uint64_t tok = (info >> (48 - 16 * i)) & 0xffff;

		if (tok == 0)
			continue;
		p->peer_tok[first + i] = tok << 32;
		p->peer_tok_mask |= 1u << (first + i);
	}
	if (p->peer_nq > 0 && p->peer_tok_mask == (1u << p->peer_nq) - 1)
		send_ready(p);
}

static void
on_event(void *arg, const struct ism_event *ev)
{
	struct ism_port *p = arg;
	uint32_t code = ev->code;

	p->ctrl_events++;
	if (ev->type == ISM_EVENT_GID) {
		p->gid_events++;
		if (p->peer_gid != 0 && ev->tok == p->peer_gid)
			peer_gone(p, "peer function gone (GID event)");
		return;
	}
	if (p->peer_gid == 0 && p->args.peer_any && ev->type == ISM_EVENT_SWR &&
	    code == ISM_CTRL_HELLO && ev->tok != 0) {
		p->peer_gid = ev->tok;
		PORT_LOG(p, INFO, "peer=any: pairing with %016" PRIx64 ", the first to say HELLO",
			 p->peer_gid);
	}
	if (ev->type != ISM_EVENT_SWR || p->peer_gid == 0 ||
	    ev->tok != p->peer_gid) {
		p->ctrl_ignored++;
		return;
	}
	p->last_peer_ms = ism_now_ms();
	PORT_LOG(p, DEBUG, "event 0x%x info %016" PRIx64 " (started %d, hello %d, tokens %#x, has ours %d, link %d)",
		 code, ev->info, p->started, p->peer_hello, p->peer_tok_mask,
		 p->peer_has_ours, p->link_up);
	if (code == ISM_CTRL_HELLO)
		on_hello(p, ev->info);
	else if (code >= ISM_CTRL_TOKENS && code < ISM_CTRL_TOKENS + ISM_MAX_QUEUES)
		on_tokens(p, code - ISM_CTRL_TOKENS, ev->info);
	else if (code == ISM_CTRL_READY) {
		p->peer_has_ours = (ev->info & 0xffff) == p->session;
		p->peer_caps = (uint16_t)(ev->info >> 32);
	}
	else if (code == ISM_CTRL_BYE && p->peer_hello &&
		 (ev->info & 0xffff) == p->peer_session)
		peer_bye(p);
	else if (code != ISM_CTRL_HEARTBEAT)
		p->ctrl_ignored++;
}

static void
discover_peer(struct ism_port *p)
{
	struct ism_transport *t = ism_dev_transport(p->dev);
	uint64_t gids[2];
	int n;

	if (p->peer_gid != 0 || p->args.peer_any)
		return;
	if (p->args.peer != 0) {
		if (ism_query_rgid(p->dev, p->args.peer, false, 0) == 0)
			p->peer_gid = p->args.peer;
		return;
	}
	n = ism_model_find_label(t, p->args.pair, gids, 2);
	if (n == 1) {
		p->peer_gid = gids[0];
		PORT_LOG(p, INFO, "paired by label '%s' with %016" PRIx64,
			 p->args.pair, p->peer_gid);
	} else if (n > 1) {
		PORT_LOG(p, WARNING, "%d other functions carry label '%s'; a pair needs exactly one",
			 n, p->args.pair);
	}
}

/*
 * A peer found by label or by its HELLO whose GID event we never saw (the
 * IEQ overran, or it died before sharing a DMB with us) would hold the port
 * forever: while the link is down and the peer is silent, ask the device
 * whether it is still there, once per heartbeat timeout.
 */
static bool
peer_silently_gone(struct ism_port *p, uint64_t now)
{
	bool reachable;

	if (p->args.pair[0] == '\0' && !p->args.peer_any)
		return false;	/* a fixed peer= GID may come back */
	if (now - p->last_peer_ms < p->args.hb_timeout_ms ||
	    now - p->last_probe_ms < p->args.hb_timeout_ms)
		return false;
	p->last_probe_ms = now;
	/* any refusal is "not reachable" (its code is a model rule); a
	 * failed transport tells nothing: ask again next timeout */
	if (ism_rgid_reachable(p->dev, p->peer_gid, false, 0, &reachable) < 0 ||
	    reachable)
		return false;
	peer_gone(p, "peer function gone (no longer reachable)");
	return true;
}

static void
try_link_up(struct ism_port *p)
{
	uint32_t all = (1u << p->nb_queues) - 1;

	if (!p->started || !p->peer_hello || !peer_config_ok(p) ||
	    !p->peer_has_ours || p->peer_tok_mask != all ||
	    p->rx_dmb_rgid != p->peer_gid)
		return;
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		p->qconf[q].peer.tok = p->peer_tok[q];
		p->qconf[q].peer.len = p->peer_dmb_size;
		ism_ctrl_rx_intr(p, q, p->rxq[q]->intr_armed);
	}
	post_all(p, false);
	p->last_peer_ms = p->last_hb_ms = ism_now_ms();
	set_link(p, true);
	PORT_LOG(p, NOTICE, "link up: peer %016" PRIx64 ", %u queue pairs, MTU %u",
		 p->peer_gid, p->nb_queues, p->eth->data->mtu);
}

static void
ctrl_step(struct ism_port *p)
{
	uint64_t now;

	ism_poll_events(p->dev, on_event, p);
	discover_peer(p);
	if (!p->started || p->peer_gid == 0)
		return;
	now = ism_now_ms();
	if (!p->link_up && peer_silently_gone(p, now))
		return;
	if (register_rx_dmbs(p) < 0)
		return;		/* retried at the next step */
	if (!p->link_up) {
		if (!p->peer_has_ours && now - p->last_hello_ms >= ISM_HELLO_PERIOD_MS) {
			send_hello(p);
			p->last_hello_ms = now;
		}
		try_link_up(p);
		return;
	}
	if (now - p->last_hb_ms >= ISM_HB_INTERVAL_MS) {
		send_ctrl(p, ISM_CTRL_HEARTBEAT, p->session);
		p->last_hb_ms = now;
	}
	if (now - p->last_peer_ms > p->args.hb_timeout_ms) {
		p->hb_missed++;
		p->peer_has_ours = false;
		link_down(p, "no heartbeat from the peer");
	}
}

/* Release the control lock, then deliver a link change it recorded. */
static void
ctrl_unlock(struct ism_port *p)
{
	bool lsc = p->lsc_pending;

	p->lsc_pending = false;
	pthread_mutex_unlock(&p->ctrl_lock);
	if (lsc)
		rte_eth_dev_callback_process(p->eth, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static void
ctrl_alarm(void *arg)
{
	struct ism_port *p = arg;

	pthread_mutex_lock(&p->ctrl_lock);
	if (p->alarm_armed) {
		ctrl_step(p);
		if (rte_eal_alarm_set(ISM_CTRL_PERIOD_US, ctrl_alarm, p) < 0) {
			PORT_LOG(p, ERR, "cannot re-arm the control alarm: the link will not change any more");
			p->alarm_armed = false;
		}
	}
	ctrl_unlock(p);
}

int
ism_ctrl_attach(struct ism_port *p)
{
	pthread_mutex_init(&p->ctrl_lock, NULL);
	p->alarm_armed = true;
	if (rte_eal_alarm_set(ISM_CTRL_PERIOD_US, ctrl_alarm, p) < 0) {
		p->alarm_armed = false;
		return -EIO;
	}
	return 0;
}

void
ism_ctrl_detach(struct ism_port *p)
{
	pthread_mutex_lock(&p->ctrl_lock);
	p->alarm_armed = false;
	pthread_mutex_unlock(&p->ctrl_lock);
	rte_eal_alarm_cancel(ctrl_alarm, p);
	pthread_mutex_lock(&p->ctrl_lock);
	release_rx_dmbs(p);
	pthread_mutex_unlock(&p->ctrl_lock);
	pthread_mutex_destroy(&p->ctrl_lock);
}

static uint16_t
new_session(uint16_t old)
{
	uint16_t s;

	do {
		s = (uint16_t)rte_rand();
	} while (s == 0 || s == old);
	return s;
}

int
ism_ctrl_start(struct ism_port *p)
{
	pthread_mutex_lock(&p->ctrl_lock);
	p->started = true;
	p->session = new_session(p->session);
	p->peer_has_ours = false;
	p->last_hello_ms = 0;
	/* fresh rings (stop released the old ones); the peer learns our
	 * new session from HELLO */
	release_rx_dmbs(p);
	ctrl_step(p);
	ctrl_unlock(p);
	return 0;
}

void
ism_ctrl_stop(struct ism_port *p)
{
	pthread_mutex_lock(&p->ctrl_lock);
	if (p->started && p->peer_gid != 0)
		send_ctrl(p, ISM_CTRL_BYE, p->session);
	link_down(p, "port stopped");
	p->started = false;
	p->peer_has_ours = false;
	release_rx_dmbs(p);
	ctrl_unlock(p);
}

/* Ask the peer to set sf when it publishes into RX queue @qid. */
int
ism_ctrl_rx_intr(struct ism_port *p, uint16_t qid, bool on)
{
	struct ism_rdmb peer = { p->peer_tok[qid], p->peer_dmb_size };
	ism_be32_t flag = ism_be32(on);

	p->rxq[qid]->intr_armed = on;
	if (!(p->peer_tok_mask & (1u << qid)))
		return 0;	/* told to the peer at link up */
	return ism_move(p->dev, &peer, 0, ISM_RING_INTR_OFF, &flag,
			sizeof(flag), false);
}

void
ism_ctrl_lock(struct ism_port *p)
{
	pthread_mutex_lock(&p->ctrl_lock);
}

void
ism_ctrl_unlock(struct ism_port *p)
{
	ctrl_unlock(p);
}

/* Feed one event to the control plane as if it came from the IEQ: for the
 * fuzz target and tests, which cannot make a peer misbehave on demand. */
void
ism_ctrl_inject_event(struct ism_port *p, const struct ism_event *ev)
{
	pthread_mutex_lock(&p->ctrl_lock);
	on_event(p, ev);
	if (p->started && !p->link_up)
		try_link_up(p);
	ctrl_unlock(p);
}

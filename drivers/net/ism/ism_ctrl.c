/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane: finding the peer, the handshake that trades DMB
 * tokens over SIGNAL_IEQ events (wire format: ism_ctrl_proto.h), link
 * state, heartbeats in the control record and goodbyes. It runs from an
 * EAL alarm every ISM_CTRL_PERIOD_US and from the ethdev callbacks, always
 * under ctrl_lock; the data path only ever sees its result through
 * ism_qctl_post().
 *
 * The port is in one of the states of enum ism_link_state, and set_state()
 * is the only place that changes it:
 *
 *   STOPPED    --start-->           SEARCHING (no peer GID) or HANDSHAKE
 *   SEARCHING  --peer found-->      HANDSHAKE (label, peer=, first HELLO)
 *   HANDSHAKE  --both READY-->      UP
 *   HANDSHAKE  --peer gone-->       DRAINING
 *   UP         --heartbeat missed-> HANDSHAKE (same sessions: rings kept)
 *   UP         --BYE, goodbye record, GID event, HELLO of a new session-->
 *                                   DRAINING
 *   DRAINING   --RX queues read everything, or hb_timeout-->
 *                                   HANDSHAKE or SEARCHING (rings reset)
 *   any        --stop-->            STOPPED (rings released)
 *
 * DRAINING is what makes an orderly stop of the peer lossless: what the
 * peer published before its session ended stays readable until our RX
 * queues consumed it; only then do the rings start over, and only then do
 * we say READY to the peer's next session, so it cannot write meanwhile.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_random.h>

#include "ism_ethdev.h"
#include "ism_ring.h"

static_assert(ISM_MAX_QUEUES <= ISM_CTRL_MAX_QUEUES,
	      "every queue's token fits the TOKENS events");
static_assert(ISM_RING_CTRL_OFF + sizeof(struct ism_ctrl_rec) <= ISM_RING_DATA_OFF,
	      "the control record lies in the ring header");

#define SEARCH_LOG_PERIOD_MS	5000
#define NOISE_LOG_PERIOD_MS	5000

static const char *const state_names[] = {
	[ISM_LINK_STOPPED] = "stopped",
	[ISM_LINK_SEARCHING] = "searching",
	[ISM_LINK_DRAINING] = "draining",
	[ISM_LINK_HANDSHAKE] = "handshake",
	[ISM_LINK_UP] = "up",
};

const char *
ism_link_state_name(enum ism_link_state s)
{
	return (unsigned int)s < RTE_DIM(state_names) ? state_names[s] : "?";
}

/* Queued; ctrl_unlock() sends it. A full outbox drops the event: every
 * event but BYE is repeated until answered, and BYE has the record. */
static void
send_ctrl(struct ism_port *p, uint32_t code, uint64_t info)
{
	struct ism_outbox *o = &p->outbox;

	if (o->n > 0 && o->gid != p->peer_gid)
		o->n = 0;	/* for a peer we no longer have */
	if (o->n == ISM_CTRL_OUTBOX)
		return;
	o->gid = p->peer_gid;
	o->code[o->n] = code;
	o->info[o->n++] = info;
}

static void
outbox_send(struct ism_port *p, const struct ism_outbox *o)
{
	for (uint16_t i = 0; i < o->n; i++) {
		int rc = ism_signal(p->dev, o->gid, o->code[i], o->info[i], false);

		if (rc < 0)
			PORT_LOG(p, DEBUG, "control event 0x%x to %016" PRIx64 " failed: %s",
				 o->code[i], o->gid, strerror(-rc));
	}
}

static bool
peer_tokens_complete(const struct ism_port *p)
{
	return p->peer.hello && p->peer.nq > 0 && p->peer.nq <= ISM_MAX_QUEUES &&
		p->peer.tok_mask == (1u << p->peer.nq) - 1;
}

/* READY tells the peer it may write into our rings: never while they
 * still hold what its previous session published. */
static void
send_ready_if_due(struct ism_port *p)
{
	struct ism_ctrl_ready r = {
		.peer_session = p->peer.session,
		.session = p->session,
		.caps = ISM_CAPS,
	};

	if (p->state != ISM_LINK_HANDSHAKE && p->state != ISM_LINK_UP)
		return;
	if (peer_tokens_complete(p))
		send_ctrl(p, ISM_CTRL_READY, ism_ctrl_ready_encode(&r));
}

static void
send_hello(struct ism_port *p)
{
	struct ism_ctrl_hello h = {
		.version = ISM_CTRL_VERSION,
		.queues = (uint8_t)p->nb_queues,
		.mtu = p->eth->data->mtu,
		.dmb_pages = (uint16_t)(p->args.dmb_size / 4096),
		.session = p->session,
	};

	send_ctrl(p, ISM_CTRL_HELLO, ism_ctrl_hello_encode(&h));
	for (uint16_t q = 0; q < p->nb_queues; q += ISM_CTRL_TOKENS_PER_EVENT) {
		uint64_t toks = 0;

		for (unsigned int i = 0; i < ISM_CTRL_TOKENS_PER_EVENT; i++)
			if (q + i < p->nb_queues && p->rx_dmb[q + i] != NULL)
				toks = ism_ctrl_tokens_put(toks, i,
							   p->rx_dmb[q + i]->tok);
		send_ctrl(p, ISM_CTRL_TOKENS + q, toks);
	}
}

static void
set_link(struct ism_port *p, bool up)
{
	struct rte_eth_link link = {
		.link_speed = up ? ISM_LINK_SPEED : RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	__atomic_store_n(&p->link_up, up, __ATOMIC_RELEASE);
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
enter_up(struct ism_port *p)
{
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		p->qconf[q].peer.tok = p->peer.tok[q];
		p->qconf[q].peer.len = p->peer.dmb_size;
		ism_ctrl_rx_intr(p, q, p->rxq[q]->intr_armed);
	}
	post_all(p, false);
	p->last_peer_ms = p->last_hb_ms = ism_now_ms();
	p->peer.beat = 0;
	set_link(p, true);
}

static void
leave_up(struct ism_port *p)
{
	for (uint16_t q = 0; q < p->nb_queues; q++)
		memset(&p->qconf[q].peer, 0, sizeof(p->qconf[q].peer));
	post_all(p, false);
	p->link_downs++;
	set_link(p, false);
}

/* The one place the state changes, and the one place it is logged. */
static void
set_state(struct ism_port *p, enum ism_link_state to, const char *why)
{
	enum ism_link_state from = p->state;

	if (from == to)
		return;
	__atomic_store_n(&p->state, to, __ATOMIC_RELEASE);
	if (from == ISM_LINK_UP)
		leave_up(p);
	if (to == ISM_LINK_UP)
		enter_up(p);
	if (to == ISM_LINK_DRAINING)
		p->drain_since_ms = ism_now_ms();
	if (to == ISM_LINK_UP)
		PORT_LOG(p, NOTICE, "link up: peer %016" PRIx64 ", %u queue pairs, MTU %u",
			 p->peer_gid, p->nb_queues, p->eth->data->mtu);
	else if (from == ISM_LINK_UP)
		PORT_LOG(p, NOTICE, "link down: %s", why);
	if (from != ISM_LINK_UP && to != ISM_LINK_UP)
		PORT_LOG(p, INFO, "%s -> %s: %s", ism_link_state_name(from),
			 ism_link_state_name(to), why);
	else
		PORT_LOG(p, DEBUG, "%s -> %s", ism_link_state_name(from),
			 ism_link_state_name(to));
}

/* The peer's session is over: nothing of its rings may be read again. */
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
dmb_release(struct ism_port *p, struct ism_dmb **d)
{
	if (*d != NULL)
		ism_dmb_unregister(p->dev, *d);
	*d = NULL;
}

/* Only while no lcore runs the queues (stopped port). A DMB with
 * zero-copy frames still held goes when the last of them does. */
static void
release_rx_dmbs(struct ism_port *p)
{
	for (uint16_t q = 0; q < ISM_MAX_QUEUES; q++) {
		if (p->rx_zc[q] != NULL) {
			ism_zc_dmb_release(p->rx_zc[q], p->rx_dmb[q]);
			p->rx_zc[q] = NULL;
			p->rx_dmb[q] = NULL;
		}
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
		/* a failure leaves the queue copying, as with zero_copy=off */
		if (p->rx_zc[q] == NULL)
			ism_zc_dmb_new(p, q, &p->rx_zc[q]);
		memset(p->rx_dmb[q]->addr, 0, ISM_RING_DATA_OFF);
		memset(&p->qconf[q].peer, 0, sizeof(p->qconf[q].peer));
		p->qconf[q].local = p->rx_dmb[q]->addr;
		p->qconf[q].local_ring = p->rx_dmb[q]->len - ISM_RING_DATA_OFF;
		p->qconf[q].zc = p->rx_zc[q];
	}
	post_all(p, true);
	p->rx_dmb_rgid = p->peer_gid;
	return 0;
}

/*
 * The peer's session ended (BYE, its goodbye record, a new session, its
 * function gone). Our DMBs stay registered for its GID (a function on real
 * hardware comes back with the same one) until a new peer replaces them;
 * what it published in them is read before the rings start over.
 * @forget_gid: find the peer anew afterwards (label, or its HELLO).
 */
static void
session_ended(struct ism_port *p, const char *why, bool forget_gid)
{
	memset(&p->peer, 0, sizeof(p->peer));
	if (forget_gid && (p->args.pair[0] != '\0' || p->args.peer_any))
		p->drain_forget_gid = true;
	if (p->state == ISM_LINK_STOPPED) {
		if (p->drain_forget_gid)
			p->peer_gid = 0;
		p->drain_forget_gid = false;
		return;
	}
	set_state(p, ISM_LINK_DRAINING, why);
}

/* Bytes the RX queues have yet to read; 0 when all is consumed. */
static uint64_t
rings_pending(const struct ism_port *p)
{
	uint64_t left = 0;

	for (uint16_t q = 0; q < p->nb_queues; q++) {
		uint64_t prod, cons;

		if (p->rx_dmb[q] == NULL || p->rxq[q] == NULL)
			continue;
		prod = ism_ring_load64(p->rx_dmb[q]->addr, ISM_RING_PROD_OFF);
		cons = __atomic_load_n(&p->rxq[q]->cons_seen, __ATOMIC_ACQUIRE);
		if (prod != 0 && prod > cons)
			left += prod - cons;
	}
	return left;
}

/* Zero-copy frames of our RX DMBs the application still holds. */
static uint32_t
frames_held(const struct ism_port *p, uint16_t *first_q)
{
	uint32_t held = 0;

	for (uint16_t q = p->nb_queues; q-- > 0;) {
		uint32_t n = p->rx_zc[q] != NULL ? ism_zc_held(p->rx_zc[q]) : 0;

		if (n != 0)
			*first_q = q;
		held += n;
	}
	return held;
}

static void
drain_step(struct ism_port *p, uint64_t now)
{
	uint64_t left = rings_pending(p);
	uint16_t hq = 0;
	uint32_t held;

	if (left != 0 && now - p->drain_since_ms < p->args.hb_timeout_ms)
		return;
	/* the peer's next session writes the ring from its start: never
	 * over a frame the application holds, however long it takes */
	held = frames_held(p, &hq);
	if (held != 0) {
		if (now - p->last_held_log_ms >= SEARCH_LOG_PERIOD_MS) {
			PORT_LOG(p, WARNING, "the application holds %u zero-copy frames (RX queue %u and maybe others): the rings start over, and the link comes back, once they are freed",
				 held, hq);
			p->last_held_log_ms = now;
		}
		return;
	}
	if (left != 0) {
		p->drain_timeouts++;
		p->drain_discarded += left;
		PORT_LOG(p, WARNING, "RX queues did not read the last %" PRIu64 " ring bytes of the peer's session within hb_timeout=%u ms: discarded (poll the RX queues to keep them)",
			 left, p->args.hb_timeout_ms);
	}
	reset_rings(p);
	if (p->drain_forget_gid) {
		p->peer_gid = 0;
		memset(&p->peer, 0, sizeof(p->peer));
	}
	p->drain_forget_gid = false;
	set_state(p, p->peer_gid != 0 ? ISM_LINK_HANDSHAKE : ISM_LINK_SEARCHING,
		  left != 0 ? "drain timed out, rings reset" : "rings drained and reset");
}

static void
on_hello(struct ism_port *p, uint64_t info)
{
	struct ism_ctrl_hello h;

	ism_ctrl_hello_decode(info, &h);
	if (h.queues == 0 || h.queues > ISM_MAX_QUEUES) {
		p->ctrl_ignored++;	/* no port has that many queues */
		return;
	}
	if (p->peer.hello && h.session == p->peer.session) {
		/* the peer lost our READY (or its link): say it again */
		send_ready_if_due(p);
		return;
	}
	if (p->peer.hello || p->state == ISM_LINK_UP)
		session_ended(p, "peer restarted", false);
	p->peer.hello = true;
	p->peer.session = h.session;
	p->peer.version = h.version;
	p->peer.nq = h.queues;
	p->peer.mtu = h.mtu;
	p->peer.dmb_size = (uint32_t)h.dmb_pages * 4096;
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

	if (p->peer.version != ISM_CTRL_VERSION) {
		if (!p->peer.mismatch)
			PORT_LOG(p, ERR, "peer %016" PRIx64 " speaks control version %u, we speak %u: link stays down",
				 p->peer_gid, p->peer.version, ISM_CTRL_VERSION);
		ok = false;
	}
	if (p->peer.nq != p->nb_queues) {
		if (!p->peer.mismatch)
			PORT_LOG(p, ERR, "queue count mismatch: local %u, peer %u: link stays down until both configure the same",
				 p->nb_queues, p->peer.nq);
		ok = false;
	}
	if (p->peer.mtu != p->eth->data->mtu) {
		if (!p->peer.mismatch)
			PORT_LOG(p, ERR, "MTU mismatch: local %u, peer %u: link stays down until both set the same",
				 p->eth->data->mtu, p->peer.mtu);
		ok = false;
	}
	if (p->peer.dmb_size < ISM_MIN_DMB_SIZE || p->peer.dmb_size > ISM_DMB_MAX_LEN) {
		if (!p->peer.mismatch)
			PORT_LOG(p, ERR, "peer announces a %u-byte DMB: link stays down",
				 p->peer.dmb_size);
		ok = false;
	}
	p->peer.mismatch = !ok;
	return ok;
}

static void
on_tokens(struct ism_port *p, unsigned int first, uint64_t info)
{
	if (!p->peer.hello || first >= ISM_MAX_QUEUES ||
	    first % ISM_CTRL_TOKENS_PER_EVENT != 0) {
		p->ctrl_ignored++;
		return;
	}
	for (unsigned int i = 0; i < ISM_CTRL_TOKENS_PER_EVENT &&
	     first + i < p->peer.nq; i++) {
		uint64_t tok = ism_ctrl_tokens_get(info, i);

		if (tok == 0)
			continue;
		p->peer.tok[first + i] = tok;
		p->peer.tok_mask |= 1u << (first + i);
	}
	send_ready_if_due(p);
}

static void
on_ready(struct ism_port *p, uint64_t info)
{
	struct ism_ctrl_ready r;

	ism_ctrl_ready_decode(info, &r);
	p->peer.has_ours = r.peer_session == p->session;
	p->peer.caps = r.caps;
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
			session_ended(p, "peer function gone (GID event)", true);
		return;
	}
	if (ev->type != ISM_EVENT_SWR) {
		p->ctrl_ignored++;
		return;
	}
	if (p->peer_gid == 0 && p->args.peer_any && p->started &&
	    p->state == ISM_LINK_SEARCHING && code == ISM_CTRL_HELLO &&
	    ev->tok != 0 && ev->tok != ism_dev_gid(p->dev)) {
		p->peer_gid = ev->tok;
		PORT_LOG(p, NOTICE, "peer=any: pairing with %016" PRIx64 ", the first to say HELLO",
			 p->peer_gid);
	}
	if (p->peer_gid == 0 || ev->tok != p->peer_gid) {
		p->ctrl_foreign++;
		return;
	}
	p->last_peer_ms = ism_now_ms();
	PORT_LOG(p, DEBUG, "event 0x%x info %016" PRIx64 " (%s, hello %d, tokens %#x, has ours %d)",
		 code, ev->info, ism_link_state_name(p->state), p->peer.hello,
		 p->peer.tok_mask, p->peer.has_ours);
	if (code == ISM_CTRL_HELLO)
		on_hello(p, ev->info);
	else if (code >= ISM_CTRL_TOKENS && code < ISM_CTRL_TOKENS + ISM_MAX_QUEUES)
		on_tokens(p, code - ISM_CTRL_TOKENS, ev->info);
	else if (code == ISM_CTRL_READY)
		on_ready(p, ev->info);
	else if (code == ISM_CTRL_BYE && p->peer.hello &&
		 ism_ctrl_session_of(ev->info) == p->peer.session)
		session_ended(p, "peer said goodbye", false);
	else if (code != ISM_CTRL_HEARTBEAT)
		p->ctrl_ignored++;
}

/*
 * Label discovery, an optional transport operation (the model has it, real
 * hardware does not). It may wait for a lock other processes share (the
 * model's fabric), so it runs before the control lock is taken: a stalled
 * neighbour then delays the search, not every ethdev call on this port.
 */
struct label_hit {
	int n;			/* -1: not looked up */
	uint64_t gids[2];
};

static void
find_by_label(struct ism_port *p, struct label_hit *hit)
{
	struct ism_transport *t = ism_dev_transport(p->dev);

	hit->n = -1;
	if (p->args.pair[0] == '\0' || t->ops->find_peer == NULL ||
	    __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != ISM_LINK_SEARCHING)
		return;
	hit->n = t->ops->find_peer(t, p->args.pair, hit->gids,
				   (int)RTE_DIM(hit->gids));
}

static void
discover_peer(struct ism_port *p, uint64_t now, const struct label_hit *hit)
{
	bool say = now - p->last_search_log_ms >= SEARCH_LOG_PERIOD_MS;
	int n = hit != NULL ? hit->n : -1;

	if (p->args.peer_any) {
		if (say && p->last_search_log_ms != 0)
			PORT_LOG(p, NOTICE, "peer=any: no function sent a HELLO yet; peer=any waits for the other side to speak first, so start the other port with peer=0x%" PRIx64 " (this port's GID), not peer=any",
				 ism_dev_gid(p->dev));
		if (say)
			p->last_search_log_ms = now;
		return;
	}
	if (p->args.peer != 0) {
		if (ism_query_rgid(p->dev, p->args.peer, false, 0) == 0)
			p->peer_gid = p->args.peer;
		else if (say && p->last_search_log_ms != 0)
			PORT_LOG(p, NOTICE, "peer=0x%" PRIx64 " is not reachable from this function yet: start it, or check the GID",
				 p->args.peer);
		if (say)
			p->last_search_log_ms = now;
		return;
	}
	if (n < 0)
		return;		/* not looked up in this step */
	if (n == 1) {
		p->peer_gid = hit->gids[0];
		PORT_LOG(p, INFO, "paired by label '%s' with %016" PRIx64,
			 p->args.pair, p->peer_gid);
		return;
	}
	if (say && n > 1)
		PORT_LOG(p, WARNING, "%d other functions carry label '%s'; a pair needs exactly one: give each pair its own label",
			 n, p->args.pair);
	else if (say && p->last_search_log_ms != 0)
		PORT_LOG(p, NOTICE, "no other function carries label '%s' yet: start the other port with pair=%s",
			 p->args.pair, p->args.pair);
	if (say)
		p->last_search_log_ms = now;
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
	session_ended(p, "peer function gone (no longer reachable)", true);
	return true;
}

static void
try_link_up(struct ism_port *p)
{
	uint32_t all = (1u << p->nb_queues) - 1;

	if (p->state != ISM_LINK_HANDSHAKE || !p->peer.hello ||
	    !peer_config_ok(p) || !p->peer.has_ours || p->peer.tok_mask != all ||
	    p->rx_dmb_rgid != p->peer_gid)
		return;
	set_state(p, ISM_LINK_UP, "handshake complete");
}

static void
handshake_step(struct ism_port *p, uint64_t now)
{
	if (peer_silently_gone(p, now))
		return;
	if (register_rx_dmbs(p) < 0)
		return;		/* retried at the next step */
	if (now - p->last_hello_ms >= ISM_HELLO_PERIOD_MS) {
		if (!p->peer.has_ours)
			send_hello(p);
		send_ready_if_due(p);
		p->last_hello_ms = now;
	}
	try_link_up(p);
}

static void
write_ctrl_rec(struct ism_port *p, uint32_t session)
{
	struct ism_rdmb d = { p->peer.tok[0], p->peer.dmb_size };
	struct ism_ctrl_rec rec = { ism_be32(session), ism_be32(++p->beat) };
	int rc;

	rc = ism_move(p->dev, &d, 0, ISM_RING_CTRL_OFF, &rec, sizeof(rec), false);
	if (rc < 0)
		PORT_LOG(p, DEBUG, "control record store failed: %s", strerror(-rc));
}

/* Liveness from the record the peer keeps in our DMB 0: events from any
 * other function cannot touch it. */
static void
up_step(struct ism_port *p, uint64_t now)
{
	const uint8_t *dmb = p->rx_dmb[0]->addr;
	uint32_t session = ism_ring_load32(dmb, ISM_RING_CTRL_OFF);
	uint32_t beat = ism_ring_load32(dmb, ISM_RING_CTRL_OFF + 4);

	if (session == 0 && beat != 0) {
		session_ended(p, "peer said goodbye", false);
		return;
	}
	if (session == p->peer.session && beat != p->peer.beat) {
		p->peer.beat = beat;
		p->last_peer_ms = now;
	}
	if (now - p->last_hb_ms >= ISM_HB_INTERVAL_MS) {
		write_ctrl_rec(p, p->session);
		p->last_hb_ms = now;
	}
	if (now - p->last_peer_ms > p->args.hb_timeout_ms) {
		p->hb_missed++;
		p->peer.has_ours = false;
		set_state(p, ISM_LINK_HANDSHAKE, "no heartbeat from the peer");
	}
}

/* Events from functions other than the peer, and a queue that overran:
 * counted, and said at most every NOISE_LOG_PERIOD_MS. */
static void
note_noise(struct ism_port *p, uint64_t now)
{
	struct ism_dev_stats st;

	ism_dev_stats(p->dev, &st);
	p->ieq_overruns = st.ieq_overruns - p->ieq_overruns_base;
	if (now - p->last_noise_log_ms < NOISE_LOG_PERIOD_MS)
		return;
	if (st.ieq_overruns != p->ieq_overruns_logged ||
	    p->ctrl_foreign != p->foreign_logged)
		PORT_LOG(p, WARNING, "%" PRIu64 " event queue overruns and %" PRIu64 " events from functions other than the peer since the last report: another function signals this one (xstats ieq_overruns, ctrl_events_foreign)",
			 st.ieq_overruns - p->ieq_overruns_logged,
			 p->ctrl_foreign - p->foreign_logged);
	p->ieq_overruns_logged = st.ieq_overruns;
	p->foreign_logged = p->ctrl_foreign;
	p->last_noise_log_ms = now;
}

static void
ctrl_step(struct ism_port *p, const struct label_hit *hit)
{
	uint64_t now;

	ism_poll_events(p->dev, on_event, p);
	now = ism_now_ms();
	note_noise(p, now);
	ism_zc_note_held(p);
	switch (p->state) {
	case ISM_LINK_STOPPED:
		return;
	case ISM_LINK_SEARCHING:
		discover_peer(p, now, hit);
		if (p->peer_gid == 0)
			return;
		p->last_peer_ms = now;
		set_state(p, ISM_LINK_HANDSHAKE, "peer found");
		handshake_step(p, now);
		return;
	case ISM_LINK_DRAINING:
		drain_step(p, now);
		return;
	case ISM_LINK_HANDSHAKE:
		handshake_step(p, now);
		return;
	case ISM_LINK_UP:
		up_step(p, now);
		return;
	}
}

/* Release the control lock, then deliver a link change it recorded. */
static void
ctrl_unlock(struct ism_port *p)
{
	bool lsc = p->lsc_pending;
	struct ism_outbox o = p->outbox;

	p->lsc_pending = false;
	p->outbox.n = 0;
	pthread_mutex_unlock(&p->ctrl_lock);
	outbox_send(p, &o);
	if (lsc)
		rte_eth_dev_callback_process(p->eth, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static void
ctrl_alarm(void *arg)
{
	struct ism_port *p = arg;
	struct label_hit hit;

	find_by_label(p, &hit);
	pthread_mutex_lock(&p->ctrl_lock);
	if (p->alarm_armed) {
		ctrl_step(p, &hit);
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
	p->state = ISM_LINK_STOPPED;
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
	p->peer.has_ours = false;
	p->last_hello_ms = 0;
	p->last_search_log_ms = 0;
	/* fresh rings (stop released the old ones); the peer learns our
	 * new session from HELLO */
	release_rx_dmbs(p);
	set_state(p, p->peer_gid != 0 ? ISM_LINK_HANDSHAKE : ISM_LINK_SEARCHING,
		  "port started");
	ctrl_step(p, NULL);
	ctrl_unlock(p);
	return 0;
}

static void
ctrl_stop(struct ism_port *p, const char *why)
{
	pthread_mutex_lock(&p->ctrl_lock);
	if (p->state == ISM_LINK_UP)
		write_ctrl_rec(p, 0);	/* goodbye where no flood can lose it */
	if (p->started && p->peer_gid != 0)
		send_ctrl(p, ISM_CTRL_BYE, p->session);
	set_state(p, ISM_LINK_STOPPED, why);
	if (p->drain_forget_gid)
		p->peer_gid = 0;
	p->drain_forget_gid = false;
	p->started = false;
	p->peer.has_ours = false;
	release_rx_dmbs(p);
	ctrl_unlock(p);
}

void
ism_ctrl_stop(struct ism_port *p)
{
	ctrl_stop(p, "port stopped");
}

/* As a stop, for the peer (BYE, goodbye record) and for our rings; the
 * port stays started and ism_ctrl_start() brings the link back. */
void
ism_ctrl_link_down(struct ism_port *p)
{
	ctrl_stop(p, "set link down");
}

/* Ask the peer to set sf when it publishes into RX queue @qid. */
int
ism_ctrl_rx_intr(struct ism_port *p, uint16_t qid, bool on)
{
	struct ism_rdmb peer = { p->peer.tok[qid], p->peer.dmb_size };
	ism_be32_t flag = ism_be32(on);

	p->rxq[qid]->intr_armed = on;
	if (!(p->peer.tok_mask & (1u << qid)))
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
	try_link_up(p);
	ctrl_unlock(p);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control-event handler: a started net_ism port on
 * the software model, whose peer (a plain lib/ism function of this process)
 * sends any sequence of events. The handler must keep its state consistent
 * (never a link up with a mismatched or incomplete peer) and never crash.
 *
 * Input: records of 20 bytes: be32 type, be32 code, be64 info, u8 flags
 * (bit 0: from the peer, else from a stranger; bit 1: a control code;
 * bit 2: a well-formed message of that code, built with the encoders of
 * ism_ctrl_proto.h from the info bytes; bit 3: instead of an event, the
 * peer stores info as the control record in the port's DMB 0), 3 bytes
 * ignored.
 */
#include <string.h>

#include <ethdev_driver.h>
#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"
#include "ism_ethdev.h"
#include "ism_model.h"

static struct ism_port *port;
static struct ism_dev *peer;
/* The port's private data lives in EAL memory, which LeakSanitizer does
 * not scan: keep what it points to reachable from here. */
static struct ism_dev *port_dev;
static uint16_t port_id;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rte_eth_conf conf = { 0 };
	struct ism_transport *t;
	struct rte_mempool *mp;
	char args[128], fabric[64];

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_ctrl");
	snprintf(fabric, sizeof(fabric), "fuzz-ctrl-%d", (int)getpid());
	if (ism_model_attach(fabric, NULL, &t) < 0 || ism_dev_open(t, &peer) < 0)
		abort();
	/* copying RX: zero-copy's per-DMB objects, made at every handshake
	 * and pointed to from the port only, would count as leaks too */
	snprintf(args, sizeof(args), "fabric=%s,peer=0x%llx,zero_copy=off", fabric,
		 (unsigned long long)ism_dev_gid(peer));
	mp = rte_pktmbuf_pool_create("fuzz", 512, 0, 0, 2048, 0);
	if (mp == NULL || rte_vdev_init("net_ism0", args) < 0 ||
	    rte_eth_dev_get_port_by_name("net_ism0", &port_id) < 0 ||
	    rte_eth_dev_configure(port_id, 2, 2, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port_id, 0, 64, 0, NULL, mp) < 0 ||
	    rte_eth_rx_queue_setup(port_id, 1, 64, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port_id, 0, 64, 0, NULL) < 0 ||
	    rte_eth_tx_queue_setup(port_id, 1, 64, 0, NULL) < 0 ||
	    rte_eth_dev_start(port_id) < 0)
		abort();
	port = rte_eth_devices[port_id].data->dev_private;
	port_dev = port->dev;
	ism_model_unlink(fabric);	/* gone with the process */
	return 0;
}

/* A message the port could accept: a matching configuration, its own
 * session in READY, the tokens of the peer's (absent) DMBs. */
static uint64_t
well_formed(uint32_t code, uint64_t info)
{
	if (code == ISM_CTRL_HELLO) {
		struct ism_ctrl_hello h = {
			.version = ISM_CTRL_VERSION,
			.queues = (uint8_t)(1 + (info & 1)),
			.mtu = RTE_ETHER_MTU,
			.dmb_pages = (uint16_t)(4 + ((info >> 8) & 0xff)),
			.session = (uint16_t)(info >> 16) & 3,
		};

		return ism_ctrl_hello_encode(&h);
	}
	if (code == ISM_CTRL_READY) {
		struct ism_ctrl_ready r = {
			.peer_session = port->session,
			.session = (uint16_t)(info >> 16) & 3,
			.caps = ISM_CAPS,
		};

		return ism_ctrl_ready_encode(&r);
	}
	if (code >= ISM_CTRL_TOKENS && code < ISM_CTRL_TOKENS + ISM_MAX_QUEUES)
		return ism_ctrl_tokens_put(ism_ctrl_tokens_put(0, 0, info << 32), 1,
					   info);
	return info & 3;	/* BYE, HEARTBEAT: one of few sessions */
}

/* What only the peer can write: its control record in our DMB 0. */
static void
store_record(uint64_t info)
{
	struct ism_rdmb d = { 0, 0 };
	uint64_t rec = info;

	ism_ctrl_lock(port);
	if (port->rx_dmb[0] != NULL && port->rx_dmb_rgid == ism_dev_gid(peer))
		d = (struct ism_rdmb){ port->rx_dmb[0]->tok, port->rx_dmb[0]->len };
	ism_ctrl_unlock(port);
	if (d.tok != 0)
		(void)ism_move(peer, &d, 0, ISM_RING_CTRL_OFF, &rec, sizeof(rec),
			       false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ism_event ev;
	uint64_t peer_gid = ism_dev_gid(peer);

	for (; size >= 20; data += 20, size -= 20) {
		ev.type = fuzz_get32(data) % 4;
		ev.code = fuzz_get32(data + 4);
		/* steer most codes into the control range */
		if (data[16] & 2)
			ev.code = 0x4900 + (ev.code & 0x3f);
		ev.info = fuzz_get64(data + 8);
		ev.tok = (data[16] & 1) ? peer_gid : peer_gid ^ 0x100;
		ev.time = 1;
		if (data[16] & 4)
			ev.info = well_formed(ev.code, ev.info);
		if (data[16] & 8)
			store_record(ev.info);
		else
			ism_ctrl_inject_event(port, &ev);

		ism_ctrl_lock(port);
		if ((port->state == ISM_LINK_UP) != port->link_up)
			abort();	/* one state, one link status */
		if (port->link_up &&
		    (port->peer.mismatch || !port->peer.hello ||
		     port->peer.tok_mask != (1u << port->nb_queues) - 1 ||
		     port->peer.nq != port->nb_queues))
			abort();
		ism_ctrl_unlock(port);
	}
	/* back to a known state: the peer "goes away" and comes back */
	ev = (struct ism_event){ .type = ISM_EVENT_GID, .tok = peer_gid };
	ism_ctrl_inject_event(port, &ev);
	ism_ctrl_lock(port);
	port->peer_gid = peer_gid;
	ism_ctrl_unlock(port);
	return 0;
}

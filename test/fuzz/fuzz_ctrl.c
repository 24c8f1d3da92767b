/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control-event handler: a started net_ism port on
 * the software model, whose peer (a plain lib/ism function of this process)
 * sends any sequence of events. The handler must keep its state consistent
 * (never a link up with a mismatched or incomplete peer) and never crash.
 *
 * Input: records of 20 bytes: be32 type, be32 code, be64 info, u8 flags
 * (bit 0: from the peer, else from a stranger), 3 bytes ignored.
 */
#include <string.h>

#include <ethdev_driver.h>
#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"
#include "ism_ethdev.h"

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
	snprintf(args, sizeof(args), "fabric=%s,peer=0x%llx", fabric,
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

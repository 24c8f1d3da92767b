/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry: /ism/ports lists net_ism ports, /ism/info,<port> describes one. */
#include <errno.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_telemetry.h>

#include "ism_ethdev.h"

/*
 * Telemetry turns a failed callback into a bare null: a bad argument is
 * answered with a dict holding only "error", which says what was wrong.
 */
static int
tel_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* A secondary's socket: the port's lock and lib/ism handle are the
 * primary's, so is the answer. */
static bool
tel_secondary(struct rte_tel_data *d)
{
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		return false;
	tel_error(d, "ask the primary process's telemetry socket: net_ism ports are described there");
	return true;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint16_t port_id;

	RTE_SET_USED(cmd);
	if (tel_secondary(d))
		return 0;
	if (params != NULL && *params != '\0')
		return tel_error(d, "/ism/ports takes no parameters");
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	RTE_ETH_FOREACH_DEV(port_id)
		if (ism_port_by_id(port_id) != NULL)
			rte_tel_data_add_array_int(d, port_id);
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ism_port *p;
	char *end;
	long id;

	RTE_SET_USED(cmd);
	if (tel_secondary(d))
		return 0;
	if (params == NULL || *params == '\0')
		return tel_error(d, "missing port id: /ism/info,<port_id>");
	errno = 0;
	id = strtol(params, &end, 0);
	if (*end != '\0' || errno != 0)
		return tel_error(d, "port id is not a number: /ism/info,<port_id>");
	if (id < 0 || id >= RTE_MAX_ETHPORTS)
		return tel_error(d, "port id out of range: see /ism/ports");
	p = ism_port_by_id((uint16_t)id);
	if (p == NULL)
		return tel_error(d, "no net_ism port with that id: see /ism/ports");
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_u64(d, "gid", ism_dev_gid(p->dev));
	ism_ctrl_lock(p);
	rte_tel_data_add_dict_u64(d, "peer_gid", p->peer_gid);
	rte_tel_data_add_dict_int(d, "link_up", p->link_up);
	rte_tel_data_add_dict_string(d, "state", ism_link_state_name(p->state));
	rte_tel_data_add_dict_int(d, "session", p->session);
	rte_tel_data_add_dict_int(d, "peer_session", p->peer.session);
	rte_tel_data_add_dict_int(d, "peer_capabilities", p->peer.caps);
	rte_tel_data_add_dict_int(d, "queue_pairs", p->nb_queues);
	rte_tel_data_add_dict_int(d, "dmb_size", p->args.dmb_size);
	rte_tel_data_add_dict_int(d, "peer_dmb_size", p->peer.dmb_size);
	rte_tel_data_add_dict_u64(d, "handshakes", p->handshakes);
	rte_tel_data_add_dict_u64(d, "link_downs", p->link_downs);
	ism_ctrl_unlock(p);
	rte_tel_data_add_dict_string(d, "transport",
				     ism_dev_transport(p->dev)->name);
	return 0;
}

void
ism_telemetry_init(void)
{
	rte_telemetry_register_cmd("/ism/ports", tel_ports,
				   "Returns the port ids of net_ism ports. No parameters");
	rte_telemetry_register_cmd("/ism/info", tel_info,
				   "Returns GIDs, link and handshake state of a net_ism port. Parameters: int port_id");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl ping ADDR GID: QUERY_RGID from the function ADDR. The device
 * answers 0 when GID is reachable; any other answer means it is not (its
 * codes other than 0 and 0xFFFF are not documented, so none is relied
 * on). A failure of the transport itself is a device error, not "not
 * reachable".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ism_ctl.h"

enum { OPT_VLAN = 300 };

static const struct option ping_opts[] = {
	{ "vlan", required_argument, NULL, OPT_VLAN },
	{ NULL, 0, NULL, 0 },
};

/* --vlan is a command option; ping is run once per process */
static bool vlan_valid;
static uint16_t vlan_id;

static int
ping_opt(struct ctl *c, int letter, const char *arg)
{
	uint64_t v;

	(void)c;
	if (letter != OPT_VLAN)
		return CTL_EXIT_USAGE;
	if (ctl_parse_uint(arg, 0, 4095, &v) < 0) {
		ctl_err("--vlan '%s': a VLAN id is 0..4095", arg);
		return CTL_EXIT_USAGE;
	}
	vlan_valid = true;
	vlan_id = (uint16_t)v;
	return 0;
}

static int
ping_run(struct ctl *c, int argc, char **argv)
{
	struct out *o = &c->out;
	bool reachable = false;
	unsigned int ret;
	struct ctl_dev d;
	char what[200];
	uint64_t gid;
	int rc;

	if (argc != 2) {
		ctl_err("ping takes a function address and a GID (see '" CTL_PROG " ping --help')");
		return CTL_EXIT_USAGE;
	}
	if (ctl_parse_gid(argv[1], &gid) < 0) {
		ctl_err("'%s' is not a GID: write 16 hex digits as '" CTL_PROG " info' prints them",
			argv[1]);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_open(c, argv[0], &d);
	if (rc != 0)
		return rc;
	rc = ism_rgid_reachable(d.dev, gid, vlan_valid, vlan_id, &reachable);
	ret = ism_last_ret(d.dev);
	if (rc < 0) {
		snprintf(what, sizeof(what), "QUERY_RGID did not reach the device: %s",
			 strerror(-rc));
		ctl_close(&d);
		return ctl_fail(c, CTL_EXIT_DEVICE, argv[0], what,
				"run with -v; the kernel log (dmesg) may say more");
	}
	out_begin(o);
	out_str(o, "addr", "from", d.vinfo.pci_addr);
	out_hex(o, "local_gid", "local GID", ism_dev_gid(d.dev), 16);
	out_hex(o, "gid", "GID", gid, 16);
	if (vlan_valid)
		out_u64(o, "vlan", "VLAN", vlan_id);
	else
		out_null(o, "vlan", "VLAN", "none");
	out_bool(o, "reachable", "reachable", reachable, "yes", "no");
	out_hex(o, "ret", "device return code", ret, 4);
	if (!reachable)
		out_str(o, "ret_name", "  meaning", ism_ret_name(ret));
	out_end(o);
	ctl_close(&d);
	return reachable ? CTL_EXIT_OK : CTL_EXIT_UNREACHABLE;
}

const struct ctl_cmd ctl_cmd_ping = {
	.name = "ping",
	.args = "ADDR GID",
	.summary = "QUERY_RGID: is GID reachable from the function ADDR?",
	.help =
	"Opens the function ADDR and asks the device whether the remote GID (hex, as\n"
	"'" CTL_PROG " info' shows it) is reachable, i.e. an open function on the same ISM\n"
	"fabric. Exit 0 when it is, 4 when it is not, 3 when the request itself failed.\n"
	"      --vlan ID       ask for VLAN ID (0..4095)\n",
	.opts = ping_opts,
	.shortopts = "",
	.opt = ping_opt,
	.run = ping_run,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl stat ADDR: the device's view of the function (QUERY_INFO: state,
 * SBA and IEQ registration, DMBs) and the counters of the library and of
 * the vfio transport. The counters are this process's: a vfio function is
 * open in one process at a time, so they count what opening it and the
 * queries cost.
 */
#include <stdio.h>
#include <string.h>

#include "ism_ctl.h"

static void
show_device(struct out *o, const struct ism_info *qi)
{
	out_section(o, "device", "device (QUERY_INFO)");
	out_hex(o, "state", "state", qi->state, 0);
	out_hex(o, "sba", "SBA (IOVA)", qi->sba, 0);
	out_bool(o, "sba_registered", "SBA registered", qi->sba != 0, "yes", "no");
	out_hex(o, "ieq", "IEQ (IOVA)", qi->ieq, 0);
	out_u64(o, "ieq_len", "IEQ length", qi->ieq_len);
	out_bool(o, "ieq_registered", "IEQ registered", qi->ieq != 0, "yes", "no");
	out_u64(o, "dmbs_owned", "DMBs owned", qi->dmbs_owned);
	out_u64(o, "dmbs_used", "DMBs used", qi->dmbs_used);
	out_section_end(o);
}

static void
show_library(struct out *o, const struct ism_dev_stats *ls)
{
	out_section(o, "library", "lib/ism counters (this process)");
	out_u64(o, "commands", "commands", ls->commands);
	out_u64(o, "command_errors", "command errors", ls->command_errors);
	out_u64(o, "events", "events", ls->events);
	out_u64(o, "ieq_overruns", "IEQ overruns", ls->ieq_overruns);
	out_section_end(o);
}

static void
show_transport(struct out *o, const struct ism_vfio_stats *vs)
{
	out_section(o, "vfio", "vfio transport counters (this process)");
	out_u64(o, "stores", "stores (pwrite)", vs->stores);
	out_u64(o, "loads", "loads (pread)", vs->loads);
	out_u64(o, "retries", "EINTR/EAGAIN retried", vs->retries);
	out_u64(o, "refused", "refused before a syscall", vs->refused);
	out_u64(o, "errors", "failed by the kernel", vs->errors);
	out_u64(o, "dma_maps", "DMA mappings alive", vs->dma_maps);
	out_section_end(o);
}

static int
stat_run(struct ctl *c, int argc, char **argv)
{
	struct out *o = &c->out;
	struct ism_vfio_stats vs;
	struct ism_dev_stats ls;
	struct ism_info qi;
	struct ctl_dev d;
	int rc;

	rc = ctl_open_query(c, "stat", argc, argv, &d, &qi);
	if (rc != 0)
		return rc;
	rc = ism_vfio_stats_get(ism_dev_transport(d.dev), &vs);
	if (rc < 0) {
		char what[96];

		snprintf(what, sizeof(what), "the vfio transport gives no counters: %s",
			 strerror(-rc));
		ctl_close(&d);
		return ctl_fail(c, CTL_EXIT_DEVICE, argv[0], what,
				"run with -v for the library's messages");
	}
	ism_dev_stats(d.dev, &ls);
	out_begin(o);
	out_str(o, "addr", "function", d.vinfo.pci_addr);
	out_hex(o, "gid", "GID", ism_dev_gid(d.dev), 16);
	show_device(o, &qi);
	show_library(o, &ls);
	show_transport(o, &vs);
	out_end(o);
	ctl_close(&d);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_stat = {
	.name = "stat",
	.args = "ADDR",
	.summary = "SBA/IEQ state, DMBs, library and vfio transport counters",
	.help =
	"Opens the function and shows the device's QUERY_INFO state (state word, SBA\n"
	"and IEQ addresses and registration, IEQ length, DMBs owned and used), then the\n"
	"counters of lib/ism (commands, errors, events, IEQ overruns) and of the vfio\n"
	"transport (stores, loads, retries, refusals, kernel errors, DMA mappings).\n"
	"A function is open in one process at a time: the counters are this process's.\n",
	.run = stat_run,
};

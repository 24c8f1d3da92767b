/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl info ADDR: open the function and show what the kernel and the
 * device say about it: the way in, GID, QUERY_INFO, the store limit and
 * where it came from, the DMA aperture, the region table, the MSI.
 */
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>

#include "ism_ctl.h"

static const char *const region_names[ISM_VFIO_NR_REGIONS] = {
	"BAR 0", "BAR 1", "BAR 2", "BAR 3", "BAR 4", "BAR 5", "ROM",
	"config", "VGA",
};

static const char *
region_role(unsigned int i)
{
	if (i == 0)
		return "DMB data window";
	if (i == 2)
		return "command area";
	return "";
}

static void
show_function(struct out *o, const struct ctl_dev *d)
{
	const struct ism_vfio_info *vi = &d->vinfo;
	char title[64];

	snprintf(title, sizeof(title), "ISM function %s", vi->pci_addr);
	out_section(o, "function", title);
	out_str(o, "addr", "address", vi->pci_addr);
	out_str(o, "path", "opened through",
		ism_vfio_path_name(vi->path));
	out_str(o, "device_node", "device node", vi->dev_node);
	if (vi->iommu_group >= 0)
		out_i64(o, "iommu_group", "IOMMU group", vi->iommu_group);
	else
		out_null(o, "iommu_group", "IOMMU group", "unknown");
	out_hex(o, "gid", "GID", ism_dev_gid(d->dev), 16);
	out_bool(o, "msi", "MSI", vi->msi, "on (eventfd)", "off (polling only)");
	out_section_end(o);
}

static void
show_query_info(struct out *o, const struct ism_info *qi)
{
	uint64_t vlans[ISM_MAX_VLAN_IDS];
	uint32_t n = qi->vlan_nr_ids < ISM_MAX_VLAN_IDS ? qi->vlan_nr_ids :
		ISM_MAX_VLAN_IDS;

	out_section(o, "query_info", "QUERY_INFO");
	out_u64(o, "version", "version", qi->version);
	out_u64(o, "max_len", "largest DMB (bytes)", qi->max_len);
	out_hex(o, "state", "state", qi->state, 0);
	out_hex(o, "gid", "GID", qi->gid, 16);
	out_hex(o, "sba", "SBA (IOVA)", qi->sba, 0);
	out_hex(o, "ieq", "IEQ (IOVA)", qi->ieq, 0);
	out_u64(o, "ieq_len", "IEQ length", qi->ieq_len);
	out_u64(o, "dmbs_owned", "DMBs owned", qi->dmbs_owned);
	out_u64(o, "dmbs_used", "DMBs used", qi->dmbs_used);
	out_bool(o, "vlan_required", "VLAN required", qi->vlan_required != 0,
		 "yes", "no");
	for (uint32_t i = 0; i < n; i++)
		vlans[i] = qi->vlan_id[i];
	out_list_u64(o, "vlan_ids", "VLAN ids", vlans, (int)n, "none");
	out_section_end(o);
}

static void
show_store_limit(struct out *o, const struct ism_vfio_info *vi)
{
	out_section(o, "store_limit", "store limit (bytes per PCI Store Block)");
	out_u64(o, "bytes", "in use", vi->max_store);
	switch (vi->store_src) {
	case ISM_VFIO_STORE_IMAXSTBL:
		out_str(o, "source", "from", "imaxstbl");
		out_str(o, "reason", "because",
			"zPCI group capability version 2 or later: imaxstbl is the function's own limit");
		break;
	case ISM_VFIO_STORE_DEFAULT_V1:
		out_str(o, "source", "from", "default");
		out_str(o, "reason", "because",
			"zPCI group capability version 1 has no imaxstbl: 4096 assumed");
		break;
	default:
		out_str(o, "source", "from", "default");
		out_str(o, "reason", "because",
			"no zPCI group capability: 4096 assumed");
		break;
	}
	out_u64(o, "cap_version", "capability version", vi->cap_version);
	if (vi->cap_version > 0) {
		out_u64(o, "cap_maxstbl", "capability maxstbl", vi->cap_maxstbl);
		out_str(o, "cap_maxstbl_note", "  (informational)",
			"maxstbl is the generic interpreted write size, not ISM's limit; not used");
	} else {
		out_null(o, "cap_maxstbl", "capability maxstbl", "-");
	}
	if (vi->cap_version >= 2)
		out_u64(o, "cap_imaxstbl", "capability imaxstbl", vi->cap_imaxstbl);
	else
		out_null(o, "cap_imaxstbl", "capability imaxstbl", "-");
	out_section_end(o);
}

static void
show_aperture(struct out *o, const struct ism_vfio_info *vi)
{
	out_section(o, "dma_aperture", "DMA aperture (IOVAs the device may use)");
	out_bool(o, "known", "known", vi->aperture_known,
		 "yes (zPCI base capability)", "no (no zPCI base capability)");
	if (vi->aperture_known) {
		out_hex(o, "start", "start", vi->start_dma, 16);
		out_hex(o, "end", "end (inclusive)", vi->end_dma, 16);
	} else {
		out_null(o, "start", "start", "-");
		out_null(o, "end", "end (inclusive)", "-");
	}
	out_section_end(o);
}

static void
show_regions(struct out *o, const struct ism_vfio_info *vi)
{
	static const struct out_col cols[] = {
		{ "INDEX", 5 }, { "REGION", 6 }, { "OFFSET", 18 },
		{ "SIZE", 16 }, { "FLAGS", 0 },
	};

	out_table(o, "regions",
		  "regions (offsets and sizes from VFIO_DEVICE_GET_REGION_INFO; never mmapped)",
		  cols, 5);
	for (unsigned int i = 0; i < ISM_VFIO_NR_REGIONS; i++) {
		const struct ism_vfio_region *r = &vi->region[i];
		uint32_t f = r->flags;
		char flags[64];
		size_t n;

		if (!r->present && !o->json)
			continue;
		snprintf(flags, sizeof(flags), "%s%s%s%s%s%s",
			 f & VFIO_REGION_INFO_FLAG_READ ? "read " : "",
			 f & VFIO_REGION_INFO_FLAG_WRITE ? "write " : "",
			 f & VFIO_REGION_INFO_FLAG_MMAP ? "mmap(ignored) " : "",
			 f & VFIO_REGION_INFO_FLAG_CAPS ? "caps " : "",
			 f == 0 ? "none " : "", region_role(i));
		n = strlen(flags);
		if (n > 0 && flags[n - 1] == ' ')
			flags[n - 1] = '\0';
		out_row(o);
		out_u64(o, "index", "index", i);
		out_str(o, "name", "region", region_names[i]);
		out_hex(o, "offset", "offset", r->offset, 0);
		out_u64(o, "size", "size", r->size);
		out_str(o, "flags_text", "flags", flags);
		if (o->json) {
			out_bool(o, "present", "present", r->present, "yes", "no");
			out_hex(o, "flags", "flags", f, 0);
		}
		out_row_end(o);
	}
	out_table_end(o);
}

static int
info_run(struct ctl *c, int argc, char **argv)
{
	struct out *o = &c->out;
	struct ism_info qi;
	struct ctl_dev d;
	int rc;

	rc = ctl_open_query(c, "info", argc, argv, &d, &qi);
	if (rc != 0)
		return rc;
	out_begin(o);
	show_function(o, &d);
	show_query_info(o, &qi);
	show_store_limit(o, &d.vinfo);
	show_aperture(o, &d.vinfo);
	show_regions(o, &d.vinfo);
	out_end(o);
	ctl_close(&d);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_info = {
	.name = "info",
	.args = "ADDR",
	.summary = "open it: GID, QUERY_INFO, store limit, DMA aperture, regions, MSI",
	.help =
	"Opens the function (as a program would: the vfio cdev or group, then REG_SBA,\n"
	"REG_IEQ, READ_GID) and shows:\n"
	"  - how it was opened (cdev or group) and the device node;\n"
	"  - its GID, and QUERY_INFO: version, state, SBA/IEQ, DMBs, VLANs;\n"
	"  - the store limit (bytes per PCI Store Block) and where it came from:\n"
	"    imaxstbl of the zPCI group capability (version 2 or later), else 4096;\n"
	"    the capability's maxstbl is shown but never used (the generic write size);\n"
	"  - the DMA aperture (zPCI base capability);\n"
	"  - the region table as VFIO_DEVICE_GET_REGION_INFO reports it;\n"
	"  - whether the MSI is wired to an eventfd.\n"
	"The function is closed again at exit; it must not be open elsewhere.\n",
	.run = info_run,
};

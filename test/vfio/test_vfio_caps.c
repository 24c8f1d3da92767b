/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the store limit comes from: the zPCI group capability's imaxstbl
 * (version 2), never its maxstbl field (128 on real kernels); 4096 when
 * the capability is version 1, absent or says 0; capped at 4096; a limit
 * below the largest command body refuses the function. Each limit is
 * checked in the stores the kernel sees for one 4 KiB move.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfio_test.h"

#define ADDR_PEER	"0000:00:1f.0"

struct cap_case {
	const char *addr;
	const char *emu;
	int open_rc;
	uint32_t max_store;
	enum ism_vfio_store_src src;
	uint8_t cap_version;
	uint16_t cap_maxstbl;
	const char *log;	/* a message the open must log, or NULL */
};

static const struct cap_case cases[] = {
	{ "0000:00:01.0", "maxstbl=128\nimaxstbl=4096\n", 0, 4096,
	  ISM_VFIO_STORE_IMAXSTBL, 2, 128, NULL },
	{ "0000:00:02.0", "maxstbl=4096\nimaxstbl=1024\n", 0, 1024,
	  ISM_VFIO_STORE_IMAXSTBL, 2, 4096, NULL },
	{ "0000:00:03.0", "cap_version=1\nmaxstbl=128\n", 0, 4096,
	  ISM_VFIO_STORE_DEFAULT_V1, 1, 128, "has no imaxstbl" },
	{ "0000:00:04.0", "cap_version=0\n", 0, 4096,
	  ISM_VFIO_STORE_DEFAULT_NOCAP, 0, 0, "no zPCI group capability" },
	{ "0000:00:06.0", "imaxstbl=8192\n", 0, 4096,
	  ISM_VFIO_STORE_IMAXSTBL, 2, 128, "stores stay at most 4096" },
	{ "0000:00:07.0", "imaxstbl=32\n", 0, 32,
	  ISM_VFIO_STORE_IMAXSTBL, 2, 128, NULL },
	{ "0000:00:08.0", "imaxstbl=16\n", -EINVAL, 0, 0, 0, 0,
	  "below the 32 bytes an ISM command body needs" },
};

static void
one(const struct cap_case *c, struct ism_dev *peer, int group)
{
	struct ism_vfio_opts o = vt_opts(vt_env_path());
	struct ism_dmb_params p = { .len = 8192 };
	struct vism_emu_stats s0, s1;
	struct ism_transport *t;
	struct ism_vfio_info in;
	struct ism_dev *dev;
	struct ism_dmb *dmb;
	uint8_t buf[4096];
	int rc;

	char what[64];

	/* the settings on one line, for the TAP descriptions */
	snprintf(what, sizeof(what), "%s", c->emu);
	for (char *q = what; (q = strchr(q, '\n')) != NULL;)
		*q = ' ';
	vt_add(c->addr, ISM_VFIO_KDRV, group, group, c->emu);
	vt_log_clear();
	rc = ism_vfio_open(c->addr, &o, &t);
	CHECK_EQ(rc, c->open_rc, "%s (%s): ism_vfio_open", c->addr, what);
	if (c->log != NULL)
		CHECK(vt_log_has(c->log), "%s: the log says \"%s\"", c->addr, c->log);
	if (rc < 0)
		return;
	CHECK_EQ(ism_vfio_info_get(t, &in), 0, "%s: info", c->addr);
	CHECK_EQ(in.max_store, c->max_store, "%s: store limit", c->addr);
	CHECK_EQ(t->max_store, c->max_store, "%s: the transport's store limit",
		 c->addr);
	CHECK_EQ(in.store_src, c->src, "%s: source of the store limit", c->addr);
	CHECK_EQ(in.cap_version, c->cap_version, "%s: capability version", c->addr);
	CHECK_EQ(in.cap_maxstbl, c->cap_maxstbl, "%s: maxstbl reported (unused)",
		 c->addr);

	rc = ism_dev_open(t, &dev);
	CHECK_EQ(rc, 0, "%s: ism_dev_open", c->addr);
	if (rc < 0)
		return;
	p.rgid = ism_dev_gid(dev);
	rc = ism_dmb_register(peer, &p, &dmb);
	CHECK_EQ(rc, 0, "%s: the peer registers a DMB for it", c->addr);
	if (rc == 0) {
		const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };

		tu_fill(buf, sizeof(buf), 5);
		vism_emu_stats(c->addr, &s0);
		CHECK_EQ(ism_move(dev, &r, 0, 4096, buf, sizeof(buf), false), 0,
			 "%s: move 4 KiB", c->addr);
		vism_emu_stats(c->addr, &s1);
		CHECK_EQ(s1.pwrites - s0.pwrites, 4096 / c->max_store,
			 "%s: %u-byte stores", c->addr, c->max_store);
		CHECK_EQ(s1.pwrite_max, c->max_store, "%s: largest store", c->addr);
		CHECK_EQ(tu_verify((uint8_t *)dmb->addr + 4096, sizeof(buf), 5), -1,
			 "%s: the data arrived", c->addr);
		ism_dmb_unregister(peer, dmb);
	}
	ism_dev_close(dev);
}

int
main(void)
{
	struct ism_dev *peer;

	vt_init();
	vt_log_capture(true);
	vt_add(ADDR_PEER, ISM_VFIO_KDRV, 31, 31, NULL);
	peer = vt_open(ADDR_PEER, vt_env_path());
	if (peer == NULL)
		return check_done();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one(&cases[i], peer, 40 + (int)i);
	ism_dev_close(peer);
	vt_check_census_empty("after the last close");
	return check_done();
}

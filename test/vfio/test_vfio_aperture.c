/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA addresses: every IOVA handed to the device lies inside the
 * function's aperture (zPCI base capability), blocks are aligned, a DMB
 * never crosses 1 MiB, a full aperture says so (ENOSPC) and freed
 * addresses are used again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfio_test.h"

#define ADDR_A		"0000:00:01.0"	/* a 16 MiB aperture */
#define ADDR_PEER	"0000:00:02.0"
#define ADDR_ODD	"0000:00:03.0"	/* an aperture not on page bounds */
#define ADDR_TINY	"0000:00:04.0"	/* room for the SBA only */
#define AP_START	UINT64_C(0x40000000)
#define AP_END		UINT64_C(0x40ffffff)
#define MAX_DMBS	64

static bool
inside(uint64_t iova, size_t len, uint64_t start, uint64_t end)
{
	return iova >= start && iova <= end && len - 1 <= end - iova;
}

/* Register 1 MiB DMBs until the aperture is full; returns how many. */
static int
fill(struct ism_dev *a, uint64_t rgid, struct ism_dmb **dmbs, int *last_rc)
{
	struct ism_dmb_params p = { .len = 1u << 20, .rgid = rgid };
	unsigned int outside = 0, crossing = 0;
	int n = 0, rc = 0;

	while (n < MAX_DMBS && (rc = ism_dmb_register(a, &p, &dmbs[n])) == 0) {
		const struct ism_dma *d = &dmbs[n]->dma;

		if (!inside(d->iova, d->len, AP_START, AP_END))
			outside++;
		if (d->iova % (1u << 20) + d->len > (1u << 20))
			crossing++;
		n++;
	}
	CHECK_EQ(outside, 0, "every DMB inside the aperture");
	CHECK_EQ(crossing, 0, "no DMB crosses 1 MiB");
	*last_rc = rc;
	return n;
}

static void
test_aperture(struct ism_dev *a, struct ism_dev *peer)
{
	struct ism_dmb_params small = { .len = 65536, .rgid = ism_dev_gid(peer) };
	struct ism_dmb *dmbs[MAX_DMBS], *extra;
	struct ism_vfio_info in;
	struct ism_vfio_stats st;
	struct vism_emu_census c;
	struct ism_info qi;
	uint8_t buf[4096];
	int n, n2, rc;

	CHECK_EQ(ism_vfio_info_get(ism_dev_transport(a), &in), 0, "info");
	CHECK(in.aperture_known && in.start_dma == AP_START && in.end_dma == AP_END,
	      "aperture 0x%llx..0x%llx from the zPCI base capability",
	      (unsigned long long)in.start_dma, (unsigned long long)in.end_dma);
	CHECK_EQ(ism_query_info(a, &qi), 0, "QUERY_INFO");
	CHECK(inside(qi.sba, 4096, AP_START, AP_END) && qi.sba % 4096 == 0,
	      "the SBA at 0x%llx, page aligned, inside", (unsigned long long)qi.sba);
	CHECK(inside(qi.ieq, 512, AP_START, AP_END) && qi.ieq % 4096 == 0,
	      "the IEQ at 0x%llx, page aligned, inside", (unsigned long long)qi.ieq);

	n = fill(a, ism_dev_gid(peer), dmbs, &rc);
	/* SBA and IEQ take the first two pages: 15 MiB-aligned slots remain */
	CHECK_EQ(n, 15, "15 DMBs of 1 MiB fit the 16 MiB aperture");
	CHECK_EQ(rc, -ENOSPC, "then the aperture is full: ENOSPC");
	rc = ism_dmb_register(a, &small, &extra);
	CHECK_EQ(rc, 0, "a 64 KiB DMB still fits below the first MiB");
	if (rc == 0) {
		CHECK(inside(extra->dma.iova, extra->dma.len, AP_START, AP_END) &&
		      extra->dma.iova % 65536 == 0,
		      "inside and 64 KiB aligned (0x%llx)",
		      (unsigned long long)extra->dma.iova);
		ism_dmb_unregister(a, extra);
	}
	ism_vfio_stats_get(ism_dev_transport(a), &st);
	vism_emu_census(&c);
	CHECK_EQ(st.dma_maps, 2 + (unsigned int)n, "SBA, IEQ and the DMBs mapped");

	if (n > 0) {
		const struct ism_rdmb r = { .tok = dmbs[n - 1]->tok,
					    .len = dmbs[n - 1]->len };

		tu_fill(buf, sizeof(buf), 9);
		CHECK_EQ(ism_move(peer, &r, 0, (1u << 20) - 4096, buf, sizeof(buf),
				  false), 0, "the peer moves into the last DMB");
		CHECK_EQ(tu_verify((uint8_t *)dmbs[n - 1]->addr + (1u << 20) - 4096,
				   sizeof(buf), 9), -1, "the data arrived at its end");
	}
	for (int i = 0; i < n; i++)
		ism_dmb_unregister(a, dmbs[i]);
	ism_vfio_stats_get(ism_dev_transport(a), &st);
	CHECK_EQ(st.dma_maps, 2, "the DMBs' mappings are gone");
	n2 = fill(a, ism_dev_gid(peer), dmbs, &rc);
	CHECK_EQ(n2, n, "the freed addresses are used again (%d DMBs)", n2);
	for (int i = 0; i < n2; i++)
		ism_dmb_unregister(a, dmbs[i]);
}

static void
test_odd(struct ism_dev *peer)
{
	struct ism_dmb_params p = { .len = 4096, .rgid = ism_dev_gid(peer) };
	struct ism_dev *dev = vt_open(ADDR_ODD, vt_env_path());
	struct ism_dmb *dmb;
	struct ism_info qi;

	if (dev == NULL)
		return;
	CHECK_EQ(ism_query_info(dev, &qi), 0, "QUERY_INFO");
	CHECK_EQ(qi.sba, 0x101000, "the first whole page above 0x100801 takes the SBA");
	CHECK_EQ(ism_dmb_register(dev, &p, &dmb), 0, "a DMB");
	CHECK(dmb->dma.iova >= 0x101000 && dmb->dma.iova + 4096 - 1 <= 0x2fffff,
	      "inside 0x100801..0x2fffff (0x%llx)", (unsigned long long)dmb->dma.iova);
	ism_dmb_unregister(dev, dmb);
	ism_dev_close(dev);
}

static void
test_tiny(void)
{
	struct ism_vfio_opts o = vt_opts(vt_env_path());
	struct ism_transport *t;
	struct ism_dev *dev;
	int rc;

	rc = ism_vfio_open(ADDR_TINY, &o, &t);
	CHECK_EQ(rc, 0, "a one-page aperture opens");
	if (rc < 0)
		return;
	vt_log_clear();
	rc = ism_dev_open(t, &dev);
	CHECK_EQ(rc, -ENOSPC, "but the IEQ does not fit after the SBA: ENOSPC");
	CHECK(vt_log_has("no room"), "said so");
}

int
main(void)
{
	struct ism_dev *a, *peer;

	vt_init();
	vt_log_capture(true);
	vt_add(ADDR_A, ISM_VFIO_KDRV, 1, 1, "aperture=0x40000000-0x40ffffff\n");
	vt_add(ADDR_PEER, ISM_VFIO_KDRV, 2, 2, NULL);
	vt_add(ADDR_ODD, ISM_VFIO_KDRV, 3, 3, "aperture=0x100801-0x2fffff\n");
	vt_add(ADDR_TINY, ISM_VFIO_KDRV, 4, 4, "aperture=0x100000-0x100fff\n");
	a = vt_open(ADDR_A, vt_env_path());
	peer = vt_open(ADDR_PEER, vt_env_path());
	if (a != NULL && peer != NULL)
		test_aperture(a, peer);
	if (peer != NULL)
		test_odd(peer);
	test_tiny();
	ism_dev_close(a);
	ism_dev_close(peer);
	vt_check_census_empty("at the end");
	return check_done();
}

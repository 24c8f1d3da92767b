/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The life of a vfio transport: close releases every DMA mapping, window,
 * eventfd and fd (also with DMBs left registered), on both paths, many
 * times; moves from several threads at once need no lock; MSI off by
 * option or by the function; a function that vanishes (ENODEV) fails
 * fast without taking the process down, and opens again once it is back.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfio_test.h"

#define ADDR_A		"0000:00:01.0"
#define ADDR_B		"0000:00:02.0"
#define ADDR_NOMSI	"0000:00:03.0"
#define CYCLES		10
#define THREADS		4
#define PER_THREAD	64	/* moves of 16 KiB */

static void
one_cycle(enum ism_vfio_path path, unsigned int *bad)
{
	struct ism_dmb_params p = { .len = 65536 };
	struct ism_dev *a = vt_open(ADDR_A, path), *b = vt_open(ADDR_B, path);
	struct ism_dmb *dmb;
	uint8_t buf[1000];

	if (a == NULL || b == NULL) {
		(*bad)++;
		ism_dev_close(a);
		ism_dev_close(b);
		return;
	}
	p.rgid = ism_dev_gid(a);
	for (int i = 0; i < 3; i++) {
		if (ism_dmb_register(b, &p, &dmb) != 0) {
			(*bad)++;
			break;
		}
		const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };

		tu_fill(buf, sizeof(buf), (uint64_t)i);
		if (ism_move(a, &r, 0, 10, buf, sizeof(buf), i == 2) != 0 ||
		    tu_verify((uint8_t *)dmb->addr + 10, sizeof(buf), (uint64_t)i) >= 0)
			(*bad)++;
	}
	/* closed with the DMBs still registered: close cleans up */
	ism_dev_close(a);
	ism_dev_close(b);
}

static void
test_cycles(void)
{
	const enum ism_vfio_path paths[] = { ISM_VFIO_PATH_CDEV, ISM_VFIO_PATH_GROUP };
	int fds0 = vt_fd_count();

	for (size_t k = 0; k < 2; k++) {
		unsigned int bad = 0;

		for (int i = 0; i < CYCLES; i++)
			one_cycle(paths[k], &bad);
		CHECK_EQ(bad, 0, "%d open/move/close cycles on the %s path", CYCLES,
			 ism_vfio_path_name(paths[k]));
		vt_check_census_empty(ism_vfio_path_name(paths[k]));
		CHECK_EQ(vt_fd_count(), fds0, "%s: every fd closed", ism_vfio_path_name(paths[k]));
	}
}

struct mover {
	pthread_t th;
	struct ism_dev *dev;
	struct ism_dmb *dmb;
	unsigned int id;
	unsigned int bad;
};

static void *
mover_run(void *arg)
{
	struct mover *m = arg;
	const struct ism_rdmb r = { .tok = m->dmb->tok, .len = m->dmb->len };
	static __thread uint8_t buf[16384];

	for (unsigned int i = 0; i < PER_THREAD; i++) {
		uint64_t seq = (uint64_t)m->id << 32 | i;
		uint32_t off = (i * 4096 + m->id * 100) % (m->dmb->len - sizeof(buf));

		tu_fill(buf, sizeof(buf), seq);
		if (ism_move(m->dev, &r, 0, off, buf, sizeof(buf), false) != 0 ||
		    tu_verify((uint8_t *)m->dmb->addr + off, sizeof(buf), seq) >= 0)
			m->bad++;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct ism_dmb_params p = { .len = 1u << 20 };
	struct ism_dev *a = vt_open(ADDR_A, vt_env_path());
	struct ism_dev *b = vt_open(ADDR_B, vt_env_path());
	struct mover m[THREADS];
	struct ism_vfio_stats s0, s1;
	unsigned int bad = 0, want = 0;

	if (a == NULL || b == NULL)
		goto out;
	p.rgid = ism_dev_gid(a);
	ism_vfio_stats_get(ism_dev_transport(a), &s0);
	for (unsigned int i = 0; i < THREADS; i++) {
		m[i] = (struct mover){ .dev = a, .id = i };
		if (ism_dmb_register(b, &p, &m[i].dmb) != 0) {
			CHECK(false, "DMB %u", i);
			goto out;
		}
		for (unsigned int j = 0; j < PER_THREAD; j++)
			want += vt_pieces((j * 4096 + i * 100) % (p.len - 16384),
					  16384, ism_dev_transport(a)->max_store);
	}
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_create(&m[i].th, NULL, mover_run, &m[i]);
	for (unsigned int i = 0; i < THREADS; i++) {
		pthread_join(m[i].th, NULL);
		bad += m[i].bad;
	}
	ism_vfio_stats_get(ism_dev_transport(a), &s1);
	CHECK_EQ(bad, 0, "%d threads moved %d times each, every byte arrived",
		 THREADS, PER_THREAD);
	CHECK_EQ(s1.stores - s0.stores, want, "every store counted once (%u)", want);
out:
	ism_dev_close(a);
	ism_dev_close(b);
}

static void
test_no_irq(void)
{
	struct ism_vfio_opts o = vt_opts(vt_env_path());
	struct ism_transport *t;
	struct ism_vfio_info in;
	struct vism_emu_census c;
	int fds0 = vt_fd_count();

	o.no_irq = true;
	vt_log_clear();
	CHECK_EQ(ism_vfio_open(ADDR_A, &o, &t), 0, "open with no_irq");
	CHECK_EQ(t->ops->irq_fd(t), -1, "no interrupt fd");
	ism_vfio_info_get(t, &in);
	CHECK(!in.msi, "info: MSI off");
	CHECK(vt_log_has("no_irq"), "said why");
	vism_emu_census(&c);
	CHECK_EQ(c.irq_threads, 0, "the emulation was never asked for the MSI");
	t->ops->close(t);

	o.no_irq = false;
	vt_log_clear();
	CHECK_EQ(ism_vfio_open(ADDR_NOMSI, &o, &t), 0, "open a function without MSI");
	CHECK_EQ(t->ops->irq_fd(t), -1, "no interrupt fd");
	CHECK(vt_log_has("no MSI"), "said why");
	t->ops->close(t);
	CHECK_EQ(vt_fd_count(), fds0, "every fd closed");
}

static void
test_hugepages(void)
{
	struct ism_vfio_opts o = vt_opts(vt_env_path());
	struct ism_transport *t;
	struct ism_dma dma;
	char mi[4096] = "";
	long free_huge = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f != NULL) {
		size_t n = fread(mi, 1, sizeof(mi) - 1, f);
		const char *p;

		mi[n] = '\0';
		fclose(f);
		p = strstr(mi, "HugePages_Free:");
		if (p != NULL)
			free_huge = strtol(p + 15, NULL, 10);
	}
	if (free_huge != 0) {
		/* the emulation shares DMA memory with the model page by page,
		 * which hugepages do not allow */
		check_skip("hugepage fallback", "this machine has free hugepages");
		return;
	}
	o.hugepages = true;
	vt_log_clear();
	CHECK_EQ(ism_vfio_open(ADDR_A, &o, &t), 0, "open with hugepages");
	CHECK_EQ(t->ops->dma_alloc(t, 4096, 4096, &dma), 0, "a DMA block");
	CHECK(vt_log_has("falling back to 4 KiB pages") ||
	      vt_log_has("no Hugepagesize"), "no hugepage: 4 KiB pages, with a warning");
	CHECK(dma.iova % 4096 == 0 && ((uint8_t *)dma.addr)[4095] == 0,
	      "page aligned and zeroed");
	t->ops->dma_free(t, &dma);
	t->ops->close(t);
}

static void
test_vanish(void)
{
	struct ism_dmb_params p = { .len = 65536 };
	struct ism_dev *a = vt_open(ADDR_A, vt_env_path());
	struct ism_dev *b = vt_open(ADDR_B, vt_env_path());
	struct vism_emu_stats e0, e1;
	struct ism_dmb *dmb = NULL;
	uint8_t buf[8192];

	if (a == NULL || b == NULL)
		goto out;
	p.rgid = ism_dev_gid(a);
	if (ism_dmb_register(b, &p, &dmb) != 0)
		goto out;
	{
		const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };

		tu_fill(buf, sizeof(buf), 3);
		CHECK_EQ(ism_move(a, &r, 0, 0, buf, sizeof(buf), true), 0,
			 "a move before the function vanishes");
		vt_log_clear();
		vism_emu_vanish(ADDR_A, ENODEV);
		CHECK_EQ(ism_move(a, &r, 0, 0, buf, sizeof(buf), true), -ENODEV,
			 "a move after: ENODEV");
		CHECK(vt_log_has("the function is gone"), "said so");
		vism_emu_stats(ADDR_A, &e0);
		CHECK_EQ(ism_move(a, &r, 0, 0, buf, sizeof(buf), false), -ENODEV,
			 "again: ENODEV");
		CHECK(ism_signal(a, ism_dev_gid(b), 0x80, 0, true) < 0,
		      "a command fails too");
		vism_emu_stats(ADDR_A, &e1);
		CHECK_EQ(e1.pwrites - e0.pwrites, 0, "without touching the device");
	}
	ism_dev_close(a);
	a = NULL;
	CHECK(true, "closing a vanished function does not crash");
	vism_emu_vanish(ADDR_A, 0);
	a = vt_open(ADDR_A, vt_env_path());
	if (a != NULL) {
		ism_dmb_rebind(b, dmb, ism_dev_gid(a));
		const struct ism_rdmb r = { .tok = dmb->tok, .len = dmb->len };

		tu_fill(buf, sizeof(buf), 4);
		CHECK_EQ(ism_move(a, &r, 0, 100, buf, sizeof(buf), false), 0,
			 "back: it opens and moves again");
		CHECK_EQ(tu_verify((uint8_t *)dmb->addr + 100, sizeof(buf), 4), -1,
			 "and the data arrives");
	}
out:
	ism_dev_close(a);
	ism_dev_close(b);
}

int
main(void)
{
	vt_init();
	vt_log_capture(true);
	vt_add(ADDR_A, ISM_VFIO_KDRV, 1, 1, NULL);
	vt_add(ADDR_B, ISM_VFIO_KDRV, 2, 2, NULL);
	vt_add(ADDR_NOMSI, ISM_VFIO_KDRV, 3, 3, "msi=0\n");

	test_cycles();
	test_threads();
	test_no_irq();
	test_hugepages();
	test_vanish();
	vt_check_census_empty("at the end");
	return check_done();
}

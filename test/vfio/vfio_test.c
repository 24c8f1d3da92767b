/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfio_test.h"

static const char *root = "";

void
vt_init(void)
{
	if (root[0] != '\0')
		return;
	tu_private_fabric_dir();
	/* the emulation is active for the tree this names */
	root = vism_sysfs_create_owned(ISM_VFIO_SYSFS_ENV);
	if (root == NULL) {
		fprintf(stderr, "cannot make a fake sysfs tree: %s\n", strerror(errno));
		exit(99);
	}
}

const char *
vt_root(void)
{
	return root;
}

void
vt_add(const char *addr, const char *driver, int group, int cdev,
       const char *emu)
{
	struct vism_fn fn = {
		.addr = addr, .driver = driver, .group = group, .cdev = cdev,
		.emu = emu,
	};

	if (vism_sysfs_add(root, &fn) < 0) {
		fprintf(stderr, "cannot add %s to the fake sysfs tree\n", addr);
		exit(99);
	}
}

void
vt_remove(const char *addr)
{
	vism_sysfs_remove(root, addr);
}

enum ism_vfio_path
vt_env_path(void)
{
	const char *s = getenv("VT_PATH");
	enum ism_vfio_path p = ISM_VFIO_PATH_AUTO;

	if (s != NULL && ism_vfio_path_parse(s, &p) < 0) {
		fprintf(stderr, "VT_PATH=%s: want cdev, group or auto\n", s);
		exit(99);
	}
	return p;
}

unsigned int
vt_env_store(void)
{
	const char *s = getenv("VT_STORE");

	return s != NULL ? (unsigned int)strtoul(s, NULL, 0) : ISM_MAX_STORE;
}

struct ism_vfio_opts
vt_opts(enum ism_vfio_path path)
{
	struct ism_vfio_opts o = {
		.path = path,
		.sysfs_root = root,
		.sys = vism_emu_sys(),
	};

	return o;
}

struct ism_dev *
vt_open(const char *addr, enum ism_vfio_path path)
{
	struct ism_vfio_opts o = vt_opts(path);
	struct ism_transport *t;
	struct ism_dev *dev = NULL;
	int rc;

	rc = ism_vfio_open(addr, &o, &t);
	CHECK(rc == 0, "%s: ism_vfio_open on the %s path: %s", addr,
	      ism_vfio_path_name(path), strerror(-rc));
	if (rc < 0)
		return NULL;
	rc = ism_dev_open(t, &dev);
	CHECK(rc == 0, "%s: ism_dev_open over vfio: %s", addr, strerror(-rc));
	return rc == 0 ? dev : NULL;
}

int
vt_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the listing's own fd */
}

void
vt_check_census_empty(const char *when)
{
	struct vism_emu_census c;

	vism_emu_census(&c);
	CHECK(c.containers == 0 && c.groups == 0 && c.devices == 0 &&
	      c.iommufds == 0 && c.ioas == 0,
	      "%s: no container, group, device, iommufd or IOAS left (%u %u %u %u %u)",
	      when, c.containers, c.groups, c.devices, c.iommufds, c.ioas);
	CHECK(c.dma_maps == 0 && c.windows == 0 && c.irq_threads == 0,
	      "%s: no DMA map, window or MSI thread left (%u %u %u)", when,
	      c.dma_maps, c.windows, c.irq_threads);
}

static char log_buf[65536];
static size_t log_len;

static void
log_to_buf(int level, const char *msg)
{
	size_t n = strlen(msg);

	if (level <= ISM_LOG_INFO)
		fprintf(stderr, "ism: %s\n", msg);
	if (log_len + n + 2 > sizeof(log_buf))
		return;
	memcpy(log_buf + log_len, msg, n);
	log_len += n;
	log_buf[log_len++] = '\n';
	log_buf[log_len] = '\0';
}

void
vt_log_capture(bool on)
{
	ism_set_log_fn(on ? log_to_buf : NULL);
}

bool
vt_log_has(const char *needle)
{
	return strstr(log_buf, needle) != NULL;
}

void
vt_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

unsigned int
vt_pieces(uint32_t off, size_t len, unsigned int max)
{
	uint64_t pos = off, end = (uint64_t)off + len;
	unsigned int n = 0;

	while (pos < end) {
		uint64_t seg_end = (pos / 4096 + 1) * 4096;
		uint64_t seg;

		if (seg_end > end)
			seg_end = end;
		seg = seg_end - pos;
		n += (unsigned int)((seg + max - 1) / max);
		pos = seg_end;
	}
	return n;
}

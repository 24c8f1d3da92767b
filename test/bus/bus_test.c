/* SPDX-License-Identifier: BSD-3-Clause */
/* Common set-up of the bus tests (bus_test.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>

#include "bus_test.h"
#include "check.h"
#include "test_util.h"

char bt_root[PATH_MAX];
struct bt_driver_state bt_drv;

static char *logbuf;
static size_t loglen, logcap;

static ssize_t
log_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	if (loglen + len + 1 > logcap) {
		size_t cap = (loglen + len + 1) * 2;
		char *n = realloc(logbuf, cap);

		if (n == NULL)
			return (ssize_t)len;
		logbuf = n;
		logcap = cap;
	}
	memcpy(logbuf + loglen, buf, len);
	loglen += len;
	logbuf[loglen] = '\0';
	/* keep the log visible in the test output, as TAP comments go */
	if (fwrite(buf, 1, len, stderr) != len)
		return (ssize_t)len;
	return (ssize_t)len;
}

void
bt_log_reset(void)
{
	loglen = 0;
	if (logbuf != NULL)
		logbuf[0] = '\0';
}

int
bt_log_count(const char *a, const char *b)
{
	const char *line = logbuf;
	int n = 0;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);

		if (copy != NULL && strstr(copy, a) != NULL &&
		    (b == NULL || strstr(copy, b) != NULL))
			n++;
		free(copy);
		line = end != NULL ? end + 1 : NULL;
	}
	return n;
}

static char runtime_dir[PATH_MAX];

static void
cleanup(void)
{
	/* EAL's runtime files are plain files in one directory; the
	 * prefix is this test's own */
	if (runtime_dir[0] != '\0' && strstr(runtime_dir, "vismtest") != NULL)
		vism_sysfs_destroy(runtime_dir);
	vism_sysfs_destroy(bt_root);
	free(logbuf);
	logbuf = NULL;
}

void
bt_setup(void)
{
	char fabric[64];
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	tu_private_fabric_dir();
	rc = vism_sysfs_create(bt_root, PATH_MAX);
	if (rc < 0) {
		printf("Bail out! cannot create a fake sysfs tree: %s\n",
		       strerror(-rc));
		exit(1);
	}
	atexit(cleanup);
	setenv(RTE_VFIO_ISM_SYSFS_ENV, bt_root, 1);
	snprintf(fabric, sizeof(fabric), "vismtest%d", (int)getpid());
	setenv("VFIO_ISM_EMU_FABRIC", fabric, 1);
}

void
bt_add(const char *spec)
{
	char buf[256], emu[256];
	struct vism_fn fn;
	int rc;

	snprintf(buf, sizeof(buf), "%s", spec);
	rc = vism_sysfs_parse(buf, &fn, emu, sizeof(emu));
	if (rc == 0)
		rc = vism_sysfs_add(bt_root, &fn);
	if (rc < 0) {
		printf("Bail out! cannot add %s to the fake sysfs: %s\n", spec,
		       strerror(-rc));
		exit(1);
	}
}

int
bt_eal_init(const char *const *extra)
{
	static char prefix[64];
	static cookie_io_functions_t io = { .write = log_write };
	const char *argv[64] = {
		"bus_test", "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		"--no-telemetry", "--log-level=bus.vfio_ism:debug",
		"--file-prefix",
	};
	int argc = 10;
	FILE *f;
	int rc;

	snprintf(prefix, sizeof(prefix), "vismtest%d", (int)getpid());
	argv[argc++] = prefix;
	for (int i = 0; extra != NULL && extra[i] != NULL && argc < 63; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	f = fopencookie(NULL, "w", io);
	if (f != NULL) {
		setvbuf(f, NULL, _IOLBF, 0);
		rte_openlog_stream(f);
	}
	rc = rte_eal_init(argc, (char **)(uintptr_t)argv);
	/* --in-memory does not go with --no-huge: remove EAL's runtime
	 * directory (/var/run/dpdk/<prefix>) at exit instead */
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	return rc;
}

void
bt_eal_cleanup(void)
{
	rte_eal_cleanup();
}

struct rte_vfio_ism_device *
bt_dev(const char *addr)
{
	for (int i = 0; i < bt_drv.ndev; i++)
		if (bt_drv.dev[i] != NULL && strcmp(bt_drv.dev[i]->name, addr) == 0)
			return bt_drv.dev[i];
	return NULL;
}

static int
bt_probe(struct rte_vfio_ism_driver *drv, struct rte_vfio_ism_device *dev)
{
	(void)drv;
	bt_drv.probes++;
	if (bt_drv.fail_probe != 0) {
		int rc = bt_drv.fail_probe;

		bt_drv.fail_probe = 0;
		return rc;
	}
	for (int i = 0; i < bt_drv.ndev; i++) {
		if (bt_drv.dev[i] == NULL) {
			bt_drv.dev[i] = dev;
			return 0;
		}
	}
	if (bt_drv.ndev < BT_MAX_DEVS)
		bt_drv.dev[bt_drv.ndev++] = dev;
	return 0;
}

static int
bt_remove(struct rte_vfio_ism_device *dev)
{
	bt_drv.removes++;
	for (int i = 0; i < bt_drv.ndev; i++)
		if (bt_drv.dev[i] == dev)
			bt_drv.dev[i] = NULL;
	return 0;
}

static const struct rte_pci_id bt_ids[] = {
	{ .vendor_id = ISM_PCI_VENDOR_ID, .device_id = ISM_PCI_DEVICE_ID,
	  .subsystem_vendor_id = RTE_PCI_ANY_ID,
	  .subsystem_device_id = RTE_PCI_ANY_ID },
	{ .vendor_id = 0 },
};

static struct rte_vfio_ism_driver bt_driver = {
	.id_table = bt_ids,
	.probe = bt_probe,
	.remove = bt_remove,
};

RTE_PMD_REGISTER_VFIO_ISM(vism_test, bt_driver);

struct ism_dev *
bt_open(const char *addr)
{
	struct rte_vfio_ism_device *dev = bt_dev(addr);
	struct ism_transport *tp;
	struct ism_dev *idev;
	int rc;

	if (dev == NULL) {
		check_diag("%s was not probed", addr);
		return NULL;
	}
	rc = rte_vfio_ism_transport_get(dev, &tp);
	if (rc < 0) {
		check_diag("%s: no transport: %s", addr, strerror(-rc));
		return NULL;
	}
	rc = ism_dev_open(tp, &idev);
	if (rc < 0) {
		check_diag("%s: ism_dev_open: %s", addr, strerror(-rc));
		return NULL;
	}
	return idev;
}

int
bt_count_fds(void)
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
	return n - 1;	/* the directory itself */
}

void
bt_list_fds(char *buf, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t used = 0;

	buf[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && used + 1 < len) {
		char path[300], target[256];
		ssize_t n;
		int w;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		w = snprintf(buf + used, len - used, "%s:%s ", e->d_name, target);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	closedir(d);
}

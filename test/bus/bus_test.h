/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BUS_TEST_H
#define BUS_TEST_H

/*
 * Common set-up of the bus tests: a private fake sysfs tree and model
 * fabric, EAL started on the emulation (--no-huge, unique file prefix), a
 * test driver on the vfio_ism bus that records what it was given, and a
 * copy of every bus log line for checks.
 */

#include <stdbool.h>

#include "bus_vfio_ism_driver.h"
#include "ism.h"
#include "vism_emu.h"
#include "vism_sysfs.h"

#define BT_MAX_DEVS 16

extern char bt_root[];

/* Private fabric directory, fake sysfs tree, emulation environment. */
void bt_setup(void);
/* Add a function from a spec string (vism_sysfs_parse syntax). */
void bt_add(const char *spec);
/* rte_eal_init with the common arguments plus @extra (NULL-terminated). */
int bt_eal_init(const char *const *extra);
void bt_eal_cleanup(void);

/* What the test driver was given. */
struct bt_driver_state {
	int probes, removes;
	int fail_probe;		/* next probe returns this */
	struct rte_vfio_ism_device *dev[BT_MAX_DEVS];
	int ndev;
};
extern struct bt_driver_state bt_drv;
struct rte_vfio_ism_device *bt_dev(const char *addr);

/* Log lines captured since start (or since bt_log_reset). */
void bt_log_reset(void);
/* Number of captured log lines containing every one of the strings. */
int bt_log_count(const char *a, const char *b);

/* Open lib/ism on a probed device through the vfio transport. */
struct ism_dev *bt_open(const char *addr);

/* Open fds of this process (for leak checks). */
int bt_count_fds(void);
/* "fd:target fd:target ..." of this process's fds, into @buf. */
void bt_list_fds(char *buf, size_t len);

#endif /* BUS_TEST_H */

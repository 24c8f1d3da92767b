/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VFIO_TEST_H
#define VFIO_TEST_H

/*
 * The fixture of the vfio suite: lib/ism's vfio transport, opened with
 * ism_vfio_open() and the in-process emulation's syscall table
 * (vism_emu_sys()), against functions of a fake sysfs tree that sit on one
 * model fabric in a private directory. Tree and fabric go away at exit.
 *
 * Environment the suite's meson entries set, to run one program across
 * the matrix:
 *   VT_PATH   cdev | group | auto (default auto)
 *   VT_STORE  the functions' store limit (imaxstbl; default 4096)
 *   VFIO_ISM_EMU_SHIFT  the region layout (read by the emulation)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "ism.h"
#include "ism_vfio.h"
#include "test_util.h"
#include "vism_emu.h"
#include "vism_sysfs.h"

/* Make the tree and the fabric directory (once per process). */
void vt_init(void);
const char *vt_root(void);
/* Add a function; @emu: ism_emu lines (vism_emu.h) or NULL. Aborts the
 * test on failure. */
void vt_add(const char *addr, const char *driver, int group, int cdev,
	    const char *emu);
void vt_remove(const char *addr);

enum ism_vfio_path vt_env_path(void);
unsigned int vt_env_store(void);
/* Options that open through the emulation on @path. */
struct ism_vfio_opts vt_opts(enum ism_vfio_path path);
/* ism_vfio_open() + ism_dev_open(); NULL (and a failed check) on error. */
struct ism_dev *vt_open(const char *addr, enum ism_vfio_path path);

/* Open file descriptors of this process. */
int vt_fd_count(void);
/* CHECKs that the emulation holds no object any more. */
void vt_check_census_empty(const char *when);

/* Library messages, captured while vt_log_capture(true). */
void vt_log_capture(bool on);
/* The captured text contains @needle. */
bool vt_log_has(const char *needle);
void vt_log_clear(void);

/* Pieces ism_move() must cut a move of @len bytes at DMB offset @off
 * into with a store limit of @max: at every 4 KiB boundary of the
 * offset and every @max bytes in between. */
unsigned int vt_pieces(uint32_t off, size_t len, unsigned int max);

#endif /* VFIO_TEST_H */

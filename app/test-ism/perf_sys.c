/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-perf's vfio transport makes its system calls through libc. The
 * test build links its own version of this file instead, which hands the
 * transport the in-process ism_vfio_pci emulation: nothing else differs.
 */
#include "perf.h"

const struct ism_vfio_sys *
perf_vfio_sys(void)
{
	return NULL;	/* ism_vfio_sys_libc */
}

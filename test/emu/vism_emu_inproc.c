/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulation in-process: below it is libc (lib/ism's own table), above
 * it a struct ism_vfio_sys for lib/ism's vfio transport. No symbol is
 * interposed, so this works in static binaries too (s390x under
 * qemu-user), and a process may use the real kernel and the emulation side
 * by side: only the tables differ.
 */
#include "vism_emu_priv.h"

const struct ism_vfio_sys *const emu_lower = &ism_vfio_sys_libc;

static ssize_t
sys_readlink(const char *path, char *buf, size_t len)
{
	return ism_vfio_sys_libc.readlink(path, buf, len);
}

static int
sys_eventfd(unsigned int initval, int flags)
{
	return ism_vfio_sys_libc.eventfd(initval, flags);
}

static int
sys_munmap(void *addr, size_t len)
{
	return ism_vfio_sys_libc.munmap(addr, len);
}

static const struct ism_vfio_sys emu_sys = {
	.open = vism_emu_open,
	.close = vism_emu_close,
	.ioctl = vism_emu_ioctl,
	.read = vism_emu_read,
	.pread = vism_emu_pread,
	.pwrite = vism_emu_pwrite,
	.readlink = sys_readlink,
	.eventfd = sys_eventfd,
	.mmap = vism_emu_mmap,
	.munmap = sys_munmap,
};

const struct ism_vfio_sys *
vism_emu_sys(void)
{
	return &emu_sys;
}

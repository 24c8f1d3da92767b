/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default syscall table: libc. Every system call the vfio transport
 * makes goes through a struct ism_vfio_sys, so that tests can run the
 * very same code against an in-process emulation of the kernel interface
 * (also in static s390x binaries, where symbol interposition is not an
 * option). The wrappers only adapt signatures (ioctl and open are
 * variadic in libc); they add no behaviour.
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ism_vfio.h"

static int
sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int
sys_close(int fd)
{
	return close(fd);
}

static int
sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static ssize_t
sys_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

static ssize_t
sys_pread(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}

static ssize_t
sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

static ssize_t
sys_readlink(const char *path, char *buf, size_t len)
{
	return readlink(path, buf, len);
}

static int
sys_eventfd(unsigned int initval, int flags)
{
	return eventfd(initval, flags);
}

static void *
sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

static int
sys_munmap(void *addr, size_t len)
{
	return munmap(addr, len);
}

const struct ism_vfio_sys ism_vfio_sys_libc = {
	.open = sys_open,
	.close = sys_close,
	.ioctl = sys_ioctl,
	.read = sys_read,
	.pread = sys_pread,
	.pwrite = sys_pwrite,
	.readlink = sys_readlink,
	.eventfd = sys_eventfd,
	.mmap = sys_mmap,
	.munmap = sys_munmap,
};

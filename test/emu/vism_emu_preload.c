/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulation by symbol interposition, for programs that call libc
 * themselves (EAL, the vfio_ism bus, dpdk-testpmd): open/openat (and their
 * 64 and fortified variants), close, ioctl, pread/pwrite (and 64), stat,
 * stat64 and access are defined here and handed to the core for emulated
 * paths and fds; everything else goes to the next definition (libc)
 * through dlsym(RTLD_NEXT), which is also the core's lower table.
 */
/* Both names of each call are defined here (open and open64, ...): the
 * build's _FILE_OFFSET_BITS=64 would rename one onto the other. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_emu_priv.h"

/* The next definition of a libc function, looked up once. */
#define REAL(fn) \
	({ \
		static __typeof__(&fn) real_; \
		if (real_ == NULL) \
			real_ = (__typeof__(&fn))dlsym(RTLD_NEXT, #fn); \
		real_; \
	})

static int
lower_open(const char *path, int flags, mode_t mode)
{
	return REAL(open)(path, flags, mode);
}

static int
lower_close(int fd)
{
	return REAL(close)(fd);
}

static int
lower_ioctl(int fd, unsigned long req, void *arg)
{
	return REAL(ioctl)(fd, req, arg);
}

static ssize_t
lower_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

static ssize_t
lower_pread(int fd, void *buf, size_t len, off_t off)
{
	return REAL(pread)(fd, buf, len, off);
}

static ssize_t
lower_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return REAL(pwrite)(fd, buf, len, off);
}

static ssize_t
lower_readlink(const char *path, char *buf, size_t len)
{
	return readlink(path, buf, len);
}

static int
lower_eventfd(unsigned int initval, int flags)
{
	return eventfd(initval, flags);
}

static void *
lower_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

static int
lower_munmap(void *addr, size_t len)
{
	return munmap(addr, len);
}

static const struct ism_vfio_sys preload_lower = {
	.open = lower_open,
	.close = lower_close,
	.ioctl = lower_ioctl,
	.read = lower_read,
	.pread = lower_pread,
	.pwrite = lower_pwrite,
	.readlink = lower_readlink,
	.eventfd = lower_eventfd,
	.mmap = lower_mmap,
	.munmap = lower_munmap,
};

const struct ism_vfio_sys *const emu_lower = &preload_lower;

static bool
emulated(const char *path)
{
	int num;

	return emu_classify(path, &num) != PATH_NONE;
}

static mode_t
open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		(mode_t)va_arg(ap, int) : 0;
}

/* An absolute path or one relative to the working directory. */
static bool
at_cwd(int dirfd, const char *path)
{
	return dirfd == AT_FDCWD || path[0] == '/';
}

/*
 * The open family: the plain and 64 names take a mode after O_CREAT or
 * O_TMPFILE; the fortified __*_2 names (what _FORTIFY_SOURCE callers
 * reach) take none. Each name is one line below, from the same body.
 */
#define DEFINE_OPEN(name) \
	int \
	name(const char *path, int flags, ...) \
	{ \
		va_list ap; \
		mode_t mode; \
\
		va_start(ap, flags); \
		mode = open_mode(flags, ap); \
		va_end(ap); \
		if (emulated(path)) \
			return vism_emu_open(path, flags, mode); \
		return REAL(name)(path, flags, mode); \
	}

#define DEFINE_OPENAT(name) \
	int \
	name(int dirfd, const char *path, int flags, ...) \
	{ \
		va_list ap; \
		mode_t mode; \
\
		va_start(ap, flags); \
		mode = open_mode(flags, ap); \
		va_end(ap); \
		if (at_cwd(dirfd, path) && emulated(path)) \
			return vism_emu_open(path, flags, mode); \
		return REAL(name)(dirfd, path, flags, mode); \
	}

#define DEFINE_OPEN_2(name) \
	int name(const char *path, int flags); \
	int \
	name(const char *path, int flags) \
	{ \
		if (emulated(path)) \
			return vism_emu_open(path, flags, 0); \
		return REAL(name)(path, flags); \
	}

#define DEFINE_OPENAT_2(name) \
	int name(int dirfd, const char *path, int flags); \
	int \
	name(int dirfd, const char *path, int flags) \
	{ \
		if (at_cwd(dirfd, path) && emulated(path)) \
			return vism_emu_open(path, flags, 0); \
		return REAL(name)(dirfd, path, flags); \
	}

DEFINE_OPEN(open)
DEFINE_OPEN(open64)
DEFINE_OPEN_2(__open_2)
DEFINE_OPEN_2(__open64_2)
DEFINE_OPENAT(openat)
DEFINE_OPENAT(openat64)
DEFINE_OPENAT_2(__openat_2)
DEFINE_OPENAT_2(__openat64_2)

int
close(int fd)
{
	return vism_emu_close(fd);
}

int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return vism_emu_ioctl(fd, req, arg);
}

/* pread/pwrite and their 64 names: emulated fds to the core, others on. */
#define DEFINE_PIO(name, core, buf_t, off_t_) \
	ssize_t \
	name(int fd, buf_t buf, size_t n, off_t_ off) \
	{ \
		if (emu_fd_obj(fd) == NULL) \
			return REAL(name)(fd, buf, n, off); \
		return core(fd, buf, n, (off_t)off); \
	}

DEFINE_PIO(pread, vism_emu_pread, void *, off_t)
DEFINE_PIO(pread64, vism_emu_pread, void *, off64_t)
DEFINE_PIO(pwrite, vism_emu_pwrite, const void *, off_t)
DEFINE_PIO(pwrite64, vism_emu_pwrite, const void *, off64_t)

/* Emulated paths first for the device nodes, the real module directory
 * first for /sys/module (a host with vfio loaded keeps its own). */
static int
emu_stat(const char *path, struct stat *st, int real_rc, bool *handled)
{
	int num = -1;

	*handled = true;
	switch (emu_classify(path, &num)) {
	case PATH_CONTAINER:
	case PATH_GROUP:
	case PATH_CDEV:
	case PATH_IOMMUFD:
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFCHR | 0600;
		return 0;
	case PATH_MODULE:
		if (real_rc == 0)
			break;
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFDIR | 0755;
		return 0;
	default:
		break;
	}
	*handled = false;
	return -1;
}

int
stat(const char *restrict path, struct stat *restrict st)
{
	int rc = REAL(stat)(path, st), err = errno;
	bool handled;
	struct stat s;

	if (emu_stat(path, &s, rc, &handled) == 0 && handled) {
		*st = s;
		return 0;
	}
	errno = err;
	return rc;
}

int
stat64(const char *restrict path, struct stat64 *restrict st)
{
	int rc = REAL(stat64)(path, st), err = errno;
	bool handled;
	struct stat s;

	if (emu_stat(path, &s, rc, &handled) == 0 && handled) {
		memset(st, 0, sizeof(*st));
		st->st_mode = s.st_mode;
		return 0;
	}
	errno = err;
	return rc;
}

int
access(const char *path, int mode)
{
	int num = -1;

	switch (emu_classify(path, &num)) {
	case PATH_CONTAINER:
	case PATH_MODULE:
	case PATH_CDEV:
	case PATH_IOMMUFD:
		return 0;
	case PATH_GROUP:
		if (mode != F_OK && emu_group_denied(num)) {
			errno = EACCES;
			return -1;
		}
		return 0;
	default:
		return REAL(access)(path, mode);
	}
}

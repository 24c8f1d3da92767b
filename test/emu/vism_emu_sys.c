/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The syscall layer of the emulation: libc's open/close/ioctl/pread/pwrite/
 * stat/access, interposed. Emulated paths (/dev/vfio/vfio, /dev/vfio/<N> of
 * a group in the fake sysfs tree, /sys/module/vfio) and the fds opened on
 * them go to the emulation; everything else goes to the next definition
 * (libc) through dlsym(RTLD_NEXT), untouched.
 */
/* Both names of each call are defined here (open and open64, ...): the
 * build's _FILE_OFFSET_BITS=64 would rename one onto the other. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_emu_priv.h"

pthread_mutex_t emu_lock = PTHREAD_MUTEX_INITIALIZER;

static struct emu_obj *fdtab[EMU_FD_MAX];

/* The next definition of a libc function, looked up once. */
#define REAL(fn) \
	({ \
		static __typeof__(&fn) real_; \
		if (real_ == NULL) \
			real_ = (__typeof__(&fn))dlsym(RTLD_NEXT, #fn); \
		real_; \
	})

void
emu_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, "vism-emu: ", 10) < 0 ||
	    write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

const char *
emu_root(void)
{
	const char *r = getenv("VFIO_ISM_SYSFS_ROOT");

	return r != NULL && r[0] != '\0' ? r : NULL;
}

int
emu_real_close(int fd)
{
	return REAL(close)(fd);
}

struct emu_obj *
emu_fd_obj(int fd)
{
	if (fd < 0 || fd >= EMU_FD_MAX)
		return NULL;
	return __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE);
}

/* A real fd to stand for @o. Called with emu_lock held. */
int
emu_new_fd(struct emu_obj *o)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fd >= EMU_FD_MAX) {
		REAL(close)(fd);
		errno = EMFILE;
		return -1;
	}
	o->fd = fd;
	__atomic_store_n(&fdtab[fd], o, __ATOMIC_RELEASE);
	return fd;
}

enum emu_path { PATH_NONE, PATH_CONTAINER, PATH_GROUP, PATH_MODULE };

static enum emu_path
classify(const char *path, int *group)
{
	static const char vfio[] = "/dev/vfio/";
	char *end;
	long n;

	if (path == NULL || emu_root() == NULL)
		return PATH_NONE;
	if (strcmp(path, "/sys/module/vfio") == 0 ||
	    strcmp(path, "/sys/module/vfio_pci") == 0 ||
	    strcmp(path, "/sys/module/ism_vfio_pci") == 0)
		return PATH_MODULE;
	if (strncmp(path, vfio, sizeof(vfio) - 1) != 0)
		return PATH_NONE;
	path += sizeof(vfio) - 1;
	if (strcmp(path, "vfio") == 0)
		return PATH_CONTAINER;
	errno = 0;
	n = strtol(path, &end, 10);
	if (end == path || *end != '\0' || errno != 0 || n < 0 ||
	    !emu_group_exists((int)n))
		return PATH_NONE;
	*group = (int)n;
	return PATH_GROUP;
}

/* <root>/kernel/iommu_groups/<N>/ism_emu_eacces makes /dev/vfio/N
 * inaccessible, as a group device owned by another user is. */
static bool
group_denied(int num)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/ism_emu_eacces",
		 emu_root(), num);
	return REAL(access)(path, F_OK) == 0;
}

static int
emu_open(const char *path, bool *handled)
{
	int group = -1;

	*handled = true;
	switch (classify(path, &group)) {
	case PATH_CONTAINER:
		return emu_container_open();
	case PATH_GROUP:
		if (group_denied(group)) {
			errno = EACCES;
			return -1;
		}
		return emu_group_open(group);
	case PATH_MODULE:
		errno = EISDIR;
		return -1;
	default:
		*handled = false;
		return -1;
	}
}

/* Emulated paths first for /dev/vfio, the real module directory first
 * for /sys/module (a host with vfio loaded keeps its own). */
static int
emu_stat(const char *path, struct stat *st, int real_rc, bool *handled)
{
	int group = -1;

	*handled = true;
	switch (classify(path, &group)) {
	case PATH_CONTAINER:
	case PATH_GROUP:
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

#define OPEN_BODY(realcall) \
	do { \
		bool handled; \
		int fd = emu_open(path, &handled); \
		if (handled) \
			return fd; \
		return realcall; \
	} while (0)

static mode_t
open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		(mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(REAL(open)(path, flags, mode));
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(REAL(open64)(path, flags, mode));
}

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

int
__open_2(const char *path, int flags)
{
	OPEN_BODY(REAL(__open_2)(path, flags));
}

int
__open64_2(const char *path, int flags)
{
	OPEN_BODY(REAL(__open64_2)(path, flags));
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (dirfd != AT_FDCWD && path[0] != '/')
		return REAL(openat)(dirfd, path, flags, mode);
	OPEN_BODY(REAL(openat)(dirfd, path, flags, mode));
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (dirfd != AT_FDCWD && path[0] != '/')
		return REAL(openat64)(dirfd, path, flags, mode);
	OPEN_BODY(REAL(openat64)(dirfd, path, flags, mode));
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	if (dirfd != AT_FDCWD && path[0] != '/')
		return REAL(__openat_2)(dirfd, path, flags);
	OPEN_BODY(REAL(__openat_2)(dirfd, path, flags));
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	if (dirfd != AT_FDCWD && path[0] != '/')
		return REAL(__openat64_2)(dirfd, path, flags);
	OPEN_BODY(REAL(__openat64_2)(dirfd, path, flags));
}

int
close(int fd)
{
	struct emu_obj *o = emu_fd_obj(fd);

	if (o == NULL)
		return REAL(close)(fd);
	pthread_mutex_lock(&emu_lock);
	if (__atomic_load_n(&fdtab[fd], __ATOMIC_RELAXED) != o) {
		pthread_mutex_unlock(&emu_lock);
		return REAL(close)(fd);
	}
	__atomic_store_n(&fdtab[fd], NULL, __ATOMIC_RELEASE);
	switch (o->kind) {
	case EMU_CONTAINER:
		emu_container_close((struct emu_container *)o);
		break;
	case EMU_GROUP:
		emu_group_close((struct emu_group *)o);
		break;
	case EMU_DEVICE:
		/* tears down threads and the model function: not under the
		 * registry lock */
		pthread_mutex_unlock(&emu_lock);
		emu_dev_close((struct emu_dev *)o);
		return REAL(close)(fd);
	}
	pthread_mutex_unlock(&emu_lock);
	return REAL(close)(fd);
}

int
ioctl(int fd, unsigned long req, ...)
{
	struct emu_obj *o = emu_fd_obj(fd);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (o == NULL)
		return REAL(ioctl)(fd, req, arg);
	switch (o->kind) {
	case EMU_CONTAINER:
		return emu_container_ioctl((struct emu_container *)o, req, arg);
	case EMU_GROUP:
		return emu_group_ioctl((struct emu_group *)o, req, arg);
	case EMU_DEVICE:
		return emu_dev_ioctl((struct emu_dev *)o, req, arg);
	}
	errno = ENOTTY;
	return -1;
}

static ssize_t
emu_pread(struct emu_obj *o, void *buf, size_t n, off_t off)
{
	if (o->kind != EMU_DEVICE) {
		errno = EINVAL;
		return -1;
	}
	return emu_dev_pread((struct emu_dev *)o, buf, n, (uint64_t)off);
}

static ssize_t
emu_pwrite(struct emu_obj *o, const void *buf, size_t n, off_t off)
{
	if (o->kind != EMU_DEVICE) {
		errno = EINVAL;
		return -1;
	}
	return emu_dev_pwrite((struct emu_dev *)o, buf, n, (uint64_t)off);
}

ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);

	return o == NULL ? REAL(pread)(fd, buf, n, off) : emu_pread(o, buf, n, off);
}

ssize_t
pread64(int fd, void *buf, size_t n, off64_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);

	return o == NULL ? REAL(pread64)(fd, buf, n, off) :
		emu_pread(o, buf, n, (off_t)off);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);

	return o == NULL ? REAL(pwrite)(fd, buf, n, off) :
		emu_pwrite(o, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);

	return o == NULL ? REAL(pwrite64)(fd, buf, n, off) :
		emu_pwrite(o, buf, n, (off_t)off);
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
	int group = -1;

	switch (classify(path, &group)) {
	case PATH_CONTAINER:
	case PATH_MODULE:
		return 0;
	case PATH_GROUP:
		if (mode != F_OK && group_denied(group)) {
			errno = EACCES;
			return -1;
		}
		return 0;
	default:
		return REAL(access)(path, mode);
	}
}

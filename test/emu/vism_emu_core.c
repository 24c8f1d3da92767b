/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The entry points of the emulation: open, close, ioctl, read, pread,
 * pwrite and mmap as the kernel would answer them for emulated paths and
 * fds; everything else goes to the lower table untouched. Emulated paths:
 * /dev/vfio/vfio, /dev/vfio/<N> of a group in the fake sysfs tree,
 * /dev/vfio/devices/vfio<N> of a function with <addr>/vfio-dev/vfio<N>,
 * /dev/iommu, and the /sys/module directories of the vfio modules.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_emu_priv.h"

pthread_mutex_t emu_lock = PTHREAD_MUTEX_INITIALIZER;

static struct emu_obj *fdtab[EMU_FD_MAX];

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

int
emu_sys_ret(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

const char *
emu_root(void)
{
	const char *r = getenv(ISM_VFIO_SYSFS_ENV);

	return r != NULL && r[0] != '\0' ? r : NULL;
}

struct emu_obj *
emu_fd_obj(int fd)
{
	if (fd < 0 || fd >= EMU_FD_MAX)
		return NULL;
	return __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE);
}

int
emu_new_fd(struct emu_obj *o)
{
	int fd = emu_lower->eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fd >= EMU_FD_MAX) {
		emu_lower->close(fd);
		errno = EMFILE;
		return -1;
	}
	o->fd = fd;
	__atomic_store_n(&fdtab[fd], o, __ATOMIC_RELEASE);
	return fd;
}

void
emu_drop_fd(int fd)
{
	__atomic_store_n(&fdtab[fd], NULL, __ATOMIC_RELEASE);
}

/* Some function of the tree has <addr>/vfio-dev/vfio<num>. */
static bool
cdev_exists(int num)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", emu_root());
	dir = opendir(path);
	if (dir == NULL)
		return false;
	while (!found && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%.64s/%s/vfio%d",
			 emu_root(), de->d_name, ISM_VFIO_CDEV_SYSFS_DIR, num);
		found = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	}
	closedir(dir);
	return found;
}

/* "<decimal>" at @s, the whole rest of the string; -1 otherwise. */
static int
path_number(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || n < 0 || n > INT_MAX)
		return -1;
	return (int)n;
}

enum emu_path
emu_classify(const char *path, int *num)
{
	static const char vfio[] = "/dev/vfio/", devs[] = "devices/vfio";
	int n;

	if (path == NULL || emu_root() == NULL)
		return PATH_NONE;
	if (strcmp(path, "/sys/module/vfio") == 0 ||
	    strcmp(path, "/sys/module/vfio_pci") == 0 ||
	    strcmp(path, "/sys/module/ism_vfio_pci") == 0 ||
	    strcmp(path, "/sys/module/iommufd") == 0)
		return PATH_MODULE;
	if (strcmp(path, ISM_VFIO_IOMMUFD_NODE) == 0)
		return PATH_IOMMUFD;
	if (strncmp(path, vfio, sizeof(vfio) - 1) != 0)
		return PATH_NONE;
	path += sizeof(vfio) - 1;
	if (strcmp(path, "vfio") == 0)
		return PATH_CONTAINER;
	if (strncmp(path, devs, sizeof(devs) - 1) == 0) {
		n = path_number(path + sizeof(devs) - 1);
		if (n < 0 || !cdev_exists(n))
			return PATH_NONE;
		*num = n;
		return PATH_CDEV;
	}
	n = path_number(path);
	if (n < 0 || !emu_group_exists(n))
		return PATH_NONE;
	*num = n;
	return PATH_GROUP;
}

/* <root>/kernel/iommu_groups/<N>/ism_emu_eacces makes /dev/vfio/N
 * inaccessible, as a group device owned by another user is. */
bool
emu_group_denied(int num)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/ism_emu_eacces",
		 emu_root(), num);
	return lstat(path, &st) == 0;
}

int
vism_emu_open(const char *path, int flags, mode_t mode)
{
	int num = -1;

	switch (emu_classify(path, &num)) {
	case PATH_CONTAINER:
		return emu_container_open();
	case PATH_GROUP:
		if (emu_group_denied(num)) {
			errno = EACCES;
			return -1;
		}
		return emu_group_open(num);
	case PATH_CDEV:
		return emu_dev_open_cdev(num);
	case PATH_IOMMUFD:
		return emu_iommufd_open();
	case PATH_MODULE:
		errno = EISDIR;
		return -1;
	default:
		return emu_lower->open(path, flags, mode);
	}
}

int
vism_emu_close(int fd)
{
	struct emu_obj *o = emu_fd_obj(fd);

	if (o == NULL)
		return emu_lower->close(fd);
	pthread_mutex_lock(&emu_lock);
	if (emu_fd_obj(fd) != o) {
		/* closed by another thread meanwhile */
		pthread_mutex_unlock(&emu_lock);
		return emu_lower->close(fd);
	}
	emu_drop_fd(fd);
	switch (o->kind) {
	case EMU_CONTAINER:
		emu_container_close((struct emu_container *)o);
		break;
	case EMU_GROUP:
		emu_group_close((struct emu_group *)o);
		break;
	case EMU_IOMMUFD:
		emu_iommufd_close((struct emu_iommufd *)o);
		break;
	case EMU_DEVICE:
		/* tears down threads and the model function: not under the
		 * registry lock */
		pthread_mutex_unlock(&emu_lock);
		emu_dev_close((struct emu_dev *)o);
		return emu_lower->close(fd);
	}
	pthread_mutex_unlock(&emu_lock);
	return emu_lower->close(fd);
}

int
vism_emu_ioctl(int fd, unsigned long req, void *arg)
{
	struct emu_obj *o = emu_fd_obj(fd);

	if (o == NULL)
		return emu_lower->ioctl(fd, req, arg);
	switch (o->kind) {
	case EMU_CONTAINER:
		return emu_container_ioctl((struct emu_container *)o, req, arg);
	case EMU_GROUP:
		return emu_group_ioctl((struct emu_group *)o, req, arg);
	case EMU_IOMMUFD:
		return emu_iommufd_ioctl((struct emu_iommufd *)o, req, arg);
	case EMU_DEVICE:
		return emu_dev_ioctl((struct emu_dev *)o, req, arg);
	}
	errno = ENOTTY;
	return -1;
}

/* The device a pread or pwrite at @off reaches; NULL with errno EINVAL:
 * containers, groups and iommufds have no read or write of their own,
 * and a negative offset is no place in a region. */
static struct emu_dev *
device_at(struct emu_obj *o, off_t off)
{
	if (o->kind != EMU_DEVICE || off < 0) {
		errno = EINVAL;
		return NULL;
	}
	return (struct emu_dev *)o;
}

ssize_t
vism_emu_pread(int fd, void *buf, size_t len, off_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);
	struct emu_dev *d;

	if (o == NULL)
		return emu_lower->pread(fd, buf, len, off);
	d = device_at(o, off);
	return d != NULL ? emu_dev_pread(d, buf, len, (uint64_t)off) : -1;
}

ssize_t
vism_emu_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct emu_obj *o = emu_fd_obj(fd);
	struct emu_dev *d;

	if (o == NULL)
		return emu_lower->pwrite(fd, buf, len, off);
	d = device_at(o, off);
	return d != NULL ? emu_dev_pwrite(d, buf, len, (uint64_t)off) : -1;
}

/* read() on a device fd reads at its file position, as vfio's does. */
ssize_t
vism_emu_read(int fd, void *buf, size_t len)
{
	struct emu_obj *o = emu_fd_obj(fd);
	struct emu_dev *d;
	ssize_t n;

	if (o == NULL)
		return emu_lower->read(fd, buf, len);
	d = device_at(o, 0);
	if (d == NULL)
		return -1;
	n = emu_dev_pread(d, buf, len, (uint64_t)d->pos);
	if (n > 0)
		d->pos += n;
	return n;
}

/* ISM regions are never mappable (non_mappable_bars), whatever the region
 * flags claim; the other emulated fds have no mmap either. */
void *
vism_emu_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if ((flags & MAP_ANONYMOUS) || emu_fd_obj(fd) == NULL)
		return emu_lower->mmap(addr, len, prot, flags, fd, off);
	errno = EINVAL;
	return MAP_FAILED;
}

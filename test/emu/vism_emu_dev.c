/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated ism_vfio_pci device fd: how it is opened (group or cdev),
 * the model function behind it, its ioctls, and the test API of
 * vism_emu.h. Region access is vism_emu_access.c, the capability chain
 * vism_emu_caps.c.
 *  - VFIO_DEVICE_GET_REGION_INFO: BARs 0..5 and config (index 7) exist,
 *    an empty BAR has size and flags 0; any other index is EINVAL with
 *    offset, size and flags 0. Flags READ|WRITE, never MMAP unless a test
 *    asks (mmap=1) to see that the caller ignores it.
 *  - VFIO_DEVICE_GET_IRQ_INFO / SET_IRQS: one MSI vector (msi=0: none),
 *    wired to an eventfd, disabled with DATA_NONE and count 0 (EINVAL
 *    when it is not enabled, as vfio-pci has it), fired by DATA_NONE or
 *    DATA_BOOL with count 1; MASK/UNMASK of MSI is ENOTTY.
 * Each enable of a device (open via the group, bind via the cdev) attaches
 * a new model function (a new GID), as a reset would.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ism_model.h"
#include "vism_emu_priv.h"

/* every device object with an open fd */
static struct emu_dev *devices;

struct emu_vanish {
	struct emu_vanish *next;
	char addr[32];
	int err;
};
static struct emu_vanish *vanished;

static bool
link_base(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, len, "%s", base != NULL ? base + 1 : target);
	return true;
}

static bool
bound_to_ism_vfio(const char *addr)
{
	char path[PATH_MAX], drv[64];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver",
		 emu_root(), addr);
	return link_base(path, drv, sizeof(drv)) &&
		strcmp(drv, ISM_VFIO_KDRV) == 0;
}

static int
fn_group(const char *addr)
{
	char path[PATH_MAX], num[32];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		 emu_root(), addr);
	return link_base(path, num, sizeof(num)) ? atoi(num) : -1;
}

/* The enabled device of @addr. */
static struct emu_dev *
find_locked(const char *addr)
{
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		if (d->mt != NULL && strcmp(d->addr, addr) == 0)
			return d;
	return NULL;
}

bool
emu_dev_addr_busy(const char *addr)
{
	return find_locked(addr) != NULL;
}

bool
emu_dev_bound_as(const struct emu_iommufd *x, uint32_t id)
{
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		if (d->bound && d->ictx == x && d->devid == id)
			return true;
	return false;
}

bool
emu_dev_group_cdev_bound(int num)
{
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		if (d->cdev >= 0 && d->bound && d->group_num == num)
			return true;
	return false;
}

/* A device object for @addr, not yet enabled: settings, regions, config
 * space. NULL with errno. */
static struct emu_dev *
dev_new(const char *addr)
{
	struct emu_dev *d;

	if (!bound_to_ism_vfio(addr)) {
		emu_log("%s: only functions bound to %s are emulated", addr,
			ISM_VFIO_KDRV);
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (emu_cfg_read(addr, &d->cfg) < 0) {
		free(d);
		errno = EINVAL;
		return NULL;
	}
	d->o.kind = EMU_DEVICE;
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->group_num = fn_group(addr);
	d->cdev = -1;
	d->irq_efd = -1;
	d->irq_stop = -1;
	pthread_mutex_init(&d->lock, NULL);
	d->shift = emu_cfg_layout(addr, &d->cfg, d->reg);
	emu_config_init(d);
	return d;
}

static void
dev_free(struct emu_dev *d)
{
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* Publish @d (emu_lock held); its fd is new. */
static int
dev_publish(struct emu_dev *d)
{
	int fd = emu_new_fd(&d->o);

	if (fd < 0)
		return -1;
	d->next = devices;
	devices = d;
	return fd;
}

int
emu_dev_enable(struct emu_dev *d)
{
	struct ism_transport *mt;
	int rc;

	/* the function behind the fd: a new one per enable, as a reset */
	rc = ism_model_attach(d->cfg.fabric, NULL, &mt);
	if (rc < 0) {
		emu_log("%s: cannot attach to model fabric %s: %s", d->addr,
			d->cfg.fabric, strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&emu_lock);
	d->mt = mt;
	for (struct emu_vanish *v = vanished; v != NULL; v = v->next)
		if (strcmp(v->addr, d->addr) == 0)
			d->vanish = v->err;
	pthread_mutex_unlock(&emu_lock);
	return 0;
}

int
emu_dev_open_group(struct emu_group *g, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	struct emu_dev *d;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices/%s",
		 emu_root(), g->num, name);
	if (lstat(path, &st) != 0) {
		errno = ENODEV;
		return -1;
	}
	d = dev_new(name);
	if (d == NULL)
		return -1;
	d->g = g;
	pthread_mutex_lock(&emu_lock);
	if (g->c == NULL || !g->c->iommu_set)
		rc = -EINVAL;	/* the kernel wants the IOMMU set up first */
	else if (find_locked(name) != NULL)
		rc = -EBUSY;
	pthread_mutex_unlock(&emu_lock);
	if (rc == 0)
		rc = emu_dev_enable(d);
	if (rc < 0) {
		dev_free(d);
		return emu_sys_ret(rc);
	}
	pthread_mutex_lock(&emu_lock);
	fd = dev_publish(d);
	if (fd >= 0)
		g->ndevs++;
	pthread_mutex_unlock(&emu_lock);
	if (fd < 0) {
		rc = -errno;
		d->mt->ops->close(d->mt);
		dev_free(d);
		return emu_sys_ret(rc);
	}
	return fd;
}

/* The function whose tree entry has vfio-dev/vfio<num>. */
static int
cdev_addr(int num, char *addr, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = -ENODEV;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", emu_root());
	dir = opendir(path);
	if (dir == NULL)
		return -ENODEV;
	while (rc < 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%.64s/%s/vfio%d",
			 emu_root(), de->d_name, ISM_VFIO_CDEV_SYSFS_DIR, num);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(addr, len, "%s", de->d_name);
			rc = 0;
		}
	}
	closedir(dir);
	return rc;
}

int
emu_dev_open_cdev(int num)
{
	char addr[64];
	struct emu_dev *d;
	int fd, rc;

	rc = cdev_addr(num, addr, sizeof(addr));
	if (rc < 0)
		return emu_sys_ret(rc);
	d = dev_new(addr);
	if (d == NULL)
		return -1;
	d->cdev = num;
	/* no access until VFIO_DEVICE_BIND_IOMMUFD */
	pthread_mutex_lock(&emu_lock);
	fd = dev_publish(d);
	pthread_mutex_unlock(&emu_lock);
	if (fd < 0)
		dev_free(d);
	return fd;
}

void
emu_dev_close(struct emu_dev *d)
{
	struct emu_dev **pp;

	emu_irq_disable(d);
	if (d->mt != NULL) {
		pthread_mutex_lock(&d->lock);
		emu_cmd_close(d);
		pthread_mutex_unlock(&d->lock);
		d->mt->ops->close(d->mt);
	}
	pthread_mutex_lock(&emu_lock);
	d->mt = NULL;
	emu_dev_unbind(d);
	for (pp = &devices; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&emu_lock);
	if (d->g != NULL)
		emu_group_put_dev(d->g);
	dev_free(d);
}

struct emu_as *
emu_dev_as(struct emu_dev *d)
{
	if (d->g != NULL)
		return d->g->c != NULL && d->g->c->iommu_set ? &d->g->c->as :
			NULL;
	return d->ioas != NULL ? &d->ioas->as : NULL;
}

void *
emu_iommu_translate(struct emu_dev *d, uint64_t iova, uint64_t len)
{
	struct emu_as *as;
	void *va = NULL;

	pthread_mutex_lock(&emu_lock);
	as = emu_dev_as(d);
	if (as != NULL)
		va = emu_as_translate(as, iova, len);
	pthread_mutex_unlock(&emu_lock);
	return va;
}

bool
emu_dev_ioas_aperture(const struct emu_ioas *a, uint64_t *start,
		      uint64_t *end)
{
	bool any = false;

	for (struct emu_dev *d = devices; d != NULL; d = d->next) {
		if (d->ioas != a)
			continue;
		if (!any || d->cfg.start_dma > *start)
			*start = d->cfg.start_dma;
		if (!any || d->cfg.end_dma < *end)
			*end = d->cfg.end_dma;
		any = true;
	}
	return any;
}

static int
get_region(struct emu_dev *d, struct vfio_region_info *ri)
{
	const struct emu_region *r;

	if (ri->argsz < sizeof(*ri))
		return -EINVAL;
	if (ri->index >= EMU_NR_REGIONS || !d->reg[ri->index].exists) {
		ri->offset = 0;
		ri->size = 0;
		ri->flags = 0;
		return -EINVAL;
	}
	r = &d->reg[ri->index];
	ri->flags = r->flags;
	ri->size = r->size;
	ri->offset = r->offset;
	ri->cap_offset = 0;
	return 0;
}

static unsigned int
irq_count(const struct emu_dev *d, unsigned int index)
{
	return index == VFIO_PCI_MSI_IRQ_INDEX && d->cfg.msi ? 1 : 0;
}

static int
get_irq(struct emu_dev *d, struct vfio_irq_info *ii)
{
	if (ii->argsz < sizeof(*ii) || ii->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	ii->flags = VFIO_IRQ_INFO_EVENTFD;
	ii->count = irq_count(d, ii->index);
	if (ii->index == VFIO_PCI_MSI_IRQ_INDEX)
		ii->flags |= VFIO_IRQ_INFO_NORESIZE;
	return 0;
}

/* Fire the MSI as if the device had (a loopback for tests). */
static void
irq_fire(struct emu_dev *d)
{
	uint64_t one = 1;

	if (d->irq_efd >= 0 && write(d->irq_efd, &one, sizeof(one)) ==
	    sizeof(one))
		__atomic_fetch_add(&d->st.irqs, 1, __ATOMIC_RELAXED);
}

static int
set_irqs(struct emu_dev *d, struct vfio_irq_set *s)
{
	const uint32_t minsz = offsetof(struct vfio_irq_set, data);
	uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	unsigned int max;
	size_t size;

	if (s->argsz < minsz || (s->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
					      VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	if (data == VFIO_IRQ_SET_DATA_NONE)
		size = 0;
	else if (data == VFIO_IRQ_SET_DATA_BOOL)
		size = sizeof(uint8_t);
	else if (data == VFIO_IRQ_SET_DATA_EVENTFD)
		size = sizeof(int32_t);
	else
		return -EINVAL;
	if (s->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	max = irq_count(d, s->index);
	if (s->start >= max || s->count > max - s->start ||
	    s->argsz - minsz < s->count * size)
		return -EINVAL;
	/* only MSI exists here; its only action is TRIGGER */
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;
	if (s->count == 0 && data == VFIO_IRQ_SET_DATA_NONE && d->irq_on) {
		emu_irq_disable(d);
		d->irq_on = false;
		return 0;
	}
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t efd;
		int rc;

		if (s->count == 0)
			return -EINVAL;
		memcpy(&efd, s->data, sizeof(efd));
		emu_irq_disable(d);
		d->irq_on = true;	/* MSI enabled, with or without a fd */
		if (efd < 0)
			return 0;
		rc = emu_irq_enable(d, efd);
		if (rc < 0)
			d->irq_on = false;
		return rc;
	}
	if (!d->irq_on)
		return -EINVAL;
	if (s->count == 1 && (data == VFIO_IRQ_SET_DATA_NONE || s->data[0] != 0))
		irq_fire(d);
	return 0;
}

int
emu_dev_fault(struct emu_dev *d)
{
	int err = __atomic_load_n(&d->vanish, __ATOMIC_RELAXED);

	if (err == 0 && __atomic_load_n(&d->inject_count, __ATOMIC_RELAXED) > 0) {
		pthread_mutex_lock(&emu_lock);
		if (d->inject_count > 0) {
			d->inject_count--;
			err = d->inject_err;
		}
		pthread_mutex_unlock(&emu_lock);
	}
	return err;
}

int
emu_dev_ioctl(struct emu_dev *d, unsigned long req, void *arg)
{
	int err = __atomic_load_n(&d->vanish, __ATOMIC_RELAXED);
	int rc;

	__atomic_fetch_add(&d->st.ioctls, 1, __ATOMIC_RELAXED);
	if (err != 0)
		return emu_sys_ret(-err);
	if (req == VFIO_DEVICE_BIND_IOMMUFD)
		return emu_dev_bind(d, arg);
	if (d->cdev >= 0 && !d->bound)
		return emu_sys_ret(-EINVAL);	/* no access before the bind */
	switch (req) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return d->cdev >= 0 ? emu_dev_attach(d, arg) : emu_sys_ret(-EINVAL);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return d->cdev >= 0 ? emu_dev_detach(d, arg) : emu_sys_ret(-EINVAL);
	case VFIO_DEVICE_GET_INFO:
		rc = emu_dev_get_info(d, arg);
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		rc = get_region(d, arg);
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		rc = get_irq(d, arg);
		break;
	case VFIO_DEVICE_SET_IRQS:
		rc = set_irqs(d, arg);
		break;
	case VFIO_DEVICE_RESET:
		rc = 0;
		break;
	default:
		rc = -ENOTTY;
		break;
	}
	return emu_sys_ret(rc);
}

int
vism_emu_stats(const char *addr, struct vism_emu_stats *st)
{
	struct emu_dev *d;
	int rc = -ENOENT;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	if (d != NULL) {
		*st = d->st;
		rc = 0;
	}
	pthread_mutex_unlock(&emu_lock);
	return rc;
}

int
vism_emu_vanish(const char *addr, int err)
{
	struct emu_vanish *v;
	struct emu_dev *d;

	pthread_mutex_lock(&emu_lock);
	for (v = vanished; v != NULL; v = v->next)
		if (strcmp(v->addr, addr) == 0)
			break;
	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL) {
			pthread_mutex_unlock(&emu_lock);
			return -ENOMEM;
		}
		snprintf(v->addr, sizeof(v->addr), "%s", addr);
		v->next = vanished;
		vanished = v;
	}
	v->err = err;
	d = find_locked(addr);
	if (d != NULL)
		__atomic_store_n(&d->vanish, err, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&emu_lock);
	return 0;
}

int
vism_emu_inject(const char *addr, int err, unsigned int count)
{
	struct emu_dev *d;
	int rc = -ENOENT;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	if (d != NULL) {
		d->inject_err = err;
		__atomic_store_n(&d->inject_count, count, __ATOMIC_RELAXED);
		rc = 0;
	}
	pthread_mutex_unlock(&emu_lock);
	return rc;
}

int
vism_emu_fail_load(const char *addr, int err, unsigned int after)
{
	struct emu_dev *d;
	int rc = -ENOENT;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	if (d != NULL) {
		d->load_err = err;
		d->load_after = after;
		d->load_armed = true;
		rc = 0;
	}
	pthread_mutex_unlock(&emu_lock);
	return rc;
}

uint64_t
vism_emu_gid(const char *addr)
{
	struct emu_dev *d;
	uint64_t gid = 0;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	if (d != NULL)
		gid = ism_model_gid(d->mt);
	pthread_mutex_unlock(&emu_lock);
	return gid;
}

unsigned int
vism_emu_shift(const char *addr)
{
	struct emu_dev *d;
	unsigned int shift = 0;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	if (d != NULL)
		shift = d->shift;
	pthread_mutex_unlock(&emu_lock);
	return shift;
}

void
vism_emu_census(struct vism_emu_census *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&emu_lock);
	emu_vfio_census(c);
	emu_iommufd_census(c);
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		c->devices++;
	pthread_mutex_unlock(&emu_lock);
	c->windows = emu_window_count();
	c->irq_threads = emu_irq_threads();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated vfio container and groups, with the kernel's rules that EAL
 * and lib/ism depend on: type1 or type1v2 IOMMU, a group must join a
 * container before the IOMMU type is set and before a device fd is handed
 * out, one open per group (and none while a function of the group is
 * bound through its cdev), DMA mappings only inside the aperture of every
 * function of the container's groups, and when the last group leaves a
 * container the IOMMU and all its DMA mappings are dropped (EAL re-maps
 * its memory on the next attach).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vism_emu_priv.h"

static struct emu_container *containers;
static struct emu_group *groups;

int
emu_group_exists(int num)
{
	char path[PATH_MAX];
	struct stat st;
	const char *root = emu_root();

	if (root == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d", root, num);
	/* lstat is not interposed: no recursion into the emulation */
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
emu_container_open(void)
{
	struct emu_container *c = calloc(1, sizeof(*c));
	int fd;

	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->o.kind = EMU_CONTAINER;
	pthread_mutex_lock(&emu_lock);
	fd = emu_new_fd(&c->o);
	if (fd >= 0) {
		c->next = containers;
		containers = c;
	}
	pthread_mutex_unlock(&emu_lock);
	if (fd < 0)
		free(c);
	return fd;
}

static void
container_free_if_unused(struct emu_container *c)
{
	struct emu_container **pp;

	if (!c->closed || c->ngroups > 0)
		return;
	for (pp = &containers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	emu_as_clear(&c->as);
	free(c);
}

/* Called with emu_lock held. */
void
emu_container_close(struct emu_container *c)
{
	c->closed = true;
	container_free_if_unused(c);
}

/* The container's aperture: where the apertures of its groups meet. */
static void
container_aperture(struct emu_container *c)
{
	c->as.limited = false;
	for (struct emu_group *g = groups; g != NULL; g = g->next) {
		if (g->c != c)
			continue;
		if (!c->as.limited || g->start_dma > c->as.start)
			c->as.start = g->start_dma;
		if (!c->as.limited || g->end_dma < c->as.end)
			c->as.end = g->end_dma;
		c->as.limited = true;
	}
}

static void
container_detach(struct emu_group *g)
{
	struct emu_container *c = g->c;

	if (c == NULL)
		return;
	g->c = NULL;
	if (--c->ngroups == 0) {
		/* the kernel releases the IOMMU with the last group */
		c->iommu_set = false;
		emu_as_clear(&c->as);
	} else {
		container_aperture(c);
	}
	container_free_if_unused(c);
}

static int
map_dma(struct emu_container *c, struct vfio_iommu_type1_dma_map *m)
{
	if (!c->iommu_set || m->argsz < sizeof(*m))
		return -EINVAL;
	if (!(m->flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return -EINVAL;
	return emu_as_map(&c->as, m->vaddr, m->iova, m->size);
}

/* Unmaps whole mappings inside the range; splitting one is EINVAL. */
static int
unmap_dma(struct emu_container *c, struct vfio_iommu_type1_dma_unmap *u)
{
	uint64_t done;
	int rc;

	if (u->argsz < sizeof(*u) || !c->iommu_set)
		return -EINVAL;
	rc = emu_as_unmap(&c->as, u->iova, u->size, &done);
	if (rc == 0)
		u->size = done;
	return rc;
}

int
emu_container_ioctl(struct emu_container *c, unsigned long req, void *arg)
{
	int rc;

	pthread_mutex_lock(&emu_lock);
	switch (req) {
	case VFIO_GET_API_VERSION:
		rc = VFIO_API_VERSION;
		break;
	case VFIO_CHECK_EXTENSION:
		rc = (uintptr_t)arg == VFIO_TYPE1_IOMMU ||
			(uintptr_t)arg == VFIO_TYPE1v2_IOMMU;
		break;
	case VFIO_SET_IOMMU:
		if (c->ngroups == 0)
			rc = -EINVAL;	/* needs a group first */
		else if (c->iommu_set)
			rc = -EBUSY;
		else if ((uintptr_t)arg != VFIO_TYPE1_IOMMU &&
			 (uintptr_t)arg != VFIO_TYPE1v2_IOMMU)
			rc = -EINVAL;
		else {
			c->iommu_set = true;
			rc = 0;
		}
		break;
	case VFIO_IOMMU_GET_INFO: {
		struct vfio_iommu_type1_info *info = arg;

		if (!c->iommu_set || info->argsz < offsetof(struct vfio_iommu_type1_info, cap_offset)) {
			rc = -EINVAL;
			break;
		}
		info->flags = VFIO_IOMMU_INFO_PGSIZES;
		info->iova_pgsizes = 4096 | (2u << 20) | (1u << 30);
		rc = 0;
		break;
	}
	case VFIO_IOMMU_MAP_DMA:
		rc = map_dma(c, arg);
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		rc = unmap_dma(c, arg);
		break;
	default:
		rc = -ENOTTY;
		break;
	}
	pthread_mutex_unlock(&emu_lock);
	return emu_sys_ret(rc);
}

/* Where the apertures of the group's functions meet. */
static void
group_aperture(int num, uint64_t *start, uint64_t *end)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	*start = EMU_DEFAULT_START_DMA;
	*end = EMU_DEFAULT_END_DMA;
	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices",
		 emu_root(), num);
	dir = opendir(path);
	if (dir == NULL)
		return;
	*start = 0;
	*end = UINT64_MAX;
	while ((de = readdir(dir)) != NULL) {
		uint64_t s, e;

		if (de->d_name[0] == '.')
			continue;
		emu_fn_aperture(de->d_name, &s, &e);
		if (s > *start)
			*start = s;
		if (e < *end)
			*end = e;
	}
	closedir(dir);
}

bool
emu_group_is_open(int num)
{
	for (struct emu_group *g = groups; g != NULL; g = g->next)
		if (g->num == num && !g->closed)
			return true;
	return false;
}

int
emu_group_open(int num)
{
	struct emu_group *g;
	uint64_t start, end;
	int fd;

	group_aperture(num, &start, &end);
	pthread_mutex_lock(&emu_lock);
	if (emu_group_is_open(num) || emu_dev_group_cdev_bound(num)) {
		/* one open per group, none while a function of it is bound
		 * through its cdev */
		pthread_mutex_unlock(&emu_lock);
		errno = EBUSY;
		return -1;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		pthread_mutex_unlock(&emu_lock);
		errno = ENOMEM;
		return -1;
	}
	g->o.kind = EMU_GROUP;
	g->num = num;
	g->start_dma = start;
	g->end_dma = end;
	fd = emu_new_fd(&g->o);
	if (fd < 0) {
		free(g);
	} else {
		g->next = groups;
		groups = g;
	}
	pthread_mutex_unlock(&emu_lock);
	return fd;
}

static void
group_free_if_unused(struct emu_group *g)
{
	struct emu_group **pp;

	if (!g->closed || g->ndevs > 0)
		return;
	container_detach(g);
	for (pp = &groups; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	free(g);
}

/* Called with emu_lock held. A device fd keeps its group alive. */
void
emu_group_close(struct emu_group *g)
{
	g->closed = true;
	group_free_if_unused(g);
}

void
emu_group_put_dev(struct emu_group *g)
{
	pthread_mutex_lock(&emu_lock);
	g->ndevs--;
	group_free_if_unused(g);
	pthread_mutex_unlock(&emu_lock);
}

/* Every device of the group bound to a vfio driver or to none. */
static bool
group_viable(int num)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *root = emu_root();
	struct dirent *de;
	bool ok = true;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", root,
		 num);
	dir = opendir(path);
	if (dir == NULL)
		return true;
	while ((de = readdir(dir)) != NULL) {
		const char *base;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "%s/kernel/iommu_groups/%d/devices/%.64s/driver", root,
			 num, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		base = strrchr(target, '/');
		base = base != NULL ? base + 1 : target;
		if (strcmp(base, "ism_vfio_pci") != 0 &&
		    strcmp(base, "vfio-pci") != 0)
			ok = false;
	}
	closedir(dir);
	return ok;
}

int
emu_group_ioctl(struct emu_group *g, unsigned long req, void *arg)
{
	struct emu_obj *o;
	int rc = 0;

	switch (req) {
	case VFIO_GROUP_GET_STATUS: {
		struct vfio_group_status *s = arg;
		bool viable = group_viable(g->num);

		if (s->argsz < sizeof(*s)) {
			rc = -EINVAL;
			break;
		}
		pthread_mutex_lock(&emu_lock);
		s->flags = (viable ? VFIO_GROUP_FLAGS_VIABLE : 0) |
			(g->c != NULL ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
		pthread_mutex_unlock(&emu_lock);
		break;
	}
	case VFIO_GROUP_SET_CONTAINER:
		pthread_mutex_lock(&emu_lock);
		o = emu_fd_obj(*(const int *)arg);
		if (o == NULL || o->kind != EMU_CONTAINER)
			rc = -EBADF;
		else if (g->c != NULL)
			rc = -EINVAL;
		else if (!group_viable(g->num))
			rc = -EPERM;
		else if (!emu_as_fits(&((struct emu_container *)o)->as,
				      g->start_dma, g->end_dma))
			rc = -EINVAL;	/* mappings outside its aperture */
		else {
			g->c = (struct emu_container *)o;
			g->c->ngroups++;
			container_aperture(g->c);
		}
		pthread_mutex_unlock(&emu_lock);
		break;
	case VFIO_GROUP_UNSET_CONTAINER:
		pthread_mutex_lock(&emu_lock);
		if (g->c == NULL)
			rc = -EINVAL;
		else if (g->ndevs > 0)
			rc = -EBUSY;
		else
			container_detach(g);
		pthread_mutex_unlock(&emu_lock);
		break;
	case VFIO_GROUP_GET_DEVICE_FD: {
		char name[64];
		size_t n = strcspn((const char *)arg, " ");

		if (n >= sizeof(name)) {
			rc = -EINVAL;
			break;
		}
		memcpy(name, arg, n);
		name[n] = '\0';
		return emu_dev_open_group(g, name);
	}
	default:
		rc = -ENOTTY;
		break;
	}
	return emu_sys_ret(rc);
}

void
emu_vfio_census(struct vism_emu_census *cs)
{
	for (struct emu_container *c = containers; c != NULL; c = c->next) {
		cs->containers++;
		cs->dma_maps += c->as.nmaps;
	}
	for (struct emu_group *g = groups; g != NULL; g = g->next)
		cs->groups++;
}

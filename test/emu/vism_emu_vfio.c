/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated vfio container and groups, with the kernel's rules that EAL
 * depends on: type1 IOMMU, a group must join a container before the IOMMU
 * type is set and before a device fd is handed out, one open per group,
 * and when the last group leaves a container the IOMMU and all its DMA
 * mappings are dropped (EAL re-maps its memory on the next attach).
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
	free(c->maps);
	free(c);
}

/* Called with emu_lock held. */
void
emu_container_close(struct emu_container *c)
{
	c->closed = true;
	container_free_if_unused(c);
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
		c->nmaps = 0;
	}
	container_free_if_unused(c);
}

static int
map_dma(struct emu_container *c, struct vfio_iommu_type1_dma_map *m)
{
	struct emu_map *n;

	if (!c->iommu_set)
		return -EINVAL;
	if (m->argsz < sizeof(*m) || m->size == 0 || (m->size & 4095) != 0 ||
	    (m->iova & 4095) != 0 || (m->vaddr & 4095) != 0 ||
	    m->iova + m->size < m->iova)
		return -EINVAL;
	if (!(m->flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return -EINVAL;
	for (unsigned int i = 0; i < c->nmaps; i++) {
		const struct emu_map *e = &c->maps[i];

		if (m->iova < e->iova + e->size && e->iova < m->iova + m->size)
			return -EEXIST;
	}
	if (c->nmaps == c->cap) {
		unsigned int cap = c->cap ? c->cap * 2 : 16;

		n = realloc(c->maps, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		c->maps = n;
		c->cap = cap;
	}
	c->maps[c->nmaps++] = (struct emu_map){
		.vaddr = m->vaddr, .iova = m->iova, .size = m->size,
	};
	return 0;
}

/* Unmaps whole mappings inside the range; splitting one is EINVAL. */
static int
unmap_dma(struct emu_container *c, struct vfio_iommu_type1_dma_unmap *u)
{
	uint64_t done = 0;

	if (u->argsz < sizeof(*u) || !c->iommu_set)
		return -EINVAL;
	for (unsigned int i = 0; i < c->nmaps; i++) {
		const struct emu_map *e = &c->maps[i];
		bool overlap = u->iova < e->iova + e->size &&
			e->iova < u->iova + u->size;
		bool inside = e->iova >= u->iova &&
			e->iova + e->size <= u->iova + u->size;

		if (overlap && !inside)
			return -EINVAL;
	}
	for (unsigned int i = 0; i < c->nmaps;) {
		const struct emu_map *e = &c->maps[i];

		if (e->iova >= u->iova && e->iova + e->size <= u->iova + u->size) {
			done += e->size;
			c->maps[i] = c->maps[--c->nmaps];
		} else {
			i++;
		}
	}
	u->size = done;
	return 0;
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
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

int
emu_group_open(int num)
{
	struct emu_group *g;
	int fd;

	pthread_mutex_lock(&emu_lock);
	for (g = groups; g != NULL; g = g->next) {
		if (g->num == num && !g->closed) {
			pthread_mutex_unlock(&emu_lock);
			errno = EBUSY;	/* one open per group */
			return -1;
		}
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		pthread_mutex_unlock(&emu_lock);
		errno = ENOMEM;
		return -1;
	}
	g->o.kind = EMU_GROUP;
	g->num = num;
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
		else {
			g->c = (struct emu_container *)o;
			g->c->ngroups++;
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
		return emu_dev_open(g, name);
	}
	default:
		rc = -ENOTTY;
		break;
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

void *
emu_iommu_translate(struct emu_group *g, uint64_t iova, uint64_t len)
{
	void *va = NULL;

	pthread_mutex_lock(&emu_lock);
	if (g->c != NULL && g->c->iommu_set) {
		for (unsigned int i = 0; i < g->c->nmaps; i++) {
			const struct emu_map *m = &g->c->maps[i];

			if (iova >= m->iova && len <= m->size &&
			    iova - m->iova <= m->size - len) {
				va = (void *)(uintptr_t)(m->vaddr + (iova - m->iova));
				break;
			}
		}
	}
	pthread_mutex_unlock(&emu_lock);
	return va;
}

void
emu_vfio_census(struct vism_emu_census *cs)
{
	pthread_mutex_lock(&emu_lock);
	for (struct emu_container *c = containers; c != NULL; c = c->next) {
		cs->containers++;
		cs->dma_maps += c->nmaps;
	}
	for (struct emu_group *g = groups; g != NULL; g = g->next)
		cs->groups++;
	pthread_mutex_unlock(&emu_lock);
}

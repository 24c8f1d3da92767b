/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated ism_vfio_pci device fd (ISM-SPEC.md section 5):
 *  - regions at index << SHIFT; BARs 0..5 and config (7) exist, ROM (6),
 *    VGA (8) and anything else are EINVAL; flags READ|WRITE, never MMAP
 *    (unless a test asks, to see that the bus ignores it); an empty BAR has
 *    flags 0;
 *  - pwrite on a BAR is one PCISTB: more than 4096 bytes or a 4 KiB
 *    crossing is EINVAL; the data goes through a page-aligned bounce
 *    buffer; a BAR-0 store is the model's store, a BAR-2 store goes to the
 *    command channel (vism_emu_cmd.c);
 *  - pread is split into naturally aligned 8/4/2/1-byte loads;
 *  - an access at or past a region's end is EINVAL, one that starts inside
 *    is clipped; a zero-length access returns 0;
 *  - VFIO_DEVICE_GET_INFO carries a zPCI base and a zPCI group capability
 *    (with maxstbl); one MSI vector, wired to an eventfd by SET_IRQS.
 * With SHIFT < 48 the 2^48-byte BAR 0 overlaps the other regions'
 * windows; an offset inside another region's window is that region's (as
 * with generic vfio-pci, whose 40-bit layout cannot reach all of BAR 0).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio_zdev.h>

#include "ism_model.h"
#include "vism_emu_priv.h"

static struct emu_dev *devices;

struct emu_vanish {
	struct emu_vanish *next;
	char addr[32];
	int err;
};
static struct emu_vanish *vanished;

struct emu_cfg {
	unsigned int shift;
	uint64_t bar0_size, bar2_size;
	int maxstbl;
	bool mmap, msi;
	char fabric[ISM_MODEL_NAME_MAX + 1];
};

static unsigned int
env_shift(void)
{
	static unsigned int random_shift;
	const char *s = getenv("VFIO_ISM_EMU_SHIFT");

	if (s == NULL || s[0] == '\0')
		return EMU_DEFAULT_SHIFT;
	if (strcmp(s, "random") == 0) {
		if (random_shift == 0) {
			srand((unsigned int)time(NULL) ^ (unsigned int)getpid());
			random_shift = 41 + (unsigned int)rand() % 16;
			emu_log("VFIO_ISM_EMU_SHIFT=random: regions at index << %u",
				random_shift);
		}
		return random_shift;
	}
	return (unsigned int)strtoul(s, NULL, 0);
}

static void
read_cfg(const char *addr, struct emu_cfg *cfg)
{
	const char *fab = getenv("VFIO_ISM_EMU_FABRIC");
	char path[PATH_MAX], line[256];
	FILE *f;

	cfg->shift = env_shift();
	cfg->bar0_size = UINT64_C(1) << ISM_BAR_DMB_BITS;
	cfg->bar2_size = EMU_BAR2_SIZE;
	cfg->maxstbl = ISM_MAX_STORE;
	cfg->mmap = false;
	cfg->msi = true;
	snprintf(cfg->fabric, sizeof(cfg->fabric), "%s",
		 fab != NULL && fab[0] != '\0' ? fab : EMU_DEFAULT_FABRIC);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/ism_emu",
		 emu_root(), addr);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');
		unsigned long long v;

		if (eq == NULL)
			continue;
		*eq++ = '\0';
		eq[strcspn(eq, "\n")] = '\0';
		v = strtoull(eq, NULL, 0);
		if (strcmp(line, "shift") == 0)
			cfg->shift = (unsigned int)v;
		else if (strcmp(line, "maxstbl") == 0)
			cfg->maxstbl = (int)v;
		else if (strcmp(line, "bar0_size") == 0)
			cfg->bar0_size = v;
		else if (strcmp(line, "bar2_size") == 0)
			cfg->bar2_size = v;
		else if (strcmp(line, "mmap") == 0)
			cfg->mmap = v != 0;
		else if (strcmp(line, "msi") == 0)
			cfg->msi = v != 0;
		else if (strcmp(line, "fabric") == 0)
			snprintf(cfg->fabric, sizeof(cfg->fabric), "%s", eq);
	}
	fclose(f);
}

static void
set_regions(struct emu_dev *d, const struct emu_cfg *cfg)
{
	for (unsigned int i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct emu_region *r = &d->reg[i];
		uint64_t size = 0;

		r->exists = i <= VFIO_PCI_BAR5_REGION_INDEX ||
			i == VFIO_PCI_CONFIG_REGION_INDEX;
		if (!r->exists)
			continue;
		if (i == ISM_BAR_DMB)
			size = cfg->bar0_size;
		else if (i == ISM_BAR_CMD)
			size = cfg->bar2_size;
		else if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			size = EMU_CONFIG_SIZE;
		r->size = size;
		r->offset = (uint64_t)i << d->shift;
		r->flags = size == 0 ? 0 :
			VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if (size != 0 && cfg->mmap && i != VFIO_PCI_CONFIG_REGION_INDEX)
			r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
	}
}

static bool
link_is(const char *path, const char *want)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	return strcmp(base != NULL ? base + 1 : target, want) == 0;
}

static struct emu_dev *
find_locked(const char *addr)
{
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		if (strcmp(d->addr, addr) == 0)
			return d;
	return NULL;
}

int
emu_dev_open(struct emu_group *g, const char *name)
{
	char path[PATH_MAX];
	struct emu_cfg cfg;
	struct emu_dev *d;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices/%s",
		 emu_root(), g->num, name);
	if (access(path, F_OK) != 0) {
		errno = ENODEV;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver",
		 emu_root(), name);
	if (!link_is(path, "ism_vfio_pci")) {
		emu_log("%s: only functions bound to ism_vfio_pci are emulated",
			name);
		errno = EINVAL;
		return -1;
	}
	read_cfg(name, &cfg);
	if (cfg.shift < 32 || cfg.shift > 58) {
		emu_log("%s: region shift %u is outside 32..58", name, cfg.shift);
		errno = EINVAL;
		return -1;
	}

	pthread_mutex_lock(&emu_lock);
	if (g->c == NULL || !g->c->iommu_set) {
		pthread_mutex_unlock(&emu_lock);
		errno = EINVAL;	/* the kernel wants the IOMMU set up first */
		return -1;
	}
	if (find_locked(name) != NULL) {
		pthread_mutex_unlock(&emu_lock);
		errno = EBUSY;
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		pthread_mutex_unlock(&emu_lock);
		errno = ENOMEM;
		return -1;
	}
	d->o.kind = EMU_DEVICE;
	snprintf(d->addr, sizeof(d->addr), "%s", name);
	d->g = g;
	d->shift = cfg.shift;
	d->maxstbl = (uint16_t)cfg.maxstbl;
	d->msi = cfg.msi;
	d->irq_efd = -1;
	d->irq_stop = -1;
	pthread_mutex_init(&d->lock, NULL);
	set_regions(d, &cfg);
	/* the function behind the fd: a new one per open, as a reset would */
	rc = ism_model_attach(cfg.fabric, NULL, &d->mt);
	if (rc < 0) {
		pthread_mutex_unlock(&emu_lock);
		emu_log("%s: cannot attach to model fabric %s: %s", name,
			cfg.fabric, strerror(-rc));
		pthread_mutex_destroy(&d->lock);
		free(d);
		errno = -rc;
		return -1;
	}
	fd = emu_new_fd(&d->o);
	if (fd < 0) {
		pthread_mutex_unlock(&emu_lock);
		d->mt->ops->close(d->mt);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return -1;
	}
	for (struct emu_vanish *v = vanished; v != NULL; v = v->next)
		if (strcmp(v->addr, name) == 0)
			d->vanish = v->err;
	g->ndevs++;
	d->next = devices;
	devices = d;
	pthread_mutex_unlock(&emu_lock);
	return fd;
}

void
emu_dev_close(struct emu_dev *d)
{
	struct emu_dev **pp;

	emu_irq_disable(d);
	pthread_mutex_lock(&d->lock);
	emu_cmd_close(d);
	pthread_mutex_unlock(&d->lock);
	d->mt->ops->close(d->mt);
	pthread_mutex_lock(&emu_lock);
	for (pp = &devices; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&emu_lock);
	emu_group_put_dev(d->g);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static int
get_info(struct emu_dev *d, struct vfio_device_info *info)
{
	struct {
		struct vfio_device_info_cap_zpci_base base;
		struct vfio_device_info_cap_zpci_group group;
	} caps;
	uint32_t need = sizeof(*info) + sizeof(caps);
	bool has_caps = d->maxstbl != 0;

	if (info->argsz < offsetof(struct vfio_device_info, cap_offset))
		return -EINVAL;
	info->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET |
		(has_caps ? VFIO_DEVICE_FLAGS_CAPS : 0);
	info->num_regions = VFIO_PCI_NUM_REGIONS;
	info->num_irqs = VFIO_PCI_NUM_IRQS;
	if (info->argsz < sizeof(*info))
		return 0;
	info->cap_offset = 0;
	if (!has_caps)
		return 0;
	if (info->argsz < need) {
		info->argsz = need;	/* ask again with room for the chain */
		return 0;
	}
	/* a base capability first, so the reader has to follow the chain */
	memset(&caps, 0, sizeof(caps));
	caps.base.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_BASE;
	caps.base.header.version = 2;
	caps.base.header.next = (uint32_t)(sizeof(*info) +
		offsetof(__typeof__(caps), group));
	caps.base.pft = 5;	/* ISM */
	caps.group.header.id = VFIO_DEVICE_INFO_CAP_ZPCI_GROUP;
	caps.group.header.version = 2;
	caps.group.maxstbl = d->maxstbl;
	caps.group.noi = d->msi ? 1 : 0;
	memcpy(info + 1, &caps, sizeof(caps));
	info->cap_offset = sizeof(*info);
	return 0;
}

static int
get_region(struct emu_dev *d, struct vfio_region_info *ri)
{
	if (ri->argsz < sizeof(*ri) || ri->index >= VFIO_PCI_NUM_REGIONS ||
	    !d->reg[ri->index].exists)
		return -EINVAL;
	ri->flags = d->reg[ri->index].flags;
	ri->size = d->reg[ri->index].size;
	ri->offset = d->reg[ri->index].offset;
	ri->cap_offset = 0;
	return 0;
}

static int
get_irq(struct emu_dev *d, struct vfio_irq_info *ii)
{
	if (ii->argsz < sizeof(*ii) || ii->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	ii->flags = VFIO_IRQ_INFO_EVENTFD;
	ii->count = 0;
	if (ii->index == VFIO_PCI_MSI_IRQ_INDEX && d->msi) {
		ii->count = 1;
		ii->flags |= VFIO_IRQ_INFO_NORESIZE;
	}
	return 0;
}

static int
set_irqs(struct emu_dev *d, struct vfio_irq_set *s)
{
	uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	if (s->argsz < sizeof(*s) || s->index != VFIO_PCI_MSI_IRQ_INDEX ||
	    action != VFIO_IRQ_SET_ACTION_TRIGGER || !d->msi)
		return -EINVAL;
	if (s->count == 0) {
		if (data != VFIO_IRQ_SET_DATA_NONE &&
		    data != VFIO_IRQ_SET_DATA_EVENTFD)
			return -EINVAL;
		emu_irq_disable(d);
		return 0;
	}
	if (s->start != 0 || s->count != 1)
		return -EINVAL;
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		int efd;

		if (s->argsz < sizeof(*s) + sizeof(int))
			return -EINVAL;
		memcpy(&efd, s->data, sizeof(efd));
		if (efd < 0) {
			emu_irq_disable(d);
			return 0;
		}
		return emu_irq_enable(d, efd);
	}
	if (data == VFIO_IRQ_SET_DATA_NONE) {
		/* loopback trigger: fire the MSI as if the device had */
		uint64_t one = 1;

		if (d->irq_efd < 0 || write(d->irq_efd, &one, sizeof(one)) < 0)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* vanished function or injected fault: 0 or -1 with errno */
static int
fault(struct emu_dev *d)
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
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
emu_dev_ioctl(struct emu_dev *d, unsigned long req, void *arg)
{
	int rc;

	__atomic_fetch_add(&d->st.ioctls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&d->vanish, __ATOMIC_RELAXED) != 0) {
		errno = d->vanish;
		return -1;
	}
	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		rc = get_info(d, arg);
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
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

/* Region of a device fd offset; -EINVAL outside every region. */
static int
decode(const struct emu_dev *d, uint64_t off, unsigned int *idx,
       uint64_t *roff)
{
	for (unsigned int i = VFIO_PCI_NUM_REGIONS; i-- > 0;) {
		const struct emu_region *r = &d->reg[i];

		if (!r->exists || r->size == 0)
			continue;
		if (off >= r->offset && off - r->offset < r->size) {
			*idx = i;
			*roff = off - r->offset;
			return 0;
		}
	}
	return -EINVAL;
}

static ssize_t
einval(struct emu_dev *d)
{
	__atomic_fetch_add(&d->st.einval, 1, __ATOMIC_RELAXED);
	errno = EINVAL;
	return -1;
}

/* Config space: vendor and device id, nothing else; writes are dropped. */
static void
config_read(uint64_t off, void *buf, size_t n)
{
	uint8_t cfg[EMU_CONFIG_SIZE] = {
		ISM_PCI_VENDOR_ID & 0xff, ISM_PCI_VENDOR_ID >> 8,
		ISM_PCI_DEVICE_ID & 0xff, ISM_PCI_DEVICE_ID >> 8,
	};

	memcpy(buf, cfg + off, n);
}

/*
 * What every region access does first, as the kernel does: an injected
 * fault, a zero-length access (0), the region decoded from the offset,
 * the length clipped at the region's end. 1: go on with *n bytes.
 */
static int
access_begin(struct emu_dev *d, uint64_t off, size_t *n, unsigned int *idx,
	     uint64_t *roff)
{
	if (fault(d) < 0)
		return -1;
	if (*n == 0)
		return 0;
	if (decode(d, off, idx, roff) < 0)
		return einval(d);
	if (*n > d->reg[*idx].size - *roff)
		*n = d->reg[*idx].size - *roff;	/* clipped at the end */
	return 1;
}

ssize_t
emu_dev_pwrite(struct emu_dev *d, const void *buf, size_t n, uint64_t off)
{
	uint8_t bounce[ISM_MAX_STORE] __attribute__((aligned(4096)));
	unsigned int idx;
	uint64_t roff;
	int rc;

	__atomic_fetch_add(&d->st.pwrites, 1, __ATOMIC_RELAXED);
	rc = access_begin(d, off, &n, &idx, &roff);
	if (rc <= 0)
		return rc;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
		return (ssize_t)n;
	if (n > ISM_MAX_STORE || roff % ISM_STORE_BOUNDARY + n > ISM_STORE_BOUNDARY)
		return einval(d);
	memcpy(bounce, buf, n);
	if (idx == ISM_BAR_DMB) {
		rc = d->mt->ops->write(d->mt, ISM_BAR_DMB, roff, bounce, n);
	} else if (idx == ISM_BAR_CMD) {
		pthread_mutex_lock(&d->lock);
		rc = emu_cmd_store(d, roff, bounce, n);
		pthread_mutex_unlock(&d->lock);
	} else {
		return einval(d);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	__atomic_fetch_add(&d->st.stores, 1, __ATOMIC_RELAXED);
	return (ssize_t)n;
}

ssize_t
emu_dev_pread(struct emu_dev *d, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	unsigned int idx;
	uint64_t roff;
	size_t done;

	int rc;

	__atomic_fetch_add(&d->st.preads, 1, __ATOMIC_RELAXED);
	rc = access_begin(d, off, &n, &idx, &roff);
	if (rc <= 0)
		return rc;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		config_read(roff, buf, n);
		return (ssize_t)n;
	}
	for (done = 0; done < n;) {
		uint64_t pos = roff + done;
		size_t sz = 8;

		while (sz > 1 && (pos % sz != 0 || sz > n - done))
			sz >>= 1;
		if (idx == ISM_BAR_CMD) {
			pthread_mutex_lock(&d->lock);
			rc = emu_cmd_load(d, pos, p + done, sz);
			pthread_mutex_unlock(&d->lock);
		} else {
			rc = d->mt->ops->read(d->mt, idx, pos, p + done, sz);
		}
		if (rc < 0) {
			if (done > 0)
				break;
			errno = EIO;	/* the PCI load failed */
			return -1;
		}
		__atomic_fetch_add(&d->st.loads[sz == 8 ? 3 : sz / 2], 1,
				   __ATOMIC_RELAXED);
		done += sz;
	}
	return (ssize_t)done;
}

struct emu_dev *
emu_dev_find(const char *addr)
{
	struct emu_dev *d;

	pthread_mutex_lock(&emu_lock);
	d = find_locked(addr);
	pthread_mutex_unlock(&emu_lock);
	return d;
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
	emu_vfio_census(c);
	pthread_mutex_lock(&emu_lock);
	for (struct emu_dev *d = devices; d != NULL; d = d->next)
		c->devices++;
	pthread_mutex_unlock(&emu_lock);
	c->windows = emu_window_count();
	c->irq_threads = emu_irq_threads();
}

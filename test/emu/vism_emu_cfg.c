/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one emulated function looks like: its settings (defaults, then the
 * environment, then its ism_emu file in the fake tree) and its region
 * layout. Unknown keys and bad values are refused, so that a test cannot
 * run against settings it did not get.
 *
 * Layouts: index << N (ism_vfio_pci has N = 48, generic vfio-pci 40), or
 * "dynamic": page-aligned offsets unrelated to the index (config first,
 * then BAR 2, then BAR 0, with random gaps), as a kernel that manages
 * region offsets freely may hand out. Users must take offsets from
 * VFIO_DEVICE_GET_REGION_INFO; the emulation decodes an offset by looking
 * it up in the region table, never by arithmetic on the index.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vism_emu_priv.h"

#define SHIFT_RANDOM	UINT_MAX

/* rand(), seeded once per process; emu_lock held. */
static unsigned int
draw(void)
{
	static bool seeded;

	if (!seeded) {
		srand((unsigned int)time(NULL) ^ (unsigned int)getpid());
		seeded = true;
	}
	return (unsigned int)rand();
}

static unsigned int
random_shift(void)
{
	static unsigned int shift;

	pthread_mutex_lock(&emu_lock);
	if (shift == 0) {
		shift = 41 + draw() % 16;
		emu_log("shift=random: regions at index << %u", shift);
	}
	pthread_mutex_unlock(&emu_lock);
	return shift;
}

static int
parse_u64(const char *val, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(val, &end, 0);
	return end == val || *end != '\0' || errno != 0 || val[0] == '-' ?
		-EINVAL : 0;
}

static int
parse_shift(struct emu_cfg *cfg, const char *val)
{
	uint64_t v;

	if (strcmp(val, "dynamic") == 0) {
		cfg->layout = LAYOUT_DYNAMIC;
		return 0;
	}
	cfg->layout = LAYOUT_SHIFT;
	if (strcmp(val, "random") == 0) {
		cfg->shift = SHIFT_RANDOM;
		return 0;
	}
	if (parse_u64(val, &v) < 0 || v < 32 || v > 58)
		return -EINVAL;
	cfg->shift = (unsigned int)v;
	return 0;
}

static int
parse_aperture(struct emu_cfg *cfg, const char *val)
{
	unsigned long long s, e;
	int n = 0;

	if (sscanf(val, "%llx-%llx%n", &s, &e, &n) != 2 || val[n] != '\0' ||
	    s > e)
		return -EINVAL;
	cfg->start_dma = s;
	cfg->end_dma = e;
	return 0;
}

/* One key=value; -EINVAL for an unknown key or a bad value. */
static int
cfg_apply(struct emu_cfg *cfg, const char *key, const char *val)
{
	uint64_t v = 0;
	bool num = strcmp(key, "shift") != 0 && strcmp(key, "aperture") != 0 &&
		strcmp(key, "fabric") != 0;

	if (num && parse_u64(val, &v) < 0)
		return -EINVAL;
	if (strcmp(key, "shift") == 0)
		return parse_shift(cfg, val);
	if (strcmp(key, "aperture") == 0)
		return parse_aperture(cfg, val);
	if (strcmp(key, "fabric") == 0) {
		if (val[0] == '\0' || strlen(val) > ISM_MODEL_NAME_MAX)
			return -EINVAL;
		snprintf(cfg->fabric, sizeof(cfg->fabric), "%s", val);
		return 0;
	}
	if (strcmp(key, "imaxstbl") == 0 && v >= 1 && v <= UINT16_MAX)
		cfg->imaxstbl = (uint32_t)v;
	else if (strcmp(key, "maxstbl") == 0 && v <= UINT16_MAX)
		cfg->maxstbl = (uint32_t)v;
	else if (strcmp(key, "cap_version") == 0 && v <= 2)
		cfg->cap_version = (unsigned int)v;
	else if (strcmp(key, "config_size") == 0 && (v == 256 || v == 4096))
		cfg->config_size = (uint32_t)v;
	else if (strcmp(key, "bar0_size") == 0)
		cfg->bar0_size = v;
	else if (strcmp(key, "bar2_size") == 0)
		cfg->bar2_size = v;
	else if (strcmp(key, "mmap") == 0)
		cfg->mmap = v != 0;
	else if (strcmp(key, "msi") == 0)
		cfg->msi = v != 0;
	else
		return -EINVAL;
	return 0;
}

/* "key=value" items separated by any of @seps. */
static int
cfg_apply_list(struct emu_cfg *cfg, const char *text, const char *seps,
	       const char *where)
{
	char *copy = strdup(text), *save = NULL, *item;
	int rc = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (item = strtok_r(copy, seps, &save); item != NULL && rc == 0;
	     item = strtok_r(NULL, seps, &save)) {
		char *eq = strchr(item, '=');

		if (eq == NULL) {
			rc = -EINVAL;
		} else {
			*eq = '\0';
			rc = cfg_apply(cfg, item, eq + 1);
			eq[0] = '=';
		}
		if (rc < 0)
			emu_log("%s: bad setting \"%s\"; known keys: shift=N|random|dynamic imaxstbl= maxstbl= cap_version=0..2 aperture=START-END config_size=256|4096 bar0_size= bar2_size= mmap= msi= fabric=",
				where, item);
	}
	free(copy);
	return rc;
}

static void
cfg_defaults(struct emu_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->layout = LAYOUT_SHIFT;
	cfg->shift = EMU_DEFAULT_SHIFT;
	cfg->bar0_size = UINT64_C(1) << ISM_BAR_DMB_BITS;
	cfg->bar2_size = EMU_BAR2_SIZE;
	cfg->config_size = 256;
	cfg->imaxstbl = ISM_MAX_STORE;
	cfg->maxstbl = EMU_ZPCI_MAX_WRITE;
	cfg->cap_version = 2;
	cfg->start_dma = EMU_DEFAULT_START_DMA;
	cfg->end_dma = EMU_DEFAULT_END_DMA;
	cfg->msi = true;
	snprintf(cfg->fabric, sizeof(cfg->fabric), "%s", EMU_DEFAULT_FABRIC);
}

int
emu_cfg_read(const char *addr, struct emu_cfg *cfg)
{
	const char *shift = getenv("VFIO_ISM_EMU_SHIFT");
	const char *fab = getenv("VFIO_ISM_EMU_FABRIC");
	const char *defs = getenv("VFIO_ISM_EMU_DEFAULTS");
	char path[PATH_MAX], where[PATH_MAX + 16], *text = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	cfg_defaults(cfg);
	if (shift != NULL && shift[0] != '\0' && parse_shift(cfg, shift) < 0) {
		emu_log("VFIO_ISM_EMU_SHIFT=%s: want 32..58, random or dynamic",
			shift);
		return -EINVAL;
	}
	if (fab != NULL && fab[0] != '\0' && cfg_apply(cfg, "fabric", fab) < 0) {
		emu_log("VFIO_ISM_EMU_FABRIC=%s: not a fabric name", fab);
		return -EINVAL;
	}
	if (defs != NULL && defs[0] != '\0')
		rc = cfg_apply_list(cfg, defs, ", \n", "VFIO_ISM_EMU_DEFAULTS");
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/ism_emu",
		 emu_root(), addr);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	snprintf(where, sizeof(where), "%s", path);
	/* the whole file, then item by item */
	for (;;) {
		char *n = realloc(text, cap + 4096);
		size_t got;

		if (n == NULL) {
			rc = -ENOMEM;
			break;
		}
		text = n;
		got = fread(text + cap, 1, 4095, f);
		cap += got;
		text[cap] = '\0';
		if (got < 4095)
			break;
	}
	fclose(f);
	if (rc == 0)
		rc = cfg_apply_list(cfg, text, "\n", where);
	free(text);
	return rc;
}

/* 1..@max_pages pages; emu_lock held. */
static uint64_t
draw_pages(unsigned int max_pages)
{
	return (1 + (uint64_t)draw() % max_pages) * EMU_PAGE;
}

static void
set_region(struct emu_region *r, uint64_t offset, uint64_t size, bool mmap)
{
	r->offset = offset;
	r->size = size;
	r->window = size;
	r->flags = size == 0 ? 0 :
		VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	if (size != 0 && mmap)
		r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
}

unsigned int
emu_cfg_layout(const char *addr, const struct emu_cfg *cfg,
	       struct emu_region reg[EMU_NR_REGIONS])
{
	unsigned int shift = cfg->layout != LAYOUT_SHIFT ? 0 :
		cfg->shift == SHIFT_RANDOM ? random_shift() : cfg->shift;
	uint64_t sizes[EMU_NR_REGIONS] = { 0 };
	uint64_t at;

	sizes[ISM_BAR_DMB] = cfg->bar0_size;
	sizes[ISM_BAR_CMD] = cfg->bar2_size;
	sizes[VFIO_PCI_CONFIG_REGION_INDEX] = cfg->config_size;
	for (unsigned int i = 0; i < EMU_NR_REGIONS; i++) {
		reg[i].exists = i <= VFIO_PCI_BAR5_REGION_INDEX ||
			i == VFIO_PCI_CONFIG_REGION_INDEX;
		if (cfg->layout == LAYOUT_SHIFT) {
			/* the kernel decodes every offset of the slot to the
			 * index: past a region's end is that region's error */
			set_region(&reg[i], (uint64_t)i << shift, sizes[i],
				   cfg->mmap && i != VFIO_PCI_CONFIG_REGION_INDEX);
			if (reg[i].window < UINT64_C(1) << shift)
				reg[i].window = UINT64_C(1) << shift;
		} else {
			set_region(&reg[i], 0, 0, false);
		}
	}
	if (cfg->layout == LAYOUT_SHIFT)
		return shift;

	/* dynamic: config, BAR 2, BAR 0 at increasing, unrelated offsets */
	pthread_mutex_lock(&emu_lock);
	at = 0x100000 + draw_pages(0x3ffff);
	set_region(&reg[VFIO_PCI_CONFIG_REGION_INDEX], at,
		   cfg->config_size, false);
	at += EMU_PAGE + draw_pages(0xffff);
	set_region(&reg[ISM_BAR_CMD], at, cfg->bar2_size, cfg->mmap);
	at += (cfg->bar2_size + EMU_PAGE - 1) / EMU_PAGE * EMU_PAGE +
		draw_pages(0xfffff);
	set_region(&reg[ISM_BAR_DMB], at, cfg->bar0_size, cfg->mmap);
	pthread_mutex_unlock(&emu_lock);
	emu_log("%s: shift=dynamic: config at %#" PRIx64 ", BAR 2 at %#" PRIx64
		", BAR 0 at %#" PRIx64, addr,
		reg[VFIO_PCI_CONFIG_REGION_INDEX].offset,
		reg[ISM_BAR_CMD].offset, reg[ISM_BAR_DMB].offset);
	return 0;
}

void
emu_fn_aperture(const char *addr, uint64_t *start, uint64_t *end)
{
	struct emu_cfg cfg;

	if (emu_cfg_read(addr, &cfg) < 0)
		cfg_defaults(&cfg);
	*start = cfg.start_dma;
	*end = cfg.end_dma;
}

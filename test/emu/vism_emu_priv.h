/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_EMU_PRIV_H
#define VISM_EMU_PRIV_H

/*
 * Inside the kernel-interface emulation. Objects behind emulated fds:
 *   container  /dev/vfio/vfio: IOMMU type and an IOVA address space
 *   group      /dev/vfio/N: attached to at most one container
 *   iommufd    /dev/iommu: IOAS objects, each an IOVA address space
 *   device     from VFIO_GROUP_GET_DEVICE_FD, or /dev/vfio/devices/vfioN
 *              bound to an iommufd and attached to an IOAS: one model
 *              function
 * Each emulated fd is a real fd (an eventfd nobody reads, made by the lower
 * table) so that fd numbers, fd counting and close-on-exec behave as with
 * the kernel.
 *
 * Files: vism_emu_core.c (fd table, paths, the entry points),
 * vism_emu_cfg.c (per-function settings, region layouts), vism_emu_iommu.c
 * (address spaces), vism_emu_vfio.c (container, groups), vism_emu_iommufd.c
 * (iommufd, IOAS, bind/attach), vism_emu_dev.c (device fds, ioctls),
 * vism_emu_caps.c (GET_INFO capability chain), vism_emu_access.c
 * (pread/pwrite on regions), vism_emu_cmd.c (the command area behind the
 * IOMMU), vism_emu_window.c (DMA memory shared with the model),
 * vism_emu_irq.c (MSI). The lower table (what is not emulated) comes from
 * vism_emu_inproc.c (libc) or vism_emu_preload.c (dlsym(RTLD_NEXT)).
 *
 * Locking: emu_lock guards the registry (fd table, lists, address spaces,
 * windows). A device's lock guards its command channel; it may take
 * emu_lock, never the other way round.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_model.h"
#include "ism_proto.h"
#include "ism_transport.h"
#include "ism_vfio.h"
#include "ism_vfio_uapi.h"
#include "vism_emu.h"

#define EMU_FD_MAX		65536
#define EMU_DEFAULT_SHIFT	48
#define EMU_DEFAULT_FABRIC	"vfio_ism_emu"
#define EMU_CONFIG_MAX		4096
#define EMU_BAR2_SIZE		ISM_CMD_AREA_SIZE
#define EMU_PAGE		4096u
/* what the kernel puts in the zPCI group capability's maxstbl field
 * (ZPCI_MAX_WRITE_SIZE, the generic interpreted write size) */
#define EMU_ZPCI_MAX_WRITE	128
/* The default aperture starts at 4 GiB, as zPCI functions' start_dma
 * does, and ends at the top of a 47-bit user address space, so that a
 * caller using virtual addresses as IOVAs (EAL's IOVA as VA) can map its
 * memory wherever the process has it (under ASan that is near the top). */
#define EMU_DEFAULT_START_DMA	UINT64_C(0x100000000)
#define EMU_DEFAULT_END_DMA	UINT64_C(0x7fffffffffff)
#define EMU_NR_REGIONS		VFIO_PCI_NUM_REGIONS

/* The calls the emulation makes for what it does not emulate, and for the
 * real fds under emulated ones: libc in-process, the next definition of
 * each libc symbol under LD_PRELOAD. Defined by the one of
 * vism_emu_inproc.c and vism_emu_preload.c that is linked in. */
extern const struct ism_vfio_sys *const emu_lower;

enum emu_kind { EMU_CONTAINER = 1, EMU_GROUP, EMU_DEVICE, EMU_IOMMUFD };

/* What a DMA window holds. */
enum emu_win_kind { WIN_SBA, WIN_IEQ, WIN_DMB };

struct emu_obj {
	enum emu_kind kind;
	int fd;
};

/* ------------------------------------------------------------------ */
/* Per-function settings (vism_emu_cfg.c). */

enum emu_layout { LAYOUT_SHIFT, LAYOUT_DYNAMIC };

struct emu_cfg {
	enum emu_layout layout;
	unsigned int shift;		/* LAYOUT_SHIFT: index << shift */
	uint64_t bar0_size, bar2_size;
	uint32_t config_size;		/* 256 or 4096 */
	uint32_t imaxstbl;		/* the store limit the kernel enforces */
	uint32_t maxstbl;		/* the capability's informational field */
	unsigned int cap_version;	/* zPCI group capability: 0 none, 1, 2 */
	uint64_t start_dma, end_dma;	/* DMA aperture, inclusive */
	bool mmap, msi;
	char fabric[ISM_MODEL_NAME_MAX + 1];
};

struct emu_region {
	uint64_t offset, size;
	uint64_t window;		/* offsets from offset on that decode to
					 * this index (index << N layouts: the
					 * 1 << N slot; dynamic: size) */
	uint32_t flags;
	bool exists;			/* the kernel knows the index */
};

/* Defaults, then $VFIO_ISM_EMU_SHIFT/_FABRIC/_DEFAULTS, then
 * <root>/bus/pci/devices/<addr>/ism_emu. 0 or -EINVAL (logged). */
int emu_cfg_read(const char *addr, struct emu_cfg *cfg);
/* The regions of a function with @cfg (dynamic layouts are drawn anew);
 * returns the shift, 0 for a dynamic layout. */
unsigned int emu_cfg_layout(const char *addr, const struct emu_cfg *cfg,
			    struct emu_region reg[EMU_NR_REGIONS]);

/* ------------------------------------------------------------------ */
/* IOVA address spaces (vism_emu_iommu.c), under emu_lock. */

struct emu_map {
	uint64_t vaddr, iova, size;
};

struct emu_as {
	struct emu_map *maps;
	unsigned int nmaps, cap;
	bool limited;			/* start..end applies */
	uint64_t start, end;		/* the aperture, inclusive */
};

/* -EINVAL outside the aperture or misaligned, -EEXIST on overlap. */
int emu_as_map(struct emu_as *as, uint64_t vaddr, uint64_t iova,
	       uint64_t size);
/* Whole mappings inside [iova, iova + size) only: splitting one is
 * -EINVAL. *done: bytes unmapped. */
int emu_as_unmap(struct emu_as *as, uint64_t iova, uint64_t size,
		 uint64_t *done);
/* A free, page-aligned IOVA range of @size inside the aperture. */
int emu_as_alloc(const struct emu_as *as, uint64_t size, uint64_t *iova);
void *emu_as_translate(const struct emu_as *as, uint64_t iova, uint64_t len);
/* Every mapping inside [start, end]. */
bool emu_as_fits(const struct emu_as *as, uint64_t start, uint64_t end);
void emu_as_clear(struct emu_as *as);

/* ------------------------------------------------------------------ */
/* Container and groups (vism_emu_vfio.c). */

struct emu_container {
	struct emu_obj o;
	struct emu_container *next;
	bool closed;
	bool iommu_set;
	unsigned int ngroups;
	struct emu_as as;
};

struct emu_group {
	struct emu_obj o;
	struct emu_group *next;
	int num;
	bool closed;
	struct emu_container *c;
	unsigned int ndevs;
	uint64_t start_dma, end_dma;	/* the group's functions' apertures */
};

/* ------------------------------------------------------------------ */
/* iommufd (vism_emu_iommufd.c). */

struct emu_ioas {
	struct emu_ioas *next;
	uint32_t id;
	unsigned int users;		/* devices attached */
	struct emu_as as;
};

struct emu_iommufd {
	struct emu_obj o;
	struct emu_iommufd *next;
	bool closed;
	unsigned int refs;		/* devices bound */
	uint32_t next_id;		/* object ids: IOAS and devices */
	struct emu_ioas *ioas;
};

/* ------------------------------------------------------------------ */
/* The device (vism_emu_dev.c). */

struct emu_dev {
	struct emu_obj o;
	struct emu_dev *next;
	char addr[32];
	/* the way in: a group, or a cdev bound to an iommufd */
	struct emu_group *g;
	int group_num;			/* IOMMU group of the function, -1 */
	int cdev;			/* N of vfioN, -1: group path */
	bool bound;			/* cdev: BIND_IOMMUFD succeeded */
	struct emu_iommufd *ictx;
	uint32_t devid;
	struct emu_ioas *ioas;		/* cdev: attached IOAS */
	struct emu_cfg cfg;
	unsigned int shift;		/* of the layout; 0: dynamic */
	struct emu_region reg[EMU_NR_REGIONS];
	uint8_t config[EMU_CONFIG_MAX];	/* virtualised config space */
	struct ism_transport *mt;	/* the model function (bound/open) */
	off_t pos;			/* file position for read() */
	int vanish;			/* errno every access fails with */
	int inject_err;
	unsigned int inject_count;
	int load_err;			/* vism_emu_fail_load() */
	unsigned int load_after;
	bool load_armed;
	pthread_mutex_t lock;		/* command channel */
	uint8_t body[ISM_CMD_AREA_SIZE];
	size_t body_len;
	uint8_t ov[ISM_MAX_RESP_LEN];	/* response bytes the IOMMU view */
	unsigned int ov_lo, ov_hi;	/* replaces: [ov_lo, ov_hi) */
	/* MSI forwarding */
	bool irq_on;			/* MSI enabled by SET_IRQS */
	int irq_efd;			/* dup of the user's eventfd */
	int irq_stop;
	pthread_t irq_thread;
	bool irq_running;
	struct vism_emu_stats st;
};

extern pthread_mutex_t emu_lock;

/* vism_emu_core.c */
int emu_new_fd(struct emu_obj *o);	/* with emu_lock held */
void emu_drop_fd(int fd);		/* with emu_lock held */
struct emu_obj *emu_fd_obj(int fd);
const char *emu_root(void);
void emu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A system call's return from a handler's @rc: >= 0 as it is, a negative
 * errno as -1 with errno set, as the kernel's entry code does. */
int emu_sys_ret(int rc);
enum emu_path {
	PATH_NONE, PATH_CONTAINER, PATH_GROUP, PATH_CDEV, PATH_IOMMUFD,
	PATH_MODULE,
};
/* What @path is to the emulation; *num: group or cdev number. */
enum emu_path emu_classify(const char *path, int *num);
/* <root>/kernel/iommu_groups/<N>/ism_emu_eacces exists. */
bool emu_group_denied(int num);

/* vism_emu_vfio.c */
int emu_container_open(void);
int emu_group_open(int num);
int emu_container_ioctl(struct emu_container *c, unsigned long req, void *arg);
int emu_group_ioctl(struct emu_group *g, unsigned long req, void *arg);
void emu_container_close(struct emu_container *c);	/* emu_lock held */
void emu_group_close(struct emu_group *g);		/* emu_lock held */
void emu_group_put_dev(struct emu_group *g);
int emu_group_exists(int num);
/* Is group @num open (the cdev path is blocked then)? emu_lock held. */
bool emu_group_is_open(int num);
void emu_vfio_census(struct vism_emu_census *c);	/* emu_lock held */

/* vism_emu_iommufd.c */
int emu_iommufd_open(void);
int emu_iommufd_ioctl(struct emu_iommufd *x, unsigned long req, void *arg);
void emu_iommufd_close(struct emu_iommufd *x);		/* emu_lock held */
int emu_dev_bind(struct emu_dev *d, void *arg);
int emu_dev_attach(struct emu_dev *d, void *arg);
int emu_dev_detach(struct emu_dev *d, void *arg);
void emu_dev_unbind(struct emu_dev *d);			/* emu_lock held */
void emu_iommufd_census(struct vism_emu_census *c);	/* emu_lock held */

/* vism_emu_dev.c */
int emu_dev_open_group(struct emu_group *g, const char *name);
int emu_dev_open_cdev(int num);
/* Attach the model function; the device becomes visible by address. */
int emu_dev_enable(struct emu_dev *d);
int emu_dev_ioctl(struct emu_dev *d, unsigned long req, void *arg);
void emu_dev_close(struct emu_dev *d);
/* Errno of an injected fault or a vanished function, else 0. */
int emu_dev_fault(struct emu_dev *d);
/* Is a device of group @num bound through its cdev? emu_lock held. */
bool emu_dev_group_cdev_bound(int num);
/* Is a device bound to @x with device id @id? emu_lock held. */
bool emu_dev_bound_as(const struct emu_iommufd *x, uint32_t id);
/* Is function @addr open through any path? emu_lock held. */
bool emu_dev_addr_busy(const char *addr);
/* Where the apertures of the devices attached to @a meet; false if none
 * is. emu_lock held. */
bool emu_dev_ioas_aperture(const struct emu_ioas *a, uint64_t *start,
			   uint64_t *end);
/* The address space DMA of @d goes through; NULL: none. emu_lock held. */
struct emu_as *emu_dev_as(struct emu_dev *d);
/* IOVA range -> CPU address through @d's IOMMU; NULL if unmapped. */
void *emu_iommu_translate(struct emu_dev *d, uint64_t iova, uint64_t len);
/* Aperture of the function @addr from its settings (defaults if it has
 * none that parse). */
void emu_fn_aperture(const char *addr, uint64_t *start, uint64_t *end);

/* vism_emu_caps.c */
int emu_dev_get_info(struct emu_dev *d, struct vfio_device_info *info);

/* vism_emu_access.c */
ssize_t emu_dev_pread(struct emu_dev *d, void *buf, size_t n, uint64_t off);
ssize_t emu_dev_pwrite(struct emu_dev *d, const void *buf, size_t n,
		       uint64_t off);
void emu_config_init(struct emu_dev *d);

/* vism_emu_cmd.c: the command area with the IOMMU in front of the model */
int emu_cmd_store(struct emu_dev *d, uint64_t off, const void *buf,
		  size_t len);
int emu_cmd_load(struct emu_dev *d, uint64_t off, void *buf, size_t len);
void emu_cmd_close(struct emu_dev *d);

/* vism_emu_window.c: DMA memory shared between user space and the model */
int emu_window_open(struct emu_dev *d, int kind, uint64_t iova, uint64_t len,
		    uint64_t *model_iova);
void emu_window_set_tok(struct emu_dev *d, int kind, uint64_t iova,
			uint64_t tok);
void emu_window_close(struct emu_dev *d, int kind, uint64_t tok_or_iova);
void emu_window_close_all(struct emu_dev *d);
uint64_t emu_window_bus_iova(struct emu_dev *d, int kind, uint64_t model_iova);
unsigned int emu_window_count(void);

/* vism_emu_irq.c: MSI -> eventfd */
int emu_irq_enable(struct emu_dev *d, int efd);
void emu_irq_disable(struct emu_dev *d);
unsigned int emu_irq_threads(void);

#endif /* VISM_EMU_PRIV_H */

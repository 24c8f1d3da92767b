/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_EMU_PRIV_H
#define VISM_EMU_PRIV_H

/*
 * Inside the kernel-interface emulation. Objects behind emulated fds:
 *   container  /dev/vfio/vfio: IOMMU type and the IOVA -> vaddr mappings
 *   group      /dev/vfio/N: attached to at most one container
 *   device     from VFIO_GROUP_GET_DEVICE_FD: one model function
 * Each emulated fd is a real fd (an eventfd nobody reads) so that fd
 * numbers, fd counting and close-on-exec behave as with the kernel.
 *
 * Locking: emu_lock guards the registry (fd table, lists, mappings,
 * windows). A device's lock guards its command channel; it may take
 * emu_lock, never the other way round.
 */

#include <linux/vfio.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_proto.h"
#include "ism_transport.h"
#include "vism_emu.h"

#define EMU_FD_MAX		65536
#define EMU_DEFAULT_SHIFT	48
#define EMU_DEFAULT_FABRIC	"vfio_ism_emu"
#define EMU_CONFIG_SIZE		256
#define EMU_BAR2_SIZE		ISM_CMD_AREA_SIZE

enum emu_kind { EMU_CONTAINER = 1, EMU_GROUP, EMU_DEVICE };

/* What a DMA window holds. */
enum emu_win_kind { WIN_SBA, WIN_IEQ, WIN_DMB };

struct emu_obj {
	enum emu_kind kind;
	int fd;
};

struct emu_map {
	uint64_t vaddr, iova, size;
};

struct emu_container {
	struct emu_obj o;
	struct emu_container *next;
	bool closed;
	bool iommu_set;
	unsigned int ngroups;
	struct emu_map *maps;
	unsigned int nmaps, cap;
};

struct emu_group {
	struct emu_obj o;
	struct emu_group *next;
	int num;
	bool closed;
	struct emu_container *c;
	unsigned int ndevs;
};

struct emu_region {
	uint64_t offset, size;
	uint32_t flags;
	bool exists;
};

struct emu_dev {
	struct emu_obj o;
	struct emu_dev *next;
	char addr[32];
	struct emu_group *g;
	unsigned int shift;
	struct emu_region reg[VFIO_PCI_NUM_REGIONS];
	uint16_t maxstbl;		/* 0: no zPCI group capability */
	bool msi;
	struct ism_transport *mt;	/* the model function */
	int vanish;			/* errno every access fails with */
	int inject_err;
	unsigned int inject_count;
	pthread_mutex_t lock;		/* command channel */
	uint8_t body[ISM_CMD_AREA_SIZE];
	size_t body_len;
	uint8_t ov[ISM_MAX_RESP_LEN];	/* response bytes the IOMMU view */
	unsigned int ov_lo, ov_hi;	/* replaces: [ov_lo, ov_hi) */
	/* MSI forwarding */
	int irq_efd;			/* dup of the user's eventfd */
	int irq_stop;
	pthread_t irq_thread;
	bool irq_running;
	struct vism_emu_stats st;
};

extern pthread_mutex_t emu_lock;

/* vism_emu_sys.c: libc underneath */
int emu_real_close(int fd);
int emu_new_fd(struct emu_obj *o);
struct emu_obj *emu_fd_obj(int fd);
const char *emu_root(void);
void emu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vism_emu_vfio.c: container and group */
int emu_container_open(void);
int emu_group_open(int num);
int emu_container_ioctl(struct emu_container *c, unsigned long req, void *arg);
int emu_group_ioctl(struct emu_group *g, unsigned long req, void *arg);
void emu_container_close(struct emu_container *c);
void emu_group_close(struct emu_group *g);
void emu_group_put_dev(struct emu_group *g);
/* IOVA range -> CPU address through @g's container; NULL if unmapped. */
void *emu_iommu_translate(struct emu_group *g, uint64_t iova, uint64_t len);
void emu_vfio_census(struct vism_emu_census *c);
int emu_group_exists(int num);

/* vism_emu_dev.c: the device fd */
int emu_dev_open(struct emu_group *g, const char *name);
int emu_dev_ioctl(struct emu_dev *d, unsigned long req, void *arg);
ssize_t emu_dev_pread(struct emu_dev *d, void *buf, size_t n, uint64_t off);
ssize_t emu_dev_pwrite(struct emu_dev *d, const void *buf, size_t n,
		       uint64_t off);
void emu_dev_close(struct emu_dev *d);
struct emu_dev *emu_dev_find(const char *addr);
unsigned int emu_dev_count(void);
int emu_vanished(const char *addr);

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

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_VFIO_H
#define ISM_VFIO_H

/**
 * @file
 * The vfio transport of lib/ism: an ISM function bound to the kernel's
 * ism_vfio_pci driver, reached with libc alone (no DPDK), as on a real
 * IBM Z machine.
 *
 *  - sysfs: vendor/device, the bound driver and the IOMMU group are checked
 *    first; a refusal says what is wrong and the command that fixes it.
 *  - Two ways in: the vfio cdev (/dev/vfio/devices/vfioN) bound to an
 *    iommufd (/dev/iommu) with one IOAS, or the legacy group
 *    (/dev/vfio/N) in a type1v2 container. ISM_VFIO_PATH_AUTO takes the
 *    cdev when the kernel offers one (sysfs .../vfio-dev/vfioN).
 *  - Region offsets and sizes only from VFIO_DEVICE_GET_REGION_INFO: any
 *    layout works, index << 48 as ism_vfio_pci has it or fully dynamic.
 *    Nothing is ever mmapped from the device.
 *  - The store limit from VFIO_DEVICE_INFO_CAP_ZPCI_GROUP: imaxstbl when
 *    the capability's version is >= 2 (capped at 4096), else 4096. Its
 *    maxstbl field (128, the generic write size) is never used.
 *  - DMA memory (SBA, IEQ, DMBs) of its own: page-aligned, mapped for the
 *    device at IOVAs inside the function's aperture
 *    (VFIO_DEVICE_INFO_CAP_ZPCI_BASE start_dma..end_dma).
 *  - The MSI through VFIO_DEVICE_SET_IRQS into an eventfd.
 *  - One pwrite per store, checked before the syscall; loads of at most 8
 *    bytes; EINTR retried; ENODEV/EIO reported, never fatal.
 *
 * Every system call goes through one table (struct ism_vfio_sys), libc by
 * default, so that tests run this exact code against an emulation of the
 * kernel interface.
 *
 * Thread safety: a transport from ism_vfio_open() follows the contract of
 * ism_transport.h (stores and loads from any thread; lib/ism serialises
 * commands). The sysfs calls keep no state and may run anywhere. On an
 * attached ism_vfio_dev, stores, loads, config reads and the counters may
 * run from any number of threads at once; attach and detach must not race
 * with any other call on it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The kernel driver an ISM function must be bound to. */
#define ISM_VFIO_KDRV		"ism_vfio_pci"
/** Environment variable naming the sysfs root (default "/sys"); shared by
 * lib/ism and the vfio_ism DPDK bus. Tests point it at a fake tree. */
#define ISM_VFIO_SYSFS_ENV	"VFIO_ISM_SYSFS_ROOT"
/** vfio regions lib/ism knows: BARs 0..5, ROM, config (7), VGA. */
#define ISM_VFIO_NR_REGIONS	9
/** The vfio region index of PCI config space. */
#define ISM_VFIO_CONFIG_REGION	7

/**
 * The system calls of the transport. Each member behaves like the libc
 * call of the same name (returns -1 and sets errno on failure), and may
 * be called from any thread that uses the transport.
 * ism_vfio_sys_libc is the default; a test passes its own.
 */
struct ism_vfio_sys {
	int (*open)(const char *path, int flags, mode_t mode); /**< open(2) */
	int (*close)(int fd);			/**< close(2) */
	int (*ioctl)(int fd, unsigned long req, void *arg); /**< ioctl(2) */
	ssize_t (*read)(int fd, void *buf, size_t len);	/**< read(2) */
	/** pread(2) */
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	/** pwrite(2): one call is one store */
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	/** readlink(2) */
	ssize_t (*readlink)(const char *path, char *buf, size_t len);
	int (*eventfd)(unsigned int initval, int flags); /**< eventfd(2) */
	/** mmap(2), for DMA memory only (never of the device) */
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);	/**< munmap(2) */
};
/** The system calls of libc: the default of every call that takes a table. */
extern const struct ism_vfio_sys ism_vfio_sys_libc;

/** How to open the function. */
enum ism_vfio_path {
	ISM_VFIO_PATH_AUTO = 0,	/**< cdev + iommufd when present, else group */
	ISM_VFIO_PATH_CDEV,	/**< /dev/vfio/devices/vfioN + /dev/iommu */
	ISM_VFIO_PATH_GROUP,	/**< /dev/vfio/N + /dev/vfio/vfio (type1v2) */
};

/** "auto", "cdev", "group": the names programs take for a path (--path);
 * "unknown" for a value outside the enum. */
const char *ism_vfio_path_name(enum ism_vfio_path path);
/** The path named @p name (as ism_vfio_path_name() writes it); 0, or
 * -EINVAL for any other name. */
int ism_vfio_path_parse(const char *name, enum ism_vfio_path *path);

/** Options of ism_vfio_open(); all zero is the default. */
struct ism_vfio_opts {
	enum ism_vfio_path path; /**< how to open it */
	bool hugepages;		/**< back DMA memory with hugepages */
	bool no_irq;		/**< do not wire the MSI (poll only) */
	const char *sysfs_root;	/**< NULL: $VFIO_ISM_SYSFS_ROOT, else /sys */
	const struct ism_vfio_sys *sys;	/**< NULL: ism_vfio_sys_libc */
};

/**
 * Open the ISM function @p pci_addr ("0000:00:01.0", or "00:01.0" for
 * domain 0) and return a lib/ism transport for ism_dev_open(). @p opts may
 * be NULL (all defaults). Returns 0 or a negative errno:
 *   -ENODEV  not an ISM function, absent, or not bound to ism_vfio_pci
 *   -EACCES  no permission on the vfio/iommufd device nodes
 *   -EBUSY   another process holds the group or device
 *   -ENOTSUP the requested path is not offered by this kernel
 *   -EINVAL  bad address or options; the kernel's answers make no sense
 * Each refusal is logged with what is wrong and the fix. Other errnos of
 * the kernel's answers (e.g. -ENOMEM) are passed on.
 */
int ism_vfio_open(const char *pci_addr, const struct ism_vfio_opts *opts,
		  struct ism_transport **tp);

/** Where the store limit came from. */
enum ism_vfio_store_src {
	ISM_VFIO_STORE_IMAXSTBL,	/**< zPCI group capability version >= 2 */
	ISM_VFIO_STORE_DEFAULT_V1,	/**< capability version 1: 4096 */
	ISM_VFIO_STORE_DEFAULT_NOCAP,	/**< no zPCI group capability: 4096 */
	ISM_VFIO_STORE_DEFAULT_ZERO,	/**< version >= 2 but imaxstbl 0: 4096 */
};

/** One region of the device fd, as VFIO_DEVICE_GET_REGION_INFO told. */
struct ism_vfio_region {
	uint64_t offset;	/**< in the device fd */
	uint64_t size;		/**< bytes */
	uint32_t flags;		/**< VFIO_REGION_INFO_FLAG_* */
	bool present;		/**< the kernel knows the index */
};

/** What the kernel said about an open function. */
struct ism_vfio_info {
	char pci_addr[16];		/**< DDDD:BB:DD.F */
	enum ism_vfio_path path;	/**< the way it was opened */
	char dev_node[64];		/**< /dev/vfio/devices/vfioN or /dev/vfio/N */
	int iommu_group;		/**< -1 when unknown */
	uint32_t max_store;		/**< the store limit in use */
	enum ism_vfio_store_src store_src; /**< where max_store came from */
	uint8_t cap_version;		/**< zPCI group capability, 0: absent */
	uint16_t cap_maxstbl;		/**< as reported, informational only */
	uint16_t cap_imaxstbl;		/**< as reported */
	bool aperture_known;		/**< zPCI base capability present */
	/** @{ the DMA aperture (inclusive): start_dma .. end_dma */
	uint64_t start_dma, end_dma;
	/** @} */
	bool msi;			/**< MSI wired to the eventfd */
	/** the regions, by vfio index */
	struct ism_vfio_region region[ISM_VFIO_NR_REGIONS];
};

/** Counters of one open function. */
struct ism_vfio_stats {
	uint64_t stores;	/**< pwrite calls that succeeded */
	uint64_t loads;		/**< pread calls that succeeded */
	uint64_t retries;	/**< EINTR/EAGAIN retried */
	uint64_t refused;	/**< accesses refused before any syscall */
	uint64_t errors;	/**< accesses the kernel failed */
	uint64_t dma_maps;	/**< DMA mappings alive now */
};

/**
 * What the kernel said about the function of a transport. Any thread.
 *
 * @return 0, or -EINVAL if @p t is not a transport of ism_vfio_open().
 */
int ism_vfio_info_get(const struct ism_transport *t,
		      struct ism_vfio_info *info);
/**
 * The counters of the function of a transport. Any thread; each counter
 * is read on its own.
 *
 * @return 0, or -EINVAL if @p t is not a transport of ism_vfio_open().
 */
int ism_vfio_stats_get(const struct ism_transport *t,
		       struct ism_vfio_stats *st);

/* ------------------------------------------------------------------ */
/* sysfs: what state a function is in, and the fix when it is unusable. */

/** The state of a function in sysfs: usable, or what stands in the way. */
enum ism_vfio_fn_state {
	ISM_VFIO_FN_USABLE = 0,		/**< ISM, on ism_vfio_pci, in a group */
	ISM_VFIO_FN_ABSENT,		/**< no such PCI device */
	ISM_VFIO_FN_NOT_ISM,		/**< another vendor/device */
	ISM_VFIO_FN_UNBOUND,		/**< no driver bound */
	ISM_VFIO_FN_KERNEL_ISM,		/**< bound to the kernel's ism (SMC-D) */
	ISM_VFIO_FN_VFIO_PCI,		/**< generic vfio-pci: cannot reach BAR 0 */
	ISM_VFIO_FN_OTHER_DRIVER,	/**< bound to some other driver */
	ISM_VFIO_FN_NO_GROUP,		/**< no iommu_group link */
	ISM_VFIO_FN_BAD_GROUP,		/**< iommu_group link is not a number */
};

/** One PCI function as sysfs shows it. */
struct ism_vfio_fn {
	char addr[16];			/**< DDDD:BB:DD.F */
	/** @{ PCI vendor and device id */
	uint16_t vendor, device;
	/** @} */
	char driver[64];		/**< "" when unbound */
	int iommu_group;		/**< -1: none */
	int cdev;			/**< N of /dev/vfio/devices/vfioN, -1 */
	int numa_node;			/**< -1: unknown */
	enum ism_vfio_fn_state state;	/**< usable, or why not */
	char why[512];			/**< "" when usable; else what and the fix */
};

/** The sysfs root in use: @p root if non-NULL, else $VFIO_ISM_SYSFS_ROOT,
 * else "/sys". */
const char *ism_vfio_sysfs_root(const char *root);
/**
 * Look at one function in sysfs (nothing is opened). @p sysfs_root as
 * ism_vfio_sysfs_root() takes it.
 *
 * @return 0 (see fn->state), or a negative errno: -EINVAL when
 *   @p pci_addr is not a PCI address, -ENAMETOOLONG for a root too long
 *   for a path.
 */
int ism_vfio_fn_probe(const char *sysfs_root, const char *pci_addr,
		      struct ism_vfio_fn *fn);
/**
 * Call @p cb for every ISM function (1014:04ed) in sysfs, sorted by
 * address; stops at the first non-zero return of @p cb and returns it.
 * Returns the number of functions seen (0: sysfs shows none), or a
 * negative errno (logged) when ROOT/bus/pci/devices cannot be listed,
 * e.g. -ENOENT for a root that is not there.
 */
int ism_vfio_fn_list(const char *sysfs_root,
		     int (*cb)(void *arg, const struct ism_vfio_fn *fn),
		     void *arg);
/** Short name of a state ("usable", "unbound", ...; "unknown" outside the
 * enum). */
const char *ism_vfio_fn_state_name(enum ism_vfio_fn_state s);

/* ------------------------------------------------------------------ */
/**
 * @struct ism_vfio_dev
 * For frameworks that open the device fd themselves (DPDK's EAL owns the
 * group, the container and the DMA mappings of its memory): the region
 * table, store limit and checked access of this transport, on @p fd. The fd
 * stays the caller's. This is the one store path and the one region-info
 * parser of the project; ism_vfio_open() is built on it.
 */
struct ism_vfio_dev;

/**
 * Read the region table and the zPCI capabilities of an open vfio device
 * fd and check that it is an ISM function (BAR 0 of 2^48 bytes, writable;
 * BAR 2 readable and writable).
 *
 * @param fd  the vfio device fd; it stays the caller's
 * @param name  for messages (the PCI address); copied
 * @param sys  the system calls; NULL: ism_vfio_sys_libc
 * @param[out] devp  the attached device; NULL on failure
 * @return 0; -EINVAL for fd < 0, a NULL name, or region info that makes no
 *   sense; -ENODEV when the BARs are not an ISM function's or the device
 *   is gone; -ENOMEM; the errno of a failed ioctl.
 */
int ism_vfio_dev_attach(int fd, const char *name,
			const struct ism_vfio_sys *sys,
			struct ism_vfio_dev **devp);
/** Free what attach made; the fd is not closed. */
void ism_vfio_dev_detach(struct ism_vfio_dev *d);
/**
 * One PCISTB: 1..max_store bytes, not crossing 4 KiB, inside the BAR; one
 * pwrite.
 *
 * @return 0; -EINVAL when the store breaks a rule (refused before any
 *   system call, counted in refused); -ENODEV once the function is gone;
 *   -EIO for a short write; the kernel's errno of a failed pwrite.
 */
int ism_vfio_dev_store(struct ism_vfio_dev *d, unsigned int bar,
		       uint64_t off, const void *buf, size_t len);
/**
 * One load of 1..8 bytes, not crossing 4 KiB, inside the BAR; one pread.
 *
 * @return as ism_vfio_dev_store().
 */
int ism_vfio_dev_load(struct ism_vfio_dev *d, unsigned int bar,
		      uint64_t off, void *buf, size_t len);
/**
 * Read config space (at most 4 bytes per access, naturally aligned; a
 * longer read is split).
 *
 * @return 0; -ENODEV once the function is gone; -EINVAL when the kernel
 *   reports no readable config region; -EFAULT past the end of config
 *   space; the kernel's errno of a failed pread.
 */
int ism_vfio_dev_config_read(struct ism_vfio_dev *d, uint32_t off,
			     void *buf, size_t len);
/** The info (path/dev_node/msi are the caller's business there). Valid
 * until detach. */
const struct ism_vfio_info *ism_vfio_dev_info(const struct ism_vfio_dev *d);
/** The counters of the attached device; dma_maps is the caller's (0). */
void ism_vfio_dev_stats(const struct ism_vfio_dev *d,
			struct ism_vfio_stats *st);
/** errno the function vanished with (ENODEV), 0 while it is there. */
int ism_vfio_dev_gone(const struct ism_vfio_dev *d);

#ifdef __cplusplus
}
#endif

#endif /* ISM_VFIO_H */

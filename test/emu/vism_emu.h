/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_EMU_H
#define VISM_EMU_H

/*
 * An emulation of the kernel interface of the ism_vfio_pci driver, with
 * the software ISM model as the device behind it (ISM-SPEC.md section 5):
 * the vfio container (/dev/vfio/vfio) and groups (/dev/vfio/N), the
 * iommufd (/dev/iommu) and vfio cdevs (/dev/vfio/devices/vfioN), and the
 * ism_vfio_pci device fds. It is active when VFIO_ISM_SYSFS_ROOT names a
 * fake sysfs tree (vism_sysfs.h); every other path and fd is passed on.
 *
 * Two ways to use it, over one core:
 *  - in-process (libvism_emu.a, any build, also static s390x binaries):
 *    vism_emu_sys() is a struct ism_vfio_sys for lib/ism's vfio transport;
 *    vism_emu_open() ... are the same entry points for raw use. What is
 *    not emulated goes to ism_vfio_sys_libc.
 *  - interposed (hosts with dlsym): the libc symbols open, close, ioctl,
 *    pread, pwrite, stat, access and their variants are replaced, linked
 *    into a test executable (exported with -rdynamic) or preloaded
 *    (LD_PRELOAD=libvfio_ism_emu.so) into an unmodified dpdk-testpmd.
 *    What is not emulated goes to the next definition (libc).
 *
 * Environment, read when a device is opened:
 *   VFIO_ISM_EMU_SHIFT     region layout: N (index << N, 32..58; default
 *                          48, ism_vfio_pci's; 40 is generic vfio-pci's),
 *                          "random" (one N in 41..56 per process, printed)
 *                          or "dynamic" (unrelated page-aligned offsets,
 *                          drawn per open, printed)
 *   VFIO_ISM_EMU_FABRIC    the model fabric the functions attach to
 *                          (default "vfio_ism_emu"; ISM_MODEL_DIR says where)
 *   VFIO_ISM_EMU_DEFAULTS  "key=value,..." applied to every function
 *                          before its own file
 * Per function, key=value lines in <sysfs>/bus/pci/devices/<addr>/ism_emu:
 *   shift=N|random|dynamic  imaxstbl=N (the store limit, default 4096)
 *   maxstbl=N (the capability's informational field, default 128)
 *   cap_version=0|1|2 (zPCI group capability: none, without imaxstbl,
 *   with it; default 2)  aperture=START-END (hex, inclusive; default
 *   0x100000000-0x7fffffffffff)  config_size=256|4096  bar0_size=N
 *   bar2_size=N  mmap=1 (claim MMAP, which callers must ignore)  msi=0
 *   fabric=NAME
 */

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ism_vfio_sys;

struct vism_emu_stats {
	uint64_t pwrites;	/* pwrite calls on the device fd */
	uint64_t preads;	/* pread (and read) calls on the device fd */
	uint64_t loads[4];	/* BAR loads of 1, 2, 4, 8 bytes */
	uint64_t cfg_pieces[3];	/* config space accesses of 1, 2, 4 bytes */
	uint64_t stores;	/* PCISTBs that reached the model */
	uint64_t einval;	/* accesses refused with EINVAL */
	uint64_t efault;	/* config accesses refused with EFAULT */
	uint64_t pwrite_max;	/* largest store that reached the model */
	uint64_t ioctls;
	uint64_t irqs;		/* MSIs forwarded to the eventfd */
};

/* Counters of the open device of @addr; -ENOENT if none is open. */
int vism_emu_stats(const char *addr, struct vism_emu_stats *st);
/* From now on every access to @addr's device fd fails with @err (ENODEV,
 * EIO; 0 brings it back). Also applies to fds opened later. */
int vism_emu_vanish(const char *addr, int err);
/* The next @count preads/pwrites on @addr's device fd fail with @err
 * (EINTR, EAGAIN, ...) before reaching the device. */
int vism_emu_inject(const char *addr, int err, unsigned int count);
/* After @after more successful BAR loads, the next load of @addr's device
 * fails with @err (once): a pread that made progress fails as a whole. */
int vism_emu_fail_load(const char *addr, int err, unsigned int after);
/* GID of the model function behind @addr's open device, 0 if none. */
uint64_t vism_emu_gid(const char *addr);
/* Region shift of @addr's open device; 0 if none or dynamic. */
unsigned int vism_emu_shift(const char *addr);

/* Objects alive now, for leak checks. */
struct vism_emu_census {
	unsigned int containers, groups, devices;
	unsigned int iommufds;
	unsigned int ioas;
	unsigned int dma_maps;	/* IOVA mappings in containers and IOAS */
	unsigned int windows;	/* DMA windows shared with the model */
	unsigned int irq_threads;
};
void vism_emu_census(struct vism_emu_census *c);

/*
 * The in-process entry points (libvism_emu.a): each behaves like the libc
 * call of its name, handles emulated paths and fds and passes everything
 * else to ism_vfio_sys_libc.
 */
int vism_emu_open(const char *path, int flags, mode_t mode);
int vism_emu_close(int fd);
int vism_emu_ioctl(int fd, unsigned long req, void *arg);
ssize_t vism_emu_read(int fd, void *buf, size_t len);
ssize_t vism_emu_pread(int fd, void *buf, size_t len, off_t off);
ssize_t vism_emu_pwrite(int fd, const void *buf, size_t len, off_t off);
void *vism_emu_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);
/* The syscall table of lib/ism's vfio transport over these. */
const struct ism_vfio_sys *vism_emu_sys(void);

#ifdef __cplusplus
}
#endif

#endif /* VISM_EMU_H */

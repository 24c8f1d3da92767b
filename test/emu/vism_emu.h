/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_EMU_H
#define VISM_EMU_H

/*
 * An emulation of the kernel interface the vfio_ism bus uses: the vfio
 * container (/dev/vfio/vfio), groups (/dev/vfio/N) and ism_vfio_pci device
 * fds, following ISM-SPEC.md section 5, with the software ISM model as the
 * device behind it. It replaces only the syscall layer (open, close, ioctl,
 * pread, pwrite, stat, access and their variants) by symbol interposition:
 * linked into a test executable (exported with -rdynamic) or preloaded
 * (LD_PRELOAD=libvfio_ism_emu.so) into an unmodified dpdk-testpmd.
 *
 * It is active when VFIO_ISM_SYSFS_ROOT names a fake sysfs tree (see
 * vism_sysfs.h); every other path and fd goes to libc untouched.
 *
 * Environment, read when a device fd is opened:
 *   VFIO_ISM_EMU_SHIFT   region offset shift: index << SHIFT (default 48,
 *                        ism_vfio_pci's; 40 is generic vfio-pci's;
 *                        "random" picks one in 41..56 and prints it)
 *   VFIO_ISM_EMU_FABRIC  the model fabric the functions attach to
 *                        (default "vfio_ism_emu"; ISM_MODEL_DIR says where)
 * Per function, key=value lines in <sysfs>/bus/pci/devices/<addr>/ism_emu:
 *   shift=N maxstbl=N (0: no zPCI group capability) bar0_size=N
 *   bar2_size=N mmap=1 (claim MMAP, which the bus must ignore) msi=0
 *   fabric=NAME
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vism_emu_stats {
	uint64_t pwrites;	/* pwrite calls on the device fd */
	uint64_t preads;	/* pread calls on the device fd */
	uint64_t loads[4];	/* device loads of 1, 2, 4, 8 bytes */
	uint64_t stores;	/* PCISTBs that reached the model */
	uint64_t einval;	/* accesses refused with EINVAL */
	uint64_t ioctls;
	uint64_t irqs;		/* MSIs forwarded to the eventfd */
};

/* Counters of the open device fd of @addr; -ENOENT if none is open. */
int vism_emu_stats(const char *addr, struct vism_emu_stats *st);
/* From now on every access to @addr's device fd fails with @err (ENODEV,
 * EIO; 0 brings it back). Also applies to fds opened later. */
int vism_emu_vanish(const char *addr, int err);
/* The next @count preads/pwrites on @addr's device fd fail with @err
 * (EINTR, EAGAIN, ...) before reaching the device. */
int vism_emu_inject(const char *addr, int err, unsigned int count);
/* GID of the model function behind @addr's open device fd, 0 if none. */
uint64_t vism_emu_gid(const char *addr);
/* Region shift of @addr's open device, 0 if none. */
unsigned int vism_emu_shift(const char *addr);

/* Objects alive now, for leak checks. */
struct vism_emu_census {
	unsigned int containers, groups, devices;
	unsigned int dma_maps;	/* IOVA mappings in all containers */
	unsigned int windows;	/* DMA windows shared with the model */
	unsigned int irq_threads;
};
void vism_emu_census(struct vism_emu_census *c);

#ifdef __cplusplus
}
#endif

#endif /* VISM_EMU_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MODEL_FABRIC_H
#define MODEL_FABRIC_H

/*
 * Layout of the fabric file and the process-local handles on it.
 *
 *   [ header | function slots | page owner map | DMA heap ]
 *
 * Everything in the file is addressed by offsets (each process maps it at
 * its own address). The header and slots are host-endian model state; the
 * heap holds device-visible memory (SBA, IEQ, DMBs) in the device's
 * big-endian format. IOVAs are heap offsets plus MODEL_IOVA_BASE.
 *
 * Locks are POSIX record locks on the file, so the kernel drops them when a
 * process dies: byte 0 serialises command execution fabric-wide, byte 1+slot
 * is held by the process owning a slot for as long as it lives.
 */

#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdint.h>
#include <string.h>

#include "ism_proto.h"
#include "ism_model.h"

#define MODEL_MAGIC		"ISMFABRC"
#define MODEL_VERSION		4u	/* 2: ieq_unread beside ieq_next,
					 * 3: retired and keep,
					 * 4: hazard slots, DMB_FENCED */
/* What QUERY_INFO reports as the device's version: the command set, not
 * the fabric file's layout. */
#define MODEL_DEVICE_VERSION	1u
#define MODEL_PAGE		4096u
#define MODEL_IOVA_BASE		UINT64_C(0x100000000)
#define MODEL_TOK_SLOT_SHIFT	11	/* token bits 32..47: slot << 11 | sba_idx */
#define MODEL_LOCK_CMD		0
#define MODEL_LOCK_SLOT(s)	(1 + (s))
#define MODEL_LOCK_TIMEOUT_MS	5000
#define MODEL_UNREG_WAIT_MS	1000
#define MODEL_HAZARDS		32	/* writer threads of a function that
					 * announce stores by hazard */

enum model_slot_state {
	SLOT_FREE = 0,
	SLOT_ACTIVE = 1,
	SLOT_REAPING = 2,	/* being released; a dead reaper left it so */
};

/* A DMB's state word: free, or registered, with DMB_FENCED if its owner's
 * process can issue the barrier that stores announced by hazard need
 * (model_fence.c); one word, so a writer reads both at once. */
enum model_dmb_state {
	DMB_FREE = 0,
	DMB_REGISTERED = 1,
	DMB_FENCED = 2,
};

struct model_dmb {
	uint32_t state;		/* enum model_dmb_state bits */
	uint32_t busy;		/* stores in flight by the rgid function that
				 * are not announced by hazard */
	uint64_t rgid;
	uint64_t heap_off;	/* of the DMB memory, from the heap start */
	uint32_t len;
	uint16_t vlan_id;
	uint8_t vlan_valid;
	uint8_t pad;
};

struct model_slot {
	uint32_t state;
	int32_t pid;
	uint64_t gid;
	uint64_t sba_off;	/* heap offset + 1; 0 = not registered */
	uint64_t ieq_off;	/* heap offset + 1; 0 = not registered */
	uint16_t ieq_next;	/* next IEQ entry the device writes */
	uint16_t ieq_unread;	/* posted since the owner cleared e, <= 16 */
	uint32_t vlan_required;
	uint32_t vlan_nr;
	uint32_t dmbs_used;
	uint16_t vlan_ids[ISM_MAX_VLAN_IDS];
	uint64_t ieq_overruns;
	uint64_t events_dropped;	/* no IEQ registered */
	char label[ISM_MODEL_LABEL_MAX + 1];
	uint64_t peers;			/* slots that shared a DMB with us */
	/* The process registered for membarrier's expedited global barrier:
	 * its stores may be announced in hazard[] (model_fence.c). */
	uint32_t fences;
	/* By writer thread: the token bits 32..47 (MODEL_TOK_SLOT_SHIFT) of
	 * the DMB it is storing into, 0 when none. */
	uint32_t hazard[MODEL_HAZARDS];
	struct model_dmb dmbs[ISM_NR_SBA_BITS];	/* by SBA index */
};

struct model_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint32_t max_slots;
	uint32_t slot_size;
	uint64_t file_size;
	uint64_t slots_off;
	uint64_t owner_off;	/* one byte per heap page: slot + 1, 0 = free */
	uint64_t heap_off;
	uint64_t heap_pages;
	uint64_t gid_base;
	uint32_t checksum;	/* of all the fields above */
	uint32_t pad;
	/* mutable */
	uint64_t gid_gen;
	uint64_t attaches;
	uint64_t reaps;
	/* Set under the fabric lock by whoever removes the file (the last
	 * function's detach, ism_model_fabric_remove()): a process that
	 * opened the file before it went finds the mark once it holds the
	 * lock, and opens the name again. */
	uint32_t retired;
	uint32_t keep;		/* an attach asked to keep the fabric */
};

/* One mapping of a fabric in this process, shared by its functions. */
struct model_fabric {
	struct model_fabric *next;
	char name[ISM_MODEL_NAME_MAX + 1];
	char path[256];
	int fd;
	int dir_fd;			/* the FIFO directory, checked */
	gid_t owner_gid;		/* of the fabric file */
	bool shared;			/* group access allowed */
	int guard;			/* model_guard.c entry, -1 = none */
	const int *cut;			/* its flag: guard_flag() */
	bool cut_reported;
	uint8_t *base;
	size_t size;
	struct model_hdr *hdr;
	struct model_slot *slots;
	uint8_t *owner;
	uint8_t *heap;
	uint64_t heap_len;		/* from the header as checked at open */
	unsigned int refs;
	pthread_mutex_t cmd_lock;	/* threads of this process */
	pthread_mutex_t irq_lock;	/* irq_fds */
	int irq_fds[ISM_MODEL_MAX_FUNCTIONS];	/* writer ends, by slot */
	uint64_t irq_gids[ISM_MODEL_MAX_FUNCTIONS];
	uint64_t irq_refused[ISM_MODEL_MAX_FUNCTIONS];	/* GID last warned of */
	pthread_t reaper;
	int reaper_pipe[2];		/* closing [1] stops the reaper */
	bool reaper_running;
};

/* One attached function: the transport handed to lib/ism. */
struct model_fn {
	struct ism_transport base;	/* first: container_of by cast */
	struct model_fabric *fab;
	unsigned int slot;
	uint64_t gid;
	bool fences;			/* = its slot's fences */
	uint32_t *hazard;		/* its slot's hazard[] */
	uintptr_t hazard_tid[MODEL_HAZARDS];	/* the thread of each, 0 = free */
	int irq_fd;			/* reader end of this function's FIFO */
	char label[ISM_MODEL_NAME_MAX + 32];
	uint8_t body[ISM_CMD_AREA_SIZE];
	size_t body_len;
	uint8_t resp[ISM_CMD_AREA_SIZE];
	size_t resp_len;
};

static inline struct model_slot *
fab_slot(struct model_fabric *f, unsigned int slot)
{
	return &f->slots[slot];
}

static inline unsigned int
gid_slot(uint64_t gid)
{
	return (unsigned int)(gid & 0xff);
}

/* The live slot owning @gid, or NULL. */
static inline struct model_slot *
fab_slot_by_gid(struct model_fabric *f, uint64_t gid)
{
	unsigned int s = gid_slot(gid);
	struct model_slot *sl;

	if (gid == 0 || s >= ISM_MODEL_MAX_FUNCTIONS)
		return NULL;
	sl = &f->slots[s];
	if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SLOT_ACTIVE ||
	    __atomic_load_n(&sl->gid, __ATOMIC_RELAXED) != gid)
		return NULL;
	return sl;
}

/* CPU pointer for a heap range, or NULL when it is outside the heap. */
static inline void *
fab_heap_ptr(struct model_fabric *f, uint64_t heap_off, uint64_t len)
{
	if (heap_off > f->heap_len || len > f->heap_len - heap_off)
		return NULL;
	return f->heap + heap_off;
}

/* model_fabric.c */
enum hdr_problem {
	HDR_OK,
	HDR_MAGIC,		/* not a fabric */
	HDR_VERSION,		/* another layout version */
	HDR_CORRUPT,		/* the checksummed fields */
	HDR_SIZE,		/* the file is not as long as the header says */
	HDR_LAYOUT,		/* the parts do not fit */
};
enum hdr_problem fab_header_problem(const struct model_hdr *h,
				    uint64_t file_size);
/* The fabric directory: ISM_MODEL_DIR, else ISM_MODEL_DEFAULT_DIR. */
const char *fab_dir(void);
int fab_get(const char *name, const struct ism_model_opts *opts, bool create,
	    struct model_fabric **fp);
void fab_put(struct model_fabric *f);
/* fab_get() and fab_lock() of a fabric that is not retired; returns with
 * the fabric locked. */
int fab_get_locked(const char *name, const struct ism_model_opts *opts,
		   bool create, struct model_fabric **fp);
/* Under the fabric lock, after a function was released: remove the
 * fabric if no function is left and nobody asked to keep it. */
void fab_retire_unused(struct model_fabric *f);
/* Whether the environment asks to keep fabrics (ISM_MODEL_KEEP). */
bool fab_keep_env(void);
/* A descriptor of the file at @path for a look from outside (list, info,
 * remove): the one of this process's mapping when it maps that file (a
 * close of any other descriptor would drop its record locks), else a new
 * one. In-process attaches wait until fab_peek_end(). */
struct fab_peek {
	int fd;
	struct model_fabric *f;		/* the mapping lent, or NULL */
};
int fab_peek_begin(const char *path, const struct stat *lst, int flags,
		   struct fab_peek *p);
void fab_peek_end(struct fab_peek *p);
/* The command lock on a peeked file: fab_lock() on a mapping, else the
 * record lock alone, with the same patience. */
int fab_peek_lock(struct fab_peek *p, const char *path);
void fab_peek_unlock(struct fab_peek *p);
bool fab_same_file(const struct stat *a, const struct stat *b);
int fab_lock(struct model_fabric *f);
void fab_unlock(struct model_fabric *f);
int fab_hold_slot(struct model_fabric *f, unsigned int slot, bool hold);
bool fab_slot_alive(struct model_fabric *f, unsigned int slot);
uint64_t model_now_ns(void);

/* model_perm.c: who may use a fabric */
struct fab_access {
	bool share;		/* group @gid may have access */
	gid_t gid;
};
void perm_from_opts(const struct ism_model_opts *o, struct fab_access *a);
int perm_create_mode(const char *path, const struct fab_access *a,
		     const struct ism_model_opts *o, mode_t *mode);
int perm_check_file(const char *path, const struct stat *st,
		    const struct fab_access *a);
int perm_dir_open(const char *fabric_path, const struct stat *fst,
		  bool create);
void perm_dir_remove(const char *fabric_path, uid_t owner);
void perm_dir_release(struct model_fabric *f);
int perm_dir_ready(struct model_fabric *f);
mode_t perm_fifo_mode(const struct model_fabric *f);
bool perm_fifo_ok(const struct model_fabric *f, const struct stat *st,
		  bool own);

/* model_guard.c: a fabric truncated under the process */
int guard_add(void *base, size_t size);
void guard_del(int idx);
/* Cut the process off the fabric: its mapping becomes private zeros. */
void guard_cut(int idx);
bool guard_is_cut(int idx);
const int *guard_flag(int idx);
/* True (and reported once) if the fabric is cut or its file shrank. */
bool fab_cut(struct model_fabric *f);

/* model_heap.c */
int heap_alloc(struct model_fabric *f, unsigned int slot, size_t len,
	       size_t align, uint64_t *heap_off);
void heap_free(struct model_fabric *f, unsigned int slot, uint64_t heap_off,
	       size_t len);
void heap_free_slot(struct model_fabric *f, unsigned int slot);
bool heap_owned(struct model_fabric *f, unsigned int slot, uint64_t heap_off,
		uint64_t len);

/* model_events.c */
void ev_post(struct model_fabric *f, unsigned int slot, uint32_t type,
	     uint32_t code, uint64_t tok, uint64_t info, bool irq);
void ev_signal_dmb(struct model_fabric *f, unsigned int slot,
		   unsigned int sba_idx, unsigned int elem);
void ev_irq_raise(struct model_fabric *f, unsigned int slot);
int ev_irq_create(struct model_fabric *f, uint64_t gid);
void ev_irq_remove(struct model_fabric *f, unsigned int slot, uint64_t gid);
void ev_irq_forget(struct model_fabric *f);

/* Forget a DMB registration, keeping its in-flight count: a writer that
 * outlived dmb_quiesce()'s patience still has to end its store (field by
 * field: a copy of busy written back would lose its decrement). */
static inline void
dmb_clear(struct model_dmb *d)
{
	__atomic_store_n(&d->state, DMB_FREE, __ATOMIC_RELEASE);
	d->rgid = 0;
	d->heap_off = 0;
	d->len = 0;
	d->vlan_id = 0;
	d->vlan_valid = 0;
	d->pad = 0;
}

/* model_reaper.c */
bool reap_slot(struct model_fabric *f, unsigned int slot);
void reap_dead(struct model_fabric *f);
int reaper_start(struct model_fabric *f);
void reaper_stop(struct model_fabric *f);
bool dmb_quiesce(struct model_fabric *f, unsigned int owner, unsigned int idx);

/* model_fence.c */
bool fence_register(void);
bool fence_can(void);
bool fence_writers(void);
int fence_hazard_find(struct model_fn *fn, uintptr_t self, unsigned int h);

/* An id of the calling thread that no other live thread has: its thread
 * pointer where the compiler reads it (what pthread_self() returns on
 * glibc), without a call. */
static inline uintptr_t
model_thread_id(void)
{
#if defined(__has_builtin) && __has_builtin(__builtin_thread_pointer)
	return (uintptr_t)__builtin_thread_pointer();
#else
	return (uintptr_t)pthread_self();
#endif
}

/* The hazard slot where the thread @self looks first. */
static inline unsigned int
fence_hazard_home(uintptr_t self)
{
	return (unsigned int)(((uint64_t)self * UINT64_C(0x9e3779b97f4a7c15)) >> 32) %
		MODEL_HAZARDS;
}

/*
 * This thread's hazard slot in @fn's function slot, or -1. A thread takes
 * one at its first store through @fn and keeps it, the first free from its
 * home slot on: a slot is found by the thread's id, which no live thread
 * shares, so a thread that reuses the id of one that exited takes over its
 * slot (idle: stores are synchronous).
 */
static inline int
fence_hazard(struct model_fn *fn)
{
	uintptr_t self;
	unsigned int h;

	if (!fn->fences)
		return -1;
	self = model_thread_id();
	h = fence_hazard_home(self);
	if (__builtin_expect(__atomic_load_n(&fn->hazard_tid[h],
					     __ATOMIC_RELAXED) == self, 1))
		return (int)h;
	return fence_hazard_find(fn, self, h);
}

/* model_cmd.c */
void cmd_execute(struct model_fn *fn, const void *hdr);

/* model_store.c */
int store_execute(struct model_fn *fn, uint64_t req, const void *buf,
		  size_t len);
int store_executev(struct model_fn *fn, uint64_t req, const struct iovec *iov,
		   int iovcnt, size_t skip, size_t len);

#endif /* MODEL_FABRIC_H */

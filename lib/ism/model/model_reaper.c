/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Releasing functions: orderly on detach, and for processes that died. Any
 * attached process sweeps the slots every ISM_MODEL_REAP_MS; a slot whose
 * owner no longer holds its record lock is dead. Releasing runs under the
 * fabric lock and is idempotent: if the releasing process dies too, the
 * slot stays SLOT_REAPING and the next sweep finishes the job.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

/* Whether a thread of @writer announced a store into DMB @tok16. */
static bool
hazard_held(const struct model_slot *writer, uint32_t tok16)
{
	for (unsigned int i = 0; i < MODEL_HAZARDS; i++)
		if (__atomic_load_n(&writer->hazard[i], __ATOMIC_ACQUIRE) == tok16)
			return true;
	return false;
}

/*
 * Whether a store into DMB @idx of @owner may be announced by hazard (its
 * state word has DMB_FENCED and its live writer's process takes part), so
 * that whoever quiesces it must be able to fence.
 */
static bool
dmb_needs_fence(struct model_fabric *f, unsigned int owner, unsigned int idx)
{
	struct model_dmb *d = &f->slots[owner].dmbs[idx];
	unsigned int writer = gid_slot(d->rgid);

	return (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) & DMB_FENCED) &&
		writer < ISM_MODEL_MAX_FUNCTIONS &&
		__atomic_load_n(&f->slots[writer].fences, __ATOMIC_ACQUIRE) &&
		fab_slot_alive(f, writer);
}

/*
 * Unregister DMB @idx of @owner: after this returns true no store is
 * copying into it, unless its writer died mid-store (then nobody will) or
 * is stuck for longer than MODEL_UNREG_WAIT_MS (then we stop waiting
 * rather than hang a command). Pairs with store_begin(): the DMB is marked
 * free first, then the stores announced before are waited for, those
 * counted in busy and those in the writer's hazard slots. Seeing the
 * latter needs the fence (model_fence.c): a process that cannot issue it
 * leaves a DMB that needs it as it was and gets false.
 */
bool
dmb_quiesce(struct model_fabric *f, unsigned int owner, unsigned int idx)
{
	struct model_dmb *d = &f->slots[owner].dmbs[idx];
	unsigned int writer = gid_slot(d->rgid);
	uint32_t tok16 = owner << MODEL_TOK_SLOT_SHIFT | idx;
	struct timespec pause = { 0, 100000 };
	int waited_us = 0;
	uint32_t st;
	bool can;

	can = fence_can();
	if (!can && dmb_needs_fence(f, owner, idx))
		return false;
	st = __atomic_exchange_n(&d->state, DMB_FREE, __ATOMIC_SEQ_CST);
	/* without the fence only a DMB that needs none gets here (its
	 * writer is dead or never stores by hazard): no barrier to fail,
	 * no wait for one */
	if ((st & DMB_FENCED) && can && !fence_writers()) {
		/* the kernel said it could: a store that read the old state
		 * ends in microseconds, so wait as for a stuck one */
		ISM_WARN("model: %s: membarrier failed (%s); waiting %d ms for stores into a DMB",
			 f->name, strerror(errno), MODEL_UNREG_WAIT_MS);
		pause.tv_sec = MODEL_UNREG_WAIT_MS / 1000;
		pause.tv_nsec = (MODEL_UNREG_WAIT_MS % 1000) * 1000000L;
		nanosleep(&pause, NULL);
		pause.tv_sec = 0;
		pause.tv_nsec = 100000;
	}
	while (__atomic_load_n(&d->busy, __ATOMIC_SEQ_CST) != 0 ||
	       (writer < ISM_MODEL_MAX_FUNCTIONS &&
		hazard_held(&f->slots[writer], tok16))) {
		if (writer >= ISM_MODEL_MAX_FUNCTIONS ||
		    !fab_slot_alive(f, writer)) {
			ISM_INFO("model: %s: the writer of a DMB died mid-store; DMB released",
				 f->name);
			break;
		}
		if (waited_us >= MODEL_UNREG_WAIT_MS * 1000) {
			ISM_WARN("model: %s: a store into a DMB did not finish within %d ms; DMB released anyway",
				 f->name, MODEL_UNREG_WAIT_MS);
			break;
		}
		nanosleep(&pause, NULL);
		waited_us += 100;
	}
	return true;
}

/* Whether this process can quiesce every DMB of @slot (see dmb_quiesce()). */
static bool
can_quiesce_slot(struct model_fabric *f, unsigned int slot)
{
	if (fence_can())
		return true;
	for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++)
		if (dmb_needs_fence(f, slot, i))
			return false;
	return true;
}

/* Slots that shared a DMB with @slot, in either direction. */
static uint64_t
related_slots(struct model_fabric *f, unsigned int slot)
{
	struct model_slot *sl = &f->slots[slot];
	uint64_t mask = 0;

	for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++)
		if (sl->dmbs[i].state & DMB_REGISTERED)
			mask |= UINT64_C(1) << (gid_slot(sl->dmbs[i].rgid) & 63);
	for (unsigned int o = 0; o < ISM_MODEL_MAX_FUNCTIONS; o++) {
		struct model_slot *os = &f->slots[o];

		if (o == slot || os->state != SLOT_ACTIVE ||
		    (mask & (UINT64_C(1) << o)))
			continue;
		for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++) {
			if ((os->dmbs[i].state & DMB_REGISTERED) &&
			    os->dmbs[i].rgid == sl->gid) {
				mask |= UINT64_C(1) << o;
				break;
			}
		}
	}
	return (mask | sl->peers) & ~(UINT64_C(1) << slot);
}

/*
 * Release @slot; false if this process cannot (a DMB of it needs a fence
 * this process cannot issue: the writer's own process, which can, reaps it
 * at its next sweep).
 */
bool
reap_slot(struct model_fabric *f, unsigned int slot)
{
	struct model_slot *sl = &f->slots[slot];
	uint64_t gid = sl->gid;
	uint64_t peers;

	if (!can_quiesce_slot(f, slot))
		return false;
	__atomic_store_n(&sl->state, SLOT_REAPING, __ATOMIC_SEQ_CST);
	peers = related_slots(f, slot);
	for (unsigned int o = 0; o < ISM_MODEL_MAX_FUNCTIONS; o++)
		if ((peers & (UINT64_C(1) << o)) &&
		    f->slots[o].state == SLOT_ACTIVE)
			ev_post(f, o, ISM_EVENT_GID, ISM_EVCODE_GID_DISABLED,
				gid, 0, true);
	for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++)
		if ((sl->dmbs[i].state & DMB_REGISTERED) &&
		    !dmb_quiesce(f, slot, i))
			return false;	/* a writer registered meanwhile */
	/* the dead writer's stores are over: what it announced and never
	 * ended would make every later unregister wait for nothing */
	for (unsigned int o = 0; o < ISM_MODEL_MAX_FUNCTIONS; o++)
		for (unsigned int i = ISM_SBA_IDX_FIRST; i < ISM_NR_SBA_BITS; i++)
			if (f->slots[o].dmbs[i].rgid == gid)
				__atomic_store_n(&f->slots[o].dmbs[i].busy, 0,
						 __ATOMIC_RELEASE);
	heap_free_slot(f, slot);
	ev_irq_remove(f, slot, gid);
	for (unsigned int o = 0; o < ISM_MODEL_MAX_FUNCTIONS; o++)
		f->slots[o].peers &= ~(UINT64_C(1) << slot);
	memset(sl, 0, offsetof(struct model_slot, dmbs));
	for (unsigned int i = 0; i < ISM_NR_SBA_BITS; i++)
		dmb_clear(&sl->dmbs[i]);
	f->hdr->reaps++;
	__atomic_store_n(&sl->state, SLOT_FREE, __ATOMIC_RELEASE);
	perm_dir_release(f);
	return true;
}

static bool
slot_needs_reaping(struct model_fabric *f, unsigned int s)
{
	uint32_t st = __atomic_load_n(&f->slots[s].state, __ATOMIC_ACQUIRE);

	return st == SLOT_REAPING || (st == SLOT_ACTIVE && !fab_slot_alive(f, s));
}

void
reap_dead(struct model_fabric *f)
{
	if (fab_cut(f))		/* the sweep is also the truncation check */
		return;
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++) {
		if (!slot_needs_reaping(f, s))
			continue;
		if (fab_lock(f) < 0)
			return;
		/* re-check: another process may have reaped it meanwhile */
		if (slot_needs_reaping(f, s)) {
			ISM_INFO("model: %s: function %016llx (pid %d) is gone; releasing it",
				 f->name, (unsigned long long)f->slots[s].gid,
				 f->slots[s].pid);
			reap_slot(f, s);
		}
		fab_unlock(f);
	}
}

static void *
reaper_main(void *arg)
{
	struct model_fabric *f = arg;
	struct pollfd pfd = { .fd = f->reaper_pipe[0], .events = POLLIN };

	for (;;) {
		if (poll(&pfd, 1, ISM_MODEL_REAP_MS) != 0)
			break;
		reap_dead(f);
	}
	return NULL;
}

int
reaper_start(struct model_fabric *f)
{
	int rc;

	if (pipe2(f->reaper_pipe, O_CLOEXEC) < 0)
		return -errno;
	rc = pthread_create(&f->reaper, NULL, reaper_main, f);
	if (rc != 0) {
		close(f->reaper_pipe[0]);
		close(f->reaper_pipe[1]);
		return -rc;
	}
	f->reaper_running = true;
	return 0;
}

void
reaper_stop(struct model_fabric *f)
{
	if (!f->reaper_running)
		return;
	close(f->reaper_pipe[1]);	/* poll() sees POLLHUP */
	pthread_join(f->reaper, NULL);
	close(f->reaper_pipe[0]);
	f->reaper_running = false;
}

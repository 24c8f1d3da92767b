/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The asymmetric fence of the store path. A store announces itself in a
 * hazard slot of its writer's function slot with a plain store, then
 * checks the DMB with plain loads: on its own that pair may be reordered
 * by the CPU (store then load, even on x86). Whoever quiesces a DMB makes
 * up for it with membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED): every thread
 * of a registered process runs a full barrier before the call returns, so
 * either the writer's hazard is visible to the quiescer, or the writer's
 * check sees the DMB gone. The writer pays no locked instruction.
 *
 * Both sides must agree. A function may store through its hazard slots
 * only if its process registered for the expedited barrier (model_slot
 * fences, set at attach), and only into a DMB whose state word, read after
 * the announcement, has DMB_FENCED: REG_DMB sets it when the owner's
 * process registered, so an owner that cannot issue the barrier never
 * needs it for its own DMBs, and a quiescer of a fenced DMB knows to fence
 * (dmb_quiesce(); a reaper that cannot leaves the slot to a process that
 * can, such as the writer's). Any other store uses the locked in-flight
 * counter (busy) as before: no membarrier (an old kernel, a seccomp
 * filter, a qemu-user without it), a thread that finds the MODEL_HAZARDS
 * slots of its function taken (a slot stays with the thread id that took
 * it, also after that thread exited), or ISM_MODEL_FENCE=locked in the
 * environment at attach.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model_fabric.h"

static int
membarrier(int cmd)
{
#ifdef __NR_membarrier
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
#else
	(void)cmd;
	errno = ENOSYS;
	return -1;
#endif
}

static bool
fence_wanted(void)
{
	/* like the model's other variables: not for a setuid program */
	const char *e = secure_getenv("ISM_MODEL_FENCE");

	return e == NULL || strcmp(e, "locked") != 0;
}

/*
 * Register this process for the expedited barrier; true if its functions
 * may announce stores by hazard. Called at every attach (the registration
 * is per process and idempotent, and a child after fork() has its own).
 */
bool
fence_register(void)
{
	int cmds;

	if (!fence_wanted())
		return false;
	cmds = membarrier(MEMBARRIER_CMD_QUERY);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    !(cmds & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return false;
	return membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
}

/*
 * Whether this process can issue the quiescer's fence (the kernel has it;
 * a seccomp filter that refuses it shows when fence_writers() fails).
 * Asked each time, not remembered: a child after fork() may have a filter
 * its parent had not, and a quiesce is rare beside the system call.
 */
bool
fence_can(void)
{
	int cmds = membarrier(MEMBARRIER_CMD_QUERY);

	return cmds >= 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0;
}

/* The quiescer's side: a full barrier on every registered thread. */
bool
fence_writers(void)
{
	return membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
}

/* fence_hazard() past the home slot @h: this thread's, or the next free. */
int
fence_hazard_find(struct model_fn *fn, uintptr_t self, unsigned int h)
{
	uintptr_t seen;
	unsigned int k;

	for (unsigned int i = 0; i < MODEL_HAZARDS; i++) {
		k = (h + i) % MODEL_HAZARDS;
		seen = __atomic_load_n(&fn->hazard_tid[k], __ATOMIC_RELAXED);
		if (seen == self)
			return (int)k;
		if (seen == 0 &&
		    __atomic_compare_exchange_n(&fn->hazard_tid[k], &seen, self,
						false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return (int)k;
	}
	return -1;	/* all taken: this thread counts in busy */
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * No store lands in a DMB once its unregister returned. A writer in
 * another process stores into a DMB in a loop while its owner takes the
 * DMB away again and again (ism_dmb_rebind(): UNREG_DMB, then REG_DMB of
 * the same memory for a function that never writes), copies the memory
 * the moment that returns and, after more of the writer's stores, finds it
 * unchanged. Each way the model announces a store is run
 * (lib/ism/model/model_fence.c): by hazard, and by the locked in-flight
 * counter when the writer's or the owner's process does not take part in
 * the fence (ISM_MODEL_FENCE=locked at its attach). And a process that
 * cannot issue the fence at all (a seccomp filter refuses membarrier(),
 * after a fork from one that could) releases a dead owner's fenced DMB
 * that it writes itself: no fence is needed, none is tried or waited for.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define FABRIC "quiesce"
#define LEN 4096
#define ROUNDS 300
#define WAIT_MS 10000

/* Shared with the writer process. */
struct shared {
	uint64_t tok;
	uint64_t stores;	/* attempted, successful or not */
	uint64_t landed;
	int stop;
	/* run_no_fence() */
	int filtered;		/* 1: membarrier() refused, -1: no filter */
	int fence_warnings;	/* of the process without the fence */
	uint64_t gid_writer;
	uint64_t gid_owner;
	uint64_t gid_again;
};

static struct tu_chan chan;
static struct shared *sh;

static int
writer_main(void *arg)
{
	static uint8_t buf[LEN];
	struct ism_rdmb r = { .len = LEN };
	struct ism_dev *w;

	if (arg != NULL)
		setenv("ISM_MODEL_FENCE", "locked", 1);
	w = tu_open(FABRIC);
	tu_chan_send(chan.up[1], ism_dev_gid(w));
	r.tok = tu_chan_recv(chan.down[0]);
	for (uint64_t n = 1; !__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE); n++) {
		memset(buf, (int)(n % 255) + 1, sizeof(buf));
		if (ism_move(w, &r, 0, 0, buf, LEN, false) == 0)
			__atomic_fetch_add(&sh->landed, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sh->stores, 1, __ATOMIC_RELEASE);
	}
	ism_dev_close(w);
	return 0;
}

/* Wait until the writer attempted @n more stores; false on a timeout. */
static bool
wait_stores(uint64_t n)
{
	uint64_t want = __atomic_load_n(&sh->stores, __ATOMIC_ACQUIRE) + n;
	uint64_t end = tu_now_ms() + WAIT_MS;

	while (__atomic_load_n(&sh->stores, __ATOMIC_ACQUIRE) < want)
		if (tu_now_ms() > end)
			return false;
	return true;
}

static void
run(const char *how, bool writer_locked, bool owner_locked)
{
	struct ism_dmb_params p = { .len = LEN };
	static uint8_t snap[LEN];
	struct ism_dev *owner, *idle;
	uint64_t gid_w, gid_idle, tok, landed;
	int changed = 0, lost = 0, bad_rebind = 0, rounds;
	struct ism_dmb *d;
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	tu_chan_init(&chan);
	if (owner_locked)
		setenv("ISM_MODEL_FENCE", "locked", 1);
	owner = tu_open(FABRIC);
	unsetenv("ISM_MODEL_FENCE");
	idle = tu_open(FABRIC);
	gid_idle = ism_dev_gid(idle);
	pid = tu_spawn(writer_main, writer_locked ? "locked" : NULL);
	gid_w = tu_chan_recv(chan.up[0]);
	p.rgid = gid_w;
	CHECK_EQ(ism_dmb_register(owner, &p, &d), 0, "%s: DMB for the writer", how);
	tok = d->tok;
	tu_chan_send(chan.down[1], tok);

	for (rounds = 0; rounds < ROUNDS; rounds++) {
		/* let a few stores land, then take the DMB away among them */
		if (!wait_stores(1 + (unsigned int)rounds % 3)) {
			lost++;
			break;
		}
		if (ism_dmb_rebind(owner, d, gid_idle) != 0 || d->tok != tok) {
			bad_rebind++;
			break;
		}
		memcpy(snap, d->addr, LEN);
		if (!wait_stores(3)) {
			lost++;
			break;
		}
		changed += memcmp(snap, d->addr, LEN) != 0;
		if (ism_dmb_rebind(owner, d, gid_w) != 0 || d->tok != tok) {
			bad_rebind++;
			break;
		}
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "%s: the writer ends", how);
	landed = __atomic_load_n(&sh->landed, __ATOMIC_RELAXED);
	CHECK_EQ(bad_rebind, 0, "%s: every rebind keeps the token", how);
	CHECK_EQ(lost, 0, "%s: the writer kept storing", how);
	CHECK_EQ(rounds, ROUNDS, "%s: %d rounds", how, ROUNDS);
	CHECK(landed > 0, "%s: stores landed while the writer held the DMB (%llu)",
	      how, (unsigned long long)landed);
	CHECK_EQ(changed, 0, "%s: no store landed after the unregister returned",
		 how);
	ism_dmb_unregister(owner, d);
	ism_dev_close(idle);
	ism_dev_close(owner);
}

/* From now on membarrier() fails in this process as on a kernel without
 * it; false where no filter can be installed (qemu-user refuses them). */
static bool
refuse_membarrier(void)
{
#ifdef __NR_membarrier
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
#else
	return false;
#endif
}

static void
count_fence_warning(int level, const char *msg)
{
	if (strstr(msg, "membarrier") != NULL)
		__atomic_fetch_add(&sh->fence_warnings, 1, __ATOMIC_RELAXED);
	tu_keep_log(level, msg);
}

/* The owner: a DMB for the other child, then it dies with it. */
static int
dying_owner_main(void *arg)
{
	struct ism_dmb_params p = { .len = LEN };
	struct ism_dev *o;
	struct ism_dmb *d;

	(void)arg;
	o = tu_open(FABRIC "-nofence");
	p.rgid = sh->gid_writer;
	if (ism_dmb_register(o, &p, &d) != 0)
		return 1;
	sh->gid_owner = ism_dev_gid(o);
	return 0;	/* _exit(): the function is left as a dead process leaves it */
}

/* The writer, without the fence: it attaches again once the owner died,
 * which takes the dead owner's slot and so releases it first. */
static int
no_fence_main(void *arg)
{
	struct ism_dev *w, *again;

	(void)arg;
	if (!refuse_membarrier()) {
		sh->filtered = -1;
		tu_chan_send(chan.up[1], 0);
		return 0;
	}
	sh->filtered = 1;
	ism_set_log_fn(count_fence_warning);
	w = tu_open(FABRIC "-nofence");
	tu_chan_send(chan.up[1], ism_dev_gid(w));
	tu_chan_recv(chan.down[0]);		/* the owner is dead */
	again = tu_open(FABRIC "-nofence");
	sh->gid_again = ism_dev_gid(again);
	ism_dev_close(again);
	ism_dev_close(w);
	return 0;
}

static void
run_no_fence(void)
{
	uint64_t gid_w;
	pid_t wpid, opid;
	int cmds;

	cmds = (int)syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED)) {
		check_skip("no fence: a process without it", "no membarrier here at all");
		return;
	}
	memset(sh, 0, sizeof(*sh));
	tu_chan_init(&chan);
	wpid = tu_spawn(no_fence_main, NULL);
	gid_w = tu_chan_recv(chan.up[0]);
	if (gid_w == 0) {
		CHECK_EQ(tu_reap(wpid, WAIT_MS), 0, "no fence: the child ends");
		check_skip("no fence: a process without it", "no seccomp filter here");
		return;
	}
	sh->gid_writer = gid_w;
	opid = tu_spawn(dying_owner_main, NULL);
	CHECK_EQ(tu_reap(opid, WAIT_MS), 0, "no fence: the owner registered a DMB for the writer and died");
	tu_chan_send(chan.down[1], 1);
	CHECK_EQ(tu_reap(wpid, WAIT_MS), 0, "no fence: the writer ends");
	CHECK_EQ(sh->filtered, 1, "no fence: membarrier() refused in the writer");
	CHECK_EQ(sh->gid_again & 0xff, sh->gid_owner & 0xff,
		 "no fence: its new function took the dead owner's slot");
	CHECK_EQ(sh->fence_warnings, 0,
		 "no fence: the release tried no fence it could not issue, waited for none");
}

int
main(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 99;
	unsetenv("ISM_MODEL_FENCE");
	run("hazard", false, false);
	run("writer locked", true, false);
	run("owner locked", false, true);
	/* after the runs above: a quiesce of this process asked whether it
	 * can fence before the writer's fork */
	run_no_fence();
	return check_done();
}

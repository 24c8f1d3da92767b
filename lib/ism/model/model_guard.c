/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fabric file truncated under the process. A shared mapping raises
 * SIGBUS on any access to a page beyond the end of its file, wherever the
 * access comes from: the model, lib/ism reading an SBA or an IEQ, a driver
 * reading a DMB. The guard catches a SIGBUS at an address inside a fabric
 * mapping and maps private zero pages over the whole mapping: the access
 * is retried and succeeds, the process is cut off from the fabric, and the
 * model's next entry (a command, a store, the reaper's sweep) reports it
 * and fails. The reaper also compares the file's size on every sweep, so
 * most truncations are found before anything faults. A SIGBUS elsewhere
 * goes to the handler that was there before, or ends the process as it
 * would have without the guard.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

#define GUARD_MAX	64

struct guard_entry {
	uintptr_t base;		/* 0 = free */
	size_t size;
	int cut;
};

static struct guard_entry guards[GUARD_MAX];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction prev_bus;
static bool installed;

static bool
guard_remap(struct guard_entry *g)
{
	uintptr_t base = __atomic_load_n(&g->base, __ATOMIC_ACQUIRE);
	size_t size = __atomic_load_n(&g->size, __ATOMIC_RELAXED);

	if (base == 0 || mmap((void *)base, size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			      -1, 0) == MAP_FAILED)
		return false;
	__atomic_store_n(&g->cut, 1, __ATOMIC_RELEASE);
	return true;
}

/* Async-signal context: atomics and system calls only. */
static void
guard_handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t addr = (uintptr_t)si->si_addr;
	int saved = errno;

	for (int i = 0; si->si_code > 0 && i < GUARD_MAX; i++) {
		uintptr_t base = __atomic_load_n(&guards[i].base, __ATOMIC_ACQUIRE);

		if (base != 0 && addr >= base &&
		    addr - base < __atomic_load_n(&guards[i].size, __ATOMIC_RELAXED) &&
		    guard_remap(&guards[i])) {
			errno = saved;
			return;
		}
	}
	errno = saved;
	if (prev_bus.sa_flags & SA_SIGINFO) {
		prev_bus.sa_sigaction(sig, si, uc);
		return;
	}
	if (prev_bus.sa_handler != SIG_DFL && prev_bus.sa_handler != SIG_IGN) {
		prev_bus.sa_handler(sig);
		return;
	}
	/* as without the guard: a fault re-executes and ends the process,
	 * a SIGBUS that was sent is sent again */
	signal(SIGBUS, SIG_DFL);
	if (si->si_code <= 0)
		raise(SIGBUS);
}

static void
guard_install(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &prev_bus) == 0)
		installed = true;
	else
		ISM_WARN("model: cannot install the SIGBUS guard: %s; a fabric truncated under this process ends it",
			 strerror(errno));
}

int
guard_add(void *base, size_t size)
{
	int idx = -1;

	pthread_mutex_lock(&guard_lock);
	if (!installed)
		guard_install();
	for (int i = 0; i < GUARD_MAX && idx < 0; i++) {
		if (guards[i].base != 0)
			continue;
		guards[i].cut = 0;
		__atomic_store_n(&guards[i].size, size, __ATOMIC_RELAXED);
		__atomic_store_n(&guards[i].base, (uintptr_t)base, __ATOMIC_RELEASE);
		idx = i;
	}
	pthread_mutex_unlock(&guard_lock);
	if (idx < 0)
		ISM_WARN("model: more than %d fabrics mapped: a truncation of the newest ends the process",
			 GUARD_MAX);
	return idx;
}

void
guard_del(int idx)
{
	if (idx < 0 || idx >= GUARD_MAX)
		return;
	pthread_mutex_lock(&guard_lock);
	__atomic_store_n(&guards[idx].base, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&guard_lock);
}

void
guard_cut(int idx)
{
	if (idx >= 0 && idx < GUARD_MAX)
		guard_remap(&guards[idx]);
}

/* The flag guard_is_cut() reads, for a hot path to read it in place. */
const int *
guard_flag(int idx)
{
	static const int never;

	return idx >= 0 && idx < GUARD_MAX ? &guards[idx].cut : &never;
}

bool
guard_is_cut(int idx)
{
	return idx >= 0 && idx < GUARD_MAX &&
		__atomic_load_n(&guards[idx].cut, __ATOMIC_ACQUIRE) != 0;
}

bool
fab_cut(struct model_fabric *f)
{
	struct stat st;

	if (!guard_is_cut(f->guard)) {
		if (fstat(f->fd, &st) < 0 || (uint64_t)st.st_size >= f->size)
			return false;
		guard_cut(f->guard);
	}
	if (!__atomic_exchange_n(&f->cut_reported, true, __ATOMIC_ACQ_REL)) {
		if (fstat(f->fd, &st) < 0)
			st.st_size = -1;
		ISM_ERR("model: fabric %s was truncated under this process (it is %lld bytes, it needs %zu): this process's functions on it are cut off and fail from now on; detach them, remove the file and attach again",
			f->path, (long long)st.st_size, f->size);
	}
	return true;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the model device writes into a function's memory: IEQ entries, SBA
 * bits, and its MSI. The MSI of a function is a FIFO in the fabric's FIFO
 * directory (FABRIC.d, see model_perm.c); the owner keeps it open
 * read-write (so it never reports hang-up) and hands it out as the
 * interrupt fd, writers open it lazily and cache the descriptor per slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

static void
irq_name(uint64_t gid, char *buf, size_t len)
{
	snprintf(buf, len, "irq.%016llx", (unsigned long long)gid);
}

int
ev_irq_create(struct model_fabric *f, uint64_t gid)
{
	mode_t mode = perm_fifo_mode(f);
	char name[32];
	struct stat st;
	int fd, rc;

	irq_name(gid, name, sizeof(name));
	unlinkat(f->dir_fd, name, 0);
	if (mkfifoat(f->dir_fd, name, mode) < 0) {
		rc = -errno;
		ISM_ERR("model: cannot create interrupt FIFO %s.d/%s: %s",
			f->path, name, strerror(errno));
		return rc;
	}
	fd = openat(f->dir_fd, name,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	/* mkfifo applied the umask: a writer that cannot open the FIFO
	 * would lose interrupts without a word */
	if (fstat(fd, &st) < 0 || fchmod(fd, mode) < 0 ||
	    fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail_fd;
	}
	if (!perm_fifo_ok(f, &st, true)) {
		rc = -EPERM;
		goto fail_fd;
	}
	return fd;
fail_fd:
	close(fd);
fail:
	ISM_ERR("model: cannot open the interrupt FIFO %s.d/%s it made: %s",
		f->path, name, strerror(-rc));
	unlinkat(f->dir_fd, name, 0);
	return rc;
}

void
ev_irq_remove(struct model_fabric *f, unsigned int slot, uint64_t gid)
{
	char name[32];

	irq_name(gid, name, sizeof(name));
	unlinkat(f->dir_fd, name, 0);
	pthread_mutex_lock(&f->irq_lock);
	if (f->irq_fds[slot] >= 0) {
		close(f->irq_fds[slot]);
		f->irq_fds[slot] = -1;
	}
	pthread_mutex_unlock(&f->irq_lock);
}

void
ev_irq_forget(struct model_fabric *f)
{
	for (int i = 0; i < ISM_MODEL_MAX_FUNCTIONS; i++) {
		if (f->irq_fds[i] >= 0)
			close(f->irq_fds[i]);
		f->irq_fds[i] = -1;
	}
}

/*
 * The writer end of another function's FIFO, or -1. Checked before the
 * open (no other kind of file is ever opened) and after it (the same
 * inode, still a FIFO of the right owner): a link or a file put in its
 * place is never written.
 */
static int
irq_open_peer(struct model_fabric *f, unsigned int slot, uint64_t gid)
{
	struct stat before, st;
	char name[32];
	int fd;

	irq_name(gid, name, sizeof(name));
	if (fstatat(f->dir_fd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!perm_fifo_ok(f, &before, false))
		goto refuse;
	fd = openat(f->dir_fd, name,
		    O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_ino != before.st_ino ||
	    st.st_dev != before.st_dev || !perm_fifo_ok(f, &st, false)) {
		close(fd);
		goto refuse;
	}
	return fd;
refuse:
	if (f->irq_refused[slot] == gid)
		return -1;
	f->irq_refused[slot] = gid;
	ISM_WARN("model: %s.d/%s is not a FIFO of this fabric (%s, mode %04o, uid %u); interrupt not sent; remove it",
		 f->path, name,
		 S_ISLNK(before.st_mode) ? "a symbolic link" :
		 S_ISREG(before.st_mode) ? "a regular file" :
		 S_ISFIFO(before.st_mode) ? "a FIFO of another owner" :
		 "another kind of file",
		 (unsigned int)(before.st_mode & 07777),
		 (unsigned int)before.st_uid);
	return -1;
}

void
ev_irq_raise(struct model_fabric *f, unsigned int slot)
{
	uint64_t gid = __atomic_load_n(&f->slots[slot].gid, __ATOMIC_RELAXED);
	char one = 1;

	pthread_mutex_lock(&f->irq_lock);
	if (f->irq_fds[slot] >= 0 && f->irq_gids[slot] != gid) {
		close(f->irq_fds[slot]);
		f->irq_fds[slot] = -1;
	}
	if (f->irq_fds[slot] < 0) {
		f->irq_fds[slot] = irq_open_peer(f, slot, gid);
		f->irq_gids[slot] = gid;
	}
	/* A full FIFO already has an interrupt pending: nothing is lost. */
	if (f->irq_fds[slot] >= 0 && write(f->irq_fds[slot], &one, 1) < 0 &&
	    errno != EAGAIN) {
		close(f->irq_fds[slot]);
		f->irq_fds[slot] = -1;
	}
	pthread_mutex_unlock(&f->irq_lock);
}

static struct ism_sba *
slot_sba(struct model_fabric *f, struct model_slot *sl)
{
	uint64_t off = __atomic_load_n(&sl->sba_off, __ATOMIC_ACQUIRE);

	return off == 0 ? NULL : fab_heap_ptr(f, off - 1, sizeof(struct ism_sba));
}

void
ev_signal_dmb(struct model_fabric *f, unsigned int slot, unsigned int sba_idx,
	      unsigned int elem)
{
	struct ism_sba *sba = slot_sba(f, &f->slots[slot]);
	ism_be16_t bit = ism_be16(ism_dmbe_bit(elem));
	uint8_t old;

	if (sba == NULL)
		return;
	/* mask before bit before summary: whoever sees a bit sees its mask */
	__atomic_fetch_or(&sba->dmbe_mask[sba_idx].raw, bit.raw,
			  __ATOMIC_RELEASE);
	__atomic_fetch_or(&sba->dmb_bits[sba_idx / 8],
			  (uint8_t)(0x80u >> (sba_idx % 8)), __ATOMIC_RELEASE);
	old = __atomic_fetch_or(&sba->flags, ISM_SBA_S, __ATOMIC_ACQ_REL);
	if (!(old & ISM_SBA_S))
		ev_irq_raise(f, slot);
}

/*
 * Model rule, overruns: the device cannot see the owner's cursor, only the
 * SBA e bit, which the owner clears before it reads the IEQ. An event that
 * finds e clear starts a new run: the owner has looked since the previous
 * one. The 16th and every later event of a run overwrites an entry posted
 * after the owner last looked, which it may not have read: counted. Without
 * an SBA the owner cannot clear e, and every event adds to the run.
 */
static void
ev_count_unread(struct model_slot *sl, struct ism_ieq *ieq, bool run_starts)
{
	if (run_starts)
		sl->ieq_unread = 1;
	else if (sl->ieq_unread <= ISM_IEQ_ENTRIES)
		sl->ieq_unread++;
	if (sl->ieq_unread > ISM_IEQ_ENTRIES) {
		sl->ieq_overruns++;
		ieq->hdr.reserved = ism_be64(sl->ieq_overruns);
	}
}

void
ev_post(struct model_fabric *f, unsigned int slot, uint32_t type,
	uint32_t code, uint64_t tok, uint64_t info, bool irq)
{
	struct model_slot *sl = &f->slots[slot];
	struct ism_ieq *ieq = NULL;
	struct ism_ieq_entry *e;
	struct ism_sba *sba;
	unsigned int pos;
	uint8_t old;

	if (sl->ieq_off != 0)
		ieq = fab_heap_ptr(f, sl->ieq_off - 1, sizeof(*ieq));
	if (ieq == NULL) {
		sl->events_dropped++;
		return;
	}
	pos = sl->ieq_next % ISM_IEQ_ENTRIES;
	e = &ieq->entry[pos];
	e->type = ism_be32(type);
	e->code = ism_be32(code);
	e->tok = ism_be64(tok);
	e->info = ism_be64(info);
	e->time = ism_be64(model_now_ns());
	__atomic_store_n(&ieq->hdr.idx.raw, ism_be64(pos + 1).raw,
			 __ATOMIC_RELEASE);
	sl->ieq_next = (uint16_t)((pos + 1) % ISM_IEQ_ENTRIES);

	sba = slot_sba(f, sl);
	if (sba == NULL) {
		ev_count_unread(sl, ieq, false);
		return;
	}
	old = __atomic_fetch_or(&sba->flags, ISM_SBA_E, __ATOMIC_ACQ_REL);
	ev_count_unread(sl, ieq, !(old & ISM_SBA_E));
	if (irq || !(old & ISM_SBA_E))
		ev_irq_raise(f, slot);
}

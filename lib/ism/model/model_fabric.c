/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fabric file: creation, validation of a file someone else made, the
 * per-process mapping shared by all functions of the process, the record
 * locks that make the fabric survive processes that die, and its removal
 * with the last function.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

/* Every mapping of this process; a fabric file is opened at most once per
 * process, because closing any descriptor of a file drops all the
 * process's record locks on it. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct model_fabric *registry;

uint64_t
model_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

const char *
fab_dir(void)
{
	/* secure_getenv: a setuid or file-capability program never lets
	 * its caller choose where fabrics are made and removed */
	const char *dir = secure_getenv("ISM_MODEL_DIR");

	return dir == NULL || dir[0] == '\0' ? ISM_MODEL_DEFAULT_DIR : dir;
}

int
ism_model_path(const char *name, char *buf, size_t len)
{
	const char *dir = fab_dir();
	size_t n = name != NULL ? strlen(name) : 0;
	int w;

	if (n == 0 || n > ISM_MODEL_NAME_MAX)
		return n == 0 ? -EINVAL : -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return -EINVAL;
	if (name[0] == '.')
		return -EINVAL;
	w = snprintf(buf, len, "%s/ism-fabric.%s", dir, name);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

static uint32_t
hdr_checksum(const struct model_hdr *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t sum = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < offsetof(struct model_hdr, checksum); i++)
		sum = (sum ^ p[i]) * 16777619u;
	return sum;
}

static size_t
page_round(size_t v)
{
	return (v + MODEL_PAGE - 1) & ~(size_t)(MODEL_PAGE - 1);
}

static void
layout(struct model_hdr *h, size_t heap_size)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, MODEL_MAGIC, sizeof(h->magic));
	h->version = MODEL_VERSION;
	h->hdr_size = sizeof(*h);
	h->max_slots = ISM_MODEL_MAX_FUNCTIONS;
	h->slot_size = sizeof(struct model_slot);
	h->heap_pages = page_round(heap_size) / MODEL_PAGE;
	h->slots_off = MODEL_PAGE;
	h->owner_off = h->slots_off +
		page_round((size_t)ISM_MODEL_MAX_FUNCTIONS * sizeof(struct model_slot));
	/* The heap is aligned to 1 MiB in the file so that IOVA alignment
	 * and file alignment agree. */
	h->heap_off = (h->owner_off + page_round(h->heap_pages) +
		       ISM_DMB_BOUNDARY - 1) & ~(uint64_t)(ISM_DMB_BOUNDARY - 1);
	h->file_size = h->heap_off + h->heap_pages * MODEL_PAGE;
	h->gid_base = (uint64_t)((((unsigned int)getpid() ^
		(unsigned int)model_now_ns()) & 0x7fff) | 0x8000) << 48;
	h->checksum = hdr_checksum(h);
}

/*
 * Reserve every page of the fabric now, so that a full filesystem is an
 * error here and not a SIGBUS at the first store into a page tmpfs cannot
 * back. Pages already there are kept (and their contents).
 */
static int
fab_reserve(int fd, const char *path, uint64_t size, uint64_t heap)
{
	struct statvfs vfs;
	int err;

	if (fallocate(fd, 0, 0, (off_t)size) == 0)
		return 0;
	err = errno;
	if (err == EOPNOTSUPP || err == ENOSYS) {
		ISM_WARN("model: %s: its filesystem cannot reserve space (%s); when it fills up, processes using the fabric stop with SIGBUS",
			 path, strerror(err));
		return 0;
	}
	if (err == ENOSPC || err == EDQUOT) {
		unsigned long long avail = 0;

		if (fstatvfs(fd, &vfs) == 0)
			avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		ISM_ERR("model: no room for fabric %s: it needs %llu bytes (a DMA heap of %llu MiB), its filesystem has %llu bytes free; make room (a larger /dev/shm: mount -o remount,size=...; containers: --shm-size), point ISM_MODEL_DIR at a larger tmpfs, or use a smaller heap (ISM_MODEL_HEAP=64M in the environment, or struct ism_model_opts.heap_size)",
			path, (unsigned long long)size,
			(unsigned long long)(heap >> 20), avail);
		return -ENOSPC;
	}
	ISM_ERR("model: cannot reserve %llu bytes for fabric %s: %s",
		(unsigned long long)size, path, strerror(err));
	return -err;
}

/*
 * The heap of a new fabric: the caller's, else ISM_MODEL_HEAP from the
 * environment (bytes, or a number with K, M or G), else the default. The
 * variable lets a program that cannot pass options (the PMD, testpmd) fit
 * a small /dev/shm.
 */
static int
heap_size(const struct ism_model_opts *opts, size_t *heap)
{
	const char *env = secure_getenv("ISM_MODEL_HEAP");
	unsigned long long v;
	char *end;

	if (opts != NULL && opts->heap_size) {
		*heap = opts->heap_size;
		return 0;
	}
	if (env == NULL || env[0] == '\0') {
		*heap = ISM_MODEL_DEFAULT_HEAP;
		return 0;
	}
	errno = 0;
	v = env[0] >= '0' && env[0] <= '9' ? strtoull(env, &end, 10) : 0;
	if (env[0] >= '0' && env[0] <= '9' && errno == 0 && v > 0) {
		unsigned int shift = 0;

		switch (*end) {
		case 'K': case 'k': shift = 10; end++; break;
		case 'M': case 'm': shift = 20; end++; break;
		case 'G': case 'g': shift = 30; end++; break;
		}
		if (*end == '\0' && v <= (UINT64_C(1) << 36) >> shift) {
			*heap = (size_t)(v << shift);
			return 0;
		}
	}
	ISM_ERR("model: ISM_MODEL_HEAP='%s' is not a heap size: give bytes or a number with K, M or G, 256K..64G",
		env);
	return -EINVAL;
}

/*
 * A new fabric is made complete under a temporary name of our own
 * (O_EXCL, a random suffix) and published with link(), which fails if the
 * name exists: a racing creator finds either no file or a whole one, and
 * whoever loses uses the winner's. Its FIFO directory exists before the
 * fabric does.
 */
static int
fab_create(const char *path, const struct ism_model_opts *opts)
{
	struct fab_access acc;
	size_t heap;
	struct model_hdr h;
	struct stat st;
	char tmp[300];
	mode_t mode;
	int fd, dfd, rc;

	rc = heap_size(opts, &heap);
	if (rc < 0)
		return rc;
	if (heap < 64 * MODEL_PAGE || heap > ((size_t)1 << 36)) {
		ISM_ERR("model: heap size %zu is not in 256 KiB..64 GiB", heap);
		return -EINVAL;
	}
	perm_from_opts(opts, &acc);
	rc = perm_create_mode(path, &acc, opts, &mode);
	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.new.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		ISM_ERR("model: cannot create %s: %s", tmp, strerror(errno));
		return rc;
	}
	layout(&h, heap);
	if ((acc.share && fchown(fd, (uid_t)-1, acc.gid) < 0) ||
	    fchmod(fd, mode) < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		ISM_ERR("model: cannot give %s mode %04o%s: %s", tmp,
			(unsigned int)mode,
			acc.share ? " and the sharing group (are you in it?)" : "",
			strerror(errno));
		goto out;
	}
	if (ftruncate(fd, (off_t)h.file_size) < 0) {
		rc = -errno;
		ISM_ERR("model: cannot size %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = fab_reserve(fd, path, h.file_size, h.heap_pages * MODEL_PAGE);
	if (rc < 0)
		goto out;
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		rc = errno != 0 ? -errno : -EIO;
		ISM_ERR("model: cannot initialise %s: %s", tmp, strerror(-rc));
		goto out;
	}
	dfd = perm_dir_open(path, &st, true);
	if (dfd < 0) {
		rc = dfd;
		goto out;
	}
	close(dfd);
	if (link(tmp, path) < 0 && errno != EEXIST) {
		rc = -errno;
		ISM_ERR("model: cannot create %s: %s", path, strerror(errno));
	}
out:
	close(fd);
	unlink(tmp);
	return rc;
}

enum hdr_problem
fab_header_problem(const struct model_hdr *h, uint64_t file_size)
{
	if (memcmp(h->magic, MODEL_MAGIC, sizeof(h->magic)) != 0)
		return HDR_MAGIC;
	if (h->version != MODEL_VERSION)
		return HDR_VERSION;
	if (h->checksum != hdr_checksum(h) || h->hdr_size != sizeof(*h) ||
	    h->max_slots != ISM_MODEL_MAX_FUNCTIONS ||
	    h->slot_size != sizeof(struct model_slot))
		return HDR_CORRUPT;
	if (file_size != h->file_size)
		return HDR_SIZE;
	if (h->slots_off < sizeof(*h) ||
	    h->owner_off < h->slots_off +
		(uint64_t)ISM_MODEL_MAX_FUNCTIONS * sizeof(struct model_slot) ||
	    h->heap_off < h->owner_off + h->heap_pages ||
	    h->heap_off % ISM_DMB_BOUNDARY != 0 ||
	    h->heap_off + h->heap_pages * MODEL_PAGE != h->file_size)
		return HDR_LAYOUT;
	return HDR_OK;
}

static int
fab_validate(const char *path, const struct model_hdr *h, off_t st_size)
{
	switch (fab_header_problem(h, (uint64_t)st_size)) {
	case HDR_OK:
		return 0;
	case HDR_MAGIC:
		ISM_ERR("model: %s is not an ISM fabric (bad magic); remove it or pick another fabric name",
			path);
		return -EPROTO;
	case HDR_VERSION:
		ISM_ERR("model: %s has fabric version %u, this library speaks %u; detach all users and remove it",
			path, h->version, MODEL_VERSION);
		return -EPROTONOSUPPORT;
	case HDR_CORRUPT:
		ISM_ERR("model: %s: fabric header is corrupted; remove the file", path);
		return -EBADMSG;
	case HDR_SIZE:
		ISM_ERR("model: %s is %lld bytes, its header says %llu: truncated or corrupted; remove the file",
			path, (long long)st_size,
			(unsigned long long)h->file_size);
		return -EBADMSG;
	case HDR_LAYOUT:
		break;
	}
	ISM_ERR("model: %s: fabric layout is inconsistent; remove the file", path);
	return -EBADMSG;
}

/*
 * The checks of every attach, also when this process has the fabric
 * mapped already: who may use it, and that it has its full size.
 */
static int
fab_check(struct model_fabric *f, const struct ism_model_opts *opts,
	  struct stat *st)
{
	struct fab_access acc;
	int rc;

	if (fstat(f->fd, st) < 0)
		return -errno;
	perm_from_opts(opts, &acc);
	rc = perm_check_file(f->path, st, &acc);
	if (rc < 0)
		return rc;
	if (f->base != NULL && (fab_cut(f) || (uint64_t)st->st_size != f->size)) {
		ISM_ERR("model: fabric %s is %lld bytes, it was %zu when this process mapped it: truncated; detach its functions, remove the file and attach again",
			f->path, (long long)st->st_size, f->size);
		return -EIO;
	}
	return 0;
}

static int
fab_open(struct model_fabric *f, const struct ism_model_opts *opts,
	 bool create)
{
	struct model_hdr h;
	struct stat st;
	int rc;

	for (int tries = 0; ; tries++) {
		f->fd = open(f->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (f->fd >= 0)
			break;
		if (errno == ELOOP) {
			ISM_ERR("model: refusing fabric %s: it is a symbolic link; remove it",
				f->path);
			return -ELOOP;
		}
		if (errno != ENOENT || !create || tries > 2) {
			rc = -errno;
			ISM_ERR("model: cannot open fabric %s: %s", f->path,
				strerror(errno));
			return rc;
		}
		rc = fab_create(f->path, opts);
		if (rc < 0)
			return rc;
	}
	rc = fab_check(f, opts, &st);
	if (rc < 0)
		goto fail;
	f->owner_gid = st.st_gid;
	f->shared = (st.st_mode & 0070) != 0;
	if (st.st_size < (off_t)sizeof(h)) {
		ISM_ERR("model: %s is %lld bytes, too short for an ISM fabric; remove the file",
			f->path, (long long)st.st_size);
		rc = -EBADMSG;
		goto fail;
	}
	if (pread(f->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		rc = -EIO;
		goto fail;
	}
	rc = fab_validate(f->path, &h, st.st_size);
	if (rc < 0)
		goto fail;
	rc = fab_reserve(f->fd, f->path, h.file_size, h.heap_pages * MODEL_PAGE);
	if (rc < 0)
		goto fail;
	f->dir_fd = perm_dir_open(f->path, &st, true);
	if (f->dir_fd < 0) {
		rc = f->dir_fd;
		goto fail;
	}
	f->size = h.file_size;
	f->base = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       f->fd, 0);
	if (f->base == MAP_FAILED) {
		rc = -errno;
		f->base = NULL;
		ISM_ERR("model: cannot map %s: %s", f->path, strerror(errno));
		goto fail_dir;
	}
	f->guard = guard_add(f->base, f->size);
	f->cut = guard_flag(f->guard);
	f->hdr = (struct model_hdr *)f->base;
	f->slots = (struct model_slot *)(f->base + h.slots_off);
	f->owner = f->base + h.owner_off;
	f->heap = f->base + h.heap_off;
	f->heap_len = h.heap_pages * MODEL_PAGE;
	return 0;
fail_dir:
	close(f->dir_fd);
fail:
	close(f->fd);
	return rc;
}

bool
fab_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* The registered mapping of @path, if it still maps the same file. */
static struct model_fabric *
registry_find(const char *path)
{
	struct stat now, mapped;

	for (struct model_fabric *f = registry; f != NULL; f = f->next) {
		if (strcmp(f->path, path) != 0)
			continue;
		if (lstat(path, &now) == 0 && fstat(f->fd, &mapped) == 0 &&
		    fab_same_file(&now, &mapped))
			return f;
	}
	return NULL;
}

int
fab_get(const char *name, const struct ism_model_opts *opts, bool create,
	struct model_fabric **fp)
{
	struct model_fabric *f;
	char path[256];
	int rc;

	rc = ism_model_path(name, path, sizeof(path));
	if (rc < 0) {
		ISM_ERR("model: bad fabric name '%s': use 1..%d characters of A-Z a-z 0-9 . _ - (not starting with '.')",
			name != NULL ? name : "", ISM_MODEL_NAME_MAX);
		return rc;
	}
	pthread_mutex_lock(&registry_lock);
	f = registry_find(path);
	if (f != NULL) {
		struct stat st;

		rc = fab_check(f, opts, &st);
		if (rc == 0)
			f->refs++;
		pthread_mutex_unlock(&registry_lock);
		*fp = f;
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		pthread_mutex_unlock(&registry_lock);
		return -ENOMEM;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->path, sizeof(f->path), "%s", path);
	for (int i = 0; i < ISM_MODEL_MAX_FUNCTIONS; i++)
		f->irq_fds[i] = -1;
	f->dir_fd = -1;
	f->guard = -1;
	f->cut = guard_flag(-1);
	pthread_mutex_init(&f->cmd_lock, NULL);
	pthread_mutex_init(&f->irq_lock, NULL);
	rc = fab_open(f, opts, create);
	if (rc == 0)
		rc = reaper_start(f);
	if (rc < 0) {
		if (f->base != NULL) {
			guard_del(f->guard);
			munmap(f->base, f->size);
			close(f->dir_fd);
			close(f->fd);
		}
		pthread_mutex_unlock(&registry_lock);
		free(f);
		return rc;
	}
	f->refs = 1;
	f->next = registry;
	registry = f;
	pthread_mutex_unlock(&registry_lock);
	*fp = f;
	return 0;
}

void
fab_put(struct model_fabric *f)
{
	struct model_fabric **pp;

	pthread_mutex_lock(&registry_lock);
	if (--f->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &registry; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	reaper_stop(f);
	ev_irq_forget(f);
	guard_del(f->guard);
	munmap(f->base, f->size);
	close(f->dir_fd);
	close(f->fd);
	pthread_mutex_destroy(&f->cmd_lock);
	pthread_mutex_destroy(&f->irq_lock);
	free(f);
}

static int
fd_record_lock(int fd, short type, off_t byte, int cmd)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

static int
record_lock(struct model_fabric *f, short type, off_t byte, int cmd)
{
	return fd_record_lock(f->fd, type, byte, cmd);
}

/* The command lock's record lock, waiting up to MODEL_LOCK_TIMEOUT_MS. */
static int
fd_cmd_lock(int fd, const char *path)
{
	int waited_us = 0, rc;

	for (;;) {
		rc = fd_record_lock(fd, F_WRLCK, MODEL_LOCK_CMD, F_SETLK);
		if (rc == 0)
			return 0;
		if (rc != -EAGAIN && rc != -EACCES && rc != -EINTR)
			break;
		if (waited_us >= MODEL_LOCK_TIMEOUT_MS * 1000) {
			rc = -ETIMEDOUT;
			break;
		}
		sleep_us(200);
		waited_us += 200;
	}
	ISM_ERR("model: %s: cannot take the fabric command lock: %s (a stopped process holds it?)",
		path, strerror(-rc));
	return rc;
}

int
fab_lock(struct model_fabric *f)
{
	int rc;

	if (fab_cut(f))
		return -EIO;
	pthread_mutex_lock(&f->cmd_lock);
	rc = fd_cmd_lock(f->fd, f->path);
	if (rc < 0)
		pthread_mutex_unlock(&f->cmd_lock);
	return rc;
}

void
fab_unlock(struct model_fabric *f)
{
	record_lock(f, F_UNLCK, MODEL_LOCK_CMD, F_SETLK);
	pthread_mutex_unlock(&f->cmd_lock);
}

int
fab_peek_begin(const char *path, const struct stat *lst, int flags,
	       struct fab_peek *p)
{
	struct stat st;

	p->f = NULL;
	pthread_mutex_lock(&registry_lock);
	for (struct model_fabric *f = registry; f != NULL; f = f->next) {
		if (fstat(f->fd, &st) == 0 && fab_same_file(&st, lst)) {
			p->f = f;
			p->fd = f->fd;
			return 0;
		}
	}
	p->fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0) {
		int rc = -errno;

		pthread_mutex_unlock(&registry_lock);
		return rc;
	}
	return 0;
}

void
fab_peek_end(struct fab_peek *p)
{
	if (p->f == NULL)
		close(p->fd);
	p->fd = -1;
	p->f = NULL;
	pthread_mutex_unlock(&registry_lock);
}

int
fab_peek_lock(struct fab_peek *p, const char *path)
{
	return p->f != NULL ? fab_lock(p->f) : fd_cmd_lock(p->fd, path);
}

void
fab_peek_unlock(struct fab_peek *p)
{
	if (p->f != NULL)
		fab_unlock(p->f);
	else
		fd_record_lock(p->fd, F_UNLCK, MODEL_LOCK_CMD, F_SETLK);
}

int
fab_hold_slot(struct model_fabric *f, unsigned int slot, bool hold)
{
	return record_lock(f, hold ? F_WRLCK : F_UNLCK, MODEL_LOCK_SLOT(slot),
			   F_SETLK);
}

bool
fab_slot_alive(struct model_fabric *f, unsigned int slot)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = MODEL_LOCK_SLOT(slot),
		.l_len = 1,
	};

	if (f->slots[slot].pid == getpid())
		return true;
	if (fcntl(f->fd, F_GETLK, &fl) < 0)
		return true;	/* cannot tell: never reap on doubt */
	return fl.l_type != F_UNLCK;
}

bool
fab_keep_env(void)
{
	const char *env = secure_getenv("ISM_MODEL_KEEP");

	return env != NULL && env[0] != '\0' && strcmp(env, "0") != 0;
}

/* Whether the name still leads to the file this process has open. */
static bool
fab_at_path(struct model_fabric *f)
{
	struct stat now, mine;

	return lstat(f->path, &now) == 0 && fstat(f->fd, &mine) == 0 &&
		fab_same_file(&now, &mine);
}

/*
 * Attach and the statistics need a fabric that is not on its way out. A
 * file retired between our open and our lock is gone from its name by
 * the time we hold the lock (the remover unlinks it before it unlocks):
 * let it go and open the name again, which finds the next fabric or
 * makes one, as every other process that lost the same race does. A
 * retired file still at its name lost its remover mid-way (it died
 * between the mark and the unlink): the mark is void and is cleared.
 */
int
fab_get_locked(const char *name, const struct ism_model_opts *opts,
	       bool create, struct model_fabric **fp)
{
	struct model_fabric *f;
	int rc;

	for (int tries = 0; ; tries++) {
		rc = fab_get(name, opts, create, &f);
		if (rc < 0)
			return rc;
		rc = fab_lock(f);
		if (rc < 0) {
			fab_put(f);
			return rc;
		}
		if (!__atomic_load_n(&f->hdr->retired, __ATOMIC_ACQUIRE)) {
			*fp = f;
			return 0;
		}
		if (fab_at_path(f)) {
			ISM_WARN("model: %s: a process removing the fabric stopped half-way; using it",
				 f->path);
			__atomic_store_n(&f->hdr->retired, 0, __ATOMIC_RELEASE);
			*fp = f;
			return 0;
		}
		fab_unlock(f);
		fab_put(f);
		if (tries >= 1000) {
			ISM_ERR("model: %s: the fabric was removed under %d attaches in a row; try again",
				name, tries + 1);
			return -EAGAIN;
		}
		ISM_DEBUG("model: %s: the fabric was removed meanwhile; opening it again",
			  name);
		sleep_us(tries < 10 ? 0 : 100);
	}
}

/*
 * The last function out removes the fabric, under the fabric lock: its
 * FIFO directory first, so that no later fabric of the name ever shares
 * it with this one (a new file can only be linked once this one left the
 * name), then the file. Dead functions left do not hold the fabric; they
 * are released here. Only the owner of the file removes it (/dev/shm is
 * sticky): a shared fabric whose last function is another member's stays
 * for its owner or ism-ctl fabric rm.
 */
void
fab_retire_unused(struct model_fabric *f)
{
	struct stat st;

	if (__atomic_load_n(&f->hdr->keep, __ATOMIC_ACQUIRE))
		return;
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++) {
		uint32_t state = __atomic_load_n(&f->slots[s].state,
						 __ATOMIC_ACQUIRE);

		if (state == SLOT_REAPING ||
		    (state == SLOT_ACTIVE && !fab_slot_alive(f, s)))
			reap_slot(f, s);
		if (f->slots[s].state != SLOT_FREE)
			return;
	}
	if (fstat(f->fd, &st) < 0 || st.st_nlink == 0 ||
	    st.st_uid != geteuid() || !fab_at_path(f))
		return;
	__atomic_store_n(&f->hdr->retired, 1, __ATOMIC_SEQ_CST);
	perm_dir_remove(f->path, st.st_uid);
	if (unlink(f->path) < 0) {
		ISM_WARN("model: %s: the last function detached but the file cannot be removed: %s; ism-ctl fabric rm removes it",
			 f->path, strerror(errno));
		__atomic_store_n(&f->hdr->retired, 0, __ATOMIC_RELEASE);
		return;
	}
	ISM_DEBUG("model: %s: the last function detached; fabric removed",
		  f->path);
}

int
ism_model_unlink(const char *name)
{
	/* as ism-ctl fabric rm --force: retired under the fabric lock, so
	 * that an attach racing the removal opens the name again rather
	 * than join the file that is going */
	return ism_model_fabric_remove(name, 1);
}

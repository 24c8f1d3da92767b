/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fabrics seen from outside, for tools: list, describe and remove the
 * fabric files of the fabric directory without attaching a function or
 * mapping a file (reads go through pread(), so a truncated file cannot
 * fault). The directory is shared with other users (/dev/shm): an entry
 * is looked at with lstat() and opened O_NOFOLLOW, a symbolic link is
 * reported and never followed, and nothing but a regular file of the
 * caller with the fabric magic is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

#define FABRIC_PREFIX	"ism-fabric."
/* fab_create()'s temporary name: NAME.new.XXXXXX */
#define TEMP_INFIX	".new."
#define TEMP_RANDOM	6
/* A temporary file older than this lost its creator (a fabric is made
 * within a second): list it, so that it can be removed. */
#define TEMP_ABANDONED_S	60

const char *
ism_model_fabric_state_name(enum ism_model_fabric_state s)
{
	switch (s) {
	case ISM_MODEL_FABRIC_LIVE: return "live";
	case ISM_MODEL_FABRIC_STALE: return "stale";
	case ISM_MODEL_FABRIC_OTHER_VERSION: return "other-version";
	case ISM_MODEL_FABRIC_DAMAGED: return "damaged";
	case ISM_MODEL_FABRIC_UNREADABLE: return "unreadable";
	case ISM_MODEL_FABRIC_NOT_FABRIC: return "not-a-fabric";
	}
	return "unknown";
}

/* Another process holds the liveness lock of @slot. */
static bool
slot_lock_held(int fd, unsigned int slot)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = MODEL_LOCK_SLOT(slot),
		.l_len = 1,
	};

	if (fcntl(fd, F_GETLK, &fl) < 0)
		return true;	/* cannot tell: never call it dead on doubt */
	return fl.l_type != F_UNLCK;
}

static unsigned int
slot_locks_held(int fd)
{
	unsigned int n = 0;

	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++)
		n += slot_lock_held(fd, s);
	return n;
}

/* The functions of a fabric of this layout, from its slots. A record
 * lock does not conflict with its own process's: this process's own
 * functions are alive when it maps the fabric (@mine). */
static int
read_functions(int fd, const struct model_hdr *h, bool mine,
	       struct ism_model_fabric_info *info)
{
	size_t len = (size_t)ISM_MODEL_MAX_FUNCTIONS * sizeof(struct model_slot);
	struct model_slot *slots = malloc(len);

	if (slots == NULL)
		return -ENOMEM;
	if (pread(fd, slots, len, (off_t)h->slots_off) != (ssize_t)len) {
		free(slots);
		return -EIO;
	}
	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++) {
		const struct model_slot *sl = &slots[s];
		struct ism_model_fabric_fn *fn = &info->fn[info->functions];

		if (sl->state != SLOT_ACTIVE && sl->state != SLOT_REAPING)
			continue;
		fn->slot = s;
		fn->gid = sl->gid;
		fn->pid = sl->pid;
		fn->alive = sl->state == SLOT_ACTIVE &&
			((mine && sl->pid == getpid()) || slot_lock_held(fd, s));
		memcpy(fn->label, sl->label, sizeof(fn->label) - 1);
		fn->label[sizeof(fn->label) - 1] = '\0';
		info->functions++;
		info->live += fn->alive != 0;
	}
	free(slots);
	return 0;
}

/* What the open regular file @fd holds. */
static int
read_fabric(int fd, const struct stat *st, bool mine,
	    struct ism_model_fabric_info *info)
{
	struct model_hdr h;
	ssize_t n;

	memset(&h, 0, sizeof(h));
	n = pread(fd, &h, sizeof(h), 0);
	if (n < (ssize_t)sizeof(h.magic) ||
	    memcmp(h.magic, MODEL_MAGIC, sizeof(h.magic)) != 0) {
		info->state = ISM_MODEL_FABRIC_NOT_FABRIC;
		snprintf(info->why, sizeof(info->why),
			 "no ISM fabric in it (no fabric magic)");
		return 0;
	}
	info->version = n >= (ssize_t)offsetof(struct model_hdr, hdr_size) ?
		h.version : 0;
	if (n < (ssize_t)sizeof(h))
		goto damaged;
	switch (fab_header_problem(&h, (uint64_t)st->st_size)) {
	case HDR_OK:
		break;
	case HDR_VERSION:
		info->state = ISM_MODEL_FABRIC_OTHER_VERSION;
		info->live = slot_locks_held(fd);
		snprintf(info->why, sizeof(info->why),
			 "layout version %u, this library reads %u",
			 h.version, MODEL_VERSION);
		return 0;
	default:
		goto damaged;
	}
	info->kept = h.keep != 0;
	info->heap_size = h.heap_pages * MODEL_PAGE;
	info->attaches = h.attaches;
	info->reaps = h.reaps;
	if (read_functions(fd, &h, mine, info) < 0)
		goto damaged;
	info->state = info->live > 0 ? ISM_MODEL_FABRIC_LIVE :
		ISM_MODEL_FABRIC_STALE;
	return 0;
damaged:
	info->state = ISM_MODEL_FABRIC_DAMAGED;
	info->live = slot_locks_held(fd);
	snprintf(info->why, sizeof(info->why),
		 "fabric magic, but a corrupted header or a truncated file");
	return 0;
}

static void
fill_stat(struct ism_model_fabric_info *info, const struct stat *st)
{
	info->uid = st->st_uid;
	info->gid = st->st_gid;
	info->mode = st->st_mode;
	info->size = (uint64_t)st->st_size;
	info->allocated = (uint64_t)st->st_blocks * 512u;
}

/* Describe the entry at @path, which lstat() found as @lst. */
static int
describe(const char *name, const char *path, const struct stat *lst,
	 struct ism_model_fabric_info *info)
{
	struct fab_peek p;
	struct stat st;
	int rc;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	snprintf(info->path, sizeof(info->path), "%s", path);
	fill_stat(info, lst);
	info->state = ISM_MODEL_FABRIC_NOT_FABRIC;
	if (S_ISLNK(lst->st_mode)) {
		snprintf(info->why, sizeof(info->why),
			 "a symbolic link (not followed)");
		return 0;
	}
	if (!S_ISREG(lst->st_mode)) {
		snprintf(info->why, sizeof(info->why),
			 "not a regular file (type %o)",
			 (unsigned int)(lst->st_mode & S_IFMT) >> 12);
		return 0;
	}
	rc = fab_peek_begin(path, lst, O_RDONLY, &p);
	if (rc == -ENOENT)
		return rc;
	if (rc < 0) {
		info->state = ISM_MODEL_FABRIC_UNREADABLE;
		snprintf(info->why, sizeof(info->why), "cannot open it: %s",
			 strerror(-rc));
		return 0;
	}
	if (fstat(p.fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !fab_same_file(&st, lst)) {
		fab_peek_end(&p);
		snprintf(info->why, sizeof(info->why),
			 "replaced while looked at");
		return 0;
	}
	fill_stat(info, &st);
	rc = read_fabric(p.fd, &st, p.f != NULL, info);
	fab_peek_end(&p);
	return rc;
}

int
ism_model_fabric_info(const char *name, struct ism_model_fabric_info *info)
{
	char path[256];
	struct stat lst;
	int rc = ism_model_path(name, path, sizeof(path));

	if (rc < 0)
		return rc;
	if (lstat(path, &lst) < 0)
		return -errno;
	return describe(name, path, &lst, info);
}

/* A half-made fabric of a creator that is still at work. */
static bool
temp_in_progress(const char *name, const struct stat *lst)
{
	size_t n = strlen(name), k = strlen(TEMP_INFIX);

	if (n < k + TEMP_RANDOM + 1 ||
	    strncmp(name + n - TEMP_RANDOM - k, TEMP_INFIX, k) != 0)
		return false;
	return time(NULL) - lst->st_mtime < TEMP_ABANDONED_S;
}

int
ism_model_fabric_list(ism_model_fabric_cb cb, void *arg)
{
	const char *dir = fab_dir();
	size_t plen = strlen(FABRIC_PREFIX);
	struct ism_model_fabric_info *info;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	info = malloc(sizeof(*info));
	if (info == NULL)
		return -ENOMEM;
	d = opendir(dir);
	if (d == NULL) {
		rc = -errno;
		free(info);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name + plen;
		char path[256];
		struct stat lst;

		if (strncmp(de->d_name, FABRIC_PREFIX, plen) != 0 ||
		    ism_model_path(name, path, sizeof(path)) < 0 ||
		    lstat(path, &lst) < 0 || S_ISDIR(lst.st_mode) ||
		    temp_in_progress(name, &lst))
			continue;	/* FIFO directories, gone meanwhile */
		if (describe(name, path, &lst, info) == 0)
			rc = cb(arg, info);
	}
	closedir(d);
	free(info);
	return rc;
}

/* Live functions of the peeked fabric, which is of this layout. */
static int
live_functions(struct fab_peek *p, const struct model_hdr *h,
	       unsigned int *live)
{
	struct ism_model_fabric_info *info = calloc(1, sizeof(*info));
	int rc;

	if (info == NULL)
		return -ENOMEM;
	rc = read_functions(p->fd, h, p->f != NULL, info);
	*live = info->live;
	free(info);
	return rc;
}

static int
set_retired(int fd, uint32_t v)
{
	off_t off = (off_t)offsetof(struct model_hdr, retired);

	return pwrite(fd, &v, sizeof(v), off) == (ssize_t)sizeof(v) ? 0 :
		errno != 0 ? -errno : -EIO;
}

/*
 * Remove the peeked file @st at @path: the FIFO directory first, as the
 * last detach does, then the file, if the name still leads to it.
 */
static int
remove_file(const char *path, const struct stat *st)
{
	struct stat now;

	perm_dir_remove(path, st->st_uid);
	if (lstat(path, &now) < 0)
		return -errno;
	if (!fab_same_file(&now, st))
		return -ENOENT;	/* replaced: not the file we judged */
	return unlink(path) < 0 ? -errno : 0;
}

int
ism_model_fabric_remove(const char *name, int force)
{
	char path[256];
	struct model_hdr h;
	struct fab_peek p;
	struct stat lst, st;
	unsigned int live = 0;
	bool locked = false, marked = false;
	ssize_t n;
	int rc;

	rc = ism_model_path(name, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (lstat(path, &lst) < 0)
		return -errno;
	if (S_ISLNK(lst.st_mode))
		return -ELOOP;
	if (!S_ISREG(lst.st_mode) || lst.st_uid != geteuid())
		return -EPERM;
	rc = fab_peek_begin(path, &lst, O_RDWR, &p);
	if (rc < 0)
		return rc;
	if (fstat(p.fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !fab_same_file(&st, &lst) || st.st_uid != geteuid()) {
		rc = -EPERM;
		goto out;
	}
	memset(&h, 0, sizeof(h));
	n = pread(p.fd, &h, sizeof(h), 0);
	if (n < (ssize_t)sizeof(h.magic) ||
	    memcmp(h.magic, MODEL_MAGIC, sizeof(h.magic)) != 0) {
		rc = -EPROTO;
		goto out;
	}
	if (n == (ssize_t)sizeof(h) &&
	    fab_header_problem(&h, (uint64_t)st.st_size) == HDR_OK) {
		/* as the last detach: marked under the lock, so that an
		 * attach that opened the file meanwhile opens the name again */
		rc = fab_peek_lock(&p, path);
		if (rc < 0 && !force)
			goto out;
		locked = rc == 0;
		rc = live_functions(&p, &h, &live);
		if (rc < 0)
			goto out;
		if (live > 0 && !force) {
			rc = -EBUSY;
			goto out;
		}
		rc = set_retired(p.fd, 1);
		if (rc < 0)
			goto out;
		marked = true;
	} else {
		live = slot_locks_held(p.fd);
		if (live > 0 && !force) {
			rc = -EBUSY;
			goto out;
		}
	}
	rc = remove_file(path, &st);
	if (rc < 0 && marked)
		set_retired(p.fd, 0);
	if (rc == 0)
		ISM_DEBUG("model: %s removed (%u live functions)", path, live);
out:
	if (locked)
		fab_peek_unlock(&p);
	fab_peek_end(&p);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may use a fabric. Anyone who can open the file reads every DMB of
 * every function in it, so a file another user made (or could open) is
 * never attached to: it must be a regular file of the caller with no
 * group or other access, unless the caller asked to share it with one
 * group. The interrupt FIFOs live in a directory of the fabric's owner
 * (FABRIC.d) so that nobody else can put a link or a file in their place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ism_private.h"
#include "model_fabric.h"

#define DIR_MODE_PRIVATE	0700
/* setgid: FIFOs get the fabric's group; sticky: members cannot remove or
 * replace each other's FIFOs */
#define DIR_MODE_SHARED		(S_ISGID | S_ISVTX | 0770)
#define FIFO_MODE_PRIVATE	0600
#define FIFO_MODE_SHARED	0620

void
perm_from_opts(const struct ism_model_opts *o, struct fab_access *a)
{
	a->share = o != NULL && o->share_group;
	a->gid = a->share ? o->share_gid : 0;
}

/*
 * The name of @id in /etc/passwd or /etc/group ("name:x:id:..."), read
 * directly: the library also links statically, where the NSS functions
 * are not available. An id without a local name is shown as a number.
 */
static void
id_name(const char *db, const char *kind, unsigned int id, char *buf,
	size_t len)
{
	FILE *fp = fopen(db, "re");
	char line[512];

	snprintf(buf, len, "%s %u", kind, id);
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *pw = strchr(line, ':');
		char *idf = pw != NULL ? strchr(pw + 1, ':') : NULL;
		char *end;
		unsigned long v;

		if (idf == NULL)
			continue;
		v = strtoul(idf + 1, &end, 10);
		if (end == idf + 1 || *end != ':' || v != id)
			continue;
		*pw = '\0';
		snprintf(buf, len, "%.64s (%s %u)", line, kind, id);
		break;
	}
	fclose(fp);
}

static void
user_name(uid_t uid, char *buf, size_t len)
{
	id_name("/etc/passwd", "uid", (unsigned int)uid, buf, len);
}

static void
group_name(gid_t gid, char *buf, size_t len)
{
	id_name("/etc/group", "gid", (unsigned int)gid, buf, len);
}

int
perm_create_mode(const char *path, const struct fab_access *a,
		 const struct ism_model_opts *o, mode_t *mode)
{
	mode_t m = o != NULL && o->mode ? o->mode : (a->share ? 0660 : 0600);

	if ((m & 0600) != 0600 || (m & ~(mode_t)0777) != 0 ||
	    (m & 0007) != 0 || ((m & 0070) != 0 && !a->share)) {
		ISM_ERR("model: %s: mode %04o is not allowed: a fabric is read and written by its owner (0600) and shared with nobody else but, with share_group set, one group (0640/0660)",
			path, (unsigned int)m);
		return -EINVAL;
	}
	*mode = m;
	return 0;
}

int
perm_check_file(const char *path, const struct stat *st,
		const struct fab_access *a)
{
	bool group_ok = a->share && st->st_gid == a->gid;
	mode_t m = st->st_mode & 07777;
	char owner[160], group[160];

	if (!S_ISREG(st->st_mode)) {
		ISM_ERR("model: refusing fabric %s: it is not a regular file (type %o); remove it",
			path, (unsigned int)(st->st_mode & S_IFMT) >> 12);
		return -EPERM;
	}
	user_name(st->st_uid, owner, sizeof(owner));
	group_name(st->st_gid, group, sizeof(group));
	if (st->st_uid != geteuid() && !group_ok) {
		ISM_ERR("model: refusing fabric %s: it belongs to %s, group %s, mode %04o, not to you (uid %u): its owner can read every DMB in it; remove it if you do not know who made it, or attach with share_group and share_gid %u to share it with that group on purpose",
			path, owner, group, (unsigned int)m,
			(unsigned int)geteuid(), (unsigned int)st->st_gid);
		return -EPERM;
	}
	if ((m & 0007) != 0 || (m & ~(mode_t)0777) != 0 ||
	    ((m & 0070) != 0 && !group_ok)) {
		ISM_ERR("model: refusing fabric %s of %s, group %s: mode %04o lets %s open it and read every DMB; remove it and attach again (a new fabric is 0600), or, for a fabric shared with its group on purpose, give it mode 0660 and attach with share_group and share_gid %u",
			path, owner, group, (unsigned int)m,
			(m & 0007) != 0 ? "every local user" : "its group",
			(unsigned int)st->st_gid);
		return -EPERM;
	}
	return 0;
}

static void
dir_path(const char *fabric_path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.d", fabric_path);
}

static int
dir_check(const char *dpath, const struct stat *ds, const struct stat *fst)
{
	bool shared = (fst->st_mode & 0070) != 0;
	mode_t m = ds->st_mode & 07777;
	char owner[160];

	user_name(ds->st_uid, owner, sizeof(owner));
	if (!S_ISDIR(ds->st_mode) || ds->st_uid != fst->st_uid ||
	    (m & 0007) != 0 ||
	    (shared ? ds->st_gid != fst->st_gid || ((m & 0020) && !(m & S_ISVTX)) :
		      (m & 0077) != 0)) {
		ISM_ERR("model: refusing the interrupt FIFO directory %s: %s of %s, mode %04o; it must be a directory of the fabric's owner (uid %u) with mode %04o; remove it and attach again",
			dpath, S_ISDIR(ds->st_mode) ? "a directory" : "not a directory",
			owner, (unsigned int)m, (unsigned int)fst->st_uid,
			shared ? DIR_MODE_SHARED : DIR_MODE_PRIVATE);
		return -EPERM;
	}
	return 0;
}

int
perm_dir_open(const char *fabric_path, const struct stat *fst, bool create)
{
	bool shared = (fst->st_mode & 0070) != 0;
	mode_t mode = shared ? DIR_MODE_SHARED : DIR_MODE_PRIVATE;
	bool made = false;
	char dpath[300];
	struct stat ds;
	int fd, rc;

	dir_path(fabric_path, dpath, sizeof(dpath));
	/* the directory found by mkdir() may go before the open(), with
	 * the last function of the fabric it belonged to: make it again */
	for (int tries = 0; ; tries++) {
		made = false;
		if (create && fst->st_uid == geteuid()) {
			if (mkdir(dpath, 0700) == 0)
				made = true;
			else if (errno != EEXIST)
				goto sys_fail;
		}
		fd = open(dpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT || !create || tries >= 100)
			break;
	}
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR) {
			ISM_ERR("model: refusing the interrupt FIFO directory %s: it is not a directory (a symbolic link?); remove it and attach again",
				dpath);
			return -EPERM;
		}
		goto sys_fail;
	}
	if (fstat(fd, &ds) < 0)
		goto fd_fail;
	/* mkdir applied the umask; what we made we give its mode on the
	 * descriptor, never by path */
	if (made && ds.st_uid == geteuid() && S_ISDIR(ds.st_mode) &&
	    ((shared && fchown(fd, (uid_t)-1, fst->st_gid) < 0) ||
	     fchmod(fd, mode) < 0 || fstat(fd, &ds) < 0))
		goto fd_fail;
	rc = dir_check(dpath, &ds, fst);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;

fd_fail:
	rc = -errno;
	close(fd);
	errno = -rc;
sys_fail:
	rc = -errno;
	ISM_ERR("model: cannot %s the interrupt FIFO directory %s: %s",
		create ? "create" : "open", dpath, strerror(errno));
	return rc;
}

void
perm_dir_remove(const char *fabric_path, uid_t owner)
{
	char dpath[300];
	struct dirent *de;
	struct stat ds;
	DIR *d;
	int fd;

	dir_path(fabric_path, dpath, sizeof(dpath));
	fd = open(dpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	/* only a directory of the fabric's owner is emptied */
	if (fstat(fd, &ds) < 0 || ds.st_uid != owner) {
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "irq.", 4) == 0)
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	rmdir(dpath);
}

/*
 * The FIFO directory of a private fabric exists while functions are
 * attached: the last one out removes it (under the fabric lock), and the
 * next attach makes it again. A shared fabric keeps it while its file
 * exists (a member could not make it again as the owner). Only the
 * directory this process checked is removed, and only if it is empty.
 */
void
perm_dir_release(struct model_fabric *f)
{
	struct stat fs, ds, now;
	char dpath[300];

	for (unsigned int s = 0; s < ISM_MODEL_MAX_FUNCTIONS; s++)
		if (__atomic_load_n(&f->slots[s].state, __ATOMIC_ACQUIRE) != SLOT_FREE)
			return;
	if (fstat(f->fd, &fs) < 0 || fstat(f->dir_fd, &ds) < 0 ||
	    (fs.st_nlink != 0 && (f->shared || fs.st_uid != geteuid())))
		return;
	dir_path(f->path, dpath, sizeof(dpath));
	if (lstat(dpath, &now) == 0 && now.st_ino == ds.st_ino &&
	    now.st_dev == ds.st_dev)
		rmdir(dpath);
}

/*
 * Before a function makes its FIFO, under the fabric lock: the directory
 * this process holds may have gone with the last function of another
 * process; then it is made (and checked) again.
 */
int
perm_dir_ready(struct model_fabric *f)
{
	struct stat ds, fs;
	int fd;

	if (fstat(f->dir_fd, &ds) == 0 && ds.st_nlink != 0)
		return 0;
	if (fstat(f->fd, &fs) < 0)
		return -errno;
	fd = perm_dir_open(f->path, &fs, true);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&f->irq_lock);
	close(f->dir_fd);
	f->dir_fd = fd;
	pthread_mutex_unlock(&f->irq_lock);
	return 0;
}

mode_t
perm_fifo_mode(const struct model_fabric *f)
{
	return f->shared ? FIFO_MODE_SHARED : FIFO_MODE_PRIVATE;
}

/*
 * May the model write into this FIFO? It must be a FIFO, of this process's
 * user when it is its own or the fabric is private, of the fabric's group
 * and closed to others when the fabric is shared.
 */
bool
perm_fifo_ok(const struct model_fabric *f, const struct stat *st, bool own)
{
	if (!S_ISFIFO(st->st_mode) || (st->st_mode & 0007) != 0)
		return false;
	if (!f->shared)
		return st->st_uid == geteuid() && (st->st_mode & 0077) == 0;
	if (own)
		return st->st_uid == geteuid();
	return st->st_gid == f->owner_gid;
}

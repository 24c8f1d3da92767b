/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Other local users and the fabric: a fabric open to everyone, one of
 * another user, symbolic links in place of the fabric, its FIFO directory
 * or a FIFO, a FIFO replaced by a regular file, and sharing with one group
 * on purpose (a second user in a child process). The tests that need a
 * second user run as root (chown to nobody, setuid in a child) and are
 * skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define NOBODY 65534
#define WAIT_MS 5000
#define EV_HELLO 0x5151

static void
path_of(const char *name, char *buf, size_t len)
{
	if (ism_model_path(name, buf, len) < 0)
		exit(99);
}

static bool
log_has(const char *what)
{
	return strstr(tu_last_log, what) != NULL;
}

/* A file with known bytes, to check it is never written. */
static void
make_victim(const char *path, char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		exit(99);
	close(fd);
}

static bool
same_bytes(const char *path, const char *data, size_t len)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)len && memcmp(buf, data, len) == 0;
}

static void
test_open_to_all(void)
{
	char path[256], uid[32];

	snprintf(uid, sizeof(uid), "uid %u", (unsigned int)geteuid());
	CHECK_EQ(tu_attach_close("open", NULL), 0, "a private fabric");
	path_of("open", path, sizeof(path));
	CHECK_EQ(chmod(path, 0666), 0, "someone makes it 0666");
	CHECK_EQ(tu_attach_close("open", NULL), -EPERM, "a fabric of mode 0666 is refused");
	CHECK(log_has(path) && log_has("mode 0666") && log_has(uid) &&
	      log_has("remove it"),
	      "the error names the file, its owner and mode, and the fix: %s",
	      tu_last_log);
	chmod(path, 0640);
	CHECK_EQ(tu_attach_close("open", NULL), -EPERM, "mode 0640 too, without share_group");
	CHECK(log_has("its group"), "and says who could read it: %s", tu_last_log);
	chmod(path, 0600);
	CHECK_EQ(tu_attach_close("open", NULL), 0, "0600 again: attached");
	ism_model_unlink("open");
}

static void
test_other_users(void)
{
	char path[256], dpath[300];

	if (geteuid() != 0) {
		check_skip("fabrics of another user", "needs root to chown to uid 65534");
		return;
	}
	CHECK_EQ(tu_attach_close("squat", NULL), 0, "a fabric");
	path_of("squat", path, sizeof(path));
	CHECK_EQ(chown(path, NOBODY, NOBODY), 0, "given to uid 65534");
	CHECK_EQ(tu_attach_close("squat", NULL), -EPERM, "a fabric of another user, mode 0600, is refused");
	CHECK(log_has(path) && log_has("uid 65534") && log_has("mode 0600") &&
	      log_has("share_group"),
	      "the error names the file, the owner and the mode: %s", tu_last_log);
	chmod(path, 0666);
	CHECK_EQ(tu_attach_close("squat", NULL), -EPERM, "nor with mode 0666 (the squatter's case)");
	CHECK(log_has("uid 65534") && log_has("mode 0666"), "named: %s", tu_last_log);
	ism_model_unlink("squat");

	/* the FIFO directory squatted before the fabric exists */
	path_of("dirsquat", path, sizeof(path));
	snprintf(dpath, sizeof(dpath), "%s.d", path);
	CHECK_EQ(mkdir(dpath, 0700), 0, "someone makes the FIFO directory");
	CHECK_EQ(chown(dpath, NOBODY, NOBODY), 0, "as uid 65534");
	CHECK_EQ(tu_attach_close("dirsquat", NULL), -EPERM, "a FIFO directory of another user is refused");
	CHECK(log_has(dpath) && log_has("uid 65534"), "named: %s", tu_last_log);
	CHECK(access(path, F_OK) != 0, "and no fabric was published");
	rmdir(dpath);
	CHECK_EQ(mkdir(dpath, 0777), 0, "a FIFO directory of ours");
	chmod(dpath, 0777);
	CHECK_EQ(tu_attach_close("dirsquat", NULL), -EPERM, "open to everyone: refused");
	CHECK(log_has("mode 0777"), "named: %s", tu_last_log);
	rmdir(dpath);
	CHECK_EQ(tu_attach_close("dirsquat", NULL), 0, "attaches once it is gone");
	ism_model_unlink("dirsquat");
}

static void
test_links(void)
{
	char path[256], dpath[300], victim[300], data[100];
	struct stat st;

	path_of("link", path, sizeof(path));
	snprintf(victim, sizeof(victim), "%s.victim", path);
	make_victim(victim, data, sizeof(data));
	CHECK_EQ(symlink(victim, path), 0, "the fabric name is a link to a file");
	CHECK_EQ(tu_attach_close("link", NULL), -ELOOP, "a linked fabric is refused");
	CHECK(log_has("symbolic link"), "said so: %s", tu_last_log);
	CHECK(same_bytes(victim, data, sizeof(data)), "the target is untouched byte for byte");
	unlink(path);

	snprintf(dpath, sizeof(dpath), "%s.d", path);
	CHECK_EQ(symlink(victim, dpath), 0, "the FIFO directory is a link");
	CHECK_EQ(tu_attach_close("link", NULL), -EPERM, "refused");
	CHECK(log_has(dpath), "named: %s", tu_last_log);
	CHECK(same_bytes(victim, data, sizeof(data)), "the target is untouched");
	unlink(dpath);
	CHECK_EQ(stat(victim, &st), 0, "the target is still there");
	CHECK_EQ(st.st_mode & 0777, 0600, "with its mode");
	unlink(victim);
}

/* Where the FIFO of @gid is; the layout before FIFO directories too. */
static void
fifo_path(const char *name, uint64_t gid, char *buf, size_t len)
{
	char path[256];
	struct stat st;

	path_of(name, path, sizeof(path));
	snprintf(buf, len, "%s.d/irq.%016llx", path, (unsigned long long)gid);
	if (lstat(buf, &st) < 0)
		snprintf(buf, len, "%s.irq.%016llx", path,
			 (unsigned long long)gid);
}

/* Replace A's FIFO by @how, then B signals A with an interrupt. */
static void
fifo_replaced(const char *name, bool as_link)
{
	struct ism_dev *a = tu_open(name), *b = tu_open(name);
	char fifo[400], victim[420], data[100];
	struct stat st;

	fifo_path(name, ism_dev_gid(a), fifo, sizeof(fifo));
	snprintf(victim, sizeof(victim), "%s.victim", fifo);
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "A has a FIFO");
	CHECK_EQ(unlink(fifo), 0, "A's FIFO removed");
	if (as_link) {
		make_victim(victim, data, sizeof(data));
		CHECK_EQ(symlink(victim, fifo), 0, "and replaced by a link to a file");
	} else {
		make_victim(fifo, data, sizeof(data));
	}
	tu_last_log[0] = '\0';
	CHECK_EQ(ism_signal(b, ism_dev_gid(a), EV_HELLO, 1, true), 0,
		 "B signals A with an interrupt");
	CHECK(same_bytes(as_link ? victim : fifo, data, sizeof(data)),
	      "the %s is untouched byte for byte",
	      as_link ? "link's target" : "regular file");
	CHECK(log_has("not a FIFO"), "and the model says why: %s", tu_last_log);
	ism_dev_close(b);
	ism_dev_close(a);
	unlink(fifo);
	unlink(victim);
	ism_model_unlink(name);
}

static void
test_fifos(void)
{
	char path[256], dpath[300];
	struct ism_dev *a, *b;
	struct stat st;
	bool ok;

	a = tu_open("fifos");
	path_of("fifos", path, sizeof(path));
	snprintf(dpath, sizeof(dpath), "%s.d", path);
	memset(&st, 0, sizeof(st));
	lstat(dpath, &st);
	CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700 &&
	      st.st_uid == geteuid(),
	      "FIFOs in a 0700 directory of the owner (mode %o)",
	      st.st_mode & 07777);
	b = tu_open("fifos");
	ism_dev_close(a);
	CHECK(lstat(dpath, &st) == 0, "the FIFO directory stays while a function is attached");
	ism_dev_close(b);
	ok = lstat(dpath, &st) < 0 && errno == ENOENT;
	CHECK(ok, "and goes with the last one");
	CHECK(access(path, F_OK) == 0, "the fabric stays");
	a = tu_open("fifos");
	CHECK(lstat(dpath, &st) == 0 && S_ISDIR(st.st_mode),
	      "the next attach makes the directory again");
	CHECK_EQ(ism_model_unlink("fifos"), 0, "unlink the fabric while attached");
	ok = lstat(dpath, &st) < 0 && errno == ENOENT;
	CHECK(ok, "its FIFO directory is gone too");
	ism_dev_close(a);

	/* a fabric file removed by path */
	a = tu_open("fifos");
	b = tu_open("fifos");
	CHECK_EQ(unlink(path), 0, "the fabric file removed by path");
	ism_dev_close(a);
	CHECK(lstat(dpath, &st) == 0, "the FIFO directory stays while a function is attached");
	ism_dev_close(b);
	ok = lstat(dpath, &st) < 0 && errno == ENOENT;
	CHECK(ok, "and goes with the last one");
	fifo_replaced("fifolink", true);
	fifo_replaced("fifofile", false);
}

static struct tu_chan chan;

/* A second user of the sharing group attaches and trades events. */
static int
member(void *arg)
{
	const struct ism_model_opts *o = arg;
	struct ism_transport *t;
	struct tu_events q = { 0 };
	struct ism_dev *dev;
	uint64_t peer;
	gid_t g = o->share_gid;

	if (setgroups(1, &g) < 0 || setgid(g) < 0 || setuid(NOBODY) < 0)
		return 10;
	if (ism_model_attach("group", o, &t) < 0 || ism_dev_open(t, &dev) < 0)
		return 11;
	tu_chan_send(chan.up[1], ism_dev_gid(dev));
	peer = tu_chan_recv(chan.down[0]);
	if (ism_signal(dev, peer, EV_HELLO, 2, true) < 0)
		return 12;
	if (tu_collect(dev, &q, 1, WAIT_MS) < 0 || q.ev[0].code != EV_HELLO ||
	    q.ev[0].info != 1)
		return 13;
	ism_dev_close(dev);
	return 0;
}

static void
test_group(void)
{
	struct ism_model_opts o = { .share_group = 1, .share_gid = NOBODY };
	struct ism_transport *t;
	struct tu_events q = { 0 };
	char path[256], dpath[300];
	struct ism_dev *dev;
	struct stat st;
	pid_t pid;

	if (geteuid() != 0) {
		check_skip("a fabric shared with a group", "needs root for a second user");
		return;
	}
	CHECK_EQ(ism_model_attach("group", &o, &t), 0, "a fabric shared with group 65534");
	CHECK_EQ(ism_dev_open(t, &dev), 0, "opened");
	path_of("group", path, sizeof(path));
	snprintf(dpath, sizeof(dpath), "%s.d", path);
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	CHECK((st.st_mode & 07777) == 0660 && st.st_gid == NOBODY,
	      "mode 0660, group 65534 (%o, %u)", st.st_mode & 07777,
	      (unsigned int)st.st_gid);
	memset(&st, 0, sizeof(st));
	stat(dpath, &st);
	CHECK((st.st_mode & 07777) == 03770 && st.st_gid == NOBODY,
	      "FIFO directory 3770 of the group (%o)", st.st_mode & 07777);
	CHECK_EQ(tu_attach_close("group", NULL), -EPERM, "without share_group it is refused");
	o.share_gid = NOBODY - 1;
	CHECK_EQ(tu_attach_close("group", &o), -EPERM, "for another group too");
	o.share_gid = NOBODY;

	/* the member must reach the fabric's directory */
	chmod(getenv("ISM_MODEL_DIR"), 0711);
	tu_chan_init(&chan);
	pid = tu_spawn(member, &o);
	CHECK_EQ(ism_signal(dev, tu_chan_recv(chan.up[0]), EV_HELLO, 1, true), 0,
		 "signal the member (uid 65534)");
	tu_chan_send(chan.down[1], ism_dev_gid(dev));
	CHECK_EQ(tu_collect(dev, &q, 1, WAIT_MS), 0, "the member's event arrives");
	CHECK(q.n >= 1 && q.ev[0].code == EV_HELLO && q.ev[0].info == 2,
	      "it is the member's hello");
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "the member attached, got our event, detached");
	ism_dev_close(dev);
	CHECK(stat(dpath, &st) == 0, "a shared fabric keeps its FIFO directory");
	chmod(getenv("ISM_MODEL_DIR"), 0700);
	ism_model_unlink("group");
	CHECK(stat(dpath, &st) < 0, "until it is unlinked");
	o.mode = 0666;
	CHECK_EQ(tu_attach_close("group", &o), -EINVAL, "a mode open to others is never created");
}

int
main(void)
{
	tu_private_fabric_dir();
	ism_set_log_fn(tu_keep_log);
	test_open_to_all();
	test_other_users();
	test_links();
	test_fifos();
	test_group();
	return check_done();
}

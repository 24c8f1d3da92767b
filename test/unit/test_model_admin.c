/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fabrics seen from outside (ism_model_fabric_list/_info/_remove): a
 * fabric left by a process killed with SIGKILL is stale and removable; a
 * live one is refused unless forced, and looking at it from a process
 * with functions on it does not cost them their liveness locks; entries
 * of a hostile fabric directory (symbolic links, other users' files,
 * files that are no fabric, FIFOs) are described, never followed and
 * never removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define NOBODY 65534
#define WAIT_MS 10000

static struct tu_chan chan;

static void
path_of(const char *name, char *buf, size_t len)
{
	if (ism_model_path(name, buf, len) < 0)
		exit(99);
}

static bool
exists(const char *name)
{
	char path[256];
	struct stat st;

	path_of(name, path, sizeof(path));
	return lstat(path, &st) == 0;
}

static bool
dir_exists(const char *name)
{
	char path[300];
	struct stat st;

	path_of(name, path, sizeof(path));
	strcat(path, ".d");
	return lstat(path, &st) == 0;
}

/* Attach to the fabric named @arg, report the GID, wait to be told. */
static int
holder(void *arg)
{
	struct ism_transport *t;

	if (ism_model_attach(arg, NULL, &t) < 0)
		return 1;
	tu_chan_send(chan.up[1], ism_model_gid(t));
	tu_chan_recv(chan.down[0]);
	t->ops->close(t);
	return 0;
}

static void
test_killed_is_stale(void)
{
	struct ism_model_fabric_info info;
	uint64_t gid;
	pid_t pid;

	pid = tu_spawn(holder, "killed");
	gid = tu_chan_recv(chan.up[0]);
	CHECK_EQ(ism_model_fabric_info("killed", &info), 0, "info on a live fabric");
	CHECK(info.state == ISM_MODEL_FABRIC_LIVE && info.functions == 1 &&
	      info.live == 1 && info.fn[0].gid == gid && info.fn[0].pid == pid &&
	      info.fn[0].alive,
	      "live: one function, the other process's GID and PID, alive (%s, %u/%u)",
	      ism_model_fabric_state_name(info.state), info.live, info.functions);
	CHECK(info.uid == geteuid() && (info.mode & 0777) == 0600 &&
	      S_ISREG(info.mode) && info.version > 0 && info.size > 0 &&
	      info.heap_size == 32u << 20 && !info.kept && info.why[0] == '\0',
	      "owner, mode 0600, layout version %u, a 32 MiB heap, not kept",
	      info.version);
	kill(pid, SIGKILL);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 128 + SIGKILL, "the holder is killed with SIGKILL");
	CHECK(exists("killed"), "its fabric stays: nobody detached");
	CHECK_EQ(ism_model_fabric_info("killed", &info), 0, "info on it");
	CHECK(info.state == ISM_MODEL_FABRIC_STALE && info.functions == 1 &&
	      info.live == 0 && !info.fn[0].alive && info.fn[0].pid == pid,
	      "stale: one function of a dead process (%s, %u/%u)",
	      ism_model_fabric_state_name(info.state), info.live, info.functions);
	CHECK_EQ(ism_model_fabric_remove("killed", 0), 0, "a stale fabric is removed");
	CHECK(!exists("killed") && !dir_exists("killed"),
	      "file and FIFO directory gone");
	CHECK_EQ(ism_model_fabric_remove("killed", 0), -ENOENT, "removing it again: ENOENT");
	CHECK_EQ(ism_model_fabric_info("killed", &info), -ENOENT, "info: ENOENT");
}

/* In a child: the fabric @arg has one live function (this process looks
 * from outside, mapping nothing). */
static int
sees_one_live(void *arg)
{
	struct ism_model_fabric_info info;

	if (ism_model_fabric_info(arg, &info) < 0)
		return 2;
	return info.state == ISM_MODEL_FABRIC_LIVE && info.live == 1 ? 0 : 1;
}

static void
test_live_refused(void)
{
	struct ism_model_fabric_info info;
	struct ism_transport *t;
	pid_t pid;

	pid = tu_spawn(holder, "busy");
	tu_chan_recv(chan.up[0]);
	CHECK_EQ(ism_model_fabric_remove("busy", 0), -EBUSY,
		 "a fabric with a live function of another process: EBUSY");
	CHECK(exists("busy"), "and it is still there");
	tu_chan_send(chan.down[1], 1);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "the holder closes");
	CHECK(!exists("busy"), "its close, the last, removed the fabric");

	CHECK_EQ(ism_model_attach("mine", NULL, &t), 0, "a function of this process");
	CHECK_EQ(ism_model_fabric_info("mine", &info), 0, "info from the same process");
	CHECK(info.state == ISM_MODEL_FABRIC_LIVE && info.live == 1 &&
	      info.fn[0].pid == getpid() && info.fn[0].alive,
	      "shows it live, of this process");
	CHECK_EQ(ism_model_fabric_remove("mine", 0), -EBUSY, "remove: EBUSY");
	/* a second descriptor of the file, closed, would have dropped the
	 * process's record locks: another process would see it dead */
	CHECK_EQ(tu_reap(tu_spawn(sees_one_live, "mine"), WAIT_MS), 0,
		 "another process still sees the function alive after both");
	CHECK_EQ(ism_model_fabric_remove("mine", 1), 0, "forced: removed");
	CHECK(!exists("mine") && !dir_exists("mine"), "file and FIFO directory gone");
	CHECK_EQ(ism_model_set_label(t, "after"), 0,
		 "the function goes on with the removed file");
	t->ops->close(t);
	CHECK(!exists("mine"), "and its close makes no new one");

	pid = tu_spawn(holder, "forced");
	tu_chan_recv(chan.up[0]);
	CHECK_EQ(ism_model_fabric_remove("forced", 1), 0,
		 "forced while another process has a function on it");
	CHECK_EQ(ism_model_attach("forced", NULL, &t), 0, "a new attach");
	CHECK_EQ(ism_model_fabric_info("forced", &info), 0, "info");
	CHECK(info.functions == 1 && info.fn[0].pid == getpid(),
	      "it is on a new fabric, alone");
	t->ops->close(t);
	tu_chan_send(chan.down[1], 1);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "the old fabric's holder closes fine");
	CHECK(!exists("forced"), "and nothing is left");
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		exit(99);
	close(fd);
}

static bool
same_bytes(const char *path, const char *data, size_t len)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)len && memcmp(buf, data, len) == 0;
}

/* A stale fabric of this user (a kept one, closed). */
static void
make_stale(const char *name)
{
	struct ism_model_opts keep = { .keep = 1 };
	struct ism_transport *t;

	if (ism_model_attach(name, &keep, &t) < 0)
		exit(99);
	t->ops->close(t);
}

struct seen {
	int n;
	enum ism_model_fabric_state state[8];
	char name[8][ISM_MODEL_NAME_MAX + 1];
};

static int
collect(void *arg, const struct ism_model_fabric_info *info)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->state[s->n] = info->state;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", info->name);
	}
	s->n++;
	return 0;
}

static int
state_of(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->name[i], name) == 0)
			return (int)s->state[i];
	return -1;
}

static void
test_hostile_dir(void)
{
	char victim[256], path[256], dpath[300];
	char data[64];
	struct ism_model_fabric_info info;
	struct seen s = { 0 };
	bool root = geteuid() == 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('A' + i % 26);
	/* a symbolic link named like a fabric, to a file of ours */
	snprintf(victim, sizeof(victim), "%s/victim", getenv("ISM_MODEL_DIR"));
	write_file(victim, data, sizeof(data));
	path_of("link", path, sizeof(path));
	CHECK_EQ(symlink(victim, path), 0, "a symbolic link ism-fabric.link");
	CHECK_EQ(ism_model_fabric_info("link", &info), 0, "info on it");
	CHECK(info.state == ISM_MODEL_FABRIC_NOT_FABRIC && S_ISLNK(info.mode) &&
	      strstr(info.why, "symbolic link") != NULL,
	      "a symbolic link, not a fabric, not followed: %s", info.why);
	CHECK_EQ(ism_model_fabric_remove("link", 1), -ELOOP, "remove, even forced: ELOOP");
	CHECK(exists("link") && same_bytes(victim, data, sizeof(data)),
	      "the link and its target are untouched");

	/* a symbolic link to a stale fabric of ours */
	make_stale("target");
	path_of("target", victim, sizeof(victim));
	path_of("link2", path, sizeof(path));
	CHECK_EQ(symlink(victim, path), 0, "a link ism-fabric.link2 to a stale fabric");
	CHECK_EQ(ism_model_fabric_remove("link2", 0), -ELOOP, "remove: ELOOP");
	CHECK(exists("link2") && exists("target"), "neither link nor fabric removed");

	/* a file of ours that is no fabric */
	path_of("junk", path, sizeof(path));
	write_file(path, data, sizeof(data));
	CHECK_EQ(ism_model_fabric_remove("junk", 1), -EPROTO, "a file of ours with no fabric in it: EPROTO");
	CHECK(same_bytes(path, data, sizeof(data)), "untouched");

	/* a FIFO named like a fabric: never opened for reading in a way
	 * that blocks */
	path_of("fifo", path, sizeof(path));
	CHECK_EQ(mkfifo(path, 0600), 0, "a FIFO ism-fabric.fifo");
	CHECK_EQ(ism_model_fabric_info("fifo", &info), 0, "info does not block on it");
	CHECK(info.state == ISM_MODEL_FABRIC_NOT_FABRIC && S_ISFIFO(info.mode),
	      "not a fabric: %s", info.why);
	CHECK_EQ(ism_model_fabric_remove("fifo", 1), -EPERM, "remove: EPERM");
	CHECK(exists("fifo"), "still there");

	/* another version */
	make_stale("old");
	path_of("old", path, sizeof(path));
	{
		uint32_t v = 2;
		int fd = open(path, O_WRONLY);

		if (fd < 0 || pwrite(fd, &v, sizeof(v), 8) != sizeof(v))
			exit(99);
		close(fd);
	}
	CHECK_EQ(ism_model_fabric_info("old", &info), 0, "a fabric of layout version 2");
	CHECK(info.state == ISM_MODEL_FABRIC_OTHER_VERSION && info.version == 2 &&
	      info.live == 0, "other-version, no function holds it: %s", info.why);

	CHECK_EQ(ism_model_fabric_list(collect, &s), 0, "list the directory");
	CHECK(s.n == 6 && state_of(&s, "link") == ISM_MODEL_FABRIC_NOT_FABRIC &&
	      state_of(&s, "link2") == ISM_MODEL_FABRIC_NOT_FABRIC &&
	      state_of(&s, "target") == ISM_MODEL_FABRIC_STALE &&
	      state_of(&s, "junk") == ISM_MODEL_FABRIC_NOT_FABRIC &&
	      state_of(&s, "fifo") == ISM_MODEL_FABRIC_NOT_FABRIC &&
	      state_of(&s, "old") == ISM_MODEL_FABRIC_OTHER_VERSION,
	      "every entry named like a fabric, each for what it is, the victim and FIFO directories left out (%d entries)",
	      s.n);
	CHECK_EQ(ism_model_fabric_remove("old", 0), 0, "the other version's fabric is removed");
	CHECK_EQ(ism_model_fabric_remove("target", 0), 0, "the stale one too");

	if (!root) {
		check_skip("files of another user", "needs root to chown to uid 65534");
		return;
	}
	/* another user's files: a fabric and a file that is none */
	make_stale("theirs");
	path_of("theirs", path, sizeof(path));
	CHECK_EQ(chown(path, NOBODY, NOBODY), 0, "a stale fabric given to uid 65534");
	CHECK_EQ(ism_model_fabric_info("theirs", &info), 0, "info on it");
	CHECK(info.uid == NOBODY && info.state == ISM_MODEL_FABRIC_STALE,
	      "shown with its owner (uid %u)", (unsigned int)info.uid);
	CHECK_EQ(ism_model_fabric_remove("theirs", 1), -EPERM,
		 "remove, even forced: EPERM");
	CHECK(exists("theirs"), "it stays");
	path_of("squat", path, sizeof(path));
	write_file(path, data, sizeof(data));
	CHECK_EQ(chown(path, NOBODY, NOBODY), 0, "a junk file of uid 65534");
	CHECK_EQ(ism_model_fabric_remove("squat", 1), -EPERM, "remove: EPERM");
	CHECK(same_bytes(path, data, sizeof(data)), "untouched");

	/* our stale fabric beside a FIFO directory of another user */
	make_stale("mixed");
	path_of("mixed", path, sizeof(path));
	snprintf(dpath, sizeof(dpath), "%s.d", path);
	mkdir(dpath, 0700);
	CHECK_EQ(chown(dpath, NOBODY, NOBODY), 0, "our stale fabric, a FIFO directory of uid 65534");
	CHECK_EQ(ism_model_fabric_remove("mixed", 0), 0, "the fabric is removed");
	CHECK(!exists("mixed") && dir_exists("mixed"),
	      "the other user's directory is not");
	rmdir(dpath);
}

int
main(void)
{
	tu_private_fabric_dir();
	unsetenv("ISM_MODEL_KEEP");
	ism_set_log_fn(tu_keep_log);
	tu_chan_init(&chan);
	test_killed_is_stale();
	test_live_refused();
	test_hostile_dir();
	return check_done();
}

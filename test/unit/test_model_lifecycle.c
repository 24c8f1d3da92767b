/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The life of a fabric file: the orderly close of the last function, in
 * this process or another, removes the file and its FIFO directory; keep
 * (or ISM_MODEL_KEEP) keeps them; processes attaching while the last one
 * detaches all end up on one new fabric, never on the removed file, and
 * see each other there.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define WAIT_MS 20000
#define RACERS 4
#define ROUNDS 40

static bool
exists(const char *name, bool dir)
{
	char path[300];
	struct stat st;

	if (ism_model_path(name, path, sizeof(path)) < 0)
		exit(99);
	if (dir)
		strcat(path, ".d");
	return lstat(path, &st) == 0;
}

static struct ism_transport *
attach(const char *name, const struct ism_model_opts *o)
{
	struct ism_transport *t;
	int rc = ism_model_attach(name, o, &t);

	if (rc < 0) {
		check_diag("attach to %s: %s (%s)", name, strerror(-rc), tu_last_log);
		exit(99);
	}
	return t;
}

static void
test_last_detach(void)
{
	struct ism_transport *a = attach("life", NULL), *b = attach("life", NULL);

	CHECK(exists("life", false) && exists("life", true),
	      "the first attach made the fabric file and its FIFO directory");
	a->ops->close(a);
	CHECK(exists("life", false), "the file stays while a function is attached");
	b->ops->close(b);
	CHECK(!exists("life", false), "the last close removed the file");
	CHECK(!exists("life", true), "and the FIFO directory");
	a = attach("life", NULL);
	CHECK(exists("life", false) && exists("life", true),
	      "the next attach makes a new one");
	a->ops->close(a);
	CHECK(!exists("life", false), "which its close removes again");
}

static struct tu_chan chan;
static int reopened;	/* attaches of this process that found a fabric gone */

/* Library messages: warnings and errors shown, the re-opens counted. */
static void
log_fn(int level, const char *msg)
{
	if (strstr(msg, "removed meanwhile") != NULL)
		__atomic_add_fetch(&reopened, 1, __ATOMIC_RELAXED);
	if (level <= ISM_LOG_WARNING)
		tu_keep_log(level, msg);
}

/* Attach, tell the parent, close when told. */
static int
other_process(void *arg)
{
	struct ism_transport *t = attach(arg, NULL);

	tu_chan_send(chan.up[1], ism_model_gid(t));
	tu_chan_recv(chan.down[0]);
	t->ops->close(t);
	return 0;
}

static void
test_last_detach_other_process(void)
{
	struct ism_transport *t;
	pid_t pid;

	tu_chan_init(&chan);
	pid = tu_spawn(other_process, "twoproc");
	CHECK(tu_chan_recv(chan.up[0]) != 0, "another process attached");
	t = attach("twoproc", NULL);
	tu_chan_send(chan.down[1], 1);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "and closed its function");
	CHECK(exists("twoproc", false), "the file stays for this process's function");
	t->ops->close(t);
	CHECK(!exists("twoproc", false) && !exists("twoproc", true),
	      "this process's close, the last, removed file and directory");

	pid = tu_spawn(other_process, "twoproc");
	tu_chan_recv(chan.up[0]);
	t = attach("twoproc", NULL);
	t->ops->close(t);
	CHECK(exists("twoproc", false), "this process closing first leaves it");
	tu_chan_send(chan.down[1], 1);
	CHECK_EQ(tu_reap(pid, WAIT_MS), 0, "the other process closed last");
	CHECK(!exists("twoproc", false) && !exists("twoproc", true),
	      "and removed file and directory");
}

static void
test_keep(void)
{
	struct ism_model_opts keep = { .keep = 1 };
	struct ism_model_fabric_info info;
	struct ism_transport *t;

	t = attach("kept", &keep);
	t->ops->close(t);
	CHECK(exists("kept", false), "keep: the file stays after the last close");
	CHECK_EQ(ism_model_fabric_info("kept", &info), 0, "info on it");
	CHECK(info.kept && info.functions == 0 &&
	      info.state == ISM_MODEL_FABRIC_STALE,
	      "it says kept, no function, stale (%s)",
	      ism_model_fabric_state_name(info.state));
	t = attach("kept", NULL);
	t->ops->close(t);
	CHECK(exists("kept", false), "a later attach without keep keeps it too");
	CHECK_EQ(ism_model_fabric_remove("kept", 0), 0, "removed on request");
	CHECK(!exists("kept", false) && !exists("kept", true), "and gone");

	setenv("ISM_MODEL_KEEP", "1", 1);
	t = attach("envkept", NULL);
	t->ops->close(t);
	unsetenv("ISM_MODEL_KEEP");
	CHECK(exists("envkept", false), "ISM_MODEL_KEEP=1 keeps it as well");
	CHECK_EQ(ism_model_fabric_remove("envkept", 0), 0, "removed on request");
	setenv("ISM_MODEL_KEEP", "0", 1);
	t = attach("envkept", NULL);
	t->ops->close(t);
	unsetenv("ISM_MODEL_KEEP");
	CHECK(!exists("envkept", false), "ISM_MODEL_KEEP=0 does not");
}

/* Fabric files of @name (the file itself and any half-made one). */
static int
count_files(const char *name)
{
	char prefix[128];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(getenv("ISM_MODEL_DIR"));

	if (d == NULL)
		return -1;
	snprintf(prefix, sizeof(prefix), "ism-fabric.%s", name);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name + strlen(prefix), ".d") != 0)
			n++;
	closedir(d);
	return n;
}

struct racer {
	int go;			/* parent -> racers: attach now */
	int round;
	struct tu_chan ch;	/* this racer's own: no message taken by another */
};

/*
 * A racer: wait for the start, attach, report its GID, then count the
 * other racers by label once the parent says all attached: exit 0 when
 * it sees every one of them.
 */
static int
racer_main(void *arg)
{
	struct racer *r = arg;
	struct ism_transport *t;
	uint64_t gids[RACERS];
	char label[32], c;
	int n, rc;

	if (read(r->go, &c, 1) != 1)
		return 90;
	rc = ism_model_attach("race", NULL, &t);
	if (rc < 0)
		return 91;
	snprintf(label, sizeof(label), "racer-%d", r->round);
	if (ism_model_set_label(t, label) < 0)
		return 92;
	tu_chan_send(r->ch.up[1], ism_model_gid(t));
	tu_chan_recv(r->ch.down[0]);
	n = ism_model_find_label(t, label, gids, RACERS);
	tu_chan_send(r->ch.up[1], (uint64_t)n);
	tu_chan_send(r->ch.up[1], (uint64_t)reopened);
	tu_chan_recv(r->ch.down[0]);
	t->ops->close(t);
	return n == RACERS - 1 ? 0 : 93;
}

static void
chan_close(struct tu_chan *c)
{
	close(c->up[0]);
	close(c->up[1]);
	close(c->down[0]);
	close(c->down[1]);
}

/* A racer's message, or false when it did not come within WAIT_MS (a
 * racer that failed must not hang the test). */
static bool
chan_get(int fd, uint64_t *v)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, WAIT_MS) == 1 && read(fd, v, sizeof(*v)) == sizeof(*v);
}

/* Racers that found the fabric they opened removed, over all rounds. */
static int raced;

/* Reap the racers, close the channels; the fabric must be gone. */
static bool
finish_round(int round, const pid_t *pid, struct racer *r, const int *go,
	     bool ok)
{
	for (int i = 0; i < RACERS; i++) {
		int rc = tu_reap(pid[i], WAIT_MS);

		if (rc != 0) {
			check_diag("round %d: racer exit %d", round, rc);
			ok = false;
		}
		chan_close(&r[i].ch);
	}
	close(go[0]);
	close(go[1]);
	if (exists("race", false) || count_files("race") != 0) {
		check_diag("round %d: the fabric outlived its last function", round);
		ok = false;
	}
	return ok;
}

/* One round: RACERS processes attach while this one closes the last
 * function of the fabric. */
static bool
race_round(int round)
{
	struct ism_model_fabric_info info;
	struct racer r[RACERS];
	uint64_t gids[RACERS], seen;
	struct ism_transport *t;
	pid_t pid[RACERS];
	int go[2], found = 0;
	bool ok = true;

	if (pipe(go) < 0)
		exit(99);
	for (int i = 0; i < RACERS; i++) {
		r[i].go = go[0];
		r[i].round = round;
		tu_chan_init(&r[i].ch);
		pid[i] = tu_spawn(racer_main, &r[i]);
	}
	t = attach("race", NULL);
	if (write(go[1], "gggg", RACERS) != RACERS)
		exit(99);
	if (round % 4 != 0)
		usleep((useconds_t)(round % 4) * 150);
	t->ops->close(t);
	for (int i = 0; i < RACERS; i++) {
		if (!chan_get(r[i].ch.up[0], &gids[i])) {
			check_diag("round %d: racer %d did not attach: %s", round,
				   i, tu_last_log);
			goto stuck;
		}
	}
	if (count_files("race") != 1) {
		check_diag("round %d: %d fabric files", round, count_files("race"));
		ok = false;
	}
	memset(&info, 0, sizeof(info));
	if (ism_model_fabric_info("race", &info) < 0 ||
	    info.functions != RACERS || info.live != RACERS) {
		check_diag("round %d: the fabric at the name has %u functions, %u live",
			   round, info.functions, info.live);
		ok = false;
	}
	for (int i = 0; i < RACERS; i++)
		for (unsigned int f = 0; f < info.functions; f++)
			found += info.fn[f].gid == gids[i];
	if (found != RACERS) {
		check_diag("round %d: %d of the racers' GIDs in the fabric at the name",
			   round, found);
		ok = false;
	}
	for (int i = 0; i < RACERS; i++)
		tu_chan_send(r[i].ch.down[1], 1);
	for (int i = 0; i < RACERS; i++) {
		uint64_t reopens;

		if (!chan_get(r[i].ch.up[0], &seen) ||
		    !chan_get(r[i].ch.up[0], &reopens)) {
			check_diag("round %d: racer %d did not count", round, i);
			goto stuck;
		}
		raced += reopens > 0;
		if (seen != RACERS - 1) {
			check_diag("round %d: a racer sees %llu others", round,
				   (unsigned long long)seen);
			ok = false;
		}
	}
	for (int i = 0; i < RACERS; i++)
		tu_chan_send(r[i].ch.down[1], 1);
	return finish_round(round, pid, r, go, ok);
stuck:
	for (int i = 0; i < RACERS; i++)
		kill(pid[i], SIGKILL);
	finish_round(round, pid, r, go, false);
	ism_model_fabric_remove("race", 1);
	return false;
}


static void
test_attach_races_last_detach(void)
{
	int good = 0;

	for (int round = 0; round < ROUNDS; round++)
		good += race_round(round);
	CHECK_EQ(good, ROUNDS,
		 "%d rounds of %d processes attaching while the last function closes: one fabric file, all racers on it, each sees the others, none left after",
		 ROUNDS, RACERS);
	check_diag("%d racers found the fabric they opened removed and opened the name again",
		   raced);
}

struct thread_racer {
	pthread_barrier_t *start;
	struct ism_transport *t;
	int rc;
};

static void *
thread_racer(void *arg)
{
	struct thread_racer *r = arg;

	pthread_barrier_wait(r->start);
	r->rc = ism_model_attach("trace", NULL, &r->t);
	return NULL;
}

/* The same within one process: threads attach while another closes the
 * last function, so the mapping being retired is this process's own. */
static void
test_threads_race_last_detach(void)
{
	struct ism_model_fabric_info info;
	struct thread_racer r[RACERS];
	pthread_barrier_t start;
	pthread_t th[RACERS];
	int good = 0;

	__atomic_store_n(&reopened, 0, __ATOMIC_RELAXED);
	for (int round = 0; round < ROUNDS; round++) {
		struct ism_transport *t = attach("trace", NULL);
		bool ok = true;

		pthread_barrier_init(&start, NULL, RACERS + 1);
		for (int i = 0; i < RACERS; i++) {
			r[i] = (struct thread_racer){ .start = &start };
			pthread_create(&th[i], NULL, thread_racer, &r[i]);
		}
		pthread_barrier_wait(&start);
		t->ops->close(t);
		for (int i = 0; i < RACERS; i++) {
			pthread_join(th[i], NULL);
			ok &= r[i].rc == 0;
		}
		pthread_barrier_destroy(&start);
		memset(&info, 0, sizeof(info));
		ok &= count_files("trace") == 1 &&
			ism_model_fabric_info("trace", &info) == 0 &&
			info.functions == RACERS && info.live == RACERS;
		for (int i = 0; i < RACERS; i++) {
			bool found = false;

			for (unsigned int f = 0; r[i].rc == 0 && f < info.functions; f++)
				found |= info.fn[f].gid == ism_model_gid(r[i].t);
			ok &= found;
		}
		for (int i = 0; i < RACERS; i++)
			if (r[i].rc == 0)
				r[i].t->ops->close(r[i].t);
		ok &= count_files("trace") == 0;
		if (!ok)
			check_diag("threads, round %d: %u functions on the fabric at the name, %d files left",
				   round, info.functions, count_files("trace"));
		good += ok;
	}
	CHECK_EQ(good, ROUNDS,
		 "%d rounds of %d threads attaching while another closes the last function: one file, all on it, none left",
		 ROUNDS, RACERS);
	check_diag("%d attaches found the fabric they opened removed and opened the name again",
		   __atomic_load_n(&reopened, __ATOMIC_RELAXED));
}

int
main(void)
{
	tu_private_fabric_dir();
	unsetenv("ISM_MODEL_KEEP");
	ism_set_log_fn(log_fn);
	test_last_detach();
	test_last_detach_other_process();
	test_keep();
	test_attach_races_last_detach();
	test_threads_race_last_detach();
	return check_done();
}

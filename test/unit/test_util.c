/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

static char fabric_dir[128];
static pid_t fabric_dir_owner;

/* Remove @dir, its files, and its directories of files (the fabrics'
 * FIFO directories). */
static void
remove_tree(const char *dir, int depth)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno == EISDIR && depth > 0)
			remove_tree(path, depth - 1);
	}
	closedir(d);
	rmdir(dir);
}

static void
remove_fabric_dir(void)
{
	if (getpid() == fabric_dir_owner)
		remove_tree(fabric_dir, 1);
}

void
tu_private_fabric_dir(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(fabric_dir, sizeof(fabric_dir), "%s/ism-test.XXXXXX", base);
	if (mkdtemp(fabric_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	setenv("ISM_MODEL_DIR", fabric_dir, 1);
	fabric_dir_owner = getpid();
	atexit(remove_fabric_dir);
}

struct ism_dev *
tu_open(const char *fabric)
{
	struct ism_transport *t;
	struct ism_dev *dev;
	int rc;

	rc = ism_model_attach(fabric, NULL, &t);
	if (rc == 0)
		rc = ism_dev_open(t, &dev);
	if (rc < 0) {
		fprintf(stderr, "cannot open a function on fabric %s: %s\n",
			fabric, strerror(-rc));
		exit(99);
	}
	return dev;
}

static uint8_t
pattern(uint64_t seq, size_t i)
{
	return (uint8_t)((seq * 131 + i * 7 + (i >> 8)) ^ (seq >> 3));
}

void
tu_fill(void *buf, size_t len, uint64_t seq)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = pattern(seq, i);
}

long
tu_verify(const void *buf, size_t len, uint64_t seq)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(seq, i))
			return (long)i;
	return -1;
}

uint64_t
tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
collect(void *arg, const struct ism_event *ev)
{
	struct tu_events *q = arg;

	if (q->n < TU_MAX_EVENTS)
		q->ev[q->n] = *ev;
	q->n++;
}

int
tu_collect(struct ism_dev *dev, struct tu_events *q, int want, int timeout_ms)
{
	uint64_t end = tu_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		ism_poll_events(dev, collect, q);
		if (q->n >= want)
			return 0;
		if (tu_now_ms() >= end)
			return -ETIMEDOUT;
		tu_sleep_ms(1);
	}
}

struct dmb_wait {
	unsigned int idx;
	int mask;
};

static void
match_dmb(void *arg, unsigned int sba_idx, uint16_t mask)
{
	struct dmb_wait *w = arg;

	if (sba_idx == w->idx)
		w->mask = mask;
}

int
tu_wait_dmb(struct ism_dev *dev, unsigned int sba_idx, int timeout_ms)
{
	uint64_t end = tu_now_ms() + (uint64_t)timeout_ms;
	struct dmb_wait w = { sba_idx, -1 };

	do {
		ism_poll_sba(dev, match_dmb, &w);
		if (w.mask >= 0)
			return w.mask;
		tu_sleep_ms(1);
	} while (tu_now_ms() < end);
	return -1;
}

#include <signal.h>
#include <sys/wait.h>

pid_t
tu_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

int
tu_reap(pid_t pid, int timeout_ms)
{
	uint64_t end = tu_now_ms() + (uint64_t)timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0)
			return -errno;
		if (tu_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		tu_sleep_ms(2);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void
tu_chan_init(struct tu_chan *c)
{
	if (pipe(c->down) < 0 || pipe(c->up) < 0) {
		perror("pipe");
		exit(99);
	}
}

void
tu_chan_send(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		perror("pipe write");
		exit(99);
	}
}

uint64_t
tu_chan_recv(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		fprintf(stderr, "pipe read: peer gone\n");
		exit(99);
	}
	return v;
}

char tu_last_log[4096];

void
tu_keep_log(int level, const char *msg)
{
	(void)level;
	snprintf(tu_last_log, sizeof(tu_last_log), "%s", msg);
	check_diag("log: %s", msg);
}

int
tu_attach_close(const char *name, const struct ism_model_opts *o)
{
	struct ism_transport *t = NULL;
	int rc;

	tu_last_log[0] = '\0';
	rc = ism_model_attach(name, o, &t);
	if (rc == 0)
		t->ops->close(t);
	return rc;
}

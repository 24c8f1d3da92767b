/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fabric file truncated under running processes: two processes with a
 * function each and a DMB in use; the file is cut to its first page. Each
 * touches its DMB memory right after (a SIGBUS without the guard), then
 * stores and issues a command: no one dies, the stores and commands fail
 * with an error, and each process says what happened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define FABRIC "trunc"
#define WAIT_MS 10000

static struct tu_chan chan;
static char logbuf[8192];

static void
keep_log(int level, const char *msg)
{
	size_t n = strlen(logbuf);

	(void)level;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

/* Touch every page of @dmb; returns a sum so the reads are not dropped. */
static unsigned int
touch(const struct ism_dmb *d)
{
	const volatile uint8_t *p = d->addr;
	unsigned int sum = 0;

	for (uint32_t off = 0; off < d->len; off += 4096)
		sum += p[off];
	return sum;
}

/* Exit codes: 0 all as expected, 2.. the first thing that was not. */
static int
user(void *arg)
{
	struct ism_dmb_params p = { .len = 65536 };
	struct ism_dev *dev = tu_open(FABRIC);
	uint8_t buf[256] = { 0x5a };
	struct ism_info info;
	struct ism_dmb *d;
	struct ism_rdmb r;
	uint64_t end;

	(void)arg;
	ism_set_log_fn(keep_log);
	p.rgid = ism_dev_gid(dev);
	if (ism_dmb_register(dev, &p, &d) < 0)
		return 2;
	r.tok = d->tok;
	r.len = d->len;
	if (ism_move(dev, &r, 0, 0, buf, sizeof(buf), false) < 0 ||
	    ((uint8_t *)d->addr)[0] != 0x5a)
		return 3;
	tu_chan_send(chan.up[1], ism_dev_gid(dev));
	tu_chan_recv(chan.down[0]);		/* the file is cut now */
	(void)touch(d);
	if (ism_move(dev, &r, 0, 0, buf, sizeof(buf), false) != -EIO)
		return 4;
	if (ism_query_info(dev, &info) == 0)
		return 5;
	end = tu_now_ms() + WAIT_MS;
	while (strstr(logbuf, "was truncated under this process") == NULL &&
	       tu_now_ms() < end)
		tu_sleep_ms(5);
	if (strstr(logbuf, "was truncated under this process") == NULL)
		return 6;
	ism_dev_close(dev);
	fprintf(stderr, "user %d reported:\n%s", (int)getpid(), logbuf);
	return 0;
}

static void
test_two_processes(void)
{
	char path[256];
	pid_t pid[2];

	ism_model_path(FABRIC, path, sizeof(path));
	tu_chan_init(&chan);
	for (int i = 0; i < 2; i++)
		pid[i] = tu_spawn(user, NULL);
	for (int i = 0; i < 2; i++)
		CHECK(tu_chan_recv(chan.up[0]) != 0, "user %d attached and stored", i);
	CHECK_EQ(truncate(path, 4096), 0, "the fabric is cut to its first page");
	for (int i = 0; i < 2; i++)
		tu_chan_send(chan.down[1], 1);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(tu_reap(pid[i], WAIT_MS), 0,
			 "user %d survived (not 135, SIGBUS), its store and command failed, it said why", i);
	CHECK_EQ(ism_model_stat(FABRIC, &(struct ism_model_stat){ 0 }), -EBADMSG,
		 "the cut file is refused from then on");
	ism_model_unlink(FABRIC);
}

/* The same in one process that cuts its own file and touches its DMB at
 * once: the fault comes before the reaper's next size check. */
static void
test_cut_and_touch(void)
{
	struct ism_dmb_params p = { .len = 65536 };
	struct ism_dev *dev = tu_open("cut");
	uint8_t buf[64] = { 1 };
	struct ism_info info;
	struct ism_dmb *d;
	struct ism_rdmb r;
	char path[256];

	ism_set_log_fn(keep_log);
	logbuf[0] = '\0';
	ism_model_path("cut", path, sizeof(path));
	p.rgid = ism_dev_gid(dev);
	CHECK_EQ(ism_dmb_register(dev, &p, &d), 0, "a DMB");
	r.tok = d->tok;
	r.len = d->len;
	CHECK_EQ(truncate(path, 0), 0, "the fabric file cut to nothing");
	CHECK(touch(d) == 0, "its DMB read at once: zeros, no SIGBUS");
	CHECK_EQ(ism_move(dev, &r, 0, 0, buf, sizeof(buf), false), -EIO,
		 "a store fails with -EIO");
	CHECK(ism_query_info(dev, &info) < 0, "a command fails");
	CHECK(strstr(logbuf, "was truncated under this process") != NULL,
	      "and the process said why: %s", logbuf);
	ism_dev_close(dev);
	ism_set_log_fn(NULL);
	ism_model_unlink("cut");
}

int
main(void)
{
	/* The guard is a SIGBUS handler; qemu-user does not hand a guest the
	 * SIGBUS its own memory access raised ("uncaught target signal 7"),
	 * so under it only the reaper's size check protects, which a touch
	 * right after the cut outruns. */
	if (getenv("ISM_TEST_QEMU_USER") != NULL) {
		check_skip("a fabric truncated under running processes",
			   "qemu-user does not deliver SIGBUS from a guest memory access to the guest's handler; run on the host and under ASan");
		return check_done();
	}
	tu_private_fabric_dir();
	test_two_processes();
	test_cut_and_touch();
	return check_done();
}

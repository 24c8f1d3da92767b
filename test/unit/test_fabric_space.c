/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Space for the fabric: it is reserved in full when the fabric is made
 * and kept while it lives, so a filesystem without room for it is an
 * error at attach (-ENOSPC, with the sizes and the fix) and never a SIGBUS
 * at a later store. The full filesystem is the real one: a fabric larger
 * than the whole tmpfs the test runs in (tmpfs refuses to reserve more
 * than its size at once; /dev/shm is 64 MiB in a default container, less
 * than the default heap of 256 MiB).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

#define TMPFS_MAGIC_NR	0x01021994
#define BIG_HEAP	((size_t)1 << 36)	/* the largest heap allowed */

static bool
fully_reserved(const char *path, struct stat *st)
{
	return stat(path, st) == 0 &&
		(uint64_t)st->st_blocks * 512 >= (uint64_t)st->st_size;
}

static int
leftovers(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void
test_no_room(void)
{
	struct ism_model_opts o = { .heap_size = BIG_HEAP };
	const char *dir = getenv("ISM_MODEL_DIR");
	struct ism_transport *t = NULL;
	struct statfs fs;
	char path[256];

	if (statfs(dir, &fs) < 0 || fs.f_type != TMPFS_MAGIC_NR ||
	    (uint64_t)fs.f_blocks * (uint64_t)fs.f_bsize > BIG_HEAP) {
		check_skip("a fabric larger than its filesystem",
			   "the test directory is not a tmpfs smaller than 64 GiB");
		return;
	}
	CHECK_EQ(ism_model_attach("big", &o, &t), -ENOSPC,
		 "a 64 GiB heap on a %llu MiB tmpfs: -ENOSPC at attach",
		 (unsigned long long)((uint64_t)fs.f_blocks * fs.f_bsize >> 20));
	CHECK(strstr(tu_last_log, "65536 MiB") != NULL &&
	      strstr(tu_last_log, "bytes free") != NULL &&
	      strstr(tu_last_log, "--shm-size") != NULL &&
	      strstr(tu_last_log, "heap_size") != NULL &&
	      strstr(tu_last_log, "ISM_MODEL_HEAP") != NULL,
	      "the error has the sizes and the fixes: %s", tu_last_log);
	ism_model_path("big", path, sizeof(path));
	CHECK(access(path, F_OK) < 0, "no fabric left behind");
	CHECK_EQ(leftovers(dir, "ism-fabric.big.new"), 0, "nor a half-made one");
	if (t != NULL)
		t->ops->close(t);
}

static void
test_reserved(void)
{
	struct ism_dmb_params p = { .len = 1 << 20 };
	struct ism_dev *dev = tu_open("space");
	struct ism_dmb *d[8];
	struct stat st;
	char path[256];
	bool ok;

	ism_model_path("space", path, sizeof(path));
	ok = fully_reserved(path, &st);
	CHECK(ok, "every page of a new fabric is reserved (%lld of %lld bytes)",
	      (long long)st.st_blocks * 512, (long long)st.st_size);
	p.rgid = ism_dev_gid(dev);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(ism_dmb_register(dev, &p, &d[i]), 0, "1 MiB DMB %d", i);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(ism_dmb_unregister(dev, d[i]), 0, "DMB %d freed", i);
	ok = fully_reserved(path, &st);
	CHECK(ok, "freed DMB memory stays reserved (%lld of %lld bytes)",
	      (long long)st.st_blocks * 512, (long long)st.st_size);
	ism_dev_close(dev);
	CHECK(fully_reserved(path, &st), "and so does a closed function's");
	ism_model_unlink("space");
}

/* ISM_MODEL_HEAP: the heap of a fabric made without opts->heap_size. */
static void
test_heap_env(void)
{
	static const char *const bad[] = { "12x", " 4M", "-1", "0", "100G", "4MB", "M" };
	struct ism_model_opts o = { .heap_size = 2 << 20 };
	struct stat st;
	char path[256];

	ism_model_path("small", path, sizeof(path));
	setenv("ISM_MODEL_HEAP", "1M", 1);
	CHECK_EQ(tu_attach_close("small", NULL), 0, "ISM_MODEL_HEAP=1M");
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	CHECK(st.st_size > (1 << 20) && st.st_size <= (4 << 20),
	      "a fabric with a 1 MiB heap (%lld bytes)", (long long)st.st_size);
	ism_model_unlink("small");
	CHECK_EQ(tu_attach_close("small", &o), 0, "opts->heap_size wins");
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	CHECK(st.st_size > (2 << 20) && st.st_size <= (5 << 20),
	      "a fabric with a 2 MiB heap (%lld bytes)", (long long)st.st_size);
	ism_model_unlink("small");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("ISM_MODEL_HEAP", bad[i], 1);
		CHECK_EQ(tu_attach_close("small", NULL), -EINVAL,
			 "ISM_MODEL_HEAP='%s' is refused", bad[i]);
		CHECK(strstr(tu_last_log, bad[i]) != NULL, "naming the value: %s", tu_last_log);
	}
	unsetenv("ISM_MODEL_HEAP");
}

int
main(void)
{
	tu_private_fabric_dir();
	ism_set_log_fn(tu_keep_log);
	test_no_room();
	test_reserved();
	test_heap_env();
	return check_done();
}

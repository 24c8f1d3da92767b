/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fabric files that are not what they should be: garbage, truncated,
 * another version, a corrupted header, a full fabric, bad names. Each gives
 * its own clear error and never a crash (this test also runs under ASan and
 * UBSan in CI).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

static int
attach_close(const char *name)
{
	struct ism_transport *t;
	int rc = ism_model_attach(name, NULL, &t);

	if (rc == 0)
		t->ops->close(t);
	return rc;
}

static void
write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	int fd;

	ism_model_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		exit(99);
	close(fd);
}

/* Make a valid fabric, then change @len bytes at @off. */
static void
patch_fabric(const char *name, off_t off, const void *data, size_t len)
{
	char path[256];
	int fd;

	attach_close(name);
	ism_model_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, data, len, off) != (ssize_t)len)
		exit(99);
	close(fd);
}

static void
test_garbage(void)
{
	uint8_t *junk = malloc(1 << 20);

	for (size_t i = 0; i < (1 << 20); i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	write_file("garbage", junk, 1 << 20);
	CHECK_EQ(attach_close("garbage"), -EPROTO, "1 MiB of garbage: not an ISM fabric");
	write_file("tiny", junk, 10);
	CHECK_EQ(attach_close("tiny"), -EBADMSG, "10-byte file: too short");
	write_file("empty", junk, 0);
	CHECK_EQ(attach_close("empty"), -EBADMSG, "empty file: too short");
	free(junk);
}

static void
test_truncated(void)
{
	char path[256];
	struct stat st;

	CHECK_EQ(attach_close("trunc"), 0, "a valid fabric");
	ism_model_path("trunc", path, sizeof(path));
	stat(path, &st);
	CHECK_EQ(truncate(path, st.st_size / 2), 0, "cut it in half");
	CHECK_EQ(attach_close("trunc"), -EBADMSG, "truncated fabric refused");
}

static void
test_version_and_header(void)
{
	uint32_t version = 99;
	uint8_t flip = 0xff;

	patch_fabric("version", 8, &version, sizeof(version));
	CHECK_EQ(attach_close("version"), -EPROTONOSUPPORT, "fabric of version 99");
	patch_fabric("header", 40, &flip, 1);
	CHECK_EQ(attach_close("header"), -EBADMSG, "fabric with a corrupted header");
}

static void
test_full(void)
{
	struct ism_transport *t[ISM_MODEL_MAX_FUNCTIONS + 1];
	int n = 0;

	while (n < ISM_MODEL_MAX_FUNCTIONS &&
	       ism_model_attach("full", NULL, &t[n]) == 0)
		n++;
	CHECK_EQ(n, ISM_MODEL_MAX_FUNCTIONS, "32 functions attach");
	CHECK_EQ(ism_model_attach("full", NULL, &t[n]), -ENOSPC, "the 33rd finds it full");
	t[5]->ops->close(t[5]);
	CHECK_EQ(ism_model_attach("full", NULL, &t[5]), 0, "a freed slot is reused");
	for (int i = 0; i < n; i++)
		t[i]->ops->close(t[i]);
}

static void
test_names_and_mode(void)
{
	struct ism_model_opts opts = { .mode = 0640, .share_group = 1,
				       .share_gid = getegid() };
	struct ism_model_opts unshared = { .mode = 0640 };
	char name[80], path[256];
	struct ism_transport *t;
	struct stat st;

	CHECK_EQ(attach_close(""), -EINVAL, "empty name");
	CHECK_EQ(attach_close("a/b"), -EINVAL, "name with a slash");
	CHECK_EQ(attach_close("..x"), -EINVAL, "name starting with a dot");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_EQ(attach_close(name), -ENAMETOOLONG, "79-character name");

	CHECK_EQ(attach_close("private"), 0, "default fabric");
	ism_model_path("private", path, sizeof(path));
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	CHECK((st.st_mode & 0777) == 0600,
	      "created with mode 0600 (is %o)", st.st_mode & 0777);
	CHECK_EQ(ism_model_attach("shared", &unshared, &t), -EINVAL,
		 "mode 0640 without share_group is refused");
	CHECK_EQ(ism_model_attach("shared", &opts, &t), 0, "fabric with mode 0640, shared with our group");
	ism_model_path("shared", path, sizeof(path));
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	CHECK((st.st_mode & 0777) == 0640,
	      "created with mode 0640 (is %o)", st.st_mode & 0777);
	t->ops->close(t);
	CHECK_EQ(ism_model_unlink("shared"), 0, "unlink a fabric");
	CHECK_EQ(ism_model_unlink("shared"), -ENOENT, "unlink it again");
}

int
main(void)
{
	tu_private_fabric_dir();
	test_garbage();
	test_truncated();
	test_version_and_header();
	test_full();
	test_names_and_mode();
	return check_done();
}

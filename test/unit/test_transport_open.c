/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport providers (ism_transport.h): a program opens a software
 * device by kind without calling its API. This test links the static
 * model as any program does: the provider's constructor comes with
 * ism_model_attach(), which it calls too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"

static const char *fake_name, *fake_opts;
static struct ism_transport fake_t;

static int
fake_open(const char *name, const char *opts, struct ism_transport **tp)
{
	fake_name = name;
	fake_opts = opts;
	*tp = &fake_t;
	return 0;
}

static int
fake_refuse(const char *name, const char *opts, struct ism_transport **tp)
{
	(void)name;
	(void)opts;
	(void)tp;
	return -EACCES;
}

static const struct ism_transport_provider fake = {
	.kind = "fake", .open = fake_open,
};

static void
test_model_by_kind(void)
{
	struct ism_transport *t = NULL;
	struct ism_dev *dev;

	CHECK_EQ(ism_transport_open("model", "tpo", NULL, &t), 0,
		 "the model is found by kind");
	CHECK(ism_model_is_model(t), "and it is a model function");
	CHECK_EQ(ism_dev_open(t, &dev), 0, "the device opens over it");
	CHECK(ism_dev_gid(dev) == ism_model_gid(t), "its GID is the model's");
	ism_dev_close(dev);

	tu_last_log[0] = '\0';
	CHECK_EQ(ism_transport_open("model", "tpo", "keep=2x", &t), -EINVAL,
		 "an option the model does not know is refused");
	CHECK(strstr(tu_last_log, "keep=2x") != NULL,
	      "and the message names it: %s", tu_last_log);
	CHECK_EQ(ism_transport_open("model", "bad/name", NULL, &t), -EINVAL,
		 "the model checks the fabric name");
}

static void
test_unknown_kind(void)
{
	struct ism_transport *t = NULL;

	tu_last_log[0] = '\0';
	CHECK_EQ(ism_transport_open("nosuch", "x", NULL, &t), -ENOENT,
		 "a kind nobody provides");
	CHECK(strstr(tu_last_log, "libism_nosuch.so.0") != NULL,
	      "the message says what to install: %s", tu_last_log);
	CHECK(t == NULL, "and no transport is returned");
}

static void
test_bad_arguments(void)
{
	struct ism_transport *t;
	char name[ISM_TRANSPORT_NAME_MAX + 2];
	static const char *const bad_kinds[] = {
		"", "Model", "a-b", "a b", "sixteen_chars_xx",
	};

	for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++)
		CHECK_EQ(ism_transport_open(bad_kinds[i], "x", NULL, &t), -EINVAL,
			 "kind '%s' is refused", bad_kinds[i]);
	CHECK_EQ(ism_transport_open(NULL, "x", NULL, &t), -EINVAL, "no kind");
	CHECK_EQ(ism_transport_open("model", "", NULL, &t), -EINVAL, "empty name");
	CHECK_EQ(ism_transport_open("model", NULL, NULL, &t), -EINVAL, "no name");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_EQ(ism_transport_open("model", name, NULL, &t), -EINVAL,
		 "a name of %d characters", ISM_TRANSPORT_NAME_MAX + 1);
	CHECK_EQ(ism_transport_open("model", "x", NULL, NULL), -EINVAL,
		 "nowhere to put the transport");
}

static void
test_registration(void)
{
	static const struct ism_transport_provider dup = {
		.kind = "model", .open = fake_refuse,
	};
	static const struct ism_transport_provider no_open = { .kind = "x" };
	static struct ism_transport_provider more[4];
	static char kinds[4][8];
	struct ism_transport *t = NULL;
	int rc = 0, n;

	CHECK_EQ(ism_transport_provider_register(&dup), -EEXIST,
		 "a kind is registered once");
	CHECK_EQ(ism_transport_provider_register(&no_open), -EINVAL,
		 "a provider without open()");
	CHECK_EQ(ism_transport_provider_register(NULL), -EINVAL, "no provider");
	CHECK_EQ(ism_transport_provider_register(&fake), 0, "a second kind");
	CHECK_EQ(ism_transport_open("fake", "fn7", "a=1", &t), 0,
		 "it is found by its kind");
	CHECK(t == &fake_t && strcmp(fake_name, "fn7") == 0 &&
	      strcmp(fake_opts, "a=1") == 0,
	      "and given the name and the options");
	CHECK(ism_transport_open("model", "tpo", "x", &t) == -EINVAL,
	      "the first kind still goes to the model");

	/* the table is small and says so when full */
	for (n = 0; n < 4; n++) {
		snprintf(kinds[n], sizeof(kinds[n]), "more%d", n);
		more[n].kind = kinds[n];
		more[n].open = fake_refuse;
		rc = ism_transport_provider_register(&more[n]);
		if (rc < 0)
			break;
	}
	CHECK_EQ(rc, -ENOSPC, "a full table is -ENOSPC");
	CHECK(n >= 1, "after %d more kinds", n);
	CHECK_EQ(ism_transport_open("more0", "x", NULL, &t), -EACCES,
		 "a provider's refusal is returned as is");
}

int
main(void)
{
	tu_private_fabric_dir();
	ism_set_log_fn(tu_keep_log);
	test_model_by_kind();
	test_unknown_kind();
	test_bad_arguments();
	test_registration();
	return check_done();
}

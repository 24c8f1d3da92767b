/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Label discovery is an optional transport operation: the model offers
 * set_label/find_peer, and what net_ism's pair= relies on holds through
 * them (exactly one other function with the label is found, itself is
 * never, a closed one no more, a third one makes two).
 */
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "ism.h"
#include "ism_model.h"
#include "ism_transport.h"

static int
attach(const char *fabric, struct ism_transport **t, struct ism_dev **d)
{
	int rc = ism_model_attach(fabric, NULL, t);

	return rc < 0 ? rc : ism_dev_open(*t, d);
}

int
main(void)
{
	struct ism_transport *ta, *tb, *tc;
	struct ism_dev *a, *b, *c;
	uint64_t gids[2] = { 0 };
	char fabric[64];

	snprintf(fabric, sizeof(fabric), "label-op-%d", (int)getpid());
	CHECK_EQ(attach(fabric, &ta, &a), 0, "function a");
	CHECK_EQ(attach(fabric, &tb, &b), 0, "function b");
	CHECK(ta->ops->set_label != NULL && ta->ops->find_peer != NULL,
	      "the model offers label discovery");
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 2), 0, "no label yet: none found");
	CHECK_EQ(ta->ops->set_label(ta, "lnk"), 0, "a publishes 'lnk'");
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 2), 0, "a never finds itself");
	CHECK_EQ(tb->ops->set_label(tb, "lnk"), 0, "b publishes 'lnk'");
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 2), 1, "a finds one");
	CHECK_EQ(gids[0], ism_dev_gid(b), "and it is b");
	CHECK_EQ(tb->ops->find_peer(tb, "lnk", gids, 2), 1, "b finds one");
	CHECK_EQ(gids[0], ism_dev_gid(a), "and it is a");
	CHECK_EQ(ta->ops->find_peer(ta, "other", gids, 2), 0, "another label: none");
	CHECK(ta->ops->set_label(ta, "") < 0, "an empty label is refused");
	CHECK(ta->ops->set_label(ta, "0123456789012345678901234567890123") < 0,
	      "a label of 34 characters is refused");
	CHECK_EQ(attach(fabric, &tc, &c), 0, "function c");
	CHECK_EQ(tc->ops->set_label(tc, "lnk"), 0, "c publishes 'lnk' too");
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 1), 2,
		 "a finds two (only one stored): not a pair any more");
	ism_dev_close(c);
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 2), 1, "c closed: one again");
	CHECK_EQ(gids[0], ism_dev_gid(b), "b");
	ism_dev_close(b);
	CHECK_EQ(ta->ops->find_peer(ta, "lnk", gids, 2), 0, "b closed: none");
	ism_dev_close(a);
	ism_model_unlink(fabric);
	return check_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model as transport provider "model" (ism_transport.h): a program
 * that opens ism_transport_open("model", fabric, opts, &t) reaches the
 * model without calling its API, so that its own code path is the one it
 * runs on real hardware.
 */
#include <errno.h>
#include <stdio.h>

#include "ism_model.h"
#include "ism_private.h"

static_assert(ISM_MODEL_NAME_MAX == ISM_TRANSPORT_NAME_MAX,
	      "a fabric name is a transport name");

static int
model_provider_open(const char *name, const char *opts,
		    struct ism_transport **tp)
{
	/* No option exists yet: refuse rather than ignore one. */
	if (opts != NULL && opts[0] != '\0') {
		ISM_ERR("model: unknown option '%s' for fabric '%s'", opts, name);
		return -EINVAL;
	}
	return ism_model_attach(name, NULL, tp);
}

static const struct ism_transport_provider model_provider = {
	.kind = "model",
	.open = model_provider_open,
};

static void __attribute__((constructor))
model_provider_init(void)
{
	/* -EEXIST: a second copy of the model in the process; the first
	 * one serves */
	(void)ism_transport_provider_register(&model_provider);
}

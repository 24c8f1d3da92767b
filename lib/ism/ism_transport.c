/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table of transport providers (ism_transport.h): a handful of
 * software devices, registered by their libraries, found by kind.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#ifdef ISM_TRANSPORT_DLOPEN
#include <dlfcn.h>
#endif

#include "ism_private.h"

#define PROVIDERS_MAX	4

static pthread_mutex_t providers_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct ism_transport_provider *providers[PROVIDERS_MAX];

static bool
kind_valid(const char *kind)
{
	size_t n = kind != NULL ? strlen(kind) : 0;

	if (n == 0 || n > ISM_TRANSPORT_KIND_MAX)
		return false;
	return strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Caller holds providers_lock. */
static const struct ism_transport_provider *
provider_find(const char *kind)
{
	for (int i = 0; i < PROVIDERS_MAX; i++)
		if (providers[i] != NULL && strcmp(providers[i]->kind, kind) == 0)
			return providers[i];
	return NULL;
}

int
ism_transport_provider_register(const struct ism_transport_provider *p)
{
	int rc = -ENOSPC;

	if (p == NULL || p->open == NULL || !kind_valid(p->kind))
		return -EINVAL;
	pthread_mutex_lock(&providers_lock);
	if (provider_find(p->kind) != NULL) {
		rc = -EEXIST;
	} else {
		for (int i = 0; i < PROVIDERS_MAX; i++) {
			if (providers[i] == NULL) {
				providers[i] = p;
				rc = 0;
				break;
			}
		}
	}
	pthread_mutex_unlock(&providers_lock);
	return rc;
}

static const struct ism_transport_provider *
provider_get(const char *kind)
{
	const struct ism_transport_provider *p;

	pthread_mutex_lock(&providers_lock);
	p = provider_find(kind);
	pthread_mutex_unlock(&providers_lock);
	return p;
}

/*
 * The library of a kind nobody registered: loading it runs its
 * constructor, which registers the provider. The handle is kept for the
 * life of the process (the provider's code must stay mapped).
 */
static void
provider_load(const char *kind)
{
#ifdef ISM_TRANSPORT_DLOPEN
	char lib[ISM_TRANSPORT_KIND_MAX + 16];

	snprintf(lib, sizeof(lib), "libism_%s.so.0", kind);
	if (dlopen(lib, RTLD_NOW | RTLD_LOCAL) == NULL)
		ISM_DEBUG("transport '%s': %s", kind, dlerror());
#else
	(void)kind;
#endif
}

int
ism_transport_open(const char *kind, const char *name, const char *opts,
		   struct ism_transport **tp)
{
	const struct ism_transport_provider *p;
	size_t n = name != NULL ? strlen(name) : 0;

	if (!kind_valid(kind) || tp == NULL)
		return -EINVAL;
	if (n == 0 || n > ISM_TRANSPORT_NAME_MAX) {
		ISM_ERR("transport '%s': name of 1..%d characters needed",
			kind, ISM_TRANSPORT_NAME_MAX);
		return -EINVAL;
	}
	p = provider_get(kind);
	if (p == NULL) {
		provider_load(kind);
		p = provider_get(kind);
	}
	if (p == NULL) {
		ISM_ERR("no ISM transport of kind '%s': install libism_%s.so.0 where the dynamic loader finds it, or link libism_%s.a whole into a static program (-Wl,--whole-archive)",
			kind, kind, kind);
		return -ENOENT;
	}
	return p->open(name, opts, tp);
}

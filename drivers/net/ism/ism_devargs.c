/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing and checking of net_ism's devargs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "ism_ethdev.h"

#define ARG_FABRIC	"fabric"
#define ARG_PAIR	"pair"
#define ARG_PEER	"peer"
#define ARG_DMB_SIZE	"dmb_size"
#define ARG_QUEUES	"queues"
#define ARG_MAC		"mac"
#define ARG_HB_TIMEOUT	"hb_timeout"
#define ARG_DRIVER	"driver"	/* the driver layer of "bus=../class=../driver=net_ism,.." */

const char ism_devargs_help[] = ISM_DEVARGS_HELP;

static const char *const valid_keys[] = {
	ARG_FABRIC, ARG_PAIR, ARG_PEER, ARG_DMB_SIZE, ARG_QUEUES, ARG_MAC,
	ARG_HB_TIMEOUT, ARG_DRIVER, NULL,
};

struct parse_ctx {
	const char *dev;
	struct ism_devargs *a;
};

static int
parse_uint(const char *dev, const char *key, const char *value,
	   uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(value, &end, 0);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' ||
	    v < min || v > max) {
		ISM_LOG(ERR, "%s: %s=%s is not a number in %" PRIu64 "..%" PRIu64,
			dev, key, value, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_name(const char *dev, const char *key, const char *value, char *dst,
	   size_t size)
{
	size_t n = strlen(value);

	if (n == 0 || n >= size) {
		ISM_LOG(ERR, "%s: %s=%s must be 1..%zu characters", dev, key,
			value, size - 1);
		return -EINVAL;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

static int
parse_one(const char *key, const char *value, void *opaque)
{
	struct parse_ctx *c = opaque;
	struct ism_devargs *a = c->a;
	uint64_t v;
	int rc;

	if (value == NULL) {
		ISM_LOG(ERR, "%s: devarg '%s' needs a value (%s=...)", c->dev, key, key);
		return -EINVAL;
	}

	if (strcmp(key, ARG_DRIVER) == 0) {
		if (strcmp(value, "net_ism") != 0) {
			ISM_LOG(ERR, "%s: driver=%s names another driver", c->dev, value);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, ARG_FABRIC) == 0)
		return parse_name(c->dev, key, value, a->fabric, sizeof(a->fabric));
	if (strcmp(key, ARG_PAIR) == 0)
		return parse_name(c->dev, key, value, a->pair, sizeof(a->pair));
	if (strcmp(key, ARG_PEER) == 0) {
		if (strcmp(value, "any") == 0) {
			a->peer_any = true;
			return 0;
		}
		rc = parse_uint(c->dev, key, value, 1, UINT64_MAX, &v);
		if (rc == 0)
			a->peer = v;
		return rc;
	}
	if (strcmp(key, ARG_DMB_SIZE) == 0) {
		rc = parse_uint(c->dev, key, value, ISM_MIN_DMB_SIZE,
				ISM_DMB_MAX_LEN, &v);
		if (rc == 0 && v % 4096 != 0) {
			ISM_LOG(ERR, "%s: %s=%s is not a multiple of 4096",
				c->dev, key, value);
			rc = -EINVAL;
		}
		if (rc == 0)
			a->dmb_size = (uint32_t)v;
		return rc;
	}
	if (strcmp(key, ARG_QUEUES) == 0) {
		rc = parse_uint(c->dev, key, value, 1, ISM_MAX_QUEUES, &v);
		if (rc == 0)
			a->queues = (uint16_t)v;
		return rc;
	}
	if (strcmp(key, ARG_HB_TIMEOUT) == 0) {
		rc = parse_uint(c->dev, key, value, 3 * ISM_HB_INTERVAL_MS,
				600000, &v);
		if (rc == 0)
			a->hb_timeout_ms = (uint32_t)v;
		return rc;
	}
	if (strcmp(key, ARG_MAC) == 0) {
		if (rte_ether_unformat_addr(value, &a->mac) < 0 ||
		    !rte_is_unicast_ether_addr(&a->mac)) {
			ISM_LOG(ERR, "%s: mac=%s is not a unicast MAC address",
				c->dev, value);
			return -EINVAL;
		}
		a->mac_set = true;
		return 0;
	}
	return -EINVAL;
}

/* Report the first key of @args that is not ours, by name. */
static void
report_unknown_key(const char *dev, const char *args)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *const *k;

		if (eq != NULL)
			*eq = '\0';
		for (k = valid_keys; *k != NULL; k++)
			if (strcmp(*k, tok) == 0)
				break;
		if (*k == NULL) {
			ISM_LOG(ERR, "%s: unknown devarg '%s'; valid: %s", dev,
				tok, ism_devargs_help);
			return;
		}
	}
	ISM_LOG(ERR, "%s: cannot parse devargs '%s'; valid: %s", dev, args,
		ism_devargs_help);
}

int
ism_devargs_parse(const char *dev, const char *args, bool model,
		  struct ism_devargs *a)
{
	struct parse_ctx c = { dev, a };
	struct rte_kvargs *kv;
	int rc;

	memset(a, 0, sizeof(*a));
	a->dmb_size = ISM_DEFAULT_DMB_SIZE;
	a->queues = ISM_MAX_QUEUES;
	a->hb_timeout_ms = ISM_DEFAULT_HB_TIMEOUT_MS;
	if (args == NULL || args[0] == '\0')
		args = "";
	kv = rte_kvargs_parse(args, valid_keys);
	if (kv == NULL) {
		report_unknown_key(dev, args);
		return -EINVAL;
	}
	rc = rte_kvargs_process(kv, NULL, parse_one, &c);
	rte_kvargs_free(kv);
	if (rc < 0)
		return -EINVAL;

	if (model && a->fabric[0] == '\0') {
		ISM_LOG(ERR, "%s: needs fabric=<name>: the software ISM fabric to attach to",
			dev);
		return -EINVAL;
	}
	if (!model && a->fabric[0] != '\0') {
		ISM_LOG(ERR, "%s: fabric=%s is for the software model (--vdev); a vfio_ism device is real hardware",
			dev, a->fabric);
		return -EINVAL;
	}
	if (a->peer == 0 && !a->peer_any && a->pair[0] == '\0') {
		ISM_LOG(ERR, "%s: needs peer=<gid> or peer=any%s", dev,
			model ? " or pair=<label> (both ports use the same label)" : "");
		return -EINVAL;
	}
	if ((a->peer != 0 || a->peer_any) && a->pair[0] != '\0') {
		ISM_LOG(ERR, "%s: give peer= or pair=, not both", dev);
		return -EINVAL;
	}
	if (!model && a->pair[0] != '\0') {
		ISM_LOG(ERR, "%s: pair=%s works on the software model only; give peer=<gid>",
			dev, a->pair);
		return -EINVAL;
	}
	return 0;
}

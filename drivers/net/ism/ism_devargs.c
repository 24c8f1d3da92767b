/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing and checking of net_ism's devargs.
 *
 * Strict on purpose: a devarg that is misread without a word (a key given
 * twice where the last one wins, " 4" read as 4, a MAC no frame can be
 * sent to) shows up much later as a port that does not link or loses
 * frames. So every doubt fails the probe, with a message naming the key,
 * the value as given and what is accepted. The string is split here, not
 * by rte_kvargs, which skips empty items and reads "queues=4=5" as a key
 * "4" with the value "5".
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ism_ethdev.h"

static_assert(ISM_DEVARGS_FABRIC_MAX == ISM_TRANSPORT_NAME_MAX,
	      "fabric= holds any name a transport provider takes");

const char ism_devargs_help[] = ISM_DEVARGS_HELP;

enum devarg_key {
	KEY_FABRIC,
	KEY_PAIR,
	KEY_PEER,
	KEY_DMB_SIZE,
	KEY_QUEUES,
	KEY_MAC,
	KEY_HB_TIMEOUT,
	KEY_ZERO_COPY,
	KEY_DRIVER,	/* the driver layer of "bus=../class=../driver=net_ism,.." */
	KEY_COUNT,
};

static const char *const key_names[KEY_COUNT] = {
	[KEY_FABRIC] = "fabric",
	[KEY_PAIR] = "pair",
	[KEY_PEER] = "peer",
	[KEY_DMB_SIZE] = "dmb_size",
	[KEY_QUEUES] = "queues",
	[KEY_MAC] = "mac",
	[KEY_HB_TIMEOUT] = "hb_timeout",
	[KEY_ZERO_COPY] = "zero_copy",
	[KEY_DRIVER] = "driver",
};

#define HB_TIMEOUT_MIN_MS	(3 * ISM_HB_INTERVAL_MS)	/* 3 missed beats */
#define HB_TIMEOUT_MAX_MS	600000
#define DMB_SIZE_STEP		4096
#define NAME_CHARS		"A-Z a-z 0-9 . _ -"

struct parse_ctx {
	const char *dev;
	struct ism_devargs *a;
	const char *seen[KEY_COUNT];	/* the value each key was given */
};

/* What @k accepts, for messages: "16384..1048576, a multiple of 4096". */
static const char *
accepted(enum devarg_key k, char *buf, size_t size)
{
	switch (k) {
	case KEY_FABRIC:
		snprintf(buf, size, "1..%d characters of %s, not starting with '.'",
			 ISM_DEVARGS_FABRIC_MAX, NAME_CHARS);
		break;
	case KEY_PAIR:
		snprintf(buf, size, "1..%d characters of %s",
			 ISM_TRANSPORT_LABEL_MAX, NAME_CHARS);
		break;
	case KEY_PEER:
		snprintf(buf, size, "0x1..0x%" PRIx64 " (the peer's GID, hex or decimal) or 'any'",
			 UINT64_MAX);
		break;
	case KEY_DMB_SIZE:
		snprintf(buf, size, "%u..%u, a multiple of %u",
			 ISM_MIN_DMB_SIZE, ISM_DMB_MAX_LEN, DMB_SIZE_STEP);
		break;
	case KEY_QUEUES:
		snprintf(buf, size, "1..%d", ISM_MAX_QUEUES);
		break;
	case KEY_MAC:
		snprintf(buf, size, "a unicast address xx:xx:xx:xx:xx:xx, not all zero");
		break;
	case KEY_HB_TIMEOUT:
		snprintf(buf, size, "%d..%d (milliseconds)", HB_TIMEOUT_MIN_MS,
			 HB_TIMEOUT_MAX_MS);
		break;
	case KEY_ZERO_COPY:
		snprintf(buf, size, "on, off, or 1..%d (frames of that many bytes and more)",
			 ISM_MAX_FRAME);
		break;
	default:
		snprintf(buf, size, "net_ism");
		break;
	}
	return buf;
}

/*
 * Decimal digits, or 0x and hex digits, and nothing else: no sign, no
 * spaces, no octal, so the port gets exactly the number the user wrote.
 * -EINVAL: not such a number; -ERANGE: one, but wider than 64 bits.
 */
static int
read_number(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	bool overflow = false;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a') + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A') + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;	/* keep checking the syntax */
		v = v * base + d;
	}
	*out = v;
	return overflow ? -ERANGE : 0;
}

static int
parse_uint(const struct parse_ctx *c, enum devarg_key k, const char *value,
	   uint64_t min, uint64_t max, uint64_t *out)
{
	const char *key = key_names[k];
	char acc[128];
	uint64_t v;
	int rc;

	rc = read_number(value, &v);
	if (rc == -EINVAL) {
		ISM_LOG(ERR, "%s: %s=%s is not a number: write decimal digits or 0x and hex digits, without spaces or signs; accepted: %s",
			c->dev, key, value, accepted(k, acc, sizeof(acc)));
		return -EINVAL;
	}
	if (rc == -ERANGE || v < min || v > max) {
		ISM_LOG(ERR, "%s: %s=%s is not a number in %s", c->dev, key,
			value, accepted(k, acc, sizeof(acc)));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A fabric name or a pair label: a word that ends up in file names and
 * log lines, so no spaces, quotes or slashes. */
static int
parse_name(const struct parse_ctx *c, enum devarg_key k, const char *value,
	   char *dst, size_t size)
{
	const char *key = key_names[k];
	size_t n = strlen(value);
	char acc[128];

	accepted(k, acc, sizeof(acc));
	if (n >= size) {
		ISM_LOG(ERR, "%s: %s=%s is %zu characters long; accepted: %s",
			c->dev, key, value, n, acc);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = value[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-')
			continue;
		ISM_LOG(ERR, "%s: %s=%s has the character '%c'; accepted: %s",
			c->dev, key, value, ch, acc);
		return -EINVAL;
	}
	if (k == KEY_FABRIC && value[0] == '.') {
		ISM_LOG(ERR, "%s: %s=%s starts with '.'; accepted: %s", c->dev,
			key, value, acc);
		return -EINVAL;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

static int
parse_mac(const struct parse_ctx *c, const char *value)
{
	struct ism_devargs *a = c->a;
	const char *why = NULL;
	char acc[128];

	accepted(KEY_MAC, acc, sizeof(acc));
	if (rte_ether_unformat_addr(value, &a->mac) < 0) {
		ISM_LOG(ERR, "%s: mac=%s is not a MAC address; accepted: %s",
			c->dev, value, acc);
		return -EINVAL;
	}
	if (rte_is_zero_ether_addr(&a->mac))
		why = "is the all-zero address";
	else if (rte_is_broadcast_ether_addr(&a->mac))
		why = "is the broadcast address";
	else if (rte_is_multicast_ether_addr(&a->mac))
		why = "is a multicast address (the first byte is odd)";
	if (why != NULL) {
		ISM_LOG(ERR, "%s: mac=%s %s; accepted: %s", c->dev, value, why,
			acc);
		return -EINVAL;
	}
	a->mac_set = true;
	return 0;
}

static int
parse_value(struct parse_ctx *c, enum devarg_key k, const char *value)
{
	struct ism_devargs *a = c->a;
	uint64_t v;
	int rc;

	switch (k) {
	case KEY_FABRIC:
		return parse_name(c, k, value, a->fabric, sizeof(a->fabric));
	case KEY_PAIR:
		return parse_name(c, k, value, a->pair, sizeof(a->pair));
	case KEY_PEER:
		if (strcmp(value, "any") == 0) {
			a->peer_any = true;
			return 0;
		}
		rc = parse_uint(c, k, value, 1, UINT64_MAX, &v);
		if (rc == 0)
			a->peer = v;
		return rc;
	case KEY_DMB_SIZE:
		rc = parse_uint(c, k, value, ISM_MIN_DMB_SIZE, ISM_DMB_MAX_LEN,
				&v);
		if (rc == 0 && v % DMB_SIZE_STEP != 0) {
			char acc[128];

			ISM_LOG(ERR, "%s: dmb_size=%s is not a multiple of %u; accepted: %s",
				c->dev, value, DMB_SIZE_STEP,
				accepted(k, acc, sizeof(acc)));
			rc = -EINVAL;
		}
		if (rc == 0)
			a->dmb_size = (uint32_t)v;
		return rc;
	case KEY_QUEUES:
		rc = parse_uint(c, k, value, 1, ISM_MAX_QUEUES, &v);
		if (rc == 0)
			a->queues = (uint16_t)v;
		return rc;
	case KEY_HB_TIMEOUT:
		rc = parse_uint(c, k, value, HB_TIMEOUT_MIN_MS,
				HB_TIMEOUT_MAX_MS, &v);
		if (rc == 0)
			a->hb_timeout_ms = (uint32_t)v;
		return rc;
	case KEY_MAC:
		return parse_mac(c, value);
	case KEY_ZERO_COPY:
		if (strcmp(value, "on") == 0) {
			a->zc_min = 1;
			return 0;
		}
		if (strcmp(value, "off") == 0) {
			a->zc_min = ISM_ZC_OFF;
			return 0;
		}
		rc = parse_uint(c, k, value, 1, ISM_MAX_FRAME, &v);
		if (rc == 0)
			a->zc_min = (uint32_t)v;
		return rc;
	default:
		if (strcmp(value, "net_ism") != 0) {
			ISM_LOG(ERR, "%s: driver=%s names another driver; accepted: net_ism",
				c->dev, value);
			return -EINVAL;
		}
		return 0;
	}
}

static int
find_key(const char *key)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strcmp(key_names[k], key) == 0)
			return k;
	return -1;
}

/* True if @s has a byte that is not printable ASCII or is a space: such
 * a value was mistyped or pasted, whatever key it is for. */
static bool
has_blank_or_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return true;
	return false;
}

/* One "key=value" item, split in place. */
static int
parse_item(struct parse_ctx *c, char *item, const char *args)
{
	char *value = strchr(item, '=');
	char acc[128];
	int k;

	if (item[0] == '\0') {
		ISM_LOG(ERR, "%s: empty devarg in '%s' (two commas in a row, or one at an end); remove it",
			c->dev, args);
		return -EINVAL;
	}
	if (value != NULL)
		*value++ = '\0';
	k = find_key(item);
	if (k < 0) {
		ISM_LOG(ERR, "%s: unknown devarg '%s'%s%s; valid: %s", c->dev,
			item, value != NULL ? " with the value " : "",
			value != NULL ? value : "", ism_devargs_help);
		return -EINVAL;
	}
	accepted((enum devarg_key)k, acc, sizeof(acc));
	if (value == NULL || value[0] == '\0') {
		ISM_LOG(ERR, "%s: devarg '%s' needs a value (%s=...); accepted: %s",
			c->dev, item, item, acc);
		return -EINVAL;
	}
	if (c->seen[k] != NULL) {
		ISM_LOG(ERR, "%s: devarg '%s' is given twice (%s=%s, then %s=%s); give it once",
			c->dev, item, item, c->seen[k], item, value);
		return -EINVAL;
	}
	c->seen[k] = value;
	if (has_blank_or_control(value)) {
		ISM_LOG(ERR, "%s: %s='%s' has a space or a control character; accepted: %s",
			c->dev, item, value, acc);
		return -EINVAL;
	}
	return parse_value(c, (enum devarg_key)k, value);
}

/* Split @args at commas and parse each item; nothing is skipped. */
static int
parse_items(struct parse_ctx *c, const char *args)
{
	char *copy, *item;
	int rc = 0;

	if (args[0] == '\0')
		return 0;
	copy = strdup(args);
	if (copy == NULL) {
		ISM_LOG(ERR, "%s: no memory to parse devargs '%s'", c->dev, args);
		return -ENOMEM;
	}
	item = copy;
	for (;;) {
		char *comma = strchr(item, ',');

		if (comma != NULL)
			*comma = '\0';
		rc = parse_item(c, item, args);
		if (rc < 0 || comma == NULL)
			break;
		item = comma + 1;
	}
	free(copy);
	return rc;
}

int
ism_devargs_parse(const char *dev, const char *args, bool model,
		  struct ism_devargs *a)
{
	struct parse_ctx c = { .dev = dev, .a = a };
	int rc;

	memset(a, 0, sizeof(*a));
	a->dmb_size = ISM_DEFAULT_DMB_SIZE;
	a->queues = ISM_MAX_QUEUES;
	a->hb_timeout_ms = ISM_DEFAULT_HB_TIMEOUT_MS;
	a->zc_min = ISM_DEFAULT_ZC_MIN;
	rc = parse_items(&c, args != NULL ? args : "");
	if (rc < 0)
		return rc;

	if (model && a->fabric[0] == '\0') {
		char acc[128];

		ISM_LOG(ERR, "%s: needs fabric=<name>: the software ISM fabric to attach to, %s",
			dev, accepted(KEY_FABRIC, acc, sizeof(acc)));
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
		char peer[24];

		if (a->peer_any)
			snprintf(peer, sizeof(peer), "any");
		else
			snprintf(peer, sizeof(peer), "0x%" PRIx64, a->peer);
		ISM_LOG(ERR, "%s: give peer= or pair=, not both (peer=%s, pair=%s)",
			dev, peer, a->pair);
		return -EINVAL;
	}
	if (!model && a->pair[0] != '\0') {
		ISM_LOG(ERR, "%s: pair=%s works on the software model only; give peer=<gid>",
			dev, a->pair);
		return -EINVAL;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the commands share: error reports, the fix for each sysfs state,
 * and argument parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ism_ctl.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs(CTL_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_fail(struct ctl *c, int code, const char *addr, const char *what,
	 const char *fix)
{
	bool has_fix = fix != NULL && fix[0] != '\0';

	/* the library's reasons start with the address already */
	if (addr != NULL && strncmp(what, addr, strlen(addr)) != 0)
		ctl_err("%s: %s", addr, what);
	else
		ctl_err("%s", what);
	/* the library's reasons often end in the command already */
	if (has_fix && strstr(what, fix) == NULL)
		fprintf(stderr, "  fix: %s\n", fix);
	if (c->json) {
		struct out *o = &c->out;

		out_init(o, stdout, true);
		out_begin(o);
		out_section(o, "error", "error");
		if (addr != NULL)
			out_str(o, "addr", "function", addr);
		out_str(o, "message", "what", what);
		if (has_fix)
			out_str(o, "fix", "fix", fix);
		out_u64(o, "exit_code", "exit code", (uint64_t)code);
		out_section_end(o);
		out_end(o);
	}
	return code;
}

const char *
ctl_fix(const struct ism_vfio_fn *fn, char *buf, size_t len)
{
	switch (fn->state) {
	case ISM_VFIO_FN_UNBOUND:
	case ISM_VFIO_FN_KERNEL_ISM:
	case ISM_VFIO_FN_VFIO_PCI:
	case ISM_VFIO_FN_OTHER_DRIVER:
		snprintf(buf, len, "driverctl set-override %s " ISM_VFIO_KDRV,
			 fn->addr);
		break;
	default:
		/* no one command: the reason says what to check */
		snprintf(buf, len, "%s", "");
		break;
	}
	return buf;
}

int
ctl_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

int
ctl_parse_gid(const char *s, uint64_t *gid)
{
	unsigned long long x;
	char *end;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return -EINVAL;
	/* GIDs are printed in hex everywhere; take them back that way */
	errno = 0;
	x = strtoull(s, &end, 16);
	if (errno != 0 || *end != '\0' || x == 0)
		return -EINVAL;
	*gid = x;
	return 0;
}

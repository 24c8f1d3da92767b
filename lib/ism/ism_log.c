/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ism_private.h"

static ism_log_fn log_fn;

void
ism_set_log_fn(ism_log_fn fn)
{
	log_fn = fn;
}

static int
default_log_level(void)
{
	static int level = -1;
	const char *env;

	if (level < 0) {
		env = getenv("ISM_LOG_LEVEL");
		level = env != NULL ? atoi(env) : ISM_LOG_WARNING;
	}
	return level;
}

void
ism_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (log_fn == NULL && level > default_log_level())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn != NULL)
		log_fn(level, msg);
	else
		fprintf(stderr, "ism: %s\n", msg);
}

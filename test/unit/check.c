/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "check.h"

int check_count;
int check_failures;

void
check_report(bool ok, const char *file, int line, const char *expr,
	     const char *fmt, ...)
{
	va_list ap;

	check_count++;
	printf("%sok %d - ", ok ? "" : "not ", check_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		check_failures++;
		printf("#   failed at %s:%d: %s\n", file, line, expr);
	}
	fflush(stdout);
}

void
check_skip(const char *what, const char *why)
{
	check_count++;
	printf("ok %d - %s # SKIP %s\n", check_count, what, why);
	fflush(stdout);
}

void
check_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

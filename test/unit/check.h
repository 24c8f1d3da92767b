/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CHECK_H
#define CHECK_H

/* Minimal TAP producer: one "ok"/"not ok" line per check, plan at the end. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

extern int check_count;
extern int check_failures;

void check_report(bool ok, const char *file, int line, const char *expr,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void check_skip(const char *what, const char *why);
void check_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan; exit status for main(). */
int check_done(void);

#define CHECK(cond, ...) \
	check_report(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

/* Integer equality with both values in the failure message. */
#define CHECK_EQ(got, want, ...) do { \
	long long got_ = (long long)(got), want_ = (long long)(want); \
	check_report(got_ == want_, __FILE__, __LINE__, #got " == " #want, \
		     __VA_ARGS__); \
	if (got_ != want_) \
		check_diag("  got %lld (0x%llx), want %lld (0x%llx)", got_, \
			   (unsigned long long)got_, want_, \
			   (unsigned long long)want_); \
} while (0)

#endif /* CHECK_H */

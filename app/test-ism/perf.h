/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_PERF_H
#define ISM_PERF_H

#include <stdbool.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>

#define PERF_MAX_SIZES	16
#define PERF_MIX	0	/* size 0 stands for the 64/576/1500 mix */

struct perf_opts {
	const char *mode;
	uint32_t sizes[PERF_MAX_SIZES];
	int nb_sizes;
	double seconds;
	const char *fabric;
	uint16_t tx_port;
	uint16_t rx_port;
	uint16_t burst;
	const char *json;
	bool quiet;
};

/* One line of the result table / one object in the JSON. */
struct perf_row {
	char what[32];
	uint32_t size;
	double seconds;
	double ops;		/* stores/s, copies/s or packets/s */
	double gbytes;		/* GB/s (1e9 bytes) */
	double gbits;		/* Gbit/s */
	uint64_t count;
	uint64_t lost;		/* stream: sequence gaps */
	uint64_t bad;		/* stream: frames damaged / out of order */
	double p50_us, p99_us, p999_us, max_us;	/* pingpong */
};

struct perf_report {
	const char *mode;
	struct perf_row rows[PERF_MAX_SIZES];
	int nb_rows;
};

double perf_now(void);
/* Print "... <what> size N: <x>" once a second on long runs. */
void perf_progress(const struct perf_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int perf_store(const struct perf_opts *o, struct perf_report *r);
int perf_memcpy(const struct perf_opts *o, struct perf_report *r);
int perf_stream(const struct perf_opts *o, struct perf_report *r);
int perf_pingpong(const struct perf_opts *o, struct perf_report *r);

void perf_print_table(const struct perf_report *r);
int perf_write_json(const char *path, const struct perf_report *r);

#endif /* ISM_PERF_H */

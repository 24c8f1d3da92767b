/* SPDX-License-Identifier: BSD-3-Clause */
/* ism-perf's final table and its JSON. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_version.h>

#include "perf.h"

static void
size_name(uint32_t size, char *buf, size_t len)
{
	if (size == PERF_MIX)
		snprintf(buf, len, "mix");
	else
		snprintf(buf, len, "%u", size);
}

void
perf_print_table(const struct perf_report *r)
{
	char sz[16];

	printf("\nism-perf %s\n", r->mode);
	if (strcmp(r->mode, "pingpong") == 0) {
		printf("  %8s %12s %10s %10s %10s %10s %8s\n", "bytes", "round trips",
		       "p50 us", "p99 us", "p99.9 us", "max us", "lost");
		for (int i = 0; i < r->nb_rows; i++) {
			const struct perf_row *w = &r->rows[i];

			size_name(w->size, sz, sizeof(sz));
			printf("  %8s %12" PRIu64 " %10.2f %10.2f %10.2f %10.2f %8" PRIu64 "\n",
			       sz, w->count, w->p50_us, w->p99_us, w->p999_us,
			       w->max_us, w->lost);
		}
		return;
	}
	if (strcmp(r->mode, "stream") == 0) {
		printf("  %8s %14s %10s %10s %10s %8s\n", "bytes", "packets", "Mpps",
		       "Gbit/s", "lost", "bad");
		for (int i = 0; i < r->nb_rows; i++) {
			const struct perf_row *w = &r->rows[i];

			size_name(w->size, sz, sizeof(sz));
			printf("  %8s %14" PRIu64 " %10.3f %10.2f %10" PRIu64 " %8" PRIu64 "\n",
			       sz, w->count, w->ops / 1e6, w->gbits, w->lost, w->bad);
		}
		return;
	}
	printf("  %8s %14s %14s %10s\n", "bytes",
	       strcmp(r->mode, "store") == 0 ? "stores/s" : "copies/s", "count", "GB/s");
	for (int i = 0; i < r->nb_rows; i++) {
		const struct perf_row *w = &r->rows[i];

		size_name(w->size, sz, sizeof(sz));
		printf("  %8s %14.0f %14" PRIu64 " %10.2f\n", sz, w->ops, w->count,
		       w->gbytes);
	}
}

int
perf_write_json(const char *path, const struct perf_report *r)
{
	struct utsname u;
	char host[128] = "";
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	uname(&u);
	gethostname(host, sizeof(host) - 1);
	fprintf(f, "{\n  \"tool\": \"ism-perf\",\n  \"mode\": \"%s\",\n", r->mode);
	fprintf(f, "  \"dpdk\": \"%s\",\n  \"machine\": \"%s %s %s, %ld cpus\",\n",
		rte_version(), u.sysname, u.release, u.machine,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < r->nb_rows; i++) {
		const struct perf_row *w = &r->rows[i];

		fprintf(f, "    {\"what\": \"%s\", \"size\": ", w->what);
		if (w->size == PERF_MIX)
			fprintf(f, "\"mix\"");
		else
			fprintf(f, "%u", w->size);
		fprintf(f, ", \"seconds\": %.3f, \"count\": %" PRIu64
			", \"ops_per_s\": %.1f, \"gbytes_per_s\": %.4f, \"gbits_per_s\": %.4f"
			", \"lost\": %" PRIu64 ", \"bad\": %" PRIu64
			", \"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, \"max_us\": %.3f}%s\n",
			w->seconds, w->count, w->ops, w->gbytes, w->gbits, w->lost,
			w->bad, w->p50_us, w->p99_us, w->p999_us, w->max_us,
			i + 1 < r->nb_rows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

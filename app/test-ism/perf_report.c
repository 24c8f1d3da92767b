/* SPDX-License-Identifier: BSD-3-Clause */
/* ism-perf's final table and its JSON. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "perf.h"

static const char *const notify_names[] = { "poll", "signal" };

static void
size_name(uint32_t size, char *buf, size_t len)
{
	if (size == PERF_MIX)
		snprintf(buf, len, "mix");
	else
		snprintf(buf, len, "%u", size);
}

/* Who took part, and whether the figures are of hardware. */
static void
print_header(const struct perf_build *b, const struct perf_report *r)
{
	printf("\nism-perf %s (%s): %s\n", r->mode,
	       b->version != NULL ? b->version : "no DPDK", r->title);
	for (int i = 0; i < r->nb_fns; i++) {
		const struct perf_fn_desc *d = &r->fns[i];

		printf("  %-7s %s %s, GID 0x%016" PRIx64 ", store limit %u bytes (%s: %s)\n",
		       d->role, d->vfio ? "vfio" : "model", d->where, d->gid,
		       d->store_limit, d->store_src, d->store_why);
	}
	if (r->peer != 0)
		printf("  peer    GID 0x%016" PRIx64 " in another process (--serve)\n", r->peer);
	if (r->nb_fns == 0)
		return;
	if (r->kind == PERF_KIND_RTT)
		printf("  notify  %s\n", notify_names[r->notify]);
	if (r->emulated)
		printf("  EMULATED: %s; not a figure of ISM hardware\n", r->emulation);
	else
		printf("  hardware: ism_vfio_pci through /sys and libc system calls\n");
}

static void
print_rows(const struct perf_report *r)
{
	char sz[16], pw[24];

	for (int i = 0; i < r->nb_rows; i++) {
		const struct perf_row *w = &r->rows[i];

		size_name(w->size, sz, sizeof(sz));
		switch (r->kind) {
		case PERF_KIND_RTT:
			/* the ethdev round trip does not look at the data */
			snprintf(pw, sizeof(pw), r->checked ? "%" PRIu64 : "-", w->bad);
			printf("  %8s %12" PRIu64 " %10.2f %10.2f %10.2f %10.2f %6" PRIu64 " %6s\n",
			       sz, w->count, w->p50_us, w->p99_us, w->p999_us,
			       w->max_us, w->lost, pw);
			break;
		case PERF_KIND_STREAM:
			printf("  %8s %14" PRIu64 " %10.3f %10.2f %10" PRIu64 " %8" PRIu64 "\n",
			       sz, w->count, w->ops / 1e6, w->gbits, w->lost, w->bad);
			break;
		case PERF_KIND_STORE:
			if (w->have_pwrites)
				snprintf(pw, sizeof(pw), "%.0f", w->pwrites_per_s);
			else
				snprintf(pw, sizeof(pw), "-");
			printf("  %8s %14.0f %10.3f %10.2f %14s %14" PRIu64 "\n", sz,
			       w->ops, w->us_per_store, w->gbytes, pw, w->count);
			break;
		case PERF_KIND_COPY:
			printf("  %8s %14.0f %14" PRIu64 " %10.2f\n", sz, w->ops,
			       w->count, w->gbytes);
			break;
		}
	}
}

void
perf_print_table(const struct perf_build *b, const struct perf_report *r)
{
	print_header(b, r);
	switch (r->kind) {
	case PERF_KIND_RTT:
		printf("  %8s %12s %10s %10s %10s %10s %6s %6s\n", "bytes", "round trips",
		       "p50 us", "p99 us", "p99.9 us", "max us", "lost", "bad");
		break;
	case PERF_KIND_STREAM:
		printf("  %8s %14s %10s %10s %10s %8s\n", "bytes", "packets", "Mpps",
		       "Gbit/s", "lost", "bad");
		break;
	case PERF_KIND_STORE:
		printf("  %8s %14s %10s %10s %14s %14s\n", "bytes", "stores/s",
		       "us/store", "GB/s", "pwrites/s", "stores");
		break;
	case PERF_KIND_COPY:
		printf("  %8s %14s %14s %10s\n", "bytes", "copies/s", "count", "GB/s");
		break;
	}
	print_rows(r);
	if (r->checked)
		printf("  data: %s\n", r->check);
}

/* @s as a JSON string (the texts here hold paths and quotes). */
static void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_fns(FILE *f, const struct perf_report *r)
{
	fprintf(f, "  \"functions\": [");
	for (int i = 0; i < r->nb_fns; i++) {
		const struct perf_fn_desc *d = &r->fns[i];

		fprintf(f, "%s\n    {\"role\": ", i > 0 ? "," : "");
		json_str(f, d->role);
		fprintf(f, ", \"transport\": \"%s\", \"where\": ", d->vfio ? "vfio" : "model");
		json_str(f, d->where);
		fprintf(f, ", \"gid\": \"0x%016" PRIx64 "\", \"store_limit\": %u, \"store_limit_source\": ",
			d->gid, d->store_limit);
		json_str(f, d->store_src);
		fprintf(f, ", \"store_limit_why\": ");
		json_str(f, d->store_why);
		fprintf(f, "}");
	}
	fprintf(f, "%s],\n", r->nb_fns > 0 ? "\n  " : "");
	if (r->peer != 0)
		fprintf(f, "  \"peer\": \"0x%016" PRIx64 "\",\n", r->peer);
	else
		fprintf(f, "  \"peer\": null,\n");
	fprintf(f, "  \"emulated\": %s,\n  \"emulated_by\": ",
		r->nb_fns == 0 ? "null" : r->emulated ? "true" : "false");
	json_str(f, r->nb_fns > 0 && r->emulated ? r->emulated_by : NULL);
	fprintf(f, ",\n  \"emulation\": ");
	json_str(f, r->nb_fns > 0 && r->emulated ? r->emulation : NULL);
	fprintf(f, ",\n  \"notify\": ");
	json_str(f, r->kind == PERF_KIND_RTT && r->nb_fns > 0 ?
		 notify_names[r->notify] : NULL);
	fprintf(f, ",\n  \"verified\": %s,\n  \"check\": ",
		!r->checked ? "null" : r->verified ? "true" : "false");
	json_str(f, r->checked ? r->check : NULL);
	fprintf(f, ",\n");
}

static void
json_row(FILE *f, const struct perf_row *w, bool last)
{
	fprintf(f, "    {\"what\": \"%s\", \"size\": ", w->what);
	if (w->size == PERF_MIX)
		fprintf(f, "\"mix\"");
	else
		fprintf(f, "%u", w->size);
	fprintf(f, ", \"seconds\": %.3f, \"count\": %" PRIu64
		", \"ops_per_s\": %.1f, \"gbytes_per_s\": %.4f, \"gbits_per_s\": %.4f"
		", \"lost\": %" PRIu64 ", \"bad\": %" PRIu64
		", \"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, \"max_us\": %.3f",
		w->seconds, w->count, w->ops, w->gbytes, w->gbits, w->lost,
		w->bad, w->p50_us, w->p99_us, w->p999_us, w->max_us);
	if (strcmp(w->what, "store") == 0)
		fprintf(f, ", \"moves\": %" PRIu64 ", \"us_per_move\": %.4f, \"stores\": %" PRIu64
			", \"stores_per_s\": %.1f, \"us_per_store\": %.4f",
			w->moves, w->seconds * 1e6 / (double)w->moves, w->count, w->ops,
			w->us_per_store);
	if (w->have_pwrites)
		fprintf(f, ", \"pwrites\": %" PRIu64 ", \"pwrites_per_s\": %.1f",
			w->pwrites, w->pwrites_per_s);
	else
		fprintf(f, ", \"pwrites\": null, \"pwrites_per_s\": null");
	fprintf(f, "}%s\n", last ? "" : ",");
}

int
perf_write_json(const char *path, const struct perf_build *b,
		const struct perf_report *r)
{
	struct utsname u;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	uname(&u);
	fprintf(f, "{\n  \"tool\": \"ism-perf\",\n  \"mode\": \"%s\",\n", r->mode);
	fprintf(f, "  \"build\": \"%s\",\n  \"dpdk\": ", b->version != NULL ? "dpdk" : "lib");
	json_str(f, b->version);
	fprintf(f, ",\n  \"machine\": \"%s %s %s, %ld cpus\",\n", u.sysname, u.release,
		u.machine, sysconf(_SC_NPROCESSORS_ONLN));
	json_fns(f, r);
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < r->nb_rows; i++)
		json_row(f, &r->rows[i], i + 1 == r->nb_rows);
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

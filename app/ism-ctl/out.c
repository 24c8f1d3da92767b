/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two renderings of ism-ctl's results. JSON is pretty-printed, two
 * spaces per level, one member per line; text is "label  value" lines
 * under section titles and aligned tables.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "out.h"

#define LABEL_WIDTH	28	/* text: label column, indentation included */

void
out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
indent(struct out *o, int levels)
{
	fprintf(o->f, "%*s", 2 * levels, "");
}

/* JSON: comma, new line and key before the next member or element. */
static void
json_member(struct out *o, const char *key)
{
	if (!o->first[o->depth])
		fputc(',', o->f);
	o->first[o->depth] = false;
	fputc('\n', o->f);
	indent(o, o->depth);
	if (key != NULL) {
		json_string(o->f, key);
		fputs(": ", o->f);
	}
}

static void
json_open(struct out *o, const char *key, char bracket)
{
	json_member(o, key);
	fputc(bracket, o->f);
	if (o->depth + 1 < OUT_MAX_DEPTH)
		o->depth++;
	o->first[o->depth] = true;
}

static void
json_close(struct out *o, char bracket)
{
	bool empty = o->first[o->depth];

	if (o->depth > 0)
		o->depth--;
	if (!empty) {
		fputc('\n', o->f);
		indent(o, o->depth);
	}
	fputc(bracket, o->f);
}

void
out_begin(struct out *o)
{
	o->depth = 1;
	o->first[1] = true;
	if (o->json)
		fputc('{', o->f);
}

void
out_end(struct out *o)
{
	if (o->json) {
		json_close(o, '}');
		fputc('\n', o->f);
	}
	o->depth = 0;
	fflush(o->f);
}

/* Text: a blank line between top-level blocks. */
static void
text_block(struct out *o)
{
	if (o->depth == 1 && !o->first[1])
		fputc('\n', o->f);
	o->first[o->depth] = false;
}

void
out_section(struct out *o, const char *key, const char *title)
{
	if (o->json) {
		json_open(o, key, '{');
		return;
	}
	text_block(o);
	indent(o, o->depth - 1);
	fprintf(o->f, "%s\n", title);
	o->depth++;
	o->first[o->depth] = true;
}

void
out_section_end(struct out *o)
{
	if (o->json)
		json_close(o, '}');
	else
		o->depth--;
}

void
out_table(struct out *o, const char *key, const char *title,
	  const struct out_col *cols, int ncols)
{
	o->cols = cols;
	o->ncols = ncols > OUT_MAX_COLS ? OUT_MAX_COLS : ncols;
	if (o->json) {
		json_open(o, key, '[');
		return;
	}
	text_block(o);
	indent(o, o->depth - 1);
	fprintf(o->f, "%s\n", title);
	indent(o, o->depth);
	for (int i = 0; i < o->ncols; i++)
		fprintf(o->f, "%-*s%c", i + 1 < o->ncols ? cols[i].width : 0,
			cols[i].label, i + 1 < o->ncols ? ' ' : '\n');
	o->depth++;
}

void
out_table_end(struct out *o)
{
	o->cols = NULL;
	o->ncols = 0;
	if (o->json)
		json_close(o, ']');
	else
		o->depth--;
}

void
out_row(struct out *o)
{
	o->in_row = true;
	o->col = 0;
	if (o->json)
		json_open(o, NULL, '{');
	else
		indent(o, o->depth - 1);
}

void
out_row_end(struct out *o)
{
	if (o->json)
		json_close(o, '}');
	else if (o->col < o->ncols)
		fputc('\n', o->f);	/* a row with fewer fields than columns */
	o->in_row = false;
}

/* One field: @text for people, @json the raw JSON token (NULL: @text as a
 * JSON string). */
static void
field(struct out *o, const char *key, const char *label, const char *text,
      const char *json)
{
	if (o->json) {
		json_member(o, key);
		if (json != NULL)
			fputs(json, o->f);
		else
			json_string(o->f, text);
		return;
	}
	if (o->in_row) {
		if (o->col < o->ncols) {
			bool last = o->col + 1 == o->ncols;

			fprintf(o->f, "%-*s%c", last ? 0 : o->cols[o->col].width,
				text, last ? '\n' : ' ');
		} else {
			indent(o, o->depth + 1);
			fprintf(o->f, "%s: %s\n", label, text);
		}
		o->col++;
		return;
	}
	o->first[o->depth] = false;
	indent(o, o->depth - 1);
	fprintf(o->f, "%-*s %s\n", LABEL_WIDTH - 2 * (o->depth - 1), label, text);
}

void
out_str(struct out *o, const char *key, const char *label, const char *s)
{
	field(o, key, label, s != NULL ? s : "", NULL);
}

void
out_strf(struct out *o, const char *key, const char *label,
	 const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	field(o, key, label, buf, NULL);
}

void
out_u64(struct out *o, const char *key, const char *label, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	field(o, key, label, buf, buf);
}

void
out_i64(struct out *o, const char *key, const char *label, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	field(o, key, label, buf, buf);
}

void
out_hex(struct out *o, const char *key, const char *label, uint64_t v,
	int digits)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*" PRIx64, digits, v);
	field(o, key, label, buf, NULL);
}

void
out_bool(struct out *o, const char *key, const char *label, bool v,
	 const char *yes, const char *no)
{
	field(o, key, label, v ? yes : no, v ? "true" : "false");
}

void
out_null(struct out *o, const char *key, const char *label, const char *text)
{
	field(o, key, label, text, "null");
}

void
out_list_u64(struct out *o, const char *key, const char *label,
	     const uint64_t *v, int n, const char *empty)
{
	char text[512] = "", json[512] = "[", num[24];
	size_t tl = 0, jl = 1;

	for (int i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%" PRIu64, v[i]);
		if (tl + strlen(num) + 3 < sizeof(text))
			tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
					       "%s%s", i ? " " : "", num);
		if (jl + strlen(num) + 3 < sizeof(json))
			jl += (size_t)snprintf(json + jl, sizeof(json) - jl,
					       "%s%s", i ? ", " : "", num);
	}
	snprintf(json + jl, sizeof(json) - jl, "]");
	field(o, key, label, n > 0 ? text : empty, json);
}

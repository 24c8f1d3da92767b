/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_CTL_OUT_H
#define ISM_CTL_OUT_H

/*
 * Output of ism-ctl: one set of calls renders either text for people
 * (labelled lines, aligned tables) or JSON for scripts (--json). A command
 * describes its result once; the writer decides the form.
 *
 * Every field has a JSON key and a text label. In JSON, 64-bit identifiers
 * and addresses (GIDs, IOVAs, region offsets) are "0x..." strings, since
 * many JSON readers lose integers above 2^53; counts and sizes are numbers.
 *
 * Tables: in text, the first ncols fields of a row fill the columns and
 * any further field of the row is printed below it as "label: value"; in
 * JSON a table is an array of objects holding every field.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MAX_DEPTH	8
#define OUT_MAX_COLS	8

struct out_col {
	const char *label;	/* column header (text) */
	int width;		/* text width; the last column may overflow */
};

struct out {
	FILE *f;
	bool json;
	int depth;
	bool first[OUT_MAX_DEPTH];	/* JSON: no comma before the next item */
	/* text tables */
	const struct out_col *cols;
	int ncols;
	int col;			/* fields printed in the current row */
	bool in_row;
};

void out_init(struct out *o, FILE *f, bool json);
/* The whole document: a JSON object; nothing in text. */
void out_begin(struct out *o);
void out_end(struct out *o);

/* A nested object: "key": {...} in JSON, a title line and indented fields
 * in text. */
void out_section(struct out *o, const char *key, const char *title);
void out_section_end(struct out *o);

/* A table of rows: "key": [...] in JSON, a title and a header in text. */
void out_table(struct out *o, const char *key, const char *title,
	       const struct out_col *cols, int ncols);
void out_table_end(struct out *o);
void out_row(struct out *o);
void out_row_end(struct out *o);

/* A list of plain values ("key": [1, 2]) shown on one text line. */
void out_list_u64(struct out *o, const char *key, const char *label,
		  const uint64_t *v, int n, const char *empty);

void out_str(struct out *o, const char *key, const char *label,
	     const char *s);
void out_strf(struct out *o, const char *key, const char *label,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void out_u64(struct out *o, const char *key, const char *label, uint64_t v);
void out_i64(struct out *o, const char *key, const char *label, int64_t v);
/* "0x%0*x" with @digits digits (0: as few as needed), a string in JSON. */
void out_hex(struct out *o, const char *key, const char *label, uint64_t v,
	     int digits);
/* JSON true/false; text @yes or @no. */
void out_bool(struct out *o, const char *key, const char *label, bool v,
	      const char *yes, const char *no);
/* JSON null; text @text (e.g. "-", "unknown"). */
void out_null(struct out *o, const char *key, const char *label,
	      const char *text);

#endif /* ISM_CTL_OUT_H */

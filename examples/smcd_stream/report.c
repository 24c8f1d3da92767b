/* SPDX-License-Identifier: BSD-3-Clause */
/* The table smcd_stream prints at the end, and its verdict. */
#include <inttypes.h>
#include <stdio.h>

#include "smcd_stream.h"

bool
stream_ok(const struct result *tx, const struct result *rx)
{
	if (tx != NULL && (tx->rc < 0 || tx->confirmed != tx->messages))
		return false;
	if (rx != NULL && (rx->rc < 0 || rx->errors != 0))
		return false;
	if (tx != NULL && rx != NULL)
		return rx->messages == tx->messages && rx->bytes == tx->bytes;
	return true;
}

static double
mbps(const struct result *r)
{
	return r->ns != 0 ? r->bytes / (r->ns / 1e3) : 0.0;
}

void
print_table(const struct opts *o, const char *what, const struct result *tx,
	    const struct result *rx)
{
	printf("\n" PROG " over %s: ", what);
	if (tx != NULL)
		printf("%" PRIu64 " messages", tx->messages);
	else
		printf("%" PRIu64 " messages received", rx->messages);
	printf(" of 1..%u bytes, DMB %u bytes\n\n", o->max_msg, o->dmb_size);
	printf("  %-10s %12s %14s %10s %8s %10s %12s\n", "process", "messages",
	       "bytes", "errors", "seconds", "MB/s", "credit waits");
	if (tx != NULL)
		printf("  %-10s %12" PRIu64 " %14" PRIu64 " %10s %8.3f %10.1f %12" PRIu64 "\n",
		       "sender", tx->messages, tx->bytes, "-", tx->ns / 1e9,
		       mbps(tx), tx->stalls);
	if (rx != NULL)
		printf("  %-10s %12" PRIu64 " %14" PRIu64 " %10" PRIu64 " %8.3f %10.1f %12s\n",
		       "receiver", rx->messages, rx->bytes, rx->errors, rx->ns / 1e9,
		       mbps(rx), "-");
	if (tx != NULL)
		printf("\n  receiver confirmed: %" PRIu64 " of %" PRIu64 " messages intact\n",
		       tx->confirmed, tx->messages);
	printf("%s  verified: %s\n", tx != NULL ? "" : "\n",
	       stream_ok(tx, rx) ? "every message arrived in order, byte for byte"
				 : "MISMATCH");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile neighbour for the e2e tests: a third function on a model
 * fabric that raises SIGNAL_IEQ events at one GID as fast as it can, with
 * codes that look like net_ism's control codes, for a given time.
 *
 *   ieq_flood <fabric> <target gid, 0x...> <seconds>
 *
 * Prints "flooded N events" and exits 0 when at least one was accepted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ism.h"
#include "ism_model.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct ism_transport *t;
	struct ism_dev *dev;
	uint64_t target, sent = 0, refused = 0;
	double end;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s <fabric> <target gid> <seconds>\n", argv[0]);
		return 2;
	}
	target = strtoull(argv[2], NULL, 0);
	rc = ism_model_attach(argv[1], NULL, &t);
	if (rc == 0)
		rc = ism_dev_open(t, &dev);
	if (rc < 0) {
		fprintf(stderr, "ieq_flood: cannot attach to fabric %s: %s\n",
			argv[1], strerror(-rc));
		return 1;
	}
	printf("flooder gid 0x%016" PRIx64 "\n", ism_dev_gid(dev));
	fflush(stdout);
	end = now_s() + atof(argv[3]);
	for (uint32_t i = 0; now_s() < end; i++) {
		/* HELLO, TOKENS, READY, HEARTBEAT, BYE and anything else */
		uint32_t code = (i & 1) ? 0x4900 + (i >> 1) % 0x30 : i;

		if (ism_signal(dev, target, code, (uint64_t)i * 0x9e3779b97f4a7c15ull,
			       false) == 0)
			sent++;
		else
			refused++;
	}
	printf("flooded %" PRIu64 " events (%" PRIu64 " refused)\n", sent, refused);
	ism_dev_close(dev);
	return sent > 0 ? 0 : 1;
}

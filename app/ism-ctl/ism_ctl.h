/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_CTL_H
#define ISM_CTL_H

/*
 * ism-ctl: look at and try out the ISM functions of this machine through
 * lib/ism's vfio transport, with libc alone (it runs on IBM Z, where DPDK
 * does not); and the fabrics of the software model (fabric). One file per
 * command; this header is what they share.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "ism.h"
#include "ism_vfio.h"
#include "out.h"

#define CTL_PROG	"ism-ctl"

/* Exit codes, documented in --help and the guide. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_USAGE = 1,		/* bad command line */
	CTL_EXIT_UNUSABLE = 2,		/* not usable as it is, or refused */
	CTL_EXIT_DEVICE = 3,		/* the device or the kernel failed */
	CTL_EXIT_UNREACHABLE = 4,	/* ping: the GID is not reachable */
};

struct ctl {
	const char *sysfs_root;		/* NULL: $VFIO_ISM_SYSFS_ROOT or /sys */
	enum ism_vfio_path path;
	bool json;
	int verbose;
	struct out out;
};

/* A command: its options beyond the common ones, and what it does. */
struct ctl_cmd {
	const char *name;
	const char *args;		/* synopsis after the name */
	const char *summary;		/* one line for the tool's --help */
	const char *help;		/* the command's --help, after synopsis */
	const struct option *opts;	/* extra long options, or NULL */
	const char *shortopts;		/* their short letters ("" if none) */
	/* one extra option; 0 or CTL_EXIT_USAGE */
	int (*opt)(struct ctl *c, int letter, const char *arg);
	/* run with the positional arguments; returns an exit code */
	int (*run)(struct ctl *c, int argc, char **argv);
};

extern const struct ctl_cmd ctl_cmd_list, ctl_cmd_info, ctl_cmd_ping,
	ctl_cmd_stat, ctl_cmd_fabric;

/* Print "ism-ctl: " and the message to stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * In --json mode, also put the failure on stdout as {"error": {...}} so
 * that a script reading stdout always gets a document. Returns @code.
 */
int ctl_fail(struct ctl *c, int code, const char *addr, const char *what,
	     const char *fix);

/* An opened function: the vfio transport under lib/ism. */
struct ctl_dev {
	struct ism_dev *dev;
	struct ism_vfio_info vinfo;
	struct ism_vfio_fn fn;
};

/*
 * Check the function's state in sysfs, open it with ism_vfio_open() and
 * ism_dev_open(). On failure say what is wrong and the fix, and return
 * the exit code (CTL_EXIT_USAGE, _UNUSABLE or _DEVICE); 0 on success.
 */
int ctl_open(struct ctl *c, const char *addr, struct ctl_dev *d);
void ctl_close(struct ctl_dev *d);
/* What info and stat begin with: @argv names one address; ctl_open() it
 * and QUERY_INFO into @qi. On failure the function is closed again, the
 * failure said, and the exit code returned; 0 on success. */
int ctl_open_query(struct ctl *c, const char *cmd, int argc, char **argv,
		   struct ctl_dev *d, struct ism_info *qi);

/* The one command that makes @fn usable (a rebind), or "" when no single
 * command does (fn->why then says what to check). */
const char *ctl_fix(const struct ism_vfio_fn *fn, char *buf, size_t len);

/* Parse a GID (hex, with or without 0x) or a number in @lo..@hi. */
int ctl_parse_gid(const char *s, uint64_t *gid);
int ctl_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v);

#endif /* ISM_CTL_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl: command dispatch. The common options may come before or after
 * the command; each command adds its own and has its own --help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ism_ctl.h"

static const struct ctl_cmd *const commands[] = {
	&ctl_cmd_list, &ctl_cmd_info, &ctl_cmd_ping, &ctl_cmd_stat,
	&ctl_cmd_fabric,
};
#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* long-only options; a command's own start at 300 */
enum { OPT_PATH = 256, OPT_SYSFS };

#define COMMON_SHORT	"+jvh"
static const struct option common_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
};
#define NR_COMMON	(sizeof(common_opts) / sizeof(common_opts[0]))

static const char common_help[] =
	"  -j, --json          machine-readable output: one JSON document on stdout\n"
	"  -v, --verbose       library messages on stderr: -v info, -vv debug\n"
	"      --path MODE     how to open a function: auto (default: the vfio cdev when\n"
	"                      the kernel offers one, else the group), cdev\n"
	"                      (/dev/vfio/devices/vfioN + /dev/iommu) or group\n"
	"                      (/dev/vfio/N + /dev/vfio/vfio)\n"
	"      --sysfs ROOT    sysfs root (default: $" ISM_VFIO_SYSFS_ENV ", else /sys)\n"
	"  -h, --help          this text\n";

static const char exit_help[] =
	"Exit status:\n"
	"  0  success (list: a function is usable; ping: the GID is reachable;\n"
	"     fabric rm: every fabric named or stale removed)\n"
	"  1  bad command line\n"
	"  2  not usable as it is, or refused: not an ISM function, wrong or no driver,\n"
	"     no IOMMU group, no permission on the device nodes, in use elsewhere;\n"
	"     fabric rm: live, not found, not yours, not a fabric\n"
	"  3  the device or the kernel failed a request\n"
	"  4  ping: the GID is not reachable\n";

static void
usage(FILE *f)
{
	fprintf(f, "Usage: " CTL_PROG " [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
		"Look at and try out the ISM functions of this machine that the kernel's\n"
		ISM_VFIO_KDRV " driver hands to user space (lib/ism, no DPDK), and the\n"
		"fabrics of the software model.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		char syn[64];

		snprintf(syn, sizeof(syn), "%s %s", commands[i]->name,
			 commands[i]->args);
		/* a long synopsis gets a line of its own */
		if (strlen(syn) > 20)
			fprintf(f, "  %s\n  %-20s %s\n", syn, "",
				commands[i]->summary);
		else
			fprintf(f, "  %-20s %s\n", syn, commands[i]->summary);
	}
	fprintf(f, "\nADDR is a PCI address, DDDD:BB:DD.F (BB:DD.F for domain 0). fabric is\n"
		"about the software model of the device (libism_model: fabric files in\n"
		"$ISM_MODEL_DIR, else /dev/shm), not hardware.\n"
		"'" CTL_PROG " COMMAND --help' describes a command.\n\n"
		"Options:\n%s\n%s", common_help, exit_help);
}

static void
cmd_usage(const struct ctl_cmd *cmd)
{
	printf("Usage: " CTL_PROG " %s %s [OPTIONS]\n%s\nOptions:\n%s\n%s",
	       cmd->name, cmd->args, cmd->help, common_help, exit_help);
}

static int verbosity;

/* -v: route the library's messages at the chosen level to stderr. */
static void
verbose_log(int level, const char *msg)
{
	int max = verbosity >= 2 ? ISM_LOG_DEBUG : ISM_LOG_INFO;

	if (level <= max)
		fprintf(stderr, "ism: %s\n", msg);
}

/* A common option; 0, or CTL_EXIT_USAGE. */
static int
common_opt(struct ctl *c, int letter, const char *arg)
{
	switch (letter) {
	case 'j':
		c->json = true;
		return 0;
	case 'v':
		c->verbose++;
		return 0;
	case OPT_SYSFS:
		c->sysfs_root = arg;
		return 0;
	case OPT_PATH:
		if (ism_vfio_path_parse(arg, &c->path) < 0) {
			ctl_err("--path '%s': say auto, cdev or group", arg);
			return CTL_EXIT_USAGE;
		}
		return 0;
	}
	return CTL_EXIT_USAGE;
}

static const struct ctl_cmd *
find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* The command's own options merged with the common ones, then run it. */
static int
run_command(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct option opts[NR_COMMON + 8];
	char shortopts[32];
	size_t n = 0;
	int letter, rc;

	memcpy(opts, common_opts, sizeof(common_opts));
	n = NR_COMMON;
	for (const struct option *x = cmd->opts; x != NULL && x->name != NULL &&
	     n + 1 < sizeof(opts) / sizeof(opts[0]); x++)
		opts[n++] = *x;
	memset(&opts[n], 0, sizeof(opts[n]));
	/* options may follow the positional arguments (no leading '+') */
	snprintf(shortopts, sizeof(shortopts), "%s%s", &COMMON_SHORT[1],
		 cmd->shortopts);

	optind = 0;
	while ((letter = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (letter == 'h') {
			cmd_usage(cmd);
			return CTL_EXIT_OK;
		}
		if (letter == '?') {
			ctl_err("see '" CTL_PROG " %s --help'", cmd->name);
			return CTL_EXIT_USAGE;
		}
		rc = letter == 'j' || letter == 'v' ||
		     letter == OPT_PATH || letter == OPT_SYSFS ?
			common_opt(c, letter, optarg) :
			cmd->opt != NULL ? cmd->opt(c, letter, optarg) :
			CTL_EXIT_USAGE;
		if (rc != 0)
			return rc;
	}
	verbosity = c->verbose;
	if (c->verbose > 0)
		ism_set_log_fn(verbose_log);
	out_init(&c->out, stdout, c->json);
	return cmd->run(c, argc - optind, argv + optind);
}

int
main(int argc, char **argv)
{
	struct ctl c = { .path = ISM_VFIO_PATH_AUTO };
	const struct ctl_cmd *cmd;
	int letter, rc;

	while ((letter = getopt_long(argc, argv, COMMON_SHORT, common_opts,
				     NULL)) != -1) {
		if (letter == 'h') {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		if (letter == '?') {
			ctl_err("see '" CTL_PROG " --help'");
			return CTL_EXIT_USAGE;
		}
		rc = common_opt(&c, letter, optarg);
		if (rc != 0)
			return rc;
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL) {
		ctl_err("no command '%s'; the commands are list, info, ping, stat and fabric (see --help)",
			argv[optind]);
		return CTL_EXIT_USAGE;
	}
	return run_command(&c, cmd, argc - optind, argv + optind);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ism-ctl fabric list | rm: the fabrics of the software model (the ISM
 * device in shared memory, libism_model), which are files in the fabric
 * directory ($ISM_MODEL_DIR, else /dev/shm), not hardware. A fabric goes
 * by itself with its last function; one whose processes died stays, and
 * this is how it is found and removed. What is a fabric, what is live and
 * what may be removed is the model's to say (ism_model_fabric_*()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ism_ctl.h"
#include "ism_model.h"

enum { OPT_STALE = 300, OPT_FORCE };

static const struct option fabric_opts[] = {
	{ "stale", no_argument, NULL, OPT_STALE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

/* options of one run per process */
static bool opt_stale, opt_force;

static int
fabric_opt(struct ctl *c, int letter, const char *arg)
{
	(void)c;
	(void)arg;
	if (letter == OPT_STALE)
		opt_stale = true;
	else if (letter == OPT_FORCE)
		opt_force = true;
	else
		return CTL_EXIT_USAGE;
	return 0;
}

static const char *
model_dir(void)
{
	const char *dir = getenv("ISM_MODEL_DIR");

	return dir != NULL && dir[0] != '\0' ? dir : ISM_MODEL_DEFAULT_DIR;
}

static const struct out_col list_cols[] = {
	{ "NAME", 24 }, { "STATE", 13 }, { "LIVE/ALL", 8 }, { "UID", 6 },
	{ "MODE", 4 }, { "SIZE", 9 }, { "LAYOUT", 0 },
};

static void
show_functions(struct out *o, const struct ism_model_fabric_info *fi)
{
	static const struct out_col fn_cols[] = { { "SLOT", 0 } };

	if (!o->json) {
		for (unsigned int i = 0; i < fi->functions; i++) {
			const struct ism_model_fabric_fn *fn = &fi->fn[i];

			out_strf(o, "function", "function",
				 "gid %016llx, pid %d %s%s%s", (unsigned long long)fn->gid,
				 (int)fn->pid, fn->alive ? "(alive)" : "(dead)",
				 fn->label[0] != '\0' ? ", label " : "", fn->label);
		}
		return;
	}
	out_table(o, "functions", "functions", fn_cols, 1);
	for (unsigned int i = 0; i < fi->functions; i++) {
		const struct ism_model_fabric_fn *fn = &fi->fn[i];

		out_row(o);
		out_u64(o, "slot", "slot", fn->slot);
		out_hex(o, "gid", "GID", fn->gid, 16);
		out_i64(o, "pid", "PID", fn->pid);
		out_bool(o, "alive", "alive", fn->alive, "yes", "no");
		if (fn->label[0] != '\0')
			out_str(o, "label", "label", fn->label);
		else
			out_null(o, "label", "label", "-");
		out_row_end(o);
	}
	out_table_end(o);
}

/* The row of one fabric in the list. */
static void
show_fabric(struct out *o, const struct ism_model_fabric_info *fi)
{
	bool known = fi->state == ISM_MODEL_FABRIC_LIVE ||
		fi->state == ISM_MODEL_FABRIC_STALE;
	char size[32];

	out_row(o);
	out_str(o, "name", "name", fi->name);
	out_str(o, "state", "state", ism_model_fabric_state_name(fi->state));
	if (o->json) {
		if (known)
			out_u64(o, "attached", "attached", fi->functions);
		else
			out_null(o, "attached", "attached", "-");
		out_u64(o, "live", "live", fi->live);
	} else if (known) {
		out_strf(o, "functions", "live/attached", "%u/%u", fi->live,
			 fi->functions);
	} else {
		out_strf(o, "functions", "live/attached", "%u/-", fi->live);
	}
	out_u64(o, "uid", "owner uid", (uint64_t)fi->uid);
	out_strf(o, "mode", "mode", "%04o", (unsigned int)(fi->mode & 07777));
	if (o->json) {
		out_u64(o, "size", "size", fi->size);
	} else {
		snprintf(size, sizeof(size), "%llu MiB",
			 (unsigned long long)(fi->size >> 20));
		out_str(o, "size", "size", size);
	}
	if (fi->version != 0)
		out_u64(o, "version", "layout version", fi->version);
	else
		out_null(o, "version", "layout version", "-");
	if (o->json) {
		out_str(o, "path", "path", fi->path);
		out_u64(o, "gid", "owner gid", (uint64_t)fi->gid);
		out_u64(o, "allocated", "allocated", fi->allocated);
		out_bool(o, "kept", "kept", fi->kept, "yes", "no");
		if (known) {
			out_u64(o, "heap_size", "heap", fi->heap_size);
			out_u64(o, "attaches", "attaches", fi->attaches);
			out_u64(o, "reaps", "reaps", fi->reaps);
		}
	} else if (fi->kept) {
		out_str(o, "kept", "kept", "yes (stays without functions)");
	}
	if (fi->why[0] != '\0')
		out_str(o, "why", "why", fi->why);
	else if (o->json)
		out_null(o, "why", "why", "-");
	show_functions(o, fi);
	out_row_end(o);
}

struct list_ctx {
	struct out *o;
	unsigned int n, live, stale;
};

static int
list_cb(void *arg, const struct ism_model_fabric_info *fi)
{
	struct list_ctx *x = arg;

	x->n++;
	x->live += fi->state == ISM_MODEL_FABRIC_LIVE;
	x->stale += fi->state == ISM_MODEL_FABRIC_STALE;
	show_fabric(x->o, fi);
	return 0;
}

static int
dir_fail(struct ctl *c, const char *dir, int rc)
{
	char what[512];

	snprintf(what, sizeof(what), "cannot read the fabric directory %s: %s",
		 dir, strerror(-rc));
	return ctl_fail(c, CTL_EXIT_UNUSABLE, NULL, what,
			"set ISM_MODEL_DIR to the directory of the fabrics (default /dev/shm)");
}

static int
fabric_list(struct ctl *c, int argc)
{
	const char *dir = model_dir();
	struct out *o = &c->out;
	struct list_ctx x = { .o = o };
	char title[320];
	int rc;

	if (argc != 1 || opt_stale || opt_force) {
		ctl_err("fabric list takes no argument and no --stale or --force (see '" CTL_PROG " fabric --help')");
		return CTL_EXIT_USAGE;
	}
	if (access(dir, R_OK | X_OK) < 0)
		return dir_fail(c, dir, -errno);
	snprintf(title, sizeof(title), "Fabrics of the software model in %s", dir);
	out_begin(o);
	out_str(o, "dir", "fabric directory", dir);
	out_table(o, "fabrics", title, list_cols,
		  sizeof(list_cols) / sizeof(list_cols[0]));
	rc = ism_model_fabric_list(list_cb, &x);
	out_table_end(o);
	out_u64(o, "count", "fabrics", x.n);
	out_u64(o, "live", "live", x.live);
	out_u64(o, "stale", "stale", x.stale);
	out_end(o);
	if (rc < 0) {
		ctl_err("cannot read the fabric directory %s: %s", dir, strerror(-rc));
		return CTL_EXIT_UNUSABLE;
	}
	return CTL_EXIT_OK;
}

/* Why removing @fi failed with @rc, and what to do. */
static void
refusal(const struct ism_model_fabric_info *fi, bool have_info, int rc,
	char *buf, size_t len)
{
	size_t n;

	switch (rc) {
	case -ENOENT:
		snprintf(buf, len, "no such fabric in %s (" CTL_PROG " fabric list shows them)",
			 model_dir());
		return;
	case -ELOOP:
		snprintf(buf, len, "a symbolic link: not followed, not removed; if you did not make it, someone else did");
		return;
	case -EPROTO:
		snprintf(buf, len, "not a fabric (no fabric magic in it): not removed");
		return;
	case -EPERM:
		if (have_info && fi->uid != geteuid())
			snprintf(buf, len, "it belongs to uid %u, not to you (uid %u): only its owner removes it",
				 (unsigned int)fi->uid, (unsigned int)geteuid());
		else
			snprintf(buf, len, "not a regular file: not removed");
		return;
	case -EBUSY:
		n = (size_t)snprintf(buf, len, "%u live function%s attached",
				     fi->live, fi->live == 1 ? "" : "s");
		for (unsigned int i = 0, k = 0; have_info && i < fi->functions &&
		     n < len; i++) {
			if (!fi->fn[i].alive)
				continue;
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
					      k++ == 0 ? " (pid " : " ",
					      (int)fi->fn[i].pid);
		}
		if (n < len && have_info && fi->functions > 0)
			n += (size_t)snprintf(buf + n, len - n, ")");
		if (n < len)
			snprintf(buf + n, len - n, "; stop them first, or --force");
		return;
	case -ETIMEDOUT:
		snprintf(buf, len, "its command lock stayed held for 5 s (a stopped process?); --force removes it anyway");
		return;
	}
	snprintf(buf, len, "cannot remove it: %s", strerror(-rc));
}

static int
exit_of(int rc)
{
	switch (rc) {
	case 0:
		return CTL_EXIT_OK;
	case -ENOENT: case -ELOOP: case -EPROTO: case -EPERM: case -EBUSY:
	case -ETIMEDOUT: case -EINVAL: case -ENAMETOOLONG: case -EACCES:
		return CTL_EXIT_UNUSABLE;
	}
	return CTL_EXIT_DEVICE;
}

static const struct out_col rm_cols[] = {
	{ "NAME", 24 }, { "RESULT", 8 }, { "WHY", 0 },
};

struct rm_ctx {
	struct out *o;
	unsigned int removed, refused, left;
	int exit;
};

/* Remove one fabric and say how it went. */
static void
rm_one(struct rm_ctx *x, const char *name, const char *what)
{
	struct ism_model_fabric_info *fi = calloc(1, sizeof(*fi));
	bool have_info;
	char why[512];
	int rc, code;

	if (fi == NULL) {
		x->exit = CTL_EXIT_DEVICE;
		return;
	}
	have_info = ism_model_fabric_info(name, fi) == 0;
	rc = ism_model_fabric_remove(name, opt_force);
	if (rc == 0)
		snprintf(why, sizeof(why), "%s", what);
	else
		refusal(fi, have_info, rc, why, sizeof(why));
	code = exit_of(rc);
	if (code > x->exit)
		x->exit = code;
	if (rc == 0)
		x->removed++;
	else
		x->refused++;
	out_row(x->o);
	out_str(x->o, "name", "name", name);
	out_str(x->o, "result", "result", rc == 0 ? "removed" : "refused");
	out_str(x->o, "why", "why", why);
	if (x->o->json) {
		out_bool(x->o, "removed", "removed", rc == 0, "yes", "no");
		if (have_info) {
			out_str(x->o, "state", "state",
				ism_model_fabric_state_name(fi->state));
			out_u64(x->o, "live", "live", fi->live);
		}
		if (rc < 0)
			out_str(x->o, "error", "error", strerror(-rc));
	}
	out_row_end(x->o);
	free(fi);
}

/* What makes a fabric stale, for the row of one that is removed. */
static void
stale_reason(const struct ism_model_fabric_info *fi, char *buf, size_t len)
{
	unsigned int dead = fi->functions - fi->live;

	if (fi->state == ISM_MODEL_FABRIC_STALE && dead == 1)
		snprintf(buf, len, "stale: 1 function, of a dead process");
	else if (fi->state == ISM_MODEL_FABRIC_STALE && dead > 1)
		snprintf(buf, len, "stale: %u functions, of dead processes", dead);
	else if (fi->state == ISM_MODEL_FABRIC_STALE)
		snprintf(buf, len, "stale: no function attached%s",
			 fi->kept ? " (kept)" : "");
	else
		snprintf(buf, len, "%s, no function holds it: %.160s",
			 ism_model_fabric_state_name(fi->state), fi->why);
}

struct stale_ctx {
	struct rm_ctx *x;
	char (*names)[ISM_MODEL_NAME_MAX + 1];
	char (*whats)[256];
	unsigned int n, cap;
};

/* Collect first, remove after: the directory is not changed while it is
 * read. Only what has no live function and may be ours is picked. */
static int
stale_cb(void *arg, const struct ism_model_fabric_info *fi)
{
	struct stale_ctx *s = arg;
	bool fabric = fi->state == ISM_MODEL_FABRIC_STALE ||
		fi->state == ISM_MODEL_FABRIC_OTHER_VERSION ||
		fi->state == ISM_MODEL_FABRIC_DAMAGED;

	if (!fabric || fi->live > 0)
		return 0;
	if (fi->uid != geteuid()) {
		s->x->left++;
		return 0;
	}
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? 2 * s->cap : 16;
		void *names = realloc(s->names, cap * sizeof(*s->names));
		void *whats;

		if (names == NULL)
			return -ENOMEM;
		s->names = names;
		whats = realloc(s->whats, cap * sizeof(*s->whats));
		if (whats == NULL)
			return -ENOMEM;
		s->whats = whats;
		s->cap = cap;
	}
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", fi->name);
	stale_reason(fi, s->whats[s->n], sizeof(s->whats[0]));
	s->n++;
	return 0;
}

static int
fabric_rm(struct ctl *c, int argc, char **argv)
{
	const char *dir = model_dir();
	struct out *o = &c->out;
	struct rm_ctx x = { .o = o };
	struct stale_ctx s = { .x = &x };
	char title[320];
	int rc = 0;

	if (opt_stale && opt_force) {
		ctl_err("fabric rm: --stale removes what no live process uses, --force anything of yours; give one");
		return CTL_EXIT_USAGE;
	}
	if (argc == 1 && !opt_stale) {
		ctl_err("fabric rm takes fabric names, or --stale for every fabric without a live function (see '" CTL_PROG " fabric --help')");
		return CTL_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		char path[256];

		if (ism_model_path(argv[i], path, sizeof(path)) < 0) {
			char what[160];

			snprintf(what, sizeof(what), "'%.64s' is not a fabric name", argv[i]);
			return ctl_fail(c, CTL_EXIT_USAGE, NULL, what,
					"names are 1..64 characters of A-Z a-z 0-9 . _ - (as in ism-fabric.NAME; see '" CTL_PROG " fabric list')");
		}
	}
	if (access(dir, R_OK | X_OK) < 0)
		return dir_fail(c, dir, -errno);
	if (argc == 1) {
		rc = ism_model_fabric_list(stale_cb, &s);
		if (rc < 0) {
			free(s.names);
			free(s.whats);
			return dir_fail(c, dir, rc);
		}
	}
	snprintf(title, sizeof(title), "Fabrics removed from %s", dir);
	out_begin(o);
	out_str(o, "dir", "fabric directory", dir);
	out_table(o, "fabrics", title, rm_cols, sizeof(rm_cols) / sizeof(rm_cols[0]));
	for (int i = 1; i < argc; i++)
		rm_one(&x, argv[i], opt_force ? "removed (forced)" : "no live function");
	for (unsigned int i = 0; i < s.n; i++)
		rm_one(&x, s.names[i], s.whats[i]);
	out_table_end(o);
	out_u64(o, "removed", "removed", x.removed);
	out_u64(o, "refused", "refused", x.refused);
	if (opt_stale)
		out_u64(o, "others_left", "other users' stale fabrics left", x.left);
	out_end(o);
	free(s.names);
	free(s.whats);
	return x.exit;
}

static int
fabric_run(struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return fabric_list(c, argc);
	if (argc >= 1 && strcmp(argv[0], "rm") == 0)
		return fabric_rm(c, argc, argv);
	ctl_err("fabric takes list or rm (see '" CTL_PROG " fabric --help')");
	return CTL_EXIT_USAGE;
}

const struct ctl_cmd ctl_cmd_fabric = {
	.name = "fabric",
	.args = "list | rm NAME... | rm --stale",
	.summary = "the software model's fabrics (files in /dev/shm): list, remove",
	.help =
	"The fabrics of the software ISM device (libism_model, what --vdev net_ism and\n"
	"smcd_stream --fabric use instead of hardware): files ism-fabric.NAME in\n"
	"$ISM_MODEL_DIR, else /dev/shm, each with a FIFO directory ism-fabric.NAME.d.\n"
	"A fabric goes by itself when its last function closes (unless it was attached\n"
	"with keep or ISM_MODEL_KEEP=1); one whose processes died stays, stale.\n"
	"  list           every entry named like a fabric: its state (live: a live\n"
	"                 process has a function on it; stale: none has; other-version,\n"
	"                 damaged, unreadable, not-a-fabric), live and attached\n"
	"                 functions, owner, mode, size, layout version, and each\n"
	"                 function's GID and PID, alive or dead. Nothing is changed.\n"
	"  rm NAME...     remove these fabrics and their FIFO directories; refused\n"
	"                 while a live function is attached\n"
	"  rm --stale     remove every fabric of yours without a live function (kept\n"
	"                 ones, other layout versions and damaged ones included)\n"
	"      --force    (rm NAME) remove even while functions are attached: their\n"
	"                 processes go on among themselves, new attaches get a new fabric\n"
	"Only regular files of yours with a fabric inside are removed: symbolic links\n"
	"are not followed, other users' files and files that are no fabric stay.\n"
	"Exit 0 when all named (or all stale) fabrics were removed, 2 when one was\n"
	"refused (live, not found, not yours, not a fabric), 3 when removing failed.\n",
	.opts = fabric_opts,
	.shortopts = "",
	.opt = fabric_opt,
	.run = fabric_run,
};

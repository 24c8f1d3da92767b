/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_MODEL_H
#define ISM_MODEL_H

/**
 * @file
 * The software ISM model: a device that lives in a shared-memory "fabric"
 * (a file under /dev/shm) which any number of processes attach to. Each
 * attach creates one ISM function with a unique GID; the returned transport
 * executes the BAR-level protocol of ism_proto.h and enforces its rules.
 *
 * Store errors (the transport's write() on BAR 0), model rules:
 *   -EINVAL   a > 4096-byte store, a store crossing 4 KiB, an offset
 *             beyond the 2^48-byte BAR, an element index > 15
 *   -ENXIO    the token names no registered DMB (or its owner is gone)
 *   -EACCES   the writer is not the DMB's rgid
 *   -ERANGE   offset + length beyond the DMB's length
 *   -EPERM    the DMB has a VLAN the writer does not have
 * A zero-length store does nothing and returns 0 (as a zero-length pwrite).
 * Command return codes: enum ism_ret_code in ism_proto.h.
 *
 * Attach errors:
 *   -EPERM            the fabric file or its FIFO directory belongs to
 *                     another user, is open to group/other (see
 *                     struct ism_model_opts) or is not a regular file
 *   -ELOOP            the fabric path is a symbolic link
 *   -ENOSPC           (message says so) the directory of the fabric has
 *                     no room for all of it: space is reserved at attach
 *   -EIO              the fabric file was truncated under this process
 *   -EPROTO           the file is not an ISM fabric (bad magic)
 *   -EPROTONOSUPPORT  the fabric has another layout version
 *   -EBADMSG          the fabric header is corrupted or the file truncated
 *   -ENOSPC           all ISM_MODEL_MAX_FUNCTIONS functions are attached
 *   -EAGAIN           the fabric was removed under 1000 attempts in a row
 *   -ENAMETOOLONG / -EINVAL   bad fabric name
 *
 * A function belongs to the process that attached it; attach after fork().
 * A process that dies loses its functions: within ISM_MODEL_REAP_MS any
 * other attached process releases them and sends a GID event (type 1, code
 * ISM_EVCODE_GID_DISABLED) to every function that ever shared a DMB with
 * them, in either direction; an orderly close sends the same event.
 *
 * Lifecycle: the first attach creates the fabric file; the orderly close
 * of the last function (dead ones do not count) removes it and its FIFO
 * directory, unless an attach asked to keep it (keep, ISM_MODEL_KEEP) or
 * the closing process does not own the file. A process attaching while
 * the last one detaches never ends up on the removed file: it attaches to
 * the next fabric of the name, which it or another attach creates. When
 * the last process dies instead, the file stays: ism_model_fabric_list()
 * shows it stale and ism_model_fabric_remove() removes it (ism-ctl
 * fabric rm --stale).
 *
 * Thread safety: every call may be made from any thread. The transport of
 * ism_model_attach() follows the contract of ism_transport.h; the calls
 * on a fabric serialise on its command lock, shared by all processes (a
 * process stopped while it holds it makes the others fail after 5 s).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Functions one fabric holds. */
#define ISM_MODEL_MAX_FUNCTIONS	32
/** Longest fabric name, in characters. */
#define ISM_MODEL_NAME_MAX	64
/** How soon the functions of a dead process are released. */
#define ISM_MODEL_REAP_MS	20
/** Heap of a new fabric when opts->heap_size is 0: ISM_MODEL_HEAP in the
 * environment (bytes, or a number with K, M or G), else this. */
#define ISM_MODEL_DEFAULT_HEAP	(256u << 20)
/** Directory of fabric files; ISM_MODEL_DIR in the environment overrides. */
#define ISM_MODEL_DEFAULT_DIR	"/dev/shm"

/**
 * Options of ism_model_attach(); all zero is the default.
 *
 * Who may attach: whoever can open the fabric file reads every DMB in it.
 * By default a fabric is private to its owner: it is created with mode
 * 0600, and an existing file is attached to only if it is a regular file
 * of the caller (effective uid) with no group or other access. With
 * share_group, a fabric of group share_gid with mode 0640/0660 may also
 * belong to another user of that group, and a new one is created so
 * (mode 0660 unless @p mode says otherwise). Other access is never allowed.
 */
struct ism_model_opts {
	size_t heap_size;	/**< DMA memory of the fabric; 0 = default */
	mode_t mode;		/**< file mode when created; 0 = 0600 (0660
				 * with share_group); group bits only with
				 * share_group, other bits never */
	int share_group;	/**< nonzero: share with group share_gid */
	gid_t share_gid;	/**< the group, with share_group */
	int keep;		/**< nonzero: the fabric stays when its last
				 * function detaches, until it is removed
				 * (ism_model_fabric_remove()); sticky: one
				 * such attach keeps it for good. Also
				 * ISM_MODEL_KEEP=1 in the environment, for
				 * programs that pass no options */
};

/**
 * Attach a new function to fabric @p name, creating the fabric if needed.
 * Name: 1..64 characters of [A-Za-z0-9._-].
 *
 * @param name  the fabric
 * @param opts  NULL for the defaults
 * @param[out] tp  the function's transport, for ism_dev_open()
 * @return 0, or the attach errors of the file's description.
 */
int ism_model_attach(const char *name, const struct ism_model_opts *opts,
		     struct ism_transport **tp);

/**
 * Remove the fabric file now, live functions or not (attached processes
 * keep their mapping): ism_model_fabric_remove(@p name, 1), with its
 * checks (the caller's own fabric file, no link followed) and its
 * retired mark, so that a racing attach opens the name again.
 *
 * @return what ism_model_fabric_remove() returns (-ENOENT: no such
 *   fabric).
 */
int ism_model_unlink(const char *name);

/**
 * Path of the fabric file for @p name, into @p buf of @p len bytes.
 *
 * @return 0; -EINVAL for a name that is empty, starts with '.' or has a
 *   character outside [A-Za-z0-9._-]; -ENAMETOOLONG for a name over
 *   ISM_MODEL_NAME_MAX or a path longer than @p len.
 */
int ism_model_path(const char *name, char *buf, size_t len);

/**
 * Labels: a model extension, not part of the device protocol. A function
 * may publish a short label (1..ISM_MODEL_LABEL_MAX characters) so that a
 * peer can find its GID by name instead of being told it.
 */
#define ISM_MODEL_LABEL_MAX	ISM_TRANSPORT_LABEL_MAX
/**
 * Publish @p label for the function of @p t (replacing its label).
 *
 * @return 0; -ENOTSUP if @p t is not a model transport; -EINVAL for a
 *   label not of 1..ISM_MODEL_LABEL_MAX characters; -EIO when the fabric
 *   file was cut under this process; -ETIMEDOUT or another errno when the
 *   fabric lock cannot be taken.
 */
int ism_model_set_label(struct ism_transport *t, const char *label);
/**
 * GIDs of the other live functions with @p label, at most @p n stored;
 * returns how many there are (may exceed @p n).
 *
 * @return the count, or a negative errno as ism_model_set_label()'s.
 */
int ism_model_find_label(struct ism_transport *t, const char *label,
			 uint64_t *gids, int n);

/** Statistics of a fabric (ism_model_stat()). */
struct ism_model_stat {
	unsigned int functions;		/**< attached */
	uint64_t heap_pages;		/**< of 4 KiB */
	uint64_t heap_pages_used;	/**< of them, allocated */
	uint64_t attaches;		/**< since creation */
	uint64_t reaps;			/**< functions released */
};
/**
 * Statistics of fabric @p name (attaching no function; the process maps
 * the fabric for the call).
 *
 * @return 0, or the errors of attaching to an existing fabric (-ENOENT
 *   when there is none, -EPERM, -EPROTO, ...; see the file's description).
 */
int ism_model_stat(const char *name, struct ism_model_stat *st);

/**
 * Fabrics seen from outside, for tools: what is in the fabric directory
 * (ISM_MODEL_DIR, else /dev/shm), without attaching a function or
 * mapping a file. Other users create files there too: an entry named
 * like a fabric is reported for what it is and never followed, and
 * nothing but a fabric file of the caller is ever removed.
 */
enum ism_model_fabric_state {
	ISM_MODEL_FABRIC_LIVE,		/**< a function of a live process */
	ISM_MODEL_FABRIC_STALE,		/**< no live function: only functions
					 * of processes that died, or none */
	ISM_MODEL_FABRIC_OTHER_VERSION,	/**< a fabric of another layout
					 * version: functions not shown */
	ISM_MODEL_FABRIC_DAMAGED,	/**< fabric magic, but a corrupted
					 * header or a truncated file */
	ISM_MODEL_FABRIC_UNREADABLE,	/**< this user cannot open it */
	ISM_MODEL_FABRIC_NOT_FABRIC,	/**< a symbolic link, not a regular
					 * file, or no fabric in it */
};

/** One function slot of a fabric, as ism_model_fabric_info() saw it. */
struct ism_model_fabric_fn {
	unsigned int slot;		/**< its slot in the fabric */
	uint64_t gid;			/**< its GID */
	pid_t pid;			/**< as the attaching process saw it */
	int alive;			/**< its process holds the function */
	char label[ISM_TRANSPORT_LABEL_MAX + 1]; /**< its label, or "" */
};

/** An entry of the fabric directory, described from outside. */
struct ism_model_fabric_info {
	char name[ISM_MODEL_NAME_MAX + 1]; /**< the fabric name */
	char path[256];			/**< the file */
	enum ism_model_fabric_state state; /**< what the entry is */
	uid_t uid;			/**< of the entry (never followed) */
	gid_t gid;			/**< of the entry */
	mode_t mode;			/**< type and permission bits */
	uint64_t size;			/**< file size */
	uint64_t allocated;		/**< bytes the filesystem holds for it */
	uint32_t version;		/**< layout version; 0 when unknown */
	int kept;			/**< an attach asked to keep it */
	uint64_t heap_size;		/**< bytes of DMA memory */
	uint64_t attaches;		/**< since creation */
	uint64_t reaps;			/**< functions of dead processes released */
	/** Functions in the fabric: for the current layout version, every
	 * one (fn[0..functions-1]); for another version only live, from
	 * the record locks that functions hold. */
	unsigned int functions;
	unsigned int live;		/**< of them, held by a live process */
	struct ism_model_fabric_fn fn[ISM_MODEL_MAX_FUNCTIONS]; /**< each */
	char why[160];			/**< what is wrong with it, or "" */
};

/** "live", "stale", "other-version", "damaged", "unreadable",
 * "not-a-fabric". */
const char *ism_model_fabric_state_name(enum ism_model_fabric_state s);

/** Describe the entry for fabric @p name: 0, -ENOENT when there is none, or
 * -EINVAL/-ENAMETOOLONG for a bad name. Other entries are described, not
 * failed: see info->state. */
int ism_model_fabric_info(const char *name, struct ism_model_fabric_info *info);

/** Told of one entry of the fabric directory; non-zero stops the list. */
typedef int (*ism_model_fabric_cb)(void *arg,
				   const struct ism_model_fabric_info *info);
/** Call @p cb for every entry of the fabric directory named like a fabric
 * (ism-fabric.NAME, FIFO directories left out), in no order; a nonzero
 * return of @p cb stops and is returned. 0, or -errno when the directory
 * cannot be read. */
int ism_model_fabric_list(ism_model_fabric_cb cb, void *arg);

/**
 * Remove fabric @p name and its FIFO directory, retired under the fabric
 * lock as by the last detach (a process attaching meanwhile gets a new
 * fabric). Refused while a live function is attached, unless @p force: its
 * processes then go on with the removed file among themselves, and new
 * attaches see none of them. Only a regular file of the caller with the
 * fabric magic is removed; a fabric of another layout version or a
 * damaged one too, when no function holds it. Returns 0, or
 *   -ENOENT   no such entry
 *   -ELOOP    a symbolic link (not followed, not removed)
 *   -EPERM    not a regular file, or another user's
 *   -EPROTO   not a fabric
 *   -EBUSY    live functions are attached (without @p force)
 *   -ETIMEDOUT  the fabric lock was not free within 5 s (without @p force)
 */
int ism_model_fabric_remove(const char *name, int force);

/** The GID of a model transport's function; 0 if @p t is not one. */
uint64_t ism_model_gid(const struct ism_transport *t);

/** True if @p t is a model transport (false for NULL). */
int ism_model_is_model(const struct ism_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* ISM_MODEL_H */

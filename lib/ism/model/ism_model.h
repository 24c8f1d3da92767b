/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_MODEL_H
#define ISM_MODEL_H

/*
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
 *   -ENAMETOOLONG / -EINVAL   bad fabric name
 *
 * A function belongs to the process that attached it; attach after fork().
 * A process that dies loses its functions: within ISM_MODEL_REAP_MS any
 * other attached process releases them and sends a GID event (type 1, code
 * ISM_EVCODE_GID_DISABLED) to every function that ever shared a DMB with
 * them, in either direction; an orderly close sends the same event.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ISM_MODEL_MAX_FUNCTIONS	32
#define ISM_MODEL_NAME_MAX	64
#define ISM_MODEL_REAP_MS	20
/* Heap of a new fabric when opts->heap_size is 0: ISM_MODEL_HEAP in the
 * environment (bytes, or a number with K, M or G), else this. */
#define ISM_MODEL_DEFAULT_HEAP	(256u << 20)
/* Directory of fabric files; ISM_MODEL_DIR in the environment overrides. */
#define ISM_MODEL_DEFAULT_DIR	"/dev/shm"

/*
 * Who may attach: whoever can open the fabric file reads every DMB in it.
 * By default a fabric is private to its owner: it is created with mode
 * 0600, and an existing file is attached to only if it is a regular file
 * of the caller (effective uid) with no group or other access. With
 * share_group, a fabric of group share_gid with mode 0640/0660 may also
 * belong to another user of that group, and a new one is created so
 * (mode 0660 unless @mode says otherwise). Other access is never allowed.
 */
struct ism_model_opts {
	size_t heap_size;	/* DMA memory of the fabric; 0 = default */
	mode_t mode;		/* file mode when created; 0 = 0600 (0660
				 * with share_group); group bits only with
				 * share_group, other bits never */
	int share_group;	/* nonzero: share with group share_gid */
	gid_t share_gid;
};

/* Attach a new function to fabric @name, creating the fabric if needed.
 * Name: 1..64 characters of [A-Za-z0-9._-]. */
int ism_model_attach(const char *name, const struct ism_model_opts *opts,
		     struct ism_transport **tp);

/* Remove the fabric file (attached processes keep their mapping). */
int ism_model_unlink(const char *name);

/* Path of the fabric file for @name; returns -ENAMETOOLONG/-EINVAL. */
int ism_model_path(const char *name, char *buf, size_t len);

/*
 * Labels: a model extension, not part of the device protocol. A function
 * may publish a short label (1..ISM_MODEL_LABEL_MAX characters) so that a
 * peer can find its GID by name instead of being told it.
 */
#define ISM_MODEL_LABEL_MAX	ISM_TRANSPORT_LABEL_MAX
int ism_model_set_label(struct ism_transport *t, const char *label);
/* GIDs of the other live functions with @label, at most @n stored; returns
 * how many there are (may exceed @n). */
int ism_model_find_label(struct ism_transport *t, const char *label,
			 uint64_t *gids, int n);

struct ism_model_stat {
	unsigned int functions;		/* attached */
	uint64_t heap_pages;		/* of 4 KiB */
	uint64_t heap_pages_used;
	uint64_t attaches;		/* since creation */
	uint64_t reaps;			/* functions released */
};
/* Statistics of fabric @name (attaching no function). */
int ism_model_stat(const char *name, struct ism_model_stat *st);

/* The GID of a model transport's function. */
uint64_t ism_model_gid(const struct ism_transport *t);

/* True if @t is a model transport. */
int ism_model_is_model(const struct ism_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* ISM_MODEL_H */

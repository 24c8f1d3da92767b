/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_H
#define ISM_H

/**
 * @file
 * lib/ism: the ISM device library. Opens one ISM function through a
 * transport, registers its SBA and IEQ, and offers DMB registration, data
 * moves into remote DMBs, signalling and event polling.
 *
 * Thread safety:
 *  - ism_move() may run concurrently from any number of threads on one
 *    device; it takes no lock (each piece is one transport store).
 *  - Every other call that issues a command (register/unregister, signal,
 *    VLAN, query) serialises on a per-device mutex, because the device
 *    executes one command at a time. They may be called from any thread.
 *  - ism_poll(), ism_poll_sba() and ism_poll_events() consume device state
 *    (SBA bits, IEQ cursor): call them from one thread at a time per device.
 *  - ism_dev_close() must not race with any other call on the device.
 *
 * Errors are negative errno values. A command the device refused returns
 * the errno ism_ret_to_errno() maps its return code to: 0xffff (the
 * generic error) is -EIO, the model's codes map as ism_lib.rst lists, an
 * unknown code is -EIO. A transport failure returns the transport's errno.
 * ism_last_ret() keeps the raw code (ISM_RET_NO_ANSWER after a transport
 * failure) for logs.
 *
 * Only 0 and 0xffff are the device's own codes; the others are rules of
 * the software model that real hardware need not share. Code that must
 * work on a real device tests an answer for non-zero and never for one
 * errno: several codes share one, and a transport error may share it too.
 * Where a caller must tell a refusal from a failed transport (is the peer
 * gone, or did we just not learn it?), a call returns the answer itself:
 * ism_rgid_reachable(); ism_dmb_unregister() decides on the raw code.
 * A response with a length no response can have is -EPROTO.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ism_proto.h"
#include "ism_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An open ISM function: made by ism_dev_open(), freed by ism_dev_close().
 * Opaque.
 */
struct ism_dev;

/**
 * A DMB this function owns: the peer (rgid) writes, we read addr. Made by
 * ism_dmb_register(), owned by the library; the fields are for reading.
 */
struct ism_dmb {
	uint64_t tok;		/**< the device's token; 0 while unregistered */
	uint64_t rgid;		/**< the one GID allowed to write it */
	void *addr;		/**< the memory, to read what the peer wrote */
	uint32_t len;		/**< bytes */
	uint16_t sba_idx;	/**< its bit in the SBA (ism_poll_sba()) */
	bool vlan_valid;	/**< registered on a VLAN */
	uint16_t vlan_id;	/**< that VLAN, when vlan_valid */
	struct ism_dma dma;	/**< the transport's DMA memory behind addr */
};

/** A DMB of a peer, as the peer announced it: the target of ism_move(). */
struct ism_rdmb {
	uint64_t tok;		/**< the peer's token for it */
	uint32_t len;		/**< its length in bytes */
};

/** What ism_dmb_register() makes. */
struct ism_dmb_params {
	uint32_t len;		/**< 1 .. ISM_DMB_MAX_LEN */
	uint64_t rgid;		/**< the one GID allowed to write it */
	bool vlan_valid;	/**< register it on a VLAN */
	uint16_t vlan_id;	/**< that VLAN, 0 .. ISM_VLAN_ID_MAX */
};

/** One IEQ entry, in host byte order (ism_poll_events()). */
struct ism_event {
	uint32_t type;		/**< enum ism_event_type */
	uint32_t code;		/**< enum ism_event_code, or a peer's code */
	uint64_t tok;		/**< DMB token or GID, by type */
	uint64_t time;		/**< the device's time-of-day stamp */
	uint64_t info;		/**< the sender's value (ISM_EVENT_SWR) */
};

/** The answer of QUERY_INFO, in host byte order (ism_query_info()). */
struct ism_info {
	uint32_t version;	/**< the device's interface version */
	uint32_t max_len;	/**< largest DMB it registers */
	uint64_t state;		/**< the device's state word */
	uint64_t gid;		/**< this function's GID */
	uint64_t sba;		/**< DMA address of the registered SBA, or 0 */
	uint64_t ieq;		/**< DMA address of the registered IEQ, or 0 */
	uint32_t ieq_len;	/**< length of the registered IEQ */
	uint32_t dmbs_owned;	/**< DMBs registered by this function */
	uint32_t dmbs_used;	/**< DMBs of others this function writes */
	uint32_t vlan_required;	/**< non-zero: DMBs need a VLAN */
	uint32_t vlan_nr_ids;	/**< entries of vlan_id in use */
	uint16_t vlan_id[ISM_MAX_VLAN_IDS]; /**< the VLANs added */
};

/** Counters kept by the library (not by the device). */
struct ism_dev_stats {
	uint64_t commands;	/**< commands issued */
	uint64_t command_errors; /**< commands that failed (any cause) */
	uint64_t events;	/**< IEQ entries delivered */
	uint64_t ieq_overruns;	/**< as reported in the IEQ header (model rule) */
};

/** Levels of library messages, as syslog's. */
enum ism_log_level { ISM_LOG_ERR = 3,	/**< an operation failed */
		     ISM_LOG_WARNING = 4,	/**< it went on, but check */
		     ISM_LOG_INFO = 6,	/**< open, close, registrations */
		     ISM_LOG_DEBUG = 7 };	/**< every command */
/** Receives one library message (no newline) of an ism_log_level. */
typedef void (*ism_log_fn)(int level, const char *msg);
/**
 * Route library messages; NULL restores the default (stderr, up to
 * ISM_LOG_LEVEL from the environment, default warnings). Set it before
 * other threads use the library: the pointer is not synchronised. @p fn
 * may be called from any thread that calls the library.
 */
void ism_set_log_fn(ism_log_fn fn);

/**
 * Open an ISM function: REG_SBA, REG_IEQ, READ_GID, QUERY_INFO (a failed
 * QUERY_INFO is only logged; one that answers must report READ_GID's GID).
 * The device takes ownership of @p t: on failure the transport is closed.
 *
 * @param t  a transport (ism_vfio_open(), the model, the vfio_ism bus)
 * @param[out] devp  the device; NULL on failure
 * @return 0; -EINVAL when the transport's store limit is not in
 *   1..ISM_MAX_STORE; -ENOMEM; -EPROTO when QUERY_INFO's GID differs from
 *   READ_GID's, or a response has an impossible length; the errno of a
 *   refused command (ism_ret_to_errno()) or of the transport.
 */
int ism_dev_open(struct ism_transport *t, struct ism_dev **devp);
/**
 * Close a device: every DMB still registered is unregistered, then the
 * IEQ and the SBA, and the transport is closed. A DMB the device refuses
 * to unregister leaks its memory (logged). Must not race with any other
 * call on @p dev. NULL is a no-op.
 */
void ism_dev_close(struct ism_dev *dev);

/** This function's GID, as READ_GID answered at open. Any thread. */
uint64_t ism_dev_gid(const struct ism_dev *dev);
/** The transport the device was opened on (still owned by the device). */
struct ism_transport *ism_dev_transport(const struct ism_dev *dev);
/** The transport's name, for messages. Valid until ism_dev_close(). */
const char *ism_dev_name(const struct ism_dev *dev);

/** ism_last_ret() of a command the device did not answer: the transport
 * failed. Not a device code (those are 16 bits). */
#define ISM_RET_NO_ANSWER	0x10000u
/**
 * The raw return code of the device's last command: 0, ISM_RET_GENERIC,
 * a model code (enum ism_ret_code), or ISM_RET_NO_ANSWER. Any thread's
 * command replaces it: read it in the thread that got the error, before
 * another command runs.
 */
unsigned int ism_last_ret(const struct ism_dev *dev);
/**
 * Copy the library's counters of @p dev into @p stats. Any thread; the
 * counters are read without the command lock, each one on its own.
 */
void ism_dev_stats(const struct ism_dev *dev, struct ism_dev_stats *stats);

/**
 * QUERY_INFO: the device's view of this function.
 *
 * @param dev  an open device
 * @param[out] info  the answer, in host byte order
 * @return 0; -EPROTO when the answer lists more than ISM_MAX_VLAN_IDS
 *   VLANs or has an impossible length; the errno of a refusal
 *   (ism_ret_to_errno()) or of the transport.
 */
int ism_query_info(struct ism_dev *dev, struct ism_info *info);
/**
 * QUERY_RGID: 0 when rgid is reachable (optionally on a VLAN), else a
 * negative errno, from the device's answer or from the transport. To act
 * on the answer use ism_rgid_reachable(), which tells the two apart.
 *
 * @return 0; the errno of the device's answer (the model: -EINVAL for
 *   rgid 0, -EHOSTUNREACH, -ENETUNREACH for a VLAN it lacks) or of the
 *   transport.
 */
int ism_query_rgid(struct ism_dev *dev, uint64_t rgid, bool vlan_valid,
		   uint16_t vlan_id);
/**
 * QUERY_RGID for a decision. Returns 0 when the device answered: then
 * *reachable is true for ret 0 and false for any other code, whichever it
 * is (as Linux's SMC-D takes any non-zero answer of query_remote_gid as
 * "cannot talk"; codes but 0 and 0xffff are model rules). Returns a
 * negative errno, *reachable untouched, when the transport failed and no
 * answer came: nothing is known about @p rgid then.
 */
int ism_rgid_reachable(struct ism_dev *dev, uint64_t rgid, bool vlan_valid,
		       uint16_t vlan_id, bool *reachable);
/**
 * ADD_VLAN_ID: let this function's DMBs and moves use VLAN @p vlan_id.
 *
 * @return 0, or the errno of a refusal (the model: -EINVAL for an id over
 *   ISM_VLAN_ID_MAX, -EBUSY when it is added already, -ENOSPC when
 *   ISM_MAX_VLAN_IDS are) or of the transport.
 */
int ism_vlan_add(struct ism_dev *dev, uint16_t vlan_id);
/**
 * DEL_VLAN_ID: remove a VLAN added with ism_vlan_add().
 *
 * @return 0, or the errno of a refusal (the model: -EINVAL for an id over
 *   ISM_VLAN_ID_MAX, -ENOENT for an id not added) or of the transport.
 */
int ism_vlan_del(struct ism_dev *dev, uint16_t vlan_id);
/**
 * SET_VLAN: from now on the function's DMBs must be on a VLAN.
 *
 * @return 0, or the errno of a refusal or of the transport.
 */
int ism_vlan_set(struct ism_dev *dev);
/**
 * RESET_VLAN: undo ism_vlan_set().
 *
 * @return 0, or the errno of a refusal or of the transport.
 */
int ism_vlan_reset(struct ism_dev *dev);

/**
 * Allocate DMA memory, pick a free SBA index and REG_DMB it. A token the
 * library refuses (ism_tok_valid) is -EPROTO; it is UNREG_DMB'd first, and
 * its memory kept out of use, until close, if that fails.
 *
 * @param dev  an open device
 * @param p  length, writer and VLAN of the DMB
 * @param[out] dmbp  the DMB, owned by the library; NULL on failure
 * @return 0; -EINVAL for a length not in 1..ISM_DMB_MAX_LEN, rgid 0 or a
 *   VLAN id over ISM_VLAN_ID_MAX; -ENOSPC when no SBA index is free;
 *   -ENOMEM, or the transport's errno for DMA memory; -EPROTO (above); the
 *   errno of a refused REG_DMB (the model: -EHOSTUNREACH for an unknown
 *   rgid, -ENETUNREACH for a VLAN it does not allow, -EBUSY, -EFAULT) or
 *   of the transport.
 */
int ism_dmb_register(struct ism_dev *dev, const struct ism_dmb_params *p,
		     struct ism_dmb **dmbp);
/**
 * UNREG_DMB, then free the memory and the SBA index, when the device
 * answers 0 or the generic 0xffff (logged), as Linux's driver does:
 * returns 0 and @p dmb is gone. Any other answer, and a transport error,
 * leave the DMB registered and @p dmb valid (its memory is not reused):
 * returns the negative errno; a later unregister, or ism_dev_close(),
 * tries again (close leaks the memory, with a log line, if that fails).
 * A DMB that no token names (a rebind's REG_DMB got no answer) is
 * forgotten with its memory leaked (logged): 0. -EINVAL for NULL,
 * -ENOENT for a DMB not registered on @p dev.
 */
int ism_dmb_unregister(struct ism_dev *dev, struct ism_dmb *dmb);
/**
 * Give a registered DMB a new writer: UNREG_DMB, then REG_DMB of the same
 * memory and SBA index for @p rgid (a new token). The memory stays where it
 * is, so whoever polls it needs no new pointer. The UNREG_DMB step counts
 * as done as for ism_dmb_unregister() (0 or 0xffff); on any other answer
 * the DMB keeps its token and writer and the errno is returned. If REG_DMB
 * fails the DMB stays unregistered (tok 0) until a later rebind or
 * unregister.
 *
 * @return 0; -EINVAL for NULL; -ENOENT for a DMB not registered on @p dev;
 *   the errno of the refused UNREG_DMB or REG_DMB, or of the transport.
 */
int ism_dmb_rebind(struct ism_dev *dev, struct ism_dmb *dmb, uint64_t rgid);

/**
 * The DMB registered at an SBA index (as ism_poll_sba() reports), or NULL.
 * Takes no lock: call it where the DMB cannot be unregistered meanwhile,
 * e.g. in the polling thread that also unregisters.
 */
struct ism_dmb *ism_dmb_by_sba_idx(struct ism_dev *dev, unsigned int sba_idx);

/**
 * Write len bytes at offset off of a peer's DMB, element idx. The move is
 * split at 4 KiB boundaries of the DMB offset, each piece one store; only
 * the last piece carries sf (when @p sf). Refused before any store when the
 * range does not fit the DMB (-ERANGE) or the target is malformed (-EINVAL:
 * token, idx > 15, r->len > 1 MiB). A zero-length move passes the same
 * checks (off may equal r->len), then issues no store, so sets no sf
 * either, and returns 0 (SMC-D allows size 0).
 *
 * A store that fails ends the move: the pieces before it have landed.
 * Thread-safe: any number of threads may move on one device at once.
 *
 * @return 0; -ERANGE, -EINVAL (above); the transport's errno of a failed
 *   store (e.g. -ENODEV: the function is gone).
 */
int ism_move(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	     uint32_t off, const void *buf, size_t len, bool sf);

/**
 * ism_move() with the data gathered from @p iovcnt buffers: the split at
 * 4 KiB boundaries is the same, each store takes what falls into it from
 * consecutive buffers. Lets a sender pack many packets into few stores
 * without copying them together first.
 *
 * @return as ism_move(), for the total length of the buffers.
 */
int ism_movev(struct ism_dev *dev, const struct ism_rdmb *r, unsigned int idx,
	      uint32_t off, const struct iovec *iov, int iovcnt, bool sf);

/**
 * SIGNAL_IEQ: raise a software event (type ISM_EVENT_SWR) at rgid.
 *
 * @param dev  an open device
 * @param rgid  the GID whose IEQ gets the event
 * @param code  the event's code (e.g. ISM_EVCODE_SHUTDOWN)
 * @param info  a value for the receiver
 * @param trigger_irq  also raise the receiver's MSI
 * @return 0, or the errno of a refusal (the model: -EINVAL for rgid 0,
 *   -EHOSTUNREACH for an unknown rgid, -ENOTCONN when it has no IEQ) or of
 *   the transport.
 */
int ism_signal(struct ism_dev *dev, uint64_t rgid, uint32_t code,
	       uint64_t info, bool trigger_irq);

/** Told of a DMB written with the signal flag: its SBA index and the
 * elements (ism_dmbe_bit()) signalled since the last poll. */
typedef void (*ism_dmb_cb)(void *arg, unsigned int sba_idx, uint16_t mask);
/** Told of one IEQ entry; @p ev is valid during the call only. */
typedef void (*ism_event_cb)(void *arg, const struct ism_event *ev);

/**
 * Clear s, then deliver and clear each set DMB bit with its element mask.
 * Returns the number of DMB bits delivered (@p cb may be NULL: the bits
 * are cleared and counted). One thread at a time per device.
 */
int ism_poll_sba(struct ism_dev *dev, ism_dmb_cb cb, void *arg);
/**
 * Clear e, then deliver each new IEQ entry in order. Returns the count
 * (at most ISM_IEQ_ENTRIES per call; @p cb may be NULL). The IEQ is only
 * read: it is the device's. One thread at a time per device.
 */
int ism_poll_events(struct ism_dev *dev, ism_event_cb cb, void *arg);
/** ism_poll_sba(), then ism_poll_events(); returns the total delivered. */
int ism_poll(struct ism_dev *dev, ism_dmb_cb dmb_cb, ism_event_cb ev_cb,
	     void *arg);

/**
 * The interrupt fd (readable when the MSI fires), -1 if the transport has
 * none. After it fires: ism_irq_ack(), then ism_poll(). The fd stays the
 * device's: poll or epoll it, do not close it.
 */
int ism_irq_fd(const struct ism_dev *dev);
/** Acknowledge the interrupt (drain the fd), from the polling thread. */
void ism_irq_ack(struct ism_dev *dev);

/**
 * Map a device return code to a negative errno (0 for ISM_RET_OK): the
 * table of ism_lib.rst; -EIO for ISM_RET_GENERIC, ISM_RET_NO_ANSWER and
 * any unknown code. Pure; any thread.
 */
int ism_ret_to_errno(unsigned int ret);
/** Name of a return code, e.g. "NO_DMB" ("UNKNOWN" if none), for logs. */
const char *ism_ret_name(unsigned int ret);
/** Name of a command code, e.g. "REG_DMB", for logs. */
const char *ism_cmd_name(unsigned int cmd);

#ifdef __cplusplus
}
#endif

#endif /* ISM_H */

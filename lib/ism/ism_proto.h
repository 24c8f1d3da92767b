/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_PROTO_H
#define ISM_PROTO_H

/**
 * @file
 * The ISM device protocol: BAR layout, commands, and the memory the device
 * writes (SBA, IEQ). All multi-byte fields are big-endian (ism_byteorder.h).
 * Bit strings are numbered from the most significant bit of the first byte.
 *
 * Definitions only: the inline helpers are pure and may be called from any
 * thread.
 */

#include <assert.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "ism_byteorder.h"

#define ISM_PCI_VENDOR_ID	0x1014	/**< IBM */
#define ISM_PCI_DEVICE_ID	0x04ed	/**< an ISM function */

/* BARs */
#define ISM_BAR_DMB		0	/**< write-only DMB data window */
#define ISM_BAR_CMD		2	/**< command area */
#define ISM_BAR_DMB_BITS	48	/**< BAR 0 is 2^48 bytes */
#define ISM_CMD_AREA_SIZE	4096	/**< bytes of the command area */
#define ISM_CMD_BODY_OFFSET	8	/**< request body; header at 0 */

/** One PCI Store Block: at most this many bytes, never across a 4 KiB line. */
#define ISM_MAX_STORE		4096u
/** No store (and no load) crosses a multiple of this. */
#define ISM_STORE_BOUNDARY	4096u
/** Loads: at most 8 bytes, never across 4 KiB. */
#define ISM_MAX_LOAD		8u

/* DMBs */
#define ISM_DMB_MAX_LEN		(1u << 20)	/**< largest DMB */
#define ISM_DMB_BOUNDARY	(1u << 20)	/**< a DMB must not cross it */
#define ISM_NR_SBA_BITS		1920		/**< DMB bits of the SBA */
#define ISM_SBA_IDX_FIRST	32		/**< indexes 0..31 are never used */
#define ISM_SBA_IDX_LAST	(ISM_NR_SBA_BITS - 1) /**< last DMB index */
#define ISM_DMB_ELEMENTS	16		/**< elements (idx) of a DMB */
#define ISM_VLAN_ID_MAX		4095		/**< largest VLAN id */
#define ISM_MAX_VLAN_IDS	64		/**< VLAN ids of one function */

/* BAR-0 request offset: dmb_tok | idx << 24 | sf << 23 | offset */
#define ISM_REQ_OFFSET_BITS	23	/**< bits of the DMB offset */
/** The DMB offset of a BAR-0 request. */
#define ISM_REQ_OFFSET_MASK	((UINT64_C(1) << ISM_REQ_OFFSET_BITS) - 1)
#define ISM_REQ_SF		(UINT64_C(1) << 23) /**< the signal flag */
#define ISM_REQ_IDX_SHIFT	24	/**< where the element index goes */
#define ISM_REQ_IDX_MASK	UINT64_C(0xff) /**< element index, shifted down */
/** The bits a DMB token may have (32..47). */
#define ISM_TOK_MASK		UINT64_C(0x0000ffff00000000)

/**
 * The BAR-0 offset of a store of @p offset into element @p idx of the DMB
 * @p dmb_tok, with the signal flag when @p sf (on the last store only).
 * Checks nothing: the caller keeps idx < ISM_DMB_ELEMENTS and offset
 * inside the DMB.
 */
static inline uint64_t
ism_store_req(uint64_t dmb_tok, unsigned int idx, bool sf, uint32_t offset)
{
	return dmb_tok | (uint64_t)idx << ISM_REQ_IDX_SHIFT |
		(sf ? ISM_REQ_SF : 0) | offset;
}

/** A token is not 0, has its low 32 bits zero and nothing above bit 47. */
static inline bool
ism_tok_valid(uint64_t dmb_tok)
{
	return dmb_tok != 0 && (dmb_tok & ~ISM_TOK_MASK) == 0;
}

/** Commands (BAR 2) */
enum ism_cmd_code {
	ISM_CMD_REG_SBA		= 0x01,	/**< register the SBA */
	ISM_CMD_REG_IEQ		= 0x02,	/**< register the IEQ */
	ISM_CMD_READ_GID	= 0x03,	/**< this function's GID */
	ISM_CMD_ADD_VLAN_ID	= 0x04,	/**< add a VLAN id */
	ISM_CMD_DEL_VLAN_ID	= 0x05,	/**< remove a VLAN id */
	ISM_CMD_SET_VLAN	= 0x06,	/**< DMBs must name a VLAN */
	ISM_CMD_RESET_VLAN	= 0x07,	/**< undo SET_VLAN */
	ISM_CMD_QUERY_INFO	= 0x08,	/**< the device's state */
	ISM_CMD_QUERY_RGID	= 0x09,	/**< is a remote GID reachable? */
	ISM_CMD_REG_DMB		= 0x0a,	/**< register a DMB: its token */
	ISM_CMD_UNREG_DMB	= 0x0b,	/**< unregister a DMB */
	ISM_CMD_SIGNAL_IEQ	= 0x0e,	/**< an event into a remote IEQ */
	ISM_CMD_UNREG_SBA	= 0x11,	/**< unregister the SBA */
	ISM_CMD_UNREG_IEQ	= 0x12,	/**< unregister the IEQ */
};

/**
 * Response return codes. 0 and 0xffff are the device's; the others are
 * model rules (the software model answers with them, real hardware may
 * use other values). ism_ret_to_errno() maps them; doc/guides/prog_guide/
 * ism_model.rst lists when each is returned.
 */
enum ism_ret_code {
	ISM_RET_OK		= 0x0000, /**< success */
	ISM_RET_BAD_LEN		= 0x0001, /**< request length wrong for the command */
	ISM_RET_BAD_CMD		= 0x0002, /**< unknown command code */
	ISM_RET_BAD_PARAM	= 0x0003, /**< a field is out of range */
	ISM_RET_NO_SPACE	= 0x0004, /**< a table is full */
	ISM_RET_BUSY		= 0x0005, /**< already registered / in use */
	ISM_RET_NO_DMB		= 0x0006, /**< no such DMB token for this function */
	ISM_RET_NO_GID		= 0x0007, /**< remote GID unknown or gone */
	ISM_RET_BAD_ADDR	= 0x0008, /**< DMA range not mapped for the function */
	ISM_RET_VLAN		= 0x0009, /**< VLAN required, unknown or mismatched */
	ISM_RET_NOT_READY	= 0x000a, /**< SBA / IEQ not registered */
	ISM_RET_NO_VLAN		= 0x000b, /**< DEL_VLAN_ID of an absent id */
	ISM_RET_GENERIC		= 0xffff, /**< the device's one error code */
};

/** The header of every request, at offset 0 of the command area. */
struct ism_req_hdr {
	ism_be32_t cmd;		/**< enum ism_cmd_code */
	ism_be16_t reserved;	/**< 0 */
	ism_be16_t len;		/**< whole request, header included */
};

/** The header of every response, read back from offset 0. */
struct ism_resp_hdr {
	ism_be32_t cmd;		/**< the command answered */
	ism_be16_t ret;		/**< enum ism_ret_code */
	ism_be16_t len;		/**< whole response, header included */
};

/** Requests whose body is one u64 (REG_SBA, ADD/DEL_VLAN_ID, UNREG_DMB). */
struct ism_req_u64 {
	struct ism_req_hdr hdr;	/**< the header */
	ism_be64_t value;	/**< SBA address, VLAN id or DMB token */
};

/** REG_IEQ. */
struct ism_req_reg_ieq {
	struct ism_req_hdr hdr;	/**< the header */
	ism_be64_t ieq;		/**< DMA address of the IEQ */
	ism_be64_t len;		/**< its length in bytes */
};

/** QUERY_RGID. */
struct ism_req_query_rgid {
	struct ism_req_hdr hdr;	/**< the header */
	ism_be64_t rgid;	/**< the remote GID asked about */
	ism_be32_t vlan_valid;	/**< 1: on VLAN vlan_id */
	ism_be32_t vlan_id;	/**< the VLAN, when vlan_valid */
};

/** REG_DMB; the response (ism_resp_u64) carries the token. */
struct ism_req_reg_dmb {
	struct ism_req_hdr hdr;	/**< the header */
	ism_be64_t dmb;		/**< DMA address of the DMB */
	ism_be32_t dmb_len;	/**< its length in bytes */
	ism_be32_t sba_idx;	/**< its bit in the SBA */
	ism_be32_t vlan_valid;	/**< 1: on VLAN vlan_id */
	ism_be32_t vlan_id;	/**< the VLAN, when vlan_valid */
	ism_be64_t rgid;	/**< the one GID allowed to write it */
};

/** SIGNAL_IEQ. */
struct ism_req_signal_ieq {
	struct ism_req_hdr hdr;	/**< the header */
	ism_be64_t rgid;	/**< the GID whose IEQ gets the event */
	ism_be32_t trigger_irq;	/**< 1: also raise its MSI */
	ism_be32_t event_code;	/**< the event's code */
	ism_be64_t info;	/**< the event's info */
};

/** Responses whose body is one u64 (READ_GID, REG_DMB). */
struct ism_resp_u64 {
	struct ism_resp_hdr hdr; /**< the header */
	ism_be64_t value;	/**< the GID, or the DMB token */
};

/** The response of QUERY_INFO (struct ism_info decoded). */
struct ism_resp_query_info {
	struct ism_resp_hdr hdr; /**< the header */
	ism_be32_t version;	/**< interface version */
	ism_be32_t max_len;	/**< largest DMB */
	ism_be64_t state;	/**< the state word */
	ism_be64_t my_gid;	/**< this function's GID */
	ism_be64_t sba;		/**< DMA address of the SBA, or 0 */
	ism_be64_t ieq;		/**< DMA address of the IEQ, or 0 */
	ism_be32_t ieq_len;	/**< length of the IEQ */
	ism_be32_t pad;		/**< 0 */
	ism_be32_t dmbs_owned;	/**< DMBs registered by this function */
	ism_be32_t dmbs_used;	/**< DMBs of others it writes */
	ism_be32_t vlan_required; /**< non-zero after SET_VLAN */
	ism_be32_t vlan_nr_ids;	/**< entries of vlan_id in use */
	ism_be16_t vlan_id[ISM_MAX_VLAN_IDS]; /**< the VLAN ids added */
};

/** The longest request. */
#define ISM_MAX_REQ_LEN		sizeof(struct ism_req_reg_dmb)
/** The longest response. */
#define ISM_MAX_RESP_LEN	sizeof(struct ism_resp_query_info)

/* SBA: the status block area, one 4 KiB page written by the device. */
#define ISM_SBA_S		0x80	/**< summary bit in flags */
#define ISM_SBA_E		0x40	/**< event bit in flags */

/** SBA: the status block area, one 4 KiB page written by the device. */
struct ism_sba {
	uint8_t flags;		/**< ISM_SBA_S, ISM_SBA_E */
	uint8_t reserved0[3];	/**< 0 */
	/** one bit per DMB (SBA index), set with the signal flag */
	uint8_t dmb_bits[ISM_NR_SBA_BITS / 8];
	uint8_t reserved1[12];	/**< 0 */
	/** per DMB, the elements signalled (ism_dmbe_bit()) */
	ism_be16_t dmbe_mask[ISM_NR_SBA_BITS];
};

/** Model rule: element idx is mask bit 0x8000 >> idx. */
static inline uint16_t
ism_dmbe_bit(unsigned int idx)
{
	return (uint16_t)(0x8000u >> idx);
}

/** IEQ: the entries of the event queue the device writes. */
#define ISM_IEQ_ENTRIES		15

/** What an IEQ entry is about. */
enum ism_event_type {
	ISM_EVENT_DMB	= 0,	/**< tok = DMB token */
	ISM_EVENT_GID	= 1,	/**< tok = remote GID */
	ISM_EVENT_SWR	= 2,	/**< SIGNAL_IEQ of a peer; tok = its GID */
};

/** The code of an IEQ entry. */
enum ism_event_code {
	ISM_EVCODE_GID_ERROR		= 0x01,	/**< GID error state */
	ISM_EVCODE_OWNER_ERROR		= 0x02,	/**< owning device error state */
	ISM_EVCODE_USER_ERROR		= 0x03,	/**< using device error state */
	ISM_EVCODE_DMB_UNREGISTERED	= 0x04,	/**< DMB unregistered */
	ISM_EVCODE_VLAN_OWNER		= 0x05,	/**< VLAN mismatch (owner) */
	ISM_EVCODE_VLAN_USER		= 0x06,	/**< VLAN mismatch (user) */
	ISM_EVCODE_GID_DISABLED		= 0x07,	/**< GID disabled */
	ISM_EVCODE_USER_DISABLED	= 0x08,	/**< using device disabled */
	/* SMC-D's software codes */
	ISM_EVCODE_SHUTDOWN		= 0x80,	/**< SMC-D: shutdown */
	ISM_EVCODE_TESTLINK		= 0x83,	/**< SMC-D: test link */
};

/** The IEQ's header, written by the device. */
struct ism_ieq_hdr {
	ism_be64_t idx;		/**< 1 + index of the last entry written */
	ism_be64_t ieq_len;	/**< the IEQ's length in bytes */
	ism_be64_t entry_len;	/**< 32 */
	ism_be64_t reserved;	/**< model rule: count of overwritten entries */
};

/** One IEQ entry (struct ism_event decoded). */
struct ism_ieq_entry {
	ism_be32_t type;	/**< enum ism_event_type */
	ism_be32_t code;	/**< enum ism_event_code, or a peer's code */
	ism_be64_t tok;		/**< DMB token or GID, by type */
	ism_be64_t time;	/**< time-of-day stamp */
	ism_be64_t info;	/**< the sender's value */
};

/** The IEQ: a ring of ISM_IEQ_ENTRIES entries after a header. */
struct ism_ieq {
	struct ism_ieq_hdr hdr;	/**< the header */
	struct ism_ieq_entry entry[ISM_IEQ_ENTRIES]; /**< the ring */
};

static_assert(sizeof(struct ism_req_hdr) == 8, "request header");
static_assert(sizeof(struct ism_resp_hdr) == 8, "response header");
static_assert(sizeof(struct ism_req_u64) == 16, "u64 request");
static_assert(sizeof(struct ism_req_reg_ieq) == 24, "REG_IEQ");
static_assert(sizeof(struct ism_req_query_rgid) == 24, "QUERY_RGID");
static_assert(sizeof(struct ism_req_reg_dmb) == 40, "REG_DMB");
static_assert(sizeof(struct ism_req_signal_ieq) == 32, "SIGNAL_IEQ");
static_assert(sizeof(struct ism_resp_u64) == 16, "u64 response");
static_assert(sizeof(struct ism_resp_query_info) == 8 + 192, "QUERY_INFO");
static_assert(offsetof(struct ism_resp_query_info, vlan_id) == 8 + 64, "QUERY_INFO vlan ids");
static_assert(sizeof(struct ism_sba) == 4096, "SBA is one 4 KiB page");
static_assert(offsetof(struct ism_sba, dmb_bits) == 4, "SBA dmb_bits");
static_assert(offsetof(struct ism_sba, dmbe_mask) == 256, "SBA dmbe_mask");
static_assert(sizeof(struct ism_ieq_entry) == 32, "event is 32 bytes");
static_assert(sizeof(struct ism_ieq_hdr) == 32, "IEQ header is 32 bytes");
static_assert(sizeof(struct ism_ieq) == 512, "IEQ");

#endif /* ISM_PROTO_H */

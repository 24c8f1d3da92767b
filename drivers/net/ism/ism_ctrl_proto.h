/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_CTRL_PROTO_H
#define ISM_CTRL_PROTO_H

/*
 * The wire format of net_ism's control plane, in one place: the
 * SIGNAL_IEQ events two ports trade for first contact and the handshake,
 * and the control record each port keeps in the peer's RX DMB 0 once the
 * link is up. doc/guides/nics/ism.rst describes it from this header.
 *
 * Events are software events (ISM_EVENT_SWR) whose token is the sender's
 * GID (the device fills it in, so it cannot be forged) and whose 32-bit
 * code and 64-bit info are:
 *
 *   HELLO      0x4900  version << 56 | queues << 48 | mtu << 32 |
 *                      dmb_pages << 16 | session
 *   TOKENS+q   0x4910+q  four 16-bit DMB tokens (bits 32..47 of each) of
 *                      queues q..q+3, the first in the top bits; 0 = none
 *   READY      0x4920  the peer session whose tokens we hold |
 *                      our session << 16 | our capabilities << 32
 *   BYE        0x4922  our session; on stop and close (a doorbell: the
 *                      control record says the same, see below)
 *
 * Once the link is up, nothing depends on events any more: any function
 * may signal any other, and a flood of events overruns the 15-entry event
 * queue. Liveness and the end of a session live in the control record at
 * ISM_RING_CTRL_OFF of RX DMB 0, which only the peer can write:
 *
 *   offset  size  meaning
 *   0       4     be32: the writer's session; 0 = it said goodbye
 *   4       4     be32: heartbeat counter, +1 every ISM_HB_INTERVAL_MS
 */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "ism_byteorder.h"

/* 2: liveness and goodbye in the control record (1 used HEARTBEAT
 * events); a version 1 peer is refused with both numbers in the log */
#define ISM_CTRL_VERSION	2

enum ism_ctrl_code {
	ISM_CTRL_HELLO		= 0x4900,
	ISM_CTRL_TOKENS		= 0x4910,	/* + first queue (0, 4, 8, 12) */
	ISM_CTRL_READY		= 0x4920,
	ISM_CTRL_HEARTBEAT	= 0x4921,	/* version 1 only; ignored */
	ISM_CTRL_BYE		= 0x4922,
};

#define ISM_CTRL_TOKENS_PER_EVENT	4
#define ISM_CTRL_MAX_QUEUES		16

/* Capabilities a port announces in READY; informational as long as every
 * version speaks the same ring format. */
#define ISM_CAP_RX_INTR		0x0001	/* honours the interrupt flag */
#define ISM_CAP_SCATTER		0x0002	/* frames up to the MTU in chains */
#define ISM_CAP_MULTI_SEG	0x0004	/* multi-segment TX */
#define ISM_CAPS (ISM_CAP_RX_INTR | ISM_CAP_SCATTER | ISM_CAP_MULTI_SEG)

struct ism_ctrl_hello {
	uint8_t version;
	uint8_t queues;
	uint16_t mtu;
	uint16_t dmb_pages;	/* DMB size / 4096 */
	uint16_t session;
};

struct ism_ctrl_ready {
	uint16_t peer_session;	/* the session whose tokens the sender holds */
	uint16_t session;
	uint16_t caps;
};

/* The control record, as stored (big-endian). */
struct ism_ctrl_rec {
	ism_be32_t session;
	ism_be32_t beat;
};

static_assert(sizeof(struct ism_ctrl_rec) == 8, "control record is 8 bytes");
static_assert(ISM_CTRL_MAX_QUEUES % ISM_CTRL_TOKENS_PER_EVENT == 0,
	      "TOKENS events cover whole groups of queues");
static_assert(ISM_CTRL_TOKENS + ISM_CTRL_MAX_QUEUES <= ISM_CTRL_READY,
	      "TOKENS codes stay below READY");

static inline uint64_t
ism_ctrl_hello_encode(const struct ism_ctrl_hello *h)
{
	return (uint64_t)h->version << 56 | (uint64_t)h->queues << 48 |
		(uint64_t)h->mtu << 32 | (uint64_t)h->dmb_pages << 16 |
		h->session;
}

static inline void
ism_ctrl_hello_decode(uint64_t info, struct ism_ctrl_hello *h)
{
	h->version = (uint8_t)(info >> 56);
	h->queues = (uint8_t)(info >> 48);
	h->mtu = (uint16_t)(info >> 32);
	h->dmb_pages = (uint16_t)(info >> 16);
	h->session = (uint16_t)info;
}

/* Token i (0..3) of a TOKENS event: bits 32..47 of the DMB token. */
static inline uint64_t
ism_ctrl_tokens_put(uint64_t info, unsigned int i, uint64_t dmb_tok)
{
	return info | ((dmb_tok >> 32) & 0xffff) << (48 - 16 * i);
}

static inline uint64_t
ism_ctrl_tokens_get(uint64_t info, unsigned int i)
{
	return ((info >> (48 - 16 * i)) & 0xffff) << 32;
}

static inline uint64_t
ism_ctrl_ready_encode(const struct ism_ctrl_ready *r)
{
	return r->peer_session | (uint64_t)r->session << 16 |
		(uint64_t)r->caps << 32;
}

static inline void
ism_ctrl_ready_decode(uint64_t info, struct ism_ctrl_ready *r)
{
	r->peer_session = (uint16_t)info;
	r->session = (uint16_t)(info >> 16);
	r->caps = (uint16_t)(info >> 32);
}

/* BYE (and version 1's HEARTBEAT): the session in the low 16 bits. */
static inline uint16_t
ism_ctrl_session_of(uint64_t info)
{
	return (uint16_t)info;
}

#endif /* ISM_CTRL_PROTO_H */

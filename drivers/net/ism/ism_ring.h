/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_RING_H
#define ISM_RING_H

/*
 * The ring inside one RX DMB (documented in doc/guides/nics/ism.rst).
 *
 * Queue pair q of a port owns RX DMB q; the peer's TX queue q writes packets
 * into it, and the peer's RX queue q writes back how far it consumed *our*
 * TX ring (credits) and whether it wants interrupts. So every cursor a queue
 * needs on its hot path is in its own DMB's memory: polling is plain loads.
 *
 *   offset   size  written by      meaning
 *   0        8     peer TX q       producer cursor of this ring (be64)
 *   64       8     peer RX q       peer's consumer cursor of our TX ring
 *   128      4     peer RX q       non-zero: peer RX q armed interrupts,
 *                                  set sf when publishing our producer
 *   192      8     peer control    DMB 0 only: the control record
 *                                  (ism_ctrl_proto.h)
 *   256      ...   peer TX q       ring of records
 *
 * Cursors count bytes since the session started; position = cursor % ring
 * size. A record is an 8-byte header and the frame, padded to 8 bytes; it
 * never wraps: when it would not fit before the ring's end, a WRAP record
 * there says "continue at position 0".
 */

#include <stdint.h>

#include "ism_byteorder.h"

#define ISM_RING_PROD_OFF	0
#define ISM_RING_CREDIT_OFF	64
#define ISM_RING_INTR_OFF	128
#define ISM_RING_CTRL_OFF	192
#define ISM_RING_DATA_OFF	256

#define ISM_REC_MAGIC		0x15d0
#define ISM_REC_F_WRAP		0x0001
#define ISM_REC_ALIGN		8

struct ism_rec_hdr {
	ism_be16_t magic;
	ism_be16_t flags;
	ism_be32_t len;		/* frame length; 0 for WRAP */
};

static inline uint32_t
ism_rec_size(uint32_t frame_len)
{
	return (uint32_t)sizeof(struct ism_rec_hdr) +
		((frame_len + ISM_REC_ALIGN - 1) & ~(uint32_t)(ISM_REC_ALIGN - 1));
}

static inline uint64_t
ism_ring_load64(const void *dmb, uint32_t off)
{
	ism_be64_t v;

	v.raw = __atomic_load_n((const uint64_t *)((const uint8_t *)dmb + off),
				__ATOMIC_ACQUIRE);
	return ism_cpu64(v);
}

static inline uint32_t
ism_ring_load32(const void *dmb, uint32_t off)
{
	ism_be32_t v;

	v.raw = __atomic_load_n((const uint32_t *)((const uint8_t *)dmb + off),
				__ATOMIC_ACQUIRE);
	return ism_cpu32(v);
}

#endif /* ISM_RING_H */

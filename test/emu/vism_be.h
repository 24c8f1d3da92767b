/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VISM_BE_H
#define VISM_BE_H

/*
 * Big-endian fields at any byte address of a command or event buffer (the
 * emulation and its tests handle raw bytes, not lib/ism's structures):
 * lib/ism's byte order conversions over a memcpy, so no alignment is
 * assumed and the one definition of ISM's byte order is lib/ism's.
 */

#include <stdint.h>
#include <string.h>

#include "ism_byteorder.h"

static inline uint16_t
vism_get_be16(const void *p)
{
	ism_be16_t v;

	memcpy(&v, p, sizeof(v));
	return ism_cpu16(v);
}

static inline uint32_t
vism_get_be32(const void *p)
{
	ism_be32_t v;

	memcpy(&v, p, sizeof(v));
	return ism_cpu32(v);
}

static inline uint64_t
vism_get_be64(const void *p)
{
	ism_be64_t v;

	memcpy(&v, p, sizeof(v));
	return ism_cpu64(v);
}

static inline void
vism_put_be16(void *p, uint16_t x)
{
	ism_be16_t v = ism_be16(x);

	memcpy(p, &v, sizeof(v));
}

static inline void
vism_put_be32(void *p, uint32_t x)
{
	ism_be32_t v = ism_be32(x);

	memcpy(p, &v, sizeof(v));
}

static inline void
vism_put_be64(void *p, uint64_t x)
{
	ism_be64_t v = ism_be64(x);

	memcpy(p, &v, sizeof(v));
}

#endif /* VISM_BE_H */

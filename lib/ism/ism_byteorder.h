/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_BYTEORDER_H
#define ISM_BYTEORDER_H

/*
 * Device-visible structures are big-endian. Their fields have wrapper types
 * so that a missing conversion is a compile error, not a silent bug that only
 * shows on one of the two byte orders.
 */

#include <stdint.h>

typedef struct { uint16_t raw; } ism_be16_t;
typedef struct { uint32_t raw; } ism_be32_t;
typedef struct { uint64_t raw; } ism_be64_t;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ISM_BSWAP16(v) (v)
#define ISM_BSWAP32(v) (v)
#define ISM_BSWAP64(v) (v)
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ISM_BSWAP16(v) __builtin_bswap16(v)
#define ISM_BSWAP32(v) __builtin_bswap32(v)
#define ISM_BSWAP64(v) __builtin_bswap64(v)
#else
#error "unknown byte order"
#endif

static inline ism_be16_t ism_be16(uint16_t v) { return (ism_be16_t){ ISM_BSWAP16(v) }; }
static inline ism_be32_t ism_be32(uint32_t v) { return (ism_be32_t){ ISM_BSWAP32(v) }; }
static inline ism_be64_t ism_be64(uint64_t v) { return (ism_be64_t){ ISM_BSWAP64(v) }; }

static inline uint16_t ism_cpu16(ism_be16_t v) { return ISM_BSWAP16(v.raw); }
static inline uint32_t ism_cpu32(ism_be32_t v) { return ISM_BSWAP32(v.raw); }
static inline uint64_t ism_cpu64(ism_be64_t v) { return ISM_BSWAP64(v.raw); }

#endif /* ISM_BYTEORDER_H */

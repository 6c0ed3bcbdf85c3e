/*
 * QUIC variable-length integers (RFC 9000, section 16), internal to libript.
 *
 * The two high bits of the first byte give the encoded length (00 = 1,
 * 01 = 2, 10 = 4, 11 = 8 bytes); the remaining bits are the value in network
 * byte order. Writers always choose the shortest form; readers accept every
 * form, including needlessly long ones.
 */
#ifndef RIPT_CORE_VARINT_H
#define RIPT_CORE_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"

/* The largest value a varint can carry, 2^62 - 1. */
#define RIPT_VARINT_MAX ((UINT64_C(1) << 62) - 1)

/* Bytes the shortest encoding of |v| takes (1, 2, 4 or 8); 0 if |v| exceeds
 * RIPT_VARINT_MAX. */
size_t ript_varint_len(uint64_t v);

/* Writes the shortest encoding of |v| (which must be <= RIPT_VARINT_MAX) at
 * |p|, which must have room for ript_varint_len(v) bytes; returns the byte
 * after it. */
uint8_t *ript_varint_write(uint8_t *p, uint64_t v);

/* Reads one varint from the |len| bytes at |p| into |*v|. Returns the number
 * of bytes consumed, or RIPT_ERR_TRUNCATED if |len| is shorter than the
 * length announced by the first byte (or is 0). */
ript_ssize ript_varint_read(const uint8_t *p, size_t len, uint64_t *v);

#endif /* RIPT_CORE_VARINT_H */

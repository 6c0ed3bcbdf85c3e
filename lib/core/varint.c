#include "varint.h"

size_t ript_varint_len(uint64_t v) {
  if (v < 0x40)
    return 1;
  if (v < 0x4000)
    return 2;
  if (v < 0x40000000)
    return 4;
  if (v <= RIPT_VARINT_MAX)
    return 8;
  return 0;
}

uint8_t *ript_varint_write(uint8_t *p, uint64_t v) {
  size_t n = ript_varint_len(v);
  /* The length prefix is log2(n), placed in the two high bits. */
  uint8_t prefix = n == 1 ? 0x00 : n == 2 ? 0x40 : n == 4 ? 0x80 : 0xc0;
  for (size_t i = n; i-- > 0;) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
  p[0] |= prefix;
  return p + n;
}

ript_ssize ript_varint_read(const uint8_t *p, size_t len, uint64_t *v) {
  if (len == 0)
    return RIPT_ERR_TRUNCATED;
  size_t n = (size_t)1 << (p[0] >> 6);
  if (len < n)
    return RIPT_ERR_TRUNCATED;
  uint64_t value = p[0] & 0x3f;
  for (size_t i = 1; i < n; ++i)
    value = value << 8 | p[i];
  *v = value;
  return (ript_ssize)n;
}

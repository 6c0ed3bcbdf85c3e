/*
 * G.711 by bit manipulation instead of tables: a code is sign, a 3-bit
 * segment (exponent) and a 4-bit step (mantissa) of the companded magnitude.
 */
#include "ript/g711.h"

/* Largest mu-law magnitude (14-bit) that still fits segment 7 once biased. */
#define G711_ULAW_MAX 8158
/* mu-law adds this bias so that every segment starts at a power of two. */
#define G711_ULAW_BIAS 33
/* Largest A-law magnitude (13-bit). */
#define G711_ALAW_MAX 4095

/* Index of the highest set bit of a nonzero |v|. */
static unsigned g711_high_bit(unsigned v) {
  unsigned bit = 0;
  while (v >>= 1)
    ++bit;
  return bit;
}

/* The magnitude G.711 codes: a negative sample's one's complement, as in
 * ITU-T G.191's reference code (so -1 is a negative zero and -32768 fits). */
static unsigned g711_magnitude(int16_t sample) {
  return sample < 0 ? (unsigned)(-(int32_t)sample - 1) : (unsigned)sample;
}

uint8_t ript_g711_ulaw_encode(int16_t sample) {
  unsigned mag = g711_magnitude(sample) >> 2;
  if (mag > G711_ULAW_MAX)
    mag = G711_ULAW_MAX;
  mag += G711_ULAW_BIAS;
  unsigned seg = g711_high_bit(mag) - 5;
  unsigned step = (mag >> (seg + 1)) & 0x0Fu;
  /* mu-law transmits every bit inverted; the sign bit is 1 for positive. */
  return (uint8_t)((seg << 4 | step) ^ (sample < 0 ? 0x7Fu : 0xFFu));
}

int16_t ript_g711_ulaw_decode(uint8_t code) {
  unsigned c = (unsigned)~code & 0xFFu;
  unsigned seg = (c >> 4) & 0x07u;
  unsigned step = c & 0x0Fu;
  int32_t mag =
      (int32_t)(((2 * step + G711_ULAW_BIAS) << seg) - G711_ULAW_BIAS);
  return (int16_t)(c & 0x80u ? -4 * mag : 4 * mag);
}

uint8_t ript_g711_alaw_encode(int16_t sample) {
  unsigned mag = g711_magnitude(sample) >> 3;
  if (mag > G711_ALAW_MAX)
    mag = G711_ALAW_MAX;
  unsigned seg = mag < 32 ? 0 : g711_high_bit(mag) - 4;
  unsigned step = (mag >> (seg ? seg : 1)) & 0x0Fu;
  /* A-law toggles the even bits; the sign bit is 1 for positive. */
  return (uint8_t)((seg << 4 | step) ^ (sample < 0 ? 0x55u : 0xD5u));
}

int16_t ript_g711_alaw_decode(uint8_t code) {
  unsigned c = code ^ 0x55u;
  unsigned seg = (c >> 4) & 0x07u;
  unsigned step = c & 0x0Fu;
  int32_t mag = seg == 0 ? (int32_t)(2 * step + 1)
                         : (int32_t)((2 * step + 33) << (seg - 1));
  return (int16_t)(c & 0x80u ? 8 * mag : -8 * mag);
}

void ript_g711_ulaw_encode_block(uint8_t *out, const int16_t *in, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ript_g711_ulaw_encode(in[i]);
}

void ript_g711_ulaw_decode_block(int16_t *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ript_g711_ulaw_decode(in[i]);
}

void ript_g711_alaw_encode_block(uint8_t *out, const int16_t *in, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ript_g711_alaw_encode(in[i]);
}

void ript_g711_alaw_decode_block(int16_t *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ript_g711_alaw_decode(in[i]);
}

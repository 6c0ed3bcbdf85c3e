/*
 * ript/g711.h - ITU-T G.711 companding: mu-law (PCMU, payload type 0) and
 * A-law (PCMA, payload type 8). Part of the audio toolkit (ript_audio).
 *
 * Linear samples are 16-bit two's complement. mu-law codes a 14-bit signal
 * and A-law a 13-bit one, so the encoders take the sample's magnitude (for
 * a negative sample its one's complement, -x - 1, as the reference code of
 * ITU-T G.191 does), drop its low 2 (mu-law) or 3 (A-law) bits and
 * saturate at the law's largest magnitude; the decoders return the
 * midpoint of the code's interval scaled back to 16 bits. The wire bytes
 * are those of G.711 (mu-law codes inverted, A-law even bits toggled), so
 * an RTP gateway copies them unchanged:
 *
 *   linear 0     -> mu-law 0xFF, A-law 0xD5
 *   mu-law 0x80  -> +32124        mu-law 0x00 -> -32124
 *   A-law  0xAA  -> +32256        A-law  0x2A -> -32256
 *
 * mu-law has two zeros (0xFF and 0x7F both decode to 0); every other code
 * survives decode then encode unchanged, for both laws.
 *
 * Thread-safety: pure functions, callable from any thread.
 */
#ifndef RIPT_G711_H
#define RIPT_G711_H

#include <stddef.h>
#include <stdint.h>

/* One sample: linear -> mu-law code. */
uint8_t ript_g711_ulaw_encode(int16_t sample);
/* One mu-law code -> linear (a multiple of 4, |value| <= 32124). */
int16_t ript_g711_ulaw_decode(uint8_t code);
/* One sample: linear -> A-law code. */
uint8_t ript_g711_alaw_encode(int16_t sample);
/* One A-law code -> linear (a multiple of 8, |value| <= 32256). */
int16_t ript_g711_alaw_decode(uint8_t code);

/*
 * Block versions: |n| samples of |in| to |n| codes in |out| and back. The
 * arrays must not overlap; NULL is allowed only when |n| is 0.
 */
void ript_g711_ulaw_encode_block(uint8_t *out, const int16_t *in, size_t n);
void ript_g711_ulaw_decode_block(int16_t *out, const uint8_t *in, size_t n);
void ript_g711_alaw_encode_block(uint8_t *out, const int16_t *in, size_t n);
void ript_g711_alaw_decode_block(int16_t *out, const uint8_t *in, size_t n);

#endif /* RIPT_G711_H */

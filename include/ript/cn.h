/*
 * ript/cn.h - comfort noise (RFC 3389, payload type 13), the audio level of
 * a frame (RFC 6464; the chunk envelope's active level) and a voice
 * activity detector that tells a sender when to send comfort noise instead
 * of media. Part of the audio toolkit (ript_audio).
 *
 * Levels are in -dBov, 0 (loudest) .. 127 (digital silence): dBov is
 * relative to the loudest signal the format carries, a full-scale square
 * wave, so for 16-bit PCM a frame's level is
 *
 *   round(-20 log10(rms / 32767)), clamped to 0 .. 127,
 *
 * and all-zero (or empty) frames are 127, as RFC 6464 §3 asks.
 *
 * CN payload (RFC 3389 §3): one byte of noise level (top bit 0), then
 * optionally one byte per reflection coefficient of a spectral model, whose
 * count is the model order. libript keeps coefficients it receives and
 * sends those it is given, but its generator makes white noise at the given
 * level only (RFC 3389 §4 lets a receiver ignore the spectrum).
 *
 * Thread-safety: no shared state; one generator or detector must not be
 * used by two threads at once.
 */
#ifndef RIPT_CN_H
#define RIPT_CN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"

/* Digital silence, -127 dBov. */
#define RIPT_CN_LEVEL_SILENCE 127u
/* Most reflection coefficients a payload may carry (RIPT_ERR_LIMIT beyond);
 * RFC 3389 sets no limit, the models in use stop well below. */
#define RIPT_CN_MAX_ORDER 32u

/*
 * The level of |n| samples of |pcm| (interleaved channels count as
 * samples), as above. |pcm| may be NULL only when |n| is 0.
 */
uint8_t ript_cn_level(const int16_t *pcm, size_t n);

/* One CN payload, decoded. */
typedef struct ript_cn_payload {
  uint8_t level;                     /* 0..127, -dBov */
  size_t order;                      /* number of coefficients */
  uint8_t coeffs[RIPT_CN_MAX_ORDER]; /* quantized reflection coefficients */
} ript_cn_payload;

/*
 * Writes |cn| into |out| (|outlen| bytes). Returns the length (1 + order),
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument, level above 127, order above
 * RIPT_CN_MAX_ORDER) or RIPT_ERR_NOBUF.
 */
ript_ssize ript_cn_encode(const ript_cn_payload *cn, uint8_t *out,
                          size_t outlen);

/*
 * Reads a CN payload of |len| bytes into |cn|. Returns 0, or
 *   RIPT_ERR_PARSE   an empty payload (offset 0), a level byte with its top
 *                    bit set (offset 0);
 *   RIPT_ERR_LIMIT   more than RIPT_CN_MAX_ORDER coefficients (offset of
 *                    the first one too many);
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |cn|, NULL |data| with |len| > 0.
 * |err| (may be NULL) gets the offset and what was expected.
 */
int ript_cn_decode(ript_cn_payload *cn, const uint8_t *data, size_t len,
                   ript_parse_error *err);

/*
 * A comfort noise generator: a pseudo-random (xorshift64*) white noise
 * source. Embed it; ript_cn_generator_init seeds it; no resources. The
 * same seed gives the same noise.
 */
typedef struct ript_cn_generator {
  uint64_t state;
} ript_cn_generator;

/* Seeds |g| (any |seed|, 0 included). NULL is a no-op. */
void ript_cn_generator_init(ript_cn_generator *g, uint64_t seed);

/*
 * Writes |n| samples of white noise at |level| (-dBov; values above 127
 * count as 127, which gives zeros) to |pcm|, uniformly distributed with
 * the level's rms; levels louder than about -5 dBov clip and come out
 * quieter. Interleaved channels are just more samples. Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (NULL |g|, NULL |pcm| with |n| > 0).
 */
int ript_cn_generate(ript_cn_generator *g, unsigned level, int16_t *pcm,
                     size_t n);

/* ---- Voice activity ------------------------------------------------------ */

/* What a sender does with a frame. */
typedef enum ript_vad_decision {
  RIPT_VAD_MEDIA = 0, /* send the frame as media */
  RIPT_VAD_CN = 1,    /* send a CN payload with the reported level */
  RIPT_VAD_SILENT = 2 /* send nothing: the receiver keeps playing noise */
} ript_vad_decision;

/* Zero fields take the default in brackets. */
typedef struct ript_vad_config {
  unsigned frame_ms;    /* [20] duration of each frame given */
  unsigned hangover_ms; /* [200] media continues this long after speech */
  unsigned refresh_ms;  /* [1000] CN is re-sent this often in silence */
  unsigned margin_db;   /* [9] speech is this much above the noise floor */
} ript_vad_config;

/*
 * An energy-based detector. Per frame it measures the level L (above) and
 * keeps a noise floor: the quietest frame of the last 1.5 to 3 s (the
 * minimum over two alternating 1.5 s windows). A frame is speech when it is
 * louder than -30 dBov, or louder than -60 dBov and at least margin_db
 * above the floor. Speech frames and every frame of the hangover after one
 * are MEDIA (the detector also starts in hangover, so a call opens with
 * media). After the hangover the first frame is CN, then a frame is CN
 * again when refresh_ms have passed since the last CN or its level differs
 * from the last CN's by 3 dB or more; all others are SILENT.
 * Embed it; ript_vad_init sets it up; no resources. Fields are private.
 */
typedef struct ript_vad {
  ript_vad_config cfg;
  unsigned window_frames; /* frames per floor window */
  unsigned window_pos;
  double cur_min, prev_min; /* quietest level (dBov) per window */
  unsigned hangover_left;   /* ms of media still owed */
  bool in_cn;               /* CN has been sent since the last media */
  unsigned since_cn_ms;
  uint8_t cn_level;
} ript_vad;

/*
 * Sets up |v| with |cfg| (copied; NULL: defaults). Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (NULL |v|).
 */
int ript_vad_init(ript_vad *v, const ript_vad_config *cfg);

/*
 * Classifies the next frame: |n| samples of |pcm| (NULL only when |n| is
 * 0; interleaved channels are just more samples). Stores the frame's level
 * in |*level| when |level| is not NULL (for CN, the payload's level; for
 * media, the chunk's active level). Returns a ript_vad_decision, or
 * RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_vad_process(ript_vad *v, const int16_t *pcm, size_t n, uint8_t *level);

#endif /* RIPT_CN_H */

/*
 * Comfort noise, frame levels and voice activity. Levels are computed in
 * dBov as doubles and rounded only where a 0..127 byte is needed.
 */
#include <math.h>
#include <string.h>

#include "ript/cn.h"

/* 0 dBov: the rms of a full-scale 16-bit square wave. */
#define CN_FULL_SCALE 32767.0
#define CN_DEFAULT_FRAME_MS 20u
#define CN_DEFAULT_HANGOVER_MS 200u
#define CN_DEFAULT_REFRESH_MS 1000u
#define CN_DEFAULT_MARGIN_DB 9u
#define CN_WINDOW_MS 1500u
/* Frames louder than this are speech whatever the floor (dBov). */
#define CN_ALWAYS_SPEECH_DB -30.0
/* Frames quieter than this are never speech (dBov). */
#define CN_NEVER_SPEECH_DB -60.0
/* A CN level change that is worth an update, dB. */
#define CN_UPDATE_DB 3

/* The level of a frame in dBov, -127 for silence. */
static double cn_dbov(const int16_t *pcm, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += (uint64_t)((int32_t)pcm[i] * pcm[i]);
  if (sum == 0)
    return -(double)RIPT_CN_LEVEL_SILENCE;
  double db =
      10.0 * log10((double)sum / (double)n / (CN_FULL_SCALE * CN_FULL_SCALE));
  return db < -(double)RIPT_CN_LEVEL_SILENCE ? -(double)RIPT_CN_LEVEL_SILENCE
                                             : db;
}

static uint8_t cn_level_of(double dbov) {
  double level = floor(-dbov + 0.5);
  if (level <= 0)
    return 0;
  return (uint8_t)(level >= RIPT_CN_LEVEL_SILENCE ? RIPT_CN_LEVEL_SILENCE
                                                  : level);
}

uint8_t ript_cn_level(const int16_t *pcm, size_t n) {
  if (!pcm || n == 0)
    return RIPT_CN_LEVEL_SILENCE;
  return cn_level_of(cn_dbov(pcm, n));
}

ript_ssize ript_cn_encode(const ript_cn_payload *cn, uint8_t *out,
                          size_t outlen) {
  if (!cn || !out || cn->level > RIPT_CN_LEVEL_SILENCE ||
      cn->order > RIPT_CN_MAX_ORDER)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (outlen < 1 + cn->order)
    return RIPT_ERR_NOBUF;
  out[0] = cn->level;
  memcpy(out + 1, cn->coeffs, cn->order);
  return (ript_ssize)(1 + cn->order);
}

static int cn_fail(ript_parse_error *err, int rv, size_t offset,
                   const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return rv;
}

int ript_cn_decode(ript_cn_payload *cn, const uint8_t *data, size_t len,
                   ript_parse_error *err) {
  if (!cn || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (len == 0)
    return cn_fail(err, RIPT_ERR_PARSE, 0, "a noise level byte");
  if (data[0] > RIPT_CN_LEVEL_SILENCE)
    return cn_fail(err, RIPT_ERR_PARSE, 0, "a noise level 0-127 (top bit 0)");
  if (len - 1 > RIPT_CN_MAX_ORDER)
    return cn_fail(err, RIPT_ERR_LIMIT, 1 + RIPT_CN_MAX_ORDER,
                   "at most 32 reflection coefficients");
  memset(cn, 0, sizeof(*cn));
  cn->level = data[0];
  cn->order = len - 1;
  memcpy(cn->coeffs, data + 1, cn->order);
  return 0;
}

/* splitmix64: spreads any seed, 0 included, over the state space. */
static uint64_t cn_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15u;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
  return x ^ (x >> 31);
}

void ript_cn_generator_init(ript_cn_generator *g, uint64_t seed) {
  if (!g)
    return;
  g->state = cn_mix(seed);
  if (g->state == 0) /* xorshift never leaves 0 */
    g->state = 0x9E3779B97F4A7C15u;
}

/* xorshift64*: uniform in [0, 1). */
static double cn_uniform(ript_cn_generator *g) {
  g->state ^= g->state >> 12;
  g->state ^= g->state << 25;
  g->state ^= g->state >> 27;
  uint64_t r = g->state * 0x2545F4914F6CDD1Du;
  return (double)(r >> 11) / 9007199254740992.0; /* 2^53 */
}

int ript_cn_generate(ript_cn_generator *g, unsigned level, int16_t *pcm,
                     size_t n) {
  if (!g || (!pcm && n > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (level >= RIPT_CN_LEVEL_SILENCE) {
    if (n > 0)
      memset(pcm, 0, n * sizeof(int16_t));
    return 0;
  }
  /* A uniform variable on [-a, a] has rms a / sqrt(3). */
  double a = CN_FULL_SCALE * pow(10.0, -(double)level / 20.0) * sqrt(3.0);
  for (size_t i = 0; i < n; ++i) {
    double x = (2.0 * cn_uniform(g) - 1.0) * a;
    double r = floor(x + 0.5);
    pcm[i] = (int16_t)(r > 32767.0 ? 32767.0 : r < -32768.0 ? -32768.0 : r);
  }
  return 0;
}

int ript_vad_init(ript_vad *v, const ript_vad_config *cfg) {
  if (!v)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(v, 0, sizeof(*v));
  if (cfg)
    v->cfg = *cfg;
  if (v->cfg.frame_ms == 0)
    v->cfg.frame_ms = CN_DEFAULT_FRAME_MS;
  if (v->cfg.hangover_ms == 0)
    v->cfg.hangover_ms = CN_DEFAULT_HANGOVER_MS;
  if (v->cfg.refresh_ms == 0)
    v->cfg.refresh_ms = CN_DEFAULT_REFRESH_MS;
  if (v->cfg.margin_db == 0)
    v->cfg.margin_db = CN_DEFAULT_MARGIN_DB;
  v->window_frames = CN_WINDOW_MS / v->cfg.frame_ms;
  if (v->window_frames == 0)
    v->window_frames = 1;
  v->cur_min = v->prev_min = 1.0; /* above any level: no floor yet */
  v->hangover_left = v->cfg.hangover_ms;
  return 0;
}

/* Feeds the noise floor tracker; returns the floor including |db|. */
static double vad_floor(ript_vad *v, double db) {
  if (db < v->cur_min)
    v->cur_min = db;
  double floor_db = v->cur_min < v->prev_min ? v->cur_min : v->prev_min;
  if (++v->window_pos == v->window_frames) {
    v->prev_min = v->cur_min;
    v->cur_min = 1.0;
    v->window_pos = 0;
  }
  return floor_db;
}

int ript_vad_process(ript_vad *v, const int16_t *pcm, size_t n,
                     uint8_t *level) {
  if (!v || (!pcm && n > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  double db = n ? cn_dbov(pcm, n) : -(double)RIPT_CN_LEVEL_SILENCE;
  uint8_t lvl = cn_level_of(db);
  if (level)
    *level = lvl;
  double floor_db = vad_floor(v, db);
  bool speech =
      db > CN_ALWAYS_SPEECH_DB ||
      (db > CN_NEVER_SPEECH_DB && db >= floor_db + (double)v->cfg.margin_db);
  if (speech)
    v->hangover_left = v->cfg.hangover_ms;
  if (speech || v->hangover_left > 0) {
    if (!speech)
      v->hangover_left -= v->hangover_left < v->cfg.frame_ms ? v->hangover_left
                                                             : v->cfg.frame_ms;
    v->in_cn = false;
    return RIPT_VAD_MEDIA;
  }
  int diff = (int)lvl - (int)v->cn_level;
  if (!v->in_cn || v->since_cn_ms + v->cfg.frame_ms >= v->cfg.refresh_ms ||
      diff >= CN_UPDATE_DB || diff <= -CN_UPDATE_DB) {
    v->in_cn = true;
    v->since_cn_ms = 0;
    v->cn_level = lvl;
    return RIPT_VAD_CN;
  }
  v->since_cn_ms += v->cfg.frame_ms;
  return RIPT_VAD_SILENT;
}

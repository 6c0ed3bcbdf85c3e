/*
 * Rate conversion on speexdsp, with channel mixing around it so that the
 * filter runs on as few channels as possible.
 */
#include <string.h>

#include <speex/speex_resampler.h>

#include "ript/resample.h"
#include "ript_mem.h"

/* Frames mixed down per speexdsp call (bounds the scratch buffer). */
#define RESAMPLE_BLOCK 1024u

struct ript_resampler {
  const ript_mem *mem;
  SpeexResamplerState *st; /* NULL when the rates are equal */
  uint32_t in_rate, out_rate;
  unsigned in_channels, out_channels;
  unsigned channels; /* channels through the filter: the fewer of the two */
  int16_t scratch[RESAMPLE_BLOCK];
};

static const int16_t resample_zeros[RESAMPLE_BLOCK * 2];

static int resample_args_ok(uint32_t in_rate, unsigned in_channels,
                            uint32_t out_rate, unsigned out_channels) {
  return in_rate >= RIPT_RESAMPLER_MIN_RATE &&
         in_rate <= RIPT_RESAMPLER_MAX_RATE &&
         out_rate >= RIPT_RESAMPLER_MIN_RATE &&
         out_rate <= RIPT_RESAMPLER_MAX_RATE && in_channels >= 1 &&
         in_channels <= 2 && out_channels >= 1 && out_channels <= 2;
}

int ript_resampler_new(ript_resampler **prs, uint32_t in_rate,
                       unsigned in_channels, uint32_t out_rate,
                       unsigned out_channels, int quality,
                       const ript_mem *mem) {
  if (!prs || !resample_args_ok(in_rate, in_channels, out_rate, out_channels) ||
      quality < 0 || quality > 10)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_resampler *rs = ript_mem_calloc(mem, 1, sizeof(*rs));
  if (!rs)
    return RIPT_ERR_NOMEM;
  rs->mem = mem;
  rs->in_rate = in_rate;
  rs->out_rate = out_rate;
  rs->in_channels = in_channels;
  rs->out_channels = out_channels;
  rs->channels = in_channels < out_channels ? in_channels : out_channels;
  if (in_rate != out_rate) {
    int err = RESAMPLER_ERR_SUCCESS;
    rs->st =
        speex_resampler_init(rs->channels, in_rate, out_rate, quality, &err);
    if (!rs->st) {
      ript_mem_free(mem, rs);
      return RIPT_ERR_NOMEM; /* the only failure left once args are valid */
    }
  }
  *prs = rs;
  return 0;
}

void ript_resampler_del(ript_resampler *rs) {
  if (!rs)
    return;
  if (rs->st)
    speex_resampler_destroy(rs->st);
  ript_mem_free(rs->mem, rs);
}

size_t ript_resampler_out_max(const ript_resampler *rs, size_t in_frames) {
  if (!rs)
    return 0;
  /* Split the product so that it cannot overflow for any in_frames. */
  size_t whole = in_frames / rs->in_rate * rs->out_rate;
  size_t part = (size_t)((uint64_t)(in_frames % rs->in_rate) * rs->out_rate /
                         rs->in_rate);
  return whole + part + 2;
}

size_t ript_resampler_delay(const ript_resampler *rs) {
  if (!rs || !rs->st)
    return 0;
  return (size_t)speex_resampler_get_output_latency(rs->st);
}

/* Runs |n| frames of |rs->channels| channels through the filter (or copies
 * them) into |dst|, which has room for |cap| frames. Returns frames out. */
static size_t resample_filter(ript_resampler *rs, const int16_t *src, size_t n,
                              int16_t *dst, size_t cap) {
  if (!rs->st) {
    memcpy(dst, src, n * rs->channels * sizeof(int16_t));
    return n;
  }
  size_t made = 0;
  while (n > 0) {
    spx_uint32_t in_len = (spx_uint32_t)n;
    spx_uint32_t out_len =
        (spx_uint32_t)(cap - made > UINT32_MAX ? UINT32_MAX : cap - made);
    speex_resampler_process_interleaved_int(
        rs->st, src, &in_len, dst + made * rs->channels, &out_len);
    src += (size_t)in_len * rs->channels;
    n -= in_len;
    made += out_len;
    if (in_len == 0 && out_len == 0)
      break; /* cannot happen with the room out_max guarantees */
  }
  return made;
}

ript_ssize ript_resampler_process(ript_resampler *rs, const int16_t *in,
                                  size_t in_frames, int16_t *out,
                                  size_t out_frames) {
  if (!rs || (!in && in_frames > 0) || (!out && out_frames > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (out_frames < ript_resampler_out_max(rs, in_frames))
    return RIPT_ERR_NOBUF;
  size_t written = 0;
  for (size_t pos = 0; pos < in_frames;) {
    size_t n =
        in_frames - pos < RESAMPLE_BLOCK ? in_frames - pos : RESAMPLE_BLOCK;
    const int16_t *src = in + pos * rs->in_channels;
    if (rs->in_channels == 2 && rs->out_channels == 1) {
      for (size_t i = 0; i < n; ++i)
        rs->scratch[i] = (int16_t)(((int32_t)src[2 * i] + src[2 * i + 1]) / 2);
      src = rs->scratch;
    }
    int16_t *dst = out + written * rs->out_channels;
    size_t made = resample_filter(rs, src, n, dst, out_frames - written);
    if (rs->in_channels == 1 && rs->out_channels == 2) {
      /* Widen in place from the end, where no mono sample is overwritten
       * before it has been read. */
      for (size_t i = made; i-- > 0;)
        dst[2 * i] = dst[2 * i + 1] = dst[i];
    }
    written += made;
    pos += n;
  }
  return (ript_ssize)written;
}

/* Feeds |frames| frames of silence to flush the filter's tail. */
static size_t resample_flush(ript_resampler *rs, size_t frames, int16_t *out,
                             size_t cap) {
  size_t written = 0;
  while (frames > 0) {
    size_t n = frames < RESAMPLE_BLOCK ? frames : RESAMPLE_BLOCK;
    ript_ssize made = ript_resampler_process(
        rs, resample_zeros, n, out + written * rs->out_channels, cap - written);
    if (made < 0)
      break; /* no room left: the tail is not needed */
    written += (size_t)made;
    frames -= n;
  }
  return written;
}

int ript_resample(int16_t **out, size_t *out_frames, const int16_t *in,
                  size_t in_frames, uint32_t in_rate, unsigned in_channels,
                  uint32_t out_rate, unsigned out_channels,
                  const ript_mem *mem) {
  if (!out || !out_frames || (!in && in_frames > 0) ||
      !resample_args_ok(in_rate, in_channels, out_rate, out_channels))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (in_frames > SIZE_MAX / 4 / RIPT_RESAMPLER_MAX_RATE)
    return RIPT_ERR_NOMEM; /* the output could not be addressed */
  size_t target =
      (size_t)(((uint64_t)in_frames * out_rate + in_rate / 2) / in_rate);
  if (target == 0) {
    *out = NULL;
    *out_frames = 0;
    return 0;
  }
  ript_resampler *rs;
  int rv = ript_resampler_new(&rs, in_rate, in_channels, out_rate, out_channels,
                              RIPT_RESAMPLER_QUALITY, mem);
  if (rv != 0)
    return rv;
  size_t tail = 0;
  if (rs->st) {
    speex_resampler_skip_zeros(rs->st);
    tail = (size_t)speex_resampler_get_input_latency(rs->st);
  }
  size_t cap =
      ript_resampler_out_max(rs, in_frames) + ript_resampler_out_max(rs, tail);
  if (cap < target)
    cap = target;
  int16_t *buf = ript_mem_malloc(mem, cap * out_channels * sizeof(int16_t));
  if (!buf) {
    ript_resampler_del(rs);
    return RIPT_ERR_NOMEM;
  }
  size_t got = (size_t)ript_resampler_process(rs, in, in_frames, buf, cap);
  got += resample_flush(rs, tail, buf + got * out_channels, cap - got);
  ript_resampler_del(rs);
  if (got < target)
    memset(buf + got * out_channels, 0,
           (target - got) * out_channels * sizeof(int16_t));
  *out = buf;
  *out_frames = target;
  return 0;
}

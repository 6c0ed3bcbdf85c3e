/* The audio plumbing echo, record and conference share. */
#include <string.h>

#include "action_audio.h"
#include "ript_mem.h"

enum {
  /* Timestamps this far off the clock follow the clock again. */
  AUDIO_TS_SLACK_MS = 200,
};

void riptd_audio_init(riptd_audio *au, const riptd_action_ctx *ctx) {
  memset(au, 0, sizeof(*au));
  au->ctx = ctx;
}

void riptd_audio_free(riptd_audio *au) {
  ript_audio_encoder_del(au->enc);
  ript_audio_decoder_del(au->dec);
  ript_jitter_del(au->jb);
  ript_resampler_del(au->rs_in);
  ript_mem_free(au->ctx->env->mem, au->fifo);
  riptd_audio_init(au, au->ctx);
}

int riptd_audio_encoder(riptd_audio *au) {
  const ript_audio_stream *tx = au->ctx->tx;
  if (!tx->codec)
    return RIPT_ERR_RANGE;
  return ript_audio_encoder_new(&au->enc, &tx->cfg, au->ctx->env->mem);
}

int riptd_audio_decoder(riptd_audio *au) {
  const ript_audio_stream *rx = au->ctx->rx;
  const riptd_action_env *env = au->ctx->env;
  if (!rx->codec)
    return RIPT_ERR_RANGE;
  int rv = ript_audio_decoder_new(&au->dec, &rx->cfg, env->mem);
  if (rv == 0 && (rv = ript_jitter_new(&au->jb, NULL, env->pool)) != 0) {
    ript_audio_decoder_del(au->dec);
    au->dec = NULL;
  }
  return rv;
}

int riptd_audio_resampler(riptd_audio *au, uint32_t rate, unsigned channels) {
  const ript_audio_format *d = ript_audio_decoder_format(au->dec);
  return ript_resampler_new(&au->rs_in, d->rate, d->channels, rate, channels,
                            RIPT_RESAMPLER_QUALITY, au->ctx->env->mem);
}

int riptd_audio_fifo(riptd_audio *au, size_t samples) {
  au->fifo = ript_mem_malloc(au->ctx->env->mem, samples * sizeof(int16_t));
  au->fifo_cap = au->fifo ? samples : 0;
  return au->fifo ? 0 : RIPT_ERR_NOMEM;
}

int riptd_audio_is_rx(const riptd_audio *au, const ript_media_frame *frame) {
  const ript_audio_stream *rx = au->ctx->rx;
  return rx->codec && frame->source == rx->source && frame->sink == rx->sink;
}

void riptd_audio_push(riptd_audio *au, const ript_media_frame *frame,
                      int64_t now) {
  int audio = frame->payload_type == au->ctx->rx->cfg.payload_type;
  ript_jitter_push(au->jb, frame->sequence, (int64_t)frame->timestamp,
                   audio ? frame->media : NULL, audio ? frame->media_len : 0,
                   now);
}

int riptd_audio_pull_one(riptd_audio *au, int64_t now,
                         riptd_audio_sink *sink, void *data) {
  const riptd_action_env *env = au->ctx->env;
  size_t room = env->pcm_cap / ript_audio_decoder_format(au->dec)->channels;
  ript_jitter_frame f;
  int r = ript_jitter_pop(au->jb, now, &f);
  if (r <= 0)
    return 0;
  if (r == RIPT_JITTER_FRAME && !f.len)
    return 1; /* the number of a telephone-event or CN: no audio */
  ript_ssize n = ript_audio_decode(au->dec, f.data, f.len, env->pcm_a, room);
  if (n > 0)
    sink(data, env->pcm_a, (size_t)n, f.timestamp_ms);
  return 1;
}

void riptd_audio_pull(riptd_audio *au, int64_t now, riptd_audio_sink *sink,
                      void *data) {
  while (riptd_audio_pull_one(au, now, sink, data))
    ;
}

int64_t riptd_audio_next(const riptd_audio *au, int64_t now) {
  int64_t next = ript_jitter_next(au->jb);
  return next == INT64_MAX ? INT64_MAX : next > now ? next : now;
}

size_t riptd_audio_convert(riptd_audio *au, const int16_t *pcm,
                           size_t frames, unsigned channels) {
  const riptd_action_env *env = au->ctx->env;
  ript_ssize n = ript_resampler_process(au->rs_in, pcm, frames, env->pcm_b,
                                        env->pcm_cap / channels);
  return n > 0 ? (size_t)n : 0;
}

void riptd_audio_keep(int16_t *buf, size_t *len, size_t cap,
                      const int16_t *add, size_t n) {
  if (n > cap)
    return;
  if (*len + n > cap) {
    size_t drop = *len + n - cap;
    memmove(buf, buf + drop, (*len - drop) * sizeof(int16_t));
    *len -= drop;
  }
  memcpy(buf + *len, add, n * sizeof(int16_t));
  *len += n;
}

/* The timestamp of the next frame sent: one frame after the last, plus
 * the pause the echoed sender made there, unless that fell behind the
 * clock (after a pause). It never goes back, also while a burst is sent
 * faster than real time. */
static int64_t audio_ts(riptd_audio *au, int64_t now, unsigned frame_ms) {
  int64_t ts = au->out_ts ? au->out_ts + frame_ms + au->out_pause : now;
  au->out_pause = 0;
  if (ts < now - AUDIO_TS_SLACK_MS)
    ts = now;
  au->out_ts = ts;
  return ts;
}

void riptd_audio_send_pcm(riptd_audio *au, const int16_t *pcm, int64_t now) {
  const ript_audio_format *f = ript_audio_encoder_format(au->enc);
  const ript_audio_stream *tx = au->ctx->tx;
  uint8_t packet[RIPT_AUDIO_MAX_PACKET];
  ript_ssize n = ript_audio_encode(au->enc, pcm, f->frame_size, packet,
                                   sizeof(packet));
  if (n <= 0)
    return;
  ript_media_frame frame;
  memset(&frame, 0, sizeof(frame));
  frame.source = tx->source;
  frame.sink = tx->sink;
  frame.payload_type = f->payload_type;
  frame.timestamp = (uint64_t)audio_ts(au, now, f->frame_ms);
  frame.flags = RIPT_MEDIA_FRAME_FLAG_LEVEL;
  frame.level = ript_cn_level(pcm, f->frame_size * f->channels);
  frame.media = packet;
  frame.media_len = (size_t)n;
  au->ctx->host.send(au->ctx->host.data, &frame, now);
}

void riptd_audio_flush(riptd_audio *au, int64_t now) {
  const ript_audio_format *f = ript_audio_encoder_format(au->enc);
  size_t n = f->frame_size * f->channels;
  size_t at = 0;
  for (; au->fifo_len - at >= n; at += n)
    riptd_audio_send_pcm(au, au->fifo + at, now);
  memmove(au->fifo, au->fifo + at, (au->fifo_len - at) * sizeof(int16_t));
  au->fifo_len -= at;
}

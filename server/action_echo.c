/* echo: what the caller sends comes back, decoded through a playout
 * buffer and encoded again with the server directive's codec, paced in
 * real time, keeping the caller's pauses; telephone-events come back as
 * telephone-events (docs/PROTOCOL.md decision 70). */
#include <stdio.h>
#include <string.h>

#include "action_audio.h"
#include "action_def.h"
#include "ript_mem.h"

enum {
  ECHO_ANSWER_MS = 400,
  /* At most this many frames a tick: a burst that arrives late (replayed
   * after an outage) goes back at twice real time. */
  ECHO_BURST = 2,
};

typedef struct echo {
  riptd_audio au;
  int64_t tick_at;        /* INT64_MAX: nothing to do */
  int64_t in_next_ts;     /* where the last decoded frame ended, in the
                             sender's timestamps; 0: none */
  int64_t te_rx_ts, te_tx_ts; /* a telephone-event's timestamps, echoed */
} echo;

static void echo_free(echo *e) {
  riptd_audio_free(&e->au);
  ript_mem_free(e->au.ctx->env->mem, e);
}

static int echo_start(void **pmedia, const riptd_action_ctx *ctx,
                      int64_t since, int64_t now) {
  (void)since, (void)now;
  echo *e = ript_mem_calloc(ctx->env->mem, 1, sizeof(*e));
  if (!e)
    return RIPT_ERR_NOMEM;
  riptd_audio_init(&e->au, ctx);
  e->tick_at = INT64_MAX;
  riptd_audio *au = &e->au;
  int rv = riptd_audio_encoder(au);
  if (rv == 0)
    rv = riptd_audio_decoder(au);
  if (rv == 0) {
    const ript_audio_format *f = ript_audio_encoder_format(au->enc);
    rv = riptd_audio_resampler(au, f->rate, f->channels);
    /* One decoded frame converted, and a frame more. */
    if (rv == 0)
      rv = riptd_audio_fifo(
          au, (ript_resampler_out_max(au->rs_in,
                                      ript_audio_decoder_max_frames(au->dec)) +
               2 * f->frame_size) *
                  f->channels);
  }
  if (rv != 0) {
    fprintf(stderr, "riptd: call %s: the echo is silent: %s\n", ctx->uuid,
            rv == RIPT_ERR_RANGE ? "no codec riptd codes both ways"
                                 : ript_strerror(rv));
    echo_free(e);
    return rv;
  }
  *pmedia = e;
  return 0;
}

/* A sender that sends nothing in silence (after comfort noise) leaves a
 * pause in its timestamps; the echo keeps it, or a recording of the echo
 * would run short of the original at every pause. A pause is at least a
 * frame long: a sender's clock that wobbles by a millisecond or two makes
 * none, or its echo would run ever further ahead of the clock. Then the
 * frame goes into the FIFO at the encoder's format. */
static void echo_sink(void *data, const int16_t *pcm, size_t frames,
                      int64_t ts_ms) {
  echo *e = data;
  riptd_audio *au = &e->au;
  int64_t frame_ms =
      (int64_t)(frames * 1000 / ript_audio_decoder_format(au->dec)->rate);
  if (e->in_next_ts && ts_ms - e->in_next_ts >= frame_ms)
    au->out_pause += ts_ms - e->in_next_ts;
  e->in_next_ts = ts_ms + frame_ms;
  unsigned channels = ript_audio_encoder_format(au->enc)->channels;
  size_t n = riptd_audio_convert(au, pcm, frames, channels);
  riptd_audio_keep(au->fifo, &au->fifo_len, au->fifo_cap,
                   au->ctx->env->pcm_b, n * channels);
}

/* A telephone-event goes back as it came, under our own timestamp: all
 * packets of one event share one timestamp (RFC 4733), so the mapping is
 * kept while the event lasts. */
static void echo_event(echo *e, const ript_media_frame *in, int64_t now) {
  const riptd_action_ctx *ctx = e->au.ctx;
  int64_t ts = (int64_t)in->timestamp == e->te_rx_ts && e->te_tx_ts
                   ? e->te_tx_ts
                   : now;
  e->te_rx_ts = (int64_t)in->timestamp;
  e->te_tx_ts = ts;
  ript_media_frame out;
  memset(&out, 0, sizeof(out));
  out.source = ctx->tx->source;
  out.sink = ctx->tx->sink;
  out.payload_type = RIPT_PT_TELEPHONE_EVENT;
  out.timestamp = (uint64_t)ts;
  out.media = in->media;
  out.media_len = in->media_len;
  ctx->host.send(ctx->host.data, &out, now);
}

/* The playout buffer decides when the next frame is due. */
static void echo_frame(void *media, const ript_media_frame *frame,
                       int64_t now) {
  echo *e = media;
  const riptd_action_ctx *ctx = e->au.ctx;
  if (!riptd_audio_is_rx(&e->au, frame))
    return;
  if (ctx->tx->telephone_event &&
      frame->payload_type == RIPT_PT_TELEPHONE_EVENT)
    echo_event(e, frame, now);
  riptd_audio_push(&e->au, frame, now);
  int64_t next = riptd_audio_next(&e->au, now);
  if (next < e->tick_at) {
    e->tick_at = next;
    ctx->host.schedule(ctx->host.data);
  }
}

/* Sends what the playout buffer released, paced: the FIFO holds at most
 * one decoded frame more than an encoder frame, and what is due beyond
 * ECHO_BURST frames waits in the playout buffer for the next tick. */
static void echo_tick(void *media, int64_t now) {
  echo *e = media;
  riptd_audio *au = &e->au;
  const ript_audio_format *f = ript_audio_encoder_format(au->enc);
  size_t n = f->frame_size * f->channels;
  for (int budget = ECHO_BURST; budget > 0;) {
    if (au->fifo_len >= n) {
      riptd_audio_send_pcm(au, au->fifo, now);
      memmove(au->fifo, au->fifo + n, (au->fifo_len - n) * sizeof(int16_t));
      au->fifo_len -= n;
      --budget;
    } else if (!riptd_audio_pull_one(au, now, echo_sink, e)) {
      break;
    }
  }
  if (au->fifo_len >= n || ript_jitter_next(au->jb) <= now)
    e->tick_at = now + f->frame_ms;
  else
    e->tick_at = riptd_audio_next(au, now);
}

static int64_t echo_deadline(const void *media) {
  return ((const echo *)media)->tick_at;
}

static void echo_end(void *media, int finish, int64_t now) {
  (void)finish, (void)now;
  echo_free(media);
}

const riptd_action_def riptd_action_echo = {
    .outcome = RIPT_EVENT_ANSWERED,
    .outcome_ms = ECHO_ANSWER_MS,
    .media_from = RIPT_CALL_ANSWERED,
    .media_start = echo_start,
    .media_frame = echo_frame,
    .media_tick = echo_tick,
    .media_deadline = echo_deadline,
    .media_end = echo_end,
};

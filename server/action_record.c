/* record: what the caller sends after `answered`, decoded through a
 * playout buffer (gaps concealed), goes to the route's file as the call
 * goes, written off the loop by recorder.c (docs/PROTOCOL.md decision 71).
 * The recording keeps the format of its first decoder: a renegotiation's
 * audio is converted into it. */
#include <stdio.h>

#include "action_audio.h"
#include "action_def.h"
#include "recorder.h"
#include "ript_mem.h"

enum { RECORD_ANSWER_MS = 400 };

/* Far enough ahead that the playout buffer releases all it holds. */
#define RECORD_ALL (INT64_MAX / 4)

typedef struct record {
  riptd_audio au;       /* the decoder, the playout buffer, and rs_in when
                           the decoder's format is not the recording's */
  riptd_recorder *rec;
  uint32_t rate;        /* what goes to the recorder */
  unsigned channels;
} record;

static void record_free(record *r) {
  riptd_audio_free(&r->au);
  ript_mem_free(r->au.ctx->env->mem, r);
}

static void record_say(const riptd_action_ctx *ctx, int rv) {
  fprintf(stderr, "riptd: call %s: nothing is recorded: %s\n", ctx->uuid,
          rv == RIPT_ERR_RANGE ? "no codec riptd decodes"
                               : ript_strerror(rv));
}

/* A recording is done: riptd may exit once none is open. */
static void record_done(void *data) {
  riptd_action_env *env = data;
  --env->recordings_open;
  if (env->recorded)
    env->recorded(env);
}

/* The recording is |now - since| long already: a call resumed continues
 * the file with the gap as silence. */
static int record_start(void **pmedia, const riptd_action_ctx *ctx,
                        int64_t since, int64_t now) {
  riptd_action_env *env = ctx->env;
  record *r = ript_mem_calloc(env->mem, 1, sizeof(*r));
  if (!r)
    return RIPT_ERR_NOMEM;
  riptd_audio_init(&r->au, ctx);
  int rv = riptd_audio_decoder(&r->au);
  if (rv == 0) {
    const ript_audio_format *d = ript_audio_decoder_format(r->au.dec);
    r->rate = d->rate;
    r->channels = d->channels;
    riptd_recorder_config cfg = {env->loop, env->mem, ctx->route->file,
                                 ctx->uuid, r->rate, r->channels,
                                 now - since, record_done, env};
    rv = riptd_recorder_open(&r->rec, &cfg);
  }
  if (rv != 0) {
    record_say(ctx, rv);
    record_free(r);
    return rv;
  }
  ++env->recordings_open;
  *pmedia = r;
  return 0;
}

static void record_sink(void *data, const int16_t *pcm, size_t frames,
                        int64_t ts_ms) {
  record *r = data;
  (void)ts_ms;
  if (r->au.rs_in) {
    frames = riptd_audio_convert(&r->au, pcm, frames, r->channels);
    pcm = r->au.ctx->env->pcm_b;
  }
  riptd_recorder_write(r->rec, pcm, frames);
}

static void record_frame(void *media, const ript_media_frame *frame,
                         int64_t now) {
  record *r = media;
  if (!r->au.dec || !riptd_audio_is_rx(&r->au, frame))
    return;
  riptd_audio_push(&r->au, frame, now);
  riptd_audio_pull(&r->au, now, record_sink, r);
}

/* What the old decoder still holds is kept; the new one's audio is
 * converted to the recording's format. */
static void record_renegotiate(void *media, int64_t now) {
  record *r = media;
  (void)now;
  if (r->au.dec)
    riptd_audio_pull(&r->au, RECORD_ALL, record_sink, r);
  riptd_audio_free(&r->au);
  int rv = riptd_audio_decoder(&r->au);
  const ript_audio_format *d = rv == 0 ? ript_audio_decoder_format(r->au.dec)
                                       : NULL;
  if (d && (d->rate != r->rate || d->channels != r->channels))
    rv = riptd_audio_resampler(&r->au, r->rate, r->channels);
  if (rv != 0) {
    record_say(r->au.ctx, rv);
    riptd_audio_free(&r->au);
  }
}

static int64_t record_deadline(const void *media) {
  (void)media;
  return INT64_MAX; /* it works as frames arrive */
}

static void record_end(void *media, int finish, int64_t now) {
  record *r = media;
  (void)now;
  if (r->au.dec)
    riptd_audio_pull(&r->au, RECORD_ALL, record_sink, r);
  riptd_recorder_close(r->rec, finish);
  record_free(r);
}

const riptd_action_def riptd_action_record = {
    .outcome = RIPT_EVENT_ANSWERED,
    .outcome_ms = RECORD_ANSWER_MS,
    .media_from = RIPT_CALL_ANSWERED,
    .media_start = record_start,
    .media_frame = record_frame,
    .media_deadline = record_deadline,
    .media_renegotiate = record_renegotiate,
    .media_end = record_end,
};

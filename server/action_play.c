/* play: the route's WAV file, converted to the codec's format, looped
 * from alerting on (early media). Its position is the time since alerting,
 * also for a call resumed or renegotiated. The files are read once per
 * format and kept in env->wavs for every call that plays them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "action_audio.h"
#include "action_def.h"
#include "ript_mem.h"
#include "ript_prog.h"

enum {
  PLAY_ANSWER_MS = 1000, /* early media, then answered */
  /* Ticks that come late make up for at most this many frames. */
  PLAY_CATCH_UP = 10,
};

/* A WAV file resampled to one format, shared by every call playing it. */
typedef struct play_wav {
  struct play_wav *next;
  char *file;
  uint32_t rate;
  unsigned channels;
  int16_t *samples;
  size_t frames;
} play_wav;

typedef struct play {
  riptd_audio au;         /* the encoder and the timestamps */
  const play_wav *wav;
  size_t pos;             /* the next frame of the file */
  int64_t since;          /* when the file started */
  int64_t sent;           /* frames sent (or skipped) since then */
} play;

/* ---- the files ---- */

static void play_wav_free(const ript_mem *mem, play_wav *w) {
  if (!w)
    return;
  ript_free(mem, w->samples);
  ript_mem_free(mem, w->file);
  ript_mem_free(mem, w);
}

static play_wav *play_wav_load(const ript_mem *mem, const char *file,
                               uint32_t rate, unsigned channels) {
  ript_buf bytes;
  ript_buf_init(&bytes, NULL);
  ript_wav wav;
  memset(&wav, 0, sizeof(wav));
  ript_parse_error err = {0, NULL};
  play_wav *w = ript_mem_calloc(mem, 1, sizeof(*w));
  int rv = w ? ript_file_read(file, SIZE_MAX, &bytes) : RIPT_ERR_NOMEM;
  int read_errno = errno;
  if (rv == 0)
    rv = ript_wav_parse(&wav, bytes.data, bytes.len, &err, mem);
  if (rv == 0 && wav.frames == 0)
    rv = RIPT_ERR_RANGE;
  if (rv == 0)
    rv = ript_resample(&w->samples, &w->frames, wav.samples, wav.frames,
                       wav.rate, wav.channels, rate, channels, mem);
  if (rv == 0 && !(w->file = ript_mem_strdup(mem, file)))
    rv = RIPT_ERR_NOMEM;
  ript_wav_free(&wav);
  ript_buf_free(&bytes);
  if (rv != 0 || w->frames == 0) {
    fprintf(stderr, "riptd: cannot play %s: %s\n", file,
            rv == RIPT_ERR_INVALID_ARGUMENT ? strerror(read_errno)
            : rv == 0 ? "the file holds no samples"
                      : ript_strerror(rv));
    play_wav_free(mem, w);
    return NULL;
  }
  w->rate = rate;
  w->channels = channels;
  return w;
}

/* The samples of |file| at |rate| Hz, |channels|, loaded once; NULL when
 * the file cannot be read (said on stderr). */
static const play_wav *play_wav_get(riptd_action_env *env, const char *file,
                                    uint32_t rate, unsigned channels) {
  for (play_wav *w = env->wavs; w; w = w->next)
    if (w->rate == rate && w->channels == channels &&
        strcmp(w->file, file) == 0)
      return w;
  play_wav *w = play_wav_load(env->mem, file, rate, channels);
  if (w) {
    w->next = env->wavs;
    env->wavs = w;
  }
  return w;
}

static void play_env_free(riptd_action_env *env) {
  while (env->wavs) {
    play_wav *w = env->wavs;
    env->wavs = w->next;
    play_wav_free(env->mem, w);
  }
}

/* ---- the media ---- */

static void play_free(play *p) {
  riptd_audio_free(&p->au);
  ript_mem_free(p->au.ctx->env->mem, p);
}

/* The file goes on where the time since |since| puts it. */
static int play_start(void **pmedia, const riptd_action_ctx *ctx,
                      int64_t since, int64_t now) {
  play *p = ript_mem_calloc(ctx->env->mem, 1, sizeof(*p));
  if (!p)
    return RIPT_ERR_NOMEM;
  riptd_audio_init(&p->au, ctx);
  int rv = riptd_audio_encoder(&p->au);
  if (rv != 0) {
    fprintf(stderr, "riptd: call %s: the play is silent: %s\n", ctx->uuid,
            rv == RIPT_ERR_RANGE ? "no codec riptd codes to send with"
                                 : ript_strerror(rv));
    play_free(p);
    return rv;
  }
  const ript_audio_format *f = ript_audio_encoder_format(p->au.enc);
  if (!(p->wav = play_wav_get(ctx->env, ctx->route->file, f->rate,
                              f->channels))) {
    play_free(p);
    return RIPT_ERR_INVALID_ARGUMENT;
  }
  p->since = since < now ? since : now;
  p->sent = (now - p->since) / f->frame_ms;
  p->pos = (size_t)((uint64_t)p->sent * f->frame_size % p->wav->frames);
  *pmedia = p;
  return 0;
}

static int64_t play_deadline(const void *media) {
  const play *p = media;
  return p->since +
         p->sent * ript_audio_encoder_format(p->au.enc)->frame_ms;
}

/* Sends the frames due by |now|, looping the file; a tick that comes late
 * skips what it cannot make up for. */
static void play_tick(void *media, int64_t now) {
  play *p = media;
  const ript_audio_format *f = ript_audio_encoder_format(p->au.enc);
  const play_wav *w = p->wav;
  int16_t *pcm = p->au.ctx->env->pcm_a;
  int64_t due = (now - p->since) / f->frame_ms + 1;
  if (due - p->sent > PLAY_CATCH_UP) {
    uint64_t skip = (uint64_t)(due - PLAY_CATCH_UP - p->sent);
    p->pos = (size_t)((p->pos + skip * f->frame_size) % w->frames);
    p->sent = due - PLAY_CATCH_UP;
  }
  for (; p->sent < due; ++p->sent) {
    for (size_t i = 0; i < f->frame_size; ++i) {
      memcpy(pcm + i * f->channels, w->samples + p->pos * f->channels,
             f->channels * sizeof(int16_t));
      p->pos = (p->pos + 1) % w->frames;
    }
    riptd_audio_send_pcm(&p->au, pcm, now);
  }
}

static void play_end(void *media, int finish, int64_t now) {
  (void)finish, (void)now;
  play_free(media);
}

const riptd_action_def riptd_action_play = {
    .outcome = RIPT_EVENT_ANSWERED,
    .outcome_ms = PLAY_ANSWER_MS,
    .media_from = RIPT_CALL_ALERTING,
    .media_start = play_start,
    .media_tick = play_tick,
    .media_deadline = play_deadline,
    .media_end = play_end,
    .env_free = play_env_free,
};

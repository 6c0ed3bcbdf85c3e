/* conference: every answered call to the same number of the TG hears the
 * others, mixed 20 ms at a time at 16 kHz mono and encoded for each member
 * (N-1; docs/PROTOCOL.md decision 70); a member's sealed chunks riptd
 * cannot open are forwarded unchanged to the members that hear it (§10.8).
 * The rooms are in env->rooms; any member's tick mixes the slots due for
 * the whole room. */
#include <stdio.h>
#include <string.h>

#include "action_audio.h"
#include "action_def.h"
#include "ript_mem.h"

enum {
  ROOM_ANSWER_MS = 400,
  ROOM_RATE = 16000,
  ROOM_FRAME_MS = 20,
  ROOM_FRAME = ROOM_RATE * ROOM_FRAME_MS / 1000,
  ROOM_HEARD_MAX = 4 * ROOM_FRAME, /* a faster client's excess is dropped */
  /* Ticks that come late make up for at most this many slots. */
  ROOM_CATCH_UP = 10,
};

typedef struct member member;

typedef struct room {
  struct room *next;
  char *tg, *to;      /* every call to this number on this TG */
  member *members;
  size_t nmembers;
  int64_t start;
  int64_t slots;      /* 20 ms slots mixed */
  int16_t *cur;       /* each member's slot, nmembers x ROOM_FRAME */
  int32_t total[ROOM_FRAME];
} room;

struct member {
  riptd_audio au;     /* rs_in: the decoder's format to the room's; the
                         FIFO: the mix at the encoder's format */
  room *room;
  member *next;
  ript_resampler *rs_out; /* the room's format to the encoder's */
  int16_t *heard;     /* what arrived, at the room's format */
  size_t heard_len, heard_cap;
  int plain;          /* riptd opened its media: it is sent the mix */
  int relayed;        /* it was sent forwarded chunks: never the mix */
  member *hears;      /* whose sealed chunks it is forwarded */
};

static const ript_mem *room_mem(const member *m) {
  return m->au.ctx->env->mem;
}

/* ---- rooms ---- */

static room *room_find(riptd_action_env *env, const riptd_action_ctx *ctx,
                       int64_t now) {
  for (room *r = env->rooms; r; r = r->next)
    if (strcmp(r->tg, ctx->tg) == 0 && strcmp(r->to, ctx->to) == 0)
      return r;
  room *r = ript_mem_calloc(env->mem, 1, sizeof(*r));
  if (!r || !(r->tg = ript_mem_strdup(env->mem, ctx->tg)) ||
      !(r->to = ript_mem_strdup(env->mem, ctx->to))) {
    if (r)
      ript_mem_free(env->mem, r->tg);
    ript_mem_free(env->mem, r);
    return NULL;
  }
  r->start = now;
  r->next = env->rooms;
  env->rooms = r;
  return r;
}

static void room_free(riptd_action_env *env, room *r) {
  if (env->rooms == r) {
    env->rooms = r->next;
  } else {
    room *p = env->rooms;
    while (p->next != r)
      p = p->next;
    p->next = r->next;
  }
  ript_mem_free(env->mem, r->tg);
  ript_mem_free(env->mem, r->to);
  ript_mem_free(env->mem, r->cur);
  ript_mem_free(env->mem, r);
}

static void room_sink(void *data, const int16_t *pcm, size_t frames,
                      int64_t ts_ms) {
  member *m = data;
  (void)ts_ms;
  size_t n = riptd_audio_convert(&m->au, pcm, frames, 1);
  riptd_audio_keep(m->heard, &m->heard_len, m->heard_cap,
                   m->au.ctx->env->pcm_b, n);
}

/* What |m| hears of the slot, |mix|, goes into its FIFO at the encoder's
 * format and out. */
static void room_send(member *m, const int16_t *mix, int64_t now) {
  riptd_audio *au = &m->au;
  const riptd_action_env *env = au->ctx->env;
  unsigned channels = ript_audio_encoder_format(au->enc)->channels;
  ript_ssize n = ript_resampler_process(m->rs_out, mix, ROOM_FRAME,
                                        env->pcm_b, env->pcm_cap / channels);
  if (n > 0 && au->fifo_len + (size_t)n * channels <= au->fifo_cap) {
    memcpy(au->fifo + au->fifo_len, env->pcm_b,
           (size_t)n * channels * sizeof(int16_t));
    au->fifo_len += (size_t)n * channels;
  }
  riptd_audio_flush(au, now);
}

/* Mixes one slot: each member hears the sum of the others. */
static void room_mix(room *r, int64_t now) {
  int16_t *mix = r->members->au.ctx->env->pcm_a;
  memset(r->total, 0, sizeof(r->total));
  size_t i = 0;
  for (member *m = r->members; m; m = m->next, ++i) {
    int16_t *cur = r->cur + i * ROOM_FRAME;
    riptd_audio_pull(&m->au, now, room_sink, m);
    size_t take = m->heard_len < ROOM_FRAME ? m->heard_len : ROOM_FRAME;
    memcpy(cur, m->heard, take * sizeof(int16_t));
    memset(cur + take, 0, (ROOM_FRAME - take) * sizeof(int16_t));
    memmove(m->heard, m->heard + take,
            (m->heard_len - take) * sizeof(int16_t));
    m->heard_len -= take;
    for (size_t k = 0; k < ROOM_FRAME; ++k)
      r->total[k] += cur[k];
  }
  i = 0;
  for (member *m = r->members; m; m = m->next, ++i) {
    const int16_t *cur = r->cur + i * ROOM_FRAME;
    /* Only a member whose media riptd opens is sent the mix; one that is
     * forwarded sealed chunks gets nothing else on that stream (§10.8). */
    if (!m->plain || m->relayed)
      continue;
    for (size_t k = 0; k < ROOM_FRAME; ++k) {
      int32_t v = r->total[k] - cur[k];
      mix[k] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    room_send(m, mix, now);
  }
}

/* ---- members ---- */

/* The codecs, resamplers and buffers of |m|. */
static int member_audio(member *m) {
  riptd_audio *au = &m->au;
  int rv = riptd_audio_encoder(au);
  if (rv == 0)
    rv = riptd_audio_decoder(au);
  if (rv == 0)
    rv = riptd_audio_resampler(au, ROOM_RATE, 1);
  if (rv != 0)
    return rv;
  const ript_audio_format *f = ript_audio_encoder_format(au->enc);
  if ((rv = ript_resampler_new(&m->rs_out, ROOM_RATE, 1, f->rate, f->channels,
                               RIPT_RESAMPLER_QUALITY, room_mem(m))) != 0 ||
      (rv = riptd_audio_fifo(au, (ript_resampler_out_max(m->rs_out,
                                                          ROOM_FRAME) +
                                  2 * f->frame_size) *
                                     f->channels)) != 0)
    return rv;
  m->heard_cap = ROOM_HEARD_MAX +
                 ript_resampler_out_max(au->rs_in,
                                        ript_audio_decoder_max_frames(au->dec));
  m->heard = ript_mem_malloc(room_mem(m), m->heard_cap * sizeof(int16_t));
  return m->heard ? 0 : RIPT_ERR_NOMEM;
}

static int member_join(member *m, int64_t now) {
  riptd_action_env *env = m->au.ctx->env;
  room *r = room_find(env, m->au.ctx, now);
  if (!r)
    return RIPT_ERR_NOMEM;
  int16_t *cur = ript_mem_realloc(env->mem, r->cur, (r->nmembers + 1) *
                                                       ROOM_FRAME *
                                                       sizeof(int16_t));
  if (!cur) {
    if (!r->nmembers)
      room_free(env, r);
    return RIPT_ERR_NOMEM;
  }
  r->cur = cur;
  m->room = r;
  m->next = r->members;
  r->members = m;
  ++r->nmembers;
  return 0;
}

static void member_leave(member *m) {
  room *r = m->room;
  if (!r)
    return;
  for (member *o = r->members; o; o = o->next)
    if (o->hears == m)
      o->hears = NULL;
  member **slot = &r->members;
  while (*slot != m)
    slot = &(*slot)->next;
  *slot = m->next;
  m->room = NULL;
  if (--r->nmembers == 0)
    room_free(m->au.ctx->env, r);
}

static void member_free(member *m) {
  member_leave(m);
  riptd_audio_free(&m->au);
  ript_resampler_del(m->rs_out);
  ript_mem_free(room_mem(m), m->heard);
  ript_mem_free(room_mem(m), m);
}

static int room_start(void **pmedia, const riptd_action_ctx *ctx,
                      int64_t since, int64_t now) {
  (void)since;
  member *m = ript_mem_calloc(ctx->env->mem, 1, sizeof(*m));
  if (!m)
    return RIPT_ERR_NOMEM;
  riptd_audio_init(&m->au, ctx);
  int rv = member_audio(m);
  if (rv == 0)
    rv = member_join(m, now);
  if (rv != 0) {
    fprintf(stderr, "riptd: call %s: not in the conference: %s\n", ctx->uuid,
            rv == RIPT_ERR_RANGE ? "no codec riptd codes both ways"
                                 : ript_strerror(rv));
    member_free(m);
    return rv;
  }
  *pmedia = m;
  return 0;
}

static void room_frame(void *media, const ript_media_frame *frame,
                       int64_t now) {
  member *m = media;
  if (!riptd_audio_is_rx(&m->au, frame))
    return;
  m->plain = 1;
  riptd_audio_push(&m->au, frame, now);
}

/* Whether |m|'s stream to its client can carry |frame|'s chunk unchanged:
 * the same source and sink (forwarded chunks keep the sender's). */
static int room_fits(const member *m, const ript_media_frame *frame) {
  const ript_audio_stream *tx = m->au.ctx->tx;
  return tx->codec && tx->source == frame->source && tx->sink == frame->sink;
}

/* A member's sealed chunk goes, unchanged, to every other member that
 * hears it: the first member whose sealed chunks reach one is the one it
 * hears for as long as both are there, since one stream can carry only
 * one sender's sequence numbers. */
static size_t room_sealed(void *media, const ript_media_frame *frame,
                          int64_t now) {
  member *a = media;
  size_t n = 0;
  for (member *m = a->room->members; m; m = m->next) {
    if (m == a || !room_fits(m, frame))
      continue;
    if (!m->hears && !m->plain)
      m->hears = a;
    if (m->hears != a)
      continue;
    m->relayed = 1;
    const riptd_action_host *h = &m->au.ctx->host;
    if (h->forward(h->data, frame->chunk, frame->chunk_len, now) == 0)
      ++n;
  }
  return n;
}

static int64_t room_deadline(const void *media) {
  const room *r = ((const member *)media)->room;
  return r->start + (r->slots + 1) * ROOM_FRAME_MS;
}

/* Mixes the slots due for the whole room. */
static void room_tick(void *media, int64_t now) {
  room *r = ((member *)media)->room;
  int64_t due = (now - r->start) / ROOM_FRAME_MS;
  if (due - r->slots > ROOM_CATCH_UP)
    r->slots = due - ROOM_CATCH_UP;
  for (; r->slots < due; ++r->slots)
    room_mix(r, now);
}

static void room_end(void *media, int finish, int64_t now) {
  (void)finish, (void)now;
  member_free(media);
}

const riptd_action_def riptd_action_conference = {
    .outcome = RIPT_EVENT_ANSWERED,
    .outcome_ms = ROOM_ANSWER_MS,
    .media_from = RIPT_CALL_ANSWERED,
    .media_start = room_start,
    .media_frame = room_frame,
    .media_sealed = room_sealed,
    .media_tick = room_tick,
    .media_deadline = room_deadline,
    .media_end = room_end,
};

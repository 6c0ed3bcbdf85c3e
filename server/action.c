/* What a route does with a call (server/riptd.example.md): the timeline of
 * events (proceeding, alerting, then answered, declined, failed or
 * noanswer) and the audio of echo, play, record and conference. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"

enum {
  ACTION_ALERT_MS = 100,   /* proceeding, then alerting */
  ACTION_ANSWER_MS = 400,  /* echo, record, conference: answered ~500 ms in */
  ACTION_PLAY_MS = 1000,   /* play: early media, answered after ~1 s */
  ACTION_DECLINE_MS = 500, /* decline: after ~500 ms of alerting */
  /* A recording keeps at most this much audio. */
  ACTION_RECORD_MAX_S = 3600,
  /* Ticks that come late make up for at most this many frames. */
  ACTION_CATCH_UP = 10,
  /* Echo sends at most this many frames a tick: a burst that arrives late
   * (replayed after an outage) goes back at twice real time. */
  ECHO_BURST = 2,
  /* Timestamps this far off the clock follow the clock again. */
  ACTION_TS_SLACK_MS = 200,
  /* The conference mixes 20 ms of 16 kHz mono at a time. */
  ROOM_RATE = 16000,
  ROOM_FRAME_MS = 20,
  ROOM_FRAME = ROOM_RATE * ROOM_FRAME_MS / 1000,
  ROOM_HEARD_MAX = 4 * ROOM_FRAME, /* a faster client's excess is dropped */
};

enum { STEP_NONE = 0, STEP_ALERT, STEP_ANSWER, STEP_DECLINE, STEP_FAIL,
       STEP_NOANSWER };

struct riptd_room {
  riptd_room *next;
  char *tg, *to;      /* every call to this number on this TG */
  riptd_audio *members;
  size_t nmembers;
  int64_t start;      /* mono */
  int64_t slots;      /* 20 ms slots mixed */
  int16_t *cur;       /* each member's slot, nmembers x ROOM_FRAME */
  size_t cur_cap;
  int32_t total[ROOM_FRAME];
};

/* ---- streams and codecs ---- */

/* The streams the audio uses: the first of each directive (callmedia). */
static const ript_audio_stream *action_tx(const riptd_audio *a) {
  return a->call->media.tx_audio.codec ? &a->call->media.tx_audio : NULL;
}

static const ript_audio_stream *action_rx(const riptd_audio *a) {
  return a->call->media.rx_audio.codec ? &a->call->media.rx_audio : NULL;
}

static int action_encoder(riptd_audio *a) {
  const ript_audio_stream *tx = action_tx(a);
  if (!tx)
    return -1;
  if (a->enc)
    return 0;
  return ript_audio_encoder_new(&a->enc, &tx->cfg, NULL);
}

/* The decoder and the playout buffer of the received stream. */
static int action_decoder(riptd_audio *a) {
  const ript_audio_stream *rx = action_rx(a);
  if (!rx)
    return -1;
  if (a->dec)
    return 0;
  int rv = ript_audio_decoder_new(&a->dec, &rx->cfg, NULL);
  if (rv == 0 &&
      (rv = ript_jitter_new(&a->jb, NULL, &a->call->live->pool)) != 0) {
    ript_audio_decoder_del(a->dec);
    a->dec = NULL;
  }
  return rv;
}

/* A resampler from the decoder's format to |rate|, |channels|, and a FIFO
 * that holds what one decoded frame becomes there plus a frame of
 * |frame| samples. */
static int action_fifo(riptd_audio *a, uint32_t rate, unsigned channels,
                       size_t frame) {
  const ript_audio_format *d = ript_audio_decoder_format(a->dec);
  int rv = ript_resampler_new(&a->rs_in, d->rate, d->channels, rate,
                              channels, RIPT_RESAMPLER_QUALITY, NULL);
  if (rv != 0)
    return rv;
  size_t most = ript_resampler_out_max(a->rs_in,
                                       ript_audio_decoder_max_frames(a->dec));
  a->fifo_cap = (most + 2 * frame) * channels;
  a->fifo = malloc(a->fifo_cap * sizeof(int16_t));
  return a->fifo ? 0 : RIPT_ERR_NOMEM;
}

/* The timestamp of the next frame sent: one frame after the last, plus
 * the pause the echoed sender made there, unless that fell behind the
 * clock (after a pause). It never goes back, also while a burst is sent
 * faster than real time. */
static int64_t action_ts(riptd_audio *a, int64_t wall, unsigned frame_ms) {
  int64_t ts = a->out_ts ? a->out_ts + frame_ms + a->out_pause : wall;
  a->out_pause = 0;
  if (ts < wall - ACTION_TS_SLACK_MS)
    ts = wall;
  a->out_ts = ts;
  return ts;
}

/* Encodes and sends one frame of |pcm| at the encoder's format. */
static void action_send_pcm(riptd_audio *a, const int16_t *pcm,
                            int64_t wall) {
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  uint8_t packet[RIPT_AUDIO_MAX_PACKET];
  ript_ssize n = ript_audio_encode(a->enc, pcm, f->frame_size, packet,
                                   sizeof(packet));
  if (n <= 0)
    return;
  ript_media_frame frame;
  memset(&frame, 0, sizeof(frame));
  frame.source = action_tx(a)->source;
  frame.sink = action_tx(a)->sink;
  frame.payload_type = f->payload_type;
  frame.timestamp = (uint64_t)action_ts(a, wall, f->frame_ms);
  frame.flags = RIPT_MEDIA_FRAME_FLAG_LEVEL;
  frame.level = ript_cn_level(pcm, f->frame_size * f->channels);
  frame.media = packet;
  frame.media_len = (size_t)n;
  riptd_cmedia_send(a->call, &frame);
}

/* Sends every whole frame waiting in the FIFO. */
static void action_flush(riptd_audio *a, int64_t wall) {
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  size_t n = f->frame_size * f->channels;
  size_t at = 0;
  for (; a->fifo_len - at >= n; at += n)
    action_send_pcm(a, a->fifo + at, wall);
  memmove(a->fifo, a->fifo + at, (a->fifo_len - at) * sizeof(int16_t));
  a->fifo_len -= at;
}

/* Appends |frames| frames of |pcm| at the decoder's format, converted by
 * rs_in, to |buf| (|*len| of |cap| samples used); the oldest give way
 * when it is full. */
static void action_convert(riptd_audio *a, const int16_t *pcm, size_t frames,
                           unsigned out_channels, int16_t *buf, size_t *len,
                           size_t cap) {
  riptd_live *live = a->call->live;
  ript_ssize n = ript_resampler_process(a->rs_in, pcm, frames, live->pcm_b,
                                        live->pcm_cap / out_channels);
  if (n <= 0)
    return;
  size_t add = (size_t)n * out_channels;
  if (add > cap)
    return;
  if (*len + add > cap) {
    size_t drop = *len + add - cap;
    memmove(buf, buf + drop, (*len - drop) * sizeof(int16_t));
    *len -= drop;
  }
  memcpy(buf + *len, live->pcm_b, add * sizeof(int16_t));
  *len += add;
}

/* Appends |n| decoded frames to the recording, converted to its format
 * when a renegotiation changed the decoder's. */
static void record_keep(riptd_audio *a, const int16_t *pcm, size_t n) {
  riptd_live *live = a->call->live;
  if (a->rs_in) {
    ript_ssize m = ript_resampler_process(a->rs_in, pcm, n, live->pcm_b,
                                          live->pcm_cap / a->rec_channels);
    if (m <= 0)
      return;
    pcm = live->pcm_b;
    n = (size_t)m;
  }
  size_t most = (size_t)ACTION_RECORD_MAX_S * a->rec_rate * a->rec_channels *
                sizeof(int16_t);
  size_t bytes = n * a->rec_channels * sizeof(int16_t);
  if (a->rec.len + bytes <= most && ript_buf_append(&a->rec, pcm, bytes) != 0)
    fprintf(stderr, "riptd: call %s: out of memory while recording\n",
            a->call->uuid);
}

/* What one decoded frame becomes: echo feeds the FIFO, a conference
 * member what the room hears of it, a recording keeps it. */
static void action_consume(riptd_audio *a, const int16_t *pcm, size_t n) {
  if (a->mode == RIPTD_AUDIO_ECHO) {
    const ript_audio_format *f = ript_audio_encoder_format(a->enc);
    action_convert(a, pcm, n, f->channels, a->fifo, &a->fifo_len,
                   a->fifo_cap);
  } else if (a->mode == RIPTD_AUDIO_ROOM) {
    action_convert(a, pcm, n, 1, a->heard, &a->heard_len, a->heard_cap);
  } else if (a->mode == RIPTD_AUDIO_RECORD) {
    record_keep(a, pcm, n);
  }
}

/* A sender that sends nothing in silence (after comfort noise) leaves a
 * pause in its timestamps; the echo keeps it, or a recording of the echo
 * would run short of the original at every pause. A pause is at least a
 * frame long: a sender's clock that wobbles by a millisecond or two makes
 * none, or its echo would run ever further ahead of the clock. */
static void action_follow_pause(riptd_audio *a, const ript_jitter_frame *f,
                                size_t frames) {
  if (a->mode != RIPTD_AUDIO_ECHO)
    return;
  int64_t frame_ms =
      (int64_t)(frames * 1000 / ript_audio_decoder_format(a->dec)->rate);
  if (a->in_next_ts && f->timestamp_ms - a->in_next_ts >= frame_ms)
    a->out_pause += f->timestamp_ms - a->in_next_ts;
  a->in_next_ts = f->timestamp_ms + frame_ms;
}

/* Decodes the next frame the playout buffer releases by |wall| (a gap
 * is concealed). Returns 0 when none is due. */
static int action_pull_one(riptd_audio *a, int64_t wall) {
  riptd_live *live = a->call->live;
  size_t room = live->pcm_cap / ript_audio_decoder_format(a->dec)->channels;
  ript_jitter_frame f;
  int r = ript_jitter_pop(a->jb, wall, &f);
  if (r <= 0)
    return 0;
  if (r == RIPT_JITTER_FRAME && !f.len)
    return 1; /* the number of a telephone-event or CN: no audio */
  ript_ssize n = ript_audio_decode(a->dec, f.data, f.len, live->pcm_a, room);
  if (n > 0) {
    action_follow_pause(a, &f, (size_t)n);
    action_consume(a, live->pcm_a, (size_t)n);
  }
  return 1;
}

/* Decodes everything the playout buffer releases by |wall|. */
static void action_pull(riptd_audio *a, int64_t wall) {
  while (action_pull_one(a, wall))
    ;
}

/* The next tick is when the playout buffer releases the next frame. */
static void action_follow_jitter(riptd_audio *a, int64_t now, int64_t wall) {
  int64_t next = ript_jitter_next(a->jb);
  a->tick_at = next == INT64_MAX ? INT64_MAX
                                 : now + (next > wall ? next - wall : 0);
}

/* ---- echo ---- */

static void echo_start(riptd_audio *a) {
  if (action_encoder(a) != 0 || action_decoder(a) != 0)
    return;
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  if (action_fifo(a, f->rate, f->channels, f->frame_size) == 0)
    a->mode = RIPTD_AUDIO_ECHO;
}

/* Sends what the playout buffer released, paced: the FIFO holds at most
 * one decoded frame more than an encoder frame, and what is due beyond
 * ECHO_BURST frames waits in the playout buffer for the next tick. */
static void echo_tick(riptd_audio *a, int64_t now) {
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  size_t n = f->frame_size * f->channels;
  int64_t wall = riptd_wall_ms();
  for (int budget = ECHO_BURST; budget > 0;) {
    if (a->fifo_len >= n) {
      action_send_pcm(a, a->fifo, wall);
      memmove(a->fifo, a->fifo + n, (a->fifo_len - n) * sizeof(int16_t));
      a->fifo_len -= n;
      --budget;
    } else if (!action_pull_one(a, wall)) {
      break;
    }
  }
  if (a->fifo_len >= n || ript_jitter_next(a->jb) <= wall)
    a->tick_at = now + f->frame_ms;
  else
    action_follow_jitter(a, now, wall);
}

/* A telephone-event goes back as it came, under our own timestamp: all
 * packets of one event share one timestamp (RFC 4733), so the mapping is
 * kept while the event lasts. */
static void echo_event(riptd_audio *a, const ript_media_frame *in) {
  int64_t ts = (int64_t)in->timestamp == a->te_rx_ts && a->te_tx_ts
                   ? a->te_tx_ts
                   : riptd_wall_ms();
  a->te_rx_ts = (int64_t)in->timestamp;
  a->te_tx_ts = ts;
  ript_media_frame out;
  memset(&out, 0, sizeof(out));
  out.source = action_tx(a)->source;
  out.sink = action_tx(a)->sink;
  out.payload_type = RIPT_PT_TELEPHONE_EVENT;
  out.timestamp = (uint64_t)ts;
  out.media = in->media;
  out.media_len = in->media_len;
  riptd_cmedia_send(a->call, &out);
}

/* ---- play ---- */

static void play_start(riptd_audio *a, int64_t now) {
  if (action_encoder(a) != 0)
    return;
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  const riptd_wav_cache *w = riptd_live_wav(a->call->live,
                                            a->call->route->file, f->rate,
                                            f->channels);
  if (!w)
    return;
  a->play = w->samples;
  a->play_frames = w->frames;
  a->play_start = now;
  a->tick_at = now;
  a->mode = RIPTD_AUDIO_PLAY;
}

/* Sends the frames due by |now|, looping the file. */
static void play_tick(riptd_audio *a, int64_t now) {
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  int16_t *pcm = a->call->live->pcm_a;
  int64_t due = (now - a->play_start) / f->frame_ms + 1;
  int64_t wall = riptd_wall_ms();
  if (due - a->play_sent > ACTION_CATCH_UP)
    a->play_sent = due - ACTION_CATCH_UP;
  for (; a->play_sent < due; ++a->play_sent) {
    for (size_t i = 0; i < f->frame_size; ++i) {
      memcpy(pcm + i * f->channels, a->play + a->play_pos * f->channels,
             f->channels * sizeof(int16_t));
      a->play_pos = (a->play_pos + 1) % a->play_frames;
    }
    action_send_pcm(a, pcm, wall);
  }
  a->tick_at = a->play_start + a->play_sent * f->frame_ms;
}

/* ---- record ---- */

static void record_start(riptd_audio *a) {
  if (action_decoder(a) != 0)
    return;
  const ript_audio_format *d = ript_audio_decoder_format(a->dec);
  if (!a->rec_rate) {
    a->rec_rate = d->rate;
    a->rec_channels = d->channels;
  } else if ((d->rate != a->rec_rate || d->channels != a->rec_channels) &&
             ript_resampler_new(&a->rs_in, d->rate, d->channels, a->rec_rate,
                                a->rec_channels, RIPT_RESAMPLER_QUALITY,
                                NULL) != 0) {
    return;
  }
  a->mode = RIPTD_AUDIO_RECORD;
}

/* The configured file, or DIR/UUID.wav when it names a directory. */
static int record_path(const riptd_call *c, char *out, size_t len) {
  struct stat st;
  const char *file = c->route->file;
  int n = stat(file, &st) == 0 && S_ISDIR(st.st_mode)
              ? snprintf(out, len, "%s/%s.wav", file, c->uuid)
              : snprintf(out, len, "%s", file);
  return n > 0 && (size_t)n < len - 4 ? 0 : -1;
}

static int record_save(const char *path, const ript_buf *wav) {
  char tmp[4100];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return -1;
  size_t n = fwrite(wav->data, 1, wav->len, f);
  if (fclose(f) != 0 || n != wav->len || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Everything still held, gaps concealed, then the file, written whole
 * under a temporary name and renamed into place. */
static void record_write(riptd_audio *a) {
  char path[4096];
  action_pull(a, INT64_MAX / 4);
  size_t frames = a->rec.len / sizeof(int16_t) / a->rec_channels;
  ript_buf wav;
  ript_buf_init(&wav, NULL);
  int rv = ript_wav_write(&wav, (const int16_t *)(const void *)a->rec.data,
                          frames, a->rec_channels, a->rec_rate);
  if (rv != 0)
    fprintf(stderr, "riptd: call %s: cannot record: %s\n", a->call->uuid,
            ript_strerror(rv));
  else if (record_path(a->call, path, sizeof(path)) != 0 ||
           record_save(path, &wav) != 0)
    fprintf(stderr, "riptd: call %s: cannot write the recording to %s: %s\n",
            a->call->uuid, a->call->route->file, strerror(errno));
  ript_buf_free(&wav);
}

/* ---- conference ---- */

static void room_schedule(riptd_room *r) {
  int64_t next = r->start + (r->slots + 1) * ROOM_FRAME_MS;
  for (riptd_audio *m = r->members; m; m = m->room_next) {
    m->tick_at = next;
    riptd_call_schedule(m->call);
  }
}

/* Mixes one slot: each member hears the sum of the others. */
static void room_mix(riptd_room *r, int64_t wall) {
  int16_t *mix = r->members->call->live->pcm_a;
  memset(r->total, 0, sizeof(r->total));
  size_t i = 0;
  for (riptd_audio *m = r->members; m; m = m->room_next, ++i) {
    int16_t *cur = r->cur + i * ROOM_FRAME;
    action_pull(m, wall);
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
  for (riptd_audio *m = r->members; m; m = m->room_next, ++i) {
    const int16_t *cur = r->cur + i * ROOM_FRAME;
    /* Only a member whose media riptd opens is sent the mix; one that is
     * forwarded sealed chunks gets nothing else on that stream (§10.8). */
    if (!m->plain || m->relayed)
      continue;
    for (size_t k = 0; k < ROOM_FRAME; ++k) {
      int32_t v = r->total[k] - cur[k];
      mix[k] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    const ript_audio_format *f = ript_audio_encoder_format(m->enc);
    ript_ssize n = ript_resampler_process(
        m->rs_out, mix, ROOM_FRAME, m->call->live->pcm_b,
        m->call->live->pcm_cap / f->channels);
    if (n > 0 && m->fifo_len + (size_t)n * f->channels <= m->fifo_cap) {
      memcpy(m->fifo + m->fifo_len, m->call->live->pcm_b,
             (size_t)n * f->channels * sizeof(int16_t));
      m->fifo_len += (size_t)n * f->channels;
    }
    action_flush(m, wall);
  }
}

static void room_tick(riptd_room *r, int64_t now) {
  int64_t due = (now - r->start) / ROOM_FRAME_MS;
  int64_t wall = riptd_wall_ms();
  if (due - r->slots > ACTION_CATCH_UP)
    r->slots = due - ACTION_CATCH_UP;
  for (; r->slots < due; ++r->slots)
    room_mix(r, wall);
  room_schedule(r);
}

static riptd_room *room_find(riptd_live *live, const riptd_call *c) {
  for (riptd_room *r = live->rooms; r; r = r->next)
    if (strcmp(r->tg, c->tg) == 0 && strcmp(r->to, c->to) == 0)
      return r;
  riptd_room *r = calloc(1, sizeof(*r));
  if (!r || !(r->tg = strdup(c->tg)) || !(r->to = strdup(c->to))) {
    if (r)
      free(r->tg);
    free(r);
    return NULL;
  }
  r->start = riptd_mono_ms(live);
  r->next = live->rooms;
  live->rooms = r;
  return r;
}

static void room_free(riptd_live *live, riptd_room *r) {
  riptd_room **slot = &live->rooms;
  while (*slot != r)
    slot = &(*slot)->next;
  *slot = r->next;
  free(r->tg);
  free(r->to);
  free(r->cur);
  free(r);
}

static int room_member(riptd_audio *a) {
  if (action_encoder(a) != 0 || action_decoder(a) != 0)
    return -1;
  const ript_audio_format *f = ript_audio_encoder_format(a->enc);
  int rv = action_fifo(a, ROOM_RATE, 1, ROOM_FRAME);
  if (rv == 0)
    rv = ript_resampler_new(&a->rs_out, ROOM_RATE, 1, f->rate, f->channels,
                            RIPT_RESAMPLER_QUALITY, NULL);
  if (rv != 0)
    return rv;
  /* The FIFO takes the mix at the encoder's format. */
  free(a->fifo);
  a->fifo_cap = (ript_resampler_out_max(a->rs_out, ROOM_FRAME) +
                 2 * f->frame_size) *
                f->channels;
  a->fifo = malloc(a->fifo_cap * sizeof(int16_t));
  a->heard_cap = ROOM_HEARD_MAX + ript_resampler_out_max(
                                      a->rs_in,
                                      ript_audio_decoder_max_frames(a->dec));
  a->heard = malloc(a->heard_cap * sizeof(int16_t));
  return a->fifo && a->heard ? 0 : RIPT_ERR_NOMEM;
}

static void room_join(riptd_audio *a) {
  riptd_room *r;
  if (room_member(a) != 0 || !(r = room_find(a->call->live, a->call)))
    return;
  int16_t *cur = realloc(r->cur, (r->nmembers + 1) * ROOM_FRAME *
                                     sizeof(int16_t));
  if (!cur) {
    if (!r->nmembers)
      room_free(a->call->live, r);
    return;
  }
  r->cur = cur;
  a->room = r;
  a->room_next = r->members;
  r->members = a;
  ++r->nmembers;
  a->mode = RIPTD_AUDIO_ROOM;
  room_schedule(r);
}

static void room_leave(riptd_audio *a) {
  riptd_room *r = a->room;
  for (riptd_audio *m = r->members; m; m = m->room_next)
    if (m->hears == a)
      m->hears = NULL;
  riptd_audio **slot = &r->members;
  while (*slot != a)
    slot = &(*slot)->room_next;
  *slot = a->room_next;
  a->room = NULL;
  if (--r->nmembers == 0)
    room_free(a->call->live, r);
}

/* ---- the timeline ---- */

static void action_then(riptd_call *c, int step, int64_t at) {
  c->step = step;
  c->step_at = at;
}

static void action_alert(riptd_call *c, int64_t now) {
  if (!riptd_call_event(c, RIPT_EVENT_ALERTING, NULL))
    return;
  switch (c->route->action) {
  case RIPTD_ACTION_PLAY:
    play_start(&c->audio, now);
    action_then(c, STEP_ANSWER, now + ACTION_PLAY_MS);
    break;
  case RIPTD_ACTION_DECLINE:
    action_then(c, STEP_DECLINE, now + ACTION_DECLINE_MS);
    break;
  case RIPTD_ACTION_NOANSWER:
    action_then(c, STEP_NOANSWER,
                now + c->live->app->cfg->ring_timeout_ms);
    break;
  default:
    action_then(c, STEP_ANSWER, now + ACTION_ANSWER_MS);
  }
}

static void action_answer(riptd_call *c) {
  if (!riptd_call_event(c, RIPT_EVENT_ANSWERED, NULL))
    return;
  if (c->route->action == RIPTD_ACTION_ECHO)
    echo_start(&c->audio);
  else if (c->route->action == RIPTD_ACTION_RECORD)
    record_start(&c->audio);
  else if (c->route->action == RIPTD_ACTION_CONFERENCE)
    room_join(&c->audio);
}

static void action_step(riptd_call *c, int64_t now) {
  int step = c->step;
  char reason[128];
  action_then(c, STEP_NONE, INT64_MAX);
  switch (step) {
  case STEP_ALERT:
    action_alert(c, now);
    break;
  case STEP_ANSWER:
    action_answer(c);
    break;
  case STEP_DECLINE:
    riptd_call_event(c, RIPT_EVENT_DECLINED, "the callee declined the call");
    break;
  case STEP_FAIL:
    snprintf(reason, sizeof(reason), "calls to %s fail on this server",
             c->to);
    riptd_call_event(c, RIPT_EVENT_FAILED, reason);
    break;
  default:
    snprintf(reason, sizeof(reason), "nobody answered within %lld ms",
             (long long)c->live->app->cfg->ring_timeout_ms);
    riptd_call_event(c, RIPT_EVENT_NOANSWER, reason);
  }
}

void riptd_action_start(riptd_call *call) {
  int64_t now = riptd_mono_ms(call->live);
  if (call->route->action == RIPTD_ACTION_FAIL)
    action_then(call, STEP_FAIL, now);
  else
    action_then(call, STEP_ALERT, now + ACTION_ALERT_MS);
}

void riptd_action_run(riptd_call *call, int64_t now) {
  riptd_audio *a = &call->audio;
  if (call->step != STEP_NONE && call->step_at <= now)
    action_step(call, now);
  if (ript_call_state_is_terminal(call->state) || a->tick_at > now)
    return;
  a->tick_at = INT64_MAX;
  if (a->mode == RIPTD_AUDIO_ECHO)
    echo_tick(a, now);
  else if (a->mode == RIPTD_AUDIO_PLAY)
    play_tick(a, now);
  else if (a->mode == RIPTD_AUDIO_ROOM)
    room_tick(a->room, now);
}

int64_t riptd_action_deadline(const riptd_call *call) {
  return call->step_at < call->audio.tick_at ? call->step_at
                                             : call->audio.tick_at;
}

/* Whether |m|'s stream to its client can carry |frame|'s chunk unchanged:
 * the same source and sink (forwarded chunks keep the sender's). */
static int room_fits(const riptd_audio *m, const ript_media_frame *frame) {
  const ript_audio_stream *tx = action_tx(m);
  return tx && tx->source == frame->source && tx->sink == frame->sink;
}

/* A member's sealed chunk goes, unchanged, to every other member that
 * hears it: the first member whose sealed chunks reach one is the one it
 * hears for as long as both are there, since one stream can carry only
 * one sender's sequence numbers. */
void riptd_action_sealed(riptd_call *call, const ript_media_frame *frame) {
  riptd_audio *a = &call->audio;
  if (a->mode != RIPTD_AUDIO_ROOM || !a->room)
    return;
  for (riptd_audio *m = a->room->members; m; m = m->room_next) {
    if (m == a || !room_fits(m, frame))
      continue;
    if (!m->hears && !m->plain)
      m->hears = a;
    if (m->hears != a)
      continue;
    m->relayed = 1;
    if (riptd_cmedia_forward(m->call, frame->chunk, frame->chunk_len) == 0)
      ++call->media.forwarded;
  }
}

void riptd_action_frame(riptd_call *call, const ript_media_frame *frame,
                        int64_t wall) {
  riptd_audio *a = &call->audio;
  const ript_audio_stream *rx = action_rx(a), *tx = action_tx(a);
  if (!rx || frame->source != rx->source || frame->sink != rx->sink)
    return;
  a->plain = 1;
  if (a->mode == RIPTD_AUDIO_ECHO && tx && tx->telephone_event &&
      frame->payload_type == RIPT_PT_TELEPHONE_EVENT)
    echo_event(a, frame);
  if (!a->jb || (a->mode != RIPTD_AUDIO_ECHO &&
                  a->mode != RIPTD_AUDIO_RECORD && a->mode != RIPTD_AUDIO_ROOM))
    return;
  /* Auxiliary payloads share the stream's sequence numbers: an empty frame
   * keeps the playout buffer from taking theirs for lost audio. */
  int audio = frame->payload_type == rx->cfg.payload_type;
  ript_jitter_push(a->jb, frame->sequence, (int64_t)frame->timestamp,
                   audio ? frame->media : NULL, audio ? frame->media_len : 0,
                   wall);
  if (a->mode == RIPTD_AUDIO_RECORD) {
    action_pull(a, wall);
  } else if (a->mode == RIPTD_AUDIO_ECHO) {
    int64_t at = a->tick_at;
    action_follow_jitter(a, riptd_mono_ms(call->live), wall);
    if (at < a->tick_at)
      a->tick_at = at;
    riptd_call_schedule(call);
  }
}

/* Frees the codecs and buffers of the current mode (not the recording). */
static void action_stop(riptd_audio *a) {
  if (a->room)
    room_leave(a);
  ript_audio_encoder_del(a->enc);
  ript_audio_decoder_del(a->dec);
  ript_jitter_del(a->jb);
  ript_resampler_del(a->rs_in);
  ript_resampler_del(a->rs_out);
  free(a->fifo);
  free(a->heard);
  a->enc = NULL;
  a->dec = NULL;
  a->jb = NULL;
  a->rs_in = a->rs_out = NULL;
  a->fifo = a->heard = NULL;
  a->fifo_len = a->heard_len = 0;
  a->play = NULL;
  a->play_pos = 0;
  a->play_sent = 0;
  a->mode = RIPTD_AUDIO_OFF;
  a->tick_at = INT64_MAX;
}

void riptd_action_renegotiate(riptd_call *call) {
  riptd_audio *a = &call->audio;
  riptd_audio_mode mode = a->mode;
  action_stop(a);
  a->out_ts = a->in_next_ts = a->out_pause = 0;
  if (mode == RIPTD_AUDIO_ECHO)
    echo_start(a);
  else if (mode == RIPTD_AUDIO_PLAY)
    play_start(a, riptd_mono_ms(call->live));
  else if (mode == RIPTD_AUDIO_RECORD)
    record_start(a);
  else if (mode == RIPTD_AUDIO_ROOM)
    room_join(a);
}

void riptd_action_end(riptd_call *call) {
  riptd_audio *a = &call->audio;
  if (a->mode == RIPTD_AUDIO_RECORD)
    record_write(a);
  action_stop(a);
  ript_buf_free(&a->rec);
  call->step = STEP_NONE;
  call->step_at = INT64_MAX;
}

/* riptd's actions (server/action.h) without a call: a fake host records
 * the events, frames and forwards of each action, time is an argument the
 * test moves, and a real uv loop runs the recordings' file operations in
 * a temporary directory. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "ript/codec.h"
#include "testutil.h"

#define T0 INT64_C(1700000000000)
#define RING_MS 3000
#define UUID "0b6a5c1e-8d3f-4a9b-9c2d-7e1f0a2b3c4d"
#define PCMU_TX "1 to 1: PCMU; telephone-event;"
#define PCMU_RX "2 to 1: PCMU; telephone-event;"

/* ---- a fake call ---- */

typedef struct sent_frame {
  ript_media_frame f;
  uint8_t media[RIPT_AUDIO_MAX_PACKET];
  int64_t at;
} sent_frame;

typedef struct fake {
  const riptd_action_ops *ops;
  riptd_action *a;
  riptd_route route;
  ript_audio_stream tx, rx;
  riptd_action_ctx ctx;
  ript_call_state state;
  ript_event_type events[8];
  int64_t event_at[8];
  char reasons[8][200];
  size_t nevents;
  int refuse;
  sent_frame *frames;
  size_t nframes;
  uint8_t chunks[8][64];
  size_t chunk_len[8], nchunks;
  size_t schedules;
} fake;

/* The call's state follows the events; a terminal one ends the action
 * inside, as the live call does. */
static int fake_event(void *data, ript_event_type type, const char *reason,
                      int64_t now) {
  fake *f = data;
  ript_call_state next;
  if (f->refuse ||
      ript_call_apply(f->state, type, RIPT_EVENT_DIR_S2C, &next) != 0)
    return 0;
  assert_true(f->nevents < 8);
  f->events[f->nevents] = type;
  f->event_at[f->nevents] = now;
  snprintf(f->reasons[f->nevents], sizeof(f->reasons[0]), "%s",
           reason ? reason : "");
  ++f->nevents;
  f->state = next;
  if (ript_call_state_is_terminal(next))
    f->ops->end(f->a, now);
  return 1;
}

static int fake_send(void *data, const ript_media_frame *frame,
                     int64_t now) {
  fake *f = data;
  f->frames = realloc(f->frames, (f->nframes + 1) * sizeof(*f->frames));
  assert_non_null(f->frames);
  sent_frame *s = &f->frames[f->nframes++];
  s->f = *frame;
  assert_true(frame->media_len <= sizeof(s->media));
  memcpy(s->media, frame->media, frame->media_len);
  s->f.media = s->media;
  s->at = now;
  return 0;
}

static int fake_forward(void *data, const uint8_t *chunk, size_t len,
                        int64_t now) {
  fake *f = data;
  (void)now;
  assert_true(f->nchunks < 8 && len <= sizeof(f->chunks[0]));
  memcpy(f->chunks[f->nchunks], chunk, len);
  f->chunk_len[f->nchunks++] = len;
  return 0;
}

static void fake_schedule(void *data) { ++((fake *)data)->schedules; }

static void fake_stream(ript_audio_stream *s, const char *text) {
  memset(s, 0, sizeof(*s));
  if (text && *text)
    assert_int_equal(ript_audio_stream_parse(s, text, NULL), 0);
}

/* A call to |to| answered by |kind|, in |state| since |state_ms|. */
static void fake_init(fake *f, riptd_action_env *env, riptd_action_kind kind,
                      const char *file, const char *tx, const char *rx,
                      const char *to, ript_call_state state,
                      int64_t state_ms) {
  memset(f, 0, sizeof(*f));
  f->ops = riptd_action_ops_of(kind);
  assert_non_null(f->ops);
  f->route.action = kind;
  f->route.file = (char *)(uintptr_t)file;
  fake_stream(&f->tx, tx);
  fake_stream(&f->rx, rx);
  riptd_action_ctx ctx = {
      {f, fake_event, fake_send, fake_forward, fake_schedule},
      env, &f->route, UUID, "main", to, &f->tx, &f->rx, state, state_ms};
  f->ctx = ctx;
  f->state = state;
}

static void fake_start(fake *f, int64_t now) {
  assert_int_equal(f->ops->start(&f->a, &f->ctx, now), 0);
  assert_int_equal(f->nevents, 0); /* nothing is sent from ->start */
}

static void fake_free(fake *f) {
  f->ops->del(f->a);
  free(f->frames);
}

static int64_t fake_deadline(const fake *f) { return f->ops->deadline(f->a); }

/* Ticks the calls at their deadlines up to |until|. */
static void run(fake **calls, size_t n, int64_t *now, int64_t until) {
  for (int guard = 0;; ++guard) {
    assert_true(guard < 1000000);
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      int64_t d = fake_deadline(calls[i]);
      next = d < next ? d : next;
    }
    if (next > until)
      break;
    if (next > *now)
      *now = next;
    for (size_t i = 0; i < n; ++i)
      if (fake_deadline(calls[i]) <= *now)
        calls[i]->ops->tick(calls[i]->a, *now);
  }
  *now = until > *now ? until : *now;
}

static void run1(fake *f, int64_t *now, int64_t until) {
  run(&f, 1, now, until);
}

/* ---- what a client sends ---- */

typedef struct sender {
  ript_audio_encoder *enc;
  ript_audio_decoder *dec;
  const ript_audio_stream *s;
  uint64_t seq;
  size_t pos;       /* samples of the signal sent */
  double hz;        /* 0: silence */
  int16_t *ref;     /* what was sent, decoded */
  size_t nref;
  uint8_t packet[RIPT_AUDIO_MAX_PACKET];
} sender;

static void sender_init(sender *s, const ript_audio_stream *stream,
                        double hz) {
  memset(s, 0, sizeof(*s));
  s->s = stream;
  s->hz = hz;
  s->seq = 1000;
  assert_int_equal(ript_audio_encoder_new(&s->enc, &stream->cfg, NULL), 0);
  assert_int_equal(ript_audio_decoder_new(&s->dec, &stream->cfg, NULL), 0);
}

static void sender_free(sender *s) {
  ript_audio_encoder_del(s->enc);
  ript_audio_decoder_del(s->dec);
  free(s->ref);
}

/* The next frame of the signal, stamped |ts|. */
static ript_media_frame sender_frame(sender *s, int64_t ts) {
  const ript_audio_format *fmt = ript_audio_encoder_format(s->enc);
  int16_t pcm[960 * 2];
  for (size_t i = 0; i < fmt->frame_size; ++i, ++s->pos)
    for (unsigned c = 0; c < fmt->channels; ++c)
      pcm[i * fmt->channels + c] =
          (int16_t)(8000 * sin(2 * M_PI * s->hz * (double)s->pos / fmt->rate));
  ript_ssize n = ript_audio_encode(s->enc, pcm, fmt->frame_size, s->packet,
                                   sizeof(s->packet));
  assert_true(n > 0);
  int16_t out[5760];
  ript_ssize m = ript_audio_decode(s->dec, s->packet, (size_t)n, out, 5760);
  assert_true(m > 0);
  s->ref = realloc(s->ref, (s->nref + (size_t)m) * sizeof(int16_t));
  assert_non_null(s->ref);
  memcpy(s->ref + s->nref, out, (size_t)m * sizeof(int16_t));
  s->nref += (size_t)m;
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = s->s->source;
  f.sink = s->s->sink;
  f.payload_type = s->s->cfg.payload_type;
  f.timestamp = (uint64_t)ts;
  f.sequence = s->seq++;
  f.media = s->packet;
  f.media_len = (size_t)n;
  return f;
}

/* Sends |count| frames of 20 ms to |to| from |*now| on, ticking |calls|
 * between them; the frames' timestamps are the clock's. */
static void send_frames(sender *s, fake *to, size_t count, fake **calls,
                        size_t n, int64_t *now) {
  for (size_t k = 0; k < count; ++k) {
    run(calls, n, now, *now);
    ript_media_frame f = sender_frame(s, *now);
    to->ops->frame(to->a, &f, *now);
    run(calls, n, now, *now + 20);
  }
}

/* A call to |kind| answered at T0 and taken up at |now| (T0: a new
 * one), |s| its client sending a tone of |hz| on |rx|. */
static void answered(riptd_action_env *env, fake *f, riptd_action_kind kind,
                     const char *file, const char *rx, int64_t now,
                     sender *s, double hz) {
  fake_init(f, env, kind, file, PCMU_TX, rx, "+15550001000",
            RIPT_CALL_ANSWERED, T0);
  fake_start(f, now);
  sender_init(s, &f->rx, hz);
}

/* The mono PCMU frames |f| sent with payload type |pt|, decoded. */
static int16_t *decode_sent(const fake *f, uint32_t pt, size_t *n) {
  ript_audio_config cfg = {RIPT_PT_PCMU, 0, 0, 0, 0, false};
  ript_audio_decoder *dec;
  assert_int_equal(ript_audio_decoder_new(&dec, &cfg, NULL), 0);
  int16_t *pcm = malloc((f->nframes + 1) * 960 * sizeof(int16_t));
  assert_non_null(pcm);
  *n = 0;
  for (size_t i = 0; i < f->nframes; ++i) {
    if (f->frames[i].f.payload_type != pt)
      continue;
    ript_ssize m = ript_audio_decode(dec, f->frames[i].media,
                                     f->frames[i].f.media_len, pcm + *n, 960);
    assert_true(m > 0);
    *n += (size_t)m;
  }
  ript_audio_decoder_del(dec);
  return pcm;
}

static size_t count_pt(const fake *f, uint32_t pt) {
  size_t n = 0;
  for (size_t i = 0; i < f->nframes; ++i)
    n += f->frames[i].f.payload_type == pt;
  return n;
}

/* ---- the environment: a loop, a temporary directory ---- */

typedef struct world {
  uv_loop_t loop;
  riptd_action_env env;
  char dir[64];
  size_t recorded;
} world;

static void world_recorded(riptd_action_env *env) {
  ++((world *)env->data)->recorded;
}

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  if (!w || uv_loop_init(&w->loop) != 0 ||
      riptd_action_env_init(&w->env, &w->loop, NULL, RING_MS) != 0)
    return -1;
  w->env.recorded = world_recorded;
  w->env.data = w;
  snprintf(w->dir, sizeof(w->dir), "/tmp/action_test.XXXXXX");
  if (!mkdtemp(w->dir))
    return -1;
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  uv_run(&w->loop, UV_RUN_DEFAULT);
  assert_int_equal(w->env.recordings_open, 0);
  riptd_action_env_free(&w->env);
  assert_int_equal(uv_loop_close(&w->loop), 0);
  DIR *d = opendir(w->dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", w->dir, e->d_name);
    if (e->d_name[0] != '.')
      unlink(path);
  }
  if (d)
    closedir(d);
  rmdir(w->dir);
  free(w);
  return 0;
}

static void path_in(const world *w, char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", w->dir, name);
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Reads a WAV file whole. */
static void read_wav(const char *path, ript_wav *wav) {
  size_t len;
  char *bytes = ript_test_read_file(path, &len);
  assert_int_equal(ript_wav_parse(wav, (const uint8_t *)bytes, len, NULL,
                                  NULL),
                   0);
  free(bytes);
}

/* ---- the table ---- */

static void test_table(void **state) {
  world *w = *state;
  for (int k = RIPTD_ACTION_ECHO; k <= RIPTD_ACTION_NOANSWER; ++k) {
    const riptd_action_ops *ops = riptd_action_ops_of((riptd_action_kind)k);
    assert_non_null(ops);
    assert_int_equal(ops->kind, k);
    /* Only a conference takes sealed chunks. */
    assert_int_equal(ops->sealed != NULL, k == RIPTD_ACTION_CONFERENCE);
  }
  assert_null(riptd_action_ops_of((riptd_action_kind)(RIPTD_ACTION_NOANSWER +
                                                      1)));
  assert_null(riptd_action_ops_of((riptd_action_kind)-1));
  fake f;
  fake_init(&f, &w->env, RIPTD_ACTION_ECHO, NULL, PCMU_TX, PCMU_RX, "+1",
            RIPT_CALL_PROCEEDING, T0);
  riptd_action *a = NULL;
  f.route.action = (riptd_action_kind)99;
  assert_int_equal(f.ops->start(&a, &f.ctx, T0), RIPT_ERR_INVALID_ARGUMENT);
  f.ctx.route = NULL;
  assert_int_equal(f.ops->start(&a, &f.ctx, T0), RIPT_ERR_INVALID_ARGUMENT);
  assert_null(a);
  f.ops->del(NULL);
}

/* ---- timelines ---- */

typedef struct timeline {
  riptd_action_kind kind;
  ript_event_type outcome;
  int64_t after_ms; /* after alerting */
  const char *reason;
} timeline;

static const timeline timelines[] = {
    {RIPTD_ACTION_ECHO, RIPT_EVENT_ANSWERED, 400, ""},
    {RIPTD_ACTION_PLAY, RIPT_EVENT_ANSWERED, 1000, ""},
    {RIPTD_ACTION_RECORD, RIPT_EVENT_ANSWERED, 400, ""},
    {RIPTD_ACTION_CONFERENCE, RIPT_EVENT_ANSWERED, 400, ""},
    {RIPTD_ACTION_DECLINE, RIPT_EVENT_DECLINED, 500,
     "the callee declined the call"},
    {RIPTD_ACTION_NOANSWER, RIPT_EVENT_NOANSWER, RING_MS,
     "nobody answered within 3000 ms"},
};

/* Sample |i| of the file play plays. */
static int16_t play_sample(size_t i) {
  return (int16_t)(12000 * sin((double)i * 0.05) + (double)(i % 7) * 100);
}

/* A short WAV file for play (|frames| samples of mono 8 kHz). */
static void write_wav(const char *path, size_t frames) {
  int16_t *pcm = malloc(frames * sizeof(int16_t));
  assert_non_null(pcm);
  for (size_t i = 0; i < frames; ++i)
    pcm[i] = play_sample(i);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_wav_write(&b, pcm, frames, 1, 8000), 0);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
  fclose(f);
  ript_buf_free(&b);
  free(pcm);
}

static const char *file_for(world *w, riptd_action_kind kind, char *buf,
                            size_t len) {
  if (kind == RIPTD_ACTION_PLAY) {
    path_in(w, buf, len, "play.wav");
    if (!file_exists(buf))
      write_wav(buf, 1000);
    return buf;
  }
  return kind == RIPTD_ACTION_RECORD ? w->dir : NULL;
}

/* A new call: proceeding, alerting 100 ms later, the outcome at the
 * action's moment; fail fails at once, without alerting. */
static void test_timeline_new(void **state) {
  world *w = *state;
  char file[600];
  for (size_t i = 0; i < sizeof(timelines) / sizeof(timelines[0]); ++i) {
    const timeline *t = &timelines[i];
    fake f;
    fake_init(&f, &w->env, t->kind, file_for(w, t->kind, file, sizeof(file)),
              PCMU_TX, PCMU_RX, "+15550001000", RIPT_CALL_PROCEEDING, T0);
    int64_t now = T0;
    fake_start(&f, now);
    assert_int_equal(fake_deadline(&f), T0 + 100);
    run1(&f, &now, T0 + 99);
    assert_int_equal(f.nevents, 0);
    run1(&f, &now, T0 + 100 + t->after_ms + 200);
    assert_int_equal(f.nevents, 2);
    assert_int_equal(f.events[0], RIPT_EVENT_ALERTING);
    assert_int_equal(f.event_at[0], T0 + 100);
    assert_int_equal(f.events[1], t->outcome);
    assert_int_equal(f.event_at[1], T0 + 100 + t->after_ms);
    assert_string_equal(f.reasons[1], t->reason);
    if (t->outcome != RIPT_EVENT_ANSWERED)
      assert_int_equal(fake_deadline(&f), INT64_MAX); /* ended */
    fake_free(&f);
    uv_run(&w->loop, UV_RUN_DEFAULT);
  }
  fake f;
  fake_init(&f, &w->env, RIPTD_ACTION_FAIL, NULL, PCMU_TX, PCMU_RX,
            "+15550001000", RIPT_CALL_PROCEEDING, T0);
  int64_t now = T0;
  fake_start(&f, now);
  assert_int_equal(fake_deadline(&f), T0);
  run1(&f, &now, T0 + 1000);
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.events[0], RIPT_EVENT_FAILED);
  assert_int_equal(f.event_at[0], T0);
  assert_string_equal(f.reasons[0], "calls to +15550001000 fail on this "
                                    "server");
  assert_int_equal(fake_deadline(&f), INT64_MAX);
  fake_free(&f);
}

/* Resumed: alerting since T0 at T0 + 250, the outcome comes at T0 +
 * its time; proceeding since long ago alerts at once and goes on from
 * then; answered sends nothing; an ended call does nothing. */
static void test_timeline_resume(void **state) {
  world *w = *state;
  char file[600];
  for (size_t i = 0; i < sizeof(timelines) / sizeof(timelines[0]); ++i) {
    const timeline *t = &timelines[i];
    const char *path = file_for(w, t->kind, file, sizeof(file));
    fake f;
    fake_init(&f, &w->env, t->kind, path, PCMU_TX, PCMU_RX, "+15550001000",
              RIPT_CALL_ALERTING, T0);
    int64_t now = T0 + 250;
    fake_start(&f, now);
    run1(&f, &now, T0 + t->after_ms + 100);
    assert_int_equal(f.nevents, 1);
    assert_int_equal(f.events[0], t->outcome);
    assert_int_equal(f.event_at[0], T0 + t->after_ms);
    fake_free(&f);
    uv_run(&w->loop, UV_RUN_DEFAULT);

    fake_init(&f, &w->env, t->kind, path, PCMU_TX, PCMU_RX, "+15550001000",
              RIPT_CALL_PROCEEDING, T0 - 60000);
    now = T0;
    fake_start(&f, now);
    run1(&f, &now, T0 + t->after_ms + 100);
    assert_int_equal(f.nevents, 2);
    assert_int_equal(f.events[0], RIPT_EVENT_ALERTING);
    assert_int_equal(f.event_at[0], T0);
    assert_int_equal(f.event_at[1], T0 + t->after_ms);
    fake_free(&f);
    uv_run(&w->loop, UV_RUN_DEFAULT);

    fake_init(&f, &w->env, t->kind, path, PCMU_TX, PCMU_RX, "+15550001000",
              RIPT_CALL_ENDED, T0);
    now = T0;
    fake_start(&f, now);
    assert_int_equal(fake_deadline(&f), INT64_MAX);
    f.ops->tick(f.a, T0 + 100000);
    assert_int_equal(f.nevents, 0);
    fake_free(&f);
  }
  /* Answered: no event; the media of an action that has some starts at
   * once (play sends at the position the time says, below). */
  for (int k = RIPTD_ACTION_ECHO; k <= RIPTD_ACTION_CONFERENCE; ++k) {
    fake f;
    fake_init(&f, &w->env, (riptd_action_kind)k,
              file_for(w, (riptd_action_kind)k, file, sizeof(file)),
              PCMU_TX, PCMU_RX, "+15550001000", RIPT_CALL_ANSWERED, T0);
    int64_t now = T0 + 250;
    fake_start(&f, now);
    run1(&f, &now, T0 + 1000);
    assert_int_equal(f.nevents, 0);
    assert_int_equal(f.nframes > 0, k == RIPTD_ACTION_PLAY);
    fake_free(&f);
    uv_run(&w->loop, UV_RUN_DEFAULT);
  }
}

/* A refused alerting stops the timeline; media that cannot start (no
 * codec, no file) leaves the timeline running, silent. */
static void test_timeline_refused_and_silent(void **state) {
  world *w = *state;
  fake f;
  fake_init(&f, &w->env, RIPTD_ACTION_ECHO, NULL, PCMU_TX, PCMU_RX, "+1",
            RIPT_CALL_PROCEEDING, T0);
  int64_t now = T0;
  fake_start(&f, now);
  f.refuse = 1;
  run1(&f, &now, T0 + 5000);
  assert_int_equal(f.nevents, 0);
  assert_int_equal(fake_deadline(&f), INT64_MAX);
  fake_free(&f);

  static const riptd_action_kind kinds[] = {
      RIPTD_ACTION_ECHO, RIPTD_ACTION_PLAY, RIPTD_ACTION_RECORD,
      RIPTD_ACTION_CONFERENCE};
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); ++i) {
    /* No codec riptd codes either way (play: no file either). */
    fake_init(&f, &w->env, kinds[i], "/nonexistent/play.wav", "", "", "+1",
              RIPT_CALL_PROCEEDING, T0);
    now = T0;
    fake_start(&f, now);
    sender s;
    ript_audio_stream pcmu;
    fake_stream(&pcmu, PCMU_RX);
    sender_init(&s, &pcmu, 440);
    run1(&f, &now, T0 + 1200);
    fake *calls[] = {&f};
    send_frames(&s, &f, 10, calls, 1, &now);
    assert_int_equal(f.nevents, 2);
    assert_int_equal(f.events[1], RIPT_EVENT_ANSWERED);
    assert_int_equal(f.nframes, 0);
    f.ops->renegotiate(f.a, now);
    fake_free(&f);
    sender_free(&s);
  }
  fake_init(&f, &w->env, RIPTD_ACTION_PLAY, "/nonexistent/play.wav", PCMU_TX,
            PCMU_RX, "+1", RIPT_CALL_ALERTING, T0);
  now = T0;
  fake_start(&f, now);
  run1(&f, &now, T0 + 2000);
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.nframes, 0);
  fake_free(&f);
}

/* ---- echo ---- */

/* What arrives comes back: the same audio, as many frames, one every
 * 20 ms with timestamps 20 ms apart; telephone-events come back as
 * telephone-events with one timestamp per event; a renegotiation moves it
 * to the new codec. */
static void test_echo(void **state) {
  world *w = *state;
  fake f;
  sender s;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_ECHO, NULL, PCMU_RX, now, &s, 440);
  assert_int_equal(fake_deadline(&f), INT64_MAX); /* nothing arrived */
  fake *calls[] = {&f};
  send_frames(&s, &f, 50, calls, 1, &now);
  /* DTMF 5, three packets of one event (RFC 4733: one timestamp). */
  uint8_t te[3][4] = {{5, 10, 0, 160}, {5, 10, 1, 64}, {5, 0x8a, 1, 224}};
  int64_t te_start = now - 40;
  for (int i = 0; i < 3; ++i) {
    ript_media_frame e;
    memset(&e, 0, sizeof(e));
    e.source = f.rx.source;
    e.sink = f.rx.sink;
    e.payload_type = RIPT_PT_TELEPHONE_EVENT;
    e.timestamp = (uint64_t)te_start;
    e.sequence = s.seq++;
    e.media = te[i];
    e.media_len = 4;
    f.ops->frame(f.a, &e, now);
    send_frames(&s, &f, 1, calls, 1, &now);
  }
  send_frames(&s, &f, 47, calls, 1, &now);
  assert_true(f.schedules > 0);
  run1(&f, &now, now + 1000);

  assert_int_equal(count_pt(&f, RIPT_PT_PCMU), 100);
  size_t n;
  int16_t *back = decode_sent(&f, RIPT_PT_PCMU, &n);
  assert_int_equal(n, s.nref);
  assert_memory_equal(back, s.ref, n * sizeof(int16_t));
  free(back);
  const sent_frame *first = NULL;
  size_t k = 0;
  int64_t te_ts = -1;
  size_t nte = 0;
  for (size_t i = 0; i < f.nframes; ++i) {
    const sent_frame *sf = &f.frames[i];
    if (sf->f.payload_type == RIPT_PT_TELEPHONE_EVENT) {
      assert_memory_equal(sf->media, te[nte], 4);
      if (te_ts >= 0)
        assert_int_equal((int64_t)sf->f.timestamp, te_ts);
      te_ts = (int64_t)sf->f.timestamp;
      ++nte;
      continue;
    }
    if (!first) {
      first = sf;
      assert_true(sf->at < T0 + 200); /* the playout delay */
    }
    /* Never ahead of real time; timestamps a frame apart. */
    assert_true(sf->at >= first->at + 20 * (int64_t)k - 20);
    assert_int_equal((int64_t)sf->f.timestamp,
                     (int64_t)first->f.timestamp + 20 * (int64_t)k);
    assert_int_equal(sf->f.source, 1);
    ++k;
  }
  assert_int_equal(nte, 3);

  /* Renegotiated: what riptd sends is opus now (the resampler to 48 kHz
   * holds back a few samples). */
  fake_stream(&f.tx, "1 to 1: opus;");
  f.ops->renegotiate(f.a, now);
  size_t before = f.nframes;
  send_frames(&s, &f, 25, calls, 1, &now);
  run1(&f, &now, now + 1000);
  assert_in_range(count_pt(&f, RIPT_PT_OPUS), 24, 25);
  assert_int_equal(f.nframes - before, count_pt(&f, RIPT_PT_OPUS));
  sender_free(&s);
  fake_free(&f);
}

/* A burst (a replay after an outage) goes back at most two frames a
 * tick, and all of it. */
static void test_echo_burst(void **state) {
  world *w = *state;
  fake f;
  sender s;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_ECHO, NULL, PCMU_RX, now, &s, 300);
  for (int k = 0; k < 40; ++k) {
    ript_media_frame fr = sender_frame(&s, now - 800 + 20 * k);
    f.ops->frame(f.a, &fr, now);
  }
  run1(&f, &now, now + 2000);
  assert_int_equal(f.nframes, 40);
  for (size_t i = 2; i < f.nframes; ++i)
    assert_true(f.frames[i].at > f.frames[i - 2].at);
  sender_free(&s);
  fake_free(&f);
}

/* ---- play ---- */

/* The frames the file gives, encoded as riptd does: frame k holds samples
 * (160 k + i) mod 1000. */
static void play_expect(uint8_t out[160], int64_t k) {
  int16_t pcm[160];
  for (size_t i = 0; i < 160; ++i)
    pcm[i] = play_sample(((size_t)k * 160 + i) % 1000);
  ript_audio_config cfg = {RIPT_PT_PCMU, 0, 0, 0, 0, false};
  ript_audio_encoder *enc;
  assert_int_equal(ript_audio_encoder_new(&enc, &cfg, NULL), 0);
  assert_int_equal(ript_audio_encode(enc, pcm, 160, out, 160), 160);
  ript_audio_encoder_del(enc);
}

static void assert_play_frame(const sent_frame *sf, int64_t k) {
  uint8_t want[160];
  play_expect(want, k);
  assert_int_equal(sf->f.media_len, 160);
  assert_memory_equal(sf->media, want, 160);
}

/* The file from alerting on, one frame every 20 ms, looped; resumed, it
 * goes on where the time says; a late tick catches up ten frames at most
 * and keeps the position the time says. */
static void test_play(void **state) {
  world *w = *state;
  char file[600];
  file_for(w, RIPTD_ACTION_PLAY, file, sizeof(file));
  fake f;
  fake_init(&f, &w->env, RIPTD_ACTION_PLAY, file, PCMU_TX, PCMU_RX, "+1",
            RIPT_CALL_PROCEEDING, T0);
  int64_t now = T0;
  fake_start(&f, now);
  run1(&f, &now, T0 + 2100);
  assert_int_equal(f.nframes, 101);
  size_t early = 0;
  for (size_t k = 0; k < f.nframes; ++k) {
    assert_int_equal(f.frames[k].at, T0 + 100 + 20 * (int64_t)k);
    assert_int_equal((int64_t)f.frames[k].f.timestamp,
                     (int64_t)f.frames[0].f.timestamp + 20 * (int64_t)k);
    assert_int_equal(f.frames[k].f.payload_type, RIPT_PT_PCMU);
    assert_play_frame(&f.frames[k], (int64_t)k);
    early += f.frames[k].at < f.event_at[1];
  }
  assert_int_equal(early, 50); /* 1 s of early media */
  /* Late: 1 s without a tick. */
  f.ops->tick(f.a, now + 1000);
  assert_int_equal(f.nframes, 111);
  assert_play_frame(&f.frames[110], 150);
  fake_free(&f);

  fake_init(&f, &w->env, RIPTD_ACTION_PLAY, file, PCMU_TX, PCMU_RX, "+1",
            RIPT_CALL_ALERTING, T0);
  now = T0 + 730;
  fake_start(&f, now);
  run1(&f, &now, T0 + 1000);
  assert_int_equal(f.nframes, 15);
  for (size_t k = 0; k < f.nframes; ++k)
    assert_play_frame(&f.frames[k], 36 + (int64_t)k);
  assert_int_equal(f.frames[0].at, T0 + 730);
  fake_free(&f);

  /* Answered at T0: the file started 1 s before. */
  fake_init(&f, &w->env, RIPTD_ACTION_PLAY, file, PCMU_TX, PCMU_RX, "+1",
            RIPT_CALL_ANSWERED, T0);
  now = T0 + 100;
  fake_start(&f, now);
  run1(&f, &now, now);
  assert_int_equal(f.nframes, 1);
  assert_play_frame(&f.frames[0], 55);
  fake_free(&f);
}

/* ---- record ---- */

/* Frees |f| (ending it if it was not), lets the file operations finish
 * and reads |name| in the directory. */
static void rec_read(world *w, fake *f, const char *name, ript_wav *wav) {
  char path[600];
  fake_free(f);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  path_in(w, path, sizeof(path), name);
  read_wav(path, wav);
}

/* What arrives is in the file, valid while the call goes and complete
 * under its final name once it ended; a fixed file is written too. */
static void test_record(void **state) {
  world *w = *state;
  fake f;
  sender s;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &s, 440);
  assert_int_equal(w->env.recordings_open, 1);
  fake *calls[] = {&f};
  send_frames(&s, &f, 125, calls, 1, &now);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  char part[600], final[600];
  path_in(w, part, sizeof(part), UUID ".wav.part");
  path_in(w, final, sizeof(final), UUID ".wav");
  assert_false(file_exists(final));
  ript_wav wav;
  read_wav(part, &wav);
  assert_int_equal(wav.rate, 8000);
  assert_true(wav.frames >= 8000);
  assert_memory_equal(wav.samples, s.ref, wav.frames * sizeof(int16_t));
  ript_wav_free(&wav);

  send_frames(&s, &f, 25, calls, 1, &now);
  f.ops->end(f.a, now);
  f.ops->end(f.a, now); /* harmless */
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(w->env.recordings_open, 0);
  assert_int_equal(w->recorded, 1);
  assert_false(file_exists(part));
  assert_int_equal(wav.channels, 1);
  assert_int_equal(wav.frames, s.nref);
  assert_int_equal(wav.frames, 24000);
  assert_memory_equal(wav.samples, s.ref, s.nref * sizeof(int16_t));
  ript_wav_free(&wav);
  sender_free(&s);

  /* A fixed file: FILE.UUID.part, then FILE. */
  char fixed[600];
  path_in(w, fixed, sizeof(fixed), "fixed.wav");
  now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, fixed, PCMU_RX, now, &s, 440);
  send_frames(&s, &f, 10, calls, 1, &now);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  path_in(w, part, sizeof(part), "fixed.wav." UUID ".part");
  assert_true(file_exists(part));
  rec_read(w, &f, "fixed.wav", &wav);
  assert_false(file_exists(part));
  assert_int_equal(wav.frames, 1600);
  ript_wav_free(&wav);
  sender_free(&s);
}

/* Given up after 2 s (as a riptd killed or relieved of the call), taken
 * up again 5 s after the answer: the same file goes on, the gap silent,
 * so the recording keeps the call's time. */
static void test_record_resume(void **state) {
  world *w = *state;
  fake f;
  sender a, b;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &a, 440);
  fake *calls[] = {&f};
  send_frames(&a, &f, 100, calls, 1, &now);
  f.ops->release(f.a, now);
  f.ops->end(f.a, now); /* already given up: nothing more */
  fake_free(&f);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  char part[600], final[600];
  path_in(w, part, sizeof(part), UUID ".wav.part");
  path_in(w, final, sizeof(final), UUID ".wav");
  assert_true(file_exists(part));
  assert_false(file_exists(final));

  now = T0 + 5000;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &b, 700);
  send_frames(&b, &f, 50, calls, 1, &now);
  ript_wav wav;
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(wav.frames, 40000 + 8000);
  assert_memory_equal(wav.samples, a.ref, 16000 * sizeof(int16_t));
  for (size_t i = 16000; i < 40000; ++i)
    assert_int_equal(wav.samples[i], 0);
  assert_memory_equal(wav.samples + 40000, b.ref, 8000 * sizeof(int16_t));
  ript_wav_free(&wav);
  sender_free(&a);
  sender_free(&b);
}

/* Taken up again with another codec (renegotiated before the restart):
 * the file keeps its format, the new audio is converted into it. A
 * temporary file that is not a recording of ours is started afresh. */
static void test_record_resume_other_format(void **state) {
  world *w = *state;
  fake f;
  sender a, o;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &a, 440);
  fake *calls[] = {&f};
  send_frames(&a, &f, 50, calls, 1, &now);
  f.ops->release(f.a, now);
  fake_free(&f);
  uv_run(&w->loop, UV_RUN_DEFAULT);

  now = T0 + 2000;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, "2 to 1: opus;", now,
           &o, 440);
  send_frames(&o, &f, 50, calls, 1, &now);
  ript_wav wav;
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(wav.rate, 8000);
  assert_memory_equal(wav.samples, a.ref, 8000 * sizeof(int16_t));
  for (size_t i = 8000; i < 16000; ++i)
    assert_int_equal(wav.samples[i], 0);
  assert_in_range(wav.frames, 23900, 24000);
  ript_wav_free(&wav);
  sender_free(&a);
  sender_free(&o);

  /* Not a WAV file: overwritten. */
  char part[600];
  path_in(w, part, sizeof(part), UUID ".wav.part");
  FILE *junk = fopen(part, "wb");
  assert_non_null(junk);
  fputs("not a recording, but longer than a WAV header is", junk);
  fclose(junk);
  now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &a, 440);
  send_frames(&a, &f, 10, calls, 1, &now);
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(wav.frames, 1600);
  assert_memory_equal(wav.samples, a.ref, 1600 * sizeof(int16_t));
  ript_wav_free(&wav);
  sender_free(&a);
}

/* A file that cannot be written: said, and the recording is still done
 * (from the loop), so riptd does not wait for it. */
static void test_record_cannot_open(void **state) {
  world *w = *state;
  fake f;
  sender s;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, "/nonexistent/dir/x.wav",
           PCMU_RX, now, &s, 440);
  fake *calls[] = {&f};
  send_frames(&s, &f, 10, calls, 1, &now);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  send_frames(&s, &f, 10, calls, 1, &now);
  assert_int_equal(w->env.recordings_open, 1);
  f.ops->end(f.a, now);
  assert_int_equal(w->recorded, 0); /* never from inside ->end */
  uv_run(&w->loop, UV_RUN_DEFAULT);
  assert_int_equal(w->env.recordings_open, 0);
  assert_int_equal(w->recorded, 1);
  fake_free(&f);
  sender_free(&s);
}

/* A renegotiation to opus at 48 kHz keeps the recording at 8 kHz. */
static void test_record_renegotiate(void **state) {
  world *w = *state;
  fake f;
  sender s, o;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &s, 440);
  fake *calls[] = {&f};
  send_frames(&s, &f, 50, calls, 1, &now);
  fake_stream(&f.rx, "2 to 1: opus;");
  f.ops->renegotiate(f.a, now);
  sender_init(&o, &f.rx, 440);
  send_frames(&o, &f, 50, calls, 1, &now);
  ript_wav wav;
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(wav.rate, 8000);
  assert_int_equal(wav.channels, 1);
  assert_memory_equal(wav.samples, s.ref, 8000 * sizeof(int16_t));
  assert_in_range(wav.frames, 15900, 16100);
  ript_wav_free(&wav);
  sender_free(&s);
  sender_free(&o);
}

/* A disk that does not keep up (the loop does not run: no write ends):
 * 10 s wait in memory, what comes after is dropped and written as
 * silence, so the file still lasts as long as the call. */
static void test_record_slow_disk(void **state) {
  world *w = *state;
  fake f;
  sender s;
  int64_t now = T0;
  answered(&w->env, &f, RIPTD_ACTION_RECORD, w->dir, PCMU_RX, now, &s, 440);
  uv_run(&w->loop, UV_RUN_DEFAULT); /* opened */
  fake *calls[] = {&f};
  send_frames(&s, &f, 650, calls, 1, &now);
  ript_wav wav;
  rec_read(w, &f, UUID ".wav", &wav);
  assert_int_equal(wav.frames, 104000);
  assert_memory_equal(wav.samples, s.ref, 88000 * sizeof(int16_t));
  for (size_t i = 88000; i < wav.frames; ++i)
    assert_int_equal(wav.samples[i], 0);
  ript_wav_free(&wav);
  sender_free(&s);
}

/* ---- conference ---- */

static double similarity(const int16_t *ref, size_t nref, const int16_t *rec,
                         size_t nrec) {
  ript_align_result r;
  assert_int_equal(ript_align(&r, ref, nref, rec, nrec, 4000, NULL), 0);
  return r.correlation;
}

/* Two members hear each other and not themselves (N-1). */
static void test_conference(void **state) {
  world *w = *state;
  fake a, b;
  sender sa, sb;
  int64_t now = T0;
  answered(&w->env, &a, RIPTD_ACTION_CONFERENCE, NULL, PCMU_RX, now, &sa,
           440);
  answered(&w->env, &b, RIPTD_ACTION_CONFERENCE, NULL, PCMU_RX, now, &sb,
           1100);
  fake *calls[] = {&a, &b};
  for (int k = 0; k < 100; ++k) {
    ript_media_frame fa = sender_frame(&sa, now);
    a.ops->frame(a.a, &fa, now);
    ript_media_frame fb = sender_frame(&sb, now);
    b.ops->frame(b.a, &fb, now);
    run(calls, 2, &now, now + 20);
  }
  assert_true(a.nframes >= 95 && b.nframes >= 95);
  size_t na, nb;
  int16_t *heard_a = decode_sent(&a, RIPT_PT_PCMU, &na);
  int16_t *heard_b = decode_sent(&b, RIPT_PT_PCMU, &nb);
  assert_true(similarity(sb.ref, sb.nref, heard_a, na) > 0.9);
  assert_true(similarity(sa.ref, sa.nref, heard_b, nb) > 0.9);
  assert_true(similarity(sa.ref, sa.nref, heard_a, na) < 0.2);
  assert_true(similarity(sb.ref, sb.nref, heard_b, nb) < 0.2);
  free(heard_a);
  free(heard_b);
  fake_free(&a);
  fake_free(&b);
  sender_free(&sa);
  sender_free(&sb);
}

static ript_media_frame sealed_frame(uint8_t *chunk, uint8_t tag,
                                     uint8_t source) {
  memset(chunk, tag, 40);
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = source;
  f.sink = 1;
  f.flags = RIPT_MEDIA_FRAME_FLAG_SEALED;
  f.chunk = chunk;
  f.chunk_len = 40;
  return f;
}

/* §10.8: a sealed chunk goes unchanged to the members that hear its
 * sender, each hearing the first sealed member that reached it; a member
 * riptd opens is never forwarded to, and one forwarded to never gets the
 * mix. */
static void test_conference_sealed(void **state) {
  world *w = *state;
  static const char *rx = "1 to 1: PCMU;";
  fake c, d, e, p;
  fake *all[] = {&c, &d, &e, &p};
  for (size_t i = 0; i < 4; ++i) {
    fake_init(all[i], &w->env, RIPTD_ACTION_CONFERENCE, NULL, "1 to 1: PCMU;",
              rx, "+15550002000", RIPT_CALL_ANSWERED, T0);
    if (all[i] != &e)
      fake_start(all[i], T0);
  }
  int64_t now = T0;
  sender sp;
  sender_init(&sp, &p.rx, 500);
  ript_media_frame plain = sender_frame(&sp, now);
  p.ops->frame(p.a, &plain, now);
  uint8_t chunk[40];
  ript_media_frame fc = sealed_frame(chunk, 0xC, 1);
  assert_int_equal(c.ops->sealed(c.a, &fc, now), 1); /* to d, not to p */
  assert_int_equal(d.nchunks, 1);
  assert_memory_equal(d.chunks[0], chunk, 40);
  assert_int_equal(p.nchunks, 0);
  ript_media_frame fd = sealed_frame(chunk, 0xD, 1);
  assert_int_equal(d.ops->sealed(d.a, &fd, now), 1); /* to c */
  assert_int_equal(c.nchunks, 1);
  assert_int_equal(c.chunks[0][0], 0xD);
  fake_start(&e, now);
  ript_media_frame fe = sealed_frame(chunk, 0xE, 1);
  assert_int_equal(e.ops->sealed(e.a, &fe, now), 0); /* c, d hear others */
  fc = sealed_frame(chunk, 0xC, 1);
  assert_int_equal(c.ops->sealed(c.a, &fc, now), 2); /* d, and e now */
  ript_media_frame other = sealed_frame(chunk, 0xC, 2);
  assert_int_equal(c.ops->sealed(c.a, &other, now), 0); /* another stream */
  run(all, 4, &now, now + 200);
  assert_true(p.nframes > 0);
  assert_int_equal(c.nframes + d.nframes + e.nframes, 0);
  /* c leaves: d and e hear nobody, then the first that reaches them. */
  c.ops->end(c.a, now);
  fe = sealed_frame(chunk, 0xE, 1);
  assert_int_equal(e.ops->sealed(e.a, &fe, now), 1);
  assert_int_equal(d.chunks[d.nchunks - 1][0], 0xE);
  for (size_t i = 0; i < 4; ++i)
    fake_free(all[i]);
  sender_free(&sp);
  assert_null(w->env.rooms);
}

/* ---- life ---- */

/* Ends and releases after an end do nothing; an action freed without an
 * end is ended. */
static void test_end_twice(void **state) {
  world *w = *state;
  fake f;
  fake_init(&f, &w->env, RIPTD_ACTION_CONFERENCE, NULL, PCMU_TX, PCMU_RX,
            "+1", RIPT_CALL_ANSWERED, T0);
  fake_start(&f, T0);
  assert_non_null(w->env.rooms);
  f.ops->end(f.a, T0 + 10);
  assert_null(w->env.rooms);
  f.ops->end(f.a, T0 + 20);
  f.ops->release(f.a, T0 + 20);
  f.ops->tick(f.a, T0 + 5000);
  f.ops->renegotiate(f.a, T0 + 5000);
  assert_int_equal(fake_deadline(&f), INT64_MAX);
  assert_int_equal(f.nevents + f.nframes, 0);
  fake_free(&f);

  fake_init(&f, &w->env, RIPTD_ACTION_CONFERENCE, NULL, PCMU_TX, PCMU_RX,
            "+1", RIPT_CALL_ANSWERED, T0);
  fake_start(&f, T0);
  fake_free(&f);
  assert_null(w->env.rooms);
}

/* Every allocation of ->start and of the media it starts fails in turn:
 * the start fails with nothing stored, or runs silent; nothing leaks. */
static void test_out_of_memory(void **state) {
  world *w = *state;
  char file[600];
  static const riptd_action_kind kinds[] = {
      RIPTD_ACTION_ECHO, RIPTD_ACTION_PLAY, RIPTD_ACTION_RECORD,
      RIPTD_ACTION_CONFERENCE, RIPTD_ACTION_DECLINE};
  ript_test_failmem fm;
  const ript_mem *pool = w->env.pool;
  w->env.pool = &fm.mem;
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); ++i) {
    for (long n = 0;; ++n) {
      ript_test_failmem_init(&fm, n);
      fake f;
      fake_init(&f, &w->env, kinds[i],
                file_for(w, kinds[i], file, sizeof(file)), PCMU_TX, PCMU_RX,
                "+1",
                kinds[i] == RIPTD_ACTION_DECLINE ? RIPT_CALL_PROCEEDING
                                                 : RIPT_CALL_ANSWERED,
                T0);
      riptd_action *a = (riptd_action *)&f;
      int rv = f.ops->start(&a, &f.ctx, T0);
      if (rv == RIPT_ERR_NOMEM) {
        assert_ptr_equal(a, (riptd_action *)&f); /* nothing stored */
        continue;
      }
      assert_int_equal(rv, 0);
      f.a = a;
      sender s;
      sender_init(&s, &f.rx, 440);
      int64_t now = T0;
      fake *calls[] = {&f};
      send_frames(&s, &f, 60, calls, 1, &now);
      fake_free(&f);
      sender_free(&s);
      uv_run(&w->loop, UV_RUN_DEFAULT);
      if (fm.allocs < n)
        break;
    }
  }
  riptd_action_env_free(&w->env); /* the play cache, made with fm */
  w->env.pool = pool;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeline_new, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeline_resume, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeline_refused_and_silent, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
      cmocka_unit_test_setup_teardown(test_echo_burst, setup, teardown),
      cmocka_unit_test_setup_teardown(test_play, setup, teardown),
      cmocka_unit_test_setup_teardown(test_record, setup, teardown),
      cmocka_unit_test_setup_teardown(test_record_resume, setup, teardown),
      cmocka_unit_test_setup_teardown(test_record_resume_other_format, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_record_cannot_open, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_record_renegotiate, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_record_slow_disk, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conference, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conference_sealed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_end_twice, setup, teardown),
      cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * ript-load - the load generator of docs/BENCHMARKS.md: one process, one
 * libuv loop, N concurrent echo calls against a running riptd through the
 * client library (ript/client.h, ript/client_call.h), spread over several
 * ript_client objects (one connection each).
 *
 * The run: enroll one caller-ID certificate and register one handler;
 * start calls at --ramp per second, each with its own PASSporT; from
 * `answered` on, send a pre-encoded 20 ms frame per call every 20 ms and
 * take what the echo sends back; hold every call for --hold seconds; stop
 * sending, let the last chunks come back for LOAD_DRAIN_MS, end every
 * call, remove the handler. The steady window, from the moment every call
 * is answered (at most LOAD_SETTLE_MS after the ramp) to the end of the
 * hold, is where riptd's CPU, the load generator's CPU and the one-way
 * latency are measured.
 *
 * Every phase is bounded in time by one guard timer, every loop by a
 * count.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "load.h"
#include "ript/audio.h"
#include "ript/client.h"
#include "ript/client_call.h"
#include "ript/stir.h"

enum {
  LOAD_FRAMES = 50,          /* pre-encoded frames, sent in a cycle */
  LOAD_DRAIN_MS = 1000,      /* after the last frame sent, before end */
  LOAD_SETTLE_MS = 5000,     /* the steady window starts at the latest then */
  LOAD_LATE_MS = 100,        /* a frame this late is counted and skipped */
  LOAD_CATCH_UP = 5,         /* frames one timer run sends at most */
  LOAD_START_BURST = 200,    /* calls one ramp tick starts at most */
  LOAD_SETUP_GUARD_MS = 60000,
  LOAD_END_GUARD_MS = 40000, /* ending calls and closing the clients */
  LOAD_STREAMS_PER_CONN = 900, /* under riptd's 1000 per connection */
};

typedef enum load_phase {
  PHASE_SETUP = 0, /* certificate and handler */
  PHASE_RAMP,      /* starting calls */
  PHASE_HOLD,      /* every call started */
  PHASE_DRAIN,     /* sending stopped, taking the rest */
  PHASE_ENDING,    /* `end` sent, waiting for every call to close */
  PHASE_CLEANUP,   /* removing the handler, closing the clients */
  PHASE_DONE
} load_phase;

typedef struct load load;

/* One call of the run. */
typedef struct lcall {
  load *L;
  ript_client_call *call; /* NULL before start and after close */
  uint64_t start_ns;
  int described, answered, sending, closed, send_failed;
  uint8_t source, sink;
  uv_timer_t tick; /* paces the frames */
  int64_t next_ms; /* loop time of the next frame */
  int64_t wall_offset; /* Unix ms minus loop time when the media started */
  unsigned frame_i;
} lcall;

struct load {
  load_options opt;
  load_target t;
  uv_loop_t loop;
  load_phase phase;
  int fatal;
  /* clients */
  ript_client **clients;
  unsigned nclients, clients_open;
  /* caller ID and handler */
  ript_stir_key *key;
  char *x5u, *handler_uri, *tg;
  char handler_id[64];
  int setup_pending;
  /* the frames every call sends */
  uint8_t frames[LOAD_FRAMES][RIPT_AUDIO_MAX_PACKET];
  size_t frame_len[LOAD_FRAMES];
  int frames_ready;
  uint32_t pt;
  unsigned frame_ms;
  /* calls */
  lcall *calls;
  unsigned started, settled, closed;
  uint64_t ramp_t0_ns, last_setup_ns;
  int64_t ramp_t0_ms;
  uv_timer_t ramp, phase_timer, window_timer, guard;
  /* the steady window */
  int in_window, window_done;
  uint64_t window_t0_ns;
  double riptd_cpu0, self_cpu0;
  load_result res;
};

static void load_fail(load *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void load_cleanup(load *L);

static uint64_t load_ns(void) { return uv_hrtime(); }

static const char *load_codec(const load *L) {
  return L->opt.opus ? "opus" : "PCMU";
}

static int64_t load_mono(load *L) { return (int64_t)uv_now(&L->loop); }

/* A failure before any call: one line, then the run winds down. */
static void load_fail(load *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ript-load: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  L->fatal = 1;
  load_cleanup(L);
}

/* A client operation's failure as one line (describe never shows the
 * token). */
static void load_describe(load *L, const ript_client_result *res, char *out,
                          size_t len) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (res && ript_client_result_describe(res, L->opt.version, &b) == 0 &&
      b.data)
    snprintf(out, len, "%s", (const char *)b.data);
  else
    snprintf(out, len, "%s", res ? ript_strerror(res->code) : "failed");
  ript_buf_free(&b);
}

/* ---- the frames ---------------------------------------------------------- */

/* LOAD_FRAMES frames of a chirp (300-1500 Hz every 1.7 s) encoded with
 * |cfg|: the load is on riptd, so each call sends these in a cycle. */
static int load_encode_frames(load *L, const ript_audio_config *cfg) {
  ript_audio_encoder *enc = NULL;
  int rv = ript_audio_encoder_new(&enc, cfg, NULL);
  if (rv != 0)
    return rv;
  const ript_audio_format *f = ript_audio_encoder_format(enc);
  int16_t *pcm = malloc(f->frame_size * f->channels * sizeof(int16_t));
  double phase = 0;
  size_t at = 0;
  for (unsigned i = 0; pcm && rv == 0 && i < LOAD_FRAMES; ++i) {
    for (size_t s = 0; s < f->frame_size; ++s, ++at) {
      double t = (double)at / f->rate;
      phase += 2.0 * M_PI * (300.0 + 1200.0 * fmod(t / 1.7, 1.0)) / f->rate;
      for (unsigned c = 0; c < f->channels; ++c)
        pcm[s * f->channels + c] = (int16_t)lrint(8000.0 * sin(phase));
    }
    ript_ssize n = ript_audio_encode(enc, pcm, f->frame_size, L->frames[i],
                                     sizeof(L->frames[i]));
    if (n < 0)
      rv = (int)n;
    else
      L->frame_len[i] = (size_t)n;
  }
  if (!pcm)
    rv = RIPT_ERR_NOMEM;
  if (rv == 0) {
    L->pt = f->payload_type;
    L->frame_ms = f->frame_ms;
    L->frames_ready = 1;
  }
  free(pcm);
  ript_audio_encoder_del(enc);
  return rv;
}

/* The codec of the first stream of a client directive must be the one
 * asked for: riptd picks it by its own preference (its advertisement),
 * so a PCMU run needs a riptd that prefers PCMU (bench/run.sh gives it
 * one). The frames are made from the first call's directive. */
static int load_check_directive(load *L, const char *text, char *why,
                                size_t len) {
  ript_audio_stream s;
  uint32_t want = L->opt.opus ? RIPT_PT_OPUS : RIPT_PT_PCMU;
  int rv = ript_audio_stream_parse(&s, text, NULL);
  if (rv == 0 && s.cfg.payload_type != want) {
    snprintf(why, len, "riptd chose %s for the caller's audio (client "
                       "directive \"%s\"), not %s: its advertisement must "
                       "prefer %s",
             s.codec, text, load_codec(L), load_codec(L));
    rv = RIPT_ERR_MISMATCH;
  } else if (rv != 0) {
    snprintf(why, len, "cannot send on the client directive \"%s\": %s",
             text ? text : "", ript_strerror(rv));
  }
  if (rv == 0 && !L->frames_ready &&
      (rv = load_encode_frames(L, &s.cfg)) != 0)
    snprintf(why, len, "cannot encode %s: %s", load_codec(L),
             ript_strerror(rv));
  return rv;
}

/* ---- the steady window --------------------------------------------------- */

static void load_window_start(load *L) {
  if (L->in_window || L->window_done)
    return;
  L->in_window = 1;
  L->window_t0_ns = load_ns();
  L->self_cpu0 = load_self_cpu_s();
  L->riptd_cpu0 = L->opt.riptd_pid ? load_proc_cpu_s(L->opt.riptd_pid) : -1;
  uv_timer_stop(&L->window_timer);
}

static void load_window_stop(load *L) {
  load_window_start(L); /* an empty window when the hold was too short */
  load_result *r = &L->res;
  L->in_window = 0;
  L->window_done = 1;
  r->window_s = (double)(load_ns() - L->window_t0_ns) / 1e9;
  double self = load_self_cpu_s();
  r->self_cpu_s = self >= 0 && L->self_cpu0 >= 0 ? self - L->self_cpu0 : -1;
  if (L->opt.riptd_pid) {
    double cpu = load_proc_cpu_s(L->opt.riptd_pid);
    r->riptd_cpu_s = cpu >= 0 && L->riptd_cpu0 >= 0 ? cpu - L->riptd_cpu0 : -1;
    r->rss_full_kib = load_proc_rss_kib(L->opt.riptd_pid);
  }
}

static void load_on_window_timer(uv_timer_t *t) {
  load_window_start(t->data);
}

/* A call answered or closed; once all have, after the ramp, the window
 * opens. */
static void load_settled(load *L) {
  L->settled++;
  if (L->phase == PHASE_HOLD && L->settled == L->opt.calls)
    load_window_start(L);
}

/* ---- one call: media ------------------------------------------------------ */

/* One frame; its timestamp is its slot on the call's 20 ms grid, as an
 * audio source's sample clock gives it, not the loop's time of sending. */
static void lcall_send(lcall *c) {
  load *L = c->L;
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = c->source;
  f.sink = c->sink;
  f.payload_type = L->pt;
  f.timestamp = (uint64_t)(c->next_ms + c->wall_offset);
  f.media = L->frames[c->frame_i % LOAD_FRAMES];
  f.media_len = L->frame_len[c->frame_i % LOAD_FRAMES];
  c->frame_i++;
  int rv = ript_client_call_send(c->call, &f);
  if (rv != 0 && !c->send_failed) {
    char line[256];
    snprintf(line, sizeof(line), "sending a frame failed: %s",
             ript_strerror(rv));
    load_result_error(&L->res, line);
    c->send_failed = 1;
  }
}

/* Sends the frames due by now (a few at most), then waits for the next;
 * a generator that falls far behind skips rather than bursts. */
static void lcall_on_tick(uv_timer_t *t) {
  lcall *c = t->data;
  load *L = c->L;
  if (!c->sending || !c->call)
    return;
  int64_t now = load_mono(L);
  if (now - c->next_ms > LOAD_LATE_MS) {
    L->res.late_ticks += (uint64_t)((now - c->next_ms) / L->frame_ms);
    c->next_ms = now;
  }
  for (int n = 0; n < LOAD_CATCH_UP && c->next_ms <= now; ++n) {
    lcall_send(c);
    c->next_ms += L->frame_ms;
  }
  uv_timer_start(&c->tick, lcall_on_tick,
                 c->next_ms > now ? (uint64_t)(c->next_ms - now) : 0, 0);
}

static void lcall_start_media(lcall *c) {
  load *L = c->L;
  if (L->phase > PHASE_HOLD ||
      ript_client_call_tx_stream(c->call, &c->source, &c->sink) != 0 ||
      !c->source) {
    if (L->phase <= PHASE_HOLD)
      load_result_error(&L->res, "an answered call has no stream to send on");
    return;
  }
  c->sending = 1;
  c->next_ms = load_mono(L);
  c->wall_offset = load_wall_ms() - c->next_ms;
  uv_timer_start(&c->tick, lcall_on_tick, 0, 0);
}

/* ---- one call: signaling -------------------------------------------------- */

static void lcall_on_described(ript_client_call *call,
                               const ript_doc_call *desc, void *user_data) {
  lcall *c = user_data;
  load *L = c->L;
  (void)call;
  if (c->described)
    return; /* again after a migration to a new URI */
  c->described = 1;
  uint64_t now = load_ns();
  L->res.setup_us[L->res.nsetup++] = (int64_t)((now - c->start_ns) / 1000);
  L->last_setup_ns = now;
  L->res.described++;
  char why[512];
  if (load_check_directive(L, desc->client_directives, why, sizeof(why)) !=
      0) {
    load_result_error(&L->res, why);
    c->send_failed = 1;
    ript_client_call_end(c->call, "ript-load cannot send the codec");
  }
}

static void lcall_on_event(ript_client_call *call, const ript_event *ev,
                           void *user_data) {
  lcall *c = user_data;
  (void)call;
  if (ev->type != RIPT_EVENT_ANSWERED || c->answered)
    return;
  c->answered = 1;
  load *L = c->L;
  L->res.answer_us[L->res.nanswer++] =
      (int64_t)((load_ns() - c->start_ns) / 1000);
  L->res.answered++;
  if (!c->send_failed)
    lcall_start_media(c);
  load_settled(L);
}

static void lcall_on_frame(ript_client_call *call,
                           const ript_media_frame *frame, void *user_data) {
  lcall *c = user_data;
  load *L = c->L;
  (void)call;
  if (frame->payload_type != L->pt)
    return;
  load_hist_add(L->res.delay_all, frame->delay_ms);
  if (L->in_window)
    load_hist_add(L->res.delay_steady, frame->delay_ms);
}

/* The call's figures into the run's. */
static void lcall_count(lcall *c) {
  load_result *r = &c->L->res;
  ript_client_call_stats st;
  if (ript_client_call_get_stats(c->call, &st) != 0)
    return;
  r->sent += st.media.sent;
  r->acked += st.media.acked;
  r->tx_lost += st.media.unacked + st.media.expired + st.media.overflowed;
  r->received += st.media.received;
  r->expected += st.media.expected;
  r->rx_lost += st.media.lost;
  r->duplicates += st.media.duplicates;
  r->migrations += st.migrations;
  r->panics += st.media_panics;
  r->byways_refused += st.byways_refused;
  r->pings += st.pings_sent;
  r->pongs += st.pongs_received;
  if (st.media.rtt_samples) {
    r->rtt_sum_ms += st.media.srtt_ms;
    r->rtt_calls++;
  }
}

/* Whether the call ended as it should: by our `end`, answered by the
 * server's, and every frame sent. */
static void lcall_judge(lcall *c, const ript_client_call_outcome *o) {
  load *L = c->L;
  char line[512];
  line[0] = '\0';
  if (o->code != 0) {
    char what[400];
    load_describe(L, o->res, what, sizeof(what));
    snprintf(line, sizeof(line), "%s%s", what,
             c->answered ? " (after answered)" : "");
  } else if (o->final != RIPT_EVENT_END || !o->ended_by_us) {
    snprintf(line, sizeof(line), "the call ended with %s%s%s%s",
             ript_event_type_name(o->final) ? ript_event_type_name(o->final)
                                            : "?",
             o->ended_by_us ? "" : " from riptd",
             o->reason ? ": " : "", o->reason ? o->reason : "");
  } else if (!c->answered && !c->send_failed) {
    snprintf(line, sizeof(line), "the call was never answered");
  }
  if (line[0] || c->send_failed) {
    L->res.failed++;
    if (line[0])
      load_result_error(&L->res, line);
  } else {
    L->res.ok++;
  }
}

static void lcall_on_closed(ript_client_call *call,
                            const ript_client_call_outcome *outcome,
                            void *user_data) {
  lcall *c = user_data;
  load *L = c->L;
  (void)call;
  lcall_count(c);
  lcall_judge(c, outcome);
  c->call = NULL;
  c->sending = 0;
  c->closed = 1;
  uv_timer_stop(&c->tick);
  uv_close((uv_handle_t *)&c->tick, NULL);
  if (!c->answered)
    load_settled(L);
  L->closed++;
  if (L->phase == PHASE_ENDING && L->closed == L->started)
    load_cleanup(L);
}

static const ript_client_call_callbacks lcall_callbacks = {
    lcall_on_described, lcall_on_event, lcall_on_frame, lcall_on_closed};

/* Starts call |i|: a fresh PASSporT, then POST {tg}/calls. */
static void lcall_start(load *L, unsigned i) {
  lcall *c = &L->calls[i];
  c->L = L;
  uv_timer_init(&L->loop, &c->tick);
  c->tick.data = c;
  L->started++;
  ript_buf pp;
  ript_buf_init(&pp, NULL);
  int rv = ript_stir_passport_sign(L->t.from, L->t.to, (int64_t)time(NULL),
                                   L->x5u, L->key, &pp);
  ript_client_call_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.tg_uri = L->tg;
  cfg.handler_uri = L->handler_uri;
  cfg.destination = L->t.to;
  cfg.passport = (const char *)pp.data;
  cfg.media = L->opt.media;
  cfg.byways = L->opt.byways;
  cfg.ping_interval_ms = L->opt.ping_ms;
  cfg.give_up_ms = L->opt.give_up_ms;
  c->start_ns = load_ns();
  if (rv == 0)
    rv = ript_client_call_start(L->clients[i % L->nclients], &cfg,
                                &lcall_callbacks, c, &c->call);
  ript_buf_free(&pp);
  if (rv != 0) {
    char line[256];
    snprintf(line, sizeof(line), "cannot start a call: %s",
             ript_strerror(rv));
    load_result_error(&L->res, line);
    L->res.failed++;
    c->closed = 1;
    c->call = NULL;
    uv_close((uv_handle_t *)&c->tick, NULL);
    load_settled(L);
    L->closed++;
  }
}

/* ---- phases --------------------------------------------------------------- */

static void load_on_phase(uv_timer_t *t);

static void load_next_phase(load *L, load_phase phase, uint64_t after_ms) {
  L->phase = phase;
  uv_timer_start(&L->phase_timer, load_on_phase, after_ms, 0);
}

/* Starts the calls due by now at the ramp rate. */
static void load_on_ramp(uv_timer_t *t) {
  load *L = t->data;
  double elapsed_s = (double)(load_mono(L) - L->ramp_t0_ms) / 1000.0;
  double due = floor(elapsed_s * L->opt.ramp) + 1;
  unsigned n = 0;
  while (L->phase == PHASE_RAMP && L->started < L->opt.calls &&
         L->started < due && n++ < LOAD_START_BURST)
    lcall_start(L, L->started);
  if (L->phase != PHASE_RAMP || L->started < L->opt.calls)
    return;
  uv_timer_stop(&L->ramp);
  L->res.started = L->started;
  load_next_phase(L, PHASE_HOLD, (uint64_t)llround(L->opt.hold_s * 1000));
  uv_timer_start(&L->window_timer, load_on_window_timer, LOAD_SETTLE_MS, 0);
  if (L->settled == L->opt.calls)
    load_window_start(L);
}

static void load_stop_sending(load *L) {
  for (unsigned i = 0; i < L->started; ++i) {
    L->calls[i].sending = 0;
    if (!L->calls[i].closed)
      uv_timer_stop(&L->calls[i].tick);
  }
}

static void load_end_calls(load *L) {
  L->phase = PHASE_ENDING;
  uv_timer_stop(&L->phase_timer);
  for (unsigned i = 0; i < L->started; ++i)
    if (L->calls[i].call)
      ript_client_call_end(L->calls[i].call, "ript-load: the run is over");
  if (L->closed == L->started)
    load_cleanup(L);
}

static void load_on_phase(uv_timer_t *t) {
  load *L = t->data;
  if (L->phase == PHASE_HOLD) {
    load_window_stop(L);
    load_stop_sending(L);
    load_next_phase(L, PHASE_DRAIN, LOAD_DRAIN_MS);
  } else if (L->phase == PHASE_DRAIN) {
    load_end_calls(L);
  }
}

/* The guard: whatever is still open is given up. */
static void load_on_guard(uv_timer_t *t) {
  load *L = t->data;
  L->res.timed_out = 1;
  L->fatal |= L->phase == PHASE_SETUP; /* nothing was measured */
  fprintf(stderr, "ript-load: the run did not finish in time (phase %d); "
                  "giving up the calls still open\n",
          (int)L->phase);
  if (L->phase >= PHASE_CLEANUP) {
    uv_stop(&L->loop); /* the clients did not close: leave as is */
    return;
  }
  if (!L->window_done && L->phase >= PHASE_RAMP)
    load_window_stop(L);
  load_stop_sending(L);
  L->phase = PHASE_ENDING;
  for (unsigned i = 0; i < L->started; ++i)
    if (L->calls[i].call)
      ript_client_call_abort(L->calls[i].call);
  if (L->phase == PHASE_ENDING)
    load_cleanup(L);
}

static void load_start_ramp(load *L) {
  if (L->opt.riptd_pid) {
    L->res.rss_base_kib = load_proc_rss_kib(L->opt.riptd_pid);
    if (L->res.rss_base_kib < 0) {
      load_fail(L, "cannot read /proc/%ld/status: is riptd running with "
                   "that PID?",
                (long)L->opt.riptd_pid);
      return;
    }
  }
  L->phase = PHASE_RAMP;
  L->ramp_t0_ms = load_mono(L);
  L->ramp_t0_ns = load_ns();
  uint64_t every = (uint64_t)(1000.0 / L->opt.ramp);
  every = every < 1 ? 1 : every > 20 ? 20 : every;
  uv_timer_start(&L->ramp, load_on_ramp, 0, every);
  double budget_ms = LOAD_SETUP_GUARD_MS + 1000.0 * L->opt.calls / L->opt.ramp +
                     1000.0 * L->opt.hold_s + LOAD_DRAIN_MS + LOAD_END_GUARD_MS;
  uv_timer_start(&L->guard, load_on_guard, (uint64_t)budget_ms, 0);
}

/* ---- setup: certificate and handler -------------------------------------- */

static void load_setup_step_done(load *L) {
  if (--L->setup_pending == 0 && !L->fatal)
    load_start_ramp(L);
}

static void load_on_cert(ript_client *client, const ript_client_result *res,
                         const ript_client_cert *cert, void *user_data) {
  load *L = user_data;
  (void)client;
  char line[512];
  if (L->fatal)
    return;
  if (res->code != 0) {
    load_describe(L, res, line, sizeof(line));
    load_fail(L, "caller-ID certificate for %s: %s", L->t.from, line);
    return;
  }
  if (!(L->x5u = strdup(cert->x5u))) {
    load_fail(L, "out of memory");
    return;
  }
  load_setup_step_done(L);
}

static void load_on_handler(ript_client *client, const ript_client_result *res,
                            const ript_doc_handler *h, void *user_data) {
  load *L = user_data;
  (void)client;
  char line[512];
  if (L->fatal)
    return;
  if (res->code != 0) {
    load_describe(L, res, line, sizeof(line));
    load_fail(L, "registering the handler: %s", line);
    return;
  }
  if (!(L->handler_uri = strdup(h->uri))) {
    load_fail(L, "out of memory");
    return;
  }
  load_setup_step_done(L);
}

static void load_setup_on_tg(load *L) {
  const char *adv = L->opt.opus ? "1 in: opus; 1 out: opus;"
                                : "1 in: PCMU; 1 out: PCMU;";
  snprintf(L->handler_id, sizeof(L->handler_id), "ript-load-%ld",
           (long)getpid());
  L->setup_pending = 2;
  int rv = ript_client_cert_request(L->clients[0], L->tg, L->t.from, L->key,
                                    load_on_cert, L);
  if (rv != 0) {
    load_fail(L, "cannot request a certificate for %s: %s", L->t.from,
              ript_strerror(rv));
    return;
  }
  rv = ript_client_handler_add(L->clients[0], L->tg, L->handler_id, adv,
                               load_on_handler, L);
  if (rv != 0) {
    L->setup_pending = 1; /* the certificate's callback still comes */
    load_fail(L, "cannot register the handler: %s", ript_strerror(rv));
  }
}

static void load_on_tg_list(ript_client *client, const ript_client_result *res,
                            const ript_doc_tg_list *list, void *user_data) {
  load *L = user_data;
  (void)client;
  char line[512];
  if (res->code != 0) {
    load_describe(L, res, line, sizeof(line));
    load_fail(L, "listing the TGs: %s", line);
  } else if (!(L->tg = strdup(list->tgs[0].uri))) {
    load_fail(L, "out of memory");
  } else {
    load_setup_on_tg(L);
  }
}

static void load_setup(load *L) {
  int rv = ript_stir_key_generate(&L->key, NULL);
  if (rv != 0) {
    load_fail(L, "cannot make a caller-ID key: %s", ript_strerror(rv));
    return;
  }
  uv_timer_start(&L->guard, load_on_guard, LOAD_SETUP_GUARD_MS, 0);
  if (L->t.tg) {
    if (!(L->tg = strdup(L->t.tg)))
      load_fail(L, "out of memory");
    else
      load_setup_on_tg(L);
    return;
  }
  rv = ript_client_tg_list(L->clients[0], load_on_tg_list, L);
  if (rv != 0)
    load_fail(L, "cannot list the TGs: %s", ript_strerror(rv));
}

/* ---- cleanup -------------------------------------------------------------- */

/* The last handles: once they are closed the loop has nothing left. */
static void load_close_timers(load *L) {
  L->phase = PHASE_DONE;
  uv_timer_t *timers[] = {&L->ramp, &L->phase_timer, &L->window_timer,
                          &L->guard};
  for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); ++i) {
    uv_timer_stop(timers[i]);
    uv_close((uv_handle_t *)timers[i], NULL);
  }
}

static void load_on_client_closed(void *user_data) {
  load *L = user_data;
  if (--L->clients_open == 0)
    load_close_timers(L);
}

static void load_close_clients(load *L) {
  unsigned n = L->clients_open;
  for (unsigned i = 0; i < n; ++i)
    ript_client_close(L->clients[i], load_on_client_closed, L);
}

static void load_on_handler_deleted(ript_client *client,
                                    const ript_client_result *res,
                                    void *user_data) {
  load *L = user_data;
  (void)client;
  if (res->code != 0) {
    char line[512];
    load_describe(L, res, line, sizeof(line));
    fprintf(stderr, "ript-load: removing the handler: %s\n", line);
  }
  load_close_clients(L);
}

/* Every call is closed (or never started): remove the handler, close the
 * clients. */
static void load_cleanup(load *L) {
  if (L->phase >= PHASE_CLEANUP)
    return;
  if (L->phase == PHASE_RAMP)
    L->res.started = L->started;
  /* Calls still open (a failure during setup or the ramp) are given up. */
  L->phase = PHASE_CLEANUP;
  uv_timer_stop(&L->ramp);
  uv_timer_stop(&L->phase_timer);
  uv_timer_start(&L->guard, load_on_guard, LOAD_END_GUARD_MS, 0);
  for (unsigned i = 0; i < L->started; ++i)
    if (L->calls[i].call)
      ript_client_call_abort(L->calls[i].call);
  if (!L->handler_uri ||
      ript_client_handler_delete(L->clients[0], L->handler_uri,
                                 load_on_handler_deleted, L) != 0)
    load_close_clients(L);
}

/* ---- main ----------------------------------------------------------------- */

/* Connections: riptd takes 1000 streams per connection; a call holds
 * about 3 with datagrams (events GET, the session, a PUT now and then)
 * and byways + 4 with byways. */
static unsigned load_connections(const load_options *o) {
  if (o->connections)
    return o->connections;
  unsigned per_call = o->media == RIPT_CLIENT_MEDIA_DATAGRAM ? 3
                                                             : o->byways + 4;
  unsigned per_conn = LOAD_STREAMS_PER_CONN / per_call;
  unsigned n = (o->calls + per_conn - 1) / per_conn;
  return n < LOAD_CONNECTIONS_MAX ? n : LOAD_CONNECTIONS_MAX;
}

static int load_alloc(load *L) {
  load_result *r = &L->res;
  r->opt = &L->opt;
  r->codec = L->opt.opus ? "opus" : "PCMU";
  r->rss_base_kib = r->rss_full_kib = -1;
  r->riptd_cpu_s = r->self_cpu_s = -1;
  L->calls = calloc(L->opt.calls, sizeof(*L->calls));
  r->setup_us = calloc(L->opt.calls, sizeof(int64_t));
  r->answer_us = calloc(L->opt.calls, sizeof(int64_t));
  r->delay_steady = calloc(1, sizeof(load_hist));
  r->delay_all = calloc(1, sizeof(load_hist));
  L->nclients = r->connections = load_connections(&L->opt);
  L->clients = calloc(L->nclients, sizeof(*L->clients));
  return L->calls && r->setup_us && r->answer_us && r->delay_steady &&
                 r->delay_all && L->clients
             ? 0
             : -1;
}

static int load_clients(load *L, char *err, size_t errlen) {
  ript_client_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.version = L->opt.version;
  cfg.root = L->t.root;
  cfg.token = L->t.token;
  cfg.ca_file = L->t.cacert;
  cfg.connect_attempts = 3;
  for (unsigned i = 0; i < L->nclients; ++i) {
    int rv = ript_client_new(&L->clients[i], &L->loop, &cfg, NULL);
    if (rv != 0) {
      snprintf(err, errlen, "cannot make a client: %s%s", ript_strerror(rv),
               rv == RIPT_ERR_HTTP_TLS ? " (the --cacert file)"
               : rv == RIPT_ERR_INVALID_ARGUMENT
                   ? " (is --root an https URL and --token a bearer token?)"
                   : "");
      return -1;
    }
    L->clients_open++;
  }
  return 0;
}

static void load_init_timers(load *L) {
  uv_timer_t *timers[] = {&L->ramp, &L->phase_timer, &L->window_timer,
                          &L->guard};
  for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); ++i) {
    uv_timer_init(&L->loop, timers[i]);
    timers[i]->data = L;
    }
}

static void load_free(load *L) {
  load_result_free(&L->res);
  load_target_free(&L->t);
  ript_stir_key_del(L->key);
  free(L->calls);
  free(L->clients);
  free(L->x5u);
  free(L->handler_uri);
  free(L->tg);
  free(L);
}

/* Runs the loop to the end; returns the exit status. */
static int load_run(load *L) {
  char err[512];
  if (load_alloc(L) != 0) {
    fprintf(stderr, "ript-load: out of memory\n");
    return LOAD_EXIT_FATAL;
  }
  uv_loop_init(&L->loop);
  load_init_timers(L);
  if (load_clients(L, err, sizeof(err)) != 0) {
    fprintf(stderr, "ript-load: %s\n", err);
    L->fatal = 1;
    L->phase = PHASE_CLEANUP;
    if (L->clients_open)
      load_close_clients(L);
    else
      load_close_timers(L);
  } else {
    load_setup(L);
  }
  uv_run(&L->loop, UV_RUN_DEFAULT);
  /* EBUSY only after the guard stopped a loop whose clients would not
   * close: the process ends anyway. */
  (void)uv_loop_close(&L->loop);
  if (L->fatal)
    return LOAD_EXIT_FATAL;
  L->res.ramp_s = L->last_setup_ns > L->ramp_t0_ns
                      ? (double)(L->last_setup_ns - L->ramp_t0_ns) / 1e9
                      : 0;
  if (load_report(&L->res) != 0) {
    fprintf(stderr, "ript-load: out of memory writing the report\n");
    return LOAD_EXIT_FATAL;
  }
  return L->res.failed || L->res.timed_out ? LOAD_EXIT_FAILED : LOAD_EXIT_OK;
}

int main(int argc, char **argv) {
  load *L = calloc(1, sizeof(*L));
  char err[512];
  if (!L) {
    fprintf(stderr, "ript-load: out of memory\n");
    return LOAD_EXIT_FATAL;
  }
  if (load_options_parse(&L->opt, argc, argv, err, sizeof(err)) != 0) {
    fprintf(stderr, "ript-load: %s\n", err);
    free(L);
    return LOAD_EXIT_USAGE;
  }
  if (L->opt.help) {
    fputs(load_usage(), stdout);
    free(L);
    return LOAD_EXIT_OK;
  }
  if (load_target_resolve(&L->t, &L->opt, err, sizeof(err)) != 0) {
    fprintf(stderr, "ript-load: %s\n", err);
    free(L);
    return LOAD_EXIT_USAGE;
  }
  int status = load_run(L);
  load_free(L);
  return status;
}

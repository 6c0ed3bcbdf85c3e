/*
 * ript_mcall - the media side of a RIPT call, for the integration tests:
 * libript's HTTP client, a client media session and the audio toolkit
 * against a running riptd.
 *
 *   ript_mcall call --cacert FILE --token TOKEN --call URI
 *              [--http2] [--byways] [--seconds S] [--gets N]
 *              [--drop-at MS --down-ms MS] [--sent FILE.wav]
 *              [--received FILE.wav] [--silent] [--dtmf DIGITS]
 *              [--min-correlation X] [--expect-early] [--ts-wobble MS]
 *
 * call: resumes the call with the client library (ript/client_call.h),
 * which reads the call description, keeps GET {call}/events open and
 * opens the media (a WebTransport session with datagrams over HTTP/3, or
 * with --byways / --http2 a PUT per chunk and N reverse media byways, 20
 * by default); waits for "answered", sends S seconds (5) of a synthetic
 * voice-like signal (a non-repeating chirp with a syllable envelope) at
 * 20 ms pacing with the client directive's codec, keeps what comes back
 * for 1.5 s more, sends "end" on a PUT {call}/events and waits for "end"
 * on the GET. Then it decodes what came back in sequence order (gaps
 * concealed), aligns it with what was sent and prints one line of
 * figures: correlation, lag, chunks sent, acknowledged, received, lost,
 * acknowledgements received, 429s, media-panics, early frames, migrations,
 * and the smallest one-way delay of the audio that came back after
 * "answered" (chunk timestamp to arrival, on this machine's clock).
 *   --gets N         open N reverse media byways at first (riptd takes 30)
 *   --drop-at MS     cuts the connection MS after media starts, and no new
 *                    one opens for --down-ms (ript_client_cut): events and
 *                    media resume on the same call URI, kept chunks are
 *                    replayed
 *   --sent FILE      writes the signal sent as a WAV file
 *   --received FILE  writes what came back, decoded, as a WAV file
 *   --silent         sends silence instead (a conference listener)
 *   --dtmf DIGITS    also sends DIGITS as telephone-events (RFC 4733) and
 *                    exit 1 unless exactly they come back
 *   --min-correlation X  exit 1 below X (default 0: no check)
 *   --expect-early   exit 1 unless media arrived before "answered"
 *   --ts-wobble MS   stamps every other frame MS late, as a sender paced
 *                    by a coarse clock does
 * (The aligned correlation of two WAV files: tools/wav_compare.c.)
 * Exit status 0, 1 for a failed check or error, 2 for usage.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ript/audio.h"
#include "ript/client_call.h"
#include "ript/doc.h"
#include "ript/event.h"

enum {
  MC_TICK_MS = 20,
  MC_DRAIN_MS = 1500,
  MC_GETS = 20,
  MC_ALIGN_RATE = 8000,
  MC_MAX_LAG_MS = 3000,
};

typedef enum mc_phase {
  MC_SETUP = 0,   /* reading the call description */
  MC_RINGING,     /* waiting for answered */
  MC_SENDING,     /* sending the signal */
  MC_DRAINING,    /* keeping what comes back */
  MC_ENDING,      /* end sent, waiting for end */
  MC_DONE
} mc_phase;

typedef struct mc_frame {
  uint64_t seq;
  uint8_t *data; /* NULL: a telephone-event, which shares the numbers */
  size_t len;
} mc_frame;

typedef struct mc_args {
  const char *cacert, *token, *call, *sent, *received, *dtmf;
  ript_http_version version;
  int byways, gets, expect_early, silent;
  double seconds, min_corr;
  int64_t drop_at, down_ms, ts_wobble;
} mc_args;

typedef struct mc {
  mc_args a;
  uv_loop_t loop;
  uv_timer_t tick, guard;
  ript_client *client;
  ript_client_call *call;
  mc_phase phase;
  int closing, failed;
  ript_client_call_stats stats; /* at the end */
  /* the call */
  uint8_t tx_source, tx_sink, rx_source, rx_sink;
  ript_audio_encoder *enc;
  ript_audio_config rx_cfg;
  int rx_ok;
  /* the signal */
  int16_t *signal;
  size_t signal_frames; /* samples per channel */
  int64_t send_start, sent_frames, drain_until;
  /* what came back */
  mc_frame *frames;
  size_t nframes, cap;
  size_t early;
  int64_t min_delay_ms; /* of the audio after answered; INT64_MAX: none */
  int answered, ended, first_after_reconnect;
  ript_event_type first_event;
  /* telephone-events */
  ript_dtmf_sender dtmf_tx;
  ript_dtmf_receiver dtmf_rx;
  char heard[64];
  size_t nheard;
  /* the outage */
  int reconnected;
} mc;

static int64_t mc_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mc_close(mc *m);

static void mc_fail(mc *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mc_fail(mc *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ript_mcall: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  m->failed = 1;
  if (m->call)
    ript_client_call_abort(m->call);
  else
    mc_close(m);
}

/* ---- media in ---- */

/* A telephone-event that came back: each event is reported once. */
static void mc_on_event_frame(mc *m, const ript_media_frame *f) {
  ript_dtmf_event ev;
  if (ript_dtmf_decode(&ev, f->media, f->media_len, NULL) == 0 &&
      ript_dtmf_receiver_push(&m->dtmf_rx, (int64_t)f->timestamp, &ev) == 1 &&
      m->nheard + 1 < sizeof(m->heard) && ript_dtmf_digit(ev.event))
    m->heard[m->nheard++] = ript_dtmf_digit(ev.event);
}

static void mc_on_frame(ript_client_call *call, const ript_media_frame *f,
                        void *user_data) {
  mc *m = user_data;
  (void)call;
  int event = f->payload_type == RIPT_PT_TELEPHONE_EVENT;
  if (event)
    mc_on_event_frame(m, f);
  if (!m->rx_ok || f->source != m->rx_source || f->sink != m->rx_sink ||
      (f->payload_type != m->rx_cfg.payload_type && !event))
    return;
  if (!m->answered && !event)
    ++m->early;
  if (m->answered && !event && f->delay_ms < m->min_delay_ms)
    m->min_delay_ms = f->delay_ms;
  if (m->nframes == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 512;
    mc_frame *grown = realloc(m->frames, cap * sizeof(*grown));
    if (!grown)
      return;
    m->frames = grown;
    m->cap = cap;
  }
  mc_frame *c = &m->frames[m->nframes];
  c->data = event ? NULL : malloc(f->media_len ? f->media_len : 1);
  if (!event && !c->data)
    return;
  if (!event)
    memcpy(c->data, f->media, f->media_len);
  c->len = f->media_len;
  c->seq = f->sequence;
  ++m->nframes;
}

/* ---- media out ---- */

static void mc_send(mc *m, uint32_t pt, uint64_t timestamp,
                    const uint8_t *media, size_t len) {
  ript_media_frame frame;
  memset(&frame, 0, sizeof(frame));
  frame.source = m->tx_source;
  frame.sink = m->tx_sink;
  frame.payload_type = pt;
  frame.timestamp = timestamp;
  frame.media = media;
  frame.media_len = len;
  int rv = ript_client_call_send(m->call, &frame);
  if (rv != 0)
    mc_fail(m, "cannot send media: %s", ript_strerror(rv));
}

/* The telephone-events due now (RFC 4733 packets of the digits asked). */
static void mc_send_dtmf(mc *m) {
  ript_dtmf_packet pkt;
  while (ript_dtmf_sender_poll(&m->dtmf_tx, mc_wall(), &pkt) == 1) {
    uint8_t payload[RIPT_DTMF_PAYLOAD_LEN];
    size_t len = (size_t)ript_dtmf_encode(&pkt.event, payload,
                                          sizeof(payload));
    mc_send(m, RIPT_PT_TELEPHONE_EVENT, (uint64_t)pkt.timestamp_ms, payload,
            len);
  }
}

static void mc_send_frame(mc *m) {
  const ript_audio_format *f = ript_audio_encoder_format(m->enc);
  int16_t pcm[2 * 48000 * 120 / 1000];
  size_t n = f->frame_size * f->channels;
  size_t at = (size_t)m->sent_frames * f->frame_size;
  for (size_t i = 0; i < n; ++i) {
    size_t s = at * f->channels + i;
    pcm[i] = s < m->signal_frames * f->channels ? m->signal[s] : 0;
  }
  uint8_t packet[RIPT_AUDIO_MAX_PACKET];
  ript_ssize len = ript_audio_encode(m->enc, pcm, f->frame_size, packet,
                                     sizeof(packet));
  if (len > 0)
    mc_send(m, f->payload_type,
            (uint64_t)(m->send_start + m->sent_frames * f->frame_ms +
                       (m->sent_frames & 1 ? m->a.ts_wobble : 0)),
            packet, (size_t)len);
  ++m->sent_frames;
}

/* ---- signaling ---- */

static void mc_on_event(ript_client_call *call, const ript_event *ev,
                        void *user_data) {
  mc *m = user_data;
  (void)call;
  if (m->first_after_reconnect) {
    m->first_after_reconnect = 0;
    m->first_event = ev->type;
  }
  if (ev->type == RIPT_EVENT_ANSWERED)
    m->answered = 1;
  else if (ev->type == RIPT_EVENT_MIGRATE)
    m->first_after_reconnect = 1; /* the new GET's announcement */
  else if (ev->type == RIPT_EVENT_END)
    m->ended = 1;
  else if (ev->type == RIPT_EVENT_DECLINED || ev->type == RIPT_EVENT_FAILED ||
           ev->type == RIPT_EVENT_NOANSWER)
    mc_fail(m, "the call ended with %s", ript_event_type_name(ev->type));
}

static void mc_on_closed(ript_client_call *call,
                         const ript_client_call_outcome *out,
                         void *user_data) {
  mc *m = user_data;
  ript_client_call_get_stats(call, &m->stats);
  m->call = NULL;
  if (out->code != 0 && !m->failed) {
    ript_buf line;
    ript_buf_init(&line, NULL);
    ript_client_result_describe(out->res, m->a.version, &line);
    ript_buf_append(&line, "", 1);
    mc_fail(m, "%s", (const char *)line.data);
    ript_buf_free(&line);
  }
  mc_close(m);
}

/* ---- the clock ---- */

static void mc_on_tick(uv_timer_t *t) {
  mc *m = t->data;
  int64_t now = (int64_t)uv_now(&m->loop);
  if (!m->call)
    return;
  if (m->phase == MC_RINGING && m->answered) {
    m->phase = MC_SENDING;
    m->send_start = mc_wall();
    if (m->a.dtmf)
      ript_dtmf_sender_push(&m->dtmf_tx, m->a.dtmf, strlen(m->a.dtmf));
  }
  if (m->phase == MC_SENDING)
    mc_send_dtmf(m);
  if (m->call && (m->phase == MC_SENDING || m->phase == MC_DRAINING)) {
    const ript_audio_format *f = ript_audio_encoder_format(m->enc);
    int64_t total = (int64_t)(m->signal_frames / f->frame_size);
    int64_t due = (mc_wall() - m->send_start) / f->frame_ms + 1;
    while (m->call && m->sent_frames < due && m->sent_frames < total)
      mc_send_frame(m);
    if (m->phase == MC_SENDING && m->sent_frames >= total) {
      m->phase = MC_DRAINING;
      m->drain_until = now + MC_DRAIN_MS;
    }
    if (m->a.drop_at && !m->reconnected &&
        mc_wall() - m->send_start >= m->a.drop_at) {
      m->reconnected = 1;
      m->first_after_reconnect = 1;
      ript_client_cut(m->client, (uint64_t)m->a.down_ms);
    }
  }
  if (m->call && m->phase == MC_DRAINING && now >= m->drain_until) {
    m->phase = MC_ENDING;
    if (ript_client_call_end(m->call, "ript_mcall is done") != 0)
      mc_fail(m, "cannot send end");
  }
}

static void mc_on_guard(uv_timer_t *t) {
  mc *m = t->data;
  mc_fail(m, "the call did not finish in time (phase %d, answered %d)",
          (int)m->phase, m->answered);
}

static void mc_close(mc *m) {
  if (m->closing)
    return;
  m->closing = 1;
  m->phase = MC_DONE;
  uv_timer_stop(&m->tick);
  uv_timer_stop(&m->guard);
  uv_close((uv_handle_t *)&m->tick, NULL);
  uv_close((uv_handle_t *)&m->guard, NULL);
  if (m->client)
    ript_client_close(m->client, NULL, NULL);
  m->client = NULL;
}

/* ---- the call description ---- */

/* The first stream of a directive: its source, sink and codec. */
static int mc_stream(const char *text, uint8_t *source, uint8_t *sink,
                     ript_audio_config *cfg) {
  ript_audio_stream s;
  int rv = ript_audio_stream_parse(&s, text, NULL);
  if (rv == 0) {
    *source = s.source;
    *sink = s.sink;
    *cfg = s.cfg;
  }
  return rv;
}

/* The signal: a chirp from 300 Hz up to 1500 Hz every 1.7 s, a second
 * voice at a third of the frequency, a syllable envelope (3.3 Hz) and a
 * little noise: speech-like in level and spectrum, never repeating. */
static int mc_signal(mc *m) {
  const ript_audio_format *f = ript_audio_encoder_format(m->enc);
  m->signal_frames = (size_t)(m->a.seconds * f->rate);
  m->signal_frames -= m->signal_frames % f->frame_size;
  m->signal = calloc(m->signal_frames * f->channels, sizeof(int16_t));
  if (!m->signal)
    return RIPT_ERR_NOMEM;
  double phase = 0;
  uint32_t seed = 12345;
  for (size_t i = 0; i < m->signal_frames; ++i) {
    double t = (double)i / f->rate;
    double sweep = t / 1.7 - floor(t / 1.7);
    double hz = 300.0 + 1200.0 * sweep;
    phase += 2.0 * M_PI * hz / f->rate;
    double env = 0.55 + 0.45 * sin(2.0 * M_PI * 3.3 * t);
    seed = seed * 1103515245u + 12345u;
    double noise = ((double)(seed >> 16 & 0x7fff) / 16384.0 - 1.0) * 0.05;
    double v = env * (0.7 * sin(phase) + 0.3 * sin(phase / 3.0)) + noise;
    if (m->a.silent)
      v = 0;
    for (unsigned c = 0; c < f->channels; ++c)
      m->signal[i * f->channels + c] = (int16_t)lrint(9000.0 * v);
  }
  return 0;
}

static void mc_described(ript_client_call *call, const ript_doc_call *doc,
                         void *user_data) {
  mc *m = user_data;
  ript_audio_config tx_cfg;
  (void)call;
  if (m->enc)
    return; /* described again after a migration */
  if (mc_stream(doc->client_directives, &m->tx_source, &m->tx_sink,
                &tx_cfg) != 0) {
    mc_fail(m, "cannot use the directives of %s", m->a.call);
    return;
  }
  m->rx_ok = mc_stream(doc->server_directives, &m->rx_source, &m->rx_sink,
                       &m->rx_cfg) == 0;
  if (ript_audio_encoder_new(&m->enc, &tx_cfg, NULL) != 0 ||
      mc_signal(m) != 0) {
    mc_fail(m, "cannot start the media");
    return;
  }
  ript_dtmf_sender_config dc = {0, 0, MC_TICK_MS, 0};
  ript_dtmf_sender_init(&m->dtmf_tx, &dc);
  ript_dtmf_receiver_init(&m->dtmf_rx);
  m->phase = MC_RINGING;
  uv_timer_start(&m->tick, mc_on_tick, MC_TICK_MS, MC_TICK_MS);
}

/* ---- figures ---- */

static int mc_frame_cmp(const void *a, const void *b) {
  uint64_t x = ((const mc_frame *)a)->seq, y = ((const mc_frame *)b)->seq;
  return x < y ? -1 : x > y;
}

/* What came back, decoded in sequence order with the gaps concealed. */
static int16_t *mc_decode(mc *m, size_t *frames, uint32_t *rate,
                          unsigned *channels) {
  ript_audio_decoder *dec = NULL;
  *frames = 0;
  if (!m->nframes || ript_audio_decoder_new(&dec, &m->rx_cfg, NULL) != 0)
    return NULL;
  qsort(m->frames, m->nframes, sizeof(*m->frames), mc_frame_cmp);
  const ript_audio_format *f = ript_audio_decoder_format(dec);
  size_t room = ript_audio_decoder_max_frames(dec);
  uint64_t span = m->frames[m->nframes - 1].seq - m->frames[0].seq + 1;
  size_t cap = (size_t)(span + 8) * room * f->channels;
  int16_t *pcm = malloc(cap * sizeof(int16_t));
  size_t at = 0;
  uint64_t want = m->frames[0].seq;
  for (size_t i = 0; pcm && i < m->nframes; ++i) {
    const mc_frame *c = &m->frames[i];
    if (c->seq < want)
      continue; /* a duplicate */
    for (; want < c->seq && at + room * f->channels <= cap; ++want)
      at += (size_t)ript_audio_decode(dec, NULL, 0, pcm + at, room) *
            f->channels;
    ript_ssize n = c->data ? ript_audio_decode(dec, c->data, c->len,
                                               pcm + at, room)
                           : 0;
    if (n > 0)
      at += (size_t)n * f->channels;
    want = c->seq + 1;
  }
  *rate = f->rate;
  *channels = f->channels;
  *frames = at / f->channels;
  ript_audio_decoder_del(dec);
  return pcm;
}

static int mc_write_wav(const char *path, const int16_t *pcm, size_t frames,
                        unsigned channels, uint32_t rate) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = ript_wav_write(&b, pcm, frames, channels, rate);
  FILE *f = rv == 0 ? fopen(path, "wb") : NULL;
  if (f) {
    rv = fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
    rv = fclose(f) == 0 ? rv : -1;
  }
  ript_buf_free(&b);
  return f ? rv : -1;
}

static int mc_report(mc *m) {
  const ript_audio_format *ef = ript_audio_encoder_format(m->enc);
  size_t frames = 0;
  uint32_t rate = 0;
  unsigned channels = 0;
  int16_t *rec = mc_decode(m, &frames, &rate, &channels);
  ript_align_result res = {0, 0.0, 0};
  if (rec && frames) {
    ript_align_signal ref = {m->signal, m->signal_frames, ef->rate,
                             ef->channels};
    ript_align_signal got = {rec, frames, rate, channels};
    ript_align_resampled(&res, &ref, &got, MC_ALIGN_RATE, MC_MAX_LAG_MS,
                         NULL);
  }
  if (m->a.received &&
      mc_write_wav(m->a.received, rec, frames, channels, rate) != 0)
    fprintf(stderr, "ript_mcall: cannot write %s\n", m->a.received);
  free(rec);
  if (m->a.sent &&
      mc_write_wav(m->a.sent, m->signal, m->signal_frames, ef->channels,
                   ef->rate) != 0)
    fprintf(stderr, "ript_mcall: cannot write %s\n", m->a.sent);
  const ript_media_stats st = m->stats.media;
  printf("correlation=%.3f lag_ms=%.1f sent=%llu acked=%llu replayed=%llu "
         "received=%llu lost=%llu duplicates=%llu acks_received=%llu "
         "failed=%llu rtt_ms=%.1f gets_429=%d panics=%d early=%zu "
         "reconnected=%d migrations=%llu first_event=%s dtmf=%s "
         "min_delay_ms=%lld\n",
         res.correlation, (double)res.lag * 1000.0 / MC_ALIGN_RATE,
         (unsigned long long)st.sent, (unsigned long long)st.acked,
         (unsigned long long)st.replayed, (unsigned long long)st.received,
         (unsigned long long)st.lost, (unsigned long long)st.duplicates,
         (unsigned long long)st.acks_received,
         (unsigned long long)st.failed_total, st.srtt_ms,
         (int)m->stats.byways_refused, (int)m->stats.media_panics, m->early,
         m->reconnected, (unsigned long long)m->stats.migrations,
         m->reconnected || m->stats.migrations
             ? ript_event_type_name(m->first_event)
             : "-",
         m->nheard ? m->heard : "-",
         (long long)(m->min_delay_ms == INT64_MAX ? 0 : m->min_delay_ms));
  int ok = !m->failed && m->ended;
  if (res.correlation < m->a.min_corr) {
    fprintf(stderr, "ript_mcall: correlation %.3f below %.3f\n",
            res.correlation, m->a.min_corr);
    ok = 0;
  }
  if (m->a.expect_early && !m->early) {
    fprintf(stderr, "ript_mcall: no media before answered\n");
    ok = 0;
  }
  if (!m->ended && !m->failed)
    fprintf(stderr, "ript_mcall: no end event\n");
  if (m->a.dtmf && strcmp(m->heard, m->a.dtmf) != 0) {
    fprintf(stderr, "ript_mcall: sent DTMF %s, heard %s\n", m->a.dtmf,
            m->heard);
    ok = 0;
  }
  return ok ? 0 : 1;
}

/* ---- main ---- */

static int mc_args_parse(mc_args *a, int argc, char **argv) {
  memset(a, 0, sizeof(*a));
  a->version = RIPT_HTTP_3;
  a->seconds = 5;
  a->gets = MC_GETS;
  a->down_ms = 1000;
  for (int i = 2; i < argc; ++i) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(o, "--http2") == 0)
      a->version = RIPT_HTTP_2;
    else if (strcmp(o, "--byways") == 0)
      a->byways = 1;
    else if (strcmp(o, "--expect-early") == 0)
      a->expect_early = 1;
    else if (strcmp(o, "--silent") == 0)
      a->silent = 1;
    else if (!v)
      return -1;
    else if (strcmp(o, "--cacert") == 0)
      a->cacert = argv[++i];
    else if (strcmp(o, "--token") == 0)
      a->token = argv[++i];
    else if (strcmp(o, "--call") == 0)
      a->call = argv[++i];
    else if (strcmp(o, "--sent") == 0)
      a->sent = argv[++i];
    else if (strcmp(o, "--received") == 0)
      a->received = argv[++i];
    else if (strcmp(o, "--dtmf") == 0)
      a->dtmf = argv[++i];
    else if (strcmp(o, "--seconds") == 0)
      a->seconds = atof(argv[++i]);
    else if (strcmp(o, "--gets") == 0)
      a->gets = atoi(argv[++i]);
    else if (strcmp(o, "--drop-at") == 0)
      a->drop_at = atoll(argv[++i]);
    else if (strcmp(o, "--down-ms") == 0)
      a->down_ms = atoll(argv[++i]);
    else if (strcmp(o, "--min-correlation") == 0)
      a->min_corr = atof(argv[++i]);
    else if (strcmp(o, "--ts-wobble") == 0)
      a->ts_wobble = atoll(argv[++i]);
    else
      return -1;
  }
  if (a->version == RIPT_HTTP_2)
    a->byways = 1;
  return a->cacert && a->token && a->call && a->seconds > 0 &&
                 a->gets > 0 && a->gets <= RIPT_CLIENT_CALL_MAX_BYWAYS
             ? 0
             : -1;
}

static int mc_start(mc *m) {
  ript_client_config cc;
  memset(&cc, 0, sizeof(cc));
  cc.version = m->a.version;
  cc.token = m->a.token;
  cc.ca_file = m->a.cacert;
  cc.connect_attempts = 3;
  int rv = ript_client_new(&m->client, &m->loop, &cc, NULL);
  if (rv != 0)
    return rv;
  ript_client_call_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.call_uri = m->a.call;
  cfg.media = m->a.byways ? RIPT_CLIENT_MEDIA_BYWAY : RIPT_CLIENT_MEDIA_DATAGRAM;
  cfg.byways = (unsigned)m->a.gets;
  ript_client_call_callbacks cbs = {mc_described, mc_on_event, mc_on_frame,
                                    mc_on_closed};
  return ript_client_call_start(m->client, &cfg, &cbs, m, &m->call);
}

static int mc_call(int argc, char **argv) {
  mc *m = calloc(1, sizeof(*m));
  if (!m || mc_args_parse(&m->a, argc, argv) != 0) {
    free(m);
    return -1;
  }
  m->min_delay_ms = INT64_MAX;
  uv_loop_init(&m->loop);
  uv_timer_init(&m->loop, &m->tick);
  uv_timer_init(&m->loop, &m->guard);
  m->tick.data = m->guard.data = m;
  uv_timer_start(&m->guard, mc_on_guard,
                 (uint64_t)(m->a.seconds * 1000) + 30000, 0);
  int rv = mc_start(m);
  if (rv != 0)
    mc_fail(m, "cannot start: %s", ript_strerror(rv));
  uv_run(&m->loop, UV_RUN_DEFAULT);
  rv = m->enc ? mc_report(m) : 1;
  uv_loop_close(&m->loop);
  for (size_t i = 0; i < m->nframes; ++i)
    free(m->frames[i].data);
  free(m->frames);
  free(m->signal);
  ript_audio_encoder_del(m->enc);
  free(m);
  return rv;
}

int main(int argc, char **argv) {
  int rv = -1;
  if (argc >= 2 && strcmp(argv[1], "call") == 0)
    rv = mc_call(argc, argv);
  if (rv >= 0)
    return rv;
  fprintf(stderr,
          "usage: ript_mcall call --cacert FILE --token TOKEN --call URI\n"
          "                  [--http2] [--byways] [--seconds S] [--gets N]\n"
          "                  [--drop-at MS --down-ms MS] [--sent FILE.wav]\n"
          "                  [--received FILE.wav] [--silent] [--dtmf D]\n"
          "                  [--min-correlation X] [--expect-early]\n"
          "                  [--ts-wobble MS]\n");
  return 2;
}

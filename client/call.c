/*
 * `ript call`: the steps before the call (a certificate for --from, from
 * the state directory or newly issued; a handler for the call's codecs;
 * a PASSporT), then the call itself on a ript_client_call: its events
 * printed as they come, its audio (call_audio.c) paced by a timer, the
 * end after --duration or at SIGINT, and the summary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "call_audio.h"
#include "cli.h"
#include "output.h"
#include "ript_prog.h"

enum {
  /* The timer that sends what is due and decodes what arrived. */
  CALL_TICK_MS = 10,
  /* Without --duration or --play. */
  CALL_DEFAULT_DURATION_MS = 10000,
  /* With --play and no --duration, the call lasts this much longer than
   * the file: time for what it causes (an echo) to come back. */
  CALL_PLAY_TAIL_MS = 500,
  /* A certificate kept from before is used while it stays valid this
   * long. */
  CALL_CERT_MARGIN_S = 300,
  /* The largest --play file read. */
  CALL_PLAY_MAX_BYTES = 512 * 1024 * 1024,
  /* --cut-at: how long the network stays down. */
  CALL_CUT_DOWN_MS = 1000,
  /* The largest --media-key-file read (one short line). */
  CALL_KEY_FILE_MAX_BYTES = 4096,
};

struct ript_cli_call {
  ript_cli *cli;
  ript_wav play;
  FILE *record; /* --record, open from the start */
  char *x5u;
  char handler_id[64];
  char *handler_uri;
  int cert_cached; /* x5u came from the state directory */
  int retried;     /* a refused POST was tried once more */
  ript_client_call *call;
  ript_cli_audio *audio;
  char *audio_error; /* why the call's audio could not be set up */
  uv_timer_t tick;
  uv_signal_t sigint;
  int handles; /* tick and sigint initialized (and not yet closed) */
  uint64_t start_mono, media_mono; /* the call's start, the media's */
  uint64_t duration_ms;
  int media_started, ending, cut_done, interrupted, dtmf_queued;
  uint64_t early; /* audio frames before the answer */
  int keyed;      /* --media-key or --media-key-file */
  ript_mediakey media_key;
  int undecryptable_told; /* the one-time message is out */
};

/* ---- small things ---- */

static int64_t call_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t call_mono(const ript_cli_call *cc) {
  return uv_now(cc->cli->loop);
}

static double call_since(const ript_cli_call *cc, uint64_t from) {
  return (double)(call_mono(cc) - from) / 1000.0;
}

/* Where events go: stdout, unless that is kept for --json. */
static FILE *call_events_out(const ript_cli_call *cc) {
  return cc->cli->opt->json ? cc->cli->err : cc->cli->out;
}

static void call_print_event(ript_cli_call *cc, const char *name,
                             const char *reason) {
  ript_buf line;
  ript_buf_init(&line, NULL);
  if (ript_cli_print_call_event(&line, call_since(cc, cc->start_mono), name,
                                reason) == 0) {
    fwrite(line.data, 1, line.len, call_events_out(cc));
    fflush(call_events_out(cc));
  }
  ript_buf_free(&line);
}

static void call_fail_nomem(ript_cli_call *cc) {
  ript_cli_fail(cc->cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
}

/* ---- files ---- */

static int call_read_file(const char *path, ript_buf *out, char *errbuf,
                          size_t errlen) {
  int rv = ript_file_read(path, CALL_PLAY_MAX_BYTES, out);
  if (rv != 0)
    snprintf(errbuf, errlen, "cannot read %s: %s", path,
             rv == RIPT_ERR_NOMEM  ? "out of memory"
             : rv == RIPT_ERR_LIMIT ? "larger than 512 MiB"
                                    : strerror(errno));
  return rv == 0 ? 0 : -1;
}

static void call_wav_refused(char *out, size_t len, const char *path, int rv,
                             const ript_parse_error *err) {
  if (rv == RIPT_ERR_NOMEM)
    snprintf(out, len, "cannot read %s: out of memory", path);
  else
    snprintf(out, len,
             "%s is not a WAV file ript can read: at byte %zu expected %s",
             path, err->offset, err->expected ? err->expected : "more");
}

/* The media key of --media-key or --media-key-file (one line; the line
 * end and trailing blanks are not part of it). Messages never show the
 * secret. */
static int call_media_key(ript_cli_call *cc, char *errbuf, size_t errlen) {
  const ript_cli_options *opt = cc->cli->opt;
  if (!opt->media_key && !opt->media_key_file)
    return 0;
  ript_buf data;
  ript_buf_init(&data, NULL);
  const char *text = opt->media_key, *what = "--media-key";
  size_t len = text ? strlen(text) : 0;
  if (!text) {
    what = opt->media_key_file;
    int rv = ript_file_read(what, CALL_KEY_FILE_MAX_BYTES, &data);
    if (rv != 0) {
      snprintf(errbuf, errlen, "cannot read %s: %s", what,
               rv == RIPT_ERR_NOMEM   ? "out of memory"
               : rv == RIPT_ERR_LIMIT ? "larger than 4 KiB"
                                      : strerror(errno));
      return -1;
    }
    text = (const char *)data.data;
    len = data.len;
    while (len && strchr(" \t\r\n", text[len - 1]))
      --len;
  }
  ript_parse_error err = {0, NULL};
  int rv = ript_mediakey_parse(&cc->media_key, text, len, &err);
  if (data.data)
    gnutls_memset(data.data, 0, data.len);
  ript_buf_free(&data);
  if (rv != 0) {
    snprintf(errbuf, errlen, "%s: not a media key: at character %zu expected %s",
             what, err.offset, err.expected ? err.expected : "ID:SECRET");
    return -1;
  }
  cc->keyed = 1;
  return 0;
}

/* --play, parsed; --record, opened; the media key: all before anything is
 * sent. */
static int call_files(ript_cli_call *cc) {
  const ript_cli_options *opt = cc->cli->opt;
  char message[1024];
  if (call_media_key(cc, message, sizeof(message)) != 0) {
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_USAGE, message, NULL);
    return -1;
  }
  if (opt->play) {
    ript_buf data;
    ript_buf_init(&data, NULL);
    ript_parse_error err = {0, NULL};
    int rv = call_read_file(opt->play, &data, message, sizeof(message));
    if (rv == 0 &&
        (rv = ript_wav_parse(&cc->play, data.data, data.len, &err, NULL)))
      call_wav_refused(message, sizeof(message), opt->play, rv, &err);
    ript_buf_free(&data);
    if (rv != 0) {
      ript_cli_fail(cc->cli, RIPT_CLI_EXIT_USAGE, message, NULL);
      return -1;
    }
  }
  if (opt->record && !(cc->record = fopen(opt->record, "wb"))) {
    snprintf(message, sizeof(message), "cannot write %s: %s", opt->record,
             strerror(errno));
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_USAGE, message, NULL);
    return -1;
  }
  return 0;
}

/* Writes the recording; returns 0 or -1 with a message. */
static int call_save_record(ript_cli_call *cc, char *errbuf, size_t errlen) {
  ript_buf wav;
  ript_buf_init(&wav, NULL);
  int rv = cc->audio ? ript_cli_audio_write(cc->audio, &wav)
                     : RIPT_ERR_RANGE;
  if (rv == RIPT_ERR_RANGE) /* nothing could arrive: an empty file */
    rv = ript_wav_write(&wav, NULL, 0, 1, 8000);
  if (rv == 0 && fwrite(wav.data, 1, wav.len, cc->record) != wav.len)
    rv = -1;
  if (fclose(cc->record) != 0)
    rv = -1;
  cc->record = NULL;
  ript_buf_free(&wav);
  if (rv != 0)
    snprintf(errbuf, errlen, "cannot write the recording %s: %s",
             cc->cli->opt->record,
             rv == RIPT_ERR_NOMEM ? "out of memory" : strerror(errno));
  return rv == 0 ? 0 : -1;
}

/* ---- the summary ---- */

static void call_summary_media(const ript_cli_call *cc,
                               const ript_client_call_stats *st,
                               ript_cli_call_summary *s) {
  const ript_media_stats *m = &st->media;
  s->sent = m->sent;
  s->acked = m->acked;
  s->replayed = m->replayed;
  s->received = m->received;
  s->lost = m->lost;
  s->duplicates = m->duplicates;
  s->longest_gap_ms = st->longest_gap_ms;
  s->rtt_samples = m->rtt_samples;
  s->rtt_ms = m->srtt_ms;
  s->rtt_min_ms = m->rtt_min_ms;
  s->rtt_max_ms = m->rtt_max_ms;
  s->jitter_ms = m->jitter_ms;
  s->migrations = st->migrations;
  s->media_panics = st->media_panics;
  s->pings = st->pings_sent;
  s->pongs = st->pongs_received;
  s->early = cc->early;
  s->encrypted = cc->keyed;
  s->key_id = cc->media_key.id;
  s->undecryptable = m->undecryptable;
  s->answered_after_s =
      st->answered_after_ms < 0 ? -1.0 : (double)st->answered_after_ms / 1000;
  s->duration_s = call_since(cc, cc->media_started ? cc->media_mono
                                                   : cc->start_mono);
}

static void call_summary_audio(const ript_cli_call *cc,
                               ript_cli_call_summary *s) {
  ript_cli_audio_stats as;
  memset(&as, 0, sizeof(as));
  if (cc->audio)
    ript_cli_audio_get_stats(cc->audio, &as);
  s->codec_sent = as.tx_codec;
  s->codec_received = as.rx_codec;
  s->rate_sent = as.tx_rate;
  s->rate_received = as.rx_rate;
  s->cn_sent = as.cn_sent;
  s->dtmf_sent = as.dtmf_sent;
  s->concealed = as.concealed;
  s->dtmf_heard = cc->audio ? ript_cli_audio_heard(cc->audio) : "";
  s->recording = cc->cli->opt->record;
  s->recorded_s = as.rx_rate ? (double)as.recorded / as.rx_rate : 0.0;
}

static void call_tell_undecryptable(ript_cli_call *cc,
                                    const ript_client_call *call);

static void call_print_summary(ript_cli_call *cc, ript_client_call *call,
                               const ript_client_call_outcome *o) {
  call_tell_undecryptable(cc, call); /* media that came after the last tick */
  ript_client_call_stats st;
  memset(&st, 0, sizeof(st));
  st.answered_after_ms = -1;
  ript_client_call_get_stats(call, &st);
  ript_cli_call_summary s;
  memset(&s, 0, sizeof(s));
  s.uri = ript_client_call_uri(call);
  s.final = ript_event_type_name(o->final);
  s.reason = o->reason;
  s.ended_by_us = o->ended_by_us;
  s.transport = cc->cli->opt->version == RIPT_HTTP_2 ? "h2" : "h3";
  s.media = cc->cli->opt->version == RIPT_HTTP_3 &&
                    cc->cli->opt->media != RIPT_CLIENT_MEDIA_BYWAY
                ? "datagram"
                : "byway";
  call_summary_media(cc, &st, &s);
  call_summary_audio(cc, &s);
  ript_buf text;
  ript_buf_init(&text, NULL);
  if (ript_cli_print_call_summary(&text, cc->cli->opt->json, &s) == 0)
    ript_cli_emit(cc->cli, &text);
  ript_buf_free(&text);
}

/* ---- the end ---- */

static void call_on_handle_closed(uv_handle_t *h) { (void)h; }

void ript_cli_call_stop(ript_cli_call *cc) {
  if (!cc->handles)
    return;
  cc->handles = 0;
  uv_close((uv_handle_t *)&cc->tick, call_on_handle_closed);
  uv_close((uv_handle_t *)&cc->sigint, call_on_handle_closed);
}

void ript_cli_call_free(ript_cli_call *cc) {
  if (!cc)
    return;
  ript_wav_free(&cc->play);
  ript_mediakey_clear(&cc->media_key);
  if (cc->record) { /* no call was made: no recording either */
    fclose(cc->record);
    unlink(cc->cli->opt->record);
  }
  ript_cli_audio_del(cc->audio);
  free(cc->audio_error);
  free(cc->x5u);
  free(cc->handler_uri);
  free(cc);
}

/* Sends `end` (once); a call that cannot end politely is dropped. */
static void call_hang_up(ript_cli_call *cc, const char *reason) {
  if (cc->ending || !cc->call)
    return;
  cc->ending = 1;
  if (ript_client_call_end(cc->call, reason) != 0)
    ript_client_call_abort(cc->call);
}

static void call_on_sigint(uv_signal_t *h, int signum) {
  ript_cli_call *cc = h->data;
  (void)signum;
  if (!cc->call)
    return;
  cc->interrupted = 1;
  if (cc->ending) { /* a second Ctrl-C: do not wait for the server */
    ript_client_call_abort(cc->call);
    return;
  }
  call_print_event(cc, "hanging up", "interrupted");
  call_hang_up(cc, NULL);
}

static void call_place(ript_cli_call *cc);
static void call_handler(ript_cli_call *cc);
static void call_certified(ript_cli *cli, const char *x5u);

/* A refused POST that a new handler or certificate may cure, once: riptd
 * forgets handlers and certificates when it restarts. Returns 1 if a new
 * attempt started. */
static int call_retry(ript_cli_call *cc, const ript_client_result *res) {
  if (cc->retried || !res || res->code != RIPT_ERR_HTTP_STATUS ||
      !res->error)
    return 0;
  char message[512];
  if (res->status == 422 && strcmp(res->error, "unknown-handler") == 0) {
    cc->retried = 1;
    if (ript_cli_state_handler_drop(&cc->cli->state, cc->handler_uri,
                                    message, sizeof(message)) != 0) {
      ript_cli_fail(cc->cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
      return 1;
    }
    free(cc->handler_uri);
    cc->handler_uri = NULL;
    call_handler(cc);
    return 1;
  }
  if (res->status == 403 && cc->cert_cached &&
      (strcmp(res->error, "untrusted-certificate") == 0 ||
       strcmp(res->error, "bad-signature") == 0)) {
    cc->retried = 1;
    cc->cert_cached = 0;
    ript_cli_cert_enroll(cc->cli, call_certified);
    return 1;
  }
  return 0;
}

/* The exit of a call that reached a terminal event. */
static void call_finish(ript_cli_call *cc, ript_client_call *call,
                        const ript_client_call_outcome *o) {
  char message[1024];
  const char *what = o->final == RIPT_EVENT_DECLINED   ? "was declined"
                     : o->final == RIPT_EVENT_FAILED   ? "failed"
                     : o->final == RIPT_EVENT_NOANSWER ? "was not answered"
                                                       : NULL;
  if (what) {
    snprintf(message, sizeof(message), "the call %s%s%s", what,
             o->reason ? ": " : "", o->reason ? o->reason : "");
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_REFUSED, message, o->res);
    return;
  }
  if (cc->audio_error) {
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_REFUSED, cc->audio_error, NULL);
    return;
  }
  call_print_summary(cc, call, o);
  ript_cli_finish(cc->cli, RIPT_CLI_EXIT_OK);
}

static void call_on_closed(ript_client_call *call,
                           const ript_client_call_outcome *o,
                           void *user_data) {
  ript_cli_call *cc = user_data;
  int created = ript_client_call_uri(call) != NULL;
  cc->call = NULL;
  if (cc->cli->finished)
    return;
  if (!created && o->code != 0 && call_retry(cc, o->res))
    return;
  char message[1024];
  if (cc->audio)
    ript_cli_audio_flush(cc->audio);
  if (created && cc->record &&
      call_save_record(cc, message, sizeof(message)) != 0) {
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  if (o->code == 0) {
    call_finish(cc, call, o);
    return;
  }
  if (created && !cc->cli->opt->json)
    call_print_summary(cc, call, o);
  if (cc->interrupted)
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_LOCAL,
                  "interrupted: the call was given up without waiting for "
                  "the server",
                  NULL);
  else
    ript_cli_fail_result(cc->cli, o->res);
}

/* ---- the call ---- */

static void call_begin_media(ript_cli_call *cc) {
  if (cc->media_started || !cc->audio)
    return;
  cc->media_started = 1;
  cc->media_mono = call_mono(cc);
  ript_cli_audio_start(cc->audio, call_wall());
}

static void call_on_described(ript_client_call *call,
                              const ript_doc_call *desc, void *user_data) {
  ript_cli_call *cc = user_data;
  call_print_event(cc, "call", ript_client_call_uri(call));
  if (cc->audio || cc->audio_error)
    return; /* a migration to a new URI: the media goes on */
  ript_cli_audio_config cfg = {desc->client_directives,
                               desc->server_directives,
                               cc->cli->opt->play ? &cc->play : NULL,
                               cc->cli->opt->record != NULL};
  char message[1024];
  if (ript_cli_audio_new(&cc->audio, &cfg, message, sizeof(message)) != 0) {
    cc->audio_error = strdup(message);
    call_hang_up(cc, "no common codec");
  }
}

static void call_on_event(ript_client_call *call, const ript_event *ev,
                          void *user_data) {
  ript_cli_call *cc = user_data;
  (void)call;
  const char *name = ev->name ? ev->name : ript_event_type_name(ev->type);
  call_print_event(cc, name ? name : "?",
                   ev->type == RIPT_EVENT_MIGRATE ? ev->uri : ev->reason);
  /* A new signaling byway starts with the call's state: answered again. */
  if (ev->type != RIPT_EVENT_ANSWERED || cc->ending || cc->dtmf_queued)
    return;
  call_begin_media(cc);
  cc->dtmf_queued = 1;
  if (cc->cli->opt->dtmf && cc->audio &&
      ript_cli_audio_dtmf(cc->audio, cc->cli->opt->dtmf) != 0)
    call_print_event(cc, "no DTMF",
                     "the call has no telephone-event to send them with");
}

static void call_on_frame(ript_client_call *call,
                          const ript_media_frame *frame, void *user_data) {
  ript_cli_call *cc = user_data;
  if (!cc->audio)
    return;
  if (!ript_client_call_answered(call)) {
    ++cc->early;
    call_begin_media(cc); /* early media: the path is open both ways */
  }
  ript_cli_audio_receive(cc->audio, frame, call_wall());
}

/* What the tick does once the media runs: send what is due, cut the
 * connections once with --cut-at, end after --duration. */
static void call_media_tick(ript_cli_call *cc, int64_t wall) {
  ript_media_frame frame;
  while (!cc->ending && ript_cli_audio_next(cc->audio, wall, &frame) == 1)
    ript_client_call_send(cc->call, &frame);
  uint64_t elapsed = call_mono(cc) - cc->media_mono;
  const ript_cli_options *opt = cc->cli->opt;
  if (opt->cut_at_ms && !cc->cut_done && elapsed >= opt->cut_at_ms) {
    cc->cut_done = 1;
    call_print_event(cc, "cutting the connections", "--cut-at");
    ript_client_cut(cc->cli->client, CALL_CUT_DOWN_MS);
  }
  if (elapsed >= cc->duration_ms)
    call_hang_up(cc, NULL);
}

/* Once, as soon as media arrives that cannot be decrypted: why, in one
 * event line. */
static void call_tell_undecryptable(ript_cli_call *cc,
                                    const ript_client_call *call) {
  ript_client_call_stats st;
  if (cc->undecryptable_told || ript_client_call_get_stats(call, &st) != 0 ||
      st.media.undecryptable == 0)
    return;
  cc->undecryptable_told = 1;
  char why[256];
  ript_cli_describe_undecryptable(why, sizeof(why), &st.media, cc->keyed,
                                  cc->media_key.id);
  call_print_event(cc, "undecryptable media", why);
}

static void call_on_tick(uv_timer_t *t) {
  ript_cli_call *cc = t->data;
  if (!cc->call || !cc->audio)
    return;
  call_tell_undecryptable(cc, cc->call);
  int64_t wall = call_wall();
  if (cc->media_started)
    call_media_tick(cc, wall);
  ript_cli_audio_play(cc->audio, wall);
}

static void call_place(ript_cli_call *cc) {
  ript_cli *cli = cc->cli;
  ript_buf passport;
  ript_buf_init(&passport, NULL);
  int rv = ript_stir_passport_sign(cli->opt->from, cli->opt->to,
                                   (int64_t)time(NULL), cc->x5u, cli->key,
                                   &passport);
  if (rv != 0) {
    ript_buf_free(&passport);
    ript_cli_fail_start(cli, rv, "sign the PASSporT");
    return;
  }
  ript_client_call_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.tg_uri = cli->tg;
  cfg.handler_uri = cc->handler_uri;
  cfg.destination = cli->opt->to;
  cfg.passport = (const char *)passport.data;
  cfg.media = cli->opt->media;
  cfg.media_key = cc->keyed ? &cc->media_key : NULL;
  ript_client_call_callbacks cbs = {call_on_described, call_on_event,
                                    call_on_frame, call_on_closed};
  cc->start_mono = call_mono(cc);
  rv = ript_client_call_start(cli->client, &cfg, &cbs, cc, &cc->call);
  ript_buf_free(&passport);
  if (rv != 0) {
    ript_cli_fail_start(cli, rv, "start the call");
    return;
  }
  uv_signal_start(&cc->sigint, call_on_sigint, SIGINT);
  uv_timer_start(&cc->tick, call_on_tick, CALL_TICK_MS, CALL_TICK_MS);
}

/* ---- the handler ---- */

/* The advertisement of the call's handler: --codec first, then the other
 * codecs ript has, telephone-events and comfort noise, both ways. */
static void call_advertisement(const char *codec, char *out, size_t len) {
  static const char *const codecs[] = {"opus", "PCMU", "PCMA"};
  char list[128];
  snprintf(list, sizeof(list), "%s; ", codec);
  for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); ++i) {
    if (strcmp(codecs[i], codec) != 0) {
      strcat(list, codecs[i]);
      strcat(list, "; ");
    }
  }
  snprintf(out, len, "1 in: %stelephone-event; CN; 1 out: %stelephone-event; "
                     "CN;",
           list, list);
}

/* Remembers the handler |h| and places the call with it. */
static void call_use_handler(ript_cli_call *cc, const ript_doc_handler *h) {
  char message[1024];
  if (ript_cli_state_handler_put(&cc->cli->state, cc->cli->tg,
                                 h->handler_id, h->uri, message,
                                 sizeof(message)) != 0)
    ript_cli_fail(cc->cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
  else if (!(cc->handler_uri = strdup(h->uri)))
    call_fail_nomem(cc);
  else
    call_place(cc);
}

/* After a 409: the TG's handlers, to find the one another ript
 * registered under our id meanwhile. */
static void call_on_handlers(ript_client *client,
                             const ript_client_result *res,
                             const ript_doc_handler_list *list,
                             void *user_data) {
  ript_cli_call *cc = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cc->cli, res);
    return;
  }
  for (size_t i = 0; i < list->nhandlers; ++i) {
    if (strcmp(list->handlers[i].handler_id, cc->handler_id) == 0) {
      call_use_handler(cc, &list->handlers[i]);
      return;
    }
  }
  ript_cli_fail(cc->cli, RIPT_CLI_EXIT_REFUSED,
                "the server says the call's handler exists, but does not "
                "list it",
                NULL);
}

static void call_on_handler(ript_client *client, const ript_client_result *res,
                            const ript_doc_handler *h, void *user_data) {
  ript_cli_call *cc = user_data;
  if (res->code == RIPT_ERR_HTTP_STATUS && res->status == 409) {
    int rv = ript_client_handler_list(client, cc->cli->tg, call_on_handlers,
                                      cc);
    if (rv != 0)
      ript_cli_fail_start(cc->cli, rv, "list the handlers");
  } else if (res->code != 0) {
    ript_cli_fail_result(cc->cli, res);
  } else {
    call_use_handler(cc, h);
  }
}

/* The handler this device uses for calls with --codec: remembered, or
 * registered now ("DEVICE-ID-call", "-call-pcmu" ...). */
static void call_handler(ript_cli_call *cc) {
  ript_cli *cli = cc->cli;
  const char *codec = cli->opt->codec ? cli->opt->codec : "opus";
  char device[RIPT_CLI_DEVICE_ID_LEN + 1], message[1024];
  if (ript_cli_state_device_id(&cli->state, device, message,
                               sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  char *id = cc->handler_id;
  snprintf(id, sizeof(cc->handler_id), "%s-call-%s", device, codec);
  for (char *p = id; *p; ++p)
    *p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
  if (ript_cli_state_handler_find(&cli->state, cli->tg, id, &cc->handler_uri,
                                  message, sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  if (cc->handler_uri) {
    call_place(cc);
    return;
  }
  char advert[256];
  call_advertisement(codec, advert, sizeof(advert));
  int rv = ript_client_handler_add(cli->client, cli->tg, id, advert,
                                   call_on_handler, cc);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "register the call's handler");
}

/* ---- the start ---- */

static void call_certified(ript_cli *cli, const char *x5u) {
  ript_cli_call *cc = cli->call;
  free(cc->x5u);
  if (!(cc->x5u = strdup(x5u))) {
    call_fail_nomem(cc);
    return;
  }
  if (cc->handler_uri)
    call_place(cc); /* a new certificate after a refusal */
  else
    call_handler(cc);
}

static uint64_t call_duration(const ript_cli_call *cc) {
  const ript_cli_options *opt = cc->cli->opt;
  if (opt->duration_ms)
    return opt->duration_ms;
  if (!opt->play || !cc->play.rate)
    return CALL_DEFAULT_DURATION_MS;
  return (uint64_t)cc->play.frames * 1000 / cc->play.rate + CALL_PLAY_TAIL_MS;
}

/* A certificate kept from an earlier run, if it is still good. */
static int call_cached_cert(ript_cli_call *cc) {
  ript_cli *cli = cc->cli;
  char message[1024];
  if (cli->key_created)
    return 0; /* a new key: no certificate can be for it */
  if (ript_cli_state_cert_find(&cli->state, cli->opt->from, cli->tg,
                               (int64_t)time(NULL) + CALL_CERT_MARGIN_S,
                               &cc->x5u, message, sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return -1;
  }
  cc->cert_cached = cc->x5u != NULL;
  return 0;
}

static void call_start(ript_cli *cli) {
  ript_cli_call *cc = calloc(1, sizeof(*cc));
  if (!cc) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
    return;
  }
  cli->call = cc;
  cc->cli = cli;
  uv_timer_init(cli->loop, &cc->tick);
  uv_signal_init(cli->loop, &cc->sigint);
  cc->tick.data = cc->sigint.data = cc;
  cc->handles = 1;
  if (call_files(cc) != 0 || call_cached_cert(cc) != 0)
    return;
  cc->duration_ms = call_duration(cc);
  if (cc->x5u)
    call_handler(cc);
  else
    ript_cli_cert_enroll(cli, call_certified);
}

/* The caller's key and the TG, as for `ript cert`, then the call. */
void ript_cli_cmd_call(ript_cli *cli) {
  if (ript_cli_cert_key(cli) == 0)
    ript_cli_with_tg(cli, call_start);
}

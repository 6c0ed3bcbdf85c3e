/* The media of a live call (docs/PROTOCOL.md §10.5, §10.6): one
 * ript_media_session in the server role, kept with the call; chunks over
 * the datagrams of a WebTransport session, or over media byways (PUT in,
 * GET out); the backlog of an outage and its replay; acknowledgements. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"

static const char chunks_type[] = "application/ript-chunks";

/* ---- set-up ---- */

static int cmedia_directive(const char *text, ript_advert **out) {
  *out = NULL;
  if (!text || !*text)
    return 0; /* "" is a direction with no stream */
  return ript_advert_parse(out, text, strlen(text),
                           RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL);
}

/* The streams of |dir| for the session, and its first for the audio. */
static int cmedia_streams(const ript_advert *dir, ript_media_stream *streams,
                          size_t *n, ript_audio_stream *audio) {
  *n = 0;
  memset(audio, 0, sizeof(*audio));
  if (!dir)
    return 0;
  int rv = ript_media_streams_from_directive(dir, streams,
                                             RIPT_MEDIA_MAX_STREAMS, n);
  for (size_t i = 0; rv == 0 && i < *n; ++i) {
    uint64_t r = 0;
    rv = riptd_app_random(&r, sizeof(r));
    streams[i].initial_sequence = r & ((UINT64_C(1) << 62) - 1);
  }
  /* A stream the toolkit cannot code leaves codec NULL: no audio. */
  if (rv == 0)
    ript_audio_stream_from_directive(audio, dir);
  return rv;
}

/* The route's media key: riptd's own s2c key, once per call. */
static int cmedia_key(riptd_call *call, ript_media_config *cfg) {
  riptd_cmedia *m = &call->media;
  const riptd_route *route = call->route;
  if (!route || !route->has_media_key)
    return 0;
  if (!m->keyed) {
    int rv = ript_mediakey_sender(&route->media_key, RIPT_CHUNK_DIR_S2C,
                                  &m->tx_key);
    if (rv != 0)
      return rv;
    m->keyed = 1;
  }
  uint64_t r = 0;
  int rv = riptd_app_random(&r, sizeof(r));
  cfg->initial_control_sequence = r & ((UINT64_C(1) << 62) - 1);
  cfg->tx_key = &m->tx_key;
  cfg->rx_mediakey = &route->media_key;
  return rv;
}

int riptd_cmedia_init(riptd_call *call, const riptd_call_rec *rec) {
  riptd_cmedia *m = &call->media;
  ript_media_stream tx[RIPT_MEDIA_MAX_STREAMS], rx[RIPT_MEDIA_MAX_STREAMS];
  size_t ntx = 0, nrx = 0;
  ript_advert *tx_dir = NULL, *rx_dir = NULL;
  int rv = cmedia_directive(rec->server_directives, &tx_dir);
  if (rv == 0)
    rv = cmedia_directive(rec->client_directives, &rx_dir);
  if (rv == 0)
    rv = cmedia_streams(tx_dir, tx, &ntx, &m->tx_audio);
  if (rv == 0)
    rv = cmedia_streams(rx_dir, rx, &nrx, &m->rx_audio);
  ript_advert_del(tx_dir);
  ript_advert_del(rx_dir);
  if (rv != 0)
    return rv;
  ript_media_config cfg;
  ript_media_config_init(&cfg);
  cfg.role = RIPT_MEDIA_ROLE_SERVER;
  cfg.tx_streams = tx;
  cfg.ntx_streams = ntx;
  cfg.rx_streams = rx;
  cfg.nrx_streams = nrx;
  /* The migration timers are the client's rules (§9.14). */
  cfg.ack_timeout_ms = cfg.media_timeout_ms = cfg.rx_timeout_ms = 0;
  /* A conference relays what it cannot open (§10.8). */
  cfg.deliver_sealed = call->route &&
                       riptd_action_ops_of(call->route->action)->sealed;
  if ((rv = cmedia_key(call, &cfg)) != 0)
    return rv;
  return ript_media_session_new(&m->session, &cfg, riptd_wall_ms(), NULL);
}

static void cmedia_clear(riptd_cmedia *m) {
  ript_media_session_del(m->session);
  ript_chunk_key_free(&m->tx_key);
  memset(m, 0, sizeof(*m));
  m->ack_at = INT64_MAX;
}

void riptd_cmedia_free(riptd_call *call) { cmedia_clear(&call->media); }

/* The new session keeps the call's key (its sequence numbers start at
 * random again) and its figures of forwarded chunks. */
int riptd_cmedia_renegotiate(riptd_call *call, const riptd_call_rec *rec) {
  riptd_cmedia old = call->media;
  memset(&call->media, 0, sizeof(call->media));
  call->media.ack_at = INT64_MAX;
  call->media.keyed = old.keyed;
  call->media.tx_key = old.tx_key;
  call->media.forwarded = old.forwarded;
  int rv = riptd_cmedia_init(call, rec);
  riptd_cmedia gone = rv == 0 ? old : call->media;
  if (rv != 0)
    call->media = old;
  /* The key now belongs to the session kept. */
  memset(&gone.tx_key, 0, sizeof(gone.tx_key));
  cmedia_clear(&gone);
  return rv;
}

/* ---- out ---- */

/* Answers the reverse media byway |bw| with the chunk in |b| and every
 * acknowledgement owed (§9.11.4). */
static void cmedia_answer(riptd_call *c, riptd_bw *bw, ript_buf *b) {
  ript_media_take_acks(c->media.session, riptd_wall_ms(), b, 0);
  riptd_bw_answer(bw, 200, chunks_type, b->data, b->len);
}

/* Sends |b| (zero or more chunks) as one datagram on the session |s|,
 * with as many acknowledgements owed as fit. */
static void cmedia_datagram(riptd_call *c, riptd_bw *s, ript_buf *b) {
  riptd_cmedia *m = &c->media;
  int64_t wall = riptd_wall_ms();
  while (ript_media_pending_acks(m->session) &&
         b->len + RIPTD_ACK_MAX <= RIPTD_DATAGRAM_MAX &&
         ript_media_take_acks(m->session, wall, b, 1) > 0)
    ;
  if (b->len)
    ript_http_exchange_send_datagram(s->ex, b->data, b->len);
  if (!ript_media_pending_acks(m->session))
    m->ack_at = INT64_MAX;
}

/* Every kept chunk again, as datagrams on the session |s|. */
static void cmedia_replay_datagrams(riptd_call *c, riptd_bw *s) {
  riptd_cmedia *m = &c->media;
  ript_buf *b = &c->live->chunks;
  int64_t wall = riptd_wall_ms();
  ript_media_replay_start(m->session, wall);
  for (;;) {
    ript_buf_reset(b);
    if (ript_media_replay(m->session, wall, b, 1) <= 0)
      break;
    cmedia_datagram(c, s, b);
  }
  m->backlog = m->replaying = m->more_waiting = m->panicked = 0;
}

/* Serves the backlog, oldest first, on the reverse byways open. Chunks
 * kept while the replay ran are marked again once it is through. */
static void cmedia_drain(riptd_call *c) {
  riptd_cmedia *m = &c->media;
  ript_buf *b = &c->live->chunks;
  int64_t wall = riptd_wall_ms();
  while (m->backlog && c->bw[RIPTD_BW_MEDIA_GET]) {
    if (!m->replaying) {
      ript_media_replay_start(m->session, wall);
      m->replaying = 1;
      m->more_waiting = 0;
    }
    ript_buf_reset(b);
    if (ript_media_replay(m->session, wall, b, 1) > 0) {
      cmedia_answer(c, c->bw[RIPTD_BW_MEDIA_GET], b);
    } else if (m->more_waiting) {
      m->replaying = 0;
    } else {
      m->backlog = m->replaying = m->panicked = 0;
    }
  }
}

int riptd_cmedia_send(riptd_call *call, const ript_media_frame *frame) {
  riptd_cmedia *m = &call->media;
  ript_buf *b = &call->live->chunks;
  ript_buf_reset(b);
  ript_ssize n = ript_media_send(m->session, frame, riptd_wall_ms(), b, NULL);
  if (n < 0)
    return (int)n;
  if (call->bw[RIPTD_BW_SESSION]) {
    cmedia_datagram(call, call->bw[RIPTD_BW_SESSION], b);
    return 0;
  }
  if (!m->backlog && call->bw[RIPTD_BW_MEDIA_GET]) {
    cmedia_answer(call, call->bw[RIPTD_BW_MEDIA_GET], b);
    return 0;
  }
  /* No way out: the session keeps the chunk for the replay (§9.12). */
  m->backlog = 1;
  if (m->replaying)
    m->more_waiting = 1;
  if (!m->panicked) {
    m->panicked = 1;
    riptd_call_event(call, RIPT_EVENT_MEDIA_PANIC, NULL);
  }
  return 0;
}

int riptd_cmedia_forward(riptd_call *call, const uint8_t *chunk,
                         size_t len) {
  riptd_cmedia *m = &call->media;
  ript_buf *b = &call->live->chunks;
  ript_buf_reset(b);
  if (!call->bw[RIPTD_BW_SESSION] &&
      (m->backlog || !call->bw[RIPTD_BW_MEDIA_GET]))
    return RIPT_ERR_HTTP_STATE;
  if (ript_buf_append(b, chunk, len) != 0)
    return RIPT_ERR_NOMEM;
  if (call->bw[RIPTD_BW_SESSION])
    cmedia_datagram(call, call->bw[RIPTD_BW_SESSION], b);
  else
    cmedia_answer(call, call->bw[RIPTD_BW_MEDIA_GET], b);
  return 0;
}

/* ---- in ---- */

static void cmedia_on_frame(const ript_media_frame *frame, void *user_data) {
  riptd_call *c = user_data;
  if (!(frame->flags & RIPT_MEDIA_FRAME_FLAG_SEALED))
    c->action_ops->frame(c->action, frame, riptd_wall_ms());
  else if (c->action_ops->sealed)
    c->media.forwarded +=
        c->action_ops->sealed(c->action, frame, riptd_wall_ms());
}

static void cmedia_receive(riptd_call *c, uint8_t *data, size_t len) {
  ript_media_receive(c->media.session, data, len, riptd_wall_ms(),
                     cmedia_on_frame, c);
}

static void cmedia_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                               size_t len, void *user_data) {
  riptd_bw *bw = user_data;
  riptd_call *c = bw->call;
  (void)ex;
  if (!c || len > RIPTD_DATAGRAM_RX_MAX)
    return;
  memcpy(c->live->rx, data, len); /* opened in place */
  cmedia_receive(c, c->live->rx, len);
  if (bw->call && ript_media_pending_acks(c->media.session) &&
      c->media.ack_at == INT64_MAX) {
    c->media.ack_at = riptd_mono_ms(c->live) + RIPTD_ACK_DELAY_MS;
    riptd_call_schedule(c);
  }
}

static size_t cmedia_put_max(const riptd_live *live) {
  return (size_t)live->app->cfg->limits.media_put_max_bytes;
}

static void cmedia_put_body(ript_http_exchange *ex, const uint8_t *data,
                            size_t len, void *user_data) {
  riptd_bw *bw = user_data;
  (void)ex;
  if (!bw->call)
    return;
  if (len > cmedia_put_max(bw->live) - bw->body.len)
    riptd_bw_error(bw, 413, "payload-too-large",
                   "a media byway body is at most %zu bytes",
                   cmedia_put_max(bw->live));
  else if (ript_buf_append(&bw->body, data, len) != 0)
    riptd_bw_error(bw, 500, "internal-error", "riptd ran out of memory");
}

/* §9.11.4: the chunks of a forward byway go into the session; the answer
 * carries the acknowledgements owed. */
static void cmedia_put_end(ript_http_exchange *ex, void *user_data) {
  riptd_bw *bw = user_data;
  riptd_call *c = bw->call;
  (void)ex;
  if (!c)
    return;
  cmedia_receive(c, bw->body.data, bw->body.len);
  if (!bw->call)
    return; /* the call ended meanwhile and answered it */
  ript_buf *b = &c->live->chunks;
  ript_buf_reset(b);
  ript_media_take_acks(c->media.session, riptd_wall_ms(), b, 0);
  riptd_bw_answer(bw, 200, chunks_type, b->data, b->len);
}

/* ---- taking media byways ---- */

static int cmedia_too_large(const riptd_bw *bw) {
  const char *cl = ript_http_exchange_header(bw->ex, "content-length");
  return cl && strtoull(cl, NULL, 10) > cmedia_put_max(bw->live);
}

static void cmedia_put(riptd_call *c, riptd_bw *bw) {
  const char *ct = ript_http_exchange_header(bw->ex, "content-type");
  ript_http_header h = {"content-type", ct};
  riptd_request req = {"PUT", "", &h, ct ? 1 : 0, NULL, 0, 0};
  bw->kind = RIPTD_BW_MEDIA_PUT;
  ript_http_exchange_callbacks cbs = {NULL, cmedia_put_body, cmedia_put_end,
                                      NULL, riptd_bw_closed};
  ript_http_exchange_set_callbacks(bw->ex, &cbs, bw);
  if (!riptd_request_content_type_is(&req, chunks_type))
    riptd_bw_error(bw, 415, "unsupported-media-type",
                   "a media byway is sent as %s", chunks_type);
  else if (cmedia_too_large(bw))
    riptd_bw_error(bw, 413, "payload-too-large",
                   "a media byway body is at most %zu bytes",
                   cmedia_put_max(bw->live));
  else
    riptd_bw_attach(c, bw);
}

static void cmedia_get(riptd_call *c, riptd_bw *bw) {
  bw->kind = RIPTD_BW_MEDIA_GET;
  int64_t max = c->live->app->cfg->limits.media_gets_per_call;
  if ((int64_t)c->nbw[RIPTD_BW_MEDIA_GET] >= max) {
    riptd_bw_error(bw, 429, "too-many-byways",
                   "call %s already has %lld reverse media byways open",
                   c->uuid, (long long)max);
    return;
  }
  riptd_bw_attach(c, bw);
  cmedia_drain(c);
}

/* The client ended its side of the session: so does riptd. */
static void cmedia_session_end(ript_http_exchange *ex, void *user_data) {
  riptd_bw *bw = user_data;
  if (!bw->call)
    return;
  riptd_bw_detach(bw);
  ript_http_exchange_end(ex);
}

/* Extended CONNECT (RFC 9220) with :protocol webtransport, over HTTP/3
 * with datagrams (§9.11.3). */
static void cmedia_session(riptd_call *c, riptd_bw *bw) {
  const char *protocol = ript_http_exchange_protocol(bw->ex);
  bw->kind = RIPTD_BW_SESSION;
  if (!protocol || strcmp(protocol, "webtransport") != 0) {
    riptd_bw_error(bw, 400, "bad-request",
                   "media sessions are CONNECT with :protocol webtransport");
    return;
  }
  if (!ript_http_exchange_datagrams_enabled(bw->ex)) {
    riptd_bw_error(bw, 400, "bad-request",
                   "a media session needs HTTP/3 with datagrams; over "
                   "HTTP/2 media goes on byways (PUT and GET)");
    return;
  }
  ript_http_exchange_callbacks cbs = {NULL, NULL, cmedia_session_end,
                                      cmedia_on_datagram, riptd_bw_closed};
  ript_http_exchange_set_callbacks(bw->ex, &cbs, bw);
  if (ript_http_exchange_respond(bw->ex, 200, NULL, 0, RIPT_HTTP_FLAG_NONE) !=
      0)
    return;
  riptd_bw_attach(c, bw);
  if (c->media.backlog)
    cmedia_replay_datagrams(c, bw);
}

void riptd_cmedia_take(riptd_call *call, riptd_bw *bw) {
  const char *method = ript_http_exchange_method(bw->ex);
  if (ript_call_state_is_terminal(call->state))
    riptd_bw_error(bw, 404, "not-found", "call %s has ended (state %s)",
                   call->uuid, ript_call_state_name(call->state));
  else if (strcmp(method, "PUT") == 0)
    cmedia_put(call, bw);
  else if (call->media.migrating)
    return; /* opened before the client saw `migrate`: it cancels it */
  else if (strcmp(method, "GET") == 0)
    cmedia_get(call, bw);
  else
    cmedia_session(call, bw);
}

/* ---- timers and the end ---- */

int64_t riptd_cmedia_deadline(const riptd_call *call) {
  const riptd_cmedia *m = &call->media;
  int64_t t = call->bw[RIPTD_BW_SESSION] ? m->ack_at : INT64_MAX;
  int64_t d = ript_media_next_deadline(m->session);
  if (d != INT64_MAX) {
    int64_t wall = riptd_wall_ms();
    int64_t mono = riptd_mono_ms(call->live) + (d > wall ? d - wall : 0);
    t = mono < t ? mono : t;
  }
  return t;
}

void riptd_cmedia_run(riptd_call *call, int64_t now) {
  riptd_cmedia *m = &call->media;
  ript_media_check(m->session, riptd_wall_ms());
  if (m->ack_at > now)
    return;
  m->ack_at = INT64_MAX;
  if (call->bw[RIPTD_BW_SESSION]) {
    ript_buf *b = &call->live->chunks;
    do {
      ript_buf_reset(b);
      cmedia_datagram(call, call->bw[RIPTD_BW_SESSION], b);
    } while (ript_media_pending_acks(m->session) && b->len);
  }
}

/* Ends riptd's side of every WebTransport session of the call. */
static void cmedia_end_sessions(riptd_call *call) {
  while (call->bw[RIPTD_BW_SESSION]) {
    riptd_bw *bw = call->bw[RIPTD_BW_SESSION];
    riptd_bw_detach(bw);
    ript_http_exchange_end(bw->ex);
  }
}

void riptd_cmedia_migrate(riptd_call *call) {
  riptd_cmedia *m = &call->media;
  while (call->bw[RIPTD_BW_MEDIA_GET])
    riptd_bw_detach(call->bw[RIPTD_BW_MEDIA_GET]);
  cmedia_end_sessions(call);
  m->backlog = 1;
  m->replaying = m->more_waiting = 0;
  m->panicked = 1;
  m->migrating = 1;
}

void riptd_cmedia_signaled(riptd_call *call) { call->media.migrating = 0; }

/* One line when the call's media was (or should have been) encrypted:
 * what could not be decrypted, and what a conference relayed unopened. */
static void cmedia_log_end(const riptd_call *call) {
  ript_media_stats st;
  if (ript_media_get_stats(call->media.session, &st) != 0 ||
      (!call->media.keyed && st.undecryptable == 0 &&
       call->media.forwarded == 0))
    return;
  char key[16] = "none";
  if (call->media.keyed)
    snprintf(key, sizeof(key), "%u", (unsigned)call->route->media_key.id);
  fprintf(stderr,
          "riptd: call %s ended: media key %s, received %" PRIu64
          ", undecryptable %" PRIu64 ", forwarded %" PRIu64 "\n",
          call->uuid, key, st.received, st.undecryptable,
          call->media.forwarded);
}

void riptd_cmedia_end(riptd_call *call) {
  cmedia_log_end(call);
  static const riptd_bw_kind held[] = {RIPTD_BW_MEDIA_GET,
                                       RIPTD_BW_MEDIA_PUT};
  for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); ++i)
    while (call->bw[held[i]])
      riptd_bw_error(call->bw[held[i]], 404, "not-found",
                     "call %s has ended (state %s)", call->uuid,
                     ript_call_state_name(call->state));
  cmedia_end_sessions(call);
}

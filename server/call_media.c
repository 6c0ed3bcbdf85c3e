/* A live call's media (docs/PROTOCOL.md §10.5, §10.6): the conversation in
 * the server role, and which exchange carries what it writes: datagrams of
 * the newest WebTransport session, else the newest reverse media byway;
 * the acknowledgements a forward media byway is owed go in its answer. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

static const char media_chunks_type[] = "application/ript-chunks";

/* ---- set-up ---- */

/*
 * Where the numbers of the call's streams start now: past every number an
 * earlier session of the call could have used, on this node or another
 * (a renegotiation, a takeover), so that a receiver never finds a new
 * session's chunks behind the old ones (its duplicate window would drop
 * them) and a key is never used twice for one number: the call's own base,
 * from the random bits of its UUID, plus one number per millisecond of the
 * call's age, more than any session sends (docs/PROTOCOL.md decision 83).
 */
static uint64_t media_first_sequence(const riptd_call_rec *rec, int64_t now) {
  const char *node = strrchr(rec->uuid, '-'); /* 48 random bits */
  uint64_t base = node ? strtoull(node + 1, NULL, 16) << 8 : 0;
  return base + (uint64_t)(now > rec->created_ms ? now - rec->created_ms : 0);
}

/* The streams of the directive |text| for the session, numbered from
 * |first|, and its first for the action. */
static int media_streams(const char *text, uint64_t first,
                         ript_media_stream *streams, size_t *n,
                         ript_audio_stream *audio) {
  *n = 0;
  memset(audio, 0, sizeof(*audio));
  if (!text || !*text)
    return 0; /* a direction with no stream */
  ript_advert *dir = NULL;
  int rv = ript_advert_parse(&dir, text, strlen(text),
                             RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL);
  if (rv == 0)
    rv = ript_media_streams_from_directive(dir, streams,
                                           RIPT_MEDIA_MAX_STREAMS, n);
  for (size_t i = 0; rv == 0 && i < *n; ++i)
    streams[i].initial_sequence = first;
  /* A stream the toolkit cannot code leaves codec NULL: a silent action. */
  if (rv == 0)
    ript_audio_stream_from_directive(audio, dir);
  ript_advert_del(dir);
  return rv;
}

/* The route's media key: riptd seals under its own s2c key, made once per
 * call (a renegotiation keeps it), and opens what the key's senders
 * sealed. */
static int media_key(riptd_call *c, ript_media_config *cfg) {
  const riptd_route *route = c->route;
  if (!route->has_media_key)
    return 0;
  if (!c->keyed) {
    int rv = ript_mediakey_sender(&route->media_key, RIPT_CHUNK_DIR_S2C,
                                  &c->tx_key);
    if (rv != 0)
      return rv;
    c->keyed = 1;
  }
  uint64_t r = 0;
  int rv = riptd_app_random(&r, sizeof(r));
  cfg->initial_control_sequence = r & ((UINT64_C(1) << 62) - 1);
  cfg->tx_key = &c->tx_key;
  cfg->rx_mediakey = &route->media_key;
  return rv;
}

int riptd_call_media_setup(riptd_call *c, const riptd_call_rec *rec,
                           int64_t now) {
  ript_media_stream tx[RIPT_MEDIA_MAX_STREAMS], rx[RIPT_MEDIA_MAX_STREAMS];
  ript_audio_stream tx_audio, rx_audio;
  ript_conv_config cfg;
  ript_conv_config_init(&cfg);
  int rv = media_streams(rec->server_directives,
                         media_first_sequence(rec, now), tx,
                         &cfg.media.ntx_streams, &tx_audio);
  if (rv == 0)
    rv = media_streams(rec->client_directives, 0, rx, &cfg.media.nrx_streams,
                       &rx_audio);
  if (rv == 0)
    rv = media_key(c, &cfg.media);
  if (rv != 0)
    return rv;
  cfg.media.role = RIPT_MEDIA_ROLE_SERVER;
  cfg.media.tx_streams = tx;
  cfg.media.rx_streams = rx;
  /* The migration timers are the client's rules (§9.14). */
  cfg.media.ack_timeout_ms = cfg.media.media_timeout_ms =
      cfg.media.rx_timeout_ms = 0;
  /* A conference relays what it cannot open (§10.8). */
  cfg.media.deliver_sealed = c->route->action == RIPTD_ACTION_CONFERENCE;
  rv = c->conv ? ript_conv_renegotiate(c->conv, &cfg.media, now)
               : ript_conv_new(&c->conv, &cfg, now, NULL);
  if (rv != 0)
    return rv;
  c->tx_audio = tx_audio;
  c->rx_audio = rx_audio;
  riptd_call_media_path(c, now);
  return 0;
}

/* One line when the call's media was (or should have been) encrypted:
 * what could not be decrypted, and what a conference relayed unopened. */
static void media_log_end(const riptd_call *c) {
  ript_media_stats st;
  if (ript_media_get_stats(ript_conv_media(c->conv), &st) != 0 ||
      (!c->keyed && st.undecryptable == 0 && c->forwarded == 0))
    return;
  char key[16] = "none";
  if (c->keyed)
    snprintf(key, sizeof(key), "%u", (unsigned)c->route->media_key.id);
  fprintf(stderr,
          "riptd: call %s ended: media key %s, received %" PRIu64
          ", undecryptable %" PRIu64 ", forwarded %" PRIu64 "\n",
          c->uuid, key, st.received, st.undecryptable, c->forwarded);
}

void riptd_call_media_free(riptd_call *c) {
  ript_conv_del(c->conv);
  c->conv = NULL;
  ript_chunk_key_free(&c->tx_key);
  c->keyed = 0;
}

/* ---- out ---- */

void riptd_call_media_path(riptd_call *c, int64_t now) {
  ript_conv_path path = RIPT_CONV_PATH_NONE;
  if (c->migrating)
    path = RIPT_CONV_PATH_NONE;
  else if (c->byways.head[RIPTD_BYWAY_SESSION])
    path = RIPT_CONV_PATH_DATAGRAM;
  else if (c->byways.head[RIPTD_BYWAY_MEDIA_GET])
    path = RIPT_CONV_PATH_HELD;
  ript_conv_set_path(c->conv, path, now);
}

/* Datagrams on the newest session while it takes what is due. */
static void media_pump_datagrams(riptd_call *c, riptd_byway *s,
                                 int64_t now) {
  ript_buf *b = &c->env->chunks;
  for (;;) {
    size_t max = riptd_byway_max_datagram(s);
    ript_buf_reset(b);
    if (!max || ript_conv_write(c->conv, now, b, max) <= 0)
      return;
    riptd_byway_send_datagram(s, b->data, b->len);
  }
}

/* The newest reverse media byways (§9.11.4), one chunk each. */
static void media_pump_byways(riptd_call *c, int64_t now) {
  ript_buf *b = &c->env->chunks;
  size_t max = c->env->limits.media_put_max;
  riptd_byway *bw;
  while ((bw = c->byways.head[RIPTD_BYWAY_MEDIA_GET]) != NULL) {
    ript_buf_reset(b);
    if (ript_conv_write(c->conv, now, b, max) <= 0)
      return;
    riptd_byway_answer(bw, 200, media_chunks_type, b->data, b->len);
    if (!c->byways.head[RIPTD_BYWAY_MEDIA_GET])
      riptd_call_media_path(c, now);
  }
}

void riptd_call_pump_media(riptd_call *c, int64_t now) {
  if (c->migrating || riptd_call_ended(c))
    return;
  if (c->byways.head[RIPTD_BYWAY_SESSION])
    media_pump_datagrams(c, c->byways.head[RIPTD_BYWAY_SESSION], now);
  else
    media_pump_byways(c, now);
}

/* ---- in ---- */

static void media_on_frame(const ript_media_frame *frame, void *user_data) {
  riptd_call *c = user_data;
  int64_t now = riptd_call_now(c);
  if (c->action_ended)
    return;
  if (!(frame->flags & RIPT_MEDIA_FRAME_FLAG_SEALED))
    c->action_ops->frame(c->action, frame, now);
  else if (c->action_ops->sealed)
    c->forwarded += c->action_ops->sealed(c->action, frame, now);
}

static void media_on_datagram(void *data, riptd_byway *bw, uint8_t *body,
                              size_t len) {
  riptd_call *c = data;
  int64_t now = riptd_call_now(c);
  (void)bw;
  ++c->busy;
  ript_conv_receive(c->conv, body, len, now, media_on_frame, c);
  riptd_call_flush(c, now);
  --c->busy;
  riptd_call_schedule(c);
}

/* §9.11.4: the chunks of a forward byway go into the conversation; the
 * answer carries the acknowledgements owed. */
static void media_on_body(void *data, riptd_byway *bw, uint8_t *body,
                          size_t len) {
  riptd_call *c = data;
  int64_t now = riptd_call_now(c);
  ript_conv_receive(c->conv, body, len, now, media_on_frame, c);
  if (!riptd_byway_attached(bw))
    return; /* the call ended meanwhile and answered it */
  ript_buf *b = &c->env->chunks;
  ript_buf_reset(b);
  ript_conv_write_acks(c->conv, now, b, c->env->limits.media_put_max);
  riptd_byway_answer(bw, 200, media_chunks_type, b->data, b->len);
  riptd_call_flush(c, now);
}

static void media_lost(void *data, riptd_byway *bw) {
  riptd_call *c = data;
  int64_t now = riptd_call_now(c);
  (void)bw;
  riptd_call_media_path(c, now);
  riptd_call_schedule(c);
}

/* ---- taking media byways ---- */

static void media_get(riptd_call *c, riptd_byway *bw, int64_t now) {
  int64_t max = c->env->app->cfg->limits.media_gets_per_call;
  if ((int64_t)c->byways.count[RIPTD_BYWAY_MEDIA_GET] >= max) {
    riptd_byway_error(bw, 429, "too-many-byways", NULL, NULL,
                      "call %s already has %lld reverse media byways open",
                      c->uuid, (long long)max);
    return;
  }
  riptd_byway_attach(&c->byways, bw);
  riptd_call_media_path(c, now);
  riptd_call_flush(c, now);
}

/* Extended CONNECT (RFC 9220) with :protocol webtransport, over HTTP/3
 * with datagrams (§9.11.3). */
static void media_session(riptd_call *c, riptd_byway *bw, int64_t now) {
  if (riptd_byway_open_session(bw) != 0)
    return;
  riptd_byway_attach(&c->byways, bw);
  riptd_call_media_path(c, now);
  riptd_call_flush(c, now);
}

void riptd_call_take_media(riptd_call *c, ript_http_exchange *ex,
                           riptd_byway_type type, const uint8_t *body,
                           size_t len, int ended, int64_t now) {
  riptd_byway_owner owner = {c, media_lost, NULL, media_on_body,
                             media_on_datagram};
  riptd_byway *bw = riptd_byway_new(ex, type, &owner, &c->env->limits);
  if (!bw || !riptd_byway_is_open(bw))
    return;
  if (riptd_call_ended(c)) {
    riptd_call_refuse_ended(c, bw);
  } else if (type == RIPTD_BYWAY_MEDIA_PUT) {
    riptd_byway_attach(&c->byways, bw);
    riptd_byway_feed(bw, body, len, ended);
  } else if (c->migrating) {
    /* Opened before the client saw `migrate` (§9.13 has media wait for
     * the new events GET's response): the client cancels it. */
    riptd_byway_give_up(bw);
  } else if (type == RIPTD_BYWAY_MEDIA_GET) {
    media_get(c, bw, now);
  } else {
    media_session(c, bw, now);
  }
}

/* ---- migration and the end ---- */

/* Ends riptd's side of every WebTransport session of the call. */
static void media_end_sessions(riptd_call *c) {
  while (c->byways.head[RIPTD_BYWAY_SESSION])
    riptd_byway_end(c->byways.head[RIPTD_BYWAY_SESSION]);
}

void riptd_call_migrate_media(riptd_call *c, int64_t now) {
  while (c->byways.head[RIPTD_BYWAY_MEDIA_GET])
    riptd_byway_give_up(c->byways.head[RIPTD_BYWAY_MEDIA_GET]);
  media_end_sessions(c);
  c->migrating = 1;
  ript_conv_migrate(c->conv, now);
}

void riptd_call_end_media(riptd_call *c) {
  media_log_end(c);
  static const riptd_byway_type held[] = {RIPTD_BYWAY_MEDIA_GET,
                                          RIPTD_BYWAY_MEDIA_PUT};
  for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); ++i)
    while (c->byways.head[held[i]])
      riptd_call_refuse_ended(c, c->byways.head[held[i]]);
  media_end_sessions(c);
}

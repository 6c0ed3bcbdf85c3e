/*
 * A call's media path (draft §9.11-§9.12; docs/PROTOCOL.md §10): the
 * session built from the directives, and what carries its chunks: HTTP
 * datagrams on an extended CONNECT, or PUT and GET media byways.
 */
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

enum {
  /* Datagram payloads stay below what any QUIC path carries. */
  MEDIA_DATAGRAM_MAX = 1100,
  /* An acknowledgement chunk is at most this long. */
  MEDIA_ACK_MAX = 96,
  /* Acks owed with no media to ride on leave on their own after this. */
  MEDIA_ACK_DELAY_MS = 20,
  /* After a migration the replay waits this long at most for a new chunk
   * to carry full values first (ript_media_resync). */
  MEDIA_REPLAY_WAIT_MS = 60,
  MEDIA_RECV_MAX = 65536
};

/* The streams of one directive; the first one's source and sink. */
static int media_streams(const ript_client_call *call, const char *text,
                         ript_media_stream *streams, size_t *n,
                         uint8_t *source, uint8_t *sink, uint64_t base) {
  *n = 0;
  if (!text || !*text)
    return 0;
  ript_advert *dir = NULL;
  int rv = ript_advert_parse(&dir, text, strlen(text),
                             RIPT_ADVERT_KIND_DIRECTIVE, NULL, call->mem);
  if (rv == 0)
    rv = ript_media_streams_from_directive(dir, streams,
                                           RIPT_MEDIA_MAX_STREAMS, n);
  if (rv == 0 && *n && source) {
    *source = streams[0].source;
    *sink = streams[0].sink;
  }
  /* Sequence numbers start away from zero and apart per stream, so that
   * a peer's mix-up between streams shows. */
  for (size_t i = 0; i < *n; ++i)
    streams[i].initial_sequence = base + 1000000 * i;
  ript_advert_del(dir);
  return rv;
}

/*
 * Sealed media: the call keeps one key for its life but may set up its
 * session again, so sequence numbers (media and control) start at random
 * and never repeat a nonce under the key.
 */
static int media_keyed_config(ript_client_call *call, ript_media_config *cfg,
                              ript_media_stream *tx, size_t ntx) {
  if (!call->keyed)
    return 0;
  for (size_t i = 0; i < ntx; ++i) {
    int rv = ript_mediakey_random_start(&tx[i].initial_sequence);
    if (rv != 0)
      return rv;
  }
  cfg->tx_key = &call->tx_key;
  cfg->rx_mediakey = &call->media_key;
  return ript_mediakey_random_start(&cfg->initial_control_sequence);
}

int call_media_setup(ript_client_call *call, const ript_doc_call *desc) {
  ript_media_stream tx[RIPT_MEDIA_MAX_STREAMS], rx[RIPT_MEDIA_MAX_STREAMS];
  size_t ntx = 0, nrx = 0;
  int rv = media_streams(call, desc->client_directives, tx, &ntx,
                         &call->tx_source, &call->tx_sink, 1000);
  if (rv == 0)
    rv = media_streams(call, desc->server_directives, rx, &nrx, NULL, NULL,
                       1000);
  if (rv != 0)
    return rv;
  ript_media_config cfg;
  ript_media_config_init(&cfg);
  cfg.tx_streams = tx;
  cfg.ntx_streams = ntx;
  cfg.rx_streams = rx;
  cfg.nrx_streams = nrx;
  cfg.media_timeout_ms = call->media_timeout_ms;
  rv = media_keyed_config(call, &cfg, tx, ntx);
  if (rv != 0)
    return rv;
  ript_media_session_del(call->session);
  call->session = NULL;
  return ript_media_session_new(&call->session, &cfg, call_now_ms(),
                                call->mem);
}

/* ---- receiving ---- */

static void media_on_frame(const ript_media_frame *frame, void *user_data) {
  ript_client_call *call = user_data;
  if (call->cbs.on_frame && call->phase != CALL_CLOSING)
    call->cbs.on_frame(call, frame, call->user_data);
}

static void media_receive(ript_client_call *call, uint8_t *data, size_t len) {
  if (!call->session || call->phase == CALL_CLOSING)
    return;
  ript_media_receive(call->session, data, len, call_now_ms(), media_on_frame,
                     call);
  if (ript_media_pending_acks(call->session) &&
      call->ack_flush_ms == INT64_MAX) {
    call->ack_flush_ms = call_now_ms() + MEDIA_ACK_DELAY_MS;
    call_kick(call);
  }
}

void call_media_on_datagram(call_xfer *xfer, const uint8_t *data,
                            size_t len) {
  uint8_t copy[MEDIA_RECV_MAX];
  if (len > sizeof(copy))
    return;
  memcpy(copy, data, len); /* decrypted in place */
  media_receive(xfer->call, copy, len);
}

/* ---- sending ---- */

/* Appends the acks owed that fit with |chunks| in one datagram. */
static void media_fill_acks(ript_client_call *call, ript_buf *chunks,
                            int64_t now) {
  while (ript_media_pending_acks(call->session) &&
         chunks->len + MEDIA_ACK_MAX <= MEDIA_DATAGRAM_MAX &&
         ript_media_take_acks(call->session, now, chunks, 1) > 0)
    ;
}

/* Sends |chunks| and the acks owed on the media path, if it is up. */
static void media_ship(ript_client_call *call, ript_buf *chunks,
                       int64_t now) {
  if (!call->media_up || call->phase == CALL_CLOSING)
    return; /* kept by the session; replayed when the path returns */
  if (call->use_datagrams) {
    media_fill_acks(call, chunks, now);
    if (chunks->len && call->media_session && call->media_session->ex)
      ript_http_exchange_send_datagram(call->media_session->ex, chunks->data,
                                       chunks->len);
  } else {
    ript_media_take_acks(call->session, now, chunks, 0);
    call_xfer_spec spec = {XFER_MEDIA_PUT, "PUT", call->media_url, NULL,
                           "application/ript-chunks", chunks->data,
                           chunks->len, 0};
    if (chunks->len)
      call_xfer_start(call, &spec, NULL);
  }
  if (!ript_media_pending_acks(call->session))
    call->ack_flush_ms = INT64_MAX;
}

/* Every chunk not yet acknowledged, again, one per datagram or PUT. */
static void media_replay(ript_client_call *call, int64_t now) {
  call->replay_due = 0;
  ript_media_replay_start(call->session, now);
  ript_buf *b = &call->scratch;
  for (;;) {
    ript_buf_reset(b);
    if (ript_media_replay(call->session, now, b, 1) <= 0)
      break;
    media_ship(call, b, now);
  }
}

int ript_client_call_send(ript_client_call *call,
                          const ript_media_frame *frame) {
  if (!call || !frame)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (call->phase == CALL_CLOSING)
    return RIPT_ERR_CALL_TERMINATED;
  if (call->phase == CALL_CREATING || !call->session)
    return RIPT_ERR_CALL_NOT_READY;
  /* One buffer per call, not one allocation per frame. */
  ript_buf *b = &call->scratch;
  ript_buf_reset(b);
  int64_t now = call_now_ms();
  ript_ssize n = ript_media_send(call->session, frame, now, b, NULL);
  if (n > 0)
    media_ship(call, b, now);
  if (n > 0 && call->replay_due && call->media_up)
    media_replay(call, now);
  return n < 0 ? (int)n : 0;
}

/* ---- the path ---- */

static int media_open_get(ript_client_call *call) {
  call_xfer_spec spec = {XFER_MEDIA_GET, "GET", call->media_url, NULL, NULL,
                         NULL, 0, 0};
  int rv = call_xfer_start(call, &spec, NULL);
  if (rv == 0)
    ++call->gets_open;
  return rv;
}

/* The path is up: chunks kept while it was not (before it first opened,
 * or during a migration) go now, or after a migration right after the
 * next new chunk, since the receiver may need full values first. */
static void media_up(ript_client_call *call) {
  call->media_up = 1;
  /* Timers that ran out while the path was down say nothing about the new
   * one: let them report now, unheard, and re-arm with the next chunk. */
  ript_media_check(call->session, call_now_ms());
  call->replay_due = 1;
  call->replay_at_ms =
      call_now_ms() + (call->stats.migrations ? MEDIA_REPLAY_WAIT_MS : 0);
  call_kick(call);
}

void call_media_open(ript_client_call *call) {
  call->media_opened = 1;
  if (call->use_datagrams) {
    call_xfer_spec spec = {XFER_MEDIA_SESSION, "CONNECT", call->media_url,
                           "webtransport", NULL, NULL, 0, 0};
    if (call_xfer_start(call, &spec, &call->media_session) != 0)
      call->media_session = NULL;
    return;
  }
  /* A byway that cannot be started (no memory) is not tried again in a
   * loop: the call goes on with fewer. */
  while (call->gets_open < call->byways && media_open_get(call) == 0)
    ;
  media_up(call);
}

void call_media_on_response(call_xfer *xfer) {
  ript_client_call *call = xfer->call;
  if (xfer != call->media_session)
    return;
  if (xfer->status == 200 && xfer->ex &&
      ript_http_exchange_datagrams_enabled(xfer->ex)) {
    media_up(call);
    return;
  }
  /* No datagrams here: with AUTO the byways carry the media instead. */
  if (call->media == RIPT_CLIENT_MEDIA_AUTO && xfer->status != 404) {
    call->media_session = NULL;
    if (xfer->ex)
      ript_http_exchange_reset(xfer->ex);
    call->use_datagrams = 0;
    call_media_open(call);
    return;
  }
  if (xfer->status == 200) {
    call->media_session = NULL;
    if (xfer->ex)
      ript_http_exchange_reset(xfer->ex);
    call_set_failure(call, "CONNECT", call->media_url, 200, NULL);
    call_finish(call, RIPT_ERR_HTTP_STATE);
    return;
  }
  /* Refused: the call fails once the response, with the error document
   * it carries, is complete (call_media_closed). */
  if (xfer->ex && ript_http_exchange_end(xfer->ex) != 0)
    ript_http_exchange_reset(xfer->ex);
}

void call_media_closed(ript_client_call *call, call_xfer *xfer) {
  switch (xfer->kind) {
  case XFER_MEDIA_PUT:
    if (xfer->status == 200)
      media_receive(call, xfer->body.data, xfer->body.len);
    break;
  case XFER_MEDIA_GET:
    --call->gets_open;
    if (xfer->status == 429)
      ++call->stats.byways_refused;
    if (xfer->status != 200)
      break;
    media_receive(call, xfer->body.data, xfer->body.len);
    if (call->phase == CALL_LIVE || call->phase == CALL_ENDING)
      media_open_get(call);
    break;
  case XFER_MEDIA_SESSION:
    if (xfer != call->media_session)
      break;
    call->media_session = NULL;
    if (xfer->status > 200) {
      call_set_failure(call, "CONNECT", call->media_url, xfer->status, xfer);
      call_finish(call, RIPT_ERR_HTTP_STATUS);
      break;
    }
    call->media_up = 0;
    call->migrate_pending = 1; /* the media path broke */
    break;
  default:
    break;
  }
}

void call_media_tick(ript_client_call *call, int64_t now) {
  if (!call->session)
    return;
  if (call->media_up && call->replay_due && now >= call->replay_at_ms)
    media_replay(call, now);
  if (call->media_up && now >= call->ack_flush_ms) {
    ript_buf_reset(&call->scratch);
    media_ship(call, &call->scratch, now);
  }
  if (call->media_up &&
      (ript_media_check(call->session, now) & RIPT_MEDIA_FLAG_NEED_MIGRATION))
    call->migrate_pending = 1; /* §9.14 (2), (3) */
}

int64_t call_media_deadline(const ript_client_call *call) {
  if (!call->session || !call->media_up)
    return INT64_MAX;
  int64_t t = ript_media_next_deadline(call->session);
  if (call->ack_flush_ms < t)
    t = call->ack_flush_ms;
  if (call->replay_due && call->replay_at_ms < t)
    t = call->replay_at_ms;
  return t;
}

/*
 * A call's media path (draft §9.11-§9.12; docs/PROTOCOL.md §10): the
 * conversation built from the directives, and what carries what it
 * writes: HTTP datagrams on an extended CONNECT, or a PUT per write and
 * GET media byways for what the server sends. What is written when
 * (acknowledgements, the replay after a migration) is the conversation's.
 */
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

enum {
  /* A PUT {call}/media body riptd takes (docs/PROTOCOL.md §10.5). */
  MEDIA_PUT_MAX = 65536,
  MEDIA_RECV_MAX = 65536
};

/* The streams of one directive; the first one's source and sink. */
static int media_streams(const ript_client_call *call, const char *text,
                         ript_media_stream *streams, size_t *n, uint8_t *source,
                         uint8_t *sink, uint64_t base) {
  *n = 0;
  if (!text || !*text)
    return 0;
  ript_advert *dir = NULL;
  int rv = ript_advert_parse(&dir, text, strlen(text),
                             RIPT_ADVERT_KIND_DIRECTIVE, NULL, call->mem);
  if (rv == 0)
    rv = ript_media_streams_from_directive(dir, streams, RIPT_MEDIA_MAX_STREAMS,
                                           n);
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

int ript_client_media_setup(ript_client_call *call, const ript_doc_call *desc) {
  ript_media_stream tx[RIPT_MEDIA_MAX_STREAMS], rx[RIPT_MEDIA_MAX_STREAMS];
  size_t ntx = 0, nrx = 0;
  int rv = media_streams(call, desc->client_directives, tx, &ntx,
                         &call->tx_source, &call->tx_sink, 1000);
  if (rv == 0)
    rv = media_streams(call, desc->server_directives, rx, &nrx, NULL, NULL,
                       1000);
  if (rv != 0)
    return rv;
  ript_conv_config cfg;
  ript_conv_config_init(&cfg);
  cfg.media.tx_streams = tx;
  cfg.media.ntx_streams = ntx;
  cfg.media.rx_streams = rx;
  cfg.media.nrx_streams = nrx;
  cfg.media.media_timeout_ms = call->media_timeout_ms;
  cfg.ping_interval_ms = (int64_t)call->ping_interval_ms;
  rv = media_keyed_config(call, &cfg.media, tx, ntx);
  if (rv != 0)
    return rv;
  ript_conv_del(call->conv);
  call->conv = NULL;
  return ript_conv_new(&call->conv, &cfg, ript_client_call_now_ms(), call->mem);
}

/* ---- receiving ---- */

static void media_on_frame(const ript_media_frame *frame, void *user_data) {
  ript_client_call *call = user_data;
  ript_client_call_stats *st = &call->stats;
  if (call->last_frame_ms && call->rx_now_ms - call->last_frame_ms >
                                 st->longest_gap_ms)
    st->longest_gap_ms = call->rx_now_ms - call->last_frame_ms;
  call->last_frame_ms = call->rx_now_ms;
  if (call->cbs.on_frame && call->phase != CALL_CLOSING)
    call->cbs.on_frame(call, frame, call->user_data);
}

static void media_receive(ript_client_call *call, uint8_t *data, size_t len) {
  if (!call->conv || call->phase == CALL_CLOSING)
    return;
  const ript_media_session *session = ript_conv_media(call->conv);
  size_t owed = ript_media_pending_acks(session);
  call->rx_now_ms = ript_client_call_now_ms();
  ript_conv_receive(call->conv, data, len, call->rx_now_ms, media_on_frame,
                    call);
  /* The first ack owed sets the time they leave alone by. */
  if (owed == 0 && ript_media_pending_acks(ript_conv_media(call->conv)))
    ript_client_call_kick(call);
}

void ript_client_media_on_datagram(ript_client_bw *bw, const uint8_t *data,
                                   size_t len) {
  uint8_t copy[MEDIA_RECV_MAX];
  if (len > sizeof(copy))
    return;
  memcpy(copy, data, len); /* decrypted in place */
  media_receive(bw->call, copy, len);
}

/* ---- sending ---- */

/* One write of the conversation, on the carrier of its path. */
static void media_ship(ript_client_call *call, const ript_buf *b) {
  if (call->use_datagrams) {
    ript_http_exchange_send_datagram(call->media_session->ex, b->data, b->len);
    return;
  }
  ript_client_bw_spec spec = {
      RIPT_CLIENT_BW_MEDIA_PUT,  "PUT",   call->media_url, NULL,
      "application/ript-chunks", b->data, b->len,          0};
  ript_client_bw_start(call, &spec, NULL);
}

void ript_client_media_flush(ript_client_call *call, int64_t now) {
  if (!call->conv || call->phase == CALL_CLOSING)
    return;
  if (call->use_datagrams && (!call->media_session || !call->media_session->ex))
    return; /* the conversation has no datagram path then */
  for (;;) {
    ript_buf *b = &call->scratch;
    ript_buf_reset(b);
    size_t room = call->use_datagrams
                      ? ript_http_exchange_max_datagram(call->media_session->ex)
                      : MEDIA_PUT_MAX;
    ript_ssize n = ript_conv_write(call->conv, now, b, room);
    /* A chunk larger than the carrier takes goes alone, for the transport
     * or the server to refuse as before; the session keeps it. */
    if (n == RIPT_ERR_NOBUF)
      n = ript_conv_write(call->conv, now, b, SIZE_MAX);
    if (n <= 0)
      return;
    media_ship(call, b);
  }
}

int ript_client_call_send(ript_client_call *call,
                          const ript_media_frame *frame) {
  if (!call || !frame)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (call->phase == CALL_CLOSING)
    return RIPT_ERR_CALL_TERMINATED;
  if (call->phase == CALL_CREATING || !call->conv)
    return RIPT_ERR_CALL_NOT_READY;
  int64_t now = ript_client_call_now_ms();
  int rv = ript_conv_send(call->conv, frame, now);
  if (rv == 0)
    ript_client_media_flush(call, now);
  return rv;
}

/* ---- the path ---- */

static int media_open_get(ript_client_call *call) {
  ript_client_bw_spec spec = {
      RIPT_CLIENT_BW_MEDIA_GET, "GET", call->media_url, NULL, NULL, NULL, 0, 0};
  int rv = ript_client_bw_start(call, &spec, NULL);
  if (rv == 0)
    ++call->gets_open;
  return rv;
}

/* The path carries chunks: what was kept while it did not goes as the
 * conversation says (at once, or after a migration behind the next new
 * chunk, since the receiver may need full values first). */
static void media_up(ript_client_call *call, ript_conv_path path) {
  ript_conv_set_path(call->conv, path, ript_client_call_now_ms());
  ript_client_call_kick(call);
}

void ript_client_media_open(ript_client_call *call) {
  call->media_opened = 1;
  if (call->use_datagrams) {
    ript_client_bw_spec spec = {RIPT_CLIENT_BW_SESSION,
                                "CONNECT",
                                call->media_url,
                                "webtransport",
                                NULL,
                                NULL,
                                0,
                                0};
    if (ript_client_bw_start(call, &spec, &call->media_session) != 0)
      call->media_session = NULL;
    return;
  }
  /* A byway that cannot be started (no memory) is not tried again in a
   * loop: the call goes on with fewer. */
  while (call->gets_open < call->byways && media_open_get(call) == 0)
    ;
  media_up(call, RIPT_CONV_PATH_BODY);
}

void ript_client_media_on_response(ript_client_bw *bw) {
  ript_client_call *call = bw->call;
  if (bw != call->media_session)
    return;
  if (bw->status == 200 && bw->ex &&
      ript_http_exchange_datagrams_enabled(bw->ex)) {
    media_up(call, RIPT_CONV_PATH_DATAGRAM);
    return;
  }
  /* No datagrams here: with AUTO the byways carry the media instead. */
  if (call->media == RIPT_CLIENT_MEDIA_AUTO && bw->status != 404) {
    call->media_session = NULL;
    if (bw->ex)
      ript_http_exchange_reset(bw->ex);
    call->use_datagrams = 0;
    ript_client_media_open(call);
    return;
  }
  if (bw->status == 200) {
    call->media_session = NULL;
    if (bw->ex)
      ript_http_exchange_reset(bw->ex);
    ript_client_call_set_failure(call, "CONNECT", call->media_url, 200, NULL);
    ript_client_call_finish(call, RIPT_ERR_HTTP_STATE);
    return;
  }
  /* Refused: the call fails once the response, with the error document
   * it carries, is complete (ript_client_media_closed). */
  if (bw->ex && ript_http_exchange_end(bw->ex) != 0)
    ript_http_exchange_reset(bw->ex);
}

void ript_client_media_closed(ript_client_call *call, ript_client_bw *bw) {
  switch (bw->kind) {
  case RIPT_CLIENT_BW_MEDIA_PUT:
    if (bw->status == 200)
      media_receive(call, bw->body.data, bw->body.len);
    break;
  case RIPT_CLIENT_BW_MEDIA_GET:
    --call->gets_open;
    if (bw->status == 429)
      ++call->stats.byways_refused;
    if (bw->status != 200)
      break;
    media_receive(call, bw->body.data, bw->body.len);
    if (call->phase == CALL_LIVE || call->phase == CALL_ENDING)
      media_open_get(call);
    break;
  case RIPT_CLIENT_BW_SESSION:
    if (bw != call->media_session)
      break;
    call->media_session = NULL;
    if (bw->status > 200) {
      ript_client_call_set_failure(call, "CONNECT", call->media_url, bw->status,
                                   bw);
      ript_client_call_finish(call, RIPT_ERR_HTTP_STATUS);
      break;
    }
    ript_conv_set_path(call->conv, RIPT_CONV_PATH_NONE,
                       ript_client_call_now_ms());
    call->migrate_pending = 1; /* the media path broke */
    break;
  default:
    break;
  }
}

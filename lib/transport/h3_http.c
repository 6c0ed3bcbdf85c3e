/*
 * The HTTP/3 layer of a connection (ript_h3_http_setup): the nghttp3
 * connection with its control and QPACK streams and SETTINGS, made once
 * 1-RTT keys exist, and its callbacks: header blocks into exchanges (with
 * the server's header limits), bodies in, acknowledged bytes, stream ends,
 * the peer's GOAWAY and SETTINGS.
 */
#include "h3_stream.h"

#include <stdlib.h>
#include <string.h>

enum {
  /* Responses a client expects at once (the server's MAX_STREAMS bounds
   * them; this only sizes nghttp3's QPACK bookkeeping). */
  RIPT_H3_CLIENT_CONCURRENT = 4096,
};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static int http_acked_stream_data(nghttp3_conn *h3, int64_t id, uint64_t n,
                                  void *conn_data, void *stream_data) {
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (st)
    ript_h3_body_ack(&st->body, &st->conn->ep->chunks, n);
  return 0;
}

static int http_stream_close(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (!st)
    return 0;
  ript_h3_stream_emit_close(
      st, code == NGHTTP3_H3_NO_ERROR ? 0 : RIPT_ERR_HTTP_RESET);
  ript_h3_stream_release(st);
  return 0;
}

static int http_recv_data(nghttp3_conn *h3, int64_t id, const uint8_t *data,
                          size_t len, void *conn_data, void *stream_data) {
  ript_h3_stream *st = stream_data;
  (void)h3;
  /* Bytes are consumed as they are delivered (http.h): credit them now. */
  ript_h3_conn_extend(conn_data, id, len);
  if (st && st->ex)
    ript_http_exchange_emit_body(st->ex, data, len);
  return 0;
}

static int http_deferred_consume(nghttp3_conn *h3, int64_t id, size_t n,
                                 void *conn_data, void *stream_data) {
  (void)h3, (void)stream_data;
  ript_h3_conn_extend(conn_data, id, n);
  return 0;
}

/* Server: a request stream's first header block makes its exchange. */
static int http_begin_headers(nghttp3_conn *h3, int64_t id, void *conn_data,
                              void *stream_data) {
  ript_h3_conn *c = conn_data;
  if (!c->is_server || stream_data)
    return 0;
  ript_h3_stream *st = ript_h3_stream_new(c, id);
  ript_http_exchange *ex =
      st ? ript_http_exchange_new(&ript_h3_exchange_ops, st, RIPT_HTTP_3, 0)
         : NULL;
  if (!ex || nghttp3_conn_set_stream_user_data(h3, id, st) != 0) {
    free(ex);
    if (st)
      ript_h3_stream_free(st);
    return NGHTTP3_ERR_CALLBACK_FAILURE;
  }
  ex->opened_ms = uv_now(c->timer.loop);
  ript_h3_stream_attach(st, ex);
  return 0;
}

static int http_recv_header(nghttp3_conn *h3, int64_t id, int32_t token,
                            nghttp3_rcbuf *name, nghttp3_rcbuf *value,
                            uint8_t flags, void *conn_data, void *stream_data) {
  ript_h3_conn *c = conn_data;
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)token, (void)flags;
  if (!st || !st->ex || st->bad || st->interim || st->too_large)
    return 0;
  nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
  nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
  /* The limits of a request's header section: 431 once it is complete. */
  if (c->limits) {
    st->header_bytes += (uint32_t)min_size(n.len + v.len + 32, UINT32_MAX / 4);
    if (st->header_bytes > c->limits->max_header_bytes ||
        ++st->header_fields > c->limits->max_header_fields) {
      st->too_large = 1;
      return 0;
    }
  }
  const char *ns = (const char *)n.base, *vs = (const char *)v.base;
  /* Interim (1xx) responses are not reported: skip their whole block. */
  if (!c->is_server && n.len == 7 && memcmp(ns, ":status", 7) == 0 && v.len &&
      vs[0] == '1') {
    st->interim = 1;
    return 0;
  }
  int rv = n.len && ns[0] == ':'
               ? ript_http_exchange_set_pseudo(st->ex, ns, n.len, vs, v.len)
               : ript_http_exchange_add_header(st->ex, ns, n.len, vs, v.len);
  if (rv != 0)
    st->bad = 1;
  return 0;
}

static int http_end_headers(nghttp3_conn *h3, int64_t id, int fin,
                            void *conn_data, void *stream_data) {
  ript_h3_conn *c = conn_data;
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)fin;
  if (!st || !st->ex)
    return 0;
  if (st->interim) {
    st->interim = 0;
    return 0;
  }
  st->ex->headers_done = 1;
  st->ex->headers_ms = uv_now(c->timer.loop);
  if (st->too_large) {
    /* The application never sees this request. */
    ++c->stats->headers_too_large;
    if (ript_http_exchange_respond(st->ex, 431, NULL, 0, RIPT_HTTP_FLAG_END) !=
        0)
      ript_h3_stream_mark(st, RIPT_H3_ACT_RESET);
    return 0;
  }
  if (st->bad) {
    st->reset_code = NGHTTP3_H3_MESSAGE_ERROR;
    ript_h3_stream_emit_close(st, RIPT_ERR_PARSE);
    ript_h3_stream_mark(st, RIPT_H3_ACT_RESET);
    return 0;
  }
  c->hooks->on_headers(c, st->ex);
  return 0;
}

static int http_end_stream(nghttp3_conn *h3, int64_t id, void *conn_data,
                           void *stream_data) {
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (st && st->ex)
    ript_http_exchange_emit_body_end(st->ex);
  return 0;
}

static int http_stop_sending(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  ript_h3_conn *c = conn_data;
  (void)h3, (void)stream_data;
  return ngtcp2_conn_shutdown_stream_read(c->qc, 0, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

static int http_reset_stream(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  ript_h3_conn *c = conn_data;
  (void)h3, (void)stream_data;
  return ngtcp2_conn_shutdown_stream_write(c->qc, 0, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

/* The peer sent GOAWAY: a client takes no new requests here. */
static int http_shutdown(nghttp3_conn *h3, int64_t id, void *conn_data) {
  ript_h3_conn *c = conn_data;
  (void)h3, (void)id;
  if (!c->is_server) {
    c->draining = 1;
    ript_h3_conn_schedule(c);
  }
  return 0;
}

static int http_recv_settings(nghttp3_conn *h3,
                              const nghttp3_settings *settings,
                              void *conn_data) {
  ript_h3_conn *c = conn_data;
  (void)h3;
  c->peer_settings = 1;
  c->peer_datagrams = settings->h3_datagram != 0;
  ript_h3_conn_schedule(c);
  return 0;
}

static int http_open_uni(ript_h3_conn *c, int64_t *id) {
  return ngtcp2_conn_open_uni_stream(c->qc, id, NULL) == 0 ? 0 : -1;
}

static int http_bind_streams(ript_h3_conn *c) {
  /* nghttp3 sizes its QPACK decoder stream buffer from this hint: too low,
   * and a burst of requests (or responses) kills the connection. */
  size_t concurrent = RIPT_H3_CLIENT_CONCURRENT;
  if (c->is_server) {
    const ngtcp2_transport_params *p =
        ngtcp2_conn_get_local_transport_params(c->qc);
    nghttp3_conn_set_max_client_streams_bidi(c->h3,
                                             p->initial_max_streams_bidi);
    concurrent = (size_t)p->initial_max_streams_bidi;
  }
  nghttp3_conn_set_max_concurrent_streams(c->h3, concurrent);
  int64_t ctrl, qenc, qdec;
  if (http_open_uni(c, &ctrl) != 0 || http_open_uni(c, &qenc) != 0 ||
      http_open_uni(c, &qdec) != 0 ||
      nghttp3_conn_bind_control_stream(c->h3, ctrl) != 0 ||
      nghttp3_conn_bind_qpack_streams(c->h3, qenc, qdec) != 0)
    return -1;
  return 0;
}

/* SETTINGS with h3_datagram (and extended CONNECT on a server). */
int ript_h3_http_setup(ript_h3_conn *c) {
  static const nghttp3_callbacks cbs = {
      .acked_stream_data = http_acked_stream_data,
      .stream_close = http_stream_close,
      .recv_data = http_recv_data,
      .deferred_consume = http_deferred_consume,
      .begin_headers = http_begin_headers,
      .recv_header = http_recv_header,
      .end_headers = http_end_headers,
      .end_stream = http_end_stream,
      .stop_sending = http_stop_sending,
      .reset_stream = http_reset_stream,
      .shutdown = http_shutdown,
      .recv_settings = http_recv_settings,
  };
  if (c->h3)
    return 0;
  if (ngtcp2_conn_get_streams_uni_left(c->qc) < 3)
    return -1;
  nghttp3_settings s;
  nghttp3_settings_default(&s);
  s.qpack_max_dtable_capacity = 4096;
  s.qpack_blocked_streams = 100;
  s.enable_connect_protocol = (uint8_t)c->is_server;
  s.h3_datagram = 1;
  if (c->limits)
    s.max_field_section_size = c->limits->max_header_bytes;
  const nghttp3_mem *mem = nghttp3_mem_default();
  int rv = c->is_server ? nghttp3_conn_server_new(&c->h3, &cbs, &s, mem, c)
                        : nghttp3_conn_client_new(&c->h3, &cbs, &s, mem, c);
  if (rv != 0)
    return -1;
  if (http_bind_streams(c) != 0) {
    nghttp3_conn_del(c->h3);
    c->h3 = NULL;
    return -1;
  }
  return 0;
}

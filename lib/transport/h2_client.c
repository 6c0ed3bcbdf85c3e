/* The HTTP/2 client backend: one TCP connection with a GnuTLS client
 * session (SNI, ALPN "h2", certificate and host name verified) and an
 * nghttp2 client session, used by the client front for one origin. */
#include <stdlib.h>
#include <string.h>

#include "h2_common.h"

enum { H2_DEFAULT_IDLE_MS = 30000 };

struct ript_http_conn {
  ript_h2_conn c; /* first: nghttp2 and the hooks see the connection */
  struct ript_http_client_origin *origin;
  uv_connect_t connect_req;
  char *host; /* GnuTLS verifies against it for the session's lifetime */
  unsigned opened : 1;   /* open() succeeded: report the close */
  unsigned settings : 1; /* the server's SETTINGS arrived */
  unsigned ready_reported : 1;
  unsigned draining : 1; /* the server sent GOAWAY: no new requests */
  uint8_t rbuf[RIPT_H2_READ_BUF];
};

/* ---- responses ---- */

static int header_is(const uint8_t *name, size_t len, const char *want) {
  return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int client_on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                            const uint8_t *name, size_t namelen,
                            const uint8_t *value, size_t valuelen,
                            uint8_t flags, void *user_data) {
  (void)flags, (void)user_data;
  if (frame->hd.type != NGHTTP2_HEADERS)
    return 0;
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (!st || !st->ex || st->emitted)
    return 0; /* trailers are not part of the model */
  if (header_is(name, namelen, ":status") && valuelen == 3 && value[0] == '1') {
    st->interim = 1; /* a 1xx block: not reported */
    return 0;
  }
  if (st->interim)
    return 0;
  /* Enforce the MAX_HEADER_LIST_SIZE we advertised: reset the stream. */
  st->header_bytes += namelen + valuelen + 32;
  if (st->header_bytes > RIPT_H2_MAX_HEADER_LIST) {
    st->too_large = 1;
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  const char *n = (const char *)name, *v = (const char *)value;
  int rv = namelen && n[0] == ':'
               ? ript_http_exchange_set_pseudo(st->ex, n, namelen, v, valuelen)
               : ript_http_exchange_add_header(st->ex, n, namelen, v, valuelen);
  return rv == 0 ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static void client_on_stream_frame(ript_h2_stream *st,
                                   const nghttp2_frame *frame) {
  if (frame->hd.type == NGHTTP2_HEADERS) {
    if (st->interim) {
      st->interim = 0;
    } else if (!st->emitted) {
      st->emitted = 1;
      ript_http_exchange_emit_response(st->ex);
    }
  }
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !st->recv_ended) {
    st->recv_ended = 1;
    if (st->emitted && st->ex && !st->local_reset)
      ript_http_exchange_emit_body_end(st->ex);
  }
}

static int client_on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                                void *user_data) {
  ript_http_conn *conn = user_data;
  ript_h2_stream *st;
  switch (frame->hd.type) {
  case NGHTTP2_SETTINGS:
    /* Requests wait for the server's SETTINGS: extended CONNECT and the
     * header list limit depend on them. */
    if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
      conn->settings = 1;
    break;
  case NGHTTP2_GOAWAY:
    /* nghttp2 closes the streams above last_stream_id (REFUSED_STREAM);
     * the front opens a new connection for what comes next. */
    conn->draining = 1;
    break;
  case NGHTTP2_HEADERS:
  case NGHTTP2_DATA:
    st = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
    if (st && st->ex)
      client_on_stream_frame(st, frame);
    break;
  default:
    break;
  }
  return 0;
}

/* ---- connection ---- */

static int client_on_handshake(ript_h2_conn *c) {
  nghttp2_session_callbacks *cbs;
  nghttp2_option *opt;
  if (nghttp2_session_callbacks_new(&cbs) != 0)
    return RIPT_ERR_NOMEM;
  ript_h2_conn_callbacks(cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, client_on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                       client_on_frame_recv);
  int rv = ript_h2_conn_options(&opt);
  if (rv == 0) {
    if (nghttp2_session_client_new2(&c->h2, cbs, c, opt) != 0)
      rv = RIPT_ERR_NOMEM;
    nghttp2_option_del(opt);
  }
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0)
    return rv;
  const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, RIPT_H2_STREAM_WINDOW},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, RIPT_H2_MAX_HEADER_LIST},
  };
  if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv,
                              sizeof(iv) / sizeof(iv[0])) != 0)
    return RIPT_ERR_NOMEM;
  return ript_h2_conn_open_window(c, 0);
}

/* Runs outside nghttp2 callbacks, where the front may submit at once. */
static void client_on_input(ript_h2_conn *c) {
  ript_http_conn *conn = (ript_http_conn *)c;
  if (conn->settings && !conn->ready_reported) {
    conn->ready_reported = 1;
    ript_http_client_conn_ready(conn->origin, conn);
  }
}

static void client_on_closed(ript_h2_conn *c, int error) {
  ript_http_conn *conn = (ript_http_conn *)c;
  /* A server breaking the protocol is, to the application, a lost
   * connection. */
  if (conn->opened)
    ript_http_client_conn_closed(conn->origin, conn,
                                 error == RIPT_ERR_PARSE ? RIPT_ERR_HTTP_CLOSED
                                                         : error);
  free(conn->host);
  free(conn);
}

static const ript_h2_conn_hooks client_hooks = {
    client_on_handshake, client_on_input, client_on_closed};

static void client_on_connect(uv_connect_t *req, int status) {
  ript_http_conn *conn = req->data;
  if (conn->c.handles_closing)
    return; /* closed while connecting */
  if (status < 0 || ript_h2_conn_start(&conn->c) != 0)
    ript_h2_conn_close(&conn->c, RIPT_ERR_HTTP_CLOSED, 1);
}

static int client_open(ript_http_conn **pconn,
                       struct ript_http_client_origin *origin, uv_loop_t *loop,
                       const struct sockaddr *addr, const char *host,
                       gnutls_certificate_credentials_t cred,
                       const ript_http_client_config *cfg) {
  ript_http_conn *conn = calloc(1, sizeof(*conn));
  if (!conn)
    return RIPT_ERR_NOMEM;
  conn->host = strdup(host);
  int rv = conn->host
               ? ript_h2_conn_init(&conn->c, &client_hooks, loop, conn->rbuf,
                                   cred, GNUTLS_CLIENT,
                                   cfg->idle_timeout_ms ? cfg->idle_timeout_ms
                                                        : H2_DEFAULT_IDLE_MS)
               : RIPT_ERR_NOMEM;
  if (rv != 0) {
    free(conn->host);
    free(conn);
    return rv;
  }
  conn->origin = origin;
  conn->connect_req.data = conn;
  rv = ript_tls_client_verify(conn->c.tls, conn->host);
  if (rv == 0 && uv_tcp_connect(&conn->connect_req, &conn->c.tcp, addr,
                                client_on_connect) != 0)
    rv = RIPT_ERR_HTTP_CLOSED;
  if (rv != 0) {
    ript_h2_conn_close(&conn->c, rv, 1); /* frees it, unreported */
    return rv;
  }
  conn->opened = 1;
  *pconn = conn;
  return 0;
}

static int client_usable(const ript_http_conn *conn) {
  return conn->ready_reported && !conn->draining && !conn->c.closing &&
         !conn->c.close_pending &&
         nghttp2_session_get_next_stream_id(conn->c.h2) <= INT32_MAX;
}

static nghttp2_nv client_nv(const char *name, const char *value) {
  nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value,
                   strlen(name), strlen(value), NGHTTP2_NV_FLAG_NONE};
  return nv;
}

/* The request's pseudo-headers; a plain CONNECT (RFC 9113 §8.5) has no
 * :scheme or :path, an extended one (RFC 8441) adds :protocol. */
static size_t client_pseudo(nghttp2_nv *nva, const ript_http_exchange *ex) {
  size_t n = 0;
  nva[n++] = client_nv(":method", ex->method);
  if (strcmp(ex->method, "CONNECT") != 0 || ex->protocol) {
    nva[n++] = client_nv(":scheme", "https");
    nva[n++] = client_nv(":path", ex->path);
  }
  nva[n++] = client_nv(":authority", ex->authority);
  if (ex->protocol)
    nva[n++] = client_nv(":protocol", ex->protocol);
  return n;
}

/* The header list must fit the server's SETTINGS_MAX_HEADER_LIST_SIZE and
 * nghttp2's limit on a block it sends. */
static int client_headers_fit(nghttp2_session *h2, const nghttp2_nv *nva,
                              size_t n) {
  uint32_t limit = nghttp2_session_get_remote_settings(
      h2, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE);
  if (limit > RIPT_H2_MAX_HEADER_LIST)
    limit = RIPT_H2_MAX_HEADER_LIST;
  return ript_h2_header_list_size(nva, n) <= limit;
}

/* Opens the stream: HEADERS, then (unless |end|) a body read from the
 * exchange's outgoing buffer. */
static int client_submit_stream(ript_h2_conn *c, ript_http_exchange *ex,
                                const nghttp2_nv *nva, size_t n, int end) {
  if (!client_headers_fit(c->h2, nva, n))
    return RIPT_ERR_LIMIT;
  ript_h2_stream *st = ript_h2_stream_new(c, ex);
  if (!st)
    return RIPT_ERR_NOMEM;
  nghttp2_data_provider prd;
  ript_h2_stream_provider(&prd);
  int32_t id =
      nghttp2_submit_request(c->h2, NULL, nva, n, end ? NULL : &prd, st);
  if (id < 0) {
    ript_h2_stream_free(st);
    return id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE ? RIPT_ERR_HTTP_CLOSED
                                                     : RIPT_ERR_NOMEM;
  }
  st->has_body = !end;
  st->body_ended = end;
  ex->ops = &ript_h2_exchange_ops;
  ex->stream = st;
  ript_h2_stream_open(st, id);
  ript_h2_conn_schedule(c);
  return 0;
}

static int client_submit(ript_http_conn *conn, ript_http_exchange *ex,
                         const ript_http_header *headers, size_t n,
                         uint32_t flags) {
  if (!client_usable(conn))
    return RIPT_ERR_HTTP_CLOSED;
  if (ex->protocol && !nghttp2_session_get_remote_settings(
                          conn->c.h2, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL))
    return RIPT_ERR_HTTP_STATE; /* the server did not enable RFC 8441 */
  nghttp2_nv *nva = malloc((n + 5) * sizeof(*nva));
  if (!nva)
    return RIPT_ERR_NOMEM;
  char *names;
  ript_ssize count =
      ript_h2_headers(nva, client_pseudo(nva, ex), headers, n, &names);
  int rv = (int)count;
  if (count >= 0) {
    rv = client_submit_stream(&conn->c, ex, nva, (size_t)count,
                              (flags & RIPT_HTTP_FLAG_END) != 0);
    free(names);
  }
  free(nva);
  return rv;
}

static void client_close(ript_http_conn *conn) {
  ript_h2_conn_close(&conn->c, 0, 0);
}

const ript_http_conn_ops ript_h2_client_conn_ops = {
    client_open, client_submit, client_usable, client_close};

/* The HTTP/2 server backend: a TCP listener whose connections each run a
 * GnuTLS server session (ALPN "h2") and an nghttp2 server session; every
 * request becomes an exchange handed to the server front. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "h2_common.h"

enum {
  H2_DEFAULT_IDLE_MS = 30000,
  H2_DEFAULT_MAX_STREAMS = 1000,
  H2_LISTEN_BACKLOG = 511,
  /* After running out of memory, try the pending accept again this late. */
  H2_ACCEPT_RETRY_MS = 100,
};

typedef struct h2_server_conn {
  ript_h2_session s; /* first: nghttp2 and the hooks see the session */
  struct h2_server_conn *prev, *next;
  ript_http_listener *listener;
} h2_server_conn;

struct ript_http_listener {
  ript_http_server *server;
  uv_loop_t *loop;
  uv_tcp_t tcp;
  uv_timer_t retry; /* a connection libuv holds for us, not yet accepted */
  gnutls_certificate_credentials_t cred; /* the server's */
  nghttp2_session_callbacks *cbs;
  nghttp2_option *opt;
  uint64_t idle_ms;
  uint32_t max_streams;
  h2_server_conn *conns;
  int closing;
  int open_handles;
  /* Shared by every connection: a read callback is done with it when it
   * returns. */
  uint8_t rbuf[RIPT_H2_READ_BUF];
};

/* ---- requests ---- */

static int server_on_begin_headers(nghttp2_session *h2,
                                   const nghttp2_frame *frame,
                                   void *user_data) {
  ript_h2_session *s = user_data;
  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0;
  if (s->closing || s->close_pending) {
    /* Going away: never processed, so the client may safely retry. */
    return nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                     NGHTTP2_REFUSED_STREAM) == 0
               ? 0
               : NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  ript_http_exchange *ex =
      ript_http_exchange_new(&ript_h2_exchange_ops, NULL, RIPT_HTTP_2, 0);
  ript_h2_stream *st = ex ? ript_h2_stream_new(s, ex) : NULL;
  if (!st) {
    free(ex);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream */
  }
  ex->stream = st;
  ript_h2_stream_attach(st, frame->hd.stream_id);
  return 0;
}

static int server_on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                            const uint8_t *name, size_t namelen,
                            const uint8_t *value, size_t valuelen,
                            uint8_t flags, void *user_data) {
  (void)flags, (void)user_data;
  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0; /* trailers are not part of the model */
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (!st || !st->ex || st->too_large)
    return 0;
  /* Our SETTINGS_MAX_HEADER_LIST_SIZE is advisory to the peer; enforce it
   * here and answer 431 once the block is complete. */
  st->header_bytes += namelen + valuelen + 32;
  if (st->header_bytes > RIPT_H2_MAX_HEADER_LIST) {
    st->too_large = 1;
    return 0;
  }
  const char *n = (const char *)name, *v = (const char *)value;
  int rv = namelen && n[0] == ':'
               ? ript_http_exchange_set_pseudo(st->ex, n, namelen, v, valuelen)
               : ript_http_exchange_add_header(st->ex, n, namelen, v, valuelen);
  return rv == 0 ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int server_on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                                void *user_data) {
  h2_server_conn *c = user_data;
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
    return 0;
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (!st || !st->ex)
    return 0;
  if (frame->hd.type == NGHTTP2_HEADERS &&
      frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (st->too_large) {
      /* The application never sees this request. */
      return ript_http_exchange_respond(st->ex, 431, NULL, 0,
                                        RIPT_HTTP_FLAG_END) == 0
                 ? 0
                 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    st->emitted = 1;
    ript_http_server_emit_request(c->listener->server, st->ex);
  }
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !st->recv_ended) {
    st->recv_ended = 1;
    if (st->emitted && st->ex && !st->local_reset)
      ript_http_exchange_emit_body_end(st->ex);
  }
  return 0;
}

/* ---- connections ---- */

static int server_on_handshake(ript_h2_session *s) {
  h2_server_conn *c = (h2_server_conn *)s;
  ript_http_listener *l = c->listener;
  if (nghttp2_session_server_new2(&s->h2, l->cbs, s, l->opt) != 0)
    return RIPT_ERR_NOMEM;
  const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, l->max_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, RIPT_H2_STREAM_WINDOW},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, RIPT_H2_MAX_HEADER_LIST},
      /* RFC 8441: extended CONNECT (e.g. WebSockets) may be used. */
      {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
  };
  if (nghttp2_submit_settings(s->h2, NGHTTP2_FLAG_NONE, iv,
                              sizeof(iv) / sizeof(iv[0])) != 0)
    return RIPT_ERR_NOMEM;
  return ript_h2_session_open_window(s);
}

static void listener_maybe_free(ript_http_listener *l) {
  if (!l->closing || l->open_handles || l->conns)
    return;
  ript_http_server *server = l->server;
  nghttp2_session_callbacks_del(l->cbs);
  nghttp2_option_del(l->opt);
  free(l);
  ript_http_server_listener_closed(server);
}

static void server_on_conn_closed(ript_h2_session *s, int error) {
  (void)error;
  h2_server_conn *c = (h2_server_conn *)s;
  ript_http_listener *l = c->listener;
  if (c->prev)
    c->prev->next = c->next;
  else
    l->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  free(c);
  listener_maybe_free(l);
}

static const ript_h2_session_hooks server_hooks = {server_on_handshake, NULL,
                                                   server_on_conn_closed};

static void listener_on_retry(uv_timer_t *timer);

/* Accepts the connection libuv holds. Out of memory, libuv keeps holding it
 * (and accepts nothing else) until a later attempt succeeds. */
static void listener_accept(ript_http_listener *l) {
  h2_server_conn *c = calloc(1, sizeof(*c));
  if (c && ript_h2_session_init(&c->s, &server_hooks, l->loop, l->rbuf, l->cred,
                                GNUTLS_SERVER, l->idle_ms) != 0) {
    free(c);
    c = NULL;
  }
  if (!c) {
    uv_timer_start(&l->retry, listener_on_retry, H2_ACCEPT_RETRY_MS, 0);
    return;
  }
  c->listener = l;
  c->next = l->conns;
  if (l->conns)
    l->conns->prev = c;
  l->conns = c;
  if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->s.tcp) != 0 ||
      ript_h2_session_start(&c->s) != 0)
    ript_h2_session_close(&c->s, RIPT_ERR_HTTP_CLOSED, 1);
}

static void listener_on_retry(uv_timer_t *timer) {
  listener_accept(timer->data);
}

static void listener_on_connection(uv_stream_t *handle, int status) {
  ript_http_listener *l = handle->data;
  if (status == 0 && !l->closing)
    listener_accept(l);
}

/* ---- listener ---- */

static int listener_callbacks(ript_http_listener *l) {
  if (nghttp2_session_callbacks_new(&l->cbs) != 0)
    return RIPT_ERR_NOMEM;
  ript_h2_session_callbacks(l->cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      l->cbs, server_on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(l->cbs, server_on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(l->cbs,
                                                       server_on_frame_recv);
  int rv = ript_h2_session_options(&l->opt);
  if (rv != 0)
    nghttp2_session_callbacks_del(l->cbs);
  return rv;
}

static void listener_on_failed_close(uv_handle_t *handle) {
  ript_http_listener *l = handle->data;
  if (--l->open_handles > 0)
    return;
  nghttp2_session_callbacks_del(l->cbs);
  nghttp2_option_del(l->opt);
  free(l);
}

static int h2_listener_open(ript_http_listener **plistener,
                            ript_http_server *server, uv_loop_t *loop,
                            const struct sockaddr *addr,
                            gnutls_certificate_credentials_t cred,
                            const ript_http_server_config *cfg) {
  ript_http_listener *l = calloc(1, sizeof(*l));
  if (!l)
    return RIPT_ERR_NOMEM;
  int rv = listener_callbacks(l);
  if (rv != 0) {
    free(l);
    return rv;
  }
  l->server = server;
  l->loop = loop;
  l->cred = cred;
  l->idle_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : H2_DEFAULT_IDLE_MS;
  l->max_streams = !cfg->max_streams              ? H2_DEFAULT_MAX_STREAMS
                   : cfg->max_streams > INT32_MAX ? INT32_MAX
                                                  : (uint32_t)cfg->max_streams;
  uv_tcp_init(loop, &l->tcp);
  uv_timer_init(loop, &l->retry);
  l->tcp.data = l->retry.data = l;
  l->open_handles = 2;
  if (uv_tcp_bind(&l->tcp, addr, 0) != 0 ||
      uv_listen((uv_stream_t *)&l->tcp, H2_LISTEN_BACKLOG,
                listener_on_connection) != 0) {
    uv_close((uv_handle_t *)&l->tcp, listener_on_failed_close);
    uv_close((uv_handle_t *)&l->retry, listener_on_failed_close);
    return RIPT_ERR_HTTP_CLOSED;
  }
  *plistener = l;
  return 0;
}

static void listener_on_handle_closed(uv_handle_t *handle) {
  ript_http_listener *l = handle->data;
  --l->open_handles;
  listener_maybe_free(l);
}

static void h2_listener_close(ript_http_listener *l) {
  l->closing = 1;
  uv_close((uv_handle_t *)&l->tcp, listener_on_handle_closed);
  uv_close((uv_handle_t *)&l->retry, listener_on_handle_closed);
  /* Sessions free themselves only from libuv close callbacks, so the list
   * stays intact while we walk it. */
  for (h2_server_conn *c = l->conns; c; c = c->next)
    ript_h2_session_close(&c->s, 0, 0);
}

static uint16_t h2_listener_port(const ript_http_listener *l) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
}

const ript_http_listener_ops ript_h2_listener_ops = {
    h2_listener_open, h2_listener_close, h2_listener_port};

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

typedef struct server_conn {
  ript_h2_conn c; /* first: nghttp2 and the hooks see the connection */
  struct server_conn *prev, *next;
  ript_http_listener *listener;
  ript_http_peer *peer;
  uint64_t accepted_ms;
  uint64_t busy_ms; /* last sweep that found a stream open */
  ript_http_reset_budget resets;
  int error_counted; /* protocol_errors has this connection */
} server_conn;

struct ript_http_listener {
  ript_http_server *server;
  uv_loop_t *loop;
  uv_tcp_t tcp;
  uv_timer_t retry; /* a connection libuv holds for us, not yet accepted */
  gnutls_certificate_credentials_t cred; /* the server's */
  nghttp2_session_callbacks *cbs;
  nghttp2_option *opt;
  uv_timer_t sweep;
  const ript_http_server_config *cfg; /* the server's, defaults filled */
  ript_http_server_stats *stats;
  ript_http_peers peers;
  uint64_t idle_ms;
  uint32_t max_streams;
  size_t nconns;
  server_conn *conns;
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
  ript_h2_conn *c = user_data;
  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0;
  if (c->closing || c->close_pending) {
    /* Going away: never processed, so the client may safely retry. */
    return nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                     NGHTTP2_REFUSED_STREAM) == 0
               ? 0
               : NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  ript_http_exchange *ex =
      ript_http_exchange_new(&ript_h2_exchange_ops, NULL, RIPT_HTTP_2, 0);
  ript_h2_stream *st = ex ? ript_h2_stream_new(c, ex) : NULL;
  if (!st) {
    free(ex);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream */
  }
  ex->stream = st;
  ex->opened_ms = uv_now(c->loop);
  ript_h2_stream_open(st, frame->hd.stream_id);
  return 0;
}

static int server_on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                            const uint8_t *name, size_t namelen,
                            const uint8_t *value, size_t valuelen,
                            uint8_t flags, void *user_data) {
  ript_h2_conn *c = user_data;
  (void)flags;
  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0; /* trailers are not part of the model */
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (!st || !st->ex || st->too_large)
    return 0;
  /* Our SETTINGS_MAX_HEADER_LIST_SIZE is advisory to the peer; enforce it
   * (and the field count) here and answer 431 once the block is complete. */
  const ript_http_server_config *cfg = ((server_conn *)c)->listener->cfg;
  st->header_bytes += namelen + valuelen + 32;
  if (st->header_bytes > cfg->max_header_bytes ||
      ++st->header_fields > cfg->max_header_fields) {
    st->too_large = 1;
    return 0;
  }
  const char *n = (const char *)name, *v = (const char *)value;
  int rv = namelen && n[0] == ':'
               ? ript_http_exchange_set_pseudo(st->ex, n, namelen, v, valuelen)
               : ript_http_exchange_add_header(st->ex, n, namelen, v, valuelen);
  return rv == 0 ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

/* A peer cancelling requests faster than its budget (Rapid Reset) is told
 * ENHANCE_YOUR_CALM and cut off. */
static void server_on_peer_reset(server_conn *sc) {
  ript_http_listener *l = sc->listener;
  if (sc->c.closing || ript_http_reset_spend(l->server, l->cfg, &sc->resets,
                                             uv_now(l->loop)) == 0)
    return;
  sc->c.goaway_code = NGHTTP2_ENHANCE_YOUR_CALM;
  ript_h2_conn_close(&sc->c, RIPT_ERR_LIMIT, 0);
}

static int server_on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                                void *user_data) {
  server_conn *sc = user_data;
  if (frame->hd.type == NGHTTP2_RST_STREAM)
    server_on_peer_reset(sc);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
    return 0;
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (!st || !st->ex)
    return 0;
  if (frame->hd.type == NGHTTP2_HEADERS &&
      frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    st->ex->headers_done = 1;
    st->ex->headers_ms = uv_now(sc->listener->loop);
    if (st->too_large) {
      /* The application never sees this request. */
      ++sc->listener->stats->headers_too_large;
      return ript_http_exchange_respond(st->ex, 431, NULL, 0,
                                        RIPT_HTTP_FLAG_END) == 0
                 ? 0
                 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    st->emitted = 1;
    ript_http_server_emit_request(sc->listener->server, st->ex);
  }
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !st->recv_ended) {
    st->recv_ended = 1;
    if (st->emitted && st->ex && !st->local_reset)
      ript_http_exchange_emit_body_end(st->ex);
  }
  return 0;
}

/* ---- connections ---- */

static int server_on_handshake(ript_h2_conn *c) {
  server_conn *sc = (server_conn *)c;
  ript_http_listener *l = sc->listener;
  if (nghttp2_session_server_new2(&c->h2, l->cbs, c, l->opt) != 0)
    return RIPT_ERR_NOMEM;
  const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, l->max_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
       l->cfg->stream_window && l->cfg->stream_window <= INT32_MAX
           ? l->cfg->stream_window
           : RIPT_H2_STREAM_WINDOW},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, l->cfg->max_header_bytes},
      /* RFC 8441: extended CONNECT (e.g. WebSockets) may be used. */
      {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
  };
  if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv,
                              sizeof(iv) / sizeof(iv[0])) != 0)
    return RIPT_ERR_NOMEM;
  return ript_h2_conn_open_window(c, l->cfg->connection_window);
}

static void listener_maybe_free(ript_http_listener *l) {
  if (!l->closing || l->open_handles || l->conns)
    return;
  ript_http_server *server = l->server;
  nghttp2_session_callbacks_del(l->cbs);
  nghttp2_option_del(l->opt);
  ript_http_peers_free(&l->peers);
  free(l);
  ript_http_server_listener_closed(server);
}

static void server_on_conn_closed(ript_h2_conn *c, int error) {
  server_conn *sc = (server_conn *)c;
  ript_http_listener *l = sc->listener;
  if (error == RIPT_ERR_PARSE && !sc->error_counted)
    ++l->stats->protocol_errors;
  if (sc->prev)
    sc->prev->next = sc->next;
  else
    l->conns = sc->next;
  if (sc->next)
    sc->next->prev = sc->prev;
  if (sc->peer) {
    --sc->peer->conns;
    ript_http_peers_release(&l->peers, sc->peer);
  }
  --l->nconns;
  --l->stats->connections;
  free(sc);
  listener_maybe_free(l);
}

static const ript_h2_conn_hooks server_hooks = {server_on_handshake, NULL,
                                                server_on_conn_closed};

static void listener_on_retry(uv_timer_t *timer);
static void listener_on_sweep(uv_timer_t *timer);
static int listener_admit(ript_http_listener *l, server_conn *sc);

/* Counts |c| against its address; over a connection cap it is refused
 * (closed at once, before TLS). Returns 0 or RIPT_ERR_LIMIT. */
static int listener_admit(ript_http_listener *l, server_conn *sc) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&sc->c.tcp, (struct sockaddr *)&ss, &len) != 0)
    return RIPT_ERR_HTTP_CLOSED;
  ript_http_peer *peer =
      ript_http_peers_get(&l->peers, (struct sockaddr *)&ss, 1);
  if (!peer)
    return RIPT_ERR_NOMEM;
  if (l->nconns > l->cfg->max_connections ||
      peer->conns >= l->cfg->max_connections_per_address) {
    ript_http_peers_release(&l->peers, peer);
    ++l->stats->connections_refused;
    return RIPT_ERR_LIMIT;
  }
  sc->peer = peer;
  ++peer->conns;
  return 0;
}

/* One connection's deadlines: its TLS handshake, its requests' header
 * sections and bodies, and a connection with no request open (a peer's
 * PINGs do not keep it). */
static void listener_sweep_conn(ript_http_listener *l, server_conn *sc,
                                uint64_t now) {
  ript_h2_conn *c = &sc->c;
  if (c->closing || c->close_pending)
    return;
  if (!c->handshake_done) {
    if (now - sc->accepted_ms >= l->cfg->header_timeout_ms) {
      ++l->stats->handshake_timeouts;
      ript_h2_conn_close(c, RIPT_ERR_HTTP_CLOSED, 1);
    }
    return;
  }
  int open = 0;
  for (ript_h2_stream *st = c->streams; st; st = st->next) {
    if (!st->ex || st->local_reset)
      continue;
    open = 1;
    ript_http_server_check(l->server, l->cfg, st->ex, now);
  }
  if (open) {
    sc->busy_ms = now;
  } else if (now - sc->busy_ms >= l->idle_ms) {
    ++l->stats->idle_closed;
    ript_h2_conn_close(c, 0, 0);
  }
}

static void listener_on_sweep(uv_timer_t *timer) {
  ript_http_listener *l = timer->data;
  uint64_t now = uv_now(l->loop);
  /* Closing never frees a connection here (only libuv close callbacks
   * do), so the list stays intact. */
  for (server_conn *sc = l->conns; sc; sc = sc->next)
    listener_sweep_conn(l, sc, now);
  if (!l->conns)
    uv_timer_stop(timer);
}

/* Accepts the connection libuv holds. Out of memory, libuv keeps holding it
 * (and accepts nothing else) until a later attempt succeeds. */
static void listener_accept(ript_http_listener *l) {
  server_conn *sc = calloc(1, sizeof(*sc));
  if (sc && ript_h2_conn_init(&sc->c, &server_hooks, l->loop, l->rbuf, l->cred,
                              GNUTLS_SERVER, l->idle_ms) != 0) {
    free(sc);
    sc = NULL;
  }
  if (!sc) {
    uv_timer_start(&l->retry, listener_on_retry, H2_ACCEPT_RETRY_MS, 0);
    return;
  }
  sc->listener = l;
  sc->accepted_ms = sc->busy_ms = uv_now(l->loop);
  sc->next = l->conns;
  if (l->conns)
    l->conns->prev = sc;
  l->conns = sc;
  ++l->nconns;
  ++l->stats->connections;
  if (l->nconns == 1)
    uv_timer_start(&l->sweep, listener_on_sweep, RIPT_HTTP_SWEEP_MS,
                   RIPT_HTTP_SWEEP_MS);
  if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&sc->c.tcp) != 0 ||
      listener_admit(l, sc) != 0 || ript_h2_conn_start(&sc->c) != 0)
    ript_h2_conn_close(&sc->c, RIPT_ERR_HTTP_CLOSED, 1);
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

/* nghttp2 ends a connection on a protocol error (e.g. a CONTINUATION flood,
 * more than its limit of 8 frames) with a GOAWAY carrying the error. */
static int server_on_frame_send(nghttp2_session *h2, const nghttp2_frame *frame,
                                void *user_data) {
  server_conn *sc = user_data;
  (void)h2;
  if (frame->hd.type == NGHTTP2_GOAWAY &&
      frame->goaway.error_code != NGHTTP2_NO_ERROR &&
      frame->goaway.error_code != NGHTTP2_ENHANCE_YOUR_CALM &&
      !sc->error_counted) {
    sc->error_counted = 1;
    ++sc->listener->stats->protocol_errors;
  }
  return 0;
}

static int listener_callbacks(ript_http_listener *l) {
  if (nghttp2_session_callbacks_new(&l->cbs) != 0)
    return RIPT_ERR_NOMEM;
  ript_h2_conn_callbacks(l->cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      l->cbs, server_on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(l->cbs, server_on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(l->cbs,
                                                       server_on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(l->cbs,
                                                       server_on_frame_send);
  int rv = ript_h2_conn_options(&l->opt);
  if (rv != 0) {
    nghttp2_session_callbacks_del(l->cbs);
    return rv;
  }
  /* nghttp2's own Rapid Reset limit stays as a backstop behind ours. */
  nghttp2_option_set_stream_reset_rate_limit(l->opt,
                                             (uint64_t)l->cfg->reset_burst * 2,
                                             (uint64_t)l->cfg->reset_rate * 2);
  return 0;
}

static void listener_on_failed_close(uv_handle_t *handle) {
  ript_http_listener *l = handle->data;
  if (--l->open_handles > 0)
    return;
  nghttp2_session_callbacks_del(l->cbs);
  nghttp2_option_del(l->opt);
  free(l);
}

static int listener_open(ript_http_listener **plistener,
                         ript_http_server *server, uv_loop_t *loop,
                         const struct sockaddr *addr,
                         gnutls_certificate_credentials_t cred,
                         const ript_http_server_config *cfg) {
  ript_http_listener *l = calloc(1, sizeof(*l));
  if (!l)
    return RIPT_ERR_NOMEM;
  l->cfg = cfg;
  ript_http_peers_init(&l->peers, ript_http_server_seed(server));
  int rv = listener_callbacks(l);
  if (rv != 0) {
    free(l);
    return rv;
  }
  l->server = server;
  l->stats = ript_http_server_stats_of(server);
  l->loop = loop;
  l->cred = cred;
  l->idle_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : H2_DEFAULT_IDLE_MS;
  l->max_streams = !cfg->max_streams              ? H2_DEFAULT_MAX_STREAMS
                   : cfg->max_streams > INT32_MAX ? INT32_MAX
                                                  : (uint32_t)cfg->max_streams;
  uv_tcp_init(loop, &l->tcp);
  uv_timer_init(loop, &l->retry);
  uv_timer_init(loop, &l->sweep);
  l->tcp.data = l->retry.data = l->sweep.data = l;
  l->open_handles = 3;
  if (uv_tcp_bind(&l->tcp, addr, 0) != 0 ||
      uv_listen((uv_stream_t *)&l->tcp, H2_LISTEN_BACKLOG,
                listener_on_connection) != 0) {
    uv_close((uv_handle_t *)&l->tcp, listener_on_failed_close);
    uv_close((uv_handle_t *)&l->retry, listener_on_failed_close);
    uv_close((uv_handle_t *)&l->sweep, listener_on_failed_close);
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

static void listener_close(ript_http_listener *l) {
  l->closing = 1;
  uv_close((uv_handle_t *)&l->tcp, listener_on_handle_closed);
  uv_close((uv_handle_t *)&l->retry, listener_on_handle_closed);
  uv_close((uv_handle_t *)&l->sweep, listener_on_handle_closed);
  /* Sessions free themselves only from libuv close callbacks, so the list
   * stays intact while we walk it. */
  for (server_conn *sc = l->conns; sc; sc = sc->next)
    ript_h2_conn_close(&sc->c, 0, 0);
}

static void listener_drain(ript_http_listener *l) {
  for (server_conn *sc = l->conns; sc; sc = sc->next)
    ript_h2_conn_drain(&sc->c);
}

static uint16_t listener_port(const ript_http_listener *l) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
}

const ript_http_listener_ops ript_h2_listener_ops = {
    listener_open, listener_close, listener_drain, listener_port};

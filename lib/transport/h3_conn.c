/*
 * An HTTP/3 connection's life (h3_conn.h): its set-up (settings, transport
 * parameters, TLS, connection IDs), packets in, the flush that applies what
 * was recorded and writes packets into the endpoint's batch, its timer,
 * GOAWAY, and how it closes and is torn down.
 */
#include "h3_stream.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "ript_mem.h"

enum {
  RIPT_H3_STREAM_WINDOW = 256 * 1024,
  RIPT_H3_CONN_WINDOW = 1024 * 1024,
  RIPT_H3_MAX_STREAM_WINDOW = 6 * 1024 * 1024,
  RIPT_H3_MAX_WINDOW = 16 * 1024 * 1024,
  RIPT_H3_MAX_UNI_STREAMS = 16,
  RIPT_H3_MAX_VEC = 16,
};

#define RIPT_H3_HANDSHAKE_TIMEOUT_MS 10000u

static const char conn_priority[] =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:"
    "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:"
    "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1";

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static void conn_run(ript_h3_task *task);

/* ---- set-up ---- */

static ngtcp2_conn *conn_ref_get(ngtcp2_crypto_conn_ref *ref) {
  ript_h3_conn *c = ref->user_data;
  return c->qc;
}

void ript_h3_conn_init(ript_h3_conn *c, ript_h3_endpoint *ep,
                       const ript_h3_conn_hooks *hooks, void *owner,
                       int is_server, uint64_t idle_ms, const uint8_t *seed) {
  memset(c, 0, sizeof(*c));
  c->ep = ep;
  c->hooks = hooks;
  c->owner = owner;
  c->is_server = is_server;
  c->idle_ms = idle_ms ? idle_ms : 30000;
  c->conn_ref.get_conn = conn_ref_get;
  c->conn_ref.user_data = c;
  c->locallen = sizeof(c->local);
  ngtcp2_ccerr_default(&c->ccerr);
  ript_map_init(&c->stream_map, seed, NULL);
  c->flush.run = conn_run;
  c->timer.data = c;
}

/* Windows: 0 takes the defaults, which ngtcp2 may grow; a given window is
 * never grown past. */
void ript_h3_conn_settings(const ript_h3_conn *c, ngtcp2_settings *settings,
                           ngtcp2_transport_params *params,
                           uint64_t max_streams, uint32_t stream_window,
                           uint32_t connection_window) {
  ngtcp2_settings_default(settings);
  settings->initial_ts = uv_hrtime();
  settings->max_window =
      connection_window ? connection_window : RIPT_H3_MAX_WINDOW;
  settings->max_stream_window =
      stream_window ? stream_window : RIPT_H3_MAX_STREAM_WINDOW;
  uint64_t hs_ms = c->idle_ms < RIPT_H3_HANDSHAKE_TIMEOUT_MS
                       ? c->idle_ms
                       : RIPT_H3_HANDSHAKE_TIMEOUT_MS;
  settings->handshake_timeout = hs_ms * NGTCP2_MILLISECONDS;
  ngtcp2_transport_params_default(params);
  uint64_t sw = stream_window ? stream_window : RIPT_H3_STREAM_WINDOW;
  params->initial_max_stream_data_bidi_local = sw;
  params->initial_max_stream_data_bidi_remote = sw;
  params->initial_max_stream_data_uni = sw;
  params->initial_max_data =
      connection_window ? connection_window : RIPT_H3_CONN_WINDOW;
  params->initial_max_streams_bidi = max_streams;
  params->initial_max_streams_uni = RIPT_H3_MAX_UNI_STREAMS;
  params->max_idle_timeout = c->idle_ms * NGTCP2_MILLISECONDS;
  params->max_udp_payload_size = RIPT_H3_MAX_PKT;
  params->max_datagram_frame_size = RIPT_H3_MAX_DATAGRAM_FRAME;
}

int ript_h3_conn_tls(ript_h3_conn *c, unsigned flags,
                     gnutls_certificate_credentials_t cred) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h3", 2};
  if (gnutls_init(&c->tls, flags | GNUTLS_NO_END_OF_EARLY_DATA) != 0) {
    c->tls = NULL;
    return RIPT_ERR_HTTP_TLS;
  }
  int rv = c->is_server ? ngtcp2_crypto_gnutls_configure_server_session(c->tls)
                        : ngtcp2_crypto_gnutls_configure_client_session(c->tls);
  if (rv != 0 || gnutls_priority_set_direct(c->tls, conn_priority, NULL) != 0 ||
      gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred) != 0 ||
      gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) != 0)
    return RIPT_ERR_HTTP_TLS;
  gnutls_session_set_ptr(c->tls, &c->conn_ref);
  return 0;
}

void ript_h3_conn_free_quic(ript_h3_conn *c) {
  if (c->h3)
    nghttp3_conn_del(c->h3);
  if (c->qc)
    ngtcp2_conn_del(c->qc);
  if (c->tls)
    gnutls_deinit(c->tls);
  c->h3 = NULL;
  c->qc = NULL;
  c->tls = NULL;
}

int ript_h3_conn_add_cid(ript_h3_conn *c, const ngtcp2_cid *cid) {
  if (!c->ep->cids)
    return 0;
  ript_h3_cid *e = ript_mem_calloc(NULL, 1, sizeof(*e));
  if (!e)
    return RIPT_ERR_NOMEM;
  memcpy(e->data, cid->data, cid->datalen);
  e->conn = c;
  if (ript_map_insert(c->ep->cids, &e->node, e->data, cid->datalen) != 0) {
    ript_mem_free(NULL, e);
    return RIPT_ERR_NOMEM;
  }
  e->next = c->cids;
  c->cids = e;
  return 0;
}

void ript_h3_conn_remove_cid(ript_h3_conn *c, const ngtcp2_cid *cid) {
  for (ript_h3_cid **p = &c->cids; *p; p = &(*p)->next) {
    ript_h3_cid *e = *p;
    if (e->node.keylen == cid->datalen &&
        memcmp(e->data, cid->data, cid->datalen) == 0) {
      *p = e->next;
      ript_map_remove(c->ep->cids, &e->node);
      ript_mem_free(NULL, e);
      return;
    }
  }
}

void ript_h3_conn_remove_cids(ript_h3_conn *c) {
  while (c->cids) {
    ript_h3_cid *e = c->cids;
    c->cids = e->next;
    ript_map_remove(c->ep->cids, &e->node);
    ript_mem_free(NULL, e);
  }
}

/* ---- what the callbacks use ---- */

void ript_h3_conn_set_app_error(ript_h3_conn *c, int liberr) {
  if (c->ccerr_set)
    return;
  ngtcp2_ccerr_set_application_error(
      &c->ccerr, nghttp3_err_infer_quic_app_error_code(liberr), NULL, 0);
  c->ccerr_set = 1;
}

void ript_h3_conn_extend(ript_h3_conn *c, int64_t id, uint64_t n) {
  ngtcp2_conn_extend_max_stream_offset(c->qc, id, n);
  ngtcp2_conn_extend_max_offset(c->qc, n);
}

/* ---- life ---- */

void ript_h3_conn_schedule(ript_h3_conn *c) {
  ript_h3_endpoint_schedule(c->ep, &c->flush);
}

/* What the peer's CONNECTION_CLOSE means for ript_http_client_conn_closed. */
static int conn_remote_error(ript_h3_conn *c) {
  const ngtcp2_ccerr *e = ngtcp2_conn_get_ccerr(c->qc);
  if (e->type == NGTCP2_CCERR_TYPE_TRANSPORT &&
      (e->error_code & ~(uint64_t)0xff) == NGTCP2_CRYPTO_ERROR &&
      !c->handshake_done)
    return RIPT_ERR_HTTP_TLS;
  if ((e->type == NGTCP2_CCERR_TYPE_TRANSPORT &&
       e->error_code == NGTCP2_NO_ERROR) ||
      (e->type == NGTCP2_CCERR_TYPE_APPLICATION &&
       e->error_code == NGHTTP3_H3_NO_ERROR))
    return 0;
  return RIPT_ERR_HTTP_CLOSED;
}

/* An ngtcp2 call failed with |rv|: decide how the connection ends. */
static void conn_fail(ript_h3_conn *c, int rv) {
  int error = RIPT_ERR_HTTP_CLOSED;
  switch (rv) {
  case NGTCP2_ERR_DRAINING:
    error = c->stateless_reset ? RIPT_ERR_HTTP_CLOSED : conn_remote_error(c);
    c->dead = 1;
    break;
  case NGTCP2_ERR_IDLE_CLOSE:
    error = c->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED;
    c->dead = 1;
    break;
  case NGTCP2_ERR_DROP_CONN:
  case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
    c->dead = 1;
    break;
  case NGTCP2_ERR_CRYPTO:
    if (!c->ccerr_set)
      ngtcp2_ccerr_set_tls_alert(&c->ccerr, ngtcp2_conn_get_tls_alert(c->qc),
                                 NULL, 0);
    c->ccerr_set = 1;
    error = c->handshake_done ? RIPT_ERR_HTTP_CLOSED : RIPT_ERR_HTTP_TLS;
    break;
  default:
    if (!c->ccerr_set)
      ngtcp2_ccerr_set_liberr(&c->ccerr, rv, NULL, 0);
    c->ccerr_set = 1;
    if (c->stats)
      ++c->stats->protocol_errors;
    if (c->tls_failed)
      error = RIPT_ERR_HTTP_TLS;
    break;
  }
  c->send_close = !c->dead;
  if (!c->closing)
    c->close_error = error;
  c->closing = 1;
  ript_h3_conn_schedule(c);
}

void ript_h3_conn_abort(ript_h3_conn *c, int error) {
  if (!c->closing)
    c->close_error = error;
  c->closing = c->dead = 1;
  c->send_close = 0;
  ript_h3_conn_schedule(c);
}

void ript_h3_conn_close(ript_h3_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  c->send_close = 1;
  c->close_error = 0;
  ript_h3_conn_schedule(c);
}

void ript_h3_conn_drain(ript_h3_conn *c) {
  c->drain = 1;
  ript_h3_conn_schedule(c);
}

int ript_h3_conn_usable(const ript_h3_conn *c) {
  return !c->closing && !c->draining;
}

void ript_h3_conn_recv(ript_h3_conn *c, const struct sockaddr *addr,
                       const uint8_t *data, size_t len) {
  if (c->closing || c->gone)
    return;
  struct sockaddr_storage remote;
  socklen_t remotelen = ript_h3_addrlen(addr);
  memcpy(&remote, addr, remotelen);
  ngtcp2_path path = {{(ngtcp2_sockaddr *)&c->local, c->locallen},
                      {(ngtcp2_sockaddr *)&remote, remotelen},
                      NULL};
  ngtcp2_pkt_info pi = {0};
  int rv = ngtcp2_conn_read_pkt(c->qc, &path, &pi, data, len, uv_hrtime());
  if (rv != 0)
    conn_fail(c, rv);
  ript_h3_conn_schedule(c);
}

static void conn_on_timer(uv_timer_t *timer) {
  ript_h3_conn *c = timer->data;
  if (c->closing)
    return;
  int rv = ngtcp2_conn_handle_expiry(c->qc, uv_hrtime());
  if (rv != 0)
    conn_fail(c, rv);
  ript_h3_conn_schedule(c);
}

static void conn_arm_timer(ript_h3_conn *c) {
  ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(c->qc);
  if (expiry == UINT64_MAX) {
    uv_timer_stop(&c->timer);
    return;
  }
  ngtcp2_tstamp now = uv_hrtime();
  uint64_t ms = expiry > now ? (expiry - now + 999999) / 1000000 : 0;
  uv_timer_start(&c->timer, conn_on_timer, ms, 0);
}

/* ---- writing packets ---- */

/* The next queued datagram into the packet. Returns 0 to go on (*more: a
 * datagram was taken or dropped and the packet has room for more), or
 * ngtcp2's result: a full packet's length or an error. */
static ngtcp2_ssize conn_write_datagram(ript_h3_conn *c, ngtcp2_path *path,
                                        ngtcp2_pkt_info *pi, uint8_t *dest,
                                        size_t destlen, ngtcp2_tstamp ts,
                                        int *more) {
  ngtcp2_vec dv;
  *more = 0;
  if (c->dgram_stalled || !ript_h3_dgram_peek(&c->dq, &dv))
    return 0;
  int accepted = 0;
  ngtcp2_ssize w = ngtcp2_conn_writev_datagram(
      c->qc, path, pi, dest, destlen, &accepted,
      NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &dv, 1, ts);
  if (accepted || w == NGTCP2_ERR_INVALID_ARGUMENT)
    ript_h3_dgram_pop(&c->dq);
  if (w == NGTCP2_ERR_WRITE_MORE || w == NGTCP2_ERR_INVALID_ARGUMENT) {
    *more = 1;
    return 0;
  }
  if (w == NGTCP2_ERR_INVALID_STATE) {
    ript_h3_dgram_clear(&c->dq);
    *more = 1;
    return 0;
  }
  if (w != 0)
    return w;
  c->dgram_stalled = 1; /* congestion-limited until the next flush */
  return 0;
}

/* One packet: datagrams first (media must not wait behind bulk data), then
 * stream data nghttp3 offers, coalesced while ngtcp2 asks for more. */
static ngtcp2_ssize conn_write_pkt(ript_h3_conn *c, ngtcp2_path *path,
                                   ngtcp2_pkt_info *pi, uint8_t *dest,
                                   size_t destlen, ngtcp2_tstamp ts) {
  for (;;) {
    int more;
    ngtcp2_ssize w = conn_write_datagram(c, path, pi, dest, destlen, ts, &more);
    if (w != 0)
      return w;
    if (more)
      continue;
    int64_t sid = -1;
    int fin = 0;
    nghttp3_vec vec[RIPT_H3_MAX_VEC];
    nghttp3_ssize nvec = 0;
    if (c->h3 && ngtcp2_conn_get_max_data_left(c->qc)) {
      nvec =
          nghttp3_conn_writev_stream(c->h3, &sid, &fin, vec, RIPT_H3_MAX_VEC);
      if (nvec < 0) {
        ript_h3_conn_set_app_error(c, (int)nvec);
        return NGTCP2_ERR_CALLBACK_FAILURE;
      }
    }
    ngtcp2_ssize ndatalen = -1;
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE |
                     (fin ? NGTCP2_WRITE_STREAM_FLAG_FIN : 0);
    w = ngtcp2_conn_writev_stream(c->qc, path, pi, dest, destlen, &ndatalen,
                                  flags, sid, (const ngtcp2_vec *)vec,
                                  (size_t)nvec, ts);
    if (w == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
      nghttp3_conn_block_stream(c->h3, sid);
      continue;
    }
    if (w == NGTCP2_ERR_STREAM_SHUT_WR || w == NGTCP2_ERR_STREAM_NOT_FOUND) {
      nghttp3_conn_shutdown_stream_write(c->h3, sid);
      continue;
    }
    if ((w >= 0 || w == NGTCP2_ERR_WRITE_MORE) && ndatalen >= 0 && sid >= 0 &&
        nghttp3_conn_add_write_offset(c->h3, sid, (size_t)ndatalen) != 0) {
      ript_h3_conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    if (w != NGTCP2_ERR_WRITE_MORE)
      return w;
  }
}

/* Writes what ngtcp2's pacing allows now; the timer brings the rest. */
static int conn_write(ript_h3_conn *c) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi;
  ngtcp2_tstamp ts = uv_hrtime();
  size_t pathmax = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->qc);
  size_t maxpkts = ngtcp2_conn_get_send_quantum(c->qc) / pathmax;
  maxpkts = maxpkts < 1 ? 1 : min_size(maxpkts, RIPT_H3_SERVER_BATCH);
  c->dgram_stalled = 0;
  for (size_t i = 0; i < maxpkts; ++i) {
    uint8_t *dest = ript_h3_endpoint_slot(c->ep);
    ngtcp2_ssize w =
        conn_write_pkt(c, &ps.path, &pi, dest, RIPT_H3_MAX_PKT, ts);
    if (w < 0)
      return (int)w;
    if (w == 0)
      break;
    ript_h3_endpoint_add(c->ep, (size_t)w,
                         (const struct sockaddr *)ps.path.remote.addr,
                         (socklen_t)ps.path.remote.addrlen);
  }
  ngtcp2_conn_update_pkt_tx_time(c->qc, ts);
  return 0;
}

/* ---- closing ---- */

/* A server says GOAWAY first (RFC 9114 §5.2): a notice, then the final one
 * (unless a drain sent that already); then both CONNECTION_CLOSE. */
static void conn_send_close(ript_h3_conn *c) {
  if (ngtcp2_conn_in_closing_period(c->qc) ||
      ngtcp2_conn_in_draining_period(c->qc))
    return;
  int graceful = !c->ccerr_set;
  if (graceful)
    ngtcp2_ccerr_set_application_error(&c->ccerr, NGHTTP3_H3_NO_ERROR, NULL, 0);
  if (graceful && c->is_server && c->h3) {
    /* nghttp3 sends the final GOAWAY only once. */
    int rv = 0;
    if (!c->draining) {
      (void)nghttp3_conn_submit_shutdown_notice(c->h3);
      rv = nghttp3_conn_shutdown(c->h3);
    }
    if (rv == 0)
      (void)conn_write(c);
  }
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi;
  uint8_t *dest = ript_h3_endpoint_slot(c->ep);
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
      c->qc, &ps.path, &pi, dest, RIPT_H3_MAX_PKT, &c->ccerr, uv_hrtime());
  if (n > 0)
    ript_h3_endpoint_add(c->ep, (size_t)n,
                         (const struct sockaddr *)ps.path.remote.addr,
                         (socklen_t)ps.path.remote.addrlen);
}

/* Ends the connection: every exchange gets RIPT_ERR_HTTP_CLOSED, the QUIC
 * state is freed, and the owner (on_torn_down) releases what holds it. */
static void conn_teardown(ript_h3_conn *c) {
  if (c->send_close && c->qc)
    conn_send_close(c);
  c->gone = 1;
  c->flush.retired = 1;
  uv_timer_stop(&c->timer);
  for (ript_h3_stream *st = c->streams; st; st = st->next)
    ript_h3_stream_emit_close(st, RIPT_ERR_HTTP_CLOSED);
  ript_h3_conn_free_quic(c);
  while (c->streams)
    ript_h3_stream_free(c->streams);
  c->dirty = c->dirty_tail = c->waiting = c->waiting_tail = NULL;
  ript_h3_dgram_free(&c->dq);
  ript_map_free(&c->stream_map);
  if (c->ep->cids)
    ript_h3_conn_remove_cids(c);
  if (c->hooks->on_torn_down)
    c->hooks->on_torn_down(c);
}

/* ---- the flush ---- */

/* Pings while exchanges are open so that a quiet long-lived request is not
 * mistaken for an idle connection. */
static void conn_keepalive(ript_h3_conn *c) {
  int want = c->nexchanges > 0;
  if (want == (int)c->keepalive)
    return;
  c->keepalive = (unsigned)want;
  uint64_t idle = c->idle_ms * NGTCP2_MILLISECONDS;
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  if (p && p->max_idle_timeout && p->max_idle_timeout < idle)
    idle = p->max_idle_timeout;
  ngtcp2_conn_set_keep_alive_timeout(c->qc, want ? idle / 2 : UINT64_MAX);
}

/* A drain's GOAWAY (server) names the last request nghttp3 received; later
 * ones it rejects (H3_REQUEST_REJECTED). */
static void conn_send_goaway(ript_h3_conn *c) {
  c->draining = 1;
  if (nghttp3_conn_shutdown(c->h3) != 0)
    ript_h3_conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
}

/* Requests waiting for stream credit go back on the dirty list. */
static void conn_unblock_streams(ript_h3_conn *c) {
  c->streams_unblocked = 0;
  ript_h3_stream *w = c->waiting;
  c->waiting = c->waiting_tail = NULL;
  while (w) {
    ript_h3_stream *next = w->dirty_next;
    w->waiting = 0;
    ript_h3_stream_push_dirty(w);
    w = next;
  }
}

/* Notifications and recorded actions, in the order they matter. */
static void conn_step(ript_h3_conn *c) {
  if (!c->ready_reported && c->handshake_done &&
      (c->is_server || c->peer_settings)) {
    c->ready_reported = 1;
    c->hooks->on_ready(c);
  }
  if (c->drain && !c->draining && c->h3)
    conn_send_goaway(c);
  if (c->streams_unblocked && c->waiting)
    conn_unblock_streams(c);
  while (c->dirty && !c->closing) {
    ript_h3_stream *st = c->dirty;
    c->dirty = st->dirty_next;
    if (!c->dirty)
      c->dirty_tail = NULL;
    int rv = ript_h3_stream_apply(st);
    if (rv != 0)
      ript_h3_conn_set_app_error(c, rv);
  }
  if (c->ccerr_set && !c->closing) {
    c->closing = c->send_close = 1;
    c->close_error = RIPT_ERR_HTTP_CLOSED;
  }
}

static void conn_flush(ript_h3_conn *c) {
  if (c->gone)
    return;
  if (!c->closing)
    conn_step(c);
  if (!c->closing) {
    conn_keepalive(c);
    int rv = conn_write(c);
    if (rv != 0)
      conn_fail(c, rv);
  }
  if (c->closing) {
    conn_teardown(c);
    return;
  }
  conn_arm_timer(c);
}

static void conn_run(ript_h3_task *task) {
  ript_h3_conn *c =
      (ript_h3_conn *)(void *)((char *)task - offsetof(ript_h3_conn, flush));
  conn_flush(c);
}

/*
 * The HTTP/3 listener: one UDP socket for every connection. Datagrams are
 * routed by destination connection ID (every ID we issue, and the client's
 * original one, is in the endpoint's map); an unknown ID in a valid Initial
 * packet starts a connection, an unsupported version gets a Version
 * Negotiation packet, and with a stateless reset key an unknown ID in a
 * short-header packet gets a Stateless Reset (h3_reset.h).
 */
#include "h3_reset.h"
#include "h3_stream.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

enum {
  /* libuv's recvmmsg(2) wants 64 KiB per datagram; it reads at most 20. */
  RIPT_H3_RECV_SLOT = 64 * 1024,
  RIPT_H3_RECV_SLOTS = 20,
  /* The key of our Retry tokens, and how long a token is good. */
  RIPT_H3_RETRY_SECRET = 32,
  RIPT_H3_RETRY_TOKEN_MS = 10000,
};

struct ript_http_listener {
  ript_h3_endpoint ep;
  ript_http_server *server;
  uv_loop_t *loop;
  gnutls_certificate_credentials_t cred;
  uint64_t idle_ms;
  uint64_t max_streams;
  const ript_http_server_config *cfg; /* the server's, defaults filled */
  ript_http_server_stats *stats;
  ript_http_peers peers;
  size_t live;       /* connections accepted and not yet torn down */
  size_t handshakes; /* of those, handshakes not yet complete */
  uv_timer_t sweep;
  uint8_t retry_secret[RIPT_H3_RETRY_SECRET];
  ript_http_bucket resets; /* Stateless Resets we may send */
  struct sockaddr_storage local;
  socklen_t locallen;
  uint16_t port;
  ript_map cids;
  ript_h3_conn *conns; /* live connections */
  size_t nconns;       /* connections not yet freed (timers closing) */
  size_t handles;      /* endpoint handles not yet closed */
  uint8_t *rbuf;
  int closing;    /* ript_http_listener_ops.close was called */
  int sweep_open; /* the sweep timer's handle is not closed yet */
  int silent;     /* open failed: free without telling the server */
};

/* ---- the connection side ---- */

static void server_on_headers(ript_h3_conn *c, ript_http_exchange *ex) {
  ript_http_listener *l = c->owner;
  ript_http_server_emit_request(l->server, ex);
}

static void listener_maybe_done(ript_http_listener *l);

static void server_conn_freed(uv_handle_t *handle) {
  ript_h3_conn *c = handle->data;
  ript_http_listener *l = c->owner;
  free(c);
  --l->nconns;
  listener_maybe_done(l);
}

/* The handshake completed: the connection no longer counts as one. */
static void server_on_ready(ript_h3_conn *c) {
  ript_http_listener *l = c->owner;
  --l->handshakes;
  --l->stats->handshakes;
  --c->peer->handshakes;
}

static void server_on_torn_down(ript_h3_conn *c) {
  ript_http_listener *l = c->owner;
  if (!c->ready_reported)
    server_on_ready(c);
  --l->live;
  --l->stats->connections;
  --c->peer->conns;
  ript_http_peers_release(&l->peers, c->peer);
  if (c->prev)
    c->prev->next = c->next;
  else
    l->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  uv_close((uv_handle_t *)&c->timer, server_conn_freed);
}

static const ript_h3_conn_hooks server_hooks = {
    server_on_headers, server_on_ready, server_on_torn_down};

/* ---- accepting ---- */

/* GnuTLS only enforces ALPN when the client offers some: insist on h3. */
static int server_client_hello(gnutls_session_t session, unsigned htype,
                               unsigned when, unsigned incoming,
                               const gnutls_datum_t *msg) {
  gnutls_datum_t alpn;
  (void)htype, (void)when, (void)incoming, (void)msg;
  if (gnutls_alpn_get_selected_protocol(session, &alpn) != 0 ||
      alpn.size != 2 || memcmp(alpn.data, "h3", 2) != 0)
    return GNUTLS_E_NO_APPLICATION_PROTOCOL;
  return 0;
}

/* |odcid| is the client's first DCID when it came back with our Retry
 * token (its DCID is then the one our Retry chose), else NULL. */
static int server_quic(ript_http_listener *l, ript_h3_conn *c,
                       const ngtcp2_pkt_hd *hd, const struct sockaddr *addr,
                       const ngtcp2_cid *odcid) {
  ngtcp2_cid scid;
  scid.datalen = RIPT_H3_CID_LEN;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0)
    return RIPT_ERR_CRYPTO;
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
  ript_h3_conn_settings(c, &settings, &params, l->max_streams,
                        l->cfg->stream_window, l->cfg->connection_window);
  params.original_dcid = hd->dcid;
  params.original_dcid_present = 1;
  if (odcid) {
    settings.token = hd->token;
    settings.tokenlen = hd->tokenlen;
    settings.token_type = NGTCP2_TOKEN_TYPE_RETRY;
    params.original_dcid = *odcid;
    params.retry_scid = hd->dcid;
    params.retry_scid_present = 1;
  }
  params.stateless_reset_token_present = 1;
  if (ript_h3_reset_token(params.stateless_reset_token,
                          l->cfg->stateless_reset_key,
                          l->cfg->stateless_reset_key_len, &scid) != 0)
    return RIPT_ERR_CRYPTO;
  ngtcp2_callbacks cb;
  ript_h3_quic_callbacks(&cb, 1);
  struct sockaddr_storage remote;
  memcpy(&remote, addr, ript_h3_addrlen(addr));
  ngtcp2_path path = {{(ngtcp2_sockaddr *)&c->local, c->locallen},
                      {(ngtcp2_sockaddr *)&remote, ript_h3_addrlen(addr)},
                      NULL};
  if (ngtcp2_conn_server_new(&c->qc, &hd->scid, &scid, &path, hd->version, &cb,
                             &settings, &params, NULL, c) != 0)
    return RIPT_ERR_NOMEM;
  int rv =
      ript_h3_conn_tls(c, GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET, l->cred);
  if (rv != 0)
    return rv;
  gnutls_handshake_set_hook_function(c->tls, GNUTLS_HANDSHAKE_CLIENT_HELLO,
                                     GNUTLS_HOOK_POST, server_client_hello);
  ngtcp2_conn_set_tls_native_handle(c->qc, c->tls);
  /* The client keeps using its own DCID until it learns ours. */
  if (ript_h3_conn_add_cid(c, &hd->dcid) != 0 ||
      ript_h3_conn_add_cid(c, &scid) != 0)
    return RIPT_ERR_NOMEM;
  return 0;
}

static void server_conn_discard(ript_h3_conn *c) {
  ript_h3_conn_free_quic(c);
  ript_h3_conn_remove_cids(c);
  ript_map_free(&c->stream_map);
  free(c);
}

static void listener_on_sweep(uv_timer_t *timer);

static ript_h3_conn *listener_accept(ript_http_listener *l,
                                     const ngtcp2_pkt_hd *hd,
                                     const struct sockaddr *addr,
                                     const ngtcp2_cid *odcid) {
  ript_http_peer *peer = ript_http_peers_get(&l->peers, addr, 1);
  ript_h3_conn *c = peer ? malloc(sizeof(*c)) : NULL;
  if (!c) {
    if (peer)
      ript_http_peers_release(&l->peers, peer);
    return NULL;
  }
  ript_h3_conn_init(c, &l->ep, &server_hooks, l, 1, l->idle_ms,
                    ript_http_server_seed(l->server));
  c->server = l->server;
  c->limits = l->cfg;
  c->stats = l->stats;
  c->peer = peer;
  memcpy(&c->local, &l->local, l->locallen);
  c->locallen = l->locallen;
  if (server_quic(l, c, hd, addr, odcid) != 0) {
    server_conn_discard(c);
    ript_http_peers_release(&l->peers, peer);
    return NULL;
  }
  ++peer->conns;
  ++peer->handshakes;
  ++l->live;
  ++l->handshakes;
  ++l->stats->connections;
  ++l->stats->handshakes;
  c->busy_ms = uv_now(l->loop);
  if (l->live == 1)
    uv_timer_start(&l->sweep, listener_on_sweep, RIPT_HTTP_SWEEP_MS,
                   RIPT_HTTP_SWEEP_MS);
  uv_timer_init(l->loop, &c->timer);
  c->timer.data = c;
  c->next = l->conns;
  if (l->conns)
    l->conns->prev = c;
  l->conns = c;
  ++l->nconns;
  return c;
}

static void listener_version_negotiation(ript_http_listener *l,
                                         const ngtcp2_version_cid *vc,
                                         const struct sockaddr *addr) {
  static const uint32_t versions[] = {NGTCP2_PROTO_VER_V1, NGTCP2_PROTO_VER_V2};
  uint8_t unused = 0;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1);
  uint8_t *dest = ript_h3_endpoint_slot(&l->ep);
  ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(
      dest, RIPT_H3_MAX_PKT, unused, vc->scid, vc->scidlen, vc->dcid,
      vc->dcidlen, versions, sizeof(versions) / sizeof(versions[0]));
  if (n > 0) {
    ript_h3_endpoint_add(&l->ep, (size_t)n, addr, ript_h3_addrlen(addr));
    ript_h3_endpoint_kick(&l->ep);
  }
}

/* A short-header packet for a connection we do not know: ours in an
 * earlier life, or another node's that shares our key. A Stateless Reset
 * tells the client at once that the connection is gone. */
static void listener_send_reset(ript_http_listener *l,
                                const ngtcp2_version_cid *vc, size_t pktlen,
                                const struct sockaddr *addr) {
  const ript_http_server_config *cfg = l->cfg;
  ngtcp2_cid dcid;
  ngtcp2_cid_init(&dcid, vc->dcid, vc->dcidlen);
  size_t size = ript_h3_reset_size(&dcid, pktlen);
  if (!cfg->stateless_reset_key || !size ||
      ript_http_bucket_take(&l->resets, RIPT_H3_RESET_BURST,
                            RIPT_H3_RESET_RATE, uv_now(l->loop)) != 0)
    return;
  uint8_t *dest = ript_h3_endpoint_slot(&l->ep);
  ngtcp2_ssize n = ript_h3_reset_write(dest, RIPT_H3_MAX_PKT,
                                       cfg->stateless_reset_key,
                                       cfg->stateless_reset_key_len, &dcid,
                                       size);
  if (n <= 0)
    return;
  ript_h3_endpoint_add(&l->ep, (size_t)n, addr, ript_h3_addrlen(addr));
  ript_h3_endpoint_kick(&l->ep);
  ++l->stats->stateless_resets;
}

/* Answers a tokenless Initial with a Retry carrying a token bound to the
 * client's address: a client that comes back with it has proved the
 * address, and until then we keep no state. */
static void listener_send_retry(ript_http_listener *l, const ngtcp2_pkt_hd *hd,
                                const struct sockaddr *addr) {
  ngtcp2_cid scid;
  scid.datalen = RIPT_H3_CID_LEN;
  if (gnutls_rnd(GNUTLS_RND_NONCE, scid.data, scid.datalen) != 0)
    return;
  uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
  ngtcp2_ssize tokenlen = ngtcp2_crypto_generate_retry_token(
      token, l->retry_secret, sizeof(l->retry_secret), hd->version,
      (const ngtcp2_sockaddr *)addr, ript_h3_addrlen(addr), &scid, &hd->dcid,
      uv_hrtime());
  if (tokenlen < 0)
    return;
  uint8_t *dest = ript_h3_endpoint_slot(&l->ep);
  ngtcp2_ssize n =
      ngtcp2_crypto_write_retry(dest, RIPT_H3_MAX_PKT, hd->version, &hd->scid,
                                &scid, &hd->dcid, token, (size_t)tokenlen);
  if (n <= 0)
    return;
  ript_h3_endpoint_add(&l->ep, (size_t)n, addr, ript_h3_addrlen(addr));
  ript_h3_endpoint_kick(&l->ep);
  ++l->stats->retries_sent;
}

/*
 * A new connection's Initial. With a valid Retry token the address is
 * proved and only the connection caps apply; without one, a client arriving
 * while too many handshakes are under way (overall or from its address) is
 * sent a Retry instead. Refused packets are dropped: nothing is sent back.
 */
static ript_h3_conn *listener_admit(ript_http_listener *l,
                                    const ngtcp2_pkt_hd *hd,
                                    const struct sockaddr *addr) {
  const ript_http_server_config *cfg = l->cfg;
  ngtcp2_cid odcid;
  int validated = 0;
  if (hd->tokenlen && hd->token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
    if (ngtcp2_crypto_verify_retry_token(
            &odcid, hd->token, hd->tokenlen, l->retry_secret,
            sizeof(l->retry_secret), hd->version, (const ngtcp2_sockaddr *)addr,
            ript_h3_addrlen(addr), &hd->dcid,
            RIPT_H3_RETRY_TOKEN_MS * NGTCP2_MILLISECONDS, uv_hrtime()) != 0) {
      ++l->stats->connections_refused;
      return NULL;
    }
    validated = 1;
  }
  const ript_http_peer *peer = ript_http_peers_get(&l->peers, addr, 0);
  if (!validated &&
      (l->handshakes >= cfg->max_handshakes ||
       (peer && peer->handshakes >= cfg->max_handshakes_per_address))) {
    listener_send_retry(l, hd, addr);
    return NULL;
  }
  if (l->live >= cfg->max_connections ||
      (peer && peer->conns >= cfg->max_connections_per_address)) {
    ++l->stats->connections_refused;
    return NULL;
  }
  return listener_accept(l, hd, addr, validated ? &odcid : NULL);
}

/* Deadlines of one connection's requests, and a connection with no request
 * open for the idle timeout is closed (a peer's PINGs do not keep it). A
 * drained one closes once no sweep found a request open for two sweep
 * periods: at least one period after its last exchange ended, time for the
 * last acknowledgements to reach the client. */
static void listener_sweep_conn(ript_http_listener *l, ript_h3_conn *c,
                                uint64_t now) {
  if (c->closing || c->gone || !c->handshake_done)
    return; /* ngtcp2's handshake timeout covers the handshake */
  for (ript_h3_stream *st = c->streams; st; st = st->next)
    if (st->ex)
      ript_http_server_check(l->server, l->cfg, st->ex, now);
  if (c->nexchanges) {
    c->busy_ms = now;
  } else if (c->draining && now - c->busy_ms >= 2 * RIPT_HTTP_SWEEP_MS) {
    ript_h3_conn_close(c);
  } else if (now - c->busy_ms >= l->idle_ms) {
    ++l->stats->idle_closed;
    ript_h3_conn_close(c);
  }
}

static void listener_on_sweep(uv_timer_t *timer) {
  ript_http_listener *l = timer->data;
  uint64_t now = uv_now(l->loop);
  /* Connections are torn down only in a flush, so the list holds. */
  for (ript_h3_conn *c = l->conns; c; c = c->next)
    listener_sweep_conn(l, c, now);
  if (!l->live)
    uv_timer_stop(timer);
}

static void listener_on_alloc(uv_handle_t *handle, size_t suggested,
                              uv_buf_t *buf) {
  ript_http_listener *l = handle->data;
  (void)suggested;
  buf->base = (char *)l->rbuf;
  buf->len = RIPT_H3_RECV_SLOT * RIPT_H3_RECV_SLOTS;
}

static void listener_on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
                             const struct sockaddr *addr, unsigned flags) {
  ript_http_listener *l = udp->data;
  if (nread <= 0 || !addr || (flags & UV_UDP_PARTIAL))
    return;
  const uint8_t *data = (const uint8_t *)buf->base;
  size_t len = (size_t)nread;
  ngtcp2_version_cid vc;
  int rv = ngtcp2_pkt_decode_version_cid(&vc, data, len, RIPT_H3_CID_LEN);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    listener_version_negotiation(l, &vc, addr);
    return;
  }
  if (rv != 0)
    return;
  ript_map_node *node = ript_map_find(&l->cids, vc.dcid, vc.dcidlen);
  ript_h3_conn *c = node ? RIPT_MAP_ENTRY(node, ript_h3_cid, node)->conn : NULL;
  if (!c) {
    ngtcp2_pkt_hd hd;
    if (l->closing)
      return;
    if (!(data[0] & 0x80)) { /* the header form bit: a short header */
      listener_send_reset(l, &vc, len, addr);
      return;
    }
    /* Only a fresh Initial starts a connection; other long-header packets
     * for an unknown ID are dropped. */
    if (ngtcp2_accept(&hd, data, len) != 0 ||
        !(c = listener_admit(l, &hd, addr)))
      return;
  }
  ript_h3_conn_recv(c, addr, data, len);
}

/* ---- the listener's lifetime ---- */

static void listener_free(ript_http_listener *l) {
  ript_http_server *server = l->server;
  int silent = l->silent;
  ript_map_free(&l->cids);
  ript_http_peers_free(&l->peers);
  ript_h3_endpoint_free(&l->ep);
  free(l->rbuf);
  free(l);
  if (!silent)
    ript_http_server_listener_closed(server);
}

static void listener_maybe_done(ript_http_listener *l) {
  if (l->ep.closed && l->handles == 0 && l->nconns == 0 && !l->sweep_open)
    listener_free(l);
}

/* The endpoint is the listener's first member, so every handle's data
 * (the listener for the socket, the endpoint for the others) is |l|. */
static void listener_handle_closed(uv_handle_t *handle) {
  ript_http_listener *l = handle->data;
  --l->handles;
  listener_maybe_done(l);
}

static void listener_sweep_closed(uv_handle_t *handle) {
  ript_http_listener *l = handle->data;
  l->sweep_open = 0;
  listener_maybe_done(l);
}

static void listener_close_handles(ript_http_listener *l) {
  l->handles = 3;
  ript_h3_endpoint_close(&l->ep, listener_handle_closed);
  uv_close((uv_handle_t *)&l->sweep, listener_sweep_closed);
}

/* After each turn: a closing listener first asks every connection to close
 * (they are torn down next turn, sending GOAWAY and CONNECTION_CLOSE), then
 * closes its socket once none is left. */
static void listener_after_run(ript_h3_endpoint *ep) {
  ript_http_listener *l = (ript_http_listener *)ep;
  if (!l->closing || ep->closed)
    return;
  if (l->conns) {
    for (ript_h3_conn *c = l->conns; c; c = c->next)
      ript_h3_conn_close(c);
    return;
  }
  listener_close_handles(l);
}

static int listener_socket(ript_http_listener *l, const struct sockaddr *addr) {
  int fd = ript_h3_udp_socket(addr->sa_family);
  if (fd < 0)
    return -1;
  l->locallen = sizeof(l->local);
  if (bind(fd, addr, ript_h3_addrlen(addr)) != 0 ||
      getsockname(fd, (struct sockaddr *)&l->local, &l->locallen) != 0) {
    close(fd);
    return -1;
  }
  const struct sockaddr_in *in = (const struct sockaddr_in *)&l->local;
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&l->local;
  l->port =
      ntohs(l->local.ss_family == AF_INET6 ? in6->sin6_port : in->sin_port);
  return fd;
}

static int listener_open(ript_http_listener **plistener,
                         ript_http_server *server, uv_loop_t *loop,
                         const struct sockaddr *addr,
                         gnutls_certificate_credentials_t cred,
                         const ript_http_server_config *cfg) {
  ript_http_listener *l = calloc(1, sizeof(*l));
  if (!l)
    return RIPT_ERR_NOMEM;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, l->retry_secret, sizeof(l->retry_secret)) !=
      0) {
    free(l);
    return RIPT_ERR_CRYPTO;
  }
  ript_http_peers_init(&l->peers, ript_http_server_seed(server));
  if (ript_h3_endpoint_alloc(&l->ep, RIPT_H3_SERVER_BATCH,
                             RIPT_H3_CHUNK_KEEP_SERVER) != 0 ||
      !(l->rbuf = malloc((size_t)RIPT_H3_RECV_SLOT * RIPT_H3_RECV_SLOTS))) {
    ript_h3_endpoint_free(&l->ep);
    free(l);
    return RIPT_ERR_NOMEM;
  }
  int fd = listener_socket(l, addr);
  if (fd < 0) {
    ript_h3_endpoint_free(&l->ep);
    free(l->rbuf);
    free(l);
    return RIPT_ERR_HTTP_CLOSED;
  }
  l->server = server;
  l->loop = loop;
  l->cred = cred;
  l->idle_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : 30000;
  l->max_streams = cfg->max_streams ? cfg->max_streams : 1000;
  l->cfg = cfg;
  l->stats = ript_http_server_stats_of(server);
  uv_timer_init(loop, &l->sweep);
  l->sweep.data = l;
  l->sweep_open = 1;
  ript_map_init(&l->cids, ript_http_server_seed(server), NULL);
  l->ep.cids = &l->cids;
  l->ep.after_run = listener_after_run;
  l->ep.udp.data = l;
  int rv = ript_h3_endpoint_start(&l->ep, loop, fd, 1, listener_on_alloc,
                                  listener_on_recv);
  if (rv != 0) {
    l->silent = 1;
    listener_close_handles(l);
    return rv;
  }
  *plistener = l;
  return 0;
}

static void listener_close(ript_http_listener *l) {
  l->closing = 1;
  ript_h3_endpoint_kick(&l->ep);
}

static void listener_drain(ript_http_listener *l) {
  for (ript_h3_conn *c = l->conns; c; c = c->next)
    ript_h3_conn_drain(c);
}

static uint16_t listener_port(const ript_http_listener *l) { return l->port; }

const ript_http_listener_ops ript_h3_listener_ops = {
    listener_open, listener_close, listener_drain, listener_port};

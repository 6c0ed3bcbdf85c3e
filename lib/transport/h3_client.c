/*
 * The HTTP/3 client connection: its own UDP socket connected to the
 * server, TLS with SNI and verification of the certificate against the host
 * name, and readiness once the handshake is done and the server's SETTINGS
 * arrived (so that extended CONNECT and datagram support are known before
 * the first request).
 */
#include "h3_stream.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

enum {
  /* We advertise max_udp_payload_size = RIPT_H3_MAX_PKT; larger datagrams are
   * dropped. */
  RIPT_H3_CLIENT_RBUF = 2048,
};

struct ript_http_conn {
  ript_h3_conn c; /* first: the connection's callbacks find us through it */
  ript_h3_endpoint ep;
  struct ript_http_client_origin *origin;
  char *host; /* GnuTLS keeps a pointer for verification */
  size_t handles;
  int silent; /* open failed: free without reporting */
  uint8_t rbuf[RIPT_H3_CLIENT_RBUF];
};

/* ---- the connection side ---- */

static void client_on_headers(ript_h3_conn *c, ript_http_exchange *ex) {
  (void)c;
  ript_http_exchange_emit_response(ex);
}

static void client_on_ready(ript_h3_conn *c) {
  ript_http_conn *conn = c->owner;
  ript_http_client_conn_ready(conn->origin, conn);
}

/* Teardown needs nothing more: the turn's end closes the handles. */
static const ript_h3_conn_hooks client_hooks = {client_on_headers,
                                                client_on_ready, NULL};

/* ---- lifetime ---- */

static void client_handle_closed(uv_handle_t *handle) {
  ript_http_conn *conn = handle->data;
  if (--conn->handles > 0)
    return;
  ript_h3_conn_free_quic(&conn->c);
  ript_h3_endpoint_free(&conn->ep);
  if (!conn->silent)
    ript_http_client_conn_closed(conn->origin, conn, conn->c.close_error);
  free(conn->host);
  free(conn);
}

static void client_close_handles(ript_http_conn *conn) {
  conn->handles = 4;
  conn->ep.udp.data = conn->ep.prepare.data = conn->ep.idle.data = conn;
  ript_h3_endpoint_close(&conn->ep, client_handle_closed);
  uv_close((uv_handle_t *)&conn->c.timer, client_handle_closed);
}

/* After the turn whose flush tore the connection down (its last packet is
 * sent by then), the handles close and the front hears of it. */
static void client_after_run(ript_h3_endpoint *ep) {
  ript_http_conn *conn = ep->udp.data;
  if (conn->c.gone && !ep->closed)
    client_close_handles(conn);
}

/* ---- receiving ---- */

static void client_on_alloc(uv_handle_t *handle, size_t suggested,
                            uv_buf_t *buf) {
  ript_http_conn *conn = handle->data;
  (void)suggested;
  buf->base = (char *)conn->rbuf;
  buf->len = sizeof(conn->rbuf);
}

static void client_on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
                           const struct sockaddr *addr, unsigned flags) {
  ript_http_conn *conn = udp->data;
  if (nread < 0) {
    /* ICMP unreachable during the handshake: nobody serves HTTP/3 there. */
    if (!conn->c.handshake_done)
      ript_h3_conn_abort(&conn->c, RIPT_ERR_HTTP_CLOSED);
    return;
  }
  if (nread == 0 || !addr || (flags & UV_UDP_PARTIAL))
    return;
  ript_h3_conn_recv(&conn->c, addr, (const uint8_t *)buf->base, (size_t)nread);
}

/* ---- opening ---- */

static int client_tls(ript_http_conn *conn,
                      gnutls_certificate_credentials_t cred) {
  ript_h3_conn *c = &conn->c;
  int rv = ript_h3_conn_tls(c, GNUTLS_CLIENT, cred);
  if (rv != 0)
    return rv;
  rv = ript_tls_client_verify(c->tls, conn->host);
  if (rv == 0)
    ngtcp2_conn_set_tls_native_handle(c->qc, c->tls);
  return rv;
}

static int client_quic(ript_http_conn *conn, const struct sockaddr *addr,
                       gnutls_certificate_credentials_t cred) {
  ript_h3_conn *c = &conn->c;
  ngtcp2_cid dcid, scid;
  dcid.datalen = scid.datalen = RIPT_H3_CID_LEN;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0)
    return RIPT_ERR_CRYPTO;
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
  ript_h3_conn_settings(c, &settings, &params, 0, 0, 0);
  ngtcp2_callbacks cb;
  ript_h3_quic_callbacks(&cb, 0);
  struct sockaddr_storage remote;
  memcpy(&remote, addr, ript_h3_addrlen(addr));
  ngtcp2_path path = {{(ngtcp2_sockaddr *)&c->local, c->locallen},
                      {(ngtcp2_sockaddr *)&remote, ript_h3_addrlen(addr)},
                      NULL};
  if (ngtcp2_conn_client_new(&c->qc, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
                             &cb, &settings, &params, NULL, c) != 0)
    return RIPT_ERR_NOMEM;
  return client_tls(conn, cred);
}

/* A socket connected to the server, so that ICMP errors reach us and the
 * kernel filters other senders; -1 on failure. */
static int client_socket(ript_http_conn *conn, const struct sockaddr *addr) {
  int fd = ript_h3_udp_socket(addr->sa_family);
  if (fd < 0)
    return -1;
  conn->c.locallen = sizeof(conn->c.local);
  if (connect(fd, addr, ript_h3_addrlen(addr)) != 0 ||
      getsockname(fd, (struct sockaddr *)&conn->c.local, &conn->c.locallen) !=
          0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int client_open(ript_http_conn **pconn,
                       struct ript_http_client_origin *origin, uv_loop_t *loop,
                       const struct sockaddr *addr, const char *host,
                       gnutls_certificate_credentials_t cred,
                       const ript_http_client_config *cfg) {
  ript_http_conn *conn = calloc(1, sizeof(*conn));
  if (!conn)
    return RIPT_ERR_NOMEM;
  if (ript_h3_endpoint_alloc(&conn->ep, RIPT_H3_CLIENT_BATCH,
                             RIPT_H3_CHUNK_KEEP_CLIENT) != 0 ||
      !(conn->host = strdup(host))) {
    ript_h3_endpoint_free(&conn->ep);
    free(conn);
    return RIPT_ERR_NOMEM;
  }
  conn->origin = origin;
  ript_h3_conn_init(&conn->c, &conn->ep, &client_hooks, conn, 0,
                    cfg->idle_timeout_ms, ript_http_client_origin_seed(origin));
  int fd = client_socket(conn, addr);
  int rv = fd < 0 ? RIPT_ERR_HTTP_CLOSED : client_quic(conn, addr, cred);
  if (rv != 0) {
    if (fd >= 0)
      close(fd);
    ript_h3_conn_free_quic(&conn->c);
    ript_h3_endpoint_free(&conn->ep);
    free(conn->host);
    free(conn);
    return rv;
  }
  conn->ep.udp.data = conn;
  conn->ep.after_run = client_after_run;
  rv = ript_h3_endpoint_start(&conn->ep, loop, fd, 0, client_on_alloc,
                              client_on_recv);
  uv_timer_init(loop, &conn->c.timer);
  conn->c.timer.data = &conn->c;
  if (rv != 0) {
    conn->silent = 1;
    client_close_handles(conn);
    return rv;
  }
  /* The first flush sends the Initial packet. */
  ript_h3_conn_schedule(&conn->c);
  *pconn = conn;
  return 0;
}

static int client_submit(ript_http_conn *conn, ript_http_exchange *ex,
                         const ript_http_header *headers, size_t n,
                         uint32_t flags) {
  if (!ript_h3_conn_usable(&conn->c))
    return RIPT_ERR_HTTP_CLOSED;
  return ript_h3_stream_submit(&conn->c, ex, headers, n, flags);
}

static int client_usable(const ript_http_conn *conn) {
  return ript_h3_conn_usable(&conn->c);
}

static void client_close(ript_http_conn *conn) { ript_h3_conn_close(&conn->c); }

const ript_http_conn_ops ript_h3_client_conn_ops = {
    client_open, client_submit, client_usable, client_close};

/*
 * One HTTP/3 connection, server or client side: its QUIC state (ngtcp2,
 * GnuTLS), its HTTP/3 layer (nghttp3), its request streams (h3_stream.h)
 * and its datagram queue (h3_body.h), on a UDP endpoint (h3_endpoint.h).
 *
 * The files of the connection, each with one job:
 *   h3_conn.c   its life: set-up, packets in, the flush (recorded stream
 *               actions applied, packets written into the endpoint's batch,
 *               the timer re-armed), GOAWAY, closing and teardown;
 *   h3_quic.c   its ngtcp2 callbacks;
 *   h3_http.c   its HTTP/3 layer: set up once 1-RTT keys exist, and the
 *               nghttp3 callbacks.
 *
 * Every action on a connection or its streams only records what to do and
 * schedules the connection's flush on the endpoint (see h3_endpoint.h for
 * why); teardown happens only in a flush too.
 */
#ifndef RIPT_H3_CONN_H
#define RIPT_H3_CONN_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "h3_body.h"
#include "h3_endpoint.h"
#include "http_internal.h"

enum {
  /* Length of every connection ID we issue. */
  RIPT_H3_CID_LEN = 16,
  /* QUIC transport parameter max_datagram_frame_size we advertise. */
  RIPT_H3_MAX_DATAGRAM_FRAME = 65535,
};

typedef struct ript_h3_conn ript_h3_conn;
typedef struct ript_h3_stream ript_h3_stream;

/* What differs between the server and the client side of a connection. */
typedef struct ript_h3_conn_hooks {
  /* A request (server) or final response (client) header block ended. */
  void (*on_headers)(ript_h3_conn *c, ript_http_exchange *ex);
  /* The handshake is done (client: and the server's SETTINGS arrived). */
  void (*on_ready)(ript_h3_conn *c);
  /* The connection's QUIC state is freed and its exchanges closed; the side
   * closes c->timer and frees what holds the connection (may be NULL). */
  void (*on_torn_down)(ript_h3_conn *c);
} ript_h3_conn_hooks;

/* A connection ID registered in the endpoint's map (server). */
typedef struct ript_h3_cid {
  ript_map_node node; /* keyed by data */
  struct ript_h3_cid *next;
  ript_h3_conn *conn;
  uint8_t data[NGTCP2_MAX_CIDLEN];
} ript_h3_cid;

struct ript_h3_conn {
  ript_h3_endpoint *ep;
  const ript_h3_conn_hooks *hooks;
  void *owner;
  int is_server;
  uint64_t idle_ms;
  ngtcp2_conn *qc;
  nghttp3_conn *h3;
  gnutls_session_t tls;
  ngtcp2_crypto_conn_ref conn_ref;
  ngtcp2_ccerr ccerr; /* what CONNECTION_CLOSE carries */
  struct sockaddr_storage local;
  socklen_t locallen;
  uv_timer_t timer;
  ript_h3_task flush; /* on the endpoint */
  ript_h3_stream *streams;
  ript_map stream_map; /* stream ID -> stream */
  size_t nexchanges;   /* streams with an exchange attached */
  ript_h3_stream *dirty, *dirty_tail;
  ript_h3_stream *waiting, *waiting_tail; /* client: no stream credit yet */
  ript_h3_dgram_queue dq;
  ript_h3_cid *cids;
  ript_h3_conn *next, *prev; /* server: the listener's connections */
  int close_error;           /* for ript_http_client_conn_closed */
  /* Server: the limits (defaults filled in), their counters, and what this
   * connection has used of them. */
  ript_http_server *server;
  const ript_http_server_config *limits;
  ript_http_server_stats *stats;
  ript_http_reset_budget resets;
  ript_http_peer *peer;
  uint64_t busy_ms; /* last sweep that found an exchange open */
  /* draining: GOAWAY went out (server) or came in (client): no new
   * requests. The server closes it a while after its last exchange (see
   * h3_server.c); closing at once could cut off the acknowledgements that
   * complete the peer's last streams. */
  unsigned handshake_done : 1, peer_settings : 1, peer_datagrams : 1,
      ready_reported : 1, drain : 1, draining : 1, closing : 1, dead : 1,
      send_close : 1, ccerr_set : 1, tls_failed : 1, gone : 1, keepalive : 1,
      streams_unblocked : 1, dgram_stalled : 1,
      stateless_reset : 1; /* client: the server answered with one */
};

/* ---- set-up (h3_conn.c) ---- */

/* Zeroes |c| and fills the fields both sides need; its streams are keyed
 * with |seed| (16 bytes). */
void ript_h3_conn_init(ript_h3_conn *c, ript_h3_endpoint *ep,
                       const ript_h3_conn_hooks *hooks, void *owner,
                       int is_server, uint64_t idle_ms, const uint8_t *seed);
/* Settings and transport parameters; |max_streams| is how many request
 * streams the peer may open (0 on a client). */
void ript_h3_conn_settings(const ript_h3_conn *c, ngtcp2_settings *settings,
                           ngtcp2_transport_params *params,
                           uint64_t max_streams, uint32_t stream_window,
                           uint32_t connection_window);
/* A TLS 1.3 session with ALPN "h3", |cred|, and c->conn_ref as its
 * pointer; 0 or RIPT_ERR_HTTP_TLS. */
int ript_h3_conn_tls(ript_h3_conn *c, unsigned flags,
                     gnutls_certificate_credentials_t cred);
/* Frees the ngtcp2, nghttp3 and TLS objects (teardown, or a failed open). */
void ript_h3_conn_free_quic(ript_h3_conn *c);
/* Registers |cid| in the endpoint's map (no-op without one): 0 or
 * RIPT_ERR_NOMEM. */
int ript_h3_conn_add_cid(ript_h3_conn *c, const ngtcp2_cid *cid);
/* Unregisters |cid| (if it is |c|'s), or every ID of |c|. */
void ript_h3_conn_remove_cid(ript_h3_conn *c, const ngtcp2_cid *cid);
void ript_h3_conn_remove_cids(ript_h3_conn *c);

/* ---- life (h3_conn.c) ---- */

/* Feeds one received UDP datagram. */
void ript_h3_conn_recv(ript_h3_conn *c, const struct sockaddr *addr,
                       const uint8_t *data, size_t len);
/* Queues |c|'s flush for this turn (nothing once it is torn down). */
void ript_h3_conn_schedule(ript_h3_conn *c);
/* Closes |c| at the next flush: a server sends GOAWAY, then both send
 * CONNECTION_CLOSE (H3_NO_ERROR). Open exchanges get RIPT_ERR_HTTP_CLOSED. */
void ript_h3_conn_close(ript_h3_conn *c);
/* Fails |c| without sending anything (socket error), with |error|. */
void ript_h3_conn_abort(ript_h3_conn *c, int error);
/* Server: sends GOAWAY naming the last request received (once the HTTP/3
 * layer exists); the requests received go on, later ones are rejected. */
void ript_h3_conn_drain(ript_h3_conn *c);
/* Nonzero while new requests may be submitted (client). */
int ript_h3_conn_usable(const ript_h3_conn *c);
/* Records the QUIC application error nghttp3's |liberr| maps to for the
 * CONNECTION_CLOSE that follows (the first one sticks). */
void ript_h3_conn_set_app_error(ript_h3_conn *c, int liberr);
/* |n| bytes of stream |id| were consumed: gives the peer that much credit
 * on the stream and on the connection. */
void ript_h3_conn_extend(ript_h3_conn *c, int64_t id, uint64_t n);

/* ---- callbacks ---- */

/* ngtcp2's callbacks for a server (|is_server|) or client connection
 * (h3_quic.c). */
void ript_h3_quic_callbacks(ngtcp2_callbacks *cb, int is_server);
/* Once 1-RTT keys exist: the HTTP/3 layer with its control and QPACK
 * streams and its SETTINGS (h3_http.c). 0, or -1 when it cannot be set up
 * (the connection fails). */
int ript_h3_http_setup(ript_h3_conn *c);

#endif /* RIPT_H3_CONN_H */

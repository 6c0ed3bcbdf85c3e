/*
 * What the HTTP/3 server (h3_server.c) and client (h3_client.c) share: one
 * QUIC connection with its HTTP/3 layer (ngtcp2 + nghttp3 + GnuTLS), its
 * request streams and their body buffers, HTTP datagrams, and the UDP
 * endpoint that batches what connections send.
 *
 * Re-entrancy. ngtcp2 and nghttp3 must not be called from inside their own
 * callbacks, yet the application may act from any callback. So every action
 * on an exchange only records what to do on its stream and schedules the
 * connection; the endpoint flushes scheduled connections once per loop turn
 * (a uv_prepare handle, run just before libuv polls), outside any library
 * call. A flush applies the recorded actions, writes every packet it can into
 * the endpoint's batch, and re-arms the connection's timer. Connection
 * teardown happens only in a flush too.
 */
#ifndef RIPT_H3_COMMON_H
#define RIPT_H3_COMMON_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "http_internal.h"

enum {
  /* Length of every connection ID we issue. */
  H3_CID_LEN = 16,
  /* Largest UDP payload we send or advertise that we receive. */
  H3_MAX_PKT = 1500,
  /* Packets one endpoint batches before a sendmmsg(2). */
  H3_SERVER_BATCH = 64,
  H3_CLIENT_BATCH = 16,
  /* Body chunk sizes, each kept in a per-connection pool. A body's first
   * bytes go in a small chunk when they fit: most bodies (a media chunk on
   * a byway, an event) are a few hundred bytes, and a held GET's response
   * would otherwise pin 4 KiB for one of them. */
  H3_CHUNK_SMALL = 256,
  H3_CHUNK = 4096,
  H3_CHUNK_POOL = 32,
  /* Bytes of datagrams (each with a 2-byte length) a connection queues:
   * the queue starts small and doubles up to the maximum. */
  H3_DGRAM_QUEUE_MIN = 4 * 1024,
  H3_DGRAM_QUEUE_MAX = 1024 * 1024,
  /* QUIC transport parameter max_datagram_frame_size we advertise. */
  H3_MAX_DATAGRAM_FRAME = 65535,
};

typedef struct h3_conn h3_conn;
typedef struct h3_endpoint h3_endpoint;

/* ---- a hash map with intrusive nodes (connection IDs, stream IDs) ---- */

typedef struct h3_map_node {
  struct h3_map_node *next;
  void *value;
  uint8_t keylen;
  uint8_t key[NGTCP2_MAX_CIDLEN];
} h3_map_node;

typedef struct h3_map {
  h3_map_node **buckets;
  size_t nbuckets;
  size_t count;
  uint64_t seed;
} h3_map;

void h3_map_init(h3_map *map);
/* |node| must have its key set; 0 or RIPT_ERR_NOMEM (growing). */
int h3_map_insert(h3_map *map, h3_map_node *node);
h3_map_node *h3_map_find(const h3_map *map, const uint8_t *key, size_t len);
void h3_map_remove(h3_map *map, h3_map_node *node);
/* Frees the bucket array; nodes belong to their owners. */
void h3_map_free(h3_map *map);

/* ---- outgoing body: chunks that stay put until the peer acknowledges ---- */

typedef struct h3_chunk {
  struct h3_chunk *next;
  size_t cap;
  size_t len;
  uint8_t data[];
} h3_chunk;

typedef struct h3_body {
  h3_chunk *head;   /* oldest chunk with unacknowledged bytes */
  h3_chunk *tail;   /* where writes append */
  h3_chunk *send;   /* chunk holding the next byte to give nghttp3 */
  size_t send_off;
  size_t ack_off;   /* in head */
  uint64_t written; /* bytes the application wrote */
  uint64_t handed;  /* bytes given to nghttp3 */
} h3_body;

/* ---- streams ---- */

/* Actions recorded on a stream, applied at the next flush. */
#define H3_ACT_SUBMIT 0x01u /* request (client) or response (server) */
#define H3_ACT_RESUME 0x02u /* body bytes or its end were queued */
#define H3_ACT_RESET 0x04u  /* reset both directions */

typedef struct h3_stream {
  h3_conn *conn;
  ript_http_exchange *ex; /* NULL once the exchange was closed */
  int64_t id;             /* -1 until a client stream is opened */
  struct h3_stream *next, *prev; /* every stream of the connection */
  struct h3_stream *dirty_next;  /* the dirty or the waiting list */
  h3_map_node node;              /* in conn->stream_map, by id */
  nghttp3_nv *nv; /* header block to submit (one allocation) */
  size_t nnv;
  h3_body body;
  uint64_t reset_code;
  unsigned actions;
  uint32_t header_bytes;  /* server: the request's header section so far */
  uint32_t header_fields;
  unsigned dirty : 1, waiting : 1, zombie : 1, indexed : 1, submitted : 1,
      responded : 1, no_body : 1, body_ended : 1, bad : 1, interim : 1,
      too_large : 1, cancelled : 1;
} h3_stream;

/* ---- a UDP endpoint: one socket, batched sends, once-per-turn flushes ---- */

typedef struct h3_batch h3_batch;

struct h3_endpoint {
  uv_udp_t udp;     /* .data is the owner (listener or client connection) */
  uv_prepare_t prepare;
  uv_idle_t idle;
  int gso;          /* UDP_SEGMENT works on this socket */
  int connected;    /* client: the socket has a fixed peer */
  int closed;       /* handles are closing */
  size_t parked;    /* uv_udp_send requests in flight after EAGAIN */
  h3_conn *pending; /* connections to flush this turn */
  h3_conn *pending_tail;
  h3_batch *batch;
  h3_map *cids;     /* server: connection ID -> connection */
  /* Called at the end of every turn, after the batch went out. */
  void (*after_run)(h3_endpoint *ep);
};

/* Allocates the send batch for |npkts| packets: 0 or RIPT_ERR_NOMEM. */
int h3_ep_alloc(h3_endpoint *ep, size_t npkts);
/* Initialises the handles and adopts the bound (and for a client,
 * connected) socket |fd|; the handles need h3_ep_close even on failure.
 * Returns 0 or RIPT_ERR_HTTP_CLOSED. */
int h3_ep_start(h3_endpoint *ep, uv_loop_t *loop, int fd, int use_mmsg,
                uv_alloc_cb alloc_cb, uv_udp_recv_cb recv_cb);
/* Makes the next turn run even with no connection pending. */
void h3_ep_kick(h3_endpoint *ep);
/* Room for one packet of up to H3_MAX_PKT bytes (sends the batch first if
 * it is full). */
uint8_t *h3_ep_slot(h3_endpoint *ep);
/* Queues the |len| bytes just written at h3_ep_slot() for |addr|. */
void h3_ep_add(h3_endpoint *ep, size_t len, const struct sockaddr *addr,
               socklen_t addrlen);
/* Closes the three handles; |cb| runs once for each. */
void h3_ep_close(h3_endpoint *ep, uv_close_cb cb);
void h3_ep_free(h3_endpoint *ep);
/* Creates a non-blocking UDP socket with large buffers; -1 on failure. */
int h3_udp_socket(int family);
socklen_t h3_addrlen(const struct sockaddr *addr);

/* ---- a connection ---- */

/* What differs between the server and the client side of a connection. */
typedef struct h3_side {
  /* A request (server) or final response (client) header block ended. */
  void (*headers_done)(h3_conn *c, ript_http_exchange *ex);
  /* The handshake is done (client: and the server's SETTINGS arrived). */
  void (*ready)(h3_conn *c);
  /* The connection's QUIC state is freed and its exchanges closed; the side
   * closes c->timer and frees what holds the connection (may be NULL). */
  void (*torn_down)(h3_conn *c);
} h3_side;

/* Connection ID registered in the endpoint's map (server). */
typedef struct h3_cid {
  h3_map_node node;
  struct h3_cid *next;
} h3_cid;

typedef struct h3_dgram_queue {
  uint8_t *buf;
  size_t cap;
  size_t head;
  size_t tail;
} h3_dgram_queue;

struct h3_conn {
  h3_endpoint *ep;
  const h3_side *side;
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
  h3_stream *streams;
  h3_map stream_map;
  size_t nexchanges;  /* streams with an exchange attached */
  h3_stream *dirty, *dirty_tail;
  h3_stream *waiting, *waiting_tail; /* client: no stream credit yet */
  h3_chunk *pool[2]; /* [0] small chunks, [1] full-size ones */
  size_t npool[2];
  h3_dgram_queue dq;
  h3_cid *cids;
  h3_conn *pending_next;
  h3_conn *next, *prev; /* server: the listener's connections */
  int close_error;      /* for ript_http_client_conn_closed */
  /* Server: the limits (defaults filled in), their counters, and what this
   * connection has used of them. */
  ript_http_server *server;
  const ript_http_server_config *limits;
  ript_http_server_stats *stats;
  ript_http_reset_budget resets;
  ript_http_peer *peer;
  uint64_t busy_ms; /* last sweep that found an exchange open */
  unsigned pending : 1, handshake_done : 1, peer_settings : 1,
      peer_datagrams : 1, ready_reported : 1, draining : 1,
      goaway_notice : 1, goaway_sent : 1, closing : 1, dead : 1,
      send_close : 1, ccerr_set : 1, tls_failed : 1, gone : 1, keepalive : 1,
      streams_unblocked : 1, dgram_stalled : 1;
};

/* Zeroes |c| and fills the fields both sides need. */
void h3_conn_init(h3_conn *c, h3_endpoint *ep, const h3_side *side,
                  void *owner, int is_server, uint64_t idle_ms);
void h3_conn_callbacks(ngtcp2_callbacks *cb, int is_server);
/* Settings and transport parameters; |max_streams| is how many request
 * streams the peer may open (0 on a client). */
void h3_conn_settings(const h3_conn *c, ngtcp2_settings *settings,
                      ngtcp2_transport_params *params, uint64_t max_streams,
                      uint32_t stream_window, uint32_t connection_window);
/* A TLS 1.3 session with ALPN "h3", |cred|, and c->conn_ref as its
 * pointer; 0 or RIPT_ERR_HTTP_TLS. */
int h3_conn_tls(h3_conn *c, unsigned flags,
                gnutls_certificate_credentials_t cred);
/* Frees the ngtcp2, nghttp3 and TLS objects (teardown, or a failed open). */
void h3_conn_free_quic(h3_conn *c);
/* Registers |cid| in the endpoint's map (no-op without one). */
int h3_conn_add_cid(h3_conn *c, const ngtcp2_cid *cid);

/* Feeds one received UDP datagram. */
void h3_conn_recv(h3_conn *c, const struct sockaddr *addr,
                  const uint8_t *data, size_t len);
/* Queues |c| for this turn's flush. */
void h3_conn_schedule(h3_conn *c);
/* Closes |c| at the next flush: a server sends GOAWAY, then both send
 * CONNECTION_CLOSE (H3_NO_ERROR). Open exchanges get RIPT_ERR_HTTP_CLOSED. */
void h3_conn_close(h3_conn *c);
/* Fails |c| without sending anything (socket error), with |error|. */
void h3_conn_abort(h3_conn *c, int error);
/* Server: tells the client, with a GOAWAY notice, to open no new request
 * streams here; the connection keeps serving those it has. */
void h3_conn_goaway_notice(h3_conn *c);
/* Client: queues a request (see ript_http_conn_ops.submit). */
int h3_conn_submit(h3_conn *c, ript_http_exchange *ex,
                   const ript_http_header *headers, size_t n, uint32_t flags);
int h3_conn_usable(const h3_conn *c);

#endif /* RIPT_H3_COMMON_H */

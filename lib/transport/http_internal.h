/*
 * The contract between the version-independent HTTP layer (http_exchange.c,
 * http_server.c, http_client.c, tls.c) and the two backends (h3_*.c on
 * ngtcp2 + nghttp3, h2_*.c on nghttp2). The application sees only
 * include/ript/http.h.
 *
 * Backends create exchanges, fill in what the peer sent, and report events
 * through the ript_http_exchange_emit_* functions; the application's calls
 * on an exchange reach the backend through ript_http_exchange_ops.
 */
#ifndef RIPT_HTTP_INTERNAL_H
#define RIPT_HTTP_INTERNAL_H

#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "ript/http.h"
#include "ript/map.h"

/* ---- the Date header (http_date.c) ---- */

/* Bytes of an IMF-fixdate with its NUL ("Sun, 06 Nov 1994 08:49:37 GMT"). */
#define RIPT_HTTP_DATE_SIZE 30

/* Writes |t| (seconds since the epoch) as an IMF-fixdate (RFC 9110
 * §5.6.7), whatever the locale. Returns 0, or RIPT_ERR_INVALID_ARGUMENT
 * for a time outside the years 0-9999 that the format can carry (|out| is
 * then an empty string). */
int ript_http_date(char out[RIPT_HTTP_DATE_SIZE], time_t t);

/* ---- exchanges ---- */

typedef struct ript_http_exchange_ops {
  int (*respond)(ript_http_exchange *ex, int status,
                 const ript_http_header *headers, size_t n, uint32_t flags);
  int (*write)(ript_http_exchange *ex, const void *data, size_t len);
  size_t (*pending)(const ript_http_exchange *ex);
  int (*end)(ript_http_exchange *ex);
  int (*reset)(ript_http_exchange *ex);
  int (*send_datagram)(ript_http_exchange *ex, const void *data, size_t len);
  int (*datagrams_enabled)(const ript_http_exchange *ex);
  size_t (*max_datagram)(const ript_http_exchange *ex);
} ript_http_exchange_ops;

struct ript_http_client_origin;

struct ript_http_exchange {
  const ript_http_exchange_ops *ops;
  void *stream; /* the backend's per-stream object */
  ript_http_version version;
  int is_client;
  char *method;
  char *authority;
  char *path;
  char *protocol;
  int status;
  ript_http_header *headers; /* the peer's fields; strings owned */
  size_t nheaders;
  size_t headers_cap;
  ript_http_exchange_callbacks cbs;
  void *user_data;
  struct ript_http_client_origin *origin; /* client: for Set-Cookie */
  int closed;
  /* Server deadlines (uv_now milliseconds; see ript_http_server_check). */
  uint64_t opened_ms;  /* the stream's first header frame */
  uint64_t headers_ms; /* the header section completed */
  unsigned headers_done : 1, body_done : 1, held : 1;
};

/* A new exchange; NULL when out of memory. */
ript_http_exchange *ript_http_exchange_new(const ript_http_exchange_ops *ops,
                                           void *stream,
                                           ript_http_version version,
                                           int is_client);

/* Records a pseudo-header the peer sent (":method", ":authority", ":path",
 * ":protocol", ":status"; ":scheme" is checked to be "https"). Returns 0,
 * RIPT_ERR_PARSE for an unknown or repeated pseudo-header or a bad value, or
 * RIPT_ERR_NOMEM. */
int ript_http_exchange_set_pseudo(ript_http_exchange *ex, const char *name,
                                  size_t namelen, const char *value,
                                  size_t valuelen);

/* Records a regular header field (name lower-cased). 0 or RIPT_ERR_NOMEM. */
int ript_http_exchange_add_header(ript_http_exchange *ex, const char *name,
                                  size_t namelen, const char *value,
                                  size_t valuelen);

/* Events, backend → application. Safe to call with NULL callbacks. */
void ript_http_exchange_emit_response(ript_http_exchange *ex);
void ript_http_exchange_emit_body(ript_http_exchange *ex, const uint8_t *data,
                                  size_t len);
void ript_http_exchange_emit_body_end(ript_http_exchange *ex);
void ript_http_exchange_emit_datagram(ript_http_exchange *ex,
                                      const uint8_t *data, size_t len);
/* Calls on_close once and frees the exchange; the backend must drop its
 * pointer to it first. */
void ript_http_exchange_emit_close(ript_http_exchange *ex, int error);

/* ---- TLS (tls.c) ---- */

/* Server credentials from PEM files. 0 or RIPT_ERR_HTTP_TLS / RIPT_ERR_NOMEM. */
int ript_tls_server_credentials(gnutls_certificate_credentials_t *cred,
                                const char *cert_file, const char *key_file);
/* Client credentials: the system trust store plus |ca_file| (may be NULL). */
int ript_tls_client_credentials(gnutls_certificate_credentials_t *cred,
                                const char *ca_file);
/* A client session: SNI for |host| unless it is an IP literal, and
 * verification of the certificate chain and of |host| (name or address)
 * during the handshake. |host| must outlive the session. 0,
 * RIPT_ERR_NOMEM or RIPT_ERR_HTTP_TLS. */
int ript_tls_client_verify(gnutls_session_t tls, const char *host);

/* ---- server backends (h3_server.c, h2_server.c) ---- */

/* How often a listener checks its requests' deadlines and idle
 * connections. */
#define RIPT_HTTP_SWEEP_MS 1000u

/* The server's counters, which the backends update. */
ript_http_server_stats *ript_http_server_stats_of(ript_http_server *server);

/* The 16-byte seed of the server's hash maps (its listeners' and their
 * connections'), drawn from GnuTLS's random generator once per server. */
const uint8_t *ript_http_server_seed(const ript_http_server *server);

/* Server: resets |ex| if it missed its header or body deadline at |now|
 * (uv_now ms) under |cfg| (defaults filled in), counting it. Returns 1 if
 * it was reset, else 0. */
int ript_http_server_check(ript_http_server *server,
                           const ript_http_server_config *cfg,
                           ript_http_exchange *ex, uint64_t now);

/* A token bucket: up to |burst| tokens, refilled at |rate| a second. */
typedef struct ript_http_bucket {
  uint64_t millitokens;
  uint64_t last_ms;
  int started;
} ript_http_bucket;

/* Takes one token at |now| (ms) from a bucket that starts full. Returns 0,
 * or 1 when it is empty (nothing taken). */
int ript_http_bucket_take(ript_http_bucket *b, uint32_t burst, uint32_t rate,
                          uint64_t now);

/* Peer stream cancellations (reset_burst, reset_rate). */
typedef struct ript_http_reset_budget {
  ript_http_bucket bucket;
  int tripped; /* exhausted once: counted, and stays exhausted */
} ript_http_reset_budget;

/* Spends one cancellation at |now| (ms). Returns 0, or 1 when the budget
 * is exhausted (counted as a reset flood: the caller closes). */
int ript_http_reset_spend(ript_http_server *server,
                          const ript_http_server_config *cfg,
                          ript_http_reset_budget *b, uint64_t now);

/* Connections per source address (the port ignored), in a map keyed by
 * the address: a peer chooses it, so the map is seeded. */
typedef struct ript_http_peer {
  ript_map_node node; /* keyed by key */
  uint32_t conns;
  uint32_t handshakes;
  uint8_t key[16];
} ript_http_peer;

typedef struct ript_http_peers {
  ript_map map;
} ript_http_peers;

/* An empty table whose map hashes with |seed| (16 bytes). */
void ript_http_peers_init(ript_http_peers *t, const uint8_t *seed);
/* The entry of |addr|'s address, or NULL if it has none; with |create| a
 * missing one is made (NULL when out of memory). */
ript_http_peer *ript_http_peers_get(ript_http_peers *t,
                                    const struct sockaddr *addr, int create);
/* Frees |p| if it counts no connection any more. */
void ript_http_peers_release(ript_http_peers *t, ript_http_peer *p);
void ript_http_peers_free(ript_http_peers *t);

/* Called by a backend when a request's header block is complete: runs the
 * application's on_request and installs the default callbacks if it set
 * none. */
void ript_http_server_emit_request(ript_http_server *server,
                                   ript_http_exchange *ex);

typedef struct ript_http_listener ript_http_listener;

typedef struct ript_http_listener_ops {
  /* Starts listening on |addr| (the port already chosen by the front). */
  int (*open)(ript_http_listener **plistener, ript_http_server *server,
              uv_loop_t *loop, const struct sockaddr *addr,
              gnutls_certificate_credentials_t cred,
              const ript_http_server_config *cfg);
  /* Stops accepting, ends every connection (exchanges get on_close with
   * RIPT_ERR_HTTP_CLOSED), closes all handles, frees itself and then calls
   * ript_http_server_listener_closed(server). */
  void (*close)(ript_http_listener *listener);
  /* Sends every open connection a GOAWAY naming the last request it
   * received (see ript_http_server_drain); keeps accepting. */
  void (*drain)(ript_http_listener *listener);
  /* For port 0: the port bound (TCP binds first, UDP reuses it). */
  uint16_t (*port)(const ript_http_listener *listener);
} ript_http_listener_ops;

extern const ript_http_listener_ops ript_h3_listener_ops;
extern const ript_http_listener_ops ript_h2_listener_ops;

void ript_http_server_listener_closed(ript_http_server *server);

/* ---- client backends (h3_client.c, h2_client.c) ---- */

typedef struct ript_http_conn ript_http_conn;

typedef struct ript_http_conn_ops {
  /* Starts connecting to |addr| and handshaking TLS with SNI and
   * certificate verification for |host| (ALPN "h3" or "h2"). Reports
   * through ript_http_client_conn_ready / ript_http_client_conn_closed,
   * never from inside this call. */
  int (*open)(ript_http_conn **pconn, struct ript_http_client_origin *origin,
              uv_loop_t *loop, const struct sockaddr *addr, const char *host,
              gnutls_certificate_credentials_t cred,
              const ript_http_client_config *cfg);
  /* Sends a request on a ready connection. |ex| carries method, authority,
   * path and protocol; |headers| are the regular fields to send (cookies
   * already added). With RIPT_HTTP_FLAG_END the header block ends the
   * stream. On success the backend has set ex->ops and ex->stream; the front
   * then replays body bytes written while the request was queued through
   * ex->ops. Returns 0, RIPT_ERR_HTTP_CLOSED (connection going away: the
   * front will reconnect and resubmit) or RIPT_ERR_NOMEM. */
  int (*submit)(ript_http_conn *conn, ript_http_exchange *ex,
                const ript_http_header *headers, size_t n, uint32_t flags);
  /* Nonzero while new requests may be submitted (not draining/GOAWAY). */
  int (*usable)(const ript_http_conn *conn);
  /* Closes: open exchanges get on_close with RIPT_ERR_HTTP_CLOSED, then
   * ript_http_client_conn_closed is called and the conn frees itself. */
  void (*close)(ript_http_conn *conn);
} ript_http_conn_ops;

extern const ript_http_conn_ops ript_h3_client_conn_ops;
extern const ript_http_conn_ops ript_h2_client_conn_ops;

/* The handshake of |conn| completed: queued requests are submitted. */
void ript_http_client_conn_ready(struct ript_http_client_origin *origin,
                                 ript_http_conn *conn);
/* |conn| failed or ended with |error| (0 = clean close; RIPT_ERR_HTTP_TLS
 * when the handshake or verification failed); the backend frees it right
 * after this returns. */
void ript_http_client_conn_closed(struct ript_http_client_origin *origin,
                                  ript_http_conn *conn, int error);

/* The 16-byte seed of the client's hash maps (its connections' stream
 * maps), drawn from GnuTLS's random generator once per client. */
const uint8_t *
ript_http_client_origin_seed(const struct ript_http_client_origin *origin);

/* Client exchanges: records the Set-Cookie fields of a response (called by
 * ript_http_exchange_emit_response before the application sees it). */
void ript_http_client_origin_store_cookies(
    struct ript_http_client_origin *origin, const ript_http_exchange *ex);

#endif /* RIPT_HTTP_INTERNAL_H */

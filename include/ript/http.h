/*
 * ript/http.h - one request/response model over HTTP/3 and HTTP/2.
 *
 * This is libript's transport binding: HTTP/3 (ngtcp2 + nghttp3, QUIC
 * datagrams) and HTTP/2 over TLS (nghttp2), both with GnuTLS, on a libuv loop.
 * Every RIPT resource is written once against this API and behaves the same on
 * both versions. TLS is always on; a client always verifies the server's
 * certificate and host name (there is no switch to turn that off).
 *
 * Model. An exchange is one request and its response on one stream. A server
 * reports each new request through ript_http_server_callbacks.on_request; the
 * application may then install per-exchange callbacks and answer at once or
 * later (long-lived GETs and PUTs are the norm in RIPT). A client starts
 * exchanges with ript_http_client_request. Bodies stream both ways: bytes are
 * delivered as they arrive and may be written at any time until the body is
 * ended. HTTP/3 extended CONNECT exchanges (RFC 9220) can carry HTTP
 * datagrams (RFC 9297).
 *
 * Lifetime. An exchange is owned by the library. It stays valid until its
 * on_close callback returns, which is called exactly once: when both
 * directions have completed, the stream was reset, or the connection was lost.
 *
 * Threading. Every object belongs to the thread running its uv loop; no
 * function may be called from another thread. All functions may be called
 * from inside any callback of this API (actions are queued and flushed when
 * the callback returns).
 *
 * Errors: functions return 0 or a negative RIPT_ERR_* code (ript/error.h);
 * callbacks receive failures as an `error` argument (0 = none).
 */
#ifndef RIPT_HTTP_H
#define RIPT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ript/error.h"

typedef enum ript_http_version {
  RIPT_HTTP_2 = 2,
  RIPT_HTTP_3 = 3,
} ript_http_version;

/* A header field. Names are lower-case; both strings are NUL-terminated. */
typedef struct ript_http_header {
  const char *name;
  const char *value;
} ript_http_header;

typedef struct ript_http_exchange ript_http_exchange;

/*
 * Callbacks for one exchange. Any may be NULL. |user_data| is the pointer set
 * with the callbacks. Data pointers are valid only during the call.
 */
typedef struct ript_http_exchange_callbacks {
  /* Client only: the final response header block arrived (status and
   * headers are now readable). Interim 1xx responses are not reported. */
  void (*on_response)(ript_http_exchange *ex, void *user_data);
  /* Body bytes from the peer: the request body on a server, the response
   * body on a client. Bytes are consumed for flow control on return. */
  void (*on_body)(ript_http_exchange *ex, const uint8_t *data, size_t len,
                  void *user_data);
  /* The peer ended its body (or sent none). */
  void (*on_body_end)(ript_http_exchange *ex, void *user_data);
  /* An HTTP datagram (RFC 9297) for this extended CONNECT exchange. */
  void (*on_datagram)(ript_http_exchange *ex, const uint8_t *data,
                      size_t len, void *user_data);
  /* The exchange is over. |error| is 0 when both sides completed normally,
   * RIPT_ERR_HTTP_RESET when the peer reset the stream, RIPT_ERR_HTTP_CLOSED
   * when the connection was lost or closed, or another RIPT_ERR_* code. The
   * exchange is freed when this returns. */
  void (*on_close)(ript_http_exchange *ex, int error, void *user_data);
} ript_http_exchange_callbacks;

/* ---- request and response data (valid until on_close returns) ---- */

ript_http_version ript_http_exchange_version(const ript_http_exchange *ex);
/* Request pseudo-headers. :protocol is NULL unless extended CONNECT. */
const char *ript_http_exchange_method(const ript_http_exchange *ex);
const char *ript_http_exchange_authority(const ript_http_exchange *ex);
const char *ript_http_exchange_path(const ript_http_exchange *ex);
const char *ript_http_exchange_protocol(const ript_http_exchange *ex);
/* Client: the response status (0 before on_response). Server: the status
 * sent, 0 before ript_http_exchange_respond. */
int ript_http_exchange_status(const ript_http_exchange *ex);
/* The peer's header fields (request headers on a server, response headers
 * on a client), pseudo-headers excluded. */
size_t ript_http_exchange_header_count(const ript_http_exchange *ex);
const ript_http_header *ript_http_exchange_header_at(
    const ript_http_exchange *ex, size_t i);
/* The first value of header |name| (case-insensitive), or NULL. */
const char *ript_http_exchange_header(const ript_http_exchange *ex,
                                      const char *name);

/* Replaces the exchange's callbacks (a server does this in on_request). */
void ript_http_exchange_set_callbacks(ript_http_exchange *ex,
                                      const ript_http_exchange_callbacks *cbs,
                                      void *user_data);
void *ript_http_exchange_user_data(const ript_http_exchange *ex);

/* Server: the application takes this exchange over for a long time (a RIPT
 * byway: a held media GET, an events stream, a streaming PUT), so its
 * request body is exempt from ript_http_server_config.body_timeout_ms. */
void ript_http_exchange_hold(ript_http_exchange *ex);

/* Frees the copies of the header fields the exchange received (request
 * fields on a server, response fields on a client): from now on
 * ript_http_exchange_header finds none. For exchanges held for a long
 * time once their fields were read (riptd's byways). Method, authority,
 * path and protocol stay. */
void ript_http_exchange_forget_headers(ript_http_exchange *ex);

/* ---- sending ---- */

/* Response flags (server) and request flags (client). */
#define RIPT_HTTP_FLAG_NONE 0x00u
/* There is no body: the header block ends the stream. */
#define RIPT_HTTP_FLAG_END 0x01u
/* Client: send no Cookie header on this request (draft §9.13: migration). */
#define RIPT_HTTP_FLAG_NO_COOKIES 0x02u

/*
 * Server: sends the response header block. The library adds :status and
 * date; |headers| are copied. Without RIPT_HTTP_FLAG_END the body follows
 * through ript_http_exchange_write and is finished by
 * ript_http_exchange_end. Returns 0, RIPT_ERR_HTTP_STATE (already answered,
 * or a client exchange), RIPT_ERR_HTTP_CLOSED, or RIPT_ERR_NOMEM.
 */
int ript_http_exchange_respond(ript_http_exchange *ex, int status,
                               const ript_http_header *headers, size_t n,
                               uint32_t flags);

/*
 * Queues body bytes (copied) on the exchange's outgoing side: the response
 * body on a server (after respond), the request body on a client. Bytes are
 * sent as flow control allows. Returns 0, RIPT_ERR_HTTP_STATE (body ended or
 * no body expected), RIPT_ERR_HTTP_CLOSED, or RIPT_ERR_NOMEM.
 */
int ript_http_exchange_write(ript_http_exchange *ex, const void *data,
                             size_t len);

/* Bytes queued by ript_http_exchange_write and not yet sent: a sender that
 * must not fall behind (media) watches this. */
size_t ript_http_exchange_pending(const ript_http_exchange *ex);

/* Ends the outgoing body after the queued bytes. Returns 0,
 * RIPT_ERR_HTTP_STATE (already ended) or RIPT_ERR_HTTP_CLOSED. */
int ript_http_exchange_end(ript_http_exchange *ex);

/* Resets the stream in both directions; on_close follows with
 * RIPT_ERR_HTTP_RESET. Returns 0 or RIPT_ERR_HTTP_CLOSED. */
int ript_http_exchange_reset(ript_http_exchange *ex);

/*
 * Sends one HTTP datagram on an extended CONNECT exchange (HTTP/3 with
 * datagrams negotiated by both sides). Datagrams are unreliable: one that
 * does not fit the path or finds the send queue full is dropped and
 * RIPT_ERR_NOBUF returned. Returns 0, RIPT_ERR_NOBUF, RIPT_ERR_HTTP_STATE
 * (HTTP/2, not CONNECT, or the peer did not enable datagrams), or
 * RIPT_ERR_HTTP_CLOSED.
 */
int ript_http_exchange_send_datagram(ript_http_exchange *ex,
                                     const void *data, size_t len);

/* Nonzero if this exchange may carry datagrams (both sides enabled them). */
int ript_http_exchange_datagrams_enabled(const ript_http_exchange *ex);

/* The largest payload ript_http_exchange_send_datagram takes on this
 * exchange now: what one QUIC packet on the current path holds (it grows as
 * path MTU discovery proves larger packets) within the peer's DATAGRAM frame
 * limit, less the quarter stream ID in front. 0 when the exchange cannot
 * carry datagrams (HTTP/2, not CONNECT, not negotiated, a client request
 * not yet sent). */
size_t ript_http_exchange_max_datagram(const ript_http_exchange *ex);

/* ---- server ---- */

typedef struct ript_http_server ript_http_server;

#define RIPT_HTTP_SERVER_FLAG_H3 0x01u
#define RIPT_HTTP_SERVER_FLAG_H2 0x02u

/* The shortest ript_http_server_config.stateless_reset_key, in bytes. */
#define RIPT_HTTP_RESET_KEY_MIN 32u

typedef struct ript_http_server_config {
  /* Numeric address to listen on, e.g. "127.0.0.1" or "::1". */
  const char *address;
  /* Port; 0 picks a free one. HTTP/3 (UDP) and HTTP/2 (TCP) share it. */
  uint16_t port;
  /* PEM files: the certificate chain and its private key. */
  const char *cert_file;
  const char *key_file;
  /* RIPT_HTTP_SERVER_FLAG_H3 | RIPT_HTTP_SERVER_FLAG_H2; 0 means both. */
  uint32_t flags;
  /* A connection idle this long is closed; 0 means 30000. */
  uint64_t idle_timeout_ms;
  /* Concurrent request streams a peer may open per connection; 0 = 1000. */
  uint64_t max_streams;
  /* Flow control: bytes a peer may send on one stream, and on a whole
   * connection, before the server has consumed them. 0 = HTTP/2 1 MiB
   * and 8 MiB; HTTP/3 256 KiB and 1 MiB, which ngtcp2 may grow up to
   * 6 MiB and 16 MiB when the peer is fast (never beyond a given value). */
  uint32_t stream_window;
  uint32_t connection_window;

  /* ---- limits on hostile peers (docs/SECURITY.md); 0 means the default
   * named, and every one is counted in ript_http_server_stats ---- */
  /* Requests a peer may cancel (HTTP/2 RST_STREAM, HTTP/3 RESET_STREAM or
   * STOP_SENDING) in a burst, refilled at |reset_rate| a second; one more
   * closes the connection (HTTP/2 GOAWAY ENHANCE_YOUR_CALM, HTTP/3
   * H3_EXCESSIVE_LOAD): the Rapid Reset attack (CVE-2023-44487). 0 = 2000
   * and 200; the burst should stay above max_streams, since a client may
   * cancel all its open requests at once. */
  uint32_t reset_burst;
  uint32_t reset_rate;
  /* A request's header section: its size (RFC 9113 §6.5.2: name, value
   * and 32 per field) and its field count. Over either, the request is
   * answered 431 and never reaches the application. 0 = 65536 (also the
   * largest allowed) and 256. */
  uint32_t max_header_bytes;
  uint32_t max_header_fields;
  /* A request's header section must be complete this long after its stream
   * opened, and an HTTP/2 TLS handshake this long after the connection was
   * accepted; else the stream is reset (the connection closed). 0 = 10000. */
  uint64_t header_timeout_ms;
  /* A request's body must be complete this long after its header section,
   * unless the application called ript_http_exchange_hold (a long-lived
   * upload); else the stream is reset. 0 = 30000. */
  uint64_t body_timeout_ms;
  /* Connections, overall and from one source address (HTTP/2 and HTTP/3
   * each). Over a cap a new TCP connection is closed at once and a new QUIC
   * Initial is dropped; established connections are untouched.
   * 0 = 10000 and 1000. */
  uint32_t max_connections;
  uint32_t max_connections_per_address;
  /* QUIC handshakes in progress, overall and from one source address. Over
   * either, a client must prove its address with a Retry round trip (RFC
   * 9000 §8.1.2) before the server keeps any state for it. 0 = 1000 and
   * 100. */
  uint32_t max_handshakes;
  uint32_t max_handshakes_per_address;

  /* HTTP/3 Stateless Reset (RFC 9000 §10.3): a secret of at least
   * RIPT_HTTP_RESET_KEY_MIN bytes (shorter: RIPT_ERR_INVALID_ARGUMENT),
   * copied. With it, the stateless reset token of every connection ID the
   * server issues is derived from the key and the ID (HKDF-SHA256), and a
   * short-header packet for a connection ID the server does not know is
   * answered with a Stateless Reset carrying that token (when the packet is
   * long enough for a smaller reply; at most 200 a second after a burst of
   * 1000). A client whose server restarted, or whose packets now reach
   * another node sharing the key, so learns at its next packet that its
   * connection is gone instead of waiting for the idle timeout. NULL:
   * tokens are random and packets of unknown connections are dropped.
   * Give every process that may receive a connection's packets the same
   * key, and nobody else (docs/SECURITY.md). */
  const uint8_t *stateless_reset_key;
  size_t stateless_reset_key_len;
} ript_http_server_config;

/* What the server's limits did (cumulative since ript_http_server_new,
 * except the first two, which are current). */
typedef struct ript_http_server_stats {
  uint64_t connections;         /* open now (HTTP/2 and HTTP/3) */
  uint64_t handshakes;          /* QUIC handshakes in progress now */
  uint64_t reset_floods;        /* connections closed for too many resets */
  uint64_t headers_too_large;   /* requests answered 431 */
  uint64_t header_timeouts;     /* streams reset: header section too late */
  uint64_t body_timeouts;       /* streams reset: body too late */
  uint64_t handshake_timeouts;  /* HTTP/2 connections closed mid-handshake */
  uint64_t idle_closed;         /* connections closed with no request open */
  uint64_t retries_sent;        /* QUIC Retry packets sent */
  uint64_t connections_refused; /* over a connection cap, or a bad token */
  uint64_t protocol_errors;     /* connections the peer broke the protocol
                                   on (GOAWAY / CONNECTION_CLOSE with an
                                   error; e.g. a CONTINUATION flood) */
  uint64_t stateless_resets;    /* QUIC Stateless Resets sent for packets
                                   of unknown connections */
} ript_http_server_stats;

typedef struct ript_http_server_callbacks {
  /* A request's header block arrived. Install callbacks with
   * ript_http_exchange_set_callbacks (else the server's defaults below are
   * used) and respond now or later. */
  void (*on_request)(ript_http_exchange *ex, void *user_data);
  /* Defaults for exchanges whose on_request installs none. */
  ript_http_exchange_callbacks exchange;
} ript_http_server_callbacks;

/*
 * Creates a server on |loop| and starts listening. |cfg| and |cbs| are
 * copied. Returns 0, RIPT_ERR_INVALID_ARGUMENT, RIPT_ERR_HTTP_TLS (cannot
 * load the certificate or key), RIPT_ERR_HTTP_CLOSED (cannot bind),
 * RIPT_ERR_CRYPTO (GnuTLS's random generator failed), or RIPT_ERR_NOMEM.
 */
int ript_http_server_new(ript_http_server **pserver, uv_loop_t *loop,
                         const ript_http_server_config *cfg,
                         const ript_http_server_callbacks *cbs,
                         void *user_data);

/* The port actually bound. */
uint16_t ript_http_server_port(const ript_http_server *server);

/* Copies the server's counters into |*stats|. */
void ript_http_server_stats_get(const ript_http_server *server,
                                ript_http_server_stats *stats);

/*
 * Drains the connections open now, to hand their clients over gracefully
 * (e.g. before a restart): each, HTTP/2 and HTTP/3, is sent a GOAWAY naming
 * the last request it received. The requests received go on to their end,
 * long-lived ones (held GETs, streaming bodies, datagrams) included; the
 * client sends its next requests on a new connection. A request the client
 * sent before the GOAWAY reached it is refused unprocessed (a ript client's
 * on_close gets RIPT_ERR_HTTP_CLOSED: safe to send again). A drained
 * connection closes once its last exchange is over. A connection still in
 * its handshake is drained when the handshake completes.
 *
 * The server goes on accepting new connections, which are not drained (call
 * again to drain those too); it is up to the application to stop sending
 * clients here, e.g. by reporting itself not ready to a load balancer.
 * Safe from inside any callback; nothing happens after
 * ript_http_server_close.
 */
void ript_http_server_drain(ript_http_server *server);

/*
 * Stops accepting, tells every connection to go away (HTTP/2 GOAWAY, HTTP/3
 * GOAWAY and CONNECTION_CLOSE), closes them (every open exchange gets
 * on_close with RIPT_ERR_HTTP_CLOSED) and frees the server once all libuv
 * handles are closed, then calls |on_closed| (may be NULL).
 */
void ript_http_server_close(ript_http_server *server,
                            void (*on_closed)(void *user_data),
                            void *user_data);

/* ---- client ---- */

typedef struct ript_http_client ript_http_client;

typedef struct ript_http_client_config {
  /* Which HTTP version to speak. */
  ript_http_version version;
  /* Extra trusted CA certificates (PEM file) besides the system's; NULL for
   * none. Verification itself can never be turned off. */
  const char *ca_file;
  /* Idle timeout of a connection; 0 means 30000 ms. */
  uint64_t idle_timeout_ms;
  /* Connection attempts that fail are retried after this many ms, doubling
   * each time (draft §9.3 retry-backoff); values below 2000 mean 2000. */
  uint64_t retry_backoff_ms;
  /* Give up on a connection (failing its queued requests with
   * RIPT_ERR_HTTP_CLOSED) after this many failed attempts; 0 means 1. */
  unsigned max_connect_attempts;
} ript_http_client_config;

/* Creates a client on |loop|. |cfg| is copied. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT, RIPT_ERR_HTTP_TLS (cannot load ca_file),
 * RIPT_ERR_CRYPTO (GnuTLS's random generator failed), or RIPT_ERR_NOMEM. */
int ript_http_client_new(ript_http_client **pclient, uv_loop_t *loop,
                         const ript_http_client_config *cfg);

typedef struct ript_http_request {
  const char *method;
  /* Absolute https URL: scheme, authority (host[:port]) and path. */
  const char *url;
  /* Extended CONNECT protocol (e.g. "webtransport"), or NULL. */
  const char *protocol;
  const ript_http_header *headers;
  size_t nheaders;
  /* RIPT_HTTP_FLAG_END (no body) and/or RIPT_HTTP_FLAG_NO_COOKIES. */
  uint32_t flags;
} ript_http_request;

/*
 * Starts a request. The client keeps one connection per authority, opening
 * it on first use and again after it breaks; requests wait while it
 * connects. Cookies the authority set are sent back unless
 * RIPT_HTTP_FLAG_NO_COOKIES (RFC 6265 name=value pairs, Max-Age/Expires
 * honoured by the caller's clock via the loop time). The request is copied;
 * |*pex| is valid until its on_close returns. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (bad URL or method), or RIPT_ERR_NOMEM; transport
 * failures arrive later through on_close.
 */
int ript_http_client_request(ript_http_client *client,
                             const ript_http_request *req,
                             const ript_http_exchange_callbacks *cbs,
                             void *user_data, ript_http_exchange **pex);

/* Closes every open connection at once, as a network failure lasting
 * |down_ms| would: the exchanges get on_close with RIPT_ERR_HTTP_CLOSED,
 * and requests made during the next |down_ms| wait (without failing)
 * until it is over to open a new connection. The client stays usable.
 * For tests of recovery (draft §9.14). */
void ript_http_client_cut(ript_http_client *client, uint64_t down_ms);

/* Closes every connection (open exchanges get on_close with
 * RIPT_ERR_HTTP_CLOSED) and frees the client once its handles are closed,
 * then calls |on_closed| (may be NULL). */
void ript_http_client_close(ript_http_client *client,
                            void (*on_closed)(void *user_data),
                            void *user_data);

/* ---- development certificates ---- */

/*
 * Makes sure |dir| holds a development CA and a server certificate signed by
 * it, creating what is missing (ECDSA P-256, valid 10 years):
 *   DIR/ca.pem, DIR/ca-key.pem         the CA (trust it with a client's ca_file)
 *   DIR/server.pem, DIR/server-key.pem for "localhost", 127.0.0.1 and ::1
 *                                       plus |hosts| (names or IP literals)
 * Existing files are kept, so a state directory survives restarts. |dir|
 * must exist. Returns 0, RIPT_ERR_HTTP_TLS (GnuTLS failed), or
 * RIPT_ERR_INVALID_ARGUMENT (cannot write the files).
 */
int ript_tls_dev_certs(const char *dir, const char *const *hosts,
                       size_t nhosts);

#endif /* RIPT_HTTP_H */

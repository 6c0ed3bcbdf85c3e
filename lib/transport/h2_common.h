/*
 * What the HTTP/2 server (h2_server.c) and client (h2_client.c) share: one
 * connection (TLS over TCP, an nghttp2 session on top), its streams, and the
 * exchange operations on them. The words are the HTTP/3 backend's: a
 * connection (ript_h2_conn, as ript_h3_conn), its streams (ript_h2_stream),
 * its hooks where the roles differ, draining after a GOAWAY.
 *
 * I/O model. libuv owns the socket. Ciphertext read from it is handed to
 * GnuTLS through a pull function reading from memory; the plaintext goes to
 * nghttp2_session_mem_recv. Outgoing frames are pulled from
 * nghttp2_session_mem_send once per loop turn (a uv_prepare_t), encrypted in
 * as few records as possible and written with one uv_write; while that write
 * is in flight nothing more is pulled, so flow control backs up into
 * nghttp2 and ript_http_exchange_pending shows it.
 *
 * Re-entrancy. Nothing here calls nghttp2_session_mem_recv/mem_send from an
 * nghttp2 callback, and nothing frees the connection while a callback is on the
 * stack: the application's actions only queue frames and schedule the
 * flush, and a close requested from inside a callback runs when the
 * outermost entry point returns.
 */
#ifndef RIPT_H2_COMMON_H
#define RIPT_H2_COMMON_H

#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "http_internal.h"
#include "ript/buf.h"

/* Size of the buffer libuv reads ciphertext into (one per listener or
 * client connection; it is free again when the read callback returns). */
#define RIPT_H2_READ_BUF 65536
/* Largest header list (RFC 9113 §6.5.2 accounting) either side accepts or
 * sends; above nghttp2's 64 KiB limit on a sent header block it could not
 * be sent anyway. */
#define RIPT_H2_MAX_HEADER_LIST 65536u
/* Flow-control windows we grant: a stream, and the whole connection. */
#define RIPT_H2_STREAM_WINDOW (1u << 20)
#define RIPT_H2_CONN_WINDOW (8u << 20)

typedef struct ript_h2_conn ript_h2_conn;

/* One request/response stream and its exchange. */
typedef struct ript_h2_stream {
  struct ript_h2_stream *prev, *next; /* every stream nghttp2 may hold */
  ript_h2_conn *conn;
  ript_http_exchange *ex;
  int32_t id;
  ript_buf body;            /* body bytes written and not yet framed */
  size_t body_off;          /* start of the unframed bytes in body */
  size_t header_bytes;      /* received header list size so far */
  uint32_t header_fields;   /* received header fields so far */
  unsigned has_body : 1;    /* a data provider is attached */
  unsigned body_ended : 1;  /* ript_http_exchange_end was called */
  unsigned deferred : 1;    /* the data provider returned DEFERRED */
  unsigned recv_ended : 1;  /* the peer's END_STREAM arrived */
  unsigned local_reset : 1; /* we sent RST_STREAM */
  unsigned emitted : 1;     /* server: on_request ran; client: on_response */
  unsigned too_large : 1;   /* the peer's header list is over our limit */
  unsigned interim : 1;     /* client: inside a 1xx header block */
} ript_h2_stream;

/* What the owner of a connection (the server's or the client's) does at
 * the three points where the roles differ. */
typedef struct ript_h2_conn_hooks {
  /* The TLS handshake completed with ALPN "h2": create c->h2 (with
   * ript_h2_conn_callbacks plus the role's own) and submit SETTINGS.
   * Returns 0 or a RIPT_ERR_* code that closes the connection. */
  int (*on_handshake)(ript_h2_conn *c);
  /* Received bytes were processed; runs outside nghttp2 callbacks. */
  void (*on_input)(ript_h2_conn *c);
  /* Every handle is closed and the TLS and nghttp2 sessions are freed;
   * the owner frees the memory holding |c|. |error| is the first error
   * given to ript_h2_conn_close (0 = clean). */
  void (*on_closed)(ript_h2_conn *c, int error);
} ript_h2_conn_hooks;

struct ript_h2_conn {
  const ript_h2_conn_hooks *hooks;
  uv_loop_t *loop;
  uv_tcp_t tcp;
  uv_timer_t timer;     /* idle timeout, then the close grace period */
  uv_prepare_t flusher; /* one flush per loop turn */
  uv_write_t write_req;
  gnutls_session_t tls;
  nghttp2_session *h2;
  uint8_t *rbuf;     /* the owner's read buffer, RIPT_H2_READ_BUF */
  const uint8_t *in; /* ciphertext not yet taken by GnuTLS */
  size_t in_len;
  ript_buf plain;       /* frames waiting to be encrypted */
  ript_buf tls_out;     /* records waiting for the next write */
  ript_buf tls_writing; /* records in the write in flight */
  ript_h2_stream *streams;
  uint64_t idle_ms;
  uint64_t last_activity; /* uv_now of the last bytes received */
  int is_client;
  int busy; /* entry points on the stack */
  int open_handles;
  int close_error;
  uint32_t goaway_code;   /* the error code of the closing GOAWAY */
  unsigned connected : 1; /* TCP is up (client: connect completed) */
  unsigned handshake_done : 1;
  unsigned writing : 1;
  unsigned closing : 1;       /* ript_h2_conn_close ran: no new work */
  unsigned close_pending : 1; /* asked from inside a callback */
  unsigned close_hard : 1;
  unsigned graceful : 1; /* closing: flushing the last frames first */
  unsigned bye_sent : 1;
  unsigned handles_closing : 1;
  unsigned drain : 1; /* server: GOAWAY asked (sent once c->h2 exists) */
};

/* Prepares |c| on |loop| (the TCP handle is initialised, not connected)
 * with a GnuTLS session of |flags| (GNUTLS_SERVER or GNUTLS_CLIENT) using
 * |cred| and ALPN "h2". Returns 0, RIPT_ERR_NOMEM or RIPT_ERR_HTTP_TLS; on
 * failure nothing is left to free. */
int ript_h2_conn_init(ript_h2_conn *c, const ript_h2_conn_hooks *hooks,
                      uv_loop_t *loop, uint8_t *rbuf,
                      gnutls_certificate_credentials_t cred, unsigned flags,
                      uint64_t idle_ms);

/* TCP is connected: starts reading, the idle timer and (client) the
 * handshake. Returns 0 or a RIPT_ERR_* code. */
int ript_h2_conn_start(ript_h2_conn *c);

/* Ends the connection: every open exchange gets on_close(RIPT_ERR_HTTP_CLOSED),
 * then, unless |hard|, a GOAWAY and whatever is queued are flushed (bounded
 * by a short grace period), the handles close and hooks->on_closed runs.
 * |error| is what on_closed reports. Safe from inside callbacks and when
 * already closing (a hard close then cuts a graceful one short). */
void ript_h2_conn_close(ript_h2_conn *c, int error, int hard);

/* Server: sends GOAWAY naming the last stream processed (once the
 * handshake is done), without closing: streams above it are refused
 * (REFUSED_STREAM), the peer opens no new ones, and the connection closes
 * by itself once the remaining ones are done. Once per connection; a
 * connection out of memory for it is closed. */
void ript_h2_conn_drain(ript_h2_conn *c);

/* Schedules a flush for this loop turn. */
void ript_h2_conn_schedule(ript_h2_conn *c);

/* nghttp2 callbacks both roles use: body data, stream close and frame
 * send; user_data is the connection. */
void ript_h2_conn_callbacks(nghttp2_session_callbacks *cbs);

/* Options both roles use (window updates driven by consumption). 0 or
 * RIPT_ERR_NOMEM; the caller deletes *opt after creating c->h2. */
int ript_h2_conn_options(nghttp2_option **opt);

/* Grants our connection window (|window| bytes; 0: RIPT_H2_CONN_WINDOW)
 * after SETTINGS were submitted. */
int ript_h2_conn_open_window(ript_h2_conn *c, uint32_t window);

/* A new stream object for |ex| (not yet linked); NULL when out of memory. */
ript_h2_stream *ript_h2_stream_new(ript_h2_conn *c, ript_http_exchange *ex);
/* Links |st| with stream |id| into the connection and nghttp2. */
void ript_h2_stream_open(ript_h2_stream *st, int32_t id);
/* Frees a stream never attached (and not its exchange). */
void ript_h2_stream_free(ript_h2_stream *st);

/* The data provider reading a stream's outgoing buffer. */
void ript_h2_stream_provider(nghttp2_data_provider *prd);

/* Builds an nghttp2 header array: |npseudo| entries already in |nva| are
 * kept, then |headers| follow with names lower-cased and HTTP/1
 * connection-specific fields dropped. *names receives a block the caller
 * frees after submitting. Returns the total count or RIPT_ERR_NOMEM. */
ript_ssize ript_h2_headers(nghttp2_nv *nva, size_t npseudo,
                           const ript_http_header *headers, size_t n,
                           char **names);

/* The RFC 9113 §6.5.2 size of a header list. */
size_t ript_h2_header_list_size(const nghttp2_nv *nva, size_t n);

/* The exchange operations of an HTTP/2 stream. */
extern const ript_http_exchange_ops ript_h2_exchange_ops;

#endif /* RIPT_H2_COMMON_H */

/*
 * The request streams of an HTTP/3 connection and the exchange operations
 * on them (h3_stream.c).
 *
 * What the application does to an exchange (respond, write, end, reset, a
 * datagram, a new request) is only recorded on its stream, which goes on
 * the connection's dirty list, and the connection's flush is scheduled; the
 * flush (h3_conn.c) applies each dirty stream's actions with
 * ript_h3_stream_apply, outside any ngtcp2 or nghttp3 call.
 */
#ifndef RIPT_H3_STREAM_H
#define RIPT_H3_STREAM_H

#include "h3_conn.h"

/* Actions recorded on a stream, applied at the next flush. */
#define RIPT_H3_ACT_SUBMIT 0x01u /* request (client) or response (server) */
#define RIPT_H3_ACT_RESUME 0x02u /* body bytes or its end were queued */
#define RIPT_H3_ACT_RESET 0x04u  /* reset both directions */

struct ript_h3_stream {
  ript_h3_conn *conn;
  ript_http_exchange *ex;             /* NULL once the exchange was closed */
  int64_t id;                         /* -1 until a client stream is opened */
  struct ript_h3_stream *next, *prev; /* every stream of the connection */
  struct ript_h3_stream *dirty_next;  /* the dirty or the waiting list */
  ript_map_node node;                 /* in conn->stream_map, keyed by id */
  nghttp3_nv *nv; /* header block to submit (one allocation) */
  size_t nnv;
  ript_h3_body body;
  uint64_t reset_code;
  unsigned actions;
  uint32_t header_bytes; /* server: the request's header section so far */
  uint32_t header_fields;
  unsigned dirty : 1, waiting : 1, zombie : 1, indexed : 1, submitted : 1,
      responded : 1, no_body : 1, body_ended : 1, bad : 1, interim : 1,
      too_large : 1, cancelled : 1;
};

/* The exchange operations of an HTTP/3 stream. */
extern const ript_http_exchange_ops ript_h3_exchange_ops;

/* A new stream of |c| with |id| (-1: a client stream not yet opened),
 * linked and indexed; NULL when out of memory. */
ript_h3_stream *ript_h3_stream_new(ript_h3_conn *c, int64_t id);
/* Unlinks and frees |st| (and its body); its exchange must be closed. */
void ript_h3_stream_free(ript_h3_stream *st);
/* Frees |st| now, or when the dirty list lets go of it. */
void ript_h3_stream_release(ript_h3_stream *st);
/* The stream of |c| with |id|, or NULL. */
ript_h3_stream *ript_h3_stream_find(ript_h3_conn *c, int64_t id);
/* Attaches |ex| (counted in c->nexchanges). */
void ript_h3_stream_attach(ript_h3_stream *st, ript_http_exchange *ex);
/* The exchange is over for the application: on_close with |error|, then it
 * is freed (nothing if it already was). */
void ript_h3_stream_emit_close(ript_h3_stream *st, int error);
/* Records |act| for the next flush and schedules it. */
void ript_h3_stream_mark(ript_h3_stream *st, unsigned act);
/* Appends |st| to the connection's dirty list. */
void ript_h3_stream_push_dirty(ript_h3_stream *st);
/* Nonzero if the exchange is an extended CONNECT (it carries datagrams). */
int ript_h3_stream_is_connect(const ript_h3_stream *st);
/* Flush time: applies what was recorded on |st|. Returns 0, or an nghttp3
 * error the connection cannot go on with (ript_h3_conn_set_app_error). */
int ript_h3_stream_apply(ript_h3_stream *st);

/* Client: queues a request on |c| (see ript_http_conn_ops.submit; the
 * caller checked ript_h3_conn_usable). Returns 0 or RIPT_ERR_NOMEM. */
int ript_h3_stream_submit(ript_h3_conn *c, ript_http_exchange *ex,
                          const ript_http_header *headers, size_t n,
                          uint32_t flags);

#endif /* RIPT_H3_STREAM_H */

/*
 * What an HTTP/3 connection keeps to send: each request stream's outgoing
 * body, in chunks that stay put until the peer acknowledges them (nghttp3
 * requires it), and the connection's queue of HTTP datagrams.
 *
 * Chunks come from the endpoint's pool (h3_endpoint.h) in two sizes, each a
 * size class of the pool (header included, so a chunk costs no more than a
 * plain allocation of its size). A body's first bytes go in a small chunk
 * when they fit: most bodies (a media chunk on a byway, an event) are a few
 * hundred bytes, and a held GET's response would otherwise pin 4 KiB for
 * one of them. A write larger than a full-size chunk gets one chunk of its
 * own size, outside the pool.
 */
#ifndef RIPT_H3_BODY_H
#define RIPT_H3_BODY_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>

#include "ript/pool.h"

enum {
  /* Chunk sizes, header included: two of the pool's size classes. */
  RIPT_H3_CHUNK_SMALL = 256,
  RIPT_H3_CHUNK = 4096,
  /* Free chunks of each size an endpoint's pool keeps: a server's are
   * shared by all its connections, a client has one connection. */
  RIPT_H3_CHUNK_KEEP_SERVER = 128,
  RIPT_H3_CHUNK_KEEP_CLIENT = 32,
  /* Bytes of datagrams (each with a 2-byte length) a connection queues:
   * the queue starts small and doubles up to the maximum. */
  RIPT_H3_DGRAM_QUEUE_MIN = 4 * 1024,
  RIPT_H3_DGRAM_QUEUE_MAX = 1024 * 1024,
};

/* ---- an outgoing body ---- */

typedef struct ript_h3_chunk {
  struct ript_h3_chunk *next;
  size_t cap;
  size_t len;
  uint8_t data[];
} ript_h3_chunk;

typedef struct ript_h3_body {
  ript_h3_chunk *head; /* oldest chunk with unacknowledged bytes */
  ript_h3_chunk *tail; /* where writes append */
  ript_h3_chunk *send; /* chunk holding the next byte to give nghttp3 */
  size_t send_off;
  size_t ack_off;   /* in head */
  uint64_t written; /* bytes the application wrote */
  uint64_t handed;  /* bytes given to nghttp3 */
} ript_h3_body;

/* Copies |len| bytes in, allocating at most one chunk (from |pool|) so that
 * a failure leaves the body unchanged. Returns 0 or RIPT_ERR_NOMEM. */
int ript_h3_body_append(ript_h3_body *b, ript_pool *pool, const uint8_t *data,
                        size_t len);
/* Points up to |veccnt| entries of |vec| at bytes not yet given to nghttp3
 * (they stay where they are until acknowledged); returns how many. */
size_t ript_h3_body_read(ript_h3_body *b, nghttp3_vec *vec, size_t veccnt);
/* The peer acknowledged |n| more bytes: chunks done with go back to
 * |pool|. */
void ript_h3_body_ack(ript_h3_body *b, ript_pool *pool, uint64_t n);
/* Gives every chunk back; the body is empty again. */
void ript_h3_body_free(ript_h3_body *b, ript_pool *pool);

/* ---- the datagram queue: [u16 length][quarter stream ID + payload] ... */

typedef struct ript_h3_dgram_queue {
  uint8_t *buf;
  size_t cap;
  size_t head;
  size_t tail;
} ript_h3_dgram_queue;

/* Queues a datagram for the request stream of quarter stream ID |qsid|.
 * Returns 0, or RIPT_ERR_NOBUF when the queue is full (or cannot grow). */
int ript_h3_dgram_push(ript_h3_dgram_queue *q, uint64_t qsid,
                       const uint8_t *data, size_t len);
/* Points |v| at the oldest datagram (quarter stream ID included): 1, or 0
 * when the queue is empty. */
int ript_h3_dgram_peek(const ript_h3_dgram_queue *q, ngtcp2_vec *v);
/* Drops the oldest datagram. */
void ript_h3_dgram_pop(ript_h3_dgram_queue *q);
/* Drops every datagram (the memory stays for the next ones). */
void ript_h3_dgram_clear(ript_h3_dgram_queue *q);
void ript_h3_dgram_free(ript_h3_dgram_queue *q);

#endif /* RIPT_H3_BODY_H */

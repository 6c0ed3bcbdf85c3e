/*
 * HTTP/3 outgoing bodies and the datagram queue (h3_body.h): chunks from the
 * endpoint's pool handed to nghttp3 in place and given back as the peer
 * acknowledges them; datagrams queued with their quarter stream ID until
 * ngtcp2 takes them.
 */
#include "h3_body.h"

#include <string.h>

#include "ript/error.h"
#include "ript_mem.h"
#include "varint.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---- chunks ---- */

/* The bytes a chunk of |block| bytes holds. */
static size_t chunk_room(size_t block) { return block - sizeof(ript_h3_chunk); }

/* A chunk for |need| more bytes of a body; |first| when the body is empty,
 * the only time a small chunk is worth it. */
static ript_h3_chunk *chunk_get(ript_pool *pool, size_t need, int first) {
  size_t block = first && need <= chunk_room(RIPT_H3_CHUNK_SMALL)
                     ? RIPT_H3_CHUNK_SMALL
                     : RIPT_H3_CHUNK;
  ript_h3_chunk *k;
  size_t cap;
  if (need <= chunk_room(block)) {
    k = ript_mem_malloc(ript_pool_mem(pool), block);
    cap = chunk_room(block);
  } else {
    /* One write larger than a chunk: a pool class would round it up to a
     * power of two. */
    if (need > SIZE_MAX - sizeof(*k))
      return NULL;
    k = ript_mem_malloc(NULL, sizeof(*k) + need);
    cap = need;
  }
  if (!k)
    return NULL;
  k->next = NULL;
  k->cap = cap;
  k->len = 0;
  return k;
}

static void chunk_put(ript_pool *pool, ript_h3_chunk *k) {
  int pooled = k->cap == chunk_room(RIPT_H3_CHUNK_SMALL) ||
               k->cap == chunk_room(RIPT_H3_CHUNK);
  ript_mem_free(pooled ? ript_pool_mem(pool) : NULL, k);
}

/* ---- bodies ---- */

int ript_h3_body_append(ript_h3_body *b, ript_pool *pool, const uint8_t *data,
                        size_t len) {
  ript_h3_chunk *t = b->tail;
  size_t room = t ? t->cap - t->len : 0;
  ript_h3_chunk *k = NULL;
  if (len > room && !(k = chunk_get(pool, len - room, t == NULL)))
    return RIPT_ERR_NOMEM;
  size_t n = min_size(len, room);
  if (n) {
    memcpy(t->data + t->len, data, n);
    t->len += n;
  }
  if (k) {
    memcpy(k->data, data + n, len - n);
    k->len = len - n;
    if (t)
      t->next = k;
    else
      b->head = k;
    b->tail = k;
  }
  b->written += len;
  return 0;
}

size_t ript_h3_body_read(ript_h3_body *b, nghttp3_vec *vec, size_t veccnt) {
  if (!b->send) {
    b->send = b->head;
    b->send_off = 0;
  }
  size_t n = 0;
  for (ript_h3_chunk *k = b->send; k && n < veccnt; k = k->next) {
    if (b->send_off < k->len) {
      vec[n].base = k->data + b->send_off;
      vec[n].len = k->len - b->send_off;
      b->handed += vec[n].len;
      b->send_off = k->len;
      ++n;
    }
    if (!k->next)
      break;
    b->send = k->next;
    b->send_off = 0;
  }
  return n;
}

void ript_h3_body_ack(ript_h3_body *b, ript_pool *pool, uint64_t n) {
  while (n && b->head) {
    ript_h3_chunk *h = b->head;
    size_t take = (size_t)(n < h->len - b->ack_off ? n : h->len - b->ack_off);
    b->ack_off += take;
    n -= take;
    if (b->ack_off < h->len)
      return;
    if (h->next) {
      if (b->send == h) {
        b->send = h->next;
        b->send_off = 0;
      }
      b->head = h->next;
      b->ack_off = 0;
      chunk_put(pool, h);
    } else {
      /* All acknowledged: reuse the last chunk from its start. */
      if (b->send == h && b->send_off == h->len)
        h->len = b->ack_off = b->send_off = 0;
      return;
    }
  }
}

void ript_h3_body_free(ript_h3_body *b, ript_pool *pool) {
  while (b->head) {
    ript_h3_chunk *k = b->head;
    b->head = k->next;
    chunk_put(pool, k);
  }
  memset(b, 0, sizeof(*b));
}

/* ---- the datagram queue ---- */

/* Makes room for |need| more bytes: compacts, then doubles up to
 * RIPT_H3_DGRAM_QUEUE_MAX, so that a quiet connection keeps a small
 * queue. */
static int dgram_reserve(ript_h3_dgram_queue *q, size_t need) {
  if (q->tail + need <= q->cap)
    return 0;
  if (q->head) {
    memmove(q->buf, q->buf + q->head, q->tail - q->head);
    q->tail -= q->head;
    q->head = 0;
  }
  size_t cap = q->cap ? q->cap : RIPT_H3_DGRAM_QUEUE_MIN;
  while (cap < q->tail + need && cap < RIPT_H3_DGRAM_QUEUE_MAX)
    cap *= 2;
  if (cap < q->tail + need)
    return RIPT_ERR_NOBUF;
  if (cap != q->cap) {
    uint8_t *buf = ript_mem_realloc(NULL, q->buf, cap);
    if (!buf)
      return RIPT_ERR_NOBUF;
    q->buf = buf;
    q->cap = cap;
  }
  return 0;
}

int ript_h3_dgram_push(ript_h3_dgram_queue *q, uint64_t qsid,
                       const uint8_t *data, size_t len) {
  size_t plen = ript_varint_len(qsid);
  size_t need = 2 + plen + len;
  int rv = dgram_reserve(q, need);
  if (rv != 0)
    return rv;
  uint8_t *p = q->buf + q->tail;
  p[0] = (uint8_t)((plen + len) >> 8);
  p[1] = (uint8_t)(plen + len);
  memcpy(ript_varint_write(p + 2, qsid), data, len);
  q->tail += need;
  return 0;
}

int ript_h3_dgram_peek(const ript_h3_dgram_queue *q, ngtcp2_vec *v) {
  if (q->head == q->tail)
    return 0;
  const uint8_t *p = q->buf + q->head;
  v->base = q->buf + q->head + 2;
  v->len = ((size_t)p[0] << 8) | p[1];
  return 1;
}

void ript_h3_dgram_pop(ript_h3_dgram_queue *q) {
  const uint8_t *p = q->buf + q->head;
  q->head += 2 + (((size_t)p[0] << 8) | p[1]);
  if (q->head == q->tail)
    q->head = q->tail = 0;
}

void ript_h3_dgram_clear(ript_h3_dgram_queue *q) { q->head = q->tail = 0; }

void ript_h3_dgram_free(ript_h3_dgram_queue *q) {
  ript_mem_free(NULL, q->buf);
  memset(q, 0, sizeof(*q));
}

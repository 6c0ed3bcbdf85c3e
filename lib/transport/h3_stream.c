/*
 * HTTP/3 request streams (h3_stream.h): their bookkeeping on the connection
 * (list, map by ID, dirty and waiting lists), the exchange operations that
 * record the application's actions, and applying those actions at flush
 * time (submitting headers to nghttp3, opening a client's stream, resets).
 */
#include "h3_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "varint.h"

enum {
  /* Short header, longest DCID, packet number and AEAD tag, then the
   * DATAGRAM frame type and a 2-byte length. */
  RIPT_H3_DGRAM_OVERHEAD = 1 + NGTCP2_MAX_CIDLEN + 4 + 16 + 1 + 2,
};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The connection flushes at the next turn. */
static void stream_schedule(ript_h3_stream *st) {
  ript_h3_endpoint_schedule(st->conn->ep, &st->conn->flush);
}

/* ---- bookkeeping ---- */

static int stream_index(ript_h3_stream *st) {
  if (ript_map_insert(&st->conn->stream_map, &st->node, &st->id,
                      sizeof(st->id)) != 0)
    return RIPT_ERR_NOMEM;
  st->indexed = 1;
  return 0;
}

ript_h3_stream *ript_h3_stream_find(ript_h3_conn *c, int64_t id) {
  ript_map_node *node = ript_map_find(&c->stream_map, &id, sizeof(id));
  return node ? RIPT_MAP_ENTRY(node, ript_h3_stream, node) : NULL;
}

ript_h3_stream *ript_h3_stream_new(ript_h3_conn *c, int64_t id) {
  ript_h3_stream *st = calloc(1, sizeof(*st));
  if (!st)
    return NULL;
  st->conn = c;
  st->id = id;
  if (id >= 0 && stream_index(st) != 0) {
    free(st);
    return NULL;
  }
  st->next = c->streams;
  if (c->streams)
    c->streams->prev = st;
  c->streams = st;
  return st;
}

void ript_h3_stream_free(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  if (st->prev)
    st->prev->next = st->next;
  else
    c->streams = st->next;
  if (st->next)
    st->next->prev = st->prev;
  if (st->indexed)
    ript_map_remove(&c->stream_map, &st->node);
  ript_h3_body_free(&st->body, &c->ep->chunks);
  free(st->nv);
  free(st);
}

void ript_h3_stream_release(ript_h3_stream *st) {
  if (st->dirty)
    st->zombie = 1;
  else
    ript_h3_stream_free(st);
}

void ript_h3_stream_attach(ript_h3_stream *st, ript_http_exchange *ex) {
  st->ex = ex;
  ++st->conn->nexchanges;
}

void ript_h3_stream_emit_close(ript_h3_stream *st, int error) {
  ript_http_exchange *ex = st->ex;
  if (!ex)
    return;
  st->ex = NULL;
  ex->stream = NULL;
  --st->conn->nexchanges;
  ript_http_exchange_emit_close(ex, error);
}

void ript_h3_stream_push_dirty(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  st->dirty = 1;
  st->dirty_next = NULL;
  if (c->dirty_tail)
    c->dirty_tail->dirty_next = st;
  else
    c->dirty = st;
  c->dirty_tail = st;
}

static void stream_unwait(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  ript_h3_stream *prev = NULL;
  for (ript_h3_stream *s = c->waiting; s; prev = s, s = s->dirty_next) {
    if (s != st)
      continue;
    if (prev)
      prev->dirty_next = s->dirty_next;
    else
      c->waiting = s->dirty_next;
    if (c->waiting_tail == s)
      c->waiting_tail = prev;
    break;
  }
  st->waiting = 0;
}

void ript_h3_stream_mark(ript_h3_stream *st, unsigned act) {
  st->actions |= act;
  if (st->waiting && (act & RIPT_H3_ACT_RESET))
    stream_unwait(st);
  if (!st->dirty && !st->waiting)
    ript_h3_stream_push_dirty(st);
  stream_schedule(st);
}

int ript_h3_stream_is_connect(const ript_h3_stream *st) {
  const ript_http_exchange *ex = st->ex;
  return ex && ex->protocol && ex->method && strcmp(ex->method, "CONNECT") == 0;
}

/* Copies two header lists into one allocation of nghttp3_nv. */
static int stream_set_headers(ript_h3_stream *st, const ript_http_header *first,
                              size_t nfirst, const ript_http_header *rest,
                              size_t nrest) {
  size_t n = nfirst + nrest, bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = i < nfirst ? &first[i] : &rest[i - nfirst];
    bytes += strlen(h->name) + strlen(h->value);
  }
  nghttp3_nv *nv = malloc(n * sizeof(*nv) + bytes + 1);
  if (!nv)
    return RIPT_ERR_NOMEM;
  uint8_t *p = (uint8_t *)(nv + n);
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = i < nfirst ? &first[i] : &rest[i - nfirst];
    nv[i].namelen = strlen(h->name);
    nv[i].valuelen = strlen(h->value);
    nv[i].name = memcpy(p, h->name, nv[i].namelen);
    p += nv[i].namelen;
    nv[i].value = memcpy(p, h->value, nv[i].valuelen);
    p += nv[i].valuelen;
    nv[i].flags = NGHTTP3_NV_FLAG_NONE;
  }
  free(st->nv);
  st->nv = nv;
  st->nnv = n;
  return 0;
}

/* ---- exchange operations (the application's side) ---- */

static int conn_datagrams_ok(const ript_h3_conn *c) {
  if (!c->peer_datagrams || !c->qc)
    return 0;
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  return p && p->max_datagram_frame_size > 0;
}

/* Largest HTTP datagram payload (quarter stream ID included) that fits in
 * one packet on the current path and in the peer's DATAGRAM frame limit. */
static size_t conn_max_datagram(const ript_h3_conn *c) {
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  size_t frame =
      (size_t)(p->max_datagram_frame_size > 3 ? p->max_datagram_frame_size - 3
                                              : 0);
  size_t path = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->qc);
  path = path > RIPT_H3_DGRAM_OVERHEAD ? path - RIPT_H3_DGRAM_OVERHEAD : 0;
  return min_size(frame, path);
}

static int exchange_respond(ript_http_exchange *ex, int status,
                            const ript_http_header *headers, size_t n,
                            uint32_t flags) {
  ript_h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->responded)
    return RIPT_ERR_HTTP_STATE;
  char code[16], date[RIPT_HTTP_DATE_SIZE];
  snprintf(code, sizeof(code), "%03d", status);
  const ript_http_header first[] = {{":status", code}, {"date", date}};
  size_t nfirst = ript_http_date(date, time(NULL)) == 0 ? 2 : 1;
  int rv = stream_set_headers(st, first, nfirst, headers, n);
  if (rv != 0)
    return rv;
  st->responded = 1;
  st->no_body = (flags & RIPT_HTTP_FLAG_END) != 0;
  ript_h3_stream_mark(st, RIPT_H3_ACT_SUBMIT);
  return 0;
}

static int exchange_body_check(const ript_h3_stream *st) {
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->no_body || st->body_ended || (st->conn->is_server && !st->responded))
    return RIPT_ERR_HTTP_STATE;
  return 0;
}

static int exchange_write(ript_http_exchange *ex, const void *data,
                          size_t len) {
  ript_h3_stream *st = ex->stream;
  int rv = exchange_body_check(st);
  if (rv != 0 || len == 0)
    return rv;
  rv = ript_h3_body_append(&st->body, &st->conn->ep->chunks, data, len);
  if (rv == 0)
    ript_h3_stream_mark(st, RIPT_H3_ACT_RESUME);
  return rv;
}

static size_t exchange_pending(const ript_http_exchange *ex) {
  const ript_h3_stream *st = ex->stream;
  return st ? (size_t)(st->body.written - st->body.handed) : 0;
}

static int exchange_end(ript_http_exchange *ex) {
  ript_h3_stream *st = ex->stream;
  int rv = exchange_body_check(st);
  if (rv != 0)
    return rv;
  st->body_ended = 1;
  ript_h3_stream_mark(st, RIPT_H3_ACT_RESUME);
  return 0;
}

static int exchange_reset(ript_http_exchange *ex) {
  ript_h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  st->reset_code = NGHTTP3_H3_REQUEST_CANCELLED;
  ript_h3_stream_mark(st, RIPT_H3_ACT_RESET);
  return 0;
}

static int exchange_send_datagram(ript_http_exchange *ex, const void *data,
                                  size_t len) {
  ript_h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  ript_h3_conn *c = st->conn;
  if (!ript_h3_stream_is_connect(st) || !conn_datagrams_ok(c))
    return RIPT_ERR_HTTP_STATE;
  if (st->id < 0)
    return RIPT_ERR_NOBUF; /* the request has not left yet */
  uint64_t qsid = (uint64_t)st->id / 4;
  if (ript_varint_len(qsid) + len > conn_max_datagram(c))
    return RIPT_ERR_NOBUF;
  int rv = ript_h3_dgram_push(&c->dq, qsid, data, len);
  if (rv == 0)
    stream_schedule(st);
  return rv;
}

static int exchange_datagrams_enabled(const ript_http_exchange *ex) {
  const ript_h3_stream *st = ex->stream;
  return st && !st->conn->closing && ript_h3_stream_is_connect(st) &&
         conn_datagrams_ok(st->conn);
}

/* What exchange_send_datagram takes: the path's and the peer's limit, less
 * the quarter stream ID in front. */
static size_t exchange_max_datagram(const ript_http_exchange *ex) {
  const ript_h3_stream *st = ex->stream;
  if (!exchange_datagrams_enabled(ex) || st->id < 0)
    return 0;
  size_t most = conn_max_datagram(st->conn);
  size_t prefix = ript_varint_len((uint64_t)st->id / 4);
  return most > prefix ? most - prefix : 0;
}

const ript_http_exchange_ops ript_h3_exchange_ops = {exchange_respond,
                                                     exchange_write,
                                                     exchange_pending,
                                                     exchange_end,
                                                     exchange_reset,
                                                     exchange_send_datagram,
                                                     exchange_datagrams_enabled,
                                                     exchange_max_datagram};

int ript_h3_stream_submit(ript_h3_conn *c, ript_http_exchange *ex,
                          const ript_http_header *headers, size_t n,
                          uint32_t flags) {
  ript_h3_stream *st = ript_h3_stream_new(c, -1);
  if (!st)
    return RIPT_ERR_NOMEM;
  ript_http_header pseudo[5];
  size_t np = 0;
  pseudo[np++] = (ript_http_header){":method", ex->method};
  /* A classic CONNECT names only the authority (RFC 9114 §4.4). */
  int classic = strcmp(ex->method, "CONNECT") == 0 && !ex->protocol;
  if (!classic)
    pseudo[np++] = (ript_http_header){":scheme", "https"};
  pseudo[np++] = (ript_http_header){":authority", ex->authority};
  if (!classic)
    pseudo[np++] = (ript_http_header){":path", ex->path};
  if (ex->protocol)
    pseudo[np++] = (ript_http_header){":protocol", ex->protocol};
  if (stream_set_headers(st, pseudo, np, headers, n) != 0) {
    ript_h3_stream_free(st);
    return RIPT_ERR_NOMEM;
  }
  st->no_body = (flags & RIPT_HTTP_FLAG_END) != 0;
  ex->ops = &ript_h3_exchange_ops;
  ex->stream = st;
  ript_h3_stream_attach(st, ex);
  ript_h3_stream_mark(st, RIPT_H3_ACT_SUBMIT);
  return 0;
}

/* ---- applying recorded actions (flush time, outside library calls) ---- */

/* Returns 0 or the nghttp3 error that ends the connection. */
static int stream_do_reset(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  int rv = 0;
  if (st->id >= 0) {
    ngtcp2_conn_shutdown_stream(c->qc, 0, st->id, st->reset_code);
    if (c->h3 && nghttp3_conn_shutdown_stream_read(c->h3, st->id) != 0)
      rv = NGHTTP3_ERR_NOMEM;
  }
  ript_h3_stream_emit_close(st, RIPT_ERR_HTTP_RESET);
  /* nghttp3 frees the streams it knows about when QUIC closes them. */
  if (!st->submitted && !c->is_server)
    ript_h3_stream_release(st);
  return rv;
}

static nghttp3_ssize stream_read_data(nghttp3_conn *h3, int64_t id,
                                      nghttp3_vec *vec, size_t veccnt,
                                      uint32_t *pflags, void *conn_data,
                                      void *stream_data) {
  ript_h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  size_t n = ript_h3_body_read(&st->body, vec, veccnt);
  if (st->body_ended && st->body.handed == st->body.written)
    *pflags |= NGHTTP3_DATA_FLAG_EOF;
  else if (n == 0)
    return NGHTTP3_ERR_WOULDBLOCK;
  return (nghttp3_ssize)n;
}

/* Opens the client's stream if credit allows; 1 if it must wait. */
static int stream_open(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  int64_t id;
  int rv = ngtcp2_conn_open_bidi_stream(c->qc, &id, NULL);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) {
    st->waiting = 1;
    st->dirty_next = NULL;
    if (c->waiting_tail)
      c->waiting_tail->dirty_next = st;
    else
      c->waiting = st;
    c->waiting_tail = st;
    return 1;
  }
  if (rv != 0)
    return rv;
  st->id = id;
  return stream_index(st);
}

/* Returns 0 once submitted, 1 while a client stream waits for credit, -1
 * when the exchange failed (and was closed). */
static int stream_do_submit(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  nghttp3_data_reader dr = {stream_read_data};
  const nghttp3_data_reader *reader = st->no_body ? NULL : &dr;
  int rv;
  if (c->is_server) {
    rv = nghttp3_conn_submit_response(c->h3, st->id, st->nv, st->nnv, reader);
  } else {
    rv = st->id < 0 ? stream_open(st) : 0;
    if (rv == 1)
      return 1;
    if (rv == 0)
      rv = nghttp3_conn_submit_request(c->h3, st->id, st->nv, st->nnv, reader,
                                       st);
  }
  free(st->nv);
  st->nv = NULL;
  if (rv == 0) {
    st->submitted = 1;
    return 0;
  }
  if (st->id >= 0)
    ngtcp2_conn_shutdown_stream(c->qc, 0, st->id, NGHTTP3_H3_INTERNAL_ERROR);
  int nomem =
      rv == RIPT_ERR_NOMEM || rv == NGHTTP3_ERR_NOMEM || rv == NGTCP2_ERR_NOMEM;
  ript_h3_stream_emit_close(st, nomem ? RIPT_ERR_NOMEM : RIPT_ERR_HTTP_CLOSED);
  if (!c->is_server)
    ript_h3_stream_free(st);
  return -1;
}

int ript_h3_stream_apply(ript_h3_stream *st) {
  ript_h3_conn *c = st->conn;
  unsigned act = st->actions;
  st->dirty = 0;
  if (st->zombie) {
    ript_h3_stream_free(st);
    return 0;
  }
  st->actions = 0;
  if (act & RIPT_H3_ACT_RESET)
    return stream_do_reset(st);
  if (act & RIPT_H3_ACT_SUBMIT) {
    int rv = stream_do_submit(st);
    if (rv == 1)
      st->actions = act; /* submitted again once stream credit arrives */
    if (rv != 0)
      return 0;
  }
  if ((act & RIPT_H3_ACT_RESUME) && st->submitted &&
      nghttp3_conn_resume_stream(c->h3, st->id) != 0)
    return NGHTTP3_ERR_NOMEM;
  return 0;
}

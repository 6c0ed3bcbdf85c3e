/* The HTTP/2 connection both roles share: GnuTLS records over a libuv TCP
 * handle through memory buffers, an nghttp2 session on top, its streams and
 * the exchange operations (see h2_common.h for the I/O and re-entrancy
 * model). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "h2_common.h"

enum {
  /* Plaintext pulled from nghttp2 for one write: enough to keep loopback
   * and LAN links busy, small enough that flow control, not our buffers,
   * holds what the peer does not read. */
  H2_FLUSH_BUDGET = 128 * 1024,
  /* How long a closing connection may take to flush GOAWAY. */
  H2_CLOSE_GRACE_MS = 1000,
  /* One TLS record's plaintext at most. */
  H2_RECORD_MAX = 16384,
};

/* RFC 9113 §9.2: TLS 1.2 or later, and under TLS 1.2 only ephemeral key
 * exchange with AEAD ciphers (what §9.2.2's block list leaves). */
#define H2_TLS_PRIORITY                                                        \
  "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
  "+CHACHA20-POLY1305:-RSA"

static void conn_flush(ript_h2_conn *c);

/* ---- GnuTLS over memory ---- */

static ssize_t conn_push(gnutls_transport_ptr_t ptr, const void *data,
                         size_t len) {
  ript_h2_conn *c = ptr;
  if (ript_buf_append(&c->tls_out, data, len) != 0) {
    gnutls_transport_set_errno(c->tls, ENOMEM);
    return -1;
  }
  return (ssize_t)len;
}

static ssize_t conn_pull(gnutls_transport_ptr_t ptr, void *data, size_t len) {
  ript_h2_conn *c = ptr;
  if (c->in_len == 0) {
    gnutls_transport_set_errno(c->tls, EAGAIN);
    return -1;
  }
  size_t n = len < c->in_len ? len : c->in_len;
  memcpy(data, c->in, n);
  c->in += n;
  c->in_len -= n;
  return (ssize_t)n;
}

/* ---- entering and leaving ---- */

static void conn_enter(ript_h2_conn *c) { ++c->busy; }

/* Runs a close that was asked for while we were on the stack. */
static void conn_leave(ript_h2_conn *c) {
  if (--c->busy == 0 && c->close_pending) {
    c->close_pending = 0;
    ript_h2_conn_close(c, c->close_error, c->close_hard);
  }
}

/* ---- streams ---- */

ript_h2_stream *ript_h2_stream_new(ript_h2_conn *c, ript_http_exchange *ex) {
  ript_h2_stream *st = calloc(1, sizeof(*st));
  if (!st)
    return NULL;
  st->conn = c;
  st->ex = ex;
  ript_buf_init(&st->body, NULL);
  return st;
}

void ript_h2_stream_free(ript_h2_stream *st) {
  ript_buf_free(&st->body);
  free(st);
}

void ript_h2_stream_open(ript_h2_stream *st, int32_t id) {
  ript_h2_conn *c = st->conn;
  st->id = id;
  st->next = c->streams;
  if (c->streams)
    c->streams->prev = st;
  c->streams = st;
  (void)nghttp2_session_set_stream_user_data(c->h2, id, st);
}

/* Reports |error| to the exchange of |st|, once. The stream object stays
 * linked: nghttp2 may still hold it as stream user data until it closes the
 * stream or the session is deleted. */
static void stream_emit_close(ript_h2_stream *st, int error) {
  ript_http_exchange *ex = st->ex;
  if (!ex)
    return;
  st->ex = NULL;
  ex->stream = NULL;
  ript_http_exchange_emit_close(ex, error);
}

static void stream_unlink(ript_h2_stream *st) {
  ript_h2_conn *c = st->conn;
  if (st->prev)
    st->prev->next = st->next;
  else
    c->streams = st->next;
  if (st->next)
    st->next->prev = st->prev;
}

/* The on_close error for a stream nghttp2 closed with |error_code|. */
static int stream_close_error(const ript_h2_stream *st, uint32_t error_code) {
  if (st->too_large)
    return RIPT_ERR_LIMIT;
  if (st->local_reset)
    return RIPT_ERR_HTTP_RESET;
  if (error_code == NGHTTP2_REFUSED_STREAM)
    return RIPT_ERR_HTTP_CLOSED; /* never processed: safe to retry */
  if (error_code != NGHTTP2_NO_ERROR || !st->recv_ended)
    return RIPT_ERR_HTTP_RESET;
  return 0;
}

static ssize_t stream_read(nghttp2_session *h2, int32_t id, uint8_t *buf,
                           size_t len, uint32_t *flags,
                           nghttp2_data_source *source, void *user_data) {
  (void)source, (void)user_data;
  ript_h2_stream *st = nghttp2_session_get_stream_user_data(h2, id);
  /* An exchange ended by the connection closing sends nothing more (a
   * reset would tell the peer "reset" where "closed" is the truth). */
  if (!st || !st->ex)
    return NGHTTP2_ERR_DEFERRED;
  size_t avail = st->body.len - st->body_off;
  if (avail == 0 && !st->body_ended) {
    st->deferred = 1;
    return NGHTTP2_ERR_DEFERRED;
  }
  size_t n = avail < len ? avail : len;
  memcpy(buf, st->body.data + st->body_off, n);
  st->body_off += n;
  if (st->body_off == st->body.len)
    st->body.len = st->body_off = 0;
  if (n == avail && st->body_ended)
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

void ript_h2_stream_provider(nghttp2_data_provider *prd) {
  prd->source.ptr = NULL; /* looked up by stream id: it may be gone */
  prd->read_callback = stream_read;
}

static void stream_resume(ript_h2_stream *st) {
  if (st->deferred) {
    st->deferred = 0;
    (void)nghttp2_session_resume_data(st->conn->h2, st->id);
  }
  ript_h2_conn_schedule(st->conn);
}

/* ---- header blocks ---- */

/* HTTP/1 connection-specific fields, forbidden in HTTP/2 (RFC 9113
 * §8.2.2), and host, which :authority replaces. */
static int header_is_hop_by_hop(const char *name) {
  static const char *const names[] = {"connection",       "keep-alive",
                                      "proxy-connection", "transfer-encoding",
                                      "upgrade",          "host"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (strcasecmp(name, names[i]) == 0)
      return 1;
  return 0;
}

ript_ssize ript_h2_headers(nghttp2_nv *nva, size_t npseudo,
                           const ript_http_header *headers, size_t n,
                           char **names) {
  size_t total = 1;
  for (size_t i = 0; i < n; ++i)
    total += strlen(headers[i].name);
  char *block = malloc(total);
  if (!block)
    return RIPT_ERR_NOMEM;
  size_t k = npseudo;
  char *p = block;
  for (size_t i = 0; i < n; ++i) {
    if (header_is_hop_by_hop(headers[i].name))
      continue;
    size_t len = strlen(headers[i].name);
    for (size_t j = 0; j < len; ++j) {
      char c = headers[i].name[j];
      p[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    nva[k].name = (uint8_t *)p;
    nva[k].namelen = len;
    nva[k].value = (uint8_t *)(uintptr_t)headers[i].value;
    nva[k].valuelen = strlen(headers[i].value);
    nva[k].flags = NGHTTP2_NV_FLAG_NONE;
    p += len;
    ++k;
  }
  *names = block;
  return (ript_ssize)k;
}

size_t ript_h2_header_list_size(const nghttp2_nv *nva, size_t n) {
  size_t size = 0;
  for (size_t i = 0; i < n; ++i)
    size += nva[i].namelen + nva[i].valuelen + 32;
  return size;
}

static nghttp2_nv h2_nv(const char *name, const char *value) {
  nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value,
                   strlen(name), strlen(value), NGHTTP2_NV_FLAG_NONE};
  return nv;
}

/* ---- exchange operations ---- */

static int exchange_respond(ript_http_exchange *ex, int status,
                            const ript_http_header *headers, size_t n,
                            uint32_t flags) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  nghttp2_nv *nva = malloc((n + 2) * sizeof(*nva));
  if (!nva)
    return RIPT_ERR_NOMEM;
  char code[4], date[RIPT_HTTP_DATE_SIZE], *names;
  snprintf(code, sizeof(code), "%03d", status);
  size_t npseudo = 0;
  nva[npseudo++] = h2_nv(":status", code);
  if (ript_http_date(date, time(NULL)) == 0)
    nva[npseudo++] = h2_nv("date", date);
  ript_ssize count = ript_h2_headers(nva, npseudo, headers, n, &names);
  if (count < 0) {
    free(nva);
    return (int)count;
  }
  nghttp2_data_provider prd;
  ript_h2_stream_provider(&prd);
  int end = (flags & RIPT_HTTP_FLAG_END) != 0;
  int rv = nghttp2_submit_response(st->conn->h2, st->id, nva, (size_t)count,
                                   end ? NULL : &prd);
  free(names);
  free(nva);
  if (rv != 0)
    return rv == NGHTTP2_ERR_NOMEM ? RIPT_ERR_NOMEM : RIPT_ERR_HTTP_STATE;
  st->has_body = !end;
  st->body_ended = end;
  ript_h2_conn_schedule(st->conn);
  return 0;
}

static int exchange_write(ript_http_exchange *ex, const void *data,
                          size_t len) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (!st->has_body || st->body_ended || st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  if (st->body_off && st->body_off >= st->body.len / 2) {
    /* Compact rather than grow: the reader is at least half-way. */
    memmove(st->body.data, st->body.data + st->body_off,
            st->body.len - st->body_off);
    st->body.len -= st->body_off;
    st->body_off = 0;
  }
  if (ript_buf_append(&st->body, data, len) != 0)
    return RIPT_ERR_NOMEM;
  stream_resume(st);
  return 0;
}

static size_t exchange_pending(const ript_http_exchange *ex) {
  const ript_h2_stream *st = ex->stream;
  return st ? st->body.len - st->body_off : 0;
}

static int exchange_end(ript_http_exchange *ex) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (!st->has_body || st->body_ended || st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  st->body_ended = 1;
  stream_resume(st);
  return 0;
}

static int exchange_reset(ript_http_exchange *ex) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->local_reset)
    return 0;
  st->local_reset = 1;
  if (nghttp2_submit_rst_stream(st->conn->h2, NGHTTP2_FLAG_NONE, st->id,
                                NGHTTP2_CANCEL) != 0) {
    /* nghttp2 is out of memory: the connection cannot go on, and its
     * close still ends this exchange as promised. */
    ript_h2_conn_close(st->conn, RIPT_ERR_NOMEM, 1);
    return 0;
  }
  ript_h2_conn_schedule(st->conn);
  return 0;
}

static int exchange_send_datagram(ript_http_exchange *ex, const void *data,
                                  size_t len) {
  (void)ex, (void)data, (void)len;
  return RIPT_ERR_HTTP_STATE; /* HTTP/2 media travels in byways */
}

static int exchange_datagrams_enabled(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

static size_t exchange_max_datagram(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

const ript_http_exchange_ops ript_h2_exchange_ops = {exchange_respond,
                                                     exchange_write,
                                                     exchange_pending,
                                                     exchange_end,
                                                     exchange_reset,
                                                     exchange_send_datagram,
                                                     exchange_datagrams_enabled,
                                                     exchange_max_datagram};

/* ---- nghttp2 callbacks both roles use ---- */

static int conn_on_data(nghttp2_session *h2, uint8_t flags, int32_t id,
                        const uint8_t *data, size_t len, void *user_data) {
  (void)flags, (void)user_data;
  ript_h2_stream *st = nghttp2_session_get_stream_user_data(h2, id);
  if (st && st->ex && st->emitted && !st->local_reset)
    ript_http_exchange_emit_body(st->ex, data, len);
  /* Delivered is consumed: the window reopens as the application reads. */
  return nghttp2_session_consume(h2, id, len) == 0
             ? 0
             : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int conn_on_stream_close(nghttp2_session *h2, int32_t id,
                                uint32_t error_code, void *user_data) {
  (void)user_data;
  ript_h2_stream *st = nghttp2_session_get_stream_user_data(h2, id);
  if (st) {
    stream_emit_close(st, stream_close_error(st, error_code));
    stream_unlink(st);
    ript_h2_stream_free(st);
  }
  return 0;
}

/* A response HEADERS nghttp2 could not send (too large) would leave its
 * stream hanging: reset it so the exchange ends. Request HEADERS that fail
 * close their stream by themselves. */
static int conn_on_frame_not_send(nghttp2_session *h2,
                                  const nghttp2_frame *frame,
                                  int lib_error_code, void *user_data) {
  (void)lib_error_code, (void)user_data;
  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat == NGHTTP2_HCAT_REQUEST)
    return 0;
  ript_h2_stream *st =
      nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
  if (st)
    st->local_reset = 1;
  return nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                   NGHTTP2_INTERNAL_ERROR) == 0
             ? 0
             : NGHTTP2_ERR_CALLBACK_FAILURE;
}

void ript_h2_conn_callbacks(nghttp2_session_callbacks *cbs) {
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, conn_on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
                                                         conn_on_stream_close);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(
      cbs, conn_on_frame_not_send);
}

int ript_h2_conn_options(nghttp2_option **opt) {
  if (nghttp2_option_new(opt) != 0)
    return RIPT_ERR_NOMEM;
  nghttp2_option_set_no_auto_window_update(*opt, 1);
  return 0;
}

int ript_h2_conn_open_window(ript_h2_conn *c, uint32_t window) {
  int32_t w =
      (int32_t)(window && window <= INT32_MAX ? window : RIPT_H2_CONN_WINDOW);
  return nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0,
                                               w) == 0
             ? 0
             : RIPT_ERR_NOMEM;
}

/* ---- output ---- */

static void conn_on_write(uv_write_t *req, int status);

/* Pulls frames from nghttp2 (up to the budget) and encrypts them into
 * tls_out. Returns 0, or -1 after closing the connection. */
static int conn_produce(ript_h2_conn *c) {
  while (c->plain.len < H2_FLUSH_BUDGET) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(c->h2, &data);
    if (n < 0 || (n > 0 && ript_buf_append(&c->plain, data, (size_t)n) != 0)) {
      ript_h2_conn_close(c, RIPT_ERR_HTTP_CLOSED, 1);
      return -1;
    }
    if (n == 0)
      break;
  }
  size_t off = 0;
  while (off < c->plain.len) {
    ssize_t n =
        gnutls_record_send(c->tls, c->plain.data + off, c->plain.len - off);
    if (n < 0) {
      ript_h2_conn_close(c, RIPT_ERR_HTTP_CLOSED, 1);
      return -1;
    }
    off += (size_t)n;
  }
  c->plain.len = 0;
  return 0;
}

static void conn_write(ript_h2_conn *c) {
  ript_buf spare = c->tls_writing;
  c->tls_writing = c->tls_out;
  c->tls_out = spare;
  c->tls_out.len = 0;
  uv_buf_t buf =
      uv_buf_init((char *)c->tls_writing.data, (unsigned)c->tls_writing.len);
  c->writing = 1;
  c->write_req.data = c;
  if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &buf, 1, conn_on_write) !=
      0) {
    c->writing = 0;
    ript_h2_conn_close(c, RIPT_ERR_HTTP_CLOSED, 1);
  }
}

/* The one place frames leave: everything queued since the last flush goes
 * out in one write. A connection with nothing left to do closes here. */
static void conn_flush(ript_h2_conn *c) {
  if (c->writing || c->handles_closing || !c->connected || c->close_pending)
    return;
  if (c->h2 && conn_produce(c) != 0)
    return;
  if (c->tls_out.len == 0 && c->graceful && c->handshake_done && !c->bye_sent) {
    c->bye_sent = 1;
    (void)gnutls_bye(c->tls, GNUTLS_SHUT_WR); /* close_notify */
  }
  if (c->tls_out.len > 0) {
    conn_write(c);
  } else if (c->graceful) {
    ript_h2_conn_close(c, c->close_error, 1);
  } else if (c->h2 && !nghttp2_session_want_read(c->h2) &&
             !nghttp2_session_want_write(c->h2)) {
    ript_h2_conn_close(c, 0, 0); /* GOAWAY exchanged, streams done */
  }
}

static void conn_on_write(uv_write_t *req, int status) {
  ript_h2_conn *c = req->data;
  c->writing = 0;
  c->tls_writing.len = 0;
  if (status < 0) {
    ript_h2_conn_close(c, RIPT_ERR_HTTP_CLOSED, 1);
    return;
  }
  conn_enter(c);
  conn_flush(c);
  conn_leave(c);
}

static void conn_on_prepare(uv_prepare_t *prepare) {
  ript_h2_conn *c = prepare->data;
  uv_prepare_stop(prepare);
  conn_enter(c);
  conn_flush(c);
  conn_leave(c);
}

void ript_h2_conn_schedule(ript_h2_conn *c) {
  if (!c->handles_closing)
    uv_prepare_start(&c->flusher, conn_on_prepare);
}

/* ---- input ---- */

/* The drain's GOAWAY: nghttp2 refuses the streams above the last one
 * processed once it is sent, and the flush closes the connection when the
 * rest are done. */
static void conn_send_goaway(ript_h2_conn *c) {
  if (nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
                            nghttp2_session_get_last_proc_stream_id(c->h2),
                            NGHTTP2_NO_ERROR, NULL, 0) != 0) {
    ript_h2_conn_close(c, RIPT_ERR_NOMEM, 1);
    return;
  }
  ript_h2_conn_schedule(c);
}

/* Advances the handshake. Returns 0 once it is complete with ALPN "h2"
 * and the role's nghttp2 session exists, 1 while it needs more bytes, -1
 * after closing the connection. */
static int conn_handshake(ript_h2_conn *c) {
  int rv;
  do {
    rv = gnutls_handshake(c->tls);
  } while (rv < 0 && rv != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rv));
  if (rv == GNUTLS_E_AGAIN)
    return 1;
  gnutls_datum_t proto;
  if (rv < 0 || gnutls_alpn_get_selected_protocol(c->tls, &proto) != 0 ||
      proto.size != 2 || memcmp(proto.data, "h2", 2) != 0) {
    if (rv < 0)
      (void)gnutls_alert_send_appropriate(c->tls, rv);
    ript_h2_conn_close(c, RIPT_ERR_HTTP_TLS, 0);
    return -1;
  }
  c->handshake_done = 1;
  rv = c->hooks->on_handshake(c);
  if (rv != 0) {
    ript_h2_conn_close(c, rv, 0);
    return -1;
  }
  if (c->drain)
    conn_send_goaway(c);
  return 0;
}

/* Feeds the ciphertext in c->in through TLS into nghttp2. */
static void conn_input(ript_h2_conn *c) {
  if (!c->handshake_done && conn_handshake(c) != 0)
    return;
  while (!c->closing && !c->close_pending) {
    uint8_t plain[H2_RECORD_MAX];
    ssize_t n = gnutls_record_recv(c->tls, plain, sizeof(plain));
    /* GnuTLS also answers AGAIN after a post-handshake message (a TLS 1.3
     * session ticket) with bytes still to read: stop only when none are. */
    if (n == GNUTLS_E_AGAIN && c->in_len == 0 &&
        gnutls_record_check_pending(c->tls) == 0)
      return;
    if (n == GNUTLS_E_AGAIN)
      continue;
    if (n == 0 || (n < 0 && gnutls_error_is_fatal((int)n))) {
      ript_h2_conn_close(c, 0, 1); /* close_notify or a broken record */
      return;
    }
    if (n < 0)
      continue; /* e.g. a refused renegotiation: nothing to deliver */
    if (nghttp2_session_mem_recv(c->h2, plain, (size_t)n) < 0) {
      /* The peer broke the protocol (or flooded us: too many CONTINUATION,
       * SETTINGS or PING frames): say so in the GOAWAY. */
      if (c->goaway_code == NGHTTP2_NO_ERROR)
        c->goaway_code = NGHTTP2_PROTOCOL_ERROR;
      ript_h2_conn_close(c, RIPT_ERR_PARSE, 0);
      return;
    }
  }
}

static void conn_on_alloc(uv_handle_t *handle, size_t suggested,
                          uv_buf_t *buf) {
  ript_h2_conn *c = handle->data;
  (void)suggested;
  *buf = uv_buf_init((char *)c->rbuf, RIPT_H2_READ_BUF);
}

static void conn_on_read(uv_stream_t *stream, ssize_t nread,
                         const uv_buf_t *buf) {
  ript_h2_conn *c = stream->data;
  if (nread == 0)
    return;
  if (nread < 0) {
    ript_h2_conn_close(c, c->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED, 1);
    return;
  }
  c->last_activity = uv_now(c->loop);
  conn_enter(c);
  c->in = (const uint8_t *)buf->base;
  c->in_len = (size_t)nread;
  conn_input(c);
  c->in_len = 0;
  if (c->handshake_done && !c->closing && !c->close_pending &&
      c->hooks->on_input)
    c->hooks->on_input(c);
  ript_h2_conn_schedule(c);
  conn_leave(c);
}

/* ---- timer ---- */

static void conn_on_timer(uv_timer_t *timer) {
  ript_h2_conn *c = timer->data;
  if (c->closing) {
    ript_h2_conn_close(c, c->close_error, 1); /* grace period over */
    return;
  }
  uint64_t idle_for = uv_now(c->loop) - c->last_activity;
  if (idle_for >= c->idle_ms) {
    ript_h2_conn_close(c, c->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED, 0);
    return;
  }
  /* RIPT keeps requests open for a whole call (event and media GETs) that
   * may be quiet for long: while any is open, a PING at half the timeout
   * draws an ACK from a live peer. A dead one stays silent and the
   * connection idles out, as with QUIC. */
  uint64_t half = c->idle_ms / 2;
  if (idle_for >= half && c->handshake_done && c->streams &&
      nghttp2_submit_ping(c->h2, NGHTTP2_FLAG_NONE, NULL) == 0)
    ript_h2_conn_schedule(c);
  uv_timer_start(timer, conn_on_timer,
                 idle_for < half ? half - idle_for : c->idle_ms - idle_for, 0);
}

/* ---- life cycle ---- */

/* libuv writes to sockets with write(2): a peer that resets the connection
 * mid-write raises SIGPIPE, whose default action kills the process. Only
 * the default is replaced; an application's own handler stays. */
static void conn_ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
  }
}

int ript_h2_conn_init(ript_h2_conn *c, const ript_h2_conn_hooks *hooks,
                      uv_loop_t *loop, uint8_t *rbuf,
                      gnutls_certificate_credentials_t cred, unsigned flags,
                      uint64_t idle_ms) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h2", 2};
  conn_ignore_sigpipe();
  memset(c, 0, sizeof(*c));
  if (gnutls_init(&c->tls, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) !=
      GNUTLS_E_SUCCESS)
    return RIPT_ERR_NOMEM;
  if (gnutls_set_default_priority_append(c->tls, H2_TLS_PRIORITY, NULL, 0) <
          0 ||
      gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
      gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
    gnutls_deinit(c->tls);
    return RIPT_ERR_HTTP_TLS;
  }
  gnutls_transport_set_ptr(c->tls, c);
  gnutls_transport_set_push_function(c->tls, conn_push);
  gnutls_transport_set_pull_function(c->tls, conn_pull);
  c->hooks = hooks;
  c->loop = loop;
  c->rbuf = rbuf;
  c->idle_ms = idle_ms;
  c->is_client = (flags & GNUTLS_CLIENT) != 0;
  ript_buf_init(&c->plain, NULL);
  ript_buf_init(&c->tls_out, NULL);
  ript_buf_init(&c->tls_writing, NULL);
  /* None of these can fail: no socket exists yet. */
  uv_tcp_init(loop, &c->tcp);
  uv_timer_init(loop, &c->timer);
  uv_prepare_init(loop, &c->flusher);
  c->tcp.data = c->timer.data = c->flusher.data = c;
  c->open_handles = 3;
  return 0;
}

int ript_h2_conn_start(ript_h2_conn *c) {
  c->connected = 1;
  c->last_activity = uv_now(c->loop);
  (void)uv_tcp_nodelay(&c->tcp, 1);
  uv_timer_start(&c->timer, conn_on_timer, c->idle_ms / 2, 0);
  if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc, conn_on_read) != 0)
    return RIPT_ERR_HTTP_CLOSED;
  if (c->is_client) {
    conn_enter(c);
    (void)conn_handshake(c); /* the ClientHello */
    ript_h2_conn_schedule(c);
    conn_leave(c);
  }
  return 0;
}

static void conn_on_handle_closed(uv_handle_t *handle) {
  ript_h2_conn *c = handle->data;
  if (--c->open_handles > 0)
    return;
  nghttp2_session_del(c->h2);
  gnutls_deinit(c->tls);
  ript_buf_free(&c->plain);
  ript_buf_free(&c->tls_out);
  ript_buf_free(&c->tls_writing);
  for (ript_h2_stream *st = c->streams, *next; st; st = next) {
    next = st->next;
    ript_h2_stream_free(st);
  }
  c->streams = NULL;
  c->hooks->on_closed(c, c->close_error);
}

/* Stops new work, ends every exchange, and (graceful) queues GOAWAY. */
static void conn_begin_close(ript_h2_conn *c) {
  c->closing = 1;
  (void)uv_read_stop((uv_stream_t *)&c->tcp);
  for (ript_h2_stream *st = c->streams; st; st = st->next)
    stream_emit_close(st, RIPT_ERR_HTTP_CLOSED);
  if (c->close_hard)
    return;
  c->graceful = 1;
  if (c->h2)
    (void)nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
                                nghttp2_session_get_last_proc_stream_id(c->h2),
                                c->goaway_code, NULL, 0);
  uv_timer_start(&c->timer, conn_on_timer, H2_CLOSE_GRACE_MS, 0);
}

void ript_h2_conn_close(ript_h2_conn *c, int error, int hard) {
  if (c->handles_closing)
    return;
  if (!c->closing && !c->close_pending)
    c->close_error = error;
  if (hard || !c->connected)
    c->close_hard = 1;
  if (c->busy) {
    c->close_pending = 1;
    return;
  }
  conn_enter(c); /* on_close callbacks may ask to close again */
  if (!c->closing)
    conn_begin_close(c);
  c->close_pending = 0;
  if (c->close_hard) {
    c->handles_closing = 1;
    uv_close((uv_handle_t *)&c->tcp, conn_on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, conn_on_handle_closed);
    uv_close((uv_handle_t *)&c->flusher, conn_on_handle_closed);
  } else {
    conn_flush(c);
  }
  conn_leave(c);
}

void ript_h2_conn_drain(ript_h2_conn *c) {
  if (c->drain || c->closing || c->close_pending || c->handles_closing)
    return;
  c->drain = 1;
  if (c->h2)
    conn_send_goaway(c);
}

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
  /* Room for an IMF-fixdate even with out-of-range struct tm fields. */
  H2_DATE_MAX = 80,
};

/* RFC 9113 §9.2: TLS 1.2 or later, and under TLS 1.2 only ephemeral key
 * exchange with AEAD ciphers (what §9.2.2's block list leaves). */
#define H2_TLS_PRIORITY                                                        \
  "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
  "+CHACHA20-POLY1305:-RSA"

static void session_flush(ript_h2_session *s);

/* ---- GnuTLS over memory ---- */

static ssize_t session_push(gnutls_transport_ptr_t ptr, const void *data,
                            size_t len) {
  ript_h2_session *s = ptr;
  if (ript_buf_append(&s->tls_out, data, len) != 0) {
    gnutls_transport_set_errno(s->tls, ENOMEM);
    return -1;
  }
  return (ssize_t)len;
}

static ssize_t session_pull(gnutls_transport_ptr_t ptr, void *data,
                            size_t len) {
  ript_h2_session *s = ptr;
  if (s->in_len == 0) {
    gnutls_transport_set_errno(s->tls, EAGAIN);
    return -1;
  }
  size_t n = len < s->in_len ? len : s->in_len;
  memcpy(data, s->in, n);
  s->in += n;
  s->in_len -= n;
  return (ssize_t)n;
}

/* ---- entering and leaving ---- */

static void session_enter(ript_h2_session *s) { ++s->busy; }

/* Runs a close that was asked for while we were on the stack. */
static void session_leave(ript_h2_session *s) {
  if (--s->busy == 0 && s->close_pending) {
    s->close_pending = 0;
    ript_h2_session_close(s, s->close_error, s->close_hard);
  }
}

/* ---- streams ---- */

ript_h2_stream *ript_h2_stream_new(ript_h2_session *s, ript_http_exchange *ex) {
  ript_h2_stream *st = calloc(1, sizeof(*st));
  if (!st)
    return NULL;
  st->sess = s;
  st->ex = ex;
  ript_buf_init(&st->out, NULL);
  return st;
}

void ript_h2_stream_free(ript_h2_stream *st) {
  ript_buf_free(&st->out);
  free(st);
}

void ript_h2_stream_attach(ript_h2_stream *st, int32_t id) {
  ript_h2_session *s = st->sess;
  st->id = id;
  st->next = s->streams;
  if (s->streams)
    s->streams->prev = st;
  s->streams = st;
  (void)nghttp2_session_set_stream_user_data(s->h2, id, st);
}

/* Reports |error| to the exchange of |st|, once. The stream object stays
 * linked: nghttp2 may still hold it as stream user data until it closes the
 * stream or the session is deleted. */
static void stream_end_exchange(ript_h2_stream *st, int error) {
  ript_http_exchange *ex = st->ex;
  if (!ex)
    return;
  st->ex = NULL;
  ex->stream = NULL;
  ript_http_exchange_emit_close(ex, error);
}

static void stream_unlink(ript_h2_stream *st) {
  ript_h2_session *s = st->sess;
  if (st->prev)
    st->prev->next = st->next;
  else
    s->streams = st->next;
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
  size_t avail = st->out.len - st->out_off;
  if (avail == 0 && !st->out_ended) {
    st->deferred = 1;
    return NGHTTP2_ERR_DEFERRED;
  }
  size_t n = avail < len ? avail : len;
  memcpy(buf, st->out.data + st->out_off, n);
  st->out_off += n;
  if (st->out_off == st->out.len)
    st->out.len = st->out_off = 0;
  if (n == avail && st->out_ended)
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
    (void)nghttp2_session_resume_data(st->sess->h2, st->id);
  }
  ript_h2_session_schedule(st->sess);
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

/* An IMF-fixdate (RFC 9110 §5.6.7), independent of the locale. */
static void h2_http_date(char out[H2_DATE_MAX]) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                  "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  snprintf(out, H2_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- exchange operations ---- */

static int h2_respond(ript_http_exchange *ex, int status,
                      const ript_http_header *headers, size_t n,
                      uint32_t flags) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->sess->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  nghttp2_nv *nva = malloc((n + 2) * sizeof(*nva));
  if (!nva)
    return RIPT_ERR_NOMEM;
  char code[4], date[H2_DATE_MAX], *names;
  snprintf(code, sizeof(code), "%03d", status);
  h2_http_date(date);
  nva[0] = h2_nv(":status", code);
  nva[1] = h2_nv("date", date);
  ript_ssize count = ript_h2_headers(nva, 2, headers, n, &names);
  if (count < 0) {
    free(nva);
    return (int)count;
  }
  nghttp2_data_provider prd;
  ript_h2_stream_provider(&prd);
  int end = (flags & RIPT_HTTP_FLAG_END) != 0;
  int rv = nghttp2_submit_response(st->sess->h2, st->id, nva, (size_t)count,
                                   end ? NULL : &prd);
  free(names);
  free(nva);
  if (rv != 0)
    return rv == NGHTTP2_ERR_NOMEM ? RIPT_ERR_NOMEM : RIPT_ERR_HTTP_STATE;
  st->has_body = !end;
  st->out_ended = end;
  ript_h2_session_schedule(st->sess);
  return 0;
}

static int h2_write(ript_http_exchange *ex, const void *data, size_t len) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->sess->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (!st->has_body || st->out_ended || st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  if (st->out_off && st->out_off >= st->out.len / 2) {
    /* Compact rather than grow: the reader is at least half-way. */
    memmove(st->out.data, st->out.data + st->out_off,
            st->out.len - st->out_off);
    st->out.len -= st->out_off;
    st->out_off = 0;
  }
  if (ript_buf_append(&st->out, data, len) != 0)
    return RIPT_ERR_NOMEM;
  stream_resume(st);
  return 0;
}

static size_t h2_pending(const ript_http_exchange *ex) {
  const ript_h2_stream *st = ex->stream;
  return st ? st->out.len - st->out_off : 0;
}

static int h2_end(ript_http_exchange *ex) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->sess->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (!st->has_body || st->out_ended || st->local_reset)
    return RIPT_ERR_HTTP_STATE;
  st->out_ended = 1;
  stream_resume(st);
  return 0;
}

static int h2_reset(ript_http_exchange *ex) {
  ript_h2_stream *st = ex->stream;
  if (!st || st->sess->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->local_reset)
    return 0;
  st->local_reset = 1;
  if (nghttp2_submit_rst_stream(st->sess->h2, NGHTTP2_FLAG_NONE, st->id,
                                NGHTTP2_CANCEL) != 0) {
    /* nghttp2 is out of memory: the connection cannot go on, and its
     * close still ends this exchange as promised. */
    ript_h2_session_close(st->sess, RIPT_ERR_NOMEM, 1);
    return 0;
  }
  ript_h2_session_schedule(st->sess);
  return 0;
}

static int h2_send_datagram(ript_http_exchange *ex, const void *data,
                            size_t len) {
  (void)ex, (void)data, (void)len;
  return RIPT_ERR_HTTP_STATE; /* HTTP/2 media travels in byways */
}

static int h2_datagrams_enabled(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

static size_t h2_max_datagram(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

const ript_http_exchange_ops ript_h2_exchange_ops = {
    h2_respond, h2_write,         h2_pending,           h2_end,
    h2_reset,   h2_send_datagram, h2_datagrams_enabled, h2_max_datagram};

/* ---- nghttp2 callbacks both roles use ---- */

static int session_on_data(nghttp2_session *h2, uint8_t flags, int32_t id,
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

static int session_on_stream_close(nghttp2_session *h2, int32_t id,
                                   uint32_t error_code, void *user_data) {
  (void)user_data;
  ript_h2_stream *st = nghttp2_session_get_stream_user_data(h2, id);
  if (st) {
    stream_end_exchange(st, stream_close_error(st, error_code));
    stream_unlink(st);
    ript_h2_stream_free(st);
  }
  return 0;
}

/* A response HEADERS nghttp2 could not send (too large) would leave its
 * stream hanging: reset it so the exchange ends. Request HEADERS that fail
 * close their stream by themselves. */
static int session_on_frame_not_send(nghttp2_session *h2,
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

void ript_h2_session_callbacks(nghttp2_session_callbacks *cbs) {
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
                                                            session_on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cbs, session_on_stream_close);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(
      cbs, session_on_frame_not_send);
}

int ript_h2_session_options(nghttp2_option **opt) {
  if (nghttp2_option_new(opt) != 0)
    return RIPT_ERR_NOMEM;
  nghttp2_option_set_no_auto_window_update(*opt, 1);
  return 0;
}

int ript_h2_session_open_window(ript_h2_session *s, uint32_t window) {
  int32_t w = (int32_t)(window && window <= INT32_MAX ? window
                                                      : RIPT_H2_CONN_WINDOW);
  return nghttp2_session_set_local_window_size(s->h2, NGHTTP2_FLAG_NONE, 0,
                                               w) == 0
             ? 0
             : RIPT_ERR_NOMEM;
}

/* ---- output ---- */

static void session_on_write(uv_write_t *req, int status);

/* Pulls frames from nghttp2 (up to the budget) and encrypts them into
 * tls_out. Returns 0, or -1 after closing the session. */
static int session_produce(ript_h2_session *s) {
  while (s->plain.len < H2_FLUSH_BUDGET) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(s->h2, &data);
    if (n < 0 || (n > 0 && ript_buf_append(&s->plain, data, (size_t)n) != 0)) {
      ript_h2_session_close(s, RIPT_ERR_HTTP_CLOSED, 1);
      return -1;
    }
    if (n == 0)
      break;
  }
  size_t off = 0;
  while (off < s->plain.len) {
    ssize_t n =
        gnutls_record_send(s->tls, s->plain.data + off, s->plain.len - off);
    if (n < 0) {
      ript_h2_session_close(s, RIPT_ERR_HTTP_CLOSED, 1);
      return -1;
    }
    off += (size_t)n;
  }
  s->plain.len = 0;
  return 0;
}

static void session_write(ript_h2_session *s) {
  ript_buf spare = s->tls_writing;
  s->tls_writing = s->tls_out;
  s->tls_out = spare;
  s->tls_out.len = 0;
  uv_buf_t buf =
      uv_buf_init((char *)s->tls_writing.data, (unsigned)s->tls_writing.len);
  s->writing = 1;
  s->write_req.data = s;
  if (uv_write(&s->write_req, (uv_stream_t *)&s->tcp, &buf, 1,
               session_on_write) != 0) {
    s->writing = 0;
    ript_h2_session_close(s, RIPT_ERR_HTTP_CLOSED, 1);
  }
}

/* The one place frames leave: everything queued since the last flush goes
 * out in one write. A session with nothing left to do closes here. */
static void session_flush(ript_h2_session *s) {
  if (s->writing || s->handles_closing || !s->connected || s->close_pending)
    return;
  if (s->h2 && session_produce(s) != 0)
    return;
  if (s->tls_out.len == 0 && s->draining && s->handshake_done && !s->bye_sent) {
    s->bye_sent = 1;
    (void)gnutls_bye(s->tls, GNUTLS_SHUT_WR); /* close_notify */
  }
  if (s->tls_out.len > 0) {
    session_write(s);
  } else if (s->draining) {
    ript_h2_session_close(s, s->close_error, 1);
  } else if (s->h2 && !nghttp2_session_want_read(s->h2) &&
             !nghttp2_session_want_write(s->h2)) {
    ript_h2_session_close(s, 0, 0); /* GOAWAY exchanged, streams done */
  }
}

static void session_on_write(uv_write_t *req, int status) {
  ript_h2_session *s = req->data;
  s->writing = 0;
  s->tls_writing.len = 0;
  if (status < 0) {
    ript_h2_session_close(s, RIPT_ERR_HTTP_CLOSED, 1);
    return;
  }
  session_enter(s);
  session_flush(s);
  session_leave(s);
}

static void session_on_prepare(uv_prepare_t *prepare) {
  ript_h2_session *s = prepare->data;
  uv_prepare_stop(prepare);
  session_enter(s);
  session_flush(s);
  session_leave(s);
}

void ript_h2_session_schedule(ript_h2_session *s) {
  if (!s->handles_closing)
    uv_prepare_start(&s->flusher, session_on_prepare);
}

/* ---- input ---- */

/* Advances the handshake. Returns 0 once it is complete with ALPN "h2"
 * and the role's nghttp2 session exists, 1 while it needs more bytes, -1
 * after closing the session. */
static int session_handshake(ript_h2_session *s) {
  int rv;
  do {
    rv = gnutls_handshake(s->tls);
  } while (rv < 0 && rv != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rv));
  if (rv == GNUTLS_E_AGAIN)
    return 1;
  gnutls_datum_t proto;
  if (rv < 0 || gnutls_alpn_get_selected_protocol(s->tls, &proto) != 0 ||
      proto.size != 2 || memcmp(proto.data, "h2", 2) != 0) {
    if (rv < 0)
      (void)gnutls_alert_send_appropriate(s->tls, rv);
    ript_h2_session_close(s, RIPT_ERR_HTTP_TLS, 0);
    return -1;
  }
  s->handshake_done = 1;
  rv = s->hooks->on_handshake(s);
  if (rv != 0) {
    ript_h2_session_close(s, rv, 0);
    return -1;
  }
  return 0;
}

/* Feeds the ciphertext in s->in through TLS into nghttp2. */
static void session_input(ript_h2_session *s) {
  if (!s->handshake_done && session_handshake(s) != 0)
    return;
  while (!s->closing && !s->close_pending) {
    uint8_t plain[H2_RECORD_MAX];
    ssize_t n = gnutls_record_recv(s->tls, plain, sizeof(plain));
    /* GnuTLS also answers AGAIN after a post-handshake message (a TLS 1.3
     * session ticket) with bytes still to read: stop only when none are. */
    if (n == GNUTLS_E_AGAIN && s->in_len == 0 &&
        gnutls_record_check_pending(s->tls) == 0)
      return;
    if (n == GNUTLS_E_AGAIN)
      continue;
    if (n == 0 || (n < 0 && gnutls_error_is_fatal((int)n))) {
      ript_h2_session_close(s, 0, 1); /* close_notify or a broken record */
      return;
    }
    if (n < 0)
      continue; /* e.g. a refused renegotiation: nothing to deliver */
    if (nghttp2_session_mem_recv(s->h2, plain, (size_t)n) < 0) {
      /* The peer broke the protocol (or flooded us: too many CONTINUATION,
       * SETTINGS or PING frames): say so in the GOAWAY. */
      if (s->goaway_code == NGHTTP2_NO_ERROR)
        s->goaway_code = NGHTTP2_PROTOCOL_ERROR;
      ript_h2_session_close(s, RIPT_ERR_PARSE, 0);
      return;
    }
  }
}

static void session_on_alloc(uv_handle_t *handle, size_t suggested,
                             uv_buf_t *buf) {
  ript_h2_session *s = handle->data;
  (void)suggested;
  *buf = uv_buf_init((char *)s->rbuf, RIPT_H2_READ_BUF);
}

static void session_on_read(uv_stream_t *stream, ssize_t nread,
                            const uv_buf_t *buf) {
  ript_h2_session *s = stream->data;
  if (nread == 0)
    return;
  if (nread < 0) {
    ript_h2_session_close(s, s->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED, 1);
    return;
  }
  s->last_activity = uv_now(s->loop);
  session_enter(s);
  s->in = (const uint8_t *)buf->base;
  s->in_len = (size_t)nread;
  session_input(s);
  s->in_len = 0;
  if (s->handshake_done && !s->closing && !s->close_pending &&
      s->hooks->on_input)
    s->hooks->on_input(s);
  ript_h2_session_schedule(s);
  session_leave(s);
}

/* ---- timer ---- */

static void session_on_timer(uv_timer_t *timer) {
  ript_h2_session *s = timer->data;
  if (s->closing) {
    ript_h2_session_close(s, s->close_error, 1); /* grace period over */
    return;
  }
  uint64_t idle_for = uv_now(s->loop) - s->last_activity;
  if (idle_for >= s->idle_ms) {
    ript_h2_session_close(s, s->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED, 0);
    return;
  }
  /* RIPT keeps requests open for a whole call (event and media GETs) that
   * may be quiet for long: while any is open, a PING at half the timeout
   * draws an ACK from a live peer. A dead one stays silent and the
   * connection idles out, as with QUIC. */
  uint64_t half = s->idle_ms / 2;
  if (idle_for >= half && s->handshake_done && s->streams &&
      nghttp2_submit_ping(s->h2, NGHTTP2_FLAG_NONE, NULL) == 0)
    ript_h2_session_schedule(s);
  uv_timer_start(timer, session_on_timer,
                 idle_for < half ? half - idle_for : s->idle_ms - idle_for, 0);
}

/* ---- life cycle ---- */

/* libuv writes to sockets with write(2): a peer that resets the connection
 * mid-write raises SIGPIPE, whose default action kills the process. Only
 * the default is replaced; an application's own handler stays. */
static void session_ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
  }
}

int ript_h2_session_init(ript_h2_session *s, const ript_h2_session_hooks *hooks,
                         uv_loop_t *loop, uint8_t *rbuf,
                         gnutls_certificate_credentials_t cred, unsigned flags,
                         uint64_t idle_ms) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h2", 2};
  session_ignore_sigpipe();
  memset(s, 0, sizeof(*s));
  if (gnutls_init(&s->tls, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) !=
      GNUTLS_E_SUCCESS)
    return RIPT_ERR_NOMEM;
  if (gnutls_set_default_priority_append(s->tls, H2_TLS_PRIORITY, NULL, 0) <
          0 ||
      gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
      gnutls_alpn_set_protocols(s->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
    gnutls_deinit(s->tls);
    return RIPT_ERR_HTTP_TLS;
  }
  gnutls_transport_set_ptr(s->tls, s);
  gnutls_transport_set_push_function(s->tls, session_push);
  gnutls_transport_set_pull_function(s->tls, session_pull);
  s->hooks = hooks;
  s->loop = loop;
  s->rbuf = rbuf;
  s->idle_ms = idle_ms;
  s->is_client = (flags & GNUTLS_CLIENT) != 0;
  ript_buf_init(&s->plain, NULL);
  ript_buf_init(&s->tls_out, NULL);
  ript_buf_init(&s->tls_writing, NULL);
  /* None of these can fail: no socket exists yet. */
  uv_tcp_init(loop, &s->tcp);
  uv_timer_init(loop, &s->timer);
  uv_prepare_init(loop, &s->flusher);
  s->tcp.data = s->timer.data = s->flusher.data = s;
  s->open_handles = 3;
  return 0;
}

int ript_h2_session_start(ript_h2_session *s) {
  s->connected = 1;
  s->last_activity = uv_now(s->loop);
  (void)uv_tcp_nodelay(&s->tcp, 1);
  uv_timer_start(&s->timer, session_on_timer, s->idle_ms / 2, 0);
  if (uv_read_start((uv_stream_t *)&s->tcp, session_on_alloc,
                    session_on_read) != 0)
    return RIPT_ERR_HTTP_CLOSED;
  if (s->is_client) {
    session_enter(s);
    (void)session_handshake(s); /* the ClientHello */
    ript_h2_session_schedule(s);
    session_leave(s);
  }
  return 0;
}

static void session_on_handle_closed(uv_handle_t *handle) {
  ript_h2_session *s = handle->data;
  if (--s->open_handles > 0)
    return;
  nghttp2_session_del(s->h2);
  gnutls_deinit(s->tls);
  ript_buf_free(&s->plain);
  ript_buf_free(&s->tls_out);
  ript_buf_free(&s->tls_writing);
  for (ript_h2_stream *st = s->streams, *next; st; st = next) {
    next = st->next;
    ript_h2_stream_free(st);
  }
  s->streams = NULL;
  s->hooks->on_closed(s, s->close_error);
}

/* Stops new work, ends every exchange, and (graceful) queues GOAWAY. */
static void session_begin_close(ript_h2_session *s) {
  s->closing = 1;
  (void)uv_read_stop((uv_stream_t *)&s->tcp);
  for (ript_h2_stream *st = s->streams; st; st = st->next)
    stream_end_exchange(st, RIPT_ERR_HTTP_CLOSED);
  if (s->close_hard)
    return;
  s->draining = 1;
  if (s->h2)
    (void)nghttp2_submit_goaway(s->h2, NGHTTP2_FLAG_NONE,
                                nghttp2_session_get_last_proc_stream_id(s->h2),
                                s->goaway_code, NULL, 0);
  uv_timer_start(&s->timer, session_on_timer, H2_CLOSE_GRACE_MS, 0);
}

void ript_h2_session_close(ript_h2_session *s, int error, int hard) {
  if (s->handles_closing)
    return;
  if (!s->closing && !s->close_pending)
    s->close_error = error;
  if (hard || !s->connected)
    s->close_hard = 1;
  if (s->busy) {
    s->close_pending = 1;
    return;
  }
  session_enter(s); /* on_close callbacks may ask to close again */
  if (!s->closing)
    session_begin_close(s);
  s->close_pending = 0;
  if (s->close_hard) {
    s->handles_closing = 1;
    uv_close((uv_handle_t *)&s->tcp, session_on_handle_closed);
    uv_close((uv_handle_t *)&s->timer, session_on_handle_closed);
    uv_close((uv_handle_t *)&s->flusher, session_on_handle_closed);
  } else {
    session_flush(s);
  }
  session_leave(s);
}

int ript_h2_session_goaway(ript_h2_session *s, int32_t last_stream_id) {
  if (!s->h2 || s->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (last_stream_id < 0)
    last_stream_id = nghttp2_session_get_last_proc_stream_id(s->h2);
  if (nghttp2_submit_goaway(s->h2, NGHTTP2_FLAG_NONE, last_stream_id,
                            NGHTTP2_NO_ERROR, NULL, 0) != 0)
    return RIPT_ERR_NOMEM;
  ript_h2_session_schedule(s);
  return 0;
}

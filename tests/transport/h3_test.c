/*
 * HTTP/3 backend tests: our server and client on one uv loop over
 * loopback, plus the ngtcp2 example programs (gtlsclient, gtlsserver) as
 * independent peers. The server routes on the request path (see
 * srv_on_request); each test drives a client against it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "h3_reset.h"
#include "h3_stream.h"
#include "testutil.h"

enum {
  T_BIG = 4 * 1024 * 1024,
  T_MANY = 150,
  T_TICKS = 10,
  T_DGRAMS = 100,
  T_WAIT_S = 60, /* generous: valgrind runs these too */
};

static char certdir[64];  /* the development CA and server certificate */
static char othercadir[64]; /* an unrelated CA */

/* ---- the fixture ---- */

typedef struct xstate xstate;

typedef struct h3t {
  uv_loop_t loop;
  uv_timer_t guard;
  uv_timer_t poll;
  int timed_out;
  const int *wait_counter;
  int wait_target;
  ript_http_server *server;
  ript_http_client *client;
  uint16_t port;
  uint64_t max_streams; /* for the next t_server */
  const uint8_t *reset_key; /* for the next t_server (32 bytes) or NULL */
  int server_closed, client_closed;
  /* server side */
  int requests;
  int x_test_seen;
  int s_closes;
  int s_err[4]; /* by err_slot() */
  ript_http_exchange *held[T_MANY];
  int nheld;
  ript_h3_conn *first_conn;  /* the server connection of the first request */
  int other_conn;       /* a later request came on another connection */
  char cookie[64];      /* Cookie header seen by /check ("-" if none) */
  int s_dgrams;
  size_t s_dgram_longest;
  int s_dgram_bad;
  int dgram_enabled_get; /* datagrams_enabled on a GET, server side */
  int dgram_state_get;   /* send_datagram on a GET, server side */
  /* client side */
  int c_closes;
  int c_err[4];
  int c_dgrams;
  int c_dgram_bad;
  int echo_rounds;
  int phase;
  size_t sizes[4];
  xstate *cancel; /* test_stream_credit: reset while waiting for credit */
} h3t;

struct xstate {
  h3t *t;
  ript_http_exchange *ex;
  int kind;
  int status;
  char body[512];
  size_t body_len;
  size_t total;
  int pattern_ok;
  int body_calls;
  int ended;
  int closed;
  int error;
  uint64_t first_ms, last_ms;
  uv_timer_t timer;
  int ticks;
  int responded_seen;
};

static int err_slot(int error) {
  return error == 0                      ? 0
         : error == RIPT_ERR_HTTP_RESET  ? 1
         : error == RIPT_ERR_HTTP_CLOSED ? 2
                                         : 3;
}

static void on_guard(uv_timer_t *timer) {
  h3t *t = timer->data;
  t->timed_out = 1;
  uv_stop(&t->loop);
}

/* Counters also move in callbacks that run after libuv decided to block
 * (timers, the library's flush); a short poll ends such a wait. */
static void on_wait_poll(uv_timer_t *timer) {
  h3t *t = timer->data;
  if (*t->wait_counter >= t->wait_target)
    uv_stop(&t->loop);
}

/* Runs the loop until |*counter| reaches |target|. */
static void t_wait(h3t *t, const int *counter, int target) {
  t->timed_out = 0;
  t->wait_counter = counter;
  t->wait_target = target;
  uv_timer_start(&t->guard, on_guard, T_WAIT_S * 1000, 0);
  uv_timer_start(&t->poll, on_wait_poll, 5, 5);
  while (*counter < target && !t->timed_out)
    uv_run(&t->loop, UV_RUN_ONCE);
  uv_timer_stop(&t->guard);
  uv_timer_stop(&t->poll);
  if (t->timed_out)
    fail_msg("timed out: %d of %d", *counter, target);
}

static void on_delay(uv_timer_t *timer) { ++*(int *)timer->data; }

static void on_count(void *user_data) { ++*(int *)user_data; }

/* Runs the loop for |ms| milliseconds. */
static void t_sleep(h3t *t, uint64_t ms) {
  int done = 0;
  uv_timer_t timer;
  uv_timer_init(&t->loop, &timer);
  timer.data = &done;
  uv_timer_start(&timer, on_delay, ms, 0);
  t_wait(t, &done, 1);
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&t->loop, UV_RUN_NOWAIT);
}

static void cert_path(char *out, size_t n, const char *dir, const char *f) {
  snprintf(out, n, "%s/%s", dir, f);
}

static void srv_on_request(ript_http_exchange *ex, void *user_data);

static int t_server(h3t *t, uint16_t port, const char *cert, const char *key,
                    uint64_t idle_ms) {
  char certfile[128], keyfile[128];
  cert_path(certfile, sizeof(certfile), certdir, "server.pem");
  cert_path(keyfile, sizeof(keyfile), certdir, "server-key.pem");
  ript_http_server_config cfg = {
      .address = "127.0.0.1",
      .port = port,
      .cert_file = cert ? cert : certfile,
      .key_file = key ? key : keyfile,
      .flags = RIPT_HTTP_SERVER_FLAG_H3,
      .idle_timeout_ms = idle_ms,
      .max_streams = t->max_streams,
      .stateless_reset_key = t->reset_key,
      .stateless_reset_key_len = t->reset_key ? 32 : 0,
  };
  ript_http_server_callbacks cbs = {.on_request = srv_on_request};
  t->server_closed = 0;
  int rv = ript_http_server_new(&t->server, &t->loop, &cfg, &cbs, t);
  if (rv == 0)
    t->port = ript_http_server_port(t->server);
  return rv;
}

static void t_client(h3t *t, const char *cadir, uint64_t idle_ms) {
  char ca[128];
  cert_path(ca, sizeof(ca), cadir, "ca.pem");
  ript_http_client_config cfg = {
      .version = RIPT_HTTP_3,
      .ca_file = ca,
      .idle_timeout_ms = idle_ms,
      .max_connect_attempts = 1,
  };
  assert_int_equal(ript_http_client_new(&t->client, &t->loop, &cfg), 0);
}

static void t_init(h3t *t) {
  memset(t, 0, sizeof(*t));
  assert_int_equal(uv_loop_init(&t->loop), 0);
  uv_timer_init(&t->loop, &t->guard);
  uv_timer_init(&t->loop, &t->poll);
  t->guard.data = t->poll.data = t;
  strcpy(t->cookie, "?");
}

static void t_setup(h3t *t, uint64_t server_idle, uint64_t client_idle) {
  t_init(t);
  assert_int_equal(t_server(t, 0, NULL, NULL, server_idle), 0);
  assert_true(t->port != 0);
  t_client(t, certdir, client_idle);
}

static void on_server_closed(void *user_data) {
  ++((h3t *)user_data)->server_closed;
}

static void on_client_closed(void *user_data) {
  ++((h3t *)user_data)->client_closed;
}

static void t_close_server(h3t *t) {
  if (!t->server)
    return;
  ript_http_server_close(t->server, on_server_closed, t);
  t->server = NULL;
  t_wait(t, &t->server_closed, 1);
}

/* Closes everything and checks that no handle was left behind. */
static void t_teardown(h3t *t) {
  if (t->client) {
    ript_http_client_close(t->client, on_client_closed, t);
    t->client = NULL;
    t_wait(t, &t->client_closed, 1);
  }
  t_close_server(t);
  uv_close((uv_handle_t *)&t->guard, NULL);
  uv_close((uv_handle_t *)&t->poll, NULL);
  assert_int_equal(uv_run(&t->loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&t->loop), 0);
}

static void t_url(const h3t *t, char *out, size_t n, const char *path) {
  snprintf(out, n, "https://127.0.0.1:%u%s", t->port, path);
}

/* ---- the test server: behaviour by path ---- */

static uint8_t big_byte(size_t i) { return (uint8_t)((i * 7 + i / 251) & 0xff); }

static void xstate_body(xstate *x, const uint8_t *data, size_t len) {
  uint64_t now = uv_now(&x->t->loop);
  if (!x->body_calls++)
    x->first_ms = now;
  x->last_ms = now;
  size_t room = sizeof(x->body) - 1 - x->body_len;
  size_t n = len < room ? len : room;
  memcpy(x->body + x->body_len, data, n);
  x->body_len += n;
  x->body[x->body_len] = '\0';
  for (size_t i = 0; i < len && x->pattern_ok; ++i)
    if (data[i] != big_byte(x->total + i))
      x->pattern_ok = 0;
  x->total += len;
}

static void srv_free_x(uv_handle_t *handle) { free(handle->data); }

static void srv_on_close(ript_http_exchange *ex, int error, void *user_data) {
  xstate *x = user_data;
  (void)ex;
  ++x->t->s_closes;
  ++x->t->s_err[err_slot(error)];
  uv_close((uv_handle_t *)&x->timer, srv_free_x);
}

static void srv_respond_text(ript_http_exchange *ex, int status,
                             const char *text) {
  const ript_http_header h[] = {{"content-type", "text/plain"},
                                {"x-reply", "yes"}};
  assert_int_equal(ript_http_exchange_respond(ex, status, h, 2, 0), 0);
  assert_int_equal(ript_http_exchange_write(ex, text, strlen(text)), 0);
  assert_int_equal(ript_http_exchange_end(ex), 0);
  /* Everything after the end is refused. */
  assert_int_equal(ript_http_exchange_write(ex, "x", 1), RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_end(ex), RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0),
                   RIPT_ERR_HTTP_STATE);
}

static void srv_write_big(ript_http_exchange *ex) {
  uint8_t *buf = malloc(64 * 1024);
  assert_non_null(buf);
  for (size_t off = 0; off < T_BIG; off += 64 * 1024) {
    for (size_t i = 0; i < 64 * 1024; ++i)
      buf[i] = big_byte(off + i);
    assert_int_equal(ript_http_exchange_write(ex, buf, 64 * 1024), 0);
  }
  free(buf);
  assert_int_equal(ript_http_exchange_pending(ex), T_BIG);
  assert_int_equal(ript_http_exchange_end(ex), 0);
}

static void srv_on_body_end(ript_http_exchange *ex, void *user_data) {
  xstate *x = user_data;
  const char *path = ript_http_exchange_path(ex);
  x->ended = 1;
  x->t->sizes[0] = x->total;
  if (strcmp(path, "/hello") == 0) {
    srv_respond_text(ex, 200, "hello");
  } else if (strcmp(path, "/empty") == 0) {
    assert_int_equal(
        ript_http_exchange_respond(ex, 204, NULL, 0, RIPT_HTTP_FLAG_END), 0);
    assert_int_equal(ript_http_exchange_write(ex, "x", 1),
                     RIPT_ERR_HTTP_STATE);
  } else if (strcmp(path, "/post") == 0) {
    srv_respond_text(ex, 201, x->body);
  } else if (strcmp(path, "/echo") == 0 || strcmp(path, "/trickle") == 0) {
    if (strcmp(path, "/trickle") == 0)
      srv_respond_text(ex, 200, "done");
    else
      assert_int_equal(ript_http_exchange_end(ex), 0);
  } else if (strcmp(path, "/big") == 0) {
    assert_true(x->pattern_ok);
    srv_write_big(ex);
  }
}

static void srv_on_body(ript_http_exchange *ex, const uint8_t *data,
                        size_t len, void *user_data) {
  xstate *x = user_data;
  const char *path = ript_http_exchange_path(ex);
  xstate_body(x, data, len);
  if (strcmp(path, "/echo") == 0)
    assert_int_equal(ript_http_exchange_write(ex, data, len), 0);
  else if (strcmp(path, "/reject") == 0)
    assert_int_equal(ript_http_exchange_reset(ex), 0);
}

static void srv_on_tick(uv_timer_t *timer) {
  xstate *x = timer->data;
  char line[32];
  snprintf(line, sizeof(line), "tick %d\n", x->ticks);
  assert_int_equal(ript_http_exchange_write(x->ex, line, strlen(line)), 0);
  if (++x->ticks == T_TICKS) {
    uv_timer_stop(timer);
    assert_int_equal(ript_http_exchange_end(x->ex), 0);
  }
}

static void srv_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                            size_t len, void *user_data) {
  xstate *x = user_data;
  h3t *t = x->t;
  /* Datagrams may be lost or reordered: count well-formed ones. */
  if (len < 4 || memcmp(data, "c2s ", 4) != 0)
    ++t->s_dgram_bad;
  if (len > t->s_dgram_longest)
    t->s_dgram_longest = len;
  if (t->s_dgrams++ == 0) {
    for (int i = 0; i < T_DGRAMS; ++i) {
      char msg[32];
      snprintf(msg, sizeof(msg), "s2c %d", i);
      assert_int_equal(ript_http_exchange_send_datagram(ex, msg, strlen(msg)),
                       0);
    }
  }
}

static void srv_hold(h3t *t, ript_http_exchange *ex) {
  assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0), 0);
  assert_int_equal(ript_http_exchange_write(ex, "x", 1), 0);
  if (t->nheld < T_MANY)
    t->held[t->nheld++] = ex;
}

static ript_h3_conn *ex_conn(const ript_http_exchange *ex) {
  const ript_h3_stream *st = ex->stream;
  return st->conn;
}

/* Requests that need no body to act on. */
static void srv_route(h3t *t, xstate *x, ript_http_exchange *ex,
                     const char *path) {
  if (strcmp(path, "/stream") == 0) {
    assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0), 0);
    uv_timer_start(&x->timer, srv_on_tick, 50, 50);
  } else if (strcmp(path, "/echo") == 0) {
    /* Writing before answering is refused. */
    assert_int_equal(ript_http_exchange_write(ex, "x", 1),
                     RIPT_ERR_HTTP_STATE);
    assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0), 0);
  } else if (strcmp(path, "/big") == 0) {
    x->pattern_ok = 1;
    assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0), 0);
  } else if (strcmp(path, "/hold") == 0 || strcmp(path, "/first") == 0) {
    srv_hold(t, ex);
    if (strcmp(path, "/first") == 0) {
      t->first_conn = ex_conn(ex);
      ript_http_server_drain(t->server);
    }
  } else if (strcmp(path, "/second") == 0) {
    t->other_conn = ex_conn(ex) != t->first_conn;
    assert_int_equal(
        ript_http_exchange_respond(ex, 200, NULL, 0, RIPT_HTTP_FLAG_END), 0);
    /* Now finish /first on its draining connection. */
    assert_int_equal(ript_http_exchange_write(t->held[0], "y", 1), 0);
    assert_int_equal(ript_http_exchange_end(t->held[0]), 0);
  } else if (strcmp(path, "/close") == 0) {
    srv_hold(t, ex);
    ript_http_server_close(t->server, on_server_closed, t);
    t->server = NULL;
  } else if (strncmp(path, "/many/", 6) == 0) {
    t->held[t->nheld++] = ex;
    if (t->nheld < T_MANY)
      return;
    for (int i = 0; i < T_MANY; ++i) {
      t->other_conn |= ex_conn(t->held[i]) != ex_conn(t->held[0]);
      srv_respond_text(t->held[i], 200, ript_http_exchange_path(t->held[i]));
    }
  }
}

static void srv_cookies(h3t *t, ript_http_exchange *ex, const char *path) {
  if (strcmp(path, "/login") == 0) {
    const ript_http_header h[] = {{"set-cookie", "sid=abc; Max-Age=60"}};
    assert_int_equal(
        ript_http_exchange_respond(ex, 200, h, 1, RIPT_HTTP_FLAG_END), 0);
  } else {
    const char *c = ript_http_exchange_header(ex, "cookie");
    snprintf(t->cookie, sizeof(t->cookie), "%s", c ? c : "-");
    assert_int_equal(
        ript_http_exchange_respond(ex, 200, NULL, 0, RIPT_HTTP_FLAG_END), 0);
  }
}

static void srv_connect(h3t *t, ript_http_exchange *ex) {
  assert_string_equal(ript_http_exchange_method(ex), "CONNECT");
  assert_string_equal(ript_http_exchange_protocol(ex), "webtransport");
  assert_true(ript_http_exchange_datagrams_enabled(ex));
  assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0), 0);
  if (t->nheld < T_MANY)
    t->held[t->nheld++] = ex;
}

static void srv_on_request(ript_http_exchange *ex, void *user_data) {
  h3t *t = user_data;
  xstate *x = calloc(1, sizeof(*x));
  assert_non_null(x);
  x->t = t;
  x->ex = ex;
  uv_timer_init(&t->loop, &x->timer);
  x->timer.data = x;
  ++t->requests;
  ript_http_exchange_callbacks cbs = {.on_body = srv_on_body,
                                      .on_body_end = srv_on_body_end,
                                      .on_datagram = srv_on_datagram,
                                      .on_close = srv_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, x);
  assert_int_equal(ript_http_exchange_version(ex), RIPT_HTTP_3);
  const char *path = ript_http_exchange_path(ex);
  const char *xt = ript_http_exchange_header(ex, "x-test");
  t->x_test_seen += xt && strcmp(xt, "42") == 0;
  if (strcmp(ript_http_exchange_method(ex), "CONNECT") == 0) {
    srv_connect(t, ex);
    return;
  }
  t->dgram_enabled_get = ript_http_exchange_datagrams_enabled(ex);
  t->dgram_state_get = ript_http_exchange_send_datagram(ex, "x", 1);
  if (strcmp(path, "/login") == 0 || strcmp(path, "/check") == 0)
    srv_cookies(t, ex, path);
  else
    srv_route(t, x, ex, path);
}

/* ---- client helpers ---- */

static void cli_on_response(ript_http_exchange *ex, void *user_data) {
  xstate *x = user_data;
  x->status = ript_http_exchange_status(ex);
}

static void cli_on_body(ript_http_exchange *ex, const uint8_t *data,
                        size_t len, void *user_data) {
  (void)ex;
  xstate_body(user_data, data, len);
}

static void cli_on_body_end(ript_http_exchange *ex, void *user_data) {
  xstate *x = user_data;
  (void)ex;
  x->ended = 1;
}

static void cli_on_close(ript_http_exchange *ex, int error, void *user_data) {
  xstate *x = user_data;
  (void)ex;
  x->closed = 1;
  x->error = error;
  x->ex = NULL;
  ++x->t->c_closes;
  ++x->t->c_err[err_slot(error)];
}

static const ript_http_exchange_callbacks cli_cbs = {
    .on_response = cli_on_response,
    .on_body = cli_on_body,
    .on_body_end = cli_on_body_end,
    .on_close = cli_on_close};

static void t_request_cbs(h3t *t, xstate *x, const char *method,
                          const char *path, uint32_t flags,
                          const ript_http_exchange_callbacks *cbs) {
  char url[128];
  t_url(t, url, sizeof(url), path);
  memset(x, 0, sizeof(*x));
  x->t = t;
  x->pattern_ok = 1;
  const ript_http_header h[] = {{"x-test", "42"}};
  ript_http_request req = {.method = method,
                           .url = url,
                           .headers = h,
                           .nheaders = 1,
                           .flags = flags};
  assert_int_equal(ript_http_client_request(t->client, &req, cbs, x, &x->ex),
                   0);
}

static void t_request(h3t *t, xstate *x, const char *method, const char *path,
                      uint32_t flags) {
  t_request_cbs(t, x, method, path, flags, &cli_cbs);
}

static uint16_t ex_local_port(const ript_http_exchange *ex) {
  const struct sockaddr_in *in =
      (const struct sockaddr_in *)&ex_conn(ex)->local;
  return ntohs(in->sin_port);
}

/* ---- tests: request and response ---- */

static void test_get_post_empty(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate get, post, empty;
  t_request(&t, &get, "GET", "/hello", RIPT_HTTP_FLAG_END);
  assert_int_equal(ript_http_exchange_write(get.ex, "x", 1),
                   RIPT_ERR_HTTP_STATE);
  t_request(&t, &post, "POST", "/post", 0);
  assert_int_equal(ript_http_exchange_write(post.ex, "abc", 3), 0);
  assert_int_equal(ript_http_exchange_write(post.ex, "def", 3), 0);
  assert_int_equal(ript_http_exchange_end(post.ex), 0);
  assert_int_equal(ript_http_exchange_end(post.ex), RIPT_ERR_HTTP_STATE);
  t_request(&t, &empty, "GET", "/empty", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 3);
  t_wait(&t, &t.s_closes, 3);
  assert_int_equal(get.status, 200);
  assert_string_equal(get.body, "hello");
  assert_true(get.ended);
  assert_int_equal(get.error, 0);
  assert_int_equal(post.status, 201);
  assert_string_equal(post.body, "abcdef");
  assert_int_equal(empty.status, 204);
  assert_int_equal(empty.body_len, 0);
  assert_true(empty.ended);
  assert_int_equal(t.c_err[0], 3);
  assert_int_equal(t.s_err[0], 3);
  assert_int_equal(t.x_test_seen, 3);
  t_teardown(&t);
}

static void cli_check_headers(ript_http_exchange *ex, void *user_data) {
  xstate *x = user_data;
  x->status = ript_http_exchange_status(ex);
  assert_string_equal(ript_http_exchange_header(ex, "X-Reply"), "yes");
  assert_non_null(ript_http_exchange_header(ex, "date"));
  assert_int_equal(ript_http_exchange_version(ex), RIPT_HTTP_3);
  assert_null(ript_http_exchange_header_at(ex, 99));
  assert_true(ript_http_exchange_header_count(ex) >= 3);
  /* A client cannot respond; datagrams need extended CONNECT. */
  assert_int_equal(ript_http_exchange_respond(ex, 200, NULL, 0, 0),
                   RIPT_ERR_HTTP_STATE);
  assert_false(ript_http_exchange_datagrams_enabled(ex));
  assert_int_equal(ript_http_exchange_max_datagram(ex), 0);
  assert_int_equal(ript_http_exchange_send_datagram(ex, "x", 1),
                   RIPT_ERR_HTTP_STATE);
}

static void test_headers_pass_through(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_response = cli_check_headers;
  xstate x;
  t_request_cbs(&t, &x, "GET", "/hello", RIPT_HTTP_FLAG_END, &cbs);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.status, 200);
  /* The server saw a GET exchange: no datagrams there either. */
  assert_false(t.dgram_enabled_get);
  assert_int_equal(t.dgram_state_get, RIPT_ERR_HTTP_STATE);
  t_teardown(&t);
}

/* ---- tests: streaming ---- */

static void test_streaming_response(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x;
  t_request(&t, &x, "GET", "/stream", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, 0);
  assert_true(strncmp(x.body, "tick 0\ntick 1\n", 14) == 0);
  /* Ticks arrive as written, not in one piece at the end. */
  assert_true(x.body_calls >= T_TICKS / 2);
  assert_true(x.last_ms - x.first_ms >= 200);
  t_teardown(&t);
}

static void trickle_tick(uv_timer_t *timer) {
  xstate *x = timer->data;
  char piece[16];
  snprintf(piece, sizeof(piece), "p%d;", x->ticks);
  assert_int_equal(ript_http_exchange_write(x->ex, piece, strlen(piece)), 0);
  if (++x->ticks == T_TICKS) {
    uv_timer_stop(timer);
    assert_int_equal(ript_http_exchange_end(x->ex), 0);
  }
}

static void test_trickled_request_body(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x;
  t_request(&t, &x, "PUT", "/trickle", 0);
  uv_timer_t timer;
  uv_timer_init(&t.loop, &timer);
  timer.data = &x;
  x.ticks = 0;
  uv_timer_start(&timer, trickle_tick, 50, 50);
  t_wait(&t, &t.c_closes, 1);
  t_wait(&t, &t.s_closes, 1);
  uv_close((uv_handle_t *)&timer, NULL);
  assert_int_equal(x.status, 200);
  assert_string_equal(x.body, "done");
  assert_int_equal(t.sizes[0], strlen("p0;p1;p2;p3;p4;p5;p6;p7;p8;p9;"));
  t_teardown(&t);
}

/* Ping-pong: each piece is written from inside on_body once the previous
 * one came back, so both bodies must flow while the exchange is open. */
static void echo_on_body(ript_http_exchange *ex, const uint8_t *data,
                         size_t len, void *user_data) {
  xstate *x = user_data;
  xstate_body(x, data, len);
  if (strchr(x->body + x->body_len - len, ';') == NULL)
    return;
  if (++x->t->echo_rounds == T_TICKS) {
    assert_int_equal(ript_http_exchange_end(ex), 0);
    return;
  }
  char piece[16];
  snprintf(piece, sizeof(piece), "e%d;", x->t->echo_rounds);
  assert_int_equal(ript_http_exchange_write(ex, piece, strlen(piece)), 0);
}

static void test_echo_from_callbacks(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_body = echo_on_body;
  xstate x;
  t_request_cbs(&t, &x, "PUT", "/echo", 0, &cbs);
  assert_int_equal(ript_http_exchange_write(x.ex, "e0;", 3), 0);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, 0);
  assert_int_equal(t.echo_rounds, T_TICKS);
  assert_string_equal(x.body, "e0;e1;e2;e3;e4;e5;e6;e7;e8;e9;");
  t_teardown(&t);
}

static void test_many_concurrent(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate *xs = calloc(T_MANY, sizeof(*xs));
  assert_non_null(xs);
  for (int i = 0; i < T_MANY; ++i) {
    char path[32];
    snprintf(path, sizeof(path), "/many/%d", i);
    t_request(&t, &xs[i], "GET", path, RIPT_HTTP_FLAG_END);
  }
  /* The server answers only once all are open at the same time. */
  t_wait(&t, &t.c_closes, T_MANY);
  t_wait(&t, &t.s_closes, T_MANY);
  assert_false(t.other_conn); /* all on one connection */
  for (int i = 0; i < T_MANY; ++i) {
    char want[32];
    snprintf(want, sizeof(want), "/many/%d", i);
    assert_int_equal(xs[i].error, 0);
    assert_string_equal(xs[i].body, want);
  }
  assert_int_equal(t.c_err[0], T_MANY);
  free(xs);
  t_teardown(&t);
}

/* More requests than the server allows streams: the rest wait for credit,
 * which the server grants as streams finish. */
enum { T_CREDIT = 40 };

static void credit_on_body(ript_http_exchange *ex, const uint8_t *data,
                           size_t len, void *user_data) {
  xstate *x = user_data;
  xstate *last = x->t->cancel;
  cli_on_body(ex, data, len, user_data);
  if (last && last->ex) {
    /* Still waiting for stream credit: cancelled before it is sent. */
    const ript_h3_stream *st = last->ex->stream;
    assert_true(st->waiting);
    assert_int_equal(ript_http_exchange_reset(last->ex), 0);
    x->t->cancel = NULL;
  }
}

static void test_stream_credit(void **state) {
  (void)state;
  h3t t;
  t_init(&t);
  t.max_streams = 10;
  assert_int_equal(t_server(&t, 0, NULL, NULL, 0), 0);
  t_client(&t, certdir, 0);
  xstate warm;
  t_request(&t, &warm, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  xstate *xs = calloc(T_CREDIT, sizeof(*xs));
  assert_non_null(xs);
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_body = credit_on_body;
  for (int i = 0; i < T_CREDIT; ++i)
    t_request_cbs(&t, &xs[i], "GET", "/hello", RIPT_HTTP_FLAG_END, &cbs);
  t.cancel = &xs[T_CREDIT - 1];
  t_wait(&t, &t.c_closes, T_CREDIT + 1);
  for (int i = 0; i < T_CREDIT - 1; ++i)
    assert_string_equal(xs[i].body, "hello");
  assert_int_equal(xs[T_CREDIT - 1].error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(t.requests, T_CREDIT);
  free(xs);
  t_teardown(&t);
}

static void test_big_bodies(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x;
  t_request(&t, &x, "PUT", "/big", 0);
  uint8_t *buf = malloc(T_BIG);
  assert_non_null(buf);
  for (size_t i = 0; i < T_BIG; ++i)
    buf[i] = big_byte(i);
  assert_int_equal(ript_http_exchange_write(x.ex, buf, T_BIG), 0);
  free(buf);
  assert_int_equal(ript_http_exchange_pending(x.ex), T_BIG);
  assert_int_equal(ript_http_exchange_end(x.ex), 0);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, 0);
  assert_int_equal(x.status, 200);
  assert_int_equal(t.sizes[0], T_BIG);
  assert_int_equal(x.total, T_BIG);
  assert_true(x.pattern_ok);
  t_teardown(&t);
}

/* ---- tests: resets and closes ---- */

static void reset_on_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  xstate_body(user_data, data, len);
  assert_int_equal(ript_http_exchange_reset(ex), 0);
}

static void test_client_reset(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_body = reset_on_body;
  xstate x;
  t_request_cbs(&t, &x, "GET", "/hold", RIPT_HTTP_FLAG_END, &cbs);
  t_wait(&t, &t.c_closes, 1);
  t_wait(&t, &t.s_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(t.s_err[1], 1);
  t_teardown(&t);
}

static void test_server_reset(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x;
  t_request(&t, &x, "PUT", "/reject", 0);
  assert_int_equal(ript_http_exchange_write(x.ex, "data", 4), 0);
  t_wait(&t, &t.c_closes, 1);
  t_wait(&t, &t.s_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(t.s_err[1], 1);
  /* The connection survives a stream reset. */
  xstate again;
  t_request(&t, &again, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 2);
  assert_int_equal(again.status, 200);
  t_teardown(&t);
}

/* A request reset while still queued in the client never reaches the
 * server. */
static void test_reset_before_sending(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x;
  t_request(&t, &x, "GET", "/hello", RIPT_HTTP_FLAG_END);
  assert_int_equal(ript_http_exchange_reset(x.ex), 0);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_RESET);
  xstate y;
  t_request(&t, &y, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 2);
  assert_int_equal(y.status, 200);
  /* Reset once the connection is up, before the flush sends it. */
  xstate z;
  t_request(&t, &z, "GET", "/hello", RIPT_HTTP_FLAG_END);
  assert_int_equal(ript_http_exchange_reset(z.ex), 0);
  t_wait(&t, &t.c_closes, 3);
  assert_int_equal(z.error, RIPT_ERR_HTTP_RESET);
  assert_int_equal(t.requests, 1);
  t_teardown(&t);
}

static void test_server_close_open_exchanges(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate a, b, c;
  t_request(&t, &a, "GET", "/hold", RIPT_HTTP_FLAG_END);
  t_request(&t, &b, "GET", "/hold", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.requests, 2);
  /* The third request closes the server from inside on_request. */
  t_request(&t, &c, "GET", "/close", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.server_closed, 1);
  t_wait(&t, &t.c_closes, 3);
  assert_int_equal(t.s_err[2], 3);
  assert_int_equal(t.c_err[2], 3);
  /* A new server on the same port: the client opens a new connection. */
  uint16_t port = t.port;
  assert_int_equal(t_server(&t, port, NULL, NULL, 0), 0);
  assert_int_equal(t.port, port);
  xstate d;
  t_request(&t, &d, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 4);
  assert_int_equal(d.status, 200);
  assert_int_equal(d.error, 0);
  t_teardown(&t);
}

static void close_client_on_body(ript_http_exchange *ex, const uint8_t *data,
                                 size_t len, void *user_data) {
  xstate *x = user_data;
  (void)ex;
  xstate_body(x, data, len);
  if (++x->t->phase == 2) {
    ript_http_client_close(x->t->client, on_client_closed, x->t);
    x->t->client = NULL;
  }
}

static void test_client_close_open_exchanges(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_body = close_client_on_body;
  xstate a, b;
  t_request_cbs(&t, &a, "GET", "/hold", RIPT_HTTP_FLAG_END, &cbs);
  t_request_cbs(&t, &b, "GET", "/hold", RIPT_HTTP_FLAG_END, &cbs);
  t_wait(&t, &t.client_closed, 1);
  assert_int_equal(t.c_err[2], 2);
  t_wait(&t, &t.s_closes, 2);
  assert_int_equal(t.s_err[2], 2);
  t_teardown(&t);
}

/* ---- tests: connection management ---- */

static void goaway_poll(uv_timer_t *timer) {
  xstate *x = timer->data;
  h3t *t = x->t;
  /* Once body arrived the exchange is on an HTTP/3 stream. */
  if (!x->ex || !x->body_calls || !ex_conn(x->ex)->draining)
    return;
  uv_timer_stop(timer);
  /* The draining connection takes no new request: the front opens
   * another one while /first goes on. */
  t_request(t, x + 1, "GET", "/second", RIPT_HTTP_FLAG_END);
}

static void test_goaway_draining(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x[2];
  t_request(&t, &x[0], "GET", "/first", RIPT_HTTP_FLAG_END);
  uv_timer_t poll;
  uv_timer_init(&t.loop, &poll);
  poll.data = &x[0];
  uv_timer_start(&poll, goaway_poll, 10, 10);
  t_wait(&t, &t.c_closes, 2);
  uv_close((uv_handle_t *)&poll, NULL);
  assert_int_equal(x[0].error, 0);
  assert_string_equal(x[0].body, "xy");
  assert_int_equal(x[1].status, 200);
  assert_int_equal(x[1].error, 0);
  assert_true(t.other_conn);
  t_teardown(&t);
}

static void test_idle_timeout(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 1500);
  xstate a, b;
  t_request(&t, &a, "GET", "/hold", RIPT_HTTP_FLAG_END);
  t_wait(&t, &a.body_calls, 1);
  uint16_t port1 = ex_local_port(a.ex);
  /* Keep-alive holds a quiet exchange open past the idle timeout. */
  t_sleep(&t, 4000);
  assert_false(a.closed);
  assert_int_equal(ript_http_exchange_write(t.held[0], "z", 1), 0);
  assert_int_equal(ript_http_exchange_end(t.held[0]), 0);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(a.error, 0);
  assert_string_equal(a.body, "xz");
  /* With nothing open the connection idles out; the next request opens a
   * new one (from a new local port). */
  t_sleep(&t, 4000);
  t_request(&t, &b, "GET", "/hold", RIPT_HTTP_FLAG_END);
  t_wait(&t, &b.body_calls, 1);
  assert_int_not_equal(ex_local_port(b.ex), port1);
  t_teardown(&t);
  assert_int_equal(b.error, RIPT_ERR_HTTP_CLOSED);
}

static void cookie_step(ript_http_exchange *ex, int error, void *user_data) {
  xstate *x = user_data;
  h3t *t = x->t;
  cli_on_close(ex, error, user_data);
  /* The next request starts from inside on_close. */
  if (t->phase == 0) {
    t->phase = 1;
    t_request_cbs(t, x + 1, "GET", "/check", RIPT_HTTP_FLAG_END,
                  &(ript_http_exchange_callbacks){.on_close = cookie_step});
  } else if (t->phase == 1) {
    t->phase = 2;
    snprintf(x->body, sizeof(x->body), "%s", t->cookie);
    t_request_cbs(t, x + 1, "GET", "/check",
                  RIPT_HTTP_FLAG_END | RIPT_HTTP_FLAG_NO_COOKIES,
                  &(ript_http_exchange_callbacks){.on_close = cookie_step});
  }
}

static void test_cookies(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  xstate x[3];
  t_request_cbs(&t, &x[0], "GET", "/login", RIPT_HTTP_FLAG_END,
                &(ript_http_exchange_callbacks){.on_close = cookie_step});
  t_wait(&t, &t.c_closes, 3);
  assert_string_equal(x[1].body, "sid=abc");
  assert_string_equal(t.cookie, "-");
  t_teardown(&t);
}

/* ---- tests: extended CONNECT and datagrams ---- */

static void cli_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                            size_t len, void *user_data) {
  xstate *x = user_data;
  (void)ex;
  if (len < 4 || memcmp(data, "s2c ", 4) != 0)
    ++x->t->c_dgram_bad;
  ++x->t->c_dgrams;
}

static void connect_on_response(ript_http_exchange *ex, void *user_data) {
  xstate *x = user_data;
  x->status = ript_http_exchange_status(ex);
  assert_int_equal(x->status, 200);
  assert_true(ript_http_exchange_datagrams_enabled(ex));
  /* Too big for one packet: refused, not fragmented. The largest that fits
   * says so: a QUIC packet holds at least 1200 bytes of UDP payload (more
   * once path MTU discovery proved it; at most the 1452 ngtcp2 probes),
   * less the QUIC and HTTP/3 framing. */
  static uint8_t big[2000] = "c2s big";
  size_t most = ript_http_exchange_max_datagram(ex);
  assert_true(most >= 1100 && most < 1452);
  assert_int_equal(ript_http_exchange_send_datagram(ex, big, sizeof(big)),
                   RIPT_ERR_NOBUF);
  assert_int_equal(ript_http_exchange_send_datagram(ex, big, most + 1),
                   RIPT_ERR_NOBUF);
  assert_int_equal(ript_http_exchange_send_datagram(ex, big, most), 0);
  for (int i = 0; i < T_DGRAMS; ++i) {
    char msg[32];
    snprintf(msg, sizeof(msg), "c2s %d", i);
    assert_int_equal(ript_http_exchange_send_datagram(ex, msg, strlen(msg)),
                     0);
  }
}

static void test_connect_datagrams(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  char url[128];
  t_url(&t, url, sizeof(url), "/session");
  xstate x;
  memset(&x, 0, sizeof(x));
  x.t = &t;
  ript_http_exchange_callbacks cbs = cli_cbs;
  cbs.on_response = connect_on_response;
  cbs.on_datagram = cli_on_datagram;
  ript_http_request req = {
      .method = "CONNECT", .url = url, .protocol = "webtransport"};
  assert_int_equal(ript_http_client_request(t.client, &req, &cbs, &x, &x.ex),
                   0);
  /* Not sent yet: no datagrams. */
  assert_int_equal(ript_http_exchange_send_datagram(x.ex, "x", 1),
                   RIPT_ERR_HTTP_STATE);
  assert_int_equal(ript_http_exchange_max_datagram(x.ex), 0);
  t_wait(&t, &x.status, 200);
  /* Datagrams are unreliable, but loopback loses few. */
  t_wait(&t, &t.s_dgrams, T_DGRAMS * 9 / 10);
  t_wait(&t, &t.c_dgrams, T_DGRAMS * 9 / 10);
  t_sleep(&t, 200);
  assert_int_equal(t.s_dgram_bad, 0);
  assert_int_equal(t.c_dgram_bad, 0);
  /* The datagrams and the one of the largest size. */
  assert_true(t.s_dgrams <= T_DGRAMS + 1 && t.c_dgrams <= T_DGRAMS);
  assert_true(t.s_dgram_longest >= 1100);
  /* The session ends like any exchange. */
  assert_int_equal(ript_http_exchange_end(x.ex), 0);
  assert_int_equal(ript_http_exchange_end(t.held[0]), 0);
  t_wait(&t, &t.c_closes, 1);
  t_wait(&t, &t.s_closes, 1);
  assert_int_equal(x.error, 0);
  assert_int_equal(t.s_err[0], 1);
  t_teardown(&t);
}

/* ---- tests: TLS ---- */

static void test_tls_untrusted_ca(void **state) {
  (void)state;
  h3t t;
  t_init(&t);
  assert_int_equal(t_server(&t, 0, NULL, NULL, 0), 0);
  t_client(&t, othercadir, 0);
  xstate x;
  t_request(&t, &x, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_TLS);
  assert_int_equal(t.requests, 0);
  t_teardown(&t);
}

/* A certificate from the trusted CA that names only "other.invalid". */
static void make_other_host_cert(const char *dir, const char *outdir) {
  char path[128];
  gnutls_datum_t d;
  gnutls_x509_crt_t ca, crt;
  gnutls_x509_privkey_t cakey, key;
  cert_path(path, sizeof(path), dir, "ca.pem");
  assert_int_equal(gnutls_load_file(path, &d), 0);
  gnutls_x509_crt_init(&ca);
  assert_int_equal(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM), 0);
  gnutls_free(d.data);
  cert_path(path, sizeof(path), dir, "ca-key.pem");
  assert_int_equal(gnutls_load_file(path, &d), 0);
  gnutls_x509_privkey_init(&cakey);
  assert_int_equal(gnutls_x509_privkey_import(cakey, &d, GNUTLS_X509_FMT_PEM),
                   0);
  gnutls_free(d.data);
  gnutls_x509_privkey_init(&key);
  assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                                GNUTLS_CURVE_TO_BITS(
                                                    GNUTLS_ECC_CURVE_SECP256R1),
                                                0),
                   0);
  gnutls_x509_crt_init(&crt);
  time_t now = time(NULL);
  unsigned char serial[] = {0x42};
  assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
  assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, 1), 0);
  assert_int_equal(gnutls_x509_crt_set_activation_time(crt, now - 3600), 0);
  assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, now + 86400), 0);
  assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
  assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
                                                 GNUTLS_OID_X520_COMMON_NAME,
                                                 0, "other.invalid", 13),
                   0);
  assert_int_equal(gnutls_x509_crt_set_subject_alt_name(
                       crt, GNUTLS_SAN_DNSNAME, "other.invalid", 13,
                       GNUTLS_FSAN_SET),
                   0);
  assert_int_equal(gnutls_x509_crt_set_key_usage(
                       crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
                   0);
  assert_int_equal(gnutls_x509_crt_set_key_purpose_oid(
                       crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                   0);
  assert_int_equal(gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0),
                   0);
  FILE *f;
  cert_path(path, sizeof(path), outdir, "server.pem");
  assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
  assert_non_null(f = fopen(path, "w"));
  fwrite(d.data, 1, d.size, f);
  fclose(f);
  gnutls_free(d.data);
  cert_path(path, sizeof(path), outdir, "server-key.pem");
  assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d),
                   0);
  assert_non_null(f = fopen(path, "w"));
  fwrite(d.data, 1, d.size, f);
  fclose(f);
  gnutls_free(d.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_crt_deinit(ca);
  gnutls_x509_privkey_deinit(key);
  gnutls_x509_privkey_deinit(cakey);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void rm_tree(const char *dir) {
  nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_tls_wrong_host(void **state) {
  (void)state;
  char dir[] = "/tmp/ript-h3-host-XXXXXX";
  assert_non_null(mkdtemp(dir));
  make_other_host_cert(certdir, dir);
  char cert[128], key[128];
  cert_path(cert, sizeof(cert), dir, "server.pem");
  cert_path(key, sizeof(key), dir, "server-key.pem");
  h3t t;
  t_init(&t);
  assert_int_equal(t_server(&t, 0, cert, key, 0), 0);
  t_client(&t, certdir, 0);
  xstate x;
  t_request(&t, &x, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_TLS);
  assert_int_equal(t.requests, 0);
  t_teardown(&t);
  rm_tree(dir);
}

/* ---- tests: failures ---- */

static uint16_t unused_udp_port(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in in = {.sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(in);
  assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
  close(fd);
  return ntohs(in.sin_port);
}

static void test_nobody_listening(void **state) {
  (void)state;
  h3t t;
  t_init(&t);
  t_client(&t, certdir, 0);
  t.port = unused_udp_port();
  xstate x;
  t_request(&t, &x, "GET", "/hello", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, RIPT_ERR_HTTP_CLOSED);
  t_teardown(&t);
}

static void test_listener_errors(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  ript_http_server *other = NULL;
  char cert[128], key[128];
  cert_path(cert, sizeof(cert), certdir, "server.pem");
  cert_path(key, sizeof(key), certdir, "server-key.pem");
  ript_http_server_config cfg = {.address = "127.0.0.1",
                                 .port = t.port,
                                 .cert_file = cert,
                                 .key_file = key,
                                 .flags = RIPT_HTTP_SERVER_FLAG_H3};
  ript_http_server_callbacks cbs = {.on_request = srv_on_request};
  /* The UDP port is taken. */
  assert_int_equal(ript_http_server_new(&other, &t.loop, &cfg, &cbs, &t),
                   RIPT_ERR_HTTP_CLOSED);
  cfg.port = 0;
  cfg.address = "::1";
  assert_int_equal(ript_http_server_new(&other, &t.loop, &cfg, &cbs, &t), 0);
  assert_true(ript_http_server_port(other) != 0);
  int closed = 0;
  ript_http_server_close(other, on_count, &closed);
  t_wait(&t, &closed, 1);
  t_teardown(&t);
}

/* A client offering an unknown QUIC version gets Version Negotiation. */
typedef struct vn_probe {
  uv_udp_t udp;
  uint8_t buf[1500];
  int got;    /* datagrams received */
  size_t len; /* the last one's length */
  uint32_t version;
} vn_probe;

static void vn_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf) {
  vn_probe *p = h->data;
  (void)n;
  buf->base = (char *)p->buf;
  buf->len = sizeof(p->buf);
}

static void vn_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
                    const struct sockaddr *addr, unsigned flags) {
  vn_probe *p = udp->data;
  (void)flags;
  if (nread < 7 || !addr)
    return;
  const uint8_t *b = (const uint8_t *)buf->base;
  p->version = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 |
               (uint32_t)b[3] << 8 | b[4];
  p->len = (size_t)nread;
  ++p->got;
}

static void test_version_negotiation(void **state) {
  (void)state;
  h3t t;
  t_setup(&t, 0, 0);
  vn_probe p = {0};
  uv_udp_init(&t.loop, &p.udp);
  p.udp.data = &p;
  struct sockaddr_in to;
  uv_ip4_addr("127.0.0.1", t.port, &to);
  /* Long header, version 0x1a2a3a4a, 8-byte DCID and SCID, padding. */
  uint8_t pkt[1200];
  memset(pkt, 0, sizeof(pkt));
  const uint8_t head[] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6,
                          7,    8,    8,    9,    9,    9, 9, 9, 9, 9, 9};
  memcpy(pkt, head, sizeof(head));
  uv_buf_t buf = uv_buf_init((char *)pkt, sizeof(pkt));
  assert_true(uv_udp_try_send(&p.udp, &buf, 1, (struct sockaddr *)&to) > 0);
  assert_int_equal(uv_udp_recv_start(&p.udp, vn_alloc, vn_recv), 0);
  t_wait(&t, &p.got, 1);
  assert_int_equal(p.version, 0);
  uv_close((uv_handle_t *)&p.udp, NULL);
  t_teardown(&t);
}

/* ---- tests: a server that lost its connections (Stateless Reset) ---- */

static const uint8_t reset_key_a[32] = "ript h3 test stateless reset A.";
static const uint8_t reset_key_b[32] = "ript h3 test stateless reset B.";

/* t_setup with a server that has reset_key_a. */
static void t_setup_keyed(h3t *t) {
  t_init(t);
  t->reset_key = reset_key_a;
  assert_int_equal(t_server(t, 0, NULL, NULL, 0), 0);
  t_client(t, certdir, 0);
}

static uint64_t t_resets(const h3t *t) {
  ript_http_server_stats st;
  ript_http_server_stats_get(t->server, &st);
  return st.stateless_resets;
}

/* A POST the server answers and holds open; returns the local port of its
 * connection once the connection is quiet (the client's last
 * acknowledgements went out), so that the client sends nothing more until
 * the test writes. */
static uint16_t t_hold_post(h3t *t, xstate *x) {
  t_request(t, x, "POST", "/hold", 0);
  t_wait(t, &x->body_calls, 1);
  t_sleep(t, 300);
  return ex_local_port(x->ex);
}

/* The server dies as a killed process would: it forgets the client's
 * connection without a word (no CONNECTION_CLOSE), and a new server with
 * |key| (NULL: none) takes its port. */
static void t_server_crash(h3t *t, const uint8_t *key) {
  uint16_t port = t->port;
  int closes = t->s_closes;
  ript_h3_conn_abort(ex_conn(t->held[t->nheld - 1]), RIPT_ERR_HTTP_CLOSED);
  t_wait(t, &t->s_closes, closes + 1);
  t_close_server(t);
  t->reset_key = key;
  assert_int_equal(t_server(t, port, NULL, NULL, 0), 0);
  assert_int_equal(t->port, port);
}

/* The new server has the old one's key: the client's next packet is
 * answered with a Stateless Reset, its request ends at once (not at the
 * 30 s idle timeout) and the next request opens a new connection. */
static void test_stateless_reset(void **state) {
  (void)state;
  h3t t;
  t_setup_keyed(&t);
  xstate a, b;
  uint16_t port1 = t_hold_post(&t, &a);
  t_server_crash(&t, reset_key_a);
  assert_false(a.closed);
  uv_update_time(&t.loop);
  uint64_t start = uv_now(&t.loop);
  assert_int_equal(ript_http_exchange_write(a.ex, "more", 4), 0);
  t_wait(&t, &a.closed, 1);
  uv_update_time(&t.loop);
  assert_int_equal(a.error, RIPT_ERR_HTTP_CLOSED);
  assert_true(uv_now(&t.loop) - start < 2000);
  assert_int_equal(t_resets(&t), 1);
  t_request(&t, &b, "GET", "/hold", RIPT_HTTP_FLAG_END);
  t_wait(&t, &b.body_calls, 1);
  assert_int_equal(b.status, 200);
  assert_int_not_equal(ex_local_port(b.ex), port1);
  uv_update_time(&t.loop);
  assert_true(uv_now(&t.loop) - start < 4000);
  t_teardown(&t);
}

/* A new server without a key drops the client's packets, as before; one
 * with another key answers, but with tokens the client does not hold, so
 * the client ignores them. Either way the request stays open. */
static void test_stateless_reset_other_key(void **state) {
  (void)state;
  for (int i = 0; i < 2; ++i) {
    h3t t;
    t_setup_keyed(&t);
    xstate a;
    t_hold_post(&t, &a);
    t_server_crash(&t, i == 0 ? NULL : reset_key_b);
    assert_int_equal(ript_http_exchange_write(a.ex, "more", 4), 0);
    t_sleep(&t, 1500);
    assert_false(a.closed);
    if (i == 0)
      assert_int_equal(t_resets(&t), 0);
    else
      assert_true(t_resets(&t) >= 1);
    t_teardown(&t);
    assert_int_equal(a.error, RIPT_ERR_HTTP_CLOSED);
  }
}

/* What a keyed server sends for a short-header packet of an unknown
 * connection, byte for byte; a key shorter than 32 bytes is refused. */
static void test_stateless_reset_wire(void **state) {
  (void)state;
  h3t t;
  t_setup_keyed(&t);
  vn_probe p = {0};
  uv_udp_init(&t.loop, &p.udp);
  p.udp.data = &p;
  assert_int_equal(uv_udp_recv_start(&p.udp, vn_alloc, vn_recv), 0);
  struct sockaddr_in to;
  uv_ip4_addr("127.0.0.1", t.port, &to);
  uint8_t pkt[1200];
  memset(pkt, 0x5a, sizeof(pkt));
  pkt[0] = 0x41; /* short header, fixed bit */
  ngtcp2_cid dcid;
  dcid.datalen = 16;
  for (size_t i = 0; i < 16; ++i)
    pkt[1 + i] = dcid.data[i] = (uint8_t)(0xa0 + i);
  uint8_t token[16];
  assert_int_equal(
      ript_h3_reset_token(token, reset_key_a, sizeof(reset_key_a), &dcid), 0);
  /* Too short to be a packet for a 16-byte ID: nothing; then 40 bytes
   * (a 39-byte reset) and 1200 (42 bytes). */
  static const size_t lens[] = {36, 40, 1200};
  static const size_t want[] = {0, 39, 42};
  for (size_t i = 0; i < 3; ++i) {
    uv_buf_t buf = uv_buf_init((char *)pkt, (unsigned)lens[i]);
    assert_true(uv_udp_try_send(&p.udp, &buf, 1, (struct sockaddr *)&to) > 0);
    if (!want[i])
      continue;
    int got = p.got;
    t_wait(&t, &p.got, got + 1);
    assert_int_equal(p.got, (int)i);
    assert_int_equal(p.len, want[i]);
    assert_int_equal(p.buf[0] & 0xc0, 0x40);
    assert_memory_equal(p.buf + p.len - 16, token, 16);
  }
  assert_int_equal(t_resets(&t), 2);
  uv_close((uv_handle_t *)&p.udp, NULL);
  ript_http_server *other = NULL;
  char cert[128], key[128];
  cert_path(cert, sizeof(cert), certdir, "server.pem");
  cert_path(key, sizeof(key), certdir, "server-key.pem");
  ript_http_server_config cfg = {.address = "127.0.0.1",
                                 .cert_file = cert,
                                 .key_file = key,
                                 .stateless_reset_key = reset_key_a,
                                 .stateless_reset_key_len = 31};
  ript_http_server_callbacks cbs = {.on_request = srv_on_request};
  assert_int_equal(ript_http_server_new(&other, &t.loop, &cfg, &cbs, &t),
                   RIPT_ERR_INVALID_ARGUMENT);
  t_teardown(&t);
}

/* ---- interop with the ngtcp2 example programs ---- */

typedef struct child {
  uv_process_t proc;
  int exited;
  int64_t status;
  int signal;
} child;

static void child_exit(uv_process_t *proc, int64_t status, int signal) {
  child *c = proc->data;
  c->exited = 1;
  c->status = status;
  c->signal = signal;
  uv_close((uv_handle_t *)proc, NULL);
}

static const char *find_program(const char *name, char *out, size_t n) {
  static const char *const dirs[] = {"/usr/bin", "/usr/sbin",
                                     "/usr/local/bin", "/usr/local/sbin"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); ++i) {
    snprintf(out, n, "%s/%s", dirs[i], name);
    if (access(out, X_OK) == 0)
      return out;
  }
  fail_msg("%s is not installed (scripts/install-deps.sh)", name);
  return NULL;
}

static void spawn(h3t *t, child *c, char **args) {
  memset(c, 0, sizeof(*c));
  uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                   {.flags = UV_IGNORE},
                                   {.flags = UV_IGNORE}};
  char *argv[64];
  ript_test_child_argv(args, argv, 64);
  uv_process_options_t opt = {.exit_cb = child_exit,
                              .file = argv[0],
                              .args = argv,
                              .stdio_count = 3,
                              .stdio = stdio};
  c->proc.data = c;
  assert_int_equal(uv_spawn(&t->loop, &c->proc, &opt), 0);
}

static void test_interop_gtlsclient(void **state) {
  (void)state;
  char prog[128], dir[] = "/tmp/ript-h3-dl-XXXXXX";
  find_program("gtlsclient", prog, sizeof(prog));
  assert_non_null(mkdtemp(dir));
  h3t t;
  t_setup(&t, 0, 0);
  char port[8], url[128], dl[160];
  snprintf(port, sizeof(port), "%u", t.port);
  t_url(&t, url, sizeof(url), "/hello");
  snprintf(dl, sizeof(dl), "--download=%s", dir);
  char *args[] = {prog,
                  "-q",
                  "--exit-on-all-streams-close",
                  "--timeout=10s",
                  dl,
                  "127.0.0.1",
                  port,
                  url,
                  NULL};
  child c;
  spawn(&t, &c, args);
  t_wait(&t, &c.exited, 1);
  assert_int_equal(c.status, 0);
  char path[192];
  cert_path(path, sizeof(path), dir, "hello");
  size_t len;
  char *body = ript_test_read_file(path, &len);
  assert_int_equal(len, 5);
  assert_memory_equal(body, "hello", 5);
  free(body);
  assert_int_equal(t.requests, 1);
  t_teardown(&t);
  rm_tree(dir);
}

/* True once something listens on 127.0.0.1:|port| (UDP). */
static int udp_port_bound(uint16_t port) {
  char line[256];
  FILE *f = fopen("/proc/net/udp", "r");
  if (!f)
    return 0;
  int found = 0;
  while (!found && fgets(line, sizeof(line), f)) {
    unsigned addr, local;
    found = sscanf(line, " %*d: %x:%x", &addr, &local) == 2 &&
            addr == 0x0100007fu && local == port;
  }
  fclose(f);
  return found;
}

static void test_interop_gtlsserver(void **state) {
  (void)state;
  char prog[128], dir[] = "/tmp/ript-h3-www-XXXXXX";
  find_program("gtlsserver", prog, sizeof(prog));
  assert_non_null(mkdtemp(dir));
  char path[192];
  cert_path(path, sizeof(path), dir, "file.bin");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (size_t i = 0; i < 100000; ++i)
    fputc(big_byte(i), f);
  fclose(f);
  h3t t;
  t_init(&t);
  t_client(&t, certdir, 0);
  t.port = unused_udp_port();
  char port[8], htdocs[96], key[128], cert[128];
  snprintf(port, sizeof(port), "%u", t.port);
  snprintf(htdocs, sizeof(htdocs), "--htdocs=%s", dir);
  cert_path(key, sizeof(key), certdir, "server-key.pem");
  cert_path(cert, sizeof(cert), certdir, "server.pem");
  char *args[] = {prog, "-q", htdocs, "127.0.0.1", port, key, cert, NULL};
  child c;
  spawn(&t, &c, args);
  for (int i = 0; i < 500 && !udp_port_bound(t.port); ++i)
    t_sleep(&t, 10);
  xstate x;
  t_request(&t, &x, "GET", "/file.bin", RIPT_HTTP_FLAG_END);
  t_wait(&t, &t.c_closes, 1);
  assert_int_equal(x.error, 0);
  assert_int_equal(x.status, 200);
  assert_int_equal(x.total, 100000);
  assert_true(x.pattern_ok);
  /* gtlsserver does not enable extended CONNECT: it resets the stream.
   * (nghttp3 1.8 does not tell a client what the server's SETTINGS said
   * about extended CONNECT, so the request is sent.) */
  char url[128];
  t_url(&t, url, sizeof(url), "/session");
  ript_http_request req = {
      .method = "CONNECT", .url = url, .protocol = "webtransport"};
  xstate y;
  memset(&y, 0, sizeof(y));
  y.t = &t;
  assert_int_equal(
      ript_http_client_request(t.client, &req, &cli_cbs, &y, &y.ex), 0);
  t_wait(&t, &t.c_closes, 2);
  assert_int_equal(y.error, RIPT_ERR_HTTP_RESET);
  uv_process_kill(&c.proc, SIGTERM);
  t_wait(&t, &c.exited, 1);
  t_teardown(&t);
  rm_tree(dir);
}

/* ---- main ---- */

static int make_certs(char *dir, size_t n, const char *tmpl) {
  snprintf(dir, n, "%s", tmpl);
  if (!mkdtemp(dir))
    return -1;
  return ript_tls_dev_certs(dir, NULL, 0);
}

static int group_setup(void **state) {
  (void)state;
  /* A peer vanishing mid-send must not kill the test. */
  signal(SIGPIPE, SIG_IGN);
  if (make_certs(certdir, sizeof(certdir), "/tmp/ript-h3-ca-XXXXXX") != 0 ||
      make_certs(othercadir, sizeof(othercadir), "/tmp/ript-h3-ca2-XXXXXX") !=
          0)
    return -1;
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  rm_tree(certdir);
  rm_tree(othercadir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_post_empty),
      cmocka_unit_test(test_headers_pass_through),
      cmocka_unit_test(test_streaming_response),
      cmocka_unit_test(test_trickled_request_body),
      cmocka_unit_test(test_echo_from_callbacks),
      cmocka_unit_test(test_many_concurrent),
      cmocka_unit_test(test_stream_credit),
      cmocka_unit_test(test_big_bodies),
      cmocka_unit_test(test_client_reset),
      cmocka_unit_test(test_server_reset),
      cmocka_unit_test(test_reset_before_sending),
      cmocka_unit_test(test_server_close_open_exchanges),
      cmocka_unit_test(test_client_close_open_exchanges),
      cmocka_unit_test(test_goaway_draining),
      cmocka_unit_test(test_idle_timeout),
      cmocka_unit_test(test_cookies),
      cmocka_unit_test(test_connect_datagrams),
      cmocka_unit_test(test_tls_untrusted_ca),
      cmocka_unit_test(test_tls_wrong_host),
      cmocka_unit_test(test_nobody_listening),
      cmocka_unit_test(test_listener_errors),
      cmocka_unit_test(test_version_negotiation),
      cmocka_unit_test(test_stateless_reset),
      cmocka_unit_test(test_stateless_reset_other_key),
      cmocka_unit_test(test_stateless_reset_wire),
      cmocka_unit_test(test_interop_gtlsclient),
      cmocka_unit_test(test_interop_gtlsserver),
  };
  /* H3_TEST_FILTER=test_name runs a subset (cmocka glob). */
  const char *filter = getenv("H3_TEST_FILTER");
  if (filter)
    cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

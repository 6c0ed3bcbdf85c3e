/* riptd's HTTP front: exchanges in, complete requests to the router,
 * responses out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front.h"
#include "live.h"
#include "router.h"

enum {
  /* How often the transport's limit counters are looked at (and logged
   * when they moved). */
  FRONT_STATS_MS = 10000,
};

struct riptd_front {
  riptd_app *app;
  riptd_live *live;
  ript_http_server *server;
  uv_timer_t stats_timer;
  ript_http_server_stats logged; /* what the log last said */
  size_t waiting;                /* requests the router has not answered yet */
  int live_closed;               /* closing: the live calls are gone */
  void (*on_closed)(void *);
  void *on_closed_data;
};

/*
 * One request in flight: the user data of its exchange, and of the
 * router while it works on the answer. Its exchange may close first (the
 * client went away): the request then lives on, with its copies of the
 * method, path and header fields, until the answer comes and is dropped.
 */
typedef struct front_req {
  riptd_front *front;
  ript_http_exchange *ex; /* NULL once closed */
  ript_buf body;
  int answered; /* handed to the router, or refused */
  int waiting;  /* the router has not answered yet */
  riptd_request req;
  riptd_response resp;
  ript_http_header *headers;
  char *strings; /* what |req| and |headers| point into */
} front_req;

static int64_t front_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void front_send(ript_http_exchange *ex, const riptd_response *resp) {
  ript_http_header headers[RIPTD_RESPONSE_MAX_HEADERS + 1];
  char length[24];
  memcpy(headers, resp->headers, resp->nheaders * sizeof(headers[0]));
  snprintf(length, sizeof(length), "%zu", resp->body.len);
  headers[resp->nheaders].name = "content-length";
  headers[resp->nheaders].value = length;
  int has_body = resp->body.len > 0;
  if (ript_http_exchange_respond(ex, resp->status, headers,
                                 resp->nheaders + 1,
                                 has_body ? RIPT_HTTP_FLAG_NONE
                                          : RIPT_HTTP_FLAG_END) != 0)
    return;
  if (has_body &&
      ript_http_exchange_write(ex, resp->body.data, resp->body.len) != 0) {
    ript_http_exchange_reset(ex);
    return;
  }
  if (has_body)
    ript_http_exchange_end(ex);
}

/* Answers early (413, or out of memory) and ignores the rest of the body. */
static void front_refuse(front_req *r, ript_http_exchange *ex, int status) {
  riptd_response resp;
  riptd_response_init(&resp);
  if (status == 413)
    riptd_reply_error(&resp, 413, "payload-too-large",
                      "the request body is larger than this server's limit "
                      "of %zu bytes",
                      r->front->app->cfg->document_max_bytes);
  else
    riptd_reply_fault(&resp, "riptd ran out of memory");
  front_send(ex, &resp);
  riptd_response_free(&resp);
  ript_buf_free(&r->body);
  r->answered = 1;
}

static void front_on_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  front_req *r = user_data;
  if (r->answered)
    return;
  if (len > r->front->app->cfg->document_max_bytes - r->body.len)
    front_refuse(r, ex, 413);
  else if (ript_buf_append(&r->body, data, len) != 0)
    front_refuse(r, ex, 500);
}

/* The request's header fields as an array (freed by the caller), or NULL
 * when out of memory. */
static ript_http_header *front_headers(ript_http_exchange *ex, size_t *n) {
  *n = ript_http_exchange_header_count(ex);
  ript_http_header *headers = calloc(*n ? *n : 1, sizeof(*headers));
  for (size_t i = 0; headers && i < *n; ++i)
    headers[i] = *ript_http_exchange_header_at(ex, i);
  return headers;
}

/* Copies the method, path and header fields of |ex| into |r->req|, so
 * the request outlives its exchange. Returns 0 or RIPT_ERR_NOMEM. */
static int front_copy_request(front_req *r, ript_http_exchange *ex) {
  const char *method = ript_http_exchange_method(ex);
  const char *path = ript_http_exchange_path(ex);
  size_t n = ript_http_exchange_header_count(ex);
  size_t room = strlen(method) + 1 + (path ? strlen(path) : 0) + 1;
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    room += strlen(h->name) + strlen(h->value) + 2;
  }
  r->headers = calloc(n ? n : 1, sizeof(*r->headers));
  char *p = r->strings = malloc(room);
  if (!r->headers || !p)
    return RIPT_ERR_NOMEM;
#define FRONT_COPY(dst, src)                                                   \
  do {                                                                         \
    size_t len_ = strlen(src) + 1;                                             \
    memcpy(p, src, len_);                                                      \
    (dst) = p;                                                                 \
    p += len_;                                                                 \
  } while (0)
  FRONT_COPY(r->req.method, method);
  FRONT_COPY(r->req.path, path ? path : "");
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    FRONT_COPY(r->headers[i].name, h->name);
    FRONT_COPY(r->headers[i].value, h->value);
  }
#undef FRONT_COPY
  r->req.headers = r->headers;
  r->req.nheaders = n;
  return 0;
}

static void front_req_free(front_req *r) {
  riptd_response_free(&r->resp);
  ript_buf_free(&r->body);
  free(r->headers);
  free(r->strings);
  free(r);
}

static void front_finish_close(riptd_front *front);

/* The router's answer: sent if the exchange is still open. */
static void front_answered(void *data) {
  front_req *r = data;
  riptd_front *front = r->front;
  r->waiting = 0;
  --front->waiting;
  if (r->resp.status >= 500)
    fprintf(stderr, "riptd: %s %s: %d %s\n", r->req.method, r->req.path,
            r->resp.status, (const char *)r->resp.body.data);
  if (r->ex) {
    front_send(r->ex, &r->resp);
    riptd_response_free(&r->resp);
    ript_buf_free(&r->body);
  } else {
    front_req_free(r);
  }
  front_finish_close(front);
}

static void front_on_body_end(ript_http_exchange *ex, void *user_data) {
  front_req *r = user_data;
  if (r->answered)
    return;
  r->answered = 1;
  if (front_copy_request(r, ex) != 0) {
    front_refuse(r, ex, 500);
    return;
  }
  r->req.body = r->body.data;
  r->req.body_len = r->body.len;
  r->req.now_ms = front_now_ms();
  r->waiting = 1;
  ++r->front->waiting;
  riptd_router_handle(r->front->app, &r->req, &r->resp, front_answered, r);
}

static void front_on_close(ript_http_exchange *ex, int error,
                           void *user_data) {
  front_req *r = user_data;
  (void)ex, (void)error;
  r->ex = NULL;
  if (!r->waiting)
    front_req_free(r);
}

/* A Content-Length over the limit is refused before any body arrives. */
static int front_too_large(ript_http_exchange *ex, size_t limit) {
  const char *cl = ript_http_exchange_header(ex, "content-length");
  if (!cl)
    return 0;
  unsigned long long n = 0;
  for (const char *p = cl; *p >= '0' && *p <= '9'; ++p)
    n = n > (1ull << 60) ? n : n * 10 + (unsigned)(*p - '0');
  return n > limit;
}

/* Byways stream, so they are checked and taken over as soon as their
 * header block is in (a refused one's body is ignored). Returns nonzero
 * when |ex| was a byway. */
static int front_byway(riptd_front *front, ript_http_exchange *ex) {
  size_t n;
  ript_http_header *headers = front_headers(ex, &n);
  if (!headers)
    return 0; /* the normal path answers 500 */
  const char *path = ript_http_exchange_path(ex);
  riptd_request req = {ript_http_exchange_method(ex), path ? path : "",
                       headers, n, NULL, 0, front_now_ms()};
  riptd_response resp;
  riptd_response_init(&resp);
  riptd_byway_path byway;
  int rv = riptd_router_byway(front->app, &req, &resp, &byway);
  if (rv == RIPTD_ROUTER_BYWAY) {
    /* Byways stay open for as long as the call wants: no body deadline. */
    ript_http_exchange_hold(ex);
    riptd_live_take(front->live, ex, &byway);
  }
  else if (rv == RIPTD_ROUTER_ANSWERED)
    front_send(ex, &resp);
  riptd_response_free(&resp);
  free(headers);
  return rv != RIPTD_ROUTER_NOT_BYWAY;
}

static void front_on_request(ript_http_exchange *ex, void *user_data) {
  riptd_front *front = user_data;
  if (front_byway(front, ex))
    return;
  front_req *r = calloc(1, sizeof(*r));
  if (!r) {
    ript_http_exchange_respond(ex, 503, NULL, 0, RIPT_HTTP_FLAG_END);
    return;
  }
  r->front = front;
  r->ex = ex;
  ript_buf_init(&r->body, NULL);
  riptd_response_init(&r->resp);
  ript_http_exchange_callbacks cbs = {NULL, front_on_body, front_on_body_end,
                                      NULL, front_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, r);
  if (front_too_large(ex, front->app->cfg->document_max_bytes))
    front_refuse(r, ex, 413);
}

/* The counters of the transport's limits on hostile peers, one line. */
static void front_log_stats(riptd_front *front, const char *when) {
  ript_http_server_stats st;
  ript_http_server_stats_get(front->server, &st);
  st.connections = front->logged.connections;
  st.handshakes = front->logged.handshakes;
  if (memcmp(&st, &front->logged, sizeof(st)) == 0)
    return;
  front->logged = st;
  fprintf(stderr,
          "riptd: transport limits%s: reset-floods %llu, headers-too-large "
          "%llu, header-timeouts %llu, body-timeouts %llu, "
          "handshake-timeouts %llu, idle-closed %llu, retries-sent %llu, "
          "connections-refused %llu, protocol-errors %llu, "
          "stateless-resets %llu\n",
          when, (unsigned long long)st.reset_floods,
          (unsigned long long)st.headers_too_large,
          (unsigned long long)st.header_timeouts,
          (unsigned long long)st.body_timeouts,
          (unsigned long long)st.handshake_timeouts,
          (unsigned long long)st.idle_closed,
          (unsigned long long)st.retries_sent,
          (unsigned long long)st.connections_refused,
          (unsigned long long)st.protocol_errors,
          (unsigned long long)st.stateless_resets);
}

static void front_on_stats(uv_timer_t *timer) {
  front_log_stats(timer->data, "");
}

/* riptd's "transport-limits" onto the server's configuration. */
static void front_limits(ript_http_server_config *scfg,
                         const riptd_transport_limits *t) {
  scfg->idle_timeout_ms = (uint64_t)t->idle_timeout_ms;
  scfg->max_streams = (uint64_t)t->max_streams;
  scfg->stream_window = (uint32_t)t->stream_window;
  scfg->connection_window = (uint32_t)t->connection_window;
  scfg->reset_burst = (uint32_t)t->reset_burst;
  scfg->reset_rate = (uint32_t)t->reset_rate;
  scfg->max_header_bytes = (uint32_t)t->max_header_bytes;
  scfg->max_header_fields = (uint32_t)t->max_header_fields;
  scfg->header_timeout_ms = (uint64_t)t->header_timeout_ms;
  scfg->body_timeout_ms = (uint64_t)t->body_timeout_ms;
  scfg->max_connections = (uint32_t)t->max_connections;
  scfg->max_connections_per_address =
      (uint32_t)t->max_connections_per_address;
  scfg->max_handshakes = (uint32_t)t->max_handshakes;
  scfg->max_handshakes_per_address = (uint32_t)t->max_handshakes_per_address;
}

int riptd_front_new(riptd_front **pfront, uv_loop_t *loop, riptd_app *app) {
  const riptd_config *cfg = app->cfg;
  riptd_front *front = calloc(1, sizeof(*front));
  if (!front)
    return RIPT_ERR_NOMEM;
  front->app = app;
  if (riptd_live_new(&front->live, loop, app) != 0) {
    free(front);
    return RIPT_ERR_NOMEM;
  }
  ript_http_server_config scfg;
  memset(&scfg, 0, sizeof(scfg));
  scfg.address = cfg->listen_address;
  scfg.port = cfg->listen_port;
  scfg.cert_file = cfg->tls_cert;
  scfg.key_file = cfg->tls_key;
  scfg.stateless_reset_key = app->reset_key;
  scfg.stateless_reset_key_len = sizeof(app->reset_key);
  front_limits(&scfg, &cfg->transport);
  ript_http_server_callbacks cbs;
  memset(&cbs, 0, sizeof(cbs));
  cbs.on_request = front_on_request;
  int rv = ript_http_server_new(&front->server, loop, &scfg, &cbs, front);
  if (rv != 0) {
    riptd_live_close(front->live, NULL, NULL);
    free(front);
    return rv;
  }
  uv_timer_init(loop, &front->stats_timer);
  front->stats_timer.data = front;
  uv_timer_start(&front->stats_timer, front_on_stats, FRONT_STATS_MS,
                 FRONT_STATS_MS);
  *pfront = front;
  return 0;
}

uint16_t riptd_front_port(const riptd_front *front) {
  return ript_http_server_port(front->server);
}

size_t riptd_front_migrate(riptd_front *front) {
  return riptd_live_migrate(front->live);
}

static void front_stats_closed(uv_handle_t *handle) {
  riptd_front *front = handle->data;
  void (*on_closed)(void *) = front->on_closed;
  void *data = front->on_closed_data;
  free(front);
  if (on_closed)
    on_closed(data);
}

/* Once the live calls are gone and every request was answered. */
static void front_finish_close(riptd_front *front) {
  if (front->live_closed && !front->waiting)
    uv_close((uv_handle_t *)&front->stats_timer, front_stats_closed);
}

static void front_live_closed(void *user_data) {
  riptd_front *front = user_data;
  front->live_closed = 1;
  front_finish_close(front);
}

/* Every exchange is closed now: the calls end. */
static void front_server_closed(void *user_data) {
  riptd_front *front = user_data;
  riptd_live_close(front->live, front_live_closed, front);
}

void riptd_front_close(riptd_front *front, void (*on_closed)(void *),
                       void *user_data) {
  front->on_closed = on_closed;
  front->on_closed_data = user_data;
  front_log_stats(front, " at exit");
  uv_timer_stop(&front->stats_timer);
  ript_http_server_close(front->server, front_server_closed, front);
}

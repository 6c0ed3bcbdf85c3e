/*
 * The client's call object (ript/client_call.h) against a scripted server
 * on 127.0.0.1 (port 0), over HTTP/2 and HTTP/3: what it sends (the call
 * request, the signaling byway, pings, end, media PUTs, reverse GETs, the
 * extended CONNECT) and in which order (§9.13: media only after the
 * signaling byway's response headers), what it makes of answers riptd never
 * gives (refusals with and without error documents, descriptions that do
 * not parse, 429 byways, a CONNECT answered 501, resets, silence), its
 * migrations (to a new URI, without cookies, keeping media sent
 * meanwhile), giving up, aborting, closing the client under it, and out of
 * memory at every allocation of starting it. The server keeps a media
 * session of its own (role server) to read what the client sends and to
 * send it chunks. Every loop run is bounded by a guard timer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ript/client_call.h"
#include "testutil.h"

static const ript_http_version versions[] = {RIPT_HTTP_2, RIPT_HTTP_3};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

enum {
  GUARD_MS = 30000, /* a hang bound only */
  MAX_EVENTS = 64,
  FRAME_LEN = 160
};

static const char token[] = "test-token-0001";
static const char passport[] = "eyJhbGciOiJFUzI1NiJ9.eyJvcmlnIjp7fX0.c2ln";
static const char destination[] = "+15550100001";
static const char uuid1[] = "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";
static const char uuid2[] = "6c1e0a52-7d3b-4f8e-9a21-0b5c4d3e2f10";
static const char directive[] = "1 to 1: PCMU;";

static char tls_dir[64];
static char ca_file[128];

static int group_setup(void **state) {
  (void)state;
  strcpy(tls_dir, "/tmp/ript-call-XXXXXX");
  if (!mkdtemp(tls_dir) || ript_tls_dev_certs(tls_dir, NULL, 0) != 0)
    return -1;
  snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", tls_dir);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  static const char *const files[] = {"ca.pem", "ca-key.pem", "server.pem",
                                      "server-key.pem"};
  char path[160];
  for (size_t i = 0; i < 4; ++i) {
    snprintf(path, sizeof(path), "%s/%s", tls_dir, files[i]);
    unlink(path);
  }
  return rmdir(tls_dir);
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the fixture ---- */

typedef struct fx fx;

/* One request the server received. */
typedef struct srv_req {
  fx *f;
  ript_http_exchange *ex; /* NULL once closed */
  char *method, *path, *protocol, *authorization, *content_type, *cookie;
  ript_buf body;
  int status;   /* what the server answered, 0 before */
  int closed;
  int error;    /* its on_close error */
  ript_event_writer w; /* an events GET's body */
} srv_req;

/* An event a PUT {call}/events carried. */
typedef struct srv_event {
  ript_event_type type;
  char nonce[32];
  char reason[64];
  char call[160];
} srv_event;

struct fx {
  uv_loop_t loop;
  uv_timer_t guard, pause;
  int guard_fired, paused;
  ript_http_server *server;
  ript_client *client;
  ript_http_version version;
  char base[64];
  char tg[96], handler[128];
  char call_path[96]; /* the call the server serves, "/tg/calls/UUID" */
  srv_req **reqs;
  size_t nreqs;
  /* How the server answers. */
  int post_status;       /* 201 */
  const char *post_body; /* NULL: the call description */
  int post_hold;         /* never answer POST {tg}/calls */
  int no_location;       /* the 201 without Location */
  const char *location;  /* its path when not the description's */
  const char *set_cookie;
  int events_status;     /* 200 keeps the byway open */
  int events_hold;       /* leave events GETs unanswered for now */
  int end_at_once;       /* `end` as soon as an events GET opens */
  int media_get_status;  /* 0: hold reverse media byways open */
  int connect_status;    /* 200 */
  int no_acks;           /* acknowledge no media */
  int pong, answer_end;
  int end_gone;          /* answer a PUT carrying `end` 404 */
  srv_req *events;       /* the events GET answered last */
  srv_event srv_events[MAX_EVENTS];
  size_t nsrv_events;
  ript_media_session *media; /* the server's side */
  size_t srv_frames;
  uint8_t srv_frame[FRAME_LEN];
  size_t srv_frame_len;
  /* What the call reported. */
  ript_client_call *call;
  int described, closed;
  char desc_uri[160], desc_from[32], desc_dirs[32], uri_described[160];
  ript_event_type events_seen[MAX_EVENTS];
  size_t nevents;
  size_t frames;
  uint8_t frame[FRAME_LEN];
  size_t frame_len;
  uint64_t frame_seq;
  int code, ended_by_us, res_status;
  ript_event_type final;
  char reason[64], res_method[16], res_url[200], res_error[64],
      res_reason[128], uri_at_close[160];
  int has_reason, has_res_error;
  ript_client_call_stats stats; /* at on_closed */
  /* What on_closed tries. */
  int try_in_closed;   /* the actions, which the call refuses now */
  int try_start;       /* starting another call */
  int start_in_closed; /* what that start returned */
  int client_closed;
};

static void on_guard(uv_timer_t *t) {
  fx *f = t->data;
  f->guard_fired = 1;
}

static void on_pause(uv_timer_t *t) {
  fx *f = t->data;
  f->paused = 1;
}

/* Runs the loop until |cond| holds; fails the test after GUARD_MS. */
#define RUN_UNTIL(f, cond)                                                    \
  do {                                                                        \
    (f)->guard_fired = 0;                                                     \
    uv_timer_start(&(f)->guard, on_guard, GUARD_MS, 0);                       \
    while (!(cond) && !(f)->guard_fired)                                      \
      uv_run(&(f)->loop, UV_RUN_ONCE);                                        \
    uv_timer_stop(&(f)->guard);                                               \
    assert_false((f)->guard_fired);                                           \
  } while (0)

/* Runs the loop for |ms|: to see that something does not happen. */
static void fx_idle(fx *f, uint64_t ms) {
  f->paused = 0;
  uv_timer_start(&f->pause, on_pause, ms, 0);
  while (!f->paused)
    uv_run(&f->loop, UV_RUN_ONCE);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The |nth| (0-based) request with |method| whose path ends with |tail|,
 * or NULL. */
static srv_req *find_req(const fx *f, const char *method, const char *tail,
                         size_t nth) {
  for (size_t i = 0; i < f->nreqs; ++i) {
    srv_req *r = f->reqs[i];
    if (strcmp(r->method, method) == 0 && ends_with(r->path, tail) &&
        nth-- == 0)
      return r;
  }
  return NULL;
}

static size_t count_reqs(const fx *f, const char *method, const char *tail) {
  size_t n = 0;
  for (size_t i = 0; i < f->nreqs; ++i)
    n += strcmp(f->reqs[i]->method, method) == 0 &&
         ends_with(f->reqs[i]->path, tail);
  return n;
}

/* Requests with |method| on |tail| the server holds open, unanswered. */
static size_t count_held(const fx *f, const char *method, const char *tail) {
  size_t n = 0;
  for (size_t i = 0; i < f->nreqs; ++i) {
    const srv_req *r = f->reqs[i];
    n += strcmp(r->method, method) == 0 && ends_with(r->path, tail) &&
         r->ex && !r->status;
  }
  return n;
}

static srv_req *first_held(const fx *f, const char *method,
                           const char *tail) {
  for (size_t i = 0; i < f->nreqs; ++i) {
    srv_req *r = f->reqs[i];
    if (strcmp(r->method, method) == 0 && ends_with(r->path, tail) && r->ex &&
        !r->status)
      return r;
  }
  return NULL;
}

/* ---- the scripted server ---- */

static void srv_respond(srv_req *r, int status, const char *type,
                        const void *body, size_t len,
                        const ript_http_header *extra, size_t nextra,
                        int end) {
  ript_http_header h[4];
  size_t n = 0;
  if (type)
    h[n++] = (ript_http_header){"content-type", type};
  for (size_t i = 0; i < nextra; ++i)
    h[n++] = extra[i];
  r->status = status;
  assert_int_equal(ript_http_exchange_respond(r->ex, status, h, n,
                                              end && !len
                                                  ? RIPT_HTTP_FLAG_END
                                                  : RIPT_HTTP_FLAG_NONE),
                   0);
  if (len)
    assert_int_equal(ript_http_exchange_write(r->ex, body, len), 0);
  if (end && len)
    assert_int_equal(ript_http_exchange_end(r->ex), 0);
}

static void srv_error(srv_req *r, int status, const char *error,
                      const char *reason) {
  char body[256];
  snprintf(body, sizeof(body),
           "{\"status\": %d, \"error\": \"%s\", \"reason\": \"%s\"}", status,
           error, reason);
  srv_respond(r, status, "application/json", body, strlen(body), NULL, 0, 1);
}

static void call_doc(const fx *f, const char *path, ript_buf *out) {
  char doc[1024];
  snprintf(doc, sizeof(doc),
           "{\"uri\": \"%s%s\", \"handler\": \"%s\", \"direction\": "
           "\"outbound\", \"from\": \"+15550100000\", \"to\": \"%s\", "
           "\"clientDirectives\": \"%s\", \"serverDirectives\": \"%s\", "
           "\"state\": \"proceeding\"}",
           f->base, path, f->handler, destination, directive, directive);
  assert_int_equal(ript_buf_append_str(out, doc), 0);
}

/* Sends one event on the events GET |r|. */
static void srv_event_send(fx *f, srv_req *r, ript_event_type type,
                           const char *reason, const char *nonce,
                           const char *uri) {
  assert_non_null(r);
  assert_non_null(r->ex);
  char call[160];
  snprintf(call, sizeof(call), "%s%s", f->base, f->call_path);
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = wall_ms();
  ev.call = call;
  ev.reason = reason;
  ev.nonce = nonce;
  ev.uri = uri;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_writer_write(&r->w, &ev, &b), 0);
  assert_int_equal(ript_http_exchange_write(r->ex, b.data, b.len), 0);
  ript_buf_free(&b);
}

static void srv_send(fx *f, ript_event_type type, const char *reason) {
  srv_event_send(f, f->events, type, reason, NULL, NULL);
}

/* Opens the signaling byway |r|: 200 and the array's "[". */
static void srv_events_open(fx *f, srv_req *r) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_event_writer_init(&r->w);
  assert_int_equal(ript_event_writer_open(&r->w, &b), 0);
  srv_respond(r, 200, "application/json", b.data, b.len, NULL, 0, 0);
  ript_buf_free(&b);
  if (f->end_at_once)
    srv_event_send(f, r, RIPT_EVENT_END, "at once", NULL, NULL);
}

static void srv_answer_events(fx *f, srv_req *r) {
  f->events = r;
  if (f->events_status == 200)
    srv_events_open(f, r);
  else
    srv_error(r, f->events_status, "not-found", "no such call here");
}

/* One chunk of the server's stream carrying |payload|, appended to |out|. */
static void srv_chunk(fx *f, uint8_t payload, ript_buf *out) {
  uint8_t media[FRAME_LEN];
  memset(media, payload, sizeof(media));
  ript_media_frame fr;
  memset(&fr, 0, sizeof(fr));
  fr.source = 1;
  fr.sink = 1;
  fr.payload_type = 0; /* PCMU */
  fr.timestamp = (uint64_t)wall_ms();
  fr.media = media;
  fr.media_len = sizeof(media);
  assert_true(ript_media_send(f->media, &fr, wall_ms(), out, NULL) > 0);
}

static void srv_on_frame(const ript_media_frame *frame, void *user_data) {
  fx *f = user_data;
  ++f->srv_frames;
  f->srv_frame_len = frame->media_len < FRAME_LEN ? frame->media_len
                                                  : FRAME_LEN;
  memcpy(f->srv_frame, frame->media, f->srv_frame_len);
}

static void srv_receive(fx *f, const uint8_t *data, size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  memcpy(copy, data, len);
  assert_true(ript_media_receive(f->media, copy, len, wall_ms(), srv_on_frame,
                                 f) >= 0);
  free(copy);
}

/* Answers the reverse media byway |r| with one chunk. */
static void srv_answer_media_get(fx *f, srv_req *r, uint8_t payload) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  srv_chunk(f, payload, &b);
  srv_respond(r, 200, "application/ript-chunks", b.data, b.len, NULL, 0, 1);
  ript_buf_free(&b);
}

static int srv_put_event(const ript_event *ev, void *user_data) {
  fx *f = user_data;
  assert_true(f->nsrv_events < MAX_EVENTS);
  srv_event *e = &f->srv_events[f->nsrv_events++];
  e->type = ev->type;
  assert_int_equal(ev->direction, RIPT_EVENT_DIR_C2S);
  snprintf(e->nonce, sizeof(e->nonce), "%s", ev->nonce ? ev->nonce : "");
  snprintf(e->reason, sizeof(e->reason), "%s", ev->reason ? ev->reason : "");
  snprintf(e->call, sizeof(e->call), "%s", ev->call);
  if (f->events && f->events->ex && f->events->status == 200) {
    if (ev->type == RIPT_EVENT_PING && f->pong)
      srv_event_send(f, f->events, RIPT_EVENT_PONG, NULL, ev->nonce, NULL);
    if (ev->type == RIPT_EVENT_END && f->answer_end)
      srv_event_send(f, f->events, RIPT_EVENT_END, "as you wish", NULL,
                     NULL);
  }
  return 0;
}

static void srv_put_events(fx *f, srv_req *r) {
  ript_event_parser *p = NULL;
  size_t before = f->nsrv_events;
  assert_int_equal(ript_event_parser_new(&p, srv_put_event, f, NULL, NULL),
                   0);
  assert_int_equal(ript_event_parser_feed(p, r->body.data, r->body.len, NULL),
                   0);
  assert_int_equal(ript_event_parser_finish(p, NULL), 0);
  ript_event_parser_del(p);
  assert_int_equal(f->nsrv_events, before + 1); /* one event per PUT */
  if (f->end_gone && f->srv_events[before].type == RIPT_EVENT_END)
    srv_error(r, 404, "not-found", "the call has ended");
  else
    srv_respond(r, 200, NULL, NULL, 0, NULL, 0, 1);
}

/* The acknowledgements the server owes, unless it sends none. */
static void srv_acks(fx *f, ript_buf *acks) {
  if (!f->no_acks)
    assert_true(ript_media_take_acks(f->media, wall_ms(), acks, 0) >= 0);
}

static void srv_put_media(fx *f, srv_req *r) {
  srv_receive(f, r->body.data, r->body.len);
  ript_buf acks;
  ript_buf_init(&acks, NULL);
  srv_acks(f, &acks);
  srv_respond(r, 200, "application/ript-chunks", acks.data, acks.len, NULL, 0,
              1);
  ript_buf_free(&acks);
}

static void srv_post_calls(fx *f, srv_req *r) {
  if (f->post_hold)
    return;
  if (f->post_status != 201) {
    srv_error(r, f->post_status, "forbidden",
              "destination +15550100001 is excluded by this TG");
    return;
  }
  ript_buf body;
  ript_buf_init(&body, NULL);
  if (f->post_body)
    assert_int_equal(ript_buf_append_str(&body, f->post_body), 0);
  else
    call_doc(f, f->call_path, &body);
  char location[160];
  snprintf(location, sizeof(location), "%s%s", f->base,
           f->location ? f->location : f->call_path);
  ript_http_header h[2];
  size_t n = 0;
  if (!f->no_location)
    h[n++] = (ript_http_header){"location", location};
  if (f->set_cookie)
    h[n++] = (ript_http_header){"set-cookie", f->set_cookie};
  srv_respond(r, 201, "application/json", body.data, body.len, h, n, 1);
  ript_buf_free(&body);
}

static void srv_connect(fx *f, srv_req *r) {
  if (f->connect_status != 200) {
    srv_error(r, f->connect_status, "not-implemented",
              "no media sessions here");
    return;
  }
  assert_string_equal(r->protocol, "webtransport");
  assert_true(ript_http_exchange_datagrams_enabled(r->ex));
  srv_respond(r, 200, NULL, NULL, 0, NULL, 0, 0);
}

/* Requests without a body (GET, CONNECT) are answered at once, the
 * others once their body is in. */
static void srv_route(fx *f, srv_req *r) {
  if (strcmp(r->method, "POST") == 0 && strcmp(r->path, "/tg/calls") == 0)
    srv_post_calls(f, r);
  else if (strcmp(r->method, "GET") == 0 && ends_with(r->path, "/events")) {
    if (!f->events_hold)
      srv_answer_events(f, r);
  } else if (strcmp(r->method, "PUT") == 0 && ends_with(r->path, "/events"))
    srv_put_events(f, r);
  else if (strcmp(r->method, "GET") == 0 && ends_with(r->path, "/media")) {
    if (f->media_get_status)
      srv_error(r, f->media_get_status, "too-many-byways",
                "this call has enough reverse media byways");
  } else if (strcmp(r->method, "PUT") == 0 && ends_with(r->path, "/media"))
    srv_put_media(f, r);
  else if (strcmp(r->method, "CONNECT") == 0)
    srv_connect(f, r);
  else if (strcmp(r->method, "GET") == 0 &&
           strcmp(r->path, f->call_path) == 0) {
    ript_buf body;
    ript_buf_init(&body, NULL);
    call_doc(f, f->call_path, &body);
    srv_respond(r, 200, "application/json", body.data, body.len, NULL, 0, 1);
    ript_buf_free(&body);
  } else
    srv_error(r, 404, "not-found", "nothing here");
}

static void srv_on_body(ript_http_exchange *ex, const uint8_t *data,
                        size_t len, void *user_data) {
  srv_req *r = user_data;
  (void)ex;
  assert_int_equal(ript_buf_append(&r->body, data, len), 0);
}

static void srv_on_body_end(ript_http_exchange *ex, void *user_data) {
  srv_req *r = user_data;
  (void)ex;
  if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0)
    srv_route(r->f, r);
}

static void srv_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                            size_t len, void *user_data) {
  srv_req *r = user_data;
  fx *f = r->f;
  srv_receive(f, data, len);
  ript_buf acks;
  ript_buf_init(&acks, NULL);
  srv_acks(f, &acks);
  if (acks.len)
    ript_http_exchange_send_datagram(ex, acks.data, acks.len);
  ript_buf_free(&acks);
}

static void srv_on_close(ript_http_exchange *ex, int error, void *user_data) {
  srv_req *r = user_data;
  (void)ex;
  r->ex = NULL;
  r->closed = 1;
  r->error = error;
}

static void srv_on_request(ript_http_exchange *ex, void *user_data) {
  fx *f = user_data;
  srv_req *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  srv_req **reqs = realloc(f->reqs, (f->nreqs + 1) * sizeof(*reqs));
  assert_non_null(reqs);
  f->reqs = reqs;
  f->reqs[f->nreqs++] = r;
  r->f = f;
  r->ex = ex;
  r->method = dup_or_null(ript_http_exchange_method(ex));
  r->path = dup_or_null(ript_http_exchange_path(ex));
  r->protocol = dup_or_null(ript_http_exchange_protocol(ex));
  r->authorization = dup_or_null(ript_http_exchange_header(ex,
                                                           "authorization"));
  r->content_type = dup_or_null(ript_http_exchange_header(ex, "content-type"));
  r->cookie = dup_or_null(ript_http_exchange_header(ex, "cookie"));
  ript_buf_init(&r->body, NULL);
  ript_http_exchange_callbacks cbs = {NULL, srv_on_body, srv_on_body_end,
                                      srv_on_datagram, srv_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, r);
  if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "CONNECT") == 0)
    srv_route(f, r);
}

static void srv_media_new(fx *f) {
  ript_advert *dir = NULL;
  assert_int_equal(ript_advert_parse(&dir, directive, strlen(directive),
                                     RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL),
                   0);
  ript_media_stream streams[1];
  size_t n = 0;
  assert_int_equal(ript_media_streams_from_directive(dir, streams, 1, &n), 0);
  assert_int_equal(n, 1);
  ript_advert_del(dir);
  streams[0].initial_sequence = 70000;
  ript_media_config cfg;
  ript_media_config_init(&cfg);
  cfg.role = RIPT_MEDIA_ROLE_SERVER;
  cfg.tx_streams = streams;
  cfg.ntx_streams = 1;
  cfg.rx_streams = streams;
  cfg.nrx_streams = 1;
  assert_int_equal(ript_media_session_new(&f->media, &cfg, wall_ms(), NULL),
                   0);
}

static void fx_client(fx *f, uint64_t timeout_ms, const ript_mem *mem) {
  char root[128];
  snprintf(root, sizeof(root), "%s/.well-known/ript", f->base);
  ript_client_config cfg = {f->version, root, token, ca_file, timeout_ms, 0,
                            0};
  assert_int_equal(ript_client_new(&f->client, &f->loop, &cfg, mem), 0);
}

static void fx_server(fx *f) {
  char cert[160], key[160];
  snprintf(cert, sizeof(cert), "%s/server.pem", tls_dir);
  snprintf(key, sizeof(key), "%s/server-key.pem", tls_dir);
  ript_http_server_config scfg = {
      .address = "127.0.0.1", .cert_file = cert, .key_file = key};
  ript_http_server_callbacks scbs;
  memset(&scbs, 0, sizeof(scbs));
  scbs.on_request = srv_on_request;
  /* Port 0 is resolved by the TCP bind; the UDP bind of the same number
   * fails when another socket (a parallel test's) holds it: try again. */
  int rv = RIPT_ERR_HTTP_CLOSED;
  for (int i = 0; i < 10 && rv == RIPT_ERR_HTTP_CLOSED; ++i)
    rv = ript_http_server_new(&f->server, &f->loop, &scfg, &scbs, f);
  assert_int_equal(rv, 0);
  snprintf(f->base, sizeof(f->base), "https://127.0.0.1:%u",
           ript_http_server_port(f->server));
}

static void fx_start(fx *f, ript_http_version v) {
  memset(f, 0, sizeof(*f));
  f->version = v;
  f->post_status = 201;
  f->events_status = 200;
  f->connect_status = 200;
  f->final = RIPT_EVENT_UNKNOWN;
  snprintf(f->call_path, sizeof(f->call_path), "/tg/calls/%s", uuid1);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  uv_timer_init(&f->loop, &f->guard);
  uv_timer_init(&f->loop, &f->pause);
  f->guard.data = f->pause.data = f;
  fx_server(f);
  snprintf(f->tg, sizeof(f->tg), "%s/tg", f->base);
  snprintf(f->handler, sizeof(f->handler), "%s/tg/handlers/phone", f->base);
  srv_media_new(f);
  fx_client(f, 0, NULL);
}

static void fx_forget_reqs(fx *f) {
  for (size_t i = 0; i < f->nreqs; ++i) {
    srv_req *r = f->reqs[i];
    free(r->method), free(r->path), free(r->protocol);
    free(r->authorization), free(r->content_type), free(r->cookie);
    ript_buf_free(&r->body);
    free(r);
  }
  free(f->reqs);
  f->reqs = NULL;
  f->nreqs = 0;
}

static void fx_close_client(fx *f) {
  if (f->client)
    ript_client_close(f->client, NULL, NULL);
  f->client = NULL;
}

static void fx_stop(fx *f) {
  fx_close_client(f);
  if (f->server)
    ript_http_server_close(f->server, NULL, NULL);
  uv_close((uv_handle_t *)&f->guard, NULL);
  uv_close((uv_handle_t *)&f->pause, NULL);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_null(f->call); /* on_closed came */
  fx_forget_reqs(f);
  ript_media_session_del(f->media);
}

/* ---- the call's callbacks ---- */

static void copy_str(char *dst, size_t n, const char *src) {
  snprintf(dst, n, "%s", src ? src : "");
}

static void on_described(ript_client_call *call, const ript_doc_call *desc,
                         void *user_data) {
  fx *f = user_data;
  assert_ptr_equal(call, f->call);
  ++f->described;
  copy_str(f->desc_uri, sizeof(f->desc_uri), desc->uri);
  copy_str(f->desc_from, sizeof(f->desc_from), desc->from);
  copy_str(f->desc_dirs, sizeof(f->desc_dirs), desc->client_directives);
  copy_str(f->uri_described, sizeof(f->uri_described),
           ript_client_call_uri(call));
}

static void on_event(ript_client_call *call, const ript_event *ev,
                     void *user_data) {
  fx *f = user_data;
  assert_ptr_equal(call, f->call);
  assert_int_equal(ev->direction, RIPT_EVENT_DIR_S2C);
  if (f->nevents < MAX_EVENTS)
    f->events_seen[f->nevents++] = ev->type;
}

static void on_frame(ript_client_call *call, const ript_media_frame *frame,
                     void *user_data) {
  fx *f = user_data;
  assert_ptr_equal(call, f->call);
  ++f->frames;
  f->frame_len = frame->media_len < FRAME_LEN ? frame->media_len : FRAME_LEN;
  memcpy(f->frame, frame->media, f->frame_len);
  f->frame_seq = frame->sequence;
}

static void on_client_closed(void *user_data) {
  fx *f = user_data;
  f->client_closed = 1;
}

static const ript_client_call_callbacks callbacks;

static void on_closed(ript_client_call *call,
                      const ript_client_call_outcome *out, void *user_data) {
  fx *f = user_data;
  assert_ptr_equal(call, f->call);
  assert_int_equal(f->closed, 0);
  ++f->closed;
  f->call = NULL;
  f->code = out->code;
  f->final = out->final;
  f->ended_by_us = out->ended_by_us;
  f->has_reason = out->reason != NULL;
  copy_str(f->reason, sizeof(f->reason), out->reason);
  assert_non_null(out->res);
  assert_int_equal(out->res->code, out->code);
  f->res_status = out->res->status;
  f->has_res_error = out->res->error != NULL;
  copy_str(f->res_method, sizeof(f->res_method), out->res->method);
  copy_str(f->res_url, sizeof(f->res_url), out->res->url);
  copy_str(f->res_error, sizeof(f->res_error), out->res->error);
  copy_str(f->res_reason, sizeof(f->res_reason), out->res->reason);
  copy_str(f->uri_at_close, sizeof(f->uri_at_close),
           ript_client_call_uri(call));
  assert_int_equal(ript_client_call_get_stats(call, &f->stats), 0);
  if (f->try_in_closed) {
    /* The call is over: nothing more goes. */
    uint8_t media[8] = {0};
    ript_media_frame fr;
    memset(&fr, 0, sizeof(fr));
    fr.source = fr.sink = 1;
    fr.media = media;
    fr.media_len = sizeof(media);
    assert_int_equal(ript_client_call_send(call, &fr),
                     RIPT_ERR_CALL_TERMINATED);
    assert_int_equal(ript_client_call_end(call, NULL),
                     RIPT_ERR_CALL_TERMINATED);
    assert_int_equal(ript_client_call_migrate(call),
                     RIPT_ERR_CALL_TERMINATED);
    ript_client_call_abort(call); /* no second on_closed */
  }
  if (f->try_start) {
    /* A call started on a closing client is refused. */
    ript_client_call_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.tg_uri = f->tg;
    cfg.handler_uri = f->handler;
    cfg.destination = destination;
    cfg.passport = passport;
    f->start_in_closed = ript_client_call_start(f->client, &cfg, &callbacks,
                                                f, NULL);
  }
}

static const ript_client_call_callbacks callbacks = {on_described, on_event,
                                                     on_frame, on_closed};

/* ---- helpers for the tests ---- */

static void call_config(const fx *f, ript_client_call_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->tg_uri = f->tg;
  cfg->handler_uri = f->handler;
  cfg->destination = destination;
  cfg->passport = passport;
  cfg->byways = 2;
}

static void fx_call(fx *f, const ript_client_call_config *cfg) {
  assert_int_equal(ript_client_call_start(f->client, cfg, &callbacks, f,
                                          &f->call),
                   0);
  assert_non_null(f->call);
}

/* Starts a call with |cfg| and runs it until its media path is open:
 * the CONNECT answered, or every reverse byway held open. */
static void fx_call_live(fx *f, const ript_client_call_config *cfg) {
  fx_call(f, cfg);
  RUN_UNTIL(f, f->described && f->events && f->events->status == 200);
  if (f->version == RIPT_HTTP_3 && cfg->media != RIPT_CLIENT_MEDIA_BYWAY)
    RUN_UNTIL(f, find_req(f, "CONNECT", "/media", 0) &&
                     find_req(f, "CONNECT", "/media", 0)->status == 200);
  else
    RUN_UNTIL(f, count_held(f, "GET", "/media") == cfg->byways);
}

static size_t count_seen(const fx *f, ript_event_type type) {
  size_t n = 0;
  for (size_t i = 0; i < f->nevents; ++i)
    n += f->events_seen[i] == type;
  return n;
}

static void fx_stats(const fx *f, ript_client_call_stats *st) {
  assert_int_equal(ript_client_call_get_stats(f->call, st), 0);
}

/* Sends a 160-byte frame filled with |payload| on the call's stream. */
static int fx_send(fx *f, uint8_t payload) {
  uint8_t media[FRAME_LEN];
  memset(media, payload, sizeof(media));
  ript_media_frame fr;
  memset(&fr, 0, sizeof(fr));
  assert_int_equal(ript_client_call_tx_stream(f->call, &fr.source, &fr.sink),
                   0);
  fr.payload_type = 0;
  fr.timestamp = (uint64_t)wall_ms();
  fr.media = media;
  fr.media_len = sizeof(media);
  return ript_client_call_send(f->call, &fr);
}

static const char *url(const fx *f, const char *path, char *buf, size_t n) {
  snprintf(buf, n, "%s%s", f->base, path);
  return buf;
}

/* ---- creating a call ---- */

/* POST {tg}/calls carries the call request; the 201 describes the call;
 * the signaling byway follows, and the media only once its response
 * headers are in (§9.13). */
static void test_create(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.set_cookie = "lb=instance-1";
    f.events_hold = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call(&f, &cfg);
    uint8_t source = 9, sink = 9;
    assert_int_equal(ript_client_call_tx_stream(f.call, &source, &sink), 0);
    assert_int_equal(source, 0);
    assert_int_equal(sink, 0);
    assert_null(ript_client_call_uri(f.call));
    assert_int_equal(f.described, 0); /* never from inside the start */
    RUN_UNTIL(&f, f.described);
    /* The request. */
    srv_req *post = f.reqs[0];
    assert_string_equal(post->method, "POST");
    assert_string_equal(post->path, "/tg/calls");
    assert_string_equal(post->content_type, "application/json");
    assert_string_equal(post->authorization, "Bearer test-token-0001");
    ript_doc_call_request sent;
    ript_doc_call_request_init(&sent);
    assert_int_equal(ript_doc_call_request_parse(
                         &sent, (const char *)post->body.data,
                         post->body.len, 0, NULL, NULL),
                     0);
    assert_string_equal(sent.handler, f.handler);
    assert_string_equal(sent.destination, destination);
    assert_string_equal(sent.passport, passport);
    ript_doc_call_request_free(&sent);
    /* The description and the URI. */
    char want[160];
    url(&f, f.call_path, want, sizeof(want));
    assert_int_equal(f.described, 1);
    assert_string_equal(f.desc_uri, want);
    assert_string_equal(f.desc_from, "+15550100000");
    assert_string_equal(f.desc_dirs, directive);
    assert_string_equal(f.uri_described, want);
    assert_string_equal(ript_client_call_uri(f.call), want);
    assert_int_equal(ript_client_call_tx_stream(f.call, &source, &sink), 0);
    assert_int_equal(source, 1);
    assert_int_equal(sink, 1);
    /* The signaling byway, with the cookie and the token; no media until
     * it answers. */
    RUN_UNTIL(&f, find_req(&f, "GET", "/events", 0));
    srv_req *events = find_req(&f, "GET", "/events", 0);
    assert_string_equal(events->path, strcat(strcpy(want, f.call_path),
                                             "/events"));
    assert_string_equal(events->authorization, "Bearer test-token-0001");
    assert_string_equal(events->cookie, "lb=instance-1");
    fx_idle(&f, 300);
    assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
    assert_int_equal(count_reqs(&f, "CONNECT", "/media"), 0);
    assert_int_equal(count_reqs(&f, "PUT", "/media"), 0);
    srv_answer_events(&f, events);
    if (f.version == RIPT_HTTP_3) {
      RUN_UNTIL(&f, find_req(&f, "CONNECT", "/media", 0));
      srv_req *c = find_req(&f, "CONNECT", "/media", 0);
      assert_string_equal(c->protocol, "webtransport");
      assert_string_equal(c->authorization, "Bearer test-token-0001");
      assert_string_equal(c->cookie, "lb=instance-1");
      assert_string_equal(c->path, strcat(strcpy(want, f.call_path),
                                          "/media"));
      fx_idle(&f, 100);
      assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
    } else {
      RUN_UNTIL(&f, count_reqs(&f, "GET", "/media") == 2);
      srv_req *g = find_req(&f, "GET", "/media", 1);
      assert_string_equal(g->authorization, "Bearer test-token-0001");
      assert_string_equal(g->cookie, "lb=instance-1");
      assert_int_equal(count_reqs(&f, "CONNECT", "/media"), 0);
    }
    /* Answered, then the server's end. */
    assert_int_equal(ript_client_call_answered(f.call), 0);
    srv_send(&f, RIPT_EVENT_PROCEEDING, NULL);
    srv_send(&f, RIPT_EVENT_ANSWERED, NULL);
    RUN_UNTIL(&f, ript_client_call_answered(f.call));
    ript_client_call_stats st;
    fx_stats(&f, &st);
    assert_true(st.answered_after_ms >= 0);
    assert_int_equal(st.migrations, 0);
    srv_send(&f, RIPT_EVENT_END, "bye");
    srv_send(&f, RIPT_EVENT_ALERTING, NULL); /* after the end: ignored */
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, 0);
    assert_int_equal(f.final, RIPT_EVENT_END);
    assert_string_equal(f.reason, "bye");
    assert_int_equal(f.ended_by_us, 0);
    assert_int_equal(f.nevents, 3);
    assert_int_equal(f.events_seen[0], RIPT_EVENT_PROCEEDING);
    assert_int_equal(f.events_seen[1], RIPT_EVENT_ANSWERED);
    assert_int_equal(f.events_seen[2], RIPT_EVENT_END);
    assert_string_equal(f.uri_at_close, f.desc_uri);
    /* Every exchange of the call is over. */
    RUN_UNTIL(&f, count_held(&f, "GET", "/media") == 0 && !f.events->ex);
    fx_stop(&f);
  }
}

/* A 201 without Location: the URI comes from the description; a resumed
 * call (call_uri) reads its description with GET {call}. */
static void test_uri_sources(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.no_location = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    cfg.media = RIPT_CLIENT_MEDIA_BYWAY;
    fx_call_live(&f, &cfg);
    char want[160];
    assert_string_equal(ript_client_call_uri(f.call),
                        url(&f, f.call_path, want, sizeof(want)));
    ript_client_call_abort(f.call);
    RUN_UNTIL(&f, f.closed);
    fx_stop(&f);

    fx_start(&f, versions[v]);
    call_config(&f, &cfg);
    cfg.tg_uri = "not a URI"; /* ignored with call_uri */
    cfg.call_uri = url(&f, f.call_path, want, sizeof(want));
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.described && f.events);
    assert_string_equal(f.reqs[0]->method, "GET");
    assert_string_equal(f.reqs[0]->path, f.call_path);
    assert_string_equal(f.reqs[0]->authorization, "Bearer test-token-0001");
    assert_int_equal(count_reqs(&f, "POST", "/calls"), 0);
    assert_string_equal(ript_client_call_uri(f.call), want);
    assert_string_equal(f.desc_uri, want);
    srv_send(&f, RIPT_EVENT_END, NULL);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, 0);
    assert_false(f.has_reason);
    fx_stop(&f);

    /* Location and the description disagree: Location names the call. */
    fx_start(&f, versions[v]);
    char other[96];
    snprintf(other, sizeof(other), "/tg/calls/%s", uuid2);
    f.location = other;
    call_config(&f, &cfg);
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.described && f.events);
    assert_string_equal(ript_client_call_uri(f.call),
                        url(&f, other, want, sizeof(want)));
    assert_string_equal(f.uri_described, want);
    assert_string_equal(f.events->path, strcat(strcpy(want, other),
                                               "/events"));
    ript_client_call_abort(f.call);
    RUN_UNTIL(&f, f.closed);
    fx_stop(&f);
  }
}

/* ---- failures ---- */

static void test_refused(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    char want[200];
    /* 403 with an error document. */
    fx f;
    fx_start(&f, versions[v]);
    f.post_status = 403;
    f.try_in_closed = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, RIPT_ERR_HTTP_STATUS);
    assert_int_equal(f.res_status, 403);
    assert_string_equal(f.res_error, "forbidden");
    assert_string_equal(f.res_reason,
                        "destination +15550100001 is excluded by this TG");
    assert_string_equal(f.res_method, "POST");
    assert_string_equal(f.res_url, url(&f, "/tg/calls", want, sizeof(want)));
    assert_int_equal(f.final, RIPT_EVENT_UNKNOWN);
    assert_int_equal(f.described, 0);
    assert_string_equal(f.uri_at_close, "");
    fx_stop(&f);
    /* A 201 whose body is no call description. */
    fx_start(&f, versions[v]);
    f.post_body = "{\"uri\": 3}";
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, RIPT_ERR_PARSE);
    assert_int_equal(f.res_status, 201);
    assert_int_equal(f.described, 0);
    assert_int_equal(count_reqs(&f, "GET", "/events"), 0);
    fx_stop(&f);
    /* No server. */
    fx_start(&f, versions[v]);
    ript_http_server_close(f.server, NULL, NULL);
    f.server = NULL;
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(f.res_status, 0);
    assert_string_equal(f.res_method, "POST");
    fx_stop(&f);
    /* The signaling byway answered 404: the call is gone. */
    fx_start(&f, versions[v]);
    f.events_status = 404;
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.described, 1);
    assert_int_equal(f.code, RIPT_ERR_HTTP_STATUS);
    assert_int_equal(f.res_status, 404);
    assert_string_equal(f.res_method, "GET");
    snprintf(want, sizeof(want), "%s%s/events", f.base, f.call_path);
    assert_string_equal(f.res_url, want);
    assert_string_equal(f.res_error, "not-found");
    assert_string_equal(f.res_reason, "no such call here");
    assert_int_equal(count_reqs(&f, "GET", "/events"), 1);
    assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
    assert_int_equal(count_reqs(&f, "CONNECT", "/media"), 0);
    fx_stop(&f);
  }
}

static void test_arguments(void **state) {
  (void)state;
  fx f;
  fx_start(&f, RIPT_HTTP_2);
  ript_client_call_config cfg;
  ript_client_call_callbacks no_closed = callbacks;
  no_closed.on_closed = NULL;
  call_config(&f, &cfg);
  const int inval = RIPT_ERR_INVALID_ARGUMENT;
  assert_int_equal(ript_client_call_start(NULL, &cfg, &callbacks, &f, NULL),
                   inval);
  assert_int_equal(ript_client_call_start(f.client, NULL, &callbacks, &f,
                                          NULL),
                   inval);
  assert_int_equal(ript_client_call_start(f.client, &cfg, NULL, &f, NULL),
                   inval);
  assert_int_equal(ript_client_call_start(f.client, &cfg, &no_closed, &f,
                                          NULL),
                   inval);
  /* Each required member missing or wrong in turn. */
  for (int i = 0; i < 12; ++i) {
    call_config(&f, &cfg);
    switch (i) {
    case 0: cfg.tg_uri = NULL; break;
    case 1: cfg.tg_uri = "http://127.0.0.1/tg"; break;
    case 2: cfg.handler_uri = NULL; break;
    case 3: cfg.handler_uri = "phone"; break;
    case 4: cfg.destination = NULL; break;
    case 5: cfg.destination = ""; break;
    case 6: cfg.passport = NULL; break;
    case 7: cfg.passport = ""; break;
    case 8: cfg.call_uri = "http://127.0.0.1/tg/calls/x"; break;
    case 9: cfg.media = RIPT_CLIENT_MEDIA_DATAGRAM; break; /* HTTP/2 */
    case 10: cfg.media = (ript_client_media_mode)7; break;
    default: cfg.byways = RIPT_CLIENT_CALL_MAX_BYWAYS + 1; break;
    }
    ript_client_call *call = (ript_client_call *)&f; /* untouched */
    assert_int_equal(ript_client_call_start(f.client, &cfg, &callbacks, &f,
                                            &call),
                     inval);
    assert_ptr_equal(call, (ript_client_call *)&f);
  }
  assert_int_equal(f.nreqs, 0);
  /* The getters and actions refuse NULL. */
  ript_client_call_stats st;
  uint8_t s, k;
  ript_media_frame fr;
  memset(&fr, 0, sizeof(fr));
  assert_null(ript_client_call_uri(NULL));
  assert_int_equal(ript_client_call_tx_stream(NULL, &s, &k), inval);
  assert_int_equal(ript_client_call_answered(NULL), 0);
  assert_int_equal(ript_client_call_send(NULL, &fr), inval);
  assert_int_equal(ript_client_call_end(NULL, NULL), inval);
  assert_int_equal(ript_client_call_migrate(NULL), inval);
  assert_int_equal(ript_client_call_get_stats(NULL, &st), inval);
  ript_client_call_abort(NULL);
  /* The most byways there may be; a call not described yet, on a client
   * that would wait a minute for the answer. */
  fx_close_client(&f);
  fx_client(&f, 60000, NULL);
  call_config(&f, &cfg);
  cfg.byways = RIPT_CLIENT_CALL_MAX_BYWAYS;
  f.post_hold = 1;
  fx_call(&f, &cfg);
  assert_int_equal(ript_client_call_tx_stream(f.call, NULL, &k), inval);
  assert_int_equal(ript_client_call_tx_stream(f.call, &s, NULL), inval);
  assert_int_equal(ript_client_call_get_stats(f.call, NULL), inval);
  assert_int_equal(ript_client_call_send(f.call, NULL), inval);
  assert_int_equal(fx_send(&f, 1), RIPT_ERR_CALL_NOT_READY);
  assert_int_equal(ript_client_call_end(f.call, "no"), RIPT_ERR_CALL_NOT_READY);
  assert_int_equal(ript_client_call_migrate(f.call), RIPT_ERR_CALL_NOT_READY);
  assert_int_equal(ript_client_call_get_stats(f.call, &st), 0);
  assert_int_equal(st.answered_after_ms, -1);
  assert_int_equal(st.media.sent, 0);
  RUN_UNTIL(&f, f.nreqs == 1);
  ript_client_call_abort(f.call);
  ript_client_call_abort(f.call); /* still one on_closed */
  assert_int_equal(f.closed, 0);  /* from the loop */
  RUN_UNTIL(&f, f.closed);
  assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
  assert_int_equal(f.described, 0);
  /* The POST is given up with the call, long before the client's own
   * timeout: no answer can reach a call that no longer exists. */
  RUN_UNTIL(&f, f.reqs[0]->closed);
  assert_int_equal(f.reqs[0]->error, RIPT_ERR_HTTP_RESET);
  fx_stop(&f);
}

/* ---- events ---- */

static void test_events(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.pong = 1;
    f.answer_end = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    cfg.ping_interval_ms = 100;
    int64_t t0 = wall_ms();
    fx_call_live(&f, &cfg);
    srv_send(&f, RIPT_EVENT_ALERTING, NULL);
    srv_send(&f, RIPT_EVENT_MEDIA_PANIC, NULL);
    srv_send(&f, RIPT_EVENT_ANSWERED, NULL);
    srv_send(&f, RIPT_EVENT_MEDIA_PANIC, NULL);
    ript_client_call_stats st;
    RUN_UNTIL(&f, (fx_stats(&f, &st), st.media_panics == 2));
    assert_true(ript_client_call_answered(f.call));
    assert_int_equal(count_seen(&f, RIPT_EVENT_ALERTING), 1);
    assert_int_equal(count_seen(&f, RIPT_EVENT_ANSWERED), 1);
    assert_true(st.answered_after_ms >= 0);
    assert_true(st.answered_after_ms <= wall_ms() - t0 + 1);
    /* Pings every 100 ms as PUTs {call}/events, each answered by a pong. */
    RUN_UNTIL(&f, f.nsrv_events >= 3);
    int64_t t3 = wall_ms();
    RUN_UNTIL(&f, count_seen(&f, RIPT_EVENT_PONG) >= 3);
    fx_stats(&f, &st);
    assert_true(st.pings_sent >= 3);
    assert_int_equal(st.pongs_received, count_seen(&f, RIPT_EVENT_PONG));
    assert_true(t3 - t0 >= 3 * 100 - 10); /* a lower bound only */
    char call[160];
    url(&f, f.call_path, call, sizeof(call));
    for (size_t i = 0; i < 3; ++i) {
      char nonce[8];
      snprintf(nonce, sizeof(nonce), "p%zu", i + 1);
      assert_int_equal(f.srv_events[i].type, RIPT_EVENT_PING);
      assert_string_equal(f.srv_events[i].nonce, nonce);
      assert_string_equal(f.srv_events[i].call, call);
      srv_req *put = find_req(&f, "PUT", "/events", i);
      assert_string_equal(put->content_type, "application/json");
      assert_string_equal(put->authorization, "Bearer test-token-0001");
    }
    /* Our end, answered by the server's. */
    assert_int_equal(ript_client_call_end(f.call, "done talking"), 0);
    assert_int_equal(ript_client_call_end(f.call, NULL),
                     RIPT_ERR_CALL_TERMINATED);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, 0);
    assert_int_equal(f.final, RIPT_EVENT_END);
    assert_string_equal(f.reason, "as you wish");
    assert_int_equal(f.ended_by_us, 1);
    size_t ends = 0;
    for (size_t i = 0; i < f.nsrv_events; ++i)
      if (f.srv_events[i].type == RIPT_EVENT_END) {
        ++ends;
        assert_string_equal(f.srv_events[i].reason, "done talking");
      }
    assert_int_equal(ends, 1);
    fx_stop(&f);
  }
}

/* The terminal events the server may send, each with its reason. */
static void test_terminal_events(void **state) {
  (void)state;
  static const ript_event_type types[] = {RIPT_EVENT_DECLINED,
                                          RIPT_EVENT_FAILED,
                                          RIPT_EVENT_NOANSWER};
  for (size_t v = 0; v < NVERSIONS; ++v)
    for (size_t i = 0; i < 3; ++i) {
      fx f;
      fx_start(&f, versions[v]);
      ript_client_call_config cfg;
      call_config(&f, &cfg);
      fx_call_live(&f, &cfg);
      srv_send(&f, types[i], "busy here");
      RUN_UNTIL(&f, f.closed);
      assert_int_equal(f.code, 0);
      assert_int_equal(f.final, types[i]);
      assert_string_equal(f.reason, "busy here");
      assert_int_equal(f.ended_by_us, 0);
      assert_int_equal(f.res_status, 0);
      assert_false(f.has_res_error);
      fx_stop(&f);
    }
}

/* Our end when the server never sends its own: the call closes after the
 * client's timeout; when it answers the PUT 404, the call was over. */
static void test_end_unanswered(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    fx_close_client(&f);
    fx_client(&f, 3000, NULL);
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call_live(&f, &cfg);
    int64_t t0 = wall_ms();
    assert_int_equal(ript_client_call_end(f.call, NULL), 0);
    RUN_UNTIL(&f, f.closed);
    assert_true(wall_ms() - t0 >= 3000 - 10);
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(f.final, RIPT_EVENT_UNKNOWN);
    assert_string_equal(f.res_method, "PUT");
    assert_int_equal(f.ended_by_us, 0);
    fx_stop(&f);

    fx_start(&f, versions[v]);
    f.end_gone = 1;
    fx_call_live(&f, &cfg);
    assert_int_equal(ript_client_call_end(f.call, NULL), 0);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, 0);
    assert_int_equal(f.final, RIPT_EVENT_END);
    assert_int_equal(f.ended_by_us, 1);
    assert_false(f.has_reason);
    fx_stop(&f);
  }
}

/* ---- migration ---- */

static void test_migrate(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.set_cookie = "lb=one";
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call_live(&f, &cfg);
    srv_req *first = f.events;
    assert_string_equal(first->cookie, "lb=one");
    size_t media0 = f.nreqs;
    /* `migrate` to a new URI; its signaling byway is held for a while. */
    char new_path[96], new_uri[160], want[200];
    snprintf(new_path, sizeof(new_path), "/tg/calls/%s", uuid2);
    url(&f, new_path, new_uri, sizeof(new_uri));
    f.events_hold = 1;
    srv_event_send(&f, first, RIPT_EVENT_MIGRATE, NULL, NULL, new_uri);
    strcpy(f.call_path, new_path);
    snprintf(want, sizeof(want), "%s/events", f.call_path);
    RUN_UNTIL(&f, count_reqs(&f, "GET", want) == 1);
    srv_req *second = find_req(&f, "GET", want, 0);
    assert_null(second->cookie);
    assert_string_equal(second->authorization, "Bearer test-token-0001");
    assert_string_equal(ript_client_call_uri(f.call), new_uri);
    ript_client_call_stats st;
    fx_stats(&f, &st);
    assert_int_equal(st.migrations, 1);
    /* Everything of the old URI is cancelled. */
    RUN_UNTIL(&f, first->closed);
    assert_int_equal(first->error, RIPT_ERR_HTTP_RESET);
    for (size_t i = 0; i < media0; ++i)
      RUN_UNTIL(&f, f.reqs[i]->closed);
    /* A frame sent meanwhile is kept; no media before the new byway's
     * headers. */
    assert_int_equal(fx_send(&f, 0x5a), 0);
    fx_idle(&f, 200);
    snprintf(want, sizeof(want), "%s/media", f.call_path);
    assert_int_equal(count_reqs(&f, "GET", want), 0);
    assert_int_equal(count_reqs(&f, "PUT", want), 0);
    assert_int_equal(count_reqs(&f, "CONNECT", want), 0);
    assert_int_equal(f.srv_frames, 0);
    f.events_hold = 0;
    srv_answer_events(&f, second);
    /* The media reopens on the new URI, with the cookie (sticky routing),
     * and the kept frame arrives. */
    if (f.version == RIPT_HTTP_3) {
      RUN_UNTIL(&f, count_reqs(&f, "CONNECT", want) == 1);
      assert_string_equal(find_req(&f, "CONNECT", want, 0)->cookie, "lb=one");
    } else {
      RUN_UNTIL(&f, count_held(&f, "GET", want) == 2);
      assert_string_equal(find_req(&f, "GET", want, 0)->cookie, "lb=one");
    }
    RUN_UNTIL(&f, f.srv_frames == 1);
    assert_int_equal(f.srv_frame[0], 0x5a);
    assert_int_equal(f.srv_frame_len, FRAME_LEN);
    /* The server resets the signaling byway: another migration, to the
     * same URI, still without cookies. */
    assert_int_equal(ript_http_exchange_reset(second->ex), 0);
    snprintf(want, sizeof(want), "%s/events", f.call_path);
    RUN_UNTIL(&f, count_reqs(&f, "GET", want) == 2);
    assert_null(find_req(&f, "GET", want, 1)->cookie);
    fx_stats(&f, &st);
    assert_int_equal(st.migrations, 2);
    /* The server's events name the new URI. */
    srv_send(&f, RIPT_EVENT_END, NULL);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, 0);
    assert_string_equal(f.uri_at_close, new_uri);
    assert_int_equal(f.stats.migrations, 2);
    assert_int_equal(f.nevents, 2);
    assert_int_equal(f.events_seen[0], RIPT_EVENT_MIGRATE);
    assert_int_equal(f.described, 1); /* not again: the event said it */
    fx_stop(&f);
  }
}

/* ript_client_call_migrate, and a migrate event without "uri". */
static void test_migrate_same_uri(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    cfg.media = RIPT_CLIENT_MEDIA_BYWAY;
    fx_call_live(&f, &cfg);
    char uri[160];
    strcpy(uri, ript_client_call_uri(f.call));
    assert_int_equal(ript_client_call_migrate(f.call), 0);
    RUN_UNTIL(&f, count_reqs(&f, "GET", "/events") == 2 &&
                      count_held(&f, "GET", "/media") == 2);
    srv_send(&f, RIPT_EVENT_MIGRATE, NULL);
    RUN_UNTIL(&f, count_reqs(&f, "GET", "/events") == 3 &&
                      count_held(&f, "GET", "/media") == 2);
    ript_client_call_stats st;
    fx_stats(&f, &st);
    assert_int_equal(st.migrations, 2);
    assert_string_equal(ript_client_call_uri(f.call), uri);
    assert_int_equal(count_reqs(&f, "GET", "/media"), 6);
    /* Something that is no event on the signaling byway: it is reset and
     * replaced. */
    srv_req *third = f.events;
    const char garbage[] = "{\"event\": 3}";
    assert_int_equal(ript_http_exchange_write(third->ex, garbage,
                                              sizeof(garbage) - 1),
                     0);
    RUN_UNTIL(&f, count_reqs(&f, "GET", "/events") == 4 && third->closed);
    assert_int_equal(third->error, RIPT_ERR_HTTP_RESET);
    fx_stats(&f, &st);
    assert_int_equal(st.migrations, 3);
    ript_client_call_abort(f.call);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    fx_stop(&f);
  }
}

/* The server goes away for good: the call retries its signaling byway
 * and gives up after give_up_ms without one. */
static void test_give_up(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    cfg.give_up_ms = 2500; /* more than one retry */
    fx_call_live(&f, &cfg);
    int64_t t0 = wall_ms();
    ript_http_server_close(f.server, NULL, NULL);
    f.server = NULL;
    RUN_UNTIL(&f, f.closed);
    int64_t took = wall_ms() - t0;
    assert_true(took >= 2500 - 10);
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_string_equal(f.res_method, "GET");
    assert_true(ends_with(f.res_url, "/events"));
    assert_true(f.stats.migrations >= 1);
    fx_stop(&f);
  }
}

/* A server that refuses every new signaling byway with 503 (retried),
 * or leaves it unanswered: given up after give_up_ms. */
static void test_give_up_refused(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v)
    for (int hold = 0; hold < 2; ++hold) {
      fx f;
      fx_start(&f, versions[v]);
      ript_client_call_config cfg;
      call_config(&f, &cfg);
      cfg.give_up_ms = 2500;
      fx_call_live(&f, &cfg);
      f.events_status = 503;
      f.events_hold = hold;
      int64_t t0 = wall_ms();
      assert_int_equal(ript_http_exchange_reset(f.events->ex), 0);
      RUN_UNTIL(&f, f.closed);
      assert_true(wall_ms() - t0 >= 2500 - 10);
      if (hold)
        assert_int_equal(count_reqs(&f, "GET", "/events"), 2);
      else
        assert_true(count_reqs(&f, "GET", "/events") >= 3);
      assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
      assert_string_equal(f.res_method, "GET");
      assert_int_equal(f.res_status, 0);
      fx_stop(&f);
    }
}

/* ---- media ---- */

/* Byways: a PUT per chunk, reverse GETs answered with a chunk and
 * reopened, 429s counted and not reopened. */
static void media_byways(ript_http_version version) {
  fx f;
  fx_start(&f, version);
  ript_client_call_config cfg;
  call_config(&f, &cfg);
  cfg.media = RIPT_CLIENT_MEDIA_BYWAY;
  cfg.byways = 3;
  fx_call_live(&f, &cfg);
  assert_int_equal(count_reqs(&f, "GET", "/media"), 3);
  assert_int_equal(count_reqs(&f, "CONNECT", "/media"), 0);
  /* Forward: one PUT carrying the chunk; the server's acks come back in
   * its response. */
  assert_int_equal(fx_send(&f, 0x11), 0);
  RUN_UNTIL(&f, f.srv_frames == 1);
  srv_req *put = find_req(&f, "PUT", "/media", 0);
  assert_string_equal(put->content_type, "application/ript-chunks");
  assert_string_equal(put->authorization, "Bearer test-token-0001");
  assert_true(put->body.len > FRAME_LEN);
  assert_int_equal(f.srv_frame[0], 0x11);
  assert_int_equal(f.srv_frame[FRAME_LEN - 1], 0x11);
  ript_client_call_stats st;
  RUN_UNTIL(&f, (fx_stats(&f, &st), st.media.acked == 1));
  assert_int_equal(st.media.sent, 1);
  assert_int_equal(st.media.unacked, 0);
  /* Reverse: a GET answered with a chunk is delivered and replaced. */
  srv_answer_media_get(&f, first_held(&f, "GET", "/media"), 0x22);
  RUN_UNTIL(&f, f.frames == 1 && count_held(&f, "GET", "/media") == 3);
  assert_int_equal(f.frame[0], 0x22);
  assert_int_equal(f.frame_len, FRAME_LEN);
  assert_int_equal(f.frame_seq, 70000);
  assert_int_equal(count_reqs(&f, "GET", "/media"), 4);
  /* Its ack goes on a PUT of its own. */
  ript_media_stats sst;
  RUN_UNTIL(&f, (ript_media_get_stats(f.media, &sst), sst.acked == 1));
  fx_stats(&f, &st);
  assert_int_equal(st.media.received, 1);
  assert_int_equal(st.media.acks_sent, 1);
  /* A refused byway is counted and not replaced. */
  srv_req *g = first_held(&f, "GET", "/media");
  srv_error(g, 429, "too-many-byways", "enough");
  RUN_UNTIL(&f, (fx_stats(&f, &st), st.byways_refused == 1));
  fx_idle(&f, 200);
  assert_int_equal(count_reqs(&f, "GET", "/media"), 4);
  assert_int_equal(count_held(&f, "GET", "/media"), 2);
  fx_stats(&f, &st);
  assert_int_equal(st.migrations, 0);
  ript_client_call_abort(f.call);
  RUN_UNTIL(&f, f.closed);
  fx_stop(&f);
}

static void test_media_byways(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v)
    media_byways(versions[v]);
}

/* Every reverse byway refused at once: each counted once. */
static void test_media_byways_all_refused(void **state) {
  (void)state;
  fx f;
  fx_start(&f, RIPT_HTTP_2);
  f.media_get_status = 429;
  ript_client_call_config cfg;
  call_config(&f, &cfg);
  cfg.byways = 5;
  fx_call(&f, &cfg);
  ript_client_call_stats st;
  RUN_UNTIL(&f, f.call && (fx_stats(&f, &st), st.byways_refused == 5));
  fx_idle(&f, 200);
  assert_int_equal(count_reqs(&f, "GET", "/media"), 5);
  srv_send(&f, RIPT_EVENT_END, NULL);
  RUN_UNTIL(&f, f.closed);
  assert_int_equal(f.stats.byways_refused, 5);
  fx_stop(&f);
}

/* A frame sent once the call is described but before its media path is
 * open is kept, and goes as soon as the path opens (not only when the
 * unacknowledged-media rule forces a migration a second later). */
static void test_media_before_open(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.events_hold = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.described && find_req(&f, "GET", "/events", 0));
    assert_int_equal(fx_send(&f, 0x66), 0);
    fx_idle(&f, 100);
    assert_int_equal(f.srv_frames, 0);
    f.events_hold = 0;
    srv_answer_events(&f, find_req(&f, "GET", "/events", 0));
    RUN_UNTIL(&f, f.srv_frames == 1);
    assert_int_equal(f.srv_frame[0], 0x66);
    ript_client_call_stats st;
    RUN_UNTIL(&f, (fx_stats(&f, &st), st.media.acked == 1));
    assert_int_equal(st.migrations, 0);
    assert_int_equal(st.media.sent, 1);
    assert_int_equal(st.media.unacked, 0);
    ript_client_call_abort(f.call);
    RUN_UNTIL(&f, f.closed);
    fx_stop(&f);
  }
}

/* Media that goes unacknowledged for 1 s: a migration (§9.14 (3)), after
 * which the chunk is sent again. */
static void test_ack_timeout(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    f.no_acks = 1;
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call_live(&f, &cfg);
    int64_t t0 = wall_ms();
    assert_int_equal(fx_send(&f, 0x77), 0);
    RUN_UNTIL(&f, f.srv_frames == 1);
    ript_client_call_stats st;
    RUN_UNTIL(&f, (fx_stats(&f, &st), st.migrations == 1));
    assert_true(wall_ms() - t0 >= 1000 - 10);
    ript_media_stats sst;
    RUN_UNTIL(&f, (ript_media_get_stats(f.media, &sst), sst.duplicates >= 1));
    assert_int_equal(f.srv_frames, 1); /* the same chunk */
    fx_stats(&f, &st);
    assert_true(st.media.replayed >= 1);
    assert_int_equal(st.media.sent, 1);
    ript_client_call_abort(f.call);
    RUN_UNTIL(&f, f.closed);
    fx_stop(&f);
  }
}

/* HTTP/3: datagrams on an extended CONNECT, both ways. */
static void test_media_datagrams(void **state) {
  (void)state;
  fx f;
  fx_start(&f, RIPT_HTTP_3);
  ript_client_call_config cfg;
  call_config(&f, &cfg);
  cfg.media = RIPT_CLIENT_MEDIA_DATAGRAM;
  fx_call_live(&f, &cfg);
  srv_req *c = find_req(&f, "CONNECT", "/media", 0);
  assert_string_equal(c->protocol, "webtransport");
  assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
  assert_int_equal(fx_send(&f, 0x33), 0);
  RUN_UNTIL(&f, f.srv_frames == 1);
  assert_int_equal(f.srv_frame[0], 0x33);
  ript_client_call_stats st;
  RUN_UNTIL(&f, (fx_stats(&f, &st), st.media.acked == 1));
  assert_int_equal(st.migrations, 0);
  assert_int_equal(st.media.sent, 1);
  ript_buf b;
  ript_buf_init(&b, NULL);
  srv_chunk(&f, 0x44, &b);
  assert_int_equal(ript_http_exchange_send_datagram(c->ex, b.data, b.len), 0);
  ript_buf_free(&b);
  RUN_UNTIL(&f, f.frames == 1);
  assert_int_equal(f.frame[0], 0x44);
  /* The ack comes back as a datagram too. */
  ript_media_stats sst;
  RUN_UNTIL(&f, (ript_media_get_stats(f.media, &sst), sst.acked == 1));
  assert_int_equal(count_reqs(&f, "PUT", "/media"), 0);
  assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
  ript_client_call_abort(f.call);
  RUN_UNTIL(&f, f.closed);
  assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
  RUN_UNTIL(&f, c->closed);
  fx_stop(&f);
}

/* A CONNECT answered 501: AUTO falls back to byways, DATAGRAM fails. */
static void test_media_connect_refused(void **state) {
  (void)state;
  fx f;
  fx_start(&f, RIPT_HTTP_3);
  f.connect_status = 501;
  ript_client_call_config cfg;
  call_config(&f, &cfg);
  cfg.media = RIPT_CLIENT_MEDIA_AUTO;
  fx_call(&f, &cfg);
  RUN_UNTIL(&f, count_held(&f, "GET", "/media") == 2);
  assert_int_equal(count_reqs(&f, "CONNECT", "/media"), 1);
  assert_int_equal(fx_send(&f, 0x55), 0);
  RUN_UNTIL(&f, f.srv_frames == 1);
  assert_int_equal(count_reqs(&f, "PUT", "/media"), 1);
  srv_send(&f, RIPT_EVENT_END, NULL);
  RUN_UNTIL(&f, f.closed);
  assert_int_equal(f.code, 0);
  fx_stop(&f);

  fx_start(&f, RIPT_HTTP_3);
  f.connect_status = 501;
  call_config(&f, &cfg);
  cfg.media = RIPT_CLIENT_MEDIA_DATAGRAM;
  fx_call(&f, &cfg);
  RUN_UNTIL(&f, f.closed);
  assert_int_equal(f.code, RIPT_ERR_HTTP_STATUS);
  assert_int_equal(f.res_status, 501);
  assert_string_equal(f.res_method, "CONNECT");
  assert_true(ends_with(f.res_url, "/media"));
  assert_string_equal(f.res_error, "not-implemented");
  assert_string_equal(f.res_reason, "no media sessions here");
  assert_int_equal(count_reqs(&f, "GET", "/media"), 0);
  fx_stop(&f);
}

/* ---- aborting and closing ---- */

static void test_abort(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call_live(&f, &cfg);
    f.try_in_closed = 1;
    ript_client_call_abort(f.call);
    assert_int_equal(f.closed, 0);
    RUN_UNTIL(&f, f.closed);
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(f.final, RIPT_EVENT_UNKNOWN);
    assert_false(f.has_res_error);
    /* Without a word to the server: every exchange is reset. */
    for (size_t i = 0; i < f.nreqs; ++i)
      RUN_UNTIL(&f, f.reqs[i]->closed);
    assert_int_equal(count_reqs(&f, "PUT", "/events"), 0);
    fx_stop(&f);
  }
}

static void test_close_client(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v]);
    ript_client_call_config cfg;
    call_config(&f, &cfg);
    fx_call_live(&f, &cfg);
    f.try_in_closed = f.try_start = 1;
    ript_client_close(f.client, on_client_closed, &f);
    RUN_UNTIL(&f, f.closed && f.client_closed);
    f.client = NULL;
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(f.start_in_closed, RIPT_ERR_HTTP_CLOSED);
    fx_stop(&f);
    /* The same while the call is being created. */
    fx_start(&f, versions[v]);
    f.post_hold = 1;
    fx_call(&f, &cfg);
    RUN_UNTIL(&f, f.nreqs == 1);
    f.try_in_closed = f.try_start = 1;
    ript_client_close(f.client, on_client_closed, &f);
    RUN_UNTIL(&f, f.closed && f.client_closed);
    f.client = NULL;
    assert_int_equal(f.code, RIPT_ERR_HTTP_CLOSED);
    assert_int_equal(f.described, 0);
    assert_int_equal(f.start_in_closed, RIPT_ERR_HTTP_CLOSED);
    fx_stop(&f);
  }
}

/* ---- out of memory ---- */

static void oom_call(ript_http_version version) {
  fx f;
  fx_start(&f, version);
  f.end_at_once = 1;
  fx_close_client(&f);
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, -1);
  fx_client(&f, 0, &fm.mem);
  ript_client_call_config cfg;
  call_config(&f, &cfg);
  for (long n = 0;; ++n) {
    fm.fail_after = fm.allocs + n;
    f.closed = 0;
    int rv = ript_client_call_start(f.client, &cfg, &callbacks, &f, &f.call);
    if (rv != 0) {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      continue;
    }
    RUN_UNTIL(&f, f.closed);
    if (f.code == 0)
      break;
    assert_int_equal(f.code, RIPT_ERR_NOMEM);
    assert_true(n < 1000);
  }
  fm.fail_after = -1;
  assert_int_equal(f.final, RIPT_EVENT_END);
  fx_stop(&f);
}

static void test_out_of_memory(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v)
    oom_call(versions[v]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_uri_sources),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_events),
      cmocka_unit_test(test_terminal_events),
      cmocka_unit_test(test_end_unanswered),
      cmocka_unit_test(test_migrate),
      cmocka_unit_test(test_migrate_same_uri),
      cmocka_unit_test(test_give_up),
      cmocka_unit_test(test_give_up_refused),
      cmocka_unit_test(test_media_byways),
      cmocka_unit_test(test_media_byways_all_refused),
      cmocka_unit_test(test_media_before_open),
      cmocka_unit_test(test_ack_timeout),
      cmocka_unit_test(test_media_datagrams),
      cmocka_unit_test(test_media_connect_refused),
      cmocka_unit_test(test_abort),
      cmocka_unit_test(test_close_client),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

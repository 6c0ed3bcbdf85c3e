/*
 * riptd's live call (server/call.h) without sockets and without a clock:
 * fake exchanges (fake_http.h) carry its byways, the test's clock drives
 * its deadlines, and the memory store holds its record. Every event in
 * every state from both sides, byways that arrive, end and arrive again,
 * migration, the no-byway timer, the backlog and its replay,
 * renegotiation, the record's lease, and a call another node takes over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "call.h"
#include "call_internal.h"
#include "config.h"
#include "fake_http.h"
#include "ript/media.h"
#include "ript/pool.h"
#include "ript/stir.h"
#include "testutil.h"

#define TOKEN "acme-token-0123456789"
#define AUTHORITY "127.0.0.1:4433"
#define TG_PATH "/.well-known/ript/providertgs/main"
#define PCMU_DIRECTIVE "1 to 1: PCMU;"
#define PCMA_DIRECTIVE "1 to 1: PCMA;"

/* The numbers of the TG's routes. */
#define TO_ECHO "+15550101001"
#define TO_DECLINE "+15550101002"
#define TO_FAIL "+15550101003"
#define TO_NOANSWER "+15550101004"
#define TO_RECORD "+15550101005"

static char dir[64];
static uv_loop_t loop;
static riptd_config cfg;
static riptd_app *app;
static ript_pool pool;
static riptd_action_env actions;
static riptd_call_env env;
static int64_t t_now; /* the test's clock */
/* The call of the test (each test has its own). */
static unsigned call_count;
static char uuid[RIPT_URI_UUID_LEN + 1], call_path[128], call_uri[160];

/* What the call told its host. */
static struct {
  riptd_call *call;
  int done, freed;
  int scheduled; /* times it asked for its timer */
} host_seen;

/* ---- the fixture: a configuration, an app, the env of the calls ---- */

static void write_str(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  assert_int_equal(fclose(f), 0);
}

static void make_ca(void) {
  static const uint8_t serial[] = {0x01};
  int64_t now = time(NULL);
  ript_stir_cert_terms terms = {serial, 1, now - 3600, now + 86400};
  ript_stir_key *key = NULL;
  ript_stir_cert *ca = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(
      ript_stir_cert_create_ca(&ca, key, "test CA", NULL, &terms, NULL), 0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_cert_export(ca, RIPT_STIR_FORMAT_PEM, &b), 0);
  assert_int_equal(ript_buf_append(&b, "", 1), 0);
  write_str("ca.pem", (const char *)b.data);
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &b), 0);
  assert_int_equal(ript_buf_append(&b, "", 1), 0);
  write_str("ca-key.pem", (const char *)b.data);
  ript_buf_free(&b);
  ript_stir_cert_del(ca);
  ript_stir_key_del(key);
}

/* The configuration, with the store member of the group that runs. */
static const char *store_json;

static const char config_json[] =
    "{\"listen\": \"" AUTHORITY "\","
    "\"tls\": {\"cert\": \"ca.pem\", \"key\": \"ca-key.pem\"},"
    "\"stir\": {\"ca-cert\": \"ca.pem\", \"ca-key\": \"ca-key.pem\"},"
    "\"timers\": {\"ring-timeout-ms\": 3000},"
    "\"store\": {\"node-id\": \"node-a\", \"lease-ms\": 9000%s},"
    "\"customers\": [{\"name\": \"acme\", \"tokens\": [\"" TOKEN "\"],"
    " \"numbers\": [\"+1555*\"], \"tgs\": [\"main\"]}],"
    "\"tgs\": [{\"name\": \"main\", \"routes\": ["
    " {\"match\": \"" TO_ECHO "\", \"action\": \"echo\"},"
    " {\"match\": \"" TO_DECLINE "\", \"action\": \"decline\"},"
    " {\"match\": \"" TO_FAIL "\", \"action\": \"fail\"},"
    " {\"match\": \"" TO_NOANSWER "\", \"action\": \"noanswer\"},"
    " {\"match\": \"" TO_RECORD "\", \"action\": \"record\","
    "  \"file\": \"rec\"}]}]}";

static int64_t test_clock(void *data) {
  (void)data;
  return t_now;
}

static int group_setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/ript-call-test-XXXXXX");
  assert_non_null(mkdtemp(dir));
  make_ca();
  char path[128];
  snprintf(path, sizeof(path), "%s/rec", dir);
  assert_int_equal(mkdir(path, 0700), 0);
  snprintf(path, sizeof(path), "%s/riptd.json", dir);
  char json[sizeof(config_json) + 128];
  snprintf(json, sizeof(json), config_json, store_json);
  write_str("riptd.json", json);
  char err[512];
  if (riptd_config_load(&cfg, path, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  assert_int_equal(uv_loop_init(&loop), 0);
  if (riptd_app_new(&app, &cfg, &loop, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  assert_int_equal(riptd_app_set_port(app, 4433), 0);
  ript_pool_init(&pool, 64, NULL);
  assert_int_equal(riptd_action_env_init(&actions, &loop,
                                         ript_pool_mem(&pool),
                                         cfg.ring_timeout_ms),
                   0);
  env.app = app;
  env.actions = &actions;
  env.limits.media_put_max = 65536;
  env.limits.events_put_max = 1048576;
  env.limits.events_pending_max = 1048576;
  env.now = test_clock;
  ript_buf_init(&env.out, NULL);
  ript_buf_init(&env.chunks, NULL);
  return 0;
}

static void settled(void *data, int rv, const riptd_cert_rec *rec) {
  (void)rv, (void)rec;
  *(int *)data = 1;
}

/* Runs the loop until the store has done what was asked of it: a backend
 * runs operations in order, so once a read started now is answered, so is
 * everything before it (twice: callbacks may start writes). */
static void loop_settle(void) {
  for (int round = 0; round < 2; ++round) {
    int done = 0;
    riptd_store_cert_get(app->store, "https://none", settled, &done);
    while (!done)
      uv_run(&loop, UV_RUN_ONCE);
  }
  uv_run(&loop, UV_RUN_NOWAIT);
}

static void store_closed(void *data) { *(int *)data = 1; }

static int group_teardown(void **state) {
  (void)state;
  int closed = 0;
  riptd_app_close_store(app, store_closed, &closed);
  while (!closed || actions.recordings_open)
    uv_run(&loop, UV_RUN_ONCE);
  riptd_app_del(app);
  riptd_action_env_free(&actions);
  ript_pool_free(&pool);
  ript_buf_free(&env.out);
  ript_buf_free(&env.chunks);
  while (uv_run(&loop, UV_RUN_NOWAIT))
    ;
  assert_int_equal(uv_loop_close(&loop), 0);
  riptd_config_free(&cfg);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  return 0;
}

/* ---- a call ---- */

static void host_schedule(void *data, riptd_call *call) {
  (void)data, (void)call;
  ++host_seen.scheduled;
}

static void host_done(void *data, riptd_call *call) {
  (void)data;
  assert_ptr_equal(call, host_seen.call);
  ++host_seen.done;
}

static void host_freed(void *data) {
  (void)data;
  ++host_seen.freed;
}

static const riptd_call_host host = {NULL, host_schedule, host_done,
                                     host_freed};

static riptd_call_rec stored;

static void on_stored(void *data, int rv, const riptd_call_rec *rec) {
  *(int *)data = rv;
  if (rv == 0)
    assert_int_equal(riptd_call_rec_copy(&stored, rec), 0);
}

/* The record of a new call to |to| with |directives| both ways, owned by
 * node-a, as POST {tg}/calls stores it. */
static void new_record(riptd_call_rec *rec, const char *to,
                       const char *directives) {
  memset(rec, 0, sizeof(*rec));
  memcpy(rec->uuid, uuid, sizeof(rec->uuid));
  rec->customer = "acme";
  rec->tg = "main";
  rec->handler_id = "h1";
  rec->from = "+15550100000";
  rec->to = (char *)(uintptr_t)to;
  rec->client_directives = (char *)(uintptr_t)directives;
  rec->server_directives = (char *)(uintptr_t)directives;
  const riptd_tg_conf *tg = riptd_config_tg(&cfg, "main");
  rec->route = (size_t)(riptd_config_route(tg, to) - tg->routes);
  rec->state = RIPT_CALL_PROCEEDING;
  rec->created_ms = rec->state_ms = t_now;
  rec->owner = "node-a";
  rec->owner_uri = call_uri;
  rec->lease_until_ms = t_now + 9000;
}

/* A UUID, path and URI for the next call. */
static void next_call(void) {
  snprintf(uuid, sizeof(uuid), "2f1c0a3e-5b7d-4c1e-9a2b-8d7e6f5a%04x",
           ++call_count);
  snprintf(call_path, sizeof(call_path), TG_PATH "/calls/%s", uuid);
  snprintf(call_uri, sizeof(call_uri), "https://" AUTHORITY "%s",
           call_path);
}

static riptd_call *start_call(const char *to, const char *directives) {
  next_call();
  riptd_call_rec rec;
  new_record(&rec, to, directives);
  int rv = 1;
  riptd_store_call_add(app->store, &rec, 100, t_now, on_stored, &rv);
  loop_settle();
  assert_int_equal(rv, 0);
  memset(&host_seen, 0, sizeof(host_seen));
  riptd_call *call = NULL;
  assert_int_equal(riptd_call_new(&call, &env, &host, &stored, t_now), 0);
  riptd_call_rec_free(&stored);
  host_seen.call = call;
  return call;
}

/* Runs the call's deadlines up to |ms| from now, the loop after each. */
static void advance(riptd_call *call, int64_t ms) {
  int64_t until = t_now + ms;
  for (;;) {
    int64_t d = riptd_call_deadline(call);
    if (d > until || host_seen.done)
      break;
    if (d > t_now)
      t_now = d;
    riptd_call_run(call, t_now);
    loop_settle();
    fake_settle();
  }
  t_now = until;
  loop_settle();
  fake_settle();
}

/* The call is over: its memory goes, the fakes close. */
static void finish_call(riptd_call *call) {
  if (!host_seen.done)
    riptd_call_shutdown(call, t_now);
  riptd_call_free(call);
  loop_settle();
  fake_close_all();
  riptd_call_rec_free(&stored);
  assert_int_equal(host_seen.freed, 1);
}

static riptd_call_rec *read_record(void) {
  int rv = 1;
  riptd_call_rec_free(&stored);
  riptd_store_call_get(app->store, uuid, t_now, on_stored, &rv);
  loop_settle();
  assert_int_equal(rv, 0);
  return &stored;
}

/* ---- byways ---- */

static const char *const json_headers[] = {"content-type: application/json",
                                           NULL};
static const char *const chunk_headers[] = {
    "content-type: application/ript-chunks", NULL};

static fake_ex *take(riptd_call *call, const char *method, const char *what,
                     riptd_byway_type type) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", call_path, what);
  const char *const *h = strcmp(method, "PUT") == 0
                             ? (strcmp(what, "media") == 0 ? chunk_headers
                                                           : json_headers)
                             : NULL;
  fake_ex *f = fake_request(method, AUTHORITY, path, NULL, h, 0);
  riptd_call_take(call, f->ex, type, NULL, 0, 0, t_now);
  loop_settle();
  return f;
}

static fake_ex *events_get(riptd_call *call) {
  fake_ex *f = take(call, "GET", "events", RIPTD_BYWAY_EVENTS_GET);
  fake_end_body(f);
  return f;
}

static fake_ex *media_get(riptd_call *call) {
  fake_ex *f = take(call, "GET", "media", RIPTD_BYWAY_MEDIA_GET);
  fake_end_body(f);
  return f;
}

static fake_ex *session(riptd_call *call) {
  char path[160];
  snprintf(path, sizeof(path), "%s/media", call_path);
  fake_ex *f = fake_request("CONNECT", AUTHORITY, path,
                            "webtransport", NULL, 1200);
  riptd_call_take(call, f->ex, RIPTD_BYWAY_SESSION, NULL, 0, 0, t_now);
  loop_settle();
  return f;
}

/* A client event, as the body of a PUT {call}/events of its own. */
static fake_ex *put_event(riptd_call *call, const char *type,
                          const char *extra, const char *direction,
                          const char *uri) {
  char body[512];
  snprintf(body, sizeof(body),
           "[{\"event\":\"%s\",\"direction\":\"%s\","
           "\"timestamp\":\"2026-12-08T00:00:00.000Z\",\"call\":\"%s\"%s}]",
           type, direction, uri, extra);
  fake_ex *f = take(call, "PUT", "events", RIPTD_BYWAY_EVENTS_PUT);
  fake_send_body(f, body, strlen(body));
  fake_end_body(f);
  loop_settle();
  return f;
}

/* The events written on a reverse signaling byway so far, by type, and
 * whether it closed the array. */
typedef struct seen_events {
  ript_event ev[32];
  size_t n;
  int closed;
} seen_events;

static void read_events(const fake_ex *f, seen_events *s) {
  memset(s, 0, sizeof(*s));
  const char *p = (const char *)f->body.data;
  const char *end = p + f->body.len;
  assert_true(f->body.len > 0 && *p == '[');
  ++p;
  while (p < end) {
    if (*p == ']') {
      s->closed = 1;
      break;
    }
    if (*p == ',')
      ++p;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    assert_non_null(nl);
    assert_true(s->n < 32);
    assert_int_equal(ript_event_parse(&s->ev[s->n++], (const uint8_t *)p,
                                      (size_t)(nl - p), NULL, NULL),
                     0);
    p = nl + 1;
  }
}

static void free_events(seen_events *s) {
  for (size_t i = 0; i < s->n; ++i)
    ript_event_free(&s->ev[i]);
}

/* The reverse byway |f| shows exactly |types| (an UNKNOWN-terminated
 * list) and, with |closed|, "]". */
static void expect_events(const fake_ex *f, const ript_event_type *types,
                          int closed) {
  seen_events s;
  read_events(f, &s);
  size_t n = 0;
  while (types[n] != RIPT_EVENT_UNKNOWN)
    ++n;
  if (s.n != n)
    fail_msg("%zu events, want %zu: %.*s", s.n, n, (int)f->body.len,
             (const char *)f->body.data);
  for (size_t i = 0; i < n; ++i) {
    assert_int_equal(s.ev[i].type, types[i]);
    assert_int_equal(s.ev[i].direction, RIPT_EVENT_DIR_S2C);
    assert_string_equal(s.ev[i].call, call_uri);
  }
  assert_int_equal(s.closed, closed);
  free_events(&s);
}

#define EVENTS(...) ((const ript_event_type[]){__VA_ARGS__, RIPT_EVENT_UNKNOWN})

/* The error document of an answered byway says |error|. */
static void expect_error(const fake_ex *f, int status, const char *error) {
  assert_int_equal(f->status, status);
  char want[64];
  snprintf(want, sizeof(want), "\"error\": \"%s\"", error);
  ript_buf copy;
  ript_buf_init(&copy, NULL);
  assert_int_equal(ript_buf_append(&copy, f->body.data, f->body.len), 0);
  assert_int_equal(ript_buf_append(&copy, "", 1), 0);
  if (!strstr((const char *)copy.data, want))
    fail_msg("body %s, want %s", (const char *)copy.data, want);
  ript_buf_free(&copy);
}

/* ---- the client's media, to talk to the call's ---- */

static ript_media_session *client_media(uint32_t pt) {
  ript_media_stream s = {1, 1, pt, {0}, 0, 5000};
  ript_media_config mc;
  ript_media_config_init(&mc);
  mc.role = RIPT_MEDIA_ROLE_CLIENT;
  mc.tx_streams = &s;
  mc.ntx_streams = 1;
  mc.rx_streams = &s;
  mc.nrx_streams = 1;
  ript_media_session *m = NULL;
  assert_int_equal(ript_media_session_new(&m, &mc, t_now, NULL), 0);
  return m;
}

/* One 20 ms frame of a 1 kHz-ish G.711 pattern, as a chunk in |out|. */
static void client_chunk(ript_media_session *m, uint32_t pt, ript_buf *out) {
  uint8_t media[160];
  for (size_t i = 0; i < sizeof(media); ++i)
    media[i] = (uint8_t)(i % 8 < 4 ? 0x20 : 0xa0);
  ript_media_frame fr;
  memset(&fr, 0, sizeof(fr));
  fr.source = fr.sink = 1;
  fr.payload_type = pt;
  fr.timestamp = (uint64_t)t_now;
  fr.media = media;
  fr.media_len = sizeof(media);
  assert_true(ript_media_send(m, &fr, t_now, out, NULL) > 0);
}

static int frames_got;
static uint32_t frames_pt;
static uint64_t frames_seq[64]; /* the first ones' sequence numbers */

static void on_client_frame(const ript_media_frame *f, void *data) {
  (void)data;
  if (frames_got < 64)
    frames_seq[frames_got] = f->sequence;
  ++frames_got;
  frames_pt = f->payload_type;
}

/* What the call sent: chunks for the client session |m| (acks taken). */
static int client_read(ript_media_session *m, const ript_buf *b) {
  uint8_t *copy = malloc(b->len ? b->len : 1);
  memcpy(copy, b->data, b->len);
  int n = ript_media_receive(m, copy, b->len, t_now, on_client_frame, NULL);
  free(copy);
  return n;
}

/* |n| chunks from the client |m|, one every 20 ms of the call's time: as
 * datagrams on the session |ses|, or (|ses| NULL) each in a PUT of its
 * own, whose answer (its acknowledgements) the client reads. */
static void client_send(riptd_call *call, ript_media_session *m, uint32_t pt,
                        fake_ex *ses, int n) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (int i = 0; i < n; ++i) {
    ript_buf_reset(&b);
    client_chunk(m, pt, &b);
    if (ses) {
      fake_send_datagram(ses, b.data, b.len);
    } else {
      fake_ex *put = take(call, "PUT", "media", RIPTD_BYWAY_MEDIA_PUT);
      fake_send_body(put, b.data, b.len);
      fake_end_body(put);
      assert_int_equal(put->status, 200);
      client_read(m, &put->body);
    }
    advance(call, 20);
  }
  ript_buf_free(&b);
}

/* The datagrams of |ses| from the |from|th on, read by the client |m|. */
static void client_read_datagrams(ript_media_session *m, const fake_ex *ses,
                                  size_t from) {
  for (size_t i = from; i < ses->ndatagrams; ++i)
    client_read(m, &ses->datagrams[i]);
}

/* ---- tests: signaling ---- */

/* proceeding, alerting 100 ms later, answered 400 ms after that (decision
 * 69), each as it happens on the GET open from the start. */
static void test_timeline_on_a_get(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  assert_int_equal(get->status, 200);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING), 0);
  advance(call, 99);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING), 0);
  advance(call, 1);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING), 0);
  advance(call, 400);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,
                            RIPT_EVENT_ANSWERED),
                0);
  assert_int_equal(read_record()->state, RIPT_CALL_ANSWERED);
  assert_true(stored.state_ms == t_now);
  finish_call(call);
}

/* A reverse byway opened later starts with the event that entered the
 * current state, as first sent (decision 61), then the non-state events
 * kept meanwhile (decision 62): the pong of a ping sent on a PUT. */
static void test_announcement_and_kept_events(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  advance(call, 600);
  fake_ex *put = put_event(call, "ping", ",\"nonce\":\"n1\"", "c2s",
                           call_uri);
  assert_int_equal(put->status, 200);
  fake_ex *get = events_get(call);
  expect_events(get, EVENTS(RIPT_EVENT_ANSWERED, RIPT_EVENT_PONG), 0);
  seen_events s;
  read_events(get, &s);
  assert_true(s.ev[0].timestamp_ms == 1800000000000 + 500);
  assert_string_equal(s.ev[1].nonce, "n1");
  free_events(&s);
  /* The kept pong went to that byway only. */
  fake_ex *second = events_get(call);
  expect_events(second, EVENTS(RIPT_EVENT_ANSWERED), 0);
  /* A ping while both are open: the pong on both. */
  put_event(call, "ping", "", "c2s", call_uri);
  expect_events(second, EVENTS(RIPT_EVENT_ANSWERED, RIPT_EVENT_PONG), 0);
  expect_events(get, EVENTS(RIPT_EVENT_ANSWERED, RIPT_EVENT_PONG,
                            RIPT_EVENT_PONG),
                0);
  finish_call(call);
}

/* A forward byway's bad events end that byway (400, 409, 415), not the
 * call (decisions 36, 64); the events before the bad one stay applied. */
static void test_forward_refusals(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  advance(call, 600);
  expect_error(put_event(call, "ping", "", "s2c", call_uri), 400,
               "bad-request");
  expect_error(put_event(call, "ping", "", "c2s",
                         "https://" AUTHORITY "/other"),
               400, "bad-request");
  expect_error(put_event(call, "answered", "", "c2s", call_uri), 409,
               "illegal-event");
  char path[160];
  snprintf(path, sizeof(path), "%s/events", call_path);
  fake_ex *f = fake_request("PUT", AUTHORITY, path, NULL, chunk_headers, 0);
  riptd_call_take(call, f->ex, RIPTD_BYWAY_EVENTS_PUT, NULL, 0, 0, t_now);
  expect_error(f, 415, "unsupported-media-type");
  f = take(call, "PUT", "events", RIPTD_BYWAY_EVENTS_PUT);
  fake_send_body(f, "[{\"event\":", 10);
  fake_end_body(f);
  expect_error(f, 400, "bad-request");
  /* The URI the request named counts too (a load balancer's). */
  f = fake_request("PUT", "lb.example:443", path, NULL, json_headers, 0);
  riptd_call_take(call, f->ex, RIPTD_BYWAY_EVENTS_PUT, NULL, 0, 0, t_now);
  char ping[512];
  snprintf(ping, sizeof(ping),
           "[{\"event\":\"ping\",\"direction\":\"c2s\",\"timestamp\":"
           "\"2026-12-08T00:00:00.000Z\",\"call\":\"https://lb.example:443%s"
           "\"}]",
           call_path);
  fake_send_body(f, ping, strlen(ping));
  fake_end_body(f);
  assert_int_equal(f->status, 200);
  /* Its pong names the call as the ping did. */
  seen_events s;
  read_events(get, &s);
  assert_int_equal(s.n, 4);
  assert_int_equal(s.ev[3].type, RIPT_EVENT_PONG);
  assert_non_null(strstr(s.ev[3].call, "https://lb.example:443/"));
  free_events(&s);
  finish_call(call);
}

/* The client's end: `end` with its reason on every GET, which closes the
 * array; the PUT 200; held media byways 404; then the call's byways 404
 * and its record says ended, kept for ended-call-keep-ms. */
static void test_client_end(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  advance(call, 600);
  fake_ex *media = media_get(call);
  fake_ex *put = put_event(call, "end", ",\"reason\":\"bye\"", "c2s",
                           call_uri);
  assert_int_equal(put->status, 200);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,
                            RIPT_EVENT_ANSWERED, RIPT_EVENT_END),
                1);
  assert_true(get->ended);
  expect_error(media, 404, "not-found");
  expect_error(events_get(call), 404, "not-found");
  expect_error(take(call, "PUT", "media", RIPTD_BYWAY_MEDIA_PUT), 404,
               "not-found");
  const riptd_call_rec *rec = read_record();
  assert_int_equal(rec->state, RIPT_CALL_ENDED);
  assert_string_equal(rec->state_reason, "bye");
  assert_true(rec->expires_ms == t_now + cfg.ended_call_keep_ms);
  /* A GET saw the end: nothing to keep the call for. */
  advance(call, 1);
  assert_int_equal(host_seen.done, 1);
  finish_call(call);
}

/* §9.12: no signaling byway for no-byway-timeout-ms ends the call; the
 * first GET within 5 s still learns how, once (decision 63). */
static void test_no_byway_timer(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  advance(call, 600);
  fake_close(get, RIPT_ERR_HTTP_RESET);
  advance(call, cfg.no_byway_timeout_ms - 1);
  assert_int_equal(read_record()->state, RIPT_CALL_ANSWERED);
  /* A GET that comes and goes restarts the timer. */
  fake_close(events_get(call), RIPT_ERR_HTTP_RESET);
  advance(call, cfg.no_byway_timeout_ms);
  assert_int_equal(read_record()->state, RIPT_CALL_ENDED);
  assert_int_equal(host_seen.done, 0);
  advance(call, 4000);
  fake_ex *late = events_get(call);
  expect_events(late, EVENTS(RIPT_EVENT_END), 1);
  expect_error(events_get(call), 404, "not-found");
  advance(call, 1000);
  assert_int_equal(host_seen.done, 1);
  finish_call(call);
}

/* decline, fail and noanswer end the call their way, with a reason. */
static void test_scripted_outcomes(void **state) {
  (void)state;
  static const struct {
    const char *to;
    int64_t after;
    ript_event_type last;
    ript_call_state state;
  } cases[] = {{TO_DECLINE, 600, RIPT_EVENT_DECLINED, RIPT_CALL_DECLINED},
               {TO_FAIL, 0, RIPT_EVENT_FAILED, RIPT_CALL_FAILED},
               {TO_NOANSWER, 3100, RIPT_EVENT_NOANSWER, RIPT_CALL_NOANSWER}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    t_now = 1800000000000;
    riptd_call *call = start_call(cases[i].to, PCMU_DIRECTIVE);
    fake_ex *get = events_get(call);
    advance(call, cases[i].after);
    seen_events s;
    read_events(get, &s);
    assert_true(s.closed);
    assert_int_equal(s.ev[s.n - 1].type, cases[i].last);
    assert_non_null(s.ev[s.n - 1].reason);
    free_events(&s);
    assert_int_equal(read_record()->state, cases[i].state);
    finish_call(call);
  }
}

/* Every client event in every state that takes one (the table of
 * docs/PROTOCOL.md §9): the legal ones answered 200 and applied, the
 * others 409 with the call going on; `end` ends the call from each state;
 * and an ended call takes nothing (404). */
static void test_every_client_event_in_every_state(void **state) {
  (void)state;
  static const struct {
    const char *name;
    int status;
  } events[] = {{"ping", 200},       {"x-hello", 200},    {"proceeding", 409},
                {"alerting", 409},   {"answered", 409},   {"declined", 409},
                {"failed", 409},     {"noanswer", 409},   {"migrate", 409},
                {"pong", 409},       {"media-panic", 409}};
  static const struct {
    const char *to;
    int64_t after;
    ript_call_state state;
  } states[] = {{TO_NOANSWER, 0, RIPT_CALL_PROCEEDING},
                {TO_NOANSWER, 150, RIPT_CALL_ALERTING},
                {TO_ECHO, 600, RIPT_CALL_ANSWERED}};
  for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); ++i) {
    t_now = 1800000000000;
    riptd_call *call = start_call(states[i].to, PCMU_DIRECTIVE);
    fake_ex *get = events_get(call);
    advance(call, states[i].after);
    for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); ++e) {
      fake_ex *put = put_event(call, events[e].name, "", "c2s", call_uri);
      if (put->status != events[e].status)
        fail_msg("%s in %s: %d, want %d", events[e].name,
                 ript_call_state_name(states[i].state), put->status,
                 events[e].status);
      assert_int_equal(read_record()->state, states[i].state);
    }
    assert_int_equal(put_event(call, "end", "", "c2s", call_uri)->status,
                     200);
    assert_int_equal(read_record()->state, RIPT_CALL_ENDED);
    seen_events s;
    read_events(get, &s);
    assert_true(s.closed);
    assert_int_equal(s.ev[s.n - 1].type, RIPT_EVENT_END);
    free_events(&s);
    for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); ++e)
      expect_error(put_event(call, events[e].name, "", "c2s", call_uri), 404,
                   "not-found");
    finish_call(call);
  }
}

/* The server's own events through the call: the ones its state takes go
 * out on the reverse byway, the others do not (ript/call.h's table). */
static void test_server_events_in_every_state(void **state) {
  (void)state;
  static const ript_event_type types[] = {
      RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,   RIPT_EVENT_ANSWERED,
      RIPT_EVENT_DECLINED,   RIPT_EVENT_FAILED,     RIPT_EVENT_NOANSWER,
      RIPT_EVENT_MIGRATE,    RIPT_EVENT_PONG,       RIPT_EVENT_MEDIA_PANIC,
      RIPT_EVENT_PING};
  static const ript_call_state states[] = {
      RIPT_CALL_PROCEEDING, RIPT_CALL_ALERTING, RIPT_CALL_ANSWERED};
  for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); ++i) {
    for (size_t e = 0; e < sizeof(types) / sizeof(types[0]); ++e) {
      t_now = 1800000000000;
      riptd_call *call = start_call(TO_NOANSWER, PCMU_DIRECTIVE);
      fake_ex *get = events_get(call);
      if (states[i] >= RIPT_CALL_ALERTING)
        advance(call, 150);
      if (states[i] == RIPT_CALL_ANSWERED)
        assert_int_equal(riptd_call_event(call, RIPT_EVENT_ANSWERED, NULL,
                                          t_now),
                         1);
      seen_events before;
      read_events(get, &before);
      ript_call_state next;
      int legal = ript_call_apply(states[i], types[e], RIPT_EVENT_DIR_S2C,
                                  &next) == 0;
      int reason = types[e] >= RIPT_EVENT_DECLINED &&
                   types[e] <= RIPT_EVENT_END;
      assert_int_equal(riptd_call_event(call, types[e],
                                        reason ? "why" : NULL, t_now),
                       legal);
      loop_settle();
      seen_events after;
      read_events(get, &after);
      if (after.n != before.n + (size_t)legal)
        fail_msg("%s in %s: %zu events after %zu", ript_event_type_name(types[e]), ript_call_state_name(states[i]), after.n, before.n);
      if (legal)
        assert_int_equal(after.ev[after.n - 1].type, types[e]);
      assert_int_equal(read_record()->state, legal ? next : states[i]);
      free_events(&before);
      free_events(&after);
      finish_call(call);
    }
  }
}

/* limits.signaling-byways-per-call and media-gets-per-call: 429. */
static void test_byway_limits(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  for (int64_t i = 0; i < cfg.limits.events_byways_per_call; ++i)
    assert_int_equal(events_get(call)->status, 200);
  expect_error(events_get(call), 429, "too-many-byways");
  for (int64_t i = 0; i < cfg.limits.media_gets_per_call; ++i)
    assert_int_equal(media_get(call)->status, 0);
  expect_error(media_get(call), 429, "too-many-byways");
  finish_call(call);
}

/* ---- tests: media ---- */

/* Over a session: the acknowledgements of what arrives leave alone 20 ms
 * later (decision 66) and the echo comes back as datagrams. */
static void test_media_datagrams(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  events_get(call);
  advance(call, 600);
  fake_ex *s = session(call);
  assert_int_equal(s->status, 200);
  ript_media_session *m = client_media(0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  client_chunk(m, 0, &b);
  fake_send_datagram(s, b.data, b.len);
  advance(call, 19);
  assert_int_equal(s->ndatagrams, 0);
  advance(call, 1);
  assert_int_equal(s->ndatagrams, 1);
  ript_media_stats st;
  client_read(m, &s->datagrams[0]);
  ript_media_get_stats(m, &st);
  assert_int_equal(st.acks_received, 1);
  frames_got = 0;
  client_send(call, m, 0, s, 50);
  client_read_datagrams(m, s, 1);
  assert_true(frames_got >= 40); /* the echo, after its playout delay */
  ript_media_get_stats(m, &st);
  assert_true(st.acks_received >= 50);
  /* A timer run that sends a frame, and an arrival, each ask for the
   * timer once, at their end: its deadline is worked out once. */
  client_send(call, m, 0, s, 5);
  host_seen.scheduled = 0;
  size_t sent = s->ndatagrams;
  t_now = riptd_call_deadline(call);
  riptd_call_run(call, t_now);
  assert_true(s->ndatagrams > sent);
  assert_int_equal(host_seen.scheduled, 1);
  ript_buf_reset(&b);
  client_chunk(m, 0, &b);
  fake_send_datagram(s, b.data, b.len);
  assert_int_equal(host_seen.scheduled, 2);
  ript_buf_free(&b);
  ript_media_session_del(m);
  finish_call(call);
}

/* Over byways: a PUT's answer carries the acknowledgements of its chunk,
 * and the echo comes back on the newest reverse media byway. */
static void test_media_byways(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  events_get(call);
  advance(call, 600);
  fake_ex *gets[20];
  for (int i = 0; i < 20; ++i)
    gets[i] = media_get(call);
  ript_media_session *m = client_media(0);
  frames_got = 0;
  client_send(call, m, 0, NULL, 10);
  ript_media_stats st;
  ript_media_get_stats(m, &st);
  assert_int_equal(st.acks_received, 10);
  /* The newest first (§9.11.4). */
  assert_int_equal(gets[19]->status, 200);
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    if (gets[i]->status == 200) {
      ++answered;
      client_read(m, &gets[i]->body);
    }
  }
  assert_true(answered >= 3 && frames_got == answered);
  assert_int_equal(gets[0]->status, 0);
  ript_media_session_del(m);
  finish_call(call);
}

/* With no reverse media byway, what the echo sends is kept and one
 * media-panic goes out; the first byway back gets the oldest kept chunk
 * (decision 65). */
static void test_backlog_and_replay(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  advance(call, 600);
  ript_media_session *m = client_media(0);
  client_send(call, m, 0, NULL, 25);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,
                            RIPT_EVENT_ANSWERED, RIPT_EVENT_MEDIA_PANIC),
                0);
  frames_got = 0;
  for (int i = 0; i < 5; ++i) {
    fake_ex *g = media_get(call);
    assert_int_equal(g->status, 200);
    client_read(m, &g->body);
  }
  /* The oldest first, one after the other. */
  assert_int_equal(frames_got, 5);
  for (int i = 1; i < 5; ++i)
    assert_true(frames_seq[i] == frames_seq[i - 1] + 1);
  /* One outage, one media-panic. */
  advance(call, 200);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,
                            RIPT_EVENT_ANSWERED, RIPT_EVENT_MEDIA_PANIC),
                0);
  ript_media_session_del(m);
  finish_call(call);
}

/* `migrate` (SIGUSR1, decision 78): the GET gets it and "]", the media
 * byways open then are left, one opened before the client's new GET too;
 * after the new GET the media flows again, replayed. */
static void test_migrate(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  assert_int_equal(riptd_call_migrate(call, t_now), 0); /* no GET open */
  fake_ex *get = events_get(call);
  advance(call, 600);
  fake_ex *old = media_get(call);
  assert_int_equal(riptd_call_migrate(call, t_now), 1);
  expect_events(get, EVENTS(RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING,
                            RIPT_EVENT_ANSWERED, RIPT_EVENT_MIGRATE),
                1);
  fake_ex *early = media_get(call);
  ript_media_session *m = client_media(0);
  client_send(call, m, 0, NULL, 10); /* forward byways stay: 200 */
  assert_int_equal(old->status, 0);
  assert_int_equal(early->status, 0);
  fake_ex *fresh = events_get(call);
  expect_events(fresh, EVENTS(RIPT_EVENT_ANSWERED), 0);
  fake_ex *g = media_get(call);
  assert_int_equal(g->status, 200);
  fake_close(old, RIPT_ERR_HTTP_RESET);
  fake_close(early, RIPT_ERR_HTTP_RESET);
  ript_media_session_del(m);
  finish_call(call);
}

/* POST {call}: the media moves to the new directives at once. */
static void test_renegotiate(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  events_get(call);
  advance(call, 600);
  riptd_call_rec rec;
  new_record(&rec, TO_ECHO, PCMA_DIRECTIVE);
  rec.state = RIPT_CALL_ANSWERED;
  rec.version = read_record()->version;
  assert_int_equal(riptd_call_renegotiate(call, &rec, t_now), 0);
  fake_ex *s = session(call);
  ript_media_session *m = client_media(8);
  frames_got = 0;
  client_send(call, m, 8, s, 30);
  client_read_datagrams(m, s, 0);
  assert_true(frames_got > 10);
  assert_int_equal(frames_pt, 8);
  ript_media_session_del(m);
  finish_call(call);
}

/* ---- tests: the record ---- */

static void on_updated(void *data, int rv, const riptd_call_rec *rec) {
  (void)rec;
  *(int *)data = rv;
}

/* The owner renews its lease well before it runs out; when another node
 * took the call over (its lease here had run out, say the store was
 * unreachable), the client is sent there and this node lets go. */
static void test_lease_and_losing_the_call(void **state) {
  (void)state;
  t_now = 1800000000000;
  riptd_call *call = start_call(TO_ECHO, PCMU_DIRECTIVE);
  fake_ex *get = events_get(call);
  advance(call, 600);
  uint64_t v = read_record()->version;
  advance(call, 3000);
  riptd_call_rec *rec = read_record();
  assert_true(rec->version > v);
  assert_true(rec->lease_until_ms >= t_now + 9000 - 3000);
  /* node-b takes it over. */
  riptd_call_rec claim;
  assert_int_equal(riptd_call_rec_copy(&claim, rec), 0);
  free(claim.owner);
  free(claim.owner_uri);
  claim.owner = strdup("node-b");
  char other[200];
  snprintf(other, sizeof(other), "https://127.0.0.2:4433%s", call_path);
  claim.owner_uri = strdup(other);
  int rv = 1;
  riptd_store_call_update(app->store, &claim, t_now, on_updated, &rv);
  loop_settle();
  assert_int_equal(rv, 0);
  riptd_call_rec_free(&claim);
  advance(call, 3500);
  assert_int_equal(host_seen.done, 1);
  seen_events s;
  read_events(get, &s);
  assert_true(s.closed);
  assert_int_equal(s.ev[s.n - 1].type, RIPT_EVENT_MIGRATE);
  assert_string_equal(s.ev[s.n - 1].uri, other);
  free_events(&s);
  /* It was not ended: node-b runs it. */
  assert_int_equal(read_record()->state, RIPT_CALL_ANSWERED);
  assert_string_equal(stored.owner, "node-b");
  finish_call(call);
}

/* A call taken over in the middle resumes where its record says: a new
 * GET announces `answered` with its first time, and the echo echoes. */
static void test_resume_answered(void **state) {
  (void)state;
  t_now = 1800000000000;
  next_call();
  riptd_call_rec rec;
  new_record(&rec, TO_ECHO, PCMU_DIRECTIVE);
  rec.state = RIPT_CALL_ANSWERED;
  rec.state_ms = t_now - 60000;
  int rv = 1;
  riptd_store_call_add(app->store, &rec, 100, t_now, on_stored, &rv);
  loop_settle();
  assert_int_equal(rv, 0);
  memset(&host_seen, 0, sizeof(host_seen));
  riptd_call *call = NULL;
  assert_int_equal(riptd_call_new(&call, &env, &host, &stored, t_now), 0);
  riptd_call_rec_free(&stored);
  host_seen.call = call;
  fake_ex *get = events_get(call);
  expect_events(get, EVENTS(RIPT_EVENT_ANSWERED), 0);
  seen_events s;
  read_events(get, &s);
  assert_true(s.ev[0].timestamp_ms == t_now - 60000);
  free_events(&s);
  fake_ex *ses = session(call);
  ript_media_session *m = client_media(0);
  frames_got = 0;
  client_send(call, m, 0, ses, 30);
  client_read_datagrams(m, ses, 0);
  assert_true(frames_got > 10);
  ript_media_session_del(m);
  finish_call(call);
}

static int memory_setup(void **state) {
  store_json = "";
  return group_setup(state);
}

/* The same calls on the SQLite store, which reads back what it wrote. */
static int sqlite_setup(void **state) {
  store_json = ", \"type\": \"sqlite\", \"path\": \"riptd.db\"";
  return group_setup(state);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_timeline_on_a_get),
      cmocka_unit_test(test_announcement_and_kept_events),
      cmocka_unit_test(test_forward_refusals),
      cmocka_unit_test(test_client_end),
      cmocka_unit_test(test_no_byway_timer),
      cmocka_unit_test(test_scripted_outcomes),
      cmocka_unit_test(test_every_client_event_in_every_state),
      cmocka_unit_test(test_server_events_in_every_state),
      cmocka_unit_test(test_byway_limits),
      cmocka_unit_test(test_media_datagrams),
      cmocka_unit_test(test_media_byways),
      cmocka_unit_test(test_backlog_and_replay),
      cmocka_unit_test(test_migrate),
      cmocka_unit_test(test_renegotiate),
      cmocka_unit_test(test_lease_and_losing_the_call),
      cmocka_unit_test(test_resume_answered),
  };
  int failed = cmocka_run_group_tests_name("memory store", tests,
                                          memory_setup, group_teardown);
  return failed + cmocka_run_group_tests_name("sqlite store", tests,
                                              sqlite_setup, group_teardown);
}

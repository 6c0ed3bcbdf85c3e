/*
 * The store's conformance suite: every operation and every result of
 * server/store.h, run against every backend. A backend is one row of
 * |backends| below (a shared database such as Valkey adds its row; the
 * tests of what only some backends can do, sharing one database between
 * stores, durability and being unavailable, skip where the row says so).
 * Time is an argument: the tests run in the year 2100, far from the clock
 * any backend may read for its own housekeeping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

#define T0 INT64_C(4102444800000) /* 2100-01-01, Unix ms */
#define LEASE 10000
#define GRACE 30000

/* ---- backends ---- */

typedef struct backend {
  const char *name;
  /* A store of this test's database in |dir| (a new directory per test):
   * 0, or a failed test. */
  void (*open)(riptd_store **s, uv_loop_t *loop, const riptd_store_config *cfg,
               const char *dir);
  int shared;  /* two stores opened in one test share the records */
  int durable; /* a store opened again finds what an earlier one wrote */
  /* Makes writes fail as the backend is unavailable, and undoes it (NULL:
   * it cannot be made unavailable). */
  void *(*block)(const char *dir);
  void (*unblock)(void *token);
} backend;

static void mem_open(riptd_store **s, uv_loop_t *loop,
                     const riptd_store_config *cfg, const char *dir) {
  (void)dir;
  assert_int_equal(riptd_store_mem_new(s, loop, cfg), 0);
}

static void sqlite_path(char *out, size_t len, const char *dir) {
  snprintf(out, len, "%s/riptd.db", dir);
}

static void sqlite_open(riptd_store **s, uv_loop_t *loop,
                        const riptd_store_config *cfg, const char *dir) {
  char path[256], err[512];
  sqlite_path(path, sizeof(path), dir);
  if (riptd_store_sqlite_new(s, loop, cfg, path, err, sizeof(err)) != 0)
    fail_msg("%s", err);
}

/* Another connection holds the write lock longer than the busy timeout. */
static void *sqlite_block(const char *dir) {
  char path[256];
  sqlite3 *db = NULL;
  sqlite_path(path, sizeof(path), dir);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                   SQLITE_OK);
  return db;
}

static void sqlite_unblock(void *token) {
  assert_int_equal(sqlite3_exec(token, "ROLLBACK", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(token);
}

static const backend backends[] = {
    {"memory", mem_open, 0, 0, NULL, NULL},
    {"sqlite", sqlite_open, 1, 1, sqlite_block, sqlite_unblock},
};

/* ---- the fixture: a directory, a loop, a store ---- */

typedef struct fx {
  const backend *b;
  char dir[64];
  uv_loop_t loop;
  riptd_store_config cfg;
  riptd_store *s;
} fx;

static const backend *current; /* the backend main runs the suite for */

static int setup(void **state) {
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  f->b = current;
  strcpy(f->dir, "/tmp/riptd-store-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  assert_int_equal(uv_loop_init(&f->loop), 0);
  f->cfg = (riptd_store_config){"node-a", LEASE, GRACE, 200};
  f->b->open(&f->s, &f->loop, &f->cfg, f->dir);
  *state = f;
  return 0;
}

static void on_closed(void *data) { ++*(int *)data; }

/* Closes |s| and runs the loop until it is closed. */
static void close_store(fx *f, riptd_store *s) {
  int closed = 0;
  riptd_store_close(s, on_closed, &closed);
  while (!closed)
    uv_run(&f->loop, UV_RUN_ONCE);
  assert_int_equal(closed, 1);
}

static int teardown(void **state) {
  fx *f = *state;
  if (f->s)
    close_store(f, f->s);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

/* ---- operations run to their end ---- */

typedef struct res {
  int done, rv;
  const void *rec; /* the pointer the callback got */
  riptd_handler_rec h;
  riptd_handler_rec *list;
  size_t n;
  riptd_call_rec c;
  riptd_cert_rec t;
} res;

static void res_free(res *r) {
  riptd_handler_rec_free(&r->h);
  for (size_t i = 0; i < r->n; ++i)
    riptd_handler_rec_free(&r->list[i]);
  free(r->list);
  riptd_call_rec_free(&r->c);
  riptd_cert_rec_free(&r->t);
  memset(r, 0, sizeof(*r));
}

static void on_done(void *data, int rv) {
  res *r = data;
  ++r->done;
  r->rv = rv;
}

static void on_handler(void *data, int rv, const riptd_handler_rec *rec) {
  res *r = data;
  on_done(r, rv);
  r->rec = rec;
  assert_true((rv == 0) == (rec != NULL));
  if (rec)
    assert_int_equal(riptd_handler_rec_copy(&r->h, rec), 0);
}

static void on_handlers(void *data, int rv, const riptd_handler_rec *recs,
                        size_t n) {
  res *r = data;
  on_done(r, rv);
  r->rec = recs;
  if (rv != 0)
    assert_int_equal(n, 0);
  r->list = n ? calloc(n, sizeof(*r->list)) : NULL;
  for (size_t i = 0; i < n; ++i)
    assert_int_equal(riptd_handler_rec_copy(&r->list[i], &recs[i]), 0);
  r->n = n;
}

static void on_call(void *data, int rv, const riptd_call_rec *rec) {
  res *r = data;
  on_done(r, rv);
  r->rec = rec;
  assert_true((rv == 0 || rv == RIPTD_STORE_CONFLICT) == (rec != NULL));
  if (rec)
    assert_int_equal(riptd_call_rec_copy(&r->c, rec), 0);
}

static void on_cert(void *data, int rv, const riptd_cert_rec *rec) {
  res *r = data;
  on_done(r, rv);
  r->rec = rec;
  assert_true((rv == 0) == (rec != NULL));
  if (rec)
    assert_int_equal(riptd_cert_rec_copy(&r->t, rec), 0);
}

/* Runs the loop until |r| is done; an operation never completes inside
 * the call that starts it, so it is not done yet. */
static int wait_res(fx *f, res *r) {
  assert_int_equal(r->done, 0);
  while (!r->done)
    uv_run(&f->loop, UV_RUN_ONCE);
  assert_int_equal(r->done, 1);
  return r->rv;
}

static int h_add(fx *f, riptd_store *s, const riptd_handler_rec *rec,
                 int64_t limit) {
  res r = {0};
  riptd_store_handler_add(s, rec, limit, on_done, &r);
  return wait_res(f, &r);
}

static int h_replace(fx *f, const riptd_handler_rec *rec) {
  res r = {0};
  riptd_store_handler_replace(f->s, rec, on_done, &r);
  return wait_res(f, &r);
}

/* The handler's advertisement (or NULL when it has none), in |r|. */
static int h_get(fx *f, riptd_store *s, const char *customer, const char *tg,
                 const char *id, res *r) {
  memset(r, 0, sizeof(*r));
  riptd_store_handler_get(s, customer, tg, id, on_handler, r);
  return wait_res(f, r);
}

static int h_remove(fx *f, const char *customer, const char *tg,
                    const char *id) {
  res r = {0};
  riptd_store_handler_remove(f->s, customer, tg, id, on_done, &r);
  return wait_res(f, &r);
}

static int h_list(fx *f, const char *customer, const char *tg, res *r) {
  memset(r, 0, sizeof(*r));
  riptd_store_handler_list(f->s, customer, tg, on_handlers, r);
  return wait_res(f, r);
}

static int c_add(fx *f, riptd_store *s, const riptd_call_rec *rec,
                 int64_t limit, int64_t now, res *r) {
  memset(r, 0, sizeof(*r));
  riptd_store_call_add(s, rec, limit, now, on_call, r);
  return wait_res(f, r);
}

static int c_get(fx *f, riptd_store *s, const char *uuid, int64_t now, res *r) {
  memset(r, 0, sizeof(*r));
  riptd_store_call_get(s, uuid, now, on_call, r);
  return wait_res(f, r);
}

static int c_update(fx *f, riptd_store *s, const riptd_call_rec *rec,
                    int64_t now, res *r) {
  memset(r, 0, sizeof(*r));
  riptd_store_call_update(s, rec, now, on_call, r);
  return wait_res(f, r);
}

static int c_remove(fx *f, const char *uuid) {
  res r = {0};
  riptd_store_call_remove(f->s, uuid, on_done, &r);
  return wait_res(f, &r);
}

/* ---- records ---- */

static riptd_handler_rec handler(const char *customer, const char *tg,
                                 const char *id, const char *adv) {
  riptd_handler_rec r = {(char *)(uintptr_t)customer, (char *)(uintptr_t)tg,
                         (char *)(uintptr_t)id, (char *)(uintptr_t)adv};
  return r;
}

#define UUID_A "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69"
#define UUID_B "00000000-0000-4000-8000-000000000000"

/* A live call of |customer| on TG main, leased from |now|. */
static riptd_call_rec call(const char *uuid, const char *customer,
                           int64_t now) {
  riptd_call_rec c;
  memset(&c, 0, sizeof(c));
  snprintf(c.uuid, sizeof(c.uuid), "%s", uuid);
  c.customer = (char *)(uintptr_t)customer;
  c.tg = (char *)"main";
  c.handler_id = (char *)"phone";
  c.from = (char *)"+15550100000";
  c.to = (char *)"+15550101001";
  c.client_directives = (char *)"";
  c.server_directives = (char *)"1 to 1: opus;";
  c.route = 3;
  c.state = RIPT_CALL_PROCEEDING;
  c.created_ms = now;
  c.state_ms = now;
  c.owner = (char *)"node-a";
  c.owner_uri = (char *)"https://a.example/.well-known/ript/providertgs/"
                        "main/calls/" UUID_A;
  c.lease_until_ms = now + LEASE;
  c.expires_ms = now + LEASE + GRACE;
  return c;
}

static void expect_call(const riptd_call_rec *got, const riptd_call_rec *want,
                        uint64_t version) {
  assert_string_equal(got->uuid, want->uuid);
  assert_string_equal(got->customer, want->customer);
  assert_string_equal(got->tg, want->tg);
  assert_string_equal(got->handler_id, want->handler_id);
  assert_string_equal(got->from, want->from);
  assert_string_equal(got->to, want->to);
  assert_string_equal(got->client_directives, want->client_directives);
  assert_string_equal(got->server_directives, want->server_directives);
  assert_int_equal(got->route, want->route);
  assert_int_equal(got->state, want->state);
  assert_int_equal(got->created_ms, want->created_ms);
  assert_int_equal(got->state_ms, want->state_ms);
  if (want->state_reason)
    assert_string_equal(got->state_reason, want->state_reason);
  else
    assert_null(got->state_reason);
  assert_int_equal(got->version, version);
  assert_string_equal(got->owner, want->owner);
  assert_string_equal(got->owner_uri, want->owner_uri);
  assert_int_equal(got->lease_until_ms, want->lease_until_ms);
  assert_int_equal(got->expires_ms, want->expires_ms);
  if (want->leg)
    assert_string_equal(got->leg, want->leg);
  else
    assert_null(got->leg);
}

/* ---- handlers ---- */

static void test_handlers(void **state) {
  fx *f = *state;
  res r;
  riptd_handler_rec a = handler("acme", "main", "b", "1 in: opus;");
  assert_int_equal(h_add(f, f->s, &a, 100), 0);
  assert_int_equal(h_add(f, f->s, &a, 100), RIPTD_STORE_EXISTS);
  /* The key is (customer, tg, id). */
  riptd_handler_rec others[] = {handler("acme", "main", "a", "1 in: PCMU;"),
                                handler("acme", "lab", "b", "x"),
                                handler("globex", "main", "b", "y")};
  for (size_t i = 0; i < 3; ++i)
    assert_int_equal(h_add(f, f->s, &others[i], 100), 0);
  assert_int_equal(h_get(f, f->s, "acme", "main", "b", &r), 0);
  assert_string_equal(r.h.advertisement, "1 in: opus;");
  assert_string_equal(r.h.customer, "acme");
  assert_string_equal(r.h.tg, "main");
  assert_string_equal(r.h.id, "b");
  res_free(&r);
  assert_int_equal(h_get(f, f->s, "acme", "main", "c", &r),
                   RIPTD_STORE_NOT_FOUND);
  assert_null(r.rec);
  assert_int_equal(h_get(f, f->s, "acme", "nope", "b", &r),
                   RIPTD_STORE_NOT_FOUND);
  /* Replace only what exists. */
  riptd_handler_rec b = handler("acme", "main", "b", "1 in: G722;");
  assert_int_equal(h_replace(f, &b), 0);
  assert_int_equal(h_get(f, f->s, "acme", "main", "b", &r), 0);
  assert_string_equal(r.h.advertisement, "1 in: G722;");
  res_free(&r);
  riptd_handler_rec missing = handler("acme", "main", "zz", "x");
  assert_int_equal(h_replace(f, &missing), RIPTD_STORE_NOT_FOUND);
  /* Lists are per (customer, tg), sorted by id. */
  assert_int_equal(h_list(f, "acme", "main", &r), 0);
  assert_int_equal(r.n, 2);
  assert_string_equal(r.list[0].id, "a");
  assert_string_equal(r.list[0].advertisement, "1 in: PCMU;");
  assert_string_equal(r.list[1].id, "b");
  res_free(&r);
  assert_int_equal(h_list(f, "nobody", "main", &r), 0);
  assert_int_equal(r.n, 0);
  assert_int_equal(h_list(f, "acme", "nope", &r), 0);
  assert_int_equal(r.n, 0);
  assert_int_equal(h_remove(f, "acme", "main", "b"), 0);
  assert_int_equal(h_remove(f, "acme", "main", "b"), RIPTD_STORE_NOT_FOUND);
  assert_int_equal(h_get(f, f->s, "acme", "main", "b", &r),
                   RIPTD_STORE_NOT_FOUND);
  assert_int_equal(h_get(f, f->s, "globex", "main", "b", &r), 0);
  res_free(&r);
  /* A handler without an advertisement keeps none. */
  riptd_handler_rec bare = handler("acme", "main", "bare", NULL);
  assert_int_equal(h_add(f, f->s, &bare, 100), 0);
  assert_int_equal(h_get(f, f->s, "acme", "main", "bare", &r), 0);
  assert_null(r.h.advertisement);
  res_free(&r);
}

/* The limit counts a customer's handlers on all TGs, before the key. */
static void test_handler_limit(void **state) {
  fx *f = *state;
  riptd_handler_rec h1 = handler("acme", "main", "h1", "x"),
                    h2 = handler("acme", "lab", "h2", "x"),
                    h3 = handler("acme", "main", "h3", "x"),
                    g1 = handler("globex", "main", "h1", "x");
  assert_int_equal(h_add(f, f->s, &h1, 2), 0);
  assert_int_equal(h_add(f, f->s, &h2, 2), 0);
  assert_int_equal(h_add(f, f->s, &h3, 2), RIPTD_STORE_LIMIT);
  assert_int_equal(h_add(f, f->s, &h1, 2), RIPTD_STORE_LIMIT);
  assert_int_equal(h_add(f, f->s, &h1, 3), RIPTD_STORE_EXISTS);
  assert_int_equal(h_add(f, f->s, &g1, 2), 0); /* globex counts its own */
  assert_int_equal(h_add(f, f->s, &g1, 0), RIPTD_STORE_LIMIT);
  assert_int_equal(h_remove(f, "acme", "lab", "h2"), 0);
  assert_int_equal(h_add(f, f->s, &h3, 2), 0);
  assert_int_equal(h_add(f, f->s, &h2, 2), RIPTD_STORE_LIMIT);
}

/* ---- calls ---- */

static void test_calls(void **state) {
  fx *f = *state;
  res r;
  riptd_call_rec c = call(UUID_A, "acme", T0);
  c.version = 42; /* ignored: an added call is version 1 */
  c.state_reason = (char *)"the first reason";
  c.leg = (char *)"{\"peer\": \"x\"}";
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  expect_call(&r.c, &c, 1);
  res_free(&r);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), RIPTD_STORE_EXISTS);
  assert_null(r.rec);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), 0);
  expect_call(&r.c, &c, 1);
  /* Compare-and-set on the version; what never changes is kept. */
  riptd_call_rec next = r.c;
  next.state = RIPT_CALL_ANSWERED;
  next.state_ms = T0 + 500;
  next.state_reason = NULL;
  next.leg = NULL;
  next.customer = (char *)"globex";
  next.tg = (char *)"lab";
  next.created_ms = 7;
  next.lease_until_ms = T0 + 500 + LEASE;
  next.expires_ms = next.lease_until_ms + GRACE;
  res u;
  assert_int_equal(c_update(f, f->s, &next, T0 + 500, &u), 0);
  next.customer = (char *)"acme";
  next.tg = (char *)"main";
  next.created_ms = T0;
  expect_call(&u.c, &next, 2);
  res_free(&u);
  /* The same version again: someone changed it first. */
  next.state = RIPT_CALL_ENDED;
  assert_int_equal(c_update(f, f->s, &next, T0 + 600, &u),
                   RIPTD_STORE_CONFLICT);
  assert_int_equal(u.c.version, 2);
  assert_int_equal(u.c.state, RIPT_CALL_ANSWERED);
  res_free(&u);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0 + 600, &r), 0);
  assert_int_equal(r.c.state, RIPT_CALL_ANSWERED);
  assert_string_equal(r.c.customer, "acme");
  assert_null(r.c.state_reason);
  assert_null(r.c.leg);
  /* Each update a version more. */
  r.c.state = RIPT_CALL_ENDED;
  assert_int_equal(c_update(f, f->s, &r.c, T0 + 700, &u), 0);
  assert_int_equal(u.c.version, 3);
  res_free(&u);
  res_free(&r);
  /* Another UUID: nothing there. */
  riptd_call_rec other = call(UUID_B, "acme", T0);
  assert_int_equal(c_update(f, f->s, &other, T0, &u), RIPTD_STORE_NOT_FOUND);
  assert_null(u.rec);
  assert_int_equal(c_get(f, f->s, UUID_B, T0, &r), RIPTD_STORE_NOT_FOUND);
  assert_null(r.rec);
  assert_int_equal(c_remove(f, UUID_B), RIPTD_STORE_NOT_FOUND);
  /* A removed call is gone; its UUID can be stored again. */
  assert_int_equal(c_remove(f, UUID_A), 0);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), RIPTD_STORE_NOT_FOUND);
  assert_int_equal(c_remove(f, UUID_A), RIPTD_STORE_NOT_FOUND);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  assert_int_equal(r.c.version, 1);
  res_free(&r);
}

/* What a record may leave out comes back left out. */
static void test_call_sparse(void **state) {
  fx *f = *state;
  res r;
  riptd_call_rec c;
  memset(&c, 0, sizeof(c));
  strcpy(c.uuid, UUID_B);
  c.customer = (char *)"acme";
  c.tg = (char *)"main";
  c.state = RIPT_CALL_ALERTING;
  c.lease_until_ms = T0;
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_B, T0 + 86400000, &r), 0);
  assert_null(r.c.handler_id);
  assert_null(r.c.from);
  assert_null(r.c.owner);
  assert_null(r.c.owner_uri);
  assert_null(r.c.leg);
  assert_int_equal(r.c.state, RIPT_CALL_ALERTING);
  assert_int_equal(r.c.expires_ms, 0); /* never goes by itself */
  res_free(&r);
}

static void test_certs(void **state) {
  fx *f = *state;
  res r = {0};
  riptd_cert_rec c = {(char *)"https://a/certs/01", (char *)"main",
                      (char *)"acme", (char *)"+15550100000",
                      (char *)"-----BEGIN CERTIFICATE-----\n"};
  riptd_store_cert_add(f->s, &c, on_done, &r);
  assert_int_equal(wait_res(f, &r), 0);
  memset(&r, 0, sizeof(r));
  riptd_store_cert_add(f->s, &c, on_done, &r);
  assert_int_equal(wait_res(f, &r), RIPTD_STORE_EXISTS);
  memset(&r, 0, sizeof(r));
  riptd_store_cert_get(f->s, "https://a/certs/01", on_cert, &r);
  assert_int_equal(wait_res(f, &r), 0);
  assert_string_equal(r.t.url, c.url);
  assert_string_equal(r.t.tg, "main");
  assert_string_equal(r.t.customer, "acme");
  assert_string_equal(r.t.tn, "+15550100000");
  assert_string_equal(r.t.chain_pem, c.chain_pem);
  res_free(&r);
  riptd_store_cert_get(f->s, "https://a/certs/02", on_cert, &r);
  assert_int_equal(wait_res(f, &r), RIPTD_STORE_NOT_FOUND);
  assert_null(r.rec);
}

/* Missing keys are refused, later, like every other result. */
static void test_invalid(void **state) {
  fx *f = *state;
  res r = {0};
  riptd_handler_rec nocust = handler(NULL, "main", "x", "y");
  riptd_handler_rec noid = handler("acme", "main", NULL, "y");
  assert_int_equal(h_add(f, f->s, &nocust, 10), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_add(f, f->s, &noid, 10), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_replace(f, &noid), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_get(f, f->s, "acme", NULL, "x", &r),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_get(f, f->s, "acme", "main", NULL, &r),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_remove(f, NULL, "main", "x"), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(h_list(f, "acme", NULL, &r), RIPT_ERR_INVALID_ARGUMENT);
  riptd_call_rec c = call("", "acme", T0);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(c_update(f, f->s, &c, T0, &r), RIPT_ERR_INVALID_ARGUMENT);
  c = call(UUID_A, NULL, T0);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(c_get(f, f->s, NULL, T0, &r), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(c_get(f, f->s, UUID_A "x", T0, &r),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(c_remove(f, NULL), RIPT_ERR_INVALID_ARGUMENT);
  riptd_cert_rec t = {NULL, NULL, NULL, NULL, NULL};
  memset(&r, 0, sizeof(r));
  riptd_store_cert_add(f->s, &t, on_done, &r);
  assert_int_equal(wait_res(f, &r), RIPT_ERR_INVALID_ARGUMENT);
  memset(&r, 0, sizeof(r));
  riptd_store_cert_get(f->s, NULL, on_cert, &r);
  assert_int_equal(wait_res(f, &r), RIPT_ERR_INVALID_ARGUMENT);
}

/* Records are copied in when an operation starts and out for its
 * callback: nothing the caller holds points into the store. */
static void test_copies(void **state) {
  fx *f = *state;
  char customer[] = "acme", adv[] = "1 in: opus;", to[] = "+15550101001";
  riptd_handler_rec h = handler(customer, "main", "x", adv);
  res r = {0};
  riptd_store_handler_add(f->s, &h, 10, on_done, &r);
  strcpy(adv, "garbage!!!!");
  strcpy(customer, "zzzz");
  assert_int_equal(wait_res(f, &r), 0);
  assert_int_equal(h_get(f, f->s, "acme", "main", "x", &r), 0);
  assert_string_equal(r.h.advertisement, "1 in: opus;");
  assert_ptr_not_equal(r.rec, &h);
  res_free(&r);
  riptd_call_rec c = call(UUID_A, "acme", T0);
  c.to = to;
  riptd_store_call_add(f->s, &c, 10, T0, on_call, &r);
  strcpy(to, "+19999999999");
  memset(c.uuid, 'x', RIPT_URI_UUID_LEN);
  assert_int_equal(wait_res(f, &r), 0);
  assert_string_equal(r.c.to, "+15550101001");
  assert_ptr_not_equal(r.rec, &c);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), 0);
  assert_string_equal(r.c.to, "+15550101001");
  res_free(&r);
}

static void on_call_scribble(void *data, int rv, const riptd_call_rec *rec) {
  on_call(data, rv, rec);
  /* A callback that (wrongly) writes on what it got changes nothing. */
  riptd_call_rec *w = (riptd_call_rec *)(uintptr_t)rec;
  w->state = RIPT_CALL_FAILED;
  w->to[0] = 'X';
}

static void test_copies_out(void **state) {
  fx *f = *state;
  res r = {0};
  riptd_call_rec c = call(UUID_A, "acme", T0);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  res_free(&r);
  riptd_store_call_get(f->s, UUID_A, T0, on_call_scribble, &r);
  assert_int_equal(wait_res(f, &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), 0);
  assert_int_equal(r.c.state, RIPT_CALL_PROCEEDING);
  assert_string_equal(r.c.to, "+15550101001");
  res_free(&r);
}

/* Two updates started with the same version: one wins, the other gets
 * RIPTD_STORE_CONFLICT with the winner's record. */
static void race(fx *f, riptd_store *s1, riptd_store *s2) {
  res r;
  riptd_call_rec c = call(UUID_A, "acme", T0);
  assert_int_equal(c_add(f, s1, &c, 10, T0, &r), 0);
  riptd_call_rec a = r.c, b = r.c;
  a.state = RIPT_CALL_ALERTING;
  a.state_reason = (char *)"a";
  b.state = RIPT_CALL_ANSWERED;
  b.state_reason = (char *)"b";
  res ra = {0}, rb = {0};
  riptd_store_call_update(s1, &a, T0 + 1, on_call, &ra);
  riptd_store_call_update(s2, &b, T0 + 1, on_call, &rb);
  assert_int_equal(ra.done + rb.done, 0);
  while (!ra.done || !rb.done)
    uv_run(&f->loop, UV_RUN_ONCE);
  res *win = ra.rv == 0 ? &ra : &rb, *lose = ra.rv == 0 ? &rb : &ra;
  assert_int_equal(win->rv, 0);
  assert_int_equal(lose->rv, RIPTD_STORE_CONFLICT);
  assert_int_equal(win->c.version, 2);
  assert_int_equal(lose->c.version, 2);
  assert_int_equal(lose->c.state, win->c.state);
  assert_string_equal(lose->c.state_reason, win->c.state_reason);
  res_free(&ra);
  res_free(&rb);
  /* What is stored is the winner's. */
  assert_int_equal(c_get(f, s2, UUID_A, T0 + 2, &ra), 0);
  assert_int_equal(ra.c.version, 2);
  assert_int_equal(ra.c.state,
                   win == &ra ? RIPT_CALL_ALERTING : RIPT_CALL_ANSWERED);
  res_free(&ra);
  res_free(&r);
}

static void test_conflict(void **state) {
  fx *f = *state;
  race(f, f->s, f->s);
}

/* The live-call limit counts calls neither terminal nor orphaned. */
static void test_live_limit(void **state) {
  fx *f = *state;
  res r;
  static const char *const uuids[] = {"00000000-0000-4000-8000-000000000001",
                                      "00000000-0000-4000-8000-000000000002",
                                      "00000000-0000-4000-8000-000000000003",
                                      "00000000-0000-4000-8000-000000000004",
                                      "00000000-0000-4000-8000-000000000005"};
  riptd_call_rec c1 = call(uuids[0], "acme", T0),
                 c2 = call(uuids[1], "acme", T0),
                 c3 = call(uuids[2], "acme", T0),
                 c4 = call(uuids[4], "acme", T0),
                 g1 = call(uuids[3], "globex", T0);
  /* No expiry here: the lease alone decides. */
  c1.expires_ms = c2.expires_ms = c3.expires_ms = c4.expires_ms = 0;
  assert_int_equal(c_add(f, f->s, &c1, 2, T0, &r), 0);
  res_free(&r);
  assert_int_equal(c_add(f, f->s, &c2, 2, T0, &r), 0);
  res_free(&r);
  assert_int_equal(c_add(f, f->s, &c3, 2, T0, &r), RIPTD_STORE_LIMIT);
  assert_null(r.rec);
  /* The limit comes before the key. */
  assert_int_equal(c_add(f, f->s, &c1, 2, T0, &r), RIPTD_STORE_LIMIT);
  assert_int_equal(c_add(f, f->s, &c1, 3, T0, &r), RIPTD_STORE_EXISTS);
  assert_int_equal(c_add(f, f->s, &g1, 1, T0, &r), 0); /* its own count */
  res_free(&r);
  /* A terminal call does not count. */
  assert_int_equal(c_get(f, f->s, uuids[0], T0, &r), 0);
  riptd_call_rec ended = r.c;
  ended.state = RIPT_CALL_DECLINED;
  res u;
  assert_int_equal(c_update(f, f->s, &ended, T0 + 1, &u), 0);
  res_free(&u);
  res_free(&r);
  assert_int_equal(c_add(f, f->s, &c3, 2, T0 + 2, &r), 0);
  res_free(&r);
  /* c2 and c3 count. */
  assert_int_equal(c_add(f, f->s, &c4, 2, T0 + 3, &r), RIPTD_STORE_LIMIT);
  /* A lease run out by more than the grace: the owner died, nobody took
   * the call over, it is over. c2 and c3 were leased at T0. */
  int64_t late = T0 + LEASE + GRACE;
  assert_int_equal(c_add(f, f->s, &c4, 2, late, &r), RIPTD_STORE_LIMIT);
  assert_int_equal(c_add(f, f->s, &c4, 2, late + 1, &r), 0);
  res_free(&r);
  /* A renewed lease counts: c4 was leased at T0 too, so renew it. */
  assert_int_equal(c_get(f, f->s, uuids[4], late + 1, &r), 0);
  riptd_call_rec renewed = r.c;
  riptd_store_call_lease(f->s, &renewed, 0, late + 1);
  assert_string_equal(renewed.owner, "node-a");
  assert_int_equal(renewed.lease_until_ms, late + 1 + LEASE);
  assert_int_equal(renewed.expires_ms, late + 1 + LEASE + GRACE);
  assert_int_equal(c_update(f, f->s, &renewed, late + 1, &u), 0);
  res_free(&u);
  riptd_call_rec c5 = call(uuids[1], "acme", late + 1);
  assert_int_equal(c_add(f, f->s, &c5, 1, late + 2, &u), RIPTD_STORE_LIMIT);
  res_free(&r);
}

static void test_is_live(void **state) {
  (void)state;
  riptd_call_rec c = call(UUID_A, "acme", T0);
  assert_true(riptd_call_rec_is_live(&c, T0, GRACE));
  assert_true(riptd_call_rec_is_live(&c, T0 + LEASE + GRACE - 1, GRACE));
  assert_false(riptd_call_rec_is_live(&c, T0 + LEASE + GRACE, GRACE));
  assert_true(riptd_call_rec_is_live(&c, T0 + LEASE, 0));
  assert_false(riptd_call_rec_is_live(&c, T0 + LEASE + 1, 0));
  c.expires_ms = 0;
  assert_true(riptd_call_rec_is_live(&c, T0 + LEASE + GRACE, GRACE));
  c.state = RIPT_CALL_NOANSWER;
  assert_false(riptd_call_rec_is_live(&c, T0, GRACE));
  c.state = RIPT_CALL_ANSWERED;
  c.expires_ms = T0;
  assert_false(riptd_call_rec_is_live(&c, T0, GRACE));
}

/* A record disappears at its expiry, for every operation. */
static void test_ttl(void **state) {
  fx *f = *state;
  res r, u;
  riptd_call_rec c = call(UUID_A, "acme", T0);
  c.state = RIPT_CALL_ENDED;
  c.expires_ms = T0 + 300000; /* 5 minutes after its end */
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0 + 299999, &r), 0);
  riptd_call_rec old = r.c;
  assert_int_equal(c_update(f, f->s, &old, T0 + 300000, &u),
                   RIPTD_STORE_NOT_FOUND);
  assert_int_equal(c_get(f, f->s, UUID_A, T0 + 300000, &u),
                   RIPTD_STORE_NOT_FOUND);
  res_free(&r);
  /* Its UUID is free again. */
  c = call(UUID_A, "acme", T0 + 300000);
  assert_int_equal(c_add(f, f->s, &c, 10, T0 + 300000, &r), 0);
  assert_int_equal(r.c.version, 1);
  res_free(&r);
  /* An expired live call neither counts nor shows. */
  riptd_call_rec b = call(UUID_B, "acme", T0 + 300000);
  b.expires_ms = T0 + 300001;
  b.lease_until_ms = T0 + 400000;
  assert_int_equal(c_add(f, f->s, &b, 2, T0 + 300000, &r), 0);
  res_free(&r);
  riptd_call_rec x =
      call("00000000-0000-4000-8000-00000000000a", "acme", T0 + 300001);
  assert_int_equal(c_add(f, f->s, &x, 2, T0 + 300000, &r), RIPTD_STORE_LIMIT);
  assert_int_equal(c_add(f, f->s, &x, 2, T0 + 300001, &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_B, T0 + 300001, &r),
                   RIPTD_STORE_NOT_FOUND);
  /* A later |now| does not bring it back for an earlier one. */
  assert_int_equal(c_get(f, f->s, UUID_B, T0 + 300000, &r),
                   RIPTD_STORE_NOT_FOUND);
}

/* Enough records to make every table grow several times. */
static void test_many(void **state) {
  fx *f = *state;
  enum { N = 3000 };
  char id[32], uuid[40];
  res r;
  for (int i = 0; i < N; ++i) {
    snprintf(id, sizeof(id), "h%05d", i);
    riptd_handler_rec h =
        handler(i % 2 ? "acme" : "globex", "main", id, "1 in: opus;");
    assert_int_equal(h_add(f, f->s, &h, N), 0);
    snprintf(uuid, sizeof(uuid), "%08d-0000-4000-8000-000000000000", i);
    riptd_call_rec c = call(uuid, "acme", T0);
    c.handler_id = id;
    if (i % 3 == 0)
      c.state = RIPT_CALL_ENDED;
    assert_int_equal(c_add(f, f->s, &c, N, T0, &r), 0);
    res_free(&r);
  }
  for (int i = 1; i < N; i += 14) {
    snprintf(id, sizeof(id), "h%05d", i);
    assert_int_equal(h_remove(f, "acme", "main", id), 0);
  }
  assert_int_equal(h_list(f, "acme", "main", &r), 0);
  assert_int_equal(r.n, N / 2 - (N / 2 + 6) / 7);
  for (size_t i = 1; i < r.n; ++i)
    assert_true(strcmp(r.list[i - 1].id, r.list[i].id) < 0);
  res_free(&r);
  assert_int_equal(
      c_get(f, f->s, "00002999-0000-4000-8000-000000000000", T0, &r), 0);
  assert_string_equal(r.c.handler_id, "h02999");
  res_free(&r);
  /* Two thirds of the calls are live: one more is at the limit. */
  riptd_call_rec c = call(UUID_A, "acme", T0);
  assert_int_equal(c_add(f, f->s, &c, N - N / 3, T0, &r), RIPTD_STORE_LIMIT);
  assert_int_equal(c_add(f, f->s, &c, N - N / 3 + 1, T0, &r), 0);
  res_free(&r);
}

/* ---- what only some backends do ---- */

/* Two store objects on one database see each other's writes and
 * conflict. */
static void test_shared(void **state) {
  fx *f = *state;
  if (!f->b->shared)
    skip();
  riptd_store *other = NULL;
  riptd_store_config cfg = f->cfg;
  cfg.node_id = "node-b";
  f->b->open(&other, &f->loop, &cfg, f->dir);
  res r;
  riptd_handler_rec h = handler("acme", "main", "x", "1 in: opus;");
  assert_int_equal(h_add(f, f->s, &h, 1), 0);
  assert_int_equal(h_get(f, other, "acme", "main", "x", &r), 0);
  res_free(&r);
  riptd_handler_rec h2 = handler("acme", "lab", "y", "1 in: opus;");
  assert_int_equal(h_add(f, other, &h2, 1), RIPTD_STORE_LIMIT);
  race(f, f->s, other);
  /* The live calls of both count against one limit. */
  riptd_call_rec c = call(UUID_B, "acme", T0);
  assert_int_equal(c_add(f, other, &c, 1, T0, &r), RIPTD_STORE_LIMIT);
  assert_int_equal(c_add(f, other, &c, 2, T0, &r), 0);
  res_free(&r);
  riptd_store_call_lease(other, &c, 0, T0);
  assert_string_equal(c.owner, "node-b");
  close_store(f, other);
}

/* What was written is there for the store opened next. */
static void test_durable(void **state) {
  fx *f = *state;
  if (!f->b->durable)
    skip();
  res r;
  riptd_handler_rec h = handler("acme", "main", "x", "1 in: opus;");
  assert_int_equal(h_add(f, f->s, &h, 10), 0);
  riptd_call_rec c = call(UUID_A, "acme", T0);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  riptd_call_rec next = r.c;
  next.state = RIPT_CALL_ANSWERED;
  res u;
  assert_int_equal(c_update(f, f->s, &next, T0, &u), 0);
  res_free(&u);
  res_free(&r);
  close_store(f, f->s);
  f->s = NULL;
  f->b->open(&f->s, &f->loop, &f->cfg, f->dir);
  assert_int_equal(h_get(f, f->s, "acme", "main", "x", &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), 0);
  assert_int_equal(r.c.state, RIPT_CALL_ANSWERED);
  assert_int_equal(r.c.version, 2);
  res_free(&r);
}

/* A backend that cannot be used now says so, and recovers. */
static void test_unavailable(void **state) {
  fx *f = *state;
  if (!f->b->block)
    skip();
  res r;
  riptd_handler_rec h = handler("acme", "main", "x", "1 in: opus;");
  riptd_call_rec c = call(UUID_A, "acme", T0);
  void *token = f->b->block(f->dir);
  assert_int_equal(h_add(f, f->s, &h, 10), RIPTD_STORE_UNAVAILABLE);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), RIPTD_STORE_UNAVAILABLE);
  assert_null(r.rec);
  f->b->unblock(token);
  assert_int_equal(h_add(f, f->s, &h, 10), 0);
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  riptd_call_rec next = r.c;
  token = f->b->block(f->dir);
  res u;
  assert_int_equal(c_update(f, f->s, &next, T0, &u), RIPTD_STORE_UNAVAILABLE);
  assert_null(u.rec);
  f->b->unblock(token);
  assert_int_equal(c_update(f, f->s, &next, T0, &u), 0);
  res_free(&u);
  res_free(&r);
}

typedef struct closing {
  fx *f;
  riptd_store *s;
  res first, late;
  int closed;
} closing;

static void on_closing_add(void *data, int rv, const riptd_call_rec *rec) {
  closing *cl = data;
  on_call(&cl->first, rv, rec);
  assert_int_equal(cl->closed, 0);
  /* Started after the close began: refused, but still later. */
  riptd_store_call_get(cl->s, UUID_A, T0, on_call, &cl->late);
  assert_int_equal(cl->late.done, 0);
}

static void on_closing_closed(void *data) {
  closing *cl = data;
  assert_int_equal(cl->first.done, 1);
  assert_int_equal(cl->late.done, 1);
  ++cl->closed;
}

/* Closing with operations in flight completes them first. */
static void test_close_in_flight(void **state) {
  fx *f = *state;
  closing cl;
  memset(&cl, 0, sizeof(cl));
  cl.f = f;
  cl.s = f->s;
  res h = {0};
  riptd_handler_rec rec = handler("acme", "main", "x", "1 in: opus;");
  riptd_call_rec c = call(UUID_A, "acme", T0);
  riptd_store_handler_add(f->s, &rec, 10, on_done, &h);
  riptd_store_call_add(f->s, &c, 10, T0, on_closing_add, &cl);
  riptd_store_close(f->s, on_closing_closed, &cl);
  f->s = NULL;
  assert_int_equal(h.done + cl.first.done + cl.closed, 0);
  while (!cl.closed)
    uv_run(&f->loop, UV_RUN_ONCE);
  assert_int_equal(cl.closed, 1);
  assert_int_equal(h.rv, 0);
  assert_int_equal(cl.first.rv, 0);
  assert_int_equal(cl.late.rv, RIPTD_STORE_UNAVAILABLE);
  res_free(&cl.first);
  res_free(&cl.late);
  /* A durable store's last writes landed. */
  if (!f->b->durable)
    return;
  res r;
  f->b->open(&f->s, &f->loop, &f->cfg, f->dir);
  assert_int_equal(h_get(f, f->s, "acme", "main", "x", &r), 0);
  res_free(&r);
  assert_int_equal(c_get(f, f->s, UUID_A, T0, &r), 0);
  res_free(&r);
}

/* A store needs a node and a lease. */
static void test_config(void **state) {
  fx *f = *state;
  riptd_store *s = NULL;
  static const riptd_store_config bad[] = {{NULL, LEASE, GRACE, 0},
                                           {"", LEASE, GRACE, 0},
                                           {"n", 0, GRACE, 0},
                                           {"n", LEASE, -1, 0},
                                           {"n", LEASE, GRACE, -1}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
    assert_int_equal(riptd_store_mem_new(&s, &f->loop, &bad[i]),
                     RIPT_ERR_INVALID_ARGUMENT);
  char path[256], err[256];
  snprintf(path, sizeof(path), "%s/other.db", f->dir);
  assert_int_equal(
      riptd_store_sqlite_new(&s, &f->loop, &bad[2], path, err, sizeof(err)),
      -1);
  assert_non_null(strstr(err, "other.db: a store needs a node id and a "
                              "lease"));
  int closed = 0;
  riptd_store_close(NULL, on_closed, &closed);
  assert_int_equal(closed, 1);
}

static const struct CMUnitTest suite[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    T(test_handlers),    T(test_handler_limit),   T(test_calls),
    T(test_call_sparse), T(test_certs),           T(test_invalid),
    T(test_copies),      T(test_copies_out),      T(test_conflict),
    T(test_live_limit),  T(test_is_live),         T(test_ttl),
    T(test_many),        T(test_shared),          T(test_durable),
    T(test_unavailable), T(test_close_in_flight), T(test_config),
#undef T
};

/* ---- SQLite's own: the file it opens ---- */

static void sql_exec_file(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static int64_t sql_count_file(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void expect_open_error(fx *f, const char *path, const char *want) {
  riptd_store *s = NULL;
  char err[512], full[512];
  snprintf(full, sizeof(full), "%s: %s", path, want);
  assert_int_equal(
      riptd_store_sqlite_new(&s, &f->loop, &f->cfg, path, err, sizeof(err)),
      -1);
  assert_null(s);
  if (strncmp(err, full, strlen(full)) != 0)
    fail_msg("\"%s\", want \"%s\"", err, full);
}

static void test_sqlite_files(void **state) {
  fx *f = *state;
  char path[256];
  snprintf(path, sizeof(path), "%s/junk.db", f->dir);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("this is not a database, though it is long enough to be one: "
        "......................................................\n",
        fp);
  fclose(fp);
  expect_open_error(f, path, "file is not a database");
  snprintf(path, sizeof(path), "%s/other.db", f->dir);
  sql_exec_file(path, "CREATE TABLE t (x)");
  expect_open_error(f, path, "is another program's database, not riptd's");
  snprintf(path, sizeof(path), "%s/newer.db", f->dir);
  sql_exec_file(path, "CREATE TABLE t (x); PRAGMA application_id = "
                      "1919512692; PRAGMA user_version = 2");
  expect_open_error(f, path, "has schema version 2; this riptd knows 1");
  snprintf(path, sizeof(path), "%s/none/riptd.db", f->dir);
  expect_open_error(f, path, "cannot open: unable to open database file");
  /* The store's own file is riptd's, in WAL mode. */
  snprintf(path, sizeof(path), "%s/riptd.db", f->dir);
  assert_int_equal(sql_count_file(path, "PRAGMA user_version"), 1);
  assert_int_equal(sql_count_file(path, "PRAGMA application_id"), 0x72697074);
  assert_int_equal(sql_count_file(path, "SELECT count(*) FROM "
                                        "pragma_journal_mode "
                                        "WHERE journal_mode = 'wal'"),
                   1);
}

/* Expired calls are deleted, not only hidden. */
static void test_sqlite_purge(void **state) {
  fx *f = *state;
  char path[256];
  res r;
  snprintf(path, sizeof(path), "%s/riptd.db", f->dir);
  riptd_call_rec c = call(UUID_A, "acme", T0);
  c.expires_ms = T0 + 10;
  assert_int_equal(c_add(f, f->s, &c, 10, T0, &r), 0);
  res_free(&r);
  assert_int_equal(sql_count_file(path, "SELECT count(*) FROM calls"), 1);
  riptd_call_rec b = call(UUID_B, "acme", T0 + 10);
  assert_int_equal(c_add(f, f->s, &b, 10, T0 + 10, &r), 0);
  res_free(&r);
  assert_int_equal(sql_count_file(path, "SELECT count(*) FROM calls"), 1);
}

static const struct CMUnitTest sqlite_suite[] = {
    cmocka_unit_test_setup_teardown(test_sqlite_files, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sqlite_purge, setup, teardown),
};

int main(void) {
  int failed = 0;
  for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); ++i) {
    current = &backends[i];
    failed += _cmocka_run_group_tests(
        backends[i].name, suite, sizeof(suite) / sizeof(suite[0]), NULL, NULL);
  }
  current = &backends[1];
  failed +=
      cmocka_run_group_tests_name("sqlite files", sqlite_suite, NULL, NULL);
  return failed;
}

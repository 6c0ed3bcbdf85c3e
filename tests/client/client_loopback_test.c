/*
 * The client library against a scripted server on 127.0.0.1 (port 0),
 * over HTTP/3 and HTTP/2: what each operation sends, and what it makes of
 * answers riptd never gives (malformed documents, bodies without error
 * documents, silence, huge bodies, certificates for the wrong key or
 * number), closing with operations pending, and out of memory at every
 * allocation of starting and of reading a response. Every loop run is
 * bounded by a guard timer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ript/client.h"
#include "testutil.h"

static const ript_http_version versions[] = {RIPT_HTTP_2, RIPT_HTTP_3};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

enum { GUARD_MS = 30000, MAX_SEEN = 16, BIG_BODY = 2 << 20 }; /* a hang bound only */

static const char token[] = "test-token-0001";
static const char number[] = "+15550100000";

/* How the server answers a route. */
typedef enum {
  ANSWER,       /* status, content type, location, body */
  HANG,         /* never */
  BIG,          /* 200 with BIG_BODY bytes */
  ISSUE,        /* issue a certificate for the CSR in the body */
  ISSUE_OTHER_KEY,
  ISSUE_OTHER_NUMBER,
} mode;

/* Bodies and locations may say "$B" for https://127.0.0.1:PORT. */
typedef struct route {
  const char *method;
  const char *path;
  mode how;
  int status;
  const char *location;
  const char *body;
} route;

typedef struct seen {
  char *method, *path, *authorization, *content_type, *accept;
  ript_buf body;
} seen;

typedef struct fx {
  uv_loop_t loop;
  uv_timer_t guard;
  int guard_fired;
  ript_http_server *server;
  ript_client *client;
  char base[64];
  const route *routes;
  size_t nroutes;
  seen seen[MAX_SEEN];
  size_t nseen;
  /* what the last callback got */
  int calls;
  ript_client_result res;
  char line[1024];
  char got[8][256]; /* strings from the documents */
  size_t ngot;
} fx;

/* Test-wide: TLS files and a STIR CA. */
static char tls_dir[64];
static char ca_file[128];
static ript_stir_key *stir_key;
static ript_stir_cert *stir_ca;

static int group_setup(void **state) {
  (void)state;
  strcpy(tls_dir, "/tmp/ript-client-XXXXXX");
  if (!mkdtemp(tls_dir) || ript_tls_dev_certs(tls_dir, NULL, 0) != 0)
    return -1;
  snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", tls_dir);
  const uint8_t serial[] = {1};
  ript_stir_cert_terms terms = {serial, 1, 1577836800, 2208988800};
  if (ript_stir_key_generate(&stir_key, NULL) != 0 ||
      ript_stir_cert_create_ca(&stir_ca, stir_key, "Test STIR CA", NULL,
                               &terms, NULL) != 0)
    return -1;
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
  ript_stir_cert_del(stir_ca);
  ript_stir_key_del(stir_key);
  return rmdir(tls_dir);
}

/* ---- the scripted server ---- */

typedef struct sx {
  fx *f;
  seen *s;
  ript_buf body;
} sx;

/* |text| with "$B" replaced by the base URL. */
static void expand(const fx *f, const char *text, ript_buf *out) {
  for (const char *p = text; *p;) {
    const char *b = strstr(p, "$B");
    size_t n = b ? (size_t)(b - p) : strlen(p);
    assert_int_equal(ript_buf_append(out, p, n), 0);
    if (!b)
      break;
    assert_int_equal(ript_buf_append_str(out, f->base), 0);
    p = b + 2;
  }
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static const route *find_route(const fx *f, const char *method,
                               const char *path) {
  for (size_t i = 0; i < f->nroutes; ++i)
    if (strcmp(f->routes[i].method, method) == 0 &&
        strcmp(f->routes[i].path, path) == 0)
      return &f->routes[i];
  return NULL;
}

/* Issues a certificate for the CSR in |csr| (or, for the other modes, for
 * another key or number) and appends its PEM to |out|. */
static void issue(mode how, const ript_buf *csr, ript_buf *out) {
  ript_stir_csr *req = NULL;
  assert_int_equal(ript_stir_csr_parse(&req, csr->data, csr->len, NULL, NULL),
                   0);
  assert_string_equal(ript_stir_csr_tn(req), number + 1);
  if (how == ISSUE_OTHER_KEY) {
    ript_stir_key *other = NULL;
    ript_buf pem;
    ript_buf_init(&pem, NULL);
    assert_int_equal(ript_stir_key_generate(&other, NULL), 0);
    assert_int_equal(
        ript_stir_csr_create(other, number, RIPT_STIR_FORMAT_DER, &pem), 0);
    ript_stir_csr_del(req);
    assert_int_equal(ript_stir_csr_parse(&req, pem.data, pem.len, NULL, NULL),
                     0);
    ript_stir_key_del(other);
    ript_buf_free(&pem);
  }
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_one(
                       &grant, how == ISSUE_OTHER_NUMBER ? "15550100001"
                                                         : number + 1),
                   0);
  const uint8_t serial[] = {0x42};
  ript_stir_cert_terms terms = {serial, 1, 1577836800, 1893456000};
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_cert_issue(&cert, req, &grant, stir_ca, stir_key,
                                        &terms, NULL),
                   0);
  assert_int_equal(ript_stir_cert_export(cert, RIPT_STIR_FORMAT_PEM, out), 0);
  assert_int_equal(ript_stir_cert_export(stir_ca, RIPT_STIR_FORMAT_PEM, out),
                   0);
  ript_stir_cert_del(cert);
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(req);
}

static void answer(ript_http_exchange *ex, fx *f, const route *r,
                   const ript_buf *request_body) {
  ript_buf body, location;
  ript_buf_init(&body, NULL);
  ript_buf_init(&location, NULL);
  int status = r ? r->status : 404;
  const char *type = "application/json";
  if (!r) {
    assert_int_equal(ript_buf_append_str(&body, "{}"), 0);
  } else if (r->how == BIG) {
    assert_int_equal(ript_buf_reserve(&body, BIG_BODY), 0);
    memset(body.data, ' ', BIG_BODY);
    body.len = BIG_BODY;
  } else if (r->how >= ISSUE) {
    type = "application/pem-certificate-chain";
    issue(r->how, request_body, &body);
  } else if (r->body) {
    expand(f, r->body, &body);
  }
  if (r && r->location)
    expand(f, r->location, &location);
  ript_http_header h[2] = {{"content-type", type},
                           {"location", (const char *)location.data}};
  assert_int_equal(ript_http_exchange_respond(ex, status, h,
                                              r && r->location ? 2 : 1,
                                              body.len ? RIPT_HTTP_FLAG_NONE
                                                       : RIPT_HTTP_FLAG_END),
                   0);
  if (body.len) {
    assert_int_equal(ript_http_exchange_write(ex, body.data, body.len), 0);
    assert_int_equal(ript_http_exchange_end(ex), 0);
  }
  ript_buf_free(&body);
  ript_buf_free(&location);
}

static void server_on_body(ript_http_exchange *ex, const uint8_t *data,
                           size_t len, void *user_data) {
  sx *x = user_data;
  (void)ex;
  assert_int_equal(ript_buf_append(&x->body, data, len), 0);
}

static void server_on_body_end(ript_http_exchange *ex, void *user_data) {
  sx *x = user_data;
  if (x->s)
    assert_int_equal(ript_buf_append(&x->s->body, x->body.data, x->body.len),
                     0);
  const route *r = find_route(x->f, ript_http_exchange_method(ex),
                              ript_http_exchange_path(ex));
  if (!r || r->how != HANG)
    answer(ex, x->f, r, &x->body);
}

static void server_on_close(ript_http_exchange *ex, int error,
                            void *user_data) {
  sx *x = user_data;
  (void)ex, (void)error;
  ript_buf_free(&x->body);
  free(x);
}

static void server_on_request(ript_http_exchange *ex, void *user_data) {
  fx *f = user_data;
  sx *x = calloc(1, sizeof(*x));
  assert_non_null(x);
  x->f = f;
  ript_buf_init(&x->body, NULL);
  if (f->nseen < MAX_SEEN) {
    seen *s = x->s = &f->seen[f->nseen++];
    s->method = dup_or_null(ript_http_exchange_method(ex));
    s->path = dup_or_null(ript_http_exchange_path(ex));
    s->authorization =
        dup_or_null(ript_http_exchange_header(ex, "authorization"));
    s->content_type = dup_or_null(ript_http_exchange_header(ex, "content-type"));
    s->accept = dup_or_null(ript_http_exchange_header(ex, "accept"));
    ript_buf_init(&s->body, NULL);
  }
  ript_http_exchange_callbacks cbs = {NULL, server_on_body,
                                      server_on_body_end, NULL,
                                      server_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, x);
}

static void forget_seen(fx *f) {
  for (size_t i = 0; i < f->nseen; ++i) {
    seen *s = &f->seen[i];
    free(s->method), free(s->path), free(s->authorization);
    free(s->content_type), free(s->accept);
    ript_buf_free(&s->body);
  }
  f->nseen = 0;
}

/* ---- the fixture: a server and a client per HTTP version ---- */

static void on_guard(uv_timer_t *t) {
  fx *f = t->data;
  f->guard_fired = 1;
}

static void fx_client(fx *f, ript_http_version v, uint64_t timeout_ms,
                      const ript_mem *mem) {
  char root[128];
  snprintf(root, sizeof(root), "%s/.well-known/ript", f->base);
  ript_client_config cfg = {v, root, token, ca_file, timeout_ms, 0, 0};
  assert_int_equal(ript_client_new(&f->client, &f->loop, &cfg, mem), 0);
}

static void fx_start(fx *f, ript_http_version v, const route *routes,
                     size_t nroutes, uint64_t timeout_ms) {
  memset(f, 0, sizeof(*f));
  assert_int_equal(uv_loop_init(&f->loop), 0);
  uv_timer_init(&f->loop, &f->guard);
  f->guard.data = f;
  f->routes = routes;
  f->nroutes = nroutes;
  char cert[160], key[160];
  snprintf(cert, sizeof(cert), "%s/server.pem", tls_dir);
  snprintf(key, sizeof(key), "%s/server-key.pem", tls_dir);
  ript_http_server_config scfg = {
      .address = "127.0.0.1", .cert_file = cert, .key_file = key};
  ript_http_server_callbacks scbs;
  memset(&scbs, 0, sizeof(scbs));
  scbs.on_request = server_on_request;
  /* Port 0 is resolved by the TCP bind; the UDP bind of the same number
   * fails when another socket (a parallel test's) holds it: try again. */
  int rv = RIPT_ERR_HTTP_CLOSED;
  for (int i = 0; i < 10 && rv == RIPT_ERR_HTTP_CLOSED; ++i)
    rv = ript_http_server_new(&f->server, &f->loop, &scfg, &scbs, f);
  assert_int_equal(rv, 0);
  snprintf(f->base, sizeof(f->base), "https://127.0.0.1:%u",
           ript_http_server_port(f->server));
  fx_client(f, v, timeout_ms, NULL);
}

/* Runs the loop until |calls| callbacks have come. */
static void fx_wait(fx *f, int calls) {
  uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
  while (f->calls < calls && !f->guard_fired)
    uv_run(&f->loop, UV_RUN_ONCE);
  uv_timer_stop(&f->guard);
  assert_false(f->guard_fired);
  assert_int_equal(f->calls, calls);
}

static void fx_close_client(fx *f) {
  if (f->client)
    ript_client_close(f->client, NULL, NULL);
  f->client = NULL;
}

static void fx_stop(fx *f) {
  fx_close_client(f);
  ript_http_server_close(f->server, NULL, NULL);
  uv_close((uv_handle_t *)&f->guard, NULL);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  forget_seen(f);
}

/* ---- recording callbacks ---- */

static void record(fx *f, const ript_client_result *res) {
  ++f->calls;
  f->res = *res;
  /* The strings are the library's, valid during the callback only. */
  f->res.method = f->res.url = f->res.error = f->res.reason = NULL;
  ript_buf line;
  ript_buf_init(&line, NULL);
  assert_int_equal(ript_client_result_describe(res, RIPT_HTTP_3, &line), 0);
  snprintf(f->line, sizeof(f->line), "%s", (const char *)line.data);
  ript_buf_free(&line);
  f->ngot = 0;
}

static void got(fx *f, const char *s) {
  snprintf(f->got[f->ngot++], sizeof(f->got[0]), "%s", s ? s : "(null)");
}

static void on_root(ript_client *c, const ript_client_result *res,
                    const ript_doc_root *root, void *user_data) {
  (void)c;
  record(user_data, res);
  assert_true((root != NULL) == (res->code == 0));
  if (root)
    got(user_data, root->providertgs);
}

static void on_list(ript_client *c, const ript_client_result *res,
                    const ript_doc_tg_list *list, void *user_data) {
  (void)c;
  record(user_data, res);
  assert_true((list != NULL) == (res->code == 0));
  for (size_t i = 0; list && i < list->ntgs; ++i)
    got(user_data, list->tgs[i].uri);
}

static void on_discover(ript_client *c, const ript_client_result *res,
                        const ript_doc_tg_list *list, const ript_doc_tg *tgs,
                        void *user_data) {
  (void)c;
  record(user_data, res);
  assert_true((list != NULL) == (res->code == 0));
  for (size_t i = 0; list && i < list->ntgs; ++i) {
    got(user_data, tgs[i].uri);
    got(user_data, tgs[i].destinations);
  }
}

static void on_tg(ript_client *c, const ript_client_result *res,
                  const ript_doc_tg *tg, void *user_data) {
  (void)c;
  record(user_data, res);
  if (tg)
    got(user_data, tg->advertisement);
}

static void on_handler(ript_client *c, const ript_client_result *res,
                       const ript_doc_handler *h, void *user_data) {
  (void)c;
  record(user_data, res);
  assert_true((h != NULL) == (res->code == 0));
  if (h) {
    got(user_data, h->uri);
    got(user_data, h->advertisement);
  }
}

static void on_handlers(ript_client *c, const ript_client_result *res,
                        const ript_doc_handler_list *list, void *user_data) {
  (void)c;
  record(user_data, res);
  for (size_t i = 0; list && i < list->nhandlers; ++i)
    got(user_data, list->handlers[i].handler_id);
}

static void on_done(ript_client *c, const ript_client_result *res,
                    void *user_data) {
  (void)c;
  record(user_data, res);
}

static void on_cert(ript_client *c, const ript_client_result *res,
                    const ript_client_cert *cert, void *user_data) {
  (void)c;
  record(user_data, res);
  assert_true((cert != NULL) == (res->code == 0));
  if (cert) {
    got(user_data, cert->e164);
    got(user_data, cert->x5u);
    assert_non_null(strstr(cert->chain_pem, "-----BEGIN CERTIFICATE-----"));
    assert_int_equal(cert->chain_len, strlen(cert->chain_pem));
    assert_int_equal(ript_stir_cert_not_after(cert->leaf), 1893456000);
  }
}

/* ---- documents the scripted server serves ---- */

#define ROOT_DOC                                                              \
  "{\"providertgs\": \"$B/.well-known/ript/providertgs\", \"oauth\": "        \
  "\"$B/.well-known/ript-oauth\"}"
#define LIST_DOC                                                              \
  "{\"tgs\": [{\"uri\": \"$B/tgs/a\"}, {\"uri\": \"$B/tgs/b\"}]}"
#define TG_DOC(name, dest)                                                    \
  "{\"uri\": \"$B/tgs/" name "\", \"outbound\": {\"destinations\": \"" dest   \
  "\"}, \"advertisement\": \"1 in: opus;\"}"

static const route bootstrap_routes[] = {
    {"GET", "/.well-known/ript", ANSWER, 200, NULL, ROOT_DOC},
    {"GET", "/.well-known/ript/providertgs", ANSWER, 200, NULL, LIST_DOC},
    {"GET", "/tgs/a", ANSWER, 200, NULL, TG_DOC("a", "+1*")},
    {"GET", "/tgs/b", ANSWER, 200, NULL, TG_DOC("b", "+44*")},
};

static void test_bootstrap_and_discover(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], bootstrap_routes, 4, 0);
    assert_int_equal(ript_client_discover(f.client, on_discover, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, 0);
    assert_int_equal(f.res.status, 200);
    assert_int_equal(f.ngot, 4);
    char want[128];
    snprintf(want, sizeof(want), "%s/tgs/a", f.base);
    assert_string_equal(f.got[0], want);
    assert_string_equal(f.got[1], "+1*");
    snprintf(want, sizeof(want), "%s/tgs/b", f.base);
    assert_string_equal(f.got[2], want);
    assert_string_equal(f.got[3], "+44*");
    /* The root needs no token; everything else carries it. */
    assert_int_equal(f.nseen, 4);
    assert_string_equal(f.seen[0].path, "/.well-known/ript");
    assert_null(f.seen[0].authorization);
    for (size_t i = 0; i < f.nseen; ++i) {
      assert_string_equal(f.seen[i].method, "GET");
      assert_string_equal(f.seen[i].accept, "application/json");
      assert_null(f.seen[i].content_type);
      if (i > 0)
        assert_string_equal(f.seen[i].authorization,
                            "Bearer test-token-0001");
    }
    /* The client remembers "providertgs": no second bootstrap. */
    assert_int_equal(ript_client_tg_list(f.client, on_list, &f), 0);
    fx_wait(&f, 2);
    assert_int_equal(f.res.code, 0);
    assert_int_equal(f.ngot, 2);
    assert_int_equal(f.nseen, 5);
    assert_string_equal(f.seen[4].path, "/.well-known/ript/providertgs");
    assert_int_equal(ript_client_bootstrap(f.client, on_root, &f), 0);
    fx_wait(&f, 3);
    snprintf(want, sizeof(want), "%s/.well-known/ript/providertgs", f.base);
    assert_string_equal(f.got[0], want);
    snprintf(want, sizeof(want), "%s/tgs/b", f.base);
    assert_int_equal(ript_client_tg_get(f.client, want, on_tg, &f), 0);
    fx_wait(&f, 4);
    assert_int_equal(f.res.code, 0);
    assert_string_equal(f.got[0], "1 in: opus;");
    fx_stop(&f);
  }
}

/* Runs discovery against |routes| and checks the one-line result ("$B"
 * for the base URL). */
static void discover_fails(const route *routes, size_t n, int code,
                           int status, const char *line) {
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], routes, n, 0);
    assert_int_equal(ript_client_discover(f.client, on_discover, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, code);
    assert_int_equal(f.res.status, status);
    ript_buf want;
    ript_buf_init(&want, NULL);
    expand(&f, line, &want);
    assert_string_equal(f.line, (const char *)want.data);
    ript_buf_free(&want);
    fx_stop(&f);
  }
}

static void test_discover_failures(void **state) {
  (void)state;
  /* The first failure in list order is reported, after all are done. */
  const route two_bad[] = {
      bootstrap_routes[0],
      bootstrap_routes[1],
      {"GET", "/tgs/a", ANSWER, 200, NULL, "{\"uri\": 3}"},
      {"GET", "/tgs/b", ANSWER, 500, NULL, NULL},
  };
  discover_fails(two_bad, 4, RIPT_ERR_PARSE, 200,
                 "GET $B/tgs/a: the TG description in the response is not "
                 "valid: at byte 8 expected \"uri\" as an https URI string");
  const route one_bad[] = {bootstrap_routes[0], bootstrap_routes[1],
                           bootstrap_routes[2], two_bad[3]};
  discover_fails(one_bad, 4, RIPT_ERR_HTTP_STATUS, 500,
                 "GET $B/tgs/b: 500 (the response has no error document)");
  const route denied[] = {
      bootstrap_routes[0],
      {"GET", "/.well-known/ript/providertgs", ANSWER, 401, NULL,
       "{\"status\": 401, \"error\": \"invalid-token\", \"reason\": \"the "
       "bearer token is not valid here\"}"},
  };
  discover_fails(denied, 2, RIPT_ERR_HTTP_STATUS, 401,
                 "GET $B/.well-known/ript/providertgs: 401 invalid-token: the "
                 "bearer token is not valid here");
  const route html[] = {{"GET", "/.well-known/ript", ANSWER, 404, NULL,
                         "<html>not here</html>"}};
  discover_fails(html, 1, RIPT_ERR_HTTP_STATUS, 404,
                 "GET $B/.well-known/ript: 404 (the response has no error "
                 "document)");
  const route bad_root[] = {
      {"GET", "/.well-known/ript", ANSWER, 200, NULL, "{\"providertgs\": 1}"}};
  discover_fails(bad_root, 1, RIPT_ERR_PARSE, 200,
                 "GET $B/.well-known/ript: the root document in the response "
                 "is not valid: at byte 16 expected \"providertgs\" as an "
                 "https URI");
  const route empty_root[] = {
      {"GET", "/.well-known/ript", ANSWER, 200, NULL, NULL}};
  discover_fails(empty_root, 1, RIPT_ERR_PARSE, 200,
                 "GET $B/.well-known/ript: the root document in the response "
                 "is not valid: at byte 0 expected more JSON (the document ended "
                 "early)");
  const route empty_list[] = {
      bootstrap_routes[0],
      {"GET", "/.well-known/ript/providertgs", ANSWER, 200, NULL,
       "{\"tgs\": []}"}};
  discover_fails(empty_list, 2, RIPT_ERR_PARSE, 200,
                 "GET $B/.well-known/ript/providertgs: the TG list in the "
                 "response is not valid: at byte 8 expected \"tgs\" as an array "
                 "of one or more TG objects");
}

static void test_silence_and_size(void **state) {
  (void)state;
  const route routes[] = {
      {"GET", "/.well-known/ript", HANG, 0, NULL, NULL},
      {"GET", "/big", BIG, 200, NULL, NULL},
  };
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], routes, 2, 300);
    assert_int_equal(ript_client_bootstrap(f.client, on_root, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, RIPT_ERR_HTTP_CLOSED);
    assert_true(f.res.timed_out);
    char want[512];
    snprintf(want, sizeof(want),
             "GET %.64s/.well-known/ript: no answer from %.64s within 300 ms",
             f.base, f.base + strlen("https://"));
    assert_string_equal(f.line, want);
    fx_stop(&f);
    /* The size limit, with a timeout that no loaded machine (valgrind, a
     * busy CI core) reaches while 2 MiB arrive: what fails must be the
     * limit, never the clock. */
    fx_start(&f, versions[v], routes, 2, 20000);
    char url[128];
    snprintf(url, sizeof(url), "%s/big", f.base);
    assert_int_equal(ript_client_tg_get(f.client, url, on_tg, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, RIPT_ERR_LIMIT);
    assert_false(f.res.timed_out);
    fx_stop(&f);
  }
}

#define HANDLER_DOC                                                           \
  "{\"uri\": \"$B/tg/handlers/phone\", \"handler-id\": \"phone\", "           \
  "\"advertisement\": \"1 in: PCMU;\"}"

static void test_handlers(void **state) {
  (void)state;
  const route routes[] = {
      {"POST", "/tg/handlers", ANSWER, 201, "$B/tg/handlers/phone",
       HANDLER_DOC},
      {"GET", "/tg/handlers", ANSWER, 200, NULL,
       "{\"handlers\": [" HANDLER_DOC "]}"},
      {"GET", "/tg/handlers/phone", ANSWER, 200, NULL, HANDLER_DOC},
      {"PUT", "/tg/handlers/phone", ANSWER, 200, NULL, HANDLER_DOC},
      {"DELETE", "/tg/handlers/phone", ANSWER, 204, NULL, NULL},
      {"GET", "/tg/handlers/bad", ANSWER, 200, NULL,
       "{\"handler-id\": \"bad\", \"advertisement\": \"1 in: PCMU;\"}"},
  };
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], routes, 6, 0);
    char tg[128], phone[160], bad[160];
    snprintf(tg, sizeof(tg), "%s/tg", f.base);
    snprintf(phone, sizeof(phone), "%s/tg/handlers/phone", f.base);
    snprintf(bad, sizeof(bad), "%s/tg/handlers/bad", f.base);
    assert_int_equal(ript_client_handler_add(f.client, tg, "phone",
                                             "1 in: PCMU;", on_handler, &f),
                     0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, 0);
    assert_int_equal(f.res.status, 201);
    assert_string_equal(f.got[0], phone);
    assert_string_equal(f.seen[0].method, "POST");
    assert_string_equal(f.seen[0].content_type, "application/json");
    assert_string_equal(f.seen[0].authorization, "Bearer test-token-0001");
    ript_doc_handler sent;
    ript_doc_handler_init(&sent);
    assert_int_equal(ript_doc_handler_parse(&sent,
                                            (const char *)f.seen[0].body.data,
                                            f.seen[0].body.len, 0,
                                            RIPT_DOC_REQUEST, NULL, NULL),
                     0);
    assert_string_equal(sent.handler_id, "phone");
    assert_string_equal(sent.advertisement, "1 in: PCMU;");
    assert_null(sent.uri);
    ript_doc_handler_free(&sent);

    assert_int_equal(ript_client_handler_list(f.client, tg, on_handlers, &f),
                     0);
    fx_wait(&f, 2);
    assert_int_equal(f.ngot, 1);
    assert_string_equal(f.got[0], "phone");
    assert_int_equal(ript_client_handler_get(f.client, phone, on_handler, &f),
                     0);
    fx_wait(&f, 3);
    assert_string_equal(f.got[1], "1 in: PCMU;");
    assert_int_equal(ript_client_handler_put(f.client, phone, "phone",
                                             "1 in: PCMA;", on_handler, &f),
                     0);
    fx_wait(&f, 4);
    assert_int_equal(f.res.code, 0);
    assert_string_equal(f.seen[3].method, "PUT");
    assert_non_null(strstr((const char *)f.seen[3].body.data, "1 in: PCMA;"));
    assert_int_equal(ript_client_handler_delete(f.client, phone, on_done, &f),
                     0);
    fx_wait(&f, 5);
    assert_int_equal(f.res.code, 0);
    assert_int_equal(f.res.status, 204);
    assert_string_equal(f.seen[4].method, "DELETE");
    /* A response description without "uri" is no handler description. */
    assert_int_equal(ript_client_handler_get(f.client, bad, on_handler, &f),
                     0);
    fx_wait(&f, 6);
    assert_int_equal(f.res.code, RIPT_ERR_PARSE);
    assert_non_null(strstr(f.line, ": the handler description in the "
                                   "response is not valid: at byte 0"));
    fx_stop(&f);
  }
}

/* One certificate request against |how| with |location|. */
static void cert_case(mode how, const char *location, int code,
                      const char *line_end) {
  const route routes[] = {
      {"POST", "/tg/certs", how, 201, location, "not a certificate"}};
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], routes, 1, 0);
    char tg[128];
    snprintf(tg, sizeof(tg), "%s/tg", f.base);
    assert_int_equal(
        ript_client_cert_request(f.client, tg, number, key, on_cert, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, code);
    assert_string_equal(f.seen[0].content_type, "application/pkcs10");
    assert_string_equal(f.seen[0].accept, "application/pem-certificate-chain");
    if (code == 0) {
      char want[128];
      snprintf(want, sizeof(want), "%s/tg/certs/42", f.base);
      assert_string_equal(f.got[0], number);
      assert_string_equal(f.got[1], want);
    } else {
      size_t n = strlen(f.line), m = strlen(line_end);
      assert_true(n >= m);
      assert_string_equal(f.line + n - m, line_end);
    }
    fx_stop(&f);
  }
  ript_stir_key_del(key);
}

static void test_certs(void **state) {
  (void)state;
  cert_case(ISSUE, "$B/tg/certs/42", 0, NULL);
  cert_case(ISSUE, NULL, RIPT_ERR_PARSE,
            "/tg/certs: the response has no valid Location header");
  cert_case(ISSUE, "/tg/certs/42", RIPT_ERR_PARSE,
            "/tg/certs: the Location header in the response is not valid: at "
            "byte 0 expected \"https://\"");
  cert_case(ANSWER, "$B/tg/certs/42", RIPT_ERR_PARSE,
            "/tg/certs: the certificate chain in the response is not valid: "
            "at byte 0 expected an X.509 certificate (PEM or DER)");
  cert_case(ISSUE_OTHER_KEY, "$B/tg/certs/42", RIPT_ERR_MISMATCH,
            "/tg/certs: the issued certificate is not for the key of the "
            "CSR");
  cert_case(ISSUE_OTHER_NUMBER, "$B/tg/certs/42", RIPT_ERR_MISMATCH,
            "/tg/certs: the issued certificate's TNAuthList does not cover "
            "the number asked for");
}

/* Closing with operations under way: each gets RIPT_ERR_HTTP_CLOSED, and
 * operations started from those callbacks are refused. */
static void on_root_then_retry(ript_client *c, const ript_client_result *res,
                               const ript_doc_root *root, void *user_data) {
  on_root(c, res, root, user_data);
  assert_int_equal(ript_client_bootstrap(c, on_root, user_data),
                   RIPT_ERR_HTTP_CLOSED);
}

static void on_client_closed(void *user_data) {
  fx *f = user_data;
  f->calls += 100;
}

static void test_close_pending(void **state) {
  (void)state;
  const route routes[] = {{"GET", "/.well-known/ript", HANG, 0, NULL, NULL}};
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], routes, 1, 0);
    assert_int_equal(ript_client_bootstrap(f.client, on_root_then_retry, &f),
                     0);
    assert_int_equal(ript_client_discover(f.client, on_discover, &f), 0);
    uv_timer_start(&f.guard, on_guard, GUARD_MS, 0);
    while (f.nseen < 2 && !f.guard_fired)
      uv_run(&f.loop, UV_RUN_ONCE);
    uv_timer_stop(&f.guard);
    assert_int_equal(f.nseen, 2);
    ript_client_close(f.client, on_client_closed, &f);
    f.client = NULL;
    fx_wait(&f, 102);
    assert_int_equal(f.res.code, RIPT_ERR_HTTP_CLOSED);
    fx_stop(&f);
  }
}

/* Nothing listens on a port the server just gave up. */
static void test_unreachable(void **state) {
  (void)state;
  for (size_t v = 0; v < NVERSIONS; ++v) {
    fx f;
    fx_start(&f, versions[v], bootstrap_routes, 1, 0);
    ript_http_server_close(f.server, NULL, NULL);
    f.server = NULL;
    assert_int_equal(ript_client_bootstrap(f.client, on_root, &f), 0);
    fx_wait(&f, 1);
    assert_int_equal(f.res.code, RIPT_ERR_HTTP_CLOSED);
    assert_false(f.res.timed_out);
    assert_non_null(strstr(f.line, ": cannot reach 127.0.0.1:"));
    fx_close_client(&f);
    uv_close((uv_handle_t *)&f.guard, NULL);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f.loop), 0);
  }
}

/* Every allocation of the client's own, while starting an operation and
 * while reading its response, can fail: the operation then fails with
 * RIPT_ERR_NOMEM (at once, or through its callback), and nothing leaks. */
typedef int (*start_fn)(fx *f);

static int start_discover(fx *f) {
  return ript_client_discover(f->client, on_discover, f);
}
static int start_add(fx *f) {
  char tg[128];
  snprintf(tg, sizeof(tg), "%s/tg", f->base);
  return ript_client_handler_add(f->client, tg, "phone", "1 in: PCMU;",
                                 on_handler, f);
}
static int start_list(fx *f) {
  char tg[128];
  snprintf(tg, sizeof(tg), "%s/tg", f->base);
  return ript_client_handler_list(f->client, tg, on_handlers, f);
}
static int start_delete(fx *f) {
  char uri[160];
  snprintf(uri, sizeof(uri), "%s/tg/handlers/phone", f->base);
  return ript_client_handler_delete(f->client, uri, on_done, f);
}
static ript_stir_key *oom_key;
static int start_cert(fx *f) {
  char tg[128];
  snprintf(tg, sizeof(tg), "%s/tg", f->base);
  return ript_client_cert_request(f->client, tg, number, oom_key, on_cert, f);
}
static int start_error(fx *f) {
  char url[128];
  snprintf(url, sizeof(url), "%s/denied", f->base);
  return ript_client_tg_get(f->client, url, on_tg, f);
}

static void test_out_of_memory(void **state) {
  (void)state;
  const route routes[] = {
      bootstrap_routes[0],
      bootstrap_routes[1],
      bootstrap_routes[2],
      bootstrap_routes[3],
      {"POST", "/tg/handlers", ANSWER, 201, "$B/tg/handlers/phone",
       HANDLER_DOC},
      {"GET", "/tg/handlers", ANSWER, 200, NULL,
       "{\"handlers\": [" HANDLER_DOC "]}"},
      {"DELETE", "/tg/handlers/phone", ANSWER, 204, NULL, NULL},
      {"POST", "/tg/certs", ISSUE, 201, "$B/tg/certs/42", NULL},
      {"GET", "/denied", ANSWER, 403, NULL,
       "{\"status\": 403, \"error\": \"forbidden\", \"reason\": \"no\"}"},
  };
  const start_fn starts[] = {start_discover, start_add,  start_list,
                             start_delete,   start_cert, start_error};
  assert_int_equal(ript_stir_key_generate(&oom_key, NULL), 0);
  for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); ++k) {
    fx f;
    fx_start(&f, RIPT_HTTP_2, routes, 9, 0);
    fx_close_client(&f);
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, -1);
    fx_client(&f, RIPT_HTTP_2, 0, &fm.mem);
    int want = k == 5 ? RIPT_ERR_HTTP_STATUS : 0;
    for (long n = 0;; ++n) {
      fm.fail_after = fm.allocs + n;
      int calls = f.calls;
      int rv = starts[k](&f);
      if (rv != 0) {
        assert_int_equal(rv, RIPT_ERR_NOMEM);
        continue;
      }
      fx_wait(&f, calls + 1);
      if (f.res.code == want)
        break;
      assert_int_equal(f.res.code, RIPT_ERR_NOMEM);
    }
    fm.fail_after = -1;
    fx_stop(&f);
  }
  ript_stir_key_del(oom_key);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bootstrap_and_discover),
      cmocka_unit_test(test_discover_failures),
      cmocka_unit_test(test_silence_and_size),
      cmocka_unit_test(test_handlers),
      cmocka_unit_test(test_certs),
      cmocka_unit_test(test_close_pending),
      cmocka_unit_test(test_unreachable),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

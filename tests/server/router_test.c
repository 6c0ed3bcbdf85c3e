/*
 * riptd's resources driven through the router without sockets: a real
 * configuration and STIR CA in a temporary directory, requests built by
 * hand, every status and reason checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "config.h"
#include "ript/doc.h"
#include "ript/oauth.h"
#include "ript/stir.h"
#include "router.h"
#include "testutil.h"

#define ACME "acme-token-0123456789"
#define GLOBEX "globex-token-0123456789"
#define AUTH "127.0.0.1:4433"
#define ROOT "https://" AUTH "/.well-known/ript"
#define P(rest) "/.well-known/ript" rest
#define MAIN P("/providertgs/main")
#define LAB P("/providertgs/lab")
#define PHONE "1 in: opus; PCMU; PCMA; 2 out: opus; PCMU; PCMA;"
#define JSON "application/json"
#define PKCS10 "application/pkcs10"

/* ---- the directory: STIR CAs, configurations ---- */

static char dir[64];

static void write_file(const char *name, const void *data, size_t len) {
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static void write_str(const char *name, const char *text) {
  write_file(name, text, strlen(text));
}

/* A CA (key and certificate files), optionally with a TNAuthList range. */
static void make_ca(const char *cert_name, const char *key_name,
                    const char *range_start, uint64_t count) {
  static const uint8_t serial[] = {0x01};
  int64_t now = time(NULL);
  ript_stir_cert_terms terms = {serial, 1, now - 3600, now + 86400 * 30};
  ript_stir_key *key = NULL;
  ript_stir_cert *ca = NULL;
  ript_stir_tnauth range;
  ript_stir_tnauth_init(&range, NULL);
  if (range_start)
    assert_int_equal(ript_stir_tnauth_add_range(&range, range_start, count),
                     0);
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(ript_stir_cert_create_ca(&ca, key, "test CA",
                                            range_start ? &range : NULL,
                                            &terms, NULL),
                   0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_cert_export(ca, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_file(cert_name, b.data, b.len);
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_file(key_name, b.data, b.len);
  ript_buf_free(&b);
  ript_stir_tnauth_free(&range);
  ript_stir_cert_del(ca);
  ript_stir_key_del(key);
}

#define CONFIG_HEAD                                                           \
  "{\"listen\": \"127.0.0.1:0\","                                             \
  "\"tls\": {\"cert\": \"tls.pem\", \"key\": \"tls-key.pem\"},"
#define CONFIG_TAIL                                                           \
  "\"customers\": ["                                                          \
  "{\"name\": \"acme\", \"tokens\": [\"" ACME "\"],"                          \
  " \"numbers\": [\"+1555010000*\", \"+15550200000\"],"                       \
  " \"tgs\": [\"main\", \"lab\"]},"                                           \
  "{\"name\": \"globex\", \"tokens\": [\"" GLOBEX "\"],"                      \
  " \"numbers\": [\"+4420*\"], \"tgs\": [\"lab\"]}],"                         \
  "\"tgs\": ["                                                                \
  "{\"name\": \"main\", \"description\": \"Main\","                           \
  " \"destinations\": \"+1555*, !+15559*\", \"origins\": true,"               \
  " \"routes\": [{\"match\": \"+15550101001\", \"action\": \"echo\"},"        \
  "  {\"match\": \"+15550101002\", \"action\": \"play\","                     \
  "   \"file\": \"tone.wav\"}]},"                                             \
  "{\"name\": \"lab\", \"routes\": [{\"match\": \"*\","                       \
  " \"action\": \"echo\"}]}]}"
#define STIR_OURS                                                             \
  "\"stir\": {\"ca-cert\": \"ca.pem\", \"ca-key\": \"ca-key.pem\"},"

/* riptd as an authorization server (client "pbx", customer acme, and a
 * call-only client "viewer"), and an outside issuer whose keys are the
 * file idp-jwks.json and whose customer claim is "tenant". */
#define PBX_SECRET "pbx-secret-0123456789"
#define PBX_REFRESH "pbx-refresh-0123456789"
#define IDP "https://idp.example"
#define AS_OAUTH                                                              \
  "\"oauth\": {\"issuers\": [{\"issuer\": \"" IDP "\","                      \
  " \"jwks-file\": \"idp-jwks.json\", \"customer-claim\": \"tenant\"}],"       \
  " \"server\": {\"key\": \"as-key.pem\", \"token-lifetime-s\": 300,"          \
  " \"clients\": [{\"id\": \"pbx\", \"secret\": \"" PBX_SECRET "\","         \
  " \"customer\": \"acme\", \"refresh-tokens\": [\"" PBX_REFRESH "\"]},"      \
  " {\"id\": \"viewer\", \"secret\": \"" PBX_SECRET "\","                    \
  " \"customer\": \"globex\", \"scope\": \"ript\"}]}},"

static ript_stir_key *idp_key; /* the outside issuer's current key */

/* A new P-256 key: its PEM to |name|, or (with |kid|) it becomes the
 * outside issuer's key and its JWK Set idp-jwks.json. */
static void write_key(const char *name, const char *kid) {
  ript_stir_key *key = NULL;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_file(name, b.data, b.len);
  if (kid) {
    const ript_stir_key *keys[] = {key};
    ript_buf_reset(&b);
    assert_int_equal(ript_oauth_jwks_write(keys, &kid, 1, &b), 0);
    write_file("idp-jwks.json", b.data, b.len);
    ript_stir_key_del(idp_key);
    idp_key = key;
  } else {
    ript_stir_key_del(key);
  }
  ript_buf_free(&b);
}

static int group_setup(void **state) {
  (void)state;
  strcpy(dir, "/tmp/riptd-router-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  make_ca("ca.pem", "ca-key.pem", "15550100000", 10);
  make_ca("other-ca.pem", "other-ca-key.pem", NULL, 0);
  write_str("tls.pem", "not parsed by the router tests\n");
  write_str("tls-key.pem", "not parsed by the router tests\n");
  write_str("tone.wav", "RIFF");
  write_str("riptd.json", CONFIG_HEAD STIR_OURS CONFIG_TAIL);
  write_str("oauth.json",
            CONFIG_HEAD STIR_OURS
            "\"oauth\": {\"metadata\": {\"issuer\": "
            "\"https://auth.example\"}}," CONFIG_TAIL);
  write_key("as-key.pem", NULL);
  write_key("idp-key.pem", "idp-1");
  write_str("as.json", CONFIG_HEAD STIR_OURS AS_OAUTH CONFIG_TAIL);
  write_str("sqlite.json",
            CONFIG_HEAD STIR_OURS "\"store\": {\"type\": \"sqlite\", \"path\": "
                                  "\"router.db\"}," CONFIG_TAIL);
  write_str("limits.json",
            CONFIG_HEAD STIR_OURS
            "\"limits\": {\"calls-per-customer\": 1, "
            "\"handlers-per-customer\": 2, \"requests-per-second\": 20, "
            "\"json-max-depth\": 3},"
            CONFIG_TAIL);
  write_str("untrusted.json",
            CONFIG_HEAD "\"stir\": {\"ca-cert\": \"ca.pem\", \"ca-key\": "
                        "\"ca-key.pem\", \"trust\": [\"other-ca.pem\"]},"
                        CONFIG_TAIL);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  static const char *const files[] = {
      "ca.pem",        "ca-key.pem",     "other-ca.pem", "other-ca-key.pem",
      "tls.pem",       "tls-key.pem",    "tone.wav",     "riptd.json",
      "oauth.json",    "untrusted.json", "as-key.pem",   "idp-key.pem",
      "idp-jwks.json", "as.json",        "limits.json",  "sqlite.json",
      "router.db",     "router.db-wal",  "router.db-shm"};
  char path[128];
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); ++i) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
  ript_stir_key_del(idp_key);
  idp_key = NULL;
  return 0;
}

/* ---- the fixture: an app and the last response ---- */

typedef struct fx {
  riptd_config cfg;
  uv_loop_t loop; /* the store's */
  riptd_app *app;
  riptd_response resp;
  int64_t now_ms;
} fx;

static fx *fx_open(const char *config) {
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  char path[128], err[512];
  snprintf(path, sizeof(path), "%s/%s", dir, config);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  if (riptd_config_load(&f->cfg, path, err, sizeof(err)) != 0 ||
      riptd_app_new(&f->app, &f->cfg, &f->loop, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  assert_int_equal(riptd_app_set_port(f->app, 4433), 0);
  riptd_response_init(&f->resp);
  f->now_ms = (int64_t)time(NULL) * 1000;
  return f;
}

static int setup(void **state) {
  *state = fx_open("riptd.json");
  return 0;
}

static void fx_close(fx *f) {
  riptd_response_free(&f->resp);
  riptd_app_del(f->app);
  uv_run(&f->loop, UV_RUN_DEFAULT); /* the store closes */
  assert_int_equal(uv_loop_close(&f->loop), 0);
  riptd_config_free(&f->cfg);
  free(f);
}

/* Runs the loop until |*done| (what a callback sets) is set. */
static void run_until(fx *f, const int *done) {
  while (!*done)
    if (!uv_run(&f->loop, UV_RUN_ONCE) && !*done)
      fail_msg("the loop ran out of work before the answer");
}

static void answered(void *data) { ++*(int *)data; }

/* Hands |r| to the router and waits for the answer in f->resp. */
static int handle(fx *f, const riptd_request *r) {
  int done = 0;
  riptd_response_free(&f->resp);
  riptd_router_handle(f->app, r, &f->resp, answered, &done);
  run_until(f, &done);
  assert_int_equal(done, 1);
  return f->resp.status;
}

static int teardown(void **state) {
  fx_close(*state);
  return 0;
}

static int req(fx *f, const char *method, const char *path,
               const char *token, const char *ctype, const void *body,
               size_t len) {
  ript_http_header h[2];
  size_t n = 0;
  char auth[2048];
  if (token) {
    snprintf(auth, sizeof(auth), "Bearer %s", token);
    h[n].name = "authorization";
    h[n++].value = auth;
  }
  if (ctype) {
    h[n].name = "content-type";
    h[n++].value = ctype;
  }
  riptd_request r = {method, path, h, n, body, len, f->now_ms};
  return handle(f, &r);
}

static int get(fx *f, const char *path, const char *token) {
  return req(f, "GET", path, token, NULL, NULL, 0);
}

static int post_json(fx *f, const char *path, const char *token,
                     const char *json) {
  return req(f, "POST", path, token, JSON, json, strlen(json));
}

static const char *body(const fx *f) {
  return f->resp.body.data ? (const char *)f->resp.body.data : "";
}

static const char *header(const fx *f, const char *name) {
  return riptd_response_header(&f->resp, name);
}

/* The last response is the error document status/token/reason. */
static void expect_error(fx *f, int status, const char *token,
                         const char *reason) {
  ript_doc_error e;
  ript_doc_error_init(&e);
  if (f->resp.status != status)
    fail_msg("status %d, want %d: %s", f->resp.status, status, body(f));
  assert_string_equal(header(f, "content-type"), JSON);
  assert_int_equal(ript_doc_error_parse(&e, body(f), f->resp.body.len, 0,
                                        NULL, NULL),
                   0);
  assert_int_equal(e.status, status);
  assert_string_equal(e.error, token);
  if (strcmp(e.reason, reason) != 0)
    fail_msg("reason \"%s\", want \"%s\"", e.reason, reason);
  ript_doc_error_free(&e);
}

/* ---- bootstrap, routing, authentication ---- */

static void test_root(void **state) {
  fx *f = *state;
  assert_int_equal(get(f, P(""), NULL), 200);
  assert_string_equal(header(f, "content-type"), JSON);
  assert_string_equal(body(f),
                      "{\n  \"providertgs\": \"" ROOT "/providertgs\",\n"
                      "  \"oauth\": \"https://" AUTH
                      "/.well-known/ript-oauth\"\n}");
  assert_int_equal(get(f, P("?x=1"), NULL), 200);
  assert_int_equal(req(f, "POST", P(""), NULL, NULL, NULL, 0), 405);
  expect_error(f, 405, "method-not-allowed",
               "POST is not allowed on this resource; it allows GET");
  assert_string_equal(header(f, "allow"), "GET");
}

static void test_oauth(void **state) {
  fx *f = *state;
  get(f, "/.well-known/ript-oauth", NULL);
  expect_error(f, 404, "no-oauth",
               "this server has no OAuth authorization server configured; "
               "ask its operator for a bearer token");
  fx *g = fx_open("oauth.json");
  assert_int_equal(get(g, "/.well-known/ript-oauth", NULL), 200);
  assert_string_equal(body(g),
                      "{\n  \"issuer\": \"https://auth.example\"\n}");
  fx_close(g);
}

static void test_unknown_paths(void **state) {
  fx *f = *state;
  static const char *const paths[] = {
      "/",
      "",
      "/.well-known/riptx",
      "/.well-known/ript/",
      "/.well-known/ript//providertgs",
      P("/consumertgs"),
      P("/providertgs/main/consumertgs"),
      P("/providertgs/main/calls/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69/other"),
      P("/providertgs/main/handlers/phone/events"),
      P("/providertgs/main/calls/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69/media/x"),
      P("/providertgs/ma%20in"),
      P("/providertgs/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaa"),
  };
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); ++i) {
    assert_int_equal(get(f, paths[i], ACME), 404);
    char reason[256];
    snprintf(reason, sizeof(reason), "there is no resource at %s", paths[i]);
    expect_error(f, 404, "not-found", reason);
  }
  /* Bytes a reason must not carry are replaced. */
  get(f, "/x\x01\xff", NULL);
  expect_error(f, 404, "not-found", "there is no resource at /x??");
}

static void test_auth(void **state) {
  fx *f = *state;
  assert_int_equal(get(f, P("/providertgs"), NULL), 401);
  expect_error(f, 401, "unauthorized",
               "this resource needs \"Authorization: Bearer TOKEN\"");
  assert_string_equal(header(f, "www-authenticate"), "Bearer realm=\"ript\"");
  assert_int_equal(get(f, P("/providertgs"), "wrong-token-0123456789"), 401);
  expect_error(f, 401, "invalid-token", "the bearer token is not valid here");
  assert_string_equal(header(f, "www-authenticate"),
                      "Bearer realm=\"ript\", error=\"invalid_token\", "
                      "error_description=\"unknown token\"");
  /* A prefix or an extension of a token is no token. */
  assert_int_equal(get(f, P("/providertgs"), "acme-token-012345678"), 401);
  assert_int_equal(get(f, P("/providertgs"), ACME "9"), 401);
  assert_int_equal(get(f, P("/providertgs"), ""), 401);
  expect_error(f, 401, "invalid-token", "the bearer token is empty");
  ript_http_header h[1] = {{"authorization", "Basic YWNtZTp4"}};
  riptd_request r = {"GET", P("/providertgs"), h, 1, NULL, 0, f->now_ms};
  handle(f, &r);
  expect_error(f, 401, "unauthorized",
               "this resource needs \"Authorization: Bearer TOKEN\", not "
               "another scheme");
  assert_string_equal(header(f, "www-authenticate"), "Bearer realm=\"ript\"");
  /* The scheme is case-insensitive; spaces around the token are fine. */
  h[0].value = "bearer   " ACME "  ";
  handle(f, &r);
  assert_int_equal(f->resp.status, 200);
  /* 405 comes before 401. */
  assert_int_equal(req(f, "DELETE", P("/providertgs"), NULL, NULL, NULL, 0),
                   405);
}

/* ---- TGs ---- */

static void test_tg_list(void **state) {
  fx *f = *state;
  assert_int_equal(get(f, P("/providertgs"), ACME), 200);
  assert_string_equal(header(f, "cache-control"), "private, max-age=300");
  assert_string_equal(body(f), "{\n  \"tgs\": [\n    {\n      \"uri\": \"" ROOT
                               "/providertgs/main\",\n      \"name\": "
                               "\"main\",\n      \"description\": \"Main\"\n"
                               "    },\n    {\n      \"uri\": \"" ROOT
                               "/providertgs/lab\",\n      \"name\": "
                               "\"lab\"\n    }\n  ]\n}");
  assert_int_equal(get(f, P("/providertgs"), GLOBEX), 200);
  ript_doc_tg_list list;
  ript_doc_tg_list_init(&list);
  assert_int_equal(ript_doc_tg_list_parse(&list, body(f), f->resp.body.len,
                                          0, NULL, NULL),
                   0);
  assert_int_equal(list.ntgs, 1);
  assert_string_equal(list.tgs[0].uri, ROOT "/providertgs/lab");
  ript_doc_tg_list_free(&list);
}

static void test_tg(void **state) {
  fx *f = *state;
  assert_int_equal(get(f, MAIN, ACME), 200);
  ript_doc_tg tg;
  ript_doc_tg_init(&tg);
  assert_int_equal(
      ript_doc_tg_parse(&tg, body(f), f->resp.body.len, 0, NULL, NULL), 0);
  assert_string_equal(tg.uri, ROOT "/providertgs/main");
  assert_string_equal(tg.name, "main");
  assert_string_equal(tg.origins, f->app->stir_ca_pem);
  assert_string_equal(tg.destinations, "+1555*, !+15559*");
  assert_int_equal(tg.retry_backoff_ms, 2000);
  assert_int_equal(tg.media_timeout_ms, 5000);
  assert_string_equal(tg.advertisement, RIPTD_DEFAULT_ADVERTISEMENT);
  ript_doc_tg_free(&tg);
  assert_int_equal(get(f, LAB, ACME), 200);
  assert_int_equal(
      ript_doc_tg_parse(&tg, body(f), f->resp.body.len, 0, NULL, NULL), 0);
  assert_null(tg.origins);
  assert_string_equal(tg.destinations, "*");
  ript_doc_tg_free(&tg);
  /* globex may not see main: the same answer as a TG that does not exist. */
  get(f, MAIN, GLOBEX);
  expect_error(f, 404, "not-found", "there is no TG named main");
  get(f, P("/providertgs/nope"), ACME);
  expect_error(f, 404, "not-found", "there is no TG named nope");
  get(f, MAIN "/handlers", GLOBEX);
  expect_error(f, 404, "not-found", "there is no TG named main");
}

/* ---- handlers ---- */

#define HANDLER(id, adv) "{\"handler-id\": \"" id "\", \"advertisement\": \"" adv "\"}"

static void test_handlers(void **state) {
  fx *f = *state;
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  assert_string_equal(header(f, "location"), ROOT "/providertgs/main/handlers/phone");
  assert_string_equal(body(f), "{\n  \"uri\": \"" ROOT
                               "/providertgs/main/handlers/phone\",\n"
                               "  \"handler-id\": \"phone\",\n"
                               "  \"advertisement\": \"" PHONE "\"\n}");
  post_json(f, MAIN "/handlers", ACME, HANDLER("phone", "1 in: PCMU;"));
  expect_error(f, 409, "handler-exists",
               "handler-id phone is already registered on TG main; PUT its URI "
               "to change it");
  /* The same id is free for another TG and for another customer. */
  assert_int_equal(post_json(f, LAB "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  assert_int_equal(
      post_json(f, LAB "/handlers", GLOBEX, HANDLER("phone", "1 in: PCMU;")), 201);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("a.1", PHONE)),
                   201);
  assert_int_equal(get(f, MAIN "/handlers", ACME), 200);
  ript_doc_handler_list list;
  ript_doc_handler_list_init(&list);
  assert_int_equal(ript_doc_handler_list_parse(&list, body(f), f->resp.body.len,
                                               0, NULL, NULL),
                   0);
  assert_int_equal(list.nhandlers, 2);
  assert_string_equal(list.handlers[0].handler_id, "a.1");
  assert_string_equal(list.handlers[1].uri, ROOT "/providertgs/main/handlers/phone");
  ript_doc_handler_list_free(&list);
  assert_int_equal(get(f, LAB "/handlers", GLOBEX), 200);
  assert_non_null(strstr(body(f), "\"1 in: PCMU;\""));
  assert_null(strstr(body(f), PHONE));
  assert_int_equal(get(f, MAIN "/handlers/phone", ACME), 200);
  assert_non_null(strstr(body(f), PHONE));
  assert_null(header(f, "location"));
  assert_int_equal(req(f, "PUT", MAIN "/handlers/phone", ACME, JSON,
                       HANDLER("phone", "1 in: PCMA;"), strlen(HANDLER("phone", "1 in: PCMA;"))),
                   200);
  assert_non_null(strstr(body(f), "\"1 in: PCMA;\""));
  assert_int_equal(get(f, MAIN "/handlers/phone", ACME), 200);
  assert_non_null(strstr(body(f), "\"1 in: PCMA;\""));
  req(f, "PUT", MAIN "/handlers/phone", ACME, JSON, HANDLER("other", PHONE),
      strlen(HANDLER("other", PHONE)));
  expect_error(f, 400, "bad-request",
               "the body's handler-id other is not the URI's phone");
  req(f, "PUT", MAIN "/handlers/other", ACME, JSON, HANDLER("other", PHONE),
      strlen(HANDLER("other", PHONE)));
  expect_error(f, 404, "not-found", "there is no handler other on TG main");
  assert_int_equal(req(f, "DELETE", MAIN "/handlers/phone", ACME, NULL, NULL, 0),
                   204);
  assert_int_equal(f->resp.body.len, 0);
  req(f, "DELETE", MAIN "/handlers/phone", ACME, NULL, NULL, 0);
  expect_error(f, 404, "not-found", "there is no handler phone on TG main");
  get(f, MAIN "/handlers/phone", ACME);
  expect_error(f, 404, "not-found", "there is no handler phone on TG main");
  /* globex's handler on lab is not acme's. */
  assert_int_equal(get(f, LAB "/handlers/phone", ACME), 200);
  assert_non_null(strstr(body(f), PHONE));
}

static void test_handler_errors(void **state) {
  fx *f = *state;
  post_json(f, MAIN "/handlers", ACME, "{\"handler-id\": \"x\"");
  assert_int_equal(f->resp.status, 400);
  assert_non_null(strstr(body(f), "the handler description is not valid: at byte"));
  post_json(f, MAIN "/handlers", ACME, "{\"handler-id\": \"a b\", \"advertisement\": \"1 in: opus;\"}");
  expect_error(f, 400, "bad-request",
               "the handler description is not valid: at byte 15 expected "
               "\"handler-id\" as a string of 1..128 of A-Z a-z 0-9 . _ ~ -");
  post_json(f, MAIN "/handlers", ACME, HANDLER("x", "1 in opus;"));
  expect_error(f, 400, "bad-advertisement",
               "the advertisement is not valid: at byte 5 expected ':' after "
               "'in'/'out'");
  req(f, "POST", MAIN "/handlers", ACME, "text/plain", HANDLER("x", PHONE),
      strlen(HANDLER("x", PHONE)));
  expect_error(f, 415, "unsupported-media-type",
               "a handler description is sent as application/json");
  assert_int_equal(req(f, "POST", MAIN "/handlers", ACME,
                       "Application/JSON; charset=utf-8", HANDLER("x", PHONE),
                       strlen(HANDLER("x", PHONE))),
                   201);
  assert_int_equal(req(f, "POST", MAIN "/handlers", ACME, NULL,
                       HANDLER("y", PHONE), strlen(HANDLER("y", PHONE))),
                   201);
  req(f, "DELETE", MAIN "/handlers", ACME, NULL, NULL, 0);
  expect_error(f, 405, "method-not-allowed",
               "DELETE is not allowed on this resource; it allows GET, POST");
  assert_string_equal(header(f, "allow"), "GET, POST");
  req(f, "POST", MAIN "/handlers/x", ACME, NULL, NULL, 0);
  assert_string_equal(header(f, "allow"), "GET, PUT, DELETE");
}

/* ---- certificates ---- */

/* A CSR for |e164| signed by |key|, PEM or DER. */
static void make_csr(const ript_stir_key *key, const char *e164, int der,
                     ript_buf *out) {
  assert_int_equal(ript_stir_csr_create(key, e164,
                                        der ? RIPT_STIR_FORMAT_DER
                                            : RIPT_STIR_FORMAT_PEM,
                                        out),
                   0);
}

/* POSTs a CSR and returns the new certificate's URL (malloc'd). */
static char *issue(fx *f, const char *tgpath, const char *token,
                   const ript_stir_key *key, const char *e164) {
  ript_buf csr;
  ript_buf_init(&csr, NULL);
  make_csr(key, e164, 0, &csr);
  char path[128];
  snprintf(path, sizeof(path), "%s/certs", tgpath);
  int status = req(f, "POST", path, token, PKCS10, csr.data, csr.len);
  ript_buf_free(&csr);
  if (status != 201)
    fail_msg("certs: %d %s", status, body(f));
  char *url = strdup(header(f, "location"));
  assert_non_null(url);
  return url;
}

static void test_certs(void **state) {
  fx *f = *state;
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  char *url = issue(f, MAIN, ACME, key, "+15550100003");
  assert_string_equal(header(f, "content-type"),
                      "application/pem-certificate-chain");
  assert_int_equal(strncmp(url, ROOT "/providertgs/main/certs/", strlen(ROOT) + 24),
                   0);
  assert_int_equal(strlen(url), strlen(ROOT "/providertgs/main/certs/") + 32);
  char *chain = strdup(body(f));
  /* The chain is the leaf, then the CA. */
  ript_stir_cert *leaf = NULL;
  assert_int_equal(ript_stir_cert_parse(&leaf, (const uint8_t *)chain,
                                        strlen(chain), NULL, NULL),
                   0);
  assert_int_equal(ript_stir_tnauth_covers(ript_stir_cert_tnauth(leaf),
                                           "15550100003"),
                   1);
  assert_int_equal(ript_stir_tnauth_covers(ript_stir_cert_tnauth(leaf),
                                           "15550100004"),
                   0);
  int64_t now = f->now_ms / 1000;
  assert_int_equal(ript_stir_cert_not_before(leaf), now - 300);
  assert_int_equal(ript_stir_cert_not_after(leaf), now + 86400);
  assert_int_equal(ript_stir_trust_verify(f->app->trust, leaf, NULL, 0, now),
                   0);
  assert_non_null(strstr(chain, f->app->stir_ca_pem));
  ript_stir_cert_del(leaf);
  /* Its URL answers without a token, and only on its TG. */
  assert_int_equal(get(f, url + strlen("https://" AUTH), NULL), 200);
  assert_string_equal(body(f), chain);
  assert_string_equal(header(f, "content-type"),
                      "application/pem-certificate-chain");
  char other[256];
  snprintf(other, sizeof(other), LAB "/certs/%s", url + strlen(url) - 32);
  get(f, other, NULL);
  char reason[160];
  snprintf(reason, sizeof(reason), "there is no certificate %s on TG lab",
           url + strlen(url) - 32);
  expect_error(f, 404, "not-found", reason);
  get(f, MAIN "/certs/00", NULL);
  expect_error(f, 404, "not-found", "there is no certificate 00 on TG main");
  req(f, "GET", MAIN "/certs", ACME, NULL, NULL, 0);
  expect_error(f, 405, "method-not-allowed",
               "GET is not allowed on this resource; it allows POST");
  /* DER works as well as PEM. */
  ript_buf csr;
  ript_buf_init(&csr, NULL);
  make_csr(key, "+15550200000", 1, &csr);
  assert_int_equal(req(f, "POST", LAB "/certs", ACME, PKCS10, csr.data,
                       csr.len),
                   201);
  ript_buf_free(&csr);
  free(chain);
  free(url);
  ript_stir_key_del(key);
}

static void test_cert_errors(void **state) {
  fx *f = *state;
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  ript_buf csr;
  ript_buf_init(&csr, NULL);
  make_csr(key, "+15550100010", 0, &csr);
  req(f, "POST", MAIN "/certs", ACME, PKCS10, csr.data, csr.len);
  expect_error(f, 403, "number-not-allowed",
               "customer acme may not use +15550100010 as caller ID");
  req(f, "POST", LAB "/certs", GLOBEX, PKCS10, csr.data, csr.len);
  expect_error(f, 403, "number-not-allowed",
               "customer globex may not use +15550100010 as caller ID");
  req(f, "POST", MAIN "/certs", ACME, JSON, csr.data, csr.len);
  expect_error(f, 415, "unsupported-media-type",
               "a CSR is sent as application/pkcs10, a PKCS#10 request in PEM "
               "or DER");
  req(f, "POST", MAIN "/certs", ACME, PKCS10, "hello", 5);
  expect_error(f, 415, "unsupported-media-type",
               "a CSR is sent as application/pkcs10, a PKCS#10 request in PEM "
               "or DER");
  req(f, "POST", MAIN "/certs", ACME, PKCS10, NULL, 0);
  assert_int_equal(f->resp.status, 415);
  static const char bad_pem[] = "\n-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                "-----END CERTIFICATE REQUEST-----\n";
  req(f, "POST", MAIN "/certs", ACME, PKCS10, bad_pem, strlen(bad_pem));
  assert_int_equal(f->resp.status, 400);
  assert_non_null(strstr(body(f), "\"bad-csr\""));
  assert_non_null(strstr(body(f), "the CSR is not valid: "));
  /* A CSR whose signature no longer matches its content. */
  ript_buf_reset(&csr);
  make_csr(key, "+15550100001", 1, &csr);
  csr.data[csr.len - 5] ^= 0x01;
  req(f, "POST", MAIN "/certs", ACME, PKCS10, csr.data, csr.len);
  expect_error(f, 400, "bad-csr", "the CSR's self-signature does not verify");
  ript_buf_free(&csr);
  ript_stir_key_del(key);
}

/* ---- calls ---- */

typedef struct caller {
  ript_stir_key *key;
  char *x5u;
} caller;

/* A key with a certificate for |e164| from |tgpath|'s /certs. */
static caller caller_new(fx *f, const char *tgpath, const char *token,
                         const char *e164) {
  caller c = {NULL, NULL};
  assert_int_equal(ript_stir_key_generate(&c.key, NULL), 0);
  c.x5u = issue(f, tgpath, token, c.key, e164);
  return c;
}

static void caller_del(caller *c) {
  ript_stir_key_del(c->key);
  free(c->x5u);
}

/* A call request body from |orig| to |dest| signed by |c| at |iat|. */
static char *call_request(const caller *c, const char *handler,
                          const char *orig, const char *dest,
                          const char *signed_dest, int64_t iat) {
  ript_buf jws, out;
  ript_buf_init(&jws, NULL);
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_stir_passport_sign(orig, signed_dest ? signed_dest : dest,
                                           iat, c->x5u, c->key, &jws),
                   0);
  assert_int_equal(ript_buf_printf(&out,
                                   "{\"handler\": \"%s\", \"destination\": "
                                   "\"%s\", \"passport\": \"%s\"}",
                                   handler, dest, (const char *)jws.data),
                   0);
  ript_buf_free(&jws);
  return (char *)out.data;
}

static int place(fx *f, const char *tgpath, const char *token,
                 const caller *c, const char *handler, const char *orig,
                 const char *dest, const char *signed_dest, int64_t iat) {
  char *json = call_request(c, handler, orig, dest, signed_dest, iat);
  char path[128];
  snprintf(path, sizeof(path), "%s/calls", tgpath);
  int status = post_json(f, path, token, json);
  free(json);
  return status;
}

#define MAIN_PHONE ROOT "/providertgs/main/handlers/phone"

/* What a call record looks like in the store, for a test to change. */
typedef struct store_res {
  int done, rv;
  riptd_call_rec rec;
} store_res;

static void on_store_call(void *data, int rv, const riptd_call_rec *rec) {
  store_res *r = data;
  ++r->done;
  r->rv = rv;
  if (rec)
    assert_int_equal(riptd_call_rec_copy(&r->rec, rec), 0);
}

/* The stored call |uuid| changes to |state| (as the live calls would). */
static void store_call_state(fx *f, const char *uuid, ript_call_state state) {
  store_res got = {0}, put = {0};
  riptd_store_call_get(f->app->store, uuid, f->now_ms, on_store_call, &got);
  run_until(f, &got.done);
  assert_int_equal(got.rv, 0);
  got.rec.state = state;
  riptd_store_call_update(f->app->store, &got.rec, f->now_ms, on_store_call,
                          &put);
  run_until(f, &put.done);
  assert_int_equal(put.rv, 0);
  assert_int_equal(put.rec.version, got.rec.version + 1);
  riptd_call_rec_free(&got.rec);
  riptd_call_rec_free(&put.rec);
}

static void test_call(void **state) {
  fx *f = *state;
  int64_t now = f->now_ms / 1000;
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  caller c = caller_new(f, MAIN, ACME, "+15550100000");
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+1 555 010 1001", "+15550101001", now),
                   201);
  const char *loc = header(f, "location");
  assert_int_equal(strncmp(loc, ROOT "/providertgs/main/calls/", strlen(ROOT) + 24),
                   0);
  char *call_path = strdup(loc + strlen("https://" AUTH));
  ript_doc_call call;
  ript_doc_call_init(&call);
  assert_int_equal(
      ript_doc_call_parse(&call, body(f), f->resp.body.len, 0, NULL, NULL), 0);
  assert_string_equal(call.uri, loc);
  assert_string_equal(call.handler, MAIN_PHONE);
  assert_string_equal(call.from, "+15550100000");
  assert_string_equal(call.to, "+15550101001");
  assert_string_equal(call.client_directives, "2 to 1: opus;");
  assert_string_equal(call.server_directives, "1 to 1: opus;");
  assert_int_equal(call.state, RIPT_DOC_CALL_PROCEEDING);
  ript_doc_call_free(&call);
  char *created = strdup(body(f));
  /* GET gives the same description. */
  assert_int_equal(get(f, call_path, ACME), 200);
  assert_string_equal(body(f), created);
  assert_null(header(f, "location"));
  /* POST re-negotiates with the handler's current advertisement. */
  /* The handler becomes receive-only, preferring PCMU. */
  assert_int_equal(req(f, "PUT", MAIN "/handlers/phone", ACME, JSON,
                       HANDLER("phone", "1 in: PCMU;"),
                       strlen(HANDLER("phone", "1 in: PCMU;"))),
                   200);
  assert_int_equal(req(f, "POST", call_path, ACME, NULL, NULL, 0), 200);
  assert_non_null(strstr(body(f), "\"clientDirectives\": \"\""));
  assert_non_null(strstr(body(f), "\"serverDirectives\": \"1 to 1: PCMU;\""));
  assert_int_equal(get(f, call_path, ACME), 200);
  assert_non_null(strstr(body(f), "\"serverDirectives\": \"1 to 1: PCMU;\""));
  req(f, "DELETE", call_path, ACME, NULL, NULL, 0);
  expect_error(f, 405, "method-not-allowed",
               "DELETE is not allowed on this resource; it allows GET, POST");
  assert_string_equal(header(f, "allow"), "GET, POST");
  req(f, "POST", call_path, ACME, JSON, "{}", 2);
  expect_error(f, 400, "bad-request", "a POST on a call takes no body");
  /* The handler changes to something the server cannot carry. */
  req(f, "PUT", MAIN "/handlers/phone", ACME, JSON,
      HANDLER("phone", "1 in: H264;"), strlen(HANDLER("phone", "1 in: H264;")));
  req(f, "POST", call_path, ACME, NULL, NULL, 0);
  expect_error(f, 422, "no-common-media",
               "the handler's advertisement and this server's share no media "
               "in either direction");
  req(f, "DELETE", MAIN "/handlers/phone", ACME, NULL, NULL, 0);
  req(f, "POST", call_path, ACME, NULL, NULL, 0);
  expect_error(f, 422, "unknown-handler",
               "the call's handler phone no longer exists");
  /* Still there, unchanged by the failed attempts. */
  assert_int_equal(get(f, call_path, ACME), 200);
  assert_non_null(strstr(body(f), "\"serverDirectives\": \"1 to 1: PCMU;\""));
  /* A call that ended takes no POST. */
  const char *uuid = call_path + strlen(call_path) - 36;
  store_call_state(f, uuid, RIPT_CALL_DECLINED);
  req(f, "POST", call_path, ACME, NULL, NULL, 0);
  char reason[128];
  snprintf(reason, sizeof(reason), "call %s has ended (state declined)", uuid);
  expect_error(f, 409, "call-ended", reason);
  assert_int_equal(get(f, call_path, ACME), 200);
  assert_non_null(strstr(body(f), "\"state\": \"declined\""));
  free(created);
  free(call_path);
  caller_del(&c);
}

static void test_call_lookup(void **state) {
  fx *f = *state;
  int64_t now = f->now_ms / 1000;
  assert_int_equal(post_json(f, LAB "/handlers", ACME, HANDLER("p", PHONE)), 201);
  caller c = caller_new(f, LAB, ACME, "+15550200000");
  /* +15550200000 is acme's but outside the CA's TNAuthList: fine on lab,
   * which is no authentication service. */
  assert_int_equal(place(f, LAB, ACME, &c, ROOT "/providertgs/lab/handlers/p",
                         "+15550200000", "alice@Lab.Example",
                         "alice@lab.example", now),
                   201);
  assert_non_null(strstr(body(f), "\"to\": \"alice@lab.example\""));
  char *path = strdup(header(f, "location") + strlen("https://" AUTH));
  assert_int_equal(get(f, path, ACME), 200);
  /* Another customer, or another TG, does not find it. */
  const char *uuid = path + strlen(path) - 36;
  char reason[128];
  get(f, path, GLOBEX);
  snprintf(reason, sizeof(reason), "there is no call %s on TG lab", uuid);
  expect_error(f, 404, "not-found", reason);
  char other[160];
  snprintf(other, sizeof(other), MAIN "/calls/%s", uuid);
  get(f, other, ACME);
  snprintf(reason, sizeof(reason), "there is no call %s on TG main", uuid);
  expect_error(f, 404, "not-found", reason);
  get(f, MAIN "/calls/not-a-uuid", ACME);
  expect_error(f, 404, "not-found", "there is no call not-a-uuid on TG main");
  get(f, MAIN "/calls/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69", ACME);
  expect_error(f, 404, "not-found",
               "there is no call 3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69 on TG "
               "main");
  req(f, "GET", MAIN "/calls", ACME, NULL, NULL, 0);
  expect_error(f, 405, "method-not-allowed",
               "GET is not allowed on this resource; it allows POST");
  free(path);
  caller_del(&c);
}

static int byway(fx *f, const char *method, const char *path,
                 const char *token, riptd_byway_path *out) {
  ript_http_header h;
  char auth[128];
  snprintf(auth, sizeof(auth), "Bearer %s", token ? token : "");
  h.name = "authorization";
  h.value = auth;
  riptd_request r = {method, path, &h, token ? 1 : 0, NULL, 0, f->now_ms};
  riptd_response_free(&f->resp);
  memset(out, 0, sizeof(*out));
  return riptd_router_byway(f->app, &r, &f->resp, out);
}

typedef struct hook_state {
  int calls, fail;
  char uuid[RIPT_URI_UUID_LEN + 1];
} hook_state;

static int hook(void *data, const riptd_call_rec *rec) {
  hook_state *h = data;
  ++h->calls;
  memcpy(h->uuid, rec->uuid, sizeof(h->uuid));
  return h->fail;
}

static void test_byways(void **state) {
  fx *f = *state;
  int64_t now = f->now_ms / 1000;
  hook_state hs = {0, 0, ""};
  f->app->on_call = hook;
  f->app->on_renegotiate = hook;
  f->app->on_call_data = &hs;
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  caller c = caller_new(f, MAIN, ACME, "+15550100000");
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+15550101001", NULL, now),
                   201);
  assert_int_equal(hs.calls, 1);
  char *call = strdup(header(f, "location") + strlen("https://" AUTH));
  const char *uuid = call + strlen(call) - 36;
  assert_string_equal(hs.uuid, uuid);
  char events[160], media[160], reason[256];
  snprintf(events, sizeof(events), "%s/events", call);
  snprintf(media, sizeof(media), "%s/media", call);
  riptd_byway_path b;
  assert_int_equal(byway(f, "GET", events, ACME, &b), RIPTD_ROUTER_BYWAY);
  assert_int_equal(b.kind, RIPTD_BYWAY_EVENTS);
  assert_string_equal(b.uuid, uuid);
  assert_int_equal(f->resp.status, 0);
  assert_int_equal(byway(f, "PUT", events, ACME, &b), RIPTD_ROUTER_BYWAY);
  static const char *const media_methods[] = {"GET", "PUT", "CONNECT"};
  for (size_t i = 0; i < 3; ++i) {
    assert_int_equal(byway(f, media_methods[i], media, ACME, &b),
                     RIPTD_ROUTER_BYWAY);
    assert_int_equal(b.kind, RIPTD_BYWAY_MEDIA);
  }
  /* The shared checks answer at once. */
  assert_int_equal(byway(f, "DELETE", events, ACME, &b),
                   RIPTD_ROUTER_ANSWERED);
  expect_error(f, 405, "method-not-allowed",
               "DELETE is not allowed on this resource; it allows GET, PUT");
  assert_string_equal(header(f, "allow"), "GET, PUT");
  assert_int_equal(byway(f, "POST", media, ACME, &b), RIPTD_ROUTER_ANSWERED);
  assert_string_equal(header(f, "allow"), "GET, PUT, CONNECT");
  assert_int_equal(byway(f, "GET", events, NULL, &b), RIPTD_ROUTER_ANSWERED);
  expect_error(f, 401, "unauthorized",
               "this resource needs \"Authorization: Bearer TOKEN\"");
  assert_int_equal(byway(f, "GET", events, GLOBEX, &b),
                   RIPTD_ROUTER_ANSWERED);
  expect_error(f, 404, "not-found", "there is no TG named main");
  /* The router reads no store: the live calls decide whether the call is
   * the customer's on that TG (there is no call UUID on TG lab), from what
   * the byway says. */
  snprintf(reason, sizeof(reason), P("/providertgs/lab/calls/%s/media"),
           uuid);
  assert_int_equal(byway(f, "GET", reason, ACME, &b), RIPTD_ROUTER_BYWAY);
  assert_string_equal(b.uuid, uuid);
  assert_string_equal(b.tg->name, "lab");
  assert_string_equal(b.customer->name, "acme");
  assert_int_equal(f->resp.status, 0);
  assert_int_equal(byway(f, "GET", MAIN "/calls/x/events", ACME, &b),
                   RIPTD_ROUTER_ANSWERED);
  expect_error(f, 404, "not-found", "there is no call x on TG main");
  /* Anything else is not the front's business. */
  assert_int_equal(byway(f, "GET", MAIN, ACME, &b), RIPTD_ROUTER_NOT_BYWAY);
  assert_int_equal(f->resp.status, 0);
  assert_int_equal(byway(f, "GET", P("/nothing"), ACME, &b),
                   RIPTD_ROUTER_NOT_BYWAY);
  assert_int_equal(f->resp.status, 0);
  /* A byway never reaches the router of complete requests. */
  assert_int_equal(get(f, events, ACME), 500);
  expect_error(f, 500, "internal-error",
               "a byway reached riptd's request router");
  /* POST {call} tells the live calls of the new directives first. */
  assert_int_equal(req(f, "POST", call, ACME, NULL, NULL, 0), 200);
  assert_int_equal(hs.calls, 2);
  assert_int_equal(req(f, "PUT", MAIN "/handlers/phone", ACME, JSON,
                       HANDLER("phone", "1 in: PCMU;"),
                       strlen(HANDLER("phone", "1 in: PCMU;"))),
                   200);
  hs.fail = RIPT_ERR_NOMEM;
  assert_int_equal(req(f, "POST", call, ACME, NULL, NULL, 0), 500);
  expect_error(f, 500, "internal-error",
               "riptd could not apply the new directives");
  /* Another node runs the call: 421, naming where it is (decision 82). */
  hs.fail = RIPT_ERR_HTTP_STATE;
  assert_int_equal(req(f, "POST", call, ACME, NULL, NULL, 0), 421);
  snprintf(reason, sizeof(reason),
           "call %s is held by another riptd node; POST it at https://" AUTH
           "%s",
           uuid, call);
  expect_error(f, 421, "misdirected", reason);
  assert_string_equal(header(f, "retry-after"), "1");
  hs.fail = RIPT_ERR_NOMEM;
  assert_int_equal(get(f, call, ACME), 200);
  assert_non_null(strstr(body(f), "\"serverDirectives\": \"1 to 1: opus;\""));
  /* A call the live calls cannot start is not kept. */
  assert_int_equal(req(f, "PUT", MAIN "/handlers/phone", ACME, JSON,
                       HANDLER("phone", PHONE), strlen(HANDLER("phone", PHONE))),
                   200);
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+15550101001", NULL, now),
                   500);
  expect_error(f, 500, "internal-error", "riptd could not start the call");
  assert_int_equal(hs.calls, 5);
  char gone[160];
  snprintf(gone, sizeof(gone), MAIN "/calls/%s", hs.uuid);
  assert_int_equal(get(f, gone, ACME), 404);
  free(call);
  caller_del(&c);
}

static void test_call_errors(void **state) {
  fx *f = *state;
  int64_t now = f->now_ms / 1000;
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME,
                             HANDLER("tv", "1 in: H264; 1 out: H264;")),
                   201);
  caller c = caller_new(f, MAIN, ACME, "+15550100000");
  /* the request itself */
  req(f, "POST", MAIN "/calls", ACME, "text/plain", "{}", 2);
  expect_error(f, 415, "unsupported-media-type",
               "a call request is sent as application/json");
  post_json(f, MAIN "/calls", ACME, "{\"handler\": 1}");
  assert_int_equal(f->resp.status, 400);
  assert_non_null(strstr(body(f), "the call request is not valid: at byte"));
  /* handler */
  place(f, MAIN, ACME, &c, ROOT "/providertgs/main/handlers/nope",
        "+15550100000", "+15550101001", NULL, now);
  expect_error(f, 422, "unknown-handler",
               ROOT "/providertgs/main/handlers/nope is not a handler of "
                    "customer acme on TG main");
  place(f, MAIN, ACME, &c, ROOT "/providertgs/lab/handlers/phone",
        "+15550100000", "+15550101001", NULL, now);
  assert_int_equal(f->resp.status, 422);
  place(f, MAIN, ACME, &c, "https://elsewhere.example/.well-known/ript/providertgs/main/handlers/phone",
        "+15550100000", "+15550101001", NULL, now);
  assert_int_equal(f->resp.status, 422);
  place(f, MAIN, ACME, &c, MAIN_PHONE "/x", "+15550100000", "+15550101001",
        NULL, now);
  assert_int_equal(f->resp.status, 422);
  /* destination policy and routes */
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+15559000000", NULL,
        now);
  expect_error(f, 403, "destination-excluded",
               "destination +15559000000 is excluded by TG main "
               "(destinations \"+1555*, !+15559*\")");
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+14085551000", NULL,
        now);
  assert_int_equal(f->resp.status, 403);
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+15550109999", NULL,
        now);
  expect_error(f, 404, "no-route",
               "no route of TG main reaches destination +15550109999");
  /* the PASSporT */
  static const char malformed[] =
      "{\"handler\": \"" MAIN_PHONE "\", \"destination\": \"+15550101001\", "
      "\"passport\": \"e30.e30.AAAA\"}";
  post_json(f, MAIN "/calls", ACME, malformed);
  assert_int_equal(f->resp.status, 400);
  assert_non_null(strstr(body(f), "\"bad-passport\""));
  assert_non_null(strstr(body(f), "the PASSporT is malformed: at byte 0 expected"));
  caller foreign = {c.key, (char *)"https://elsewhere.example/cert.pem"};
  place(f, MAIN, ACME, &foreign, MAIN_PHONE, "+15550100000", "+15550101001",
        NULL, now);
  expect_error(f, 403, "untrusted-certificate",
               "the PASSporT's x5u https://elsewhere.example/cert.pem is not a "
               "certificate this server issued");
  caller wrong_key = {NULL, c.x5u};
  assert_int_equal(ript_stir_key_generate(&wrong_key.key, NULL), 0);
  place(f, MAIN, ACME, &wrong_key, MAIN_PHONE, "+15550100000", "+15550101001",
        NULL, now);
  expect_error(f, 403, "bad-signature",
               "the PASSporT's signature does not verify with the key of the "
               "certificate at its x5u");
  ript_stir_key_del(wrong_key.key);
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+15550101001", NULL,
        now - 61);
  char reason[160];
  snprintf(reason, sizeof(reason),
           "the PASSporT's iat %lld is more than 60 s away from the server's "
           "clock (%lld)",
           (long long)(now - 61), (long long)now);
  expect_error(f, 403, "stale-passport", reason);
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+15550101001", NULL, now + 60),
                   201);
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100001", "+15550101001", NULL,
        now);
  expect_error(f, 403, "number-not-covered",
               "the caller ID +15550100001 is not covered by the TNAuthList of "
               "the certificate at the PASSporT's x5u");
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+15550101001",
        "+15550101002", now);
  expect_error(f, 403, "dest-mismatch",
               "the PASSporT's dest is not the destination +15550101001");
  /* acme's +15550200000 is outside the TG's origins. */
  caller c2 = caller_new(f, MAIN, ACME, "+15550200000");
  place(f, MAIN, ACME, &c2, MAIN_PHONE, "+15550200000", "+15550101001", NULL,
        now);
  expect_error(f, 403, "not-in-origins",
               "the caller ID +15550200000 is not among the numbers TG main "
               "vouches for (its origins)");
  /* globex holding acme's key and certificate still may not use the number. */
  assert_int_equal(post_json(f, LAB "/handlers", GLOBEX, HANDLER("g", PHONE)), 201);
  place(f, LAB, GLOBEX, &c2, ROOT "/providertgs/lab/handlers/g",
        "+15550200000", "+15550101001", NULL, now);
  expect_error(f, 403, "number-not-allowed",
               "customer globex may not use +15550200000 as caller ID");
  /* negotiation */
  place(f, MAIN, ACME, &c, ROOT "/providertgs/main/handlers/tv",
        "+15550100000", "+15550101001", NULL, now);
  expect_error(f, 422, "no-common-media",
               "the handler's advertisement and this server's share no media "
               "in either direction");
  caller_del(&c2);
  caller_del(&c);
}

/* A certificate riptd issued that does not chain to the trust store. */
static void test_call_untrusted(void **state) {
  (void)state;
  fx *f = fx_open("untrusted.json");
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  caller c = caller_new(f, MAIN, ACME, "+15550100000");
  place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000", "+15550101001", NULL,
        f->now_ms / 1000);
  expect_error(f, 403, "untrusted-certificate",
               "the certificate at the PASSporT's x5u does not chain to a "
               "trusted STIR CA, or is not valid now");
  /* ... nor does one that expired. */
  fx *g = fx_open("riptd.json");
  assert_int_equal(post_json(g, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  caller d = caller_new(g, MAIN, ACME, "+15550100000");
  g->now_ms += (86400 + 10) * 1000ll;
  place(g, MAIN, ACME, &d, MAIN_PHONE, "+15550100000", "+15550101001", NULL,
        g->now_ms / 1000);
  assert_int_equal(g->resp.status, 403);
  assert_non_null(strstr(body(g), "\"untrusted-certificate\""));
  caller_del(&d);
  caller_del(&c);
  fx_close(g);
  fx_close(f);
}

/* ---- anything at all: every answer is a status with a valid body ---- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n) {
  rnd_state = rnd_state * 1103515245u + 12345u;
  return (rnd_state >> 8) % n;
}

/* A path of RIPT's layout with random pieces, or random segments. */
static void rnd_path(char *out, size_t len) {
  static const char *const tgs[] = {"main", "lab", "nope", ""};
  static const char *const colls[] = {"handlers", "certs", "calls", "x"};
  static const char *const segs[] = {
      "providertgs", "phone", "pc", "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69",
      "events", "", "..", "%41", "\xff", "?q=1", "0a"};
  const uint32_t nsegs = sizeof(segs) / sizeof(segs[0]);
  size_t n = (size_t)snprintf(out, len, "%s",
                              rnd(8) ? "/.well-known/ript" : "/x");
  if (rnd(2)) {
    n += (size_t)snprintf(out + n, len - n, "/providertgs/%s/%s",
                          tgs[rnd(4)], colls[rnd(4)]);
    if (rnd(2))
      n += (size_t)snprintf(out + n, len - n, "/%s", segs[rnd(nsegs)]);
    return;
  }
  for (uint32_t i = rnd(5); i > 0 && n < len; --i)
    n += (size_t)snprintf(out + n, len - n, "/%s", segs[rnd(nsegs)]);
}

static size_t rnd_body(char *out, size_t len) {
  static const char *const bodies[] = {
      HANDLER("phone", PHONE), HANDLER("pc", PHONE), "{\"handler-id\": 7}", "[]", "{",
      "{\"handler\": \"" MAIN_PHONE "\", \"destination\": \"+15550101001\", "
      "\"passport\": \"e30.e30.e30\"}",
      "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n", "\x30\x82\x01"};
  const char *b = bodies[rnd(sizeof(bodies) / sizeof(bodies[0]))];
  size_t n = strlen(b) < len ? strlen(b) : len;
  memcpy(out, b, n);
  for (uint32_t i = rnd(8) < 5 ? 0 : rnd(4); i > 0 && n > 0; --i)
    out[rnd((uint32_t)n)] = (char)rnd(256);
  return n;
}

static void test_random_requests(void **state) {
  fx *f = *state;
  static const char *const methods[] = {"GET", "POST", "POST", "PUT",
                                        "DELETE", "CONNECT"};
  static const char *const tokens[] = {ACME, ACME, GLOBEX, "x", NULL};
  static const char *const types[] = {JSON, PKCS10, "text/plain", NULL};
  int seen[500] = {0};
  for (int i = 0; i < 10000; ++i) {
    char path[256], data[512];
    rnd_path(path, sizeof(path));
    size_t len = rnd(3) ? rnd_body(data, sizeof(data)) : 0;
    int status = req(f, methods[rnd(6)], path, tokens[rnd(5)], types[rnd(4)],
                     data, len);
    assert_true(status >= 200 && status < 500);
    ++seen[status];
    if (status >= 400) {
      ript_doc_error e;
      ript_doc_error_init(&e);
      assert_int_equal(ript_doc_error_parse(&e, body(f), f->resp.body.len, 0,
                                            NULL, NULL),
                       0);
      assert_int_equal(e.status, status);
      ript_doc_error_free(&e);
    }
  }
  /* The inputs get past every check the router makes. */
  static const int kinds[] = {200, 400, 401, 404, 405, 415};
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); ++i)
    if (!seen[kinds[i]])
      fail_msg("no request was answered %d", kinds[i]);
}

/* ---- limits per customer ---- */

static int limits_setup(void **state) {
  *state = fx_open("limits.json");
  return 0;
}

static void test_limits(void **state) {
  fx *f = *state;
  int64_t now = f->now_ms / 1000;
  /* Two handlers over all TGs; a third is refused until one goes. */
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)),
                   201);
  assert_int_equal(post_json(f, LAB "/handlers", ACME, HANDLER("h2", PHONE)),
                   201);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("h3", PHONE)),
                   429);
  expect_error(f, 429, "too-many-handlers",
               "customer acme already has 2 handlers; remove one first");
  /* Another customer's count is its own. */
  assert_int_equal(post_json(f, LAB "/handlers", GLOBEX, HANDLER("g1", PHONE)),
                   201);
  assert_int_equal(req(f, "DELETE", LAB "/handlers/h2", ACME, NULL, NULL, 0),
                   204);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("h3", PHONE)),
                   201);
  /* JSON nested deeper than 3 is refused before it is read; brackets in
   * strings do not count. */
  assert_int_equal(post_json(f, MAIN "/handlers", ACME,
                             "{\"handler-id\": \"[[[[\", \"x\": [[{}]]}"),
                   400);
  expect_error(f, 400, "too-deep",
               "the JSON body nests 4 levels; this server takes at most 3");
  assert_int_equal(riptd_json_depth((const uint8_t *)"[\"\\\"[\", {}]", 12),
                   2);
  assert_int_equal(riptd_json_depth((const uint8_t *)"]]}", 3), 0);
  /* One call at a time. */
  f->now_ms += 10000; /* a full request bucket */
  caller c = caller_new(f, MAIN, ACME, "+15550100000");
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+15550101001", NULL, now),
                   201);
  assert_int_equal(place(f, MAIN, ACME, &c, MAIN_PHONE, "+15550100000",
                         "+15550101002", NULL, now),
                   429);
  expect_error(f, 429, "too-many-calls",
               "customer acme already has 1 calls; end one first");
  caller_del(&c);
  /* 20 requests a second, a burst of 40: the 41st at once is refused with
   * when to come back; 50 ms later one more fits. */
  f->now_ms += 10000;
  for (int i = 0; i < 40; ++i)
    assert_int_equal(get(f, MAIN, ACME), 200);
  assert_int_equal(get(f, MAIN, ACME), 429);
  expect_error(f, 429, "rate-limited",
               "customer acme sends more than 20 requests a second; retry "
               "after 1 s");
  assert_string_equal(header(f, "retry-after"), "1");
  assert_int_equal(get(f, LAB, GLOBEX), 200); /* globex has its own */
  f->now_ms += 50;
  assert_int_equal(get(f, MAIN, ACME), 200);
  assert_int_equal(get(f, MAIN, ACME), 429);
}

/* ---- a store that cannot be used now ---- */

static void test_store_unavailable(void **state) {
  (void)state;
  fx *f = fx_open("sqlite.json");
  char db[128];
  snprintf(db, sizeof(db), "%s/router.db", dir);
  assert_int_equal(
      post_json(f, MAIN "/handlers", ACME, HANDLER("phone", PHONE)), 201);
  /* Another process holds the database beyond the busy timeout: what
   * writes is answered 503 with when to come back; what reads works. */
  sqlite3 *other = NULL;
  assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("pc", PHONE)),
                   503);
  expect_error(f, 503, "store-unavailable",
               "riptd could not store the handler: its store is "
               "unavailable now; retry after 1 s");
  assert_string_equal(header(f, "retry-after"), "1");
  assert_int_equal(get(f, MAIN "/handlers/phone", ACME), 200);
  assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(other);
  assert_int_equal(post_json(f, MAIN "/handlers", ACME, HANDLER("pc", PHONE)),
                   201);
  fx_close(f);
  /* The records are in the file: a restart finds them. */
  f = fx_open("sqlite.json");
  assert_int_equal(get(f, MAIN "/handlers/pc", ACME), 200);
  fx_close(f);
}

/* ---- OAuth: the built-in authorization server and outside issuers ---- */

static int as_setup(void **state) {
  *state = fx_open("as.json");
  return 0;
}

/* POSTs the form |body| to the token endpoint with |authz| (may be NULL). */
static int token_post(fx *f, const char *authz, const char *body) {
  ript_http_header h[2] = {
      {"content-type", "application/x-www-form-urlencoded"},
      {"authorization", authz}};
  riptd_request r = {"POST", "/oauth/token", h, authz ? 2 : 1,
                     (const uint8_t *)body, strlen(body), f->now_ms};
  return handle(f, &r);
}

/* The last response is the RFC 6749 error |error|. */
static void expect_oauth_error(fx *f, int status, const char *error) {
  if (f->resp.status != status)
    fail_msg("status %d, want %d: %s", f->resp.status, status, body(f));
  char want[64];
  snprintf(want, sizeof(want), "\"error\": \"%s\"", error);
  assert_non_null(strstr(body(f), want));
  assert_string_equal(header(f, "cache-control"), "no-store");
}

/* The access_token of the last response, copied to |out|. */
static void take_token(fx *f, char *out, size_t len) {
  const char *at = strstr(body(f), "\"access_token\": \"");
  assert_non_null(at);
  at += strlen("\"access_token\": \"");
  size_t n = strcspn(at, "\"");
  assert_true(n < len);
  memcpy(out, at, n);
  out[n] = '\0';
}

/* "Basic base64(pbx:SECRET)". */
#define PBX_BASIC "Basic cGJ4OnBieC1zZWNyZXQtMDEyMzQ1Njc4OQ=="

static void test_as_token(void **state) {
  fx *f = *state;
  char tok[1024];
  assert_int_equal(token_post(f, PBX_BASIC, "grant_type=client_credentials"),
                   200);
  assert_non_null(strstr(body(f), "\"token_type\": \"Bearer\""));
  assert_non_null(strstr(body(f), "\"expires_in\": 300"));
  assert_non_null(strstr(body(f), "\"scope\": \"ript ript-admin\""));
  assert_string_equal(header(f, "cache-control"), "no-store");
  take_token(f, tok, sizeof(tok));
  /* The token is acme's: its TGs, not globex's. */
  assert_int_equal(get(f, MAIN, tok), 200);
  assert_int_equal(get(f, LAB, tok), 200);
  assert_int_equal(post_json(f, MAIN "/handlers", tok,
                             "{\"handler-id\": \"h1\", \"advertisement\": "
                             "\"" PHONE "\"}"),
                   201);
  /* client_secret_post, a narrower scope, '+' for the space. */
  assert_int_equal(token_post(f, NULL,
                              "grant_type=client_credentials&client_id=pbx&"
                              "client_secret=" PBX_SECRET "&scope=ript"),
                   200);
  take_token(f, tok, sizeof(tok));
  assert_int_equal(get(f, MAIN, tok), 200);
  assert_int_equal(post_json(f, MAIN "/handlers", tok,
                             "{\"handler-id\": \"h2\", \"advertisement\": "
                             "\"" PHONE "\"}"),
                   403);
  expect_error(f, 403, "insufficient-scope",
               "this needs a token with scope \"ript-admin\"");
  assert_string_equal(header(f, "www-authenticate"),
                      "Bearer realm=\"ript\", error=\"insufficient_scope\", "
                      "scope=\"ript-admin\"");
  /* A refresh token needs no client secret. */
  assert_int_equal(token_post(f, NULL,
                              "grant_type=refresh_token&refresh_token="
                              PBX_REFRESH "&scope=ript+ript-admin"),
                   200);
  take_token(f, tok, sizeof(tok));
  assert_int_equal(get(f, MAIN, tok), 200);
  /* Another customer's TG does not exist for this token. */
  assert_int_equal(token_post(f, NULL,
                              "grant_type=client_credentials&client_id="
                              "viewer&client_secret=" PBX_SECRET),
                   200);
  take_token(f, tok, sizeof(tok));
  assert_int_equal(get(f, MAIN, tok), 404);
  assert_int_equal(get(f, LAB, tok), 200);
  /* Expired: the same token 300 s + 60 s skew later. */
  f->now_ms += 361 * 1000;
  assert_int_equal(get(f, LAB, tok), 401);
  assert_string_equal(header(f, "www-authenticate"),
                      "Bearer realm=\"ript\", error=\"invalid_token\", "
                      "error_description=\"token expired\"");
  /* Tampered: one character of the signature changed. */
  f->now_ms -= 361 * 1000;
  tok[strlen(tok) - 5] ^= 1;
  assert_int_equal(get(f, LAB, tok), 401);
  expect_error(f, 401, "invalid-token", "the bearer token is not valid here");
}

static void test_as_token_errors(void **state) {
  fx *f = *state;
  static const struct {
    const char *authz, *body;
    int status;
    const char *error;
  } cases[] = {
      {"Basic cGJ4Ondyb25n", "grant_type=client_credentials", 401,
       "invalid_client"}, /* pbx:wrong */
      {"Bearer x", "grant_type=client_credentials", 401, "invalid_client"},
      {NULL, "grant_type=client_credentials", 401, "invalid_client"},
      {NULL, "grant_type=client_credentials&client_id=nobody&client_secret=x",
       401, "invalid_client"},
      {PBX_BASIC, "grant_type=client_credentials&client_id=pbx", 400,
       "invalid_request"},
      {PBX_BASIC, "grant_type=password&username=a&password=b", 400,
       "unsupported_grant_type"},
      {PBX_BASIC, "scope=ript", 400, "invalid_request"},
      {PBX_BASIC, "grant_type=client_credentials&grant_type=x", 400,
       "invalid_request"},
      {PBX_BASIC, "grant_type=client_credentials&scope=%zz", 400,
       "invalid_request"},
      {PBX_BASIC, "grant_type=client_credentials&scope=ript+root", 400,
       "invalid_scope"},
      {NULL, "grant_type=refresh_token", 400, "invalid_request"},
      {NULL, "grant_type=refresh_token&refresh_token=guess-0123456789", 400,
       "invalid_grant"},
      {NULL,
       "grant_type=refresh_token&refresh_token=" PBX_REFRESH
       "&client_id=viewer&client_secret=" PBX_SECRET,
       400, "invalid_grant"},
      {NULL,
       "grant_type=client_credentials&client_id=viewer&client_secret="
       PBX_SECRET "&scope=ript-admin",
       400, "invalid_scope"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    token_post(f, cases[i].authz, cases[i].body);
    if (f->resp.status != cases[i].status)
      fail_msg("case %zu: status %d: %s", i, f->resp.status, body(f));
    expect_oauth_error(f, cases[i].status, cases[i].error);
    if (cases[i].status == 401)
      assert_string_equal(header(f, "www-authenticate"),
                          "Basic realm=\"ript\"");
  }
  assert_int_equal(req(f, "POST", "/oauth/token", NULL, JSON,
                       "{\"grant_type\": \"client_credentials\"}", 33),
                   400);
  expect_oauth_error(f, 400, "invalid_request");
  assert_int_equal(get(f, "/oauth/token", NULL), 405);
  /* Guessing a secret is slow: 10 requests a second per client, a burst
   * of 20, whether they succeed or not; other clients are not held up. */
  int status = 0, tries = 0;
  while (tries < 25 && (status = token_post(f, "Basic cGJ4Ondyb25n",
                                            "grant_type=client_credentials")) !=
                           429)
    ++tries;
  assert_int_equal(status, 429);
  assert_true(tries <= 20);
  expect_oauth_error(f, 429, "too_many_requests");
  assert_string_equal(header(f, "retry-after"), "1");
  assert_int_equal(token_post(f, NULL,
                              "grant_type=client_credentials&client_id="
                              "viewer&client_secret=" PBX_SECRET),
                   200);
  f->now_ms += 200;
  assert_int_equal(token_post(f, PBX_BASIC, "grant_type=client_credentials"),
                   200);
}

static void test_as_documents(void **state) {
  fx *f = *state;
  assert_int_equal(get(f, "/.well-known/ript-oauth", NULL), 200);
  assert_non_null(strstr(body(f), "\"issuer\": \"https://" AUTH "\""));
  assert_non_null(
      strstr(body(f), "\"token_endpoint\": \"https://" AUTH "/oauth/token\""));
  assert_int_equal(get(f, "/.well-known/oauth-authorization-server", NULL),
                   200);
  assert_int_equal(get(f, "/oauth/jwks", NULL), 200);
  assert_string_equal(header(f, "content-type"), "application/jwk-set+json");
  ript_oauth_jwks *jwks = NULL;
  assert_int_equal(ript_oauth_jwks_parse(&jwks, body(f), f->resp.body.len, 0,
                                         NULL, NULL),
                   0);
  assert_int_equal(ript_oauth_jwks_len(jwks), 1);
  ript_oauth_jwks_del(jwks);
  /* Without a built-in server (riptd.json) these do not exist. */
  fx *g = fx_open("riptd.json");
  assert_int_equal(get(g, "/oauth/jwks", NULL), 404);
  assert_int_equal(token_post(g, PBX_BASIC, "grant_type=client_credentials"),
                   404);
  fx_close(g);
}

/* A token of the outside issuer with |kid|, customer |tenant|, audience
 * |aud|, valid from |iat| for an hour. */
static void idp_token(const char *kid, const char *tenant, const char *aud,
                      int64_t iat, char *out, size_t len) {
  ript_oauth_claims c = {IDP,   aud,    "pbx-7", "pbx-7", "jti-1",
                         "ript", iat,   iat + 3600, "tenant", tenant};
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_oauth_sign(&c, kid, idp_key, &b), 0);
  assert_true(b.len < len);
  memcpy(out, b.data, b.len);
  out[b.len] = '\0';
  ript_buf_free(&b);
}

static void test_outside_issuer(void **state) {
  fx *f = *state;
  char tok[1024];
  int64_t now = f->now_ms / 1000;
  idp_token("idp-1", "globex", ROOT, now, tok, sizeof(tok));
  assert_int_equal(get(f, LAB, tok), 200);
  assert_int_equal(get(f, MAIN, tok), 404);
  /* Scope "ript" only: no provisioning. */
  assert_int_equal(post_json(f, LAB "/handlers", tok, "{}"), 403);
  static const struct {
    const char *tenant, *aud;
    const char *description;
  } bad[] = {
      {"globex", "https://elsewhere.example/.well-known/ript",
       "wrong audience"},
      {"initech", ROOT, "the token names a customer this server does not "
                        "have"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    idp_token("idp-1", bad[i].tenant, bad[i].aud, now, tok, sizeof(tok));
    assert_int_equal(get(f, LAB, tok), 401);
    char want[256];
    snprintf(want, sizeof(want),
             "Bearer realm=\"ript\", error=\"invalid_token\", "
             "error_description=\"%s\"",
             bad[i].description);
    assert_string_equal(header(f, "www-authenticate"), want);
  }
  /* Rotation: a new key under a new kid is read from the file when a
   * token first names it; the old kid is then gone. */
  char old[1024];
  idp_token("idp-1", "globex", ROOT, now, old, sizeof(old));
  write_key("idp-key.pem", "idp-2");
  idp_token("idp-2", "globex", ROOT, now, tok, sizeof(tok));
  assert_int_equal(get(f, LAB, tok), 200);
  assert_int_equal(get(f, LAB, old), 401);
  write_key("idp-key.pem", "idp-1"); /* as the other tests expect */
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_root),
      T(test_oauth),
      T(test_unknown_paths),
      T(test_auth),
      T(test_tg_list),
      T(test_tg),
      T(test_handlers),
      T(test_handler_errors),
      T(test_certs),
      T(test_cert_errors),
      T(test_call),
      T(test_call_lookup),
      T(test_byways),
      T(test_call_errors),
      cmocka_unit_test(test_call_untrusted),
      T(test_random_requests),
      cmocka_unit_test(test_store_unavailable),
#define AS(name) cmocka_unit_test_setup_teardown(name, as_setup, teardown)
      AS(test_as_token),
      AS(test_as_token_errors),
      AS(test_as_documents),
      AS(test_outside_issuer),
      cmocka_unit_test_setup_teardown(test_limits, limits_setup, teardown),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

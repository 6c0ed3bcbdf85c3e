/* The client library's pieces that need no socket: results and their
 * descriptions, tokens, configuration checks, argument checks of every
 * operation, key files, and out-of-memory paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ript/client.h"
#include "testutil.h"

static const char root[] = "https://127.0.0.1:4433/.well-known/ript";

static ript_client_result result(int code, int status) {
  ript_client_result res;
  memset(&res, 0, sizeof(res));
  res.code = code;
  res.status = status;
  res.method = "GET";
  res.url = "https://ript.example.com:4433/.well-known/ript/providertgs";
  res.timeout_ms = 10000;
  return res;
}

static void expect_line(const ript_client_result *res, ript_http_version v,
                        const char *want) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_client_result_describe(res, v, &b), 0);
  assert_string_equal((const char *)b.data, want);
  ript_buf_free(&b);
}

#define URL "GET https://ript.example.com:4433/.well-known/ript/providertgs: "

static void test_describe(void **state) {
  (void)state;
  ript_client_result res = result(0, 200);
  expect_line(&res, RIPT_HTTP_3, URL "200");
  res = result(RIPT_ERR_HTTP_STATUS, 401);
  res.error = "invalid-token";
  res.reason = "the bearer token is not valid here";
  expect_line(&res, RIPT_HTTP_3,
              URL "401 invalid-token: the bearer token is not valid here");
  res.reason = "bad\r\nX-Injected: 1\x1b[2J";
  expect_line(&res, RIPT_HTTP_3,
              URL "401 invalid-token: bad??X-Injected: 1?[2J");
  res = result(RIPT_ERR_HTTP_STATUS, 502);
  expect_line(&res, RIPT_HTTP_2,
              URL "502 (the response has no error document)");
  res = result(RIPT_ERR_HTTP_CLOSED, 0);
  expect_line(&res, RIPT_HTTP_3,
              URL "cannot reach ript.example.com:4433 over HTTP/3: no server "
                  "answered there, or the connection was lost");
  expect_line(&res, RIPT_HTTP_2,
              URL "cannot reach ript.example.com:4433 over HTTP/2: no server "
                  "answered there, or the connection was lost");
  res.timed_out = 1;
  res.timeout_ms = 2500;
  expect_line(&res, RIPT_HTTP_3,
              URL "no answer from ript.example.com:4433 within 2500 ms");
  res = result(RIPT_ERR_HTTP_TLS, 0);
  expect_line(&res, RIPT_HTTP_3,
              URL "TLS with ript.example.com:4433 failed: its certificate is "
                  "not trusted here or does not name ript.example.com");
  res.url = "https://[::1]:4433/x";
  expect_line(&res, RIPT_HTTP_3,
              "GET https://[::1]:4433/x: TLS with [::1]:4433 failed: its "
              "certificate is not trusted here or does not name [::1]");
  res = result(RIPT_ERR_HTTP_RESET, 0);
  expect_line(&res, RIPT_HTTP_3, URL "the server reset the request");
  res = result(RIPT_ERR_LIMIT, 200);
  expect_line(&res, RIPT_HTTP_3,
              URL "the response is larger than 1048576 bytes");
  res = result(RIPT_ERR_PARSE, 200);
  res.what = "TG list";
  res.parse = (ript_parse_error){7, "\"tgs\" as an array"};
  expect_line(&res, RIPT_HTTP_3,
              URL "the TG list in the response is not valid: at byte 7 "
                  "expected \"tgs\" as an array");
  res.what = "Location header";
  res.parse.expected = NULL;
  expect_line(&res, RIPT_HTTP_3, URL "the response has no valid Location "
                                     "header");
  res = result(RIPT_ERR_MISMATCH, 201);
  res.what = "the issued certificate is not for the key of the CSR";
  expect_line(&res, RIPT_HTTP_3,
              URL "the issued certificate is not for the key of the CSR");
  res = result(RIPT_ERR_NOMEM, 0);
  res.method = res.url = NULL;
  expect_line(&res, RIPT_HTTP_3, "out of memory");
  res = result(RIPT_ERR_HTTP_CLOSED, 0);
  res.url = "not a url";
  expect_line(&res, RIPT_HTTP_3,
              "GET not a url: cannot reach not a url over HTTP/3: no server "
              "answered there, or the connection was lost");

  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_client_result_describe(NULL, RIPT_HTTP_3, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_result_describe(&res, RIPT_HTTP_3, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Out of memory part way: the buffer is as it was. */
  ript_test_failmem fm;
  res = result(RIPT_ERR_HTTP_STATUS, 403);
  res.error = "forbidden";
  res.reason = "a reason long enough to need the buffer to grow a lot more "
               "than its first allocation gave it, surely by now";
  for (long n = 0;; ++n) {
    ript_test_failmem_init(&fm, n);
    ript_buf_init(&b, &fm.mem);
    if (n > 0)
      assert_int_equal(ript_buf_append_str(&b, "x"), 0);
    int rv = ript_client_result_describe(&res, RIPT_HTTP_3, &b);
    if (rv == 0) {
      ript_buf_free(&b);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_int_equal(b.len, n > 0 ? 1 : 0);
    if (n > 0)
      assert_string_equal((const char *)b.data, "x");
    ript_buf_free(&b);
  }
}

static void test_tokens(void **state) {
  (void)state;
  assert_true(ript_client_token_ok("abc"));
  assert_true(ript_client_token_ok("aZ09-._~+/=="));
  assert_true(ript_client_token_ok("a="));
  assert_false(ript_client_token_ok(NULL));
  assert_false(ript_client_token_ok(""));
  assert_false(ript_client_token_ok("="));
  assert_false(ript_client_token_ok("a=b"));
  assert_false(ript_client_token_ok("a b"));
  assert_false(ript_client_token_ok("a\r\nb"));
  assert_false(ript_client_token_ok("a\"b"));
}

static void on_closed(void *user_data) { ++*(int *)user_data; }

/* Closes |client| and runs |loop| until it is freed. */
static void close_client(uv_loop_t *loop, ript_client *client) {
  int closed = 0;
  ript_client_close(client, on_closed, &closed);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(closed, 1);
}

static void test_new_and_close(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  ript_client_config cfg = {RIPT_HTTP_3, root, "tok", NULL, 0, 0, 0};
  ript_client *client = NULL;
  assert_int_equal(ript_client_new(NULL, &loop, &cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_new(&client, NULL, &cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_new(&client, &loop, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  cfg.version = (ript_http_version)1;
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  cfg.version = RIPT_HTTP_2;
  cfg.root = "http://a/";
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  cfg.root = root;
  cfg.token = "to ken";
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  cfg.token = NULL;
  cfg.ca_file = "/nonexistent/ca.pem";
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL),
                   RIPT_ERR_HTTP_TLS);
  assert_null(client);
  cfg.ca_file = NULL;
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL), 0);
  close_client(&loop, client);
  ript_client_close(NULL, NULL, NULL);

  /* Every allocation of the client's own can fail, and nothing leaks. */
  cfg.token = "a-token";
  ript_test_failmem fm;
  for (long n = 0;; ++n) {
    ript_test_failmem_init(&fm, n);
    client = NULL;
    int rv = ript_client_new(&client, &loop, &cfg, &fm.mem);
    if (rv == 0) {
      close_client(&loop, client);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(client);
  }
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void never_root(ript_client *c, const ript_client_result *r,
                       const ript_doc_root *d, void *u) {
  (void)c, (void)r, (void)d, (void)u;
  fail_msg("a refused operation called back");
}
static void never_list(ript_client *c, const ript_client_result *r,
                       const ript_doc_tg_list *d, void *u) {
  never_root(c, r, NULL, u), (void)d;
}
static void never_tg(ript_client *c, const ript_client_result *r,
                     const ript_doc_tg *d, void *u) {
  never_root(c, r, NULL, u), (void)d;
}
static void never_discover(ript_client *c, const ript_client_result *r,
                           const ript_doc_tg_list *l, const ript_doc_tg *t,
                           void *u) {
  never_root(c, r, NULL, u), (void)l, (void)t;
}
static void never_handler(ript_client *c, const ript_client_result *r,
                          const ript_doc_handler *d, void *u) {
  never_root(c, r, NULL, u), (void)d;
}
static void never_handlers(ript_client *c, const ript_client_result *r,
                           const ript_doc_handler_list *d, void *u) {
  never_root(c, r, NULL, u), (void)d;
}
static void never_done(ript_client *c, const ript_client_result *r, void *u) {
  never_root(c, r, NULL, u);
}
static void never_cert(ript_client *c, const ript_client_result *r,
                       const ript_client_cert *d, void *u) {
  never_root(c, r, NULL, u), (void)d;
}

static void test_operation_arguments(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  ript_client_config cfg = {RIPT_HTTP_3, NULL, NULL, NULL, 0, 0, 0};
  ript_client *client = NULL;
  assert_int_equal(ript_client_new(&client, &loop, &cfg, NULL), 0);
  const int bad = RIPT_ERR_INVALID_ARGUMENT;
  const char *tg = "https://127.0.0.1:4433/tg";
  /* No root configured: nothing to bootstrap from. */
  assert_int_equal(ript_client_bootstrap(client, never_root, NULL), bad);
  assert_int_equal(ript_client_tg_list(client, never_list, NULL), bad);
  assert_int_equal(ript_client_discover(client, never_discover, NULL), bad);
  assert_int_equal(ript_client_bootstrap(NULL, never_root, NULL), bad);
  assert_int_equal(ript_client_bootstrap(client, NULL, NULL), bad);
  assert_int_equal(ript_client_tg_get(client, "http://a/", never_tg, NULL),
                   bad);
  assert_int_equal(ript_client_tg_get(client, NULL, never_tg, NULL), bad);
  assert_int_equal(ript_client_tg_get(client, tg, NULL, NULL), bad);
  assert_int_equal(ript_client_handler_add(client, "x", "id", "1 in: PCMU;",
                                           never_handler, NULL),
                   bad);
  /* The document writer refuses what a server would. */
  assert_int_equal(ript_client_handler_add(client, tg, "a b", "1 in: PCMU;",
                                           never_handler, NULL),
                   bad);
  assert_int_equal(
      ript_client_handler_add(client, tg, "id", "", never_handler, NULL), bad);
  assert_int_equal(ript_client_handler_add(client, tg, NULL, "1 in: PCMU;",
                                           never_handler, NULL),
                   bad);
  assert_int_equal(
      ript_client_handler_add(client, tg, "id", "1 in: PCMU;", NULL, NULL),
      bad);
  assert_int_equal(ript_client_handler_put(client, "https://a b/", "id",
                                           "1 in: PCMU;", never_handler, NULL),
                   bad);
  assert_int_equal(
      ript_client_handler_list(client, "ftp://a/", never_handlers, NULL), bad);
  assert_int_equal(ript_client_handler_list(client, tg, NULL, NULL), bad);
  assert_int_equal(ript_client_handler_get(client, "", never_handler, NULL),
                   bad);
  assert_int_equal(ript_client_handler_get(client, tg, NULL, NULL), bad);
  assert_int_equal(ript_client_handler_delete(client, NULL, never_done, NULL),
                   bad);
  assert_int_equal(ript_client_handler_delete(client, tg, NULL, NULL), bad);
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(ript_client_cert_request(client, tg, "15550100000", key,
                                            never_cert, NULL),
                   bad);
  assert_int_equal(ript_client_cert_request(client, tg, "+1555 0100", key,
                                            never_cert, NULL),
                   bad);
  assert_int_equal(ript_client_cert_request(client, tg, "+15550100000", NULL,
                                            never_cert, NULL),
                   bad);
  assert_int_equal(ript_client_cert_request(client, "x", "+15550100000", key,
                                            never_cert, NULL),
                   bad);
  assert_int_equal(ript_client_cert_request(client, tg, "+15550100000", key,
                                            NULL, NULL),
                   bad);
  ript_stir_key_del(key);
  close_client(&loop, client);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- key files ---- */

typedef struct keydir {
  char dir[64];
  char path[128];
} keydir;

static int keydir_setup(void **state) {
  keydir *k = calloc(1, sizeof(*k));
  if (!k)
    return -1;
  snprintf(k->dir, sizeof(k->dir), "/tmp/ript-key-XXXXXX");
  if (!mkdtemp(k->dir))
    return -1;
  snprintf(k->path, sizeof(k->path), "%s/+15550100000.key", k->dir);
  *state = k;
  return 0;
}

static int keydir_teardown(void **state) {
  keydir *k = *state;
  unlink(k->path);
  int rv = rmdir(k->dir);
  free(k);
  return rv;
}

static void export_pem(const ript_stir_key *key, ript_buf *out) {
  ript_buf_init(out, NULL);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, out), 0);
}

static void test_key_files(void **state) {
  keydir *k = *state;
  ript_stir_key *key = NULL, *back = NULL;
  ript_parse_error err = {0, NULL};
  errno = 0;
  assert_int_equal(ript_client_key_load(k->path, &back, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(ript_client_key_save(key, k->path, NULL), 0);
  struct stat sb;
  assert_int_equal(stat(k->path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(ript_client_key_load(k->path, &back, &err, NULL), 0);
  ript_buf a, b;
  export_pem(key, &a);
  export_pem(back, &b);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.data, b.data, a.len);
  ript_buf_free(&a);
  ript_buf_free(&b);
  ript_stir_key_del(back);
  /* An existing key is never replaced. */
  errno = 0;
  assert_int_equal(ript_client_key_save(key, k->path, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, EEXIST);
  char other[160];
  snprintf(other, sizeof(other), "%s/missing/x.key", k->dir);
  errno = 0;
  assert_int_equal(ript_client_key_save(key, other, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(ript_client_key_save(NULL, k->path, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_key_save(key, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_key_load(NULL, &back, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_client_key_load(k->path, NULL, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);

  /* Out of memory in saving and loading. */
  ript_test_failmem fm;
  unlink(k->path);
  for (long n = 0;; ++n) {
    ript_test_failmem_init(&fm, n);
    int rv = ript_client_key_save(key, k->path, &fm.mem);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_int_equal(access(k->path, F_OK), -1);
  }
  for (long n = 0;; ++n) {
    ript_test_failmem_init(&fm, n);
    back = NULL;
    int rv = ript_client_key_load(k->path, &back, &err, &fm.mem);
    if (rv == 0) {
      ript_stir_key_del(back);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(back);
  }
  ript_stir_key_del(key);

  /* Files that hold no key. */
  FILE *f = fopen(k->path, "wb");
  fclose(f);
  assert_int_equal(ript_client_key_load(k->path, &back, &err, NULL),
                   RIPT_ERR_PARSE);
  assert_string_equal(err.expected, "a P-256 private key (the file is empty)");
  f = fopen(k->path, "wb");
  fputs("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        f);
  fclose(f);
  err.expected = NULL;
  assert_int_equal(ript_client_key_load(k->path, &back, &err, NULL),
                   RIPT_ERR_PARSE);
  assert_non_null(err.expected);
  /* A directory cannot be read as a file. */
  errno = 0;
  assert_int_equal(ript_client_key_load(k->dir, &back, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, EISDIR);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_describe),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_new_and_close),
      cmocka_unit_test(test_operation_arguments),
      cmocka_unit_test_setup_teardown(test_key_files, keydir_setup,
                                      keydir_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

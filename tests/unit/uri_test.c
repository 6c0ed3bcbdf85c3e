#include <stdlib.h>
#include <string.h>

#include "ript/uri.h"
#include "testutil.h"

static int parse(const char *uri, unsigned flags, ript_uri_parts *parts,
                 ript_parse_error *err) {
  return ript_uri_parse(uri, strlen(uri), flags, parts, err);
}

static void expect_bad(const char *uri, unsigned flags, size_t offset) {
  ript_parse_error err = {0, NULL};
  int rv = parse(uri, flags, NULL, &err);
  if (rv != RIPT_ERR_PARSE || err.offset != offset)
    fail_msg("'%s': got %d at %zu, want error at %zu", uri, rv, err.offset,
             offset);
  assert_non_null(err.expected);
}

static void test_parse_parts(void **state) {
  (void)state;
  ript_uri_parts p;
  const char *u = "https://ript.example.com:8443/tgs/domestic";
  assert_int_equal(parse(u, 0, &p, NULL), 0);
  assert_int_equal(p.authority_off, 8);
  assert_int_equal(p.authority_len, strlen("ript.example.com:8443"));
  assert_int_equal(p.host_off, 8);
  assert_int_equal(p.host_len, strlen("ript.example.com"));
  assert_int_equal(p.port, 8443);
  assert_int_equal(p.path_off, 29);
  assert_int_equal(p.path_len, strlen("/tgs/domestic"));

  assert_int_equal(parse("HTTPS://a", 0, &p, NULL), 0);
  assert_int_equal(p.port, 0);
  assert_int_equal(p.path_len, 0);
  assert_int_equal(p.path_off, 9);

  assert_int_equal(parse("https://[2001:db8::1]:65535/x%2Fy", 0, &p, NULL), 0);
  assert_int_equal(p.host_len, strlen("[2001:db8::1]"));
  assert_int_equal(p.port, 65535);
  assert_int_equal(parse("https://a:1/", 0, &p, NULL), 0);
  assert_int_equal(p.port, 1);
  assert_int_equal(parse("https://a/b:c@d!$&'()*+,;=-._~/", 0, NULL, NULL), 0);
  assert_int_equal(parse("https://a%41b/", 0, NULL, NULL), 0);
}

static void test_parse_errors(void **state) {
  (void)state;
  expect_bad("", 0, 0);
  expect_bad("http://a/", 0, 4);
  expect_bad("https:/a", 0, 7);
  expect_bad("https://", 0, 8);
  expect_bad("https:///x", 0, 8);
  expect_bad("https://user@a/", 0, 12);
  expect_bad("https://a:0/", 0, 10);
  expect_bad("https://a:65536/", 0, 10);
  expect_bad("https://a:/", 0, 10);
  expect_bad("https://a:12x/", 0, 10);
  expect_bad("https://a:123456/", 0, 10);
  expect_bad("https://a b/", 0, 9);
  expect_bad("https://a/b c", 0, 11);
  expect_bad("https://a/b\x7f", 0, 11);
  expect_bad("https://a/?q=1", 0, 10);
  expect_bad("https://a/#f", 0, 10);
  expect_bad("https://a/%zz", 0, 10);
  expect_bad("https://a/%4", 0, 10);
  expect_bad("https://[::1/", 0, 12);
  expect_bad("https://[]/", 0, 9);
  expect_bad("https://[::1]x/", 0, 13);
  expect_bad("https://a?b", 0, 9);
  assert_int_equal(ript_uri_parse(NULL, 3, 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_parse("https://a", 9, 0x80u, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_parse(NULL, 0, 0, NULL, NULL), RIPT_ERR_PARSE);
  /* a NUL within the length is a bad byte */
  assert_int_equal(ript_uri_parse("https://a/\0", 11, 0, NULL, NULL),
                   RIPT_ERR_PARSE);
}

static void test_parse_domain_flag(void **state) {
  (void)state;
  const unsigned d = RIPT_URI_FLAG_DOMAIN;
  assert_int_equal(parse("https://pbx.acme.example/ript", d, NULL, NULL), 0);
  assert_int_equal(parse("https://PBX-1.example:444", d, NULL, NULL), 0);
  assert_int_equal(parse("https://localhost/", d, NULL, NULL), 0);
  assert_int_equal(parse("https://1.example/", d, NULL, NULL), 0);
  expect_bad("https://192.0.2.1/", d, 16); /* the all-digit last label */
  expect_bad("https://[2001:db8::1]/", d, 8);
  expect_bad("https://a_b.example/", d, 9);
  expect_bad("https://-a.example/", d, 8);
  expect_bad("https://a-.example/", d, 8);
  expect_bad("https://a..example/", d, 10);
  expect_bad("https://a%41.example/", d, 9);
  /* the same hosts are fine without the flag */
  assert_int_equal(parse("https://192.0.2.1/", 0, NULL, NULL), 0);
  assert_int_equal(parse("https://a_b.example/", 0, NULL, NULL), 0);
  char host[300] = "https://";
  memset(host + 8, 'a', 64);
  strcpy(host + 72, ".example");
  expect_bad(host, d, 8);
  memset(host + 8, 'a', 63);
  strcpy(host + 71, ".example");
  assert_int_equal(parse(host, d, NULL, NULL), 0);
}

static void test_parse_query_flag(void **state) {
  (void)state;
  const unsigned q = RIPT_URI_FLAG_QUERY;
  ript_uri_parts p;
  const char *u = "https://as.example:8443/token?grant=cc&x=/a?b";
  assert_int_equal(parse(u, q, &p, NULL), 0);
  assert_int_equal(p.port, 8443);
  assert_int_equal(p.authority_len, strlen("as.example:8443"));
  assert_string_equal(u + p.path_off, "/token?grant=cc&x=/a?b");
  assert_int_equal(p.path_len, strlen("/token?grant=cc&x=/a?b"));
  /* A query right after the authority is still one. */
  assert_int_equal(parse("https://as.example?x=1", q, &p, NULL), 0);
  assert_int_equal(p.authority_len, strlen("as.example"));
  assert_int_equal(p.path_len, strlen("?x=1"));
  /* Without the flag RIPT URIs refuse it; a fragment is always refused. */
  expect_bad("https://a.example/t?x", 0, 19);
  expect_bad("https://a.example/t#f", q, 19);
  expect_bad("https://a.example/t?x#f", q, 21);
  expect_bad("https://a.example/t?x y", q, 21);
  assert_int_equal(parse("https://a.example/", 4, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static char *example(const char *name) {
  return ript_test_example(name, NULL);
}

static void expect_join(const char *base, const char *path, const char *want) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_uri_join(base, path, &b), 0);
  assert_string_equal((const char *)b.data, want);
  ript_buf_free(&b);
}

static void test_join(void **state) {
  (void)state;
  char *want = example("uri-join");
  expect_join("https://ript.example.com/tgs/domestic", "calls", want);
  expect_join("https://ript.example.com/tgs/domestic/", "/calls", want);
  expect_join("https://ript.example.com/tgs/domestic", "/calls", want);
  free(want);
  expect_join("https://a", "calls", "https://a/calls");
  expect_join("https://a/c/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69",
              "events", "https://a/c/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69/events");
  expect_join("https://a/tg", "calls/x/media", "https://a/tg/calls/x/media");
  expect_join("https://a/tg", "..x/%20", "https://a/tg/..x/%20");

  ript_buf b;
  ript_buf_init(&b, NULL);
  const char *bad_paths[] = {"", "/", "a//b", "a/", "..", "../x", "x/./y",
                             ".", "a b", "a?b", "%zz", "a#"};
  for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); ++i)
    if (ript_uri_join("https://a/tg", bad_paths[i], &b) !=
        RIPT_ERR_INVALID_ARGUMENT)
      fail_msg("path '%s' accepted", bad_paths[i]);
  assert_int_equal(ript_uri_join("http://a/tg", "calls", &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_join(NULL, "calls", &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_join("https://a", NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_join("https://a", "x", NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.len, 0);
  ript_buf_free(&b);
}

static void test_well_known(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  char *want = example("uri-root");
  assert_int_equal(ript_uri_root("ript.example.com", &b), 0);
  assert_string_equal((const char *)b.data, want);
  free(want);
  ript_buf_reset(&b);
  want = example("uri-oauth");
  assert_int_equal(ript_uri_oauth("ript.example.com", &b), 0);
  assert_string_equal((const char *)b.data, want);
  free(want);
  ript_buf_reset(&b);
  assert_int_equal(ript_uri_root("[::1]:8443", &b), 0);
  assert_string_equal((const char *)b.data,
                      "https://[::1]:8443/.well-known/ript");
  ript_buf_reset(&b);
  const char *bad[] = {"", "a/b", "user@a", "a:0", "a b", "a:"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    assert_int_equal(ript_uri_root(bad[i], &b), RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_uri_oauth(bad[i], &b), RIPT_ERR_INVALID_ARGUMENT);
  }
  assert_int_equal(ript_uri_root(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_oauth("a", NULL), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.len, 0);
  ript_buf_free(&b);
}

/* The builders allocate only through the caller's buffer. */
static void test_out_of_memory(void **state) {
  (void)state;
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 1);
  ript_buf b;
  ript_buf_init(&b, &fm.mem);
  assert_int_equal(ript_buf_append_str(&b, "x"), 0);
  char base[100] = "https://a/";
  memset(base + 10, 'b', 60);
  base[70] = '\0';
  assert_int_equal(ript_uri_join(base, "calls", &b), RIPT_ERR_NOMEM);
  char auth[100];
  memset(auth, 'a', 70);
  auth[70] = '\0';
  assert_int_equal(ript_uri_root(auth, &b), RIPT_ERR_NOMEM);
  assert_int_equal(ript_uri_oauth(auth, &b), RIPT_ERR_NOMEM);
  assert_string_equal((const char *)b.data, "x");
  ript_buf_free(&b);
}

static void test_uuid_format(void **state) {
  (void)state;
  size_t n;
  uint8_t *random = ript_test_example_hex("uuid-random", &n);
  assert_int_equal(n, 16);
  char *want = example("uuid-v4");
  char out[RIPT_URI_UUID_LEN + 1];
  assert_int_equal(ript_uri_uuid_format(random, out), 0);
  assert_string_equal(out, want);
  assert_int_equal(ript_uri_uuid_check(out, strlen(out), NULL), 0);
  free(want);
  free(random);

  uint8_t ones[16];
  memset(ones, 0xff, sizeof(ones));
  assert_int_equal(ript_uri_uuid_format(ones, out), 0);
  assert_string_equal(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
  uint8_t zeros[16] = {0};
  assert_int_equal(ript_uri_uuid_format(zeros, out), 0);
  assert_string_equal(out, "00000000-0000-4000-8000-000000000000");
  assert_int_equal(ript_uri_uuid_format(NULL, out), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_uri_uuid_format(zeros, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void expect_bad_uuid(const char *s, size_t offset) {
  ript_parse_error err = {0, NULL};
  assert_int_equal(ript_uri_uuid_check(s, strlen(s), &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, offset);
}

static void test_uuid_check(void **state) {
  (void)state;
  const char *u = "3F2B8C4E-9A1D-1B7E-0C5F-1E2D3C4B5A69";
  assert_int_equal(ript_uri_uuid_check(u, strlen(u), NULL), 0);
  expect_bad_uuid("", 0);
  expect_bad_uuid("3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a6", 35);
  expect_bad_uuid("3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a690", 36);
  expect_bad_uuid("3f2b8c4e_9a1d-4b7e-8c5f-1e2d3c4b5a69", 8);
  expect_bad_uuid("3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a6g", 35);
  expect_bad_uuid("3f2b8c4e-9a1d-4b7e-8c5f1-e2d3c4b5a69", 23);
  assert_int_equal(ript_uri_uuid_check(NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_call_uuid(void **state) {
  (void)state;
  const char *u = "https://ript.example.com/tgs/domestic/calls/"
                  "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";
  size_t off = 0;
  assert_int_equal(ript_uri_call_uuid(u, strlen(u), &off, NULL), 0);
  assert_int_equal(off, strlen(u) - RIPT_URI_UUID_LEN);
  const char *events = "https://a/00000000-0000-4000-8000-000000000000/c/"
                       "11111111-1111-4111-8111-111111111111/events";
  assert_int_equal(ript_uri_call_uuid(events, strlen(events), &off, NULL), 0);
  assert_int_equal(off, 49);
  assert_int_equal(ript_uri_call_uuid(u, strlen(u), NULL, NULL), 0);

  ript_parse_error err;
  const char *none = "https://a/calls/3f2b8c4e9a1d4b7e8c5f1e2d3c4b5a69";
  assert_int_equal(ript_uri_call_uuid(none, strlen(none), &off, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 9);
  const char *embedded = "https://a/x3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";
  assert_int_equal(ript_uri_call_uuid(embedded, strlen(embedded), NULL, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_uri_call_uuid("https://a", 9, NULL, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 9);
  assert_int_equal(ript_uri_call_uuid("http://a/", 9, NULL, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 4);
  assert_int_equal(ript_uri_call_uuid(NULL, 2, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_parts),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_parse_domain_flag),
      cmocka_unit_test(test_parse_query_flag),
      cmocka_unit_test(test_join),
      cmocka_unit_test(test_well_known),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_uuid_format),
      cmocka_unit_test(test_uuid_check),
      cmocka_unit_test(test_call_uuid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

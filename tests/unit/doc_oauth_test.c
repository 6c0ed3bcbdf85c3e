/* The OAuth documents a client reads: token response and AS metadata. */
#include <string.h>

#include "ript/doc.h"
#include "ript/error.h"
#include "testutil.h"

static const char token_json[] =
    "{\"access_token\": \"eyJhbGciOiJFUzI1NiJ9.e30.c2ln\", \"token_type\": "
    "\"bearer\", \"expires_in\": 300, \"refresh_token\": \"rt-1\", "
    "\"scope\": \"ript ript-admin\", \"other\": [1]}";

static void test_token_parse_write(void **state) {
  (void)state;
  ript_doc_token t;
  ript_parse_error err = {0, NULL};
  assert_int_equal(ript_doc_token_parse(&t, token_json, strlen(token_json), 0,
                                        &err, NULL),
                   0);
  assert_string_equal(t.access_token, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln");
  assert_string_equal(t.token_type, "bearer");
  assert_int_equal(t.expires_in, 300);
  assert_string_equal(t.refresh_token, "rt-1");
  assert_string_equal(t.scope, "ript ript-admin");
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_doc_token_write(&t, &out), 0);
  assert_string_equal((const char *)out.data,
                      "{\n  \"access_token\": \"eyJhbGciOiJFUzI1NiJ9.e30.c2ln\","
                      "\n  \"token_type\": \"bearer\",\n  \"expires_in\": 300,"
                      "\n  \"refresh_token\": \"rt-1\",\n  \"scope\": \"ript "
                      "ript-admin\"\n}");
  ript_doc_token_free(&t);
  /* Only the two required members; expires_in absent is -1. */
  const char *min = "{\"access_token\": \"abc=\", \"token_type\": \"Bearer\"}";
  assert_int_equal(ript_doc_token_parse(&t, min, strlen(min), 0, NULL, NULL),
                   0);
  assert_int_equal(t.expires_in, -1);
  assert_null(t.refresh_token);
  assert_null(t.scope);
  ript_doc_token_free(&t);
  ript_buf_free(&out);
}

static void test_token_errors(void **state) {
  (void)state;
  static const struct {
    const char *json;
    size_t offset;
    const char *expected;
  } cases[] = {
      {"{\"token_type\": \"Bearer\"}", 0, "\"access_token\" as a bearer token "
                                          "(RFC 6750 b64token)"},
      {"{\"access_token\": \"a b\", \"token_type\": \"Bearer\"}", 17,
       "\"access_token\" as a bearer token (RFC 6750 b64token)"},
      {"{\"access_token\": 7, \"token_type\": \"Bearer\"}", 17,
       "\"access_token\" as a bearer token (RFC 6750 b64token)"},
      {"{\"access_token\": \"a\", \"token_type\": \"mac\"}", 36,
       "\"token_type\" as \"Bearer\""},
      {"{\"access_token\": \"a\", \"token_type\": \"Bearer\", \"expires_in\": 0}",
       60, "\"expires_in\" as an integer number of seconds from 1"},
      {"{\"access_token\": \"a\", \"token_type\": \"Bearer\", \"expires_in\": "
       "\"60\"}",
       60, "\"expires_in\" as an integer number of seconds from 1"},
      {"{\"access_token\": \"a\", \"token_type\": \"Bearer\", "
       "\"refresh_token\": \"\"}",
       63, "\"refresh_token\" as a non-empty string"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    ript_doc_token t;
    ript_parse_error err = {12345, NULL};
    assert_int_equal(ript_doc_token_parse(&t, cases[i].json,
                                          strlen(cases[i].json), 0, &err,
                                          NULL),
                     RIPT_ERR_PARSE);
    if (err.offset != cases[i].offset)
      fail_msg("case %zu: offset %zu, want %zu", i, err.offset,
               cases[i].offset);
    assert_string_equal(err.expected, cases[i].expected);
    assert_null(t.access_token);
  }
  ript_doc_token t;
  ript_doc_token_init(&t);
  ript_buf out;
  ript_buf_init(&out, NULL);
  t.access_token = "ok";
  assert_int_equal(ript_doc_token_write(&t, &out), RIPT_ERR_INVALID_ARGUMENT);
  t.token_type = "Bearer";
  t.expires_in = 0;
  assert_int_equal(ript_doc_token_write(&t, &out), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(out.len, 0);
  assert_int_equal(ript_doc_token_parse(NULL, "{}", 2, 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_doc_token_free(NULL);
}

static void test_meta(void **state) {
  (void)state;
  const char *json =
      "{\"issuer\": \"https://as.example\", \"token_endpoint\": "
      "\"https://as.example/oauth/token\", \"grant_types_supported\": "
      "[\"client_credentials\"], \"jwks_uri\": \"https://as.example/jwks\"}";
  ript_doc_oauth_meta m;
  assert_int_equal(
      ript_doc_oauth_meta_parse(&m, json, strlen(json), 0, NULL, NULL), 0);
  assert_string_equal(m.issuer, "https://as.example");
  assert_string_equal(m.token_endpoint, "https://as.example/oauth/token");
  assert_string_equal(m.jwks_uri, "https://as.example/jwks");
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_doc_oauth_meta_write(&m, &out), 0);
  assert_string_equal((const char *)out.data,
                      "{\n  \"issuer\": \"https://as.example\",\n  "
                      "\"token_endpoint\": \"https://as.example/oauth/token\","
                      "\n  \"jwks_uri\": \"https://as.example/jwks\"\n}");
  ript_doc_oauth_meta_free(&m);
  ript_buf_free(&out);
  ript_parse_error err = {0, NULL};
  const char *bad = "{\"issuer\": \"https://as.example\", \"token_endpoint\": "
                    "\"http://as.example/token\"}";
  assert_int_equal(
      ript_doc_oauth_meta_parse(&m, bad, strlen(bad), 0, &err, NULL),
      RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 51);
  assert_string_equal(err.expected, "\"token_endpoint\" as an https URI");
  assert_int_equal(ript_doc_oauth_meta_parse(&m, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_PARSE);
  assert_string_equal(err.expected, "\"issuer\" as an https URI");
}

static void test_out_of_memory(void **state) {
  (void)state;
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_doc_token t;
    int rv = ript_doc_token_parse(&t, token_json, strlen(token_json), 0, NULL,
                                  &fm.mem);
    if (rv == 0) {
      ript_doc_token_free(&t);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_token_parse_write),
      cmocka_unit_test(test_token_errors),
      cmocka_unit_test(test_meta),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* JSON Web Key Sets for OAuth access tokens (jwks.c). */
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "ript/oauth.h"
#include "testutil.h"

/* The base64url of 32 bytes 0x01 and 0x02: not a point on P-256. */
#define OFF_CURVE_X "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"
#define OFF_CURVE_Y "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"

/* ---- Helpers ------------------------------------------------------------ */

static ript_stir_key *doc_key(void) {
  size_t len;
  char *pem = ript_test_example("oauth-es256-key", &len);
  ript_stir_key *key = NULL;
  assert_int_equal(
      ript_stir_key_parse(&key, (const uint8_t *)pem, len, NULL, NULL), 0);
  free(pem);
  return key;
}

/* The coordinates of the document's key, as its JWKS has them, so that
 * tests can build JWKs around a real point. */
static char *doc_member(const char *name) {
  char *jwks = ript_test_example("oauth-es256-jwks", NULL);
  char needle[16];
  snprintf(needle, sizeof(needle), "\"%s\": \"", name);
  const char *start = strstr(jwks, needle);
  assert_non_null(start);
  start += strlen(needle);
  char *v = strndup(start, (size_t)(strchr(start, '"') - start));
  free(jwks);
  return v;
}

/* |tmpl| with every "@X" and "@Y" replaced by the document key's
 * coordinates, so that tests can build JWKs around a real point. */
static char *ec_doc(const char *tmpl) {
  char *x = doc_member("x"), *y = doc_member("y");
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (const char *p = tmpl; *p; ++p) {
    if (p[0] == '@' && (p[1] == 'X' || p[1] == 'Y')) {
      assert_int_equal(ript_buf_append_str(&b, *++p == 'X' ? x : y), 0);
    } else {
      assert_int_equal(ript_buf_append(&b, p, 1), 0);
    }
  }
  free(x);
  free(y);
  return (char *)b.data;
}

/* base64url of an RSA modulus of |bytes| bytes, all 0xff (odd, full). */
static char *rsa_modulus(size_t bytes) {
  uint8_t *n = malloc(bytes);
  memset(n, 0xff, bytes);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_base64url_encode(&b, n, bytes), 0);
  free(n);
  return (char *)b.data;
}

/* {"keys":[{"kty":"RSA","kid":"r","n":<n of |bytes|>,"e":|e|<extra>}]} */
static char *rsa_doc(size_t bytes, const char *e, const char *extra) {
  char *n = rsa_modulus(bytes);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_printf(&b,
                                   "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
                                   "\"n\":\"%s\",\"e\":\"%s\"%s}]}",
                                   n, e, extra),
                   0);
  free(n);
  return (char *)b.data;
}

static int parse(const char *doc, ript_oauth_jwks **set,
                 ript_parse_error *err) {
  *set = NULL;
  return ript_oauth_jwks_parse(set, doc, strlen(doc), 0, NULL, err);
}

/* Offset of the first occurrence of |needle| in |doc|. */
static size_t at(const char *doc, const char *needle) {
  const char *hit = strstr(doc, needle);
  assert_non_null(hit);
  return (size_t)(hit - doc);
}

/* Offset of the value of the first member named |member| in |doc|
 * (written without whitespace). */
static size_t value(const char *doc, const char *member) {
  char needle[32];
  snprintf(needle, sizeof(needle), "\"%s\":", member);
  return at(doc, needle) + strlen(needle);
}

/* Parses |doc| expecting a refusal at |offset| that names |expected|
 * (unchecked when NULL). */
static void refused(const char *doc, size_t offset, const char *expected) {
  ript_oauth_jwks *set;
  ript_parse_error err = {0, NULL};
  assert_int_equal(parse(doc, &set, &err), RIPT_ERR_PARSE);
  assert_null(set);
  assert_non_null(err.expected);
  if (err.offset != offset)
    fail_msg("%s: offset %zu, wanted %zu (%s)", doc, err.offset, offset,
             err.expected);
  if (expected)
    assert_string_equal(err.expected, expected);
}

/* Parses |doc| expecting |len| usable keys and |skipped| skipped ones. */
static void counted(const char *doc, size_t len, size_t skipped) {
  ript_oauth_jwks *set;
  ript_parse_error err = {0, NULL};
  int rv = parse(doc, &set, &err);
  if (rv != 0)
    fail_msg("%s: %d at %zu (%s)", doc, rv, err.offset, err.expected);
  assert_int_equal(ript_oauth_jwks_len(set), len);
  assert_int_equal(ript_oauth_jwks_skipped(set), skipped);
  ript_oauth_jwks_del(set);
}

/* ---- The worked example ------------------------------------------------- */

static void test_doc_example_write(void **state) {
  (void)state;
  ript_stir_key *key = doc_key();
  const ript_stir_key *keys[] = {key};
  const char *kids[] = {"2026-01"};
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_buf_append_str(&out, "kept"), 0);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 1, &out), 0);
  size_t len;
  char *want = ript_test_example("oauth-es256-jwks", &len);
  assert_int_equal(out.len, 4 + len);
  assert_memory_equal(out.data, "kept", 4);
  assert_memory_equal(out.data + 4, want, len);
  free(want);
  ript_buf_free(&out);
  ript_stir_key_del(key);
}

static void test_doc_example_parse(void **state) {
  (void)state;
  size_t len;
  char *doc = ript_test_example("oauth-es256-jwks", &len);
  ript_oauth_jwks *set = NULL;
  assert_int_equal(ript_oauth_jwks_parse(&set, doc, len, 0, NULL, NULL), 0);
  assert_int_equal(ript_oauth_jwks_len(set), 1);
  assert_int_equal(ript_oauth_jwks_skipped(set), 0);
  assert_string_equal(ript_oauth_jwks_kid(set, 0), "2026-01");
  assert_int_equal(ript_oauth_jwks_alg(set, 0), RIPT_OAUTH_ALG_ES256);
  ript_oauth_jwks_del(set);
  free(doc);

  doc = ript_test_example("oauth-rs256-jwks", &len);
  assert_int_equal(ript_oauth_jwks_parse(&set, doc, len, 0, NULL, NULL), 0);
  assert_int_equal(ript_oauth_jwks_len(set), 1);
  assert_string_equal(ript_oauth_jwks_kid(set, 0), "rsa-2026");
  assert_int_equal(ript_oauth_jwks_alg(set, 0), RIPT_OAUTH_ALG_RS256);
  ript_oauth_jwks_del(set);
  free(doc);
}

/* ---- Writing ------------------------------------------------------------ */

static void test_write_rotation_set(void **state) {
  (void)state;
  ript_stir_key *old_key = doc_key(), *new_key = NULL;
  assert_int_equal(ript_stir_key_generate(&new_key, NULL), 0);
  const ript_stir_key *keys[] = {old_key, new_key};
  const char *kids[] = {"2026-01", "2026-02"};
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 2, &out), 0);
  ript_oauth_jwks *set;
  assert_int_equal(parse((const char *)out.data, &set, NULL), 0);
  assert_int_equal(ript_oauth_jwks_len(set), 2);
  assert_string_equal(ript_oauth_jwks_kid(set, 0), "2026-01");
  assert_string_equal(ript_oauth_jwks_kid(set, 1), "2026-02");
  assert_int_equal(ript_oauth_jwks_find(set, "2026-02", RIPT_OAUTH_ALG_ES256),
                   1);
  ript_oauth_jwks_del(set);
  /* Equal keys, equal bytes. */
  ript_buf again;
  ript_buf_init(&again, NULL);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 2, &again), 0);
  assert_int_equal(again.len, out.len);
  assert_memory_equal(again.data, out.data, out.len);
  ript_buf_free(&again);
  ript_buf_free(&out);
  ript_stir_key_del(new_key);
  ript_stir_key_del(old_key);
}

static void test_write_arguments(void **state) {
  (void)state;
  ript_stir_key *key = doc_key();
  const ript_stir_key *keys[] = {key, key};
  const ript_stir_key *no_key[] = {NULL};
  const char *kids[] = {"a", "b"};
  const char *same[] = {"a", "a"};
  const char *empty[] = {""};
  const char *null_kid[] = {NULL};
  const char *bad_utf8[] = {"\xff"};
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_oauth_jwks_write(NULL, kids, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, NULL, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 0, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(no_key, kids, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, same, 2, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, empty, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, null_kid, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_write(keys, bad_utf8, 1, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(out.len, 0);
  ript_buf_free(&out);
  ript_stir_key_del(key);
}

/* ---- What is used and what is skipped ----------------------------------- */

static void test_skipped_keys(void **state) {
  (void)state;
  counted("{\"keys\":[]}", 0, 0);
  counted("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\",\"kid\":\"h\"},"
          "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
          "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"A\",\"kid\":\"p\"}]}",
          0, 3);
  char *doc;
  /* use other than sig, alg of the same family but not ours, no kid. */
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\",\"kid\":\"e\",\"use\":\"enc\"}]}");
  counted(doc, 0, 1);
  free(doc);
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\",\"kid\":\"e\",\"alg\":\"ECDH-ES\"}]}");
  counted(doc, 0, 1);
  free(doc);
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\",\"kid\":\"e\",\"alg\":\"ES384\"}]}");
  counted(doc, 0, 1);
  free(doc);
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\"}]}");
  counted(doc, 0, 1);
  free(doc);
  /* Used: use "sig", alg "ES256", unknown members. */
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\",\"kid\":\"e\",\"use\":\"sig\",\"alg\":\"ES256\","
               "\"key_ops\":[\"verify\"],\"x5c\":[]}]}");
  counted(doc, 1, 0);
  free(doc);
  /* RSA: sizes, alg. */
  doc = rsa_doc(256, "AQAB", "");
  counted(doc, 1, 0);
  free(doc);
  doc = rsa_doc(256, "AQAB", ",\"alg\":\"RS256\",\"use\":\"sig\"");
  counted(doc, 1, 0);
  free(doc);
  doc = rsa_doc(256, "AQAB", ",\"alg\":\"PS256\"");
  counted(doc, 0, 1);
  free(doc);
  doc = rsa_doc(256, "AQAB", ",\"alg\":\"RSA-OAEP\"");
  counted(doc, 0, 1);
  free(doc);
  doc = rsa_doc(255, "AQAB", ""); /* 2040 bits */
  counted(doc, 0, 1);
  free(doc);
  doc = rsa_doc(128, "AQAB", "");
  counted(doc, 0, 1);
  free(doc);
  doc = rsa_doc(1024, "AQAB", ""); /* 8192 bits: the largest used */
  counted(doc, 1, 0);
  free(doc);
  doc = rsa_doc(1025, "AQAB", "");
  counted(doc, 0, 1);
  free(doc);
}

static void test_same_kid_other_type(void **state) {
  (void)state;
  char *rsa = rsa_modulus(256);
  char *x = doc_member("x"), *y = doc_member("y");
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_buf_printf(&b,
                      "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"%s\","
                      "\"e\":\"AQAB\"},{\"kty\":\"EC\",\"crv\":\"P-256\","
                      "\"kid\":\"k\",\"x\":\"%s\",\"y\":\"%s\"}]}",
                      rsa, x, y),
      0);
  ript_oauth_jwks *set;
  assert_int_equal(parse((const char *)b.data, &set, NULL), 0);
  assert_int_equal(ript_oauth_jwks_len(set), 2);
  assert_int_equal(ript_oauth_jwks_find(set, "k", RIPT_OAUTH_ALG_RS256), 0);
  assert_int_equal(ript_oauth_jwks_find(set, "k", RIPT_OAUTH_ALG_ES256), 1);
  ript_oauth_jwks_del(set);
  ript_buf_free(&b);
  free(x);
  free(y);
  free(rsa);
}

/* ---- Refusals ----------------------------------------------------------- */

/* Refused at the value of |member| (the JWK's offset when member is NULL). */
static void refused_member(const char *doc, const char *member,
                           const char *expected) {
  refused(doc, member ? value(doc, member) : at(doc, "{\"kty"), expected);
}

static void test_refused_documents(void **state) {
  (void)state;
  refused("", 0, "more JSON (the document ended early)");
  refused("{\"keys\":[}", 10, "valid JSON");
  refused("[]", 0, "a JSON object");
  refused("{}", 0, "\"keys\": an array of JWKs");
  refused(" {\"a\":1}", 1, "\"keys\": an array of JWKs");
  refused("{\"keys\":{}}", 8, "\"keys\": an array of JWKs");
  refused("{\"keys\":[{\"kty\":\"oct\"},7]}", 23, "a JWK: a JSON object");
  refused("{\"keys\":[{\"kid\":\"a\"}]}", 9, "\"kty\": a string");
  refused("{\"keys\":[{\"kty\":1}]}", 16, "\"kty\": a string");
  refused("{\"keys\":[{\"kty\":\"EC\",\"kty\":\"RSA\"}]}", 26,
          "member names that are unique in their object");
}

static void test_refused_common_members(void **state) {
  (void)state;
  char *doc;
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X\","
               "\"y\":\"@Y\",\"kid\":\"e\",\"d\":\"AAAA\"}]}");
  refused_member(doc, "d", "a public key (no \"d\")");
  free(doc);
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"d\":\"x\"}]}", "d",
                 "a public key (no \"d\")");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"use\":1}]}", "use",
                 "\"use\": a string");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"alg\":[]}]}", "alg",
                 "\"alg\": a string");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"kid\":{}}]}", "kid",
                 "\"kid\": a non-empty string");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"\"}]}", "kid",
                 "\"kid\": a non-empty string");
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"ES256\"}]}", "alg",
                 "\"alg\" of the key's type");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"alg\":\"RS256\"}]}", "alg",
                 "\"alg\" of the key's type");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"alg\":\"HS256\"}]}", "alg",
                 "\"alg\" of the key's type");
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"none\"}]}", "alg",
                 "\"alg\" of the key's type");
}

static void test_refused_ec_keys(void **state) {
  (void)state;
  static const char x_expected[] = "\"x\": 32 bytes of base64url";
  static const char y_expected[] = "\"y\": 32 bytes of base64url";
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"}]}", NULL,
                 "\"crv\": a string");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":5}]}", "crv",
                 "\"crv\": a string");
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\","
                 "\"crv\":\"P-256\"}]}",
                 NULL, x_expected);
  static const char *const bad[] = {
      /* 33 bytes, a '=', 3 bytes, not a string */
      "\"x\":\"@XAA\",\"y\":\"@Y\"", "\"x\":\"@X=\",\"y\":\"@Y\"",
      "\"x\":\"AAAA\",\"y\":\"@Y\"", "\"x\":[\"@X\",\"@Y\"]"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i) {
    char fmt[160];
    snprintf(fmt, sizeof(fmt),
             "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e\",%s}]}",
             bad[i]);
    char *doc = ec_doc(fmt);
    refused_member(doc, "x", x_expected);
    free(doc);
  }
  char *doc;
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e\","
               "\"x\":\"@X\",\"y\":7,\"z\":\"@Y\"}]}");
  refused_member(doc, "y", y_expected);
  free(doc);
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e\","
               "\"x\":\"@X\",\"y\":\"@Y_\"}]}");
  refused_member(doc, "y", y_expected);
  free(doc);
  doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e\","
               "\"x\":\"@X\",\"w\":\"@Y\"}]}");
  refused_member(doc, NULL, y_expected);
  free(doc);
  refused_member("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e\","
                 "\"x\":\"" OFF_CURVE_X "\",\"y\":\"" OFF_CURVE_Y "\"}]}",
                 "x", "\"x\" and \"y\": a point on P-256");
}

static void test_refused_rsa_keys(void **state) {
  (void)state;
  static const char n_expected[] = "\"n\": an odd modulus in base64url "
                                   "without leading zero bytes";
  static const char e_expected[] = "\"e\": an odd exponent >= 3 in at most "
                                   "8 bytes of base64url without leading "
                                   "zero bytes";
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
                 "\"e\":\"AQAB\"}]}",
                 NULL, n_expected);
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"\","
                 "\"e\":\"AQAB\"}]}",
                 "n", n_expected);
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"A\","
                 "\"e\":\"AQAB\"}]}",
                 "n", n_expected);
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":true,"
                 "\"e\":\"AQAB\"}]}",
                 "n", n_expected);
  /* A leading zero byte, then an even modulus. */
  char *n = rsa_modulus(256);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_printf(&b,
                                   "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
                                   "\"n\":\"AA%s\",\"e\":\"AQAB\"}]}",
                                   n),
                   0);
  refused_member((const char *)b.data, "n", n_expected);
  ript_buf_reset(&b);
  n[strlen(n) - 1] = 'g'; /* the last byte becomes 0xfe */
  assert_int_equal(ript_buf_printf(&b,
                                   "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
                                   "\"n\":\"%s\",\"e\":\"AQAB\"}]}",
                                   n),
                   0);
  refused_member((const char *)b.data, "n", n_expected);
  ript_buf_free(&b);
  free(n);
  static const char *const bad_e[] = {
      "AQ",          /* 1 */
      "Ag",          /* 2: even */
      "AAEAAQ",      /* leading zero */
      "",            /* empty */
      "AQEBAQEBAQEB" /* 9 bytes */
  };
  for (size_t i = 0; i < sizeof(bad_e) / sizeof(*bad_e); ++i) {
    char *doc = rsa_doc(256, bad_e[i], "");
    refused_member(doc, "e", e_expected);
    free(doc);
  }
  refused_member("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
                 "\"n\":\"AQAB\"}]}",
                 NULL, e_expected);
  char *doc = rsa_doc(256, "Aw", ""); /* 3 is fine */
  counted(doc, 1, 0);
  free(doc);
  doc = rsa_doc(256, "AQEBAQEBAQE", ""); /* 8 bytes */
  counted(doc, 1, 0);
  free(doc);
}

static void test_refused_duplicate_kid(void **state) {
  (void)state;
  char *doc = ec_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                     "\"kid\":\"a\",\"x\":\"@X\",\"y\":\"@Y\"},"
                     "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"b\","
                     "\"x\":\"@X\",\"y\":\"@Y\"},"
                     "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
                     "\"x\":\"@X\",\"y\":\"@Y\"}]}");
  size_t third = at(doc, "\"kid\":\"b\"");
  third += at(doc + third, "\"a\"");
  refused(doc, third, "a \"kid\" no other key of the type has");
  free(doc);
}

static void test_limits_and_arguments(void **state) {
  (void)state;
  ript_oauth_jwks *set = NULL;
  ript_parse_error err;
  static const char doc[] = "{\"keys\":[]}";
  assert_int_equal(ript_oauth_jwks_parse(&set, doc, strlen(doc), 5, NULL, &err),
                   RIPT_ERR_LIMIT);
  assert_int_equal(err.offset, 5);
  static const char deep[] =
      "{\"keys\":[{\"kty\":\"x\",\"a\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}]}";
  assert_int_equal(parse(deep, &set, &err), RIPT_ERR_LIMIT);
  assert_null(set);
  assert_int_equal(ript_oauth_jwks_parse(NULL, doc, strlen(doc), 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_parse(&set, NULL, 1, 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_parse(&set, NULL, 0, 0, NULL, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
}

static void test_accessors(void **state) {
  (void)state;
  size_t len;
  char *doc = ript_test_example("oauth-es256-jwks", &len);
  ript_oauth_jwks *set;
  assert_int_equal(ript_oauth_jwks_parse(&set, doc, len, 0, NULL, NULL), 0);
  assert_int_equal(ript_oauth_jwks_find(set, "2026-01", RIPT_OAUTH_ALG_ES256),
                   0);
  assert_int_equal(ript_oauth_jwks_find(set, "2026-01", RIPT_OAUTH_ALG_RS256),
                   RIPT_ERR_UNKNOWN_KEY);
  assert_int_equal(ript_oauth_jwks_find(set, "2026-1", RIPT_OAUTH_ALG_ES256),
                   RIPT_ERR_UNKNOWN_KEY);
  assert_int_equal(ript_oauth_jwks_find(set, NULL, RIPT_OAUTH_ALG_ES256),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_find(set, "2026-01", (ript_oauth_alg)3),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_jwks_find(NULL, "2026-01", RIPT_OAUTH_ALG_ES256),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_null(ript_oauth_jwks_kid(set, 1));
  assert_int_equal(ript_oauth_jwks_alg(set, 1), 0);
  assert_null(ript_oauth_jwks_kid(NULL, 0));
  assert_int_equal(ript_oauth_jwks_alg(NULL, 0), 0);
  assert_int_equal(ript_oauth_jwks_len(NULL), 0);
  assert_int_equal(ript_oauth_jwks_skipped(NULL), 0);
  ript_oauth_jwks_del(set);
  ript_oauth_jwks_del(NULL);
  free(doc);
}

/* ---- Out of memory ------------------------------------------------------ */

static void oom_parse(const char *doc, size_t keys) {
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_oauth_jwks *set = NULL;
    int rv = ript_oauth_jwks_parse(&set, doc, strlen(doc), 0, &fm.mem, NULL);
    if (rv == 0) {
      assert_int_equal(ript_oauth_jwks_len(set), keys);
      ript_oauth_jwks_del(set);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(set);
  }
}

static void test_out_of_memory(void **state) {
  (void)state;
  ript_stir_key *key = doc_key(), *other = NULL;
  assert_int_equal(ript_stir_key_generate(&other, NULL), 0);
  const ript_stir_key *keys[] = {key, other};
  const char *kids[] = {"2026-01", "2026-02"};
  char *doc = NULL;
  for (long n = 0; !doc; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_buf written;
    ript_buf_init(&written, &fm.mem);
    int rv = ript_oauth_jwks_write(keys, kids, 2, &written);
    if (rv == 0) {
      doc = strdup((const char *)written.data);
    } else {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_int_equal(written.len, 0);
    }
    ript_buf_free(&written);
  }
  oom_parse(doc, 2);
  free(doc);
  char *rsa = rsa_doc(256, "AQAB",
                      "},{\"kty\":\"RSA\",\"kid\":\"s\","
                      "\"n\":\"AQAB\",\"e\":\"AQAB\"");
  oom_parse(rsa, 1); /* the second key, 17 bits, is skipped */
  free(rsa);
  ript_stir_key_del(other);
  ript_stir_key_del(key);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_example_write),
      cmocka_unit_test(test_doc_example_parse),
      cmocka_unit_test(test_write_rotation_set),
      cmocka_unit_test(test_write_arguments),
      cmocka_unit_test(test_skipped_keys),
      cmocka_unit_test(test_same_kid_other_type),
      cmocka_unit_test(test_refused_documents),
      cmocka_unit_test(test_refused_common_members),
      cmocka_unit_test(test_refused_ec_keys),
      cmocka_unit_test(test_refused_rsa_keys),
      cmocka_unit_test(test_refused_duplicate_kid),
      cmocka_unit_test(test_limits_and_arguments),
      cmocka_unit_test(test_accessors),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* OAuth 2.0 JWT access tokens: verifying and minting (jwt.c). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "jws.h"
#include "ript/oauth.h"
#include "stir_internal.h"
#include "testutil.h"

#define ISS "https://auth.example.com"
#define AUD "https://ript.example.com/.well-known/ript"
#define IAT INT64_C(1767225600)
#define EXP INT64_C(1767229200)
#define NOW (IAT + 600)

/* A header and claims every test starts from (customer "acme"). */
#define HDR "{\"alg\":\"ES256\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}"
#define HDR_WITH(typ) "{\"alg\":\"ES256\",\"kid\":\"2026-01\"" typ "}"
#define CLAIMS_WITH(more)                                                      \
  "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1767229200,"               \
  "\"ript_customer\":\"acme\"" more "}"
#define CLAIMS CLAIMS_WITH("")

/* ======================================================================
 * Helpers
 * ==================================================================== */

static ript_stir_key *doc_key(void) {
  size_t len;
  char *pem = ript_test_example("oauth-es256-key", &len);
  ript_stir_key *key = NULL;
  assert_int_equal(
      ript_stir_key_parse(&key, (const uint8_t *)pem, len, NULL, NULL), 0);
  free(pem);
  return key;
}

static ript_oauth_jwks *jwks_of(const char *example) {
  size_t len;
  char *doc = ript_test_example(example, &len);
  ript_oauth_jwks *set = NULL;
  assert_int_equal(ript_oauth_jwks_parse(&set, doc, len, 0, NULL, NULL), 0);
  free(doc);
  return set;
}

/* The JWKS of |key| under |kid|. */
static ript_oauth_jwks *jwks_for(const ript_stir_key *key, const char *kid) {
  const ript_stir_key *keys[] = {key};
  const char *kids[] = {kid};
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_oauth_jwks_write(keys, kids, 1, &b), 0);
  ript_oauth_jwks *set = NULL;
  assert_int_equal(
      ript_oauth_jwks_parse(&set, (const char *)b.data, b.len, 0, NULL, NULL),
      0);
  ript_buf_free(&b);
  return set;
}

static ript_oauth_issuer issuer_for(const ript_oauth_jwks *jwks) {
  ript_oauth_issuer iss;
  ript_oauth_issuer_init(&iss);
  iss.issuer = ISS;
  iss.audience = AUD;
  iss.jwks = jwks;
  iss.customer_claim = "ript_customer";
  return iss;
}

/* base64url(header) "." base64url(claims) "." |sig|: any bytes at all. */
static char *make_jws(const char *header, const char *claims,
                      const uint8_t *sig, size_t siglen) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)header, strlen(header)), 0);
  assert_int_equal(ript_buf_append_str(&b, "."), 0);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)claims, strlen(claims)), 0);
  assert_int_equal(ript_buf_append_str(&b, "."), 0);
  assert_int_equal(ript_base64url_encode(&b, sig, siglen), 0);
  return (char *)b.data;
}

/* The same, signed ES256 with |key|: tokens with any header and claims. */
static char *sign_jws(const char *header, const char *claims,
                      const ript_stir_key *key) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)header, strlen(header)), 0);
  assert_int_equal(ript_buf_append_str(&b, "."), 0);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)claims, strlen(claims)), 0);
  assert_int_equal(ript_jws_finish_es256(&b, 0, key->priv), 0);
  return (char *)b.data;
}

/* Shared state: the document's key, its JWKS and the issuer around it. */
typedef struct fixture {
  ript_stir_key *key;
  ript_oauth_jwks *jwks;
  ript_oauth_issuer iss;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  f->key = doc_key();
  f->jwks = jwks_of("oauth-es256-jwks");
  f->iss = issuer_for(f->jwks);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  ript_oauth_jwks_del(f->jwks);
  ript_stir_key_del(f->key);
  free(f);
  return 0;
}

static int verify(const ript_oauth_issuer *iss, size_t n, const char *token,
                  int64_t now, ript_oauth_token *tok, ript_parse_error *err) {
  return ript_oauth_verify(iss, n, token, strlen(token), now, tok, err);
}

/* Signs |header| and |claims| with the fixture's key and verifies the
 * token with its issuer at |now|: expects |rv| and, for a refusal, the
 * description |why|. */
static void expect(const fixture *f, const char *header, const char *claims,
                   int64_t now, int rv, const char *why) {
  char *token = sign_jws(header, claims, f->key);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  int got = verify(&f->iss, 1, token, now, &tok, NULL);
  if (got != rv)
    fail_msg("%s / %s: %d, wanted %d (%s)", header, claims, got, rv,
             tok.error_description ? tok.error_description : "-");
  if (why)
    assert_string_equal(tok.error_description, why);
  if (rv == 0)
    assert_null(tok.error_description);
  else
    assert_null(tok.customer);
  ript_oauth_token_free(&tok);
  free(token);
}

/* A malformed token: RIPT_ERR_PARSE at |offset| naming |expected|. */
static void expect_parse(const fixture *f, const char *token, size_t offset,
                         const char *expected) {
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  ript_parse_error err = {0, NULL};
  int rv = verify(&f->iss, 1, token, NOW, &tok, &err);
  if (rv != RIPT_ERR_PARSE || err.offset != offset)
    fail_msg("%s: %d at %zu (%s), wanted the parse error at %zu", token, rv,
             err.offset, err.expected ? err.expected : "-", offset);
  if (expected)
    assert_string_equal(err.expected, expected);
  assert_string_equal(tok.error_description, "malformed access token");
  ript_oauth_token_free(&tok);
}

/* expect_parse for a token built (signed) from |header| and |claims|: the
 * error is at the header (part 0) or the claims (part 1). */
static void expect_parse_json(const fixture *f, const char *header,
                              const char *claims, int part,
                              const char *expected) {
  char *token = sign_jws(header, claims, f->key);
  size_t offset = part == 0 ? 0 : (size_t)(strchr(token, '.') - token) + 1;
  expect_parse(f, token, offset, expected);
  free(token);
}

/* ======================================================================
 * The worked examples
 * ==================================================================== */

static char *decode_part(const char *token, int part) {
  const char *p = token;
  for (int i = 0; i < part; ++i)
    p = strchr(p, '.') + 1;
  const char *end = strchr(p, '.');
  size_t len = end ? (size_t)(end - p) : strlen(p);
  char *out = calloc(1, ript_base64url_decoded_len(len) + 1);
  assert_true(ript_base64url_decode((uint8_t *)out, len, p, len, NULL) >= 0);
  return out;
}

static void assert_part(const char *token, int part, const char *example) {
  char *got = decode_part(token, part);
  char *want = ript_test_example(example, NULL);
  assert_string_equal(got, want);
  free(want);
  free(got);
}

static const ript_oauth_claims doc_claims = {.issuer = ISS,
                                             .audience = AUD,
                                             .subject = "pbx-1",
                                             .client_id = "pbx-1",
                                             .jti = "0d9f6c8e-1",
                                             .scope = "ript",
                                             .iat = IAT,
                                             .exp = EXP,
                                             .customer_claim = "ript_customer",
                                             .customer = "acme"};

static void test_doc_example_sign(void **state) {
  fixture *f = *state;
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_oauth_sign(&doc_claims, "2026-01", f->key, &out), 0);
  size_t len;
  char *want = ript_test_example("oauth-es256-token", &len);
  assert_int_equal(out.len, len);
  assert_memory_equal(out.data, want, len);
  assert_part(want, 0, "oauth-es256-header");
  assert_part(want, 1, "oauth-es256-claims");
  free(want);
  ript_buf_free(&out);
}

static void test_doc_example_verify(void **state) {
  fixture *f = *state;
  char *token = ript_test_example("oauth-es256-token", NULL);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_int_equal(tok.issuer, 0);
  assert_string_equal(tok.customer, "acme");
  assert_string_equal(tok.scope, "ript");
  assert_int_equal(tok.exp, EXP);
  assert_int_equal(tok.iat, IAT);
  assert_null(tok.error_description);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "admin"), 0);
  /* The boundaries the document gives for the 60 s skew. */
  assert_int_equal(verify(&f->iss, 1, token, EXP + 59, &tok, NULL), 0);
  assert_int_equal(verify(&f->iss, 1, token, EXP + 60, &tok, NULL),
                   RIPT_ERR_STALE);
  assert_string_equal(tok.error_description, "token expired");
  assert_null(tok.customer);
  ript_oauth_token_free(&tok);
  free(token);
}

static void test_doc_example_openssl_es256(void **state) {
  fixture *f = *state;
  char *token = ript_test_example("oauth-es256-openssl-token", NULL);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_string_equal(tok.customer, "globex");
  assert_string_equal(tok.scope, "ript");
  /* The signature's r starts with a zero byte; it is still 64 bytes. */
  char *sig = strrchr(token, '.') + 1;
  assert_int_equal(strlen(sig), 86);
  assert_memory_equal(sig, "AOiA", 4);
  ript_oauth_token_free(&tok);
  free(token);
}

static void test_doc_example_openssl_rs256(void **state) {
  (void)state;
  ript_oauth_jwks *rsa = jwks_of("oauth-rs256-jwks");
  ript_oauth_issuer iss = issuer_for(rsa);
  iss.customer_claim = RIPT_OAUTH_DEFAULT_CUSTOMER_CLAIM;
  char *token = ript_test_example("oauth-rs256-token", NULL);
  assert_part(token, 1, "oauth-rs256-claims");
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&iss, 1, token, NOW, &tok, NULL), 0);
  assert_string_equal(tok.customer, "customer-7");
  assert_string_equal(tok.scope, "ript admin");
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "admin"), 1);
  assert_int_equal(tok.exp, EXP);
  assert_int_equal(tok.iat, IAT);
  /* nbf = iat: not valid a minute and a second before, with the skew. */
  assert_int_equal(verify(&iss, 1, token, IAT - 60, &tok, NULL), 0);
  assert_int_equal(verify(&iss, 1, token, IAT - 61, &tok, NULL),
                   RIPT_ERR_STALE);
  assert_string_equal(tok.error_description, "token not yet valid");
  /* The other audience in the array is fine too; a third is not. */
  iss.audience = "https://other.example.com";
  assert_int_equal(verify(&iss, 1, token, NOW, &tok, NULL), 0);
  iss.audience = "https://third.example.com";
  assert_int_equal(verify(&iss, 1, token, NOW, &tok, NULL), RIPT_ERR_MISMATCH);
  assert_string_equal(tok.error_description, "wrong audience");
  ript_oauth_token_free(&tok);
  free(token);
  ript_oauth_jwks_del(rsa);
}

/* ======================================================================
 * Signatures
 * ==================================================================== */

static void test_round_trip(void **state) {
  (void)state;
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  ript_oauth_jwks *jwks = jwks_for(key, "k1");
  ript_oauth_issuer iss = issuer_for(jwks);
  iss.customer_claim = "sub";
  ript_oauth_claims c = doc_claims;
  c.subject = "customer-9";
  c.scope = NULL;
  c.customer_claim = NULL;
  c.customer = NULL;
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_oauth_sign(&c, "k1", key, &out), 0);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&iss, 1, (const char *)out.data, NOW, &tok, NULL), 0);
  assert_string_equal(tok.customer, "customer-9");
  assert_string_equal(tok.scope, "");
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript"), 0);
  /* Deterministic: the same claims give the same token. */
  ript_buf again;
  ript_buf_init(&again, NULL);
  assert_int_equal(ript_oauth_sign(&c, "k1", key, &again), 0);
  assert_string_equal((const char *)again.data, (const char *)out.data);
  ript_buf_free(&again);
  ript_oauth_token_free(&tok);
  ript_buf_free(&out);
  ript_oauth_jwks_del(jwks);
  ript_stir_key_del(key);
}

/* A copy of |token| with the character at |i| replaced by |c|. */
static char *with_char(const char *token, size_t i, char c) {
  char *copy = strdup(token);
  copy[i] = c;
  return copy;
}

/* |token| with its claims re-encoded after the character before the
 * closing quote of |needle| became |c|, keeping the original signature. */
static char *resigned_claims(const char *token, const char *needle, char c) {
  char *claims = decode_part(token, 1);
  char *hit = strstr(claims, needle);
  assert_non_null(hit);
  hit[strlen(needle) - 2] = c;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_buf_append(&b, token, (size_t)(strchr(token, '.') - token + 1)), 0);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)claims, strlen(claims)), 0);
  assert_int_equal(ript_buf_append_str(&b, strrchr(token, '.')), 0);
  free(claims);
  return (char *)b.data;
}

static void expect_token(const ript_oauth_issuer *iss, const char *token,
                         int rv, const char *why) {
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(iss, 1, token, NOW, &tok, NULL), rv);
  if (why)
    assert_string_equal(tok.error_description, why);
  ript_oauth_token_free(&tok);
}

static void test_tampering(void **state) {
  fixture *f = *state;
  char *token = ript_test_example("oauth-es256-token", NULL);
  size_t sig_at = (size_t)(strrchr(token, '.') - token) + 1;
  /* Claims that name another customer, with the original signature. */
  char *forged = make_jws("{\"alg\":\"ES256\",\"kid\":\"2026-01\","
                          "\"typ\":\"at+jwt\"}",
                          CLAIMS_WITH(",\"x\":1"), (const uint8_t *)"", 0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, forged), 0);
  assert_int_equal(ript_buf_append_str(&b, token + sig_at), 0);
  expect_token(&f->iss, (const char *)b.data, RIPT_ERR_SIGNATURE,
               "invalid signature");
  ript_buf_free(&b);
  free(forged);
  /* The signed claims with one letter changed ("acme" -> "acmf"). */
  char *t = resigned_claims(token, "\"acme\"", 'f');
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  /* One changed character in the signature. */
  t = with_char(token, sig_at + 5, token[sig_at + 5] == 'A' ? 'B' : 'A');
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  /* A signature of the wrong length: cut short, then empty. */
  t = strdup(token);
  t[strlen(t) - 2] = '\0';
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  t[sig_at] = '\0';
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  /* All-zero r and s; a signature longer than any key's. */
  static uint8_t zeros[2000];
  t = make_jws(HDR, CLAIMS, zeros, 64);
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  t = make_jws(HDR, CLAIMS, zeros, sizeof(zeros));
  expect_token(&f->iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  free(token);
}

static void test_tampering_rs256(void **state) {
  (void)state;
  ript_oauth_jwks *rsa = jwks_of("oauth-rs256-jwks");
  ript_oauth_issuer iss = issuer_for(rsa);
  iss.customer_claim = "sub";
  char *token = ript_test_example("oauth-rs256-token", NULL);
  size_t sig_at = (size_t)(strrchr(token, '.') - token) + 1;
  char *t = resigned_claims(token, "\"customer-7\"", '8');
  expect_token(&iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  t = with_char(token, sig_at + 1, token[sig_at + 1] == 'A' ? 'B' : 'A');
  expect_token(&iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  t = strdup(token);
  t[strlen(t) - 2] = '\0'; /* 255 bytes */
  expect_token(&iss, t, RIPT_ERR_SIGNATURE, "invalid signature");
  free(t);
  /* The same claims under ES256 with the RSA key's kid. */
  const char *claims_at = strchr(token, '.');
  ript_buf b;
  ript_buf_init(&b, NULL);
  static const char hdr[] = "{\"alg\":\"ES256\",\"kid\":\"rsa-2026\","
                            "\"typ\":\"at+jwt\"}";
  assert_int_equal(ript_base64url_encode(&b, (const uint8_t *)hdr, strlen(hdr)),
                   0);
  assert_int_equal(
      ript_buf_append(&b, claims_at, (size_t)(token + sig_at - claims_at)), 0);
  static const uint8_t sig[64] = {1};
  assert_int_equal(ript_base64url_encode(&b, sig, sizeof(sig)), 0);
  expect_token(&iss, (const char *)b.data, RIPT_ERR_SIGNATURE,
               "signature algorithm does not match the key");
  ript_buf_free(&b);
  free(token);
  ript_oauth_jwks_del(rsa);
}

static void test_algorithms_refused(void **state) {
  fixture *f = *state;
  /* Whatever the "signature" (an HMAC made with the public key as its
   * secret, or nothing), the algorithm alone refuses the token. */
  static const uint8_t mac[32] = {7};
  static const char *const headers[] = {
      "{\"alg\":\"none\",\"typ\":\"at+jwt\"}",
      "{\"alg\":\"none\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}",
      "{\"alg\":\"HS256\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}",
      "{\"alg\":\"PS256\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}",
      "{\"alg\":\"ES384\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}",
      "{\"alg\":\"es256\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}",
  };
  for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); ++i) {
    for (size_t siglen = 0; siglen <= sizeof(mac); siglen += sizeof(mac)) {
      char *t = make_jws(headers[i], CLAIMS, mac, siglen);
      expect_token(&f->iss, t, RIPT_ERR_SIGNATURE,
                   "unsupported signature algorithm");
      free(t);
    }
  }
  expect_parse_json(f, "{\"kid\":\"2026-01\"}", CLAIMS, 0,
                    "header \"alg\": a string");
  expect_parse_json(f, "{\"alg\":256,\"kid\":\"2026-01\"}", CLAIMS, 0,
                    "header \"alg\": a string");
}

static void test_key_rotation(void **state) {
  (void)state;
  ript_stir_key *old_key = NULL, *new_key = NULL;
  assert_int_equal(ript_stir_key_generate(&old_key, NULL), 0);
  assert_int_equal(ript_stir_key_generate(&new_key, NULL), 0);
  const ript_stir_key *both[] = {old_key, new_key};
  const char *kids[] = {"old", "new"};
  ript_buf doc;
  ript_buf_init(&doc, NULL);
  assert_int_equal(ript_oauth_jwks_write(both, kids, 2, &doc), 0);
  ript_oauth_jwks *before = jwks_for(old_key, "old");
  ript_oauth_jwks *during = NULL;
  assert_int_equal(ript_oauth_jwks_parse(&during, (const char *)doc.data,
                                         doc.len, 0, NULL, NULL),
                   0);
  ript_oauth_jwks *after = jwks_for(new_key, "new");
  ript_buf old_token, new_token;
  ript_buf_init(&old_token, NULL);
  ript_buf_init(&new_token, NULL);
  assert_int_equal(ript_oauth_sign(&doc_claims, "old", old_key, &old_token), 0);
  assert_int_equal(ript_oauth_sign(&doc_claims, "new", new_key, &new_token), 0);
  const char *o = (const char *)old_token.data;
  const char *n = (const char *)new_token.data;
  ript_oauth_issuer iss = issuer_for(before);
  expect_token(&iss, o, 0, NULL);
  expect_token(&iss, n, RIPT_ERR_UNKNOWN_KEY, "unknown signing key");
  iss.jwks = during; /* the caller swaps the set after a re-fetch */
  expect_token(&iss, o, 0, NULL);
  expect_token(&iss, n, 0, NULL);
  iss.jwks = after;
  expect_token(&iss, o, RIPT_ERR_UNKNOWN_KEY, "unknown signing key");
  expect_token(&iss, n, 0, NULL);
  /* A key that claims another's kid does not verify its tokens. */
  ript_oauth_jwks *impostor = jwks_for(new_key, "old");
  iss.jwks = impostor;
  expect_token(&iss, o, RIPT_ERR_SIGNATURE, "invalid signature");
  ript_oauth_jwks_del(impostor);
  ript_buf_free(&new_token);
  ript_buf_free(&old_token);
  ript_oauth_jwks_del(after);
  ript_oauth_jwks_del(during);
  ript_oauth_jwks_del(before);
  ript_buf_free(&doc);
  ript_stir_key_del(new_key);
  ript_stir_key_del(old_key);
}

/* ======================================================================
 * Header rules
 * ==================================================================== */

static void test_typ(void **state) {
  fixture *f = *state;
  static const char *const good[] = {
      ",\"typ\":\"at+jwt\"", ",\"typ\":\"application/at+jwt\"",
      ",\"typ\":\"AT+JWT\"", ",\"typ\":\"Application/At+Jwt\""};
  static const char *const bad[] = {"",
                                    ",\"typ\":\"JWT\"",
                                    ",\"typ\":\"application/jwt\"",
                                    ",\"typ\":\"at+jwt2\"",
                                    ",\"typ\":\"application/\"",
                                    ",\"typ\":\"applicationat+jwt\"",
                                    ",\"typ\":\"\"",
                                    ",\"typ\":\"dpop+jwt\""};
  char header[128];
  for (size_t i = 0; i < sizeof(good) / sizeof(*good); ++i) {
    snprintf(header, sizeof(header), HDR_WITH("%s"), good[i]);
    expect(f, header, CLAIMS, NOW, 0, NULL);
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i) {
    snprintf(header, sizeof(header), HDR_WITH("%s"), bad[i]);
    expect(f, header, CLAIMS, NOW, RIPT_ERR_MISMATCH,
           "not an access token (typ is not at+jwt)");
  }
  expect_parse_json(f, HDR_WITH(",\"typ\":1"), CLAIMS, 0,
                    "header \"typ\": a string");
  /* The legacy flag lets the first three through, never the others. */
  fixture lax = *f;
  lax.iss.flags = RIPT_OAUTH_FLAG_LEGACY_TYP;
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i) {
    snprintf(header, sizeof(header), HDR_WITH("%s"), bad[i]);
    expect(&lax, header, CLAIMS, NOW, i < 3 ? 0 : RIPT_ERR_MISMATCH, NULL);
  }
  snprintf(header, sizeof(header), HDR_WITH("%s"), good[1]);
  expect(&lax, header, CLAIMS, NOW, 0, NULL);
}

static void test_header_members(void **state) {
  fixture *f = *state;
  expect_parse_json(f, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", CLAIMS, 0,
                    "header \"kid\": a non-empty string");
  expect_parse_json(f, "{\"alg\":\"ES256\",\"kid\":\"\",\"typ\":\"at+jwt\"}",
                    CLAIMS, 0, "header \"kid\": a non-empty string");
  expect_parse_json(f, "{\"alg\":\"ES256\",\"kid\":7,\"typ\":\"at+jwt\"}",
                    CLAIMS, 0, "header \"kid\": a non-empty string");
  expect_parse_json(f, HDR_WITH(",\"typ\":\"at+jwt\",\"crit\":[\"exp\"]"),
                    CLAIMS, 0, "a header without \"crit\"");
  expect(f, "{\"alg\":\"ES256\",\"kid\":\"2026-02\",\"typ\":\"at+jwt\"}",
         CLAIMS, NOW, RIPT_ERR_UNKNOWN_KEY, "unknown signing key");
  /* Keys named by the token itself are never used. */
  expect(f,
         HDR_WITH(",\"typ\":\"at+jwt\",\"jku\":\"https://evil.example/k\","
                  "\"x5u\":\"https://evil.example/c\",\"jwk\":{}"),
         CLAIMS, NOW, 0, NULL);
  expect_parse_json(f, HDR_WITH(",\"typ\":\"at+jwt\",\"kid\":\"2026-01\""),
                    CLAIMS, 0, "a base64url JSON object header");
}

/* ======================================================================
 * Claims
 * ==================================================================== */

static void test_issuer(void **state) {
  fixture *f = *state;
  expect(f, HDR, "{\"aud\":\"" AUD "\",\"exp\":1767229200}", NOW,
         RIPT_ERR_PARSE, "malformed access token");
  expect_parse_json(f, HDR, "{\"iss\":1,\"aud\":\"" AUD "\",\"exp\":1}", 1,
                    "claim \"iss\": a string");
  expect(f, HDR,
         "{\"iss\":\"" ISS "/\",\"aud\":\"" AUD "\",\"exp\":1767229200,"
         "\"ript_customer\":\"acme\"}",
         NOW, RIPT_ERR_MISMATCH, "unknown issuer");
  expect(f, HDR,
         "{\"iss\":\"https://AUTH.example.com\",\"aud\":\"" AUD "\","
         "\"exp\":1767229200,\"ript_customer\":\"acme\"}",
         NOW, RIPT_ERR_MISMATCH, "unknown issuer");
  /* Several issuers: "iss" picks one, the first of equal names. */
  ript_oauth_jwks *other = jwks_of("oauth-rs256-jwks");
  ript_oauth_issuer list[3] = {issuer_for(other), f->iss, f->iss};
  list[0].issuer = "https://login.example.net";
  list[2].customer_claim = "sub";
  char *token = ript_test_example("oauth-es256-token", NULL);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(list, 3, token, NOW, &tok, NULL), 0);
  assert_int_equal(tok.issuer, 1);
  assert_string_equal(tok.customer, "acme");
  assert_int_equal(verify(list, 1, token, NOW, &tok, NULL), RIPT_ERR_MISMATCH);
  assert_string_equal(tok.error_description, "unknown issuer");
  ript_oauth_token_free(&tok);
  free(token);
  ript_oauth_jwks_del(other);
}

static void test_audience(void **state) {
  fixture *f = *state;
  static const char *const good[] = {"\"" AUD "\"", "[\"" AUD "\"]",
                                     "[\"https://a.example\",\"" AUD "\"]"};
  static const char *const wrong[] = {
      "\"https://ript.example.com/\"", "[]", "[\"https://a.example\"]",
      "\"" AUD "/\"", "\"HTTPS://ript.example.com/.well-known/ript\""};
  static const char *const malformed[] = {"1", "[\"" AUD "\",1]", "{}", "null",
                                          "[[\"" AUD "\"]]"};
  char claims[256];
  for (size_t i = 0; i < sizeof(good) / sizeof(*good); ++i) {
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":%s,\"exp\":1767229200,"
             "\"ript_customer\":\"acme\"}",
             good[i]);
    expect(f, HDR, claims, NOW, 0, NULL);
  }
  for (size_t i = 0; i < sizeof(wrong) / sizeof(*wrong); ++i) {
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":%s,\"exp\":1767229200,"
             "\"ript_customer\":\"acme\"}",
             wrong[i]);
    expect(f, HDR, claims, NOW, RIPT_ERR_MISMATCH, "wrong audience");
  }
  for (size_t i = 0; i < sizeof(malformed) / sizeof(*malformed); ++i) {
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":%s,\"exp\":1767229200,"
             "\"ript_customer\":\"acme\"}",
             malformed[i]);
    expect_parse_json(f, HDR, claims, 1,
                      "claim \"aud\": a string or an array of strings");
  }
  expect_parse_json(f, HDR, "{\"iss\":\"" ISS "\",\"exp\":1767229200}", 1,
                    "claim \"aud\": a string or an array of strings");
}

/* Claims with |exp| (JSON text) and an optional |extra| member. */
static void expect_times(const fixture *f, const char *exp, const char *extra,
                         int64_t now, int rv, const char *why) {
  char claims[256];
  snprintf(claims, sizeof(claims),
           "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%s,"
           "\"ript_customer\":\"acme\"%s}",
           exp, extra);
  expect(f, HDR, claims, now, rv, why);
}

static void test_expiry_and_skew(void **state) {
  fixture *f = *state;
  fixture strict = *f;
  strict.iss.skew_s = 0;
  expect_times(f, "1000", "", 1059, 0, NULL);
  expect_times(f, "1000", "", 1060, RIPT_ERR_STALE, "token expired");
  expect_times(&strict, "1000", "", 999, 0, NULL);
  expect_times(&strict, "1000", "", 1000, RIPT_ERR_STALE, "token expired");
  /* Fractions round up: valid while now < 1000.5, i.e. up to 1000. */
  expect_times(&strict, "1000.5", "", 1000, 0, NULL);
  expect_times(&strict, "1000.5", "", 1001, RIPT_ERR_STALE, NULL);
  expect_times(&strict, "1e3", "", 999, 0, NULL);
  expect_times(&strict, "0", "", -1, 0, NULL);
  expect_times(&strict, "0", "", 0, RIPT_ERR_STALE, NULL);
  /* No overflow at the far end of time. */
  expect_times(f, "9223372036854775807", "", INT64_MAX, 0, NULL);
  expect_times(f, "9223372036854775747", "", INT64_MAX, RIPT_ERR_STALE, NULL);
  expect_times(f, "9223372036854775748", "", INT64_MAX, 0, NULL);
  fixture huge = *f;
  huge.iss.skew_s = INT64_MAX;
  expect_times(&huge, "1000", "", INT64_MAX, 0, NULL);
  expect_times(&huge, "0", "", INT64_MAX, RIPT_ERR_STALE, NULL);
  static const char *const bad[] = {"-1",   "\"1000\"", "1e19", "-0.5",
                                    "null", "true",     "[1]"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i) {
    char claims[256];
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%s}", bad[i]);
    expect_parse_json(f, HDR, claims, 1, "claim \"exp\": a NumericDate");
  }
  expect_parse_json(f, HDR, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", 1,
                    "claim \"exp\": a NumericDate");
}

static void test_not_before(void **state) {
  fixture *f = *state;
  fixture strict = *f;
  strict.iss.skew_s = 0;
  expect_times(f, "5000", ",\"nbf\":1000", 940, 0, NULL);
  expect_times(f, "5000", ",\"nbf\":1000", 939, RIPT_ERR_STALE,
               "token not yet valid");
  expect_times(&strict, "5000", ",\"nbf\":1000", 1000, 0, NULL);
  expect_times(&strict, "5000", ",\"nbf\":1000", 999, RIPT_ERR_STALE, NULL);
  expect_times(&strict, "5000", ",\"nbf\":999.25", 999, RIPT_ERR_STALE, NULL);
  expect_times(&strict, "5000", ",\"nbf\":999.25", 1000, 0, NULL);
  /* Expired and not yet valid at once: expiry is reported. */
  expect_times(&strict, "10", ",\"nbf\":20", 15, RIPT_ERR_STALE,
               "token expired");
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"nbf\":\"1000\""), 1,
                    "claim \"nbf\": a NumericDate");
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"nbf\":-3"), 1,
                    "claim \"nbf\": a NumericDate");
}

static void test_issued_at(void **state) {
  fixture *f = *state;
  char *token = sign_jws(HDR, CLAIMS_WITH(",\"iat\":1767229100.5"), f->key);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  /* Returned, rounded up, never judged (here: in the future). */
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_int_equal(tok.iat, 1767229101);
  free(token);
  token = sign_jws(HDR, CLAIMS, f->key);
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_int_equal(tok.iat, -1);
  ript_oauth_token_free(&tok);
  free(token);
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"iat\":{}"), 1,
                    "claim \"iat\": a NumericDate");
}

static void test_scope(void **state) {
  fixture *f = *state;
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"scope\":[\"ript\"]"), 1,
                    "claim \"scope\": a string");
  char *token = sign_jws(
      HDR, CLAIMS_WITH(",\"scope\":\"  riptx admin  ript:call RIPT\""), f->key);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript"), 0);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "riptx"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "admin"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript:call"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "RIPT"), 1);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "adm"), 0);
  assert_int_equal(ript_oauth_token_has_scope(&tok, ""),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript admin"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_token_has_scope(&tok, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_token_has_scope(NULL, "ript"),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_oauth_token_free(&tok);
  /* An empty token has no scope. */
  assert_int_equal(ript_oauth_token_has_scope(&tok, "ript"), 0);
  free(token);
}

static void test_customer_claim(void **state) {
  fixture *f = *state;
  static const char *const missing[] = {"", ",\"ript_customer\":\"\"",
                                        ",\"ript_customer\":42",
                                        ",\"ript_customer\":[\"acme\"]"};
  char claims[256];
  for (size_t i = 0; i < sizeof(missing) / sizeof(*missing); ++i) {
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1767229200%s}",
             missing[i]);
    expect(f, HDR, claims, NOW, RIPT_ERR_MISMATCH,
           "no customer claim in the token");
  }
  /* The default claim is "sub". */
  fixture by_sub = *f;
  ript_oauth_issuer_init(&by_sub.iss);
  by_sub.iss.issuer = ISS;
  by_sub.iss.audience = AUD;
  by_sub.iss.jwks = f->jwks;
  char *token = sign_jws(HDR, CLAIMS_WITH(",\"sub\":\"initech\""), f->key);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(verify(&by_sub.iss, 1, token, NOW, &tok, NULL), 0);
  assert_string_equal(tok.customer, "initech");
  ript_oauth_token_free(&tok);
  free(token);
  expect(&by_sub, HDR, CLAIMS, NOW, RIPT_ERR_MISMATCH,
         "no customer claim in the token");
}

/* ======================================================================
 * Structure, arguments, descriptions
 * ==================================================================== */

static void test_structure(void **state) {
  fixture *f = *state;
  char *good = ript_test_example("oauth-es256-token", NULL);
  size_t dot1 = (size_t)(strchr(good, '.') - good);
  size_t dot2 = (size_t)(strrchr(good, '.') - good);
  expect_parse(f, "", 0, "'.': a compact JWS has three parts");
  expect_parse(f, "abc.def", 7, "'.': a compact JWS has three parts");
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_printf(&b, "%s.", good), 0);
  expect_parse(f, (const char *)b.data, strlen(good),
               "the end of the JWS after three parts");
  ript_buf_free(&b);
  char *t = with_char(good, 5, '+');
  expect_parse(f, t, 5, NULL);
  free(t);
  t = with_char(good, dot1 + 3, '=');
  expect_parse(f, t, dot1 + 3, NULL);
  free(t);
  t = with_char(good, dot2 + 7, '/');
  expect_parse(f, t, dot2 + 7, NULL);
  free(t);
  free(good);
  expect_parse_json(f, "[]", CLAIMS, 0, "a base64url JSON object header");
  expect_parse_json(f, "{\"alg\":\"ES256\"", CLAIMS, 0,
                    "a base64url JSON object header");
  expect_parse_json(f, HDR, "[]", 1, "a base64url JSON object claims set");
  expect_parse_json(f, HDR, "", 1, "a base64url JSON object claims set");
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"exp\":1"), 1,
                    "a base64url JSON object claims set");
  expect_parse_json(f, HDR, CLAIMS_WITH(",\"a\":\"\\u0000\""), 1,
                    "a base64url JSON object claims set");
}

static void test_arguments(void **state) {
  fixture *f = *state;
  char *token = ript_test_example("oauth-es256-token", NULL);
  size_t len = strlen(token);
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  assert_int_equal(ript_oauth_verify(NULL, 1, token, len, NOW, &tok, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_verify(&f->iss, 0, token, len, NOW, &tok, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_verify(&f->iss, 1, NULL, 1, NOW, &tok, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_verify(&f->iss, 1, token, len, NOW, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_verify(&f->iss, 1, NULL, 0, NOW, &tok, NULL),
                   RIPT_ERR_PARSE);
  ript_oauth_issuer bad[11];
  for (size_t i = 0; i < 11; ++i)
    bad[i] = f->iss;
  bad[0].issuer = NULL;
  bad[1].issuer = "";
  bad[2].audience = NULL;
  bad[3].audience = "";
  bad[4].jwks = NULL;
  bad[5].customer_claim = NULL;
  bad[6].customer_claim = "";
  bad[7].skew_s = -1;
  bad[8].flags = 0x02u;
  bad[9].flags = RIPT_OAUTH_FLAG_LEGACY_TYP | 0x80u;
  bad[10].skew_s = INT64_MIN;
  for (size_t i = 0; i < 11; ++i) {
    ript_oauth_issuer pair[2] = {f->iss, bad[i]};
    assert_int_equal(ript_oauth_verify(pair, 2, token, len, NOW, &tok, NULL),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_null(tok.error_description);
  }
  /* A verify after a success empties the previous result first. */
  assert_int_equal(verify(&f->iss, 1, token, NOW, &tok, NULL), 0);
  assert_int_equal(verify(&f->iss, 1, "x", NOW, &tok, NULL), RIPT_ERR_PARSE);
  assert_null(tok.customer);
  assert_null(tok.scope);
  assert_int_equal(tok.iat, -1);
  ript_oauth_token_free(&tok);
  free(token);
}

static void test_issuer_defaults(void **state) {
  (void)state;
  ript_oauth_issuer iss;
  memset(&iss, 0xa5, sizeof(iss));
  ript_oauth_issuer_init(&iss);
  assert_null(iss.issuer);
  assert_null(iss.audience);
  assert_null(iss.jwks);
  assert_string_equal(iss.customer_claim, "sub");
  assert_int_equal(iss.skew_s, RIPT_OAUTH_DEFAULT_SKEW);
  assert_int_equal(iss.flags, 0);
}

/* Every description fits RFC 6750's error_description grammar. */
static void test_descriptions(void **state) {
  (void)state;
  static const char *const all[] = {
      "malformed access token",
      "unsupported signature algorithm",
      "unknown issuer",
      "not an access token (typ is not at+jwt)",
      "unknown signing key",
      "signature algorithm does not match the key",
      "invalid signature",
      "wrong audience",
      "no customer claim in the token",
      "token expired",
      "token not yet valid"};
  for (size_t i = 0; i < sizeof(all) / sizeof(*all); ++i)
    for (const char *p = all[i]; *p; ++p)
      assert_true(*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\');
}

/* ======================================================================
 * Minting
 * ==================================================================== */

static void test_sign_arguments(void **state) {
  fixture *f = *state;
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_buf_append_str(&out, "kept"), 0);
  assert_int_equal(ript_oauth_sign(NULL, "k", f->key, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_sign(&doc_claims, NULL, f->key, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_sign(&doc_claims, "", f->key, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_sign(&doc_claims, "k", NULL, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_sign(&doc_claims, "k", f->key, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_oauth_sign(&doc_claims, "\xc3", f->key, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_oauth_claims bad[20];
  size_t n = 0;
  for (size_t i = 0; i < 20; ++i)
    bad[i] = doc_claims;
  bad[n++].issuer = NULL;
  bad[n++].issuer = "";
  bad[n++].audience = NULL;
  bad[n++].audience = "";
  bad[n++].subject = NULL;
  bad[n++].subject = "";
  bad[n++].client_id = NULL;
  bad[n++].jti = "";
  bad[n++].iat = -1;
  bad[n].iat = 5;
  bad[n++].exp = 5;
  bad[n++].exp = IAT - 1;
  bad[n++].customer_claim = NULL; /* a value without a name */
  bad[n++].customer = NULL;       /* a name without a value */
  bad[n++].customer = "";
  bad[n++].customer_claim = "";
  bad[n++].customer_claim = "sub";
  bad[n++].customer_claim = "exp";
  bad[n++].subject = "\xff";
  bad[n++].scope = "ript \xe2\x82";
  bad[n++].customer = "\xed\xa0\x80"; /* a surrogate */
  assert_int_equal(n, 20);
  for (size_t i = 0; i < n; ++i)
    if (ript_oauth_sign(&bad[i], "k", f->key, &out) !=
        RIPT_ERR_INVALID_ARGUMENT)
      fail_msg("case %zu accepted", i);
  assert_string_equal((const char *)out.data, "kept");
  ript_buf_free(&out);
}

/* ======================================================================
 * Out of memory
 * ==================================================================== */

static void test_out_of_memory(void **state) {
  fixture *f = *state;
  ript_oauth_jwks *rsa = jwks_of("oauth-rs256-jwks");
  ript_oauth_issuer both[2] = {issuer_for(rsa), f->iss};
  both[0].issuer = "https://login.example.net";
  char *rs_token = ript_test_example("oauth-rs256-token", NULL);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_buf token;
    ript_buf_init(&token, &fm.mem);
    ript_oauth_token tok;
    ript_oauth_token_init(&tok, &fm.mem);
    int rv = ript_oauth_sign(&doc_claims, "2026-01", f->key, &token);
    if (rv == 0)
      rv = verify(both, 2, (const char *)token.data, NOW, &tok, NULL);
    if (rv == 0)
      assert_string_equal(tok.customer, "acme");
    ript_oauth_token_free(&tok);
    ript_buf_free(&token);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(tok.error_description);
  }
  ript_oauth_issuer rs = issuer_for(rsa);
  rs.customer_claim = "sub";
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_oauth_token tok;
    ript_oauth_token_init(&tok, &fm.mem);
    int rv = verify(&rs, 1, rs_token, NOW, &tok, NULL);
    if (rv == 0)
      assert_string_equal(tok.scope, "ript admin");
    ript_oauth_token_free(&tok);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  free(rs_token);
  ript_oauth_jwks_del(rsa);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_example_sign),
      cmocka_unit_test(test_doc_example_verify),
      cmocka_unit_test(test_doc_example_openssl_es256),
      cmocka_unit_test(test_doc_example_openssl_rs256),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_tampering),
      cmocka_unit_test(test_tampering_rs256),
      cmocka_unit_test(test_algorithms_refused),
      cmocka_unit_test(test_key_rotation),
      cmocka_unit_test(test_typ),
      cmocka_unit_test(test_header_members),
      cmocka_unit_test(test_issuer),
      cmocka_unit_test(test_audience),
      cmocka_unit_test(test_expiry_and_skew),
      cmocka_unit_test(test_not_before),
      cmocka_unit_test(test_issued_at),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_customer_claim),
      cmocka_unit_test(test_structure),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_issuer_defaults),
      cmocka_unit_test(test_descriptions),
      cmocka_unit_test(test_sign_arguments),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

/* PASSporT signing, parsing and verification (passport.c). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "ript/stir.h"
#include "stir_internal.h"
#include "testutil.h"

#define T_2020 INT64_C(1577836800)
#define T_2030 INT64_C(1893456000)
#define IAT INT64_C(1582000000)
#define NOW (IAT + 30)
#define X5U "https://cert.example.com/ript/14085551000.pem"

/* ---- Helpers ------------------------------------------------------------ */

static ript_stir_key *doc_key(const char *name) {
  size_t len;
  char *pem = ript_test_example(name, &len);
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_parse(&key, (const uint8_t *)pem, len, NULL,
                                       NULL),
                   0);
  free(pem);
  return key;
}

static ript_stir_cert *doc_cert(const char *name) {
  size_t len;
  char *pem = ript_test_example(name, &len);
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_cert_parse(&cert, (const uint8_t *)pem, len, NULL,
                                        NULL),
                   0);
  free(pem);
  return cert;
}

/* A certificate for the document's leaf key, issued by the document's CA,
 * holding |grant|. */
static ript_stir_cert *issue(const ript_stir_tnauth *grant) {
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_key *leaf_key = doc_key("stir-leaf-key");
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_stir_csr_create(leaf_key, "+14085551000", RIPT_STIR_FORMAT_DER, &b),
      0);
  ript_stir_csr *csr = NULL;
  assert_int_equal(ript_stir_csr_parse(&csr, b.data, b.len, NULL, NULL), 0);
  static const uint8_t serial[] = {0x42};
  ript_stir_cert_terms terms = {serial, 1, T_2020, T_2030};
  ript_stir_cert *leaf = NULL;
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, grant, ca, ca_key, &terms, NULL), 0);
  ript_stir_csr_del(csr);
  ript_buf_free(&b);
  ript_stir_cert_del(ca);
  ript_stir_key_del(leaf_key);
  ript_stir_key_del(ca_key);
  return leaf;
}

/* A compact JWS from JSON texts and an arbitrary (valid-length) signature:
 * enough for everything short of signature checks. */
static char *make_jws(const char *header, const char *payload) {
  static const uint8_t sig[64] = {1, 2, 3};
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)header, strlen(header)), 0);
  assert_int_equal(ript_buf_append_str(&b, "."), 0);
  assert_int_equal(
      ript_base64url_encode(&b, (const uint8_t *)payload, strlen(payload)), 0);
  assert_int_equal(ript_buf_append_str(&b, "."), 0);
  assert_int_equal(ript_base64url_encode(&b, sig, sizeof(sig)), 0);
  return (char *)b.data;
}

static const char *const good_header =
    "{\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}";
static const char *const good_payload =
    "{\"dest\":{\"tn\":[\"14089529999\"]},\"iat\":1582000000,"
    "\"orig\":{\"tn\":\"14085551000\"}}";

static void sign_doc(ript_buf *out, const char *orig, const char *dest,
                     int64_t iat) {
  ript_stir_key *key = doc_key("stir-leaf-key");
  assert_int_equal(ript_stir_passport_sign(orig, dest, iat, X5U, key, out), 0);
  ript_stir_key_del(key);
}

static void parse_ok(ript_stir_passport *pp, const ript_buf *jws) {
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_passport_parse(pp, (const char *)jws->data, jws->len,
                                    &err);
  if (rv != 0)
    fail_msg("parse: %d, expected %s at %zu", rv, err.expected, err.offset);
}

/* The payload part of a JWS, decoded. */
static char *payload_of(const char *jws) {
  const char *p = strchr(jws, '.') + 1;
  const char *end = strchr(p, '.');
  size_t cap = ript_base64url_decoded_len((size_t)(end - p));
  char *out = calloc(1, cap + 1);
  assert_true(ript_base64url_decode((uint8_t *)out, cap, p, (size_t)(end - p),
                                    NULL) >= 0);
  return out;
}

/* ======================================================================
 * The worked example
 * ==================================================================== */

static void test_doc_example_signing(void **state) {
  (void)state;
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  sign_doc(&jws, "+14085551000", "+14089529999", IAT);
  size_t len;
  char *want = ript_test_example("stir-passport-jws", &len);
  assert_int_equal(jws.len, len);
  assert_memory_equal(jws.data, want, len);
  free(want);
  /* Its pieces, as the document shows them. */
  char *input = ript_test_example("stir-passport-signing-input", &len);
  assert_memory_equal(jws.data, input, len);
  assert_int_equal(jws.data[len], '.');
  free(input);
  char *header = ript_test_example("stir-passport-header", &len);
  const char *dot = strchr((const char *)jws.data, '.');
  uint8_t decoded[256];
  ript_ssize n = ript_base64url_decode(decoded, sizeof(decoded),
                                       (const char *)jws.data,
                                       (size_t)(dot - (const char *)jws.data),
                                       NULL);
  assert_int_equal(n, (ript_ssize)len);
  assert_memory_equal(decoded, header, len);
  free(header);
  char *payload = ript_test_example("stir-passport-payload", &len);
  char *got = payload_of((const char *)jws.data);
  assert_string_equal(got, payload);
  free(got);
  free(payload);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  parse_ok(&pp, &jws);
  uint8_t *sig = ript_test_example_hex("stir-passport-signature", &len);
  assert_int_equal(len, 64);
  assert_memory_equal(pp.signature, sig, 64);
  free(sig);
  ript_stir_passport_free(&pp);
  ript_buf_free(&jws);
}

static void test_doc_example_verifies(void **state) {
  (void)state;
  size_t len;
  char *jws = ript_test_example("stir-passport-jws", &len);
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, len, NULL), 0);
  assert_string_equal(pp.orig, "14085551000");
  assert_int_equal(pp.ndest, 1);
  assert_int_equal(pp.dest[0].type, RIPT_STIR_DEST_TN);
  assert_string_equal(pp.dest[0].value, "14089529999");
  assert_true(pp.iat == IAT);
  assert_string_equal(pp.x5u, X5U);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, NOW,
                                             RIPT_STIR_PASSPORT_MAX_AGE),
                   0);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+14089529999"), 0);
  /* The DER form the document gives verifies with GnuTLS directly. */
  uint8_t *der = ript_test_example_hex("stir-passport-signature-der", &len);
  gnutls_pubkey_t pub;
  assert_int_equal(gnutls_pubkey_init(&pub), 0);
  assert_int_equal(gnutls_pubkey_import_x509(pub, leaf->crt, 0), 0);
  gnutls_datum_t data = {(unsigned char *)pp.signing_input,
                         (unsigned)pp.signing_input_len};
  gnutls_datum_t sig = {der, (unsigned)len};
  assert_true(gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0,
                                         &data, &sig) >= 0);
  gnutls_pubkey_deinit(pub);
  free(der);
  ript_stir_passport_free(&pp);
  ript_stir_cert_del(leaf);
  free(jws);
}

static void test_uri_destination(void **state) {
  (void)state;
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  sign_doc(&jws, "+14085551000", "1234@corp.example.com", IAT);
  size_t len;
  char *want = ript_test_example("stir-passport-payload-uri", &len);
  char *got = payload_of((const char *)jws.data);
  assert_string_equal(got, want);
  free(got);
  free(want);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  parse_ok(&pp, &jws);
  assert_int_equal(pp.ndest, 1);
  assert_int_equal(pp.dest[0].type, RIPT_STIR_DEST_URI);
  assert_string_equal(pp.dest[0].value, "sip:1234@corp.example.com");
  assert_int_equal(ript_stir_passport_check_dest(&pp, "1234@corp.example.com"),
                   0);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "1235@corp.example.com"),
                   RIPT_ERR_MISMATCH);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+1234"),
                   RIPT_ERR_MISMATCH);
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, NOW, 60), 0);
  ript_stir_cert_del(leaf);
  ript_stir_passport_free(&pp);
  ript_buf_free(&jws);
}

static void test_signing_is_deterministic(void **state) {
  (void)state;
  ript_buf a, b;
  ript_buf_init(&a, NULL);
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "prefix "), 0);
  sign_doc(&a, "+1", "+2", 0);
  sign_doc(&b, "+1", "+2", 0);
  assert_int_equal(b.len, a.len + 7);
  assert_memory_equal(b.data + 7, a.data, a.len);
  ript_buf_free(&b);
  ript_buf_free(&a);
}

/* ======================================================================
 * Verification failures
 * ==================================================================== */

static void expect_verify(const ript_buf *jws, const ript_stir_cert *cert,
                          int64_t now, int code) {
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  parse_ok(&pp, jws);
  assert_int_equal(ript_stir_passport_verify(&pp, cert, now, 60), code);
  ript_stir_passport_free(&pp);
}

static void test_tampering(void **state) {
  (void)state;
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  sign_doc(&jws, "+14085551000", "+14089529999", IAT);
  expect_verify(&jws, leaf, NOW, 0);
  /* One signature byte: flip a character in the middle of the third part
   * (the last character carries padding bits and is left alone). */
  size_t sig_at = (size_t)(strrchr((char *)jws.data, '.') - (char *)jws.data);
  char *c = (char *)jws.data + sig_at + 40;
  char was = *c;
  *c = was == 'A' ? 'B' : 'A';
  expect_verify(&jws, leaf, NOW, RIPT_ERR_SIGNATURE);
  *c = was;
  expect_verify(&jws, leaf, NOW, 0);
  /* The payload swapped for another one under the old signature. */
  ript_buf forged;
  ript_buf_init(&forged, NULL);
  const char *first_dot = strchr((char *)jws.data, '.');
  assert_int_equal(ript_buf_append(&forged, jws.data,
                                   (size_t)(first_dot - (char *)jws.data) + 1),
                   0);
  static const char other[] =
      "{\"dest\":{\"tn\":[\"14089520000\"]},\"iat\":1582000000,"
      "\"orig\":{\"tn\":\"14085551000\"}}";
  assert_int_equal(ript_base64url_encode(&forged, (const uint8_t *)other,
                                         strlen(other)),
                   0);
  assert_int_equal(ript_buf_append_str(&forged, (char *)jws.data + sig_at), 0);
  expect_verify(&forged, leaf, NOW, RIPT_ERR_SIGNATURE);
  ript_buf_free(&forged);
  /* Signed by another key than the certificate's. */
  ript_stir_key *other_key = NULL;
  assert_int_equal(ript_stir_key_generate(&other_key, NULL), 0);
  ript_buf_reset(&jws);
  assert_int_equal(ript_stir_passport_sign("+14085551000", "+14089529999", IAT,
                                           X5U, other_key, &jws),
                   0);
  expect_verify(&jws, leaf, NOW, RIPT_ERR_SIGNATURE);
  ript_stir_key_del(other_key);
  ript_buf_free(&jws);
  ript_stir_cert_del(leaf);
}

static void test_wrong_key_type(void **state) {
  (void)state;
  /* A certificate with a P-384 key cannot carry ES256, whatever the
   * signature: built with GnuTLS directly. */
  gnutls_x509_privkey_t k;
  gnutls_x509_crt_t crt;
  static const uint8_t serial[] = {7};
  assert_int_equal(gnutls_x509_privkey_init(&k), 0);
  assert_int_equal(gnutls_x509_privkey_generate(
                       k, GNUTLS_PK_ECDSA,
                       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0),
                   0);
  assert_int_equal(gnutls_x509_crt_init(&crt), 0);
  assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
  assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, 1), 0);
  assert_int_equal(gnutls_x509_crt_set_activation_time(crt, T_2020), 0);
  assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, T_2030), 0);
  assert_int_equal(gnutls_x509_crt_set_key(crt, k), 0);
  static const uint8_t tnauth[] = {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b,
                                   '1',  '4',  '0',  '8',  '5',  '5',
                                   '5',  '1',  '0',  '0',  '0'};
  assert_int_equal(gnutls_x509_crt_set_extension_by_oid(
                       crt, RIPT_STIR_TNAUTH_OID, tnauth, sizeof(tnauth), 0),
                   0);
  assert_int_equal(gnutls_x509_crt_sign2(crt, crt, k, GNUTLS_DIG_SHA384, 0), 0);
  gnutls_datum_t der;
  assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_cert_parse(&cert, der.data, der.size, NULL, NULL),
                   0);
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  sign_doc(&jws, "+14085551000", "+14089529999", IAT);
  expect_verify(&jws, cert, NOW, RIPT_ERR_SIGNATURE);
  ript_buf_free(&jws);
  ript_stir_cert_del(cert);
  gnutls_free(der.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(k);
}

static void test_staleness(void **state) {
  (void)state;
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  sign_doc(&jws, "+14085551000", "+14089529999", IAT);
  expect_verify(&jws, leaf, IAT, 0);
  expect_verify(&jws, leaf, IAT + 60, 0);
  expect_verify(&jws, leaf, IAT + 61, RIPT_ERR_STALE);
  /* From the future. */
  expect_verify(&jws, leaf, IAT - 60, 0);
  expect_verify(&jws, leaf, IAT - 61, RIPT_ERR_STALE);
  expect_verify(&jws, leaf, INT64_MIN, RIPT_ERR_STALE);
  expect_verify(&jws, leaf, INT64_MAX, RIPT_ERR_STALE);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  parse_ok(&pp, &jws);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, IAT + 1000, 1000), 0);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, IAT + 1, 0),
                   RIPT_ERR_STALE);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, IAT, 0), 0);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, -IAT, INT64_MAX), 0);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, INT64_MIN, INT64_MAX),
                   RIPT_ERR_STALE); /* 2^63 + iat apart */
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, IAT, -1),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_passport_free(&pp);
  /* The largest iat JSON carries, against the smallest now. */
  ript_buf_reset(&jws);
  sign_doc(&jws, "+14085551000", "+14089529999", INT64_MAX);
  expect_verify(&jws, leaf, INT64_MIN, RIPT_ERR_STALE);
  expect_verify(&jws, leaf, INT64_MAX, 0);
  ript_buf_free(&jws);
  ript_stir_cert_del(leaf);
}

static void test_coverage(void **state) {
  (void)state;
  ript_buf jws;
  ript_buf_init(&jws, NULL);
  /* orig outside the certificate's single number. */
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  sign_doc(&jws, "+14085551001", "+14089529999", IAT);
  expect_verify(&jws, leaf, NOW, RIPT_ERR_NOT_COVERED);
  ript_stir_cert_del(leaf);
  /* A range: in and out. */
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_range(&grant, "14085551000", 100), 0);
  ript_stir_cert *ranged = issue(&grant);
  expect_verify(&jws, ranged, NOW, 0);
  ript_buf_reset(&jws);
  sign_doc(&jws, "+14085551100", "+14089529999", IAT);
  expect_verify(&jws, ranged, NOW, RIPT_ERR_NOT_COVERED);
  ript_stir_cert_del(ranged);
  ript_stir_tnauth_free(&grant);
  /* An SPC-only certificate covers no number. */
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_spc(&grant, "709J"), 0);
  ript_stir_cert *spc = issue(&grant);
  ript_buf_reset(&jws);
  sign_doc(&jws, "+14085551000", "+14089529999", IAT);
  expect_verify(&jws, spc, NOW, RIPT_ERR_NOT_COVERED);
  ript_stir_cert_del(spc);
  ript_stir_tnauth_free(&grant);
  /* A certificate without any TNAuthList: the CA signing for itself. */
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_buf_reset(&jws);
  assert_int_equal(ript_stir_passport_sign("+14085551000", "+14089529999", IAT,
                                           X5U, ca_key, &jws),
                   0);
  expect_verify(&jws, ca, NOW, RIPT_ERR_NOT_COVERED);
  ript_stir_cert_del(ca);
  ript_stir_key_del(ca_key);
  ript_buf_free(&jws);
}

static void test_verify_arguments(void **state) {
  (void)state;
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  assert_int_equal(ript_stir_passport_verify(&pp, leaf, NOW, 60),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_verify(NULL, leaf, NOW, 60),
                   RIPT_ERR_INVALID_ARGUMENT);
  size_t len;
  char *jws = ript_test_example("stir-passport-jws", &len);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, len, NULL), 0);
  assert_int_equal(ript_stir_passport_verify(&pp, NULL, NOW, 60),
                   RIPT_ERR_INVALID_ARGUMENT);
  free(jws);
  ript_stir_passport_free(&pp);
  ript_stir_cert_del(leaf);
}

/* ======================================================================
 * dest checks
 * ==================================================================== */

static void test_check_dest(void **state) {
  (void)state;
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  char *jws = make_jws(good_header, good_payload);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  free(jws);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+14089529999"), 0);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+14089529998"),
                   RIPT_ERR_MISMATCH);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+1408952999"),
                   RIPT_ERR_MISMATCH);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "14089529999@x.example"),
                   RIPT_ERR_MISMATCH);
  static const char *const bad[] = {
      "14089529999", "+1-408-952", "+",      "",         "@corp.example",
      "1234@",       "12 34@corp", "a@b_c",  "a\"b@corp", "1234@corp@x",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i)
    assert_int_equal(ript_stir_passport_check_dest(&pp, bad[i]),
                     RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_check_dest(&pp, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_check_dest(NULL, "+1"),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Two identities in dest: never exactly the one destination. */
  jws = make_jws(good_header,
                 "{\"dest\":{\"tn\":[\"14089529999\"],\"uri\":[\"sip:a@b\"]},"
                 "\"iat\":1,\"orig\":{\"tn\":\"1\"}}");
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  free(jws);
  assert_int_equal(pp.ndest, 2);
  assert_int_equal(pp.dest[1].type, RIPT_STIR_DEST_URI);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "+14089529999"),
                   RIPT_ERR_MISMATCH);
  /* A uri that is not a sip: one. */
  jws = make_jws(good_header, "{\"dest\":{\"uri\":[\"tel:a@b\"]},"
                              "\"iat\":1,\"orig\":{\"tn\":\"1\"}}");
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  free(jws);
  assert_int_equal(ript_stir_passport_check_dest(&pp, "a@b"),
                   RIPT_ERR_MISMATCH);
  ript_stir_passport_free(&pp);
}

/* ======================================================================
 * Signing arguments
 * ==================================================================== */

static void test_sign_arguments(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  ript_buf out;
  ript_buf_init(&out, NULL);
  const struct {
    const char *orig, *dest, *x5u;
    int64_t iat;
  } bad[] = {
      {"14085551000", "+1", X5U, 1},  {"+1408a", "+1", X5U, 1},
      {"+1", "1", X5U, 1},            {"+1", "+1 2", X5U, 1},
      {"+1", "x@", X5U, 1},           {"+1", "+1", "", 1},
      {"+1", "+1", "has space", 1},   {"+1", "+1", "caf\xc3\xa9", 1},
      {"+1", "+1", X5U, -1},          {NULL, "+1", X5U, 1},
      {"+1", NULL, X5U, 1},           {"+1", "+1", NULL, 1},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i)
    assert_int_equal(ript_stir_passport_sign(bad[i].orig, bad[i].dest,
                                             bad[i].iat, bad[i].x5u, key, &out),
                     RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_sign("+1", "+1", 1, X5U, NULL, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_sign("+1", "+1", 1, X5U, key, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(out.len, 0);
  /* x5u strings JSON must escape survive the round trip. */
  assert_int_equal(ript_stir_passport_sign("+1", "+2", 1, "https://a/\"b\\c",
                                           key, &out),
                   0);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  parse_ok(&pp, &out);
  assert_string_equal(pp.x5u, "https://a/\"b\\c");
  ript_stir_passport_free(&pp);
  ript_buf_free(&out);
  ript_stir_key_del(key);
}

/* ======================================================================
 * Parsing
 * ==================================================================== */

static void expect_parse_error_text(const char *jws, size_t offset,
                                    const char *expected_part) {
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), &err),
                   RIPT_ERR_PARSE);
  assert_null(pp.orig);
  assert_null(pp.x5u);
  assert_null(pp.dest);
  assert_null(pp.signing_input);
  if (err.offset != offset)
    fail_msg("offset %zu, expected %zu (%s)", err.offset, offset, err.expected);
  if (!strstr(err.expected, expected_part))
    fail_msg("\"%s\" lacks \"%s\"", err.expected, expected_part);
  ript_stir_passport_free(&pp);
}

static void expect_header_error(const char *header, const char *part) {
  char *jws = make_jws(header, good_payload);
  expect_parse_error_text(jws, 0, part);
  free(jws);
}

static void expect_payload_error(const char *payload, const char *part) {
  char *jws = make_jws(good_header, payload);
  size_t at = (size_t)(strchr(jws, '.') - jws) + 1;
  expect_parse_error_text(jws, at, part);
  free(jws);
}

static void test_parse_structure(void **state) {
  (void)state;
  expect_parse_error_text("", 0, "three parts");
  expect_parse_error_text("abc", 3, "three parts");
  expect_parse_error_text("abc.def", 7, "three parts");
  expect_parse_error_text("e30.e30.AAAA.x", 12, "three parts");
  /* Padding in the header and in the payload: offsets of the '='. */
  char *jws = make_jws(good_header, good_payload);
  size_t len = strlen(jws);
  char *padded = malloc(len + 3);
  char *dot = strchr(jws, '.');
  size_t hlen = (size_t)(dot - jws);
  memcpy(padded, jws, hlen);
  memcpy(padded + hlen, "==", 2);
  memcpy(padded + hlen + 2, dot, len - hlen + 1);
  expect_parse_error_text(padded, hlen, "base64url");
  free(padded);
  /* A character outside the alphabet inside the payload. */
  char *plus = strdup(jws);
  plus[hlen + 5] = '+';
  expect_parse_error_text(plus, hlen + 5, "base64url");
  free(plus);
  /* The signature: too short, and right-sized with nonzero unused bits. */
  char *sig = strdup(jws);
  sig[len - 1] = '\0';
  expect_parse_error_text(sig, (size_t)(strrchr(sig, '.') - sig) + 1,
                          "64 bytes");
  strcpy(sig, jws);
  sig[len - 1] = 'B'; /* the last character holds 4 bits and 2 zero bits */
  expect_parse_error_text(sig, len - 1, "trailing bits");
  strcpy(sig, jws);
  sig[len - 10] = '*';
  expect_parse_error_text(sig, len - 10, "base64url");
  free(sig);
  free(jws);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  assert_int_equal(ript_stir_passport_parse(&pp, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_parse(NULL, "a", 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_passport_parse(&pp, NULL, 0, NULL),
                   RIPT_ERR_PARSE);
}

static void test_parse_header_rules(void **state) {
  (void)state;
  expect_header_error("not json", "JSON object header");
  expect_header_error("[\"alg\",\"ES256\"]", "JSON object header");
  expect_header_error("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"x5u\":\"u\"}",
                      "JSON object header");
  expect_header_error("{\"typ\":\"passport\",\"x5u\":\"u\"}", "ES256");
  expect_header_error("{\"alg\":\"RS256\",\"x5u\":\"u\"}", "ES256");
  expect_header_error("{\"alg\":\"none\",\"x5u\":\"u\"}", "ES256");
  expect_header_error("{\"alg\":\"es256\",\"x5u\":\"u\"}", "ES256");
  expect_header_error("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5u\":\"u\"}",
                      "passport");
  expect_header_error("{\"alg\":\"ES256\",\"typ\":1,\"x5u\":\"u\"}",
                      "passport");
  expect_header_error("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":"
                      "\"passport\",\"x5u\":\"u\"}",
                      "ppt");
  expect_header_error("{\"alg\":\"ES256\",\"crit\":[\"x\"],\"x5u\":\"u\"}",
                      "crit");
  expect_header_error("{\"alg\":\"ES256\",\"typ\":\"passport\"}", "x5u");
  expect_header_error("{\"alg\":\"ES256\",\"x5u\":\"\"}", "x5u");
  expect_header_error("{\"alg\":\"ES256\",\"x5u\":7}", "x5u");
  /* jansson refuses \u0000, so no string can hide a NUL. */
  expect_header_error("{\"alg\":\"ES256\",\"x5u\":\"a\\u0000b\"}",
                      "JSON object header");
  /* No typ, and unknown members, are fine. */
  char *jws = make_jws("{\"x5u\":\"u\",\"alg\":\"ES256\",\"kid\":\"k\"}",
                       good_payload);
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  assert_string_equal(pp.x5u, "u");
  ript_stir_passport_free(&pp);
  free(jws);
}

static void test_parse_payload_rules(void **state) {
  (void)state;
  static const char *const dest = "\"dest\":{\"tn\":[\"1\"]}";
  static const char *const orig = "\"orig\":{\"tn\":\"1\"}";
  char payload[512];
  expect_payload_error("nope", "JSON object payload");
  expect_payload_error("{\"iat\":1,\"iat\":2}", "JSON object payload");
  snprintf(payload, sizeof(payload), "{%s,%s}", dest, orig);
  expect_payload_error(payload, "iat");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":\"1\",%s}", dest, orig);
  expect_payload_error(payload, "iat");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1.5,%s}", dest, orig);
  expect_payload_error(payload, "iat");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":-1,%s}", dest, orig);
  expect_payload_error(payload, "iat");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1}", dest);
  expect_payload_error(payload, "orig");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1,\"orig\":{\"uri\":"
                                     "\"sip:a@b\"}}",
           dest);
  expect_payload_error(payload, "orig");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1,\"orig\":{\"tn\":"
                                     "\"+1408\"}}",
           dest);
  expect_payload_error(payload, "orig");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1,\"orig\":{\"tn\":1}}",
           dest);
  expect_payload_error(payload, "orig");
  snprintf(payload, sizeof(payload), "{%s,\"iat\":1,\"orig\":\"1\"}", dest);
  expect_payload_error(payload, "orig");
  snprintf(payload, sizeof(payload), "{\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest");
  snprintf(payload, sizeof(payload), "{\"dest\":{},\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest");
  snprintf(payload, sizeof(payload),
           "{\"dest\":{\"tn\":[],\"uri\":[]},\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest");
  snprintf(payload, sizeof(payload), "{\"dest\":[\"1\"],\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest");
  snprintf(payload, sizeof(payload),
           "{\"dest\":{\"tn\":\"1\",\"uri\":[\"sip:a@b\"]},\"iat\":1,%s}",
           orig);
  expect_payload_error(payload, "arrays");
  snprintf(payload, sizeof(payload), "{\"dest\":{\"tn\":[1]},\"iat\":1,%s}",
           orig);
  expect_payload_error(payload, "dest identities");
  snprintf(payload, sizeof(payload),
           "{\"dest\":{\"tn\":[\"+1\"]},\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest identities");
  snprintf(payload, sizeof(payload),
           "{\"dest\":{\"uri\":[\"\"]},\"iat\":1,%s}", orig);
  expect_payload_error(payload, "dest identities");
  /* Everything optional present, unknown claims ignored. */
  char *jws = make_jws(good_header,
                       "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",\"2\"],"
                       "\"uri\":[\"sip:x@y\"]},\"iat\":0,\"orig\":{\"tn\":"
                       "\"123456789012345\"},\"origid\":\"u\"}");
  ript_stir_passport pp;
  ript_stir_passport_init(&pp, NULL);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  assert_int_equal(pp.ndest, 3);
  assert_string_equal(pp.dest[1].value, "2");
  assert_string_equal(pp.dest[2].value, "sip:x@y");
  assert_true(pp.iat == 0);
  assert_string_equal(pp.orig, "123456789012345");
  /* A second parse replaces the first; a failed one leaves it empty. */
  free(jws);
  jws = make_jws(good_header, good_payload);
  assert_int_equal(ript_stir_passport_parse(&pp, jws, strlen(jws), NULL), 0);
  assert_int_equal(pp.ndest, 1);
  assert_int_equal(ript_stir_passport_parse(&pp, "x", 1, NULL), RIPT_ERR_PARSE);
  assert_null(pp.orig);
  assert_int_equal(pp.ndest, 0);
  ript_stir_passport_free(&pp);
  free(jws);
}

/* ======================================================================
 * Out of memory
 * ==================================================================== */

static void test_out_of_memory(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_buf jws;
    ript_buf_init(&jws, &fm.mem);
    ript_stir_passport pp;
    ript_stir_passport_init(&pp, &fm.mem);
    int rv = ript_stir_passport_sign("+14085551000", "1234@corp.example.com",
                                     IAT, X5U, key, &jws);
    if (rv == 0)
      rv = ript_stir_passport_parse(&pp, (const char *)jws.data, jws.len,
                                    NULL);
    if (rv == 0)
      rv = ript_stir_passport_verify(&pp, leaf, NOW, 60);
    if (rv == 0)
      rv = ript_stir_passport_check_dest(&pp, "1234@corp.example.com");
    ript_stir_passport_free(&pp);
    ript_buf_free(&jws);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  ript_stir_cert_del(leaf);
  ript_stir_key_del(key);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_example_signing),
      cmocka_unit_test(test_doc_example_verifies),
      cmocka_unit_test(test_uri_destination),
      cmocka_unit_test(test_signing_is_deterministic),
      cmocka_unit_test(test_tampering),
      cmocka_unit_test(test_wrong_key_type),
      cmocka_unit_test(test_staleness),
      cmocka_unit_test(test_coverage),
      cmocka_unit_test(test_verify_arguments),
      cmocka_unit_test(test_check_dest),
      cmocka_unit_test(test_sign_arguments),
      cmocka_unit_test(test_parse_structure),
      cmocka_unit_test(test_parse_header_rules),
      cmocka_unit_test(test_parse_payload_rules),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

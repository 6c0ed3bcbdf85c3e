/* Keys, certificates, CSRs and the trust store (stirkey.c, stircert.c). */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "ript/stir.h"
#include "stir_internal.h"
#include "testutil.h"

/* The worked example's times (docs/PROTOCOL.md, appendix A.5). */
#define T_2020 INT64_C(1577836800)
#define T_2030 INT64_C(1893456000)
#define T_2040 INT64_C(2208988800)
#define T_NOW INT64_C(1582000030)

static const uint8_t ca_serial[] = {0x01};
static const uint8_t leaf_serial[] = {0x14, 0x08, 0x55, 0x51, 0x00, 0x01};

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

static ript_stir_cert *make_ca(ript_stir_key *key, int64_t nb, int64_t na) {
  ript_stir_cert_terms terms = {ca_serial, sizeof(ca_serial), nb, na};
  ript_stir_cert *ca = NULL;
  assert_int_equal(
      ript_stir_cert_create_ca(&ca, key, "Test CA", NULL, &terms, NULL), 0);
  return ca;
}

static ript_stir_csr *make_csr(ript_stir_key *key, const char *e164) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_csr_create(key, e164, RIPT_STIR_FORMAT_DER, &b),
                   0);
  ript_stir_csr *csr = NULL;
  assert_int_equal(ript_stir_csr_parse(&csr, b.data, b.len, NULL, NULL), 0);
  ript_buf_free(&b);
  return csr;
}

static ript_stir_cert *issue_one(ript_stir_key *leaf_key, const char *e164,
                                 ript_stir_cert *ca, ript_stir_key *ca_key,
                                 int64_t nb, int64_t na) {
  ript_stir_csr *csr = make_csr(leaf_key, e164);
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_one(&grant, ript_stir_csr_tn(csr)), 0);
  ript_stir_cert_terms terms = {leaf_serial, sizeof(leaf_serial), nb, na};
  ript_stir_cert *leaf = NULL;
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, ca_key, &terms, NULL), 0);
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(csr);
  return leaf;
}

/* The PEM text of a handle compared with a documentation block (GnuTLS
 * ends PEM with a newline the block does not have). */
static void assert_pem_is_example(ript_buf *pem, const char *name) {
  size_t len;
  char *want = ript_test_example(name, &len);
  assert_int_equal(pem->len, len + 1);
  assert_memory_equal(pem->data, want, len);
  free(want);
}

static gnutls_x509_privkey_t gnutls_key(gnutls_pk_algorithm_t pk,
                                        unsigned bits) {
  gnutls_x509_privkey_t key;
  assert_int_equal(gnutls_x509_privkey_init(&key), 0);
  assert_int_equal(gnutls_x509_privkey_generate(key, pk, bits, 0), 0);
  return key;
}

/* A CSR built with GnuTLS directly, so it can hold what ours never would:
 * CN |cn| (none if NULL) and |cn2|, the TNAuthList |ext| (none if NULL). */
static void build_csr(ript_buf *out, gnutls_x509_privkey_t key, const char *cn,
                      const char *cn2, const uint8_t *ext, size_t extlen) {
  gnutls_x509_crq_t crq;
  assert_int_equal(gnutls_x509_crq_init(&crq), 0);
  if (cn)
    assert_int_equal(gnutls_x509_crq_set_dn_by_oid(
                         crq, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)),
                     0);
  if (cn2)
    assert_int_equal(gnutls_x509_crq_set_dn_by_oid(
                         crq, GNUTLS_OID_X520_COMMON_NAME, 0, cn2, strlen(cn2)),
                     0);
  if (!cn && !cn2)
    assert_int_equal(gnutls_x509_crq_set_dn_by_oid(
                         crq, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Org", 3),
                     0);
  assert_int_equal(gnutls_x509_crq_set_key(crq, key), 0);
  if (ext)
    assert_int_equal(gnutls_x509_crq_set_extension_by_oid(
                         crq, RIPT_STIR_TNAUTH_OID, ext, extlen, 0),
                     0);
  assert_int_equal(gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0), 0);
  gnutls_datum_t d;
  assert_int_equal(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d), 0);
  assert_int_equal(ript_buf_append(out, d.data, d.size), 0);
  gnutls_free(d.data);
  gnutls_x509_crq_deinit(crq);
}

static void expect_csr_error(const ript_buf *der, int code,
                             const char *expected_part) {
  ript_stir_csr *csr = (ript_stir_csr *)&csr; /* must be left untouched */
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_csr_parse(&csr, der->data, der->len, NULL, &err),
                   code);
  assert_ptr_equal(csr, &csr);
  if (code == RIPT_ERR_PARSE) {
    assert_int_equal(err.offset, 0);
    if (!strstr(err.expected, expected_part))
      fail_msg("\"%s\" lacks \"%s\"", err.expected, expected_part);
  }
}

/* A CA certificate made with GnuTLS directly and signed by |issuer|: the
 * library only issues end-entity certificates. */
static ript_stir_cert *make_intermediate(const ript_stir_cert *issuer,
                                         const ript_stir_key *issuer_key,
                                         const ript_stir_key *key, int64_t nb,
                                         int64_t na) {
  gnutls_x509_crt_t crt;
  static const uint8_t serial[] = {0x05};
  uint8_t id[20];
  size_t idlen = sizeof(id);
  unsigned critical;
  assert_int_equal(gnutls_x509_crt_init(&crt), 0);
  assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
  assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, 1), 0);
  assert_int_equal(gnutls_x509_crt_set_activation_time(crt, (time_t)nb), 0);
  assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, (time_t)na), 0);
  assert_int_equal(gnutls_x509_crt_set_dn_by_oid(
                       crt, GNUTLS_OID_X520_COMMON_NAME, 0, "Intermediate", 12),
                   0);
  assert_int_equal(gnutls_x509_crt_set_key(crt, key->x509), 0);
  assert_int_equal(gnutls_x509_crt_set_basic_constraints(crt, 1, -1), 0);
  assert_int_equal(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN),
                   0);
  assert_int_equal(gnutls_x509_crt_get_key_id(crt, 0, id, &idlen), 0);
  assert_int_equal(gnutls_x509_crt_set_subject_key_id(crt, id, idlen), 0);
  idlen = sizeof(id);
  assert_int_equal(
      gnutls_x509_crt_get_subject_key_id(issuer->crt, id, &idlen, &critical), 0);
  assert_int_equal(gnutls_x509_crt_set_authority_key_id(crt, id, idlen), 0);
  assert_int_equal(gnutls_x509_crt_privkey_sign(crt, issuer->crt,
                                                issuer_key->priv,
                                                GNUTLS_DIG_SHA256, 0),
                   0);
  gnutls_datum_t d;
  assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d), 0);
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_cert_parse(&cert, d.data, d.size, NULL, NULL), 0);
  gnutls_free(d.data);
  gnutls_x509_crt_deinit(crt);
  return cert;
}

/* ======================================================================
 * Keys
 * ==================================================================== */

static void test_key_generate_export_parse(void **state) {
  (void)state;
  ript_stir_key *key = NULL, *back = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  ript_buf pem, der, again, pub;
  ript_buf_init(&pem, NULL);
  ript_buf_init(&der, NULL);
  ript_buf_init(&again, NULL);
  ript_buf_init(&pub, NULL);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &pem), 0);
  assert_memory_equal(pem.data, "-----BEGIN PRIVATE KEY-----\n", 28);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_DER, &der), 0);
  assert_int_equal(der.data[0], 0x30);
  assert_int_equal(ript_stir_key_parse(&back, pem.data, pem.len, NULL, NULL),
                   0);
  assert_int_equal(ript_stir_key_export(back, RIPT_STIR_FORMAT_DER, &again), 0);
  assert_int_equal(again.len, der.len);
  assert_memory_equal(again.data, der.data, der.len);
  ript_stir_key_del(back);
  back = NULL;
  assert_int_equal(ript_stir_key_parse(&back, der.data, der.len, NULL, NULL),
                   0);
  assert_int_equal(ript_stir_key_export_public(key, RIPT_STIR_FORMAT_PEM, &pub),
                   0);
  assert_memory_equal(pub.data, "-----BEGIN PUBLIC KEY-----\n", 27);
  ript_buf_reset(&pub);
  assert_int_equal(ript_stir_key_export_public(key, RIPT_STIR_FORMAT_DER, &pub),
                   0);
  assert_int_equal(pub.len, 91); /* P-256 SubjectPublicKeyInfo */

  assert_int_equal(ript_stir_key_generate(NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_key_export(NULL, RIPT_STIR_FORMAT_PEM, &pem),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_key_export(key, (ript_stir_format)2, &pem),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_key_export_public(key, (ript_stir_format)2, &pub),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_key_export_public(NULL, RIPT_STIR_FORMAT_DER, &pub),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_key_del(NULL);
  ript_buf_free(&pub);
  ript_buf_free(&again);
  ript_buf_free(&der);
  ript_buf_free(&pem);
  ript_stir_key_del(back);
  ript_stir_key_del(key);
}

static void test_key_doc_example(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  ript_buf pem;
  ript_buf_init(&pem, NULL);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &pem), 0);
  assert_pem_is_example(&pem, "stir-leaf-key");
  ript_buf_free(&pem);
  ript_stir_key_del(key);
}

static void expect_key_rejected(const void *data, size_t len) {
  ript_stir_key *key = NULL;
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_key_parse(&key, data, len, NULL, &err),
                   RIPT_ERR_PARSE);
  assert_null(key);
  assert_int_equal(err.offset, 0);
  assert_non_null(strstr(err.expected, "P-256"));
}

static void test_key_parse_rejects(void **state) {
  (void)state;
  expect_key_rejected("not a key", 9);
  expect_key_rejected("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                      "-----END PRIVATE KEY-----\n",
                      60);
  gnutls_datum_t d;
  /* P-384, Ed25519: not what ES256 needs. */
  gnutls_x509_privkey_t p384 = gnutls_key(
      GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
  assert_int_equal(gnutls_x509_privkey_export2_pkcs8(
                       p384, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d),
                   0);
  expect_key_rejected(d.data, d.size);
  gnutls_free(d.data);
  gnutls_x509_privkey_t ed = gnutls_key(
      GNUTLS_PK_EDDSA_ED25519, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));
  assert_int_equal(gnutls_x509_privkey_export2_pkcs8(
                       ed, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, &d),
                   0);
  expect_key_rejected(d.data, d.size);
  gnutls_free(d.data);
  /* An encrypted P-256 key: we take no passwords. */
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(gnutls_x509_privkey_export2_pkcs8(key->x509,
                                                     GNUTLS_X509_FMT_PEM, "pw",
                                                     GNUTLS_PKCS_PBES2_AES_128,
                                                     &d),
                   0);
  expect_key_rejected(d.data, d.size);
  gnutls_free(d.data);
  /* The SEC1 "EC PRIVATE KEY" form of a P-256 key is fine. */
  assert_int_equal(gnutls_x509_privkey_export2(key->x509, GNUTLS_X509_FMT_PEM,
                                               &d),
                   0);
  assert_non_null(strstr((const char *)d.data, "EC PRIVATE KEY"));
  ript_stir_key *sec1 = NULL;
  assert_int_equal(ript_stir_key_parse(&sec1, d.data, d.size, NULL, NULL), 0);
  gnutls_free(d.data);
  assert_int_equal(ript_stir_key_parse(&sec1, NULL, 1, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_key_parse(&sec1, (const uint8_t *)"x", 0, NULL, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_key_parse(NULL, (const uint8_t *)"x", 1, NULL, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_key_del(sec1);
  ript_stir_key_del(key);
  gnutls_x509_privkey_deinit(ed);
  gnutls_x509_privkey_deinit(p384);
}

static void test_key_out_of_memory(void **state) {
  (void)state;
  size_t len;
  char *pem = ript_test_example("stir-leaf-key", &len);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_stir_key *a = NULL, *b = NULL;
    int rv = ript_stir_key_generate(&a, &fm.mem);
    if (rv == 0)
      rv = ript_stir_key_parse(&b, (const uint8_t *)pem, len, &fm.mem, NULL);
    ript_buf out;
    ript_buf_init(&out, &fm.mem);
    if (rv == 0)
      rv = ript_stir_key_export(b, RIPT_STIR_FORMAT_PEM, &out);
    if (rv == 0)
      rv = ript_stir_key_export_public(b, RIPT_STIR_FORMAT_PEM, &out);
    ript_buf_free(&out);
    ript_stir_key_del(b);
    ript_stir_key_del(a);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  free(pem);
}

/* ======================================================================
 * Certificates
 * ==================================================================== */

static void test_cert_doc_examples(void **state) {
  (void)state;
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  assert_null(ript_stir_cert_tnauth(ca));
  assert_null(ript_stir_cert_tnauth(NULL));
  assert_true(ript_stir_cert_not_before(ca) == T_2020);
  assert_true(ript_stir_cert_not_after(ca) == T_2040);
  assert_true(ript_stir_cert_not_before(leaf) == T_2020);
  assert_true(ript_stir_cert_not_after(leaf) == T_2030);
  const ript_stir_tnauth *tn = ript_stir_cert_tnauth(leaf);
  assert_non_null(tn);
  assert_int_equal(tn->len, 1);
  assert_int_equal(tn->entries[0].type, RIPT_STIR_TNENTRY_ONE);
  assert_string_equal(tn->entries[0].value, "14085551000");
  /* The extension bytes are those the document shows. */
  ript_buf b;
  ript_buf_init(&b, NULL);
  size_t len;
  uint8_t *want = ript_test_example_hex("stir-leaf-tnauth-der", &len);
  assert_int_equal(ript_stir_tnauth_encode(tn, &b), 0);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, want, len);
  free(want);
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_PEM, &b), 0);
  assert_pem_is_example(&b, "stir-leaf-cert");
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_cert_export(ca, RIPT_STIR_FORMAT_PEM, &b), 0);
  assert_pem_is_example(&b, "stir-ca-cert");
  /* DER round trip. */
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_DER, &b), 0);
  ript_stir_cert *back = NULL;
  assert_int_equal(ript_stir_cert_parse(&back, b.data, b.len, NULL, NULL), 0);
  assert_non_null(ript_stir_cert_tnauth(back));
  ript_stir_cert_del(back);
  /* The document's chain verifies at the document's time. */
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, ca), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW), 0);
  ript_stir_trust_del(trust);
  assert_int_equal(ript_stir_cert_export(NULL, RIPT_STIR_FORMAT_PEM, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_export(ca, (ript_stir_format)9, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_export(ca, RIPT_STIR_FORMAT_DER, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
  ript_stir_cert_del(NULL);
  ript_stir_cert_del(leaf);
  ript_stir_cert_del(ca);
}

static void expect_cert_rejected(const void *data, size_t len,
                                 const char *expected_part) {
  ript_stir_cert *cert = NULL;
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_cert_parse(&cert, data, len, NULL, &err),
                   RIPT_ERR_PARSE);
  assert_null(cert);
  assert_int_equal(err.offset, 0);
  if (!strstr(err.expected, expected_part))
    fail_msg("\"%s\" lacks \"%s\"", err.expected, expected_part);
}

static void test_cert_parse_rejects(void **state) {
  (void)state;
  expect_cert_rejected("garbage", 7, "X.509");
  expect_cert_rejected("-----BEGIN CERTIFICATE-----\nMAA=\n"
                       "-----END CERTIFICATE-----\n",
                       58, "X.509");
  /* A truncated DER certificate. */
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_buf der;
  ript_buf_init(&der, NULL);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_DER, &der), 0);
  expect_cert_rejected(der.data, der.len - 1, "X.509");
  /* A certificate whose TNAuthList extension is malformed: the empty list
   * "30 00" patched over the leaf's, with the lengths kept. */
  static const uint8_t ext[] = {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b};
  uint8_t *hit = NULL;
  for (size_t i = 0; i + sizeof(ext) <= der.len && !hit; ++i)
    if (memcmp(der.data + i, ext, sizeof(ext)) == 0)
      hit = der.data + i;
  assert_non_null(hit);
  hit[6] = 'x'; /* "x4085551000": not a TelephoneNumber */
  expect_cert_rejected(der.data, der.len, "TNAuthList");
  ript_buf_free(&der);
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_cert_parse(&cert, NULL, 5, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_parse(&cert, (const uint8_t *)"x", 0, NULL, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_parse(NULL, (const uint8_t *)"x", 1, NULL, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_cert_del(leaf);
}

static void test_cert_parse_out_of_memory(void **state) {
  (void)state;
  size_t len;
  char *pem = ript_test_example("stir-leaf-cert", &len);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_stir_cert *cert = NULL;
    ript_buf out;
    ript_buf_init(&out, &fm.mem);
    int rv =
        ript_stir_cert_parse(&cert, (const uint8_t *)pem, len, &fm.mem, NULL);
    if (rv == 0)
      rv = ript_stir_cert_export(cert, RIPT_STIR_FORMAT_PEM, &out);
    ript_buf_free(&out);
    ript_stir_cert_del(cert);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  free(pem);
}

static void test_create_ca(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-ca-key");
  ript_stir_tnauth range;
  ript_stir_tnauth_init(&range, NULL);
  assert_int_equal(ript_stir_tnauth_add_range(&range, "14085550000", 10000), 0);
  ript_stir_cert_terms terms = {ca_serial, 1, T_2020, T_2040};
  ript_stir_cert *ca = NULL;
  assert_int_equal(
      ript_stir_cert_create_ca(&ca, key, "Range CA", &range, &terms, NULL), 0);
  const ript_stir_tnauth *tn = ript_stir_cert_tnauth(ca);
  assert_non_null(tn);
  assert_int_equal(tn->entries[0].count, 10000);
  unsigned critical = 0;
  assert_int_equal(gnutls_x509_crt_get_ca_status(ca->crt, &critical), 1);
  assert_int_equal(critical, 1);
  unsigned usage = 0;
  assert_int_equal(gnutls_x509_crt_get_key_usage(ca->crt, &usage, &critical),
                   0);
  assert_int_equal(usage, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
  assert_int_equal(critical, 1);
  uint8_t id[64];
  size_t idlen = sizeof(id);
  assert_int_equal(
      gnutls_x509_crt_get_subject_key_id(ca->crt, id, &idlen, &critical), 0);
  assert_int_equal(idlen, 20);
  /* Self-signed: it verifies as its own trust anchor. */
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, ca), 0);
  assert_int_equal(ript_stir_trust_verify(trust, ca, NULL, 0, T_NOW), 0);
  ript_stir_trust_del(trust);

  /* Bad arguments and terms. */
  ript_stir_cert *bad = NULL;
  static const uint8_t zero[] = {0x00, 0x01}, high[] = {0x80},
                       long_serial[21] = {1};
  ript_stir_cert_terms t = terms;
  assert_int_equal(ript_stir_cert_create_ca(&bad, key, "", NULL, &t, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_create_ca(&bad, key, NULL, NULL, &t, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_create_ca(&bad, NULL, "CA", NULL, &t, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_create_ca(NULL, key, "CA", NULL, &t, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_create_ca(&bad, key, "CA", NULL, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_tnauth empty;
  ript_stir_tnauth_init(&empty, NULL);
  assert_int_equal(ript_stir_cert_create_ca(&bad, key, "CA", &empty, &t, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  const struct {
    const uint8_t *serial;
    size_t len;
    int64_t nb, na;
  } terms_bad[] = {
      {zero, 2, T_2020, T_2040},        {high, 1, T_2020, T_2040},
      {long_serial, 21, T_2020, T_2040}, {ca_serial, 0, T_2020, T_2040},
      {NULL, 1, T_2020, T_2040},        {ca_serial, 1, T_2040, T_2020},
      {ca_serial, 1, -1, T_2020},       {ca_serial, 1, T_2020,
                                         INT64_C(253402300800)},
  };
  for (size_t i = 0; i < sizeof(terms_bad) / sizeof(*terms_bad); ++i) {
    t.serial = terms_bad[i].serial;
    t.serial_len = terms_bad[i].len;
    t.not_before = terms_bad[i].nb;
    t.not_after = terms_bad[i].na;
    assert_int_equal(ript_stir_cert_create_ca(&bad, key, "CA", NULL, &t, NULL),
                     RIPT_ERR_INVALID_ARGUMENT);
  }
  assert_null(bad);
  /* The extremes that are allowed: 20-byte serial, 9999-12-31T23:59:59Z. */
  static const uint8_t serial20[20] = {0x7f};
  t.serial = serial20;
  t.serial_len = 20;
  t.not_before = 0;
  t.not_after = INT64_C(253402300799);
  assert_int_equal(ript_stir_cert_create_ca(&bad, key, "CA", NULL, &t, NULL),
                   0);
  assert_true(ript_stir_cert_not_after(bad) == INT64_C(253402300799));
  ript_stir_cert_del(bad);
  ript_stir_tnauth_free(&range);
  ript_stir_cert_del(ca);
  ript_stir_key_del(key);
}

/* ======================================================================
 * CSRs
 * ==================================================================== */

static void test_csr_create_parse(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  ript_buf pem, der;
  ript_buf_init(&pem, NULL);
  ript_buf_init(&der, NULL);
  assert_int_equal(
      ript_stir_csr_create(key, "+14085551000", RIPT_STIR_FORMAT_PEM, &pem), 0);
  assert_memory_equal(pem.data, "-----BEGIN CERTIFICATE REQUEST-----\n", 36);
  assert_int_equal(
      ript_stir_csr_create(key, "+14085551000", RIPT_STIR_FORMAT_DER, &der), 0);
  ript_stir_csr *csr = NULL;
  assert_int_equal(ript_stir_csr_parse(&csr, pem.data, pem.len, NULL, NULL), 0);
  assert_string_equal(ript_stir_csr_tn(csr), "14085551000");
  ript_stir_csr_del(csr);
  csr = NULL;
  assert_int_equal(ript_stir_csr_parse(&csr, der.data, der.len, NULL, NULL), 0);
  ript_stir_csr_del(csr);
  /* The worked example. */
  size_t len;
  char *doc = ript_test_example("stir-csr", &len);
  csr = NULL;
  assert_int_equal(
      ript_stir_csr_parse(&csr, (const uint8_t *)doc, len, NULL, NULL), 0);
  assert_string_equal(ript_stir_csr_tn(csr), "14085551000");
  assert_null(ript_stir_csr_tn(NULL));
  ript_stir_csr_del(csr);
  ript_stir_csr_del(NULL);
  free(doc);
  /* Creation arguments. */
  static const char *const bad[] = {"14085551000", "+", "+1408555100012345",
                                    "+1 408"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i)
    assert_int_equal(ript_stir_csr_create(key, bad[i], RIPT_STIR_FORMAT_PEM,
                                          &pem),
                     RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_create(NULL, "+1", RIPT_STIR_FORMAT_PEM, &pem),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_create(key, NULL, RIPT_STIR_FORMAT_PEM, &pem),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_create(key, "+1", (ript_stir_format)3, &pem),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_create(key, "+1", RIPT_STIR_FORMAT_PEM, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_parse(&csr, NULL, 3, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_csr_parse(NULL, der.data, der.len, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&der);
  ript_buf_free(&pem);
  ript_stir_key_del(key);
}

static void test_csr_tampered(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  ript_buf der;
  ript_buf_init(&der, NULL);
  assert_int_equal(
      ript_stir_csr_create(key, "+14085551000", RIPT_STIR_FORMAT_DER, &der), 0);
  /* One digit of the subject changed: the self-signature breaks. */
  uint8_t *cn = memmem(der.data, der.len, "+14085551000", 12);
  assert_non_null(cn);
  cn[11] = '1';
  expect_csr_error(&der, RIPT_ERR_SIGNATURE, NULL);
  cn[11] = '0';
  /* One byte inside the signature's s changed. */
  der.data[der.len - 5] ^= 0x01;
  expect_csr_error(&der, RIPT_ERR_SIGNATURE, NULL);
  der.data[der.len - 5] ^= 0x01;
  /* Truncated: not a CSR at all. */
  ript_buf cut = der;
  cut.len = der.len - 10;
  expect_csr_error(&cut, RIPT_ERR_PARSE, "PKCS#10");
  ript_buf junk;
  ript_buf_init(&junk, NULL);
  assert_int_equal(ript_buf_append_str(&junk, "hello"), 0);
  expect_csr_error(&junk, RIPT_ERR_PARSE, "PKCS#10");
  ript_buf_free(&junk);
  ript_buf_free(&der);
  ript_stir_key_del(key);
}

static void test_csr_content_rules(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  static const uint8_t one[] = {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '4',
                                '0',  '8',  '5',  '5',  '5',  '1',  '0', '0',
                                '0'};
  static const uint8_t range[] = {0x30, 0x14, 0xa1, 0x12, 0x30, 0x10, 0x16,
                                  0x0b, '1',  '4',  '0',  '8',  '5',  '5',
                                  '5',  '1',  '0',  '0',  '0',  0x02, 0x01,
                                  0x64};
  static const uint8_t spc[] = {0x30, 0x08, 0xa0, 0x06, 0x16,
                                0x04, '7',  '0',  '9',  'J'};
  static const uint8_t two[] = {0x30, 0x1e, 0xa2, 0x0d, 0x16, 0x0b, '1', '4',
                                '0',  '8',  '5',  '5',  '5',  '1',  '0', '0',
                                '0',  0xa2, 0x0d, 0x16, 0x0b, '1',  '4', '0',
                                '8',  '5',  '5',  '5',  '1',  '0',  '0', '1'};
  static const uint8_t star[] = {0x30, 0x07, 0xa2, 0x05, 0x16,
                                 0x03, '*',  '6',  '7'};
  static const uint8_t broken[] = {0x30, 0x00};
  const struct {
    const char *cn, *cn2;
    const uint8_t *ext;
    size_t extlen;
    const char *expected;
  } cases[] = {
      {"+14085551000", NULL, NULL, 0, "requested TNAuthList extension"},
      {"+14085551000", NULL, range, sizeof(range), "not a range or an SPC"},
      {"+14085551000", NULL, spc, sizeof(spc), "not a range or an SPC"},
      {"+14085551000", NULL, star, sizeof(star), "not a range or an SPC"},
      {"+14085551000", NULL, two, sizeof(two), "exactly one entry"},
      {"+14085551000", NULL, broken, sizeof(broken), "well-formed"},
      {"+14085551001", NULL, one, sizeof(one), "subject CN"},
      {"14085551000", NULL, one, sizeof(one), "subject CN"},
      {NULL, NULL, one, sizeof(one), "subject CN"},
      {"+14085551000", "+14085551000", one, sizeof(one), "subject CN"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); ++i) {
    ript_buf der;
    ript_buf_init(&der, NULL);
    build_csr(&der, key->x509, cases[i].cn, cases[i].cn2, cases[i].ext,
              cases[i].extlen);
    expect_csr_error(&der, RIPT_ERR_PARSE, cases[i].expected);
    ript_buf_free(&der);
  }
  /* The same builder with the right content is accepted, so each case above
   * fails for its own reason only. */
  ript_buf der;
  ript_buf_init(&der, NULL);
  build_csr(&der, key->x509, "+14085551000", NULL, one, sizeof(one));
  ript_stir_csr *csr = NULL;
  assert_int_equal(ript_stir_csr_parse(&csr, der.data, der.len, NULL, NULL), 0);
  ript_stir_csr_del(csr);
  ript_buf_reset(&der);
  /* A P-384 key. */
  gnutls_x509_privkey_t p384 = gnutls_key(
      GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
  build_csr(&der, p384, "+14085551000", NULL, one, sizeof(one));
  expect_csr_error(&der, RIPT_ERR_PARSE, "P-256");
  gnutls_x509_privkey_deinit(p384);
  ript_buf_free(&der);
  ript_stir_key_del(key);
}

static void test_csr_out_of_memory(void **state) {
  (void)state;
  ript_stir_key *key = doc_key("stir-leaf-key");
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_buf b;
    ript_buf_init(&b, &fm.mem);
    ript_stir_csr *csr = NULL;
    int rv =
        ript_stir_csr_create(key, "+14085551000", RIPT_STIR_FORMAT_PEM, &b);
    if (rv == 0)
      rv = ript_stir_csr_parse(&csr, b.data, b.len, &fm.mem, NULL);
    ript_stir_csr_del(csr);
    ript_buf_free(&b);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  ript_stir_key_del(key);
}

/* ======================================================================
 * Issuing
 * ==================================================================== */

/* The TBSCertificate of a DER certificate: everything the CA signs. */
static const uint8_t *tbs_of(const uint8_t *der, size_t *len) {
  size_t off = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const uint8_t *tbs = der + off;
  size_t hdr = tbs[1] & 0x80 ? 2 + (tbs[1] & 0x7f) : 2;
  size_t body = 0;
  if (tbs[1] & 0x80)
    for (size_t i = 0; i < (size_t)(tbs[1] & 0x7f); ++i)
      body = body << 8 | tbs[2 + i];
  else
    body = tbs[1];
  *len = hdr + body;
  return tbs;
}

static void test_issue_doc_example(void **state) {
  (void)state;
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  size_t len;
  char *pem = ript_test_example("stir-csr", &len);
  ript_stir_csr *csr = NULL;
  assert_int_equal(
      ript_stir_csr_parse(&csr, (const uint8_t *)pem, len, NULL, NULL), 0);
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_one(&grant, "14085551000"), 0);
  ript_stir_cert_terms terms = {leaf_serial, sizeof(leaf_serial), T_2020,
                                T_2030};
  ript_stir_cert *leaf = NULL;
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, ca_key, &terms, NULL), 0);
  /* Everything the CA signs equals the document's certificate; only the
   * (randomised) signature differs. */
  ript_stir_cert *doc = doc_cert("stir-leaf-cert");
  ript_buf a, b;
  ript_buf_init(&a, NULL);
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_DER, &a), 0);
  assert_int_equal(ript_stir_cert_export(doc, RIPT_STIR_FORMAT_DER, &b), 0);
  size_t tlen_a, tlen_b;
  const uint8_t *tbs_a = tbs_of(a.data, &tlen_a);
  const uint8_t *tbs_b = tbs_of(b.data, &tlen_b);
  assert_int_equal(tlen_a, tlen_b);
  assert_memory_equal(tbs_a, tbs_b, tlen_a);
  /* And the fields one by one, as GnuTLS reads them. */
  unsigned critical = 9;
  assert_int_equal(gnutls_x509_crt_get_version(leaf->crt), 3);
  assert_int_equal(gnutls_x509_crt_get_ca_status(leaf->crt, &critical), 0);
  assert_int_equal(critical, 1);
  unsigned usage = 0;
  assert_int_equal(gnutls_x509_crt_get_key_usage(leaf->crt, &usage, &critical),
                   0);
  assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
  assert_int_equal(critical, 1);
  gnutls_datum_t ext;
  assert_int_equal(gnutls_x509_crt_get_extension_by_oid2(
                       leaf->crt, RIPT_STIR_TNAUTH_OID, 0, &ext, &critical),
                   0);
  assert_int_equal(critical, 0);
  gnutls_free(ext.data);
  uint8_t aki[64], ski[64];
  size_t akilen = sizeof(aki), skilen = sizeof(ski);
  assert_int_equal(gnutls_x509_crt_get_authority_key_id(leaf->crt, aki, &akilen,
                                                        &critical),
                   0);
  assert_int_equal(
      gnutls_x509_crt_get_subject_key_id(ca->crt, ski, &skilen, &critical), 0);
  assert_int_equal(akilen, skilen);
  assert_memory_equal(aki, ski, akilen);
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, ca), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW), 0);
  ript_stir_trust_del(trust);
  ript_buf_free(&b);
  ript_buf_free(&a);
  ript_stir_cert_del(doc);
  ript_stir_cert_del(leaf);
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(csr);
  free(pem);
  ript_stir_cert_del(ca);
  ript_stir_key_del(ca_key);
}

static void test_issue_grant_and_errors(void **state) {
  (void)state;
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_key *leaf_key = doc_key("stir-leaf-key");
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_stir_cert *doc_leaf = doc_cert("stir-leaf-cert");
  ript_stir_csr *csr = make_csr(leaf_key, "+14085551000");
  ript_stir_cert_terms terms = {leaf_serial, sizeof(leaf_serial), T_2020,
                                T_2030};
  /* The server grants what it decides, here a range: that, not the
   * request, is what the certificate holds. */
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_range(&grant, "14085551000", 10), 0);
  ript_stir_cert *leaf = NULL;
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, ca_key, &terms, NULL), 0);
  const ript_stir_tnauth *tn = ript_stir_cert_tnauth(leaf);
  assert_int_equal(tn->entries[0].type, RIPT_STIR_TNENTRY_RANGE);
  assert_int_equal(tn->entries[0].count, 10);
  ript_stir_cert_del(leaf);
  leaf = NULL;

  ript_stir_tnauth empty;
  ript_stir_tnauth_init(&empty, NULL);
  ript_stir_key *other = NULL;
  assert_int_equal(ript_stir_key_generate(&other, NULL), 0);
  ript_stir_cert_terms bad = terms;
  bad.not_after = T_2020 - 1;
  /* Empty grant, a leaf as CA, a key that is not the CA's, bad terms. */
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &empty, ca, ca_key, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_cert_issue(&leaf, csr, &grant, doc_leaf,
                                        leaf_key, &terms, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, other, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, ca_key, &bad, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, NULL, &grant, ca, ca_key, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, NULL, ca, ca_key, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, NULL, ca_key, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, NULL, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_stir_cert_issue(NULL, csr, &grant, ca, ca_key, &terms, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_null(leaf);
  ript_stir_key_del(other);
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(csr);
  ript_stir_cert_del(doc_leaf);
  ript_stir_cert_del(ca);
  ript_stir_key_del(leaf_key);
  ript_stir_key_del(ca_key);
}

static void test_issue_out_of_memory(void **state) {
  (void)state;
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_key *leaf_key = doc_key("stir-leaf-key");
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_stir_csr *csr = make_csr(leaf_key, "+14085551000");
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  assert_int_equal(ript_stir_tnauth_add_spc(&grant, "709J"), 0);
  assert_int_equal(ript_stir_tnauth_add_one(&grant, "14085551000"), 0);
  ript_stir_cert_terms terms = {leaf_serial, sizeof(leaf_serial), T_2020,
                                T_2030};
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_stir_cert *leaf = NULL, *self = NULL;
    int rv =
        ript_stir_cert_issue(&leaf, csr, &grant, ca, ca_key, &terms, &fm.mem);
    if (rv == 0)
      rv = ript_stir_cert_create_ca(&self, ca_key, "CA", &grant, &terms,
                                    &fm.mem);
    ript_stir_cert_del(self);
    ript_stir_cert_del(leaf);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(csr);
  ript_stir_cert_del(ca);
  ript_stir_key_del(leaf_key);
  ript_stir_key_del(ca_key);
}

/* ======================================================================
 * Trust store
 * ==================================================================== */

static void test_trust_validity_windows(void **state) {
  (void)state;
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, ca), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_2020), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_2030), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_2020 - 1),
                   RIPT_ERR_UNTRUSTED);
  /* Expired: now after notAfter. */
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_2030 + 1),
                   RIPT_ERR_UNTRUSTED);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, INT64_MIN),
                   RIPT_ERR_UNTRUSTED);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, INT64_MAX),
                   RIPT_ERR_UNTRUSTED);
  ript_stir_trust_del(trust);

  /* The anchor's own window counts too: a CA that expires before its
   * leaf, and one that starts after it. */
  ript_stir_key *ca_key = doc_key("stir-ca-key");
  ript_stir_key *leaf_key = doc_key("stir-leaf-key");
  ript_stir_cert *short_ca = make_ca(ca_key, T_2020, T_NOW);
  ript_stir_cert *long_leaf =
      issue_one(leaf_key, "+14085551000", short_ca, ca_key, T_2020, T_2030);
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, short_ca), 0);
  assert_int_equal(ript_stir_trust_verify(trust, long_leaf, NULL, 0, T_NOW), 0);
  assert_int_equal(
      ript_stir_trust_verify(trust, long_leaf, NULL, 0, T_NOW + 1),
      RIPT_ERR_UNTRUSTED);
  ript_stir_trust_del(trust);
  ript_stir_cert *late_ca = make_ca(ca_key, T_NOW, T_2040);
  ript_stir_cert *early_leaf =
      issue_one(leaf_key, "+14085551000", late_ca, ca_key, T_2020, T_2030);
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, late_ca), 0);
  assert_int_equal(
      ript_stir_trust_verify(trust, early_leaf, NULL, 0, T_NOW - 1),
      RIPT_ERR_UNTRUSTED);
  assert_int_equal(ript_stir_trust_verify(trust, early_leaf, NULL, 0, T_NOW),
                   0);
  ript_stir_trust_del(trust);
  ript_stir_cert_del(early_leaf);
  ript_stir_cert_del(late_ca);
  ript_stir_cert_del(long_leaf);
  ript_stir_cert_del(short_ca);
  ript_stir_key_del(leaf_key);
  ript_stir_key_del(ca_key);
  ript_stir_cert_del(leaf);
  ript_stir_cert_del(ca);
}

static void test_trust_other_ca(void **state) {
  (void)state;
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_stir_key *other_key = NULL;
  assert_int_equal(ript_stir_key_generate(&other_key, NULL), 0);
  /* Same name as the document's CA, different key: not the issuer. */
  ript_stir_cert_terms terms = {ca_serial, 1, T_2020, T_2040};
  ript_stir_cert *other = NULL;
  assert_int_equal(ript_stir_cert_create_ca(&other, other_key,
                                            "RIPT Example STIR CA", NULL,
                                            &terms, NULL),
                   0);
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW),
                   RIPT_ERR_UNTRUSTED); /* empty store */
  assert_int_equal(ript_stir_trust_add_ca(trust, other), 0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW),
                   RIPT_ERR_UNTRUSTED);
  /* A leaf is no CA and cannot join the store. */
  assert_int_equal(ript_stir_trust_add_ca(trust, leaf),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_add_ca(NULL, other),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_add_ca(trust, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_verify(NULL, leaf, NULL, 0, T_NOW),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_verify(trust, NULL, NULL, 0, T_NOW),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_new(NULL, NULL), RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_trust_del(NULL);
  ript_stir_trust_del(trust);
  ript_stir_cert_del(other);
  ript_stir_key_del(other_key);
  ript_stir_cert_del(leaf);
}

static void test_trust_intermediate(void **state) {
  (void)state;
  ript_stir_key *root_key = doc_key("stir-ca-key");
  ript_stir_cert *root = doc_cert("stir-ca-cert");
  ript_stir_key *inter_key = NULL;
  assert_int_equal(ript_stir_key_generate(&inter_key, NULL), 0);
  ript_stir_cert *inter =
      make_intermediate(root, root_key, inter_key, T_2020, T_2030);
  ript_stir_cert *old_inter =
      make_intermediate(root, root_key, inter_key, T_2020, T_NOW);
  ript_stir_key *leaf_key = doc_key("stir-leaf-key");
  ript_stir_cert *leaf =
      issue_one(leaf_key, "+14085551000", inter, inter_key, T_2020, T_2030);
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  assert_int_equal(ript_stir_trust_add_ca(trust, root), 0);
  const ript_stir_cert *chain[] = {inter};
  assert_int_equal(ript_stir_trust_verify(trust, leaf, chain, 1, T_NOW), 0);
  /* Without the intermediate there is no path. */
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW),
                   RIPT_ERR_UNTRUSTED);
  /* An intermediate that expired at T_NOW. */
  const ript_stir_cert *old_chain[] = {old_inter};
  assert_int_equal(ript_stir_trust_verify(trust, leaf, old_chain, 1, T_NOW), 0);
  assert_int_equal(
      ript_stir_trust_verify(trust, leaf, old_chain, 1, T_NOW + 1),
      RIPT_ERR_UNTRUSTED);
  /* A leaf is no intermediate (CA:FALSE). */
  ript_stir_cert *fake =
      issue_one(inter_key, "+14085551999", root, root_key, T_2020, T_2030);
  const ript_stir_cert *fake_chain[] = {fake};
  assert_int_equal(ript_stir_trust_verify(trust, leaf, fake_chain, 1, T_NOW),
                   RIPT_ERR_UNTRUSTED);
  const ript_stir_cert *null_chain[] = {NULL};
  assert_int_equal(ript_stir_trust_verify(trust, leaf, null_chain, 1, T_NOW),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 1, T_NOW),
                   RIPT_ERR_INVALID_ARGUMENT);
  const ript_stir_cert *many[17];
  for (size_t i = 0; i < 17; ++i)
    many[i] = inter;
  assert_int_equal(ript_stir_trust_verify(trust, leaf, many, 17, T_NOW),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_trust_del(trust);
  ript_stir_cert_del(fake);
  ript_stir_cert_del(leaf);
  ript_stir_key_del(leaf_key);
  ript_stir_cert_del(old_inter);
  ript_stir_cert_del(inter);
  ript_stir_key_del(inter_key);
  ript_stir_cert_del(root);
  ript_stir_key_del(root_key);
}

static void test_trust_add_pem(void **state) {
  (void)state;
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  ript_stir_key *key = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  ript_stir_cert *other = make_ca(key, T_2020, T_2040);
  size_t len;
  char *doc_ca = ript_test_example("stir-ca-cert", &len);
  ript_buf bundle;
  ript_buf_init(&bundle, NULL);
  assert_int_equal(ript_stir_cert_export(other, RIPT_STIR_FORMAT_PEM, &bundle),
                   0);
  assert_int_equal(ript_buf_append(&bundle, doc_ca, len), 0);
  ript_stir_trust *trust = NULL;
  assert_int_equal(ript_stir_trust_new(&trust, NULL), 0);
  /* A bundle with a non-CA certificate is refused whole. */
  ript_buf bad;
  ript_buf_init(&bad, NULL);
  assert_int_equal(ript_buf_append(&bad, doc_ca, len), 0);
  assert_int_equal(ript_buf_append_str(&bad, "\n"), 0);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_PEM, &bad), 0);
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_trust_add_pem(trust, bad.data, bad.len, &err),
                   RIPT_ERR_PARSE);
  assert_non_null(strstr(err.expected, "CA"));
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW),
                   RIPT_ERR_UNTRUSTED);
  assert_int_equal(ript_stir_trust_add_pem(trust, (const uint8_t *)"junk", 4,
                                           &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_trust_add_pem(trust, bundle.data, bundle.len,
                                           &err),
                   0);
  assert_int_equal(ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW), 0);
  assert_int_equal(ript_stir_trust_add_pem(NULL, bundle.data, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_add_pem(trust, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_trust_add_pem(trust, bundle.data, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_trust_del(trust);
  ript_buf_free(&bad);
  ript_buf_free(&bundle);
  free(doc_ca);
  ript_stir_cert_del(other);
  ript_stir_key_del(key);
  ript_stir_cert_del(leaf);
}

static void test_trust_out_of_memory(void **state) {
  (void)state;
  ript_stir_cert *ca = doc_cert("stir-ca-cert");
  ript_stir_cert *leaf = doc_cert("stir-leaf-cert");
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_stir_trust *trust = NULL;
    int rv = ript_stir_trust_new(&trust, &fm.mem);
    if (rv == 0)
      rv = ript_stir_trust_add_ca(trust, ca);
    if (rv == 0)
      rv = ript_stir_trust_verify(trust, leaf, NULL, 0, T_NOW);
    ript_stir_trust_del(trust);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  ript_stir_cert_del(leaf);
  ript_stir_cert_del(ca);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_generate_export_parse),
      cmocka_unit_test(test_key_doc_example),
      cmocka_unit_test(test_key_parse_rejects),
      cmocka_unit_test(test_key_out_of_memory),
      cmocka_unit_test(test_cert_doc_examples),
      cmocka_unit_test(test_cert_parse_rejects),
      cmocka_unit_test(test_cert_parse_out_of_memory),
      cmocka_unit_test(test_create_ca),
      cmocka_unit_test(test_csr_create_parse),
      cmocka_unit_test(test_csr_tampered),
      cmocka_unit_test(test_csr_content_rules),
      cmocka_unit_test(test_csr_out_of_memory),
      cmocka_unit_test(test_issue_doc_example),
      cmocka_unit_test(test_issue_grant_and_errors),
      cmocka_unit_test(test_issue_out_of_memory),
      cmocka_unit_test(test_trust_validity_windows),
      cmocka_unit_test(test_trust_other_ca),
      cmocka_unit_test(test_trust_intermediate),
      cmocka_unit_test(test_trust_add_pem),
      cmocka_unit_test(test_trust_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

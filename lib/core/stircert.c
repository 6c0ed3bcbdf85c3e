/*
 * STIR certificates (RFC 8226), the CSRs RIPT's /certs resource takes
 * (draft §8.6, §9.7), and a trust store. All X.509 work is GnuTLS's; this
 * file decides what goes into a certificate and what a CSR may ask for.
 */
#include <string.h>

#include "ript_mem.h"
#include "stir_internal.h"

/* Latest time X.509 can carry: 9999-12-31T23:59:59Z. */
#define CERT_TIME_MAX INT64_C(253402300799)

/* Key identifiers are SHA-1 sized (RFC 5280 §4.2.1.2 method 1). */
#define CERT_KEYID_LEN 20

static gnutls_datum_t cert_datum(const uint8_t *data, size_t len) {
  /* GnuTLS only reads its inputs; its datum type is just not const. */
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)data, (unsigned)len};
  return d;
}

/* ======================================================================
 * Certificates
 * ==================================================================== */

/* Reads the TNAuthList extension, if any, into |cert->tnauth|. */
static int cert_load_tnauth(ript_stir_cert *cert, ript_parse_error *err) {
  gnutls_datum_t value = {NULL, 0};
  unsigned critical = 0;
  int grv = gnutls_x509_crt_get_extension_by_oid2(
      cert->crt, RIPT_STIR_TNAUTH_OID, 0, &value, &critical);
  if (grv == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return 0;
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  ript_parse_error inner;
  int rv = ript_stir_tnauth_parse(&cert->tnauth, value.data, value.size,
                                  &inner);
  gnutls_free(value.data);
  if (rv == RIPT_ERR_PARSE)
    return ript_stir_parse_fail(err, 0, "a well-formed TNAuthList extension "
                                        "(RFC 8226) in the certificate");
  /* A second TNAuthList cannot hide behind this one: GnuTLS refuses
   * certificates with duplicate extensions at import (RFC 5280 §4.2). */
  if (rv == 0)
    cert->has_tnauth = 1;
  return rv;
}

/* Wraps |crt| (taken over, also on failure) into a new handle. */
static int cert_wrap(ript_stir_cert **pcert, gnutls_x509_crt_t crt,
                     const ript_mem *mem, ript_parse_error *err) {
  ript_stir_cert *cert = ript_mem_calloc(mem, 1, sizeof(*cert));
  if (!cert) {
    gnutls_x509_crt_deinit(crt);
    return RIPT_ERR_NOMEM;
  }
  cert->mem = mem;
  cert->crt = crt;
  ript_stir_tnauth_init(&cert->tnauth, mem);
  int rv = cert_load_tnauth(cert, err);
  if (rv != 0) {
    ript_stir_cert_del(cert);
    return rv;
  }
  *pcert = cert;
  return 0;
}

int ript_stir_cert_parse(ript_stir_cert **pcert, const uint8_t *data,
                         size_t len, const ript_mem *mem,
                         ript_parse_error *err) {
  if (!pcert || !data || len == 0 || len > UINT32_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_crt_t crt;
  int grv = gnutls_x509_crt_init(&crt);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  gnutls_datum_t d = cert_datum(data, len);
  grv = gnutls_x509_crt_import(crt, &d, ript_stir_guess_format(data, len));
  if (grv < 0) {
    gnutls_x509_crt_deinit(crt);
    if (grv == GNUTLS_E_MEMORY_ERROR)
      return RIPT_ERR_NOMEM;
    return ript_stir_parse_fail(err, 0, "an X.509 certificate (PEM or DER)");
  }
  return cert_wrap(pcert, crt, mem, err);
}

/* A handle for a certificate GnuTLS just built and signed (|crt| is freed).
 * It goes through DER and a fresh import: GnuTLS fills some fields that
 * verification relies on (the raw names) only when it imports. */
static int cert_wrap_signed(ript_stir_cert **pcert, gnutls_x509_crt_t crt,
                            const ript_mem *mem) {
  gnutls_datum_t der = {NULL, 0};
  int grv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
  gnutls_x509_crt_deinit(crt);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = ript_stir_cert_parse(pcert, der.data, der.size, mem, NULL);
  gnutls_free(der.data);
  /* We wrote every byte ourselves, so it always parses back. */
  return rv == RIPT_ERR_PARSE ? RIPT_ERR_CRYPTO : rv;
}

int ript_stir_cert_export(const ript_stir_cert *cert, ript_stir_format format,
                          ript_buf *out) {
  if (!cert || !out ||
      (format != RIPT_STIR_FORMAT_PEM && format != RIPT_STIR_FORMAT_DER))
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_datum_t d = {NULL, 0};
  int grv =
      gnutls_x509_crt_export2(cert->crt, ript_stir_gnutls_format(format), &d);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  return ript_stir_buf_take_datum(out, &d);
}

const ript_stir_tnauth *ript_stir_cert_tnauth(const ript_stir_cert *cert) {
  return cert && cert->has_tnauth ? &cert->tnauth : NULL;
}

int64_t ript_stir_cert_not_before(const ript_stir_cert *cert) {
  return (int64_t)gnutls_x509_crt_get_activation_time(cert->crt);
}

int64_t ript_stir_cert_not_after(const ript_stir_cert *cert) {
  return (int64_t)gnutls_x509_crt_get_expiration_time(cert->crt);
}

void ript_stir_cert_del(ript_stir_cert *cert) {
  if (!cert)
    return;
  ript_stir_tnauth_free(&cert->tnauth);
  gnutls_x509_crt_deinit(cert->crt);
  ript_mem_free(cert->mem, cert);
}

/* ---- Issuing --------------------------------------------------------- */

static int cert_terms_ok(const ript_stir_cert_terms *terms) {
  if (!terms || !terms->serial || terms->serial_len < 1 ||
      terms->serial_len > 20)
    return 0;
  /* Positive and minimally encoded (RFC 5280 §4.1.2.2). */
  if (terms->serial[0] == 0 || terms->serial[0] > 0x7f)
    return 0;
  return terms->not_before >= 0 && terms->not_before <= terms->not_after &&
         terms->not_after <= CERT_TIME_MAX;
}

/* Version, serial, validity and subject CN=|cn| of a new certificate. */
static int cert_set_basics(gnutls_x509_crt_t crt,
                           const ript_stir_cert_terms *terms, const char *cn) {
  int grv = gnutls_x509_crt_set_version(crt, 3);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_serial(crt, terms->serial, terms->serial_len);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_activation_time(crt, (time_t)terms->not_before);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_expiration_time(crt, (time_t)terms->not_after);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                        cn, (unsigned)strlen(cn));
  return grv;
}

/* Subject key identifier from the certificate's own key. */
static int cert_set_ski(gnutls_x509_crt_t crt) {
  unsigned char id[CERT_KEYID_LEN];
  size_t idlen = sizeof(id);
  int grv = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &idlen);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_subject_key_id(crt, id, idlen);
  return grv;
}

/* TNAuthList extension, non-critical (RFC 8226 §9). */
static int cert_set_tnauth(gnutls_x509_crt_t crt, const ript_stir_tnauth *list,
                           const ript_mem *mem) {
  ript_buf der;
  ript_buf_init(&der, mem);
  int rv = ript_stir_tnauth_encode(list, &der);
  if (rv == 0) {
    int grv = gnutls_x509_crt_set_extension_by_oid(crt, RIPT_STIR_TNAUTH_OID,
                                                   der.data, der.len, 0);
    if (grv < 0)
      rv = ript_stir_gnutls_error(grv);
  }
  ript_buf_free(&der);
  return rv;
}

static int cert_build_ca(gnutls_x509_crt_t crt, const ript_stir_key *key,
                         const char *name, const ript_stir_tnauth *tnauth,
                         const ript_stir_cert_terms *terms,
                         const ript_mem *mem) {
  int grv = cert_set_basics(crt, terms, name);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_key(crt, key->x509);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
                                                 GNUTLS_KEY_CRL_SIGN);
  if (grv >= 0)
    grv = cert_set_ski(crt);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = tnauth ? cert_set_tnauth(crt, tnauth, mem) : 0;
  if (rv != 0)
    return rv;
  grv = gnutls_x509_crt_privkey_sign(crt, crt, key->priv, GNUTLS_DIG_SHA256, 0);
  return grv < 0 ? ript_stir_gnutls_error(grv) : 0;
}

int ript_stir_cert_create_ca(ript_stir_cert **pcert, const ript_stir_key *key,
                             const char *common_name,
                             const ript_stir_tnauth *tnauth,
                             const ript_stir_cert_terms *terms,
                             const ript_mem *mem) {
  if (!pcert || !key || !common_name || !*common_name ||
      !cert_terms_ok(terms) || (tnauth && tnauth->len == 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_crt_t crt;
  int grv = gnutls_x509_crt_init(&crt);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = cert_build_ca(crt, key, common_name, tnauth, terms, mem);
  if (rv != 0) {
    gnutls_x509_crt_deinit(crt);
    return rv;
  }
  return cert_wrap_signed(pcert, crt, mem);
}

/* Nonzero if |key| is the private half of |cert|'s public key. */
static int cert_key_matches(const ript_stir_cert *cert,
                            const ript_stir_key *key) {
  unsigned char a[CERT_KEYID_LEN], b[CERT_KEYID_LEN];
  size_t alen = sizeof(a), blen = sizeof(b);
  return gnutls_x509_crt_get_key_id(cert->crt, GNUTLS_KEYID_USE_SHA1, a,
                                    &alen) >= 0 &&
         gnutls_x509_privkey_get_key_id(key->x509, GNUTLS_KEYID_USE_SHA1, b,
                                        &blen) >= 0 &&
         alen == blen && memcmp(a, b, alen) == 0;
}

/* Authority key identifier: the CA's subject key identifier, or the SHA-1
 * of its key when it has none. */
static int cert_set_aki(gnutls_x509_crt_t crt, const ript_stir_cert *ca) {
  unsigned char id[64];
  size_t idlen = sizeof(id);
  unsigned critical;
  int grv =
      gnutls_x509_crt_get_subject_key_id(ca->crt, id, &idlen, &critical);
  if (grv < 0) {
    idlen = sizeof(id);
    grv = gnutls_x509_crt_get_key_id(ca->crt, GNUTLS_KEYID_USE_SHA1, id,
                                     &idlen);
  }
  if (grv >= 0)
    grv = gnutls_x509_crt_set_authority_key_id(crt, id, idlen);
  return grv;
}

static int cert_set_csr_key(gnutls_x509_crt_t crt, const ript_stir_csr *csr) {
  gnutls_pubkey_t pub;
  int grv = gnutls_pubkey_init(&pub);
  if (grv < 0)
    return grv;
  grv = gnutls_pubkey_import_x509_crq(pub, csr->crq, 0);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_pubkey(crt, pub);
  gnutls_pubkey_deinit(pub);
  return grv;
}

static int cert_build_leaf(gnutls_x509_crt_t crt, const ript_stir_csr *csr,
                           const ript_stir_tnauth *grant,
                           const ript_stir_cert *ca,
                           const ript_stir_key *ca_key,
                           const ript_stir_cert_terms *terms,
                           const ript_mem *mem) {
  char cn[RIPT_STIR_E164_BUFLEN];
  if (ript_stir_tn_to_e164(csr->tn, cn, sizeof(cn)) < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int grv = cert_set_basics(crt, terms, cn);
  if (grv >= 0)
    grv = cert_set_csr_key(crt, csr);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
  if (grv >= 0)
    grv = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
  if (grv >= 0)
    grv = cert_set_ski(crt);
  if (grv >= 0)
    grv = cert_set_aki(crt, ca);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = cert_set_tnauth(crt, grant, mem);
  if (rv != 0)
    return rv;
  grv = gnutls_x509_crt_privkey_sign(crt, ca->crt, ca_key->priv,
                                     GNUTLS_DIG_SHA256, 0);
  return grv < 0 ? ript_stir_gnutls_error(grv) : 0;
}

int ript_stir_cert_issue(ript_stir_cert **pcert, const ript_stir_csr *csr,
                         const ript_stir_tnauth *grant,
                         const ript_stir_cert *ca, const ript_stir_key *ca_key,
                         const ript_stir_cert_terms *terms,
                         const ript_mem *mem) {
  if (!pcert || !csr || !grant || grant->len == 0 || !ca || !ca_key ||
      !cert_terms_ok(terms))
    return RIPT_ERR_INVALID_ARGUMENT;
  unsigned critical;
  if (gnutls_x509_crt_get_ca_status(ca->crt, &critical) <= 0 ||
      !cert_key_matches(ca, ca_key))
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_crt_t crt;
  int grv = gnutls_x509_crt_init(&crt);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = cert_build_leaf(crt, csr, grant, ca, ca_key, terms, mem);
  if (rv != 0) {
    gnutls_x509_crt_deinit(crt);
    return rv;
  }
  return cert_wrap_signed(pcert, crt, mem);
}

/* ======================================================================
 * CSRs
 * ==================================================================== */

static int csr_build(gnutls_x509_crq_t crq, const ript_stir_key *key,
                     const char *e164, const char *digits,
                     const ript_mem *mem) {
  ript_stir_tnauth one;
  ript_buf der;
  ript_stir_tnauth_init(&one, mem);
  ript_buf_init(&der, mem);
  int rv = ript_stir_tnauth_add_one(&one, digits);
  if (rv == 0)
    rv = ript_stir_tnauth_encode(&one, &der);
  if (rv == 0) {
    int grv = gnutls_x509_crq_set_version(crq, 1);
    if (grv >= 0)
      grv = gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
                                          e164, (unsigned)strlen(e164));
    if (grv >= 0)
      grv = gnutls_x509_crq_set_key(crq, key->x509);
    if (grv >= 0)
      grv = gnutls_x509_crq_set_extension_by_oid(crq, RIPT_STIR_TNAUTH_OID,
                                                 der.data, der.len, 0);
    if (grv >= 0)
      grv = gnutls_x509_crq_privkey_sign(crq, key->priv, GNUTLS_DIG_SHA256, 0);
    if (grv < 0)
      rv = ript_stir_gnutls_error(grv);
  }
  ript_buf_free(&der);
  ript_stir_tnauth_free(&one);
  return rv;
}

int ript_stir_csr_create(const ript_stir_key *key, const char *e164,
                         ript_stir_format format, ript_buf *out) {
  char digits[RIPT_STIR_TN_BUFLEN];
  if (!key || !e164 || !out ||
      (format != RIPT_STIR_FORMAT_PEM && format != RIPT_STIR_FORMAT_DER) ||
      ript_stir_tn_from_e164(e164, digits, sizeof(digits)) < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_crq_t crq;
  int grv = gnutls_x509_crq_init(&crq);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = csr_build(crq, key, e164, digits, out->mem);
  gnutls_datum_t der = {NULL, 0}, pem = {NULL, 0};
  if (rv == 0) {
    grv = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &der);
    /* GnuTLS labels PEM requests "NEW CERTIFICATE REQUEST"; RFC 7468 §7
     * has generators write "CERTIFICATE REQUEST". */
    if (grv >= 0 && format == RIPT_STIR_FORMAT_PEM)
      grv = gnutls_pem_base64_encode2("CERTIFICATE REQUEST", &der, &pem);
    rv = grv < 0 ? ript_stir_gnutls_error(grv)
         : format == RIPT_STIR_FORMAT_PEM ? ript_stir_buf_take_datum(out, &pem)
                                          : ript_stir_buf_take_datum(out, &der);
  }
  gnutls_free(der.data);
  gnutls_x509_crq_deinit(crq);
  return rv;
}

static int csr_key_ok(gnutls_x509_crq_t crq) {
  gnutls_pubkey_t pub;
  if (gnutls_pubkey_init(&pub) < 0)
    return 0;
  int ok = gnutls_pubkey_import_x509_crq(pub, crq, 0) >= 0 &&
           ript_stir_pubkey_is_p256(pub);
  gnutls_pubkey_deinit(pub);
  return ok;
}

/* The requested TNAuthList must name exactly one number: that is all a
 * RIPT client may ask for (draft §8.6). Writes its digits to |tn|. */
static int csr_requested_tn(gnutls_x509_crq_t crq, const ript_mem *mem,
                            char tn[RIPT_STIR_TN_BUFLEN],
                            ript_parse_error *err) {
  gnutls_datum_t value = {NULL, 0};
  unsigned critical;
  int grv = gnutls_x509_crq_get_extension_by_oid2(crq, RIPT_STIR_TNAUTH_OID, 0,
                                                  &value, &critical);
  if (grv == GNUTLS_E_MEMORY_ERROR)
    return RIPT_ERR_NOMEM;
  if (grv < 0)
    return ript_stir_parse_fail(err, 0, "a requested TNAuthList extension "
                                        "(1.3.6.1.5.5.7.1.26)");
  ript_stir_tnauth list;
  ript_stir_tnauth_init(&list, mem);
  int rv = ript_stir_tnauth_parse(&list, value.data, value.size, NULL);
  gnutls_free(value.data);
  if (rv == RIPT_ERR_PARSE)
    rv = ript_stir_parse_fail(err, 0, "a well-formed requested TNAuthList");
  else if (rv == 0 && list.len != 1)
    rv = ript_stir_parse_fail(err, 0, "a TNAuthList with exactly one entry");
  else if (rv == 0 && (list.entries[0].type != RIPT_STIR_TNENTRY_ONE ||
                       !ript_stir_is_digits(list.entries[0].value)))
    rv = ript_stir_parse_fail(err, 0, "a single E.164 number in the "
                                      "TNAuthList, not a range or an SPC");
  if (rv == 0)
    memcpy(tn, list.entries[0].value, strlen(list.entries[0].value) + 1);
  ript_stir_tnauth_free(&list);
  return rv;
}

/* The subject must be the number itself (draft §9.7): exactly one CN, equal
 * to the requested number in E.164 form. The CN is read raw (tag, length,
 * bytes) because GnuTLS's text form escapes the leading '+' (RFC 4514). */
static int csr_subject_ok(gnutls_x509_crq_t crq, const char *tn) {
  uint8_t raw[RIPT_STIR_E164_BUFLEN + 2];
  size_t rawlen = sizeof(raw);
  char want[RIPT_STIR_E164_BUFLEN];
  if (gnutls_x509_crq_get_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, 1,
                                    raw, &rawlen) < 0)
    return 0;
  uint8_t extra[8];
  size_t extralen = sizeof(extra);
  if (gnutls_x509_crq_get_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 1, 1,
                                    extra, &extralen) !=
      GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return 0;
  ript_ssize n = ript_stir_tn_to_e164(tn, want, sizeof(want));
  /* UTF8String, PrintableString or IA5String, short-form length. */
  return n > 0 && rawlen == (size_t)n + 2 &&
         (raw[0] == 0x0c || raw[0] == 0x13 || raw[0] == 0x16) &&
         raw[1] == (uint8_t)n && memcmp(raw + 2, want, (size_t)n) == 0;
}

static int csr_check(gnutls_x509_crq_t crq, const ript_mem *mem,
                     char tn[RIPT_STIR_TN_BUFLEN], ript_parse_error *err) {
  if (!csr_key_ok(crq))
    return ript_stir_parse_fail(err, 0, "an ECDSA P-256 public key in the CSR");
  if (gnutls_x509_crq_verify(crq, 0) < 0)
    return RIPT_ERR_SIGNATURE;
  int rv = csr_requested_tn(crq, mem, tn, err);
  if (rv != 0)
    return rv;
  if (!csr_subject_ok(crq, tn))
    return ript_stir_parse_fail(err, 0, "a subject CN equal to the requested "
                                        "number in E.164 form (\"+...\")");
  return 0;
}

int ript_stir_csr_parse(ript_stir_csr **pcsr, const uint8_t *data, size_t len,
                        const ript_mem *mem, ript_parse_error *err) {
  if (!pcsr || !data || len == 0 || len > UINT32_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_stir_csr *csr = ript_mem_calloc(mem, 1, sizeof(*csr));
  if (!csr)
    return RIPT_ERR_NOMEM;
  csr->mem = mem;
  int grv = gnutls_x509_crq_init(&csr->crq);
  if (grv < 0) {
    ript_mem_free(mem, csr);
    return ript_stir_gnutls_error(grv);
  }
  gnutls_datum_t d = cert_datum(data, len);
  grv = gnutls_x509_crq_import(csr->crq, &d, ript_stir_guess_format(data, len));
  int rv;
  if (grv == GNUTLS_E_MEMORY_ERROR)
    rv = RIPT_ERR_NOMEM;
  else if (grv < 0)
    rv = ript_stir_parse_fail(err, 0, "a PKCS#10 certificate request (PEM "
                                      "or DER)");
  else
    rv = csr_check(csr->crq, mem, csr->tn, err);
  if (rv != 0) {
    ript_stir_csr_del(csr);
    return rv;
  }
  *pcsr = csr;
  return 0;
}

const char *ript_stir_csr_tn(const ript_stir_csr *csr) {
  return csr ? csr->tn : NULL;
}

void ript_stir_csr_del(ript_stir_csr *csr) {
  if (!csr)
    return;
  gnutls_x509_crq_deinit(csr->crq);
  ript_mem_free(csr->mem, csr);
}

/* ======================================================================
 * Trust store
 * ==================================================================== */

struct ript_stir_trust {
  const ript_mem *mem;
  gnutls_x509_trust_list_t list;
};

int ript_stir_trust_new(ript_stir_trust **ptrust, const ript_mem *mem) {
  if (!ptrust)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_stir_trust *trust = ript_mem_calloc(mem, 1, sizeof(*trust));
  if (!trust)
    return RIPT_ERR_NOMEM;
  trust->mem = mem;
  int grv = gnutls_x509_trust_list_init(&trust->list, 0);
  if (grv < 0) {
    ript_mem_free(mem, trust);
    return ript_stir_gnutls_error(grv);
  }
  *ptrust = trust;
  return 0;
}

void ript_stir_trust_del(ript_stir_trust *trust) {
  if (!trust)
    return;
  gnutls_x509_trust_list_deinit(trust->list, 1);
  ript_mem_free(trust->mem, trust);
}

static int trust_is_ca(gnutls_x509_crt_t crt) {
  unsigned critical;
  return gnutls_x509_crt_get_ca_status(crt, &critical) > 0;
}

/* Hands |crts| over to the list, which owns them from then on. */
static int trust_take(ript_stir_trust *trust, gnutls_x509_crt_t *crts,
                      unsigned n) {
  int grv = gnutls_x509_trust_list_add_cas(trust->list, crts, n, 0);
  return grv < 0 ? ript_stir_gnutls_error(grv) : 0;
}

int ript_stir_trust_add_ca(ript_stir_trust *trust, const ript_stir_cert *ca) {
  if (!trust || !ca || !trust_is_ca(ca->crt))
    return RIPT_ERR_INVALID_ARGUMENT;
  /* GnuTLS has no certificate copy: round-trip through DER. */
  gnutls_datum_t der = {NULL, 0};
  gnutls_x509_crt_t copy;
  int grv = gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_DER, &der);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  grv = gnutls_x509_crt_init(&copy);
  if (grv >= 0) {
    grv = gnutls_x509_crt_import(copy, &der, GNUTLS_X509_FMT_DER);
    if (grv < 0)
      gnutls_x509_crt_deinit(copy);
  }
  gnutls_free(der.data);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  return trust_take(trust, &copy, 1);
}

int ript_stir_trust_add_pem(ript_stir_trust *trust, const uint8_t *pem,
                            size_t len, ript_parse_error *err) {
  if (!trust || !pem || len == 0 || len > UINT32_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_crt_t *crts = NULL;
  unsigned n = 0;
  gnutls_datum_t d = cert_datum(pem, len);
  int grv = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
  if (grv == GNUTLS_E_MEMORY_ERROR)
    return RIPT_ERR_NOMEM;
  if (grv < 0 || n == 0)
    return ript_stir_parse_fail(err, 0, "one or more PEM CA certificates");
  int rv = 0;
  for (unsigned i = 0; i < n && rv == 0; ++i)
    if (!trust_is_ca(crts[i]))
      rv = ript_stir_parse_fail(err, 0, "only CA certificates "
                                        "(basicConstraints CA:TRUE)");
  if (rv == 0) {
    rv = trust_take(trust, crts, n);
  } else {
    for (unsigned i = 0; i < n; ++i)
      gnutls_x509_crt_deinit(crts[i]);
  }
  gnutls_free(crts);
  return rv;
}

static int trust_valid_at(gnutls_x509_crt_t crt, int64_t now) {
  time_t not_before = gnutls_x509_crt_get_activation_time(crt);
  time_t not_after = gnutls_x509_crt_get_expiration_time(crt);
  return not_before != (time_t)-1 && not_after != (time_t)-1 &&
         (int64_t)not_before <= now && now <= (int64_t)not_after;
}

/* GnuTLS checked the path with its clock switched off; here every
 * certificate passed in, and the anchor the path reached, must be valid at
 * the caller's |now|. */
static int trust_check_times(const ript_stir_trust *trust,
                             const gnutls_x509_crt_t *chain, size_t n,
                             int64_t now) {
  int anchor_checked = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!trust_valid_at(chain[i], now))
      return RIPT_ERR_UNTRUSTED;
    gnutls_x509_crt_t issuer;
    if (!anchor_checked &&
        gnutls_x509_trust_list_get_issuer(trust->list, chain[i], &issuer, 0) >=
            0) {
      if (!trust_valid_at(issuer, now))
        return RIPT_ERR_UNTRUSTED;
      anchor_checked = 1;
    }
  }
  return 0;
}

int ript_stir_trust_verify(const ript_stir_trust *trust,
                           const ript_stir_cert *leaf,
                           const ript_stir_cert *const *intermediates,
                           size_t nintermediates, int64_t now) {
  if (!trust || !leaf || (nintermediates > 0 && !intermediates) ||
      nintermediates > 16)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t n = nintermediates + 1;
  gnutls_x509_crt_t *chain = ript_mem_calloc(trust->mem, n, sizeof(*chain));
  if (!chain)
    return RIPT_ERR_NOMEM;
  chain[0] = leaf->crt;
  int rv = 0;
  for (size_t i = 0; i < nintermediates; ++i) {
    if (!intermediates[i])
      rv = RIPT_ERR_INVALID_ARGUMENT;
    else
      chain[i + 1] = intermediates[i]->crt;
  }
  unsigned status = 0;
  if (rv == 0) {
    int grv = gnutls_x509_trust_list_verify_crt2(
        trust->list, chain, (unsigned)n, NULL, 0,
        GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
            GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
        &status, NULL);
    if (grv < 0)
      rv = ript_stir_gnutls_error(grv);
    else if (status != 0)
      rv = RIPT_ERR_UNTRUSTED;
  }
  if (rv == 0)
    rv = trust_check_times(trust, chain, n, now);
  ript_mem_free(trust->mem, chain);
  return rv;
}

/*
 * ECDSA P-256 keys for STIR, and the GnuTLS glue the other STIR files share.
 */
#define _GNU_SOURCE /* memmem */

#include <string.h>

#include "ript_mem.h"
#include "stir_internal.h"

int ript_stir_gnutls_error(int gnutls_rv) {
  return gnutls_rv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
}

int ript_stir_buf_take_datum(ript_buf *out, gnutls_datum_t *d) {
  int rv = ript_buf_append(out, d->data, d->size);
  gnutls_free(d->data);
  d->data = NULL;
  d->size = 0;
  return rv;
}

int ript_stir_pubkey_is_p256(gnutls_pubkey_t pub) {
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
  if (gnutls_pubkey_get_pk_algorithm(pub, NULL) != GNUTLS_PK_ECDSA ||
      gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y, 0) < 0)
    return 0;
  gnutls_free(x.data);
  gnutls_free(y.data);
  return curve == GNUTLS_ECC_CURVE_SECP256R1;
}

gnutls_x509_crt_fmt_t ript_stir_guess_format(const uint8_t *data, size_t len) {
  return memmem(data, len, "-----BEGIN", 10) ? GNUTLS_X509_FMT_PEM
                                             : GNUTLS_X509_FMT_DER;
}

/* Allocates the handle and wraps an already filled |x509| (taken over). */
static int key_wrap(ript_stir_key **pkey, gnutls_x509_privkey_t x509,
                    const ript_mem *mem) {
  ript_stir_key *key = ript_mem_calloc(mem, 1, sizeof(*key));
  if (!key) {
    gnutls_x509_privkey_deinit(x509);
    return RIPT_ERR_NOMEM;
  }
  key->mem = mem;
  key->x509 = x509;
  int grv = gnutls_privkey_init(&key->priv);
  if (grv >= 0)
    grv = gnutls_privkey_import_x509(key->priv, x509, 0);
  if (grv < 0) {
    ript_stir_key_del(key);
    return ript_stir_gnutls_error(grv);
  }
  *pkey = key;
  return 0;
}

int ript_stir_key_generate(ript_stir_key **pkey, const ript_mem *mem) {
  if (!pkey)
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_privkey_t x509;
  int grv = gnutls_x509_privkey_init(&x509);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  grv = gnutls_x509_privkey_generate(
      x509, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
      0);
  if (grv < 0) {
    gnutls_x509_privkey_deinit(x509);
    return ript_stir_gnutls_error(grv);
  }
  return key_wrap(pkey, x509, mem);
}

static int key_is_p256(gnutls_x509_privkey_t x509) {
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = {NULL, 0}, y = {NULL, 0}, k = {NULL, 0};
  if (gnutls_x509_privkey_get_pk_algorithm(x509) != GNUTLS_PK_ECDSA ||
      gnutls_x509_privkey_export_ecc_raw(x509, &curve, &x, &y, &k) < 0)
    return 0;
  gnutls_free(x.data);
  gnutls_free(y.data);
  gnutls_memset(k.data, 0, k.size);
  gnutls_free(k.data);
  return curve == GNUTLS_ECC_CURVE_SECP256R1 &&
         gnutls_x509_privkey_verify_params(x509) >= 0;
}

int ript_stir_key_parse(ript_stir_key **pkey, const uint8_t *data, size_t len,
                        const ript_mem *mem, ript_parse_error *err) {
  if (!pkey || !data || len == 0 || len > UINT32_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_x509_privkey_t x509;
  int grv = gnutls_x509_privkey_init(&x509);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  /* GnuTLS does not write to the input; the datum type is just not const. */
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)data, (unsigned)len};
  grv = gnutls_x509_privkey_import2(x509, &d, ript_stir_guess_format(data, len),
                                    NULL, GNUTLS_PKCS_PLAIN);
  if (grv < 0 || !key_is_p256(x509)) {
    gnutls_x509_privkey_deinit(x509);
    if (grv == GNUTLS_E_MEMORY_ERROR)
      return RIPT_ERR_NOMEM;
    return ript_stir_parse_fail(err, 0, "an unencrypted ECDSA P-256 "
                                        "private key (PKCS#8 or SEC1)");
  }
  return key_wrap(pkey, x509, mem);
}

static int key_check_format(ript_stir_format format) {
  return format == RIPT_STIR_FORMAT_PEM || format == RIPT_STIR_FORMAT_DER;
}

gnutls_x509_crt_fmt_t ript_stir_gnutls_format(ript_stir_format format) {
  return format == RIPT_STIR_FORMAT_PEM ? GNUTLS_X509_FMT_PEM
                                        : GNUTLS_X509_FMT_DER;
}

int ript_stir_key_export(const ript_stir_key *key, ript_stir_format format,
                         ript_buf *out) {
  if (!key || !out || !key_check_format(format))
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_datum_t d = {NULL, 0};
  int grv = gnutls_x509_privkey_export2_pkcs8(
      key->x509, ript_stir_gnutls_format(format), NULL, GNUTLS_PKCS_PLAIN, &d);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  return ript_stir_buf_take_datum(out, &d);
}

/* A new GnuTLS public key holding |key|'s public half. */
static int key_pubkey(const ript_stir_key *key, gnutls_pubkey_t *pub) {
  int grv = gnutls_pubkey_init(pub);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  grv = gnutls_pubkey_import_privkey(*pub, key->priv, 0, 0);
  if (grv < 0) {
    gnutls_pubkey_deinit(*pub);
    return ript_stir_gnutls_error(grv);
  }
  return 0;
}

int ript_stir_key_export_public(const ript_stir_key *key,
                                ript_stir_format format, ript_buf *out) {
  if (!key || !out || !key_check_format(format))
    return RIPT_ERR_INVALID_ARGUMENT;
  gnutls_pubkey_t pub;
  int rv = key_pubkey(key, &pub);
  if (rv != 0)
    return rv;
  gnutls_datum_t d = {NULL, 0};
  int grv = gnutls_pubkey_export2(pub, ript_stir_gnutls_format(format), &d);
  gnutls_pubkey_deinit(pub);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  return ript_stir_buf_take_datum(out, &d);
}

void ript_stir_key_del(ript_stir_key *key) {
  if (!key)
    return;
  if (key->priv)
    gnutls_privkey_deinit(key->priv);
  gnutls_x509_privkey_deinit(key->x509);
  ript_mem_free(key->mem, key);
}

/*
 * Compact JWS helpers shared by PASSporTs and OAuth access tokens.
 */
#include "jws.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "base64url.h"
#include "ript_mem.h"

int ript_jws_fail(ript_parse_error *err, size_t offset, const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

/* ======================================================================
 * Reading
 * ==================================================================== */

int ript_jws_split(const char *jws, size_t len, ript_jws_part parts[3],
                   ript_parse_error *err) {
  size_t start = 0;
  int n = 0;
  for (size_t i = 0; i <= len; ++i) {
    if (i < len && jws[i] != '.')
      continue;
    if (n == 3)
      return ript_jws_fail(err, start - 1,
                           "the end of the JWS after three "
                           "parts");
    parts[n].text = jws + start;
    parts[n].len = i - start;
    parts[n].offset = start;
    ++n;
    start = i + 1;
  }
  if (n != 3)
    return ript_jws_fail(err, len, "'.': a compact JWS has three parts");
  return 0;
}

int ript_jws_part_json(const ript_jws_part *part, const ript_mem *mem,
                       json_t **json, const char *expected,
                       ript_parse_error *err) {
  *json = NULL;
  size_t cap = ript_base64url_decoded_len(part->len);
  uint8_t *bytes = ript_mem_malloc(mem, cap ? cap : 1);
  if (!bytes)
    return RIPT_ERR_NOMEM;
  ript_parse_error b64err;
  ript_ssize n =
      ript_base64url_decode(bytes, cap, part->text, part->len, &b64err);
  int rv = 0;
  if (n < 0) {
    rv = ript_jws_fail(err, part->offset + b64err.offset, b64err.expected);
  } else {
    json_error_t jerr;
    *json = json_loadb((const char *)bytes, (size_t)n, JSON_REJECT_DUPLICATES,
                       &jerr);
    if (!*json && json_error_code(&jerr) == json_error_out_of_memory)
      rv = RIPT_ERR_NOMEM;
    else if (!*json || !json_is_object(*json))
      rv = ript_jws_fail(err, part->offset, expected);
  }
  ript_mem_free(mem, bytes);
  if (rv != 0 && *json) {
    json_decref(*json);
    *json = NULL;
  }
  return rv;
}

const char *ript_jws_string(const json_t *v) {
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ======================================================================
 * Writing and signing
 * ==================================================================== */

int ript_jws_append_json(ript_buf *out, json_t *json) {
  if (!json)
    return RIPT_ERR_NOMEM;
  int rv = RIPT_ERR_NOMEM;
  size_t n = json_dumpb(json, NULL, 0, RIPT_JWS_DUMP_FLAGS);
  ript_buf text;
  ript_buf_init(&text, out->mem);
  if (n > 0 && ript_buf_reserve(&text, n) == 0 &&
      json_dumpb(json, (char *)text.data, n, RIPT_JWS_DUMP_FLAGS) == n)
    rv = ript_base64url_encode(out, text.data, n);
  ript_buf_free(&text);
  json_decref(json);
  return rv;
}

void ript_jws_truncate(ript_buf *out, size_t len) {
  out->len = len;
  if (out->data)
    out->data[len] = '\0';
}

int ript_jws_put_coord(uint8_t out[RIPT_JWS_ES256_COORD_LEN],
                       const gnutls_datum_t *v) {
  size_t skip = 0;
  while (skip < v->size && v->data[skip] == 0)
    ++skip;
  size_t n = v->size - skip;
  if (n > RIPT_JWS_ES256_COORD_LEN)
    return RIPT_ERR_CRYPTO;
  memset(out, 0, RIPT_JWS_ES256_COORD_LEN - n);
  memcpy(out + RIPT_JWS_ES256_COORD_LEN - n, v->data + skip, n);
  return 0;
}

/* The deterministic ECDSA-SHA256 signature over |input| as JWS wants it. */
static int jws_es256_sign(gnutls_privkey_t priv, const uint8_t *input,
                          size_t len, uint8_t sig[RIPT_JWS_ES256_SIG_LEN]) {
  gnutls_datum_t data = {(unsigned char *)(uintptr_t)input, (unsigned)len};
  gnutls_datum_t der = {NULL, 0}, r = {NULL, 0}, s = {NULL, 0};
  int grv = gnutls_privkey_sign_data(
      priv, GNUTLS_DIG_SHA256, GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE, &data, &der);
  if (grv < 0)
    return grv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
  grv = gnutls_decode_rs_value(&der, &r, &s);
  gnutls_free(der.data);
  if (grv < 0)
    return grv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
  int rv = ript_jws_put_coord(sig, &r);
  if (rv == 0)
    rv = ript_jws_put_coord(sig + RIPT_JWS_ES256_COORD_LEN, &s);
  gnutls_free(r.data);
  gnutls_free(s.data);
  return rv;
}

int ript_jws_finish_es256(ript_buf *out, size_t start, gnutls_privkey_t priv) {
  uint8_t sig[RIPT_JWS_ES256_SIG_LEN];
  int rv = jws_es256_sign(priv, out->data + start, out->len - start, sig);
  if (rv == 0)
    rv = ript_buf_append(out, ".", 1);
  if (rv == 0)
    rv = ript_base64url_encode(out, sig, sizeof(sig));
  if (rv != 0)
    ript_jws_truncate(out, start);
  return rv;
}

/* ======================================================================
 * Verifying
 * ==================================================================== */

/* DER INTEGER of an unsigned 32-byte big-endian value; returns its size. */
static size_t jws_der_integer(uint8_t *out, const uint8_t *v) {
  size_t skip = 0;
  while (skip < RIPT_JWS_ES256_COORD_LEN - 1 && v[skip] == 0)
    ++skip;
  size_t n = RIPT_JWS_ES256_COORD_LEN - skip;
  int pad = (v[skip] & 0x80) != 0; /* keep the integer positive */
  out[0] = 0x02;
  out[1] = (uint8_t)(n + (size_t)pad);
  out[2] = 0;
  memcpy(out + 2 + pad, v + skip, n);
  return 2 + (size_t)pad + n;
}

/* The JWS r || s as the DER ECDSA-Sig-Value GnuTLS verifies (RFC 3279). */
static size_t jws_sig_der(const uint8_t sig[RIPT_JWS_ES256_SIG_LEN],
                          uint8_t der[72]) {
  size_t n = 2;
  n += jws_der_integer(der + n, sig);
  n += jws_der_integer(der + n, sig + RIPT_JWS_ES256_COORD_LEN);
  der[0] = 0x30;
  der[1] = (uint8_t)(n - 2);
  return n;
}

static int jws_verify(gnutls_pubkey_t pub, gnutls_sign_algorithm_t algo,
                      const char *input, size_t len, const uint8_t *sig,
                      size_t siglen) {
  gnutls_datum_t data = {(unsigned char *)(uintptr_t)input, (unsigned)len};
  gnutls_datum_t s = {(unsigned char *)(uintptr_t)sig, (unsigned)siglen};
  int grv = gnutls_pubkey_verify_data2(pub, algo, 0, &data, &s);
  return grv >= 0                       ? 0
         : grv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM
                                        : RIPT_ERR_SIGNATURE;
}

int ript_jws_es256_verify(gnutls_pubkey_t pub, const char *input, size_t len,
                          const uint8_t sig[RIPT_JWS_ES256_SIG_LEN]) {
  uint8_t der[72];
  size_t derlen = jws_sig_der(sig, der);
  return jws_verify(pub, GNUTLS_SIGN_ECDSA_SHA256, input, len, der, derlen);
}

int ript_jws_rs256_verify(gnutls_pubkey_t pub, const char *input, size_t len,
                          const uint8_t *sig, size_t siglen) {
  return jws_verify(pub, GNUTLS_SIGN_RSA_SHA256, input, len, sig, siglen);
}

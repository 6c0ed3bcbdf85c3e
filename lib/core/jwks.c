/*
 * JSON Web Key Sets (RFC 7517) for OAuth access-token verification:
 * reading an issuer's set, and writing the set of a development
 * authorization server's keys.
 */
#include <string.h>

#include "base64url.h"
#include "doc_json.h"
#include "jws.h"
#include "oauth_internal.h"
#include "ript_mem.h"
#include "stir_internal.h"

/* A helper's verdict on a JWK that is well formed but not for us. */
#define JWKS_SKIP 1

/* Longest RSA public exponent accepted, in bytes. */
#define JWKS_RSA_E_MAX 8

/* ======================================================================
 * Reading one JWK
 * ==================================================================== */

/* The key type's algorithm, or 0 for a kty this module does not use. */
static int jwks_kty(const ript_doc_in *in, json_t *jwk, const ript_doc_at *at,
                    ript_oauth_alg *alg) {
  json_t *kty;
  static const char expected[] = "\"kty\": a string";
  int rv = ript_doc_get_member(in, jwk, at, "kty", JSON_STRING, expected, &kty);
  if (rv != 0)
    return rv;
  if (!kty)
    return ript_doc_fail(in, at, expected);
  const char *s = json_string_value(kty);
  *alg = strcmp(s, "EC") == 0    ? RIPT_OAUTH_ALG_ES256
         : strcmp(s, "RSA") == 0 ? RIPT_OAUTH_ALG_RS256
                                 : (ript_oauth_alg)0;
  return 0;
}

static int jwks_has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether a JWK "alg" names an algorithm for the key type of |alg|: JWA
 * (RFC 7518) names EC algorithms ES* and ECDH-ES*, RSA ones RS* (which
 * takes in RSA-OAEP* and RSA1_5) and PS*. */
static int jwks_same_family(const char *name, ript_oauth_alg alg) {
  if (alg == RIPT_OAUTH_ALG_ES256)
    return jwks_has_prefix(name, "ES") || jwks_has_prefix(name, "ECDH-ES");
  return jwks_has_prefix(name, "RS") || jwks_has_prefix(name, "PS");
}

/* The members every usable JWK shares. Returns 0 (kid set), JWKS_SKIP, or
 * an error. */
static int jwks_common(const ript_doc_in *in, json_t *jwk,
                       const ript_doc_at *at, ript_oauth_alg alg,
                       const char **kid) {
  json_t *use, *name, *id;
  if (json_object_get(jwk, "d")) {
    ript_doc_at d_at = {at, "d", 0};
    return ript_doc_fail(in, &d_at, "a public key (no \"d\")");
  }
  int rv = ript_doc_get_member(in, jwk, at, "use", JSON_STRING,
                               "\"use\": a string", &use);
  if (rv == 0)
    rv = ript_doc_get_member(in, jwk, at, "alg", JSON_STRING,
                             "\"alg\": a string", &name);
  if (rv == 0)
    rv = ript_doc_get_member(in, jwk, at, "kid", JSON_STRING,
                             "\"kid\": a non-empty string", &id);
  if (rv != 0)
    return rv;
  const char *want = alg == RIPT_OAUTH_ALG_ES256 ? "ES256" : "RS256";
  if (name && !jwks_same_family(json_string_value(name), alg)) {
    ript_doc_at alg_at = {at, "alg", 0};
    return ript_doc_fail(in, &alg_at, "\"alg\" of the key's type");
  }
  if (id && json_string_length(id) == 0) {
    ript_doc_at kid_at = {at, "kid", 0};
    return ript_doc_fail(in, &kid_at, "\"kid\": a non-empty string");
  }
  if ((use && strcmp(json_string_value(use), "sig") != 0) ||
      (name && strcmp(json_string_value(name), want) != 0) || !id)
    return JWKS_SKIP;
  *kid = json_string_value(id);
  return 0;
}

/* Decodes the required base64url member |name| into |buf|. Returns the
 * length, RIPT_ERR_NOBUF if it needs more than |cap| bytes, or an error. */
static ript_ssize jwks_b64(const ript_doc_in *in, json_t *jwk,
                           const ript_doc_at *at, const char *name,
                           uint8_t *buf, size_t cap, const char *expected) {
  json_t *v;
  ript_doc_at v_at = {at, name, 0};
  int rv = ript_doc_get_member(in, jwk, at, name, JSON_STRING, expected, &v);
  if (rv != 0)
    return rv;
  if (!v)
    return ript_doc_fail(in, at, expected);
  size_t len = json_string_length(v);
  if (ript_base64url_decoded_len(len) > cap)
    return RIPT_ERR_NOBUF;
  ript_ssize n =
      ript_base64url_decode(buf, cap, json_string_value(v), len, NULL);
  return n < 0 ? ript_doc_fail(in, &v_at, expected) : n;
}

static int jwks_gnutls_error(int grv) {
  return grv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
}

/* A coordinate: exactly 32 bytes (RFC 7518 §6.2.1.2: the full size). */
static int jwks_coord(const ript_doc_in *in, json_t *jwk, const ript_doc_at *at,
                      const char *name, uint8_t out[RIPT_JWS_ES256_COORD_LEN],
                      const char *expected) {
  ript_ssize n =
      jwks_b64(in, jwk, at, name, out, RIPT_JWS_ES256_COORD_LEN, expected);
  if (n == RIPT_ERR_NOBUF || (n >= 0 && n != RIPT_JWS_ES256_COORD_LEN)) {
    ript_doc_at v_at = {at, name, 0};
    return ript_doc_fail(in, &v_at, expected);
  }
  return n < 0 ? (int)n : 0;
}

/* An EC JWK: JWKS_SKIP for curves other than P-256, else the key. */
static int jwks_ec(const ript_doc_in *in, json_t *jwk, const ript_doc_at *at,
                   gnutls_pubkey_t pub) {
  json_t *crv;
  static const char crv_expected[] = "\"crv\": a string";
  int rv =
      ript_doc_get_member(in, jwk, at, "crv", JSON_STRING, crv_expected, &crv);
  if (rv != 0)
    return rv;
  if (!crv)
    return ript_doc_fail(in, at, crv_expected);
  if (strcmp(json_string_value(crv), "P-256") != 0)
    return JWKS_SKIP;
  uint8_t x[RIPT_JWS_ES256_COORD_LEN], y[RIPT_JWS_ES256_COORD_LEN];
  rv = jwks_coord(in, jwk, at, "x", x, "\"x\": 32 bytes of base64url");
  if (rv == 0)
    rv = jwks_coord(in, jwk, at, "y", y, "\"y\": 32 bytes of base64url");
  if (rv != 0)
    return rv;
  gnutls_datum_t dx = {x, sizeof(x)}, dy = {y, sizeof(y)};
  int grv =
      gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_SECP256R1, &dx, &dy);
  if (grv < 0)
    return jwks_gnutls_error(grv);
  if (gnutls_pubkey_verify_params(pub) < 0) {
    ript_doc_at x_at = {at, "x", 0};
    return ript_doc_fail(in, &x_at, "\"x\" and \"y\": a point on P-256");
  }
  return 0;
}

/* Bits of a big-endian integer without leading zero bytes (len >= 1). */
static size_t jwks_bits(const uint8_t *v, size_t len) {
  size_t bits = (len - 1) * 8;
  for (unsigned top = v[0]; top; top >>= 1)
    ++bits;
  return bits;
}

/* e = 1 would make every padded hash its own signature; even exponents
 * are not RSA. */
static int jwks_exponent_ok(const uint8_t *e, ript_ssize len) {
  return len > 0 && e[0] != 0 && (e[len - 1] & 1) && (len > 1 || e[0] >= 3);
}

/* An RSA JWK: JWKS_SKIP for sizes outside the range, else the key and
 * the length of its signatures. */
static int jwks_rsa(const ript_doc_in *in, json_t *jwk, const ript_doc_at *at,
                    gnutls_pubkey_t pub, size_t *siglen) {
  static const char n_expected[] = "\"n\": an odd modulus in base64url "
                                   "without leading zero bytes";
  static const char e_expected[] = "\"e\": an odd exponent >= 3 in at most "
                                   "8 bytes of base64url without leading "
                                   "zero bytes";
  uint8_t n[RIPT_OAUTH_MAX_SIG_LEN], e[JWKS_RSA_E_MAX];
  ript_doc_at n_at = {at, "n", 0}, e_at = {at, "e", 0};
  ript_ssize nlen = jwks_b64(in, jwk, at, "n", n, sizeof(n), n_expected);
  if (nlen == RIPT_ERR_NOBUF)
    return JWKS_SKIP; /* more than RIPT_OAUTH_RSA_MAX_BITS */
  if (nlen < 0)
    return (int)nlen;
  if (nlen == 0 || n[0] == 0 || (n[nlen - 1] & 1) == 0)
    return ript_doc_fail(in, &n_at, n_expected);
  ript_ssize elen = jwks_b64(in, jwk, at, "e", e, sizeof(e), e_expected);
  if (elen == RIPT_ERR_NOBUF || (elen >= 0 && !jwks_exponent_ok(e, elen)))
    return ript_doc_fail(in, &e_at, e_expected);
  if (elen < 0)
    return (int)elen;
  if (jwks_bits(n, (size_t)nlen) < RIPT_OAUTH_RSA_MIN_BITS)
    return JWKS_SKIP;
  gnutls_datum_t dn = {n, (unsigned)nlen}, de = {e, (unsigned)elen};
  int grv = gnutls_pubkey_import_rsa_raw(pub, &dn, &de);
  if (grv < 0)
    return jwks_gnutls_error(grv);
  *siglen = (size_t)nlen;
  return 0;
}

/* ======================================================================
 * Reading the set
 * ==================================================================== */

static int jwks_kid_taken(const ript_oauth_jwks *set, const char *kid,
                          ript_oauth_alg alg) {
  for (size_t i = 0; i < set->len; ++i)
    if (set->keys[i].alg == alg && strcmp(set->keys[i].kid, kid) == 0)
      return 1;
  return 0;
}

/* The key material of a JWK of type |alg| into a new |*pub|. Returns 0,
 * JWKS_SKIP (nothing kept) or an error (nothing kept). */
static int jwks_material(const ript_doc_in *in, json_t *jwk,
                         const ript_doc_at *at, ript_oauth_alg alg,
                         gnutls_pubkey_t *pub, size_t *siglen) {
  int grv = gnutls_pubkey_init(pub);
  if (grv < 0)
    return jwks_gnutls_error(grv);
  *siglen = RIPT_JWS_ES256_SIG_LEN;
  int rv = alg == RIPT_OAUTH_ALG_ES256 ? jwks_ec(in, jwk, at, *pub)
                                       : jwks_rsa(in, jwk, at, *pub, siglen);
  if (rv != 0)
    gnutls_pubkey_deinit(*pub);
  return rv;
}

/* Reads element |at| of "keys" and appends it to |set| unless skipped. */
static int jwks_add(const ript_doc_in *in, ript_oauth_jwks *set, json_t *jwk,
                    const ript_doc_at *at) {
  ript_oauth_alg alg = 0;
  const char *kid = NULL;
  if (!json_is_object(jwk))
    return ript_doc_fail(in, at, "a JWK: a JSON object");
  int rv = jwks_kty(in, jwk, at, &alg);
  if (rv == 0 && alg == 0)
    rv = JWKS_SKIP;
  if (rv == 0)
    rv = jwks_common(in, jwk, at, alg, &kid);
  ript_oauth_jwk *key = &set->keys[set->len];
  if (rv == 0)
    rv = jwks_material(in, jwk, at, alg, &key->pub, &key->siglen);
  if (rv == JWKS_SKIP) {
    ++set->skipped;
    return 0;
  }
  if (rv != 0)
    return rv;
  if (jwks_kid_taken(set, kid, alg)) {
    ript_doc_at kid_at = {at, "kid", 0};
    rv = ript_doc_fail(in, &kid_at, "a \"kid\" no other key of the type has");
  } else if (!(key->kid = ript_doc_store_strdup(in->store, kid))) {
    rv = RIPT_ERR_NOMEM;
  }
  if (rv != 0) {
    gnutls_pubkey_deinit(key->pub);
    return rv;
  }
  key->alg = alg;
  ++set->len;
  return 0;
}

static void jwks_clear_keys(ript_oauth_jwks *set) {
  for (size_t i = 0; i < set->len; ++i)
    gnutls_pubkey_deinit(set->keys[i].pub);
  set->keys = NULL;
  set->len = 0;
}

static int jwks_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_oauth_jwks *set = doc;
  static const char expected[] = "\"keys\": an array of JWKs";
  json_t *keys;
  int rv = ript_doc_get_member(in, root, &ript_doc_at_root, "keys", JSON_ARRAY,
                               expected, &keys);
  if (rv != 0)
    return rv;
  if (!keys)
    return ript_doc_fail(in, &ript_doc_at_root, expected);
  size_t n = json_array_size(keys);
  if (n > SIZE_MAX / sizeof(*set->keys))
    return RIPT_ERR_NOMEM;
  if (n > 0 &&
      !(set->keys = ript_doc_store_alloc(in->store, n * sizeof(*set->keys))))
    return RIPT_ERR_NOMEM;
  ript_doc_at keys_at = {&ript_doc_at_root, "keys", 0};
  for (size_t i = 0; rv == 0 && i < n; ++i) {
    ript_doc_at at = {&keys_at, NULL, i};
    rv = jwks_add(in, set, json_array_get(keys, i), &at);
  }
  if (rv != 0)
    jwks_clear_keys(set);
  return rv;
}

int ript_oauth_jwks_parse(ript_oauth_jwks **pjwks, const char *json, size_t len,
                          size_t max_len, const ript_mem *mem,
                          ript_parse_error *err) {
  if (!pjwks || (!json && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_oauth_jwks *set = ript_mem_calloc(mem, 1, sizeof(*set));
  if (!set)
    return RIPT_ERR_NOMEM;
  set->mem = mem;
  int rv = ript_doc_parse(json, len, max_len, err, mem, &set->store,
                          jwks_extract, set);
  if (rv != 0) {
    ript_mem_free(mem, set);
    return rv;
  }
  *pjwks = set;
  return 0;
}

void ript_oauth_jwks_del(ript_oauth_jwks *jwks) {
  if (!jwks)
    return;
  jwks_clear_keys(jwks);
  ript_doc_store_free(&jwks->store);
  ript_mem_free(jwks->mem, jwks);
}

size_t ript_oauth_jwks_len(const ript_oauth_jwks *jwks) {
  return jwks ? jwks->len : 0;
}

size_t ript_oauth_jwks_skipped(const ript_oauth_jwks *jwks) {
  return jwks ? jwks->skipped : 0;
}

const char *ript_oauth_jwks_kid(const ript_oauth_jwks *jwks, size_t i) {
  return jwks && i < jwks->len ? jwks->keys[i].kid : NULL;
}

ript_oauth_alg ript_oauth_jwks_alg(const ript_oauth_jwks *jwks, size_t i) {
  return jwks && i < jwks->len ? jwks->keys[i].alg : (ript_oauth_alg)0;
}

ript_ssize ript_oauth_jwks_find(const ript_oauth_jwks *jwks, const char *kid,
                                ript_oauth_alg alg) {
  if (!jwks || !kid ||
      (alg != RIPT_OAUTH_ALG_ES256 && alg != RIPT_OAUTH_ALG_RS256))
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < jwks->len; ++i)
    if (jwks->keys[i].alg == alg && strcmp(jwks->keys[i].kid, kid) == 0)
      return (ript_ssize)i;
  return RIPT_ERR_UNKNOWN_KEY;
}

/* ======================================================================
 * Writing
 * ==================================================================== */

/* Appends base64url of the 32-byte big-endian form of |v|. */
static int jwks_append_coord(ript_buf *out, const gnutls_datum_t *v) {
  uint8_t coord[RIPT_JWS_ES256_COORD_LEN];
  int rv = ript_jws_put_coord(coord, v);
  return rv != 0 ? rv : ript_base64url_encode(out, coord, sizeof(coord));
}

/* The base64url coordinates of |key|'s public point, "x" NUL "y" NUL. */
static int jwks_public_xy(const ript_stir_key *key, ript_buf *xy) {
  gnutls_pubkey_t pub;
  gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
  int grv = gnutls_pubkey_init(&pub);
  if (grv < 0)
    return jwks_gnutls_error(grv);
  grv = gnutls_pubkey_import_privkey(pub, key->priv, 0, 0);
  if (grv >= 0)
    grv = gnutls_pubkey_export_ecc_raw2(pub, NULL, &x, &y,
                                        GNUTLS_EXPORT_FLAG_NO_LZ);
  gnutls_pubkey_deinit(pub);
  int rv = grv < 0 ? jwks_gnutls_error(grv) : jwks_append_coord(xy, &x);
  if (rv == 0)
    rv = ript_buf_append(xy, "", 1);
  if (rv == 0)
    rv = jwks_append_coord(xy, &y);
  gnutls_free(x.data);
  gnutls_free(y.data);
  return rv;
}

/* One public JWK; *jwk is NULL on error. */
static int jwks_write_key(const ript_stir_key *key, const char *kid,
                          const ript_mem *mem, json_t **jwk) {
  ript_buf xy;
  ript_buf_init(&xy, mem);
  *jwk = NULL;
  int rv = jwks_public_xy(key, &xy);
  if (rv == 0) {
    const char *x = (const char *)xy.data;
    json_error_t jerr;
    *jwk = json_pack_ex(&jerr, 0, "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty",
                        "EC", "crv", "P-256", "kid", kid, "use", "sig", "alg",
                        "ES256", "x", x, "y", x + strlen(x) + 1);
    if (!*jwk)
      rv = json_error_code(&jerr) == json_error_invalid_utf8
               ? RIPT_ERR_INVALID_ARGUMENT
               : RIPT_ERR_NOMEM;
  }
  ript_buf_free(&xy);
  return rv;
}

static int jwks_write_args_ok(const ript_stir_key *const *keys,
                              const char *const *kids, size_t n) {
  if (!keys || !kids || n == 0)
    return 0;
  for (size_t i = 0; i < n; ++i) {
    if (!keys[i] || !kids[i] || !kids[i][0])
      return 0;
    for (size_t j = 0; j < i; ++j)
      if (strcmp(kids[i], kids[j]) == 0)
        return 0;
  }
  return 1;
}

int ript_oauth_jwks_write(const ript_stir_key *const *keys,
                          const char *const *kids, size_t n, ript_buf *out) {
  if (!out || !jwks_write_args_ok(keys, kids, n))
    return RIPT_ERR_INVALID_ARGUMENT;
  json_t *arr = json_array();
  int rv = arr ? 0 : RIPT_ERR_NOMEM;
  for (size_t i = 0; rv == 0 && i < n; ++i) {
    json_t *jwk;
    rv = jwks_write_key(keys[i], kids[i], out->mem, &jwk);
    if (rv == 0 && json_array_append_new(arr, jwk) != 0)
      rv = RIPT_ERR_NOMEM;
  }
  if (rv != 0) {
    json_decref(arr);
    return rv;
  }
  return ript_doc_dump_wrapped("keys", arr, out);
}

/*
 * PASSporT (RFC 8225) as RIPT carries it: a compact JWS with ES256, its
 * claims orig/dest/iat, and its signer's certificate named by x5u.
 */
#include <jansson.h>
#include <string.h>

#include "base64url.h"
#include "jws.h"
#include "ript_mem.h"
#include "stir_internal.h"

/* ======================================================================
 * RIPT destinations
 * ==================================================================== */

static int passport_is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The user part of a SIP URI (RFC 3261 "user": unreserved, escaped and
 * user-unreserved characters). */
static int passport_user_ok(const char *s, size_t len) {
  if (len == 0)
    return 0;
  for (size_t i = 0; i < len; ++i)
    if (!passport_is_alnum(s[i]) && !strchr("-_.!~*'()&=+$,;?/%", s[i]))
      return 0;
  return 1;
}

static int passport_domain_ok(const char *s) {
  if (!*s)
    return 0;
  for (; *s; ++s)
    if (!passport_is_alnum(*s) && *s != '-' && *s != '.')
      return 0;
  return 1;
}

/* What a RIPT destination is signed as: "+<digits>" -> dest tn,
 * "<user>@<domain>" -> dest uri "sip:<user>@<domain>"; -1 if neither. */
static int passport_dest_type(const char *destination) {
  if (destination[0] == '+') {
    char digits[RIPT_STIR_TN_BUFLEN];
    return ript_stir_tn_from_e164(destination, digits, sizeof(digits)) < 0
               ? -1
               : RIPT_STIR_DEST_TN;
  }
  const char *at = strchr(destination, '@');
  if (!at || !passport_user_ok(destination, (size_t)(at - destination)) ||
      !passport_domain_ok(at + 1))
    return -1;
  return RIPT_STIR_DEST_URI;
}

/* The dest claim value for a destination of type |type|, newly allocated. */
static char *passport_dest_value(const char *destination, int type,
                                 const ript_mem *mem) {
  if (type == RIPT_STIR_DEST_TN)
    return ript_mem_strdup(mem, destination + 1);
  size_t len = strlen(destination);
  char *uri = ript_mem_malloc(mem, len + 5);
  if (uri) {
    memcpy(uri, "sip:", 4);
    memcpy(uri + 4, destination, len + 1);
  }
  return uri;
}

/* x5u is a URL; RIPT keeps it to printable ASCII without spaces. */
static int passport_x5u_ok(const char *x5u) {
  if (!*x5u)
    return 0;
  for (; *x5u; ++x5u)
    if (*x5u < 0x21 || *x5u > 0x7e)
      return 0;
  return 1;
}

/* ======================================================================
 * Serialising
 * ==================================================================== */

static json_t *passport_header_json(const char *x5u) {
  return json_pack("{s:s, s:s, s:s}", "alg", "ES256", "typ", "passport",
                   "x5u", x5u);
}

/* {"tn":[...],"uri":[...]} with only the non-empty arrays. */
static json_t *passport_dest_json(const ript_stir_dest *dest, size_t ndest) {
  json_t *obj = json_object();
  json_t *arrays[2] = {json_array(), json_array()};
  int ok = obj && arrays[0] && arrays[1];
  for (size_t i = 0; ok && i < ndest; ++i)
    ok = json_array_append_new(arrays[dest[i].type],
                               json_string(dest[i].value)) == 0;
  if (ok && json_array_size(arrays[0]) > 0)
    ok = json_object_set(obj, "tn", arrays[0]) == 0;
  if (ok && json_array_size(arrays[1]) > 0)
    ok = json_object_set(obj, "uri", arrays[1]) == 0;
  json_decref(arrays[0]);
  json_decref(arrays[1]);
  if (!ok) {
    json_decref(obj);
    return NULL;
  }
  return obj;
}

static json_t *passport_payload_json(const char *orig, const ript_stir_dest *dest,
                                     size_t ndest, int64_t iat) {
  json_t *dest_json = passport_dest_json(dest, ndest);
  if (!dest_json)
    return NULL;
  /* "o" hands dest_json over to the new object, also when packing fails. */
  return json_pack("{s:o, s:I, s:{s:s}}", "dest", dest_json, "iat",
                   (json_int_t)iat, "orig", "tn", orig);
}

int ript_stir_passport_encode_input(ript_buf *out, const char *orig,
                                    const ript_stir_dest *dest, size_t ndest,
                                    int64_t iat, const char *x5u) {
  size_t start = out->len;
  int rv = ript_jws_append_json(out, passport_header_json(x5u));
  if (rv == 0)
    rv = ript_buf_append(out, ".", 1);
  if (rv == 0)
    rv = ript_jws_append_json(out,
                              passport_payload_json(orig, dest, ndest, iat));
  if (rv != 0)
    ript_jws_truncate(out, start);
  return rv;
}

static int passport_sign_into(ript_buf *out, const char *orig,
                              const ript_stir_dest *dest, int64_t iat,
                              const char *x5u, const ript_stir_key *key) {
  size_t start = out->len;
  int rv = ript_stir_passport_encode_input(out, orig, dest, 1, iat, x5u);
  if (rv == 0)
    rv = ript_jws_finish_es256(out, start, key->priv);
  return rv;
}

int ript_stir_passport_sign(const char *orig_e164, const char *destination,
                            int64_t iat, const char *x5u,
                            const ript_stir_key *key, ript_buf *out) {
  char orig[RIPT_STIR_TN_BUFLEN];
  if (!orig_e164 || !destination || !x5u || !key || !out || iat < 0 ||
      !passport_x5u_ok(x5u) ||
      ript_stir_tn_from_e164(orig_e164, orig, sizeof(orig)) < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int type = passport_dest_type(destination);
  if (type < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_stir_dest dest = {(ript_stir_dest_type)type,
                         passport_dest_value(destination, type, out->mem)};
  if (!dest.value)
    return RIPT_ERR_NOMEM;
  int rv = passport_sign_into(out, orig, &dest, iat, x5u, key);
  ript_mem_free(out->mem, dest.value);
  return rv;
}

/* ======================================================================
 * Parsing
 * ==================================================================== */

void ript_stir_passport_init(ript_stir_passport *pp, const ript_mem *mem) {
  memset(pp, 0, sizeof(*pp));
  pp->mem = mem;
}

void ript_stir_passport_free(ript_stir_passport *pp) {
  const ript_mem *mem = pp->mem;
  for (size_t i = 0; i < pp->ndest; ++i)
    ript_mem_free(mem, pp->dest[i].value);
  ript_mem_free(mem, pp->dest);
  ript_mem_free(mem, pp->orig);
  ript_mem_free(mem, pp->x5u);
  ript_mem_free(mem, pp->signing_input);
  ript_stir_passport_init(pp, mem);
}

static int passport_check_header(ript_stir_passport *pp, const json_t *header,
                                 size_t offset, ript_parse_error *err) {
  const char *alg = ript_jws_string(json_object_get(header, "alg"));
  if (!alg || strcmp(alg, "ES256") != 0)
    return ript_stir_parse_fail(err, offset, "header \"alg\": \"ES256\"");
  const json_t *typ = json_object_get(header, "typ");
  if (typ && !(ript_jws_string(typ) &&
               strcmp(json_string_value(typ), "passport") == 0))
    return ript_stir_parse_fail(err, offset,
                                "header \"typ\": \"passport\" or no typ");
  if (json_object_get(header, "ppt"))
    return ript_stir_parse_fail(err, offset, "a header without \"ppt\" (no "
                                             "PASSporT extension is "
                                             "supported)");
  if (json_object_get(header, "crit"))
    return ript_stir_parse_fail(err, offset, "a header without \"crit\"");
  const char *x5u = ript_jws_string(json_object_get(header, "x5u"));
  if (!x5u || !*x5u)
    return ript_stir_parse_fail(err, offset, "header \"x5u\": the signer's "
                                             "certificate URL");
  pp->x5u = ript_mem_strdup(pp->mem, x5u);
  return pp->x5u ? 0 : RIPT_ERR_NOMEM;
}

static int passport_add_dest(ript_stir_passport *pp, ript_stir_dest_type type,
                             const char *value) {
  char *copy = ript_mem_strdup(pp->mem, value);
  if (!copy)
    return RIPT_ERR_NOMEM;
  pp->dest[pp->ndest].type = type;
  pp->dest[pp->ndest].value = copy;
  ++pp->ndest;
  return 0;
}

/* Checks one of dest's arrays (absent is fine) and copies it into |pp|. */
static int passport_dest_array(ript_stir_passport *pp, const json_t *array,
                               ript_stir_dest_type type, size_t offset,
                               ript_parse_error *err) {
  if (!array)
    return 0;
  if (!json_is_array(array))
    return ript_stir_parse_fail(err, offset, "dest \"tn\" and \"uri\" as "
                                             "arrays of strings");
  for (size_t i = 0; i < json_array_size(array); ++i) {
    const char *v = ript_jws_string(json_array_get(array, i));
    if (!v || (type == RIPT_STIR_DEST_TN && !ript_stir_is_digits(v)) ||
        (type == RIPT_STIR_DEST_URI && !*v))
      return ript_stir_parse_fail(err, offset,
                                  "dest identities: canonical tn digits or "
                                  "non-empty uri strings");
    int rv = passport_add_dest(pp, type, v);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static int passport_check_dest(ript_stir_passport *pp, const json_t *payload,
                               size_t offset, ript_parse_error *err) {
  const json_t *dest = json_object_get(payload, "dest");
  const json_t *tn = json_object_get(dest, "tn");
  const json_t *uri = json_object_get(dest, "uri");
  if (!json_is_object(dest) ||
      json_array_size(tn) + json_array_size(uri) == 0)
    return ript_stir_parse_fail(err, offset, "payload \"dest\" with at least "
                                             "one tn or uri");
  size_t n = json_array_size(tn) + json_array_size(uri);
  pp->dest = ript_mem_calloc(pp->mem, n, sizeof(*pp->dest));
  if (!pp->dest)
    return RIPT_ERR_NOMEM;
  int rv = passport_dest_array(pp, tn, RIPT_STIR_DEST_TN, offset, err);
  if (rv == 0)
    rv = passport_dest_array(pp, uri, RIPT_STIR_DEST_URI, offset, err);
  return rv;
}

static int passport_check_payload(ript_stir_passport *pp, const json_t *payload,
                                  size_t offset, ript_parse_error *err) {
  const json_t *iat = json_object_get(payload, "iat");
  if (!json_is_integer(iat) || json_integer_value(iat) < 0)
    return ript_stir_parse_fail(err, offset, "payload \"iat\": an integer "
                                             ">= 0");
  pp->iat = (int64_t)json_integer_value(iat);
  const json_t *orig = json_object_get(payload, "orig");
  const char *tn = ript_jws_string(json_object_get(orig, "tn"));
  if (!json_is_object(orig) || !tn || !ript_stir_is_digits(tn))
    return ript_stir_parse_fail(err, offset, "payload \"orig\": {\"tn\": "
                                             "canonical digits}");
  pp->orig = ript_mem_strdup(pp->mem, tn);
  if (!pp->orig)
    return RIPT_ERR_NOMEM;
  return passport_check_dest(pp, payload, offset, err);
}

static int passport_take_signature(ript_stir_passport *pp,
                                   const ript_jws_part *sig,
                                   ript_parse_error *err) {
  uint8_t bytes[RIPT_JWS_ES256_SIG_LEN + 3];
  ript_parse_error b64err;
  if (sig->len != 86) /* ceil(64 * 4 / 3): anything else is not 64 bytes */
    return ript_stir_parse_fail(err, sig->offset, "an ES256 signature: 64 "
                                                  "bytes in 86 characters");
  ript_ssize n =
      ript_base64url_decode(bytes, sizeof(bytes), sig->text, sig->len, &b64err);
  if (n != RIPT_JWS_ES256_SIG_LEN)
    return ript_stir_parse_fail(err, sig->offset + b64err.offset,
                                b64err.expected);
  memcpy(pp->signature, bytes, RIPT_JWS_ES256_SIG_LEN);
  return 0;
}

static int passport_parse_parts(ript_stir_passport *pp,
                                const ript_jws_part parts[3],
                                ript_parse_error *err) {
  json_t *header = NULL, *payload = NULL;
  int rv = ript_jws_part_json(&parts[0], pp->mem, &header,
                              "a base64url JSON object header", err);
  if (rv == 0)
    rv = passport_check_header(pp, header, parts[0].offset, err);
  if (rv == 0)
    rv = ript_jws_part_json(&parts[1], pp->mem, &payload,
                            "a base64url JSON object payload", err);
  if (rv == 0)
    rv = passport_check_payload(pp, payload, parts[1].offset, err);
  if (rv == 0)
    rv = passport_take_signature(pp, &parts[2], err);
  json_decref(header);
  json_decref(payload);
  return rv;
}

int ript_stir_passport_parse(ript_stir_passport *pp, const char *jws,
                             size_t len, ript_parse_error *err) {
  if (!pp || (!jws && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_stir_passport_free(pp);
  ript_jws_part parts[3];
  int rv = ript_jws_split(jws, len, parts, err);
  if (rv == 0)
    rv = passport_parse_parts(pp, parts, err);
  if (rv == 0) {
    pp->signing_input_len = parts[2].offset - 1;
    pp->signing_input = ript_mem_strndup(pp->mem, jws, pp->signing_input_len);
    if (!pp->signing_input)
      rv = RIPT_ERR_NOMEM;
  }
  if (rv != 0)
    ript_stir_passport_free(pp);
  return rv;
}

/* ======================================================================
 * Verifying
 * ==================================================================== */

static int passport_check_signature(const ript_stir_passport *pp,
                                    const ript_stir_cert *cert) {
  gnutls_pubkey_t pub;
  int grv = gnutls_pubkey_init(&pub);
  if (grv < 0)
    return ript_stir_gnutls_error(grv);
  int rv = RIPT_ERR_SIGNATURE;
  grv = gnutls_pubkey_import_x509(pub, cert->crt, 0);
  if (grv == GNUTLS_E_MEMORY_ERROR)
    rv = RIPT_ERR_NOMEM;
  if (grv >= 0 && ript_stir_pubkey_is_p256(pub))
    rv = ript_jws_es256_verify(pub, pp->signing_input, pp->signing_input_len,
                               pp->signature);
  gnutls_pubkey_deinit(pub);
  return rv;
}

/* |now - iat| > max_age, without overflow for any int64 now. */
static int passport_is_stale(int64_t iat, int64_t now, int64_t max_age) {
  uint64_t diff = now >= iat ? (uint64_t)now - (uint64_t)iat
                             : (uint64_t)iat - (uint64_t)now;
  return diff > (uint64_t)max_age;
}

int ript_stir_passport_verify(const ript_stir_passport *pp,
                              const ript_stir_cert *cert, int64_t now,
                              int64_t max_age_s) {
  if (!pp || !cert || !pp->signing_input || !pp->orig || max_age_s < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = passport_check_signature(pp, cert);
  if (rv != 0)
    return rv;
  if (passport_is_stale(pp->iat, now, max_age_s))
    return RIPT_ERR_STALE;
  const ript_stir_tnauth *tnauth = ript_stir_cert_tnauth(cert);
  if (!tnauth || ript_stir_tnauth_covers(tnauth, pp->orig) != 1)
    return RIPT_ERR_NOT_COVERED;
  return 0;
}

int ript_stir_passport_check_dest(const ript_stir_passport *pp,
                                  const char *destination) {
  if (!pp || !destination)
    return RIPT_ERR_INVALID_ARGUMENT;
  int type = passport_dest_type(destination);
  if (type < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (pp->ndest != 1 || (int)pp->dest[0].type != type)
    return RIPT_ERR_MISMATCH;
  const char *value = pp->dest[0].value;
  if (type == RIPT_STIR_DEST_TN)
    return strcmp(value, destination + 1) == 0 ? 0 : RIPT_ERR_MISMATCH;
  return strncmp(value, "sip:", 4) == 0 && strcmp(value + 4, destination) == 0
             ? 0
             : RIPT_ERR_MISMATCH;
}

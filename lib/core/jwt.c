/*
 * OAuth 2.0 JWT access tokens (RFC 9068 profile of RFC 7519): verifying
 * them against the issuers a server accepts, and minting ES256 ones for a
 * development authorization server.
 */
#include <string.h>

#include "base64url.h"
#include "jws.h"
#include "oauth_internal.h"
#include "ript_mem.h"
#include "stir_internal.h"

/* error_description texts (RFC 6750 §3: no '"' or '\'). */
#define JWT_WHY_MALFORMED "malformed access token"

/* Claims ript_oauth_sign writes itself. */
static const char *const jwt_registered[] = {
    "aud", "client_id", "exp", "iat", "iss", "jti", "scope", "sub"};

/* A token taken apart; the strings point into |header| and |claims|. */
typedef struct jwt_parsed {
  ript_jws_part parts[3];
  json_t *header;
  json_t *claims;
  ript_oauth_alg alg;
  const char *kid;
  const char *typ; /* NULL when absent */
  const char *iss;
  const json_t *aud;
  int64_t exp;
  int64_t nbf;       /* -1 when absent */
  int64_t iat;       /* -1 when absent */
  const char *scope; /* NULL when absent */
  uint8_t sig[RIPT_OAUTH_MAX_SIG_LEN];
  size_t siglen; /* 0 when longer than any key's signatures */
} jwt_parsed;

/* ======================================================================
 * Taking a token apart
 * ==================================================================== */

static int jwt_header(jwt_parsed *p, const ript_mem *mem, ript_parse_error *err,
                      const char **why) {
  size_t at = p->parts[0].offset;
  int rv = ript_jws_part_json(&p->parts[0], mem, &p->header,
                              "a base64url JSON object header", err);
  if (rv != 0)
    return rv;
  const char *alg = ript_jws_string(json_object_get(p->header, "alg"));
  if (!alg)
    return ript_jws_fail(err, at, "header \"alg\": a string");
  if (strcmp(alg, "ES256") == 0) {
    p->alg = RIPT_OAUTH_ALG_ES256;
  } else if (strcmp(alg, "RS256") == 0) {
    p->alg = RIPT_OAUTH_ALG_RS256;
  } else {
    *why = "unsupported signature algorithm";
    return RIPT_ERR_SIGNATURE;
  }
  p->kid = ript_jws_string(json_object_get(p->header, "kid"));
  if (!p->kid || !*p->kid)
    return ript_jws_fail(err, at, "header \"kid\": a non-empty string");
  const json_t *typ = json_object_get(p->header, "typ");
  p->typ = ript_jws_string(typ);
  if (typ && !p->typ)
    return ript_jws_fail(err, at, "header \"typ\": a string");
  if (json_object_get(p->header, "crit"))
    return ript_jws_fail(err, at, "a header without \"crit\"");
  return 0;
}

/* A NumericDate (RFC 7519 §2) >= 0 as whole seconds, fractions rounded
 * up: with whole-second clocks, now < exp and now >= nbf then hold exactly
 * when they hold for the fractional value. Returns 0, or -1 for anything
 * else. */
static int jwt_date(const json_t *v, int64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (int64_t)json_integer_value(v);
    return 0;
  }
  double d = json_is_real(v) ? json_real_value(v) : -1.0;
  if (!(d >= 0.0 && d < 9223372036854775808.0)) /* [0, 2^63) */
    return -1;
  int64_t whole = (int64_t)d;
  *out = (double)whole < d ? whole + 1 : whole;
  return 0;
}

/* An optional NumericDate: -1 when absent. */
static int jwt_optional_date(const json_t *v, int64_t *out) {
  *out = -1;
  return v ? jwt_date(v, out) : 0;
}

static int jwt_aud_ok(const json_t *aud) {
  if (json_is_string(aud))
    return 1;
  if (!json_is_array(aud))
    return 0;
  for (size_t i = 0; i < json_array_size(aud); ++i)
    if (!json_is_string(json_array_get(aud, i)))
      return 0;
  return 1;
}

static int jwt_claims(jwt_parsed *p, const ript_mem *mem,
                      ript_parse_error *err) {
  size_t at = p->parts[1].offset;
  int rv = ript_jws_part_json(&p->parts[1], mem, &p->claims,
                              "a base64url JSON object claims set", err);
  if (rv != 0)
    return rv;
  const json_t *c = p->claims;
  p->iss = ript_jws_string(json_object_get(c, "iss"));
  if (!p->iss)
    return ript_jws_fail(err, at, "claim \"iss\": a string");
  p->aud = json_object_get(c, "aud");
  if (!jwt_aud_ok(p->aud))
    return ript_jws_fail(err, at,
                         "claim \"aud\": a string or an array of "
                         "strings");
  if (jwt_date(json_object_get(c, "exp"), &p->exp) != 0)
    return ript_jws_fail(err, at, "claim \"exp\": a NumericDate");
  if (jwt_optional_date(json_object_get(c, "nbf"), &p->nbf) != 0)
    return ript_jws_fail(err, at, "claim \"nbf\": a NumericDate");
  if (jwt_optional_date(json_object_get(c, "iat"), &p->iat) != 0)
    return ript_jws_fail(err, at, "claim \"iat\": a NumericDate");
  const json_t *scope = json_object_get(c, "scope");
  p->scope = ript_jws_string(scope);
  if (scope && !p->scope)
    return ript_jws_fail(err, at, "claim \"scope\": a string");
  return 0;
}

/* Decodes the signature part; one too long for any key is kept as length
 * 0, which no key accepts. */
static int jwt_signature(jwt_parsed *p, ript_parse_error *err) {
  const ript_jws_part *part = &p->parts[2];
  p->siglen = 0;
  if (ript_base64url_decoded_len(part->len) > sizeof(p->sig))
    return 0;
  ript_parse_error b64err;
  ript_ssize n = ript_base64url_decode(p->sig, sizeof(p->sig), part->text,
                                       part->len, &b64err);
  if (n < 0)
    return ript_jws_fail(err, part->offset + b64err.offset, b64err.expected);
  p->siglen = (size_t)n;
  return 0;
}

static int jwt_parse(jwt_parsed *p, const char *token, size_t len,
                     const ript_mem *mem, ript_parse_error *err,
                     const char **why) {
  int rv = ript_jws_split(token, len, p->parts, err);
  if (rv == 0)
    rv = jwt_header(p, mem, err, why);
  if (rv == 0)
    rv = jwt_claims(p, mem, err);
  if (rv == 0)
    rv = jwt_signature(p, err);
  return rv;
}

/* ======================================================================
 * Judging it
 * ==================================================================== */

static char jwt_lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int jwt_equal_nocase(const char *a, const char *b) {
  for (; *a && jwt_lower(*a) == jwt_lower(*b); ++a, ++b)
    ;
  return *a == '\0' && *b == '\0';
}

/* RFC 9068 §4 and RFC 7515 §4.1.9: a media type, "application/" optional,
 * compared without regard to case. */
static int jwt_typ_ok(const char *typ, unsigned flags) {
  int legacy = (flags & RIPT_OAUTH_FLAG_LEGACY_TYP) != 0;
  if (!typ)
    return legacy;
  static const char prefix[] = "application/";
  size_t n = sizeof(prefix) - 1;
  size_t i = 0;
  while (i < n && typ[i] && jwt_lower(typ[i]) == prefix[i])
    ++i;
  const char *subtype = i == n ? typ + n : typ;
  return jwt_equal_nocase(subtype, "at+jwt") ||
         (legacy && jwt_equal_nocase(subtype, "jwt"));
}

/* The first issuer named |iss|, or NULL. */
static const ript_oauth_issuer *jwt_issuer(const ript_oauth_issuer *issuers,
                                           size_t n, const char *iss,
                                           size_t *index) {
  for (size_t i = 0; i < n; ++i)
    if (strcmp(issuers[i].issuer, iss) == 0) {
      *index = i;
      return &issuers[i];
    }
  return NULL;
}

/* The key the header selects; checks the signature with it. */
static int jwt_check_signature(const ript_oauth_jwks *jwks, const jwt_parsed *p,
                               const char **why) {
  const ript_oauth_jwk *key = NULL;
  int other_alg = 0;
  for (size_t i = 0; !key && i < jwks->len; ++i) {
    if (strcmp(jwks->keys[i].kid, p->kid) != 0)
      continue;
    if (jwks->keys[i].alg == p->alg)
      key = &jwks->keys[i];
    else
      other_alg = 1;
  }
  if (!key) {
    *why = other_alg ? "signature algorithm does not match the key"
                     : "unknown signing key";
    return other_alg ? RIPT_ERR_SIGNATURE : RIPT_ERR_UNKNOWN_KEY;
  }
  *why = "invalid signature";
  if (p->siglen != key->siglen)
    return RIPT_ERR_SIGNATURE;
  const char *input = p->parts[0].text;
  size_t len = p->parts[2].offset - 1;
  return p->alg == RIPT_OAUTH_ALG_ES256
             ? ript_jws_es256_verify(key->pub, input, len, p->sig)
             : ript_jws_rs256_verify(key->pub, input, len, p->sig, p->siglen);
}

static int jwt_aud_holds(const json_t *aud, const char *audience) {
  if (json_is_string(aud))
    return strcmp(json_string_value(aud), audience) == 0;
  for (size_t i = 0; i < json_array_size(aud); ++i)
    if (strcmp(json_string_value(json_array_get(aud, i)), audience) == 0)
      return 1;
  return 0;
}

/* The customer claim's value, or NULL if it is absent, not a string or
 * empty. */
static const char *jwt_customer(const ript_oauth_issuer *iss,
                                const jwt_parsed *p) {
  const char *v =
      ript_jws_string(json_object_get(p->claims, iss->customer_claim));
  return v && *v ? v : NULL;
}

static int jwt_check_claims(const ript_oauth_issuer *iss, const jwt_parsed *p,
                            int64_t now, const char **why) {
  if (!jwt_aud_holds(p->aud, iss->audience)) {
    *why = "wrong audience";
    return RIPT_ERR_MISMATCH;
  }
  if (!jwt_customer(iss, p)) {
    *why = "no customer claim in the token";
    return RIPT_ERR_MISMATCH;
  }
  /* exp + skew and nbf - skew stay in range: both dates are >= 0. */
  if (p->exp <= INT64_MAX - iss->skew_s && now >= p->exp + iss->skew_s) {
    *why = "token expired";
    return RIPT_ERR_STALE;
  }
  if (p->nbf >= 0 && now < p->nbf - iss->skew_s) {
    *why = "token not yet valid";
    return RIPT_ERR_STALE;
  }
  return 0;
}

static int jwt_judge(const ript_oauth_issuer *issuers, size_t nissuers,
                     const jwt_parsed *p, int64_t now, size_t *index,
                     const char **why) {
  const ript_oauth_issuer *iss = jwt_issuer(issuers, nissuers, p->iss, index);
  if (!iss) {
    *why = "unknown issuer";
    return RIPT_ERR_MISMATCH;
  }
  if (!jwt_typ_ok(p->typ, iss->flags)) {
    *why = "not an access token (typ is not at+jwt)";
    return RIPT_ERR_MISMATCH;
  }
  int rv = jwt_check_signature(iss->jwks, p, why);
  return rv != 0 ? rv : jwt_check_claims(iss, p, now, why);
}

/* ======================================================================
 * Verifying: the public functions
 * ==================================================================== */

void ript_oauth_issuer_init(ript_oauth_issuer *iss) {
  memset(iss, 0, sizeof(*iss));
  iss->customer_claim = RIPT_OAUTH_DEFAULT_CUSTOMER_CLAIM;
  iss->skew_s = RIPT_OAUTH_DEFAULT_SKEW;
}

void ript_oauth_token_init(ript_oauth_token *tok, const ript_mem *mem) {
  memset(tok, 0, sizeof(*tok));
  tok->iat = -1;
  tok->mem = mem;
}

void ript_oauth_token_free(ript_oauth_token *tok) {
  ript_mem_free(tok->mem, tok->customer);
  ript_mem_free(tok->mem, tok->scope);
  ript_oauth_token_init(tok, tok->mem);
}

static int jwt_issuers_ok(const ript_oauth_issuer *issuers, size_t n) {
  if (!issuers || n == 0)
    return 0;
  for (size_t i = 0; i < n; ++i) {
    const ript_oauth_issuer *iss = &issuers[i];
    if (!iss->issuer || !*iss->issuer || !iss->audience || !*iss->audience ||
        !iss->customer_claim || !*iss->customer_claim || !iss->jwks ||
        iss->skew_s < 0 || (iss->flags & ~RIPT_OAUTH_FLAG_LEGACY_TYP) != 0)
      return 0;
  }
  return 1;
}

static int jwt_fill(ript_oauth_token *out, const ript_oauth_issuer *iss,
                    size_t index, const jwt_parsed *p) {
  out->issuer = index;
  out->customer = ript_mem_strdup(out->mem, jwt_customer(iss, p));
  out->scope = ript_mem_strdup(out->mem, p->scope ? p->scope : "");
  out->exp = p->exp;
  out->iat = p->iat;
  return out->customer && out->scope ? 0 : RIPT_ERR_NOMEM;
}

/* Whether |rv| is a verdict on the token (rather than on the call). */
static int jwt_is_refusal(int rv) {
  return rv == RIPT_ERR_PARSE || rv == RIPT_ERR_SIGNATURE ||
         rv == RIPT_ERR_UNKNOWN_KEY || rv == RIPT_ERR_MISMATCH ||
         rv == RIPT_ERR_STALE;
}

int ript_oauth_verify(const ript_oauth_issuer *issuers, size_t nissuers,
                      const char *token, size_t len, int64_t now_s,
                      ript_oauth_token *out, ript_parse_error *err) {
  if (!out)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_oauth_token_free(out);
  if ((!token && len > 0) || !jwt_issuers_ok(issuers, nissuers))
    return RIPT_ERR_INVALID_ARGUMENT;
  jwt_parsed p;
  memset(&p, 0, sizeof(p));
  const char *why = JWT_WHY_MALFORMED;
  size_t index = 0;
  int rv = jwt_parse(&p, token ? token : "", len, out->mem, err, &why);
  if (rv == 0)
    rv = jwt_judge(issuers, nissuers, &p, now_s, &index, &why);
  if (rv == 0)
    rv = jwt_fill(out, &issuers[index], index, &p);
  json_decref(p.header);
  json_decref(p.claims);
  if (rv != 0) {
    ript_oauth_token_free(out);
    out->error_description = jwt_is_refusal(rv) ? why : NULL;
  }
  return rv;
}

int ript_oauth_token_has_scope(const ript_oauth_token *tok, const char *scope) {
  if (!tok || !scope || !*scope || strchr(scope, ' '))
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t n = strlen(scope);
  for (const char *s = tok->scope; s && *s;) {
    size_t len = strcspn(s, " ");
    if (len == n && memcmp(s, scope, n) == 0)
      return 1;
    s += len + (s[len] == ' ');
  }
  return 0;
}

/* ======================================================================
 * Minting
 * ==================================================================== */

static int jwt_nonempty(const char *s) { return s && *s; }

static int jwt_claims_ok(const ript_oauth_claims *c) {
  if (!jwt_nonempty(c->issuer) || !jwt_nonempty(c->audience) ||
      !jwt_nonempty(c->subject) || !jwt_nonempty(c->client_id) ||
      !jwt_nonempty(c->jti) || c->iat < 0 || c->exp <= c->iat ||
      !c->customer_claim != !c->customer)
    return 0;
  if (!c->customer_claim)
    return 1;
  if (!*c->customer_claim || !*c->customer)
    return 0;
  for (size_t i = 0; i < sizeof(jwt_registered) / sizeof(*jwt_registered); ++i)
    if (strcmp(c->customer_claim, jwt_registered[i]) == 0)
      return 0;
  return 1;
}

/* A failed json_pack_ex: bad UTF-8 is the caller's, the rest is memory. */
static int jwt_pack_error(const json_error_t *e) {
  return json_error_code(e) == json_error_invalid_utf8
             ? RIPT_ERR_INVALID_ARGUMENT
             : RIPT_ERR_NOMEM;
}

static int jwt_header_json(const char *kid, json_t **out) {
  json_error_t e;
  *out = json_pack_ex(&e, 0, "{s:s, s:s, s:s}", "alg", "ES256", "kid", kid,
                      "typ", "at+jwt");
  return *out ? 0 : jwt_pack_error(&e);
}

static int jwt_claims_json(const ript_oauth_claims *c, json_t **out) {
  json_error_t e;
  *out = json_pack_ex(&e, 0, "{s:s, s:s, s:I, s:I, s:s, s:s, s:s*, s:s}", "aud",
                      c->audience, "client_id", c->client_id, "exp",
                      (json_int_t)c->exp, "iat", (json_int_t)c->iat, "iss",
                      c->issuer, "jti", c->jti, "scope", c->scope, "sub",
                      c->subject);
  if (!*out)
    return jwt_pack_error(&e);
  if (!c->customer_claim)
    return 0;
  json_t *extra = json_pack_ex(&e, 0, "{s:s}", c->customer_claim, c->customer);
  int rv = !extra                            ? jwt_pack_error(&e)
           : json_object_update(*out, extra) ? RIPT_ERR_NOMEM
                                             : 0;
  json_decref(extra);
  if (rv != 0) {
    json_decref(*out);
    *out = NULL;
  }
  return rv;
}

int ript_oauth_sign(const ript_oauth_claims *claims, const char *kid,
                    const ript_stir_key *key, ript_buf *out) {
  if (!claims || !jwt_nonempty(kid) || !key || !out || !jwt_claims_ok(claims))
    return RIPT_ERR_INVALID_ARGUMENT;
  json_t *header = NULL, *payload = NULL;
  int rv = jwt_header_json(kid, &header);
  if (rv == 0)
    rv = jwt_claims_json(claims, &payload);
  if (rv != 0) {
    json_decref(header);
    return rv;
  }
  size_t start = out->len;
  rv = ript_jws_append_json(out, header);
  if (rv == 0)
    rv = ript_buf_append(out, ".", 1);
  if (rv == 0) {
    rv = ript_jws_append_json(out, payload);
    payload = NULL;
  }
  json_decref(payload);
  if (rv == 0)
    return ript_jws_finish_es256(out, start, key->priv);
  ript_jws_truncate(out, start);
  return rv;
}

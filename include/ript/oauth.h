/*
 * ript/oauth.h - OAuth 2.0 access tokens as a RIPT server checks them:
 * JWT access tokens (RFC 9068 profile of RFC 7519) signed ES256 or RS256,
 * verified with the authorization server's JSON Web Key Set (RFC 7517).
 * docs/examples/oauth.md has a worked example of each piece.
 *
 * How riptd uses these (draft-rosenberg-dispatch-ript §8.2, §9.1):
 *   at start and on every re-fetch of an issuer's JWKS (file or https URL;
 *   the fetching is riptd's): ript_oauth_jwks_parse, then point the
 *   issuer's ript_oauth_issuer.jwks at the new set and delete the old one
 *   (key rotation: a token naming a kid the old set had but the new one
 *   lacks is refused from then on). A RIPT_ERR_UNKNOWN_KEY answer is the
 *   hint that the issuer may have rotated and the set deserves a re-fetch.
 *   per request: the bearer token from "Authorization: Bearer <token>"
 *   -> ript_oauth_verify -> on success the customer and
 *   ript_oauth_token_has_scope decide; on failure the code and
 *   ript_oauth_token.error_description make the RFC 6750 answer:
 *     RIPT_ERR_PARSE, _SIGNATURE, _UNKNOWN_KEY, _MISMATCH, _STALE
 *         401 with WWW-Authenticate: Bearer error="invalid_token",
 *         error_description="<error_description>";
 *     a missing scope (ript_oauth_token_has_scope() == 0)
 *         403 with error="insufficient_scope", scope="<needed>".
 *   riptd --dev, acting as a tiny authorization server: a key from
 *   ript_stir_key_generate, ript_oauth_jwks_write to publish it, and
 *   ript_oauth_sign per client-credentials grant.
 *
 * Sans-I/O: no clock (|now_s| is Unix seconds from the caller), no network,
 * no files. Crypto is GnuTLS; JSON is jansson. GnuTLS and jansson allocate
 * their own short-lived memory; a ript_mem governs what libript keeps.
 *
 * Thread-safety: no global state. Objects are not synchronised: calls on
 * distinct objects may run in parallel; calls on one object, including a
 * key set that several verifications read, need the caller's locking.
 */
#ifndef RIPT_OAUTH_H
#define RIPT_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"
#include "ript/stir.h"

/* Clock skew allowed by default on "exp" and "nbf", in seconds. */
#define RIPT_OAUTH_DEFAULT_SKEW 60
/* RSA keys outside these sizes (in bits) are skipped when a JWKS is read. */
#define RIPT_OAUTH_RSA_MIN_BITS 2048
#define RIPT_OAUTH_RSA_MAX_BITS 8192
/* The claim that names the customer unless an issuer says otherwise. */
#define RIPT_OAUTH_DEFAULT_CUSTOMER_CLAIM "sub"

/* The JWS algorithms accepted; never "none", never HS*. */
typedef enum ript_oauth_alg {
  RIPT_OAUTH_ALG_ES256 = 1, /* ECDSA P-256 SHA-256: JWK kty "EC" */
  RIPT_OAUTH_ALG_RS256 = 2  /* RSASSA-PKCS1-v1_5 SHA-256: JWK kty "RSA" */
} ript_oauth_alg;

/* ------------------------------------------------------------------------
 * JSON Web Key Sets (RFC 7517 §5)
 * ---------------------------------------------------------------------- */

/* An issuer's signature keys; opaque, read-only once parsed. */
typedef struct ript_oauth_jwks ript_oauth_jwks;

/*
 * Parses a JWK Set document {"keys": [JWK, ...]} into a new key set in
 * |*pjwks| (free with ript_oauth_jwks_del). Each JWK is
 *   used:     kty "EC" with crv "P-256" and x, y (base64url, exactly 32
 *             bytes each, a point on the curve) -> an ES256 key;
 *             kty "RSA" with n and e (base64url, big-endian without
 *             leading zero bytes; n odd; e odd, >= 3, at most 8 bytes) of
 *             RIPT_OAUTH_RSA_MIN_BITS to _MAX_BITS bits -> an RS256 key;
 *             either needs a "kid" (a non-empty string), and a "use", if
 *             present, of "sig" and an "alg", if present, of "ES256"
 *             (EC) or "RS256" (RSA);
 *   skipped:  (counted by ript_oauth_jwks_skipped, otherwise ignored)
 *             another kty ("oct", "OKP", ...), another curve, an RSA size
 *             outside the range, a "use" other than "sig", an "alg" of
 *             the key's own family other than the one above ("ES384",
 *             "PS256", "RSA-OAEP", ...), or no "kid" (it cannot be
 *             looked up);
 *   refused:  (RIPT_ERR_PARSE) anything else for kty "EC" or "RSA": a
 *             member missing or of the wrong type, bad base64url, wrong
 *             sizes, a point off the curve, an "alg" of another family
 *             (an RSA key claiming "ES256", anything claiming "HS256" or
 *             "none"), an empty "kid", a private key (a "d" member), or a
 *             second key of the same type with the same kid.
 * Members not named here (x5c, key_ops, ...) are ignored. A set may hold
 * no usable key. |max_len| bounds the document (0: 65536 bytes).
 * Returns 0, or
 *   RIPT_ERR_PARSE   |err|: the offset of the offending JSON value (of
 *                    the JWK or document when a member is missing) and
 *                    what was expected there; jansson's position for
 *                    syntax errors;
 *   RIPT_ERR_LIMIT   |len| > |max_len| (offset |max_len|), or nesting
 *                    deeper than 16;
 *   RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO (GnuTLS failed), or
 *   RIPT_ERR_INVALID_ARGUMENT (NULL |pjwks|, NULL |json| with |len| > 0).
 * |err| may be NULL. Nothing is kept of |json|.
 */
int ript_oauth_jwks_parse(ript_oauth_jwks **pjwks, const char *json, size_t len,
                          size_t max_len, const ript_mem *mem,
                          ript_parse_error *err);

/* Frees the set. NULL is a no-op. */
void ript_oauth_jwks_del(ript_oauth_jwks *jwks);

/* The number of usable keys, in document order. */
size_t ript_oauth_jwks_len(const ript_oauth_jwks *jwks);

/* The number of JWKs skipped (see ript_oauth_jwks_parse). */
size_t ript_oauth_jwks_skipped(const ript_oauth_jwks *jwks);

/* Key |i|'s kid (valid while the set lives), or NULL if |i| is out of
 * range. */
const char *ript_oauth_jwks_kid(const ript_oauth_jwks *jwks, size_t i);

/* Key |i|'s algorithm, or 0 if |i| is out of range. */
ript_oauth_alg ript_oauth_jwks_alg(const ript_oauth_jwks *jwks, size_t i);

/*
 * Looks a key up as a token header selects it: by kid and by algorithm.
 * Returns its index, RIPT_ERR_UNKNOWN_KEY if no key has that kid and
 * algorithm, or RIPT_ERR_INVALID_ARGUMENT (NULL pointers, unknown |alg|).
 */
ript_ssize ript_oauth_jwks_find(const ript_oauth_jwks *jwks, const char *kid,
                                ript_oauth_alg alg);

/*
 * Appends the public JWK Set of |n| >= 1 P-256 keys, key i under kid
 * |kids[i]| (non-empty, pairwise distinct, valid UTF-8), as an
 * authorization server publishes it (during a rotation, the old and the
 * new key). Each key is {"kty": "EC", "crv": "P-256", "kid", "use": "sig",
 * "alg": "ES256", "x", "y"} in that order; the document is
 * pretty-printed with two-space indents and no final newline, so equal
 * keys give equal bytes, and ript_oauth_jwks_parse reads it back. Returns
 * 0, RIPT_ERR_INVALID_ARGUMENT (NULL pointers, n == 0, a bad or repeated
 * kid), RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO; |out| is unchanged on error.
 */
int ript_oauth_jwks_write(const ript_stir_key *const *keys,
                          const char *const *kids, size_t n, ript_buf *out);

/* ------------------------------------------------------------------------
 * Verifying access tokens
 * ---------------------------------------------------------------------- */

/* Also accept a token without "typ", or with typ "JWT" or
 * "application/jwt", from this issuer: for authorization servers that
 * predate RFC 9068. Off by default: §4 of RFC 9068 has resource servers
 * refuse anything but "at+jwt". */
#define RIPT_OAUTH_FLAG_LEGACY_TYP 0x01u

/*
 * One authorization server whose tokens the caller accepts. All pointers
 * are borrowed for the duration of each ript_oauth_verify call.
 */
typedef struct ript_oauth_issuer {
  const char *issuer;          /* "iss", compared exactly (required) */
  const char *audience;        /* this server's RIPT root URI, which "aud"
                                  must hold (required) */
  const ript_oauth_jwks *jwks; /* the issuer's current keys (required) */
  const char *customer_claim;  /* the claim naming the customer, a string
                                  claim (required; init: "sub") */
  int64_t skew_s;              /* leeway on exp and nbf, >= 0 (init:
                                  RIPT_OAUTH_DEFAULT_SKEW) */
  unsigned flags;              /* RIPT_OAUTH_FLAG_* */
} ript_oauth_issuer;

/* Sets the defaults: NULL issuer, audience and jwks, customer claim
 * RIPT_OAUTH_DEFAULT_CUSTOMER_CLAIM, skew RIPT_OAUTH_DEFAULT_SKEW, no
 * flags. Call it before filling a struct, so that later fields keep
 * working defaults. */
void ript_oauth_issuer_init(ript_oauth_issuer *iss);

/*
 * A verified token, or the reason one was refused. The caller owns the
 * struct (init/free); the strings are owned by it and valid until the next
 * verify or free.
 */
typedef struct ript_oauth_token {
  size_t issuer;  /* index of the issuer (in ript_oauth_verify's array)
                     that issued it */
  char *customer; /* the value of that issuer's customer claim */
  char *scope;    /* the "scope" claim, "" when absent */
  int64_t exp;    /* "exp", Unix seconds */
  int64_t iat;    /* "iat", or -1 when absent */
  /* After a refusal (RIPT_ERR_PARSE, _SIGNATURE, _UNKNOWN_KEY, _MISMATCH,
   * _STALE): a short static English reason, e.g. "token expired", fit for
   * RFC 6750's error_description (ASCII without '"' or '\'). NULL after
   * success and after other errors. */
  const char *error_description;
  const ript_mem *mem;
} ript_oauth_token;

/* Initialises an empty token that allocates with |mem| (NULL: default). */
void ript_oauth_token_init(ript_oauth_token *tok, const ript_mem *mem);

/* Frees the strings; the struct is empty and may be reused. */
void ript_oauth_token_free(ript_oauth_token *tok);

/*
 * Verifies the compact JWS access token |token| (|len| bytes, without the
 * "Bearer " prefix) at |now_s| against |nissuers| >= 1 issuers; the
 * token's "iss" selects the first issuer with that exact name. Replaces
 * the contents of the initialised |out|. The checks, in this order, and
 * what each refusal returns:
 *   RIPT_ERR_PARSE       not three base64url parts (unpadded, canonical),
 *                        or a header that is not a JSON object with a
 *                        string "alg" (duplicate member names are refused
 *                        in header and claims);
 *   RIPT_ERR_SIGNATURE   "alg" is neither "ES256" nor "RS256" ("none",
 *                        "HS256", ...);
 *   RIPT_ERR_PARSE       no non-empty string "kid", a "typ" that is not a
 *                        string, a "crit" member; claims that are not a
 *                        JSON object with a string "iss", an "aud" that is
 *                        a string or an array of strings, an "exp" and, if
 *                        present, "nbf" and "iat" that are NumericDates
 *                        (numbers >= 0, below 2^63; fractions round up),
 *                        and a "scope", if present, that is a string; a
 *                        signature part that is not base64url;
 *   RIPT_ERR_MISMATCH    no issuer has that "iss";
 *   RIPT_ERR_MISMATCH    "typ" is not "at+jwt" or "application/at+jwt"
 *                        (compared case-insensitively; see
 *                        RIPT_OAUTH_FLAG_LEGACY_TYP for absent ones);
 *   RIPT_ERR_UNKNOWN_KEY the issuer's JWKS has no key with that kid;
 *   RIPT_ERR_SIGNATURE   the key with that kid is of the other algorithm,
 *                        the signature's length is wrong (ES256: 64 bytes
 *                        r || s; RS256: the modulus size), or it does not
 *                        verify;
 *   RIPT_ERR_MISMATCH    "aud" does not hold the issuer's audience, or the
 *                        issuer's customer claim is absent, not a string,
 *                        or empty;
 *   RIPT_ERR_STALE       now_s >= exp + skew (expired), or now_s < nbf -
 *                        skew (not yet valid).
 * "iat" is returned, never judged; other claims (sub, client_id, jti, ...)
 * and header members (jku, x5u, ...) are ignored: keys come only from the
 * issuer's JWKS. Returns 0 (|out| filled), those codes (|out| empty but
 * for error_description; |err|, which may be NULL, says where and what
 * for RIPT_ERR_PARSE: the offset in |token| of the part at fault or of the
 * bad base64url character), RIPT_ERR_NOMEM, or RIPT_ERR_INVALID_ARGUMENT (NULL
 * pointers, |nissuers| 0, an issuer with a NULL or empty issuer, audience or
 * customer claim, a NULL jwks, a negative skew or unknown flags).
 */
int ript_oauth_verify(const ript_oauth_issuer *issuers, size_t nissuers,
                      const char *token, size_t len, int64_t now_s,
                      ript_oauth_token *out, ript_parse_error *err);

/*
 * Whether the verified token's space-separated "scope" holds |scope|
 * exactly (RFC 6749 §3.3 scope tokens are case-sensitive). Returns 1, 0,
 * or RIPT_ERR_INVALID_ARGUMENT (NULL pointers, or |scope| empty or holding
 * a space).
 */
int ript_oauth_token_has_scope(const ript_oauth_token *tok, const char *scope);

/* ------------------------------------------------------------------------
 * Minting access tokens (development authorization server, tests)
 * ---------------------------------------------------------------------- */

/* The claims of a token to mint; strings are valid UTF-8, read during the
 * call only. */
typedef struct ript_oauth_claims {
  const char *issuer;    /* "iss" (required, non-empty) */
  const char *audience;  /* "aud", one resource server (required) */
  const char *subject;   /* "sub" (required) */
  const char *client_id; /* "client_id" (required) */
  const char *jti;       /* "jti", unique per token (required) */
  const char *scope;     /* "scope", space-separated, or NULL for none */
  int64_t iat;           /* "iat", >= 0 */
  int64_t exp;           /* "exp", > iat */
  /* An extra string claim naming the customer, e.g. "ript_customer", and
   * its value; both NULL for none. The name must not be one of the
   * claims above. */
  const char *customer_claim;
  const char *customer;
} ript_oauth_claims;

/*
 * Mints an RFC 9068 access token: header {"alg":"ES256","kid":|kid|,
 * "typ":"at+jwt"} and the claims above, both with members sorted and no
 * whitespace, signed with |key| (deterministic ECDSA, RFC 6979: equal
 * inputs give equal tokens). Appends the compact JWS to |out|. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, an empty |kid| or required
 * claim, strings that are not UTF-8, iat < 0, exp <= iat, a customer claim
 * without a value or with a reserved name), RIPT_ERR_NOMEM or
 * RIPT_ERR_CRYPTO; |out| is unchanged on error.
 */
int ript_oauth_sign(const ript_oauth_claims *claims, const char *kid,
                    const ript_stir_key *key, ript_buf *out);

#endif /* RIPT_OAUTH_H */

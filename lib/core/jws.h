/*
 * Compact JWS (RFC 7515 §7.1) pieces shared by the two kinds of signed
 * token libript handles: PASSporTs (passport.c, ES256) and OAuth access
 * tokens (jwt.c, ES256 and RS256). Internal to libript.
 *
 * A compact JWS is base64url(header) "." base64url(payload) "."
 * base64url(signature); the first two parts with their dot are the
 * signing input. ES256 (RFC 7518 §3.4) signatures are r || s, two 32-byte
 * big-endian integers, where GnuTLS speaks DER ECDSA-Sig-Value; RS256
 * (§3.3) signatures are the RSASSA-PKCS1-v1_5 octets as GnuTLS has them.
 */
#ifndef RIPT_CORE_JWS_H
#define RIPT_CORE_JWS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"

/* ES256: r and s, each a 32-byte big-endian integer. */
#define RIPT_JWS_ES256_COORD_LEN 32
#define RIPT_JWS_ES256_SIG_LEN (2 * RIPT_JWS_ES256_COORD_LEN)

/* JSON_COMPACT | JSON_SORT_KEYS: members in lexicographic order without
 * whitespace, the form RFC 8225 §9 requires of PASSporTs; access tokens
 * use it too, so equal claims always give equal tokens. */
#define RIPT_JWS_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* One dot-separated part of a compact JWS. */
typedef struct ript_jws_part {
  const char *text;
  size_t len;
  size_t offset; /* in the whole JWS, for errors */
} ript_jws_part;

/* Fills |err| (may be NULL) and returns RIPT_ERR_PARSE. */
int ript_jws_fail(ript_parse_error *err, size_t offset, const char *expected);

/*
 * Splits |jws| at its dots into exactly three parts (any of them may be
 * empty). Returns 0 or RIPT_ERR_PARSE: |err| is at the fourth part's dot
 * ("the end of the JWS after three parts") or at the end of the input
 * ("'.': a compact JWS has three parts").
 */
int ript_jws_split(const char *jws, size_t len, ript_jws_part parts[3],
                   ript_parse_error *err);

/*
 * Decodes a base64url part and parses the JSON object in it into a new
 * reference in *|json| (duplicate member names refused). Returns 0,
 * RIPT_ERR_NOMEM, or RIPT_ERR_PARSE with |err| at the bad base64url
 * character or, for anything but a JSON object, at the part with
 * |expected|. *|json| is NULL on error.
 */
int ript_jws_part_json(const ript_jws_part *part, const ript_mem *mem,
                       json_t **json, const char *expected,
                       ript_parse_error *err);

/* The text of a JSON string, or NULL for anything else. Strings cannot
 * hold NULs: the parts are parsed without JSON_ALLOW_NUL. */
const char *ript_jws_string(const json_t *v);

/* Appends base64url of |json| dumped with RIPT_JWS_DUMP_FLAGS. Takes over
 * the reference (NULL means jansson ran out of memory). Returns 0 or
 * RIPT_ERR_NOMEM; |out| may hold a partial part on error (the callers
 * truncate with ript_jws_truncate). */
int ript_jws_append_json(ript_buf *out, json_t *json);

/* Cuts |out| back to |len| bytes (keeping the NUL termination). */
void ript_jws_truncate(ript_buf *out, size_t len);

/* Left-pads a big-endian integer (leading zeros allowed) to 32 bytes.
 * Returns 0, or RIPT_ERR_CRYPTO if it does not fit. */
int ript_jws_put_coord(uint8_t out[RIPT_JWS_ES256_COORD_LEN],
                       const gnutls_datum_t *v);

/*
 * Completes a compact JWS: signs the signing input |out| holds from
 * |start| on with ES256 (deterministic ECDSA, RFC 6979, so equal inputs
 * give equal tokens) and appends "." and the signature. Returns 0,
 * RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO; on error |out| is cut back to |start|.
 */
int ript_jws_finish_es256(ript_buf *out, size_t start, gnutls_privkey_t priv);

/* Verifies an ES256 signature (r || s) over |input| with |pub| (the
 * caller checked it is a P-256 key). Returns 0, RIPT_ERR_SIGNATURE or
 * RIPT_ERR_NOMEM. */
int ript_jws_es256_verify(gnutls_pubkey_t pub, const char *input, size_t len,
                          const uint8_t sig[RIPT_JWS_ES256_SIG_LEN]);

/* Verifies an RS256 signature of |siglen| bytes over |input| with the RSA
 * key |pub|. Returns 0, RIPT_ERR_SIGNATURE or RIPT_ERR_NOMEM. */
int ript_jws_rs256_verify(gnutls_pubkey_t pub, const char *input, size_t len,
                          const uint8_t *sig, size_t siglen);

#endif /* RIPT_CORE_JWS_H */

/*
 * server/oauth.h - riptd's OAuth 2.0 state: the issuers whose JWT access
 * tokens it accepts (with their current JWK Sets) and, when configured,
 * its own small authorization server (docs/PROTOCOL.md §3).
 *
 * A request's bearer token is first compared with the customers' static
 * tokens (auth.c); anything else is verified here as an RFC 9068 JWT.
 *
 * Keys: an issuer's "jwks-file" is read at start and read again when a
 * token names a kid the set lacks (key rotation), at most once per
 * RIPTD_OAUTH_RELOAD_MIN_MS. A "jwks-uri" is fetched by the binding layer
 * (jwks_fetch.c) at start, every jwks-refresh-s, and when a token names an
 * unknown kid; it hands the document to riptd_oauth_set_keys.
 *
 * Verified tokens are remembered (by their SHA-256, until exp plus skew):
 * a call over byways sends its token with every media chunk. A new key
 * set forgets them all, so a key removed from a set stops its tokens at
 * once.
 *
 * Not thread-safe; riptd runs it on its one loop.
 */
#ifndef RIPTD_OAUTH_H
#define RIPTD_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ript/buf.h"

#define RIPTD_OAUTH_RELOAD_MIN_MS 10000
/* The claim naming the customer in the built-in server's tokens. */
#define RIPTD_OAUTH_CUSTOMER_CLAIM "ript_customer"

/* What a token allows. */
#define RIPTD_SCOPE_CALL 0x01u  /* see TGs, place and handle calls */
#define RIPTD_SCOPE_ADMIN 0x02u /* provision handlers and certificates */

typedef struct riptd_oauth riptd_oauth;

/*
 * Loads what |cfg|'s "oauth" names: the issuers' JWKS files and the
 * built-in authorization server's key. Returns 0 or -1 with one line
 * "FILE: $.path: problem" in |errbuf|. |cfg| must outlive the object.
 */
int riptd_oauth_new(riptd_oauth **po, const riptd_config *cfg, char *errbuf,
                    size_t errlen);

void riptd_oauth_del(riptd_oauth *o);

/* Sets the root URI (the default audience) and the authority (the
 * built-in server's default issuer is https://AUTHORITY). Returns 0 or
 * RIPT_ERR_NOMEM. */
int riptd_oauth_set_uris(riptd_oauth *o, const char *authority,
                         const char *root);

/*
 * Verifies the JWT |tok| (|len| bytes) at |now_ms|. Returns 0 with the
 * customer and RIPTD_SCOPE_* bits, or a negative code with |*reason| a
 * static RFC 6750 error_description: RIPT_ERR_PARSE, _SIGNATURE,
 * _UNKNOWN_KEY, _MISMATCH, _STALE (ript/oauth.h; _MISMATCH also when the
 * token's customer is not one of the configuration's, or no issuer is
 * configured at all), RIPT_ERR_NOMEM.
 */
int riptd_oauth_verify(riptd_oauth *o, const char *tok, size_t len,
                       int64_t now_ms, const riptd_customer **customer,
                       unsigned *scopes, const char **reason);

/* The configured issuers (the built-in server's is not among them): how
 * many, and issuer |i|'s configuration. */
size_t riptd_oauth_nissuers(const riptd_oauth *o);
const riptd_issuer_conf *riptd_oauth_issuer_conf(const riptd_oauth *o,
                                                 size_t i);

/*
 * Replaces issuer |i|'s keys with the JWK Set |json|. Returns 0, or a
 * negative code with one line in |errbuf| (the old keys stay).
 */
int riptd_oauth_set_keys(riptd_oauth *o, size_t i, const char *json,
                         size_t len, char *errbuf, size_t errlen);

/* Called when a token names a kid issuer |i| (a jwks-uri one) lacks: the
 * binding fetches the set again. */
void riptd_oauth_on_unknown_key(riptd_oauth *o,
                                void (*cb)(void *data, size_t issuer),
                                void *data);

/* ---- the built-in authorization server (NULL/0 when not configured) ---- */

/* Its issuer and its public JWK Set (JSON). */
const char *riptd_oauth_server_issuer(const riptd_oauth *o);
const char *riptd_oauth_server_jwks(const riptd_oauth *o);

/* Appends its RFC 8414 metadata (endpoints on riptd's authority). Returns
 * 0, RIPT_ERR_NOMEM, or RIPT_ERR_INVALID_ARGUMENT when there is no
 * built-in server. */
int riptd_oauth_server_metadata(const riptd_oauth *o, ript_buf *out);

/*
 * Mints an access token for |client| with |scope| (space-separated, each a
 * scope the client has) at |now_ms| and appends it to |out|. Returns 0,
 * RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int riptd_oauth_server_issue(riptd_oauth *o, const riptd_client_conf *client,
                             const char *scope, int64_t now_ms,
                             ript_buf *out);

#endif /* RIPTD_OAUTH_H */

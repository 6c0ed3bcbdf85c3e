/*
 * server/jwks_fetch.h - the binding that fetches the JWK Sets of the
 * issuers configured with a "jwks-uri" (oauth.h): at start, every
 * jwks-refresh-s, and when a token names a kid the set lacks (at most every
 * RIPTD_OAUTH_RELOAD_MIN_MS). Each fetch is a GET over HTTP/2 with TLS
 * verified against the system's CAs and the issuer's "jwks-cacert"; a
 * failure is logged on stderr and the old keys stay.
 */
#ifndef RIPTD_JWKS_FETCH_H
#define RIPTD_JWKS_FETCH_H

#include <uv.h>

#include "oauth.h"

typedef struct riptd_jwks_fetch riptd_jwks_fetch;

/* Starts fetching for every jwks-uri issuer of |o| (none: nothing runs).
 * Returns 0, RIPT_ERR_NOMEM, or RIPT_ERR_HTTP_TLS with the issuer's
 * "jwks-cacert" unusable (named on stderr). */
int riptd_jwks_fetch_new(riptd_jwks_fetch **pf, uv_loop_t *loop,
                         riptd_oauth *o, const riptd_config *cfg);

/* Stops; frees once every handle is closed. NULL is a no-op. */
void riptd_jwks_fetch_close(riptd_jwks_fetch *f);

#endif /* RIPTD_JWKS_FETCH_H */

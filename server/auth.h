/*
 * server/auth.h - who a request comes from and what it may do
 * (docs/PROTOCOL.md §3).
 *
 * Every resource but the well-known ones, the authorization server's
 * endpoints and a certificate's GET (which verifiers fetch) needs
 * "Authorization: Bearer TOKEN": a customer's static token from the
 * configuration (which holds every scope), or an OAuth 2.0 JWT access
 * token of a configured issuer (oauth.h), whose "scope" must hold what the
 * resource needs. The customer decides which TGs exist for the request,
 * and another customer's resources answer 404.
 */
#ifndef RIPTD_AUTH_H
#define RIPTD_AUTH_H

#include "app.h"
#include "reply.h"

/*
 * The customer whose token |req| carries, if the token holds the scopes
 * |need| (RIPTD_SCOPE_* bits). Otherwise fills |resp| and returns NULL:
 *   401 and "WWW-Authenticate: Bearer realm="ript"" when there is no
 *       bearer token, plus error="invalid_token" and an
 *       error_description when the token is not valid here (unknown,
 *       malformed, expired, wrongly signed, another audience or issuer);
 *   403 and error="insufficient_scope", scope="NEEDED" when it lacks a
 *       scope.
 * Static tokens are compared in constant time.
 */
const riptd_customer *riptd_auth_customer(riptd_app *app,
                                          const riptd_request *req,
                                          unsigned need, riptd_response *resp);

/* Nonzero if the |len| bytes at |given| equal the string |secret|, in time
 * that depends only on |len|. */
int riptd_auth_secret_equal(const char *given, size_t len,
                            const char *secret);

/* Nonzero if |cu| may see |tg|. */
int riptd_auth_may_use_tg(const riptd_config *cfg, const riptd_customer *cu,
                          const riptd_tg_conf *tg);

/* Nonzero if |cu| may use the E.164 number |e164| as caller ID. */
int riptd_auth_may_use_number(const riptd_customer *cu, const char *e164);

#endif /* RIPTD_AUTH_H */

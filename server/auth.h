/*
 * server/auth.h - who a request comes from (docs/PROTOCOL.md §3).
 *
 * Every resource but the two well-known ones (and a certificate's GET,
 * which verifiers fetch) needs "Authorization: Bearer TOKEN". A token names
 * a customer of the configuration; the customer decides which TGs exist
 * for the request, and another customer's resources answer 404.
 */
#ifndef RIPTD_AUTH_H
#define RIPTD_AUTH_H

#include "config.h"
#include "reply.h"

/*
 * The customer whose token |req| carries. When there is none, or it is
 * not one of the configuration's, fills |resp| with 401, the error
 * document and "WWW-Authenticate: Bearer realm="ript"" (plus
 * error="invalid_token" when a token was given) and returns NULL.
 * Tokens are compared in constant time.
 */
const riptd_customer *riptd_auth_customer(const riptd_config *cfg,
                                          const riptd_request *req,
                                          riptd_response *resp);

/* Nonzero if |cu| may see |tg|. */
int riptd_auth_may_use_tg(const riptd_config *cfg, const riptd_customer *cu,
                          const riptd_tg_conf *tg);

/* Nonzero if |cu| may use the E.164 number |e164| as caller ID. */
int riptd_auth_may_use_number(const riptd_customer *cu, const char *e164);

#endif /* RIPTD_AUTH_H */

/*
 * server/res_oauth.h - riptd's built-in OAuth 2.0 authorization server
 * (docs/PROTOCOL.md §3.3), present when the configuration has
 * "oauth.server" (riptd --dev always does):
 *   GET  /.well-known/oauth-authorization-server  RFC 8414 metadata
 *   POST /oauth/token   RFC 6749 token endpoint: client_credentials
 *                       (§4.4) and refresh_token (§6) grants
 *   GET  /oauth/jwks    the public key its tokens are signed with
 * Without a built-in server they answer 404.
 */
#ifndef RIPTD_RES_OAUTH_H
#define RIPTD_RES_OAUTH_H

#include "router.h"

void riptd_res_as_metadata_get(riptd_ctx *ctx);
void riptd_res_as_token_post(riptd_ctx *ctx);
void riptd_res_as_jwks_get(riptd_ctx *ctx);

#endif /* RIPTD_RES_OAUTH_H */

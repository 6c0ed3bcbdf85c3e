/* Bearer tokens (RFC 6750) and what a customer may use. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "oauth.h"

int riptd_auth_secret_equal(const char *given, size_t len, const char *tok) {
  size_t toklen = strlen(tok);
  unsigned char diff = (unsigned char)(toklen != len);
  for (size_t i = 0; i < len; ++i)
    diff |= (unsigned char)(given[i] ^ tok[i < toklen ? i : 0]);
  return diff == 0;
}

static const riptd_customer *auth_lookup(const riptd_config *cfg,
                                         const char *given, size_t len) {
  const riptd_customer *found = NULL;
  for (size_t i = 0; i < cfg->ncustomers; ++i)
    for (size_t j = 0; j < cfg->customers[i].ntokens; ++j)
      if (riptd_auth_secret_equal(given, len, cfg->customers[i].tokens[j]))
        found = &cfg->customers[i];
  return found;
}

/* 401: no token (|description| NULL), or one that is not valid here. */
static void auth_refuse(riptd_response *resp, const char *reason,
                        const char *description) {
  char challenge[256];
  if (description)
    snprintf(challenge, sizeof(challenge),
             "Bearer realm=\"ript\", error=\"invalid_token\", "
             "error_description=\"%s\"",
             description);
  else
    snprintf(challenge, sizeof(challenge), "Bearer realm=\"ript\"");
  riptd_reply_error_with(resp, 401,
                         description ? "invalid-token" : "unauthorized",
                         "www-authenticate", challenge, "%s", reason);
}

static void auth_forbid_scope(const riptd_config *cfg, riptd_response *resp,
                              unsigned missing) {
  const char *scope = missing & RIPTD_SCOPE_CALL ? cfg->oauth.call_scope
                                                 : cfg->oauth.admin_scope;
  char challenge[256];
  snprintf(challenge, sizeof(challenge),
           "Bearer realm=\"ript\", error=\"insufficient_scope\", "
           "scope=\"%s\"",
           scope);
  riptd_reply_error_with(resp, 403, "insufficient-scope", "www-authenticate",
                         challenge, "this needs a token with scope \"%s\"",
                         scope);
}

/* The token of "Authorization: Bearer TOKEN", or NULL after refusing. */
static const char *auth_bearer(const riptd_request *req, riptd_response *resp,
                               size_t *len) {
  const char *h = riptd_request_header(req, "authorization");
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
    auth_refuse(resp,
                h ? "this resource needs \"Authorization: Bearer TOKEN\", "
                    "not another scheme"
                  : "this resource needs \"Authorization: Bearer TOKEN\"",
                NULL);
    return NULL;
  }
  const char *tok = h + 7;
  while (*tok == ' ')
    ++tok;
  *len = strlen(tok);
  while (*len && tok[*len - 1] == ' ')
    --*len;
  if (*len == 0) {
    auth_refuse(resp, "the bearer token is empty", "empty token");
    return NULL;
  }
  return tok;
}

const riptd_customer *riptd_auth_customer(riptd_app *app,
                                          const riptd_request *req,
                                          unsigned need,
                                          riptd_response *resp) {
  size_t len;
  const char *tok = auth_bearer(req, resp, &len);
  if (!tok)
    return NULL;
  const riptd_customer *cu = auth_lookup(app->cfg, tok, len);
  unsigned scopes = RIPTD_SCOPE_CALL | RIPTD_SCOPE_ADMIN;
  if (!cu && !memchr(tok, '.', len)) {
    auth_refuse(resp, "the bearer token is not valid here", "unknown token");
    return NULL;
  }
  if (!cu) {
    const char *why = NULL;
    int rv = riptd_oauth_verify(app->oauth, tok, len, req->now_ms, &cu,
                                &scopes, &why);
    if (rv == RIPT_ERR_NOMEM) {
      riptd_reply_fault(resp, "riptd ran out of memory");
      return NULL;
    }
    if (rv != 0) {
      auth_refuse(resp, "the bearer token is not valid here",
                  why ? why : "invalid token");
      return NULL;
    }
  }
  if ((need & scopes) != need) {
    auth_forbid_scope(app->cfg, resp, need & ~scopes);
    return NULL;
  }
  return cu;
}

int riptd_auth_may_use_tg(const riptd_config *cfg, const riptd_customer *cu,
                          const riptd_tg_conf *tg) {
  size_t index = (size_t)(tg - cfg->tgs);
  for (size_t i = 0; i < cu->ntgs; ++i)
    if (cu->tgs[i] == index)
      return 1;
  return 0;
}

int riptd_auth_may_use_number(const riptd_customer *cu, const char *e164) {
  return ript_dest_list_match(cu->numbers, e164, strlen(e164), NULL) == 1;
}

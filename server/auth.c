/* Bearer tokens (RFC 6750) and what a customer may use. */
#include <string.h>
#include <strings.h>

#include "auth.h"

/* Equal strings, in time that depends only on |given|'s length. */
static int auth_token_equal(const char *given, size_t len, const char *tok) {
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
      if (auth_token_equal(given, len, cfg->customers[i].tokens[j]))
        found = &cfg->customers[i];
  return found;
}

static void auth_refuse(riptd_response *resp, int given, const char *reason) {
  if (riptd_reply_error(resp, 401, given ? "invalid-token" : "unauthorized",
                        "%s", reason) != 0)
    return;
  if (riptd_response_add(resp, "www-authenticate",
                         given ? "Bearer realm=\"ript\", "
                                 "error=\"invalid_token\""
                               : "Bearer realm=\"ript\"") != 0)
    riptd_reply_fault(resp, "riptd ran out of memory");
}

const riptd_customer *riptd_auth_customer(const riptd_config *cfg,
                                          const riptd_request *req,
                                          riptd_response *resp) {
  const char *h = riptd_request_header(req, "authorization");
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
    auth_refuse(resp, 0, h ? "this resource needs \"Authorization: Bearer "
                             "TOKEN\", not another scheme"
                           : "this resource needs \"Authorization: Bearer "
                             "TOKEN\"");
    return NULL;
  }
  const char *tok = h + 7;
  while (*tok == ' ')
    ++tok;
  size_t len = strlen(tok);
  while (len && tok[len - 1] == ' ')
    --len;
  const riptd_customer *cu = len ? auth_lookup(cfg, tok, len) : NULL;
  if (!cu)
    auth_refuse(resp, 1, "the bearer token is not valid here");
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

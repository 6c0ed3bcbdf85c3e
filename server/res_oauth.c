/* The built-in authorization server's endpoints (RFC 6749, RFC 8414). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "auth.h"
#include "form.h"
#include "oauth.h"
#include "res_oauth.h"
#include "ript/doc.h"

enum { AS_PARAM_MAX = 512 };

static int as_present(riptd_ctx *ctx) {
  if (riptd_oauth_server_issuer(ctx->app->oauth))
    return 1;
  riptd_reply_error(ctx->resp, 404, "no-authorization-server",
                    "this riptd is not an OAuth authorization server");
  return 0;
}

void riptd_res_as_metadata_get(riptd_ctx *ctx) {
  if (!as_present(ctx))
    return;
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (riptd_oauth_server_metadata(ctx->app->oauth, &b) == 0)
    riptd_reply(ctx->resp, 200, "application/json", b.data, b.len);
  else
    riptd_reply_fault(ctx->resp, "riptd could not write its metadata");
  ript_buf_free(&b);
}

void riptd_res_as_jwks_get(riptd_ctx *ctx) {
  if (!as_present(ctx))
    return;
  const char *jwks = riptd_oauth_server_jwks(ctx->app->oauth);
  riptd_reply(ctx->resp, 200, "application/jwk-set+json", jwks, strlen(jwks));
}

/* ---- the token endpoint ---- */

/* An RFC 6749 §5.2 error; 401 invalid_client carries a Basic challenge. */
static void as_error(riptd_ctx *ctx, int status, const char *error,
                     const char *description) {
  json_t *doc = json_pack("{s:s, s:s}", "error", error, "error_description",
                          description);
  char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
  json_decref(doc);
  if (!text ||
      riptd_reply(ctx->resp, status, "application/json", text, strlen(text)) ||
      riptd_response_add(ctx->resp, "cache-control", "no-store") != 0 ||
      (status == 401 && riptd_response_add(ctx->resp, "www-authenticate",
                                           "Basic realm=\"ript\"") != 0))
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  free(text);
}

typedef struct as_request {
  char grant[AS_PARAM_MAX];
  char scope[AS_PARAM_MAX];
  char refresh[AS_PARAM_MAX];
  char id[AS_PARAM_MAX];
  char secret[AS_PARAM_MAX];
  int has_scope, has_id, has_secret, has_refresh;
} as_request;

/* client_secret_basic: base64(urlencode(id) ":" urlencode(secret)). */
static int as_basic(const char *h, as_request *r) {
  const char *b64 = h + 6;
  gnutls_datum_t in = {(unsigned char *)(uintptr_t)b64,
                       (unsigned)strlen(b64)};
  gnutls_datum_t out = {NULL, 0};
  if (gnutls_base64_decode2(&in, &out) != 0)
    return -1;
  const char *colon = memchr(out.data, ':', out.size);
  int rv = -1;
  if (colon &&
      riptd_form_decode((const char *)out.data,
                        (size_t)(colon - (const char *)out.data), r->id,
                        sizeof(r->id)) > 0 &&
      riptd_form_decode(colon + 1,
                        out.size - (size_t)(colon + 1 - (const char *)out.data),
                        r->secret, sizeof(r->secret)) >= 0) {
    r->has_id = r->has_secret = 1;
    rv = 0;
  }
  gnutls_free(out.data);
  return rv;
}

/* Reads the form and the client's credentials; answers 400/401 itself. */
static int as_read(riptd_ctx *ctx, as_request *r) {
  const riptd_request *req = ctx->req;
  const char *ct = riptd_request_header(req, "content-type");
  if (!ct || !riptd_request_content_type_is(
                 req, "application/x-www-form-urlencoded")) {
    as_error(ctx, 400, "invalid_request",
             "the body must be application/x-www-form-urlencoded");
    return -1;
  }
  int g = riptd_form_get(req->body, req->body_len, "grant_type", r->grant,
                         sizeof(r->grant));
  int s, i, c, f;
  if ((s = riptd_form_get(req->body, req->body_len, "scope", r->scope,
                          sizeof(r->scope))) < 0 ||
      (i = riptd_form_get(req->body, req->body_len, "client_id", r->id,
                          sizeof(r->id))) < 0 ||
      (c = riptd_form_get(req->body, req->body_len, "client_secret",
                          r->secret, sizeof(r->secret))) < 0 ||
      (f = riptd_form_get(req->body, req->body_len, "refresh_token",
                          r->refresh, sizeof(r->refresh))) < 0 ||
      g < 0) {
    as_error(ctx, 400, "invalid_request",
             "the form is malformed, or repeats a parameter");
    return -1;
  }
  if (g == 0) {
    as_error(ctx, 400, "invalid_request", "grant_type is missing");
    return -1;
  }
  r->has_scope = s;
  r->has_id = i;
  r->has_secret = c;
  r->has_refresh = f;
  const char *h = riptd_request_header(req, "authorization");
  if (h && (i || c)) {
    as_error(ctx, 400, "invalid_request",
             "use one way to authenticate the client, not two");
    return -1;
  }
  if (h && (strncasecmp(h, "Basic ", 6) != 0 || as_basic(h, r) != 0)) {
    as_error(ctx, 401, "invalid_client",
             "the Authorization header is not HTTP Basic client "
             "credentials");
    return -1;
  }
  return 0;
}

/* The client the credentials name, or NULL after a 401. */
static const riptd_client_conf *as_client(riptd_ctx *ctx,
                                          const as_request *r) {
  const riptd_oauth_conf *oc = &ctx->app->cfg->oauth;
  const riptd_client_conf *found = NULL;
  for (size_t i = 0; r->has_id && i < oc->nclients; ++i)
    if (strcmp(oc->clients[i].id, r->id) == 0)
      found = &oc->clients[i];
  if (found && r->has_secret &&
      riptd_auth_secret_equal(r->secret, strlen(r->secret), found->secret))
    return found;
  as_error(ctx, 401, "invalid_client",
           r->has_id ? "unknown client or wrong secret"
                     : "the client did not authenticate");
  return NULL;
}

/* The client a refresh token was given to, or NULL. */
static const riptd_client_conf *as_refresh_owner(const riptd_oauth_conf *oc,
                                                 const char *tok) {
  const riptd_client_conf *found = NULL;
  for (size_t i = 0; i < oc->nclients; ++i)
    for (size_t j = 0; j < oc->clients[i].nrefresh_tokens; ++j)
      if (riptd_auth_secret_equal(tok, strlen(tok),
                                  oc->clients[i].refresh_tokens[j]))
        found = &oc->clients[i];
  return found;
}

/* Nonzero if every scope of |want| is one of |have|'s. */
static int as_scope_within(const char *want, const char *have) {
  for (const char *p = want; *p;) {
    size_t len = strcspn(p, " ");
    int ok = 0;
    for (const char *q = have; *q && !ok;) {
      size_t qlen = strcspn(q, " ");
      ok = len && qlen == len && strncmp(p, q, len) == 0;
      q += qlen + (q[qlen] == ' ');
    }
    if (!ok)
      return 0;
    p += len + (p[len] == ' ');
  }
  return 1;
}

/* Which client the grant is for, or NULL after answering. */
static const riptd_client_conf *as_grant(riptd_ctx *ctx, as_request *r) {
  const riptd_oauth_conf *oc = &ctx->app->cfg->oauth;
  if (strcmp(r->grant, "client_credentials") == 0)
    return as_client(ctx, r);
  if (strcmp(r->grant, "refresh_token") != 0) {
    as_error(ctx, 400, "unsupported_grant_type",
             "this server grants client_credentials and refresh_token");
    return NULL;
  }
  if (!r->has_refresh) {
    as_error(ctx, 400, "invalid_request", "refresh_token is missing");
    return NULL;
  }
  const riptd_client_conf *owner = as_refresh_owner(oc, r->refresh);
  const riptd_client_conf *authed = NULL;
  if ((r->has_id || r->has_secret) && !(authed = as_client(ctx, r)))
    return NULL;
  if (!owner || (authed && authed != owner)) {
    as_error(ctx, 400, "invalid_grant",
             "the refresh token is not valid for this client");
    return NULL;
  }
  return owner;
}

static void as_reply_token(riptd_ctx *ctx, const char *token,
                           const char *scope) {
  ript_doc_token doc;
  ript_doc_token_init(&doc);
  doc.access_token = token;
  doc.token_type = "Bearer";
  doc.expires_in = ctx->app->cfg->oauth.token_lifetime_s;
  doc.scope = scope;
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (ript_doc_token_write(&doc, &b) != 0 ||
      riptd_reply(ctx->resp, 200, "application/json", b.data, b.len) != 0 ||
      riptd_response_add(ctx->resp, "cache-control", "no-store") != 0 ||
      riptd_response_add(ctx->resp, "pragma", "no-cache") != 0)
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  ript_buf_free(&b);
}

/* Each client's token requests, and all that name no known client
 * together, are held to token-requests-per-second (guessing secrets or
 * refresh tokens is slow); else 429 with Retry-After. */
static int as_rate_ok(riptd_ctx *ctx, const as_request *r) {
  const riptd_oauth_conf *oc = &ctx->app->cfg->oauth;
  size_t k = oc->nclients;
  for (size_t i = 0; r->has_id && i < oc->nclients; ++i)
    if (strcmp(oc->clients[i].id, r->id) == 0)
      k = i;
  int64_t wait_ms = riptd_rate_take(&ctx->app->token_rates[k],
                                    ctx->req->now_ms,
                                    oc->token_requests_per_second);
  if (wait_ms == 0)
    return 1;
  char after[24];
  snprintf(after, sizeof(after), "%lld", (long long)(wait_ms + 999) / 1000);
  as_error(ctx, 429, "too_many_requests",
           "too many token requests; retry later");
  if (ctx->resp->status == 429 &&
      riptd_response_add(ctx->resp, "retry-after", after) != 0)
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  return 0;
}

void riptd_res_as_token_post(riptd_ctx *ctx) {
  if (!as_present(ctx))
    return;
  as_request r;
  memset(&r, 0, sizeof(r));
  const riptd_client_conf *client = NULL;
  if (as_read(ctx, &r) != 0 || !as_rate_ok(ctx, &r) ||
      !(client = as_grant(ctx, &r)))
    return;
  const char *scope = r.has_scope ? r.scope : client->scope;
  if (!as_scope_within(scope, client->scope) || !*scope) {
    as_error(ctx, 400, "invalid_scope",
             "the client may not have the scope it asked for");
    return;
  }
  ript_buf tok;
  ript_buf_init(&tok, NULL);
  if (riptd_oauth_server_issue(ctx->app->oauth, client, scope,
                               ctx->req->now_ms, &tok) == 0 &&
      ript_buf_append(&tok, "", 1) == 0)
    as_reply_token(ctx, (const char *)tok.data, scope);
  else
    riptd_reply_fault(ctx->resp, "riptd could not sign a token");
  ript_buf_free(&tok);
}

/* From method and path to a resource handler, with the checks every
 * resource shares: 404, 405 + Allow, 401, and TG visibility. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "oauth.h"
#include "res_calls.h"
#include "res_certs.h"
#include "res_handlers.h"
#include "res_oauth.h"
#include "res_tgs.h"
#include "res_wellknown.h"
#include "ript/uri.h"
#include "router.h"

enum {
  ROUTER_MAX_SEGMENTS = 5,
  ROUTER_SEGMENT_MAX = RIPTD_CTX_ID_MAX, /* the longest handler-id */
  ROUTER_TG_MAX = 64,
};

typedef enum router_resource {
  R_ROOT,
  R_OAUTH,
  R_AS_META,  /* the built-in authorization server's metadata, */
  R_AS_TOKEN, /* token endpoint */
  R_AS_JWKS,  /* and keys */
  R_TGS,
  R_TG,
  R_HANDLERS,
  R_HANDLER,
  R_CERTS,
  R_CERT,
  R_CALLS,
  R_CALL,
  R_EVENTS,
  R_MEDIA,
  R_NONE
} router_resource;

typedef struct router_route {
  router_resource resource;
  const char *method;
  unsigned scopes; /* RIPTD_SCOPE_* the token needs; 0: no token */
  void (*handle)(riptd_ctx *ctx);
  /* Nonzero: |handle| calls riptd_ctx_done itself, maybe later (it uses
   * the store); zero: it has answered when it returns. */
  int deferred;
} router_route;

static const router_route router_routes[] = {
    {R_ROOT, "GET", 0, riptd_res_root_get, 0},
    {R_OAUTH, "GET", 0, riptd_res_oauth_get, 0},
    {R_AS_META, "GET", 0, riptd_res_as_metadata_get, 0},
    {R_AS_TOKEN, "POST", 0, riptd_res_as_token_post, 0},
    {R_AS_JWKS, "GET", 0, riptd_res_as_jwks_get, 0},
    {R_TGS, "GET", RIPTD_SCOPE_CALL, riptd_res_tgs_get, 0},
    {R_TG, "GET", RIPTD_SCOPE_CALL, riptd_res_tg_get, 0},
    {R_HANDLERS, "GET", RIPTD_SCOPE_CALL, riptd_res_handlers_get, 1},
    {R_HANDLERS, "POST", RIPTD_SCOPE_ADMIN, riptd_res_handlers_post, 1},
    {R_HANDLER, "GET", RIPTD_SCOPE_CALL, riptd_res_handler_get, 1},
    {R_HANDLER, "PUT", RIPTD_SCOPE_ADMIN, riptd_res_handler_put, 1},
    {R_HANDLER, "DELETE", RIPTD_SCOPE_ADMIN, riptd_res_handler_delete, 1},
    {R_CERTS, "POST", RIPTD_SCOPE_ADMIN, riptd_res_certs_post, 1},
    {R_CERT, "GET", 0, riptd_res_cert_get, 1},
    {R_CALLS, "POST", RIPTD_SCOPE_CALL, riptd_res_calls_post, 1},
    {R_CALL, "GET", RIPTD_SCOPE_CALL, riptd_res_call_get, 1},
    {R_CALL, "POST", RIPTD_SCOPE_CALL, riptd_res_call_post, 1},
    /* Byways have no handler: the front takes them over. */
    {R_EVENTS, "GET", RIPTD_SCOPE_CALL, NULL, 0},
    {R_EVENTS, "PUT", RIPTD_SCOPE_CALL, NULL, 0},
    {R_MEDIA, "GET", RIPTD_SCOPE_CALL, NULL, 0},
    {R_MEDIA, "PUT", RIPTD_SCOPE_CALL, NULL, 0},
    {R_MEDIA, "CONNECT", RIPTD_SCOPE_CALL, NULL, 0},
};
#define ROUTER_NROUTES (sizeof(router_routes) / sizeof(router_routes[0]))

/* The path's pieces: its segments after the root, copied. */
typedef struct router_path {
  char seg[ROUTER_MAX_SEGMENTS][ROUTER_SEGMENT_MAX + 1];
  size_t nseg;
} router_path;

static int router_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

/* Splits |p| (|len| bytes after the root, starting with '/') into
 * segments of unreserved characters. 0, or -1 for anything else. */
static int router_split(const char *p, size_t len, router_path *out) {
  out->nseg = 0;
  size_t i = 0;
  while (i < len) {
    if (p[i] != '/' || out->nseg == ROUTER_MAX_SEGMENTS)
      return -1;
    size_t start = ++i;
    while (i < len && p[i] != '/') {
      if (!router_unreserved(p[i]))
        return -1;
      ++i;
    }
    size_t n = i - start;
    if (n == 0 || n > ROUTER_SEGMENT_MAX)
      return -1;
    memcpy(out->seg[out->nseg], p + start, n);
    out->seg[out->nseg][n] = '\0';
    ++out->nseg;
  }
  return 0;
}

static router_resource router_collection(const char *name, int item) {
  if (strcmp(name, "handlers") == 0)
    return item ? R_HANDLER : R_HANDLERS;
  if (strcmp(name, "certs") == 0)
    return item ? R_CERT : R_CERTS;
  if (strcmp(name, "calls") == 0)
    return item ? R_CALL : R_CALLS;
  return R_NONE;
}

/* Resources at fixed paths besides the root's. */
static const struct {
  const char *path;
  router_resource resource;
} router_fixed[] = {
    {"/.well-known/ript-oauth", R_OAUTH},
    {"/.well-known/oauth-authorization-server", R_AS_META},
    {"/oauth/token", R_AS_TOKEN},
    {"/oauth/jwks", R_AS_JWKS},
};

static router_resource router_match(const char *path, router_path *rp) {
  static const char root[] = "/.well-known/ript";
  size_t len = strcspn(path, "?");
  rp->nseg = 0;
  for (size_t i = 0; i < sizeof(router_fixed) / sizeof(router_fixed[0]); ++i)
    if (strlen(router_fixed[i].path) == len &&
        memcmp(path, router_fixed[i].path, len) == 0)
      return router_fixed[i].resource;
  if (len < sizeof(root) - 1 || memcmp(path, root, sizeof(root) - 1) != 0 ||
      router_split(path + sizeof(root) - 1, len - (sizeof(root) - 1), rp) !=
          0)
    return R_NONE;
  if (rp->nseg == 0)
    return R_ROOT;
  if (strcmp(rp->seg[0], "providertgs") != 0)
    return R_NONE;
  if (rp->nseg > 1 && strlen(rp->seg[1]) > ROUTER_TG_MAX)
    return R_NONE;
  switch (rp->nseg) {
  case 1:
    return R_TGS;
  case 2:
    return R_TG;
  case 3:
    return router_collection(rp->seg[2], 0);
  case 4:
    return router_collection(rp->seg[2], 1);
  default:
    if (strcmp(rp->seg[2], "calls") != 0)
      return R_NONE;
    if (strcmp(rp->seg[4], "events") == 0)
      return R_EVENTS;
    return strcmp(rp->seg[4], "media") == 0 ? R_MEDIA : R_NONE;
  }
}

static void router_not_allowed(riptd_response *resp, router_resource res,
                               const char *method) {
  char allow[64] = "";
  for (size_t i = 0; i < ROUTER_NROUTES; ++i) {
    if (router_routes[i].resource != res)
      continue;
    if (allow[0])
      strcat(allow, ", ");
    strcat(allow, router_routes[i].method);
  }
  riptd_reply_error_with(resp, 405, "method-not-allowed", "allow", allow,
                         "%.16s is not allowed on this resource; it allows "
                         "%s",
                         method, allow);
}

/* The TG the path names, if the customer may see it (any configured TG
 * when the resource needs no token); else a 404 and NULL. */
static const riptd_tg_conf *router_tg(riptd_ctx *ctx, const char *name) {
  const riptd_config *cfg = ctx->app->cfg;
  const riptd_tg_conf *tg = riptd_config_tg(cfg, name);
  if (tg && (!ctx->customer || riptd_auth_may_use_tg(cfg, ctx->customer, tg)))
    return tg;
  riptd_reply_error(ctx->resp, 404, "not-found", "there is no TG named %s",
                    name);
  return NULL;
}

/* The call UUID a byway path names; else a 404 and -1. */
static int router_call(riptd_ctx *ctx, riptd_byway_path *out) {
  if (ript_uri_uuid_check(ctx->id, strlen(ctx->id), NULL) != 0) {
    riptd_reply_error(ctx->resp, 404, "not-found",
                      "there is no call %s on TG %s", ctx->id, ctx->tg->name);
    return -1;
  }
  memcpy(out->uuid, ctx->id, RIPT_URI_UUID_LEN + 1);
  out->customer = ctx->customer;
  out->tg = ctx->tg;
  return 0;
}

/* The customer is within limits.requests-per-second; else 429. */
static int router_rate_ok(riptd_ctx *ctx) {
  const riptd_config *cfg = ctx->app->cfg;
  riptd_rate *r = &ctx->app->rates[ctx->customer - cfg->customers];
  int64_t wait_ms = riptd_rate_take(r, ctx->req->now_ms,
                                    cfg->limits.requests_per_second);
  if (wait_ms == 0)
    return 1;
  char after[24];
  snprintf(after, sizeof(after), "%lld", (long long)(wait_ms + 999) / 1000);
  riptd_reply_error_with(ctx->resp, 429, "rate-limited", "retry-after", after,
                         "customer %s sends more than %lld requests a second; "
                         "retry after %s s",
                         ctx->customer->name,
                         (long long)cfg->limits.requests_per_second, after);
  return 0;
}

/* A JSON body nests no deeper than limits.json-max-depth; else 400. */
static int router_depth_ok(riptd_ctx *ctx) {
  const riptd_request *req = ctx->req;
  int64_t max = ctx->app->cfg->limits.json_max_depth;
  if (!req->body_len ||
      !riptd_request_content_type_is(req, "application/json"))
    return 1;
  size_t depth = riptd_json_depth(req->body, req->body_len);
  if ((int64_t)depth <= max)
    return 1;
  riptd_reply_error(ctx->resp, 400, "too-deep",
                    "the JSON body nests %zu levels; this server takes at "
                    "most %lld",
                    depth, (long long)max);
  return 0;
}

/* Matches, authenticates and finds the TG; fills |ctx| and returns the
 * route, or NULL after answering (or for a path that is no byway when
 * |byways_only|). */
static const router_route *router_route_of(riptd_ctx *ctx, router_path *rp,
                                           int byways_only) {
  const riptd_request *req = ctx->req;
  router_resource res = router_match(req->path, rp);
  if (byways_only && res != R_EVENTS && res != R_MEDIA)
    return NULL;
  if (res == R_NONE) {
    riptd_reply_error(ctx->resp, 404, "not-found",
                      "there is no resource at %.200s", req->path);
    return NULL;
  }
  const router_route *route = NULL;
  for (size_t i = 0; i < ROUTER_NROUTES && !route; ++i)
    if (router_routes[i].resource == res &&
        strcmp(router_routes[i].method, req->method) == 0)
      route = &router_routes[i];
  if (!route) {
    router_not_allowed(ctx->resp, res, req->method);
    return NULL;
  }
  if (route->scopes &&
      !(ctx->customer = riptd_auth_customer(ctx->app, req, route->scopes,
                                            ctx->resp)))
    return NULL;
  /* Byways are bounded per call instead: a call's media PUTs alone come
   * 50 a second. */
  if (ctx->customer && route->handle && !router_rate_ok(ctx))
    return NULL;
  if (!router_depth_ok(ctx))
    return NULL;
  if (rp->nseg > 1 && !(ctx->tg = router_tg(ctx, rp->seg[1])))
    return NULL;
  if (rp->nseg >= 4) {
    memcpy(ctx->idbuf, rp->seg[3], sizeof(ctx->idbuf));
    ctx->id = ctx->idbuf;
  }
  return route;
}

void riptd_router_handle(riptd_app *app, const riptd_request *req,
                         riptd_response *resp, void (*done)(void *data),
                         void *data) {
  router_path rp;
  riptd_byway_path byway;
  riptd_ctx *ctx = calloc(1, sizeof(*ctx));
  if (!ctx) {
    riptd_reply_fault(resp, "riptd ran out of memory");
    done(data);
    return;
  }
  *ctx = (riptd_ctx){
      .app = app, .req = req, .resp = resp, .done = done, .done_data = data};
  const router_route *route = router_route_of(ctx, &rp, 0);
  if (route && route->handle) {
    route->handle(ctx);
    if (!route->deferred)
      riptd_ctx_done(ctx);
    return;
  }
  if (route && router_call(ctx, &byway) == 0)
    riptd_reply_fault(resp, "a byway reached riptd's request router");
  riptd_ctx_done(ctx);
}

int riptd_router_byway(riptd_app *app, const riptd_request *req,
                       riptd_response *resp, riptd_byway_path *out) {
  router_path rp;
  riptd_ctx ctx = {.app = app, .req = req, .resp = resp};
  const router_route *route = router_route_of(&ctx, &rp, 1);
  if (!route)
    return resp->status ? RIPTD_ROUTER_ANSWERED : RIPTD_ROUTER_NOT_BYWAY;
  if (router_call(&ctx, out) != 0)
    return RIPTD_ROUTER_ANSWERED;
  out->kind = route->resource == R_EVENTS ? RIPTD_BYWAY_EVENTS
                                          : RIPTD_BYWAY_MEDIA;
  return RIPTD_ROUTER_BYWAY;
}

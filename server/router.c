/* From method and path to a resource handler, with the checks every
 * resource shares: 404, 405 + Allow, 401, and TG visibility. */
#include <string.h>

#include "auth.h"
#include "res_calls.h"
#include "res_certs.h"
#include "res_handlers.h"
#include "res_tgs.h"
#include "res_wellknown.h"
#include "router.h"

enum {
  ROUTER_MAX_SEGMENTS = 4,
  ROUTER_SEGMENT_MAX = 128, /* the longest handler-id */
  ROUTER_TG_MAX = 64,
};

typedef enum router_resource {
  R_ROOT,
  R_OAUTH,
  R_TGS,
  R_TG,
  R_HANDLERS,
  R_HANDLER,
  R_CERTS,
  R_CERT,
  R_CALLS,
  R_CALL,
  R_NONE
} router_resource;

typedef struct router_route {
  router_resource resource;
  const char *method;
  int needs_token;
  void (*handle)(riptd_ctx *ctx);
} router_route;

static const router_route router_routes[] = {
    {R_ROOT, "GET", 0, riptd_res_root_get},
    {R_OAUTH, "GET", 0, riptd_res_oauth_get},
    {R_TGS, "GET", 1, riptd_res_tgs_get},
    {R_TG, "GET", 1, riptd_res_tg_get},
    {R_HANDLERS, "GET", 1, riptd_res_handlers_get},
    {R_HANDLERS, "POST", 1, riptd_res_handlers_post},
    {R_HANDLER, "GET", 1, riptd_res_handler_get},
    {R_HANDLER, "PUT", 1, riptd_res_handler_put},
    {R_HANDLER, "DELETE", 1, riptd_res_handler_delete},
    {R_CERTS, "POST", 1, riptd_res_certs_post},
    {R_CERT, "GET", 0, riptd_res_cert_get},
    {R_CALLS, "POST", 1, riptd_res_calls_post},
    {R_CALL, "GET", 1, riptd_res_call_get},
    {R_CALL, "POST", 1, riptd_res_call_post},
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

static router_resource router_match(const char *path, router_path *rp) {
  static const char root[] = "/.well-known/ript";
  static const char oauth[] = "/.well-known/ript-oauth";
  size_t len = strcspn(path, "?");
  rp->nseg = 0;
  if (len == sizeof(oauth) - 1 && memcmp(path, oauth, len) == 0)
    return R_OAUTH;
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
  default:
    return router_collection(rp->seg[2], 1);
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
  if (riptd_reply_error(resp, 405, "method-not-allowed",
                        "%.16s is not allowed on this resource; it allows "
                        "%s",
                        method, allow) == 0 &&
      riptd_response_add(resp, "allow", allow) != 0)
    riptd_reply_fault(resp, "riptd ran out of memory");
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

void riptd_router_handle(riptd_app *app, const riptd_request *req,
                         riptd_response *resp) {
  router_path rp;
  router_resource res = router_match(req->path, &rp);
  if (res == R_NONE) {
    riptd_reply_error(resp, 404, "not-found", "there is no resource at %.200s",
                      req->path);
    return;
  }
  const router_route *route = NULL;
  for (size_t i = 0; i < ROUTER_NROUTES && !route; ++i)
    if (router_routes[i].resource == res &&
        strcmp(router_routes[i].method, req->method) == 0)
      route = &router_routes[i];
  if (!route) {
    router_not_allowed(resp, res, req->method);
    return;
  }
  riptd_ctx ctx = {app, req, resp, NULL, NULL, NULL};
  if (route->needs_token &&
      !(ctx.customer = riptd_auth_customer(app->cfg, req, resp)))
    return;
  if (rp.nseg > 1 && !(ctx.tg = router_tg(&ctx, rp.seg[1])))
    return;
  if (rp.nseg == 4)
    ctx.id = rp.seg[3];
  route->handle(&ctx);
}

/*
 * server/router.h - which resource a request is for.
 *
 * The router matches the path against riptd's URI layout
 * (docs/PROTOCOL.md §2):
 *   /.well-known/ript                                   root document
 *   /.well-known/ript-oauth                             OAuth metadata
 *   /.well-known/ript/providertgs                       TG list
 *   /.well-known/ript/providertgs/{tg}                  TG description
 *   /.well-known/ript/providertgs/{tg}/handlers[/{id}]  handlers
 *   /.well-known/ript/providertgs/{tg}/certs[/{serial}] certificates
 *   /.well-known/ript/providertgs/{tg}/calls[/{uuid}]   calls
 *   /.well-known/ript/providertgs/{tg}/calls/{uuid}/events  signaling byways
 *   /.well-known/ript/providertgs/{tg}/calls/{uuid}/media   media byways
 * and answers, in this order: 404 for any other path (path segments are
 * unreserved characters only; a query is ignored), 405 with Allow for a
 * method the resource does not have, 401 when the resource needs a token
 * and has none valid, 404 when the path names a TG the customer may not
 * see; then the resource's own handler runs.
 */
#ifndef RIPTD_ROUTER_H
#define RIPTD_ROUTER_H

#include "app.h"
#include "reply.h"

/* What a resource handler gets. */
typedef struct riptd_ctx {
  riptd_app *app;
  const riptd_request *req;
  riptd_response *resp;
  const riptd_customer *customer; /* NULL on resources needing no token */
  const riptd_tg_conf *tg;        /* the {tg} of the path, or NULL */
  const char *id; /* the {id}, {serial} or {uuid} of the path, or NULL */
} riptd_ctx;

/* Answers |req| into |resp| (initialised by the caller). A byway
 * (below) is never a complete request: one that gets here passes the
 * checks and is then answered 500. */
void riptd_router_handle(riptd_app *app, const riptd_request *req,
                         riptd_response *resp);

/* Which byway of a call a request opens. */
typedef enum riptd_byway_kind {
  RIPTD_BYWAY_EVENTS = 1, /* {call}/events: GET, PUT */
  RIPTD_BYWAY_MEDIA       /* {call}/media: GET, PUT, CONNECT */
} riptd_byway_kind;

/* The byway a request names: its resource, the call, and whose it is. */
typedef struct riptd_byway_path {
  riptd_byway_kind kind;
  char uuid[RIPT_URI_UUID_LEN + 1]; /* the call */
  const char *customer; /* the token's customer (the configuration's) */
  const char *tg;       /* the TG of the path (the configuration's) */
} riptd_byway_path;

/* riptd_router_byway results. */
#define RIPTD_ROUTER_NOT_BYWAY 0 /* not a byway: collect the body, route */
#define RIPTD_ROUTER_ANSWERED 1  /* refused: |resp| holds the answer */
#define RIPTD_ROUTER_BYWAY 2     /* |out| names a byway to take over */

/*
 * Byways stream, so the front looks at them as soon as the header block
 * arrives (|req| has no body yet). For {call}/events and {call}/media this
 * runs the shared checks (405 + Allow, 401, the TG's visibility) and finds
 * the call among the customer's calls on that TG (404 otherwise); whether
 * the call still takes byways is the live call's decision. Any other path
 * is RIPTD_ROUTER_NOT_BYWAY and |resp| is untouched.
 */
int riptd_router_byway(riptd_app *app, const riptd_request *req,
                       riptd_response *resp, riptd_byway_path *out);

#endif /* RIPTD_ROUTER_H */

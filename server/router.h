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
 * see; then the resource's own handler runs (riptd_ctx, reply.h), which
 * may answer later, once its store operations completed.
 */
#ifndef RIPTD_ROUTER_H
#define RIPTD_ROUTER_H

#include "app.h"
#include "reply.h"

/*
 * Answers |req| into |resp| (initialised by the caller), then calls
 * |done| with |data|, exactly once: before riptd_router_handle returns
 * (every check of the router, and the resources that need no store), or
 * later from the loop (a resource waiting for the store). |req|, what it
 * points to, and |resp| must stay valid until then; nothing cancels a
 * request (a caller whose client went away drops the answer). A byway
 * (below) is never a complete request: one that gets here passes the
 * checks and is then answered 500.
 */
void riptd_router_handle(riptd_app *app, const riptd_request *req,
                         riptd_response *resp, void (*done)(void *data),
                         void *data);

/* Which byway of a call a request opens. */
typedef enum riptd_byway_kind {
  RIPTD_BYWAY_EVENTS = 1, /* {call}/events: GET, PUT */
  RIPTD_BYWAY_MEDIA       /* {call}/media: GET, PUT, CONNECT */
} riptd_byway_kind;

typedef struct riptd_byway_path {
  riptd_byway_kind kind;
  char uuid[RIPT_URI_UUID_LEN + 1]; /* the call the path names */
  const riptd_customer *customer;   /* whose token opened it */
  const riptd_tg_conf *tg;          /* the TG the path names */
} riptd_byway_path;

/* riptd_router_byway results. */
#define RIPTD_ROUTER_NOT_BYWAY 0 /* not a byway: collect the body, route */
#define RIPTD_ROUTER_ANSWERED 1  /* refused: |resp| holds the answer */
#define RIPTD_ROUTER_BYWAY 2     /* |out| names a byway to take over */

/*
 * Byways stream, so the front looks at them as soon as the header block
 * arrives (|req| has no body yet). For {call}/events and {call}/media this
 * runs the shared checks (405 + Allow, 401, the TG's visibility) and
 * answers 404 for a path segment that is no call UUID; it reads no store.
 * Whether the call exists, is the customer's on that TG and still takes
 * byways is the live calls' decision (|out| says who asks for what). Any
 * other path is RIPTD_ROUTER_NOT_BYWAY and |resp| is untouched. Answers
 * before it returns.
 */
int riptd_router_byway(riptd_app *app, const riptd_request *req,
                       riptd_response *resp, riptd_byway_path *out);

#endif /* RIPTD_ROUTER_H */

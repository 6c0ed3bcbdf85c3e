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

/* Answers |req| into |resp| (initialised by the caller). */
void riptd_router_handle(riptd_app *app, const riptd_request *req,
                         riptd_response *resp);

#endif /* RIPTD_ROUTER_H */

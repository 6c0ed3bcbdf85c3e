/* Handlers: what a customer's device can send and receive, per TG. */
#include <stdlib.h>
#include <string.h>

#include "res_handlers.h"
#include "ript/advert.h"
#include "ript/doc.h"

/* Writes the response form of a handler into |body|. */
static int handlers_write(const riptd_ctx *ctx, const riptd_handler_rec *rec,
                          ript_buf *uri, ript_buf *body) {
  ript_buf_reset(uri);
  int rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "handlers", rec->id, uri);
  if (rv != 0)
    return rv;
  ript_doc_handler doc;
  ript_doc_handler_init(&doc);
  doc.uri = (const char *)uri->data;
  doc.handler_id = rec->id;
  doc.advertisement = rec->advertisement;
  return ript_doc_handler_write(&doc, RIPT_DOC_RESPONSE, body);
}

/* Answers |status| with the handler; 201 also names it in Location. */
static void handlers_reply(riptd_ctx *ctx, int status,
                           const riptd_handler_rec *rec) {
  ript_buf uri, body;
  ript_buf_init(&uri, NULL);
  ript_buf_init(&body, NULL);
  if (handlers_write(ctx, rec, &uri, &body) == 0)
    riptd_reply_doc(ctx->resp, status, &uri, &body,
                    "riptd could not write the handler");
  else
    riptd_reply_fault(ctx->resp, "riptd could not write the handler");
  ript_buf_free(&uri);
  ript_buf_free(&body);
}

/* Reads a handler description from the body; answers 400/415 and returns
 * nonzero when it is not one, or its advertisement does not parse. */
static int handlers_read(riptd_ctx *ctx, ript_doc_handler *doc) {
  const riptd_request *req = ctx->req;
  ript_parse_error err = {0, NULL};
  if (!riptd_request_content_type_is(req, "application/json")) {
    riptd_reply_error(ctx->resp, 415, "unsupported-media-type",
                      "a handler description is sent as application/json");
    return -1;
  }
  int rv = ript_doc_handler_parse(doc, (const char *)req->body,
                                  req->body_len,
                                  ctx->app->cfg->document_max_bytes,
                                  RIPT_DOC_REQUEST, &err, NULL);
  if (rv == RIPT_ERR_NOMEM) {
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
    return -1;
  }
  if (rv != 0) {
    riptd_reply_error(ctx->resp, 400, "bad-request",
                      "the handler description is not valid: at byte %zu "
                      "expected %s",
                      err.offset, err.expected ? err.expected : "more");
    return -1;
  }
  ript_advert *adv = NULL;
  rv = ript_advert_parse(&adv, doc->advertisement,
                         strlen(doc->advertisement),
                         RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL);
  ript_advert_del(adv);
  if (rv == 0)
    return 0;
  if (rv == RIPT_ERR_NOMEM)
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  else
    riptd_reply_error(ctx->resp, 400, "bad-advertisement",
                      "the advertisement is not valid: at byte %zu expected "
                      "%s",
                      err.offset, err.expected ? err.expected : "more");
  ript_doc_handler_free(doc);
  return -1;
}

static riptd_handler_rec handlers_rec(const riptd_ctx *ctx, const char *id,
                                      const char *advertisement) {
  riptd_handler_rec rec = {(char *)(uintptr_t)ctx->customer->name,
                           (char *)(uintptr_t)ctx->tg->name,
                           (char *)(uintptr_t)id,
                           (char *)(uintptr_t)advertisement};
  return rec;
}

static void handlers_missing(riptd_ctx *ctx) {
  riptd_reply_error(ctx->resp, 404, "not-found",
                    "there is no handler %s on TG %s", ctx->id, ctx->tg->name);
}

/* ---- POST and PUT: a description in the body, then the store ---- */

/* A request whose description waits for the store. */
typedef struct handlers_write_op {
  riptd_ctx *ctx;
  ript_doc_handler doc;
} handlers_write_op;

/* The description of the body, or NULL once answered (and done). */
static handlers_write_op *handlers_begin(riptd_ctx *ctx) {
  handlers_write_op *op = riptd_ctx_alloc(ctx, sizeof(*op));
  if (!op)
    return NULL;
  op->ctx = ctx;
  ript_doc_handler_init(&op->doc);
  if (handlers_read(ctx, &op->doc) == 0)
    return op;
  free(op);
  riptd_ctx_done(ctx);
  return NULL;
}

static void handlers_end(handlers_write_op *op) {
  riptd_ctx *ctx = op->ctx;
  ript_doc_handler_free(&op->doc);
  free(op);
  riptd_ctx_done(ctx);
}

static void handlers_added(void *data, int rv) {
  handlers_write_op *op = data;
  riptd_ctx *ctx = op->ctx;
  riptd_handler_rec rec =
      handlers_rec(ctx, op->doc.handler_id, op->doc.advertisement);
  if (rv == 0)
    handlers_reply(ctx, 201, &rec);
  else if (rv == RIPTD_STORE_EXISTS)
    riptd_reply_error(ctx->resp, 409, "handler-exists",
                      "handler-id %s is already registered on TG %s; PUT its "
                      "URI to change it",
                      op->doc.handler_id, ctx->tg->name);
  else if (rv == RIPTD_STORE_LIMIT)
    riptd_reply_error(ctx->resp, 429, "too-many-handlers",
                      "customer %s already has %lld handlers; remove one "
                      "first",
                      ctx->customer->name,
                      (long long)ctx->app->cfg->limits.handlers_per_customer);
  else
    riptd_reply_store_failure(ctx->resp, rv, "store the handler");
  handlers_end(op);
}

/* The customer's handlers stay within the limit: the store adds it only
 * then, in one step. */
void riptd_res_handlers_post(riptd_ctx *ctx) {
  handlers_write_op *op = handlers_begin(ctx);
  if (!op)
    return;
  riptd_handler_rec rec =
      handlers_rec(ctx, op->doc.handler_id, op->doc.advertisement);
  riptd_store_handler_add(ctx->app->store, &rec,
                          ctx->app->cfg->limits.handlers_per_customer,
                          handlers_added, op);
}

static void handlers_replaced(void *data, int rv) {
  handlers_write_op *op = data;
  riptd_ctx *ctx = op->ctx;
  riptd_handler_rec rec = handlers_rec(ctx, ctx->id, op->doc.advertisement);
  if (rv == 0)
    handlers_reply(ctx, 200, &rec);
  else if (rv == RIPTD_STORE_NOT_FOUND)
    handlers_missing(ctx);
  else
    riptd_reply_store_failure(ctx->resp, rv, "store the handler");
  handlers_end(op);
}

void riptd_res_handler_put(riptd_ctx *ctx) {
  handlers_write_op *op = handlers_begin(ctx);
  if (!op)
    return;
  if (strcmp(op->doc.handler_id, ctx->id) != 0) {
    riptd_reply_error(ctx->resp, 400, "bad-request",
                      "the body's handler-id %s is not the URI's %s",
                      op->doc.handler_id, ctx->id);
    handlers_end(op);
    return;
  }
  riptd_handler_rec rec = handlers_rec(ctx, ctx->id, op->doc.advertisement);
  riptd_store_handler_replace(ctx->app->store, &rec, handlers_replaced, op);
}

/* ---- GET and DELETE ---- */

static int handlers_write_list(riptd_ctx *ctx, const riptd_handler_rec *recs,
                               size_t n, ript_buf *body) {
  ript_doc_handler *docs = n ? calloc(n, sizeof(*docs)) : NULL;
  ript_buf *uris = n ? calloc(n, sizeof(*uris)) : NULL;
  int rv = n && (!docs || !uris) ? RIPT_ERR_NOMEM : 0;
  for (size_t i = 0; rv == 0 && i < n; ++i) {
    ript_buf_init(&uris[i], NULL);
    rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "handlers", recs[i].id,
                          &uris[i]);
    ript_doc_handler_init(&docs[i]);
    docs[i].uri = (const char *)uris[i].data;
    docs[i].handler_id = recs[i].id;
    docs[i].advertisement = recs[i].advertisement;
  }
  ript_doc_handler_list list;
  ript_doc_handler_list_init(&list);
  list.handlers = docs;
  list.nhandlers = n;
  if (rv == 0)
    rv = ript_doc_handler_list_write(&list, body);
  for (size_t i = 0; uris && i < n; ++i)
    ript_buf_free(&uris[i]);
  free(uris);
  free(docs);
  return rv;
}

static void handlers_listed(void *data, int rv, const riptd_handler_rec *recs,
                            size_t n) {
  riptd_ctx *ctx = data;
  ript_buf body;
  ript_buf_init(&body, NULL);
  if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "list the handlers");
  else if (handlers_write_list(ctx, recs, n, &body) == 0)
    riptd_reply(ctx->resp, 200, "application/json", body.data, body.len);
  else
    riptd_reply_fault(ctx->resp, "riptd could not list the handlers");
  ript_buf_free(&body);
  riptd_ctx_done(ctx);
}

void riptd_res_handlers_get(riptd_ctx *ctx) {
  riptd_store_handler_list(ctx->app->store, ctx->customer->name, ctx->tg->name,
                           handlers_listed, ctx);
}

static void handlers_got(void *data, int rv, const riptd_handler_rec *rec) {
  riptd_ctx *ctx = data;
  if (rv == 0)
    handlers_reply(ctx, 200, rec);
  else if (rv == RIPTD_STORE_NOT_FOUND)
    handlers_missing(ctx);
  else
    riptd_reply_store_failure(ctx->resp, rv, "read the handler");
  riptd_ctx_done(ctx);
}

void riptd_res_handler_get(riptd_ctx *ctx) {
  riptd_store_handler_get(ctx->app->store, ctx->customer->name, ctx->tg->name,
                          ctx->id, handlers_got, ctx);
}

static void handlers_removed(void *data, int rv) {
  riptd_ctx *ctx = data;
  if (rv == 0)
    riptd_reply(ctx->resp, 204, NULL, NULL, 0);
  else if (rv == RIPTD_STORE_NOT_FOUND)
    handlers_missing(ctx);
  else
    riptd_reply_store_failure(ctx->resp, rv, "remove the handler");
  riptd_ctx_done(ctx);
}

void riptd_res_handler_delete(riptd_ctx *ctx) {
  riptd_store_handler_remove(ctx->app->store, ctx->customer->name,
                             ctx->tg->name, ctx->id, handlers_removed, ctx);
}

/* Handlers (draft §8.5, §9.5): register, list, read, replace, remove. */
#include <string.h>

#include "client_internal.h"
#include "ript/uri.h"
#include "ript_mem.h"

typedef enum { HANDLER_ONE, HANDLER_LIST, HANDLER_DONE } handler_kind;

typedef union handler_cb {
  ript_client_handler_cb one;
  ript_client_handler_list_cb list;
  ript_client_done_cb done;
} handler_cb;

typedef struct handler_op {
  ript_client *client;
  handler_kind kind;
  handler_cb cb;
  void *user_data;
} handler_op;

static void handler_report_one(handler_op *op, ript_client_req *req,
                               ript_client_result *res) {
  ript_doc_handler h;
  ript_doc_handler_init(&h);
  ript_parse_error perr = {0, NULL};
  int rv = res->code == 0
               ? ript_doc_handler_parse(&h, (const char *)req->body.data,
                                        req->body.len, 0, RIPT_DOC_RESPONSE,
                                        &perr, op->client->mem)
               : 0;
  if (rv != 0)
    ript_client_result_unusable(res, rv, "handler description", &perr);
  op->cb.one(op->client, res, res->code == 0 ? &h : NULL, op->user_data);
  ript_doc_handler_free(&h);
}

static void handler_report_list(handler_op *op, ript_client_req *req,
                                ript_client_result *res) {
  ript_doc_handler_list list;
  ript_doc_handler_list_init(&list);
  ript_parse_error perr = {0, NULL};
  int rv = res->code == 0 ? ript_doc_handler_list_parse(
                                &list, (const char *)req->body.data,
                                req->body.len, 0, &perr, op->client->mem)
                          : 0;
  if (rv != 0)
    ript_client_result_unusable(res, rv, "handler list", &perr);
  op->cb.list(op->client, res, res->code == 0 ? &list : NULL, op->user_data);
  ript_doc_handler_list_free(&list);
}

static int handler_on_done(ript_client_req *req) {
  handler_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  if (op->kind == HANDLER_ONE)
    handler_report_one(op, req, &res);
  else if (op->kind == HANDLER_LIST)
    handler_report_list(op, req, &res);
  else
    op->cb.done(op->client, &res, op->user_data);
  ript_mem_free(op->client->mem, op);
  return 0;
}

static int handler_start(ript_client *client, handler_kind kind, handler_cb cb,
                         void *user_data, const ript_client_req_spec *spec) {
  if (!ript_client_uri_ok(spec->url))
    return RIPT_ERR_INVALID_ARGUMENT;
  handler_op *op = ript_mem_calloc(client->mem, 1, sizeof(*op));
  if (!op)
    return RIPT_ERR_NOMEM;
  *op = (handler_op){client, kind, cb, user_data};
  int rv = ript_client_req_start(client, spec, handler_on_done, op, NULL);
  if (rv != 0)
    ript_mem_free(client->mem, op);
  return rv;
}

/* Starts METHOD URL carrying a handler description (request form). */
static int handler_send(ript_client *client, const char *method,
                        const char *url, const char *handler_id,
                        const char *advertisement, ript_client_handler_cb cb,
                        void *user_data) {
  if (!client || !url || !handler_id || !advertisement || !cb)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_handler h;
  ript_doc_handler_init(&h);
  h.handler_id = handler_id;
  h.advertisement = advertisement;
  ript_buf body;
  ript_buf_init(&body, client->mem);
  int rv = ript_doc_handler_write(&h, RIPT_DOC_REQUEST, &body);
  if (rv == 0) {
    ript_client_req_spec spec = {
        method, url, "application/json", body.data, body.len, NULL, 0, NULL};
    handler_cb u = {.one = cb};
    rv = handler_start(client, HANDLER_ONE, u, user_data, &spec);
  }
  ript_buf_free(&body);
  return rv;
}

int ript_client_handler_add(ript_client *client, const char *tg_uri,
                            const char *handler_id, const char *advertisement,
                            ript_client_handler_cb cb, void *user_data) {
  if (!client || !ript_client_uri_ok(tg_uri))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_buf url;
  ript_buf_init(&url, client->mem);
  int rv = ript_uri_join(tg_uri, "handlers", &url);
  if (rv == 0)
    rv = handler_send(client, "POST", (const char *)url.data, handler_id,
                      advertisement, cb, user_data);
  ript_buf_free(&url);
  return rv;
}

int ript_client_handler_put(ript_client *client, const char *handler_uri,
                            const char *handler_id, const char *advertisement,
                            ript_client_handler_cb cb, void *user_data) {
  return handler_send(client, "PUT", handler_uri, handler_id, advertisement,
                      cb, user_data);
}

int ript_client_handler_list(ript_client *client, const char *tg_uri,
                             ript_client_handler_list_cb cb,
                             void *user_data) {
  if (!client || !cb || !ript_client_uri_ok(tg_uri))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_buf url;
  ript_buf_init(&url, client->mem);
  int rv = ript_uri_join(tg_uri, "handlers", &url);
  if (rv == 0) {
    ript_client_req_spec spec = {
        "GET", (const char *)url.data, NULL, NULL, 0, NULL, 0, NULL};
    handler_cb u = {.list = cb};
    rv = handler_start(client, HANDLER_LIST, u, user_data, &spec);
  }
  ript_buf_free(&url);
  return rv;
}

int ript_client_handler_get(ript_client *client, const char *handler_uri,
                            ript_client_handler_cb cb, void *user_data) {
  if (!client || !cb)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_client_req_spec spec = {"GET", handler_uri, NULL, NULL,
                               0,     NULL,        0,    NULL};
  handler_cb u = {.one = cb};
  return handler_start(client, HANDLER_ONE, u, user_data, &spec);
}

int ript_client_handler_delete(ript_client *client, const char *handler_uri,
                               ript_client_done_cb cb, void *user_data) {
  if (!client || !cb)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_client_req_spec spec = {"DELETE", handler_uri, NULL, NULL,
                               0,        NULL,        0,    NULL};
  handler_cb u = {.done = cb};
  return handler_start(client, HANDLER_DONE, u, user_data, &spec);
}

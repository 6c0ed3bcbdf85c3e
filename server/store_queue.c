/* Queued store operations (store_backend.h): copies of the arguments in,
 * the results out, the callback at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"

void riptd_store_queue_init(riptd_store_queue *q,
                            void (*submit)(riptd_store_queue *q,
                                           riptd_store_op *op)) {
  memset(q, 0, sizeof(*q));
  q->submit = submit;
  for (size_t i = 0; i < RIPTD_STORE_SPARES; ++i) {
    q->spares[i].spare = 1;
    q->spares[i].next = q->free_spares;
    q->free_spares = &q->spares[i];
  }
}

/* A new operation to run (or, in |rv|, why it will not). Even when malloc
 * fails its callback must come later, so a spare stands in; with none
 * left riptd cannot keep the promise and stops. */
static riptd_store_op *queue_op(riptd_store_queue *q, riptd_store_op_kind kind,
                                void *data) {
  riptd_store_op *op = calloc(1, sizeof(*op));
  int nomem = !op;
  if (nomem) {
    if (!(op = q->free_spares)) {
      fputs("riptd: out of memory in the store\n", stderr);
      abort();
    }
    q->free_spares = op->next;
    memset(op, 0, sizeof(*op));
    op->spare = 1;
  }
  op->kind = kind;
  op->data = data;
  op->run = !q->closing && !nomem;
  op->rv = q->closing ? RIPTD_STORE_UNAVAILABLE : nomem ? RIPT_ERR_NOMEM : 0;
  return op;
}

/* Marks |op| as not to run with |rv| (when it was to run). */
static void queue_refuse(riptd_store_op *op, int rv) {
  if (!op->run)
    return;
  op->run = 0;
  op->rv = rv;
}

static void queue_copy_handler(riptd_store_op *op,
                               const riptd_handler_rec *rec) {
  if (!op->run)
    return;
  if (!rec || !rec->customer || !rec->tg || !rec->id)
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  else if (riptd_handler_rec_copy(&op->handler, rec) != 0)
    queue_refuse(op, RIPT_ERR_NOMEM);
}

static void queue_copy_call(riptd_store_op *op, const riptd_call_rec *rec,
                            int need_owner) {
  if (!op->run)
    return;
  if (!rec || !rec->uuid[0] || (need_owner && (!rec->customer || !rec->tg)))
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  else if (riptd_call_rec_copy(&op->call, rec) != 0)
    queue_refuse(op, RIPT_ERR_NOMEM);
}

static void queue_copy_uuid(riptd_store_op *op, const char *uuid) {
  if (!op->run)
    return;
  if (!uuid || !uuid[0] || strlen(uuid) > RIPT_URI_UUID_LEN)
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  else
    strcpy(op->call.uuid, uuid);
}

static void queue_copy_key(riptd_store_op *op, const char *customer,
                           const char *tg, const char *id) {
  riptd_handler_rec key = {(char *)(uintptr_t)customer, (char *)(uintptr_t)tg,
                           (char *)(uintptr_t)(id ? id : ""), NULL};
  queue_copy_handler(op, &key);
  /* A list names no handler. */
  if (op->run && !id) {
    free(op->handler.id);
    op->handler.id = NULL;
  }
}

static void queue_copy_cert(riptd_store_op *op, const riptd_cert_rec *rec) {
  if (!op->run)
    return;
  if (!rec || !rec->url)
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  else if (riptd_cert_rec_copy(&op->cert, rec) != 0)
    queue_refuse(op, RIPT_ERR_NOMEM);
}

static void queue_free(riptd_store_queue *q, riptd_store_op *op) {
  riptd_handler_rec_free(&op->handler);
  riptd_call_rec_free(&op->call);
  riptd_cert_rec_free(&op->cert);
  for (size_t i = 0; i < op->nhandlers; ++i)
    riptd_handler_rec_free(&op->handlers[i]);
  free(op->handlers);
  riptd_call_rec_free(&op->call_out);
  riptd_cert_rec_free(&op->cert_out);
  if (op->spare) {
    op->next = q->free_spares;
    q->free_spares = op;
  } else {
    free(op);
  }
}

void riptd_store_queue_complete(riptd_store_queue *q, riptd_store_op *op) {
  int rv = op->rv;
  switch (op->kind) {
  case RIPTD_STORE_OP_HANDLER_GET:
    op->cb.handler(op->data, rv,
                   rv == 0 && op->nhandlers ? &op->handlers[0] : NULL);
    break;
  case RIPTD_STORE_OP_HANDLER_LIST:
    op->cb.handlers(op->data, rv, rv == 0 ? op->handlers : NULL,
                    rv == 0 ? op->nhandlers : 0);
    break;
  case RIPTD_STORE_OP_CALL_ADD:
  case RIPTD_STORE_OP_CALL_GET:
  case RIPTD_STORE_OP_CALL_UPDATE:
    op->cb.call(op->data, rv,
                (rv == 0 || rv == RIPTD_STORE_CONFLICT) && op->has_call
                    ? &op->call_out
                    : NULL);
    break;
  case RIPTD_STORE_OP_CERT_GET:
    op->cb.cert(op->data, rv, rv == 0 && op->has_cert ? &op->cert_out : NULL);
    break;
  default:
    op->cb.done(op->data, rv);
    break;
  }
  queue_free(q, op);
}

/* ---- the operations ---- */

void riptd_store_queue_handler_add(void *impl, const riptd_handler_rec *rec,
                                   int64_t limit, riptd_store_done_cb cb,
                                   void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_HANDLER_ADD, data);
  op->cb.done = cb;
  op->limit = limit;
  queue_copy_handler(op, rec);
  q->submit(q, op);
}

void riptd_store_queue_handler_replace(void *impl, const riptd_handler_rec *rec,
                                       riptd_store_done_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_HANDLER_REPLACE, data);
  op->cb.done = cb;
  queue_copy_handler(op, rec);
  q->submit(q, op);
}

void riptd_store_queue_handler_get(void *impl, const char *customer,
                                   const char *tg, const char *id,
                                   riptd_store_handler_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_HANDLER_GET, data);
  op->cb.handler = cb;
  if (!id)
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  queue_copy_key(op, customer, tg, id);
  q->submit(q, op);
}

void riptd_store_queue_handler_remove(void *impl, const char *customer,
                                      const char *tg, const char *id,
                                      riptd_store_done_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_HANDLER_REMOVE, data);
  op->cb.done = cb;
  if (!id)
    queue_refuse(op, RIPT_ERR_INVALID_ARGUMENT);
  queue_copy_key(op, customer, tg, id);
  q->submit(q, op);
}

void riptd_store_queue_handler_list(void *impl, const char *customer,
                                    const char *tg, riptd_store_handlers_cb cb,
                                    void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_HANDLER_LIST, data);
  op->cb.handlers = cb;
  queue_copy_key(op, customer, tg, NULL);
  q->submit(q, op);
}

void riptd_store_queue_call_add(void *impl, const riptd_call_rec *rec,
                                int64_t limit, int64_t now,
                                riptd_store_call_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CALL_ADD, data);
  op->cb.call = cb;
  op->limit = limit;
  op->now = now;
  queue_copy_call(op, rec, 1);
  q->submit(q, op);
}

void riptd_store_queue_call_get(void *impl, const char *uuid, int64_t now,
                                riptd_store_call_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CALL_GET, data);
  op->cb.call = cb;
  op->now = now;
  queue_copy_uuid(op, uuid);
  q->submit(q, op);
}

void riptd_store_queue_call_update(void *impl, const riptd_call_rec *rec,
                                   int64_t now, riptd_store_call_cb cb,
                                   void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CALL_UPDATE, data);
  op->cb.call = cb;
  op->now = now;
  queue_copy_call(op, rec, 0);
  q->submit(q, op);
}

void riptd_store_queue_call_remove(void *impl, const char *uuid,
                                   riptd_store_done_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CALL_REMOVE, data);
  op->cb.done = cb;
  queue_copy_uuid(op, uuid);
  q->submit(q, op);
}

void riptd_store_queue_cert_add(void *impl, const riptd_cert_rec *rec,
                                riptd_store_done_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CERT_ADD, data);
  op->cb.done = cb;
  queue_copy_cert(op, rec);
  q->submit(q, op);
}

void riptd_store_queue_cert_get(void *impl, const char *url,
                                riptd_store_cert_cb cb, void *data) {
  riptd_store_queue *q = impl;
  riptd_store_op *op = queue_op(q, RIPTD_STORE_OP_CERT_GET, data);
  riptd_cert_rec key = {(char *)(uintptr_t)url, NULL, NULL, NULL, NULL};
  op->cb.cert = cb;
  queue_copy_cert(op, &key);
  q->submit(q, op);
}

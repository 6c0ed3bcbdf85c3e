/*
 * server/store_backend.h - what riptd's store backends share (store.h is
 * what their users see).
 *
 * The store object: riptd_store_create checks and copies the
 * configuration; a backend's _new function then sets its |impl|.
 *
 * Queued operations, for backends that run in this process (memory,
 * SQLite): the riptd_store_queue_* functions below implement every
 * operation of riptd_store_ops but close. Each turns its arguments into a
 * riptd_store_op holding copies of them (so nothing the caller holds is
 * read later) and room for the results, and hands it to the backend's
 * |submit|, which runs it later (memory: on the next loop turn; SQLite: on
 * libuv's thread pool), fills the results and hands it to
 * riptd_store_queue_complete on the loop's thread. A backend's |impl|
 * starts with its riptd_store_queue.
 */
#ifndef RIPTD_STORE_BACKEND_H
#define RIPTD_STORE_BACKEND_H

#include "store.h"

/* A new store object for |ops| on |loop| with a copy of |cfg| (its |impl|
 * NULL). Returns 0, RIPT_ERR_NOMEM or RIPT_ERR_INVALID_ARGUMENT (no node
 * id, lease_ms <= 0, a negative grace or timeout). */
int riptd_store_create(riptd_store **pstore, const riptd_store_ops *ops,
                       uv_loop_t *loop, const riptd_store_config *cfg);
/* Frees a store object whose backend never started (NULL: no-op). */
void riptd_store_destroy(riptd_store *store);

typedef enum riptd_store_op_kind {
  RIPTD_STORE_OP_HANDLER_ADD = 0,
  RIPTD_STORE_OP_HANDLER_REPLACE,
  RIPTD_STORE_OP_HANDLER_GET,
  RIPTD_STORE_OP_HANDLER_REMOVE,
  RIPTD_STORE_OP_HANDLER_LIST,
  RIPTD_STORE_OP_CALL_ADD,
  RIPTD_STORE_OP_CALL_GET,
  RIPTD_STORE_OP_CALL_UPDATE,
  RIPTD_STORE_OP_CALL_REMOVE,
  RIPTD_STORE_OP_CERT_ADD,
  RIPTD_STORE_OP_CERT_GET
} riptd_store_op_kind;

typedef struct riptd_store_op {
  struct riptd_store_op *next; /* the backend's queue */
  riptd_store_op_kind kind;
  /* Nonzero: the backend runs it; zero: it completes with |rv| as set
   * (a copy failed, a key is missing, or the store is closing). */
  int run;
  /* In: copies of the arguments. A handler key (get, remove, list) is in
   * |handler| (customer, tg, id), a call's in |call| (uuid), a
   * certificate's in |cert| (url). */
  riptd_handler_rec handler;
  riptd_call_rec call;
  riptd_cert_rec cert;
  int64_t limit, now;
  /* Out: set by the backend (records owned by the op). */
  int rv;
  riptd_handler_rec *handlers; /* get: one; list: |nhandlers| */
  size_t nhandlers;
  int has_call; /* |call_out| holds the record the callback gets */
  riptd_call_rec call_out;
  int has_cert;
  riptd_cert_rec cert_out;
  /* private */
  union {
    riptd_store_done_cb done;
    riptd_store_call_cb call;
    riptd_store_handler_cb handler;
    riptd_store_handlers_cb handlers;
    riptd_store_cert_cb cert;
  } cb;
  void *data;
  int spare;
} riptd_store_op;

enum { RIPTD_STORE_SPARES = 8 };

typedef struct riptd_store_queue {
  /* The backend's: queue |op| to run later. */
  void (*submit)(struct riptd_store_queue *q, riptd_store_op *op);
  /* Nonzero once the store is closing: new operations are not run but
   * complete with RIPTD_STORE_UNAVAILABLE (still through |submit|). */
  int closing;
  /* private: operations for when malloc fails, so that even that failure
   * completes later, as every other result does */
  riptd_store_op spares[RIPTD_STORE_SPARES];
  riptd_store_op *free_spares;
} riptd_store_queue;

void riptd_store_queue_init(riptd_store_queue *q,
                            void (*submit)(riptd_store_queue *q,
                                           riptd_store_op *op));

/* Calls the operation's callback with its results, then frees it. */
void riptd_store_queue_complete(riptd_store_queue *q, riptd_store_op *op);

/* The operations of riptd_store_ops for an |impl| that starts with a
 * riptd_store_queue. */
void riptd_store_queue_handler_add(void *impl, const riptd_handler_rec *rec,
                                   int64_t limit, riptd_store_done_cb cb,
                                   void *data);
void riptd_store_queue_handler_replace(void *impl, const riptd_handler_rec *rec,
                                       riptd_store_done_cb cb, void *data);
void riptd_store_queue_handler_get(void *impl, const char *customer,
                                   const char *tg, const char *id,
                                   riptd_store_handler_cb cb, void *data);
void riptd_store_queue_handler_remove(void *impl, const char *customer,
                                      const char *tg, const char *id,
                                      riptd_store_done_cb cb, void *data);
void riptd_store_queue_handler_list(void *impl, const char *customer,
                                    const char *tg, riptd_store_handlers_cb cb,
                                    void *data);
void riptd_store_queue_call_add(void *impl, const riptd_call_rec *rec,
                                int64_t limit, int64_t now,
                                riptd_store_call_cb cb, void *data);
void riptd_store_queue_call_get(void *impl, const char *uuid, int64_t now,
                                riptd_store_call_cb cb, void *data);
void riptd_store_queue_call_update(void *impl, const riptd_call_rec *rec,
                                   int64_t now, riptd_store_call_cb cb,
                                   void *data);
void riptd_store_queue_call_remove(void *impl, const char *uuid,
                                   riptd_store_done_cb cb, void *data);
void riptd_store_queue_cert_add(void *impl, const riptd_cert_rec *rec,
                                riptd_store_done_cb cb, void *data);
void riptd_store_queue_cert_get(void *impl, const char *url,
                                riptd_store_cert_cb cb, void *data);

/* The riptd_store_ops of a queued backend called |name| that closes with
 * |close|. */
#define RIPTD_STORE_QUEUE_OPS(name, close)                                     \
  {                                                                            \
    name, riptd_store_queue_handler_add, riptd_store_queue_handler_replace,    \
        riptd_store_queue_handler_get, riptd_store_queue_handler_remove,       \
        riptd_store_queue_handler_list, riptd_store_queue_call_add,            \
        riptd_store_queue_call_get, riptd_store_queue_call_update,             \
        riptd_store_queue_call_remove, riptd_store_queue_cert_add,             \
        riptd_store_queue_cert_get, close                                      \
  }

#endif /* RIPTD_STORE_BACKEND_H */

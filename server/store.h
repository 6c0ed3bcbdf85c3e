/*
 * server/store.h - where riptd keeps handlers, calls and issued STIR
 * certificates.
 *
 * Every record lives behind this interface and never inside a connection
 * object, so a call outlives the connection that created it and a later
 * backend (a database shared by several riptd instances behind a load
 * balancer) can replace the in-memory one without touching the resources.
 *
 * Records travel by value: _add and _replace copy what they are given, _get
 * fills a caller-owned record with freshly allocated strings (free it with
 * riptd_<x>_rec_free). Nothing a caller holds ever points into the store.
 *
 * Functions return 0, RIPTD_STORE_EXISTS, RIPTD_STORE_NOT_FOUND, or
 * RIPT_ERR_NOMEM. Thread-safety: none; riptd runs one loop on one thread.
 */
#ifndef RIPTD_STORE_H
#define RIPTD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ript/call.h"
#include "ript/uri.h"

/* A record with that key is already stored. */
#define RIPTD_STORE_EXISTS -1001
/* No record with that key. */
#define RIPTD_STORE_NOT_FOUND -1002

/* A registered handler. Keyed by (customer, tg, id): a handler URI is
 * resolved within the customer whose token the request carries. */
typedef struct riptd_handler_rec {
  char *customer;
  char *tg;
  char *id; /* the handler-id */
  char *advertisement;
} riptd_handler_rec;

/* A call. Keyed by its UUID. */
typedef struct riptd_call_rec {
  char uuid[RIPT_URI_UUID_LEN + 1];
  char *customer;
  char *tg;
  char *handler_id;
  char *from; /* E.164, the PASSporT's orig */
  char *to;   /* the normalized destination */
  char *client_directives; /* "" when the client sends nothing */
  char *server_directives; /* "" when the server sends nothing */
  size_t route;            /* index of the TG's route that answers it */
  ript_call_state state;
  int64_t created_ms; /* Unix time */
} riptd_call_rec;

/* A certificate riptd's STIR CA issued. Keyed by its URL (the PASSporT's
 * x5u names it). */
typedef struct riptd_cert_rec {
  char *url;
  char *tg;
  char *customer;
  char *tn;        /* the number it covers, E.164 */
  char *chain_pem; /* the leaf then the CA, PEM */
} riptd_cert_rec;

/* Frees the strings of a record filled by a _get (or built by the caller
 * with malloc'd strings) and zeroes it. NULL is a no-op. */
void riptd_handler_rec_free(riptd_handler_rec *rec);
void riptd_call_rec_free(riptd_call_rec *rec);
void riptd_cert_rec_free(riptd_cert_rec *rec);

/* The operations a backend implements; |impl| is the backend's state. */
typedef struct riptd_store_ops {
  int (*handler_add)(void *impl, const riptd_handler_rec *rec);
  int (*handler_replace)(void *impl, const riptd_handler_rec *rec);
  int (*handler_get)(void *impl, const char *customer, const char *tg,
                     const char *id, riptd_handler_rec *out);
  int (*handler_remove)(void *impl, const char *customer, const char *tg,
                        const char *id);
  /* Every handler of (customer, tg), sorted by id: *|out| is an array of
   * *|n| records (NULL when 0), freed with riptd_store_handlers_free. */
  int (*handler_list)(void *impl, const char *customer, const char *tg,
                      riptd_handler_rec **out, size_t *n);
  int (*call_add)(void *impl, const riptd_call_rec *rec);
  int (*call_replace)(void *impl, const riptd_call_rec *rec);
  int (*call_get)(void *impl, const char *uuid, riptd_call_rec *out);
  int (*call_remove)(void *impl, const char *uuid);
  int (*cert_add)(void *impl, const riptd_cert_rec *rec);
  int (*cert_get)(void *impl, const char *url, riptd_cert_rec *out);
  /* How many handlers (on all TGs) and calls not yet ended |customer|
   * has, for the limits of the configuration. */
  void (*usage)(void *impl, const char *customer, size_t *handlers,
                size_t *live_calls);
  void (*del)(void *impl);
} riptd_store_ops;

typedef struct riptd_store {
  const riptd_store_ops *ops;
  void *impl;
} riptd_store;

/* A new in-memory store in |*pstore| (free with riptd_store_del).
 * Returns 0 or RIPT_ERR_NOMEM. */
int riptd_store_mem_new(riptd_store **pstore);

/* Frees the store and every record in it. NULL is a no-op. */
void riptd_store_del(riptd_store *store);

/* Add a new handler: 0, RIPTD_STORE_EXISTS, or RIPT_ERR_NOMEM. */
int riptd_store_handler_add(riptd_store *s, const riptd_handler_rec *rec);
/* Replace an existing handler: 0, RIPTD_STORE_NOT_FOUND, RIPT_ERR_NOMEM. */
int riptd_store_handler_replace(riptd_store *s, const riptd_handler_rec *rec);
/* Fill |out|: 0, RIPTD_STORE_NOT_FOUND, or RIPT_ERR_NOMEM. */
int riptd_store_handler_get(riptd_store *s, const char *customer,
                            const char *tg, const char *id,
                            riptd_handler_rec *out);
/* Remove: 0 or RIPTD_STORE_NOT_FOUND. */
int riptd_store_handler_remove(riptd_store *s, const char *customer,
                               const char *tg, const char *id);
/* List (see riptd_store_ops): 0 or RIPT_ERR_NOMEM. */
int riptd_store_handler_list(riptd_store *s, const char *customer,
                             const char *tg, riptd_handler_rec **out,
                             size_t *n);
/* Frees what riptd_store_handler_list returned. */
void riptd_store_handlers_free(riptd_handler_rec *recs, size_t n);

/* Calls: add (RIPTD_STORE_EXISTS when the UUID is taken), replace
 * (RIPTD_STORE_NOT_FOUND), get (RIPTD_STORE_NOT_FOUND), remove (0 or
 * RIPTD_STORE_NOT_FOUND; a terminated call's record goes after 5 minutes,
 * docs/PROTOCOL.md §13 decision 10). */
int riptd_store_call_add(riptd_store *s, const riptd_call_rec *rec);
int riptd_store_call_replace(riptd_store *s, const riptd_call_rec *rec);
int riptd_store_call_get(riptd_store *s, const char *uuid,
                         riptd_call_rec *out);
int riptd_store_call_remove(riptd_store *s, const char *uuid);

/* See riptd_store_ops.usage. */
void riptd_store_usage(riptd_store *s, const char *customer, size_t *handlers,
                       size_t *live_calls);

/* Certificates by URL: add (RIPTD_STORE_EXISTS), get
 * (RIPTD_STORE_NOT_FOUND). */
int riptd_store_cert_add(riptd_store *s, const riptd_cert_rec *rec);
int riptd_store_cert_get(riptd_store *s, const char *url,
                         riptd_cert_rec *out);

/* Deep copies, for backends: 0 or RIPT_ERR_NOMEM (|dst| zeroed then). */
int riptd_handler_rec_copy(riptd_handler_rec *dst,
                           const riptd_handler_rec *src);
int riptd_call_rec_copy(riptd_call_rec *dst, const riptd_call_rec *src);
int riptd_cert_rec_copy(riptd_cert_rec *dst, const riptd_cert_rec *src);

#endif /* RIPTD_STORE_H */

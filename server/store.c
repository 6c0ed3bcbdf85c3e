/* The store interface: dispatch to the backend, and record copies. */
#include <stdlib.h>
#include <string.h>

#include "store.h"

static int store_dup(char **dst, const char *src) {
  if (!src) {
    *dst = NULL;
    return 0;
  }
  *dst = strdup(src);
  return *dst ? 0 : RIPT_ERR_NOMEM;
}

void riptd_handler_rec_free(riptd_handler_rec *rec) {
  if (!rec)
    return;
  free(rec->customer);
  free(rec->tg);
  free(rec->id);
  free(rec->advertisement);
  memset(rec, 0, sizeof(*rec));
}

void riptd_call_rec_free(riptd_call_rec *rec) {
  if (!rec)
    return;
  free(rec->customer);
  free(rec->tg);
  free(rec->handler_id);
  free(rec->from);
  free(rec->to);
  free(rec->client_directives);
  free(rec->server_directives);
  memset(rec, 0, sizeof(*rec));
}

void riptd_cert_rec_free(riptd_cert_rec *rec) {
  if (!rec)
    return;
  free(rec->url);
  free(rec->tg);
  free(rec->customer);
  free(rec->tn);
  free(rec->chain_pem);
  memset(rec, 0, sizeof(*rec));
}

int riptd_handler_rec_copy(riptd_handler_rec *dst,
                           const riptd_handler_rec *src) {
  memset(dst, 0, sizeof(*dst));
  if (store_dup(&dst->customer, src->customer) ||
      store_dup(&dst->tg, src->tg) || store_dup(&dst->id, src->id) ||
      store_dup(&dst->advertisement, src->advertisement)) {
    riptd_handler_rec_free(dst);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

int riptd_call_rec_copy(riptd_call_rec *dst, const riptd_call_rec *src) {
  memset(dst, 0, sizeof(*dst));
  memcpy(dst->uuid, src->uuid, sizeof(dst->uuid));
  dst->route = src->route;
  dst->state = src->state;
  dst->created_ms = src->created_ms;
  if (store_dup(&dst->customer, src->customer) ||
      store_dup(&dst->tg, src->tg) ||
      store_dup(&dst->handler_id, src->handler_id) ||
      store_dup(&dst->from, src->from) || store_dup(&dst->to, src->to) ||
      store_dup(&dst->client_directives, src->client_directives) ||
      store_dup(&dst->server_directives, src->server_directives)) {
    riptd_call_rec_free(dst);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

int riptd_cert_rec_copy(riptd_cert_rec *dst, const riptd_cert_rec *src) {
  memset(dst, 0, sizeof(*dst));
  if (store_dup(&dst->url, src->url) || store_dup(&dst->tg, src->tg) ||
      store_dup(&dst->customer, src->customer) ||
      store_dup(&dst->tn, src->tn) ||
      store_dup(&dst->chain_pem, src->chain_pem)) {
    riptd_cert_rec_free(dst);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

void riptd_store_del(riptd_store *store) {
  if (store)
    store->ops->del(store->impl);
  free(store);
}

int riptd_store_handler_add(riptd_store *s, const riptd_handler_rec *rec) {
  return s->ops->handler_add(s->impl, rec);
}

int riptd_store_handler_replace(riptd_store *s, const riptd_handler_rec *rec) {
  return s->ops->handler_replace(s->impl, rec);
}

int riptd_store_handler_get(riptd_store *s, const char *customer,
                            const char *tg, const char *id,
                            riptd_handler_rec *out) {
  return s->ops->handler_get(s->impl, customer, tg, id, out);
}

int riptd_store_handler_remove(riptd_store *s, const char *customer,
                               const char *tg, const char *id) {
  return s->ops->handler_remove(s->impl, customer, tg, id);
}

int riptd_store_handler_list(riptd_store *s, const char *customer,
                             const char *tg, riptd_handler_rec **out,
                             size_t *n) {
  return s->ops->handler_list(s->impl, customer, tg, out, n);
}

void riptd_store_handlers_free(riptd_handler_rec *recs, size_t n) {
  for (size_t i = 0; i < n; ++i)
    riptd_handler_rec_free(&recs[i]);
  free(recs);
}

void riptd_store_usage(riptd_store *s, const char *customer, size_t *handlers,
                       size_t *live_calls) {
  s->ops->usage(s->impl, customer, handlers, live_calls);
}

int riptd_store_call_add(riptd_store *s, const riptd_call_rec *rec) {
  return s->ops->call_add(s->impl, rec);
}

int riptd_store_call_replace(riptd_store *s, const riptd_call_rec *rec) {
  return s->ops->call_replace(s->impl, rec);
}

int riptd_store_call_get(riptd_store *s, const char *uuid,
                         riptd_call_rec *out) {
  return s->ops->call_get(s->impl, uuid, out);
}

int riptd_store_call_remove(riptd_store *s, const char *uuid) {
  return s->ops->call_remove(s->impl, uuid);
}

int riptd_store_cert_add(riptd_store *s, const riptd_cert_rec *rec) {
  return s->ops->cert_add(s->impl, rec);
}

int riptd_store_cert_get(riptd_store *s, const char *url,
                         riptd_cert_rec *out) {
  return s->ops->cert_get(s->impl, url, out);
}

/* The store interface: the store object, dispatch to the backend, and
 * record copies. */
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"

static int store_dup(char **dst, const char *src) {
  if (!src) {
    *dst = NULL;
    return 0;
  }
  *dst = strdup(src);
  return *dst ? 0 : RIPT_ERR_NOMEM;
}

/* ---- records ---- */

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
  free(rec->state_reason);
  free(rec->owner);
  free(rec->owner_uri);
  free(rec->leg);
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
  dst->uuid[RIPT_URI_UUID_LEN] = '\0';
  dst->route = src->route;
  dst->state = src->state;
  dst->created_ms = src->created_ms;
  dst->state_ms = src->state_ms;
  dst->version = src->version;
  dst->lease_until_ms = src->lease_until_ms;
  dst->expires_ms = src->expires_ms;
  if (store_dup(&dst->customer, src->customer) ||
      store_dup(&dst->tg, src->tg) ||
      store_dup(&dst->handler_id, src->handler_id) ||
      store_dup(&dst->from, src->from) || store_dup(&dst->to, src->to) ||
      store_dup(&dst->client_directives, src->client_directives) ||
      store_dup(&dst->server_directives, src->server_directives) ||
      store_dup(&dst->state_reason, src->state_reason) ||
      store_dup(&dst->owner, src->owner) ||
      store_dup(&dst->owner_uri, src->owner_uri) ||
      store_dup(&dst->leg, src->leg)) {
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

int riptd_call_rec_is_live(const riptd_call_rec *rec, int64_t now,
                           int64_t grace_ms) {
  if (rec->expires_ms > 0 && rec->expires_ms <= now)
    return 0;
  return !ript_call_state_is_terminal(rec->state) &&
         now <= rec->lease_until_ms + grace_ms;
}

/* ---- the store object ---- */

int riptd_store_create(riptd_store **pstore, const riptd_store_ops *ops,
                       uv_loop_t *loop, const riptd_store_config *cfg) {
  if (!cfg || !cfg->node_id || !cfg->node_id[0] || cfg->lease_ms <= 0 ||
      cfg->orphan_grace_ms < 0 || cfg->timeout_ms < 0 || !loop)
    return RIPT_ERR_INVALID_ARGUMENT;
  riptd_store *s = calloc(1, sizeof(*s));
  char *node = strdup(cfg->node_id);
  if (!s || !node) {
    free(s);
    free(node);
    return RIPT_ERR_NOMEM;
  }
  s->ops = ops;
  s->loop = loop;
  s->cfg = *cfg;
  s->cfg.node_id = node;
  if (!s->cfg.timeout_ms)
    s->cfg.timeout_ms = RIPTD_STORE_DEFAULT_TIMEOUT_MS;
  *pstore = s;
  return 0;
}

void riptd_store_destroy(riptd_store *store) {
  if (!store)
    return;
  free((char *)(uintptr_t)store->cfg.node_id);
  free(store);
}

static void store_closed(void *data) {
  riptd_store *store = data;
  void (*cb)(void *) = store->on_closed;
  void *cb_data = store->on_closed_data;
  riptd_store_destroy(store);
  if (cb)
    cb(cb_data);
}

void riptd_store_close(riptd_store *store, void (*cb)(void *data), void *data) {
  if (!store) {
    if (cb)
      cb(data);
    return;
  }
  store->on_closed = cb;
  store->on_closed_data = data;
  store->ops->close(store->impl, store_closed, store);
}

void riptd_call_rec_renew(riptd_call_rec *rec, const riptd_store_config *cfg,
                          int64_t keep_ms, int64_t now) {
  rec->lease_until_ms = now + cfg->lease_ms;
  rec->expires_ms = rec->lease_until_ms + cfg->orphan_grace_ms + keep_ms;
}

void riptd_store_call_lease(const riptd_store *s, riptd_call_rec *rec,
                            int64_t keep_ms, int64_t now) {
  rec->owner = (char *)(uintptr_t)s->cfg.node_id;
  riptd_call_rec_renew(rec, &s->cfg, keep_ms, now);
}

/* ---- dispatch ---- */

void riptd_store_handler_add(riptd_store *s, const riptd_handler_rec *rec,
                             int64_t limit, riptd_store_done_cb cb,
                             void *data) {
  s->ops->handler_add(s->impl, rec, limit, cb, data);
}

void riptd_store_handler_replace(riptd_store *s, const riptd_handler_rec *rec,
                                 riptd_store_done_cb cb, void *data) {
  s->ops->handler_replace(s->impl, rec, cb, data);
}

void riptd_store_handler_get(riptd_store *s, const char *customer,
                             const char *tg, const char *id,
                             riptd_store_handler_cb cb, void *data) {
  s->ops->handler_get(s->impl, customer, tg, id, cb, data);
}

void riptd_store_handler_remove(riptd_store *s, const char *customer,
                                const char *tg, const char *id,
                                riptd_store_done_cb cb, void *data) {
  s->ops->handler_remove(s->impl, customer, tg, id, cb, data);
}

void riptd_store_handler_list(riptd_store *s, const char *customer,
                              const char *tg, riptd_store_handlers_cb cb,
                              void *data) {
  s->ops->handler_list(s->impl, customer, tg, cb, data);
}

void riptd_store_call_add(riptd_store *s, const riptd_call_rec *rec,
                          int64_t limit, int64_t now, riptd_store_call_cb cb,
                          void *data) {
  s->ops->call_add(s->impl, rec, limit, now, cb, data);
}

void riptd_store_call_get(riptd_store *s, const char *uuid, int64_t now,
                          riptd_store_call_cb cb, void *data) {
  s->ops->call_get(s->impl, uuid, now, cb, data);
}

void riptd_store_call_update(riptd_store *s, const riptd_call_rec *rec,
                             int64_t now, riptd_store_call_cb cb, void *data) {
  s->ops->call_update(s->impl, rec, now, cb, data);
}

void riptd_store_call_remove(riptd_store *s, const char *uuid,
                             riptd_store_done_cb cb, void *data) {
  s->ops->call_remove(s->impl, uuid, cb, data);
}

void riptd_store_cert_add(riptd_store *s, const riptd_cert_rec *rec,
                          riptd_store_done_cb cb, void *data) {
  s->ops->cert_add(s->impl, rec, cb, data);
}

void riptd_store_cert_get(riptd_store *s, const char *url,
                          riptd_store_cert_cb cb, void *data) {
  s->ops->cert_get(s->impl, url, cb, data);
}

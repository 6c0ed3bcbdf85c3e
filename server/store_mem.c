/* The in-memory store: three hash maps of record copies, keyed by string. */
#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "store.h"

/* ---- a string-keyed hash map of owned values ---- */

typedef struct mem_entry {
  struct mem_entry *next;
  uint64_t hash;
  char *key;
  void *value;
} mem_entry;

typedef struct mem_map {
  mem_entry **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
  void (*free_value)(void *value);
} mem_map;

static uint64_t mem_hash(const char *key) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; ++p)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

static void mem_map_init(mem_map *m, void (*free_value)(void *)) {
  memset(m, 0, sizeof(*m));
  m->free_value = free_value;
}

static void mem_map_free(mem_map *m) {
  for (size_t i = 0; i < m->nbuckets; ++i) {
    for (mem_entry *e = m->buckets[i], *next; e; e = next) {
      next = e->next;
      m->free_value(e->value);
      free(e->key);
      free(e);
    }
  }
  free(m->buckets);
  memset(m, 0, sizeof(*m));
}

static mem_entry **mem_map_slot(const mem_map *m, const char *key,
                                uint64_t hash) {
  if (!m->nbuckets)
    return NULL;
  mem_entry **slot = &m->buckets[hash & (m->nbuckets - 1)];
  while (*slot && ((*slot)->hash != hash || strcmp((*slot)->key, key) != 0))
    slot = &(*slot)->next;
  return slot;
}

static void *mem_map_get(const mem_map *m, const char *key) {
  mem_entry **slot = mem_map_slot(m, key, mem_hash(key));
  return slot && *slot ? (*slot)->value : NULL;
}

static int mem_map_grow(mem_map *m) {
  size_t n = m->nbuckets ? m->nbuckets * 2 : 64;
  mem_entry **buckets = calloc(n, sizeof(*buckets));
  if (!buckets)
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < m->nbuckets; ++i) {
    for (mem_entry *e = m->buckets[i], *next; e; e = next) {
      next = e->next;
      e->next = buckets[e->hash & (n - 1)];
      buckets[e->hash & (n - 1)] = e;
    }
  }
  free(m->buckets);
  m->buckets = buckets;
  m->nbuckets = n;
  return 0;
}

/* Stores |value| (taking ownership on success) under a copy of |key|, which
 * must not be present. */
static int mem_map_put(mem_map *m, const char *key, void *value) {
  if (m->count >= m->nbuckets && mem_map_grow(m) != 0)
    return RIPT_ERR_NOMEM;
  mem_entry *e = calloc(1, sizeof(*e));
  char *k = strdup(key);
  if (!e || !k) {
    free(e);
    free(k);
    return RIPT_ERR_NOMEM;
  }
  e->hash = mem_hash(key);
  e->key = k;
  e->value = value;
  mem_entry **bucket = &m->buckets[e->hash & (m->nbuckets - 1)];
  e->next = *bucket;
  *bucket = e;
  ++m->count;
  return 0;
}

/* Swaps in |value| for the present value of |key|, freeing the old one. */
static void mem_map_swap(mem_map *m, const char *key, void *value) {
  mem_entry *e = *mem_map_slot(m, key, mem_hash(key));
  m->free_value(e->value);
  e->value = value;
}

static int mem_map_remove(mem_map *m, const char *key) {
  mem_entry **slot = mem_map_slot(m, key, mem_hash(key));
  if (!slot || !*slot)
    return RIPTD_STORE_NOT_FOUND;
  mem_entry *e = *slot;
  *slot = e->next;
  m->free_value(e->value);
  free(e->key);
  free(e);
  --m->count;
  return 0;
}

/* ---- the store ---- */

typedef struct store_mem {
  mem_map handlers, calls, certs;
} store_mem;

static void mem_free_handler(void *v) {
  riptd_handler_rec_free(v);
  free(v);
}

static void mem_free_call(void *v) {
  riptd_call_rec_free(v);
  free(v);
}

static void mem_free_cert(void *v) {
  riptd_cert_rec_free(v);
  free(v);
}

/* "customer\ntg\nid": no name riptd accepts holds a line feed. */
static char *mem_handler_key(const char *customer, const char *tg,
                             const char *id) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (ript_buf_printf(&b, "%s\n%s\n%s", customer, tg, id) != 0)
    return NULL;
  return (char *)b.data;
}

/* Stores |copy| (owned; NULL when copying ran out of memory) under |key|,
 * as a new value or as the replacement of the present one. */
static int mem_store(mem_map *m, const char *key, void *copy, int replace) {
  if (!copy)
    return RIPT_ERR_NOMEM;
  int present = mem_map_get(m, key) != NULL;
  if (present != replace) {
    m->free_value(copy);
    return replace ? RIPTD_STORE_NOT_FOUND : RIPTD_STORE_EXISTS;
  }
  if (replace) {
    mem_map_swap(m, key, copy);
    return 0;
  }
  if (mem_map_put(m, key, copy) != 0) {
    m->free_value(copy);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

static void *mem_copy_handler(const riptd_handler_rec *rec) {
  riptd_handler_rec *copy = malloc(sizeof(*copy));
  if (copy && riptd_handler_rec_copy(copy, rec) != 0) {
    free(copy);
    return NULL;
  }
  return copy;
}

static void *mem_copy_call(const riptd_call_rec *rec) {
  riptd_call_rec *copy = malloc(sizeof(*copy));
  if (copy && riptd_call_rec_copy(copy, rec) != 0) {
    free(copy);
    return NULL;
  }
  return copy;
}

static void *mem_copy_cert(const riptd_cert_rec *rec) {
  riptd_cert_rec *copy = malloc(sizeof(*copy));
  if (copy && riptd_cert_rec_copy(copy, rec) != 0) {
    free(copy);
    return NULL;
  }
  return copy;
}

static int mem_handler_store(store_mem *s, const riptd_handler_rec *rec,
                             int replace) {
  char *key = mem_handler_key(rec->customer, rec->tg, rec->id);
  if (!key)
    return RIPT_ERR_NOMEM;
  int rv = mem_store(&s->handlers, key, mem_copy_handler(rec), replace);
  free(key);
  return rv;
}

static int mem_handler_add(void *impl, const riptd_handler_rec *rec) {
  return mem_handler_store(impl, rec, 0);
}

static int mem_handler_replace(void *impl, const riptd_handler_rec *rec) {
  return mem_handler_store(impl, rec, 1);
}

static int mem_handler_get(void *impl, const char *customer, const char *tg,
                           const char *id, riptd_handler_rec *out) {
  store_mem *s = impl;
  char *key = mem_handler_key(customer, tg, id);
  if (!key)
    return RIPT_ERR_NOMEM;
  const riptd_handler_rec *rec = mem_map_get(&s->handlers, key);
  free(key);
  if (!rec)
    return RIPTD_STORE_NOT_FOUND;
  return riptd_handler_rec_copy(out, rec);
}

static int mem_handler_remove(void *impl, const char *customer,
                              const char *tg, const char *id) {
  store_mem *s = impl;
  char *key = mem_handler_key(customer, tg, id);
  if (!key)
    return RIPT_ERR_NOMEM;
  int rv = mem_map_remove(&s->handlers, key);
  free(key);
  return rv;
}

static int mem_handler_cmp(const void *a, const void *b) {
  return strcmp(((const riptd_handler_rec *)a)->id,
                ((const riptd_handler_rec *)b)->id);
}

static int mem_handler_list(void *impl, const char *customer, const char *tg,
                            riptd_handler_rec **out, size_t *n) {
  store_mem *s = impl;
  size_t count = 0;
  riptd_handler_rec *recs = NULL;
  *out = NULL;
  *n = 0;
  if (s->handlers.count &&
      !(recs = calloc(s->handlers.count, sizeof(*recs))))
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < s->handlers.nbuckets; ++i) {
    for (mem_entry *e = s->handlers.buckets[i]; e; e = e->next) {
      const riptd_handler_rec *rec = e->value;
      if (strcmp(rec->customer, customer) != 0 || strcmp(rec->tg, tg) != 0)
        continue;
      if (riptd_handler_rec_copy(&recs[count], rec) != 0) {
        riptd_store_handlers_free(recs, count);
        return RIPT_ERR_NOMEM;
      }
      ++count;
    }
  }
  if (count == 0) {
    free(recs);
    return 0;
  }
  qsort(recs, count, sizeof(*recs), mem_handler_cmp);
  *out = recs;
  *n = count;
  return 0;
}

static int mem_call_add(void *impl, const riptd_call_rec *rec) {
  store_mem *s = impl;
  return mem_store(&s->calls, rec->uuid, mem_copy_call(rec), 0);
}

static int mem_call_replace(void *impl, const riptd_call_rec *rec) {
  store_mem *s = impl;
  return mem_store(&s->calls, rec->uuid, mem_copy_call(rec), 1);
}

static int mem_call_get(void *impl, const char *uuid, riptd_call_rec *out) {
  store_mem *s = impl;
  const riptd_call_rec *rec = mem_map_get(&s->calls, uuid);
  return rec ? riptd_call_rec_copy(out, rec) : RIPTD_STORE_NOT_FOUND;
}

static int mem_call_remove(void *impl, const char *uuid) {
  store_mem *s = impl;
  return mem_map_remove(&s->calls, uuid);
}

static int mem_cert_add(void *impl, const riptd_cert_rec *rec) {
  store_mem *s = impl;
  return mem_store(&s->certs, rec->url, mem_copy_cert(rec), 0);
}

static int mem_cert_get(void *impl, const char *url, riptd_cert_rec *out) {
  store_mem *s = impl;
  const riptd_cert_rec *rec = mem_map_get(&s->certs, url);
  return rec ? riptd_cert_rec_copy(out, rec) : RIPTD_STORE_NOT_FOUND;
}

static void mem_usage(void *impl, const char *customer, size_t *handlers,
                      size_t *live_calls) {
  store_mem *s = impl;
  *handlers = *live_calls = 0;
  for (size_t i = 0; i < s->handlers.nbuckets; ++i)
    for (mem_entry *e = s->handlers.buckets[i]; e; e = e->next)
      *handlers += strcmp(((riptd_handler_rec *)e->value)->customer,
                          customer) == 0;
  for (size_t i = 0; i < s->calls.nbuckets; ++i) {
    for (mem_entry *e = s->calls.buckets[i]; e; e = e->next) {
      const riptd_call_rec *rec = e->value;
      *live_calls += strcmp(rec->customer, customer) == 0 &&
                     !ript_call_state_is_terminal(rec->state);
    }
  }
}

static void mem_del(void *impl) {
  store_mem *s = impl;
  if (!s)
    return;
  mem_map_free(&s->handlers);
  mem_map_free(&s->calls);
  mem_map_free(&s->certs);
  free(s);
}

static const riptd_store_ops mem_ops = {
    mem_handler_add, mem_handler_replace, mem_handler_get,
    mem_handler_remove, mem_handler_list, mem_call_add,
    mem_call_replace, mem_call_get, mem_call_remove, mem_cert_add,
    mem_cert_get, mem_usage, mem_del,
};

int riptd_store_mem_new(riptd_store **pstore) {
  riptd_store *store = malloc(sizeof(*store));
  store_mem *s = calloc(1, sizeof(*s));
  if (!store || !s) {
    free(store);
    free(s);
    return RIPT_ERR_NOMEM;
  }
  mem_map_init(&s->handlers, mem_free_handler);
  mem_map_init(&s->calls, mem_free_call);
  mem_map_init(&s->certs, mem_free_cert);
  store->ops = &mem_ops;
  store->impl = s;
  *pstore = store;
  return 0;
}

/* The in-memory store: record copies in seeded hash maps (ript/map.h),
 * operations run on the next loop turn (a queue drained by a uv_idle). */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "ript/map.h"
#include "store_backend.h"

enum {
  /* Expired calls are swept out at most this often (in the |now| of the
   * operations); those met earlier go at once. */
  MEM_SWEEP_MS = 1000,
};

/* A customer: what its limits count. */
typedef struct mem_customer {
  ript_map_node node;
  char *name;
  size_t handlers;           /* on all TGs */
  struct mem_handler *hlist; /* its handlers, for lists */
  struct mem_call *live;     /* its calls not in a terminal state */
  size_t refs;               /* handlers and calls that point here */
} mem_customer;

typedef struct mem_handler {
  ript_map_node node;
  char *key; /* customer NUL tg NUL id */
  size_t keylen;
  mem_customer *cu;
  struct mem_handler *prev, *next; /* the customer's */
  riptd_handler_rec rec;
} mem_handler;

typedef struct mem_call {
  ript_map_node node; /* keyed by rec.uuid */
  mem_customer *cu;
  struct mem_call *prev, *next; /* the customer's live list, if on it */
  int on_live;
  riptd_call_rec rec;
} mem_call;

typedef struct mem_cert {
  ript_map_node node; /* keyed by rec.url */
  riptd_cert_rec rec;
} mem_cert;

typedef struct store_mem {
  riptd_store_queue q; /* first: the queue functions' |impl| */
  uv_idle_t idle;
  riptd_store_op *head, **tail; /* to run on the next turn */
  ript_map customers, handlers, calls, certs;
  int64_t grace; /* the orphan grace of the live-call count */
  int64_t next_sweep;
  int draining; /* inside mem_on_idle */
  void (*on_closed)(void *);
  void *on_closed_data;
} store_mem;

/* ---- customers ---- */

static mem_customer *mem_customer_get(store_mem *m, const char *name,
                                      int create) {
  ript_map_node *n = ript_map_find(&m->customers, name, strlen(name));
  if (n || !create)
    return n ? RIPT_MAP_ENTRY(n, mem_customer, node) : NULL;
  mem_customer *cu = calloc(1, sizeof(*cu));
  if (cu && !(cu->name = strdup(name))) {
    free(cu);
    return NULL;
  }
  if (cu && ript_map_insert(&m->customers, &cu->node, cu->name,
                            strlen(cu->name)) != 0) {
    free(cu->name);
    free(cu);
    return NULL;
  }
  return cu;
}

static void mem_customer_unref(store_mem *m, mem_customer *cu) {
  if (--cu->refs)
    return;
  ript_map_remove(&m->customers, &cu->node);
  free(cu->name);
  free(cu);
}

/* ---- handlers ---- */

/* "customer" NUL "tg" NUL "id": no name riptd accepts holds a NUL. */
static char *mem_handler_key(const riptd_handler_rec *rec, size_t *len) {
  size_t a = strlen(rec->customer), b = strlen(rec->tg), c = strlen(rec->id);
  char *key = malloc(a + b + c + 3);
  if (!key)
    return NULL;
  memcpy(key, rec->customer, a + 1);
  memcpy(key + a + 1, rec->tg, b + 1);
  memcpy(key + a + b + 2, rec->id, c + 1);
  *len = a + b + c + 2;
  return key;
}

static mem_handler *mem_handler_find(store_mem *m,
                                     const riptd_handler_rec *key) {
  size_t len;
  char *k = mem_handler_key(key, &len);
  ript_map_node *n = k ? ript_map_find(&m->handlers, k, len) : NULL;
  free(k);
  return n ? RIPT_MAP_ENTRY(n, mem_handler, node) : NULL;
}

static void mem_handler_free(store_mem *m, mem_handler *h) {
  ript_map_remove(&m->handlers, &h->node);
  if (h->prev)
    h->prev->next = h->next;
  else
    h->cu->hlist = h->next;
  if (h->next)
    h->next->prev = h->prev;
  --h->cu->handlers;
  mem_customer_unref(m, h->cu);
  riptd_handler_rec_free(&h->rec);
  free(h->key);
  free(h);
}

static int mem_handler_add(store_mem *m, riptd_store_op *op) {
  mem_customer *cu = mem_customer_get(m, op->handler.customer, 0);
  if (cu && (int64_t)cu->handlers >= op->limit)
    return RIPTD_STORE_LIMIT;
  if (!cu && op->limit <= 0)
    return RIPTD_STORE_LIMIT;
  if (mem_handler_find(m, &op->handler))
    return RIPTD_STORE_EXISTS;
  mem_handler *h = calloc(1, sizeof(*h));
  if (!h || !(h->key = mem_handler_key(&op->handler, &h->keylen)) ||
      !(cu = mem_customer_get(m, op->handler.customer, 1)) ||
      ript_map_insert(&m->handlers, &h->node, h->key, h->keylen) != 0) {
    if (cu && !cu->refs) {
      cu->refs = 1;
      mem_customer_unref(m, cu);
    }
    if (h)
      free(h->key);
    free(h);
    return RIPT_ERR_NOMEM;
  }
  /* The op's copy becomes the stored record. */
  h->rec = op->handler;
  memset(&op->handler, 0, sizeof(op->handler));
  h->cu = cu;
  ++cu->refs;
  ++cu->handlers;
  h->next = cu->hlist;
  if (h->next)
    h->next->prev = h;
  cu->hlist = h;
  return 0;
}

static int mem_handler_replace(store_mem *m, riptd_store_op *op) {
  mem_handler *h = mem_handler_find(m, &op->handler);
  if (!h)
    return RIPTD_STORE_NOT_FOUND;
  riptd_handler_rec_free(&h->rec);
  h->rec = op->handler;
  memset(&op->handler, 0, sizeof(op->handler));
  return 0;
}

/* |n| copies of |recs| as the op's result. */
static int mem_handlers_out(riptd_store_op *op, mem_handler **hs, size_t n) {
  if (!n)
    return 0;
  if (!(op->handlers = calloc(n, sizeof(*op->handlers))))
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < n; ++i) {
    if (riptd_handler_rec_copy(&op->handlers[i], &hs[i]->rec) != 0)
      return RIPT_ERR_NOMEM;
    op->nhandlers = i + 1;
  }
  return 0;
}

static int mem_handler_get(store_mem *m, riptd_store_op *op) {
  mem_handler *h = mem_handler_find(m, &op->handler);
  return h ? mem_handlers_out(op, &h, 1) : RIPTD_STORE_NOT_FOUND;
}

static int mem_handler_remove(store_mem *m, riptd_store_op *op) {
  mem_handler *h = mem_handler_find(m, &op->handler);
  if (!h)
    return RIPTD_STORE_NOT_FOUND;
  mem_handler_free(m, h);
  return 0;
}

static int mem_handler_cmp(const void *a, const void *b) {
  return strcmp((*(mem_handler *const *)a)->rec.id,
                (*(mem_handler *const *)b)->rec.id);
}

static int mem_handler_list(store_mem *m, riptd_store_op *op) {
  mem_customer *cu = mem_customer_get(m, op->handler.customer, 0);
  if (!cu || !cu->handlers)
    return 0;
  mem_handler **hs = malloc(cu->handlers * sizeof(*hs));
  if (!hs)
    return RIPT_ERR_NOMEM;
  size_t n = 0;
  for (mem_handler *h = cu->hlist; h; h = h->next)
    if (strcmp(h->rec.tg, op->handler.tg) == 0)
      hs[n++] = h;
  qsort(hs, n, sizeof(*hs), mem_handler_cmp);
  int rv = mem_handlers_out(op, hs, n);
  free(hs);
  return rv;
}

/* ---- calls ---- */

static void mem_live_unlink(mem_call *c) {
  if (!c->on_live)
    return;
  if (c->prev)
    c->prev->next = c->next;
  else
    c->cu->live = c->next;
  if (c->next)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  c->on_live = 0;
}

/* A call not in a terminal state is on its customer's live list. */
static void mem_live_place(mem_call *c) {
  int want = !ript_call_state_is_terminal(c->rec.state);
  if (want == c->on_live)
    return;
  if (!want) {
    mem_live_unlink(c);
    return;
  }
  c->next = c->cu->live;
  if (c->next)
    c->next->prev = c;
  c->cu->live = c;
  c->on_live = 1;
}

static void mem_call_free(store_mem *m, mem_call *c) {
  ript_map_remove(&m->calls, &c->node);
  mem_live_unlink(c);
  mem_customer_unref(m, c->cu);
  riptd_call_rec_free(&c->rec);
  free(c);
}

static int mem_expired(const riptd_call_rec *rec, int64_t now) {
  return rec->expires_ms > 0 && rec->expires_ms <= now;
}

/* Every call expired at |now| goes, once a second of |now| at most. */
static void mem_sweep(store_mem *m, int64_t now) {
  if (now < m->next_sweep)
    return;
  m->next_sweep = now + MEM_SWEEP_MS;
  ript_map_node *n = ript_map_first(&m->calls);
  while (n) {
    ript_map_node *next = ript_map_next(&m->calls, n);
    mem_call *c = RIPT_MAP_ENTRY(n, mem_call, node);
    if (mem_expired(&c->rec, now))
      mem_call_free(m, c);
    n = next;
  }
}

/* The call |uuid| unless it expired at |now| (then it goes). */
static mem_call *mem_call_find(store_mem *m, const char *uuid, int64_t now) {
  ript_map_node *n = ript_map_find(&m->calls, uuid, strlen(uuid));
  if (!n)
    return NULL;
  mem_call *c = RIPT_MAP_ENTRY(n, mem_call, node);
  if (!mem_expired(&c->rec, now))
    return c;
  mem_call_free(m, c);
  return NULL;
}

static int mem_call_out(riptd_store_op *op, const riptd_call_rec *rec) {
  if (riptd_call_rec_copy(&op->call_out, rec) != 0)
    return RIPT_ERR_NOMEM;
  op->has_call = 1;
  return 0;
}

static int mem_live_count(const mem_customer *cu, int64_t now, int64_t grace) {
  int64_t n = 0;
  for (const mem_call *c = cu ? cu->live : NULL; c; c = c->next)
    n += riptd_call_rec_is_live(&c->rec, now, grace);
  return n > INT32_MAX ? INT32_MAX : (int)n;
}

static int mem_call_add(store_mem *m, riptd_store_op *op, int64_t grace) {
  mem_sweep(m, op->now);
  mem_customer *cu = mem_customer_get(m, op->call.customer, 0);
  if (mem_live_count(cu, op->now, grace) >= op->limit)
    return RIPTD_STORE_LIMIT;
  if (mem_call_find(m, op->call.uuid, op->now))
    return RIPTD_STORE_EXISTS;
  mem_call *c = calloc(1, sizeof(*c));
  cu = mem_customer_get(m, op->call.customer, 1);
  if (!c || !cu) {
    if (cu && !cu->refs) {
      cu->refs = 1;
      mem_customer_unref(m, cu);
    }
    free(c);
    return RIPT_ERR_NOMEM;
  }
  c->rec = op->call;
  c->rec.version = 1;
  if (ript_map_insert(&m->calls, &c->node, c->rec.uuid, strlen(c->rec.uuid)) !=
          0 ||
      mem_call_out(op, &c->rec) != 0) {
    if (c->node.key)
      ript_map_remove(&m->calls, &c->node);
    if (!cu->refs) {
      cu->refs = 1;
      mem_customer_unref(m, cu);
    }
    free(c);
    return RIPT_ERR_NOMEM;
  }
  memset(&op->call, 0, sizeof(op->call));
  c->cu = cu;
  ++cu->refs;
  mem_live_place(c);
  return 0;
}

static int mem_call_get(store_mem *m, riptd_store_op *op) {
  mem_call *c = mem_call_find(m, op->call.uuid, op->now);
  return c ? mem_call_out(op, &c->rec) : RIPTD_STORE_NOT_FOUND;
}

static int mem_call_update(store_mem *m, riptd_store_op *op) {
  mem_call *c = mem_call_find(m, op->call.uuid, op->now);
  if (!c)
    return RIPTD_STORE_NOT_FOUND;
  if (c->rec.version != op->call.version) {
    int rv = mem_call_out(op, &c->rec);
    return rv ? rv : RIPTD_STORE_CONFLICT;
  }
  /* What never changes is kept; the op's copy becomes the record. */
  riptd_call_rec next = op->call;
  char *customer = next.customer, *tg = next.tg;
  next.customer = c->rec.customer;
  next.tg = c->rec.tg;
  next.created_ms = c->rec.created_ms;
  next.version = c->rec.version + 1;
  if (mem_call_out(op, &next) != 0)
    return RIPT_ERR_NOMEM;
  c->rec.customer = customer;
  c->rec.tg = tg;
  riptd_call_rec_free(&c->rec);
  memcpy(&c->rec, &next, sizeof(next));
  memset(&op->call, 0, sizeof(op->call));
  mem_live_place(c);
  return 0;
}

static int mem_call_remove(store_mem *m, riptd_store_op *op) {
  ript_map_node *n =
      ript_map_find(&m->calls, op->call.uuid, strlen(op->call.uuid));
  if (!n)
    return RIPTD_STORE_NOT_FOUND;
  mem_call_free(m, RIPT_MAP_ENTRY(n, mem_call, node));
  return 0;
}

/* ---- certificates ---- */

static mem_cert *mem_cert_find(store_mem *m, const char *url) {
  ript_map_node *n = ript_map_find(&m->certs, url, strlen(url));
  return n ? RIPT_MAP_ENTRY(n, mem_cert, node) : NULL;
}

static int mem_cert_add(store_mem *m, riptd_store_op *op) {
  if (mem_cert_find(m, op->cert.url))
    return RIPTD_STORE_EXISTS;
  mem_cert *c = calloc(1, sizeof(*c));
  if (!c)
    return RIPT_ERR_NOMEM;
  c->rec = op->cert;
  if (ript_map_insert(&m->certs, &c->node, c->rec.url, strlen(c->rec.url)) !=
      0) {
    free(c);
    return RIPT_ERR_NOMEM;
  }
  memset(&op->cert, 0, sizeof(op->cert));
  return 0;
}

static int mem_cert_get(store_mem *m, riptd_store_op *op) {
  mem_cert *c = mem_cert_find(m, op->cert.url);
  if (!c)
    return RIPTD_STORE_NOT_FOUND;
  if (riptd_cert_rec_copy(&op->cert_out, &c->rec) != 0)
    return RIPT_ERR_NOMEM;
  op->has_cert = 1;
  return 0;
}

/* ---- the queue ---- */

static int mem_run(store_mem *m, riptd_store_op *op, int64_t grace) {
  switch (op->kind) {
  case RIPTD_STORE_OP_HANDLER_ADD:
    return mem_handler_add(m, op);
  case RIPTD_STORE_OP_HANDLER_REPLACE:
    return mem_handler_replace(m, op);
  case RIPTD_STORE_OP_HANDLER_GET:
    return mem_handler_get(m, op);
  case RIPTD_STORE_OP_HANDLER_REMOVE:
    return mem_handler_remove(m, op);
  case RIPTD_STORE_OP_HANDLER_LIST:
    return mem_handler_list(m, op);
  case RIPTD_STORE_OP_CALL_ADD:
    return mem_call_add(m, op, grace);
  case RIPTD_STORE_OP_CALL_GET:
    return mem_call_get(m, op);
  case RIPTD_STORE_OP_CALL_UPDATE:
    return mem_call_update(m, op);
  case RIPTD_STORE_OP_CALL_REMOVE:
    return mem_call_remove(m, op);
  case RIPTD_STORE_OP_CERT_ADD:
    return mem_cert_add(m, op);
  case RIPTD_STORE_OP_CERT_GET:
    return mem_cert_get(m, op);
  }
  return RIPT_ERR_INVALID_ARGUMENT;
}

static void mem_on_idle(uv_idle_t *idle);

static void mem_submit(riptd_store_queue *q, riptd_store_op *op) {
  store_mem *m = (store_mem *)q;
  op->next = NULL;
  *m->tail = op;
  m->tail = &op->next;
  if (!m->draining)
    uv_idle_start(&m->idle, mem_on_idle);
}

static void mem_free(store_mem *m) {
  for (ript_map_node *n = ript_map_first(&m->handlers), *next; n; n = next) {
    next = ript_map_next(&m->handlers, n);
    mem_handler_free(m, RIPT_MAP_ENTRY(n, mem_handler, node));
  }
  for (ript_map_node *n = ript_map_first(&m->calls), *next; n; n = next) {
    next = ript_map_next(&m->calls, n);
    mem_call_free(m, RIPT_MAP_ENTRY(n, mem_call, node));
  }
  for (ript_map_node *n = ript_map_first(&m->certs), *next; n; n = next) {
    next = ript_map_next(&m->certs, n);
    mem_cert *c = RIPT_MAP_ENTRY(n, mem_cert, node);
    riptd_cert_rec_free(&c->rec);
    free(c);
  }
  ript_map_free(&m->customers);
  ript_map_free(&m->handlers);
  ript_map_free(&m->calls);
  ript_map_free(&m->certs);
  free(m);
}

static void mem_idle_closed(uv_handle_t *handle) {
  store_mem *m = handle->data;
  void (*cb)(void *) = m->on_closed;
  void *data = m->on_closed_data;
  mem_free(m);
  cb(data);
}

/* Runs what was queued before this turn; what those callbacks queue waits
 * for the next one. */
static void mem_on_idle(uv_idle_t *idle) {
  store_mem *m = idle->data;
  riptd_store_op *op = m->head;
  m->head = NULL;
  m->tail = &m->head;
  m->draining = 1;
  while (op) {
    riptd_store_op *next = op->next;
    if (op->run)
      op->rv = mem_run(m, op, m->grace);
    riptd_store_queue_complete(&m->q, op);
    op = next;
  }
  m->draining = 0;
  if (m->head)
    return;
  uv_idle_stop(idle);
  if (m->q.closing)
    uv_close((uv_handle_t *)idle, mem_idle_closed);
}

static void mem_close(void *impl, void (*cb)(void *), void *data) {
  store_mem *m = impl;
  m->q.closing = 1;
  m->on_closed = cb;
  m->on_closed_data = data;
  if (!m->head && !m->draining)
    uv_close((uv_handle_t *)&m->idle, mem_idle_closed);
}

static const riptd_store_ops mem_ops =
    RIPTD_STORE_QUEUE_OPS("memory", mem_close);

int riptd_store_mem_new(riptd_store **pstore, uv_loop_t *loop,
                        const riptd_store_config *cfg) {
  riptd_store *store = NULL;
  int rv = riptd_store_create(&store, &mem_ops, loop, cfg);
  if (rv != 0)
    return rv;
  uint8_t seed[16];
  store_mem *m = calloc(1, sizeof(*m));
  if (!m || gnutls_rnd(GNUTLS_RND_NONCE, seed, sizeof(seed)) != 0) {
    free(m);
    riptd_store_destroy(store);
    return m ? RIPT_ERR_CRYPTO : RIPT_ERR_NOMEM;
  }
  riptd_store_queue_init(&m->q, mem_submit);
  m->tail = &m->head;
  m->grace = cfg->orphan_grace_ms;
  ript_map_init(&m->customers, seed, NULL);
  ript_map_init(&m->handlers, seed, NULL);
  ript_map_init(&m->calls, seed, NULL);
  ript_map_init(&m->certs, seed, NULL);
  uv_idle_init(loop, &m->idle);
  m->idle.data = m;
  store->impl = m;
  *pstore = store;
  return 0;
}

/* riptd's live calls: the registry by UUID, the pool allocator, scratch
 * buffers, what the actions share, and the way in for byways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"

int64_t riptd_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t riptd_mono_ms(const riptd_live *live) {
  return (int64_t)uv_now(live->loop);
}

/* ---- the pool allocator ---- */

/* Every block starts with its class (or -1 for a large one) and the size
 * asked for, padded so the caller's part stays aligned for any type. */
typedef union pool_head {
  struct {
    int klass;
    size_t size;
  } h;
  max_align_t align;
} pool_head;

static int pool_class(size_t size) {
  size_t block = 32;
  for (int k = 0; k < RIPTD_POOL_CLASSES; ++k, block *= 2)
    if (size <= block)
      return k;
  return -1;
}

static void *pool_malloc(size_t size, void *user_data) {
  riptd_live *live = user_data;
  int k = pool_class(size);
  pool_head *h;
  if (k >= 0 && live->free_blocks[k]) {
    h = live->free_blocks[k];
    live->free_blocks[k] = *(void **)(h + 1);
    --live->nfree[k];
    h->h.size = size;
    return h + 1;
  }
  h = malloc(sizeof(*h) + (k >= 0 ? (size_t)32 << k : size));
  if (!h)
    return NULL;
  h->h.klass = k;
  h->h.size = size;
  return h + 1;
}

static void pool_free(void *ptr, void *user_data) {
  riptd_live *live = user_data;
  if (!ptr)
    return;
  pool_head *h = (pool_head *)ptr - 1;
  int k = h->h.klass;
  if (k < 0 || live->nfree[k] >= RIPTD_POOL_KEEP) {
    free(h);
    return;
  }
  *(void **)ptr = live->free_blocks[k];
  live->free_blocks[k] = h;
  ++live->nfree[k];
}

static void *pool_calloc(size_t nmemb, size_t size, void *user_data) {
  if (size && nmemb > SIZE_MAX / size)
    return NULL;
  void *p = pool_malloc(nmemb * size, user_data);
  if (p)
    memset(p, 0, nmemb * size);
  return p;
}

static void *pool_realloc(void *ptr, size_t size, void *user_data) {
  if (!ptr)
    return pool_malloc(size, user_data);
  pool_head *h = (pool_head *)ptr - 1;
  if (h->h.klass >= 0 && size <= (size_t)32 << h->h.klass) {
    h->h.size = size;
    return ptr;
  }
  void *p = pool_malloc(size, user_data);
  if (!p)
    return NULL;
  memcpy(p, ptr, h->h.size < size ? h->h.size : size);
  pool_free(ptr, user_data);
  return p;
}

static void pool_drain(riptd_live *live) {
  for (int k = 0; k < RIPTD_POOL_CLASSES; ++k) {
    while (live->free_blocks[k]) {
      pool_head *h = live->free_blocks[k];
      live->free_blocks[k] = *(void **)(h + 1);
      free(h);
    }
    live->nfree[k] = 0;
  }
}

/* ---- the registry ---- */

static size_t live_hash(const char *uuid) {
  size_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)uuid; *p; ++p)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

riptd_call *riptd_live_find(riptd_live *live, const char *uuid) {
  if (!live->nbuckets)
    return NULL;
  riptd_call *c = live->buckets[live_hash(uuid) & (live->nbuckets - 1)];
  while (c && strcmp(c->uuid, uuid) != 0)
    c = c->map_next;
  return c;
}

static int live_grow(riptd_live *live) {
  size_t n = live->nbuckets ? live->nbuckets * 2 : 256;
  riptd_call **b = calloc(n, sizeof(*b));
  if (!b)
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < live->nbuckets; ++i) {
    for (riptd_call *c = live->buckets[i], *next; c; c = next) {
      next = c->map_next;
      size_t at = live_hash(c->uuid) & (n - 1);
      c->map_next = b[at];
      b[at] = c;
    }
  }
  free(live->buckets);
  live->buckets = b;
  live->nbuckets = n;
  return 0;
}

/* The UUID is new: the store refused a duplicate. */
int riptd_live_add(riptd_live *live, riptd_call *call) {
  if (live->count >= live->nbuckets && live_grow(live) != 0)
    return RIPT_ERR_NOMEM;
  size_t at = live_hash(call->uuid) & (live->nbuckets - 1);
  call->map_next = live->buckets[at];
  live->buckets[at] = call;
  ++live->count;
  return 0;
}

void riptd_live_forget(riptd_live *live, riptd_call *call) {
  if (!live->nbuckets)
    return;
  riptd_call **slot = &live->buckets[live_hash(call->uuid) &
                                     (live->nbuckets - 1)];
  while (*slot && *slot != call)
    slot = &(*slot)->map_next;
  if (*slot) {
    *slot = call->map_next;
    --live->count;
  }
}

/* ---- life ---- */

static int live_on_call(void *data, const riptd_call_rec *rec) {
  riptd_live *live = data;
  riptd_call *call = riptd_live_find(live, rec->uuid);
  if (live->closing)
    return RIPT_ERR_INVALID_ARGUMENT;
  return call ? riptd_call_renegotiate(call, rec)
              : riptd_call_start(live, rec);
}

static void live_closed_maybe(riptd_live *live);

static void live_recorded(riptd_action_env *env) {
  live_closed_maybe(env->data);
}

int riptd_live_new(riptd_live **plive, uv_loop_t *loop, riptd_app *app) {
  riptd_live *live = calloc(1, sizeof(*live));
  if (!live)
    return RIPT_ERR_NOMEM;
  live->loop = loop;
  live->app = app;
  live->pool.user_data = live;
  live->pool.malloc = pool_malloc;
  live->pool.free = pool_free;
  live->pool.calloc = pool_calloc;
  live->pool.realloc = pool_realloc;
  ript_buf_init(&live->out, NULL);
  ript_buf_init(&live->chunks, NULL);
  live->rx = malloc(RIPTD_DATAGRAM_RX_MAX);
  if (!live->rx || riptd_action_env_init(&live->env, loop, &live->pool,
                                         app->cfg->ring_timeout_ms) != 0) {
    free(live->rx);
    free(live);
    return RIPT_ERR_NOMEM;
  }
  live->env.recorded = live_recorded;
  live->env.data = live;
  app->on_call = live_on_call;
  app->on_call_data = live;
  *plive = live;
  return 0;
}

/* A byway of a call riptd does not hold live (never started, gone, or
 * not the customer's on that TG). */
static void live_no_call(ript_http_exchange *ex, const riptd_byway *byway) {
  riptd_bw bw;
  memset(&bw, 0, sizeof(bw));
  bw.ex = ex;
  riptd_bw_error(&bw, 404, "not-found", "there is no call %s on TG %s",
                 byway->uuid, byway->tg->name);
}

void riptd_live_take(riptd_live *live, ript_http_exchange *ex,
                     const riptd_byway *byway) {
  riptd_call *call = live->closing ? NULL
                                   : riptd_live_find(live, byway->uuid);
  if (call && (strcmp(call->customer, byway->customer->name) != 0 ||
               strcmp(call->tg, byway->tg->name) != 0))
    call = NULL;
  if (!call)
    live_no_call(ex, byway);
  else
    riptd_call_take(call, ex, byway->kind);
}

size_t riptd_live_migrate(riptd_live *live) {
  size_t n = 0;
  for (size_t i = 0; !live->closing && i < live->nbuckets; ++i)
    for (riptd_call *c = live->buckets[i]; c; c = c->map_next)
      n += (size_t)riptd_call_migrate(c);
  return n;
}

static void live_free(riptd_live *live) {
  riptd_action_env_free(&live->env);
  pool_drain(live);
  ript_buf_free(&live->out);
  ript_buf_free(&live->chunks);
  free(live->buckets);
  free(live->rx);
  void (*on_closed)(void *) = live->on_closed;
  void *data = live->on_closed_data;
  free(live);
  if (on_closed)
    on_closed(data);
}

/* Closing ends when every timer is closed and every recording written. */
static void live_closed_maybe(riptd_live *live) {
  if (live->closing && live->timers_open == 0 && live->count == 0 &&
      live->env.recordings_open == 0)
    live_free(live);
}

void riptd_live_timer_closed(riptd_live *live) {
  --live->timers_open;
  live_closed_maybe(live);
}

void riptd_live_close(riptd_live *live, void (*on_closed)(void *),
                      void *user_data) {
  live->closing = 1;
  live->on_closed = on_closed;
  live->on_closed_data = user_data;
  live->app->on_call = NULL;
  for (size_t i = 0; i < live->nbuckets; ++i) {
    while (live->buckets[i])
      riptd_call_close(live->buckets[i]); /* forgets it */
  }
  live_closed_maybe(live);
}

/* riptd's live calls on the loop: the calls by UUID with a timer each, the
 * clock, and the way in for byways, including the calls this node takes
 * over from the store (live.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "live.h"
#include "ript/map.h"
#include "ript/pool.h"
#include "takeover.h"

enum {
  /* Small blocks kept per size class (playout buffers, per chunk). */
  LIVE_POOL_KEEP = 4096,
  /* A reverse signaling byway whose reader falls this far behind is
   * reset rather than buffered without end. */
  LIVE_EVENTS_PENDING_MAX = 1048576,
  /* A lookup whose claim keeps losing to another node's gives up. */
  LIVE_CLAIM_TRIES = 3,
};

/* A call this node runs: its timer, in the registry by UUID. */
typedef struct live_call {
  ript_map_node node;
  char uuid[RIPT_URI_UUID_LEN + 1];
  riptd_live *live;
  riptd_call *call; /* NULL once done */
  riptd_call *done; /* the call done, freed once its timer closed */
  uv_timer_t timer;
  int64_t armed_at; /* INT64_MAX: stopped */
  /* Freed once both are gone: the call writes its last record after its
   * timer closed. */
  int timer_closed, call_freed;
} live_call;

typedef struct live_lookup live_lookup;

/* A byway request waiting for its call to be found; its body is kept. */
typedef struct live_wait {
  struct live_wait *next;
  live_lookup *lookup;
  ript_http_exchange *ex; /* NULL once it closed */
  riptd_byway_type type;
  ript_buf body;
  int ended;
} live_wait;

/* A call being looked up in the store (one per UUID). */
struct live_lookup {
  ript_map_node node;
  char uuid[RIPT_URI_UUID_LEN + 1];
  riptd_live *live;
  const char *customer, *tg; /* the configuration's */
  live_wait *waits;
  int tries;
};

struct riptd_live {
  uv_loop_t *loop;
  riptd_app *app;
  ript_map calls, lookups;
  size_t calls_alive; /* made and not yet freed */
  riptd_call_env env;
  riptd_action_env actions;
  ript_pool pool;
  uint64_t clock_turn;
  int64_t clock_now;
  /* Closed last: its close callback frees the live calls, after whatever
   * call is still on the stack. */
  uv_timer_t closer;
  int closing;
  void (*on_closed)(void *);
  void *on_closed_data;
};

/* ---- the clock: read once per loop turn, never going back ---- */

static int64_t live_now(void *data) {
  riptd_live *live = data;
  uint64_t turn = uv_now(live->loop);
  if (turn != live->clock_turn || !live->clock_now) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (wall > live->clock_now)
      live->clock_now = wall;
    live->clock_turn = turn;
  }
  return live->clock_now;
}

/* ---- the calls and their timers ---- */

static void live_on_timer(uv_timer_t *timer) {
  live_call *lc = timer->data;
  lc->armed_at = INT64_MAX;
  if (lc->call)
    riptd_call_run(lc->call, live_now(lc->live));
}

/* Arms the timer for the call's deadline when that is earlier than the
 * armed one (a timer that fires early looks again). */
static void live_schedule(void *data, riptd_call *call) {
  live_call *lc = data;
  if (!lc->call || lc->call != call)
    return; /* still being made: armed once it is */
  int64_t t = riptd_call_deadline(call);
  if (t == INT64_MAX || t >= lc->armed_at)
    return;
  int64_t now = live_now(lc->live);
  uv_timer_start(&lc->timer, live_on_timer,
                 (uint64_t)(t > now ? t - now : 0), 0);
  lc->armed_at = t;
}

static void live_call_release(live_call *lc) {
  if (lc->timer_closed && lc->call_freed)
    free(lc);
}

/* The call is freed here, on a later loop turn than its host->done: the
 * call said so from inside its own functions, which still run. */
static void live_call_closed(uv_handle_t *handle) {
  live_call *lc = handle->data;
  riptd_call_free(lc->done);
  lc->timer_closed = 1;
  live_call_release(lc);
}

static void live_done(void *data, riptd_call *call) {
  live_call *lc = data;
  riptd_live *live = lc->live;
  if (!lc->call)
    return;
  lc->call = NULL;
  lc->done = call;
  ript_map_remove(&live->calls, &lc->node);
  uv_close((uv_handle_t *)&lc->timer, live_call_closed);
}

static void live_close_check(riptd_live *live);
static void live_recorded(riptd_action_env *env);

static void live_freed(void *data) {
  live_call *lc = data;
  riptd_live *live = lc->live;
  --live->calls_alive;
  lc->call_freed = 1;
  live_call_release(lc);
  if (live->closing)
    live_close_check(live);
}

/* Registers a new live call for |rec|. Returns it, or NULL (logged). */
static riptd_call *live_start(riptd_live *live, const riptd_call_rec *rec,
                              int *rv) {
  live_call *lc = calloc(1, sizeof(*lc));
  if (!lc) {
    *rv = RIPT_ERR_NOMEM;
    return NULL;
  }
  memcpy(lc->uuid, rec->uuid, sizeof(lc->uuid));
  lc->live = live;
  lc->armed_at = INT64_MAX;
  riptd_call_host host = {lc, live_schedule, live_done, live_freed};
  riptd_call *call = NULL;
  int64_t now = live_now(live);
  *rv = ript_map_insert(&live->calls, &lc->node, lc->uuid,
                        RIPT_URI_UUID_LEN);
  if (*rv == 0)
    *rv = riptd_call_new(&call, &live->env, &host, rec, now);
  if (*rv != 0) {
    ript_map_remove(&live->calls, &lc->node);
    free(lc);
    return NULL;
  }
  ++live->calls_alive;
  uv_timer_init(live->loop, &lc->timer);
  lc->timer.data = lc;
  lc->call = call;
  live_schedule(lc, call);
  return call;
}

static live_call *live_find(riptd_live *live, const char *uuid) {
  ript_map_node *n = ript_map_find(&live->calls, uuid, RIPT_URI_UUID_LEN);
  return n ? RIPT_MAP_ENTRY(n, live_call, node) : NULL;
}

/* POST {tg}/calls stored a new call. */
static int live_on_call(void *data, const riptd_call_rec *rec) {
  riptd_live *live = data;
  if (live->closing)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv;
  live_start(live, rec, &rv);
  return rv;
}

/* POST {call} negotiated new directives: the call moves to them here, or
 * its owner is another node. */
static int live_on_renegotiate(void *data, const riptd_call_rec *rec) {
  riptd_live *live = data;
  live_call *lc = live_find(live, rec->uuid);
  if (live->closing)
    return RIPT_ERR_INVALID_ARGUMENT;
  return lc && lc->call
             ? riptd_call_renegotiate(lc->call, rec, live_now(live))
             : RIPT_ERR_HTTP_STATE;
}

/* ---- answering byways without a call ---- */

static void live_answer(riptd_live *live, ript_http_exchange *ex,
                        riptd_byway_type type, int status, const char *error,
                        const char *hname, const char *hvalue,
                        const char *reason) {
  riptd_byway_owner none = {NULL, NULL, NULL, NULL, NULL};
  riptd_byway *bw = riptd_byway_new(ex, type, &none, &live->env.limits);
  if (bw && riptd_byway_is_open(bw))
    riptd_byway_error(bw, status, error, hname, hvalue, "%s", reason);
}

/* The owner of |rec| runs the call: a reverse signaling byway is told to
 * go there (`migrate` with the owner's URI); other byways, and a client
 * that already asks at the owner's URI (a load balancer placed it here),
 * are told that this node cannot serve the call now (decision 82). */
static void live_elsewhere(riptd_live *live, ript_http_exchange *ex,
                           riptd_byway_type type, const riptd_call_rec *rec) {
  char asked[1024];
  riptd_byway_owner none = {NULL, NULL, NULL, NULL, NULL};
  riptd_byway *bw = riptd_byway_new(ex, type, &none, &live->env.limits);
  if (!bw || !riptd_byway_is_open(bw))
    return;
  int same = riptd_byway_call_uri(bw, asked, sizeof(asked)) != 0 ||
             !rec->owner_uri || strcmp(asked, rec->owner_uri) == 0;
  if (type != RIPTD_BYWAY_EVENTS_GET || same) {
    riptd_byway_error(bw, 421, "misdirected", "retry-after", "1",
                      "call %s is held by another riptd node; its byways go "
                      "to %s",
                      rec->uuid, rec->owner_uri ? rec->owner_uri : "it");
    return;
  }
  ript_event ev;
  ript_event_prepare(&ev, RIPT_EVENT_MIGRATE, RIPT_EVENT_DIR_S2C,
                     live_now(live), asked);
  ev.uri = rec->owner_uri;
  ript_buf *out = &live->env.out;
  ript_buf_reset(out);
  ript_event_writer *w = riptd_byway_writer(bw);
  if (riptd_byway_open_events(bw) != 0)
    return;
  if (ript_event_writer_open(w, out) != 0 ||
      ript_event_writer_write(w, &ev, out) != 0 ||
      ript_event_writer_close(w, out) != 0 ||
      riptd_byway_write(bw, out->data, out->len) != 0)
    riptd_byway_reset(bw);
  else
    riptd_byway_end(bw);
}

/* ---- byways for calls this node does not run: the lookup ---- */

static void live_wait_free(live_wait *w) {
  ript_buf_free(&w->body);
  free(w);
}

static void live_wait_on_body(ript_http_exchange *ex, const uint8_t *data,
                              size_t len, void *user_data) {
  live_wait *w = user_data;
  const riptd_byway_limits *l = &w->lookup->live->env.limits;
  size_t max = w->type == RIPTD_BYWAY_MEDIA_PUT ? l->media_put_max
                                                : l->events_put_max;
  (void)ex;
  /* Beyond the limit the byway answers 413 once it is taken over. */
  if (w->body.len <= max)
    ript_buf_append(&w->body, data, len);
}

static void live_wait_on_body_end(ript_http_exchange *ex, void *user_data) {
  live_wait *w = user_data;
  (void)ex;
  w->ended = 1;
}

static void live_wait_on_close(ript_http_exchange *ex, int error,
                               void *user_data) {
  live_wait *w = user_data;
  (void)ex, (void)error;
  w->ex = NULL;
}

static void live_lookup_free(live_lookup *lk) {
  ript_map_remove(&lk->live->lookups, &lk->node);
  free(lk);
}

/* Every waiting byway goes to |call|, or is answered by |answer|. */
static void live_resolve(live_lookup *lk, riptd_call *call,
                         const riptd_call_rec *elsewhere, int status,
                         const char *error, const char *reason) {
  riptd_live *live = lk->live;
  int64_t now = live_now(live);
  for (live_wait *w = lk->waits, *next; w; w = next) {
    next = w->next;
    if (!w->ex)
      ;
    else if (call)
      riptd_call_take(call, w->ex, w->type, w->body.data, w->body.len,
                      w->ended, now);
    else if (elsewhere)
      live_elsewhere(live, w->ex, w->type, elsewhere);
    else
      live_answer(live, w->ex, w->type, status, error,
                  status == 503 ? "retry-after" : NULL, "1", reason);
    live_wait_free(w);
  }
  lk->waits = NULL;
  live_lookup_free(lk);
}

static void live_on_record(void *data, int rv, const riptd_call_rec *rec);

static void live_on_claimed(void *data, int rv, const riptd_call_rec *rec) {
  live_lookup *lk = data;
  riptd_live *live = lk->live;
  if (live->closing) {
    live_resolve(lk, NULL, NULL, 503, "shutting-down",
                 "riptd is shutting down");
    return;
  }
  if (rv == RIPTD_STORE_CONFLICT && ++lk->tries < LIVE_CLAIM_TRIES) {
    live_on_record(lk, 0, rec); /* another node moved first: look again */
    return;
  }
  if (rv != 0) {
    live_on_record(lk, rv, rec);
    return;
  }
  int err = 0;
  riptd_call *call = live_start(live, rec, &err);
  if (!call) {
    fprintf(stderr, "riptd: call %s: cannot take it over: %s\n", lk->uuid,
            ript_strerror(err));
    live_resolve(lk, NULL, NULL, 500, "internal-error",
                 "riptd could not take the call over");
    return;
  }
  fprintf(stderr, "riptd: call %s: taken over from %s (state %s)\n",
          lk->uuid, lk->tries ? "another node" : "the store",
          ript_call_state_name(rec->state));
  live_resolve(lk, call, NULL, 0, NULL, NULL);
}

static void live_claim(live_lookup *lk, const riptd_call_rec *rec) {
  riptd_live *live = lk->live;
  const riptd_store *s = live->app->store;
  riptd_call_rec claim;
  ript_buf uri;
  ript_buf_init(&uri, NULL);
  int64_t now = live_now(live);
  int rv = riptd_call_rec_copy(&claim, rec);
  if (rv == 0)
    rv = riptd_app_tg_uri(live->app, rec->tg, "calls", rec->uuid, &uri);
  if (rv == 0)
    rv = riptd_takeover_claim(&claim, &s->cfg, (const char *)uri.data,
                              live->app->cfg->ended_call_keep_ms, now);
  if (rv == 0)
    riptd_store_call_update(live->app->store, &claim, now, live_on_claimed,
                            lk);
  else
    live_resolve(lk, NULL, NULL, 500, "internal-error",
                 "riptd ran out of memory");
  riptd_call_rec_free(&claim);
  ript_buf_free(&uri);
}

static void live_on_record(void *data, int rv, const riptd_call_rec *rec) {
  live_lookup *lk = data;
  riptd_live *live = lk->live;
  char reason[160];
  if (live->closing) {
    live_resolve(lk, NULL, NULL, 503, "shutting-down",
                 "riptd is shutting down");
    return;
  }
  if (rv == RIPTD_STORE_UNAVAILABLE || rv == RIPT_ERR_NOMEM) {
    live_resolve(lk, NULL, NULL, 503, "store-unavailable",
                 "riptd cannot read its calls now; try again shortly");
    return;
  }
  riptd_takeover what =
      rv == 0 ? riptd_takeover_decide(rec, lk->customer, lk->tg,
                                      live->app->store->cfg.node_id,
                                      live_now(live))
              : RIPTD_TAKEOVER_NOT_YOURS;
  switch (what) {
  case RIPTD_TAKEOVER_TAKE:
    live_claim(lk, rec);
    return;
  case RIPTD_TAKEOVER_ELSEWHERE:
    live_resolve(lk, NULL, rec, 0, NULL, NULL);
    return;
  case RIPTD_TAKEOVER_ENDED:
    snprintf(reason, sizeof(reason), "call %s has ended (state %s)",
             lk->uuid, ript_call_state_name(rec->state));
    break;
  default:
    snprintf(reason, sizeof(reason), "there is no call %s on TG %s",
             lk->uuid, lk->tg);
  }
  live_resolve(lk, NULL, NULL, 404, "not-found", reason);
}

/* Keeps |ex| until the call it names is found; one store read per call. */
static void live_lookup_add(riptd_live *live, ript_http_exchange *ex,
                            riptd_byway_type type,
                            const riptd_byway_path *path) {
  live_wait *w = calloc(1, sizeof(*w));
  ript_map_node *n = ript_map_find(&live->lookups, path->uuid,
                                   RIPT_URI_UUID_LEN);
  live_lookup *lk = n ? RIPT_MAP_ENTRY(n, live_lookup, node) : NULL;
  int fresh = !lk;
  if (w && fresh && (lk = calloc(1, sizeof(*lk))) != NULL) {
    memcpy(lk->uuid, path->uuid, sizeof(lk->uuid));
    lk->live = live;
    lk->customer = path->customer->name;
    lk->tg = path->tg->name;
    if (ript_map_insert(&live->lookups, &lk->node, lk->uuid,
                        RIPT_URI_UUID_LEN) != 0) {
      free(lk);
      lk = NULL;
    }
  }
  if (!w || !lk) {
    free(w);
    ript_http_exchange_respond(ex, 503, NULL, 0, RIPT_HTTP_FLAG_END);
    return;
  }
  w->lookup = lk;
  w->ex = ex;
  w->type = type;
  ript_buf_init(&w->body, NULL);
  w->next = lk->waits;
  lk->waits = w;
  ript_http_exchange_callbacks cbs = {NULL, live_wait_on_body,
                                      live_wait_on_body_end, NULL,
                                      live_wait_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, w);
  if (fresh)
    riptd_store_call_get(live->app->store, lk->uuid, live_now(live),
                         live_on_record, lk);
}

/* ---- the way in ---- */

static riptd_byway_type live_type(ript_http_exchange *ex,
                                  riptd_byway_kind kind) {
  const char *method = ript_http_exchange_method(ex);
  int get = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0;
  if (kind == RIPTD_BYWAY_EVENTS)
    return put ? RIPTD_BYWAY_EVENTS_PUT : RIPTD_BYWAY_EVENTS_GET;
  return get ? RIPTD_BYWAY_MEDIA_GET
             : put ? RIPTD_BYWAY_MEDIA_PUT : RIPTD_BYWAY_SESSION;
}

void riptd_live_take(riptd_live *live, ript_http_exchange *ex,
                     const riptd_byway_path *path) {
  riptd_byway_type type = live_type(ex, path->kind);
  if (live->closing) {
    live_answer(live, ex, type, 503, "shutting-down", "retry-after", "1",
                "riptd is shutting down");
    return;
  }
  live_call *lc = live_find(live, path->uuid);
  if (!lc || !lc->call) {
    live_lookup_add(live, ex, type, path);
    return;
  }
  if (!riptd_call_belongs(lc->call, path->customer->name, path->tg->name)) {
    char reason[160];
    snprintf(reason, sizeof(reason), "there is no call %s on TG %s",
             path->uuid, path->tg->name);
    live_answer(live, ex, type, 404, "not-found", NULL, NULL, reason);
    return;
  }
  riptd_call_take(lc->call, ex, type, NULL, 0, 0, live_now(live));
}

/* Applies |fn| to every call running here, which it may end, and adds up
 * what it returns. */
static size_t live_each_call(riptd_live *live,
                             int (*fn)(riptd_call *, int64_t)) {
  size_t n = 0;
  int64_t now = live_now(live);
  for (ript_map_node *node = ript_map_first(&live->calls), *next; node;
       node = next) {
    next = ript_map_next(&live->calls, node);
    live_call *lc = RIPT_MAP_ENTRY(node, live_call, node);
    if (lc->call)
      n += (size_t)fn(lc->call, now);
  }
  return n;
}

size_t riptd_live_migrate(riptd_live *live) {
  return live_each_call(live, riptd_call_migrate);
}

/* ---- life ---- */

int riptd_live_new(riptd_live **plive, uv_loop_t *loop, riptd_app *app) {
  riptd_live *live = calloc(1, sizeof(*live));
  uint8_t seed[16];
  if (!live || riptd_app_random(seed, sizeof(seed)) != 0) {
    free(live);
    return RIPT_ERR_NOMEM;
  }
  const riptd_config *cfg = app->cfg;
  live->loop = loop;
  live->app = app;
  ript_map_init(&live->calls, seed, NULL);
  ript_map_init(&live->lookups, seed, NULL);
  ript_pool_init(&live->pool, LIVE_POOL_KEEP, NULL);
  riptd_action_env *a = &live->actions;
  if (riptd_action_env_init(a, loop, ript_pool_mem(&live->pool),
                            cfg->ring_timeout_ms) != 0) {
    free(live);
    return RIPT_ERR_NOMEM;
  }
  a->recorded = live_recorded;
  a->data = live;
  riptd_call_env *e = &live->env;
  e->app = app;
  e->actions = a;
  e->limits.media_put_max = (size_t)cfg->limits.media_put_max_bytes;
  e->limits.events_put_max = (size_t)cfg->limits.event_stream_max_bytes;
  e->limits.events_pending_max = LIVE_EVENTS_PENDING_MAX;
  e->now = live_now;
  e->clock = live;
  ript_buf_init(&e->out, NULL);
  ript_buf_init(&e->chunks, NULL);
  uv_timer_init(loop, &live->closer);
  live->closer.data = live;
  app->on_call = live_on_call;
  app->on_renegotiate = live_on_renegotiate;
  app->on_call_data = live;
  *plive = live;
  return 0;
}

static void live_free(uv_handle_t *handle) {
  riptd_live *live = handle->data;
  riptd_action_env_free(&live->actions);
  ript_pool_free(&live->pool);
  ript_map_free(&live->calls);
  ript_map_free(&live->lookups);
  ript_buf_free(&live->env.out);
  ript_buf_free(&live->env.chunks);
  void (*on_closed)(void *) = live->on_closed;
  void *data = live->on_closed_data;
  free(live);
  if (on_closed)
    on_closed(data);
}

/* Done once every call's memory is gone (their last records written) and
 * every recording is on disk; the store closes after that. */
static void live_close_check(riptd_live *live) {
  if (live->calls_alive || live->lookups.count ||
      live->actions.recordings_open ||
      uv_is_closing((uv_handle_t *)&live->closer))
    return;
  uv_close((uv_handle_t *)&live->closer, live_free);
}

static void live_recorded(riptd_action_env *env) {
  riptd_live *live = env->data;
  if (live->closing)
    live_close_check(live);
}

/* Ends a call for the shutdown; done, it forgets it. */
static int live_shutdown_call(riptd_call *call, int64_t now) {
  riptd_call_shutdown(call, now);
  return 0;
}

void riptd_live_close(riptd_live *live, void (*on_closed)(void *),
                      void *user_data) {
  live->closing = 1;
  live->on_closed = on_closed;
  live->on_closed_data = user_data;
  live->app->on_call = NULL;
  live->app->on_renegotiate = NULL;
  live_each_call(live, live_shutdown_call);
  live_close_check(live);
}

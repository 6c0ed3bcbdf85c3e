/* A live call: its life, its state and the events that change it, its
 * record in the store, its deadline (call.h). The byways are in
 * call_signal.c and call_media.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

int64_t riptd_call_now(const riptd_call *c) {
  return c->env->now(c->env->clock);
}

static const riptd_config *call_cfg(const riptd_call *c) {
  return c->env->app->cfg;
}

static riptd_store *call_store(const riptd_call *c) {
  return c->env->app->store;
}

static int64_t call_min(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- the record in the store ---- */

static void call_write(riptd_call *c, int64_t now);
static void call_give_up(riptd_call *c, const riptd_call_rec *current,
                         int64_t now);
static void call_destroy(riptd_call *c);

/* What the call's record says now: its state, and the lease renewed (or
 * given back once the call ended); records outlive their purpose by no
 * more than the time an ended call is kept (decision 10). */
static void call_rec_refresh(riptd_call *c, int64_t now) {
  riptd_call_rec *r = &c->rec;
  int64_t keep = call_cfg(c)->ended_call_keep_ms;
  if (riptd_call_ended(c)) {
    r->lease_until_ms = r->state_ms;
    r->expires_ms = r->state_ms + keep;
  } else {
    riptd_call_rec_renew(r, &call_store(c)->cfg, keep, now);
  }
}

/* Another write of the call's own record moved its version (POST {call}
 * stored new directives): the directives are the other writer's, the
 * state and the lease this node's. */
static int call_adopt(riptd_call *c, const riptd_call_rec *current) {
  char *cd = strdup(current->client_directives);
  char *sd = strdup(current->server_directives);
  if (!cd || !sd) {
    free(cd);
    free(sd);
    return RIPT_ERR_NOMEM;
  }
  free(c->rec.client_directives);
  free(c->rec.server_directives);
  c->rec.client_directives = cd;
  c->rec.server_directives = sd;
  c->rec.version = current->version;
  return 0;
}

static void call_on_written(void *data, int rv, const riptd_call_rec *cur) {
  riptd_call *c = data;
  int64_t now = riptd_call_now(c);
  c->writing = 0;
  if (rv == 0) {
    c->rec.version = cur->version;
    c->write_at = riptd_call_ended(c) ? INT64_MAX
                                : now + call_store(c)->cfg.lease_ms / 3;
  } else if (rv == RIPTD_STORE_CONFLICT &&
             (!cur->owner ||
              strcmp(cur->owner, call_store(c)->cfg.node_id) != 0)) {
    c->write_again = 0;
    if (!c->freeing)
      call_give_up(c, cur, now);
  } else if (rv == RIPTD_STORE_CONFLICT && call_adopt(c, cur) == 0) {
    c->write_again = 1;
  } else {
    /* Gone (expired while the store could not be written), unavailable,
     * or no memory: the call goes on with what this node holds, and the
     * record is written again later, the latest state with it. */
    if (rv == RIPTD_STORE_NOT_FOUND)
      fprintf(stderr, "riptd: call %s: its record is gone from the store\n",
              c->uuid);
    c->write_again = 0;
    c->write_at = rv == RIPTD_STORE_NOT_FOUND
                      ? INT64_MAX
                      : now + RIPTD_CALL_STORE_RETRY_MS;
  }
  /* Also while freeing: an ended call's last state must land. */
  if (c->write_again) {
    c->write_again = 0;
    call_write(c, now);
  }
  if (c->freeing && !c->writing) {
    call_destroy(c);
    return;
  }
  riptd_call_schedule(c);
}

/* Writes the record with compare-and-set; one write at a time, the last
 * change written after the one in flight. */
static void call_write(riptd_call *c, int64_t now) {
  if (c->writing) {
    c->write_again = 1;
    return;
  }
  call_rec_refresh(c, now);
  c->writing = 1;
  c->write_at = INT64_MAX;
  riptd_store_call_update(call_store(c), &c->rec, now, call_on_written, c);
}

/* ---- the end ---- */

static void call_reset_byways(riptd_call *c) {
  for (int t = 0; t < RIPTD_BYWAY_TYPES; ++t)
    while (c->byways.head[t])
      riptd_byway_reset(c->byways.head[t]);
}

void riptd_call_refuse_ended(const riptd_call *c, riptd_byway *bw) {
  riptd_byway_error(bw, 404, "not-found", NULL, NULL,
                    "call %s has ended (state %s)", c->uuid,
                    ript_call_state_name(c->rec.state));
}

static void call_done(riptd_call *c) {
  if (c->done)
    return;
  c->done = 1;
  c->host.done(c->host.data, c);
}

static void call_end_action(riptd_call *c, int64_t now) {
  if (c->action && !c->action_ended) {
    c->action_ended = 1;
    c->action_ops->end(c->action, now);
  }
}

/* The call just terminated: every byway is answered or ended, the action
 * stops, the record says so; a call whose end no reverse byway saw stays
 * a while for the next one (decision 63). */
static void call_finish(riptd_call *c, int64_t now) {
  riptd_call_end_signaling(c);
  riptd_call_end_media(c);
  call_end_action(c, now);
  call_write(c, now);
  c->linger_until = c->terminal_seen ? now : now + RIPTD_CALL_BUFFER_MS;
  riptd_call_schedule(c);
}

/* Another node took the call over (its lease here had run out): the
 * clients are sent there and this node lets the call go without ending
 * it. */
static void call_give_up(riptd_call *c, const riptd_call_rec *current,
                         int64_t now) {
  fprintf(stderr, "riptd: call %s: node %s took it over; its clients go "
                  "there\n",
          c->uuid, current->owner ? current->owner : "(none)");
  if (current->owner_uri && strcmp(current->owner_uri, c->uri) != 0) {
    ript_event ev;
    ript_event_prepare(&ev, RIPT_EVENT_MIGRATE, RIPT_EVENT_DIR_S2C, now,
                       c->uri);
    ev.uri = current->owner_uri;
    ript_conv_send_event(c->conv, &ev, now);
    riptd_call_pump_events(c, now);
  }
  riptd_call_close_events(c);
  call_reset_byways(c);
  if (c->action && !c->action_ended) {
    c->action_ended = 1;
    c->action_ops->release(c->action, now);
  }
  c->write_at = INT64_MAX;
  call_done(c);
}

/* ---- events out ---- */

int riptd_call_event(riptd_call *c, ript_event_type type, const char *reason,
                     int64_t now) {
  ript_call_state next;
  if (riptd_call_ended(c) ||
      ript_call_apply(c->rec.state, type, RIPT_EVENT_DIR_S2C, &next) != 0)
    return 0;
  ript_event ev;
  ript_event_prepare(&ev, type, RIPT_EVENT_DIR_S2C, now, c->uri);
  ev.reason = reason;
  if (type >= RIPT_EVENT_PROCEEDING && type <= RIPT_EVENT_END) {
    char *copy = reason ? strdup(reason) : NULL;
    if (ript_conv_set_announcement(c->conv, &ev) != 0 || (reason && !copy))
      fprintf(stderr, "riptd: call %s: out of memory keeping its state\n",
              c->uuid);
    free(c->rec.state_reason);
    c->rec.state_reason = copy;
    c->rec.state_ms = now; /* an ended call's expiry counts from it */
    c->rec.state = next;
    call_write(c, now);
  }
  ript_conv_send_event(c->conv, &ev, now);
  riptd_call_pump_events(c, now);
  if (ript_call_state_is_terminal(next))
    call_finish(c, now);
  return 1;
}

void riptd_call_flush(riptd_call *c, int64_t now) {
  riptd_call_pump_media(c, now);
  riptd_call_pump_events(c, now);
  riptd_call_schedule(c);
}

void riptd_call_signaling_changed(riptd_call *c, int64_t now) {
  const size_t *n = c->byways.count;
  if (n[RIPTD_BYWAY_EVENTS_GET] + n[RIPTD_BYWAY_EVENTS_PUT])
    c->lonely_since = -1;
  else if (c->lonely_since < 0)
    c->lonely_since = now;
  ript_conv_set_signal(c->conv, n[RIPTD_BYWAY_EVENTS_GET] > 0, now);
  riptd_call_schedule(c);
}

/* ---- the action's host ---- */

static int call_host_event(void *data, ript_event_type type,
                           const char *reason, int64_t now) {
  return riptd_call_event(data, type, reason, now);
}

static int call_host_send(void *data, const ript_media_frame *frame,
                          int64_t now) {
  riptd_call *c = data;
  int rv = ript_conv_send(c->conv, frame, now);
  riptd_call_flush(c, now);
  return rv;
}

static int call_host_forward(void *data, const uint8_t *chunk, size_t len,
                             int64_t now) {
  riptd_call *c = data;
  int rv = ript_conv_forward(c->conv, chunk, len, now);
  riptd_call_pump_media(c, now);
  return rv;
}

static void call_host_schedule(void *data) { riptd_call_schedule(data); }

static riptd_action_host call_action_host(riptd_call *c) {
  riptd_action_host h = {c, call_host_event, call_host_send,
                         call_host_forward, call_host_schedule};
  return h;
}

/* ---- time ---- */

int64_t riptd_call_deadline(const riptd_call *c) {
  if (c->done)
    return INT64_MAX;
  int64_t t = c->writing ? INT64_MAX : c->write_at;
  if (riptd_call_ended(c))
    return call_min(t, c->linger_until);
  t = call_min(t, ript_conv_next_deadline(c->conv));
  if (c->action)
    t = call_min(t, c->action_ops->deadline(c->action));
  if (c->lonely_since >= 0)
    t = call_min(t, c->lonely_since + call_cfg(c)->no_byway_timeout_ms);
  return t;
}

/* §9.12: no signaling byway for so long ends the call. */
static void call_check_lonely(riptd_call *c, int64_t now) {
  int64_t limit = call_cfg(c)->no_byway_timeout_ms;
  if (c->lonely_since < 0 || now - c->lonely_since < limit)
    return;
  char reason[96];
  snprintf(reason, sizeof(reason),
           "no signaling byway was open for %lld ms", (long long)limit);
  riptd_call_event(c, RIPT_EVENT_END, reason, now);
}

void riptd_call_schedule(riptd_call *c) {
  if (!c->busy)
    c->host.schedule(c->host.data, c);
}

static void call_run(riptd_call *c, int64_t now) {
  if (!c->writing && c->write_at <= now)
    call_write(c, now);
  if (riptd_call_ended(c)) {
    if (c->linger_until <= now)
      call_done(c);
    return;
  }
  call_check_lonely(c, now);
  if (!riptd_call_ended(c))
    c->action_ops->tick(c->action, now);
  if (!riptd_call_ended(c)) {
    ript_conv_check(c->conv, now);
    riptd_call_flush(c, now);
  }
}

void riptd_call_run(riptd_call *c, int64_t now) {
  if (c->done)
    return;
  ++c->busy;
  call_run(c, now);
  --c->busy;
  riptd_call_schedule(c);
}

/* ---- the API ---- */

int riptd_call_migrate(riptd_call *c, int64_t now) {
  if (riptd_call_ended(c) || !c->byways.head[RIPTD_BYWAY_EVENTS_GET] ||
      !riptd_call_event(c, RIPT_EVENT_MIGRATE, NULL, now))
    return 0;
  riptd_call_close_events(c);
  riptd_call_migrate_media(c, now);
  riptd_call_signaling_changed(c, now);
  return 1;
}

int riptd_call_renegotiate(riptd_call *c, const riptd_call_rec *rec,
                           int64_t now) {
  if (riptd_call_ended(c))
    return 0;
  int rv = riptd_call_media_setup(c, rec, now);
  if (rv == 0)
    rv = call_adopt(c, rec);
  if (rv != 0)
    return rv;
  c->action_ops->renegotiate(c->action, now);
  riptd_call_flush(c, now);
  return 0;
}

void riptd_call_take(riptd_call *c, ript_http_exchange *ex,
                     riptd_byway_type type, const uint8_t *body, size_t len,
                     int ended, int64_t now) {
  if (type == RIPTD_BYWAY_EVENTS_GET || type == RIPTD_BYWAY_EVENTS_PUT)
    riptd_call_take_events(c, ex, type, body, len, ended, now);
  else
    riptd_call_take_media(c, ex, type, body, len, ended, now);
  riptd_call_schedule(c);
}

void riptd_call_shutdown(riptd_call *c, int64_t now) {
  riptd_call_event(c, RIPT_EVENT_END, "riptd is shutting down", now);
  call_end_action(c, now);
  call_done(c);
}

const char *riptd_call_uuid(const riptd_call *c) { return c->uuid; }

int riptd_call_belongs(const riptd_call *c, const char *customer,
                       const char *tg) {
  return strcmp(c->rec.customer, customer) == 0 &&
         strcmp(c->rec.tg, tg) == 0;
}

/* ---- life ---- */

static void call_destroy(riptd_call *c) {
  call_reset_byways(c);
  if (c->action)
    c->action_ops->del(c->action);
  riptd_call_media_free(c);
  riptd_call_rec_free(&c->rec);
  free(c->uri);
  void (*freed)(void *) = c->host.freed;
  void *data = c->host.data;
  free(c);
  if (freed)
    freed(data);
}

void riptd_call_free(riptd_call *c) {
  if (!c)
    return;
  c->freeing = 1;
  if (!c->writing)
    call_destroy(c);
}

/* The announcement of the state the record says, with its time and
 * reason (decision 61). */
static int call_announce(riptd_call *c) {
  ript_event ev;
  int rv = ript_call_announce(c->rec.state, c->uri, c->rec.state_ms, &ev);
  ev.reason = c->rec.state_reason;
  return rv == 0 ? ript_conv_set_announcement(c->conv, &ev) : rv;
}

static int call_start_action(riptd_call *c, int64_t now) {
  c->action_ops = riptd_action_ops_of(c->route->action);
  if (!c->action_ops)
    return RIPT_ERR_INVALID_ARGUMENT;
  riptd_action_ctx ctx;
  memset(&ctx, 0, sizeof(ctx));
  ctx.host = call_action_host(c);
  ctx.env = c->env->actions;
  ctx.route = c->route;
  ctx.uuid = c->uuid;
  ctx.tg = c->rec.tg;
  ctx.to = c->rec.to;
  ctx.tx = &c->tx_audio;
  ctx.rx = &c->rx_audio;
  ctx.state = c->rec.state;
  ctx.state_ms = c->rec.state_ms;
  int rv = c->action_ops->start(&c->action, &ctx, now);
  if (rv == 0 && riptd_call_ended(c))
    call_end_action(c, now); /* it ended the call as it started */
  return rv;
}

static int call_init(riptd_call *c, const riptd_call_rec *rec, int64_t now) {
  const riptd_tg_conf *tg = riptd_config_tg(call_cfg(c), rec->tg);
  if (!tg || rec->route >= tg->nroutes)
    return RIPT_ERR_INVALID_ARGUMENT;
  c->route = &tg->routes[rec->route];
  memcpy(c->uuid, rec->uuid, sizeof(c->uuid));
  ript_buf uri;
  ript_buf_init(&uri, NULL);
  int rv = riptd_app_tg_uri(c->env->app, rec->tg, "calls", rec->uuid, &uri);
  c->uri = (char *)uri.data;
  if (rv != 0)
    return rv;
  if ((rv = riptd_call_rec_copy(&c->rec, rec)) != 0)
    return rv;
  c->linger_until = INT64_MAX;
  c->lonely_since = now;
  c->write_at = now + call_store(c)->cfg.lease_ms / 3;
  if ((rv = riptd_call_media_setup(c, rec, now)) != 0 ||
      (rv = call_announce(c)) != 0)
    return rv;
  return call_start_action(c, now);
}

int riptd_call_new(riptd_call **pcall, riptd_call_env *env,
                   const riptd_call_host *host, const riptd_call_rec *rec,
                   int64_t now) {
  riptd_call *c = calloc(1, sizeof(*c));
  if (!c)
    return RIPT_ERR_NOMEM;
  c->env = env;
  c->host = *host;
  c->host.freed = NULL; /* no one to tell about a call never made */
  int rv = call_init(c, rec, now);
  if (rv != 0) {
    call_destroy(c);
    return rv;
  }
  c->host.freed = host->freed;
  *pcall = c;
  return 0;
}

/* A live call: its state and the events that change it, its signaling
 * byways (docs/PROTOCOL.md §8, §9), its one timer, its end, and the host
 * its action reports through (action.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "reply.h"
#include "ript/call.h"
#include "ript/doc.h"

static int call_is_signaling(riptd_bw_kind kind) {
  return kind == RIPTD_BW_EVENTS_GET || kind == RIPTD_BW_EVENTS_PUT;
}

static int call_ended(const riptd_call *c) {
  return ript_call_state_is_terminal(c->state);
}

/* ---- byways ---- */

void riptd_bw_attach(riptd_call *call, riptd_bw *bw) {
  /* Its header fields were read when it was taken; a call holds up to
   * 30 byways for minutes. */
  ript_http_exchange_forget_headers(bw->ex);
  bw->call = call;
  bw->prev = NULL;
  bw->next = call->bw[bw->kind];
  if (bw->next)
    bw->next->prev = bw;
  call->bw[bw->kind] = bw;
  ++call->nbw[bw->kind];
  if (call_is_signaling(bw->kind))
    call->lonely_since = -1;
}

void riptd_bw_detach(riptd_bw *bw) {
  riptd_call *c = bw->call;
  if (!c)
    return;
  if (bw->prev)
    bw->prev->next = bw->next;
  else
    c->bw[bw->kind] = bw->next;
  if (bw->next)
    bw->next->prev = bw->prev;
  bw->prev = bw->next = NULL;
  bw->call = NULL;
  --c->nbw[bw->kind];
  if (call_is_signaling(bw->kind) && c->nbw[RIPTD_BW_EVENTS_GET] == 0 &&
      c->nbw[RIPTD_BW_EVENTS_PUT] == 0) {
    c->lonely_since = riptd_mono_ms(c->live);
    riptd_call_schedule(c);
  }
}

void riptd_bw_closed(ript_http_exchange *ex, int error, void *user_data) {
  riptd_bw *bw = user_data;
  (void)ex, (void)error;
  riptd_bw_detach(bw);
  ript_event_parser_del(bw->parser);
  ript_buf_free(&bw->body);
  free(bw->reason);
  free(bw);
}

void riptd_bw_answer(riptd_bw *bw, int status, const char *ctype,
                     const void *body, size_t len) {
  char length[24];
  ript_http_header h[2] = {{"content-length", length}, {"content-type", ctype}};
  snprintf(length, sizeof(length), "%zu", len);
  riptd_bw_detach(bw);
  if (ript_http_exchange_respond(bw->ex, status, h, ctype ? 2 : 1,
                                 len ? RIPT_HTTP_FLAG_NONE
                                     : RIPT_HTTP_FLAG_END) != 0 ||
      !len)
    return;
  if (ript_http_exchange_write(bw->ex, body, len) != 0)
    ript_http_exchange_reset(bw->ex);
  else
    ript_http_exchange_end(bw->ex);
}

void riptd_bw_error(riptd_bw *bw, int status, const char *error,
                    const char *fmt, ...) {
  ript_buf body;
  ript_buf_init(&body, NULL);
  va_list ap;
  va_start(ap, fmt);
  int rv = riptd_error_body(&body, status, error, fmt, ap);
  va_end(ap);
  if (rv == 0)
    riptd_bw_answer(bw, status, "application/json", body.data, body.len);
  else
    riptd_bw_answer(bw, 500, NULL, NULL, 0);
  ript_buf_free(&body);
}

/* ---- the record in the store ----
 *
 * What the store must know of a live call (its state and the event that
 * entered it, its lease, when an ended call's record goes) is written by
 * one object per call that outlives it until its last write landed: one
 * write at a time, compare-and-set on the version it last saw, and again
 * on the record as it is after a conflict (a POST {call} changed it). */

struct riptd_call_sync {
  riptd_store *store;
  riptd_call_rec rec; /* as last stored (owned) */
  /* What the next write sets. */
  ript_call_state state;
  int64_t state_ms;
  char *state_reason;
  int64_t expires_ms; /* ended: when the record goes; 0: by the lease */
  int busy;           /* a write is in flight */
  int dirty;          /* something to write after it */
  int detached;       /* the call is gone: free after the last write */
};

static void call_sync_free(riptd_call_sync *y) {
  riptd_call_rec_free(&y->rec);
  free(y->state_reason);
  free(y);
}

static void call_sync_write(riptd_call_sync *y);

static void call_sync_done(void *data, int rv, const riptd_call_rec *rec) {
  riptd_call_sync *y = data;
  riptd_call_rec copy;
  y->busy = 0;
  if (rec && riptd_call_rec_copy(&copy, rec) == 0) {
    riptd_call_rec_free(&y->rec);
    y->rec = copy;
  }
  if (rv == RIPTD_STORE_CONFLICT)
    y->dirty = 1;
  else if (rv != 0)
    /* Gone, or unavailable: the call goes on with what it holds, and the
     * next renewal writes again. */
    fprintf(stderr, "riptd: call %s: cannot store state %s: %s\n", y->rec.uuid,
            ript_call_state_name(y->state),
            rv == RIPTD_STORE_NOT_FOUND     ? "the record is gone"
            : rv == RIPTD_STORE_UNAVAILABLE ? "the store is unavailable"
                                            : ript_strerror(rv));
  if (y->dirty && (rv == 0 || rv == RIPTD_STORE_CONFLICT))
    call_sync_write(y);
  else if (y->detached)
    call_sync_free(y);
}

static void call_sync_write(riptd_call_sync *y) {
  if (y->busy) {
    y->dirty = 1;
    return;
  }
  y->dirty = 0;
  y->busy = 1;
  int64_t now = riptd_wall_ms();
  riptd_call_rec next = y->rec; /* borrowed: the store copies it */
  next.state = y->state;
  next.state_ms = y->state_ms;
  next.state_reason = y->state_reason;
  riptd_store_call_lease(y->store, &next, now);
  if (y->expires_ms)
    next.expires_ms = y->expires_ms;
  riptd_store_call_update(y->store, &next, now, call_sync_done, y);
}

/* The state just changed to |ev|'s: stored (an ended call's record goes
 * ended-call-keep-ms later). */
static void call_store_state(riptd_call *c, const ript_event *ev) {
  riptd_call_sync *y = c->sync;
  char *reason = ev->reason ? strdup(ev->reason) : NULL;
  free(y->state_reason);
  y->state_reason = reason;
  y->state = c->state;
  y->state_ms = ev->timestamp_ms;
  if (call_ended(c))
    y->expires_ms = riptd_wall_ms() + c->live->app->cfg->ended_call_keep_ms;
  call_sync_write(y);
}

/* ---- events out ---- */

/* Writes |ev| on the reverse byway |bw|; one whose reader fell too far
 * behind is reset. */
static void call_write(riptd_bw *bw, const ript_event *ev) {
  ript_buf *out = &bw->live->out;
  ript_buf_reset(out);
  if (ript_http_exchange_pending(bw->ex) > RIPTD_EVENTS_PENDING_MAX) {
    riptd_bw_detach(bw);
    ript_http_exchange_reset(bw->ex);
    return;
  }
  if (ript_event_writer_write(&bw->writer, ev, out) == 0 &&
      ript_http_exchange_write(bw->ex, out->data, out->len) != 0) {
    riptd_bw_detach(bw);
    ript_http_exchange_reset(bw->ex);
  }
}

/* Drops kept events older than the buffering window. */
static void call_kept_expire(riptd_call *c, int64_t now) {
  size_t drop = 0;
  while (drop < c->nkept && now - c->kept_at[drop] > RIPTD_BUFFER_MS)
    ript_event_free(&c->kept[drop++]);
  if (!drop)
    return;
  memmove(c->kept, c->kept + drop, (c->nkept - drop) * sizeof(c->kept[0]));
  memmove(c->kept_at, c->kept_at + drop,
          (c->nkept - drop) * sizeof(c->kept_at[0]));
  c->nkept -= drop;
}

static void call_keep(riptd_call *c, const ript_event *ev) {
  int64_t now = riptd_mono_ms(c->live);
  call_kept_expire(c, now);
  if (c->nkept == RIPTD_EVENTS_KEPT) {
    ript_event_free(&c->kept[0]);
    memmove(c->kept, c->kept + 1, (c->nkept - 1) * sizeof(c->kept[0]));
    memmove(c->kept_at, c->kept_at + 1,
            (c->nkept - 1) * sizeof(c->kept_at[0]));
    --c->nkept;
  }
  if (ript_event_copy(&c->kept[c->nkept], ev, NULL) == 0)
    c->kept_at[c->nkept++] = now;
}

static void call_finish(riptd_call *c);

/* Applies the server event |ev| and sends or keeps it (see
 * riptd_call_event). */
static int call_send(riptd_call *c, const ript_event *ev) {
  ript_call_state next;
  if (ript_call_apply(c->state, ev->type, RIPT_EVENT_DIR_S2C, &next) != 0)
    return 0;
  int is_state = ev->type >= RIPT_EVENT_PROCEEDING &&
                 ev->type <= RIPT_EVENT_END;
  if (is_state) {
    ript_event copy;
    if (ript_event_copy(&copy, ev, NULL) == 0) {
      ript_event_free(&c->state_event);
      c->state_event = copy;
    }
    c->state = next;
    call_store_state(c, ev);
  }
  if (c->nbw[RIPTD_BW_EVENTS_GET]) {
    for (riptd_bw *bw = c->bw[RIPTD_BW_EVENTS_GET], *n; bw; bw = n) {
      n = bw->next;
      call_write(bw, ev);
    }
  } else if (!is_state) {
    call_keep(c, ev);
  }
  if (ript_call_state_is_terminal(next))
    call_finish(c);
  return 1;
}

int riptd_call_event(riptd_call *call, ript_event_type type,
                     const char *reason) {
  if (call_ended(call))
    return 0;
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = riptd_wall_ms();
  ev.call = call->uri;
  ev.reason = reason;
  return call_send(call, &ev);
}

/* Closes the array of the reverse signaling byway |bw| and ends it. */
static void call_end_get(riptd_bw *bw) {
  ript_buf *out = &bw->live->out;
  riptd_bw_detach(bw);
  ript_buf_reset(out);
  if (ript_event_writer_close(&bw->writer, out) == 0)
    ript_http_exchange_write(bw->ex, out->data, out->len);
  ript_http_exchange_end(bw->ex);
}

/* The call just terminated: the reverse signaling byways get "]" and end,
 * the forward ones 200, the media stops; the record stays a while. */
static void call_finish(riptd_call *c) {
  int64_t now = riptd_mono_ms(c->live);
  c->ended_at = now;
  c->expire_at = now + c->live->app->cfg->ended_call_keep_ms;
  while (c->bw[RIPTD_BW_EVENTS_GET]) {
    c->terminal_seen = 1;
    call_end_get(c->bw[RIPTD_BW_EVENTS_GET]);
  }
  while (c->bw[RIPTD_BW_EVENTS_PUT])
    riptd_bw_answer(c->bw[RIPTD_BW_EVENTS_PUT], 200, NULL, NULL, 0);
  riptd_cmedia_end(c);
  c->action_ops->end(c->action, riptd_wall_ms());
  riptd_call_schedule(c);
}

/* §9.13: the client is about to drop every byway of the call, so none is
 * used from here on. The reverse signaling byways get `migrate`, "]" and
 * their end; what happens until the client's new ones arrive is kept for
 * them (events, and media by riptd_cmedia_migrate). Forward byways stay:
 * what the client still sends on them counts. A client with no reverse
 * signaling byway open is already opening new ones, the §9.13 way after a
 * break (§9.14): a kept migrate would only make it do that twice. */
int riptd_call_migrate(riptd_call *call) {
  if (!call->bw[RIPTD_BW_EVENTS_GET] ||
      !riptd_call_event(call, RIPT_EVENT_MIGRATE, NULL))
    return 0;
  while (call->bw[RIPTD_BW_EVENTS_GET])
    call_end_get(call->bw[RIPTD_BW_EVENTS_GET]);
  riptd_cmedia_migrate(call);
  return 1;
}

/* ---- the reverse signaling byway: GET {call}/events ---- */

/* "[", the announcement of the current state (the event that entered it,
 * as first sent) and the events kept while no reverse byway was open. */
static int call_open_events(riptd_call *c, riptd_bw *bw) {
  static const ript_http_header h[] = {{"content-type", "application/json"},
                                       {"cache-control", "no-store"}};
  ript_buf *out = &c->live->out;
  if (ript_http_exchange_respond(bw->ex, 200, h, 2, RIPT_HTTP_FLAG_NONE) != 0)
    return -1;
  ript_event_writer_init(&bw->writer);
  ript_buf_reset(out);
  int rv = ript_event_writer_open(&bw->writer, out);
  if (rv == 0)
    rv = ript_event_writer_write(&bw->writer, &c->state_event, out);
  call_kept_expire(c, riptd_mono_ms(c->live));
  for (size_t i = 0; rv == 0 && i < c->nkept; ++i)
    rv = ript_event_writer_write(&bw->writer, &c->kept[i], out);
  for (size_t i = 0; i < c->nkept; ++i)
    ript_event_free(&c->kept[i]);
  c->nkept = 0;
  if (rv == 0 && call_ended(c))
    rv = ript_event_writer_close(&bw->writer, out);
  if (rv == 0)
    rv = ript_http_exchange_write(bw->ex, out->data, out->len);
  if (rv != 0)
    ript_http_exchange_reset(bw->ex);
  return rv;
}

static void call_events_get(riptd_call *c, riptd_bw *bw) {
  if (!call_ended(c)) {
    if (call_open_events(c, bw) == 0) {
      riptd_bw_attach(c, bw);
      riptd_cmedia_signaled(c);
    }
    return;
  }
  /* A call that ended while no reverse byway was open still tells the
   * next one how it ended, within the buffering window. */
  if (!c->terminal_seen &&
      riptd_mono_ms(c->live) - c->ended_at <= RIPTD_BUFFER_MS) {
    if (call_open_events(c, bw) == 0) {
      c->terminal_seen = 1;
      ript_http_exchange_end(bw->ex);
    }
    return;
  }
  riptd_bw_error(bw, 404, "not-found", "call %s has ended (state %s)",
                 c->uuid, ript_call_state_name(c->state));
}

/* ---- the forward signaling byway: PUT {call}/events ---- */

static int call_refuse(riptd_bw *bw, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Remembers how the byway answers after the parser stopped. */
static int call_refuse(riptd_bw *bw, int status, const char *fmt, ...) {
  enum { REASON_MAX = 320 };
  free(bw->reason);
  if ((bw->reason = malloc(REASON_MAX)) != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bw->reason, REASON_MAX, fmt, ap);
    va_end(ap);
  }
  bw->status = status;
  return 1;
}

/* A client's ping: pong, with its nonce, on every reverse byway. */
static void call_pong(riptd_call *c, const ript_event *ping) {
  ript_event pong;
  if (ript_event_pong(&pong, ping, riptd_wall_ms(), NULL) != 0)
    return;
  call_send(c, &pong);
  ript_event_free(&pong);
}

/* One event of a forward byway, in arrival order (§9.10). */
static int call_on_event(const ript_event *ev, void *user_data) {
  riptd_bw *bw = user_data;
  riptd_call *c = bw->call;
  if (ev->direction != RIPT_EVENT_DIR_C2S)
    return call_refuse(bw, 400, "an event on a forward signaling byway has "
                                "direction c2s");
  if (strcmp(ev->call, c->uri) != 0)
    return call_refuse(bw, 400, "the event names call %.200s, not this "
                                "byway's call %s",
                       ev->call, c->uri);
  ript_call_state next;
  int rv = ript_call_apply(c->state, ev->type, RIPT_EVENT_DIR_C2S, &next);
  if (rv != 0)
    return call_refuse(bw, 409, "%.64s from the client is not allowed in "
                                "state %s",
                       ev->name ? ev->name : "this event",
                       ript_call_state_name(c->state));
  if (ev->type == RIPT_EVENT_PING)
    call_pong(c, ev);
  if (ev->type != RIPT_EVENT_END)
    return 0;
  riptd_call_event(c, RIPT_EVENT_END,
                   ev->reason ? ev->reason : "the caller ended the call");
  return 1; /* the byway was answered with the rest */
}

static void call_put_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  riptd_bw *bw = user_data;
  (void)ex;
  if (!bw->call)
    return;
  int64_t max = bw->live->app->cfg->limits.event_stream_max_bytes;
  bw->received += len;
  if ((int64_t)bw->received > max) {
    riptd_bw_error(bw, 413, "payload-too-large",
                   "a signaling byway carries at most %lld bytes; open "
                   "another",
                   (long long)max);
    return;
  }
  ript_parse_error err = {0, NULL};
  int rv = ript_event_parser_feed(bw->parser, data, len, &err);
  if (rv == 0 || !bw->call)
    return;
  if (rv == RIPT_ERR_CALLBACK_FAILURE)
    riptd_bw_error(bw, bw->status,
                   bw->status == 409 ? "illegal-event" : "bad-request", "%s",
                   bw->reason ? bw->reason : "the event was refused");
  else if (rv == RIPT_ERR_NOMEM)
    riptd_bw_error(bw, 500, "internal-error", "riptd ran out of memory");
  else
    riptd_bw_error(bw, 400, "bad-request",
                   "the event stream is not valid: at byte %zu expected %s",
                   err.offset, err.expected ? err.expected : "more");
}

static void call_put_end(ript_http_exchange *ex, void *user_data) {
  riptd_bw *bw = user_data;
  (void)ex;
  if (!bw->call)
    return;
  ript_parse_error err = {0, NULL};
  if (ript_event_parser_finish(bw->parser, &err) != 0)
    riptd_bw_error(bw, 400, "bad-request",
                   "the event stream ended inside an event, at byte %zu",
                   err.offset);
  else
    riptd_bw_answer(bw, 200, NULL, NULL, 0);
}

static void call_events_put(riptd_call *c, riptd_bw *bw) {
  const char *ct = ript_http_exchange_header(bw->ex, "content-type");
  riptd_request req = {"PUT", "", NULL, 0, NULL, 0, 0};
  ript_http_header h = {"content-type", ct};
  req.headers = &h;
  req.nheaders = ct ? 1 : 0;
  if (call_ended(c))
    riptd_bw_error(bw, 404, "not-found", "call %s has ended (state %s)",
                   c->uuid, ript_call_state_name(c->state));
  else if (!riptd_request_content_type_is(&req, "application/json"))
    riptd_bw_error(bw, 415, "unsupported-media-type",
                   "a signaling byway is sent as application/json");
  else if (ript_event_parser_new(&bw->parser, call_on_event, bw, NULL,
                                 NULL) != 0)
    riptd_bw_error(bw, 500, "internal-error", "riptd ran out of memory");
  else
    riptd_bw_attach(c, bw);
}

int riptd_call_renegotiate(riptd_call *call, const riptd_call_rec *rec) {
  if (call_ended(call))
    return 0;
  int rv = riptd_cmedia_renegotiate(call, rec);
  if (rv != 0)
    return rv;
  call->action_ops->renegotiate(call->action, riptd_wall_ms());
  riptd_call_schedule(call);
  return 0;
}

/* ---- taking byways ---- */

/* limits.signaling-byways-per-call each way; beyond, 429. */
static int call_too_many_events(riptd_call *c, riptd_bw *bw) {
  riptd_bw_kind kind = bw->kind == RIPTD_BW_EVENTS_PUT ? RIPTD_BW_EVENTS_PUT
                                                       : RIPTD_BW_EVENTS_GET;
  int64_t max = c->live->app->cfg->limits.events_byways_per_call;
  if ((int64_t)c->nbw[kind] < max)
    return 0;
  riptd_bw_error(bw, 429, "too-many-byways",
                 "call %s already has %lld %s signaling byways open",
                 c->uuid, (long long)max,
                 kind == RIPTD_BW_EVENTS_PUT ? "forward" : "reverse");
  return 1;
}

void riptd_call_take(riptd_call *call, ript_http_exchange *ex,
                     riptd_byway_kind kind) {
  riptd_bw *bw = calloc(1, sizeof(*bw));
  if (!bw) {
    ript_http_exchange_respond(ex, 503, NULL, 0, RIPT_HTTP_FLAG_END);
    return;
  }
  const char *method = ript_http_exchange_method(ex);
  bw->live = call->live;
  bw->ex = ex;
  ript_buf_init(&bw->body, NULL);
  ript_http_exchange_callbacks cbs = {NULL, NULL, NULL, NULL,
                                      riptd_bw_closed};
  if (kind == RIPTD_BYWAY_EVENTS && strcmp(method, "PUT") == 0) {
    bw->kind = RIPTD_BW_EVENTS_PUT;
    cbs.on_body = call_put_body;
    cbs.on_body_end = call_put_end;
  }
  ript_http_exchange_set_callbacks(ex, &cbs, bw);
  if (kind == RIPTD_BYWAY_MEDIA)
    riptd_cmedia_take(call, bw);
  else if (call_too_many_events(call, bw))
    return;
  else if (bw->kind == RIPTD_BW_EVENTS_PUT)
    call_events_put(call, bw);
  else
    call_events_get(call, bw);
}

/* ---- the timer ---- */

static void call_on_timer(uv_timer_t *timer);

/* The action's deadline (wall) on the loop's clock. */
static int64_t call_action_deadline(const riptd_call *c) {
  int64_t d = c->action_ops->deadline(c->action);
  if (d == INT64_MAX)
    return INT64_MAX;
  int64_t wall = riptd_wall_ms();
  return riptd_mono_ms(c->live) + (d > wall ? d - wall : 0);
}

void riptd_call_schedule(riptd_call *call) {
  if (call->closing)
    return;
  int64_t t = call->expire_at;
  if (!call_ended(call)) {
    int64_t a = call_action_deadline(call);
    int64_t m = riptd_cmedia_deadline(call);
    t = a < m ? a : m;
    t = call->renew_at < t ? call->renew_at : t;
    if (call->lonely_since >= 0) {
      int64_t lonely = call->lonely_since +
                       call->live->app->cfg->no_byway_timeout_ms;
      t = lonely < t ? lonely : t;
    }
  }
  if (t == INT64_MAX) {
    if (call->armed_at != INT64_MAX)
      uv_timer_stop(&call->timer);
    call->armed_at = INT64_MAX;
    return;
  }
  if (call->armed_at <= t)
    return; /* it fires first, and then looks again */
  int64_t now = riptd_mono_ms(call->live);
  uv_timer_start(&call->timer, call_on_timer,
                 (uint64_t)(t > now ? t - now : 0), 0);
  call->armed_at = t;
}

static void call_free(riptd_call *c) {
  for (int k = 0; k < RIPTD_BW_KINDS; ++k)
    while (c->bw[k])
      riptd_bw_detach(c->bw[k]);
  for (size_t i = 0; i < c->nkept; ++i)
    ript_event_free(&c->kept[i]);
  ript_event_free(&c->state_event);
  if (c->action_ops)
    c->action_ops->del(c->action);
  riptd_cmedia_free(c);
  if (c->sync && !c->sync->busy)
    call_sync_free(c->sync);
  else if (c->sync)
    c->sync->detached = 1;
  free(c->uri);
  free(c->customer);
  free(c->tg);
  free(c->to);
  free(c);
}

static void call_timer_closed(uv_handle_t *handle) {
  riptd_call *c = handle->data;
  riptd_live *live = c->live;
  call_free(c);
  riptd_live_timer_closed(live);
}

/* The record's time is up (decision 10): it went from the store by
 * itself, so GET {call} answers 404 now; the live call goes too. */
static void call_expire(riptd_call *c) { riptd_call_close(c); }

static void call_on_timer(uv_timer_t *timer) {
  riptd_call *c = timer->data;
  int64_t now = riptd_mono_ms(c->live);
  c->armed_at = INT64_MAX;
  if (c->expire_at <= now) {
    call_expire(c);
    return;
  }
  int64_t limit = c->live->app->cfg->no_byway_timeout_ms;
  if (!call_ended(c) && c->lonely_since >= 0 &&
      now - c->lonely_since >= limit) {
    char reason[96];
    snprintf(reason, sizeof(reason), "no signaling byway was open for %lld "
                                     "ms",
             (long long)limit);
    riptd_call_event(c, RIPT_EVENT_END, reason);
  }
  if (!call_ended(c) && now >= c->renew_at) {
    /* The lease is renewed halfway through. */
    c->renew_at = now + c->live->app->store->cfg.lease_ms / 2;
    call_sync_write(c->sync);
  }
  if (!call_ended(c)) {
    c->action_ops->tick(c->action, riptd_wall_ms());
    riptd_cmedia_run(c, now);
  }
  riptd_call_schedule(c);
}

void riptd_call_close(riptd_call *call) {
  if (call->closing)
    return;
  riptd_call_event(call, RIPT_EVENT_END, "riptd is shutting down");
  call->closing = 1;
  riptd_live_forget(call->live, call);
  uv_close((uv_handle_t *)&call->timer, call_timer_closed);
}

/* ---- start ---- */

static int call_init(riptd_call *c, riptd_live *live,
                     const riptd_call_rec *rec) {
  const riptd_tg_conf *tg = riptd_config_tg(live->app->cfg, rec->tg);
  ript_buf uri;
  ript_buf_init(&uri, NULL);
  c->live = live;
  memcpy(c->uuid, rec->uuid, sizeof(c->uuid));
  c->state = RIPT_CALL_PROCEEDING;
  c->lonely_since = riptd_mono_ms(live);
  c->armed_at = c->expire_at = INT64_MAX;
  c->renew_at = c->lonely_since + live->app->store->cfg.lease_ms / 2;
  c->media.ack_at = INT64_MAX;
  if (!tg || rec->route >= tg->nroutes)
    return RIPT_ERR_INVALID_ARGUMENT;
  c->route = &tg->routes[rec->route];
  int rv = riptd_app_tg_uri(live->app, rec->tg, "calls", &uri);
  if (rv == 0)
    rv = ript_buf_printf(&uri, "/%s", rec->uuid);
  if (rv != 0) {
    ript_buf_free(&uri);
    return rv;
  }
  c->uri = (char *)uri.data;
  ript_event ev;
  if (!(c->sync = calloc(1, sizeof(*c->sync))) ||
      riptd_call_rec_copy(&c->sync->rec, rec) != 0)
    return RIPT_ERR_NOMEM;
  c->sync->store = live->app->store;
  c->sync->state = rec->state;
  c->sync->state_ms = rec->state_ms;
  if (!(c->customer = strdup(rec->customer)) || !(c->tg = strdup(rec->tg)) ||
      !(c->to = strdup(rec->to)) ||
      ript_call_announce(RIPT_CALL_PROCEEDING, c->uri, rec->created_ms, &ev) !=
          0 ||
      ript_event_copy(&c->state_event, &ev, NULL) != 0)
    return RIPT_ERR_NOMEM;
  return riptd_cmedia_init(c, rec);
}

/* ---- the host of the action ---- */

static int call_host_event(void *data, ript_event_type type,
                           const char *reason, int64_t now) {
  (void)now;
  return riptd_call_event(data, type, reason);
}

static int call_host_send(void *data, const ript_media_frame *frame,
                          int64_t now) {
  (void)now;
  return riptd_cmedia_send(data, frame);
}

static int call_host_forward(void *data, const uint8_t *chunk, size_t len,
                             int64_t now) {
  (void)now;
  return riptd_cmedia_forward(data, chunk, len) == 0 ? 0 : RIPT_ERR_NOBUF;
}

static void call_host_schedule(void *data) { riptd_call_schedule(data); }

/* The route's action, where a new call is: proceeding since |rec|'s
 * creation. */
static int call_action(riptd_call *c, const riptd_call_rec *rec) {
  riptd_action_ctx ctx = {
      {c, call_host_event, call_host_send, call_host_forward,
       call_host_schedule},
      &c->live->env,
      c->route,
      c->uuid,
      c->tg,
      c->to,
      &c->media.tx_audio,
      &c->media.rx_audio,
      RIPT_CALL_PROCEEDING,
      rec->created_ms};
  const riptd_action_ops *ops = riptd_action_ops_of(c->route->action);
  int rv = ops->start(&c->action, &ctx, riptd_wall_ms());
  if (rv == 0)
    c->action_ops = ops;
  return rv;
}

int riptd_call_start(riptd_live *live, const riptd_call_rec *rec) {
  riptd_call *c = calloc(1, sizeof(*c));
  if (!c)
    return RIPT_ERR_NOMEM;
  int rv = call_init(c, live, rec);
  if (rv == 0)
    rv = call_action(c, rec);
  if (rv == 0)
    rv = riptd_live_add(live, c);
  if (rv != 0) {
    call_free(c);
    return rv;
  }
  uv_timer_init(live->loop, &c->timer);
  c->timer.data = c;
  ++live->timers_open;
  riptd_call_schedule(c);
  return 0;
}

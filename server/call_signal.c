/* A live call's signaling byways (docs/PROTOCOL.md §8, §9): events out on
 * every reverse byway (GET {call}/events), what the conversation kept for
 * the next one, and events in from every forward byway (PUT), in arrival
 * order. */
#include <stdio.h>
#include <string.h>

#include "call_internal.h"

/* Writes |ev| on the reverse byway |bw| (reset when its reader fell too
 * far behind). */
static void signal_write(riptd_call *c, riptd_byway *bw,
                         const ript_event *ev) {
  ript_buf *out = &c->env->out;
  ript_buf_reset(out);
  if (ript_event_writer_write(riptd_byway_writer(bw), ev, out) == 0)
    riptd_byway_write(bw, out->data, out->len);
}

void riptd_call_pump_events(riptd_call *c, int64_t now) {
  ript_event ev;
  while (ript_conv_take_event(c->conv, now, &ev) == 1) {
    for (riptd_byway *bw = c->byways.head[RIPTD_BYWAY_EVENTS_GET], *next; bw;
         bw = next) {
      next = riptd_byway_next(bw);
      signal_write(c, bw, &ev);
    }
    ript_event_free(&ev);
  }
}

/* Closes the array of the reverse byway |bw| and ends it. */
static void signal_end_get(riptd_call *c, riptd_byway *bw) {
  ript_buf *out = &c->env->out;
  ript_buf_reset(out);
  if (ript_event_writer_close(riptd_byway_writer(bw), out) == 0)
    riptd_byway_write(bw, out->data, out->len);
  riptd_byway_end(bw);
}

void riptd_call_close_events(riptd_call *c) {
  while (c->byways.head[RIPTD_BYWAY_EVENTS_GET])
    signal_end_get(c, c->byways.head[RIPTD_BYWAY_EVENTS_GET]);
}

void riptd_call_end_signaling(riptd_call *c) {
  if (c->byways.head[RIPTD_BYWAY_EVENTS_GET])
    c->terminal_seen = 1;
  riptd_call_close_events(c);
  while (c->byways.head[RIPTD_BYWAY_EVENTS_PUT])
    riptd_byway_answer(c->byways.head[RIPTD_BYWAY_EVENTS_PUT], 200, NULL,
                       NULL, 0);
}

/* ---- events in ---- */

/* Whether |uri| names this call: the URI riptd gave out, or the one the
 * byway's request named (a load balancer's authority). */
static int signal_names_call(riptd_call *c, riptd_byway *bw,
                             const char *uri) {
  char mine[1024];
  return strcmp(uri, c->uri) == 0 ||
         (riptd_byway_call_uri(bw, mine, sizeof(mine)) == 0 &&
          strcmp(uri, mine) == 0);
}

/* One event of a forward byway, in arrival order (§9.10; decision 64):
 * refusals end that byway, not the call. */
static int signal_on_event(void *data, riptd_byway *bw, const ript_event *ev) {
  riptd_call *c = data;
  int64_t now = riptd_call_now(c);
  ript_call_state next;
  if (ev->direction != RIPT_EVENT_DIR_C2S) {
    riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                      "an event on a forward signaling byway has direction "
                      "c2s");
  } else if (!signal_names_call(c, bw, ev->call)) {
    riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                      "the event names call %.200s, not this byway's call "
                      "%s",
                      ev->call, c->uri);
  } else if (ript_call_apply(c->rec.state, ev->type, RIPT_EVENT_DIR_C2S,
                             &next) != 0) {
    riptd_byway_error(bw, 409, "illegal-event", NULL, NULL,
                      "%.64s from the client is not allowed in state %s",
                      ev->name ? ev->name : "this event",
                      ript_call_state_name(c->rec.state));
  } else if (ev->type == RIPT_EVENT_END) {
    riptd_call_event(c, RIPT_EVENT_END,
                     ev->reason ? ev->reason : "the caller ended the call",
                     now);
    return 1; /* the byway was answered with the rest */
  } else {
    if (ript_conv_event_received(c->conv, ev, now) == 0)
      riptd_call_pump_events(c, now);
    return 0;
  }
  return 1;
}

static void signal_lost(void *data, riptd_byway *bw) {
  riptd_call *c = data;
  (void)bw;
  riptd_call_signaling_changed(c, riptd_call_now(c));
}

/* ---- taking byways ---- */

/* limits.signaling-byways-per-call each way; beyond, 429. */
static int signal_too_many(riptd_call *c, riptd_byway *bw) {
  riptd_byway_type type = riptd_byway_type_of(bw);
  int64_t max = c->env->app->cfg->limits.events_byways_per_call;
  if ((int64_t)c->byways.count[type] < max)
    return 0;
  riptd_byway_error(bw, 429, "too-many-byways", NULL, NULL,
                    "call %s already has %lld %s signaling byways open",
                    c->uuid, (long long)max,
                    type == RIPTD_BYWAY_EVENTS_PUT ? "forward" : "reverse");
  return 1;
}

/* "[", the announcement of the current state and what was kept for the
 * first reverse byway (decisions 61, 62). */
static int signal_open(riptd_call *c, riptd_byway *bw, int64_t now) {
  if (riptd_byway_open_events(bw) != 0)
    return -1;
  ript_buf *out = &c->env->out;
  ript_buf_reset(out);
  int rv = ript_conv_open_events(c->conv, now, riptd_byway_writer(bw), out);
  if (rv == 0 && riptd_call_ended(c))
    rv = ript_event_writer_close(riptd_byway_writer(bw), out);
  if (rv != 0 || riptd_byway_write(bw, out->data, out->len) != 0) {
    riptd_byway_reset(bw);
    return -1;
  }
  return 0;
}

static void signal_get(riptd_call *c, riptd_byway *bw, int64_t now) {
  if (!riptd_call_ended(c)) {
    if (signal_open(c, bw, now) != 0)
      return;
    riptd_byway_attach(&c->byways, bw);
    if (c->migrating) {
      /* The client's new byways: media may use them again. */
      c->migrating = 0;
      riptd_call_media_path(c, now);
    }
    riptd_call_signaling_changed(c, now);
    riptd_call_flush(c, now);
    return;
  }
  /* A call that ended while no reverse byway was open still tells the
   * next one how it ended, within the buffering window (decision 63). */
  if (!c->terminal_seen && now - c->rec.state_ms <= RIPTD_CALL_BUFFER_MS) {
    if (signal_open(c, bw, now) == 0) {
      c->terminal_seen = 1;
      riptd_byway_end(bw);
    }
    return;
  }
  riptd_call_refuse_ended(c, bw);
}

void riptd_call_take_events(riptd_call *c, ript_http_exchange *ex,
                            riptd_byway_type type, const uint8_t *body,
                            size_t len, int ended, int64_t now) {
  riptd_byway_owner owner = {c, signal_lost, signal_on_event, NULL, NULL};
  riptd_byway *bw = riptd_byway_new(ex, type, &owner, &c->env->limits);
  if (!bw || !riptd_byway_is_open(bw) || signal_too_many(c, bw))
    return;
  if (type == RIPTD_BYWAY_EVENTS_GET) {
    signal_get(c, bw, now);
    return;
  }
  if (riptd_call_ended(c)) {
    riptd_call_refuse_ended(c, bw);
    return;
  }
  riptd_byway_attach(&c->byways, bw);
  riptd_call_signaling_changed(c, now);
  riptd_byway_feed(bw, body, len, ended);
}

/*
 * A call's signaling (draft §9.9-§9.14): the GET {call}/events byway that
 * stays open for the whole call, the events the server sends on it, the
 * PUTs that carry ours, and the migrations that replace the byway.
 */
#include <stdio.h>
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

/* Delay before trying again a signaling byway that could not be opened. */
enum { SIGNAL_RETRY_MS = 1000 };

static int signal_on_event(const ript_event *ev, void *user_data) {
  ript_client_call *call = user_data;
  int64_t now = call_now_ms();
  switch (ev->type) {
  case RIPT_EVENT_ANSWERED:
    if (call->stats.answered_after_ms < 0)
      call->stats.answered_after_ms = now - call->started_ms;
    break;
  case RIPT_EVENT_PONG:
    ++call->stats.pongs_received;
    break;
  case RIPT_EVENT_MEDIA_PANIC:
    ++call->stats.media_panics;
    break;
  case RIPT_EVENT_MIGRATE:
    if (ev->uri && client_uri_ok(ev->uri)) {
      char *uri = ript_mem_strdup(call->mem, ev->uri);
      if (uri) {
        ript_mem_free(call->mem, call->uri);
        call->uri = uri;
      }
    }
    call->migrate_pending = 1;
    call_kick(call);
    break;
  case RIPT_EVENT_END:
  case RIPT_EVENT_DECLINED:
  case RIPT_EVENT_FAILED:
  case RIPT_EVENT_NOANSWER:
    if (call->final == RIPT_EVENT_UNKNOWN) {
      call->final = ev->type;
      call->final_reason =
          ev->reason ? ript_mem_strdup(call->mem, ev->reason) : NULL;
      call->ended_by_us = call->phase == CALL_ENDING;
    }
    break;
  default:
    break;
  }
  if (call->cbs.on_event)
    call->cbs.on_event(call, ev, call->user_data);
  if (call->final != RIPT_EVENT_UNKNOWN) {
    call_finish(call, 0);
    return 1; /* nothing after a terminal event matters */
  }
  return 0;
}

void call_signal_on_response(call_xfer *xfer) {
  ript_client_call *call = xfer->call;
  if (xfer != call->events || xfer->status != 200)
    return;
  call->signal_up = 1;
  call_kick(call); /* the media may open now (§9.13) */
}

void call_signal_on_body(call_xfer *xfer, const uint8_t *data, size_t len) {
  ript_client_call *call = xfer->call;
  if (xfer != call->events || !call->parser || call->phase == CALL_CLOSING)
    return;
  int rv = ript_event_parser_feed(call->parser, data, len, NULL);
  if (rv != 0 && rv != RIPT_ERR_CALLBACK_FAILURE && xfer->ex)
    ript_http_exchange_reset(xfer->ex); /* garbage: a new byway */
}

int call_signal_open(ript_client_call *call) {
  ript_event_parser_del(call->parser);
  call->parser = NULL;
  int rv = ript_event_parser_new(&call->parser, signal_on_event, call, NULL,
                                 call->mem);
  if (rv != 0)
    return rv;
  /* After a migration no cookie goes with it, so that a load balancer
   * may route it to another instance (§9.13). */
  call_xfer_spec spec = {XFER_EVENTS_GET, "GET", call->events_url, NULL,
                         NULL, NULL, 0, call->stats.migrations > 0};
  call->signal_up = 0;
  return call_xfer_start(call, &spec, &call->events);
}

/* Whether the server's answer to the signaling byway ends the call. */
static int signal_refused(const call_xfer *xfer) {
  return xfer->status >= 400 && xfer->status < 500 && xfer->status != 408 &&
         xfer->status != 429;
}

void call_signal_closed(ript_client_call *call, call_xfer *xfer) {
  if (xfer->kind == XFER_EVENTS_PUT) {
    if (xfer->status == 404 && call->phase == CALL_ENDING) {
      /* The call ended meanwhile: as good as the server's `end`. */
      call->final = RIPT_EVENT_END;
      call->ended_by_us = 1;
      call_finish(call, 0);
    }
    return;
  }
  if (xfer != call->events)
    return;
  int64_t now = call_now_ms();
  /* The call is without a byway since this one was lost, or since the
   * last one was, if this one never came up: giving up counts from
   * then. */
  if (call->signal_up)
    call->byway_lost_ms = now;
  call->events = NULL;
  call->signal_up = 0;
  if (signal_refused(xfer)) {
    call_set_failure(call, "GET", call->events_url, xfer->status, xfer);
    call_finish(call, RIPT_ERR_HTTP_STATUS);
    return;
  }
  /* A reset, a broken connection or a server error: migrate (§9.14 (1),
   * (4)); the retry waits when the byway never came up. */
  call->migrate_pending = 1;
  call->retry_at_ms = xfer->status == 200 ? now : now + SIGNAL_RETRY_MS;
}

int call_signal_send(ript_client_call *call, ript_event_type type,
                     const char *reason, const char *nonce) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.direction = RIPT_EVENT_DIR_C2S;
  ev.timestamp_ms = call_now_ms();
  ev.call = call->uri;
  ev.reason = reason;
  ev.nonce = nonce;
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, call->mem);
  int rv = ript_event_writer_open(&w, &b);
  if (rv == 0)
    rv = ript_event_writer_write(&w, &ev, &b);
  if (rv == 0)
    rv = ript_event_writer_close(&w, &b);
  if (rv == 0) {
    call_xfer_spec spec = {XFER_EVENTS_PUT, "PUT", call->events_url, NULL,
                           "application/json", b.data, b.len, 0};
    rv = call_xfer_start(call, &spec, NULL);
  }
  ript_buf_free(&b);
  return rv;
}

/*
 * A call's signaling byways (draft §9.9-§9.14): the GET {call}/events that
 * stays open for the whole call and the events the server sends on it, and
 * the PUT of each event the conversation hands out (the call's `end`, its
 * pings). Which event goes when is the conversation's (ript/conversation.h).
 */
#include <stdio.h>
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

/* Delay before trying again a signaling byway that could not be opened. */
enum { SIGNAL_RETRY_MS = 1000 };

static int signal_on_event(const ript_event *ev, void *user_data) {
  ript_client_call *call = user_data;
  int64_t now = ript_client_call_now_ms();
  switch (ev->type) {
  case RIPT_EVENT_ANSWERED:
    if (call->stats.answered_after_ms < 0)
      call->stats.answered_after_ms = now - call->started_ms;
    break;
  case RIPT_EVENT_MIGRATE:
    if (ev->uri && ript_client_uri_ok(ev->uri)) {
      char *uri = ript_mem_strdup(call->mem, ev->uri);
      if (uri) {
        ript_mem_free(call->mem, call->uri);
        call->uri = uri;
      }
    }
    call->migrate_pending = 1;
    ript_client_call_kick(call);
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
  /* Pongs and media-panics are counted there; out of memory is not
   * possible for a client. */
  (void)ript_conv_event_received(call->conv, ev, now);
  if (call->cbs.on_event)
    call->cbs.on_event(call, ev, call->user_data);
  if (call->final != RIPT_EVENT_UNKNOWN) {
    ript_client_call_finish(call, 0);
    return 1; /* nothing after a terminal event matters */
  }
  return 0;
}

void ript_client_signal_on_response(ript_client_bw *bw) {
  ript_client_call *call = bw->call;
  if (bw != call->events || bw->status != 200)
    return;
  call->signal_up = 1;
  ript_conv_set_signal(call->conv, 1, ript_client_call_now_ms());
  ript_client_call_kick(call); /* the media may open now (§9.13) */
}

void ript_client_signal_on_body(ript_client_bw *bw, const uint8_t *data,
                                size_t len) {
  ript_client_call *call = bw->call;
  if (bw != call->events || !call->parser || call->phase == CALL_CLOSING)
    return;
  int rv = ript_event_parser_feed(call->parser, data, len, NULL);
  if (rv != 0 && rv != RIPT_ERR_CALLBACK_FAILURE && bw->ex)
    ript_http_exchange_reset(bw->ex); /* garbage: a new byway */
}

int ript_client_signal_open(ript_client_call *call) {
  ript_event_parser_del(call->parser);
  call->parser = NULL;
  int rv = ript_event_parser_new(&call->parser, signal_on_event, call, NULL,
                                 call->mem);
  if (rv != 0)
    return rv;
  /* After a migration no cookie goes with it, so that a load balancer
   * may route it to another instance (§9.13). */
  ript_client_bw_spec spec = {
      RIPT_CLIENT_BW_EVENTS_GET, "GET", call->events_url, NULL, NULL, NULL, 0,
      call->stats.migrations > 0};
  call->signal_up = 0;
  return ript_client_bw_start(call, &spec, &call->events);
}

/* Whether the server's answer to the signaling byway ends the call. */
static int signal_refused(const ript_client_bw *bw) {
  return bw->status >= 400 && bw->status < 500 && bw->status != 408 &&
         bw->status != 429;
}

void ript_client_signal_closed(ript_client_call *call, ript_client_bw *bw) {
  if (bw->kind == RIPT_CLIENT_BW_EVENTS_PUT) {
    if (bw->status == 404 && call->phase == CALL_ENDING) {
      /* The call ended meanwhile: as good as the server's `end`. */
      call->final = RIPT_EVENT_END;
      call->ended_by_us = 1;
      ript_client_call_finish(call, 0);
    }
    return;
  }
  if (bw != call->events)
    return;
  int64_t now = ript_client_call_now_ms();
  /* The call is without a byway since this one was lost, or since the
   * last one was, if this one never came up: giving up counts from
   * then. */
  if (call->signal_up)
    call->byway_lost_ms = now;
  call->events = NULL;
  call->signal_up = 0;
  ript_conv_set_signal(call->conv, 0, now);
  if (signal_refused(bw)) {
    ript_client_call_set_failure(call, "GET", call->events_url, bw->status, bw);
    ript_client_call_finish(call, RIPT_ERR_HTTP_STATUS);
    return;
  }
  /* A reset, a broken connection or a server error: migrate (§9.14 (1),
   * (4)); the retry waits when the byway never came up. */
  call->migrate_pending = 1;
  call->retry_at_ms = bw->status == 200 ? now : now + SIGNAL_RETRY_MS;
}

/* One event in a PUT {call}/events of its own (decision 76). */
static int signal_put(ript_client_call *call, const ript_event *ev) {
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, call->mem);
  int rv = ript_event_writer_open(&w, &b);
  if (rv == 0)
    rv = ript_event_writer_write(&w, ev, &b);
  if (rv == 0)
    rv = ript_event_writer_close(&w, &b);
  if (rv == 0) {
    ript_client_bw_spec spec = {RIPT_CLIENT_BW_EVENTS_PUT,
                                "PUT",
                                call->events_url,
                                NULL,
                                "application/json",
                                b.data,
                                b.len,
                                0};
    rv = ript_client_bw_start(call, &spec, NULL);
  }
  ript_buf_free(&b);
  return rv;
}

int ript_client_signal_flush(ript_client_call *call, int64_t now) {
  int first = 0;
  for (;;) {
    ript_event ev;
    ript_event_init(&ev);
    int rv = ript_conv_take_event(call->conv, now, &ev);
    if (rv <= 0)
      return first ? first : rv;
    /* A ping names no call: this one's URI, which a migration may have
     * changed. */
    ev.call = call->uri;
    rv = signal_put(call, &ev);
    ript_event_free(&ev);
    if (rv != 0 && first == 0)
      first = rv;
  }
}

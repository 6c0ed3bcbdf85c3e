/*
 * One call on a ript_client (ript/client_call.h): creating or resuming it,
 * the loop-driven run that opens, migrates and closes its byways and hands
 * its conversation the time, and the outcome.
 */
#include <stdio.h>
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

enum { CALL_GIVE_UP_DEFAULT_MS = 30000 };

int64_t ript_client_call_now_ms(void) {
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) != 0)
    return 0;
  return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void call_run(uv_timer_t *timer);

void ript_client_call_kick(ript_client_call *call) {
  if (!uv_is_closing((uv_handle_t *)&call->timer))
    uv_timer_start(&call->timer, call_run, 0, 0);
}

/* ---- the outcome ---- */

static char *call_strdup(const ript_client_call *call, const char *s) {
  return s ? ript_mem_strdup(call->mem, s) : NULL;
}

void ript_client_call_set_failure(ript_client_call *call, const char *method,
                                  const char *url, int status,
                                  const ript_client_bw *bw) {
  if (call->fail_method)
    return; /* the first failure is the one reported */
  call->fail_method = call_strdup(call, method);
  call->fail_url = call_strdup(call, url);
  call->fail_status = status;
  if (!bw || !bw->body.len || status < 400)
    return;
  ript_doc_error doc;
  ript_doc_error_init(&doc);
  if (ript_doc_error_parse(&doc, (const char *)bw->body.data, bw->body.len, 0,
                           NULL, call->mem) == 0) {
    call->fail_error = call_strdup(call, doc.error);
    call->fail_reason = call_strdup(call, doc.reason);
  }
  ript_doc_error_free(&doc);
}

void ript_client_call_finish(ript_client_call *call, int code) {
  if (call->phase == CALL_CLOSING)
    return;
  call->phase = CALL_CLOSING;
  call->code = code;
  if (call->create)
    ript_client_req_cancel(call->create);
  ript_client_bw_cancel_all(call, (unsigned)-1);
  ript_client_call_kick(call);
}

static void call_free(ript_client_call *call) {
  const ript_mem *mem = call->mem;
  ript_event_parser_del(call->parser);
  ript_buf_free(&call->scratch);
  ript_conv_del(call->conv);
  ript_chunk_key_free(&call->tx_key);
  ript_mediakey_clear(&call->media_key);
  char *strings[] = {call->tg_uri,    call->handler_uri,  call->destination,
                     call->passport,  call->uri,          call->events_url,
                     call->media_url, call->final_reason, call->fail_method,
                     call->fail_url,  call->fail_error,   call->fail_reason};
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); ++i)
    ript_mem_free(mem, strings[i]);
  ript_mem_free(mem, call);
}

static void call_on_timer_closed(uv_handle_t *handle) {
  ript_client_call *call = handle->data;
  ript_client *client = call->client;
  ript_client_result res;
  ript_client_result_local(&res, call->code, call->fail_method,
                           call->fail_url ? call->fail_url : call->uri);
  res.status = call->fail_status;
  res.error = call->fail_error;
  res.reason = call->fail_reason;
  res.timeout_ms = client->timeout_ms;
  ript_client_call_outcome out = {call->code, &res,
                                  call->code ? RIPT_EVENT_UNKNOWN : call->final,
                                  call->final_reason, call->ended_by_us};
  call->cbs.on_closed(call, &out, call->user_data);
  call_free(call);
  --client->live_reqs;
  ript_client_maybe_free(client);
}

/* ---- describing ---- */

static int call_set_uri(ript_client_call *call, const char *uri) {
  size_t n = strlen(uri) + sizeof("/events");
  char *u = ript_mem_strdup(call->mem, uri);
  char *ev = ript_mem_malloc(call->mem, n);
  char *media = ript_mem_malloc(call->mem, n);
  if (!u || !ev || !media) {
    ript_mem_free(call->mem, u);
    ript_mem_free(call->mem, ev);
    ript_mem_free(call->mem, media);
    return RIPT_ERR_NOMEM;
  }
  snprintf(ev, n, "%s/events", uri);
  snprintf(media, n, "%s/media", uri);
  ript_mem_free(call->mem, call->uri);
  ript_mem_free(call->mem, call->events_url);
  ript_mem_free(call->mem, call->media_url);
  call->uri = u;
  call->events_url = ev;
  call->media_url = media;
  return 0;
}

/* The 201 of POST {tg}/calls or the 200 of GET {call}. */
static int call_on_described(ript_client_req *req) {
  ript_client_call *call = req->op;
  call->create = NULL;
  if (call->phase == CALL_CLOSING) {
    ript_client_call_kick(call); /* it waited for this request to end */
    return 0;
  }
  ript_client_result res;
  ript_client_req_result(req, &res);
  if (res.code == 0) {
    ript_doc_call doc;
    ript_doc_call_init(&doc);
    ript_parse_error perr = {0, NULL};
    int rv = ript_doc_call_parse(&doc, (const char *)req->body.data,
                                 req->body.len, 0, &perr, call->mem);
    if (rv == 0)
      rv = call_set_uri(call, req->location ? req->location : doc.uri);
    if (rv == 0)
      rv = ript_client_media_setup(call, &doc);
    if (rv == 0) {
      call->phase = CALL_LIVE;
      call->byway_lost_ms = ript_client_call_now_ms();
      if (call->cbs.on_described)
        call->cbs.on_described(call, &doc, call->user_data);
      ript_client_call_kick(call);
    } else {
      ript_client_result_unusable(&res, rv, "call description", &perr);
    }
    ript_doc_call_free(&doc);
  }
  if (res.code != 0) {
    ript_client_call_set_failure(call, res.method, res.url, res.status, NULL);
    call->fail_error = call_strdup(call, res.error);
    call->fail_reason = call_strdup(call, res.reason);
    ript_client_call_finish(call, res.code);
  }
  return 0;
}

static int call_create(ript_client_call *call) {
  if (call->uri) {
    ript_client_req_spec spec = {"GET", call->uri, NULL, NULL,
                                 0,     NULL,      0,    NULL};
    return ript_client_req_start(call->client, &spec, call_on_described, call,
                                 &call->create);
  }
  ript_doc_call_request body;
  ript_doc_call_request_init(&body);
  body.handler = call->handler_uri;
  body.destination = call->destination;
  body.passport = call->passport;
  ript_buf json;
  ript_buf_init(&json, call->mem);
  size_t n = strlen(call->tg_uri) + sizeof("/calls");
  char *url = ript_mem_malloc(call->mem, n);
  int rv = url ? ript_doc_call_request_write(&body, &json) : RIPT_ERR_NOMEM;
  if (rv == 0) {
    snprintf(url, n, "%s/calls", call->tg_uri);
    ript_client_req_spec spec = {
        "POST", url, "application/json", json.data, json.len, NULL, 0, NULL};
    rv = ript_client_req_start(call->client, &spec, call_on_described, call,
                               &call->create);
  }
  ript_mem_free(call->mem, url);
  ript_buf_free(&json);
  return rv;
}

/* ---- the run ---- */

static void call_migrate_now(ript_client_call *call, int64_t now) {
  if (call->signal_up)
    call->byway_lost_ms = now;
  call->migrate_pending = 0;
  ++call->gen;
  ++call->stats.migrations;
  call->events = NULL;
  call->signal_up = 0;
  call->media_session = NULL;
  call->media_opened = 0;
  call->gets_open = 0;
  ript_client_bw_cancel_all(call, call->gen);
  /* The new byways carry full values and replay what was not
   * acknowledged (§9.13). */
  ript_conv_set_signal(call->conv, 0, now);
  ript_conv_migrate(call->conv, now);
  /* The call URI may have changed (migrate with "uri"). */
  if (call_set_uri(call, call->uri) != 0)
    ript_client_call_finish(call, RIPT_ERR_NOMEM);
}

/* The end's deadline and the give-up rule. */
static void call_timers(ript_client_call *call, int64_t now) {
  if (call->phase == CALL_ENDING && now >= call->end_deadline_ms) {
    ript_client_call_set_failure(call, "PUT", call->events_url, 0, NULL);
    ript_client_call_finish(call, RIPT_ERR_HTTP_CLOSED);
  }
  if (!call->signal_up &&
      now - call->byway_lost_ms >= (int64_t)call->give_up_ms) {
    ript_client_call_set_failure(call, "GET", call->events_url, 0, NULL);
    ript_client_call_finish(call, RIPT_ERR_HTTP_CLOSED);
  }
}

static void call_open_byways(ript_client_call *call, int64_t now) {
  if (!call->events && now >= call->retry_at_ms) {
    int rv = ript_client_signal_open(call);
    if (rv == RIPT_ERR_NOMEM || rv == RIPT_ERR_HTTP_CLOSED)
      ript_client_call_finish(call, rv);
    else if (rv != 0)
      call->retry_at_ms = now + 1000;
  }
  /* Media only once the signaling byway answered (§9.13). */
  if (call->signal_up && !call->media_opened)
    ript_client_media_open(call);
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static void call_arm(ript_client_call *call, int64_t now) {
  int64_t t = ript_conv_next_deadline(call->conv);
  if (!call->signal_up)
    t = min64(t, min64(call->byway_lost_ms + (int64_t)call->give_up_ms,
                       call->events ? INT64_MAX : call->retry_at_ms));
  if (call->phase == CALL_ENDING)
    t = min64(t, call->end_deadline_ms);
  uint64_t delay = t <= now ? 0 : (uint64_t)(t - now);
  uv_timer_start(&call->timer, call_run, delay, 0);
}

static void call_run(uv_timer_t *timer) {
  ript_client_call *call = timer->data;
  if (call->client->closing && call->phase != CALL_CLOSING)
    ript_client_call_finish(call, RIPT_ERR_HTTP_CLOSED);
  ript_client_bw_reap(call);
  if (call->phase == CALL_CLOSING) {
    if (!call->bws && !call->create)
      uv_close((uv_handle_t *)&call->timer, call_on_timer_closed);
    return;
  }
  if (call->phase == CALL_CREATING)
    return;
  int64_t now = ript_client_call_now_ms();
  if (call->migrate_pending)
    call_migrate_now(call, now);
  call_open_byways(call, now);
  /* §9.14 (2), (3): the media timers ask for a migration. */
  if (ript_conv_check(call->conv, now) & RIPT_CONV_FLAG_MIGRATE)
    call->migrate_pending = 1;
  ript_client_media_flush(call, now);
  if (call->migrate_pending) {
    ript_client_call_kick(call);
    return;
  }
  ript_client_signal_flush(call, now);
  call_timers(call, now);
  if (call->phase == CALL_CLOSING)
    ript_client_call_kick(call);
  else
    call_arm(call, now);
}

/* ---- the API ---- */

static int call_check(const ript_client *client,
                      const ript_client_call_config *cfg,
                      const ript_client_call_callbacks *cbs) {
  if (!client || !cfg || !cbs || !cbs->on_closed)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (cfg->call_uri
          ? !ript_client_uri_ok(cfg->call_uri)
          : !cfg->tg_uri || !ript_client_uri_ok(cfg->tg_uri) ||
                !cfg->handler_uri || !ript_client_uri_ok(cfg->handler_uri) ||
                !cfg->destination || !*cfg->destination || !cfg->passport ||
                !*cfg->passport)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (cfg->media > RIPT_CLIENT_MEDIA_BYWAY ||
      (cfg->media == RIPT_CLIENT_MEDIA_DATAGRAM &&
       client->version != RIPT_HTTP_3) ||
      cfg->byways > RIPT_CLIENT_CALL_MAX_BYWAYS)
    return RIPT_ERR_INVALID_ARGUMENT;
  return client->closing ? RIPT_ERR_HTTP_CLOSED : 0;
}

static int call_copy_config(ript_client_call *call,
                            const ript_client_call_config *cfg) {
  call->media = cfg->media;
  call->use_datagrams = cfg->media == RIPT_CLIENT_MEDIA_DATAGRAM ||
                        (cfg->media == RIPT_CLIENT_MEDIA_AUTO &&
                         call->client->version == RIPT_HTTP_3);
  call->byways = cfg->byways ? cfg->byways : RIPT_CLIENT_CALL_BYWAYS;
  call->ping_interval_ms = cfg->ping_interval_ms
                               ? cfg->ping_interval_ms
                               : RIPT_CONV_PING_INTERVAL_DEFAULT_MS;
  call->give_up_ms =
      cfg->give_up_ms ? cfg->give_up_ms : CALL_GIVE_UP_DEFAULT_MS;
  call->media_timeout_ms = cfg->media_timeout_ms
                               ? (int64_t)cfg->media_timeout_ms
                               : RIPT_MEDIA_MEDIA_TIMEOUT_DEFAULT_MS;
  if (cfg->media_key) {
    call->media_key = *cfg->media_key;
    int rv = ript_mediakey_sender(&call->media_key, RIPT_CHUNK_DIR_C2S,
                                  &call->tx_key);
    if (rv != 0)
      return rv;
    call->keyed = true;
  }
  if (cfg->call_uri)
    return call_set_uri(call, cfg->call_uri);
  call->tg_uri = call_strdup(call, cfg->tg_uri);
  call->handler_uri = call_strdup(call, cfg->handler_uri);
  call->destination = call_strdup(call, cfg->destination);
  call->passport = call_strdup(call, cfg->passport);
  return call->tg_uri && call->handler_uri && call->destination &&
                 call->passport
             ? 0
             : RIPT_ERR_NOMEM;
}

int ript_client_call_start(ript_client *client,
                           const ript_client_call_config *cfg,
                           const ript_client_call_callbacks *cbs,
                           void *user_data, ript_client_call **pcall) {
  int rv = call_check(client, cfg, cbs);
  if (rv != 0)
    return rv;
  ript_client_call *call = ript_mem_calloc(client->mem, 1, sizeof(*call));
  if (!call)
    return RIPT_ERR_NOMEM;
  call->client = client;
  call->mem = client->mem;
  call->cbs = *cbs;
  call->user_data = user_data;
  call->final = RIPT_EVENT_UNKNOWN;
  call->started_ms = ript_client_call_now_ms();
  ript_buf_init(&call->scratch, call->mem);
  call->stats.answered_after_ms = -1;
  rv = call_copy_config(call, cfg);
  if (rv == 0)
    rv = call_create(call);
  if (rv != 0) {
    call_free(call);
    return rv;
  }
  uv_timer_init(client->loop, &call->timer);
  call->timer.data = call;
  ++client->live_reqs;
  if (pcall)
    *pcall = call;
  return 0;
}

const char *ript_client_call_uri(const ript_client_call *call) {
  return call && call->phase != CALL_CREATING ? call->uri : NULL;
}

int ript_client_call_tx_stream(const ript_client_call *call, uint8_t *source,
                               uint8_t *sink) {
  if (!call || !source || !sink)
    return RIPT_ERR_INVALID_ARGUMENT;
  *source = call->tx_source;
  *sink = call->tx_sink;
  return 0;
}

int ript_client_call_answered(const ript_client_call *call) {
  return call && call->stats.answered_after_ms >= 0;
}

int ript_client_call_end(ript_client_call *call, const char *reason) {
  if (!call)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (call->phase == CALL_CREATING)
    return RIPT_ERR_CALL_NOT_READY;
  if (call->phase != CALL_LIVE)
    return RIPT_ERR_CALL_TERMINATED;
  int64_t now = ript_client_call_now_ms();
  ript_event ev;
  ript_event_prepare(&ev, RIPT_EVENT_END, RIPT_EVENT_DIR_C2S, now, call->uri);
  ev.reason = reason;
  int rv = ript_conv_send_event(call->conv, &ev, now);
  if (rv == 0)
    rv = ript_client_signal_flush(call, now);
  if (rv != 0)
    return rv;
  call->phase = CALL_ENDING;
  call->end_deadline_ms = now + (int64_t)call->client->timeout_ms;
  ript_client_call_kick(call);
  return 0;
}

int ript_client_call_migrate(ript_client_call *call) {
  if (!call)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (call->phase == CALL_CREATING)
    return RIPT_ERR_CALL_NOT_READY;
  if (call->phase == CALL_CLOSING)
    return RIPT_ERR_CALL_TERMINATED;
  call->migrate_pending = 1;
  ript_client_call_kick(call);
  return 0;
}

void ript_client_call_abort(ript_client_call *call) {
  if (call)
    ript_client_call_finish(call, RIPT_ERR_HTTP_CLOSED);
}

int ript_client_call_get_stats(const ript_client_call *call,
                               ript_client_call_stats *stats) {
  if (!call || !stats)
    return RIPT_ERR_INVALID_ARGUMENT;
  *stats = call->stats;
  memset(&stats->media, 0, sizeof(stats->media));
  ript_conv_stats conv;
  if (call->conv && ript_conv_get_stats(call->conv, &conv) == 0) {
    ript_media_get_stats(ript_conv_media(call->conv), &stats->media);
    stats->media_panics = conv.media_panics;
    stats->pings_sent = conv.pings;
    stats->pongs_received = conv.pongs;
  }
  return 0;
}

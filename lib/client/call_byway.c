/*
 * The byways of a call (its exchanges): started with the client's headers,
 * tracked on the call's list, reported to the signaling or media code,
 * cancelled together. Their callbacks only record and kick
 * (call_internal.h).
 */
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

/* Largest response body kept: a media byway carries one chunk plus acks,
 * an error document is small. */
enum { BW_BODY_MAX = 256 * 1024, BW_MAX_HEADERS = 4 };

static void bw_on_response(ript_http_exchange *ex, void *user_data) {
  ript_client_bw *bw = user_data;
  bw->status = ript_http_exchange_status(ex);
  if (bw->status == 401 && bw->call->client->authorization)
    ript_client_token_refused(bw->call->client);
  if (bw->gen != bw->call->gen)
    return;
  if (bw->kind == RIPT_CLIENT_BW_EVENTS_GET)
    ript_client_signal_on_response(bw);
  else if (bw->kind == RIPT_CLIENT_BW_SESSION)
    ript_client_media_on_response(bw);
}

static void bw_on_body(ript_http_exchange *ex, const uint8_t *data, size_t len,
                       void *user_data) {
  ript_client_bw *bw = user_data;
  if (bw->kind == RIPT_CLIENT_BW_EVENTS_GET && bw->status == 200) {
    if (bw->gen == bw->call->gen)
      ript_client_signal_on_body(bw, data, len);
    return;
  }
  if (len > BW_BODY_MAX - bw->body.len ||
      ript_buf_append(&bw->body, data, len) != 0)
    ript_http_exchange_reset(ex);
}

static void bw_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                           size_t len, void *user_data) {
  ript_client_bw *bw = user_data;
  (void)ex;
  if (bw->gen == bw->call->gen)
    ript_client_media_on_datagram(bw, data, len);
}

static void bw_on_close(ript_http_exchange *ex, int error, void *user_data) {
  ript_client_bw *bw = user_data;
  (void)ex;
  bw->ex = NULL;
  bw->closed = 1;
  bw->error = error;
  ript_client_call_kick(bw->call);
}

static size_t bw_headers(const ript_client_call *call,
                         const ript_client_bw_spec *spec,
                         ript_http_header h[BW_MAX_HEADERS]) {
  size_t n = 0;
  h[n++] = (ript_http_header){"user-agent", "ript/0.1.0"};
  if (spec->content_type)
    h[n++] = (ript_http_header){"content-type", spec->content_type};
  if (call->client->authorization)
    h[n++] = (ript_http_header){"authorization", call->client->authorization};
  return n;
}

static void bw_free(ript_client_bw *bw) {
  ript_client_call *call = bw->call;
  if (bw->prev)
    bw->prev->next = bw->next;
  else
    call->bws = bw->next;
  if (bw->next)
    bw->next->prev = bw->prev;
  ript_buf_free(&bw->body);
  ript_mem_free(call->mem, bw);
}

int ript_client_bw_start(ript_client_call *call,
                         const ript_client_bw_spec *spec,
                         ript_client_bw **pbw) {
  if (call->client->closing)
    return RIPT_ERR_HTTP_CLOSED;
  ript_client_bw *bw = ript_mem_calloc(call->mem, 1, sizeof(*bw));
  if (!bw)
    return RIPT_ERR_NOMEM;
  bw->call = call;
  bw->kind = spec->kind;
  bw->gen = call->gen;
  ript_buf_init(&bw->body, call->mem);
  bw->next = call->bws;
  if (call->bws)
    call->bws->prev = bw;
  call->bws = bw;
  ript_http_header headers[BW_MAX_HEADERS];
  size_t n = bw_headers(call, spec, headers);
  uint32_t flags = spec->content_type || spec->protocol ? RIPT_HTTP_FLAG_NONE
                                                        : RIPT_HTTP_FLAG_END;
  if (spec->no_cookies)
    flags |= RIPT_HTTP_FLAG_NO_COOKIES;
  ript_http_request req = {spec->method, spec->url, spec->protocol,
                           headers,      n,         flags};
  ript_http_exchange_callbacks cbs = {bw_on_response, bw_on_body, NULL,
                                      bw_on_datagram, bw_on_close};
  ript_http_exchange *ex = NULL;
  int rv = ript_http_client_request(call->client->http, &req, &cbs, bw, &ex);
  if (rv != 0) {
    bw_free(bw);
    return rv;
  }
  if (!bw->closed)
    bw->ex = ex;
  if (spec->content_type && bw->ex) {
    if (spec->body_len)
      rv = ript_http_exchange_write(bw->ex, spec->body, spec->body_len);
    if (rv == 0)
      rv = ript_http_exchange_end(bw->ex);
    if (rv != 0)
      ript_http_exchange_reset(bw->ex);
  }
  if (pbw)
    *pbw = bw;
  return 0;
}

void ript_client_bw_cancel_all(ript_client_call *call, unsigned below_gen) {
  for (ript_client_bw *b = call->bws; b; b = b->next)
    if (b->ex && !b->closed && b->gen < below_gen)
      ript_http_exchange_reset(b->ex);
}

void ript_client_bw_reap(ript_client_call *call) {
  ript_client_bw *next;
  for (ript_client_bw *b = call->bws; b; b = next) {
    next = b->next;
    if (!b->closed)
      continue;
    if (b->gen == call->gen && call->phase != CALL_CLOSING) {
      if (b->kind == RIPT_CLIENT_BW_EVENTS_GET ||
          b->kind == RIPT_CLIENT_BW_EVENTS_PUT)
        ript_client_signal_closed(call, b);
      else
        ript_client_media_closed(call, b);
    }
    /* The handlers above may start exchanges (pushed at the head) or
     * finish the call; |next| is still on the list either way. */
    bw_free(b);
  }
}

/*
 * The exchanges of a call: started with the client's headers, tracked on
 * the call's list, reported to the signaling or media code, cancelled
 * together. Their callbacks only record and kick (call_internal.h).
 */
#include <string.h>

#include "call_internal.h"
#include "ript_mem.h"

/* Largest response body kept: a media byway carries one chunk plus acks,
 * an error document is small. */
enum { XFER_BODY_MAX = 256 * 1024, XFER_MAX_HEADERS = 4 };

static void xfer_on_response(ript_http_exchange *ex, void *user_data) {
  call_xfer *xfer = user_data;
  xfer->status = ript_http_exchange_status(ex);
  if (xfer->status == 401 && xfer->call->client->authorization)
    client_token_refused(xfer->call->client);
  if (xfer->gen != xfer->call->gen)
    return;
  if (xfer->kind == XFER_EVENTS_GET)
    call_signal_on_response(xfer);
  else if (xfer->kind == XFER_MEDIA_SESSION)
    call_media_on_response(xfer);
}

static void xfer_on_body(ript_http_exchange *ex, const uint8_t *data,
                         size_t len, void *user_data) {
  call_xfer *xfer = user_data;
  if (xfer->kind == XFER_EVENTS_GET && xfer->status == 200) {
    if (xfer->gen == xfer->call->gen)
      call_signal_on_body(xfer, data, len);
    return;
  }
  if (len > XFER_BODY_MAX - xfer->body.len ||
      ript_buf_append(&xfer->body, data, len) != 0)
    ript_http_exchange_reset(ex);
}

static void xfer_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                             size_t len, void *user_data) {
  call_xfer *xfer = user_data;
  (void)ex;
  if (xfer->gen == xfer->call->gen)
    call_media_on_datagram(xfer, data, len);
}

static void xfer_on_close(ript_http_exchange *ex, int error,
                          void *user_data) {
  call_xfer *xfer = user_data;
  (void)ex;
  xfer->ex = NULL;
  xfer->closed = 1;
  xfer->error = error;
  call_kick(xfer->call);
}

static size_t xfer_headers(const ript_client_call *call,
                           const call_xfer_spec *spec,
                           ript_http_header h[XFER_MAX_HEADERS]) {
  size_t n = 0;
  h[n++] = (ript_http_header){"user-agent", "ript/0.1.0"};
  if (spec->content_type)
    h[n++] = (ript_http_header){"content-type", spec->content_type};
  if (call->client->authorization)
    h[n++] = (ript_http_header){"authorization", call->client->authorization};
  return n;
}

static void xfer_free(call_xfer *xfer) {
  ript_client_call *call = xfer->call;
  if (xfer->prev)
    xfer->prev->next = xfer->next;
  else
    call->xfers = xfer->next;
  if (xfer->next)
    xfer->next->prev = xfer->prev;
  ript_buf_free(&xfer->body);
  ript_mem_free(call->mem, xfer);
}

int call_xfer_start(ript_client_call *call, const call_xfer_spec *spec,
                    call_xfer **pxfer) {
  if (call->client->closing)
    return RIPT_ERR_HTTP_CLOSED;
  call_xfer *xfer = ript_mem_calloc(call->mem, 1, sizeof(*xfer));
  if (!xfer)
    return RIPT_ERR_NOMEM;
  xfer->call = call;
  xfer->kind = spec->kind;
  xfer->gen = call->gen;
  ript_buf_init(&xfer->body, call->mem);
  xfer->next = call->xfers;
  if (call->xfers)
    call->xfers->prev = xfer;
  call->xfers = xfer;
  ript_http_header headers[XFER_MAX_HEADERS];
  size_t n = xfer_headers(call, spec, headers);
  uint32_t flags = spec->content_type || spec->protocol
                       ? RIPT_HTTP_FLAG_NONE
                       : RIPT_HTTP_FLAG_END;
  if (spec->no_cookies)
    flags |= RIPT_HTTP_FLAG_NO_COOKIES;
  ript_http_request req = {spec->method, spec->url, spec->protocol,
                           headers, n, flags};
  ript_http_exchange_callbacks cbs = {xfer_on_response, xfer_on_body, NULL,
                                      xfer_on_datagram, xfer_on_close};
  ript_http_exchange *ex = NULL;
  int rv = ript_http_client_request(call->client->http, &req, &cbs, xfer, &ex);
  if (rv != 0) {
    xfer_free(xfer);
    return rv;
  }
  if (!xfer->closed)
    xfer->ex = ex;
  if (spec->content_type && xfer->ex) {
    if (spec->body_len)
      rv = ript_http_exchange_write(xfer->ex, spec->body, spec->body_len);
    if (rv == 0)
      rv = ript_http_exchange_end(xfer->ex);
    if (rv != 0)
      ript_http_exchange_reset(xfer->ex);
  }
  if (pxfer)
    *pxfer = xfer;
  return 0;
}

void call_xfer_cancel_all(ript_client_call *call, unsigned below_gen) {
  for (call_xfer *x = call->xfers; x; x = x->next)
    if (x->ex && !x->closed && x->gen < below_gen)
      ript_http_exchange_reset(x->ex);
}

void call_xfer_reap(ript_client_call *call) {
  call_xfer *next;
  for (call_xfer *x = call->xfers; x; x = next) {
    next = x->next;
    if (!x->closed)
      continue;
    if (x->gen == call->gen && call->phase != CALL_CLOSING) {
      if (x->kind == XFER_EVENTS_GET || x->kind == XFER_EVENTS_PUT)
        call_signal_closed(call, x);
      else
        call_media_closed(call, x);
    }
    /* The handlers above may start exchanges (pushed at the head) or
     * finish the call; |next| is still on the list either way. */
    xfer_free(x);
  }
}

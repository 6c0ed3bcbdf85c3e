/*
 * One request of an operation: sends it through the client's
 * ript_http_client, collects the response body up to RIPT_CLIENT_BODY_MAX,
 * bounds it in time, settles its result (reading the server's error
 * document on a non-2xx status) and hands it to the operation.
 */
#include <string.h>

#include "client_internal.h"
#include "ript_mem.h"

enum { REQ_MAX_HEADERS = 4 };

static void req_free(ript_client_req *req) {
  const ript_mem *mem = req->client->mem;
  ript_mem_free(mem, req->method);
  ript_mem_free(mem, req->url);
  ript_mem_free(mem, req->location);
  ript_buf_free(&req->body);
  ript_doc_error_free(&req->error_doc);
  ript_mem_free(mem, req);
}

static void req_on_timer_closed(uv_handle_t *handle) {
  ript_client_req *req = handle->data;
  ript_client *client = req->client;
  req_free(req);
  --client->live_reqs;
  ript_client_maybe_free(client);
}

void ript_client_req_release(ript_client_req *req) {
  uv_close((uv_handle_t *)&req->timer, req_on_timer_closed);
}

static void req_on_response(ript_http_exchange *ex, void *user_data) {
  ript_client_req *req = user_data;
  req->status = ript_http_exchange_status(ex);
}

static void req_on_body(ript_http_exchange *ex, const uint8_t *data,
                        size_t len, void *user_data) {
  ript_client_req *req = user_data;
  if (req->too_large || req->timed_out)
    return;
  if (len > RIPT_CLIENT_BODY_MAX - req->body.len) {
    req->too_large = 1;
    ript_http_exchange_reset(ex);
    return;
  }
  if (ript_buf_append(&req->body, data, len) != 0) {
    req->code = RIPT_ERR_NOMEM;
    ript_http_exchange_reset(ex);
  }
}

/* Reads the error document of a non-2xx response, if it is one. */
static void req_read_error(ript_client_req *req) {
  /* A body that is no error document (or no memory to read it) leaves
   * the struct empty: the result then has a status and no reason. */
  if (req->body.len)
    ript_doc_error_parse(&req->error_doc, (const char *)req->body.data,
                         req->body.len, 0, NULL, req->client->mem);
}

/* The result's code, from what happened to the exchange. */
static int req_settle(ript_client_req *req, int error) {
  if (req->code)
    return req->code; /* out of memory while reading */
  if (req->timed_out)
    return RIPT_ERR_HTTP_CLOSED;
  if (req->too_large)
    return RIPT_ERR_LIMIT;
  if (error)
    return error;
  if (req->status == 0)
    return RIPT_ERR_HTTP_CLOSED;
  if (req->status < 200 || req->status > 299) {
    if (req->status == 401 && req->sent_token)
      ript_client_token_refused(req->client);
    req_read_error(req);
    return RIPT_ERR_HTTP_STATUS;
  }
  return 0;
}

/* Hands the finished request to its operation. */
static void req_finish(ript_client_req *req) {
  if (!req->done(req))
    ript_client_req_release(req);
}

static void req_on_deliver(uv_timer_t *timer) { req_finish(timer->data); }

static void req_on_close(ript_http_exchange *ex, int error, void *user_data) {
  ript_client_req *req = user_data;
  req->ex = NULL;
  uv_timer_stop(&req->timer);
  const char *location = ript_http_exchange_header(ex, "location");
  if (location && !req->location)
    req->location = ript_mem_strdup(req->client->mem, location);
  req->code = req_settle(req, error);
  if (location && !req->location && req->code == 0)
    req->code = RIPT_ERR_NOMEM;
  /* A request that fails while it is being started (no route to the
   * authority) is reported from the loop, as every other result is. */
  if (req->starting)
    uv_timer_start(&req->timer, req_on_deliver, 0, 0);
  else
    req_finish(req);
}

static void req_on_timeout(uv_timer_t *timer) {
  ript_client_req *req = timer->data;
  if (!req->ex)
    return;
  req->timed_out = 1;
  ript_http_exchange_reset(req->ex);
}

/* The header fields of |spec| into |h|; returns how many. */
static size_t req_headers(const ript_client *client,
                          const ript_client_req_spec *spec,
                          ript_http_header h[REQ_MAX_HEADERS]) {
  size_t n = 0;
  h[n++] = (ript_http_header){"accept",
                              spec->accept ? spec->accept : "application/json"};
  h[n++] = (ript_http_header){"user-agent", "ript/0.1.0"};
  if (spec->content_type)
    h[n++] = (ript_http_header){"content-type", spec->content_type};
  if (spec->authorization)
    h[n++] = (ript_http_header){"authorization", spec->authorization};
  else if (client->authorization && !spec->no_token)
    h[n++] = (ript_http_header){"authorization", client->authorization};
  return n;
}

/* Sends the request of |req| and its body. */
static int req_send(ript_client_req *req, const ript_client_req_spec *spec) {
  ript_client *client = req->client;
  ript_http_header headers[REQ_MAX_HEADERS];
  size_t n = req_headers(client, spec, headers);
  req->sent_token = !spec->authorization && client->authorization &&
                    !spec->no_token;
  ript_http_request hreq = {spec->method, spec->url, NULL, headers, n,
                            spec->content_type ? RIPT_HTTP_FLAG_NONE
                                               : RIPT_HTTP_FLAG_END};
  ript_http_exchange_callbacks cbs = {req_on_response, req_on_body, NULL,
                                      NULL, req_on_close};
  int rv = ript_http_client_request(client->http, &hreq, &cbs, req, &req->ex);
  if (rv != 0)
    return rv;
  if (spec->content_type && req->ex) {
    if (spec->body_len)
      rv = ript_http_exchange_write(req->ex, spec->body, spec->body_len);
    if (rv == 0)
      rv = ript_http_exchange_end(req->ex);
    if (rv != 0) {
      /* on_close still comes and reports the request as failed. */
      req->code = rv;
      ript_http_exchange_reset(req->ex);
    }
  }
  return 0;
}

int ript_client_req_start(ript_client *client, const ript_client_req_spec *spec,
                          ript_client_req_done_fn done, void *op,
                          ript_client_req **preq) {
  if (client->closing)
    return RIPT_ERR_HTTP_CLOSED;
  const ript_mem *mem = client->mem;
  ript_client_req *req = ript_mem_calloc(mem, 1, sizeof(*req));
  if (!req)
    return RIPT_ERR_NOMEM;
  req->client = client;
  req->done = done;
  req->op = op;
  ript_buf_init(&req->body, mem);
  ript_doc_error_init(&req->error_doc);
  req->method = ript_mem_strdup(mem, spec->method);
  req->url = ript_mem_strdup(mem, spec->url);
  if (!req->method || !req->url) {
    req_free(req);
    return RIPT_ERR_NOMEM;
  }
  uv_timer_init(client->loop, &req->timer);
  req->timer.data = req;
  ++client->live_reqs;
  req->starting = 1;
  int rv = req_send(req, spec);
  req->starting = 0;
  if (rv != 0) {
    ript_client_req_release(req);
    return rv;
  }
  if (req->ex)
    uv_timer_start(&req->timer, req_on_timeout, client->timeout_ms, 0);
  if (preq)
    *preq = req;
  return 0;
}

void ript_client_req_cancel(ript_client_req *req) {
  if (req->ex)
    ript_http_exchange_reset(req->ex);
}

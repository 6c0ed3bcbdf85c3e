/* The version-independent half of an exchange: what the peer sent, the
 * application's callbacks, and dispatch of the application's actions to the
 * backend that owns the stream. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

ript_http_exchange *ript_http_exchange_new(const ript_http_exchange_ops *ops,
                                           void *stream,
                                           ript_http_version version,
                                           int is_client) {
  ript_http_exchange *ex = calloc(1, sizeof(*ex));
  if (!ex)
    return NULL;
  ex->ops = ops;
  ex->stream = stream;
  ex->version = version;
  ex->is_client = is_client;
  return ex;
}

void ript_http_exchange_forget_headers(ript_http_exchange *ex) {
  for (size_t i = 0; i < ex->nheaders; ++i) {
    free((char *)(uintptr_t)ex->headers[i].name);
    free((char *)(uintptr_t)ex->headers[i].value);
  }
  free(ex->headers);
  ex->headers = NULL;
  ex->nheaders = ex->headers_cap = 0;
}

static void exchange_free(ript_http_exchange *ex) {
  ript_http_exchange_forget_headers(ex);
  free(ex->method);
  free(ex->authority);
  free(ex->path);
  free(ex->protocol);
  free(ex);
}

static int exchange_set_string(char **slot, const char *value, size_t len) {
  if (*slot)
    return RIPT_ERR_PARSE; /* a repeated pseudo-header */
  if (memchr(value, '\0', len))
    return RIPT_ERR_PARSE;
  *slot = strndup(value, len);
  return *slot ? 0 : RIPT_ERR_NOMEM;
}

static int exchange_parse_status(ript_http_exchange *ex, const char *value,
                                 size_t len) {
  if (len != 3 || ex->status)
    return RIPT_ERR_PARSE;
  int status = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (value[i] < '0' || value[i] > '9')
      return RIPT_ERR_PARSE;
    status = status * 10 + (value[i] - '0');
  }
  if (status < 100)
    return RIPT_ERR_PARSE;
  ex->status = status;
  return 0;
}

static int pseudo_is(const char *name, size_t namelen, const char *want) {
  return namelen == strlen(want) && memcmp(name, want, namelen) == 0;
}

int ript_http_exchange_set_pseudo(ript_http_exchange *ex, const char *name,
                                  size_t namelen, const char *value,
                                  size_t valuelen) {
  if (pseudo_is(name, namelen, ":method"))
    return exchange_set_string(&ex->method, value, valuelen);
  if (pseudo_is(name, namelen, ":authority"))
    return exchange_set_string(&ex->authority, value, valuelen);
  if (pseudo_is(name, namelen, ":path"))
    return exchange_set_string(&ex->path, value, valuelen);
  if (pseudo_is(name, namelen, ":protocol"))
    return exchange_set_string(&ex->protocol, value, valuelen);
  if (pseudo_is(name, namelen, ":status"))
    return exchange_parse_status(ex, value, valuelen);
  if (pseudo_is(name, namelen, ":scheme"))
    return valuelen == 5 && memcmp(value, "https", 5) == 0 ? 0
                                                           : RIPT_ERR_PARSE;
  return RIPT_ERR_PARSE;
}

int ript_http_exchange_add_header(ript_http_exchange *ex, const char *name,
                                  size_t namelen, const char *value,
                                  size_t valuelen) {
  if (ex->nheaders == ex->headers_cap) {
    size_t cap = ex->headers_cap ? ex->headers_cap * 2 : 8;
    ript_http_header *grown = realloc(ex->headers, cap * sizeof(*grown));
    if (!grown)
      return RIPT_ERR_NOMEM;
    ex->headers = grown;
    ex->headers_cap = cap;
  }
  char *n = strndup(name, namelen);
  char *v = strndup(value, valuelen);
  if (!n || !v) {
    free(n);
    free(v);
    return RIPT_ERR_NOMEM;
  }
  for (char *p = n; *p; ++p)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  ex->headers[ex->nheaders].name = n;
  ex->headers[ex->nheaders].value = v;
  ++ex->nheaders;
  return 0;
}

void ript_http_exchange_emit_response(ript_http_exchange *ex) {
  if (ex->origin)
    ript_http_client_origin_store_cookies(ex->origin, ex);
  if (ex->cbs.on_response)
    ex->cbs.on_response(ex, ex->user_data);
}

void ript_http_exchange_emit_body(ript_http_exchange *ex, const uint8_t *data,
                                  size_t len) {
  if (ex->cbs.on_body && len)
    ex->cbs.on_body(ex, data, len, ex->user_data);
}

void ript_http_exchange_emit_body_end(ript_http_exchange *ex) {
  ex->body_done = 1;
  if (ex->cbs.on_body_end)
    ex->cbs.on_body_end(ex, ex->user_data);
}

void ript_http_exchange_emit_datagram(ript_http_exchange *ex,
                                      const uint8_t *data, size_t len) {
  if (ex->cbs.on_datagram)
    ex->cbs.on_datagram(ex, data, len, ex->user_data);
}

void ript_http_exchange_emit_close(ript_http_exchange *ex, int error) {
  if (ex->closed)
    return;
  ex->closed = 1;
  if (ex->cbs.on_close)
    ex->cbs.on_close(ex, error, ex->user_data);
  exchange_free(ex);
}

/* ---- public accessors ---- */

ript_http_version ript_http_exchange_version(const ript_http_exchange *ex) {
  return ex->version;
}

const char *ript_http_exchange_method(const ript_http_exchange *ex) {
  return ex->method;
}

const char *ript_http_exchange_authority(const ript_http_exchange *ex) {
  return ex->authority;
}

const char *ript_http_exchange_path(const ript_http_exchange *ex) {
  return ex->path;
}

const char *ript_http_exchange_protocol(const ript_http_exchange *ex) {
  return ex->protocol;
}

int ript_http_exchange_status(const ript_http_exchange *ex) {
  return ex->status;
}

size_t ript_http_exchange_header_count(const ript_http_exchange *ex) {
  return ex->nheaders;
}

const ript_http_header *ript_http_exchange_header_at(
    const ript_http_exchange *ex, size_t i) {
  return i < ex->nheaders ? &ex->headers[i] : NULL;
}

const char *ript_http_exchange_header(const ript_http_exchange *ex,
                                      const char *name) {
  for (size_t i = 0; i < ex->nheaders; ++i)
    if (strcasecmp(ex->headers[i].name, name) == 0)
      return ex->headers[i].value;
  return NULL;
}

void ript_http_exchange_set_callbacks(ript_http_exchange *ex,
                                      const ript_http_exchange_callbacks *cbs,
                                      void *user_data) {
  ex->cbs = *cbs;
  ex->user_data = user_data;
}

void ript_http_exchange_hold(ript_http_exchange *ex) { ex->held = 1; }

void *ript_http_exchange_user_data(const ript_http_exchange *ex) {
  return ex->user_data;
}

/* ---- actions, dispatched to the backend ---- */

int ript_http_exchange_respond(ript_http_exchange *ex, int status,
                               const ript_http_header *headers, size_t n,
                               uint32_t flags) {
  if (ex->is_client || ex->status || status < 200 || status > 599)
    return ex->is_client || ex->status ? RIPT_ERR_HTTP_STATE
                                       : RIPT_ERR_INVALID_ARGUMENT;
  int rv = ex->ops->respond(ex, status, headers, n, flags);
  if (rv == 0)
    ex->status = status;
  return rv;
}

int ript_http_exchange_write(ript_http_exchange *ex, const void *data,
                             size_t len) {
  return ex->ops->write(ex, data, len);
}

size_t ript_http_exchange_pending(const ript_http_exchange *ex) {
  return ex->ops->pending(ex);
}

int ript_http_exchange_end(ript_http_exchange *ex) {
  return ex->ops->end(ex);
}

int ript_http_exchange_reset(ript_http_exchange *ex) {
  return ex->ops->reset(ex);
}

int ript_http_exchange_send_datagram(ript_http_exchange *ex,
                                     const void *data, size_t len) {
  return ex->ops->send_datagram(ex, data, len);
}

int ript_http_exchange_datagrams_enabled(const ript_http_exchange *ex) {
  return ex->ops->datagrams_enabled(ex);
}

size_t ript_http_exchange_max_datagram(const ript_http_exchange *ex) {
  return ex->ops->max_datagram(ex);
}

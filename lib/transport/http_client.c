/*
 * The client front: one connection per authority ("origin"), opened on first
 * use and again after it breaks, with doubling back-off between failed
 * attempts (draft §9.3); requests wait in the origin's queue while it
 * connects; cookies are kept per origin (draft §8.9). The backend (HTTP/3 or
 * HTTP/2) only ever sees ready connections and requests to submit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>

#include "http_internal.h"
#include "ript/uri.h"

enum { CLIENT_MIN_BACKOFF_MS = 2000 };

typedef struct client_cookie {
  struct client_cookie *next;
  char *name;
  char *value;
  uint64_t expires_ms; /* loop time; 0 = until the client closes */
} client_cookie;

/* A request waiting for its origin's connection; its exchange's ops buffer
 * the body until submission. */
typedef struct client_request {
  struct client_request *next;
  ript_http_exchange *ex;
  ript_http_header *headers; /* strings owned */
  size_t nheaders;
  uint32_t flags;
  uint8_t *body;
  size_t body_len;
  int body_ended;
  int cancelled;
} client_request;

typedef enum {
  ORIGIN_IDLE,
  ORIGIN_RESOLVING,
  ORIGIN_CONNECTING,
  ORIGIN_READY,
  ORIGIN_BACKOFF,
} origin_state;

struct ript_http_client_origin {
  struct ript_http_client_origin *next;
  ript_http_client *client;
  char *authority;
  char *host;
  char port[6];
  origin_state state;
  ript_http_conn *conn;
  size_t live_conns; /* current and draining connections not yet closed */
  client_request *queue;
  unsigned attempts;
  int last_error;
  uv_timer_t backoff_timer;
  uv_getaddrinfo_t resolver;
  client_cookie *cookies;
};

struct ript_http_client {
  uv_loop_t *loop;
  ript_http_client_config cfg;
  gnutls_certificate_credentials_t cred;
  const ript_http_conn_ops *ops;
  struct ript_http_client_origin *origins;
  uv_timer_t sweep_timer; /* delivers on_close of cancelled queued requests */
  int closing;
  uint64_t down_until; /* loop time before which nothing connects (cut) */
  size_t open_handles;
  void (*on_closed)(void *user_data);
  void *on_closed_data;
  uint8_t seed[16]; /* of every hash map of the client */
};

/* ---- queued requests ---- */

static void request_free(client_request *req) {
  for (size_t i = 0; i < req->nheaders; ++i) {
    free((char *)(uintptr_t)req->headers[i].name);
    free((char *)(uintptr_t)req->headers[i].value);
  }
  free(req->headers);
  free(req->body);
  free(req);
}

static int queued_respond(ript_http_exchange *ex, int status,
                          const ript_http_header *headers, size_t n,
                          uint32_t flags) {
  (void)ex, (void)status, (void)headers, (void)n, (void)flags;
  return RIPT_ERR_HTTP_STATE;
}

static int queued_write(ript_http_exchange *ex, const void *data, size_t len) {
  client_request *req = ex->stream;
  if (req->body_ended || (req->flags & RIPT_HTTP_FLAG_END))
    return RIPT_ERR_HTTP_STATE;
  uint8_t *grown = realloc(req->body, req->body_len + len);
  if (!grown && req->body_len + len > 0)
    return RIPT_ERR_NOMEM;
  req->body = grown;
  if (len)
    memcpy(req->body + req->body_len, data, len);
  req->body_len += len;
  return 0;
}

static size_t queued_pending(const ript_http_exchange *ex) {
  const client_request *req = ex->stream;
  return req->body_len;
}

static int queued_end(ript_http_exchange *ex) {
  client_request *req = ex->stream;
  if (req->body_ended || (req->flags & RIPT_HTTP_FLAG_END))
    return RIPT_ERR_HTTP_STATE;
  req->body_ended = 1;
  return 0;
}

static void client_on_sweep(uv_timer_t *timer);

static int queued_reset(ript_http_exchange *ex) {
  client_request *req = ex->stream;
  ript_http_client *client = ex->origin->client;
  req->cancelled = 1;
  uv_timer_start(&client->sweep_timer, client_on_sweep, 0, 0);
  return 0;
}

static int queued_send_datagram(ript_http_exchange *ex, const void *data,
                                size_t len) {
  (void)ex, (void)data, (void)len;
  return RIPT_ERR_HTTP_STATE;
}

static int queued_datagrams_enabled(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

static size_t queued_max_datagram(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

static const ript_http_exchange_ops queued_ops = {
    queued_respond,       queued_write,       queued_pending,
    queued_end,           queued_reset,       queued_send_datagram,
    queued_datagrams_enabled, queued_max_datagram};

/* ---- cookies ---- */

static void cookie_free(client_cookie *c) {
  free(c->name);
  free(c->value);
  free(c);
}

static void origin_drop_cookie(struct ript_http_client_origin *origin,
                               const char *name, size_t len) {
  for (client_cookie **p = &origin->cookies; *p; p = &(*p)->next) {
    if (strlen((*p)->name) == len && memcmp((*p)->name, name, len) == 0) {
      client_cookie *dead = *p;
      *p = dead->next;
      cookie_free(dead);
      return;
    }
  }
}

/* Parses "name=value; Max-Age=N; ..." (RFC 6265 §5.2). Cookies are scoped
 * to the origin: Domain and Path are not used to widen or narrow them. */
static void origin_store_cookie(struct ript_http_client_origin *origin,
                                const char *line) {
  const char *eq = strchr(line, '=');
  const char *semi = strchr(line, ';');
  if (!eq || (semi && semi < eq) || eq == line)
    return;
  size_t namelen = (size_t)(eq - line);
  size_t valuelen = semi ? (size_t)(semi - eq - 1) : strlen(eq + 1);
  long long max_age = -1;
  for (const char *attr = semi; attr; attr = strchr(attr + 1, ';')) {
    const char *a = attr + 1;
    while (*a == ' ')
      ++a;
    if (strncasecmp(a, "max-age=", 8) == 0)
      max_age = strtoll(a + 8, NULL, 10);
  }
  origin_drop_cookie(origin, line, namelen);
  if (max_age == 0 || max_age < -1)
    return;
  client_cookie *c = calloc(1, sizeof(*c));
  if (!c)
    return; /* a cookie lost to memory pressure only loses stickiness */
  c->name = strndup(line, namelen);
  c->value = strndup(eq + 1, valuelen);
  if (!c->name || !c->value) {
    cookie_free(c);
    return;
  }
  if (max_age > 0)
    c->expires_ms = uv_now(origin->client->loop) + (uint64_t)max_age * 1000;
  c->next = origin->cookies;
  origin->cookies = c;
}

const uint8_t *
ript_http_client_origin_seed(const struct ript_http_client_origin *origin) {
  return origin->client->seed;
}

void ript_http_client_origin_store_cookies(
    struct ript_http_client_origin *origin, const ript_http_exchange *ex) {
  for (size_t i = 0; i < ex->nheaders; ++i)
    if (strcmp(ex->headers[i].name, "set-cookie") == 0)
      origin_store_cookie(origin, ex->headers[i].value);
}

/* Builds "a=1; b=2" from the unexpired cookies; NULL if none. */
static char *origin_cookie_header(struct ript_http_client_origin *origin) {
  uint64_t now = uv_now(origin->client->loop);
  size_t len = 0;
  for (client_cookie *c = origin->cookies; c; c = c->next)
    if (!c->expires_ms || c->expires_ms > now)
      len += strlen(c->name) + strlen(c->value) + 3;
  if (len == 0)
    return NULL;
  char *out = malloc(len + 1);
  if (!out)
    return NULL;
  out[0] = '\0';
  for (client_cookie *c = origin->cookies; c; c = c->next) {
    if (c->expires_ms && c->expires_ms <= now)
      continue;
    if (out[0])
      strcat(out, "; ");
    strcat(out, c->name);
    strcat(out, "=");
    strcat(out, c->value);
  }
  return out;
}

/* ---- submitting ---- */

static void origin_connect(struct ript_http_client_origin *origin);

static void request_fail(client_request *req, int error) {
  ript_http_exchange *ex = req->ex;
  request_free(req);
  ex->stream = NULL;
  ript_http_exchange_emit_close(ex, error);
}

/* Hands one queued request to the ready connection. Returns 0, or
 * RIPT_ERR_HTTP_CLOSED when the connection no longer takes requests. */
static int origin_submit(struct ript_http_client_origin *origin,
                         client_request *req) {
  ript_http_client *client = origin->client;
  char *cookie = (req->flags & RIPT_HTTP_FLAG_NO_COOKIES)
                     ? NULL
                     : origin_cookie_header(origin);
  size_t n = req->nheaders + (cookie ? 1 : 0);
  ript_http_header *headers = malloc((n ? n : 1) * sizeof(*headers));
  if (!headers) {
    free(cookie);
    request_fail(req, RIPT_ERR_NOMEM);
    return 0;
  }
  memcpy(headers, req->headers, req->nheaders * sizeof(*headers));
  if (cookie)
    headers[req->nheaders] = (ript_http_header){"cookie", cookie};
  ript_http_exchange *ex = req->ex;
  int rv = client->ops->submit(origin->conn, ex, headers, n,
                               req->flags & RIPT_HTTP_FLAG_END);
  free(headers);
  free(cookie);
  if (rv == RIPT_ERR_HTTP_CLOSED)
    return rv;
  if (rv != 0) {
    request_fail(req, rv);
    return 0;
  }
  /* The backend owns the stream now: replay what was written meanwhile. */
  if (req->body_len)
    rv = ex->ops->write(ex, req->body, req->body_len);
  if (rv == 0 && req->body_ended)
    rv = ex->ops->end(ex);
  int cancelled = req->cancelled;
  request_free(req);
  if (rv != 0 || cancelled)
    ex->ops->reset(ex);
  return 0;
}

static void origin_flush_queue(struct ript_http_client_origin *origin) {
  while (origin->queue && origin->state == ORIGIN_READY) {
    client_request *req = origin->queue;
    origin->queue = req->next;
    if (req->cancelled) {
      request_fail(req, RIPT_ERR_HTTP_RESET);
      continue;
    }
    if (!origin->client->ops->usable(origin->conn) ||
        origin_submit(origin, req) == RIPT_ERR_HTTP_CLOSED) {
      /* The connection is draining: let it finish, open a fresh one. */
      req->next = origin->queue;
      origin->queue = req;
      origin->conn = NULL;
      origin->state = ORIGIN_IDLE;
      origin_connect(origin);
    }
  }
}

static void origin_fail_queue(struct ript_http_client_origin *origin,
                              int error) {
  while (origin->queue) {
    client_request *req = origin->queue;
    origin->queue = req->next;
    request_fail(req, req->cancelled ? RIPT_ERR_HTTP_RESET : error);
  }
}

/* ---- connecting ---- */

static void client_maybe_free(ript_http_client *client);

static void origin_on_resolved(uv_getaddrinfo_t *resolver, int status,
                               struct addrinfo *res) {
  struct ript_http_client_origin *origin = resolver->data;
  ript_http_client *client = origin->client;
  if (client->closing) {
    uv_freeaddrinfo(res);
    origin->state = ORIGIN_IDLE;
    origin_fail_queue(origin, RIPT_ERR_HTTP_CLOSED);
    client_maybe_free(client);
    return;
  }
  origin->conn = NULL;
  int rv = status == 0 ? 0 : RIPT_ERR_HTTP_CLOSED;
  if (rv == 0) {
    rv = client->ops->open(&origin->conn, origin, client->loop, res->ai_addr,
                           origin->host, client->cred, &client->cfg);
  }
  uv_freeaddrinfo(res);
  if (rv != 0) {
    origin->state = ORIGIN_CONNECTING;
    ript_http_client_conn_closed(origin, NULL, rv);
    return;
  }
  ++origin->live_conns;
  origin->state = ORIGIN_CONNECTING;
}

static void origin_on_backoff(uv_timer_t *timer);

static void origin_connect(struct ript_http_client_origin *origin) {
  ript_http_client *client = origin->client;
  if (origin->state != ORIGIN_IDLE && origin->state != ORIGIN_BACKOFF)
    return;
  uint64_t now = uv_now(client->loop);
  if (now < client->down_until) {
    /* The network is "down" (ript_http_client_cut): wait, do not fail. */
    origin->state = ORIGIN_BACKOFF;
    uv_timer_start(&origin->backoff_timer, origin_on_backoff,
                   client->down_until - now, 0);
    return;
  }
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = client->cfg.version == RIPT_HTTP_3 ? SOCK_DGRAM
                                                         : SOCK_STREAM;
  origin->state = ORIGIN_RESOLVING;
  origin->resolver.data = origin;
  if (uv_getaddrinfo(client->loop, &origin->resolver, origin_on_resolved,
                     origin->host, origin->port, &hints) != 0) {
    origin->state = ORIGIN_CONNECTING;
    ript_http_client_conn_closed(origin, NULL, RIPT_ERR_HTTP_CLOSED);
  }
}

static void origin_on_backoff(uv_timer_t *timer) {
  origin_connect(timer->data);
}

void ript_http_client_conn_ready(struct ript_http_client_origin *origin,
                                 ript_http_conn *conn) {
  if (conn != origin->conn)
    return;
  origin->state = ORIGIN_READY;
  origin->attempts = 0;
  origin_flush_queue(origin);
}

static uint64_t origin_backoff_ms(const struct ript_http_client_origin *origin) {
  uint64_t base = origin->client->cfg.retry_backoff_ms;
  if (base < CLIENT_MIN_BACKOFF_MS)
    base = CLIENT_MIN_BACKOFF_MS;
  unsigned shift = origin->attempts > 16 ? 16 : origin->attempts - 1;
  return base << shift;
}

void ript_http_client_conn_closed(struct ript_http_client_origin *origin,
                                  ript_http_conn *conn, int error) {
  ript_http_client *client = origin->client;
  if (conn)
    --origin->live_conns;
  if (conn && conn != origin->conn) {
    client_maybe_free(client); /* a drained connection finished */
    return;
  }
  int was_ready = origin->state == ORIGIN_READY;
  origin->conn = NULL;
  origin->state = ORIGIN_IDLE;
  if (client->closing) {
    origin_fail_queue(origin, RIPT_ERR_HTTP_CLOSED);
    client_maybe_free(client);
    return;
  }
  if (was_ready) {
    origin->attempts = 0;
    if (origin->queue)
      origin_connect(origin);
    return;
  }
  origin->last_error = error ? error : RIPT_ERR_HTTP_CLOSED;
  unsigned max = client->cfg.max_connect_attempts
                     ? client->cfg.max_connect_attempts
                     : 1;
  if (++origin->attempts >= max) {
    origin->attempts = 0;
    origin_fail_queue(origin, origin->last_error);
    return;
  }
  origin->state = ORIGIN_BACKOFF;
  uv_timer_start(&origin->backoff_timer, origin_on_backoff,
                 origin_backoff_ms(origin), 0);
}

/* ---- origins ---- */

/* Splits an https URL into authority, host (no IPv6 brackets, for the
 * resolver), port and path (the core's URI grammar decides what is valid). */
static int client_parse_url(const char *url, char **authority, char **host,
                            char port[6], char **path) {
  ript_uri_parts parts;
  if (ript_uri_parse(url, strlen(url), RIPT_URI_FLAG_QUERY, &parts, NULL) != 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  const char *h = url + parts.host_off;
  size_t hlen = parts.host_len;
  if (hlen >= 2 && h[0] == '[') {
    ++h;
    hlen -= 2;
  }
  snprintf(port, 6, "%u", parts.port ? parts.port : 443u);
  *authority = strndup(url + parts.authority_off, parts.authority_len);
  *host = strndup(h, hlen);
  /* "https://a?x" has the request target "/?x" (RFC 9110 §4.2.1). */
  if (parts.path_len && url[parts.path_off] == '/')
    *path = strndup(url + parts.path_off, parts.path_len);
  else if (asprintf(path, "/%.*s", (int)parts.path_len,
                    url + parts.path_off) < 0)
    *path = NULL;
  if (!*authority || !*host || !*path) {
    free(*authority), free(*host), free(*path);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

static struct ript_http_client_origin *client_origin(ript_http_client *client,
                                                     char **authority,
                                                     char **host,
                                                     const char *port) {
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next) {
    if (strcmp(o->authority, *authority) == 0) {
      free(*authority), free(*host);
      *authority = *host = NULL;
      return o;
    }
  }
  struct ript_http_client_origin *o = calloc(1, sizeof(*o));
  if (!o)
    return NULL;
  o->client = client;
  o->authority = *authority;
  o->host = *host;
  *authority = *host = NULL;
  memcpy(o->port, port, 6);
  uv_timer_init(client->loop, &o->backoff_timer);
  o->backoff_timer.data = o;
  ++client->open_handles;
  o->next = client->origins;
  client->origins = o;
  return o;
}

static client_request *request_new(const ript_http_request *r,
                                   struct ript_http_client_origin *origin) {
  client_request *req = calloc(1, sizeof(*req));
  if (!req)
    return NULL;
  req->flags = r->flags;
  req->headers = calloc(r->nheaders ? r->nheaders : 1, sizeof(*req->headers));
  req->ex = ript_http_exchange_new(&queued_ops, req, origin->client->cfg.version,
                                   1);
  if (!req->headers || !req->ex) {
    free(req->ex);
    request_free(req);
    return NULL;
  }
  for (size_t i = 0; i < r->nheaders; ++i, ++req->nheaders) {
    req->headers[i].name = strdup(r->headers[i].name);
    req->headers[i].value = strdup(r->headers[i].value);
    if (!req->headers[i].name || !req->headers[i].value) {
      ++req->nheaders;
      free(req->ex);
      request_free(req);
      return NULL;
    }
  }
  req->ex->origin = origin;
  return req;
}

int ript_http_client_request(ript_http_client *client,
                             const ript_http_request *r,
                             const ript_http_exchange_callbacks *cbs,
                             void *user_data, ript_http_exchange **pex) {
  if (!client || !r || !r->method || !r->url || !cbs || client->closing)
    return RIPT_ERR_INVALID_ARGUMENT;
  char *authority, *host, *path, port[6];
  int rv = client_parse_url(r->url, &authority, &host, port, &path);
  if (rv != 0)
    return rv;
  struct ript_http_client_origin *origin =
      client_origin(client, &authority, &host, port);
  client_request *req = origin ? request_new(r, origin) : NULL;
  ript_http_exchange *ex = req ? req->ex : NULL;
  if (!ex || !(ex->method = strdup(r->method)) ||
      !(ex->authority = strdup(origin->authority)) ||
      (r->protocol && !(ex->protocol = strdup(r->protocol)))) {
    free(authority), free(host), free(path);
    if (req)
      request_fail(req, 0);
    return RIPT_ERR_NOMEM;
  }
  ex->path = path;
  ript_http_exchange_set_callbacks(ex, cbs, user_data);
  client_request **tail = &origin->queue;
  while (*tail)
    tail = &(*tail)->next;
  *tail = req;
  if (pex)
    *pex = ex;
  if (origin->state == ORIGIN_READY)
    origin_flush_queue(origin);
  else
    origin_connect(origin);
  return 0;
}

/* ---- client lifetime ---- */

static void client_on_sweep(uv_timer_t *timer) {
  ript_http_client *client = timer->data;
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next) {
    for (client_request **p = &o->queue; *p;) {
      client_request *req = *p;
      if (req->cancelled) {
        *p = req->next;
        request_fail(req, RIPT_ERR_HTTP_RESET);
      } else {
        p = &req->next;
      }
    }
  }
}

int ript_http_client_new(ript_http_client **pclient, uv_loop_t *loop,
                         const ript_http_client_config *cfg) {
  if (!pclient || !loop || !cfg ||
      (cfg->version != RIPT_HTTP_2 && cfg->version != RIPT_HTTP_3))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_http_client *client = calloc(1, sizeof(*client));
  if (!client)
    return RIPT_ERR_NOMEM;
  /* Every map of the tree hashes with a secret seed (ript/map.h). */
  if (gnutls_rnd(GNUTLS_RND_RANDOM, client->seed, sizeof(client->seed)) != 0) {
    free(client);
    return RIPT_ERR_CRYPTO;
  }
  int rv = ript_tls_client_credentials(&client->cred, cfg->ca_file);
  if (rv != 0) {
    free(client);
    return rv;
  }
  client->loop = loop;
  client->cfg = *cfg;
  client->cfg.ca_file = NULL; /* not ours to keep */
  client->ops = cfg->version == RIPT_HTTP_3 ? &ript_h3_client_conn_ops
                                            : &ript_h2_client_conn_ops;
  uv_timer_init(loop, &client->sweep_timer);
  client->sweep_timer.data = client;
  client->open_handles = 1;
  *pclient = client;
  return 0;
}

static void client_free(ript_http_client *client) {
  while (client->origins) {
    struct ript_http_client_origin *o = client->origins;
    client->origins = o->next;
    while (o->cookies) {
      client_cookie *c = o->cookies;
      o->cookies = c->next;
      cookie_free(c);
    }
    free(o->authority);
    free(o->host);
    free(o);
  }
  gnutls_certificate_free_credentials(client->cred);
  void (*on_closed)(void *) = client->on_closed;
  void *data = client->on_closed_data;
  free(client);
  if (on_closed)
    on_closed(data);
}

static void client_maybe_free(ript_http_client *client) {
  if (!client->closing || client->open_handles)
    return;
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next)
    if (o->live_conns || o->state == ORIGIN_RESOLVING)
      return;
  client_free(client);
}

static void client_on_sweep_closed(uv_handle_t *handle) {
  ript_http_client *client = handle->data;
  --client->open_handles;
  client_maybe_free(client);
}

static void origin_on_timer_closed(uv_handle_t *handle) {
  struct ript_http_client_origin *origin = handle->data;
  client_on_sweep_closed((uv_handle_t *)&origin->client->sweep_timer);
}

void ript_http_client_cut(ript_http_client *client, uint64_t down_ms) {
  if (!client || client->closing)
    return;
  client->down_until = uv_now(client->loop) + down_ms;
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next)
    if (o->conn && o->state == ORIGIN_READY)
      client->ops->close(o->conn);
}

void ript_http_client_close(ript_http_client *client,
                            void (*on_closed)(void *user_data),
                            void *user_data) {
  client->closing = 1;
  client->on_closed = on_closed;
  client->on_closed_data = user_data;
  /* Count every handle first so no close callback frees the client early. */
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next) {
    if (o->state == ORIGIN_RESOLVING)
      uv_cancel((uv_req_t *)&o->resolver);
    if (o->state != ORIGIN_RESOLVING)
      origin_fail_queue(o, RIPT_ERR_HTTP_CLOSED);
    if (o->conn)
      client->ops->close(o->conn);
  }
  for (struct ript_http_client_origin *o = client->origins; o; o = o->next)
    uv_close((uv_handle_t *)&o->backoff_timer, origin_on_timer_closed);
  uv_close((uv_handle_t *)&client->sweep_timer, client_on_sweep_closed);
}

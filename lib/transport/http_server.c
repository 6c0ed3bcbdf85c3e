/* The server front: one port, HTTP/2 on TCP and HTTP/3 on UDP, one set of
 * application callbacks. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "http_internal.h"

enum { SERVER_MAX_LISTENERS = 2 };

struct ript_http_server {
  ript_http_server_config cfg;
  ript_http_server_callbacks cbs;
  void *user_data;
  gnutls_certificate_credentials_t cred;
  ript_http_listener *listeners[SERVER_MAX_LISTENERS];
  const ript_http_listener_ops *listener_ops[SERVER_MAX_LISTENERS];
  size_t nlisteners;
  size_t open_listeners;
  uint16_t port;
  void (*on_closed)(void *user_data);
  void *on_closed_data;
  ript_http_server_stats stats;
  uint8_t seed[16]; /* of every hash map of the server */
  uint8_t *reset_key; /* our copy of cfg.stateless_reset_key, or NULL */
};

static int server_address(struct sockaddr_storage *ss, const char *address,
                          uint16_t port) {
  memset(ss, 0, sizeof(*ss));
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    return 0;
  }
  if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    return 0;
  }
  return RIPT_ERR_INVALID_ARGUMENT;
}

enum { SERVER_PORT_PROBES = 32 };

/* Nonzero if a socket of |type| can bind |addr| right now. */
static int server_port_free(const struct sockaddr_storage *addr, int type) {
  int fd = socket(addr->ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  int ok = bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
  close(fd);
  return ok;
}

/*
 * Port 0 with both versions: HTTP/2 (TCP) and HTTP/3 (UDP) must share one
 * number, and the number the kernel gives TCP may be taken on UDP. Probe
 * until one is free for both; the listeners bind it right after.
 */
static int server_pick_port(const char *address, uint16_t *port) {
  for (int i = 0; i < SERVER_PORT_PROBES; ++i) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (server_address(&ss, address, 0) != 0)
      return RIPT_ERR_INVALID_ARGUMENT;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return RIPT_ERR_HTTP_CLOSED;
    int bound = bind(fd, (struct sockaddr *)&ss, sizeof(ss)) == 0 &&
                getsockname(fd, (struct sockaddr *)&ss, &len) == 0;
    close(fd);
    if (bound && server_port_free(&ss, SOCK_DGRAM)) {
      *port = ntohs(ss.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *)&ss)->sin6_port
                        : ((struct sockaddr_in *)&ss)->sin_port);
      return 0;
    }
  }
  return RIPT_ERR_HTTP_CLOSED;
}

/* HTTP/2 (TCP) opens first; HTTP/3 (UDP) reuses its port. */
static int server_open_listeners(ript_http_server *server, uv_loop_t *loop) {
  uint32_t flags = server->cfg.flags ? server->cfg.flags
                                     : RIPT_HTTP_SERVER_FLAG_H2 |
                                           RIPT_HTTP_SERVER_FLAG_H3;
  const ript_http_listener_ops *order[SERVER_MAX_LISTENERS];
  size_t n = 0;
  if (flags & RIPT_HTTP_SERVER_FLAG_H2)
    order[n++] = &ript_h2_listener_ops;
  if (flags & RIPT_HTTP_SERVER_FLAG_H3)
    order[n++] = &ript_h3_listener_ops;
  uint16_t port = server->cfg.port;
  if (port == 0 && n == SERVER_MAX_LISTENERS) {
    int rv = server_pick_port(server->cfg.address, &port);
    if (rv != 0)
      return rv;
  }
  for (size_t i = 0; i < n; ++i) {
    struct sockaddr_storage ss;
    int rv = server_address(&ss, server->cfg.address, port);
    if (rv == 0)
      rv = order[i]->open(&server->listeners[i], server, loop,
                          (const struct sockaddr *)&ss, server->cred,
                          &server->cfg);
    if (rv != 0)
      return rv;
    server->listener_ops[i] = order[i];
    server->nlisteners = server->open_listeners = i + 1;
    port = order[i]->port(server->listeners[i]);
  }
  server->port = port;
  return 0;
}

/* Frees |server| and its copy of the reset key, wiped. */
static void server_free_bare(ript_http_server *server) {
  if (server->reset_key) {
    gnutls_memset(server->reset_key, 0, server->cfg.stateless_reset_key_len);
    free(server->reset_key);
  }
  free(server);
}

static void server_free(ript_http_server *server) {
  gnutls_certificate_free_credentials(server->cred);
  server_free_bare(server);
}

/* Fills the limits left at 0 with their defaults (ript/http.h). */
static void server_limit_defaults(ript_http_server_config *cfg) {
  if (!cfg->reset_burst)
    cfg->reset_burst = 2000;
  if (!cfg->reset_rate)
    cfg->reset_rate = 200;
  if (!cfg->max_header_bytes || cfg->max_header_bytes > 65536)
    cfg->max_header_bytes = 65536;
  if (!cfg->max_header_fields)
    cfg->max_header_fields = 256;
  if (!cfg->header_timeout_ms)
    cfg->header_timeout_ms = 10000;
  if (!cfg->body_timeout_ms)
    cfg->body_timeout_ms = 30000;
  if (!cfg->max_connections)
    cfg->max_connections = 10000;
  if (!cfg->max_connections_per_address)
    cfg->max_connections_per_address = 1000;
  if (!cfg->max_handshakes)
    cfg->max_handshakes = 1000;
  if (!cfg->max_handshakes_per_address)
    cfg->max_handshakes_per_address = 100;
}

int ript_http_server_new(ript_http_server **pserver, uv_loop_t *loop,
                         const ript_http_server_config *cfg,
                         const ript_http_server_callbacks *cbs,
                         void *user_data) {
  if (!pserver || !loop || !cfg || !cfg->address || !cbs ||
      !cbs->on_request ||
      (cfg->stateless_reset_key &&
       cfg->stateless_reset_key_len < RIPT_HTTP_RESET_KEY_MIN))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_http_server *server = calloc(1, sizeof(*server));
  if (!server)
    return RIPT_ERR_NOMEM;
  server->cfg = *cfg;
  server_limit_defaults(&server->cfg);
  if (cfg->stateless_reset_key) {
    server->reset_key = malloc(cfg->stateless_reset_key_len);
    if (!server->reset_key) {
      free(server);
      return RIPT_ERR_NOMEM;
    }
    memcpy(server->reset_key, cfg->stateless_reset_key,
           cfg->stateless_reset_key_len);
    server->cfg.stateless_reset_key = server->reset_key;
  } else {
    server->cfg.stateless_reset_key_len = 0;
  }
  server->cbs = *cbs;
  server->user_data = user_data;
  /* Peers choose connection IDs and addresses: the maps keyed by them are
   * keyed with a secret. */
  if (gnutls_rnd(GNUTLS_RND_RANDOM, server->seed, sizeof(server->seed)) != 0) {
    server_free_bare(server);
    return RIPT_ERR_CRYPTO;
  }
  int rv = ript_tls_server_credentials(&server->cred, cfg->cert_file,
                                       cfg->key_file);
  if (rv != 0) {
    server_free_bare(server);
    return rv;
  }
  rv = server_open_listeners(server, loop);
  if (rv != 0) {
    if (server->nlisteners == 0) {
      server_free(server);
    } else {
      /* Listeners close asynchronously; the server frees itself after. */
      ript_http_server_close(server, NULL, NULL);
    }
    return rv;
  }
  *pserver = server;
  return 0;
}

uint16_t ript_http_server_port(const ript_http_server *server) {
  return server->port;
}

void ript_http_server_stats_get(const ript_http_server *server,
                                ript_http_server_stats *stats) {
  *stats = server->stats;
}

ript_http_server_stats *ript_http_server_stats_of(ript_http_server *server) {
  return &server->stats;
}

const uint8_t *ript_http_server_seed(const ript_http_server *server) {
  return server->seed;
}

int ript_http_server_check(ript_http_server *server,
                           const ript_http_server_config *cfg,
                           ript_http_exchange *ex, uint64_t now) {
  uint64_t *counter = NULL;
  if (!ex->headers_done) {
    if (now - ex->opened_ms >= cfg->header_timeout_ms)
      counter = &server->stats.header_timeouts;
  } else if (!ex->body_done && !ex->held) {
    if (now - ex->headers_ms >= cfg->body_timeout_ms)
      counter = &server->stats.body_timeouts;
  }
  if (!counter || ex->ops->reset(ex) != 0)
    return 0;
  ++*counter;
  return 1;
}

int ript_http_bucket_take(ript_http_bucket *b, uint32_t burst, uint32_t rate,
                          uint64_t now) {
  uint64_t full = (uint64_t)burst * 1000;
  if (!b->started) {
    b->started = 1;
    b->millitokens = full;
  } else if (now > b->last_ms) {
    uint64_t add = (now - b->last_ms) * rate;
    b->millitokens = full - b->millitokens < add ? full : b->millitokens + add;
  }
  b->last_ms = now;
  if (b->millitokens < 1000)
    return 1;
  b->millitokens -= 1000;
  return 0;
}

int ript_http_reset_spend(ript_http_server *server,
                          const ript_http_server_config *cfg,
                          ript_http_reset_budget *b, uint64_t now) {
  if (b->tripped)
    return 1;
  if (ript_http_bucket_take(&b->bucket, cfg->reset_burst, cfg->reset_rate,
                            now) != 0) {
    b->tripped = 1;
    ++server->stats.reset_floods;
    return 1;
  }
  return 0;
}

/* ---- connections per source address ---- */

static size_t peer_key(const struct sockaddr *addr, uint8_t key[16]) {
  if (addr->sa_family == AF_INET6) {
    memcpy(key, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
    return 16;
  }
  memcpy(key, &((const struct sockaddr_in *)addr)->sin_addr, 4);
  return 4;
}

void ript_http_peers_init(ript_http_peers *t, const uint8_t *seed) {
  ript_map_init(&t->map, seed, NULL);
}

ript_http_peer *ript_http_peers_get(ript_http_peers *t,
                                    const struct sockaddr *addr, int create) {
  uint8_t key[16];
  size_t len = peer_key(addr, key);
  ript_map_node *node = ript_map_find(&t->map, key, len);
  if (node || !create)
    return node ? RIPT_MAP_ENTRY(node, ript_http_peer, node) : NULL;
  ript_http_peer *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  memcpy(p->key, key, len);
  if (ript_map_insert(&t->map, &p->node, p->key, len) != 0) {
    free(p);
    return NULL;
  }
  return p;
}

void ript_http_peers_release(ript_http_peers *t, ript_http_peer *p) {
  if (p->conns || p->handshakes)
    return;
  ript_map_remove(&t->map, &p->node);
  free(p);
}

void ript_http_peers_free(ript_http_peers *t) {
  ript_map_node *node = ript_map_first(&t->map);
  while (node) {
    ript_map_node *next = ript_map_next(&t->map, node);
    ript_map_remove(&t->map, node);
    free(RIPT_MAP_ENTRY(node, ript_http_peer, node));
    node = next;
  }
  ript_map_free(&t->map);
}

void ript_http_server_emit_request(ript_http_server *server,
                                   ript_http_exchange *ex) {
  ex->cbs = server->cbs.exchange;
  ex->user_data = server->user_data;
  server->cbs.on_request(ex, server->user_data);
}

void ript_http_server_listener_closed(ript_http_server *server) {
  if (--server->open_listeners > 0)
    return;
  void (*on_closed)(void *) = server->on_closed;
  void *data = server->on_closed_data;
  server_free(server);
  if (on_closed)
    on_closed(data);
}

void ript_http_server_drain(ript_http_server *server) {
  for (size_t i = 0; i < server->nlisteners; ++i)
    server->listener_ops[i]->drain(server->listeners[i]);
}

void ript_http_server_close(ript_http_server *server,
                            void (*on_closed)(void *user_data),
                            void *user_data) {
  server->on_closed = on_closed;
  server->on_closed_data = user_data;
  size_t n = server->nlisteners;
  server->nlisteners = 0;
  for (size_t i = 0; i < n; ++i)
    server->listener_ops[i]->close(server->listeners[i]);
}

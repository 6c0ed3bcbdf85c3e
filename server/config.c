/* riptd's configuration file: JSON in, a checked riptd_config out, or one
 * line naming the file, the JSON path and the problem. */
#include <stddef.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "config.h"
#include "config_parse.h"
#include "ript/advert.h"
#include "ript/doc.h"
#include "ript/buf.h"
#include "ript/uri.h"
#include "ript_prog.h"

enum { CONFIG_NAME_MAX = 64, CONFIG_TOKEN_MIN = 16 };

static const char *const config_action_names[] = {
    "echo", "play", "record", "conference", "decline", "fail", "noanswer"};
#define CONFIG_NACTIONS                                                      \
  (sizeof(config_action_names) / sizeof(config_action_names[0]))

const char *riptd_action_name(riptd_action_kind kind) {
  return (size_t)kind < CONFIG_NACTIONS ? config_action_names[kind] : NULL;
}

/* ---- parse context: the file, the JSON path, the error line ---- */

int riptd_cfg_fail(riptd_cfg_ctx *c, const char *fmt, ...) {
  int n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, c->path);
  if (n >= 0 && (size_t)n < c->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int riptd_cfg_nomem(riptd_cfg_ctx *c) {
  return riptd_cfg_fail(c, "out of memory");
}

static int cfg_key_is_plain(const char *key) {
  if (!*key)
    return 0;
  for (const char *p = key; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
      return 0;
  return 1;
}

/* Appends ".key" (or ["key"] for unusual keys, non-printables as '?') to
 * the path; returns the length to restore with riptd_cfg_pop. */
size_t riptd_cfg_push_key(riptd_cfg_ctx *c, const char *key) {
  size_t saved = c->pathlen;
  size_t room = sizeof(c->path) - c->pathlen;
  int n;
  if (cfg_key_is_plain(key)) {
    n = snprintf(c->path + c->pathlen, room, ".%s", key);
  } else {
    char safe[64];
    size_t i = 0;
    for (; key[i] && i < sizeof(safe) - 1; ++i)
      safe[i] = key[i] >= 0x20 && key[i] < 0x7f && key[i] != '"' ? key[i]
                                                                   : '?';
    safe[i] = '\0';
    n = snprintf(c->path + c->pathlen, room, "[\"%s\"]", safe);
  }
  if (n > 0)
    c->pathlen += (size_t)n < room ? (size_t)n : room - 1;
  return saved;
}

size_t riptd_cfg_push_index(riptd_cfg_ctx *c, size_t i) {
  size_t saved = c->pathlen;
  size_t room = sizeof(c->path) - c->pathlen;
  int n = snprintf(c->path + c->pathlen, room, "[%zu]", i);
  if (n > 0)
    c->pathlen += (size_t)n < room ? (size_t)n : room - 1;
  return saved;
}

void riptd_cfg_pop(riptd_cfg_ctx *c, size_t saved) {
  c->pathlen = saved;
  c->path[saved] = '\0';
}

/* ---- typed members ---- */

/* Refuses members not in |allowed| (NULL-terminated); members whose name
 * starts with '_' are comments. */
int riptd_cfg_members(riptd_cfg_ctx *c, json_t *obj,
                      const char *const *allowed) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    if (key[0] == '_')
      continue;
    size_t i = 0;
    while (allowed[i] && strcmp(allowed[i], key) != 0)
      ++i;
    if (!allowed[i]) {
      riptd_cfg_push_key(c, key);
      return riptd_cfg_fail(c, "unknown member (names starting with \"_\" are "
                               "comments)");
    }
  }
  return 0;
}

/* The member |key| of |obj| with the path pushed; NULL (nothing pushed)
 * when absent, which is an error if |required|. */
json_t *riptd_cfg_get(riptd_cfg_ctx *c, json_t *obj, const char *key,
                      int required, size_t *saved, int *rv) {
  json_t *v = json_object_get(obj, key);
  *rv = 0;
  if (!v) {
    if (required)
      *rv = riptd_cfg_fail(c, "missing member \"%s\"", key);
    return NULL;
  }
  *saved = riptd_cfg_push_key(c, key);
  return v;
}

int riptd_cfg_object(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, json_t **out, size_t *saved) {
  int rv;
  *out = riptd_cfg_get(c, obj, key, required, saved, &rv);
  if (*out && !json_is_object(*out))
    return riptd_cfg_fail(c, "expected an object");
  return rv;
}

/* |v| as a non-empty string, copied (jansson refuses \u0000 in strings);
 * the path is |v|'s. */
int riptd_cfg_string_value(riptd_cfg_ctx *c, json_t *v, char **out) {
  if (!json_is_string(v))
    return riptd_cfg_fail(c, "expected a string");
  if (json_string_length(v) == 0)
    return riptd_cfg_fail(c, "must not be empty");
  if (!(*out = strdup(json_string_value(v))))
    return riptd_cfg_nomem(c);
  return 0;
}

int riptd_cfg_string(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, char **out) {
  size_t saved;
  int rv;
  json_t *v = riptd_cfg_get(c, obj, key, required, &saved, &rv);
  if (!v)
    return rv;
  if ((rv = riptd_cfg_string_value(c, v, out)) != 0)
    return rv;
  riptd_cfg_pop(c, saved);
  return 0;
}

int riptd_cfg_int(riptd_cfg_ctx *c, json_t *obj, const char *key, int64_t min,
                  int64_t max, int64_t *out) {
  size_t saved;
  int rv;
  json_t *v = riptd_cfg_get(c, obj, key, 0, &saved, &rv);
  if (!v)
    return rv;
  if (!json_is_integer(v) || json_integer_value(v) < min ||
      json_integer_value(v) > max)
    return riptd_cfg_fail(c, "expected an integer from %lld to %lld",
                          (long long)min, (long long)max);
  *out = json_integer_value(v);
  riptd_cfg_pop(c, saved);
  return 0;
}

int riptd_cfg_bool(riptd_cfg_ctx *c, json_t *obj, const char *key, int *out) {
  size_t saved;
  int rv;
  json_t *v = riptd_cfg_get(c, obj, key, 0, &saved, &rv);
  if (!v)
    return rv;
  if (!json_is_boolean(v))
    return riptd_cfg_fail(c, "expected true or false");
  *out = json_is_true(v);
  riptd_cfg_pop(c, saved);
  return 0;
}

/* The array member |key| with the path pushed; |min| elements at least. */
int riptd_cfg_array(riptd_cfg_ctx *c, json_t *obj, const char *key,
                    int required, size_t min, json_t **out, size_t *saved) {
  int rv;
  *out = riptd_cfg_get(c, obj, key, required, saved, &rv);
  if (!*out)
    return rv;
  if (!json_is_array(*out))
    return riptd_cfg_fail(c, "expected an array");
  if (json_array_size(*out) < min)
    return riptd_cfg_fail(c, "expected at least %zu element%s", min,
                          min == 1 ? "" : "s");
  return 0;
}

int riptd_cfg_elements(riptd_cfg_ctx *c, json_t *obj, const char *key,
                       int required, size_t min, size_t size, void **out,
                       size_t *n, riptd_cfg_element_fn fn, void *ctx) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, obj, key, required, min, &arr, &saved);
  if (rv != 0 || !arr)
    return rv;
  size_t count = json_array_size(arr);
  if (count && !(*out = calloc(count, size)))
    return riptd_cfg_nomem(c);
  for (size_t i = 0; i < count; ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    ++*n;
    if ((rv = fn(c, json_array_get(arr, i), (char *)*out + i * size, ctx)) !=
        0)
      return rv;
    riptd_cfg_pop(c, at);
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

/* A relative |name| is taken relative to the configuration file. */
static char *cfg_resolve(const riptd_cfg_ctx *c, const char *name) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (name[0] == '/' || !c->slash)
    return strdup(name);
  if (ript_buf_append(&b, c->file, (size_t)(c->slash - c->file)) != 0 ||
      ript_buf_printf(&b, "/%s", name) != 0) {
    ript_buf_free(&b);
    return NULL;
  }
  return (char *)b.data;
}

/* |v| as a file name, resolved; the path is |v|'s. */
int riptd_cfg_file_value(riptd_cfg_ctx *c, json_t *v, char **out) {
  char *name = NULL;
  int rv = riptd_cfg_string_value(c, v, &name);
  if (rv != 0)
    return rv;
  *out = cfg_resolve(c, name);
  free(name);
  return *out ? 0 : riptd_cfg_nomem(c);
}

int riptd_cfg_file(riptd_cfg_ctx *c, json_t *obj, const char *key, int required,
                   char **out) {
  size_t saved;
  int rv;
  json_t *v = riptd_cfg_get(c, obj, key, required, &saved, &rv);
  if (!v)
    return rv;
  if ((rv = riptd_cfg_file_value(c, v, out)) != 0)
    return rv;
  riptd_cfg_pop(c, saved);
  return 0;
}

int riptd_config_is_name(const char *s) {
  size_t len = strlen(s);
  if (len > CONFIG_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
    return 0;
  for (const char *p = s; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || strchr("-._~", *p)))
      return 0;
  return 1;
}

/* "name": used as a URI path segment (TG) or an identifier (customer). */
/* The string member |key| (when present) as a name; NULL |out| when
 * absent. */
static int cfg_named(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, char **out) {
  int rv = riptd_cfg_string(c, obj, key, required, out);
  if (rv != 0 || !*out || riptd_config_is_name(*out))
    return rv;
  riptd_cfg_push_key(c, key);
  return riptd_cfg_fail(c,
                        "expected 1 to %d of A-Z a-z 0-9 - . _ ~ (not \".\" "
                        "or \"..\")",
                        CONFIG_NAME_MAX);
}

static int cfg_name(riptd_cfg_ctx *c, json_t *obj, char **out) {
  return cfg_named(c, obj, "name", 1, out);
}

/* ---- sections ---- */

int riptd_config_split_listen(const char *text, char *addr, size_t addrlen,
                              uint16_t *port) {
  const char *colon = strrchr(text, ':');
  const char *start = text, *end = colon;
  if (!colon)
    return -1;
  if (text[0] == '[') {
    if (colon == text || colon[-1] != ']')
      return -1;
    start = text + 1;
    end = colon - 1;
  }
  size_t n = (size_t)(end - start);
  if (n == 0 || n >= addrlen)
    return -1;
  memcpy(addr, start, n);
  addr[n] = '\0';
  unsigned char bin[16];
  int v6 = text[0] == '[';
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
    return -1;
  const char *p = colon + 1;
  unsigned long value = 0;
  if (!*p || strlen(p) > 5)
    return -1;
  for (; *p; ++p) {
    if (*p < '0' || *p > '9')
      return -1;
    value = value * 10 + (unsigned long)(*p - '0');
  }
  if (value > 65535)
    return -1;
  *port = (uint16_t)value;
  return 0;
}

static int cfg_listen(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  char *text = NULL;
  int rv = riptd_cfg_string(c, root, "listen", 0, &text);
  if (rv != 0)
    return rv;
  char addr[64];
  uint16_t port = 0;
  rv = riptd_config_split_listen(text ? text : RIPTD_DEFAULT_LISTEN, addr,
                                 sizeof(addr), &port);
  free(text);
  if (rv != 0) {
    riptd_cfg_push_key(c, "listen");
    return riptd_cfg_fail(c,
                          "expected ADDRESS:PORT or [IPv6]:PORT with a numeric "
                          "address and a port from 0 to 65535");
  }
  cfg->listen_port = port;
  if (!(cfg->listen_address = strdup(addr)))
    return riptd_cfg_nomem(c);
  return 0;
}

static int cfg_authority(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  int rv = riptd_cfg_string(c, root, "authority", 0, &cfg->authority);
  if (rv != 0 || !cfg->authority)
    return rv;
  ript_buf b;
  ript_buf_init(&b, NULL);
  rv = ript_uri_root(cfg->authority, &b);
  ript_buf_free(&b);
  if (rv == RIPT_ERR_NOMEM)
    return riptd_cfg_nomem(c);
  if (rv != 0) {
    riptd_cfg_push_key(c, "authority");
    return riptd_cfg_fail(c, "expected HOST or HOST:PORT (no scheme, no path)");
  }
  return 0;
}

static int cfg_tls(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  static const char *const members[] = {"cert", "key", NULL};
  json_t *tls;
  size_t saved;
  int rv = riptd_cfg_object(c, root, "tls", 1, &tls, &saved);
  if (rv != 0)
    return rv;
  if ((rv = riptd_cfg_members(c, tls, members)) != 0 ||
      (rv = riptd_cfg_file(c, tls, "cert", 1, &cfg->tls_cert)) != 0 ||
      (rv = riptd_cfg_file(c, tls, "key", 1, &cfg->tls_key)) != 0)
    return rv;
  riptd_cfg_pop(c, saved);
  return 0;
}

static int cfg_trust(riptd_cfg_ctx *c, json_t *stir, riptd_config *cfg) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, stir, "trust", 0, 1, &arr, &saved);
  if (rv != 0)
    return rv;
  size_t n = arr ? json_array_size(arr) : 1;
  if (!(cfg->stir_trust = calloc(n, sizeof(*cfg->stir_trust))))
    return riptd_cfg_nomem(c);
  if (!arr) {
    if (!(cfg->stir_trust[0] = strdup(cfg->stir_ca_cert)))
      return riptd_cfg_nomem(c);
    cfg->nstir_trust = 1;
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    if ((rv = riptd_cfg_file_value(c, json_array_get(arr, i),
                                   &cfg->stir_trust[i])) != 0)
      return rv;
    cfg->nstir_trust = i + 1;
    riptd_cfg_pop(c, at);
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

static int cfg_stir(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  static const char *const members[] = {"ca-cert", "ca-key", "trust",
                                        "cert-lifetime-s", NULL};
  json_t *stir;
  size_t saved;
  int rv = riptd_cfg_object(c, root, "stir", 1, &stir, &saved);
  if (rv != 0)
    return rv;
  cfg->cert_lifetime_s = RIPTD_DEFAULT_CERT_LIFETIME_S;
  if ((rv = riptd_cfg_members(c, stir, members)) != 0 ||
      (rv = riptd_cfg_file(c, stir, "ca-cert", 1, &cfg->stir_ca_cert)) != 0 ||
      (rv = riptd_cfg_file(c, stir, "ca-key", 1, &cfg->stir_ca_key)) != 0 ||
      (rv = cfg_trust(c, stir, cfg)) != 0 ||
      (rv = riptd_cfg_int(c, stir, "cert-lifetime-s", 60, 315360000,
                          &cfg->cert_lifetime_s)) != 0)
    return rv;
  riptd_cfg_pop(c, saved);
  return 0;
}

static int cfg_advertisement(riptd_cfg_ctx *c, json_t *root,
                             riptd_config *cfg) {
  int rv = riptd_cfg_string(c, root, "advertisement", 0, &cfg->advertisement);
  if (rv != 0)
    return rv;
  if (!cfg->advertisement &&
      !(cfg->advertisement = strdup(RIPTD_DEFAULT_ADVERTISEMENT)))
    return riptd_cfg_nomem(c);
  ript_advert *adv = NULL;
  ript_parse_error err = {0, NULL};
  rv = ript_advert_parse(&adv, cfg->advertisement,
                         strlen(cfg->advertisement),
                         RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL);
  ript_advert_del(adv);
  if (rv == RIPT_ERR_NOMEM)
    return riptd_cfg_nomem(c);
  if (rv != 0) {
    riptd_cfg_push_key(c, "advertisement");
    return riptd_cfg_fail(c,
                          "not a valid advertisement: at byte %zu expected %s",
                          err.offset, err.expected ? err.expected : "more");
  }
  return 0;
}

static int cfg_timers_limits(riptd_cfg_ctx *c, json_t *root,
                             riptd_config *cfg) {
  static const char *const timer_members[] = {
      "no-byway-timeout-ms", "ring-timeout-ms", "ended-call-keep-ms", NULL};
  static const char *const limit_members[] = {
      "document-max-bytes",     "calls-per-customer",
      "handlers-per-customer",  "requests-per-second",
      "media-byways-per-call",  "signaling-byways-per-call",
      "media-put-max-bytes",    "event-stream-max-bytes",
      "json-max-depth",         NULL};
  json_t *obj;
  size_t saved;
  int64_t doc_max = RIPTD_DEFAULT_DOCUMENT_MAX_BYTES;
  cfg->no_byway_timeout_ms = RIPTD_DEFAULT_NO_BYWAY_TIMEOUT_MS;
  cfg->ring_timeout_ms = RIPTD_DEFAULT_RING_TIMEOUT_MS;
  cfg->ended_call_keep_ms = RIPTD_DEFAULT_ENDED_CALL_KEEP_MS;
  int rv = riptd_cfg_object(c, root, "timers", 0, &obj, &saved);
  if (rv != 0)
    return rv;
  if (obj) {
    if ((rv = riptd_cfg_members(c, obj, timer_members)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "no-byway-timeout-ms", 1000, 3600000,
                            &cfg->no_byway_timeout_ms)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "ring-timeout-ms", 1000, 3600000,
                            &cfg->ring_timeout_ms)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "ended-call-keep-ms", 1000, 86400000,
                            &cfg->ended_call_keep_ms)) != 0)
      return rv;
    riptd_cfg_pop(c, saved);
  }
  if ((rv = riptd_cfg_object(c, root, "limits", 0, &obj, &saved)) != 0)
    return rv;
  riptd_limits *l = &cfg->limits;
  *l = (riptd_limits){RIPTD_DEFAULT_CALLS_PER_CUSTOMER,
                      RIPTD_DEFAULT_HANDLERS_PER_CUSTOMER,
                      RIPTD_DEFAULT_REQUESTS_PER_SECOND,
                      RIPTD_DEFAULT_MEDIA_GETS_PER_CALL,
                      RIPTD_DEFAULT_EVENTS_BYWAYS_PER_CALL,
                      RIPTD_DEFAULT_MEDIA_PUT_MAX_BYTES,
                      RIPTD_DEFAULT_EVENT_STREAM_MAX_BYTES,
                      RIPTD_DEFAULT_JSON_MAX_DEPTH};
  if (obj) {
    if ((rv = riptd_cfg_members(c, obj, limit_members)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "document-max-bytes", 1024, 16777216,
                            &doc_max)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "calls-per-customer", 1, 1000000,
                            &l->calls_per_customer)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "handlers-per-customer", 1, 100000,
                            &l->handlers_per_customer)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "requests-per-second", 1, 1000000,
                            &l->requests_per_second)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "media-byways-per-call", 20, 1000,
                            &l->media_gets_per_call)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "signaling-byways-per-call", 1, 1000,
                            &l->events_byways_per_call)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "media-put-max-bytes", 1500, 1048576,
                            &l->media_put_max_bytes)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "event-stream-max-bytes", 4096, 1073741824,
                            &l->event_stream_max_bytes)) != 0 ||
        (rv = riptd_cfg_int(c, obj, "json-max-depth", 2, RIPT_DOC_MAX_DEPTH,
                            &l->json_max_depth)) != 0)
      return rv;
    riptd_cfg_pop(c, saved);
  }
  cfg->document_max_bytes = (size_t)doc_max;
  return 0;
}

/* "transport-limits": each member optional, 0 or absent = the default. */
static int cfg_transport_limits(riptd_cfg_ctx *c, json_t *root,
                                riptd_config *cfg) {
  static const struct {
    const char *key;
    int64_t max;
    size_t off;
  } limits[] = {
#define CFG_LIMIT(key, max, field)                                             \
  {key, max, offsetof(riptd_transport_limits, field)}
      CFG_LIMIT("idle-timeout-ms", 3600000, idle_timeout_ms),
      CFG_LIMIT("max-streams", 100000, max_streams),
      CFG_LIMIT("stream-window", 2147483647, stream_window),
      CFG_LIMIT("connection-window", 2147483647, connection_window),
      CFG_LIMIT("reset-burst", 1000000, reset_burst),
      CFG_LIMIT("reset-rate", 1000000, reset_rate),
      CFG_LIMIT("max-header-bytes", 65536, max_header_bytes),
      CFG_LIMIT("max-header-fields", 10000, max_header_fields),
      CFG_LIMIT("header-timeout-ms", 3600000, header_timeout_ms),
      CFG_LIMIT("body-timeout-ms", 3600000, body_timeout_ms),
      CFG_LIMIT("max-connections", 1000000, max_connections),
      CFG_LIMIT("max-connections-per-address", 1000000,
                max_connections_per_address),
      CFG_LIMIT("max-handshakes", 1000000, max_handshakes),
      CFG_LIMIT("max-handshakes-per-address", 1000000,
                max_handshakes_per_address),
#undef CFG_LIMIT
  };
  enum { NLIMITS = sizeof(limits) / sizeof(limits[0]) };
  const char *members[NLIMITS + 1];
  for (size_t i = 0; i < NLIMITS; ++i)
    members[i] = limits[i].key;
  members[NLIMITS] = NULL;
  json_t *obj;
  size_t saved;
  int rv = riptd_cfg_object(c, root, "transport-limits", 0, &obj, &saved);
  if (rv != 0 || !obj)
    return rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0)
    return rv;
  for (size_t i = 0; i < NLIMITS; ++i) {
    int64_t *field = (int64_t *)((char *)&cfg->transport + limits[i].off);
    if ((rv = riptd_cfg_int(c, obj, limits[i].key, 0, limits[i].max, field)) !=
        0)
      return rv;
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

/* A destination pattern list (ript/dest.h), parsed into |*list|. */
static int cfg_patterns(riptd_cfg_ctx *c, json_t *obj, const char *key,
                        int required, char **text, ript_dest_list **list) {
  int rv = riptd_cfg_string(c, obj, key, required, text);
  if (rv != 0 || !*text)
    return rv;
  ript_parse_error err = {0, NULL};
  rv = ript_dest_list_new(list, *text, strlen(*text), &err, NULL);
  if (rv == RIPT_ERR_NOMEM)
    return riptd_cfg_nomem(c);
  if (rv != 0) {
    riptd_cfg_push_key(c, key);
    return riptd_cfg_fail(c,
                          "not a destination pattern list: at byte %zu "
                          "expected %s",
                          err.offset, err.expected ? err.expected : "more");
  }
  return 0;
}

static int cfg_action(riptd_cfg_ctx *c, json_t *obj, riptd_route *route) {
  char *name = NULL;
  int rv = riptd_cfg_string(c, obj, "action", 1, &name);
  if (rv != 0)
    return rv;
  size_t i = 0;
  while (i < CONFIG_NACTIONS && strcmp(config_action_names[i], name) != 0)
    ++i;
  free(name);
  if (i == CONFIG_NACTIONS) {
    riptd_cfg_push_key(c, "action");
    return riptd_cfg_fail(c, "expected one of echo, play, record, conference, "
                             "decline, fail, noanswer");
  }
  route->action = (riptd_action_kind)i;
  return 0;
}

/* "media-key": "ID:SECRET", as ript call --media-key (the secret never in
 * a message). */
static int cfg_media_key(riptd_cfg_ctx *c, json_t *obj, riptd_route *route) {
  char *text = NULL;
  int rv = riptd_cfg_string(c, obj, "media-key", 0, &text);
  if (rv != 0 || !text)
    return rv;
  ript_parse_error err = {0, NULL};
  size_t len = strlen(text);
  rv = ript_mediakey_parse(&route->media_key, text, len, &err);
  gnutls_memset(text, 0, len);
  free(text);
  if (rv != 0) {
    riptd_cfg_push_key(c, "media-key");
    return riptd_cfg_fail(c,
                          "not a media key (ID:SECRET): at character %zu "
                          "expected %s",
                          err.offset, err.expected ? err.expected : "more");
  }
  route->has_media_key = 1;
  return 0;
}

static int cfg_route(riptd_cfg_ctx *c, json_t *obj, void *elem, void *ctx) {
  riptd_route *route = elem;
  (void)ctx;
  static const char *const members[] = {"match", "action", "file",
                                        "media-key", NULL};
  if (!json_is_object(obj))
    return riptd_cfg_fail(c, "expected an object");
  int rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = cfg_patterns(c, obj, "match", 1, &route->match, &route->dest)) !=
          0 ||
      (rv = cfg_action(c, obj, route)) != 0 ||
      (rv = cfg_media_key(c, obj, route)) != 0)
    return rv;
  int wants_file = route->action == RIPTD_ACTION_PLAY ||
                   route->action == RIPTD_ACTION_RECORD;
  if (!wants_file && json_object_get(obj, "file")) {
    riptd_cfg_push_key(c, "file");
    return riptd_cfg_fail(c, "only the play and record actions take a file");
  }
  return riptd_cfg_file(c, obj, "file", wants_file, &route->file);
}

static int cfg_tg(riptd_cfg_ctx *c, json_t *obj, void *elem, void *ctx) {
  riptd_tg_conf *tg = elem;
  riptd_config *cfg = ctx;
  static const char *const members[] = {
      "name",   "description", "destinations", "retry-backoff-ms",
      "media-timeout-ms", "origins", "routes", NULL};
  if (!json_is_object(obj))
    return riptd_cfg_fail(c, "expected an object");
  tg->retry_backoff_ms = 2000;
  tg->media_timeout_ms = 5000;
  int rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = cfg_name(c, obj, &tg->name)) != 0)
    return rv;
  for (size_t i = 0; i < cfg->ntgs - 1; ++i) {
    if (strcmp(cfg->tgs[i].name, tg->name) == 0) {
      riptd_cfg_push_key(c, "name");
      return riptd_cfg_fail(c, "TG \"%s\" is already defined", tg->name);
    }
  }
  if ((rv = riptd_cfg_string(c, obj, "description", 0, &tg->description)) !=
          0 ||
      (rv = cfg_patterns(c, obj, "destinations", 0, &tg->destinations,
                         &tg->dest)) != 0 ||
      (rv = riptd_cfg_int(c, obj, "retry-backoff-ms", 2000, 86400000,
                          &tg->retry_backoff_ms)) != 0 ||
      (rv = riptd_cfg_int(c, obj, "media-timeout-ms", 1, 3600000,
                          &tg->media_timeout_ms)) != 0 ||
      (rv = riptd_cfg_bool(c, obj, "origins", &tg->origins)) != 0 ||
      (rv = riptd_cfg_elements(c, obj, "routes", 0, 0, sizeof(*tg->routes),
                               (void **)&tg->routes, &tg->nroutes, cfg_route,
                               NULL)) != 0)
    return rv;
  if (!tg->destinations) {
    if (!(tg->destinations = strdup("*")) ||
        ript_dest_list_new(&tg->dest, "*", 1, NULL, NULL) != 0)
      return riptd_cfg_nomem(c);
  }
  return 0;
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"=". */
int riptd_cfg_is_b64token(const char *s) {
  const char *p = s;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
         (*p >= '0' && *p <= '9') || (*p && strchr("-._~+/", *p)))
    ++p;
  if (p == s)
    return 0;
  while (*p == '=')
    ++p;
  return *p == '\0';
}

static const char *cfg_token_owner(const riptd_config *cfg, const char *tok) {
  for (size_t i = 0; i < cfg->ncustomers; ++i)
    for (size_t j = 0; j < cfg->customers[i].ntokens; ++j)
      if (strcmp(cfg->customers[i].tokens[j], tok) == 0)
        return cfg->customers[i].name;
  return NULL;
}

static int cfg_tokens(riptd_cfg_ctx *c, json_t *obj, riptd_config *cfg,
                      riptd_customer *cu) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, obj, "tokens", 0, 1, &arr, &saved);
  if (rv != 0 || !arr)
    return rv;
  if (!(cu->tokens = calloc(json_array_size(arr), sizeof(*cu->tokens))))
    return riptd_cfg_nomem(c);
  for (size_t i = 0; i < json_array_size(arr); ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    char *tok = NULL;
    if ((rv = riptd_cfg_string_value(c, json_array_get(arr, i), &tok)) != 0)
      return rv;
    const char *owner = cfg_token_owner(cfg, tok);
    cu->tokens[cu->ntokens++] = tok;
    if (!riptd_cfg_is_b64token(tok))
      return riptd_cfg_fail(c, "a bearer token is 1*(A-Z a-z 0-9 - . _ ~ + /) "
                               "*\"=\" (RFC 6750 b64token)");
    if (strlen(tok) < CONFIG_TOKEN_MIN)
      return riptd_cfg_fail(c, "a bearer token needs at least %d characters",
                            CONFIG_TOKEN_MIN);
    if (owner)
      return riptd_cfg_fail(
          c, "this token is already a token of customer \"%s\"", owner);
    riptd_cfg_pop(c, at);
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

/* "+" and 1 to 15 digits (the first 1-9), or such a prefix ending in '*'. */
static int cfg_is_number(const char *s) {
  if (s[0] != '+' || s[1] < '1' || s[1] > '9')
    return 0;
  size_t digits = 0;
  const char *p = s + 1;
  for (; *p >= '0' && *p <= '9'; ++p)
    ++digits;
  if (*p == '*')
    ++p;
  return *p == '\0' && digits <= 15;
}

static int cfg_numbers(riptd_cfg_ctx *c, json_t *obj, riptd_customer *cu) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, obj, "numbers", 1, 1, &arr, &saved);
  if (rv != 0)
    return rv;
  ript_buf list;
  ript_buf_init(&list, NULL);
  for (size_t i = 0; i < json_array_size(arr) && rv == 0; ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    json_t *v = json_array_get(arr, i);
    if (!json_is_string(v) || !cfg_is_number(json_string_value(v)))
      rv = riptd_cfg_fail(c,
                          "expected an E.164 number (\"+\" and 1 to 15 digits) "
                          "or a prefix of one ending in \"*\"");
    else if (ript_buf_printf(&list, "%s%s", i ? ", " : "",
                             json_string_value(v)) != 0)
      rv = riptd_cfg_nomem(c);
    else
      riptd_cfg_pop(c, at);
  }
  if (rv == 0 && ript_dest_list_new(&cu->numbers, (const char *)list.data,
                                    list.len, NULL, NULL) != 0)
    rv = riptd_cfg_nomem(c);
  if (rv == 0) {
    cu->numbers_text = (char *)list.data;
    riptd_cfg_pop(c, saved);
  } else {
    ript_buf_free(&list);
  }
  return rv;
}

static int cfg_customer_tgs(riptd_cfg_ctx *c, json_t *obj, riptd_config *cfg,
                            riptd_customer *cu) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, obj, "tgs", 1, 1, &arr, &saved);
  if (rv != 0)
    return rv;
  if (!(cu->tgs = calloc(json_array_size(arr), sizeof(*cu->tgs))))
    return riptd_cfg_nomem(c);
  for (size_t i = 0; i < json_array_size(arr); ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    json_t *v = json_array_get(arr, i);
    if (!json_is_string(v))
      return riptd_cfg_fail(c, "expected the name of a TG");
    const riptd_tg_conf *tg = riptd_config_tg(cfg, json_string_value(v));
    if (!tg)
      return riptd_cfg_fail(c, "no TG is named \"%s\" in $.tgs",
                            json_string_value(v));
    size_t index = (size_t)(tg - cfg->tgs);
    for (size_t j = 0; j < cu->ntgs; ++j)
      if (cu->tgs[j] == index)
        return riptd_cfg_fail(c, "TG \"%s\" is listed twice", tg->name);
    cu->tgs[cu->ntgs++] = index;
    riptd_cfg_pop(c, at);
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

static int cfg_customer(riptd_cfg_ctx *c, json_t *obj, void *elem, void *ctx) {
  riptd_customer *cu = elem;
  riptd_config *cfg = ctx;
  static const char *const members[] = {"name", "tokens", "numbers", "tgs",
                                        NULL};
  if (!json_is_object(obj))
    return riptd_cfg_fail(c, "expected an object");
  int rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = cfg_name(c, obj, &cu->name)) != 0)
    return rv;
  for (size_t i = 0; i < cfg->ncustomers - 1; ++i) {
    if (strcmp(cfg->customers[i].name, cu->name) == 0) {
      riptd_cfg_push_key(c, "name");
      return riptd_cfg_fail(c, "customer \"%s\" is already defined", cu->name);
    }
  }
  if ((rv = cfg_tokens(c, obj, cfg, cu)) != 0 ||
      (rv = cfg_numbers(c, obj, cu)) != 0 ||
      (rv = cfg_customer_tgs(c, obj, cfg, cu)) != 0)
    return rv;
  return 0;
}

/* "store": {"type": "memory" | "sqlite", "path", "node-id", "lease-ms"}. */
static int cfg_store(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  static const char *const members[] = {"type", "path", "node-id", "lease-ms",
                                        NULL};
  riptd_store_conf *st = &cfg->store;
  json_t *obj;
  size_t saved;
  char *type = NULL;
  st->lease_ms = RIPTD_DEFAULT_LEASE_MS;
  int rv = riptd_cfg_object(c, root, "store", 0, &obj, &saved);
  if (rv != 0 || !obj)
    return rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = riptd_cfg_string(c, obj, "type", 0, &type)) != 0)
    return rv;
  if (type && strcmp(type, "sqlite") == 0)
    st->kind = RIPTD_STORE_SQLITE;
  else if (type && strcmp(type, "memory") != 0) {
    free(type);
    riptd_cfg_push_key(c, "type");
    return riptd_cfg_fail(c, "expected \"memory\" or \"sqlite\"");
  }
  free(type);
  int sqlite = st->kind == RIPTD_STORE_SQLITE;
  if (!sqlite && json_object_get(obj, "path")) {
    riptd_cfg_push_key(c, "path");
    return riptd_cfg_fail(c, "only the sqlite store takes a path");
  }
  if ((rv = riptd_cfg_file(c, obj, "path", sqlite, &st->path)) != 0 ||
      (rv = cfg_named(c, obj, "node-id", 0, &st->node_id)) != 0 ||
      (rv = riptd_cfg_int(c, obj, "lease-ms", 1000, 3600000, &st->lease_ms)) !=
          0)
    return rv;
  riptd_cfg_pop(c, saved);
  return 0;
}

/* ---- the whole file ---- */

static int cfg_root(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  static const char *const members[] = {
      "listen",    "authority", "tls",
      "stir",      "oauth",     "advertisement",
      "timers",    "limits",    "transport-limits",
      "customers", "store",     "tgs",
      NULL};
  int rv;
  if (!json_is_object(root))
    return riptd_cfg_fail(c, "expected a JSON object");
  if ((rv = riptd_cfg_members(c, root, members)) != 0 ||
      (rv = cfg_listen(c, root, cfg)) != 0 ||
      (rv = cfg_authority(c, root, cfg)) != 0 ||
      (rv = cfg_tls(c, root, cfg)) != 0 || (rv = cfg_stir(c, root, cfg)) != 0 ||
      (rv = cfg_advertisement(c, root, cfg)) != 0 ||
      (rv = cfg_timers_limits(c, root, cfg)) != 0 ||
      (rv = cfg_transport_limits(c, root, cfg)) != 0 ||
      (rv = cfg_store(c, root, cfg)) != 0 ||
      (rv = riptd_cfg_elements(c, root, "tgs", 1, 1, sizeof(*cfg->tgs),
                               (void **)&cfg->tgs, &cfg->ntgs, cfg_tg, cfg)) !=
          0 ||
      (rv =
           riptd_cfg_elements(c, root, "customers", 1, 1,
                              sizeof(*cfg->customers), (void **)&cfg->customers,
                              &cfg->ncustomers, cfg_customer, cfg)) != 0 ||
      (rv = riptd_cfg_oauth(c, root, cfg)) != 0)
    return rv;
  return 0;
}

int riptd_config_parse(riptd_config *cfg, const char *path, const char *json,
                       size_t len, char *errbuf, size_t errlen) {
  riptd_cfg_ctx c;
  memset(&c, 0, sizeof(c));
  memset(cfg, 0, sizeof(*cfg));
  c.file = path;
  c.slash = strrchr(path, '/');
  strcpy(c.path, "$");
  c.pathlen = 1;
  c.err = errbuf;
  c.errlen = errlen;
  json_error_t jerr;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    snprintf(errbuf, errlen, "%s: line %d, column %d: invalid JSON: %s", path,
             jerr.line, jerr.column, jerr.text);
    return -1;
  }
  int rv = (cfg->path = strdup(path)) ? cfg_root(&c, root, cfg)
                                      : riptd_cfg_nomem(&c);
  json_decref(root);
  if (rv != 0)
    riptd_config_free(cfg);
  return rv;
}

int riptd_config_load(riptd_config *cfg, const char *path, char *errbuf,
                      size_t errlen) {
  memset(cfg, 0, sizeof(*cfg));
  ript_buf text;
  ript_buf_init(&text, NULL);
  int rv = ript_file_read(path, SIZE_MAX, &text);
  if (rv != 0) {
    snprintf(errbuf, errlen, "%s: cannot read: %s", path,
             rv == RIPT_ERR_NOMEM ? "out of memory" : strerror(errno));
    ript_buf_free(&text);
    return -1;
  }
  rv = riptd_config_parse(cfg, path, (const char *)text.data, text.len,
                          errbuf, errlen);
  ript_buf_free(&text);
  return rv;
}

static void config_free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    free(v[i]);
  free(v);
}

static void config_free_tg(riptd_tg_conf *tg) {
  free(tg->name);
  free(tg->description);
  free(tg->destinations);
  ript_dest_list_del(tg->dest);
  for (size_t i = 0; i < tg->nroutes; ++i) {
    free(tg->routes[i].match);
    ript_dest_list_del(tg->routes[i].dest);
    free(tg->routes[i].file);
    ript_mediakey_clear(&tg->routes[i].media_key);
  }
  free(tg->routes);
}

void riptd_config_free(riptd_config *cfg) {
  free(cfg->path);
  free(cfg->listen_address);
  free(cfg->authority);
  free(cfg->tls_cert);
  free(cfg->tls_key);
  free(cfg->stir_ca_cert);
  free(cfg->stir_ca_key);
  config_free_strings(cfg->stir_trust, cfg->nstir_trust);
  free(cfg->advertisement);
  riptd_cfg_oauth_free(&cfg->oauth);
  for (size_t i = 0; i < cfg->ncustomers; ++i) {
    riptd_customer *cu = &cfg->customers[i];
    free(cu->name);
    config_free_strings(cu->tokens, cu->ntokens);
    free(cu->numbers_text);
    ript_dest_list_del(cu->numbers);
    free(cu->tgs);
  }
  free(cfg->customers);
  for (size_t i = 0; i < cfg->ntgs; ++i)
    config_free_tg(&cfg->tgs[i]);
  free(cfg->tgs);
  free(cfg->store.path);
  free(cfg->store.node_id);
  memset(cfg, 0, sizeof(*cfg));
}

const riptd_customer *riptd_config_customer(const riptd_config *cfg,
                                            const char *name) {
  for (size_t i = 0; i < cfg->ncustomers; ++i)
    if (cfg->customers[i].name && strcmp(cfg->customers[i].name, name) == 0)
      return &cfg->customers[i];
  return NULL;
}

const riptd_tg_conf *riptd_config_tg(const riptd_config *cfg,
                                     const char *name) {
  for (size_t i = 0; i < cfg->ntgs; ++i)
    if (cfg->tgs[i].name && strcmp(cfg->tgs[i].name, name) == 0)
      return &cfg->tgs[i];
  return NULL;
}

const riptd_route *riptd_config_route(const riptd_tg_conf *tg,
                                      const char *dest) {
  for (size_t i = 0; i < tg->nroutes; ++i)
    if (ript_dest_list_match(tg->routes[i].dest, dest, strlen(dest), NULL) ==
        1)
      return &tg->routes[i];
  return NULL;
}

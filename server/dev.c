/* `riptd --dev`: the state directory, its certificates, token and tone,
 * the generated configuration, and dev.json. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dev.h"
#include "ript/http.h"
#include "ript/stir.h"

enum {
  DEV_TOKEN_BYTES = 32,
  DEV_TONE_RATE = 8000,
  DEV_TONE_SECONDS = 2,
  DEV_TONE_HZ = 440,
  DEV_CA_YEARS = 10,
  DEV_RING_TIMEOUT_MS = 3000, /* noanswer rings briefly: tests wait for it */
};

/* One number per action of the TG "main", in riptd_action order. */
static const char *const dev_numbers[] = {
    "+15550101001", "+15550101002", "+15550101003", "+15550101004",
    "+15550101005", "+15550101006", "+15550101007"};
#define DEV_NROUTES (sizeof(dev_numbers) / sizeof(dev_numbers[0]))

typedef struct dev_ctx {
  const char *dir;
  char *err;
  size_t errlen;
} dev_ctx;

static int dev_fail(dev_ctx *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int dev_fail(dev_ctx *d, const char *fmt, ...) {
  int n = snprintf(d->err, d->errlen, "%s: ", d->dir);
  if (n >= 0 && (size_t)n < d->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* DIR/NAME into |out|; -1 when it does not fit. */
static int dev_path(char *out, size_t len, const char *dir,
                    const char *name) {
  int n = snprintf(out, len, "%s/%s", dir, name);
  return n >= 0 && (size_t)n < len ? 0 : -1;
}

static int dev_exists(const dev_ctx *d, const char *name) {
  char path[PATH_MAX];
  return dev_path(path, sizeof(path), d->dir, name) == 0 &&
         access(path, F_OK) == 0;
}

static int dev_write(dev_ctx *d, const char *name, const void *data,
                     size_t len) {
  char path[PATH_MAX];
  if (dev_path(path, sizeof(path), d->dir, name) != 0)
    return dev_fail(d, "the path of %s is too long", name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return dev_fail(d, "cannot write %s: %s", name, strerror(errno));
  size_t n = fwrite(data, 1, len, f);
  if (fclose(f) != 0 || n != len)
    return dev_fail(d, "cannot write %s", name);
  return 0;
}

/* ---- the STIR CA ---- */

static int dev_export(dev_ctx *d, const char *name, int is_key,
                      const void *obj) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = is_key ? ript_stir_key_export(obj, RIPT_STIR_FORMAT_PEM, &b)
                  : ript_stir_cert_export(obj, RIPT_STIR_FORMAT_PEM, &b);
  rv = rv == 0 ? dev_write(d, name, b.data, b.len)
               : dev_fail(d, "cannot export %s", name);
  ript_buf_free(&b);
  return rv;
}

/* A CA whose TNAuthList is the range the dev customer calls from, so the
 * TG's "origins" says which caller IDs it vouches for. */
static int dev_stir_ca(dev_ctx *d) {
  if (dev_exists(d, "stir-ca.pem") && dev_exists(d, "stir-ca-key.pem"))
    return 0;
  uint8_t serial[8];
  if (riptd_app_random(serial, sizeof(serial)) != 0)
    return dev_fail(d, "no random bytes");
  serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40);
  int64_t now = (int64_t)time(NULL);
  ript_stir_cert_terms terms = {serial, sizeof(serial), now - 3600,
                                now + (int64_t)DEV_CA_YEARS * 365 * 86400};
  ript_stir_key *key = NULL;
  ript_stir_cert *ca = NULL;
  ript_stir_tnauth range;
  ript_stir_tnauth_init(&range, NULL);
  int rv = ript_stir_key_generate(&key, NULL);
  if (rv == 0)
    rv = ript_stir_tnauth_add_range(&range, &RIPTD_DEV_FROM_FIRST[1],
                                    RIPTD_DEV_FROM_COUNT);
  if (rv == 0)
    rv = ript_stir_cert_create_ca(&ca, key, "riptd development STIR CA",
                                  &range, &terms, NULL);
  if (rv != 0)
    rv = dev_fail(d, "cannot make the STIR CA: %s", ript_strerror(rv));
  if (rv == 0)
    rv = dev_export(d, "stir-ca-key.pem", 1, key);
  if (rv == 0)
    rv = dev_export(d, "stir-ca.pem", 0, ca);
  ript_stir_tnauth_free(&range);
  ript_stir_cert_del(ca);
  ript_stir_key_del(key);
  return rv;
}

/* ---- token and tone ---- */

/* A random secret kept in the file |name| (made once), read into |out|. */
static int dev_secret(dev_ctx *d, const char *name, char *out, size_t len) {
  if (!dev_exists(d, name)) {
    uint8_t bytes[DEV_TOKEN_BYTES];
    char hex[2 * DEV_TOKEN_BYTES + 2];
    if (riptd_app_random(bytes, sizeof(bytes)) != 0)
      return dev_fail(d, "no random bytes");
    for (size_t i = 0; i < sizeof(bytes); ++i)
      snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    hex[2 * DEV_TOKEN_BYTES] = '\n';
    if (dev_write(d, name, hex, 2 * DEV_TOKEN_BYTES + 1) != 0)
      return -1;
  }
  char path[PATH_MAX];
  if (dev_path(path, sizeof(path), d->dir, name) != 0)
    return dev_fail(d, "the path of %s is too long", name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return dev_fail(d, "cannot read %s: %s", name, strerror(errno));
  size_t n = fread(out, 1, len - 1, f);
  fclose(f);
  while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
    --n;
  out[n] = '\0';
  return n ? 0 : dev_fail(d, "the file %s is empty", name);
}

/* The key the dev authorization server signs access tokens with. */
static int dev_oauth_key(dev_ctx *d) {
  if (dev_exists(d, "oauth-key.pem"))
    return 0;
  ript_stir_key *key = NULL;
  if (ript_stir_key_generate(&key, NULL) != 0)
    return dev_fail(d, "cannot generate the OAuth signing key");
  int rv = dev_export(d, "oauth-key.pem", 1, key);
  ript_stir_key_del(key);
  return rv;
}

static void dev_le(uint8_t *p, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* A canonical 44-byte WAV header, then 16-bit little-endian samples. */
static int dev_tone(dev_ctx *d) {
  if (dev_exists(d, "tone.wav"))
    return 0;
  enum { N = DEV_TONE_RATE * DEV_TONE_SECONDS, DATA = 2 * N };
  uint8_t *wav = malloc(44 + DATA);
  if (!wav)
    return dev_fail(d, "out of memory");
  memcpy(wav, "RIFF", 4);
  dev_le(wav + 4, 36 + DATA, 4);
  memcpy(wav + 8, "WAVEfmt ", 8);
  dev_le(wav + 16, 16, 4);               /* fmt chunk size */
  dev_le(wav + 20, 1, 2);                /* PCM */
  dev_le(wav + 22, 1, 2);                /* mono */
  dev_le(wav + 24, DEV_TONE_RATE, 4);    /* sample rate */
  dev_le(wav + 28, 2 * DEV_TONE_RATE, 4); /* byte rate */
  dev_le(wav + 32, 2, 2);                /* block align */
  dev_le(wav + 34, 16, 2);               /* bits per sample */
  memcpy(wav + 36, "data", 4);
  dev_le(wav + 40, DATA, 4);
  for (int i = 0; i < N; ++i) {
    double s = 8000.0 * sin(2.0 * M_PI * DEV_TONE_HZ * i / DEV_TONE_RATE);
    dev_le(wav + 44 + 2 * i, (uint16_t)(int16_t)lround(s), 2);
  }
  int rv = dev_write(d, "tone.wav", wav, 44 + DATA);
  free(wav);
  return rv;
}

/* ---- the configuration ---- */

static json_t *dev_routes(void) {
  json_t *routes = json_array();
  for (size_t i = 0; routes && i < DEV_NROUTES; ++i) {
    const char *file = i == RIPTD_ACTION_PLAY     ? "tone.wav"
                       : i == RIPTD_ACTION_RECORD ? "record.wav"
                                                  : NULL;
    json_t *r = json_pack("{s:s, s:s, s:s*}", "match", dev_numbers[i],
                          "action", riptd_action_name((riptd_action_kind)i),
                          "file", file);
    if (!r || json_array_append_new(routes, r) != 0) {
      json_decref(routes);
      return NULL;
    }
  }
  return routes;
}

typedef struct dev_secrets {
  char token[256];         /* the customer's static bearer token */
  char client_secret[256]; /* client "dev" of the authorization server */
  char refresh_token[256]; /* a refresh token of that client */
  char node_id[256];       /* this riptd's id: the same after a restart */
} dev_secrets;

/* "store": in memory, or (|durable|) the SQLite file riptd.db next to the
 * configuration; the node id either way. */
static json_t *dev_store(const dev_secrets *sec, int durable) {
  return json_pack("{s:s, s:s*, s:s}", "type", durable ? "sqlite" : "memory",
                   "path", durable ? "riptd.db" : NULL, "node-id",
                   sec->node_id);
}

static json_t *dev_oauth(const dev_secrets *sec, int64_t token_lifetime_s) {
  return json_pack("{s:{s:s, s:I, s:[{s:s, s:s, s:s, s:[s]}]}}", "server",
                   "key", "oauth-key.pem", "token-lifetime-s",
                   (json_int_t)token_lifetime_s, "clients", "id", "dev",
                   "secret", sec->client_secret, "customer", "dev",
                   "refresh-tokens", sec->refresh_token);
}

static json_t *dev_config(const char *listen, const dev_secrets *sec,
                          int64_t token_lifetime_s, int durable) {
  json_t *routes = dev_routes();
  json_t *oauth = dev_oauth(sec, token_lifetime_s);
  json_t *store = dev_store(sec, durable);
  if (!routes || !oauth || !store) {
    json_decref(routes);
    json_decref(oauth);
    json_decref(store);
    return NULL;
  }
  return json_pack(
      "{s:s, s:s,"
      " s:{s:s, s:s},"
      " s:{s:s, s:s, s:[s]},"
      " s:o,"
      " s:{s:i},"
      " s:o,"
      " s:[{s:s, s:[s], s:[s], s:[s]}],"
      " s:[{s:s, s:s, s:s, s:b, s:o}]}",
      "_comment", "written by riptd --dev at every start; edit a copy",
      "listen", listen, "tls", "cert", "server.pem", "key", "server-key.pem",
      "stir", "ca-cert", "stir-ca.pem", "ca-key", "stir-ca-key.pem", "trust",
      "stir-ca.pem", "oauth", oauth, "timers", "ring-timeout-ms",
      DEV_RING_TIMEOUT_MS, "store", store, "customers", "name", "dev", "tokens",
      sec->token, "numbers", "+1555010000*", "tgs", "main", "tgs", "name",
      "main", "description", "riptd development TG: one number per action",
      "destinations", "+1555*", "origins", 1, "routes", routes);
}

/* The address, unless the loopback names the dev certificate always has. */
static int dev_tls(dev_ctx *d, const char *listen) {
  char addr[64];
  uint16_t port;
  if (riptd_config_split_listen(listen, addr, sizeof(addr), &port) != 0)
    return dev_fail(d, "bad listen address %s", listen);
  const char *host = addr;
  int extra = strcmp(addr, "127.0.0.1") != 0 && strcmp(addr, "::1") != 0 &&
              strcmp(addr, "0.0.0.0") != 0 && strcmp(addr, "::") != 0;
  if (ript_tls_dev_certs(d->dir, &host, extra ? 1 : 0) != 0)
    return dev_fail(d, "cannot make the TLS development certificates");
  return 0;
}

int riptd_dev_prepare(const char *state_dir, const char *listen,
                      int64_t token_lifetime_s, int durable, char *config_path,
                      size_t len, char *errbuf, size_t errlen) {
  dev_ctx d = {state_dir, errbuf, errlen};
  if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
    return dev_fail(&d, "cannot create the state directory: %s",
                    strerror(errno));
  dev_secrets sec;
  if (dev_tls(&d, listen) != 0 || dev_stir_ca(&d) != 0 ||
      dev_secret(&d, "token", sec.token, sizeof(sec.token)) != 0 ||
      dev_secret(&d, "client-secret", sec.client_secret,
                 sizeof(sec.client_secret)) != 0 ||
      dev_secret(&d, "refresh-token", sec.refresh_token,
                 sizeof(sec.refresh_token)) != 0 ||
      dev_secret(&d, "node-id", sec.node_id, sizeof(sec.node_id)) != 0 ||
      dev_oauth_key(&d) != 0 || dev_tone(&d) != 0)
    return -1;
  char path[PATH_MAX];
  if (dev_path(path, sizeof(path), state_dir, "dev.json") != 0 ||
      dev_path(config_path, len, state_dir, "riptd.json") != 0)
    return dev_fail(&d, "the path is too long");
  unlink(path); /* scripts wait for the new one */
  json_t *cfg = dev_config(
      listen, &sec,
      token_lifetime_s > 0 ? token_lifetime_s : RIPTD_DEFAULT_TOKEN_LIFETIME_S,
      durable);
  int rv = cfg ? json_dump_file(cfg, config_path,
                                JSON_INDENT(2) | JSON_PRESERVE_ORDER)
               : -1;
  json_decref(cfg);
  return rv == 0 ? 0 : dev_fail(&d, "cannot write riptd.json");
}

/* ---- dev.json ---- */

/* How a script gets tokens from the dev authorization server. */
static json_t *dev_oauth_info(const riptd_app *app) {
  const riptd_client_conf *cl = &app->cfg->oauth.clients[0];
  char endpoint[300];
  snprintf(endpoint, sizeof(endpoint), "https://%s/oauth/token",
           app->authority);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "issuer",
                   riptd_oauth_server_issuer(app->oauth), "token_endpoint",
                   endpoint, "client_id", cl->id, "client_secret", cl->secret,
                   "refresh_token", cl->refresh_tokens[0], "scope", cl->scope,
                   "audience", app->root);
}

static json_t *dev_info_json(const char *dir, const riptd_app *app) {
  const riptd_config *cfg = app->cfg;
  char cacert[PATH_MAX], stirca[PATH_MAX], config[PATH_MAX];
  ript_buf tg;
  ript_buf_init(&tg, NULL);
  json_t *numbers = json_object(), *from = json_array();
  int ok = numbers && from &&
           dev_path(cacert, sizeof(cacert), dir, "ca.pem") == 0 &&
           dev_path(stirca, sizeof(stirca), dir, "stir-ca.pem") == 0 &&
           dev_path(config, sizeof(config), dir, "riptd.json") == 0 &&
           riptd_app_tg_uri(app, cfg->tgs[0].name, NULL, NULL, &tg) == 0;
  for (size_t i = 0; ok && i < DEV_NROUTES; ++i)
    ok = json_object_set_new(numbers, riptd_action_name((riptd_action_kind)i),
                             json_string(dev_numbers[i])) == 0;
  for (int i = 0; ok && i < RIPTD_DEV_FROM_COUNT; ++i) {
    char n[RIPT_STIR_E164_BUFLEN];
    snprintf(n, sizeof(n), "%.*s%d", (int)strlen(RIPTD_DEV_FROM_FIRST) - 1,
             RIPTD_DEV_FROM_FIRST, i);
    ok = json_array_append_new(from, json_string(n)) == 0;
  }
  json_t *oauth = ok ? dev_oauth_info(app) : NULL;
  json_t *info = oauth ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, "
                                   "s:o}",
                                   "root", app->root, "tg",
                                   (const char *)tg.data, "token",
                                   cfg->customers[0].tokens[0], "cacert",
                                   cacert, "stircacert", stirca, "config",
                                   config, "numbers", numbers, "from", from,
                                   "oauth", oauth)
                       : NULL;
  json_decref(numbers);
  json_decref(from);
  ript_buf_free(&tg);
  return info;
}

int riptd_dev_info(const char *state_dir, const riptd_app *app, char *errbuf,
                   size_t errlen) {
  dev_ctx d = {state_dir, errbuf, errlen};
  char dir[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
  if (!realpath(state_dir, dir))
    return dev_fail(&d, "%s", strerror(errno));
  if (dev_path(tmp, sizeof(tmp), dir, "dev.json.tmp") != 0 ||
      dev_path(path, sizeof(path), dir, "dev.json") != 0)
    return dev_fail(&d, "the path is too long");
  json_t *info = dev_info_json(dir, app);
  int rv = info ? json_dump_file(info, tmp,
                                 JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                : -1;
  json_decref(info);
  if (rv != 0 || rename(tmp, path) != 0)
    return dev_fail(&d, "cannot write dev.json");
  return 0;
}

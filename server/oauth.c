/* riptd's OAuth 2.0 state: issuers with their keys, and its own small
 * authorization server. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "app.h"
#include "oauth.h"
#include "ript/oauth.h"
#include "ript_prog.h"

enum {
  OAUTH_JTI_BYTES = 16,
  OAUTH_KID_BYTES = 8,
  OAUTH_JWKS_MAX = 1 << 20,
  /* Tokens remembered as verified: a byway call sends its token with
   * every media chunk, and a signature check each time would cost more
   * than the chunk. Direct-mapped by the token's hash. */
  OAUTH_CACHE_SIZE = 256,
};

/* A token verified before: by the SHA-256 of its bytes, so a lookup's
 * timing says nothing about a token. */
typedef struct oauth_cached {
  uint8_t digest[32];
  const riptd_customer *customer;
  unsigned scopes;
  int64_t verified_ms; /* valid from then (time only moves forward) */
  int64_t until_ms;    /* to exp plus the issuer's skew */
} oauth_cached;

static void oauth_hex(char *out, const uint8_t *raw, size_t n) {
  for (size_t i = 0; i < n; ++i)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

typedef struct oauth_issuer {
  const riptd_issuer_conf *conf; /* NULL for the built-in server */
  ript_oauth_jwks *jwks;
  int64_t loaded_ms; /* when a file was last read; -1: never */
} oauth_issuer;

struct riptd_oauth {
  const riptd_config *cfg;
  oauth_issuer *issuers; /* the configured ones, then the built-in one */
  ript_oauth_issuer *verify; /* what ript_oauth_verify gets */
  size_t *map;               /* verify[k] is issuers[map[k]] */
  size_t n;                  /* configured issuers */
  size_t nverify;            /* n, plus 1 with a built-in server */
  char *audience;
  char *server_issuer;
  char *server_jwks;
  char *authority;
  ript_stir_key *server_key;
  char server_kid[2 * OAUTH_KID_BYTES + 1]; /* from the public key, so a
                                               new key file is a new kid */
  void (*on_unknown_key)(void *data, size_t issuer);
  void *on_unknown_key_data;
  oauth_cached cache[OAUTH_CACHE_SIZE];
};


static int oauth_fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int oauth_fail(char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static int oauth_parse_jwks(oauth_issuer *is, const char *json, size_t len,
                            const char *what, char *errbuf, size_t errlen) {
  ript_oauth_jwks *jwks = NULL;
  ript_parse_error perr = {0, NULL};
  int rv = ript_oauth_jwks_parse(&jwks, json, len, OAUTH_JWKS_MAX, NULL,
                                 &perr);
  if (rv != 0)
    return oauth_fail(errbuf, errlen,
                      "%s: not a usable JWK Set (byte %zu: %s)", what,
                      perr.offset, perr.expected ? perr.expected : "");
  ript_oauth_jwks_del(is->jwks);
  is->jwks = jwks;
  return 0;
}

static int oauth_read_jwks(oauth_issuer *is, char *errbuf, size_t errlen) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = ript_file_read(is->conf->jwks_file, OAUTH_JWKS_MAX, &b);
  if (rv != 0)
    rv = oauth_fail(errbuf, errlen, "cannot read %s: %s",
                    is->conf->jwks_file,
                    rv == RIPT_ERR_NOMEM ? "out of memory" : strerror(errno));
  else
    rv = oauth_parse_jwks(is, (const char *)b.data, b.len,
                          is->conf->jwks_file, errbuf, errlen);
  ript_buf_free(&b);
  return rv;
}

static int oauth_load_server(riptd_oauth *o, char *errbuf, size_t errlen) {
  const char *file = o->cfg->oauth.server_key;
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_parse_error perr = {0, NULL};
  int rv = ript_file_read(file, OAUTH_JWKS_MAX, &b);
  if (rv != 0)
    rv = oauth_fail(errbuf, errlen, "cannot read %s: %s", file,
                    rv == RIPT_ERR_NOMEM ? "out of memory" : strerror(errno));
  else if (ript_stir_key_parse(&o->server_key, b.data, b.len, NULL, &perr))
    rv = oauth_fail(errbuf, errlen, "%s is not an ECDSA P-256 key: %s", file,
                    perr.expected ? perr.expected : "");
  ript_buf_reset(&b);
  uint8_t digest[32];
  if (rv == 0 &&
      (ript_stir_key_export_public(o->server_key, RIPT_STIR_FORMAT_DER, &b) != 0 ||
       gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, digest) != 0))
    rv = oauth_fail(errbuf, errlen, "%s: cannot export the public key", file);
  oauth_hex(o->server_kid, digest, OAUTH_KID_BYTES);
  ript_buf_reset(&b);
  const ript_stir_key *keys[] = {o->server_key};
  const char *kids[] = {o->server_kid};
  oauth_issuer *is = &o->issuers[o->n];
  if (rv == 0 && (ript_oauth_jwks_write(keys, kids, 1, &b) != 0 ||
                  ript_buf_append(&b, "", 1) != 0))
    rv = oauth_fail(errbuf, errlen, "out of memory");
  if (rv == 0) {
    o->server_jwks = (char *)b.data;
    ript_buf_init(&b, NULL);
    rv = oauth_parse_jwks(is, o->server_jwks, strlen(o->server_jwks), file,
                          errbuf, errlen);
  }
  ript_buf_free(&b);
  return rv;
}

static int oauth_load(riptd_oauth *o, char *errbuf, size_t errlen) {
  char line[400];
  for (size_t i = 0; i < o->n; ++i) {
    oauth_issuer *is = &o->issuers[i];
    is->conf = &o->cfg->oauth.issuers[i];
    is->loaded_ms = -1;
    if (is->conf->jwks_file && oauth_read_jwks(is, line, sizeof(line)) != 0)
      return oauth_fail(errbuf, errlen, "%s: $.oauth.issuers[%zu]: %s",
                        o->cfg->path, i, line);
  }
  if (o->cfg->oauth.server_key && oauth_load_server(o, line, sizeof(line)))
    return oauth_fail(errbuf, errlen, "%s: $.oauth.server.key: %s",
                      o->cfg->path, line);
  return 0;
}

int riptd_oauth_new(riptd_oauth **po, const riptd_config *cfg, char *errbuf,
                    size_t errlen) {
  riptd_oauth *o = calloc(1, sizeof(*o));
  if (!o)
    return oauth_fail(errbuf, errlen, "out of memory");
  o->cfg = cfg;
  o->n = cfg->oauth.nissuers;
  o->nverify = o->n + (cfg->oauth.server_key ? 1 : 0);
  o->issuers = calloc(o->nverify + 1, sizeof(*o->issuers));
  o->verify = calloc(o->nverify + 1, sizeof(*o->verify));
  o->map = calloc(o->nverify + 1, sizeof(*o->map));
  if (!o->issuers || !o->verify || !o->map) {
    riptd_oauth_del(o);
    return oauth_fail(errbuf, errlen, "out of memory");
  }
  if (oauth_load(o, errbuf, errlen) != 0) {
    riptd_oauth_del(o);
    return -1;
  }
  *po = o;
  return 0;
}

void riptd_oauth_del(riptd_oauth *o) {
  if (!o)
    return;
  for (size_t i = 0; o->issuers && i < o->nverify; ++i)
    ript_oauth_jwks_del(o->issuers[i].jwks);
  free(o->issuers);
  free(o->verify);
  free(o->map);
  free(o->audience);
  free(o->server_issuer);
  free(o->server_jwks);
  free(o->authority);
  ript_stir_key_del(o->server_key);
  free(o);
}

static int oauth_replace(char **field, const char *value) {
  char *copy = strdup(value);
  if (!copy)
    return RIPT_ERR_NOMEM;
  free(*field);
  *field = copy;
  return 0;
}

int riptd_oauth_set_uris(riptd_oauth *o, const char *authority,
                         const char *root) {
  const riptd_oauth_conf *oc = &o->cfg->oauth;
  ript_buf iss;
  ript_buf_init(&iss, NULL);
  int rv = oauth_replace(&o->audience, oc->audience ? oc->audience : root);
  if (rv == 0)
    rv = oauth_replace(&o->authority, authority);
  if (rv == 0)
    rv = oc->server_issuer ? ript_buf_append_str(&iss, oc->server_issuer)
                           : ript_buf_printf(&iss, "https://%s", authority);
  if (rv == 0) {
    free(o->server_issuer);
    o->server_issuer = (char *)iss.data;
    return 0;
  }
  ript_buf_free(&iss);
  return rv;
}

/* The issuers as ript_oauth_verify takes them, keys as they are now; an
 * issuer without keys yet (a URI not fetched) is left out, and
 * |o->map| says which issuer each entry is. Returns how many. */
static size_t oauth_fill_verify(riptd_oauth *o) {
  size_t n = 0;
  for (size_t i = 0; i < o->nverify; ++i) {
    const oauth_issuer *is = &o->issuers[i];
    if (!is->jwks)
      continue;
    ript_oauth_issuer *v = &o->verify[n];
    ript_oauth_issuer_init(v);
    v->audience = o->audience;
    v->jwks = is->jwks;
    if (is->conf) {
      v->issuer = is->conf->issuer;
      v->customer_claim = is->conf->customer_claim;
      v->skew_s = is->conf->skew_s;
      v->flags = is->conf->legacy_typ ? RIPT_OAUTH_FLAG_LEGACY_TYP : 0;
    } else {
      v->issuer = o->server_issuer;
      v->customer_claim = RIPTD_OAUTH_CUSTOMER_CLAIM;
      v->skew_s = 0; /* its own tokens, on its own clock */
    }
    o->map[n++] = i;
  }
  return n;
}

static void oauth_cache_clear(riptd_oauth *o) {
  memset(o->cache, 0, sizeof(o->cache));
}

/* The slot of the token whose SHA-256 is |digest|. */
static oauth_cached *oauth_cache_slot(riptd_oauth *o, const uint8_t *digest) {
  return &o->cache[(digest[0] | (unsigned)digest[1] << 8) % OAUTH_CACHE_SIZE];
}

/* A kid the issuer lacks: its file is read again (rotation), a URI is
 * fetched again by the binding. Returns 1 if the keys changed. */
static int oauth_refresh(riptd_oauth *o, size_t i, int64_t now_ms) {
  oauth_issuer *is = &o->issuers[i];
  if (!is->conf)
    return 0;
  if (is->conf->jwks_uri) {
    if (o->on_unknown_key)
      o->on_unknown_key(o->on_unknown_key_data, i);
    return 0;
  }
  if (is->loaded_ms >= 0 && now_ms - is->loaded_ms < RIPTD_OAUTH_RELOAD_MIN_MS)
    return 0;
  is->loaded_ms = now_ms;
  char line[400];
  if (oauth_read_jwks(is, line, sizeof(line)) != 0)
    return 0;
  oauth_cache_clear(o); /* a key may be gone: its tokens with it */
  return 1;
}

static int oauth_verify_once(riptd_oauth *o, const char *tok, size_t len,
                             int64_t now_ms, ript_oauth_token *t) {
  size_t n = o->audience ? oauth_fill_verify(o) : 0;
  if (n == 0)
    return RIPT_ERR_MISMATCH;
  int rv = ript_oauth_verify(o->verify, n, tok, len, now_ms / 1000, t, NULL);
  if (rv == 0 || rv == RIPT_ERR_UNKNOWN_KEY)
    t->issuer = o->map[t->issuer];
  return rv;
}

static unsigned oauth_scopes(const riptd_oauth *o, const ript_oauth_token *t) {
  unsigned s = 0;
  if (ript_oauth_token_has_scope(t, o->cfg->oauth.call_scope) == 1)
    s |= RIPTD_SCOPE_CALL;
  if (ript_oauth_token_has_scope(t, o->cfg->oauth.admin_scope) == 1)
    s |= RIPTD_SCOPE_ADMIN;
  return s;
}

/* Remembers a token just verified, until it expires. */
static void oauth_cache_put(riptd_oauth *o, const uint8_t *digest,
                            const ript_oauth_token *t,
                            const riptd_customer *customer, unsigned scopes,
                            int64_t now_ms) {
  const riptd_issuer_conf *conf = o->issuers[t->issuer].conf;
  oauth_cached *c = oauth_cache_slot(o, digest);
  memcpy(c->digest, digest, sizeof(c->digest));
  c->customer = customer;
  c->scopes = scopes;
  c->verified_ms = now_ms;
  c->until_ms = (t->exp + (conf ? conf->skew_s : 0)) * 1000;
}

int riptd_oauth_verify(riptd_oauth *o, const char *tok, size_t len,
                       int64_t now_ms, const riptd_customer **customer,
                       unsigned *scopes, const char **reason) {
  uint8_t digest[32];
  int hashed = gnutls_hash_fast(GNUTLS_DIG_SHA256, tok, len, digest) == 0;
  oauth_cached *c = hashed ? oauth_cache_slot(o, digest) : NULL;
  if (c && c->customer && memcmp(c->digest, digest, sizeof(digest)) == 0 &&
      now_ms >= c->verified_ms && now_ms < c->until_ms) {
    *customer = c->customer;
    *scopes = c->scopes;
    *reason = NULL;
    return 0;
  }
  ript_oauth_token t;
  ript_oauth_token_init(&t, NULL);
  int rv = oauth_verify_once(o, tok, len, now_ms, &t);
  if (rv == RIPT_ERR_UNKNOWN_KEY && oauth_refresh(o, t.issuer, now_ms))
    rv = oauth_verify_once(o, tok, len, now_ms, &t);
  *reason = t.error_description;
  if (rv == RIPT_ERR_MISMATCH && !*reason)
    *reason = "no authorization server is configured here";
  if (rv == 0) {
    *customer = riptd_config_customer(o->cfg, t.customer);
    *scopes = oauth_scopes(o, &t);
    if (!*customer) {
      rv = RIPT_ERR_MISMATCH;
      *reason = "the token names a customer this server does not have";
    } else if (hashed) {
      oauth_cache_put(o, digest, &t, *customer, *scopes, now_ms);
    }
  }
  ript_oauth_token_free(&t);
  return rv;
}

size_t riptd_oauth_nissuers(const riptd_oauth *o) { return o->n; }

const riptd_issuer_conf *riptd_oauth_issuer_conf(const riptd_oauth *o,
                                                 size_t i) {
  return i < o->n ? o->issuers[i].conf : NULL;
}

int riptd_oauth_set_keys(riptd_oauth *o, size_t i, const char *json,
                         size_t len, char *errbuf, size_t errlen) {
  if (i >= o->n)
    return oauth_fail(errbuf, errlen, "no issuer %zu", i);
  int rv = oauth_parse_jwks(&o->issuers[i], json, len,
                            o->issuers[i].conf->issuer, errbuf, errlen);
  if (rv == 0)
    oauth_cache_clear(o);
  return rv;
}

void riptd_oauth_on_unknown_key(riptd_oauth *o,
                                void (*cb)(void *data, size_t issuer),
                                void *data) {
  o->on_unknown_key = cb;
  o->on_unknown_key_data = data;
}

/* ---- the built-in authorization server ---- */

const char *riptd_oauth_server_issuer(const riptd_oauth *o) {
  return o->server_key ? o->server_issuer : NULL;
}

const char *riptd_oauth_server_jwks(const riptd_oauth *o) {
  return o->server_jwks;
}

int riptd_oauth_server_metadata(const riptd_oauth *o, ript_buf *out) {
  if (!o->server_key || !o->server_issuer || !o->authority)
    return RIPT_ERR_INVALID_ARGUMENT;
  const riptd_oauth_conf *oc = &o->cfg->oauth;
  char token[300], jwks[300];
  snprintf(token, sizeof(token), "https://%s/oauth/token", o->authority);
  snprintf(jwks, sizeof(jwks), "https://%s/oauth/jwks", o->authority);
  json_t *meta = json_pack(
      "{s:s, s:s, s:s, s:[s,s], s:[s,s], s:[s,s], s:[]}", "issuer",
      o->server_issuer, "token_endpoint", token, "jwks_uri", jwks,
      "grant_types_supported", "client_credentials", "refresh_token",
      "token_endpoint_auth_methods_supported", "client_secret_basic",
      "client_secret_post", "scopes_supported", oc->call_scope,
      oc->admin_scope, "response_types_supported");
  char *text = meta ? json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                    : NULL;
  json_decref(meta);
  int rv = text ? ript_buf_append_str(out, text) : RIPT_ERR_NOMEM;
  free(text);
  return rv;
}

int riptd_oauth_server_issue(riptd_oauth *o, const riptd_client_conf *client,
                             const char *scope, int64_t now_ms,
                             ript_buf *out) {
  uint8_t raw[OAUTH_JTI_BYTES];
  char jti[2 * OAUTH_JTI_BYTES + 1];
  if (riptd_app_random(raw, sizeof(raw)) != 0)
    return RIPT_ERR_CRYPTO;
  oauth_hex(jti, raw, sizeof(raw));
  const riptd_customer *cu = &o->cfg->customers[client->customer];
  ript_oauth_claims c = {
      .issuer = o->server_issuer,
      .audience = o->audience,
      .subject = client->id,
      .client_id = client->id,
      .jti = jti,
      .scope = scope,
      .iat = now_ms / 1000,
      .exp = now_ms / 1000 + o->cfg->oauth.token_lifetime_s,
      .customer_claim = RIPTD_OAUTH_CUSTOMER_CLAIM,
      .customer = cu->name,
  };
  return ript_oauth_sign(&c, o->server_kid, o->server_key, out);
}

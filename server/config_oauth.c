/* The "oauth" section of riptd's configuration: the authorization servers
 * whose tokens riptd accepts, and riptd's own small one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "ript/uri.h"

enum { CONFIG_SECRET_MIN = 16 };

static int oauth_is_https(const char *uri) {
  return ript_uri_parse(uri, strlen(uri), 0, NULL, NULL) == 0;
}

/* An https URI member; absent leaves |*out| NULL unless |required|. */
static int oauth_uri(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, char **out) {
  int rv = riptd_cfg_string(c, obj, key, required, out);
  if (rv != 0 || !*out || oauth_is_https(*out))
    return rv;
  riptd_cfg_push_key(c, key);
  return riptd_cfg_fail(c, "expected an https URI");
}

/* RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ). */
static int oauth_is_scope_token(const char *s) {
  if (!*s)
    return 0;
  for (; *s; ++s)
    if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
      return 0;
  return 1;
}

static int oauth_scope_name(riptd_cfg_ctx *c, json_t *obj, const char *key,
                            const char *dflt, char **out) {
  int rv = riptd_cfg_string(c, obj, key, 0, out);
  if (rv != 0)
    return rv;
  if (!*out)
    return (*out = strdup(dflt)) ? 0 : riptd_cfg_nomem(c);
  if (oauth_is_scope_token(*out))
    return 0;
  riptd_cfg_push_key(c, key);
  return riptd_cfg_fail(c, "expected one RFC 6749 scope token (no spaces)");
}

/* RFC 8414 metadata, served verbatim (comment members dropped). */
static int oauth_metadata(riptd_cfg_ctx *c, json_t *oauth,
                          riptd_oauth_conf *o) {
  json_t *meta;
  size_t saved;
  int rv = riptd_cfg_object(c, oauth, "metadata", 0, &meta, &saved);
  if (rv != 0 || !meta)
    return rv;
  char *issuer = NULL;
  rv = oauth_uri(c, meta, "issuer", 1, &issuer);
  free(issuer);
  if (rv != 0)
    return rv;
  json_t *copy = json_deep_copy(meta);
  if (!copy)
    return riptd_cfg_nomem(c);
  const char *key;
  json_t *value;
  void *tmp;
  json_object_foreach_safe(copy, tmp, key, value) {
    if (key[0] == '_')
      json_object_del(copy, key);
  }
  o->metadata = json_dumps(copy, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(copy);
  if (!o->metadata)
    return riptd_cfg_nomem(c);
  riptd_cfg_pop(c, saved);
  return 0;
}

static int oauth_issuer(riptd_cfg_ctx *c, json_t *obj, void *elem, void *ctx) {
  riptd_issuer_conf *is = elem;
  const riptd_oauth_conf *o = ctx;
  static const char *const members[] = {
      "issuer",         "jwks-file", "jwks-uri", "jwks-cacert",
      "customer-claim", "skew-s",    "legacy-typ", NULL};
  if (!json_is_object(obj))
    return riptd_cfg_fail(c, "expected an object");
  is->skew_s = 60;
  int rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = oauth_uri(c, obj, "issuer", 1, &is->issuer)) != 0 ||
      (rv = riptd_cfg_file(c, obj, "jwks-file", 0, &is->jwks_file)) != 0 ||
      (rv = oauth_uri(c, obj, "jwks-uri", 0, &is->jwks_uri)) != 0 ||
      (rv = riptd_cfg_file(c, obj, "jwks-cacert", 0, &is->jwks_cacert)) != 0 ||
      (rv = riptd_cfg_string(c, obj, "customer-claim", 0,
                             &is->customer_claim)) != 0 ||
      (rv = riptd_cfg_int(c, obj, "skew-s", 0, 600, &is->skew_s)) != 0 ||
      (rv = riptd_cfg_bool(c, obj, "legacy-typ", &is->legacy_typ)) != 0)
    return rv;
  if (!is->jwks_file == !is->jwks_uri)
    return riptd_cfg_fail(c, "expected exactly one of \"jwks-file\" and "
                             "\"jwks-uri\"");
  if (is->jwks_cacert && !is->jwks_uri)
    return riptd_cfg_fail(c, "\"jwks-cacert\" only goes with \"jwks-uri\"");
  if (!is->customer_claim && !(is->customer_claim = strdup("sub")))
    return riptd_cfg_nomem(c);
  for (riptd_issuer_conf *p = o->issuers; p < is; ++p) {
    if (strcmp(p->issuer, is->issuer) == 0) {
      riptd_cfg_push_key(c, "issuer");
      return riptd_cfg_fail(c, "issuer \"%s\" is already listed", is->issuer);
    }
  }
  return 0;
}

static int oauth_scope_is(const char *p, size_t len, const char *scope) {
  return len == strlen(scope) && strncmp(p, scope, len) == 0;
}

/* A client's scope: the call and/or admin scope, one space between. */
static int oauth_client_scope(riptd_cfg_ctx *c, json_t *obj,
                              const riptd_oauth_conf *o,
                              riptd_client_conf *cl) {
  int rv = riptd_cfg_string(c, obj, "scope", 0, &cl->scope);
  if (rv != 0)
    return rv;
  if (!cl->scope) {
    size_t n = strlen(o->call_scope) + strlen(o->admin_scope) + 2;
    if (!(cl->scope = malloc(n)))
      return riptd_cfg_nomem(c);
    snprintf(cl->scope, n, "%s %s", o->call_scope, o->admin_scope);
    return 0;
  }
  for (const char *p = cl->scope;; ++p) {
    size_t len = strcspn(p, " ");
    if (!oauth_scope_is(p, len, o->call_scope) &&
        !oauth_scope_is(p, len, o->admin_scope)) {
      riptd_cfg_push_key(c, "scope");
      return riptd_cfg_fail(c,
                            "expected \"%s\" and/or \"%s\", separated by one "
                            "space",
                            o->call_scope, o->admin_scope);
    }
    p += len;
    if (!*p)
      return 0;
  }
}

/* A secret or refresh token: a b64token long enough not to be guessed. */
static int oauth_secret_ok(riptd_cfg_ctx *c, const char *what, const char *s) {
  if (!riptd_cfg_is_b64token(s))
    return riptd_cfg_fail(c, "a %s is 1*(A-Z a-z 0-9 - . _ ~ + /) *\"=\"",
                          what);
  if (strlen(s) < CONFIG_SECRET_MIN)
    return riptd_cfg_fail(c, "a %s needs at least %d characters", what,
                          CONFIG_SECRET_MIN);
  return 0;
}

static int oauth_refresh_taken(const riptd_oauth_conf *o, const char *tok) {
  for (size_t i = 0; i < o->nclients; ++i)
    for (size_t j = 0; j < o->clients[i].nrefresh_tokens; ++j)
      if (o->clients[i].refresh_tokens[j] &&
          strcmp(o->clients[i].refresh_tokens[j], tok) == 0)
        return 1;
  return 0;
}

static int oauth_refresh_tokens(riptd_cfg_ctx *c, json_t *obj,
                                const riptd_oauth_conf *o,
                                riptd_client_conf *cl) {
  json_t *arr;
  size_t saved;
  int rv = riptd_cfg_array(c, obj, "refresh-tokens", 0, 1, &arr, &saved);
  if (rv != 0 || !arr)
    return rv;
  cl->refresh_tokens = calloc(json_array_size(arr), sizeof(char *));
  if (!cl->refresh_tokens)
    return riptd_cfg_nomem(c);
  for (size_t i = 0; i < json_array_size(arr); ++i) {
    size_t at = riptd_cfg_push_index(c, i);
    char *tok = NULL;
    if ((rv = riptd_cfg_string_value(c, json_array_get(arr, i), &tok)) != 0)
      return rv;
    int taken = oauth_refresh_taken(o, tok);
    cl->refresh_tokens[cl->nrefresh_tokens++] = tok;
    if ((rv = oauth_secret_ok(c, "refresh token", tok)) != 0)
      return rv;
    if (taken)
      return riptd_cfg_fail(c, "this refresh token is already listed");
    riptd_cfg_pop(c, at);
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

static int oauth_client(riptd_cfg_ctx *c, json_t *obj, void *elem, void *ctx) {
  riptd_client_conf *cl = elem;
  const riptd_config *cfg = ctx;
  const riptd_oauth_conf *o = &cfg->oauth;
  static const char *const members[] = {"id",    "secret",         "customer",
                                        "scope", "refresh-tokens", NULL};
  if (!json_is_object(obj))
    return riptd_cfg_fail(c, "expected an object");
  char *customer = NULL;
  int rv;
  if ((rv = riptd_cfg_members(c, obj, members)) != 0 ||
      (rv = riptd_cfg_string(c, obj, "id", 1, &cl->id)) != 0 ||
      (rv = riptd_cfg_string(c, obj, "secret", 1, &cl->secret)) != 0 ||
      (rv = riptd_cfg_string(c, obj, "customer", 1, &customer)) != 0)
    return rv;
  const riptd_customer *cu = riptd_config_customer(cfg, customer);
  free(customer);
  if (!cu) {
    riptd_cfg_push_key(c, "customer");
    return riptd_cfg_fail(c, "no customer has this name");
  }
  cl->customer = (size_t)(cu - cfg->customers);
  for (riptd_client_conf *p = o->clients; p < cl; ++p) {
    if (strcmp(p->id, cl->id) == 0) {
      riptd_cfg_push_key(c, "id");
      return riptd_cfg_fail(c, "client \"%s\" is already defined", cl->id);
    }
  }
  size_t at = riptd_cfg_push_key(c, "secret");
  if ((rv = oauth_secret_ok(c, "client secret", cl->secret)) != 0)
    return rv;
  riptd_cfg_pop(c, at);
  if ((rv = oauth_client_scope(c, obj, o, cl)) != 0 ||
      (rv = oauth_refresh_tokens(c, obj, o, cl)) != 0)
    return rv;
  return 0;
}

static int oauth_server(riptd_cfg_ctx *c, json_t *oauth,
                        const riptd_config *cfg, riptd_oauth_conf *o) {
  static const char *const members[] = {
      "key", "issuer", "token-lifetime-s", "token-requests-per-second",
      "clients", NULL};
  json_t *server;
  size_t saved;
  int rv = riptd_cfg_object(c, oauth, "server", 0, &server, &saved);
  if (rv != 0 || !server)
    return rv;
  if ((rv = riptd_cfg_members(c, server, members)) != 0 ||
      (rv = riptd_cfg_file(c, server, "key", 1, &o->server_key)) != 0 ||
      (rv = oauth_uri(c, server, "issuer", 0, &o->server_issuer)) != 0 ||
      (rv = riptd_cfg_int(c, server, "token-lifetime-s", 5, 86400,
                          &o->token_lifetime_s)) != 0 ||
      (rv = riptd_cfg_int(c, server, "token-requests-per-second", 1, 100000,
                          &o->token_requests_per_second)) != 0 ||
      (rv = riptd_cfg_elements(c, server, "clients", 1, 1, sizeof(*o->clients),
                               (void **)&o->clients, &o->nclients, oauth_client,
                               (void *)(uintptr_t)cfg)) != 0)
    return rv;
  for (size_t i = 0; o->server_issuer && i < o->nissuers; ++i) {
    if (strcmp(o->issuers[i].issuer, o->server_issuer) == 0) {
      riptd_cfg_push_key(c, "issuer");
      return riptd_cfg_fail(c, "\"%s\" is also in $.oauth.issuers",
                            o->server_issuer);
    }
  }
  riptd_cfg_pop(c, saved);
  return 0;
}

int riptd_cfg_oauth(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg) {
  static const char *const members[] = {
      "audience", "call-scope", "admin-scope", "jwks-refresh-s",
      "metadata", "issuers",    "server",      NULL};
  riptd_oauth_conf *o = &cfg->oauth;
  o->jwks_refresh_s = RIPTD_DEFAULT_JWKS_REFRESH_S;
  o->token_lifetime_s = RIPTD_DEFAULT_TOKEN_LIFETIME_S;
  o->token_requests_per_second = RIPTD_DEFAULT_TOKEN_REQUESTS_PER_SECOND;
  json_t *oauth;
  size_t saved;
  int rv = riptd_cfg_object(c, root, "oauth", 0, &oauth, &saved);
  if (rv != 0)
    return rv;
  if (!oauth) {
    if (!(o->call_scope = strdup(RIPTD_DEFAULT_CALL_SCOPE)) ||
        !(o->admin_scope = strdup(RIPTD_DEFAULT_ADMIN_SCOPE)))
      return riptd_cfg_nomem(c);
    return 0;
  }
  if ((rv = riptd_cfg_members(c, oauth, members)) != 0 ||
      (rv = oauth_uri(c, oauth, "audience", 0, &o->audience)) != 0 ||
      (rv = oauth_scope_name(c, oauth, "call-scope", RIPTD_DEFAULT_CALL_SCOPE,
                             &o->call_scope)) != 0 ||
      (rv = oauth_scope_name(c, oauth, "admin-scope", RIPTD_DEFAULT_ADMIN_SCOPE,
                             &o->admin_scope)) != 0 ||
      (rv = riptd_cfg_int(c, oauth, "jwks-refresh-s", 10, 86400,
                          &o->jwks_refresh_s)) != 0 ||
      (rv = oauth_metadata(c, oauth, o)) != 0 ||
      (rv = riptd_cfg_elements(c, oauth, "issuers", 0, 1, sizeof(*o->issuers),
                               (void **)&o->issuers, &o->nissuers, oauth_issuer,
                               o)) != 0 ||
      (rv = oauth_server(c, oauth, cfg, o)) != 0)
    return rv;
  if (strcmp(o->call_scope, o->admin_scope) == 0)
    return riptd_cfg_fail(c, "\"call-scope\" and \"admin-scope\" must differ");
  riptd_cfg_pop(c, saved);
  return 0;
}

static void oauth_free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    free(v[i]);
  free(v);
}

void riptd_cfg_oauth_free(riptd_oauth_conf *o) {
  free(o->audience);
  free(o->call_scope);
  free(o->admin_scope);
  free(o->metadata);
  for (size_t i = 0; i < o->nissuers; ++i) {
    riptd_issuer_conf *is = &o->issuers[i];
    free(is->issuer);
    free(is->jwks_file);
    free(is->jwks_uri);
    free(is->jwks_cacert);
    free(is->customer_claim);
  }
  free(o->issuers);
  free(o->server_key);
  free(o->server_issuer);
  for (size_t i = 0; i < o->nclients; ++i) {
    riptd_client_conf *cl = &o->clients[i];
    free(cl->id);
    free(cl->secret);
    free(cl->scope);
    oauth_free_strings(cl->refresh_tokens, cl->nrefresh_tokens);
  }
  free(o->clients);
  memset(o, 0, sizeof(*o));
}

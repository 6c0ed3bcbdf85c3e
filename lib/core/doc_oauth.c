/* OAuth 2.0 documents a RIPT client reads: the token endpoint's answer
 * (RFC 6749 §5.1) and authorization server metadata (RFC 8414). */
#include <string.h>
#include <strings.h>

#include "doc_json.h"

#define TOKEN_EXPIRES_MAX 2147483647

static const char TOKEN_EXP_ACCESS[] =
    "\"access_token\" as a bearer token (RFC 6750 b64token)";
static const char TOKEN_EXP_TYPE[] = "\"token_type\" as \"Bearer\"";
static const char TOKEN_EXP_EXPIRES[] =
    "\"expires_in\" as an integer number of seconds from 1";
static const char TOKEN_EXP_REFRESH[] =
    "\"refresh_token\" as a non-empty string";
static const char TOKEN_EXP_SCOPE[] = "\"scope\" as a string";
static const char META_EXP_ISSUER[] = "\"issuer\" as an https URI";
static const char META_EXP_TOKEN[] = "\"token_endpoint\" as an https URI";
static const char META_EXP_JWKS[] = "\"jwks_uri\" as an https URI";

void ript_doc_token_init(ript_doc_token *t) {
  memset(t, 0, sizeof(*t));
  t->expires_in = -1;
}

void ript_doc_token_free(ript_doc_token *t) {
  if (!t)
    return;
  ript_doc_store_free(&t->store);
  ript_doc_token_init(t);
}

/* RFC 6750 §2.1 b64token. */
static int token_is_b64token(const char *s) {
  size_t i = 0;
  while (s[i] && (strchr("-._~+/", s[i]) || (s[i] >= 'A' && s[i] <= 'Z') ||
                  (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
    ++i;
  if (i == 0)
    return 0;
  while (s[i] == '=')
    ++i;
  return s[i] == '\0';
}

static int token_check(const ript_doc_in *in, const ript_doc_token *t) {
  ript_doc_at at_access = {&ript_doc_at_root, "access_token", 0};
  ript_doc_at at_type = {&ript_doc_at_root, "token_type", 0};
  ript_doc_at at_expires = {&ript_doc_at_root, "expires_in", 0};
  ript_doc_at at_refresh = {&ript_doc_at_root, "refresh_token", 0};
  ript_doc_at at_scope = {&ript_doc_at_root, "scope", 0};
  if (!t->access_token || !token_is_b64token(t->access_token))
    return ript_doc_fail(in, &at_access, TOKEN_EXP_ACCESS);
  if (!t->token_type || strcasecmp(t->token_type, "Bearer") != 0)
    return ript_doc_fail(in, &at_type, TOKEN_EXP_TYPE);
  if (t->expires_in != -1 &&
      (t->expires_in < 1 || t->expires_in > TOKEN_EXPIRES_MAX))
    return ript_doc_fail(in, &at_expires, TOKEN_EXP_EXPIRES);
  int rv = ript_doc_check_string(in, &at_refresh, t->refresh_token,
                                 RIPT_DOC_CHECK_NONEMPTY, TOKEN_EXP_REFRESH);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_scope, t->scope, 0, TOKEN_EXP_SCOPE);
  return rv;
}

static int token_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_token *t = doc;
  const ript_doc_at *at = &ript_doc_at_root;
  int rv = ript_doc_get_string(in, root, at, "access_token", TOKEN_EXP_ACCESS,
                               &t->access_token);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "token_type", TOKEN_EXP_TYPE,
                             &t->token_type);
  if (rv == 0) {
    int64_t v;
    rv = ript_doc_get_int(in, root, at, "expires_in", TOKEN_EXP_EXPIRES, &v);
    if (rv == 1) {
      ript_doc_at at_expires = {at, "expires_in", 0};
      if (v < 1 || v > TOKEN_EXPIRES_MAX)
        return ript_doc_fail(in, &at_expires, TOKEN_EXP_EXPIRES);
      t->expires_in = v;
      rv = 0;
    }
  }
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "refresh_token", TOKEN_EXP_REFRESH,
                             &t->refresh_token);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "scope", TOKEN_EXP_SCOPE,
                             &t->scope);
  return rv != 0 ? rv : token_check(in, t);
}

int ript_doc_token_parse(ript_doc_token *t, const char *json, size_t len,
                         size_t max_len, ript_parse_error *err,
                         const ript_mem *mem) {
  if (!t)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_token_init(t);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &t->store,
                          token_extract, t);
  if (rv != 0)
    ript_doc_token_init(t);
  return rv;
}

int ript_doc_token_write(const ript_doc_token *t, ript_buf *out) {
  if (!t || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = token_check(NULL, t);
  if (rv != 0)
    return rv;
  json_t *root = json_object();
  if (root &&
      (ript_doc_set(root, "access_token", json_string(t->access_token)) ||
       ript_doc_set(root, "token_type", json_string(t->token_type)) ||
       (t->expires_in != -1 &&
        ript_doc_set(root, "expires_in", json_integer(t->expires_in))) ||
       (t->refresh_token &&
        ript_doc_set(root, "refresh_token", json_string(t->refresh_token))) ||
       (t->scope && ript_doc_set(root, "scope", json_string(t->scope))))) {
    json_decref(root);
    return RIPT_ERR_NOMEM;
  }
  return ript_doc_dump(root, out);
}

/* ---- authorization server metadata ---- */

void ript_doc_oauth_meta_init(ript_doc_oauth_meta *m) {
  memset(m, 0, sizeof(*m));
}

void ript_doc_oauth_meta_free(ript_doc_oauth_meta *m) {
  if (!m)
    return;
  ript_doc_store_free(&m->store);
  ript_doc_oauth_meta_init(m);
}

static int meta_check(const ript_doc_in *in, const ript_doc_oauth_meta *m) {
  ript_doc_at at_issuer = {&ript_doc_at_root, "issuer", 0};
  ript_doc_at at_token = {&ript_doc_at_root, "token_endpoint", 0};
  ript_doc_at at_jwks = {&ript_doc_at_root, "jwks_uri", 0};
  int rv = ript_doc_check_uri(in, &at_issuer, m->issuer, 1, 0,
                              META_EXP_ISSUER);
  if (rv == 0)
    rv = ript_doc_check_uri(in, &at_token, m->token_endpoint, 0, 0,
                            META_EXP_TOKEN);
  if (rv == 0)
    rv = ript_doc_check_uri(in, &at_jwks, m->jwks_uri, 0, 0, META_EXP_JWKS);
  return rv;
}

static int meta_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_oauth_meta *m = doc;
  const ript_doc_at *at = &ript_doc_at_root;
  int rv = ript_doc_get_string(in, root, at, "issuer", META_EXP_ISSUER,
                               &m->issuer);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "token_endpoint", META_EXP_TOKEN,
                             &m->token_endpoint);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "jwks_uri", META_EXP_JWKS,
                             &m->jwks_uri);
  return rv != 0 ? rv : meta_check(in, m);
}

int ript_doc_oauth_meta_parse(ript_doc_oauth_meta *m, const char *json,
                              size_t len, size_t max_len,
                              ript_parse_error *err, const ript_mem *mem) {
  if (!m)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_oauth_meta_init(m);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &m->store,
                          meta_extract, m);
  if (rv != 0)
    ript_doc_oauth_meta_init(m);
  return rv;
}

int ript_doc_oauth_meta_write(const ript_doc_oauth_meta *m, ript_buf *out) {
  if (!m || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = meta_check(NULL, m);
  if (rv != 0)
    return rv;
  json_t *root = json_object();
  if (root &&
      (ript_doc_set(root, "issuer", json_string(m->issuer)) ||
       (m->token_endpoint && ript_doc_set(root, "token_endpoint",
                                          json_string(m->token_endpoint))) ||
       (m->jwks_uri &&
        ript_doc_set(root, "jwks_uri", json_string(m->jwks_uri))))) {
    json_decref(root);
    return RIPT_ERR_NOMEM;
  }
  return ript_doc_dump(root, out);
}

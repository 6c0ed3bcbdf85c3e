/*
 * OAuth 2.0 access tokens for a client: requests to the token endpoint
 * (client credentials or refresh token grant), the token swapped in for
 * the requests that follow, and a timer that refreshes it before it
 * expires, or at once when a server refuses it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "client_internal.h"
#include "ript_mem.h"

enum {
  OAUTH_UNKNOWN_LIFETIME_S = 300,
  OAUTH_FIRST_BACKOFF_MS = 1000,
};

struct client_oauth {
  ript_client *client;
  uv_timer_t timer;
  char *endpoint, *client_id, *client_secret, *refresh_token, *scope;
  char *basic; /* "Basic base64(id:secret)", or NULL */
  ript_client_token_cb cb;
  void *user_data;
  ript_client_req *req;  /* the token request in flight, or NULL */
  uint64_t last_ms;      /* when the last request started */
  uint64_t backoff_ms;   /* after a failure; 0 after a success */
  uint64_t refusals;
  int closing;
  int timer_closed;
};

/* ---- form encoding (RFC 6749 Appendix B) ---- */

static int oauth_form_escape(ript_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  int rv = 0;
  for (; *s && rv == 0; ++s) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || strchr("-._~", c)) {
      rv = ript_buf_append(out, s, 1);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      rv = ript_buf_append(out, esc, 3);
    }
  }
  return rv;
}

/* Appends "&name=value" (no '&' when |out| is empty). */
static int oauth_form_add(ript_buf *out, const char *name,
                          const char *value) {
  int rv = out->len ? ript_buf_append(out, "&", 1) : 0;
  if (rv == 0)
    rv = ript_buf_printf(out, "%s=", name);
  return rv == 0 ? oauth_form_escape(out, value) : rv;
}

/* "Basic " base64(urlencode(id) ":" urlencode(secret)) (§2.3.1). */
static int oauth_basic(client_oauth *o) {
  ript_buf plain, out;
  ript_buf_init(&plain, o->client->mem);
  ript_buf_init(&out, o->client->mem);
  int rv = oauth_form_escape(&plain, o->client_id);
  if (rv == 0)
    rv = ript_buf_append(&plain, ":", 1);
  if (rv == 0)
    rv = oauth_form_escape(&plain, o->client_secret);
  gnutls_datum_t in = {plain.data, (unsigned)plain.len}, b64 = {NULL, 0};
  if (rv == 0 && gnutls_base64_encode2(&in, &b64) != 0)
    rv = RIPT_ERR_NOMEM;
  if (rv == 0)
    rv = ript_buf_printf(&out, "Basic %.*s", (int)b64.size, b64.data);
  if (b64.data) {
    memset(b64.data, 0, b64.size);
    gnutls_free(b64.data);
  }
  if (plain.data)
    memset(plain.data, 0, plain.len);
  ript_buf_free(&plain);
  if (rv != 0) {
    ript_buf_free(&out);
    return rv;
  }
  o->basic = (char *)out.data;
  return 0;
}

static int oauth_form(const client_oauth *o, ript_buf *body) {
  int rv;
  if (o->refresh_token) {
    rv = oauth_form_add(body, "grant_type", "refresh_token");
    if (rv == 0)
      rv = oauth_form_add(body, "refresh_token", o->refresh_token);
  } else {
    rv = oauth_form_add(body, "grant_type", "client_credentials");
  }
  if (rv == 0 && o->scope)
    rv = oauth_form_add(body, "scope", o->scope);
  return rv;
}

/* ---- the request and its answer ---- */

static void oauth_schedule(client_oauth *o, uint64_t in_ms);
static void oauth_free(client_oauth *o);

static void oauth_report(client_oauth *o, const ript_client_result *res,
                         int64_t expires_in) {
  if (res->code != 0) {
    o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : OAUTH_FIRST_BACKOFF_MS;
    if (o->backoff_ms > RIPT_CLIENT_OAUTH_MAX_BACKOFF_MS)
      o->backoff_ms = RIPT_CLIENT_OAUTH_MAX_BACKOFF_MS;
    oauth_schedule(o, o->backoff_ms);
  } else {
    o->backoff_ms = 0;
    int64_t life = expires_in > 0 ? expires_in : OAUTH_UNKNOWN_LIFETIME_S;
    oauth_schedule(o, (uint64_t)life * 750);
  }
  if (o->cb)
    o->cb(o->client, res, res->code == 0 ? expires_in : -1, o->user_data);
}

/* A refresh token in the answer replaces the old one (rotation). */
static int oauth_take(client_oauth *o, const ript_doc_token *t) {
  int rv = ript_client_set_token(o->client, t->access_token);
  if (rv != 0 || !t->refresh_token || !o->refresh_token)
    return rv;
  char *copy = ript_mem_strdup(o->client->mem, t->refresh_token);
  if (!copy)
    return RIPT_ERR_NOMEM;
  memset(o->refresh_token, 0, strlen(o->refresh_token));
  ript_mem_free(o->client->mem, o->refresh_token);
  o->refresh_token = copy;
  return 0;
}

/* RFC 6749 §5.2: {"error": CODE, "error_description": TEXT}, which is no
 * RIPT error document; copied to |error| and |description| for |res|. */
static void oauth_read_error(const ript_client_req *req,
                             ript_client_result *res, char *error,
                             size_t errlen, char *description, size_t desclen) {
  json_t *doc = json_loadb((const char *)req->body.data, req->body.len,
                           JSON_REJECT_DUPLICATES, NULL);
  const char *e = json_string_value(json_object_get(doc, "error"));
  const char *d = json_string_value(json_object_get(doc, "error_description"));
  if (e) {
    snprintf(error, errlen, "%s", e);
    res->error = error;
  }
  if (d) {
    snprintf(description, desclen, "%s", d);
    res->reason = description;
  }
  json_decref(doc);
}

static int oauth_on_done(ript_client_req *req) {
  client_oauth *o = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  o->req = NULL;
  if (o->closing) {
    if (o->timer_closed)
      oauth_free(o);
    return 0;
  }
  int64_t expires_in = -1;
  char error[64], description[256];
  if (res.code == RIPT_ERR_HTTP_STATUS && !res.error)
    oauth_read_error(req, &res, error, sizeof(error), description,
                     sizeof(description));
  if (res.code == 0) {
    ript_doc_token t;
    ript_parse_error perr = {0, NULL};
    int rv = ript_doc_token_parse(&t, (const char *)req->body.data,
                                  req->body.len, 0, &perr, o->client->mem);
    if (rv == 0)
      rv = oauth_take(o, &t);
    if (rv == 0)
      expires_in = t.expires_in;
    else
      ript_client_result_unusable(&res, rv, "token response", &perr);
    if (t.access_token)
      memset((char *)(uintptr_t)t.access_token, 0, strlen(t.access_token));
    ript_doc_token_free(&t);
  }
  oauth_report(o, &res, expires_in);
  return 0;
}

static void oauth_request(client_oauth *o) {
  ript_client *client = o->client;
  if (o->req || o->closing || client->closing)
    return;
  ript_buf body;
  ript_buf_init(&body, client->mem);
  ript_client_req_spec spec = {
      "POST", o->endpoint, "application/x-www-form-urlencoded", NULL, 0, NULL,
      1,      o->basic};
  int rv = oauth_form(o, &body);
  if (rv == 0) {
    spec.body = body.data;
    spec.body_len = body.len;
    o->last_ms = uv_now(client->loop);
    rv = ript_client_req_start(client, &spec, oauth_on_done, o, &o->req);
  }
  if (body.data)
    memset(body.data, 0, body.len);
  ript_buf_free(&body);
  if (rv != 0) {
    ript_client_result res;
    ript_client_result_local(&res, rv, "POST", o->endpoint);
    oauth_report(o, &res, -1);
  }
}

static void oauth_on_timer(uv_timer_t *timer) { oauth_request(timer->data); }

static void oauth_schedule(client_oauth *o, uint64_t in_ms) {
  if (!o->closing)
    uv_timer_start(&o->timer, oauth_on_timer, in_ms, 0);
}

void ript_client_token_refused(ript_client *client) {
  client_oauth *o = client->oauth;
  if (!o || o->closing)
    return;
  ++o->refusals;
  if (o->req)
    return;
  uint64_t now = uv_now(client->loop);
  uint64_t since = now - o->last_ms;
  oauth_schedule(o, since >= RIPT_CLIENT_OAUTH_MIN_GAP_MS
                        ? 0
                        : RIPT_CLIENT_OAUTH_MIN_GAP_MS - since);
}

/* ---- life cycle ---- */

static void oauth_wipe(const ript_mem *mem, char *s) {
  if (!s)
    return;
  memset(s, 0, strlen(s));
  ript_mem_free(mem, s);
}

static void oauth_free(client_oauth *o) {
  const ript_mem *mem = o->client->mem;
  ript_mem_free(mem, o->endpoint);
  ript_mem_free(mem, o->client_id);
  oauth_wipe(mem, o->client_secret);
  oauth_wipe(mem, o->refresh_token);
  ript_mem_free(mem, o->scope);
  oauth_wipe(mem, o->basic);
  ript_mem_free(mem, o);
}

/* The object goes once both its timer and its request (if any) are done;
 * a request keeps the client alive meanwhile. */
static void oauth_on_timer_closed(uv_handle_t *handle) {
  client_oauth *o = handle->data;
  ript_client *client = o->client;
  o->timer_closed = 1;
  if (!o->req)
    oauth_free(o);
  --client->live_reqs;
  ript_client_maybe_free(client);
}

void ript_client_oauth_close(ript_client *client) {
  client_oauth *o = client->oauth;
  if (!o)
    return;
  o->closing = 1;
  client->oauth = NULL;
  if (o->req)
    ript_client_req_cancel(o->req);
  uv_close((uv_handle_t *)&o->timer, oauth_on_timer_closed);
}

static int oauth_copy(const ript_mem *mem, const char *s, char **out) {
  if (!s)
    return 0;
  return (*out = ript_mem_strdup(mem, s)) ? 0 : RIPT_ERR_NOMEM;
}

static int oauth_config_ok(const ript_client_oauth_config *cfg) {
  if (!ript_client_uri_ok(cfg->token_endpoint))
    return 0;
  if (cfg->client_secret && !cfg->client_id)
    return 0;
  return cfg->refresh_token || (cfg->client_id && cfg->client_secret);
}

int ript_client_oauth_start(ript_client *client,
                            const ript_client_oauth_config *cfg,
                            ript_client_token_cb cb, void *user_data) {
  if (!client || !cfg || client->oauth || !oauth_config_ok(cfg))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (client->closing)
    return RIPT_ERR_HTTP_CLOSED;
  const ript_mem *mem = client->mem;
  client_oauth *o = ript_mem_calloc(mem, 1, sizeof(*o));
  if (!o)
    return RIPT_ERR_NOMEM;
  o->client = client;
  o->cb = cb;
  o->user_data = user_data;
  int rv = oauth_copy(mem, cfg->token_endpoint, &o->endpoint);
  if (rv == 0)
    rv = oauth_copy(mem, cfg->client_id, &o->client_id);
  if (rv == 0)
    rv = oauth_copy(mem, cfg->client_secret, &o->client_secret);
  if (rv == 0)
    rv = oauth_copy(mem, cfg->refresh_token, &o->refresh_token);
  if (rv == 0)
    rv = oauth_copy(mem, cfg->scope, &o->scope);
  if (rv == 0 && o->client_secret)
    rv = oauth_basic(o);
  if (rv != 0) {
    oauth_free(o);
    return rv;
  }
  uv_timer_init(client->loop, &o->timer);
  o->timer.data = o;
  ++client->live_reqs;
  client->oauth = o;
  oauth_request(o);
  return 0;
}

/* ---- metadata discovery ---- */

typedef struct oauth_meta_op {
  ript_client *client;
  ript_client_oauth_meta_cb cb;
  void *user_data;
} oauth_meta_op;

static int oauth_on_meta(ript_client_req *req) {
  oauth_meta_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  ript_doc_oauth_meta meta;
  ript_doc_oauth_meta_init(&meta);
  ript_parse_error perr = {0, NULL};
  int rv = res.code == 0 ? ript_doc_oauth_meta_parse(
                               &meta, (const char *)req->body.data,
                               req->body.len, 0, &perr, op->client->mem)
                         : 0;
  if (rv != 0)
    ript_client_result_unusable(&res, rv, "OAuth metadata", &perr);
  op->cb(op->client, &res, res.code == 0 ? &meta : NULL, op->user_data);
  ript_doc_oauth_meta_free(&meta);
  ript_mem_free(op->client->mem, op);
  return 0;
}

static void oauth_on_root(ript_client *client, const ript_client_result *res,
                          const ript_doc_root *root, void *user_data) {
  oauth_meta_op *op = user_data;
  ript_client_result r = *res;
  if (r.code == 0 && !root->oauth)
    ript_client_result_unusable(&r, RIPT_ERR_PARSE, "root document", NULL);
  if (r.code == 0) {
    ript_client_req_spec spec = {"GET", root->oauth, NULL, NULL,
                                 0,     NULL,        1,    NULL};
    int rv = ript_client_req_start(client, &spec, oauth_on_meta, op, NULL);
    if (rv == 0)
      return;
    ript_client_result_local(&r, rv, "GET", root->oauth);
  }
  op->cb(client, &r, NULL, op->user_data);
  ript_mem_free(client->mem, op);
}

int ript_client_oauth_metadata(ript_client *client,
                               ript_client_oauth_meta_cb cb, void *user_data) {
  if (!client || !cb)
    return RIPT_ERR_INVALID_ARGUMENT;
  oauth_meta_op *op = ript_mem_calloc(client->mem, 1, sizeof(*op));
  if (!op)
    return RIPT_ERR_NOMEM;
  *op = (oauth_meta_op){client, cb, user_data};
  int rv = ript_client_bootstrap(client, oauth_on_root, op);
  if (rv != 0)
    ript_mem_free(client->mem, op);
  return rv;
}

uint64_t ript_client_oauth_refusals(const ript_client *client) {
  return client && client->oauth ? client->oauth->refusals : 0;
}

/* Calls: the call request with its PASSporT checked, negotiation, and the
 * call description. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "res_calls.h"
#include "ript/advert.h"
#include "ript/doc.h"
#include "ript/negotiate.h"
#include "ript/stir.h"

/* ---- the call description ---- */

static ript_doc_call_state calls_doc_state(ript_call_state state) {
  static const ript_doc_call_state map[RIPT_CALL_STATE_COUNT] = {
      [RIPT_CALL_PROCEEDING] = RIPT_DOC_CALL_PROCEEDING,
      [RIPT_CALL_ALERTING] = RIPT_DOC_CALL_ALERTING,
      [RIPT_CALL_ANSWERED] = RIPT_DOC_CALL_ANSWERED,
      [RIPT_CALL_DECLINED] = RIPT_DOC_CALL_DECLINED,
      [RIPT_CALL_FAILED] = RIPT_DOC_CALL_FAILED,
      [RIPT_CALL_NOANSWER] = RIPT_DOC_CALL_NOANSWER,
      [RIPT_CALL_ENDED] = RIPT_DOC_CALL_ENDED,
  };
  return map[state];
}

static int calls_write(const riptd_ctx *ctx, const riptd_call_rec *rec,
                       ript_buf *uri, ript_buf *body) {
  ript_buf handler;
  ript_buf_init(&handler, NULL);
  int rv = riptd_app_tg_uri(ctx->app, rec->tg, "calls", rec->uuid, uri);
  if (rv == 0)
    rv = riptd_app_tg_uri(ctx->app, rec->tg, "handlers", rec->handler_id,
                          &handler);
  if (rv == 0) {
    ript_doc_call doc;
    ript_doc_call_init(&doc);
    doc.uri = (const char *)uri->data;
    doc.handler = (const char *)handler.data;
    doc.from = rec->from;
    doc.to = rec->to;
    doc.client_directives = rec->client_directives;
    doc.server_directives = rec->server_directives;
    doc.state = calls_doc_state(rec->state);
    rv = ript_doc_call_write(&doc, body);
  }
  ript_buf_free(&handler);
  return rv;
}

/* Answers |status| with the call; 201 also names it in Location. */
static void calls_reply(riptd_ctx *ctx, int status,
                        const riptd_call_rec *rec) {
  ript_buf uri, body;
  ript_buf_init(&uri, NULL);
  ript_buf_init(&body, NULL);
  if (calls_write(ctx, rec, &uri, &body) == 0)
    riptd_reply_doc(ctx->resp, status, &uri, &body,
                    "riptd could not write the call");
  else
    riptd_reply_fault(ctx->resp, "riptd could not write the call");
  ript_buf_free(&uri);
  ript_buf_free(&body);
}

/* ---- negotiation ---- */

static int calls_print(const ript_advert *dir, char **out) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = ript_advert_print(dir, &b);
  if (rv == 0 && !b.data)
    rv = ript_buf_append_str(&b, "");
  if (rv != 0) {
    ript_buf_free(&b);
    return rv;
  }
  *out = (char *)b.data;
  return 0;
}

/* The directives of a call between the handler's advertisement and the
 * server's; answers 422 or 500 and returns nonzero when there are none. */
static int calls_negotiate(riptd_ctx *ctx, const char *handler_advert,
                           riptd_call_rec *rec) {
  ript_advert *client = NULL, *cdir = NULL, *sdir = NULL;
  int rv = ript_advert_parse(&client, handler_advert, strlen(handler_advert),
                             RIPT_ADVERT_KIND_ADVERTISEMENT, NULL, NULL);
  if (rv == 0)
    rv = ript_negotiate_call(client, ctx->app->advert, &cdir, &sdir, NULL);
  char *c = NULL, *s = NULL;
  if (rv == 0 && (rv = calls_print(cdir, &c)) == 0 &&
      (rv = calls_print(sdir, &s)) == 0) {
    free(rec->client_directives);
    free(rec->server_directives);
    rec->client_directives = c;
    rec->server_directives = s;
    c = s = NULL;
  }
  free(c);
  free(s);
  ript_advert_del(client);
  ript_advert_del(cdir);
  ript_advert_del(sdir);
  if (rv == RIPT_ERR_NO_COMMON_MEDIA)
    riptd_reply_error(ctx->resp, 422, "no-common-media",
                      "the handler's advertisement and this server's share "
                      "no media in either direction");
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not negotiate the call");
  return rv;
}

/* ---- the PASSporT ---- */

/* Maps ript_stir_passport_verify's findings to 403s. */
static void calls_refuse(riptd_ctx *ctx, int rv,
                         const ript_stir_passport *pp) {
  int64_t now = ctx->req->now_ms / 1000;
  if (rv == RIPT_ERR_SIGNATURE)
    riptd_reply_error(ctx->resp, 403, "bad-signature",
                      "the PASSporT's signature does not verify with the key "
                      "of the certificate at its x5u");
  else if (rv == RIPT_ERR_STALE)
    riptd_reply_error(ctx->resp, 403, "stale-passport",
                      "the PASSporT's iat %" PRId64 " is more than %d s "
                      "away from the server's clock (%" PRId64 ")",
                      pp->iat, RIPT_STIR_PASSPORT_MAX_AGE, now);
  else if (rv == RIPT_ERR_NOT_COVERED)
    riptd_reply_error(ctx->resp, 403, "number-not-covered",
                      "the caller ID +%s is not covered by the TNAuthList of "
                      "the certificate at the PASSporT's x5u",
                      pp->orig);
  else
    riptd_reply_fault(ctx->resp, "riptd could not verify the PASSporT");
}

/* Whether the customer and the TG let the verified orig be used. */
static int calls_orig_allowed(riptd_ctx *ctx, const char *orig_e164) {
  if (!riptd_auth_may_use_number(ctx->customer, orig_e164)) {
    riptd_reply_error(ctx->resp, 403, "number-not-allowed",
                      "customer %s may not use %s as caller ID",
                      ctx->customer->name, orig_e164);
    return -1;
  }
  const ript_stir_tnauth *origins = ript_stir_cert_tnauth(ctx->app->stir_ca);
  if (ctx->tg->origins && origins &&
      ript_stir_tnauth_covers(origins, orig_e164 + 1) != 1) {
    riptd_reply_error(ctx->resp, 403, "not-in-origins",
                      "the caller ID %s is not among the numbers TG %s "
                      "vouches for (its origins)",
                      orig_e164, ctx->tg->name);
    return -1;
  }
  return 0;
}

/* The checks of docs/PROTOCOL.md §11 after the signer's certificate was
 * found (|leaf|), in order; fills |orig_e164|. */
static int calls_verify(riptd_ctx *ctx, const ript_stir_passport *pp,
                        const ript_stir_cert *leaf, const char *dest,
                        char orig_e164[RIPT_STIR_E164_BUFLEN]) {
  int64_t now = ctx->req->now_ms / 1000;
  int rv = ript_stir_trust_verify(ctx->app->trust, leaf, NULL, 0, now);
  if (rv == RIPT_ERR_UNTRUSTED)
    riptd_reply_error(ctx->resp, 403, "untrusted-certificate",
                      "the certificate at the PASSporT's x5u does not chain "
                      "to a trusted STIR CA, or is not valid now");
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not check the certificate");
  else if ((rv = ript_stir_passport_verify(pp, leaf, now,
                                           RIPT_STIR_PASSPORT_MAX_AGE)) != 0)
    calls_refuse(ctx, rv, pp);
  if (rv != 0)
    return -1;
  if (ript_stir_tn_to_e164(pp->orig, orig_e164, RIPT_STIR_E164_BUFLEN) < 0) {
    riptd_reply_fault(ctx->resp, "riptd could not read the PASSporT's orig");
    return -1;
  }
  if (calls_orig_allowed(ctx, orig_e164) != 0)
    return -1;
  rv = ript_stir_passport_check_dest(pp, dest);
  if (rv == RIPT_ERR_MISMATCH)
    riptd_reply_error(ctx->resp, 403, "dest-mismatch",
                      "the PASSporT's dest is not the destination %s", dest);
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not check the PASSporT's dest");
  return rv == 0 ? 0 : -1;
}

/* The PASSporT parsed into |pp|; nonzero after a 400 or 500. */
static int calls_passport(riptd_ctx *ctx, const char *jws,
                          ript_stir_passport *pp) {
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_passport_parse(pp, jws, strlen(jws), &err);
  if (rv == RIPT_ERR_PARSE)
    riptd_reply_error(ctx->resp, 400, "bad-passport",
                      "the PASSporT is malformed: at byte %zu expected %s",
                      err.offset, err.expected ? err.expected : "more");
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the PASSporT");
  return rv;
}

/* ---- the call request: POST {tg}/calls ----
 *
 * In the order of docs/PROTOCOL.md §11: the handler (from the store), the
 * route, the PASSporT (its signer's certificate from the store), the
 * negotiation, then the call is added if the customer is below its limit
 * (one step of the store) and started. */

typedef struct calls_post_op {
  riptd_ctx *ctx;
  ript_doc_call_request req;
  ript_stir_passport pp;
  char *advert; /* the handler's advertisement */
  const riptd_route *route;
  char orig[RIPT_STIR_E164_BUFLEN];
  riptd_call_rec rec; /* handler_id, directives and owner_uri owned */
} calls_post_op;

static void calls_post_end(calls_post_op *op) {
  riptd_ctx *ctx = op->ctx;
  ript_doc_call_request_free(&op->req);
  ript_stir_passport_free(&op->pp);
  free(op->advert);
  free(op->rec.handler_id);
  free(op->rec.client_directives);
  free(op->rec.server_directives);
  free(op->rec.owner_uri);
  free(op);
  riptd_ctx_done(ctx);
}

static int calls_read(riptd_ctx *ctx, ript_doc_call_request *req) {
  ript_parse_error err = {0, NULL};
  if (!riptd_request_content_type_is(ctx->req, "application/json")) {
    riptd_reply_error(ctx->resp, 415, "unsupported-media-type",
                      "a call request is sent as application/json");
    return -1;
  }
  int rv = ript_doc_call_request_parse(
      req, (const char *)ctx->req->body, ctx->req->body_len,
      ctx->app->cfg->document_max_bytes, &err, NULL);
  if (rv == RIPT_ERR_NOMEM)
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  else if (rv != 0)
    riptd_reply_error(ctx->resp, 400, "bad-request",
                      "the call request is not valid: at byte %zu expected "
                      "%s",
                      err.offset, err.expected ? err.expected : "more");
  return rv;
}

static void calls_unknown_handler(riptd_ctx *ctx, const char *uri) {
  riptd_reply_error(ctx->resp, 422, "unknown-handler",
                    "%.300s is not a handler of customer %s on TG %s", uri,
                    ctx->customer->name, ctx->tg->name);
}

/* The route that answers |dest|, after the TG's destination policy; NULL
 * after a 403 or 404. */
static const riptd_route *calls_route(riptd_ctx *ctx, const char *dest) {
  const riptd_tg_conf *tg = ctx->tg;
  if (ript_dest_list_match(tg->dest, dest, strlen(dest), NULL) != 1) {
    riptd_reply_error(ctx->resp, 403, "destination-excluded",
                      "destination %s is excluded by TG %s (destinations "
                      "\"%s\")",
                      dest, tg->name, tg->destinations);
    return NULL;
  }
  const riptd_route *route = riptd_config_route(tg, dest);
  if (!route)
    riptd_reply_error(ctx->resp, 404, "no-route",
                      "no route of TG %s reaches destination %s", tg->name,
                      dest);
  return route;
}

static void calls_forgotten(void *data, int rv) {
  (void)rv; /* gone, or going by itself */
  calls_post_end(data);
}

/* The stored call is told to the live calls, then described. */
static void calls_added(void *data, int rv, const riptd_call_rec *rec) {
  calls_post_op *op = data;
  riptd_ctx *ctx = op->ctx;
  riptd_app *app = ctx->app;
  if (rv == RIPTD_STORE_LIMIT)
    riptd_reply_error(ctx->resp, 429, "too-many-calls",
                      "customer %s already has %lld calls; end one first",
                      ctx->customer->name,
                      (long long)app->cfg->limits.calls_per_customer);
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "store the call");
  else if (app->on_call && app->on_call(app->on_call_data, rec) != 0) {
    /* A call the live calls cannot start is not kept: answered once
     * gone. */
    riptd_reply_fault(ctx->resp, "riptd could not start the call");
    riptd_store_call_remove(app->store, rec->uuid, calls_forgotten, op);
    return;
  } else {
    calls_reply(ctx, 201, rec);
  }
  calls_post_end(op);
}

/* Stores the new call under a fresh UUID, owned and leased by this node,
 * if the customer is below its limit of live calls. */
static void calls_create(calls_post_op *op) {
  riptd_ctx *ctx = op->ctx;
  riptd_call_rec *rec = &op->rec;
  uint8_t random[16];
  ript_buf uri;
  ript_buf_init(&uri, NULL);
  int rv = riptd_app_random(random, sizeof(random));
  if (rv == 0)
    rv = ript_uri_uuid_format(random, rec->uuid);
  if (rv == 0)
    rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "calls", rec->uuid, &uri);
  if (rv != 0) {
    ript_buf_free(&uri);
    riptd_reply_fault(ctx->resp, "riptd could not store the call");
    calls_post_end(op);
    return;
  }
  int64_t now = ctx->req->now_ms;
  rec->customer = ctx->customer->name;
  rec->tg = ctx->tg->name;
  rec->from = op->orig;
  rec->to = (char *)(uintptr_t)op->req.destination;
  rec->route = (size_t)(op->route - ctx->tg->routes);
  rec->state = RIPT_CALL_PROCEEDING;
  rec->created_ms = rec->state_ms = now;
  rec->owner_uri = (char *)uri.data;
  riptd_store_call_lease(ctx->app->store, rec,
                         ctx->app->cfg->ended_call_keep_ms, now);
  riptd_store_call_add(ctx->app->store, rec,
                       ctx->app->cfg->limits.calls_per_customer, now,
                       calls_added, op);
}

static void calls_signer_got(void *data, int rv, const riptd_cert_rec *cert) {
  calls_post_op *op = data;
  riptd_ctx *ctx = op->ctx;
  ript_stir_cert *leaf = NULL;
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 403, "untrusted-certificate",
                      "the PASSporT's x5u %.300s is not a certificate this "
                      "server issued",
                      op->pp.x5u);
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "read a certificate");
  else if (ript_stir_cert_parse(&leaf, (const uint8_t *)cert->chain_pem,
                                strlen(cert->chain_pem), NULL, NULL) != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read a certificate");
  int ok =
      leaf &&
      calls_verify(ctx, &op->pp, leaf, op->req.destination, op->orig) == 0 &&
      calls_negotiate(ctx, op->advert, &op->rec) == 0;
  ript_stir_cert_del(leaf);
  if (ok)
    calls_create(op);
  else
    calls_post_end(op);
}

static void calls_handler_got(void *data, int rv, const riptd_handler_rec *h) {
  calls_post_op *op = data;
  riptd_ctx *ctx = op->ctx;
  if (rv == RIPTD_STORE_NOT_FOUND)
    calls_unknown_handler(ctx, op->req.handler);
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "read the handler");
  else if (!(op->rec.handler_id = strdup(h->id)) ||
           !(op->advert = strdup(h->advertisement ? h->advertisement : "")))
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  else if ((op->route = calls_route(ctx, op->req.destination)) &&
           calls_passport(ctx, op->req.passport, &op->pp) == 0) {
    riptd_store_cert_get(ctx->app->store, op->pp.x5u, calls_signer_got, op);
    return;
  }
  calls_post_end(op);
}

/* The handler-id in |uri| when it names a handler URI of this TG, else
 * NULL. */
static const char *calls_handler_id(riptd_ctx *ctx, const char *uri,
                                    int *nomem) {
  ript_buf prefix;
  ript_buf_init(&prefix, NULL);
  const char *id = NULL;
  *nomem =
      riptd_app_tg_uri(ctx->app, ctx->tg->name, "handlers/", NULL, &prefix);
  if (!*nomem && strncmp(uri, (const char *)prefix.data, prefix.len) == 0 &&
      uri[prefix.len] && !strchr(uri + prefix.len, '/'))
    id = uri + prefix.len;
  ript_buf_free(&prefix);
  return id;
}

void riptd_res_calls_post(riptd_ctx *ctx) {
  calls_post_op *op = riptd_ctx_alloc(ctx, sizeof(*op));
  if (!op)
    return;
  op->ctx = ctx;
  ript_doc_call_request_init(&op->req);
  ript_stir_passport_init(&op->pp, NULL);
  if (calls_read(ctx, &op->req) != 0) {
    calls_post_end(op);
    return;
  }
  int nomem;
  const char *id = calls_handler_id(ctx, op->req.handler, &nomem);
  if (id) {
    riptd_store_handler_get(ctx->app->store, ctx->customer->name, ctx->tg->name,
                            id, calls_handler_got, op);
    return;
  }
  if (nomem)
    riptd_reply_fault(ctx->resp, "riptd could not read the handler");
  else
    calls_unknown_handler(ctx, op->req.handler);
  calls_post_end(op);
}

/* ---- one call: GET and POST {call} ---- */

/* Whether the call |rec| (|rv| its lookup) is the customer's on this TG;
 * else a 404 (or the store's failure). */
static int calls_found(riptd_ctx *ctx, int rv, const riptd_call_rec *rec) {
  if (rv == 0 && (strcmp(rec->customer, ctx->customer->name) != 0 ||
                  strcmp(rec->tg, ctx->tg->name) != 0))
    rv = RIPTD_STORE_NOT_FOUND;
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 404, "not-found",
                      "there is no call %s on TG %s", ctx->id, ctx->tg->name);
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "read the call");
  return rv == 0;
}

/* Looks the call of the path up, or answers 404 for what is no UUID. */
static void calls_lookup(riptd_ctx *ctx, riptd_store_call_cb cb, void *data) {
  if (ript_uri_uuid_check(ctx->id, strlen(ctx->id), NULL) == 0) {
    riptd_store_call_get(ctx->app->store, ctx->id, ctx->req->now_ms, cb, data);
    return;
  }
  calls_found(ctx, RIPTD_STORE_NOT_FOUND, NULL);
  riptd_ctx_done(ctx);
}

static void calls_got(void *data, int rv, const riptd_call_rec *rec) {
  riptd_ctx *ctx = data;
  if (calls_found(ctx, rv, rec))
    calls_reply(ctx, 200, rec);
  riptd_ctx_done(ctx);
}

void riptd_res_call_get(riptd_ctx *ctx) { calls_lookup(ctx, calls_got, ctx); }

/* POST {call}: the handler's current advertisement, negotiated again,
 * applied to the live call, then stored with compare-and-set (again on the
 * record as it is, when something else changed it meanwhile). */
enum { CALLS_RETRIES = 8 };

typedef struct calls_reneg_op {
  riptd_ctx *ctx;
  riptd_call_rec rec; /* owned */
  int tries;
} calls_reneg_op;

static void calls_reneg_end(calls_reneg_op *op) {
  riptd_ctx *ctx = op->ctx;
  riptd_call_rec_free(&op->rec);
  free(op);
  riptd_ctx_done(ctx);
}

static void calls_reneg_handler(void *data, int rv, const riptd_handler_rec *h);

/* The call as the store has it: refused when it ended, else negotiated
 * again with its handler. */
static void calls_reneg_start(calls_reneg_op *op, const riptd_call_rec *rec) {
  riptd_ctx *ctx = op->ctx;
  riptd_call_rec_free(&op->rec);
  if (riptd_call_rec_copy(&op->rec, rec) != 0) {
    riptd_reply_fault(ctx->resp, "riptd ran out of memory");
    calls_reneg_end(op);
  } else if (ript_call_state_is_terminal(rec->state)) {
    riptd_reply_error(ctx->resp, 409, "call-ended",
                      "call %s has ended (state %s)", rec->uuid,
                      ript_call_state_name(rec->state));
    calls_reneg_end(op);
  } else {
    riptd_store_handler_get(ctx->app->store, rec->customer, rec->tg,
                            rec->handler_id ? rec->handler_id : "",
                            calls_reneg_handler, op);
  }
}

static void calls_reneg_stored(void *data, int rv, const riptd_call_rec *rec) {
  calls_reneg_op *op = data;
  riptd_ctx *ctx = op->ctx;
  if (rv == RIPTD_STORE_CONFLICT && ++op->tries < CALLS_RETRIES) {
    calls_reneg_start(op, rec);
    return;
  }
  if (rv == 0)
    calls_reply(ctx, 200, rec);
  else if (rv == RIPTD_STORE_NOT_FOUND)
    calls_found(ctx, rv, NULL);
  else
    riptd_reply_store_failure(
        ctx->resp, rv == RIPTD_STORE_CONFLICT ? RIPTD_STORE_UNAVAILABLE : rv,
        "store the call");
  calls_reneg_end(op);
}

/* The live call could not move to the new directives: another node runs
 * it (421, docs/PROTOCOL.md decision 82), or a fault. */
static void calls_reneg_refused(riptd_ctx *ctx, int rv,
                                const riptd_call_rec *rec) {
  if (rv == RIPT_ERR_HTTP_STATE)
    riptd_reply_error_with(ctx->resp, 421, "misdirected", "retry-after", "1",
                           "call %s is held by another riptd node; POST it "
                           "at %.300s",
                           rec->uuid, rec->owner_uri ? rec->owner_uri : "it");
  else
    riptd_reply_fault(ctx->resp, "riptd could not apply the new directives");
}

static void calls_reneg_handler(void *data, int rv,
                                const riptd_handler_rec *h) {
  calls_reneg_op *op = data;
  riptd_ctx *ctx = op->ctx;
  riptd_app *app = ctx->app;
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 422, "unknown-handler",
                      "the call's handler %s no longer exists",
                      op->rec.handler_id ? op->rec.handler_id : "");
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "read the handler");
  else if (calls_negotiate(ctx, h->advertisement ? h->advertisement : "",
                           &op->rec) != 0)
    ;
  else if (app->on_renegotiate &&
           (rv = app->on_renegotiate(app->on_call_data, &op->rec)) != 0)
    calls_reneg_refused(ctx, rv, &op->rec);
  else {
    riptd_store_call_update(app->store, &op->rec, ctx->req->now_ms,
                            calls_reneg_stored, op);
    return;
  }
  calls_reneg_end(op);
}

static void calls_reneg_got(void *data, int rv, const riptd_call_rec *rec) {
  riptd_ctx *ctx = data;
  if (!calls_found(ctx, rv, rec)) {
    riptd_ctx_done(ctx);
    return;
  }
  calls_reneg_op *op = riptd_ctx_alloc(ctx, sizeof(*op));
  if (!op)
    return;
  op->ctx = ctx;
  calls_reneg_start(op, rec);
}

void riptd_res_call_post(riptd_ctx *ctx) {
  if (ctx->req->body_len) {
    riptd_reply_error(ctx->resp, 400, "bad-request",
                      "a POST on a call takes no body");
    riptd_ctx_done(ctx);
    return;
  }
  calls_lookup(ctx, calls_reneg_got, ctx);
}

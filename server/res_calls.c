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
  int rv = riptd_app_tg_uri(ctx->app, rec->tg, "calls", uri);
  if (rv == 0)
    rv = ript_buf_printf(uri, "/%s", rec->uuid);
  if (rv == 0)
    rv = riptd_app_tg_uri(ctx->app, rec->tg, "handlers", &handler);
  if (rv == 0)
    rv = ript_buf_printf(&handler, "/%s", rec->handler_id);
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

/* The leaf of the chain riptd issued at |x5u|, or NULL after a 403. */
static ript_stir_cert *calls_signer(riptd_ctx *ctx, const char *x5u) {
  riptd_cert_rec rec;
  memset(&rec, 0, sizeof(rec));
  ript_stir_cert *cert = NULL;
  int rv = riptd_store_cert_get(ctx->app->store, x5u, &rec);
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 403, "untrusted-certificate",
                      "the PASSporT's x5u %.300s is not a certificate this "
                      "server issued",
                      x5u);
  else if (rv != 0 ||
           ript_stir_cert_parse(&cert, (const uint8_t *)rec.chain_pem,
                                strlen(rec.chain_pem), NULL, NULL) != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read a certificate");
  riptd_cert_rec_free(&rec);
  return cert;
}

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

/* The checks of docs/PROTOCOL.md §11 in order; fills |orig_e164|. */
static int calls_verify(riptd_ctx *ctx, const ript_stir_passport *pp,
                        const char *dest,
                        char orig_e164[RIPT_STIR_E164_BUFLEN]) {
  int64_t now = ctx->req->now_ms / 1000;
  ript_stir_cert *leaf = calls_signer(ctx, pp->x5u);
  if (!leaf)
    return -1;
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
  ript_stir_cert_del(leaf);
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

static int calls_passport(riptd_ctx *ctx, const char *jws, const char *dest,
                          char orig_e164[RIPT_STIR_E164_BUFLEN]) {
  ript_stir_passport pp;
  ript_parse_error err = {0, NULL};
  ript_stir_passport_init(&pp, NULL);
  int rv = ript_stir_passport_parse(&pp, jws, strlen(jws), &err);
  if (rv == RIPT_ERR_PARSE)
    riptd_reply_error(ctx->resp, 400, "bad-passport",
                      "the PASSporT is malformed: at byte %zu expected %s",
                      err.offset, err.expected ? err.expected : "more");
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the PASSporT");
  else
    rv = calls_verify(ctx, &pp, dest, orig_e164);
  ript_stir_passport_free(&pp);
  return rv;
}

/* ---- the call request ---- */

/* The id of the customer's handler on this TG that |uri| names, or NULL
 * after a 422 "unknown-handler". Fills |advert| with its advertisement. */
static char *calls_handler(riptd_ctx *ctx, const char *uri, char **advert) {
  ript_buf prefix;
  ript_buf_init(&prefix, NULL);
  riptd_handler_rec rec;
  memset(&rec, 0, sizeof(rec));
  int rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "handlers/", &prefix);
  if (rv == 0) {
    rv = RIPTD_STORE_NOT_FOUND;
    if (strncmp(uri, (const char *)prefix.data, prefix.len) == 0 &&
        uri[prefix.len] && !strchr(uri + prefix.len, '/'))
      rv = riptd_store_handler_get(ctx->app->store, ctx->customer->name,
                                   ctx->tg->name, uri + prefix.len, &rec);
  }
  ript_buf_free(&prefix);
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 422, "unknown-handler",
                      "%.300s is not a handler of customer %s on TG %s", uri,
                      ctx->customer->name, ctx->tg->name);
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the handler");
  if (rv != 0)
    return NULL;
  char *id = rec.id;
  *advert = rec.advertisement;
  rec.id = rec.advertisement = NULL;
  riptd_handler_rec_free(&rec);
  return id;
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

/* Stores the new call under a fresh UUID and answers 201. */
static void calls_create(riptd_ctx *ctx, riptd_call_rec *rec) {
  uint8_t random[16];
  int rv = riptd_app_random(random, sizeof(random));
  if (rv == 0)
    rv = ript_uri_uuid_format(random, rec->uuid);
  if (rv == 0)
    rv = riptd_store_call_add(ctx->app->store, rec);
  if (rv != 0) {
    riptd_reply_fault(ctx->resp, "riptd could not store the call");
    return;
  }
  if (ctx->app->on_call &&
      ctx->app->on_call(ctx->app->on_call_data, rec) != 0) {
    riptd_store_call_remove(ctx->app->store, rec->uuid);
    riptd_reply_fault(ctx->resp, "riptd could not start the call");
    return;
  }
  calls_reply(ctx, 201, rec);
}

/* The customer's calls not yet ended are within the limit; else 429. */
static int calls_within_limit(riptd_ctx *ctx) {
  size_t handlers, live;
  riptd_store_usage(ctx->app->store, ctx->customer->name, &handlers, &live);
  int64_t max = ctx->app->cfg->limits.calls_per_customer;
  if ((int64_t)live < max)
    return 1;
  riptd_reply_error(ctx->resp, 429, "too-many-calls",
                    "customer %s already has %lld calls; end one first",
                    ctx->customer->name, (long long)max);
  return 0;
}

void riptd_res_calls_post(riptd_ctx *ctx) {
  ript_doc_call_request req;
  ript_doc_call_request_init(&req);
  if (!calls_within_limit(ctx) || calls_read(ctx, &req) != 0)
    return;
  riptd_call_rec rec;
  memset(&rec, 0, sizeof(rec));
  char *advert = NULL;
  char orig[RIPT_STIR_E164_BUFLEN];
  const riptd_route *route = NULL;
  rec.handler_id = calls_handler(ctx, req.handler, &advert);
  if (rec.handler_id && (route = calls_route(ctx, req.destination)) &&
      calls_passport(ctx, req.passport, req.destination, orig) == 0 &&
      calls_negotiate(ctx, advert, &rec) == 0) {
    rec.customer = ctx->customer->name;
    rec.tg = ctx->tg->name;
    rec.from = orig;
    rec.to = (char *)(uintptr_t)req.destination;
    rec.route = (size_t)(route - ctx->tg->routes);
    rec.state = RIPT_CALL_PROCEEDING;
    rec.created_ms = ctx->req->now_ms;
    calls_create(ctx, &rec);
  }
  free(advert);
  free(rec.handler_id);
  free(rec.client_directives);
  free(rec.server_directives);
  ript_doc_call_request_free(&req);
}

/* The customer's call on this TG named by the path, or nonzero after 404. */
static int calls_get(riptd_ctx *ctx, riptd_call_rec *rec) {
  memset(rec, 0, sizeof(*rec));
  int rv = RIPTD_STORE_NOT_FOUND;
  if (ript_uri_uuid_check(ctx->id, strlen(ctx->id), NULL) == 0)
    rv = riptd_store_call_get(ctx->app->store, ctx->id, rec);
  if (rv == 0 && (strcmp(rec->customer, ctx->customer->name) != 0 ||
                  strcmp(rec->tg, ctx->tg->name) != 0)) {
    riptd_call_rec_free(rec);
    rv = RIPTD_STORE_NOT_FOUND;
  }
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 404, "not-found",
                      "there is no call %s on TG %s", ctx->id, ctx->tg->name);
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the call");
  return rv;
}

void riptd_res_call_get(riptd_ctx *ctx) {
  riptd_call_rec rec;
  if (calls_get(ctx, &rec) != 0)
    return;
  calls_reply(ctx, 200, &rec);
  riptd_call_rec_free(&rec);
}

/* Negotiates |rec| again with its handler's current advertisement. */
static void calls_renegotiate(riptd_ctx *ctx, riptd_call_rec *rec) {
  riptd_handler_rec h;
  memset(&h, 0, sizeof(h));
  int rv = riptd_store_handler_get(ctx->app->store, rec->customer, rec->tg,
                                   rec->handler_id, &h);
  if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 422, "unknown-handler",
                      "the call's handler %s no longer exists",
                      rec->handler_id);
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the handler");
  else if (calls_negotiate(ctx, h.advertisement, rec) == 0) {
    if (ctx->app->on_call &&
        ctx->app->on_call(ctx->app->on_call_data, rec) != 0)
      riptd_reply_fault(ctx->resp, "riptd could not apply the new "
                                   "directives");
    else if (riptd_store_call_replace(ctx->app->store, rec) == 0)
      calls_reply(ctx, 200, rec);
    else
      riptd_reply_fault(ctx->resp, "riptd could not store the call");
  }
  riptd_handler_rec_free(&h);
}

void riptd_res_call_post(riptd_ctx *ctx) {
  riptd_call_rec rec;
  if (calls_get(ctx, &rec) != 0)
    return;
  if (ctx->req->body_len)
    riptd_reply_error(ctx->resp, 400, "bad-request",
                      "a POST on a call takes no body");
  else if (ript_call_state_is_terminal(rec.state))
    riptd_reply_error(ctx->resp, 409, "call-ended",
                      "call %s has ended (state %s)", rec.uuid,
                      ript_call_state_name(rec.state));
  else
    calls_renegotiate(ctx, &rec);
  riptd_call_rec_free(&rec);
}

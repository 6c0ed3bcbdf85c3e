/* STIR certificates: a CSR in, an RFC 8226 certificate from riptd's STIR
 * CA out, kept in the store at the URL a PASSporT's x5u names. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "res_certs.h"
#include "ript/stir.h"

enum {
  CERTS_SERIAL_LEN = 16,
  /* notBefore is backdated so a verifier whose clock is a little behind
   * still accepts a fresh certificate. */
  CERTS_BACKDATE_S = 300,
};

static const char certs_chain_type[] = "application/pem-certificate-chain";

/* 415 unless the body is sent as a CSR and looks like PEM or DER. */
static int certs_check_type(riptd_ctx *ctx) {
  const riptd_request *req = ctx->req;
  size_t i = 0;
  while (i < req->body_len && req->body[i] && strchr(" \t\r\n", req->body[i]))
    ++i;
  static const char pem[] = "-----BEGIN";
  int is_pem = req->body_len - i >= sizeof(pem) - 1 &&
               memcmp(req->body + i, pem, sizeof(pem) - 1) == 0;
  int is_der = req->body_len > 0 && req->body[0] == 0x30;
  if (riptd_request_content_type_is(req, "application/pkcs10") &&
      (is_pem || is_der))
    return 0;
  riptd_reply_error(ctx->resp, 415, "unsupported-media-type",
                    "a CSR is sent as application/pkcs10, a PKCS#10 request "
                    "in PEM or DER");
  return -1;
}

static ript_stir_csr *certs_parse(riptd_ctx *ctx) {
  ript_stir_csr *csr = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_csr_parse(&csr, ctx->req->body, ctx->req->body_len, NULL,
                               &err);
  if (rv == RIPT_ERR_PARSE)
    riptd_reply_error(ctx->resp, 400, "bad-csr", "the CSR is not valid: %s",
                      err.expected ? err.expected : "malformed");
  else if (rv == RIPT_ERR_SIGNATURE)
    riptd_reply_error(ctx->resp, 400, "bad-csr",
                      "the CSR's self-signature does not verify");
  else if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not read the CSR");
  return csr;
}

static int certs_hex(ript_buf *out, const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (ript_buf_printf(out, "%02x", bytes[i]) != 0)
      return RIPT_ERR_NOMEM;
  return 0;
}

/* Issues the certificate for the CSR's number with the configured
 * lifetime, within the CA's own validity. */
static int certs_issue(riptd_ctx *ctx, const ript_stir_csr *csr,
                       uint8_t serial[CERTS_SERIAL_LEN],
                       ript_stir_cert **pcert) {
  const riptd_app *app = ctx->app;
  int64_t now = ctx->req->now_ms / 1000;
  if (riptd_app_random(serial, CERTS_SERIAL_LEN) != 0)
    return RIPT_ERR_CRYPTO;
  serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40); /* positive, 16 bytes */
  ript_stir_cert_terms terms = {serial, CERTS_SERIAL_LEN,
                                now - CERTS_BACKDATE_S,
                                now + app->cfg->cert_lifetime_s};
  if (terms.not_before < ript_stir_cert_not_before(app->stir_ca))
    terms.not_before = ript_stir_cert_not_before(app->stir_ca);
  if (terms.not_after > ript_stir_cert_not_after(app->stir_ca))
    terms.not_after = ript_stir_cert_not_after(app->stir_ca);
  if (terms.not_after < terms.not_before)
    return RIPT_ERR_RANGE;
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  int rv = ript_stir_tnauth_add_one(&grant, ript_stir_csr_tn(csr));
  if (rv == 0)
    rv = ript_stir_cert_issue(pcert, csr, &grant, app->stir_ca,
                              app->stir_ca_key, &terms, NULL);
  ript_stir_tnauth_free(&grant);
  return rv;
}

/* An issued certificate on its way into the store. */
typedef struct certs_op {
  riptd_ctx *ctx;
  ript_buf url, chain;
} certs_op;

static void certs_end(certs_op *op) {
  riptd_ctx *ctx = op->ctx;
  ript_buf_free(&op->url);
  ript_buf_free(&op->chain);
  free(op);
  riptd_ctx_done(ctx);
}

static void certs_stored(void *data, int rv) {
  certs_op *op = data;
  riptd_ctx *ctx = op->ctx;
  if (rv == 0 &&
      riptd_reply(ctx->resp, 201, certs_chain_type, op->chain.data,
                  op->chain.len) == 0 &&
      riptd_response_add(ctx->resp, "location", (const char *)op->url.data) !=
          0)
    riptd_reply_fault(ctx->resp, "riptd could not issue the certificate");
  else if (rv != 0)
    riptd_reply_store_failure(ctx->resp, rv, "store the certificate");
  certs_end(op);
}

/* Builds the record of an issued certificate and stores it; the answer
 * comes when it is stored. */
static int certs_store(certs_op *op, const ript_stir_cert *cert,
                       const uint8_t *serial, const char *e164) {
  riptd_ctx *ctx = op->ctx;
  int rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "certs/", NULL, &op->url);
  if (rv == 0)
    rv = certs_hex(&op->url, serial, CERTS_SERIAL_LEN);
  if (rv == 0)
    rv = ript_stir_cert_export(cert, RIPT_STIR_FORMAT_PEM, &op->chain);
  if (rv == 0)
    rv = ript_buf_append_str(&op->chain, ctx->app->stir_ca_pem);
  if (rv != 0)
    return rv;
  riptd_cert_rec rec = {(char *)op->url.data, ctx->tg->name,
                        ctx->customer->name, (char *)(uintptr_t)e164,
                        (char *)op->chain.data};
  riptd_store_cert_add(ctx->app->store, &rec, certs_stored, op);
  return 0;
}

/* Issues the certificate and stores it; nonzero after answering. */
static int certs_grant(riptd_ctx *ctx, const ript_stir_csr *csr) {
  char e164[RIPT_STIR_E164_BUFLEN];
  if (ript_stir_tn_to_e164(ript_stir_csr_tn(csr), e164, sizeof(e164)) < 0) {
    riptd_reply_fault(ctx->resp, "riptd could not read the CSR's number");
    return -1;
  }
  if (!riptd_auth_may_use_number(ctx->customer, e164)) {
    riptd_reply_error(ctx->resp, 403, "number-not-allowed",
                      "customer %s may not use %s as caller ID",
                      ctx->customer->name, e164);
    return -1;
  }
  uint8_t serial[CERTS_SERIAL_LEN];
  ript_stir_cert *cert = NULL;
  certs_op *op = calloc(1, sizeof(*op));
  int rv = op ? certs_issue(ctx, csr, serial, &cert) : RIPT_ERR_NOMEM;
  if (op) {
    op->ctx = ctx;
    ript_buf_init(&op->url, NULL);
    ript_buf_init(&op->chain, NULL);
  }
  if (rv == 0)
    rv = certs_store(op, cert, serial, e164);
  ript_stir_cert_del(cert);
  if (rv == 0)
    return 0;
  if (op) {
    ript_buf_free(&op->url);
    ript_buf_free(&op->chain);
    free(op);
  }
  if (rv == RIPT_ERR_RANGE)
    riptd_reply_fault(ctx->resp, "the STIR CA certificate has expired");
  else
    riptd_reply_fault(ctx->resp, "riptd could not issue the certificate");
  return -1;
}

void riptd_res_certs_post(riptd_ctx *ctx) {
  ript_stir_csr *csr = NULL;
  if (certs_check_type(ctx) != 0 || !(csr = certs_parse(ctx)) ||
      certs_grant(ctx, csr) != 0)
    riptd_ctx_done(ctx);
  ript_stir_csr_del(csr);
}

static void certs_got(void *data, int rv, const riptd_cert_rec *rec) {
  riptd_ctx *ctx = data;
  if (rv == 0)
    riptd_reply(ctx->resp, 200, certs_chain_type, rec->chain_pem,
                strlen(rec->chain_pem));
  else if (rv == RIPTD_STORE_NOT_FOUND)
    riptd_reply_error(ctx->resp, 404, "not-found",
                      "there is no certificate %s on TG %s", ctx->id,
                      ctx->tg->name);
  else
    riptd_reply_store_failure(ctx->resp, rv, "read the certificate");
  riptd_ctx_done(ctx);
}

void riptd_res_cert_get(riptd_ctx *ctx) {
  ript_buf url;
  ript_buf_init(&url, NULL);
  int rv = riptd_app_tg_uri(ctx->app, ctx->tg->name, "certs", ctx->id, &url);
  if (rv == 0)
    riptd_store_cert_get(ctx->app->store, (const char *)url.data, certs_got,
                         ctx);
  else {
    riptd_reply_fault(ctx->resp, "riptd could not read the certificate");
    riptd_ctx_done(ctx);
  }
  ript_buf_free(&url);
}

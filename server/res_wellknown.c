/* The bootstrap resources: the root document and OAuth metadata. */
#include <string.h>

#include "res_wellknown.h"
#include "ript/doc.h"
#include "ript/uri.h"

void riptd_res_root_get(riptd_ctx *ctx) {
  ript_buf tgs, oauth, body;
  ript_buf_init(&tgs, NULL);
  ript_buf_init(&oauth, NULL);
  ript_buf_init(&body, NULL);
  ript_doc_root doc;
  ript_doc_root_init(&doc);
  int rv = ript_buf_printf(&tgs, "%s/providertgs", ctx->app->root);
  if (rv == 0)
    rv = ript_uri_oauth(ctx->app->authority, &oauth);
  if (rv == 0) {
    doc.providertgs = (const char *)tgs.data;
    doc.oauth = (const char *)oauth.data;
    rv = ript_doc_root_write(&doc, &body);
  }
  if (rv == 0)
    riptd_reply(ctx->resp, 200, "application/json", body.data, body.len);
  else
    riptd_reply_fault(ctx->resp, "riptd could not write the root document");
  ript_buf_free(&tgs);
  ript_buf_free(&oauth);
  ript_buf_free(&body);
}

/* Where to start the OAuth flow: the configured metadata, else the
 * built-in authorization server's. */
void riptd_res_oauth_get(riptd_ctx *ctx) {
  const char *meta = ctx->app->cfg->oauth.metadata;
  if (meta) {
    riptd_reply(ctx->resp, 200, "application/json", meta, strlen(meta));
    return;
  }
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = riptd_oauth_server_metadata(ctx->app->oauth, &b);
  if (rv == 0)
    riptd_reply(ctx->resp, 200, "application/json", b.data, b.len);
  else if (rv == RIPT_ERR_INVALID_ARGUMENT)
    riptd_reply_error(ctx->resp, 404, "no-oauth",
                      "this server has no OAuth authorization server "
                      "configured; ask its operator for a bearer token");
  else
    riptd_reply_fault(ctx->resp, "riptd could not write the metadata");
  ript_buf_free(&b);
}

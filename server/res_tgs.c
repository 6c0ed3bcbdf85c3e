/* The TG list and the TG description. */
#include <stdlib.h>

#include "auth.h"
#include "res_tgs.h"
#include "ript/doc.h"

void riptd_res_tgs_get(riptd_ctx *ctx) {
  const riptd_config *cfg = ctx->app->cfg;
  const riptd_customer *cu = ctx->customer;
  ript_doc_tg_entry *entries = calloc(cu->ntgs, sizeof(*entries));
  ript_buf *uris = calloc(cu->ntgs, sizeof(*uris));
  ript_buf body;
  ript_buf_init(&body, NULL);
  int rv = entries && uris ? 0 : RIPT_ERR_NOMEM;
  for (size_t i = 0; rv == 0 && i < cu->ntgs; ++i) {
    const riptd_tg_conf *tg = &cfg->tgs[cu->tgs[i]];
    ript_buf_init(&uris[i], NULL);
    rv = riptd_app_tg_uri(ctx->app, tg->name, NULL, NULL, &uris[i]);
    entries[i].uri = (const char *)uris[i].data;
    entries[i].name = tg->name;
    entries[i].description = tg->description;
  }
  ript_doc_tg_list list;
  ript_doc_tg_list_init(&list);
  list.tgs = entries;
  list.ntgs = cu->ntgs;
  if (rv == 0)
    rv = ript_doc_tg_list_write(&list, &body);
  if (rv == 0 && riptd_reply(ctx->resp, 200, "application/json", body.data,
                             body.len) == 0)
    rv = riptd_response_add(ctx->resp, "cache-control",
                            "private, max-age=300");
  if (rv != 0)
    riptd_reply_fault(ctx->resp, "riptd could not write the TG list");
  for (size_t i = 0; uris && i < cu->ntgs; ++i)
    ript_buf_free(&uris[i]);
  free(uris);
  free(entries);
  ript_buf_free(&body);
}

void riptd_res_tg_get(riptd_ctx *ctx) {
  const riptd_tg_conf *tg = ctx->tg;
  ript_buf uri, body;
  ript_buf_init(&uri, NULL);
  ript_buf_init(&body, NULL);
  ript_doc_tg doc;
  ript_doc_tg_init(&doc);
  int rv = riptd_app_tg_uri(ctx->app, tg->name, NULL, NULL, &uri);
  if (rv == 0) {
    doc.uri = (const char *)uri.data;
    doc.name = tg->name;
    doc.description = tg->description;
    doc.origins = tg->origins ? ctx->app->stir_ca_pem : NULL;
    doc.destinations = tg->destinations;
    doc.retry_backoff_ms = tg->retry_backoff_ms;
    doc.media_timeout_ms = tg->media_timeout_ms;
    doc.advertisement = ctx->app->cfg->advertisement;
    rv = ript_doc_tg_write(&doc, &body);
  }
  if (rv == 0)
    riptd_reply(ctx->resp, 200, "application/json", body.data, body.len);
  else
    riptd_reply_fault(ctx->resp, "riptd could not write the TG description");
  ript_buf_free(&uri);
  ript_buf_free(&body);
}

/* server/res_wellknown.h - GET /.well-known/ript and
 * /.well-known/ript-oauth (docs/PROTOCOL.md §2, §4.0); no token needed. */
#ifndef RIPTD_RES_WELLKNOWN_H
#define RIPTD_RES_WELLKNOWN_H

#include "router.h"

/* 200 with the root document. */
void riptd_res_root_get(riptd_ctx *ctx);
/* 200 with the configured RFC 8414 metadata, or 404 when the
 * configuration names no authorization server. */
void riptd_res_oauth_get(riptd_ctx *ctx);

#endif /* RIPTD_RES_WELLKNOWN_H */

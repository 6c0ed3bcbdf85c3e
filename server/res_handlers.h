/* server/res_handlers.h - {tg}/handlers and {tg}/handlers/{id}
 * (docs/PROTOCOL.md §2, §4.4). Handlers belong to the customer whose token
 * registered them. Every handler here answers once the store did
 * (riptd_ctx_done, maybe later); a store that is unavailable makes it a
 * 503 "store-unavailable" with Retry-After. */
#ifndef RIPTD_RES_HANDLERS_H
#define RIPTD_RES_HANDLERS_H

#include "router.h"

/* POST: 201 + Location + the description echoed with "uri"; 400 for a
 * malformed document or advertisement; 429 when the customer has
 * limits.handlers-per-customer already (the store adds it only below the
 * limit, in one step); 409 when the handler-id is taken. */
void riptd_res_handlers_post(riptd_ctx *ctx);
/* GET: 200 with the customer's handlers on the TG, sorted by id. */
void riptd_res_handlers_get(riptd_ctx *ctx);
/* GET {id}: 200 or 404. */
void riptd_res_handler_get(riptd_ctx *ctx);
/* PUT {id}: replaces the advertisement, 200 with the description; 404
 * when there is no such handler (POST creates); 400 when the body's
 * handler-id is not the URI's. */
void riptd_res_handler_put(riptd_ctx *ctx);
/* DELETE {id}: 204 or 404. */
void riptd_res_handler_delete(riptd_ctx *ctx);

#endif /* RIPTD_RES_HANDLERS_H */

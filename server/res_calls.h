/* server/res_calls.h - {tg}/calls and {call} (docs/PROTOCOL.md §2, §4.5,
 * §4.6, §11). Every handler here answers once the store did
 * (riptd_ctx_done, maybe later); a store that is unavailable makes it a
 * 503 "store-unavailable" with Retry-After. */
#ifndef RIPTD_RES_CALLS_H
#define RIPTD_RES_CALLS_H

#include "router.h"

/* POST a call request: the handler must be the customer's (else 422
 * "unknown-handler"), the destination allowed by the TG (403) and routed
 * (404), the PASSporT well-formed (400) and verified (403: the certificate
 * at x5u is one riptd issued and chains to the trust store, signature,
 * iat within 60 s, orig covered by the certificate, allowed for the
 * customer and within the TG's origins, dest equal to the destination);
 * then negotiation (422 "no-common-media"); then the store adds the call
 * only while the customer has fewer than limits.calls-per-customer live
 * calls (429 "too-many-calls"), owned by this node with a fresh lease and
 * its URI as the owner's, and app->on_call starts it (500, and the record
 * removed, when it cannot). 201 + Location + the call description, state
 * proceeding. */
void riptd_res_calls_post(riptd_ctx *ctx);
/* GET {call}: 200 with the call description. */
void riptd_res_call_get(riptd_ctx *ctx);
/* POST {call} (empty body): negotiates again with the handler's current
 * advertisement (app->on_call moves the live call's media to the new
 * directives), stored with compare-and-set on the record's version (again
 * on the record as it is when something changed it meanwhile: 409
 * "call-ended" if that ended the call); 200 with the description. */
void riptd_res_call_post(riptd_ctx *ctx);

#endif /* RIPTD_RES_CALLS_H */

/* server/res_certs.h - {tg}/certs and {tg}/certs/{serial}
 * (docs/PROTOCOL.md §2, §11): riptd's STIR CA issues RFC 8226
 * certificates for the numbers a customer may use. Both answer once the
 * store did (riptd_ctx_done, maybe later); a store that is unavailable
 * makes it a 503 "store-unavailable" with Retry-After. */
#ifndef RIPTD_RES_CERTS_H
#define RIPTD_RES_CERTS_H

#include "router.h"

/* POST a PKCS#10 CSR (PEM or DER): 201 + Location + the chain (leaf, CA)
 * as application/pem-certificate-chain; 415 when the body is neither PEM
 * nor DER (or the Content-Type is another one); 400 when it does not parse
 * or its self-signature fails; 403 for a number the customer may not use. */
void riptd_res_certs_post(riptd_ctx *ctx);
/* GET {serial}: 200 with the chain, no token needed (it is the URL
 * PASSporT verifiers fetch, the x5u); 404 when unknown. */
void riptd_res_cert_get(riptd_ctx *ctx);

#endif /* RIPTD_RES_CERTS_H */

/* server/res_tgs.h - GET {root}/providertgs and GET {tg}
 * (docs/PROTOCOL.md §4.1, §4.2). */
#ifndef RIPTD_RES_TGS_H
#define RIPTD_RES_TGS_H

#include "router.h"

/* 200 with the TGs the customer may see (Cache-Control: private,
 * max-age=300). */
void riptd_res_tgs_get(riptd_ctx *ctx);
/* 200 with the TG description: origins (the STIR CA certificate) when the
 * TG is an authentication service, destinations, timers, the server's
 * advertisement. */
void riptd_res_tg_get(riptd_ctx *ctx);

#endif /* RIPTD_RES_TGS_H */

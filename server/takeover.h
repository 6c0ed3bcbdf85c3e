/*
 * server/takeover.h - what a node does with a byway for a call it does not
 * run live: the rules of docs/PROTOCOL.md §8 (decision 82), as pure
 * functions of the call's record, this node's id and the time, so that
 * they are tested without a store or a socket.
 */
#ifndef RIPTD_TAKEOVER_H
#define RIPTD_TAKEOVER_H

#include <stdint.h>

#include "store.h"

typedef enum riptd_takeover {
  /* Another customer's call, or one on another TG: 404, as if absent. */
  RIPTD_TAKEOVER_NOT_YOURS = 0,
  /* The call has ended: its byways answer 404 (§9.12). */
  RIPTD_TAKEOVER_ENDED,
  /* Take it over: the owner's lease ran out, or the owner is this node
   * (an earlier life of it that died with the call). */
  RIPTD_TAKEOVER_TAKE,
  /* Another node holds it and its lease runs: the client goes there. */
  RIPTD_TAKEOVER_ELSEWHERE
} riptd_takeover;

/* What to do with a byway of |customer| on TG |tg| for the call |rec|, on
 * the node |node_id|, at |now|. */
riptd_takeover riptd_takeover_decide(const riptd_call_rec *rec,
                                     const char *customer, const char *tg,
                                     const char *node_id, int64_t now);

/*
 * Makes |rec| (a copy the caller owns, of the record just read) the record
 * that claims the call for the node of |cfg|, whose URI for it is |uri|:
 * owner, owner URI, and the lease renewed from |now| (riptd_call_rec_renew
 * with |keep_ms|). Written with compare-and-set on the version read, so
 * two nodes that try at once cannot both win. Returns 0 or RIPT_ERR_NOMEM
 * (|rec| unchanged).
 */
int riptd_takeover_claim(riptd_call_rec *rec, const riptd_store_config *cfg,
                         const char *uri, int64_t keep_ms, int64_t now);

#endif /* RIPTD_TAKEOVER_H */

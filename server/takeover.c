/* Whether a node takes over a call, and the record that claims it
 * (takeover.h). */
#include <stdlib.h>
#include <string.h>

#include "takeover.h"

riptd_takeover riptd_takeover_decide(const riptd_call_rec *rec,
                                     const char *customer, const char *tg,
                                     const char *node_id, int64_t now) {
  if (strcmp(rec->customer, customer) != 0 || strcmp(rec->tg, tg) != 0)
    return RIPTD_TAKEOVER_NOT_YOURS;
  if (ript_call_state_is_terminal(rec->state))
    return RIPTD_TAKEOVER_ENDED;
  if (!rec->owner || strcmp(rec->owner, node_id) == 0 ||
      rec->lease_until_ms <= now)
    return RIPTD_TAKEOVER_TAKE;
  return RIPTD_TAKEOVER_ELSEWHERE;
}

int riptd_takeover_claim(riptd_call_rec *rec, const riptd_store_config *cfg,
                         const char *uri, int64_t keep_ms, int64_t now) {
  char *owner = strdup(cfg->node_id);
  char *owner_uri = strdup(uri);
  if (!owner || !owner_uri) {
    free(owner);
    free(owner_uri);
    return RIPT_ERR_NOMEM;
  }
  free(rec->owner);
  free(rec->owner_uri);
  rec->owner = owner;
  rec->owner_uri = owner_uri;
  riptd_call_rec_renew(rec, cfg, keep_ms, now);
  return 0;
}

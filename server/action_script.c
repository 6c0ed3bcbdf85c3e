/* The scripted outcomes: decline, fail and noanswer, each with its reason
 * (docs/PROTOCOL.md decision 69); they have no media. */
#include <stdio.h>

#include "action_def.h"

enum { DECLINE_MS = 500 };

static void decline_reason(const riptd_action_ctx *ctx, char *buf,
                           size_t len) {
  (void)ctx;
  snprintf(buf, len, "the callee declined the call");
}

static void fail_reason(const riptd_action_ctx *ctx, char *buf, size_t len) {
  snprintf(buf, len, "calls to %s fail on this server", ctx->to);
}

static void noanswer_reason(const riptd_action_ctx *ctx, char *buf,
                            size_t len) {
  snprintf(buf, len, "nobody answered within %lld ms",
           (long long)ctx->env->ring_timeout_ms);
}

const riptd_action_def riptd_action_decline = {
    .outcome = RIPT_EVENT_DECLINED,
    .outcome_ms = DECLINE_MS,
    .reason = decline_reason,
};

/* At once, from proceeding: the 201 still says `proceeding`. */
const riptd_action_def riptd_action_fail = {
    .outcome = RIPT_EVENT_FAILED,
    .reason = fail_reason,
};

const riptd_action_def riptd_action_noanswer = {
    .outcome = RIPT_EVENT_NOANSWER,
    .outcome_ms = RIPTD_ACTION_RING_TIMEOUT,
    .reason = noanswer_reason,
};

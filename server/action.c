/* The table of actions and the timeline they share (docs/PROTOCOL.md
 * decision 69): proceeding, alerting 100 ms later, then the action's
 * outcome at its moment; the action's media from its moment on. A call
 * resumed in any state continues from when that state began. */
#include <stdlib.h>
#include <string.h>

#include "action_def.h"
#include "ript_mem.h"

enum {
  ACTION_ALERT_MS = 100, /* proceeding, then alerting */
  /* Scratch PCM: 120 ms (the longest decoded frame) of 48 kHz stereo,
   * twice over, so a resampler's output of one decoded frame always
   * fits. */
  ACTION_PCM_SAMPLES = 2 * 48000 * 2 * 120 / 1000,
};

typedef enum action_step {
  STEP_NONE = 0,
  STEP_ALERT,   /* alerting is due */
  STEP_OUTCOME, /* the action's outcome is due */
} action_step;

struct riptd_action {
  const riptd_action_def *def;
  riptd_action_ctx ctx;
  action_step step;
  int64_t step_at;
  int media_on;       /* the media's moment came */
  int64_t media_since; /* when it came (or would have) */
  void *media;        /* NULL: none, or it could not start */
  int ended;
  int64_t last_now;   /* for a ->del without ->end */
};

/* ---- the timeline ---- */

static int64_t action_outcome_ms(const riptd_action *a) {
  return a->def->outcome_ms == RIPTD_ACTION_RING_TIMEOUT
             ? a->ctx.env->ring_timeout_ms
             : a->def->outcome_ms;
}

static void action_then(riptd_action *a, action_step step, int64_t at) {
  a->step = step;
  a->step_at = at;
}

static void action_media_begin(riptd_action *a, int64_t since, int64_t now) {
  a->media_on = 1;
  a->media_since = since;
  if (a->def->media_start &&
      a->def->media_start(&a->media, &a->ctx, since, now) != 0)
    a->media = NULL;
}

static void action_media_stop(riptd_action *a, int finish, int64_t now) {
  if (a->media)
    a->def->media_end(a->media, finish, now);
  a->media = NULL;
}

static void action_alert(riptd_action *a, int64_t now) {
  if (!a->ctx.host.event(a->ctx.host.data, RIPT_EVENT_ALERTING, NULL, now) ||
      a->ended)
    return;
  action_then(a, STEP_OUTCOME, now + action_outcome_ms(a));
  if (a->def->media_from == RIPT_CALL_ALERTING)
    action_media_begin(a, now, now);
}

static void action_outcome(riptd_action *a, int64_t now) {
  char reason[200];
  if (a->def->reason)
    a->def->reason(&a->ctx, reason, sizeof(reason));
  if (!a->ctx.host.event(a->ctx.host.data, a->def->outcome,
                         a->def->reason ? reason : NULL, now) ||
      a->ended)
    return;
  if (a->def->outcome == RIPT_EVENT_ANSWERED &&
      a->def->media_from == RIPT_CALL_ANSWERED)
    action_media_begin(a, now, now);
}

/* Where the timeline of a call in |ctx->state| since |ctx->state_ms|
 * stands at |now|: the next step, and the media when its moment passed. */
static void action_resume(riptd_action *a, int64_t now) {
  int64_t at = a->ctx.state_ms;
  switch (a->ctx.state) {
  case RIPT_CALL_PROCEEDING:
    if (a->def->outcome == RIPT_EVENT_FAILED)
      action_then(a, STEP_OUTCOME, at);
    else
      action_then(a, STEP_ALERT, at + ACTION_ALERT_MS);
    break;
  case RIPT_CALL_ALERTING:
    action_then(a, STEP_OUTCOME, at + action_outcome_ms(a));
    if (a->def->media_from == RIPT_CALL_ALERTING)
      action_media_begin(a, at, now);
    break;
  case RIPT_CALL_ANSWERED:
    /* Media from alerting began the outcome's time before the answer. */
    if (a->def->media_from == RIPT_CALL_ALERTING)
      action_media_begin(a, at - action_outcome_ms(a), now);
    else if (a->def->media_from == RIPT_CALL_ANSWERED)
      action_media_begin(a, at, now);
    break;
  default:
    a->ended = 1; /* a call that has ended: nothing to do */
  }
}

/* ---- the operations ---- */

static int action_start(riptd_action **paction, const riptd_action_ctx *ctx,
                        int64_t now);

static void action_frame(riptd_action *a, const ript_media_frame *frame,
                         int64_t now) {
  a->last_now = now;
  if (!a->ended && a->media && a->def->media_frame)
    a->def->media_frame(a->media, frame, now);
}

static size_t action_sealed(riptd_action *a, const ript_media_frame *frame,
                            int64_t now) {
  a->last_now = now;
  if (a->ended || !a->media || !a->def->media_sealed)
    return 0;
  return a->def->media_sealed(a->media, frame, now);
}

static void action_tick(riptd_action *a, int64_t now) {
  a->last_now = now;
  if (a->ended)
    return;
  if (a->step != STEP_NONE && a->step_at <= now) {
    action_step step = a->step;
    action_then(a, STEP_NONE, INT64_MAX);
    if (step == STEP_ALERT)
      action_alert(a, now);
    else
      action_outcome(a, now);
  }
  if (!a->ended && a->media && a->def->media_tick &&
      a->def->media_deadline(a->media) <= now)
    a->def->media_tick(a->media, now);
}

static int64_t action_deadline(const riptd_action *a) {
  if (a->ended)
    return INT64_MAX;
  int64_t m = a->media ? a->def->media_deadline(a->media) : INT64_MAX;
  return m < a->step_at ? m : a->step_at;
}

static void action_renegotiate(riptd_action *a, int64_t now) {
  a->last_now = now;
  if (a->ended || !a->media_on)
    return;
  if (a->media && a->def->media_renegotiate) {
    a->def->media_renegotiate(a->media, now);
    return;
  }
  action_media_stop(a, 1, now);
  action_media_begin(a, a->media_since, now);
}

static void action_finish(riptd_action *a, int finish, int64_t now) {
  a->last_now = now;
  if (a->ended)
    return;
  a->ended = 1;
  action_then(a, STEP_NONE, INT64_MAX);
  action_media_stop(a, finish, now);
}

static void action_end(riptd_action *a, int64_t now) {
  action_finish(a, 1, now);
}

static void action_release(riptd_action *a, int64_t now) {
  action_finish(a, 0, now);
}

static void action_del(riptd_action *a) {
  if (!a)
    return;
  action_finish(a, 1, a->last_now);
  ript_mem_free(a->ctx.env->mem, a);
}

/* ---- the table ---- */

typedef struct action_row {
  riptd_action_ops ops;
  const riptd_action_def *def;
} action_row;

#define ACTION_ROW(kind, def, sealed)                                         \
  {{kind, action_start, action_frame, sealed, action_tick, action_deadline,   \
    action_renegotiate, action_end, action_release, action_del},              \
   &def}

/* In the order of riptd_action_kind. */
static const action_row action_table[] = {
    ACTION_ROW(RIPTD_ACTION_ECHO, riptd_action_echo, NULL),
    ACTION_ROW(RIPTD_ACTION_PLAY, riptd_action_play, NULL),
    ACTION_ROW(RIPTD_ACTION_RECORD, riptd_action_record, NULL),
    ACTION_ROW(RIPTD_ACTION_CONFERENCE, riptd_action_conference,
               action_sealed),
    ACTION_ROW(RIPTD_ACTION_DECLINE, riptd_action_decline, NULL),
    ACTION_ROW(RIPTD_ACTION_FAIL, riptd_action_fail, NULL),
    ACTION_ROW(RIPTD_ACTION_NOANSWER, riptd_action_noanswer, NULL),
};

#define ACTION_KINDS (sizeof(action_table) / sizeof(action_table[0]))

const riptd_action_ops *riptd_action_ops_of(riptd_action_kind kind) {
  return (unsigned)kind < ACTION_KINDS ? &action_table[kind].ops : NULL;
}

static int action_start(riptd_action **paction, const riptd_action_ctx *ctx,
                        int64_t now) {
  if (!paction || !ctx || !ctx->route || !ctx->env ||
      (unsigned)ctx->route->action >= ACTION_KINDS)
    return RIPT_ERR_INVALID_ARGUMENT;
  riptd_action *a = ript_mem_calloc(ctx->env->mem, 1, sizeof(*a));
  if (!a)
    return RIPT_ERR_NOMEM;
  a->def = action_table[ctx->route->action].def;
  a->ctx = *ctx;
  a->step_at = INT64_MAX;
  a->last_now = now;
  action_resume(a, now);
  *paction = a;
  return 0;
}

/* ---- the env ---- */

int riptd_action_env_init(riptd_action_env *env, uv_loop_t *loop,
                          const ript_mem *pool, int64_t ring_timeout_ms) {
  memset(env, 0, sizeof(*env));
  env->loop = loop;
  env->mem = ript_mem_default();
  env->pool = pool ? pool : env->mem;
  env->ring_timeout_ms = ring_timeout_ms;
  env->pcm_cap = ACTION_PCM_SAMPLES;
  env->pcm_a = malloc(ACTION_PCM_SAMPLES * sizeof(int16_t));
  env->pcm_b = malloc(ACTION_PCM_SAMPLES * sizeof(int16_t));
  if (env->pcm_a && env->pcm_b)
    return 0;
  riptd_action_env_free(env);
  return RIPT_ERR_NOMEM;
}

void riptd_action_env_free(riptd_action_env *env) {
  for (size_t k = 0; k < ACTION_KINDS; ++k)
    if (action_table[k].def->env_free)
      action_table[k].def->env_free(env);
  free(env->pcm_a);
  free(env->pcm_b);
  env->pcm_a = env->pcm_b = NULL;
}

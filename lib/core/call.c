#include <string.h>

#include "ript/call.h"

typedef struct call_state_info {
  const char *name;
  ript_event_type announced_by;
} call_state_info;

static const call_state_info call_states[RIPT_CALL_STATE_COUNT] = {
    [RIPT_CALL_PROCEEDING] = {"proceeding", RIPT_EVENT_PROCEEDING},
    [RIPT_CALL_ALERTING] = {"alerting", RIPT_EVENT_ALERTING},
    [RIPT_CALL_ANSWERED] = {"answered", RIPT_EVENT_ANSWERED},
    [RIPT_CALL_DECLINED] = {"declined", RIPT_EVENT_DECLINED},
    [RIPT_CALL_FAILED] = {"failed", RIPT_EVENT_FAILED},
    [RIPT_CALL_NOANSWER] = {"noanswer", RIPT_EVENT_NOANSWER},
    [RIPT_CALL_ENDED] = {"ended", RIPT_EVENT_END},
};

static int call_state_valid(ript_call_state state) {
  return (int)state >= 0 && state < RIPT_CALL_STATE_COUNT;
}

const char *ript_call_state_name(ript_call_state state) {
  return call_state_valid(state) ? call_states[state].name : NULL;
}

int ript_call_state_from_name(const char *name, size_t len,
                              ript_call_state *state) {
  if (!name || !state)
    return RIPT_ERR_INVALID_ARGUMENT;
  for (int s = 0; s < RIPT_CALL_STATE_COUNT; ++s) {
    const char *known = call_states[s].name;
    if (strlen(known) == len && memcmp(known, name, len) == 0) {
      *state = (ript_call_state)s;
      return 0;
    }
  }
  return RIPT_ERR_PARSE;
}

int ript_call_state_is_terminal(ript_call_state state) {
  return state != RIPT_CALL_PROCEEDING && state != RIPT_CALL_ALERTING &&
         state != RIPT_CALL_ANSWERED;
}

ript_event_type ript_call_state_event(ript_call_state state) {
  return call_state_valid(state) ? call_states[state].announced_by
                                 : RIPT_EVENT_UNKNOWN;
}

int ript_call_announce(ript_call_state state, const char *call_uri,
                       int64_t now_ms, ript_event *ev) {
  if (!call_state_valid(state) || !call_uri || !ev)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_event_prepare(ev, call_states[state].announced_by, RIPT_EVENT_DIR_S2C,
                     now_ms, call_uri);
  return 0;
}

/* The side allowed to send |type|, or 0 for either. */
static ript_event_dir call_sender(ript_event_type type) {
  switch (type) {
  case RIPT_EVENT_END:
  case RIPT_EVENT_UNKNOWN:
    return 0;
  case RIPT_EVENT_PING:
    return RIPT_EVENT_DIR_C2S;
  default:
    return RIPT_EVENT_DIR_S2C;
  }
}

/* The state after |type| in the non-terminal |state|, or -1 if the event is
 * not allowed there. */
static int call_next(ript_call_state state, ript_event_type type) {
  int early = state == RIPT_CALL_PROCEEDING || state == RIPT_CALL_ALERTING;
  switch (type) {
  case RIPT_EVENT_PROCEEDING:
    return state == RIPT_CALL_PROCEEDING ? RIPT_CALL_PROCEEDING : -1;
  case RIPT_EVENT_ALERTING:
    return early ? RIPT_CALL_ALERTING : -1;
  case RIPT_EVENT_ANSWERED:
    return early ? RIPT_CALL_ANSWERED : -1;
  case RIPT_EVENT_DECLINED:
    return early ? RIPT_CALL_DECLINED : -1;
  case RIPT_EVENT_FAILED:
    return early ? RIPT_CALL_FAILED : -1;
  case RIPT_EVENT_NOANSWER:
    return early ? RIPT_CALL_NOANSWER : -1;
  case RIPT_EVENT_END:
    return RIPT_CALL_ENDED;
  default: /* migrate, media-panic, ping, pong, extensions */
    return (int)state;
  }
}

int ript_call_apply(ript_call_state state, ript_event_type type,
                    ript_event_dir dir, ript_call_state *next) {
  if (!next || !call_state_valid(state) || !ript_event_dir_name(dir) ||
      (int)type < 0 || type >= RIPT_EVENT_TYPE_COUNT)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (ript_call_state_is_terminal(state))
    return RIPT_ERR_CALL_TERMINATED;
  ript_event_dir sender = call_sender(type);
  if (sender != 0 && sender != dir)
    return RIPT_ERR_ILLEGAL_EVENT;
  int after = call_next(state, type);
  if (after < 0)
    return RIPT_ERR_ILLEGAL_EVENT;
  *next = (ript_call_state)after;
  return 0;
}

/*
 * ript/call.h - the server's call state machine (draft section 9.10).
 *
 * The server holds the definitive state of a call. Every event that crosses
 * a signaling byway, in either direction, is applied to that state first:
 * the server applies the events it is about to send and the events a client
 * sent, and refuses the ones the table below forbids.
 *
 *   event        from     proceeding  alerting   answered   terminal states
 *   proceeding   server   proceeding  illegal    illegal    terminated
 *   alerting     server   alerting    alerting   illegal    terminated
 *   answered     server   answered    answered   illegal    terminated
 *   declined     server   declined    declined   illegal    terminated
 *   failed       server   failed      failed     illegal    terminated
 *   noanswer     server   noanswer    noanswer   illegal    terminated
 *   end          either   ended       ended      ended      terminated
 *   migrate      server   (same)      (same)     (same)     terminated
 *   media-panic  server   (same)      (same)     (same)     terminated
 *   pong         server   (same)      (same)     (same)     terminated
 *   ping         client   (same)      (same)     (same)     terminated
 *   (unknown)    either   (same)      (same)     (same)     terminated
 *
 * The terminal states are declined, failed, noanswer and ended. An event
 * from the other side than "from" says is illegal in every non-terminal
 * state. A client's "end" before "answered" cancels the call.
 *
 * Thread-safety: pure functions, callable from any thread.
 */
#ifndef RIPT_CALL_H
#define RIPT_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "ript/event.h"

typedef enum ript_call_state {
  RIPT_CALL_PROCEEDING = 0, /* a new call */
  RIPT_CALL_ALERTING,
  RIPT_CALL_ANSWERED,
  RIPT_CALL_DECLINED,
  RIPT_CALL_FAILED,
  RIPT_CALL_NOANSWER,
  RIPT_CALL_ENDED
} ript_call_state;

/* One past the last state, for iterating over all of them. */
#define RIPT_CALL_STATE_COUNT (RIPT_CALL_ENDED + 1)

/* The state's name as the call description's "state" shows it:
 * "proceeding", "alerting", "answered", "declined", "failed", "noanswer",
 * "ended"; NULL for an out-of-range value. Static string. */
const char *ript_call_state_name(ript_call_state state);

/* Looks up the state named by the |len| bytes at |name| (case-sensitive).
 * Returns 0 and sets *|state|, RIPT_ERR_PARSE for a name that is not a
 * state, or RIPT_ERR_INVALID_ARGUMENT for NULL |name| or |state|. */
int ript_call_state_from_name(const char *name, size_t len,
                              ript_call_state *state);

/* Nonzero for declined, failed, noanswer and ended (and out-of-range
 * values, which can accept nothing either). */
int ript_call_state_is_terminal(ript_call_state state);

/*
 * The event type that announces |state|, sent first on every new GET
 * /events (section 9.9): proceeding, alerting, answered, declined, failed,
 * noanswer, and end for ended. RIPT_EVENT_UNKNOWN for an out-of-range value.
 */
ript_event_type ript_call_state_event(ript_call_state state);

/*
 * Fills |ev| with the announcement of |state| for the call |call_uri|:
 * direction s2c, timestamp |now_ms|, no optional members. |ev| borrows
 * |call_uri| (nothing is allocated; ript_event_free is not needed). Returns
 * 0 or RIPT_ERR_INVALID_ARGUMENT (NULL pointers, state out of range).
 */
int ript_call_announce(ript_call_state state, const char *call_uri,
                       int64_t now_ms, ript_event *ev);

/*
 * Applies an event of |type| sent in direction |dir| to a call in |state|
 * (see the table above) and sets *|next| to the resulting state.
 * Returns 0, or (*|next| untouched):
 *   RIPT_ERR_CALL_TERMINATED   |state| is terminal: no event is accepted.
 *   RIPT_ERR_ILLEGAL_EVENT     the event may not come from that side, or
 *                              not in this state.
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |next|, or a state, type or direction
 *                              out of range.
 */
int ript_call_apply(ript_call_state state, ript_event_type type,
                    ript_event_dir dir, ript_call_state *next);

#endif /* RIPT_CALL_H */

/*
 * server/call_internal.h - the inside of a live call (call.h), one module in
 * three files by job: call.c (life, state, the record in the store, time),
 * call_signal.c (the signaling byways), call_media.c (the media byways and
 * sessions: which exchange carries what the conversation writes).
 */
#ifndef RIPTD_CALL_INTERNAL_H
#define RIPTD_CALL_INTERNAL_H

#include "call.h"
#include "ript/audio.h"
#include "ript/call.h"
#include "ript/conversation.h"
#include "ript/event.h"

enum {
  /* §9.12: what happens while byways are re-established is kept this
   * long; an ended call that no reverse byway saw end still says how to
   * the first one within it (decision 63). */
  RIPTD_CALL_BUFFER_MS = 5000,
  /* A store write that could not be made is tried again after this. */
  RIPTD_CALL_STORE_RETRY_MS = 1000,
};

struct riptd_call {
  riptd_call_env *env;
  riptd_call_host host;
  char uuid[RIPT_URI_UUID_LEN + 1];
  char *uri;                /* the call URI as this node serves it */
  const riptd_route *route; /* into the configuration */
  /* The record as this node keeps it (owned): its state, with the time
   * and reason of the event that entered it, is the call's; written to
   * the store with compare-and-set. */
  riptd_call_rec rec;
  int terminal_seen;     /* the terminal event reached a reverse byway */
  int64_t lonely_since;  /* no signaling byway since; -1: one is open */
  int64_t linger_until;  /* ended: when host->done comes; INT64_MAX */
  int done;              /* host->done was called */
  /* byways and the conversation */
  riptd_byways byways;
  ript_conv *conv;
  int migrating;         /* `migrate` went out; no new events GET yet */
  ript_audio_stream tx_audio, rx_audio; /* the action's streams */
  int keyed;             /* the route's media key: riptd's own s2c key */
  ript_chunk_key tx_key;
  uint64_t forwarded;    /* its sealed chunks a conference forwarded */
  /* the action */
  const riptd_action_ops *action_ops;
  riptd_action *action;
  int action_ended;
  /* the record in the store: one write in flight at most */
  int writing;           /* a write is in flight */
  int write_again;       /* the call changed while it was */
  int64_t write_at;      /* the next write (lease renewal, a retry) */
  int freeing;           /* riptd_call_free ran; the write finishes it */
  /* Inside a timer run or an arrival, which ask for the timer once, at
   * the end, instead of at every step. */
  unsigned busy;
};

/* The clock for callbacks that come with no time. */
int64_t riptd_call_now(const riptd_call *c);

static inline int riptd_call_ended(const riptd_call *c) {
  return ript_call_state_is_terminal(c->rec.state);
}

/* Answers the byway |bw| 404: the call has ended. */
void riptd_call_refuse_ended(const riptd_call *c, riptd_byway *bw);

/* Sends a server event (ript/call.h decides whether the state takes it);
 * a terminal one ends the call. Returns 1 when it went out, 0 when the
 * state refused it. */
int riptd_call_event(riptd_call *c, ript_event_type type, const char *reason,
                     int64_t now);

/* Has the host arm the call's timer for its deadline, unless the call is
 * busy and will when it is done. */
void riptd_call_schedule(riptd_call *c);

/* Writes what the conversation has to say now: media on the carriers,
 * then events on the reverse signaling byways. */
void riptd_call_flush(riptd_call *c, int64_t now);

/* A signaling byway opened or went: keeps the no-byway timer. */
void riptd_call_signaling_changed(riptd_call *c, int64_t now);

/* ---- call_signal.c ---- */

/* The byway request |ex| on {call}/events, with what of its body arrived
 * before (riptd_call_take). */
void riptd_call_take_events(riptd_call *c, ript_http_exchange *ex,
                            riptd_byway_type type, const uint8_t *body,
                            size_t len, int ended, int64_t now);
/* Writes the events the conversation hands out on every reverse
 * signaling byway. */
void riptd_call_pump_events(riptd_call *c, int64_t now);
/* The call just ended: reverse signaling byways get "]" and end, forward
 * ones 200. */
void riptd_call_end_signaling(riptd_call *c);
/* Ends every reverse signaling byway with "]" (a migration). */
void riptd_call_close_events(riptd_call *c);

/* ---- call_media.c ---- */

/* The conversation for the directives of |rec| (made, or renegotiated
 * when it exists). Returns 0 or an error, the old conversation kept. */
int riptd_call_media_setup(riptd_call *c, const riptd_call_rec *rec,
                           int64_t now);
/* The same on {call}/media. */
void riptd_call_take_media(riptd_call *c, ript_http_exchange *ex,
                           riptd_byway_type type, const uint8_t *body,
                           size_t len, int ended, int64_t now);
/* Tells the conversation which carrier there is now. */
void riptd_call_media_path(riptd_call *c, int64_t now);
/* Writes what the conversation has due on the carriers. */
void riptd_call_pump_media(riptd_call *c, int64_t now);
/* After `migrate` (decision 78). */
void riptd_call_migrate_media(riptd_call *c, int64_t now);
/* The call ended: held media byways answer 404, sessions end. */
void riptd_call_end_media(riptd_call *c);
/* Frees the conversation and the key. */
void riptd_call_media_free(riptd_call *c);

#endif /* RIPTD_CALL_INTERNAL_H */

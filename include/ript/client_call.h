/*
 * ript/client_call.h - one outbound RIPT call on a ript_client (draft §8.7-
 * §8.8, §9.8-§9.14; docs/PROTOCOL.md §6-§10): create it, hold its
 * signaling byway, carry its media both ways, survive broken connections
 * and migrations, and end it. Shared by `ript call` and the load generator.
 *
 * Model. A ript_client_call is one call and owns every exchange of it:
 *   - POST {tg}/calls (or, to resume a call, GET {call});
 *   - one signaling byway: GET {call}/events, kept open for the whole call,
 *     plus one short PUT {call}/events per event the caller sends (a ping
 *     every ping_interval_ms, end);
 *   - the media: over HTTP/3 with RIPT_CLIENT_MEDIA_DATAGRAM (or AUTO), an
 *     extended CONNECT (:protocol webtransport) on {call}/media whose HTTP
 *     datagrams carry media and acknowledgement chunks; otherwise the
 *     byways of §9.11.3-§9.11.4: a PUT per chunk (with the acks owed) and
 *     |byways| long-lived GETs, each answered with one chunk and reopened.
 * Media is sealed, numbered, acknowledged, replayed and measured by a
 * ript_media_session (ript/media.h) built from the call's directives, and
 * what leaves when (acknowledgements, replays, pings) is decided by the
 * call's conversation (ript/conversation.h), as in riptd.
 *
 * Migration (§9.13, §9.14). The call migrates when the server sends
 * `migrate` (to its "uri" if it names one), when the signaling byway is
 * reset or its connection breaks, when sent media goes unacknowledged for
 * 1 s (or the TG's media-timeout), or when no media arrives for 5 s: every
 * exchange of the call is cancelled, a new GET {call}/events is sent
 * without cookies, and only once its response headers arrive is the media
 * reopened; every chunk not yet acknowledged (at most 5 s of them) is then
 * replayed, right after the first new frame (which carries full values)
 * or 60 ms after the media path returned. Frames sent meanwhile are kept
 * the same way. A
 * signaling byway that cannot be reopened is retried with the client's
 * back-off until |give_up_ms| have passed without one; then the call ends
 * with RIPT_ERR_HTTP_CLOSED.
 *
 * Callbacks. All come from the loop, never from inside a function of this
 * API; the functions below may be called from any of them.
 * During on_closed the call can still be read (uri, stats); after it the
 * call is freed and the pointer must not be used again.
 *
 * Threading: as ript/client.h: the loop's thread only.
 */
#ifndef RIPT_CLIENT_CALL_H
#define RIPT_CLIENT_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "ript/client.h"
#include "ript/doc.h"
#include "ript/event.h"
#include "ript/media.h"
#include "ript/mediakey.h"

typedef struct ript_client_call ript_client_call;

typedef enum ript_client_media_mode {
  RIPT_CLIENT_MEDIA_AUTO = 0, /* datagrams on HTTP/3, byways on HTTP/2 */
  RIPT_CLIENT_MEDIA_DATAGRAM, /* HTTP/3 only */
  RIPT_CLIENT_MEDIA_BYWAY
} ript_client_media_mode;

/* Reverse media byways opened by default (draft §9.11.4) and at most. */
#define RIPT_CLIENT_CALL_BYWAYS 20
#define RIPT_CLIENT_CALL_MAX_BYWAYS 64

typedef struct ript_client_call_config {
  /* A new call: POST {tg_uri}/calls with this handler, destination and
   * PASSporT (all required). */
  const char *tg_uri;
  const char *handler_uri;
  const char *destination;
  const char *passport;
  /* Or an existing call to resume (a client that restarted, §9.8): its
   * URI; the four above are then ignored. */
  const char *call_uri;
  ript_client_media_mode media;
  /* Reverse media byways kept open; 0 means RIPT_CLIENT_CALL_BYWAYS. */
  unsigned byways;
  /* Interval of pings on the signaling byway; 0 means 5000; pings can
   * not be turned off. */
  uint64_t ping_interval_ms;
  /* The TG's media-timeout (§9.3); 0 means 5000. */
  uint64_t media_timeout_ms;
  /* How long the call may go without a signaling byway before it is given
   * up; 0 means 30000 (the server's own no-byway timer). */
  uint64_t give_up_ms;
  /* The end-to-end media key (ript/mediakey.h; copied), or NULL for
   * unencrypted media. With it the call seals everything it sends under
   * its own key (a c2s key id with random bits, for the whole call),
   * starts its sequence numbers at random, opens what any other sender of
   * the same key sealed, and refuses unencrypted media. */
  const ript_mediakey *media_key;
} ript_client_call_config;

/* Why and how the call is over. */
typedef struct ript_client_call_outcome {
  /* 0: the call reached a terminal event (|final|); else the RIPT_ERR_*
   * that ended it and |res| says where (as for every client operation). */
  int code;
  const ript_client_result *res;
  ript_event_type final;  /* END, DECLINED, FAILED or NOANSWER; UNKNOWN
                             when code != 0 */
  const char *reason;     /* the terminal event's reason, or NULL */
  int ended_by_us;        /* the final `end` answers ript_client_call_end */
} ript_client_call_outcome;

typedef struct ript_client_call_callbacks {
  /* The call description: from the 201 of the POST (or the GET of a
   * resumed call). A migration to a new URI does not describe the call
   * again: its `migrate` event (on_event) names the URI, which
   * ript_client_call_uri returns from then on. May be NULL. */
  void (*on_described)(ript_client_call *call, const ript_doc_call *desc,
                       void *user_data);
  /* Each event the server sends, in order, after the call acted on it
   * (pong, media-panic and migrate included). May be NULL. */
  void (*on_event)(ript_client_call *call, const ript_event *ev,
                   void *user_data);
  /* Each media chunk delivered, once (duplicates are dropped), including
   * telephone-events and comfort noise. May be NULL. */
  void (*on_frame)(ript_client_call *call, const ript_media_frame *frame,
                   void *user_data);
  /* The call is over; required. */
  void (*on_closed)(ript_client_call *call,
                    const ript_client_call_outcome *outcome,
                    void *user_data);
} ript_client_call_callbacks;

/*
 * Starts a call. |cfg| and |cbs| are copied. Returns 0 (on_closed will be
 * called exactly once), RIPT_ERR_INVALID_ARGUMENT (NULL argument, a URI
 * that is not https, neither a complete new call nor a call_uri,
 * RIPT_CLIENT_MEDIA_DATAGRAM on an HTTP/2 client, byways over the
 * maximum), RIPT_ERR_HTTP_CLOSED (the client is closing) or
 * RIPT_ERR_NOMEM. |pcall| (may be NULL) receives the call.
 */
int ript_client_call_start(ript_client *client,
                           const ript_client_call_config *cfg,
                           const ript_client_call_callbacks *cbs,
                           void *user_data, ript_client_call **pcall);

/* The call URI (NULL until described), and the stream the caller sends
 * on: the first stream of the client directives (0 when there is none or
 * the call is not described yet). */
const char *ript_client_call_uri(const ript_client_call *call);
int ript_client_call_tx_stream(const ript_client_call *call,
                               uint8_t *source, uint8_t *sink);

/* Nonzero once the server said `answered`. */
int ript_client_call_answered(const ript_client_call *call);

/*
 * Sends one media frame on its stream (source and sink from the frame;
 * the session refuses any the directive does not allow). Sent at once
 * when the media path is open; otherwise kept and replayed when it
 * returns. Returns 0, RIPT_ERR_CALL_NOT_READY (not described yet),
 * RIPT_ERR_CALL_TERMINATED (over),
 * RIPT_ERR_INVALID_ARGUMENT / RIPT_ERR_MISMATCH (the session's refusal),
 * RIPT_ERR_NOMEM.
 */
int ript_client_call_send(ript_client_call *call,
                          const ript_media_frame *frame);

/*
 * Ends the call: sends `end` with |reason| (may be NULL) on a PUT; the
 * call closes when the server's `end` arrives, or after the client's
 * timeout without one. Returns 0, RIPT_ERR_CALL_NOT_READY (not described
 * yet: ript_client_call_abort instead), RIPT_ERR_CALL_TERMINATED (already
 * ending or over) or RIPT_ERR_NOMEM.
 */
int ript_client_call_end(ript_client_call *call, const char *reason);

/* Migrates now, as if the server had sent `migrate` without a URI (for
 * tests and for a client that knows its network changed). Returns 0,
 * RIPT_ERR_CALL_NOT_READY or RIPT_ERR_CALL_TERMINATED. */
int ript_client_call_migrate(ript_client_call *call);

/* Gives up on the call without telling the server: every exchange is
 * cancelled and on_closed reports RIPT_ERR_HTTP_CLOSED. */
void ript_client_call_abort(ript_client_call *call);

typedef struct ript_client_call_stats {
  ript_media_stats media;   /* the session's figures (ript/media.h) */
  uint64_t migrations;      /* migrations started, any cause */
  uint64_t media_panics;    /* media-panic events received */
  uint64_t pings_sent;
  uint64_t pongs_received;
  uint64_t byways_refused;  /* reverse media byways answered 429 */
  int64_t answered_after_ms;/* from start to `answered`; -1 if not */
  /* The longest wait between two media chunks that arrived (what a
   * listener heard as a gap: an outage, a server's restart; a far end
   * that sends nothing in silence makes them too); 0 before two. */
  int64_t longest_gap_ms;
} ript_client_call_stats;

/* Fills |stats|. Returns 0 or RIPT_ERR_INVALID_ARGUMENT. */
int ript_client_call_get_stats(const ript_client_call *call,
                               ript_client_call_stats *stats);

#endif /* RIPT_CLIENT_CALL_H */

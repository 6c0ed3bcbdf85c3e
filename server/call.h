/*
 * server/call.h - the inside of riptd's live calls (live.h), shared by
 * live.c (the registry), call.c (state, signaling byways, the timer, and
 * the host of the call's action) and callmedia.c (the media session and
 * media byways). What the route does is the call's action (action.h).
 *
 * Clocks: "mono" times are the loop's monotonic milliseconds (uv_now), used
 * for every deadline; "wall" times are Unix milliseconds, used for event
 * timestamps, media chunks and the action (riptd_wall_ms).
 */
#ifndef RIPTD_CALL_H
#define RIPTD_CALL_H

#include <stdint.h>

#include <uv.h>

#include "action.h"
#include "app.h"
#include "live.h"
#include "ript/audio.h"
#include "ript/event.h"
#include "ript/media.h"

enum {
  /* §9.12: events and media are kept at least this long for a client
   * whose byways are being re-established. */
  RIPTD_BUFFER_MS = 5000,
  /* Non-state events kept while no reverse signaling byway is open. */
  RIPTD_EVENTS_KEPT = 32,
  /* The largest HTTP datagram opened (QUIC's max_datagram_frame_size we
   * advertise); media PUT bodies are limits.media-put-max-bytes. */
  RIPTD_DATAGRAM_RX_MAX = 65536,
  /* Acknowledgements owed wait this long for a datagram to ride. */
  RIPTD_ACK_DELAY_MS = 20,
  /* An HTTP datagram riptd sends carries at most this many bytes, so that
   * it fits a QUIC packet before path MTU discovery (TRANSPORT.md). */
  RIPTD_DATAGRAM_MAX = 1100,
  /* Room one acknowledgement chunk takes at most: 58 bytes with the NULL
   * cipher, 77 with a key id and a 16-byte tag. */
  RIPTD_ACK_MAX = 96,
  /* A reverse signaling byway whose reader falls this far behind is
   * reset rather than buffered without end. */
  RIPTD_EVENTS_PENDING_MAX = 1048576,
};

typedef struct riptd_call riptd_call;
/* How a call's record is written to the store (call.c). */
typedef struct riptd_call_sync riptd_call_sync;

/* ---- byways: one per exchange a call holds ---- */

typedef enum riptd_bw_kind {
  RIPTD_BW_EVENTS_GET = 0, /* reverse signaling byway */
  RIPTD_BW_EVENTS_PUT,     /* forward signaling byway */
  RIPTD_BW_MEDIA_GET,      /* reverse media byway, held until used */
  RIPTD_BW_MEDIA_PUT,      /* forward media byway: one body */
  RIPTD_BW_SESSION,        /* WebTransport session: datagrams */
  RIPTD_BW_KINDS
} riptd_bw_kind;

/*
 * A byway is the user data of its exchange and lives until the exchange
 * closes. While the call counts it, it is on the call's list of its kind
 * (most recent first); once answered or ended by the call it is detached
 * (call NULL) and only waits for its exchange to close.
 */
typedef struct riptd_bw {
  struct riptd_bw *prev, *next;
  riptd_call *call;
  riptd_live *live;
  ript_http_exchange *ex;
  riptd_bw_kind kind;
  ript_event_writer writer;  /* events GET */
  ript_event_parser *parser; /* events PUT */
  ript_buf body;             /* media PUT */
  size_t received;           /* events PUT: body bytes so far */
  int status;                /* events PUT: how a failed event answers */
  char *reason;              /* and why (allocated then: a call holds up to
                                30 byways, which rarely need one) */
} riptd_bw;

/* ---- the media of a call (callmedia.c) ---- */

typedef struct riptd_cmedia {
  ript_media_session *session;
  /* The first stream of the server directive (what riptd sends) and of
   * the client directive (what it receives), for the audio; codec NULL
   * when there is none the audio toolkit codes. The parsed directives
   * themselves are not kept. */
  ript_audio_stream tx_audio, rx_audio;
  int backlog;      /* chunks wait for a reverse byway (an outage) */
  int replaying;    /* ript_media_replay_start ran for this backlog */
  int more_waiting; /* chunks joined the backlog after it did */
  int panicked;     /* media-panic went out for this outage */
  int migrating;    /* migrate went out; no new events GET yet */
  int64_t ack_at;   /* mono: acks owed leave alone on a datagram */
  /* The route's media key: riptd seals under its own s2c key from it
   * (kept for the call's life: renegotiation keeps it) and opens what the
   * key's senders sealed. */
  int keyed;
  ript_chunk_key tx_key;
  uint64_t forwarded; /* sealed chunks of this call forwarded (conference) */
} riptd_cmedia;

/* ---- a call ---- */

struct riptd_call {
  riptd_live *live;
  riptd_call *map_next; /* the registry's bucket chain */
  char uuid[RIPT_URI_UUID_LEN + 1];
  char *uri, *customer, *tg, *to;
  const riptd_route *route; /* into the configuration */
  ript_call_state state;
  ript_event state_event; /* the event that entered |state| (owned) */
  int64_t ended_at;       /* mono, when it terminated */
  int terminal_seen;      /* the terminal event reached a reverse byway */
  riptd_bw *bw[RIPTD_BW_KINDS];
  size_t nbw[RIPTD_BW_KINDS];
  /* Non-state events generated while no reverse signaling byway was open,
   * with the mono time of each (owned copies). */
  ript_event kept[RIPTD_EVENTS_KEPT];
  int64_t kept_at[RIPTD_EVENTS_KEPT];
  size_t nkept;
  int64_t lonely_since; /* mono: no signaling byway since; -1: one is open */
  uv_timer_t timer;
  int64_t armed_at;     /* mono: when the timer fires; INT64_MAX: stopped */
  int64_t expire_at;    /* mono: the record goes; INT64_MAX: not yet */
  int64_t renew_at;     /* mono: the lease in the store is renewed */
  riptd_call_sync *sync; /* writes the record */
  int closing;          /* riptd_call_close ran: the timer is closing */
  riptd_cmedia media;
  const riptd_action_ops *action_ops; /* the route's row */
  riptd_action *action;
};

/* ---- the registry (live.c) ---- */

/* Free lists of the pool allocator (live.c): blocks of 2^(5+i) bytes. */
enum { RIPTD_POOL_CLASSES = 9, RIPTD_POOL_KEEP = 4096 };

struct riptd_live {
  uv_loop_t *loop;
  riptd_app *app;
  riptd_call **buckets;
  size_t nbuckets, count;
  /* Small blocks freed are kept for the next allocation of their size, so
   * the playout buffers allocate nothing per chunk in steady state. */
  ript_mem pool;
  void *free_blocks[RIPTD_POOL_CLASSES];
  size_t nfree[RIPTD_POOL_CLASSES];
  /* Scratch space for one call at a time (one thread, one loop): |out|
   * for events, |chunks| for media bodies and datagrams. */
  ript_buf out;
  ript_buf chunks;
  uint8_t *rx;       /* RIPTD_DATAGRAM_RX_MAX bytes */
  riptd_action_env env; /* what the calls' actions share */
  size_t timers_open;
  int closing;
  void (*on_closed)(void *);
  void *on_closed_data;
};

/* Unix milliseconds (CLOCK_REALTIME). */
int64_t riptd_wall_ms(void);

/* The loop's monotonic milliseconds. */
int64_t riptd_mono_ms(const riptd_live *live);

/* The registry: the live call |uuid|, or NULL. */
riptd_call *riptd_live_find(riptd_live *live, const char *uuid);
/* Registers the new |call|. Returns 0 or RIPT_ERR_NOMEM. */
int riptd_live_add(riptd_live *live, riptd_call *call);
/* Forgets |call| (its memory is the caller's). */
void riptd_live_forget(riptd_live *live, riptd_call *call);
/* One timer closed: the last one (with no recording still being
 * written) lets riptd_live_close finish. */
void riptd_live_timer_closed(riptd_live *live);

/* ---- call.c ---- */

/* A live call for the stored |rec| (state proceeding), registered and
 * started. Returns 0 or RIPT_ERR_NOMEM / the error of a directive. */
int riptd_call_start(riptd_live *live, const riptd_call_rec *rec);

/* The call's directives changed (POST {call}): the media session and the
 * route's audio start again with the new ones (a recording keeps its
 * format). Returns 0 (also for an ended call), or the error of
 * riptd_cmedia_renegotiate, the call then unchanged. */
int riptd_call_renegotiate(riptd_call *call, const riptd_call_rec *rec);

/* Takes over a byway request of the call (see riptd_live_take). */
void riptd_call_take(riptd_call *call, ript_http_exchange *ex,
                     riptd_byway_kind kind);

/*
 * Sends a server event of |type| with an optional |reason| (declined,
 * failed, noanswer, end): applied to the call state first (a state event
 * is refused, and 0 returned, when the table of ript/call.h forbids it),
 * then written on every open reverse signaling byway or, with none open,
 * kept for the next. A terminal event ends the call: every byway is
 * answered or ended, the media stops, and the record stays 5 minutes.
 * Returns 1 when the event went out, 0 when it was refused.
 */
int riptd_call_event(riptd_call *call, ript_event_type type,
                     const char *reason);

/*
 * Asks the client to migrate (§9.13): sends `migrate` (no "uri": the call
 * stays here) like riptd_call_event, then ends every reverse signaling
 * byway and stops using the media byways and sessions open now (see
 * riptd_cmedia_migrate): the client drops them and opens new ones, which
 * get what was kept meanwhile. Returns 1, or 0 (nothing done) for a call
 * that has ended or has no reverse signaling byway open.
 */
int riptd_call_migrate(riptd_call *call);

/* Re-arms the call's timer for its earliest deadline. */
void riptd_call_schedule(riptd_call *call);

/* Ends the call if it is going (riptd is closing), frees what it holds
 * and closes its timer; the memory goes in the timer's close callback. */
void riptd_call_close(riptd_call *call);

/* Attaches |bw| to its call's list of its kind, most recent first. */
void riptd_bw_attach(riptd_call *call, riptd_bw *bw);
/* Takes |bw| off its call's list: the call no longer counts it. */
void riptd_bw_detach(riptd_bw *bw);
/* The on_close callback of every byway's exchange: detaches and frees. */
void riptd_bw_closed(ript_http_exchange *ex, int error, void *user_data);
/* Sends a complete response: |status|, content type |ctype| (NULL: none)
 * and |len| bytes of |body|; the byway is detached. */
void riptd_bw_answer(riptd_bw *bw, int status, const char *ctype,
                     const void *body, size_t len);
/* Answers with an error document (docs/PROTOCOL.md §4.7). */
void riptd_bw_error(riptd_bw *bw, int status, const char *error,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- callmedia.c ---- */

/* Sets up the media session of |call| from the directives of |rec|. */
int riptd_cmedia_init(riptd_call *call, const riptd_call_rec *rec);
/* Frees the media session and directives. */
void riptd_cmedia_free(riptd_call *call);
/* A new media session for the directives of |rec| in place of the old
 * one, whose kept chunks are dropped. Returns 0, or the error of
 * riptd_cmedia_init with the old session kept. */
int riptd_cmedia_renegotiate(riptd_call *call, const riptd_call_rec *rec);
/* Takes over a media byway request (GET, PUT, CONNECT). */
void riptd_cmedia_take(riptd_call *call, riptd_bw *bw);
/* Sends one media chunk on the call's best way: the newest WebTransport
 * session, else the newest reverse media byway, else keeps it (and sends
 * media-panic once per outage). Returns 0 or the error of
 * ript_media_send. */
int riptd_cmedia_send(riptd_call *call, const ript_media_frame *frame);

/* Sends another call's chunk of |len| bytes exactly as it is (a relay):
 * on the newest WebTransport session, else on a reverse media byway when
 * no backlog waits. Forwarded chunks are not kept for a replay. Returns 0,
 * or RIPT_ERR_HTTP_STATE when there is no way out now (dropped). */
int riptd_cmedia_forward(riptd_call *call, const uint8_t *chunk, size_t len);
/* After `migrate`: the reverse media byways open now are no longer used
 * (they wait for the client to cancel them), the sessions end, and media
 * is kept from here on as in an outage, without media-panic. Reverse
 * media byways and sessions that arrive before the client's new events
 * GET were opened before it saw `migrate` (§9.13 has media wait for that
 * GET's response) and are not used either. The first new reverse byway
 * or session gets every chunk not yet acknowledged again, including those
 * sent on the old ones just before, which the client may have dropped
 * unread. Forward media byways stay. */
void riptd_cmedia_migrate(riptd_call *call);
/* A new reverse signaling byway is open: reverse media byways and
 * sessions are the client's new ones from now on. */
void riptd_cmedia_signaled(riptd_call *call);
/* The next deadline of the media (mono), INT64_MAX if none. */
int64_t riptd_cmedia_deadline(const riptd_call *call);
/* Does what is due at |now| (acks alone on a datagram). */
void riptd_cmedia_run(riptd_call *call, int64_t now);
/* The call ended: held media byways answer 404, sessions end. */
void riptd_cmedia_end(riptd_call *call);

#endif /* RIPTD_CALL_H */

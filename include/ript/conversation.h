/*
 * ript/conversation.h - what one call's media and signaling conversation
 * decides, for either end (draft sections 9.9-9.14; docs/PROTOCOL.md §8,
 * §10.5, §10.6).
 *
 * A conversation sits on a media session (ript/media.h), which it owns, and
 * decides what the session alone cannot: which bytes leave now and on what,
 * and what waits. It is the one implementation of these rules that riptd's
 * live calls and the client library's calls both bind to:
 *
 *   - acknowledgements ride beside a media chunk when one leaves, packed
 *     into the carrier's size budget; with none to ride on they leave alone
 *     |ack_delay_ms| after the first was owed, where the path lets them
 *     (datagrams, client PUTs), and never on a server's held GET;
 *   - while no carrier is open (no WebTransport session, no reverse media
 *     byway, or the client's byways are being re-established) media is kept
 *     in the session's replay queue (the backlog), and replayed, oldest
 *     first, when a carrier returns (§9.12); a server replays at once, a
 *     client (which replays every chunk not yet acknowledged) at once
 *     until it first migrates, and from then on after its first new chunk
 *     of the new path (which carries full values, ript_media_resync) or
 *     |replay_wait_ms| after the path came back, whichever is first
 *     (decision 77);
 *   - a server queues `media-panic` once per outage (§9.11.4, decision 65),
 *     not during a migration it asked for;
 *   - a server keeps the non-state events it sends while no reverse
 *     signaling byway is open, at most |events_keep_max| and none older than
 *     |events_keep_ms|, and a new reverse byway gets "[", the announcement
 *     of the call's state, then those kept events, once (decisions 61, 62);
 *   - a server answers `ping` with `pong` (same nonce); a client sends
 *     `ping` every |ping_interval_ms| while its signaling byway is up.
 *
 * The API is pull-style, like nghttp3's writev: the binding hands in what
 * arrived and what the application wants sent, tells the conversation what
 * carriers it has, and then asks it to write what is due into the room a
 * carrier has (a datagram's size, a body); it asks for the next deadline and
 * calls ript_conv_check then. Time is always an argument (`now`, ms since
 * the Unix epoch on the caller's clock, never going back): the conversation
 * reads no clock, opens no socket and starts no timer.
 *
 * What stays the binding's: which exchange carries the bytes, how many
 * reverse byways are open, HTTP statuses, and the call's state table
 * (ript/call.h): the conversation keeps the announcement it is given but
 * applies no event to any state.
 *
 * Errors: negative RIPT_ERR_* codes (ript/error.h). Memory: one allocation
 * for the conversation plus the session's, events kept (copies), and the
 * chunks waiting to be written; all through the configuration's ript_mem.
 * Thread-safety: a conversation must not be used by two threads at once.
 */
#ifndef RIPT_CONVERSATION_H
#define RIPT_CONVERSATION_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/event.h"
#include "ript/media.h"
#include "ript/mem.h"

/* Defaults that ript_conv_config_init sets. */
#define RIPT_CONV_ACK_DELAY_DEFAULT_MS 20      /* decision 66 */
#define RIPT_CONV_REPLAY_WAIT_DEFAULT_MS 60    /* decision 77, client only */
#define RIPT_CONV_PING_INTERVAL_DEFAULT_MS 5000 /* client only */
#define RIPT_CONV_EVENTS_KEEP_DEFAULT_MS 5000  /* §9.12, server only */
#define RIPT_CONV_EVENTS_KEEP_DEFAULT_MAX 32   /* server only */

typedef struct ript_conv_config {
  /* The media session's configuration (its role is the conversation's);
   * copied, keys borrowed as ript_media_session_new says. */
  ript_media_config media;
  /* Acknowledgements owed with no media chunk to ride on leave alone this
   * long after the first of them was owed (> 0). */
  int64_t ack_delay_ms;
  /* Client: after a break, replay waits at most this long for the first
   * new chunk (>= 0). Ignored by a server. */
  int64_t replay_wait_ms;
  /* Client: a ping every this long while the signaling byway is up; 0: no
   * pings. Ignored by a server. */
  int64_t ping_interval_ms;
  /* Server: non-state events sent while no reverse signaling byway is open
   * are kept this long (> 0), at most this many (> 0; the oldest give way).
   * Ignored by a client. */
  int64_t events_keep_ms;
  size_t events_keep_max;
} ript_conv_config;

/* Zeroes |config|, runs ript_media_config_init on |config->media| and sets
 * the defaults above. */
void ript_conv_config_init(ript_conv_config *config);

typedef struct ript_conv ript_conv;

/*
 * Creates a conversation (and its media session) from |config| at |now|.
 * Allocates with |mem| (NULL: the default allocator). Returns 0 and stores
 * it in |*pconv|, or (nothing stored) the errors of ript_media_session_new,
 * or RIPT_ERR_INVALID_ARGUMENT for a NULL |pconv| or |config| or a value
 * out of range above (of those the role uses: the others are ignored).
 */
int ript_conv_new(ript_conv **pconv, const ript_conv_config *config,
                  int64_t now, const ript_mem *mem);

/* Frees the conversation, its session and everything it keeps. NULL is a
 * no-op. Not from inside a ript_media_frame_cb. */
void ript_conv_del(ript_conv *conv);

/*
 * Replaces the media session with one made from |media| (a renegotiation,
 * docs/PROTOCOL.md decision 72): chunks kept, waiting or owed an
 * acknowledgement under the old one are dropped; the path, the events kept
 * and the signaling state stay. On failure the old session stays. Returns 0,
 * the errors of ript_media_session_new, or RIPT_ERR_INVALID_ARGUMENT (NULL
 * arguments, |media| of the other role, or called from inside the frame
 * callback of ript_conv_receive).
 */
int ript_conv_renegotiate(ript_conv *conv, const ript_media_config *media,
                          int64_t now);

/* The media session, for its figures (ript_media_get_stats). The
 * conversation keeps owning it; do not send or receive on it directly. */
const ript_media_session *ript_conv_media(const ript_conv *conv);

/* ---- the media path ---------------------------------------------------- */

/* What carries chunks now (the binding says so each time it changes). */
typedef enum ript_conv_path {
  RIPT_CONV_PATH_NONE = 0, /* nothing: media goes to the backlog */
  /* HTTP datagrams on a WebTransport session: each ript_conv_write is one
   * datagram; acknowledgements may leave alone. */
  RIPT_CONV_PATH_DATAGRAM,
  /* Client media byways: each ript_conv_write is one PUT body; every
   * acknowledgement owed rides with a chunk, and they leave alone too. */
  RIPT_CONV_PATH_BODY,
  /* Server reverse media byways: each ript_conv_write answers one held
   * GET, and only with a media chunk (acknowledgements ride beside it;
   * alone they go in ript_conv_write_acks, the answers to forward byways). */
  RIPT_CONV_PATH_HELD
} ript_conv_path;

/*
 * The binding has |path| from now on. From NONE to a carrier, a backlog is
 * replayed (a server's at once; a client's, every chunk not yet
 * acknowledged, at once before its first migration and after its first
 * new chunk or replay_wait_ms from then on). From a carrier to NONE,
 * chunks waiting to be written join the backlog (they stay in the
 * session's replay queue; forwarded ones are dropped), and a server
 * queues media-panic as ript_conv_send does. Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (an unknown path, BODY for a server, HELD for
 * a client, negative |now|).
 */
int ript_conv_set_path(ript_conv *conv, ript_conv_path path, int64_t now);

/*
 * The byways are being re-established (§9.13): the path is NONE until the
 * binding sets one. A server that asked for it (`migrate`) sends no
 * media-panic for this outage, and replays every chunk not yet
 * acknowledged on the first carrier that returns, also those written on
 * the old byways (decision 78). A client calls this when it migrates:
 * every stream it sends carries full values again (ript_media_resync), and
 * from now on its replays wait for a new chunk (or replay_wait_ms).
 */
void ript_conv_migrate(ript_conv *conv, int64_t now);

/* ---- media out ---------------------------------------------------------- */

/*
 * Encodes |frame| (ript_media_send) and queues the chunk to be written; with
 * no path it goes to the backlog instead, and a server queues media-panic
 * (as ript_conv_send_event; its `call` is the announcement's) if this
 * outage has not had one (when there is no memory for it, the next chunk
 * kept tries again). Returns 0 or the errors of ript_media_send
 * (RIPT_ERR_NOMEM also when the queue cannot grow).
 */
int ript_conv_send(ript_conv *conv, const ript_media_frame *frame,
                   int64_t now);

/*
 * Queues another call's chunk of |len| bytes to be written exactly as it is
 * (a relay, docs/PROTOCOL.md §10.8). Forwarded chunks are not kept for a
 * replay: with no path, or a backlog still to replay, the chunk is dropped
 * and RIPT_ERR_NOBUF returned. Returns 0, RIPT_ERR_NOBUF, RIPT_ERR_NOMEM or
 * RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_conv_forward(ript_conv *conv, const uint8_t *chunk, size_t len,
                      int64_t now);

/*
 * Appends to |out| what is due on one carrier of the current path, in at
 * most |max| bytes: at most one media chunk (replayed ones and waiting ones
 * in the order the rules above give) and beside it the acknowledgements
 * owed that fit; or, when no chunk is due and the path lets them leave
 * alone, the acknowledgements owed that fit once their delay is up.
 * Returns the bytes appended: 0 when nothing is due (or the path is NONE),
 * so a binding writes in a loop while it has carriers and this returns
 * more than 0. Acknowledgements that cannot be made beside a chunk (no
 * memory, GnuTLS) stay owed and the chunk goes alone. Errors (nothing
 * appended): RIPT_ERR_NOBUF (|max| cannot hold the next chunk: it stays,
 * and goes when a write has the room; a datagram binding whose path will
 * never take it writes it with more room and lets the transport drop it,
 * as any datagram lost: the session keeps it for a replay), RIPT_ERR_NOMEM,
 * RIPT_ERR_CRYPTO, RIPT_ERR_INVALID_ARGUMENT.
 */
ript_ssize ript_conv_write(ript_conv *conv, int64_t now, ript_buf *out,
                           size_t max);

/*
 * Appends every acknowledgement owed that fits in |max| bytes, now: the
 * body of a server's answer to a forward media byway. Returns the bytes
 * appended (0 when none is owed), or the errors of ript_conv_write.
 */
ript_ssize ript_conv_write_acks(ript_conv *conv, int64_t now, ript_buf *out,
                                size_t max);

/* ---- media in ----------------------------------------------------------- */

/*
 * Processes one body or datagram (ript_media_receive; |data| is decrypted
 * in place), delivering new media to |cb|. The acknowledgements it owes are
 * written by ript_conv_write / ript_conv_write_acks. |cb| may call
 * ript_conv_send, ript_conv_forward (on this conversation or another),
 * ript_conv_write and the getters, but not ript_conv_receive,
 * ript_conv_renegotiate or ript_conv_del on this one. Returns the number of
 * media chunks delivered, or the errors of ript_media_receive
 * (RIPT_ERR_INVALID_ARGUMENT also from inside |cb|).
 */
int ript_conv_receive(ript_conv *conv, uint8_t *data, size_t len,
                      int64_t now, ript_media_frame_cb cb, void *user_data);

/* ---- signaling ---------------------------------------------------------- */

/*
 * Server: the event that entered the call's current state (copied), which
 * every new reverse signaling byway announces first; set it before
 * anything else (media-panic names its call). Returns 0, RIPT_ERR_NOMEM
 * (the old one stays) or RIPT_ERR_INVALID_ARGUMENT (NULL, or a client).
 */
int ript_conv_set_announcement(ript_conv *conv, const ript_event *ev);

/*
 * Whether the signaling byway is up: a server's "at least one reverse
 * signaling byway open", a client's "its GET {call}/events answered".
 * When a server's goes down, the events queued and not taken yet are kept
 * as ript_conv_send_event keeps them (from when they were sent); when it
 * comes up here rather than by ript_conv_open_events, what was kept is
 * handed out by ript_conv_take_event.
 */
void ript_conv_set_signal(ript_conv *conv, int up, int64_t now);

/*
 * Server: a new reverse signaling byway opens. Appends to |out|, through
 * |w| (initialized by the caller), "[", the announcement, and, when no
 * reverse byway was open, the events kept (which go to this byway and no
 * other; one that cannot be written, such as a media-panic queued before
 * any announcement named the call, is left out). Counts as signal up.
 * Returns 0, RIPT_ERR_NOMEM (nothing appended, |w| initialized again, the
 * events still kept), or RIPT_ERR_INVALID_ARGUMENT (a client, or no
 * announcement set).
 */
int ript_conv_open_events(ript_conv *conv, int64_t now, ript_event_writer *w,
                          ript_buf *out);

/*
 * Queues an event this side sends (copied): the binding writes it when
 * ript_conv_take_event hands it out. A server with no reverse byway open
 * keeps a non-state event for the next one and drops a state event (the
 * announcement carries it). A client that sends `end` sends no more pings.
 * Returns 0, RIPT_ERR_NOMEM or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_conv_send_event(ript_conv *conv, const ript_event *ev, int64_t now);

/*
 * An event the peer sent, after the binding checked and applied it: a
 * server queues the pong of a ping (its nonce and call, as
 * ript_conv_send_event queues); a client counts pongs and media-panics
 * (ript_conv_stats). Returns 0, RIPT_ERR_NOMEM or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_conv_event_received(ript_conv *conv, const ript_event *ev,
                             int64_t now);

/*
 * Moves the next event to send into |ev| (overwritten without being freed;
 * owned by the caller afterwards: ript_event_free) and returns 1, or
 * returns 0 when none is due: a server's queued events while a reverse
 * byway is open, a client's queued events and its ping once due (nonce
 * "p1", "p2", ...). The ping names no call (`call` NULL): the binding sets
 * `call` to the call's URI, a string of its own, which ript_event_free
 * leaves alone. Returns RIPT_ERR_NOMEM when a ping could not be made (it
 * stays due), or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_conv_take_event(ript_conv *conv, int64_t now, ript_event *ev);

/* ---- time --------------------------------------------------------------- */

/* ript_conv_check results. */
#define RIPT_CONV_FLAG_MIGRATE 0x01u /* client: a §9.14 media timer ran out */
#define RIPT_CONV_FLAG_WRITE 0x02u   /* something is due: write and take */

/*
 * When ript_conv_check next has something to do (acknowledgements' delay,
 * a replay's wait, a ping, kept events aging out, the session's timers: a
 * client's only while it has a path), or INT64_MAX. What a check reported
 * due (RIPT_CONV_FLAG_WRITE) is no deadline any more, so after
 * ript_conv_check(now) this is later than |now|: the binding writes and
 * takes what is due.
 */
int64_t ript_conv_next_deadline(const ript_conv *conv);

/*
 * Runs what is due at |now|: the session's timers (ript_media_check; the
 * client's migration flags, while it has a path, are reported as
 * RIPT_CONV_FLAG_MIGRATE; a server's are not), kept events that aged out,
 * the replay's wait. RIPT_CONV_FLAG_WRITE says that ript_conv_write or
 * ript_conv_take_event has something now (a chunk, a replay,
 * acknowledgements whose delay is up, an event, a ping). Returns
 * RIPT_CONV_FLAG_* (0 when nothing happened, and for NULL or a negative
 * |now|).
 */
unsigned ript_conv_check(ript_conv *conv, int64_t now);

/* ---- figures ------------------------------------------------------------ */

typedef struct ript_conv_stats {
  uint64_t media_panics;  /* server: sent; client: received */
  uint64_t pings, pongs;  /* client: sent and received; server: received
                             and sent */
  uint64_t events_kept;   /* server: kept for a later reverse byway */
  uint64_t events_dropped; /* server: aged out or pushed out while kept */
  uint64_t forwarded;     /* chunks of ript_conv_forward written */
  uint64_t forward_dropped; /* chunks of ript_conv_forward dropped */
  uint64_t replays;       /* backlogs replayed */
} ript_conv_stats;

/* Fills |stats|. Returns 0 or RIPT_ERR_INVALID_ARGUMENT. */
int ript_conv_get_stats(const ript_conv *conv, ript_conv_stats *stats);

#endif /* RIPT_CONVERSATION_H */

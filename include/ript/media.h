/*
 * ript/media.h - the media session: sending and receiving the media of one
 * call over RIPT chunks (draft sections 9.11-9.14; docs/PROTOCOL.md §10).
 *
 * A media session is the sans-I/O object both ends of a call use, whatever
 * carries the bytes (HTTP datagrams, PUT/GET media byways). It never does
 * I/O and never reads a clock: bytes go in through ript_media_receive and
 * come out into the caller's ript_buf; time is always an argument (`now_ms`,
 * milliseconds on the caller's clock; chunk timestamps are milliseconds
 * since the Unix epoch, so the caller's clock should be wall-clock time for
 * the delay figures to mean something).
 *
 *   Sending:    ript_media_send            one media chunk per call; the
 *                                           chunk is kept until acknowledged
 *               ript_media_take_acks,      the acknowledgements owed
 *               ript_media_take_acks_within (all, a number, or what fits)
 *   Receiving:  ript_media_receive         a whole byway body or datagram
 *   Recovery:   ript_media_replay_start,   every unacknowledged chunk again,
 *               ript_media_replay           after byways come back (§9.12,
 *                                           §9.13)
 *               ript_media_resync          full values again for a peer
 *                                           that may have lost its state
 *   Timers:     ript_media_check,          the client's migration rules
 *               ript_media_next_deadline    (§9.3, §9.14)
 *   Figures:    ript_media_get_stats, ript_media_get_stream_stats
 *
 * Streams. The session sends on the streams of the directive this side
 * follows (a client: the client directive) and receives on the streams of
 * the peer's directive. A stream is (direction, source, sink); the
 * direction is implied by the role: a client sends c2s and receives s2c.
 * The directive is binding (§9.11.3): sending from an unknown (source,
 * sink) or with a payload type the directive does not allow on that stream
 * is refused; received media of an unknown stream or a payload type its
 * directive does not allow is counted and dropped.
 *
 * Wire behaviour (what a peer sees):
 *   - each media chunk carries the stream's next sequence number, starting
 *     from the caller's initial value; sequence numbers and timestamps are
 *     truncated with ript_chunk_stream_tx (full until the stream's first
 *     acknowledgement), but sequence numbers never below 2 bytes, so that a
 *     chunk replayed after up to 32767 newer ones still expands correctly;
 *   - every media chunk received, duplicates included, is owed one
 *     acknowledgement control chunk (control sequence numbers count up from
 *     the configured initial value, always full; timestamp = time of
 *     sending);
 *   - a replayed chunk is byte for byte the chunk first sent (an AEAD nonce
 *     is never used for two different chunks).
 *
 * Memory (64-bit): one allocation for the session (784 bytes, 320 of
 * them for the keys derived from a media key) and its streams
 * (216 bytes per stream sent, 296 per stream received); one per
 * kept chunk (56 bytes plus the chunk), freed when it is acknowledged or
 * expires; a ring of acknowledgements owed (24 bytes a slot, 4 slots at
 * first, doubling up to the limit). A session with one 20 ms audio stream
 * each way and acknowledgements coming back within tens of ms holds about
 * 1.9 KiB; during a break it grows by every chunk sent, up to the replay
 * window (5 s of 160-byte frames: about 64 KiB).
 *
 * Thread-safety: a session must not be used by two threads at once. The
 * keys it borrows hold GnuTLS state: they must not be used by another
 * thread while a session call is running.
 */
#ifndef RIPT_MEDIA_H
#define RIPT_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "ript/advert.h"
#include "ript/buf.h"
#include "ript/chunk.h"
#include "ript/error.h"
#include "ript/mediakey.h"
#include "ript/mem.h"

/* ---- Streams ------------------------------------------------------------- */

/* At most this many streams per direction in one session (RIPT_ERR_LIMIT). */
#define RIPT_MEDIA_MAX_STREAMS 64u
/* At most this many auxiliary payload types per stream (RIPT_ERR_LIMIT). */
#define RIPT_MEDIA_MAX_AUX 8u

/* Which end of the call the session is. */
typedef enum ript_media_role {
  RIPT_MEDIA_ROLE_CLIENT = 0, /* sends c2s, receives s2c */
  RIPT_MEDIA_ROLE_SERVER = 1  /* sends s2c, receives c2s */
} ript_media_role;

/*
 * One stream of a directive: from the sender's |source| to the receiver's
 * |sink|, with the payload types the sender may use on it (the main codec's
 * and the auxiliary ones, e.g. telephone-event). |initial_sequence| is the
 * sequence number of the stream's first chunk; it matters only for streams
 * this side sends. Keep it below 2^62 and past any number an earlier
 * session of the call sent (the core reads no randomness): sequence
 * numbers are never reused under a key, so a session that restarts with
 * the same key must not start where it started before. A random start
 * does it; so does one that grows faster than any session sends
 * (docs/PROTOCOL.md decision 83).
 */
typedef struct ript_media_stream {
  uint8_t source; /* 1..255 */
  uint8_t sink;   /* 1..255 */
  uint32_t payload_type;
  uint32_t aux_payload_types[RIPT_MEDIA_MAX_AUX];
  size_t naux;
  uint64_t initial_sequence;
} ript_media_stream;

/*
 * Fills |streams| (room for |max| entries) with the streams of |directive|,
 * in its order, and stores their number in |*nstreams|: each entry's
 * source and sink, the payload type of its first codec (the main codec)
 * and those of the following ones (auxiliary). |initial_sequence| is set to
 * 0 for the caller to fill. Every codec must be in the codec registry
 * (ript/codec.h), the first a main codec and the others auxiliary, since
 * RIPT has no payload type for any other (§8.7).
 * Returns 0, or (nothing useful stored):
 *   RIPT_ERR_INVALID_ARGUMENT  a NULL argument, |directive| is an
 *                              advertisement, or an entry breaks the codec
 *                              rule above (or has no codecs);
 *   RIPT_ERR_LIMIT             more than |max| entries, or more than
 *                              RIPT_MEDIA_MAX_AUX auxiliary codecs.
 * An empty directive gives 0 streams.
 */
int ript_media_streams_from_directive(const ript_advert *directive,
                                      ript_media_stream *streams, size_t max,
                                      size_t *nstreams);

/* ---- Session ------------------------------------------------------------- */

/* Defaults that ript_media_config_init sets. */
#define RIPT_MEDIA_REPLAY_WINDOW_DEFAULT_MS 5000    /* §9.12: at least 5 s */
#define RIPT_MEDIA_REPLAY_MAX_BYTES_DEFAULT 1048576 /* 1 MiB */
#define RIPT_MEDIA_MAX_PENDING_ACKS_DEFAULT 256
#define RIPT_MEDIA_ACK_TIMEOUT_DEFAULT_MS 1000   /* §9.14 (3) */
#define RIPT_MEDIA_MEDIA_TIMEOUT_DEFAULT_MS 5000 /* §9.3 media-timeout */
#define RIPT_MEDIA_RX_TIMEOUT_DEFAULT_MS 5000    /* §9.14 (2) */

typedef struct ript_media_config {
  ript_media_role role;
  /* The streams this side sends (its directive) and receives (the peer's
   * directive); copied. Source and sink 1..255, each (source, sink) once
   * per direction. The pointers may be NULL when the counts are 0. */
  const ript_media_stream *tx_streams;
  size_t ntx_streams;
  const ript_media_stream *rx_streams;
  size_t nrx_streams;
  /* The first acknowledgement chunk's sequence number. */
  uint64_t initial_control_sequence;
  /* Sealing key for everything this side sends (NULL: the NULL cipher).
   * Borrowed: it must stay set up until the session is deleted, and must
   * be this sender's alone (see ript_chunk_key). */
  const ript_chunk_key *tx_key;
  /* Keys this side accepts (borrowed, as |tx_key|). With at least one key,
   * unencrypted chunks are refused (docs/PROTOCOL.md §13 decision 42). */
  const ript_chunk_key *rx_keys;
  size_t nrx_keys;
  /* A media key (ript/mediakey.h; copied, and wiped with the session):
   * a chunk whose key id belongs to it and is not in |rx_keys| is opened
   * with the key derived for that id. The session keeps up to
   * RIPT_MEDIA_DERIVED_KEYS of the keys that opened a chunk and derives the
   * others again each time. |tx_key|'s own id is never accepted (this
   * side's chunks reflected back). Holding a media key counts as holding
   * keys: unencrypted chunks are refused. NULL: none. */
  const ript_mediakey *rx_mediakey;
  /* Whether media chunks of a known stream that cannot be opened for want
   * of their key (RIPT_MEDIA_FAIL_UNKNOWN_KEY) also go to the frame
   * callback, flagged RIPT_MEDIA_FRAME_FLAG_SEALED, for a relay to forward
   * unchanged. */
  bool deliver_sealed;
  /* Sent chunks are kept for replay until acknowledged, but no longer
   * than |replay_window_ms| after they were sent (> 0), and at most
   * |replay_max_bytes| of them (> 0; the oldest go first). */
  int64_t replay_window_ms;
  size_t replay_max_bytes;
  /* At most this many acknowledgements wait for ript_media_take_acks
   * (> 0); beyond it the oldest is dropped and counted. */
  size_t max_pending_acks;
  /* Timers (see ript_media_check); a value <= 0 turns the timer off. */
  int64_t ack_timeout_ms;   /* sent media unacknowledged this long */
  int64_t media_timeout_ms; /* the same, with the TG's media-timeout */
  int64_t rx_timeout_ms;    /* no media received this long */
} ript_media_config;

/* Derived keys a session keeps (ript_media_config.rx_mediakey). */
#define RIPT_MEDIA_DERIVED_KEYS 4u

/* Zeroes |config| and sets the defaults above: role client, no streams,
 * no keys, control sequence numbers from 1. */
void ript_media_config_init(ript_media_config *config);

typedef struct ript_media_session ript_media_session;

/*
 * Creates a session from |config| (copied, except the keys, which are
 * borrowed) that allocates with |mem| (NULL: the default allocator, which
 * must outlive the session). |now_ms| (>= 0) is the session's start time.
 * Returns 0 and stores the session in |*psession|, or (nothing stored):
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |psession| or |config|, an unknown
 *     role, a NULL array with a nonzero count, a stream with source or
 *     sink 0, a (source, sink) twice in one direction, naux above
 *     RIPT_MEDIA_MAX_AUX, an initial sequence number of 2^62 or more, a
 *     replay window, byte limit or ack limit not above 0, a key that is not
 *     set up, negative |now_ms|;
 *   RIPT_ERR_LIMIT  more than RIPT_MEDIA_MAX_STREAMS streams in a direction;
 *   RIPT_ERR_NOMEM.
 */
int ript_media_session_new(ript_media_session **psession,
                           const ript_media_config *config, int64_t now_ms,
                           const ript_mem *mem);

/* Frees the session and every chunk it keeps. NULL is a no-op. Must not
 * be called from inside a ript_media_frame_cb. */
void ript_media_session_del(ript_media_session *session);

/* ---- Sending ------------------------------------------------------------- */

/* ript_media_frame.flags */
#define RIPT_MEDIA_FRAME_FLAG_REFERENCE 0x01u /* a reference frame */
#define RIPT_MEDIA_FRAME_FLAG_LEVEL 0x02u     /* |level| is set */
/* Receive only: a chunk this side cannot open (no key for its key id),
 * delivered because of ript_media_config.deliver_sealed. Only the envelope
 * fields are set, |media| is NULL, and |chunk| holds the chunk's bytes
 * exactly as received. Such a chunk is not checked for duplicates and
 * moves no receive state. */
#define RIPT_MEDIA_FRAME_FLAG_SEALED 0x04u
/* Receive only: the peer numbers this stream anew from this frame on (a
 * new server instance after a migration, ript_media_resync): whatever the
 * receiver orders by sequence number continues from here. */
#define RIPT_MEDIA_FRAME_FLAG_RENUMBERED 0x08u

/*
 * One media chunk's content. ript_media_send reads it; a
 * ript_media_frame_cb receives it, with |sequence| and |delay_ms| filled.
 */
typedef struct ript_media_frame {
  uint8_t source;
  uint8_t sink;
  uint32_t payload_type;
  uint64_t timestamp;    /* ms since the Unix epoch of the first sample */
  uint32_t flags;        /* RIPT_MEDIA_FRAME_FLAG_* */
  uint8_t level;         /* audio level, 0..127 -dBov (RFC 6464) */
  uint8_t spatial_layer; /* scalable video; 0 otherwise */
  uint8_t temporal_layer;
  const uint8_t *media; /* the codec output */
  size_t media_len;
  /* Receive only (send ignores them): */
  uint64_t sequence; /* the full sequence number */
  int64_t delay_ms;  /* one-way delay: now - timestamp (saturated) */
  uint32_t key_id;      /* the chunk's key id (0 when unencrypted) */
  const uint8_t *chunk; /* RIPT_MEDIA_FRAME_FLAG_SEALED: the whole chunk */
  size_t chunk_len;
} ript_media_frame;

/*
 * Sends |frame| on the stream (|frame->source|, |frame->sink|): assigns the
 * stream's next sequence number (stored in |*sequence| unless NULL),
 * encodes and seals the chunk and appends it to |out|. The chunk is kept
 * as unacknowledged, sent at |now_ms|. Chunks older than the replay window
 * are dropped first. The caller may discard |out| instead of transmitting
 * it (while byways are down); ript_media_replay sends the chunk later.
 * |frame->media| is copied.
 * Returns the number of bytes appended, or (nothing appended, no state
 * changed):
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |session|, |frame| or |out|; negative
 *     |now_ms|; a stream this side does not send; a payload type the
 *     directive does not allow on it; unknown flags; a level above 127;
 *     NULL media with a nonzero length;
 *   RIPT_ERR_RANGE  the stream's sequence numbers reached 2^64 - 1;
 *   RIPT_ERR_NOMEM  (also for media too long to ever fit a buffer);
 *   RIPT_ERR_CRYPTO  GnuTLS failed.
 */
ript_ssize ript_media_send(ript_media_session *session,
                           const ript_media_frame *frame, int64_t now_ms,
                           ript_buf *out, uint64_t *sequence);

/*
 * Appends up to |max| (0: all) of the acknowledgements owed, oldest first,
 * as acknowledgement control chunks sealed with the session's key, with
 * timestamp |now_ms|. Put them in the next PUT body, GET response or
 * datagram (§9.11.3, §9.11.4).
 * Returns the number of bytes appended (0 when none is owed), or (nothing
 * appended, none taken): RIPT_ERR_INVALID_ARGUMENT (NULL |session| or
 * |out|, negative |now_ms|), RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO.
 */
ript_ssize ript_media_take_acks(ript_media_session *session, int64_t now_ms,
                                ript_buf *out, size_t max);

/*
 * Appends, oldest first, the acknowledgements owed that fit in |max_bytes|
 * bytes together, as ript_media_take_acks does: for a datagram or a body
 * of limited room, beside a media chunk or alone. Each is sealed only once
 * it is known to fit, so the first one that does not fit stays owed (with
 * those after it) and no control sequence number is lost. The length of an
 * acknowledgement varies with its key id and the values it names, so only
 * this call knows how many fit.
 * Returns the number of bytes appended, at most |max_bytes| (0 when none is
 * owed or the oldest does not fit), or the errors of ript_media_take_acks.
 */
ript_ssize ript_media_take_acks_within(ript_media_session *session,
                                       int64_t now_ms, ript_buf *out,
                                       size_t max_bytes);

/* The number of acknowledgements owed (0 for NULL). */
size_t ript_media_pending_acks(const ript_media_session *session);

/* ---- Receiving ----------------------------------------------------------- */

/*
 * Called once per new media chunk, in body order. |frame| and the media
 * bytes are valid only during the call. The callback may call
 * ript_media_send, ript_media_take_acks and the getters on the same
 * session, but not ript_media_receive or ript_media_session_del.
 */
typedef void (*ript_media_frame_cb)(const ript_media_frame *frame,
                                    void *user_data);

/* Why a received chunk was dropped (ript_media_stats.failed[]). */
typedef enum ript_media_fail {
  RIPT_MEDIA_FAIL_FRAMING = 0,    /* the body's TLV framing broke: the rest of
                                     the body is dropped */
  RIPT_MEDIA_FAIL_PARSE,          /* a malformed envelope; chunk skipped */
  RIPT_MEDIA_FAIL_UNKNOWN_STREAM, /* media of a stream the peer does not
                                     send; an ack of one this side does
                                     not send */
  RIPT_MEDIA_FAIL_NO_REFERENCE,   /* truncated values before any full one */
  RIPT_MEDIA_FAIL_UNKNOWN_KEY,    /* no key has the chunk's key id */
  RIPT_MEDIA_FAIL_DECRYPT,        /* the tag did not verify, or the NULL
                                     cipher while keys are held */
  RIPT_MEDIA_FAIL_PACKAGE,        /* the sealed value was short or the
                                     package malformed */
  RIPT_MEDIA_FAIL_CRYPTO,         /* GnuTLS failed */
  RIPT_MEDIA_FAIL_PAYLOAD_TYPE,   /* media with a payload type its stream
                                     does not allow */
  RIPT_MEDIA_FAIL_BAD_ACK,        /* an ack of a chunk that was never sent */
  RIPT_MEDIA_FAIL_COUNT
} ript_media_fail;

/*
 * Processes the chunks of one byway body or datagram, |len| bytes at
 * |data|, received at |now_ms|. The bytes are decrypted in place: their
 * content is unspecified afterwards. Chunks are taken in turn:
 *   - media of a known stream that authenticates: new ones are delivered
 *     to |cb| (may be NULL) and counted; duplicates (a sequence number
 *     already received, or 1024 or more below the largest) are counted
 *     and not delivered; both are owed an acknowledgement;
 *   - media of a known stream that this side cannot open for want of a key
 *     or because it does not authenticate (RIPT_MEDIA_FAIL_UNKNOWN_KEY,
 *     RIPT_MEDIA_FAIL_DECRYPT): counted as failed and as undecryptable and
 *     owed an UNENCRYPTED acknowledgement, so that the sender, which
 *     cannot tell, keeps its replay queue and timers right; for want of a
 *     key it also goes to |cb| with RIPT_MEDIA_FRAME_FLAG_SEALED when the
 *     session was configured with deliver_sealed;
 *   - acknowledgements that authenticate: the chunk leaves the
 *     unacknowledged queue, the stream's truncation moves on, and the
 *     round-trip time is sampled (not for replayed chunks);
 *   - unencrypted acknowledgements while this side seals (|tx_key|): taken
 *     as a relay's (hop_acks): the chunk leaves the queue, the timers
 *     re-arm and the round trip is sampled, but truncation does not move,
 *     so this side keeps sending full sequence numbers and timestamps that
 *     the relay's receivers can expand;
 *   - control chunks of other types are counted and ignored;
 *   - anything else is counted under its ript_media_fail reason and
 *     skipped; a chunk whose framing is intact never stops the body.
 * Nothing a chunk says moves any state before it authenticates.
 * An acknowledgement owed beyond the pending limit, or when memory runs
 * out, is dropped and counted (acks_dropped): receiving never fails for
 * lack of memory.
 * Returns the number of media chunks delivered, or RIPT_ERR_INVALID_ARGUMENT
 * (NULL |session|, NULL |data| with |len| > 0, negative |now_ms|, or called
 * from inside |cb|).
 */
int ript_media_receive(ript_media_session *session, uint8_t *data, size_t len,
                       int64_t now_ms, ript_media_frame_cb cb, void *user_data);

/* ---- Replay -------------------------------------------------------------- */

/*
 * Marks every unacknowledged chunk younger than the replay window for
 * replay (after dropping the older ones) and returns how many there are
 * (0 for NULL or a negative |now_ms|). Call it when byways are back after
 * a break or a migration (§9.12, §9.13); chunks sent afterwards are not
 * marked.
 */
size_t ript_media_replay_start(ript_media_session *session, int64_t now_ms);

/*
 * Appends up to |max| (0: all) of the chunks marked for replay, oldest
 * first, exactly as first sent, and unmarks them; chunks acknowledged or
 * expired since ript_media_replay_start are skipped. With one chunk per
 * request (PUT media byways, GET responses, datagrams) call it with |max|
 * 1 until it returns 0.
 * Returns the number of bytes appended (0 when none is left), or (nothing
 * appended, nothing unmarked) RIPT_ERR_INVALID_ARGUMENT (NULL |session| or
 * |out|, negative |now_ms|) or RIPT_ERR_NOMEM.
 */
ript_ssize ript_media_replay(ript_media_session *session, int64_t now_ms,
                             ript_buf *out, size_t max);

/*
 * The length of the chunk that ript_media_replay would append first at
 * |now_ms| (the oldest one marked, younger than the replay window), or 0
 * when none is left to replay (also for NULL or a negative |now_ms|): a
 * caller with limited room checks it before replaying.
 */
size_t ript_media_replay_next_len(const ript_media_session *session,
                                  int64_t now_ms);

/*
 * Makes every stream this side sends carry full sequence numbers and
 * timestamps again, until its next acknowledgement. Call it after a
 * migration to a server instance that may not hold the call's receive
 * state (§9.13): a receiver that never saw a full value of a stream cannot
 * expand a truncated one (RIPT_MEDIA_FAIL_NO_REFERENCE), and would never
 * acknowledge anything that could end the truncation. Kept chunks keep
 * the lengths they were first sent with, so send a new chunk of each
 * stream before ript_media_replay: once the receiver holds a full value,
 * the replayed ones expand.
 * The other way, the streams this side receives may be numbered anew by
 * that instance, which holds no media state of the old one (§8.9): the
 * first chunk of each received stream that carries a full sequence number
 * decides. One outside the duplicate window of the current numbering (1024
 * either way) starts a new numbering: the stream's receive state starts
 * over (what it expands against, its duplicate window), the chunk is
 * delivered with RIPT_MEDIA_FRAME_FLAG_RENUMBERED, and losses are counted
 * within each numbering. One inside it changes nothing. NULL is a no-op.
 */
void ript_media_resync(ript_media_session *session);

/* ---- Timers -------------------------------------------------------------- */

/* ript_media_check results. */
#define RIPT_MEDIA_FLAG_ACK_TIMEOUT 0x01u    /* no ack for ack_timeout_ms */
#define RIPT_MEDIA_FLAG_MEDIA_TIMEOUT 0x02u  /* no ack for media_timeout_ms */
#define RIPT_MEDIA_FLAG_RX_TIMEOUT 0x04u     /* no media for rx_timeout_ms */
#define RIPT_MEDIA_FLAG_NEED_MIGRATION 0x08u /* any of the three: migrate */

/*
 * Runs the session's timers at |now_ms| and returns the RIPT_MEDIA_FLAG_*
 * of those that expired (0 if none, or for NULL / negative |now_ms|):
 *   - ACK_TIMEOUT / MEDIA_TIMEOUT: a chunk was sent (or replayed) that long
 *     ago and no acknowledgement has arrived since (§9.14 (3); §9.3);
 *   - RX_TIMEOUT: media was received before, but none for that long
 *     (§9.14 (2)); a session that never received media (a call not yet
 *     answered) does not time out.
 * Each timer reports once and re-arms: the ack timers with the next chunk
 * sent, the receive timer from now. These are the draft's client rules;
 * a server may ignore the flags. Also drops chunks that have outlived the
 * replay window.
 */
int ript_media_check(ript_media_session *session, int64_t now_ms);

/*
 * The time (on the caller's clock) at which ript_media_check next has
 * something to do, or INT64_MAX when nothing is armed (also for NULL).
 */
int64_t ript_media_next_deadline(const ript_media_session *session);

/* ---- Statistics ---------------------------------------------------------- */

/*
 * Figures of a session (ript_media_get_stats: every stream of each
 * direction added up) or of one stream (ript_media_get_stream_stats: the
 * fields of its direction). Times in ms.
 */
typedef struct ript_media_stats {
  /* -- sending -- */
  uint64_t sent;           /* media chunks sent (sequence numbers used) */
  uint64_t sent_bytes;     /* codec bytes in them */
  uint64_t replayed;       /* chunks sent again by ript_media_replay */
  uint64_t acked;          /* chunks acknowledged while still kept */
  uint64_t acks_unmatched; /* acks of chunks no longer kept: acknowledged
                              before (a duplicate), or expired */
  uint64_t expired;        /* chunks dropped unacknowledged: window */
  uint64_t overflowed;     /* chunks dropped unacknowledged: byte limit */
  uint64_t unacked;        /* chunks kept now */
  uint64_t rtt_samples;    /* round trips measured (Karn: not on replays) */
  int64_t rtt_last_ms;     /* the last sample */
  int64_t rtt_min_ms;
  int64_t rtt_max_ms;
  double srtt_ms;   /* RFC 6298 smoothed round-trip time */
  double rttvar_ms; /* RFC 6298 round-trip time variation */
  /* -- receiving -- */
  uint64_t received;       /* distinct media chunks delivered */
  uint64_t received_bytes; /* codec bytes in them */
  uint64_t duplicates;     /* media chunks received again (not delivered) */
  uint64_t expected;       /* RFC 3550 A.3: highest - lowest sequence
                              number received + 1, per stream */
  uint64_t lost;           /* expected - received (within each numbering
                              of a stream: see ript_media_resync) */
  uint64_t renumbered;     /* streams the peer numbered anew */
  double jitter_ms;        /* RFC 3550 6.4.1 interarrival jitter; for the
                              session, that of the most jittery stream */
  /* -- control and failures (session only) -- */
  uint64_t acks_sent;       /* acknowledgement chunks appended */
  uint64_t acks_received;   /* acknowledgement chunks that authenticated */
  uint64_t acks_dropped;    /* owed but dropped (pending limit, memory) */
  uint64_t control_ignored; /* authenticated control chunks of other types */
  uint64_t failed[RIPT_MEDIA_FAIL_COUNT]; /* per ript_media_fail */
  uint64_t failed_total;
  uint64_t hop_acks; /* unencrypted acks taken while sealing (a relay's) */
  /* Media chunks of known streams that could not be opened (also counted
   * in failed[]); the first one's reason (RIPT_MEDIA_FAIL_UNKNOWN_KEY or
   * RIPT_MEDIA_FAIL_DECRYPT) and key id (0 and !undecryptable_keyed when it
   * was unencrypted). */
  uint64_t undecryptable;
  ript_media_fail undecryptable_reason;
  bool undecryptable_keyed;
  uint32_t undecryptable_key_id;
} ript_media_stats;

/* Fills |stats| with the session's figures. Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (a NULL argument). */
int ript_media_get_stats(const ript_media_session *session,
                         ript_media_stats *stats);

/* Which direction ript_media_get_stream_stats looks in. */
typedef enum ript_media_dir {
  RIPT_MEDIA_DIR_TX = 0, /* a stream this side sends */
  RIPT_MEDIA_DIR_RX = 1  /* a stream this side receives */
} ript_media_dir;

/*
 * Fills |stats| with the figures of the stream (|source|, |sink|) in
 * direction |dir|: the sending fields for a TX stream, the receiving fields
 * for an RX stream, the others 0. Returns 0 or RIPT_ERR_INVALID_ARGUMENT
 * (a NULL argument, a bad |dir|, no such stream).
 */
int ript_media_get_stream_stats(const ript_media_session *session,
                                ript_media_dir dir, unsigned source,
                                unsigned sink, ript_media_stats *stats);

#endif /* RIPT_MEDIA_H */

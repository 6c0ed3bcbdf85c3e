/*
 * Internal state of a media session (ript/media.h), shared by
 * media_session.c (setup, sending, acknowledgements owed, replay, timers,
 * figures) and media_receive.c (the receive path).
 */
#ifndef RIPT_MEDIA_INTERNAL_H
#define RIPT_MEDIA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/chunk.h"
#include "ript/media.h"

/* No time: a timer that is not armed. */
#define RIPT_MEDIA_NEVER INT64_MIN

/* Duplicate detection remembers this many sequence numbers: the largest
 * received and those just below it (a multiple of 64). */
#define RIPT_MEDIA_DEDUP_WINDOW 1024u

/* media_entry.flags */
#define RIPT_MEDIA_ENTRY_REPLAY 0x01u   /* marked by ript_media_replay_start */
#define RIPT_MEDIA_ENTRY_REPLAYED 0x02u /* sent twice: no RTT sample (Karn) */

/* A sent chunk that is not acknowledged yet, in send order. */
typedef struct ript_media_entry {
  struct ript_media_entry *prev, *next;
  int64_t sent_at;
  uint64_t sequence;
  uint64_t timestamp;
  uint16_t stream; /* index into the session's tx streams */
  uint8_t flags;
  size_t len;
  uint8_t bytes[]; /* the chunk as sent */
} ript_media_entry;

/* RFC 6298 estimator, plus the extremes. */
typedef struct ript_media_rtt {
  uint64_t samples;
  int64_t last, min, max;
  double srtt, rttvar;
} ript_media_rtt;

/* A stream this side sends. */
typedef struct ript_media_tx {
  ript_media_stream cfg;
  ript_chunk_stream_tx trunc;
  uint64_t next_sequence;
  uint64_t min_timestamp, max_timestamp; /* of chunks sent (sent > 0) */
  uint64_t sent, sent_bytes, replayed, acked, acks_unmatched;
  uint64_t expired, overflowed, unacked;
  ript_media_rtt rtt;
} ript_media_tx;

/* A stream this side receives. */
typedef struct ript_media_rx {
  ript_media_stream cfg;
  ript_chunk_stream_rx trunc;
  /* The largest values of chunks acknowledged without being opened: the
   * sender truncates against them, so a stream that never authenticated
   * anything expands against these. */
  ript_chunk_stream_rx unopened;
  /* Bit (s % window) is set when sequence number s, within the window
   * below trunc.largest_sequence, has been received. */
  uint64_t seen[RIPT_MEDIA_DEDUP_WINDOW / 64];
  /* Of the distinct chunks of the current numbering (received > begun). */
  uint64_t lowest, highest;
  uint64_t received, received_bytes, duplicates;
  /* Numberings before the current one (ript_media_resync): what they
   * expected, and the chunks received when the current one began. */
  uint64_t earlier_expected, begun, renumbered;
  bool may_renumber; /* a resync ran: the next full value decides */
  bool has_transit;
  double last_transit; /* arrival - timestamp of the previous chunk */
  double jitter;
} ript_media_rx;

/* An acknowledgement owed (its direction is the session's receive one). */
typedef struct ript_media_ack {
  uint8_t source, sink;
  bool plain; /* of a chunk this side could not open: sent unencrypted */
  uint64_t sequence, timestamp;
} ript_media_ack;

struct ript_media_session {
  const ript_mem *mem;
  uint8_t tx_dir, rx_dir; /* RIPT_CHUNK_DIR_* */
  const ript_chunk_key *tx_key;
  const ript_chunk_key *rx_keys;
  size_t nrx_keys;
  bool has_mediakey;
  bool deliver_sealed;
  ript_mediakey mediakey;
  /* Keys derived from |mediakey| that opened a chunk. */
  ript_chunk_key derived[RIPT_MEDIA_DERIVED_KEYS];
  size_t nderived;
  int64_t replay_window_ms;
  size_t replay_max_bytes;
  size_t max_pending_acks;
  int64_t ack_timeout_ms, media_timeout_ms, rx_timeout_ms;

  uint64_t control_sequence; /* the next acknowledgement's */
  /* Acknowledgements owed: a ring of |acks_cap| (grown by doubling). */
  ript_media_ack *acks;
  size_t acks_cap, acks_head, acks_len;

  /* Unacknowledged chunks, oldest first. */
  ript_media_entry *oldest, *newest;
  size_t unacked_bytes;

  /* Timers: when each was armed, or RIPT_MEDIA_NEVER. */
  int64_t ack_wait_since, media_wait_since, rx_wait_since;

  ript_media_rtt rtt;
  uint64_t acks_sent, acks_received, acks_dropped, control_ignored;
  uint64_t failed[RIPT_MEDIA_FAIL_COUNT];
  uint64_t hop_acks, undecryptable;
  ript_media_fail undecryptable_reason;
  bool undecryptable_keyed;
  uint32_t undecryptable_key_id;
  bool receiving; /* inside ript_media_receive */

  size_t ntx, nrx;
  ript_media_tx *tx; /* both arrays live in the session's allocation */
  ript_media_rx *rx;
};

/* The tx / rx stream (source, sink), or NULL. */
ript_media_tx *ript_media_find_tx(const ript_media_session *s, unsigned source,
                                  unsigned sink);
ript_media_rx *ript_media_find_rx(const ript_media_session *s, unsigned source,
                                  unsigned sink);

/* Whether |stream| allows |payload_type| (main or auxiliary). */
bool ript_media_allows(const ript_media_stream *stream, uint32_t payload_type);

/* The unacknowledged chunk |sequence| of tx stream |stream|, or NULL. */
ript_media_entry *ript_media_find_entry(const ript_media_session *s,
                                        size_t stream, uint64_t sequence);

/* Unlinks and frees |e|. */
void ript_media_entry_remove(ript_media_session *s, ript_media_entry *e);

/* Drops the chunks that have outlived the replay window at |now_ms|. */
void ript_media_expire(ript_media_session *s, int64_t now_ms);

/* Adds a round-trip sample to |rtt|. */
void ript_media_rtt_sample(ript_media_rtt *rtt, int64_t sample);

#endif /* RIPT_MEDIA_INTERNAL_H */

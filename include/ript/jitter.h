/*
 * ript/jitter.h - a playout (jitter) buffer for the media chunks of one
 * stream. Part of the audio toolkit (ript_audio). Sans-I/O: the caller
 * passes the time.
 *
 * Frames arrive with their full sequence number and timestamp (ms of the
 * sender's clock, ript/chunk.h) in any order, possibly twice or never. The
 * buffer releases them in sequence order, each at its playout time
 *
 *   timestamp + offset,   offset = min(arrival - timestamp) + delay_ms
 *
 * where the minimum runs over the frames that arrived before the first one
 * was released: the fastest early frame sets the clock mapping, and every
 * later frame gets delay_ms to make up for jitter. (Timestamps come from
 * the sender's clock, so a pause with no frames, as after CN, keeps its
 * length.) A missing sequence number becomes a gap, for the decoder to
 * conceal, once a later frame is held and the missing frame's estimated
 * time (previous timestamp + frame duration, at most the later frame's
 * timestamp) has come; while nothing later is held the buffer waits. The
 * frame duration is learned from consecutive frames (config until then).
 *
 * Sequence numbers are compared modulo 2^64 (serial number arithmetic,
 * as RFC 1982), so a stream may wrap from 2^64 - 1 to 0.
 *
 * A frame arriving after its sequence number was released or concealed is
 * dropped: "duplicated" if that number was released as a frame among the
 * last 64, "late" otherwise. A frame capacity or more ahead of the next
 * number to release restarts the sequence there (a resync: the frames
 * still held are dropped as late), as after a long outage.
 *
 * Memory: each held frame is a copy allocated with the caller's ript_mem.
 *
 * Thread-safety: no shared state; one buffer must not be used by two
 * threads at once.
 */
#ifndef RIPT_JITTER_H
#define RIPT_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"
#include "ript/mem.h"

/* Largest capacity, frames. */
#define RIPT_JITTER_MAX_CAPACITY 4096u

/* Zero fields take the default in brackets. */
typedef struct ript_jitter_config {
  unsigned delay_ms;  /* [60] added to the fastest transit seen */
  unsigned frame_ms;  /* [20] frame duration until learned */
  size_t capacity;    /* [64] sequence numbers held ahead of playout */
  size_t max_payload; /* [8192] larger frames are refused */
} ript_jitter_config;

typedef struct ript_jitter_stats {
  uint64_t received;   /* frames accepted */
  uint64_t played;     /* frames released */
  uint64_t concealed;  /* gaps reported */
  uint64_t late;       /* frames dropped: their turn had passed */
  uint64_t duplicated; /* frames dropped: already held or released */
  uint64_t resyncs;    /* restarts after a jump ahead */
} ript_jitter_stats;

/* One released frame or gap. */
typedef struct ript_jitter_frame {
  uint64_t sequence;
  int64_t timestamp_ms; /* a gap: the estimated timestamp */
  const uint8_t *data;  /* NULL for a gap; valid until the next
                           ript_jitter_pop, _reset or _del */
  size_t len;
} ript_jitter_frame;

typedef struct ript_jitter ript_jitter;

/* ript_jitter_push results (besides errors). */
#define RIPT_JITTER_QUEUED 0
#define RIPT_JITTER_LATE 1
#define RIPT_JITTER_DUPLICATE 2

/* ript_jitter_pop results (besides errors). */
#define RIPT_JITTER_NONE 0
#define RIPT_JITTER_FRAME 1
#define RIPT_JITTER_GAP 2

/*
 * Creates a buffer with |cfg| (copied; NULL: defaults). Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL |pjb|, capacity above
 * RIPT_JITTER_MAX_CAPACITY) or RIPT_ERR_NOMEM.
 */
int ript_jitter_new(ript_jitter **pjb, const ript_jitter_config *cfg,
                    const ript_mem *mem);

/* Frees |jb| and every frame it holds. NULL is a no-op. */
void ript_jitter_del(ript_jitter *jb);

/* Drops every frame and forgets the stream (statistics are kept). */
void ript_jitter_reset(ript_jitter *jb);

/*
 * The sender numbers its frames anew from |first| on (a new server instance
 * after a migration: RIPT_MEDIA_FRAME_FLAG_RENUMBERED): frames held still
 * play, in order, and |first| and the numbers after it are taken to follow
 * the highest number held or released, with no gap between. From then on
 * ript_jitter_pop hands out sequence numbers of that continued numbering.
 * Before any frame it changes nothing. NULL is a no-op.
 */
void ript_jitter_renumber(ript_jitter *jb, uint64_t first);

/*
 * Offers frame |sequence| with |timestamp_ms| and payload |data| (|len|
 * bytes, copied; NULL only when |len| is 0) that arrived at |now_ms|.
 * Returns RIPT_JITTER_QUEUED, RIPT_JITTER_LATE or RIPT_JITTER_DUPLICATE
 * (dropped, counted), or RIPT_ERR_INVALID_ARGUMENT (NULL argument),
 * RIPT_ERR_LIMIT (|len| above max_payload) or RIPT_ERR_NOMEM (the buffer
 * is unchanged).
 */
int ript_jitter_push(ript_jitter *jb, uint64_t sequence, int64_t timestamp_ms,
                     const uint8_t *data, size_t len, int64_t now_ms);

/*
 * Releases what is due at |now_ms|: RIPT_JITTER_FRAME with |out| the next
 * frame, RIPT_JITTER_GAP with |out| the missing sequence number (data
 * NULL), or RIPT_JITTER_NONE when nothing is due (|out| untouched). Call it
 * until it returns NONE. RIPT_ERR_INVALID_ARGUMENT for NULL arguments.
 */
int ript_jitter_pop(ript_jitter *jb, int64_t now_ms, ript_jitter_frame *out);

/* The time at which ript_jitter_pop next releases something given what is
 * held now, or INT64_MAX when nothing would be released. */
int64_t ript_jitter_next(const ript_jitter *jb);

/* Copies the statistics into |stats| (a NULL argument is a no-op). */
void ript_jitter_get_stats(const ript_jitter *jb, ript_jitter_stats *stats);

#endif /* RIPT_JITTER_H */

/*
 * The playout buffer: a ring of slots indexed by the low bits of the
 * sequence number, holding frames in [cursor, cursor + capacity), where
 * cursor is the next sequence number to release. Sequence numbers are
 * compared modulo 2^64 (serial number arithmetic), so a wrap is harmless;
 * the slot count is a power of two for the same reason.
 */
#include <string.h>

#include "ript/jitter.h"
#include "ript_mem.h"

#define JITTER_DEFAULT_DELAY_MS 60u
#define JITTER_DEFAULT_FRAME_MS 20u
#define JITTER_DEFAULT_CAPACITY 64u
#define JITTER_DEFAULT_MAX_PAYLOAD 8192u
/* Timestamp steps above this are pauses, not frame durations. */
#define JITTER_MAX_FRAME_MS 200
/* Released sequence numbers remembered to tell duplicates from late. */
#define JITTER_HISTORY 64u
/* Distances of 2^63 and more modulo 2^64 mean "behind". */
#define JITTER_BEHIND ((uint64_t)1 << 63)

typedef struct jitter_slot {
  bool used;
  uint64_t seq;
  int64_t ts;
  uint8_t *data;
  size_t len;
} jitter_slot;

struct ript_jitter {
  const ript_mem *mem;
  ript_jitter_config cfg;
  jitter_slot *slots;
  size_t nslots;        /* a power of two >= capacity */
  size_t count;         /* slots in use */
  bool started;         /* a frame was accepted since the last reset */
  bool released;        /* a frame or gap was released: last_ts is valid */
  uint64_t cursor;      /* next sequence number to release */
  uint64_t high;        /* highest sequence number held or released */
  int64_t offset;       /* playout time = timestamp + offset */
  int64_t last_ts;      /* timestamp of the last frame or gap released */
  bool last_was_frame;  /* ... and it was a frame */
  int64_t frame_ms;     /* learned frame duration */
  uint64_t played_bits; /* bit i: cursor - 1 - i was released as a frame */
  uint64_t shift;       /* added to the sender's numbers (renumbering) */
  uint8_t *current;     /* the data handed out by the last pop */
  ript_jitter_stats stats;
};

int ript_jitter_new(ript_jitter **pjb, const ript_jitter_config *cfg,
                    const ript_mem *mem) {
  if (!pjb)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_jitter_config c = {0, 0, 0, 0};
  if (cfg)
    c = *cfg;
  if (c.capacity > RIPT_JITTER_MAX_CAPACITY)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (c.delay_ms == 0)
    c.delay_ms = JITTER_DEFAULT_DELAY_MS;
  if (c.frame_ms == 0)
    c.frame_ms = JITTER_DEFAULT_FRAME_MS;
  if (c.capacity == 0)
    c.capacity = JITTER_DEFAULT_CAPACITY;
  if (c.max_payload == 0)
    c.max_payload = JITTER_DEFAULT_MAX_PAYLOAD;
  ript_jitter *jb = ript_mem_calloc(mem, 1, sizeof(*jb));
  if (!jb)
    return RIPT_ERR_NOMEM;
  jb->nslots = 1;
  while (jb->nslots < c.capacity)
    jb->nslots <<= 1;
  jb->slots = ript_mem_calloc(mem, jb->nslots, sizeof(*jb->slots));
  if (!jb->slots) {
    ript_mem_free(mem, jb);
    return RIPT_ERR_NOMEM;
  }
  jb->mem = mem;
  jb->cfg = c;
  jb->frame_ms = c.frame_ms;
  *pjb = jb;
  return 0;
}

/* Frees every held frame; returns how many there were. */
static size_t jitter_drop_all(ript_jitter *jb) {
  size_t dropped = jb->count;
  for (size_t i = 0; i < jb->nslots; ++i) {
    ript_mem_free(jb->mem, jb->slots[i].data);
    memset(&jb->slots[i], 0, sizeof(jb->slots[i]));
  }
  jb->count = 0;
  return dropped;
}

void ript_jitter_del(ript_jitter *jb) {
  if (!jb)
    return;
  jitter_drop_all(jb);
  ript_mem_free(jb->mem, jb->current);
  ript_mem_free(jb->mem, jb->slots);
  ript_mem_free(jb->mem, jb);
}

void ript_jitter_reset(ript_jitter *jb) {
  if (!jb)
    return;
  jitter_drop_all(jb);
  ript_mem_free(jb->mem, jb->current);
  jb->current = NULL;
  jb->started = jb->released = jb->last_was_frame = false;
  jb->played_bits = 0;
  jb->shift = 0;
  jb->frame_ms = jb->cfg.frame_ms;
}

void ript_jitter_renumber(ript_jitter *jb, uint64_t first) {
  if (jb && jb->started)
    jb->shift = jb->high + 1 - first; /* modulo 2^64 */
}

static jitter_slot *jitter_slot_of(const ript_jitter *jb, uint64_t seq) {
  return &jb->slots[seq & (jb->nslots - 1)];
}

/* Why a frame behind the cursor is dropped. */
static int jitter_behind(ript_jitter *jb, uint64_t seq) {
  uint64_t back = jb->cursor - seq;
  if (back <= JITTER_HISTORY && (jb->played_bits >> (back - 1) & 1u)) {
    ++jb->stats.duplicated;
    return RIPT_JITTER_DUPLICATE;
  }
  ++jb->stats.late;
  return RIPT_JITTER_LATE;
}

/* Restarts the sequence at |seq|, far ahead of the cursor. */
static void jitter_resync(ript_jitter *jb, uint64_t seq) {
  jb->stats.late += jitter_drop_all(jb);
  ++jb->stats.resyncs;
  jb->cursor = jb->high = seq;
  jb->played_bits = 0;
  jb->last_was_frame = false;
}

int ript_jitter_push(ript_jitter *jb, uint64_t sequence, int64_t timestamp_ms,
                     const uint8_t *data, size_t len, int64_t now_ms) {
  if (!jb || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (len > jb->cfg.max_payload)
    return RIPT_ERR_LIMIT;
  sequence += jb->shift;
  uint64_t ahead = sequence - jb->cursor;
  bool behind = jb->started && ahead >= JITTER_BEHIND;
  /* Before the first release the window may still move back to an earlier
   * frame, as long as everything held stays within capacity. */
  bool rewind =
      behind && !jb->released && jb->high - sequence < jb->cfg.capacity;
  if (behind && !rewind)
    return jitter_behind(jb, sequence);
  bool resync = jb->started && !behind && ahead >= jb->cfg.capacity;
  jitter_slot *slot = jitter_slot_of(jb, sequence);
  if (!resync && slot->used && slot->seq == sequence) {
    ++jb->stats.duplicated;
    return RIPT_JITTER_DUPLICATE;
  }
  uint8_t *copy = NULL;
  if (len > 0) {
    copy = ript_mem_malloc(jb->mem, len);
    if (!copy)
      return RIPT_ERR_NOMEM;
    memcpy(copy, data, len);
  }
  int64_t offset = now_ms - timestamp_ms + (int64_t)jb->cfg.delay_ms;
  if (!jb->started) {
    jb->started = true;
    jb->cursor = jb->high = sequence;
    jb->offset = offset;
  } else if (resync) {
    jitter_resync(jb, sequence);
  } else if (rewind) {
    jb->cursor = sequence;
  }
  if (!jb->released && offset < jb->offset)
    jb->offset = offset;
  if (sequence - jb->high < JITTER_BEHIND)
    jb->high = sequence;
  *slot = (jitter_slot){true, sequence, timestamp_ms, copy, len};
  ++jb->count;
  ++jb->stats.received;
  return RIPT_JITTER_QUEUED;
}

/* The held frame after the cursor with the lowest sequence number. */
static const jitter_slot *jitter_next_held(const ript_jitter *jb) {
  uint64_t span = jb->high - jb->cursor;
  for (uint64_t i = 1; i <= span && i < jb->cfg.capacity; ++i) {
    uint64_t s = jb->cursor + i;
    const jitter_slot *slot = jitter_slot_of(jb, s);
    if (slot->used && slot->seq == s)
      return slot;
  }
  return NULL;
}

/* The timestamp a gap at the cursor gets, given the next held frame. */
static int64_t jitter_gap_ts(const ript_jitter *jb, const jitter_slot *next) {
  int64_t expected = jb->last_ts + jb->frame_ms;
  return next->ts < expected ? next->ts : expected;
}

int64_t ript_jitter_next(const ript_jitter *jb) {
  if (!jb || jb->count == 0)
    return INT64_MAX;
  const jitter_slot *slot = jitter_slot_of(jb, jb->cursor);
  if (slot->used && slot->seq == jb->cursor)
    return slot->ts + jb->offset;
  /* A gap; before the first release the cursor frame is always held. */
  return jitter_gap_ts(jb, jitter_next_held(jb)) + jb->offset;
}

/* Moves the cursor past one released frame (|played|) or gap. */
static void jitter_advance(ript_jitter *jb, int64_t ts, bool played) {
  if (played && jb->last_was_frame) {
    int64_t step = ts - jb->last_ts;
    if (step > 0 && step <= JITTER_MAX_FRAME_MS)
      jb->frame_ms = step;
  }
  jb->played_bits = jb->played_bits << 1 | (played ? 1u : 0u);
  jb->last_ts = ts;
  jb->last_was_frame = played;
  jb->released = true;
  ++jb->cursor;
}

int ript_jitter_pop(ript_jitter *jb, int64_t now_ms, ript_jitter_frame *out) {
  if (!jb || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_mem_free(jb->mem, jb->current);
  jb->current = NULL;
  int64_t due = ript_jitter_next(jb);
  if (due == INT64_MAX || now_ms < due)
    return RIPT_JITTER_NONE;
  jitter_slot *slot = jitter_slot_of(jb, jb->cursor);
  if (slot->used && slot->seq == jb->cursor) {
    *out = (ript_jitter_frame){slot->seq, slot->ts, slot->data, slot->len};
    jb->current = slot->data;
    jitter_advance(jb, slot->ts, true);
    memset(slot, 0, sizeof(*slot));
    --jb->count;
    ++jb->stats.played;
    return RIPT_JITTER_FRAME;
  }
  int64_t ts = jitter_gap_ts(jb, jitter_next_held(jb));
  *out = (ript_jitter_frame){jb->cursor, ts, NULL, 0};
  jitter_advance(jb, ts, false);
  ++jb->stats.concealed;
  return RIPT_JITTER_GAP;
}

void ript_jitter_get_stats(const ript_jitter *jb, ript_jitter_stats *stats) {
  if (jb && stats)
    *stats = jb->stats;
}

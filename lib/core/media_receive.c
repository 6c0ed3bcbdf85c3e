/*
 * The media session's receive path. A body or datagram is walked chunk by
 * chunk; each chunk is parsed, expanded against its stream and opened, and
 * only a chunk that authenticated may change anything: delivery, duplicate
 * window, truncation state, acknowledgements owed, timers, figures. What
 * fails is counted by reason and skipped.
 */
#include <limits.h>
#include <string.h>

#include "media_internal.h"
#include "ript_mem.h"
#include "varint.h"

/* The ring of acknowledgements owed starts this small. */
#define MEDIA_ACKS_INITIAL_CAP 4u

static int media_fail(ript_media_session *s, ript_media_fail reason) {
  ++s->failed[reason];
  return 0;
}

/*
 * The length of the chunk at |data|: its TLVs up to and including the
 * sealed one, which always ends a chunk. RIPT_ERR_TRUNCATED when a TLV runs
 * past the end: the framing is broken and nothing after it can be found.
 */
static ript_ssize media_chunk_extent(const uint8_t *data, size_t len) {
  size_t off = 0;
  for (;;) {
    uint64_t type, vlen;
    ript_ssize n = ript_varint_read(data + off, len - off, &type);
    if (n < 0)
      return n;
    off += (size_t)n;
    n = ript_varint_read(data + off, len - off, &vlen);
    if (n < 0)
      return n;
    off += (size_t)n;
    if (vlen > len - off)
      return RIPT_ERR_TRUNCATED;
    off += (size_t)vlen;
    if (type == RIPT_CHUNK_TLV_SEALED)
      return (ript_ssize)off;
  }
}

static ript_media_fail media_open_failure(int rv) {
  switch (rv) {
  case RIPT_ERR_UNKNOWN_KEY:
    return RIPT_MEDIA_FAIL_UNKNOWN_KEY;
  case RIPT_ERR_DECRYPT:
    return RIPT_MEDIA_FAIL_DECRYPT;
  case RIPT_ERR_PARSE:
    return RIPT_MEDIA_FAIL_PACKAGE;
  default:
    return RIPT_MEDIA_FAIL_CRYPTO;
  }
}

/* ==== Keys ================================================================ */

/* The key of |key_id| among the configured and the derived ones, or NULL. */
static const ript_chunk_key *media_held_key(const ript_media_session *s,
                                            uint32_t key_id) {
  for (size_t i = 0; i < s->nrx_keys; ++i)
    if (s->rx_keys[i].id == key_id)
      return &s->rx_keys[i];
  for (size_t i = 0; i < s->nderived; ++i)
    if (s->derived[i].id == key_id)
      return &s->derived[i];
  return NULL;
}

/*
 * Opens |c| with the session's keys. With a media key, the key of a key id
 * that belongs to it is derived on demand; it is kept (while there is
 * room) only once it opened a chunk, so that chunks with made-up key ids
 * cannot crowd out the real senders' keys.
 */
static int media_open(ript_media_session *s, ript_chunk *c) {
  if (!s->has_mediakey)
    return ript_chunk_open(c, s->rx_keys, s->nrx_keys, NULL);
  if (!c->has_key_id)
    return RIPT_ERR_DECRYPT; /* keys are held: never unencrypted */
  if (s->tx_key && c->key_id == s->tx_key->id)
    return RIPT_ERR_UNKNOWN_KEY; /* this side's own chunks, reflected */
  const ript_chunk_key *held = media_held_key(s, c->key_id);
  if (held)
    return ript_chunk_open(c, held, 1, NULL);
  if (!ript_mediakey_matches(&s->mediakey, c->key_id))
    return RIPT_ERR_UNKNOWN_KEY;
  ript_chunk_key key;
  int rv = ript_mediakey_derive(&s->mediakey, c->key_id, &key);
  if (rv == 0)
    rv = ript_chunk_open(c, &key, 1, NULL);
  if (rv == 0 && s->nderived < RIPT_MEDIA_DERIVED_KEYS)
    s->derived[s->nderived++] = key;
  else
    ript_chunk_key_free(&key);
  return rv;
}

/* ==== Acknowledgements owed ============================================== */

/* Doubles the ring (up to the limit), unwrapping it. False without memory. */
static bool media_grow_acks(ript_media_session *s) {
  size_t cap = s->acks_cap ? s->acks_cap * 2 : MEDIA_ACKS_INITIAL_CAP;
  if (cap > s->max_pending_acks)
    cap = s->max_pending_acks;
  ript_media_ack *acks = ript_mem_malloc(s->mem, cap * sizeof(*acks));
  if (!acks)
    return false;
  for (size_t i = 0; i < s->acks_len; ++i)
    acks[i] = s->acks[(s->acks_head + i) % s->acks_cap];
  ript_mem_free(s->mem, s->acks);
  s->acks = acks;
  s->acks_cap = cap;
  s->acks_head = 0;
  return true;
}

/* |plain|: |c| could not be opened, so the ack goes unencrypted. */
static void media_owe_ack(ript_media_session *s, const ript_chunk *c,
                          bool plain) {
  if (s->acks_len == s->max_pending_acks) {
    s->acks_head = (s->acks_head + 1) % s->acks_cap;
    --s->acks_len;
    ++s->acks_dropped;
  } else if (s->acks_len == s->acks_cap && !media_grow_acks(s)) {
    ++s->acks_dropped;
    return;
  }
  ript_media_ack *a = &s->acks[(s->acks_head + s->acks_len) % s->acks_cap];
  a->source = c->source;
  a->sink = c->sink;
  a->sequence = c->sequence;
  a->timestamp = c->timestamp;
  a->plain = plain;
  ++s->acks_len;
}

/* ==== Media =============================================================== */

static bool media_seen_get(const ript_media_rx *rx, uint64_t sequence) {
  uint64_t bit = sequence % RIPT_MEDIA_DEDUP_WINDOW;
  return (rx->seen[bit / 64] >> (bit % 64)) & 1u;
}

static void media_seen_put(ript_media_rx *rx, uint64_t sequence, bool on) {
  uint64_t bit = sequence % RIPT_MEDIA_DEDUP_WINDOW;
  uint64_t mask = UINT64_C(1) << (bit % 64);
  if (on)
    rx->seen[bit / 64] |= mask;
  else
    rx->seen[bit / 64] &= ~mask;
}

/*
 * Records |sequence| in the duplicate window, which ends at the stream's
 * largest sequence number (call it before ript_chunk_stream_rx_update).
 * Returns false for a duplicate, or for a chunk too far below the largest
 * to tell.
 */
static bool media_rx_mark(ript_media_rx *rx, uint64_t sequence) {
  uint64_t largest = rx->trunc.largest_sequence;
  if (!rx->trunc.valid ||
      (sequence > largest && sequence - largest >= RIPT_MEDIA_DEDUP_WINDOW)) {
    memset(rx->seen, 0, sizeof(rx->seen));
  } else if (sequence > largest) {
    /* The bits in between still describe numbers a window lower. */
    for (uint64_t k = largest + 1; k < sequence; ++k)
      media_seen_put(rx, k, false);
  } else if (largest - sequence >= RIPT_MEDIA_DEDUP_WINDOW ||
             media_seen_get(rx, sequence)) {
    return false;
  }
  media_seen_put(rx, sequence, true);
  return true;
}

/*
 * After a resync (a migration), the first chunk with a full sequence number
 * decides whether the peer numbers the stream anew: a new server instance
 * holds none of the old one's media state (§8.9), so its numbers may be
 * anywhere. One outside the duplicate window of the current numbering
 * starts a new one: the receive state starts over, and the figures of the
 * old numbering are kept aside. Returns true when it did.
 */
static bool media_rx_renumber(ript_media_rx *rx, const ript_chunk *c) {
  if (!rx->may_renumber || c->sequence_len != 8)
    return false;
  rx->may_renumber = false;
  uint64_t largest = rx->trunc.largest_sequence;
  uint64_t distance = c->sequence > largest ? c->sequence - largest
                                            : largest - c->sequence;
  if (!rx->trunc.valid || distance < RIPT_MEDIA_DEDUP_WINDOW)
    return false;
  if (rx->received > rx->begun)
    rx->earlier_expected += rx->highest - rx->lowest + 1;
  rx->begun = rx->received;
  ++rx->renumbered;
  ript_chunk_stream_rx_init(&rx->trunc);
  memset(rx->seen, 0, sizeof(rx->seen));
  return true;
}

/* Figures of a new chunk (RFC 3550 A.3 range, 6.4.1 jitter). */
static void media_rx_account(ript_media_rx *rx, const ript_chunk *c,
                             int64_t now_ms) {
  if (rx->received == rx->begun || c->sequence < rx->lowest)
    rx->lowest = c->sequence;
  if (rx->received == rx->begun || c->sequence > rx->highest)
    rx->highest = c->sequence;
  ++rx->received;
  rx->received_bytes += c->media_len;
  /* Doubles: timestamps are peer data and may be anywhere in 64 bits. */
  double transit = (double)now_ms - (double)c->timestamp;
  if (rx->has_transit) {
    double d = transit - rx->last_transit;
    if (d < 0)
      d = -d;
    rx->jitter += (d - rx->jitter) / 16;
  }
  rx->last_transit = transit;
  rx->has_transit = true;
}

/* The frame of |c|'s envelope, as the callback sees it. */
static void media_frame_of(ript_media_frame *f, const ript_chunk *c,
                           int64_t now_ms) {
  memset(f, 0, sizeof(*f));
  f->source = c->source;
  f->sink = c->sink;
  f->payload_type = c->payload_type;
  f->timestamp = c->timestamp;
  f->sequence = c->sequence;
  f->delay_ms = c->timestamp > (uint64_t)INT64_MAX
                    ? INT64_MIN
                    : now_ms - (int64_t)c->timestamp;
  f->key_id = c->has_key_id ? c->key_id : 0;
}

static void media_deliver(const ript_chunk *c, bool renumbered, int64_t now_ms,
                          ript_media_frame_cb cb, void *user_data) {
  ript_media_frame f;
  media_frame_of(&f, c, now_ms);
  f.flags = (c->reference ? RIPT_MEDIA_FRAME_FLAG_REFERENCE : 0) |
            (c->has_level ? RIPT_MEDIA_FRAME_FLAG_LEVEL : 0) |
            (renumbered ? RIPT_MEDIA_FRAME_FLAG_RENUMBERED : 0);
  f.level = c->level;
  f.spatial_layer = c->spatial_layer;
  f.temporal_layer = c->temporal_layer;
  f.media = c->media;
  f.media_len = c->media_len;
  cb(&f, user_data);
}

static void media_deliver_sealed(const ript_chunk *c, int64_t now_ms,
                                 ript_media_frame_cb cb, void *user_data) {
  ript_media_frame f;
  media_frame_of(&f, c, now_ms);
  f.flags = RIPT_MEDIA_FRAME_FLAG_SEALED;
  f.chunk = c->data;
  f.chunk_len = (size_t)(c->sealed + c->sealed_len - c->data);
  cb(&f, user_data);
}

/*
 * A media chunk of a known stream that this side cannot open: counted, and
 * acknowledged unencrypted, since its sender (or the relay that forwarded
 * it) would otherwise replay it and time out for nothing.
 */
static int media_undecryptable(ript_media_session *s, ript_media_rx *rx,
                               const ript_chunk *c, int rv, int64_t now_ms,
                               ript_media_frame_cb cb, void *user_data) {
  ript_media_fail reason = media_open_failure(rv);
  ript_chunk_stream_rx *u = &rx->unopened;
  if (!u->valid || c->sequence > u->largest_sequence)
    u->largest_sequence = c->sequence;
  if (!u->valid || c->timestamp > u->largest_timestamp)
    u->largest_timestamp = c->timestamp;
  u->valid = true;
  media_fail(s, reason);
  if (s->undecryptable++ == 0) {
    s->undecryptable_reason = reason;
    s->undecryptable_keyed = c->has_key_id;
    s->undecryptable_key_id = c->has_key_id ? c->key_id : 0;
  }
  media_owe_ack(s, c, true);
  if (reason == RIPT_MEDIA_FAIL_UNKNOWN_KEY && s->deliver_sealed && cb)
    media_deliver_sealed(c, now_ms, cb, user_data);
  return 0;
}

/* Returns 1 when the chunk was delivered, else 0. */
static int media_receive_media(ript_media_session *s, ript_chunk *c,
                               int64_t now_ms, ript_media_frame_cb cb,
                               void *user_data) {
  ript_media_rx *rx = ript_media_find_rx(s, c->source, c->sink);
  if (!rx)
    return media_fail(s, RIPT_MEDIA_FAIL_UNKNOWN_STREAM);
  /* What was acknowledged unopened is all a sender that only ever got such
   * acknowledgements truncates against. */
  const ript_chunk_stream_rx *ref =
      rx->trunc.valid ? &rx->trunc : &rx->unopened;
  if (ript_chunk_stream_rx_expand(ref, c) < 0)
    return media_fail(s, RIPT_MEDIA_FAIL_NO_REFERENCE);
  int rv = media_open(s, c);
  if (rv == RIPT_ERR_UNKNOWN_KEY || rv == RIPT_ERR_DECRYPT)
    return media_undecryptable(s, rx, c, rv, now_ms, cb, user_data);
  if (rv < 0)
    return media_fail(s, media_open_failure(rv));
  if (!ript_media_allows(&rx->cfg, c->payload_type))
    return media_fail(s, RIPT_MEDIA_FAIL_PAYLOAD_TYPE);
  /* Authenticated: from here on the chunk may change state. */
  bool renumbered = media_rx_renumber(rx, c);
  bool fresh = media_rx_mark(rx, c->sequence);
  ript_chunk_stream_rx_update(&rx->trunc, c);
  media_owe_ack(s, c, false);
  s->rx_wait_since = now_ms;
  if (!fresh) {
    ++rx->duplicates;
    return 0;
  }
  media_rx_account(rx, c, now_ms);
  if (cb)
    media_deliver(c, renumbered, now_ms, cb, user_data);
  return 1;
}

/* ==== Acknowledgements received =========================================== */

static bool media_ack_plausible(const ript_media_tx *tx,
                                const ript_chunk_ack *ack) {
  return tx->sent > 0 && ack->sequence >= tx->cfg.initial_sequence &&
         ack->sequence < tx->next_sequence &&
         ack->timestamp >= tx->min_timestamp &&
         ack->timestamp <= tx->max_timestamp;
}

/* |hop|: an unencrypted ack while this side seals, i.e. a relay's. */
static void media_on_ack(ript_media_session *s, const ript_chunk_ack *ack,
                         int64_t now_ms, bool hop) {
  ript_media_tx *tx = ack->direction == s->tx_dir
                          ? ript_media_find_tx(s, ack->source, ack->sink)
                          : NULL;
  if (!tx) {
    media_fail(s, RIPT_MEDIA_FAIL_UNKNOWN_STREAM);
    return;
  }
  /* An ack of a chunk never sent would corrupt the truncation state. */
  ript_media_entry *e =
      ript_media_find_entry(s, (size_t)(tx - s->tx), ack->sequence);
  if (!media_ack_plausible(tx, ack) || (e && e->timestamp != ack->timestamp)) {
    media_fail(s, RIPT_MEDIA_FAIL_BAD_ACK);
    return;
  }
  /* A relay's ack says nothing of what its receivers hold, so truncation
   * stays where authenticated acks put it: the receivers must be able to
   * expand every chunk the relay forwards them. */
  if (hop) {
    ++s->hop_acks;
  } else {
    ++s->acks_received;
    ript_chunk_stream_tx_on_ack(&tx->trunc, ack);
  }
  s->ack_wait_since = s->media_wait_since = RIPT_MEDIA_NEVER;
  if (!e) {
    ++tx->acks_unmatched;
    return;
  }
  ++tx->acked;
  if (!(e->flags & RIPT_MEDIA_ENTRY_REPLAYED)) {
    ript_media_rtt_sample(&tx->rtt, now_ms - e->sent_at);
    ript_media_rtt_sample(&s->rtt, now_ms - e->sent_at);
  }
  ript_media_entry_remove(s, e);
}

static void media_receive_control(ript_media_session *s, ript_chunk *c,
                                  int64_t now_ms) {
  /* Control chunks are always sent full, so expanding cannot fail; it
   * only marks the chunk ready to open. */
  ript_chunk_stream_rx none;
  ript_chunk_stream_rx_init(&none);
  (void)ript_chunk_stream_rx_expand(&none, c);
  bool hop = !c->has_key_id && s->tx_key;
  int rv = hop ? ript_chunk_open(c, NULL, 0, NULL) : media_open(s, c);
  if (rv < 0) {
    media_fail(s, media_open_failure(rv));
    return;
  }
  if (c->control_type != RIPT_CHUNK_CONTROL_ACK) {
    /* Only acks are taken unencrypted from a relay. */
    if (hop)
      media_fail(s, RIPT_MEDIA_FAIL_DECRYPT);
    else
      ++s->control_ignored;
    return;
  }
  media_on_ack(s, &c->ack, now_ms, hop);
}

/* ==== The body ============================================================ */

/* One chunk of |n| bytes at |p|. Returns 1 when media was delivered. */
static int media_receive_chunk(ript_media_session *s, uint8_t *p, size_t n,
                               int64_t now_ms, ript_media_frame_cb cb,
                               void *user_data) {
  ript_chunk c;
  if (ript_chunk_parse(&c, p, n, NULL) < 0)
    return media_fail(s, RIPT_MEDIA_FAIL_PARSE);
  if (c.kind == RIPT_CHUNK_KIND_MEDIA)
    return media_receive_media(s, &c, now_ms, cb, user_data);
  media_receive_control(s, &c, now_ms);
  return 0;
}

int ript_media_receive(ript_media_session *session, uint8_t *data, size_t len,
                       int64_t now_ms, ript_media_frame_cb cb,
                       void *user_data) {
  if (!session || (!data && len > 0) || now_ms < 0 || session->receiving)
    return RIPT_ERR_INVALID_ARGUMENT;
  session->receiving = true;
  ript_media_expire(session, now_ms);
  int delivered = 0;
  size_t off = 0;
  while (off < len) {
    ript_ssize n = media_chunk_extent(data + off, len - off);
    if (n < 0) {
      media_fail(session, RIPT_MEDIA_FAIL_FRAMING);
      break;
    }
    if (media_receive_chunk(session, data + off, (size_t)n, now_ms, cb,
                            user_data) &&
        delivered < INT_MAX)
      ++delivered;
    off += (size_t)n;
  }
  session->receiving = false;
  return delivered;
}

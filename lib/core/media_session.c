/*
 * The media session: setup, sending, the acknowledgements owed, the
 * unacknowledged queue and its replay, timers and figures. The receive
 * path is in media_receive.c.
 */
#include <string.h>

#include "media_internal.h"
#include "ript/codec.h"
#include "ript_mem.h"

/*
 * More than any chunk adds around its media: an envelope of at most 50
 * bytes (key id 6, source 3, sink 3, sequence 10, timestamp 10, payload
 * type 6, reference, layers and level 3 each), the sealed TLV's type and
 * length (9), a tag (16) and the media TLV's type and length (9). An
 * acknowledgement (33 + 9 + 16 + a 29-byte package) stays below it too.
 */
#define MEDIA_CHUNK_OVERHEAD 96u

/* Sequence numbers (tx initial, control) start below this, so that no
 * stream runs out. */
#define MEDIA_SEQUENCE_START_LIMIT (UINT64_C(1) << 62)

/* ==== Setup =============================================================== */

void ript_media_config_init(ript_media_config *config) {
  memset(config, 0, sizeof(*config));
  config->role = RIPT_MEDIA_ROLE_CLIENT;
  config->initial_control_sequence = 1;
  config->replay_window_ms = RIPT_MEDIA_REPLAY_WINDOW_DEFAULT_MS;
  config->replay_max_bytes = RIPT_MEDIA_REPLAY_MAX_BYTES_DEFAULT;
  config->max_pending_acks = RIPT_MEDIA_MAX_PENDING_ACKS_DEFAULT;
  config->ack_timeout_ms = RIPT_MEDIA_ACK_TIMEOUT_DEFAULT_MS;
  config->media_timeout_ms = RIPT_MEDIA_MEDIA_TIMEOUT_DEFAULT_MS;
  config->rx_timeout_ms = RIPT_MEDIA_RX_TIMEOUT_DEFAULT_MS;
}

/* The payload type of an entry's codec |i|, or an error per the rules of
 * ript_media_streams_from_directive. */
static int media_directive_codec(const ript_advert_entry *e, size_t i,
                                 ript_media_stream *st) {
  const ript_codec_info *info = e->codecs[i].info;
  if (!info)
    return RIPT_ERR_INVALID_ARGUMENT;
  bool aux = (info->flags & RIPT_CODEC_FLAG_AUXILIARY) != 0;
  if (aux != (i > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (i == 0) {
    st->payload_type = info->payload_type;
    return 0;
  }
  if (st->naux == RIPT_MEDIA_MAX_AUX)
    return RIPT_ERR_LIMIT;
  st->aux_payload_types[st->naux++] = info->payload_type;
  return 0;
}

int ript_media_streams_from_directive(const ript_advert *directive,
                                      ript_media_stream *streams, size_t max,
                                      size_t *nstreams) {
  if (!directive || !nstreams || (!streams && max > 0) ||
      directive->kind != RIPT_ADVERT_KIND_DIRECTIVE)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (directive->nentries > max)
    return RIPT_ERR_LIMIT;
  for (size_t i = 0; i < directive->nentries; ++i) {
    const ript_advert_entry *e = &directive->entries[i];
    ript_media_stream *st = &streams[i];
    memset(st, 0, sizeof(*st));
    st->source = e->id;
    st->sink = e->sink;
    if (e->ncodecs == 0)
      return RIPT_ERR_INVALID_ARGUMENT;
    for (size_t j = 0; j < e->ncodecs; ++j) {
      int rv = media_directive_codec(e, j, st);
      if (rv < 0)
        return rv;
    }
  }
  *nstreams = directive->nentries;
  return 0;
}

/* Checks one direction's streams; |tx| also checks initial sequences. */
static int media_check_streams(const ript_media_stream *streams, size_t n,
                               bool tx) {
  if (!streams && n > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (n > RIPT_MEDIA_MAX_STREAMS)
    return RIPT_ERR_LIMIT;
  for (size_t i = 0; i < n; ++i) {
    const ript_media_stream *st = &streams[i];
    if (st->source == 0 || st->sink == 0 || st->naux > RIPT_MEDIA_MAX_AUX ||
        (tx && st->initial_sequence >= MEDIA_SEQUENCE_START_LIMIT))
      return RIPT_ERR_INVALID_ARGUMENT;
    for (size_t j = 0; j < i; ++j)
      if (streams[j].source == st->source && streams[j].sink == st->sink)
        return RIPT_ERR_INVALID_ARGUMENT;
  }
  return 0;
}

static int media_check_config(const ript_media_config *c, int64_t now_ms) {
  if ((c->role != RIPT_MEDIA_ROLE_CLIENT &&
       c->role != RIPT_MEDIA_ROLE_SERVER) ||
      c->initial_control_sequence >= MEDIA_SEQUENCE_START_LIMIT ||
      c->replay_window_ms <= 0 || c->replay_max_bytes == 0 ||
      c->max_pending_acks == 0 || now_ms < 0 ||
      (c->tx_key && !c->tx_key->aead) || (!c->rx_keys && c->nrx_keys > 0) ||
      (c->rx_mediakey && c->rx_mediakey->secret_len != 16 &&
       c->rx_mediakey->secret_len != 32))
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < c->nrx_keys; ++i)
    if (!c->rx_keys[i].aead)
      return RIPT_ERR_INVALID_ARGUMENT;
  int rv = media_check_streams(c->tx_streams, c->ntx_streams, true);
  return rv < 0 ? rv
                : media_check_streams(c->rx_streams, c->nrx_streams, false);
}

static void media_init_streams(ript_media_session *s,
                               const ript_media_config *c) {
  for (size_t i = 0; i < s->ntx; ++i) {
    ript_media_tx *tx = &s->tx[i];
    tx->cfg = c->tx_streams[i];
    ript_chunk_stream_tx_init(&tx->trunc);
    tx->next_sequence = tx->cfg.initial_sequence;
  }
  for (size_t i = 0; i < s->nrx; ++i) {
    s->rx[i].cfg = c->rx_streams[i];
    ript_chunk_stream_rx_init(&s->rx[i].trunc);
    ript_chunk_stream_rx_init(&s->rx[i].unopened);
  }
}

int ript_media_session_new(ript_media_session **psession,
                           const ript_media_config *config, int64_t now_ms,
                           const ript_mem *mem) {
  if (!psession || !config)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = media_check_config(config, now_ms);
  if (rv < 0)
    return rv;
  /* One block: the session, then its tx and rx streams. */
  size_t size = sizeof(ript_media_session) +
                config->ntx_streams * sizeof(ript_media_tx) +
                config->nrx_streams * sizeof(ript_media_rx);
  ript_media_session *s = ript_mem_calloc(mem, 1, size);
  if (!s)
    return RIPT_ERR_NOMEM;
  s->mem = mem;
  bool client = config->role == RIPT_MEDIA_ROLE_CLIENT;
  s->tx_dir = client ? RIPT_CHUNK_DIR_C2S : RIPT_CHUNK_DIR_S2C;
  s->rx_dir = client ? RIPT_CHUNK_DIR_S2C : RIPT_CHUNK_DIR_C2S;
  s->tx_key = config->tx_key;
  s->rx_keys = config->rx_keys;
  s->nrx_keys = config->nrx_keys;
  if (config->rx_mediakey) {
    s->has_mediakey = true;
    s->mediakey = *config->rx_mediakey;
  }
  s->deliver_sealed = config->deliver_sealed;
  s->replay_window_ms = config->replay_window_ms;
  s->replay_max_bytes = config->replay_max_bytes;
  s->max_pending_acks = config->max_pending_acks;
  s->ack_timeout_ms = config->ack_timeout_ms;
  s->media_timeout_ms = config->media_timeout_ms;
  s->rx_timeout_ms = config->rx_timeout_ms;
  s->control_sequence = config->initial_control_sequence;
  s->ack_wait_since = s->media_wait_since = RIPT_MEDIA_NEVER;
  s->rx_wait_since = RIPT_MEDIA_NEVER;
  s->ntx = config->ntx_streams;
  s->nrx = config->nrx_streams;
  s->tx = (ript_media_tx *)(s + 1);
  s->rx = (ript_media_rx *)(s->tx + s->ntx);
  media_init_streams(s, config);
  *psession = s;
  return 0;
}

void ript_media_session_del(ript_media_session *session) {
  if (!session)
    return;
  while (session->oldest)
    ript_media_entry_remove(session, session->oldest);
  ript_mem_free(session->mem, session->acks);
  for (size_t i = 0; i < session->nderived; ++i)
    ript_chunk_key_free(&session->derived[i]);
  ript_mediakey_clear(&session->mediakey);
  ript_mem_free(session->mem, session);
}

/* ==== Streams and the unacknowledged queue ================================ */

ript_media_tx *ript_media_find_tx(const ript_media_session *s, unsigned source,
                                  unsigned sink) {
  for (size_t i = 0; i < s->ntx; ++i)
    if (s->tx[i].cfg.source == source && s->tx[i].cfg.sink == sink)
      return &s->tx[i];
  return NULL;
}

ript_media_rx *ript_media_find_rx(const ript_media_session *s, unsigned source,
                                  unsigned sink) {
  for (size_t i = 0; i < s->nrx; ++i)
    if (s->rx[i].cfg.source == source && s->rx[i].cfg.sink == sink)
      return &s->rx[i];
  return NULL;
}

bool ript_media_allows(const ript_media_stream *stream, uint32_t payload_type) {
  if (stream->payload_type == payload_type)
    return true;
  for (size_t i = 0; i < stream->naux; ++i)
    if (stream->aux_payload_types[i] == payload_type)
      return true;
  return false;
}

/* Acknowledgements mostly come in send order, so the chunk is usually
 * near the oldest end. */
ript_media_entry *ript_media_find_entry(const ript_media_session *s,
                                        size_t stream, uint64_t sequence) {
  for (ript_media_entry *e = s->oldest; e; e = e->next)
    if (e->stream == stream && e->sequence == sequence)
      return e;
  return NULL;
}

void ript_media_entry_remove(ript_media_session *s, ript_media_entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    s->oldest = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    s->newest = e->prev;
  s->unacked_bytes -= e->len;
  --s->tx[e->stream].unacked;
  ript_mem_free(s->mem, e);
}

static void media_entry_append(ript_media_session *s, ript_media_entry *e) {
  e->prev = s->newest;
  e->next = NULL;
  if (s->newest)
    s->newest->next = e;
  else
    s->oldest = e;
  s->newest = e;
  s->unacked_bytes += e->len;
  ++s->tx[e->stream].unacked;
}

void ript_media_expire(ript_media_session *s, int64_t now_ms) {
  while (s->oldest && now_ms - s->oldest->sent_at >= s->replay_window_ms) {
    ++s->tx[s->oldest->stream].expired;
    ript_media_entry_remove(s, s->oldest);
  }
}

static void media_enforce_byte_limit(ript_media_session *s) {
  while (s->oldest && s->unacked_bytes > s->replay_max_bytes) {
    ++s->tx[s->oldest->stream].overflowed;
    ript_media_entry_remove(s, s->oldest);
  }
}

/* Sending arms the acknowledgement timers that are not running. */
static void media_arm_ack_timers(ript_media_session *s, int64_t now_ms) {
  if (s->ack_wait_since == RIPT_MEDIA_NEVER)
    s->ack_wait_since = now_ms;
  if (s->media_wait_since == RIPT_MEDIA_NEVER)
    s->media_wait_since = now_ms;
}

/* ==== Sending ============================================================= */

#define MEDIA_FRAME_FLAGS                                                      \
  (RIPT_MEDIA_FRAME_FLAG_REFERENCE | RIPT_MEDIA_FRAME_FLAG_LEVEL)

static bool media_frame_valid(const ript_media_tx *tx,
                              const ript_media_frame *f) {
  return tx && ript_media_allows(&tx->cfg, f->payload_type) &&
         (f->flags & ~MEDIA_FRAME_FLAGS) == 0 &&
         (!(f->flags & RIPT_MEDIA_FRAME_FLAG_LEVEL) ||
          f->level <= RIPT_CHUNK_LEVEL_MAX) &&
         (f->media || f->media_len == 0);
}

static void media_fill_chunk(ript_chunk *c, const ript_media_tx *tx,
                             const ript_media_frame *f) {
  ript_chunk_init(c);
  c->source = f->source;
  c->sink = f->sink;
  c->sequence = tx->next_sequence;
  c->timestamp = f->timestamp;
  c->payload_type = f->payload_type;
  c->reference = (f->flags & RIPT_MEDIA_FRAME_FLAG_REFERENCE) != 0;
  c->spatial_layer = f->spatial_layer;
  c->temporal_layer = f->temporal_layer;
  c->has_level = (f->flags & RIPT_MEDIA_FRAME_FLAG_LEVEL) != 0;
  c->level = c->has_level ? f->level : 0;
  c->media = f->media;
  c->media_len = f->media_len;
  ript_chunk_stream_tx_prepare(&tx->trunc, c);
}

/* Bookkeeping once chunk |c| of |tx| (index |i|) is out. */
static void media_sent(ript_media_session *s, ript_media_tx *tx,
                       const ript_chunk *c, int64_t now_ms) {
  if (tx->sent == 0 || c->timestamp < tx->min_timestamp)
    tx->min_timestamp = c->timestamp;
  if (tx->sent == 0 || c->timestamp > tx->max_timestamp)
    tx->max_timestamp = c->timestamp;
  ++tx->sent;
  tx->sent_bytes += c->media_len;
  ++tx->next_sequence;
  media_arm_ack_timers(s, now_ms);
}

ript_ssize ript_media_send(ript_media_session *session,
                           const ript_media_frame *frame, int64_t now_ms,
                           ript_buf *out, uint64_t *sequence) {
  if (!session || !frame || !out || now_ms < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_media_tx *tx = ript_media_find_tx(session, frame->source, frame->sink);
  if (!media_frame_valid(tx, frame))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (tx->next_sequence == UINT64_MAX)
    return RIPT_ERR_RANGE;
  if (frame->media_len > SIZE_MAX - MEDIA_CHUNK_OVERHEAD - 1 - out->len)
    return RIPT_ERR_NOMEM;
  ript_media_expire(session, now_ms);
  ript_chunk c;
  media_fill_chunk(&c, tx, frame);
  size_t room = frame->media_len + MEDIA_CHUNK_OVERHEAD;
  int rv = ript_buf_reserve(out, room);
  if (rv < 0)
    return rv;
  uint8_t *dst = out->data + out->len;
  ript_ssize n = ript_chunk_encode(dst, room, &c, session->tx_key);
  if (n < 0)
    return n;
  ript_media_entry *e = ript_mem_malloc(session->mem, sizeof(*e) + (size_t)n);
  if (!e) {
    /* The sealed bytes never leave the library, so their nonce was not
     * exposed and the sequence number can be used again. */
    memset(dst, 0, (size_t)n);
    return RIPT_ERR_NOMEM;
  }
  e->sent_at = now_ms;
  e->sequence = c.sequence;
  e->timestamp = c.timestamp;
  e->stream = (uint16_t)(tx - session->tx);
  e->flags = 0;
  e->len = (size_t)n;
  memcpy(e->bytes, dst, (size_t)n);
  out->len += (size_t)n;
  out->data[out->len] = '\0';
  if (sequence)
    *sequence = c.sequence;
  media_sent(session, tx, &c, now_ms);
  media_entry_append(session, e);
  media_enforce_byte_limit(session);
  return n;
}

/* ==== Acknowledgements owed ============================================== */

size_t ript_media_pending_acks(const ript_media_session *session) {
  return session ? session->acks_len : 0;
}

static void media_fill_ack(ript_chunk *c, const ript_media_session *s,
                           const ript_media_ack *a, uint64_t control_sequence,
                           int64_t now_ms) {
  ript_chunk_init(c);
  c->kind = RIPT_CHUNK_KIND_CONTROL;
  c->control_type = RIPT_CHUNK_CONTROL_ACK;
  c->sequence = control_sequence;
  c->timestamp = (uint64_t)now_ms;
  c->ack.direction = s->rx_dir;
  c->ack.source = a->source;
  c->ack.sink = a->sink;
  c->ack.sequence = a->sequence;
  c->ack.timestamp = a->timestamp;
}

/* Appends up to |max_count| (0: all) of the acknowledgements owed, oldest
 * first, while they fit in |max_bytes| together. */
static ript_ssize media_take_acks(ript_media_session *s, int64_t now_ms,
                                  ript_buf *out, size_t max_count,
                                  size_t max_bytes) {
  if (!s || !out || now_ms < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t n = s->acks_len;
  if (max_count > 0 && max_count < n)
    n = max_count;
  if (n == 0)
    return 0;
  /* Every acknowledgement is shorter than the overhead bound, so the room
   * reserved never stops one that |max_bytes| lets through. */
  size_t room = n > max_bytes / MEDIA_CHUNK_OVERHEAD ? max_bytes
                                                     : n * MEDIA_CHUNK_OVERHEAD;
  int rv = ript_buf_reserve(out, room);
  if (rv < 0)
    return rv;
  size_t start = out->len, pos = start, taken = 0;
  for (; taken < n; ++taken) {
    const ript_media_ack *a = &s->acks[(s->acks_head + taken) % s->acks_cap];
    ript_chunk c;
    media_fill_ack(&c, s, a, s->control_sequence + taken, now_ms);
    size_t left = max_bytes - (pos - start);
    size_t dstlen = out->cap - 1 - pos < left ? out->cap - 1 - pos : left;
    /* ript_chunk_encode refuses what does not fit before it seals. */
    ript_ssize w = ript_chunk_encode(out->data + pos, dstlen, &c,
                                     a->plain ? NULL : s->tx_key);
    if (w == RIPT_ERR_NOBUF)
      break;
    if (w < 0) {
      /* Control sequence numbers sealed so far are never used again. */
      memset(out->data + start, 0, pos - start);
      s->control_sequence += taken + 1;
      return w;
    }
    pos += (size_t)w;
  }
  if (taken == 0)
    return 0;
  out->len = pos;
  out->data[pos] = '\0';
  s->control_sequence += taken;
  s->acks_head = (s->acks_head + taken) % s->acks_cap;
  s->acks_len -= taken;
  s->acks_sent += taken;
  return (ript_ssize)(pos - start);
}

ript_ssize ript_media_take_acks(ript_media_session *session, int64_t now_ms,
                                ript_buf *out, size_t max) {
  return media_take_acks(session, now_ms, out, max, SIZE_MAX);
}

ript_ssize ript_media_take_acks_within(ript_media_session *session,
                                       int64_t now_ms, ript_buf *out,
                                       size_t max_bytes) {
  return media_take_acks(session, now_ms, out, 0, max_bytes);
}

/* ==== Replay ============================================================== */

size_t ript_media_replay_start(ript_media_session *session, int64_t now_ms) {
  if (!session || now_ms < 0)
    return 0;
  ript_media_expire(session, now_ms);
  size_t n = 0;
  for (ript_media_entry *e = session->oldest; e; e = e->next, ++n)
    e->flags |= RIPT_MEDIA_ENTRY_REPLAY;
  return n;
}

ript_ssize ript_media_replay(ript_media_session *session, int64_t now_ms,
                             ript_buf *out, size_t max) {
  if (!session || !out || now_ms < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_media_expire(session, now_ms);
  size_t total = 0, count = 0;
  for (ript_media_entry *e = session->oldest; e && (max == 0 || count < max);
       e = e->next)
    if (e->flags & RIPT_MEDIA_ENTRY_REPLAY) {
      total += e->len;
      ++count;
    }
  if (count == 0)
    return 0;
  int rv = ript_buf_reserve(out, total);
  if (rv < 0)
    return rv;
  for (ript_media_entry *e = session->oldest; e && count > 0; e = e->next) {
    if (!(e->flags & RIPT_MEDIA_ENTRY_REPLAY))
      continue;
    ript_buf_append(out, e->bytes, e->len); /* cannot fail: reserved */
    e->flags = RIPT_MEDIA_ENTRY_REPLAYED;
    ++session->tx[e->stream].replayed;
    --count;
  }
  media_arm_ack_timers(session, now_ms);
  return (ript_ssize)total;
}

size_t ript_media_replay_next_len(const ript_media_session *session,
                                  int64_t now_ms) {
  if (!session || now_ms < 0)
    return 0;
  for (const ript_media_entry *e = session->oldest; e; e = e->next)
    if ((e->flags & RIPT_MEDIA_ENTRY_REPLAY) &&
        now_ms - e->sent_at < session->replay_window_ms)
      return e->len;
  return 0;
}

void ript_media_resync(ript_media_session *session) {
  if (!session)
    return;
  for (size_t i = 0; i < session->ntx; ++i)
    ript_chunk_stream_tx_init(&session->tx[i].trunc);
  for (size_t i = 0; i < session->nrx; ++i)
    session->rx[i].may_renumber = true;
}

/* ==== Timers ============================================================== */

/* |since| + |timeout|, or INT64_MAX when the timer is off or not armed. */
static int64_t media_deadline(int64_t since, int64_t timeout) {
  if (since == RIPT_MEDIA_NEVER || timeout <= 0)
    return INT64_MAX;
  return since > INT64_MAX - timeout ? INT64_MAX : since + timeout;
}

static int64_t media_min(int64_t a, int64_t b) { return a < b ? a : b; }

int64_t ript_media_next_deadline(const ript_media_session *session) {
  if (!session)
    return INT64_MAX;
  int64_t t = media_deadline(session->ack_wait_since, session->ack_timeout_ms);
  t = media_min(
      t, media_deadline(session->media_wait_since, session->media_timeout_ms));
  t = media_min(t,
                media_deadline(session->rx_wait_since, session->rx_timeout_ms));
  if (session->oldest)
    t = media_min(
        t, media_deadline(session->oldest->sent_at, session->replay_window_ms));
  return t;
}

/* Whether the timer armed at |*since| expires by |now_ms|; disarms it then. */
static bool media_timer_fired(int64_t *since, int64_t timeout, int64_t now_ms) {
  if (now_ms < media_deadline(*since, timeout))
    return false;
  *since = RIPT_MEDIA_NEVER;
  return true;
}

int ript_media_check(ript_media_session *session, int64_t now_ms) {
  if (!session || now_ms < 0)
    return 0;
  ript_media_expire(session, now_ms);
  unsigned flags = 0;
  if (media_timer_fired(&session->ack_wait_since, session->ack_timeout_ms,
                        now_ms))
    flags |= RIPT_MEDIA_FLAG_ACK_TIMEOUT;
  if (media_timer_fired(&session->media_wait_since, session->media_timeout_ms,
                        now_ms))
    flags |= RIPT_MEDIA_FLAG_MEDIA_TIMEOUT;
  if (media_timer_fired(&session->rx_wait_since, session->rx_timeout_ms,
                        now_ms)) {
    flags |= RIPT_MEDIA_FLAG_RX_TIMEOUT;
    session->rx_wait_since = now_ms;
  }
  if (flags)
    flags |= RIPT_MEDIA_FLAG_NEED_MIGRATION;
  return (int)flags;
}

/* ==== Figures ============================================================= */

void ript_media_rtt_sample(ript_media_rtt *rtt, int64_t sample) {
  if (sample < 0)
    sample = 0;
  rtt->last = sample;
  double r = (double)sample;
  if (rtt->samples == 0) {
    rtt->min = rtt->max = sample;
    rtt->srtt = r;
    rtt->rttvar = r / 2;
  } else {
    if (sample < rtt->min)
      rtt->min = sample;
    if (sample > rtt->max)
      rtt->max = sample;
    double dev = rtt->srtt > r ? rtt->srtt - r : r - rtt->srtt;
    rtt->rttvar = 0.75 * rtt->rttvar + 0.25 * dev;
    rtt->srtt = 0.875 * rtt->srtt + 0.125 * r;
  }
  ++rtt->samples;
}

static void media_put_rtt(ript_media_stats *st, const ript_media_rtt *rtt) {
  st->rtt_samples = rtt->samples;
  st->rtt_last_ms = rtt->last;
  st->rtt_min_ms = rtt->min;
  st->rtt_max_ms = rtt->max;
  st->srtt_ms = rtt->srtt;
  st->rttvar_ms = rtt->rttvar;
}

static void media_add_tx(ript_media_stats *st, const ript_media_tx *tx) {
  st->sent += tx->sent;
  st->sent_bytes += tx->sent_bytes;
  st->replayed += tx->replayed;
  st->acked += tx->acked;
  st->acks_unmatched += tx->acks_unmatched;
  st->expired += tx->expired;
  st->overflowed += tx->overflowed;
  st->unacked += tx->unacked;
}

static void media_add_rx(ript_media_stats *st, const ript_media_rx *rx) {
  st->received += rx->received;
  st->received_bytes += rx->received_bytes;
  st->duplicates += rx->duplicates;
  st->renumbered += rx->renumbered;
  uint64_t expected = rx->earlier_expected;
  if (rx->received > rx->begun)
    expected += rx->highest - rx->lowest + 1;
  st->expected += expected;
  st->lost += expected - rx->received;
  if (rx->jitter > st->jitter_ms)
    st->jitter_ms = rx->jitter;
}

int ript_media_get_stats(const ript_media_session *session,
                         ript_media_stats *stats) {
  if (!session || !stats)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(stats, 0, sizeof(*stats));
  for (size_t i = 0; i < session->ntx; ++i)
    media_add_tx(stats, &session->tx[i]);
  for (size_t i = 0; i < session->nrx; ++i)
    media_add_rx(stats, &session->rx[i]);
  media_put_rtt(stats, &session->rtt);
  stats->acks_sent = session->acks_sent;
  stats->acks_received = session->acks_received;
  stats->acks_dropped = session->acks_dropped;
  stats->control_ignored = session->control_ignored;
  for (size_t i = 0; i < RIPT_MEDIA_FAIL_COUNT; ++i) {
    stats->failed[i] = session->failed[i];
    stats->failed_total += session->failed[i];
  }
  stats->hop_acks = session->hop_acks;
  stats->undecryptable = session->undecryptable;
  stats->undecryptable_reason = session->undecryptable_reason;
  stats->undecryptable_keyed = session->undecryptable_keyed;
  stats->undecryptable_key_id = session->undecryptable_key_id;
  return 0;
}

int ript_media_get_stream_stats(const ript_media_session *session,
                                ript_media_dir dir, unsigned source,
                                unsigned sink, ript_media_stats *stats) {
  if (!session || !stats)
    return RIPT_ERR_INVALID_ARGUMENT;
  const ript_media_session *s = session;
  memset(stats, 0, sizeof(*stats));
  if (dir == RIPT_MEDIA_DIR_TX) {
    const ript_media_tx *tx = ript_media_find_tx(s, source, sink);
    if (!tx)
      return RIPT_ERR_INVALID_ARGUMENT;
    media_add_tx(stats, tx);
    media_put_rtt(stats, &tx->rtt);
    return 0;
  }
  const ript_media_rx *rx =
      dir == RIPT_MEDIA_DIR_RX ? ript_media_find_rx(s, source, sink) : NULL;
  if (!rx)
    return RIPT_ERR_INVALID_ARGUMENT;
  media_add_rx(stats, rx);
  return 0;
}

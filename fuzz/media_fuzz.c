/*
 * Fuzz target for the media session's receive path. The first input byte
 * picks the setup, the rest is a byway body or datagram:
 *   bit 0  the session holds keys (AES-128-GCM, ids 2 and 7 from the
 *          documented example master secret) and seals with id 1;
 *          otherwise everything uses the NULL cipher;
 *   bit 1  the body is received twice (the duplicate paths);
 *   bit 2  the session is a server (receives c2s) instead of a client.
 * The session sends three chunks first (sequence numbers 100-102 of stream
 * 1 to 1, at TS0) so that acknowledgements in the input can match them.
 *
 * Invariants checked: every chunk of the body ends up counted exactly once
 * (delivered, duplicate, acknowledgement, ignored control chunk, or one
 * failure reason); delivered frames belong to a directed stream with an
 * allowed payload type and point into the body; lost = expected - received;
 * the acknowledgements owed match the media chunks that authenticated; the
 * kept-chunk counts add up; the owed acknowledgements encode and parse;
 * replay hands back exactly the kept chunks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/codec.h"
#include "ript/media.h"

#define CHECK(x)                                                               \
  do {                                                                         \
    if (!(x))                                                                  \
      __builtin_trap();                                                        \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TS0 INT64_C(1581292800000)
#define FUZZ_NOW (TS0 + 1000)

/* Set up once; GnuTLS contexts stay reachable for the process's life. */
static const ript_chunk_key *fuzz_keys(void) {
  static ript_chunk_key keys[3]; /* tx id 1; rx ids 2 and 7 */
  static int ready;
  static const char master[] = "ript example master secret";
  static const uint32_t ids[3] = {1, 2, 7};
  if (!ready) {
    for (int i = 0; i < 3; ++i)
      CHECK(ript_chunk_key_derive(
                &keys[i], ids[i], RIPT_CHUNK_CIPHER_AES128_GCM,
                (const uint8_t *)master, strlen(master), 16) == 0);
    ready = 1;
  }
  return keys;
}

static ript_media_stream fuzz_stream(uint8_t source, uint8_t sink, uint32_t pt,
                                     uint32_t aux) {
  ript_media_stream st;
  memset(&st, 0, sizeof(st));
  st.source = source;
  st.sink = sink;
  st.payload_type = pt;
  if (aux != UINT32_MAX)
    st.aux_payload_types[st.naux++] = aux;
  st.initial_sequence = 100;
  return st;
}

typedef struct fuzz_seen {
  const uint8_t *body;
  size_t body_len;
  uint64_t frames;
} fuzz_seen;

static const ript_media_stream fuzz_rx_streams[2] = {
    {1, 1, RIPT_PT_OPUS, {RIPT_PT_TELEPHONE_EVENT}, 1, 0},
    {2, 3, RIPT_PT_PCMU, {0}, 0, 0},
};

static void fuzz_on_frame(const ript_media_frame *f, void *user_data) {
  fuzz_seen *fs = user_data;
  bool allowed = false;
  for (size_t i = 0; i < 2; ++i) {
    const ript_media_stream *st = &fuzz_rx_streams[i];
    if (st->source == f->source && st->sink == f->sink)
      allowed = f->payload_type == st->payload_type ||
                (st->naux && f->payload_type == st->aux_payload_types[0]);
  }
  if (f->flags & RIPT_MEDIA_FRAME_FLAG_SEALED) {
    /* A sealed chunk is handed on, not delivered: not in |frames|. */
    CHECK(!f->media && f->chunk >= fs->body &&
          f->chunk + f->chunk_len <= fs->body + fs->body_len);
    return;
  }
  ++fs->frames;
  CHECK(allowed);
  CHECK(!(f->flags & RIPT_MEDIA_FRAME_FLAG_LEVEL) || f->level <= 127);
  CHECK(f->media_len == 0 ||
        (f->media >= fs->body &&
         f->media + f->media_len <= fs->body + fs->body_len));
}

static ript_media_session *fuzz_session(uint8_t mode) {
  ript_media_stream tx = fuzz_stream(1, 1, RIPT_PT_PCMU, RIPT_PT_CN);
  ript_media_config c;
  ript_media_config_init(&c);
  c.role = (mode & 4) ? RIPT_MEDIA_ROLE_SERVER : RIPT_MEDIA_ROLE_CLIENT;
  c.tx_streams = &tx;
  c.ntx_streams = 1;
  c.rx_streams = fuzz_rx_streams;
  c.nrx_streams = 2;
  if (mode & 1) {
    c.tx_key = &fuzz_keys()[0];
    c.rx_keys = &fuzz_keys()[1];
    c.nrx_keys = 2;
  }
  /* The media key 7 with the example secret of docs/PROTOCOL.md §10.2. */
  static const char mk_text[] = "7:000102030405060708090a0b0c0d0e0f";
  ript_mediakey mk;
  if (mode & 8) {
    CHECK(ript_mediakey_parse(&mk, mk_text, strlen(mk_text), NULL) == 0);
    c.rx_mediakey = &mk;
    c.deliver_sealed = true;
  }
  ript_media_session *s = NULL;
  CHECK(ript_media_session_new(&s, &c, TS0, NULL) == 0);
  ript_buf out;
  ript_buf_init(&out, NULL);
  static const uint8_t media[4] = {1, 2, 3, 4};
  for (int i = 0; i < 3; ++i) {
    ript_media_frame f;
    memset(&f, 0, sizeof(f));
    f.source = f.sink = 1;
    f.payload_type = RIPT_PT_PCMU;
    f.timestamp = (uint64_t)TS0;
    f.media = media;
    f.media_len = sizeof(media);
    CHECK(ript_media_send(s, &f, TS0, &out, NULL) > 0);
  }
  ript_buf_free(&out);
  return s;
}

/* Reads the varint at |p| (RFC 9000 section 16) into |*v|; returns its
 * length, or 0 when it runs past |end|. */
static size_t fuzz_varint(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  if (p >= end)
    return 0;
  size_t n = (size_t)1 << (p[0] >> 6);
  if ((size_t)(end - p) < n)
    return 0;
  *v = p[0] & 0x3f;
  for (size_t i = 1; i < n; ++i)
    *v = *v << 8 | p[i];
  return n;
}

/* The number of chunks the session will walk in |body|: TLVs up to each
 * sealed one, stopping at the first TLV that runs past the end. Written
 * independently of the library's walk. */
static uint64_t fuzz_count_chunks(const uint8_t *body, size_t len) {
  const uint8_t *p = body, *end = body + len;
  uint64_t chunks = 0;
  while (p < end) {
    uint64_t type, vlen;
    size_t a = fuzz_varint(p, end, &type);
    size_t b = a ? fuzz_varint(p + a, end, &vlen) : 0;
    if (!b || vlen > (uint64_t)(end - p - a - b))
      break;
    p += a + b + vlen;
    chunks += type == 0;
  }
  /* A walk that broke inside a chunk does not count that chunk. */
  return chunks;
}

static uint64_t fuzz_outcomes(const ript_media_stats *st) {
  return st->received + st->duplicates + st->acks_received + st->hop_acks +
         st->control_ignored + st->failed_total -
         st->failed[RIPT_MEDIA_FAIL_FRAMING];
}

static void fuzz_check_stats(const ript_media_session *s, uint64_t chunks) {
  ript_media_stats st;
  CHECK(ript_media_get_stats(s, &st) == 0);
  CHECK(fuzz_outcomes(&st) == chunks);
  CHECK(st.received <= st.expected && st.lost == st.expected - st.received);
  CHECK(ript_media_pending_acks(s) + st.acks_dropped ==
        st.received + st.duplicates + st.undecryptable);
  CHECK(st.undecryptable <= st.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY] +
                               st.failed[RIPT_MEDIA_FAIL_DECRYPT]);
  CHECK(st.sent == 3 &&
        st.sent == st.acked + st.unacked + st.expired + st.overflowed);
  CHECK(st.acks_received + st.hop_acks == st.acked + st.acks_unmatched);
  CHECK(st.rtt_samples == st.acked);
  uint64_t total = 0;
  for (int i = 0; i < RIPT_MEDIA_FAIL_COUNT; ++i)
    total += st.failed[i];
  CHECK(total == st.failed_total);
}

/* The owed acks encode, and every one parses back as a control chunk. */
static void fuzz_check_acks(ript_media_session *s) {
  size_t owed = ript_media_pending_acks(s);
  ript_buf out;
  ript_buf_init(&out, NULL);
  ript_ssize n = ript_media_take_acks(s, FUZZ_NOW, &out, 0);
  CHECK(n >= 0 && (size_t)n == out.len);
  size_t count = 0;
  for (size_t off = 0; off < out.len; ++count) {
    ript_chunk c;
    ript_ssize k = ript_chunk_parse(&c, out.data + off, out.len - off, NULL);
    CHECK(k > 0 && c.kind == RIPT_CHUNK_KIND_CONTROL &&
          c.control_type == RIPT_CHUNK_CONTROL_ACK);
    off += (size_t)k;
  }
  CHECK(count == owed && ript_media_pending_acks(s) == 0);
  ript_buf_free(&out);
}

static void fuzz_check_replay(ript_media_session *s) {
  ript_media_stats st;
  CHECK(ript_media_get_stats(s, &st) == 0);
  CHECK(ript_media_replay_start(s, FUZZ_NOW) == st.unacked);
  ript_buf out;
  ript_buf_init(&out, NULL);
  CHECK(ript_media_replay(s, FUZZ_NOW, &out, 0) == (ript_ssize)out.len);
  CHECK(ript_media_get_stats(s, &st) == 0 && st.replayed == st.unacked);
  ript_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t mode = data[0];
  const uint8_t *body = data + 1;
  size_t len = size - 1;
  ript_media_session *s = fuzz_session(mode);
  uint64_t chunks = 0;
  int rounds = (mode & 2) ? 2 : 1;
  for (int r = 0; r < rounds; ++r) {
    uint8_t *buf = malloc(len ? len : 1);
    CHECK(buf);
    if (len)
      memcpy(buf, body, len);
    chunks += fuzz_count_chunks(body, len);
    fuzz_seen fs = {buf, len, 0};
    ript_media_stats before;
    CHECK(ript_media_get_stats(s, &before) == 0);
    int delivered =
        ript_media_receive(s, buf, len, FUZZ_NOW, fuzz_on_frame, &fs);
    CHECK(delivered >= 0 && (uint64_t)delivered == fs.frames);
    ript_media_stats after;
    CHECK(ript_media_get_stats(s, &after) == 0);
    CHECK(after.received - before.received == fs.frames);
    free(buf);
  }
  fuzz_check_stats(s, chunks);
  fuzz_check_acks(s);
  fuzz_check_replay(s);
  /* Everything expires 5 s after it was sent. */
  (void)ript_media_check(s, FUZZ_NOW + 10000);
  ript_media_stats st;
  CHECK(ript_media_get_stats(s, &st) == 0 && st.unacked == 0);
  ript_media_session_del(s);
  return 0;
}

/*
 * Media session: setup, the directive helper, sending, receiving, every
 * failure reason, acknowledgements, replay, timers, figures, out-of-memory
 * paths, memory use, and the worked example of docs/PROTOCOL.md (§10.6, appendix).
 * Network scenarios (loss, duplication, reordering, outages, a relay) are
 * in media_sim_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_internal.h"
#include "ript/advert.h"
#include "ript/codec.h"
#include "ript/media.h"
#include "testutil.h"

/* 2020-02-10T00:00:00Z in ms, as in the chunk examples. */
#define TS0 INT64_C(1581292800000)

static const char master[] = "ript example master secret";

/* ---- helpers ------------------------------------------------------------- */

static ript_media_stream mk_stream(uint8_t source, uint8_t sink, uint32_t pt,
                                   uint64_t initial) {
  ript_media_stream st;
  memset(&st, 0, sizeof(st));
  st.source = source;
  st.sink = sink;
  st.payload_type = pt;
  st.initial_sequence = initial;
  return st;
}

/* A client or server config with one stream each way (1 to 1). */
static void mk_config(ript_media_config *c, ript_media_role role,
                      const ript_media_stream *tx,
                      const ript_media_stream *rx) {
  ript_media_config_init(c);
  c->role = role;
  c->tx_streams = tx;
  c->ntx_streams = tx ? 1 : 0;
  c->rx_streams = rx;
  c->nrx_streams = rx ? 1 : 0;
}

/* A client and a server config with one stream each way, each side
 * sealing with its own key and accepting the other's. */
static void mk_keyed_pair(ript_media_config *cc, ript_media_config *sc,
                          const ript_media_stream *st,
                          const ript_chunk_key *kc, const ript_chunk_key *ks) {
  mk_config(cc, RIPT_MEDIA_ROLE_CLIENT, st, st);
  cc->tx_key = kc;
  cc->rx_keys = ks;
  cc->nrx_keys = 1;
  mk_config(sc, RIPT_MEDIA_ROLE_SERVER, st, st);
  sc->tx_key = ks;
  sc->rx_keys = kc;
  sc->nrx_keys = 1;
}

static ript_media_session *mk_session(const ript_media_config *c,
                                      int64_t now_ms, const ript_mem *mem) {
  ript_media_session *s = NULL;
  assert_int_equal(ript_media_session_new(&s, c, now_ms, mem), 0);
  assert_non_null(s);
  return s;
}

static ript_media_frame mk_frame(uint8_t source, uint8_t sink, uint32_t pt,
                                 uint64_t timestamp, const uint8_t *media,
                                 size_t len) {
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = source;
  f.sink = sink;
  f.payload_type = pt;
  f.timestamp = timestamp;
  f.media = media;
  f.media_len = len;
  return f;
}

static const uint8_t pcmu[8] = {0xff, 0xfe, 0xfd, 0xfc, 0x7c, 0x7d, 0x7e, 0x7f};

/* Sends one PCMU frame on 1 to 1 at |now| (timestamp = now) into |out|. */
static uint64_t send_pcmu(ript_media_session *s, int64_t now, ript_buf *out) {
  ript_media_frame f = mk_frame(1, 1, RIPT_PT_PCMU, (uint64_t)now, pcmu, 8);
  uint64_t seq = 0;
  assert_true(ript_media_send(s, &f, now, out, &seq) > 0);
  return seq;
}

/* What a callback saw. */
typedef struct seen {
  size_t n;
  ript_media_frame last;
  uint8_t last_media[64];
  uint64_t seqs[64];
} seen;

static void on_frame(const ript_media_frame *f, void *user_data) {
  seen *sn = user_data;
  if (!sn)
    return;
  sn->last = *f;
  assert_true(f->media_len <= sizeof(sn->last_media));
  memcpy(sn->last_media, f->media, f->media_len);
  sn->last.media = sn->last_media;
  if (sn->n < 64)
    sn->seqs[sn->n] = f->sequence;
  ++sn->n;
}

static int deliver(ript_media_session *s, ript_buf *b, int64_t now, seen *sn) {
  return ript_media_receive(s, b->data, b->len, now, on_frame, sn);
}

static ript_media_stats stats_of(const ript_media_session *s) {
  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(s, &st), 0);
  return st;
}

static void derive(ript_chunk_key *k, uint32_t id) {
  assert_int_equal(ript_chunk_key_derive(k, id, RIPT_CHUNK_CIPHER_AES128_GCM,
                                         (const uint8_t *)master,
                                         strlen(master), 16),
                   0);
}

/* Appends hex (spaces allowed) to |b|. */
static void append_hex(ript_buf *b, const char *hex) {
  int high = -1;
  for (; *hex; ++hex) {
    if (*hex == ' ')
      continue;
    int v = *hex >= 'a' ? *hex - 'a' + 10 : *hex - '0';
    if (high < 0) {
      high = v;
    } else {
      uint8_t byte = (uint8_t)(high << 4 | v);
      assert_int_equal(ript_buf_append(b, &byte, 1), 0);
      high = -1;
    }
  }
  assert_true(high < 0);
}

/* ---- configuration and directives --------------------------------------- */

static void test_config_init(void **state) {
  (void)state;
  ript_media_config c;
  memset(&c, 0xa5, sizeof(c));
  ript_media_config_init(&c);
  assert_int_equal(c.role, RIPT_MEDIA_ROLE_CLIENT);
  assert_null(c.tx_streams);
  assert_int_equal(c.ntx_streams, 0);
  assert_null(c.tx_key);
  assert_int_equal(c.nrx_keys, 0);
  assert_int_equal(c.initial_control_sequence, 1);
  assert_int_equal(c.replay_window_ms, 5000);
  assert_int_equal(c.replay_max_bytes, 1048576);
  assert_int_equal(c.max_pending_acks, 256);
  assert_int_equal(c.ack_timeout_ms, 1000);
  assert_int_equal(c.media_timeout_ms, 5000);
  assert_int_equal(c.rx_timeout_ms, 5000);
}

static ript_advert *parse_directive(const char *text) {
  ript_advert *d = NULL;
  assert_int_equal(ript_advert_parse(&d, text, strlen(text),
                                     RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL),
                   0);
  return d;
}

static void test_streams_from_directive(void **state) {
  (void)state;
  ript_advert *d = parse_directive(
      "2 to 1: opus,sr=16000; telephone-event; CN; 3 to 2: H264;");
  ript_media_stream st[2];
  size_t n = 99;
  assert_int_equal(ript_media_streams_from_directive(d, st, 2, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(st[0].source, 2);
  assert_int_equal(st[0].sink, 1);
  assert_int_equal(st[0].payload_type, RIPT_PT_OPUS);
  assert_int_equal(st[0].naux, 2);
  assert_int_equal(st[0].aux_payload_types[0], RIPT_PT_TELEPHONE_EVENT);
  assert_int_equal(st[0].aux_payload_types[1], RIPT_PT_CN);
  assert_int_equal(st[0].initial_sequence, 0);
  assert_int_equal(st[1].source, 3);
  assert_int_equal(st[1].sink, 2);
  assert_int_equal(st[1].payload_type, RIPT_PT_H264);
  assert_int_equal(st[1].naux, 0);
  /* Too little room. */
  assert_int_equal(ript_media_streams_from_directive(d, st, 1, &n),
                   RIPT_ERR_LIMIT);
  assert_int_equal(ript_media_streams_from_directive(NULL, st, 2, &n),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_streams_from_directive(d, NULL, 2, &n),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_streams_from_directive(d, st, 2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_advert_del(d);

  /* An empty directive: no streams (a receive-only side). */
  ript_advert *empty = NULL;
  assert_int_equal(ript_advert_new(&empty, RIPT_ADVERT_KIND_DIRECTIVE, NULL),
                   0);
  assert_int_equal(ript_media_streams_from_directive(empty, NULL, 0, &n), 0);
  assert_int_equal(n, 0);
  /* A stream without codecs has no payload type. */
  assert_true(ript_advert_add_stream(empty, 1, 1) >= 0);
  assert_int_equal(ript_media_streams_from_directive(empty, st, 2, &n),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_advert_del(empty);

  /* An advertisement is not a directive. */
  ript_advert *adv = NULL;
  assert_int_equal(ript_advert_parse(&adv, "1 in: opus;", 11,
                                     RIPT_ADVERT_KIND_ADVERTISEMENT, NULL,
                                     NULL),
                   0);
  assert_int_equal(ript_media_streams_from_directive(adv, st, 2, &n),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_advert_del(adv);
}

static void test_streams_from_directive_codec_rules(void **state) {
  (void)state;
  static const char *const bad[] = {
      "1 to 1: x-unknown;",       /* no payload type for it */
      "1 to 1: opus; x-unknown;", /* not even as an auxiliary codec */
      "1 to 1: telephone-event;", /* an auxiliary codec cannot be main */
      "1 to 1: opus; PCMU;",      /* one main codec per stream */
      "1 to 1: PCMU; 2 to 2: CN; opus;",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    ript_advert *d = parse_directive(bad[i]);
    ript_media_stream st[2];
    size_t n = 0;
    assert_int_equal(ript_media_streams_from_directive(d, st, 2, &n),
                     RIPT_ERR_INVALID_ARGUMENT);
    ript_advert_del(d);
  }
}

static void test_session_new_errors(void **state) {
  (void)state;
  ript_media_stream tx = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_stream rx = mk_stream(1, 1, RIPT_PT_PCMU, 0);
  ript_media_config c;
  ript_media_session *s = NULL;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &tx, &rx);
  assert_int_equal(ript_media_session_new(NULL, &c, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_session_new(&s, NULL, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_session_new(&s, &c, -1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);

  ript_media_config bad;
#define EXPECT_BAD(field_change, code)                                         \
  do {                                                                         \
    bad = c;                                                                   \
    field_change;                                                              \
    assert_int_equal(ript_media_session_new(&s, &bad, 0, NULL), code);         \
    assert_null(s);                                                            \
  } while (0)
  EXPECT_BAD(bad.role = (ript_media_role)2, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.tx_streams = NULL, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.rx_streams = NULL, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.replay_window_ms = 0, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.replay_max_bytes = 0, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.max_pending_acks = 0, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.initial_control_sequence = UINT64_C(1) << 62,
             RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD(bad.nrx_keys = 1, RIPT_ERR_INVALID_ARGUMENT);

  ript_media_stream two[2] = {tx, tx};
  EXPECT_BAD((bad.tx_streams = two, bad.ntx_streams = 2),
             RIPT_ERR_INVALID_ARGUMENT);
  two[1].sink = 2; /* (1, 2) differs: fine */
  bad = c;
  bad.tx_streams = two;
  bad.ntx_streams = 2;
  assert_int_equal(ript_media_session_new(&s, &bad, 0, NULL), 0);
  ript_media_session_del(s);
  s = NULL;

  ript_media_stream zero = mk_stream(0, 1, RIPT_PT_PCMU, 1);
  EXPECT_BAD(bad.tx_streams = &zero, RIPT_ERR_INVALID_ARGUMENT);
  zero = mk_stream(1, 0, RIPT_PT_PCMU, 1);
  EXPECT_BAD(bad.rx_streams = &zero, RIPT_ERR_INVALID_ARGUMENT);
  ript_media_stream late = mk_stream(1, 1, RIPT_PT_PCMU, UINT64_C(1) << 62);
  EXPECT_BAD(bad.tx_streams = &late, RIPT_ERR_INVALID_ARGUMENT);
  /* A receive stream's initial sequence number means nothing. */
  bad = c;
  bad.rx_streams = &late;
  assert_int_equal(ript_media_session_new(&s, &bad, 0, NULL), 0);
  ript_media_session_del(s);
  s = NULL;
  ript_media_stream manyaux = tx;
  manyaux.naux = RIPT_MEDIA_MAX_AUX + 1;
  EXPECT_BAD(bad.tx_streams = &manyaux, RIPT_ERR_INVALID_ARGUMENT);

  ript_media_stream lots[RIPT_MEDIA_MAX_STREAMS + 1];
  for (size_t i = 0; i < RIPT_MEDIA_MAX_STREAMS + 1; ++i)
    lots[i] = mk_stream((uint8_t)(i + 1), 1, RIPT_PT_PCMU, 1);
  EXPECT_BAD(
      (bad.rx_streams = lots, bad.nrx_streams = RIPT_MEDIA_MAX_STREAMS + 1),
      RIPT_ERR_LIMIT);
  bad = c;
  bad.rx_streams = lots;
  bad.nrx_streams = RIPT_MEDIA_MAX_STREAMS;
  assert_int_equal(ript_media_session_new(&s, &bad, 0, NULL), 0);
  ript_media_session_del(s);
  s = NULL;

  /* Keys must be set up. */
  ript_chunk_key unset;
  memset(&unset, 0, sizeof(unset));
  EXPECT_BAD(bad.tx_key = &unset, RIPT_ERR_INVALID_ARGUMENT);
  EXPECT_BAD((bad.rx_keys = &unset, bad.nrx_keys = 1),
             RIPT_ERR_INVALID_ARGUMENT);
#undef EXPECT_BAD
  ript_media_session_del(NULL);
}

/* ---- sending ------------------------------------------------------------- */

static void test_send_enforces_directive(void **state) {
  (void)state;
  ript_media_stream tx = mk_stream(2, 1, RIPT_PT_OPUS, 10);
  tx.aux_payload_types[0] = RIPT_PT_TELEPHONE_EVENT;
  tx.naux = 1;
  ript_media_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &tx, NULL);
  ript_media_session *s = mk_session(&c, 0, NULL);
  ript_buf out;
  ript_buf_init(&out, NULL);
  uint8_t m[3] = {1, 2, 3};

  ript_media_frame f = mk_frame(2, 1, RIPT_PT_OPUS, 1000, m, 3);
  uint64_t seq = 0;
  ript_ssize n = ript_media_send(s, &f, 0, &out, &seq);
  assert_true(n > 0);
  assert_int_equal(out.len, (size_t)n);
  assert_int_equal(seq, 10);
  f.payload_type = RIPT_PT_TELEPHONE_EVENT; /* auxiliary: allowed */
  assert_true(ript_media_send(s, &f, 0, &out, NULL) > 0);
  size_t len = out.len;

  ript_media_frame bad = f;
  bad.payload_type = RIPT_PT_PCMU; /* not in the directive */
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  bad = f;
  bad.source = 1; /* no stream 1 to 1 */
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  bad = f;
  bad.sink = 2;
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  bad = f;
  bad.flags = 0x80;
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  bad = f;
  bad.flags = RIPT_MEDIA_FRAME_FLAG_LEVEL;
  bad.level = 128;
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  bad = f;
  bad.media = NULL;
  assert_int_equal(ript_media_send(s, &bad, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_send(s, &f, -1, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_send(NULL, &f, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_send(s, NULL, 0, &out, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_send(s, &f, 0, NULL, &seq),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Nothing changed. */
  assert_int_equal(out.len, len);
  ript_media_stats st = stats_of(s);
  assert_int_equal(st.sent, 2);
  assert_int_equal(st.sent_bytes, 6);
  assert_int_equal(st.unacked, 2);
  /* An empty frame is a chunk too. */
  bad = f;
  bad.media = NULL;
  bad.media_len = 0;
  assert_true(ript_media_send(s, &bad, 0, &out, &seq) > 0);
  assert_int_equal(seq, 12);

  ript_buf_free(&out);
  ript_media_session_del(s);
}

static void test_send_sequence_exhausted(void **state) {
  (void)state;
  ript_media_stream tx = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER, &tx, NULL);
  ript_media_session *s = mk_session(&c, 0, NULL);
  /* Unreachable in practice (starts below 2^62); reached by hand. */
  s->tx[0].next_sequence = UINT64_MAX - 1;
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(send_pcmu(s, 0, &out), UINT64_MAX - 1);
  ript_media_frame f = mk_frame(1, 1, RIPT_PT_PCMU, 0, pcmu, 8);
  assert_int_equal(ript_media_send(s, &f, 0, &out, NULL), RIPT_ERR_RANGE);
  ript_buf_free(&out);
  ript_media_session_del(s);
}

/* ---- a basic exchange ---------------------------------------------------- */

static void test_exchange_fields_and_acks(void **state) {
  (void)state;
  ript_media_stream ctx = mk_stream(2, 1, RIPT_PT_OPUS, 100);
  ript_media_stream srx = ctx;
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &ctx, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &srx);
  sc.initial_control_sequence = 77;
  ript_media_session *client = mk_session(&cc, TS0, NULL);
  ript_media_session *server = mk_session(&sc, TS0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);

  uint8_t m[5] = {9, 8, 7, 6, 5};
  ript_media_frame f = mk_frame(2, 1, RIPT_PT_OPUS, (uint64_t)TS0, m, 5);
  f.flags = RIPT_MEDIA_FRAME_FLAG_REFERENCE | RIPT_MEDIA_FRAME_FLAG_LEVEL;
  f.level = 42;
  f.spatial_layer = 1;
  f.temporal_layer = 2;
  assert_true(ript_media_send(client, &f, TS0, &b, NULL) > 0);
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, TS0 + 7, &sn), 1);
  assert_int_equal(sn.n, 1);
  assert_int_equal(sn.last.source, 2);
  assert_int_equal(sn.last.sink, 1);
  assert_int_equal(sn.last.payload_type, RIPT_PT_OPUS);
  assert_int_equal(sn.last.sequence, 100);
  assert_int_equal(sn.last.timestamp, TS0);
  assert_int_equal(sn.last.flags, RIPT_MEDIA_FRAME_FLAG_REFERENCE |
                                      RIPT_MEDIA_FRAME_FLAG_LEVEL);
  assert_int_equal(sn.last.level, 42);
  assert_int_equal(sn.last.spatial_layer, 1);
  assert_int_equal(sn.last.temporal_layer, 2);
  assert_int_equal(sn.last.media_len, 5);
  assert_memory_equal(sn.last_media, m, 5);
  assert_int_equal(sn.last.delay_ms, 7);
  assert_int_equal(ript_media_pending_acks(server), 1);

  /* The server's acknowledgement. */
  ript_buf_reset(&b);
  ript_ssize n = ript_media_take_acks(server, TS0 + 9, &b, 0);
  assert_true(n > 0);
  assert_int_equal(ript_media_pending_acks(server), 0);
  assert_int_equal(ript_media_take_acks(server, TS0 + 9, &b, 0), 0);
  ript_chunk ack;
  uint8_t copy[128];
  assert_true(b.len <= sizeof(copy));
  memcpy(copy, b.data, b.len);
  assert_int_equal(ript_chunk_parse(&ack, copy, b.len, NULL),
                   (ript_ssize)b.len);
  ript_chunk_stream_rx none;
  ript_chunk_stream_rx_init(&none);
  assert_int_equal(ript_chunk_stream_rx_expand(&none, &ack), 0);
  assert_int_equal(ript_chunk_open(&ack, NULL, 0, NULL), 0);
  assert_int_equal(ack.kind, RIPT_CHUNK_KIND_CONTROL);
  assert_int_equal(ack.sequence, 77);
  assert_int_equal(ack.timestamp, TS0 + 9);
  assert_int_equal(ack.ack.direction, RIPT_CHUNK_DIR_C2S);
  assert_int_equal(ack.ack.source, 2);
  assert_int_equal(ack.ack.sink, 1);
  assert_int_equal(ack.ack.sequence, 100);
  assert_int_equal(ack.ack.timestamp, TS0);

  assert_int_equal(deliver(client, &b, TS0 + 20, &sn), 0);
  ript_media_stats st = stats_of(client);
  assert_int_equal(st.acked, 1);
  assert_int_equal(st.unacked, 0);
  assert_int_equal(st.acks_received, 1);
  assert_int_equal(st.rtt_samples, 1);
  assert_int_equal(st.rtt_last_ms, 20);
  assert_int_equal(st.rtt_min_ms, 20);
  assert_int_equal(st.rtt_max_ms, 20);
  assert_true(st.srtt_ms == 20.0 && st.rttvar_ms == 10.0);
  assert_int_equal(st.failed_total, 0);
  st = stats_of(server);
  assert_int_equal(st.received, 1);
  assert_int_equal(st.received_bytes, 5);
  assert_int_equal(st.expected, 1);
  assert_int_equal(st.lost, 0);
  assert_int_equal(st.acks_sent, 1);

  /* An ack delivered twice: authenticated, but the chunk is gone. */
  ript_buf_reset(&b);
  ript_media_frame f2 = mk_frame(2, 1, RIPT_PT_OPUS, (uint64_t)TS0 + 20, m, 5);
  assert_true(ript_media_send(client, &f2, TS0 + 20, &b, NULL) > 0);
  assert_int_equal(deliver(server, &b, TS0 + 25, &sn), 1);
  ript_buf_reset(&b);
  assert_true(ript_media_take_acks(server, TS0 + 26, &b, 0) > 0);
  size_t one = b.len;
  assert_int_equal(ript_buf_append(&b, b.data, one), 0);
  assert_int_equal(deliver(client, &b, TS0 + 30, &sn), 0);
  st = stats_of(client);
  assert_int_equal(st.acked, 2);
  assert_int_equal(st.acks_unmatched, 1);
  assert_int_equal(st.acks_received, 3);
  assert_int_equal(st.rtt_samples, 2);
  assert_int_equal(st.rtt_last_ms, 10);
  assert_int_equal(st.rtt_min_ms, 10);
  assert_int_equal(st.rtt_max_ms, 20);
  /* RFC 6298: rttvar = 3/4 * 10 + 1/4 * |20 - 10|; srtt = 7/8 * 20 + 1/8 * 10
   */
  assert_true(st.rttvar_ms == 10.0 && st.srtt_ms == 18.75);

  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* Acks owed: the limit, partial takes, argument errors. */
static void test_take_acks_limits(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  sc.max_pending_acks = 3;
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (int i = 0; i < 5; ++i)
    send_pcmu(client, i * 20, &b);
  assert_int_equal(deliver(server, &b, 100, &(seen){0}), 5);
  assert_int_equal(ript_media_pending_acks(server), 3);
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.acks_dropped, 2);

  assert_int_equal(ript_media_take_acks(NULL, 0, &b, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_take_acks(server, 0, NULL, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_take_acks(server, -1, &b, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_pending_acks(NULL), 0);

  /* Two of the three newest (3, 4), then the last (5). */
  ript_buf_reset(&b);
  assert_true(ript_media_take_acks(server, 120, &b, 2) > 0);
  assert_int_equal(ript_media_pending_acks(server), 1);
  assert_int_equal(deliver(client, &b, 120, NULL), 0);
  st = stats_of(client);
  assert_int_equal(st.acked, 2);
  assert_int_equal(st.unacked, 3);
  ript_buf_reset(&b);
  assert_true(ript_media_take_acks(server, 130, &b, 7) > 0);
  assert_int_equal(deliver(client, &b, 130, NULL), 0);
  st = stats_of(client);
  assert_int_equal(st.acked, 3);
  /* Chunks 1 and 2 remain, in order. */
  assert_int_equal(client->oldest->sequence, 1);
  assert_int_equal(client->newest->sequence, 2);
  st = stats_of(server);
  assert_int_equal(st.acks_sent, 3);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* Acknowledgements packed into a byte budget: exactly as many as fit,
 * whatever their lengths, and none lost when one does not. */
static void test_take_acks_within(void **state) {
  (void)state;
  /* A chunk the server cannot open (key 9) is owed an unencrypted ack,
   * shorter than the sealed acks of those it opens (key 1). */
  ript_chunk_key kc, ks, kx;
  derive(&kc, 1);
  derive(&ks, 2);
  derive(&kx, 9);
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_stream st9 = mk_stream(1, 1, RIPT_PT_PCMU, 100);
  ript_media_config cc, sc, xc, unused;
  mk_keyed_pair(&cc, &sc, &st1, &kc, &ks);
  mk_keyed_pair(&xc, &unused, &st9, &kx, &ks);
  ript_media_session *servers[2], *client = mk_session(&cc, 0, NULL);
  ript_media_session *stranger = mk_session(&xc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  /* Two servers receive the same three chunks: one measures. */
  for (int i = 0; i < 2; ++i)
    servers[i] = mk_session(&sc, 0, NULL);
  ript_buf chunks[3];
  for (int i = 0; i < 3; ++i)
    ript_buf_init(&chunks[i], NULL);
  send_pcmu(client, 0, &chunks[0]);
  send_pcmu(stranger, 0, &chunks[1]);
  send_pcmu(client, 0, &chunks[2]);
  for (int s = 0; s < 2; ++s)
    for (int i = 0; i < 3; ++i) {
      ript_buf_reset(&b);
      assert_int_equal(ript_buf_append(&b, chunks[i].data, chunks[i].len), 0);
      assert_int_equal(deliver(servers[s], &b, 10, NULL), i == 1 ? 0 : 1);
    }
  ript_media_session *server = servers[0], *twin = servers[1];
  /* Each one's length, from the twin. */
  size_t len[3];
  for (int i = 0; i < 3; ++i) {
    ript_buf_reset(&b);
    assert_true(ript_media_take_acks(twin, 20, &b, 1) > 0);
    len[i] = b.len;
  }
  assert_int_equal(len[0], len[2]);
  assert_true(len[1] < len[0]);

  /* No memory for the room: nothing taken. */
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 0);
  ript_buf nomem;
  ript_buf_init(&nomem, &fm.mem);
  assert_int_equal(ript_media_take_acks_within(server, 20, &nomem, SIZE_MAX),
                   RIPT_ERR_NOMEM);
  assert_int_equal(nomem.len, 0);
  /* Nothing fits: nothing taken, nothing appended. */
  ript_buf_reset(&b);
  assert_int_equal(ript_media_take_acks_within(server, 20, &b, len[0] - 1), 0);
  assert_int_equal(ript_media_take_acks_within(server, 20, &b, 0), 0);
  assert_int_equal(b.len, 0);
  assert_int_equal(ript_media_pending_acks(server), 3);
  /* One byte short of all three: two. */
  size_t all = len[0] + len[1] + len[2];
  assert_int_equal(ript_media_take_acks_within(server, 20, &b, all - 1),
                   (ript_ssize)(len[0] + len[1]));
  assert_int_equal(ript_media_pending_acks(server), 1);
  /* The last needs all its room. */
  assert_int_equal(ript_media_take_acks_within(server, 20, &b, len[2] - 1), 0);
  assert_int_equal(ript_media_take_acks_within(server, 20, &b, len[2]),
                   (ript_ssize)len[2]);
  assert_int_equal(b.len, all);
  /* No control sequence number was skipped: both sealed acks
   * authenticate. */
  assert_int_equal(deliver(client, &b, 30, NULL), 0);
  assert_int_equal(stats_of(client).acked, 2);
  assert_int_equal(stats_of(server).acks_sent, 3);
  assert_int_equal(ript_media_take_acks_within(server, 40, &b, SIZE_MAX), 0);

  assert_int_equal(ript_media_take_acks_within(NULL, 0, &b, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_take_acks_within(server, 0, NULL, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_take_acks_within(server, -1, &b, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  for (int i = 0; i < 3; ++i)
    ript_buf_free(&chunks[i]);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(stranger);
  ript_media_session_del(server);
  ript_media_session_del(twin);
  ript_chunk_key_free(&kc);
  ript_chunk_key_free(&ks);
  ript_chunk_key_free(&kx);
}

/* The length of the next chunk to replay, before replaying it. */
static void test_replay_next_len(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf sent, b;
  ript_buf_init(&sent, NULL);
  ript_buf_init(&b, NULL);
  size_t lens[3], ends[3];
  for (int i = 0; i < 3; ++i) {
    ript_media_frame f = mk_frame(1, 1, RIPT_PT_PCMU, (uint64_t)i * 20, pcmu,
                                  (size_t)(2 + 3 * i));
    ript_ssize n = ript_media_send(client, &f, i * 20, &sent, NULL);
    assert_true(n > 0);
    lens[i] = (size_t)n;
    ends[i] = sent.len;
  }
  assert_int_equal(ript_media_replay_next_len(client, 100), 0); /* none */
  assert_int_equal(ript_media_replay_start(client, 100), 3);
  assert_int_equal(ript_media_replay_next_len(client, 100), lens[0]);
  assert_int_equal(ript_media_replay(client, 100, &b, 1), (ript_ssize)lens[0]);
  assert_int_equal(ript_media_replay_next_len(client, 100), lens[1]);
  /* Chunk 2 is acknowledged meanwhile: the next is chunk 3. */
  uint8_t copy[64];
  memcpy(copy, sent.data + ends[0], lens[1]);
  assert_int_equal(ript_media_receive(server, copy, lens[1], 105, NULL, NULL),
                   1);
  ript_buf acks;
  ript_buf_init(&acks, NULL);
  assert_true(ript_media_take_acks(server, 106, &acks, 0) > 0);
  assert_int_equal(deliver(client, &acks, 110, NULL), 0);
  assert_int_equal(ript_media_replay_next_len(client, 110), lens[2]);
  /* Past the replay window, chunk 3 would be dropped: none. */
  assert_int_equal(ript_media_replay_next_len(client, 40 + 5000), 0);
  assert_int_equal(ript_media_replay_next_len(client, 39 + 5000), lens[2]);
  assert_int_equal(ript_media_replay_next_len(NULL, 0), 0);
  assert_int_equal(ript_media_replay_next_len(client, -1), 0);
  ript_buf_free(&acks);
  ript_buf_free(&b);
  ript_buf_free(&sent);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- the worked example ------------------------------------------------- */

/* The timeline of docs/PROTOCOL.md (§10.6, appendix): the client sends 20 ms PCMU, the
 * server 10 ms PCMU, every body arrives 5 ms after it is sent. */
static void test_worked_example_put_body(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, &st1);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, &st1, &st1);
  ript_media_session *client = mk_session(&cc, TS0, NULL);
  ript_media_session *server = mk_session(&sc, TS0, NULL);
  ript_buf put, get;
  ript_buf_init(&put, NULL);
  ript_buf_init(&get, NULL);
  seen cs, ss;
  memset(&cs, 0, sizeof(cs));
  memset(&ss, 0, sizeof(ss));

  /* +0: the client's chunk 1 (PUT). */
  send_pcmu(client, TS0, &put);
  assert_int_equal(deliver(server, &put, TS0 + 5, &ss), 1);
  /* +10: the server's chunk 1 with the ack of the client's chunk 1 (GET). */
  send_pcmu(server, TS0 + 10, &get);
  assert_true(ript_media_take_acks(server, TS0 + 10, &get, 0) > 0);
  assert_int_equal(deliver(client, &get, TS0 + 15, &cs), 1);
  /* +20: client chunk 2 + ack of server chunk 1; server chunk 2. */
  ript_buf_reset(&put);
  send_pcmu(client, TS0 + 20, &put);
  assert_true(ript_media_take_acks(client, TS0 + 20, &put, 0) > 0);
  ript_buf_reset(&get);
  send_pcmu(server, TS0 + 20, &get);
  assert_int_equal(deliver(server, &put, TS0 + 25, &ss), 1);
  assert_int_equal(deliver(client, &get, TS0 + 25, &cs), 1);
  /* +30: server chunk 3 + ack of client chunk 2. */
  ript_buf_reset(&get);
  send_pcmu(server, TS0 + 30, &get);
  assert_true(ript_media_take_acks(server, TS0 + 30, &get, 0) > 0);
  assert_int_equal(deliver(client, &get, TS0 + 35, &cs), 1);
  /* +40: the example: client chunk 3 + acks of server chunks 2 and 3. */
  ript_buf_reset(&put);
  send_pcmu(client, TS0 + 40, &put);
  assert_true(ript_media_take_acks(client, TS0 + 40, &put, 0) > 0);

  size_t len;
  uint8_t *expected = ript_test_example_hex("media-put-body", &len);
  assert_int_equal(put.len, len);
  assert_memory_equal(put.data, expected, len);
  free(expected);

  /* The server reads it: one chunk delivered, two acks taken. */
  assert_int_equal(deliver(server, &put, TS0 + 45, &ss), 1);
  assert_int_equal(ss.last.sequence, 3);
  assert_int_equal(ss.last.timestamp, TS0 + 40);
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.acked, 3);
  assert_int_equal(st.unacked, 0);
  assert_int_equal(st.failed_total, 0);
  assert_int_equal(st.rtt_samples, 3); /* 15, 25, 15 ms */
  assert_int_equal(st.rtt_last_ms, 15);
  assert_int_equal(st.rtt_max_ms, 25);
  ript_buf_free(&put);
  ript_buf_free(&get);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- failures ------------------------------------------------------------ */

/* Three chunks in one body; the middle one damaged in |how|. */
static void body_of_three(ript_media_session *client, ript_buf *b,
                          size_t *second_at, size_t *second_len) {
  send_pcmu(client, TS0, b);
  *second_at = b->len;
  send_pcmu(client, TS0 + 20, b);
  *second_len = b->len - *second_at;
  send_pcmu(client, TS0 + 40, b);
}

static void test_tampered_chunk_mid_body(void **state) {
  (void)state;
  ript_chunk_key kc, ks;
  derive(&kc, 1);
  derive(&ks, 2);
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  cc.tx_key = &kc;
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  sc.tx_key = &ks;
  sc.rx_keys = &kc;
  sc.nrx_keys = 1;
  ript_media_session *client = mk_session(&cc, TS0, NULL);
  ript_media_session *server = mk_session(&sc, TS0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  size_t at, len;
  body_of_three(client, &b, &at, &len);
  b.data[at + len - 1] ^= 0x01; /* the last ciphertext byte of chunk 2 */
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, TS0 + 50, &sn), 2);
  assert_int_equal(sn.seqs[0], 1);
  assert_int_equal(sn.seqs[1], 3);
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_DECRYPT], 1);
  assert_int_equal(st.failed_total, 1);
  assert_int_equal(st.received, 2);
  assert_int_equal(st.expected, 3);
  assert_int_equal(st.lost, 1);
  assert_int_equal(st.undecryptable, 1);
  /* The tampered chunk is acknowledged too, unencrypted. */
  assert_int_equal(ript_media_pending_acks(server), 3);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
  ript_chunk_key_free(&kc);
  ript_chunk_key_free(&ks);
}

static void test_malformed_chunk_mid_body(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_media_session *client = mk_session(&cc, TS0, NULL);
  ript_media_session *server = mk_session(&sc, TS0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  size_t at, len;
  body_of_three(client, &b, &at, &len);
  /* Chunk 2 starts "06 01 01": a source id of 0 is malformed, but the
   * framing is intact. */
  assert_int_equal(b.data[at], 0x06);
  b.data[at + 2] = 0;
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, TS0 + 50, &sn), 2);
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_PARSE], 1);
  assert_int_equal(st.failed_total, 1);

  /* A broken framing ends the body: chunk 2's sealed length now runs past
   * the end, so chunk 3 cannot be found. */
  ript_media_session_del(server);
  server = mk_session(&sc, TS0, NULL);
  ript_buf_reset(&b);
  ript_media_session_del(client);
  client = mk_session(&cc, TS0, NULL);
  body_of_three(client, &b, &at, &len);
  /* The sealed TLV is "00 0a" ten bytes before the chunk's end. */
  assert_int_equal(b.data[at + len - 12], 0x00);
  assert_int_equal(b.data[at + len - 11], 0x0a);
  b.data[at + len - 11] = 0x3f;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, TS0 + 50, &sn), 1);
  st = stats_of(server);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_FRAMING], 1);
  assert_int_equal(st.failed_total, 1);
  /* A body cut inside a TLV header, and an empty body. */
  assert_int_equal(ript_media_receive(server, b.data, 1, TS0, NULL, NULL), 0);
  assert_int_equal(ript_media_receive(server, NULL, 0, TS0, NULL, NULL), 0);
  st = stats_of(server);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_FRAMING], 2);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* Every ript_media_fail reason but CRYPTO (GnuTLS failing on its own). */
static void test_failure_reasons(void **state) {
  (void)state;
  ript_chunk_key k1, k5;
  derive(&k1, 1);
  derive(&k5, 5);
  ript_media_stream pcmu11 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_stream pcmu12 = mk_stream(1, 2, RIPT_PT_PCMU, 1);
  ript_media_stream opus11 = mk_stream(1, 1, RIPT_PT_OPUS, 1);
  ript_media_config c;
  ript_buf b;
  ript_buf_init(&b, NULL);

  /* Receiver: server, receives 1 to 1 opus, with key 1. */
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER, &pcmu11, &opus11);
  c.rx_keys = &k1;
  c.nrx_keys = 1;
  ript_media_session *rcv = mk_session(&c, TS0, NULL);

  /* NO_REFERENCE: a truncated chunk (2-byte sequence and timestamp) first (before any
   * chunk, even one acknowledged unopened, gives the stream a reference). */
  append_hex(&b, "0d 01 01 06 01 01 07 01 01 01 02 00 05 02 02 48 00 03 01 64"
                 " 00 12 00112233445566778899aabbccddeeff 04 00");
  /* UNKNOWN_STREAM: media on 1 to 2. */
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &pcmu12, NULL);
  c.tx_key = &k1;
  ript_media_session *snd = mk_session(&c, TS0, NULL);
  ript_media_frame f = mk_frame(1, 2, RIPT_PT_PCMU, (uint64_t)TS0, pcmu, 8);
  assert_true(ript_media_send(snd, &f, TS0, &b, NULL) > 0);
  ript_media_session_del(snd);
  /* UNKNOWN_KEY: key 5. PAYLOAD_TYPE: PCMU where opus is directed. */
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &pcmu11, NULL);
  c.tx_key = &k5;
  snd = mk_session(&c, TS0, NULL);
  send_pcmu(snd, TS0, &b);
  ript_media_session_del(snd);
  c.tx_key = &k1;
  snd = mk_session(&c, TS0, NULL);
  send_pcmu(snd, TS0, &b);
  ript_media_session_del(snd);
  /* DECRYPT: the NULL cipher to a receiver holding keys. */
  c.tx_key = NULL;
  snd = mk_session(&c, TS0, NULL);
  send_pcmu(snd, TS0, &b);
  ript_media_session_del(snd);
  /* PACKAGE: a short sealed value (2 bytes, the key's tag is 16). */
  append_hex(&b, "0d 01 01 06 01 01 07 01 01 01 08 0000000000000001"
                 " 02 08 000001702c654800 03 01 64 00 02 04 00");
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(rcv, &b, TS0, &sn), 0);
  ript_media_stats st = stats_of(rcv);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_UNKNOWN_STREAM], 1);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY], 1);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_PAYLOAD_TYPE], 1);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_DECRYPT], 1);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_NO_REFERENCE], 1);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_PACKAGE], 1);
  assert_int_equal(st.failed_total, 6);
  assert_int_equal(st.received + st.duplicates, 0);
  /* Unknown key and NULL cipher: undecryptable, acknowledged unencrypted;
   * the first one's reason and key id are kept. */
  assert_int_equal(st.undecryptable, 2);
  assert_int_equal(st.undecryptable_reason, RIPT_MEDIA_FAIL_UNKNOWN_KEY);
  assert_true(st.undecryptable_keyed);
  assert_int_equal(st.undecryptable_key_id, 5);
  assert_int_equal(ript_media_pending_acks(rcv), 2);
  ript_media_session_del(rcv);

  /* Acks, NULL cipher: the client sent 1 to 1 chunks 1 and 2 at TS0. */
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &pcmu11, NULL);
  snd = mk_session(&c, TS0, NULL);
  ript_buf_reset(&b);
  send_pcmu(snd, TS0, &b);
  send_pcmu(snd, TS0, &b);
  ript_buf_reset(&b);
  static const char ack_hdr[] =
      "05 01 01 0c 02 00 01 01 08 0000000000000001 02 08 000001702c654800"
      " 00 1d";
  char hex[400];
  /* BAD_ACK: sequence 3 was never sent; timestamp TS0 + 1 never either;
   * and the right sequence with the wrong timestamp. */
  static const char *const bad_acks[] = {
      "0e 01 00 06 01 01 07 01 01 01 08 0000000000000003"
      " 02 08 000001702c654800",
      "0e 01 00 06 01 01 07 01 01 01 08 0000000000000002"
      " 02 08 000001702c654801",
      "0e 01 00 06 01 01 07 01 01 01 08 0000000000000000"
      " 02 08 000001702c654800",
  };
  for (size_t i = 0; i < 3; ++i) {
    snprintf(hex, sizeof(hex), "%s %s", ack_hdr, bad_acks[i]);
    append_hex(&b, hex);
  }
  /* UNKNOWN_STREAM: an ack of direction s2c; an ack of stream 1 to 2. */
  snprintf(hex, sizeof(hex), "%s %s", ack_hdr,
           "0e 01 01 06 01 01 07 01 01 01 08 0000000000000001"
           " 02 08 000001702c654800");
  append_hex(&b, hex);
  snprintf(hex, sizeof(hex), "%s %s", ack_hdr,
           "0e 01 00 06 01 01 07 01 02 01 08 0000000000000001"
           " 02 08 000001702c654800");
  append_hex(&b, hex);
  /* A control chunk of type 7: ignored. */
  append_hex(&b, "05 01 01 0c 02 00 07 01 08 0000000000000009"
                 " 02 08 000001702c654800 00 02 3f 00");
  /* PACKAGE: an ack without its timestamp. */
  append_hex(&b, "05 01 01 0c 02 00 01 01 08 0000000000000001"
                 " 02 08 000001702c654800 00 13 0e 01 00 06 01 01 07 01 01"
                 " 01 08 0000000000000001");
  /* Finally a good one: chunk 2 at TS0. */
  snprintf(hex, sizeof(hex), "%s %s", ack_hdr,
           "0e 01 00 06 01 01 07 01 01 01 08 0000000000000002"
           " 02 08 000001702c654800");
  append_hex(&b, hex);
  assert_int_equal(deliver(snd, &b, TS0 + 3, &sn), 0);
  st = stats_of(snd);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_BAD_ACK], 3);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_UNKNOWN_STREAM], 2);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_PACKAGE], 1);
  assert_int_equal(st.failed_total, 6);
  assert_int_equal(st.control_ignored, 1);
  assert_int_equal(st.acks_received, 1);
  assert_int_equal(st.acked, 1);
  assert_int_equal(st.unacked, 1);
  assert_int_equal(snd->oldest->sequence, 1);
  ript_media_session_del(snd);
  ript_buf_free(&b);
  ript_chunk_key_free(&k1);
  ript_chunk_key_free(&k5);
}

/* Forged or unauthenticated data moves no state. */
static void test_forged_data_moves_nothing(void **state) {
  (void)state;
  ript_chunk_key kc, ks;
  derive(&kc, 1);
  derive(&ks, 2);
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1000);
  ript_media_config cc, sc;
  mk_keyed_pair(&cc, &sc, &st1, &kc, &ks);
  ript_media_session *client = mk_session(&cc, TS0, NULL);
  ript_media_session *server = mk_session(&sc, TS0, NULL);
  ript_buf b, keep;
  ript_buf_init(&b, NULL);
  ript_buf_init(&keep, NULL);
  /* Some traffic: both sides have sent, received and been acknowledged. */
  for (int i = 0; i < 3; ++i) {
    int64_t t = TS0 + 20 * i;
    ript_buf_reset(&b);
    send_pcmu(client, t, &b);
    ript_media_take_acks(client, t, &b, 0);
    assert_true(deliver(server, &b, t + 5, &(seen){0}) >= 0);
    ript_buf_reset(&b);
    send_pcmu(server, t + 10, &b);
    ript_media_take_acks(server, t + 10, &b, 0);
    deliver(client, &b, t + 15, &(seen){0});
  }
  /* The client's next chunk is truncated; keep it for later. */
  send_pcmu(client, TS0 + 60, &keep);
  ript_media_stats before = stats_of(server);
  size_t acks_before = ript_media_pending_acks(server);
  int64_t deadline_before = ript_media_next_deadline(server);
  ript_media_stats cbefore = stats_of(client);

  /* Forgeries: an unencrypted chunk far ahead, the same with key id 1 and
   * a made-up tag, an unencrypted ack of the server's chunk. */
  ript_buf_reset(&b);
  append_hex(&b,
             "06 01 01 07 01 01 01 08 00000000000f4240 02 08 0000017100000000"
             " 03 01 00 00 0a 04 08 0102030405060708");
  append_hex(&b, "0d 01 01 06 01 01 07 01 01 01 08 00000000000f4240"
                 " 02 08 0000017100000000 03 01 00 00 1a"
                 " 00112233445566778899aabbccddeeff 04 08 0102030405060708");
  assert_int_equal(deliver(server, &b, TS0 + 70, &(seen){0}), 0);
  ript_buf_reset(&b);
  append_hex(&b, "05 01 01 0c 02 00 01 01 08 0000000000000001"
                 " 02 08 000001702c654800 00 1d 0e 01 00 06 01 01 07 01 01"
                 " 01 08 00000000000003e9 02 08 000001702c654814");
  assert_int_equal(deliver(client, &b, TS0 + 70, &(seen){0}), 0);

  /* The forged media is counted and owed unencrypted acks (which the
   * sender would find name nothing it sent), nothing else. */
  ript_media_stats after = stats_of(server);
  assert_int_equal(after.failed[RIPT_MEDIA_FAIL_DECRYPT], 2);
  assert_int_equal(after.undecryptable, 2);
  memset(after.failed, 0, sizeof(after.failed));
  after.failed_total = 0;
  after.undecryptable = 0;
  after.undecryptable_reason = 0;
  after.undecryptable_keyed = false;
  after.undecryptable_key_id = 0;
  assert_memory_equal(&before, &after, sizeof(before));
  assert_int_equal(ript_media_pending_acks(server), acks_before + 2);
  assert_int_equal(ript_media_next_deadline(server), deadline_before);
  /* The unencrypted ack is taken as a relay's (it names a chunk already
   * acknowledged): it never moves the truncation. */
  ript_media_stats cafter = stats_of(client);
  assert_int_equal(cafter.hop_acks, 1);
  assert_int_equal(cafter.acks_unmatched, cbefore.acks_unmatched + 1);
  cafter.hop_acks = 0;
  cafter.acks_unmatched = cbefore.acks_unmatched;
  assert_memory_equal(&cbefore, &cafter, sizeof(cbefore));

  /* The truncated chunk still expands against the real state. */
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &keep, TS0 + 75, &sn), 1);
  assert_int_equal(sn.last.sequence, 1003);
  assert_int_equal(sn.last.timestamp, TS0 + 60);
  ript_buf_free(&b);
  ript_buf_free(&keep);
  ript_media_session_del(client);
  ript_media_session_del(server);
  ript_chunk_key_free(&kc);
  ript_chunk_key_free(&ks);
}

/* ---- duplicates ---------------------------------------------------------- */

static void test_duplicates_and_window(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 5);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  /* 1100 chunks, all full (no acks go back); keep each. */
  enum { N = 1100 };
  ript_buf *chunks = calloc(N, sizeof(*chunks));
  assert_non_null(chunks);
  for (int i = 0; i < N; ++i) {
    ript_buf_init(&chunks[i], NULL);
    send_pcmu(client, i, &chunks[i]);
  }
  seen sn;
  memset(&sn, 0, sizeof(sn));
  uint8_t copy[128];
  /* 10, then 5 (earlier: new), 10 again (duplicate), 1060 (a jump of more
   * than the window), 10 again (too old: counted as a duplicate). */
  static const int order[] = {10, 5, 10, 1060, 10, 1059, 1059, 100};
  static const int fresh[] = {1, 1, 0, 1, 0, 1, 0, 1};
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); ++i) {
    ript_buf *c = &chunks[order[i]];
    memcpy(copy, c->data, c->len);
    assert_int_equal(ript_media_receive(server, copy, c->len, 0, on_frame, &sn),
                     fresh[i]);
  }
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.received, 5);
  assert_int_equal(st.duplicates, 3);
  assert_int_equal(ript_media_pending_acks(server), 8);
  /* Sequences 10..1065 (index 0 is sequence 5). */
  assert_int_equal(st.expected, 1065 - 10 + 1);
  assert_int_equal(st.lost, st.expected - 5);
  /* Bits that earlier numbers left are cleared as the window slides:
   * 1129 shares its bit with 105, received above. After a jump to 2080
   * (less than a window ahead), 1129 must still count as new. */
  ript_media_session_del(client);
  for (int i = 0; i < N; ++i)
    ript_buf_free(&chunks[i]);
  free(chunks);
  client = mk_session(&cc, 0, NULL);
  ript_buf far;
  ript_buf_init(&far, NULL);
  static const uint64_t later[] = {2080, 1129, 1129};
  for (size_t i = 0; i < 3; ++i) {
    ript_buf_reset(&far);
    client->tx[0].next_sequence = later[i];
    send_pcmu(client, 2, &far);
    assert_int_equal(
        ript_media_receive(server, far.data, far.len, 0, NULL, NULL), i < 2);
  }
  ript_buf_free(&far);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- replay ----------------------------------------------------------- */

static void test_replay(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf b, sent;
  ript_buf_init(&b, NULL);
  ript_buf_init(&sent, NULL);
  for (int i = 0; i < 4; ++i)
    send_pcmu(client, i * 20, &sent); /* never delivered */
  size_t one = sent.len / 4;

  assert_int_equal(ript_media_replay(client, 100, &b, 0), 0); /* none marked */
  assert_int_equal(ript_media_replay_start(client, 100), 4);
  send_pcmu(client, 100, &sent); /* sent after the start: not marked */
  /* One at a time, oldest first, byte for byte as sent. */
  assert_int_equal(ript_media_replay(client, 100, &b, 1), (ript_ssize)one);
  assert_memory_equal(b.data, sent.data, one);
  /* The server acknowledges chunk 2 meanwhile: it is skipped. */
  uint8_t copy[64];
  memcpy(copy, sent.data + one, one);
  assert_int_equal(ript_media_receive(server, copy, one, 105, NULL, NULL), 1);
  ript_buf acks;
  ript_buf_init(&acks, NULL);
  assert_true(ript_media_take_acks(server, 106, &acks, 0) > 0);
  assert_int_equal(deliver(client, &acks, 110, NULL), 0);
  ript_buf_reset(&b);
  assert_int_equal(ript_media_replay(client, 110, &b, 0),
                   (ript_ssize)(2 * one));
  assert_memory_equal(b.data, sent.data + 2 * one, 2 * one);
  assert_int_equal(ript_media_replay(client, 110, &b, 0), 0);
  ript_media_stats st = stats_of(client);
  assert_int_equal(st.replayed, 3);
  assert_int_equal(st.acked, 1);
  assert_int_equal(st.rtt_samples, 1); /* chunk 2 was never replayed */
  assert_int_equal(st.unacked, 4);

  /* Acks of replayed chunks give no RTT sample (Karn). */
  ript_buf_reset(&b);
  assert_int_equal(ript_media_replay_start(client, 120), 4);
  assert_true(ript_media_replay(client, 120, &b, 0) > 0);
  assert_int_equal(ript_media_receive(server, b.data, b.len, 125, NULL, NULL),
                   4);
  ript_buf_reset(&acks);
  assert_true(ript_media_take_acks(server, 125, &acks, 0) > 0);
  assert_int_equal(deliver(client, &acks, 130, NULL), 0);
  st = stats_of(client);
  assert_int_equal(st.acked, 5);
  assert_int_equal(st.unacked, 0);
  assert_int_equal(st.rtt_samples, 1); /* all four were replayed */
  assert_int_equal(st.replayed, 7);

  /* Errors. */
  assert_int_equal(ript_media_replay_start(NULL, 0), 0);
  assert_int_equal(ript_media_replay_start(client, -1), 0);
  assert_int_equal(ript_media_replay(NULL, 0, &b, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_replay(client, 0, NULL, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_replay(client, -1, &b, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&acks);
  ript_buf_free(&b);
  ript_buf_free(&sent);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* A migration to a server instance without the call's receive state. */
static void test_resync_for_fresh_receiver(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *old = mk_session(&sc, 0, NULL);
  ript_media_session *fresh = mk_session(&sc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (int i = 0; i < 3; ++i)
    send_pcmu(client, 20 * i, &b);
  assert_int_equal(deliver(old, &b, 50, &(seen){0}), 3);
  ript_buf_reset(&b);
  assert_true(ript_media_take_acks(old, 50, &b, 0) > 0);
  assert_int_equal(deliver(client, &b, 55, &(seen){0}), 0);
  ript_buf_reset(&b);
  send_pcmu(client, 60, &b); /* chunk 4, truncated, lost in the break */
  ript_buf_reset(&b);
  send_pcmu(client, 80, &b); /* chunk 5, truncated: the fresh server */
  assert_int_equal(deliver(fresh, &b, 85, &(seen){0}), 0);
  assert_int_equal(stats_of(fresh).failed[RIPT_MEDIA_FAIL_NO_REFERENCE], 1);

  ript_media_resync(client);
  ript_media_resync(NULL);
  ript_buf_reset(&b);
  send_pcmu(client, 100, &b); /* chunk 6, full again */
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(fresh, &b, 105, &sn), 1);
  assert_int_equal(sn.last.sequence, 6);
  /* Now the truncated kept chunks 4 and 5 expand (6 is a duplicate). */
  ript_buf_reset(&b);
  assert_int_equal(ript_media_replay_start(client, 110), 3);
  assert_true(ript_media_replay(client, 110, &b, 0) > 0);
  assert_int_equal(deliver(fresh, &b, 115, &sn), 2);
  assert_int_equal(sn.seqs[1], 4);
  assert_int_equal(sn.seqs[2], 5);
  assert_int_equal(sn.last.timestamp, 80);
  assert_int_equal(stats_of(fresh).duplicates, 1);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(old);
  ript_media_session_del(fresh);
}

/* After a migration (ript_media_resync) the streams a client receives may
 * be numbered anew by a new server instance: the first full value decides,
 * forwards or backwards; without a resync, or close to the old numbers,
 * nothing starts over. Losses count within each numbering. */
static void test_renumbered_after_resync(void **state) {
  (void)state;
  static const uint64_t starts[] = {UINT64_C(1) << 40, 100};
  for (size_t k = 0; k < 2; ++k) {
    ript_media_stream st = mk_stream(1, 1, RIPT_PT_PCMU, 50000);
    ript_media_config cc, sc;
    mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, NULL, &st);
    mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, &st, NULL);
    ript_media_session *client = mk_session(&cc, 0, NULL);
    ript_media_session *old = mk_session(&sc, 0, NULL);
    ript_buf b;
    ript_buf_init(&b, NULL);
    seen sn;
    memset(&sn, 0, sizeof(sn));
    for (int i = 0; i < 3; ++i) {
      ript_buf_reset(&b);
      send_pcmu(old, 20 * i, &b);
      if (i != 1) /* one lost */
        assert_int_equal(deliver(client, &b, 20 * i + 5, &sn), 1);
    }
    /* Far from the numbers of the old instance, without a resync: only a
     * jump (forwards), or duplicates (backwards). */
    st.initial_sequence = starts[k];
    ript_media_session *fresh = mk_session(&sc, 0, NULL);
    ript_buf_reset(&b);
    send_pcmu(fresh, 100, &b);
    uint8_t copy[256];
    memcpy(copy, b.data, b.len);
    size_t len = b.len;
    assert_int_equal(deliver(client, &b, 105, &sn), k == 0 ? 1 : 0);
    assert_int_equal(stats_of(client).renumbered, 0);
    /* After the resync the same full value starts a new numbering. */
    ript_media_session_del(client);
    client = mk_session(&cc, 0, NULL);
    memset(&sn, 0, sizeof(sn));
    ript_buf_reset(&b);
    send_pcmu(old, 120, &b);
    assert_int_equal(deliver(client, &b, 125, &sn), 1);
    ript_media_resync(client);
    ript_buf_reset(&b);
    assert_int_equal(ript_buf_append(&b, copy, len), 0);
    assert_int_equal(deliver(client, &b, 130, &sn), 1);
    assert_true(sn.last.flags & RIPT_MEDIA_FRAME_FLAG_RENUMBERED);
    assert_true(sn.last.sequence == starts[k]);
    ript_buf_reset(&b);
    send_pcmu(fresh, 140, &b); /* truncated later: expands on the new */
    ript_buf_reset(&b);
    send_pcmu(fresh, 160, &b);
    assert_int_equal(deliver(client, &b, 165, &sn), 1);
    assert_false(sn.last.flags & RIPT_MEDIA_FRAME_FLAG_RENUMBERED);
    assert_true(sn.last.sequence == starts[k] + 2);
    ript_media_stats s = stats_of(client);
    assert_int_equal(s.renumbered, 1);
    assert_int_equal(s.received, 3);
    assert_int_equal(s.expected, 1 + 3); /* one before, three after */
    assert_int_equal(s.lost, 1);
    /* A second resync whose first full value is near: nothing starts over. */
    ript_media_resync(client);
    ript_media_resync(fresh);
    ript_buf_reset(&b);
    send_pcmu(fresh, 180, &b);
    assert_int_equal(deliver(client, &b, 185, &sn), 1);
    assert_false(sn.last.flags & RIPT_MEDIA_FRAME_FLAG_RENUMBERED);
    assert_int_equal(stats_of(client).renumbered, 1);
    ript_buf_free(&b);
    ript_media_session_del(client);
    ript_media_session_del(old);
    ript_media_session_del(fresh);
  }
}

static void test_expiry_and_byte_limit(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  cc.replay_window_ms = 100;
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  send_pcmu(client, 0, &b);
  size_t one = b.len;
  send_pcmu(client, 50, &b);
  assert_int_equal(ript_media_next_deadline(client), 100);
  assert_int_equal(ript_media_check(client, 99), 0);
  assert_int_equal(stats_of(client).unacked, 2);
  assert_int_equal(ript_media_check(client, 100), 0);
  ript_media_stats st = stats_of(client);
  assert_int_equal(st.unacked, 1);
  assert_int_equal(st.expired, 1);
  assert_int_equal(ript_media_replay_start(client, 149), 1);
  assert_int_equal(ript_media_replay_start(client, 150), 0);
  assert_int_equal(stats_of(client).expired, 2);
  ript_media_session_del(client);

  /* At most 2 chunks' worth kept: older ones overflow. */
  cc.replay_window_ms = 5000;
  cc.replay_max_bytes = 2 * one;
  client = mk_session(&cc, 0, NULL);
  for (int i = 0; i < 5; ++i)
    send_pcmu(client, i, &b);
  st = stats_of(client);
  assert_int_equal(st.overflowed, 3);
  assert_int_equal(st.unacked, 2);
  assert_int_equal(client->oldest->sequence, 4);
  /* Smaller than one chunk: nothing is kept. */
  ript_media_session_del(client);
  cc.replay_max_bytes = 1;
  client = mk_session(&cc, 0, NULL);
  send_pcmu(client, 0, &b);
  st = stats_of(client);
  assert_int_equal(st.overflowed, 1);
  assert_int_equal(st.unacked, 0);
  ript_buf_free(&b);
  ript_media_session_del(client);
}

/* ---- timers -------------------------------------------------------------- */

static void test_timers(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, &st1);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, &st1, &st1);
  cc.replay_window_ms = 60000;
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_media_next_deadline(client), INT64_MAX);
  assert_int_equal(ript_media_check(client, 100000), 0);

  /* Ack timer: 1 s after the first unacknowledged send. */
  send_pcmu(client, 0, &b);
  send_pcmu(client, 500, &b);
  assert_int_equal(ript_media_next_deadline(client), 1000);
  assert_int_equal(ript_media_check(client, 999), 0);
  assert_int_equal(ript_media_check(client, 1000),
                   RIPT_MEDIA_FLAG_ACK_TIMEOUT |
                       RIPT_MEDIA_FLAG_NEED_MIGRATION);
  /* Reported once; the media timer (5 s) is still armed. */
  assert_int_equal(ript_media_check(client, 1001), 0);
  assert_int_equal(ript_media_next_deadline(client), 5000);
  /* The next send re-arms the ack timer. */
  ript_buf_reset(&b);
  send_pcmu(client, 1500, &b);
  assert_int_equal(ript_media_next_deadline(client), 2500);
  /* An ack (of the 1500 chunk) disarms both. */
  assert_int_equal(ript_media_receive(server, b.data, b.len, 1510, NULL, NULL),
                   1);
  ript_buf_reset(&b);
  assert_true(ript_media_take_acks(server, 1510, &b, 0) > 0);
  assert_int_equal(deliver(client, &b, 1520, NULL), 0);
  /* Only the expiry of the two unacknowledged chunks is left. */
  assert_int_equal(ript_media_next_deadline(client), 60000);
  assert_int_equal(ript_media_check(client, 10000), 0);

  /* The media timer alone (the ack timer off). */
  ript_media_session_del(client);
  cc.ack_timeout_ms = 0;
  client = mk_session(&cc, 0, NULL);
  ript_buf_reset(&b);
  send_pcmu(client, 0, &b);
  assert_int_equal(ript_media_next_deadline(client), 5000);
  assert_int_equal(ript_media_check(client, 4999), 0);
  assert_int_equal(ript_media_check(client, 5000),
                   RIPT_MEDIA_FLAG_MEDIA_TIMEOUT |
                       RIPT_MEDIA_FLAG_NEED_MIGRATION);
  /* Replay arms it too. */
  assert_int_equal(ript_media_replay_start(client, 6000), 1);
  assert_true(ript_media_replay(client, 6000, &b, 0) > 0);
  assert_int_equal(ript_media_next_deadline(client), 11000);

  /* Receive timer: armed by the first media received, re-armed on fire. */
  ript_media_session_del(server);
  server = mk_session(&sc, 0, NULL);
  assert_int_equal(ript_media_next_deadline(server), INT64_MAX);
  ript_buf_reset(&b);
  send_pcmu(client, 7000, &b);
  assert_int_equal(ript_media_receive(server, b.data, b.len, 7100, NULL, NULL),
                   1);
  assert_int_equal(ript_media_next_deadline(server), 12100);
  assert_int_equal(ript_media_check(server, 12099), 0);
  assert_int_equal(ript_media_check(server, 12100),
                   RIPT_MEDIA_FLAG_RX_TIMEOUT | RIPT_MEDIA_FLAG_NEED_MIGRATION);
  assert_int_equal(ript_media_next_deadline(server), 17100);
  /* Both timers expiring at once. */
  ript_media_session_del(client);
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  cc.ack_timeout_ms = cc.media_timeout_ms = 300;
  client = mk_session(&cc, 0, NULL);
  send_pcmu(client, 0, &b);
  assert_int_equal(ript_media_check(client, 300),
                   RIPT_MEDIA_FLAG_ACK_TIMEOUT | RIPT_MEDIA_FLAG_MEDIA_TIMEOUT |
                       RIPT_MEDIA_FLAG_NEED_MIGRATION);
  /* Deadlines saturate instead of overflowing. */
  ript_media_session_del(client);
  client = mk_session(&cc, 0, NULL);
  client->ack_wait_since = INT64_MAX - 10;
  assert_int_equal(ript_media_next_deadline(client), INT64_MAX);

  assert_int_equal(ript_media_check(NULL, 0), 0);
  assert_int_equal(ript_media_check(client, -1), 0);
  assert_int_equal(ript_media_next_deadline(NULL), INT64_MAX);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- callbacks, arguments, figures ----------------------------------------
 */

typedef struct reentry {
  ript_media_session *s;
  int receive_rv;
  ript_ssize send_rv, acks_rv;
} reentry;

static void on_frame_reenter(const ript_media_frame *f, void *user_data) {
  reentry *r = user_data;
  uint8_t byte = 0;
  r->receive_rv = ript_media_receive(r->s, &byte, 1, 0, NULL, NULL);
  ript_buf out;
  ript_buf_init(&out, NULL);
  ript_media_frame echo =
      mk_frame(1, 1, RIPT_PT_PCMU, f->timestamp, f->media, f->media_len);
  r->send_rv = ript_media_send(r->s, &echo, 10, &out, NULL);
  r->acks_rv = ript_media_take_acks(r->s, 10, &out, 0);
  ript_buf_free(&out);
}

static void test_callback_reentry_and_arguments(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, &st1, &st1);
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  send_pcmu(client, 0, &b);
  reentry r = {server, 0, 0, 0};
  assert_int_equal(
      ript_media_receive(server, b.data, b.len, 5, on_frame_reenter, &r), 1);
  assert_int_equal(r.receive_rv, RIPT_ERR_INVALID_ARGUMENT);
  assert_true(r.send_rv > 0);
  assert_true(r.acks_rv > 0); /* the ack was owed before the callback */
  /* Receiving works again after the callback. */
  assert_int_equal(ript_media_receive(server, NULL, 0, 5, NULL, NULL), 0);

  assert_int_equal(ript_media_receive(NULL, b.data, b.len, 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_receive(server, NULL, 3, 0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_receive(server, b.data, b.len, -1, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);

  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(NULL, &st), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_media_get_stats(server, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_RX, 1, 1, &st), 0);
  assert_int_equal(st.received, 1);
  assert_int_equal(st.sent, 0);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_TX, 1, 1, &st), 0);
  assert_int_equal(st.sent, 1);
  assert_int_equal(st.received, 0);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_TX, 1, 2, &st),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_RX, 2, 1, &st),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_media_get_stream_stats(server, (ript_media_dir)2, 1, 1, &st),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_media_get_stream_stats(NULL, RIPT_MEDIA_DIR_RX, 1, 1, &st),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_RX, 1, 1, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* Per-stream figures add up to the session's; jitter and delay. */
static void test_stream_stats_and_jitter(void **state) {
  (void)state;
  ript_media_stream tx[2] = {mk_stream(1, 1, RIPT_PT_PCMU, 1),
                             mk_stream(2, 2, RIPT_PT_PCMU, 50)};
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, NULL, NULL);
  cc.tx_streams = tx;
  cc.ntx_streams = 2;
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, NULL);
  sc.rx_streams = tx;
  sc.nrx_streams = 2;
  ript_media_session *client = mk_session(&cc, 0, NULL);
  ript_media_session *server = mk_session(&sc, 0, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  /* Stream 1: arrivals 10, 30 (+20), 45 (+15) for timestamps 0, 20, 40:
   * transit 10, 10, 5: D = 0, then 5: J = 0 + (5 - 0) / 16. */
  static const int64_t arrive[3] = {10, 30, 45};
  for (int i = 0; i < 3; ++i) {
    ript_buf_reset(&b);
    ript_media_frame f =
        mk_frame(1, 1, RIPT_PT_PCMU, (uint64_t)(20 * i), pcmu, 8);
    assert_true(ript_media_send(client, &f, 20 * i, &b, NULL) > 0);
    seen sn;
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(deliver(server, &b, arrive[i], &sn), 1);
    assert_int_equal(sn.last.delay_ms, arrive[i] - 20 * i);
  }
  /* Stream 2: 2 chunks, the first lost. */
  ript_buf_reset(&b);
  ript_media_frame f2 = mk_frame(2, 2, RIPT_PT_PCMU, 0, pcmu, 8);
  assert_true(ript_media_send(client, &f2, 0, &b, NULL) > 0);
  ript_buf_reset(&b);
  assert_true(ript_media_send(client, &f2, 0, &b, NULL) > 0);
  ript_buf_reset(&b);
  assert_true(ript_media_send(client, &f2, 0, &b, NULL) > 0);
  assert_int_equal(deliver(server, &b, 60, NULL), 1);
  ript_media_stats s1, s2, all;
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_RX, 1, 1, &s1), 0);
  assert_int_equal(
      ript_media_get_stream_stats(server, RIPT_MEDIA_DIR_RX, 2, 2, &s2), 0);
  all = stats_of(server);
  assert_true(s1.jitter_ms == 5.0 / 16);
  assert_true(s2.jitter_ms == 0.0);
  assert_true(all.jitter_ms == s1.jitter_ms);
  assert_int_equal(s1.received, 3);
  assert_int_equal(s2.received, 1);
  assert_int_equal(s2.expected, 1); /* RFC 3550: from the first received */
  assert_int_equal(all.received, 4);
  assert_int_equal(all.received_bytes, 32);
  ript_media_stats t2;
  assert_int_equal(
      ript_media_get_stream_stats(client, RIPT_MEDIA_DIR_TX, 2, 2, &t2), 0);
  assert_int_equal(t2.sent, 3);
  assert_int_equal(stats_of(client).sent, 6);

  /* A timestamp above INT64_MAX: delay saturates. */
  ript_media_session_del(client);
  client = mk_session(&cc, 0, NULL);
  ript_buf_reset(&b);
  ript_media_frame far = mk_frame(1, 1, RIPT_PT_PCMU, UINT64_MAX, pcmu, 8);
  assert_true(ript_media_send(client, &far, 0, &b, NULL) > 0);
  ript_media_session_del(server);
  server = mk_session(&sc, 0, NULL);
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, 0, &sn), 1);
  assert_int_equal(sn.last.delay_ms, INT64_MIN);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- out of memory ------------------------------------------------------- */

static void test_oom_new(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT, &st1, &st1);
  for (long fail = 0;; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    ript_media_session *s = NULL;
    int rv = ript_media_session_new(&s, &c, 0, &fm.mem);
    if (rv == 0) {
      ript_media_session_del(s);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(s);
  }
}

/* Send, take_acks, replay and receive with every allocation failing in
 * turn; the session stays consistent and usable. */
static void test_oom_operations(void **state) {
  (void)state;
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_config(&cc, RIPT_MEDIA_ROLE_CLIENT, &st1, NULL);
  mk_config(&sc, RIPT_MEDIA_ROLE_SERVER, NULL, &st1);
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, -1);
  ript_media_session *client = mk_session(&cc, 0, &fm.mem);
  ript_media_session *server = mk_session(&sc, 0, &fm.mem);
  ript_buf b;

  /* Send: the buffer's growth, then the kept copy. */
  long k;
  for (k = 0;; ++k) {
    ript_buf_init(&b, &fm.mem);
    fm.fail_after = fm.allocs + k;
    ript_media_frame f = mk_frame(1, 1, RIPT_PT_PCMU, 0, pcmu, 8);
    ript_ssize rv = ript_media_send(client, &f, 0, &b, NULL);
    if (rv > 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_int_equal(b.len, 0);
    assert_int_equal(stats_of(client).sent, 0);
    ript_buf_free(&b);
  }
  assert_int_equal(k, 2);
  fm.fail_after = -1;
  /* The chunk carries sequence 1: no number was lost. */
  seen sn;
  memset(&sn, 0, sizeof(sn));
  assert_int_equal(deliver(server, &b, 1, &sn), 1);
  assert_int_equal(sn.last.sequence, 1);
  ript_buf_free(&b);

  /* Receive: the ring cannot grow, so the ack is dropped and counted. */
  ript_media_session_del(server);
  server = mk_session(&sc, 0, &fm.mem);
  ript_buf_init(&b, NULL);
  send_pcmu(client, 20, &b);
  fm.fail_after = fm.allocs;
  assert_int_equal(deliver(server, &b, 21, &sn), 1);
  fm.fail_after = -1;
  ript_media_stats st = stats_of(server);
  assert_int_equal(st.acks_dropped, 1);
  assert_int_equal(st.received, 1);
  assert_int_equal(ript_media_pending_acks(server), 0);
  ript_buf_reset(&b);
  send_pcmu(client, 40, &b);
  assert_int_equal(deliver(server, &b, 41, &sn), 1);
  assert_int_equal(ript_media_pending_acks(server), 1);
  /* Growing a full ring (4 -> 8) fails: the new ack is dropped. */
  for (int i = 0; i < 3; ++i) {
    ript_buf_reset(&b);
    send_pcmu(client, 60 + i, &b);
    assert_int_equal(deliver(server, &b, 61 + i, &sn), 1);
  }
  assert_int_equal(ript_media_pending_acks(server), 4);
  ript_buf_reset(&b);
  send_pcmu(client, 70, &b);
  fm.fail_after = fm.allocs;
  assert_int_equal(deliver(server, &b, 71, &sn), 1);
  fm.fail_after = -1;
  assert_int_equal(ript_media_pending_acks(server), 4);
  assert_int_equal(stats_of(server).acks_dropped, 2);
  ript_buf_free(&b);

  /* Take acks. */
  for (k = 0;; ++k) {
    ript_buf_init(&b, &fm.mem);
    fm.fail_after = fm.allocs + k;
    ript_ssize rv = ript_media_take_acks(server, 80, &b, 0);
    if (rv > 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_int_equal(ript_media_pending_acks(server), 4);
    ript_buf_free(&b);
  }
  fm.fail_after = -1;
  assert_int_equal(ript_media_pending_acks(server), 0);
  assert_int_equal(deliver(client, &b, 90, &sn), 0);
  assert_int_equal(stats_of(client).acked, 4);
  ript_buf_free(&b);

  /* Replay. */
  size_t marked = ript_media_replay_start(client, 100);
  assert_int_equal(marked, stats_of(client).unacked);
  assert_true(marked > 0);
  for (k = 0;; ++k) {
    ript_buf_init(&b, &fm.mem);
    fm.fail_after = fm.allocs + k;
    ript_ssize rv = ript_media_replay(client, 100, &b, 0);
    if (rv > 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_int_equal(stats_of(client).replayed, 0);
    ript_buf_free(&b);
  }
  fm.fail_after = -1;
  assert_int_equal(stats_of(client).replayed, marked);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
}

/* ---- memory -----------------------------------------------------------------
 */

/* Counts the bytes allocated now and at most. */
typedef struct countmem {
  ript_mem mem;
  size_t now, peak;
} countmem;

static void *count_malloc(size_t size, void *ud) {
  countmem *cm = ud;
  size_t *p = malloc(sizeof(size_t) * 2 + size);
  if (!p)
    return NULL;
  p[0] = size;
  cm->now += size;
  if (cm->now > cm->peak)
    cm->peak = cm->now;
  return p + 2;
}

static void count_free(void *ptr, void *ud) {
  countmem *cm = ud;
  if (!ptr)
    return;
  size_t *p = (size_t *)ptr - 2;
  cm->now -= p[0];
  free(p);
}

static void *count_calloc(size_t n, size_t size, void *ud) {
  void *p = count_malloc(n * size, ud);
  if (p)
    memset(p, 0, n * size);
  return p;
}

static void *count_realloc(void *ptr, size_t size, void *ud) {
  void *p = count_malloc(size, ud);
  if (p && ptr) {
    size_t old = ((size_t *)ptr)[-2];
    memcpy(p, ptr, old < size ? old : size);
    count_free(ptr, ud);
  }
  return p;
}

static void countmem_init(countmem *cm) {
  cm->mem.user_data = cm;
  cm->mem.malloc = count_malloc;
  cm->mem.free = count_free;
  cm->mem.calloc = count_calloc;
  cm->mem.realloc = count_realloc;
  cm->now = cm->peak = 0;
}

/*
 * A call in steady state: 20 ms PCMU frames (160 bytes) each way, every
 * body arriving 5 ms after it was sent, acks riding with the next media,
 * AES-128-GCM. The sessions' own memory (not the bodies in flight) stays
 * small: that is what 1,000 concurrent calls multiply.
 */
static void test_memory_steady_state(void **state) {
  (void)state;
  ript_chunk_key kc, ks;
  derive(&kc, 1);
  derive(&ks, 2);
  ript_media_stream st1 = mk_stream(1, 1, RIPT_PT_PCMU, 1);
  ript_media_config cc, sc;
  mk_keyed_pair(&cc, &sc, &st1, &kc, &ks);
  countmem cm_c, cm_s;
  countmem_init(&cm_c);
  countmem_init(&cm_s);
  ript_media_session *client = mk_session(&cc, 0, &cm_c.mem);
  ript_media_session *server = mk_session(&sc, 0, &cm_s.mem);
  size_t base = cm_c.now;
  uint8_t frame[160];
  memset(frame, 0xd5, sizeof(frame));
  ript_buf to_s, to_c; /* bodies in flight: sent at t, arrive t + 5 */
  ript_buf_init(&to_s, NULL);
  ript_buf_init(&to_c, NULL);
  size_t peak_c = 0, peak_s = 0;
  for (int64_t t = 0; t < 10000; t += 5) {
    if (t % 20 == 5) {
      assert_true(
          ript_media_receive(server, to_s.data, to_s.len, t, NULL, NULL) == 1);
      assert_true(
          ript_media_receive(client, to_c.data, to_c.len, t, NULL, NULL) == 1);
    }
    if (t % 20 == 0) {
      ript_media_frame f =
          mk_frame(1, 1, RIPT_PT_PCMU, (uint64_t)(TS0 + t), frame, 160);
      ript_buf_reset(&to_s);
      ript_buf_reset(&to_c);
      assert_true(ript_media_send(client, &f, t, &to_s, NULL) > 0);
      assert_true(ript_media_take_acks(client, t, &to_s, 0) >= 0);
      assert_true(ript_media_send(server, &f, t, &to_c, NULL) > 0);
      assert_true(ript_media_take_acks(server, t, &to_c, 0) >= 0);
    }
    assert_int_equal(ript_media_check(client, t), 0);
    if (t >= 1000) {
      peak_c = cm_c.now > peak_c ? cm_c.now : peak_c;
      peak_s = cm_s.now > peak_s ? cm_s.now : peak_s;
    }
  }
  ript_media_stats st = stats_of(client);
  assert_int_equal(st.sent, 500);
  assert_int_equal(st.received, 500);
  assert_int_equal(st.acked, 499); /* the last ack was not sent yet */
  assert_int_equal(st.failed_total, 0);
  print_message("media session memory, steady state, 1 stream each way, "
                "20 ms PCMU, AES-128-GCM: client %zu bytes (session %zu), "
                "server %zu bytes\n",
                peak_c, base, peak_s);
  /* 1,000 calls, both ends in one process, within 64 KiB per call. */
  assert_true(peak_c + peak_s <= 8192);
  ript_buf_free(&to_s);
  ript_buf_free(&to_c);
  ript_media_session_del(client);
  ript_media_session_del(server);
  assert_int_equal(cm_c.now, 0);
  assert_int_equal(cm_s.now, 0);
  ript_chunk_key_free(&kc);
  ript_chunk_key_free(&ks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_init),
      cmocka_unit_test(test_streams_from_directive),
      cmocka_unit_test(test_streams_from_directive_codec_rules),
      cmocka_unit_test(test_session_new_errors),
      cmocka_unit_test(test_send_enforces_directive),
      cmocka_unit_test(test_send_sequence_exhausted),
      cmocka_unit_test(test_exchange_fields_and_acks),
      cmocka_unit_test(test_take_acks_limits),
      cmocka_unit_test(test_take_acks_within),
      cmocka_unit_test(test_replay_next_len),
      cmocka_unit_test(test_worked_example_put_body),
      cmocka_unit_test(test_tampered_chunk_mid_body),
      cmocka_unit_test(test_malformed_chunk_mid_body),
      cmocka_unit_test(test_failure_reasons),
      cmocka_unit_test(test_forged_data_moves_nothing),
      cmocka_unit_test(test_duplicates_and_window),
      cmocka_unit_test(test_replay),
      cmocka_unit_test(test_resync_for_fresh_receiver),
      cmocka_unit_test(test_renumbered_after_resync),
      cmocka_unit_test(test_expiry_and_byte_limit),
      cmocka_unit_test(test_timers),
      cmocka_unit_test(test_callback_reentry_and_arguments),
      cmocka_unit_test(test_stream_stats_and_jitter),
      cmocka_unit_test(test_oom_new),
      cmocka_unit_test(test_oom_operations),
      cmocka_unit_test(test_memory_steady_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * End-to-end media keys: the "ID:SECRET" text (every error with its
 * offset), per-sender key ids, the derivation and the sealed chunk of
 * docs/examples/mediakey.md byte for byte, and media sessions holding a
 * media key: round trips both ways, reflection, other IDs, unencrypted
 * media, a relay that cannot open what it forwards, its unencrypted
 * acknowledgements, and out-of-memory paths.
 */
#include <stdlib.h>
#include <string.h>

#include "ript/codec.h"
#include "ript/media.h"
#include "ript/mediakey.h"
#include "testutil.h"

#define TS0 INT64_C(1581292800000)

static void parse_example(ript_mediakey *mk, const char *name) {
  size_t len;
  char *text = ript_test_example(name, &len);
  while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
    --len;
  assert_int_equal(ript_mediakey_parse(mk, text, len, NULL), 0);
  free(text);
}

static void assert_example_bytes(const char *name, const uint8_t *bytes,
                                 size_t len) {
  size_t n;
  uint8_t *want = ript_test_example_hex(name, &n);
  assert_int_equal(n, len);
  assert_memory_equal(want, bytes, len);
  free(want);
}

/* ---- text ---------------------------------------------------------------- */

static void test_parse_examples(void **state) {
  (void)state;
  ript_mediakey a, b;
  parse_example(&a, "mediakey-hex");
  parse_example(&b, "mediakey-b64");
  assert_int_equal(a.id, 7);
  assert_int_equal(a.cipher, RIPT_CHUNK_CIPHER_AES128_GCM);
  assert_int_equal(a.secret_len, 16);
  for (int i = 0; i < 16; ++i)
    assert_int_equal(a.secret[i], i);
  assert_memory_equal(&a, &b, sizeof(a));
  ript_mediakey_clear(&a);
  static const ript_mediakey zero;
  assert_memory_equal(&a, &zero, sizeof(a));
  ript_mediakey_clear(NULL);
}

static void test_parse_forms(void **state) {
  (void)state;
  ript_mediakey mk;
  static const char upper[] = "0:000102030405060708090A0B0C0D0E0F";
  assert_int_equal(ript_mediakey_parse(&mk, upper, strlen(upper), NULL), 0);
  assert_int_equal(mk.id, 0);
  assert_int_equal(mk.secret[15], 0x0f);
  char text[80];
  strcpy(text, "65535:");
  for (int i = 0; i < 64; ++i)
    text[6 + i] = "0123456789abcdef"[i % 16];
  text[70] = '\0';
  assert_int_equal(strlen(text), RIPT_MEDIAKEY_TEXT_MAX);
  assert_int_equal(ript_mediakey_parse(&mk, text, strlen(text), NULL), 0);
  assert_int_equal(mk.id, 65535);
  assert_int_equal(mk.cipher, RIPT_CHUNK_CIPHER_AES256_GCM);
  assert_int_equal(mk.secret_len, 32);
  assert_int_equal(mk.secret[0], 0x01);
  assert_int_equal(mk.secret[31], 0xef);
  static const char b64[] = "12:__________________________________________8";
  assert_int_equal(ript_mediakey_parse(&mk, b64, strlen(b64), NULL), 0);
  assert_int_equal(mk.secret_len, 32);
  assert_int_equal(mk.secret[0], 0xff);
  assert_int_equal(mk.secret[31], 0xff);
}

typedef struct bad_text {
  const char *text;
  size_t offset;
} bad_text;

static void test_parse_errors(void **state) {
  (void)state;
  static const bad_text bad[] = {
      {"", 0},
      {":000102030405060708090a0b0c0d0e0f", 0},
      {"x:000102030405060708090a0b0c0d0e0f", 0},
      {"-7:000102030405060708090a0b0c0d0e0f", 0},
      {"07:000102030405060708090a0b0c0d0e0f", 1},
      {"65536:000102030405060708090a0b0c0d0e0f", 0},
      {"99999999999:000102030405060708090a0b0c0d0e0f", 0},
      {"7", 1},
      {"7;000102030405060708090a0b0c0d0e0f", 1},
      {"7 :000102030405060708090a0b0c0d0e0f", 1},
      {"7:", 2},
      {"7:000102030405060708090a0b0c0d0e0", 2},
      {"7:000102030405060708090a0b0c0d0e0f0", 2},
      {"7:000102030405060708090a0b0c0d0e0f\n", 2},
      {"7:AAECAwQFBgcICQoLDA0OD", 2},
      {"7:00010203040506070809 a0b0c0d0e0f", 22},
      {"7:000102030405060708090a0b0c0d0e0g", 33},
      {"7:g00102030405060708090a0b0c0d0e0f", 2},
      {"7:AAECAwQFBgcICQoLDA0O+w", 22},
      {"7:AAECAwQFBgcICQoLDA0ODx", 23},
      {"7:AAECAwQFBgcICQoLDA0OD=", 23},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    ript_mediakey mk;
    memset(&mk, 0xaa, sizeof(mk));
    ript_parse_error err = {999, NULL};
    int rv = ript_mediakey_parse(&mk, bad[i].text, strlen(bad[i].text), &err);
    if (rv != RIPT_ERR_PARSE || err.offset != bad[i].offset)
      fail_msg("%s: rv %d offset %zu, want offset %zu", bad[i].text, rv,
               err.offset, bad[i].offset);
    assert_non_null(err.expected);
    assert_int_equal(mk.id, 0);
    assert_int_equal(mk.secret_len, 0);
    assert_int_equal(
        ript_mediakey_parse(&mk, bad[i].text, strlen(bad[i].text), NULL),
        RIPT_ERR_PARSE);
  }
  ript_mediakey mk;
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_mediakey_parse(&mk, NULL, 0, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
  assert_int_equal(ript_mediakey_parse(NULL, "7:", 2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_parse(&mk, NULL, 3, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

/* ---- key ids and derivation ---------------------------------------------- */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void test_key_ids(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  size_t n;
  uint8_t *c = ript_test_example_hex("mediakey-client-key-id", &n);
  uint8_t *s = ript_test_example_hex("mediakey-server-key-id", &n);
  assert_int_equal(ript_mediakey_key_id(&mk, RIPT_CHUNK_DIR_C2S, 0x1234),
                   be32(c));
  assert_int_equal(ript_mediakey_key_id(&mk, RIPT_CHUNK_DIR_S2C, 0x0042),
                   be32(s));
  /* Only 15 random bits: the direction bit cannot be overridden. */
  assert_int_equal(ript_mediakey_key_id(&mk, RIPT_CHUNK_DIR_C2S, 0xffff),
                   0x00077fffu);
  assert_int_equal(ript_mediakey_key_id(NULL, RIPT_CHUNK_DIR_S2C, 1),
                   0x8001u);
  assert_true(ript_mediakey_matches(&mk, be32(c)));
  assert_true(ript_mediakey_matches(&mk, 0x0007ffffu));
  assert_false(ript_mediakey_matches(&mk, 0x00081234u));
  assert_false(ript_mediakey_matches(&mk, 7));
  assert_false(ript_mediakey_matches(NULL, be32(c)));
  free(c);
  free(s);
}

static void check_derived(const ript_mediakey *mk, const char *id_name,
                          const char *key_name, const char *salt_name) {
  size_t n;
  uint8_t *id = ript_test_example_hex(id_name, &n);
  ript_chunk_key key;
  assert_int_equal(ript_mediakey_derive(mk, be32(id), &key), 0);
  assert_int_equal(key.id, be32(id));
  assert_int_equal(key.cipher, RIPT_CHUNK_CIPHER_AES128_GCM);
  assert_int_equal(key.tag_len, 16);
  assert_example_bytes(key_name, key.key, key.key_len);
  assert_example_bytes(salt_name, key.salt, sizeof(key.salt));
  ript_chunk_key_free(&key);
  free(id);
}

static void test_derive_example(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  check_derived(&mk, "mediakey-client-key-id", "mediakey-client-key",
                "mediakey-client-salt");
  check_derived(&mk, "mediakey-server-key-id", "mediakey-server-key",
                "mediakey-server-salt");
  /* The PRK is what ript_chunk_key_derive extracts: checked there
   * (chunk_test.c); here the block is at least well formed. */
  size_t n;
  free(ript_test_example_hex("mediakey-prk", &n));
  assert_int_equal(n, 32);
}

static void test_derive_errors(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  ript_chunk_key key;
  assert_int_equal(ript_mediakey_derive(&mk, 0x00081234u, &key),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_chunk_key_free(&key);
  assert_int_equal(ript_mediakey_derive(NULL, 0x00071234u, &key),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_derive(&mk, 0x00071234u, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_mediakey empty;
  memset(&empty, 0, sizeof(empty));
  assert_int_equal(ript_mediakey_derive(&empty, 0x1234u, &key),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_sender(&mk, 2, &key),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_sender(NULL, 0, &key),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_sender(&mk, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_mediakey_random_start(NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_sender_and_random(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  for (int i = 0; i < 16; ++i) {
    ript_chunk_key c, s;
    assert_int_equal(ript_mediakey_sender(&mk, RIPT_CHUNK_DIR_C2S, &c), 0);
    assert_int_equal(ript_mediakey_sender(&mk, RIPT_CHUNK_DIR_S2C, &s), 0);
    assert_int_equal(c.id & 0xffff8000u, 0x00070000u);
    assert_int_equal(s.id & 0xffff8000u, 0x00078000u);
    assert_int_not_equal(c.id, s.id);
    ript_chunk_key_free(&c);
    ript_chunk_key_free(&s);
    uint64_t v;
    assert_int_equal(ript_mediakey_random_start(&v), 0);
    assert_true(v < (UINT64_C(1) << 62));
  }
}

/* ---- the sealed chunk ---------------------------------------------------- */

static const uint8_t pcmu4[4] = {0xd5, 0xd5, 0xd5, 0xd5};

static void test_example_chunk(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  ript_chunk_key key;
  assert_int_equal(ript_mediakey_derive(&mk, 0x00071234u, &key), 0);
  ript_chunk c;
  ript_chunk_init(&c);
  c.source = c.sink = 1;
  c.sequence = 1000;
  c.timestamp = (uint64_t)TS0;
  c.payload_type = RIPT_PT_PCMU;
  c.media = pcmu4;
  c.media_len = sizeof(pcmu4);
  uint8_t out[128];
  ript_ssize n = ript_chunk_encode(out, sizeof(out), &c, &key);
  assert_true(n > 0);
  assert_example_bytes("mediakey-client-chunk", out, (size_t)n);
  /* The nonce of the example: salt XOR (0, 1, 1, 0, sequence). */
  uint8_t nonce[RIPT_CHUNK_NONCE_LEN] = {0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0xe8};
  for (size_t i = 0; i < sizeof(nonce); ++i)
    nonce[i] ^= key.salt[i];
  assert_example_bytes("mediakey-client-nonce", nonce, sizeof(nonce));
  /* A receiver deriving from the text opens it. */
  ript_chunk r;
  assert_int_equal(ript_chunk_parse(&r, out, (size_t)n, NULL), n);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &r), 0);
  ript_chunk_key rkey;
  assert_int_equal(ript_mediakey_derive(&mk, r.key_id, &rkey), 0);
  assert_int_equal(ript_chunk_open(&r, &rkey, 1, NULL), 0);
  assert_int_equal(r.media_len, 4);
  assert_memory_equal(r.media, pcmu4, 4);
  ript_chunk_key_free(&rkey);
  ript_chunk_key_free(&key);
}

/* ---- sessions ------------------------------------------------------------ */

typedef struct peer {
  ript_chunk_key tx;
  ript_media_stream st;
  ript_media_session *s;
} peer;

typedef struct got {
  int frames, sealed;
  ript_media_frame last;
  uint8_t chunk[256]; /* the sealed chunk, or the media */
  size_t chunk_len;
} got;

static void on_frame(const ript_media_frame *f, void *user_data) {
  got *g = user_data;
  g->last = *f;
  if (f->flags & RIPT_MEDIA_FRAME_FLAG_SEALED) {
    ++g->sealed;
    assert_true(f->chunk_len <= sizeof(g->chunk));
    memcpy(g->chunk, f->chunk, f->chunk_len);
    g->chunk_len = f->chunk_len;
  } else {
    ++g->frames;
    assert_true(f->media_len <= sizeof(g->chunk));
    memcpy(g->chunk, f->media, f->media_len); /* valid only now */
    g->last.media = NULL;
  }
}

/* A session of |role| sealing with its own key from |tx_mk| (NULL: none)
 * and opening with |rx_mk| (NULL: none). */
static void peer_new(peer *p, ript_media_role role, const ript_mediakey *tx_mk,
                     const ript_mediakey *rx_mk, bool deliver_sealed,
                     const ript_mem *mem, int expect) {
  memset(p, 0, sizeof(*p));
  p->st.source = p->st.sink = 1;
  p->st.payload_type = RIPT_PT_PCMU;
  assert_int_equal(ript_mediakey_random_start(&p->st.initial_sequence), 0);
  ript_media_config c;
  ript_media_config_init(&c);
  c.role = role;
  c.tx_streams = c.rx_streams = &p->st;
  c.ntx_streams = c.nrx_streams = 1;
  if (tx_mk) {
    uint8_t dir =
        role == RIPT_MEDIA_ROLE_CLIENT ? RIPT_CHUNK_DIR_C2S : RIPT_CHUNK_DIR_S2C;
    assert_int_equal(ript_mediakey_sender(tx_mk, dir, &p->tx), 0);
    c.tx_key = &p->tx;
  }
  c.rx_mediakey = rx_mk;
  c.deliver_sealed = deliver_sealed;
  assert_int_equal(ript_media_session_new(&p->s, &c, TS0, mem), expect);
}

static void peer_del(peer *p) {
  ript_media_session_del(p->s);
  ript_chunk_key_free(&p->tx);
}

static void send1(peer *p, int64_t t, ript_buf *b) {
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = f.sink = 1;
  f.payload_type = RIPT_PT_PCMU;
  f.timestamp = (uint64_t)t;
  f.media = pcmu4;
  f.media_len = sizeof(pcmu4);
  assert_true(ript_media_send(p->s, &f, t, b, NULL) > 0);
}

static ript_media_stats stats(const peer *p) {
  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(p->s, &st), 0);
  return st;
}

/* |from| sends one chunk (and its acks owed) to |to| at |t|. */
static int hop(peer *from, peer *to, int64_t t, got *g) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  send1(from, t, &b);
  assert_true(ript_media_take_acks(from->s, t, &b, 0) >= 0);
  int rv = ript_media_receive(to->s, b.data, b.len, t + 5, on_frame, g);
  ript_buf_free(&b);
  return rv;
}

/* The sequence number TLV length of the chunk |p| sends next. */
static size_t next_sequence_len(peer *p, int64_t t) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  send1(p, t, &b);
  ript_chunk c;
  assert_true(ript_chunk_parse(&c, b.data, b.len, NULL) > 0);
  ript_buf_free(&b);
  return c.sequence_len;
}

static void test_session_round_trip(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  peer cl, sv;
  peer_new(&cl, RIPT_MEDIA_ROLE_CLIENT, &mk, &mk, false, NULL, 0);
  peer_new(&sv, RIPT_MEDIA_ROLE_SERVER, &mk, &mk, false, NULL, 0);
  got gc, gs;
  memset(&gc, 0, sizeof(gc));
  memset(&gs, 0, sizeof(gs));
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(hop(&cl, &sv, TS0 + 20 * i, &gs), 1);
    assert_int_equal(hop(&sv, &cl, TS0 + 20 * i + 10, &gc), 1);
  }
  assert_int_equal(gs.last.key_id, cl.tx.id);
  assert_int_equal(gc.last.key_id, sv.tx.id);
  assert_int_equal(gs.last.media_len, 4);
  assert_memory_equal(gs.chunk, pcmu4, 4);
  ript_media_stats c = stats(&cl), s = stats(&sv);
  assert_int_equal(c.failed_total + s.failed_total, 0);
  assert_int_equal(c.acks_received, 4);
  assert_int_equal(s.acks_received, 3);
  assert_int_equal(c.hop_acks + s.hop_acks + c.undecryptable, 0);
  /* Authenticated acks move truncation on. */
  assert_int_equal(next_sequence_len(&cl, TS0 + 100), 2);
  peer_del(&cl);
  peer_del(&sv);
}

static void test_session_refusals(void **state) {
  (void)state;
  ript_mediakey mk, other;
  parse_example(&mk, "mediakey-hex");
  static const char text8[] = "8:000102030405060708090a0b0c0d0e0f";
  assert_int_equal(ript_mediakey_parse(&other, text8, strlen(text8), NULL), 0);
  peer sv, cl8, plain;
  peer_new(&sv, RIPT_MEDIA_ROLE_SERVER, &mk, &mk, false, NULL, 0);
  peer_new(&cl8, RIPT_MEDIA_ROLE_CLIENT, &other, &other, false, NULL, 0);
  peer_new(&plain, RIPT_MEDIA_ROLE_CLIENT, NULL, NULL, false, NULL, 0);
  got g;
  memset(&g, 0, sizeof(g));
  /* Another ID: unknown key, acknowledged unencrypted. */
  assert_int_equal(hop(&cl8, &sv, TS0, &g), 0);
  /* Unencrypted media to a holder of a media key: refused. */
  assert_int_equal(hop(&plain, &sv, TS0, &g), 0);
  ript_media_stats s = stats(&sv);
  assert_int_equal(s.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY], 1);
  assert_int_equal(s.failed[RIPT_MEDIA_FAIL_DECRYPT], 1);
  assert_int_equal(s.undecryptable, 2);
  assert_int_equal(s.undecryptable_reason, RIPT_MEDIA_FAIL_UNKNOWN_KEY);
  assert_true(s.undecryptable_keyed);
  assert_int_equal(s.undecryptable_key_id, cl8.tx.id);
  assert_int_equal(g.frames + g.sealed, 0);
  assert_int_equal(ript_media_pending_acks(sv.s), 2);
  /* The unencrypted acks reach both senders: the plain one takes it as
   * its own kind, the keyed one as a relay's. */
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_true(ript_media_take_acks(sv.s, TS0 + 10, &b, 0) > 0);
  uint8_t copy[512];
  assert_true(b.len <= sizeof(copy));
  memcpy(copy, b.data, b.len);
  ript_media_receive(cl8.s, b.data, b.len, TS0 + 15, NULL, NULL);
  ript_media_receive(plain.s, copy, b.len, TS0 + 15, NULL, NULL);
  ript_media_stats c8 = stats(&cl8), cp = stats(&plain);
  assert_int_equal(c8.hop_acks, 1);
  assert_int_equal(c8.acked, 1);
  assert_int_equal(c8.unacked, 0);
  assert_int_equal(c8.failed[RIPT_MEDIA_FAIL_UNKNOWN_STREAM], 0);
  assert_int_equal(cp.acks_received, 1);
  assert_int_equal(cp.acked, 1);
  /* Each got one ack of the chunk it sent and a bad one of the other's
   * (same stream, but a sequence number it never sent). */
  assert_int_equal(c8.failed[RIPT_MEDIA_FAIL_BAD_ACK], 1);
  assert_int_equal(cp.failed[RIPT_MEDIA_FAIL_BAD_ACK], 1);
  /* A relay's ack never moves truncation; an authenticated one does. */
  assert_int_equal(next_sequence_len(&cl8, TS0 + 40), 8);
  assert_int_equal(next_sequence_len(&plain, TS0 + 40), 2);
  ript_buf_free(&b);
  peer_del(&sv);
  peer_del(&cl8);
  peer_del(&plain);
}

/* A sender without a key to a receiver that holds one: its chunks are
 * acknowledged unopened, it truncates against those acks, and every later
 * chunk still expands (counted as undecryptable, never as no reference). */
static void test_session_plain_sender_truncates(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  peer sv, plain;
  peer_new(&sv, RIPT_MEDIA_ROLE_SERVER, &mk, &mk, false, NULL, 0);
  peer_new(&plain, RIPT_MEDIA_ROLE_CLIENT, NULL, NULL, false, NULL, 0);
  got g;
  memset(&g, 0, sizeof(g));
  for (int i = 0; i < 6; ++i) {
    int64_t t = TS0 + 20 * i;
    assert_int_equal(hop(&plain, &sv, t, &g), 0);
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_true(ript_media_take_acks(sv.s, t + 6, &b, 0) > 0);
    ript_media_receive(plain.s, b.data, b.len, t + 10, NULL, NULL);
    ript_buf_free(&b);
  }
  assert_int_equal(next_sequence_len(&plain, TS0 + 200), 2);
  ript_media_stats s = stats(&sv), p = stats(&plain);
  assert_int_equal(s.undecryptable, 6);
  assert_int_equal(s.failed[RIPT_MEDIA_FAIL_NO_REFERENCE], 0);
  assert_int_equal(p.acked, 6);
  peer_del(&sv);
  peer_del(&plain);
}

static void test_session_reflection(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  peer cl;
  peer_new(&cl, RIPT_MEDIA_ROLE_CLIENT, &mk, &mk, false, NULL, 0);
  /* The client's own chunk comes back as if the server had sent it (the
   * server stream is also 1 to 1). */
  ript_buf b;
  ript_buf_init(&b, NULL);
  send1(&cl, TS0, &b);
  got g;
  memset(&g, 0, sizeof(g));
  assert_int_equal(ript_media_receive(cl.s, b.data, b.len, TS0, on_frame, &g),
                   0);
  ript_media_stats st = stats(&cl);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY], 1);
  assert_int_equal(st.undecryptable_key_id, cl.tx.id);
  ript_buf_free(&b);
  peer_del(&cl);
}

/* Two clients with the same media key through a relay holding none: the
 * relay gets the sealed chunk as is, acknowledges it unencrypted, and the
 * other client opens it. */
static void test_session_relay(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-b64");
  peer a, b, relay_a, relay_b;
  peer_new(&a, RIPT_MEDIA_ROLE_CLIENT, &mk, &mk, false, NULL, 0);
  peer_new(&b, RIPT_MEDIA_ROLE_CLIENT, &mk, &mk, false, NULL, 0);
  peer_new(&relay_a, RIPT_MEDIA_ROLE_SERVER, NULL, NULL, true, NULL, 0);
  peer_new(&relay_b, RIPT_MEDIA_ROLE_SERVER, NULL, NULL, true, NULL, 0);
  assert_int_not_equal(a.tx.id, b.tx.id); /* 1 in 32768 to fail */
  for (int i = 0; i < 5; ++i) {
    int64_t t = TS0 + 20 * i;
    ript_buf body;
    ript_buf_init(&body, NULL);
    send1(&a, t, &body);
    assert_true(ript_media_take_acks(a.s, t, &body, 0) >= 0);
    got gr;
    memset(&gr, 0, sizeof(gr));
    ript_media_receive(relay_a.s, body.data, body.len, t + 5, on_frame, &gr);
    assert_int_equal(gr.sealed, 1);
    assert_int_equal(gr.frames, 0);
    assert_int_equal(gr.last.key_id, a.tx.id);
    /* The relay's ack back to a. */
    ript_buf_reset(&body);
    assert_true(ript_media_take_acks(relay_a.s, t + 6, &body, 0) > 0);
    ript_media_receive(a.s, body.data, body.len, t + 10, NULL, NULL);
    /* Forwarded unchanged to b. */
    got gb;
    memset(&gb, 0, sizeof(gb));
    assert_int_equal(ript_media_receive(b.s, gr.chunk, gr.chunk_len, t + 10,
                                        on_frame, &gb),
                     1);
    assert_memory_equal(gb.chunk, pcmu4, 4);
    assert_int_equal(gb.last.key_id, a.tx.id);
    /* b's ack of it: the relay cannot open it either. */
    ript_buf_reset(&body);
    assert_true(ript_media_take_acks(b.s, t + 11, &body, 0) > 0);
    ript_media_receive(relay_b.s, body.data, body.len, t + 15, NULL, NULL);
    ript_buf_free(&body);
  }
  ript_media_stats sa = stats(&a), sb = stats(&b), sr = stats(&relay_a),
                   srb = stats(&relay_b);
  assert_int_equal(sa.hop_acks, 5);
  assert_int_equal(sa.unacked, 0);
  assert_int_equal(sa.failed_total, 0);
  assert_int_equal(sb.received, 5);
  assert_int_equal(sb.failed_total, 0);
  assert_int_equal(sr.undecryptable, 5);
  assert_int_equal(sr.received, 0);
  assert_int_equal(srb.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY], 5);
  /* a kept sending full values, so a late joiner could expand them. */
  assert_int_equal(next_sequence_len(&a, TS0 + 200), 8);
  peer_del(&a);
  peer_del(&b);
  peer_del(&relay_a);
  peer_del(&relay_b);
}

static void test_session_errors_and_nomem(void **state) {
  (void)state;
  ript_mediakey mk;
  parse_example(&mk, "mediakey-hex");
  ript_mediakey bad = mk;
  bad.secret_len = 20;
  peer p;
  peer_new(&p, RIPT_MEDIA_ROLE_CLIENT, NULL, &bad, false, NULL,
           RIPT_ERR_INVALID_ARGUMENT);
  peer_del(&p);
  for (long fail = 0;; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    ript_media_config c;
    ript_media_config_init(&c);
    c.rx_mediakey = &mk;
    ript_media_session *s = NULL;
    int rv = ript_media_session_new(&s, &c, TS0, &fm.mem);
    if (rv == 0) {
      ript_media_session_del(s);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_examples),
      cmocka_unit_test(test_parse_forms),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_key_ids),
      cmocka_unit_test(test_derive_example),
      cmocka_unit_test(test_derive_errors),
      cmocka_unit_test(test_sender_and_random),
      cmocka_unit_test(test_example_chunk),
      cmocka_unit_test(test_session_round_trip),
      cmocka_unit_test(test_session_refusals),
      cmocka_unit_test(test_session_plain_sender_truncates),
      cmocka_unit_test(test_session_reflection),
      cmocka_unit_test(test_session_relay),
      cmocka_unit_test(test_session_errors_and_nomem),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

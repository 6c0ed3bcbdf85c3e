#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ript/chunk.h"
#include "testutil.h"

/* 2020-02-10T00:00:00Z in ms: the examples' stream start. */
#define TS0 UINT64_C(1581292800000)

static const char example_master[] = "ript example master secret";

/* ---- helpers ------------------------------------------------------------- */

/* Decodes hex (spaces allowed) into a malloc'd buffer; free() it. */
static uint8_t *hex(const char *s, size_t *len) {
  uint8_t *out = malloc(strlen(s) / 2 + 1);
  assert_non_null(out);
  size_t n = 0;
  int high = -1;
  for (; *s; ++s) {
    if (*s == ' ')
      continue;
    char c = *s;
    int v = c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  assert_true(high < 0);
  *len = n;
  return out;
}

static void derive_example_key(ript_chunk_key *key, uint32_t id,
                               ript_chunk_cipher cipher, size_t tag_len) {
  assert_int_equal(ript_chunk_key_derive(key, id, cipher,
                                         (const uint8_t *)example_master,
                                         strlen(example_master), tag_len),
                   0);
}

/* A receiver state that has seen one chunk, so truncated values expand. */
static ript_chunk_stream_rx rx_seen(uint64_t sequence, uint64_t timestamp) {
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  rx.valid = true;
  rx.largest_sequence = sequence;
  rx.largest_timestamp = timestamp;
  return rx;
}

/* Parse, expand, open one chunk; returns the first failing step's code. */
static int receive(ript_chunk *c, uint8_t *data, size_t len,
                   const ript_chunk_stream_rx *rx, const ript_chunk_key *keys,
                   size_t nkeys, ript_parse_error *err) {
  ript_ssize n = ript_chunk_parse(c, data, len, err);
  if (n < 0)
    return (int)n;
  assert_int_equal(n, len);
  int rv = ript_chunk_stream_rx_expand(rx, c);
  if (rv < 0)
    return rv;
  return ript_chunk_open(c, keys, nkeys, err);
}

static int receive_null(ript_chunk *c, uint8_t *data, size_t len,
                        ript_parse_error *err) {
  ript_chunk_stream_rx rx = rx_seen(0, 0);
  return receive(c, data, len, &rx, NULL, 0, err);
}

static const uint8_t media_a[] = {0xff, 0xfe, 0xfd, 0xfc,
                                  0x7c, 0x7d, 0x7e, 0x7f};
static const uint8_t media_b[] = {0x7e, 0x7f, 0x7f, 0x7e,
                                  0xfe, 0xff, 0xff, 0xfe};
static const uint8_t media_d[] = {0x78, 0x80, 0xa1, 0xb2, 0xc3,
                                  0xd4, 0xe5, 0xf6, 0x07, 0x18};

static void chunk_a(ript_chunk *c) {
  ript_chunk_init(c);
  c->source = 1;
  c->sink = 1;
  c->sequence = 1;
  c->timestamp = TS0;
  c->payload_type = 0;
  c->media = media_a;
  c->media_len = sizeof(media_a);
}

static void chunk_d(ript_chunk *c) {
  ript_chunk_init(c);
  c->source = 2;
  c->sink = 1;
  c->sequence = 1;
  c->timestamp = TS0 + 1000;
  c->payload_type = 100;
  c->has_level = true;
  c->level = 20;
  c->media = media_d;
  c->media_len = sizeof(media_d);
}

static void assert_encodes_to(const ript_chunk *c, const ript_chunk_key *key,
                              const char *example) {
  size_t len;
  uint8_t *want = ript_test_example_hex(example, &len);
  uint8_t out[256];
  assert_int_equal(ript_chunk_encode(out, sizeof(out), c, key), len);
  assert_memory_equal(out, want, len);
  free(want);
}

/* ---- worked examples ----------------------------------------------------- */

static void test_example_a_pcmu_full(void **state) {
  (void)state;
  ript_chunk c;
  chunk_a(&c);
  assert_encodes_to(&c, NULL, "chunk-a-pcmu-full");

  size_t len;
  uint8_t *data = ript_test_example_hex("chunk-a-pcmu-full", &len);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  assert_int_equal(receive(&c, data, len, &rx, NULL, 0, NULL), 0);
  assert_int_equal(c.kind, RIPT_CHUNK_KIND_MEDIA);
  assert_int_equal(c.source, 1);
  assert_int_equal(c.sink, 1);
  assert_true(c.sequence == 1);
  assert_int_equal(c.sequence_len, 8);
  assert_true(c.timestamp == TS0);
  assert_int_equal(c.timestamp_len, 8);
  assert_int_equal(c.payload_type, 0);
  assert_false(c.has_key_id);
  assert_false(c.reference);
  assert_false(c.has_level);
  assert_int_equal(c.spatial_layer, 0);
  assert_int_equal(c.temporal_layer, 0);
  assert_int_equal(c.media_len, sizeof(media_a));
  assert_memory_equal(c.media, media_a, sizeof(media_a));
  assert_ptr_equal(c.data, data);
  assert_int_equal(c.aad_len, 29);
  assert_int_equal(c.sealed_len, 10);
  assert_int_equal(c.flags, RIPT_CHUNK_FLAG_PARSED | RIPT_CHUNK_FLAG_EXPANDED |
                                RIPT_CHUNK_FLAG_OPENED);
  free(data);
}

static void test_example_b_pcmu_truncated(void **state) {
  (void)state;
  /* Sender: chunk (a) has been acknowledged. */
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  ript_chunk_ack ack = {RIPT_CHUNK_DIR_C2S, 1, 1, 1, TS0};
  ript_chunk_stream_tx_on_ack(&tx, &ack);
  ript_chunk c;
  chunk_a(&c);
  c.sequence = 200;
  c.timestamp = TS0 + 199 * 20;
  c.media = media_b;
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 2);
  assert_int_equal(c.timestamp_len, 2);
  assert_encodes_to(&c, NULL, "chunk-b-pcmu-truncated");

  /* Receiver: has only ever seen chunk (a). */
  size_t len;
  uint8_t *data = ript_test_example_hex("chunk-b-pcmu-truncated", &len);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  assert_int_equal(ript_chunk_parse(&c, data, len, NULL), len);
  assert_true(c.sequence == 200);
  assert_int_equal(c.sequence_len, 2);
  assert_true(c.timestamp == 0x578c);
  assert_int_equal(c.timestamp_len, 2);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), RIPT_ERR_RANGE);
  rx = rx_seen(1, TS0);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  assert_true(c.sequence == 200);
  assert_true(c.timestamp == TS0 + 3980);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL), 0);
  assert_memory_equal(c.media, media_b, sizeof(media_b));
  assert_int_equal(ript_chunk_stream_rx_update(&rx, &c), 0);
  assert_true(rx.largest_sequence == 200);
  assert_true(rx.largest_timestamp == TS0 + 3980);
  free(data);
}

static void test_example_c_ack(void **state) {
  (void)state;
  size_t alen;
  uint8_t *a = ript_test_example_hex("chunk-a-pcmu-full", &alen);
  ript_chunk received, c;
  assert_int_equal(receive_null(&received, a, alen, NULL), 0);
  assert_int_equal(ript_chunk_fill_ack(&c, &received, RIPT_CHUNK_DIR_C2S, 1,
                                       (int64_t)TS0 + 45),
                   0);
  assert_encodes_to(&c, NULL, "chunk-c-ack");

  size_t len;
  uint8_t *data = ript_test_example_hex("chunk-c-ack", &len);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx); /* control chunks need no stream state */
  assert_int_equal(receive(&c, data, len, &rx, NULL, 0, NULL), 0);
  assert_int_equal(c.kind, RIPT_CHUNK_KIND_CONTROL);
  assert_int_equal(c.control_type, RIPT_CHUNK_CONTROL_ACK);
  assert_true(c.sequence == 1);
  assert_true(c.timestamp == TS0 + 45);
  assert_int_equal(c.source, 0);
  assert_int_equal(c.sink, 0);
  assert_int_equal(c.ack.direction, RIPT_CHUNK_DIR_C2S);
  assert_int_equal(c.ack.source, 1);
  assert_int_equal(c.ack.sink, 1);
  assert_true(c.ack.sequence == 1);
  assert_true(c.ack.timestamp == TS0);
  assert_null(c.media);
  assert_int_equal(c.package_len, 29);
  assert_int_equal(ript_chunk_stream_rx_update(&rx, &c),
                   RIPT_ERR_INVALID_ARGUMENT);
  free(data);
  free(a);
}

static void test_example_d_key_derivation(void **state) {
  (void)state;
  size_t len;
  uint8_t *want_prk = ript_test_example_hex("chunk-d-prk", &len);
  assert_int_equal(len, 32);
  /* PRK straight from GnuTLS, to pin the extract step on its own. */
  gnutls_datum_t ikm = {(unsigned char *)(uintptr_t)example_master,
                        (unsigned)strlen(example_master)};
  gnutls_datum_t salt = {NULL, 0};
  uint8_t prk[32];
  assert_int_equal(gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, prk), 0);
  assert_memory_equal(prk, want_prk, 32);
  free(want_prk);

  ript_chunk_key key;
  derive_example_key(&key, 7, RIPT_CHUNK_CIPHER_AES128_GCM, 16);
  assert_int_equal(key.id, 7);
  assert_int_equal(key.cipher, RIPT_CHUNK_CIPHER_AES128_GCM);
  assert_int_equal(key.key_len, 16);
  assert_int_equal(key.tag_len, 16);
  uint8_t *want = ript_test_example_hex("chunk-d-key", &len);
  assert_int_equal(len, 16);
  assert_memory_equal(key.key, want, 16);
  free(want);
  want = ript_test_example_hex("chunk-d-salt", &len);
  assert_int_equal(len, 12);
  assert_memory_equal(key.salt, want, 12);
  free(want);

  /* The nonce, computed here from its definition. */
  uint8_t nonce[12] = {0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (int i = 0; i < 12; ++i)
    nonce[i] ^= key.salt[i];
  want = ript_test_example_hex("chunk-d-nonce", &len);
  assert_int_equal(len, 12);
  assert_memory_equal(nonce, want, 12);
  free(want);
  ript_chunk_key_free(&key);
}

static void check_keyed_example(const char *example, size_t tag_len) {
  ript_chunk_key key;
  derive_example_key(&key, 7, RIPT_CHUNK_CIPHER_AES128_GCM, tag_len);
  ript_chunk c;
  chunk_d(&c);
  assert_encodes_to(&c, &key, example);

  size_t len;
  uint8_t *data = ript_test_example_hex(example, &len);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  assert_int_equal(receive(&c, data, len, &rx, &key, 1, NULL), 0);
  assert_true(c.has_key_id);
  assert_int_equal(c.key_id, 7);
  assert_int_equal(c.source, 2);
  assert_int_equal(c.sink, 1);
  assert_true(c.sequence == 1);
  assert_true(c.timestamp == TS0 + 1000);
  assert_int_equal(c.payload_type, 100);
  assert_true(c.has_level);
  assert_int_equal(c.level, 20);
  assert_int_equal(c.aad_len, 35);
  assert_int_equal(c.sealed_len, tag_len + 12);
  assert_int_equal(c.media_len, sizeof(media_d));
  assert_memory_equal(c.media, media_d, sizeof(media_d));
  /* Decrypted in place: the package now sits in the caller's bytes. */
  assert_ptr_equal(c.package, data + 37 + tag_len);
  free(data);
  ript_chunk_key_free(&key);
}

static void test_example_d_aes128_tag16(void **state) {
  (void)state;
  check_keyed_example("chunk-d-aes128-tag16", 16);
}

static void test_example_e_aes128_tag8(void **state) {
  (void)state;
  check_keyed_example("chunk-e-aes128-tag8", 8);
}

/* ---- independent AES-GCM check ------------------------------------------- */

/*
 * Seals |c| with the library, then again by calling GnuTLS directly on the
 * package (taken from a NULL-cipher encoding), the envelope as AAD and the
 * nonce built here from the definition, and compares.
 */
static void cross_check_seal(const ript_chunk *c, const ript_chunk_key *key) {
  uint8_t sealed[512], plain[512];
  ript_ssize n = ript_chunk_encode(sealed, sizeof(sealed), c, key);
  ript_ssize pn = ript_chunk_encode(plain, sizeof(plain), c, NULL);
  assert_true(n > 0 && pn > 0);
  ript_chunk ps, ss;
  assert_int_equal(ript_chunk_parse(&ps, plain, (size_t)pn, NULL), pn);
  assert_int_equal(ript_chunk_parse(&ss, sealed, (size_t)n, NULL), n);
  assert_int_equal(ss.sealed_len, ps.sealed_len + key->tag_len);

  uint8_t nonce[12] = {c->kind, c->source, c->sink, 0};
  for (int i = 0; i < 8; ++i)
    nonce[4 + i] = (uint8_t)(c->sequence >> (56 - 8 * i));
  for (int i = 0; i < 12; ++i)
    nonce[i] ^= key->salt[i];
  gnutls_cipher_algorithm_t alg = key->cipher == RIPT_CHUNK_CIPHER_AES128_GCM
                                      ? GNUTLS_CIPHER_AES_128_GCM
                                      : GNUTLS_CIPHER_AES_256_GCM;
  gnutls_datum_t k = {(unsigned char *)(uintptr_t)key->key,
                      (unsigned)key->key_len};
  gnutls_aead_cipher_hd_t h;
  assert_int_equal(gnutls_aead_cipher_init(&h, alg, &k), 0);
  uint8_t out[512];
  size_t out_len = sizeof(out);
  assert_int_equal(gnutls_aead_cipher_encrypt(h, nonce, 12, sealed, ss.aad_len,
                                              key->tag_len, ps.sealed,
                                              ps.sealed_len, out, &out_len),
                   0);
  gnutls_aead_cipher_deinit(h);
  /* GnuTLS appends the tag; the chunk puts it first. */
  assert_int_equal(out_len, ps.sealed_len + key->tag_len);
  assert_memory_equal(ss.sealed, out + ps.sealed_len, key->tag_len);
  assert_memory_equal(ss.sealed + key->tag_len, out, ps.sealed_len);
}

static void test_gcm_matches_gnutls_directly(void **state) {
  (void)state;
  static const ript_chunk_cipher ciphers[] = {RIPT_CHUNK_CIPHER_AES128_GCM,
                                              RIPT_CHUNK_CIPHER_AES256_GCM};
  static const size_t tags[] = {16, 12, 8};
  static const uint32_t ids[] = {0, 7, 300, UINT32_MAX};
  static const uint64_t seqs[] = {0, 1, 0x0102030405060708, UINT64_MAX};
  uint8_t media[100];
  for (size_t i = 0; i < sizeof(media); ++i)
    media[i] = (uint8_t)(i * 7);
  for (size_t ci = 0; ci < 2; ++ci)
    for (size_t ti = 0; ti < 3; ++ti) {
      ript_chunk_key key;
      derive_example_key(&key, ids[(ci * 3 + ti) % 4], ciphers[ci], tags[ti]);
      for (size_t si = 0; si < 4; ++si) {
        ript_chunk c;
        chunk_d(&c);
        c.sequence = seqs[si];
        c.source = (uint8_t)(si + 1);
        c.sink = (uint8_t)(255 - si);
        c.media = media;
        c.media_len = si * 33;
        c.sequence_len = (uint8_t)(si + 5);
        cross_check_seal(&c, &key);
        ript_chunk ack;
        ript_chunk_init(&ack);
        ack.kind = RIPT_CHUNK_KIND_CONTROL;
        ack.control_type = RIPT_CHUNK_CONTROL_ACK;
        ack.sequence = seqs[si];
        ack.timestamp = TS0;
        ack.ack = (ript_chunk_ack){RIPT_CHUNK_DIR_S2C, 3, 4, seqs[si], TS0};
        cross_check_seal(&ack, &key);
      }
      ript_chunk_key_free(&key);
    }
}

/* ---- round trips --------------------------------------------------------- */

static void assert_same_ack(const ript_chunk_ack *got,
                            const ript_chunk_ack *want) {
  assert_int_equal(got->direction, want->direction);
  assert_int_equal(got->source, want->source);
  assert_int_equal(got->sink, want->sink);
  assert_true(got->sequence == want->sequence);
  assert_true(got->timestamp == want->timestamp);
}

static void assert_same_chunk(const ript_chunk *got, const ript_chunk *want) {
  assert_int_equal(got->kind, want->kind);
  assert_int_equal(got->control_type, want->control_type);
  assert_int_equal(got->source, want->source);
  assert_int_equal(got->sink, want->sink);
  assert_true(got->sequence == want->sequence);
  assert_int_equal(got->sequence_len, want->sequence_len);
  assert_true(got->timestamp == want->timestamp);
  assert_int_equal(got->timestamp_len, want->timestamp_len);
  assert_int_equal(got->payload_type, want->payload_type);
  assert_int_equal(got->reference, want->reference);
  assert_int_equal(got->spatial_layer, want->spatial_layer);
  assert_int_equal(got->temporal_layer, want->temporal_layer);
  assert_int_equal(got->has_level, want->has_level);
  if (want->has_level)
    assert_int_equal(got->level, want->level);
  if (want->kind == RIPT_CHUNK_KIND_MEDIA) {
    assert_int_equal(got->media_len, want->media_len);
    if (want->media_len)
      assert_memory_equal(got->media, want->media, want->media_len);
  } else if (want->control_type == RIPT_CHUNK_CONTROL_ACK) {
    assert_same_ack(&got->ack, &want->ack);
  } else {
    assert_int_equal(got->package_len, want->package_len);
    if (want->package_len)
      assert_memory_equal(got->package, want->package, want->package_len);
  }
}

/* Encodes |c| (with |key| or NULL), decodes it back and compares; the
 * truncated values are expanded against a receiver that saw |c|'s values. */
static void round_trip(const ript_chunk *c, const ript_chunk_key *key) {
  uint8_t buf[40000];
  ript_ssize n = ript_chunk_encode(buf, sizeof(buf), c, key);
  assert_true(n > 0);
  ript_chunk got;
  ript_chunk_stream_rx rx = rx_seen(c->sequence, c->timestamp);
  assert_int_equal(receive(&got, buf, (size_t)n, &rx, key, key ? 1 : 0, NULL),
                   0);
  assert_same_chunk(&got, c);
  assert_int_equal(got.has_key_id, key != NULL);
  if (key)
    assert_int_equal(got.key_id, key->id);
}

static void test_round_trip_media_fields(void **state) {
  (void)state;
  static const uint32_t pts[] = {0,     1,     100,      255,      256,
                                 65535, 65536, 0xffffff, 1u << 24, UINT32_MAX};
  static const uint64_t values[] = {
      0, 1, 0xff, 0x100, 0x123456789abcdef0, UINT64_MAX};
  ript_chunk c;
  for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); ++i) {
    chunk_a(&c);
    c.payload_type = pts[i];
    round_trip(&c, NULL);
  }
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); ++i)
    for (uint8_t len = 1; len <= 8; ++len) {
      chunk_a(&c);
      c.sequence = values[i];
      c.sequence_len = len;
      c.timestamp = values[i] ^ 0x5555;
      c.timestamp_len = (uint8_t)(9 - len);
      round_trip(&c, NULL);
    }
  chunk_a(&c);
  c.source = 255;
  c.sink = 254;
  c.reference = true;
  c.spatial_layer = 1;
  c.temporal_layer = 255;
  c.has_level = true;
  c.level = 0;
  round_trip(&c, NULL);
  c.spatial_layer = 255;
  c.temporal_layer = 1;
  c.level = 127;
  round_trip(&c, NULL);
  c.media_len = 0;
  c.media = NULL;
  round_trip(&c, NULL);
}

static void test_round_trip_sizes_and_keys(void **state) {
  (void)state;
  static uint8_t big[20000];
  for (size_t i = 0; i < sizeof(big); ++i)
    big[i] = (uint8_t)(i ^ (i >> 8));
  /* Media lengths around the 1/2/4-byte varint length boundaries. */
  static const size_t lens[] = {0,  1,  59,    60,    61,   62,
                                63, 64, 16380, 16384, 20000};
  static const uint32_t ids[] = {0, 255, 256, 65535, 65536, UINT32_MAX};
  ript_chunk c;
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); ++i) {
    chunk_a(&c);
    c.media = big;
    c.media_len = lens[i];
    round_trip(&c, NULL);
  }
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); ++i) {
    ript_chunk_key key;
    derive_example_key(&key, ids[i],
                       i % 2 ? RIPT_CHUNK_CIPHER_AES256_GCM
                             : RIPT_CHUNK_CIPHER_AES128_GCM,
                       i % 3 == 0   ? 16
                       : i % 3 == 1 ? 12
                                    : 8);
    chunk_d(&c);
    c.media = big;
    c.media_len = lens[i * 2];
    round_trip(&c, &key);
    ript_chunk_key_free(&key);
  }
}

static void test_round_trip_control(void **state) {
  (void)state;
  ript_chunk c;
  ript_chunk_init(&c);
  c.kind = RIPT_CHUNK_KIND_CONTROL;
  c.control_type = RIPT_CHUNK_CONTROL_ACK;
  c.sequence = UINT64_MAX;
  c.timestamp = 0;
  c.ack = (ript_chunk_ack){RIPT_CHUNK_DIR_S2C, 255, 1, UINT64_MAX, 0};
  round_trip(&c, NULL);
  c.ack = (ript_chunk_ack){RIPT_CHUNK_DIR_C2S, 1, 255, 0, UINT64_MAX};
  ript_chunk_key key;
  derive_example_key(&key, 1, RIPT_CHUNK_CIPHER_AES256_GCM, 12);
  round_trip(&c, &key);
  ript_chunk_key_free(&key);

  /* Other control types carry the package as given. */
  static const uint8_t pkg[] = {0x20, 0x02, 0xab, 0xcd};
  c.control_type = 0xbeef;
  c.package = pkg;
  c.package_len = sizeof(pkg);
  round_trip(&c, NULL);
  c.control_type = 0;
  c.package = NULL;
  c.package_len = 0;
  round_trip(&c, NULL);
}

/* ---- malformed envelopes ------------------------------------------------- */

typedef struct bad_case {
  const char *hex;
  int rv;
  size_t offset;
} bad_case;

/* 8-byte values for the control chunk cases. */
#define F8 "0000000000000001"

static void test_parse_errors(void **state) {
  (void)state;
  static const bad_case cases[] = {
      /* input ends early */
      {"", RIPT_ERR_TRUNCATED, 0},
      {"06", RIPT_ERR_TRUNCATED, 1},
      {"0601", RIPT_ERR_TRUNCATED, 2},
      {"0640", RIPT_ERR_TRUNCATED, 2},
      {"c000", RIPT_ERR_TRUNCATED, 2},
      {"060101 070101 010101 020101 030100", RIPT_ERR_TRUNCATED, 15},
      {"060101 070101 010101 020101 030100 0005 0400", RIPT_ERR_TRUNCATED, 19},
      {"060101 070101 010101 020101 030100 00", RIPT_ERR_TRUNCATED, 16},
      /* known type twice */
      {"060101 060102 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       3},
      {"060101 070101 010101 020101 030100 030100 0002 0400", RIPT_ERR_PARSE,
       15},
      /* wrong lengths: offset of the length */
      {"06020101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 1},
      {"060101 0700 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 4},
      {"060101 070101 0100 020101 030100 0002 0400", RIPT_ERR_PARSE, 7},
      {"060101 070101 0109 000000000000000001 020101 030100 0002 0400",
       RIPT_ERR_PARSE, 7},
      {"060101 070101 010101 0209 000000000000000001 030100 0002 0400",
       RIPT_ERR_PARSE, 10},
      {"060101 070101 010101 020101 0300 0002 0400", RIPT_ERR_PARSE, 13},
      {"060101 070101 010101 020101 03050000000064 0002 0400", RIPT_ERR_PARSE,
       13},
      {"050200 060101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       1},
      {"060101 070101 010101 020101 030100 080200 0002 0400", RIPT_ERR_PARSE,
       16},
      {"060101 070101 010101 020101 030100 090200 0002 0400", RIPT_ERR_PARSE,
       16},
      {"060101 070101 010101 020101 030100 0a00 0002 0400", RIPT_ERR_PARSE, 16},
      {"060101 070101 010101 020101 030100 0b020000 0002 0400", RIPT_ERR_PARSE,
       16},
      {"0c0101 060101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       1},
      {"0d00 060101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 1},
      {"0d050000000007 060101 070101 010101 020101 030100 0002 0400",
       RIPT_ERR_PARSE, 1},
      /* wrong values: offset of the value */
      {"050107 060101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       2},
      {"050102 060101 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       2},
      {"060101 070101 010101 020101 030100 080102 0002 0400", RIPT_ERR_PARSE,
       17},
      {"060101 070101 010101 020101 030100 0b0180 0002 0400", RIPT_ERR_PARSE,
       17},
      {"060101 070101 010101 020101 030100 0b01c8 0002 0400", RIPT_ERR_PARSE,
       17},
      {"060100 070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 2},
      {"060101 070100 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 5},
      /* media chunks: control type forbidden, required fields */
      {"060101 070101 0c020001 010101 020101 030100 0002 0400", RIPT_ERR_PARSE,
       6},
      {"070101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 12},
      {"060101 010101 020101 030100 0002 0400", RIPT_ERR_PARSE, 12},
      {"060101 070101 020101 030100 0002 0400", RIPT_ERR_PARSE, 12},
      {"060101 070101 010101 030100 0002 0400", RIPT_ERR_PARSE, 12},
      {"060101 070101 010101 020101 0002 0400", RIPT_ERR_PARSE, 12},
      {"0000", RIPT_ERR_PARSE, 0},
      /* control chunks: full values, no media fields, required fields */
      {"050101 0c020001 0101"
       "01"
       " 0208" F8 " 0000",
       RIPT_ERR_PARSE, 8},
      {"050101 0c020001 0108" F8 " 020101 0000", RIPT_ERR_PARSE, 18},
      {"050101 0c020001 060101 0108" F8 " 0208" F8 " 0000", RIPT_ERR_PARSE, 7},
      {"050101 0c020001 0108" F8 " 0208" F8 " 030100 0000", RIPT_ERR_PARSE, 27},
      {"050101 0c020001 0108" F8 " 0208" F8 " 080100 0000", RIPT_ERR_PARSE, 27},
      {"050101 0c020001 0108" F8 " 0208" F8 " 0b0100 0000", RIPT_ERR_PARSE, 27},
      {"050101 0108" F8 " 0208" F8 " 0000", RIPT_ERR_PARSE, 23},
      {"050101 0c020001 0208" F8 " 0000", RIPT_ERR_PARSE, 17},
      {"050101 0c020001 0108" F8 " 0000", RIPT_ERR_PARSE, 17},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    size_t len;
    uint8_t *data = hex(cases[i].hex, &len);
    ript_chunk c;
    ript_parse_error err = {9999, NULL};
    ript_ssize rv = ript_chunk_parse(&c, data, len, &err);
    if (rv != cases[i].rv || err.offset != cases[i].offset)
      fail_msg("case %zu (%s): got %d at %zu, want %d at %zu", i, cases[i].hex,
               (int)rv, err.offset, cases[i].rv, cases[i].offset);
    assert_non_null(err.expected);
    assert_false(c.flags & RIPT_CHUNK_FLAG_PARSED);
    free(data);
  }
}

/* Every proper prefix of a valid chunk is truncated input. */
static void test_every_prefix_truncated(void **state) {
  (void)state;
  static const char *examples[] = {"chunk-a-pcmu-full", "chunk-c-ack",
                                   "chunk-d-aes128-tag16"};
  for (size_t e = 0; e < 3; ++e) {
    size_t len;
    uint8_t *data = ript_test_example_hex(examples[e], &len);
    for (size_t n = 0; n < len; ++n) {
      ript_chunk c;
      ript_parse_error err;
      assert_int_equal(ript_chunk_parse(&c, data, n, &err), RIPT_ERR_TRUNCATED);
      assert_int_equal(err.offset, n);
    }
    free(data);
  }
}

static void test_lenient_envelopes_accepted(void **state) {
  (void)state;
  static const struct {
    const char *hex;
    uint32_t payload_type;
  } cases[] = {
      /* non-minimal varints for types and lengths */
      {"4006 4001 01 80000007 01 01 010101 020101 030100 0002 0400", 0},
      /* unknown types, including 4 and 14 and a 2-byte type, skipped */
      {"3f02aabb 060101 0401ff 0e0100 4100 00 070101 010101 020101 030100 "
       "ffffffffffffffff 00 0002 0400",
       0},
      /* explicit defaults and a non-minimal payload type */
      {"050100 060101 070101 080100 090100 0a0100 010101 020101 "
       "030400000064 0002 0400",
       100},
      /* any order */
      {"030100 020101 010101 070101 060101 0002 0400", 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    size_t len;
    uint8_t *data = hex(cases[i].hex, &len);
    ript_chunk c;
    assert_int_equal(receive_null(&c, data, len, NULL), 0);
    assert_int_equal(c.source, 1);
    assert_int_equal(c.sink, 1);
    assert_int_equal(c.payload_type, cases[i].payload_type);
    assert_false(c.reference);
    assert_int_equal(c.media_len, 0);
    free(data);
  }
}

/* ---- malformed packages -------------------------------------------------- */

/* Media envelope of 15 bytes (package at 17) and control envelope of 27
 * bytes (package at 29). */
#define MEDIA_ENV "060101 070101 010101 020101 030100 "
#define ACK_ENV "050101 0c020001 0108" F8 " 0208" F8 " "
#define ACK_BODY "0e0100 060101 070101 0108" F8 " 0208" F8

static void test_package_errors(void **state) {
  (void)state;
  static const bad_case cases[] = {
      {MEDIA_ENV "0000", RIPT_ERR_PARSE, 17},
      {MEDIA_ENV "0004 0500 0600", RIPT_ERR_PARSE, 21},
      {MEDIA_ENV "0004 0400 0400", RIPT_ERR_PARSE, 19},
      {MEDIA_ENV "0003 0405 00", RIPT_ERR_PARSE, 20},
      {MEDIA_ENV "0001 04", RIPT_ERR_PARSE, 18},
      {ACK_ENV "0000", RIPT_ERR_PARSE, 29},
      {ACK_ENV "001a 060101 070101 0108" F8 " 0208" F8, RIPT_ERR_PARSE, 55},
      {ACK_ENV "001a 0e0100 070101 0108" F8 " 0208" F8, RIPT_ERR_PARSE, 55},
      {ACK_ENV "001a 0e0100 060101 0108" F8 " 0208" F8, RIPT_ERR_PARSE, 55},
      {ACK_ENV "0013 0e0100 060101 070101 0208" F8, RIPT_ERR_PARSE, 48},
      {ACK_ENV "0013 0e0100 060101 070101 0108" F8, RIPT_ERR_PARSE, 48},
      {ACK_ENV "001d 0e0102 060101 070101 0108" F8 " 0208" F8, RIPT_ERR_PARSE,
       31},
      {ACK_ENV "001d 0e0100 060100 070101 0108" F8 " 0208" F8, RIPT_ERR_PARSE,
       34},
      {ACK_ENV "001d 0e0100 060101 070100 0108" F8 " 0208" F8, RIPT_ERR_PARSE,
       37},
      {ACK_ENV "001e 0e020000 060101 070101 0108" F8 " 0208" F8, RIPT_ERR_PARSE,
       30},
      {ACK_ENV "0019 0e0100 060101 070101 010400000001 0208" F8, RIPT_ERR_PARSE,
       39},
      {ACK_ENV "0020 " ACK_BODY " 0e0100", RIPT_ERR_PARSE, 58},
      {ACK_ENV "001e " ACK_BODY " 05", RIPT_ERR_PARSE, 59},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    size_t len;
    uint8_t *data = hex(cases[i].hex, &len);
    ript_chunk c;
    ript_parse_error err = {9999, NULL};
    int rv = receive_null(&c, data, len, &err);
    if (rv != cases[i].rv || err.offset != cases[i].offset)
      fail_msg("case %zu (%s): got %d at %zu, want %d at %zu", i, cases[i].hex,
               rv, err.offset, cases[i].rv, cases[i].offset);
    assert_non_null(err.expected);
    assert_false(c.flags & RIPT_CHUNK_FLAG_OPENED);
    /* A failed open cannot be retried: the bytes may have changed. */
    assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL),
                     RIPT_ERR_INVALID_ARGUMENT);
    free(data);
  }
}

static void test_lenient_packages_accepted(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = hex(MEDIA_ENV "0008 0500 0402aabb 3f00", &len);
  ript_chunk c;
  assert_int_equal(receive_null(&c, data, len, NULL), 0);
  assert_int_equal(c.media_len, 2);
  assert_int_equal(c.media[0], 0xaa);
  assert_int_equal(c.package_len, 8);
  free(data);

  data = hex(ACK_ENV "0022 3f0100 " ACK_BODY " 0400", &len);
  assert_int_equal(receive_null(&c, data, len, NULL), 0);
  assert_int_equal(c.ack.direction, 0);
  assert_true(c.ack.sequence == 1);
  free(data);

  /* An unknown control type opens, with only the package. */
  data = hex("050101 0c02abcd 0108" F8 " 0208" F8 " 0003 aabbcc", &len);
  assert_int_equal(receive_null(&c, data, len, NULL), 0);
  assert_int_equal(c.control_type, 0xabcd);
  assert_int_equal(c.package_len, 3);
  assert_int_equal(c.package[2], 0xcc);
  assert_int_equal(c.ack.source, 0);
  free(data);
}

/* ---- keys and authentication --------------------------------------------- */

static void test_tampering_detected(void **state) {
  (void)state;
  ript_chunk_key key;
  derive_example_key(&key, 7, RIPT_CHUNK_CIPHER_AES128_GCM, 16);
  size_t len;
  uint8_t *orig = ript_test_example_hex("chunk-d-aes128-tag16", &len);
  uint8_t *data = malloc(len);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  /* Value bytes of the envelope whose change keeps it well-formed:
   * source, sequence, timestamp, payload type, level. */
  static const size_t aad_bytes[] = {5, 12, 18, 22, 28, 31, 34};
  for (size_t i = 0; i < sizeof(aad_bytes) / sizeof(aad_bytes[0]); ++i) {
    memcpy(data, orig, len);
    data[aad_bytes[i]] ^= 0x01;
    ript_chunk c;
    assert_int_equal(receive(&c, data, len, &rx, &key, 1, NULL),
                     RIPT_ERR_DECRYPT);
  }
  /* Every tag byte and every ciphertext byte (the sealed value at 37). */
  for (size_t at = 37; at < len; ++at) {
    memcpy(data, orig, len);
    data[at] ^= 0x80;
    ript_chunk c;
    assert_int_equal(receive(&c, data, len, &rx, &key, 1, NULL),
                     RIPT_ERR_DECRYPT);
    /* The unauthenticated plaintext does not stay in the buffer. */
    for (size_t j = 37 + 16; j < len; ++j)
      assert_int_equal(data[j], 0);
    assert_int_equal(ript_chunk_open(&c, &key, 1, NULL),
                     RIPT_ERR_INVALID_ARGUMENT);
  }
  /* An unknown envelope TLV is authenticated too. */
  uint8_t *ext = malloc(len + 3);
  memcpy(ext, orig, 35);
  memcpy(ext + 35, "\x3f\x01\x00", 3);
  memcpy(ext + 38, orig + 35, len - 35);
  ript_chunk c;
  assert_int_equal(receive(&c, ext, len + 3, &rx, &key, 1, NULL),
                   RIPT_ERR_DECRYPT);
  free(ext);
  free(data);
  free(orig);
  ript_chunk_key_free(&key);
}

static void test_key_selection(void **state) {
  (void)state;
  ript_chunk_key keys[3];
  derive_example_key(&keys[0], 5, RIPT_CHUNK_CIPHER_AES256_GCM, 16);
  derive_example_key(&keys[1], 6, RIPT_CHUNK_CIPHER_AES128_GCM, 8);
  derive_example_key(&keys[2], 7, RIPT_CHUNK_CIPHER_AES128_GCM, 16);
  ript_chunk_stream_rx rx = rx_seen(0, 0);
  size_t len;
  uint8_t *orig = ript_test_example_hex("chunk-d-aes128-tag16", &len);
  uint8_t *data = malloc(len);
  ript_chunk c;
  ript_parse_error err;

  /* The right key among several. */
  memcpy(data, orig, len);
  assert_int_equal(receive(&c, data, len, &rx, keys, 3, NULL), 0);
  /* No key with id 7: nothing changes, so a later retry may work. */
  memcpy(data, orig, len);
  assert_int_equal(receive(&c, data, len, &rx, keys, 2, NULL),
                   RIPT_ERR_UNKNOWN_KEY);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL), RIPT_ERR_UNKNOWN_KEY);
  assert_memory_equal(data, orig, len);
  assert_int_equal(ript_chunk_open(&c, keys, 3, NULL), 0);
  /* The same id with another key or tag length fails authentication. */
  ript_chunk_key other;
  derive_example_key(&other, 7, RIPT_CHUNK_CIPHER_AES256_GCM, 16);
  memcpy(data, orig, len);
  assert_int_equal(receive(&c, data, len, &rx, &other, 1, NULL),
                   RIPT_ERR_DECRYPT);
  ript_chunk_key_free(&other);
  derive_example_key(&other, 7, RIPT_CHUNK_CIPHER_AES128_GCM, 8);
  memcpy(data, orig, len);
  assert_int_equal(receive(&c, data, len, &rx, &other, 1, NULL),
                   RIPT_ERR_DECRYPT);
  ript_chunk_key_free(&other);
  /* A sealed value shorter than the tag. */
  size_t slen;
  uint8_t *shortc =
      hex("0d0107 " MEDIA_ENV "000f 000102030405060708090a0b0c0d0e", &slen);
  assert_int_equal(receive(&c, shortc, slen, &rx, keys, 3, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 20);
  free(shortc);
  /* NULL cipher chunks are refused by a receiver with keys. */
  free(data);
  data = ript_test_example_hex("chunk-a-pcmu-full", &len);
  assert_int_equal(receive(&c, data, len, &rx, keys, 3, NULL),
                   RIPT_ERR_DECRYPT);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL), 0);
  free(data);
  /* A key of the right id that was never set up. */
  ript_chunk_key unset;
  memset(&unset, 0, sizeof(unset));
  unset.id = 7;
  free(orig);
  orig = ript_test_example_hex("chunk-d-aes128-tag16", &len);
  assert_int_equal(receive(&c, orig, len, &rx, &unset, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  free(orig);
  /* A keyed chunk is refused by a receiver without keys. */
  orig = ript_test_example_hex("chunk-e-aes128-tag8", &len);
  assert_int_equal(receive(&c, orig, len, &rx, NULL, 0, NULL),
                   RIPT_ERR_UNKNOWN_KEY);
  free(orig);
  for (int i = 0; i < 3; ++i)
    ript_chunk_key_free(&keys[i]);
}

static void test_key_arguments(void **state) {
  (void)state;
  ript_chunk_key key;
  uint8_t bytes[32] = {1}, salt[12] = {2};
  assert_int_equal(ript_chunk_key_init(NULL, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                       bytes, salt, 16),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_key_init(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                       NULL, salt, 16),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_key_init(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                       bytes, NULL, 16),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_chunk_key_init(&key, 1, (ript_chunk_cipher)3, bytes, salt, 16),
      RIPT_ERR_INVALID_ARGUMENT);
  static const size_t bad_tags[] = {0, 4, 7, 9, 15, 17, 32};
  for (size_t i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); ++i)
    assert_int_equal(ript_chunk_key_init(&key, 1, RIPT_CHUNK_CIPHER_AES256_GCM,
                                         bytes, salt, bad_tags[i]),
                     RIPT_ERR_INVALID_ARGUMENT);
  ript_chunk_key_free(&key); /* harmless after a failed init */
  ript_chunk_key_free(NULL);
  assert_int_equal(ript_chunk_key_derive(NULL, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                         bytes, 1, 16),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_chunk_key_derive(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM, NULL, 1, 16),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_chunk_key_derive(&key, 1, (ript_chunk_cipher)0, bytes, 1, 16),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_key_derive(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                         bytes, 1, 10),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_chunk_key_free(&key); /* and after a failed derive */

  /* Explicit key material, and an empty master secret. */
  assert_int_equal(ript_chunk_key_init(&key, 9, RIPT_CHUNK_CIPHER_AES256_GCM,
                                       bytes, salt, 12),
                   0);
  assert_int_equal(key.key_len, 32);
  assert_memory_equal(key.key, bytes, 32);
  assert_memory_equal(key.salt, salt, 12);
  ript_chunk c;
  chunk_d(&c);
  round_trip(&c, &key);
  ript_chunk_key_free(&key);
  ript_chunk_key_free(&key);
  assert_null(key.aead);
  assert_int_equal(
      ript_chunk_key_derive(&key, 9, RIPT_CHUNK_CIPHER_AES256_GCM, NULL, 0, 8),
      0);
  round_trip(&c, &key);
  ript_chunk_key_free(&key);
}

/* ---- encoding ------------------------------------------------------------ */

static void test_nobuf_at_every_length(void **state) {
  (void)state;
  ript_chunk_key key;
  derive_example_key(&key, 7, RIPT_CHUNK_CIPHER_AES128_GCM, 12);
  static uint8_t big[300];
  ript_chunk chunks[4];
  chunk_a(&chunks[0]);
  chunk_d(&chunks[1]);
  chunk_d(&chunks[2]);
  chunks[2].media = big;
  chunks[2].media_len = sizeof(big);
  ript_chunk_init(&chunks[3]);
  chunks[3].kind = RIPT_CHUNK_KIND_CONTROL;
  chunks[3].control_type = RIPT_CHUNK_CONTROL_ACK;
  chunks[3].ack = (ript_chunk_ack){0, 1, 1, 1, TS0};
  for (size_t i = 0; i < 4; ++i)
    for (int keyed = 0; keyed < 2; ++keyed) {
      const ript_chunk_key *k = keyed ? &key : NULL;
      uint8_t want[512], out[512];
      ript_ssize n = ript_chunk_encode(want, sizeof(want), &chunks[i], k);
      assert_true(n > 0);
      for (size_t dstlen = 0; dstlen < (size_t)n; ++dstlen) {
        memset(out, 0xee, sizeof(out));
        assert_int_equal(
            ript_chunk_encode(dstlen ? out : NULL, dstlen, &chunks[i], k),
            RIPT_ERR_NOBUF);
      }
      assert_int_equal(ript_chunk_encode(out, (size_t)n, &chunks[i], k), n);
      /* Any larger room, even a claim of SIZE_MAX, writes the same. */
      assert_int_equal(ript_chunk_encode(out, SIZE_MAX, &chunks[i], k), n);
      if (!keyed) /* GCM output is checked elsewhere; NULL is stable */
        assert_memory_equal(out, want, (size_t)n);
    }
  ript_chunk_key_free(&key);
}

static void test_encode_invalid_arguments(void **state) {
  (void)state;
  uint8_t out[128];
  ript_chunk c;
  chunk_a(&c);
  assert_int_equal(ript_chunk_encode(out, sizeof(out), NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_encode(NULL, 10, &c, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_chunk_key unset;
  memset(&unset, 0, sizeof(unset));
  assert_int_equal(ript_chunk_encode(out, sizeof(out), &c, &unset),
                   RIPT_ERR_INVALID_ARGUMENT);

  /* Package fields of the other kind are ignored, however large. */
  ript_chunk ack;
  ript_chunk_init(&ack);
  ack.kind = RIPT_CHUNK_KIND_CONTROL;
  ack.control_type = RIPT_CHUNK_CONTROL_ACK;
  ack.ack = (ript_chunk_ack){0, 1, 1, 1, 1};
  ack.media_len = SIZE_MAX;
  ack.package_len = SIZE_MAX;
  assert_true(ript_chunk_encode(out, sizeof(out), &ack, NULL) > 0);
  c.package_len = SIZE_MAX;
  assert_true(ript_chunk_encode(out, sizeof(out), &c, NULL) > 0);
  c.media_len = SIZE_MAX;
  assert_int_equal(ript_chunk_encode(out, sizeof(out), &c, NULL),
                   RIPT_ERR_NOBUF);

  for (int i = 0; i < 17; ++i) {
    chunk_a(&c);
    switch (i) {
    case 0:
      c.kind = 2;
      break;
    case 1:
      c.source = 0;
      break;
    case 2:
      c.sink = 0;
      break;
    case 3:
      c.has_level = true;
      c.level = 128;
      break;
    case 4:
      c.sequence_len = 0;
      break;
    case 5:
      c.sequence_len = 9;
      break;
    case 6:
      c.timestamp_len = 0;
      break;
    case 7:
      c.timestamp_len = 9;
      break;
    case 8:
      c.media = NULL;
      break;
    default:
      /* control chunks */
      c.kind = RIPT_CHUNK_KIND_CONTROL;
      c.control_type = RIPT_CHUNK_CONTROL_ACK;
      c.source = 0;
      c.sink = 0;
      c.ack = (ript_chunk_ack){0, 1, 1, 1, 1};
      switch (i) {
      case 9:
        c.sequence_len = 7;
        break;
      case 10:
        c.timestamp_len = 2;
        break;
      case 11:
        c.source = 1;
        break;
      case 12:
        c.payload_type = 1;
        break;
      case 13:
        c.ack.direction = 2;
        break;
      case 14:
        c.ack.source = 0;
        break;
      case 15:
        c.ack.sink = 0;
        break;
      default:
        c.control_type = 2;
        c.package_len = 1;
        break;
      }
    }
    if (ript_chunk_encode(out, sizeof(out), &c, NULL) !=
        RIPT_ERR_INVALID_ARGUMENT)
      fail_msg("case %d accepted", i);
  }
}

/* ---- bodies and the receive sequence ------------------------------------- */

static void test_body_of_several_chunks(void **state) {
  (void)state;
  ript_chunk_key key;
  derive_example_key(&key, 7, RIPT_CHUNK_CIPHER_AES128_GCM, 16);
  /* Sender: chunks 1..5 of stream 1->1, then an ack, all sealed. */
  uint8_t body[1024];
  size_t len = 0;
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    ript_chunk c;
    chunk_a(&c);
    c.sequence = 1000 + seq;
    c.timestamp = TS0 + seq * 20;
    c.reference = seq == 4;
    ript_chunk_stream_tx_prepare(&tx, &c);
    ript_ssize n = ript_chunk_encode(body + len, sizeof(body) - len, &c, &key);
    assert_true(n > 0);
    len += (size_t)n;
    if (seq == 2) {
      ript_chunk_ack ack = {0, 1, 1, 1002, TS0 + 40};
      ript_chunk_stream_tx_on_ack(&tx, &ack);
    }
  }
  ript_chunk ack;
  ript_chunk_init(&ack);
  ack.kind = RIPT_CHUNK_KIND_CONTROL;
  ack.control_type = RIPT_CHUNK_CONTROL_ACK;
  ack.sequence = 77;
  ack.timestamp = TS0 + 100;
  ack.ack = (ript_chunk_ack){RIPT_CHUNK_DIR_S2C, 9, 8, 7, 6};
  ript_chunk_stream_tx_prepare(&tx, &ack);
  ript_ssize n = ript_chunk_encode(body + len, sizeof(body) - len, &ack, &key);
  assert_true(n > 0);
  len += (size_t)n;

  /* Receiver: loop over the body. */
  static const uint8_t want_lens[] = {8, 8, 2, 8, 2, 8};
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  size_t off = 0, count = 0;
  while (off < len) {
    ript_chunk c;
    n = ript_chunk_parse(&c, body + off, len - off, NULL);
    assert_true(n > 0);
    off += (size_t)n;
    assert_int_equal(c.sequence_len, want_lens[count]);
    assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
    assert_int_equal(ript_chunk_open(&c, &key, 1, NULL), 0);
    if (count < 5) {
      assert_true(c.sequence == 1000 + count + 1);
      assert_true(c.timestamp == TS0 + (count + 1) * 20);
      assert_int_equal(c.reference, count == 3);
      assert_memory_equal(c.media, media_a, sizeof(media_a));
      assert_int_equal(ript_chunk_stream_rx_update(&rx, &c), 0);
    } else {
      assert_int_equal(c.kind, RIPT_CHUNK_KIND_CONTROL);
      assert_same_ack(&c.ack, &ack.ack);
    }
    ++count;
  }
  assert_int_equal(off, len);
  assert_int_equal(count, 6);
  ript_chunk_key_free(&key);
}

static void test_step_order_enforced(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = ript_test_example_hex("chunk-a-pcmu-full", &len);
  ript_chunk c;
  ript_chunk_init(&c);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  assert_int_equal(ript_chunk_parse(NULL, data, len, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_parse(&c, NULL, len, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* expand/open/update need the earlier steps */
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_parse(&c, data, len, NULL), len);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_stream_rx_update(&rx, &c),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  assert_int_equal(ript_chunk_open(&c, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_chunk ack;
  assert_int_equal(ript_chunk_fill_ack(&ack, &c, 0, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL), 0);
  assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_stream_rx_update(&rx, &c), 0);

  /* ript_chunk_fill_ack */
  assert_int_equal(ript_chunk_fill_ack(NULL, &c, 0, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_fill_ack(&ack, NULL, 0, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_fill_ack(&ack, &c, 2, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_chunk_fill_ack(&ack, &c, 0, 1, -1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_chunk_fill_ack(&ack, &c, RIPT_CHUNK_DIR_S2C, UINT64_MAX, INT64_MAX),
      0);
  assert_int_equal(ack.ack.direction, RIPT_CHUNK_DIR_S2C);
  assert_true(ack.sequence == UINT64_MAX);
  assert_true(ack.timestamp == (uint64_t)INT64_MAX);
  assert_int_equal(ack.sequence_len, 8);
  assert_int_equal(ack.timestamp_len, 8);
  ript_chunk not_media;
  assert_int_equal(ript_chunk_fill_ack(&not_media, &ack, 0, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_a_pcmu_full),
      cmocka_unit_test(test_example_b_pcmu_truncated),
      cmocka_unit_test(test_example_c_ack),
      cmocka_unit_test(test_example_d_key_derivation),
      cmocka_unit_test(test_example_d_aes128_tag16),
      cmocka_unit_test(test_example_e_aes128_tag8),
      cmocka_unit_test(test_gcm_matches_gnutls_directly),
      cmocka_unit_test(test_round_trip_media_fields),
      cmocka_unit_test(test_round_trip_sizes_and_keys),
      cmocka_unit_test(test_round_trip_control),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_every_prefix_truncated),
      cmocka_unit_test(test_lenient_envelopes_accepted),
      cmocka_unit_test(test_package_errors),
      cmocka_unit_test(test_lenient_packages_accepted),
      cmocka_unit_test(test_tampering_detected),
      cmocka_unit_test(test_key_selection),
      cmocka_unit_test(test_key_arguments),
      cmocka_unit_test(test_nobuf_at_every_length),
      cmocka_unit_test(test_encode_invalid_arguments),
      cmocka_unit_test(test_body_of_several_chunks),
      cmocka_unit_test(test_step_order_enforced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

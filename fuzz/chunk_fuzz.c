/*
 * Fuzz target for the chunk codec: parses every chunk of the input as a
 * receiver would (parse, expand, open), and for every chunk that opens,
 * checks that re-encoding gives a canonical chunk that decodes to the same
 * fields and re-encodes to the same bytes. NULL-cipher chunks open without
 * keys; chunks with a key id are tried against fixed test keys (ids 7, 8, 9
 * from the documented example master secret), so that the worked examples
 * in the seed corpus open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/chunk.h"

#define CHECK(x)                                                               \
  do {                                                                         \
    if (!(x))                                                                  \
      __builtin_trap();                                                        \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NKEYS 3

/* Set up once; GnuTLS contexts stay reachable for the process's life. */
static const ript_chunk_key *fuzz_keys(void) {
  static ript_chunk_key keys[FUZZ_NKEYS];
  static int ready;
  static const char master[] = "ript example master secret";
  if (!ready) {
    CHECK(ript_chunk_key_derive(&keys[0], 7, RIPT_CHUNK_CIPHER_AES128_GCM,
                                (const uint8_t *)master, strlen(master),
                                16) == 0);
    CHECK(ript_chunk_key_derive(&keys[1], 8, RIPT_CHUNK_CIPHER_AES128_GCM,
                                (const uint8_t *)master, strlen(master),
                                8) == 0);
    CHECK(ript_chunk_key_derive(&keys[2], 9, RIPT_CHUNK_CIPHER_AES256_GCM,
                                (const uint8_t *)master, strlen(master),
                                12) == 0);
    ready = 1;
  }
  return keys;
}

static const ript_chunk_key *fuzz_key_for(const ript_chunk *c) {
  if (!c->has_key_id)
    return NULL;
  const ript_chunk_key *keys = fuzz_keys();
  for (size_t i = 0; i < FUZZ_NKEYS; ++i)
    if (keys[i].id == c->key_id)
      return &keys[i];
  return NULL;
}

/* A receiver that has seen a chunk near the examples' values. */
static ript_chunk_stream_rx fuzz_rx(void) {
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  rx.valid = true;
  rx.largest_sequence = 0x1234;
  rx.largest_timestamp = UINT64_C(1581292800000);
  return rx;
}

/* Parse, expand and open; the caller's |buf| is decrypted in place. */
static int fuzz_receive(ript_chunk *c, uint8_t *buf, size_t len,
                        ript_ssize *consumed) {
  ript_parse_error err = {0, NULL};
  ript_ssize n = ript_chunk_parse(c, buf, len, &err);
  *consumed = n;
  if (n < 0) {
    CHECK(err.expected != NULL && err.offset <= len);
    return (int)n;
  }
  CHECK(n > 0 && (size_t)n <= len);
  ript_chunk_stream_rx rx = fuzz_rx();
  int rv = ript_chunk_stream_rx_expand(&rx, c);
  if (rv < 0)
    return rv;
  if (c->has_key_id)
    return ript_chunk_open(c, fuzz_keys(), FUZZ_NKEYS, &err);
  return ript_chunk_open(c, NULL, 0, &err);
}

static void fuzz_same(const ript_chunk *a, const ript_chunk *b) {
  CHECK(a->kind == b->kind && a->control_type == b->control_type);
  CHECK(a->has_key_id == b->has_key_id && a->key_id == b->key_id);
  CHECK(a->source == b->source && a->sink == b->sink);
  CHECK(a->sequence == b->sequence && a->sequence_len == b->sequence_len);
  CHECK(a->timestamp == b->timestamp && a->timestamp_len == b->timestamp_len);
  CHECK(a->payload_type == b->payload_type && a->reference == b->reference);
  CHECK(a->spatial_layer == b->spatial_layer &&
        a->temporal_layer == b->temporal_layer);
  CHECK(a->has_level == b->has_level && a->level == b->level);
  CHECK(a->media_len == b->media_len &&
        (a->media_len == 0 || memcmp(a->media, b->media, a->media_len) == 0));
  CHECK(a->ack.direction == b->ack.direction &&
        a->ack.source == b->ack.source && a->ack.sink == b->ack.sink &&
        a->ack.sequence == b->ack.sequence &&
        a->ack.timestamp == b->ack.timestamp);
  if (a->kind == RIPT_CHUNK_KIND_CONTROL &&
      a->control_type != RIPT_CHUNK_CONTROL_ACK)
    CHECK(a->package_len == b->package_len &&
          (a->package_len == 0 ||
           memcmp(a->package, b->package, a->package_len) == 0));
}

/* Re-encodes an opened chunk of |len| input bytes and checks the result. */
static void fuzz_reencode(const ript_chunk *c, size_t len) {
  const ript_chunk_key *key = fuzz_key_for(c);
  uint8_t *enc1 = malloc(len), *enc2 = malloc(len);
  CHECK(enc1 && enc2);
  /* The encoder's choices are all minimal, so it never needs more room. */
  ript_ssize n1 = ript_chunk_encode(enc1, len, c, key);
  CHECK(n1 > 0 && (size_t)n1 <= len);
  ript_chunk d;
  ript_ssize consumed;
  CHECK(fuzz_receive(&d, enc1, (size_t)n1, &consumed) == 0);
  CHECK(consumed == n1);
  fuzz_same(c, &d);
  /* The canonical form is a fixed point. */
  ript_ssize n2 = ript_chunk_encode(enc2, len, &d, key);
  CHECK(n2 == n1);
  ript_ssize n3 = ript_chunk_encode(enc1, len, c, key);
  CHECK(n3 == n1 && memcmp(enc1, enc2, (size_t)n1) == 0);
  free(enc1);
  free(enc2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  CHECK(buf);
  if (size)
    memcpy(buf, data, size);
  size_t off = 0;
  while (off < size) {
    ript_chunk c;
    ript_ssize n;
    int rv = fuzz_receive(&c, buf + off, size - off, &n);
    if (n < 0)
      break;
    if (rv == 0) {
      CHECK(c.flags & RIPT_CHUNK_FLAG_OPENED);
      fuzz_reencode(&c, (size_t)n);
      ript_chunk ack;
      if (c.kind == RIPT_CHUNK_KIND_MEDIA)
        CHECK(ript_chunk_fill_ack(&ack, &c, RIPT_CHUNK_DIR_C2S, 1, 0) == 0);
    }
    off += (size_t)n;
  }
  free(buf);
  return 0;
}

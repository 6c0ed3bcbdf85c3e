#include <string.h>

#include "ript/chunk.h"
#include "testutil.h"

#define TS0 UINT64_C(1581292800000)

static ript_chunk media_chunk(uint64_t sequence, uint64_t timestamp) {
  ript_chunk c;
  ript_chunk_init(&c);
  c.source = 3;
  c.sink = 4;
  c.sequence = sequence;
  c.timestamp = timestamp;
  c.payload_type = 100;
  return c;
}

static void ack_of(ript_chunk_stream_tx *tx, uint64_t sequence,
                   uint64_t timestamp) {
  ript_chunk_ack ack = {RIPT_CHUNK_DIR_C2S, 3, 4, sequence, timestamp};
  ript_chunk_stream_tx_on_ack(tx, &ack);
}

/* Sends |c| with its current lengths and receives it through parse,
 * expand, open and update; returns the expanded chunk (or fails). */
static ript_chunk transmit(const ript_chunk *c, ript_chunk_stream_rx *rx,
                           uint8_t *buf, size_t buflen) {
  ript_ssize n = ript_chunk_encode(buf, buflen, c, NULL);
  assert_true(n > 0);
  ript_chunk got;
  assert_int_equal(ript_chunk_parse(&got, buf, (size_t)n, NULL), n);
  assert_int_equal(got.sequence_len, c->sequence_len);
  assert_int_equal(got.timestamp_len, c->timestamp_len);
  assert_int_equal(ript_chunk_stream_rx_expand(rx, &got), 0);
  assert_int_equal(ript_chunk_open(&got, NULL, 0, NULL), 0);
  assert_int_equal(ript_chunk_stream_rx_update(rx, &got), 0);
  return got;
}

/* ---- sender -------------------------------------------------------------- */

static void test_tx_full_until_first_ack(void **state) {
  (void)state;
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  ript_chunk c = media_chunk(5, TS0);
  c.sequence_len = 3;
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 8);
  assert_int_equal(c.timestamp_len, 8);
  ack_of(&tx, 5, TS0);
  assert_true(tx.acked);
  c = media_chunk(6, TS0 + 20);
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 2); /* never below 2 bytes */
  assert_int_equal(c.timestamp_len, 2);
  /* Reference frames always go full. */
  c.reference = true;
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 8);
  assert_int_equal(c.timestamp_len, 8);
  /* So do control chunks. */
  ript_chunk_init(&c);
  c.kind = RIPT_CHUNK_KIND_CONTROL;
  c.sequence = 6;
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 8);
  assert_int_equal(c.timestamp_len, 8);
}

static void test_tx_length_boundaries(void **state) {
  (void)state;
  static const struct {
    uint64_t distance;
    uint8_t len;
  } cases[] = {
      {0, 1},
      {127, 1},
      {128, 2},
      {32767, 2},
      {32768, 3},
      {(UINT64_C(1) << 23) - 1, 3},
      {UINT64_C(1) << 23, 4},
      {(UINT64_C(1) << 31) - 1, 4},
      {UINT64_C(1) << 31, 5},
      {(UINT64_C(1) << 39) - 1, 5},
      {UINT64_C(1) << 39, 6},
      {(UINT64_C(1) << 47) - 1, 6},
      {UINT64_C(1) << 47, 7},
      {(UINT64_C(1) << 55) - 1, 7},
      {UINT64_C(1) << 55, 8},
      {UINT64_MAX - 1000, 8},
  };
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  ack_of(&tx, 1000, 1000);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    uint8_t want = cases[i].len < 2 ? 2 : cases[i].len;
    ript_chunk c = media_chunk(1000 + cases[i].distance, 1000);
    ript_chunk_stream_tx_prepare(&tx, &c);
    assert_int_equal(c.sequence_len, want);
    assert_int_equal(c.timestamp_len, 2);
    c = media_chunk(1000, 1000 + cases[i].distance);
    ript_chunk_stream_tx_prepare(&tx, &c);
    assert_int_equal(c.sequence_len, 2);
    assert_int_equal(c.timestamp_len, want);
  }
  /* Below the largest acked value (a retransmission): full. */
  ript_chunk c = media_chunk(999, 999);
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 8);
  assert_int_equal(c.timestamp_len, 8);
}

static void test_tx_largest_acked_only_grows(void **state) {
  (void)state;
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  ack_of(&tx, 500, TS0 + 900);
  ack_of(&tx, 400, TS0 + 1000); /* late ack: sequence stays, ts grows */
  assert_true(tx.largest_acked_sequence == 500);
  assert_true(tx.largest_acked_timestamp == TS0 + 1000);
  ack_of(&tx, 0, 0);
  assert_true(tx.largest_acked_sequence == 500);
  assert_true(tx.largest_acked_timestamp == TS0 + 1000);
  /* The first ack sets the values even when they are 0. */
  ript_chunk_stream_tx_init(&tx);
  ack_of(&tx, 0, 0);
  assert_true(tx.acked);
  ript_chunk c = media_chunk(200, 100);
  ript_chunk_stream_tx_prepare(&tx, &c);
  assert_int_equal(c.sequence_len, 2);
  assert_int_equal(c.timestamp_len, 2);
}

/* Chunks of one stream ride parallel requests: one can be overtaken by
 * chunks hundreds of ms newer. Its truncated timestamp must still decode
 * (a 1-byte timestamp would come out 256 ms late). */
static void test_tx_timestamp_survives_reordering(void **state) {
  (void)state;
  ript_chunk_stream_tx tx;
  ript_chunk_stream_rx rx;
  ript_chunk_stream_tx_init(&tx);
  ript_chunk_stream_rx_init(&rx);
  uint8_t buf[128];
  ript_chunk first = media_chunk(100, TS0);
  ript_chunk_stream_tx_prepare(&tx, &first);
  transmit(&first, &rx, buf, sizeof(buf));
  ack_of(&tx, 100, TS0);
  ript_chunk late = media_chunk(101, TS0 + 20);
  ript_chunk early = media_chunk(112, TS0 + 240);
  ript_chunk_stream_tx_prepare(&tx, &late);
  ript_chunk_stream_tx_prepare(&tx, &early);
  ript_chunk got = transmit(&early, &rx, buf, sizeof(buf));
  assert_true(got.timestamp == TS0 + 240);
  got = transmit(&late, &rx, buf, sizeof(buf));
  assert_true(got.sequence == 101);
  assert_true(got.timestamp == TS0 + 20);
}

/* ---- receiver ------------------------------------------------------------ */

/* Expands the low |len| bytes of |value| against a receiver that has seen
 * |largest| as both largest sequence number and timestamp. */
static uint64_t expand_seq(uint64_t largest, uint64_t value, uint8_t len) {
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  rx.valid = true;
  rx.largest_sequence = largest;
  rx.largest_timestamp = largest;
  ript_chunk c = media_chunk(value, value);
  c.sequence_len = len;
  c.timestamp_len = 8;
  uint8_t buf[128];
  ript_ssize n = ript_chunk_encode(buf, sizeof(buf), &c, NULL);
  assert_true(n > 0);
  assert_int_equal(ript_chunk_parse(&c, buf, (size_t)n, NULL), n);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  return c.sequence;
}

static uint64_t expand_ts(uint64_t largest, uint64_t value, uint8_t len) {
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  rx.valid = true;
  rx.largest_sequence = largest;
  rx.largest_timestamp = largest;
  ript_chunk c = media_chunk(value, value);
  c.timestamp_len = len;
  uint8_t buf[128];
  ript_ssize n = ript_chunk_encode(buf, sizeof(buf), &c, NULL);
  assert_true(n > 0);
  assert_int_equal(ript_chunk_parse(&c, buf, (size_t)n, NULL), n);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  return c.timestamp;
}

static void test_rx_rfc9000_example(void **state) {
  (void)state;
  /* RFC 9000, appendix A.3: largest 0xa82f30ea, 16-bit 0x9b32. */
  assert_true(expand_seq(0xa82f30ea, 0xa82f9b32, 2) == 0xa82f9b32);
  /* The same for a timestamp, whose expected value is the largest. */
  assert_true(expand_ts(0xa82f30ea, 0xa82f9b32, 2) == 0xa82f9b32);
}

static void test_rx_needs_a_full_value_first(void **state) {
  (void)state;
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  uint8_t buf[128];
  static const uint8_t lens[][2] = {{2, 8}, {8, 2}, {1, 1}};
  for (size_t i = 0; i < 3; ++i) {
    ript_chunk c = media_chunk(300, TS0);
    c.sequence_len = lens[i][0];
    c.timestamp_len = lens[i][1];
    ript_ssize n = ript_chunk_encode(buf, sizeof(buf), &c, NULL);
    assert_int_equal(ript_chunk_parse(&c, buf, (size_t)n, NULL), n);
    assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), RIPT_ERR_RANGE);
    assert_false(c.flags & RIPT_CHUNK_FLAG_EXPANDED);
  }
  ript_chunk c = media_chunk(300, TS0);
  ript_chunk got = transmit(&c, &rx, buf, sizeof(buf));
  assert_true(got.sequence == 300);
  assert_true(rx.valid);
  c = media_chunk(301, TS0 + 20);
  c.sequence_len = 1;
  c.timestamp_len = 1;
  got = transmit(&c, &rx, buf, sizeof(buf));
  assert_true(got.sequence == 301);
  assert_true(got.timestamp == TS0 + 20);
}

/* Whenever the value lies within half a window of the expected one, the
 * receiver recovers it; checked on a spread of values, both ends of the
 * 64-bit space included. */
static void test_rx_recovers_within_half_window(void **state) {
  (void)state;
  static const uint64_t bases[] = {0,
                                   1,
                                   255,
                                   256,
                                   65535,
                                   65536,
                                   UINT64_C(0xffffffff),
                                   UINT64_C(0x100000000),
                                   UINT64_C(0x8000000000000000),
                                   UINT64_MAX - 65536,
                                   UINT64_MAX - 256,
                                   UINT64_MAX - 1,
                                   UINT64_MAX};
  static const int64_t deltas[] = {-32767, -129, -128, -127, -100,  -1,   0,
                                   1,      100,  127,  128,  32767, 32768};
  for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); ++b)
    for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); ++d)
      for (uint8_t len = 1; len <= 3; ++len) {
        uint64_t largest = bases[b];
        uint64_t hwin = UINT64_C(1) << (8 * len - 1);
        int64_t delta = deltas[d];
        /* Sequence: expected = largest + 1 (saturated at the top). */
        uint64_t expected = largest == UINT64_MAX ? largest : largest + 1;
        if ((delta < 0 && (uint64_t)-delta > expected) ||
            (delta > 0 && (uint64_t)delta > UINT64_MAX - expected))
          continue; /* outside the 64-bit space */
        uint64_t value = expected + (uint64_t)delta;
        /* Recoverable when expected - hwin < value <= expected + hwin. */
        bool in_window = delta > -(int64_t)hwin && delta <= (int64_t)hwin;
        if (in_window)
          assert_true(expand_seq(largest, value, len) == value);
        /* Timestamp: expected = largest. */
        if ((delta < 0 && (uint64_t)-delta > largest) ||
            (delta > 0 && (uint64_t)delta > UINT64_MAX - largest))
          continue;
        value = largest + (uint64_t)delta;
        if (in_window)
          assert_true(expand_ts(largest, value, len) == value);
      }
}

static void test_rx_edges_of_the_space(void **state) {
  (void)state;
  /* Near 0: no candidate below 0, so a high low byte stays small. */
  assert_true(expand_seq(0, 0xff, 1) == 0xff);
  assert_true(expand_seq(0, 5, 1) == 5);
  assert_true(expand_ts(3, 0xfe, 1) == 0xfe);
  /* Near 2^64-1: no candidate above it. */
  assert_true(expand_seq(UINT64_MAX - 10, UINT64_MAX, 1) == UINT64_MAX);
  assert_true(expand_seq(UINT64_MAX, UINT64_MAX - 0xfb, 1) ==
              UINT64_MAX - 0xfb);
  assert_true(expand_seq(UINT64_MAX - 1, UINT64_MAX - 300, 2) ==
              UINT64_MAX - 300);
  assert_true(expand_ts(UINT64_MAX, 0, 1) == UINT64_MAX - 0xff);
  assert_true(expand_ts(UINT64_MAX - 3, UINT64_MAX, 1) == UINT64_MAX);
  /* Full values pass through whatever the state. */
  assert_true(expand_seq(12345, 7, 8) == 7);
}

/*
 * A sender with a lagging ack stream and a receiver that sees chunks
 * reordered by up to 100 places, over |count| chunks from |first|, all
 * values truncated to 2 bytes once acked.
 */
static void run_reordered_stream(uint64_t first, uint64_t ts_first,
                                 size_t count) {
  ript_chunk_stream_tx tx;
  ript_chunk_stream_tx_init(&tx);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  uint8_t buf[128];
  /* The first chunk arrives and is acked before the rest. */
  ript_chunk c = media_chunk(first, ts_first);
  ript_chunk_stream_tx_prepare(&tx, &c);
  transmit(&c, &rx, buf, sizeof(buf));
  ack_of(&tx, first, ts_first);
  /* Delivery order: blocks of 101 reversed, so every chunk moves by up to
   * 100 places, backwards and forwards. */
  for (size_t block = 1; block < count; block += 101) {
    size_t end = block + 101 < count ? block + 101 : count;
    for (size_t i = end; i-- > block;) {
      uint64_t seq = first + i;
      uint64_t ts = ts_first + 20 * i;
      c = media_chunk(seq, ts);
      ript_chunk_stream_tx_prepare(&tx, &c);
      assert_true(c.sequence_len <= 2 && c.timestamp_len <= 2);
      /* Force 2 bytes even where 1 would do: a 1-byte timestamp only
       * survives reordering by less than 128 ms. */
      c.sequence_len = 2;
      c.timestamp_len = 2;
      ript_chunk got = transmit(&c, &rx, buf, sizeof(buf));
      assert_true(got.sequence == seq);
      assert_true(got.timestamp == ts);
    }
    /* Acks trail behind by a block. */
    if (block > 101)
      ack_of(&tx, first + block - 101, ts_first + 20 * (block - 101));
  }
  assert_true(rx.largest_sequence == first + count - 1);
}

static void test_rx_crosses_16_and_32_bit_boundaries(void **state) {
  (void)state;
  run_reordered_stream(65536 - 1000, TS0, 2000);
  run_reordered_stream(UINT64_C(0x100000000) - 1000,
                       UINT64_C(0x100000000) - 7000, 2000);
  run_reordered_stream(UINT64_MAX - 2100, UINT64_MAX - 50000, 2000);
  run_reordered_stream(0, 0, 1000);
}

/* Old chunks arriving after newer ones are placed before them, and newer
 * ones after them, across a change of the truncated byte's upper bits. */
static void test_rx_out_of_order_older_chunks(void **state) {
  (void)state;
  static const struct {
    uint64_t sequence, timestamp;
    uint64_t largest_after;
  } steps[] = {
      {0x1ffa0, TS0 + 10, 0x20010},   /* 113 below: one window down */
      {0x20080, TS0 + 1020, 0x20080}, /* same window */
      {0x20100, TS0 + 1100, 0x20100}, /* one window up */
      {0x200f0, TS0 + 1050, 0x20100}, /* one window down again */
  };
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  uint8_t buf[128];
  ript_chunk c = media_chunk(0x20010, TS0 + 1000);
  transmit(&c, &rx, buf, sizeof(buf));
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); ++i) {
    c = media_chunk(steps[i].sequence, steps[i].timestamp);
    c.sequence_len = 1;
    c.timestamp_len = 2;
    ript_chunk got = transmit(&c, &rx, buf, sizeof(buf));
    assert_true(got.sequence == steps[i].sequence);
    assert_true(got.timestamp == steps[i].timestamp);
    assert_true(rx.largest_sequence == steps[i].largest_after);
  }
  /* The older chunks did not lower the timestamp either. */
  assert_true(rx.largest_timestamp == TS0 + 1100);
}

/* The state only moves through authenticated chunks. */
static void test_rx_update_requires_open(void **state) {
  (void)state;
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  ript_chunk_key key;
  static const uint8_t master[] = "m";
  assert_int_equal(ript_chunk_key_derive(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                                         master, 1, 16),
                   0);
  uint8_t buf[128];
  ript_chunk c = media_chunk(1000, TS0);
  ript_ssize n = ript_chunk_encode(buf, sizeof(buf), &c, &key);
  buf[n - 1] ^= 1;
  assert_int_equal(ript_chunk_parse(&c, buf, (size_t)n, NULL), n);
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
  assert_int_equal(ript_chunk_open(&c, &key, 1, NULL), RIPT_ERR_DECRYPT);
  assert_int_equal(ript_chunk_stream_rx_update(&rx, &c),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_false(rx.valid);
  ript_chunk_key_free(&key);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tx_full_until_first_ack),
      cmocka_unit_test(test_tx_length_boundaries),
      cmocka_unit_test(test_tx_largest_acked_only_grows),
      cmocka_unit_test(test_tx_timestamp_survives_reordering),
      cmocka_unit_test(test_rx_rfc9000_example),
      cmocka_unit_test(test_rx_needs_a_full_value_first),
      cmocka_unit_test(test_rx_recovers_within_half_window),
      cmocka_unit_test(test_rx_edges_of_the_space),
      cmocka_unit_test(test_rx_crosses_16_and_32_bit_boundaries),
      cmocka_unit_test(test_rx_out_of_order_older_chunks),
      cmocka_unit_test(test_rx_update_requires_open),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

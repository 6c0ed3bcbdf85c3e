#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/dtmf.h"
#include "testutil.h"

static void test_digits(void **state) {
  (void)state;
  const char *keys = "0123456789*#ABCD";
  for (int i = 0; i < 16; ++i) {
    assert_int_equal(ript_dtmf_event_code(keys[i]), i);
    assert_int_equal(ript_dtmf_digit((unsigned)i), keys[i]);
  }
  assert_int_equal(ript_dtmf_event_code('a'), 12);
  assert_int_equal(ript_dtmf_event_code('d'), 15);
  assert_int_equal(ript_dtmf_event_code('e'), -1);
  assert_int_equal(ript_dtmf_event_code('E'), -1);
  assert_int_equal(ript_dtmf_event_code(' '), -1);
  assert_int_equal(ript_dtmf_event_code('\0'), -1);
  assert_int_equal(ript_dtmf_digit(16), '\0');
  assert_int_equal(ript_dtmf_digit(255), '\0');
}

static void test_payload(void **state) {
  (void)state;
  size_t len;
  uint8_t *expected = ript_test_example_hex("dtmf-5-end", &len);
  ript_dtmf_event ev = {5, true, 10, 800};
  uint8_t out[4];
  assert_int_equal(ript_dtmf_encode(&ev, out, 4), 4);
  assert_int_equal(len, 4);
  assert_memory_equal(out, expected, 4);
  free(expected);

  expected = ript_test_example_hex("dtmf-hash-start", &len);
  ript_dtmf_event got;
  assert_int_equal(ript_dtmf_decode(&got, expected, len, NULL), 0);
  assert_int_equal(got.event, 11);
  assert_false(got.end);
  assert_int_equal(got.volume, 10);
  assert_int_equal(got.duration, 400);
  free(expected);

  /* R is ignored, all bits of volume and duration are kept. */
  const uint8_t raw[4] = {0xFF, 0x7F, 0xFF, 0xFF};
  assert_int_equal(ript_dtmf_decode(&got, raw, 4, NULL), 0);
  assert_int_equal(got.event, 255);
  assert_false(got.end);
  assert_int_equal(got.volume, 63);
  assert_int_equal(got.duration, 65535);
  ev = (ript_dtmf_event){255, false, 63, 65535};
  assert_int_equal(ript_dtmf_encode(&ev, out, 8), 4);
  assert_memory_equal(out, "\xff\x3f\xff\xff", 4);
}

static void test_payload_errors(void **state) {
  (void)state;
  ript_dtmf_event ev = {1, false, 64, 0};
  uint8_t out[4];
  assert_int_equal(ript_dtmf_encode(&ev, out, 4), RIPT_ERR_INVALID_ARGUMENT);
  ev.volume = 0;
  assert_int_equal(ript_dtmf_encode(&ev, out, 3), RIPT_ERR_NOBUF);
  assert_int_equal(ript_dtmf_encode(NULL, out, 4), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_encode(&ev, NULL, 4), RIPT_ERR_INVALID_ARGUMENT);
  ript_parse_error err;
  const uint8_t five[5] = {1, 2, 3, 4, 5};
  assert_int_equal(ript_dtmf_decode(&ev, five, 3, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 3);
  assert_non_null(err.expected);
  assert_int_equal(ript_dtmf_decode(&ev, five, 5, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 4);
  assert_int_equal(ript_dtmf_decode(&ev, NULL, 0, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
  assert_int_equal(ript_dtmf_decode(&ev, five, 5, NULL), RIPT_ERR_PARSE);
  assert_int_equal(ript_dtmf_decode(NULL, five, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_decode(&ev, NULL, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

typedef struct expect_pkt {
  int64_t at;
  unsigned event;
  int end;
  unsigned duration;
  int64_t ts;
  int first;
} expect_pkt;

/* Polls |s| every ms from |from| to |to|; compares with |want|. */
static void run_schedule(ript_dtmf_sender *s, int64_t from, int64_t to,
                         const expect_pkt *want, size_t n) {
  size_t k = 0;
  for (int64_t t = from; t <= to; ++t) {
    ript_dtmf_packet p;
    int rv;
    while ((rv = ript_dtmf_sender_poll(s, t, &p)) == 1) {
      assert_true(k < n);
      assert_int_equal(t, want[k].at);
      assert_int_equal(p.event.event, want[k].event);
      assert_int_equal(p.event.end, want[k].end);
      assert_int_equal(p.event.duration, want[k].duration);
      assert_int_equal(p.event.volume, 10);
      assert_int_equal(p.timestamp_ms, want[k].ts);
      assert_int_equal(p.first, want[k].first);
      ++k;
    }
    assert_int_equal(rv, 0);
  }
  assert_int_equal(k, n);
}

/* The documented schedule: keys "1#" at 1000 ms with the defaults. */
static void test_sender_default_schedule(void **state) {
  (void)state;
  ript_dtmf_sender s;
  assert_int_equal(ript_dtmf_sender_init(&s, NULL), 0);
  assert_int_equal(ript_dtmf_sender_next(&s), INT64_MAX);
  assert_false(ript_dtmf_sender_busy(&s));
  assert_int_equal(ript_dtmf_sender_push(&s, "1#", 2), 0);
  assert_int_equal(ript_dtmf_sender_next(&s), INT64_MIN);
  size_t len;
  char *text = ript_test_example("dtmf-schedule", &len);
  expect_pkt want[16];
  size_t n = 0;
  int64_t prev_ts = -1;
  for (const char *p = text; *p;) {
    long long at, ts;
    unsigned ev, dur;
    int end, used;
    assert_int_equal(
        sscanf(p, "%lld %lld %u %d %u%n", &at, &ts, &ev, &end, &dur, &used), 5);
    assert_true(n < 16);
    want[n] = (expect_pkt){at, ev, end, dur, ts, ts != prev_ts};
    prev_ts = ts;
    ++n;
    p += used;
    while (*p == '\n')
      ++p;
  }
  free(text);
  assert_int_equal(n, 8);
  run_schedule(&s, 1000, 2000, want, n);
  assert_int_equal(ript_dtmf_sender_next(&s), INT64_MAX);
}

static void test_sender_interval_20(void **state) {
  (void)state;
  ript_dtmf_sender_config cfg = {100, 50, 20, 0};
  ript_dtmf_sender s;
  assert_int_equal(ript_dtmf_sender_init(&s, &cfg), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, "9", 1), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, "d", 1), 0);
  static const expect_pkt want[] = {
      {0, 9, 0, 160, 0, 1},      {20, 9, 0, 320, 0, 0},
      {40, 9, 0, 480, 0, 0},     {60, 9, 0, 640, 0, 0},
      {80, 9, 1, 800, 0, 0},     {100, 9, 1, 800, 0, 0},
      {120, 9, 1, 800, 0, 0},    {150, 15, 0, 160, 150, 1},
      {170, 15, 0, 320, 150, 0}, {190, 15, 0, 480, 150, 0},
      {210, 15, 0, 640, 150, 0}, {230, 15, 1, 800, 150, 0},
      {250, 15, 1, 800, 150, 0}, {270, 15, 1, 800, 150, 0}};
  ript_dtmf_packet p;
  assert_int_equal(ript_dtmf_sender_poll(&s, 0, &p), 1);
  assert_true(ript_dtmf_sender_busy(&s));
  assert_int_equal(ript_dtmf_sender_next(&s), 20);
  /* Restart the same schedule from scratch to compare every packet. */
  assert_int_equal(ript_dtmf_sender_init(&s, &cfg), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, "9D", 2), 0);
  run_schedule(&s, 0, 500, want, 14);
}

static void test_sender_late_poll_and_gap(void **state) {
  (void)state;
  /* A tone that is not a multiple of the interval ends with the tone's
   * duration; a caller polling late gets every due packet at once. */
  ript_dtmf_sender_config cfg = {90, 200, 40, 10};
  ript_dtmf_sender s;
  assert_int_equal(ript_dtmf_sender_init(&s, &cfg), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, "**", 2), 0);
  ript_dtmf_packet p;
  assert_int_equal(ript_dtmf_sender_poll(&s, 10, &p), 1); /* start at 10 */
  unsigned durations[8];
  int n = 0;
  while (ript_dtmf_sender_poll(&s, 1000, &p) == 1 && p.timestamp_ms == 10)
    durations[n++] = p.event.duration;
  assert_int_equal(n, 4);
  assert_int_equal(durations[0], 640); /* 80 ms */
  assert_int_equal(durations[1], 720); /* 90 ms, end */
  assert_int_equal(durations[3], 720);
  /* The next digit waited for tone + gap: 10 + 90 + 200 = 300 <= 1000, so
   * it started at the late poll's time, 1000. */
  assert_int_equal(p.timestamp_ms, 1000);
  assert_true(p.first);
  assert_int_equal(p.event.event, 10);
}

static void test_sender_errors(void **state) {
  (void)state;
  ript_dtmf_sender s;
  ript_dtmf_sender_config tone = {8001, 0, 0, 0}, vol = {0, 0, 0, 64};
  assert_int_equal(ript_dtmf_sender_init(NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_init(&s, &tone), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_init(&s, &vol), RIPT_ERR_INVALID_ARGUMENT);
  tone.tone_ms = 8000;
  assert_int_equal(ript_dtmf_sender_init(&s, &tone), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, "12x", 3),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_next(&s), INT64_MAX); /* all or nothing */
  assert_int_equal(ript_dtmf_sender_push(NULL, "1", 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_push(&s, NULL, 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_push(&s, NULL, 0), 0);
  char many[RIPT_DTMF_QUEUE_MAX + 1];
  memset(many, '7', sizeof(many));
  assert_int_equal(ript_dtmf_sender_push(&s, many, sizeof(many)),
                   RIPT_ERR_LIMIT);
  assert_int_equal(ript_dtmf_sender_push(&s, many, RIPT_DTMF_QUEUE_MAX), 0);
  assert_int_equal(ript_dtmf_sender_push(&s, many, 1), RIPT_ERR_LIMIT);
  ript_dtmf_packet p;
  assert_int_equal(ript_dtmf_sender_poll(NULL, 0, &p),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_sender_poll(&s, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* An 8 s tone: the longest duration field is 64000. */
  assert_int_equal(ript_dtmf_sender_poll(&s, 0, &p), 1);
  int last = 0;
  while (ript_dtmf_sender_poll(&s, 100000, &p) == 1 && p.timestamp_ms == 0)
    last = p.event.duration;
  assert_int_equal(last, 64000);
  assert_int_equal(ript_dtmf_sender_next(NULL), INT64_MAX);
  assert_false(ript_dtmf_sender_busy(NULL));
}

/* A small deterministic generator for the network's whims. */
static uint32_t rnd(uint32_t *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return *seed >> 16;
}

typedef struct wire {
  uint8_t payload[4];
  int64_t ts;
} wire;

/* Sender -> lossy, duplicating, reordering network -> receiver. */
static void test_end_to_end(void **state) {
  (void)state;
  const char *digits = "123#*0ABCD9955";
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    ript_dtmf_sender_config cfg = {100, 50, 20, 0};
    ript_dtmf_sender s;
    assert_int_equal(ript_dtmf_sender_init(&s, &cfg), 0);
    assert_int_equal(ript_dtmf_sender_push(&s, digits, strlen(digits)), 0);
    wire sent[512];
    size_t n = 0;
    uint32_t r = seed;
    for (int64_t t = 5000; t < 8000; t += 5) {
      ript_dtmf_packet p;
      while (ript_dtmf_sender_poll(&s, t, &p) == 1) {
        int copies = 1 + (rnd(&r) % 4 == 0); /* 25% duplicated */
        if (rnd(&r) % 6 == 0)
          copies = 0; /* lost, the first packet of an event too */
        for (int c = 0; c < copies; ++c) {
          assert_int_equal(ript_dtmf_encode(&p.event, sent[n].payload, 4), 4);
          sent[n++].ts = p.timestamp_ms;
        }
      }
    }
    /* Local reordering: swap neighbours within a window of 3. */
    for (size_t i = 0; i + 2 < n; ++i) {
      size_t j = i + rnd(&r) % 3;
      wire tmp = sent[i];
      sent[i] = sent[j];
      sent[j] = tmp;
    }
    ript_dtmf_receiver rx;
    ript_dtmf_receiver_init(&rx);
    char got[64];
    size_t ngot = 0;
    for (size_t i = 0; i < n; ++i) {
      ript_dtmf_event ev;
      assert_int_equal(ript_dtmf_decode(&ev, sent[i].payload, 4, NULL), 0);
      int rv = ript_dtmf_receiver_push(&rx, sent[i].ts, &ev);
      assert_true(rv == 0 || rv == 1);
      if (rv == 1)
        got[ngot++] = ript_dtmf_digit(ev.event);
    }
    got[ngot] = '\0';
    assert_string_equal(got, digits);
  }
}

static void test_receiver_history(void **state) {
  (void)state;
  ript_dtmf_receiver rx;
  ript_dtmf_receiver_init(&rx);
  ript_dtmf_event ev = {3, false, 10, 160};
  for (int i = 0; i < 40; ++i) {
    ev.event = (uint8_t)(i % 16);
    assert_int_equal(ript_dtmf_receiver_push(&rx, 1000 + i * 150, &ev), 1);
    assert_int_equal(ript_dtmf_receiver_push(&rx, 1000 + i * 150, &ev), 0);
  }
  /* The first 8 were forgotten: their late copies are dropped ... */
  ev.event = 0;
  assert_int_equal(ript_dtmf_receiver_push(&rx, 1000, &ev), 0);
  ev.event = 7;
  assert_int_equal(ript_dtmf_receiver_push(&rx, 1000 + 7 * 150, &ev), 0);
  /* ... remembered ones are still known, new ones reported. */
  ev.event = 8;
  assert_int_equal(ript_dtmf_receiver_push(&rx, 1000 + 8 * 150, &ev), 0);
  ev.event = 1;
  assert_int_equal(ript_dtmf_receiver_push(&rx, 99999, &ev), 1);
  /* Same start, another event code: another event. */
  ev.event = 2;
  assert_int_equal(ript_dtmf_receiver_push(&rx, 99999, &ev), 1);
  assert_int_equal(ript_dtmf_receiver_push(NULL, 0, &ev),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dtmf_receiver_push(&rx, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_dtmf_receiver_init(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_digits),
      cmocka_unit_test(test_payload),
      cmocka_unit_test(test_payload_errors),
      cmocka_unit_test(test_sender_default_schedule),
      cmocka_unit_test(test_sender_interval_20),
      cmocka_unit_test(test_sender_late_poll_and_gap),
      cmocka_unit_test(test_sender_errors),
      cmocka_unit_test(test_end_to_end),
      cmocka_unit_test(test_receiver_history),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

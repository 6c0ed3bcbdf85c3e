#include <stdlib.h>
#include <string.h>

#include "ript/jitter.h"
#include "testutil.h"

/* Pops everything due at |now| into |seqs| (gaps negated - 1). */
static size_t drain(ript_jitter *jb, int64_t now, long *seqs, size_t max) {
  size_t n = 0;
  ript_jitter_frame f;
  int rv;
  while ((rv = ript_jitter_pop(jb, now, &f)) != RIPT_JITTER_NONE) {
    assert_true(n < max);
    if (rv == RIPT_JITTER_FRAME) {
      assert_non_null(f.data);
      assert_int_equal(f.len, 1);
      assert_int_equal(f.data[0], (uint8_t)f.sequence);
      seqs[n++] = (long)f.sequence;
    } else {
      assert_int_equal(rv, RIPT_JITTER_GAP);
      assert_null(f.data);
      assert_int_equal(f.len, 0);
      seqs[n++] = -(long)f.sequence - 1;
    }
  }
  return n;
}

static int push(ript_jitter *jb, uint64_t seq, int64_t ts, int64_t now) {
  uint8_t b = (uint8_t)seq;
  return ript_jitter_push(jb, seq, ts, &b, 1, now);
}

/* Steady 30 ms transit, delay 60: frame k (ts 20k) plays at 20k + 90. */
static void test_in_order_timing(void **state) {
  (void)state;
  ript_jitter *jb;
  assert_int_equal(ript_jitter_new(&jb, NULL, NULL), 0);
  assert_int_equal(ript_jitter_next(jb), INT64_MAX);
  for (int k = 0; k < 10; ++k)
    assert_int_equal(push(jb, 100 + k, 5000 + 20 * k, 5030 + 20 * k),
                     RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_next(jb), 5090);
  long seqs[4];
  for (int64_t t = 5000; t < 5300; ++t) {
    size_t n = drain(jb, t, seqs, 4);
    if ((t - 5090) % 20 == 0 && t >= 5090 && t <= 5270) {
      assert_int_equal(n, 1);
      assert_int_equal(seqs[0], 100 + (t - 5090) / 20);
    } else {
      assert_int_equal(n, 0);
    }
  }
  ript_jitter_stats st;
  ript_jitter_get_stats(jb, &st);
  assert_int_equal(st.received, 10);
  assert_int_equal(st.played, 10);
  assert_int_equal(st.concealed + st.late + st.duplicated + st.resyncs, 0);
  ript_jitter_del(jb);
}

static void test_reorder_duplicate_gap_late(void **state) {
  (void)state;
  ript_jitter *jb;
  ript_jitter_config cfg = {40, 20, 16, 0};
  assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
  /* Arrivals (seq, ts, now): 0, 2, 1, 1 again, 4, 5 (3 is lost). */
  assert_int_equal(push(jb, 0, 0, 10), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 2, 40, 45), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 1, 20, 48), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 1, 20, 49), RIPT_JITTER_DUPLICATE);
  assert_int_equal(push(jb, 4, 80, 95), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 5, 100, 112), RIPT_JITTER_QUEUED);
  /* offset = min transit (5) + 40: frame k plays at ts + 45. */
  long seqs[16];
  size_t n = drain(jb, 44, seqs, 16);
  assert_int_equal(n, 0);
  assert_int_equal(ript_jitter_next(jb), 45);
  n = drain(jb, 85, seqs, 16);
  assert_int_equal(n, 3);
  assert_int_equal(seqs[0], 0);
  assert_int_equal(seqs[1], 1);
  assert_int_equal(seqs[2], 2);
  /* A copy of an already played frame. */
  assert_int_equal(push(jb, 2, 40, 86), RIPT_JITTER_DUPLICATE);
  /* 3 is missing: its slot (ts 60) comes at 105. */
  assert_int_equal(ript_jitter_next(jb), 105);
  assert_int_equal(drain(jb, 104, seqs, 16), 0);
  n = drain(jb, 105, seqs, 16);
  assert_int_equal(n, 1);
  assert_int_equal(seqs[0], -4);
  assert_int_equal(push(jb, 3, 60, 106), RIPT_JITTER_LATE);
  n = drain(jb, 200, seqs, 16);
  assert_int_equal(n, 2);
  assert_int_equal(seqs[0], 4);
  assert_int_equal(seqs[1], 5);
  /* Nothing held: nothing to do, however long we wait. */
  assert_int_equal(ript_jitter_next(jb), INT64_MAX);
  assert_int_equal(drain(jb, 100000, seqs, 16), 0);
  ript_jitter_stats st;
  ript_jitter_get_stats(jb, &st);
  assert_int_equal(st.received, 5);
  assert_int_equal(st.played, 5);
  assert_int_equal(st.concealed, 1);
  assert_int_equal(st.late, 1);
  assert_int_equal(st.duplicated, 2);
  ript_jitter_get_stats(NULL, &st);
  ript_jitter_get_stats(jb, NULL);
  ript_jitter_del(jb);
}

/* While nothing later is held, a missing frame is waited for (a stall, or
 * the end of a talk spurt); it is concealed once a later one arrives. */
static void test_wait_then_conceal(void **state) {
  (void)state;
  ript_jitter *jb;
  assert_int_equal(ript_jitter_new(&jb, NULL, NULL), 0);
  assert_int_equal(push(jb, 0, 0, 0), RIPT_JITTER_QUEUED);
  long seqs[8];
  assert_int_equal(drain(jb, 60, seqs, 8), 1);
  assert_int_equal(drain(jb, 500, seqs, 8), 0);
  /* 1 and 2 never come; 3 arrives very late: both gaps at once, then 3. */
  assert_int_equal(push(jb, 3, 60, 510), RIPT_JITTER_QUEUED);
  assert_int_equal(drain(jb, 510, seqs, 8), 3);
  assert_int_equal(seqs[0], -2);
  assert_int_equal(seqs[1], -3);
  assert_int_equal(seqs[2], 3);
  ript_jitter_del(jb);
}

static void test_gap_timestamps_and_learning(void **state) {
  (void)state;
  ript_jitter *jb;
  assert_int_equal(ript_jitter_new(&jb, NULL, NULL), 0);
  /* 30 ms frames, 2 missing: its estimated timestamp is 30 ms after 1. */
  assert_int_equal(push(jb, 0, 1000, 1000), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 1, 1030, 1030), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 3, 1090, 1090), RIPT_JITTER_QUEUED);
  ript_jitter_frame f;
  assert_int_equal(ript_jitter_pop(jb, 1060, &f), RIPT_JITTER_FRAME);
  assert_int_equal(ript_jitter_pop(jb, 1090, &f), RIPT_JITTER_FRAME);
  assert_int_equal(ript_jitter_next(jb), 1120);
  assert_int_equal(ript_jitter_pop(jb, 1119, &f), RIPT_JITTER_NONE);
  assert_int_equal(ript_jitter_pop(jb, 1120, &f), RIPT_JITTER_GAP);
  assert_int_equal(f.sequence, 2);
  assert_int_equal(f.timestamp_ms, 1060);
  assert_int_equal(ript_jitter_pop(jb, 1150, &f), RIPT_JITTER_FRAME);
  assert_int_equal(f.sequence, 3);
  /* A pause (CN) keeps its length: 4 has ts 5000 and plays at 5060. */
  assert_int_equal(push(jb, 4, 5000, 5010), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_next(jb), 5060);
  assert_int_equal(ript_jitter_pop(jb, 5059, &f), RIPT_JITTER_NONE);
  assert_int_equal(ript_jitter_pop(jb, 5060, &f), RIPT_JITTER_FRAME);
  /* A gap is never placed after the next held frame. */
  assert_int_equal(push(jb, 6, 5010, 5070), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_pop(jb, 5070, &f), RIPT_JITTER_GAP);
  assert_int_equal(f.timestamp_ms, 5010);
  assert_int_equal(ript_jitter_pop(jb, 5070, &f), RIPT_JITTER_FRAME);
  assert_int_equal(f.sequence, 6);
  ript_jitter_del(jb);
}

static void test_rewind_before_first_release(void **state) {
  (void)state;
  ript_jitter *jb;
  ript_jitter_config cfg = {0, 0, 8, 0};
  assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
  /* The first arrival was slow (transit 50), the earlier frame fast (10):
   * the fast one sets the offset. */
  assert_int_equal(push(jb, 10, 200, 250), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 9, 180, 190), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_next(jb), 180 + 10 + 60);
  /* Too far back for the capacity: late. */
  assert_int_equal(push(jb, 2, 40, 191), RIPT_JITTER_LATE);
  long seqs[4];
  assert_int_equal(drain(jb, 270, seqs, 4), 2);
  assert_int_equal(seqs[0], 9);
  assert_int_equal(seqs[1], 10);
  /* After the first release the offset is fixed. */
  assert_int_equal(push(jb, 11, 220, 221), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_next(jb), 290);
  ript_jitter_del(jb);
}

static void test_resync_and_reset(void **state) {
  (void)state;
  ript_jitter *jb;
  ript_jitter_config cfg = {0, 0, 8, 0};
  assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
  assert_int_equal(push(jb, 0, 0, 0), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 1, 20, 20), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 7, 140, 140), RIPT_JITTER_QUEUED);
  /* 8 ahead of the cursor (0) with capacity 8: restart there. */
  assert_int_equal(push(jb, 8, 160, 160), RIPT_JITTER_QUEUED);
  ript_jitter_stats st;
  ript_jitter_get_stats(jb, &st);
  assert_int_equal(st.resyncs, 1);
  assert_int_equal(st.late, 3);
  long seqs[4];
  assert_int_equal(drain(jb, 1000, seqs, 4), 1);
  assert_int_equal(seqs[0], 8);
  assert_int_equal(push(jb, 7, 140, 1001), RIPT_JITTER_LATE);
  /* A reset forgets the stream (the statistics stay). */
  ript_jitter_frame f;
  assert_int_equal(push(jb, 9, 180, 1001), RIPT_JITTER_QUEUED);
  ript_jitter_reset(jb);
  assert_int_equal(ript_jitter_pop(jb, 99999, &f), RIPT_JITTER_NONE);
  assert_int_equal(push(jb, 3, 0, 2000), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_pop(jb, 2059, &f), RIPT_JITTER_NONE);
  assert_int_equal(ript_jitter_pop(jb, 2060, &f), RIPT_JITTER_FRAME);
  assert_int_equal(f.sequence, 3);
  ript_jitter_get_stats(jb, &st);
  assert_int_equal(st.played, 2);
  ript_jitter_reset(jb);
  ript_jitter_reset(NULL);
  ript_jitter_del(jb);
  ript_jitter_del(NULL);
}

/* Sequence numbers wrap from 2^64 - 1 to 0 like any other step, with a
 * capacity that is not a power of two (found by fuzz_jitter). */
/* A new numbering (a new server instance after a migration): frames held
 * still play, the new ones follow them without a gap or a resync, and a
 * pause in the timestamps stays a pause; backwards as well as forwards. */
static void test_renumber(void **state) {
  (void)state;
  static const uint64_t firsts[] = {UINT64_C(1) << 40, 7};
  for (size_t k = 0; k < 2; ++k) {
    ript_jitter *jb;
    ript_jitter_config cfg = {60, 20, 64, 0};
    assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
    ript_jitter_renumber(jb, 12345); /* nothing yet: no effect */
    uint8_t mark;
    for (int i = 0; i < 5; ++i) {
      mark = (uint8_t)(0x10 + i);
      assert_int_equal(ript_jitter_push(jb, 1000 + (uint64_t)i, 20 * i, &mark,
                                        1, 20 * i + 5),
                       RIPT_JITTER_QUEUED);
    }
    /* 3 s later the new instance numbers from firsts[k]. */
    ript_jitter_renumber(jb, firsts[k]);
    for (int i = 0; i < 5; ++i) {
      mark = (uint8_t)(0x20 + i);
      assert_int_equal(ript_jitter_push(jb, firsts[k] + (uint64_t)i,
                                        3000 + 20 * i, &mark, 1,
                                        3000 + 20 * i + 5),
                       RIPT_JITTER_QUEUED);
    }
    ript_jitter_frame f;
    uint64_t expect = 1000;
    for (int i = 0; i < 10; ++i) {
      int64_t due = ript_jitter_next(jb);
      assert_true(due == (i < 5 ? 20 * i : 3000 + 20 * (i - 5)) + 65);
      assert_int_equal(ript_jitter_pop(jb, due, &f), RIPT_JITTER_FRAME);
      assert_true(f.sequence == expect++);
      assert_int_equal(f.data[0], i < 5 ? 0x10 + i : 0x20 + i - 5);
    }
    assert_int_equal(ript_jitter_pop(jb, INT64_MAX / 2, &f), RIPT_JITTER_NONE);
    ript_jitter_stats st;
    ript_jitter_get_stats(jb, &st);
    assert_int_equal(st.played, 10);
    assert_int_equal(st.concealed + st.late + st.duplicated + st.resyncs, 0);
    ript_jitter_del(jb);
  }
  ript_jitter_renumber(NULL, 1);
}

static void test_wrap_around(void **state) {
  (void)state;
  ript_jitter *jb;
  ript_jitter_config cfg = {0, 0, 5, 0};
  assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
  const uint64_t top = UINT64_MAX;
  assert_int_equal(push(jb, top, 0, 0), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 1, 40, 40), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, top - 1, -20, 41), RIPT_JITTER_QUEUED); /* rewind */
  assert_int_equal(push(jb, 2, 60, 60), RIPT_JITTER_QUEUED);
  ript_jitter_frame f;
  uint64_t want[] = {top - 1, top, 0, 1, 2};
  int kinds[] = {RIPT_JITTER_FRAME, RIPT_JITTER_FRAME, RIPT_JITTER_GAP,
                 RIPT_JITTER_FRAME, RIPT_JITTER_FRAME};
  for (int i = 0; i < 5; ++i) {
    assert_int_equal(ript_jitter_pop(jb, 1000, &f), kinds[i]);
    assert_true(f.sequence == want[i]);
  }
  assert_int_equal(ript_jitter_pop(jb, 1000, &f), RIPT_JITTER_NONE);
  /* Behind the cursor across the wrap: late (0 was concealed) or
   * duplicated (the top was played). */
  assert_int_equal(push(jb, 0, 20, 1001), RIPT_JITTER_LATE);
  assert_int_equal(push(jb, top, 0, 1001), RIPT_JITTER_DUPLICATE);
  assert_int_equal(push(jb, 4, 100, 1001), RIPT_JITTER_QUEUED);
  assert_int_equal(push(jb, 3, 80, 1001), RIPT_JITTER_QUEUED);
  assert_int_equal(ript_jitter_pop(jb, 1000, &f), RIPT_JITTER_FRAME);
  assert_true(f.sequence == 3);
  ript_jitter_del(jb);
}

static void test_errors(void **state) {
  (void)state;
  ript_jitter *jb;
  ript_jitter_config big = {0, 0, RIPT_JITTER_MAX_CAPACITY + 1, 0};
  assert_int_equal(ript_jitter_new(NULL, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_jitter_new(&jb, &big, NULL), RIPT_ERR_INVALID_ARGUMENT);
  ript_jitter_config small = {0, 0, 0, 4};
  assert_int_equal(ript_jitter_new(&jb, &small, NULL), 0);
  uint8_t data[5] = {0};
  assert_int_equal(ript_jitter_push(jb, 0, 0, data, 5, 0), RIPT_ERR_LIMIT);
  assert_int_equal(ript_jitter_push(jb, 0, 0, NULL, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_jitter_push(NULL, 0, 0, data, 1, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* An empty payload is a frame too. */
  assert_int_equal(ript_jitter_push(jb, 0, 0, NULL, 0, 0), RIPT_JITTER_QUEUED);
  ript_jitter_frame f;
  assert_int_equal(ript_jitter_pop(NULL, 0, &f), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_jitter_pop(jb, 0, NULL), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_jitter_pop(jb, 60, &f), RIPT_JITTER_FRAME);
  assert_null(f.data);
  assert_int_equal(f.len, 0);
  assert_int_equal(ript_jitter_next(NULL), INT64_MAX);
  ript_jitter_del(jb);
}

static void test_out_of_memory(void **state) {
  (void)state;
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_jitter *jb;
    int rv = ript_jitter_new(&jb, NULL, &fm.mem);
    if (rv != 0) {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      continue;
    }
    /* Allocation fails on the first push: nothing changes. */
    assert_int_equal(push(jb, 5, 100, 100), RIPT_ERR_NOMEM);
    assert_int_equal(ript_jitter_next(jb), INT64_MAX);
    fm.fail_after = -1;
    assert_int_equal(push(jb, 5, 100, 100), RIPT_JITTER_QUEUED);
    fm.fail_after = fm.allocs;
    assert_int_equal(push(jb, 4, 80, 100), RIPT_ERR_NOMEM);
    assert_int_equal(ript_jitter_next(jb), 160); /* no rewind happened */
    ript_jitter_stats st;
    ript_jitter_get_stats(jb, &st);
    assert_int_equal(st.received, 1);
    ript_jitter_del(jb);
    break;
  }
}

/* Random arrival orders with loss and duplication: every sequence number
 * from the first to the last comes out exactly once, in order. */
static void test_random_streams(void **state) {
  (void)state;
  uint32_t seed = 2024;
  for (int round = 0; round < 100; ++round) {
    ript_jitter *jb;
    ript_jitter_config cfg = {(unsigned)(20 + round % 5 * 20), 20, 32, 0};
    assert_int_equal(ript_jitter_new(&jb, &cfg, NULL), 0);
    int64_t arrive[200];
    for (int k = 0; k < 200; ++k) {
      seed = seed * 1103515245u + 12345u;
      arrive[k] = 20 * k + (int64_t)(seed >> 16) % 90; /* jitter 0..89 */
    }
    long out[400];
    size_t nout = 0;
    uint64_t first = UINT64_MAX;
    for (int64_t t = 0; t < 200 * 20 + 500; ++t) {
      for (int k = 0; k < 200; ++k) {
        if (arrive[k] != t)
          continue;
        seed = seed * 1103515245u + 12345u;
        int r = (int)(seed >> 16) % 10;
        if (r == 0 && k > 0 && k < 199)
          continue; /* lost */
        int copies = r == 1 ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
          int rv = push(jb, (uint64_t)k, 20 * k, t);
          assert_true(rv >= 0);
          if (rv == RIPT_JITTER_QUEUED && (uint64_t)k < first)
            first = (uint64_t)k;
        }
      }
      nout += drain(jb, t, out + nout, 400 - nout);
    }
    ript_jitter_stats st;
    ript_jitter_get_stats(jb, &st);
    assert_int_equal(st.played + st.concealed, nout);
    long expect = (long)first;
    for (size_t i = 0; i < nout; ++i) {
      long s = out[i] >= 0 ? out[i] : -out[i] - 1;
      assert_int_equal(s, expect);
      ++expect;
    }
    assert_int_equal(expect, 200);
    ript_jitter_del(jb);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_in_order_timing),
      cmocka_unit_test(test_reorder_duplicate_gap_late),
      cmocka_unit_test(test_wait_then_conceal),
      cmocka_unit_test(test_gap_timestamps_and_learning),
      cmocka_unit_test(test_rewind_before_first_release),
      cmocka_unit_test(test_resync_and_reset),
      cmocka_unit_test(test_renumber),
      cmocka_unit_test(test_wrap_around),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_random_streams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

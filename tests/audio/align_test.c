#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ript/align.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* A deterministic noise-like signal (a sum of inharmonic tones). */
static int16_t *make_signal(size_t n, uint32_t rate) {
  int16_t *x = malloc(n * sizeof(int16_t));
  for (size_t i = 0; i < n; ++i) {
    double t = (double)i / rate;
    double v = 0.3 * sin(2 * PI * 440 * t) + 0.2 * sin(2 * PI * 1231 * t) +
               0.2 * sin(2 * PI * 173 * t + 1) +
               0.1 * sin(2 * PI * 2903 * t * (1 + t));
    x[i] = (int16_t)(v * 32767);
  }
  return x;
}

/* Direct ncc at one lag, for cross-checking the FFT path. */
static double direct_ncc(const int16_t *ref, size_t nref, const int16_t *rec,
                         size_t nrec, long lag) {
  double num = 0, er = 0, ec = 0;
  for (long i = lag < 0 ? -lag : 0; i < (long)nref && i + lag < (long)nrec;
       ++i) {
    num += (double)ref[i] * rec[i + lag];
    er += (double)ref[i] * ref[i];
    ec += (double)rec[i + lag] * rec[i + lag];
  }
  return er > 0 && ec > 0 ? num / sqrt(er * ec) : 0;
}

static void test_identical_and_scaled(void **state) {
  (void)state;
  int16_t *x = make_signal(4000, 8000);
  ript_align_result r;
  assert_int_equal(ript_align(&r, x, 4000, x, 4000, 800, NULL), 0);
  assert_int_equal(r.lag, 0);
  assert_true(r.correlation > 0.999999);
  assert_int_equal(r.overlap, 4000);
  int16_t *half = malloc(4000 * sizeof(int16_t));
  for (int i = 0; i < 4000; ++i)
    half[i] = (int16_t)(x[i] / 2);
  assert_int_equal(ript_align(&r, x, 4000, half, 4000, 800, NULL), 0);
  assert_int_equal(r.lag, 0);
  assert_true(r.correlation > 0.9999);
  /* Inverted polarity is the opposite of a match. */
  for (int i = 0; i < 4000; ++i)
    half[i] = (int16_t)(-x[i] / 2);
  assert_int_equal(ript_align(&r, x, 4000, half, 4000, 0, NULL), 0);
  assert_true(r.correlation < -0.9999);
  free(half);
  free(x);
}

static void test_delayed_and_advanced(void **state) {
  (void)state;
  int16_t *x = make_signal(8000, 8000);
  static const long lags[] = {1, 37, 1234, -5, -999};
  for (size_t k = 0; k < sizeof(lags) / sizeof(lags[0]); ++k) {
    long lag = lags[k];
    /* rec[i + lag] = x[i]: a recording |lag| samples late (or early). */
    size_t nrec = 9000;
    int16_t *rec = calloc(nrec, sizeof(int16_t));
    for (long i = 0; i < 8000; ++i)
      if (i + lag >= 0 && i + lag < (long)nrec)
        rec[i + lag] = x[i];
    ript_align_result r;
    assert_int_equal(ript_align(&r, x, 8000, rec, nrec, 2000, NULL), 0);
    assert_int_equal(r.lag, lag);
    assert_true(r.correlation > 0.9999);
    double d = direct_ncc(x, 8000, rec, nrec, lag);
    assert_true(fabs(d - r.correlation) < 1e-9);
    /* A search range that excludes the lag finds something worse. */
    ript_align_result narrow;
    long range = labs(lag) - 1;
    assert_int_equal(
        ript_align(&narrow, x, 8000, rec, nrec, (size_t)range, NULL), 0);
    assert_true(labs((long)narrow.lag) <= range);
    assert_true(narrow.correlation < r.correlation - 1e-6);
    free(rec);
  }
  free(x);
}

static void test_matches_direct_at_every_lag(void **state) {
  (void)state;
  /* Short signals: the FFT result at the chosen lag equals the direct sum,
   * and no lag in range beats it. */
  int16_t ref[300], rec[250];
  uint32_t seed = 12345;
  for (int i = 0; i < 300; ++i) {
    seed = seed * 1103515245u + 12345u;
    ref[i] = (int16_t)(seed >> 16);
  }
  for (int i = 0; i < 250; ++i)
    rec[i] = (int16_t)(ref[i + 20] / 3 + (i % 7) * 100);
  ript_align_result r;
  assert_int_equal(ript_align(&r, ref, 300, rec, 250, 100, NULL), 0);
  assert_int_equal(r.lag, -20);
  double best = -2;
  for (long lag = -100; lag <= 100; ++lag) {
    long i0 = lag < 0 ? -lag : 0;
    long i1 = 250 - lag < 300 ? 250 - lag : 300;
    if (i1 - i0 < 125)
      continue;
    double d = direct_ncc(ref, 300, rec, 250, lag);
    if (d > best)
      best = d;
  }
  assert_true(fabs(best - r.correlation) < 1e-9);
}

static void test_silence_and_unrelated(void **state) {
  (void)state;
  int16_t zeros[1000] = {0};
  int16_t *x = make_signal(1000, 8000);
  ript_align_result r;
  assert_int_equal(ript_align(&r, zeros, 1000, x, 1000, 100, NULL), 0);
  assert_int_equal(r.lag, 0);
  assert_true(r.correlation == 0.0);
  int16_t noise[1000];
  uint32_t seed = 99;
  for (int i = 0; i < 1000; ++i) {
    seed = seed * 1664525u + 1013904223u;
    noise[i] = (int16_t)(seed >> 16);
  }
  assert_int_equal(ript_align(&r, x, 1000, noise, 1000, 100, NULL), 0);
  assert_true(fabs(r.correlation) < 0.2);
  /* One sample each; a lag range beyond the signals is cut. */
  assert_int_equal(ript_align(&r, x, 1, x, 1, 1000000, NULL), 0);
  assert_int_equal(r.lag, 0);
  free(x);
}

/* 10 s at 8 kHz, lags up to 2 s either way: well under a second. */
static void test_speed(void **state) {
  (void)state;
  size_t n = 80000;
  int16_t *x = make_signal(n, 8000);
  int16_t *rec = calloc(n + 8000, sizeof(int16_t));
  memcpy(rec + 4321, x, n * sizeof(int16_t));
  clock_t t0 = clock();
  ript_align_result r;
  assert_int_equal(ript_align(&r, x, n, rec, n + 8000, 16000, NULL), 0);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_int_equal(r.lag, 4321);
  assert_true(r.correlation > 0.9999);
  /* Generous for valgrind, which runs this ~50 times slower. */
  assert_true(secs < 30.0);
  free(rec);
  free(x);
}

static void test_resampled(void **state) {
  (void)state;
  /* Reference: 1 s at 16 kHz mono. Recording: the same at 48 kHz stereo,
   * 100 ms late. Compared at 8 kHz: lag 800. */
  int16_t *ref = make_signal(16000, 16000);
  size_t nrec = 48000 + 4800;
  int16_t *rec = calloc(nrec * 2, sizeof(int16_t));
  int16_t *hi = make_signal(48000, 48000);
  for (size_t i = 0; i < 48000; ++i)
    rec[2 * (i + 4800)] = rec[2 * (i + 4800) + 1] = hi[i];
  ript_align_signal a = {ref, 16000, 16000, 1};
  ript_align_signal b = {rec, nrec, 48000, 2};
  ript_align_result r;
  assert_int_equal(ript_align_resampled(&r, &a, &b, 8000, 500, NULL), 0);
  assert_true(labs((long)r.lag - 800) <= 1);
  assert_true(r.correlation > 0.99);
  /* Errors. */
  assert_int_equal(ript_align_resampled(NULL, &a, &b, 8000, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align_resampled(&r, NULL, &b, 8000, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align_resampled(&r, &a, NULL, 8000, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align_resampled(&r, &a, &b, 10, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_align_signal empty = {ref, 0, 16000, 1};
  assert_int_equal(ript_align_resampled(&r, &empty, &b, 8000, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_align_signal mono3 = {ref, 100, 16000, 3};
  assert_int_equal(ript_align_resampled(&r, &a, &mono3, 8000, 500, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Out of memory anywhere: NOMEM, no leak. */
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    int rv = ript_align_resampled(&r, &a, &b, 8000, 500, &fm.mem);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  free(hi);
  free(rec);
  free(ref);
}

static void test_errors_and_oom(void **state) {
  (void)state;
  int16_t x[16] = {1, 2, 3};
  ript_align_result r;
  assert_int_equal(ript_align(NULL, x, 16, x, 16, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align(&r, NULL, 16, x, 16, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align(&r, x, 16, NULL, 16, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align(&r, x, 0, x, 16, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_align(&r, x, 16, x, 0, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Too long for the FFT limit (the data is never read). */
  assert_int_equal(ript_align(&r, x, RIPT_ALIGN_MAX_FFT + 1, x, 16, 0, NULL),
                   RIPT_ERR_LIMIT);
  assert_int_equal(ript_align(&r, x, RIPT_ALIGN_MAX_FFT / 2 + 1, x, 16,
                              RIPT_ALIGN_MAX_FFT / 2, NULL),
                   RIPT_ERR_LIMIT);
  long n = 0;
  for (;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    int rv = ript_align(&r, x, 16, x, 16, 4, &fm.mem);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  assert_int_equal(n, 6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identical_and_scaled),
      cmocka_unit_test(test_delayed_and_advanced),
      cmocka_unit_test(test_matches_direct_at_every_lag),
      cmocka_unit_test(test_silence_and_unrelated),
      cmocka_unit_test(test_speed),
      cmocka_unit_test(test_resampled),
      cmocka_unit_test(test_errors_and_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

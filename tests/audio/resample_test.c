#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/align.h"
#include "ript/resample.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static int16_t *tone(size_t frames, unsigned channels, uint32_t rate, double hz,
                     double amp) {
  int16_t *x = malloc(frames * channels * sizeof(int16_t) + 1);
  for (size_t i = 0; i < frames; ++i)
    for (unsigned c = 0; c < channels; ++c)
      x[i * channels + c] =
          (int16_t)(amp * 32767 * sin(2 * PI * hz * (double)i / rate));
  return x;
}

/* 44.1 kHz stereo -> 8 kHz mono keeps a 1 kHz tone: compared with a 1 kHz
 * tone synthesised at 8 kHz. */
static void test_one_shot_441_stereo_to_8k_mono(void **state) {
  (void)state;
  int16_t *in = tone(44100, 2, 44100, 1000, 0.5);
  int16_t *out = NULL;
  size_t frames = 0;
  assert_int_equal(
      ript_resample(&out, &frames, in, 44100, 44100, 2, 8000, 1, NULL), 0);
  assert_int_equal(frames, 8000);
  int16_t *ref = tone(8000, 1, 8000, 1000, 0.5);
  /* A tone repeats every 8 samples: search within one period. */
  ript_align_result r;
  assert_int_equal(ript_align(&r, ref, 8000, out, frames, 4, NULL), 0);
  printf("# 44.1k stereo -> 8k mono, 1 kHz: ncc %.6f at lag %lld\n",
         r.correlation, (long long)r.lag);
  assert_true(r.correlation >= 0.95);
  assert_int_equal(r.lag, 0); /* the filter delay is removed */
  /* The level survives too: rms within 0.5 dB, away from the edges. */
  double e_in = 0, e_out = 0;
  for (int i = 400; i < 7600; ++i) {
    e_in += (double)ref[i] * ref[i];
    e_out += (double)out[i] * out[i];
  }
  assert_true(fabs(10 * log10(e_out / e_in)) < 0.5);
  ript_free(NULL, out);
  free(ref);
  free(in);
}

/* Stereo to mono averages; mono to stereo duplicates; equal rates copy. */
static void test_channels_equal_rate(void **state) {
  (void)state;
  int16_t st[8] = {100, 300, -100, -301, 32767, 32767, -32768, -32768};
  int16_t mono[4];
  ript_resampler *rs;
  assert_int_equal(ript_resampler_new(&rs, 16000, 2, 16000, 1, 5, NULL), 0);
  assert_int_equal(ript_resampler_delay(rs), 0);
  assert_int_equal(ript_resampler_out_max(rs, 4), 6);
  assert_int_equal(ript_resampler_process(rs, st, 4, mono, 5), RIPT_ERR_NOBUF);
  int16_t big[12];
  assert_int_equal(ript_resampler_process(rs, st, 4, big, 12), 4);
  memcpy(mono, big, sizeof(mono));
  assert_int_equal(mono[0], 200);
  assert_int_equal(mono[1], -200);
  assert_int_equal(mono[2], 32767);
  assert_int_equal(mono[3], -32768);
  ript_resampler_del(rs);

  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 8000, 2, 0, NULL), 0);
  int16_t wide[12];
  assert_int_equal(ript_resampler_process(rs, mono, 4, wide, 6), 4);
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(wide[2 * i], mono[i]);
    assert_int_equal(wide[2 * i + 1], mono[i]);
  }
  ript_resampler_del(rs);

  assert_int_equal(ript_resampler_new(&rs, 48000, 2, 48000, 2, 10, NULL), 0);
  int16_t copy[12];
  assert_int_equal(ript_resampler_process(rs, st, 4, copy, 6), 4);
  assert_memory_equal(copy, st, sizeof(st));
  assert_int_equal(ript_resampler_process(rs, NULL, 0, NULL, 0),
                   RIPT_ERR_NOBUF); /* out_max(0) is 2 */
  assert_int_equal(ript_resampler_process(rs, NULL, 0, copy, 2), 0);
  ript_resampler_del(rs);
}

/* Feeding a stream in pieces of any size gives the same output as one call
 * (the state carries over), and out_max is never exceeded. */
static void test_streaming_in_pieces(void **state) {
  (void)state;
  static const struct {
    uint32_t in, out;
    unsigned ich, och;
  } cases[] = {{44100, 8000, 2, 1},
               {8000, 48000, 1, 2},
               {16000, 8000, 1, 1},
               {48000, 16000, 2, 2},
               {11025, 22050, 1, 2}};
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); ++c) {
    size_t n = cases[c].in / 2; /* 0.5 s */
    int16_t *in = tone(n, cases[c].ich, cases[c].in, 440, 0.3);
    ript_resampler *whole, *parts;
    assert_int_equal(ript_resampler_new(&whole, cases[c].in, cases[c].ich,
                                        cases[c].out, cases[c].och, 5, NULL),
                     0);
    assert_int_equal(ript_resampler_new(&parts, cases[c].in, cases[c].ich,
                                        cases[c].out, cases[c].och, 5, NULL),
                     0);
    assert_true(ript_resampler_delay(whole) > 0);
    size_t cap = ript_resampler_out_max(whole, n);
    int16_t *a = malloc(cap * cases[c].och * sizeof(int16_t));
    int16_t *b = malloc((cap + 4096) * cases[c].och * sizeof(int16_t));
    ript_ssize na = ript_resampler_process(whole, in, n, a, cap);
    assert_true(na > 0 && (size_t)na <= cap);
    size_t nb = 0, pos = 0, step = 1;
    while (pos < n) {
      size_t k = n - pos < step ? n - pos : step;
      size_t room = ript_resampler_out_max(parts, k);
      ript_ssize got = ript_resampler_process(parts, in + pos * cases[c].ich, k,
                                              b + nb * cases[c].och, room);
      assert_true(got >= 0 && (size_t)got <= room);
      nb += (size_t)got;
      pos += k;
      step = step * 3 + 1; /* 1, 4, 13, 40, ... 1093 and beyond */
      if (step > 3000)
        step = 7;
    }
    assert_int_equal(nb, (size_t)na);
    assert_memory_equal(a, b, nb * cases[c].och * sizeof(int16_t));
    free(a);
    free(b);
    ript_resampler_del(whole);
    ript_resampler_del(parts);
    free(in);
  }
}

/* Upsampling keeps the tone, and the length is rounded from the ratio. */
static void test_one_shot_lengths_and_up(void **state) {
  (void)state;
  int16_t *in = tone(800, 1, 8000, 440, 0.5);
  int16_t *out;
  size_t frames;
  assert_int_equal(
      ript_resample(&out, &frames, in, 800, 8000, 1, 48000, 2, NULL), 0);
  assert_int_equal(frames, 4800);
  int16_t *ref = tone(4800, 1, 48000, 440, 0.5);
  int16_t *left = malloc(4800 * sizeof(int16_t));
  for (int i = 0; i < 4800; ++i) {
    left[i] = out[2 * i];
    assert_int_equal(out[2 * i], out[2 * i + 1]);
  }
  ript_align_result r;
  assert_int_equal(ript_align(&r, ref, 4800, left, 4800, 48, NULL), 0);
  assert_true(r.correlation > 0.99);
  assert_true(labs((long)r.lag) <= 1);
  ript_free(NULL, out);
  free(left);
  free(ref);
  /* 7 frames at 44.1 kHz are 1.27 frames at 8 kHz: 1. */
  assert_int_equal(ript_resample(&out, &frames, in, 7, 44100, 1, 8000, 1, NULL),
                   0);
  assert_int_equal(frames, 1);
  ript_free(NULL, out);
  /* Too short for one output frame: nothing. */
  assert_int_equal(ript_resample(&out, &frames, in, 2, 44100, 1, 8000, 1, NULL),
                   0);
  assert_int_equal(frames, 0);
  assert_null(out);
  /* Equal rates: a copy. */
  assert_int_equal(
      ript_resample(&out, &frames, in, 800, 8000, 1, 8000, 1, NULL), 0);
  assert_int_equal(frames, 800);
  assert_memory_equal(out, in, 800 * sizeof(int16_t));
  ript_free(NULL, out);
  free(in);
}

static void test_errors(void **state) {
  (void)state;
  ript_resampler *rs;
  assert_int_equal(ript_resampler_new(NULL, 8000, 1, 8000, 1, 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 999, 1, 8000, 1, 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 768001, 1, 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 0, 8000, 1, 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 8000, 3, 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 16000, 1, -1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 16000, 1, 11, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_new(&rs, 8000, 1, 16000, 1, 5, NULL), 0);
  int16_t buf[64] = {0};
  assert_int_equal(ript_resampler_process(NULL, buf, 1, buf, 64),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_process(rs, NULL, 1, buf, 64),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_process(rs, buf, 1, NULL, 64),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resampler_process(rs, buf, 10, buf + 32, 21),
                   RIPT_ERR_NOBUF);
  assert_int_equal(ript_resampler_out_max(rs, 10), 22);
  assert_int_equal(ript_resampler_out_max(NULL, 10), 0);
  assert_int_equal(ript_resampler_delay(NULL), 0);
  ript_resampler_del(rs);
  ript_resampler_del(NULL);

  int16_t *out;
  size_t frames;
  assert_int_equal(ript_resample(NULL, &frames, buf, 1, 8000, 1, 8000, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resample(&out, NULL, buf, 1, 8000, 1, 8000, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_resample(&out, &frames, NULL, 1, 8000, 1, 8000, 1, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_resample(&out, &frames, buf, 1, 8000, 1, 8000, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_resample(&out, &frames, buf, SIZE_MAX / 2, 8000, 1, 8000, 1, NULL),
      RIPT_ERR_NOMEM);
}

static void test_out_of_memory(void **state) {
  (void)state;
  int16_t *in = tone(441, 2, 44100, 1000, 0.5);
  for (int k = 0; k < 2; ++k) {
    uint32_t out_rate = k ? 8000 : 44100;
    for (long n = 0;; ++n) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, n);
      ript_resampler *rs;
      int rv = ript_resampler_new(&rs, 44100, 2, out_rate, 1, 5, &fm.mem);
      if (rv == 0) {
        ript_resampler_del(rs);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    }
    for (long n = 0;; ++n) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, n);
      int16_t *out = NULL;
      size_t frames;
      int rv =
          ript_resample(&out, &frames, in, 441, 44100, 2, out_rate, 1, &fm.mem);
      if (rv == 0) {
        ript_free(&fm.mem, out);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_null(out);
    }
  }
  free(in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_shot_441_stereo_to_8k_mono),
      cmocka_unit_test(test_channels_equal_rate),
      cmocka_unit_test(test_streaming_in_pieces),
      cmocka_unit_test(test_one_shot_lengths_and_up),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

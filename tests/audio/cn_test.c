#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ript/cn.h"
#include "testutil.h"

#define PI 3.14159265358979323846
#define FRAME 160 /* 20 ms at 8 kHz */

static void test_level(void **state) {
  (void)state;
  int16_t x[FRAME];
  memset(x, 0, sizeof(x));
  assert_int_equal(ript_cn_level(x, FRAME), 127);
  assert_int_equal(ript_cn_level(NULL, 0), 127);
  assert_int_equal(ript_cn_level(x, 0), 127);
  for (int i = 0; i < FRAME; ++i)
    x[i] = (int16_t)(i % 2 ? 32767 : -32767);
  assert_int_equal(ript_cn_level(x, FRAME), 0);
  for (int i = 0; i < FRAME; ++i)
    x[i] = (int16_t)(i % 2 ? 3277 : -3277); /* -20 dBov */
  assert_int_equal(ript_cn_level(x, FRAME), 20);
  for (int i = 0; i < FRAME; ++i)
    x[i] = (int16_t)(32767 * sin(2 * PI * i / 16.0)); /* sine: -3 dBov */
  assert_int_equal(ript_cn_level(x, FRAME), 3);
  for (int i = 0; i < FRAME; ++i)
    x[i] = (int16_t)(i % 2 ? 1 : -1);
  assert_int_equal(ript_cn_level(x, FRAME), 90);
  x[0] = 0;
  for (int i = 1; i < FRAME; ++i)
    x[i] = 0;
  x[7] = 1; /* -112 dBov */
  assert_int_equal(ript_cn_level(x, FRAME), 112);
  int16_t tiny[1000] = {0};
  tiny[0] = 1;
  assert_int_equal(ript_cn_level(tiny, 1000), 120);
}

static void test_payload(void **state) {
  (void)state;
  size_t len;
  uint8_t out[64];
  uint8_t *expected = ript_test_example_hex("cn-level-only", &len);
  ript_cn_payload cn = {40, 0, {0}};
  assert_int_equal(ript_cn_encode(&cn, out, sizeof(out)), 1);
  assert_int_equal(len, 1);
  assert_memory_equal(out, expected, 1);
  free(expected);

  expected = ript_test_example_hex("cn-spectral", &len);
  ript_cn_payload got;
  assert_int_equal(ript_cn_decode(&got, expected, len, NULL), 0);
  assert_int_equal(got.level, 60);
  assert_int_equal(got.order, 4);
  assert_memory_equal(got.coeffs, expected + 1, 4);
  assert_int_equal(ript_cn_encode(&got, out, sizeof(out)), 5);
  assert_memory_equal(out, expected, 5);
  free(expected);

  uint8_t max[1 + RIPT_CN_MAX_ORDER];
  memset(max, 0x55, sizeof(max));
  max[0] = 127;
  assert_int_equal(ript_cn_decode(&got, max, sizeof(max), NULL), 0);
  assert_int_equal(got.order, RIPT_CN_MAX_ORDER);
  assert_int_equal(ript_cn_encode(&got, out, sizeof(max)),
                   (ript_ssize)sizeof(max));
  assert_memory_equal(out, max, sizeof(max));
}

static void test_payload_errors(void **state) {
  (void)state;
  ript_cn_payload cn = {128, 0, {0}};
  uint8_t out[40];
  assert_int_equal(ript_cn_encode(&cn, out, 40), RIPT_ERR_INVALID_ARGUMENT);
  cn.level = 1;
  cn.order = RIPT_CN_MAX_ORDER + 1;
  assert_int_equal(ript_cn_encode(&cn, out, 40), RIPT_ERR_INVALID_ARGUMENT);
  cn.order = 3;
  assert_int_equal(ript_cn_encode(&cn, out, 3), RIPT_ERR_NOBUF);
  assert_int_equal(ript_cn_encode(&cn, out, 0), RIPT_ERR_NOBUF);
  assert_int_equal(ript_cn_encode(NULL, out, 4), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_cn_encode(&cn, NULL, 4), RIPT_ERR_INVALID_ARGUMENT);

  ript_parse_error err;
  assert_int_equal(ript_cn_decode(&cn, NULL, 0, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
  assert_non_null(err.expected);
  const uint8_t high[2] = {0x80, 0x00};
  assert_int_equal(ript_cn_decode(&cn, high, 2, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
  uint8_t big[2 + RIPT_CN_MAX_ORDER] = {0};
  assert_int_equal(ript_cn_decode(&cn, big, sizeof(big), &err), RIPT_ERR_LIMIT);
  assert_int_equal(err.offset, 1 + RIPT_CN_MAX_ORDER);
  assert_int_equal(ript_cn_decode(&cn, big, sizeof(big), NULL), RIPT_ERR_LIMIT);
  assert_int_equal(ript_cn_decode(NULL, big, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_cn_decode(&cn, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_generator(void **state) {
  (void)state;
  static const unsigned levels[] = {10, 30, 50, 70, 90};
  int16_t x[8000];
  for (size_t k = 0; k < 5; ++k) {
    ript_cn_generator g;
    ript_cn_generator_init(&g, 42 + k);
    assert_int_equal(ript_cn_generate(&g, levels[k], x, 8000), 0);
    int lvl = ript_cn_level(x, 8000);
    assert_true(abs(lvl - (int)levels[k]) <= 1);
  }
  /* Deterministic per seed; seed 0 works; streams differ per seed. */
  int16_t a[100], b[100];
  ript_cn_generator g1, g2;
  ript_cn_generator_init(&g1, 0);
  ript_cn_generator_init(&g2, 0);
  assert_int_equal(ript_cn_generate(&g1, 30, a, 100), 0);
  assert_int_equal(ript_cn_generate(&g2, 30, b, 100), 0);
  assert_memory_equal(a, b, sizeof(a));
  int nonzero = 0;
  for (int i = 0; i < 100; ++i)
    nonzero += a[i] != 0;
  assert_true(nonzero > 90);
  ript_cn_generator_init(&g2, 1);
  assert_int_equal(ript_cn_generate(&g2, 30, b, 100), 0);
  assert_memory_not_equal(a, b, sizeof(a));
  /* Silence, and clipping at full scale (quieter than asked, in range). */
  assert_int_equal(ript_cn_generate(&g1, 127, a, 100), 0);
  assert_int_equal(ript_cn_generate(&g1, 200, b, 100), 0);
  for (int i = 0; i < 100; ++i)
    assert_int_equal(a[i] | b[i], 0);
  assert_int_equal(ript_cn_generate(&g1, 0, x, 8000), 0);
  assert_true(ript_cn_level(x, 8000) <= 2);
  assert_int_equal(ript_cn_generate(&g1, 30, NULL, 0), 0);
  assert_int_equal(ript_cn_generate(&g1, 127, NULL, 0), 0);
  assert_int_equal(ript_cn_generate(NULL, 30, a, 1), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_cn_generate(&g1, 30, NULL, 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_cn_generator_init(NULL, 1);
}

/* One 20 ms frame of a 440 Hz tone at |amp| (of full scale) plus noise at
 * |noise_level| -dBov. */
static void frame(int16_t *x, int idx, double amp, unsigned noise_level,
                  ript_cn_generator *g) {
  ript_cn_generate(g, noise_level, x, FRAME);
  for (int i = 0; i < FRAME; ++i) {
    double v =
        x[i] + amp * 32767 * sin(2 * PI * 440 * (idx * FRAME + i) / 8000.0);
    x[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
  }
}

/* |n| frames; returns the decisions in |out|, levels in |lv|. */
static void run_vad(ript_vad *v, int *out, uint8_t *lv, int from, int n,
                    double amp, unsigned noise, ript_cn_generator *g) {
  int16_t x[FRAME];
  for (int i = 0; i < n; ++i) {
    frame(x, from + i, amp, noise, g);
    out[i] = ript_vad_process(v, x, FRAME, &lv[i]);
    assert_true(out[i] >= 0);
  }
}

static void test_vad_tone_then_silence(void **state) {
  (void)state;
  ript_vad v;
  assert_int_equal(ript_vad_init(&v, NULL), 0);
  ript_cn_generator g;
  ript_cn_generator_init(&g, 7);
  int d[200];
  uint8_t lv[200];
  /* 1 s of speech-like tone (-23 dBov) over quiet noise (-70 dBov). */
  run_vad(&v, d, lv, 0, 50, 0.1, 70, &g);
  for (int i = 0; i < 50; ++i)
    assert_int_equal(d[i], RIPT_VAD_MEDIA);
  assert_true(lv[10] >= 22 && lv[10] <= 24);
  /* 2.5 s of the noise alone: 200 ms of hangover (10 frames), then CN once,
   * SILENT, and CN again every second. */
  run_vad(&v, d, lv, 50, 125, 0.0, 70, &g);
  for (int i = 0; i < 10; ++i)
    assert_int_equal(d[i], RIPT_VAD_MEDIA);
  assert_int_equal(d[10], RIPT_VAD_CN);
  assert_true(lv[10] >= 69 && lv[10] <= 71);
  for (int i = 11; i < 125; ++i)
    assert_int_equal(d[i], (i - 10) % 50 == 0 ? RIPT_VAD_CN : RIPT_VAD_SILENT);
  /* Speech again: media at once. */
  run_vad(&v, d, lv, 175, 5, 0.1, 70, &g);
  for (int i = 0; i < 5; ++i)
    assert_int_equal(d[i], RIPT_VAD_MEDIA);
}

static void test_vad_background_noise(void **state) {
  (void)state;
  /* Noise at -45 dBov (above the -60 dBov floor of "never speech") is not
   * speech once the floor has seen it; speech 20 dB above it is. */
  ript_vad_config cfg = {20, 100, 400, 0};
  ript_vad v;
  assert_int_equal(ript_vad_init(&v, &cfg), 0);
  ript_cn_generator g;
  ript_cn_generator_init(&g, 9);
  int d[100];
  uint8_t lv[100];
  run_vad(&v, d, lv, 0, 100, 0.0, 45, &g);
  for (int i = 0; i < 5; ++i)
    assert_int_equal(d[i], RIPT_VAD_MEDIA); /* the opening hangover */
  assert_int_equal(d[5], RIPT_VAD_CN);
  int cn = 0;
  for (int i = 5; i < 100; ++i) {
    assert_int_not_equal(d[i], RIPT_VAD_MEDIA);
    cn += d[i] == RIPT_VAD_CN;
  }
  assert_true(cn >= 4 && cn <= 6);           /* every 400 ms */
  run_vad(&v, d, lv, 100, 10, 0.05, 45, &g); /* -29 dBov */
  for (int i = 0; i < 10; ++i)
    assert_int_equal(d[i], RIPT_VAD_MEDIA);
  /* A noise level change of 3 dB or more is reported at once. */
  run_vad(&v, d, lv, 110, 20, 0.0, 45, &g);
  int last = 0;
  for (int i = 0; i < 20; ++i)
    if (d[i] == RIPT_VAD_CN)
      last = i;
  assert_true(last > 0);
  run_vad(&v, d, lv, 130, 2, 0.0, 55, &g);
  assert_int_equal(d[0], RIPT_VAD_CN);
  assert_true(lv[0] >= 54 && lv[0] <= 56);
  assert_int_equal(d[1], RIPT_VAD_SILENT);
}

static void test_vad_errors(void **state) {
  (void)state;
  ript_vad v;
  assert_int_equal(ript_vad_init(NULL, NULL), RIPT_ERR_INVALID_ARGUMENT);
  ript_vad_config slow = {2000, 0, 0, 0}; /* frames longer than a window */
  assert_int_equal(ript_vad_init(&v, &slow), 0);
  int16_t x[4] = {0};
  assert_int_equal(ript_vad_process(NULL, x, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_vad_process(&v, NULL, 4, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Empty frames are silence; the level pointer is optional. The opening
   * hangover (200 ms) ends within the first 2 s frame. */
  assert_int_equal(ript_vad_process(&v, NULL, 0, NULL), RIPT_VAD_MEDIA);
  uint8_t lv = 0;
  assert_int_equal(ript_vad_process(&v, x, 4, &lv), RIPT_VAD_CN);
  assert_int_equal(lv, 127);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_level),
      cmocka_unit_test(test_payload),
      cmocka_unit_test(test_payload_errors),
      cmocka_unit_test(test_generator),
      cmocka_unit_test(test_vad_tone_then_silence),
      cmocka_unit_test(test_vad_background_noise),
      cmocka_unit_test(test_vad_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

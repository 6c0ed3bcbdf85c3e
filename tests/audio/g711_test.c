#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/g711.h"
#include "testutil.h"

/* The G.711 decoding rules written from the standard's tables, apart from
 * the library's bit manipulation: mu-law magnitude (2m + 33) * 2^e - 33 on a
 * 14-bit scale, A-law 2m + 1 (segment 0) or (2m + 33) * 2^(e - 1) on a
 * 13-bit scale. */
static int ulaw_reference(uint8_t code) {
  int c = (~code) & 0xFF;
  int e = (c >> 4) & 7, m = c & 15;
  int mag = (2 * m + 33) * (1 << e) - 33;
  return (c & 0x80) ? -4 * mag : 4 * mag;
}

static int alaw_reference(uint8_t code) {
  int c = code ^ 0x55;
  int e = (c >> 4) & 7, m = c & 15;
  int mag = e == 0 ? 2 * m + 1 : (2 * m + 33) * (1 << (e - 1));
  return (c & 0x80) ? 8 * mag : -8 * mag;
}

static void test_known_values(void **state) {
  (void)state;
  assert_int_equal(ript_g711_ulaw_encode(0), 0xFF);
  assert_int_equal(ript_g711_alaw_encode(0), 0xD5);
  assert_int_equal(ript_g711_ulaw_decode(0xFF), 0);
  assert_int_equal(ript_g711_ulaw_decode(0x7F), 0);
  assert_int_equal(ript_g711_ulaw_decode(0x80), 32124);
  assert_int_equal(ript_g711_ulaw_decode(0x00), -32124);
  assert_int_equal(ript_g711_alaw_decode(0xD5), 8);
  assert_int_equal(ript_g711_alaw_decode(0x55), -8);
  assert_int_equal(ript_g711_alaw_decode(0xAA), 32256);
  assert_int_equal(ript_g711_alaw_decode(0x2A), -32256);
  /* Saturation at both ends. */
  assert_int_equal(ript_g711_ulaw_encode(32767), 0x80);
  assert_int_equal(ript_g711_ulaw_encode(-32768), 0x00);
  assert_int_equal(ript_g711_alaw_encode(32767), 0xAA);
  assert_int_equal(ript_g711_alaw_encode(-32768), 0x2A);
}

static void test_decode_all_codes(void **state) {
  (void)state;
  for (int c = 0; c < 256; ++c) {
    assert_int_equal(ript_g711_ulaw_decode((uint8_t)c),
                     ulaw_reference((uint8_t)c));
    assert_int_equal(ript_g711_alaw_decode((uint8_t)c),
                     alaw_reference((uint8_t)c));
  }
}

static void test_codes_survive_decode_encode(void **state) {
  (void)state;
  for (int c = 0; c < 256; ++c) {
    uint8_t u = ript_g711_ulaw_encode(ript_g711_ulaw_decode((uint8_t)c));
    assert_int_equal(u, c == 0x7F ? 0xFF : c); /* -0 becomes +0 */
    assert_int_equal(ript_g711_alaw_encode(ript_g711_alaw_decode((uint8_t)c)),
                     c);
  }
}

/* Every 16-bit input comes back within half a quantization step of its
 * segment plus the bits the law drops, or saturates. */
static void test_round_trip_error_all_inputs(void **state) {
  (void)state;
  for (int x = -32768; x <= 32767; ++x) {
    uint8_t u = ript_g711_ulaw_encode((int16_t)x);
    int du = ript_g711_ulaw_decode(u);
    int eu = ((~u) >> 4) & 7;
    if ((x >= 0 ? x : -x - 1) <= 32635)
      assert_true(abs(x - du) <= 4 * (1 << eu) + 4);
    else
      assert_int_equal(du, x > 0 ? 32124 : -32124);
    assert_true(du == 0 || (du > 0) == (x > 0));

    uint8_t a = ript_g711_alaw_encode((int16_t)x);
    int da = ript_g711_alaw_decode(a);
    int ea = ((a ^ 0x55) >> 4) & 7;
    int half = ea == 0 ? 1 : 1 << (ea - 1);
    assert_true(abs(x - da) <= 8 * half + 8);
    assert_true((da > 0) == (x >= 0));
  }
}

static void test_monotonic(void **state) {
  (void)state;
  int prev_u = -1, prev_a = -1;
  for (int x = 0; x <= 32767; ++x) {
    int du = ript_g711_ulaw_decode(ript_g711_ulaw_encode((int16_t)x));
    int da = ript_g711_alaw_decode(ript_g711_alaw_encode((int16_t)x));
    assert_true(du >= prev_u);
    assert_true(da >= prev_a);
    prev_u = du;
    prev_a = da;
  }
}

static void test_blocks(void **state) {
  (void)state;
  int16_t pcm[512], back[512];
  uint8_t codes[512];
  for (int i = 0; i < 512; ++i)
    pcm[i] = (int16_t)(i * 128 - 32768);
  ript_g711_ulaw_encode_block(codes, pcm, 512);
  for (int i = 0; i < 512; ++i)
    assert_int_equal(codes[i], ript_g711_ulaw_encode(pcm[i]));
  ript_g711_ulaw_decode_block(back, codes, 512);
  for (int i = 0; i < 512; ++i)
    assert_int_equal(back[i], ript_g711_ulaw_decode(codes[i]));
  ript_g711_alaw_encode_block(codes, pcm, 512);
  for (int i = 0; i < 512; ++i)
    assert_int_equal(codes[i], ript_g711_alaw_encode(pcm[i]));
  ript_g711_alaw_decode_block(back, codes, 512);
  for (int i = 0; i < 512; ++i)
    assert_int_equal(back[i], ript_g711_alaw_decode(codes[i]));
  /* Empty blocks touch nothing. */
  ript_g711_ulaw_encode_block(NULL, NULL, 0);
  ript_g711_ulaw_decode_block(NULL, NULL, 0);
  ript_g711_alaw_encode_block(NULL, NULL, 0);
  ript_g711_alaw_decode_block(NULL, NULL, 0);
}

/* The samples of the documented example (docs/examples/audio.md). */
static const int16_t example_pcm[] = {0,     1,     -1,     100,   -100,  1000,
                                      -1000, 10000, -10000, 32767, -32768};
#define EXAMPLE_COUNT (sizeof(example_pcm) / sizeof(example_pcm[0]))

static void check_example(const char *name,
                          void (*encode)(uint8_t *, const int16_t *, size_t)) {
  size_t len;
  uint8_t *expected = ript_test_example_hex(name, &len);
  assert_int_equal(len, EXAMPLE_COUNT);
  uint8_t codes[EXAMPLE_COUNT];
  encode(codes, example_pcm, EXAMPLE_COUNT);
  assert_memory_equal(codes, expected, len);
  free(expected);
}

static void check_example_decode(const char *name, int16_t (*decode)(uint8_t)) {
  size_t len;
  char *text = ript_test_example(name, &len);
  /* Lines "XX -> value". */
  const char *p = text;
  int lines = 0;
  while (*p) {
    unsigned code;
    int value, used;
    assert_int_equal(sscanf(p, "%x -> %d%n", &code, &value, &used), 2);
    assert_int_equal(decode((uint8_t)code), value);
    p += used;
    while (*p == '\n')
      ++p;
    ++lines;
  }
  assert_true(lines >= 4);
  free(text);
}

static void test_documented_examples(void **state) {
  (void)state;
  check_example("g711-ulaw-encode", ript_g711_ulaw_encode_block);
  check_example("g711-alaw-encode", ript_g711_alaw_encode_block);
  check_example_decode("g711-ulaw-decode", ript_g711_ulaw_decode);
  check_example_decode("g711-alaw-decode", ript_g711_alaw_decode);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_values),
      cmocka_unit_test(test_decode_all_codes),
      cmocka_unit_test(test_codes_survive_decode_encode),
      cmocka_unit_test(test_round_trip_error_all_inputs),
      cmocka_unit_test(test_monotonic),
      cmocka_unit_test(test_blocks),
      cmocka_unit_test(test_documented_examples),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

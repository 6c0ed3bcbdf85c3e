#include <string.h>

#include "testutil.h"
#include "varint.h"

/* RFC 9000, appendix A.1, and the boundaries of each length. */
static void test_rfc9000_examples(void **state) {
  (void)state;
  static const struct {
    uint8_t bytes[8];
    size_t len;
    uint64_t value;
  } cases[] = {
      {{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c},
       8,
       UINT64_C(151288809941952652)},
      {{0x9d, 0x7f, 0x3e, 0x7d}, 4, 494878333},
      {{0x7b, 0xbd}, 2, 15293},
      {{0x25}, 1, 37},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    uint64_t v = 0;
    assert_int_equal(ript_varint_read(cases[i].bytes, cases[i].len, &v),
                     cases[i].len);
    assert_true(v == cases[i].value);
    uint8_t out[8];
    assert_int_equal(ript_varint_len(v), cases[i].len);
    assert_ptr_equal(ript_varint_write(out, v), out + cases[i].len);
    assert_memory_equal(out, cases[i].bytes, cases[i].len);
  }
}

static void test_lengths_at_boundaries(void **state) {
  (void)state;
  static const struct {
    uint64_t value;
    size_t len;
  } cases[] = {
      {0, 1},
      {63, 1},
      {64, 2},
      {16383, 2},
      {16384, 4},
      {(UINT64_C(1) << 30) - 1, 4},
      {UINT64_C(1) << 30, 8},
      {RIPT_VARINT_MAX, 8},
      {RIPT_VARINT_MAX + 1, 0},
      {UINT64_MAX, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    assert_int_equal(ript_varint_len(cases[i].value), cases[i].len);
    if (cases[i].len == 0)
      continue;
    uint8_t out[9] = {0};
    uint8_t *end = ript_varint_write(out, cases[i].value);
    assert_ptr_equal(end, out + cases[i].len);
    uint64_t v = 0;
    assert_int_equal(ript_varint_read(out, sizeof(out), &v), cases[i].len);
    assert_true(v == cases[i].value);
  }
}

/* Decoders accept needlessly long forms (RFC 9000, section 16). */
static void test_non_minimal_forms_accepted(void **state) {
  (void)state;
  static const uint8_t two[] = {0x40, 0x25};
  static const uint8_t four[] = {0x80, 0x00, 0x00, 0x25};
  static const uint8_t eight[] = {0xc0, 0, 0, 0, 0, 0, 0, 0x25};
  uint64_t v;
  assert_int_equal(ript_varint_read(two, sizeof(two), &v), 2);
  assert_int_equal(v, 37);
  assert_int_equal(ript_varint_read(four, sizeof(four), &v), 4);
  assert_int_equal(v, 37);
  assert_int_equal(ript_varint_read(eight, sizeof(eight), &v), 8);
  assert_int_equal(v, 37);
}

static void test_truncated_input(void **state) {
  (void)state;
  static const uint8_t eight[] = {0xc2, 0x19, 0x7c, 0x5e,
                                  0xff, 0x14, 0xe8, 0x8c};
  uint64_t v = 99;
  for (size_t len = 0; len < sizeof(eight); ++len)
    assert_int_equal(ript_varint_read(eight, len, &v), RIPT_ERR_TRUNCATED);
  assert_int_equal(v, 99);
  static const uint8_t two[] = {0x40};
  assert_int_equal(ript_varint_read(two, 1, &v), RIPT_ERR_TRUNCATED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc9000_examples),
      cmocka_unit_test(test_lengths_at_boundaries),
      cmocka_unit_test(test_non_minimal_forms_accepted),
      cmocka_unit_test(test_truncated_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <string.h>

#include "base64url.h"
#include "testutil.h"

/* RFC 4648 §10 vectors, without their '=' padding. */
static const struct {
  const char *bytes;
  const char *text;
} base64url_vectors[] = {
    {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
    {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(base64url_vectors) / sizeof(*base64url_vectors);
       ++i) {
    const char *bytes = base64url_vectors[i].bytes;
    const char *text = base64url_vectors[i].text;
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(
        ript_base64url_encode(&b, (const uint8_t *)bytes, strlen(bytes)), 0);
    assert_int_equal(b.len, strlen(text));
    if (b.len)
      assert_string_equal((const char *)b.data, text);
    ript_buf_free(&b);
    uint8_t out[16];
    assert_int_equal(ript_base64url_decoded_len(strlen(text)), strlen(bytes));
    assert_int_equal(ript_base64url_decode(out, sizeof(out), text,
                                           strlen(text), NULL),
                     (ript_ssize)strlen(bytes));
    assert_memory_equal(out, bytes, strlen(bytes));
  }
}

static void test_url_safe_alphabet(void **state) {
  (void)state;
  static const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_base64url_encode(&b, bytes, sizeof(bytes)), 0);
  assert_string_equal((const char *)b.data, "-_-_");
  uint8_t out[3];
  assert_int_equal(ript_base64url_decode(out, sizeof(out), "-_-_", 4, NULL), 3);
  assert_memory_equal(out, bytes, 3);
  ript_buf_free(&b);
}

static void expect_reject(const char *text, size_t offset) {
  uint8_t out[64];
  ript_parse_error err = {999, NULL};
  assert_int_equal(
      ript_base64url_decode(out, sizeof(out), text, strlen(text), &err),
      RIPT_ERR_PARSE);
  assert_int_equal(err.offset, offset);
  assert_non_null(err.expected);
}

static void test_rejects_padding_and_foreign_characters(void **state) {
  (void)state;
  expect_reject("Zg==", 2);     /* padding */
  expect_reject("Zm9v+g", 4);   /* standard alphabet, not URL-safe */
  expect_reject("Zm9v/g", 4);
  expect_reject("Zm 9v", 2);    /* whitespace */
  expect_reject("Zm9v\n", 4);   /* the length is fine, the char is not */
  expect_reject("Z", 1);        /* a lone character holds no byte */
  expect_reject("Zm9vY", 5);
  /* NULL |err| is allowed. */
  uint8_t out[4];
  assert_int_equal(ript_base64url_decode(out, sizeof(out), "Z=", 2, NULL),
                   RIPT_ERR_PARSE);
}

static void test_rejects_nonzero_trailing_bits(void **state) {
  (void)state;
  /* "Zg" is the only encoding of "f"; "Zh".."Zv" differ in unused bits. */
  expect_reject("Zh", 1);
  expect_reject("Zv", 1);
  expect_reject("Zm9", 2);
  uint8_t out[2];
  assert_int_equal(ript_base64url_decode(out, sizeof(out), "Zm8", 3, NULL), 2);
}

static void test_nobuf(void **state) {
  (void)state;
  uint8_t out[5];
  assert_int_equal(ript_base64url_decode(out, sizeof(out), "Zm9vYmFy", 8, NULL),
                   RIPT_ERR_NOBUF);
  assert_int_equal(ript_base64url_decode(out, 0, "", 0, NULL), 0);
}

static void test_round_trip_every_length(void **state) {
  (void)state;
  uint8_t bytes[70], out[70];
  for (size_t i = 0; i < sizeof(bytes); ++i)
    bytes[i] = (uint8_t)(i * 37 + 11);
  for (size_t len = 0; len <= sizeof(bytes); ++len) {
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(ript_buf_append_str(&b, "prefix."), 0);
    assert_int_equal(ript_base64url_encode(&b, bytes, len), 0);
    const char *text = (const char *)b.data + 7;
    size_t textlen = b.len - 7;
    assert_int_equal(textlen % 4 == 1, 0);
    assert_int_equal(ript_base64url_decoded_len(textlen), len);
    assert_int_equal(ript_base64url_decode(out, len, text, textlen, NULL),
                     (ript_ssize)len);
    assert_memory_equal(out, bytes, len);
    ript_buf_free(&b);
  }
}

static void test_encode_out_of_memory(void **state) {
  (void)state;
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 1);
  ript_buf b;
  ript_buf_init(&b, &fm.mem);
  assert_int_equal(ript_buf_append_str(&b, "x"), 0);
  uint8_t big[200] = {0};
  assert_int_equal(ript_base64url_encode(&b, big, sizeof(big)), RIPT_ERR_NOMEM);
  assert_int_equal(b.len, 1);
  assert_string_equal((const char *)b.data, "x");
  ript_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4648_vectors),
      cmocka_unit_test(test_url_safe_alphabet),
      cmocka_unit_test(test_rejects_padding_and_foreign_characters),
      cmocka_unit_test(test_rejects_nonzero_trailing_bits),
      cmocka_unit_test(test_nobuf),
      cmocka_unit_test(test_round_trip_every_length),
      cmocka_unit_test(test_encode_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <string.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "testutil.h"

static void test_append_and_printf(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "1 in: "), 0);
  assert_int_equal(ript_buf_printf(&b, "%s,sr=%d;", "opus", 16000), 0);
  assert_string_equal((const char *)b.data, "1 in: opus,sr=16000;");
  assert_int_equal(b.len, strlen("1 in: opus,sr=16000;"));
  ript_buf_reset(&b);
  assert_int_equal(b.len, 0);
  assert_int_equal(ript_buf_append(&b, "", 0), 0);
  assert_string_equal((const char *)b.data, "");
  ript_buf_free(&b);
  assert_null(b.data);
}

static void test_append_printable(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "reason: "), 0);
  assert_int_equal(ript_buf_append_printable(&b, "a\tb\nc\x1b[2J\x7f\xc3\xa9"),
                   0);
  assert_string_equal((const char *)b.data, "reason: a?b?c?[2J?\xc3\xa9");
  ript_buf_free(&b);
}

static void test_grows_past_initial_capacity(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (int i = 0; i < 1000; ++i)
    assert_int_equal(ript_buf_append(&b, "0123456789", 10), 0);
  assert_int_equal(b.len, 10000);
  assert_memory_equal(b.data + 9990, "0123456789", 10);
  ript_buf_free(&b);
}

static void test_out_of_memory_leaves_buffer_intact(void **state) {
  (void)state;
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 1);
  ript_buf b;
  ript_buf_init(&b, &fm.mem);
  assert_int_equal(ript_buf_append_str(&b, "abc"), 0);
  char big[200];
  memset(big, 'x', sizeof(big));
  assert_int_equal(ript_buf_append(&b, big, sizeof(big)), RIPT_ERR_NOMEM);
  assert_int_equal(ript_buf_printf(&b, "%200s", "y"), RIPT_ERR_NOMEM);
  assert_string_equal((const char *)b.data, "abc");
  ript_buf_free(&b);
}

static void test_strerror_and_fatal(void **state) {
  (void)state;
  assert_string_equal(ript_strerror(RIPT_ERR_PARSE), "malformed input");
  assert_string_equal(ript_strerror(-12345), "unknown error");
  assert_true(ript_err_is_fatal(RIPT_ERR_NOMEM));
  assert_false(ript_err_is_fatal(RIPT_ERR_PARSE));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_and_printf),
      cmocka_unit_test(test_append_printable),
      cmocka_unit_test(test_grows_past_initial_capacity),
      cmocka_unit_test(test_out_of_memory_leaves_buffer_intact),
      cmocka_unit_test(test_strerror_and_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

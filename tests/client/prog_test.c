/* lib/prog: the option, number and file readers riptd, ript, ript-load
 * and the tools share. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ript/error.h"
#include "ript_prog.h"
#include "testutil.h"

static void test_value(void **state) {
  (void)state;
  char *argv[] = {"prog", "--listen", "127.0.0.1:1", "--state=/tmp/x",
                  "--stately", "--state"};
  int argc = 6, i = 1;
  const char *v = NULL;
  assert_int_equal(ript_cmdline_value("--state", argc, argv, &i, &v), 0);
  assert_int_equal(ript_cmdline_value("--listen", argc, argv, &i, &v), 1);
  assert_string_equal(v, "127.0.0.1:1");
  assert_int_equal(i, 2);
  i = 3;
  assert_int_equal(ript_cmdline_value("--state", argc, argv, &i, &v), 1);
  assert_string_equal(v, "/tmp/x");
  assert_int_equal(i, 3);
  i = 4; /* a longer name that starts the same is another option */
  assert_int_equal(ript_cmdline_value("--state", argc, argv, &i, &v), 0);
  i = 5; /* the last argument has no value after it */
  assert_int_equal(ript_cmdline_value("--state", argc, argv, &i, &v), -1);
  assert_int_equal(i, 5);
}

static void test_number(void **state) {
  (void)state;
  double d = -1;
  assert_int_equal(ript_cmdline_number("2.5", 0.001, 10, &d), 0);
  assert_true(d == 2.5);
  assert_int_equal(ript_cmdline_number(".5", 0, 1, &d), 0);
  assert_true(d == 0.5);
  assert_int_equal(ript_cmdline_number("0.001", 0.001, 1, &d), 0);
  const char *bad[] = {"",    ".",    "0.0009", "11",  "+1", " 1", "1 ",
                       "1e2", "0x10", "inf",    "nan", "1..2", "-1"};
  for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); ++k)
    assert_int_equal(ript_cmdline_number(bad[k], 0.001, 10, &d), -1);
  unsigned long u = 0;
  assert_int_equal(ript_cmdline_uint("300", 1, 300, &u), 0);
  assert_int_equal(u, 300);
  const char *ubad[] = {"", "0", "301", "1.5", "-1", "+1", " 1",
                        "99999999999999999999999"};
  for (size_t k = 0; k < sizeof(ubad) / sizeof(ubad[0]); ++k)
    assert_int_equal(ript_cmdline_uint(ubad[k], 1, 300, &u), -1);
}

static void test_file_read(void **state) {
  (void)state;
  char path[] = "/tmp/ript-prog-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  static char data[100000];
  for (size_t i = 0; i < sizeof(data); ++i)
    data[i] = (char)(i * 7);
  assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
  close(fd);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_file_read(path, SIZE_MAX, &b), 0);
  assert_int_equal(b.len, sizeof(data));
  assert_memory_equal(b.data, data, sizeof(data));
  ript_buf_reset(&b);
  assert_int_equal(ript_file_read(path, sizeof(data), &b), 0);
  ript_buf_reset(&b);
  assert_int_equal(ript_file_read(path, sizeof(data) - 1, &b),
                   RIPT_ERR_LIMIT);
  unlink(path);
  errno = 0;
  assert_int_equal(ript_file_read(path, SIZE_MAX, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(ript_file_read("/", SIZE_MAX, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(errno, EISDIR);
  ript_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_value),
      cmocka_unit_test(test_number),
      cmocka_unit_test(test_file_read),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

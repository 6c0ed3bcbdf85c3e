/* lib/cmdline: the option and number readers riptd, ript and ript-load
 * share. */
#include "ript_cmdline.h"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_value),
      cmocka_unit_test(test_number),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * ript_http_date (lib/transport/http_date.c): the Date header both HTTP
 * backends send, on known dates.
 */
#include <string.h>

#include "http_internal.h"
#include "testutil.h"

static void expect_date(time_t t, const char *want) {
  char out[RIPT_HTTP_DATE_SIZE];
  memset(out, 'x', sizeof(out));
  assert_int_equal(ript_http_date(out, t), 0);
  assert_string_equal(out, want);
  assert_int_equal(strlen(out) + 1, RIPT_HTTP_DATE_SIZE);
}

static void test_known_dates(void **state) {
  (void)state;
  /* RFC 9110 §5.6.7's own example. */
  expect_date(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
  expect_date(0, "Thu, 01 Jan 1970 00:00:00 GMT");
  expect_date(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
  expect_date(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
  expect_date(1234567890, "Fri, 13 Feb 2009 23:31:30 GMT");
  /* 2100 is no leap year. */
  expect_date(4107542399, "Sun, 28 Feb 2100 23:59:59 GMT");
  expect_date(4107542400, "Mon, 01 Mar 2100 00:00:00 GMT");
}

/* The four digits of the year: 0000 and 9999 are the ends. */
static void test_year_range(void **state) {
  (void)state;
  expect_date(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT");
  expect_date(-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT");
  char out[RIPT_HTTP_DATE_SIZE];
  assert_int_equal(ript_http_date(out, 253402300800),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_string_equal(out, "");
  assert_int_equal(ript_http_date(out, -62167219201),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_string_equal(out, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_dates),
      cmocka_unit_test(test_year_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

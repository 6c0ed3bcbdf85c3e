#include <string.h>

#include "rfc3339.h"
#include "testutil.h"

/* Values computed independently (Python's datetime). */
static const struct {
  int64_t ms;
  const char *text;
} known[] = {
    {INT64_C(-62167219200000), "0000-01-01T00:00:00.000Z"},
    {INT64_C(-62135596800000), "0001-01-01T00:00:00.000Z"},
    {INT64_C(-2203891200001), "1900-02-28T23:59:59.999Z"},
    {INT64_C(-2203891200000), "1900-03-01T00:00:00.000Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {0, "1970-01-01T00:00:00.000Z"},
    {INT64_C(951827696789), "2000-02-29T12:34:56.789Z"},
    {INT64_C(1709164800000), "2024-02-29T00:00:00.000Z"},
    {INT64_C(1795308476123), "2026-11-22T00:47:56.123Z"},
    {INT64_C(4107542400000), "2100-03-01T00:00:00.000Z"},
    {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
};

static int64_t parse_ok(const char *s) {
  int64_t ms = 42;
  ript_parse_error err = {0, NULL};
  int rv = ript_rfc3339_parse(s, strlen(s), &ms, &err);
  if (rv != 0)
    fail_msg("%s: %d at %zu, expected %s", s, rv, err.offset, err.expected);
  return ms;
}

static void parse_fails(const char *s, int code, size_t offset,
                        const char *expected) {
  int64_t ms = 42;
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_rfc3339_parse(s, strlen(s), &ms, &err), code);
  assert_int_equal(ms, 42);
  assert_int_equal(err.offset, offset);
  assert_string_equal(err.expected, expected);
}

static void test_known_values(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(known) / sizeof(*known); ++i) {
    char out[RIPT_RFC3339_LEN + 1];
    assert_int_equal(ript_rfc3339_format(known[i].ms, out), 0);
    assert_string_equal(out, known[i].text);
    assert_int_equal(parse_ok(known[i].text), known[i].ms);
  }
  assert_int_equal(RIPT_RFC3339_MIN_MS, known[0].ms);
  assert_int_equal(RIPT_RFC3339_MAX_MS,
                   known[sizeof(known) / sizeof(*known) - 1].ms);
}

static int days_in(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return days[month - 1] + (month == 2 && leap);
}

static void put_digits(char *out, int n, int64_t value) {
  while (n-- > 0) {
    out[n] = (char)('0' + value % 10);
    value /= 10;
  }
}

/* Walks every day of 0000-9999 with a plain calendar and checks that the
 * arithmetic conversion agrees, both ways, at a time of day that varies. */
static void test_every_day(void **state) {
  (void)state;
  int year = 0, month = 1, day = 1;
  int64_t ms = RIPT_RFC3339_MIN_MS;
  for (long n = 0; year <= 9999; ++n) {
    int64_t tod = (n * INT64_C(7919) * 1000 + n % 1000) % INT64_C(86400000);
    char want[RIPT_RFC3339_LEN + 1] = "YYYY-MM-DDTHH:MM:SS.mmmZ";
    char got[RIPT_RFC3339_LEN + 1];
    put_digits(want, 4, year);
    put_digits(want + 5, 2, month);
    put_digits(want + 8, 2, day);
    put_digits(want + 11, 2, tod / 3600000);
    put_digits(want + 14, 2, tod / 60000 % 60);
    put_digits(want + 17, 2, tod / 1000 % 60);
    put_digits(want + 20, 3, tod % 1000);
    assert_int_equal(ript_rfc3339_format(ms + tod, got), 0);
    if (strcmp(got, want) != 0)
      fail_msg("day %ld: %s != %s", n, got, want);
    int64_t back;
    assert_int_equal(ript_rfc3339_parse(want, RIPT_RFC3339_LEN, &back, NULL),
                     0);
    assert_int_equal(back, ms + tod);
    ms += INT64_C(86400000);
    if (++day > days_in(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  assert_int_equal(ms, RIPT_RFC3339_MAX_MS + 1);
}

static void test_format_range(void **state) {
  (void)state;
  char out[RIPT_RFC3339_LEN + 1] = "untouched";
  assert_int_equal(ript_rfc3339_format(RIPT_RFC3339_MIN_MS - 1, out),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_rfc3339_format(RIPT_RFC3339_MAX_MS + 1, out),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_rfc3339_format(INT64_MIN, out), RIPT_ERR_RANGE);
  assert_int_equal(ript_rfc3339_format(INT64_MAX, out), RIPT_ERR_RANGE);
  assert_string_equal(out, "untouched");
  assert_int_equal(ript_rfc3339_format(0, NULL), RIPT_ERR_INVALID_ARGUMENT);
}

static void test_parse_variants(void **state) {
  (void)state;
  const int64_t t = INT64_C(1795308476123); /* 2026-11-22T00:47:56.123Z */
  assert_int_equal(parse_ok("2026-11-22t00:47:56.123z"), t);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.123+00:00"), t);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.123-00:00"), t);
  assert_int_equal(parse_ok("2026-11-22T01:47:56.123+01:00"), t);
  assert_int_equal(parse_ok("2026-11-21T19:17:56.123-05:30"), t);
  assert_int_equal(parse_ok("2026-11-22T23:47:56.123+23:00"), t);
  assert_int_equal(parse_ok("2026-11-21T01:46:56.123-23:01"), t);
  /* Fractions: truncated, never rounded. */
  assert_int_equal(parse_ok("2026-11-22T00:47:56Z"), t - 123);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.1Z"), t - 23);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.12Z"), t - 3);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.1239999999999Z"), t);
  assert_int_equal(parse_ok("2026-11-22T00:47:56.000000001Z"), t - 123);
  assert_int_equal(parse_ok("1969-12-31T23:59:59.9999Z"), -1);
  /* Leap second: the first second of the next minute. */
  assert_int_equal(parse_ok("2016-12-31T23:59:60Z"),
                   parse_ok("2017-01-01T00:00:00Z"));
  assert_int_equal(parse_ok("2016-12-31T23:59:60.5Z"),
                   parse_ok("2017-01-01T00:00:00.500Z"));
  /* Offsets may reach the very ends of the range. */
  assert_int_equal(parse_ok("0000-01-01T01:00:00+01:00"), RIPT_RFC3339_MIN_MS);
  assert_int_equal(parse_ok("9999-12-31T22:59:59.999-01:00"),
                   RIPT_RFC3339_MAX_MS);
}

static void test_parse_errors(void **state) {
  (void)state;
  parse_fails("", RIPT_ERR_PARSE, 0, "four-digit year");
  parse_fails("202x-11-22T00:47:56Z", RIPT_ERR_PARSE, 3, "four-digit year");
  parse_fails("2026/11-22T00:47:56Z", RIPT_ERR_PARSE, 4, "'-' after the year");
  parse_fails("2026-00-22T00:47:56Z", RIPT_ERR_PARSE, 5,
              "two-digit month 01-12");
  parse_fails("2026-13-22T00:47:56Z", RIPT_ERR_PARSE, 5,
              "two-digit month 01-12");
  parse_fails("2026-1-22T00:47:56Z", RIPT_ERR_PARSE, 6,
              "two-digit month 01-12");
  parse_fails("2026-11+22T00:47:56Z", RIPT_ERR_PARSE, 7,
              "'-' after the month");
  parse_fails("2026-11-00T00:47:56Z", RIPT_ERR_PARSE, 8,
              "two-digit day that exists in the month");
  parse_fails("2026-11-31T00:47:56Z", RIPT_ERR_PARSE, 8,
              "two-digit day that exists in the month");
  parse_fails("2026-02-29T00:47:56Z", RIPT_ERR_PARSE, 8,
              "two-digit day that exists in the month");
  parse_fails("1900-02-29T00:47:56Z", RIPT_ERR_PARSE, 8,
              "two-digit day that exists in the month");
  assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000));
  parse_fails("2026-11-22 00:47:56Z", RIPT_ERR_PARSE, 10,
              "'T' between date and time");
  parse_fails("2026-11-22T24:00:00Z", RIPT_ERR_PARSE, 11,
              "two-digit hour 00-23");
  parse_fails("2026-11-22T00.47:56Z", RIPT_ERR_PARSE, 13,
              "':' after the hour");
  parse_fails("2026-11-22T00:60:56Z", RIPT_ERR_PARSE, 14,
              "two-digit minute 00-59");
  parse_fails("2026-11-22T00:47-56Z", RIPT_ERR_PARSE, 16,
              "':' after the minute");
  parse_fails("2026-11-22T00:47:61Z", RIPT_ERR_PARSE, 17,
              "two-digit second 00-60");
  parse_fails("2026-11-22T00:47:56.Z", RIPT_ERR_PARSE, 20,
              "a digit after '.'");
  parse_fails("2026-11-22T00:47:56", RIPT_ERR_PARSE, 19,
              "'Z', '+' or '-' (the time offset)");
  parse_fails("2026-11-22T00:47:56UTC", RIPT_ERR_PARSE, 19,
              "'Z', '+' or '-' (the time offset)");
  parse_fails("2026-11-22T00:47:56+24:00", RIPT_ERR_PARSE, 20,
              "two-digit offset hour 00-23");
  parse_fails("2026-11-22T00:47:56+0100", RIPT_ERR_PARSE, 22,
              "':' in the time offset");
  parse_fails("2026-11-22T00:47:56+01:60", RIPT_ERR_PARSE, 23,
              "two-digit offset minute 00-59");
  parse_fails("2026-11-22T00:47:56Z ", RIPT_ERR_PARSE, 20,
              "end of the date-time");
  parse_fails("2026-11-22T00:47:56.123ZZ", RIPT_ERR_PARSE, 24,
              "end of the date-time");
  parse_fails("0000-01-01T00:00:00+00:01", RIPT_ERR_RANGE, 0,
              "a date-time within the years 0000-9999 UTC");
  parse_fails("9999-12-31T23:59:59.999-00:01", RIPT_ERR_RANGE, 0,
              "a date-time within the years 0000-9999 UTC");
  parse_fails("9999-12-31T23:59:60Z", RIPT_ERR_RANGE, 0,
              "a date-time within the years 0000-9999 UTC");
}

/* Every proper prefix of a valid date-time fails where the input ends. */
static void test_every_prefix(void **state) {
  (void)state;
  const char *full = "2026-11-22T01:47:56.123+01:00";
  for (size_t n = 0; n < strlen(full); ++n) {
    int64_t ms = 42;
    ript_parse_error err = {999, NULL};
    assert_int_equal(ript_rfc3339_parse(full, n, &ms, &err), RIPT_ERR_PARSE);
    assert_int_equal(err.offset, n);
    assert_non_null(err.expected);
  }
  int64_t ms;
  /* Only the given length is read, whatever follows in memory. */
  assert_int_equal(
      ript_rfc3339_parse("2026-11-22T00:47:56Zjunk", 20, &ms, NULL), 0);
  assert_int_equal(ms, INT64_C(1795308476000));
}

static void test_invalid_arguments(void **state) {
  (void)state;
  int64_t ms;
  assert_int_equal(ript_rfc3339_parse(NULL, 0, &ms, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_rfc3339_parse("x", 1, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_rfc3339_parse("x", 1, &ms, NULL), RIPT_ERR_PARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_values),
      cmocka_unit_test(test_every_day),
      cmocka_unit_test(test_format_range),
      cmocka_unit_test(test_parse_variants),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_invalid_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

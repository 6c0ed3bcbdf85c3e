#include "rfc3339.h"

#define RFC3339_MS_PER_DAY INT64_C(86400000)
/* Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define RFC3339_EPOCH_DAYS INT64_C(719528)
/* Days in a 400-year Gregorian cycle. */
#define RFC3339_CYCLE_DAYS INT64_C(146097)

/* Days before each month in a common year. */
static const int rfc3339_month_start[12] = {0,   31,  59,  90,  120, 151,
                                            181, 212, 243, 273, 304, 334};

static int rfc3339_is_leap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int rfc3339_days_in_month(int64_t year, int month) {
  if (month == 2)
    return rfc3339_is_leap(year) ? 29 : 28;
  if (month == 12)
    return 31;
  return rfc3339_month_start[month] - rfc3339_month_start[month - 1];
}

/* Days from 0000-01-01 to |year|-01-01, for 0 <= |year| <= 10000. Year 0 is
 * a leap year, hence the +1 once any year has passed. */
static int64_t rfc3339_days_before_year(int64_t year) {
  if (year == 0)
    return 0;
  int64_t past = year - 1;
  return 365 * year + past / 4 - past / 100 + past / 400 + 1;
}

static int64_t rfc3339_days_before_date(int64_t year, int month, int day) {
  int64_t days = rfc3339_days_before_year(year) +
                 rfc3339_month_start[month - 1] + day - 1;
  if (month > 2 && rfc3339_is_leap(year))
    ++days;
  return days;
}

typedef struct rfc3339_cursor {
  const char *s;
  size_t len;
  size_t pos;
  ript_parse_error *err;
} rfc3339_cursor;

static int rfc3339_fail(rfc3339_cursor *c, size_t offset, const char *expected,
                        int rv) {
  if (c->err) {
    c->err->offset = offset;
    c->err->expected = expected;
  }
  return rv;
}

static int rfc3339_is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* Reads exactly |n| digits into |*out| and checks min <= value <= max. */
static int rfc3339_number(rfc3339_cursor *c, int n, int min, int max, int *out,
                          const char *expected) {
  size_t start = c->pos;
  int value = 0;
  for (int i = 0; i < n; ++i) {
    if (c->pos >= c->len || !rfc3339_is_digit(c->s[c->pos]))
      return rfc3339_fail(c, c->pos, expected, RIPT_ERR_PARSE);
    value = value * 10 + (c->s[c->pos++] - '0');
  }
  if (value < min || value > max)
    return rfc3339_fail(c, start, expected, RIPT_ERR_PARSE);
  *out = value;
  return 0;
}

/* Accepts one byte equal to |a| or |b|. */
static int rfc3339_sep(rfc3339_cursor *c, char a, char b,
                       const char *expected) {
  if (c->pos >= c->len || (c->s[c->pos] != a && c->s[c->pos] != b))
    return rfc3339_fail(c, c->pos, expected, RIPT_ERR_PARSE);
  ++c->pos;
  return 0;
}

/* full-date: the days since 0000-01-01. */
static int rfc3339_date(rfc3339_cursor *c, int64_t *days) {
  int year, month, day, rv;
  if ((rv = rfc3339_number(c, 4, 0, 9999, &year, "four-digit year")) != 0 ||
      (rv = rfc3339_sep(c, '-', '-', "'-' after the year")) != 0 ||
      (rv = rfc3339_number(c, 2, 1, 12, &month, "two-digit month 01-12")) !=
          0 ||
      (rv = rfc3339_sep(c, '-', '-', "'-' after the month")) != 0)
    return rv;
  if ((rv = rfc3339_number(c, 2, 1, rfc3339_days_in_month(year, month), &day,
                           "two-digit day that exists in the month")) != 0)
    return rv;
  *days = rfc3339_days_before_date(year, month, day);
  return 0;
}

/* Optional time-secfrac: its first three digits as ms; later ones dropped. */
static int rfc3339_fraction(rfc3339_cursor *c, int *ms) {
  *ms = 0;
  if (c->pos >= c->len || c->s[c->pos] != '.')
    return 0;
  ++c->pos;
  if (c->pos >= c->len || !rfc3339_is_digit(c->s[c->pos]))
    return rfc3339_fail(c, c->pos, "a digit after '.'", RIPT_ERR_PARSE);
  int scale = 100;
  while (c->pos < c->len && rfc3339_is_digit(c->s[c->pos])) {
    *ms += (c->s[c->pos++] - '0') * scale;
    scale /= 10;
  }
  return 0;
}

/* partial-time: ms since midnight (second 60 runs into the next minute). */
static int rfc3339_time(rfc3339_cursor *c, int64_t *ms) {
  int hour, minute, second, frac, rv;
  if ((rv = rfc3339_number(c, 2, 0, 23, &hour, "two-digit hour 00-23")) != 0 ||
      (rv = rfc3339_sep(c, ':', ':', "':' after the hour")) != 0 ||
      (rv = rfc3339_number(c, 2, 0, 59, &minute, "two-digit minute 00-59")) !=
          0 ||
      (rv = rfc3339_sep(c, ':', ':', "':' after the minute")) != 0 ||
      (rv = rfc3339_number(c, 2, 0, 60, &second, "two-digit second 00-60")) !=
          0 ||
      (rv = rfc3339_fraction(c, &frac)) != 0)
    return rv;
  *ms = ((hour * INT64_C(60) + minute) * 60 + second) * 1000 + frac;
  return 0;
}

/* time-offset: ms to subtract from local time to get UTC. */
static int rfc3339_offset(rfc3339_cursor *c, int64_t *ms) {
  if (c->pos >= c->len)
    return rfc3339_fail(c, c->pos, "'Z', '+' or '-' (the time offset)",
                        RIPT_ERR_PARSE);
  char sign = c->s[c->pos];
  if (sign == 'Z' || sign == 'z') {
    ++c->pos;
    *ms = 0;
    return 0;
  }
  if (sign != '+' && sign != '-')
    return rfc3339_fail(c, c->pos, "'Z', '+' or '-' (the time offset)",
                        RIPT_ERR_PARSE);
  ++c->pos;
  int hour, minute, rv;
  if ((rv = rfc3339_number(c, 2, 0, 23, &hour,
                           "two-digit offset hour 00-23")) != 0 ||
      (rv = rfc3339_sep(c, ':', ':', "':' in the time offset")) != 0 ||
      (rv = rfc3339_number(c, 2, 0, 59, &minute,
                           "two-digit offset minute 00-59")) != 0)
    return rv;
  *ms = (hour * INT64_C(60) + minute) * 60000;
  if (sign == '-')
    *ms = -*ms;
  return 0;
}

int ript_rfc3339_parse(const char *s, size_t len, int64_t *ms,
                       ript_parse_error *err) {
  if (!s || !ms)
    return RIPT_ERR_INVALID_ARGUMENT;
  rfc3339_cursor c = {s, len, 0, err};
  int64_t days, time_ms, offset_ms;
  int rv;
  if ((rv = rfc3339_date(&c, &days)) != 0 ||
      (rv = rfc3339_sep(&c, 'T', 't', "'T' between date and time")) != 0 ||
      (rv = rfc3339_time(&c, &time_ms)) != 0 ||
      (rv = rfc3339_offset(&c, &offset_ms)) != 0)
    return rv;
  if (c.pos != len)
    return rfc3339_fail(&c, c.pos, "end of the date-time", RIPT_ERR_PARSE);
  int64_t value = (days - RFC3339_EPOCH_DAYS) * RFC3339_MS_PER_DAY + time_ms -
                  offset_ms;
  if (value < RIPT_RFC3339_MIN_MS || value > RIPT_RFC3339_MAX_MS)
    return rfc3339_fail(&c, 0, "a date-time within the years 0000-9999 UTC",
                        RIPT_ERR_RANGE);
  *ms = value;
  return 0;
}

/* Writes |value| as exactly |n| decimal digits. */
static void rfc3339_put(char *out, int n, int64_t value) {
  for (int i = n - 1; i >= 0; --i) {
    out[i] = (char)('0' + value % 10);
    value /= 10;
  }
}

/* Splits days since 0000-01-01 into a civil date. The estimate from the
 * cycle length is off by at most one year either way. */
static void rfc3339_civil(int64_t days, int64_t *year, int *month, int *day) {
  int64_t y = days * 400 / RFC3339_CYCLE_DAYS;
  while (rfc3339_days_before_year(y + 1) <= days)
    ++y;
  while (rfc3339_days_before_year(y) > days)
    --y;
  int doy = (int)(days - rfc3339_days_before_year(y));
  int leap = rfc3339_is_leap(y);
  int m = 12;
  while (rfc3339_month_start[m - 1] + (leap && m > 2) > doy)
    --m;
  *year = y;
  *month = m;
  *day = doy - rfc3339_month_start[m - 1] - (leap && m > 2) + 1;
}

int ript_rfc3339_format(int64_t ms, char out[RIPT_RFC3339_LEN + 1]) {
  if (!out)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (ms < RIPT_RFC3339_MIN_MS || ms > RIPT_RFC3339_MAX_MS)
    return RIPT_ERR_RANGE;
  int64_t since_year0 = ms - RIPT_RFC3339_MIN_MS;
  int64_t day_ms = since_year0 % RFC3339_MS_PER_DAY;
  int64_t year;
  int month, day;
  rfc3339_civil(since_year0 / RFC3339_MS_PER_DAY, &year, &month, &day);
  rfc3339_put(out, 4, year);
  out[4] = '-';
  rfc3339_put(out + 5, 2, month);
  out[7] = '-';
  rfc3339_put(out + 8, 2, day);
  out[10] = 'T';
  rfc3339_put(out + 11, 2, day_ms / 3600000);
  out[13] = ':';
  rfc3339_put(out + 14, 2, day_ms / 60000 % 60);
  out[16] = ':';
  rfc3339_put(out + 17, 2, day_ms / 1000 % 60);
  out[19] = '.';
  rfc3339_put(out + 20, 3, day_ms % 1000);
  out[23] = 'Z';
  out[24] = '\0';
  return 0;
}

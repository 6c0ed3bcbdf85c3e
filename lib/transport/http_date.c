/* The Date header both HTTP backends send (ript_http_date): an IMF-fixdate
 * of a time given as an argument, with English names whatever the locale. */
#include <string.h>

#include "http_internal.h"

/* Writes the |n| low decimal digits of |v| (not negative) at |p|. */
static char *date_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; --i, v /= 10)
    p[i] = (char)('0' + v % 10);
  return p + n;
}

static char *date_text(char *p, const char *s, size_t n) {
  memcpy(p, s, n);
  return p + n;
}

int ript_http_date(char out[RIPT_HTTP_DATE_SIZE], time_t t) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                  "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  out[0] = '\0';
  /* tm_year counts from 1900; the format has four digits for the year. */
  if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
    return RIPT_ERR_INVALID_ARGUMENT;
  char *p = date_text(out, days[tm.tm_wday], 3);
  p = date_digits(date_text(p, ", ", 2), tm.tm_mday, 2);
  p = date_text(date_text(p, " ", 1), months[tm.tm_mon], 3);
  p = date_digits(date_text(p, " ", 1), tm.tm_year + 1900, 4);
  p = date_digits(date_text(p, " ", 1), tm.tm_hour, 2);
  p = date_digits(date_text(p, ":", 1), tm.tm_min, 2);
  p = date_digits(date_text(p, ":", 1), tm.tm_sec, 2);
  date_text(p, " GMT", 5); /* with the NUL */
  return 0;
}

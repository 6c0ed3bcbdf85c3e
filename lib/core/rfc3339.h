/*
 * Internal: RFC 3339 date-times <-> milliseconds since the Unix epoch.
 *
 * The conversion is done with proleptic Gregorian arithmetic only: no libc
 * time function is used, so neither TZ nor the locale can change a result.
 * Values are limited to what RFC 3339 can write in UTC, 0000-01-01T00:00:00Z
 * to 9999-12-31T23:59:59.999Z.
 *
 * Thread-safety: pure functions.
 */
#ifndef RIPT_CORE_RFC3339_H
#define RIPT_CORE_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"

/* Length of the written form YYYY-MM-DDTHH:MM:SS.mmmZ (no NUL). */
#define RIPT_RFC3339_LEN 24

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
#define RIPT_RFC3339_MIN_MS INT64_C(-62167219200000)
#define RIPT_RFC3339_MAX_MS INT64_C(253402300799999)

/*
 * Parses one RFC 3339 date-time (section 5.6 "date-time") of exactly |len|
 * bytes into |*ms|. Accepted: 'T' or 't' between date and time; a fraction of
 * one or more digits, truncated to milliseconds; 'Z', 'z' or a +hh:mm/-hh:mm
 * offset ("-00:00" is UTC). Second 60 (a leap second) is accepted and counts
 * as the first second of the next minute, as POSIX time does.
 * Returns 0; RIPT_ERR_PARSE for bad syntax or an impossible field (month 13,
 * February 30, hour 24, offset hour 24 ...); RIPT_ERR_RANGE when the UTC
 * value falls outside the years 0000-9999 (possible through an offset). On
 * failure |*ms| is untouched and |err| (may be NULL) gets the offset of the
 * first bad byte (|len| when the input ended early) and what was expected.
 * RIPT_ERR_INVALID_ARGUMENT if |s| or |ms| is NULL.
 */
int ript_rfc3339_parse(const char *s, size_t len, int64_t *ms,
                       ript_parse_error *err);

/*
 * Writes |ms| as YYYY-MM-DDTHH:MM:SS.mmmZ plus a NUL into |out|.
 * Returns 0, RIPT_ERR_RANGE if |ms| is outside [RIPT_RFC3339_MIN_MS,
 * RIPT_RFC3339_MAX_MS] (|out| untouched), RIPT_ERR_INVALID_ARGUMENT if |out|
 * is NULL.
 */
int ript_rfc3339_format(int64_t ms, char out[RIPT_RFC3339_LEN + 1]);

#endif /* RIPT_CORE_RFC3339_H */

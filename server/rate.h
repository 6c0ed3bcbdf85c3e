/*
 * server/rate.h - a token bucket: how riptd holds each customer to
 * limits.requests-per-second (a burst of twice that). Sans-I/O: time is
 * the caller's.
 */
#ifndef RIPTD_RATE_H
#define RIPTD_RATE_H

#include <stdint.h>

typedef struct riptd_rate {
  double tokens;   /* requests that may come now */
  int64_t last_ms; /* when |tokens| was last brought up to date */
  int started;
} riptd_rate;

/*
 * Takes one request at |now_ms| from a bucket refilled at |per_s| requests
 * a second up to 2 * |per_s|. Returns 0 (allowed), or how many
 * milliseconds until a request would be (refused; nothing taken).
 */
int64_t riptd_rate_take(riptd_rate *r, int64_t now_ms, int64_t per_s);

#endif /* RIPTD_RATE_H */

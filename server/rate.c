/* Token buckets for request rates. */
#include <math.h>

#include "rate.h"

int64_t riptd_rate_take(riptd_rate *r, int64_t now_ms, int64_t per_s) {
  double burst = 2.0 * (double)per_s;
  if (!r->started || now_ms < r->last_ms) {
    /* A new bucket, or a clock that went back: start full. */
    r->started = 1;
    r->tokens = burst;
    r->last_ms = now_ms;
  }
  r->tokens += (double)(now_ms - r->last_ms) * (double)per_s / 1000.0;
  if (r->tokens > burst)
    r->tokens = burst;
  r->last_ms = now_ms;
  if (r->tokens >= 1.0) {
    r->tokens -= 1.0;
    return 0;
  }
  return (int64_t)ceil((1.0 - r->tokens) * 1000.0 / (double)per_s);
}

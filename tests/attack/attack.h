/* ript-attack: misbehaving HTTP/2, HTTP/3 and QUIC peers for riptd's
 * hostile-input tests. Every mode is bounded in count and time and talks
 * only to 127.0.0.1. Each returns the exit status: 0 when the server cut
 * the attack off as it should, 1 when it did not, 2 for a local failure. */
#ifndef RIPT_ATTACK_H
#define RIPT_ATTACK_H

#include <stddef.h>
#include <stdint.h>

typedef struct attack_opts {
  uint16_t port;
  const char *ca_file; /* unused by the raw modes (they verify nothing) */
  size_t count;        /* requests, frames or connections */
  unsigned seconds;    /* the longest the attack runs */
  int h3;              /* the library modes: HTTP/3 rather than HTTP/2 */
} attack_opts;

/* libript's client (attack_lib.c). */
int attack_rapid_reset(const attack_opts *o);
int attack_slow_body(const attack_opts *o);

/* nghttp2 over GnuTLS on a blocking socket (attack_h2.c). */
int attack_h2_continuation(const attack_opts *o);
int attack_h2_many_headers(const attack_opts *o);
int attack_h2_slow_headers(const attack_opts *o);

/* ngtcp2 (attack_quic.c). */
int attack_quic_flood(const attack_opts *o);

#endif /* RIPT_ATTACK_H */

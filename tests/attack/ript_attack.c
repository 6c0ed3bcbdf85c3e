/*
 * ript-attack MODE --port PORT [--ca FILE] [--count N] [--seconds S]
 *
 * Misbehaves against a riptd on 127.0.0.1 (never another address):
 *   h2-rapid-reset, h3-rapid-reset  requests opened and cancelled at line rate
 *   h2-continuation                 HEADERS then endless CONTINUATION frames
 *   h2-many-headers                 one request with N header fields
 *   h2-slow-headers                 a header section that never ends
 *   h2-slow-body, h3-slow-body      N POSTs whose body trickles, never ending
 *   quic-flood                      N QUIC Initials, each from its own port
 * Exit status 0: the server cut the attack off; 1: it did not; 2: usage or
 * local failure. One line on stdout says what happened.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

static const struct {
  const char *name;
  int (*run)(const attack_opts *o);
  int h3;
} attack_modes[] = {
    {"h2-rapid-reset", attack_rapid_reset, 0},
    {"h3-rapid-reset", attack_rapid_reset, 1},
    {"h2-continuation", attack_h2_continuation, 0},
    {"h2-many-headers", attack_h2_many_headers, 0},
    {"h2-slow-headers", attack_h2_slow_headers, 0},
    {"h2-slow-body", attack_slow_body, 0},
    {"h3-slow-body", attack_slow_body, 1},
    {"quic-flood", attack_quic_flood, 1},
};

enum {
  /* Bounds no command line can lift. */
  ATTACK_MAX_COUNT = 100000,
  ATTACK_MAX_SECONDS = 60,
};

static int attack_usage(void) {
  fprintf(stderr, "usage: ript-attack MODE --port PORT [--ca FILE] "
                  "[--count N] [--seconds S]\nmodes:");
  for (size_t i = 0; i < sizeof(attack_modes) / sizeof(attack_modes[0]); ++i)
    fprintf(stderr, " %s", attack_modes[i].name);
  fprintf(stderr, "\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return attack_usage();
  /* A server that cuts us off mid-write is the outcome sought: report it
   * rather than die of SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  attack_opts o = {0, NULL, 1000, 10, 0};
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (strcmp(k, "--port") == 0)
      o.port = (uint16_t)atoi(v);
    else if (strcmp(k, "--ca") == 0)
      o.ca_file = v;
    else if (strcmp(k, "--count") == 0)
      o.count = (size_t)strtoul(v, NULL, 10);
    else if (strcmp(k, "--seconds") == 0)
      o.seconds = (unsigned)strtoul(v, NULL, 10);
    else
      return attack_usage();
  }
  if (!o.port || (argc % 2) != 0)
    return attack_usage();
  if (o.count > ATTACK_MAX_COUNT)
    o.count = ATTACK_MAX_COUNT;
  if (o.seconds == 0 || o.seconds > ATTACK_MAX_SECONDS)
    o.seconds = ATTACK_MAX_SECONDS;
  for (size_t i = 0; i < sizeof(attack_modes) / sizeof(attack_modes[0]); ++i) {
    if (strcmp(argv[1], attack_modes[i].name) == 0) {
      o.h3 = attack_modes[i].h3;
      return attack_modes[i].run(&o);
    }
  }
  return attack_usage();
}

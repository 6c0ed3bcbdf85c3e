/*
 * server/options.h - riptd's command line.
 *
 *   riptd --config FILE [--listen ADDR:PORT] [--node-id ID]
 *   riptd --dev [--state DIR] [--durable] [--listen ADDR:PORT]
 *               [--token-lifetime S] [--node-id ID]
 *   riptd --help | --version
 *
 * Options take their value as the next argument or after '='.
 */
#ifndef RIPTD_OPTIONS_H
#define RIPTD_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

typedef struct riptd_options {
  const char *config; /* --config FILE */
  int dev;            /* --dev */
  const char *state;  /* --state DIR; "./riptd-dev" by default */
  const char *listen; /* --listen ADDR:PORT or [IPv6]:PORT; NULL: config's */
  int64_t token_lifetime_s; /* --token-lifetime S (with --dev); 0: default */
  int durable;         /* --durable (with --dev): the store is DIR/riptd.db */
  const char *node_id; /* --node-id ID: instead of the configuration's */
  int help;
  int version;
} riptd_options;

/* The default state directory of --dev. */
#define RIPTD_DEFAULT_STATE "./riptd-dev"

/*
 * Parses |argv| (|argc| entries, argv[0] the program) into |opt|. Returns
 * 0, or -1 with one line in |errbuf|: an unknown option, a missing value,
 * --config with --dev, neither of them, --state, --durable or
 * --token-lifetime without --dev, a lifetime outside 5..86400, a --listen
 * that is not ADDR:PORT / [IPv6]:PORT with a numeric address, or a
 * --node-id that is not a name (1 to 64 of A-Z a-z 0-9 - . _ ~).
 */
int riptd_options_parse(riptd_options *opt, int argc, char **argv,
                        char *errbuf, size_t errlen);

/* The usage text (several lines, ending with a newline). */
const char *riptd_options_usage(void);

#endif /* RIPTD_OPTIONS_H */

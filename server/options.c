/* riptd's command line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "options.h"
#include "ript_prog.h"

const char *riptd_options_usage(void) {
  return "usage: riptd --config FILE [--listen ADDR:PORT] [--node-id ID]\n"
         "       riptd --dev [--state DIR] [--durable] [--listen ADDR:PORT]\n"
         "                   [--token-lifetime SECONDS] [--node-id ID]\n"
         "\n"
         "  --config FILE       run with the configuration FILE (JSON; see\n"
         "                      server/riptd.example.md)\n"
         "  --dev               run a development server that needs no\n"
         "                      configuration: certificates, a STIR CA, a\n"
         "                      customer with a bearer token and one TG are\n"
         "                      made in the state directory, which also gets\n"
         "                      dev.json (root URI, token, CA, numbers)\n"
         "  --state DIR         the state directory of --dev "
         "(default " RIPTD_DEFAULT_STATE ")\n"
         "  --durable           keep handlers, calls and certificates in\n"
         "                      DIR/riptd.db (SQLite), so a restart keeps\n"
         "                      them; without it they are in memory\n"
         "  --token-lifetime S  how long the dev authorization server's\n"
         "                      access tokens live (5..86400 s; default "
         "3600)\n"
         "  --listen ADDR:PORT  listen there instead (numeric address;\n"
         "                      [IPv6]:PORT; port 0 picks a free one)\n"
         "  --node-id ID        this riptd's id as the owner of its calls,\n"
         "                      instead of the configuration's (riptd\n"
         "                      processes sharing a store need their own)\n"
         "  --help, --version\n"
         "\n"
         "signals: SIGINT, SIGTERM end every call and exit 0; SIGUSR1 asks\n"
         "the calls to migrate (see server/riptd.example.md)\n";
}

static int options_flag(const char *arg, riptd_options *opt) {
  if (strcmp(arg, "--dev") == 0)
    opt->dev = 1;
  else if (strcmp(arg, "--durable") == 0)
    opt->durable = 1;
  else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
    opt->help = 1;
  else if (strcmp(arg, "--version") == 0)
    opt->version = 1;
  else
    return 0;
  return 1;
}

/* --token-lifetime S: 1 (taken), 0 (not this option), -1 (no value) or
 * -2 (a bad value, |errbuf| says so). */
static int options_lifetime(int argc, char **argv, int *i, riptd_options *opt,
                            char *errbuf, size_t errlen) {
  const char *v = NULL;
  int rv = ript_cmdline_value("--token-lifetime", argc, argv, i, &v);
  if (rv <= 0)
    return rv;
  unsigned long n;
  if (ript_cmdline_uint(v, 5, 86400, &n) != 0) {
    snprintf(errbuf, errlen,
             "--token-lifetime %s: expected seconds from 5 to 86400", v);
    return -2;
  }
  opt->token_lifetime_s = (int64_t)n;
  return 1;
}

static int options_check(const riptd_options *opt, char *errbuf,
                         size_t errlen) {
  char addr[64];
  uint16_t port;
  if (opt->help || opt->version)
    return 0;
  if (opt->dev && opt->config)
    snprintf(errbuf, errlen, "--dev and --config exclude each other");
  else if (!opt->dev && !opt->config)
    snprintf(errbuf, errlen, "give --config FILE, or --dev");
  else if (!opt->dev && opt->state != NULL)
    snprintf(errbuf, errlen, "--state belongs to --dev");
  else if (!opt->dev && opt->token_lifetime_s)
    snprintf(errbuf, errlen, "--token-lifetime belongs to --dev");
  else if (!opt->dev && opt->durable)
    snprintf(errbuf, errlen, "--durable belongs to --dev");
  else if (opt->node_id && !riptd_config_is_name(opt->node_id))
    snprintf(errbuf, errlen,
             "--node-id %s: expected 1 to 64 of A-Z a-z 0-9 - . _ ~ (not "
             "\".\" or \"..\")",
             opt->node_id);
  else if (opt->listen && riptd_config_split_listen(opt->listen, addr,
                                                    sizeof(addr), &port) != 0)
    snprintf(errbuf, errlen,
             "--listen %s: expected ADDRESS:PORT or [IPv6]:PORT with a "
             "numeric address and a port from 0 to 65535",
             opt->listen);
  else
    return 0;
  return -1;
}

int riptd_options_parse(riptd_options *opt, int argc, char **argv,
                        char *errbuf, size_t errlen) {
  memset(opt, 0, sizeof(*opt));
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int rv = 0;
    if (options_flag(arg, opt))
      continue;
    if ((rv = ript_cmdline_value("--config", argc, argv, &i, &opt->config)) ||
        (rv = ript_cmdline_value("--state", argc, argv, &i, &opt->state)) ||
        (rv = ript_cmdline_value("--listen", argc, argv, &i, &opt->listen)) ||
        (rv = ript_cmdline_value("--node-id", argc, argv, &i, &opt->node_id)) ||
        (rv = options_lifetime(argc, argv, &i, opt, errbuf, errlen))) {
      if (rv == -2)
        return -1;
      if (rv < 0) {
        snprintf(errbuf, errlen, "%s needs a value", arg);
        return -1;
      }
      continue;
    }
    snprintf(errbuf, errlen, "unknown argument %s", arg);
    return -1;
  }
  return options_check(opt, errbuf, errlen);
}

/* ript-load's command line, and what a riptd --dev dev.json adds to it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "load.h"
#include "ript_prog.h"

const char *load_usage(void) {
  return "usage: ript-load [--dev-json DIR|FILE] [--root URL --token TOKEN "
         "--cacert FILE]\n"
         "                 [--tg URL] [--from NUMBER] [--to NUMBER]\n"
         "                 [--calls N] [--ramp RATE] [--hold SECONDS]\n"
         "                 [--transport h3|h2] [--media datagram|byway]\n"
         "                 [--codec PCMU|opus] [--connections K] "
         "[--byways B]\n"
         "                 [--ping-ms MS] [--give-up-ms MS] [--riptd-pid PID] "
         "[--json]\n"
         "\n"
         "Holds N concurrent calls to an echo number of a running riptd, "
         "20 ms of\n"
         "audio each way, and measures call setup, loss, one-way latency "
         "and, with\n"
         "--riptd-pid, riptd's CPU and resident memory "
         "(docs/BENCHMARKS.md).\n"
         "\n"
         "  --dev-json DIR|FILE  the dev.json of `riptd --dev --state DIR`: "
         "root,\n"
         "                       token, CA, TG, the echo number and a "
         "caller ID\n"
         "  --root URL --token TOKEN --cacert FILE  or give them one by "
         "one\n"
         "  --tg URL             the TG (default: dev.json's, else the "
         "first listed)\n"
         "  --from NUMBER        the caller ID (default: dev.json's "
         "first)\n"
         "  --to NUMBER          the echo number (default: dev.json's)\n"
         "  --calls N            concurrent calls (default 10)\n"
         "  --ramp RATE          call setups started per second (default "
         "50)\n"
         "  --hold SECONDS       how long all calls are held (default 10)\n"
         "  --transport h3|h2    HTTP/3 (default) or HTTP/2\n"
         "  --media datagram|byway  HTTP datagrams (default on h3) or "
         "PUT/GET byways\n"
         "  --codec PCMU|opus    the codec (default PCMU)\n"
         "  --connections K      spread the calls over K connections "
         "(default: as\n"
         "                       many as riptd's 1000 streams per "
         "connection need)\n"
         "  --byways B           reverse media byways per call (default "
         "20)\n"
         "  --ping-ms MS         ping on each call's signaling byway every "
         "MS ms\n"
         "                       (default: the client library's, 5000)\n"
         "  --give-up-ms MS      give a call up after MS ms without a "
         "signaling byway\n"
         "                       (default: the client library's, 30000)\n"
         "  --riptd-pid PID      read riptd's CPU and memory from /proc\n"
         "  --json               print the results as one JSON object\n"
         "\n"
         "Exit status: 0 all calls went well, 1 setup failed (nothing "
         "measured),\n"
         "2 bad usage, 3 measured but some calls failed.\n";
}

static int options_number(const char *name, const char *text, double lo,
                          double hi, double *out, char *err, size_t errlen) {
  if (ript_cmdline_number(text, lo, hi, out) != 0) {
    snprintf(err, errlen, "%s %s: expected a number from %g to %g", name,
             text, lo, hi);
    return -1;
  }
  return 0;
}

static int options_uint(const char *name, const char *text, unsigned lo,
                        unsigned hi, unsigned *out, char *err,
                        size_t errlen) {
  unsigned long v;
  if (ript_cmdline_uint(text, lo, hi, &v) != 0) {
    snprintf(err, errlen, "%s %s: expected a whole number from %u to %u",
             name, text, lo, hi);
    return -1;
  }
  *out = (unsigned)v;
  return 0;
}

static int options_choice(const char *name, const char *text,
                          const char *const *names, int n, int *out,
                          char *err, size_t errlen) {
  for (int i = 0; i < n; ++i) {
    if (strcasecmp(text, names[i]) == 0) {
      *out = i;
      return 0;
    }
  }
  snprintf(err, errlen, "%s %s: expected %s or %s", name, text, names[0],
           names[1]);
  return -1;
}

/* One option with a value. */
static int options_apply(load_options *opt, const char *name,
                         const char *v, char *err, size_t errlen) {
  static const char *const transports[] = {"h3", "h2"};
  static const char *const medias[] = {"datagram", "byway"};
  static const char *const codecs[] = {"PCMU", "opus"};
  unsigned u = 0;
  int c = 0, rv = 0;
  if (strcmp(name, "--calls") == 0) {
    rv = options_uint(name, v, 1, LOAD_CALLS_MAX, &opt->calls, err, errlen);
  } else if (strcmp(name, "--ramp") == 0) {
    rv = options_number(name, v, 0.1, LOAD_RAMP_MAX, &opt->ramp, err, errlen);
  } else if (strcmp(name, "--hold") == 0) {
    rv = options_number(name, v, 0, LOAD_HOLD_MAX, &opt->hold_s, err, errlen);
  } else if (strcmp(name, "--connections") == 0) {
    rv = options_uint(name, v, 1, LOAD_CONNECTIONS_MAX, &opt->connections,
                      err, errlen);
  } else if (strcmp(name, "--byways") == 0) {
    rv = options_uint(name, v, 1, RIPT_CLIENT_CALL_MAX_BYWAYS, &opt->byways,
                      err, errlen);
  } else if (strcmp(name, "--ping-ms") == 0) {
    rv = options_uint(name, v, 1, 600000, &opt->ping_ms, err, errlen);
  } else if (strcmp(name, "--give-up-ms") == 0) {
    rv = options_uint(name, v, 1, 3600000, &opt->give_up_ms, err, errlen);
  } else if (strcmp(name, "--riptd-pid") == 0) {
    rv = options_uint(name, v, 1, INT_MAX, &u, err, errlen);
    opt->riptd_pid = (pid_t)u;
  } else if (strcmp(name, "--transport") == 0) {
    rv = options_choice(name, v, transports, 2, &c, err, errlen);
    opt->version = c ? RIPT_HTTP_2 : RIPT_HTTP_3;
  } else if (strcmp(name, "--media") == 0) {
    rv = options_choice(name, v, medias, 2, &c, err, errlen);
    opt->media = c ? RIPT_CLIENT_MEDIA_BYWAY : RIPT_CLIENT_MEDIA_DATAGRAM;
  } else {
    rv = options_choice(name, v, codecs, 2, &c, err, errlen);
    opt->opus = c;
  }
  return rv;
}

static const char *const options_named[] = {
    "--calls",     "--ramp",     "--hold",      "--connections",
    "--byways",    "--ping-ms",   "--give-up-ms", "--riptd-pid",
    "--transport", "--media",     "--codec"};

static const char *const options_strings[] = {
    "--dev-json", "--root", "--token", "--cacert", "--tg", "--from", "--to"};

/* The option at argv[*i] that takes a string; 1 matched, 0 not, -1
 * missing value. */
static int options_string(load_options *opt, int argc, char **argv, int *i) {
  const char **slots[] = {&opt->dev_json, &opt->root, &opt->token,
                          &opt->cacert,   &opt->tg,   &opt->from,
                          &opt->to};
  for (size_t k = 0; k < sizeof(slots) / sizeof(slots[0]); ++k) {
    int rv = ript_cmdline_value(options_strings[k], argc, argv, i, slots[k]);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static int options_check(load_options *opt, char *err, size_t errlen) {
  if (opt->media == RIPT_CLIENT_MEDIA_AUTO)
    opt->media = opt->version == RIPT_HTTP_3 ? RIPT_CLIENT_MEDIA_DATAGRAM
                                             : RIPT_CLIENT_MEDIA_BYWAY;
  if (opt->media == RIPT_CLIENT_MEDIA_DATAGRAM && opt->version == RIPT_HTTP_2) {
    snprintf(err, errlen, "--media datagram needs --transport h3 (HTTP/2 "
                          "has no datagrams)");
    return -1;
  }
  if (opt->connections > opt->calls) {
    snprintf(err, errlen, "--connections %u: more connections than calls",
             opt->connections);
    return -1;
  }
  return 0;
}

int load_options_parse(load_options *opt, int argc, char **argv, char *err,
                       size_t errlen) {
  memset(opt, 0, sizeof(*opt));
  opt->calls = 10;
  opt->ramp = 50;
  opt->hold_s = 10;
  opt->version = RIPT_HTTP_3;
  opt->byways = RIPT_CLIENT_CALL_BYWAYS;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i], *v = NULL;
    if (strcmp(arg, "--json") == 0) {
      opt->json = 1;
      continue;
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      opt->help = 1;
      return 0;
    }
    int rv = options_string(opt, argc, argv, &i);
    for (size_t k = 0; rv == 0 && k < sizeof(options_named) /
                                           sizeof(options_named[0]);
         ++k) {
      rv = ript_cmdline_value(options_named[k], argc, argv, &i, &v);
      if (rv == 1 &&
          options_apply(opt, options_named[k], v, err, errlen) != 0)
        return -1;
    }
    if (rv < 0) {
      snprintf(err, errlen, "%s needs a value", arg);
      return -1;
    }
    if (rv == 0) {
      snprintf(err, errlen, "unknown argument %s (see --help)", arg);
      return -1;
    }
  }
  return options_check(opt, err, errlen);
}

/* ---- dev.json ---- */

/* A string member of |doc| at |a| (and, if not NULL, |b|): NULL if absent. */
static const char *dev_string(json_t *doc, const char *a, const char *b) {
  json_t *v = json_object_get(doc, a);
  if (b)
    v = json_is_array(v) ? json_array_get(v, 0) : json_object_get(v, b);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *dev_load(const char *arg, char *err, size_t errlen) {
  struct stat st;
  char path[PATH_MAX];
  int is_dir = stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
  if (snprintf(path, sizeof(path), is_dir ? "%s/dev.json" : "%s", arg) >=
      (int)sizeof(path)) {
    snprintf(err, errlen, "--dev-json: the path is too long");
    return NULL;
  }
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc)
    snprintf(err, errlen, "--dev-json %s: %s", path, jerr.text);
  else if (!json_is_object(doc)) {
    snprintf(err, errlen, "--dev-json %s: not a riptd dev.json", path);
    json_decref(doc);
    doc = NULL;
  }
  return doc;
}

/* |*slot| = the option, else dev.json's value, copied; NULL if neither. */
static int target_take(char **slot, const char *option, const char *dev) {
  const char *v = option ? option : dev;
  *slot = v ? strdup(v) : NULL;
  return v && !*slot ? -1 : 0;
}

int load_target_resolve(load_target *t, const load_options *opt, char *err,
                        size_t errlen) {
  memset(t, 0, sizeof(*t));
  json_t *doc = NULL;
  if (opt->dev_json && !(doc = dev_load(opt->dev_json, err, errlen)))
    return -1;
  int rv = target_take(&t->root, opt->root, dev_string(doc, "root", NULL));
  rv |= target_take(&t->token, opt->token, dev_string(doc, "token", NULL));
  rv |= target_take(&t->cacert, opt->cacert, dev_string(doc, "cacert", NULL));
  rv |= target_take(&t->tg, opt->tg, dev_string(doc, "tg", NULL));
  rv |= target_take(&t->from, opt->from, dev_string(doc, "from", "0"));
  rv |= target_take(&t->to, opt->to, dev_string(doc, "numbers", "echo"));
  json_decref(doc);
  const char *missing = !t->root    ? "--root (or --dev-json)"
                        : !t->token ? "--token (or --dev-json)"
                        : !t->from  ? "--from (or --dev-json)"
                        : !t->to    ? "--to (or --dev-json)"
                                    : NULL;
  if (rv != 0)
    snprintf(err, errlen, "out of memory");
  else if (missing)
    snprintf(err, errlen, "no value for %s", missing);
  if (rv != 0 || missing) {
    load_target_free(t);
    return -1;
  }
  return 0;
}

void load_target_free(load_target *t) {
  free(t->root);
  if (t->token) {
    memset(t->token, 0, strlen(t->token));
    free(t->token);
  }
  free(t->cacert);
  free(t->tg);
  free(t->from);
  free(t->to);
  memset(t, 0, sizeof(*t));
}

/* The `ript` command line: words, options, and their syntax. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "ript/advert.h"
#include "ript/doc.h"
#include "ript/dtmf.h"
#include "ript/mediakey.h"
#include "ript/uri.h"
#include "ript_prog.h"

enum { OPTIONS_MAX_TIMEOUT_S = 3600 };

typedef struct options_value {
  const char *name;
  size_t field; /* offsetof the const char * in ript_cli_options, or (in
                   options_raw_values) in options_raw */
  unsigned option; /* its RIPT_CLI_OPT_* (command.h); 0: a common option */
} options_value;

static const options_value options_values[] = {
    {"--root", offsetof(ript_cli_options, root), 0},
    {"--authority", offsetof(ript_cli_options, authority), 0},
    {"--token", offsetof(ript_cli_options, token), 0},
    {"--token-file", offsetof(ript_cli_options, token_file), 0},
    {"--client-id", offsetof(ript_cli_options, client_id), 0},
    {"--client-secret-file", offsetof(ript_cli_options, client_secret_file),
     0},
    {"--refresh-token-file", offsetof(ript_cli_options, refresh_token_file),
     0},
    {"--token-endpoint", offsetof(ript_cli_options, token_endpoint), 0},
    {"--scope", offsetof(ript_cli_options, scope), 0},
    {"--cacert", offsetof(ript_cli_options, cacert), 0},
    {"--state", offsetof(ript_cli_options, state), 0},
    {"--dev", offsetof(ript_cli_options, dev), 0},
    {"--tg", offsetof(ript_cli_options, tg), RIPT_CLI_OPT_TG},
    {"--id", offsetof(ript_cli_options, id), RIPT_CLI_OPT_ID},
    {"--advertisement", offsetof(ript_cli_options, advertisement),
     RIPT_CLI_OPT_ADVERTISEMENT},
    {"--play", offsetof(ript_cli_options, play), RIPT_CLI_OPT_PLAY},
    {"--record", offsetof(ript_cli_options, record), RIPT_CLI_OPT_RECORD},
    {"--dtmf", offsetof(ript_cli_options, dtmf), RIPT_CLI_OPT_DTMF},
    {"--media-key", offsetof(ript_cli_options, media_key),
     RIPT_CLI_OPT_MEDIA_KEY},
    {"--media-key-file", offsetof(ript_cli_options, media_key_file),
     RIPT_CLI_OPT_MEDIA_KEY_FILE},
};
#define OPTIONS_NVALUES (sizeof(options_values) / sizeof(options_values[0]))

/* Values checked after the words are known; kept apart from the struct's
 * public fields because they need converting. */
typedef struct options_raw {
  const char *transport;
  const char *timeout;
  const char *from;
  const char *to, *duration, *codec, *media, *cut_at;
  const char *words[4];
  size_t nwords;
  const char *extra; /* the first word beyond what any command takes */
} options_raw;

static const options_value options_raw_values[] = {
    {"--transport", offsetof(options_raw, transport), 0},
    {"--timeout", offsetof(options_raw, timeout), 0},
    {"--from", offsetof(options_raw, from), RIPT_CLI_OPT_FROM},
    {"--to", offsetof(options_raw, to), RIPT_CLI_OPT_TO},
    {"--duration", offsetof(options_raw, duration), RIPT_CLI_OPT_DURATION},
    {"--codec", offsetof(options_raw, codec), RIPT_CLI_OPT_CODEC},
    {"--media", offsetof(options_raw, media), RIPT_CLI_OPT_MEDIA},
    {"--cut-at", offsetof(options_raw, cut_at), RIPT_CLI_OPT_CUT_AT},
};
#define OPTIONS_NRAW (sizeof(options_raw_values) / sizeof(options_raw_values[0]))

/* ---- words ---- */

int ript_cli_handler_id_ok(const char *id) {
  size_t n = 0;
  for (; id[n]; ++n) {
    char c = id[n];
    if (!strchr("._~-", c) && !(c >= 'A' && c <= 'Z') &&
        !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
      return 0;
  }
  return n >= 1 && n <= RIPT_DOC_HANDLER_ID_MAX;
}

/* The command named by the words: a command's own word, then a member's
 * word after its group's. Returns 0 or -1 with a message. */
static int options_command(ript_cli_options *opt, const options_raw *raw,
                           char *errbuf, size_t errlen) {
  const ript_cli_command *c = NULL;
  size_t used = 0;
  if (raw->nwords > 0) {
    if (!(c = ript_cli_command_find(NULL, raw->words[0]))) {
      snprintf(errbuf, errlen, "unknown command '%s'", raw->words[0]);
      return -1;
    }
    used = 1;
  }
  while (c && ript_cli_command_is_group(c) && raw->nwords > used) {
    const ript_cli_command *member =
        ript_cli_command_find(c, raw->words[used]);
    if (!member) {
      char words[256];
      ript_cli_command_list(c, ", ", ", ", words, sizeof(words));
      snprintf(errbuf, errlen, "unknown %s command '%s' (%s)", c->words,
               raw->words[used], words);
      return -1;
    }
    c = member;
    ++used;
  }
  opt->command = c;
  if (c && c->operand && raw->nwords > used)
    opt->target = raw->words[used++];
  if (raw->nwords > used || raw->extra) {
    snprintf(errbuf, errlen, "unexpected argument '%s'",
             raw->nwords > used ? raw->words[used] : raw->extra);
    return -1;
  }
  return 0;
}

/* ---- options ---- */

static int options_flag(const char *arg, ript_cli_options *opt) {
  if (strcmp(arg, "--json") == 0)
    opt->json = 1;
  else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
    opt->help = 1;
  else if (strcmp(arg, "--version") == 0)
    opt->show_version = 1;
  else
    return 0;
  return 1;
}

/* One option at argv[*i]. Returns 1 (taken), 0 (not an option we know) or
 * -1 (value missing). */
static int options_one(ript_cli_options *opt, options_raw *raw, int argc,
                       char **argv, int *i) {
  if (options_flag(argv[*i], opt))
    return 1;
  int rv;
  for (size_t k = 0; k < OPTIONS_NVALUES; ++k) {
    const char **field =
        (const char **)(void *)((char *)opt + options_values[k].field);
    if ((rv = ript_cmdline_value(options_values[k].name, argc, argv, i, field)))
      return rv;
  }
  for (size_t k = 0; k < OPTIONS_NRAW; ++k) {
    const char **field =
        (const char **)(void *)((char *)raw + options_raw_values[k].field);
    if ((rv = ript_cmdline_value(options_raw_values[k].name, argc, argv, i, field)))
      return rv;
  }
  return 0;
}

/* Names an unknown option without its value: "--tokn=SECRET" must not
 * print the secret. */
static void options_unknown(const char *arg, char *errbuf, size_t errlen) {
  size_t n = strcspn(arg, "=");
  snprintf(errbuf, errlen, "unknown option '%.*s'", (int)n, arg);
}

/* Collects the words and options. Keeps going after a bad option so the
 * command, and with it the usage line to show, is still known; the first
 * problem is the one reported. */
static int options_scan(ript_cli_options *opt, options_raw *raw, int argc,
                        char **argv, char *errbuf, size_t errlen) {
  int words_only = 0, failed = 0;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!words_only && strcmp(arg, "--") == 0) {
      words_only = 1;
      continue;
    }
    if (words_only || arg[0] != '-' || arg[1] == '\0') {
      if (raw->nwords < sizeof(raw->words) / sizeof(raw->words[0]))
        raw->words[raw->nwords++] = arg;
      else if (!raw->extra)
        raw->extra = arg;
      continue;
    }
    int rv = options_one(opt, raw, argc, argv, &i);
    if (rv < 0 && !failed)
      snprintf(errbuf, errlen, "%s needs a value", arg);
    else if (rv == 0 && !failed)
      options_unknown(arg, errbuf, errlen);
    failed |= rv <= 0;
  }
  return failed ? -1 : 0;
}

/* The first option of |table| (at |base|) among |options| that is given
 * (|given| 1) or missing (0); NULL if none. */
static const options_value *options_find(const void *base,
                                         const options_value *table, size_t n,
                                         unsigned options, int given) {
  for (size_t k = 0; k < n; ++k) {
    const char *const *field =
        (const char *const *)(const void *)((const char *)base +
                                            table[k].field);
    if ((table[k].option & options) && (*field != NULL) == given)
      return &table[k];
  }
  return NULL;
}

static const options_value *options_first(const ript_cli_options *opt,
                                          const options_raw *raw,
                                          unsigned options, int given) {
  const options_value *v =
      options_find(opt, options_values, OPTIONS_NVALUES, options, given);
  return v ? v
           : options_find(raw, options_raw_values, OPTIONS_NRAW, options,
                          given);
}

/* An option given to a command that does not take it. */
static int options_belong(const ript_cli_options *opt, const options_raw *raw,
                          char *errbuf, size_t errlen) {
  unsigned takes = opt->command ? opt->command->takes : 0;
  const options_value *v = options_first(opt, raw, ~takes, 1);
  if (!v)
    return 0;
  snprintf(errbuf, errlen, "%s is not an option of this command", v->name);
  return -1;
}

/* An option the command cannot go without, missing. */
static int options_needs(const ript_cli_options *opt, const options_raw *raw,
                         char *errbuf, size_t errlen) {
  const ript_cli_command *c = opt->command;
  if (!options_first(opt, raw, c->needs, 0))
    return 0;
  snprintf(errbuf, errlen, "ript %s needs %s", c->words, c->needs_text);
  return -1;
}

/* ---- values ---- */

static int options_url(const char *name, const char *url, char *errbuf,
                       size_t errlen) {
  ript_parse_error err = {0, NULL};
  if (ript_uri_parse(url, strlen(url), 0, NULL, &err) == 0)
    return 0;
  snprintf(errbuf, errlen,
           "%s '%s' is not an https URL: at byte %zu expected %s", name, url,
           err.offset, err.expected ? err.expected : "more");
  return -1;
}

static int options_authority(const char *authority, char *errbuf,
                             size_t errlen) {
  ript_buf root;
  ript_buf_init(&root, NULL);
  int rv = ript_uri_root(authority, &root);
  ript_buf_free(&root);
  if (rv == 0)
    return 0;
  snprintf(errbuf, errlen,
           "--authority '%s': expected HOST or HOST:PORT (an IPv6 address "
           "in brackets)",
           authority);
  return -1;
}

static int options_advertisement(const char *text, char *errbuf,
                                 size_t errlen) {
  ript_advert *adv = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_advert_parse(&adv, text, strlen(text),
                             RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL);
  ript_advert_del(adv);
  if (rv == 0)
    return 0;
  snprintf(errbuf, errlen,
           "--advertisement is not an advertisement: at byte %zu expected %s",
           err.offset, err.expected ? err.expected : "a valid value");
  return -1;
}

static int options_from(ript_cli_options *opt, const char *from, char *errbuf,
                        size_t errlen) {
  if (ript_dest_normalize(from, strlen(from), opt->from, NULL) > 0 &&
      ript_dest_is_e164(opt->from))
    return 0;
  opt->from[0] = '\0';
  snprintf(errbuf, errlen,
           "--from '%s': expected an E.164 number such as +15550100000",
           from);
  return -1;
}

static int options_to(ript_cli_options *opt, const char *to, char *errbuf,
                      size_t errlen) {
  ript_parse_error err = {0, NULL};
  if (ript_dest_normalize(to, strlen(to), opt->to, &err) > 0)
    return 0;
  opt->to[0] = '\0';
  snprintf(errbuf, errlen,
           "--to '%s' is not a destination (an E.164 number or "
           "user@domain): at byte %zu",
           to, err.offset);
  return -1;
}

/* Seconds with an optional fraction, above 0 and at most a day, as ms. */
static int options_seconds(const char *name, const char *s, uint64_t *ms,
                           char *errbuf, size_t errlen) {
  double v;
  if (ript_cmdline_number(s, 0.001, RIPT_CLI_MAX_CALL_S, &v) == 0) {
    *ms = (uint64_t)llround(v * 1000);
    return 0;
  }
  snprintf(errbuf, errlen, "%s '%s': expected seconds from 0.001 to %d", name,
           s, RIPT_CLI_MAX_CALL_S);
  return -1;
}

static int options_codec(ript_cli_options *opt, const char *c, char *errbuf,
                         size_t errlen) {
  static const char *const codecs[] = {"opus", "PCMU", "PCMA"};
  for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); ++i) {
    if (strcasecmp(c, codecs[i]) == 0) {
      opt->codec = codecs[i];
      return 0;
    }
  }
  snprintf(errbuf, errlen, "--codec '%s': expected opus, PCMU or PCMA", c);
  return -1;
}

static int options_media(ript_cli_options *opt, const char *m, char *errbuf,
                         size_t errlen) {
  if (strcmp(m, "datagram") == 0 || strcmp(m, "byway") == 0) {
    opt->media = m[0] == 'd' ? RIPT_CLIENT_MEDIA_DATAGRAM
                             : RIPT_CLIENT_MEDIA_BYWAY;
    return 0;
  }
  snprintf(errbuf, errlen, "--media '%s': expected datagram or byway", m);
  return -1;
}

static int options_dtmf(const char *digits, char *errbuf, size_t errlen) {
  size_t n = strlen(digits);
  for (size_t i = 0; i < n; ++i) {
    if (ript_dtmf_event_code(digits[i]) < 0) {
      snprintf(errbuf, errlen,
               "--dtmf: '%c' is not a key (0-9, *, #, A-D)", digits[i]);
      return -1;
    }
  }
  if (n >= 1 && n <= RIPT_CLI_MAX_DTMF)
    return 0;
  snprintf(errbuf, errlen, "--dtmf: expected 1 to %d keys",
           RIPT_CLI_MAX_DTMF);
  return -1;
}

/* --media-key is checked here (the secret never goes into a message);
 * --media-key-file is read by the call. */
static int options_media_key(const ript_cli_options *opt, char *errbuf,
                             size_t errlen) {
  if (opt->media_key && opt->media_key_file) {
    snprintf(errbuf, errlen,
             "--media-key and --media-key-file exclude each other");
    return -1;
  }
  if (!opt->media_key)
    return 0;
  ript_mediakey mk;
  ript_parse_error err = {0, NULL};
  int rv = ript_mediakey_parse(&mk, opt->media_key, strlen(opt->media_key),
                               &err);
  ript_mediakey_clear(&mk);
  if (rv == 0)
    return 0;
  snprintf(errbuf, errlen, "--media-key: at character %zu expected %s",
           err.offset, err.expected ? err.expected : "ID:SECRET");
  return -1;
}

/* The values of the options of `ript call`, where given. */
static int options_call(ript_cli_options *opt, const options_raw *raw,
                        char *errbuf, size_t errlen) {
  if ((raw->to && options_to(opt, raw->to, errbuf, errlen)) ||
      (raw->duration && options_seconds("--duration", raw->duration,
                                        &opt->duration_ms, errbuf, errlen)) ||
      (raw->cut_at && options_seconds("--cut-at", raw->cut_at,
                                      &opt->cut_at_ms, errbuf, errlen)) ||
      (raw->codec && options_codec(opt, raw->codec, errbuf, errlen)) ||
      (raw->media && options_media(opt, raw->media, errbuf, errlen)) ||
      (opt->dtmf && options_dtmf(opt->dtmf, errbuf, errlen)) ||
      options_media_key(opt, errbuf, errlen))
    return -1;
  if (opt->media == RIPT_CLIENT_MEDIA_DATAGRAM && opt->version != RIPT_HTTP_3) {
    snprintf(errbuf, errlen, "--media datagram needs HTTP/3 (--transport h3)");
    return -1;
  }
  return 0;
}

static int options_timeout(ript_cli_options *opt, const char *s, char *errbuf,
                           size_t errlen) {
  unsigned long v;
  if (ript_cmdline_uint(s, 1, OPTIONS_MAX_TIMEOUT_S, &v) == 0) {
    opt->timeout_s = (unsigned)v;
    return 0;
  }
  snprintf(errbuf, errlen, "--timeout '%s': expected whole seconds from 1 to %d",
           s, OPTIONS_MAX_TIMEOUT_S);
  return -1;
}

static int options_transport(ript_cli_options *opt, const char *t,
                             char *errbuf, size_t errlen) {
  if (strcmp(t, "h3") == 0 || strcmp(t, "h2") == 0) {
    opt->version = t[1] == '3' ? RIPT_HTTP_3 : RIPT_HTTP_2;
    return 0;
  }
  snprintf(errbuf, errlen, "--transport '%s': expected h3 or h2", t);
  return -1;
}

static int options_target(const char *target, char *errbuf, size_t errlen) {
  if (strncasecmp(target, "https:", 6) == 0)
    return options_url("handler", target, errbuf, errlen);
  if (ript_cli_handler_id_ok(target))
    return 0;
  snprintf(errbuf, errlen,
           "'%s' is neither a handler URI nor a handler id (1 to 128 of "
           "A-Z a-z 0-9 . _ ~ -)",
           target);
  return -1;
}

int ript_cli_options_oauth(const ript_cli_options *opt) {
  return opt->client_id || opt->refresh_token_file || opt->token_endpoint;
}

/* Options that exclude or need each other. */
static int options_combine(const ript_cli_options *opt, char *errbuf,
                           size_t errlen) {
  const ript_cli_command *c = opt->command;
  if (!c || ript_cli_command_is_group(c)) {
    char words[256];
    ript_cli_command_list(c, ", ", " or ", words, sizeof(words));
    if (c)
      snprintf(errbuf, errlen, "ript %s needs %s", c->words, words);
    else
      snprintf(errbuf, errlen, "give a command: %s", words);
    return -1;
  }
  if (opt->root && opt->authority)
    snprintf(errbuf, errlen, "--root and --authority exclude each other");
  else if (opt->token && opt->token_file)
    snprintf(errbuf, errlen, "--token and --token-file exclude each other");
  else if ((opt->token || opt->token_file) && ript_cli_options_oauth(opt))
    snprintf(errbuf, errlen,
             "--%s gives a fixed token; --client-id, --refresh-token-file "
             "and --token-endpoint get tokens from the server: use one way",
             opt->token ? "token" : "token-file");
  else if (opt->client_secret_file && !opt->client_id)
    snprintf(errbuf, errlen, "--client-secret-file needs --client-id");
  else if (c->operand && !opt->target)
    snprintf(errbuf, errlen, "ript %s needs %s", c->words, c->operand);
  else
    return 0;
  return -1;
}

static int options_check(ript_cli_options *opt, const options_raw *raw,
                         char *errbuf, size_t errlen) {
  if (options_combine(opt, errbuf, errlen) != 0)
    return -1;
  if ((raw->transport &&
       options_transport(opt, raw->transport, errbuf, errlen) != 0) ||
      (raw->timeout && options_timeout(opt, raw->timeout, errbuf, errlen)) ||
      (opt->root && options_url("--root", opt->root, errbuf, errlen)) ||
      (opt->authority && options_authority(opt->authority, errbuf, errlen)) ||
      (opt->tg && options_url("--tg", opt->tg, errbuf, errlen)) ||
      (opt->token_endpoint &&
       options_url("--token-endpoint", opt->token_endpoint, errbuf, errlen)))
    return -1;
  if (opt->token && opt->token[0] == '\0') {
    snprintf(errbuf, errlen, "--token is empty");
    return -1;
  }
  if (opt->id && !ript_cli_handler_id_ok(opt->id)) {
    snprintf(errbuf, errlen,
             "--id '%s': expected 1 to 128 of A-Z a-z 0-9 . _ ~ -", opt->id);
    return -1;
  }
  if ((opt->advertisement &&
       options_advertisement(opt->advertisement, errbuf, errlen)) ||
      (opt->target && options_target(opt->target, errbuf, errlen)))
    return -1;
  if (options_needs(opt, raw, errbuf, errlen) != 0 ||
      options_call(opt, raw, errbuf, errlen) != 0)
    return -1;
  return raw->from ? options_from(opt, raw->from, errbuf, errlen) : 0;
}

int ript_cli_options_parse(ript_cli_options *opt, int argc, char **argv,
                           char *errbuf, size_t errlen) {
  memset(opt, 0, sizeof(*opt));
  opt->version = RIPT_HTTP_3;
  opt->timeout_s = RIPT_CLI_DEFAULT_TIMEOUT_S;
  options_raw raw;
  memset(&raw, 0, sizeof(raw));
  char ignored[256];
  int scanned = options_scan(opt, &raw, argc, argv, errbuf, errlen);
  if (options_command(opt, &raw, scanned ? ignored : errbuf,
                      scanned ? sizeof(ignored) : errlen) != 0 ||
      scanned != 0)
    return -1;
  if (opt->help || opt->show_version)
    return 0;
  if (options_belong(opt, &raw, errbuf, errlen) != 0)
    return -1;
  return options_check(opt, &raw, errbuf, errlen);
}

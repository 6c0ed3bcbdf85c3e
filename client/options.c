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

/* Which commands take an option (bit = 1 << command). */
#define OPT_ALL 0xffffu
#define OPT_TG                                                                \
  ((1u << RIPT_CLI_HANDLER_ADD) | (1u << RIPT_CLI_HANDLER_LIST) |             \
   (1u << RIPT_CLI_HANDLER_RM) | (1u << RIPT_CLI_CERT) |                      \
   (1u << RIPT_CLI_CALL))
#define OPT_ADD (1u << RIPT_CLI_HANDLER_ADD)
#define OPT_CALL (1u << RIPT_CLI_CALL)
#define OPT_FROM ((1u << RIPT_CLI_CERT) | OPT_CALL)

typedef struct options_value {
  const char *name;
  size_t field; /* offsetof the const char * in ript_cli_options, or (in
                   options_raw_values) in options_raw */
  unsigned commands;
} options_value;

static const options_value options_values[] = {
    {"--root", offsetof(ript_cli_options, root), OPT_ALL},
    {"--authority", offsetof(ript_cli_options, authority), OPT_ALL},
    {"--token", offsetof(ript_cli_options, token), OPT_ALL},
    {"--token-file", offsetof(ript_cli_options, token_file), OPT_ALL},
    {"--client-id", offsetof(ript_cli_options, client_id), OPT_ALL},
    {"--client-secret-file", offsetof(ript_cli_options, client_secret_file),
     OPT_ALL},
    {"--refresh-token-file", offsetof(ript_cli_options, refresh_token_file),
     OPT_ALL},
    {"--token-endpoint", offsetof(ript_cli_options, token_endpoint), OPT_ALL},
    {"--scope", offsetof(ript_cli_options, scope), OPT_ALL},
    {"--cacert", offsetof(ript_cli_options, cacert), OPT_ALL},
    {"--state", offsetof(ript_cli_options, state), OPT_ALL},
    {"--dev", offsetof(ript_cli_options, dev), OPT_ALL},
    {"--tg", offsetof(ript_cli_options, tg), OPT_TG},
    {"--id", offsetof(ript_cli_options, id), OPT_ADD},
    {"--advertisement", offsetof(ript_cli_options, advertisement), OPT_ADD},
    {"--play", offsetof(ript_cli_options, play), OPT_CALL},
    {"--record", offsetof(ript_cli_options, record), OPT_CALL},
    {"--dtmf", offsetof(ript_cli_options, dtmf), OPT_CALL},
    {"--media-key", offsetof(ript_cli_options, media_key), OPT_CALL},
    {"--media-key-file", offsetof(ript_cli_options, media_key_file), OPT_CALL},
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
    {"--transport", offsetof(options_raw, transport), OPT_ALL},
    {"--timeout", offsetof(options_raw, timeout), OPT_ALL},
    {"--from", offsetof(options_raw, from), OPT_FROM},
    {"--to", offsetof(options_raw, to), OPT_CALL},
    {"--duration", offsetof(options_raw, duration), OPT_CALL},
    {"--codec", offsetof(options_raw, codec), OPT_CALL},
    {"--media", offsetof(options_raw, media), OPT_CALL},
    {"--cut-at", offsetof(options_raw, cut_at), OPT_CALL},
};
#define OPTIONS_NRAW (sizeof(options_raw_values) / sizeof(options_raw_values[0]))

/* ---- usage and help ---- */

const char *ript_cli_usage(ript_cli_command command) {
  switch (command) {
  case RIPT_CLI_DISCOVER:
    return "usage: ript [OPTIONS] discover\n";
  case RIPT_CLI_HANDLER:
    return "usage: ript [OPTIONS] handler add|list|rm ...\n";
  case RIPT_CLI_HANDLER_ADD:
    return "usage: ript [OPTIONS] handler add [--id ID] [--advertisement "
           "TEXT] [--tg URI]\n";
  case RIPT_CLI_HANDLER_LIST:
    return "usage: ript [OPTIONS] handler list [--tg URI]\n";
  case RIPT_CLI_HANDLER_RM:
    return "usage: ript [OPTIONS] handler rm ID|URI [--tg URI]\n";
  case RIPT_CLI_CERT:
    return "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]\n";
  case RIPT_CLI_CALL:
    return "usage: ript [OPTIONS] call --from NUMBER --to DESTINATION "
           "[--play IN.wav] [--record OUT.wav] [--duration SECONDS] "
           "[--codec opus|PCMU|PCMA] [--media datagram|byway] "
           "[--dtmf DIGITS] [--tg URI]\n";
  case RIPT_CLI_NONE:
  default:
    return "usage: ript [OPTIONS] discover|handler|cert|call ... (ript "
           "--help tells more)\n";
  }
}

static const char options_help_main[] =
    "usage: ript [OPTIONS] COMMAND ...\n"
    "\n"
    "ript talks to a RIPT server (draft-rosenberg-dispatch-ript) as a "
    "customer.\n"
    "\n"
    "Commands (ript COMMAND --help tells more):\n"
    "  discover                 list the server's trunk groups (TGs) and "
    "what\n"
    "                           each accepts\n"
    "  handler add|list|rm      register, list and remove this device's "
    "handlers\n"
    "  cert --from NUMBER       get a caller-ID certificate for NUMBER\n"
    "  call --from N --to D     place a call, send and record its audio\n"
    "\n"
    "Options (anywhere on the line):\n"
    "  --root URL               the server's RIPT root URI\n"
    "  --authority HOST[:PORT]  the server, whose root URI is then\n"
    "                           https://HOST[:PORT]/.well-known/ript\n"
    "  --token TOKEN            the bearer token (visible to other users in "
    "the\n"
    "                           process list: prefer the next two)\n"
    "  --token-file FILE        read the bearer token from FILE\n"
    "                           (environment: RIPT_TOKEN)\n"
    "  --client-id ID           get access tokens from the server's OAuth\n"
    "                           token endpoint as client ID (client\n"
    "                           credentials grant) and renew them before "
    "they\n"
    "                           expire, for as long as ript runs\n"
    "  --client-secret-file F   the client secret (environment:\n"
    "                           RIPT_CLIENT_SECRET)\n"
    "  --refresh-token-file F   use the refresh token grant with the token\n"
    "                           in F (environment: RIPT_REFRESH_TOKEN)\n"
    "  --token-endpoint URL     the token endpoint (default: from dev.json,\n"
    "                           else the server's /.well-known/ript-oauth)\n"
    "  --scope \"SCOPE ...\"      the scopes to ask for (default: the "
    "server's)\n"
    "  --cacert FILE            also trust the CA certificates in FILE (PEM);\n"
    "                           certificates are always verified\n"
    "  --dev FILE               take the root, token and CA from a\n"
    "                           `riptd --dev` dev.json (or its directory)\n"
    "  --transport h3|h2        HTTP/3 (default) or HTTP/2\n"
    "  --timeout SECONDS        give up on a request after this long "
    "(default 10)\n"
    "  --json                   print machine-readable JSON on stdout\n"
    "  --state DIR              keys, certificates and handler URIs "
    "(default\n"
    "                           $HOME/.ript)\n"
    "  -h, --help, --version\n"
    "\n"
    "The token is never printed. Without --root or --authority, --dev must "
    "name\n"
    "the server; --token and --token-file win over --dev, which wins over\n"
    "RIPT_TOKEN.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  the server refused the request (its status and reason are "
    "printed),\n"
    "     or answered something ript cannot use\n"
    "  2  bad arguments, or an input file (token, dev.json, CA) that "
    "cannot be\n"
    "     used\n"
    "  3  the server cannot be reached: no connection, connection lost, TLS\n"
    "     failure, or no answer in time\n"
    "  4  a local problem: the state directory, out of memory\n";

static const char options_help_discover[] =
    "usage: ript [OPTIONS] discover\n"
    "\n"
    "Lists the TGs the server offers this customer, each with its "
    "destinations,\n"
    "its origins (the caller IDs it vouches for, from the TNAuthList of its\n"
    "certificate), retry-backoff, media-timeout and advertisement.\n"
    "Common options: ript --help.\n";

static const char options_help_handler[] =
    "usage: ript [OPTIONS] handler add [--id ID] [--advertisement TEXT] "
    "[--tg URI]\n"
    "       ript [OPTIONS] handler list [--tg URI]\n"
    "       ript [OPTIONS] handler rm ID|URI [--tg URI]\n"
    "\n"
    "A handler is what this device can send and receive on a TG (draft "
    "§9.5).\n"
    "  add   registers one; --id defaults to this installation's device id "
    "(kept\n"
    "        in the state directory), --advertisement to what ript can "
    "handle:\n"
    "        " RIPT_CLI_DEFAULT_ADVERTISEMENT "\n"
    "  list  the customer's handlers on the TG\n"
    "  rm    removes the handler with that id or URI\n"
    "  --tg URI  the TG (default: the first TG the server lists)\n"
    "Common options: ript --help.\n";

static const char options_help_cert[] =
    "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]\n"
    "\n"
    "Gets a STIR certificate for calling from NUMBER (E.164, e.g. "
    "+15550100000):\n"
    "sends a CSR signed with the number's key (made on first use and kept "
    "in the\n"
    "state directory, mode 0600) to the TG's /certs, and keeps the "
    "certificate\n"
    "and its URL (the x5u of the calls' PASSporTs) beside the key.\n"
    "  --tg URI  the TG (default: the first TG the server lists)\n"
    "Common options: ript --help.\n";

static const char options_help_call[] =
    "usage: ript [OPTIONS] call --from NUMBER --to DESTINATION [--play "
    "IN.wav]\n"
    "         [--record OUT.wav] [--duration SECONDS] [--codec "
    "opus|PCMU|PCMA]\n"
    "         [--media datagram|byway] [--dtmf DIGITS] [--tg URI]\n"
    "         [--media-key ID:SECRET | --media-key-file FILE]\n"
    "\n"
    "Places a call from NUMBER (E.164) to DESTINATION (draft §8.7): gets a\n"
    "certificate for NUMBER as `ript cert` does (kept, and used again while "
    "valid),\n"
    "signs a PASSporT with it, registers a handler for the call's codecs "
    "once,\n"
    "then prints each event of the call as it arrives (on stdout, or on "
    "stderr\n"
    "with --json). From the answer (or from early media) it sends IN.wav in "
    "real time\n"
    "(any rate, mono or stereo, converted to the codec's), comfort noise "
    "during\n"
    "silence when CN was negotiated, and DIGITS as telephone-events; it "
    "records\n"
    "what it receives. After the duration it ends the call and prints a "
    "summary\n"
    "(with --json one JSON object on stdout). Ctrl-C ends the call the same "
    "way.\n"
    "  --play IN.wav        what to send (default: silence)\n"
    "  --record OUT.wav     write what arrives, decoded, at the codec's rate\n"
    "  --duration SECONDS   from the answer (or early media) to the end "
    "(default:\n"
    "                       the length of IN.wav and half a second for its "
    "echo,\n"
    "                       or 10)\n"
    "  --codec C            the codec to prefer: opus (default), PCMU or "
    "PCMA; the\n"
    "                       server's own preference decides what it "
    "receives\n"
    "  --media datagram|byway  HTTP datagrams (HTTP/3 only) or media "
    "byways\n"
    "                       (default: datagrams over HTTP/3, byways over "
    "HTTP/2)\n"
    "  --dtmf DIGITS        keys to send after the answer (0-9 * # A-D)\n"
    "  --cut-at SECONDS     (a test aid) this long after the answer, drop the\n"
    "                       connections for a second, as a network failure\n"
    "                       would, to prove that the call survives it\n"
    "  --tg URI             the TG (default: the first TG the server lists)\n"
    "  --media-key ID:SECRET  end-to-end media encryption with the key both "
    "ends\n"
    "                       were given: ID 0-65535, SECRET 16 or 32 bytes as "
    "hex\n"
    "                       or base64url (docs/PROTOCOL.md §10.2); media that "
    "cannot\n"
    "                       be decrypted is dropped, counted and reported\n"
    "  --media-key-file FILE  the same, read from FILE (one line), so the "
    "secret\n"
    "                       stays out of the process list\n"
    "A call that is declined, fails or is not answered exits 1 with the "
    "reason;\n"
    "undecryptable media does not change the exit status (see the summary's\n"
    "\"undecryptable\").\n"
    "Common options: ript --help.\n";

const char *ript_cli_help(ript_cli_command command) {
  switch (command) {
  case RIPT_CLI_DISCOVER:
    return options_help_discover;
  case RIPT_CLI_HANDLER:
  case RIPT_CLI_HANDLER_ADD:
  case RIPT_CLI_HANDLER_LIST:
  case RIPT_CLI_HANDLER_RM:
    return options_help_handler;
  case RIPT_CLI_CERT:
    return options_help_cert;
  case RIPT_CLI_CALL:
    return options_help_call;
  case RIPT_CLI_NONE:
  default:
    return options_help_main;
  }
}

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

/* The command named by the words. Returns 0 or -1 with a message. */
static int options_command(ript_cli_options *opt, const options_raw *raw,
                           char *errbuf, size_t errlen) {
  const char *w0 = raw->nwords > 0 ? raw->words[0] : NULL;
  const char *w1 = raw->nwords > 1 ? raw->words[1] : NULL;
  size_t used = 1;
  if (!w0) {
    opt->command = RIPT_CLI_NONE;
    used = 0;
  } else if (strcmp(w0, "discover") == 0) {
    opt->command = RIPT_CLI_DISCOVER;
  } else if (strcmp(w0, "cert") == 0) {
    opt->command = RIPT_CLI_CERT;
  } else if (strcmp(w0, "call") == 0) {
    opt->command = RIPT_CLI_CALL;
  } else if (strcmp(w0, "handler") != 0) {
    snprintf(errbuf, errlen, "unknown command '%s'", w0);
    return -1;
  } else if (!w1) {
    opt->command = RIPT_CLI_HANDLER;
  } else if (strcmp(w1, "add") == 0 || strcmp(w1, "list") == 0 ||
             strcmp(w1, "rm") == 0) {
    opt->command = w1[0] == 'a'   ? RIPT_CLI_HANDLER_ADD
                   : w1[0] == 'l' ? RIPT_CLI_HANDLER_LIST
                                  : RIPT_CLI_HANDLER_RM;
    used = 2;
  } else {
    snprintf(errbuf, errlen, "unknown handler command '%s' (add, list, rm)",
             w1);
    return -1;
  }
  if (opt->command == RIPT_CLI_HANDLER_RM && raw->nwords > 2)
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

/* An option given to a command that does not take it. */
static int options_belong_to(const void *base, const options_value *table,
                             size_t n, unsigned bit, char *errbuf,
                             size_t errlen) {
  for (size_t k = 0; k < n; ++k) {
    const char *const *field =
        (const char *const *)(const void *)((const char *)base +
                                            table[k].field);
    if (*field && !(table[k].commands & bit)) {
      snprintf(errbuf, errlen, "%s is not an option of this command",
               table[k].name);
      return -1;
    }
  }
  return 0;
}

static int options_belong(const ript_cli_options *opt, const options_raw *raw,
                          char *errbuf, size_t errlen) {
  unsigned bit = 1u << opt->command;
  return options_belong_to(opt, options_values, OPTIONS_NVALUES, bit, errbuf,
                           errlen) ||
                 options_belong_to(raw, options_raw_values, OPTIONS_NRAW, bit,
                                   errbuf, errlen)
             ? -1
             : 0;
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

/* The values only `ript call` takes. */
static int options_call(ript_cli_options *opt, const options_raw *raw,
                        char *errbuf, size_t errlen) {
  if (!raw->from || !raw->to) {
    snprintf(errbuf, errlen, "ript call needs --from NUMBER and --to "
                             "DESTINATION");
    return -1;
  }
  if (options_to(opt, raw->to, errbuf, errlen) ||
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
  if (opt->command == RIPT_CLI_NONE)
    snprintf(errbuf, errlen,
             "give a command: discover, handler, cert or call");
  else if (opt->command == RIPT_CLI_HANDLER)
    snprintf(errbuf, errlen, "ript handler needs add, list or rm");
  else if (opt->root && opt->authority)
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
  else if (opt->command == RIPT_CLI_HANDLER_RM && !opt->target)
    snprintf(errbuf, errlen, "ript handler rm needs a handler id or URI");
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
  if (opt->command == RIPT_CLI_CERT && !raw->from) {
    snprintf(errbuf, errlen, "ript cert needs --from NUMBER");
    return -1;
  }
  if (opt->command == RIPT_CLI_CALL &&
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

/*
 * client/options.h - the `ript` command line: ript [OPTIONS] COMMAND ...
 *
 * The commands, the options each takes and needs, and their usage are the
 * rows of command_table.c (command.h); this parses a line against them.
 *
 * Options may come anywhere on the line and take their value as the next
 * argument or after '='. Parsing checks everything that needs no file and no
 * network: the syntax of URLs, numbers, handler ids and advertisements.
 */
#ifndef RIPT_CLI_OPTIONS_H
#define RIPT_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "ript/client_call.h"
#include "ript/dest.h"
#include "ript/http.h"

/* Exit statuses, documented in `ript --help`. */
enum {
  RIPT_CLI_EXIT_OK = 0,
  RIPT_CLI_EXIT_REFUSED = 1, /* the server refused, or answered nonsense */
  RIPT_CLI_EXIT_USAGE = 2,   /* bad arguments or unreadable input files */
  RIPT_CLI_EXIT_NETWORK = 3, /* unreachable, connection lost, TLS, timeout */
  RIPT_CLI_EXIT_LOCAL = 4    /* the state directory, out of memory */
};

/* Default per-request time limit, seconds. */
#define RIPT_CLI_DEFAULT_TIMEOUT_S 10
/* Longest --duration and --cut-at, seconds (a day). */
#define RIPT_CLI_MAX_CALL_S 86400
/* Most --dtmf keys (the telephone-event sender's queue). */
#define RIPT_CLI_MAX_DTMF 64

typedef struct ript_cli_options {
  const ript_cli_command *command; /* its row (command.h); NULL: none */
  /* common options; strings point into argv */
  const char *root;        /* --root URL */
  const char *authority;   /* --authority HOST[:PORT] */
  const char *token;       /* --token TOKEN */
  const char *token_file;  /* --token-file FILE */
  /* OAuth 2.0 (all optional; any of the first three asks for it) */
  const char *client_id;          /* --client-id ID */
  const char *refresh_token_file; /* --refresh-token-file FILE */
  const char *token_endpoint;     /* --token-endpoint URL */
  const char *client_secret_file; /* --client-secret-file FILE */
  const char *scope;              /* --scope "SCOPE ..." */
  const char *cacert;      /* --cacert FILE */
  const char *state;       /* --state DIR */
  const char *dev;         /* --dev FILE (or its directory) */
  ript_http_version version; /* --transport h3|h2 */
  unsigned timeout_s;      /* --timeout SECONDS */
  int json;                /* --json */
  int help;                /* -h, --help */
  int show_version;        /* --version */
  /* command options */
  const char *tg;            /* --tg URI */
  const char *id;            /* handler add --id */
  const char *advertisement; /* handler add --advertisement */
  const char *target;        /* a command's operand: handler rm ID|URI */
  char from[RIPT_DEST_MAX_LEN + 1]; /* --from, normalized; "" if none */
  /* call */
  char to[RIPT_DEST_MAX_LEN + 1]; /* --to, normalized; "" if none */
  const char *play;               /* --play IN.wav */
  const char *record;             /* --record OUT.wav */
  uint64_t duration_ms;           /* --duration; 0: the default */
  const char *codec;    /* --codec as the registry spells it ("opus",
                           "PCMU", "PCMA"), or NULL */
  ript_client_media_mode media; /* --media; AUTO without it */
  const char *dtmf;             /* --dtmf DIGITS */
  const char *media_key;        /* --media-key ID:SECRET (checked) */
  const char *media_key_file;   /* --media-key-file FILE (read by call) */
  uint64_t cut_at_ms;           /* --cut-at; 0: none */
} ript_cli_options;

/* What `ript handler add` advertises without --advertisement: everything
 * the command can send and receive. */
#define RIPT_CLI_DEFAULT_ADVERTISEMENT                                        \
  "1 in: opus; PCMU; PCMA; telephone-event; CN; "                             \
  "1 out: opus; PCMU; PCMA; telephone-event; CN;"

/*
 * Parses |argv| (|argc| entries, argv[0] the program) into |opt|. Returns
 * 0, or -1 with one line in |errbuf| (never containing a token): an unknown
 * command or option, a missing value, an option the command does not take,
 * a value of the wrong form, or options that exclude each other. With
 * --help or --version, only the command words are checked. The command
 * (NULL if the words name none) is set even when parsing fails, for the
 * usage line to show.
 */
int ript_cli_options_parse(ript_cli_options *opt, int argc, char **argv,
                           char *errbuf, size_t errlen);

/* Nonzero if the options ask for tokens from an OAuth token endpoint
 * (--client-id, --refresh-token-file or --token-endpoint). */
int ript_cli_options_oauth(const ript_cli_options *opt);

/* Nonzero if |id| is a handler-id: 1-128 of [A-Za-z0-9._~-]. */
int ript_cli_handler_id_ok(const char *id);

#endif /* RIPT_CLI_OPTIONS_H */

/* What `ript` prints for --help and under a refusal: the rows' texts, and
 * ript's own, whose list of commands comes from the table. */
#include <string.h>

#include "help.h"

/* The first column of ript --help's lists, and where the second starts. */
enum { HELP_COLUMN = 24, HELP_INDENT = 2 + HELP_COLUMN + 1 };

static const char help_head[] =
    "usage: ript [OPTIONS] COMMAND ...\n"
    "\n"
    "ript talks to a RIPT server (draft-rosenberg-dispatch-ript) as a "
    "customer.\n"
    "\n"
    "Commands (ript COMMAND --help tells more):\n";

static const char help_options[] =
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

void ript_cli_usage(FILE *out, const ript_cli_command *command) {
  if (command) {
    fputs(command->usage, out);
    return;
  }
  char words[256];
  ript_cli_command_list(NULL, "|", "|", words, sizeof(words));
  fprintf(out, "usage: ript [OPTIONS] %s ... (ript --help tells more)\n",
          words);
}

/* A command's entry: the synopsis, then the summary beside it, its later
 * lines indented to the second column. */
static void help_entry(FILE *out, const ript_cli_command *c) {
  fprintf(out, "  %-*s ", HELP_COLUMN, c->synopsis);
  for (const char *line = c->summary;;) {
    size_t n = strcspn(line, "\n");
    fprintf(out, "%.*s\n", (int)n, line);
    if (line[n] == '\0')
      break;
    line += n + 1;
    fprintf(out, "%*s", HELP_INDENT, "");
  }
}

void ript_cli_help(FILE *out, const ript_cli_command *command) {
  if (command) {
    fputs(command->help, out);
    return;
  }
  fputs(help_head, out);
  for (size_t i = 0; i < ript_cli_ncommands; ++i)
    if (ript_cli_commands[i].synopsis)
      help_entry(out, &ript_cli_commands[i]);
  fputs(help_options, out);
}

/* The table of `ript`'s commands (command.h): one row per command, with
 * the texts that belong to it. */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "options.h"

static const char help_discover[] =
    "usage: ript [OPTIONS] discover\n"
    "\n"
    "Lists the TGs the server offers this customer, each with its "
    "destinations,\n"
    "its origins (the caller IDs it vouches for, from the TNAuthList of its\n"
    "certificate), retry-backoff, media-timeout and advertisement.\n"
    "Common options: ript --help.\n";

static const char help_handler[] =
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

static const char help_cert[] =
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

static const char help_call[] =
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

/* ---- the table ---- */

const ript_cli_command ript_cli_commands[] = {
    {.words = "discover",
     .usage = "usage: ript [OPTIONS] discover\n",
     .help = help_discover,
     .synopsis = "discover",
     .summary = "list the server's trunk groups (TGs) and what\n"
                "each accepts",
     .run = ript_cli_cmd_discover},
    {.words = "handler",
     .usage = "usage: ript [OPTIONS] handler add|list|rm ...\n",
     .help = help_handler,
     .synopsis = "handler add|list|rm",
     .summary = "register, list and remove this device's handlers"},
    {.words = "handler add",
     .usage = "usage: ript [OPTIONS] handler add [--id ID] [--advertisement "
              "TEXT] [--tg URI]\n",
     .help = help_handler,
     .takes = RIPT_CLI_OPT_TG | RIPT_CLI_OPT_ID | RIPT_CLI_OPT_ADVERTISEMENT,
     .uses_state = 1,
     .run = ript_cli_cmd_handler_add},
    {.words = "handler list",
     .usage = "usage: ript [OPTIONS] handler list [--tg URI]\n",
     .help = help_handler,
     .takes = RIPT_CLI_OPT_TG,
     .run = ript_cli_cmd_handler_list},
    {.words = "handler rm",
     .usage = "usage: ript [OPTIONS] handler rm ID|URI [--tg URI]\n",
     .help = help_handler,
     .takes = RIPT_CLI_OPT_TG,
     .operand = "a handler id or URI",
     .uses_state = 1,
     .run = ript_cli_cmd_handler_rm},
    {.words = "cert",
     .usage = "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]\n",
     .help = help_cert,
     .synopsis = "cert --from NUMBER",
     .summary = "get a caller-ID certificate for NUMBER",
     .takes = RIPT_CLI_OPT_TG | RIPT_CLI_OPT_FROM,
     .needs = RIPT_CLI_OPT_FROM,
     .needs_text = "--from NUMBER",
     .uses_state = 1,
     .run = ript_cli_cmd_cert},
    {.words = "call",
     .usage = "usage: ript [OPTIONS] call --from NUMBER --to DESTINATION "
              "[--play IN.wav] [--record OUT.wav] [--duration SECONDS] "
              "[--codec opus|PCMU|PCMA] [--media datagram|byway] "
              "[--dtmf DIGITS] [--tg URI]\n",
     .help = help_call,
     .synopsis = "call --from N --to D",
     .summary = "place a call, send and record its audio",
     .takes = RIPT_CLI_OPT_TG | RIPT_CLI_OPT_FROM | RIPT_CLI_OPT_TO |
              RIPT_CLI_OPT_PLAY | RIPT_CLI_OPT_RECORD | RIPT_CLI_OPT_DURATION |
              RIPT_CLI_OPT_CODEC | RIPT_CLI_OPT_MEDIA | RIPT_CLI_OPT_DTMF |
              RIPT_CLI_OPT_CUT_AT | RIPT_CLI_OPT_MEDIA_KEY |
              RIPT_CLI_OPT_MEDIA_KEY_FILE,
     .needs = RIPT_CLI_OPT_FROM | RIPT_CLI_OPT_TO,
     .needs_text = "--from NUMBER and --to DESTINATION",
     .uses_state = 1,
     .run = ript_cli_cmd_call},
};

const size_t ript_cli_ncommands =
    sizeof(ript_cli_commands) / sizeof(ript_cli_commands[0]);

/* ---- reading it ---- */

int ript_cli_command_in(const ript_cli_command *c,
                        const ript_cli_command *group) {
  const char *rest = c->words;
  if (group) {
    size_t n = strlen(group->words);
    if (strncmp(rest, group->words, n) != 0 || rest[n] != ' ')
      return 0;
    rest += n + 1;
  }
  return strchr(rest, ' ') == NULL;
}

const char *ript_cli_command_word(const ript_cli_command *c) {
  const char *space = strrchr(c->words, ' ');
  return space ? space + 1 : c->words;
}

const ript_cli_command *ript_cli_command_find(const ript_cli_command *group,
                                              const char *word) {
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    if (ript_cli_command_in(c, group) &&
        strcmp(ript_cli_command_word(c), word) == 0)
      return c;
  }
  return NULL;
}

int ript_cli_command_is_group(const ript_cli_command *c) {
  for (size_t i = 0; i < ript_cli_ncommands; ++i)
    if (ript_cli_command_in(&ript_cli_commands[i], c))
      return 1;
  return 0;
}

void ript_cli_command_list(const ript_cli_command *group, const char *sep,
                           const char *last, char *buf, size_t len) {
  size_t n = 0, used = 0, total = 0;
  for (size_t i = 0; i < ript_cli_ncommands; ++i)
    total += ript_cli_command_in(&ript_cli_commands[i], group);
  buf[0] = '\0';
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    if (!ript_cli_command_in(c, group))
      continue;
    const char *before = n == 0 ? "" : n + 1 == total ? last : sep;
    int w = snprintf(buf + used, len - used, "%s%s", before,
                     ript_cli_command_word(c));
    ++n;
    if (w < 0 || (size_t)w >= len - used)
      return; /* truncated */
    used += (size_t)w;
  }
}

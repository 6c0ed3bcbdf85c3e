/*
 * client/command.h - the commands of `ript` as one table (command_table.c),
 * one row per command: the words that name it, its usage line and help,
 * the options it takes and needs, and the function that runs it. The
 * parser (options.c), the usage and help (help.c) and the run (cli.c) read
 * the rows; nothing else knows which commands there are.
 *
 * A new command is a file with its run function (declared at the end of
 * this header) and one row.
 */
#ifndef RIPT_CLI_COMMAND_H
#define RIPT_CLI_COMMAND_H

#include <stddef.h>

typedef struct ript_cli ript_cli;

/* The options a command may take beyond the common ones (which every
 * command takes: --root, --token, --transport, --json ...). */
enum {
  RIPT_CLI_OPT_TG = 1 << 0,
  RIPT_CLI_OPT_ID = 1 << 1,
  RIPT_CLI_OPT_ADVERTISEMENT = 1 << 2,
  RIPT_CLI_OPT_FROM = 1 << 3,
  RIPT_CLI_OPT_TO = 1 << 4,
  RIPT_CLI_OPT_PLAY = 1 << 5,
  RIPT_CLI_OPT_RECORD = 1 << 6,
  RIPT_CLI_OPT_DURATION = 1 << 7,
  RIPT_CLI_OPT_CODEC = 1 << 8,
  RIPT_CLI_OPT_MEDIA = 1 << 9,
  RIPT_CLI_OPT_DTMF = 1 << 10,
  RIPT_CLI_OPT_CUT_AT = 1 << 11,
  RIPT_CLI_OPT_MEDIA_KEY = 1 << 12,
  RIPT_CLI_OPT_MEDIA_KEY_FILE = 1 << 13
};

typedef struct ript_cli_command {
  /* What follows "ript": one word, or a group's word and one more
   * ("handler add"). A group (a row other rows' words start with) is only
   * there for its usage and help: it runs as one of its members. */
  const char *words;
  const char *usage; /* one line, under a refusal: "usage: ript ...\n" */
  const char *help;  /* what `ript WORDS --help` prints */
  /* The command's entry in `ript --help`: |synopsis| in the first column,
   * |summary| beside it (one line per '\n'). NULL for a group's members,
   * which their group's entry covers. */
  const char *synopsis;
  const char *summary;
  unsigned takes;         /* RIPT_CLI_OPT_* it takes */
  unsigned needs;         /* those it cannot go without, */
  const char *needs_text; /* told as "ript WORDS needs NEEDS_TEXT" */
  /* The one word it takes after WORDS (ript_cli_options.target), told as
   * "ript WORDS needs OPERAND" when missing; NULL: none. The parser checks
   * it as a handler id or URI, the one kind of operand there is. */
  const char *operand;
  int uses_state; /* the state directory is opened before it runs */
  /* Starts the command once the client is ready; it ends with
   * ript_cli_finish (cli.h). NULL for a group. */
  void (*run)(ript_cli *cli);
} ript_cli_command;

/* The rows, in the order `ript --help` lists them. */
extern const ript_cli_command ript_cli_commands[];
extern const size_t ript_cli_ncommands;

/* Nonzero if |c| is a member of |group| (NULL: a command of its own, named
 * by one word). */
int ript_cli_command_in(const ript_cli_command *c,
                        const ript_cli_command *group);

/* The word that names |c| in its group: the last of its words. */
const char *ript_cli_command_word(const ript_cli_command *c);

/* The member of |group| (NULL: of no group) named |word|, or NULL. */
const ript_cli_command *ript_cli_command_find(const ript_cli_command *group,
                                              const char *word);

/* Nonzero if |c| is a group (has members). */
int ript_cli_command_is_group(const ript_cli_command *c);

/* Writes the words of |group|'s members (NULL: of the commands of their
 * own) into |buf| (|len| bytes, NUL-terminated, truncated if short),
 * separated by |sep| and the last two by |last|: "add, list or rm". */
void ript_cli_command_list(const ript_cli_command *group, const char *sep,
                           const char *last, char *buf, size_t len);

/* The run functions of the rows, each in its command's file. */
void ript_cli_cmd_discover(ript_cli *cli);     /* discover.c */
void ript_cli_cmd_handler_add(ript_cli *cli);  /* handler.c */
void ript_cli_cmd_handler_list(ript_cli *cli); /* handler.c */
void ript_cli_cmd_handler_rm(ript_cli *cli);   /* handler.c */
void ript_cli_cmd_cert(ript_cli *cli);         /* cert.c */
void ript_cli_cmd_call(ript_cli *cli);         /* call.c */

#endif /* RIPT_CLI_COMMAND_H */

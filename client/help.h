/*
 * client/help.h - the usage line and the --help text of `ript` and of each
 * of its commands (the rows of command.h).
 */
#ifndef RIPT_CLI_HELP_H
#define RIPT_CLI_HELP_H

#include <stdio.h>

#include "command.h"

/* Writes the one-line usage of |command| (NULL: of ript as a whole, naming
 * every command) to |out|. */
void ript_cli_usage(FILE *out, const ript_cli_command *command);

/* Writes the --help text of |command| (NULL: ript's, with the list of
 * commands, the common options and the exit statuses) to |out|. */
void ript_cli_help(FILE *out, const ript_cli_command *command);

#endif /* RIPT_CLI_HELP_H */

/* Helpers for the tests of ript's command line: a row of the command
 * table by its words, and what the usage and help printers write. */
#ifndef RIPT_CLI_TEST_H
#define RIPT_CLI_TEST_H

#include <stdio.h>
#include <string.h>

#include "help.h"
#include "testutil.h"

/* The row named |words| ("handler rm"), or a failed test. */
static inline const ript_cli_command *cli_test_row(const char *words) {
  for (size_t i = 0; i < ript_cli_ncommands; ++i)
    if (strcmp(ript_cli_commands[i].words, words) == 0)
      return &ript_cli_commands[i];
  fail_msg("no command '%s' in the table", words);
  return NULL;
}

/* What |print| (ript_cli_usage or ript_cli_help) writes for |c|, as a
 * string to free(). */
static inline char *cli_test_printed(void (*print)(FILE *,
                                                   const ript_cli_command *),
                                     const ript_cli_command *c) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  print(f, c);
  assert_int_equal(fclose(f), 0);
  return text;
}

#endif /* RIPT_CLI_TEST_H */

/* The table of ript's commands (client/command_table.c), walked row by row:
 * every row's words parse to it, it has its usage and help and prints
 * them, it is listed where it belongs, and it runs or is a group. A row
 * added badly fails here. */
#include <stdlib.h>
#include <string.h>

#include "cli_test.h"
#include "options.h"

/* Parses "ript WORDS [LAST]" (|last| may be NULL). */
static int parse_words(ript_cli_options *opt, const char *words, char *last,
                       char *err, size_t errlen) {
  char copy[128], *argv[16] = {"ript"};
  int argc = 1;
  assert_true(strlen(words) < sizeof(copy));
  strcpy(copy, words);
  for (char *save = NULL, *w = strtok_r(copy, " ", &save); w;
       w = strtok_r(NULL, " ", &save))
    argv[argc++] = w;
  if (last)
    argv[argc++] = last;
  err[0] = '\0';
  return ript_cli_options_parse(opt, argc, argv, err, errlen);
}

static int is_top(const ript_cli_command *c) {
  return ript_cli_command_in(c, NULL);
}

/* The group |c| is a member of (NULL for a command of its own). */
static const ript_cli_command *group_of(const ript_cli_command *c) {
  for (size_t i = 0; i < ript_cli_ncommands; ++i)
    if (ript_cli_command_in(c, &ript_cli_commands[i]))
      return &ript_cli_commands[i];
  return NULL;
}

static void test_words_parse_to_their_row(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512], want[512], members[256];
  assert_true(ript_cli_ncommands > 0);
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    assert_non_null(c->words);
    assert_true(c->words[0] != '\0');
    /* A member's group is a row: else nothing names the member. */
    assert_true(is_top(c) || group_of(c) != NULL);
    assert_ptr_equal(
        ript_cli_command_find(group_of(c), ript_cli_command_word(c)), c);
    assert_int_equal(parse_words(&opt, c->words, "--help", err, sizeof(err)),
                     0);
    assert_ptr_equal(opt.command, c);
    assert_true(opt.help);
    /* Without --help: it runs, or says what else it needs. */
    want[0] = '\0';
    if (ript_cli_command_is_group(c)) {
      ript_cli_command_list(c, ", ", " or ", members, sizeof(members));
      snprintf(want, sizeof(want), "ript %s needs %s", c->words, members);
    } else if (c->operand) {
      snprintf(want, sizeof(want), "ript %s needs %s", c->words, c->operand);
    } else if (c->needs) {
      snprintf(want, sizeof(want), "ript %s needs %s", c->words, c->needs_text);
    }
    assert_int_equal(parse_words(&opt, c->words, NULL, err, sizeof(err)),
                     want[0] ? -1 : 0);
    assert_string_equal(err, want);
    assert_ptr_equal(opt.command, c);
  }
}

static void test_unknown_words(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512], want[512], members[256];
  assert_int_equal(parse_words(&opt, "no-such", NULL, err, sizeof(err)), -1);
  assert_string_equal(err, "unknown command 'no-such'");
  assert_null(opt.command);
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    if (!ript_cli_command_is_group(c))
      continue;
    ript_cli_command_list(c, ", ", ", ", members, sizeof(members));
    snprintf(want, sizeof(want), "unknown %s command 'no-such' (%s)", c->words,
             members);
    assert_int_equal(parse_words(&opt, c->words, "no-such", err, sizeof(err)),
                     -1);
    assert_string_equal(err, want);
    assert_null(opt.command); /* the usage shown is ript's */
  }
}

/* The usage line and help of every row, and what the printers write. */
static void test_usage_and_help(void **state) {
  (void)state;
  char want[256];
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    assert_non_null(c->usage);
    assert_non_null(c->help);
    size_t n = strlen(c->usage);
    snprintf(want, sizeof(want), "usage: ript [OPTIONS] %s", c->words);
    assert_int_equal(strncmp(c->usage, want, strlen(want)), 0);
    assert_true(strchr(" \n", c->usage[strlen(want)]) != NULL);
    assert_ptr_equal(strchr(c->usage, '\n'), c->usage + n - 1);
    /* The help shows how to use the row's words, and where the common
     * options are told. */
    assert_non_null(strstr(c->help, want + strlen("usage: ")));
    const char *tail = "Common options: ript --help.\n";
    assert_true(strlen(c->help) > strlen(tail));
    assert_string_equal(c->help + strlen(c->help) - strlen(tail), tail);
    char *usage = cli_test_printed(ript_cli_usage, c);
    char *help = cli_test_printed(ript_cli_help, c);
    assert_string_equal(usage, c->usage);
    assert_string_equal(help, c->help);
    free(usage);
    free(help);
  }
}

/* A group only stands for its members; a command of its own is listed in
 * `ript --help`, a member under its group's entry. */
static void test_kinds(void **state) {
  (void)state;
  char shown[256];
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    assert_int_equal(c->needs & ~c->takes, 0);
    assert_int_equal(c->needs != 0, c->needs_text != NULL);
    if (ript_cli_command_is_group(c)) {
      assert_null(c->run);
      assert_int_equal(c->takes, 0);
      assert_null(c->operand);
      assert_false(c->uses_state);
    } else {
      assert_non_null(c->run);
    }
    assert_int_equal(is_top(c), c->synopsis != NULL);
    assert_int_equal(is_top(c), c->summary != NULL);
    if (is_top(c)) {
      assert_int_equal(strncmp(c->synopsis, c->words, strlen(c->words)), 0);
      assert_true(strlen(c->synopsis) <= 24); /* help.c's first column */
      continue;
    }
    /* Its group's usage, entry and help name it. */
    const ript_cli_command *g = group_of(c);
    const char *word = ript_cli_command_word(c);
    assert_non_null(strstr(g->usage, word));
    assert_non_null(strstr(g->synopsis, word));
    snprintf(shown, sizeof(shown), "ript [OPTIONS] %s", c->words);
    assert_non_null(strstr(g->help, shown));
  }
}

/* ript's own usage, help and refusal without a command name every command
 * of its own. */
static void test_ript_lists_every_command(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512], entry[64];
  char *usage = cli_test_printed(ript_cli_usage, NULL);
  char *help = cli_test_printed(ript_cli_help, NULL);
  assert_int_equal(parse_words(&opt, "", NULL, err, sizeof(err)), -1);
  const char *in_usage = usage, *in_help = help, *in_err = err;
  for (size_t i = 0; i < ript_cli_ncommands; ++i) {
    const ript_cli_command *c = &ript_cli_commands[i];
    if (!is_top(c))
      continue;
    /* In the table's order. */
    assert_non_null(in_usage = strstr(in_usage, c->words));
    assert_non_null(in_err = strstr(in_err, c->words));
    snprintf(entry, sizeof(entry), "\n  %s ", c->synopsis);
    assert_non_null(in_help = strstr(in_help, entry));
    const char *summary_end = strchr(c->summary, '\n');
    size_t first =
        summary_end ? (size_t)(summary_end - c->summary) : strlen(c->summary);
    /* After "\n", at help.c's second column. */
    assert_int_equal(strncmp(in_help + 1 + 27, c->summary, first), 0);
  }
  assert_int_equal(strncmp(err, "give a command: ", 16), 0);
  free(usage);
  free(help);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_words_parse_to_their_row),
      cmocka_unit_test(test_unknown_words),
      cmocka_unit_test(test_usage_and_help),
      cmocka_unit_test(test_kinds),
      cmocka_unit_test(test_ript_lists_every_command),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * ript - the RIPT command-line client: discovers a server's trunk groups,
 * registers handlers, gets caller-ID certificates and places calls
 * (client/command_table.c has the commands, client/options.h the command
 * line; `ript --help` the exit statuses).
 */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "cli.h"
#include "help.h"

int main(int argc, char **argv) {
  ript_cli_options opt;
  char err[1024];
  if (ript_cli_options_parse(&opt, argc, argv, err, sizeof(err)) != 0) {
    fprintf(stderr, "ript: %s\n", err);
    ript_cli_usage(stderr, opt.command);
    return RIPT_CLI_EXIT_USAGE;
  }
  if (opt.help) {
    ript_cli_help(stdout, opt.command);
    return RIPT_CLI_EXIT_OK;
  }
  if (opt.show_version) {
    fputs("ript 0.1.0\n", stdout);
    return RIPT_CLI_EXIT_OK;
  }
  ript_cli_setup setup;
  if (ript_cli_setup_load(&setup, &opt, getenv("RIPT_TOKEN"), getenv("HOME"),
                          err, sizeof(err)) != 0) {
    fprintf(stderr, "ript: %s\n", err);
    return RIPT_CLI_EXIT_USAGE;
  }
  if (ript_cli_options_oauth(&opt) &&
      ript_cli_setup_oauth(&setup, &opt, getenv("RIPT_CLIENT_SECRET"),
                           getenv("RIPT_REFRESH_TOKEN"), err,
                           sizeof(err)) != 0) {
    fprintf(stderr, "ript: %s\n", err);
    ript_cli_setup_free(&setup);
    return RIPT_CLI_EXIT_USAGE;
  }
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    fprintf(stderr, "ript: cannot start the event loop\n");
    ript_cli_setup_free(&setup);
    return RIPT_CLI_EXIT_LOCAL;
  }
  int rv = ript_cli_run(&loop, &opt, &setup, stdout, stderr);
  if (uv_loop_close(&loop) != 0)
    fprintf(stderr, "ript: handles left open at exit\n");
  ript_cli_setup_free(&setup);
  return rv;
}

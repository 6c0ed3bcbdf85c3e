/*
 * client/cli.h - one run of `ript`: the parsed command line, the client on
 * its loop, and the command's progress until it sets the exit status.
 */
#ifndef RIPT_CLI_H
#define RIPT_CLI_H

#include <stdio.h>

#include "options.h"
#include "ript/client.h"
#include "setup.h"
#include "state.h"

typedef struct ript_cli_call ript_cli_call;

/* What a command does once a certificate was issued (|x5u| its URL). */
typedef void (*ript_cli_certified_fn)(ript_cli *cli, const char *x5u);

/* One run (the typedef is in command.h, for the rows' run functions). */
struct ript_cli {
  uv_loop_t *loop;
  const ript_cli_options *opt;
  const ript_cli_setup *setup;
  FILE *out; /* results (stdout) */
  FILE *err; /* the one line of a failure (stderr) */
  ript_cli_state state;
  ript_client *client;
  char *tg;  /* the TG the command works on */
  void (*on_tg)(ript_cli *cli); /* the command's step once it is known */
  ript_stir_key *key;
  char *key_path;
  int key_created;
  ript_cli_certified_fn certified; /* NULL: `ript cert` prints it */
  ript_cli_call *call; /* `ript call` (call.c) */
  int exit_code;
  int finished;
  int token_ready; /* OAuth: the first access token arrived */
  uint64_t token_refusals; /* 401s reported so far */
};

/*
 * Runs the command of |opt| (as ript_cli_options_parse left it, without
 * --help or --version) on |loop| until it is done (the loop is run
 * here) and returns the exit status. Prints results to |out| and a failure
 * as one "ript: ..." line to |err| (and, with --json, as a JSON document to
 * |out|).
 */
int ript_cli_run(uv_loop_t *loop, const ript_cli_options *opt,
                 const ript_cli_setup *setup, FILE *out, FILE *err);

/* For the commands (all but finish end the command): */

/* Ends the command with |exit_code|: the client closes, a call's handles
 * close, and the loop runs out. Only the first call counts. */
void ript_cli_finish(ript_cli *cli, int exit_code);

/* Writes |text| to the results. */
void ript_cli_emit(ript_cli *cli, const ript_buf *text);

/* Ends the command with |text| as its result, if |rv| (the result of
 * printing it) is 0; else as out of memory. */
void ript_cli_done(ript_cli *cli, const ript_buf *text, int rv);

/* Finds the TG the command works on (--tg, else the first TG the server
 * lists) into cli->tg, then goes on with |then|. */
void ript_cli_with_tg(ript_cli *cli, void (*then)(ript_cli *cli));

/* Reports a failure: "ript: MESSAGE" on the error stream, the --json
 * document (with the server's status, error and reason from |res|, which
 * may be NULL), and the end of the command. Nothing once the command has
 * ended: a run reports one failure. */
void ript_cli_fail(ript_cli *cli, int exit_code, const char *message,
                   const ript_client_result *res);

/* Reports a failed operation, described by the client library. */
void ript_cli_fail_result(ript_cli *cli, const ript_client_result *res);

/* Reports an operation that could not be started (|code|) while trying
 * to |what|. */
void ript_cli_fail_start(ript_cli *cli, int code, const char *what);

/* The steps of `ript cert` that `ript call` shares (cert.c): loads the
 * key of --from, or makes one (returns 0, or -1 after a failure); requests
 * a certificate for it from the TG, keeps both, then goes on with
 * |certified| (NULL: prints them and ends, as `ript cert`). */
int ript_cli_cert_key(ript_cli *cli);
void ript_cli_cert_enroll(ript_cli *cli, ript_cli_certified_fn certified);

/* `ript call` (call.c): stops its handles when the run ends; frees it
 * after the loop. */
void ript_cli_call_stop(ript_cli_call *cc);
void ript_cli_call_free(ript_cli_call *cc);

#endif /* RIPT_CLI_H */

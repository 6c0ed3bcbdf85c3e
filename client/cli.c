/* One run of `ript`: start-up, the TG, the end of a command, failures. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

void ript_cli_finish(ript_cli *cli, int exit_code) {
  if (cli->finished)
    return;
  cli->finished = 1;
  cli->exit_code = exit_code;
  if (cli->call)
    ript_cli_call_stop(cli->call);
  if (cli->client)
    ript_client_close(cli->client, NULL, NULL);
  cli->client = NULL;
}

void ript_cli_emit(ript_cli *cli, const ript_buf *text) {
  if (text->len)
    fwrite(text->data, 1, text->len, cli->out);
  fflush(cli->out);
}

void ript_cli_done(ript_cli *cli, const ript_buf *text, int rv) {
  if (rv != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
    return;
  }
  ript_cli_emit(cli, text);
  ript_cli_finish(cli, RIPT_CLI_EXIT_OK);
}

void ript_cli_fail(ript_cli *cli, int exit_code, const char *message,
                   const ript_client_result *res) {
  if (cli->finished)
    return;
  fprintf(cli->err, "ript: %s\n", message);
  fflush(cli->err);
  if (cli->opt->json) {
    ript_buf json;
    ript_buf_init(&json, NULL);
    if (ript_cli_print_failure(&json, exit_code, message, res) == 0)
      ript_cli_emit(cli, &json);
    ript_buf_free(&json);
  }
  ript_cli_finish(cli, exit_code);
}

void ript_cli_fail_result(ript_cli *cli, const ript_client_result *res) {
  ript_buf line;
  ript_buf_init(&line, NULL);
  int rv = ript_client_result_describe(res, cli->opt->version, &line);
  if (rv == 0 && res->code == RIPT_ERR_HTTP_TLS && cli->setup->cacert)
    rv = ript_buf_printf(&line, " (trusted: the system's CAs and %s)",
                         cli->setup->cacert);
  else if (rv == 0 && res->code == RIPT_ERR_HTTP_TLS)
    rv = ript_buf_append_str(&line, " (trust its CA with --cacert FILE)");
  ript_cli_fail(cli, ript_cli_exit_code(res->code),
                rv == 0 ? (const char *)line.data : "out of memory", res);
  ript_buf_free(&line);
}

void ript_cli_fail_start(ript_cli *cli, int code, const char *what) {
  char message[512];
  snprintf(message, sizeof(message), "cannot %s: %s", what,
           ript_strerror(code));
  ript_cli_fail(cli, code == RIPT_ERR_NOMEM ? RIPT_CLI_EXIT_LOCAL
                                            : RIPT_CLI_EXIT_USAGE,
                message, NULL);
}

/* ---- the TG ---- */

/* Without --tg, the first TG the server lists. */
static void cli_on_tg_list(ript_client *client, const ript_client_result *res,
                           const ript_doc_tg_list *list, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  if (!(cli->tg = strdup(list->tgs[0].uri))) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
    return;
  }
  cli->on_tg(cli);
}

void ript_cli_with_tg(ript_cli *cli, void (*then)(ript_cli *cli)) {
  cli->on_tg = then;
  if (cli->opt->tg) {
    if (!(cli->tg = strdup(cli->opt->tg))) {
      ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
      return;
    }
    then(cli);
    return;
  }
  int rv = ript_client_tg_list(cli->client, cli_on_tg_list, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "list the TGs");
}

/* ---- start-up ---- */

/* The client for the run; failures to make one are the user's files. */
static int cli_client(ript_cli *cli) {
  ript_client_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.version = cli->opt->version;
  cfg.root = cli->setup->root;
  cfg.token = cli->setup->token;
  cfg.ca_file = cli->setup->cacert;
  cfg.timeout_ms = (uint64_t)cli->opt->timeout_s * 1000;
  int rv = ript_client_new(&cli->client, cli->loop, &cfg, NULL);
  if (rv == 0)
    return 0;
  char message[1024];
  if (rv == RIPT_ERR_HTTP_TLS)
    snprintf(message, sizeof(message),
             "cannot load CA certificates from %s (a PEM file)",
             cli->setup->cacert ? cli->setup->cacert : "the system");
  else
    snprintf(message, sizeof(message), "cannot start the client: %s",
             ript_strerror(rv));
  ript_cli_fail(cli, rv == RIPT_ERR_NOMEM ? RIPT_CLI_EXIT_LOCAL
                                          : RIPT_CLI_EXIT_USAGE,
                message, NULL);
  return -1;
}

/* ---- OAuth: a token before the command, renewed while it runs ---- */

static void cli_on_token(ript_client *client, const ript_client_result *res,
                         int64_t expires_in_s, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (cli->finished)
    return;
  if (!cli->token_ready) {
    if (res->code != 0) {
      ript_cli_fail_result(cli, res);
      return;
    }
    cli->token_ready = 1;
    cli->opt->command->run(cli);
    return;
  }
  uint64_t refusals = ript_client_oauth_refusals(cli->client);
  const char *after = refusals > cli->token_refusals
                          ? ", after the server refused the old one"
                          : "";
  cli->token_refusals = refusals;
  if (res->code == 0) {
    fprintf(cli->err, "ript: access token renewed (valid for %lld s%s)\n",
            (long long)expires_in_s, after);
    return;
  }
  ript_buf line;
  ript_buf_init(&line, NULL);
  if (ript_client_result_describe(res, cli->opt->version, &line) == 0)
    fprintf(cli->err, "ript: renewing the access token failed, the old one "
                      "is kept and ript tries again: %s\n",
            (const char *)line.data);
  ript_buf_free(&line);
}

static void cli_oauth_start(ript_cli *cli, const char *endpoint) {
  const ript_cli_setup *s = cli->setup;
  ript_client_oauth_config oc = {endpoint, s->client_id, s->client_secret,
                                 s->refresh_token, cli->opt->scope};
  int rv = ript_client_oauth_start(cli->client, &oc, cli_on_token, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "get an access token");
}

static void cli_on_oauth_meta(ript_client *client,
                              const ript_client_result *res,
                              const ript_doc_oauth_meta *meta,
                              void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
  } else if (!meta->token_endpoint) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_REFUSED,
                  "the server's OAuth metadata names no token endpoint; "
                  "give --token-endpoint URL",
                  res);
  } else {
    cli_oauth_start(cli, meta->token_endpoint);
  }
}

/* With OAuth options the command waits for the first token. */
static void cli_start(ript_cli *cli) {
  if (!cli->setup->oauth) {
    cli->opt->command->run(cli);
    return;
  }
  if (cli->setup->token_endpoint) {
    cli_oauth_start(cli, cli->setup->token_endpoint);
    return;
  }
  int rv = ript_client_oauth_metadata(cli->client, cli_on_oauth_meta, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "find the token endpoint");
}

/* Opens the state directory for the commands that keep something. */
static int cli_state(ript_cli *cli) {
  if (!cli->opt->command->uses_state)
    return 0;
  if (!cli->setup->state_dir) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_USAGE,
                  "no state directory: set HOME or give --state DIR", NULL);
    return -1;
  }
  char message[1024];
  if (ript_cli_state_open(&cli->state, cli->setup->state_dir,
                          cli->setup->root, message, sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return -1;
  }
  return 0;
}

int ript_cli_run(uv_loop_t *loop, const ript_cli_options *opt,
                 const ript_cli_setup *setup, FILE *out, FILE *err) {
  ript_cli cli;
  memset(&cli, 0, sizeof(cli));
  cli.loop = loop;
  cli.opt = opt;
  cli.setup = setup;
  cli.out = out;
  cli.err = err;
  if (cli_state(&cli) == 0 && cli_client(&cli) == 0)
    cli_start(&cli);
  uv_run(loop, UV_RUN_DEFAULT);
  ript_cli_call_free(cli.call);
  ript_cli_state_close(&cli.state);
  ript_stir_key_del(cli.key);
  free(cli.key_path);
  free(cli.tg);
  return cli.exit_code;
}

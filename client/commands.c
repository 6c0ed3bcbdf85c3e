/*
 * The commands of `ript`: discover, handler add/list/rm, cert (and the
 * start of call, whose steps are in call.c). Each is a chain of client
 * operations; every step either starts the next one or ends the run with
 * ript_cli_finish or a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "output.h"

/* Prints a successful result and ends the run. */
static void cmd_done(ript_cli *cli, ript_buf *text, int rv) {
  if (rv != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
    return;
  }
  ript_cli_emit(cli, text);
  ript_cli_finish(cli, RIPT_CLI_EXIT_OK);
}

static void cmd_with_tg(ript_cli *cli);

/* ---- discover ---- */

static void cmd_on_discover(ript_client *client, const ript_client_result *res,
                            const ript_doc_tg_list *list,
                            const ript_doc_tg *tgs, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  ript_buf text;
  ript_buf_init(&text, NULL);
  cmd_done(cli, &text, ript_cli_print_tgs(&text, cli->opt->json, list, tgs));
  ript_buf_free(&text);
}

/* ---- handler add and list ---- */

static void cmd_on_added(ript_client *client, const ript_client_result *res,
                         const ript_doc_handler *h, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  ript_buf text;
  ript_buf_init(&text, NULL);
  char message[1024];
  if (ript_cli_state_handler_put(&cli->state, cli->tg, h->handler_id, h->uri,
                                 message, sizeof(message)) != 0) {
    ript_buf_printf(&text, "handler %s is registered at %s, but ript cannot "
                           "remember it: %s",
                    h->handler_id, h->uri, message);
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL,
                  text.data ? (const char *)text.data : message, NULL);
  } else {
    cmd_done(cli, &text,
             ript_cli_print_handler(&text, cli->opt->json, h));
  }
  ript_buf_free(&text);
}

static void cmd_handler_add(ript_cli *cli) {
  const char *id = cli->opt->id;
  char device[RIPT_CLI_DEVICE_ID_LEN + 1], message[1024];
  if (!id) {
    if (ript_cli_state_device_id(&cli->state, device, message,
                                 sizeof(message)) != 0) {
      ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
      return;
    }
    id = device;
  }
  const char *adv = cli->opt->advertisement ? cli->opt->advertisement
                                            : RIPT_CLI_DEFAULT_ADVERTISEMENT;
  int rv = ript_client_handler_add(cli->client, cli->tg, id, adv,
                                   cmd_on_added, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "register the handler");
}

static void cmd_on_listed(ript_client *client, const ript_client_result *res,
                          const ript_doc_handler_list *list,
                          void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  ript_buf text;
  ript_buf_init(&text, NULL);
  cmd_done(cli, &text,
           ript_cli_print_handlers(&text, cli->opt->json, cli->tg, list));
  ript_buf_free(&text);
}

/* ---- handler rm ---- */

static void cmd_on_removed(ript_client *client, const ript_client_result *res,
                           void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  char message[1024];
  /* A handler the server no longer has is forgotten too. */
  int gone = res->code == 0 || (res->code == RIPT_ERR_HTTP_STATUS &&
                                res->status == 404);
  if (gone && ript_cli_state_handler_drop(&cli->state, res->url, message,
                                          sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  ript_buf text;
  ript_buf_init(&text, NULL);
  cmd_done(cli, &text,
           ript_cli_print_removed(&text, cli->opt->json, res->url));
  ript_buf_free(&text);
}

static void cmd_delete(ript_cli *cli, const char *uri) {
  int rv = ript_client_handler_delete(cli->client, uri, cmd_on_removed, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "remove the handler");
}

/* The handler list of the TG, searched for the id to remove. */
static void cmd_on_rm_list(ript_client *client, const ript_client_result *res,
                           const ript_doc_handler_list *list,
                           void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  for (size_t i = 0; i < list->nhandlers; ++i) {
    if (strcmp(list->handlers[i].handler_id, cli->opt->target) == 0) {
      cmd_delete(cli, list->handlers[i].uri);
      return;
    }
  }
  char message[1024];
  snprintf(message, sizeof(message), "there is no handler %s on TG %s",
           cli->opt->target, cli->tg);
  ript_cli_fail(cli, RIPT_CLI_EXIT_REFUSED, message, NULL);
}

/* A URI is removed as given; an id by the URI this device remembers, or
 * else the one the TG's handler list gives (clients only follow URIs the
 * server handed out). */
static void cmd_handler_rm(ript_cli *cli) {
  const char *target = cli->opt->target;
  if (strncasecmp(target, "https:", 6) == 0) {
    cmd_delete(cli, target);
    return;
  }
  char *uri = NULL, message[1024];
  if (ript_cli_state_handler_find(&cli->state, cli->opt->tg, target, &uri,
                                  message, sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  if (uri)
    cmd_delete(cli, uri);
  else
    cmd_with_tg(cli);
  free(uri);
}

/* ---- cert ---- */

/* The number's key from the state directory, or a new one that is kept
 * there once a certificate is issued for it. */
int ript_cli_cert_key(ript_cli *cli) {
  char name[RIPT_DEST_MAX_LEN + 8], message[1024];
  snprintf(name, sizeof(name), "%s.key", cli->opt->from);
  cli->key_path = ript_cli_state_path(&cli->state, name);
  if (!cli->key_path) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
    return -1;
  }
  ript_parse_error err = {0, NULL};
  int rv = ript_client_key_load(cli->key_path, &cli->key, &err, NULL);
  if (rv == RIPT_ERR_INVALID_ARGUMENT && errno == ENOENT) {
    cli->key_created = 1;
    rv = ript_stir_key_generate(&cli->key, NULL);
  }
  if (rv == 0)
    return 0;
  if (rv == RIPT_ERR_PARSE)
    snprintf(message, sizeof(message),
             "%s holds no usable key (expected %s); remove it to make a new "
             "one",
             cli->key_path, err.expected ? err.expected : "a P-256 key");
  else if (rv == RIPT_ERR_INVALID_ARGUMENT)
    snprintf(message, sizeof(message), "cannot read %s: %s", cli->key_path,
             strerror(errno));
  else
    snprintf(message, sizeof(message), "cannot make a key: %s",
             ript_strerror(rv));
  ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
  return -1;
}

/* Keeps a new key beside its certificate. Returns 0, -1 with a message,
 * or 1 when another run of ript kept a key for the number meanwhile. */
static int cmd_save_key(ript_cli *cli, char *message, size_t len) {
  if (!cli->key_created ||
      ript_client_key_save(cli->key, cli->key_path, NULL) == 0)
    return 0;
  if (errno == EEXIST && cli->opt->command == RIPT_CLI_CALL)
    return 1;
  snprintf(message, len, "cannot write %s: %s", cli->key_path,
           strerror(errno));
  return -1;
}

/* The certificate and its new key kept; 1 when ript call goes on with
 * them without keeping them, as another ript kept its own (two first
 * calls at once). */
static int cmd_keep_cert(ript_cli *cli, const ript_cli_cert_record *rec,
                         char *message, size_t len) {
  int rv = cmd_save_key(cli, message, len);
  if (rv == 0 && ript_cli_state_cert_save(&cli->state, rec, message, len))
    rv = -1;
  return rv;
}

static void cmd_on_cert(ript_client *client, const ript_client_result *res,
                        const ript_client_cert *cert, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  if (res->code != 0) {
    ript_cli_fail_result(cli, res);
    return;
  }
  ript_cli_cert_record rec = {cert->e164,
                              cli->tg,
                              cert->x5u,
                              cert->chain_pem,
                              cert->chain_len,
                              ript_stir_cert_not_before(cert->leaf),
                              ript_stir_cert_not_after(cert->leaf)};
  char message[1024], name[RIPT_DEST_MAX_LEN + 8];
  snprintf(name, sizeof(name), "%s.pem", cert->e164);
  char *chain = ript_cli_state_path(&cli->state, name);
  int kept = chain ? cmd_keep_cert(cli, &rec, message, sizeof(message)) : -1;
  if (!chain) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
  } else if (kept < 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
  } else if (cli->opt->command == RIPT_CLI_CALL) {
    if (kept == 0)
      cli->key_created = 0; /* the key is in the state directory now */
    ript_cli_call_certified(cli, cert->x5u);
  } else {
    ript_buf text;
    ript_buf_init(&text, NULL);
    cmd_done(cli, &text,
             ript_cli_print_cert(&text, cli->opt->json, &rec, cli->key_path,
                                 chain, cli->key_created));
    ript_buf_free(&text);
  }
  free(chain);
}

void ript_cli_cert_enroll(ript_cli *cli) {
  int rv = ript_client_cert_request(cli->client, cli->tg, cli->opt->from,
                                    cli->key, cmd_on_cert, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "request the certificate");
}

/* ---- the TG ---- */

/* The command's step once the TG is known. */
static void cmd_on_tg_known(ript_cli *cli) {
  switch (cli->opt->command) {
  case RIPT_CLI_HANDLER_ADD:
    cmd_handler_add(cli);
    break;
  case RIPT_CLI_HANDLER_LIST:
  case RIPT_CLI_HANDLER_RM: {
    int rv = ript_client_handler_list(
        cli->client, cli->tg,
        cli->opt->command == RIPT_CLI_HANDLER_RM ? cmd_on_rm_list
                                                 : cmd_on_listed,
        cli);
    if (rv != 0)
      ript_cli_fail_start(cli, rv, "list the handlers");
    break;
  }
  case RIPT_CLI_CERT:
    ript_cli_cert_enroll(cli);
    break;
  case RIPT_CLI_CALL:
    ript_cli_call_start(cli);
    break;
  default:
    ript_cli_fail(cli, RIPT_CLI_EXIT_USAGE, "no such command", NULL);
    break;
  }
}

/* Without --tg, the first TG the server lists. */
static void cmd_on_tg_list(ript_client *client, const ript_client_result *res,
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
  cmd_on_tg_known(cli);
}

static void cmd_with_tg(ript_cli *cli) {
  if (cli->opt->tg) {
    if (!(cli->tg = strdup(cli->opt->tg))) {
      ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
      return;
    }
    cmd_on_tg_known(cli);
    return;
  }
  int rv = ript_client_tg_list(cli->client, cmd_on_tg_list, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "list the TGs");
}

void ript_cli_command_start(ript_cli *cli) {
  int rv = 0;
  switch (cli->opt->command) {
  case RIPT_CLI_DISCOVER:
    rv = ript_client_discover(cli->client, cmd_on_discover, cli);
    if (rv != 0)
      ript_cli_fail_start(cli, rv, "discover the TGs");
    break;
  case RIPT_CLI_HANDLER_RM:
    cmd_handler_rm(cli);
    break;
  case RIPT_CLI_CERT:
  case RIPT_CLI_CALL:
    if (ript_cli_cert_key(cli) == 0)
      cmd_with_tg(cli);
    break;
  default:
    cmd_with_tg(cli);
    break;
  }
}

/* `ript handler add|list|rm`: this device's handlers on a TG, registered,
 * listed and removed, and remembered in the state directory. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "output.h"

/* The TG's handler list, for |cb|. */
static void handler_list(ript_cli *cli, ript_client_handler_list_cb cb) {
  int rv = ript_client_handler_list(cli->client, cli->tg, cb, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "list the handlers");
}

/* ---- add ---- */

static void handler_on_added(ript_client *client, const ript_client_result *res,
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
    ript_buf_printf(&text,
                    "handler %s is registered at %s, but ript cannot "
                    "remember it: %s",
                    h->handler_id, h->uri, message);
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL,
                  text.data ? (const char *)text.data : message, NULL);
  } else {
    ript_cli_done(cli, &text, ript_cli_print_handler(&text, cli->opt->json, h));
  }
  ript_buf_free(&text);
}

static void handler_add(ript_cli *cli) {
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
                                   handler_on_added, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "register the handler");
}

void ript_cli_cmd_handler_add(ript_cli *cli) {
  ript_cli_with_tg(cli, handler_add);
}

/* ---- list ---- */

static void handler_on_listed(ript_client *client,
                              const ript_client_result *res,
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
  ript_cli_done(cli, &text,
                ript_cli_print_handlers(&text, cli->opt->json, cli->tg, list));
  ript_buf_free(&text);
}

static void handler_list_all(ript_cli *cli) {
  handler_list(cli, handler_on_listed);
}

void ript_cli_cmd_handler_list(ript_cli *cli) {
  ript_cli_with_tg(cli, handler_list_all);
}

/* ---- rm ---- */

static void handler_on_removed(ript_client *client,
                               const ript_client_result *res, void *user_data) {
  ript_cli *cli = user_data;
  (void)client;
  char message[1024];
  /* A handler the server no longer has is forgotten too. */
  int gone = res->code == 0 ||
             (res->code == RIPT_ERR_HTTP_STATUS && res->status == 404);
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
  ript_cli_done(cli, &text,
                ript_cli_print_removed(&text, cli->opt->json, res->url));
  ript_buf_free(&text);
}

static void handler_delete(ript_cli *cli, const char *uri) {
  int rv =
      ript_client_handler_delete(cli->client, uri, handler_on_removed, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "remove the handler");
}

/* The handler list of the TG, searched for the id to remove. */
static void handler_on_rm_list(ript_client *client,
                               const ript_client_result *res,
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
      handler_delete(cli, list->handlers[i].uri);
      return;
    }
  }
  char message[1024];
  snprintf(message, sizeof(message), "there is no handler %s on TG %s",
           cli->opt->target, cli->tg);
  ript_cli_fail(cli, RIPT_CLI_EXIT_REFUSED, message, NULL);
}

static void handler_rm_listed(ript_cli *cli) {
  handler_list(cli, handler_on_rm_list);
}

/* A URI is removed as given; an id by the URI this device remembers, or
 * else the one the TG's handler list gives (clients only follow URIs the
 * server handed out). */
void ript_cli_cmd_handler_rm(ript_cli *cli) {
  const char *target = cli->opt->target;
  if (strncasecmp(target, "https:", 6) == 0) {
    handler_delete(cli, target);
    return;
  }
  char *uri = NULL, message[1024];
  if (ript_cli_state_handler_find(&cli->state, cli->opt->tg, target, &uri,
                                  message, sizeof(message)) != 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
    return;
  }
  if (uri)
    handler_delete(cli, uri);
  else
    ript_cli_with_tg(cli, handler_rm_listed);
  free(uri);
}

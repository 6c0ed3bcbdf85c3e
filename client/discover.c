/* `ript discover`: the TGs the server offers, printed. */
#include "cli.h"
#include "output.h"

static void discover_on_list(ript_client *client, const ript_client_result *res,
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
  ript_cli_done(cli, &text,
                ript_cli_print_tgs(&text, cli->opt->json, list, tgs));
  ript_buf_free(&text);
}

void ript_cli_cmd_discover(ript_cli *cli) {
  int rv = ript_client_discover(cli->client, discover_on_list, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "discover the TGs");
}

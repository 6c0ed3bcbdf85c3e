/* `ript cert`: a STIR certificate for --from, with its key (made on first
 * use), kept in the state directory. `ript call` gets its certificate the
 * same way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

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
 * or 1 when another run of ript kept a key for the number meanwhile and
 * the command goes on with its own (a call: two first calls at once);
 * `ript cert`, which names the key it kept, cannot. */
static int cert_save_key(ript_cli *cli, char *message, size_t len) {
  if (!cli->key_created ||
      ript_client_key_save(cli->key, cli->key_path, NULL) == 0)
    return 0;
  if (errno == EEXIST && cli->certified)
    return 1;
  snprintf(message, len, "cannot write %s: %s", cli->key_path, strerror(errno));
  return -1;
}

/* The certificate and its new key kept; 1 when the command goes on with
 * them without keeping them, as another ript kept its own. */
static int cert_keep(ript_cli *cli, const ript_cli_cert_record *rec,
                     char *message, size_t len) {
  int rv = cert_save_key(cli, message, len);
  if (rv == 0 && ript_cli_state_cert_save(&cli->state, rec, message, len))
    rv = -1;
  return rv;
}

static void cert_on_issued(ript_client *client, const ript_client_result *res,
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
  int kept = chain ? cert_keep(cli, &rec, message, sizeof(message)) : -1;
  if (!chain) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, "out of memory", NULL);
  } else if (kept < 0) {
    ript_cli_fail(cli, RIPT_CLI_EXIT_LOCAL, message, NULL);
  } else if (cli->certified) {
    if (kept == 0)
      cli->key_created = 0; /* the key is in the state directory now */
    cli->certified(cli, cert->x5u);
  } else {
    ript_buf text;
    ript_buf_init(&text, NULL);
    ript_cli_done(cli, &text,
                  ript_cli_print_cert(&text, cli->opt->json, &rec,
                                      cli->key_path, chain, cli->key_created));
    ript_buf_free(&text);
  }
  free(chain);
}

void ript_cli_cert_enroll(ript_cli *cli, ript_cli_certified_fn certified) {
  cli->certified = certified;
  int rv = ript_client_cert_request(cli->client, cli->tg, cli->opt->from,
                                    cli->key, cert_on_issued, cli);
  if (rv != 0)
    ript_cli_fail_start(cli, rv, "request the certificate");
}

static void cert_request(ript_cli *cli) { ript_cli_cert_enroll(cli, NULL); }

void ript_cli_cmd_cert(ript_cli *cli) {
  if (ript_cli_cert_key(cli) == 0)
    ript_cli_with_tg(cli, cert_request);
}

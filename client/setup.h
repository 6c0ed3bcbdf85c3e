/*
 * client/setup.h - which server `ript` talks to, with which token and CA:
 * the command line, a riptd --dev dev.json, and the environment combined.
 */
#ifndef RIPT_CLI_SETUP_H
#define RIPT_CLI_SETUP_H

#include <stddef.h>

#include "options.h"

typedef struct ript_cli_setup {
  char *root;      /* the RIPT root URI */
  char *token;     /* the bearer token, or NULL */
  char *cacert;    /* an extra CA file, or NULL */
  char *state_dir; /* --state, or $HOME/.ript; NULL without either */
  /* OAuth (ript_cli_options_oauth): tokens come from the token endpoint */
  int oauth;
  char *token_endpoint; /* NULL: discovered from the root document */
  char *client_id, *client_secret, *refresh_token; /* each may be NULL */
} ript_cli_setup;

/*
 * Fills |s| from |opt|, the dev.json that --dev names (a file, or a
 * directory holding dev.json), the value of RIPT_TOKEN |env_token| and of
 * HOME |home| (both may be NULL):
 *   root   --root, else https://AUTHORITY/.well-known/ript for
 *          --authority, else dev.json's "root";
 *   token  --token, else the content of --token-file (surrounding white
 *          space removed), else dev.json's "token", else |env_token|;
 *          none with OAuth options (ript_cli_setup_oauth);
 *   cacert --cacert, else dev.json's "cacert".
 * A token must be an RFC 6750 b64token. Returns 0, or -1 with one line in
 * |errbuf| that never shows the token (|s| is then empty): no server given,
 * a dev.json or token file that cannot be read or holds no such value, or
 * a token of the wrong form.
 */
int ript_cli_setup_load(ript_cli_setup *s, const ript_cli_options *opt,
                        const char *env_token, const char *home, char *errbuf,
                        size_t errlen);

/*
 * With OAuth options, fills the OAuth members of a loaded |s|:
 *   token_endpoint  --token-endpoint, else dev.json's "oauth" member's
 *                   "token_endpoint" (with --dev), else NULL;
 *   client_secret   the content of --client-secret-file, else
 *                   |env_secret| (RIPT_CLIENT_SECRET);
 *   refresh_token   the content of --refresh-token-file, else
 *                   |env_refresh| (RIPT_REFRESH_TOKEN) when there is no
 *                   client secret.
 * Returns 0, or -1 with one line in |errbuf| that never shows a secret: a
 * file that cannot be read, --client-id without a secret, or neither a
 * client nor a refresh token.
 */
int ript_cli_setup_oauth(ript_cli_setup *s, const ript_cli_options *opt,
                         const char *env_secret, const char *env_refresh,
                         char *errbuf, size_t errlen);

/* Frees |s| (the token and secrets are wiped first). */
void ript_cli_setup_free(ript_cli_setup *s);

#endif /* RIPT_CLI_SETUP_H */

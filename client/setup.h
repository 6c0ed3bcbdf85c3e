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
} ript_cli_setup;

/*
 * Fills |s| from |opt|, the dev.json that --dev names (a file, or a
 * directory holding dev.json), the value of RIPT_TOKEN |env_token| and of
 * HOME |home| (both may be NULL):
 *   root   --root, else https://AUTHORITY/.well-known/ript for
 *          --authority, else dev.json's "root";
 *   token  --token, else the content of --token-file (surrounding white
 *          space removed), else dev.json's "token", else |env_token|;
 *   cacert --cacert, else dev.json's "cacert".
 * A token must be an RFC 6750 b64token. Returns 0, or -1 with one line in
 * |errbuf| that never shows the token (|s| is then empty): no server given,
 * a dev.json or token file that cannot be read or holds no such value, or
 * a token of the wrong form.
 */
int ript_cli_setup_load(ript_cli_setup *s, const ript_cli_options *opt,
                        const char *env_token, const char *home, char *errbuf,
                        size_t errlen);

/* Frees |s| (the token is wiped first). */
void ript_cli_setup_free(ript_cli_setup *s);

#endif /* RIPT_CLI_SETUP_H */

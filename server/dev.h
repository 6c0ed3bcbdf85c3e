/*
 * server/dev.h - `riptd --dev`: a development server that needs no
 * configuration.
 *
 * The state directory (created when missing) holds, kept across restarts:
 *   ca.pem, ca-key.pem, server.pem, server-key.pem  TLS (ript_tls_dev_certs)
 *   stir-ca.pem, stir-ca-key.pem   the STIR CA; its TNAuthList is the range
 *                                  of numbers the dev customer calls from
 *   token                          the dev customer's static bearer token
 *   oauth-key.pem                  the dev authorization server's signing key
 *   client-secret, refresh-token   its client "dev" (customer "dev")
 *   tone.wav                       2 s of 440 Hz, 8 kHz 16-bit mono (play)
 *   node-id                        riptd's node id (store.node-id), so a
 *                                  restart on this directory is the same
 *                                  node
 *   riptd.db                       with --durable: the SQLite store
 * and, written at every start:
 *   riptd.json   the configuration riptd then loads like any other: one
 *                customer "dev", one TG "main" whose routes give one
 *                number per action (record writes DIR/record.wav), and a
 *                ring timeout of 3 s (noanswer); riptd is also an
 *                OAuth authorization server (oauth.server) for client
 *                "dev"; the store is in memory, or riptd.db
 *   dev.json     once listening: what scripts need (see riptd_dev_info).
 */
#ifndef RIPTD_DEV_H
#define RIPTD_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"

/* The numbers the dev customer may call from: 10 from this one on. */
#define RIPTD_DEV_FROM_FIRST "+15550100000"
#define RIPTD_DEV_FROM_COUNT 10

/*
 * Prepares |state_dir| and writes its riptd.json for listening on
 * |listen| ("ADDR:PORT"), its access tokens living |token_lifetime_s|
 * (0: RIPTD_DEFAULT_TOKEN_LIFETIME_S), its store in memory or (|durable|)
 * in riptd.db; the configuration's path goes to |config_path| (|len|
 * bytes). Returns 0, or -1 with one line in |errbuf|.
 */
int riptd_dev_prepare(const char *state_dir, const char *listen,
                      int64_t token_lifetime_s, int durable, char *config_path,
                      size_t len, char *errbuf, size_t errlen);

/*
 * Writes |state_dir|/dev.json (atomically: a temporary file renamed) for
 * the running |app|:
 *   {"root": RIPT root URI, "tg": the TG's URI, "token": bearer token,
 *    "cacert": the TLS CA to trust, "stircacert": the STIR CA,
 *    "config": riptd.json, "numbers": {"echo": "+1...", "play", "record",
 *    "conference", "decline", "fail", "noanswer"},
 *    "from": [the numbers the customer may call from],
 *    "oauth": {"issuer", "token_endpoint", "client_id", "client_secret",
 *              "refresh_token", "scope", "audience"}}
 * with absolute paths. Returns 0, or -1 with one line in |errbuf|.
 */
int riptd_dev_info(const char *state_dir, const riptd_app *app, char *errbuf,
                   size_t errlen);

#endif /* RIPTD_DEV_H */

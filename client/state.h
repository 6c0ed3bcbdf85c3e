/*
 * client/state.h - what `ript` keeps between runs, in its state directory
 * (default $HOME/.ript, mode 0700):
 *
 *   device-id                  this installation's handler-id ("ript-" and
 *                              16 hex digits), made on first use
 *   AUTHORITY/                 one directory per server (the root URI's
 *                              host and port, ':' and brackets as '_')
 *     handlers.json            {"handlers": [{"uri", "handler-id", "tg"}]}:
 *                              the handlers this device registered
 *     NUMBER.key               the caller-ID key of NUMBER (PEM, 0600)
 *     NUMBER.pem               its certificate chain, as the server sent it
 *     NUMBER.json              {"number", "tg", "x5u", "not-before",
 *                              "not-after", "key", "chain"}
 *
 * Every file is written whole to a temporary name, then renamed, with mode
 * 0600. Functions return 0, or -1 with one line naming the file and the
 * problem in |errbuf|.
 */
#ifndef RIPT_CLI_STATE_H
#define RIPT_CLI_STATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ript_cli_state {
  char *dir;        /* the state directory */
  char *server_dir; /* dir/AUTHORITY */
} ript_cli_state;

/* Length of a device id: "ript-" and 16 hex digits. */
#define RIPT_CLI_DEVICE_ID_LEN 21

/* The file-name form of the authority of |root| (an https URI) into |out|
 * (|len| bytes): letters, digits, '.' and '-' kept, anything else '_'.
 * Returns 0, or -1 if |root| is no https URI or |out| too small. */
int ript_cli_state_authority(const char *root, char *out, size_t len);

/* Opens (creating, mode 0700) |dir| and its directory for the server of
 * |root|. */
int ript_cli_state_open(ript_cli_state *st, const char *dir, const char *root,
                        char *errbuf, size_t errlen);

void ript_cli_state_close(ript_cli_state *st);

/* The path of |name| in the server's directory (malloc'd), or NULL. */
char *ript_cli_state_path(const ript_cli_state *st, const char *name);

/* This installation's device id, made and kept on first use. */
int ript_cli_state_device_id(const ript_cli_state *st,
                             char out[RIPT_CLI_DEVICE_ID_LEN + 1],
                             char *errbuf, size_t errlen);

/* Remembers the handler at |uri| (replacing an entry with that URI). */
int ript_cli_state_handler_put(const ript_cli_state *st, const char *tg,
                               const char *handler_id, const char *uri,
                               char *errbuf, size_t errlen);

/* The URI of the remembered handler |handler_id| on |tg| (any TG when
 * NULL), malloc'd, into |*uri|; NULL when there is none. */
int ript_cli_state_handler_find(const ript_cli_state *st, const char *tg,
                                const char *handler_id, char **uri,
                                char *errbuf, size_t errlen);

/* Forgets the handler at |uri| (nothing happens if it is not known). */
int ript_cli_state_handler_drop(const ript_cli_state *st, const char *uri,
                                char *errbuf, size_t errlen);

/* A certificate just issued for |e164|, as NUMBER.pem and NUMBER.json;
 * times are Unix seconds. */
typedef struct ript_cli_cert_record {
  const char *e164;
  const char *tg;
  const char *x5u;
  const char *chain_pem;
  size_t chain_len;
  int64_t not_before;
  int64_t not_after;
} ript_cli_cert_record;

int ript_cli_state_cert_save(const ript_cli_state *st,
                             const ript_cli_cert_record *rec, char *errbuf,
                             size_t errlen);

/* The URL (x5u) of the certificate kept for |e164|, malloc'd, into |*x5u|
 * if the TG |tg| issued it and it is valid until at least |until| (Unix
 * seconds); NULL when there is no such certificate. */
int ript_cli_state_cert_find(const ript_cli_state *st, const char *e164,
                             const char *tg, int64_t until, char **x5u,
                             char *errbuf, size_t errlen);

/* Writes |len| bytes to |path| atomically with mode 0600. */
int ript_cli_state_write(const char *path, const void *data, size_t len,
                         char *errbuf, size_t errlen);

#endif /* RIPT_CLI_STATE_H */

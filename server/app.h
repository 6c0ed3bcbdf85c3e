/*
 * server/app.h - riptd's application state: the configuration, the STIR
 * CA and trust store it loaded, the server's advertisement, the state
 * store, and the URIs it hands out. Everything a resource needs, nothing
 * about sockets.
 */
#ifndef RIPTD_APP_H
#define RIPTD_APP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "oauth.h"
#include "rate.h"
#include "ript/advert.h"
#include "ript/buf.h"
#include "ript/http.h"
#include "ript/stir.h"
#include "store.h"

typedef struct riptd_app {
  const riptd_config *cfg; /* borrowed: outlives the app */
  riptd_store *store;      /* NULL once riptd_app_close_store ran */
  char *node_id;           /* the configured one, or random for this run */
  ript_stir_cert *stir_ca;
  ript_stir_key *stir_ca_key;
  char *stir_ca_pem;     /* the CA certificate, PEM (a TG's "origins") */
  ript_stir_trust *trust; /* what PASSporT certificates must chain to */
  ript_advert *advert;   /* the server's advertisement, parsed */
  riptd_oauth *oauth;    /* token issuers and the authorization server */
  riptd_rate *rates;     /* per customer (config order): request rates */
  riptd_rate *token_rates; /* per client of the authorization server, then
                              one for requests that name none */
  /* The HTTP/3 stateless reset key: HKDF-SHA256 of the TLS private key
   * file's bytes with its own label, so a restarted riptd, and every node
   * that shares the TLS key, computes the reset tokens of the others'
   * connections (ript_http_server_config.stateless_reset_key). */
  uint8_t reset_key[RIPT_HTTP_RESET_KEY_MIN];
  char *authority;       /* host[:port] in every URI riptd gives out */
  char *root;            /* https://AUTHORITY/.well-known/ript */
  /* Told about every call POST {tg}/calls stores, before the 201 goes out
   * (NULL: nobody, as in the router's unit tests): riptd's live calls
   * (live.h) start it. Returns 0, or a RIPT_ERR_* code: the call is then
   * removed and the POST answered 500. */
  int (*on_call)(void *data, const riptd_call_rec *rec);
  /* Told about every call POST {call} negotiates again, before its new
   * directives are stored (NULL: nobody): the live call moves its media to
   * them. Returns 0; RIPT_ERR_HTTP_STATE when this node does not run the
   * call (the POST answers 421 and names the node that does); another
   * RIPT_ERR_* code (the POST answers 500). Nothing is stored unless 0. */
  int (*on_renegotiate)(void *data, const riptd_call_rec *rec);
  void *on_call_data;
} riptd_app;

/*
 * Loads what |cfg| names (STIR CA certificate and key, trust anchors, the
 * TLS key the reset key is derived from) and checks the files riptd will
 * need (TLS certificate and key, the play files, the directories of the
 * record files), and opens the store it names on |loop| (memory, or the
 * SQLite file). Returns 0, or -1 with one line "FILE: $.path: problem" in
 * |errbuf| (a configuration error, or a store file that cannot be used:
 * "FILE: $.store.path: DB: problem").
 */
int riptd_app_new(riptd_app **papp, const riptd_config *cfg, uv_loop_t *loop,
                  char *errbuf, size_t errlen);

/* Closes the store (riptd_store_close: what is in flight completes, a
 * SQLite store's last writes land), then calls |cb| (may be NULL). Call it
 * once nothing uses the store any more: after the live calls ended. */
void riptd_app_close_store(riptd_app *app, void (*cb)(void *data), void *data);

/* Frees the app. A store still open is closed as riptd_app_close_store
 * does, which completes on the loop: run it afterwards. NULL is a
 * no-op. */
void riptd_app_del(riptd_app *app);

/*
 * Sets the authority URIs are built with, once the listening port is known:
 * the configured "authority", else the listen address (a wildcard address
 * becomes the loopback address of its family) and |port|. Returns 0 or
 * RIPT_ERR_NOMEM.
 */
int riptd_app_set_port(riptd_app *app, uint16_t port);

/* Appends "{root}/providertgs/TG", then "/REST" when |rest| is not NULL,
 * then "/ID" when |id| is not NULL: a TG, a collection of it, one item. */
int riptd_app_tg_uri(const riptd_app *app, const char *tg, const char *rest,
                     const char *id, ript_buf *out);

/* Fills |out| with |len| random bytes (GnuTLS). Returns 0 or
 * RIPT_ERR_CRYPTO. */
int riptd_app_random(void *out, size_t len);

#endif /* RIPTD_APP_H */

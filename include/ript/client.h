/*
 * ript/client.h - the client side of RIPT on a libuv loop: bootstrap, TG
 * discovery, handlers and STIR certificates (draft §8.1-§8.6, §9.1-§9.7;
 * docs/PROTOCOL.md §2-§4, §11), shared by the `ript` command and the load
 * generator.
 *
 * Model. A ript_client is one RIPT customer talking to one provider: a root
 * URI, a bearer token, and one ript_http_client (one connection per
 * authority, HTTP/3 or HTTP/2). Every operation is asynchronous: a function
 * starts it and returns 0, and its callback is then called exactly once,
 * from the loop, with a ript_client_result saying how it went and, on
 * success, the documents it produced. A function that returns an error
 * started nothing and never calls its callback; besides the errors each
 * lists, every operation returns RIPT_ERR_HTTP_CLOSED once the client is
 * closing. Operations run concurrently; those to one authority share its
 * connection.
 *
 * Structure. Each operation is an object of its own that owns its requests
 * (lib/client/client_internal.h); calls (create, the events byways, media)
 * will be objects of the same kind, one per call, with a callback per event.
 *
 * Failures. result->code is 0 or a RIPT_ERR_* code:
 *   RIPT_ERR_HTTP_STATUS     the server answered a status outside 2xx;
 *                              result->status says which, and
 *                              result->error / result->reason carry the
 *                              token and sentence of its error document
 *                              (docs/PROTOCOL.md §4.7) when it sent one;
 *   RIPT_ERR_HTTP_CLOSED       no connection (nothing listening, name not
 *                              resolved), the connection was lost, or no
 *                              answer came in time (result->timed_out);
 *   RIPT_ERR_HTTP_TLS          the TLS handshake failed: the server's
 *                              certificate is not trusted or does not name
 *                              the host;
 *   RIPT_ERR_HTTP_RESET        the server reset the request;
 *   RIPT_ERR_PARSE             a 2xx response the client cannot use: a
 *                              document that does not parse (result->what
 *                              names it, result->parse says where), or a
 *                              201 without Location;
 *   RIPT_ERR_LIMIT             a response body over RIPT_CLIENT_BODY_MAX;
 *   RIPT_ERR_MISMATCH          an issued certificate that is not for the
 *                              key or the number that was asked for;
 *   RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO.
 * ript_client_result_describe() turns any result into one line for people.
 *
 * The bearer token is sent only in Authorization headers: never written to
 * a result, a description or anywhere else.
 *
 * Threading: every object belongs to the thread running its loop. Every
 * function may be called from inside any callback of this API.
 */
#ifndef RIPT_CLIENT_H
#define RIPT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ript/buf.h"
#include "ript/doc.h"
#include "ript/error.h"
#include "ript/http.h"
#include "ript/mem.h"
#include "ript/stir.h"

/* Largest response body the client reads; larger ones fail with
 * RIPT_ERR_LIMIT. RIPT documents are at most 64 KiB (docs/PROTOCOL.md §12). */
#define RIPT_CLIENT_BODY_MAX (1024 * 1024)
/* Default time a request may take, from start to the end of its response. */
#define RIPT_CLIENT_DEFAULT_TIMEOUT_MS 10000

typedef struct ript_client ript_client;

typedef struct ript_client_config {
  /* RIPT_HTTP_3 or RIPT_HTTP_2. */
  ript_http_version version;
  /* The RIPT root URI, e.g. "https://ript.example.com/.well-known/ript"
   * (ript_uri_root builds it from an authority). Needed by bootstrap,
   * ript_client_tg_list and ript_client_discover; NULL if those are not
   * used. Copied. */
  const char *root;
  /* The bearer token (an RFC 6750 b64token), or NULL to send none. Copied;
   * never reported anywhere. */
  const char *token;
  /* Extra trusted CA certificates (PEM file) besides the system's, or NULL.
   * Read during ript_client_new. Verification cannot be turned off. */
  const char *ca_file;
  /* Per-request time limit; 0 means RIPT_CLIENT_DEFAULT_TIMEOUT_MS. */
  uint64_t timeout_ms;
  /* Connection attempts before queued requests fail; 0 means 1 (a command
   * fails at once; a long-lived client asks for more, spaced by the TG's
   * retry-backoff). */
  unsigned connect_attempts;
  /* Back-off before the second attempt, doubling after (draft §9.3);
   * values below 2000 mean 2000. */
  uint64_t retry_backoff_ms;
} ript_client_config;

/*
 * Creates a client on |loop|. |cfg| is copied. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointer, unknown version, a root that is
 * not an https URI, a token that is not a b64token), RIPT_ERR_HTTP_TLS (the
 * ca_file cannot be loaded) or RIPT_ERR_NOMEM. |mem| (NULL: default) is
 * used for everything the client allocates itself; it must outlive the
 * client.
 */
int ript_client_new(ript_client **pclient, uv_loop_t *loop,
                    const ript_client_config *cfg, const ript_mem *mem);

/* Nonzero if |token| (may be NULL) is an RFC 6750 §2.1 b64token:
 * 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", so it cannot
 * break out of the Authorization header. */
int ript_client_token_ok(const char *token);

/*
 * Closes the client: operations still running get their callback with
 * RIPT_ERR_HTTP_CLOSED (and operations those callbacks try to start fail
 * with RIPT_ERR_HTTP_CLOSED), connections are closed, and once every libuv
 * handle is closed the client is freed and |on_closed| (may be NULL)
 * called. The client must not be used after this call.
 */
void ript_client_close(ript_client *client, void (*on_closed)(void *user_data),
                       void *user_data);

/* Drops every connection of the client at once, as a network failure
 * lasting |down_ms| would (ript_http_client_cut): open exchanges close
 * with RIPT_ERR_HTTP_CLOSED; requests wait until |down_ms| have passed and
 * then open a new connection. For tests of recovery (§9.14); 0 also suits
 * a client that knows its network changed. */
void ript_client_cut(ript_client *client, uint64_t down_ms);

/*
 * Replaces the bearer token sent from now on (requests already sent keep
 * theirs; NULL sends none). The old token is wiped from memory. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL client, a token that is not a b64token)
 * or RIPT_ERR_NOMEM (the old token stays).
 */
int ript_client_set_token(ript_client *client, const char *token);

/* ---- results ---- */

typedef struct ript_client_result {
  int code;            /* 0 or RIPT_ERR_* (above) */
  int status;          /* status of the response at fault (the last one on
                          success), 0 when none arrived */
  const char *method;  /* the request the result is about */
  const char *url;
  const char *error;   /* error document token, or NULL */
  const char *reason;  /* error document sentence, or NULL */
  const char *what;    /* RIPT_ERR_PARSE: what could not be read, e.g.
                          "TG description"; else NULL */
  ript_parse_error parse; /* RIPT_ERR_PARSE of a document: where */
  int timed_out;       /* RIPT_ERR_HTTP_CLOSED because of timeout_ms */
  uint64_t timeout_ms; /* the limit that applied */
} ript_client_result;

/*
 * Appends one line (no newline) describing |res| for a person, e.g.
 *   "POST https://a/tg/certs: 403 number-not-allowed: customer dev may not
 *    use +15550100010 as caller ID"
 *   "cannot reach a:4433 over HTTP/3: no connection, or it was lost"
 *   "TLS with a:4433 failed: its certificate is not trusted here or does
 *    not name a"
 * |version| is the client's. Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL
 * pointer) or RIPT_ERR_NOMEM (|out| unchanged).
 */
int ript_client_result_describe(const ript_client_result *res,
                                ript_http_version version, ript_buf *out);

/* ---- OAuth 2.0 access tokens (RFC 6749; docs/PROTOCOL.md §3.3) ---- */

/* Fewest milliseconds between two token requests that a refused token
 * (401 invalid_token) triggers. */
#define RIPT_CLIENT_OAUTH_MIN_GAP_MS 2000
/* A failed token request is retried after 1 s, doubling up to this. */
#define RIPT_CLIENT_OAUTH_MAX_BACKOFF_MS 30000

typedef struct ript_client_oauth_config {
  const char *token_endpoint; /* https URI (required) */
  /* The client credentials grant (§4.4), authenticated with HTTP Basic;
   * with a refresh token they authenticate its grant instead. */
  const char *client_id;
  const char *client_secret;
  /* The refresh_token grant (§6); a new refresh token in an answer
   * replaces it. */
  const char *refresh_token;
  const char *scope; /* NULL: what the server grants by default */
} ript_client_oauth_config;

/*
 * After each token request: |res| says how it went (its code is 0 with the
 * new token in use, or a failure as in "Failures" above; a refusal by the
 * server is RIPT_ERR_HTTP_STATUS with res->error the RFC 6749 error code,
 * e.g. "invalid_client"); |expires_in_s| is the new token's lifetime (-1
 * unknown, or after a failure).
 */
typedef void (*ript_client_token_cb)(ript_client *client,
                                     const ript_client_result *res,
                                     int64_t expires_in_s, void *user_data);

/*
 * Gets an access token from the token endpoint, makes it the client's
 * (ript_client_set_token), and keeps it fresh for as long as the client
 * lives: a new one is fetched when three quarters of a token's lifetime
 * (expires_in; 5 minutes when unknown) have passed, and at once when a
 * server refuses the client's token (401), at most every
 * RIPT_CLIENT_OAUTH_MIN_GAP_MS. A failed request is retried with back-off
 * while the old token stays in use, so calls in progress are never given
 * up because a token expired. |cfg| is copied (secrets are wiped when the
 * client closes). |cb| runs after every token request. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, no https token endpoint,
 * neither client credentials nor a refresh token, a client secret without
 * an id, or OAuth already started), RIPT_ERR_NOMEM, or
 * RIPT_ERR_HTTP_CLOSED (closing).
 */
int ript_client_oauth_start(ript_client *client,
                            const ript_client_oauth_config *cfg,
                            ript_client_token_cb cb, void *user_data);

/* The server's authorization server metadata; |meta| is NULL unless
 * res->code is 0, and valid during the call only. */
typedef void (*ript_client_oauth_meta_cb)(ript_client *client,
                                          const ript_client_result *res,
                                          const ript_doc_oauth_meta *meta,
                                          void *user_data);

/*
 * Where to get tokens: GET {root} (no token sent), then the "oauth" URI it
 * names (RFC 8414 metadata, no token sent). A root without "oauth" fails
 * with RIPT_ERR_PARSE (res->what "root document"). Returns as
 * ript_client_bootstrap.
 */
int ript_client_oauth_metadata(ript_client *client,
                               ript_client_oauth_meta_cb cb, void *user_data);

/* How many responses refused the client's token (401) since OAuth
 * started. */
uint64_t ript_client_oauth_refusals(const ript_client *client);

/* ---- bootstrap and discovery (§8.1-§8.3, §9.1-§9.3) ---- */

/* The root document. |root| is NULL unless res->code is 0; everything the
 * callback receives is valid during the call only. */
typedef void (*ript_client_root_cb)(ript_client *client,
                                    const ript_client_result *res,
                                    const ript_doc_root *root,
                                    void *user_data);

/* GET {root} (no token sent): where the TG list and OAuth live. The client
 * remembers "providertgs" for ript_client_tg_list. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL client or callback, no root configured)
 * or RIPT_ERR_NOMEM. */
int ript_client_bootstrap(ript_client *client, ript_client_root_cb cb,
                          void *user_data);

typedef void (*ript_client_tg_list_cb)(ript_client *client,
                                       const ript_client_result *res,
                                       const ript_doc_tg_list *list,
                                       void *user_data);

/* The TG list: bootstraps first unless the client knows "providertgs".
 * Returns as ript_client_bootstrap. */
int ript_client_tg_list(ript_client *client, ript_client_tg_list_cb cb,
                        void *user_data);

typedef void (*ript_client_tg_cb)(ript_client *client,
                                  const ript_client_result *res,
                                  const ript_doc_tg *tg, void *user_data);

/* GET {tg}: one TG description. |tg_uri| is copied. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument, |tg_uri| not an https URI) or
 * RIPT_ERR_NOMEM. */
int ript_client_tg_get(ript_client *client, const char *tg_uri,
                       ript_client_tg_cb cb, void *user_data);

/* The TG list and, in the same order, each TG's description
 * (tgs[i] describes list->tgs[i]). */
typedef void (*ript_client_discover_cb)(ript_client *client,
                                        const ript_client_result *res,
                                        const ript_doc_tg_list *list,
                                        const ript_doc_tg *tgs,
                                        void *user_data);

/* The TG list, then every TG description concurrently. Fails with the
 * first failure in list order. Returns as ript_client_bootstrap. */
int ript_client_discover(ript_client *client, ript_client_discover_cb cb,
                         void *user_data);

/* ---- handlers (§8.5, §9.5) ---- */

/* A handler description in its response form (with "uri"). */
typedef void (*ript_client_handler_cb)(ript_client *client,
                                       const ript_client_result *res,
                                       const ript_doc_handler *handler,
                                       void *user_data);

typedef void (*ript_client_handler_list_cb)(
    ript_client *client, const ript_client_result *res,
    const ript_doc_handler_list *list, void *user_data);

/* Only res: for operations that produce no document. */
typedef void (*ript_client_done_cb)(ript_client *client,
                                    const ript_client_result *res,
                                    void *user_data);

/*
 * POST {tg}/handlers: registers the handler |handler_id| (1-128 of
 * [A-Za-z0-9._~-]) with |advertisement| (non-empty; the server checks its
 * syntax). Arguments are copied. Returns 0, RIPT_ERR_INVALID_ARGUMENT
 * (NULL argument, |tg_uri| not an https URI, a handler-id or advertisement
 * the document writer refuses) or RIPT_ERR_NOMEM.
 */
int ript_client_handler_add(ript_client *client, const char *tg_uri,
                            const char *handler_id, const char *advertisement,
                            ript_client_handler_cb cb, void *user_data);

/* GET {tg}/handlers: the caller's handlers on the TG. Returns as
 * ript_client_tg_get. */
int ript_client_handler_list(ript_client *client, const char *tg_uri,
                             ript_client_handler_list_cb cb, void *user_data);

/* GET {handler}: one handler. |handler_uri| is copied. Returns as
 * ript_client_tg_get. */
int ript_client_handler_get(ript_client *client, const char *handler_uri,
                            ript_client_handler_cb cb, void *user_data);

/* PUT {handler}: replaces the advertisement of the handler at
 * |handler_uri|, whose handler-id is |handler_id| (the server checks they
 * match). Returns as ript_client_handler_add. */
int ript_client_handler_put(ript_client *client, const char *handler_uri,
                            const char *handler_id, const char *advertisement,
                            ript_client_handler_cb cb, void *user_data);

/* DELETE {handler}. Returns as ript_client_tg_get. */
int ript_client_handler_delete(ript_client *client, const char *handler_uri,
                               ript_client_done_cb cb, void *user_data);

/* ---- certificates (§8.6, §9.7; docs/PROTOCOL.md §11) ---- */

/* An issued certificate; valid during the callback only (copy what is
 * kept: ript_stir_cert_export, the strings). */
typedef struct ript_client_cert {
  const char *e164;        /* the number, "+1..." */
  const char *x5u;         /* the certificate's URL (Location of the 201):
                              what a PASSporT's x5u names */
  const char *chain_pem;   /* the chain as the server sent it, leaf first */
  size_t chain_len;
  const ript_stir_cert *leaf;
} ript_client_cert;

typedef void (*ript_client_cert_cb)(ript_client *client,
                                    const ript_client_result *res,
                                    const ript_client_cert *cert,
                                    void *user_data);

/*
 * Enrolls |e164| ("+" and 1-15 digits): builds a CSR for that one number
 * signed with |key| (ript_stir_csr_create), POSTs it to {tg}/certs as
 * application/pkcs10, and checks the answer: a 201 with Location and a PEM
 * chain whose first certificate carries |key|'s public key and a TNAuthList
 * covering the number (else RIPT_ERR_MISMATCH). |key| is only read during
 * this call; the strings are copied. Returns 0, RIPT_ERR_INVALID_ARGUMENT
 * (NULL argument, |tg_uri| not an https URI, |e164| not E.164),
 * RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int ript_client_cert_request(ript_client *client, const char *tg_uri,
                             const char *e164, const ript_stir_key *key,
                             ript_client_cert_cb cb, void *user_data);

/*
 * Caller-ID keys kept in files. Both block on the file system: meant for
 * start-up and shut-down, not for a running loop.
 *
 * ript_client_key_load reads the key in |path| (PEM or DER, unencrypted
 * P-256). Returns 0 and a key to free with ript_stir_key_del, or
 *   RIPT_ERR_INVALID_ARGUMENT  NULL argument, or the file cannot be read
 *                              (errno says why: ENOENT when it does not
 *                              exist);
 *   RIPT_ERR_PARSE             the file holds no P-256 key (|err|, may be
 *                              NULL, says what was expected);
 *   RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO.
 *
 * ript_client_key_save writes |key| to |path| as PEM PKCS#8 with mode 0600,
 * atomically (a temporary file in the same directory, then linked), and
 * never replaces an existing file. Returns 0, RIPT_ERR_INVALID_ARGUMENT
 * (NULL argument, or the file cannot be written: errno says why, EEXIST
 * when |path| exists), RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int ript_client_key_load(const char *path, ript_stir_key **pkey,
                         ript_parse_error *err, const ript_mem *mem);
int ript_client_key_save(const ript_stir_key *key, const char *path,
                         const ript_mem *mem);

#endif /* RIPT_CLIENT_H */

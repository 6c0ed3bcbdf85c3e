/*
 * Internal to the client library: the client object and the request every
 * operation is built from.
 *
 * An operation (bootstrap, TG list, a handler, a certificate; later a call)
 * is a struct of its own holding its caller's callback. It starts one or
 * more ript_client_req, each of which calls the operation's |done| function
 * exactly once, from the exchange's on_close, with the response complete
 * and the request's result settled. The operation then parses what it needs,
 * starts the next request or calls its caller back, and frees itself when
 * it is over. A request frees itself after |done| returns unless |done|
 * kept it (returned nonzero) to report it later; then the operation calls
 * ript_client_req_release.
 */
#ifndef RIPT_CLIENT_INTERNAL_H
#define RIPT_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ript/client.h"

typedef struct client_oauth client_oauth;

struct ript_client {
  uv_loop_t *loop;
  const ript_mem *mem;
  ript_http_client *http;
  ript_http_version version;
  char *root;
  char *providertgs;  /* from the root document, once bootstrapped */
  char *authorization; /* "Bearer TOKEN", or NULL */
  client_oauth *oauth; /* keeps the token fresh, or NULL */
  uint64_t timeout_ms;
  size_t live_reqs;   /* requests whose timer is not closed yet */
  int closing;
  int http_closed;
  void (*on_closed)(void *user_data);
  void *on_closed_data;
};

typedef struct ript_client_req ript_client_req;

/* Called once per request; returns nonzero to keep |req| alive. */
typedef int (*ript_client_req_done_fn)(ript_client_req *req);

/* What to send. Strings and the body are copied by ript_client_req_start. */
typedef struct ript_client_req_spec {
  const char *method;
  const char *url;
  const char *content_type; /* of the body; NULL sends no body */
  const void *body;
  size_t body_len;
  const char *accept;       /* NULL: application/json */
  int no_token;             /* the request needs no Authorization */
  const char *authorization; /* sent instead of the client's token */
} ript_client_req_spec;

struct ript_client_req {
  ript_client *client;
  ript_http_exchange *ex;
  uv_timer_t timer;
  char *method;
  char *url;
  ript_buf body;            /* the response body */
  int status;
  int code;                 /* the result's code once |done| runs */
  int timed_out;
  int too_large;
  int starting;             /* inside ript_client_req_start */
  int sent_token;           /* it carried the client's bearer token */
  char *location;           /* the Location header, or NULL */
  ript_doc_error error_doc; /* parsed from a non-2xx response */
  ript_client_req_done_fn done;
  void *op;
};

/*
 * Starts a request for the operation |op|. Returns 0 (|done| will be
 * called), RIPT_ERR_HTTP_CLOSED (the client is closing), or
 * RIPT_ERR_INVALID_ARGUMENT / RIPT_ERR_NOMEM from building the request.
 * |preq| (may be NULL) receives the request, valid until |done| returns.
 */
int ript_client_req_start(ript_client *client, const ript_client_req_spec *spec,
                          ript_client_req_done_fn done, void *op,
                          ript_client_req **preq);

/* Gives up on |req| before it completes: |done| still follows, from the
 * loop, with the request failed. */
void ript_client_req_cancel(ript_client_req *req);

/* Frees the client once it is closing, its HTTP client has closed and no
 * request timer is open; then calls its on_closed. */
void ript_client_maybe_free(ript_client *client);

/* Frees a request that |done| kept. */
void ript_client_req_release(ript_client_req *req);

/* Fills |res| from a finished request. The strings stay valid as long as
 * |req|. */
void ript_client_req_result(const ript_client_req *req,
                            ript_client_result *res);

/* Marks |res| as a response the client cannot use after reading |what|
 * failed with |rv|: RIPT_ERR_NOMEM stays that; anything else is
 * RIPT_ERR_PARSE with where it went wrong (|perr| may be NULL). */
void ript_client_result_unusable(ript_client_result *res, int rv,
                                 const char *what,
                                 const ript_parse_error *perr);

/* Fills |res| for a failure before any request of the operation could be
 * made or after it completed: |code| about METHOD URL. */
void ript_client_result_local(ript_client_result *res, int code,
                              const char *method, const char *url);

/* A server refused the client's token (401): OAuth fetches a new one. */
void ript_client_token_refused(ript_client *client);

/* Closes the OAuth timer and wipes its secrets (ript_client_close). */
void ript_client_oauth_close(ript_client *client);

/* Nonzero if |uri| is an https URI (ript_uri_parse, no query). */
int ript_client_uri_ok(const char *uri);

#endif /* RIPT_CLIENT_INTERNAL_H */

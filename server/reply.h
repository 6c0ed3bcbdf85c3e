/*
 * server/reply.h - a request as riptd's resources see it, and the response
 * they build: no sockets, so the router and every resource can be driven
 * by unit tests. front.c turns exchanges into these and back.
 */
#ifndef RIPTD_REPLY_H
#define RIPTD_REPLY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/http.h"

/* A complete request; every pointer is valid for the call that gets it. */
typedef struct riptd_request {
  const char *method;
  const char *path; /* as sent, query included */
  const ript_http_header *headers; /* names lower-case */
  size_t nheaders;
  const uint8_t *body;
  size_t body_len;
  int64_t now_ms; /* the wall clock, Unix milliseconds */
} riptd_request;

/* The first value of header |name| (lower-case), or NULL. */
const char *riptd_request_header(const riptd_request *req, const char *name);

/* Nonzero if the request has no Content-Type or its media type (without
 * parameters, case-insensitive) is |type|. */
int riptd_request_content_type_is(const riptd_request *req, const char *type);

/* How deep the JSON text in |body| nests arrays and objects (brackets
 * inside strings do not count); the text need not be valid JSON. */
size_t riptd_json_depth(const uint8_t *body, size_t len);

enum { RIPTD_RESPONSE_MAX_HEADERS = 6 };

/* A response: status, header fields (names and values owned), body. */
typedef struct riptd_response {
  int status;
  ript_http_header headers[RIPTD_RESPONSE_MAX_HEADERS];
  size_t nheaders;
  ript_buf body;
} riptd_response;

void riptd_response_init(riptd_response *r);
/* Frees the fields and the body; |r| is empty again. */
void riptd_response_free(riptd_response *r);
/* The value of header |name|, or NULL. */
const char *riptd_response_header(const riptd_response *r, const char *name);

/* Adds a header field (both strings copied). Returns 0, RIPT_ERR_NOMEM or
 * RIPT_ERR_LIMIT (no room, a bug in riptd). */
int riptd_response_add(riptd_response *r, const char *name,
                       const char *value);

/*
 * Replaces whatever |r| held with status |status|, the header fields
 * Content-Type |content_type| (NULL: none) and the body |body| (|len|
 * bytes). On failure the response becomes a 500 fault (riptd_reply_fault).
 * Returns 0 or RIPT_ERR_NOMEM.
 */
int riptd_reply(riptd_response *r, int status, const char *content_type,
                const void *body, size_t len);

/*
 * Replaces whatever |r| held with an error document (docs/PROTOCOL.md 4.7):
 * status |status|, the token |error| ([a-z0-9-]) and the reason sentence
 * formatted from |fmt| (bytes that are not printable ASCII become '?', so
 * echoing a request's bytes is safe). Returns 0 or RIPT_ERR_NOMEM (the
 * response is then a fault).
 */
int riptd_reply_error(riptd_response *r, int status, const char *error,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* riptd_reply_error with one header field more, |name|: |value| (an Allow,
 * WWW-Authenticate or Retry-After). Returns 0 or RIPT_ERR_NOMEM (the
 * response is then a fault). */
int riptd_reply_error_with(riptd_response *r, int status, const char *error,
                           const char *name, const char *value,
                           const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Appends to |out| the error document (docs/PROTOCOL.md 4.7) for |status|,
 * |error| and the reason formatted from |fmt| and |ap|, sanitised as
 * riptd_reply_error says. Used for plain responses and for byways that
 * answer on their own exchange. Returns 0 or RIPT_ERR_NOMEM.
 */
int riptd_error_body(ript_buf *out, int status, const char *error,
                     const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/*
 * Answers |status| with the JSON document |body|; a 201 also names the new
 * resource |uri| in Location. On failure the response is a fault naming
 * |what|.
 */
void riptd_reply_doc(riptd_response *r, int status, const ript_buf *uri,
                     const ript_buf *body, const char *what);

/* Replaces whatever |r| held with 500 "internal-error" naming |what|. */
void riptd_reply_fault(riptd_response *r, const char *what);

/* How long a client waits before it asks again when the store is
 * unavailable (Retry-After, seconds). */
#define RIPTD_STORE_RETRY_AFTER_S 1

/*
 * Answers the failure |rv| of a store operation (store.h) that was to
 * |what| ("store the handler"): RIPTD_STORE_UNAVAILABLE is 503
 * "store-unavailable" with Retry-After, anything else a 500 fault.
 */
void riptd_reply_store_failure(riptd_response *r, int rv, const char *what);

/* ---- the context a resource answers in ---- */

struct riptd_app;
struct riptd_customer;
struct riptd_tg_conf;

enum { RIPTD_CTX_ID_MAX = 128 }; /* the longest path segment routed */

/*
 * One request on its way through a resource. The router makes it
 * (riptd_router_handle) and hands it to the resource, which fills |resp|
 * and then calls riptd_ctx_done exactly once: before it returns, or later
 * from the loop once its store operations completed. |req| and |resp| are
 * the caller's and stay valid until then.
 */
typedef struct riptd_ctx {
  struct riptd_app *app;
  const riptd_request *req;
  riptd_response *resp;
  const struct riptd_customer *customer; /* NULL: the resource needs no
                                            token */
  const struct riptd_tg_conf *tg;        /* the {tg} of the path, or NULL */
  const char *id; /* the {id}, {serial} or {uuid} of the path, or NULL */
  /* private */
  void (*done)(void *data);
  void *done_data;
  char idbuf[RIPTD_CTX_ID_MAX + 1];
} riptd_ctx;

/* The answer in |ctx->resp| is complete: tells whoever waits for it and
 * frees |ctx|. */
void riptd_ctx_done(riptd_ctx *ctx);

/* |size| zeroed bytes for what a resource keeps while the store works, or
 * NULL after answering 500 and riptd_ctx_done. */
void *riptd_ctx_alloc(riptd_ctx *ctx, size_t size);

#endif /* RIPTD_REPLY_H */

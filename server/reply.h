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

#endif /* RIPTD_REPLY_H */

/* Requests and responses as riptd's resources see them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reply.h"
#include "ript/doc.h"
#include "store.h"

/* The body of a fault when even an error document cannot be built. */
static const char reply_fault_body[] =
    "{\n  \"status\": 500,\n  \"error\": \"internal-error\",\n"
    "  \"reason\": \"riptd ran out of memory\"\n}";

const char *riptd_request_header(const riptd_request *req, const char *name) {
  for (size_t i = 0; i < req->nheaders; ++i)
    if (strcasecmp(req->headers[i].name, name) == 0)
      return req->headers[i].value;
  return NULL;
}

int riptd_request_content_type_is(const riptd_request *req,
                                  const char *type) {
  const char *ct = riptd_request_header(req, "content-type");
  if (!ct)
    return 1;
  while (*ct == ' ' || *ct == '\t')
    ++ct;
  size_t len = strcspn(ct, ";");
  while (len && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
    --len;
  return len == strlen(type) && strncasecmp(ct, type, len) == 0;
}

void riptd_response_init(riptd_response *r) {
  memset(r, 0, sizeof(*r));
  ript_buf_init(&r->body, NULL);
}

static void reply_clear_headers(riptd_response *r) {
  for (size_t i = 0; i < r->nheaders; ++i) {
    free((char *)(uintptr_t)r->headers[i].name);
    free((char *)(uintptr_t)r->headers[i].value);
  }
  r->nheaders = 0;
}

void riptd_response_free(riptd_response *r) {
  reply_clear_headers(r);
  ript_buf_free(&r->body);
  riptd_response_init(r);
}

const char *riptd_response_header(const riptd_response *r, const char *name) {
  for (size_t i = 0; i < r->nheaders; ++i)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return r->headers[i].value;
  return NULL;
}

int riptd_response_add(riptd_response *r, const char *name,
                       const char *value) {
  if (r->nheaders == RIPTD_RESPONSE_MAX_HEADERS)
    return RIPT_ERR_LIMIT;
  char *n = strdup(name), *v = strdup(value);
  if (!n || !v) {
    free(n);
    free(v);
    return RIPT_ERR_NOMEM;
  }
  r->headers[r->nheaders].name = n;
  r->headers[r->nheaders].value = v;
  ++r->nheaders;
  return 0;
}

void riptd_reply_fault(riptd_response *r, const char *what) {
  reply_clear_headers(r);
  ript_buf_reset(&r->body);
  r->status = 500;
  ript_doc_error doc;
  ript_doc_error_init(&doc);
  doc.status = 500;
  doc.error = "internal-error";
  doc.reason = what;
  if (ript_doc_error_write(&doc, &r->body) != 0) {
    ript_buf_reset(&r->body);
    if (ript_buf_append_str(&r->body, reply_fault_body) != 0)
      return;
  }
  if (riptd_response_add(r, "content-type", "application/json") != 0)
    ript_buf_reset(&r->body);
}

int riptd_reply(riptd_response *r, int status, const char *content_type,
                const void *body, size_t len) {
  reply_clear_headers(r);
  ript_buf_reset(&r->body);
  r->status = status;
  if ((content_type &&
       riptd_response_add(r, "content-type", content_type) != 0) ||
      (len && ript_buf_append(&r->body, body, len) != 0)) {
    riptd_reply_fault(r, "riptd ran out of memory");
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

int riptd_error_body(ript_buf *out, int status, const char *error,
                     const char *fmt, va_list ap) {
  char reason[1024];
  vsnprintf(reason, sizeof(reason), fmt, ap);
  for (char *p = reason; *p; ++p)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
      *p = '?';
  ript_doc_error doc;
  ript_doc_error_init(&doc);
  doc.status = status;
  doc.error = error;
  doc.reason = reason;
  return ript_doc_error_write(&doc, out);
}

static int reply_verror(riptd_response *r, int status, const char *error,
                        const char *name, const char *value, const char *fmt,
                        va_list ap) {
  ript_buf body;
  ript_buf_init(&body, NULL);
  int rv = riptd_error_body(&body, status, error, fmt, ap);
  if (rv == 0)
    rv = riptd_reply(r, status, "application/json", body.data, body.len);
  else
    riptd_reply_fault(r, "riptd could not write an error document");
  ript_buf_free(&body);
  if (rv == 0 && name && (rv = riptd_response_add(r, name, value)) != 0)
    riptd_reply_fault(r, "riptd ran out of memory");
  return rv == 0 ? 0 : RIPT_ERR_NOMEM;
}

int riptd_reply_error(riptd_response *r, int status, const char *error,
                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rv = reply_verror(r, status, error, NULL, NULL, fmt, ap);
  va_end(ap);
  return rv;
}

int riptd_reply_error_with(riptd_response *r, int status, const char *error,
                           const char *name, const char *value,
                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rv = reply_verror(r, status, error, name, value, fmt, ap);
  va_end(ap);
  return rv;
}

void riptd_reply_doc(riptd_response *r, int status, const ript_buf *uri,
                     const ript_buf *body, const char *what) {
  int rv = riptd_reply(r, status, "application/json", body->data, body->len);
  if (rv == 0 && status == 201)
    rv = riptd_response_add(r, "location", (const char *)uri->data);
  if (rv != 0)
    riptd_reply_fault(r, what);
}

void riptd_reply_store_failure(riptd_response *r, int rv, const char *what) {
  char after[16];
  if (rv != RIPTD_STORE_UNAVAILABLE) {
    char fault[160];
    snprintf(fault, sizeof(fault), "riptd could not %s", what);
    riptd_reply_fault(r, fault);
    return;
  }
  snprintf(after, sizeof(after), "%d", RIPTD_STORE_RETRY_AFTER_S);
  riptd_reply_error_with(r, 503, "store-unavailable", "retry-after", after,
                         "riptd could not %s: its store is unavailable now; "
                         "retry after %s s",
                         what, after);
}

void riptd_ctx_done(riptd_ctx *ctx) {
  void (*done)(void *) = ctx->done;
  void *data = ctx->done_data;
  free(ctx);
  done(data);
}

void *riptd_ctx_alloc(riptd_ctx *ctx, size_t size) {
  void *p = calloc(1, size);
  if (p)
    return p;
  riptd_reply_fault(ctx->resp, "riptd ran out of memory");
  riptd_ctx_done(ctx);
  return NULL;
}

size_t riptd_json_depth(const uint8_t *body, size_t len) {
  size_t depth = 0, most = 0;
  int in_string = 0, escaped = 0;
  for (size_t i = 0; i < len; ++i) {
    uint8_t c = body[i];
    if (in_string) {
      if (escaped)
        escaped = 0;
      else if (c == '\\')
        escaped = 1;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > most)
        most = depth;
    } else if ((c == ']' || c == '}') && depth) {
      --depth;
    }
  }
  return most;
}

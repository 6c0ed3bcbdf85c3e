/* The error document: the body of every 4xx/5xx response riptd sends. */
#include <string.h>

#include "doc_json.h"

#define ERROR_TOKEN_MAX 64

static const char ERROR_EXP_STATUS[] =
    "\"status\" as an integer HTTP status 400..599";
static const char ERROR_EXP_ERROR[] =
    "\"error\" as a token of 1..64 of a-z 0-9 -";
static const char ERROR_EXP_REASON[] = "\"reason\" as a non-empty string";

void ript_doc_error_init(ript_doc_error *e) { memset(e, 0, sizeof(*e)); }

void ript_doc_error_free(ript_doc_error *e) {
  if (!e)
    return;
  ript_doc_store_free(&e->store);
  ript_doc_error_init(e);
}

/* Lowercase only, so a token compares with strcmp. */
static int error_is_token(const char *s) {
  size_t n = 0;
  for (; s[n]; ++n) {
    char c = s[n];
    if (n == ERROR_TOKEN_MAX ||
        !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return 0;
  }
  return n > 0;
}

static int error_status_ok(int64_t status) {
  return status >= 400 && status <= 599;
}

static int error_check(const ript_doc_in *in, const ript_doc_error *e) {
  ript_doc_at at_status = {&ript_doc_at_root, "status", 0};
  ript_doc_at at_error = {&ript_doc_at_root, "error", 0};
  ript_doc_at at_reason = {&ript_doc_at_root, "reason", 0};
  if (!error_status_ok(e->status))
    return ript_doc_fail(in, &at_status, ERROR_EXP_STATUS);
  if (!e->error || !error_is_token(e->error))
    return ript_doc_fail(in, &at_error, ERROR_EXP_ERROR);
  return ript_doc_check_string(in, &at_reason, e->reason,
                               RIPT_DOC_CHECK_REQUIRED |
                                   RIPT_DOC_CHECK_NONEMPTY,
                               ERROR_EXP_REASON);
}

static int error_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_error *e = doc;
  const ript_doc_at *at = &ript_doc_at_root;
  ript_doc_at at_status = {at, "status", 0};
  int64_t status = 0;
  int rv = ript_doc_get_int(in, root, at, "status", ERROR_EXP_STATUS, &status);
  if (rv < 0)
    return rv;
  if (!error_status_ok(status))
    return ript_doc_fail(in, &at_status, ERROR_EXP_STATUS);
  e->status = (int)status;
  rv = ript_doc_get_string(in, root, at, "error", ERROR_EXP_ERROR, &e->error);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "reason", ERROR_EXP_REASON,
                             &e->reason);
  return rv != 0 ? rv : error_check(in, e);
}

int ript_doc_error_parse(ript_doc_error *e, const char *json, size_t len,
                         size_t max_len, ript_parse_error *err,
                         const ript_mem *mem) {
  if (!e)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_error_init(e);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &e->store,
                          error_extract, e);
  if (rv != 0)
    ript_doc_error_init(e);
  return rv;
}

int ript_doc_error_write(const ript_doc_error *e, ript_buf *out) {
  if (!e || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = error_check(NULL, e);
  if (rv != 0)
    return rv;
  return ript_doc_dump(json_pack("{s:i, s:s, s:s}", "status", e->status,
                                 "error", e->error, "reason", e->reason),
                       out);
}

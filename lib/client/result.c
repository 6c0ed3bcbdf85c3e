/* Results of operations, and the one line that tells a person about one. */
#include <string.h>

#include "client_internal.h"
#include "ript/uri.h"

void ript_client_req_result(const ript_client_req *req,
                            ript_client_result *res) {
  memset(res, 0, sizeof(*res));
  res->code = req->code;
  res->status = req->status;
  res->method = req->method;
  res->url = req->url;
  res->error = req->error_doc.error;
  res->reason = req->error_doc.reason;
  res->timed_out = req->timed_out;
  res->timeout_ms = req->client->timeout_ms;
}

void ript_client_result_unusable(ript_client_result *res, int rv,
                                 const char *what,
                                 const ript_parse_error *perr) {
  if (rv == RIPT_ERR_NOMEM) {
    res->code = rv;
    return;
  }
  res->code = RIPT_ERR_PARSE;
  res->what = what;
  if (perr)
    res->parse = *perr;
}

void ript_client_result_local(ript_client_result *res, int code,
                              const char *method, const char *url) {
  memset(res, 0, sizeof(*res));
  res->code = code;
  res->method = method;
  res->url = url;
}

/* Appends the authority of |url| ("host:port"), or the URL itself. */
static int result_authority(ript_buf *out, const char *url, int host_only) {
  ript_uri_parts parts;
  if (!url || ript_uri_parse(url, strlen(url), RIPT_URI_FLAG_QUERY, &parts,
                             NULL) != 0)
    return ript_buf_append_str(out, url ? url : "the server");
  if (host_only)
    return ript_buf_append(out, url + parts.host_off, parts.host_len);
  return ript_buf_append(out, url + parts.authority_off, parts.authority_len);
}

static int result_status(const ript_client_result *res, ript_buf *out) {
  int rv = ript_buf_printf(out, "%d", res->status);
  if (rv == 0 && res->error)
    rv = ript_buf_printf(out, " %s", res->error);
  if (rv == 0 && res->reason)
    rv = ript_buf_append_str(out, ": ");
  if (rv == 0 && res->reason)
    rv = ript_buf_append_printable(out, res->reason);
  if (rv == 0 && !res->reason)
    rv = ript_buf_append_str(out, " (the response has no error document)");
  return rv;
}

static int result_unreachable(const ript_client_result *res,
                              ript_http_version version, ript_buf *out) {
  if (res->timed_out) {
    int rv = ript_buf_append_str(out, "no answer from ");
    if (rv == 0)
      rv = result_authority(out, res->url, 0);
    if (rv == 0)
      rv = ript_buf_printf(out, " within %llu ms",
                           (unsigned long long)res->timeout_ms);
    return rv;
  }
  int rv = ript_buf_append_str(out, "cannot reach ");
  if (rv == 0)
    rv = result_authority(out, res->url, 0);
  if (rv == 0)
    rv = ript_buf_printf(out,
                         " over HTTP/%d: no server answered there, or the "
                         "connection was lost",
                         version == RIPT_HTTP_2 ? 2 : 3);
  return rv;
}

static int result_tls(const ript_client_result *res, ript_buf *out) {
  int rv = ript_buf_append_str(out, "TLS with ");
  if (rv == 0)
    rv = result_authority(out, res->url, 0);
  if (rv == 0)
    rv = ript_buf_append_str(out, " failed: its certificate is not trusted "
                                  "here or does not name ");
  if (rv == 0)
    rv = result_authority(out, res->url, 1);
  return rv;
}

static int result_unusable(const ript_client_result *res, ript_buf *out) {
  if (!res->parse.expected)
    return ript_buf_printf(out, "the response has no valid %s",
                           res->what ? res->what : "body");
  return ript_buf_printf(out,
                         "the %s in the response is not valid: at byte %zu "
                         "expected %s",
                         res->what ? res->what : "body", res->parse.offset,
                         res->parse.expected);
}

static int result_problem(const ript_client_result *res,
                          ript_http_version version, ript_buf *out) {
  switch (res->code) {
  case 0:
    return ript_buf_printf(out, "%d", res->status);
  case RIPT_ERR_HTTP_STATUS:
    return result_status(res, out);
  case RIPT_ERR_HTTP_CLOSED:
    return result_unreachable(res, version, out);
  case RIPT_ERR_HTTP_TLS:
    return result_tls(res, out);
  case RIPT_ERR_HTTP_RESET:
    return ript_buf_append_str(out, "the server reset the request");
  case RIPT_ERR_LIMIT:
    return ript_buf_printf(out, "the response is larger than %d bytes",
                           RIPT_CLIENT_BODY_MAX);
  case RIPT_ERR_PARSE:
    return result_unusable(res, out);
  case RIPT_ERR_MISMATCH:
    return ript_buf_append_str(out, res->what ? res->what
                                              : "the response does not match "
                                                "the request");
  default:
    return ript_buf_append_str(out, ript_strerror(res->code));
  }
}

int ript_client_result_describe(const ript_client_result *res,
                                ript_http_version version, ript_buf *out) {
  if (!res || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t len = out->len;
  int rv = 0;
  if (res->method && res->url)
    rv = ript_buf_printf(out, "%s %s: ", res->method, res->url);
  if (rv == 0)
    rv = result_problem(res, version, out);
  if (rv != 0 && out->data) {
    out->len = len;
    out->data[len] = '\0';
  }
  return rv;
}

/* Call request and call description (§8.7, §9.8). */
#include <string.h>

#include "doc_json.h"
#include "ript/dest.h"
#include "ript/uri.h"

static const char CALL_EXP_HANDLER[] = "\"handler\" as an https URI string";
static const char CALL_EXP_DESTINATION[] =
    "\"destination\" as an E.164 number or local@domain string";
static const char CALL_EXP_PASSPORT[] =
    "\"passport\" as a compact JWS string (three base64url parts)";
static const char CALL_EXP_URI[] =
    "\"uri\" as an https URI string with a UUID path segment";
static const char CALL_EXP_DIRECTION[] = "\"direction\" as \"outbound\"";
static const char CALL_EXP_FROM[] =
    "\"from\" as an E.164 number or local@domain string";
static const char CALL_EXP_TO[] =
    "\"to\" as an E.164 number or local@domain string";
static const char CALL_EXP_CLIENT_DIRECTIVES[] =
    "\"clientDirectives\" as a string";
static const char CALL_EXP_SERVER_DIRECTIVES[] =
    "\"serverDirectives\" as a string";
static const char CALL_EXP_STATE[] =
    "\"state\" as one of \"proceeding\", \"alerting\", \"answered\", "
    "\"declined\", \"failed\", \"noanswer\", \"ended\"";

static const char *const call_state_names[] = {
    "proceeding", "alerting", "answered", "declined",
    "failed",     "noanswer", "ended"};

#define CALL_NSTATES (sizeof(call_state_names) / sizeof(call_state_names[0]))

const char *ript_doc_call_state_name(ript_doc_call_state state) {
  return (unsigned)state < CALL_NSTATES ? call_state_names[state] : NULL;
}

/* Replaces the parsed string |*field| with the normalized |norm|: a
 * normalized destination is never longer than what was sent. */
static int call_store_dest(const ript_doc_in *in, const char **field,
                           const char *norm) {
  if (!in || strcmp(*field, norm) == 0)
    return 0;
  const char *copy = ript_doc_store_strdup(in->store, norm);
  if (!copy)
    return RIPT_ERR_NOMEM;
  *field = copy;
  return 0;
}

/* --- Call request ---------------------------------------------------------- */

void ript_doc_call_request_init(ript_doc_call_request *req) {
  memset(req, 0, sizeof(*req));
}

void ript_doc_call_request_free(ript_doc_call_request *req) {
  if (!req)
    return;
  ript_doc_store_free(&req->store);
  ript_doc_call_request_init(req);
}

/* RFC 7515 §7.1 compact serialization: header.payload.signature, each a
 * non-empty base64url string without padding. */
static int call_is_compact_jws(const char *s) {
  size_t parts = 0;
  size_t run = 0;
  for (;; ++s) {
    char c = *s;
    if (c == '.' || c == '\0') {
      if (run == 0 || ++parts > 3)
        return 0;
      if (c == '\0')
        return parts == 3;
      run = 0;
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || c == '-' || c == '_') {
      ++run;
    } else {
      return 0;
    }
  }
}

/* Checks |req| and, for a parse, stores the normalized destination. */
static int call_request_check(const ript_doc_in *in,
                              const ript_doc_call_request *req, char *norm) {
  ript_doc_at at_handler = {&ript_doc_at_root, "handler", 0};
  ript_doc_at at_dest = {&ript_doc_at_root, "destination", 0};
  ript_doc_at at_passport = {&ript_doc_at_root, "passport", 0};
  int rv = ript_doc_check_uri(in, &at_handler, req->handler, 1, 0,
                              CALL_EXP_HANDLER);
  if (rv == 0)
    rv = ript_doc_check_dest(in, &at_dest, req->destination, norm,
                             CALL_EXP_DESTINATION);
  if (rv == 0 && (!req->passport || !call_is_compact_jws(req->passport)))
    rv = ript_doc_fail(in, &at_passport, CALL_EXP_PASSPORT);
  return rv;
}

static int call_request_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_call_request *req = doc;
  const ript_doc_at *at = &ript_doc_at_root;
  char norm[RIPT_DEST_MAX_LEN + 1];
  int rv = ript_doc_get_string(in, root, at, "handler", CALL_EXP_HANDLER,
                               &req->handler);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "destination",
                             CALL_EXP_DESTINATION, &req->destination);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "passport", CALL_EXP_PASSPORT,
                             &req->passport);
  if (rv == 0)
    rv = call_request_check(in, req, norm);
  if (rv == 0)
    rv = call_store_dest(in, &req->destination, norm);
  return rv;
}

int ript_doc_call_request_parse(ript_doc_call_request *req, const char *json,
                                size_t len, size_t max_len,
                                ript_parse_error *err, const ript_mem *mem) {
  if (!req)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_call_request_init(req);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &req->store,
                          call_request_extract, req);
  if (rv != 0)
    ript_doc_call_request_init(req);
  return rv;
}

int ript_doc_call_request_write(const ript_doc_call_request *req,
                                ript_buf *out) {
  if (!req || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  char norm[RIPT_DEST_MAX_LEN + 1];
  int rv = call_request_check(NULL, req, norm);
  if (rv != 0)
    return rv;
  return ript_doc_dump(json_pack("{s:s, s:s, s:s}", "handler", req->handler,
                                 "destination", norm, "passport",
                                 req->passport),
                       out);
}

/* --- Call description ------------------------------------------------------ */

void ript_doc_call_init(ript_doc_call *call) {
  memset(call, 0, sizeof(*call));
}

void ript_doc_call_free(ript_doc_call *call) {
  if (!call)
    return;
  ript_doc_store_free(&call->store);
  ript_doc_call_init(call);
}

static int call_check_uri(const ript_doc_in *in, const ript_doc_at *at,
                          const char *uri) {
  if (!uri || ript_uri_call_uuid(uri, strlen(uri), NULL, NULL) != 0)
    return ript_doc_fail(in, at, CALL_EXP_URI);
  return 0;
}

/* Checks |call|; the normalized parties go to |from| and |to|. */
static int call_check(const ript_doc_in *in, const ript_doc_call *call,
                      char *from, char *to) {
  const ript_doc_at *root = &ript_doc_at_root;
  ript_doc_at at_uri = {root, "uri", 0};
  ript_doc_at at_handler = {root, "handler", 0};
  ript_doc_at at_from = {root, "from", 0};
  ript_doc_at at_to = {root, "to", 0};
  ript_doc_at at_cd = {root, "clientDirectives", 0};
  ript_doc_at at_sd = {root, "serverDirectives", 0};
  ript_doc_at at_state = {root, "state", 0};
  int rv = call_check_uri(in, &at_uri, call->uri);
  if (rv == 0)
    rv = ript_doc_check_uri(in, &at_handler, call->handler, 1, 0,
                            CALL_EXP_HANDLER);
  if (rv == 0)
    rv = ript_doc_check_dest(in, &at_from, call->from, from, CALL_EXP_FROM);
  if (rv == 0)
    rv = ript_doc_check_dest(in, &at_to, call->to, to, CALL_EXP_TO);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_cd, call->client_directives,
                               RIPT_DOC_CHECK_REQUIRED,
                               CALL_EXP_CLIENT_DIRECTIVES);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_sd, call->server_directives, 0,
                               CALL_EXP_SERVER_DIRECTIVES);
  if (rv == 0 && !ript_doc_call_state_name(call->state))
    rv = ript_doc_fail(in, &at_state, CALL_EXP_STATE);
  return rv;
}

/* "direction" and "state" are strings in the document but not in the
 * struct: the one has a single legal value, the other is an enum. */
static int call_extract_enums(const ript_doc_in *in, json_t *root,
                              ript_doc_call *call) {
  ript_doc_at at_dir = {&ript_doc_at_root, "direction", 0};
  ript_doc_at at_state = {&ript_doc_at_root, "state", 0};
  json_t *v;
  int rv = ript_doc_get_member(in, root, &ript_doc_at_root, "direction",
                               JSON_STRING, CALL_EXP_DIRECTION, &v);
  if (rv != 0)
    return rv;
  if (!v || strcmp(json_string_value(v), "outbound") != 0)
    return ript_doc_fail(in, &at_dir, CALL_EXP_DIRECTION);
  rv = ript_doc_get_member(in, root, &ript_doc_at_root, "state", JSON_STRING,
                           CALL_EXP_STATE, &v);
  if (rv != 0)
    return rv;
  for (size_t i = 0; v && i < CALL_NSTATES; ++i) {
    if (strcmp(json_string_value(v), call_state_names[i]) == 0) {
      call->state = (ript_doc_call_state)i;
      return 0;
    }
  }
  return ript_doc_fail(in, &at_state, CALL_EXP_STATE);
}

static int call_extract_strings(const ript_doc_in *in, json_t *root,
                                ript_doc_call *call) {
  const ript_doc_at *at = &ript_doc_at_root;
  int rv = ript_doc_get_string(in, root, at, "uri", CALL_EXP_URI, &call->uri);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "handler", CALL_EXP_HANDLER,
                             &call->handler);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "from", CALL_EXP_FROM, &call->from);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "to", CALL_EXP_TO, &call->to);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "clientDirectives",
                             CALL_EXP_CLIENT_DIRECTIVES,
                             &call->client_directives);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "serverDirectives",
                             CALL_EXP_SERVER_DIRECTIVES,
                             &call->server_directives);
  return rv;
}

static int call_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_call *call = doc;
  char from[RIPT_DEST_MAX_LEN + 1];
  char to[RIPT_DEST_MAX_LEN + 1];
  int rv = call_extract_strings(in, root, call);
  if (rv == 0)
    rv = call_extract_enums(in, root, call);
  if (rv == 0)
    rv = call_check(in, call, from, to);
  if (rv == 0)
    rv = call_store_dest(in, &call->from, from);
  if (rv == 0)
    rv = call_store_dest(in, &call->to, to);
  return rv;
}

int ript_doc_call_parse(ript_doc_call *call, const char *json, size_t len,
                        size_t max_len, ript_parse_error *err,
                        const ript_mem *mem) {
  if (!call)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_call_init(call);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &call->store,
                          call_extract, call);
  if (rv != 0)
    ript_doc_call_init(call);
  return rv;
}

int ript_doc_call_write(const ript_doc_call *call, ript_buf *out) {
  if (!call || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  char from[RIPT_DEST_MAX_LEN + 1];
  char to[RIPT_DEST_MAX_LEN + 1];
  int rv = call_check(NULL, call, from, to);
  if (rv != 0)
    return rv;
  return ript_doc_dump(
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s*, s:s}", "uri",
                call->uri, "handler", call->handler, "direction", "outbound",
                "from", from, "to", to, "clientDirectives",
                call->client_directives, "serverDirectives",
                call->server_directives, "state",
                ript_doc_call_state_name(call->state)),
      out);
}

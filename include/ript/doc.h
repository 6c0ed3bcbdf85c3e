/*
 * ript/doc.h - the JSON resource documents of RIPT (draft §8.3-§8.7,
 * §9.2-§9.8): TG list, TG description, consumer TG registration, handler
 * description and list, call request, call description, and the error
 * document of every 4xx/5xx response. docs/PROTOCOL.md appendix A.4 has one complete
 * example of each.
 *
 * Every document has a struct, and
 *   ript_doc_<x>_init(x)                      empties the struct;
 *   ript_doc_<x>_parse(x, json, len, max_len, [role,] err, mem)
 *                                             reads a document into it;
 *   ript_doc_<x>_write(x, [role,] out)        appends the document to |out|;
 *   ript_doc_<x>_free(x)                      frees what a parse allocated.
 *
 * Strings. Every string field is a NUL-terminated UTF-8 string, NULL when
 * the field is absent. After a successful parse they point into memory the
 * struct owns (allocated with the parse's |mem|), valid until _free or the
 * next parse into the same struct. To write a document, the caller fills
 * the fields with its own strings (libript never frees or keeps them) and
 * need not call _free, though doing so after _init is harmless.
 *
 * Parsing. |json| is |len| bytes (need not be NUL-terminated). The struct's
 * previous content is overwritten, not freed. Unknown fields are ignored
 * (forward compatibility); duplicate member names are refused. Errors:
 *   RIPT_ERR_INVALID_ARGUMENT  the struct is NULL, or |json| NULL with |len|
 *                              > 0, or an unknown role;
 *   RIPT_ERR_LIMIT             |len| > |max_len| (0 means
 *                              RIPT_DOC_DEFAULT_MAX_LEN), err->offset =
 *                              |max_len|; or arrays and objects nested more
 *                              than RIPT_DOC_MAX_DEPTH deep, err->offset =
 *                              the bracket that is one too deep;
 *   RIPT_ERR_PARSE             not JSON (err->offset is jansson's position,
 *                              the end of the offending token), or a field
 *                              missing, of the wrong type or with a wrong
 *                              value: err->offset is the start of that value
 *                              (of the enclosing object when it is missing)
 *                              and err->expected names the field, e.g.
 *                              "\"destination\" as an E.164 number or
 *                              local@domain string";
 *   RIPT_ERR_NOMEM             out of memory.
 * |err| may be NULL. On error the struct is left as after _init.
 *
 * Writing. Keys come in the order the struct lists them, pretty-printed by
 * jansson with JSON_INDENT(2) | JSON_PRESERVE_ORDER, no trailing newline, so
 * the bytes are reproducible; optional fields that are NULL are left out.
 * A writer refuses a struct its parser would refuse: errors are
 *   RIPT_ERR_INVALID_ARGUMENT  NULL argument, unknown role, or a field
 *                              missing, not valid UTF-8, or with a wrong
 *                              value;
 *   RIPT_ERR_NOMEM             out of memory.
 * The bytes are appended to |out|; on error |out| is left as it was.
 * Writing then parsing then writing gives the same bytes.
 *
 * Memory. The struct's strings go through the caller's |mem|; jansson's own
 * short-lived tree uses jansson's allocator (json_set_alloc_funcs is process
 * wide, so libript leaves it alone) and its failures also give
 * RIPT_ERR_NOMEM.
 *
 * Thread-safety: functions are reentrant; distinct structs may be used from
 * distinct threads, and a parsed struct may be read from several threads.
 */
#ifndef RIPT_DOC_H
#define RIPT_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"

/* Deepest nesting of arrays and objects a parser accepts (the root object
 * is depth 1; the documents here need 3). */
#define RIPT_DOC_MAX_DEPTH 16
/* Document size limit used when a parser is given |max_len| 0. */
#define RIPT_DOC_DEFAULT_MAX_LEN 65536
/* retry-backoff default and floor: "Its default is 2000, and the client
 * MUST NOT honor values less than 2000" (§9.3). */
#define RIPT_DOC_RETRY_BACKOFF_MIN_MS 2000
/* media-timeout default (§9.3). */
#define RIPT_DOC_MEDIA_TIMEOUT_DEFAULT_MS 5000
/* Longest handler-id. */
#define RIPT_DOC_HANDLER_ID_MAX 128

/* Which side of an exchange a document travels on, for the documents whose
 * request and response forms differ. */
typedef enum ript_doc_role {
  RIPT_DOC_REQUEST = 0, /* client to server (POST / PUT body) */
  RIPT_DOC_RESPONSE = 1 /* server to client (201 / GET body) */
} ript_doc_role;

/* Memory a parse allocated. Private: set by _init and _parse, freed by
 * _free; zero in a struct the caller fills. */
typedef struct ript_doc_store {
  void *chunks_;
  const ript_mem *mem_;
} ript_doc_store;

/* --- Root document: GET {root}, no token needed (docs/PROTOCOL.md 4.0) -- */

/* {"providertgs": "{root}/providertgs", "oauth": "https://AUTHORITY/
 * .well-known/ript-oauth"}: where a client that knows only a domain
 * discovers TGs and starts OAuth. Both required https URIs. */
typedef struct ript_doc_root {
  const char *providertgs;
  const char *oauth;
  ript_doc_store store;
} ript_doc_root;

/* Empties |root|. */
void ript_doc_root_init(ript_doc_root *root);
/* Parses a root document into |root|; errors as at the top of this file. */
int ript_doc_root_parse(ript_doc_root *root, const char *json, size_t len,
                        size_t max_len, ript_parse_error *err,
                        const ript_mem *mem);
/* Appends |root| as JSON to |out|. */
int ript_doc_root_write(const ript_doc_root *root, ript_buf *out);
/* Frees what a parse allocated and empties |root|; NULL is a no-op. */
void ript_doc_root_free(ript_doc_root *root);

/* --- TG list: GET {root}/providertgs (§8.3, §9.2) ----------------------- */

/* One TG of the list: "uri" (required, https), "name" and "description"
 * (optional prose for troubleshooting). */
typedef struct ript_doc_tg_entry {
  const char *uri;
  const char *name;
  const char *description;
} ript_doc_tg_entry;

/* {"tgs": [entry, ...]} with at least one entry ("MUST have one or more TG
 * URI", §9.2). */
typedef struct ript_doc_tg_list {
  const ript_doc_tg_entry *tgs;
  size_t ntgs;
  ript_doc_store store;
} ript_doc_tg_list;

/* Empties |list|. */
void ript_doc_tg_list_init(ript_doc_tg_list *list);
/* Parses a TG list into |list|; errors as at the top of this file (an
 * empty "tgs" is RIPT_ERR_PARSE). */
int ript_doc_tg_list_parse(ript_doc_tg_list *list, const char *json,
                           size_t len, size_t max_len, ript_parse_error *err,
                           const ript_mem *mem);
/* Appends |list| as JSON to |out|; |list->ntgs| must be >= 1. */
int ript_doc_tg_list_write(const ript_doc_tg_list *list, ript_buf *out);
/* Frees what a parse allocated and empties |list|; NULL is a no-op. */
void ript_doc_tg_list_free(ript_doc_tg_list *list);

/* --- TG description: GET {tg} (§8.3, §9.3) ----------------------------- */

/*
 * Keys in order: "uri", "name", "description" (optional strings, "uri" an
 * https URI), "outbound" (required object) holding "origins" (optional, the
 * PEM text of the RFC 8226 certificate of the numbers the server vouches
 * for; absent when the server is no authentication service) and
 * "destinations" (optional pattern list, see ript/dest.h; NULL means "*"),
 * "retry-backoff", "media-timeout" (integers, ms), "advertisement"
 * (optional, non-empty: the server's media capabilities, §6, kept as text).
 *
 * Timers: the struct holds the effective values only. A parser stores
 * 2000 when "retry-backoff" is absent or below 2000 (§9.3: raised to 2000;
 * negative values are refused) and 5000 when "media-timeout" is absent
 * (it must be > 0). A writer always writes both, and refuses a
 * retry_backoff_ms below 2000 or a media_timeout_ms <= 0.
 */
typedef struct ript_doc_tg {
  const char *uri;
  const char *name;
  const char *description;
  const char *origins;
  const char *destinations;
  int64_t retry_backoff_ms;
  int64_t media_timeout_ms;
  const char *advertisement;
  ript_doc_store store;
} ript_doc_tg;

/* Empties |tg| and sets the timers to their defaults (2000, 5000). */
void ript_doc_tg_init(ript_doc_tg *tg);
/* Parses a TG description into |tg|; errors as at the top of this file. */
int ript_doc_tg_parse(ript_doc_tg *tg, const char *json, size_t len,
                      size_t max_len, ript_parse_error *err,
                      const ript_mem *mem);
/* Appends |tg| as JSON to |out|; errors as at the top of this file. */
int ript_doc_tg_write(const ript_doc_tg *tg, ript_buf *out);
/* Frees what a parse allocated and re-inits |tg|; NULL is a no-op. */
void ript_doc_tg_free(ript_doc_tg *tg);

/* --- Consumer TG registration: POST {tg}/consumertgs (§8.4, §9.4) ------ */

/*
 * A TG description (above, "outbound" without "origins": a consumer is no
 * authentication service, §9.4) followed by "consumer-tg" (the consumer's
 * own TG URI: https with a domain name as host, §9.4) and "bearer-token"
 * (the token the provider presents on calls to the consumer; an RFC 6750
 * b64token, so it fits an Authorization header).
 *
 * RIPT_DOC_REQUEST: "consumer-tg" and "bearer-token" required; "uri"
 * optional (the server adds or replaces it, as for handlers, §9.5).
 * RIPT_DOC_RESPONSE: the provider's echo; "uri" (the registration resource)
 * and "consumer-tg" required; "bearer-token" is never written, and ignored
 * when read (secrets are not echoed), so bearer_token is NULL after parse.
 * The store of the whole document is tg.store.
 */
typedef struct ript_doc_consumer_tg {
  ript_doc_tg tg;
  const char *consumer_tg;
  const char *bearer_token;
} ript_doc_consumer_tg;

/* Empties |ctg| (its tg as ript_doc_tg_init()). */
void ript_doc_consumer_tg_init(ript_doc_consumer_tg *ctg);
/* Parses the |role| form into |ctg|; errors as at the top of this file. */
int ript_doc_consumer_tg_parse(ript_doc_consumer_tg *ctg, const char *json,
                               size_t len, size_t max_len, ript_doc_role role,
                               ript_parse_error *err, const ript_mem *mem);
/* Appends the |role| form of |ctg| to |out|; errors as at the top of this
 * file. */
int ript_doc_consumer_tg_write(const ript_doc_consumer_tg *ctg,
                               ript_doc_role role, ript_buf *out);
/* Frees what a parse allocated and re-inits |ctg|; NULL is a no-op. */
void ript_doc_consumer_tg_free(ript_doc_consumer_tg *ctg);

/* --- Handler description: POST {tg}/handlers (§8.5, §9.5, §9.6) -------- */

/*
 * Keys in order: "uri" (https; RIPT_DOC_RESPONSE: required;
 * RIPT_DOC_REQUEST: optional, the server adds or replaces it, §9.5),
 * "handler-id" (1..128 of [A-Za-z0-9._~-], chosen by the client),
 * "advertisement" (non-empty string, kept as text).
 */
typedef struct ript_doc_handler {
  const char *uri;
  const char *handler_id;
  const char *advertisement;
  ript_doc_store store; /* zero in the entries of a handler list */
} ript_doc_handler;

/* Empties |h|. */
void ript_doc_handler_init(ript_doc_handler *h);
/* Parses the |role| form into |h|; errors as at the top of this file. */
int ript_doc_handler_parse(ript_doc_handler *h, const char *json, size_t len,
                           size_t max_len, ript_doc_role role,
                           ript_parse_error *err, const ript_mem *mem);
/* Appends the |role| form of |h| to |out|; errors as at the top of this
 * file. */
int ript_doc_handler_write(const ript_doc_handler *h, ript_doc_role role,
                           ript_buf *out);
/* Frees what a parse allocated and empties |h|; NULL is a no-op. */
void ript_doc_handler_free(ript_doc_handler *h);

/* GET {tg}/handlers: {"handlers": [description, ...]}, each in its
 * response form (with "uri"); the list may be empty. */
typedef struct ript_doc_handler_list {
  const ript_doc_handler *handlers;
  size_t nhandlers;
  ript_doc_store store;
} ript_doc_handler_list;

/* Empties |list|. */
void ript_doc_handler_list_init(ript_doc_handler_list *list);
/* Parses a handler list into |list|; errors as at the top of this file. */
int ript_doc_handler_list_parse(ript_doc_handler_list *list, const char *json,
                                size_t len, size_t max_len,
                                ript_parse_error *err, const ript_mem *mem);
/* Appends |list| as JSON to |out|; errors as at the top of this file. */
int ript_doc_handler_list_write(const ript_doc_handler_list *list,
                                ript_buf *out);
/* Frees what a parse allocated and empties |list|; NULL is a no-op. */
void ript_doc_handler_list_free(ript_doc_handler_list *list);

/* --- Call request: POST {tg}/calls (§8.7, §9.8) ------------------------ */

/*
 * Keys in order, all required: "handler" (https URI of the client's
 * handler), "destination" (see ript/dest.h; a parser stores, and a writer
 * writes, its normalized form), "passport" (a compact JWS: three non-empty
 * base64url segments joined by '.'; checked for syntax only, verifying it
 * is the STIR module's job).
 */
typedef struct ript_doc_call_request {
  const char *handler;
  const char *destination;
  const char *passport;
  ript_doc_store store;
} ript_doc_call_request;

/* Empties |req|. */
void ript_doc_call_request_init(ript_doc_call_request *req);
/* Parses a call request into |req|; errors as at the top of this file. */
int ript_doc_call_request_parse(ript_doc_call_request *req, const char *json,
                                size_t len, size_t max_len,
                                ript_parse_error *err, const ript_mem *mem);
/* Appends |req| as JSON to |out| (the destination normalized); errors as
 * at the top of this file. */
int ript_doc_call_request_write(const ript_doc_call_request *req,
                                ript_buf *out);
/* Frees what a parse allocated and empties |req|; NULL is a no-op. */
void ript_doc_call_request_free(ript_doc_call_request *req);

/* --- Call description: 201 to POST {tg}/calls, GET {call} (§8.7, §9.8) - */

/* The call states a description reports, named after the events of
 * §9.10 ("ended" for a call after "end"). */
typedef enum ript_doc_call_state {
  RIPT_DOC_CALL_PROCEEDING = 0,
  RIPT_DOC_CALL_ALERTING,
  RIPT_DOC_CALL_ANSWERED,
  RIPT_DOC_CALL_DECLINED,
  RIPT_DOC_CALL_FAILED,
  RIPT_DOC_CALL_NOANSWER,
  RIPT_DOC_CALL_ENDED
} ript_doc_call_state;

/* Returns the JSON name of |state| ("proceeding", ...), or NULL if |state|
 * is out of range. */
const char *ript_doc_call_state_name(ript_doc_call_state state);

/*
 * Keys in order: "uri" (the call URI: https with a UUID path segment,
 * §9.8), "handler" (https URI), "direction" (always "outbound", the only
 * direction the draft defines, so the struct has no field for it; a parser
 * refuses any other value), "from", "to" (destinations, normalized as for
 * the call request), "clientDirectives" (string, may be empty: "zero or
 * more" streams), "serverDirectives" (optional: "included only for
 * diagnostic", §8.7), "state". All but serverDirectives are required.
 */
typedef struct ript_doc_call {
  const char *uri;
  const char *handler;
  const char *from;
  const char *to;
  const char *client_directives;
  const char *server_directives;
  ript_doc_call_state state;
  ript_doc_store store;
} ript_doc_call;

/* Empties |call| (state RIPT_DOC_CALL_PROCEEDING). */
void ript_doc_call_init(ript_doc_call *call);
/* Parses a call description into |call|; errors as at the top of this
 * file. */
int ript_doc_call_parse(ript_doc_call *call, const char *json, size_t len,
                        size_t max_len, ript_parse_error *err,
                        const ript_mem *mem);
/* Appends |call| as JSON to |out| (parties normalized); errors as at the
 * top of this file. */
int ript_doc_call_write(const ript_doc_call *call, ript_buf *out);
/* Frees what a parse allocated and empties |call|; NULL is a no-op. */
void ript_doc_call_free(ript_doc_call *call);

/* --- Error document: the body of every 4xx/5xx riptd sends ------------- */

/*
 * Keys in order, all required: "status" (the HTTP status, 400..599),
 * "error" (a short token: 1..64 of [a-z0-9-], e.g. "forbidden"), "reason"
 * (a non-empty human sentence).
 */
typedef struct ript_doc_error {
  int status;
  const char *error;
  const char *reason;
  ript_doc_store store;
} ript_doc_error;

/* Empties |e|. */
void ript_doc_error_init(ript_doc_error *e);
/* Parses an error document into |e|; errors as at the top of this file. */
int ript_doc_error_parse(ript_doc_error *e, const char *json, size_t len,
                         size_t max_len, ript_parse_error *err,
                         const ript_mem *mem);
/* Appends |e| as JSON to |out|; errors as at the top of this file. */
int ript_doc_error_write(const ript_doc_error *e, ript_buf *out);
/* Frees what a parse allocated and empties |e|; NULL is a no-op. */
void ript_doc_error_free(ript_doc_error *e);

/* --- OAuth 2.0 documents a RIPT client reads ---------------------------- */

/*
 * The successful token response of an authorization server's token
 * endpoint (RFC 6749 §5.1). Keys: "access_token" (required; a b64token,
 * so it fits an Authorization header), "token_type" (required; "Bearer",
 * compared case-insensitively), "expires_in" (seconds, 1..2^31-1; -1 when
 * absent), "refresh_token" (a new refresh token, or NULL), "scope" (or
 * NULL). The writer (for servers and tests) writes them in that order.
 */
typedef struct ript_doc_token {
  const char *access_token;
  const char *token_type;
  int64_t expires_in;
  const char *refresh_token;
  const char *scope;
  ript_doc_store store;
} ript_doc_token;

void ript_doc_token_init(ript_doc_token *t);
int ript_doc_token_parse(ript_doc_token *t, const char *json, size_t len,
                         size_t max_len, ript_parse_error *err,
                         const ript_mem *mem);
int ript_doc_token_write(const ript_doc_token *t, ript_buf *out);
void ript_doc_token_free(ript_doc_token *t);

/*
 * Authorization server metadata (RFC 8414 §2), what /.well-known/ript-oauth
 * answers: "issuer" (required, https URI), "token_endpoint" and "jwks_uri"
 * (https URIs, or NULL). Other members are ignored by the parser and not
 * written.
 */
typedef struct ript_doc_oauth_meta {
  const char *issuer;
  const char *token_endpoint;
  const char *jwks_uri;
  ript_doc_store store;
} ript_doc_oauth_meta;

void ript_doc_oauth_meta_init(ript_doc_oauth_meta *m);
int ript_doc_oauth_meta_parse(ript_doc_oauth_meta *m, const char *json,
                              size_t len, size_t max_len,
                              ript_parse_error *err, const ript_mem *mem);
int ript_doc_oauth_meta_write(const ript_doc_oauth_meta *m, ript_buf *out);
void ript_doc_oauth_meta_free(ript_doc_oauth_meta *m);

#endif /* RIPT_DOC_H */

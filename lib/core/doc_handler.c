/* Handler description (§8.5, §9.5, §9.6) and handler list. */
#include <string.h>

#include "doc_json.h"

static const char HANDLER_EXP_URI[] = "\"uri\" as an https URI string";
static const char HANDLER_EXP_ID[] =
    "\"handler-id\" as a string of 1..128 of A-Z a-z 0-9 . _ ~ -";
static const char HANDLER_EXP_ADVERTISEMENT[] =
    "\"advertisement\" as a non-empty string";
static const char HANDLER_EXP_HANDLERS[] =
    "\"handlers\" as an array of handler objects";
static const char HANDLER_EXP_ENTRY[] = "a handler object";

void ript_doc_handler_init(ript_doc_handler *h) { memset(h, 0, sizeof(*h)); }

void ript_doc_handler_free(ript_doc_handler *h) {
  if (!h)
    return;
  ript_doc_store_free(&h->store);
  ript_doc_handler_init(h);
}

/* |at| is the handler object. A request may carry "uri": the server adds
 * or replaces it (§9.5), so only a response needs one. */
static int handler_check(const ript_doc_in *in, const ript_doc_at *at,
                         const ript_doc_handler *h, ript_doc_role role) {
  ript_doc_at at_uri = {at, "uri", 0};
  ript_doc_at at_id = {at, "handler-id", 0};
  ript_doc_at at_adv = {at, "advertisement", 0};
  int rv = ript_doc_check_uri(in, &at_uri, h->uri, role == RIPT_DOC_RESPONSE,
                              0, HANDLER_EXP_URI);
  if (rv == 0)
    rv = ript_doc_check_token(in, &at_id, h->handler_id,
                              RIPT_DOC_HANDLER_ID_MAX, "._~-",
                              HANDLER_EXP_ID);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_adv, h->advertisement,
                               RIPT_DOC_CHECK_REQUIRED |
                                   RIPT_DOC_CHECK_NONEMPTY,
                               HANDLER_EXP_ADVERTISEMENT);
  return rv;
}

static int handler_extract_fields(const ript_doc_in *in, json_t *obj,
                                  const ript_doc_at *at, ript_doc_handler *h) {
  int rv = ript_doc_get_string(in, obj, at, "uri", HANDLER_EXP_URI, &h->uri);
  if (rv == 0)
    rv = ript_doc_get_string(in, obj, at, "handler-id", HANDLER_EXP_ID,
                             &h->handler_id);
  if (rv == 0)
    rv = ript_doc_get_string(in, obj, at, "advertisement",
                             HANDLER_EXP_ADVERTISEMENT, &h->advertisement);
  return rv;
}

struct handler_parse {
  ript_doc_handler *h;
  ript_doc_role role;
};

static int handler_extract(ript_doc_in *in, json_t *root, void *doc) {
  struct handler_parse *p = doc;
  int rv = handler_extract_fields(in, root, &ript_doc_at_root, p->h);
  return rv != 0 ? rv : handler_check(in, &ript_doc_at_root, p->h, p->role);
}

int ript_doc_handler_parse(ript_doc_handler *h, const char *json, size_t len,
                           size_t max_len, ript_doc_role role,
                           ript_parse_error *err, const ript_mem *mem) {
  if (!h || !ript_doc_role_ok(role))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_handler_init(h);
  struct handler_parse p = {h, role};
  int rv = ript_doc_parse(json, len, max_len, err, mem, &h->store,
                          handler_extract, &p);
  if (rv != 0)
    ript_doc_handler_init(h);
  return rv;
}

static json_t *handler_pack(const ript_doc_handler *h) {
  return json_pack("{s:s*, s:s, s:s}", "uri", h->uri, "handler-id",
                   h->handler_id, "advertisement", h->advertisement);
}

int ript_doc_handler_write(const ript_doc_handler *h, ript_doc_role role,
                           ript_buf *out) {
  if (!h || !out || !ript_doc_role_ok(role))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = handler_check(NULL, &ript_doc_at_root, h, role);
  if (rv != 0)
    return rv;
  return ript_doc_dump(handler_pack(h), out);
}

/* --- Handler list ---------------------------------------------------------- */

void ript_doc_handler_list_init(ript_doc_handler_list *list) {
  memset(list, 0, sizeof(*list));
}

void ript_doc_handler_list_free(ript_doc_handler_list *list) {
  if (!list)
    return;
  ript_doc_store_free(&list->store);
  ript_doc_handler_list_init(list);
}

static int handler_list_check(const ript_doc_in *in,
                              const ript_doc_handler_list *list) {
  ript_doc_at at_list = {&ript_doc_at_root, "handlers", 0};
  if (list->nhandlers > 0 && !list->handlers)
    return ript_doc_fail(in, &at_list, HANDLER_EXP_HANDLERS);
  for (size_t i = 0; i < list->nhandlers; ++i) {
    ript_doc_at at_e = {&at_list, NULL, i};
    int rv = handler_check(in, &at_e, &list->handlers[i], RIPT_DOC_RESPONSE);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static int handler_list_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_handler_list *list = doc;
  ript_doc_at at_list = {&ript_doc_at_root, "handlers", 0};
  json_t *arr;
  int rv = ript_doc_get_member(in, root, &ript_doc_at_root, "handlers",
                               JSON_ARRAY, HANDLER_EXP_HANDLERS, &arr);
  if (rv != 0)
    return rv;
  if (!arr)
    return ript_doc_fail(in, &at_list, HANDLER_EXP_HANDLERS);
  size_t n = json_array_size(arr);
  if (n > SIZE_MAX / sizeof(ript_doc_handler))
    return RIPT_ERR_NOMEM;
  ript_doc_handler *hs = NULL;
  if (n > 0 && !(hs = ript_doc_store_alloc(in->store, n * sizeof(*hs))))
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < n; ++i) {
    ript_doc_at at_e = {&at_list, NULL, i};
    json_t *obj = json_array_get(arr, i);
    if (!json_is_object(obj))
      return ript_doc_fail(in, &at_e, HANDLER_EXP_ENTRY);
    rv = handler_extract_fields(in, obj, &at_e, &hs[i]);
    if (rv != 0)
      return rv;
  }
  list->handlers = hs;
  list->nhandlers = n;
  return handler_list_check(in, list);
}

int ript_doc_handler_list_parse(ript_doc_handler_list *list, const char *json,
                                size_t len, size_t max_len,
                                ript_parse_error *err, const ript_mem *mem) {
  if (!list)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_handler_list_init(list);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &list->store,
                          handler_list_extract, list);
  if (rv != 0)
    ript_doc_handler_list_init(list);
  return rv;
}

int ript_doc_handler_list_write(const ript_doc_handler_list *list,
                                ript_buf *out) {
  if (!list || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = handler_list_check(NULL, list);
  if (rv != 0)
    return rv;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < list->nhandlers; ++i) {
    if (json_array_append_new(arr, handler_pack(&list->handlers[i])) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  return ript_doc_dump_wrapped("handlers", arr, out);
}

/* TG list (§9.2), TG description (§9.3), consumer TG registration (§9.4). */
#include <string.h>

#include "doc_json.h"
#include "ript/dest.h"
#include "ript/uri.h"

static const char TG_EXP_TGS[] =
    "\"tgs\" as an array of one or more TG objects";
static const char TG_EXP_ENTRY[] = "a TG object";
static const char TG_EXP_URI[] = "\"uri\" as an https URI string";
static const char TG_EXP_NAME[] = "\"name\" as a string";
static const char TG_EXP_DESCRIPTION[] = "\"description\" as a string";
static const char TG_EXP_OUTBOUND[] = "\"outbound\" as an object";
static const char TG_EXP_ORIGINS[] =
    "\"origins\" as a string holding a PEM certificate";
static const char TG_EXP_NO_ORIGINS[] =
    "no \"origins\" in a consumer TG (it is no authentication service)";
static const char TG_EXP_DESTINATIONS[] =
    "\"destinations\" as a destination pattern list string";
static const char TG_EXP_RETRY[] =
    "\"retry-backoff\" as an integer number of ms, at least 2000";
static const char TG_EXP_MEDIA[] =
    "\"media-timeout\" as a positive integer number of ms";
static const char TG_EXP_ADVERTISEMENT[] =
    "\"advertisement\" as a non-empty string";
static const char TG_EXP_CONSUMER_TG[] =
    "\"consumer-tg\" as an https URI string with a domain name";
static const char TG_EXP_BEARER[] =
    "\"bearer-token\" as an RFC 6750 b64token string";

#define TG_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define TG_PEM_END "-----END CERTIFICATE-----"

/* --- TG list --------------------------------------------------------------- */

void ript_doc_tg_list_init(ript_doc_tg_list *list) {
  memset(list, 0, sizeof(*list));
}

void ript_doc_tg_list_free(ript_doc_tg_list *list) {
  if (!list)
    return;
  ript_doc_store_free(&list->store);
  ript_doc_tg_list_init(list);
}

static int tg_list_check(const ript_doc_in *in, const ript_doc_tg_list *list) {
  ript_doc_at at_tgs = {&ript_doc_at_root, "tgs", 0};
  if (list->ntgs == 0 || !list->tgs)
    return ript_doc_fail(in, &at_tgs, TG_EXP_TGS);
  for (size_t i = 0; i < list->ntgs; ++i) {
    const ript_doc_tg_entry *e = &list->tgs[i];
    ript_doc_at at_e = {&at_tgs, NULL, i};
    ript_doc_at at_uri = {&at_e, "uri", 0};
    ript_doc_at at_name = {&at_e, "name", 0};
    ript_doc_at at_desc = {&at_e, "description", 0};
    int rv = ript_doc_check_uri(in, &at_uri, e->uri, 1, 0, TG_EXP_URI);
    if (rv == 0)
      rv = ript_doc_check_string(in, &at_name, e->name, 0, TG_EXP_NAME);
    if (rv == 0)
      rv = ript_doc_check_string(in, &at_desc, e->description, 0,
                                 TG_EXP_DESCRIPTION);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static int tg_entry_extract(const ript_doc_in *in, json_t *obj,
                            const ript_doc_at *at, ript_doc_tg_entry *e) {
  if (!json_is_object(obj))
    return ript_doc_fail(in, at, TG_EXP_ENTRY);
  int rv = ript_doc_get_string(in, obj, at, "uri", TG_EXP_URI, &e->uri);
  if (rv == 0)
    rv = ript_doc_get_string(in, obj, at, "name", TG_EXP_NAME, &e->name);
  if (rv == 0)
    rv = ript_doc_get_string(in, obj, at, "description", TG_EXP_DESCRIPTION,
                             &e->description);
  return rv;
}

static int tg_list_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_tg_list *list = doc;
  ript_doc_at at_tgs = {&ript_doc_at_root, "tgs", 0};
  json_t *arr;
  int rv = ript_doc_get_member(in, root, &ript_doc_at_root, "tgs", JSON_ARRAY,
                               TG_EXP_TGS, &arr);
  if (rv != 0)
    return rv;
  size_t n = arr ? json_array_size(arr) : 0;
  if (n == 0)
    return ript_doc_fail(in, &at_tgs, TG_EXP_TGS);
  if (n > SIZE_MAX / sizeof(ript_doc_tg_entry))
    return RIPT_ERR_NOMEM;
  ript_doc_tg_entry *tgs =
      ript_doc_store_alloc(in->store, n * sizeof(ript_doc_tg_entry));
  if (!tgs)
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < n; ++i) {
    ript_doc_at at_e = {&at_tgs, NULL, i};
    rv = tg_entry_extract(in, json_array_get(arr, i), &at_e, &tgs[i]);
    if (rv != 0)
      return rv;
  }
  list->tgs = tgs;
  list->ntgs = n;
  return tg_list_check(in, list);
}

int ript_doc_tg_list_parse(ript_doc_tg_list *list, const char *json,
                           size_t len, size_t max_len, ript_parse_error *err,
                           const ript_mem *mem) {
  if (!list)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_tg_list_init(list);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &list->store,
                          tg_list_extract, list);
  if (rv != 0)
    ript_doc_tg_list_init(list);
  return rv;
}

int ript_doc_tg_list_write(const ript_doc_tg_list *list, ript_buf *out) {
  if (!list || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = tg_list_check(NULL, list);
  if (rv != 0)
    return rv;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < list->ntgs; ++i) {
    const ript_doc_tg_entry *e = &list->tgs[i];
    json_t *o = json_pack("{s:s, s:s*, s:s*}", "uri", e->uri, "name",
                          e->name, "description", e->description);
    if (json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  return ript_doc_dump_wrapped("tgs", arr, out);
}

/* --- TG description -------------------------------------------------------- */

void ript_doc_tg_init(ript_doc_tg *tg) {
  memset(tg, 0, sizeof(*tg));
  tg->retry_backoff_ms = RIPT_DOC_RETRY_BACKOFF_MIN_MS;
  tg->media_timeout_ms = RIPT_DOC_MEDIA_TIMEOUT_DEFAULT_MS;
}

void ript_doc_tg_free(ript_doc_tg *tg) {
  if (!tg)
    return;
  ript_doc_store_free(&tg->store);
  ript_doc_tg_init(tg);
}

/* The certificate itself is the STIR module's to decode; here only the PEM
 * armour is checked, so a non-certificate never gets that far. */
static int tg_check_origins(const ript_doc_in *in, const ript_doc_at *at,
                            const char *origins) {
  int rv = ript_doc_check_string(in, at, origins, 0, TG_EXP_ORIGINS);
  if (rv != 0 || !origins)
    return rv;
  const char *begin = strstr(origins, TG_PEM_BEGIN);
  if (!begin || !strstr(begin + strlen(TG_PEM_BEGIN), TG_PEM_END))
    return ript_doc_fail(in, at, TG_EXP_ORIGINS);
  return 0;
}

static int tg_check_destinations(const ript_doc_in *in, const ript_doc_at *at,
                                 const char *dests) {
  int rv = ript_doc_check_string(in, at, dests, 0, TG_EXP_DESTINATIONS);
  if (rv != 0 || !dests)
    return rv;
  if (ript_dest_list_validate(dests, strlen(dests), NULL) != 0)
    return ript_doc_fail(in, at, TG_EXP_DESTINATIONS);
  return 0;
}

static int tg_check_names(const ript_doc_in *in, const ript_doc_tg *tg) {
  ript_doc_at at_uri = {&ript_doc_at_root, "uri", 0};
  ript_doc_at at_name = {&ript_doc_at_root, "name", 0};
  ript_doc_at at_desc = {&ript_doc_at_root, "description", 0};
  int rv = ript_doc_check_uri(in, &at_uri, tg->uri, 0, 0, TG_EXP_URI);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_name, tg->name, 0, TG_EXP_NAME);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_desc, tg->description, 0,
                               TG_EXP_DESCRIPTION);
  return rv;
}

static int tg_check(const ript_doc_in *in, const ript_doc_tg *tg) {
  ript_doc_at at_out = {&ript_doc_at_root, "outbound", 0};
  ript_doc_at at_orig = {&at_out, "origins", 0};
  ript_doc_at at_dest = {&at_out, "destinations", 0};
  ript_doc_at at_retry = {&ript_doc_at_root, "retry-backoff", 0};
  ript_doc_at at_media = {&ript_doc_at_root, "media-timeout", 0};
  ript_doc_at at_adv = {&ript_doc_at_root, "advertisement", 0};
  int rv = tg_check_names(in, tg);
  if (rv == 0)
    rv = tg_check_origins(in, &at_orig, tg->origins);
  if (rv == 0)
    rv = tg_check_destinations(in, &at_dest, tg->destinations);
  if (rv == 0 && tg->retry_backoff_ms < RIPT_DOC_RETRY_BACKOFF_MIN_MS)
    rv = ript_doc_fail(in, &at_retry, TG_EXP_RETRY);
  if (rv == 0 && tg->media_timeout_ms <= 0)
    rv = ript_doc_fail(in, &at_media, TG_EXP_MEDIA);
  if (rv == 0)
    rv = ript_doc_check_string(in, &at_adv, tg->advertisement,
                               RIPT_DOC_CHECK_NONEMPTY, TG_EXP_ADVERTISEMENT);
  return rv;
}

static int tg_extract_outbound(const ript_doc_in *in, json_t *root,
                               ript_doc_tg *tg) {
  ript_doc_at at_out = {&ript_doc_at_root, "outbound", 0};
  json_t *ob;
  int rv = ript_doc_get_member(in, root, &ript_doc_at_root, "outbound",
                               JSON_OBJECT, TG_EXP_OUTBOUND, &ob);
  if (rv != 0)
    return rv;
  if (!ob)
    return ript_doc_fail(in, &at_out, TG_EXP_OUTBOUND);
  rv = ript_doc_get_string(in, ob, &at_out, "origins", TG_EXP_ORIGINS,
                           &tg->origins);
  if (rv == 0)
    rv = ript_doc_get_string(in, ob, &at_out, "destinations",
                             TG_EXP_DESTINATIONS, &tg->destinations);
  return rv;
}

/* Timers: absent takes the default; a retry-backoff below 2000 is raised to
 * 2000 ("MUST NOT honor values less than 2000", §9.3), a negative one is
 * nonsense and refused. */
static int tg_extract_timers(const ript_doc_in *in, json_t *root,
                             ript_doc_tg *tg) {
  ript_doc_at at_retry = {&ript_doc_at_root, "retry-backoff", 0};
  int64_t v;
  int rv = ript_doc_get_int(in, root, &ript_doc_at_root, "retry-backoff",
                            TG_EXP_RETRY, &v);
  if (rv < 0)
    return rv;
  if (rv == 1) {
    if (v < 0)
      return ript_doc_fail(in, &at_retry, TG_EXP_RETRY);
    tg->retry_backoff_ms = v < RIPT_DOC_RETRY_BACKOFF_MIN_MS
                               ? RIPT_DOC_RETRY_BACKOFF_MIN_MS
                               : v;
  }
  rv = ript_doc_get_int(in, root, &ript_doc_at_root, "media-timeout",
                        TG_EXP_MEDIA, &tg->media_timeout_ms);
  return rv < 0 ? rv : 0;
}

static int tg_extract_fields(const ript_doc_in *in, json_t *root,
                             ript_doc_tg *tg) {
  const ript_doc_at *at = &ript_doc_at_root;
  int rv = ript_doc_get_string(in, root, at, "uri", TG_EXP_URI, &tg->uri);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "name", TG_EXP_NAME, &tg->name);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "description", TG_EXP_DESCRIPTION,
                             &tg->description);
  if (rv == 0)
    rv = tg_extract_outbound(in, root, tg);
  if (rv == 0)
    rv = tg_extract_timers(in, root, tg);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, at, "advertisement",
                             TG_EXP_ADVERTISEMENT, &tg->advertisement);
  return rv;
}

static int tg_extract(ript_doc_in *in, json_t *root, void *doc) {
  ript_doc_tg *tg = doc;
  int rv = tg_extract_fields(in, root, tg);
  return rv != 0 ? rv : tg_check(in, tg);
}

int ript_doc_tg_parse(ript_doc_tg *tg, const char *json, size_t len,
                      size_t max_len, ript_parse_error *err,
                      const ript_mem *mem) {
  if (!tg)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_tg_init(tg);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &tg->store,
                          tg_extract, tg);
  if (rv != 0)
    ript_doc_tg_init(tg);
  return rv;
}

static json_t *tg_pack(const ript_doc_tg *tg) {
  return json_pack("{s:s*, s:s*, s:s*, s:{s:s*, s:s*}, s:I, s:I, s:s*}",
                   "uri", tg->uri, "name", tg->name, "description",
                   tg->description, "outbound", "origins", tg->origins,
                   "destinations", tg->destinations, "retry-backoff",
                   (json_int_t)tg->retry_backoff_ms, "media-timeout",
                   (json_int_t)tg->media_timeout_ms, "advertisement",
                   tg->advertisement);
}

int ript_doc_tg_write(const ript_doc_tg *tg, ript_buf *out) {
  if (!tg || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = tg_check(NULL, tg);
  if (rv != 0)
    return rv;
  return ript_doc_dump(tg_pack(tg), out);
}

/* --- Consumer TG registration ---------------------------------------------- */

void ript_doc_consumer_tg_init(ript_doc_consumer_tg *ctg) {
  memset(ctg, 0, sizeof(*ctg));
  ript_doc_tg_init(&ctg->tg);
}

void ript_doc_consumer_tg_free(ript_doc_consumer_tg *ctg) {
  if (!ctg)
    return;
  ript_doc_store_free(&ctg->tg.store);
  ript_doc_consumer_tg_init(ctg);
}

/* RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=". The token ends up in an Authorization header, so
 * nothing else (no CR, LF or space) may get through. */
static int tg_is_b64token(const char *s) {
  size_t n = 0;
  while (s[n] && s[n] != '=' &&
         ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') ||
          (s[n] >= 'A' && s[n] <= 'Z') || strchr("-._~+/", s[n])))
    ++n;
  if (n == 0)
    return 0;
  while (s[n] == '=')
    ++n;
  return s[n] == '\0';
}

static int tg_consumer_check(const ript_doc_in *in,
                             const ript_doc_consumer_tg *ctg,
                             ript_doc_role role) {
  ript_doc_at at_uri = {&ript_doc_at_root, "uri", 0};
  ript_doc_at at_out = {&ript_doc_at_root, "outbound", 0};
  ript_doc_at at_orig = {&at_out, "origins", 0};
  ript_doc_at at_ctg = {&ript_doc_at_root, "consumer-tg", 0};
  ript_doc_at at_bearer = {&ript_doc_at_root, "bearer-token", 0};
  if (ctg->tg.origins)
    return ript_doc_fail(in, &at_orig, TG_EXP_NO_ORIGINS);
  int rv = tg_check(in, &ctg->tg);
  if (rv == 0 && role == RIPT_DOC_RESPONSE && !ctg->tg.uri)
    rv = ript_doc_fail(in, &at_uri, TG_EXP_URI);
  if (rv == 0)
    rv = ript_doc_check_uri(in, &at_ctg, ctg->consumer_tg, 1,
                            RIPT_URI_FLAG_DOMAIN, TG_EXP_CONSUMER_TG);
  if (rv == 0 && role == RIPT_DOC_REQUEST &&
      (!ctg->bearer_token || !tg_is_b64token(ctg->bearer_token)))
    rv = ript_doc_fail(in, &at_bearer, TG_EXP_BEARER);
  return rv;
}

struct tg_consumer_parse {
  ript_doc_consumer_tg *ctg;
  ript_doc_role role;
};

static int tg_consumer_extract(ript_doc_in *in, json_t *root, void *doc) {
  struct tg_consumer_parse *p = doc;
  ript_doc_consumer_tg *ctg = p->ctg;
  int rv = tg_extract_fields(in, root, &ctg->tg);
  if (rv == 0)
    rv = ript_doc_get_string(in, root, &ript_doc_at_root, "consumer-tg",
                             TG_EXP_CONSUMER_TG, &ctg->consumer_tg);
  if (rv == 0 && p->role == RIPT_DOC_REQUEST)
    rv = ript_doc_get_string(in, root, &ript_doc_at_root, "bearer-token",
                             TG_EXP_BEARER, &ctg->bearer_token);
  return rv != 0 ? rv : tg_consumer_check(in, ctg, p->role);
}

int ript_doc_consumer_tg_parse(ript_doc_consumer_tg *ctg, const char *json,
                               size_t len, size_t max_len, ript_doc_role role,
                               ript_parse_error *err, const ript_mem *mem) {
  if (!ctg || !ript_doc_role_ok(role))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_consumer_tg_init(ctg);
  struct tg_consumer_parse p = {ctg, role};
  int rv = ript_doc_parse(json, len, max_len, err, mem, &ctg->tg.store,
                          tg_consumer_extract, &p);
  if (rv != 0)
    ript_doc_consumer_tg_init(ctg);
  return rv;
}

int ript_doc_consumer_tg_write(const ript_doc_consumer_tg *ctg,
                               ript_doc_role role, ript_buf *out) {
  if (!ctg || !out || !ript_doc_role_ok(role))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = tg_consumer_check(NULL, ctg, role);
  if (rv != 0)
    return rv;
  json_t *root = tg_pack(&ctg->tg);
  if (!root)
    return RIPT_ERR_NOMEM;
  rv = ript_doc_set(root, "consumer-tg", json_string(ctg->consumer_tg));
  if (rv == 0 && role == RIPT_DOC_REQUEST)
    rv = ript_doc_set(root, "bearer-token", json_string(ctg->bearer_token));
  if (rv != 0) {
    json_decref(root);
    return rv;
  }
  return ript_doc_dump(root, out);
}

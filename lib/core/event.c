#include <string.h>

#include <jansson.h>

#include "ript/event.h"
#include "rfc3339.h"
#include "ript_mem.h"

/* Which optional members each type carries. */
#define EVENT_HAS_REASON 0x01u
#define EVENT_HAS_URI 0x02u
#define EVENT_HAS_NONCE 0x04u
#define EVENT_HAS_EXTRA 0x08u

typedef struct event_kind {
  const char *name;
  unsigned members;
} event_kind;

static const event_kind event_kinds[RIPT_EVENT_TYPE_COUNT] = {
    [RIPT_EVENT_UNKNOWN] = {NULL, EVENT_HAS_EXTRA},
    [RIPT_EVENT_PROCEEDING] = {"proceeding", 0},
    [RIPT_EVENT_ALERTING] = {"alerting", 0},
    [RIPT_EVENT_ANSWERED] = {"answered", 0},
    [RIPT_EVENT_DECLINED] = {"declined", EVENT_HAS_REASON},
    [RIPT_EVENT_FAILED] = {"failed", EVENT_HAS_REASON},
    [RIPT_EVENT_NOANSWER] = {"noanswer", EVENT_HAS_REASON},
    [RIPT_EVENT_END] = {"end", EVENT_HAS_REASON},
    [RIPT_EVENT_MIGRATE] = {"migrate", EVENT_HAS_URI},
    [RIPT_EVENT_PING] = {"ping", EVENT_HAS_NONCE},
    [RIPT_EVENT_PONG] = {"pong", EVENT_HAS_NONCE},
    [RIPT_EVENT_MEDIA_PANIC] = {"media-panic", 0},
};

/* The members every event has, in their written order. */
static const char *const event_common_keys[] = {"event", "direction",
                                                "timestamp", "call"};

static const char event_https[] = "https://";

void ript_event_init(ript_event *ev) { memset(ev, 0, sizeof(*ev)); }

void ript_event_free(ript_event *ev) {
  if (!ev)
    return;
  ript_mem_free(ev->mem, ev->storage);
  ript_event_init(ev);
}

void ript_event_prepare(ript_event *ev, ript_event_type type,
                        ript_event_dir dir, int64_t now_ms,
                        const char *call_uri) {
  ript_event_init(ev);
  ev->type = type;
  ev->direction = dir;
  ev->timestamp_ms = now_ms;
  ev->call = call_uri;
}

static int event_type_valid(ript_event_type type) {
  return (int)type >= 0 && type < RIPT_EVENT_TYPE_COUNT;
}

const char *ript_event_type_name(ript_event_type type) {
  return event_type_valid(type) ? event_kinds[type].name : NULL;
}

ript_event_type ript_event_type_from_name(const char *name, size_t len) {
  if (!name)
    return RIPT_EVENT_UNKNOWN;
  for (int t = RIPT_EVENT_PROCEEDING; t < RIPT_EVENT_TYPE_COUNT; ++t) {
    const char *known = event_kinds[t].name;
    if (strlen(known) == len && memcmp(known, name, len) == 0)
      return (ript_event_type)t;
  }
  return RIPT_EVENT_UNKNOWN;
}

const char *ript_event_dir_name(ript_event_dir dir) {
  switch (dir) {
  case RIPT_EVENT_DIR_C2S: return "c2s";
  case RIPT_EVENT_DIR_S2C: return "s2c";
  default: return NULL;
  }
}

/* ---- UTF-8 --------------------------------------------------------- */

/* Length of the UTF-8 sequence starting at |s| (at most |len| bytes), or 0
 * if it is invalid: overlong, a surrogate, above U+10FFFF or cut short. The
 * rules are jansson's, so whatever is written here reads back. */
static size_t event_utf8_seq(const uint8_t *s, size_t len) {
  uint8_t b = s[0];
  size_t n;
  uint32_t cp;
  if (b < 0x80)
    return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1Fu;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0Fu;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07u;
  } else {
    return 0;
  }
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((s[i] & 0xC0u) != 0x80u)
      return 0;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

/* Offset of the first invalid UTF-8 byte, or |len| if there is none. */
static size_t event_utf8_invalid_at(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t n = event_utf8_seq(s + i, len - i);
    if (n == 0)
      return i;
    i += n;
  }
  return len;
}

/* Number of characters in |s|, which must be valid UTF-8. */
static size_t event_utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; ++s)
    n += ((uint8_t)*s & 0xC0u) != 0x80u;
  return n;
}

static int event_utf8_valid(const char *s) {
  size_t len = strlen(s);
  return event_utf8_invalid_at((const uint8_t *)s, len) == len;
}

/* ---- Owned copies -------------------------------------------------- */

/* The string members of an event, for copying them in one go. */
#define EVENT_NSTRINGS 6

static void event_string_slots(ript_event *ev,
                               const char **slots[EVENT_NSTRINGS]) {
  slots[0] = &ev->name;
  slots[1] = &ev->call;
  slots[2] = &ev->reason;
  slots[3] = &ev->uri;
  slots[4] = &ev->nonce;
  slots[5] = &ev->extra;
}

/* Makes |dst| a copy of |src| whose strings live in one allocation. A known
 * type's name points at the static table instead. */
static int event_copy_strings(ript_event *dst, const ript_event *src,
                              const ript_mem *mem) {
  ript_event tmp = *src;
  tmp.storage = NULL;
  tmp.mem = mem;
  if (tmp.type != RIPT_EVENT_UNKNOWN)
    tmp.name = NULL;
  const char **slots[EVENT_NSTRINGS];
  event_string_slots(&tmp, slots);
  size_t total = 0;
  for (int i = 0; i < EVENT_NSTRINGS; ++i)
    if (*slots[i])
      total += strlen(*slots[i]) + 1;
  if (total > 0) {
    char *p = ript_mem_malloc(mem, total);
    if (!p) {
      ript_event_init(dst);
      return RIPT_ERR_NOMEM;
    }
    tmp.storage = p;
    for (int i = 0; i < EVENT_NSTRINGS; ++i) {
      if (!*slots[i])
        continue;
      size_t n = strlen(*slots[i]) + 1;
      memcpy(p, *slots[i], n);
      *slots[i] = p;
      p += n;
    }
  }
  if (tmp.type != RIPT_EVENT_UNKNOWN)
    tmp.name = event_kinds[tmp.type].name;
  *dst = tmp;
  return 0;
}

int ript_event_copy(ript_event *dst, const ript_event *src,
                    const ript_mem *mem) {
  if (!dst || !src || !event_type_valid(src->type))
    return RIPT_ERR_INVALID_ARGUMENT;
  return event_copy_strings(dst, src, mem);
}

int ript_event_pong(ript_event *pong, const ript_event *ping, int64_t now_ms,
                    const ript_mem *mem) {
  if (!pong || !ping || ping->type != RIPT_EVENT_PING)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_event tmp;
  ript_event_prepare(&tmp, RIPT_EVENT_PONG, RIPT_EVENT_DIR_S2C, now_ms,
                     ping->call);
  tmp.nonce = ping->nonce;
  return event_copy_strings(pong, &tmp, mem);
}

static int event_str_equal(const char *a, const char *b) {
  if (!a || !b)
    return a == b;
  return strcmp(a, b) == 0;
}

int ript_event_equal(const ript_event *a, const ript_event *b) {
  if (!a || !b)
    return a == b;
  return a->type == b->type &&
         (a->type != RIPT_EVENT_UNKNOWN || event_str_equal(a->name, b->name)) &&
         a->direction == b->direction && a->timestamp_ms == b->timestamp_ms &&
         event_str_equal(a->call, b->call) &&
         event_str_equal(a->reason, b->reason) &&
         event_str_equal(a->uri, b->uri) &&
         event_str_equal(a->nonce, b->nonce) &&
         event_str_equal(a->extra, b->extra);
}

/* ---- JSON output --------------------------------------------------- */

/* Appends |s| as a JSON string, escaping as jansson does so that .extra
 * members and our own members look alike. */
static int event_put_string(ript_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  int rv = ript_buf_append(out, "\"", 1);
  const char *run = s;
  for (; rv == 0 && *s; ++s) {
    uint8_t c = (uint8_t)*s;
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    char esc[6] = {'\\', 0, '0', '0', 0, 0};
    size_t n = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      esc[1] = 'u';
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 0x0F];
      n = 6;
    }
    rv = ript_buf_append(out, run, (size_t)(s - run));
    if (rv == 0)
      rv = ript_buf_append(out, esc, n);
    run = s + 1;
  }
  if (rv == 0)
    rv = ript_buf_append(out, run, (size_t)(s - run));
  if (rv == 0)
    rv = ript_buf_append(out, "\"", 1);
  return rv;
}

/* Appends ,"key":"value". */
static int event_put_member(ript_buf *out, const char *key,
                            const char *value) {
  int rv = ript_buf_append(out, ",", 1);
  if (rv == 0)
    rv = event_put_string(out, key);
  if (rv == 0)
    rv = ript_buf_append(out, ":", 1);
  if (rv == 0)
    rv = event_put_string(out, value);
  return rv;
}

static int event_dump_cb(const char *data, size_t size, void *user_data) {
  return ript_buf_append(user_data, data, size) == 0 ? 0 : -1;
}

static int event_is_common_key(const char *key) {
  for (size_t i = 0; i < sizeof(event_common_keys) / sizeof(*event_common_keys);
       ++i)
    if (strcmp(key, event_common_keys[i]) == 0)
      return 1;
  return 0;
}

/* Appends ,"key":value for every member of |obj| but the common ones. */
static int event_put_extra_members(ript_buf *out, json_t *obj) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    if (event_is_common_key(key))
      continue;
    int rv = ript_buf_append(out, ",", 1);
    if (rv == 0)
      rv = event_put_string(out, key);
    if (rv == 0)
      rv = ript_buf_append(out, ":", 1);
    if (rv != 0)
      return rv;
    if (json_dump_callback(value, event_dump_cb, out,
                           JSON_COMPACT | JSON_ENCODE_ANY) != 0)
      return RIPT_ERR_NOMEM;
  }
  return 0;
}

/* ---- Parsing ------------------------------------------------------- */

static int event_fail(ript_parse_error *err, size_t offset,
                      const char *expected, int rv) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return rv;
}

/* Maps a jansson load failure onto our codes and an offset into |data|. */
static int event_json_error(const json_error_t *je, const uint8_t *data,
                            size_t len, ript_parse_error *err) {
  size_t at = je->position > 0 ? (size_t)je->position - 1 : 0;
  if (at > len)
    at = len;
  switch (json_error_code(je)) {
  case json_error_out_of_memory:
    return RIPT_ERR_NOMEM;
  case json_error_stack_overflow:
    return event_fail(err, at, "JSON nested at most 2048 levels deep",
                      RIPT_ERR_LIMIT);
  case json_error_premature_end_of_input:
    return event_fail(err, len, "the rest of the JSON object",
                      RIPT_ERR_TRUNCATED);
  case json_error_invalid_utf8: {
    size_t bad = event_utf8_invalid_at(data, len);
    return event_fail(err, bad < len ? bad : at, "valid UTF-8",
                      RIPT_ERR_PARSE);
  }
  case json_error_duplicate_key:
    return event_fail(err, at, "a member name not used before in the object",
                      RIPT_ERR_PARSE);
  case json_error_null_character:
    return event_fail(err, at, "a string without \\u0000", RIPT_ERR_PARSE);
  case json_error_end_of_input_expected:
    return event_fail(err, at, "nothing after the JSON object",
                      RIPT_ERR_PARSE);
  case json_error_numeric_overflow:
    return event_fail(err, at, "a number within 64-bit integer/double range",
                      RIPT_ERR_PARSE);
  default:
    return event_fail(err, at, "valid JSON", RIPT_ERR_PARSE);
  }
}

/* The string member |key| of |obj| (NULL when absent and |optional|). */
static int event_get_string(json_t *obj, const char *key, int optional,
                            const char **out, const char *expected,
                            ript_parse_error *err) {
  json_t *value = json_object_get(obj, key);
  if (!value && optional) {
    *out = NULL;
    return 0;
  }
  if (!json_is_string(value))
    return event_fail(err, 0, expected, RIPT_ERR_PARSE);
  *out = json_string_value(value);
  return 0;
}

static int event_uri_ok(const char *uri) {
  size_t n = sizeof(event_https) - 1;
  for (size_t i = 0; i < n; ++i) {
    char c = uri[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != event_https[i])
      return 0;
  }
  return uri[n] != '\0';
}

/* Reads the four members every event has into |ev| (borrowing strings). */
static int event_read_common(json_t *obj, ript_event *ev,
                             ript_parse_error *err) {
  const char *s;
  int rv = event_get_string(obj, "event", 0, &s,
                            "\"event\" as a non-empty string", err);
  if (rv == 0 && *s == '\0')
    rv = event_fail(err, 0, "\"event\" as a non-empty string", RIPT_ERR_PARSE);
  if (rv != 0)
    return rv;
  ev->type = ript_event_type_from_name(s, strlen(s));
  ev->name = s;
  static const char dir_expected[] = "\"direction\" as \"c2s\" or \"s2c\"";
  if ((rv = event_get_string(obj, "direction", 0, &s, dir_expected, err)) != 0)
    return rv;
  if (strcmp(s, "c2s") == 0)
    ev->direction = RIPT_EVENT_DIR_C2S;
  else if (strcmp(s, "s2c") == 0)
    ev->direction = RIPT_EVENT_DIR_S2C;
  else
    return event_fail(err, 0, dir_expected, RIPT_ERR_PARSE);
  static const char ts_expected[] = "\"timestamp\" as an RFC 3339 string";
  if ((rv = event_get_string(obj, "timestamp", 0, &s, ts_expected, err)) != 0)
    return rv;
  if (ript_rfc3339_parse(s, strlen(s), &ev->timestamp_ms, NULL) != 0)
    return event_fail(err, 0, ts_expected, RIPT_ERR_PARSE);
  static const char call_expected[] = "\"call\" as a non-empty string";
  if ((rv = event_get_string(obj, "call", 0, &ev->call, call_expected, err)) !=
      0)
    return rv;
  if (*ev->call == '\0')
    return event_fail(err, 0, call_expected, RIPT_ERR_PARSE);
  return 0;
}

/* Reads an optional string member of at most |max| characters. */
static int event_read_text(json_t *obj, const char *key, size_t max,
                           const char **out, const char *expected,
                           ript_parse_error *err) {
  int rv = event_get_string(obj, key, 1, out, expected, err);
  if (rv == 0 && *out && event_utf8_chars(*out) > max)
    rv = event_fail(err, 0, expected, RIPT_ERR_PARSE);
  return rv;
}

/* Reads the members of a known type into |ev| (borrowing strings). Every
 * type has at most one. */
static int event_read_members(json_t *obj, ript_event *ev,
                              ript_parse_error *err) {
  unsigned members = event_kinds[ev->type].members;
  if (members & EVENT_HAS_REASON)
    return event_read_text(obj, "reason", RIPT_EVENT_REASON_MAX, &ev->reason,
                           "\"reason\" as a string of at most 256 characters",
                           err);
  if (members & EVENT_HAS_NONCE)
    return event_read_text(obj, "nonce", RIPT_EVENT_NONCE_MAX, &ev->nonce,
                           "\"nonce\" as a string of at most 128 characters",
                           err);
  if (members & EVENT_HAS_URI) {
    static const char expected[] = "\"uri\" as a string starting with https://";
    int rv = event_get_string(obj, "uri", 1, &ev->uri, expected, err);
    if (rv == 0 && ev->uri && !event_uri_ok(ev->uri))
      rv = event_fail(err, 0, expected, RIPT_ERR_PARSE);
    return rv;
  }
  return 0;
}

/* Keeps an unknown type's own members as compact JSON in |extra|. */
static int event_read_extra(json_t *obj, ript_buf *extra) {
  if ((size_t)json_object_size(obj) <=
      sizeof(event_common_keys) / sizeof(*event_common_keys))
    return 0;
  int rv = event_put_extra_members(extra, obj);
  if (rv == 0)
    extra->data[0] = '{'; /* the first member's ',' */
  if (rv == 0)
    rv = ript_buf_append(extra, "}", 1);
  return rv;
}

int ript_event_parse(ript_event *ev, const uint8_t *data, size_t len,
                     const ript_mem *mem, ript_parse_error *err) {
  if (!ev || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_event_init(ev);
  /* jansson leaves the error unset when it cannot even start (no memory). */
  json_error_t je;
  memset(&je, 0, sizeof(je));
  json_t *obj = json_loadb(data ? (const char *)data : "", len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!obj)
    return event_json_error(&je, data, len, err);
  ript_event tmp;
  ript_event_init(&tmp);
  ript_buf extra;
  ript_buf_init(&extra, mem);
  int rv = json_is_object(obj) ? 0
                               : event_fail(err, 0, "a JSON object",
                                            RIPT_ERR_PARSE);
  if (rv == 0)
    rv = event_read_common(obj, &tmp, err);
  if (rv == 0 && tmp.type != RIPT_EVENT_UNKNOWN)
    rv = event_read_members(obj, &tmp, err);
  if (rv == 0 && tmp.type == RIPT_EVENT_UNKNOWN) {
    rv = event_read_extra(obj, &extra);
    tmp.extra = extra.len ? (const char *)extra.data : NULL;
  }
  if (rv == 0)
    rv = event_copy_strings(ev, &tmp, mem);
  ript_buf_free(&extra);
  json_decref(obj);
  return rv;
}

/* ---- Writing ------------------------------------------------------- */

/* A known type's name may be left out; an extension's must be there, and
 * must not read back as a known type. */
static int event_name_ok(const ript_event *ev) {
  const char *known = event_kinds[ev->type].name;
  if (known)
    return !ev->name || strcmp(ev->name, known) == 0;
  return ev->name && *ev->name && event_utf8_valid(ev->name) &&
         ript_event_type_from_name(ev->name, strlen(ev->name)) ==
             RIPT_EVENT_UNKNOWN;
}

/* Checks that |ev| can be written; loads .extra into |*extra| if set. */
static int event_check(const ript_event *ev, json_t **extra) {
  if (!event_type_valid(ev->type) || !ript_event_dir_name(ev->direction) ||
      !ev->call || !*ev->call || !event_utf8_valid(ev->call) ||
      !event_name_ok(ev))
    return RIPT_ERR_INVALID_ARGUMENT;
  unsigned members = event_kinds[ev->type].members;
  if ((ev->reason && !(members & EVENT_HAS_REASON)) ||
      (ev->uri && !(members & EVENT_HAS_URI)) ||
      (ev->nonce && !(members & EVENT_HAS_NONCE)) ||
      (ev->extra && !(members & EVENT_HAS_EXTRA)))
    return RIPT_ERR_INVALID_ARGUMENT;
  if ((ev->reason && !event_utf8_valid(ev->reason)) ||
      (ev->nonce && !event_utf8_valid(ev->nonce)) ||
      (ev->uri && (!event_utf8_valid(ev->uri) || !event_uri_ok(ev->uri))))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (ev->timestamp_ms < RIPT_RFC3339_MIN_MS ||
      ev->timestamp_ms > RIPT_RFC3339_MAX_MS ||
      (ev->reason && event_utf8_chars(ev->reason) > RIPT_EVENT_REASON_MAX) ||
      (ev->nonce && event_utf8_chars(ev->nonce) > RIPT_EVENT_NONCE_MAX))
    return RIPT_ERR_RANGE;
  if (!ev->extra)
    return 0;
  json_error_t je;
  memset(&je, 0, sizeof(je));
  *extra = json_loads(ev->extra, JSON_REJECT_DUPLICATES, &je);
  if (!*extra)
    return json_error_code(&je) == json_error_out_of_memory
               ? RIPT_ERR_NOMEM
               : RIPT_ERR_INVALID_ARGUMENT;
  if (!json_is_object(*extra))
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < sizeof(event_common_keys) / sizeof(*event_common_keys);
       ++i)
    if (json_object_get(*extra, event_common_keys[i]))
      return RIPT_ERR_INVALID_ARGUMENT;
  return 0;
}

static int event_emit(const ript_event *ev, json_t *extra, ript_buf *out) {
  const char *name = ev->type == RIPT_EVENT_UNKNOWN
                         ? ev->name
                         : event_kinds[ev->type].name;
  char ts[RIPT_RFC3339_LEN + 1];
  ript_rfc3339_format(ev->timestamp_ms, ts);
  int rv = ript_buf_append_str(out, "{\"event\":");
  if (rv == 0)
    rv = event_put_string(out, name);
  if (rv == 0)
    rv = event_put_member(out, "direction", ript_event_dir_name(ev->direction));
  if (rv == 0)
    rv = event_put_member(out, "timestamp", ts);
  if (rv == 0)
    rv = event_put_member(out, "call", ev->call);
  if (rv == 0 && ev->reason)
    rv = event_put_member(out, "reason", ev->reason);
  if (rv == 0 && ev->uri)
    rv = event_put_member(out, "uri", ev->uri);
  if (rv == 0 && ev->nonce)
    rv = event_put_member(out, "nonce", ev->nonce);
  if (rv == 0 && extra)
    rv = event_put_extra_members(out, extra);
  if (rv == 0)
    rv = ript_buf_append(out, "}", 1);
  return rv;
}

int ript_event_write(const ript_event *ev, ript_buf *out) {
  if (!ev || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  json_t *extra = NULL;
  int rv = event_check(ev, &extra);
  size_t mark = out->len;
  if (rv == 0)
    rv = event_emit(ev, extra, out);
  if (rv != 0 && out->len != mark) {
    out->len = mark;
    out->data[mark] = '\0';
  }
  json_decref(extra);
  return rv;
}

#include <stdalign.h>
#include <string.h>

#include "doc_json.h"
#include "hex.h"
#include "ript/dest.h"
#include "ript/uri.h"
#include "ript_mem.h"

/* --- Store: a chain of chunks freed at once ----------------------------- */

#define DOC_CHUNK_MIN 2048

struct doc_chunk {
  struct doc_chunk *next;
  size_t used;
  size_t cap;
  alignas(max_align_t) unsigned char data[];
};

void *ript_doc_store_alloc(ript_doc_store *store, size_t size) {
  size_t align = alignof(max_align_t);
  if (size > SIZE_MAX - align)
    return NULL;
  size = (size + align - 1) / align * align;
  struct doc_chunk *c = store->chunks_;
  if (!c || c->cap - c->used < size) {
    size_t cap = size > DOC_CHUNK_MIN ? size : DOC_CHUNK_MIN;
    if (cap > SIZE_MAX - sizeof(*c))
      return NULL;
    c = ript_mem_malloc(store->mem_, sizeof(*c) + cap);
    if (!c)
      return NULL;
    c->next = store->chunks_;
    c->used = 0;
    c->cap = cap;
    store->chunks_ = c;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

const char *ript_doc_store_strdup(ript_doc_store *store, const char *s) {
  size_t n = strlen(s);
  char *copy = ript_doc_store_alloc(store, n + 1);
  if (copy)
    memcpy(copy, s, n);
  return copy;
}

void ript_doc_store_free(ript_doc_store *store) {
  struct doc_chunk *c = store->chunks_;
  while (c) {
    struct doc_chunk *next = c->next;
    ript_mem_free(store->mem_, c);
    c = next;
  }
  store->chunks_ = NULL;
  store->mem_ = NULL;
}

const ript_doc_at ript_doc_at_root = {NULL, NULL, 0};

/* --- Locating a value in the text, for error offsets --------------------- */

static int doc_is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t doc_skip_ws(const char *t, size_t len, size_t i) {
  while (i < len && doc_is_ws(t[i]))
    ++i;
  return i;
}

/* |i| at the opening '"'; returns the offset after the closing one. */
static size_t doc_skip_string(const char *t, size_t len, size_t i) {
  for (++i; i < len && t[i] != '"'; ++i)
    if (t[i] == '\\')
      ++i;
  return i < len ? i + 1 : len;
}

static size_t doc_skip_value(const char *t, size_t len, size_t i) {
  if (i >= len)
    return len;
  if (t[i] == '"')
    return doc_skip_string(t, len, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < len && !doc_is_ws(t[i]) && t[i] != ',' && t[i] != '}' &&
           t[i] != ']')
      ++i;
    return i;
  }
  size_t depth = 0;
  while (i < len) {
    if (t[i] == '"') {
      i = doc_skip_string(t, len, i);
      continue;
    }
    if (t[i] == '{' || t[i] == '[')
      ++depth;
    else if ((t[i] == '}' || t[i] == ']') && --depth == 0)
      return i + 1;
    ++i;
  }
  return len;
}

/* Decodes the escape at t[i] ('\\') into an ASCII character (-1 for any
 * other) and sets *next past it. */
static int doc_unescape(const char *t, size_t len, size_t i, size_t *next) {
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  *next = i + 2;
  if (i + 1 >= len || t[i + 1] == '\0')
    return -1;
  if (t[i + 1] != 'u') {
    const char *hit = strchr(from, t[i + 1]);
    return hit ? to[hit - from] : -1;
  }
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int h = k < len ? ript_hex_digit(t[k]) : -1;
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  *next = i + 6;
  return v < 0x80 ? v : -1;
}

/* True if the string at t[i] ('"') spells |key| (escapes decoded). */
static int doc_key_is(const char *t, size_t len, size_t i, const char *key) {
  size_t k = 0;
  for (++i; i < len && t[i] != '"';) {
    int c = (unsigned char)t[i];
    if (c == '\\')
      c = doc_unescape(t, len, i, &i);
    else
      ++i;
    if (c < 0 || key[k] == '\0' || key[k] != (char)c)
      return 0;
    ++k;
  }
  return key[k] == '\0';
}

/* Offset of the value of member |key| in the object at |p|, or |p|. */
static size_t doc_locate_member(const char *t, size_t len, size_t p,
                                const char *key) {
  size_t i = doc_skip_ws(t, len, p + 1);
  while (i < len && t[i] == '"') {
    int match = doc_key_is(t, len, i, key);
    i = doc_skip_ws(t, len, doc_skip_string(t, len, i));
    i = doc_skip_ws(t, len, i + 1); /* the ':' */
    if (match)
      return i;
    i = doc_skip_ws(t, len, doc_skip_value(t, len, i));
    if (i < len && t[i] == ',')
      i = doc_skip_ws(t, len, i + 1);
  }
  return p;
}

/* Offset of element |index| of the array at |p|, or |p|. */
static size_t doc_locate_element(const char *t, size_t len, size_t p,
                                 size_t index) {
  size_t i = doc_skip_ws(t, len, p + 1);
  for (size_t n = 0; i < len && t[i] != ']'; ++n) {
    if (n == index)
      return i;
    i = doc_skip_ws(t, len, doc_skip_value(t, len, i));
    if (i < len && t[i] == ',')
      i = doc_skip_ws(t, len, i + 1);
  }
  return p;
}

static size_t doc_locate(const ript_doc_in *in, const ript_doc_at *at) {
  if (!at->up)
    return doc_skip_ws(in->text, in->len, 0);
  size_t p = doc_locate(in, at->up);
  if (p >= in->len)
    return p;
  if (at->key && in->text[p] == '{')
    return doc_locate_member(in->text, in->len, p, at->key);
  if (!at->key && in->text[p] == '[')
    return doc_locate_element(in->text, in->len, p, at->index);
  return p;
}

static int doc_fail_offset(ript_parse_error *err, size_t offset,
                           const char *expected, int code) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return code;
}

int ript_doc_fail(const ript_doc_in *in, const ript_doc_at *at,
                  const char *expected) {
  if (!in)
    return RIPT_ERR_INVALID_ARGUMENT;
  return doc_fail_offset(in->err, doc_locate(in, at), expected,
                         RIPT_ERR_PARSE);
}

/* --- Loading ------------------------------------------------------------ */

/* jansson has no depth option (only a compile-time 2048), so brackets
 * outside strings are counted before it sees the text. */
static int doc_check_depth(const char *t, size_t len, ript_parse_error *err) {
  size_t depth = 0;
  int in_string = 0;
  for (size_t i = 0; i < len; ++i) {
    char c = t[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '{' || c == '[') {
      if (++depth > RIPT_DOC_MAX_DEPTH)
        return doc_fail_offset(err, i, "nesting at most 16 deep",
                               RIPT_ERR_LIMIT);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return 0;
}

/* jansson's error text is in the error struct, not static: name the
 * problem with a static string instead. */
static const char *doc_syntax_expected(enum json_error_code code) {
  switch (code) {
  case json_error_premature_end_of_input:
    return "more JSON (the document ended early)";
  case json_error_end_of_input_expected:
    return "the end of the document";
  case json_error_invalid_utf8:
    return "valid UTF-8";
  case json_error_null_character:
  case json_error_null_byte_in_key:
    return "no NUL character (\\u0000) in a string";
  case json_error_duplicate_key:
    return "member names that are unique in their object";
  case json_error_numeric_overflow:
    return "a number in range";
  default:
    return "valid JSON";
  }
}

static int doc_load(const ript_doc_in *in, size_t max_len, json_t **root) {
  if (max_len == 0)
    max_len = RIPT_DOC_DEFAULT_MAX_LEN;
  if (in->len > max_len)
    return doc_fail_offset(in->err, max_len, "a document within the size "
                                             "limit", RIPT_ERR_LIMIT);
  int rv = doc_check_depth(in->text, in->len, in->err);
  if (rv != 0)
    return rv;
  json_error_t e;
  *root = json_loadb(in->text, in->len, JSON_REJECT_DUPLICATES, &e);
  if (*root)
    return 0;
  enum json_error_code code = json_error_code(&e);
  if (code == json_error_out_of_memory)
    return RIPT_ERR_NOMEM;
  size_t pos = e.position < 0 ? 0 : (size_t)e.position;
  return doc_fail_offset(in->err, pos < in->len ? pos : in->len,
                         doc_syntax_expected(code), RIPT_ERR_PARSE);
}

int ript_doc_parse(const char *json, size_t len, size_t max_len,
                   ript_parse_error *err, const ript_mem *mem,
                   ript_doc_store *store, ript_doc_extract_fn extract,
                   void *doc) {
  if (!json && len > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  store->mem_ = mem;
  ript_doc_in in = {json ? json : "", len, err, store};
  json_t *root = NULL;
  int rv = doc_load(&in, max_len, &root);
  if (rv == 0) {
    rv = json_is_object(root)
             ? extract(&in, root, doc)
             : ript_doc_fail(&in, &ript_doc_at_root, "a JSON object");
    json_decref(root);
  }
  if (rv != 0)
    ript_doc_store_free(store);
  return rv;
}

int ript_doc_role_ok(ript_doc_role role) {
  return role == RIPT_DOC_REQUEST || role == RIPT_DOC_RESPONSE;
}

/* --- Extracting fields --------------------------------------------------- */

int ript_doc_get_member(const ript_doc_in *in, json_t *obj,
                        const ript_doc_at *obj_at, const char *key,
                        json_type type, const char *expected, json_t **out) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (!v)
    return 0;
  if (json_typeof(v) != type) {
    ript_doc_at at = {obj_at, key, 0};
    return ript_doc_fail(in, &at, expected);
  }
  *out = v;
  return 0;
}

int ript_doc_get_string(const ript_doc_in *in, json_t *obj,
                        const ript_doc_at *obj_at, const char *key,
                        const char *expected, const char **out) {
  json_t *v;
  int rv = ript_doc_get_member(in, obj, obj_at, key, JSON_STRING, expected,
                               &v);
  *out = NULL;
  if (rv != 0 || !v)
    return rv;
  size_t n = json_string_length(v);
  char *copy = ript_doc_store_alloc(in->store, n + 1);
  if (!copy)
    return RIPT_ERR_NOMEM;
  memcpy(copy, json_string_value(v), n);
  *out = copy;
  return 0;
}

int ript_doc_get_int(const ript_doc_in *in, json_t *obj,
                     const ript_doc_at *obj_at, const char *key,
                     const char *expected, int64_t *out) {
  json_t *v;
  int rv = ript_doc_get_member(in, obj, obj_at, key, JSON_INTEGER, expected,
                               &v);
  if (rv != 0 || !v)
    return rv;
  *out = (int64_t)json_integer_value(v);
  return 1;
}

/* --- Checks -------------------------------------------------------------- */

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int doc_utf8_valid(const unsigned char *s) {
  while (*s) {
    unsigned c = *s++;
    if (c < 0x80)
      continue;
    size_t n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf)
      n = 1, min = 0x80, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      n = 2, min = 0x800, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      n = 3, min = 0x10000, cp = c & 0x07;
    else
      return 0;
    for (size_t k = 0; k < n; ++k, ++s) {
      if ((*s & 0xc0) != 0x80)
        return 0;
      cp = cp << 6 | (*s & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
  }
  return 1;
}

int ript_doc_check_string(const ript_doc_in *in, const ript_doc_at *at,
                          const char *s, unsigned flags,
                          const char *expected) {
  if (!s)
    return (flags & RIPT_DOC_CHECK_REQUIRED) ? ript_doc_fail(in, at, expected)
                                             : 0;
  if ((flags & RIPT_DOC_CHECK_NONEMPTY) && s[0] == '\0')
    return ript_doc_fail(in, at, expected);
  if (!in && !doc_utf8_valid((const unsigned char *)s))
    return ript_doc_fail(in, at, expected);
  return 0;
}

int ript_doc_check_uri(const ript_doc_in *in, const ript_doc_at *at,
                       const char *s, int required, unsigned uri_flags,
                       const char *expected) {
  if (!s)
    return required ? ript_doc_fail(in, at, expected) : 0;
  if (ript_uri_parse(s, strlen(s), uri_flags, NULL, NULL) != 0)
    return ript_doc_fail(in, at, expected);
  return 0;
}

int ript_doc_check_token(const ript_doc_in *in, const ript_doc_at *at,
                         const char *s, size_t max, const char *allowed,
                         const char *expected) {
  if (!s || s[0] == '\0')
    return ript_doc_fail(in, at, expected);
  size_t n = 0;
  for (; s[n]; ++n) {
    char c = s[n];
    int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                (c >= 'A' && c <= 'Z');
    if (n == max || !(alnum || strchr(allowed, c)))
      return ript_doc_fail(in, at, expected);
  }
  return 0;
}

int ript_doc_check_dest(const ript_doc_in *in, const ript_doc_at *at,
                        const char *s, char *norm, const char *expected) {
  if (!s || ript_dest_normalize(s, strlen(s), norm, NULL) < 0)
    return ript_doc_fail(in, at, expected);
  return 0;
}

/* --- Writing ------------------------------------------------------------- */

int ript_doc_set(json_t *obj, const char *key, json_t *value) {
  return json_object_set_new(obj, key, value) == 0 ? 0 : RIPT_ERR_NOMEM;
}

static int doc_dump_append(const char *buffer, size_t size, void *data) {
  return ript_buf_append(data, buffer, size) == 0 ? 0 : -1;
}

int ript_doc_dump(json_t *root, ript_buf *out) {
  if (!root)
    return RIPT_ERR_NOMEM;
  size_t old = out->len;
  int rc = json_dump_callback(root, doc_dump_append, out,
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (rc == 0)
    return 0;
  out->len = old;
  if (out->data)
    out->data[old] = '\0';
  return RIPT_ERR_NOMEM;
}

int ript_doc_dump_wrapped(const char *key, json_t *arr, ript_buf *out) {
  json_t *root = json_object();
  if (!root || !arr) {
    json_decref(root);
    json_decref(arr);
    return RIPT_ERR_NOMEM;
  }
  if (ript_doc_set(root, key, arr) != 0) { /* it has dropped |arr| */
    json_decref(root);
    return RIPT_ERR_NOMEM;
  }
  return ript_doc_dump(root, out);
}

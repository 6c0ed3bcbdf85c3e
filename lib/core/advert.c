#include <inttypes.h>
#include <string.h>

#include "ript/advert.h"
#include "ript_mem.h"

/* ---- Character classes (ASCII only: never locale-dependent) ---- */

static int advert_is_ws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int advert_is_alpha(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int advert_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int advert_is_codec_char(unsigned char c) {
  return advert_is_alpha(c) || advert_is_digit(c) || c == '-' || c == '.' ||
         c == '_' || c == '+';
}

static int advert_is_param_char(unsigned char c) {
  return advert_is_alpha(c) || advert_is_digit(c) || c == '-' || c == '_';
}

static unsigned char advert_lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* True if |s|[0..len) equals the NUL-terminated |ref| ignoring case. */
static int advert_name_equal(const char *s, size_t len, const char *ref) {
  size_t i = 0;
  for (; i < len; ++i) {
    if (ref[i] == '\0' || advert_lower((unsigned char)s[i]) !=
                              advert_lower((unsigned char)ref[i]))
      return 0;
  }
  return ref[i] == '\0';
}

/* ---- The bitmap of entry keys in use ---- */

/* A directive's key is the (source, sink) pair, an advertisement's the
 * (direction, id) pair; both fit the 8-bit ids. */
static size_t advert_key(const ript_advert *adv, unsigned id,
                         ript_advert_dir dir, unsigned sink) {
  if (adv->kind == RIPT_ADVERT_KIND_DIRECTIVE)
    return (size_t)id << 8 | sink;
  return (size_t)dir << 8 | id;
}

static size_t advert_seen_words(ript_advert_kind kind) {
  return (kind == RIPT_ADVERT_KIND_DIRECTIVE ? 256u * 256u : 2u * 256u) / 64u;
}

static int advert_seen(const ript_advert *adv, size_t key) {
  return (adv->seen[key / 64] >> (key % 64)) & 1u;
}

/* ---- Object lifetime ---- */

int ript_advert_new(ript_advert **padv, ript_advert_kind kind,
                    const ript_mem *mem) {
  if (!padv || (kind != RIPT_ADVERT_KIND_ADVERTISEMENT &&
                kind != RIPT_ADVERT_KIND_DIRECTIVE))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_advert *adv = ript_mem_calloc(mem, 1, sizeof(*adv));
  if (!adv)
    return RIPT_ERR_NOMEM;
  adv->seen = ript_mem_calloc(mem, advert_seen_words(kind), sizeof(uint64_t));
  if (!adv->seen) {
    ript_mem_free(mem, adv);
    return RIPT_ERR_NOMEM;
  }
  adv->kind = kind;
  adv->mem = mem;
  *padv = adv;
  return 0;
}

static void advert_codec_free(const ript_mem *mem, ript_advert_codec *c) {
  for (size_t i = 0; i < c->nparams; ++i)
    ript_mem_free(mem, c->params[i].name);
  ript_mem_free(mem, c->params);
  ript_mem_free(mem, c->name);
}

void ript_advert_del(ript_advert *adv) {
  if (!adv)
    return;
  for (size_t i = 0; i < adv->nentries; ++i) {
    ript_advert_entry *e = &adv->entries[i];
    for (size_t j = 0; j < e->ncodecs; ++j)
      advert_codec_free(adv->mem, &e->codecs[j]);
    ript_mem_free(adv->mem, e->codecs);
  }
  ript_mem_free(adv->mem, adv->entries);
  ript_mem_free(adv->mem, adv->seen);
  ript_mem_free(adv->mem, adv);
}

/* ---- Changes shared by the parser and the builders ----
 * Each returns RIPT_ERR_PARSE for a repeated entry, codec or parameter (the
 * builders report that as RIPT_ERR_INVALID_ARGUMENT) and leaves the object
 * unchanged on any error. */

static int advert_entry_add(ript_advert *adv, unsigned id, ript_advert_dir dir,
                            unsigned sink) {
  if (id == 0 || id > RIPT_ADVERT_MAX_ID ||
      (dir == RIPT_ADVERT_DIR_TO && (sink == 0 || sink > RIPT_ADVERT_MAX_ID)))
    return RIPT_ERR_RANGE;
  size_t key = advert_key(adv, id, dir, sink);
  if (advert_seen(adv, key))
    return RIPT_ERR_PARSE;
  if (adv->nentries == adv->entries_cap) {
    size_t cap = adv->entries_cap ? adv->entries_cap * 2 : 4;
    ript_advert_entry *entries =
        ript_mem_realloc(adv->mem, adv->entries, cap * sizeof(*entries));
    if (!entries)
      return RIPT_ERR_NOMEM;
    adv->entries = entries;
    adv->entries_cap = cap;
  }
  ript_advert_entry *e = &adv->entries[adv->nentries];
  memset(e, 0, sizeof(*e));
  e->id = (uint8_t)id;
  e->dir = dir;
  e->sink = dir == RIPT_ADVERT_DIR_TO ? (uint8_t)sink : 0;
  adv->seen[key / 64] |= UINT64_C(1) << (key % 64);
  return (int)adv->nentries++;
}

static int advert_codec_index(const ript_advert_entry *e, const char *name,
                              size_t len) {
  for (size_t i = 0; i < e->ncodecs; ++i)
    if (advert_name_equal(name, len, e->codecs[i].name))
      return (int)i;
  return -1;
}

static int advert_codec_add(ript_advert *adv, ript_advert_entry *e,
                            const char *name, size_t len) {
  if (advert_codec_index(e, name, len) >= 0)
    return RIPT_ERR_PARSE;
  if (e->ncodecs >= RIPT_ADVERT_MAX_CODECS)
    return RIPT_ERR_LIMIT;
  const ript_codec_info *info = ript_codec_find(name, len);
  /* Grown one at a time: RIPT_ADVERT_MAX_CODECS bounds the copying. */
  ript_advert_codec *codecs =
      ript_mem_realloc(adv->mem, e->codecs, (e->ncodecs + 1) * sizeof(*codecs));
  if (!codecs)
    return RIPT_ERR_NOMEM;
  e->codecs = codecs;
  char *copy = info ? ript_mem_strdup(adv->mem, info->name)
                    : ript_mem_strndup(adv->mem, name, len);
  if (!copy)
    return RIPT_ERR_NOMEM;
  ript_advert_codec *c = &e->codecs[e->ncodecs];
  memset(c, 0, sizeof(*c));
  c->name = copy;
  c->info = info;
  return (int)e->ncodecs++;
}

/* The index of the parameter (|info|, or by name when unregistered). */
static int advert_param_index(const ript_advert_codec *c,
                              const ript_codec_param_info *info,
                              const char *name, size_t len) {
  for (size_t i = 0; i < c->nparams; ++i) {
    const ript_advert_param *p = &c->params[i];
    if (info ? p->info == info
             : !p->info && advert_name_equal(name, len, p->name))
      return (int)i;
  }
  return -1;
}

static size_t advert_param_rank(const ript_codec_param_info *info) {
  size_t i = 0;
  while (ript_codec_param_get(i) != info)
    ++i;
  return i;
}

/* Canonical order: registered parameters in registry order, then
 * unregistered ones by their lower-case name. */
static int advert_param_before(const ript_advert_param *a,
                               const ript_advert_param *b) {
  if (a->info && b->info)
    return advert_param_rank(a->info) < advert_param_rank(b->info);
  if (a->info || b->info)
    return a->info != NULL;
  return strcmp(a->name, b->name) < 0;
}

static int advert_param_insert(ript_advert *adv, ript_advert_codec *c,
                               const ript_codec_param_info *info,
                               const char *name, size_t len, int64_t value) {
  ript_advert_param *params =
      ript_mem_realloc(adv->mem, c->params, (c->nparams + 1) * sizeof(*params));
  if (!params)
    return RIPT_ERR_NOMEM;
  c->params = params;
  ript_advert_param p = {NULL, info, value};
  p.name = info ? ript_mem_strdup(adv->mem, info->name)
                : ript_mem_strndup(adv->mem, name, len);
  if (!p.name)
    return RIPT_ERR_NOMEM;
  for (char *s = p.name; *s; ++s)
    *s = (char)advert_lower((unsigned char)*s);
  size_t pos = c->nparams;
  while (pos > 0 && advert_param_before(&p, &c->params[pos - 1]))
    --pos;
  memmove(&c->params[pos + 1], &c->params[pos],
          (c->nparams - pos) * sizeof(*params));
  c->params[pos] = p;
  ++c->nparams;
  return 0;
}

/* Adds or (with |replace|) overwrites a parameter. */
static int advert_param_put(ript_advert *adv, ript_advert_codec *c,
                            const char *name, size_t len, int64_t value,
                            int replace) {
  const ript_codec_param_info *info = ript_codec_param_find(name, len);
  int idx = advert_param_index(c, info, name, len);
  if (idx >= 0 && !replace)
    return RIPT_ERR_PARSE;
  if (idx < 0 && c->nparams >= RIPT_ADVERT_MAX_PARAMS)
    return RIPT_ERR_LIMIT;
  if (value == INT64_MIN || (info && (value < info->min || value > info->max)))
    return RIPT_ERR_RANGE;
  if (idx >= 0) {
    c->params[idx].value = value;
    return 0;
  }
  return advert_param_insert(adv, c, info, name, len, value);
}

/* ---- Builders ---- */

static int advert_builder_rv(int rv) {
  return rv == RIPT_ERR_PARSE ? RIPT_ERR_INVALID_ARGUMENT : rv;
}

/* True if the NUL-terminated |s| is a codec-name (|codec|) or param-name. */
static int advert_valid_name(const char *s, int codec) {
  if (!advert_is_alpha((unsigned char)*s))
    return 0;
  for (++s; *s; ++s)
    if (!(codec ? advert_is_codec_char((unsigned char)*s)
                : advert_is_param_char((unsigned char)*s)))
      return 0;
  return 1;
}

int ript_advert_add_entry(ript_advert *adv, unsigned id, ript_advert_dir dir) {
  if (!adv || adv->kind != RIPT_ADVERT_KIND_ADVERTISEMENT ||
      (dir != RIPT_ADVERT_DIR_IN && dir != RIPT_ADVERT_DIR_OUT))
    return RIPT_ERR_INVALID_ARGUMENT;
  return advert_builder_rv(advert_entry_add(adv, id, dir, 0));
}

int ript_advert_add_stream(ript_advert *adv, unsigned source, unsigned sink) {
  if (!adv || adv->kind != RIPT_ADVERT_KIND_DIRECTIVE)
    return RIPT_ERR_INVALID_ARGUMENT;
  return advert_builder_rv(
      advert_entry_add(adv, source, RIPT_ADVERT_DIR_TO, sink));
}

int ript_advert_add_codec(ript_advert *adv, size_t entry, const char *name) {
  if (!adv || entry >= adv->nentries || !name || !advert_valid_name(name, 1))
    return RIPT_ERR_INVALID_ARGUMENT;
  return advert_builder_rv(
      advert_codec_add(adv, &adv->entries[entry], name, strlen(name)));
}

int ript_advert_set_param(ript_advert *adv, size_t entry, size_t codec,
                          const char *name, int64_t value) {
  if (!adv || entry >= adv->nentries ||
      codec >= adv->entries[entry].ncodecs || !name ||
      !advert_valid_name(name, 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  return advert_param_put(adv, &adv->entries[entry].codecs[codec], name,
                          strlen(name), value, 1);
}

/* ---- Accessors ---- */

static const ript_advert_entry *advert_find(const ript_advert *adv,
                                            unsigned id, ript_advert_dir dir,
                                            unsigned sink) {
  if (id == 0 || id > RIPT_ADVERT_MAX_ID || sink > RIPT_ADVERT_MAX_ID ||
      !advert_seen(adv, advert_key(adv, id, dir, sink)))
    return NULL;
  for (size_t i = 0; i < adv->nentries; ++i) {
    const ript_advert_entry *e = &adv->entries[i];
    if (e->id == id && e->dir == dir && e->sink == sink)
      return e;
  }
  return NULL;
}

const ript_advert_entry *ript_advert_find_entry(const ript_advert *adv,
                                                unsigned id,
                                                ript_advert_dir dir) {
  if (!adv || adv->kind != RIPT_ADVERT_KIND_ADVERTISEMENT ||
      (dir != RIPT_ADVERT_DIR_IN && dir != RIPT_ADVERT_DIR_OUT))
    return NULL;
  return advert_find(adv, id, dir, 0);
}

const ript_advert_entry *ript_advert_find_stream(const ript_advert *adv,
                                                 unsigned source,
                                                 unsigned sink) {
  if (!adv || adv->kind != RIPT_ADVERT_KIND_DIRECTIVE || sink == 0)
    return NULL;
  return advert_find(adv, source, RIPT_ADVERT_DIR_TO, sink);
}

const ript_advert_codec *ript_advert_find_codec(const ript_advert_entry *entry,
                                                const char *name) {
  if (!entry || !name)
    return NULL;
  int idx = advert_codec_index(entry, name, strlen(name));
  return idx < 0 ? NULL : &entry->codecs[idx];
}

const ript_advert_param *ript_advert_find_param(const ript_advert_codec *codec,
                                                const char *name) {
  if (!codec || !name)
    return NULL;
  size_t len = strlen(name);
  int idx = advert_param_index(codec, ript_codec_param_find(name, len), name,
                               len);
  return idx < 0 ? NULL : &codec->params[idx];
}

int64_t ript_advert_param_value(const ript_advert_codec *codec,
                                const char *name) {
  const ript_advert_param *p = ript_advert_find_param(codec, name);
  if (p)
    return p->value;
  const ript_codec_param_info *info =
      name ? ript_codec_param_find(name, strlen(name)) : NULL;
  return info ? info->def : 0;
}

ript_codec_media ript_advert_entry_media(const ript_advert_entry *entry) {
  if (!entry)
    return RIPT_CODEC_MEDIA_UNKNOWN;
  for (size_t i = 0; i < entry->ncodecs; ++i)
    if (entry->codecs[i].info)
      return entry->codecs[i].info->media;
  return RIPT_CODEC_MEDIA_UNKNOWN;
}

/* ---- Printer ---- */

static int advert_print_param(ript_buf *out, const ript_advert_param *p) {
  if (p->value == (p->info ? p->info->def : 0))
    return 0;
  if (!p->info && p->value == 1)
    return ript_buf_printf(out, ",%s", p->name);
  return ript_buf_printf(out, ",%s=%" PRId64, p->name, p->value);
}

static int advert_print_entry(const ript_advert_entry *e, ript_buf *out) {
  int rv;
  if (e->dir == RIPT_ADVERT_DIR_TO)
    rv = ript_buf_printf(out, "%u to %u:", (unsigned)e->id, (unsigned)e->sink);
  else
    rv = ript_buf_printf(out, "%u %s:", (unsigned)e->id,
                         e->dir == RIPT_ADVERT_DIR_IN ? "in" : "out");
  for (size_t i = 0; rv == 0 && i < e->ncodecs; ++i) {
    const ript_advert_codec *c = &e->codecs[i];
    rv = ript_buf_printf(out, " %s", c->name);
    for (size_t j = 0; rv == 0 && j < c->nparams; ++j)
      rv = advert_print_param(out, &c->params[j]);
    if (rv == 0)
      rv = ript_buf_append(out, ";", 1);
  }
  return rv;
}

int ript_advert_print(const ript_advert *adv, ript_buf *out) {
  if (!adv || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < adv->nentries; ++i)
    if (adv->entries[i].ncodecs == 0)
      return RIPT_ERR_INVALID_ARGUMENT;
  int rv = 0;
  for (size_t i = 0; rv == 0 && i < adv->nentries; ++i) {
    if (i > 0)
      rv = ript_buf_append(out, " ", 1);
    if (rv == 0)
      rv = advert_print_entry(&adv->entries[i], out);
  }
  return rv;
}

/* ---- Parser ---- */

typedef struct advert_parser {
  const unsigned char *s;
  size_t len;
  size_t pos;
  ript_advert *adv;
  ript_parse_error *err;
} advert_parser;

static int advert_fail(advert_parser *p, int rv, size_t offset,
                       const char *expected) {
  if (p->err) {
    p->err->offset = offset;
    p->err->expected = expected;
  }
  return rv;
}

/* The byte at |pos|, or -1 at the end of the input. */
static int advert_at(const advert_parser *p, size_t pos) {
  return pos < p->len ? p->s[pos] : -1;
}

static size_t advert_skip_ws(const advert_parser *p, size_t pos) {
  while (pos < p->len && advert_is_ws(p->s[pos]))
    ++pos;
  return pos;
}

/* Requires 1*ws at the cursor and skips it. */
static int advert_need_ws(advert_parser *p, const char *expected) {
  size_t q = advert_skip_ws(p, p->pos);
  if (q == p->pos)
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, expected);
  p->pos = q;
  return 0;
}

/* Matches keyword |kw| (lower case) case-insensitively at the cursor. */
static int advert_keyword(advert_parser *p, const char *kw) {
  size_t n = strlen(kw);
  if (p->len - p->pos < n ||
      !advert_name_equal((const char *)p->s + p->pos, n, kw))
    return 0;
  p->pos += n;
  return 1;
}

static int advert_parse_id(advert_parser *p, unsigned *id,
                           const char *expected) {
  size_t start = p->pos;
  unsigned v = 0;
  while (advert_is_digit((unsigned char)advert_at(p, p->pos))) {
    if (v <= RIPT_ADVERT_MAX_ID)
      v = v * 10 + (unsigned)(p->s[p->pos] - '0');
    ++p->pos;
  }
  if (p->pos == start)
    return advert_fail(p, RIPT_ERR_PARSE, start, expected);
  if (p->s[start] == '0' && p->pos - start > 1)
    return advert_fail(p, RIPT_ERR_PARSE, start,
                       "stream id without a leading zero");
  if (v == 0 || v > RIPT_ADVERT_MAX_ID)
    return advert_fail(p, RIPT_ERR_RANGE, start, "stream id 1..255");
  *id = v;
  return 0;
}

/* Expects ":" after optional whitespace, then skips whitespace. */
static int advert_colon(advert_parser *p, const char *expected) {
  p->pos = advert_skip_ws(p, p->pos);
  if (advert_at(p, p->pos) != ':')
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, expected);
  p->pos = advert_skip_ws(p, p->pos + 1);
  return 0;
}

/* Parses an entry's head up to and including the ":"; returns its index. */
static int advert_parse_head(advert_parser *p) {
  size_t start = p->pos;
  unsigned id, sink = 0;
  ript_advert_dir dir = RIPT_ADVERT_DIR_TO;
  int directive = p->adv->kind == RIPT_ADVERT_KIND_DIRECTIVE;
  int rv = advert_parse_id(p, &id, directive ? "source stream id" : "stream id");
  if (rv == 0)
    rv = advert_need_ws(p, "whitespace after the stream id");
  if (rv != 0)
    return rv;
  if (directive) {
    if (!advert_keyword(p, "to"))
      return advert_fail(p, RIPT_ERR_PARSE, p->pos, "'to'");
    rv = advert_need_ws(p, "whitespace after 'to'");
    if (rv == 0)
      rv = advert_parse_id(p, &sink, "sink stream id");
  } else if (advert_keyword(p, "out")) {
    dir = RIPT_ADVERT_DIR_OUT;
  } else if (advert_keyword(p, "in")) {
    dir = RIPT_ADVERT_DIR_IN;
  } else {
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, "'in' or 'out'");
  }
  if (rv != 0)
    return rv;
  int idx = advert_entry_add(p->adv, id, dir, sink);
  if (idx == RIPT_ERR_PARSE)
    return advert_fail(p, idx, start,
                       directive ? "a source and sink pair not used before"
                                 : "a stream id not used before in this "
                                   "direction");
  if (idx < 0)
    return idx;
  rv = advert_colon(p, directive ? "':' after the sink id"
                                 : "':' after 'in'/'out'");
  return rv != 0 ? rv : idx;
}

/* Parses value = [ "-" ] 1*19DIGIT at the cursor. */
static int advert_parse_value(advert_parser *p, int64_t *value) {
  size_t start = p->pos;
  int negative = advert_at(p, p->pos) == '-';
  if (negative)
    ++p->pos;
  size_t digits = p->pos;
  uint64_t v = 0;
  while (advert_is_digit((unsigned char)advert_at(p, p->pos))) {
    if (p->pos - digits < 19)
      v = v * 10 + (uint64_t)(p->s[p->pos] - '0');
    ++p->pos;
  }
  if (p->pos == digits)
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, "parameter value");
  if (p->pos - digits > 19 || v > (uint64_t)INT64_MAX)
    return advert_fail(p, RIPT_ERR_RANGE, start,
                       "value within -(2^63-1)..2^63-1");
  *value = negative ? -(int64_t)v : (int64_t)v;
  return 0;
}

static int advert_parse_param(advert_parser *p, ript_advert_codec *c) {
  size_t start = p->pos;
  if (!advert_is_alpha((unsigned char)advert_at(p, p->pos)))
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, "parameter name");
  while (advert_is_param_char((unsigned char)advert_at(p, p->pos)))
    ++p->pos;
  size_t name_len = p->pos - start;
  size_t value_at = start;
  int64_t value = 1;
  size_t q = advert_skip_ws(p, p->pos);
  if (advert_at(p, q) == '=') {
    p->pos = value_at = advert_skip_ws(p, q + 1);
    int rv = advert_parse_value(p, &value);
    if (rv != 0)
      return rv;
  }
  int rv = advert_param_put(p->adv, c, (const char *)p->s + start, name_len,
                            value, 0);
  switch (rv) {
  case RIPT_ERR_PARSE:
    return advert_fail(p, rv, start, "a parameter not given before for this "
                                     "codec");
  case RIPT_ERR_LIMIT:
    return advert_fail(p, rv, start, "at most 64 parameters per codec");
  case RIPT_ERR_RANGE:
    return advert_fail(p, rv, value_at, "a value in the parameter's range");
  default:
    return rv;
  }
}

static int advert_parse_codec(advert_parser *p, size_t entry) {
  size_t start = p->pos;
  if (!advert_is_alpha((unsigned char)advert_at(p, p->pos)))
    return advert_fail(p, RIPT_ERR_PARSE, p->pos, "codec name");
  while (advert_is_codec_char((unsigned char)advert_at(p, p->pos)))
    ++p->pos;
  ript_advert_entry *e = &p->adv->entries[entry];
  int idx = advert_codec_add(p->adv, e, (const char *)p->s + start,
                             p->pos - start);
  if (idx == RIPT_ERR_PARSE)
    return advert_fail(p, idx, start, "a codec not listed before in this "
                                      "entry");
  if (idx == RIPT_ERR_LIMIT)
    return advert_fail(p, idx, start, "at most 64 codecs per entry");
  if (idx < 0)
    return idx;
  for (;;) {
    size_t q = advert_skip_ws(p, p->pos);
    if (advert_at(p, q) != ',')
      return 0;
    p->pos = advert_skip_ws(p, q + 1);
    int rv = advert_parse_param(p, &e->codecs[idx]);
    if (rv != 0)
      return rv;
  }
}

/* Parses one entry. On return the cursor is after its last token, and
 * |*semicolon| says whether that token was a final ";". */
static int advert_parse_entry(advert_parser *p, int *semicolon) {
  int entry = advert_parse_head(p);
  if (entry < 0)
    return entry;
  for (;;) {
    *semicolon = 0;
    int rv = advert_parse_codec(p, (size_t)entry);
    if (rv != 0)
      return rv;
    size_t q = advert_skip_ws(p, p->pos);
    if (advert_at(p, q) != ';')
      return 0;
    p->pos = q + 1;
    *semicolon = 1;
    q = advert_skip_ws(p, p->pos);
    if (!advert_is_alpha((unsigned char)advert_at(p, q)))
      return 0;
    p->pos = q;
  }
}

static int advert_parse_all(advert_parser *p) {
  p->pos = advert_skip_ws(p, 0);
  for (;;) {
    int semicolon;
    int rv = advert_parse_entry(p, &semicolon);
    if (rv != 0)
      return rv;
    size_t q = advert_skip_ws(p, p->pos);
    if (q == p->len)
      return 0;
    if (q > p->pos && advert_is_digit(p->s[q])) {
      p->pos = q;
      continue;
    }
    if (!semicolon)
      return advert_fail(p, RIPT_ERR_PARSE, q, "';' or ','");
    return advert_fail(p, RIPT_ERR_PARSE, q,
                       advert_is_digit(p->s[q])
                           ? "whitespace before the next stream id"
                           : "codec name");
  }
}

int ript_advert_parse(ript_advert **padv, const char *text, size_t len,
                      ript_advert_kind kind, ript_parse_error *err,
                      const ript_mem *mem) {
  if (!padv || (!text && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_advert *adv;
  int rv = ript_advert_new(&adv, kind, mem);
  if (rv != 0)
    return rv;
  advert_parser p = {(const unsigned char *)text, len, 0, adv, err};
  rv = advert_parse_all(&p);
  if (rv != 0) {
    ript_advert_del(adv);
    return rv;
  }
  *padv = adv;
  return 0;
}

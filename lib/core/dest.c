#include <string.h>

#include "ript/dest.h"
#include "ript_mem.h"

#define DEST_LOCAL_MAX 64
#define DEST_DOMAIN_MAX 253
#define DEST_LABEL_MAX 63

enum dest_kind { DEST_ANY, DEST_E164, DEST_ADDR };

/* One pattern; |local| and |domain| point into the list's own text copy,
 * whose domains are lowercased so matching is a plain comparison. For an
 * E.164 pattern |local| is the '+' and its digits. */
struct dest_pattern {
  unsigned char exclude;
  unsigned char kind;
  unsigned char prefix; /* |local| is a prefix (the pattern had a '*') */
  const char *local;
  size_t local_len;
  const char *domain;
  size_t domain_len;
};

struct ript_dest_list {
  const ript_mem *mem;
  size_t n;
  struct dest_pattern pats[]; /* followed by the text copy */
};

static int dest_fail(ript_parse_error *err, size_t offset,
                     const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

static int dest_is_digit(char c) { return c >= '0' && c <= '9'; }

static int dest_is_alnum(char c) {
  return dest_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int dest_is_local_char(char c) {
  return dest_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}

static int dest_is_separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

static int dest_is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char dest_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Checks the local part s[start, end); |prefix| says a '*' followed it, in
 * which case it may be empty. */
static int dest_scan_local(const char *s, size_t start, size_t end, int prefix,
                           ript_parse_error *err) {
  if (end == start && !prefix)
    return dest_fail(err, start, "a local part before '@'");
  if (end - start > DEST_LOCAL_MAX)
    return dest_fail(err, start + DEST_LOCAL_MAX,
                     "'@' within 64 characters of local part");
  int plus_digits = end > start && s[start] == '+';
  for (size_t i = start; i < end; ++i) {
    if (!dest_is_local_char(s[i]))
      return dest_fail(err, i, "a letter, digit or one of ._%+- in the "
                               "local part");
    if (i > start && !dest_is_digit(s[i]))
      plus_digits = 0;
  }
  if (plus_digits)
    return dest_fail(err, start, "a local part that is not '+' and digits "
                                 "(use the E.164 form)");
  return 0;
}

/* Checks the domain s[start, end) (LDH labels); lowercases it into |copy| at
 * the same offsets when |copy| is not NULL. */
static int dest_scan_domain(const char *s, size_t start, size_t end,
                            char *copy, ript_parse_error *err) {
  if (end - start > DEST_DOMAIN_MAX)
    return dest_fail(err, start + DEST_DOMAIN_MAX,
                     "a domain of at most 253 characters");
  size_t label = start;
  for (size_t i = start; i <= end; ++i) {
    if (i == end || s[i] == '.') {
      if (i == label || s[label] == '-')
        return dest_fail(err, label, "a letter or digit starting a label");
      if (s[i - 1] == '-')
        return dest_fail(err, i - 1, "a letter or digit ending a label");
      label = i + 1;
      continue;
    }
    if (!dest_is_alnum(s[i]) && s[i] != '-')
      return dest_fail(err, i, "a letter, digit, '-' or '.' in the domain");
    if (i - label >= DEST_LABEL_MAX)
      return dest_fail(err, i, "'.' within 63 characters of a label");
    if (copy)
      copy[i] = dest_lower(s[i]);
  }
  return 0;
}

static ript_ssize dest_normalize_address(const char *s, size_t len,
                                         size_t at, char *out,
                                         ript_parse_error *err) {
  int rv = dest_scan_local(s, 0, at, 0, err);
  if (rv != 0)
    return rv;
  rv = dest_scan_domain(s, at + 1, len, NULL, err);
  if (rv != 0)
    return rv;
  for (size_t i = 0; i < len; ++i)
    out[i] = i > at ? dest_lower(s[i]) : s[i];
  out[len] = '\0';
  return (ript_ssize)len;
}

static ript_ssize dest_normalize_e164(const char *s, size_t len, char *out,
                                      ript_parse_error *err) {
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) {
    if (dest_is_separator(s[i]))
      continue;
    if (n == 0) {
      if (s[i] != '+')
        return dest_fail(err, i, "'+' starting an E.164 number, or an "
                                 "address local@domain");
    } else if (!dest_is_digit(s[i])) {
      return dest_fail(err, i, "a digit or a separator (space - . ( ))");
    } else if (n == 1 && s[i] == '0') {
      return dest_fail(err, i, "a country code digit 1-9");
    } else if (n > RIPT_DEST_E164_MAX_DIGITS) {
      return dest_fail(err, i, "at most 15 digits");
    }
    out[n++] = s[i];
  }
  if (n == 0)
    return dest_fail(err, len, "'+' starting an E.164 number");
  if (n == 1)
    return dest_fail(err, len, "a digit");
  out[n] = '\0';
  return (ript_ssize)n;
}

ript_ssize ript_dest_normalize(const char *dest, size_t len,
                               char out[RIPT_DEST_MAX_LEN + 1],
                               ript_parse_error *err) {
  if ((!dest && len > 0) || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  const char *at = len ? memchr(dest, '@', len) : NULL;
  if (at)
    return dest_normalize_address(dest, len, (size_t)(at - dest), out, err);
  return dest_normalize_e164(dest, len, out, err);
}

int ript_dest_is_e164(const char *dest) {
  return dest && dest[0] == '+' && !strchr(dest, '@');
}

/* Scans the E.164 pattern s[p, end), p at the '+'. */
static int dest_scan_e164_pattern(const char *s, size_t p, size_t end,
                                  struct dest_pattern *pat,
                                  ript_parse_error *err) {
  size_t q = p + 1;
  while (q < end && dest_is_digit(s[q])) {
    if (q == p + 1 && s[q] == '0')
      return dest_fail(err, q, "a country code digit 1-9");
    if (q - p > RIPT_DEST_E164_MAX_DIGITS)
      return dest_fail(err, q, "at most 15 digits");
    ++q;
  }
  if (q == p + 1)
    return dest_fail(err, q, "a digit after '+'");
  size_t digits_end = q;
  int prefix = q < end && s[q] == '*';
  if (prefix)
    ++q;
  if (q != end)
    return dest_fail(err, q, prefix ? "',' after '*'" : "a digit, '*' or ','");
  pat->kind = DEST_E164;
  pat->prefix = (unsigned char)prefix;
  pat->local_len = digits_end - p;
  return 0;
}

/* Scans the address pattern s[p, end) whose '@' is at |at|. */
static int dest_scan_address_pattern(const char *s, size_t p, size_t at,
                                     size_t end, struct dest_pattern *pat,
                                     char *copy, ript_parse_error *err) {
  int prefix = at > p && s[at - 1] == '*';
  size_t local_end = prefix ? at - 1 : at;
  int rv = dest_scan_local(s, p, local_end, prefix, err);
  if (rv == 0)
    rv = dest_scan_domain(s, at + 1, end, copy, err);
  if (rv != 0)
    return rv;
  pat->kind = DEST_ADDR;
  pat->prefix = (unsigned char)prefix;
  pat->local_len = local_end - p;
  pat->domain_len = end - at - 1;
  return 0;
}

/* Scans one pattern s[start, end) (non-empty, no whitespace). Offsets in
 * |pat| are filled relative to |s|; the caller turns them into pointers. */
static int dest_scan_pattern(const char *s, size_t start, size_t end,
                             struct dest_pattern *pat, size_t *local_off,
                             size_t *domain_off, char *copy,
                             ript_parse_error *err) {
  size_t p = start;
  memset(pat, 0, sizeof(*pat));
  if (s[p] == '!') {
    pat->exclude = 1;
    if (++p == end)
      return dest_fail(err, p, "a pattern after '!'");
  }
  *local_off = p;
  const char *at = memchr(s + p, '@', end - p);
  if (at) {
    *domain_off = (size_t)(at - s) + 1;
    return dest_scan_address_pattern(s, p, (size_t)(at - s), end, pat, copy,
                                     err);
  }
  if (s[p] == '*' && end - p == 1) {
    pat->kind = DEST_ANY;
    return 0;
  }
  if (s[p] == '+')
    return dest_scan_e164_pattern(s, p, end, pat, err);
  return dest_fail(err, p, "'*', '+' and digits, or local@domain");
}

/* Scans the whole list; fills |pats| (pointing into |copy|, a copy of |s|
 * whose domains get lowercased) when they are not NULL. Returns the number
 * of patterns or an error. */
static ript_ssize dest_list_scan(const char *s, size_t len,
                                 struct dest_pattern *pats, char *copy,
                                 ript_parse_error *err) {
  size_t n = 0;
  size_t i = 0;
  for (;;) {
    while (i < len && dest_is_space(s[i]))
      ++i;
    size_t start = i;
    while (i < len && s[i] != ',' && !dest_is_space(s[i]))
      ++i;
    if (i == start)
      return dest_fail(err, i, "a destination pattern");
    struct dest_pattern pat;
    size_t local_off = 0, domain_off = 0;
    int rv = dest_scan_pattern(s, start, i, &pat, &local_off, &domain_off,
                               copy, err);
    if (rv != 0)
      return rv;
    if (pats) {
      pat.local = copy + local_off;
      pat.domain = copy + domain_off;
      pats[n] = pat;
    }
    ++n;
    while (i < len && dest_is_space(s[i]))
      ++i;
    if (i == len)
      return (ript_ssize)n;
    if (s[i] != ',')
      return dest_fail(err, i, "',' between patterns");
    ++i;
  }
}

int ript_dest_list_validate(const char *list, size_t len,
                            ript_parse_error *err) {
  if (!list && len > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_ssize n = dest_list_scan(list, len, NULL, NULL, err);
  return n < 0 ? (int)n : 0;
}

int ript_dest_list_new(ript_dest_list **plist, const char *list, size_t len,
                       ript_parse_error *err, const ript_mem *mem) {
  if (!plist)
    return RIPT_ERR_INVALID_ARGUMENT;
  *plist = NULL;
  if (!list && len > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_ssize n = dest_list_scan(list, len, NULL, NULL, err);
  if (n < 0)
    return (int)n;
  size_t pats_size = (size_t)n * sizeof(struct dest_pattern);
  ript_dest_list *l =
      ript_mem_malloc(mem, sizeof(*l) + pats_size + len + 1);
  if (!l)
    return RIPT_ERR_NOMEM;
  l->mem = mem;
  l->n = (size_t)n;
  char *copy = (char *)l->pats + pats_size;
  if (len)
    memcpy(copy, list, len);
  copy[len] = '\0';
  dest_list_scan(list, len, l->pats, copy, NULL);
  *plist = l;
  return 0;
}

void ript_dest_list_del(ript_dest_list *list) {
  if (list)
    ript_mem_free(list->mem, list);
}

size_t ript_dest_list_count(const ript_dest_list *list) {
  return list ? list->n : 0;
}

static int dest_part_matches(const char *want, size_t want_len, int prefix,
                             const char *have, size_t have_len) {
  if (prefix ? have_len < want_len : have_len != want_len)
    return 0;
  return memcmp(want, have, want_len) == 0;
}

static int dest_pattern_matches(const struct dest_pattern *pat,
                                const char *dest, size_t len) {
  const char *at = memchr(dest, '@', len);
  switch (pat->kind) {
  case DEST_ANY:
    return 1;
  case DEST_E164:
    return !at && dest_part_matches(pat->local, pat->local_len, pat->prefix,
                                    dest, len);
  default:
    if (!at)
      return 0;
    size_t local_len = (size_t)(at - dest);
    return dest_part_matches(pat->domain, pat->domain_len, 0, at + 1,
                             len - local_len - 1) &&
           dest_part_matches(pat->local, pat->local_len, pat->prefix, dest,
                             local_len);
  }
}

int ript_dest_list_match(const ript_dest_list *list, const char *dest,
                         size_t len, ript_parse_error *err) {
  if (!list || (!dest && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  char norm[RIPT_DEST_MAX_LEN + 1];
  ript_ssize n = ript_dest_normalize(dest, len, norm, err);
  if (n < 0)
    return (int)n;
  int included = 0;
  for (size_t i = 0; i < list->n; ++i) {
    if (!dest_pattern_matches(&list->pats[i], norm, (size_t)n))
      continue;
    if (list->pats[i].exclude)
      return 0;
    included = 1;
  }
  return included;
}

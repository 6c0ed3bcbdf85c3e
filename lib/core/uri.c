#include <string.h>

#include "ript/uri.h"

#define URI_SCHEME "https://"
#define URI_SCHEME_LEN 8
#define URI_DOMAIN_MAX 253
#define URI_LABEL_MAX 63

static int uri_fail(ript_parse_error *err, size_t offset,
                    const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

static int uri_is_digit(char c) { return c >= '0' && c <= '9'; }

static int uri_is_alnum(char c) {
  return uri_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int uri_is_hex(char c) {
  return uri_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int uri_is_unreserved(char c) {
  return uri_is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int uri_is_subdelim(char c) {
  return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Length of the pct-encoded triplet at s[i], or 0 if there is none. */
static size_t uri_pct_len(const char *s, size_t len, size_t i) {
  if (s[i] == '%' && i + 2 < len && uri_is_hex(s[i + 1]) &&
      uri_is_hex(s[i + 2]))
    return 3;
  return 0;
}

/* Length of the pchar (RFC 3986 §3.3) at s[i], or 0 if there is none. */
static size_t uri_pchar_len(const char *s, size_t len, size_t i) {
  char c = s[i];
  if (uri_is_unreserved(c) || uri_is_subdelim(c) || c == ':' || c == '@')
    return 1;
  return uri_pct_len(s, len, i);
}

/* Domain name check (RIPT_URI_FLAG_DOMAIN) on the host s[start, end). */
static int uri_scan_domain(const char *s, size_t start, size_t end,
                           ript_parse_error *err) {
  static const char expected[] = "a domain name (LDH labels), not an IP "
                                 "address";
  if (end - start > URI_DOMAIN_MAX)
    return uri_fail(err, start + URI_DOMAIN_MAX, expected);
  size_t label = start;
  int all_digits = 1;
  for (size_t i = start; i <= end; ++i) {
    if (i == end || s[i] == '.') {
      if (i == label || s[label] == '-' || s[i - 1] == '-' ||
          i - label > URI_LABEL_MAX)
        return uri_fail(err, label, expected);
      if (i == end && all_digits)
        return uri_fail(err, label, expected);
      label = i + 1;
      all_digits = 1;
    } else if (!uri_is_alnum(s[i]) && s[i] != '-') {
      return uri_fail(err, i, expected);
    } else if (!uri_is_digit(s[i])) {
      all_digits = 0;
    }
  }
  return 0;
}

/* Scans "[" IPv6 "]" at s[start]; returns its end or an error. */
static ript_ssize uri_scan_ip_literal(const char *s, size_t start, size_t end,
                                      ript_parse_error *err) {
  size_t i = start + 1;
  while (i < end && (uri_is_hex(s[i]) || s[i] == ':' || s[i] == '.'))
    ++i;
  if (i == start + 1 || i == end || s[i] != ']')
    return uri_fail(err, i, "an IPv6 address closed by ']'");
  return (ript_ssize)(i + 1);
}

static ript_ssize uri_scan_reg_name(const char *s, size_t start, size_t end,
                                    ript_parse_error *err) {
  size_t i = start;
  while (i < end && s[i] != ':') {
    size_t n = uri_is_unreserved(s[i]) ? 1 : uri_pct_len(s, end, i);
    if (n == 0)
      return uri_fail(err, i, s[i] == '@' ? "an authority without userinfo"
                                          : "a host character");
    i += n;
  }
  if (i == start)
    return uri_fail(err, i, "a host");
  return (ript_ssize)i;
}

static int uri_scan_port(const char *s, size_t start, size_t end,
                         uint16_t *port, ript_parse_error *err) {
  unsigned long value = 0;
  size_t i = start;
  for (; i < end && uri_is_digit(s[i]) && i - start < 5; ++i)
    value = value * 10 + (unsigned long)(s[i] - '0');
  if (i == start || i != end || value == 0 || value > 65535)
    return uri_fail(err, start, "a port 1..65535");
  *port = (uint16_t)value;
  return 0;
}

/* Scans the authority s[start, end) (host[:port]). */
static int uri_scan_authority(const char *s, size_t start, size_t end,
                              unsigned flags, ript_uri_parts *p,
                              ript_parse_error *err) {
  ript_ssize host_end = (start < end && s[start] == '[')
                            ? uri_scan_ip_literal(s, start, end, err)
                            : uri_scan_reg_name(s, start, end, err);
  if (host_end < 0)
    return (int)host_end;
  size_t i = (size_t)host_end;
  if (i < end && s[i] != ':')
    return uri_fail(err, i, "':' and a port, or the end of the authority");
  p->port = 0;
  if (i < end) {
    int rv = uri_scan_port(s, i + 1, end, &p->port, err);
    if (rv != 0)
      return rv;
  }
  if (flags & RIPT_URI_FLAG_DOMAIN) {
    int rv = uri_scan_domain(s, start, (size_t)host_end, err);
    if (rv != 0)
      return rv;
  }
  p->authority_off = start;
  p->authority_len = end - start;
  p->host_off = start;
  p->host_len = (size_t)host_end - start;
  return 0;
}

static int uri_scan_path(const char *s, size_t start, size_t len,
                         unsigned flags, ript_parse_error *err) {
  size_t i = start;
  int in_query = 0;
  while (i < len) {
    if (s[i] == '?' && (flags & RIPT_URI_FLAG_QUERY))
      in_query = 1;
    size_t n = s[i] == '/' || (in_query && s[i] == '?')
                   ? 1
                   : uri_pchar_len(s, len, i);
    if (n == 0) {
      if (s[i] == '?' || s[i] == '#')
        return uri_fail(err, i, "no query or fragment in a RIPT URI");
      return uri_fail(err, i, "a path character");
    }
    i += n;
  }
  return 0;
}

/* Where the authority ends: at the path, or at a query when allowed. */
static size_t uri_authority_end(const char *s, size_t len, unsigned flags) {
  for (size_t i = URI_SCHEME_LEN; i < len; ++i)
    if (s[i] == '/' || (s[i] == '?' && (flags & RIPT_URI_FLAG_QUERY)))
      return i;
  return len;
}

static int uri_scan_scheme(const char *s, size_t len, ript_parse_error *err) {
  for (size_t i = 0; i < URI_SCHEME_LEN; ++i) {
    char c = i < len ? s[i] : '\0';
    if (i < 5 && c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (i == len || c != URI_SCHEME[i])
      return uri_fail(err, i, "\"https://\"");
  }
  return 0;
}

int ript_uri_parse(const char *uri, size_t len, unsigned flags,
                   ript_uri_parts *parts, ript_parse_error *err) {
  if ((!uri && len > 0) ||
      (flags & ~(RIPT_URI_FLAG_DOMAIN | RIPT_URI_FLAG_QUERY)))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = uri_scan_scheme(uri, len, err);
  if (rv != 0)
    return rv;
  size_t path_off = uri_authority_end(uri, len, flags);
  ript_uri_parts p;
  rv = uri_scan_authority(uri, URI_SCHEME_LEN, path_off, flags, &p, err);
  if (rv == 0)
    rv = uri_scan_path(uri, path_off, len, flags, err);
  if (rv != 0)
    return rv;
  p.path_off = path_off;
  p.path_len = len - path_off;
  if (parts)
    *parts = p;
  return 0;
}

/* Checks a relative path for ript_uri_join(): segments of pchar, none
 * empty, "." or "..". |path| has no leading '/'. */
static int uri_check_relative(const char *path, size_t len) {
  size_t seg = 0;
  for (size_t i = 0; i <= len; ++i) {
    if (i == len || path[i] == '/') {
      size_t n = i - seg;
      if (n == 0 || (n == 1 && path[seg] == '.') ||
          (n == 2 && path[seg] == '.' && path[seg + 1] == '.'))
        return RIPT_ERR_INVALID_ARGUMENT;
      seg = i + 1;
      continue;
    }
    size_t n = uri_pchar_len(path, len, i);
    if (n == 0)
      return RIPT_ERR_INVALID_ARGUMENT;
    i += n - 1;
  }
  return 0;
}

int ript_uri_join(const char *base, const char *path, ript_buf *out) {
  if (!base || !path || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t base_len = strlen(base);
  if (ript_uri_parse(base, base_len, 0, NULL, NULL) != 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (path[0] == '/')
    ++path;
  size_t path_len = strlen(path);
  if (uri_check_relative(path, path_len) != 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (base[base_len - 1] == '/')
    --base_len;
  int rv = ript_buf_reserve(out, base_len + 1 + path_len);
  if (rv != 0)
    return rv;
  ript_buf_append(out, base, base_len);
  ript_buf_append(out, "/", 1);
  ript_buf_append(out, path, path_len);
  return 0;
}

static int uri_well_known(const char *authority, const char *suffix,
                          ript_buf *out) {
  if (!authority || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t len = strlen(authority);
  ript_uri_parts p;
  if (uri_scan_authority(authority, 0, len, 0, &p, NULL) != 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t suffix_len = strlen(suffix);
  int rv = ript_buf_reserve(out, URI_SCHEME_LEN + len + suffix_len);
  if (rv != 0)
    return rv;
  ript_buf_append(out, URI_SCHEME, URI_SCHEME_LEN);
  ript_buf_append(out, authority, len);
  ript_buf_append(out, suffix, suffix_len);
  return 0;
}

int ript_uri_root(const char *authority, ript_buf *out) {
  return uri_well_known(authority, "/.well-known/ript", out);
}

int ript_uri_oauth(const char *authority, ript_buf *out) {
  return uri_well_known(authority, "/.well-known/ript-oauth", out);
}

int ript_uri_uuid_format(const uint8_t random[16],
                         char out[RIPT_URI_UUID_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  if (!random || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t o = 0;
  for (size_t i = 0; i < 16; ++i) {
    uint8_t b = random[i];
    if (i == 6)
      b = (uint8_t)((b & 0x0f) | 0x40); /* version 4 */
    else if (i == 8)
      b = (uint8_t)((b & 0x3f) | 0x80); /* variant 10xx */
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[b >> 4];
    out[o++] = hex[b & 0x0f];
  }
  out[o] = '\0';
  return 0;
}

static int uri_uuid_dash_at(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

int ript_uri_uuid_check(const char *s, size_t len, ript_parse_error *err) {
  if (!s && len > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < RIPT_URI_UUID_LEN; ++i) {
    if (i == len)
      return uri_fail(err, i, "a UUID of 36 characters");
    if (uri_uuid_dash_at(i) ? s[i] != '-' : !uri_is_hex(s[i]))
      return uri_fail(err, i, uri_uuid_dash_at(i) ? "'-' in the UUID"
                                                  : "a hex digit");
  }
  if (len > RIPT_URI_UUID_LEN)
    return uri_fail(err, RIPT_URI_UUID_LEN, "the end of the UUID");
  return 0;
}

int ript_uri_call_uuid(const char *uri, size_t len, size_t *uuid_off,
                       ript_parse_error *err) {
  if (!uri && len > 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_uri_parts p;
  int rv = ript_uri_parse(uri, len, 0, &p, err);
  if (rv != 0)
    return rv;
  size_t found = 0;
  int have = 0;
  size_t end = p.path_off + p.path_len;
  for (size_t seg = p.path_off; seg < end;) {
    ++seg; /* the '/' */
    const char *next = memchr(uri + seg, '/', end - seg);
    size_t seg_end = next ? (size_t)(next - uri) : end;
    if (ript_uri_uuid_check(uri + seg, seg_end - seg, NULL) == 0) {
      found = seg;
      have = 1;
    }
    seg = seg_end;
  }
  if (!have)
    return uri_fail(err, p.path_off, "a path segment holding a UUID");
  if (uuid_off)
    *uuid_off = found;
  return 0;
}

/*
 * Fuzzes destinations and the https URIs around them. The first line is a
 * destination pattern list, every further line a destination that is also
 * tried as a URI. Checks: validating and parsing a list agree; normalizing
 * is idempotent and a destination matches exactly as its normalized form
 * does; a parsed URI's parts lie inside it, its UUID passes the UUID check,
 * and joining a path to it gives a URI that parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/dest.h"
#include "ript/uri.h"

static void fuzz_destination(const ript_dest_list *list, const char *s,
                             size_t len) {
  char norm[RIPT_DEST_MAX_LEN + 1];
  ript_parse_error err;
  ript_ssize n = ript_dest_normalize(s, len, norm, &err);
  int m = list ? ript_dest_list_match(list, s, len, NULL) : 0;
  if (n < 0) {
    if (n != RIPT_ERR_PARSE || err.offset > len || (list && m != n))
      abort();
    return;
  }
  char again[RIPT_DEST_MAX_LEN + 1];
  if (ript_dest_normalize(norm, (size_t)n, again, NULL) != n ||
      strcmp(norm, again) != 0 || strlen(norm) != (size_t)n)
    abort();
  if (list && ript_dest_list_match(list, norm, (size_t)n, NULL) != m)
    abort();
}

static void fuzz_uri(const char *s, size_t len) {
  ript_uri_parts p;
  ript_parse_error err;
  if (ript_uri_parse(s, len, 0, &p, &err) != 0) {
    if (err.offset > len)
      abort();
    return;
  }
  if (p.authority_off + p.authority_len > len ||
      p.host_off + p.host_len > p.authority_off + p.authority_len ||
      p.path_off + p.path_len != len)
    abort();
  size_t off;
  if (ript_uri_call_uuid(s, len, &off, NULL) == 0 &&
      (off + RIPT_URI_UUID_LEN > len ||
       ript_uri_uuid_check(s + off, RIPT_URI_UUID_LEN, NULL) != 0))
    abort();
  char *z = malloc(len + 1);
  if (!z)
    return;
  memcpy(z, s, len);
  z[len] = '\0';
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (strlen(z) == len && ript_uri_join(z, "calls", &b) == 0 &&
      ript_uri_parse((const char *)b.data, b.len, 0, NULL, NULL) != 0)
    abort();
  ript_buf_free(&b);
  free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *nl = memchr(s, '\n', size);
  size_t first = nl ? (size_t)(nl - s) : size;
  ript_dest_list *list = NULL;
  ript_parse_error e1, e2;
  int v = ript_dest_list_validate(s, first, &e1);
  int rv = ript_dest_list_new(&list, s, first, &e2, NULL);
  if (v != rv || (v != 0 && e1.offset != e2.offset) ||
      (rv == 0 && ript_dest_list_count(list) == 0))
    abort();
  size_t pos = nl ? first + 1 : size;
  while (pos < size) {
    const char *end = memchr(s + pos, '\n', size - pos);
    size_t len = end ? (size_t)(end - (s + pos)) : size - pos;
    fuzz_destination(list, s + pos, len);
    fuzz_uri(s + pos, len);
    pos += len + 1;
  }
  ript_dest_list_del(list);
  return 0;
}

/* application/x-www-form-urlencoded lookups. */
#include <string.h>

#include "form.h"

static int form_hex(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int riptd_form_decode(const char *in, size_t len, char *out, size_t outlen) {
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) {
    int c = (unsigned char)in[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 2 < len ? form_hex(in[i + 1]) : -1;
      int lo = i + 2 < len ? form_hex(in[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return -1;
      c = hi << 4 | lo;
      i += 2;
    }
    if (c == 0 || n + 1 >= outlen)
      return -1;
    out[n++] = (char)c;
  }
  if (n >= outlen)
    return -1;
  out[n] = '\0';
  return (int)n;
}

int riptd_form_get(const uint8_t *body, size_t len, const char *name,
                   char *out, size_t outlen) {
  const char *p = (const char *)body, *end = p + len;
  int found = 0;
  char key[64];
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(stop - p));
    if (stop > p) {
      if (!eq)
        return -1;
      int klen = riptd_form_decode(p, (size_t)(eq - p), key, sizeof(key));
      if (klen >= 0 && strcmp(key, name) == 0) {
        if (found ||
            riptd_form_decode(eq + 1, (size_t)(stop - eq - 1), out, outlen) <
                0)
          return -1;
        found = 1;
      }
    }
    p = amp ? amp + 1 : end;
  }
  return found;
}

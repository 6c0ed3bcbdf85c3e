#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript_mem.h"

void ript_buf_init(ript_buf *buf, const ript_mem *mem) {
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->mem = mem;
}

void ript_buf_free(ript_buf *buf) {
  ript_mem_free(buf->mem, buf->data);
  ript_buf_init(buf, buf->mem);
}

void ript_buf_reset(ript_buf *buf) {
  buf->len = 0;
  if (buf->data)
    buf->data[0] = '\0';
}

/* Keeps one spare byte beyond |len| for the terminating NUL. */
int ript_buf_reserve(ript_buf *buf, size_t extra) {
  if (extra > SIZE_MAX - buf->len - 1)
    return RIPT_ERR_NOMEM;
  size_t need = buf->len + extra + 1;
  if (need <= buf->cap)
    return 0;
  size_t cap = buf->cap ? buf->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *data = ript_mem_realloc(buf->mem, buf->data, cap);
  if (!data)
    return RIPT_ERR_NOMEM;
  buf->data = data;
  buf->cap = cap;
  return 0;
}

int ript_buf_append(ript_buf *buf, const void *data, size_t len) {
  int rv = ript_buf_reserve(buf, len);
  if (rv != 0)
    return rv;
  if (len)
    memcpy(buf->data + buf->len, data, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
  return 0;
}

int ript_buf_append_str(ript_buf *buf, const char *s) {
  return ript_buf_append(buf, s, strlen(s));
}

int ript_buf_append_printable(ript_buf *buf, const char *s) {
  size_t start = buf->len;
  int rv = ript_buf_append_str(buf, s);
  for (size_t i = start; rv == 0 && i < buf->len; ++i)
    if (buf->data[i] < 0x20 || buf->data[i] == 0x7f)
      buf->data[i] = '?';
  return rv;
}

int ript_buf_printf(ript_buf *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = ript_buf_reserve(buf, (size_t)n);
  if (rv != 0)
    return rv;
  va_start(ap, fmt);
  vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  buf->len += (size_t)n;
  return 0;
}

/*
 * ript/buf.h - a growable byte buffer that printers and writers append to.
 *
 * The caller owns the ript_buf struct (ript_buf_init / ript_buf_free); the
 * bytes belong to the buffer and stay valid until the next append or free.
 * |data| is always NUL-terminated after a successful append (the NUL is not
 * counted in |len|), so text output can be used as a C string.
 */
#ifndef RIPT_BUF_H
#define RIPT_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ript/mem.h"

typedef struct ript_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  const ript_mem *mem;
} ript_buf;

/* Initialises an empty buffer that allocates with |mem| (NULL: default). */
void ript_buf_init(ript_buf *buf, const ript_mem *mem);

/* Frees the bytes; the buffer is empty and may be reused. */
void ript_buf_free(ript_buf *buf);

/* Empties the buffer, keeping its capacity. */
void ript_buf_reset(ript_buf *buf);

/* Appends |len| bytes. Returns 0 or RIPT_ERR_NOMEM (buffer unchanged). */
int ript_buf_append(ript_buf *buf, const void *data, size_t len);

/* Appends a NUL-terminated string. Returns 0 or RIPT_ERR_NOMEM. */
int ript_buf_append_str(ript_buf *buf, const char *s);

/* Appends a NUL-terminated string with every ASCII control character
 * (below 0x20, and DEL) replaced by '?': for text a peer chose that is
 * shown to people, so it can neither break a line nor drive a terminal.
 * Returns 0 or RIPT_ERR_NOMEM (buffer unchanged). */
int ript_buf_append_printable(ript_buf *buf, const char *s);

/* Appends printf-style formatted text. Returns 0 or RIPT_ERR_NOMEM. */
int ript_buf_printf(ript_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ensures room for |extra| more bytes. Returns 0 or RIPT_ERR_NOMEM. */
int ript_buf_reserve(ript_buf *buf, size_t extra);

#endif /* RIPT_BUF_H */

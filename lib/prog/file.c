/* Whole-file reads for ript's programs (ript_prog.h). */
#include <errno.h>
#include <stdio.h>

#include "ript/error.h"
#include "ript_prog.h"

int ript_file_read(const char *path, size_t max, ript_buf *out) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return RIPT_ERR_INVALID_ARGUMENT;
  char chunk[65536];
  size_t n, total = 0;
  int rv = 0;
  while (rv == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    rv = n > max - total ? RIPT_ERR_LIMIT : ript_buf_append(out, chunk, n);
    total += n;
  }
  int why = ferror(f) ? errno : 0;
  fclose(f);
  if (rv == 0 && why) {
    errno = why;
    rv = RIPT_ERR_INVALID_ARGUMENT;
  }
  return rv;
}

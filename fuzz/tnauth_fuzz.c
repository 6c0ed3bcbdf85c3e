/*
 * TNAuthList DER parser. Invariants on success: the encoder gives the input
 * back byte for byte (the parser accepts canonical DER only), and every
 * number the list names is covered by it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/stir.h"

static void tnauth_check_coverage(const ript_stir_tnauth *l) {
  for (size_t i = 0; i < l->len; ++i) {
    const ript_stir_tnentry *e = &l->entries[i];
    if (e->type == RIPT_STIR_TNENTRY_SPC ||
        strspn(e->value, "0123456789") != strlen(e->value))
      continue;
    if (ript_stir_tnauth_covers(l, e->value) != 1)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_stir_tnauth l;
  ript_parse_error err = {0, NULL};
  ript_stir_tnauth_init(&l, NULL);
  int rv = ript_stir_tnauth_parse(&l, data, size, &err);
  if (rv == 0) {
    ript_buf der;
    ript_buf_init(&der, NULL);
    if (ript_stir_tnauth_encode(&l, &der) != 0 || der.len != size ||
        memcmp(der.data, data, size) != 0)
      abort();
    ript_buf_free(&der);
    tnauth_check_coverage(&l);
  } else if (rv != RIPT_ERR_PARSE || !err.expected || err.offset > size ||
             l.len != 0) {
    abort();
  }
  ript_stir_tnauth_free(&l);
  return 0;
}

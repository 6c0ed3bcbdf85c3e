/*
 * Fuzzes the advertisement parser. On success the canonical print must parse
 * again and print identically (print is a fixed point of parse + print).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/advert.h"

static void advert_fuzz_roundtrip(const uint8_t *data, size_t size,
                                  ript_advert_kind kind) {
  ript_advert *adv;
  ript_parse_error err;
  int rv = ript_advert_parse(&adv, (const char *)data, size, kind, &err, NULL);
  if (rv != 0) {
    if (rv != RIPT_ERR_PARSE && rv != RIPT_ERR_RANGE && rv != RIPT_ERR_LIMIT)
      abort();
    if (err.offset > size || !err.expected)
      abort();
    return;
  }
  ript_buf once, twice;
  ript_buf_init(&once, NULL);
  ript_buf_init(&twice, NULL);
  if (adv->nentries == 0 || ript_advert_print(adv, &once) != 0)
    abort();
  ript_advert *again;
  if (ript_advert_parse(&again, (const char *)once.data, once.len, kind, NULL,
                        NULL) != 0 ||
      again->nentries != adv->nentries ||
      ript_advert_print(again, &twice) != 0 || twice.len != once.len ||
      memcmp(once.data, twice.data, once.len) != 0)
    abort();
  ript_advert_del(again);
  ript_advert_del(adv);
  ript_buf_free(&once);
  ript_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  advert_fuzz_roundtrip(data, size, RIPT_ADVERT_KIND_ADVERTISEMENT);
  return 0;
}

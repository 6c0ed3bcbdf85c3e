/*
 * CSR parser (PEM or DER). Invariants: success means a canonical number
 * that round-trips through E.164; failure is a parse or signature error
 * with nothing returned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/stir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  ript_stir_csr *csr = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_csr_parse(&csr, data, size, NULL, &err);
  if (rv == 0) {
    char e164[RIPT_STIR_E164_BUFLEN], back[RIPT_STIR_TN_BUFLEN];
    const char *tn = ript_stir_csr_tn(csr);
    if (ript_stir_tn_to_e164(tn, e164, sizeof(e164)) < 0 ||
        ript_stir_tn_from_e164(e164, back, sizeof(back)) < 0 ||
        strcmp(back, tn) != 0)
      abort();
    ript_stir_csr_del(csr);
  } else if (csr || (rv != RIPT_ERR_PARSE && rv != RIPT_ERR_SIGNATURE) ||
             (rv == RIPT_ERR_PARSE && !err.expected)) {
    abort();
  }
  return 0;
}

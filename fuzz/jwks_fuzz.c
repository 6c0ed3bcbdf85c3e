/*
 * JWK Set parser. A parsed set must be consistent: every key has a
 * non-empty kid and an algorithm, and looking a key up by its kid and
 * algorithm finds that very key (kids are unique per key type). A refusal
 * must be RIPT_ERR_PARSE or RIPT_ERR_LIMIT with a reason and an offset
 * inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ript/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void jwks_check(const ript_oauth_jwks *set, size_t size) {
  size_t len = ript_oauth_jwks_len(set);
  /* Every used or skipped key took at least two bytes ("{}"). */
  if (len + ript_oauth_jwks_skipped(set) > size / 2)
    abort();
  for (size_t i = 0; i < len; ++i) {
    const char *kid = ript_oauth_jwks_kid(set, i);
    ript_oauth_alg alg = ript_oauth_jwks_alg(set, i);
    if (!kid || !*kid ||
        (alg != RIPT_OAUTH_ALG_ES256 && alg != RIPT_OAUTH_ALG_RS256) ||
        ript_oauth_jwks_find(set, kid, alg) != (ript_ssize)i)
      abort();
  }
  if (ript_oauth_jwks_kid(set, len) || ript_oauth_jwks_alg(set, len))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_oauth_jwks *set = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_oauth_jwks_parse(&set, (const char *)data, size, 0, NULL, &err);
  if (rv == 0) {
    jwks_check(set, size);
    ript_oauth_jwks_del(set);
  } else if ((rv != RIPT_ERR_PARSE && rv != RIPT_ERR_LIMIT) || set ||
             !err.expected || err.offset > size) {
    abort();
  }
  return 0;
}

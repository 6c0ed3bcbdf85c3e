/* Internal to libript's OAuth module: the key set shared by jwks.c (which
 * builds it) and jwt.c (which verifies with it). */
#ifndef RIPT_CORE_OAUTH_INTERNAL_H
#define RIPT_CORE_OAUTH_INTERNAL_H

#include <gnutls/abstract.h>

#include "ript/doc.h"
#include "ript/oauth.h"

typedef struct ript_oauth_jwk {
  const char *kid; /* in the set's store */
  ript_oauth_alg alg;
  size_t siglen; /* the signature length the key makes, in bytes */
  gnutls_pubkey_t pub;
} ript_oauth_jwk;

struct ript_oauth_jwks {
  const ript_mem *mem;
  ript_doc_store store; /* the keys array and the kids */
  ript_oauth_jwk *keys;
  size_t len;
  size_t skipped;
};

/* The longest signature any usable key makes: RS256 with the largest
 * modulus. */
#define RIPT_OAUTH_MAX_SIG_LEN (RIPT_OAUTH_RSA_MAX_BITS / 8)

#endif /* RIPT_CORE_OAUTH_INTERNAL_H */

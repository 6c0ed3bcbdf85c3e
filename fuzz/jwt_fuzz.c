/*
 * Access-token verification on whole tokens, against one issuer whose key
 * set holds the ES256 key and the RS256 key of docs/examples/oauth.md.
 * Every answer must be one the header documents, a refusal must leave the
 * token empty with a description, a parse error must point inside the
 * input, and a success must carry a customer and an expiry the clock has
 * not passed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/oauth.h"

#define NOW INT64_C(1767226200)

/* docs/examples/oauth.md: oauth-es256-jwks and oauth-rs256-jwks. */
static const char jwks_text[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"2026-01\","
    "\"use\":\"sig\",\"alg\":\"ES256\","
    "\"x\":\"0wKWhzRrlBOwFUOofRZ9CWlVEaSKORKeNxTpUGyzLGk\","
    "\"y\":\"1ntt3SHnm4Y8LTcR1dWYYTJot7Yq9O33LXqvp3xfWUM\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa-2026\",\"use\":\"sig\",\"alg\":\"RS256\","
    "\"n\":\"q3SEDmj-rbheMLtgTdGXh3Gk1TLUHZOM0ipDDt6VAJjcrrCf8kOi2lSmDCiy30zy"
    "N7s1wTaLVmphSOfUGAp9CYdta9sUddUAyL3hF8fBFXwlqJN1nZyZX_TdggcL1QHsoi6PrB"
    "ep7WL3g4ixZj1a86YBfNX5N_JBM0rajZhn-KZ_wa6hYLREbizPLhmyD87FvutBg40gxXot"
    "_xX25QF1ASmXFDzJKyqrrAyWG2f5GUhs7MBWynGiblX8_C86ycq8sXgHtvfaGti5NdutFK"
    "5uE5Aftr0o4fx-_r1qOyQIK3Qf2hJ_Z0jvXX6m4RNzNdMjnmxBB3r_Fr5uaIGAXdyFrw\","
    "\"e\":\"AQAB\"}]}";

static const ript_oauth_jwks *jwt_jwks(void) {
  static ript_oauth_jwks *set; /* the harness's, kept for the whole run */
  if (!set && ript_oauth_jwks_parse(&set, jwks_text, sizeof(jwks_text) - 1, 0,
                                    NULL, NULL) != 0)
    abort();
  return set;
}

static int jwt_is_refusal(int rv) {
  return rv == RIPT_ERR_PARSE || rv == RIPT_ERR_SIGNATURE ||
         rv == RIPT_ERR_UNKNOWN_KEY || rv == RIPT_ERR_MISMATCH ||
         rv == RIPT_ERR_STALE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_oauth_issuer iss;
  ript_oauth_issuer_init(&iss);
  iss.issuer = "https://auth.example.com";
  iss.audience = "https://ript.example.com/.well-known/ript";
  iss.jwks = jwt_jwks();
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  ript_parse_error err = {0, NULL};
  int rv =
      ript_oauth_verify(&iss, 1, (const char *)data, size, NOW, &tok, &err);
  if (rv == 0) {
    if (!tok.customer || !*tok.customer || !tok.scope ||
        tok.error_description ||
        (tok.exp <= INT64_MAX - iss.skew_s && NOW >= tok.exp + iss.skew_s) ||
        ript_oauth_token_has_scope(&tok, "ript") < 0)
      abort();
  } else if (!jwt_is_refusal(rv) || !tok.error_description || tok.customer ||
             (rv == RIPT_ERR_PARSE && (!err.expected || err.offset > size))) {
    abort();
  }
  ript_oauth_token_free(&tok);
  return 0;
}

/*
 * Access-token verification past the signature: the input is a JOSE header
 * and a claims set (the text before and after the first newline; without
 * one, all of it is the claims and the header is the usual ES256 one),
 * which the target signs with the ES256 key of docs/examples/oauth.md, so
 * every header and claim rule is reached. Besides the invariants of
 * jwt_fuzz: the signature was made correctly, so the answer is never
 * "invalid signature", and a parse error is never in the signature part.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "jws.h"
#include "ript/oauth.h"
#include "stir_internal.h"

#define NOW INT64_C(1767226200)

/* docs/examples/oauth.md, example=oauth-es256-key. */
static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVtOQCxMsUHLdrFnY\n"
    "3Ybj1fdIScjU0/yleY+cw7pb0PihRANCAATTApaHNGuUE7AVQ6h9Fn0JaVURpIo5\n"
    "Ep43FOlQbLMsadZ7bd0h55uGPC03EdXVmGEyaLe2KvTt9y16r6d8X1lD\n"
    "-----END PRIVATE KEY-----\n";

/* Its JWKS alone: a kid it does not have is an unknown key, an RS256
 * header with its kid names the wrong algorithm, so "invalid signature"
 * could only mean a bug. */
static const char jwks_text[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"2026-01\","
    "\"x\":\"0wKWhzRrlBOwFUOofRZ9CWlVEaSKORKeNxTpUGyzLGk\","
    "\"y\":\"1ntt3SHnm4Y8LTcR1dWYYTJot7Yq9O33LXqvp3xfWUM\"}]}";

static const char default_header[] =
    "{\"alg\":\"ES256\",\"kid\":\"2026-01\",\"typ\":\"at+jwt\"}";

/* The harness's, kept for the whole run. */
static ript_stir_key *claims_key;
static ript_oauth_jwks *claims_jwks;

static void claims_setup(void) {
  if (claims_key)
    return;
  if (ript_stir_key_parse(&claims_key, (const uint8_t *)key_pem,
                          sizeof(key_pem) - 1, NULL, NULL) != 0 ||
      ript_oauth_jwks_parse(&claims_jwks, jwks_text, sizeof(jwks_text) - 1, 0,
                            NULL, NULL) != 0)
    abort();
}

/* The signed token for |header| and |claims|. */
static void claims_sign(ript_buf *out, const uint8_t *header, size_t hlen,
                        const uint8_t *claims, size_t clen) {
  if (ript_base64url_encode(out, header, hlen) != 0 ||
      ript_buf_append(out, ".", 1) != 0 ||
      ript_base64url_encode(out, claims, clen) != 0 ||
      ript_jws_finish_es256(out, 0, claims_key->priv) != 0)
    abort();
}

static int claims_is_refusal(int rv) {
  return rv == RIPT_ERR_PARSE || rv == RIPT_ERR_SIGNATURE ||
         rv == RIPT_ERR_UNKNOWN_KEY || rv == RIPT_ERR_MISMATCH ||
         rv == RIPT_ERR_STALE;
}

static void claims_verify(const ript_buf *token) {
  ript_oauth_issuer iss;
  ript_oauth_issuer_init(&iss);
  iss.issuer = "https://auth.example.com";
  iss.audience = "https://ript.example.com/.well-known/ript";
  iss.jwks = claims_jwks;
  iss.customer_claim = "ript_customer";
  ript_oauth_token tok;
  ript_oauth_token_init(&tok, NULL);
  ript_parse_error err = {0, NULL};
  const char *text = (const char *)token->data;
  int rv = ript_oauth_verify(&iss, 1, text, token->len, NOW, &tok, &err);
  size_t sig_at = (size_t)(strrchr(text, '.') - text);
  if (rv == 0) {
    if (!tok.customer || !*tok.customer || !tok.scope ||
        (tok.exp <= INT64_MAX - iss.skew_s && NOW >= tok.exp + iss.skew_s))
      abort();
  } else if (!claims_is_refusal(rv) || !tok.error_description || tok.customer ||
             (rv == RIPT_ERR_PARSE && (!err.expected || err.offset > sig_at)) ||
             (rv == RIPT_ERR_SIGNATURE &&
              strcmp(tok.error_description, "invalid signature") == 0)) {
    abort();
  }
  ript_oauth_token_free(&tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  claims_setup();
  const uint8_t *nl = memchr(data, '\n', size);
  const uint8_t *header = (const uint8_t *)default_header;
  size_t hlen = sizeof(default_header) - 1;
  const uint8_t *claims = data;
  size_t clen = size;
  if (nl) {
    header = data;
    hlen = (size_t)(nl - data);
    claims = nl + 1;
    clen = size - hlen - 1;
  }
  ript_buf token;
  ript_buf_init(&token, NULL);
  claims_sign(&token, header, hlen, claims, clen);
  claims_verify(&token);
  ript_buf_free(&token);
  return 0;
}

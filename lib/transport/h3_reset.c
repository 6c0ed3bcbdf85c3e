/* Stateless Reset tokens and packets (h3_reset.h). */
#include "h3_reset.h"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "ript/error.h"

enum {
  /* A reset answering a packet up to this long is one byte shorter than
   * it (RFC 9000 §10.3). */
  RESET_SHORT_PKT = 43,
};

int ript_h3_reset_token(uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN],
                        const uint8_t *key, size_t keylen,
                        const ngtcp2_cid *cid) {
  int rv = key ? ngtcp2_crypto_generate_stateless_reset_token(token, key,
                                                              keylen, cid)
               : gnutls_rnd(GNUTLS_RND_RANDOM, token,
                            NGTCP2_STATELESS_RESET_TOKENLEN);
  return rv == 0 ? 0 : RIPT_ERR_CRYPTO;
}

size_t ript_h3_reset_size(const ngtcp2_cid *dcid, size_t pktlen) {
  if (pktlen < dcid->datalen + 21 ||
      pktlen <= NGTCP2_STATELESS_RESET_TOKENLEN +
                    NGTCP2_MIN_STATELESS_RESET_RANDLEN)
    return 0;
  return pktlen <= RESET_SHORT_PKT ? pktlen - 1 : RIPT_H3_RESET_MAX;
}

ngtcp2_ssize ript_h3_reset_write(uint8_t *dest, size_t destlen,
                                 const uint8_t *key, size_t keylen,
                                 const ngtcp2_cid *dcid, size_t size) {
  if (size > destlen || size > RIPT_H3_RESET_MAX ||
      size < NGTCP2_STATELESS_RESET_TOKENLEN +
                 NGTCP2_MIN_STATELESS_RESET_RANDLEN)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t randlen = size - NGTCP2_STATELESS_RESET_TOKENLEN;
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  uint8_t rand[RIPT_H3_RESET_MAX];
  if (ript_h3_reset_token(token, key, keylen, dcid) != 0 ||
      gnutls_rnd(GNUTLS_RND_NONCE, rand, randlen) != 0)
    return RIPT_ERR_CRYPTO;
  return ngtcp2_pkt_write_stateless_reset(dest, destlen, token, rand, randlen);
}

/*
 * Stateless Reset (RFC 9000 §10.3) for the HTTP/3 server: the reset token
 * of each connection ID it issues, and the packet that answers a
 * short-header packet for an ID it does not know.
 *
 * With a static key (ript_http_server_config.stateless_reset_key) a token
 * is a function of the key and the ID, so a server that lost a connection's
 * state (it restarted, or the packet reached another node with the same
 * key) still computes the token the client holds for it, and the client
 * closes the connection on the first reset instead of waiting for its idle
 * timeout. Without a key tokens are random and nothing is ever answered.
 */
#ifndef RIPT_H3_RESET_H
#define RIPT_H3_RESET_H

#include <stddef.h>
#include <stdint.h>

#include <ngtcp2/ngtcp2.h>

enum {
  /* Stateless Resets one listener sends: a burst, then this many a
   * second. */
  RIPT_H3_RESET_BURST = 1000,
  RIPT_H3_RESET_RATE = 200,
  /* The longest reset we send: ngtcp2's examples' size (the longest
   * connection ID plus 22 bytes), which is below any packet longer than
   * 43 bytes. */
  RIPT_H3_RESET_MAX = NGTCP2_MAX_CIDLEN + 22,
};

/* The reset token of |cid|: with |key| (|keylen| bytes) HKDF-SHA256 of the
 * key with the ID as salt (ngtcp2_crypto_generate_stateless_reset_token);
 * with none (NULL), random. Returns 0 or RIPT_ERR_CRYPTO. */
int ript_h3_reset_token(uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN],
                        const uint8_t *key, size_t keylen,
                        const ngtcp2_cid *cid);

/*
 * The size of the Stateless Reset that answers a short-header packet of
 * |pktlen| bytes for |dcid|: one byte shorter than the packet up to 43
 * bytes, RIPT_H3_RESET_MAX beyond, so that two endpoints can never keep
 * resetting each other. 0 for a packet shorter than |dcid| plus 21 bytes,
 * which cannot be a QUIC packet for it (too short for header protection's
 * sample) and gets none.
 */
size_t ript_h3_reset_size(const ngtcp2_cid *dcid, size_t pktlen);

/* Writes into |dest| (|destlen| bytes) a Stateless Reset of |size| bytes
 * (from ript_h3_reset_size) with |dcid|'s token under |key| (not NULL).
 * Returns |size|, RIPT_ERR_INVALID_ARGUMENT (a size that is no reset's, or
 * more than |destlen|) or RIPT_ERR_CRYPTO. */
ngtcp2_ssize ript_h3_reset_write(uint8_t *dest, size_t destlen,
                                 const uint8_t *key, size_t keylen,
                                 const ngtcp2_cid *dcid, size_t size);

#endif /* RIPT_H3_RESET_H */

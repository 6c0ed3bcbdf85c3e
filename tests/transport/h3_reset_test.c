/*
 * Stateless Reset (h3_reset.h): the token derivation, the sizes of the
 * reset that answers a packet, the packet itself, and the token bucket
 * that limits how many a listener sends (http_internal.h).
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2.h>

#include "h3_reset.h"
#include "http_internal.h"
#include "testutil.h"

static const uint8_t key_a[32] = "ript stateless reset test key A";
static const uint8_t key_b[32] = "ript stateless reset test key B";

static ngtcp2_cid cid_of(uint8_t first) {
  ngtcp2_cid cid;
  cid.datalen = 16;
  for (size_t i = 0; i < cid.datalen; ++i)
    cid.data[i] = (uint8_t)(first + i);
  return cid;
}

/* What the token must be, computed here with GnuTLS's HKDF: SHA-256, the
 * key as input keying material, the connection ID as salt, the info
 * "stateless_reset" (what ngtcp2's examples compute, so another
 * implementation sharing the key can answer for us). */
static void expected_token(uint8_t out[16], const uint8_t *key, size_t keylen,
                           const ngtcp2_cid *cid) {
  uint8_t prk[32], ikmbuf[64], saltbuf[NGTCP2_MAX_CIDLEN];
  assert_true(keylen <= sizeof(ikmbuf));
  memcpy(ikmbuf, key, keylen);
  memcpy(saltbuf, cid->data, cid->datalen);
  gnutls_datum_t ikm = {ikmbuf, (unsigned)keylen};
  gnutls_datum_t salt = {saltbuf, (unsigned)cid->datalen};
  assert_int_equal(gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, prk),
                   0);
  gnutls_datum_t prkd = {prk, sizeof(prk)};
  unsigned char label[] = "stateless_reset";
  gnutls_datum_t info = {label, sizeof(label) - 1};
  assert_int_equal(
      gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &prkd, &info, out, 16), 0);
}

static void test_token(void **state) {
  (void)state;
  ngtcp2_cid c1 = cid_of(1), c2 = cid_of(2);
  uint8_t t1[16], t1again[16], t2[16], tb[16], want[16];
  assert_int_equal(ript_h3_reset_token(t1, key_a, sizeof(key_a), &c1), 0);
  assert_int_equal(ript_h3_reset_token(t1again, key_a, sizeof(key_a), &c1),
                   0);
  assert_int_equal(ript_h3_reset_token(t2, key_a, sizeof(key_a), &c2), 0);
  assert_int_equal(ript_h3_reset_token(tb, key_b, sizeof(key_b), &c1), 0);
  /* The same key and ID: the same token, in this process or a later one. */
  assert_memory_equal(t1, t1again, 16);
  expected_token(want, key_a, sizeof(key_a), &c1);
  assert_memory_equal(t1, want, 16);
  /* Another ID or another key: another token. */
  assert_memory_not_equal(t1, t2, 16);
  assert_memory_not_equal(t1, tb, 16);
  /* No key: random each time. */
  uint8_t r1[16], r2[16];
  assert_int_equal(ript_h3_reset_token(r1, NULL, 0, &c1), 0);
  assert_int_equal(ript_h3_reset_token(r2, NULL, 0, &c1), 0);
  assert_memory_not_equal(r1, r2, 16);
  assert_memory_not_equal(r1, t1, 16);
}

static void test_size(void **state) {
  (void)state;
  ngtcp2_cid c = cid_of(1);
  /* Too short to be a packet for a 16-byte ID: 1 + 16 + 4 + 16 bytes is
   * the least that header protection can sample. */
  assert_int_equal(ript_h3_reset_size(&c, 0), 0);
  assert_int_equal(ript_h3_reset_size(&c, 36), 0);
  /* Up to 43 bytes, one byte less; beyond, always 42. */
  assert_int_equal(ript_h3_reset_size(&c, 37), 36);
  assert_int_equal(ript_h3_reset_size(&c, 43), 42);
  assert_int_equal(ript_h3_reset_size(&c, 44), 42);
  assert_int_equal(ript_h3_reset_size(&c, 1500), RIPT_H3_RESET_MAX);
  /* An empty ID: the reset itself must still be 21 bytes. */
  ngtcp2_cid empty = {.datalen = 0};
  assert_int_equal(ript_h3_reset_size(&empty, 21), 0);
  assert_int_equal(ript_h3_reset_size(&empty, 22), 21);
}

static void test_write(void **state) {
  (void)state;
  ngtcp2_cid c = cid_of(7);
  uint8_t token[16], pkt[64];
  assert_int_equal(ript_h3_reset_token(token, key_a, sizeof(key_a), &c), 0);
  static const size_t sizes[] = {21, 36, 42};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); ++i) {
    memset(pkt, 0xff, sizeof(pkt));
    assert_int_equal(ript_h3_reset_write(pkt, sizeof(pkt), key_a,
                                         sizeof(key_a), &c, sizes[i]),
                     (ngtcp2_ssize)sizes[i]);
    /* A short header with the fixed bit, random bytes, the token last;
     * nothing written past it. */
    assert_int_equal(pkt[0] & 0xc0, 0x40);
    assert_memory_equal(pkt + sizes[i] - 16, token, 16);
    assert_int_equal(pkt[sizes[i]], 0xff);
  }
  /* Sizes that are no reset's, and too little room. */
  assert_int_equal(
      ript_h3_reset_write(pkt, sizeof(pkt), key_a, sizeof(key_a), &c, 20),
      RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_h3_reset_write(pkt, sizeof(pkt), key_a, sizeof(key_a),
                                       &c, RIPT_H3_RESET_MAX + 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_h3_reset_write(pkt, 30, key_a, sizeof(key_a), &c, 36),
      RIPT_ERR_INVALID_ARGUMENT);
}

static void test_bucket(void **state) {
  (void)state;
  ript_http_bucket b = {0};
  /* It starts full: a burst of 3. */
  for (int i = 0; i < 3; ++i)
    assert_int_equal(ript_http_bucket_take(&b, 3, 200, 1000), 0);
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 1000), 1);
  /* 200 a second: one more every 5 ms. */
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 1004), 1);
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 1005), 0);
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 1005), 1);
  /* A long pause refills it up to the burst, no further. */
  for (int i = 0; i < 3; ++i)
    assert_int_equal(ript_http_bucket_take(&b, 3, 200, 60000), 0);
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 60000), 1);
  /* A clock that goes back adds nothing. */
  assert_int_equal(ript_http_bucket_take(&b, 3, 200, 50000), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_token),
      cmocka_unit_test(test_size),
      cmocka_unit_test(test_write),
      cmocka_unit_test(test_bucket),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

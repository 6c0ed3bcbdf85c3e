/*
 * End-to-end media keys: the "ID:SECRET" text and the per-sender chunk keys
 * derived from it (ript/mediakey.h).
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base64url.h"
#include "hex.h"
#include "ript/mediakey.h"

#define MEDIAKEY_TAG_LEN 16u
#define MEDIAKEY_DIRECTION_BIT 0x8000u
#define MEDIAKEY_RANDOM_MASK 0x7fffu

static int mediakey_fail(ript_mediakey *mk, ript_parse_error *err,
                         size_t offset, const char *expected) {
  memset(mk, 0, sizeof(*mk));
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

/* The decimal ID at the start of |text|; its length in |*n|. */
static int mediakey_parse_id(ript_mediakey *mk, const char *text, size_t len,
                             size_t *n, ript_parse_error *err) {
  uint32_t id = 0;
  size_t i = 0;
  while (i < len && text[i] >= '0' && text[i] <= '9') {
    if (i == 1 && text[0] == '0')
      return mediakey_fail(mk, err, 1, "':' (an ID has no leading zero)");
    id = id * 10 + (uint32_t)(text[i] - '0');
    if (id > UINT16_MAX)
      return mediakey_fail(mk, err, 0, "an ID of at most 65535");
    ++i;
  }
  if (i == 0)
    return mediakey_fail(mk, err, 0, "a decimal key ID");
  mk->id = (uint16_t)id;
  *n = i;
  return 0;
}

static int mediakey_parse_hex(ript_mediakey *mk, const char *s, size_t len,
                              size_t base, ript_parse_error *err) {
  for (size_t i = 0; i < len; ++i) {
    int v = ript_hex_digit(s[i]);
    if (v < 0)
      return mediakey_fail(mk, err, base + i, "a hex digit");
    mk->secret[i / 2] = (uint8_t)((mk->secret[i / 2] << 4) | v);
  }
  mk->secret_len = len / 2;
  return 0;
}

static int mediakey_parse_b64(ript_mediakey *mk, const char *s, size_t len,
                              size_t base, ript_parse_error *err) {
  ript_parse_error perr = {0, NULL};
  ript_ssize n = ript_base64url_decode(mk->secret, sizeof(mk->secret), s, len,
                                       &perr);
  if (n < 0)
    return mediakey_fail(mk, err, base + perr.offset,
                         "a base64url character (A-Z a-z 0-9 - _, the last "
                         "one with its unused bits zero)");
  mk->secret_len = (size_t)n;
  return 0;
}

int ript_mediakey_parse(ript_mediakey *mk, const char *text, size_t len,
                        ript_parse_error *err) {
  if (!mk || (!text && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(mk, 0, sizeof(*mk));
  size_t n;
  int rv = mediakey_parse_id(mk, text, len, &n, err);
  if (rv < 0)
    return rv;
  if (n == len || text[n] != ':')
    return mediakey_fail(mk, err, n, "':' after the key ID");
  const char *s = text + n + 1;
  size_t slen = len - n - 1, base = n + 1;
  if (slen == 32 || slen == 64)
    rv = mediakey_parse_hex(mk, s, slen, base, err);
  else if (slen == 22 || slen == 43)
    rv = mediakey_parse_b64(mk, s, slen, base, err);
  else
    return mediakey_fail(mk, err, base,
                         "a secret of 32 or 64 hex digits or 22 or 43 "
                         "base64url characters");
  if (rv < 0)
    return rv;
  mk->cipher = mk->secret_len == 16 ? RIPT_CHUNK_CIPHER_AES128_GCM
                                    : RIPT_CHUNK_CIPHER_AES256_GCM;
  return 0;
}

uint32_t ript_mediakey_key_id(const ript_mediakey *mk, uint8_t direction,
                              uint16_t r) {
  uint32_t id = mk ? mk->id : 0;
  return id << 16 | (direction ? MEDIAKEY_DIRECTION_BIT : 0u) |
         (r & MEDIAKEY_RANDOM_MASK);
}

bool ript_mediakey_matches(const ript_mediakey *mk, uint32_t key_id) {
  return mk && (key_id >> 16) == mk->id;
}

int ript_mediakey_derive(const ript_mediakey *mk, uint32_t key_id,
                         ript_chunk_key *key) {
  if (!key)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(key, 0, sizeof(*key));
  if (!mk || !ript_mediakey_matches(mk, key_id) ||
      (mk->secret_len != 16 && mk->secret_len != 32))
    return RIPT_ERR_INVALID_ARGUMENT;
  return ript_chunk_key_derive(key, key_id, mk->cipher, mk->secret,
                               mk->secret_len, MEDIAKEY_TAG_LEN);
}

int ript_mediakey_sender(const ript_mediakey *mk, uint8_t direction,
                         ript_chunk_key *key) {
  if (!key)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(key, 0, sizeof(*key));
  if (!mk || (direction != RIPT_CHUNK_DIR_C2S && direction != RIPT_CHUNK_DIR_S2C))
    return RIPT_ERR_INVALID_ARGUMENT;
  uint16_t r;
  if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r)) != 0)
    return RIPT_ERR_CRYPTO;
  return ript_mediakey_derive(mk, ript_mediakey_key_id(mk, direction, r), key);
}

int ript_mediakey_random_start(uint64_t *value) {
  if (!value)
    return RIPT_ERR_INVALID_ARGUMENT;
  uint64_t v;
  if (gnutls_rnd(GNUTLS_RND_NONCE, &v, sizeof(v)) != 0)
    return RIPT_ERR_CRYPTO;
  *value = v >> 2;
  return 0;
}

void ript_mediakey_clear(ript_mediakey *mk) {
  if (mk)
    gnutls_memset(mk, 0, sizeof(*mk));
}

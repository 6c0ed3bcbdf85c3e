/*
 * Fuzz target for the media key text (ript/mediakey.h): every input either
 * parses into a consistent key or fails with RIPT_ERR_PARSE at an offset
 * inside it and a reason; a key that parses is written back as ID:HEX, and
 * that parses to the same key; its ID's key ids match it and derive.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ript/mediakey.h"

#define CHECK(x)                                                               \
  do {                                                                         \
    if (!(x))                                                                  \
      __builtin_trap();                                                        \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_mediakey mk;
  ript_parse_error err = {0, NULL};
  int rv = ript_mediakey_parse(&mk, (const char *)data, size, &err);
  if (rv != 0) {
    CHECK(rv == RIPT_ERR_PARSE && err.expected && err.offset <= size);
    return 0;
  }
  CHECK(size <= RIPT_MEDIAKEY_TEXT_MAX);
  CHECK((mk.secret_len == 16 && mk.cipher == RIPT_CHUNK_CIPHER_AES128_GCM) ||
        (mk.secret_len == 32 && mk.cipher == RIPT_CHUNK_CIPHER_AES256_GCM));
  char text[RIPT_MEDIAKEY_TEXT_MAX + 1];
  int n = snprintf(text, sizeof(text), "%u:", (unsigned)mk.id);
  for (size_t i = 0; i < mk.secret_len; ++i)
    n += snprintf(text + n, sizeof(text) - (size_t)n, "%02x", mk.secret[i]);
  ript_mediakey again;
  CHECK(ript_mediakey_parse(&again, text, (size_t)n, NULL) == 0);
  CHECK(memcmp(&mk, &again, sizeof(mk)) == 0);
  uint32_t id = ript_mediakey_key_id(&mk, RIPT_CHUNK_DIR_S2C, 0x1234);
  CHECK(ript_mediakey_matches(&mk, id));
  ript_chunk_key key;
  CHECK(ript_mediakey_derive(&mk, id, &key) == 0 && key.id == id);
  ript_chunk_key_free(&key);
  return 0;
}

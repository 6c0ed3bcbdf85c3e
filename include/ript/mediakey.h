/*
 * ript/mediakey.h - end-to-end media keys given out of band
 * (docs/PROTOCOL.md §10.2).
 *
 * RIPT leaves keying to others (MLS and the like), so both ends of a call
 * are given the same media key: a 16-bit key id and a 16- or 32-byte
 * secret, written as text "ID:SECRET":
 *
 *   ID      decimal 0..65535, no sign, no leading zero ("0" is fine);
 *   SECRET  32 or 64 hex digits (either case), or 22 or 43 characters of
 *           unpadded base64url: 16 bytes select AES-128-GCM, 32 bytes
 *           AES-256-GCM.
 *
 * No two senders may seal under one AEAD key, so nobody seals under the
 * secret itself. Each sender seals under its own chunk key, whose 32-bit
 * key id (carried in every chunk) is
 *
 *   key id = ID << 16 | direction << 15 | R
 *
 * with direction 0 for a client (c2s) and 1 for a server (s2c), and R 15
 * random bits the sender picks once per call. The chunk key is derived from
 * the secret and that key id with ript_chunk_key_derive (HKDF-SHA256, 16-byte
 * tags). A receiver holding the media key derives the key of every key id
 * whose upper 16 bits are ID, so it opens the chunks of any sender of the
 * call, including senders whose chunks a relay forwarded.
 *
 * Nothing here allocates through ript_mem; a ript_chunk_key holds a GnuTLS
 * context (see ript/chunk.h). Thread-safety: no global state; separate
 * objects may be used from separate threads.
 */
#ifndef RIPT_MEDIAKEY_H
#define RIPT_MEDIAKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/chunk.h"
#include "ript/error.h"

/* The longest valid text: 5 digits, ':', 64 hex digits. */
#define RIPT_MEDIAKEY_TEXT_MAX 70u

/* A media key as parsed. Plain data: copy it freely; wipe it with
 * ript_mediakey_clear when done. */
typedef struct ript_mediakey {
  uint16_t id;
  ript_chunk_cipher cipher; /* from the secret's length */
  uint8_t secret[RIPT_CHUNK_KEY_MAX_LEN];
  size_t secret_len; /* 16 or 32 */
} ript_mediakey;

/*
 * Parses the |len| bytes at |text| ("ID:SECRET", nothing before or after;
 * a caller reading a file trims the line end first) into |mk|.
 * Returns 0, or (|mk| zeroed):
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |mk|, or NULL |text| with |len| > 0;
 *   RIPT_ERR_PARSE  |err| (may be NULL) gets the offset and what was
 *     expected there: a digit at 0 (also for empty text), no leading zero,
 *     an ID of at most 65535 (offset 0), ':' after the ID, a secret of 32
 *     or 64 hex digits or 22 or 43 base64url characters (offset of the
 *     secret: a wrong length; of the character: a bad one; base64url whose
 *     last character has nonzero unused bits counts as a bad character).
 */
int ript_mediakey_parse(ript_mediakey *mk, const char *text, size_t len,
                        ript_parse_error *err);

/* The key id of the sender in |direction| (RIPT_CHUNK_DIR_*) with random
 * bits |r| (only the low 15 are used). */
uint32_t ript_mediakey_key_id(const ript_mediakey *mk, uint8_t direction,
                              uint16_t r);

/* Whether |key_id| belongs to |mk| (its upper 16 bits are mk's ID). False
 * for NULL |mk|. */
bool ript_mediakey_matches(const ript_mediakey *mk, uint32_t key_id);

/*
 * Sets up |key| as the chunk key of |key_id|: ript_chunk_key_derive with
 * the secret as master, mk's cipher and 16-byte tags.
 * Returns 0; RIPT_ERR_INVALID_ARGUMENT for a NULL argument or a key id
 * that does not match |mk|; otherwise as ript_chunk_key_derive. Release
 * |key| with ript_chunk_key_free (also harmless after an error).
 */
int ript_mediakey_derive(const ript_mediakey *mk, uint32_t key_id,
                         ript_chunk_key *key);

/*
 * Sets up |key| as a new sender's chunk key in |direction|
 * (RIPT_CHUNK_DIR_*), with R drawn from GnuTLS's nonce generator.
 * Returns 0; RIPT_ERR_INVALID_ARGUMENT (NULL argument, bad direction);
 * RIPT_ERR_CRYPTO when the generator fails; otherwise as
 * ript_mediakey_derive.
 */
int ript_mediakey_sender(const ript_mediakey *mk, uint8_t direction,
                         ript_chunk_key *key);

/*
 * Stores in |*value| a random number below 2^62 from GnuTLS's nonce
 * generator: a first sequence number for a stream sealed under a key that
 * may have been used before (ript_media_stream.initial_sequence,
 * ript_media_config.initial_control_sequence). Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL) or RIPT_ERR_CRYPTO.
 */
int ript_mediakey_random_start(uint64_t *value);

/* Wipes |mk| (NULL is a no-op). */
void ript_mediakey_clear(ript_mediakey *mk);

#endif /* RIPT_MEDIAKEY_H */

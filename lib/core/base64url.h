/* base64url (RFC 4648 §5) without padding, as JWS requires (RFC 7515 §2).
 * Internal to libript: the compact JWS code (jws.c) and its users,
 * PASSporTs and OAuth access tokens and key sets. */
#ifndef RIPT_CORE_BASE64URL_H
#define RIPT_CORE_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"

/* Appends the unpadded base64url form of |data|. Returns 0 or
 * RIPT_ERR_NOMEM (|out| keeps what it held before). */
int ript_base64url_encode(ript_buf *out, const uint8_t *data, size_t len);

/* Number of bytes |len| characters of base64url decode to (an upper bound
 * when the text is invalid). */
size_t ript_base64url_decoded_len(size_t len);

/*
 * Decodes |len| characters into |out| (room for |outcap| bytes). Rejects
 * '=' padding, characters outside the URL-safe alphabet, a length that is 1
 * modulo 4, and trailing bits that are not zero (so every byte string has
 * exactly one accepted encoding). Returns the decoded length,
 * RIPT_ERR_PARSE (|err| gets the offset of the bad character) or
 * RIPT_ERR_NOBUF.
 */
ript_ssize ript_base64url_decode(uint8_t *out, size_t outcap, const char *in,
                                 size_t len, ript_parse_error *err);

#endif /* RIPT_CORE_BASE64URL_H */

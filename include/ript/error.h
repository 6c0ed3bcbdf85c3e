/*
 * ript/error.h - library error codes.
 *
 * Every libript function that can fail returns a negative RIPT_ERR_* code
 * (functions that produce bytes return a byte count or such a code). These are
 * library errors, never wire codes: mapping an error to an HTTP status is the
 * server's job (see docs/PROTOCOL.md, "Status codes"). Codes at or below
 * RIPT_ERR_FATAL mean the object involved can no longer be used.
 *
 * Thread-safety: all functions here are pure and may be called from any thread.
 */
#ifndef RIPT_ERROR_H
#define RIPT_ERROR_H

#include <stddef.h>

/* Signed size: functions that produce or consume bytes return a count >= 0
 * or a negative RIPT_ERR_* code. */
typedef ptrdiff_t ript_ssize;

/* A caller passed a NULL pointer, a zero length where one is required, or
 * an out-of-range enum value. */
#define RIPT_ERR_INVALID_ARGUMENT -101
/* Input bytes are malformed; a ript_parse_error, when the function takes one,
 * says at which byte offset and what was expected there. */
#define RIPT_ERR_PARSE -102
/* The caller's output buffer is too small. Nothing useful was written. */
#define RIPT_ERR_NOBUF -103
/* A value is syntactically fine but outside its allowed range. */
#define RIPT_ERR_RANGE -104
/* An input ended before a complete unit (chunk, TLV, object) was read. */
#define RIPT_ERR_TRUNCATED -105
/* A limit (size, count, depth) configured by the caller was exceeded. */
#define RIPT_ERR_LIMIT -106
/* Negotiation: the two advertisements share no media in either direction. */
#define RIPT_ERR_NO_COMMON_MEDIA -110
/* Call state: the event is not allowed in the call's state or from that side. */
#define RIPT_ERR_ILLEGAL_EVENT -120
/* Call state: the call has ended; nothing but reads is possible. */
#define RIPT_ERR_CALL_TERMINATED -121
/* Client call: not set up yet (its description has not arrived). */
#define RIPT_ERR_CALL_NOT_READY -122
/* Chunk: no key is known for the chunk's key id. */
#define RIPT_ERR_UNKNOWN_KEY -130
/* Chunk: the AEAD authentication tag did not verify. */
#define RIPT_ERR_DECRYPT -131
/* A failure inside the crypto library (GnuTLS) that input cannot explain. */
#define RIPT_ERR_CRYPTO -132
/* STIR: a signature (PASSporT or certificate) does not verify. */
#define RIPT_ERR_SIGNATURE -140
/* STIR: the PASSporT's iat is outside the allowed window. */
#define RIPT_ERR_STALE -141
/* STIR: the certificate does not cover the number (TNAuthList). */
#define RIPT_ERR_NOT_COVERED -142
/* STIR: the certificate does not chain to a trusted CA, or is not valid now. */
#define RIPT_ERR_UNTRUSTED -143
/* STIR: a claim does not match what the request says (e.g. dest). */
#define RIPT_ERR_MISMATCH -144

/* HTTP: the connection was lost, closed, or never established. */
#define RIPT_ERR_HTTP_CLOSED -150
/* HTTP: the peer reset the stream. */
#define RIPT_ERR_HTTP_RESET -151
/* HTTP: the operation needs something this exchange or HTTP version lacks
 * (datagrams over HTTP/2, a body write after the body ended, ...). */
#define RIPT_ERR_HTTP_STATE -152
/* HTTP: TLS failed (handshake, or the peer's certificate did not verify). */
#define RIPT_ERR_HTTP_TLS -153
/* HTTP: the server answered with a status outside 2xx (the caller has the
 * status and, where the server sent one, its error document). */
#define RIPT_ERR_HTTP_STATUS -154

/* Codes at or below this value are fatal. */
#define RIPT_ERR_FATAL -900
/* Memory allocation failed. */
#define RIPT_ERR_NOMEM -901
/* An application callback returned nonzero; the object is unusable. */
#define RIPT_ERR_CALLBACK_FAILURE -902

/*
 * Returns a short English description of |err|, e.g. "malformed input".
 * Unknown codes give "unknown error". The string is static.
 */
const char *ript_strerror(int err);

/* Returns nonzero if |err| is fatal (<= RIPT_ERR_FATAL). */
int ript_err_is_fatal(int err);

/*
 * Where parsing stopped and why, filled by parsers that take one.
 * |offset| is the byte offset into the input of the first byte that could
 * not be accepted (the input length when the input ended early); |expected|
 * is a static, human-readable description of what was expected there, e.g.
 * "':' after the stream id". Both are unspecified when parsing succeeds.
 */
typedef struct ript_parse_error {
  size_t offset;
  const char *expected;
} ript_parse_error;

#endif /* RIPT_ERROR_H */

/*
 * ript/chunk.h - RIPT media and control chunks (draft section 9.11.1-9.11.2).
 *
 * A chunk is a run of envelope TLVs (cleartext, authenticated) followed by
 * exactly one sealed TLV (type 0) holding auth tag || AEAD ciphertext of the
 * package, itself a run of TLVs. TLV = type (QUIC varint) || length (QUIC
 * varint) || value. The sealed TLV always ends a chunk, so chunks are
 * self-delimiting and a byway body or a datagram is chunks concatenated.
 * docs/PROTOCOL.md §10 describes the format; its appendix A.2 has worked
 * examples.
 *
 * Sending:   ript_chunk_init, fill the fields, ript_chunk_stream_tx_prepare
 *            (chooses truncation), ript_chunk_encode.
 * Receiving: for each chunk of a body,
 *              ript_chunk_parse            (envelope; bytes consumed)
 *              ript_chunk_stream_rx_expand (full sequence and timestamp)
 *              ript_chunk_open             (authenticate, decrypt in place,
 *                                           parse the package)
 *              ript_chunk_stream_rx_update (only after a successful open, so
 *                                           forged chunks never move state)
 *            and, for media, acknowledge with ript_chunk_fill_ack.
 *
 * Nothing here allocates through ript_mem. A ript_chunk_key holds a GnuTLS
 * AEAD context that GnuTLS allocates with its own allocator.
 *
 * Thread-safety: the functions keep no global state, and separate objects
 * can be used from separate threads. A ript_chunk_key holds GnuTLS cipher
 * state, so two threads must not use the same key at the same time, not
 * even through a const pointer. A ript_chunk or a stream state must not be
 * used by two threads at once either.
 */
#ifndef RIPT_CHUNK_H
#define RIPT_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"

/* ---- Wire codes ---------------------------------------------------------- */

/* TLV types. Envelope and package types share one number space; 1, 2, 6 and 7
 * also appear in the acknowledgement package with the same meaning. */
#define RIPT_CHUNK_TLV_SEALED 0       /* auth tag || ciphertext; ends a chunk */
#define RIPT_CHUNK_TLV_SEQUENCE 1     /* 1..8 bytes; 8 = full */
#define RIPT_CHUNK_TLV_TIMESTAMP 2    /* 1..8 bytes; 8 = full */
#define RIPT_CHUNK_TLV_PAYLOAD_TYPE 3 /* 1..4 bytes */
#define RIPT_CHUNK_TLV_MEDIA 4        /* package: codec output */
#define RIPT_CHUNK_TLV_KIND 5         /* 1 byte: RIPT_CHUNK_KIND_* */
#define RIPT_CHUNK_TLV_SOURCE 6       /* 1 byte */
#define RIPT_CHUNK_TLV_SINK 7         /* 1 byte */
#define RIPT_CHUNK_TLV_REFERENCE 8    /* 1 byte: 0 or 1 */
#define RIPT_CHUNK_TLV_SPATIAL_LAYER 9   /* 1 byte */
#define RIPT_CHUNK_TLV_TEMPORAL_LAYER 10 /* 1 byte */
#define RIPT_CHUNK_TLV_LEVEL 11          /* 1 byte: 0..127 -dBov */
#define RIPT_CHUNK_TLV_CONTROL_TYPE 12   /* 2 bytes */
#define RIPT_CHUNK_TLV_KEY_ID 13         /* 1..4 bytes */
#define RIPT_CHUNK_TLV_DIRECTION 14      /* ack package: 1 byte */

#define RIPT_CHUNK_KIND_MEDIA 0
#define RIPT_CHUNK_KIND_CONTROL 1

/* Control types (16 bits). */
#define RIPT_CHUNK_CONTROL_ACK 1

/* Stream directions, as carried in an acknowledgement. */
#define RIPT_CHUNK_DIR_C2S 0
#define RIPT_CHUNK_DIR_S2C 1

/* Largest audio level (silence), in -dBov as in RFC 6464. */
#define RIPT_CHUNK_LEVEL_MAX 127

/* ---- Keys ---------------------------------------------------------------- */

typedef enum ript_chunk_cipher {
  RIPT_CHUNK_CIPHER_AES128_GCM = 1, /* 16-byte key */
  RIPT_CHUNK_CIPHER_AES256_GCM = 2, /* 32-byte key */
} ript_chunk_cipher;

#define RIPT_CHUNK_KEY_MAX_LEN 32
#define RIPT_CHUNK_SALT_LEN 12
#define RIPT_CHUNK_NONCE_LEN 12

/*
 * An AEAD key. The nonce of a chunk is salt XOR (kind (1 byte) || source (1)
 * || sink (1) || 0x00 || full 64-bit sequence number, big-endian (8));
 * control chunks use source = sink = 0. GCM fails catastrophically when a
 * nonce repeats, so:
 *
 *   A key is used by exactly one sender, and that sender never seals two
 *   chunks with the same (kind, source, sink, sequence) under it. Each
 *   direction of a call therefore needs its own key (or its own master
 *   secret), and sequence numbers must never be reused or reset under a key.
 *
 * The tag length is fixed per key; a truncated tag is the first |tag_len|
 * bytes of the GCM tag. Fill with ript_chunk_key_init or
 * ript_chunk_key_derive, release with ript_chunk_key_free; treat the fields
 * as read-only in between.
 */
typedef struct ript_chunk_key {
  uint32_t id;
  ript_chunk_cipher cipher;
  uint8_t key[RIPT_CHUNK_KEY_MAX_LEN];
  size_t key_len; /* 16 or 32, from |cipher| */
  uint8_t salt[RIPT_CHUNK_SALT_LEN];
  size_t tag_len; /* 16, 12 or 8 */
  void *aead;     /* private: the GnuTLS AEAD context */
} ript_chunk_key;

/*
 * Sets up |key| with key id |id|, |cipher|, the key bytes |key_bytes| (16 or
 * 32 of them, as |cipher| says; copied), the 12-byte |salt| (copied) and the
 * tag length |tag_len| (16, 12 or 8).
 * Returns 0; RIPT_ERR_INVALID_ARGUMENT for a NULL pointer, an unknown cipher
 * or another tag length; RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO if GnuTLS fails.
 * On error |key| holds nothing to free (ript_chunk_key_free is harmless).
 */
int ript_chunk_key_init(ript_chunk_key *key, uint32_t id,
                        ript_chunk_cipher cipher, const uint8_t *key_bytes,
                        const uint8_t salt[RIPT_CHUNK_SALT_LEN],
                        size_t tag_len);

/*
 * Derives key and salt from a master secret shared by sender and receiver
 * (HKDF-SHA256, RFC 5869), then does ript_chunk_key_init:
 *   PRK  = HKDF-Extract(salt = empty, IKM = master)
 *   key  = HKDF-Expand(PRK, "ript chunk key"  || id as 4 bytes big-endian,
 *                      16 or 32)
 *   salt = HKDF-Expand(PRK, "ript chunk salt" || id as 4 bytes big-endian, 12)
 * (the labels without a terminating NUL). |master| may be NULL only when
 * |master_len| is 0. Returns as ript_chunk_key_init; RIPT_ERR_CRYPTO if HKDF
 * fails. On error |key| holds nothing to free.
 */
int ript_chunk_key_derive(ript_chunk_key *key, uint32_t id,
                          ript_chunk_cipher cipher, const uint8_t *master,
                          size_t master_len, size_t tag_len);

/* Releases the GnuTLS context and wipes the key material. Safe on a key
 * whose init failed, and twice. */
void ript_chunk_key_free(ript_chunk_key *key);

/* ---- Chunks -------------------------------------------------------------- */

/* The package of an acknowledgement: which chunk is acknowledged. */
typedef struct ript_chunk_ack {
  uint8_t direction;  /* RIPT_CHUNK_DIR_* of the acknowledged chunk's stream */
  uint8_t source;     /* its source id (1..255) */
  uint8_t sink;       /* its sink id (1..255) */
  uint64_t sequence;  /* its full sequence number */
  uint64_t timestamp; /* its full timestamp, echoed back */
} ript_chunk_ack;

/* ript_chunk.flags, set by the receive steps. */
#define RIPT_CHUNK_FLAG_PARSED 0x01u   /* ript_chunk_parse succeeded */
#define RIPT_CHUNK_FLAG_EXPANDED 0x02u /* sequence, timestamp are full */
#define RIPT_CHUNK_FLAG_OPENED 0x04u   /* ript_chunk_open succeeded */

/*
 * One chunk, decoded or to be encoded. Fields marked (media) apply to media
 * chunks only and must be zero/false in control chunks.
 */
typedef struct ript_chunk {
  /* -- envelope -- */
  uint8_t kind;          /* RIPT_CHUNK_KIND_* */
  uint16_t control_type; /* control chunks: RIPT_CHUNK_CONTROL_* */
  bool has_key_id;       /* receive side: a key id TLV was present */
  uint32_t key_id;       /* receive side; encode takes it from the key */
  uint8_t source;        /* (media) 1..255 */
  uint8_t sink;          /* (media) 1..255 */
  /* Sequence number and timestamp (ms since the Unix epoch of the first
   * sample; control chunks: time of sending). Encode: the full values, and
   * in *_len the number of bytes to send (1..8; 8 = full; control chunks
   * always 8). Parse: the value as received and its length; after
   * ript_chunk_stream_rx_expand, the full value (the lengths stay). */
  uint64_t sequence;
  uint8_t sequence_len;
  uint64_t timestamp;
  uint8_t timestamp_len;
  uint32_t payload_type;  /* (media) 0 = PCMU, 100 = opus, ... */
  bool reference;         /* (media) reference frame */
  uint8_t spatial_layer;  /* (media) */
  uint8_t temporal_layer; /* (media) */
  bool has_level;         /* (media) whether |level| is known */
  uint8_t level;          /* (media) 0 (loudest) .. 127 (silence), -dBov */

  /* -- package -- */
  /* Media chunks: the codec output. Encode: read from here (must not overlap
   * the destination). Open: points into the caller's chunk bytes. */
  const uint8_t *media;
  size_t media_len;
  /* Acknowledgements (control type RIPT_CHUNK_CONTROL_ACK). */
  ript_chunk_ack ack;
  /* The whole plaintext package. Open sets it for every chunk (it points into
   * the caller's bytes). Encode seals it as given for control types other
   * than RIPT_CHUNK_CONTROL_ACK (and ignores it otherwise), so extensions
   * can be sent. */
  const uint8_t *package;
  size_t package_len;

  /* -- receive state (set by parse / expand / open; read-only) -- */
  uint32_t flags;  /* RIPT_CHUNK_FLAG_* */
  uint8_t *data;   /* first byte of the chunk, in the caller's buffer */
  size_t aad_len;  /* envelope bytes: data[0 .. aad_len) */
  uint8_t *sealed; /* the sealed TLV's value */
  size_t sealed_len;
} ript_chunk;

/* Zeroes |chunk| and makes it a media chunk with full (8-byte) sequence
 * number and timestamp. */
void ript_chunk_init(ript_chunk *chunk);

/*
 * Writes one chunk into |dst| (|dstlen| bytes), sealed with |key| (NULL: the
 * NULL cipher, no key id TLV), in the encoder order: kind (control only),
 * control type, key id, source, sink, sequence, timestamp, payload type,
 * reference, spatial layer, temporal layer, level, sealed TLV. Values equal
 * to the default (media kind, reference false, layers 0) are omitted. The
 * nonce must be fresh; see ript_chunk_key. Does not allocate.
 * Returns the number of bytes written;
 *   RIPT_ERR_NOBUF if the chunk does not fit (nothing useful is written);
 *   RIPT_ERR_INVALID_ARGUMENT for a NULL |chunk|/|dst| (with |dstlen| > 0),
 *     a kind other than media/control, a media chunk with source or sink 0,
 *     a level above 127, a sequence/timestamp length outside 1..8, a control
 *     chunk whose lengths are not 8 or which sets media fields, an ack whose
 *     direction is not 0/1 or whose source/sink is 0, NULL media/package with
 *     a nonzero length, or a |key| that was not set up;
 *   RIPT_ERR_CRYPTO if GnuTLS fails.
 */
ript_ssize ript_chunk_encode(uint8_t *dst, size_t dstlen,
                             const ript_chunk *chunk,
                             const ript_chunk_key *key);

/*
 * Parses the envelope of the ONE chunk that starts at |data| (|len| bytes
 * available; the chunk may be followed by more chunks) into |chunk|, which
 * is overwritten. |data| stays owned by the caller and must stay valid and
 * unchanged until the chunk has been opened: |chunk| points into it, and
 * ript_chunk_open decrypts in place there.
 * Decoders accept envelope TLVs in any order and varints in any length.
 * Unknown envelope TLV types are skipped (they are still authenticated).
 * Returns the number of bytes the chunk takes (so a body is parsed by
 * advancing by it until the end), with RIPT_CHUNK_FLAG_PARSED set and
 * sequence/timestamp as received; or
 *   RIPT_ERR_TRUNCATED if the input ends inside a TLV or before the sealed
 *     TLV (|err->offset| = |len|);
 *   RIPT_ERR_PARSE for a known type appearing twice, a wrong length or value
 *     (e.g. kind 7, level 200, a media chunk with source 0, a truncated
 *     sequence number in a control chunk), a control type in a media chunk
 *     or a media field in a control chunk, or a missing required field
 *     (media: source, sink, sequence, timestamp, payload type; control:
 *     control type, sequence, timestamp); |err| names the offset;
 *   RIPT_ERR_INVALID_ARGUMENT for NULL |chunk| or |data|.
 * |err| may be NULL.
 */
ript_ssize ript_chunk_parse(ript_chunk *chunk, uint8_t *data, size_t len,
                            ript_parse_error *err);

/*
 * Authenticates and decrypts the sealed value of a parsed, expanded chunk IN
 * PLACE (in the caller's chunk bytes) and parses the package: media ->
 * |media|/|media_len|; acknowledgement -> |ack|; always |package|. Unknown
 * package TLVs are skipped; a control chunk of an unknown control type is
 * opened but only |package| is set.
 * Keys: |keys| is an array of |nkeys| set-up keys (may be NULL when |nkeys|
 * is 0) searched by key id. A chunk with a key id needs a key of that id. A
 * chunk without a key id (NULL cipher) is accepted only when |nkeys| is 0:
 * a receiver that holds keys never accepts unauthenticated chunks, so an
 * attacker cannot strip the encryption.
 * Returns 0 with RIPT_CHUNK_FLAG_OPENED set; or
 *   RIPT_ERR_UNKNOWN_KEY if no key in |keys| has the chunk's key id;
 *   RIPT_ERR_DECRYPT if the tag does not verify (the ciphertext bytes are
 *     then zeroed, so no unauthenticated plaintext is left behind), or if the
 *     chunk uses the NULL cipher while |nkeys| > 0;
 *   RIPT_ERR_PARSE if the sealed value is shorter than the key's tag, or the
 *     package is malformed (media TLV missing or twice; ack field missing,
 *     twice or of a wrong length/value); |err->offset| counts from the
 *     chunk's first byte;
 *   RIPT_ERR_INVALID_ARGUMENT if |chunk| was not parsed and expanded, was
 *     already opened, or an earlier open of it failed after the bytes began
 *     to change (a tag that did not verify, a malformed package); if |keys|
 *     is NULL with |nkeys| > 0; or if the key of the chunk's id was not set
 *     up;
 *   RIPT_ERR_CRYPTO if GnuTLS fails otherwise (the ciphertext is zeroed).
 * The errors that leave the bytes unchanged (RIPT_ERR_UNKNOWN_KEY, the NULL
 * cipher refusal, a short sealed value) allow another try, e.g. once the
 * key has arrived.
 * |err| may be NULL.
 */
int ript_chunk_open(ript_chunk *chunk, const ript_chunk_key *keys, size_t nkeys,
                    ript_parse_error *err);

/*
 * Fills |ack| (overwritten) as the acknowledgement control chunk for the
 * opened media chunk |received| of a stream in |direction|: the package
 * names |received|'s source, sink, full sequence number and full timestamp
 * (echoed so that the peer can measure delay without keeping state). The
 * control chunk's own sequence number is |control_sequence| (the sender's
 * control-chunk counter, sent full) and its timestamp |now_ms|.
 * Returns 0, or RIPT_ERR_INVALID_ARGUMENT if |received| is not an opened
 * media chunk, |direction| is not RIPT_CHUNK_DIR_*, or |now_ms| < 0.
 */
int ript_chunk_fill_ack(ript_chunk *ack, const ript_chunk *received,
                        uint8_t direction, uint64_t control_sequence,
                        int64_t now_ms);

/* ---- Sequence number and timestamp truncation ---------------------------- */

/*
 * Sender state of one stream (direction, source, sink). Until the first
 * acknowledgement every chunk carries full values; from then on values are
 * truncated to the fewest bytes L (1..7) with 2 * (value - largest acked)
 * < 2^(8L), as QUIC packet numbers (RFC 9000, section 17.1); sequence number
 * and timestamp each against their own largest acked value. Reference frames
 * and values below the largest acked one are always sent full.
 * Embed it, ript_chunk_stream_tx_init it; it holds no resources.
 */
typedef struct ript_chunk_stream_tx {
  bool acked; /* an acknowledgement has been received */
  uint64_t largest_acked_sequence;
  uint64_t largest_acked_timestamp;
} ript_chunk_stream_tx;

void ript_chunk_stream_tx_init(ript_chunk_stream_tx *tx);

/* Records an acknowledgement (from an opened ack chunk) of one of this
 * stream's chunks. */
void ript_chunk_stream_tx_on_ack(ript_chunk_stream_tx *tx,
                                 const ript_chunk_ack *ack);

/* Sets |chunk|'s sequence_len and timestamp_len from its full sequence and
 * timestamp (control chunks: always 8). */
void ript_chunk_stream_tx_prepare(const ript_chunk_stream_tx *tx,
                                  ript_chunk *chunk);

/*
 * Receiver state of one stream: the largest sequence number and timestamp
 * received in authenticated chunks. Embed it, ript_chunk_stream_rx_init it;
 * it holds no resources.
 */
typedef struct ript_chunk_stream_rx {
  bool valid; /* a chunk has been received; the largest_* are meaningful */
  uint64_t largest_sequence;
  uint64_t largest_timestamp;
} ript_chunk_stream_rx;

void ript_chunk_stream_rx_init(ript_chunk_stream_rx *rx);

/*
 * Replaces a parsed chunk's truncated sequence number and timestamp with the
 * full values: of the values with the received low 8L bits, the one closest
 * to the expected value (largest sequence + 1; largest timestamp), as QUIC
 * packet number decoding (RFC 9000, appendix A.3). Full values are kept.
 * Control chunks are always full and pass unchanged. Does not change |rx|.
 * Calling it again on an expanded chunk does nothing.
 * Returns 0 with RIPT_CHUNK_FLAG_EXPANDED set; RIPT_ERR_RANGE if a value is
 * truncated but |rx| has not received a chunk yet; RIPT_ERR_INVALID_ARGUMENT
 * if |chunk| was not parsed.
 */
int ript_chunk_stream_rx_expand(const ript_chunk_stream_rx *rx,
                                ript_chunk *chunk);

/*
 * Records an opened media chunk of this stream. Call it only after
 * ript_chunk_open succeeded, so that forged chunks never move the state.
 * Returns 0, or RIPT_ERR_INVALID_ARGUMENT if |chunk| is not an opened media
 * chunk.
 */
int ript_chunk_stream_rx_update(ript_chunk_stream_rx *rx,
                                const ript_chunk *chunk);

#endif /* RIPT_CHUNK_H */

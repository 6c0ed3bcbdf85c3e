/*
 * RIPT media and control chunks: keys, encoding, envelope parsing, AEAD
 * open. The truncation state machines live in chunk_stream.c.
 */
#include <stdint.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ript/chunk.h"
#include "varint.h"

/* ==== Keys ================================================================ */

static size_t chunk_cipher_key_len(ript_chunk_cipher cipher) {
  switch (cipher) {
  case RIPT_CHUNK_CIPHER_AES128_GCM:
    return 16;
  case RIPT_CHUNK_CIPHER_AES256_GCM:
    return 32;
  }
  return 0;
}

static gnutls_cipher_algorithm_t
chunk_cipher_algorithm(ript_chunk_cipher cipher) {
  return cipher == RIPT_CHUNK_CIPHER_AES128_GCM ? GNUTLS_CIPHER_AES_128_GCM
                                                : GNUTLS_CIPHER_AES_256_GCM;
}

static int chunk_crypto_error(int gnutls_rv) {
  return gnutls_rv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
}

int ript_chunk_key_init(ript_chunk_key *key, uint32_t id,
                        ript_chunk_cipher cipher, const uint8_t *key_bytes,
                        const uint8_t salt[RIPT_CHUNK_SALT_LEN],
                        size_t tag_len) {
  if (!key)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(key, 0, sizeof(*key));
  size_t key_len = chunk_cipher_key_len(cipher);
  if (!key_bytes || !salt || key_len == 0 ||
      (tag_len != 16 && tag_len != 12 && tag_len != 8))
    return RIPT_ERR_INVALID_ARGUMENT;
  key->id = id;
  key->cipher = cipher;
  memcpy(key->key, key_bytes, key_len);
  key->key_len = key_len;
  memcpy(key->salt, salt, RIPT_CHUNK_SALT_LEN);
  key->tag_len = tag_len;
  gnutls_datum_t secret = {key->key, (unsigned)key_len};
  gnutls_aead_cipher_hd_t aead;
  int rv =
      gnutls_aead_cipher_init(&aead, chunk_cipher_algorithm(cipher), &secret);
  if (rv < 0) {
    ript_chunk_key_free(key);
    return chunk_crypto_error(rv);
  }
  key->aead = aead;
  return 0;
}

/* HKDF-Expand(PRK, label || id as 4 bytes big-endian, len) into |out|. */
static int chunk_hkdf_expand(const gnutls_datum_t *prk, const char *label,
                             uint32_t id, uint8_t *out, size_t len) {
  uint8_t info[32];
  size_t n = strlen(label);
  memcpy(info, label, n);
  info[n] = (uint8_t)(id >> 24);
  info[n + 1] = (uint8_t)(id >> 16);
  info[n + 2] = (uint8_t)(id >> 8);
  info[n + 3] = (uint8_t)id;
  gnutls_datum_t d = {info, (unsigned)(n + 4)};
  return gnutls_hkdf_expand(GNUTLS_MAC_SHA256, prk, &d, out, len) < 0
             ? RIPT_ERR_CRYPTO
             : 0;
}

int ript_chunk_key_derive(ript_chunk_key *key, uint32_t id,
                          ript_chunk_cipher cipher, const uint8_t *master,
                          size_t master_len, size_t tag_len) {
  if (!key)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(key, 0, sizeof(*key));
  size_t key_len = chunk_cipher_key_len(cipher);
  if ((!master && master_len > 0) || key_len == 0 || master_len > UINT32_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  static const uint8_t empty[1];
  /* GnuTLS only reads the datum; its |data| is not const-qualified. */
  gnutls_datum_t ikm = {(unsigned char *)(uintptr_t)(master ? master : empty),
                        (unsigned)master_len};
  gnutls_datum_t salt0 = {(unsigned char *)(uintptr_t)empty, 0};
  uint8_t prk_bytes[32], key_bytes[RIPT_CHUNK_KEY_MAX_LEN];
  uint8_t salt[RIPT_CHUNK_SALT_LEN];
  gnutls_datum_t prk = {prk_bytes, sizeof(prk_bytes)};
  int rv = gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt0, prk_bytes) < 0
               ? RIPT_ERR_CRYPTO
               : 0;
  if (rv == 0)
    rv = chunk_hkdf_expand(&prk, "ript chunk key", id, key_bytes, key_len);
  if (rv == 0)
    rv = chunk_hkdf_expand(&prk, "ript chunk salt", id, salt, sizeof(salt));
  if (rv == 0)
    rv = ript_chunk_key_init(key, id, cipher, key_bytes, salt, tag_len);
  gnutls_memset(prk_bytes, 0, sizeof(prk_bytes));
  gnutls_memset(key_bytes, 0, sizeof(key_bytes));
  gnutls_memset(salt, 0, sizeof(salt));
  return rv;
}

void ript_chunk_key_free(ript_chunk_key *key) {
  if (!key)
    return;
  if (key->aead)
    gnutls_aead_cipher_deinit((gnutls_aead_cipher_hd_t)key->aead);
  gnutls_memset(key, 0, sizeof(*key));
}

/* salt XOR (kind || source || sink || 0x00 || sequence, big-endian). */
static void chunk_nonce(uint8_t nonce[RIPT_CHUNK_NONCE_LEN],
                        const ript_chunk_key *key, const ript_chunk *chunk) {
  nonce[0] = chunk->kind;
  nonce[1] = chunk->source;
  nonce[2] = chunk->sink;
  nonce[3] = 0;
  for (int i = 0; i < 8; ++i)
    nonce[4 + i] = (uint8_t)(chunk->sequence >> (56 - 8 * i));
  for (int i = 0; i < RIPT_CHUNK_NONCE_LEN; ++i)
    nonce[i] ^= key->salt[i];
}

/* ==== Encoding ============================================================ */

/* Writes to |p|, or only counts when |p| is NULL, so that one function both
 * sizes a chunk and writes it. */
typedef struct chunk_writer {
  uint8_t *p;
  size_t n;
} chunk_writer;

static void writer_bytes(chunk_writer *w, const uint8_t *src, size_t len) {
  if (w->p && len > 0)
    memcpy(w->p + w->n, src, len);
  w->n += len;
}

static void writer_varint(chunk_writer *w, uint64_t v) {
  if (w->p)
    ript_varint_write(w->p + w->n, v);
  w->n += ript_varint_len(v);
}

/* A TLV whose value is |v| as |nbytes| big-endian bytes (its low bytes). */
static void writer_uint(chunk_writer *w, uint64_t type, uint64_t v,
                        size_t nbytes) {
  writer_varint(w, type);
  writer_varint(w, nbytes);
  if (w->p)
    for (size_t i = 0; i < nbytes; ++i)
      w->p[w->n + i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
  w->n += nbytes;
}

/* The fewest bytes (at least one) that hold |v|. */
static size_t chunk_min_bytes(uint64_t v) {
  size_t n = 1;
  while (n < 8 && (v >> (8 * n)) != 0)
    ++n;
  return n;
}

static void chunk_write_envelope(chunk_writer *w, const ript_chunk *c,
                                 const ript_chunk_key *key) {
  if (c->kind == RIPT_CHUNK_KIND_CONTROL) {
    writer_uint(w, RIPT_CHUNK_TLV_KIND, c->kind, 1);
    writer_uint(w, RIPT_CHUNK_TLV_CONTROL_TYPE, c->control_type, 2);
  }
  if (key)
    writer_uint(w, RIPT_CHUNK_TLV_KEY_ID, key->id, chunk_min_bytes(key->id));
  if (c->kind == RIPT_CHUNK_KIND_MEDIA) {
    writer_uint(w, RIPT_CHUNK_TLV_SOURCE, c->source, 1);
    writer_uint(w, RIPT_CHUNK_TLV_SINK, c->sink, 1);
  }
  writer_uint(w, RIPT_CHUNK_TLV_SEQUENCE, c->sequence, c->sequence_len);
  writer_uint(w, RIPT_CHUNK_TLV_TIMESTAMP, c->timestamp, c->timestamp_len);
  if (c->kind == RIPT_CHUNK_KIND_CONTROL)
    return;
  writer_uint(w, RIPT_CHUNK_TLV_PAYLOAD_TYPE, c->payload_type,
              chunk_min_bytes(c->payload_type));
  if (c->reference)
    writer_uint(w, RIPT_CHUNK_TLV_REFERENCE, 1, 1);
  if (c->spatial_layer)
    writer_uint(w, RIPT_CHUNK_TLV_SPATIAL_LAYER, c->spatial_layer, 1);
  if (c->temporal_layer)
    writer_uint(w, RIPT_CHUNK_TLV_TEMPORAL_LAYER, c->temporal_layer, 1);
  if (c->has_level)
    writer_uint(w, RIPT_CHUNK_TLV_LEVEL, c->level, 1);
}

static void chunk_write_package(chunk_writer *w, const ript_chunk *c) {
  if (c->kind == RIPT_CHUNK_KIND_MEDIA) {
    writer_varint(w, RIPT_CHUNK_TLV_MEDIA);
    writer_varint(w, c->media_len);
    writer_bytes(w, c->media, c->media_len);
  } else if (c->control_type == RIPT_CHUNK_CONTROL_ACK) {
    writer_uint(w, RIPT_CHUNK_TLV_DIRECTION, c->ack.direction, 1);
    writer_uint(w, RIPT_CHUNK_TLV_SOURCE, c->ack.source, 1);
    writer_uint(w, RIPT_CHUNK_TLV_SINK, c->ack.sink, 1);
    writer_uint(w, RIPT_CHUNK_TLV_SEQUENCE, c->ack.sequence, 8);
    writer_uint(w, RIPT_CHUNK_TLV_TIMESTAMP, c->ack.timestamp, 8);
  } else {
    writer_bytes(w, c->package, c->package_len);
  }
}

static bool chunk_media_fields_clear(const ript_chunk *c) {
  return c->source == 0 && c->sink == 0 && c->payload_type == 0 &&
         !c->reference && c->spatial_layer == 0 && c->temporal_layer == 0 &&
         !c->has_level;
}

/* Whether |c| (and |key|) can be encoded as they are. */
static bool chunk_encodable(const ript_chunk *c, const ript_chunk_key *key) {
  if (key && !key->aead)
    return false;
  if (c->sequence_len < 1 || c->sequence_len > 8 || c->timestamp_len < 1 ||
      c->timestamp_len > 8)
    return false;
  if (c->kind == RIPT_CHUNK_KIND_MEDIA)
    return c->source != 0 && c->sink != 0 &&
           (!c->has_level || c->level <= RIPT_CHUNK_LEVEL_MAX) &&
           (c->media || c->media_len == 0);
  if (c->kind != RIPT_CHUNK_KIND_CONTROL || c->sequence_len != 8 ||
      c->timestamp_len != 8 || !chunk_media_fields_clear(c))
    return false;
  if (c->control_type == RIPT_CHUNK_CONTROL_ACK)
    return c->ack.direction <= RIPT_CHUNK_DIR_S2C && c->ack.source != 0 &&
           c->ack.sink != 0;
  return c->package || c->package_len == 0;
}

/* The length of the caller-supplied bytes that go into the package. */
static size_t chunk_payload_len(const ript_chunk *c) {
  if (c->kind == RIPT_CHUNK_KIND_MEDIA)
    return c->media_len;
  return c->control_type == RIPT_CHUNK_CONTROL_ACK ? 0 : c->package_len;
}

/* Encrypts the package in place at |pkg| and writes the tag at |tag|; the
 * AAD is the envelope, |dst|[0 .. |aad_len|). */
static int chunk_seal(const ript_chunk_key *key, const ript_chunk *chunk,
                      uint8_t *dst, size_t aad_len, uint8_t *pkg,
                      size_t pkg_len, uint8_t *tag) {
  uint8_t nonce[RIPT_CHUNK_NONCE_LEN];
  chunk_nonce(nonce, key, chunk);
  giovec_t aad = {dst, aad_len};
  giovec_t text = {pkg, pkg_len};
  size_t tag_len = key->tag_len;
  int rv = gnutls_aead_cipher_encryptv2((gnutls_aead_cipher_hd_t)key->aead,
                                        nonce, sizeof(nonce), &aad, 1, &text, 1,
                                        tag, &tag_len);
  return rv < 0 || tag_len != key->tag_len ? RIPT_ERR_CRYPTO : 0;
}

ript_ssize ript_chunk_encode(uint8_t *dst, size_t dstlen,
                             const ript_chunk *chunk,
                             const ript_chunk_key *key) {
  if (!chunk || (!dst && dstlen > 0) || !chunk_encodable(chunk, key))
    return RIPT_ERR_INVALID_ARGUMENT;
  /* No chunk is longer than a varint can say, which also keeps the count
   * within ript_ssize. A larger payload cannot fit, and refusing it here
   * keeps the size arithmetic below far from overflow. */
  if (dstlen > RIPT_VARINT_MAX)
    dstlen = RIPT_VARINT_MAX;
  if (chunk_payload_len(chunk) > dstlen)
    return RIPT_ERR_NOBUF;
  chunk_writer count = {NULL, 0};
  chunk_write_envelope(&count, chunk, key);
  size_t env_len = count.n;
  count.n = 0;
  chunk_write_package(&count, chunk);
  size_t pkg_len = count.n;
  size_t tag_len = key ? key->tag_len : 0;
  size_t sealed_len = tag_len + pkg_len;
  size_t total = env_len + ript_varint_len(RIPT_CHUNK_TLV_SEALED) +
                 ript_varint_len(sealed_len) + sealed_len;
  if (total > dstlen)
    return RIPT_ERR_NOBUF;

  chunk_writer w = {dst, 0};
  chunk_write_envelope(&w, chunk, key);
  writer_varint(&w, RIPT_CHUNK_TLV_SEALED);
  writer_varint(&w, sealed_len);
  uint8_t *tag = dst + w.n;
  w.n += tag_len;
  uint8_t *pkg = dst + w.n;
  chunk_write_package(&w, chunk);
  if (key) {
    int rv = chunk_seal(key, chunk, dst, env_len, pkg, pkg_len, tag);
    if (rv < 0)
      return rv;
  }
  return (ript_ssize)total;
}

void ript_chunk_init(ript_chunk *chunk) {
  memset(chunk, 0, sizeof(*chunk));
  chunk->kind = RIPT_CHUNK_KIND_MEDIA;
  chunk->sequence_len = 8;
  chunk->timestamp_len = 8;
}

/* ==== TLV reading ========================================================= */

static int chunk_fail(ript_parse_error *err, int code, size_t offset,
                      const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return code;
}

/* One TLV as found in the input; offsets count from the input's start. */
typedef struct chunk_tlv {
  uint64_t type;
  size_t at;     /* the type's first byte */
  size_t len_at; /* the length's first byte */
  size_t val_at; /* the value's first byte */
  size_t val_len;
} chunk_tlv;

/*
 * Reads the TLV at |off| of |data|[0 .. |len|) into |tlv|. Returns the offset
 * after it, or RIPT_ERR_TRUNCATED (offset |len|) when the input ends inside
 * it. |what| names the TLV for the error message.
 */
static ript_ssize chunk_read_tlv(const uint8_t *data, size_t len, size_t off,
                                 chunk_tlv *tlv, ript_parse_error *err,
                                 const char *what) {
  uint64_t type, vlen;
  ript_ssize n = ript_varint_read(data + off, len - off, &type);
  if (n < 0)
    return chunk_fail(err, RIPT_ERR_TRUNCATED, len, what);
  tlv->type = type;
  tlv->at = off;
  off += (size_t)n;
  n = ript_varint_read(data + off, len - off, &vlen);
  if (n < 0)
    return chunk_fail(err, RIPT_ERR_TRUNCATED, len, "a TLV length");
  tlv->len_at = off;
  off += (size_t)n;
  if (vlen > len - off)
    return chunk_fail(err, RIPT_ERR_TRUNCATED, len,
                      "as many value bytes as the TLV length says");
  tlv->val_at = off;
  tlv->val_len = (size_t)vlen;
  return (ript_ssize)(off + (size_t)vlen);
}

static uint64_t chunk_get_uint(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = v << 8 | p[i];
  return v;
}

/* ==== Envelope ============================================================ */

/* What a known envelope TLV type may hold. */
typedef struct chunk_field {
  uint8_t min_len, max_len;
  uint64_t max_value;
  bool media_only;
  const char *bad_len;   /* expected ..., for a wrong length */
  const char *bad_value; /* expected ..., for a wrong value */
} chunk_field;

#define CHUNK_ENVELOPE_TYPES 14 /* types 0 .. 13 */

static const chunk_field chunk_envelope_fields[CHUNK_ENVELOPE_TYPES] = {
    [RIPT_CHUNK_TLV_SEQUENCE] = {1, 8, UINT64_MAX, false,
                                 "a sequence number of 1 to 8 bytes", NULL},
    [RIPT_CHUNK_TLV_TIMESTAMP] = {1, 8, UINT64_MAX, false,
                                  "a timestamp of 1 to 8 bytes", NULL},
    [RIPT_CHUNK_TLV_PAYLOAD_TYPE] = {1, 4, UINT32_MAX, true,
                                     "a payload type of 1 to 4 bytes", NULL},
    [RIPT_CHUNK_TLV_KIND] = {1, 1, RIPT_CHUNK_KIND_CONTROL, false,
                             "a 1-byte kind", "kind 0 (media) or 1 (control)"},
    [RIPT_CHUNK_TLV_SOURCE] = {1, 1, UINT8_MAX, true, "a 1-byte source id",
                               NULL},
    [RIPT_CHUNK_TLV_SINK] = {1, 1, UINT8_MAX, true, "a 1-byte sink id", NULL},
    [RIPT_CHUNK_TLV_REFERENCE] = {1, 1, 1, true, "a 1-byte reference flag",
                                  "reference flag 0 or 1"},
    [RIPT_CHUNK_TLV_SPATIAL_LAYER] = {1, 1, UINT8_MAX, true,
                                      "a 1-byte spatial layer", NULL},
    [RIPT_CHUNK_TLV_TEMPORAL_LAYER] = {1, 1, UINT8_MAX, true,
                                       "a 1-byte temporal layer", NULL},
    [RIPT_CHUNK_TLV_LEVEL] = {1, 1, RIPT_CHUNK_LEVEL_MAX, true,
                              "a 1-byte active level",
                              "an active level of 0 to 127"},
    [RIPT_CHUNK_TLV_CONTROL_TYPE] = {2, 2, UINT16_MAX, false,
                                     "a 2-byte control type", NULL},
    [RIPT_CHUNK_TLV_KEY_ID] = {1, 4, UINT32_MAX, false,
                               "a key id of 1 to 4 bytes", NULL},
};

static bool chunk_is_envelope_field(uint64_t type) {
  return type < CHUNK_ENVELOPE_TYPES &&
         chunk_envelope_fields[type].max_len != 0;
}

static void chunk_store_field(ript_chunk *c, uint64_t type, uint64_t v,
                              size_t len) {
  switch (type) {
  case RIPT_CHUNK_TLV_SEQUENCE:
    c->sequence = v;
    c->sequence_len = (uint8_t)len;
    break;
  case RIPT_CHUNK_TLV_TIMESTAMP:
    c->timestamp = v;
    c->timestamp_len = (uint8_t)len;
    break;
  case RIPT_CHUNK_TLV_PAYLOAD_TYPE:
    c->payload_type = (uint32_t)v;
    break;
  case RIPT_CHUNK_TLV_KIND:
    c->kind = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_SOURCE:
    c->source = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_SINK:
    c->sink = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_REFERENCE:
    c->reference = v != 0;
    break;
  case RIPT_CHUNK_TLV_SPATIAL_LAYER:
    c->spatial_layer = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_TEMPORAL_LAYER:
    c->temporal_layer = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_LEVEL:
    c->has_level = true;
    c->level = (uint8_t)v;
    break;
  case RIPT_CHUNK_TLV_CONTROL_TYPE:
    c->control_type = (uint16_t)v;
    break;
  default: /* RIPT_CHUNK_TLV_KEY_ID */
    c->has_key_id = true;
    c->key_id = (uint32_t)v;
    break;
  }
}

/* Where each known envelope field was seen, for checks that need the whole
 * envelope (the kind may come last). */
typedef struct chunk_seen {
  uint32_t mask;
  chunk_tlv tlv[CHUNK_ENVELOPE_TYPES];
} chunk_seen;

static int chunk_envelope_field(ript_chunk *c, const uint8_t *data,
                                const chunk_tlv *tlv, chunk_seen *seen,
                                ript_parse_error *err) {
  const chunk_field *f = &chunk_envelope_fields[tlv->type];
  uint32_t bit = UINT32_C(1) << tlv->type;
  if (seen->mask & bit)
    return chunk_fail(err, RIPT_ERR_PARSE, tlv->at,
                      "no second TLV of a type already present");
  if (tlv->val_len < f->min_len || tlv->val_len > f->max_len)
    return chunk_fail(err, RIPT_ERR_PARSE, tlv->len_at, f->bad_len);
  uint64_t v = chunk_get_uint(data + tlv->val_at, tlv->val_len);
  if (v > f->max_value)
    return chunk_fail(err, RIPT_ERR_PARSE, tlv->val_at, f->bad_value);
  seen->mask |= bit;
  seen->tlv[tlv->type] = *tlv;
  chunk_store_field(c, tlv->type, v, tlv->val_len);
  return 0;
}

static int chunk_require(const chunk_seen *seen, uint64_t type, size_t at,
                         const char *expected, ript_parse_error *err) {
  if (seen->mask & (UINT32_C(1) << type))
    return 0;
  return chunk_fail(err, RIPT_ERR_PARSE, at, expected);
}

/* Checks of a media envelope; |end| is the sealed TLV's offset. */
static int chunk_check_media(const ript_chunk *c, const chunk_seen *seen,
                             size_t end, ript_parse_error *err) {
  if (seen->mask & (UINT32_C(1) << RIPT_CHUNK_TLV_CONTROL_TYPE))
    return chunk_fail(err, RIPT_ERR_PARSE,
                      seen->tlv[RIPT_CHUNK_TLV_CONTROL_TYPE].at,
                      "no control type in a media chunk");
  int rv = chunk_require(seen, RIPT_CHUNK_TLV_SOURCE, end,
                         "a source id TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_SINK, end,
                       "a sink id TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_SEQUENCE, end,
                       "a sequence number TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_TIMESTAMP, end,
                       "a timestamp TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_PAYLOAD_TYPE, end,
                       "a payload type TLV before the sealed TLV", err);
  if (rv < 0)
    return rv;
  if (c->source == 0)
    return chunk_fail(err, RIPT_ERR_PARSE,
                      seen->tlv[RIPT_CHUNK_TLV_SOURCE].val_at,
                      "a source id of 1 to 255 in a media chunk");
  if (c->sink == 0)
    return chunk_fail(err, RIPT_ERR_PARSE,
                      seen->tlv[RIPT_CHUNK_TLV_SINK].val_at,
                      "a sink id of 1 to 255 in a media chunk");
  return 0;
}

/* Checks of a control envelope; |end| is the sealed TLV's offset. */
static int chunk_check_control(const ript_chunk *c, const chunk_seen *seen,
                               size_t end, ript_parse_error *err) {
  for (uint64_t t = 0; t < CHUNK_ENVELOPE_TYPES; ++t)
    if ((seen->mask & (UINT32_C(1) << t)) &&
        chunk_envelope_fields[t].media_only)
      return chunk_fail(err, RIPT_ERR_PARSE, seen->tlv[t].at,
                        "no media field in a control chunk");
  int rv = chunk_require(seen, RIPT_CHUNK_TLV_CONTROL_TYPE, end,
                         "a control type TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_SEQUENCE, end,
                       "a sequence number TLV before the sealed TLV", err);
  if (rv == 0)
    rv = chunk_require(seen, RIPT_CHUNK_TLV_TIMESTAMP, end,
                       "a timestamp TLV before the sealed TLV", err);
  if (rv < 0)
    return rv;
  if (c->sequence_len != 8)
    return chunk_fail(err, RIPT_ERR_PARSE,
                      seen->tlv[RIPT_CHUNK_TLV_SEQUENCE].len_at,
                      "a full 8-byte sequence number in a control chunk");
  if (c->timestamp_len != 8)
    return chunk_fail(err, RIPT_ERR_PARSE,
                      seen->tlv[RIPT_CHUNK_TLV_TIMESTAMP].len_at,
                      "a full 8-byte timestamp in a control chunk");
  return 0;
}

ript_ssize ript_chunk_parse(ript_chunk *chunk, uint8_t *data, size_t len,
                            ript_parse_error *err) {
  if (!chunk || !data)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(chunk, 0, sizeof(*chunk));
  chunk_seen seen;
  seen.mask = 0;
  size_t off = 0;
  chunk_tlv tlv;
  for (;;) {
    ript_ssize next = chunk_read_tlv(data, len, off, &tlv, err,
                                     "an envelope TLV or the sealed TLV");
    if (next < 0)
      return next;
    if (tlv.type == RIPT_CHUNK_TLV_SEALED)
      break;
    if (chunk_is_envelope_field(tlv.type)) {
      int rv = chunk_envelope_field(chunk, data, &tlv, &seen, err);
      if (rv < 0)
        return rv;
    }
    off = (size_t)next;
  }
  int rv = chunk->kind == RIPT_CHUNK_KIND_MEDIA
               ? chunk_check_media(chunk, &seen, tlv.at, err)
               : chunk_check_control(chunk, &seen, tlv.at, err);
  if (rv < 0)
    return rv;
  chunk->data = data;
  chunk->aad_len = tlv.at;
  chunk->sealed = data + tlv.val_at;
  chunk->sealed_len = tlv.val_len;
  chunk->flags = RIPT_CHUNK_FLAG_PARSED;
  return (ript_ssize)(tlv.val_at + tlv.val_len);
}

/* ==== Package ============================================================= */

/*
 * The package is complete plaintext, so a TLV running past its end is
 * malformed (RIPT_ERR_PARSE), not truncated input. Offsets in errors count
 * from the chunk's first byte: |base| is the package's offset in the chunk.
 */
static ript_ssize chunk_read_package_tlv(const uint8_t *pkg, size_t len,
                                         size_t off, size_t base,
                                         chunk_tlv *tlv,
                                         ript_parse_error *err) {
  ript_ssize next = chunk_read_tlv(pkg, len, off, tlv, err, "a package TLV");
  if (next < 0) {
    if (err)
      err->offset += base;
    return RIPT_ERR_PARSE;
  }
  return next;
}

static int chunk_open_media(ript_chunk *c, size_t base, ript_parse_error *err) {
  bool have_media = false;
  chunk_tlv tlv;
  for (size_t off = 0; off < c->package_len;) {
    ript_ssize next = chunk_read_package_tlv(c->package, c->package_len, off,
                                             base, &tlv, err);
    if (next < 0)
      return (int)next;
    if (tlv.type == RIPT_CHUNK_TLV_MEDIA) {
      if (have_media)
        return chunk_fail(err, RIPT_ERR_PARSE, base + tlv.at,
                          "no second media TLV");
      have_media = true;
      c->media = c->package + tlv.val_at;
      c->media_len = tlv.val_len;
    }
    off = (size_t)next;
  }
  if (!have_media)
    return chunk_fail(err, RIPT_ERR_PARSE, base + c->package_len,
                      "a media TLV in the package");
  return 0;
}

/* Acknowledgement fields: TLV type, length, value range, and what a
 * missing field is reported as. */
static const struct {
  uint8_t type, len;
  uint8_t min_value;
  uint64_t max_value;
  const char *missing;
} chunk_ack_fields[] = {
    {RIPT_CHUNK_TLV_DIRECTION, 1, 0, RIPT_CHUNK_DIR_S2C,
     "a direction TLV in the acknowledgement"},
    {RIPT_CHUNK_TLV_SOURCE, 1, 1, UINT8_MAX,
     "a source id TLV in the acknowledgement"},
    {RIPT_CHUNK_TLV_SINK, 1, 1, UINT8_MAX,
     "a sink id TLV in the acknowledgement"},
    {RIPT_CHUNK_TLV_SEQUENCE, 8, 0, UINT64_MAX,
     "a sequence number TLV in the acknowledgement"},
    {RIPT_CHUNK_TLV_TIMESTAMP, 8, 0, UINT64_MAX,
     "a timestamp TLV in the acknowledgement"},
};
#define CHUNK_ACK_FIELDS                                                       \
  (sizeof(chunk_ack_fields) / sizeof(chunk_ack_fields[0]))

static void chunk_store_ack(ript_chunk_ack *ack, size_t field, uint64_t v) {
  switch (field) {
  case 0:
    ack->direction = (uint8_t)v;
    break;
  case 1:
    ack->source = (uint8_t)v;
    break;
  case 2:
    ack->sink = (uint8_t)v;
    break;
  case 3:
    ack->sequence = v;
    break;
  default:
    ack->timestamp = v;
    break;
  }
}

static int chunk_ack_field(ript_chunk *c, size_t i, const chunk_tlv *tlv,
                           unsigned *seen, size_t base, ript_parse_error *err) {
  if (*seen & (1u << i))
    return chunk_fail(err, RIPT_ERR_PARSE, base + tlv->at,
                      "no second TLV of a type already present");
  if (tlv->val_len != chunk_ack_fields[i].len)
    return chunk_fail(err, RIPT_ERR_PARSE, base + tlv->len_at,
                      chunk_ack_fields[i].len == 1
                          ? "a 1-byte acknowledgement field"
                          : "a full 8-byte acknowledgement field");
  uint64_t v = chunk_get_uint(c->package + tlv->val_at, tlv->val_len);
  if (v < chunk_ack_fields[i].min_value || v > chunk_ack_fields[i].max_value)
    return chunk_fail(err, RIPT_ERR_PARSE, base + tlv->val_at,
                      i == 0 ? "direction 0 (c2s) or 1 (s2c)"
                             : "an id of 1 to 255");
  *seen |= 1u << i;
  chunk_store_ack(&c->ack, i, v);
  return 0;
}

static int chunk_open_ack(ript_chunk *c, size_t base, ript_parse_error *err) {
  unsigned seen = 0;
  chunk_tlv tlv;
  for (size_t off = 0; off < c->package_len;) {
    ript_ssize next = chunk_read_package_tlv(c->package, c->package_len, off,
                                             base, &tlv, err);
    if (next < 0)
      return (int)next;
    for (size_t i = 0; i < CHUNK_ACK_FIELDS; ++i) {
      if (tlv.type != chunk_ack_fields[i].type)
        continue;
      int rv = chunk_ack_field(c, i, &tlv, &seen, base, err);
      if (rv < 0)
        return rv;
    }
    off = (size_t)next;
  }
  for (size_t i = 0; i < CHUNK_ACK_FIELDS; ++i)
    if (!(seen & (1u << i)))
      return chunk_fail(err, RIPT_ERR_PARSE, base + c->package_len,
                        chunk_ack_fields[i].missing);
  return 0;
}

/* ==== Open ================================================================ */

/* Picks the key for |c|: NULL for the NULL cipher. */
static int chunk_find_key(const ript_chunk *c, const ript_chunk_key *keys,
                          size_t nkeys, const ript_chunk_key **key) {
  *key = NULL;
  if (!c->has_key_id)
    return nkeys == 0 ? 0 : RIPT_ERR_DECRYPT;
  for (size_t i = 0; i < nkeys; ++i) {
    if (keys[i].id != c->key_id)
      continue;
    if (!keys[i].aead)
      return RIPT_ERR_INVALID_ARGUMENT;
    *key = &keys[i];
    return 0;
  }
  return RIPT_ERR_UNKNOWN_KEY;
}

/* Authenticates and decrypts in place; zeroes the ciphertext on failure so
 * that unauthenticated plaintext never lingers in the caller's buffer. */
static int chunk_unseal(const ript_chunk_key *key, const ript_chunk *c) {
  uint8_t nonce[RIPT_CHUNK_NONCE_LEN];
  chunk_nonce(nonce, key, c);
  giovec_t aad = {c->data, c->aad_len};
  giovec_t text = {c->sealed + key->tag_len, c->sealed_len - key->tag_len};
  int rv = gnutls_aead_cipher_decryptv2((gnutls_aead_cipher_hd_t)key->aead,
                                        nonce, sizeof(nonce), &aad, 1, &text, 1,
                                        c->sealed, key->tag_len);
  if (rv == 0)
    return 0;
  memset(text.iov_base, 0, text.iov_len);
  return rv == GNUTLS_E_DECRYPTION_FAILED ? RIPT_ERR_DECRYPT : RIPT_ERR_CRYPTO;
}

int ript_chunk_open(ript_chunk *chunk, const ript_chunk_key *keys, size_t nkeys,
                    ript_parse_error *err) {
  const uint32_t ready = RIPT_CHUNK_FLAG_PARSED | RIPT_CHUNK_FLAG_EXPANDED;
  if (!chunk || (!keys && nkeys > 0) ||
      (chunk->flags & (ready | RIPT_CHUNK_FLAG_OPENED)) != ready)
    return RIPT_ERR_INVALID_ARGUMENT;
  const ript_chunk_key *key;
  int rv = chunk_find_key(chunk, keys, nkeys, &key);
  if (rv < 0)
    return rv;
  size_t tag_len = key ? key->tag_len : 0;
  size_t sealed_at = (size_t)(chunk->sealed - chunk->data);
  if (chunk->sealed_len < tag_len)
    return chunk_fail(err, RIPT_ERR_PARSE, sealed_at,
                      "a sealed value at least as long as the key's tag");
  /* From here on the bytes change: the chunk cannot be opened again. */
  chunk->flags &= ~RIPT_CHUNK_FLAG_PARSED;
  if (key && (rv = chunk_unseal(key, chunk)) < 0)
    return rv;
  chunk->package = chunk->sealed + tag_len;
  chunk->package_len = chunk->sealed_len - tag_len;
  size_t base = sealed_at + tag_len;
  if (chunk->kind == RIPT_CHUNK_KIND_MEDIA)
    rv = chunk_open_media(chunk, base, err);
  else if (chunk->control_type == RIPT_CHUNK_CONTROL_ACK)
    rv = chunk_open_ack(chunk, base, err);
  if (rv < 0)
    return rv;
  chunk->flags |= RIPT_CHUNK_FLAG_PARSED | RIPT_CHUNK_FLAG_OPENED;
  return 0;
}

int ript_chunk_fill_ack(ript_chunk *ack, const ript_chunk *received,
                        uint8_t direction, uint64_t control_sequence,
                        int64_t now_ms) {
  if (!ack || !received || !(received->flags & RIPT_CHUNK_FLAG_OPENED) ||
      received->kind != RIPT_CHUNK_KIND_MEDIA ||
      direction > RIPT_CHUNK_DIR_S2C || now_ms < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_chunk_init(ack);
  ack->kind = RIPT_CHUNK_KIND_CONTROL;
  ack->control_type = RIPT_CHUNK_CONTROL_ACK;
  ack->sequence = control_sequence;
  ack->timestamp = (uint64_t)now_ms;
  ack->ack.direction = direction;
  ack->ack.source = received->source;
  ack->ack.sink = received->sink;
  ack->ack.sequence = received->sequence;
  ack->ack.timestamp = received->timestamp;
  return 0;
}

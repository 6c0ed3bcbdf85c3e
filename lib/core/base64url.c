#include "base64url.h"

static const char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int ript_base64url_encode(ript_buf *out, const uint8_t *data, size_t len) {
  size_t outlen = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
  int rv = ript_buf_reserve(out, outlen);
  if (rv != 0)
    return rv;
  char *p = (char *)out->data + out->len;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 |
                 data[i + 2];
    *p++ = base64url_alphabet[v >> 18];
    *p++ = base64url_alphabet[v >> 12 & 0x3f];
    *p++ = base64url_alphabet[v >> 6 & 0x3f];
    *p++ = base64url_alphabet[v & 0x3f];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)data[i] << 16;
    *p++ = base64url_alphabet[v >> 18];
    *p++ = base64url_alphabet[v >> 12 & 0x3f];
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
    *p++ = base64url_alphabet[v >> 18];
    *p++ = base64url_alphabet[v >> 12 & 0x3f];
    *p++ = base64url_alphabet[v >> 6 & 0x3f];
  }
  out->len += outlen;
  out->data[out->len] = '\0';
  return 0;
}

size_t ript_base64url_decoded_len(size_t len) {
  return len / 4 * 3 + (len % 4 > 1 ? len % 4 - 1 : 0);
}

static int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

static ript_ssize base64url_fail(ript_parse_error *err, size_t offset,
                                 const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

ript_ssize ript_base64url_decode(uint8_t *out, size_t outcap, const char *in,
                                 size_t len, ript_parse_error *err) {
  size_t outlen = ript_base64url_decoded_len(len);
  if (outlen > outcap)
    return RIPT_ERR_NOBUF;
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) {
    int v = base64url_value(in[i]);
    if (v < 0)
      return base64url_fail(err, i,
                            "a base64url character (A-Z a-z 0-9 - _, no '=')");
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (len % 4 == 1)
    return base64url_fail(err, len, "base64url length not 1 modulo 4");
  /* Leftover bits must be zero: otherwise two texts decode to one value. */
  if (acc != 0)
    return base64url_fail(err, len - 1, "zero trailing bits in the last "
                                        "base64url character");
  return (ript_ssize)n;
}

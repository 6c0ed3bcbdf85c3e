/*
 * Telephone-number spellings and the TNAuthList of RFC 8226 §9, encoded and
 * decoded with libtasn1 from lib/core/tnauth.asn.
 */
#include <libtasn1.h>
#include <stdio.h>
#include <string.h>

#include "ript_mem.h"
#include "stir_internal.h"

extern const asn1_static_node ript_tnauth_asn1_tab[];

#define TNAUTH_TYPE "TN-Module-2016.TNAuthorizationList"

/* Longest element path we build: "?" + a decimal index + ".range.count". */
#define TNAUTH_PATH_MAX 40

int ript_stir_parse_fail(ript_parse_error *err, size_t offset,
                         const char *expected) {
  if (err) {
    err->offset = offset;
    err->expected = expected;
  }
  return RIPT_ERR_PARSE;
}

/* ---- Telephone numbers ---------------------------------------------- */

static size_t tn_span(const char *s, const char *alphabet) {
  size_t n = 0;
  while (s[n] && strchr(alphabet, s[n]))
    ++n;
  return n;
}

int ript_stir_is_digits(const char *s) {
  size_t n = tn_span(s, "0123456789");
  return n >= 1 && n <= RIPT_STIR_TN_MAX && s[n] == '\0';
}

/* TelephoneNumber ::= IA5String (SIZE (1..15)) (FROM ("0123456789#*")) */
static int tn_is_telephone_number(const char *s, size_t len) {
  return len >= 1 && len <= RIPT_STIR_TN_MAX &&
         tn_span(s, "0123456789#*") == len;
}

/* SPCs are IA5String; RIPT keeps them to printable ASCII so they can be
 * shown and logged safely. */
static int tn_is_spc(const char *s, size_t len) {
  if (len == 0)
    return 0;
  for (size_t i = 0; i < len; ++i)
    if (s[i] < 0x20 || s[i] > 0x7e)
      return 0;
  return 1;
}

ript_ssize ript_stir_tn_from_e164(const char *e164, char *out, size_t outlen) {
  if (!e164 || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (e164[0] != '+' || !ript_stir_is_digits(e164 + 1))
    return RIPT_ERR_PARSE;
  size_t n = strlen(e164 + 1);
  if (outlen < n + 1)
    return RIPT_ERR_NOBUF;
  memcpy(out, e164 + 1, n + 1);
  return (ript_ssize)n;
}

ript_ssize ript_stir_tn_to_e164(const char *digits, char *out, size_t outlen) {
  if (!digits || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (!ript_stir_is_digits(digits))
    return RIPT_ERR_PARSE;
  size_t n = strlen(digits);
  if (outlen < n + 2)
    return RIPT_ERR_NOBUF;
  out[0] = '+';
  memcpy(out + 1, digits, n + 1);
  return (ript_ssize)(n + 1);
}

/* ---- The list -------------------------------------------------------- */

void ript_stir_tnauth_init(ript_stir_tnauth *list, const ript_mem *mem) {
  list->entries = NULL;
  list->len = 0;
  list->cap = 0;
  list->mem = mem;
}

void ript_stir_tnauth_free(ript_stir_tnauth *list) {
  for (size_t i = 0; i < list->len; ++i)
    ript_mem_free(list->mem, list->entries[i].value);
  ript_mem_free(list->mem, list->entries);
  ript_stir_tnauth_init(list, list->mem);
}

static int tnauth_append(ript_stir_tnauth *list, ript_stir_tnentry_type type,
                         const char *value, size_t len, uint64_t count) {
  if (list->len == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 4;
    ript_stir_tnentry *entries =
        ript_mem_realloc(list->mem, list->entries, cap * sizeof(*entries));
    if (!entries)
      return RIPT_ERR_NOMEM;
    list->entries = entries;
    list->cap = cap;
  }
  char *copy = ript_mem_strndup(list->mem, value, len);
  if (!copy)
    return RIPT_ERR_NOMEM;
  list->entries[list->len].type = type;
  list->entries[list->len].value = copy;
  list->entries[list->len].count = count;
  ++list->len;
  return 0;
}

int ript_stir_tnauth_add_spc(ript_stir_tnauth *list, const char *spc) {
  if (!list || !spc || !tn_is_spc(spc, strlen(spc)))
    return RIPT_ERR_INVALID_ARGUMENT;
  return tnauth_append(list, RIPT_STIR_TNENTRY_SPC, spc, strlen(spc), 0);
}

int ript_stir_tnauth_add_range(ript_stir_tnauth *list, const char *start,
                               uint64_t count) {
  if (!list || !start || !tn_is_telephone_number(start, strlen(start)) ||
      count < 2)
    return RIPT_ERR_INVALID_ARGUMENT;
  return tnauth_append(list, RIPT_STIR_TNENTRY_RANGE, start, strlen(start),
                       count);
}

int ript_stir_tnauth_add_one(ript_stir_tnauth *list, const char *tn) {
  if (!list || !tn || !tn_is_telephone_number(tn, strlen(tn)))
    return RIPT_ERR_INVALID_ARGUMENT;
  return tnauth_append(list, RIPT_STIR_TNENTRY_ONE, tn, strlen(tn), 0);
}

/* ---- Coverage -------------------------------------------------------- */

static uint64_t tn_value(const char *digits) {
  uint64_t v = 0;
  for (; *digits; ++digits)
    v = v * 10 + (uint64_t)(*digits - '0');
  return v;
}

static int tnauth_range_covers(const ript_stir_tnentry *e, const char *tn) {
  /* Only numbers of the start's length are in the range: 999 + 5 covers
   * 999 but not 1000..1003. Starts holding '#' or '*' name no numeric
   * range, so they cover nothing. */
  if (strlen(e->value) != strlen(tn) || !ript_stir_is_digits(e->value))
    return 0;
  uint64_t start = tn_value(e->value);
  uint64_t value = tn_value(tn);
  return value >= start && value - start < e->count;
}

int ript_stir_tnauth_covers(const ript_stir_tnauth *list, const char *tn) {
  if (!list || !tn || !ript_stir_is_digits(tn))
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < list->len; ++i) {
    const ript_stir_tnentry *e = &list->entries[i];
    if (e->type == RIPT_STIR_TNENTRY_ONE && strcmp(e->value, tn) == 0)
      return 1;
    if (e->type == RIPT_STIR_TNENTRY_RANGE && tnauth_range_covers(e, tn))
      return 1;
  }
  return 0;
}

/* ---- DER ------------------------------------------------------------- */

/* A fresh, empty TNAuthorizationList node (and the definitions it hangs
 * off). libtasn1 definitions are built per call: keeping them in a static
 * would be global state. */
static int tnauth_new_node(asn1_node *defs, asn1_node *node) {
  char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
  *defs = NULL;
  *node = NULL;
  int rv = asn1_array2tree(ript_tnauth_asn1_tab, defs, desc);
  if (rv == ASN1_SUCCESS)
    rv = asn1_create_element(*defs, TNAUTH_TYPE, node);
  if (rv == ASN1_SUCCESS)
    return 0;
  asn1_delete_structure(defs);
  return rv == ASN1_MEM_ALLOC_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
}

static void tnauth_del_node(asn1_node *defs, asn1_node *node) {
  asn1_delete_structure(node);
  asn1_delete_structure(defs);
}

/* Minimal two's-complement big-endian bytes of a non-negative |v|. */
static int tnauth_integer_bytes(uint64_t v, uint8_t out[9]) {
  uint8_t be[9];
  be[0] = 0;
  for (int i = 0; i < 8; ++i)
    be[1 + i] = (uint8_t)(v >> (56 - 8 * i));
  int skip = 0;
  while (skip < 8 && be[skip] == 0 && !(be[skip + 1] & 0x80))
    ++skip;
  memcpy(out, be + skip, (size_t)(9 - skip));
  return 9 - skip;
}

static int tnauth_write_entry(asn1_node node, const ript_stir_tnentry *e) {
  static const char *const choice[] = {"spc", "range", "one"};
  char path[TNAUTH_PATH_MAX];
  int rv = asn1_write_value(node, "", "NEW", 1);
  if (rv == ASN1_SUCCESS)
    rv = asn1_write_value(node, "?LAST", choice[e->type], 1);
  if (rv != ASN1_SUCCESS)
    return rv;
  if (e->type != RIPT_STIR_TNENTRY_RANGE) {
    snprintf(path, sizeof(path), "?LAST.%s", choice[e->type]);
    return asn1_write_value(node, path, e->value, (int)strlen(e->value));
  }
  uint8_t count[9];
  int countlen = tnauth_integer_bytes(e->count, count);
  rv = asn1_write_value(node, "?LAST.range.start", e->value,
                        (int)strlen(e->value));
  if (rv == ASN1_SUCCESS)
    rv = asn1_write_value(node, "?LAST.range.count", count, countlen);
  return rv;
}

static int tnauth_check_entry(const ript_stir_tnentry *e) {
  if ((unsigned)e->type > RIPT_STIR_TNENTRY_ONE || !e->value)
    return 0;
  size_t len = strlen(e->value);
  if (e->type == RIPT_STIR_TNENTRY_SPC)
    return tn_is_spc(e->value, len);
  if (e->type == RIPT_STIR_TNENTRY_RANGE && e->count < 2)
    return 0;
  return tn_is_telephone_number(e->value, len);
}

/* DER of |node| appended to |out|. */
static int tnauth_der_append(asn1_node node, ript_buf *out) {
  char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
  int len = 0;
  int rv = asn1_der_coding(node, "", NULL, &len, desc);
  if (rv != ASN1_MEM_ERROR)
    return RIPT_ERR_CRYPTO;
  rv = ript_buf_reserve(out, (size_t)len);
  if (rv != 0)
    return rv;
  if (asn1_der_coding(node, "", out->data + out->len, &len, desc) !=
      ASN1_SUCCESS)
    return RIPT_ERR_CRYPTO;
  out->len += (size_t)len;
  out->data[out->len] = '\0';
  return 0;
}

int ript_stir_tnauth_encode(const ript_stir_tnauth *list, ript_buf *out) {
  if (!list || !out || list->len == 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < list->len; ++i)
    if (!tnauth_check_entry(&list->entries[i]))
      return RIPT_ERR_INVALID_ARGUMENT;
  asn1_node defs, node;
  int rv = tnauth_new_node(&defs, &node);
  if (rv != 0)
    return rv;
  for (size_t i = 0; i < list->len && rv == 0; ++i) {
    int arv = tnauth_write_entry(node, &list->entries[i]);
    if (arv != ASN1_SUCCESS)
      rv = arv == ASN1_MEM_ALLOC_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_CRYPTO;
  }
  if (rv == 0)
    rv = tnauth_der_append(node, out);
  tnauth_del_node(&defs, &node);
  return rv;
}

/* Decoding state: where the input is, for error offsets. */
typedef struct tnauth_decoder {
  asn1_node node;
  const uint8_t *der;
  size_t len;
  ript_parse_error *err;
} tnauth_decoder;

/* Fails at the start of the element |path| (0 if libtasn1 cannot say). */
static int tnauth_fail_at(const tnauth_decoder *d, const char *path,
                          const char *expected) {
  int start = 0, end = 0;
  if (asn1_der_decoding_startEnd(d->node, d->der, (int)d->len, path, &start,
                                 &end) != ASN1_SUCCESS)
    start = 0;
  return ript_stir_parse_fail(d->err, (size_t)start, expected);
}

/* Reads the string at |path| into |buf| (NUL-terminated); 0 or -1. */
static int tnauth_read_string(const tnauth_decoder *d, const char *path,
                              char *buf, size_t bufsize, size_t *len) {
  int n = (int)bufsize - 1;
  if (asn1_read_value(d->node, path, buf, &n) != ASN1_SUCCESS)
    return -1;
  buf[n] = '\0';
  *len = (size_t)n;
  return strlen(buf) == (size_t)n ? 0 : -1;
}

/* INTEGER (2..2^64-1) at |path|; 0 or -1. */
static int tnauth_read_count(const tnauth_decoder *d, const char *path,
                             uint64_t *count) {
  uint8_t bytes[16];
  int n = (int)sizeof(bytes);
  if (asn1_read_value(d->node, path, bytes, &n) != ASN1_SUCCESS || n < 1 ||
      (bytes[0] & 0x80))
    return -1;
  int i = 0;
  if (n > 1 && bytes[0] == 0)
    i = 1; /* the sign byte before a value with its top bit set */
  if (n - i > 8)
    return -1;
  uint64_t v = 0;
  for (; i < n; ++i)
    v = v << 8 | bytes[i];
  *count = v;
  return v >= 2 ? 0 : -1;
}

/* Longest SPC we keep. RFC 8226 sets no limit; real SPCs (OCNs, SPIDs)
 * are a handful of characters. */
#define TNAUTH_SPC_MAX 255

static int tnauth_read_entry(const tnauth_decoder *d, unsigned long index,
                             ript_stir_tnauth *list) {
  char path[TNAUTH_PATH_MAX], sub[TNAUTH_PATH_MAX], choice[16];
  char value[TNAUTH_SPC_MAX + 1];
  size_t len;
  snprintf(path, sizeof(path), "?%lu", index);
  int n = (int)sizeof(choice);
  if (asn1_read_value(d->node, path, choice, &n) != ASN1_SUCCESS)
    return tnauth_fail_at(d, path, "a TNEntry: spc [0], range [1] or one [2]");
  if (strcmp(choice, "spc") == 0) {
    snprintf(sub, sizeof(sub), "?%lu.spc", index);
    if (tnauth_read_string(d, sub, value, sizeof(value), &len) != 0 ||
        !tn_is_spc(value, len))
      return tnauth_fail_at(d, sub, "an SPC of 1-255 printable ASCII "
                                    "characters");
    return tnauth_append(list, RIPT_STIR_TNENTRY_SPC, value, len, 0);
  }
  if (strcmp(choice, "one") == 0) {
    snprintf(sub, sizeof(sub), "?%lu.one", index);
    if (tnauth_read_string(d, sub, value, RIPT_STIR_TN_BUFLEN + 1, &len) != 0 ||
        !tn_is_telephone_number(value, len))
      return tnauth_fail_at(d, sub, "a TelephoneNumber: 1-15 of 0-9 # *");
    return tnauth_append(list, RIPT_STIR_TNENTRY_ONE, value, len, 0);
  }
  snprintf(sub, sizeof(sub), "?%lu.range.start", index);
  if (tnauth_read_string(d, sub, value, RIPT_STIR_TN_BUFLEN + 1, &len) != 0 ||
      !tn_is_telephone_number(value, len))
    return tnauth_fail_at(d, sub, "a range start: 1-15 of 0-9 # *");
  uint64_t count;
  snprintf(sub, sizeof(sub), "?%lu.range.count", index);
  if (tnauth_read_count(d, sub, &count) != 0)
    return tnauth_fail_at(d, sub, "a range count from 2 to 2^64-1");
  return tnauth_append(list, RIPT_STIR_TNENTRY_RANGE, value, len, count);
}

/* Re-encoding must give back the input: that rejects every BER freedom
 * (long-form lengths, constructed strings, padded integers) whatever
 * libtasn1's decoder lets through. */
static int tnauth_check_canonical(const tnauth_decoder *d,
                                  const ript_stir_tnauth *list) {
  ript_buf der;
  ript_buf_init(&der, list->mem);
  int rv = ript_stir_tnauth_encode(list, &der);
  if (rv == 0 && (der.len != d->len || memcmp(der.data, d->der, d->len) != 0))
    rv = ript_stir_parse_fail(d->err, 0, "DER: the canonical encoding");
  ript_buf_free(&der);
  return rv;
}

/* Size of the outermost TLV when its header is readable, else 0. libtasn1
 * refuses trailing bytes without saying where they start; this does. */
static size_t tnauth_outer_size(const tnauth_decoder *d) {
  unsigned char cls;
  int taglen, lenlen;
  unsigned long tag;
  if (asn1_get_tag_der(d->der, (int)d->len, &cls, &taglen, &tag) !=
      ASN1_SUCCESS)
    return 0;
  long content = asn1_get_length_der(d->der + taglen, (int)d->len - taglen,
                                     &lenlen);
  return content < 0 ? 0 : (size_t)taglen + (size_t)lenlen + (size_t)content;
}

static int tnauth_decode(tnauth_decoder *d, ript_stir_tnauth *list) {
  char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
  size_t outer = tnauth_outer_size(d);
  if (outer > 0 && outer < d->len)
    return ript_stir_parse_fail(d->err, outer,
                                "the end of the TNAuthorizationList");
  int consumed = (int)d->len;
  int rv = asn1_der_decoding2(&d->node, d->der, &consumed,
                              ASN1_DECODE_FLAG_STRICT_DER, desc);
  if (rv == ASN1_MEM_ALLOC_ERROR)
    return RIPT_ERR_NOMEM;
  if (rv != ASN1_SUCCESS)
    return ript_stir_parse_fail(d->err, 0,
                                "a DER TNAuthorizationList (RFC 8226)");
  int count = 0;
  if (asn1_number_of_elements(d->node, "", &count) != ASN1_SUCCESS ||
      count < 1)
    return ript_stir_parse_fail(d->err, 0, "at least one TNEntry");
  for (int i = 1; i <= count; ++i) {
    rv = tnauth_read_entry(d, (unsigned long)i, list);
    if (rv != 0)
      return rv;
  }
  return tnauth_check_canonical(d, list);
}

int ript_stir_tnauth_parse(ript_stir_tnauth *list, const uint8_t *der,
                           size_t len, ript_parse_error *err) {
  if (!list || (!der && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_stir_tnauth_free(list);
  if (len == 0)
    return ript_stir_parse_fail(err, 0, "a DER TNAuthorizationList");
  if (len > INT32_MAX)
    return ript_stir_parse_fail(err, 0, "a TNAuthorizationList under 2 GiB");
  asn1_node defs;
  tnauth_decoder d = {NULL, der, len, err};
  int rv = tnauth_new_node(&defs, &d.node);
  if (rv == 0)
    rv = tnauth_decode(&d, list);
  tnauth_del_node(&defs, &d.node);
  if (rv != 0)
    ript_stir_tnauth_free(list);
  return rv;
}

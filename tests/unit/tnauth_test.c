#include <stdlib.h>
#include <string.h>

#include "ript/stir.h"
#include "testutil.h"

/* ---- Telephone number spellings -------------------------------------- */

static void test_tn_from_e164(void **state) {
  (void)state;
  char out[RIPT_STIR_TN_BUFLEN];
  assert_int_equal(ript_stir_tn_from_e164("+14085551000", out, sizeof(out)),
                   11);
  assert_string_equal(out, "14085551000");
  assert_int_equal(ript_stir_tn_from_e164("+1", out, sizeof(out)), 1);
  assert_int_equal(
      ript_stir_tn_from_e164("+123456789012345", out, sizeof(out)), 15);
  assert_string_equal(out, "123456789012345");
  /* Exactly enough room, then one byte short. */
  assert_int_equal(ript_stir_tn_from_e164("+1408", out, 5), 4);
  assert_int_equal(ript_stir_tn_from_e164("+1408", out, 4), RIPT_ERR_NOBUF);
  static const char *const bad[] = {
      "14085551000",  "+",          "",           "+1234567890123456",
      "+1-408-555",   "+1 408",     "++1408",     "+1408a",
      "+1408#",       " +1408",     "+1408\n",    "tel:+1408",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i)
    assert_int_equal(ript_stir_tn_from_e164(bad[i], out, sizeof(out)),
                     RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tn_from_e164(NULL, out, sizeof(out)),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tn_from_e164("+1", NULL, 4),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_tn_to_e164(void **state) {
  (void)state;
  char out[RIPT_STIR_E164_BUFLEN];
  assert_int_equal(ript_stir_tn_to_e164("14085551000", out, sizeof(out)), 12);
  assert_string_equal(out, "+14085551000");
  assert_int_equal(ript_stir_tn_to_e164("123456789012345", out, sizeof(out)),
                   16);
  assert_int_equal(ript_stir_tn_to_e164("1408", out, 6), 5);
  assert_int_equal(ript_stir_tn_to_e164("1408", out, 5), RIPT_ERR_NOBUF);
  assert_int_equal(ript_stir_tn_to_e164("+1408", out, sizeof(out)),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tn_to_e164("", out, sizeof(out)), RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tn_to_e164("1234567890123456", out, sizeof(out)),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tn_to_e164("14#", out, sizeof(out)),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tn_to_e164(NULL, out, sizeof(out)),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tn_to_e164("1", NULL, 0),
                   RIPT_ERR_INVALID_ARGUMENT);
}

/* ---- Building lists --------------------------------------------------- */

static void test_add_validates(void **state) {
  (void)state;
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, "709J"), 0);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, "A B~"), 0);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, ""), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, "a\tb"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, "caf\xc3\xa9"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "14085551000"), 0);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "*67#"), 0);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "123456789012345"), 0);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "1234567890123456"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_one(&l, ""), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "+1408"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "14089529900", 2), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "14089529900", 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "14089529900", 0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "1408-952", 10),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_range(NULL, "1", 10),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_one(&l, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_spc(NULL, "x"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(l.len, 6);
  assert_int_equal(l.entries[5].type, RIPT_STIR_TNENTRY_RANGE);
  assert_int_equal(l.entries[5].count, 2);
  assert_int_equal(l.entries[2].count, 0);
  ript_stir_tnauth_free(&l);
  assert_int_equal(l.len, 0);
  assert_null(l.entries);
}

static void build_doc_list(ript_stir_tnauth *l) {
  assert_int_equal(ript_stir_tnauth_add_spc(l, "709J"), 0);
  assert_int_equal(ript_stir_tnauth_add_range(l, "14089529900", 100), 0);
  assert_int_equal(ript_stir_tnauth_add_one(l, "14085551000"), 0);
}

/* ---- DER: the worked example and third-party encodings ----------------- */

static void test_encode_doc_example(void **state) {
  (void)state;
  size_t len;
  uint8_t *want = ript_test_example_hex("stir-tnauth-der", &len);
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  build_doc_list(&l);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), 0);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, want, len);
  ript_buf_free(&b);
  ript_stir_tnauth_free(&l);
  free(want);
}

static void test_parse_doc_example(void **state) {
  (void)state;
  size_t len;
  uint8_t *der = ript_test_example_hex("stir-tnauth-der", &len);
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_parse(&l, der, len, NULL), 0);
  assert_int_equal(l.len, 3);
  assert_int_equal(l.entries[0].type, RIPT_STIR_TNENTRY_SPC);
  assert_string_equal(l.entries[0].value, "709J");
  assert_int_equal(l.entries[1].type, RIPT_STIR_TNENTRY_RANGE);
  assert_string_equal(l.entries[1].value, "14089529900");
  assert_int_equal(l.entries[1].count, 100);
  assert_int_equal(l.entries[2].type, RIPT_STIR_TNENTRY_ONE);
  assert_string_equal(l.entries[2].value, "14085551000");
  /* The coverage the document states. */
  assert_int_equal(ript_stir_tnauth_covers(&l, "14085551000"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "14089529999"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "14089530000"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "1408952990"), 0);
  /* Parsing again replaces the contents. */
  uint8_t *leaf = ript_test_example_hex("stir-leaf-tnauth-der", &len);
  assert_int_equal(ript_stir_tnauth_parse(&l, leaf, len, NULL), 0);
  assert_int_equal(l.len, 1);
  assert_string_equal(l.entries[0].value, "14085551000");
  ript_stir_tnauth_free(&l);
  free(leaf);
  free(der);
}

static void expect_round_trip(const uint8_t *der, size_t len) {
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_parse(&l, der, len, NULL), 0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), 0);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, der, len);
  ript_buf_free(&b);
  ript_stir_tnauth_free(&l);
}

/* Encodings made by software we did not write. */
static void test_third_party_encodings(void **state) {
  (void)state;
  /* pyasn1-modules' RFC 8226 test vector: spc "bogus", range
   * 5715551212 + 788, one 7035551212. */
  static const uint8_t pyasn1[] = {
      0x30, 0x2b, 0xa0, 0x07, 0x16, 0x05, 'b',  'o',  'g',  'u',  's',  0xa1,
      0x12, 0x30, 0x10, 0x16, 0x0a, '5',  '7',  '1',  '5',  '5',  '5',  '1',
      '2',  '1',  '2',  0x02, 0x02, 0x03, 0x14, 0xa2, 0x0c, 0x16, 0x0a, '7',
      '0',  '3',  '5',  '5',  '5',  '1',  '2',  '1',  '2'};
  expect_round_trip(pyasn1, sizeof(pyasn1));
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_parse(&l, pyasn1, sizeof(pyasn1), NULL), 0);
  assert_int_equal(l.entries[1].count, 788);
  assert_int_equal(ript_stir_tnauth_covers(&l, "5715551999"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "5715552000"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "7035551212"), 1);
  ript_stir_tnauth_free(&l);
  /* A SHAKEN-style SPC-only list as a certificate vendor documents it
   * (base64 "MAigBhYEODE4SA=="): explicit [0] around the IA5String. */
  static const uint8_t shaken[] = {0x30, 0x08, 0xa0, 0x06, 0x16,
                                   0x04, '8',  '1',  '8',  'H'};
  expect_round_trip(shaken, sizeof(shaken));
}

static void test_large_counts(void **state) {
  (void)state;
  static const uint64_t counts[] = {2, 127, 128, 255, 256, 0x7fffffffffffffff,
                                    0x8000000000000000, UINT64_MAX};
  for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); ++i) {
    ript_stir_tnauth l, back;
    ript_stir_tnauth_init(&l, NULL);
    ript_stir_tnauth_init(&back, NULL);
    assert_int_equal(ript_stir_tnauth_add_range(&l, "999999999999999",
                                                counts[i]),
                     0);
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(ript_stir_tnauth_encode(&l, &b), 0);
    assert_int_equal(ript_stir_tnauth_parse(&back, b.data, b.len, NULL), 0);
    assert_true(back.entries[0].count == counts[i]);
    /* The top of a 15-digit range never overflows the arithmetic. */
    assert_int_equal(ript_stir_tnauth_covers(&back, "999999999999999"), 1);
    assert_int_equal(ript_stir_tnauth_covers(&back, "999999999999998"), 0);
    ript_buf_free(&b);
    ript_stir_tnauth_free(&back);
    ript_stir_tnauth_free(&l);
  }
}

/* ---- Coverage ------------------------------------------------------------ */

static void test_covers(void **state) {
  (void)state;
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_covers(&l, "14085551000"), 0);
  assert_int_equal(ript_stir_tnauth_add_spc(&l, "14085551000"), 0);
  /* An SPC covers no number, even one spelled like it. */
  assert_int_equal(ript_stir_tnauth_covers(&l, "14085551000"), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "998", 5), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "997"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "998"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "999"), 1);
  /* Same length as start only: 998 + 5 does not reach 1000..1002. */
  assert_int_equal(ript_stir_tnauth_covers(&l, "1000"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "0998"), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&l, "0100", 2), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "0101"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "0102"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "101"), 0);
  /* A start with '#' or '*' names no numeric range. */
  assert_int_equal(ript_stir_tnauth_add_range(&l, "#500", 100), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "1500"), 0);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "14085551000"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "14085551000"), 1);
  assert_int_equal(ript_stir_tnauth_covers(&l, "14085551001"), 0);
  assert_int_equal(ript_stir_tnauth_covers(&l, "+14085551000"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_covers(&l, ""), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_covers(&l, "1234567890123456"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_covers(&l, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_covers(NULL, "1"),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_tnauth_free(&l);
}

/* ---- Encoder argument errors -------------------------------------------- */

static void test_encode_errors(void **state) {
  (void)state;
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_add_one(&l, "1"), 0);
  assert_int_equal(ript_stir_tnauth_encode(NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_encode(&l, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Entries the caller edited into something invalid are refused. */
  l.entries[0].type = RIPT_STIR_TNENTRY_RANGE;
  l.entries[0].count = 1;
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), RIPT_ERR_INVALID_ARGUMENT);
  l.entries[0].type = (ript_stir_tnentry_type)7;
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), RIPT_ERR_INVALID_ARGUMENT);
  l.entries[0].type = RIPT_STIR_TNENTRY_SPC;
  l.entries[0].value[0] = '\x01';
  assert_int_equal(ript_stir_tnauth_encode(&l, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.len, 0);
  ript_buf_free(&b);
  ript_stir_tnauth_free(&l);
}

/* ---- Strict parsing ------------------------------------------------------ */

static void expect_parse_error(const uint8_t *der, size_t len, size_t offset,
                               const char *expected_part) {
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  /* A previous content must be dropped on failure too. */
  assert_int_equal(ript_stir_tnauth_add_one(&l, "1"), 0);
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_stir_tnauth_parse(&l, der, len, &err), RIPT_ERR_PARSE);
  assert_int_equal(l.len, 0);
  assert_null(l.entries);
  assert_int_equal(err.offset, offset);
  assert_non_null(err.expected);
  if (!strstr(err.expected, expected_part))
    fail_msg("expected text \"%s\" lacks \"%s\"", err.expected, expected_part);
  ript_stir_tnauth_free(&l);
}

#define PARSE_ERROR(offset, text, ...)                                        \
  do {                                                                        \
    static const uint8_t der_[] = {__VA_ARGS__};                              \
    expect_parse_error(der_, sizeof(der_), offset, text);                     \
  } while (0)

static void test_parse_rejects(void **state) {
  (void)state;
  ript_stir_tnauth l;
  ript_stir_tnauth_init(&l, NULL);
  assert_int_equal(ript_stir_tnauth_parse(&l, NULL, 0, NULL), RIPT_ERR_PARSE);
  assert_int_equal(ript_stir_tnauth_parse(&l, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_stir_tnauth_parse(NULL, (const uint8_t *)"", 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_stir_tnauth_free(&l);

  /* Trailing byte after a complete list: offset is where it starts. */
  PARSE_ERROR(10, "end", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', '9',
              'J', 0x00);
  /* Truncated. */
  PARSE_ERROR(0, "TNAuthorizationList", 0x30, 0x08, 0xa0, 0x06, 0x16, 0x04,
              '7');
  /* Not a SEQUENCE. */
  PARSE_ERROR(0, "TNAuthorizationList", 0x31, 0x03, 0xa2, 0x01, 0x16);
  /* SIZE (1..MAX): an empty list. */
  PARSE_ERROR(0, "at least one", 0x30, 0x00);
  /* An unknown CHOICE tag [3]. */
  PARSE_ERROR(0, "TNAuthorizationList", 0x30, 0x05, 0xa3, 0x03, 0x16, 0x01,
              '1');
  /* IMPLICIT instead of EXPLICIT tagging of "one". */
  PARSE_ERROR(0, "TNAuthorizationList", 0x30, 0x03, 0x82, 0x01, '1');
  /* A number with a letter: offset of its entry's [2] tag. */
  PARSE_ERROR(2, "TelephoneNumber", 0x30, 0x07, 0xa2, 0x05, 0x16, 0x03, '1',
              'a', '2');
  /* '+' is not in the TelephoneNumber alphabet. */
  PARSE_ERROR(2, "TelephoneNumber", 0x30, 0x06, 0xa2, 0x04, 0x16, 0x02, '+',
              '1');
  /* 16 digits. */
  PARSE_ERROR(2, "TelephoneNumber", 0x30, 0x14, 0xa2, 0x12, 0x16, 0x10, '1',
              '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '3', '4',
              '5', '6');
  /* An empty number. */
  PARSE_ERROR(2, "TelephoneNumber", 0x30, 0x04, 0xa2, 0x02, 0x16, 0x00);
  /* A NUL inside a number. */
  PARSE_ERROR(2, "TelephoneNumber", 0x30, 0x06, 0xa2, 0x04, 0x16, 0x02, '1',
              0x00);
  /* A number as UTF8String rather than IA5String. */
  PARSE_ERROR(0, "TNAuthorizationList", 0x30, 0x05, 0xa2, 0x03, 0x0c, 0x01,
              '1');
  /* An SPC with a control character, and with a byte above 0x7f. */
  PARSE_ERROR(2, "SPC", 0x30, 0x06, 0xa0, 0x04, 0x16, 0x02, 'A', '\n');
  PARSE_ERROR(2, "SPC", 0x30, 0x06, 0xa0, 0x04, 0x16, 0x02, 'A', 0xe9);
  /* An empty SPC. */
  PARSE_ERROR(2, "SPC", 0x30, 0x04, 0xa0, 0x02, 0x16, 0x00);
  /* Range count 1, 0, -1: offset of the INTEGER. */
  PARSE_ERROR(9, "count", 0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01, '5',
              0x02, 0x01, 0x01);
  PARSE_ERROR(9, "count", 0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01, '5',
              0x02, 0x01, 0x00);
  PARSE_ERROR(9, "count", 0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01, '5',
              0x02, 0x01, 0xff);
  /* A count of 2^64 does not fit. */
  PARSE_ERROR(9, "count", 0x30, 0x12, 0xa1, 0x10, 0x30, 0x0e, 0x16, 0x01, '5',
              0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
  /* A range start that is not a number. */
  PARSE_ERROR(6, "range start", 0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01,
              'x', 0x02, 0x01, 0x05);
  /* A range with a field RFC 8226 does not define. */
  PARSE_ERROR(0, "TNAuthorizationList", 0x30, 0x0d, 0xa1, 0x0b, 0x30, 0x09,
              0x16, 0x01, '5', 0x02, 0x01, 0x05, 0x02, 0x01, 0x05);
  /* BER, not DER: a long-form length where the short form fits, an INTEGER
   * with a redundant leading zero, and an indefinite length. */
  PARSE_ERROR(0, "", 0x30, 0x81, 0x05, 0xa2, 0x03, 0x16, 0x01, '1');
  PARSE_ERROR(0, "", 0x30, 0x0b, 0xa1, 0x09, 0x30, 0x07, 0x16, 0x01, '5', 0x02,
              0x02, 0x00, 0x05);
  PARSE_ERROR(0, "", 0x30, 0x80, 0xa2, 0x03, 0x16, 0x01, '1', 0x00, 0x00);
}

/* ---- Out of memory ------------------------------------------------------- */

static void test_out_of_memory(void **state) {
  (void)state;
  size_t len;
  uint8_t *der = ript_test_example_hex("stir-tnauth-der", &len);
  int done = 0;
  for (long n = 0; !done; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_stir_tnauth l;
    ript_stir_tnauth_init(&l, &fm.mem);
    ript_buf b;
    ript_buf_init(&b, &fm.mem);
    int rv = ript_stir_tnauth_add_spc(&l, "709J");
    if (rv == 0)
      rv = ript_stir_tnauth_add_range(&l, "14089529900", 100);
    if (rv == 0)
      rv = ript_stir_tnauth_add_one(&l, "14085551000");
    if (rv == 0)
      rv = ript_stir_tnauth_encode(&l, &b);
    if (rv == 0)
      rv = ript_stir_tnauth_parse(&l, der, len, NULL);
    if (rv == 0) {
      assert_int_equal(l.len, 3);
      assert_memory_equal(b.data, der, len);
      done = 1;
    } else {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    }
    ript_buf_free(&b);
    ript_stir_tnauth_free(&l);
  }
  free(der);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tn_from_e164),
      cmocka_unit_test(test_tn_to_e164),
      cmocka_unit_test(test_add_validates),
      cmocka_unit_test(test_encode_doc_example),
      cmocka_unit_test(test_parse_doc_example),
      cmocka_unit_test(test_third_party_encodings),
      cmocka_unit_test(test_large_counts),
      cmocka_unit_test(test_covers),
      cmocka_unit_test(test_encode_errors),
      cmocka_unit_test(test_parse_rejects),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

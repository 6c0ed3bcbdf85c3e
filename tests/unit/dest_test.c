#define _POSIX_C_SOURCE 200809L /* strtok_r */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/dest.h"
#include "testutil.h"

/* --- The tables of docs/PROTOCOL.md, appendix A.4 ----------------------------------- */

#define ROW_FIELDS 3

/* Splits line |line| of a '|' table into trimmed fields (modifies it). */
static size_t split_row(char *line, char *fields[ROW_FIELDS]) {
  size_t n = 0;
  char *p = line;
  while (n < ROW_FIELDS) {
    char *bar = strchr(p, '|');
    if (bar)
      *bar = '\0';
    while (*p == ' ')
      ++p;
    char *end = p + strlen(p);
    while (end > p && end[-1] == ' ')
      *--end = '\0';
    fields[n++] = p;
    if (!bar)
      break;
    p = bar + 1;
  }
  return n;
}

/* Calls |row| for each line after the header of table |name|. */
static void for_each_row(const char *name, size_t nfields,
                         void (*row)(char **fields)) {
  char *text = ript_test_example(name, NULL);
  char *save = NULL;
  size_t rows = 0;
  for (char *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (rows++ == 0)
      continue;
    char *fields[ROW_FIELDS];
    if (split_row(line, fields) != nfields)
      fail_msg("%s: bad row %s", name, line);
    row(fields);
  }
  assert_true(rows > 2);
  free(text);
}

/* "error at N" -> N; anything else -> -1. */
static long error_offset(const char *result) {
  long off;
  return sscanf(result, "error at %ld", &off) == 1 ? off : -1;
}

static void normalize_row(char **f) {
  char out[RIPT_DEST_MAX_LEN + 1];
  ript_parse_error err = {0, NULL};
  ript_ssize n = ript_dest_normalize(f[0], strlen(f[0]), out, &err);
  long off = error_offset(f[1]);
  if (off >= 0) {
    if (n != RIPT_ERR_PARSE || err.offset != (size_t)off)
      fail_msg("%s: got %ld at %zu, want error at %ld", f[0], (long)n,
               err.offset, off);
    assert_non_null(err.expected);
    return;
  }
  if (n < 0 || strcmp(out, f[1]) != 0)
    fail_msg("%s: got %ld '%s', want '%s'", f[0], (long)n, n < 0 ? "" : out,
             f[1]);
  assert_int_equal(n, strlen(f[1]));
  /* A normalized destination normalizes to itself. */
  char again[RIPT_DEST_MAX_LEN + 1];
  assert_int_equal(ript_dest_normalize(out, (size_t)n, again, NULL), n);
  assert_string_equal(again, out);
}

static void test_normalize_table(void **state) {
  (void)state;
  for_each_row("dest-normalize", 2, normalize_row);
}

static void match_row(char **f) {
  ript_dest_list *list;
  ript_parse_error err;
  assert_int_equal(ript_dest_list_new(&list, f[0], strlen(f[0]), &err, NULL),
                   0);
  int want = strcmp(f[2], "yes") == 0;
  assert_true(want || strcmp(f[2], "no") == 0);
  int got = ript_dest_list_match(list, f[1], strlen(f[1]), &err);
  if (got != want)
    fail_msg("'%s' vs '%s': got %d, want %d", f[0], f[1], got, want);
  ript_dest_list_del(list);
}

static void test_match_table(void **state) {
  (void)state;
  for_each_row("dest-match", 3, match_row);
}

static void bad_list_row(char **f) {
  long off = error_offset(f[1]);
  assert_true(off >= 0);
  ript_parse_error err = {0, NULL};
  int rv = ript_dest_list_validate(f[0], strlen(f[0]), &err);
  if (rv != RIPT_ERR_PARSE || err.offset != (size_t)off)
    fail_msg("'%s': got %d at %zu, want error at %ld", f[0], rv, err.offset,
             off);
  ript_dest_list *list = (ript_dest_list *)&err; /* must be reset to NULL */
  err.offset = 0;
  assert_int_equal(ript_dest_list_new(&list, f[0], strlen(f[0]), &err, NULL),
                   RIPT_ERR_PARSE);
  assert_null(list);
  assert_int_equal(err.offset, (size_t)off);
}

static void test_bad_lists_table(void **state) {
  (void)state;
  for_each_row("dest-bad-lists", 2, bad_list_row);
}

/* --- Normalization boundaries -------------------------------------------- */

static ript_ssize normalize(const char *s, char *out, ript_parse_error *err) {
  return ript_dest_normalize(s, strlen(s), out, err);
}

static void expect_error(const char *s, size_t offset) {
  char out[RIPT_DEST_MAX_LEN + 1];
  ript_parse_error err = {0, NULL};
  ript_ssize n = normalize(s, out, &err);
  if (n != RIPT_ERR_PARSE || err.offset != offset)
    fail_msg("'%s': got %ld at %zu, want error at %zu", s, (long)n,
             err.offset, offset);
}

static void test_normalize_lengths(void **state) {
  (void)state;
  char out[RIPT_DEST_MAX_LEN + 1];
  char in[600];
  /* local part: 64 ok, 65 refused at offset 64 */
  memset(in, 'a', 64);
  strcpy(in + 64, "@x.example");
  assert_int_equal(normalize(in, out, NULL), 64 + 10);
  memset(in, 'a', 65);
  strcpy(in + 65, "@x.example");
  expect_error(in, 64);
  /* a label: 63 ok, 64 refused at its 64th character */
  strcpy(in, "a@");
  memset(in + 2, 'b', 63);
  strcpy(in + 65, ".example");
  assert_int_equal(normalize(in, out, NULL), 73);
  memset(in + 2, 'b', 64);
  strcpy(in + 66, ".example");
  expect_error(in, 2 + 63);
  /* the domain: 253 ok (the longest destination), 254 refused */
  memset(in, 'l', 64);
  in[64] = '@';
  char *d = in + 65;
  for (size_t i = 0; i < 253; ++i)
    d[i] = (i % 2) ? '.' : 'D';
  d[253] = '\0';
  assert_int_equal(normalize(in, out, NULL), RIPT_DEST_MAX_LEN);
  assert_int_equal(out[65], 'd');
  assert_int_equal(strlen(out), RIPT_DEST_MAX_LEN);
  d[253] = '.';
  d[254] = 'e';
  d[255] = '\0';
  expect_error(in, 65 + 253);
}

static void test_normalize_errors(void **state) {
  (void)state;
  expect_error("", 0);
  expect_error("   ", 3);
  expect_error("+1 408+", 6);
  expect_error("+1\xc3\xa9", 2);
  expect_error("a@b@c", 3);
  expect_error("a@b.", 4);
  expect_error("a@b-", 3);
  expect_error("a@", 2);
  expect_error("a@b_c", 3);
  expect_error("a\x01@b", 1);
  expect_error("+@x", 0);
  char out[RIPT_DEST_MAX_LEN + 1];
  /* NUL inside the given length is just a bad byte. */
  ript_parse_error err;
  assert_int_equal(ript_dest_normalize("+1\0" "2", 4, out, &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 2);
  /* a '+' local part with something else than digits is an address */
  assert_int_equal(normalize("+1a@x", out, NULL), 5);
  assert_int_equal(normalize("+@x", out, NULL), RIPT_ERR_PARSE);
  assert_int_equal(ript_dest_normalize(NULL, 1, out, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_normalize("+1", 2, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_normalize(NULL, 0, out, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
}

static void test_is_e164(void **state) {
  (void)state;
  assert_true(ript_dest_is_e164("+14089529999"));
  assert_false(ript_dest_is_e164("+1a@x"));
  assert_false(ript_dest_is_e164("1001@pbx.example.com"));
  assert_false(ript_dest_is_e164(NULL));
}

/* --- Pattern lists ------------------------------------------------------- */

static int matches(const char *list, const char *dest) {
  ript_dest_list *l;
  assert_int_equal(ript_dest_list_new(&l, list, strlen(list), NULL, NULL), 0);
  int rv = ript_dest_list_match(l, dest, strlen(dest), NULL);
  ript_dest_list_del(l);
  return rv;
}

static void test_list_whitespace_and_count(void **state) {
  (void)state;
  const char *s = "\t+1* ,\r\n!+1900*\n, *@pbx.example.com ";
  ript_dest_list *l;
  assert_int_equal(ript_dest_list_new(&l, s, strlen(s), NULL, NULL), 0);
  assert_int_equal(ript_dest_list_count(l), 3);
  assert_int_equal(ript_dest_list_match(l, "+1 212 555 0100", 15, NULL), 1);
  assert_int_equal(ript_dest_list_match(l, "+19005550100", 12, NULL), 0);
  assert_int_equal(ript_dest_list_match(l, "x@pbx.example.com", 17, NULL), 1);
  ript_dest_list_del(l);
  assert_int_equal(ript_dest_list_count(NULL), 0);
  ript_dest_list_del(NULL);
}

static void test_list_edges(void **state) {
  (void)state;
  /* 15 digits exact and as a prefix; 16 refused */
  assert_int_equal(matches("+123456789012345", "+123456789012345"), 1);
  assert_int_equal(matches("+123456789012345*", "+123456789012345"), 1);
  assert_int_equal(ript_dest_list_validate("+1234567890123456", 17, NULL),
                   RIPT_ERR_PARSE);
  /* "*" matches addresses too, an E.164 pattern never does */
  assert_int_equal(matches("*", "a@b"), 1);
  assert_int_equal(matches("+1*", "+1a@b"), 0);
  /* exclusion only: nothing */
  assert_int_equal(matches("!*", "+1"), 0);
  /* a prefix may be the whole local part, and exact local parts differ */
  assert_int_equal(matches("sales*@x.example", "sales@x.example"), 1);
  assert_int_equal(matches("sales@x.example", "sales1@x.example"), 0);
  assert_int_equal(matches("sales@x.example", "sale@x.example"), 0);
  /* domains must be equal, not suffixes */
  assert_int_equal(matches("*@example.com", "a@pbx.example.com"), 0);
  assert_int_equal(matches("*@example.com", "a@example.co"), 0);
  /* the longest pattern local part */
  char pat[200];
  memset(pat, 'a', 64);
  strcpy(pat + 64, "*@x");
  assert_int_equal(ript_dest_list_validate(pat, strlen(pat), NULL), 0);
  memset(pat, 'a', 65);
  strcpy(pat + 65, "@x");
  ript_parse_error err;
  assert_int_equal(ript_dest_list_validate(pat, strlen(pat), &err),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 64);
}

static void test_list_arguments(void **state) {
  (void)state;
  ript_dest_list *l;
  ript_parse_error err;
  assert_int_equal(ript_dest_list_new(NULL, "*", 1, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_list_new(&l, NULL, 1, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_null(l);
  assert_int_equal(ript_dest_list_validate(NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_list_validate(NULL, 0, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
  assert_int_equal(ript_dest_list_new(&l, "*", 1, NULL, NULL), 0);
  assert_int_equal(ript_dest_list_match(NULL, "+1", 2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_list_match(l, NULL, 2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_dest_list_match(l, "+1 x", 4, &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 3);
  ript_dest_list_del(l);
}

static void test_list_out_of_memory(void **state) {
  (void)state;
  const char *s = "+1*, !+1900*, *@PBX.example.com";
  for (long fail_after = 0;; ++fail_after) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail_after);
    ript_dest_list *l;
    int rv = ript_dest_list_new(&l, s, strlen(s), NULL, &fm.mem);
    if (rv == 0) {
      assert_int_equal(ript_dest_list_match(l, "a@pbx.example.com", 17, NULL),
                       1);
      ript_dest_list_del(l);
      assert_int_equal(fail_after, 1);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(l);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normalize_table),
      cmocka_unit_test(test_match_table),
      cmocka_unit_test(test_bad_lists_table),
      cmocka_unit_test(test_normalize_lengths),
      cmocka_unit_test(test_normalize_errors),
      cmocka_unit_test(test_is_e164),
      cmocka_unit_test(test_list_whitespace_and_count),
      cmocka_unit_test(test_list_edges),
      cmocka_unit_test(test_list_arguments),
      cmocka_unit_test(test_list_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

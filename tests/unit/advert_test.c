#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/advert.h"
#include "testutil.h"

#define ADV RIPT_ADVERT_KIND_ADVERTISEMENT
#define DIR RIPT_ADVERT_KIND_DIRECTIVE

static ript_advert *parse_ok(const char *text, ript_advert_kind kind) {
  ript_advert *adv = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_advert_parse(&adv, text, strlen(text), kind, &err, NULL);
  if (rv != 0)
    fail_msg("parse of \"%s\" failed: %d at %zu, expected %s", text, rv,
             err.offset, err.expected);
  return adv;
}

/* The canonical text of |adv| (malloc'd). */
static char *print_ok(const ript_advert *adv) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_advert_print(adv, &b), 0);
  char *s = calloc(1, b.len + 1);
  assert_non_null(s);
  if (b.len)
    memcpy(s, b.data, b.len);
  ript_buf_free(&b);
  return s;
}

/* Parses, prints, and checks that reparsing the print prints the same. */
static void check_canonical(const char *text, ript_advert_kind kind,
                            const char *want) {
  ript_advert *adv = parse_ok(text, kind);
  char *once = print_ok(adv);
  ript_advert_del(adv);
  assert_string_equal(once, want);
  adv = parse_ok(once, kind);
  char *twice = print_ok(adv);
  ript_advert_del(adv);
  assert_string_equal(twice, once);
  free(once);
  free(twice);
}

static void check_error(const char *text, ript_advert_kind kind, int code,
                        size_t offset) {
  static ript_advert untouched; /* *padv must not change on error */
  ript_advert *adv = &untouched;
  ript_parse_error err = {9999, NULL};
  int rv = ript_advert_parse(&adv, text, strlen(text), kind, &err, NULL);
  if (rv != code || err.offset != offset)
    fail_msg("\"%s\": got %d at %zu (%s), want %d at %zu", text, rv,
             err.offset, err.expected ? err.expected : "-", code, offset);
  assert_non_null(err.expected);
  assert_ptr_equal(adv, &untouched);
  /* A NULL error pointer gives the same result. */
  assert_int_equal(
      ript_advert_parse(&adv, text, strlen(text), kind, NULL, NULL), code);
}

static void check_message(const char *text, ript_advert_kind kind,
                           const char *expected) {
  ript_advert *adv = NULL;
  ript_parse_error err = {0, NULL};
  assert_true(ript_advert_parse(&adv, text, strlen(text), kind, &err, NULL) <
              0);
  assert_string_equal(err.expected, expected);
}

/* ---- Parsing and printing ---- */

static void test_canonical_forms(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
    ript_advert_kind kind;
  } cases[] = {
      {"1 in: opus; PCMU; PCMA;\n 2 out: opus; PCMU; PCMA;",
       "1 in: opus; PCMU; PCMA; 2 out: opus; PCMU; PCMA;", ADV},
      {"1 in: opus; PCMU; PCMA; 2 out: opus,sr=16000; PCMU;",
       "1 in: opus; PCMU; PCMA; 2 out: opus,sr=16000; PCMU;", ADV},
      /* the final ';' may be left out, also between entries */
      {"1 in: opus 2 out: PCMU", "1 in: opus; 2 out: PCMU;", ADV},
      {"\t\r\n 1\tin\t:\topus\t;\r\n", "1 in: opus;", ADV},
      {"1 IN: OPUS; 2 Out: pcma", "1 in: opus; 2 out: PCMA;", ADV},
      /* ids are per direction */
      {"3 in: opus; 3 out: opus;", "3 in: opus; 3 out: opus;", ADV},
      {"255 out: H264; 1 in: VP8", "255 out: H264; 1 in: VP8;", ADV},
      /* defaults are left out; values print canonically */
      {"1 in: opus,sr=48000,ss=16,cbr=0,ch=1,ptime=30",
       "1 in: opus;", ADV},
      {"1 in: opus,sr=008000,x=-0,y=-007", "1 in: opus,sr=8000,y=-7;", ADV},
      /* registered params in registry order, then the others sorted */
      {"1 in: H264,zz,br=500,Aa=2,slay=2,tlay=3,depth=10,pr=99,"
       "max-height=480,max-width=640,fps=15,ptime=20,ch=2,cbr,ss=24,sr=8000",
       "1 in: H264,sr=8000,ss=24,cbr=1,ch=2,ptime=20,fps=15,max-width=640,"
       "max-height=480,pr=99,depth=10,tlay=3,slay=2,br=500,aa=2,zz;",
       ADV},
      /* aliases print under the canonical name */
      {"1 in: H264,max-res=1280,max-fps=60", "1 in: H264,fps=60,max-width=1280;",
       ADV},
      /* bare flags are 1; unregistered 1 prints bare, 0 is the default */
      {"1 in: opus,fec,dtx=1,red=0,big=5", "1 in: opus,big=5,dtx,fec;", ADV},
      /* unknown codec names keep their spelling */
      {"1 in: x-Foo.bar_2+3; L16", "1 in: x-Foo.bar_2+3; L16;", ADV},
      /* spaces around ',', '=' and ';' */
      {"1 in : opus , sr = 16000 , fec ; PCMU ;",
       "1 in: opus,sr=16000,fec; PCMU;", ADV},
      {"1 to 1: opus;\n 2 to 2:  H264,max-width=1280,max-height=720",
       "1 to 1: opus; 2 to 2: H264,max-width=1280,max-height=720;", DIR},
      {"1 TO 2: opus 1 to 3: PCMU", "1 to 2: opus; 1 to 3: PCMU;", DIR},
      {"255 to 255: opus; telephone-event", "255 to 255: opus; telephone-event;",
       DIR},
      /* a codec may be named like a keyword */
      {"1 in: in; out; to", "1 in: in; out; to;", ADV},
      {"1 in: opus,x=9223372036854775807,y=-9223372036854775807",
       "1 in: opus,x=9223372036854775807,y=-9223372036854775807;", ADV},
      {"1 in: opus,ss=8,cbr=1,pr=1", "1 in: opus,ss=8,cbr=1,pr=1;", ADV},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
    check_canonical(cases[i].in, cases[i].kind, cases[i].out);
}

static void test_canonical_example(void **state) {
  (void)state;
  size_t inlen, outlen;
  char *in = ript_test_example("advert-canonical-in", &inlen);
  char *out = ript_test_example("advert-canonical-out", &outlen);
  check_canonical(in, ADV, out);
  free(in);
  free(out);
}

static void test_data_model(void **state) {
  (void)state;
  ript_advert *adv =
      parse_ok("2 out: Opus,SR=16000,max-res=640,fec; telephone-event;\n"
               "1 in: foo,BAR=-3",
               ADV);
  assert_int_equal(adv->kind, ADV);
  assert_int_equal(adv->nentries, 2);
  const ript_advert_entry *e = &adv->entries[0];
  assert_int_equal(e->id, 2);
  assert_int_equal(e->sink, 0);
  assert_int_equal(e->dir, RIPT_ADVERT_DIR_OUT);
  assert_int_equal(e->ncodecs, 2);
  const ript_advert_codec *c = &e->codecs[0];
  assert_string_equal(c->name, "opus");
  assert_ptr_equal(c->info, ript_codec_find("opus", 4));
  assert_int_equal(c->nparams, 3);
  assert_string_equal(c->params[0].name, "sr");
  assert_ptr_equal(c->params[0].info, ript_codec_param_find("sr", 2));
  assert_true(c->params[0].value == 16000);
  assert_string_equal(c->params[1].name, "max-width");
  assert_true(c->params[1].value == 640);
  assert_string_equal(c->params[2].name, "fec");
  assert_null(c->params[2].info);
  assert_true(c->params[2].value == 1);
  assert_string_equal(e->codecs[1].name, "telephone-event");
  assert_int_equal(e->codecs[1].nparams, 0);
  e = &adv->entries[1];
  assert_int_equal(e->id, 1);
  assert_int_equal(e->dir, RIPT_ADVERT_DIR_IN);
  assert_string_equal(e->codecs[0].name, "foo");
  assert_null(e->codecs[0].info);
  assert_string_equal(e->codecs[0].params[0].name, "bar");
  assert_true(e->codecs[0].params[0].value == -3);
  ript_advert_del(adv);

  adv = parse_ok("7 to 9: PCMU", DIR);
  assert_int_equal(adv->kind, DIR);
  assert_int_equal(adv->entries[0].id, 7);
  assert_int_equal(adv->entries[0].sink, 9);
  assert_int_equal(adv->entries[0].dir, RIPT_ADVERT_DIR_TO);
  ript_advert_del(adv);
}

static void test_many_entries(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (unsigned id = 1; id <= 255; ++id)
    assert_int_equal(ript_buf_printf(&b, "%u in: opus; %u out: VP8; ", id, id),
                     0);
  ript_advert *adv = parse_ok((const char *)b.data, ADV);
  assert_int_equal(adv->nentries, 510);
  assert_non_null(ript_advert_find_entry(adv, 255, RIPT_ADVERT_DIR_OUT));
  char *out = print_ok(adv);
  b.data[b.len - 1] = '\0'; /* the printer has no trailing space */
  assert_string_equal(out, (const char *)b.data);
  free(out);
  ript_advert_del(adv);

  ript_buf_reset(&b);
  for (unsigned src = 1; src <= 40; ++src)
    for (unsigned sink = 1; sink <= 40; ++sink)
      assert_int_equal(ript_buf_printf(&b, "%u to %u: a; ", src, sink), 0);
  adv = parse_ok((const char *)b.data, DIR);
  assert_int_equal(adv->nentries, 1600);
  assert_non_null(ript_advert_find_stream(adv, 40, 40));
  ript_advert_del(adv);
  ript_buf_free(&b);
}

static void test_limits(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "1 in: "), 0);
  for (unsigned i = 0; i < RIPT_ADVERT_MAX_CODECS; ++i)
    assert_int_equal(ript_buf_printf(&b, "c%u; ", i), 0);
  ript_advert *adv = parse_ok((const char *)b.data, ADV);
  assert_int_equal(adv->entries[0].ncodecs, RIPT_ADVERT_MAX_CODECS);
  ript_advert_del(adv);
  size_t at = b.len;
  assert_int_equal(ript_buf_append_str(&b, "extra"), 0);
  check_error((const char *)b.data, ADV, RIPT_ERR_LIMIT, at);

  ript_buf_reset(&b);
  assert_int_equal(ript_buf_append_str(&b, "1 in: opus"), 0);
  for (unsigned i = 0; i < RIPT_ADVERT_MAX_PARAMS; ++i)
    assert_int_equal(ript_buf_printf(&b, ",p%u=2", i), 0);
  adv = parse_ok((const char *)b.data, ADV);
  assert_int_equal(adv->entries[0].codecs[0].nparams, RIPT_ADVERT_MAX_PARAMS);
  ript_advert_del(adv);
  at = b.len + 1;
  assert_int_equal(ript_buf_append_str(&b, ",extra"), 0);
  check_error((const char *)b.data, ADV, RIPT_ERR_LIMIT, at);
  ript_buf_free(&b);
}

static void test_parse_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    ript_advert_kind kind;
    int code;
    size_t offset;
  } cases[] = {
      {"", ADV, RIPT_ERR_PARSE, 0},
      {" \t\r\n", ADV, RIPT_ERR_PARSE, 4},
      {"in: opus", ADV, RIPT_ERR_PARSE, 0},
      {"1in: opus", ADV, RIPT_ERR_PARSE, 1},
      {"1", ADV, RIPT_ERR_PARSE, 1},
      {"1 ", ADV, RIPT_ERR_PARSE, 2},
      {"1 i: opus", ADV, RIPT_ERR_PARSE, 2},
      {"1 to: opus", ADV, RIPT_ERR_PARSE, 2},
      {"1 in opus", ADV, RIPT_ERR_PARSE, 5},
      {"1 inx: opus", ADV, RIPT_ERR_PARSE, 4},
      {"1 in", ADV, RIPT_ERR_PARSE, 4},
      {"1 in:", ADV, RIPT_ERR_PARSE, 5},
      {"1 in: ", ADV, RIPT_ERR_PARSE, 6},
      {"1 in: ;", ADV, RIPT_ERR_PARSE, 6},
      {"1 in: 2 out: opus", ADV, RIPT_ERR_PARSE, 6},
      {"1 in: -opus", ADV, RIPT_ERR_PARSE, 6},
      {"1 in: opus PCMU", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus; ;", ADV, RIPT_ERR_PARSE, 12},
      {"1 in: opus;;", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus;2 out: PCMU", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus,", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus,;", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus,1x", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus,sr.x=1", ADV, RIPT_ERR_PARSE, 13},
      {"1 in: opus,sr=", ADV, RIPT_ERR_PARSE, 14},
      {"1 in: opus,sr= ;", ADV, RIPT_ERR_PARSE, 15},
      {"1 in: opus,sr=-", ADV, RIPT_ERR_PARSE, 15},
      {"1 in: opus,sr=+5", ADV, RIPT_ERR_PARSE, 14},
      {"1 in: opus,sr=5x", ADV, RIPT_ERR_PARSE, 15},
      {"1 in: opus,sr=1.5", ADV, RIPT_ERR_PARSE, 15},
      {"1 in: op\xc3\xa9s", ADV, RIPT_ERR_PARSE, 8},
      /* stream ids */
      {"0 in: opus", ADV, RIPT_ERR_RANGE, 0},
      {"256 in: opus", ADV, RIPT_ERR_RANGE, 0},
      {"1000 in: opus", ADV, RIPT_ERR_RANGE, 0},
      {"99999999999999999999 in: opus", ADV, RIPT_ERR_RANGE, 0},
      {"01 in: opus", ADV, RIPT_ERR_PARSE, 0},
      {"00 in: opus", ADV, RIPT_ERR_PARSE, 0},
      {"1 in: opus; 0 out: PCMU", ADV, RIPT_ERR_RANGE, 12},
      /* duplicates */
      {"1 in: opus; 1 IN: PCMU", ADV, RIPT_ERR_PARSE, 12},
      {"1 in: opus; 2 in: opus; 2 in: PCMU", ADV, RIPT_ERR_PARSE, 24},
      {"1 in: opus; OPUS", ADV, RIPT_ERR_PARSE, 12},
      {"1 in: foo; FOO", ADV, RIPT_ERR_PARSE, 11},
      {"1 in: opus,sr=8000,SR=8000", ADV, RIPT_ERR_PARSE, 19},
      {"1 in: opus,fec,Fec", ADV, RIPT_ERR_PARSE, 15},
      {"1 in: H264,max-res=5,max-width=6", ADV, RIPT_ERR_PARSE, 21},
      {"1 in: H264,fps=5,max-fps=6", ADV, RIPT_ERR_PARSE, 17},
      /* values */
      {"1 in: opus,x=9223372036854775808", ADV, RIPT_ERR_RANGE, 13},
      {"1 in: opus,x=-9223372036854775808", ADV, RIPT_ERR_RANGE, 13},
      {"1 in: opus,x=9999999999999999999", ADV, RIPT_ERR_RANGE, 13},
      {"1 in: opus,x=00000000000000000001", ADV, RIPT_ERR_RANGE, 13},
      {"1 in: opus,x = 99999999999999999999999", ADV, RIPT_ERR_RANGE, 15},
      /* registered ranges */
      {"1 in: opus,sr=0", ADV, RIPT_ERR_RANGE, 14},
      {"1 in: opus,ss=7", ADV, RIPT_ERR_RANGE, 14},
      {"1 in: opus,ss", ADV, RIPT_ERR_RANGE, 11},
      {"1 in: opus,cbr=2", ADV, RIPT_ERR_RANGE, 15},
      {"1 in: opus,cbr=-1", ADV, RIPT_ERR_RANGE, 15},
      {"1 in: opus,ch=0", ADV, RIPT_ERR_RANGE, 14},
      {"1 in: opus,ptime=0", ADV, RIPT_ERR_RANGE, 17},
      {"1 in: H264,fps=0", ADV, RIPT_ERR_RANGE, 15},
      {"1 in: H264,max-res=-1", ADV, RIPT_ERR_RANGE, 19},
      {"1 in: H264,max-height=0", ADV, RIPT_ERR_RANGE, 22},
      {"1 in: H264,pr=0", ADV, RIPT_ERR_RANGE, 14},
      {"1 in: H264,depth=0", ADV, RIPT_ERR_RANGE, 17},
      {"1 in: H264,tlay=0", ADV, RIPT_ERR_RANGE, 16},
      {"1 in: H264,slay=0", ADV, RIPT_ERR_RANGE, 16},
      {"1 in: H264,br=0", ADV, RIPT_ERR_RANGE, 14},
      /* directives */
      {"1 in: opus", DIR, RIPT_ERR_PARSE, 2},
      {"1 to 2 in: opus", DIR, RIPT_ERR_PARSE, 7},
      {"1 to2: opus", DIR, RIPT_ERR_PARSE, 4},
      {"1 to : opus", DIR, RIPT_ERR_PARSE, 5},
      {"1 to 0: opus", DIR, RIPT_ERR_RANGE, 5},
      {"1 to 256: opus", DIR, RIPT_ERR_RANGE, 5},
      {"0 to 1: opus", DIR, RIPT_ERR_RANGE, 0},
      {"1 to 01: opus", DIR, RIPT_ERR_PARSE, 5},
      {"1 to 2: opus 1 to 2: PCMU", DIR, RIPT_ERR_PARSE, 13},
      {"1 to 2: opus; 2 to 1: opus; 2 to 1: PCMU", DIR, RIPT_ERR_PARSE, 28},
      {"1 to 2 opus", DIR, RIPT_ERR_PARSE, 7},
      {"1 out: opus", DIR, RIPT_ERR_PARSE, 2},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
    check_error(cases[i].text, cases[i].kind, cases[i].code, cases[i].offset);
}

static void test_parse_error_messages(void **state) {
  (void)state;
  check_message("", ADV, "stream id");
  check_message("1 in opus", ADV, "':' after 'in'/'out'");
  check_message("1 in: ", ADV, "codec name");
  check_message("1 in: opus,sr=", ADV, "parameter value");
  check_message("1 in: opus,", ADV, "parameter name");
  check_message("1x in: opus", ADV, "whitespace after the stream id");
  check_message("1 up: opus", ADV, "'in' or 'out'");
  check_message("1 in: opus PCMU", ADV, "';' or ','");
  check_message("1 in: opus;2 out: PCMU", ADV,
                 "whitespace before the next stream id");
  check_message("1 in: opus; 1 in: PCMU", ADV,
                 "a stream id not used before in this direction");
  check_message("0 in: opus", ADV, "stream id 1..255");
  check_message("01 in: opus", ADV, "stream id without a leading zero");
  check_message("1 in: a; A", ADV, "a codec not listed before in this entry");
  check_message("1 in: a,b,B", ADV,
                 "a parameter not given before for this codec");
  check_message("1 in: a,x=9999999999999999999", ADV,
                 "value within -(2^63-1)..2^63-1");
  check_message("1 in: a,ss=1", ADV, "a value in the parameter's range");
  check_message("in", DIR, "source stream id");
  check_message("1 fro 2: a", DIR, "'to'");
  check_message("1 to: a", DIR, "whitespace after 'to'");
  check_message("1 to x: a", DIR, "sink stream id");
  check_message("1 to 2 a", DIR, "':' after the sink id");
  check_message("1 to 2: a 1 to 2: b", DIR,
                 "a source and sink pair not used before");
}

static void test_parse_nul_byte(void **state) {
  (void)state;
  static const char text[] = "1 in: opus\0 2 out: PCMU";
  ript_advert *adv;
  ript_parse_error err;
  assert_int_equal(
      ript_advert_parse(&adv, text, sizeof(text) - 1, ADV, &err, NULL),
      RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 10);
  /* Only |len| bytes are read: a text without NUL parses. */
  assert_int_equal(ript_advert_parse(&adv, "1 in: opusXYZ", 10, ADV, NULL, NULL),
                   0);
  assert_string_equal(adv->entries[0].codecs[0].name, "opus");
  ript_advert_del(adv);
}

static void test_parse_invalid_arguments(void **state) {
  (void)state;
  ript_advert *adv;
  assert_int_equal(ript_advert_parse(NULL, "1 in: a", 7, ADV, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_parse(&adv, NULL, 7, ADV, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      ript_advert_parse(&adv, "1 in: a", 7, (ript_advert_kind)2, NULL, NULL),
      RIPT_ERR_INVALID_ARGUMENT);
  ript_parse_error err;
  assert_int_equal(ript_advert_parse(&adv, NULL, 0, ADV, &err, NULL),
                   RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 0);
}

/* ---- Accessors ---- */

static void test_accessors(void **state) {
  (void)state;
  ript_advert *adv = parse_ok(
      "1 in: opus,sr=16000,max-fps=10,fec; H264; 1 out: x; telephone-event; "
      "2 out: foo; VP8",
      ADV);
  const ript_advert_entry *in1 = ript_advert_find_entry(adv, 1, RIPT_ADVERT_DIR_IN);
  const ript_advert_entry *out1 =
      ript_advert_find_entry(adv, 1, RIPT_ADVERT_DIR_OUT);
  assert_ptr_equal(in1, &adv->entries[0]);
  assert_ptr_equal(out1, &adv->entries[1]);
  assert_null(ript_advert_find_entry(adv, 2, RIPT_ADVERT_DIR_IN));
  assert_null(ript_advert_find_entry(adv, 3, RIPT_ADVERT_DIR_OUT));
  assert_null(ript_advert_find_entry(adv, 0, RIPT_ADVERT_DIR_IN));
  assert_null(ript_advert_find_entry(adv, 256, RIPT_ADVERT_DIR_IN));
  assert_null(ript_advert_find_entry(adv, 1, RIPT_ADVERT_DIR_TO));
  assert_null(ript_advert_find_entry(NULL, 1, RIPT_ADVERT_DIR_IN));
  assert_null(ript_advert_find_stream(adv, 1, 1));

  assert_int_equal(ript_advert_entry_media(in1), RIPT_CODEC_MEDIA_AUDIO);
  /* the first registered codec decides, auxiliary or not */
  assert_int_equal(ript_advert_entry_media(out1), RIPT_CODEC_MEDIA_AUDIO);
  assert_int_equal(ript_advert_entry_media(&adv->entries[2]),
                   RIPT_CODEC_MEDIA_VIDEO);
  assert_int_equal(ript_advert_entry_media(NULL), RIPT_CODEC_MEDIA_UNKNOWN);

  const ript_advert_codec *opus = ript_advert_find_codec(in1, "OPUS");
  assert_ptr_equal(opus, &in1->codecs[0]);
  assert_ptr_equal(ript_advert_find_codec(in1, "h264"), &in1->codecs[1]);
  assert_null(ript_advert_find_codec(in1, "VP8"));
  assert_null(ript_advert_find_codec(in1, NULL));
  assert_null(ript_advert_find_codec(NULL, "opus"));

  assert_ptr_equal(ript_advert_find_param(opus, "SR"), &opus->params[0]);
  assert_ptr_equal(ript_advert_find_param(opus, "max-fps"), &opus->params[1]);
  assert_ptr_equal(ript_advert_find_param(opus, "fps"), &opus->params[1]);
  assert_ptr_equal(ript_advert_find_param(opus, "FEC"), &opus->params[2]);
  assert_null(ript_advert_find_param(opus, "ptime"));
  assert_null(ript_advert_find_param(opus, "dtx"));
  assert_null(ript_advert_find_param(opus, NULL));
  assert_null(ript_advert_find_param(NULL, "sr"));

  assert_true(ript_advert_param_value(opus, "sr") == 16000);
  assert_true(ript_advert_param_value(opus, "max-fps") == 10);
  assert_true(ript_advert_param_value(opus, "fec") == 1);
  assert_true(ript_advert_param_value(opus, "ptime") == 30);
  assert_true(ript_advert_param_value(opus, "max-res") == 1920);
  assert_true(ript_advert_param_value(opus, "br") == INT64_MAX);
  assert_true(ript_advert_param_value(opus, "dtx") == 0);
  assert_true(ript_advert_param_value(NULL, "sr") == 48000);
  assert_true(ript_advert_param_value(NULL, "fec") == 0);
  assert_true(ript_advert_param_value(opus, NULL) == 0);
  ript_advert_del(adv);

  adv = parse_ok("1 to 2: opus; 3 to 1: VP8", DIR);
  assert_ptr_equal(ript_advert_find_stream(adv, 1, 2), &adv->entries[0]);
  assert_ptr_equal(ript_advert_find_stream(adv, 3, 1), &adv->entries[1]);
  assert_null(ript_advert_find_stream(adv, 2, 1));
  assert_null(ript_advert_find_stream(adv, 1, 0));
  assert_null(ript_advert_find_stream(adv, 1, 256));
  assert_null(ript_advert_find_stream(adv, 0, 2));
  assert_null(ript_advert_find_stream(NULL, 1, 2));
  assert_null(ript_advert_find_entry(adv, 1, RIPT_ADVERT_DIR_OUT));
  ript_advert_del(adv);
}

/* ---- Builders ---- */

static void test_new_and_del(void **state) {
  (void)state;
  ript_advert *adv;
  assert_int_equal(ript_advert_new(NULL, ADV, NULL), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_new(&adv, (ript_advert_kind)7, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_new(&adv, DIR, NULL), 0);
  assert_int_equal(adv->kind, DIR);
  assert_int_equal(adv->nentries, 0);
  char *s = print_ok(adv); /* empty: no text */
  assert_string_equal(s, "");
  free(s);
  ript_advert_del(adv);
  ript_advert_del(NULL);
}

static void test_builders(void **state) {
  (void)state;
  ript_advert *adv;
  assert_int_equal(ript_advert_new(&adv, ADV, NULL), 0);
  assert_int_equal(ript_advert_add_entry(adv, 2, RIPT_ADVERT_DIR_OUT), 0);
  assert_int_equal(ript_advert_add_entry(adv, 2, RIPT_ADVERT_DIR_IN), 1);
  assert_int_equal(ript_advert_add_entry(adv, 2, RIPT_ADVERT_DIR_IN),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_entry(adv, 0, RIPT_ADVERT_DIR_IN),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_add_entry(adv, 256, RIPT_ADVERT_DIR_IN),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_add_entry(adv, 3, RIPT_ADVERT_DIR_TO),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_entry(adv, 3, (ript_advert_dir)9),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_entry(NULL, 3, RIPT_ADVERT_DIR_IN),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_stream(adv, 1, 1), RIPT_ERR_INVALID_ARGUMENT);

  /* an entry without codecs has no text form */
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_advert_print(adv, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_print(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_print(adv, NULL), RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);

  assert_int_equal(ript_advert_add_codec(adv, 0, "OPUS"), 0);
  assert_int_equal(ript_advert_add_codec(adv, 0, "x-Mine"), 1);
  assert_int_equal(ript_advert_add_codec(adv, 0, "opus"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, "X-MINE"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, ""), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, "1abc"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, "a b"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, "a;b"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 2, "opus"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(NULL, 0, "opus"),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 1, "PCMU"), 0);

  assert_int_equal(ript_advert_set_param(adv, 0, 0, "SR", 16000), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "Fec", 1), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "sr", 8000), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "max-res", 640), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "cbr", 1), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "low", INT64_MIN + 1), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "low", INT64_MIN),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "cbr", 2), RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "ss", 4), RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "ss-", 4), 0);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "s s", 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "a.b", 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "_x", 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(adv, 0, 0, NULL, 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(adv, 0, 2, "sr", 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(adv, 2, 0, "sr", 4),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_set_param(NULL, 0, 0, "sr", 4),
                   RIPT_ERR_INVALID_ARGUMENT);

  char *s = print_ok(adv);
  assert_string_equal(s, "2 out: opus,sr=8000,cbr=1,max-width=640,fec,"
                         "low=-9223372036854775807,ss-=4; x-Mine; 2 in: PCMU;");
  ript_advert *again = parse_ok(s, ADV);
  char *s2 = print_ok(again);
  assert_string_equal(s2, s);
  free(s);
  free(s2);
  ript_advert_del(again);
  ript_advert_del(adv);

  assert_int_equal(ript_advert_new(&adv, DIR, NULL), 0);
  assert_int_equal(ript_advert_add_stream(adv, 1, 2), 0);
  assert_int_equal(ript_advert_add_stream(adv, 2, 1), 1);
  assert_int_equal(ript_advert_add_stream(adv, 1, 2), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_stream(adv, 0, 2), RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_add_stream(adv, 1, 0), RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_add_stream(adv, 1, 256), RIPT_ERR_RANGE);
  assert_int_equal(ript_advert_add_stream(NULL, 1, 3),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_entry(adv, 5, RIPT_ADVERT_DIR_IN),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_advert_add_codec(adv, 0, "opus"), 0);
  assert_int_equal(ript_advert_add_codec(adv, 1, "VP8"), 0);
  s = print_ok(adv);
  assert_string_equal(s, "1 to 2: opus; 2 to 1: VP8;");
  free(s);
  ript_advert_del(adv);
}

static void test_builder_limits(void **state) {
  (void)state;
  ript_advert *adv;
  assert_int_equal(ript_advert_new(&adv, ADV, NULL), 0);
  assert_int_equal(ript_advert_add_entry(adv, 1, RIPT_ADVERT_DIR_IN), 0);
  char name[16];
  for (unsigned i = 0; i < RIPT_ADVERT_MAX_CODECS; ++i) {
    snprintf(name, sizeof(name), "c%u", i);
    assert_int_equal(ript_advert_add_codec(adv, 0, name), (int)i);
  }
  assert_int_equal(ript_advert_add_codec(adv, 0, "more"), RIPT_ERR_LIMIT);
  for (unsigned i = 0; i < RIPT_ADVERT_MAX_PARAMS; ++i) {
    snprintf(name, sizeof(name), "p%u", i);
    assert_int_equal(ript_advert_set_param(adv, 0, 0, name, 7), 0);
  }
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "more", 7), RIPT_ERR_LIMIT);
  /* replacing an existing one is no new parameter */
  assert_int_equal(ript_advert_set_param(adv, 0, 0, "p0", 8), 0);
  ript_advert_del(adv);
}

/* ---- Out of memory ---- */

static const char oom_text[] =
    "1 in: opus,sr=16000,fec,zz=3,aa; x-Foo,bar; H264,max-res=640; "
    "1 out: PCMU; 2 out: PCMA,ptime=20";

static void test_oom_parse(void **state) {
  (void)state;
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_advert *adv = NULL;
    int rv = ript_advert_parse(&adv, oom_text, strlen(oom_text), ADV, NULL,
                               &fm.mem);
    if (rv == 0) {
      assert_true(n > 5);
      ript_advert_del(adv);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(adv);
  }
}

static void test_oom_print(void **state) {
  (void)state;
  ript_advert *adv = parse_ok(oom_text, ADV);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_buf b;
    ript_buf_init(&b, &fm.mem);
    int rv = ript_advert_print(adv, &b);
    ript_buf_free(&b);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
  ript_advert_del(adv);
}

static int oom_build(const ript_mem *mem) {
  ript_advert *adv;
  int rv = ript_advert_new(&adv, ADV, mem);
  if (rv != 0)
    return rv;
  for (unsigned id = 1; rv >= 0 && id <= 6; ++id)
    rv = ript_advert_add_entry(adv, id, RIPT_ADVERT_DIR_IN);
  if (rv >= 0)
    rv = ript_advert_add_codec(adv, 5, "opus");
  if (rv >= 0)
    rv = ript_advert_add_codec(adv, 5, "x-Foo");
  if (rv >= 0)
    rv = ript_advert_set_param(adv, 5, 1, "zz", 3);
  if (rv >= 0)
    rv = ript_advert_set_param(adv, 5, 1, "sr", 8000);
  if (rv >= 0)
    rv = ript_advert_set_param(adv, 5, 1, "sr", 16000);
  ript_advert_del(adv);
  return rv < 0 ? rv : 0;
}

static void test_oom_builders(void **state) {
  (void)state;
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    int rv = oom_build(&fm.mem);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_forms),
      cmocka_unit_test(test_canonical_example),
      cmocka_unit_test(test_data_model),
      cmocka_unit_test(test_many_entries),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_parse_error_messages),
      cmocka_unit_test(test_parse_nul_byte),
      cmocka_unit_test(test_parse_invalid_arguments),
      cmocka_unit_test(test_accessors),
      cmocka_unit_test(test_new_and_del),
      cmocka_unit_test(test_builders),
      cmocka_unit_test(test_builder_limits),
      cmocka_unit_test(test_oom_parse),
      cmocka_unit_test(test_oom_print),
      cmocka_unit_test(test_oom_builders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

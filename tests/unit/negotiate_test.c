#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/negotiate.h"
#include "testutil.h"

#define ADV RIPT_ADVERT_KIND_ADVERTISEMENT

static ript_advert *parse_adv(const char *text) {
  ript_advert *adv = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_advert_parse(&adv, text, strlen(text), ADV, &err, NULL);
  if (rv != 0)
    fail_msg("parse of \"%s\" failed: %d at %zu, expected %s", text, rv,
             err.offset, err.expected);
  return adv;
}

/* Prints |dir| (malloc'd) and checks a non-empty print parses back as a
 * directive that prints the same. */
static char *print_directive(const ript_advert *dir) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_advert_print(dir, &b), 0);
  char *s = calloc(1, b.len + 1);
  assert_non_null(s);
  if (b.len) {
    memcpy(s, b.data, b.len);
    ript_advert *again = NULL;
    assert_int_equal(ript_advert_parse(&again, s, b.len,
                                       RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL),
                     0);
    ript_buf_reset(&b);
    assert_int_equal(ript_advert_print(again, &b), 0);
    assert_string_equal((const char *)b.data, s);
    ript_advert_del(again);
  }
  ript_buf_free(&b);
  return s;
}

static void check_call(const char *client, const char *server,
                       const char *want_client, const char *want_server) {
  ript_advert *c = parse_adv(client), *s = parse_adv(server);
  ript_advert *cd = NULL, *sd = NULL;
  assert_int_equal(ript_negotiate_call(c, s, &cd, &sd, NULL), 0);
  assert_int_equal(cd->kind, RIPT_ADVERT_KIND_DIRECTIVE);
  assert_int_equal(sd->kind, RIPT_ADVERT_KIND_DIRECTIVE);
  char *got_client = print_directive(cd);
  char *got_server = print_directive(sd);
  assert_string_equal(got_client, want_client);
  assert_string_equal(got_server, want_server);
  free(got_client);
  free(got_server);
  ript_advert_del(cd);
  ript_advert_del(sd);
  ript_advert_del(c);
  ript_advert_del(s);
}

/* One direction only: the directive for |sender| -> |receiver|. */
static void check_directive(const char *sender, const char *receiver,
                            const char *want) {
  ript_advert *a = parse_adv(sender), *b = parse_adv(receiver);
  ript_advert *d = NULL;
  assert_int_equal(ript_negotiate_directive(a, b, &d, NULL), 0);
  char *got = print_directive(d);
  assert_string_equal(got, want);
  free(got);
  ript_advert_del(d);
  ript_advert_del(a);
  ript_advert_del(b);
}

static void check_no_common_media(const char *client, const char *server) {
  ript_advert *c = parse_adv(client), *s = parse_adv(server);
  ript_advert *cd = c, *sd = s;
  assert_int_equal(ript_negotiate_call(c, s, &cd, &sd, NULL),
                   RIPT_ERR_NO_COMMON_MEDIA);
  assert_ptr_equal(cd, c); /* untouched */
  assert_ptr_equal(sd, s);
  ript_advert_del(c);
  ript_advert_del(s);
}

/* Runs the worked example NAME from docs/PROTOCOL.md, appendix A.1. */
static void check_example(const char *name) {
  static const char *const parts[] = {"client", "server", "client-directive",
                                      "server-directive"};
  char *text[4];
  for (size_t i = 0; i < 4; ++i) {
    char block[64];
    snprintf(block, sizeof(block), "nego-%s-%s", name, parts[i]);
    text[i] = ript_test_example(block, NULL);
  }
  check_call(text[0], text[1], text[2], text[3]);
  for (size_t i = 0; i < 4; ++i)
    free(text[i]);
}

/* ---- The worked examples ---- */

static void test_example_phone(void **state) {
  (void)state;
  check_example("phone");
}

static void test_example_video(void **state) {
  (void)state;
  check_example("video");
}

static void test_example_mti(void **state) {
  (void)state;
  check_example("mti");
}

static void test_example_params(void **state) {
  (void)state;
  check_example("params");
}

static void test_example_no_common_media(void **state) {
  (void)state;
  char *client = ript_test_example("nego-none-client", NULL);
  char *server = ript_test_example("nego-none-server", NULL);
  check_no_common_media(client, server);
  free(client);
  free(server);
}

/* ---- Streams ---- */

static void test_one_direction_may_be_empty(void **state) {
  (void)state;
  /* a receive-only client */
  check_call("1 in: opus", "1 in: opus; 1 out: opus", "", "1 to 1: opus;");
  /* a send-only client */
  check_call("4 out: PCMU", "2 in: PCMU; 2 out: PCMU", "4 to 2: PCMU;", "");
  check_no_common_media("1 in: opus", "1 in: opus");
  check_no_common_media("1 out: opus; 2 out: VP8", "1 out: opus; 2 in: H264");
}

static void test_sinks_in_id_order_used_once(void **state) {
  (void)state;
  /* sources ascending, whatever the input order; each sink used once */
  check_directive("3 out: opus; 1 out: opus; 2 out: opus",
                  "9 in: opus; 4 in: opus", "1 to 4: opus; 2 to 9: opus;");
  /* a source with no sink left sends nothing */
  check_directive("1 out: opus; 2 out: opus", "1 in: opus", "1 to 1: opus;");
  /* media types must match: video skips the audio sink */
  check_directive("1 out: VP8; 2 out: opus", "1 in: opus; 2 in: VP8",
                  "1 to 2: VP8; 2 to 1: opus;");
  /* a sink sharing no codec is skipped for a later one */
  check_directive("1 out: VP8", "1 in: H264; 2 in: AV1; VP8",
                  "1 to 2: VP8;");
  /* sinks are not shared across sources even when a later fit is better */
  check_directive("1 out: H264; VP8; 2 out: VP8", "1 in: VP8; 2 in: H264",
                  "1 to 1: VP8;");
}

static void test_unknown_codecs(void **state) {
  (void)state;
  /* an entry with no registered codec matches on the codec name alone */
  check_directive("1 out: x-foo", "1 in: X-FOO", "1 to 1: X-FOO;");
  check_directive("1 out: x-foo", "1 in: opus", "");
  check_directive("1 out: x-foo", "1 in: opus; x-foo", "1 to 1: x-foo;");
  check_directive("1 out: opus; x-foo", "1 in: x-foo", "1 to 1: x-foo;");
  /* no implicit MTI codecs for an entry of unknown media */
  check_directive("1 out: x-foo", "1 in: PCMU; x-bar", "");
  /* unknown codecs are main codecs, with the sink's preference */
  check_directive("1 out: PCMU; x-wide", "1 in: x-wide; PCMU",
                  "1 to 1: x-wide;");
}

/* ---- Codec choice ---- */

static void test_sink_preference(void **state) {
  (void)state;
  check_directive("1 out: opus; PCMU; G722", "1 in: G722; PCMU; opus",
                  "1 to 1: G722;");
  check_directive("1 out: G722; PCMU", "1 in: PCMU; G722", "1 to 1: PCMU;");
  check_directive("1 out: H264; VP9; AV1", "1 in: AV1; H264",
                  "1 to 1: AV1;");
  check_directive("1 out: VP8", "1 in: H264", "");
}

static void test_mti(void **state) {
  (void)state;
  /* audio entries implicitly support opus, PCMU and PCMA */
  check_directive("1 out: G729", "1 in: G722", "1 to 1: opus;");
  check_directive("1 out: G729", "1 in: G722; PCMA", "1 to 1: PCMA;");
  /* among the sink's implicit codecs, the source's listed order decides */
  check_directive("1 out: G729; opus,sr=8000", "1 in: G722",
                  "1 to 1: opus,sr=8000;");
  check_directive("1 out: PCMU", "1 in: G722", "1 to 1: PCMU;");
  check_directive("1 out: PCMA; PCMU", "1 in: G722", "1 to 1: PCMA;");
  check_directive("1 out: G729; PCMA; opus", "1 in: G722; opus,ptime=20",
                  "1 to 1: opus,ptime=20;");
  /* a listed MTI codec keeps the sink's listed position */
  check_directive("1 out: G729", "1 in: G722; PCMA,ptime=20; opus",
                  "1 to 1: PCMA,ptime=20;");
  /* implicit support has default parameters */
  check_directive("1 out: opus,sr=8000", "1 in: PCMA",
                  "1 to 1: PCMA;");
  /* an entry listing only auxiliary codecs is audio: MTI applies */
  check_directive("1 out: telephone-event", "1 in: telephone-event; PCMU",
                  "1 to 1: PCMU; telephone-event;");
}

/* ---- Parameters ---- */

static void test_param_minima(void **state) {
  (void)state;
  check_directive("1 out: opus,sr=16000,ss=24,ch=2,ptime=60,br=64",
                  "1 in: opus,sr=24000,ss=20,ch=6,ptime=20,br=128",
                  "1 to 1: opus,sr=16000,ss=20,ch=2,ptime=20,br=64;");
  /* a side that does not give a parameter has the default */
  check_directive("1 out: opus,sr=96000,ptime=10", "1 in: opus",
                  "1 to 1: opus,ptime=10;");
  check_directive("1 out: H264,max-res=3840,max-height=2160,fps=60,pr=1000",
                  "1 in: H264,max-width=1280,max-height=720",
                  "1 to 1: H264,max-width=1280,max-height=720,pr=1000;");
  check_directive("1 out: VP9,tlay=3,slay=2,depth=10",
                  "1 in: VP9,tlay=2,slay=3,depth=12",
                  "1 to 1: VP9,depth=10,tlay=2,slay=2;");
  /* cbr takes the maximum, from either side */
  check_directive("1 out: opus,cbr", "1 in: opus", "1 to 1: opus,cbr=1;");
  check_directive("1 out: opus", "1 in: opus,cbr=1", "1 to 1: opus,cbr=1;");
  check_directive("1 out: opus,cbr=0", "1 in: opus,cbr=0", "1 to 1: opus;");
  /* unregistered: min, default 0; negative values stay */
  check_directive("1 out: opus,fec,dtx,lvl=5,neg=-3",
                  "1 in: opus,fec,lvl=9", "1 to 1: opus,fec,lvl=5,neg=-3;");
}

/* ---- Auxiliary codecs ---- */

static void test_auxiliary(void **state) {
  (void)state;
  /* only when both list them, in the sink's order, after the main codec */
  check_directive("1 out: CN; telephone-event; PCMU",
                  "1 in: telephone-event; PCMU; CN",
                  "1 to 1: PCMU; telephone-event; CN;");
  check_directive("1 out: PCMU; CN", "1 in: PCMU; telephone-event",
                  "1 to 1: PCMU;");
  check_directive("1 out: PCMU; telephone-event,rate=8000",
                  "1 in: PCMU; telephone-event,rate=16000",
                  "1 to 1: PCMU; telephone-event,rate=8000;");
  /* an auxiliary codec is never the main codec */
  check_directive("1 out: x-foo; CN", "1 in: CN; x-foo",
                  "1 to 1: x-foo; CN;");
}

static void test_param_limit(void **state) {
  (void)state;
  /* min(v, 0) keeps every negative unregistered value either side gives */
  ript_buf src, sink;
  ript_buf_init(&src, NULL);
  ript_buf_init(&sink, NULL);
  assert_int_equal(ript_buf_append_str(&src, "1 out: opus"), 0);
  assert_int_equal(ript_buf_append_str(&sink, "1 in: opus"), 0);
  for (unsigned i = 0; i < RIPT_ADVERT_MAX_PARAMS / 2; ++i) {
    assert_int_equal(ript_buf_printf(&src, ",s%u=-1", i), 0);
    assert_int_equal(ript_buf_printf(&sink, ",k%u=-1", i), 0);
  }
  ript_advert *a = parse_adv((const char *)src.data);
  ript_advert *b = parse_adv((const char *)sink.data);
  ript_advert *d = NULL;
  assert_int_equal(ript_negotiate_directive(a, b, &d, NULL), 0);
  assert_int_equal(d->entries[0].codecs[0].nparams, RIPT_ADVERT_MAX_PARAMS);
  ript_advert_del(d);
  ript_advert_del(a);
  ript_advert_del(b);

  d = NULL;
  assert_int_equal(ript_buf_append_str(&src, ",more=-1"), 0);
  a = parse_adv((const char *)src.data);
  b = parse_adv((const char *)sink.data);
  assert_int_equal(ript_negotiate_directive(a, b, &d, NULL), RIPT_ERR_LIMIT);
  assert_null(d);
  /* the call fails the same way, in the direction where it happens */
  ript_advert *cd = NULL, *sd = NULL;
  assert_int_equal(ript_negotiate_call(a, b, &cd, &sd, NULL), RIPT_ERR_LIMIT);
  assert_int_equal(ript_negotiate_call(b, a, &cd, &sd, NULL), RIPT_ERR_LIMIT);
  assert_null(cd);
  assert_null(sd);
  ript_advert_del(a);
  ript_advert_del(b);
  ript_buf_free(&src);
  ript_buf_free(&sink);
}

/* ---- Arguments and memory ---- */

static void test_invalid_arguments(void **state) {
  (void)state;
  ript_advert *a = parse_adv("1 in: opus; 1 out: opus");
  ript_advert *d = NULL;
  assert_int_equal(ript_advert_new(&d, RIPT_ADVERT_KIND_DIRECTIVE, NULL), 0);
  ript_advert *out = NULL, *out2 = NULL;
  assert_int_equal(ript_negotiate_directive(NULL, a, &out, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_directive(a, NULL, &out, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_directive(a, a, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_directive(d, a, &out, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_directive(a, d, &out, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_call(a, d, &out, &out2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_call(d, a, &out, &out2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_call(a, a, NULL, &out2, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_negotiate_call(a, a, &out, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_null(out);
  assert_null(out2);
  ript_advert_del(d);
  ript_advert_del(a);
}

static void test_oom(void **state) {
  (void)state;
  char *client = ript_test_example("nego-params-client", NULL);
  char *server = ript_test_example("nego-params-server", NULL);
  ript_advert *c = parse_adv(client), *s = parse_adv(server);
  free(client);
  free(server);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_advert *cd = NULL, *sd = NULL;
    int rv = ript_negotiate_call(c, s, &cd, &sd, &fm.mem);
    if (rv == 0) {
      assert_true(n > 5);
      assert_int_equal(cd->nentries, 1);
      assert_int_equal(sd->nentries, 1);
      ript_advert_del(cd);
      ript_advert_del(sd);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(cd);
    assert_null(sd);
  }
  ript_advert_del(c);
  ript_advert_del(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_phone),
      cmocka_unit_test(test_example_video),
      cmocka_unit_test(test_example_mti),
      cmocka_unit_test(test_example_params),
      cmocka_unit_test(test_example_no_common_media),
      cmocka_unit_test(test_one_direction_may_be_empty),
      cmocka_unit_test(test_sinks_in_id_order_used_once),
      cmocka_unit_test(test_unknown_codecs),
      cmocka_unit_test(test_sink_preference),
      cmocka_unit_test(test_mti),
      cmocka_unit_test(test_param_minima),
      cmocka_unit_test(test_auxiliary),
      cmocka_unit_test(test_param_limit),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

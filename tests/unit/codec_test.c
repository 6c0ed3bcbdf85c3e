#include <string.h>

#include "ript/codec.h"
#include "testutil.h"

static const struct {
  const char *name;
  ript_codec_media media;
  uint32_t pt;
  int aux;
} codec_expected[] = {
    {"PCMU", RIPT_CODEC_MEDIA_AUDIO, 0, 0},
    {"PCMA", RIPT_CODEC_MEDIA_AUDIO, 8, 0},
    {"G722", RIPT_CODEC_MEDIA_AUDIO, 9, 0},
    {"CN", RIPT_CODEC_MEDIA_AUDIO, 13, 1},
    {"G729", RIPT_CODEC_MEDIA_AUDIO, 18, 0},
    {"opus", RIPT_CODEC_MEDIA_AUDIO, 100, 0},
    {"telephone-event", RIPT_CODEC_MEDIA_AUDIO, 101, 1},
    {"H264", RIPT_CODEC_MEDIA_VIDEO, 110, 0},
    {"VP8", RIPT_CODEC_MEDIA_VIDEO, 111, 0},
    {"VP9", RIPT_CODEC_MEDIA_VIDEO, 112, 0},
    {"AV1", RIPT_CODEC_MEDIA_VIDEO, 113, 0},
    {"H265", RIPT_CODEC_MEDIA_VIDEO, 114, 0},
};

#define CODEC_EXPECTED_COUNT (sizeof(codec_expected) / sizeof(codec_expected[0]))

static void test_codec_table(void **state) {
  (void)state;
  assert_int_equal(ript_codec_count(), CODEC_EXPECTED_COUNT);
  for (size_t i = 0; i < CODEC_EXPECTED_COUNT; ++i) {
    const ript_codec_info *c = ript_codec_get(i);
    assert_non_null(c);
    assert_string_equal(c->name, codec_expected[i].name);
    assert_int_equal(c->media, codec_expected[i].media);
    assert_int_equal(c->payload_type, codec_expected[i].pt);
    assert_int_equal((c->flags & RIPT_CODEC_FLAG_AUXILIARY) != 0,
                     codec_expected[i].aux);
    assert_ptr_equal(ript_codec_find(c->name, strlen(c->name)), c);
    assert_ptr_equal(ript_codec_find_pt(c->payload_type), c);
  }
  assert_null(ript_codec_get(CODEC_EXPECTED_COUNT));
  assert_null(ript_codec_get(SIZE_MAX));
}

static void test_codec_pt_constants(void **state) {
  (void)state;
  assert_string_equal(ript_codec_find_pt(RIPT_PT_PCMU)->name, "PCMU");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_PCMA)->name, "PCMA");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_G722)->name, "G722");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_CN)->name, "CN");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_G729)->name, "G729");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_OPUS)->name, "opus");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_TELEPHONE_EVENT)->name,
                      "telephone-event");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_H264)->name, "H264");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_VP8)->name, "VP8");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_VP9)->name, "VP9");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_AV1)->name, "AV1");
  assert_string_equal(ript_codec_find_pt(RIPT_PT_H265)->name, "H265");
}

static void test_codec_find_by_name(void **state) {
  (void)state;
  assert_string_equal(ript_codec_find("OPUS", 4)->name, "opus");
  assert_string_equal(ript_codec_find("pcmu", 4)->name, "PCMU");
  assert_string_equal(ript_codec_find("Telephone-Event", 15)->name,
                      "telephone-event");
  assert_string_equal(ript_codec_find("h264", 4)->name, "H264");
  /* Only |len| bytes count: no NUL is needed. */
  assert_string_equal(ript_codec_find("opus;PCMU", 4)->name, "opus");
  assert_null(ript_codec_find("opu", 3));
  assert_null(ript_codec_find("opuss", 5));
  assert_null(ript_codec_find("opus", 3));
  assert_null(ript_codec_find("speex", 5));
  assert_null(ript_codec_find("", 0));
  assert_null(ript_codec_find(NULL, 4));
  /* Non-ASCII bytes never fold onto ASCII letters. */
  assert_null(ript_codec_find("\xcfpus", 4));
}

static void test_codec_find_by_pt(void **state) {
  (void)state;
  assert_null(ript_codec_find_pt(1));
  assert_null(ript_codec_find_pt(96));
  assert_null(ript_codec_find_pt(115));
  assert_null(ript_codec_find_pt(UINT32_MAX));
}

static const struct {
  const char *name;
  ript_codec_media media;
  int64_t def, min, max;
  int combine_max;
} param_expected[] = {
    {"sr", RIPT_CODEC_MEDIA_AUDIO, 48000, 1, INT64_MAX, 0},
    {"ss", RIPT_CODEC_MEDIA_AUDIO, 16, 8, INT64_MAX, 0},
    {"cbr", RIPT_CODEC_MEDIA_AUDIO, 0, 0, 1, 1},
    {"ch", RIPT_CODEC_MEDIA_AUDIO, 1, 1, INT64_MAX, 0},
    {"ptime", RIPT_CODEC_MEDIA_AUDIO, 30, 1, INT64_MAX, 0},
    {"fps", RIPT_CODEC_MEDIA_VIDEO, 30, 1, INT64_MAX, 0},
    {"max-width", RIPT_CODEC_MEDIA_VIDEO, 1920, 1, INT64_MAX, 0},
    {"max-height", RIPT_CODEC_MEDIA_VIDEO, 1080, 1, INT64_MAX, 0},
    {"pr", RIPT_CODEC_MEDIA_VIDEO, INT64_MAX, 1, INT64_MAX, 0},
    {"depth", RIPT_CODEC_MEDIA_VIDEO, 8, 1, INT64_MAX, 0},
    {"tlay", RIPT_CODEC_MEDIA_VIDEO, 1, 1, INT64_MAX, 0},
    {"slay", RIPT_CODEC_MEDIA_VIDEO, 1, 1, INT64_MAX, 0},
    {"br", RIPT_CODEC_MEDIA_UNKNOWN, INT64_MAX, 1, INT64_MAX, 0},
};

#define PARAM_EXPECTED_COUNT (sizeof(param_expected) / sizeof(param_expected[0]))

static void test_param_table(void **state) {
  (void)state;
  assert_int_equal(ript_codec_param_count(), PARAM_EXPECTED_COUNT);
  for (size_t i = 0; i < PARAM_EXPECTED_COUNT; ++i) {
    const ript_codec_param_info *p = ript_codec_param_get(i);
    assert_non_null(p);
    assert_string_equal(p->name, param_expected[i].name);
    assert_int_equal(p->media, param_expected[i].media);
    assert_true(p->def == param_expected[i].def);
    assert_true(p->min == param_expected[i].min);
    assert_true(p->max == param_expected[i].max);
    assert_int_equal((p->flags & RIPT_CODEC_PARAM_FLAG_COMBINE_MAX) != 0,
                     param_expected[i].combine_max);
    assert_ptr_equal(ript_codec_param_find(p->name, strlen(p->name)), p);
  }
  assert_null(ript_codec_param_get(PARAM_EXPECTED_COUNT));
}

static void test_param_find(void **state) {
  (void)state;
  assert_string_equal(ript_codec_param_find("max-res", 7)->name, "max-width");
  assert_string_equal(ript_codec_param_find("MAX-RES", 7)->name, "max-width");
  assert_string_equal(ript_codec_param_find("max-fps", 7)->name, "fps");
  assert_string_equal(ript_codec_param_find("Max-Fps", 7)->name, "fps");
  assert_string_equal(ript_codec_param_find("SR", 2)->name, "sr");
  assert_string_equal(ript_codec_param_find("ptime=20", 5)->name, "ptime");
  assert_null(ript_codec_param_find("fec", 3));
  assert_null(ript_codec_param_find("max", 3));
  assert_null(ript_codec_param_find("srr", 3));
  assert_null(ript_codec_param_find("", 0));
  assert_null(ript_codec_param_find(NULL, 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codec_table),
      cmocka_unit_test(test_codec_pt_constants),
      cmocka_unit_test(test_codec_find_by_name),
      cmocka_unit_test(test_codec_find_by_pt),
      cmocka_unit_test(test_param_table),
      cmocka_unit_test(test_param_find),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <stdint.h>

#include "ript/codec.h"

static const ript_codec_info codec_table[] = {
    {"PCMU", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_PCMU, 0},
    {"PCMA", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_PCMA, 0},
    {"G722", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_G722, 0},
    {"CN", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_CN, RIPT_CODEC_FLAG_AUXILIARY},
    {"G729", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_G729, 0},
    {"opus", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_OPUS, 0},
    {"telephone-event", RIPT_CODEC_MEDIA_AUDIO, RIPT_PT_TELEPHONE_EVENT,
     RIPT_CODEC_FLAG_AUXILIARY},
    {"H264", RIPT_CODEC_MEDIA_VIDEO, RIPT_PT_H264, 0},
    {"VP8", RIPT_CODEC_MEDIA_VIDEO, RIPT_PT_VP8, 0},
    {"VP9", RIPT_CODEC_MEDIA_VIDEO, RIPT_PT_VP9, 0},
    {"AV1", RIPT_CODEC_MEDIA_VIDEO, RIPT_PT_AV1, 0},
    {"H265", RIPT_CODEC_MEDIA_VIDEO, RIPT_PT_H265, 0},
};

#define CODEC_COUNT (sizeof(codec_table) / sizeof(codec_table[0]))

/* The table's order is the canonical print order of parameters. */
static const ript_codec_param_info param_table[] = {
    {"sr", RIPT_CODEC_MEDIA_AUDIO, 48000, 1, INT64_MAX, 0},
    {"ss", RIPT_CODEC_MEDIA_AUDIO, 16, 8, INT64_MAX, 0},
    {"cbr", RIPT_CODEC_MEDIA_AUDIO, 0, 0, 1, RIPT_CODEC_PARAM_FLAG_COMBINE_MAX},
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

#define PARAM_COUNT (sizeof(param_table) / sizeof(param_table[0]))

/* Input-only spellings: the draft's own names for two parameters. */
static const struct {
  const char *alias;
  size_t target;
} param_aliases[] = {
    {"max-res", 6}, /* max-width */
    {"max-fps", 5}, /* fps */
};

/* ASCII-only, so the result never depends on the C locale. */
static int codec_lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* True if |name|[0..len) equals the NUL-terminated |ref| ignoring case. */
static int codec_name_equal(const char *name, size_t len, const char *ref) {
  size_t i = 0;
  for (; i < len; ++i) {
    if (ref[i] == '\0' ||
        codec_lower((unsigned char)name[i]) != codec_lower((unsigned char)ref[i]))
      return 0;
  }
  return ref[i] == '\0';
}

const ript_codec_info *ript_codec_find(const char *name, size_t len) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < CODEC_COUNT; ++i)
    if (codec_name_equal(name, len, codec_table[i].name))
      return &codec_table[i];
  return NULL;
}

const ript_codec_info *ript_codec_find_pt(uint32_t payload_type) {
  for (size_t i = 0; i < CODEC_COUNT; ++i)
    if (codec_table[i].payload_type == payload_type)
      return &codec_table[i];
  return NULL;
}

size_t ript_codec_count(void) { return CODEC_COUNT; }

const ript_codec_info *ript_codec_get(size_t i) {
  return i < CODEC_COUNT ? &codec_table[i] : NULL;
}

const ript_codec_param_info *ript_codec_param_find(const char *name,
                                                   size_t len) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < PARAM_COUNT; ++i)
    if (codec_name_equal(name, len, param_table[i].name))
      return &param_table[i];
  for (size_t i = 0; i < sizeof(param_aliases) / sizeof(param_aliases[0]); ++i)
    if (codec_name_equal(name, len, param_aliases[i].alias))
      return &param_table[param_aliases[i].target];
  return NULL;
}

size_t ript_codec_param_count(void) { return PARAM_COUNT; }

const ript_codec_param_info *ript_codec_param_get(size_t i) {
  return i < PARAM_COUNT ? &param_table[i] : NULL;
}

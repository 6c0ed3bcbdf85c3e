/*
 * WAV parsing and writing. The parser walks the RIFF chunk list once with
 * every size checked against the bytes that remain, so no field is read
 * before its bounds are known to lie inside the input.
 */
#include <stdbool.h>
#include <string.h>

#include "ript/g711.h"
#include "ript/wav.h"
#include "ript_mem.h"

/* The standard WAVE subformat GUID after its first two bytes (the tag). */
static const uint8_t wav_guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10,
                                          0x00, 0x80, 0x00, 0x00, 0xAA,
                                          0x00, 0x38, 0x9B, 0x71};

#define WAV_FMT_LEN 16u
#define WAV_FMT_EXT_LEN 40u

/* What the "fmt " chunk says, once checked. */
typedef struct wav_fmt {
  unsigned format;
  unsigned channels;
  uint32_t rate;
  unsigned bits;
  unsigned align; /* bytes per frame */
} wav_fmt;

typedef struct wav_parser {
  const uint8_t *data;
  size_t len;
  ript_parse_error *err;
} wav_parser;

static int wav_fail(wav_parser *p, int rv, size_t offset,
                    const char *expected) {
  if (p->err) {
    p->err->offset = offset;
    p->err->expected = expected;
  }
  return rv;
}

static unsigned wav_u16(const uint8_t *b) {
  return (unsigned)b[0] | (unsigned)b[1] << 8;
}

static uint32_t wav_u32(const uint8_t *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

/* Two little-endian bytes as a signed 16-bit sample. */
static int16_t wav_s16(const uint8_t *b) {
  int32_t v = (int32_t)wav_u16(b);
  return (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
}

static int16_t wav_from_float(const uint8_t *b) {
  uint32_t raw = wav_u32(b);
  float x;
  memcpy(&x, &raw, sizeof(x));
  double v = (double)x * 32768.0;
  if (v != v) /* NaN */
    return 0;
  if (v >= 32767.0)
    return 32767;
  if (v <= -32768.0)
    return -32768;
  return (int16_t)(v < 0 ? v - 0.5 : v + 0.5);
}

/* One sample of the file (|b| at its first byte) as int16. */
static int16_t wav_sample(const wav_fmt *fmt, const uint8_t *b) {
  switch (fmt->format) {
  case RIPT_WAV_FORMAT_FLOAT:
    return wav_from_float(b);
  case RIPT_WAV_FORMAT_ALAW:
    return ript_g711_alaw_decode(b[0]);
  case RIPT_WAV_FORMAT_MULAW:
    return ript_g711_ulaw_decode(b[0]);
  default:
    break;
  }
  switch (fmt->bits) {
  case 8:
    return (int16_t)(((int)b[0] - 128) * 256);
  case 16:
    return wav_s16(b);
  default: /* 24 or 32: the high 16 bits */
    return wav_s16(b + fmt->bits / 8 - 2);
  }
}

/* Whether (format, bits) is in the table of ript/wav.h. */
static bool wav_supported(unsigned format, unsigned bits) {
  switch (format) {
  case RIPT_WAV_FORMAT_PCM:
    return bits == 8 || bits == 16 || bits == 24 || bits == 32;
  case RIPT_WAV_FORMAT_FLOAT:
    return bits == 32;
  case RIPT_WAV_FORMAT_ALAW:
  case RIPT_WAV_FORMAT_MULAW:
    return bits == 8;
  default:
    return false;
  }
}

/* The EXTENSIBLE part of a "fmt " chunk whose body is at |at|: replaces
 * fmt->format with the subformat. */
static int wav_parse_extensible(wav_parser *p, size_t at, uint32_t size,
                                wav_fmt *fmt) {
  const uint8_t *b = p->data + at;
  if (size < WAV_FMT_EXT_LEN)
    return wav_fail(p, RIPT_ERR_PARSE, at - 4,
                    "a fmt chunk of at least 40 bytes (EXTENSIBLE)");
  if (wav_u16(b + 16) < 22)
    return wav_fail(p, RIPT_ERR_PARSE, at + 16, "cbSize of at least 22");
  unsigned valid = wav_u16(b + 18);
  if (valid == 0 || valid > fmt->bits)
    return wav_fail(p, RIPT_ERR_PARSE, at + 18,
                    "valid bits 1 .. bits per sample");
  if (memcmp(b + 26, wav_guid_tail, sizeof(wav_guid_tail)) != 0)
    return wav_fail(p, RIPT_ERR_PARSE, at + 24,
                    "the WAVE subformat GUID xxxxxxxx-0000-0010-8000-"
                    "00AA00389B71");
  fmt->format = wav_u16(b + 24);
  if (fmt->format != RIPT_WAV_FORMAT_PCM &&
      fmt->format != RIPT_WAV_FORMAT_FLOAT)
    return wav_fail(p, RIPT_ERR_RANGE, at + 24,
                    "subformat PCM (1) or IEEE float (3)");
  return 0;
}

/* The body of a "fmt " chunk: |size| bytes at |at| (inside the input). */
static int wav_parse_fmt(wav_parser *p, size_t at, uint32_t size,
                         wav_fmt *fmt) {
  const uint8_t *b = p->data + at;
  if (size < WAV_FMT_LEN)
    return wav_fail(p, RIPT_ERR_PARSE, at - 4,
                    "a fmt chunk of at least 16 bytes");
  fmt->format = wav_u16(b);
  fmt->channels = wav_u16(b + 2);
  fmt->rate = wav_u32(b + 4);
  fmt->align = wav_u16(b + 12);
  fmt->bits = wav_u16(b + 14);
  if (fmt->channels == 0)
    return wav_fail(p, RIPT_ERR_PARSE, at + 2, "at least one channel");
  if (fmt->channels > RIPT_WAV_MAX_CHANNELS)
    return wav_fail(p, RIPT_ERR_RANGE, at + 2, "1 or 2 channels");
  if (fmt->rate == 0)
    return wav_fail(p, RIPT_ERR_PARSE, at + 4, "a nonzero sample rate");
  if (fmt->rate > RIPT_WAV_MAX_RATE)
    return wav_fail(p, RIPT_ERR_RANGE, at + 4,
                    "a sample rate of at most 768000 Hz");
  /* Samples sit in whole bytes: 12-bit PCM takes 2 (and is refused below). */
  if (fmt->bits == 0 || fmt->align != fmt->channels * ((fmt->bits + 7) / 8))
    return wav_fail(p, RIPT_ERR_PARSE, at + 12,
                    "block align = channels x bytes per sample");
  if (fmt->format == RIPT_WAV_FORMAT_EXTENSIBLE) {
    int rv = wav_parse_extensible(p, at, size, fmt);
    if (rv != 0)
      return rv;
  }
  if (!wav_supported(fmt->format, fmt->bits))
    return wav_fail(p, RIPT_ERR_RANGE, at,
                    "PCM 8/16/24/32-bit, float 32-bit or G.711 8-bit");
  return 0;
}

/* Converts the |size| data bytes at |at| into wav->samples. */
static int wav_convert(wav_parser *p, size_t at, uint32_t size,
                       const wav_fmt *fmt, ript_wav *wav) {
  size_t frames = size / fmt->align;
  size_t count = frames * fmt->channels;
  if (count > 0) {
    wav->samples = ript_mem_malloc(wav->mem, count * sizeof(int16_t));
    if (!wav->samples)
      return RIPT_ERR_NOMEM;
  }
  size_t width = fmt->bits / 8;
  const uint8_t *b = p->data + at;
  for (size_t i = 0; i < count; ++i)
    wav->samples[i] = wav_sample(fmt, b + i * width);
  wav->frames = frames;
  wav->rate = fmt->rate;
  wav->channels = fmt->channels;
  wav->format = fmt->format;
  wav->bits = fmt->bits;
  return 0;
}

/* Walks the chunks in [12, end); fills |wav| from "fmt " and "data". */
static int wav_parse_chunks(wav_parser *p, size_t end, ript_wav *wav) {
  wav_fmt fmt = {0, 0, 0, 0, 0};
  bool have_fmt = false, have_data = false;
  size_t pos = 12;
  while (pos < end) {
    if (end - pos < 8)
      return wav_fail(p, RIPT_ERR_PARSE, pos, "an 8-byte chunk header");
    const uint8_t *id = p->data + pos;
    uint32_t size = wav_u32(id + 4);
    if (size > end - pos - 8)
      return wav_fail(p, RIPT_ERR_PARSE, pos + 4,
                      "a chunk size within the RIFF data");
    int rv = 0;
    if (memcmp(id, "fmt ", 4) == 0) {
      if (have_fmt)
        return wav_fail(p, RIPT_ERR_PARSE, pos, "one fmt chunk");
      rv = wav_parse_fmt(p, pos + 8, size, &fmt);
      have_fmt = true;
    } else if (memcmp(id, "data", 4) == 0) {
      if (!have_fmt)
        return wav_fail(p, RIPT_ERR_PARSE, pos,
                        "a fmt chunk before the data chunk");
      if (have_data)
        return wav_fail(p, RIPT_ERR_PARSE, pos, "one data chunk");
      if (size % fmt.align != 0)
        return wav_fail(p, RIPT_ERR_PARSE, pos + 4,
                        "a data size that is a multiple of the block align");
      rv = wav_convert(p, pos + 8, size, &fmt, wav);
      have_data = true;
    }
    if (rv != 0)
      return rv;
    pos += 8 + (size_t)size;
    if (size % 2 != 0 && pos < end)
      ++pos; /* the pad byte */
  }
  if (!have_fmt)
    return wav_fail(p, RIPT_ERR_PARSE, end, "a fmt chunk");
  if (!have_data)
    return wav_fail(p, RIPT_ERR_PARSE, end, "a data chunk");
  return 0;
}

int ript_wav_parse(ript_wav *wav, const uint8_t *data, size_t len,
                   ript_parse_error *err, const ript_mem *mem) {
  if (!wav || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(wav, 0, sizeof(*wav));
  wav->mem = mem;
  wav_parser p = {data, len, err};
  if (len < 4 || memcmp(data, "RIFF", 4) != 0)
    return wav_fail(&p, RIPT_ERR_PARSE, 0, "\"RIFF\"");
  if (len < 8)
    return wav_fail(&p, RIPT_ERR_PARSE, len, "the RIFF size");
  uint32_t riff = wav_u32(data + 4);
  if (riff < 4 || riff > len - 8)
    return wav_fail(&p, RIPT_ERR_PARSE, 4, "a RIFF size within the file");
  if (memcmp(data + 8, "WAVE", 4) != 0)
    return wav_fail(&p, RIPT_ERR_PARSE, 8, "\"WAVE\"");
  int rv = wav_parse_chunks(&p, 8 + (size_t)riff, wav);
  if (rv != 0)
    ript_wav_free(wav);
  return rv;
}

void ript_wav_free(ript_wav *wav) {
  if (!wav)
    return;
  ript_mem_free(wav->mem, wav->samples);
  memset(wav, 0, sizeof(*wav));
}

static void wav_put16(uint8_t *b, unsigned v) {
  b[0] = (uint8_t)v;
  b[1] = (uint8_t)(v >> 8);
}

static void wav_put32(uint8_t *b, uint32_t v) {
  wav_put16(b, v & 0xFFFFu);
  wav_put16(b + 2, v >> 16);
}

/* The header's fields for |frames| frames; the arguments are checked. */
static int wav_header(uint8_t h[RIPT_WAV_HEADER_LEN], uint64_t frames,
                      unsigned channels, uint32_t rate) {
  if (channels < 1 || channels > RIPT_WAV_MAX_CHANNELS || rate < 1 ||
      rate > RIPT_WAV_MAX_RATE)
    return RIPT_ERR_INVALID_ARGUMENT;
  uint64_t align = 2 * (uint64_t)channels;
  if (frames > (UINT32_MAX - (RIPT_WAV_HEADER_LEN - 8)) / align)
    return RIPT_ERR_RANGE;
  uint32_t data_len = (uint32_t)(frames * align);
  memcpy(h, "RIFF", 4);
  wav_put32(h + 4, data_len + (RIPT_WAV_HEADER_LEN - 8));
  memcpy(h + 8, "WAVEfmt ", 8);
  wav_put32(h + 16, WAV_FMT_LEN);
  wav_put16(h + 20, RIPT_WAV_FORMAT_PCM);
  wav_put16(h + 22, channels);
  wav_put32(h + 24, rate);
  wav_put32(h + 28, rate * (uint32_t)align);
  wav_put16(h + 32, (unsigned)align);
  wav_put16(h + 34, 16);
  memcpy(h + 36, "data", 4);
  wav_put32(h + 40, data_len);
  return 0;
}

int ript_wav_header(uint8_t *header, uint64_t frames, unsigned channels,
                    uint32_t rate) {
  if (!header)
    return RIPT_ERR_INVALID_ARGUMENT;
  return wav_header(header, frames, channels, rate);
}

int ript_wav_header_parse(const uint8_t *header, unsigned *channels,
                          uint32_t *rate, uint64_t *frames) {
  if (!header || !channels || !rate || !frames)
    return RIPT_ERR_INVALID_ARGUMENT;
  unsigned ch = wav_u16(header + 22);
  uint32_t r = wav_u32(header + 24);
  uint32_t data_len = wav_u32(header + 40);
  uint8_t expect[RIPT_WAV_HEADER_LEN];
  if (ch < 1 || ch > RIPT_WAV_MAX_CHANNELS || data_len % (2 * ch) != 0 ||
      wav_header(expect, data_len / (2 * ch), ch, r) != 0 ||
      memcmp(expect, header, RIPT_WAV_HEADER_LEN) != 0)
    return RIPT_ERR_PARSE;
  *channels = ch;
  *rate = r;
  *frames = data_len / (2 * ch);
  return 0;
}

int ript_wav_write(ript_buf *out, const int16_t *samples, size_t frames,
                   unsigned channels, uint32_t rate) {
  uint8_t h[RIPT_WAV_HEADER_LEN];
  if (!out || (!samples && frames > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = wav_header(h, frames, channels, rate);
  if (rv != 0)
    return rv;
  size_t data_len = frames * 2 * channels;
  if (ript_buf_reserve(out, RIPT_WAV_HEADER_LEN + data_len) != 0)
    return RIPT_ERR_NOMEM;
  (void)ript_buf_append(out, h, sizeof(h)); /* cannot fail: reserved */
  uint8_t *dst = out->data + out->len;
  for (size_t i = 0; i < frames * channels; ++i)
    wav_put16(dst + 2 * i, (uint16_t)samples[i]);
  out->len += data_len;
  out->data[out->len] = '\0';
  return 0;
}

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ript/g711.h"
#include "ript/wav.h"
#include "testutil.h"

/* ---- a WAV builder independent of the library's writer ---- */

static void put16(ript_buf *b, unsigned v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  assert_int_equal(ript_buf_append(b, x, 2), 0);
}

static void put32(ript_buf *b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}

static void put_chunk(ript_buf *b, const char *id, const void *body,
                      uint32_t len, int pad) {
  assert_int_equal(ript_buf_append(b, id, 4), 0);
  put32(b, len);
  assert_int_equal(ript_buf_append(b, body, len), 0);
  if (pad && len % 2)
    assert_int_equal(ript_buf_append(b, "", 1), 0);
}

/* A "fmt " body (16 bytes) in |out|. */
static void fmt_body(uint8_t out[16], unsigned tag, unsigned ch, uint32_t rate,
                     unsigned align, unsigned bits) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  put16(&b, tag);
  put16(&b, ch);
  put32(&b, rate);
  put32(&b, rate * align);
  put16(&b, align);
  put16(&b, bits);
  memcpy(out, b.data, 16);
  ript_buf_free(&b);
}

/* An EXTENSIBLE "fmt " body (40 bytes). */
static void fmt_ext_body(uint8_t out[40], unsigned sub, unsigned ch,
                         uint32_t rate, unsigned bits, unsigned valid) {
  static const uint8_t tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                   0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
  fmt_body(out, RIPT_WAV_FORMAT_EXTENSIBLE, ch, rate, ch * bits / 8, bits);
  out[16] = 22;
  out[17] = 0;
  out[18] = (uint8_t)valid;
  out[19] = (uint8_t)(valid >> 8);
  memset(out + 20, 0, 4);
  out[20] = ch == 2 ? 3 : 4;
  out[24] = (uint8_t)sub;
  out[25] = (uint8_t)(sub >> 8);
  memcpy(out + 26, tail, 14);
}

/* Wraps the chunks in |body| into RIFF/WAVE. */
static void riff(ript_buf *out, const ript_buf *body) {
  ript_buf_init(out, NULL);
  assert_int_equal(ript_buf_append(out, "RIFF", 4), 0);
  put32(out, (uint32_t)body->len + 4);
  assert_int_equal(ript_buf_append(out, "WAVE", 4), 0);
  assert_int_equal(ript_buf_append(out, body->data, body->len), 0);
}

/* A whole file from a fmt body and data. */
static void simple_file(ript_buf *out, const uint8_t *fmt, uint32_t fmt_len,
                        const void *data, uint32_t data_len) {
  ript_buf body;
  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, fmt_len, 1);
  put_chunk(&body, "data", data, data_len, 1);
  riff(out, &body);
  ript_buf_free(&body);
}

static void expect_samples(const ript_buf *file, unsigned format, unsigned bits,
                           unsigned channels, const int16_t *expected,
                           size_t n) {
  ript_wav wav;
  ript_parse_error err;
  assert_int_equal(ript_wav_parse(&wav, file->data, file->len, &err, NULL), 0);
  assert_int_equal(wav.format, format);
  assert_int_equal(wav.bits, bits);
  assert_int_equal(wav.channels, channels);
  assert_int_equal(wav.rate, 8000);
  assert_int_equal(wav.frames * channels, n);
  for (size_t i = 0; i < n; ++i)
    assert_int_equal(wav.samples[i], expected[i]);
  ript_wav_free(&wav);
}

/* ---- accepted formats ---- */

static void test_pcm8(void **state) {
  (void)state;
  uint8_t fmt[16], data[] = {0, 1, 127, 128, 129, 255};
  int16_t want[] = {-32768, -32512, -256, 0, 256, 32512};
  fmt_body(fmt, 1, 2, 8000, 2, 8);
  ript_buf f;
  simple_file(&f, fmt, 16, data, sizeof(data));
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 8, 2, want, 6);
  ript_buf_free(&f);
}

static void test_pcm16(void **state) {
  (void)state;
  uint8_t fmt[16], data[] = {0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF,
                             0xFF, 0x7F, 0x00, 0x80, 0x34, 0x12};
  int16_t want[] = {0, 1, -1, 32767, -32768, 0x1234};
  fmt_body(fmt, 1, 1, 8000, 2, 16);
  ript_buf f;
  simple_file(&f, fmt, 16, data, sizeof(data));
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 16, 1, want, 6);
  ript_buf_free(&f);
}

static void test_pcm24_and_32(void **state) {
  (void)state;
  uint8_t fmt[16];
  uint8_t d24[] = {0x00, 0x80, 0x00, 0xFF, 0xFF, 0xFF,
                   0xAB, 0xFF, 0x7F, 0x00, 0x00, 0x80};
  int16_t want24[] = {128, -1, 32767, -32768};
  fmt_body(fmt, 1, 2, 8000, 6, 24);
  ript_buf f;
  simple_file(&f, fmt, 16, d24, sizeof(d24));
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 24, 2, want24, 4);
  ript_buf_free(&f);

  uint8_t d32[] = {0x78, 0x56, 0x34, 0x12, 0xFF, 0xFF,
                   0xFF, 0xFF, 0x00, 0x00, 0x00, 0x80};
  int16_t want32[] = {0x1234, -1, -32768};
  fmt_body(fmt, 1, 1, 8000, 4, 32);
  simple_file(&f, fmt, 16, d32, sizeof(d32));
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 32, 1, want32, 3);
  ript_buf_free(&f);
}

static void float_bytes(uint8_t *out, float x) {
  uint32_t raw;
  memcpy(&raw, &x, 4);
  for (int i = 0; i < 4; ++i)
    out[i] = (uint8_t)(raw >> (8 * i));
}

static void test_float32(void **state) {
  (void)state;
  const float in[] = {0.0f,
                      0.5f,
                      -0.5f,
                      1.0f,
                      -1.0f,
                      2.0f,
                      -3.0f,
                      1e-5f,
                      (float)INFINITY,
                      -(float)INFINITY,
                      (float)NAN,
                      -0.25f};
  const int16_t want[] = {0,      16384, -16384, 32767,  -32768, 32767,
                          -32768, 0,     32767,  -32768, 0,      -8192};
  uint8_t data[sizeof(in)];
  for (size_t i = 0; i < 12; ++i)
    float_bytes(data + 4 * i, in[i]);
  uint8_t fmt[16];
  fmt_body(fmt, 3, 1, 8000, 4, 32);
  ript_buf f;
  simple_file(&f, fmt, 16, data, sizeof(data));
  expect_samples(&f, RIPT_WAV_FORMAT_FLOAT, 32, 1, want, 12);
  ript_buf_free(&f);
}

static void test_g711(void **state) {
  (void)state;
  uint8_t data[] = {0xFF, 0x80, 0x00, 0x1C, 0xD5, 0xAA};
  int16_t want_u[6], want_a[6];
  ript_g711_ulaw_decode_block(want_u, data, 6);
  ript_g711_alaw_decode_block(want_a, data, 6);
  uint8_t fmt[16];
  ript_buf f;
  fmt_body(fmt, 7, 1, 8000, 1, 8);
  simple_file(&f, fmt, 16, data, 6);
  expect_samples(&f, RIPT_WAV_FORMAT_MULAW, 8, 1, want_u, 6);
  ript_buf_free(&f);
  fmt_body(fmt, 6, 2, 8000, 2, 8);
  simple_file(&f, fmt, 16, data, 6);
  expect_samples(&f, RIPT_WAV_FORMAT_ALAW, 8, 2, want_a, 6);
  ript_buf_free(&f);
}

static void test_extensible(void **state) {
  (void)state;
  uint8_t fmt[40];
  ript_buf f;
  uint8_t d16[] = {0x01, 0x00, 0xFF, 0xFF};
  int16_t w16[] = {1, -1};
  fmt_ext_body(fmt, 1, 2, 8000, 16, 16);
  simple_file(&f, fmt, 40, d16, 4);
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 16, 2, w16, 2);
  ript_buf_free(&f);

  /* 20 valid bits in a 24-bit container. */
  uint8_t d24[] = {0x00, 0x00, 0x40, 0x00, 0x00, 0xC0};
  int16_t w24[] = {16384, -16384};
  fmt_ext_body(fmt, 1, 1, 8000, 24, 20);
  simple_file(&f, fmt, 40, d24, 6);
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 24, 1, w24, 2);
  ript_buf_free(&f);

  uint8_t df[8];
  float_bytes(df, 0.25f);
  float_bytes(df + 4, -1.0f);
  int16_t wf[] = {8192, -32768};
  fmt_ext_body(fmt, 3, 1, 8000, 32, 32);
  simple_file(&f, fmt, 40, df, 8);
  expect_samples(&f, RIPT_WAV_FORMAT_FLOAT, 32, 1, wf, 2);
  ript_buf_free(&f);
}

static void test_other_chunks_and_padding(void **state) {
  (void)state;
  uint8_t fmt[16], data[] = {0x10, 0x00, 0x20, 0x00};
  int16_t want[] = {16, 32};
  fmt_body(fmt, 1, 1, 8000, 2, 16);
  ript_buf body, f;
  ript_buf_init(&body, NULL);
  put_chunk(&body, "LIST", "abc", 3, 1); /* odd: padded */
  put_chunk(&body, "fmt ", fmt, 16, 1);
  put_chunk(&body, "fact", "\x02\0\0\0", 4, 1);
  put_chunk(&body, "data", data, 4, 1);
  put_chunk(&body, "junk", "x", 1, 0); /* odd, last, pad missing */
  riff(&f, &body);
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 16, 1, want, 2);
  /* Bytes after the RIFF data are not part of the file. */
  assert_int_equal(ript_buf_append(&f, "trailing", 8), 0);
  expect_samples(&f, RIPT_WAV_FORMAT_PCM, 16, 1, want, 2);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* An empty data chunk is a file without samples. */
  simple_file(&f, fmt, 16, NULL, 0);
  ript_wav wav;
  assert_int_equal(ript_wav_parse(&wav, f.data, f.len, NULL, NULL), 0);
  assert_int_equal(wav.frames, 0);
  assert_null(wav.samples);
  ript_wav_free(&wav);
  ript_buf_free(&f);
}

/* ---- writer ---- */

static void test_write_round_trip(void **state) {
  (void)state;
  static const uint32_t rates[] = {
      8000, 11025, 16000, 44100, 48000, 1, RIPT_WAV_MAX_RATE};
  int16_t pcm[2 * 300];
  for (int i = 0; i < 600; ++i)
    pcm[i] = (int16_t)((i * 7919) % 65536 - 32768);
  for (unsigned ch = 1; ch <= 2; ++ch) {
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); ++r) {
      ript_buf out;
      ript_buf_init(&out, NULL);
      assert_int_equal(ript_wav_write(&out, pcm, 300, ch, rates[r]), 0);
      assert_int_equal(out.len, 44 + 300 * ch * 2);
      ript_wav wav;
      assert_int_equal(ript_wav_parse(&wav, out.data, out.len, NULL, NULL), 0);
      assert_int_equal(wav.rate, rates[r]);
      assert_int_equal(wav.channels, ch);
      assert_int_equal(wav.frames, 300);
      assert_int_equal(wav.format, RIPT_WAV_FORMAT_PCM);
      assert_int_equal(wav.bits, 16);
      assert_memory_equal(wav.samples, pcm, 300 * ch * sizeof(int16_t));
      ript_wav_free(&wav);
      ript_buf_free(&out);
    }
  }
}

static void test_write_appends(void **state) {
  (void)state;
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_buf_append_str(&out, "xy"), 0);
  assert_int_equal(ript_wav_write(&out, NULL, 0, 1, 8000), 0);
  assert_int_equal(out.len, 2 + 44);
  ript_wav wav;
  assert_int_equal(ript_wav_parse(&wav, out.data + 2, 44, NULL, NULL), 0);
  assert_int_equal(wav.frames, 0);
  ript_wav_free(&wav);
  ript_buf_free(&out);
}

/* A file written in pieces: the header alone, rewritten with each size,
 * is the one ript_wav_write puts before the samples, and reads back. */
static void test_header(void **state) {
  (void)state;
  int16_t pcm[6] = {1, -2, 3, -4, 5, -6};
  ript_buf whole;
  ript_buf_init(&whole, NULL);
  assert_int_equal(ript_wav_write(&whole, pcm, 3, 2, 44100), 0);
  uint8_t h[RIPT_WAV_HEADER_LEN];
  assert_int_equal(ript_wav_header(h, 3, 2, 44100), 0);
  assert_memory_equal(h, whole.data, RIPT_WAV_HEADER_LEN);
  unsigned ch = 0;
  uint32_t rate = 0;
  uint64_t frames = 0;
  assert_int_equal(ript_wav_header_parse(h, &ch, &rate, &frames), 0);
  assert_int_equal(ch, 2);
  assert_int_equal(rate, 44100);
  assert_int_equal(frames, 3);
  ript_buf_free(&whole);
  /* Anything else is not such a header: another bit depth, an odd data
   * size, another format tag. */
  static const size_t fields[] = {34, 40, 20};
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i) {
    uint8_t bad[RIPT_WAV_HEADER_LEN];
    memcpy(bad, h, sizeof(bad));
    bad[fields[i]] ^= 1;
    assert_int_equal(ript_wav_header_parse(bad, &ch, &rate, &frames),
                     RIPT_ERR_PARSE);
  }
  assert_int_equal(ript_wav_header(h, UINT64_C(1) << 31, 1, 8000),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_wav_header(h, 1, 3, 8000), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_header(NULL, 1, 1, 8000),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_header_parse(h, NULL, &rate, &frames),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_write_errors(void **state) {
  (void)state;
  ript_buf out;
  ript_buf_init(&out, NULL);
  int16_t s[2] = {0, 0};
  assert_int_equal(ript_wav_write(NULL, s, 1, 1, 8000),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_write(&out, NULL, 1, 1, 8000),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_write(&out, s, 1, 0, 8000),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_write(&out, s, 1, 3, 8000),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_write(&out, s, 1, 1, 0), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_write(&out, s, 1, 1, RIPT_WAV_MAX_RATE + 1),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Data beyond 4 GiB cannot be described (never read: checked first). */
  assert_int_equal(ript_wav_write(&out, s, (size_t)1 << 31, 1, 8000),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_wav_write(&out, s, ((size_t)1 << 30) - 9, 2, 8000),
                   RIPT_ERR_RANGE);
  assert_int_equal(out.len, 0);

  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 0);
  ript_buf small;
  ript_buf_init(&small, &fm.mem);
  assert_int_equal(ript_wav_write(&small, s, 2, 1, 8000), RIPT_ERR_NOMEM);
  assert_int_equal(small.len, 0);
  assert_null(small.data);
  ript_buf_free(&small);
}

static void test_documented_example(void **state) {
  (void)state;
  size_t len;
  uint8_t *expected = ript_test_example_hex("wav-pcm16-stereo", &len);
  const int16_t pcm[] = {0, -1, 1000, -1000, 32767, -32768};
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_wav_write(&out, pcm, 3, 2, 8000), 0);
  assert_int_equal(out.len, len);
  assert_memory_equal(out.data, expected, len);
  ript_wav wav;
  assert_int_equal(ript_wav_parse(&wav, expected, len, NULL, NULL), 0);
  assert_memory_equal(wav.samples, pcm, sizeof(pcm));
  ript_wav_free(&wav);
  ript_buf_free(&out);
  free(expected);
}

/* ---- malformed and unsupported input ---- */

static void expect_error(const uint8_t *data, size_t len, int code,
                         size_t offset) {
  ript_wav wav;
  ript_parse_error err = {999, NULL};
  assert_int_equal(ript_wav_parse(&wav, data, len, &err, NULL), code);
  assert_int_equal(err.offset, offset);
  assert_non_null(err.expected);
  assert_null(wav.samples);
  ript_wav_free(&wav);
  /* Without an error struct the result is the same. */
  assert_int_equal(ript_wav_parse(&wav, data, len, NULL, NULL), code);
}

static void test_bad_magic_and_riff(void **state) {
  (void)state;
  expect_error((const uint8_t *)"", 0, RIPT_ERR_PARSE, 0);
  expect_error((const uint8_t *)"RIF", 3, RIPT_ERR_PARSE, 0);
  expect_error((const uint8_t *)"RIFX\4\0\0\0WAVE", 12, RIPT_ERR_PARSE, 0);
  expect_error((const uint8_t *)"RIFF\4\0", 6, RIPT_ERR_PARSE, 6);
  expect_error((const uint8_t *)"RIFF\3\0\0\0WAVE", 12, RIPT_ERR_PARSE, 4);
  expect_error((const uint8_t *)"RIFF\5\0\0\0WAVE", 12, RIPT_ERR_PARSE, 4);
  expect_error((const uint8_t *)"RIFF\xff\xff\xff\xffWAVE", 12, RIPT_ERR_PARSE,
               4);
  expect_error((const uint8_t *)"RIFF\4\0\0\0AVI ", 12, RIPT_ERR_PARSE, 8);
  /* Nothing inside: no fmt chunk (reported at the end of the RIFF data). */
  expect_error((const uint8_t *)"RIFF\4\0\0\0WAVE", 12, RIPT_ERR_PARSE, 12);
}

static void test_bad_chunks(void **state) {
  (void)state;
  uint8_t fmt[16], data[4] = {0};
  fmt_body(fmt, 1, 1, 8000, 2, 16);
  ript_buf body, f;

  /* A chunk header cut short by the RIFF size: 12 + 24 (fmt) + 5. */
  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  assert_int_equal(ript_buf_append(&body, "data\4", 5), 0);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 36);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* A chunk longer than what is left (truncated data). */
  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  assert_int_equal(ript_buf_append(&body, "data", 4), 0);
  put32(&body, 100);
  assert_int_equal(ript_buf_append(&body, data, 4), 0);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 40);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* An absurd size. */
  ript_buf_init(&body, NULL);
  assert_int_equal(ript_buf_append(&body, "LIST\xff\xff\xff\xff", 8), 0);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 16);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* A missing pad byte in the middle shifts the next header. */
  ript_buf_init(&body, NULL);
  put_chunk(&body, "LIST", "abc", 3, 0);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  put_chunk(&body, "data", data, 4, 1);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 24 + 4);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* data before fmt; fmt twice; data twice; no data. */
  ript_buf_init(&body, NULL);
  put_chunk(&body, "data", data, 4, 1);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 12);
  ript_buf_free(&f);
  ript_buf_free(&body);

  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 36);
  ript_buf_free(&f);
  ript_buf_free(&body);

  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  put_chunk(&body, "data", data, 4, 1);
  put_chunk(&body, "data", data, 4, 1);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 48);
  ript_buf_free(&f);
  ript_buf_free(&body);

  ript_buf_init(&body, NULL);
  put_chunk(&body, "fmt ", fmt, 16, 1);
  riff(&f, &body);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 36);
  ript_buf_free(&f);
  ript_buf_free(&body);

  /* A data size that is not a whole number of frames. */
  simple_file(&f, fmt, 16, data, 3);
  expect_error(f.data, f.len, RIPT_ERR_PARSE, 40);
  ript_buf_free(&f);
}

/* A file whose fmt chunk is |fmt| (|len| bytes) with 4 data bytes. */
static void expect_fmt_error(const uint8_t *fmt, uint32_t len, int code,
                             size_t offset) {
  uint8_t data[4] = {0};
  ript_buf f;
  simple_file(&f, fmt, len, data, 4);
  expect_error(f.data, f.len, code, offset);
  ript_buf_free(&f);
}

/* The fmt body starts at byte 20 of these files. */
static void test_bad_fmt(void **state) {
  (void)state;
  uint8_t fmt[40];
  fmt_body(fmt, 1, 1, 8000, 2, 16);
  expect_fmt_error(fmt, 14, RIPT_ERR_PARSE, 16);
  fmt_body(fmt, 1, 0, 8000, 2, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_PARSE, 22);
  fmt_body(fmt, 1, 3, 8000, 6, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 22);
  fmt_body(fmt, 1, 1, 0, 2, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_PARSE, 24);
  fmt_body(fmt, 1, 1, RIPT_WAV_MAX_RATE + 1, 2, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 24);
  fmt_body(fmt, 1, 1, 8000, 4, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_PARSE, 32);
  fmt_body(fmt, 1, 1, 8000, 0, 0);
  expect_fmt_error(fmt, 16, RIPT_ERR_PARSE, 32);
  /* Well-formed but unsupported. */
  fmt_body(fmt, 1, 1, 8000, 2, 12);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
  fmt_body(fmt, 2, 1, 8000, 2, 16); /* MS ADPCM */
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
  fmt_body(fmt, 3, 1, 8000, 8, 64);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
  fmt_body(fmt, 3, 1, 8000, 2, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
  fmt_body(fmt, 7, 1, 8000, 2, 16);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
  fmt_body(fmt, 1, 1, 8000, 5, 40);
  expect_fmt_error(fmt, 16, RIPT_ERR_RANGE, 20);
}

static void test_bad_extensible(void **state) {
  (void)state;
  uint8_t fmt[40];
  fmt_ext_body(fmt, 1, 1, 8000, 16, 16);
  expect_fmt_error(fmt, 18, RIPT_ERR_PARSE, 16);
  fmt_ext_body(fmt, 1, 1, 8000, 16, 16);
  fmt[16] = 0; /* cbSize */
  expect_fmt_error(fmt, 40, RIPT_ERR_PARSE, 36);
  fmt_ext_body(fmt, 1, 1, 8000, 16, 0);
  expect_fmt_error(fmt, 40, RIPT_ERR_PARSE, 38);
  fmt_ext_body(fmt, 1, 1, 8000, 16, 17);
  expect_fmt_error(fmt, 40, RIPT_ERR_PARSE, 38);
  fmt_ext_body(fmt, 1, 1, 8000, 16, 16);
  fmt[39] ^= 1; /* GUID */
  expect_fmt_error(fmt, 40, RIPT_ERR_PARSE, 44);
  fmt_ext_body(fmt, 6, 1, 8000, 16, 16); /* A-law is not an ext subformat */
  expect_fmt_error(fmt, 40, RIPT_ERR_RANGE, 44);
  fmt_ext_body(fmt, 3, 1, 8000, 16, 16); /* 16-bit float */
  expect_fmt_error(fmt, 40, RIPT_ERR_RANGE, 20);
}

static void test_invalid_arguments(void **state) {
  (void)state;
  ript_wav wav;
  assert_int_equal(ript_wav_parse(NULL, (const uint8_t *)"RIFF", 4, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_parse(&wav, NULL, 4, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_wav_parse(&wav, NULL, 0, NULL, NULL), RIPT_ERR_PARSE);
  ript_wav_free(NULL);
  ript_wav_free(&wav);
  ript_wav_free(&wav);
}

static void test_out_of_memory(void **state) {
  (void)state;
  int16_t pcm[64];
  for (int i = 0; i < 64; ++i)
    pcm[i] = (int16_t)(i * 500);
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_wav_write(&out, pcm, 32, 2, 16000), 0);
  for (long n = 0;; ++n) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, n);
    ript_wav wav;
    int rv = ript_wav_parse(&wav, out.data, out.len, NULL, &fm.mem);
    if (rv == 0) {
      assert_memory_equal(wav.samples, pcm, sizeof(pcm));
      ript_wav_free(&wav);
      assert_true(n >= 1);
      break;
    }
    assert_int_equal(rv, RIPT_ERR_NOMEM);
    assert_null(wav.samples);
  }
  ript_buf_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pcm8),
      cmocka_unit_test(test_pcm16),
      cmocka_unit_test(test_pcm24_and_32),
      cmocka_unit_test(test_float32),
      cmocka_unit_test(test_g711),
      cmocka_unit_test(test_extensible),
      cmocka_unit_test(test_other_chunks_and_padding),
      cmocka_unit_test(test_write_round_trip),
      cmocka_unit_test(test_write_appends),
      cmocka_unit_test(test_write_errors),
      cmocka_unit_test(test_documented_example),
      cmocka_unit_test(test_bad_magic_and_riff),
      cmocka_unit_test(test_bad_chunks),
      cmocka_unit_test(test_bad_fmt),
      cmocka_unit_test(test_bad_extensible),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

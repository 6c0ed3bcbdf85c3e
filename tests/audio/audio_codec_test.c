#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/audio.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* A 440 Hz + 880 Hz mix with a slow amplitude swell, |frames| frames of
 * |channels| (the right channel a little quieter). */
static int16_t *mix(size_t frames, unsigned channels, uint32_t rate) {
  int16_t *x = malloc(frames * channels * sizeof(int16_t));
  for (size_t i = 0; i < frames; ++i) {
    double t = (double)i / rate;
    double v = (0.25 * sin(2 * PI * 440 * t) + 0.15 * sin(2 * PI * 880 * t)) *
               (0.6 + 0.4 * sin(2 * PI * 1.5 * t));
    for (unsigned c = 0; c < channels; ++c)
      x[i * channels + c] = (int16_t)(v * 32767 * (c ? 0.8 : 1.0));
  }
  return x;
}

static ript_advert *directive(const char *text) {
  ript_advert *adv;
  assert_int_equal(ript_advert_parse(&adv, text, strlen(text),
                                     RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL),
                   0);
  return adv;
}

static void test_config_from_codec(void **state) {
  (void)state;
  ript_advert *adv = directive(
      "1 to 1: opus,sr=16000,ch=2,ptime=40,br=24,cbr; telephone-event; "
      "2 to 2: PCMU; 3 to 3: PCMA,ptime=30,br=9223372036854775807; "
      "4 to 4: G722; 5 to 5: x-unknown;");
  ript_audio_config cfg;
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[0].codecs[0]), 0);
  assert_int_equal(cfg.payload_type, RIPT_PT_OPUS);
  assert_int_equal(cfg.sample_rate, 16000);
  assert_int_equal(cfg.channels, 2);
  assert_int_equal(cfg.ptime, 40);
  assert_int_equal(cfg.bitrate, 24);
  assert_true(cfg.cbr);
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[1].codecs[0]), 0);
  assert_int_equal(cfg.payload_type, RIPT_PT_PCMU);
  assert_int_equal(cfg.sample_rate, 0);
  assert_int_equal(cfg.channels, 0);
  assert_int_equal(cfg.ptime, 0); /* the registry's default 30 is not given */
  assert_int_equal(cfg.bitrate, 0);
  assert_false(cfg.cbr);
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[2].codecs[0]), 0);
  assert_int_equal(cfg.payload_type, RIPT_PT_PCMA);
  assert_int_equal(cfg.ptime, 30);
  assert_int_equal(cfg.bitrate, 0); /* unbounded */
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[0].codecs[1]),
      RIPT_ERR_RANGE);
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[3].codecs[0]),
      RIPT_ERR_RANGE);
  assert_int_equal(
      ript_audio_config_from_codec(&cfg, &adv->entries[4].codecs[0]),
      RIPT_ERR_RANGE);
  assert_int_equal(ript_audio_config_from_codec(NULL, adv->entries[0].codecs),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_config_from_codec(&cfg, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_advert_del(adv);

  /* Values beyond 32 bits saturate (sr) or count as unbounded (br). */
  adv = directive("1 to 1: opus,sr=99999999999,br=99999999999,ch=99999999999;");
  assert_int_equal(ript_audio_config_from_codec(&cfg, adv->entries[0].codecs),
                   0);
  assert_int_equal(cfg.sample_rate, UINT32_MAX);
  assert_int_equal(cfg.bitrate, 0);
  assert_true(cfg.channels >= 2);
  ript_advert_del(adv);
}

static void check_format(ript_audio_config cfg, uint32_t rate, unsigned ch,
                         unsigned ms, uint32_t bitrate, bool cbr) {
  ript_audio_format fmt;
  assert_int_equal(ript_audio_format_choose(&fmt, &cfg), 0);
  assert_int_equal(fmt.payload_type, cfg.payload_type);
  assert_int_equal(fmt.rate, rate);
  assert_int_equal(fmt.channels, ch);
  assert_int_equal(fmt.frame_ms, ms);
  assert_int_equal(fmt.frame_size, rate * ms / 1000);
  assert_int_equal(fmt.bitrate, bitrate);
  assert_int_equal(fmt.cbr, cbr);
}

static void test_stream_of_directive(void **state) {
  (void)state;
  ript_audio_stream s;
  assert_int_equal(
      ript_audio_stream_parse(&s, "2 to 7: PCMA,ptime=30; telephone-event; "
                                  "CN; 3 to 1: opus;",
                              NULL),
      0);
  assert_int_equal(s.source, 2);
  assert_int_equal(s.sink, 7);
  assert_int_equal(s.cfg.payload_type, RIPT_PT_PCMA);
  assert_int_equal(s.cfg.ptime, 30);
  assert_string_equal(s.codec, "PCMA");
  assert_true(s.telephone_event);
  assert_true(s.cn);
  assert_int_equal(ript_audio_stream_parse(&s, "1 to 1: opus;", NULL), 0);
  assert_string_equal(s.codec, "opus");
  assert_false(s.telephone_event);
  assert_false(s.cn);
  assert_int_equal(ript_audio_stream_parse(&s, "", NULL),
                   RIPT_ERR_NO_COMMON_MEDIA);
  assert_int_equal(ript_audio_stream_parse(&s, NULL, NULL),
                   RIPT_ERR_NO_COMMON_MEDIA);
  assert_int_equal(ript_audio_stream_parse(&s, "1 to 1: G722;", NULL),
                   RIPT_ERR_RANGE);
  assert_int_equal(ript_audio_stream_parse(&s, "1 to", NULL),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_audio_stream_parse(NULL, "1 to 1: opus;", NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_stream_from_directive(&s, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_test_failmem fm;
  for (long n = 0;; ++n) {
    ript_test_failmem_init(&fm, n);
    int rv = ript_audio_stream_parse(&s, "1 to 1: PCMU;", &fm.mem);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
}

static void test_format_choice(void **state) {
  (void)state;
  const uint32_t O = RIPT_PT_OPUS, U = RIPT_PT_PCMU, A = RIPT_PT_PCMA;
  check_format((ript_audio_config){O, 0, 0, 0, 0, false}, 48000, 1, 20, 32000,
               false);
  check_format((ript_audio_config){O, 44100, 2, 30, 0, true}, 24000, 2, 20,
               64000, true);
  check_format((ript_audio_config){O, 16000, 1, 60, 20, false}, 16000, 1, 60,
               20000, false);
  check_format((ript_audio_config){O, 12001, 1, 59, 1, false}, 12000, 1, 40,
               6000, false);
  check_format((ript_audio_config){O, 7999, 1, 5, 9999, false}, 8000, 1, 10,
               510000, false);
  check_format((ript_audio_config){O, 8000, 1, 10, 0, false}, 8000, 1, 10,
               32000, false);
  check_format((ript_audio_config){U, 48000, 2, 0, 32, false}, 8000, 1, 20,
               64000, true);
  check_format((ript_audio_config){A, 0, 0, 30, 0, false}, 8000, 1, 30, 64000,
               true);
  check_format((ript_audio_config){A, 0, 0, 1, 0, false}, 8000, 1, 1, 64000,
               true);
  check_format((ript_audio_config){U, 0, 0, 500, 0, false}, 8000, 1, 120, 64000,
               true);
  ript_audio_format fmt;
  ript_audio_config g722 = {RIPT_PT_G722, 0, 0, 0, 0, false};
  assert_int_equal(ript_audio_format_choose(&fmt, &g722), RIPT_ERR_RANGE);
  assert_int_equal(ript_audio_format_choose(NULL, &g722),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_format_choose(&fmt, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

/* Encodes |x| frame by frame, decodes every packet, and returns the ncc of
 * the aligned result with the input (first channel). */
static double round_trip(const ript_audio_config *cfg, const int16_t *x,
                         size_t frames, int *max_packet) {
  ript_audio_encoder *enc;
  ript_audio_decoder *dec;
  assert_int_equal(ript_audio_encoder_new(&enc, cfg, NULL), 0);
  assert_int_equal(ript_audio_decoder_new(&dec, cfg, NULL), 0);
  const ript_audio_format *fmt = ript_audio_encoder_format(enc);
  const ript_audio_format *dfmt = ript_audio_decoder_format(dec);
  assert_int_equal(dfmt->rate, fmt->rate);
  size_t ch = fmt->channels, fs = fmt->frame_size;
  size_t cap = ript_audio_decoder_max_frames(dec);
  int16_t *out = malloc(frames * ch * sizeof(int16_t));
  int16_t *pcm = malloc(cap * ch * sizeof(int16_t));
  size_t got = 0;
  *max_packet = 0;
  for (size_t pos = 0; pos + fs <= frames; pos += fs) {
    uint8_t pkt[RIPT_AUDIO_MAX_PACKET];
    ript_ssize n = ript_audio_encode(enc, x + pos * ch, fs, pkt, sizeof(pkt));
    assert_true(n > 0);
    if (n > *max_packet)
      *max_packet = (int)n;
    ript_ssize m = ript_audio_decode(dec, pkt, (size_t)n, pcm, cap);
    assert_int_equal(m, (ript_ssize)fs);
    memcpy(out + got * ch, pcm, fs * ch * sizeof(int16_t));
    got += fs;
  }
  int16_t *a = malloc(frames * sizeof(int16_t));
  int16_t *b = malloc(got * sizeof(int16_t));
  for (size_t i = 0; i < frames; ++i)
    a[i] = x[i * ch];
  for (size_t i = 0; i < got; ++i)
    b[i] = out[i * ch];
  ript_align_result r;
  assert_int_equal(ript_align(&r, a, frames, b, got, fmt->rate / 20, NULL), 0);
  free(a);
  free(b);
  free(pcm);
  free(out);
  ript_audio_encoder_del(enc);
  ript_audio_decoder_del(dec);
  return r.correlation;
}

static void test_opus_round_trip(void **state) {
  (void)state;
  static const uint32_t rates[] = {8000, 16000, 48000};
  for (size_t i = 0; i < 3; ++i) {
    int16_t *x = mix(rates[i], 1, rates[i]); /* 1 s */
    ript_audio_config cfg = {RIPT_PT_OPUS, rates[i], 1, 20, 0, false};
    int max_packet;
    double ncc = round_trip(&cfg, x, rates[i], &max_packet);
    printf("# opus %u Hz mono 32 kbit/s: ncc %.4f\n", rates[i], ncc);
    assert_true(ncc >= 0.9);
    free(x);
  }
  /* Stereo, 40 ms frames, constant bit rate: every packet the same size. */
  int16_t *x = mix(24000, 2, 24000);
  ript_audio_config cfg = {RIPT_PT_OPUS, 24000, 2, 40, 48, true};
  int max_packet;
  double ncc = round_trip(&cfg, x, 24000, &max_packet);
  printf("# opus 24000 Hz stereo 48 kbit/s CBR: ncc %.4f\n", ncc);
  assert_true(ncc >= 0.9);
  assert_int_equal(max_packet, 48000 / 8 * 40 / 1000);
  free(x);
}

static void test_g711_round_trip(void **state) {
  (void)state;
  int16_t *x = mix(8000, 1, 8000);
  for (int law = 0; law < 2; ++law) {
    ript_audio_config cfg = {
        law ? RIPT_PT_PCMA : RIPT_PT_PCMU, 0, 0, 0, 0, false};
    int max_packet;
    double ncc = round_trip(&cfg, x, 8000, &max_packet);
    printf("# %s: ncc %.5f\n", law ? "PCMA" : "PCMU", ncc);
    assert_true(ncc >= 0.99);
    assert_int_equal(max_packet, 160);
  }
  free(x);
}

static void test_concealment(void **state) {
  (void)state;
  /* opus: before any packet, one configured frame; then the last
   * packet's duration. */
  ript_audio_config cfg = {RIPT_PT_OPUS, 16000, 1, 20, 0, false};
  ript_audio_encoder *enc;
  ript_audio_decoder *dec;
  assert_int_equal(ript_audio_encoder_new(&enc, &cfg, NULL), 0);
  cfg.ptime = 10;
  assert_int_equal(ript_audio_decoder_new(&dec, &cfg, NULL), 0);
  int16_t pcm[16000 * 120 / 1000];
  assert_int_equal(ript_audio_decoder_max_frames(dec), 1920);
  assert_int_equal(ript_audio_decode(dec, NULL, 0, pcm, 1920), 160);
  int16_t *x = mix(320, 1, 16000);
  uint8_t pkt[RIPT_AUDIO_MAX_PACKET];
  ript_ssize n = ript_audio_encode(enc, x, 320, pkt, sizeof(pkt));
  assert_true(n > 0);
  /* The decoder takes any frame size, whatever its own ptime. */
  assert_int_equal(ript_audio_decode(dec, pkt, (size_t)n, pcm, 1920), 320);
  assert_int_equal(ript_audio_decode(dec, NULL, 0, pcm, 1920), 320);
  assert_int_equal(ript_audio_decode(dec, NULL, 0, pcm, 319), RIPT_ERR_NOBUF);
  assert_int_equal(ript_audio_decode(dec, pkt, (size_t)n, pcm, 319),
                   RIPT_ERR_NOBUF);
  free(x);
  ript_audio_encoder_del(enc);
  ript_audio_decoder_del(dec);

  /* G.711: the last frame, halved per loss, silent from the fifth. */
  ript_audio_config u = {RIPT_PT_PCMU, 0, 0, 0, 0, false};
  assert_int_equal(ript_audio_decoder_new(&dec, &u, NULL), 0);
  int16_t out[160];
  assert_int_equal(ript_audio_decode(dec, NULL, 0, out, 160), 160);
  for (int i = 0; i < 160; ++i)
    assert_int_equal(out[i], 0);
  uint8_t payload[80];
  memset(payload, 0x80, sizeof(payload)); /* +32124 */
  assert_int_equal(ript_audio_decode(dec, payload, 80, out, 160), 80);
  static const int16_t expect[] = {16062, 8031, 4015, 2007, 0, 0};
  for (int k = 0; k < 6; ++k) {
    assert_int_equal(ript_audio_decode(dec, NULL, 0, out, 160), 80);
    assert_int_equal(out[0], expect[k]);
    assert_int_equal(out[79], expect[k]);
  }
  assert_int_equal(ript_audio_decode(dec, NULL, 0, out, 79), RIPT_ERR_NOBUF);
  /* A good frame resets the concealment. */
  assert_int_equal(ript_audio_decode(dec, payload, 40, out, 160), 40);
  assert_int_equal(ript_audio_decode(dec, NULL, 0, out, 160), 40);
  assert_int_equal(out[0], 16062);
  ript_audio_decoder_del(dec);
}

static void test_errors(void **state) {
  (void)state;
  ript_audio_config opus = {RIPT_PT_OPUS, 8000, 1, 20, 0, false};
  ript_audio_config pcma = {RIPT_PT_PCMA, 0, 0, 0, 0, false};
  ript_audio_config bad = {RIPT_PT_G729, 0, 0, 0, 0, false};
  ript_audio_encoder *enc;
  ript_audio_decoder *dec;
  assert_int_equal(ript_audio_encoder_new(NULL, &opus, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_encoder_new(&enc, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_encoder_new(&enc, &bad, NULL), RIPT_ERR_RANGE);
  assert_int_equal(ript_audio_decoder_new(NULL, &opus, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_decoder_new(&dec, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_audio_decoder_new(&dec, &bad, NULL), RIPT_ERR_RANGE);
  assert_null(ript_audio_encoder_format(NULL));
  assert_null(ript_audio_decoder_format(NULL));
  assert_int_equal(ript_audio_decoder_max_frames(NULL), 0);
  ript_audio_encoder_del(NULL);
  ript_audio_decoder_del(NULL);

  int16_t pcm[960] = {0};
  uint8_t out[4000];
  for (int k = 0; k < 2; ++k) {
    assert_int_equal(ript_audio_encoder_new(&enc, k ? &pcma : &opus, NULL), 0);
    assert_int_equal(ript_audio_encode(enc, pcm, 159, out, sizeof(out)),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_encode(NULL, pcm, 160, out, sizeof(out)),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_encode(enc, NULL, 160, out, sizeof(out)),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_encode(enc, pcm, 160, NULL, sizeof(out)),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_encode(enc, pcm, 160, out, k ? 159 : 0),
                     RIPT_ERR_NOBUF);
    /* opus squeezes a frame into what it is given. */
    assert_int_equal(ript_audio_encode(enc, pcm, 160, out, k ? 160 : 1),
                     k ? 160 : 1);
    ript_audio_encoder_del(enc);

    assert_int_equal(ript_audio_decoder_new(&dec, k ? &pcma : &opus, NULL), 0);
    assert_int_equal(ript_audio_decode(NULL, out, 1, pcm, 960),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_decode(dec, out, 1, NULL, 960),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_decode(dec, NULL, 1, pcm, 960),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_audio_decode(dec, out, 0, pcm, 960), RIPT_ERR_PARSE);
    ript_audio_decoder_del(dec);
  }
  /* A code-3 opus packet announcing zero frames is invalid. */
  assert_int_equal(ript_audio_decoder_new(&dec, &opus, NULL), 0);
  const uint8_t invalid[] = {0x03, 0x00};
  assert_int_equal(ript_audio_decode(dec, invalid, 2, pcm, 960),
                   RIPT_ERR_PARSE);
  ript_audio_decoder_del(dec);
  /* G.711: longer than 120 ms, or than the room given. */
  assert_int_equal(ript_audio_decoder_new(&dec, &pcma, NULL), 0);
  uint8_t big[961];
  memset(big, 0xD5, sizeof(big));
  assert_int_equal(ript_audio_decode(dec, big, 961, pcm, 960), RIPT_ERR_PARSE);
  assert_int_equal(ript_audio_decode(dec, big, 960, pcm, 959), RIPT_ERR_NOBUF);
  assert_int_equal(ript_audio_decode(dec, big, 960, pcm, 960), 960);
  assert_int_equal(pcm[0], 8);
  ript_audio_decoder_del(dec);
}

static void test_out_of_memory(void **state) {
  (void)state;
  static const ript_audio_config cfgs[] = {
      {RIPT_PT_OPUS, 48000, 2, 20, 0, false},
      {RIPT_PT_PCMU, 0, 0, 0, 0, false}};
  for (size_t c = 0; c < 2; ++c) {
    for (long n = 0;; ++n) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, n);
      ript_audio_encoder *enc;
      int rv = ript_audio_encoder_new(&enc, &cfgs[c], &fm.mem);
      if (rv == 0) {
        ript_audio_encoder_del(enc);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    }
    for (long n = 0;; ++n) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, n);
      ript_audio_decoder *dec;
      int rv = ript_audio_decoder_new(&dec, &cfgs[c], &fm.mem);
      if (rv == 0) {
        ript_audio_decoder_del(dec);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_from_codec),
      cmocka_unit_test(test_stream_of_directive),
      cmocka_unit_test(test_format_choice),
      cmocka_unit_test(test_opus_round_trip),
      cmocka_unit_test(test_g711_round_trip),
      cmocka_unit_test(test_concealment),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

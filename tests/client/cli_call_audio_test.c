/* The audio of `ript call` (call_audio.c) in a loop: what it sends is fed
 * back to it as if an echo returned it, without any network. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "call_audio.h"
#include "ript/codec.h"
#include "testutil.h"

static const int64_t t0 = 1700000000000LL;

/* |seconds| of a voice-like signal (a chirp with a syllable envelope,
 * never silent) at |rate| Hz, |channels| channels. */
static void signal_make(ript_wav *w, double seconds, uint32_t rate,
                        unsigned channels) {
  memset(w, 0, sizeof(*w));
  w->rate = rate;
  w->channels = channels;
  w->frames = (size_t)(seconds * rate);
  w->samples = calloc(w->frames * channels, sizeof(int16_t));
  assert_non_null(w->samples);
  double phase = 0;
  for (size_t i = 0; i < w->frames; ++i) {
    double t = (double)i / rate;
    phase += 2 * M_PI * (300 + 900 * fmod(t, 0.7) / 0.7) / rate;
    double v = (0.6 + 0.4 * sin(2 * M_PI * 3.3 * t)) * sin(phase);
    for (unsigned c = 0; c < channels; ++c)
      w->samples[i * channels + c] = (int16_t)lrint(8000 * v);
  }
}

/* The loop: runs the audio from t0 to t0 + |ms| in 10 ms ticks, feeding
 * every frame back 30 ms later with the next sequence number, except
 * sequence number |drop| (0: none). Returns the frames sent. */
static size_t loop_run(ript_cli_audio *a, int64_t ms, uint64_t drop) {
  uint64_t seq = 1;
  size_t sent = 0;
  ript_cli_audio_start(a, t0);
  for (int64_t now = t0; now <= t0 + ms; now += 10) {
    ript_media_frame f;
    while (ript_cli_audio_next(a, now, &f) == 1) {
      assert_true((int64_t)f.timestamp <= now);
      f.sequence = seq++;
      ++sent;
      if (f.sequence != drop)
        ript_cli_audio_receive(a, &f, now + 30);
    }
    ript_cli_audio_play(a, now);
  }
  ript_cli_audio_flush(a);
  return sent;
}

/* The recording compared with |ref|. */
static double loop_correlation(const ript_cli_audio *a, const ript_wav *ref) {
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_cli_audio_write(a, &out), 0);
  ript_wav rec;
  assert_int_equal(ript_wav_parse(&rec, out.data, out.len, NULL, NULL), 0);
  ript_align_result res;
  ript_align_signal x = {ref->samples, ref->frames, ref->rate, ref->channels};
  ript_align_signal y = {rec.samples, rec.frames, rec.rate, rec.channels};
  assert_int_equal(ript_align_resampled(&res, &x, &y, 8000, 500, NULL), 0);
  ript_wav_free(&rec);
  ript_buf_free(&out);
  return res.correlation;
}

static ript_cli_audio *audio_new(const char *c2s, const char *s2c,
                                 const ript_wav *play) {
  ript_cli_audio_config cfg = {c2s, s2c, play, 1};
  ript_cli_audio *a = NULL;
  char err[256];
  assert_int_equal(ript_cli_audio_new(&a, &cfg, err, sizeof(err)), 0);
  return a;
}

static void test_pcmu_and_dtmf(void **state) {
  (void)state;
  ript_wav play;
  signal_make(&play, 1.0, 16000, 2); /* resampled and mixed down */
  const char *dir = "2 to 1: PCMU; telephone-event; CN;";
  ript_cli_audio *a = audio_new(dir, "2 to 1: PCMU; telephone-event;", &play);
  uint8_t source = 0, sink = 0;
  ript_cli_audio_tx_stream(a, &source, &sink);
  assert_int_equal(source * 10 + sink, 21);
  assert_int_equal(ript_cli_audio_dtmf(a, "1#"), 0);
  assert_int_equal(ript_cli_audio_dtmf(a, "1x"), RIPT_ERR_INVALID_ARGUMENT);
  size_t sent = loop_run(a, 1200, 0);
  ript_cli_audio_stats st;
  ript_cli_audio_get_stats(a, &st);
  assert_string_equal(st.tx_codec, "PCMU");
  assert_string_equal(st.rx_codec, "PCMU");
  assert_int_equal(st.tx_rate, 8000);
  assert_int_equal(st.rx_channels, 1);
  /* Two keys of 100 ms at 20 ms intervals: 5 packets and 2 more ends. */
  assert_int_equal(st.dtmf_sent, 14);
  assert_int_equal(st.media_sent + st.dtmf_sent + st.cn_sent, sent);
  assert_int_equal(st.media_sent + st.cn_sent + st.silent, 1200 / 20 + 1);
  assert_int_equal(st.concealed, 0);
  assert_string_equal(ript_cli_audio_heard(a), "1#");
  assert_true(loop_correlation(a, &play) > 0.99);
  ript_cli_audio_del(a);
  ript_wav_free(&play);
}

static void test_silence_is_comfort_noise(void **state) {
  (void)state;
  const char *dir = "1 to 1: PCMA; CN;";
  ript_cli_audio *a = audio_new(dir, dir, NULL);
  assert_int_equal(ript_cli_audio_dtmf(a, "1"), RIPT_ERR_MISMATCH);
  loop_run(a, 3000, 0);
  ript_cli_audio_stats st;
  ript_cli_audio_get_stats(a, &st);
  /* Media during the detector's first 200 ms, then CN once a second, and
   * nothing in between. */
  assert_int_equal(st.media_sent, 10);
  assert_int_equal(st.cn_sent, 3);
  assert_int_equal(st.cn_received, 3);
  assert_int_equal(st.media_sent + st.cn_sent + st.silent, 3000 / 20 + 1);
  /* The recording keeps the pauses: it runs to the last CN, 2.2 s in. */
  assert_in_range(st.recorded, 2200 * 8 - 160, 2200 * 8 + 160);
  ript_cli_audio_del(a);
  /* Without CN in the directive, silence is sent as media. */
  a = audio_new("1 to 1: PCMA;", "1 to 1: PCMA;", NULL);
  loop_run(a, 1000, 0);
  ript_cli_audio_get_stats(a, &st);
  assert_int_equal(st.media_sent, 51);
  assert_int_equal(st.cn_sent + st.silent, 0);
  ript_cli_audio_del(a);
}

static void test_opus_stereo_and_loss(void **state) {
  (void)state;
  ript_wav play;
  signal_make(&play, 1.0, 44100, 1);
  const char *dir = "1 to 1: opus,ch=2,sr=24000;";
  ript_cli_audio *a = audio_new(dir, dir, &play);
  size_t sent = loop_run(a, 1000, 20);
  ript_cli_audio_stats st;
  ript_cli_audio_get_stats(a, &st);
  assert_int_equal(st.tx_rate, 24000);
  assert_int_equal(st.tx_channels, 2);
  assert_int_equal(st.rx_channels, 2);
  assert_int_equal(sent, 51);
  assert_int_equal(st.concealed, 1);
  assert_int_equal(st.recorded, 51 * 480); /* the lost frame concealed */
  assert_true(loop_correlation(a, &play) > 0.8);
  ript_cli_audio_del(a);
  ript_wav_free(&play);
}

/* Frames of other streams and a frame that comes after its turn. */
static void test_foreign_and_late(void **state) {
  (void)state;
  const char *dir = "1 to 1: PCMU;";
  ript_cli_audio *a = audio_new(dir, dir, NULL);
  uint8_t pcmu[160];
  memset(pcmu, 0xff, sizeof(pcmu));
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = 2;
  f.sink = 1;
  f.payload_type = RIPT_PT_PCMU;
  f.media = pcmu;
  f.media_len = sizeof(pcmu);
  f.sequence = 1;
  f.timestamp = (uint64_t)t0;
  ript_cli_audio_receive(a, &f, t0); /* another stream: ignored */
  f.source = 1;
  for (uint64_t s = 2; s <= 4; ++s) {
    f.sequence = s;
    f.timestamp = (uint64_t)(t0 + 20 * (int64_t)s);
    ript_cli_audio_receive(a, &f, t0 + 20 * (int64_t)s);
  }
  ript_cli_audio_play(a, t0 + 20000);
  f.sequence = 3; /* again, long after */
  ript_cli_audio_receive(a, &f, t0 + 20000);
  ript_cli_audio_flush(a);
  ript_cli_audio_stats st;
  ript_cli_audio_get_stats(a, &st);
  assert_int_equal(st.recorded, 3 * 160);
  assert_int_equal(st.concealed, 0);
  ript_cli_audio_del(a);
}

static void test_refused_directives(void **state) {
  (void)state;
  const struct {
    const char *c2s, *s2c, *err;
  } bad[] = {
      {"1 to 1 PCMU;", "", "the client directive \"1 to 1 PCMU;\" does not "
                           "parse"},
      {"1 to 1: G722;", "", "the client directive \"1 to 1: G722;\" names a "
                            "codec ript cannot code (it has opus, PCMU and "
                            "PCMA)"},
      {"1 to 1: PCMU;", "1 to 1: G729;",
       "the server directive \"1 to 1: G729;\" names a codec ript cannot "
       "code (it has opus, PCMU and PCMA)"},
      {"", "1 to 1: PCMU;",
       "the call lets ript send nothing (client directive \"\")"},
      {NULL, NULL, "the call lets ript send nothing (client directive \"\")"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    ript_cli_audio_config cfg = {bad[i].c2s, bad[i].s2c, NULL, 0};
    ript_cli_audio *a = (ript_cli_audio *)(uintptr_t)1; /* overwritten */
    char err[256];
    assert_int_equal(ript_cli_audio_new(&a, &cfg, err, sizeof(err)), -1);
    assert_null(a);
    assert_string_equal(err, bad[i].err);
  }
  /* Nothing arrives: nothing to write. */
  ript_cli_audio *a = audio_new("1 to 1: PCMU;", "", NULL);
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = f.sink = 1;
  ript_cli_audio_receive(a, &f, t0);
  ript_cli_audio_flush(a);
  ript_buf out;
  ript_buf_init(&out, NULL);
  assert_int_equal(ript_cli_audio_write(a, &out), RIPT_ERR_RANGE);
  assert_int_equal(out.len, 0);
  ript_cli_audio_stats st;
  ript_cli_audio_get_stats(a, &st);
  assert_null(st.rx_codec);
  assert_false(ript_cli_audio_started(a));
  assert_int_equal(ript_cli_audio_next(a, t0, &f), 0); /* not started */
  ript_cli_audio_del(a);
  ript_cli_audio_del(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pcmu_and_dtmf),
      cmocka_unit_test(test_silence_is_comfort_noise),
      cmocka_unit_test(test_opus_stereo_and_loss),
      cmocka_unit_test(test_foreign_and_late),
      cmocka_unit_test(test_refused_directives),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

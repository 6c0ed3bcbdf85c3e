/*
 * ript-wav-compare - how closely a recording matches what was sent: the
 * aligned normalized cross-correlation of two WAV files (ript/align.h),
 * both converted to mono at 8 kHz, over lags up to --max-lag-ms either
 * way.
 *
 *   ript-wav-compare [--max-lag-ms MS] [--min-correlation X] REF.wav REC.wav
 *
 * Prints one line:
 *   correlation=0.987 lag_ms=312.5 overlap_s=9.48 ref_s=10.00 rec_s=10.31
 * (lag_ms > 0: the recording is late). Exit status 0; 1 when the
 * correlation is below --min-correlation; 2 for bad arguments or a file
 * that cannot be read.
 */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/align.h"
#include "ript/buf.h"
#include "ript/wav.h"
#include "ript_prog.h"

enum {
  COMPARE_RATE = 8000,
  COMPARE_MAX_LAG_MS = 3000,
  COMPARE_MAX_BYTES = 512 * 1024 * 1024,
};

static int compare_usage(void) {
  fprintf(stderr, "usage: ript-wav-compare [--max-lag-ms MS] "
                  "[--min-correlation X] REF.wav REC.wav\n");
  return 2;
}

/* Reads and parses |path|; prints why not. */
static int compare_load(const char *path, ript_wav *wav) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_parse_error err = {0, NULL};
  int rv = ript_file_read(path, COMPARE_MAX_BYTES, &b);
  if (rv != 0)
    fprintf(stderr, "ript-wav-compare: cannot read %s: %s\n", path,
            rv == RIPT_ERR_LIMIT ? "larger than 512 MiB"
            : rv == RIPT_ERR_NOMEM ? "out of memory"
                                   : strerror(errno));
  else if ((rv = ript_wav_parse(wav, b.data, b.len, &err, NULL)) != 0)
    fprintf(stderr,
            "ript-wav-compare: %s is not a WAV file it can read: at byte %zu "
            "expected %s\n",
            path, err.offset, err.expected ? err.expected : "more");
  ript_buf_free(&b);
  return rv == 0 ? 0 : -1;
}

/* A number after an option, or -1. */
static double compare_number(const char *s) {
  double v;
  return ript_cmdline_number(s, 0, DBL_MAX, &v) == 0 ? v : -1;
}

int main(int argc, char **argv) {
  double max_lag_ms = COMPARE_MAX_LAG_MS, min_corr = -2;
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    double v = compare_number(argv[i + 1]);
    if (strcmp(argv[i], "--max-lag-ms") == 0 && v >= 0 && v <= 60000)
      max_lag_ms = v;
    else if (strcmp(argv[i], "--min-correlation") == 0 && v >= 0 && v <= 1)
      min_corr = v;
    else
      return compare_usage();
  }
  if (argc - i != 2)
    return compare_usage();
  ript_wav ref, rec;
  memset(&ref, 0, sizeof(ref));
  memset(&rec, 0, sizeof(rec));
  if (compare_load(argv[i], &ref) != 0 || compare_load(argv[i + 1], &rec)) {
    ript_wav_free(&ref);
    return 2;
  }
  ript_align_result res = {0, 0.0, 0};
  ript_align_signal x = {ref.samples, ref.frames, ref.rate, ref.channels};
  ript_align_signal y = {rec.samples, rec.frames, rec.rate, rec.channels};
  int rv = ript_align_resampled(&res, &x, &y, COMPARE_RATE,
                                (unsigned)max_lag_ms, NULL);
  if (rv == 0)
    printf("correlation=%.3f lag_ms=%.1f overlap_s=%.2f ref_s=%.2f "
           "rec_s=%.2f\n",
           res.correlation, (double)res.lag * 1000.0 / COMPARE_RATE,
           (double)res.overlap / COMPARE_RATE, (double)ref.frames / ref.rate,
           (double)rec.frames / rec.rate);
  else
    fprintf(stderr, "ript-wav-compare: cannot compare them: %s\n",
            ript_strerror(rv));
  ript_wav_free(&ref);
  ript_wav_free(&rec);
  if (rv != 0)
    return 2;
  return res.correlation < min_corr ? 1 : 0;
}

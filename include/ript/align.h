/*
 * ript/align.h - how well a recording matches the signal that was sent:
 * the lag that maximises their normalized cross-correlation, and that
 * correlation. Part of the audio toolkit (ript_audio); used by the tests
 * and `make demo` to prove that audio survived a call.
 *
 * For a lag L (the recording is late by L samples when L > 0) the two
 * signals overlap on reference samples i in [max(0, -L), min(nref, nrec - L))
 * and
 *
 *   ncc(L) = sum ref[i] rec[i + L] / sqrt(sum ref[i]^2 * sum rec[i + L]^2)
 *
 * over that overlap: 1.0 means identical up to a positive gain, 0 means
 * unrelated (and is the value when either side is all zeros there). Lags
 * with |L| <= max_lag whose overlap covers at least half of the shorter
 * signal are searched; the best ncc wins, ties going to the smaller |L|.
 * All cross-correlations come from one FFT of size 2^k >= max(nref, nrec)
 * + max_lag, so 10 s at 8 kHz with a 2 s search takes milliseconds.
 *
 * Memory: about 40 bytes per FFT point, allocated with the caller's
 * ript_mem and freed before returning.
 *
 * Thread-safety: pure functions, callable from any thread.
 */
#ifndef RIPT_ALIGN_H
#define RIPT_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"
#include "ript/mem.h"

/* Largest FFT size (points); longer inputs give RIPT_ERR_LIMIT. 2^22 is
 * more than 80 s at 48 kHz. */
#define RIPT_ALIGN_MAX_FFT 4194304u

typedef struct ript_align_result {
  int64_t lag;        /* samples (at the compared rate) */
  double correlation; /* ncc at |lag|, -1 .. 1 */
  size_t overlap;     /* samples compared at |lag| */
} ript_align_result;

/*
 * Aligns mono |rec| (|nrec| samples) to mono |ref| (|nref|), both at the
 * same rate, searching lags up to |max_lag| samples either way (larger
 * values are cut to the longer signal's length). Fills |res|.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL argument, an empty signal),
 * RIPT_ERR_LIMIT (the FFT would exceed RIPT_ALIGN_MAX_FFT) or
 * RIPT_ERR_NOMEM.
 */
int ript_align(ript_align_result *res, const int16_t *ref, size_t nref,
               const int16_t *rec, size_t nrec, size_t max_lag,
               const ript_mem *mem);

/* One signal for ript_align_resampled: |frames| frames of |channels|
 * (1 or 2) interleaved channels at |rate| Hz. */
typedef struct ript_align_signal {
  const int16_t *samples;
  size_t frames;
  uint32_t rate;
  unsigned channels;
} ript_align_signal;

/*
 * Converts both signals to mono at |rate| Hz (ript_resample: channels
 * averaged, filter delay removed), then ript_align with a search of
 * |max_lag_ms| either way; |res->lag| is in samples at |rate|.
 * Returns as ript_align, and RIPT_ERR_INVALID_ARGUMENT also for rates or
 * channel counts ript_resample refuses, or a signal that comes out empty.
 */
int ript_align_resampled(ript_align_result *res, const ript_align_signal *ref,
                         const ript_align_signal *rec, uint32_t rate,
                         unsigned max_lag_ms, const ript_mem *mem);

#endif /* RIPT_ALIGN_H */

/*
 * Alignment by FFT cross-correlation. Both real signals go through one
 * complex FFT (reference in the real part, recording in the imaginary
 * part); their spectra are separated by conjugate symmetry, multiplied, and
 * transformed back to give every lag's raw correlation at once. Prefix sums
 * of squares then normalise each lag over its overlap.
 */
#include <math.h>
#include <string.h>

#include "ript/align.h"
#include "ript/resample.h"
#include "ript_mem.h"

typedef struct align_fft {
  size_t n;        /* points, a power of two */
  double *re, *im; /* the data, transformed in place */
  double *cos_tab; /* n / 2 twiddles: cos and -sin of 2 pi k / n */
  double *sin_tab;
} align_fft;

static void align_fft_free(align_fft *f, const ript_mem *mem) {
  ript_mem_free(mem, f->re);
  ript_mem_free(mem, f->im);
  ript_mem_free(mem, f->cos_tab);
  ript_mem_free(mem, f->sin_tab);
}

static int align_fft_init(align_fft *f, size_t n, const ript_mem *mem) {
  memset(f, 0, sizeof(*f));
  f->n = n;
  f->re = ript_mem_calloc(mem, n, sizeof(double));
  f->im = ript_mem_calloc(mem, n, sizeof(double));
  f->cos_tab = ript_mem_malloc(mem, n / 2 * sizeof(double));
  f->sin_tab = ript_mem_malloc(mem, n / 2 * sizeof(double));
  if (!f->re || !f->im || !f->cos_tab || !f->sin_tab) {
    align_fft_free(f, mem);
    return RIPT_ERR_NOMEM;
  }
  const double pi = 3.14159265358979323846;
  for (size_t k = 0; k < n / 2; ++k) {
    f->cos_tab[k] = cos(2.0 * pi * (double)k / (double)n);
    f->sin_tab[k] = -sin(2.0 * pi * (double)k / (double)n);
  }
  return 0;
}

/* In-place iterative radix-2 FFT (forward: e^{-2 pi i k n / N}). */
static void align_fft_run(align_fft *f) {
  size_t n = f->n;
  double *re = f->re, *im = f->im;
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j |= bit;
    if (i < j) {
      double t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    size_t half = len / 2, stride = n / len;
    for (size_t start = 0; start < n; start += len) {
      for (size_t k = 0; k < half; ++k) {
        double wr = f->cos_tab[k * stride], wi = f->sin_tab[k * stride];
        size_t a = start + k, b = a + half;
        double xr = re[b] * wr - im[b] * wi;
        double xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/* With Z = FFT(ref + i rec) in |f|, replaces it by conj(REF) * REC, the
 * spectrum of the cross-correlation, conjugated so that one more forward
 * FFT gives the correlation (real) times n. */
static void align_cross_spectrum(align_fft *f) {
  size_t n = f->n;
  for (size_t k = 0; k <= n / 2; ++k) {
    size_t j = (n - k) & (n - 1);
    double a = f->re[k], b = f->im[k], c = f->re[j], d = f->im[j];
    double rr = (a + c) / 2, ri = (b - d) / 2; /* REF[k] */
    double sr = (b + d) / 2, si = (c - a) / 2; /* REC[k] */
    double pr = rr * sr + ri * si;             /* conj(REF) * REC */
    double pi = rr * si - ri * sr;
    /* Store conj(P): forward FFT of conj(P) = n * conj(IFFT(P)), real. */
    f->re[k] = pr;
    f->im[k] = -pi;
    f->re[j] = pr;
    f->im[j] = pi;
  }
}

static double *align_prefix_squares(const int16_t *x, size_t n,
                                    const ript_mem *mem) {
  double *p = ript_mem_malloc(mem, (n + 1) * sizeof(double));
  if (!p)
    return NULL;
  p[0] = 0;
  for (size_t i = 0; i < n; ++i)
    p[i + 1] = p[i] + (double)x[i] * (double)x[i];
  return p;
}

/* Picks the best lag from the correlations in |f| (times n). */
static void align_pick(ript_align_result *res, const align_fft *f,
                       const double *ref_sq, size_t nref, const double *rec_sq,
                       size_t nrec, int64_t max_lag) {
  size_t shorter = nref < nrec ? nref : nrec;
  size_t min_overlap = shorter / 2 ? shorter / 2 : 1;
  res->lag = 0;
  res->correlation = -2.0;
  res->overlap = 0;
  for (int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    int64_t i0 = lag < 0 ? -lag : 0;
    int64_t i1 = (int64_t)nrec - lag < (int64_t)nref ? (int64_t)nrec - lag
                                                     : (int64_t)nref;
    if (i1 - i0 < (int64_t)min_overlap)
      continue;
    double eref = ref_sq[i1] - ref_sq[i0];
    double erec = rec_sq[i1 + lag] - rec_sq[i0 + lag];
    double raw = f->re[(size_t)lag & (f->n - 1)] / (double)f->n;
    double ncc = eref > 0 && erec > 0 ? raw / sqrt(eref * erec) : 0.0;
    int64_t abs_lag = lag < 0 ? -lag : lag;
    int64_t abs_best = res->lag < 0 ? -res->lag : res->lag;
    if (ncc > res->correlation ||
        (ncc == res->correlation && abs_lag < abs_best)) {
      res->lag = lag;
      res->correlation = ncc;
      res->overlap = (size_t)(i1 - i0);
    }
  }
}

int ript_align(ript_align_result *res, const int16_t *ref, size_t nref,
               const int16_t *rec, size_t nrec, size_t max_lag,
               const ript_mem *mem) {
  if (!res || !ref || !rec || nref == 0 || nrec == 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t longer = nref > nrec ? nref : nrec;
  if (max_lag > longer)
    max_lag = longer;
  if (longer > RIPT_ALIGN_MAX_FFT || max_lag > RIPT_ALIGN_MAX_FFT - longer)
    return RIPT_ERR_LIMIT;
  size_t n = 2;
  while (n < longer + max_lag)
    n <<= 1;
  if (n > RIPT_ALIGN_MAX_FFT)
    return RIPT_ERR_LIMIT;
  align_fft f;
  int rv = align_fft_init(&f, n, mem);
  if (rv != 0)
    return rv;
  double *ref_sq = align_prefix_squares(ref, nref, mem);
  double *rec_sq = align_prefix_squares(rec, nrec, mem);
  if (!ref_sq || !rec_sq) {
    rv = RIPT_ERR_NOMEM;
  } else {
    for (size_t i = 0; i < nref; ++i)
      f.re[i] = ref[i];
    for (size_t i = 0; i < nrec; ++i)
      f.im[i] = rec[i];
    align_fft_run(&f);
    align_cross_spectrum(&f);
    align_fft_run(&f);
    align_pick(res, &f, ref_sq, nref, rec_sq, nrec, (int64_t)max_lag);
  }
  ript_mem_free(mem, ref_sq);
  ript_mem_free(mem, rec_sq);
  align_fft_free(&f, mem);
  return rv;
}

int ript_align_resampled(ript_align_result *res, const ript_align_signal *ref,
                         const ript_align_signal *rec, uint32_t rate,
                         unsigned max_lag_ms, const ript_mem *mem) {
  if (!res || !ref || !rec)
    return RIPT_ERR_INVALID_ARGUMENT;
  int16_t *a = NULL, *b = NULL;
  size_t na = 0, nb = 0;
  int rv = ript_resample(&a, &na, ref->samples, ref->frames, ref->rate,
                         ref->channels, rate, 1, mem);
  if (rv == 0)
    rv = ript_resample(&b, &nb, rec->samples, rec->frames, rec->rate,
                       rec->channels, rate, 1, mem);
  if (rv == 0)
    rv = ript_align(res, a, na, b, nb,
                    (size_t)((uint64_t)max_lag_ms * rate / 1000), mem);
  ript_mem_free(mem, a);
  ript_mem_free(mem, b);
  return rv;
}

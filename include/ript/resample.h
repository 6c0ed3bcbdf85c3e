/*
 * ript/resample.h - sample rate and channel conversion for 16-bit PCM,
 * on the speexdsp resampler. Part of the audio toolkit (ript_audio).
 *
 * Channels: stereo to mono averages the two channels (before resampling, so
 * only one channel is filtered); mono to stereo duplicates the channel
 * (after resampling). Samples are interleaved, left first; a "frame" is one
 * sample per channel.
 *
 * Memory: the ript_resampler object is allocated with the caller's
 * ript_mem, but speexdsp allocates its filter state with the C library's
 * calloc, outside ript_mem (it has no allocator hook); a failure there is
 * still reported as RIPT_ERR_NOMEM.
 *
 * Thread-safety: no shared state; one object must not be used by two
 * threads at once.
 */
#ifndef RIPT_RESAMPLE_H
#define RIPT_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"
#include "ript/mem.h"

/* Accepted sample rates, Hz. */
#define RIPT_RESAMPLER_MIN_RATE 1000u
#define RIPT_RESAMPLER_MAX_RATE 768000u
/* speexdsp quality, 0 (fastest) .. 10 (best); 5 suits speech well. */
#define RIPT_RESAMPLER_QUALITY 5

typedef struct ript_resampler ript_resampler;

/*
 * Creates a streaming converter from |in_rate| Hz, |in_channels| channels to
 * |out_rate| Hz, |out_channels| channels (channels 1 or 2, rates within
 * RIPT_RESAMPLER_MIN_RATE .. _MAX_RATE), at speexdsp |quality| (0 .. 10).
 * Equal rates bypass speexdsp (exact copy or channel mix, no delay).
 * Stores it in |*prs|. Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL |prs|, a
 * rate, channel count or quality out of range) or RIPT_ERR_NOMEM.
 */
int ript_resampler_new(ript_resampler **prs, uint32_t in_rate,
                       unsigned in_channels, uint32_t out_rate,
                       unsigned out_channels, int quality, const ript_mem *mem);

/* Frees |rs|. NULL is a no-op. */
void ript_resampler_del(ript_resampler *rs);

/*
 * The most output frames one ript_resampler_process call can produce from
 * |in_frames| input frames: in_frames * out_rate / in_rate + 2.
 */
size_t ript_resampler_out_max(const ript_resampler *rs, size_t in_frames);

/*
 * The filter's delay in output frames: an input sample comes out this many
 * frames later than its position in time would say (0 for equal rates).
 */
size_t ript_resampler_delay(const ript_resampler *rs);

/*
 * Converts |in_frames| frames from |in| (NULL only when |in_frames| is 0),
 * writing to |out|, which has room for |out_frames| frames; the filter
 * state carries over to the next call, so a stream can be fed in pieces of
 * any size. All input is consumed. |in| and |out| must not overlap.
 * Returns the number of frames written, or RIPT_ERR_INVALID_ARGUMENT (NULL
 * |rs|, NULL |in| or |out| where data is needed) or RIPT_ERR_NOBUF if
 * |out_frames| < ript_resampler_out_max(rs, in_frames) (nothing consumed).
 */
ript_ssize ript_resampler_process(ript_resampler *rs, const int16_t *in,
                                  size_t in_frames, int16_t *out,
                                  size_t out_frames);

/*
 * One-shot conversion of a whole signal: |in_frames| frames of |in| at
 * |in_rate| Hz, |in_channels| channels into a new array of |*out_frames| =
 * round(in_frames * out_rate / in_rate) frames at |out_rate|, |out_channels|
 * (allocated with |mem|; free it with ript_free(mem, ...); NULL when the
 * result is empty). The filter delay is removed, so sample i of the output
 * lines up in time with input sample i * in_rate / out_rate.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL pointer where one is needed,
 * arguments out of range as for ript_resampler_new) or RIPT_ERR_NOMEM.
 * Nothing is stored on error.
 */
int ript_resample(int16_t **out, size_t *out_frames, const int16_t *in,
                  size_t in_frames, uint32_t in_rate, unsigned in_channels,
                  uint32_t out_rate, unsigned out_channels,
                  const ript_mem *mem);

#endif /* RIPT_RESAMPLE_H */

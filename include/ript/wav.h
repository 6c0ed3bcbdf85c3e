/*
 * ript/wav.h - WAV (RIFF/WAVE) files in memory: parse to 16-bit samples,
 * write 16-bit PCM. Part of the audio toolkit (ript_audio). No file I/O: the
 * caller reads and writes the bytes.
 *
 * Accepted input (a RIFF/WAVE file with one "fmt " chunk before one "data"
 * chunk; other chunks such as LIST or fact are skipped):
 *
 *   format tag                 bits per sample   converted to int16 by
 *   1 PCM                      8 (unsigned)      (b - 128) * 256
 *   1 PCM                      16                as is
 *   1 PCM                      24, 32            keeping the high 16 bits
 *   3 IEEE float               32                x * 32768, rounded, clipped
 *   6 A-law, 7 mu-law          8                 G.711 decoding (ript/g711.h)
 *   0xFFFE EXTENSIBLE          as its subformat (PCM or IEEE float above)
 *
 * with 1 or 2 channels and a sample rate of 1 .. RIPT_WAV_MAX_RATE Hz. The
 * parser checks what makes the samples unambiguous and ignores what is
 * only informative (the byte rate, an extensible file's channel mask):
 *
 *   RIPT_ERR_PARSE  (malformed) no "RIFF"/"WAVE" magic; a RIFF size that is
 *                   below 4 or runs past the input; a chunk header or chunk
 *                   that runs past the RIFF data; a "fmt " chunk shorter than
 *                   16 bytes (40 for EXTENSIBLE, whose cbSize must be >= 22
 *                   and whose subformat GUID must be the standard
 *                   xxxxxxxx-0000-0010-8000-00AA00389B71); 0 channels; sample
 *                   rate 0; a block align other than channels x bytes per
 *                   sample; valid bits of 0 or above the container size; a
 *                   second "fmt " or "data" chunk; "data" before "fmt ";
 *                   a data size that is not a multiple of the block align;
 *                   no "fmt " or no "data" chunk.
 *   RIPT_ERR_RANGE  (well-formed, not supported) another format tag or
 *                   subformat; a bit depth the table above does not list;
 *                   more than 2 channels; a rate above RIPT_WAV_MAX_RATE.
 *
 * Both fill the ript_parse_error with the offset of the offending field
 * (for a missing chunk: the end of the RIFF data) and what was expected.
 * The parser never reads outside [data, data + len). An odd-sized chunk is
 * followed by a pad byte, which may be missing only at the very end.
 *
 * Thread-safety: no shared state; distinct ript_wav structs may be used
 * from different threads.
 */
#ifndef RIPT_WAV_H
#define RIPT_WAV_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"

/* Format tags (the "fmt " chunk's first field). */
#define RIPT_WAV_FORMAT_PCM 1u
#define RIPT_WAV_FORMAT_FLOAT 3u
#define RIPT_WAV_FORMAT_ALAW 6u
#define RIPT_WAV_FORMAT_MULAW 7u
#define RIPT_WAV_FORMAT_EXTENSIBLE 0xFFFEu

/* Highest sample rate accepted or written, Hz. */
#define RIPT_WAV_MAX_RATE 768000u
/* Most channels accepted or written. */
#define RIPT_WAV_MAX_CHANNELS 2u

/*
 * A parsed file. Embed it; ript_wav_parse fills it and ript_wav_free
 * releases it. Treat the fields as read-only.
 */
typedef struct ript_wav {
  uint32_t rate;     /* frames per second */
  unsigned channels; /* 1 or 2 */
  unsigned format;   /* RIPT_WAV_FORMAT_PCM, _FLOAT, _ALAW or _MULAW; an
                        EXTENSIBLE file gives its subformat here */
  unsigned bits;     /* bits per sample in the file (the container size) */
  size_t frames;     /* samples per channel */
  int16_t *samples;  /* frames * channels samples, interleaved (left first);
                        NULL when |frames| is 0 */
  const ript_mem *mem;
} ript_wav;

/*
 * Parses the |len| bytes at |data| (NULL only when |len| is 0) into |wav|
 * (overwritten), allocating the samples with |mem| (NULL: default). |err|
 * may be NULL. Returns 0 or:
 *   RIPT_ERR_PARSE, RIPT_ERR_RANGE   as described above, with |err| filled;
 *   RIPT_ERR_INVALID_ARGUMENT        NULL |wav|, NULL |data| with |len| > 0;
 *   RIPT_ERR_NOMEM.
 * On error |wav| holds nothing to free (ript_wav_free is harmless).
 */
int ript_wav_parse(ript_wav *wav, const uint8_t *data, size_t len,
                   ript_parse_error *err, const ript_mem *mem);

/* Frees the samples of |wav| and zeroes it. NULL is a no-op; twice is
 * harmless. */
void ript_wav_free(ript_wav *wav);

/* The length of the canonical header ript_wav_write puts before the
 * samples. */
#define RIPT_WAV_HEADER_LEN 44u

/*
 * Writes the canonical header of a 16-bit PCM file of |frames| frames of
 * |channels| (1 or 2) at |rate| Hz into the RIPT_WAV_HEADER_LEN bytes at
 * |header|: what ript_wav_write puts before the samples. A file written in
 * pieces (samples appended, then this header rewritten with the new size)
 * is a valid file after every piece. Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (NULL |header|, |channels| or |rate| out of
 * range) or RIPT_ERR_RANGE (the data does not fit a RIFF file).
 */
int ript_wav_header(uint8_t *header, uint64_t frames, unsigned channels,
                    uint32_t rate);

/*
 * Reads back the RIPT_WAV_HEADER_LEN bytes at |header|: 0 with the
 * channels, rate and frames it gives when they are exactly what
 * ript_wav_header writes, RIPT_ERR_PARSE for any other bytes (another
 * layout, format or bit depth: use ript_wav_parse on whole files), or
 * RIPT_ERR_INVALID_ARGUMENT (a NULL argument).
 */
int ript_wav_header_parse(const uint8_t *header, unsigned *channels,
                          uint32_t *rate, uint64_t *frames);

/*
 * Appends a canonical 44-byte-header WAV file to |out|: format 1 (PCM),
 * 16 bits, |channels| (1 or 2) interleaved channels at |rate| Hz (1 ..
 * RIPT_WAV_MAX_RATE), with |frames| frames from |samples| (NULL only when
 * |frames| is 0). Returns 0 or:
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |out|, NULL |samples| with |frames| > 0,
 *                              |channels| not 1 or 2, |rate| out of range;
 *   RIPT_ERR_RANGE             the data does not fit a RIFF file (4 GiB);
 *   RIPT_ERR_NOMEM             (|out| is then unchanged).
 */
int ript_wav_write(ript_buf *out, const int16_t *samples, size_t frames,
                   unsigned channels, uint32_t rate);

#endif /* RIPT_WAV_H */

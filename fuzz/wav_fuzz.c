/*
 * Fuzzes the WAV parser. A parsed file must write back as 16-bit PCM that
 * parses again to the same samples, rate and channels; a refused one must
 * say where and why, within the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/wav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_wav wav;
  ript_parse_error err = {0, NULL};
  int rv = ript_wav_parse(&wav, data, size, &err, NULL);
  if (rv != 0) {
    if ((rv != RIPT_ERR_PARSE && rv != RIPT_ERR_RANGE) || err.offset > size ||
        !err.expected || wav.samples)
      abort();
    return 0;
  }
  if (wav.channels < 1 || wav.channels > RIPT_WAV_MAX_CHANNELS ||
      wav.rate < 1 || wav.rate > RIPT_WAV_MAX_RATE ||
      (wav.frames > 0) != (wav.samples != NULL))
    abort();
  ript_buf out;
  ript_buf_init(&out, NULL);
  if (ript_wav_write(&out, wav.samples, wav.frames, wav.channels, wav.rate) !=
      0)
    abort();
  ript_wav again;
  if (ript_wav_parse(&again, out.data, out.len, NULL, NULL) != 0 ||
      again.rate != wav.rate || again.channels != wav.channels ||
      again.frames != wav.frames || again.format != RIPT_WAV_FORMAT_PCM ||
      again.bits != 16 ||
      (wav.frames > 0 &&
       memcmp(again.samples, wav.samples,
              wav.frames * wav.channels * sizeof(int16_t)) != 0))
    abort();
  ript_wav_free(&again);
  ript_wav_free(&wav);
  ript_buf_free(&out);
  return 0;
}

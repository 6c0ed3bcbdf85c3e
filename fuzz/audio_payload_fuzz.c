/*
 * Fuzzes the media payload decoders. The first byte picks one: CN and
 * telephone-event payloads must re-encode to the input (the R bit aside);
 * G.711 and opus payloads go through ript_audio_decode, which must stay
 * within the room it is given; telephone-event payloads also feed a
 * receiver, which may report each (timestamp, event) only once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_cn(const uint8_t *data, size_t size) {
  ript_cn_payload cn;
  ript_parse_error err;
  int rv = ript_cn_decode(&cn, data, size, &err);
  if (rv != 0) {
    if ((rv != RIPT_ERR_PARSE && rv != RIPT_ERR_LIMIT) || err.offset > size)
      abort();
    return;
  }
  uint8_t out[1 + RIPT_CN_MAX_ORDER];
  if (ript_cn_encode(&cn, out, sizeof(out)) != (ript_ssize)size ||
      memcmp(out, data, size) != 0)
    abort();
  int16_t pcm[64];
  ript_cn_generator g;
  ript_cn_generator_init(&g, size);
  if (ript_cn_generate(&g, cn.level, pcm, 64) != 0)
    abort();
}

static void fuzz_dtmf(const uint8_t *data, size_t size) {
  ript_dtmf_receiver rx;
  ript_dtmf_receiver_init(&rx);
  /* Records of 2 timestamp bytes + 4 payload bytes. */
  for (size_t pos = 0; pos + 6 <= size; pos += 6) {
    ript_dtmf_event ev;
    if (ript_dtmf_decode(&ev, data + pos + 2, 4, NULL) != 0)
      abort();
    uint8_t out[4];
    if (ript_dtmf_encode(&ev, out, 4) != 4 || out[0] != data[pos + 2] ||
        out[1] != (data[pos + 3] & 0xBF) ||
        memcmp(out + 2, data + pos + 4, 2) != 0)
      abort();
    int64_t ts = data[pos] << 8 | data[pos + 1];
    int first = ript_dtmf_receiver_push(&rx, ts, &ev);
    if (first < 0 || ript_dtmf_receiver_push(&rx, ts, &ev) != 0)
      abort();
  }
  ript_dtmf_event ev;
  ript_parse_error err;
  int rv = ript_dtmf_decode(&ev, data, size, &err);
  if ((size == 4) != (rv == 0) || (rv != 0 && err.offset > size))
    abort();
}

static void fuzz_decode(uint32_t pt, uint8_t shape, const uint8_t *data,
                        size_t size) {
  static const uint32_t rates[] = {8000, 12000, 16000, 24000, 48000};
  ript_audio_config cfg = {pt,   rates[shape % 5], 1u + (shape >> 7), 20, 0,
                           false};
  ript_audio_decoder *dec;
  if (ript_audio_decoder_new(&dec, &cfg, NULL) != 0)
    abort();
  size_t cap = ript_audio_decoder_max_frames(dec);
  unsigned ch = ript_audio_decoder_format(dec)->channels;
  int16_t *pcm = malloc(cap * ch * sizeof(int16_t));
  if (!pcm)
    abort();
  /* The input is several payloads, each after a length byte; 0 is a loss. */
  size_t pos = 0;
  while (pos < size) {
    size_t len = data[pos++];
    if (len > size - pos)
      len = size - pos;
    ript_ssize n =
        ript_audio_decode(dec, len ? data + pos : NULL, len, pcm, cap);
    if (n > (ript_ssize)cap || (n < 0 && n != RIPT_ERR_PARSE))
      abort();
    pos += len;
  }
  free(pcm);
  ript_audio_decoder_del(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  switch (data[0] % 5) {
  case 0:
    fuzz_cn(data + 1, size - 1);
    break;
  case 1:
    fuzz_dtmf(data + 1, size - 1);
    break;
  case 2:
    fuzz_decode(RIPT_PT_PCMU, data[1], data + 2, size - 2);
    break;
  case 3:
    fuzz_decode(RIPT_PT_PCMA, data[1], data + 2, size - 2);
    break;
  default:
    fuzz_decode(RIPT_PT_OPUS, data[1], data + 2, size - 2);
    break;
  }
  return 0;
}

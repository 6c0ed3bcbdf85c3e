/*
 * The codec interface: G.711 by ript/g711.h, opus by libopus, behind one
 * encoder and one decoder type.
 */
#include <limits.h>
#include <string.h>

#include <opus.h>

#include "ript/audio.h"
#include "ript/codec.h"
#include "ript_mem.h"

#define AUDIO_G711_RATE 8000u
#define AUDIO_G711_BITRATE 64000u
#define AUDIO_DEFAULT_FRAME_MS 20u
#define AUDIO_OPUS_KBPS_PER_CHANNEL 32u
#define AUDIO_OPUS_MIN_KBPS 6u
#define AUDIO_OPUS_MAX_KBPS 510u
/* G.711 concealment: the attenuation doubles per loss; silence after this. */
#define AUDIO_G711_PLC_MAX_LOSSES 4u
/* The longest G.711 frame, samples (8 kHz mono). */
#define AUDIO_G711_MAX_FRAME (AUDIO_G711_RATE * RIPT_AUDIO_MAX_FRAME_MS / 1000)

struct ript_audio_encoder {
  const ript_mem *mem;
  ript_audio_format fmt;
  OpusEncoder *opus; /* NULL for G.711 */
};

struct ript_audio_decoder {
  const ript_mem *mem;
  ript_audio_format fmt;
  OpusDecoder *opus; /* NULL for G.711 */
  /* G.711 concealment: the last decoded frame and the losses since. */
  int16_t last[AUDIO_G711_MAX_FRAME];
  size_t last_len;
  unsigned losses;
};

/* A parameter the codec gives explicitly, clamped to 1 .. UINT32_MAX (the
 * registry already keeps sr, ch, ptime, br >= 1), or 0 if not given. */
static uint32_t audio_param(const ript_advert_codec *codec, const char *name) {
  const ript_advert_param *p = ript_advert_find_param(codec, name);
  if (!p || p->value < 1)
    return 0;
  return p->value > UINT32_MAX ? UINT32_MAX : (uint32_t)p->value;
}

int ript_audio_config_from_codec(ript_audio_config *cfg,
                                 const ript_advert_codec *codec) {
  if (!cfg || !codec)
    return RIPT_ERR_INVALID_ARGUMENT;
  const ript_codec_info *info = codec->info;
  if (!info || (info->payload_type != RIPT_PT_PCMU &&
                info->payload_type != RIPT_PT_PCMA &&
                info->payload_type != RIPT_PT_OPUS))
    return RIPT_ERR_RANGE;
  memset(cfg, 0, sizeof(*cfg));
  cfg->payload_type = info->payload_type;
  cfg->sample_rate = audio_param(codec, "sr");
  uint32_t ch = audio_param(codec, "ch");
  uint32_t ptime = audio_param(codec, "ptime");
  cfg->channels = ch > UINT_MAX ? UINT_MAX : (unsigned)ch;
  cfg->ptime = ptime > UINT_MAX ? UINT_MAX : (unsigned)ptime;
  /* UINT32_MAX kbit/s here means "larger than 32 bits", i.e. unbounded. */
  uint32_t br = audio_param(codec, "br");
  cfg->bitrate = br == UINT32_MAX ? 0 : br;
  cfg->cbr = ript_advert_param_value(codec, "cbr") != 0;
  return 0;
}

int ript_audio_stream_from_directive(ript_audio_stream *s,
                                     const ript_advert *directive) {
  if (!s || !directive)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(s, 0, sizeof(*s));
  if (!directive->nentries || !directive->entries[0].ncodecs)
    return RIPT_ERR_NO_COMMON_MEDIA;
  const ript_advert_entry *e = &directive->entries[0];
  int rv = ript_audio_config_from_codec(&s->cfg, &e->codecs[0]);
  if (rv != 0)
    return rv;
  s->source = e->id;
  s->sink = e->sink;
  s->codec = e->codecs[0].info->name;
  for (size_t i = 1; i < e->ncodecs; ++i) {
    uint32_t pt = e->codecs[i].info ? e->codecs[i].info->payload_type : 0;
    s->telephone_event |= pt == RIPT_PT_TELEPHONE_EVENT;
    s->cn |= pt == RIPT_PT_CN;
  }
  return 0;
}

int ript_audio_stream_parse(ript_audio_stream *s, const char *text,
                            const ript_mem *mem) {
  if (!s)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(s, 0, sizeof(*s));
  if (!text || !*text)
    return RIPT_ERR_NO_COMMON_MEDIA;
  ript_advert *dir = NULL;
  int rv = ript_advert_parse(&dir, text, strlen(text),
                             RIPT_ADVERT_KIND_DIRECTIVE, NULL, mem);
  if (rv == 0)
    rv = ript_audio_stream_from_directive(s, dir);
  ript_advert_del(dir);
  return rv;
}

/* Largest entry of |allowed| (ascending, |n| > 0) <= |want|, else the
 * smallest; |want| 0 gives |def|. */
static unsigned audio_pick(const unsigned *allowed, size_t n, uint32_t want,
                           unsigned def) {
  if (want == 0)
    return def;
  unsigned best = allowed[0];
  for (size_t i = 1; i < n; ++i)
    if (allowed[i] <= want)
      best = allowed[i];
  return best;
}

static void audio_format_opus(ript_audio_format *fmt,
                              const ript_audio_config *cfg) {
  static const unsigned rates[] = {8000, 12000, 16000, 24000, 48000};
  static const unsigned frames[] = {10, 20, 40, 60};
  fmt->rate = audio_pick(rates, 5, cfg->sample_rate, 48000);
  fmt->channels = cfg->channels >= 2 ? 2 : 1;
  fmt->frame_ms = audio_pick(frames, 4, cfg->ptime, AUDIO_DEFAULT_FRAME_MS);
  uint32_t kbps = cfg->bitrate;
  if (kbps == 0)
    kbps = AUDIO_OPUS_KBPS_PER_CHANNEL * fmt->channels;
  if (kbps < AUDIO_OPUS_MIN_KBPS)
    kbps = AUDIO_OPUS_MIN_KBPS;
  if (kbps > AUDIO_OPUS_MAX_KBPS)
    kbps = AUDIO_OPUS_MAX_KBPS;
  fmt->bitrate = kbps * 1000;
  fmt->cbr = cfg->cbr;
}

int ript_audio_format_choose(ript_audio_format *fmt,
                             const ript_audio_config *cfg) {
  if (!fmt || !cfg)
    return RIPT_ERR_INVALID_ARGUMENT;
  memset(fmt, 0, sizeof(*fmt));
  fmt->payload_type = cfg->payload_type;
  switch (cfg->payload_type) {
  case RIPT_PT_PCMU:
  case RIPT_PT_PCMA:
    fmt->rate = AUDIO_G711_RATE;
    fmt->channels = 1;
    fmt->frame_ms = cfg->ptime == 0 ? AUDIO_DEFAULT_FRAME_MS
                    : cfg->ptime > RIPT_AUDIO_MAX_FRAME_MS
                        ? RIPT_AUDIO_MAX_FRAME_MS
                        : cfg->ptime;
    fmt->bitrate = AUDIO_G711_BITRATE;
    fmt->cbr = true;
    break;
  case RIPT_PT_OPUS:
    audio_format_opus(fmt, cfg);
    break;
  default:
    return RIPT_ERR_RANGE;
  }
  fmt->frame_size = (size_t)fmt->rate * fmt->frame_ms / 1000;
  return 0;
}

static int audio_opus_encoder(ript_audio_encoder *enc) {
  const ript_audio_format *fmt = &enc->fmt;
  int size = opus_encoder_get_size((int)fmt->channels);
  enc->opus = ript_mem_malloc(enc->mem, (size_t)size);
  if (!enc->opus)
    return RIPT_ERR_NOMEM;
  /* With the rate and channels chosen above these calls cannot fail. */
  opus_encoder_init(enc->opus, (opus_int32)fmt->rate, (int)fmt->channels,
                    OPUS_APPLICATION_VOIP);
  opus_encoder_ctl(enc->opus, OPUS_SET_BITRATE((opus_int32)fmt->bitrate));
  opus_encoder_ctl(enc->opus, OPUS_SET_VBR(fmt->cbr ? 0 : 1));
  return 0;
}

int ript_audio_encoder_new(ript_audio_encoder **penc,
                           const ript_audio_config *cfg, const ript_mem *mem) {
  if (!penc || !cfg)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_audio_format fmt;
  int rv = ript_audio_format_choose(&fmt, cfg);
  if (rv != 0)
    return rv;
  ript_audio_encoder *enc = ript_mem_calloc(mem, 1, sizeof(*enc));
  if (!enc)
    return RIPT_ERR_NOMEM;
  enc->mem = mem;
  enc->fmt = fmt;
  if (fmt.payload_type == RIPT_PT_OPUS && (rv = audio_opus_encoder(enc)) != 0) {
    ript_audio_encoder_del(enc);
    return rv;
  }
  *penc = enc;
  return 0;
}

void ript_audio_encoder_del(ript_audio_encoder *enc) {
  if (!enc)
    return;
  ript_mem_free(enc->mem, enc->opus);
  ript_mem_free(enc->mem, enc);
}

const ript_audio_format *
ript_audio_encoder_format(const ript_audio_encoder *enc) {
  return enc ? &enc->fmt : NULL;
}

ript_ssize ript_audio_encode(ript_audio_encoder *enc, const int16_t *pcm,
                             size_t frames, uint8_t *out, size_t outlen) {
  if (!enc || !pcm || !out || frames != enc->fmt.frame_size)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (enc->opus) {
    if (outlen == 0)
      return RIPT_ERR_NOBUF;
    opus_int32 cap = outlen > RIPT_AUDIO_MAX_PACKET
                         ? (opus_int32)RIPT_AUDIO_MAX_PACKET
                         : (opus_int32)outlen;
    opus_int32 n = opus_encode(enc->opus, pcm, (int)frames, out, cap);
    /* The frame size and buffer were checked: only a full buffer is left. */
    return n < 0 ? RIPT_ERR_NOBUF : (ript_ssize)n;
  }
  if (outlen < frames)
    return RIPT_ERR_NOBUF;
  if (enc->fmt.payload_type == RIPT_PT_PCMU)
    ript_g711_ulaw_encode_block(out, pcm, frames);
  else
    ript_g711_alaw_encode_block(out, pcm, frames);
  return (ript_ssize)frames;
}

int ript_audio_decoder_new(ript_audio_decoder **pdec,
                           const ript_audio_config *cfg, const ript_mem *mem) {
  if (!pdec || !cfg)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_audio_format fmt;
  int rv = ript_audio_format_choose(&fmt, cfg);
  if (rv != 0)
    return rv;
  ript_audio_decoder *dec = ript_mem_calloc(mem, 1, sizeof(*dec));
  if (!dec)
    return RIPT_ERR_NOMEM;
  dec->mem = mem;
  dec->fmt = fmt;
  if (fmt.payload_type == RIPT_PT_OPUS) {
    dec->opus =
        ript_mem_malloc(mem, (size_t)opus_decoder_get_size((int)fmt.channels));
    if (!dec->opus) {
      ript_mem_free(mem, dec);
      return RIPT_ERR_NOMEM;
    }
    opus_decoder_init(dec->opus, (opus_int32)fmt.rate, (int)fmt.channels);
  }
  *pdec = dec;
  return 0;
}

void ript_audio_decoder_del(ript_audio_decoder *dec) {
  if (!dec)
    return;
  ript_mem_free(dec->mem, dec->opus);
  ript_mem_free(dec->mem, dec);
}

const ript_audio_format *
ript_audio_decoder_format(const ript_audio_decoder *dec) {
  return dec ? &dec->fmt : NULL;
}

size_t ript_audio_decoder_max_frames(const ript_audio_decoder *dec) {
  return dec ? (size_t)dec->fmt.rate * RIPT_AUDIO_MAX_FRAME_MS / 1000 : 0;
}

static ript_ssize audio_decode_opus(ript_audio_decoder *dec,
                                    const uint8_t *data, size_t len,
                                    int16_t *pcm, size_t frames) {
  int need;
  if (data) {
    if (len > INT32_MAX)
      return RIPT_ERR_PARSE;
    need = opus_decoder_get_nb_samples(dec->opus, data, (opus_int32)len);
    if (need <= 0) /* an invalid packet, or one without frames */
      return RIPT_ERR_PARSE;
  } else {
    opus_int32 last = 0;
    opus_decoder_ctl(dec->opus, OPUS_GET_LAST_PACKET_DURATION(&last));
    need = last > 0 ? (int)last : (int)dec->fmt.frame_size;
  }
  if ((size_t)need > frames)
    return RIPT_ERR_NOBUF;
  /* With the room checked above, any failure is the packet's fault. */
  int n = opus_decode(dec->opus, data, (opus_int32)len, pcm, need, 0);
  return n < 0 ? RIPT_ERR_PARSE : (ript_ssize)n;
}

/* G.711 concealment: the last frame, halved once more per loss in a row,
 * then silence. */
static ript_ssize audio_conceal_g711(ript_audio_decoder *dec, int16_t *pcm,
                                     size_t frames) {
  size_t n = dec->last_len ? dec->last_len : dec->fmt.frame_size;
  if (n > frames)
    return RIPT_ERR_NOBUF;
  if (dec->losses <= AUDIO_G711_PLC_MAX_LOSSES)
    ++dec->losses;
  bool silent = dec->last_len == 0 || dec->losses > AUDIO_G711_PLC_MAX_LOSSES;
  for (size_t i = 0; i < n; ++i)
    pcm[i] = silent ? 0 : (int16_t)(dec->last[i] / (1 << dec->losses));
  return (ript_ssize)n;
}

ript_ssize ript_audio_decode(ript_audio_decoder *dec, const uint8_t *data,
                             size_t len, int16_t *pcm, size_t frames) {
  if (!dec || !pcm || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (data && len == 0)
    return RIPT_ERR_PARSE;
  if (dec->opus)
    return audio_decode_opus(dec, data, len, pcm, frames);
  if (!data)
    return audio_conceal_g711(dec, pcm, frames);
  if (len > AUDIO_G711_MAX_FRAME)
    return RIPT_ERR_PARSE;
  if (len > frames)
    return RIPT_ERR_NOBUF;
  if (dec->fmt.payload_type == RIPT_PT_PCMU)
    ript_g711_ulaw_decode_block(pcm, data, len);
  else
    ript_g711_alaw_decode_block(pcm, data, len);
  memcpy(dec->last, pcm, len * sizeof(int16_t));
  dec->last_len = len;
  dec->losses = 0;
  return (ript_ssize)len;
}

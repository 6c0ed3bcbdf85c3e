/*
 * ript/audio.h - libript's audio toolkit (the ript_audio library): one
 * encoder/decoder interface over the audio codecs a RIPT endpoint must
 * support (PCMU, PCMA, opus), configured from a negotiated directive.
 *
 * The toolkit is sans-I/O like the core: no files, sockets or clocks. Its
 * other headers, all included here:
 *   ript/g711.h      G.711 mu-law and A-law
 *   ript/wav.h       WAV files in memory
 *   ript/resample.h  sample rate and channel conversion (speexdsp)
 *   ript/dtmf.h      RFC 4733 telephone-events: payloads, sender, receiver
 *   ript/cn.h        RFC 3389 comfort noise, voice activity, RFC 6464 level
 *   ript/jitter.h    the playout (jitter) buffer
 *   ript/align.h     lag and similarity of a recording and its reference
 * docs/examples/audio.md describes each piece with worked examples.
 *
 * Sending one stream: ript_audio_config_from_codec on the directive entry's
 * main codec, ript_audio_encoder_new, then per frame convert the source to
 * the encoder's format (ript/resample.h) and ript_audio_encode; the bytes are
 * the media of one chunk, whose timestamp is the frame's first sample.
 * Receiving: ript_audio_decoder_new from the same configuration, then
 * ript_audio_decode per chunk, in the order the playout buffer releases
 * them, and ript_audio_decode with NULL for each gap it reports.
 *
 * Codec choices from the directive's parameters (each a maximum):
 *
 *   parameter  PCMU / PCMA                     opus
 *   sr         ignored: always 8000 Hz         largest of 8000, 12000, 16000,
 *                                              24000, 48000 <= sr (8000 if
 *                                              sr is lower); default 48000
 *   ch         ignored: always 1               2 if ch >= 2, else 1
 *   ptime      frame = ptime ms (at most 120); largest of 10, 20, 40, 60 ms
 *              default 20 ms                   <= ptime (10 if lower);
 *                                              default 20 ms
 *   br         ignored: always 64 kbit/s       br clamped to 6 .. 510 kbit/s;
 *                                              unbounded: 32 kbit/s per
 *                                              channel
 *   cbr        always constant                 cbr=1: constant bit rate
 *   ss         ignored: PCM is always 16-bit
 *
 * Opus runs in VoIP mode with libopus defaults otherwise (in-band FEC and
 * DTX off). A decoder accepts opus packets of any frame size up to 120 ms
 * and G.711 payloads of any length; decoding with no payload conceals one
 * lost frame: opus runs its packet loss concealment for the duration of
 * the last packet, G.711 repeats the last frame at half the amplitude of
 * the frame before (silence from the fifth loss in a row on).
 *
 * Memory: objects and the opus state are allocated with the caller's
 * ript_mem.
 *
 * Thread-safety: no shared state; one encoder or decoder must not be used
 * by two threads at once.
 */
#ifndef RIPT_AUDIO_H
#define RIPT_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/advert.h"
#include "ript/align.h"
#include "ript/cn.h"
#include "ript/dtmf.h"
#include "ript/error.h"
#include "ript/g711.h"
#include "ript/jitter.h"
#include "ript/mem.h"
#include "ript/resample.h"
#include "ript/wav.h"

/* The largest encoded frame ript_audio_encode produces, bytes. */
#define RIPT_AUDIO_MAX_PACKET 4000u
/* The longest frame a decoder outputs from one payload, ms (opus allows 120
 * ms packets; a G.711 payload longer than this is refused). */
#define RIPT_AUDIO_MAX_FRAME_MS 120u

/*
 * A stream's codec as a directive gives it. Zero in a field means the
 * directive does not give the parameter, so the codec's default applies.
 */
typedef struct ript_audio_config {
  uint32_t payload_type; /* RIPT_PT_PCMU, RIPT_PT_PCMA or RIPT_PT_OPUS */
  uint32_t sample_rate;  /* sr, Hz */
  unsigned channels;     /* ch */
  unsigned ptime;        /* ptime, ms */
  uint32_t bitrate;      /* br, kbit/s (0 also for unbounded) */
  bool cbr;              /* cbr=1 */
} ript_audio_config;

/* What a codec will actually do with a configuration (see the table). */
typedef struct ript_audio_format {
  uint32_t payload_type;
  uint32_t rate;     /* Hz of the PCM going in and coming out */
  unsigned channels; /* 1 or 2, interleaved */
  unsigned frame_ms; /* duration of one encoded frame */
  size_t frame_size; /* samples per channel in one frame */
  uint32_t bitrate;  /* bit/s */
  bool cbr;
} ript_audio_format;

/*
 * Fills |cfg| (overwritten) from a codec of a parsed directive entry: its
 * payload type from the registry, and sr, ch, ptime, br, cbr when the codec
 * gives them (values above 32 bits count as unbounded: 0).
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL argument) or RIPT_ERR_RANGE
 * (the codec is not PCMU, PCMA or opus: libript cannot code it).
 */
int ript_audio_config_from_codec(ript_audio_config *cfg,
                                 const ript_advert_codec *codec);

/* The first stream of a directive, as one end of a one-stream audio call
 * uses it: what to code, where from and to, which auxiliary payloads it
 * may carry. */
typedef struct ript_audio_stream {
  uint8_t source, sink;
  ript_audio_config cfg; /* from the main codec */
  const char *codec;     /* the main codec's registry name (static) */
  bool telephone_event;  /* the stream lists telephone-event */
  bool cn;               /* the stream lists CN */
} ript_audio_stream;

/*
 * Fills |s| from the first entry of the parsed |directive|. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument), RIPT_ERR_NO_COMMON_MEDIA (no
 * stream: an empty directive, or an entry without codecs) or
 * RIPT_ERR_RANGE (the main codec is not one libript codes).
 */
int ript_audio_stream_from_directive(ript_audio_stream *s,
                                     const ript_advert *directive);

/* The same from directive text (NULL or "" has no stream), parsed with
 * |mem| (NULL: default); also RIPT_ERR_PARSE and RIPT_ERR_NOMEM. */
int ript_audio_stream_parse(ript_audio_stream *s, const char *text,
                            const ript_mem *mem);

/*
 * Fills |fmt| with the format an encoder or decoder made from |cfg| uses.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL argument) or RIPT_ERR_RANGE
 * (a payload type other than PCMU, PCMA, opus).
 */
int ript_audio_format_choose(ript_audio_format *fmt,
                             const ript_audio_config *cfg);

typedef struct ript_audio_encoder ript_audio_encoder;

/*
 * Creates an encoder for |cfg| (copied) and stores it in |*penc|. Returns
 * 0, RIPT_ERR_INVALID_ARGUMENT (NULL |penc| or |cfg|), RIPT_ERR_RANGE (as
 * ript_audio_format_choose) or RIPT_ERR_NOMEM.
 */
int ript_audio_encoder_new(ript_audio_encoder **penc,
                           const ript_audio_config *cfg, const ript_mem *mem);

/* Frees |enc|. NULL is a no-op. */
void ript_audio_encoder_del(ript_audio_encoder *enc);

/* The encoder's format; valid until the encoder is freed. */
const ript_audio_format *
ript_audio_encoder_format(const ript_audio_encoder *enc);

/*
 * Encodes one frame: |frames| (must be the format's frame_size) frames of
 * interleaved PCM at the format's rate and channel count, into |out|
 * (|outlen| bytes). G.711 writes one byte per sample. Opus writes at most
 * |outlen| bytes: libopus lowers a frame's quality to fit a smaller buffer
 * (down to a 1-byte packet, which the receiver conceals), and
 * RIPT_AUDIO_MAX_PACKET never constrains it. Returns the number of bytes
 * written, or RIPT_ERR_INVALID_ARGUMENT (NULL argument, a wrong |frames|)
 * or RIPT_ERR_NOBUF (G.711: |outlen| below the frame size; opus: 0).
 */
ript_ssize ript_audio_encode(ript_audio_encoder *enc, const int16_t *pcm,
                             size_t frames, uint8_t *out, size_t outlen);

typedef struct ript_audio_decoder ript_audio_decoder;

/*
 * Creates a decoder for |cfg| (copied) and stores it in |*pdec|. Returns as
 * ript_audio_encoder_new.
 */
int ript_audio_decoder_new(ript_audio_decoder **pdec,
                           const ript_audio_config *cfg, const ript_mem *mem);

/* Frees |dec|. NULL is a no-op. */
void ript_audio_decoder_del(ript_audio_decoder *dec);

/* The decoder's output format (rate, channels; frame_size is the frame
 * concealed before any payload was decoded). Valid until freed. */
const ript_audio_format *
ript_audio_decoder_format(const ript_audio_decoder *dec);

/* Frames of room that always suffice for one ript_audio_decode output:
 * RIPT_AUDIO_MAX_FRAME_MS of audio at the decoder's rate. */
size_t ript_audio_decoder_max_frames(const ript_audio_decoder *dec);

/*
 * Decodes the payload |data| (|len| bytes) of one media chunk into |pcm|,
 * which has room for |frames| frames of the decoder's channel count. With
 * |data| NULL (and |len| 0) conceals one lost frame instead.
 * Returns the number of frames written, or
 *   RIPT_ERR_PARSE             an empty payload, an invalid opus packet, a
 *                              G.711 payload over RIPT_AUDIO_MAX_FRAME_MS;
 *   RIPT_ERR_NOBUF             |frames| is too small for the payload;
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |dec| or |pcm|, NULL |data| with |len|
 *                              > 0.
 * A payload refused with RIPT_ERR_PARSE or RIPT_ERR_NOBUF leaves the
 * decoder as it was.
 */
ript_ssize ript_audio_decode(ript_audio_decoder *dec, const uint8_t *data,
                             size_t len, int16_t *pcm, size_t frames);

#endif /* RIPT_AUDIO_H */

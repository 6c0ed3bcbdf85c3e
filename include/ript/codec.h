/*
 * ript/codec.h - the codec registry and the codec parameter registry.
 *
 * RIPT has no dynamic payload types (draft-rosenberg-dispatch-ript-00 §8.7):
 * media chunks are self-describing, so every codec has one fixed payload type
 * number, the same in every call. The numbers keep RTP's static payload types
 * where those exist, so that a SIP gateway maps them trivially:
 *
 *   name             media  payload type  auxiliary
 *   PCMU             audio    0
 *   PCMA             audio    8
 *   G722             audio    9
 *   CN               audio   13           yes (comfort noise, RFC 3389)
 *   G729             audio   18
 *   opus             audio  100
 *   telephone-event  audio  101           yes (DTMF, RFC 4733)
 *   H264             video  110
 *   VP8              video  111
 *   VP9              video  112
 *   AV1              video  113
 *   H265             video  114
 *
 * Codec names are media subtypes, which are case-insensitive; the registry
 * spelling above is the canonical one that printers use. An auxiliary codec
 * travels alongside a main codec and can never be the main codec of a stream.
 *
 * The parameter registry (draft §9.6) lists, for each registered codec
 * parameter, its default and valid range. Every value is a maximum of some
 * sort, so negotiation combines two values with min() unless the parameter
 * says otherwise (RIPT_CODEC_PARAM_FLAG_COMBINE_MAX):
 *
 *   name        media  default     valid range       notes
 *   sr          audio  48000       >= 1              sample rate, Hz
 *   ss          audio  16          >= 8              sample size, bits
 *   cbr         audio  0           0 or 1            1: constant bit rate only;
 *                                                    combined with max()
 *   ch          audio  1           >= 1              maximum channel count
 *   ptime       audio  30          >= 1              ms of media per chunk
 *   fps         video  30          >= 1              frames per second
 *   max-width   video  1920        >= 1              pixels
 *   max-height  video  1080        >= 1              pixels
 *   pr          video  INT64_MAX   >= 1              pixels per second
 *   depth       video  8           >= 1              bits per pixel
 *   tlay        video  1           >= 1              temporal layers
 *   slay        video  1           >= 1              spatial layers
 *   br          both   INT64_MAX   >= 1              kbit/s
 *
 * Aliases accepted on input: max-res (the draft's name, "the max width in
 * pixels") means max-width; max-fps (used in the draft's examples) means fps.
 * "Unbounded" (the draft's 2^64-1, which does not fit its own value range)
 * is INT64_MAX. Registered parameters apply by name to any codec; the media
 * column is documentation. Any other parameter name is unregistered: a
 * flag-like capability with default 0, combined with min().
 *
 * Thread-safety: the registries are immutable; every function here is pure
 * and may be called from any thread.
 */
#ifndef RIPT_CODEC_H
#define RIPT_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The media type of a codec or of an advertisement entry. */
typedef enum ript_codec_media {
  RIPT_CODEC_MEDIA_UNKNOWN = 0, /* not in the registry, or "both" */
  RIPT_CODEC_MEDIA_AUDIO = 1,
  RIPT_CODEC_MEDIA_VIDEO = 2
} ript_codec_media;

/* Fixed payload type numbers (the table above). */
#define RIPT_PT_PCMU 0u
#define RIPT_PT_PCMA 8u
#define RIPT_PT_G722 9u
#define RIPT_PT_CN 13u
#define RIPT_PT_G729 18u
#define RIPT_PT_OPUS 100u
#define RIPT_PT_TELEPHONE_EVENT 101u
#define RIPT_PT_H264 110u
#define RIPT_PT_VP8 111u
#define RIPT_PT_VP9 112u
#define RIPT_PT_AV1 113u
#define RIPT_PT_H265 114u

/* The codec only accompanies a main codec (telephone-event, CN). */
#define RIPT_CODEC_FLAG_AUXILIARY 0x01u

/* One registered codec. Entries are static and live forever. */
typedef struct ript_codec_info {
  const char *name;      /* canonical (registry) spelling */
  ript_codec_media media;
  uint32_t payload_type; /* the media chunk's payload type */
  uint32_t flags;        /* RIPT_CODEC_FLAG_* */
} ript_codec_info;

/*
 * Looks a codec up by its |len|-byte name, case-insensitively (no NUL
 * needed). Returns the registry entry, or NULL when the name is not
 * registered (or |name| is NULL).
 */
const ript_codec_info *ript_codec_find(const char *name, size_t len);

/* Looks a codec up by payload type. Returns the entry, or NULL if none. */
const ript_codec_info *ript_codec_find_pt(uint32_t payload_type);

/* Number of registered codecs; ript_codec_get(i) for i below it gives each
 * one in the table's order. Returns NULL when |i| is out of range. */
size_t ript_codec_count(void);
const ript_codec_info *ript_codec_get(size_t i);

/* Negotiation combines two values of this parameter with max(), not min(). */
#define RIPT_CODEC_PARAM_FLAG_COMBINE_MAX 0x01u

/* One registered codec parameter. Entries are static and live forever. */
typedef struct ript_codec_param_info {
  const char *name;       /* canonical spelling (lower case) */
  ript_codec_media media; /* UNKNOWN: applies to audio and video */
  int64_t def;            /* value when a codec does not give one */
  int64_t min;            /* valid range, inclusive */
  int64_t max;
  uint32_t flags;         /* RIPT_CODEC_PARAM_FLAG_* */
} ript_codec_param_info;

/*
 * Looks a registered parameter up by its |len|-byte name, case-insensitively,
 * resolving the aliases max-res and max-fps. Returns the entry, or NULL for
 * an unregistered name (or NULL |name|).
 */
const ript_codec_param_info *ript_codec_param_find(const char *name,
                                                   size_t len);

/* Number of registered parameters; ript_codec_param_get(i) gives each one
 * in canonical print order (the table's). NULL when |i| is out of range. */
size_t ript_codec_param_count(void);
const ript_codec_param_info *ript_codec_param_get(size_t i);

#endif /* RIPT_CODEC_H */

/*
 * server/action_audio.h - the audio plumbing echo, record and conference
 * share (docs/PROTOCOL.md decision 70): the received stream's decoder
 * behind a playout buffer, a resampler to the format the action works in,
 * the encoder of the sent stream with a FIFO of PCM waiting for it, and
 * sending a frame through the host with riptd's own timestamps.
 *
 * One riptd_audio per action, embedded; every function runs on the loop
 * and allocates with ctx->env->pool. Decoded PCM lands in env->pcm_a and
 * is converted into env->pcm_b: scratch space, valid until the next call.
 */
#ifndef RIPTD_ACTION_AUDIO_H
#define RIPTD_ACTION_AUDIO_H

#include "action.h"

typedef struct riptd_audio {
  const riptd_action_ctx *ctx;
  ript_audio_encoder *enc; /* of ctx->tx */
  ript_audio_decoder *dec; /* of ctx->rx */
  ript_jitter *jb;         /* the decoder's playout buffer */
  ript_resampler *rs_in;   /* the decoder's format to the action's */
  int16_t *fifo;           /* PCM waiting to be encoded, interleaved, at
                              the encoder's format */
  size_t fifo_len, fifo_cap; /* samples */
  int64_t out_ts;          /* timestamp of the last frame sent, 0: none */
  int64_t out_pause;       /* a pause in the sender's timestamps (ms) that
                              the next frame sent keeps (echo) */
} riptd_audio;

/* What one decoded frame becomes: |frames| frames of |pcm| at the
 * decoder's format, whose first sample the sender stamped |ts_ms|. */
typedef void riptd_audio_sink(void *data, const int16_t *pcm, size_t frames,
                              int64_t ts_ms);

/* An empty |au| for the action of |ctx|. */
void riptd_audio_init(riptd_audio *au, const riptd_action_ctx *ctx);

/* Frees the codecs and buffers: |au| is empty again. */
void riptd_audio_free(riptd_audio *au);

/* The encoder of ctx->tx. Returns 0, RIPT_ERR_RANGE (no codec riptd
 * codes) or RIPT_ERR_NOMEM. */
int riptd_audio_encoder(riptd_audio *au);

/* The decoder of ctx->rx and its playout buffer; returns as above. */
int riptd_audio_decoder(riptd_audio *au);

/* rs_in, from the decoder's format to |rate| Hz, |channels|. Returns 0 or
 * RIPT_ERR_NOMEM. */
int riptd_audio_resampler(riptd_audio *au, uint32_t rate, unsigned channels);

/* A FIFO of |samples| samples. Returns 0 or RIPT_ERR_NOMEM. */
int riptd_audio_fifo(riptd_audio *au, size_t samples);

/* Whether |frame| is of the received stream (its source and sink; a
 * stream without codec has none). */
int riptd_audio_is_rx(const riptd_audio *au, const ript_media_frame *frame);

/* Puts a frame of the received stream into the playout buffer at |now|.
 * Auxiliary payloads (telephone-events, CN) share the stream's sequence
 * numbers: they get an empty place, not taken for lost audio (decision
 * 73). */
void riptd_audio_push(riptd_audio *au, const ript_media_frame *frame,
                      int64_t now);

/* Decodes the next frame the playout buffer releases by |now| (a gap is
 * concealed) into |sink|. Returns 0 when none is due. */
int riptd_audio_pull_one(riptd_audio *au, int64_t now,
                         riptd_audio_sink *sink, void *data);

/* Everything the playout buffer releases by |now|. */
void riptd_audio_pull(riptd_audio *au, int64_t now, riptd_audio_sink *sink,
                      void *data);

/* When the playout buffer next releases something: at the soonest |now|,
 * or INT64_MAX. */
int64_t riptd_audio_next(const riptd_audio *au, int64_t now);

/* Converts |frames| frames of |pcm| at the decoder's format with rs_in,
 * into env->pcm_b at |channels|. Returns the frames there (0 on error). */
size_t riptd_audio_convert(riptd_audio *au, const int16_t *pcm,
                           size_t frames, unsigned channels);

/* Appends |n| samples of |add| to |buf| (|*len| of |cap| used); the
 * oldest give way when it is full, and more than |cap| is dropped. */
void riptd_audio_keep(int16_t *buf, size_t *len, size_t cap,
                      const int16_t *add, size_t n);

/* Encodes one frame of |pcm| at the encoder's format and sends it. */
void riptd_audio_send_pcm(riptd_audio *au, const int16_t *pcm, int64_t now);

/* Sends every whole frame waiting in the FIFO. */
void riptd_audio_flush(riptd_audio *au, int64_t now);

#endif /* RIPTD_ACTION_AUDIO_H */

/*
 * client/call_audio.h - the audio of one `ript call`, without I/O: what it
 * sends (a WAV file or silence, paced in frames, encoded as the client
 * directive says, comfort noise in silence, telephone-events) and what it
 * does with what arrives (decoded in sequence order into a recording,
 * telephone-events turned back into keys).
 *
 * Sending. Frame k of the signal is due at start + k * frame_ms; its
 * timestamp is that time. ript_cli_audio_next hands out every frame due,
 * one at a time: a telephone-event packet when one is due, else the next
 * audio frame: encoded audio, or, when the directive allows CN (RFC 3389),
 * what the voice activity detector says: a CN payload with the noise
 * level, or nothing at all for a frame of silence after it. After the end
 * of the signal the frames are silence.
 *
 * Receiving. Frames of the server directive's first stream go through a
 * playout buffer that waits up to the media replay window (so that chunks
 * replayed after a broken connection still take their place), then are
 * decoded in sequence order: a missing one is concealed by the decoder, a
 * CN payload becomes noise at its level until the next frame, and a pause
 * in the timestamps (a sender that sent nothing in silence) is filled with
 * that noise or with silence.
 *
 * Every time is wall-clock ms (the chunks' timestamps are Unix ms).
 */
#ifndef RIPT_CLI_CALL_AUDIO_H
#define RIPT_CLI_CALL_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "ript/audio.h"
#include "ript/buf.h"
#include "ript/media.h"

typedef struct ript_cli_audio ript_cli_audio;

/* The longest recording kept, seconds (an hour). */
#define RIPT_CLI_AUDIO_RECORD_MAX_S 3600

typedef struct ript_cli_audio_config {
  /* The call's directives: the client's says what is sent, the server's
   * what arrives. Only the first stream of each is used. */
  const char *client_directives;
  const char *server_directives;
  /* What to send (any rate, mono or stereo; read, not kept), or NULL for
   * silence. */
  const ript_wav *play;
  /* Keep what arrives, decoded, for ript_cli_audio_write. */
  int record;
} ript_cli_audio_config;

typedef struct ript_cli_audio_stats {
  const char *tx_codec, *rx_codec; /* registry names; NULL: no stream */
  uint32_t tx_rate, rx_rate;       /* Hz */
  unsigned tx_channels, rx_channels;
  uint64_t media_sent;   /* audio frames encoded and handed out */
  uint64_t cn_sent;      /* CN payloads handed out */
  uint64_t silent;       /* frames of silence sent as nothing (after CN) */
  uint64_t dtmf_sent;    /* telephone-event packets handed out */
  uint64_t cn_received;  /* CN payloads received */
  uint64_t concealed;    /* missing frames the decoder made up */
  uint64_t late;         /* frames that came after their turn */
  uint64_t recorded;     /* frames (per channel) decoded and kept */
} ript_cli_audio_stats;

/*
 * Sets up the audio of a call from |cfg|. Returns 0, or -1 with one line
 * in |errbuf|: a directive that does not parse, a client directive
 * without a stream or one whose codec ript cannot encode (only PCMU, PCMA
 * and opus), a server directive whose codec it cannot decode, out of
 * memory. An empty server directive means nothing arrives.
 */
int ript_cli_audio_new(ript_cli_audio **pa, const ript_cli_audio_config *cfg,
                       char *errbuf, size_t errlen);

void ript_cli_audio_del(ript_cli_audio *a);

/* The stream frames are sent on (source, sink). */
void ript_cli_audio_tx_stream(const ript_cli_audio *a, uint8_t *source,
                              uint8_t *sink);

/* Starts the signal at |wall_ms| (once; later calls do nothing). */
void ript_cli_audio_start(ript_cli_audio *a, int64_t wall_ms);

/* Nonzero once started. */
int ript_cli_audio_started(const ript_cli_audio *a);

/* Queues |digits| (keys ript_dtmf_event_code knows) as telephone-events.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (a bad key), RIPT_ERR_LIMIT (too
 * many queued) or RIPT_ERR_MISMATCH (the directive has no
 * telephone-event). */
int ript_cli_audio_dtmf(ript_cli_audio *a, const char *digits);

/*
 * The next frame due by |wall_ms| into |frame| (media valid until the next
 * call): returns 1, or 0 when none is due (or not started).
 */
int ript_cli_audio_next(ript_cli_audio *a, int64_t wall_ms,
                        ript_media_frame *frame);

/* One frame the call delivered at |wall_ms| (any stream: others are
 * ignored). */
void ript_cli_audio_receive(ript_cli_audio *a, const ript_media_frame *frame,
                            int64_t wall_ms);

/* Decodes what the playout buffer releases by |wall_ms|. */
void ript_cli_audio_play(ript_cli_audio *a, int64_t wall_ms);

/* Decodes everything still held: the call is over. */
void ript_cli_audio_flush(ript_cli_audio *a);

/* The keys heard so far as telephone-events, in order ("" if none). */
const char *ript_cli_audio_heard(const ript_cli_audio *a);

void ript_cli_audio_get_stats(const ript_cli_audio *a,
                              ript_cli_audio_stats *st);

/* Appends the recording as a WAV file (16-bit, the decoder's rate and
 * channels) to |out|. Returns 0, RIPT_ERR_NOMEM or RIPT_ERR_RANGE (nothing
 * was received). */
int ript_cli_audio_write(const ript_cli_audio *a, ript_buf *out);

#endif /* RIPT_CLI_CALL_AUDIO_H */

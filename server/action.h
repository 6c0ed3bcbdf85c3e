/*
 * server/action.h - what answers a live call: one interface, one file per
 * action (server/riptd.example.md, docs/PROTOCOL.md decision 69).
 *
 *   action_echo.c        what arrives goes back, re-encoded
 *   action_play.c        the route's WAV file, looped, from alerting on
 *   action_record.c      what arrives is written to the route's file, off
 *                        the loop (recorder.c)
 *   action_conference.c  every call to the number hears the others; sealed
 *                        chunks it cannot open are forwarded (§10.8)
 *   action_script.c      the scripted outcomes: decline, fail, noanswer
 *
 * action.c holds the table (one row per riptd_action_kind), the timeline
 * every action shares (proceeding, alerting after 100 ms, then answered,
 * declined, ... at the action's moment) and nothing else; action_audio.c the
 * audio plumbing echo, record and conference share (decoder, playout
 * buffer, resampler, encoder). A new action (the relay to another RIPT
 * server, a SIP gateway leg) is a new file and one row of the table.
 *
 * An action is a leaf: it never calls the live call's functions. It asks
 * its call for what it needs through the host interface it was given
 * (events, media out, a new deadline), and the call drives it through
 * riptd_action_ops. Time is always an argument (`now`: Unix ms on riptd's
 * clock, which never goes back); an action reads no clock and owns no
 * timer: the call asks for its deadline and ticks it.
 *
 * Resuming. An action starts from the state its call is in (a call taken
 * over by another riptd process, or by this one after a restart, is in any
 * state): |state| and |state_ms| (when that state was entered) put it at
 * the same place in its timeline, and its media starts again (a play at the
 * position the time says, a recording continued in the same file).
 */
#ifndef RIPTD_ACTION_H
#define RIPTD_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "ript/audio.h"
#include "ript/call.h"
#include "ript/event.h"
#include "ript/media.h"
#include "ript/mem.h"

typedef struct riptd_action riptd_action;
typedef struct riptd_action_env riptd_action_env;

/* What an action may ask of its call. */
typedef struct riptd_action_host {
  void *data;
  /* Sends a server event (alerting, answered, declined, failed, noanswer,
   * end) with an optional |reason|: applied to the call's state first.
   * Returns 1 when it went out, 0 when the state refused it. The call may
   * end inside (a terminal event): the action then gets ->end before this
   * returns. */
  int (*event)(void *data, ript_event_type type, const char *reason,
               int64_t now);
  /* Sends one media frame on the call's best way out (kept for a replay
   * when there is none). Returns 0 or a RIPT_ERR_* code. */
  int (*send)(void *data, const ript_media_frame *frame, int64_t now);
  /* Sends another call's sealed chunk exactly as it is (a relay); dropped
   * when there is no way out now. Returns 0 or RIPT_ERR_NOBUF. */
  int (*forward)(void *data, const uint8_t *chunk, size_t len, int64_t now);
  /* The action's deadline moved earlier than the call last asked: the call
   * asks again (riptd_action_ops.deadline). */
  void (*schedule)(void *data);
} riptd_action_host;

/* What every action of a riptd process shares: buffers, the allocator of
 * the playout buffers, the WAV files being played, the conference rooms,
 * and the loop the recorder writes files on. Owned by the live calls. */
struct riptd_action_env {
  uv_loop_t *loop;            /* for recorder.c's file operations only */
  const ript_mem *pool;       /* small blocks, reused */
  int16_t *pcm_a, *pcm_b;     /* scratch PCM, |pcm_cap| samples each */
  size_t pcm_cap;
  int64_t ring_timeout_ms;    /* noanswer rings this long */
  void *wavs;                 /* action_play.c's cache of resampled files */
  void *rooms;                /* action_conference.c's rooms */
  uint64_t recordings_open;   /* recorder.c: files still being written */
};

/* Everything an action is made from; pointers are valid for the action's
 * life (they point into the call and the configuration). */
typedef struct riptd_action_ctx {
  riptd_action_host host;
  riptd_action_env *env;
  const riptd_route *route;
  const char *uuid; /* the call's */
  const char *tg, *to;
  /* The streams the audio uses: the first of the server directive (what
   * riptd sends) and of the client directive (what it receives); codec
   * NULL when there is none the audio toolkit codes. */
  const ript_audio_stream *tx, *rx;
  /* Where the call is: its state and when it was entered (Unix ms). */
  ript_call_state state;
  int64_t state_ms;
} riptd_action_ctx;

typedef struct riptd_action_ops {
  riptd_action_kind kind;
  /* Makes the action for |ctx| and starts it where its call is at |now|
   * (a new call: proceeding, created now). Returns 0 and stores it in
   * |*paction|, or RIPT_ERR_NOMEM (nothing stored). An action whose media
   * cannot be set up (no codec, a file that cannot be read) still runs
   * its timeline, silent, and says why on stderr once. */
  int (*start)(riptd_action **paction, const riptd_action_ctx *ctx,
               int64_t now);
  /* A media frame from the client that riptd opened. */
  void (*frame)(riptd_action *a, const ript_media_frame *frame, int64_t now);
  /* A media chunk riptd cannot open (RIPT_MEDIA_FRAME_FLAG_SEALED). */
  void (*sealed)(riptd_action *a, const ript_media_frame *frame,
                 int64_t now);
  /* Does what is due at |now| (timeline steps, media ticks). */
  void (*tick)(riptd_action *a, int64_t now);
  /* When ->tick next has something to do, or INT64_MAX. */
  int64_t (*deadline)(const riptd_action *a);
  /* The directives changed (POST {call}): the streams in |ctx| were
   * updated in place; the media starts again with them (a recording keeps
   * its format). */
  void (*renegotiate)(riptd_action *a, int64_t now);
  /* The call ended (or this node gives it up): the recording is finished,
   * the room left. No event may be sent from here on. */
  void (*end)(riptd_action *a, int64_t now);
  /* Frees the action (after ->end). */
  void (*del)(riptd_action *a);
} riptd_action_ops;

/* The row of |kind|, or NULL for a kind out of range. */
const riptd_action_ops *riptd_action_ops_of(riptd_action_kind kind);

#endif /* RIPTD_ACTION_H */

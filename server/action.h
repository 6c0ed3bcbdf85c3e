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
 * buffer, resampler, encoder). action_def.h is what one action's file
 * gives the table. A new action (the relay to another RIPT server, a SIP
 * gateway leg) is a new file and one row of the table.
 *
 * An action is a leaf: it never calls the live call's functions. It asks
 * its call for what it needs through the host interface it was given
 * (events, media out, a new deadline), and the call drives it through
 * riptd_action_ops. Time is always an argument (`now`: Unix ms on riptd's
 * clock, which never goes back; media timestamps are that clock too); an
 * action reads no clock and owns no timer: the call asks for its deadline
 * and ticks it.
 *
 * Resuming. An action starts from the state its call is in (a call taken
 * over by another riptd process, or by this one after a restart, is in any
 * state): |state| and |state_ms| (when that state was entered) put it at
 * the same place in its timeline, and its media starts again (a play at the
 * position the time says, a conference member back in its room, a
 * recording continued in the same file).
 *
 * Everything runs on the loop's thread; only recorder.c's file operations
 * run on libuv's thread pool.
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
   * when there is none). Never ends the call. Returns 0 or a RIPT_ERR_*
   * code. */
  int (*send)(void *data, const ript_media_frame *frame, int64_t now);
  /* Sends another call's sealed chunk exactly as it is (a relay); dropped
   * when there is no way out now. Never ends the call. Returns 0 or
   * RIPT_ERR_NOBUF (dropped). */
  int (*forward)(void *data, const uint8_t *chunk, size_t len, int64_t now);
  /* The action's deadline moved earlier than the call last asked (a frame
   * arrived): the call asks again (riptd_action_ops.deadline). The call
   * asks by itself after ->start, ->tick and ->renegotiate. */
  void (*schedule)(void *data);
} riptd_action_host;

/* What every action of a riptd process shares: scratch buffers, the
 * allocator, the WAV files being played, the conference rooms, and the
 * loop the recordings are written on. Owned by the live calls, which make
 * it with riptd_action_env_init and free it with riptd_action_env_free
 * once every action is freed and recordings_open is 0. */
struct riptd_action_env {
  uv_loop_t *loop;            /* for recorder.c's file operations only */
  const ript_mem *mem;        /* what lives as long as a call: the actions,
                                 their codecs, buffers and recordings */
  const ript_mem *pool;       /* what comes and goes with each frame: the
                                 playout buffers (blocks reused). Only
                                 they: a pool rounds a block up to a power
                                 of two, which a call's larger objects
                                 would pay for their whole life. */
  int16_t *pcm_a, *pcm_b;     /* scratch PCM, |pcm_cap| samples each */
  size_t pcm_cap;
  int64_t ring_timeout_ms;    /* noanswer rings this long */
  void *wavs;                 /* action_play.c's cache of resampled files */
  void *rooms;                /* action_conference.c's rooms */
  uint64_t recordings_open;   /* recorder.c: files still being written */
  /* Called on the loop, never from inside an action's function, each time
   * a recording is done (recordings_open just went down): riptd must not
   * exit before it is 0. May be NULL. */
  void (*recorded)(riptd_action_env *env);
  void *data;                 /* the owner's, for |recorded| */
};

/* Fills |env| for |loop|, allocating per-frame blocks with |pool| (NULL:
 * the default allocator, as for everything else) and
 * ringing |ring_timeout_ms| for noanswer (recorded and data NULL: set them
 * after). Returns 0 or RIPT_ERR_NOMEM (nothing to free). */
int riptd_action_env_init(riptd_action_env *env, uv_loop_t *loop,
                          const ript_mem *pool, int64_t ring_timeout_ms);

/* Frees what |env| holds (the WAV cache, the scratch buffers). */
void riptd_action_env_free(riptd_action_env *env);

/* Everything an action is made from; the action keeps a copy, and the
 * pointers must stay valid for the action's life (they point into the
 * call and the configuration). */
typedef struct riptd_action_ctx {
  riptd_action_host host;
  riptd_action_env *env;
  const riptd_route *route; /* its kind names the action */
  const char *uuid; /* the call's */
  const char *tg, *to;
  /* The streams the audio uses: the first of the server directive (what
   * riptd sends) and of the client directive (what it receives). Never
   * NULL; codec NULL when there is none the audio toolkit codes. The call
   * updates them in place before ->renegotiate. */
  const ript_audio_stream *tx, *rx;
  /* Where the call is when the action starts: its state and when it was
   * entered (Unix ms). Read by ->start only. */
  ript_call_state state;
  int64_t state_ms;
} riptd_action_ctx;

typedef struct riptd_action_ops {
  riptd_action_kind kind;
  /* Makes the action of ctx->route (of its kind: call the start of
   * riptd_action_ops_of(ctx->route->action)) and starts it where its call
   * is at |now| (a new call: proceeding, created now). It sends nothing
   * yet: what is due at |now| (fail's `failed`) goes at the first ->tick,
   * for which ->deadline answers |now|. Returns 0 and stores it in
   * |*paction|, or RIPT_ERR_NOMEM or RIPT_ERR_INVALID_ARGUMENT (no route or
   * env, a kind out of range), nothing stored. An action whose media cannot
   * be set up (no codec, a file that cannot be read, no memory) still runs
   * its timeline, silent, and says why on stderr once. */
  int (*start)(riptd_action **paction, const riptd_action_ctx *ctx,
               int64_t now);
  /* A media frame from the client that riptd opened. */
  void (*frame)(riptd_action *a, const ript_media_frame *frame, int64_t now);
  /* A media chunk riptd cannot open (RIPT_MEDIA_FRAME_FLAG_SEALED).
   * Returns how many other calls it was forwarded to (the call counts
   * them: `forwarded` in its log line). NULL for the actions that have no
   * use for sealed chunks: the call need not deliver them. */
  size_t (*sealed)(riptd_action *a, const ript_media_frame *frame,
                   int64_t now);
  /* Does what is due at |now| (timeline steps, media ticks). */
  void (*tick)(riptd_action *a, int64_t now);
  /* When ->tick next has something to do (Unix ms; may be in the past),
   * or INT64_MAX. */
  int64_t (*deadline)(const riptd_action *a);
  /* The directives changed (POST {call}): the streams in the ctx were
   * updated in place; the media starts again with them (a recording keeps
   * its file and format). */
  void (*renegotiate)(riptd_action *a, int64_t now);
  /* The call ended: the recording is finished (renamed into place), the
   * room left. No event may be sent from here on; a second ->end, or one
   * after ->release, does nothing. */
  void (*end)(riptd_action *a, int64_t now);
  /* This node gives the call up without its ending (another node owns it
   * now): the media stops, the room is left, and a recording is flushed
   * and left under its temporary name for the node that continues it. */
  void (*release)(riptd_action *a, int64_t now);
  /* Frees the action; one not yet ended is ended first, as ->end at the
   * last time it was given. NULL is a no-op. */
  void (*del)(riptd_action *a);
} riptd_action_ops;

/* The row of |kind|, or NULL for a kind out of range. */
const riptd_action_ops *riptd_action_ops_of(riptd_action_kind kind);

#endif /* RIPTD_ACTION_H */

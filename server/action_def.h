/*
 * server/action_def.h - what one action's file gives action.c's table: its
 * moment in the timeline every action shares, and its media.
 *
 * action.c runs the timeline (proceeding, alerting after 100 ms, then the
 * action's outcome) and starts the media at its moment; the action's file
 * only knows its media. Media functions get the action's ctx copy, whose
 * pointers stay valid until media_end returns, and send through its host.
 */
#ifndef RIPTD_ACTION_DEF_H
#define RIPTD_ACTION_DEF_H

#include "action.h"

/* outcome_ms of an action that rings until env->ring_timeout_ms. */
#define RIPTD_ACTION_RING_TIMEOUT (-1)

typedef struct riptd_action_def {
  /* The event that ends the ringing: RIPT_EVENT_ANSWERED, _DECLINED or
   * _NOANSWER |outcome_ms| after alerting, or RIPT_EVENT_FAILED at once
   * (from proceeding, without alerting). */
  ript_event_type outcome;
  int64_t outcome_ms;
  /* Writes the outcome's reason into |buf| (|len| bytes); NULL: none. */
  void (*reason)(const riptd_action_ctx *ctx, char *buf, size_t len);
  /* The media, from RIPT_CALL_ALERTING or RIPT_CALL_ANSWERED on; every
   * function NULL for an action without media. With media, media_start,
   * media_deadline and media_end are required; the others may be NULL. */
  ript_call_state media_from;
  /* Starts the media at |now|, as if it had started at |since| (<= now:
   * a play's position, a recording's length). Returns 0, or an error
   * after saying why on stderr (the call goes on silent). */
  int (*media_start)(void **pmedia, const riptd_action_ctx *ctx,
                     int64_t since, int64_t now);
  void (*media_frame)(void *media, const ript_media_frame *frame,
                      int64_t now);
  /* NULL: sealed chunks are of no use (see riptd_action_ops.sealed). */
  size_t (*media_sealed)(void *media, const ript_media_frame *frame,
                         int64_t now);
  void (*media_tick)(void *media, int64_t now);
  int64_t (*media_deadline)(const void *media);
  /* The streams changed. NULL: the media is ended and started again from
   * the same |since|. */
  void (*media_renegotiate)(void *media, int64_t now);
  /* Stops and frees the media; |finish| 0 when the call goes on elsewhere
   * (riptd_action_ops.release). */
  void (*media_end)(void *media, int finish, int64_t now);
  /* Frees what the action keeps in the env (may be NULL). */
  void (*env_free)(riptd_action_env *env);
} riptd_action_def;

extern const riptd_action_def riptd_action_echo;
extern const riptd_action_def riptd_action_play;
extern const riptd_action_def riptd_action_record;
extern const riptd_action_def riptd_action_conference;
extern const riptd_action_def riptd_action_decline;
extern const riptd_action_def riptd_action_fail;
extern const riptd_action_def riptd_action_noanswer;

#endif /* RIPTD_ACTION_DEF_H */

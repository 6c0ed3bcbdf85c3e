/*
 * Internal state of a conversation (ript/conversation.h), shared by
 * conversation.c (setup, the media path, chunks out and in, time, figures)
 * and conversation_events.c (signaling: events kept, the announcement,
 * ping and pong).
 */
#ifndef RIPT_CONVERSATION_INTERNAL_H
#define RIPT_CONVERSATION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/conversation.h"

/* No time: a deadline that is not armed. */
#define RIPT_CONV_NEVER INT64_MAX

/* An event waiting to be taken (or, at a server with no reverse byway,
 * kept), and when it was queued. */
typedef struct ript_conv_event {
  ript_event ev;
  int64_t at;
} ript_conv_event;

struct ript_conv {
  const ript_mem *mem;
  bool server;
  int64_t ack_delay_ms, replay_wait_ms, ping_interval_ms, events_keep_ms;
  size_t events_keep_max;
  ript_media_session *session;
  bool receiving; /* inside ript_conv_receive */

  /* ---- media out ---- */
  ript_conv_path path;
  /* Chunks waiting to be written, oldest first from |queue_head|: each a
   * ript_conv_record and then its bytes. */
  ript_buf queue;
  size_t queue_head;
  /* The backlog: chunks the session keeps that wait for a replay. */
  bool backlog;
  bool replaying;    /* ript_media_replay_start ran for this backlog */
  bool more_waiting; /* chunks joined the backlog after it ran: marked
                        when a carrier returns */
  bool panicked;     /* server: media-panic went out for this outage */
  bool migrated;     /* client: it migrated at least once */
  bool replay_hold;  /* client: the replay waits for a new chunk */
  int64_t replay_at; /* ... or for this time */
  /* Acknowledgements owed with no chunk to ride on leave alone from then
   * on (RIPT_CONV_NEVER: none owed); |ack_due| once check said so. */
  int64_t ack_at;
  bool ack_due;

  /* ---- signaling ---- */
  bool signal;   /* the signaling byway is up */
  bool ended;    /* client: it sent `end`: no more pings */
  bool ping_due; /* client: check said a ping is due */
  int64_t next_ping;
  bool has_announcement;
  ript_event announcement;
  ript_conv_event *events; /* queued or kept, oldest first */
  size_t nevents, events_cap;

  ript_conv_stats stats;
};

/* |a| + |b| (b >= 0), saturated at RIPT_CONV_NEVER. */
static inline int64_t ript_conv_add(int64_t a, int64_t b) {
  return a > RIPT_CONV_NEVER - b ? RIPT_CONV_NEVER : a + b;
}

/* Whether a server keeps |type| while no reverse byway is open: every
 * event but the state events, which the announcement replaces. */
bool ript_conv_event_keepable(ript_event_type type);

/* Queues a copy of |ev| sent at |now| as ript_conv_send_event does. */
int ript_conv_queue_event(ript_conv *conv, const ript_event *ev, int64_t now);

/* What ript_conv_check does for signaling at |now|: kept events that aged
 * out go, a ping that is due is marked so. */
void ript_conv_events_check(ript_conv *conv, int64_t now);

/* Whether an event is ready for ript_conv_take_event at |now|. */
bool ript_conv_event_due(const ript_conv *conv, int64_t now);

/* When the signaling side next has something to do, or RIPT_CONV_NEVER. */
int64_t ript_conv_events_deadline(const ript_conv *conv);

/* Frees every event queued or kept, and the announcement. */
void ript_conv_events_free(ript_conv *conv);

#endif /* RIPT_CONVERSATION_INTERNAL_H */

/*
 * A call's conversation (ript/conversation.h): setup, the media path, the
 * chunks waiting to be written, the backlog and its replay, the
 * acknowledgements' delay, time and figures. Signaling is in
 * conversation_events.c.
 */
#include <string.h>

#include "conversation_internal.h"
#include "ript_mem.h"

/* What precedes each chunk in the queue. */
typedef struct conv_record {
  size_t len;
  bool forwarded;
} conv_record;

/* ==== Setup =============================================================== */

void ript_conv_config_init(ript_conv_config *config) {
  memset(config, 0, sizeof(*config));
  ript_media_config_init(&config->media);
  config->ack_delay_ms = RIPT_CONV_ACK_DELAY_DEFAULT_MS;
  config->replay_wait_ms = RIPT_CONV_REPLAY_WAIT_DEFAULT_MS;
  config->ping_interval_ms = RIPT_CONV_PING_INTERVAL_DEFAULT_MS;
  config->events_keep_ms = RIPT_CONV_EVENTS_KEEP_DEFAULT_MS;
  config->events_keep_max = RIPT_CONV_EVENTS_KEEP_DEFAULT_MAX;
}

static int conv_check_config(const ript_conv_config *c) {
  if (c->ack_delay_ms <= 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (c->media.role == RIPT_MEDIA_ROLE_SERVER)
    return c->events_keep_ms > 0 && c->events_keep_max > 0
               ? 0
               : RIPT_ERR_INVALID_ARGUMENT;
  return c->replay_wait_ms >= 0 && c->ping_interval_ms >= 0
             ? 0
             : RIPT_ERR_INVALID_ARGUMENT;
}

int ript_conv_new(ript_conv **pconv, const ript_conv_config *config,
                  int64_t now, const ript_mem *mem) {
  if (!pconv || !config)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = conv_check_config(config);
  if (rv < 0)
    return rv;
  ript_media_session *session = NULL;
  rv = ript_media_session_new(&session, &config->media, now, mem);
  if (rv < 0)
    return rv;
  ript_conv *c = ript_mem_calloc(mem, 1, sizeof(*c));
  if (!c) {
    ript_media_session_del(session);
    return RIPT_ERR_NOMEM;
  }
  c->mem = mem;
  c->server = config->media.role == RIPT_MEDIA_ROLE_SERVER;
  c->ack_delay_ms = config->ack_delay_ms;
  /* What a role ignores is not kept (nor checked). */
  if (c->server) {
    c->events_keep_ms = config->events_keep_ms;
    c->events_keep_max = config->events_keep_max;
  } else {
    c->replay_wait_ms = config->replay_wait_ms;
    c->ping_interval_ms = config->ping_interval_ms;
  }
  c->session = session;
  c->path = RIPT_CONV_PATH_NONE;
  ript_buf_init(&c->queue, mem);
  c->ack_at = RIPT_CONV_NEVER;
  c->next_ping = ript_conv_add(now, c->ping_interval_ms);
  ript_event_init(&c->announcement);
  *pconv = c;
  return 0;
}

/* Empties the queue of chunks waiting to be written; forwarded ones are
 * counted as dropped. Returns whether one of this side's own was there. */
static bool conv_queue_drop(ript_conv *c) {
  bool own = false;
  while (c->queue_head < c->queue.len) {
    conv_record r;
    memcpy(&r, c->queue.data + c->queue_head, sizeof(r));
    if (r.forwarded)
      ++c->stats.forward_dropped;
    else
      own = true;
    c->queue_head += sizeof(r) + r.len;
  }
  ript_buf_reset(&c->queue);
  c->queue_head = 0;
  return own;
}

void ript_conv_del(ript_conv *conv) {
  if (!conv)
    return;
  ript_media_session_del(conv->session);
  ript_buf_free(&conv->queue);
  ript_conv_events_free(conv);
  ript_mem_free(conv->mem, conv);
}

int ript_conv_renegotiate(ript_conv *conv, const ript_media_config *media,
                          int64_t now) {
  if (!conv || !media || conv->receiving ||
      (media->role == RIPT_MEDIA_ROLE_SERVER) != conv->server)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_media_session *session = NULL;
  int rv = ript_media_session_new(&session, media, now, conv->mem);
  if (rv < 0)
    return rv;
  ript_media_session_del(conv->session);
  conv->session = session;
  conv_queue_drop(conv);
  conv->backlog = conv->replaying = conv->more_waiting = false;
  conv->replay_hold = false;
  conv->ack_at = RIPT_CONV_NEVER;
  conv->ack_due = false;
  return 0;
}

const ript_media_session *ript_conv_media(const ript_conv *conv) {
  return conv ? conv->session : NULL;
}

/* ==== The backlog ========================================================= */

/* Chunks of this side's own wait for a carrier: a server says media-panic
 * once per outage (§9.11.4, decision 65). */
static void conv_backlog_grows(ript_conv *c, int64_t now) {
  c->backlog = true;
  if (c->replaying)
    c->more_waiting = true;
  if (!c->server || c->panicked)
    return;
  ript_event ev;
  ript_event_prepare(&ev, RIPT_EVENT_MEDIA_PANIC, RIPT_EVENT_DIR_S2C, now,
                     c->has_announcement ? c->announcement.call : NULL);
  /* Without memory for it, the next chunk kept tries again. */
  if (ript_conv_queue_event(c, &ev, now) == 0) {
    c->panicked = true;
    ++c->stats.media_panics;
  }
}

/* Marks every chunk the session keeps for the replay. */
static void conv_replay_mark(ript_conv *c, int64_t now) {
  if (ript_media_replay_start(c->session, now) > 0)
    ++c->stats.replays;
  c->replaying = true;
  c->more_waiting = false;
}

static void conv_path_lost(ript_conv *c, int64_t now) {
  c->replay_hold = false;
  if (conv_queue_drop(c))
    conv_backlog_grows(c, now);
}

/* A carrier is back after none. A server replays its backlog at once
 * (carrying on with a replay that a lost carrier cut short). A client
 * replays every chunk not yet acknowledged; after a migration it waits for
 * a new chunk, which carries full values, or replay_wait_ms (decision 77).
 * Chunks are marked now, so that those sent from now on, which wait in the
 * queue, are not replayed too. */
static void conv_path_back(ript_conv *c, int64_t now) {
  if (c->server) {
    if (!c->backlog)
      c->panicked = false; /* an outage with nothing kept is over */
    else if (!c->replaying || c->more_waiting)
      conv_replay_mark(c, now);
    return;
  }
  /* Timers that ran out with no path say nothing about the new one: they
   * report now, unheard, and re-arm with the next chunk. */
  (void)ript_media_check(c->session, now);
  c->backlog = true;
  conv_replay_mark(c, now);
  if (c->migrated) {
    c->replay_hold = true;
    c->replay_at = ript_conv_add(now, c->replay_wait_ms);
  }
}

static void conv_set_path(ript_conv *c, ript_conv_path path, int64_t now) {
  if (path == c->path)
    return;
  ript_conv_path old = c->path;
  c->path = path;
  c->ack_due = false;
  if (path == RIPT_CONV_PATH_NONE)
    conv_path_lost(c, now);
  else if (old == RIPT_CONV_PATH_NONE)
    conv_path_back(c, now);
}

int ript_conv_set_path(ript_conv *conv, ript_conv_path path, int64_t now) {
  if (!conv || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  switch (path) {
  case RIPT_CONV_PATH_NONE:
  case RIPT_CONV_PATH_DATAGRAM:
    break;
  case RIPT_CONV_PATH_BODY:
    if (conv->server)
      return RIPT_ERR_INVALID_ARGUMENT;
    break;
  case RIPT_CONV_PATH_HELD:
    if (!conv->server)
      return RIPT_ERR_INVALID_ARGUMENT;
    break;
  default:
    return RIPT_ERR_INVALID_ARGUMENT;
  }
  conv_set_path(conv, path, now);
  return 0;
}

void ript_conv_migrate(ript_conv *conv, int64_t now) {
  if (!conv || now < 0)
    return;
  if (conv->server) {
    /* Asked for: no media-panic (decision 78); every chunk not yet
     * acknowledged goes again, also those answered on the old byways. */
    conv->panicked = true;
    conv_set_path(conv, RIPT_CONV_PATH_NONE, now);
    conv->backlog = true;
    conv->replaying = conv->more_waiting = false;
    return;
  }
  conv_set_path(conv, RIPT_CONV_PATH_NONE, now);
  /* The new server instance may never have seen a full value (§9.13). */
  ript_media_resync(conv->session);
  conv->migrated = true;
}

/* ==== Media out =========================================================== */

/* Moves what is left of the queue to its start once half of it is gone. */
static void conv_queue_compact(ript_conv *c) {
  if (c->queue_head == 0 || c->queue_head < c->queue.len / 2)
    return;
  size_t rest = c->queue.len - c->queue_head;
  memmove(c->queue.data, c->queue.data + c->queue_head, rest);
  c->queue.len = rest;
  c->queue_head = 0;
}

int ript_conv_send(ript_conv *conv, const ript_media_frame *frame,
                   int64_t now) {
  if (!conv || !frame)
    return RIPT_ERR_INVALID_ARGUMENT;
  conv_queue_compact(conv);
  size_t at = conv->queue.len;
  bool carrier = conv->path != RIPT_CONV_PATH_NONE;
  conv_record r = {0, false};
  if (carrier) {
    int rv = ript_buf_append(&conv->queue, &r, sizeof(r));
    if (rv < 0)
      return rv;
  }
  ript_ssize n = ript_media_send(conv->session, frame, now, &conv->queue, NULL);
  if (n < 0 || !carrier) {
    /* Without a carrier the session keeps the chunk for the replay. */
    conv->queue.len = at;
    if (conv->queue.data)
      conv->queue.data[at] = '\0';
    if (n < 0)
      return (int)n;
    conv_backlog_grows(conv, now);
    return 0;
  }
  r.len = (size_t)n;
  memcpy(conv->queue.data + at, &r, sizeof(r));
  return 0;
}

int ript_conv_forward(ript_conv *conv, const uint8_t *chunk, size_t len,
                      int64_t now) {
  if (!conv || !chunk || len == 0 || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (conv->path == RIPT_CONV_PATH_NONE || conv->backlog) {
    ++conv->stats.forward_dropped;
    return RIPT_ERR_NOBUF;
  }
  conv_queue_compact(conv);
  conv_record r = {len, true};
  if (len > SIZE_MAX - sizeof(r) ||
      ript_buf_reserve(&conv->queue, sizeof(r) + len) < 0) {
    ++conv->stats.forward_dropped;
    return RIPT_ERR_NOMEM;
  }
  ript_buf_append(&conv->queue, &r, sizeof(r)); /* cannot fail: reserved */
  ript_buf_append(&conv->queue, chunk, len);
  return 0;
}

/* The oldest chunk of the queue, if it fits in |max|. */
static ript_ssize conv_write_queued(ript_conv *c, ript_buf *out, size_t max) {
  if (c->queue_head == c->queue.len)
    return 0;
  conv_record r;
  memcpy(&r, c->queue.data + c->queue_head, sizeof(r));
  if (r.len > max)
    return RIPT_ERR_NOBUF;
  int rv =
      ript_buf_append(out, c->queue.data + c->queue_head + sizeof(r), r.len);
  if (rv < 0)
    return rv;
  if (r.forwarded)
    ++c->stats.forwarded;
  c->queue_head += sizeof(r) + r.len;
  if (c->queue_head == c->queue.len) {
    ript_buf_reset(&c->queue);
    c->queue_head = 0;
  }
  return (ript_ssize)r.len;
}

/* The next chunk due, if it fits in |max|: a client's first new chunk
 * after a migration, then the backlog, oldest first, then the queue. */
static ript_ssize conv_write_chunk(ript_conv *c, int64_t now, ript_buf *out,
                                   size_t max) {
  if (c->replay_hold && now >= c->replay_at)
    c->replay_hold = false;
  if (c->replay_hold) {
    ript_ssize n = conv_write_queued(c, out, max);
    if (n > 0)
      c->replay_hold = false;
    return n;
  }
  if (c->backlog) {
    size_t len = ript_media_replay_next_len(c->session, now);
    if (len > max)
      return RIPT_ERR_NOBUF;
    if (len > 0)
      return ript_media_replay(c->session, now, out, 1);
    /* Nothing left to replay: the outage is over. */
    c->backlog = c->replaying = c->more_waiting = false;
    c->panicked = false;
  }
  return conv_write_queued(c, out, max);
}

/* Whether the acknowledgements owed may leave alone at |now|. */
static bool conv_acks_alone(const ript_conv *c, int64_t now) {
  return (c->path == RIPT_CONV_PATH_DATAGRAM ||
          c->path == RIPT_CONV_PATH_BODY) &&
         c->ack_at != RIPT_CONV_NEVER && now >= c->ack_at;
}

static ript_ssize conv_write_acks(ript_conv *c, int64_t now, ript_buf *out,
                                  size_t max) {
  ript_ssize n = ript_media_take_acks_within(c->session, now, out, max);
  if (ript_media_pending_acks(c->session) == 0) {
    c->ack_at = RIPT_CONV_NEVER;
    c->ack_due = false;
  }
  return n;
}

ript_ssize ript_conv_write(ript_conv *conv, int64_t now, ript_buf *out,
                           size_t max) {
  if (!conv || !out || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (conv->path == RIPT_CONV_PATH_NONE)
    return 0;
  ript_ssize n = conv_write_chunk(conv, now, out, max);
  if (n < 0)
    return n;
  if (n > 0) {
    /* Acknowledgements that cannot be made now wait for the next write:
     * the chunk goes anyway. */
    ript_ssize a = conv_write_acks(conv, now, out, max - (size_t)n);
    return a > 0 ? n + a : n;
  }
  return conv_acks_alone(conv, now) ? conv_write_acks(conv, now, out, max) : 0;
}

ript_ssize ript_conv_write_acks(ript_conv *conv, int64_t now, ript_buf *out,
                                size_t max) {
  if (!conv || !out || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  return conv_write_acks(conv, now, out, max);
}

/* ==== Media in ============================================================ */

int ript_conv_receive(ript_conv *conv, uint8_t *data, size_t len, int64_t now,
                      ript_media_frame_cb cb, void *user_data) {
  if (!conv || conv->receiving)
    return RIPT_ERR_INVALID_ARGUMENT;
  conv->receiving = true;
  int n = ript_media_receive(conv->session, data, len, now, cb, user_data);
  conv->receiving = false;
  if (n >= 0 && ript_media_pending_acks(conv->session) > 0 &&
      conv->ack_at == RIPT_CONV_NEVER)
    conv->ack_at = ript_conv_add(now, conv->ack_delay_ms);
  return n;
}

/* ==== Time ================================================================ */

/* Whether ript_conv_write has something to write at |now|. */
static bool conv_write_due(const ript_conv *c, int64_t now) {
  if (c->path == RIPT_CONV_PATH_NONE)
    return false;
  return c->queue_head < c->queue.len || (c->backlog && !c->replay_hold) ||
         conv_acks_alone(c, now);
}

int64_t ript_conv_next_deadline(const ript_conv *conv) {
  if (!conv)
    return RIPT_CONV_NEVER;
  /* A client's session timers run only while it has a path. */
  int64_t t = conv->server || conv->path != RIPT_CONV_PATH_NONE
                  ? ript_media_next_deadline(conv->session)
                  : RIPT_CONV_NEVER;
  if ((conv->path == RIPT_CONV_PATH_DATAGRAM ||
       conv->path == RIPT_CONV_PATH_BODY) &&
      !conv->ack_due && conv->ack_at < t)
    t = conv->ack_at;
  if (conv->replay_hold && conv->replay_at < t)
    t = conv->replay_at;
  int64_t e = ript_conv_events_deadline(conv);
  return e < t ? e : t;
}

unsigned ript_conv_check(ript_conv *conv, int64_t now) {
  if (!conv || now < 0)
    return 0;
  unsigned flags = 0;
  if (conv->server)
    (void)ript_media_check(conv->session, now); /* §9.14 is the client's */
  else if (conv->path != RIPT_CONV_PATH_NONE &&
           (ript_media_check(conv->session, now) &
            RIPT_MEDIA_FLAG_NEED_MIGRATION))
    flags |= RIPT_CONV_FLAG_MIGRATE;
  if (conv->replay_hold && now >= conv->replay_at)
    conv->replay_hold = false;
  if (conv_acks_alone(conv, now))
    conv->ack_due = true;
  ript_conv_events_check(conv, now);
  if (conv_write_due(conv, now) || ript_conv_event_due(conv, now))
    flags |= RIPT_CONV_FLAG_WRITE;
  return flags;
}

/* ==== Figures ============================================================= */

int ript_conv_get_stats(const ript_conv *conv, ript_conv_stats *stats) {
  if (!conv || !stats)
    return RIPT_ERR_INVALID_ARGUMENT;
  *stats = conv->stats;
  return 0;
}

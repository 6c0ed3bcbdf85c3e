/*
 * A call's conversation, signaling (ript/conversation.h): the events a side
 * sends, those a server keeps while no reverse byway is open (decisions
 * 61, 62), the announcement a new reverse byway starts with, a server's
 * pong, a client's ping.
 */
#include <stdio.h>
#include <string.h>

#include "conversation_internal.h"
#include "ript_mem.h"

bool ript_conv_event_keepable(ript_event_type type) {
  return type < RIPT_EVENT_PROCEEDING || type > RIPT_EVENT_END;
}

/* Whether events are kept rather than waiting to be taken. */
static bool conv_keeping(const ript_conv *c) { return c->server && !c->signal; }

/* Removes the |n| oldest events; |free| frees them too (otherwise their
 * strings have a new owner). */
static void conv_events_shift(ript_conv *c, size_t n, bool free) {
  if (n == 0)
    return;
  if (free)
    for (size_t i = 0; i < n; ++i)
      ript_event_free(&c->events[i].ev);
  memmove(c->events, c->events + n, (c->nevents - n) * sizeof(c->events[0]));
  c->nevents -= n;
}

/* Kept events older than events_keep_ms go. */
static void conv_events_expire(ript_conv *c, int64_t now) {
  size_t n = 0;
  while (n < c->nevents && now - c->events[n].at > c->events_keep_ms)
    ++n;
  c->stats.events_dropped += n;
  conv_events_shift(c, n, true);
}

/* At most events_keep_max are kept: the oldest give way. */
static void conv_events_cap(ript_conv *c) {
  if (c->nevents <= c->events_keep_max)
    return;
  size_t n = c->nevents - c->events_keep_max;
  c->stats.events_dropped += n;
  conv_events_shift(c, n, true);
}

/* Room for one more event, or RIPT_ERR_NOMEM. */
static int conv_events_room(ript_conv *c) {
  if (c->nevents < c->events_cap)
    return 0;
  size_t cap = c->events_cap ? c->events_cap * 2 : 4;
  if (cap > SIZE_MAX / sizeof(c->events[0]))
    return RIPT_ERR_NOMEM;
  ript_conv_event *e = ript_mem_realloc(c->mem, c->events, cap * sizeof(*e));
  if (!e)
    return RIPT_ERR_NOMEM;
  c->events = e;
  c->events_cap = cap;
  return 0;
}

/* The event just written into the free slot counts from |now|. */
static void conv_event_added(ript_conv *c, int64_t now) {
  c->events[c->nevents++].at = now;
  if (!conv_keeping(c))
    return;
  ++c->stats.events_kept;
  conv_events_cap(c);
}

int ript_conv_queue_event(ript_conv *c, const ript_event *ev, int64_t now) {
  if (conv_keeping(c)) {
    if (!ript_conv_event_keepable(ev->type))
      return 0; /* the announcement carries it */
    conv_events_expire(c, now);
  }
  int rv = conv_events_room(c);
  if (rv == 0)
    rv = ript_event_copy(&c->events[c->nevents].ev, ev, c->mem);
  if (rv < 0)
    return rv;
  conv_event_added(c, now);
  return 0;
}

void ript_conv_events_free(ript_conv *c) {
  conv_events_shift(c, c->nevents, true);
  ript_mem_free(c->mem, c->events);
  c->events = NULL;
  c->events_cap = 0;
  ript_event_free(&c->announcement);
  c->has_announcement = false;
}

/* ---- the client's ping ---- */

static bool conv_ping_due(const ript_conv *c, int64_t now) {
  return !c->server && c->signal && !c->ended && c->ping_interval_ms > 0 &&
         now >= c->next_ping;
}

static int conv_make_ping(ript_conv *c, int64_t now, ript_event *ev) {
  char nonce[24];
  snprintf(nonce, sizeof(nonce), "p%llu",
           (unsigned long long)c->stats.pings + 1);
  ript_event ping;
  ript_event_prepare(&ping, RIPT_EVENT_PING, RIPT_EVENT_DIR_C2S, now, NULL);
  ping.nonce = nonce;
  int rv = ript_event_copy(ev, &ping, c->mem);
  if (rv < 0)
    return rv;
  ++c->stats.pings;
  c->next_ping = ript_conv_add(now, c->ping_interval_ms);
  c->ping_due = false;
  return 1;
}

/* ---- the API ---- */

int ript_conv_set_announcement(ript_conv *conv, const ript_event *ev) {
  if (!conv || !ev || !conv->server)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_event copy;
  int rv = ript_event_copy(&copy, ev, conv->mem);
  if (rv < 0)
    return rv;
  ript_event_free(&conv->announcement);
  conv->announcement = copy;
  conv->has_announcement = true;
  return 0;
}

void ript_conv_set_signal(ript_conv *conv, int up, int64_t now) {
  if (!conv)
    return;
  bool was = conv->signal;
  conv->signal = up != 0;
  conv->ping_due = false;
  if (!conv->server || conv->signal || !was)
    return;
  /* What was not taken is kept, from when it was sent; state events are
   * not (the announcement carries the latest). */
  size_t kept = 0;
  for (size_t i = 0; i < conv->nevents; ++i) {
    if (ript_conv_event_keepable(conv->events[i].ev.type)) {
      conv->events[kept++] = conv->events[i];
      ++conv->stats.events_kept;
    } else {
      ript_event_free(&conv->events[i].ev);
    }
  }
  conv->nevents = kept;
  conv_events_expire(conv, now);
  conv_events_cap(conv);
}

int ript_conv_open_events(ript_conv *conv, int64_t now, ript_event_writer *w,
                          ript_buf *out) {
  if (!conv || !w || !out || now < 0 || !conv->server ||
      !conv->has_announcement)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t start = out->len;
  int rv = ript_event_writer_open(w, out);
  if (rv == 0)
    rv = ript_event_writer_write(w, &conv->announcement, out);
  bool kept = conv_keeping(conv);
  if (kept)
    conv_events_expire(conv, now);
  for (size_t i = 0; rv == 0 && kept && i < conv->nevents; ++i) {
    rv = ript_event_writer_write(w, &conv->events[i].ev, out);
    if (rv != RIPT_ERR_NOMEM)
      rv = 0; /* one that cannot be written is left out */
  }
  if (rv < 0) {
    out->len = start;
    if (out->data)
      out->data[start] = '\0';
    ript_event_writer_init(w);
    return rv;
  }
  /* The kept events went to this byway and go to no other. */
  if (kept)
    conv_events_shift(conv, conv->nevents, true);
  conv->signal = true;
  conv->ping_due = false;
  return 0;
}

int ript_conv_send_event(ript_conv *conv, const ript_event *ev, int64_t now) {
  if (!conv || !ev || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = ript_conv_queue_event(conv, ev, now);
  if (rv == 0 && !conv->server && ev->type == RIPT_EVENT_END)
    conv->ended = true;
  return rv;
}

int ript_conv_event_received(ript_conv *conv, const ript_event *ev,
                             int64_t now) {
  if (!conv || !ev || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (!conv->server) {
    if (ev->type == RIPT_EVENT_PONG)
      ++conv->stats.pongs;
    else if (ev->type == RIPT_EVENT_MEDIA_PANIC)
      ++conv->stats.media_panics;
    return 0;
  }
  if (ev->type != RIPT_EVENT_PING)
    return 0;
  ++conv->stats.pings;
  if (conv_keeping(conv))
    conv_events_expire(conv, now);
  int rv = conv_events_room(conv);
  if (rv == 0)
    rv = ript_event_pong(&conv->events[conv->nevents].ev, ev, now, conv->mem);
  if (rv < 0)
    return rv;
  conv_event_added(conv, now);
  ++conv->stats.pongs;
  return 0;
}

int ript_conv_take_event(ript_conv *conv, int64_t now, ript_event *ev) {
  if (!conv || !ev || now < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (conv->nevents > 0 && !conv_keeping(conv)) {
    *ev = conv->events[0].ev;
    conv_events_shift(conv, 1, false);
    return 1;
  }
  return conv_ping_due(conv, now) ? conv_make_ping(conv, now, ev) : 0;
}

/* ---- time ---- */

void ript_conv_events_check(ript_conv *conv, int64_t now) {
  if (conv_keeping(conv))
    conv_events_expire(conv, now);
  if (conv_ping_due(conv, now))
    conv->ping_due = true;
}

bool ript_conv_event_due(const ript_conv *conv, int64_t now) {
  return (conv->nevents > 0 && !conv_keeping(conv)) || conv_ping_due(conv, now);
}

int64_t ript_conv_events_deadline(const ript_conv *conv) {
  int64_t t = RIPT_CONV_NEVER;
  /* A kept event is dropped once it is older than events_keep_ms. */
  if (conv_keeping(conv) && conv->nevents > 0)
    t = ript_conv_add(ript_conv_add(conv->events[0].at, conv->events_keep_ms),
                      1);
  if (!conv->server && conv->signal && !conv->ended &&
      conv->ping_interval_ms > 0 && !conv->ping_due && conv->next_ping < t)
    t = conv->next_ping;
  return t;
}

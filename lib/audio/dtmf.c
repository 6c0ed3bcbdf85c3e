/*
 * RFC 4733 telephone-events: the payload codec, a sender that schedules the
 * packets of queued digits from the caller's clock, and a receiver that
 * reports every event once whatever the network did to its packets.
 */
#include <string.h>

#include "ript/dtmf.h"

#define DTMF_DEFAULT_TONE_MS 100u
#define DTMF_DEFAULT_GAP_MS 50u
#define DTMF_DEFAULT_INTERVAL_MS 50u
#define DTMF_DEFAULT_VOLUME 10u
#define DTMF_MAX_TONE_MS 8000u /* 64000 units: the 16-bit duration field */
#define DTMF_END_COPIES 3u
#define DTMF_UNITS_PER_MS (RIPT_DTMF_CLOCK_RATE / 1000u)

static const char dtmf_keys[] = "0123456789*#ABCD";

int ript_dtmf_event_code(char digit) {
  if (digit >= 'a' && digit <= 'd')
    digit = (char)(digit - 'a' + 'A');
  for (int i = 0; i < 16; ++i)
    if (dtmf_keys[i] == digit)
      return i;
  return -1;
}

char ript_dtmf_digit(unsigned event) {
  return event < 16 ? dtmf_keys[event] : '\0';
}

ript_ssize ript_dtmf_encode(const ript_dtmf_event *ev, uint8_t *out,
                            size_t outlen) {
  if (!ev || !out || ev->volume > RIPT_DTMF_VOLUME_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (outlen < RIPT_DTMF_PAYLOAD_LEN)
    return RIPT_ERR_NOBUF;
  out[0] = ev->event;
  out[1] = (uint8_t)((ev->end ? 0x80u : 0u) | ev->volume);
  out[2] = (uint8_t)(ev->duration >> 8);
  out[3] = (uint8_t)ev->duration;
  return RIPT_DTMF_PAYLOAD_LEN;
}

int ript_dtmf_decode(ript_dtmf_event *ev, const uint8_t *data, size_t len,
                     ript_parse_error *err) {
  if (!ev || (!data && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (len != RIPT_DTMF_PAYLOAD_LEN) {
    if (err) {
      err->offset = len < RIPT_DTMF_PAYLOAD_LEN ? len : RIPT_DTMF_PAYLOAD_LEN;
      err->expected = len < RIPT_DTMF_PAYLOAD_LEN
                          ? "a 4-byte telephone-event payload"
                          : "the end of the payload after one event";
    }
    return RIPT_ERR_PARSE;
  }
  ev->event = data[0];
  ev->end = (data[1] & 0x80u) != 0;
  ev->volume = data[1] & 0x3Fu;
  ev->duration = (uint16_t)(data[2] << 8 | data[3]);
  return 0;
}

int ript_dtmf_sender_init(ript_dtmf_sender *s,
                          const ript_dtmf_sender_config *cfg) {
  if (!s)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_dtmf_sender_config c = {0, 0, 0, 0};
  if (cfg)
    c = *cfg;
  if (c.tone_ms > DTMF_MAX_TONE_MS || c.volume > RIPT_DTMF_VOLUME_MAX)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (c.tone_ms == 0)
    c.tone_ms = DTMF_DEFAULT_TONE_MS;
  if (c.gap_ms == 0)
    c.gap_ms = DTMF_DEFAULT_GAP_MS;
  if (c.interval_ms == 0)
    c.interval_ms = DTMF_DEFAULT_INTERVAL_MS;
  if (c.volume == 0)
    c.volume = DTMF_DEFAULT_VOLUME;
  memset(s, 0, sizeof(*s));
  s->cfg = c;
  return 0;
}

int ript_dtmf_sender_push(ript_dtmf_sender *s, const char *digits, size_t len) {
  if (!s || (!digits && len > 0))
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < len; ++i)
    if (ript_dtmf_event_code(digits[i]) < 0)
      return RIPT_ERR_INVALID_ARGUMENT;
  if (len > RIPT_DTMF_QUEUE_MAX - s->count)
    return RIPT_ERR_LIMIT;
  for (size_t i = 0; i < len; ++i) {
    size_t slot = (s->head + s->count++) % RIPT_DTMF_QUEUE_MAX;
    s->queue[slot] = (uint8_t)ript_dtmf_event_code(digits[i]);
  }
  return 0;
}

/* Starts the next queued digit at |now_ms|. */
static void dtmf_sender_begin(ript_dtmf_sender *s, int64_t now_ms) {
  s->event = s->queue[s->head];
  s->head = (s->head + 1) % RIPT_DTMF_QUEUE_MAX;
  --s->count;
  s->active = true;
  s->start_ms = now_ms;
  s->next_ms = now_ms;
  s->sent = 0;
  s->ends = 0;
}

int ript_dtmf_sender_poll(ript_dtmf_sender *s, int64_t now_ms,
                          ript_dtmf_packet *pkt) {
  if (!s || !pkt)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (!s->active) {
    if (s->count == 0 || (s->have_last && now_ms < s->next_ms))
      return 0;
    dtmf_sender_begin(s, now_ms);
  }
  if (now_ms < s->next_ms)
    return 0;
  const ript_dtmf_sender_config *c = &s->cfg;
  uint64_t dur_ms = (uint64_t)(s->sent + 1) * c->interval_ms;
  bool end = dur_ms >= c->tone_ms;
  if (end)
    dur_ms = c->tone_ms;
  pkt->event.event = s->event;
  pkt->event.end = end;
  pkt->event.volume = c->volume;
  pkt->event.duration = (uint16_t)(dur_ms * DTMF_UNITS_PER_MS);
  pkt->timestamp_ms = s->start_ms;
  pkt->first = s->sent == 0;
  int64_t sent_at = s->start_ms + (int64_t)s->sent * c->interval_ms;
  ++s->sent;
  s->next_ms = s->start_ms + (int64_t)s->sent * c->interval_ms;
  if (end && ++s->ends == DTMF_END_COPIES) {
    int64_t after_gap = s->start_ms + c->tone_ms + c->gap_ms;
    s->active = false;
    s->have_last = true;
    s->next_ms = after_gap > sent_at ? after_gap : sent_at;
  }
  return 1;
}

int64_t ript_dtmf_sender_next(const ript_dtmf_sender *s) {
  if (!s || (!s->active && s->count == 0))
    return INT64_MAX;
  if (!s->active && !s->have_last)
    return INT64_MIN;
  return s->next_ms;
}

bool ript_dtmf_sender_busy(const ript_dtmf_sender *s) { return s && s->active; }

void ript_dtmf_receiver_init(ript_dtmf_receiver *r) {
  if (r)
    memset(r, 0, sizeof(*r));
}

int ript_dtmf_receiver_push(ript_dtmf_receiver *r, int64_t timestamp_ms,
                            const ript_dtmf_event *ev) {
  if (!r || !ev)
    return RIPT_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < r->nseen; ++i)
    if (r->seen_ts[i] == timestamp_ms && r->seen_event[i] == ev->event)
      return 0;
  if (r->forgot && timestamp_ms <= r->horizon_ms)
    return 0;
  if (r->nseen == RIPT_DTMF_RECEIVER_HISTORY) {
    int64_t gone = r->seen_ts[r->next];
    if (!r->forgot || gone > r->horizon_ms)
      r->horizon_ms = gone;
    r->forgot = true;
  } else {
    ++r->nseen;
  }
  r->seen_ts[r->next] = timestamp_ms;
  r->seen_event[r->next] = ev->event;
  r->next = (r->next + 1) % RIPT_DTMF_RECEIVER_HISTORY;
  return 1;
}

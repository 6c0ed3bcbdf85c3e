/*
 * ript/dtmf.h - DTMF as RFC 4733 telephone-events (payload type 101). Part
 * of the audio toolkit (ript_audio).
 *
 * Payload (RFC 4733 §2.3), 4 bytes, network byte order:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     event     |E|R| volume    |          duration             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * event 0-9 are the digits, 10 '*', 11 '#', 12-15 'A'-'D'; E marks the
 * event's end; R is reserved (sent 0, ignored); volume is the tone's power
 * in -dBm0 (0..63); duration counts the event's length so far in units of
 * RIPT_DTMF_CLOCK_RATE (8000 Hz: RTP's telephone-event clock, so the
 * payload bytes are those an RTP peer would send and a gateway copies them
 * unchanged).
 *
 * In RIPT the chunk carries what RTP's header did: every chunk of one event
 * has the same timestamp, the event's start in ms (RTP: the same RTP
 * timestamp); sequence numbers grow as for any chunk. A receiver tells
 * events apart by (timestamp, event code).
 *
 * Thread-safety: no shared state; one sender or receiver must not be used
 * by two threads at once.
 */
#ifndef RIPT_DTMF_H
#define RIPT_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/error.h"

#define RIPT_DTMF_PAYLOAD_LEN 4u
/* Units of the duration field per second. */
#define RIPT_DTMF_CLOCK_RATE 8000u
/* Highest volume (-63 dBm0). */
#define RIPT_DTMF_VOLUME_MAX 63u

/* One telephone-event payload, decoded. */
typedef struct ript_dtmf_event {
  uint8_t event;     /* 0..15 for DTMF; other codes pass through */
  bool end;          /* E bit */
  uint8_t volume;    /* 0..63, -dBm0 */
  uint16_t duration; /* in RIPT_DTMF_CLOCK_RATE units */
} ript_dtmf_event;

/* The event code of DTMF key |digit| ('0'-'9', '*', '#', 'A'-'D', also
 * 'a'-'d'), or -1 for any other character. */
int ript_dtmf_event_code(char digit);

/* The key of DTMF event code |event| (0..15), or '\0' for other codes. */
char ript_dtmf_digit(unsigned event);

/*
 * Writes |ev| as a 4-byte payload into |out| (|outlen| bytes). Returns 4,
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument, volume above 63) or
 * RIPT_ERR_NOBUF (|outlen| < 4).
 */
ript_ssize ript_dtmf_encode(const ript_dtmf_event *ev, uint8_t *out,
                            size_t outlen);

/*
 * Reads a payload of |len| bytes (exactly 4: a chunk holds one event) into
 * |ev|. The R bit is ignored. Returns 0, RIPT_ERR_PARSE (another length;
 * |err| gets offset |len| when shorter, 4 when longer, and what was
 * expected) or RIPT_ERR_INVALID_ARGUMENT (NULL |ev|, NULL |data| with |len|
 * > 0). |err| may be NULL.
 */
int ript_dtmf_decode(ript_dtmf_event *ev, const uint8_t *data, size_t len,
                     ript_parse_error *err);

/* ---- Sender -------------------------------------------------------------- */

/* Digits a sender queues at most (RIPT_ERR_LIMIT beyond). */
#define RIPT_DTMF_QUEUE_MAX 64u

/* How a sender plays digits; zero fields take the default in brackets. */
typedef struct ript_dtmf_sender_config {
  unsigned tone_ms;     /* [100] how long each key is down; at most 8000 */
  unsigned gap_ms;      /* [50] silence between the end of one tone and the
                           start of the next */
  unsigned interval_ms; /* [50] update interval: the main codec's frame
                           duration is best (RFC 4733 §2.5.1.2) */
  uint8_t volume;       /* [0 means 10] -dBm0, at most 63 */
} ript_dtmf_sender_config;

/*
 * One payload to send: a chunk of payload type 101 with |timestamp_ms|
 * (the event's start) and media = ript_dtmf_encode(&event).
 */
typedef struct ript_dtmf_packet {
  ript_dtmf_event event;
  int64_t timestamp_ms;
  bool first; /* the event's first packet (RTP would set the marker bit) */
} ript_dtmf_packet;

/*
 * A sender's state. Embed it; ript_dtmf_sender_init sets it up. It holds
 * no resources. Fields are private.
 *
 * Schedule (RFC 4733 §2.5.1): a queued digit starts at the first
 * ript_dtmf_sender_poll allowed to start it: at once when the sender was
 * idle, otherwise no earlier than the previous digit's start + tone + gap
 * and never before the previous digit's last packet. Its k-th packet
 * (k = 0, 1, ...) is due at start + k * interval and reports duration
 * min((k + 1) * interval, tone) (the first packet goes out at key-down and
 * covers its interval); the packet reaching the full tone has E set and is
 * sent three times in all, one interval apart (§2.5.1.4). So a 100 ms tone
 * with a 50 ms interval gives packets at +0 (400 units), +50 (800, E),
 * +100 (800, E), +150 (800, E), and the next digit starts at +150, after
 * the last of them.
 */
typedef struct ript_dtmf_sender {
  ript_dtmf_sender_config cfg;
  uint8_t queue[RIPT_DTMF_QUEUE_MAX]; /* ring of queued event codes */
  size_t head, count;
  bool active;      /* an event is being sent */
  uint8_t event;    /* the event being sent */
  int64_t start_ms; /* its start */
  unsigned sent;    /* packets sent for it */
  unsigned ends;    /* end packets sent for it */
  int64_t next_ms;  /* active: the next packet's time; else the earliest
                       start of the next digit (when have_last) */
  bool have_last;   /* a digit was sent before */
} ript_dtmf_sender;

/*
 * Sets up |s| with |cfg| (copied; NULL: all defaults). Returns 0 or
 * RIPT_ERR_INVALID_ARGUMENT (NULL |s|, tone_ms above 8000 (the duration
 * field's 16 bits at 8 kHz), volume above 63).
 */
int ript_dtmf_sender_init(ript_dtmf_sender *s,
                          const ript_dtmf_sender_config *cfg);

/*
 * Queues the |len| keys of |digits| (see ript_dtmf_event_code) to be sent
 * after those already queued. All or nothing: returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument with |len| > 0, a character that
 * is not a key) or RIPT_ERR_LIMIT (the queue would exceed
 * RIPT_DTMF_QUEUE_MAX).
 */
int ript_dtmf_sender_push(ript_dtmf_sender *s, const char *digits, size_t len);

/*
 * Returns 1 and fills |pkt| if a packet is due at |now_ms|, 0 if none is.
 * Call it until it returns 0 (several packets may be due after a late
 * call; each is then sent at once with its scheduled content). Returns
 * RIPT_ERR_INVALID_ARGUMENT for NULL arguments.
 */
int ript_dtmf_sender_poll(ript_dtmf_sender *s, int64_t now_ms,
                          ript_dtmf_packet *pkt);

/*
 * When ript_dtmf_sender_poll next has something to do: the due time of the
 * next packet, |now_ms|-independent; INT64_MAX when nothing is queued or
 * being sent. A digit queued while idle is due at once (returns INT64_MIN).
 */
int64_t ript_dtmf_sender_next(const ript_dtmf_sender *s);

/*
 * True while an event is being sent. RFC 4733 advises against sending the
 * tone as audio at the same time, so a caller may mute its media meanwhile.
 */
bool ript_dtmf_sender_busy(const ript_dtmf_sender *s);

/* ---- Receiver ------------------------------------------------------------ */

/* Events a receiver remembers to suppress repeats and late copies. */
#define RIPT_DTMF_RECEIVER_HISTORY 32u

/*
 * A receiver's state: reports each event once, on the first of its
 * packets to arrive (so reordering across events reports them in arrival
 * order). It remembers the last RIPT_DTMF_RECEIVER_HISTORY events; a packet
 * of an event that is not remembered and starts no later than one that was
 * forgotten is taken as a late copy and dropped. Embed it;
 * ript_dtmf_receiver_init sets it up; no resources. Fields are private.
 */
typedef struct ript_dtmf_receiver {
  int64_t seen_ts[RIPT_DTMF_RECEIVER_HISTORY];
  uint8_t seen_event[RIPT_DTMF_RECEIVER_HISTORY];
  size_t nseen, next; /* ring of remembered (timestamp, event) */
  bool forgot;        /* an event has left the ring */
  int64_t horizon_ms; /* the latest start of a forgotten event */
} ript_dtmf_receiver;

/* Empties |r|: nothing reported yet. NULL is a no-op. */
void ript_dtmf_receiver_init(ript_dtmf_receiver *r);

/*
 * Feeds one received event payload |ev| whose chunk has timestamp
 * |timestamp_ms| (the event's start). Returns 1 if this is a new event
 * (report ev->event now: ript_dtmf_digit gives the key), 0 if it belongs to
 * an event already reported (a continuation, repeat or duplicate) or is
 * older than anything remembered, RIPT_ERR_INVALID_ARGUMENT for NULL
 * arguments.
 */
int ript_dtmf_receiver_push(ript_dtmf_receiver *r, int64_t timestamp_ms,
                            const ript_dtmf_event *ev);

#endif /* RIPT_DTMF_H */

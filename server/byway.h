/*
 * server/byway.h - the byways of a live call (docs/PROTOCOL.md §8, §10.5):
 * each is one exchange the call holds (a signaling or media GET or PUT, or
 * a WebTransport session), and the lists a call keeps them on.
 *
 * A byway is a leaf: it checks and reads its exchange (content types, body
 * limits, the event stream of a forward signaling byway) and reports what
 * arrives to its owner through riptd_byway_owner; it never calls the call's
 * functions. The owner answers, writes and ends byways with the functions
 * below, also from inside the owner callbacks.
 *
 * Life: a byway is the user data of its exchange and lives until the
 * exchange closes. While the call holds it, it is on the call's list of its
 * type (most recent first); once answered, ended, reset or given up it is
 * off the list and only waits for its exchange to close.
 */
#ifndef RIPTD_BYWAY_H
#define RIPTD_BYWAY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ript/event.h"
#include "ript/http.h"

typedef enum riptd_byway_type {
  RIPTD_BYWAY_EVENTS_GET = 0, /* reverse signaling byway */
  RIPTD_BYWAY_EVENTS_PUT,     /* forward signaling byway */
  RIPTD_BYWAY_MEDIA_GET,      /* reverse media byway, held until used */
  RIPTD_BYWAY_MEDIA_PUT,      /* forward media byway: one body */
  RIPTD_BYWAY_SESSION,        /* WebTransport session: datagrams */
  RIPTD_BYWAY_TYPES
} riptd_byway_type;

typedef struct riptd_byway riptd_byway;

/* What a byway reports to the call that holds it. */
typedef struct riptd_byway_owner {
  void *data;
  /* The byway was on a list and its exchange closed (a reset, a broken
   * connection) or, for a session, the client ended its side. It is off
   * the list now. */
  void (*lost)(void *data, riptd_byway *bw);
  /* An event of a forward signaling byway, in arrival order. Returns 0 to
   * go on; nonzero once the owner answered the byway (an illegal event, or
   * the call ended): the rest of the body is ignored. */
  int (*event)(void *data, riptd_byway *bw, const ript_event *ev);
  /* The whole body of a forward media byway (decrypted in place by the
   * owner); the owner answers the byway. */
  void (*media)(void *data, riptd_byway *bw, uint8_t *body, size_t len);
  /* A datagram of a session (decrypted in place by the owner). */
  void (*datagram)(void *data, riptd_byway *bw, uint8_t *body, size_t len);
} riptd_byway_owner;

/* The limits a byway enforces on its own (riptd's "limits"). */
typedef struct riptd_byway_limits {
  size_t media_put_max;   /* a forward media byway's body: 413 */
  size_t events_put_max;  /* a forward signaling byway's body: 413 */
  size_t events_pending_max; /* a reverse signaling byway whose reader
                                falls this far behind is reset */
} riptd_byway_limits;

/* The byways a call holds, by type, most recent first. */
typedef struct riptd_byways {
  riptd_byway *head[RIPTD_BYWAY_TYPES];
  size_t count[RIPTD_BYWAY_TYPES];
} riptd_byways;

/*
 * Takes over |ex| as a byway of |type| (its callbacks are replaced) for
 * |owner|, and checks what the type needs: a forward byway's content type
 * (415) and declared length (413), a session's :protocol and datagrams
 * (400). |limits| is borrowed for the byway's life. Returns the byway: on a
 * list of nobody yet, or already answered when a check refused it
 * (riptd_byway_is_open). Returns NULL when out of memory, after answering
 * 503.
 */
riptd_byway *riptd_byway_new(ript_http_exchange *ex, riptd_byway_type type,
                             const riptd_byway_owner *owner,
                             const riptd_byway_limits *limits);

/*
 * Body bytes that arrived before the byway was made (the request waited
 * for the call to be found): handled as if they arrived now; |ended| when
 * the body was complete. Call it right after riptd_byway_new, once the
 * byway is on its list.
 */
void riptd_byway_feed(riptd_byway *bw, const uint8_t *body, size_t len,
                      int ended);

riptd_byway_type riptd_byway_type_of(const riptd_byway *bw);
/* Nonzero while the byway may still be answered, written or ended. */
int riptd_byway_is_open(const riptd_byway *bw);
/* The call URI the request named: https://AUTHORITY/PATH without the
 * last segment ("/events", "/media"), into |out| (|len| bytes, with the
 * NUL). Returns 0, or -1 when it does not fit. */
int riptd_byway_call_uri(const riptd_byway *bw, char *out, size_t len);

/* ---- lists ---- */

/* Puts |bw| first on |lists|' list of its type. */
void riptd_byway_attach(riptd_byways *lists, riptd_byway *bw);
/* Whether |bw| is on a list. */
int riptd_byway_attached(const riptd_byway *bw);
/* The byway after |bw| on its list, or NULL. */
riptd_byway *riptd_byway_next(const riptd_byway *bw);

/* ---- answering (each takes the byway off its list) ---- */

/* A complete response: |status|, content type |ctype| (NULL: none) and
 * |len| bytes of |body|. */
void riptd_byway_answer(riptd_byway *bw, int status, const char *ctype,
                        const void *body, size_t len);
/* An error document (docs/PROTOCOL.md §4.7); an extra header field when
 * |hname| is not NULL (a Retry-After). */
void riptd_byway_error(riptd_byway *bw, int status, const char *error,
                       const char *hname, const char *hvalue,
                       const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Ends the response body the byway streams (after the bytes written). */
void riptd_byway_end(riptd_byway *bw);
/* Resets the exchange. */
void riptd_byway_reset(riptd_byway *bw);
/* Leaves the exchange as it is, answered by nobody: the client drops it
 * (a media byway after `migrate`). */
void riptd_byway_give_up(riptd_byway *bw);

/* ---- streaming ---- */

/* Reverse signaling byway: the 200 header block (application/json,
 * no-store) and a fresh event writer. Returns 0, or -1 after the byway was
 * reset. */
int riptd_byway_open_events(riptd_byway *bw);
/* Its event writer (valid while the byway lives). */
ript_event_writer *riptd_byway_writer(riptd_byway *bw);
/* Queues |len| bytes of the streamed body. A byway whose reader fell too
 * far behind, or that cannot take them, is reset and taken off its list
 * (no lost report). Returns 0, or -1 when it was reset. */
int riptd_byway_write(riptd_byway *bw, const void *data, size_t len);

/* Session: the 200 that opens it. Returns 0 or -1 (not opened). */
int riptd_byway_open_session(riptd_byway *bw);
/* The largest datagram the session takes now (0: none). */
size_t riptd_byway_max_datagram(const riptd_byway *bw);
/* Sends one datagram; a datagram that does not go is dropped (media). */
void riptd_byway_send_datagram(riptd_byway *bw, const void *data,
                               size_t len);

#endif /* RIPTD_BYWAY_H */

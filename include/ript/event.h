/*
 * ript/event.h - RIPT signaling events and the signaling byway codec
 * (draft-rosenberg-dispatch-ript-00 sections 9.9, 9.10, 9.12, 9.13).
 *
 * An event is one JSON object. Its members are "event" (the type name),
 * "direction" ("c2s" or "s2c"), "timestamp" (an RFC 3339 date-time), "call"
 * (the call URI) and then members specific to the type:
 *
 *   type          sender   members after "call"
 *   proceeding    server   -
 *   alerting      server   -
 *   answered      server   -
 *   declined      server   "reason" (optional, string, <= 256 characters)
 *   failed        server   "reason" (optional)
 *   noanswer      server   "reason" (optional)
 *   end           either   "reason" (optional)
 *   migrate       server   "uri" (optional, the replacement call URI,
 *                          "https://...")
 *   ping          client   "nonce" (optional, string, <= 128 characters)
 *   pong          server   "nonce" (the ping's, when it had one)
 *   media-panic   server   -   (section 9.11.4: no reverse media byway open)
 *
 * Any other type name is an extension (e.g. the draft's
 * transfer-and-takeback): it reads as RIPT_EVENT_UNKNOWN, keeps its name and
 * its other members, and writes back unchanged. Which side may send which
 * event, and when, is ript/call.h's business: the codec accepts either
 * direction for every type.
 *
 * A signaling byway body (the GET /events response and the PUT /events
 * request) is a JSON array that is never closed in practice:
 *
 *   [{...}\n,{...}\n,{...}\n
 *
 * ript_event_writer writes that form; ript_event_parser reads any valid
 * JSON spelling of it incrementally.
 *
 * Thread-safety: functions on distinct objects may run concurrently; one
 * object must not be used from two threads at once. JSON parsing goes through
 * jansson, whose allocations use jansson's own (process-wide) allocator
 * rather than the ript_mem passed here; jansson's loader reports most of its
 * allocation failures as syntax errors, so those may come back as
 * RIPT_ERR_PARSE rather than RIPT_ERR_NOMEM.
 */
#ifndef RIPT_EVENT_H
#define RIPT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"

/* Event types of section 9.10 (and media-panic from 9.11.4). */
typedef enum ript_event_type {
  RIPT_EVENT_UNKNOWN = 0, /* an extension; the wire name is in .name */
  RIPT_EVENT_PROCEEDING,
  RIPT_EVENT_ALERTING,
  RIPT_EVENT_ANSWERED,
  RIPT_EVENT_DECLINED,
  RIPT_EVENT_FAILED,
  RIPT_EVENT_NOANSWER,
  RIPT_EVENT_END,
  RIPT_EVENT_MIGRATE,
  RIPT_EVENT_PING,
  RIPT_EVENT_PONG,
  RIPT_EVENT_MEDIA_PANIC
} ript_event_type;

/* One past the last type, for iterating over all of them. */
#define RIPT_EVENT_TYPE_COUNT (RIPT_EVENT_MEDIA_PANIC + 1)

/* Who sent an event. Zero is deliberately not a direction. */
typedef enum ript_event_dir {
  RIPT_EVENT_DIR_C2S = 1, /* "c2s": client to server (PUT /events) */
  RIPT_EVENT_DIR_S2C = 2  /* "s2c": server to client (GET /events) */
} ript_event_dir;

/* Longest "reason" and "nonce", in Unicode characters (not bytes). */
#define RIPT_EVENT_REASON_MAX 256
#define RIPT_EVENT_NONCE_MAX 128

/*
 * One event. To write an event, zero the struct (or ript_event_init), fill
 * the public members with strings you own, and call ript_event_write;
 * ript_event_free then touches nothing of yours. Events filled by
 * ript_event_parse, ript_event_copy or ript_event_pong own their strings,
 * which stay valid until ript_event_free.
 *
 * All strings are NUL-terminated UTF-8; NULL means "absent".
 */
typedef struct ript_event {
  ript_event_type type;
  /* The type name on the wire. Required for RIPT_EVENT_UNKNOWN (non-empty,
   * not a known name); for a known type NULL or that type's name (parsing
   * sets it to the static name). */
  const char *name;
  ript_event_dir direction;
  /* The sender's clock, ms since 1970-01-01T00:00:00Z (leap seconds not
   * counted), between 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
  int64_t timestamp_ms;
  const char *call; /* the call URI; required, non-empty */
  /* declined, failed, noanswer, end: optional human-readable reason. */
  const char *reason;
  /* migrate: optional replacement call URI, starting with "https://". */
  const char *uri;
  /* ping, pong: optional nonce. */
  const char *nonce;
  /* RIPT_EVENT_UNKNOWN only: the members after the four common ones, as a
   * JSON object text (parsing gives compact JSON, e.g. {"target":"x"}), or
   * NULL when there are none. */
  const char *extra;

  /* Private: storage of the strings above when the library filled them. */
  void *storage;
  const ript_mem *mem;
} ript_event;

/* Zeroes |ev|: no type, no strings, nothing owned. */
void ript_event_init(ript_event *ev);

/* Zeroes |ev| and fills the four members every event has: an event of
 * |type| that the |dir| side sends at |now_ms| (ms since the Unix epoch)
 * for the call |call_uri| (borrowed; may be NULL for one the caller names
 * later). The caller adds what the type carries (reason, uri, nonce).
 * Nothing is allocated. */
void ript_event_prepare(ript_event *ev, ript_event_type type,
                        ript_event_dir dir, int64_t now_ms,
                        const char *call_uri);

/* Frees the strings |ev| owns (if any) and zeroes it. NULL is a no-op. */
void ript_event_free(ript_event *ev);

/* The wire name of |type| ("proceeding", ..., "media-panic"), or NULL for
 * RIPT_EVENT_UNKNOWN and out-of-range values. Static string. */
const char *ript_event_type_name(ript_event_type type);

/* The type whose wire name is the |len| bytes at |name| (case-sensitive),
 * RIPT_EVENT_UNKNOWN if none. */
ript_event_type ript_event_type_from_name(const char *name, size_t len);

/* "c2s" / "s2c", or NULL for any other value. Static string. */
const char *ript_event_dir_name(ript_event_dir dir);

/*
 * Parses one event: exactly one JSON object (surrounding JSON whitespace
 * allowed) of |len| bytes at |data|. Unknown members are ignored (kept in
 * .extra for an unknown type); the fraction of "timestamp" is truncated to
 * milliseconds. |ev| is overwritten without being freed first, so pass an
 * initialised or freed event; on success it owns copies of all its strings,
 * allocated with |mem| (NULL: default), until ript_event_free. On failure
 * |ev| is left zeroed.
 *
 * Returns 0 or:
 *   RIPT_ERR_PARSE      not JSON (|err|->offset is the last byte the JSON
 *                       reader consumed, or the first invalid UTF-8 byte),
 *                       duplicate member names, a "\u0000" in a string, not
 *                       an object, or a missing or mistyped member: then
 *                       |err|->offset is 0 and |err|->expected names the
 *                       member, e.g. "\"timestamp\" as an RFC 3339 string".
 *   RIPT_ERR_TRUNCATED  the object is incomplete (offset |len|).
 *   RIPT_ERR_LIMIT      nested deeper than jansson's limit (2048).
 *   RIPT_ERR_NOMEM      out of memory.
 *   RIPT_ERR_INVALID_ARGUMENT  |ev| NULL, or |data| NULL with |len| > 0.
 * |err| may be NULL.
 */
int ript_event_parse(ript_event *ev, const uint8_t *data, size_t len,
                     const ript_mem *mem, ript_parse_error *err);

/*
 * Appends |ev| to |out| as compact JSON: "event", "direction", "timestamp"
 * (written as YYYY-MM-DDTHH:MM:SS.mmmZ), "call", then the type's own
 * members in the order of the table above (an unknown type's .extra members
 * in their order). No newline. On failure |out| is unchanged.
 *
 * Returns 0 or:
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |ev|/|out|; bad type or direction; no or
 *     empty call; a .name that does not fit the type; a member set that the
 *     type does not have (e.g. .reason on answered, .extra on a known type);
 *     .uri not starting with "https://"; .extra not a JSON object or
 *     repeating one of the four common members; a string that is not UTF-8.
 *   RIPT_ERR_RANGE  timestamp outside the years 0000-9999, reason longer
 *     than RIPT_EVENT_REASON_MAX or nonce longer than RIPT_EVENT_NONCE_MAX
 *     characters.
 *   RIPT_ERR_NOMEM  out of memory.
 */
int ript_event_write(const ript_event *ev, ript_buf *out);

/*
 * Makes |dst| a deep copy of |src| (owning its strings, allocated with
 * |mem|), e.g. to queue an event that arrived in a parser callback. |dst| is
 * overwritten without being freed first. Nothing is validated beyond the
 * type. Returns 0, RIPT_ERR_NOMEM (|dst| zeroed) or RIPT_ERR_INVALID_ARGUMENT
 * (NULL pointers or a type out of range).
 */
int ript_event_copy(ript_event *dst, const ript_event *src,
                    const ript_mem *mem);

/*
 * Fills |pong| with the answer to |ping| (section 9.10): type pong,
 * direction s2c, |ping|'s call URI and nonce (copied, allocated with |mem|),
 * timestamp |now_ms|. |pong| is overwritten without being freed first.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL pointers, or |ping| is not a
 * ping) or RIPT_ERR_NOMEM (|pong| zeroed).
 */
int ript_event_pong(ript_event *pong, const ript_event *ping, int64_t now_ms,
                    const ript_mem *mem);

/* Nonzero if |a| and |b| carry the same event: same type, name, direction,
 * timestamp and strings (NULL equals only NULL). Ownership is ignored. */
int ript_event_equal(const ript_event *a, const ript_event *b);

/* ---- Writing a signaling byway body ---------------------------------- */

/* Caller-embedded writer state; no resources, so there is no _free. */
typedef struct ript_event_writer {
  int state; /* private */
} ript_event_writer;

void ript_event_writer_init(ript_event_writer *w);

/*
 * Appends "[", which section 9.9 requires right after the header fields.
 * Returns 0, RIPT_ERR_NOMEM (nothing appended, still unopened) or
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, or already opened).
 */
int ript_event_writer_open(ript_event_writer *w, ript_buf *out);

/*
 * Appends |ev| as one array element: ",", except before the first event,
 * then the event as ript_event_write writes it, then "\n". On failure
 * nothing is appended and the writer is unchanged. Returns 0, the errors of
 * ript_event_write, or RIPT_ERR_INVALID_ARGUMENT if the writer is not open.
 */
int ript_event_writer_write(ript_event_writer *w, const ript_event *ev,
                            ript_buf *out);

/*
 * Appends "]", closing the array: only for a byway ended on purpose (a
 * live byway is never closed). Returns 0, RIPT_ERR_NOMEM (nothing appended)
 * or RIPT_ERR_INVALID_ARGUMENT if the writer is not open.
 */
int ript_event_writer_close(ript_event_writer *w, ript_buf *out);

/* ---- Reading a signaling byway body ---------------------------------- */

/*
 * Called once per complete event, in stream order. |ev| and its strings are
 * valid only during the call (ript_event_copy keeps one). Return 0 to go on;
 * anything else stops the parser for good with RIPT_ERR_CALLBACK_FAILURE.
 * The callback must not call ript_event_parser_feed/_finish/_del on the
 * same parser.
 */
typedef int (*ript_event_cb)(const ript_event *ev, void *user_data);

/* Defaults for ript_event_parser_settings. */
#define RIPT_EVENT_MAX_SIZE_DEFAULT 16384
#define RIPT_EVENT_MAX_DEPTH_DEFAULT 16

typedef struct ript_event_parser_settings {
  /* Largest event object in bytes, from '{' to '}' inclusive
   * (0: RIPT_EVENT_MAX_SIZE_DEFAULT). */
  size_t max_event_size;
  /* Deepest nesting of objects and arrays; the event object itself is
   * level 1 (0: RIPT_EVENT_MAX_DEPTH_DEFAULT). */
  size_t max_depth;
} ript_event_parser_settings;

typedef struct ript_event_parser ript_event_parser;

/*
 * Creates a parser for one byway body that calls |cb| with |user_data| for
 * each event. |settings| NULL means the defaults; it is copied. Allocates
 * with |mem| (NULL: default), which must outlive the parser.
 * Returns 0 (and *|pparser|), RIPT_ERR_INVALID_ARGUMENT (NULL |pparser| or
 * |cb|) or RIPT_ERR_NOMEM.
 */
int ript_event_parser_new(ript_event_parser **pparser, ript_event_cb cb,
                          void *user_data,
                          const ript_event_parser_settings *settings,
                          const ript_mem *mem);

/* Frees the parser. NULL is a no-op. */
void ript_event_parser_del(ript_event_parser *parser);

/*
 * Consumes the next |len| bytes of the body; the body may be split anywhere.
 * Accepted: an optional UTF-8 byte order mark as the very first bytes, JSON
 * whitespace, "[", event objects separated by ",", and "]" followed only by
 * whitespace. Each event is delivered as soon as its closing "}" arrives.
 *
 * Returns 0 once all bytes are consumed, or an error that sticks (every
 * later call returns it again; events delivered before it stay delivered):
 *   RIPT_ERR_PARSE   unexpected byte, an element that is not an object, or
 *                    an object that is not a valid event (see
 *                    ript_event_parse); |err|->offset is counted from the
 *                    start of the body.
 *   RIPT_ERR_LIMIT   an event larger or deeper than the settings allow;
 *                    offset of the first byte over the limit.
 *   RIPT_ERR_CALLBACK_FAILURE  the callback returned nonzero; offset is
 *                    just past that event's "}".
 *   RIPT_ERR_NOMEM   out of memory (the parser is unusable).
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |parser|, NULL |data| with |len| > 0,
 *                    or called from inside the callback (not sticky).
 * |err| may be NULL.
 */
int ript_event_parser_feed(ript_event_parser *parser, const uint8_t *data,
                           size_t len, ript_parse_error *err);

/*
 * Tells the parser the body has ended. Returns 0 if it ended between
 * elements (after "[", after an event or after "]"), RIPT_ERR_TRUNCATED
 * otherwise (before "[", after ",", or inside an event, which is dropped;
 * offset = body length), or the sticky error. |err| may be NULL.
 */
int ript_event_parser_finish(ript_event_parser *parser, ript_parse_error *err);

/* Nonzero once the closing "]" has been read (before any error). */
int ript_event_parser_closed(const ript_event_parser *parser);

#endif /* RIPT_EVENT_H */

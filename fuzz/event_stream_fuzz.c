/*
 * Feeds a signaling byway body in pieces and compares with feeding it at
 * once: the same events, the same error at the same offset, the same state
 * at the end.
 *
 * Input: byte 0 = flags (bit 7: small limits, 256 bytes and depth 4; bits
 * 0-2: how many piece sizes follow, 1-8); then the piece sizes, used in
 * turn, one byte each: bits 0-6 + 1 bytes, preceded by an empty feed when
 * bit 7 is set; then the body.
 */
#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome {
  ript_buf events; /* every event written back, one per line */
  int rv;
  ript_parse_error err;
  int finish_rv;
  int closed;
} outcome;

static int record_event(const ript_event *ev, void *user_data) {
  ript_buf *events = user_data;
  /* Whatever the parser delivers must be writable as it is. */
  if (ript_event_write(ev, events) != 0 || ript_buf_append(events, "\n", 1))
    abort();
  return 0;
}

static void run(outcome *o, const ript_event_parser_settings *settings,
                const uint8_t *body, size_t len, const uint8_t *pieces,
                size_t npieces) {
  ript_buf_init(&o->events, NULL);
  ript_event_parser *p;
  if (ript_event_parser_new(&p, record_event, &o->events, settings, NULL) != 0)
    abort();
  o->rv = 0;
  o->err.offset = 0;
  o->err.expected = NULL;
  size_t at = 0;
  for (size_t i = 0; at < len && o->rv == 0; ++i) {
    size_t n = len;
    if (npieces) {
      uint8_t b = pieces[i % npieces];
      n = (size_t)(b & 0x7F) + 1;
      if (b & 0x80)
        o->rv = ript_event_parser_feed(p, body + at, 0, &o->err);
    }
    if (n > len - at)
      n = len - at;
    if (o->rv == 0)
      o->rv = ript_event_parser_feed(p, body + at, n, &o->err);
    at += n;
  }
  ript_parse_error ferr;
  o->finish_rv = ript_event_parser_finish(p, &ferr);
  o->closed = ript_event_parser_closed(p);
  ript_event_parser_del(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t npieces = (size_t)(data[0] & 0x07) + 1;
  if (size < 1 + npieces)
    return 0;
  ript_event_parser_settings small = {256, 4};
  const ript_event_parser_settings *settings = data[0] & 0x80 ? &small : NULL;
  const uint8_t *pieces = data + 1;
  const uint8_t *body = data + 1 + npieces;
  size_t len = size - 1 - npieces;

  outcome whole, split;
  run(&whole, settings, body, len, NULL, 0);
  run(&split, settings, body, len, pieces, npieces);
  if (whole.rv != split.rv || whole.finish_rv != split.finish_rv ||
      whole.closed != split.closed || whole.events.len != split.events.len ||
      (whole.events.len &&
       memcmp(whole.events.data, split.events.data, whole.events.len) != 0))
    abort();
  if (whole.rv != 0 &&
      (whole.err.offset != split.err.offset || whole.err.offset > len ||
       strcmp(whole.err.expected, split.err.expected) != 0))
    abort();
  ript_buf_free(&whole.events);
  ript_buf_free(&split.events);
  return 0;
}

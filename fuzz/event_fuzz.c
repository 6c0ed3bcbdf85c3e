/*
 * One JSON object -> ript_event -> write -> parse -> the same event, and the
 * second write gives the same bytes. Whatever parses must also write, copy
 * and (for a ping) answer with a pong.
 */
#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int rv, const ript_parse_error *err, size_t size) {
  if (rv != RIPT_ERR_PARSE && rv != RIPT_ERR_TRUNCATED &&
      rv != RIPT_ERR_LIMIT && rv != RIPT_ERR_NOMEM)
    abort();
  if (rv != RIPT_ERR_NOMEM && (err->offset > size || !err->expected))
    abort();
}

static void check_pong(const ript_event *ev) {
  ript_event pong;
  if (ript_event_pong(&pong, ev, ev->timestamp_ms, NULL) != 0)
    abort();
  ript_buf out;
  ript_buf_init(&out, NULL);
  if (ript_event_write(&pong, &out) != 0 || !pong.call ||
      strcmp(pong.call, ev->call) != 0)
    abort();
  ript_buf_free(&out);
  ript_event_free(&pong);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_event ev;
  ript_parse_error err = {0, NULL};
  int rv = ript_event_parse(&ev, data, size, NULL, &err);
  if (rv != 0) {
    check_failure(rv, &err, size);
    return 0;
  }
  ript_buf first, second;
  ript_buf_init(&first, NULL);
  ript_buf_init(&second, NULL);
  if (ript_event_write(&ev, &first) != 0)
    abort();
  ript_event back, copy;
  if (ript_event_parse(&back, first.data, first.len, NULL, NULL) != 0 ||
      !ript_event_equal(&ev, &back))
    abort();
  if (ript_event_write(&back, &second) != 0 || second.len != first.len ||
      memcmp(first.data, second.data, first.len) != 0)
    abort();
  if (ript_event_copy(&copy, &ev, NULL) != 0 || !ript_event_equal(&ev, &copy))
    abort();
  if (ev.type == RIPT_EVENT_PING)
    check_pong(&ev);
  ript_event_free(&copy);
  ript_event_free(&back);
  ript_event_free(&ev);
  ript_buf_free(&first);
  ript_buf_free(&second);
  return 0;
}

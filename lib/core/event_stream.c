/*
 * The signaling byway body: an endless JSON array of event objects.
 *
 * The parser finds where each object ends by itself (strings, escapes and
 * bracket depth), so that it never waits for a "]" that does not come, and
 * enforces the size and depth limits before anything is handed to jansson.
 * Bracket kinds are not matched here: jansson reports "{]" when it reads the
 * object.
 */
#include <string.h>

#include "ript/event.h"
#include "ript_mem.h"

/* ---- Writer -------------------------------------------------------- */

enum {
  WRITER_NEW = 0,
  WRITER_EMPTY, /* "[" written, no event yet */
  WRITER_OPEN,  /* at least one event written */
  WRITER_CLOSED
};

void ript_event_writer_init(ript_event_writer *w) { w->state = WRITER_NEW; }

int ript_event_writer_open(ript_event_writer *w, ript_buf *out) {
  if (!w || !out || w->state != WRITER_NEW)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = ript_buf_append(out, "[", 1);
  if (rv == 0)
    w->state = WRITER_EMPTY;
  return rv;
}

int ript_event_writer_write(ript_event_writer *w, const ript_event *ev,
                            ript_buf *out) {
  if (!w || !ev || !out ||
      (w->state != WRITER_EMPTY && w->state != WRITER_OPEN))
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t mark = out->len;
  int rv = w->state == WRITER_OPEN ? ript_buf_append(out, ",", 1) : 0;
  if (rv == 0)
    rv = ript_event_write(ev, out);
  if (rv == 0)
    rv = ript_buf_append(out, "\n", 1);
  if (rv != 0) {
    if (out->len != mark) {
      out->len = mark;
      out->data[mark] = '\0';
    }
    return rv;
  }
  w->state = WRITER_OPEN;
  return 0;
}

int ript_event_writer_close(ript_event_writer *w, ript_buf *out) {
  if (!w || !out || (w->state != WRITER_EMPTY && w->state != WRITER_OPEN))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = ript_buf_append(out, "]", 1);
  if (rv == 0)
    w->state = WRITER_CLOSED;
  return rv;
}

/* ---- Parser -------------------------------------------------------- */

typedef enum parser_state {
  PARSER_START,       /* offset 0: a byte order mark may come */
  PARSER_BOM1,        /* read EF */
  PARSER_BOM2,        /* read EF BB */
  PARSER_BEFORE_OPEN, /* waiting for "[" */
  PARSER_FIRST,       /* after "[": an event or "]" */
  PARSER_AFTER_EVENT, /* "," or "]" */
  PARSER_NEXT,        /* after ",": an event */
  PARSER_OBJECT,      /* inside an event object */
  PARSER_CLOSED,      /* after "]": whitespace only */
  PARSER_FAILED       /* sticky error */
} parser_state;

struct ript_event_parser {
  const ript_mem *mem;
  ript_event_cb cb;
  void *user_data;
  size_t max_size;
  size_t max_depth;
  parser_state state;
  size_t offset; /* absolute offset of the next byte */
  /* The object being scanned. */
  size_t obj_start; /* absolute offset of its "{" */
  size_t depth;
  int in_string;
  int escaped;
  /* Its bytes so far, when it spans several feeds. */
  uint8_t *obj;
  size_t obj_len;
  size_t obj_cap;
  /* The sticky error. */
  int error;
  ript_parse_error error_at;
  int in_callback;
};

int ript_event_parser_new(ript_event_parser **pparser, ript_event_cb cb,
                          void *user_data,
                          const ript_event_parser_settings *settings,
                          const ript_mem *mem) {
  if (!pparser || !cb)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_event_parser *p = ript_mem_calloc(mem, 1, sizeof(*p));
  if (!p)
    return RIPT_ERR_NOMEM;
  p->mem = mem;
  p->cb = cb;
  p->user_data = user_data;
  p->max_size = RIPT_EVENT_MAX_SIZE_DEFAULT;
  p->max_depth = RIPT_EVENT_MAX_DEPTH_DEFAULT;
  if (settings && settings->max_event_size)
    p->max_size = settings->max_event_size;
  if (settings && settings->max_depth)
    p->max_depth = settings->max_depth;
  p->state = PARSER_START;
  *pparser = p;
  return 0;
}

void ript_event_parser_del(ript_event_parser *parser) {
  if (!parser)
    return;
  ript_mem_free(parser->mem, parser->obj);
  ript_mem_free(parser->mem, parser);
}

int ript_event_parser_closed(const ript_event_parser *parser) {
  return parser && parser->state == PARSER_CLOSED;
}

static int parser_report(const ript_event_parser *p, ript_parse_error *err) {
  if (err)
    *err = p->error_at;
  return p->error;
}

static int parser_fail(ript_event_parser *p, size_t offset,
                       const char *expected, int rv, ript_parse_error *err) {
  p->state = PARSER_FAILED;
  p->error = rv;
  p->error_at.offset = offset;
  p->error_at.expected = expected;
  return parser_report(p, err);
}

static int parser_is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Keeps |len| more bytes of a partial object. The size limit was checked
 * while scanning, so the buffer never grows past max_size. */
static int parser_keep(ript_event_parser *p, const uint8_t *data, size_t len) {
  if (len == 0)
    return 0;
  if (p->obj_len + len > p->obj_cap) {
    size_t cap = p->obj_cap ? p->obj_cap : 256;
    while (cap < p->obj_len + len)
      cap = cap > p->max_size / 2 ? p->max_size : cap * 2;
    if (cap > p->max_size)
      cap = p->max_size;
    uint8_t *grown = ript_mem_realloc(p->mem, p->obj, cap);
    if (!grown)
      return RIPT_ERR_NOMEM;
    p->obj = grown;
    p->obj_cap = cap;
  }
  memcpy(p->obj + p->obj_len, data, len);
  p->obj_len += len;
  return 0;
}

/* Parses the complete object |data| and hands it to the callback. */
static int parser_deliver(ript_event_parser *p, const uint8_t *data,
                          size_t len, ript_parse_error *err) {
  ript_event ev;
  ript_parse_error e;
  int rv = ript_event_parse(&ev, data, len, p->mem, &e);
  if (rv == RIPT_ERR_NOMEM)
    return parser_fail(p, p->obj_start, "memory for the event", rv, err);
  if (rv != 0)
    return parser_fail(p, p->obj_start + e.offset, e.expected,
                       rv == RIPT_ERR_LIMIT ? rv : RIPT_ERR_PARSE, err);
  p->in_callback = 1;
  int cb_rv = p->cb(&ev, p->user_data);
  p->in_callback = 0;
  ript_event_free(&ev);
  if (cb_rv != 0)
    return parser_fail(p, p->obj_start + len,
                       "the callback to accept the event",
                       RIPT_ERR_CALLBACK_FAILURE, err);
  p->obj_len = 0;
  p->state = PARSER_AFTER_EVENT;
  return 0;
}

/*
 * Scans object bytes from data[*pos]; stops at the object's end (and
 * delivers it) or at the end of the data (and keeps what was read).
 */
static int parser_scan_object(ript_event_parser *p, const uint8_t *data,
                              size_t len, size_t *pos, ript_parse_error *err) {
  size_t begin = *pos;
  for (size_t i = begin; i < len; ++i, ++p->offset) {
    uint8_t c = data[i];
    if (p->offset - p->obj_start >= p->max_size)
      return parser_fail(p, p->offset, "an event within the size limit",
                         RIPT_ERR_LIMIT, err);
    if (p->in_string) {
      if (p->escaped)
        p->escaped = 0;
      else if (c == '\\')
        p->escaped = 1;
      else if (c == '"')
        p->in_string = 0;
      continue;
    }
    if (c == '"') {
      p->in_string = 1;
    } else if (c == '{' || c == '[') {
      if (++p->depth > p->max_depth)
        return parser_fail(p, p->offset, "nesting within the depth limit",
                           RIPT_ERR_LIMIT, err);
    } else if ((c == '}' || c == ']') && --p->depth == 0) {
      ++p->offset;
      *pos = i + 1;
      if (p->obj_len == 0)
        return parser_deliver(p, data + begin, i + 1 - begin, err);
      int rv = parser_keep(p, data + begin, i + 1 - begin);
      if (rv != 0)
        return parser_fail(p, p->obj_start, "memory for the event", rv, err);
      return parser_deliver(p, p->obj, p->obj_len, err);
    }
  }
  *pos = len;
  int rv = parser_keep(p, data + begin, len - begin);
  if (rv != 0)
    return parser_fail(p, p->obj_start, "memory for the event", rv, err);
  return 0;
}

static void parser_begin_object(ript_event_parser *p) {
  p->state = PARSER_OBJECT;
  p->obj_start = p->offset;
  p->obj_len = 0;
  p->depth = 0;
  p->in_string = 0;
  p->escaped = 0;
}

/* The byte order mark is ignored only as the very first bytes (RFC 8259
 * section 8.1 allows that); returns nonzero if |c| was part of it. */
static int parser_bom(ript_event_parser *p, uint8_t c, int *rv,
                      ript_parse_error *err) {
  static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};
  switch (p->state) {
  case PARSER_START:
    p->state = c == bom[0] ? PARSER_BOM1 : PARSER_BEFORE_OPEN;
    return c == bom[0];
  case PARSER_BOM1:
  case PARSER_BOM2: {
    int i = p->state == PARSER_BOM1 ? 1 : 2;
    if (c == bom[i])
      p->state = i == 1 ? PARSER_BOM2 : PARSER_BEFORE_OPEN;
    else
      *rv =
          parser_fail(p, p->offset, "the rest of the byte order mark EF BB BF",
                      RIPT_ERR_PARSE, err);
    return 1;
  }
  default:
    return 0;
  }
}

/* Handles one byte outside any object. */
static int parser_token(ript_event_parser *p, uint8_t c,
                        ript_parse_error *err) {
  int rv = 0;
  if (parser_bom(p, c, &rv, err) || parser_is_space(c))
    return rv;
  switch (p->state) {
  case PARSER_BEFORE_OPEN:
    if (c != '[')
      return parser_fail(p, p->offset, "'[' opening the event array",
                         RIPT_ERR_PARSE, err);
    p->state = PARSER_FIRST;
    return 0;
  case PARSER_FIRST:
  case PARSER_NEXT:
    if (c == '{') {
      parser_begin_object(p);
      return 0;
    }
    if (c == ']' && p->state == PARSER_FIRST) {
      p->state = PARSER_CLOSED;
      return 0;
    }
    return parser_fail(p, p->offset,
                       p->state == PARSER_FIRST ? "'{' starting an event or ']'"
                                                : "'{' starting an event",
                       RIPT_ERR_PARSE, err);
  case PARSER_AFTER_EVENT:
    if (c != ',' && c != ']')
      return parser_fail(p, p->offset, "',' or ']' after an event",
                         RIPT_ERR_PARSE, err);
    p->state = c == ',' ? PARSER_NEXT : PARSER_CLOSED;
    return 0;
  default: /* PARSER_CLOSED */
    return parser_fail(p, p->offset, "only whitespace after ']'",
                       RIPT_ERR_PARSE, err);
  }
}

int ript_event_parser_feed(ript_event_parser *parser, const uint8_t *data,
                           size_t len, ript_parse_error *err) {
  if (!parser || (!data && len > 0) || parser->in_callback)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (parser->state == PARSER_FAILED)
    return parser_report(parser, err);
  size_t pos = 0;
  while (pos < len) {
    int rv;
    if (parser->state == PARSER_OBJECT) {
      rv = parser_scan_object(parser, data, len, &pos, err);
    } else {
      rv = parser_token(parser, data[pos], err);
      if (rv == 0) {
        /* The "{" that opens an object belongs to it. */
        if (parser->state == PARSER_OBJECT)
          continue;
        ++pos;
        ++parser->offset;
      }
    }
    if (rv != 0)
      return rv;
  }
  return 0;
}

int ript_event_parser_finish(ript_event_parser *parser,
                             ript_parse_error *err) {
  if (!parser || parser->in_callback)
    return RIPT_ERR_INVALID_ARGUMENT;
  const char *expected;
  switch (parser->state) {
  case PARSER_FAILED:
    return parser_report(parser, err);
  case PARSER_FIRST:
  case PARSER_AFTER_EVENT:
  case PARSER_CLOSED:
    return 0;
  case PARSER_NEXT:
    expected = "an event after ','";
    break;
  case PARSER_OBJECT:
    expected = "the rest of the event object";
    break;
  default:
    expected = "'[' opening the event array";
  }
  if (err) {
    err->offset = parser->offset;
    err->expected = expected;
  }
  return RIPT_ERR_TRUNCATED;
}

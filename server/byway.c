/* The byways of a live call: one exchange each, checked and read here,
 * reported to the call that holds it (byway.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byway.h"
#include "reply.h"
#include "ript/buf.h"

static const char byway_chunks_type[] = "application/ript-chunks";

struct riptd_byway {
  riptd_byway *prev, *next;
  riptd_byways *lists; /* NULL: on no list */
  ript_http_exchange *ex;
  riptd_byway_type type;
  riptd_byway_owner owner;
  const riptd_byway_limits *limits;
  int answered;                /* a response went out (or the reset) */
  ript_event_writer writer;    /* events GET */
  ript_event_parser *parser;   /* events PUT */
  ript_buf body;               /* media PUT; events PUT: bytes counted */
  size_t received;
};

/* ---- lists ---- */

/* Takes |bw| off its list, if it is on one. */
static void byway_detach(riptd_byway *bw) {
  riptd_byways *l = bw->lists;
  if (!l)
    return;
  if (bw->prev)
    bw->prev->next = bw->next;
  else
    l->head[bw->type] = bw->next;
  if (bw->next)
    bw->next->prev = bw->prev;
  bw->prev = bw->next = NULL;
  bw->lists = NULL;
  --l->count[bw->type];
}

void riptd_byway_attach(riptd_byways *lists, riptd_byway *bw) {
  byway_detach(bw);
  bw->lists = lists;
  bw->prev = NULL;
  bw->next = lists->head[bw->type];
  if (bw->next)
    bw->next->prev = bw;
  lists->head[bw->type] = bw;
  ++lists->count[bw->type];
}

int riptd_byway_attached(const riptd_byway *bw) { return bw->lists != NULL; }

riptd_byway *riptd_byway_next(const riptd_byway *bw) { return bw->next; }

riptd_byway_type riptd_byway_type_of(const riptd_byway *bw) {
  return bw->type;
}

int riptd_byway_is_open(const riptd_byway *bw) { return !bw->answered; }

int riptd_byway_call_uri(const riptd_byway *bw, char *out, size_t len) {
  const char *authority = ript_http_exchange_authority(bw->ex);
  const char *path = ript_http_exchange_path(bw->ex);
  if (!authority || !path)
    return -1;
  size_t plen = strcspn(path, "?");
  const char *slash = memrchr(path, '/', plen);
  int n = snprintf(out, len, "https://%s%.*s", authority,
                   (int)(slash ? slash - path : (ptrdiff_t)plen), path);
  return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* ---- answering ---- */

/* The whole answer: |body| of type |ctype| (NULL: none), and the header
 * field |hname| when not NULL. */
static void byway_send(riptd_byway *bw, int status, const char *ctype,
                       const char *hname, const char *hvalue,
                       const void *body, size_t len) {
  byway_detach(bw);
  if (bw->answered)
    return;
  bw->answered = 1;
  char length[24];
  snprintf(length, sizeof(length), "%zu", len);
  ript_http_header h[3] = {{"content-length", length}};
  size_t n = 1;
  if (ctype)
    h[n++] = (ript_http_header){"content-type", ctype};
  if (hname)
    h[n++] = (ript_http_header){hname, hvalue};
  if (ript_http_exchange_respond(bw->ex, status, h, n,
                                 len ? RIPT_HTTP_FLAG_NONE
                                     : RIPT_HTTP_FLAG_END) != 0)
    ript_http_exchange_reset(bw->ex);
  else if (len && ript_http_exchange_write(bw->ex, body, len) != 0)
    ript_http_exchange_reset(bw->ex);
  else if (len)
    ript_http_exchange_end(bw->ex);
}

void riptd_byway_answer(riptd_byway *bw, int status, const char *ctype,
                        const void *body, size_t len) {
  byway_send(bw, status, ctype, NULL, NULL, body, len);
}

static void byway_error_v(riptd_byway *bw, int status, const char *error,
                          const char *hname, const char *hvalue,
                          const char *fmt, va_list ap) {
  if (bw->answered) {
    byway_detach(bw);
    return;
  }
  ript_buf body;
  ript_buf_init(&body, NULL);
  if (riptd_error_body(&body, status, error, fmt, ap) == 0)
    byway_send(bw, status, "application/json", hname, hvalue, body.data,
               body.len);
  else
    byway_send(bw, 500, NULL, NULL, NULL, NULL, 0);
  ript_buf_free(&body);
}

void riptd_byway_error(riptd_byway *bw, int status, const char *error,
                       const char *hname, const char *hvalue,
                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  byway_error_v(bw, status, error, hname, hvalue, fmt, ap);
  va_end(ap);
}

void riptd_byway_end(riptd_byway *bw) {
  byway_detach(bw);
  if (bw->answered)
    return;
  bw->answered = 1;
  ript_http_exchange_end(bw->ex);
}

void riptd_byway_reset(riptd_byway *bw) {
  byway_detach(bw);
  if (bw->answered)
    return;
  bw->answered = 1;
  ript_http_exchange_reset(bw->ex);
}

void riptd_byway_give_up(riptd_byway *bw) {
  byway_detach(bw);
  bw->answered = 1;
}

/* ---- streaming ---- */

int riptd_byway_open_events(riptd_byway *bw) {
  static const ript_http_header h[] = {{"content-type", "application/json"},
                                       {"cache-control", "no-store"}};
  ript_event_writer_init(&bw->writer);
  if (ript_http_exchange_respond(bw->ex, 200, h, 2, RIPT_HTTP_FLAG_NONE) ==
      0)
    return 0;
  riptd_byway_reset(bw);
  return -1;
}

ript_event_writer *riptd_byway_writer(riptd_byway *bw) { return &bw->writer; }

int riptd_byway_write(riptd_byway *bw, const void *data, size_t len) {
  if (bw->answered)
    return -1;
  if (ript_http_exchange_pending(bw->ex) > bw->limits->events_pending_max ||
      ript_http_exchange_write(bw->ex, data, len) != 0) {
    riptd_byway_reset(bw);
    return -1;
  }
  return 0;
}

int riptd_byway_open_session(riptd_byway *bw) {
  if (ript_http_exchange_respond(bw->ex, 200, NULL, 0, RIPT_HTTP_FLAG_NONE) ==
      0)
    return 0;
  riptd_byway_reset(bw);
  return -1;
}

size_t riptd_byway_max_datagram(const riptd_byway *bw) {
  return bw->answered ? 0 : ript_http_exchange_max_datagram(bw->ex);
}

void riptd_byway_send_datagram(riptd_byway *bw, const void *data,
                               size_t len) {
  if (!bw->answered)
    ript_http_exchange_send_datagram(bw->ex, data, len);
}

/* ---- what arrives ---- */

static void byway_on_close(ript_http_exchange *ex, int error,
                           void *user_data) {
  riptd_byway *bw = user_data;
  (void)ex, (void)error;
  if (bw->lists) {
    byway_detach(bw);
    bw->answered = 1;
    if (bw->owner.lost)
      bw->owner.lost(bw->owner.data, bw);
  }
  ript_event_parser_del(bw->parser);
  ript_buf_free(&bw->body);
  free(bw);
}

static int byway_on_event(const ript_event *ev, void *user_data) {
  riptd_byway *bw = user_data;
  return bw->owner.event(bw->owner.data, bw, ev);
}

/* A forward signaling byway's bytes: events in order; a body that is not
 * an event array ends the byway with 400, one too long with 413. */
static void byway_events_body(riptd_byway *bw, const uint8_t *data,
                              size_t len) {
  bw->received += len;
  if (bw->received > bw->limits->events_put_max) {
    riptd_byway_error(bw, 413, "payload-too-large", NULL, NULL,
                      "a signaling byway carries at most %zu bytes; open "
                      "another",
                      bw->limits->events_put_max);
    return;
  }
  ript_parse_error err = {0, NULL};
  int rv = ript_event_parser_feed(bw->parser, data, len, &err);
  if (rv == 0 || bw->answered)
    return;
  if (rv == RIPT_ERR_NOMEM)
    riptd_byway_error(bw, 500, "internal-error", NULL, NULL,
                      "riptd ran out of memory");
  else
    riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                      "the event stream is not valid: at byte %zu expected "
                      "%s",
                      err.offset, err.expected ? err.expected : "more");
}

static void byway_events_end(riptd_byway *bw) {
  ript_parse_error err = {0, NULL};
  if (ript_event_parser_finish(bw->parser, &err) != 0)
    riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                      "the event stream ended inside an event, at byte %zu",
                      err.offset);
  else
    riptd_byway_answer(bw, 200, NULL, NULL, 0);
}

static void byway_media_body(riptd_byway *bw, const uint8_t *data,
                             size_t len) {
  if (len > bw->limits->media_put_max - bw->body.len)
    riptd_byway_error(bw, 413, "payload-too-large", NULL, NULL,
                      "a media byway body is at most %zu bytes",
                      bw->limits->media_put_max);
  else if (ript_buf_append(&bw->body, data, len) != 0)
    riptd_byway_error(bw, 500, "internal-error", NULL, NULL,
                      "riptd ran out of memory");
}

static void byway_on_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  riptd_byway *bw = user_data;
  (void)ex;
  if (bw->answered || !bw->lists)
    return;
  if (bw->type == RIPTD_BYWAY_EVENTS_PUT)
    byway_events_body(bw, data, len);
  else if (bw->type == RIPTD_BYWAY_MEDIA_PUT)
    byway_media_body(bw, data, len);
}

static void byway_on_body_end(ript_http_exchange *ex, void *user_data) {
  riptd_byway *bw = user_data;
  (void)ex;
  if (bw->answered || !bw->lists)
    return;
  if (bw->type == RIPTD_BYWAY_EVENTS_PUT) {
    byway_events_end(bw);
  } else if (bw->type == RIPTD_BYWAY_MEDIA_PUT) {
    bw->owner.media(bw->owner.data, bw, bw->body.data, bw->body.len);
  } else if (bw->type == RIPTD_BYWAY_SESSION) {
    /* The client ended its side of the session: so does riptd. */
    riptd_byway_end(bw);
    bw->owner.lost(bw->owner.data, bw);
  }
}

static void byway_on_datagram(ript_http_exchange *ex, const uint8_t *data,
                              size_t len, void *user_data) {
  riptd_byway *bw = user_data;
  (void)ex;
  if (!bw->answered && bw->lists)
    bw->owner.datagram(bw->owner.data, bw, (uint8_t *)(uintptr_t)data, len);
}

void riptd_byway_feed(riptd_byway *bw, const uint8_t *body, size_t len,
                      int ended) {
  if (len)
    byway_on_body(bw->ex, body, len, bw);
  if (ended)
    byway_on_body_end(bw->ex, bw);
}

/* ---- taking over ---- */

/* Whether the request's Content-Type is |type| (none counts as it). */
static int byway_content_type_is(riptd_byway *bw, const char *type) {
  const char *ct = ript_http_exchange_header(bw->ex, "content-type");
  ript_http_header h = {"content-type", ct};
  riptd_request req = {"PUT", "", &h, ct ? 1 : 0, NULL, 0, 0};
  return riptd_request_content_type_is(&req, type);
}

static int byway_too_long(riptd_byway *bw, size_t max) {
  const char *cl = ript_http_exchange_header(bw->ex, "content-length");
  return cl && strtoull(cl, NULL, 10) > max;
}

/* The checks of a forward byway, a session's protocol; refusals answer. */
static void byway_check(riptd_byway *bw) {
  if (bw->type == RIPTD_BYWAY_EVENTS_PUT) {
    if (!byway_content_type_is(bw, "application/json"))
      riptd_byway_error(bw, 415, "unsupported-media-type", NULL, NULL,
                        "a signaling byway is sent as application/json");
    else if (ript_event_parser_new(&bw->parser, byway_on_event, bw, NULL,
                                   NULL) != 0)
      riptd_byway_error(bw, 500, "internal-error", NULL, NULL,
                        "riptd ran out of memory");
  } else if (bw->type == RIPTD_BYWAY_MEDIA_PUT) {
    if (!byway_content_type_is(bw, byway_chunks_type))
      riptd_byway_error(bw, 415, "unsupported-media-type", NULL, NULL,
                        "a media byway is sent as %s", byway_chunks_type);
    else if (byway_too_long(bw, bw->limits->media_put_max))
      riptd_byway_error(bw, 413, "payload-too-large", NULL, NULL,
                        "a media byway body is at most %zu bytes",
                        bw->limits->media_put_max);
  } else if (bw->type == RIPTD_BYWAY_SESSION) {
    const char *protocol = ript_http_exchange_protocol(bw->ex);
    if (!protocol || strcmp(protocol, "webtransport") != 0)
      riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                        "media sessions are CONNECT with :protocol "
                        "webtransport");
    else if (!ript_http_exchange_datagrams_enabled(bw->ex))
      riptd_byway_error(bw, 400, "bad-request", NULL, NULL,
                        "a media session needs HTTP/3 with datagrams; over "
                        "HTTP/2 media goes on byways (PUT and GET)");
  }
}

riptd_byway *riptd_byway_new(ript_http_exchange *ex, riptd_byway_type type,
                             const riptd_byway_owner *owner,
                             const riptd_byway_limits *limits) {
  riptd_byway *bw = calloc(1, sizeof(*bw));
  if (!bw) {
    ript_http_exchange_respond(ex, 503, NULL, 0, RIPT_HTTP_FLAG_END);
    return NULL;
  }
  bw->ex = ex;
  bw->type = type;
  bw->owner = *owner;
  bw->limits = limits;
  ript_buf_init(&bw->body, NULL);
  ript_http_exchange_callbacks cbs = {NULL, byway_on_body, byway_on_body_end,
                                      byway_on_datagram, byway_on_close};
  ript_http_exchange_set_callbacks(ex, &cbs, bw);
  byway_check(bw);
  /* Its header fields were read; a call holds up to 30 byways for
   * minutes. */
  ript_http_exchange_forget_headers(ex);
  return bw;
}

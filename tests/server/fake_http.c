/* Fake exchanges (fake_http.h) on the transport's backend contract. */
#include <stdlib.h>
#include <string.h>

#include "fake_http.h"
#include "http_internal.h"
#include "testutil.h"

static fake_ex *fakes;

static int fake_respond(ript_http_exchange *ex, int status,
                        const ript_http_header *headers, size_t n,
                        uint32_t flags) {
  fake_ex *f = ex->stream;
  (void)headers, (void)n;
  if (f->status)
    return RIPT_ERR_HTTP_STATE;
  f->status = status;
  ex->status = status;
  if (flags & RIPT_HTTP_FLAG_END)
    f->ended = 1;
  return 0;
}

static int fake_write(ript_http_exchange *ex, const void *data, size_t len) {
  fake_ex *f = ex->stream;
  if (!f->status || f->ended || f->reset)
    return RIPT_ERR_HTTP_STATE;
  return ript_buf_append(&f->body, data, len);
}

static size_t fake_pending(const ript_http_exchange *ex) {
  (void)ex;
  return 0;
}

static int fake_end(ript_http_exchange *ex) {
  fake_ex *f = ex->stream;
  if (f->ended || f->reset)
    return RIPT_ERR_HTTP_STATE;
  f->ended = 1;
  return 0;
}

static int fake_reset(ript_http_exchange *ex) {
  fake_ex *f = ex->stream;
  f->reset = 1;
  return 0;
}

static int fake_send_dgram(ript_http_exchange *ex, const void *data,
                           size_t len) {
  fake_ex *f = ex->stream;
  if (!f->max_datagram)
    return RIPT_ERR_HTTP_STATE;
  if (len > f->max_datagram || f->ndatagrams == FAKE_MAX_DATAGRAMS)
    return RIPT_ERR_NOBUF;
  ript_buf *b = &f->datagrams[f->ndatagrams++];
  ript_buf_init(b, NULL);
  return ript_buf_append(b, data, len);
}

static int fake_datagrams_enabled(const ript_http_exchange *ex) {
  const fake_ex *f = ex->stream;
  return f->max_datagram > 0;
}

static size_t fake_max_datagram(const ript_http_exchange *ex) {
  const fake_ex *f = ex->stream;
  return f->status == 200 && !f->reset ? f->max_datagram : 0;
}

static const ript_http_exchange_ops fake_ops = {
    fake_respond,     fake_write,          fake_pending,
    fake_end,         fake_reset,          fake_send_dgram,
    fake_datagrams_enabled, fake_max_datagram};

static void fake_pseudo(ript_http_exchange *ex, const char *name,
                        const char *value) {
  if (value)
    assert_int_equal(ript_http_exchange_set_pseudo(ex, name, strlen(name),
                                                   value, strlen(value)),
                     0);
}

fake_ex *fake_request(const char *method, const char *authority,
                      const char *path, const char *protocol,
                      const char *const *headers, size_t max_datagram) {
  fake_ex *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  ript_buf_init(&f->body, NULL);
  f->max_datagram = max_datagram;
  f->ex = ript_http_exchange_new(&fake_ops, f,
                                 max_datagram ? RIPT_HTTP_3 : RIPT_HTTP_2, 0);
  assert_non_null(f->ex);
  fake_pseudo(f->ex, ":method", method);
  fake_pseudo(f->ex, ":authority", authority);
  fake_pseudo(f->ex, ":path", path);
  fake_pseudo(f->ex, ":protocol", protocol);
  for (size_t i = 0; headers && headers[i]; ++i) {
    const char *colon = strchr(headers[i], ':');
    assert_non_null(colon);
    const char *value = colon + 1;
    while (*value == ' ')
      ++value;
    assert_int_equal(ript_http_exchange_add_header(
                         f->ex, headers[i], (size_t)(colon - headers[i]),
                         value, strlen(value)),
                     0);
  }
  f->next = fakes;
  fakes = f;
  return f;
}

void fake_send_body(fake_ex *f, const void *data, size_t len) {
  if (f->ex)
    ript_http_exchange_emit_body(f->ex, data, len);
}

void fake_end_body(fake_ex *f) {
  if (f->ex && !f->body_ended) {
    f->body_ended = 1;
    ript_http_exchange_emit_body_end(f->ex);
  }
}

void fake_send_datagram(fake_ex *f, const void *data, size_t len) {
  if (f->ex)
    ript_http_exchange_emit_datagram(f->ex, data, len);
}

void fake_close(fake_ex *f, int error) {
  if (!f->ex)
    return;
  ript_http_exchange *ex = f->ex;
  f->ex = NULL;
  f->close_error = error;
  ript_http_exchange_emit_close(ex, error);
}

void fake_settle(void) {
  for (fake_ex *f = fakes; f; f = f->next)
    if (f->ex && (f->reset || (f->ended && f->body_ended)))
      fake_close(f, f->reset ? RIPT_ERR_HTTP_RESET : 0);
}

void fake_close_all(void) {
  while (fakes) {
    fake_ex *f = fakes;
    fakes = f->next;
    fake_close(f, f->ended ? 0 : RIPT_ERR_HTTP_RESET);
    ript_buf_free(&f->body);
    for (size_t i = 0; i < f->ndatagrams; ++i)
      ript_buf_free(&f->datagrams[i]);
    free(f);
  }
}

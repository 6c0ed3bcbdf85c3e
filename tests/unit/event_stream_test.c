#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/event.h"
#include "testutil.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* ---- Helpers ------------------------------------------------------- */

/* What a parser delivered: every event written back, one per line. */
typedef struct transcript {
  ript_buf text;
  size_t count;
  size_t fail_at; /* the callback fails on this event (1-based); 0: never */
} transcript;

static int transcript_cb(const ript_event *ev, void *user_data) {
  transcript *t = user_data;
  assert_int_equal(ript_event_write(ev, &t->text), 0);
  assert_int_equal(ript_buf_append(&t->text, "\n", 1), 0);
  return ++t->count == t->fail_at;
}

static void transcript_init(transcript *t) {
  ript_buf_init(&t->text, NULL);
  t->count = 0;
  t->fail_at = 0;
}

typedef struct run {
  transcript t;
  int rv;
  ript_parse_error err;
} run;

/* Feeds |data| cut at the |ncuts| ascending offsets in |cuts|. */
static void run_cuts(run *r, const ript_event_parser_settings *settings,
                     const char *data, size_t len, const size_t *cuts,
                     size_t ncuts) {
  transcript_init(&r->t);
  ript_event_parser *p;
  assert_int_equal(
      ript_event_parser_new(&p, transcript_cb, &r->t, settings, NULL), 0);
  r->rv = 0;
  r->err.offset = 0;
  r->err.expected = NULL;
  size_t at = 0;
  for (size_t i = 0; i <= ncuts && r->rv == 0; ++i) {
    size_t end = i < ncuts ? cuts[i] : len;
    r->rv = ript_event_parser_feed(p, (const uint8_t *)data + at, end - at,
                                   &r->err);
    at = end;
  }
  ript_event_parser_del(p);
}

static void run_free(run *r) { ript_buf_free(&r->t.text); }

static void run_expect(const run *r, const char *events, int rv, size_t offset,
                       const char *expected) {
  const char *got = r->t.text.data ? (const char *)r->t.text.data : "";
  if (strcmp(got, events) != 0)
    fail_msg("events:\n%s\nwanted:\n%s", got, events);
  if (r->rv != rv)
    fail_msg("rv %d (at %zu: %s), wanted %d", r->rv, r->err.offset,
             r->err.expected ? r->err.expected : "-", rv);
  if (rv != 0) {
    assert_int_equal(r->err.offset, offset);
    assert_string_equal(r->err.expected, expected);
  }
}

/* One-shot, byte by byte and split in two everywhere: all must agree. */
static void check_stream(const ript_event_parser_settings *settings,
                         const char *data, size_t len, const char *events,
                         int rv, size_t offset, const char *expected) {
  run r;
  run_cuts(&r, settings, data, len, NULL, 0);
  run_expect(&r, events, rv, offset, expected);
  run_free(&r);
  size_t *cuts = malloc((len + 1) * sizeof(*cuts));
  for (size_t i = 0; i < len; ++i)
    cuts[i] = i + 1;
  run_cuts(&r, settings, data, len, cuts, len ? len - 1 : 0);
  run_expect(&r, events, rv, offset, expected);
  run_free(&r);
  free(cuts);
  for (size_t a = 0; a <= len; ++a) {
    run_cuts(&r, settings, data, len, &a, 1);
    run_expect(&r, events, rv, offset, expected);
    run_free(&r);
  }
}

#define CHECK(lit, events, rv, offset, expected)                               \
  check_stream(NULL, lit, sizeof(lit) - 1, events, rv, offset, expected)

/* The example blocks' text plus the final line feed the blocks cannot show. */
static char *body(const char *name, size_t *len) {
  char *text = ript_test_example(name, len);
  char *out = malloc(*len + 2);
  memcpy(out, text, *len);
  out[(*len)++] = '\n';
  out[*len] = '\0';
  free(text);
  return out;
}

/* The expected transcript of a list of example events. */
static char *events_of(const char *const *names, size_t n) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (size_t i = 0; i < n; ++i) {
    size_t len;
    char *text = ript_test_example(names[i], &len);
    assert_int_equal(ript_buf_append(&b, text, len), 0);
    assert_int_equal(ript_buf_append(&b, "\n", 1), 0);
    free(text);
  }
  return (char *)b.data;
}

static const char *const s2c_events[] = {"event-proceeding", "event-alerting",
                                         "event-answered", "event-pong",
                                         "event-end-s2c"};
static const char *const c2s_events[] = {"event-ping", "event-end-c2s"};

#define EV(name, extra)                                                        \
  "{\"event\":\"" name "\",\"direction\":\"s2c\",\"timestamp\":"               \
  "\"2026-11-22T00:47:56.123Z\",\"call\":\"c\"" extra "}"

/* ---- Writer -------------------------------------------------------- */

static void write_events(ript_event_writer *w, ript_buf *out,
                         const char *const *names, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    size_t len;
    char *text = ript_test_example(names[i], &len);
    ript_event ev;
    assert_int_equal(ript_event_parse(&ev, (uint8_t *)text, len, NULL, NULL),
                     0);
    assert_int_equal(ript_event_writer_write(w, &ev, out), 0);
    ript_event_free(&ev);
    free(text);
  }
}

static void test_writer_examples(void **state) {
  (void)state;
  static const struct {
    const char *block;
    const char *const *events;
    size_t n;
  } byways[] = {{"byway-s2c", s2c_events, 5}, {"byway-c2s", c2s_events, 2}};
  for (size_t i = 0; i < 2; ++i) {
    ript_event_writer w;
    ript_event_writer_init(&w);
    ript_buf out;
    ript_buf_init(&out, NULL);
    assert_int_equal(ript_event_writer_open(&w, &out), 0);
    assert_string_equal((const char *)out.data, "[");
    write_events(&w, &out, byways[i].events, byways[i].n);
    size_t len;
    char *want = body(byways[i].block, &len);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, want, len);
    free(want);
    assert_int_equal(ript_event_writer_close(&w, &out), 0);
    assert_int_equal(out.data[out.len - 1], ']');
    ript_buf_free(&out);
  }
}

static void test_writer_sequence(void **state) {
  (void)state;
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf out;
  ript_buf_init(&out, NULL);
  ript_event ev;
  ript_event_init(&ev);
  ev.type = RIPT_EVENT_MEDIA_PANIC;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.call = "c";
  assert_int_equal(ript_event_writer_write(&w, &ev, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_close(&w, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_open(&w, &out), 0);
  assert_int_equal(ript_event_writer_open(&w, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* A failed write changes neither the body nor the writer. */
  ev.call = NULL;
  assert_int_equal(ript_event_writer_write(&w, &ev, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_string_equal((const char *)out.data, "[");
  ev.call = "c";
  assert_int_equal(ript_event_writer_write(&w, &ev, &out), 0);
  ev.timestamp_ms = INT64_MAX;
  assert_int_equal(ript_event_writer_write(&w, &ev, &out), RIPT_ERR_RANGE);
  ev.timestamp_ms = 0;
  assert_int_equal(ript_event_writer_write(&w, &ev, &out), 0);
  assert_int_equal(ript_event_writer_close(&w, &out), 0);
  assert_string_equal((const char *)out.data,
                      "[{\"event\":\"media-panic\",\"direction\":\"s2c\","
                      "\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"call\":"
                      "\"c\"}\n,{\"event\":\"media-panic\",\"direction\":"
                      "\"s2c\",\"timestamp\":\"1970-01-01T00:00:00.000Z\","
                      "\"call\":\"c\"}\n]");
  assert_int_equal(ript_event_writer_write(&w, &ev, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_close(&w, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_open(&w, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* An empty byway closed on purpose. */
  ript_buf_reset(&out);
  ript_event_writer_init(&w);
  assert_int_equal(ript_event_writer_open(&w, &out), 0);
  assert_int_equal(ript_event_writer_close(&w, &out), 0);
  assert_string_equal((const char *)out.data, "[]");
  assert_int_equal(ript_event_writer_open(NULL, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_open(&w, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_write(NULL, &ev, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_write(&w, NULL, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_write(&w, &ev, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_close(NULL, &out),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_writer_close(&w, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&out);
}

static void test_writer_oom(void **state) {
  (void)state;
  ript_event ev;
  ript_event_init(&ev);
  ev.type = RIPT_EVENT_PING;
  ev.direction = RIPT_EVENT_DIR_C2S;
  ev.call = "https://x.example/calls/1";
  ev.nonce = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  int done = 0;
  for (long fail = 0; !done; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    ript_buf out;
    ript_buf_init(&out, &fm.mem);
    ript_event_writer w;
    ript_event_writer_init(&w);
    int rv = ript_event_writer_open(&w, &out);
    for (int i = 0; i < 3 && rv == 0; ++i) {
      size_t mark = out.len;
      rv = ript_event_writer_write(&w, &ev, &out);
      if (rv != 0)
        assert_int_equal(out.len, mark);
    }
    if (rv == 0)
      rv = ript_event_writer_close(&w, &out);
    if (rv == 0)
      done = 1;
    else
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    ript_buf_free(&out);
  }
}

/* ---- Parser: the worked examples ----------------------------------- */

static void test_parser_examples(void **state) {
  (void)state;
  static const struct {
    const char *block;
    const char *const *events;
    size_t n;
  } byways[] = {{"byway-s2c", s2c_events, 5}, {"byway-c2s", c2s_events, 2}};
  for (size_t i = 0; i < 2; ++i) {
    size_t len;
    char *data = body(byways[i].block, &len);
    char *events = events_of(byways[i].events, byways[i].n);
    check_stream(NULL, data, len, events, 0, 0, NULL);
    free(events);
    free(data);
  }
}

/*
 * Cutting a body in three pieces gives the same events wherever the cuts
 * are: every pair of cuts for the forward byway example; for the longer
 * reverse byway example (five times the runs, each with more events) the
 * cuts step by coprime strides. Under valgrind, some 50 times slower, both
 * use wider strides.
 */
static void test_parser_three_pieces(void **state) {
  (void)state;
  static const struct {
    const char *block;
    const char *const *events;
    size_t n;
    size_t step_a, step_b;
  } byways[] = {{"byway-c2s", c2s_events, 2, 1, 1},
                {"byway-s2c", s2c_events, 5, 3, 5}};
  for (size_t i = 0; i < 2; ++i) {
    size_t step_a = RUNNING_ON_VALGRIND ? 7 : byways[i].step_a;
    size_t step_b = RUNNING_ON_VALGRIND ? 11 : byways[i].step_b;
    size_t len;
    char *data = body(byways[i].block, &len);
    char *events = events_of(byways[i].events, byways[i].n);
    for (size_t a = 0; a <= len; a += step_a) {
      for (size_t b = a; b <= len; b += step_b) {
        size_t cuts[2] = {a, b};
        run r;
        run_cuts(&r, NULL, data, len, cuts, 2);
        if (r.rv != 0 || strcmp((const char *)r.t.text.data, events) != 0)
          fail_msg("%s cut at %zu and %zu", byways[i].block, a, b);
        run_free(&r);
      }
    }
    free(events);
    free(data);
  }
}

static void test_parser_bad_example(void **state) {
  (void)state;
  size_t len;
  char *data = body("byway-bad-direction", &len);
  char *events = events_of(s2c_events, 1);
  check_stream(NULL, data, len, events, RIPT_ERR_PARSE, 195,
               "\"direction\" as \"c2s\" or \"s2c\"");
  assert_int_equal(data[195], '{');
  free(events);
  free(data);
}

/* ---- Parser: syntax ------------------------------------------------ */

static void test_parser_framing(void **state) {
  (void)state;
  static const char open_exp[] = "'[' opening the event array";
  static const char first_exp[] = "'{' starting an event or ']'";
  static const char next_exp[] = "'{' starting an event";
  static const char after_exp[] = "',' or ']' after an event";
  static const char closed_exp[] = "only whitespace after ']'";
  static const char bom_exp[] = "the rest of the byte order mark EF BB BF";
  const char *one = EV("alerting", "") "\n";
  char *two = malloc(2 * strlen(one) + 1);
  strcpy(two, one);
  strcat(two, one);

  CHECK("", "", 0, 0, NULL);
  CHECK(" \t\r\n[ \t\r\n", "", 0, 0, NULL);
  CHECK("[]", "", 0, 0, NULL);
  CHECK(" [ ] \n\n", "", 0, 0, NULL);
  CHECK("x", "", RIPT_ERR_PARSE, 0, open_exp);
  CHECK("{}", "", RIPT_ERR_PARSE, 0, open_exp);
  CHECK("  ]", "", RIPT_ERR_PARSE, 2, open_exp);
  CHECK("[x", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("[ 1]", "", RIPT_ERR_PARSE, 2, first_exp);
  CHECK("[\"{}\"]", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("[[]]", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("[null]", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("[,", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("[]x", "", RIPT_ERR_PARSE, 2, closed_exp);
  CHECK("[] ]", "", RIPT_ERR_PARSE, 3, closed_exp);
  CHECK("[][]", "", RIPT_ERR_PARSE, 2, closed_exp);
  CHECK("[" EV("alerting", "") "\n,\n" EV("alerting", "") "\n]\n", two, 0, 0,
        NULL);
  CHECK("[" EV("alerting", "") EV("alerting", ""), one, RIPT_ERR_PARSE, 89,
        after_exp);
  CHECK("[" EV("alerting", "") "\n]]", one, RIPT_ERR_PARSE, 91, closed_exp);
  CHECK("[" EV("alerting", "") "\n,]", one, RIPT_ERR_PARSE, 91, next_exp);
  CHECK("[" EV("alerting", "") ",,", one, RIPT_ERR_PARSE, 90, next_exp);
  CHECK("[" EV("alerting", "") ",2", one, RIPT_ERR_PARSE, 90, next_exp);
  /* The byte order mark: only as the first three bytes. */
  CHECK("\xEF\xBB\xBF[]", "", 0, 0, NULL);
  CHECK("\xEF\xBB\xBF \n[" EV("alerting", "") "\n", one, 0, 0, NULL);
  CHECK(" \xEF\xBB\xBF[", "", RIPT_ERR_PARSE, 1, open_exp);
  CHECK("\xEF\xBB\xBF\xEF\xBB\xBF[", "", RIPT_ERR_PARSE, 3, open_exp);
  CHECK("[\xEF\xBB\xBF", "", RIPT_ERR_PARSE, 1, first_exp);
  CHECK("\xEF[", "", RIPT_ERR_PARSE, 1, bom_exp);
  CHECK("\xEF\xBB ", "", RIPT_ERR_PARSE, 2, bom_exp);
  CHECK("\xBB\xBF[", "", RIPT_ERR_PARSE, 0, open_exp);
  free(two);
}

static void test_parser_object_scanning(void **state) {
  (void)state;
  /* Brackets, quotes and backslashes inside strings do not count. */
  const char *tricky =
      EV("x-ext", ",\"s\":\"}]{[\\\"}\\\\\",\"t\":\"\\\\\"") "\n";
  CHECK("[" EV("x-ext", ",\"s\":\"}]{[\\\"}\\\\\",\"t\":\"\\\\\"") ",{}]",
        tricky, RIPT_ERR_PARSE, 112, "\"event\" as a non-empty string");
  /* Nested members of an extension event. */
  CHECK("[" EV("x-ext", ",\"a\":{\"b\":[{},[]]}") "]",
        EV("x-ext", ",\"a\":{\"b\":[{},[]]}") "\n", 0, 0, NULL);
  /* Mismatched brackets balance by count; the JSON reader refuses them. */
  CHECK("[{\"a\":[}}", "", RIPT_ERR_PARSE, 7, "valid JSON");
  CHECK("[{\"a\":1]", "", RIPT_ERR_PARSE, 7, "valid JSON");
  /* Invalid UTF-8 is reported at the bad byte. */
  CHECK("[{\"event\":\"\xC3\x28\"}", "", RIPT_ERR_PARSE, 11, "valid UTF-8");
  /* A valid object that is not an event, at its "{". */
  CHECK("\n[\n{}", "", RIPT_ERR_PARSE, 3, "\"event\" as a non-empty string");
  CHECK("[" EV("ping", ",\"nonce\":5"), "", RIPT_ERR_PARSE, 1,
        "\"nonce\" as a string of at most 128 characters");
  /* Duplicate members. */
  CHECK("[{\"a\":1,\"a\":1}", "", RIPT_ERR_PARSE, 10,
        "a member name not used before in the object");
  /* Unfinished objects wait for more. */
  CHECK("[{\"a\":\"}", "", 0, 0, NULL);
  CHECK("[{\"a\":\"\\\"}", "", 0, 0, NULL);
}

/* ---- Parser: limits ------------------------------------------------ */

/* An alerting event padded with an extra member to exactly |size| bytes. */
static char *event_of_size(size_t size) {
  const char *head = "{\"event\":\"alerting\",\"direction\":\"s2c\","
                     "\"timestamp\":\"2026-11-22T00:47:56.123Z\","
                     "\"call\":\"c\",\"pad\":\"";
  size_t fixed = strlen(head) + 2;
  assert_true(size >= fixed);
  char *ev = malloc(size + 1);
  strcpy(ev, head);
  memset(ev + strlen(head), 'p', size - fixed);
  strcpy(ev + size - 2, "\"}");
  return ev;
}

static void test_parser_size_limit(void **state) {
  (void)state;
  const char *alerting = EV("alerting", "") "\n";
  char *big = event_of_size(RIPT_EVENT_MAX_SIZE_DEFAULT);
  char *stream = malloc(strlen(big) + 8);
  /* Exactly the default limit passes, with default settings. */
  strcpy(stream, "[ ");
  strcat(stream, big);
  run r;
  run_cuts(&r, NULL, stream, strlen(stream), NULL, 0);
  run_expect(&r, alerting, 0, 0, NULL);
  run_free(&r);
  /* One byte more fails at that byte. */
  ript_event_parser_settings s = {RIPT_EVENT_MAX_SIZE_DEFAULT - 1, 0};
  run_cuts(&r, &s, stream, strlen(stream), NULL, 0);
  run_expect(&r, "", RIPT_ERR_LIMIT, 2 + RIPT_EVENT_MAX_SIZE_DEFAULT - 1,
             "an event within the size limit");
  run_free(&r);
  free(stream);
  free(big);

  /* Small limits, every split. */
  big = event_of_size(120);
  stream = malloc(2 * strlen(big) + 8);
  strcpy(stream, "[");
  strcat(stream, big);
  strcat(stream, ",");
  strcat(stream, big);
  s.max_event_size = 120;
  char *both = malloc(2 * strlen(alerting) + 1);
  strcpy(both, alerting);
  strcat(both, alerting);
  check_stream(&s, stream, strlen(stream), both, 0, 0, NULL);
  free(both);
  s.max_event_size = 119;
  check_stream(&s, stream, strlen(stream), "", RIPT_ERR_LIMIT, 120,
               "an event within the size limit");
  free(stream);
  free(big);
}

static char *nested_event(size_t depth) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "[" EV("x", ",\"n\":")), 0);
  b.len -= 1; /* drop the "}" */
  for (size_t i = 1; i < depth; ++i)
    assert_int_equal(ript_buf_append_str(&b, i % 2 ? "[" : "{\"k\":"), 0);
  assert_int_equal(ript_buf_append_str(&b, "0"), 0);
  for (size_t i = depth - 1; i >= 1; --i)
    assert_int_equal(ript_buf_append_str(&b, i % 2 ? "]" : "}"), 0);
  assert_int_equal(ript_buf_append_str(&b, "}]"), 0);
  return (char *)b.data;
}

static void test_parser_depth_limit(void **state) {
  (void)state;
  char *ok = nested_event(RIPT_EVENT_MAX_DEPTH_DEFAULT);
  char *deep = nested_event(RIPT_EVENT_MAX_DEPTH_DEFAULT + 1);
  size_t prefix = strlen("[" EV("x", ",\"n\":")) - 1;
  run r;
  run_cuts(&r, NULL, ok, strlen(ok), NULL, 0);
  assert_int_equal(r.rv, 0);
  assert_int_equal(r.t.count, 1);
  run_free(&r);
  /* The 17th level's bracket is the offending byte. */
  size_t at = prefix;
  for (size_t i = 1; i < RIPT_EVENT_MAX_DEPTH_DEFAULT; ++i)
    at += i % 2 ? 1 : 5;
  check_stream(NULL, deep, strlen(deep), "", RIPT_ERR_LIMIT, at,
               "nesting within the depth limit");
  ript_event_parser_settings s = {0, 1};
  const char *flat = "[" EV("alerting", "") ",{\"a\":[]}";
  check_stream(&s, flat, strlen(flat), EV("alerting", "") "\n", RIPT_ERR_LIMIT,
               strlen("[" EV("alerting", "") ",{\"a\":"),
               "nesting within the depth limit");
  free(ok);
  free(deep);
}

/* ---- Parser: lifecycle, callbacks, arguments ----------------------- */

static int count_cb(const ript_event *ev, void *user_data) {
  (void)ev;
  ++*(size_t *)user_data;
  return 0;
}

static void test_parser_sticky_error(void **state) {
  (void)state;
  size_t n = 0;
  ript_event_parser *p;
  assert_int_equal(ript_event_parser_new(&p, count_cb, &n, NULL, NULL), 0);
  const char *data = "[" EV("alerting", "") "x";
  ript_parse_error err;
  assert_int_equal(
      ript_event_parser_feed(p, (const uint8_t *)data, strlen(data), &err),
      RIPT_ERR_PARSE);
  assert_int_equal(n, 1);
  assert_int_equal(err.offset, strlen(data) - 1);
  ript_parse_error again = {0, NULL};
  assert_int_equal(ript_event_parser_feed(p, (const uint8_t *)",", 1, &again),
                   RIPT_ERR_PARSE);
  assert_int_equal(again.offset, err.offset);
  assert_ptr_equal(again.expected, err.expected);
  assert_int_equal(ript_event_parser_feed(p, NULL, 0, NULL), RIPT_ERR_PARSE);
  again.offset = 0;
  assert_int_equal(ript_event_parser_finish(p, &again), RIPT_ERR_PARSE);
  assert_int_equal(again.offset, err.offset);
  assert_false(ript_event_parser_closed(p));
  assert_int_equal(n, 1);
  ript_event_parser_del(p);
}

static void test_parser_callback_failure(void **state) {
  (void)state;
  const char *data = "[" EV("alerting", "") "," EV("answered", "") ","
                     EV("end", "") "]";
  size_t end_of_second = 1 + 2 * (strlen(EV("alerting", "")) + 1) - 1;
  for (size_t cut = 0; cut <= strlen(data); ++cut) {
    transcript t;
    transcript_init(&t);
    t.fail_at = 2;
    ript_event_parser *p;
    assert_int_equal(ript_event_parser_new(&p, transcript_cb, &t, NULL, NULL),
                     0);
    ript_parse_error err = {0, NULL};
    int rv = ript_event_parser_feed(p, (const uint8_t *)data, cut, &err);
    if (rv == 0)
      rv = ript_event_parser_feed(p, (const uint8_t *)data + cut,
                                  strlen(data) - cut, &err);
    assert_int_equal(rv, RIPT_ERR_CALLBACK_FAILURE);
    assert_int_equal(err.offset, end_of_second);
    assert_string_equal(err.expected, "the callback to accept the event");
    assert_int_equal(t.count, 2);
    assert_int_equal(ript_event_parser_feed(p, (const uint8_t *)" ", 1, NULL),
                     RIPT_ERR_CALLBACK_FAILURE);
    assert_true(ript_err_is_fatal(rv));
    ript_event_parser_del(p);
    ript_buf_free(&t.text);
  }
}

typedef struct reentry {
  ript_event_parser *p;
  int feed_rv;
  int finish_rv;
} reentry;

static int reentry_cb(const ript_event *ev, void *user_data) {
  (void)ev;
  reentry *r = user_data;
  r->feed_rv = ript_event_parser_feed(r->p, (const uint8_t *)"]", 1, NULL);
  r->finish_rv = ript_event_parser_finish(r->p, NULL);
  return 0;
}

static void test_parser_reentry(void **state) {
  (void)state;
  reentry r = {NULL, 0, 0};
  assert_int_equal(ript_event_parser_new(&r.p, reentry_cb, &r, NULL, NULL), 0);
  const char *data = "[" EV("alerting", "") "\n]";
  assert_int_equal(
      ript_event_parser_feed(r.p, (const uint8_t *)data, strlen(data), NULL),
      0);
  assert_int_equal(r.feed_rv, RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(r.finish_rv, RIPT_ERR_INVALID_ARGUMENT);
  assert_true(ript_event_parser_closed(r.p));
  ript_event_parser_del(r.p);
}

static void test_parser_finish(void **state) {
  (void)state;
  static const struct {
    const char *data;
    int rv;
    const char *expected;
  } cases[] = {
      {"", RIPT_ERR_TRUNCATED, "'[' opening the event array"},
      {"  ", RIPT_ERR_TRUNCATED, "'[' opening the event array"},
      {"\xEF\xBB", RIPT_ERR_TRUNCATED, "'[' opening the event array"},
      {"[", 0, NULL},
      {"[ " EV("ping", ""), 0, NULL},
      {"[" EV("ping", "") ",", RIPT_ERR_TRUNCATED, "an event after ','"},
      {"[" EV("ping", "") ",{\"ev", RIPT_ERR_TRUNCATED,
       "the rest of the event object"},
      {"[" EV("ping", "") "]\n", 0, NULL},
      {"[x", RIPT_ERR_PARSE, "'{' starting an event or ']'"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); ++i) {
    size_t n = 0;
    ript_event_parser *p;
    assert_int_equal(ript_event_parser_new(&p, count_cb, &n, NULL, NULL), 0);
    size_t len = strlen(cases[i].data);
    ript_event_parser_feed(p, (const uint8_t *)cases[i].data, len, NULL);
    ript_parse_error err = {999, NULL};
    assert_int_equal(ript_event_parser_finish(p, &err), cases[i].rv);
    if (cases[i].rv == RIPT_ERR_TRUNCATED)
      assert_int_equal(err.offset, len);
    if (cases[i].rv != 0)
      assert_string_equal(err.expected, cases[i].expected);
    assert_int_equal(ript_event_parser_finish(p, NULL), cases[i].rv);
    ript_event_parser_del(p);
  }
}

static void test_parser_arguments(void **state) {
  (void)state;
  size_t n = 0;
  ript_event_parser *p = NULL;
  assert_int_equal(ript_event_parser_new(NULL, count_cb, &n, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_parser_new(&p, NULL, &n, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_null(p);
  assert_int_equal(ript_event_parser_new(&p, count_cb, &n, NULL, NULL), 0);
  assert_int_equal(ript_event_parser_feed(NULL, (const uint8_t *)"[", 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_parser_feed(p, NULL, 1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_parser_feed(p, NULL, 0, NULL), 0);
  assert_int_equal(ript_event_parser_finish(NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_false(ript_event_parser_closed(NULL));
  assert_false(ript_event_parser_closed(p));
  assert_int_equal(ript_event_parser_feed(p, (const uint8_t *)"[]", 2, NULL),
                   0);
  assert_true(ript_event_parser_closed(p));
  ript_event_parser_del(p);
  ript_event_parser_del(NULL);
}

/* Byte by byte, every allocation failing in turn: each failure is NOMEM,
 * sticks, keeps the events already delivered and leaks nothing. */
static void test_parser_oom(void **state) {
  (void)state;
  size_t len;
  char *data = body("byway-s2c", &len);
  char *events = events_of(s2c_events, 5);
  int done = 0;
  for (long fail = 0; !done; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    transcript t;
    transcript_init(&t);
    ript_event_parser *p;
    int rv = ript_event_parser_new(&p, transcript_cb, &t, NULL, &fm.mem);
    if (rv != 0) {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      continue;
    }
    ript_parse_error err;
    for (size_t i = 0; i < len && rv == 0; ++i)
      rv = ript_event_parser_feed(p, (const uint8_t *)data + i, 1, &err);
    if (rv == 0) {
      done = 1;
      assert_string_equal((const char *)t.text.data, events);
    } else {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_int_equal(ript_event_parser_feed(p, (const uint8_t *)" ", 1, NULL),
                       RIPT_ERR_NOMEM);
      if (t.count)
        assert_memory_equal(t.text.data, events, t.text.len);
    }
    ript_event_parser_del(p);
    ript_buf_free(&t.text);
  }
  free(events);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writer_examples),
      cmocka_unit_test(test_writer_sequence),
      cmocka_unit_test(test_writer_oom),
      cmocka_unit_test(test_parser_examples),
      cmocka_unit_test(test_parser_three_pieces),
      cmocka_unit_test(test_parser_bad_example),
      cmocka_unit_test(test_parser_framing),
      cmocka_unit_test(test_parser_object_scanning),
      cmocka_unit_test(test_parser_size_limit),
      cmocka_unit_test(test_parser_depth_limit),
      cmocka_unit_test(test_parser_sticky_error),
      cmocka_unit_test(test_parser_callback_failure),
      cmocka_unit_test(test_parser_reentry),
      cmocka_unit_test(test_parser_finish),
      cmocka_unit_test(test_parser_arguments),
      cmocka_unit_test(test_parser_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

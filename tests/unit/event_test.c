#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ript/buf.h"
#include "ript/event.h"
#include "testutil.h"

#define CALL                                                                   \
  "https://ript.example.com/.well-known/ript/providertgs/trunk1/calls/"       \
  "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f8c35"
#define CALL_B                                                                 \
  "https://ript-b.example.com/.well-known/ript/providertgs/trunk1/calls/"     \
  "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f8c35"

/* 2026-11-22T00:00:00Z (Python: datetime(2026,11,22,tzinfo=utc)). */
#define DAY INT64_C(1795305600000)
#define TS(h, m, s, ms)                                                        \
  (DAY + (((h)*60 + (m)) * 60 + (s)) * INT64_C(1000) + (ms))

#define S2C RIPT_EVENT_DIR_S2C
#define C2S RIPT_EVENT_DIR_C2S

static ript_event make(ript_event_type type, ript_event_dir dir, int64_t ts) {
  ript_event ev;
  ript_event_prepare(&ev, type, dir, ts, CALL);
  return ev;
}

/* ript_event_prepare: the four common members, nothing else, whatever was
 * in the event before. */
static void test_prepare(void **state) {
  (void)state;
  ript_event ev;
  memset(&ev, 0xa5, sizeof(ev));
  ript_event_prepare(&ev, RIPT_EVENT_END, C2S, 1234, CALL);
  assert_int_equal(ev.type, RIPT_EVENT_END);
  assert_int_equal(ev.direction, C2S);
  assert_true(ev.timestamp_ms == 1234);
  assert_ptr_equal(ev.call, CALL);
  assert_null(ev.name);
  assert_null(ev.reason);
  assert_null(ev.uri);
  assert_null(ev.nonce);
  assert_null(ev.extra);
  assert_null(ev.storage);
  ript_event_free(&ev); /* owns nothing */
}

typedef struct example {
  const char *block;
  ript_event ev;
} example;

static void examples(example *out, size_t *n) {
  size_t i = 0;
  out[i].block = "event-proceeding";
  out[i++].ev = make(RIPT_EVENT_PROCEEDING, S2C, TS(0, 47, 56, 123));
  out[i].block = "event-alerting";
  out[i++].ev = make(RIPT_EVENT_ALERTING, S2C, TS(0, 47, 57, 480));
  out[i].block = "event-answered";
  out[i++].ev = make(RIPT_EVENT_ANSWERED, S2C, TS(0, 48, 2, 907));
  out[i].block = "event-ping";
  out[i].ev = make(RIPT_EVENT_PING, C2S, TS(0, 48, 7, 911));
  out[i++].ev.nonce = "7f3c9a0e";
  out[i].block = "event-pong";
  out[i].ev = make(RIPT_EVENT_PONG, S2C, TS(0, 48, 7, 915));
  out[i++].ev.nonce = "7f3c9a0e";
  out[i].block = "event-end-c2s";
  out[i].ev = make(RIPT_EVENT_END, C2S, TS(0, 49, 10, 2));
  out[i++].ev.reason = "caller hung up";
  out[i].block = "event-end-s2c";
  out[i++].ev = make(RIPT_EVENT_END, S2C, TS(0, 49, 10, 6));
  out[i].block = "event-declined";
  out[i].ev = make(RIPT_EVENT_DECLINED, S2C, TS(0, 47, 59, 250));
  out[i++].ev.reason = "busy";
  out[i].block = "event-migrate";
  out[i].ev = make(RIPT_EVENT_MIGRATE, S2C, TS(0, 48, 30, 0));
  out[i++].ev.uri = CALL_B;
  out[i].block = "event-media-panic";
  out[i++].ev = make(RIPT_EVENT_MEDIA_PANIC, S2C, TS(0, 48, 31, 17));
  out[i].block = "event-extension-out";
  out[i].ev = make(RIPT_EVENT_UNKNOWN, S2C, TS(0, 48, 40, 500));
  out[i].ev.name = "transfer-and-takeback";
  out[i++].ev.extra =
      "{\"target\":\"+14085551234\",\"mode\":{\"takeback\":true}}";
  *n = i;
}

static int parse_str(ript_event *ev, const char *s, ript_parse_error *err) {
  return ript_event_parse(ev, (const uint8_t *)s, strlen(s), NULL, err);
}

static void test_names(void **state) {
  (void)state;
  static const char *const names[] = {
      NULL,       "proceeding", "alerting", "answered", "declined", "failed",
      "noanswer", "end",        "migrate",  "ping",     "pong", "media-panic"};
  for (int t = 0; t < RIPT_EVENT_TYPE_COUNT; ++t) {
    const char *name = ript_event_type_name((ript_event_type)t);
    if (!names[t]) {
      assert_null(name);
      continue;
    }
    assert_string_equal(name, names[t]);
    assert_int_equal(ript_event_type_from_name(name, strlen(name)), t);
    assert_int_equal(ript_event_type_from_name(name, strlen(name) - 1),
                     RIPT_EVENT_UNKNOWN);
  }
  assert_null(ript_event_type_name((ript_event_type)-1));
  assert_null(ript_event_type_name((ript_event_type)RIPT_EVENT_TYPE_COUNT));
  assert_int_equal(ript_event_type_from_name("Proceeding", 10),
                   RIPT_EVENT_UNKNOWN);
  assert_int_equal(ript_event_type_from_name("moved", 5), RIPT_EVENT_UNKNOWN);
  assert_int_equal(ript_event_type_from_name("ended", 5), RIPT_EVENT_UNKNOWN);
  assert_int_equal(ript_event_type_from_name(NULL, 0), RIPT_EVENT_UNKNOWN);
  /* Only |len| bytes count. */
  assert_int_equal(ript_event_type_from_name("pingpong", 4), RIPT_EVENT_PING);
  assert_string_equal(ript_event_dir_name(C2S), "c2s");
  assert_string_equal(ript_event_dir_name(S2C), "s2c");
  assert_null(ript_event_dir_name((ript_event_dir)0));
  assert_null(ript_event_dir_name((ript_event_dir)3));
}

static void test_examples_write(void **state) {
  (void)state;
  example ex[16];
  size_t n;
  examples(ex, &n);
  for (size_t i = 0; i < n; ++i) {
    size_t len;
    char *want = ript_test_example(ex[i].block, &len);
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(ript_buf_append_str(&b, "kept"), 0);
    assert_int_equal(ript_event_write(&ex[i].ev, &b), 0);
    assert_int_equal(b.len, len + 4);
    assert_memory_equal(b.data, "kept", 4);
    if (memcmp(b.data + 4, want, len) != 0)
      fail_msg("%s:\n%s\n%s", ex[i].block, (const char *)b.data + 4, want);
    ript_buf_free(&b);
    free(want);
  }
}

static void test_examples_parse(void **state) {
  (void)state;
  example ex[16];
  size_t n;
  examples(ex, &n);
  for (size_t i = 0; i < n; ++i) {
    size_t len;
    char *text = ript_test_example(ex[i].block, &len);
    ript_event ev;
    assert_int_equal(ript_event_parse(&ev, (uint8_t *)text, len, NULL, NULL),
                     0);
    free(text);
    if (!ript_event_equal(&ev, &ex[i].ev))
      fail_msg("%s does not read back", ex[i].block);
    if (ev.type == RIPT_EVENT_UNKNOWN)
      assert_string_equal(ev.name, ex[i].ev.name);
    else /* the static name */
      assert_ptr_equal(ev.name, ript_event_type_name(ev.type));
    ript_event_free(&ev);
    assert_null(ev.storage);
    assert_int_equal(ev.type, 0);
  }
}

static void test_lenient_input(void **state) {
  (void)state;
  size_t len;
  char *text = ript_test_example("event-lenient-in", &len);
  ript_event ev;
  assert_int_equal(ript_event_parse(&ev, (uint8_t *)text, len, NULL, NULL), 0);
  free(text);
  ript_event want = make(RIPT_EVENT_ALERTING, S2C, TS(0, 47, 57, 480));
  assert_true(ript_event_equal(&ev, &want));
  assert_null(ev.extra); /* unknown members of known types are dropped */
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_write(&ev, &b), 0);
  char *alerting = ript_test_example("event-alerting", &len);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, alerting, len);
  free(alerting);
  ript_buf_free(&b);
  ript_event_free(&ev);
}

static void test_extension(void **state) {
  (void)state;
  size_t len;
  char *text = ript_test_example("event-extension-in", &len);
  ript_event ev;
  assert_int_equal(ript_event_parse(&ev, (uint8_t *)text, len, NULL, NULL), 0);
  free(text);
  assert_int_equal(ev.type, RIPT_EVENT_UNKNOWN);
  assert_string_equal(ev.name, "transfer-and-takeback");
  assert_int_equal(ev.timestamp_ms, TS(0, 48, 40, 500));
  assert_string_equal(
      ev.extra, "{\"target\":\"+14085551234\",\"mode\":{\"takeback\":true}}");
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_write(&ev, &b), 0);
  char *out = ript_test_example("event-extension-out", &len);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, out, len);
  free(out);
  ript_buf_free(&b);
  ript_event_free(&ev);

  /* An unknown type keeps "reason" etc. as its own members; none: NULL. */
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"moved\",\"direction\":\"c2s\","
                             "\"timestamp\":\"1970-01-01T00:00:00Z\","
                             "\"call\":\"c\",\"reason\":\"r\",\"n\":[1,2.5,"
                             "null,\"\\u00e9\\n\"]}",
                             NULL),
                   0);
  assert_string_equal(ev.name, "moved");
  assert_int_equal(ev.direction, C2S);
  assert_null(ev.reason);
  assert_string_equal(ev.extra,
                      "{\"reason\":\"r\",\"n\":[1,2.5,null,\"\xc3\xa9\\n\"]}");
  ript_event_free(&ev);
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"x\",\"direction\":\"s2c\","
                             "\"timestamp\":\"1970-01-01T00:00:00Z\","
                             "\"call\":\"c\"}",
                             NULL),
                   0);
  assert_null(ev.extra);
  ript_event_free(&ev);
}

typedef struct bad_event {
  const char *json;
  const char *expected;
} bad_event;

#define COMMON_TAIL                                                            \
  "\"direction\":\"s2c\",\"timestamp\":\"2026-11-22T00:47:56.123Z\","          \
  "\"call\":\"https://x.example/c\""

static void test_parse_member_errors(void **state) {
  (void)state;
  static const char ev_exp[] = "\"event\" as a non-empty string";
  static const char dir_exp[] = "\"direction\" as \"c2s\" or \"s2c\"";
  static const char ts_exp[] = "\"timestamp\" as an RFC 3339 string";
  static const char call_exp[] = "\"call\" as a non-empty string";
  static const char reason_exp[] =
      "\"reason\" as a string of at most 256 characters";
  static const char uri_exp[] = "\"uri\" as a string starting with https://";
  static const char nonce_exp[] =
      "\"nonce\" as a string of at most 128 characters";
  static const bad_event bad[] = {
      {"{" COMMON_TAIL "}", ev_exp},
      {"{\"event\":1," COMMON_TAIL "}", ev_exp},
      {"{\"event\":\"\"," COMMON_TAIL "}", ev_exp},
      {"{\"event\":null," COMMON_TAIL "}", ev_exp},
      {"{\"event\":\"end\",\"timestamp\":\"2026-11-22T00:47:56Z\","
       "\"call\":\"c\"}",
       dir_exp},
      {"{\"event\":\"end\",\"direction\":\"C2S\",\"timestamp\":"
       "\"2026-11-22T00:47:56Z\",\"call\":\"c\"}",
       dir_exp},
      {"{\"event\":\"end\",\"direction\":[],\"timestamp\":"
       "\"2026-11-22T00:47:56Z\",\"call\":\"c\"}",
       dir_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"call\":\"c\"}", ts_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":1795305600000,"
       "\"call\":\"c\"}",
       ts_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"2026-11-22\",\"call\":\"c\"}",
       ts_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"-0001-11-22T00:00:00Z\",\"call\":\"c\"}",
       ts_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"0000-01-01T00:00:00+00:01\",\"call\":\"c\"}",
       ts_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"2026-11-22T00:47:56Z\"}",
       call_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"2026-11-22T00:47:56Z\",\"call\":\"\"}",
       call_exp},
      {"{\"event\":\"end\",\"direction\":\"c2s\",\"timestamp\":"
       "\"2026-11-22T00:47:56Z\",\"call\":{}}",
       call_exp},
      /* Unknown types need the common members too. */
      {"{\"event\":\"x-y\",\"direction\":\"c2s\",\"timestamp\":"
       "\"2026-11-22T00:47:56Z\"}",
       call_exp},
      {"{\"event\":\"declined\"," COMMON_TAIL ",\"reason\":404}", reason_exp},
      {"{\"event\":\"failed\"," COMMON_TAIL ",\"reason\":null}", reason_exp},
      {"{\"event\":\"noanswer\"," COMMON_TAIL ",\"reason\":[\"x\"]}",
       reason_exp},
      {"{\"event\":\"end\"," COMMON_TAIL ",\"reason\":true}", reason_exp},
      {"{\"event\":\"migrate\"," COMMON_TAIL ",\"uri\":\"http://x/c\"}",
       uri_exp},
      {"{\"event\":\"migrate\"," COMMON_TAIL ",\"uri\":\"https://\"}", uri_exp},
      {"{\"event\":\"migrate\"," COMMON_TAIL ",\"uri\":\"https:/x\"}", uri_exp},
      {"{\"event\":\"migrate\"," COMMON_TAIL ",\"uri\":7}", uri_exp},
      {"{\"event\":\"ping\"," COMMON_TAIL ",\"nonce\":12345}", nonce_exp},
      {"{\"event\":\"pong\"," COMMON_TAIL ",\"nonce\":{}}", nonce_exp},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); ++i) {
    ript_event ev;
    ript_parse_error err = {999, NULL};
    int rv = parse_str(&ev, bad[i].json, &err);
    if (rv != RIPT_ERR_PARSE)
      fail_msg("%s: %d", bad[i].json, rv);
    assert_int_equal(err.offset, 0);
    assert_string_equal(err.expected, bad[i].expected);
    /* |ev| is left zeroed: nothing to free, nothing dangling. */
    assert_null(ev.storage);
    assert_null(ev.call);
    assert_int_equal(ev.type, 0);
  }
}

static void test_parse_optional_members(void **state) {
  (void)state;
  ript_event ev;
  /* A member of another type is just unknown: ignored, even mistyped. */
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"answered\"," COMMON_TAIL
                             ",\"reason\":404,\"nonce\":1,\"uri\":2}",
                             NULL),
                   0);
  assert_null(ev.reason);
  assert_null(ev.nonce);
  assert_null(ev.uri);
  ript_event_free(&ev);
  /* The scheme is case-insensitive. */
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"migrate\"," COMMON_TAIL
                             ",\"uri\":\"HTTPS://b.example/c\"}",
                             NULL),
                   0);
  assert_string_equal(ev.uri, "HTTPS://b.example/c");
  ript_event_free(&ev);
  /* Empty strings are strings; a pong may echo an empty nonce. */
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"pong\"," COMMON_TAIL
                             ",\"nonce\":\"\"}",
                             NULL),
                   0);
  assert_string_equal(ev.nonce, "");
  ript_event_free(&ev);
  /* The codec does not judge direction: that is the call state's job. */
  assert_int_equal(parse_str(&ev,
                             "{\"event\":\"answered\",\"direction\":\"c2s\","
                             "\"timestamp\":\"2026-11-22T00:47:56Z\","
                             "\"call\":\"c\"}",
                             NULL),
                   0);
  assert_int_equal(ev.direction, C2S);
  ript_event_free(&ev);
}

/* Builds {"event":TYPE,...,"MEMBER":"<n times UNIT>"}. */
static char *with_long_member(const char *type, const char *member,
                              const char *unit, size_t n) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_printf(&b, "{\"event\":\"%s\"," COMMON_TAIL
                                       ",\"%s\":\"",
                                   type, member),
                   0);
  for (size_t i = 0; i < n; ++i)
    assert_int_equal(ript_buf_append_str(&b, unit), 0);
  assert_int_equal(ript_buf_append_str(&b, "\"}"), 0);
  return (char *)b.data;
}

/* Limits count characters: 256 three-byte characters are a valid reason. */
static void test_length_limits(void **state) {
  (void)state;
  static const struct {
    const char *type, *member, *unit;
    size_t max;
  } cases[] = {
      {"declined", "reason", "\xe2\x82\xac", RIPT_EVENT_REASON_MAX},
      {"end", "reason", "a", RIPT_EVENT_REASON_MAX},
      {"ping", "nonce", "\xf0\x9f\x93\x9e", RIPT_EVENT_NONCE_MAX},
      {"pong", "nonce", "z", RIPT_EVENT_NONCE_MAX},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); ++i) {
    char *ok = with_long_member(cases[i].type, cases[i].member, cases[i].unit,
                                cases[i].max);
    char *over = with_long_member(cases[i].type, cases[i].member,
                                  cases[i].unit, cases[i].max + 1);
    ript_event ev;
    assert_int_equal(parse_str(&ev, ok, NULL), 0);
    /* ... and what reads, writes. */
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(ript_event_write(&ev, &b), 0);
    ript_buf_free(&b);
    ript_event_free(&ev);
    ript_parse_error err;
    assert_int_equal(parse_str(&ev, over, &err), RIPT_ERR_PARSE);
    assert_int_equal(err.offset, 0);
    free(ok);
    free(over);
  }
}

static void json_fails(const char *json, size_t len, int code, size_t offset,
                       const char *expected) {
  ript_event ev;
  ript_parse_error err = {999, NULL};
  int rv = ript_event_parse(&ev, (const uint8_t *)json, len, NULL, &err);
  if (rv != code || err.offset != offset)
    fail_msg("%.*s: %d at %zu (%s)", (int)len, json, rv, err.offset,
             err.expected);
  assert_string_equal(err.expected, expected);
  assert_null(ev.storage);
}

#define JSON_FAILS(lit, code, offset, expected)                                \
  json_fails(lit, sizeof(lit) - 1, code, offset, expected)

static void test_parse_json_errors(void **state) {
  (void)state;
  JSON_FAILS("", RIPT_ERR_TRUNCATED, 0, "the rest of the JSON object");
  JSON_FAILS("  \n", RIPT_ERR_TRUNCATED, 3, "the rest of the JSON object");
  JSON_FAILS("{\"event\":\"end\"", RIPT_ERR_TRUNCATED, 14,
             "the rest of the JSON object");
  JSON_FAILS("[1]", RIPT_ERR_PARSE, 0, "a JSON object");
  JSON_FAILS("[]", RIPT_ERR_PARSE, 0, "a JSON object");
  JSON_FAILS("\"x\"", RIPT_ERR_PARSE, 0, "a JSON object");
  JSON_FAILS("null", RIPT_ERR_PARSE, 0, "a JSON object");
  JSON_FAILS("{\"a\":1]", RIPT_ERR_PARSE, 6, "valid JSON");
  JSON_FAILS("{\"a\":x}", RIPT_ERR_PARSE, 5, "valid JSON");
  JSON_FAILS("{\"a\":1,\"a\":2}", RIPT_ERR_PARSE, 9,
             "a member name not used before in the object");
  JSON_FAILS("{\"event\":\"a\\u0000b\"}", RIPT_ERR_PARSE, 18,
             "a string without \\u0000");
  JSON_FAILS("{\"a\":\"b\xffz\"}", RIPT_ERR_PARSE, 7, "valid UTF-8");
  JSON_FAILS("{\"a\":\"\xed\xa0\x80\"}", RIPT_ERR_PARSE, 6, "valid UTF-8");
  JSON_FAILS("{\"a\":\"\xc0\xaf\"}", RIPT_ERR_PARSE, 6, "valid UTF-8");
  JSON_FAILS("{}x", RIPT_ERR_PARSE, 2, "nothing after the JSON object");
  JSON_FAILS("{}{}", RIPT_ERR_PARSE, 2, "nothing after the JSON object");
  JSON_FAILS("{\"a\":99999999999999999999}", RIPT_ERR_PARSE, 24,
             "a number within 64-bit integer/double range");
  JSON_FAILS("{\"a\":\"\\ud800\"}", RIPT_ERR_PARSE, 12, "valid JSON");
  /* Deeper than jansson goes. */
  char deep[2 * 2100 + 8];
  size_t n = 0;
  deep[n++] = '{';
  memcpy(deep + n, "\"a\":", 4);
  n += 4;
  for (int i = 0; i < 2100; ++i)
    deep[n++] = '[';
  for (int i = 0; i < 2100; ++i)
    deep[n++] = ']';
  deep[n++] = '}';
  ript_event ev;
  ript_parse_error err;
  assert_int_equal(ript_event_parse(&ev, (uint8_t *)deep, n, NULL, &err),
                   RIPT_ERR_LIMIT);
  assert_string_equal(err.expected, "JSON nested at most 2048 levels deep");
  /* Whitespace around the object is fine; |err| may be NULL. */
  assert_int_equal(parse_str(&ev,
                             " \t{\"event\":\"end\"," COMMON_TAIL "}\r\n",
                             NULL),
                   0);
  ript_event_free(&ev);
  assert_int_equal(ript_event_parse(NULL, (const uint8_t *)"{}", 2, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_parse(&ev, NULL, 2, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_parse(&ev, NULL, 0, NULL, &err),
                   RIPT_ERR_TRUNCATED);
}

static void write_fails(const ript_event *ev, int code) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "[kept"), 0);
  assert_int_equal(ript_event_write(ev, &b), code);
  assert_int_equal(b.len, 5);
  assert_string_equal((const char *)b.data, "[kept");
  ript_buf_free(&b);
}

static void test_write_errors(void **state) {
  (void)state;
  ript_event ok = make(RIPT_EVENT_END, C2S, 0);
  ript_event ev;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_write(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_write(&ok, NULL), RIPT_ERR_INVALID_ARGUMENT);
  assert_null(b.data);

#define WRITE_FAILS(field, value, code)                                        \
  do {                                                                         \
    ev = ok;                                                                   \
    ev.field = value;                                                          \
    write_fails(&ev, code);                                                    \
  } while (0)
  WRITE_FAILS(type, (ript_event_type)-1, RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(type, (ript_event_type)RIPT_EVENT_TYPE_COUNT,
              RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(direction, (ript_event_dir)0, RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(direction, (ript_event_dir)3, RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(call, NULL, RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(call, "", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(call, "https://x/\xff", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(name, "ending", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(uri, "https://x/c", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(nonce, "n", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "{}", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(reason, "\xc3", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(timestamp_ms, INT64_C(253402300800000), RIPT_ERR_RANGE);
  WRITE_FAILS(timestamp_ms, INT64_C(-62167219200001), RIPT_ERR_RANGE);
  char long_reason[RIPT_EVENT_REASON_MAX + 2];
  memset(long_reason, 'r', sizeof(long_reason) - 1);
  long_reason[sizeof(long_reason) - 1] = '\0';
  WRITE_FAILS(reason, long_reason, RIPT_ERR_RANGE);

  ok = make(RIPT_EVENT_PING, C2S, 0);
  WRITE_FAILS(reason, "r", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(nonce, "\xed\xa0\x80", RIPT_ERR_INVALID_ARGUMENT);
  char long_nonce[RIPT_EVENT_NONCE_MAX + 2];
  memset(long_nonce, 'n', sizeof(long_nonce) - 1);
  long_nonce[sizeof(long_nonce) - 1] = '\0';
  WRITE_FAILS(nonce, long_nonce, RIPT_ERR_RANGE);

  ok = make(RIPT_EVENT_MIGRATE, S2C, 0);
  WRITE_FAILS(uri, "http://x/c", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(uri, "https://", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(uri, "https://\x80", RIPT_ERR_INVALID_ARGUMENT);

  ok = make(RIPT_EVENT_UNKNOWN, S2C, 0);
  ok.name = "x-event";
  WRITE_FAILS(name, NULL, RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(name, "", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(name, "pong", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(name, "x\xfe", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(reason, "r", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "[]", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "{\"a\":", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "{\"a\":1,\"a\":2}", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "{\"call\":\"other\"}", RIPT_ERR_INVALID_ARGUMENT);
  WRITE_FAILS(extra, "{\"x\":1,\"event\":\"e\"}", RIPT_ERR_INVALID_ARGUMENT);
#undef WRITE_FAILS

  /* A known type may name itself. */
  ev = make(RIPT_EVENT_PONG, S2C, 0);
  ev.name = "pong";
  assert_int_equal(ript_event_write(&ev, &b), 0);
  assert_string_equal((const char *)b.data,
                      "{\"event\":\"pong\",\"direction\":\"s2c\",\"timestamp\":"
                      "\"1970-01-01T00:00:00.000Z\",\"call\":\"" CALL "\"}");
  ript_buf_reset(&b);
  /* Extension members are rewritten compactly, in their order. */
  ev = make(RIPT_EVENT_UNKNOWN, C2S, -1);
  ev.name = "x";
  ev.extra = " { \"b\" : [ 1 , 2 ] , \"a\" : { } , \"c\":\"\\u0041\\/\" } ";
  assert_int_equal(ript_event_write(&ev, &b), 0);
  assert_string_equal((const char *)b.data,
                      "{\"event\":\"x\",\"direction\":\"c2s\",\"timestamp\":"
                      "\"1969-12-31T23:59:59.999Z\",\"call\":\"" CALL
                      "\",\"b\":[1,2],\"a\":{},\"c\":\"A/\"}");
  ript_buf_reset(&b);
  ev.extra = "{}";
  assert_int_equal(ript_event_write(&ev, &b), 0);
  assert_string_equal((const char *)b.data,
                      "{\"event\":\"x\",\"direction\":\"c2s\",\"timestamp\":"
                      "\"1969-12-31T23:59:59.999Z\",\"call\":\"" CALL "\"}");
  ript_buf_free(&b);
}

static void test_write_escaping(void **state) {
  (void)state;
  ript_event ev = make(RIPT_EVENT_DECLINED, S2C, 0);
  ev.call = "c\"\\/";
  ev.reason =
      "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x80\xa8\xf0\x9f\x93\x9e";
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_write(&ev, &b), 0);
  assert_string_equal((const char *)b.data,
                      "{\"event\":\"declined\",\"direction\":\"s2c\","
                      "\"timestamp\":\"1970-01-01T00:00:00.000Z\","
                      "\"call\":\"c\\\"\\\\/\",\"reason\":\"q\\\"b\\\\s/\\b\\f"
                      "\\n\\r\\t\\u0001\\u001F\x7f \xc3\xa9\xe2\x80\xa8"
                      "\xf0\x9f\x93\x9e\"}");
  ript_event back;
  assert_int_equal(ript_event_parse(&back, b.data, b.len, NULL, NULL), 0);
  assert_true(ript_event_equal(&back, &ev));
  ript_event_free(&back);
  ript_buf_free(&b);
}

static void test_copy_pong_equal(void **state) {
  (void)state;
  ript_event ping = make(RIPT_EVENT_PING, C2S, 5);
  ping.nonce = "n-1";
  ript_event pong;
  assert_int_equal(ript_event_pong(&pong, &ping, 7, NULL), 0);
  assert_int_equal(pong.type, RIPT_EVENT_PONG);
  assert_int_equal(pong.direction, S2C);
  assert_int_equal(pong.timestamp_ms, 7);
  assert_string_equal(pong.call, CALL);
  assert_string_equal(pong.nonce, "n-1");
  assert_ptr_not_equal(pong.nonce, ping.nonce);
  assert_ptr_not_equal(pong.call, ping.call);
  assert_null(pong.reason);
  ript_event_free(&pong);
  ping.nonce = NULL;
  assert_int_equal(ript_event_pong(&pong, &ping, 7, NULL), 0);
  assert_null(pong.nonce);
  ript_event_free(&pong);
  ript_event notping = make(RIPT_EVENT_PONG, C2S, 5);
  assert_int_equal(ript_event_pong(&pong, &notping, 7, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_pong(NULL, &ping, 7, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_pong(&pong, NULL, 7, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);

  example ex[16];
  size_t n;
  examples(ex, &n);
  for (size_t i = 0; i < n; ++i) {
    ript_event copy;
    assert_int_equal(ript_event_copy(&copy, &ex[i].ev, NULL), 0);
    assert_true(ript_event_equal(&copy, &ex[i].ev));
    assert_ptr_not_equal(copy.call, ex[i].ev.call);
    for (size_t j = 0; j < n; ++j)
      assert_int_equal(ript_event_equal(&copy, &ex[j].ev), i == j);
    ript_event twice;
    assert_int_equal(ript_event_copy(&twice, &copy, NULL), 0);
    ript_event_free(&copy);
    assert_true(ript_event_equal(&twice, &ex[i].ev));
    ript_event_free(&twice);
  }
  ript_event bad = make((ript_event_type)99, C2S, 0), copy;
  assert_int_equal(ript_event_copy(&copy, &bad, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_copy(NULL, &bad, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_event_copy(&copy, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* An event without strings copies without allocating. */
  ript_event bare;
  ript_event_init(&bare);
  assert_int_equal(ript_event_copy(&copy, &bare, NULL), 0);
  assert_null(copy.storage);
  ript_event_free(&copy);
  ript_event_free(NULL);

  /* equal(): a known type's name does not matter, an unknown one's does. */
  ript_event a = make(RIPT_EVENT_END, C2S, 1), b = a;
  b.name = "end";
  assert_true(ript_event_equal(&a, &b));
  b = a;
  b.reason = "";
  assert_false(ript_event_equal(&a, &b));
  b = a;
  b.timestamp_ms = 2;
  assert_false(ript_event_equal(&a, &b));
  b = a;
  b.direction = S2C;
  assert_false(ript_event_equal(&a, &b));
  b = a;
  b.call = "https://other";
  assert_false(ript_event_equal(&a, &b));
  a.type = b.type = RIPT_EVENT_UNKNOWN;
  b = a;
  a.name = "x";
  b.name = "y";
  assert_false(ript_event_equal(&a, &b));
  b.name = "x";
  b.extra = "{}";
  assert_false(ript_event_equal(&a, &b));
  assert_true(ript_event_equal(NULL, NULL));
  assert_false(ript_event_equal(&a, NULL));
}

/* ---- Out of memory ------------------------------------------------- */

static void test_oom(void **state) {
  (void)state;
  size_t len;
  char *ext = ript_test_example("event-extension-in", &len);
  int done = 0;
  for (long fail = 0; !done; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    ript_event ev;
    int rv = ript_event_parse(&ev, (uint8_t *)ext, len, &fm.mem, NULL);
    if (rv != 0) {
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_null(ev.storage);
      continue;
    }
    ript_event copy, pong;
    rv = ript_event_copy(&copy, &ev, &fm.mem);
    if (rv == 0) {
      ript_event ping = copy;
      ping.type = RIPT_EVENT_PING;
      ping.nonce = "n";
      rv = ript_event_pong(&pong, &ping, 0, &fm.mem);
      if (rv == 0) {
        ript_buf b;
        ript_buf_init(&b, &fm.mem);
        rv = ript_event_write(&copy, &b);
        size_t mark = b.len;
        if (rv == 0)
          rv = ript_event_write(&pong, &b);
        if (rv == 0)
          done = 1;
        else
          assert_int_equal(b.len, mark);
        ript_buf_free(&b);
        ript_event_free(&pong);
      }
      ript_event_free(&copy);
    }
    if (!done)
      assert_int_equal(rv, RIPT_ERR_NOMEM);
    ript_event_free(&ev);
  }
  free(ext);
}

/* jansson allocates through its own process-wide hooks. Its loader reports
 * most allocation failures as syntax errors, so a failure may read as
 * RIPT_ERR_PARSE (or, for .extra, RIPT_ERR_INVALID_ARGUMENT); what matters
 * is that every failure is clean and leaks nothing. */
static long jansson_budget = -1;

static void *jansson_fail_malloc(size_t size) {
  if (jansson_budget == 0)
    return NULL;
  if (jansson_budget > 0)
    --jansson_budget;
  return malloc(size);
}

static void test_jansson_oom(void **state) {
  (void)state;
  json_malloc_t old_malloc;
  json_free_t old_free;
  json_get_alloc_funcs(&old_malloc, &old_free);
  json_set_alloc_funcs(jansson_fail_malloc, free);
  size_t len;
  char *ext = ript_test_example("event-extension-in", &len);
  int done = 0;
  for (long budget = 0; !done; ++budget) {
    jansson_budget = budget;
    ript_event ev;
    int rv = ript_event_parse(&ev, (uint8_t *)ext, len, NULL, NULL);
    if (rv != 0) {
      assert_true(rv == RIPT_ERR_NOMEM || rv == RIPT_ERR_PARSE);
      assert_null(ev.storage);
      continue;
    }
    ript_buf b;
    ript_buf_init(&b, NULL);
    jansson_budget = budget;
    rv = ript_event_write(&ev, &b);
    if (rv == 0) {
      done = 1;
    } else {
      assert_true(rv == RIPT_ERR_NOMEM || rv == RIPT_ERR_INVALID_ARGUMENT);
      assert_int_equal(b.len, 0);
    }
    ript_buf_free(&b);
    ript_event_free(&ev);
  }
  jansson_budget = -1;
  json_set_alloc_funcs(old_malloc, old_free);
  free(ext);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_examples_write),
      cmocka_unit_test(test_examples_parse),
      cmocka_unit_test(test_lenient_input),
      cmocka_unit_test(test_extension),
      cmocka_unit_test(test_parse_member_errors),
      cmocka_unit_test(test_parse_optional_members),
      cmocka_unit_test(test_length_limits),
      cmocka_unit_test(test_parse_json_errors),
      cmocka_unit_test(test_write_errors),
      cmocka_unit_test(test_write_escaping),
      cmocka_unit_test(test_copy_pong_equal),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_jansson_oom),
      cmocka_unit_test(test_prepare),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

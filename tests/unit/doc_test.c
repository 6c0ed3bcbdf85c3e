#define _POSIX_C_SOURCE 200809L /* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/doc.h"
#include "testutil.h"

/* --- Every document type behind one interface ---------------------------- */

enum kind {
  K_TG_LIST,
  K_TG,
  K_CTG_REQUEST,
  K_CTG_RESPONSE,
  K_HANDLER_REQUEST,
  K_HANDLER_RESPONSE,
  K_HANDLER_LIST,
  K_CALL_REQUEST,
  K_CALL,
  K_ERROR,
  K_ROOT,
  K_COUNT
};

static const char *const example_names[K_COUNT] = {
    "doc-tg-list",         "doc-tg",
    "doc-consumer-tg-request", "doc-consumer-tg-response",
    "doc-handler-request", "doc-handler-response",
    "doc-handler-list",    "doc-call-request",
    "doc-call",            "doc-error",
    "doc-root"};

typedef union any_doc {
  ript_doc_tg_list tg_list;
  ript_doc_tg tg;
  ript_doc_consumer_tg ctg;
  ript_doc_handler handler;
  ript_doc_handler_list handler_list;
  ript_doc_call_request call_request;
  ript_doc_call call;
  ript_doc_error error;
  ript_doc_root root;
} any_doc;

static int any_parse(enum kind k, any_doc *d, const char *json, size_t len,
                     size_t max_len, ript_parse_error *err,
                     const ript_mem *mem) {
  switch (k) {
  case K_TG_LIST:
    return ript_doc_tg_list_parse(&d->tg_list, json, len, max_len, err, mem);
  case K_TG:
    return ript_doc_tg_parse(&d->tg, json, len, max_len, err, mem);
  case K_CTG_REQUEST:
  case K_CTG_RESPONSE:
    return ript_doc_consumer_tg_parse(
        &d->ctg, json, len, max_len,
        k == K_CTG_REQUEST ? RIPT_DOC_REQUEST : RIPT_DOC_RESPONSE, err, mem);
  case K_HANDLER_REQUEST:
  case K_HANDLER_RESPONSE:
    return ript_doc_handler_parse(
        &d->handler, json, len, max_len,
        k == K_HANDLER_REQUEST ? RIPT_DOC_REQUEST : RIPT_DOC_RESPONSE, err,
        mem);
  case K_HANDLER_LIST:
    return ript_doc_handler_list_parse(&d->handler_list, json, len, max_len,
                                       err, mem);
  case K_CALL_REQUEST:
    return ript_doc_call_request_parse(&d->call_request, json, len, max_len,
                                       err, mem);
  case K_CALL:
    return ript_doc_call_parse(&d->call, json, len, max_len, err, mem);
  case K_ROOT:
    return ript_doc_root_parse(&d->root, json, len, max_len, err, mem);
  default:
    return ript_doc_error_parse(&d->error, json, len, max_len, err, mem);
  }
}

static int any_write(enum kind k, const any_doc *d, ript_buf *out) {
  switch (k) {
  case K_TG_LIST:
    return ript_doc_tg_list_write(&d->tg_list, out);
  case K_TG:
    return ript_doc_tg_write(&d->tg, out);
  case K_CTG_REQUEST:
    return ript_doc_consumer_tg_write(&d->ctg, RIPT_DOC_REQUEST, out);
  case K_CTG_RESPONSE:
    return ript_doc_consumer_tg_write(&d->ctg, RIPT_DOC_RESPONSE, out);
  case K_HANDLER_REQUEST:
    return ript_doc_handler_write(&d->handler, RIPT_DOC_REQUEST, out);
  case K_HANDLER_RESPONSE:
    return ript_doc_handler_write(&d->handler, RIPT_DOC_RESPONSE, out);
  case K_HANDLER_LIST:
    return ript_doc_handler_list_write(&d->handler_list, out);
  case K_CALL_REQUEST:
    return ript_doc_call_request_write(&d->call_request, out);
  case K_CALL:
    return ript_doc_call_write(&d->call, out);
  case K_ROOT:
    return ript_doc_root_write(&d->root, out);
  default:
    return ript_doc_error_write(&d->error, out);
  }
}

static void any_free(enum kind k, any_doc *d) {
  switch (k) {
  case K_TG_LIST:
    ript_doc_tg_list_free(&d->tg_list);
    break;
  case K_TG:
    ript_doc_tg_free(&d->tg);
    break;
  case K_CTG_REQUEST:
  case K_CTG_RESPONSE:
    ript_doc_consumer_tg_free(&d->ctg);
    break;
  case K_HANDLER_REQUEST:
  case K_HANDLER_RESPONSE:
    ript_doc_handler_free(&d->handler);
    break;
  case K_HANDLER_LIST:
    ript_doc_handler_list_free(&d->handler_list);
    break;
  case K_CALL_REQUEST:
    ript_doc_call_request_free(&d->call_request);
    break;
  case K_CALL:
    ript_doc_call_free(&d->call);
    break;
  case K_ROOT:
    ript_doc_root_free(&d->root);
    break;
  default:
    ript_doc_error_free(&d->error);
  }
}

static int parse_str(enum kind k, any_doc *d, const char *json,
                     ript_parse_error *err) {
  return any_parse(k, d, json, strlen(json), 0, err, NULL);
}

/* Parses |json| expecting |code| at the offset where |at| first occurs in it
 * (the start when |at| is NULL). */
static void expect_error_at(enum kind k, const char *json, int code,
                            const char *at) {
  any_doc d;
  ript_parse_error err = {12345, NULL};
  int rv = parse_str(k, &d, json, &err);
  const char *hit = at ? strstr(json, at) : json;
  assert_non_null(hit);
  size_t want = (size_t)(hit - json);
  if (rv != code || err.offset != want)
    fail_msg("%s: got %d at %zu (%s), want %d at %zu", json, rv, err.offset,
             err.expected ? err.expected : "-", code, want);
  assert_non_null(err.expected);
}

static void expect_parse_error(enum kind k, const char *json,
                               const char *at) {
  expect_error_at(k, json, RIPT_ERR_PARSE, at);
}

/* Writes |d| and returns the malloc'd text. */
static char *write_str(enum kind k, const any_doc *d) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(any_write(k, d, &b), 0);
  char *s = strdup((const char *)b.data);
  ript_buf_free(&b);
  return s;
}

/* Writing |d| fails with |code| and leaves the buffer as it was. */
static void expect_write_error(enum kind k, const any_doc *d, int code) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b, "keep"), 0);
  assert_int_equal(any_write(k, d, &b), code);
  assert_int_equal(b.len, 4);
  assert_string_equal((const char *)b.data, "keep");
  ript_buf_free(&b);
}

/* --- The worked examples -------------------------------------------------- */

static void test_examples_round_trip(void **state) {
  (void)state;
  for (int k = 0; k < K_COUNT; ++k) {
    size_t len;
    char *json = ript_test_example(example_names[k], &len);
    any_doc d;
    ript_parse_error err = {0, NULL};
    int rv = any_parse((enum kind)k, &d, json, len, 0, &err, NULL);
    if (rv != 0)
      fail_msg("%s: %d at %zu: %s", example_names[k], rv, err.offset,
               err.expected);
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(any_write((enum kind)k, &d, &b), 0);
    if (b.len != len || memcmp(b.data, json, len) != 0)
      fail_msg("%s written as:\n%s", example_names[k], (const char *)b.data);
    ript_buf_free(&b);
    any_free((enum kind)k, &d);
    free(json);
  }
}

static any_doc parse_example(enum kind k) {
  size_t len;
  char *json = ript_test_example(example_names[k], &len);
  any_doc d;
  assert_int_equal(any_parse(k, &d, json, len, 0, NULL, NULL), 0);
  free(json);
  return d;
}

static void test_example_fields_tg(void **state) {
  (void)state;
  any_doc d = parse_example(K_TG_LIST);
  assert_int_equal(d.tg_list.ntgs, 2);
  assert_string_equal(d.tg_list.tgs[0].uri,
                      "https://ript.example.com/tgs/domestic");
  assert_string_equal(d.tg_list.tgs[1].name, "International");
  assert_null(d.tg_list.tgs[1].description);
  any_free(K_TG_LIST, &d);

  d = parse_example(K_TG);
  assert_string_equal(d.tg.name, "Domestic");
  assert_string_equal(d.tg.destinations, "+1*, !+1900*");
  assert_int_equal(strncmp(d.tg.origins, "-----BEGIN CERTIFICATE-----\n", 28),
                   0);
  assert_int_equal(d.tg.retry_backoff_ms, 2000);
  assert_int_equal(d.tg.media_timeout_ms, 5000);
  assert_non_null(d.tg.advertisement);
  any_free(K_TG, &d);

  d = parse_example(K_CTG_REQUEST);
  assert_null(d.ctg.tg.uri);
  assert_null(d.ctg.tg.origins);
  assert_int_equal(d.ctg.tg.retry_backoff_ms, 4000);
  assert_string_equal(d.ctg.consumer_tg,
                      "https://pbx.acme.example/ript/tgs/inbound");
  assert_string_equal(d.ctg.bearer_token, "mF_9.B5f-4.1JqM");
  any_free(K_CTG_REQUEST, &d);

  d = parse_example(K_CTG_RESPONSE);
  assert_non_null(d.ctg.tg.uri);
  assert_null(d.ctg.bearer_token);
  any_free(K_CTG_RESPONSE, &d);
}

static void test_example_fields_handler_call(void **state) {
  (void)state;
  any_doc d = parse_example(K_HANDLER_REQUEST);
  assert_null(d.handler.uri);
  assert_string_equal(d.handler.handler_id, "982akca99283");
  any_free(K_HANDLER_REQUEST, &d);

  d = parse_example(K_HANDLER_LIST);
  assert_int_equal(d.handler_list.nhandlers, 2);
  assert_string_equal(d.handler_list.handlers[1].handler_id, "sbc-2.acme");
  any_free(K_HANDLER_LIST, &d);

  d = parse_example(K_CALL_REQUEST);
  assert_string_equal(d.call_request.destination, "+14089529999");
  assert_int_equal(strncmp(d.call_request.passport, "eyJ", 3), 0);
  any_free(K_CALL_REQUEST, &d);

  d = parse_example(K_CALL);
  assert_int_equal(d.call.state, RIPT_DOC_CALL_PROCEEDING);
  assert_string_equal(d.call.from, "+14085551000");
  assert_string_equal(d.call.client_directives, "2 to 1: opus;");
  assert_string_equal(d.call.server_directives, "1 to 1: opus;");
  any_free(K_CALL, &d);

  d = parse_example(K_ERROR);
  assert_int_equal(d.error.status, 403);
  assert_string_equal(d.error.error, "forbidden");
  any_free(K_ERROR, &d);
}

/* --- Loading: syntax, limits, arguments ---------------------------------- */

static void expect_syntax(const char *json, const char *expected) {
  any_doc d;
  ript_parse_error err = {0, NULL};
  assert_int_equal(parse_str(K_ERROR, &d, json, &err), RIPT_ERR_PARSE);
  assert_true(err.offset <= strlen(json));
  assert_string_equal(err.expected, expected);
}

static void test_syntax_errors(void **state) {
  (void)state;
  expect_syntax("{\"status\": 403,}", "valid JSON");
  expect_syntax("{\"status\": 403} x", "the end of the document");
  expect_syntax("{\"status\": 403", "more JSON (the document ended early)");
  expect_syntax("", "more JSON (the document ended early)");
  expect_syntax("{\"a\": 1, \"a\": 2}",
                "member names that are unique in their object");
  expect_syntax("{\"a\": \"\\u0000\"}",
                "no NUL character (\\u0000) in a string");
  expect_syntax("{\"a\": 99999999999999999999}", "a number in range");
  expect_syntax("{\"a\": \"\xff\"}", "valid UTF-8");
  /* jansson's position: the end of the offending token */
  any_doc d;
  ript_parse_error err;
  assert_int_equal(parse_str(K_ERROR, &d, "{\"a\" 1}", &err), RIPT_ERR_PARSE);
  assert_int_equal(err.offset, 6);
  /* the root must be an object */
  expect_parse_error(K_ERROR, "  [403]", "[");
}

static void test_depth_limit(void **state) {
  (void)state;
  char json[200];
  /* the root object and 15 arrays: 16 deep is fine (the error is semantic) */
  strcpy(json, "{\"a\": ");
  for (int i = 0; i < 15; ++i)
    strcat(json, "[");
  for (int i = 0; i < 15; ++i)
    strcat(json, "]");
  strcat(json, "}");
  any_doc d;
  ript_parse_error err;
  assert_int_equal(parse_str(K_ERROR, &d, json, &err), RIPT_ERR_PARSE);
  /* 17 deep is refused at the bracket that is one too deep */
  strcpy(json, "{\"a\": ");
  for (int i = 0; i < 16; ++i)
    strcat(json, "[");
  for (int i = 0; i < 16; ++i)
    strcat(json, "]");
  strcat(json, "}");
  assert_int_equal(parse_str(K_ERROR, &d, json, &err), RIPT_ERR_LIMIT);
  assert_int_equal(err.offset, 6 + 15);
  /* brackets in strings (even after an escaped quote) do not count */
  const char *s = "{\"status\": 500, \"error\": \"internal\", \"reason\": "
                  "\"\\\"[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{\"}";
  assert_int_equal(parse_str(K_ERROR, &d, s, &err), 0);
  any_free(K_ERROR, &d);
  /* unbalanced closers are jansson's to refuse */
  assert_int_equal(parse_str(K_ERROR, &d, "]]]{}", &err), RIPT_ERR_PARSE);
}

static void test_size_limit(void **state) {
  (void)state;
  const char *json = "{\"status\": 500, \"error\": \"internal\", "
                     "\"reason\": \"oops\"}";
  size_t len = strlen(json);
  any_doc d;
  ript_parse_error err;
  assert_int_equal(any_parse(K_ERROR, &d, json, len, len, &err, NULL), 0);
  any_free(K_ERROR, &d);
  assert_int_equal(any_parse(K_ERROR, &d, json, len, len - 1, &err, NULL),
                   RIPT_ERR_LIMIT);
  assert_int_equal(err.offset, len - 1);

  /* max_len 0 is RIPT_DOC_DEFAULT_MAX_LEN */
  size_t big = RIPT_DOC_DEFAULT_MAX_LEN + 1;
  char *doc = malloc(big + 1);
  const char *head = "{\"status\": 500, \"error\": \"internal\", \"reason\": \"";
  strcpy(doc, head);
  memset(doc + strlen(head), 'x', big - strlen(head) - 2);
  strcpy(doc + big - 2, "\"}");
  assert_int_equal(any_parse(K_ERROR, &d, doc, big, 0, &err, NULL),
                   RIPT_ERR_LIMIT);
  assert_int_equal(err.offset, RIPT_DOC_DEFAULT_MAX_LEN);
  assert_int_equal(any_parse(K_ERROR, &d, doc + 1, big - 1, 0, &err, NULL),
                   RIPT_ERR_PARSE); /* within the limit, but not JSON */
  doc[big - 3] = '"';
  doc[big - 2] = '}';
  assert_int_equal(any_parse(K_ERROR, &d, doc, big - 1, 0, &err, NULL), 0);
  assert_int_equal(strlen(d.error.reason), big - 2 - strlen(head) - 1);
  any_free(K_ERROR, &d);
  free(doc);
}

static void test_arguments(void **state) {
  (void)state;
  ript_parse_error err;
  ript_doc_error e;
  assert_int_equal(ript_doc_error_parse(&e, NULL, 0, 0, &err, NULL),
                   RIPT_ERR_PARSE);
  assert_int_equal(ript_doc_error_parse(&e, NULL, 3, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_error_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_tg_list_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_tg_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_handler_list_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_call_request_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_call_parse(NULL, "{}", 2, 0, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_doc_handler h;
  ript_doc_consumer_tg c;
  assert_int_equal(ript_doc_handler_parse(&h, "{}", 2, 0, (ript_doc_role)2,
                                          &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_handler_parse(NULL, "{}", 2, 0, RIPT_DOC_REQUEST,
                                          &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_consumer_tg_parse(&c, "{}", 2, 0,
                                              (ript_doc_role)-1, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_consumer_tg_parse(NULL, "{}", 2, 0,
                                              RIPT_DOC_REQUEST, &err, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* |err| may be NULL */
  assert_int_equal(ript_doc_error_parse(&e, "{}", 2, 0, NULL, NULL),
                   RIPT_ERR_PARSE);
  /* freeing NULL is a no-op, freeing twice is harmless */
  ript_doc_tg_list_free(NULL);
  ript_doc_tg_free(NULL);
  ript_doc_consumer_tg_free(NULL);
  ript_doc_handler_free(NULL);
  ript_doc_handler_list_free(NULL);
  ript_doc_call_request_free(NULL);
  ript_doc_call_free(NULL);
  ript_doc_error_free(NULL);
  ript_doc_error_free(&e);
  ript_doc_error_free(&e);
}

static void test_unknown_fields_ignored(void **state) {
  (void)state;
  any_doc d;
  const char *json = "{\"x-vendor\": {\"deep\": [1, 2.5, null]}, \"status\": "
                     "503, \"error\": \"busy\", \"reason\": \"later\", "
                     "\"Status\": \"ignored\"}";
  assert_int_equal(parse_str(K_ERROR, &d, json, NULL), 0);
  assert_int_equal(d.error.status, 503);
  char *out = write_str(K_ERROR, &d);
  assert_string_equal(out, "{\n  \"status\": 503,\n  \"error\": \"busy\",\n"
                           "  \"reason\": \"later\"\n}");
  free(out);
  any_free(K_ERROR, &d);
}

/* --- Error offsets of each document -------------------------------------- */

static void test_tg_list_errors(void **state) {
  (void)state;
  expect_parse_error(K_TG_LIST, "{\"tgs\": []}", "[]");
  expect_parse_error(K_TG_LIST, " {}", "{");
  expect_parse_error(K_TG_LIST, "{\"tgs\": {}}", "{}");
  expect_parse_error(K_TG_LIST, "{\"tgs\": [\"https://a/\"]}", "\"https");
  expect_parse_error(K_TG_LIST,
                     "{\"tgs\": [{\"uri\": \"https://a/\"}, {\"name\": \"x\"}]}",
                     "{\"name\"");
  expect_parse_error(K_TG_LIST, "{\"tgs\": [{\"uri\": \"http://a/\"}]}",
                     "\"http:");
  expect_parse_error(K_TG_LIST,
                     "{\"tgs\": [{\"uri\": \"https://a/\", \"name\": 5}]}",
                     "5");
  expect_parse_error(
      K_TG_LIST,
      "{\"tgs\": [{\"uri\": \"https://a/\", \"description\": null}]}",
      "null");
  /* member names with escapes are located too */
  expect_parse_error(K_TG_LIST, "{\"t\\u0067s\": [{\"\\u0075r\\/i\": 1, "
                                "\"\\u0075ri\": 7}]}",
                     "7}");
  expect_parse_error(K_TG_LIST, "{\"t\\u0067s\": [{\"\\u00e9\": 1, "
                                "\"u\\/ri\": 1, \"uri\": 7}]}",
                     "7}");
}

static void test_tg_defaults_and_timers(void **state) {
  (void)state;
  any_doc d;
  assert_int_equal(parse_str(K_TG, &d, "{\"outbound\": {}}", NULL), 0);
  assert_null(d.tg.destinations);
  assert_null(d.tg.origins);
  assert_int_equal(d.tg.retry_backoff_ms, 2000);
  assert_int_equal(d.tg.media_timeout_ms, 5000);
  char *out = write_str(K_TG, &d);
  assert_string_equal(out, "{\n  \"outbound\": {},\n  \"retry-backoff\": 2000,"
                           "\n  \"media-timeout\": 5000\n}");
  free(out);
  any_free(K_TG, &d);

  static const struct {
    const char *json;
    int64_t retry, media;
  } timers[] = {
      {"{\"outbound\": {}, \"retry-backoff\": 500}", 2000, 5000},
      {"{\"outbound\": {}, \"retry-backoff\": 0}", 2000, 5000},
      {"{\"outbound\": {}, \"retry-backoff\": 1999}", 2000, 5000},
      {"{\"outbound\": {}, \"retry-backoff\": 2001}", 2001, 5000},
      {"{\"outbound\": {}, \"retry-backoff\": 9223372036854775807}",
       INT64_MAX, 5000},
      {"{\"outbound\": {}, \"media-timeout\": 1}", 2000, 1},
      {"{\"outbound\": {}, \"media-timeout\": 30000}", 2000, 30000},
  };
  for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); ++i) {
    assert_int_equal(parse_str(K_TG, &d, timers[i].json, NULL), 0);
    assert_int_equal(d.tg.retry_backoff_ms, timers[i].retry);
    assert_int_equal(d.tg.media_timeout_ms, timers[i].media);
    any_free(K_TG, &d);
  }
}

static void test_tg_errors(void **state) {
  (void)state;
  expect_parse_error(K_TG, "{}", "{");
  expect_parse_error(K_TG, "{\"name\": \"x\"}", "{");
  expect_parse_error(K_TG, "{\"outbound\": []}", "[]");
  expect_parse_error(K_TG, "{\"uri\": \"ftp://x/\", \"outbound\": {}}",
                     "\"ftp");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"retry-backoff\": -1}", "-1");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"retry-backoff\": 2000.0}",
                     "2000.0");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"retry-backoff\": \"2000\"}",
                     "\"2000\"");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"media-timeout\": 0}", "0}");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"media-timeout\": -5}", "-5");
  expect_parse_error(K_TG, "{\"outbound\": {\"origins\": \"hello\"}}",
                     "\"hello");
  expect_parse_error(K_TG,
                     "{\"outbound\": {\"origins\": \"-----END CERTIFICATE-----"
                     "-----BEGIN CERTIFICATE-----\"}}",
                     "\"-----END");
  expect_parse_error(K_TG, "{\"outbound\": {\"origins\": 1}}", "1}");
  expect_parse_error(K_TG, "{\"outbound\": {\"destinations\": \"\"}}",
                     "\"\"");
  expect_parse_error(K_TG, "{\"outbound\": {\"destinations\": \"+1 408\"}}",
                     "\"+1 408");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"advertisement\": \"\"}",
                     "\"\"");
  expect_parse_error(K_TG, "{\"outbound\": {}, \"advertisement\": [\"a\"]}",
                     "[\"a");
}

static void test_consumer_tg(void **state) {
  (void)state;
  const char *tail = "\"consumer-tg\": \"https://pbx.example/tg\"";
  char json[400];
  snprintf(json, sizeof(json),
           "{\"outbound\": {\"origins\": \"x\"}, %s, \"bearer-token\": \"t\"}",
           tail);
  expect_parse_error(K_CTG_REQUEST, json, "\"x\"");
  any_doc d;
  ript_parse_error err;
  assert_int_equal(parse_str(K_CTG_REQUEST, &d, json, &err), RIPT_ERR_PARSE);
  assert_non_null(strstr(err.expected, "no \"origins\""));
  snprintf(json, sizeof(json), "{\"outbound\": {}, %s}", tail);
  expect_parse_error(K_CTG_REQUEST, json, "{\"outbound\"");
  const char *bad_tokens[] = {"", "a b", "==", "a=b", "a\\r\\nX: y", "\\u00e9"};
  for (size_t i = 0; i < sizeof(bad_tokens) / sizeof(bad_tokens[0]); ++i) {
    snprintf(json, sizeof(json),
             "{\"outbound\": {}, %s, \"bearer-token\": \"%s\"}", tail,
             bad_tokens[i]);
    char at[40];
    snprintf(at, sizeof(at), "\"%s\"}", bad_tokens[i]);
    expect_parse_error(K_CTG_REQUEST, json, at);
  }
  snprintf(json, sizeof(json),
           "{\"outbound\": {}, %s, \"bearer-token\": \"aZ09-._~+/==\"}", tail);
  assert_int_equal(parse_str(K_CTG_REQUEST, &d, json, NULL), 0);
  any_free(K_CTG_REQUEST, &d);
  expect_parse_error(K_CTG_REQUEST,
                     "{\"outbound\": {}, \"consumer-tg\": "
                     "\"https://192.0.2.1/tg\", \"bearer-token\": \"t\"}",
                     "\"https://192");
  expect_parse_error(K_CTG_REQUEST,
                     "{\"outbound\": {}, \"bearer-token\": \"t\"}", "{");
  /* the response needs "uri", and ignores a bearer token */
  snprintf(json, sizeof(json),
           "{\"outbound\": {}, %s, \"bearer-token\": \"t\"}", tail);
  expect_parse_error(K_CTG_RESPONSE, json, "{");
  snprintf(json, sizeof(json),
           "{\"uri\": \"https://a/r/1\", \"outbound\": {}, %s, "
           "\"bearer-token\": \"a b\"}",
           tail);
  assert_int_equal(parse_str(K_CTG_RESPONSE, &d, json, NULL), 0);
  assert_null(d.ctg.bearer_token);
  any_free(K_CTG_RESPONSE, &d);
}

static void test_consumer_tg_write_roles(void **state) {
  (void)state;
  any_doc d = parse_example(K_CTG_REQUEST);
  /* the provider's echo: uri added, the secret left out */
  d.ctg.tg.uri = "https://ript.example.com/tgs/domestic/consumertgs/"
                 "0b6f1c2e-7a4d-4e58-9c3b-5d2a1f0e9b87";
  char *out = write_str(K_CTG_RESPONSE, &d);
  char *want = ript_test_example("doc-consumer-tg-response", NULL);
  assert_string_equal(out, want);
  free(want);
  free(out);
  d.ctg.tg.uri = NULL;
  expect_write_error(K_CTG_RESPONSE, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.ctg.bearer_token = NULL;
  expect_write_error(K_CTG_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.ctg.bearer_token = "t";
  d.ctg.tg.origins = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----";
  expect_write_error(K_CTG_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.ctg.tg.origins = NULL;
  d.ctg.consumer_tg = "https://[::1]/tg";
  expect_write_error(K_CTG_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_doc_consumer_tg_write(&d.ctg, (ript_doc_role)5, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_consumer_tg_write(NULL, RIPT_DOC_REQUEST, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_consumer_tg_write(&d.ctg, RIPT_DOC_REQUEST, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
  any_free(K_CTG_REQUEST, &d);
}

static void test_handler(void **state) {
  (void)state;
  const char *adv = "\"advertisement\": \"1 in: PCMU;\"";
  char json[400];
  snprintf(json, sizeof(json), "{\"handler-id\": \"h\", %s}", adv);
  expect_parse_error(K_HANDLER_RESPONSE, json, "{");
  char id[200];
  memset(id, 'a', 128);
  id[128] = '\0';
  snprintf(json, sizeof(json), "{\"handler-id\": \"%s\", %s}", id, adv);
  any_doc d;
  assert_int_equal(parse_str(K_HANDLER_REQUEST, &d, json, NULL), 0);
  assert_int_equal(strlen(d.handler.handler_id), 128);
  any_free(K_HANDLER_REQUEST, &d);
  memset(id, 'a', 129);
  id[129] = '\0';
  snprintf(json, sizeof(json), "{\"handler-id\": \"%s\", %s}", id, adv);
  expect_parse_error(K_HANDLER_REQUEST, json, "\"aaa");
  expect_parse_error(K_HANDLER_REQUEST,
                     "{\"handler-id\": \"a b\", \"advertisement\": \"x\"}",
                     "\"a b");
  expect_parse_error(K_HANDLER_REQUEST,
                     "{\"handler-id\": \"\", \"advertisement\": \"x\"}",
                     "\"\"");
  expect_parse_error(K_HANDLER_REQUEST, "{\"advertisement\": \"x\"}", "{");
  expect_parse_error(K_HANDLER_REQUEST,
                     "{\"handler-id\": \"h\", \"advertisement\": \"\"}",
                     "\"\"}");
  expect_parse_error(K_HANDLER_REQUEST, "{\"handler-id\": \"h\"}", "{");
  expect_parse_error(K_HANDLER_REQUEST,
                     "{\"uri\": \"https://a b\", \"handler-id\": \"h\", "
                     "\"advertisement\": \"x\"}",
                     "\"https");
  /* a request may carry a uri; it is kept for the server to replace */
  assert_int_equal(parse_str(K_HANDLER_REQUEST, &d,
                             "{\"uri\": \"https://a/h/1\", \"handler-id\": "
                             "\"A.b_c~d-9\", \"advertisement\": \"x\"}",
                             NULL),
                   0);
  assert_string_equal(d.handler.uri, "https://a/h/1");
  any_free(K_HANDLER_REQUEST, &d);

  d = parse_example(K_HANDLER_REQUEST);
  expect_write_error(K_HANDLER_RESPONSE, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.handler.handler_id = "caf\xc3\xa9";
  expect_write_error(K_HANDLER_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_doc_handler_write(&d.handler, (ript_doc_role)9, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
  any_free(K_HANDLER_REQUEST, &d);
}

static void test_handler_list(void **state) {
  (void)state;
  any_doc d;
  assert_int_equal(parse_str(K_HANDLER_LIST, &d, "{\"handlers\": []}", NULL),
                   0);
  assert_int_equal(d.handler_list.nhandlers, 0);
  char *out = write_str(K_HANDLER_LIST, &d);
  assert_string_equal(out, "{\n  \"handlers\": []\n}");
  free(out);
  any_free(K_HANDLER_LIST, &d);
  expect_parse_error(K_HANDLER_LIST, "{}", "{");
  expect_parse_error(K_HANDLER_LIST, "{\"handlers\": {}}", "{}");
  expect_parse_error(K_HANDLER_LIST, "{\"handlers\": [\"x\"]}", "\"x\"");
  expect_parse_error(K_HANDLER_LIST,
                     "{\"handlers\": [{\"handler-id\": \"a\", "
                     "\"advertisement\": \"b\"}]}",
                     "{\"handler-id\"");
  expect_parse_error(K_HANDLER_LIST,
                     "{\"handlers\": [{\"uri\": \"https://a/h\", "
                     "\"handler-id\": \"a\", \"advertisement\": \"b\"}, "
                     "{\"uri\": \"https://a/h\", \"handler-id\": \"a\", "
                     "\"advertisement\": 7}]}",
                     "7");
  ript_doc_handler_list_init(&d.handler_list);
  d.handler_list.nhandlers = 1;
  expect_write_error(K_HANDLER_LIST, &d, RIPT_ERR_INVALID_ARGUMENT);
}

static void test_call_request(void **state) {
  (void)state;
  const char *h = "\"handler\": \"https://a/h/1\"";
  const char *p = "\"passport\": \"a.b.c\"";
  char json[300];
  snprintf(json, sizeof(json), "{%s, \"destination\": \"+1 (408) 952-9999\", %s}",
           h, p);
  any_doc d;
  assert_int_equal(parse_str(K_CALL_REQUEST, &d, json, NULL), 0);
  assert_string_equal(d.call_request.destination, "+14089529999");
  char *out = write_str(K_CALL_REQUEST, &d);
  assert_string_equal(out, "{\n  \"handler\": \"https://a/h/1\",\n"
                           "  \"destination\": \"+14089529999\",\n"
                           "  \"passport\": \"a.b.c\"\n}");
  free(out);
  any_free(K_CALL_REQUEST, &d);

  snprintf(json, sizeof(json), "{%s, \"destination\": \"+1 408 x\", %s}", h,
           p);
  expect_parse_error(K_CALL_REQUEST, json, "\"+1 408");
  snprintf(json, sizeof(json), "{%s, \"destination\": 14089529999, %s}", h, p);
  expect_parse_error(K_CALL_REQUEST, json, "14089529999");
  snprintf(json, sizeof(json), "{%s, %s}", h, p);
  expect_parse_error(K_CALL_REQUEST, json, "{");
  snprintf(json, sizeof(json), "{\"destination\": \"+1\", %s}", p);
  expect_parse_error(K_CALL_REQUEST, json, "{");
  const char *bad[] = {"a.b", "a..c", "a.b.c=", "a.b.c.d", ".b.c", "a.b.",
                       "a.b c.d", ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    snprintf(json, sizeof(json),
             "{%s, \"destination\": \"+1\", \"passport\": \"%s\"}", h, bad[i]);
    char at[30];
    snprintf(at, sizeof(at), "\"%s\"}", bad[i]);
    expect_parse_error(K_CALL_REQUEST, json, at);
  }
  snprintf(json, sizeof(json),
           "{%s, \"destination\": \"+1\", \"passport\": \"Az09-_.x.y\"}", h);
  assert_int_equal(parse_str(K_CALL_REQUEST, &d, json, NULL), 0);
  ript_doc_call_request saved = d.call_request;
  d.call_request.passport = NULL;
  expect_write_error(K_CALL_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.call_request.passport = saved.passport;
  d.call_request.destination = "+1 408 x";
  expect_write_error(K_CALL_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.call_request.destination = saved.destination;
  d.call_request.handler = "https://a/h/\x01";
  expect_write_error(K_CALL_REQUEST, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.call_request = saved;
  any_free(K_CALL_REQUEST, &d);
}

static void test_call(void **state) {
  (void)state;
  const char *head = "{\"uri\": \"https://a/calls/"
                     "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69\", \"handler\": "
                     "\"https://a/h/1\", ";
  char json[600];
  snprintf(json, sizeof(json),
           "%s\"direction\": \"outbound\", \"from\": \"1001@PBX.example\", "
           "\"to\": \"+44 20 7946 0958\", \"clientDirectives\": \"\", "
           "\"state\": \"answered\"}",
           head);
  any_doc d;
  assert_int_equal(parse_str(K_CALL, &d, json, NULL), 0);
  assert_string_equal(d.call.from, "1001@pbx.example");
  assert_string_equal(d.call.to, "+442079460958");
  assert_string_equal(d.call.client_directives, "");
  assert_null(d.call.server_directives);
  assert_int_equal(d.call.state, RIPT_DOC_CALL_ANSWERED);
  char *out = write_str(K_CALL, &d);
  assert_non_null(strstr(out, "\"clientDirectives\": \"\",\n  \"state\""));
  assert_null(strstr(out, "serverDirectives"));
  free(out);
  /* every state round-trips; one past the last is refused */
  for (int s = RIPT_DOC_CALL_PROCEEDING; s <= RIPT_DOC_CALL_ENDED; ++s) {
    any_doc e;
    d.call.state = (ript_doc_call_state)s;
    out = write_str(K_CALL, &d);
    assert_int_equal(parse_str(K_CALL, &e, out, NULL), 0);
    assert_int_equal(e.call.state, s);
    any_free(K_CALL, &e);
    free(out);
  }
  d.call.state = (ript_doc_call_state)(RIPT_DOC_CALL_ENDED + 1);
  expect_write_error(K_CALL, &d, RIPT_ERR_INVALID_ARGUMENT);
  d.call.state = RIPT_DOC_CALL_ENDED;
  d.call.client_directives = NULL;
  expect_write_error(K_CALL, &d, RIPT_ERR_INVALID_ARGUMENT);
  any_free(K_CALL, &d);

  snprintf(json, sizeof(json),
           "%s\"direction\": \"inbound\", \"from\": \"+1\", \"to\": \"+1\", "
           "\"clientDirectives\": \"\", \"state\": \"ended\"}",
           head);
  expect_parse_error(K_CALL, json, "\"inbound");
  snprintf(json, sizeof(json),
           "%s\"from\": \"+1\", \"to\": \"+1\", \"clientDirectives\": \"\", "
           "\"state\": \"ended\"}",
           head);
  expect_parse_error(K_CALL, json, "{");
  snprintf(json, sizeof(json),
           "%s\"direction\": \"outbound\", \"from\": \"+1\", \"to\": \"+1\", "
           "\"clientDirectives\": \"\", \"state\": \"ringing\"}",
           head);
  expect_parse_error(K_CALL, json, "\"ringing");
  snprintf(json, sizeof(json),
           "%s\"direction\": \"outbound\", \"from\": \"+1\", \"to\": \"+1\", "
           "\"clientDirectives\": \"\"}",
           head);
  expect_parse_error(K_CALL, json, "{");
  snprintf(json, sizeof(json),
           "%s\"direction\": \"outbound\", \"from\": \"+1\", \"to\": \"1\", "
           "\"clientDirectives\": \"\", \"state\": \"ended\"}",
           head);
  expect_parse_error(K_CALL, json, "\"1\"");
  snprintf(json, sizeof(json),
           "%s\"direction\": \"outbound\", \"from\": \"+1\", \"to\": \"+1\", "
           "\"state\": \"ended\"}",
           head);
  expect_parse_error(K_CALL, json, "{");
  expect_parse_error(K_CALL,
                     "{\"uri\": \"https://a/calls/1\", \"handler\": "
                     "\"https://a/h/1\", \"direction\": \"outbound\", \"from\": "
                     "\"+1\", \"to\": \"+1\", \"clientDirectives\": \"\", "
                     "\"state\": \"ended\"}",
                     "\"https://a/calls/1");
}

static void test_call_state_names(void **state) {
  (void)state;
  static const char *const names[] = {"proceeding", "alerting", "answered",
                                      "declined",   "failed",   "noanswer",
                                      "ended"};
  for (int s = 0; s < 7; ++s)
    assert_string_equal(ript_doc_call_state_name((ript_doc_call_state)s),
                        names[s]);
  assert_null(ript_doc_call_state_name((ript_doc_call_state)7));
  assert_null(ript_doc_call_state_name((ript_doc_call_state)-1));
}

static void test_root_doc(void **state) {
  (void)state;
  expect_parse_error(K_ROOT, "{\"oauth\": \"https://a.example/o\"}", "{");
  expect_parse_error(K_ROOT, "{\"providertgs\": \"https://a.example/t\"}",
                     "{");
  expect_parse_error(K_ROOT,
                     "{\"providertgs\": \"http://a.example/t\", "
                     "\"oauth\": \"https://a.example/o\"}",
                     "\"http:");
  expect_parse_error(K_ROOT,
                     "{\"providertgs\": \"https://a.example/t\", "
                     "\"oauth\": 7}",
                     "7}");
  any_doc d;
  ript_doc_root_init(&d.root);
  d.root.providertgs = "https://a.example/.well-known/ript/providertgs";
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_doc_root_write(&d.root, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.len, 0);
  ript_buf_free(&b);
}

static void test_error_doc(void **state) {
  (void)state;
  expect_parse_error(K_ERROR,
                     "{\"status\": 399, \"error\": \"x\", \"reason\": \"y\"}",
                     "399");
  expect_parse_error(K_ERROR,
                     "{\"status\": 600, \"error\": \"x\", \"reason\": \"y\"}",
                     "600");
  expect_parse_error(K_ERROR,
                     "{\"status\": \"403\", \"error\": \"x\", \"reason\": "
                     "\"y\"}",
                     "\"403");
  expect_parse_error(K_ERROR, "{\"error\": \"x\", \"reason\": \"y\"}", "{");
  expect_parse_error(K_ERROR,
                     "{\"status\": 403, \"error\": \"Forbidden\", \"reason\": "
                     "\"y\"}",
                     "\"Forbidden");
  expect_parse_error(K_ERROR, "{\"status\": 403, \"reason\": \"y\"}", "{");
  expect_parse_error(K_ERROR,
                     "{\"status\": 403, \"error\": \"x\", \"reason\": \"\"}",
                     "\"\"}");
  char token[100];
  memset(token, 'a', 64);
  token[64] = '\0';
  char json[200];
  snprintf(json, sizeof(json),
           "{\"status\": 599, \"error\": \"%s\", \"reason\": \"y\"}", token);
  any_doc d;
  assert_int_equal(parse_str(K_ERROR, &d, json, NULL), 0);
  any_free(K_ERROR, &d);
  snprintf(json, sizeof(json),
           "{\"status\": 400, \"error\": \"%sa\", \"reason\": \"y\"}", token);
  expect_parse_error(K_ERROR, json, "\"aaa");

  ript_doc_error *e = &d.error;
  ript_doc_error_init(e);
  e->status = 404;
  e->error = "not-found";
  e->reason = "no such call";
  char *out = write_str(K_ERROR, &d);
  assert_string_equal(out, "{\n  \"status\": 404,\n  \"error\": \"not-found\","
                           "\n  \"reason\": \"no such call\"\n}");
  free(out);
  e->status = 200;
  expect_write_error(K_ERROR, &d, RIPT_ERR_INVALID_ARGUMENT);
  e->status = 500;
  e->reason = "\xc0\x80";
  expect_write_error(K_ERROR, &d, RIPT_ERR_INVALID_ARGUMENT);
}

/* --- Writers: caller-filled structs and refusals ------------------------- */

static void test_write_caller_structs(void **state) {
  (void)state;
  ript_doc_tg_entry entries[] = {
      {"https://a/tg/1", "One \"quoted\"\n", NULL},
      {"https://a/tg/2", NULL, "caf\xc3\xa9 \xf0\x9f\x93\x9e"},
  };
  any_doc caller;
  ript_doc_tg_list *list = &caller.tg_list;
  ript_doc_tg_list_init(list);
  list->tgs = entries;
  list->ntgs = 2;
  char *out = write_str(K_TG_LIST, &caller);
  any_doc d;
  assert_int_equal(parse_str(K_TG_LIST, &d, out, NULL), 0);
  assert_string_equal(d.tg_list.tgs[0].name, "One \"quoted\"\n");
  assert_string_equal(d.tg_list.tgs[1].description,
                      "caf\xc3\xa9 \xf0\x9f\x93\x9e");
  char *again = write_str(K_TG_LIST, &d);
  assert_string_equal(out, again);
  free(again);
  free(out);
  any_free(K_TG_LIST, &d);

  list->ntgs = 0;
  expect_write_error(K_TG_LIST, &caller, RIPT_ERR_INVALID_ARGUMENT);
  list->ntgs = 1;
  list->tgs = NULL;
  expect_write_error(K_TG_LIST, &caller, RIPT_ERR_INVALID_ARGUMENT);
  const char *bad_utf8[] = {"\xff", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80",
                            "\xf4\x90\x80\x80", "\xc3\x28"};
  for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); ++i) {
    entries[0].name = bad_utf8[i];
    list->tgs = entries;
    expect_write_error(K_TG_LIST, &caller, RIPT_ERR_INVALID_ARGUMENT);
  }
}

static void test_write_tg_refusals(void **state) {
  (void)state;
  any_doc d;
  ript_doc_tg *tg = &d.tg;
  ript_doc_tg_init(tg);
  char *out = write_str(K_TG, &d);
  free(out);
  tg->retry_backoff_ms = 1999;
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  tg->retry_backoff_ms = 2000;
  tg->media_timeout_ms = 0;
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  tg->media_timeout_ms = 1;
  tg->destinations = "+1*,";
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  tg->destinations = NULL;
  tg->origins = "not a certificate";
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  tg->origins = NULL;
  tg->advertisement = "";
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  tg->advertisement = NULL;
  tg->uri = "https://a/ tg";
  expect_write_error(K_TG, &d, RIPT_ERR_INVALID_ARGUMENT);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_doc_tg_write(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_tg_write(tg, NULL), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_tg_list_write(NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_handler_write(NULL, RIPT_DOC_REQUEST, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_handler_list_write(NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_call_request_write(NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_call_write(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_doc_error_write(NULL, &b), RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
}

/* --- Out of memory -------------------------------------------------------- */

/* Parsing allocates only through |mem| for the document's own store (jansson
 * uses its allocator); every failure must be NOMEM with nothing leaked. */
static void test_parse_out_of_memory(void **state) {
  (void)state;
  for (int k = 0; k < K_COUNT; ++k) {
    size_t len;
    char *json = ript_test_example(example_names[k], &len);
    for (long fail_after = 0;; ++fail_after) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, fail_after);
      any_doc d;
      int rv = any_parse((enum kind)k, &d, json, len, 0, NULL, &fm.mem);
      if (rv == 0) {
        assert_true(fail_after >= 1);
        any_free((enum kind)k, &d);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_true(fail_after < 100);
    }
    free(json);
  }
}

static void test_write_out_of_memory(void **state) {
  (void)state;
  for (int k = 0; k < K_COUNT; ++k) {
    any_doc d = parse_example((enum kind)k);
    for (long fail_after = 0;; ++fail_after) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, fail_after);
      ript_buf b;
      ript_buf_init(&b, &fm.mem);
      int rv = any_write((enum kind)k, &d, &b);
      if (rv == 0) {
        ript_buf_free(&b);
        assert_true(fail_after >= 1);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_int_equal(b.len, 0);
      ript_buf_free(&b);
      assert_true(fail_after < 100);
    }
    any_free((enum kind)k, &d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples_round_trip),
      cmocka_unit_test(test_example_fields_tg),
      cmocka_unit_test(test_example_fields_handler_call),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_unknown_fields_ignored),
      cmocka_unit_test(test_tg_list_errors),
      cmocka_unit_test(test_tg_defaults_and_timers),
      cmocka_unit_test(test_tg_errors),
      cmocka_unit_test(test_consumer_tg),
      cmocka_unit_test(test_consumer_tg_write_roles),
      cmocka_unit_test(test_handler),
      cmocka_unit_test(test_handler_list),
      cmocka_unit_test(test_call_request),
      cmocka_unit_test(test_call),
      cmocka_unit_test(test_call_state_names),
      cmocka_unit_test(test_error_doc),
      cmocka_unit_test(test_root_doc),
      cmocka_unit_test(test_write_caller_structs),
      cmocka_unit_test(test_write_tg_refusals),
      cmocka_unit_test(test_parse_out_of_memory),
      cmocka_unit_test(test_write_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

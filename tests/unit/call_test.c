#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/call.h"
#include "testutil.h"

/*
 * The whole table, written out independently of the code: for each event
 * type, the outcome in each state (proceeding, alerting, answered, declined,
 * failed, noanswer, ended) when sent s2c and when sent c2s. A state letter
 * is the state after the event (P proceeding, A alerting, N answered,
 * D declined, F failed, X noanswer, E ended); i is RIPT_ERR_ILLEGAL_EVENT and
 * t is RIPT_ERR_CALL_TERMINATED.
 */
static const struct {
  ript_event_type type;
  const char *s2c;
  const char *c2s;
} expected_table[] = {
    {RIPT_EVENT_PROCEEDING, "Piitttt", "iiitttt"},
    {RIPT_EVENT_ALERTING, "AAitttt", "iiitttt"},
    {RIPT_EVENT_ANSWERED, "NNitttt", "iiitttt"},
    {RIPT_EVENT_DECLINED, "DDitttt", "iiitttt"},
    {RIPT_EVENT_FAILED, "FFitttt", "iiitttt"},
    {RIPT_EVENT_NOANSWER, "XXitttt", "iiitttt"},
    {RIPT_EVENT_END, "EEEtttt", "EEEtttt"},
    {RIPT_EVENT_MIGRATE, "PANtttt", "iiitttt"},
    {RIPT_EVENT_PING, "iiitttt", "PANtttt"},
    {RIPT_EVENT_PONG, "PANtttt", "iiitttt"},
    {RIPT_EVENT_MEDIA_PANIC, "PANtttt", "iiitttt"},
    {RIPT_EVENT_UNKNOWN, "PANtttt", "PANtttt"},
};

static char outcome_letter(int rv, ript_call_state next) {
  static const char letters[] = "PANDFXE";
  if (rv == RIPT_ERR_ILLEGAL_EVENT)
    return 'i';
  if (rv == RIPT_ERR_CALL_TERMINATED)
    return 't';
  assert_int_equal(rv, 0);
  return letters[next];
}

static void test_every_transition(void **state) {
  (void)state;
  assert_int_equal(sizeof(expected_table) / sizeof(*expected_table),
                   RIPT_EVENT_TYPE_COUNT);
  for (size_t i = 0; i < sizeof(expected_table) / sizeof(*expected_table);
       ++i) {
    for (int d = 0; d < 2; ++d) {
      ript_event_dir dir = d ? RIPT_EVENT_DIR_C2S : RIPT_EVENT_DIR_S2C;
      const char *want = d ? expected_table[i].c2s : expected_table[i].s2c;
      for (int s = 0; s < RIPT_CALL_STATE_COUNT; ++s) {
        ript_call_state next = (ript_call_state)99;
        int rv = ript_call_apply((ript_call_state)s, expected_table[i].type,
                                 dir, &next);
        char got = outcome_letter(rv, next);
        if (got != want[s])
          fail_msg("%s %s in %s: got %c, want %c",
                   ript_event_type_name(expected_table[i].type),
                   ript_event_dir_name(dir),
                   ript_call_state_name((ript_call_state)s), got, want[s]);
        if (rv != 0)
          assert_int_equal(next, 99);
      }
    }
  }
}

static void test_a_whole_call(void **state) {
  (void)state;
  ript_call_state s = RIPT_CALL_PROCEEDING;
  static const struct {
    ript_event_type type;
    ript_event_dir dir;
    ript_call_state after;
  } steps[] = {
      {RIPT_EVENT_PROCEEDING, RIPT_EVENT_DIR_S2C, RIPT_CALL_PROCEEDING},
      {RIPT_EVENT_PROCEEDING, RIPT_EVENT_DIR_S2C, RIPT_CALL_PROCEEDING},
      {RIPT_EVENT_ALERTING, RIPT_EVENT_DIR_S2C, RIPT_CALL_ALERTING},
      {RIPT_EVENT_ALERTING, RIPT_EVENT_DIR_S2C, RIPT_CALL_ALERTING},
      {RIPT_EVENT_PING, RIPT_EVENT_DIR_C2S, RIPT_CALL_ALERTING},
      {RIPT_EVENT_PONG, RIPT_EVENT_DIR_S2C, RIPT_CALL_ALERTING},
      {RIPT_EVENT_ANSWERED, RIPT_EVENT_DIR_S2C, RIPT_CALL_ANSWERED},
      {RIPT_EVENT_MIGRATE, RIPT_EVENT_DIR_S2C, RIPT_CALL_ANSWERED},
      {RIPT_EVENT_MEDIA_PANIC, RIPT_EVENT_DIR_S2C, RIPT_CALL_ANSWERED},
      {RIPT_EVENT_UNKNOWN, RIPT_EVENT_DIR_C2S, RIPT_CALL_ANSWERED},
      {RIPT_EVENT_END, RIPT_EVENT_DIR_C2S, RIPT_CALL_ENDED},
  };
  for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); ++i) {
    assert_int_equal(ript_call_apply(s, steps[i].type, steps[i].dir, &s), 0);
    assert_int_equal(s, steps[i].after);
  }
  /* The server announces the end; applying it again is refused. */
  assert_int_equal(ript_call_state_event(s), RIPT_EVENT_END);
  assert_int_equal(ript_call_apply(s, RIPT_EVENT_END, RIPT_EVENT_DIR_S2C, &s),
                   RIPT_ERR_CALL_TERMINATED);
  /* A client "end" before the answer cancels. */
  s = RIPT_CALL_ALERTING;
  assert_int_equal(ript_call_apply(s, RIPT_EVENT_END, RIPT_EVENT_DIR_C2S, &s),
                   0);
  assert_int_equal(s, RIPT_CALL_ENDED);
}

static void test_names_and_announcements(void **state) {
  (void)state;
  static const struct {
    ript_call_state state;
    const char *name;
    ript_event_type event;
    int terminal;
  } states[] = {
      {RIPT_CALL_PROCEEDING, "proceeding", RIPT_EVENT_PROCEEDING, 0},
      {RIPT_CALL_ALERTING, "alerting", RIPT_EVENT_ALERTING, 0},
      {RIPT_CALL_ANSWERED, "answered", RIPT_EVENT_ANSWERED, 0},
      {RIPT_CALL_DECLINED, "declined", RIPT_EVENT_DECLINED, 1},
      {RIPT_CALL_FAILED, "failed", RIPT_EVENT_FAILED, 1},
      {RIPT_CALL_NOANSWER, "noanswer", RIPT_EVENT_NOANSWER, 1},
      {RIPT_CALL_ENDED, "ended", RIPT_EVENT_END, 1},
  };
  assert_int_equal(sizeof(states) / sizeof(*states), RIPT_CALL_STATE_COUNT);
  for (size_t i = 0; i < sizeof(states) / sizeof(*states); ++i) {
    assert_string_equal(ript_call_state_name(states[i].state), states[i].name);
    ript_call_state s = (ript_call_state)99;
    assert_int_equal(ript_call_state_from_name(states[i].name,
                                               strlen(states[i].name), &s),
                     0);
    assert_int_equal(s, states[i].state);
    assert_int_equal(ript_call_state_event(states[i].state), states[i].event);
    assert_int_equal(ript_call_state_is_terminal(states[i].state),
                     states[i].terminal);

    ript_event ev;
    assert_int_equal(ript_call_announce(states[i].state, "https://x/c", 42,
                                        &ev),
                     0);
    assert_int_equal(ev.type, states[i].event);
    assert_int_equal(ev.direction, RIPT_EVENT_DIR_S2C);
    assert_int_equal(ev.timestamp_ms, 42);
    assert_string_equal(ev.call, "https://x/c");
    assert_null(ev.storage);
    ript_buf b;
    ript_buf_init(&b, NULL);
    assert_int_equal(ript_event_write(&ev, &b), 0);
    ript_buf_free(&b);
  }
  ript_call_state s = RIPT_CALL_ANSWERED;
  assert_int_equal(ript_call_state_from_name("end", 3, &s), RIPT_ERR_PARSE);
  assert_int_equal(ript_call_state_from_name("Ended", 5, &s), RIPT_ERR_PARSE);
  assert_int_equal(ript_call_state_from_name("ended!", 5, &s), 0);
  assert_int_equal(s, RIPT_CALL_ENDED);
  assert_int_equal(ript_call_state_from_name(NULL, 0, &s),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_state_from_name("ended", 5, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_null(ript_call_state_name((ript_call_state)-1));
  assert_null(ript_call_state_name((ript_call_state)RIPT_CALL_STATE_COUNT));
  assert_int_equal(
      ript_call_state_event((ript_call_state)RIPT_CALL_STATE_COUNT),
      RIPT_EVENT_UNKNOWN);
  assert_true(ript_call_state_is_terminal((ript_call_state)-1));
  assert_true(
      ript_call_state_is_terminal((ript_call_state)RIPT_CALL_STATE_COUNT));
  ript_event ev;
  assert_int_equal(ript_call_announce((ript_call_state)7, "c", 0, &ev),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_announce(RIPT_CALL_ENDED, NULL, 0, &ev),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_announce(RIPT_CALL_ENDED, "c", 0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
}

static void test_apply_arguments(void **state) {
  (void)state;
  ript_call_state next = RIPT_CALL_ALERTING;
  assert_int_equal(ript_call_apply(RIPT_CALL_PROCEEDING, RIPT_EVENT_ALERTING,
                                   RIPT_EVENT_DIR_S2C, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_apply((ript_call_state)-1, RIPT_EVENT_ALERTING,
                                   RIPT_EVENT_DIR_S2C, &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_apply((ript_call_state)RIPT_CALL_STATE_COUNT,
                                   RIPT_EVENT_ALERTING, RIPT_EVENT_DIR_S2C,
                                   &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_apply(RIPT_CALL_PROCEEDING, (ript_event_type)-1,
                                   RIPT_EVENT_DIR_S2C, &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_apply(RIPT_CALL_PROCEEDING,
                                   (ript_event_type)RIPT_EVENT_TYPE_COUNT,
                                   RIPT_EVENT_DIR_S2C, &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_call_apply(RIPT_CALL_PROCEEDING, RIPT_EVENT_ALERTING,
                                   (ript_event_dir)0, &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* Bad arguments win over a terminated call. */
  assert_int_equal(ript_call_apply(RIPT_CALL_ENDED, RIPT_EVENT_ALERTING,
                                   (ript_event_dir)3, &next),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(next, RIPT_CALL_ALERTING);
}

/* ---- The documented table ------------------------------------------ */

static const char table_open[] = "<!-- call-state-table -->\n";
static const char table_close[] = "<!-- /call-state-table -->";

static const char *outcome_cell(int rv, ript_call_state next) {
  static char cell[32];
  if (rv == RIPT_ERR_ILLEGAL_EVENT)
    return "*illegal*";
  if (rv == RIPT_ERR_CALL_TERMINATED)
    return "*terminated*";
  snprintf(cell, sizeof(cell), "`%s`", ript_call_state_name(next));
  return cell;
}

/* Renders the table from ript_call_apply, checking the regularities the
 * table leaves to its text: the other side's events are illegal in every
 * state that is not terminal, and all terminal states behave alike. */
static char *render_table(void) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_buf_append_str(&b,
                                       "| event | sent by | `proceeding` | "
                                       "`alerting` | `answered` | `declined`, "
                                       "`failed`, `noanswer`, `ended` |\n"
                                       "|---|---|---|---|---|---|\n"),
                   0);
  for (int i = 1; i <= RIPT_EVENT_TYPE_COUNT; ++i) {
    ript_event_type t = (ript_event_type)(i % RIPT_EVENT_TYPE_COUNT);
    ript_call_state next;
    int s2c = ript_call_apply(RIPT_CALL_PROCEEDING, t, RIPT_EVENT_DIR_S2C,
                              &next) == 0;
    int c2s = ript_call_apply(RIPT_CALL_PROCEEDING, t, RIPT_EVENT_DIR_C2S,
                              &next) == 0;
    assert_true(s2c || c2s);
    ript_event_dir dir = s2c ? RIPT_EVENT_DIR_S2C : RIPT_EVENT_DIR_C2S;
    const char *sender = s2c && c2s ? "either" : s2c ? "server" : "client";
    if (t == RIPT_EVENT_UNKNOWN)
      assert_int_equal(ript_buf_append_str(&b, "| any other (extension)"), 0);
    else
      assert_int_equal(ript_buf_printf(&b, "| `%s`", ript_event_type_name(t)),
                       0);
    assert_int_equal(ript_buf_printf(&b, " | %s |", sender), 0);
    for (int s = 0; s < RIPT_CALL_STATE_COUNT; ++s) {
      ript_call_state st = (ript_call_state)s;
      int rv = ript_call_apply(st, t, dir, &next);
      if (!(s2c && c2s))
        assert_int_equal(ript_call_apply(st, t,
                                         s2c ? RIPT_EVENT_DIR_C2S
                                             : RIPT_EVENT_DIR_S2C,
                                         &next),
                         ript_call_state_is_terminal(st)
                             ? RIPT_ERR_CALL_TERMINATED
                             : RIPT_ERR_ILLEGAL_EVENT);
      if (ript_call_state_is_terminal(st)) {
        assert_int_equal(rv, RIPT_ERR_CALL_TERMINATED);
        if (st != RIPT_CALL_DECLINED)
          continue;
      }
      assert_int_equal(ript_buf_printf(&b, " %s |", outcome_cell(rv, next)),
                       0);
    }
    assert_int_equal(ript_buf_append_str(&b, "\n"), 0);
  }
  return (char *)b.data;
}

/* docs/ next to this file's tests/unit/ (CMake passes absolute paths). */
static char *docs_file(const char *relative) {
  const char *here = __FILE__;
  const char *tail = strstr(here, "tests/unit/call_test.c");
  assert_non_null(tail);
  size_t n = (size_t)(tail - here);
  char *path = malloc(n + strlen(relative) + 1);
  memcpy(path, here, n);
  strcpy(path + n, relative);
  FILE *f = fopen(path, "rb");
  char *text = NULL;
  if (f) {
    fclose(f);
    text = ript_test_read_file(path, NULL);
  }
  free(path);
  return text;
}

/* The table in docs/PROTOCOL.md §9 is exactly what the code does. */
static void test_documented_table(void **state) {
  (void)state;
  char *text = docs_file("docs/PROTOCOL.md");
  const char *start = text ? strstr(text, table_open) : NULL;
  if (!start)
    fail_msg("no %s in the docs", table_open);
  start += strlen(table_open);
  const char *end = strstr(start, table_close);
  assert_non_null(end);
  char *want = render_table();
  size_t n = (size_t)(end - start);
  if (strlen(want) != n || memcmp(want, start, n) != 0)
    fail_msg("documented table:\n%.*s\ncode:\n%s", (int)n, start, want);
  free(want);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_transition),
      cmocka_unit_test(test_a_whole_call),
      cmocka_unit_test(test_names_and_announcements),
      cmocka_unit_test(test_apply_arguments),
      cmocka_unit_test(test_documented_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Whether a node takes a call over (server/takeover.h): every case of the
 * rules, as pure functions of the record, the node and the time. */
#include <stdlib.h>
#include <string.h>

#include "takeover.h"
#include "testutil.h"

static riptd_call_rec record(ript_call_state state, const char *owner,
                             int64_t lease_until) {
  riptd_call_rec rec;
  memset(&rec, 0, sizeof(rec));
  rec.customer = "acme";
  rec.tg = "main";
  rec.state = state;
  rec.owner = (char *)(uintptr_t)owner;
  rec.lease_until_ms = lease_until;
  return rec;
}

static void test_decide(void **state) {
  (void)state;
  const int64_t now = 1000000;
  riptd_call_rec rec = record(RIPT_CALL_ANSWERED, "node-b", now + 1);
  /* Another customer's call, or one on another TG, is not there. */
  assert_int_equal(riptd_takeover_decide(&rec, "globex", "main", "node-a",
                                         now),
                   RIPTD_TAKEOVER_NOT_YOURS);
  assert_int_equal(riptd_takeover_decide(&rec, "acme", "lab", "node-a", now),
                   RIPTD_TAKEOVER_NOT_YOURS);
  /* node-b's lease runs: the client goes there. */
  assert_int_equal(riptd_takeover_decide(&rec, "acme", "main", "node-a",
                                         now),
                   RIPTD_TAKEOVER_ELSEWHERE);
  /* At the end of the lease, and after: take it. */
  rec.lease_until_ms = now;
  assert_int_equal(riptd_takeover_decide(&rec, "acme", "main", "node-a",
                                         now),
                   RIPTD_TAKEOVER_TAKE);
  /* This node's own earlier life: take it at once, lease or not. */
  rec = record(RIPT_CALL_ALERTING, "node-a", now + 9000);
  assert_int_equal(riptd_takeover_decide(&rec, "acme", "main", "node-a",
                                         now),
                   RIPTD_TAKEOVER_TAKE);
  /* No owner at all. */
  rec = record(RIPT_CALL_PROCEEDING, NULL, now + 9000);
  assert_int_equal(riptd_takeover_decide(&rec, "acme", "main", "node-a",
                                         now),
                   RIPTD_TAKEOVER_TAKE);
  /* An ended call is never taken over, whoever held it. */
  for (ript_call_state s = RIPT_CALL_DECLINED; s <= RIPT_CALL_ENDED; ++s) {
    rec = record(s, "node-a", now - 1);
    assert_int_equal(riptd_takeover_decide(&rec, "acme", "main", "node-a",
                                           now),
                     RIPTD_TAKEOVER_ENDED);
  }
}

static void test_claim(void **state) {
  (void)state;
  riptd_call_rec rec;
  memset(&rec, 0, sizeof(rec));
  rec.owner = strdup("node-b");
  rec.owner_uri = strdup("https://b/call");
  rec.version = 7;
  riptd_store_config cfg = {"node-a", 9000, 30000, 0};
  assert_int_equal(
      riptd_takeover_claim(&rec, &cfg, "https://a/call", 300000, 1000), 0);
  assert_string_equal(rec.owner, "node-a");
  assert_string_equal(rec.owner_uri, "https://a/call");
  assert_true(rec.lease_until_ms == 10000);
  assert_true(rec.expires_ms == 10000 + 30000 + 300000);
  assert_true(rec.version == 7); /* the compare-and-set is on the version read */
  free(rec.owner);
  free(rec.owner_uri);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decide),
      cmocka_unit_test(test_claim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

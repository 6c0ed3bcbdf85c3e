/* The in-memory state store: keys, copies, lists, many records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "testutil.h"

static int setup(void **state) {
  riptd_store *s = NULL;
  if (riptd_store_mem_new(&s) != 0)
    return -1;
  *state = s;
  return 0;
}

static int teardown(void **state) {
  riptd_store_del(*state);
  return 0;
}

static riptd_handler_rec handler(const char *customer, const char *tg,
                                 const char *id, const char *adv) {
  riptd_handler_rec r = {(char *)(uintptr_t)customer, (char *)(uintptr_t)tg,
                         (char *)(uintptr_t)id, (char *)(uintptr_t)adv};
  return r;
}

static void test_handlers(void **state) {
  riptd_store *s = *state;
  riptd_handler_rec a = handler("acme", "main", "b", "1 in: opus;");
  riptd_handler_rec out;
  assert_int_equal(riptd_store_handler_add(s, &a), 0);
  assert_int_equal(riptd_store_handler_add(s, &a), RIPTD_STORE_EXISTS);
  /* The key is (customer, tg, id). */
  riptd_handler_rec others[] = {handler("acme", "main", "a", "1 in: PCMU;"),
                                handler("acme", "lab", "b", "x"),
                                handler("globex", "main", "b", "y")};
  for (size_t i = 0; i < 3; ++i)
    assert_int_equal(riptd_store_handler_add(s, &others[i]), 0);
  assert_int_equal(riptd_store_handler_get(s, "acme", "main", "b", &out), 0);
  assert_string_equal(out.advertisement, "1 in: opus;");
  assert_ptr_not_equal(out.advertisement, a.advertisement); /* a copy */
  riptd_handler_rec_free(&out);
  assert_null(out.id);
  assert_int_equal(riptd_store_handler_get(s, "acme", "main", "c", &out),
                   RIPTD_STORE_NOT_FOUND);
  riptd_handler_rec_free(NULL);
  /* Replace only what exists. */
  riptd_handler_rec b = handler("acme", "main", "b", "1 in: G722;");
  assert_int_equal(riptd_store_handler_replace(s, &b), 0);
  assert_int_equal(riptd_store_handler_get(s, "acme", "main", "b", &out), 0);
  assert_string_equal(out.advertisement, "1 in: G722;");
  riptd_handler_rec_free(&out);
  riptd_handler_rec missing = handler("acme", "main", "zz", "x");
  assert_int_equal(riptd_store_handler_replace(s, &missing),
                   RIPTD_STORE_NOT_FOUND);
  /* Lists are per (customer, tg), sorted by id. */
  riptd_handler_rec *list = NULL;
  size_t n = 0;
  assert_int_equal(riptd_store_handler_list(s, "acme", "main", &list, &n), 0);
  assert_int_equal(n, 2);
  assert_string_equal(list[0].id, "a");
  assert_string_equal(list[1].id, "b");
  riptd_store_handlers_free(list, n);
  assert_int_equal(riptd_store_handler_list(s, "nobody", "main", &list, &n),
                   0);
  assert_int_equal(n, 0);
  assert_null(list);
  assert_int_equal(riptd_store_handler_remove(s, "acme", "main", "b"), 0);
  assert_int_equal(riptd_store_handler_remove(s, "acme", "main", "b"),
                   RIPTD_STORE_NOT_FOUND);
  assert_int_equal(riptd_store_handler_get(s, "globex", "main", "b", &out),
                   0);
  riptd_handler_rec_free(&out);
}

static void test_calls(void **state) {
  riptd_store *s = *state;
  riptd_call_rec c;
  memset(&c, 0, sizeof(c));
  strcpy(c.uuid, "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69");
  c.customer = (char *)"acme";
  c.tg = (char *)"main";
  c.handler_id = (char *)"phone";
  c.from = (char *)"+15550100000";
  c.to = (char *)"+15550101001";
  c.client_directives = (char *)"";
  c.server_directives = (char *)"1 to 1: opus;";
  c.route = 3;
  c.state = RIPT_CALL_PROCEEDING;
  c.created_ms = 1234;
  assert_int_equal(riptd_store_call_add(s, &c), 0);
  assert_int_equal(riptd_store_call_add(s, &c), RIPTD_STORE_EXISTS);
  riptd_call_rec out;
  assert_int_equal(riptd_store_call_get(s, c.uuid, &out), 0);
  assert_string_equal(out.uuid, c.uuid);
  assert_string_equal(out.client_directives, "");
  assert_string_equal(out.server_directives, "1 to 1: opus;");
  assert_int_equal(out.route, 3);
  assert_int_equal(out.created_ms, 1234);
  out.state = RIPT_CALL_ANSWERED;
  assert_int_equal(riptd_store_call_replace(s, &out), 0);
  riptd_call_rec_free(&out);
  assert_int_equal(riptd_store_call_get(s, c.uuid, &out), 0);
  assert_int_equal(out.state, RIPT_CALL_ANSWERED);
  riptd_call_rec_free(&out);
  strcpy(c.uuid, "00000000-0000-4000-8000-000000000000");
  assert_int_equal(riptd_store_call_replace(s, &c), RIPTD_STORE_NOT_FOUND);
  assert_int_equal(riptd_store_call_get(s, c.uuid, &out),
                   RIPTD_STORE_NOT_FOUND);
  assert_int_equal(riptd_store_call_remove(s, c.uuid), RIPTD_STORE_NOT_FOUND);
  /* A removed call is gone; its UUID could be stored again. */
  strcpy(c.uuid, "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69");
  assert_int_equal(riptd_store_call_remove(s, c.uuid), 0);
  assert_int_equal(riptd_store_call_get(s, c.uuid, &out),
                   RIPTD_STORE_NOT_FOUND);
  assert_int_equal(riptd_store_call_remove(s, c.uuid), RIPTD_STORE_NOT_FOUND);
  riptd_call_rec_free(NULL);
}

static void test_certs(void **state) {
  riptd_store *s = *state;
  riptd_cert_rec c = {(char *)"https://a/certs/01", (char *)"main",
                      (char *)"acme", (char *)"+15550100000",
                      (char *)"-----BEGIN CERTIFICATE-----\n"};
  assert_int_equal(riptd_store_cert_add(s, &c), 0);
  assert_int_equal(riptd_store_cert_add(s, &c), RIPTD_STORE_EXISTS);
  riptd_cert_rec out;
  assert_int_equal(riptd_store_cert_get(s, "https://a/certs/01", &out), 0);
  assert_string_equal(out.tn, "+15550100000");
  assert_string_equal(out.chain_pem, c.chain_pem);
  riptd_cert_rec_free(&out);
  assert_int_equal(riptd_store_cert_get(s, "https://a/certs/02", &out),
                   RIPTD_STORE_NOT_FOUND);
  riptd_cert_rec_free(NULL);
}

/* Enough records to make the tables grow several times. */
static void test_many(void **state) {
  riptd_store *s = *state;
  enum { N = 5000 };
  char id[32];
  for (int i = 0; i < N; ++i) {
    snprintf(id, sizeof(id), "h%05d", i);
    riptd_handler_rec r = handler("acme", "main", id, "1 in: opus;");
    assert_int_equal(riptd_store_handler_add(s, &r), 0);
    riptd_call_rec c;
    memset(&c, 0, sizeof(c));
    snprintf(c.uuid, sizeof(c.uuid), "%08d-0000-4000-8000-000000000000", i);
    c.customer = c.tg = c.handler_id = c.from = c.to = id;
    assert_int_equal(riptd_store_call_add(s, &c), 0);
  }
  for (int i = 0; i < N; i += 7) {
    snprintf(id, sizeof(id), "h%05d", i);
    assert_int_equal(riptd_store_handler_remove(s, "acme", "main", id), 0);
  }
  riptd_handler_rec *list = NULL;
  size_t n = 0;
  assert_int_equal(riptd_store_handler_list(s, "acme", "main", &list, &n), 0);
  assert_int_equal(n, N - (N + 6) / 7);
  for (size_t i = 1; i < n; ++i)
    assert_true(strcmp(list[i - 1].id, list[i].id) < 0);
  riptd_store_handlers_free(list, n);
  riptd_call_rec out;
  assert_int_equal(
      riptd_store_call_get(s, "00004999-0000-4000-8000-000000000000", &out), 0);
  assert_string_equal(out.handler_id, "h04999");
  riptd_call_rec_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_handlers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_certs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_many, setup, teardown),
  };
  riptd_store_del(NULL);
  return cmocka_run_group_tests(tests, NULL, NULL);
}

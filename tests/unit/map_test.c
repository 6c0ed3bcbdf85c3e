#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/error.h"
#include "ript/map.h"
#include "testutil.h"

static const uint8_t seed0[16] = {0, 1, 2,  3,  4,  5,  6,  7,
                                  8, 9, 10, 11, 12, 13, 14, 15};

/* The paper's test vector (Appendix A): key 00..0f, message 00..0e; and
 * the reference implementation's for the empty message and 8 bytes. */
static void test_siphash_vectors(void **state) {
  (void)state;
  uint8_t msg[16];
  for (int i = 0; i < 16; ++i)
    msg[i] = (uint8_t)i;
  assert_true(ript_siphash(seed0, msg, 15) == UINT64_C(0xa129ca6149be45e5));
  assert_true(ript_siphash(seed0, msg, 0) == UINT64_C(0x726fdb47dd0e0e31));
  assert_true(ript_siphash(seed0, msg, 8) == UINT64_C(0x93f5f5799a932462));
}

/* Another seed, another hash: a peer that does not know the seed cannot
 * choose keys that meet in one bucket. */
static void test_seed_changes_hash(void **state) {
  (void)state;
  uint8_t other[16];
  memcpy(other, seed0, sizeof(other));
  other[15] ^= 1;
  const char *key = "4a7c2c5e-9c1f-4f0a-8d5e-6b3a2f1e0d9c";
  assert_true(ript_siphash(seed0, key, strlen(key)) !=
              ript_siphash(other, key, strlen(key)));
}

typedef struct item {
  ript_map_node node;
  char name[32];
  int visited;
} item;

static void make_items(item *items, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    memset(&items[i], 0, sizeof(items[i]));
    snprintf(items[i].name, sizeof(items[i].name), "key-%zu", i);
  }
}

static void test_insert_find_remove(void **state) {
  (void)state;
  enum { N = 1000 };
  item *items = calloc(N, sizeof(*items));
  assert_non_null(items);
  make_items(items, N);
  ript_map map;
  ript_map_init(&map, seed0, NULL);
  assert_null(ript_map_find(&map, "key-1", 5));
  for (size_t i = 0; i < N; ++i)
    assert_int_equal(ript_map_insert(&map, &items[i].node, items[i].name,
                                     strlen(items[i].name)),
                     0);
  assert_int_equal(map.count, N);
  assert_true(map.nbuckets >= N);
  for (size_t i = 0; i < N; ++i) {
    ript_map_node *n = ript_map_find(&map, items[i].name,
                                     strlen(items[i].name));
    assert_ptr_equal(RIPT_MAP_ENTRY(n, item, node), &items[i]);
  }
  /* A prefix of a key is another key. */
  assert_null(ript_map_find(&map, "key-1", 4));
  for (size_t i = 0; i < N; i += 2)
    ript_map_remove(&map, &items[i].node);
  assert_int_equal(map.count, N / 2);
  for (size_t i = 0; i < N; ++i)
    assert_true((ript_map_find(&map, items[i].name, strlen(items[i].name)) !=
                 NULL) == (i % 2 == 1));
  ript_map_free(&map);
  assert_int_equal(map.count, 0);
  assert_null(ript_map_find(&map, "key-1", 5));
  free(items);
}

/* Every node once; removing the current node after taking the next. */
static void test_iterate_and_remove(void **state) {
  (void)state;
  enum { N = 300 };
  item items[N];
  make_items(items, N);
  ript_map map;
  ript_map_init(&map, seed0, NULL);
  assert_null(ript_map_first(&map));
  for (size_t i = 0; i < N; ++i)
    assert_int_equal(ript_map_insert(&map, &items[i].node, items[i].name,
                                     strlen(items[i].name)),
                     0);
  size_t seen = 0;
  for (ript_map_node *n = ript_map_first(&map), *next; n; n = next) {
    next = ript_map_next(&map, n);
    item *it = RIPT_MAP_ENTRY(n, item, node);
    ++it->visited;
    ++seen;
    if (seen % 3 == 0)
      ript_map_remove(&map, n);
  }
  assert_int_equal(seen, N);
  for (size_t i = 0; i < N; ++i)
    assert_int_equal(items[i].visited, 1);
  assert_int_equal(map.count, N - N / 3);
  ript_map_free(&map);
}

static void test_out_of_memory(void **state) {
  (void)state;
  enum { N = 40 };
  item items[N];
  make_items(items, N);
  for (long fail = 0;; ++fail) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, fail);
    ript_map map;
    ript_map_init(&map, seed0, &fm.mem);
    int rv = 0;
    size_t in = 0;
    for (; in < N && (rv = ript_map_insert(&map, &items[in].node,
                                          items[in].name,
                                          strlen(items[in].name))) == 0;
         ++in)
      ;
    /* A failed insertion leaves the map as it was. */
    assert_int_equal(map.count, in);
    for (size_t i = 0; i < in; ++i)
      assert_non_null(
          ript_map_find(&map, items[i].name, strlen(items[i].name)));
    ript_map_free(&map);
    if (rv == 0)
      break;
    assert_int_equal(rv, RIPT_ERR_NOMEM);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_siphash_vectors),
      cmocka_unit_test(test_seed_changes_hash),
      cmocka_unit_test(test_insert_find_remove),
      cmocka_unit_test(test_iterate_and_remove),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/pool.h"
#include "testutil.h"

/* A freed block is handed out again for its size class, so a steady
 * state allocates nothing from the parent. */
static void test_reuse(void **state) {
  (void)state;
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, -1);
  ript_pool pool;
  ript_pool_init(&pool, 4, &fm.mem);
  const ript_mem *mem = ript_pool_mem(&pool);
  void *a = mem->malloc(40, mem->user_data);
  assert_non_null(a);
  memset(a, 0xab, 40);
  mem->free(a, mem->user_data);
  long before = fm.allocs;
  void *b = mem->malloc(64, mem->user_data); /* the same class: 33..64 */
  assert_ptr_equal(a, b);
  assert_int_equal(fm.allocs, before);
  assert_int_equal(pool.blocks_out, 1);
  mem->free(b, mem->user_data);
  assert_int_equal(pool.blocks_out, 0);
  ript_pool_free(&pool);
}

/* Alignment for any type, calloc zeroes, realloc keeps the content. */
static void test_alignment_calloc_realloc(void **state) {
  (void)state;
  ript_pool pool;
  ript_pool_init(&pool, 8, NULL);
  const ript_mem *mem = ript_pool_mem(&pool);
  uint8_t *p = mem->calloc(10, 3, mem->user_data);
  assert_non_null(p);
  assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
  for (int i = 0; i < 30; ++i)
    assert_int_equal(p[i], 0);
  for (int i = 0; i < 30; ++i)
    p[i] = (uint8_t)i;
  uint8_t *q = mem->realloc(p, 32, mem->user_data); /* same class */
  assert_ptr_equal(p, q);
  q = mem->realloc(q, 5000, mem->user_data); /* a larger class */
  assert_non_null(q);
  for (int i = 0; i < 30; ++i)
    assert_int_equal(q[i], i);
  q = mem->realloc(q, 20000, mem->user_data); /* beyond the classes */
  assert_non_null(q);
  assert_int_equal(q[29], 29);
  assert_null(mem->calloc(SIZE_MAX / 2, 4, mem->user_data));
  mem->free(q, mem->user_data);
  mem->free(NULL, mem->user_data);
  assert_int_equal(pool.blocks_out, 0);
  ript_pool_free(&pool);
}

/* Only |keep| free blocks per class stay; the rest go back. */
static void test_keep_bound(void **state) {
  (void)state;
  ript_pool pool;
  ript_pool_init(&pool, 2, NULL);
  const ript_mem *mem = ript_pool_mem(&pool);
  void *b[5];
  for (int i = 0; i < 5; ++i)
    assert_non_null(b[i] = mem->malloc(100, mem->user_data));
  for (int i = 0; i < 5; ++i)
    mem->free(b[i], mem->user_data);
  assert_int_equal(pool.nfree[2], 2); /* 100 bytes: the 128-byte class */
  ript_pool_free(&pool);
  assert_int_equal(pool.nfree[2], 0);
}

static void test_parent_out_of_memory(void **state) {
  (void)state;
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, 0);
  ript_pool pool;
  ript_pool_init(&pool, 2, &fm.mem);
  const ript_mem *mem = ript_pool_mem(&pool);
  assert_null(mem->malloc(10, mem->user_data));
  assert_null(mem->malloc(100000, mem->user_data));
  assert_int_equal(pool.blocks_out, 0);
  ript_pool_free(&pool);
}

/* An allocator that remembers the size of the last request. */
typedef struct sized_mem {
  ript_mem mem;
  size_t last;
} sized_mem;

static void *sized_malloc(size_t size, void *user_data) {
  ((sized_mem *)user_data)->last = size;
  return malloc(size);
}

static void sized_free(void *ptr, void *user_data) {
  (void)user_data;
  free(ptr);
}

/* A block of a class costs its parent the class size and a head no larger
 * than the alignment it keeps: HTTP/3 body chunks are sized so that a
 * pooled chunk weighs what a plain allocation did. */
static void test_head_size(void **state) {
  (void)state;
  sized_mem sm = {{NULL, NULL, NULL, NULL, NULL}, 0};
  sm.mem.user_data = &sm;
  sm.mem.malloc = sized_malloc;
  sm.mem.free = sized_free;
  ript_pool pool;
  ript_pool_init(&pool, 2, &sm.mem);
  const ript_mem *mem = ript_pool_mem(&pool);
  void *p = mem->malloc(256, mem->user_data);
  assert_non_null(p);
  assert_true(sm.last >= 256);
  assert_true(sm.last <= 256 + _Alignof(max_align_t));
  mem->free(p, mem->user_data);
  ript_pool_free(&pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reuse),
      cmocka_unit_test(test_alignment_calloc_realloc),
      cmocka_unit_test(test_keep_bound),
      cmocka_unit_test(test_parent_out_of_memory),
      cmocka_unit_test(test_head_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

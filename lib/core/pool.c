/* The object pool (ript/pool.h): free lists of power-of-two blocks, each
 * block headed by its class and the size asked for. */
#include <stdint.h>
#include <string.h>

#include "ript/pool.h"
#include "ript_mem.h"

#define POOL_MIN_BLOCK 32u

/* The head keeps the caller's part aligned for any type, in no more bytes
 * than that takes (16 on x86-64, where max_align_t itself is 32): a block
 * of a class costs its parent about what a plain allocation of the class
 * size would. */
typedef struct pool_head {
  _Alignas(max_align_t) int klass; /* -1: a large block, from the parent */
  size_t size;
} pool_head;

static int pool_class(size_t size) {
  size_t block = POOL_MIN_BLOCK;
  for (unsigned k = 0; k < RIPT_POOL_CLASSES; ++k, block *= 2)
    if (size <= block)
      return (int)k;
  return -1;
}

static size_t pool_class_size(int k) { return (size_t)POOL_MIN_BLOCK << k; }

static void *pool_malloc(size_t size, void *user_data) {
  ript_pool *pool = user_data;
  int k = pool_class(size);
  pool_head *h;
  if (k >= 0 && pool->free_blocks[k]) {
    h = pool->free_blocks[k];
    memcpy(&pool->free_blocks[k], h + 1, sizeof(void *));
    --pool->nfree[k];
  } else {
    size_t need = k >= 0 ? pool_class_size(k) : size;
    if (need > SIZE_MAX - sizeof(*h))
      return NULL;
    h = ript_mem_malloc(pool->parent, sizeof(*h) + need);
    if (!h)
      return NULL;
    h->klass = k;
  }
  h->size = size;
  ++pool->blocks_out;
  return h + 1;
}

static void pool_release(void *ptr, void *user_data) {
  ript_pool *pool = user_data;
  if (!ptr)
    return;
  pool_head *h = (pool_head *)ptr - 1;
  int k = h->klass;
  --pool->blocks_out;
  if (k < 0 || pool->nfree[k] >= pool->keep) {
    ript_mem_free(pool->parent, h);
    return;
  }
  memcpy(ptr, &pool->free_blocks[k], sizeof(void *));
  pool->free_blocks[k] = h;
  ++pool->nfree[k];
}

static void *pool_calloc(size_t nmemb, size_t size, void *user_data) {
  if (size && nmemb > SIZE_MAX / size)
    return NULL;
  void *p = pool_malloc(nmemb * size, user_data);
  if (p)
    memset(p, 0, nmemb * size);
  return p;
}

static void *pool_realloc(void *ptr, size_t size, void *user_data) {
  if (!ptr)
    return pool_malloc(size, user_data);
  pool_head *h = (pool_head *)ptr - 1;
  if (h->klass >= 0 && size <= pool_class_size(h->klass)) {
    h->size = size;
    return ptr;
  }
  void *p = pool_malloc(size, user_data);
  if (!p)
    return NULL;
  memcpy(p, ptr, h->size < size ? h->size : size);
  pool_release(ptr, user_data);
  return p;
}

void ript_pool_init(ript_pool *pool, size_t keep, const ript_mem *parent) {
  memset(pool, 0, sizeof(*pool));
  pool->parent = parent;
  pool->keep = keep;
  pool->mem.user_data = pool;
  pool->mem.malloc = pool_malloc;
  pool->mem.free = pool_release;
  pool->mem.calloc = pool_calloc;
  pool->mem.realloc = pool_realloc;
}

const ript_mem *ript_pool_mem(ript_pool *pool) { return &pool->mem; }

void ript_pool_free(ript_pool *pool) {
  for (unsigned k = 0; k < RIPT_POOL_CLASSES; ++k) {
    while (pool->free_blocks[k]) {
      pool_head *h = pool->free_blocks[k];
      memcpy(&pool->free_blocks[k], h + 1, sizeof(void *));
      ript_mem_free(pool->parent, h);
    }
    pool->nfree[k] = 0;
  }
}

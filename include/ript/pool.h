/*
 * ript/pool.h - the object pool of the whole tree: a ript_mem that keeps
 * freed small blocks for the next allocation of their size class, so hot
 * paths (playout buffers per chunk, HTTP/3 body chunks per stream) allocate
 * nothing in steady state.
 *
 * Size classes are powers of two from 32 bytes to RIPT_POOL_MAX_BLOCK; a
 * larger request goes to the pool's parent allocator and back. Each class
 * keeps at most |keep| free blocks (beyond that they go back to the parent),
 * so a burst does not pin its peak for ever. Every block remembers its class,
 * so free and realloc need no size.
 *
 * Thread-safety: a pool must not be used by two threads at once.
 */
#ifndef RIPT_POOL_H
#define RIPT_POOL_H

#include <stddef.h>

#include "ript/mem.h"

/* The largest block a class holds; the classes: 32, 64, ..., this. */
#define RIPT_POOL_MAX_BLOCK 8192u
#define RIPT_POOL_CLASSES 9u

typedef struct ript_pool {
  ript_mem mem;          /* what callers allocate with: ript_pool_mem() */
  const ript_mem *parent;
  size_t keep;
  void *free_blocks[RIPT_POOL_CLASSES]; /* private */
  size_t nfree[RIPT_POOL_CLASSES];
  size_t blocks_out;     /* blocks allocated and not yet freed */
} ript_pool;

/* A pool that keeps up to |keep| free blocks per class and gets its blocks
 * from |parent| (NULL: the default allocator). Allocates nothing yet. */
void ript_pool_init(ript_pool *pool, size_t keep, const ript_mem *parent);

/* The allocator that draws on |pool|; valid while the pool is. */
const ript_mem *ript_pool_mem(ript_pool *pool);

/* Gives every free block back to the parent: the end of the pool's life,
 * once no block is out (blocks_out 0). */
void ript_pool_free(ript_pool *pool);

#endif /* RIPT_POOL_H */

/*
 * ript/mem.h - custom memory allocator.
 *
 * Functions that allocate take a `const ript_mem *mem`; NULL means the C
 * library's malloc family. The allocator must outlive every object allocated
 * through it. Allocation failure is always reported as RIPT_ERR_NOMEM, never
 * by aborting.
 */
#ifndef RIPT_MEM_H
#define RIPT_MEM_H

#include <stddef.h>

typedef struct ript_mem {
  void *user_data;
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
} ript_mem;

/* Returns the default allocator (malloc, free, calloc, realloc). */
const ript_mem *ript_mem_default(void);

/* Frees memory that a libript function allocated with |mem| and handed to the
 * caller (for example a string from a printer). NULL |ptr| is a no-op. */
void ript_free(const ript_mem *mem, void *ptr);

#endif /* RIPT_MEM_H */

/* Internal allocation helpers: every core allocation goes through these so a
 * caller-supplied ript_mem (NULL for the default) is honoured everywhere. */
#ifndef RIPT_CORE_MEM_H
#define RIPT_CORE_MEM_H

#include <stddef.h>

#include "ript/mem.h"

void *ript_mem_malloc(const ript_mem *mem, size_t size);
void *ript_mem_calloc(const ript_mem *mem, size_t nmemb, size_t size);
void *ript_mem_realloc(const ript_mem *mem, void *ptr, size_t size);
void ript_mem_free(const ript_mem *mem, void *ptr);

/* Copies |len| bytes of |s| into a new NUL-terminated string, or NULL. */
char *ript_mem_strndup(const ript_mem *mem, const char *s, size_t len);
/* Copies a NUL-terminated string, or NULL (also for NULL |s|). */
char *ript_mem_strdup(const ript_mem *mem, const char *s);

#endif /* RIPT_CORE_MEM_H */

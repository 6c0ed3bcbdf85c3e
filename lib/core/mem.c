#include <stdlib.h>
#include <string.h>

#include "ript_mem.h"

static void *mem_default_malloc(size_t size, void *user_data) {
  (void)user_data;
  return malloc(size);
}

static void mem_default_free(void *ptr, void *user_data) {
  (void)user_data;
  free(ptr);
}

static void *mem_default_calloc(size_t nmemb, size_t size, void *user_data) {
  (void)user_data;
  return calloc(nmemb, size);
}

static void *mem_default_realloc(void *ptr, size_t size, void *user_data) {
  (void)user_data;
  return realloc(ptr, size);
}

static const ript_mem mem_default = {
    NULL, mem_default_malloc, mem_default_free, mem_default_calloc,
    mem_default_realloc};

const ript_mem *ript_mem_default(void) { return &mem_default; }

static const ript_mem *mem_or_default(const ript_mem *mem) {
  return mem ? mem : &mem_default;
}

void *ript_mem_malloc(const ript_mem *mem, size_t size) {
  mem = mem_or_default(mem);
  return mem->malloc(size, mem->user_data);
}

void *ript_mem_calloc(const ript_mem *mem, size_t nmemb, size_t size) {
  mem = mem_or_default(mem);
  return mem->calloc(nmemb, size, mem->user_data);
}

void *ript_mem_realloc(const ript_mem *mem, void *ptr, size_t size) {
  mem = mem_or_default(mem);
  return mem->realloc(ptr, size, mem->user_data);
}

void ript_mem_free(const ript_mem *mem, void *ptr) {
  if (!ptr)
    return;
  mem = mem_or_default(mem);
  mem->free(ptr, mem->user_data);
}

void ript_free(const ript_mem *mem, void *ptr) { ript_mem_free(mem, ptr); }

char *ript_mem_strndup(const ript_mem *mem, const char *s, size_t len) {
  char *copy = ript_mem_malloc(mem, len + 1);
  if (!copy)
    return NULL;
  memcpy(copy, s, len);
  copy[len] = '\0';
  return copy;
}

char *ript_mem_strdup(const ript_mem *mem, const char *s) {
  return s ? ript_mem_strndup(mem, s, strlen(s)) : NULL;
}

#define _GNU_SOURCE /* memmem */

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hex.h"

char *ript_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)size + 1);
  assert_non_null(data);
  assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  data[size] = '\0';
  if (len)
    *len = (size_t)size;
  return data;
}

/* True if the fence line's info string holds the token example=NAME. */
static int fence_names(const char *line, size_t linelen, const char *name) {
  char token[256];
  int n = snprintf(token, sizeof(token), "example=%s", name);
  const char *p = line;
  const char *end = line + linelen;
  while (p < end) {
    const char *hit = memmem(p, (size_t)(end - p), token, (size_t)n);
    if (!hit)
      return 0;
    const char *after = hit + n;
    if ((hit == line || hit[-1] == ' ') && (after == end || *after == ' '))
      return 1;
    p = hit + 1;
  }
  return 0;
}

/* Looks for the block in one file; returns the malloc'd text or NULL. */
static char *example_in_text(const char *text, const char *name, size_t *len) {
  const char *p = text;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
    if (linelen >= 3 && strncmp(p, "```", 3) == 0 &&
        fence_names(p, linelen, name)) {
      const char *body = eol ? eol + 1 : p + linelen;
      const char *close = body;
      while (*close && strncmp(close, "```", 3) != 0) {
        const char *nl = strchr(close, '\n');
        close = nl ? nl + 1 : close + strlen(close);
      }
      size_t n = (size_t)(close - body);
      if (n > 0 && body[n - 1] == '\n')
        --n;
      char *out = malloc(n + 1);
      memcpy(out, body, n);
      out[n] = '\0';
      *len = n;
      return out;
    }
    p = eol ? eol + 1 : p + linelen;
  }
  return NULL;
}

static char *example_in_dir(const char *dir, const char *name, size_t *len) {
  DIR *d = opendir(dir);
  if (!d)
    return NULL;
  char *found = NULL;
  struct dirent *e;
  while (!found && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      found = example_in_dir(path, name, len);
    } else if (strlen(e->d_name) > 3 &&
               strcmp(e->d_name + strlen(e->d_name) - 3, ".md") == 0) {
      char *text = ript_test_read_file(path, NULL);
      found = example_in_text(text, name, len);
      free(text);
    }
  }
  closedir(d);
  return found;
}

char *ript_test_example(const char *name, size_t *len) {
  size_t n = 0;
  char *text = example_in_dir(RIPT_DOCS_DIR, name, &n);
  if (!text)
    fail_msg("no example=%s block under %s", name, RIPT_DOCS_DIR);
  if (len)
    *len = n;
  return text;
}

uint8_t *ript_test_example_hex(const char *name, size_t *len) {
  size_t textlen;
  char *text = ript_test_example(name, &textlen);
  uint8_t *out = malloc(textlen / 2 + 1);
  size_t n = 0;
  int high = -1;
  for (size_t i = 0; i < textlen; ++i) {
    char c = text[i];
    if (c == '#') {
      while (i < textlen && text[i] != '\n')
        ++i;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t')
      continue;
    int v = ript_hex_digit(c);
    if (v < 0)
      fail_msg("example %s: '%c' is not a hex digit", name, c);
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0)
    fail_msg("example %s: odd number of hex digits", name);
  free(text);
  *len = n;
  return out;
}

static void *failmem_malloc(size_t size, void *user_data) {
  ript_test_failmem *fm = user_data;
  if (fm->fail_after >= 0 && fm->allocs >= fm->fail_after)
    return NULL;
  ++fm->allocs;
  return malloc(size);
}

static void failmem_free(void *ptr, void *user_data) {
  (void)user_data;
  free(ptr);
}

static void *failmem_calloc(size_t nmemb, size_t size, void *user_data) {
  ript_test_failmem *fm = user_data;
  if (fm->fail_after >= 0 && fm->allocs >= fm->fail_after)
    return NULL;
  ++fm->allocs;
  return calloc(nmemb, size);
}

static void *failmem_realloc(void *ptr, size_t size, void *user_data) {
  ript_test_failmem *fm = user_data;
  if (fm->fail_after >= 0 && fm->allocs >= fm->fail_after)
    return NULL;
  ++fm->allocs;
  return realloc(ptr, size);
}

void ript_test_failmem_init(ript_test_failmem *fm, long fail_after) {
  fm->mem.user_data = fm;
  fm->mem.malloc = failmem_malloc;
  fm->mem.free = failmem_free;
  fm->mem.calloc = failmem_calloc;
  fm->mem.realloc = failmem_realloc;
  fm->fail_after = fail_after;
  fm->allocs = 0;
}

char **ript_test_child_argv(char *const *argv, char **out, size_t n) {
  static char *const prefix[] = {"setpriv", "--pdeathsig", "KILL", "--"};
  size_t len = 0;
  while (argv[len])
    ++len;
  if (n < 4 + len + 1)
    fail_msg("ript_test_child_argv: %zu arguments do not fit", len);
  memcpy(out, prefix, sizeof(prefix));
  memcpy(out + 4, argv, (len + 1) * sizeof(*argv));
  return out;
}

/*
 * server/config_parse.h - the pieces config.c reads the configuration
 * with, shared by the files that parse one section each (config_oauth.c).
 *
 * Every function checks one member, copies what it returns, and on a
 * problem writes "FILE: $.json.path: what is wrong" to the context's error
 * buffer and returns -1. The JSON path grows with riptd_cfg_push_* as a
 * parser descends and shrinks with riptd_cfg_pop; a member read without
 * error leaves the path as it was.
 */
#ifndef RIPTD_CONFIG_PARSE_H
#define RIPTD_CONFIG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

typedef struct riptd_cfg_ctx {
  const char *file;
  const char *slash; /* the last '/' of |file|, NULL when none */
  char path[512];
  size_t pathlen;
  char *err;
  size_t errlen;
} riptd_cfg_ctx;

int riptd_cfg_fail(riptd_cfg_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int riptd_cfg_nomem(riptd_cfg_ctx *c);

/* Path steps: ".key" or "[i]"; each returns the length to riptd_cfg_pop to. */
size_t riptd_cfg_push_key(riptd_cfg_ctx *c, const char *key);
size_t riptd_cfg_push_index(riptd_cfg_ctx *c, size_t i);
void riptd_cfg_pop(riptd_cfg_ctx *c, size_t saved);

/* Refuses members not in |allowed| (NULL-terminated); members whose name
 * starts with '_' are comments. */
int riptd_cfg_members(riptd_cfg_ctx *c, json_t *obj,
                      const char *const *allowed);

/* The member |key| of |obj| with the path pushed (restore with
 * riptd_cfg_pop and |*saved|); NULL, nothing pushed, when absent, an error
 * if |required|. */
json_t *riptd_cfg_get(riptd_cfg_ctx *c, json_t *obj, const char *key,
                      int required, size_t *saved, int *rv);
/* riptd_cfg_get for an object or an array (of at least |min| elements). */
int riptd_cfg_object(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, json_t **out, size_t *saved);
int riptd_cfg_array(riptd_cfg_ctx *c, json_t *obj, const char *key,
                    int required, size_t min, json_t **out, size_t *saved);

/* Fills the zeroed element |elem| from |v|, whose path is current; |ctx|
 * is the caller's. */
typedef int (*riptd_cfg_element_fn)(riptd_cfg_ctx *c, json_t *v, void *elem,
                                    void *ctx);

/* The array member |key| (at least |min| elements; absent is no error
 * unless |required|) read element by element with |fn| into a new zeroed
 * array of |size|-byte elements at *|out|. *|n| counts the elements begun
 * (before |fn| runs, so that a failure leaves what was begun freeable, and
 * |fn| sees the elements before its own). An absent or empty array leaves
 * *|out| NULL. */
int riptd_cfg_elements(riptd_cfg_ctx *c, json_t *obj, const char *key,
                       int required, size_t min, size_t size, void **out,
                       size_t *n, riptd_cfg_element_fn fn, void *ctx);

/* Scalars; an absent optional member leaves |*out| unchanged. Strings are
 * non-empty copies; files are resolved against the configuration's
 * directory. The _value forms read |v| itself, whose path is current. */
int riptd_cfg_string_value(riptd_cfg_ctx *c, json_t *v, char **out);
int riptd_cfg_string(riptd_cfg_ctx *c, json_t *obj, const char *key,
                     int required, char **out);
int riptd_cfg_int(riptd_cfg_ctx *c, json_t *obj, const char *key, int64_t min,
                  int64_t max, int64_t *out);
int riptd_cfg_bool(riptd_cfg_ctx *c, json_t *obj, const char *key, int *out);
int riptd_cfg_file_value(riptd_cfg_ctx *c, json_t *v, char **out);
int riptd_cfg_file(riptd_cfg_ctx *c, json_t *obj, const char *key, int required,
                   char **out);

/* Nonzero if |s| is an RFC 6750 b64token. */
int riptd_cfg_is_b64token(const char *s);

/* The sections kept in files of their own. */

/* "oauth" (config_oauth.c); the customers must be parsed already. */
int riptd_cfg_oauth(riptd_cfg_ctx *c, json_t *root, riptd_config *cfg);
void riptd_cfg_oauth_free(riptd_oauth_conf *oauth);

#endif /* RIPTD_CONFIG_PARSE_H */

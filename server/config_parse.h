/*
 * server/config_parse.h - the pieces config.c reads the configuration
 * with, shared by the files that parse one section each (config_oauth.c).
 *
 * Every function checks one member, copies what it returns, and on a
 * problem writes "FILE: $.json.path: what is wrong" to the context's error
 * buffer and returns -1. The JSON path grows with cfg_push_* as a parser
 * descends and shrinks with cfg_pop; a member read without error leaves the
 * path as it was.
 */
#ifndef RIPTD_CONFIG_PARSE_H
#define RIPTD_CONFIG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

typedef struct cfg_ctx {
  const char *file;
  const char *slash; /* the last '/' of |file|, NULL when none */
  char path[512];
  size_t pathlen;
  char *err;
  size_t errlen;
} cfg_ctx;

int cfg_fail(cfg_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cfg_nomem(cfg_ctx *c);

/* Path steps: ".key" or "[i]"; each returns the length to cfg_pop to. */
size_t cfg_push_key(cfg_ctx *c, const char *key);
size_t cfg_push_index(cfg_ctx *c, size_t i);
void cfg_pop(cfg_ctx *c, size_t saved);

/* Refuses members not in |allowed| (NULL-terminated); members whose name
 * starts with '_' are comments. */
int cfg_members(cfg_ctx *c, json_t *obj, const char *const *allowed);

/* The member |key| of |obj| with the path pushed (restore with cfg_pop and
 * |*saved|); NULL, nothing pushed, when absent, an error if |required|. */
json_t *cfg_get(cfg_ctx *c, json_t *obj, const char *key, int required,
                size_t *saved, int *rv);
/* cfg_get for an object or an array (of at least |min| elements). */
int cfg_object(cfg_ctx *c, json_t *obj, const char *key, int required,
               json_t **out, size_t *saved);
int cfg_array(cfg_ctx *c, json_t *obj, const char *key, int required,
              size_t min, json_t **out, size_t *saved);

/* Fills the zeroed element |elem| from |v|, whose path is current; |ctx|
 * is the caller's. */
typedef int (*cfg_element_fn)(cfg_ctx *c, json_t *v, void *elem, void *ctx);

/* The array member |key| (at least |min| elements; absent is no error
 * unless |required|) read element by element with |fn| into a new zeroed
 * array of |size|-byte elements at *|out|. *|n| counts the elements begun
 * (before |fn| runs, so that a failure leaves what was begun freeable, and
 * |fn| sees the elements before its own). An absent or empty array leaves
 * *|out| NULL. */
int cfg_elements(cfg_ctx *c, json_t *obj, const char *key, int required,
                 size_t min, size_t size, void **out, size_t *n,
                 cfg_element_fn fn, void *ctx);

/* Scalars; an absent optional member leaves |*out| unchanged. Strings are
 * non-empty copies; files are resolved against the configuration's
 * directory. The _value forms read |v| itself, whose path is current. */
int cfg_string_value(cfg_ctx *c, json_t *v, char **out);
int cfg_string(cfg_ctx *c, json_t *obj, const char *key, int required,
               char **out);
int cfg_int(cfg_ctx *c, json_t *obj, const char *key, int64_t min,
            int64_t max, int64_t *out);
int cfg_bool(cfg_ctx *c, json_t *obj, const char *key, int *out);
int cfg_file_value(cfg_ctx *c, json_t *v, char **out);
int cfg_file(cfg_ctx *c, json_t *obj, const char *key, int required,
             char **out);

/* Nonzero if |s| is an RFC 6750 b64token. */
int cfg_is_b64token(const char *s);

/* The sections kept in files of their own. */

/* "oauth" (config_oauth.c); the customers must be parsed already. */
int cfg_oauth(cfg_ctx *c, json_t *root, riptd_config *cfg);
void cfg_oauth_free(riptd_oauth_conf *oauth);

#endif /* RIPTD_CONFIG_PARSE_H */

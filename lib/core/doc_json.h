/*
 * Internal helpers shared by the RIPT document parsers and writers
 * (doc_*.c): loading with limits, error offsets, copying strings into a
 * document's store, field checks, and dumping.
 *
 * A parser extracts fields from jansson's tree into the struct (type checks
 * only, strings copied into the store), then runs the document's check
 * function, which a writer runs too with |in| NULL: the same rules refuse
 * bad input with RIPT_ERR_PARSE and a bad struct with
 * RIPT_ERR_INVALID_ARGUMENT.
 */
#ifndef RIPT_DOC_JSON_H
#define RIPT_DOC_JSON_H

#include <jansson.h>

#include "ript/doc.h"

/* Where a value is: a member |key| of the object at |up|, or element
 * |index| of the array at |up| (|key| NULL). The root has |up| NULL. Used
 * only to find the byte offset for an error, and only when there is one. */
typedef struct ript_doc_at {
  const struct ript_doc_at *up;
  const char *key;
  size_t index;
} ript_doc_at;

/* The root object. */
extern const ript_doc_at ript_doc_at_root;

/* A parse in progress. */
typedef struct ript_doc_in {
  const char *text;
  size_t len;
  ript_parse_error *err;
  ript_doc_store *store;
} ript_doc_in;

/* Extracts and checks a document from |root| (a JSON object) into |doc|. */
typedef int (*ript_doc_extract_fn)(ript_doc_in *in, json_t *root, void *doc);

/*
 * Parses |json| with the common limits into |store| (which the caller has
 * zeroed) and calls |extract|. On error the store is freed. Returns 0 or an
 * error as documented in ript/doc.h.
 */
int ript_doc_parse(const char *json, size_t len, size_t max_len,
                   ript_parse_error *err, const ript_mem *mem,
                   ript_doc_store *store, ript_doc_extract_fn extract,
                   void *doc);

/* Returns nonzero for RIPT_DOC_REQUEST and RIPT_DOC_RESPONSE. */
int ript_doc_role_ok(ript_doc_role role);

/* Frees the store's memory and zeroes it. */
void ript_doc_store_free(ript_doc_store *store);

/* Allocates |size| bytes (aligned for any type, zeroed) from the store, or
 * NULL. */
void *ript_doc_store_alloc(ript_doc_store *store, size_t size);

/* Copies |s| into the store, or NULL. */
const char *ript_doc_store_strdup(ript_doc_store *store, const char *s);

/* Reports that the value at |at| is wrong: with |in| NULL (a writer)
 * returns RIPT_ERR_INVALID_ARGUMENT, otherwise fills in->err with the
 * value's offset (the enclosing object's when the value is absent) and
 * |expected|, and returns RIPT_ERR_PARSE. */
int ript_doc_fail(const ript_doc_in *in, const ript_doc_at *at,
                  const char *expected);

/* Member |key| of |obj| (at |obj_at|) when it is of |type|: *out is the
 * member or NULL when absent. Another type fails with |expected|. */
int ript_doc_get_member(const ript_doc_in *in, json_t *obj,
                        const ript_doc_at *obj_at, const char *key,
                        json_type type, const char *expected, json_t **out);

/* String member |key| copied into the store (*out NULL when absent). */
int ript_doc_get_string(const ript_doc_in *in, json_t *obj,
                        const ript_doc_at *obj_at, const char *key,
                        const char *expected, const char **out);

/* Integer member |key|: returns 1 and sets *out when present, 0 when
 * absent, or an error (not an integer). */
int ript_doc_get_int(const ript_doc_in *in, json_t *obj,
                     const ript_doc_at *obj_at, const char *key,
                     const char *expected, int64_t *out);

/* Flags for ript_doc_check_string(). */
#define RIPT_DOC_CHECK_REQUIRED 0x01u
#define RIPT_DOC_CHECK_NONEMPTY 0x02u

/* Checks a string field: present if required, non-empty if asked, and (for
 * a writer, since jansson checked what it parsed) valid UTF-8. */
int ript_doc_check_string(const ript_doc_in *in, const ript_doc_at *at,
                          const char *s, unsigned flags,
                          const char *expected);

/* Checks a URI field: present if |required|, and an https URI parsed with
 * |uri_flags| (ript_uri_parse()). */
int ript_doc_check_uri(const ript_doc_in *in, const ript_doc_at *at,
                       const char *s, int required, unsigned uri_flags,
                       const char *expected);

/* Checks that |s| is 1..|max| characters, each in the set |allowed| or
 * alphanumeric. */
int ript_doc_check_token(const ript_doc_in *in, const ript_doc_at *at,
                         const char *s, size_t max, const char *allowed,
                         const char *expected);

/* Checks a required destination and normalizes it into |norm|. */
int ript_doc_check_dest(const ript_doc_in *in, const ript_doc_at *at,
                        const char *s, char *norm, const char *expected);

/* Dumps |root| (taking the reference; NULL means jansson ran out of
 * memory) pretty-printed onto |out|; on error |out| is left as it was. */
int ript_doc_dump(json_t *root, ript_buf *out);

/* Dumps {"|key|": |arr|} like ript_doc_dump(), taking the reference of
 * |arr| (NULL means jansson ran out of memory). */
int ript_doc_dump_wrapped(const char *key, json_t *arr, ript_buf *out);

/* Sets |obj|[key] = |value|, taking the reference of |value| even on
 * failure (NULL |value| means a failed allocation). Returns 0 or
 * RIPT_ERR_NOMEM. */
int ript_doc_set(json_t *obj, const char *key, json_t *value);

#endif /* RIPT_DOC_JSON_H */

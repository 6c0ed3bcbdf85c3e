/*
 * ript/dest.h - call destinations: normalization and TG destination patterns.
 *
 * The draft leaves destination normalization open (§8.7 "TODO: need to define
 * normalization procedures") and the syntax of a TG's "destinations" open
 * (§8.3 "Open Issue: how to say ... all numbers except 1-900"). libript
 * answers both as follows (docs/PROTOCOL.md, "Destinations").
 *
 * A destination (§9.8) is one of:
 *   - an E.164 number: '+', then 1..15 digits, the first 1-9. Visual
 *     separators (space, '-', '.', '(', ')') may appear anywhere and are
 *     removed: "+1 (408) 952-9999" normalizes to "+14089529999".
 *   - an address local@domain (private trunks, email): local is 1..64 of
 *     [A-Za-z0-9._%+-] and is kept as is; domain is dot-separated LDH labels
 *     (1..63 characters, no leading or trailing '-', 253 in all) and is
 *     lowercased. A local part that is '+' and digits only is refused, since
 *     "this form MUST NOT be used for E.164" (§9.8).
 * A string holding '@' is read as an address, any other as an E.164 number.
 *
 * A pattern list (the TG's "destinations") is one or more patterns separated
 * by ',' with optional whitespace (space, tab, CR, LF) around each:
 *   "*"                    any destination
 *   "+14085551000"         exactly that number (no separators in patterns)
 *   "+1408*"               any number starting with +1408
 *   "alice@pbx.example"    exactly that address (domain case-insensitive)
 *   "sales*@pbx.example"   any local part starting with "sales" at that domain
 *   "*@pbx.example"        anything at that domain
 * and each may be prefixed by '!' to exclude. A destination matches a list
 * when it matches at least one inclusion and no exclusion, so "+1*, !+1900*"
 * is every NANP number except 1-900, and a list of exclusions only matches
 * nothing. An absent "destinations" field means "*" (§9.3).
 *
 * Thread-safety: all functions are reentrant; a ript_dest_list is immutable
 * after ript_dest_list_new() and may be matched from several threads at once.
 */
#ifndef RIPT_DEST_H
#define RIPT_DEST_H

#include <stddef.h>

#include "ript/error.h"
#include "ript/mem.h"

/* Longest normalized destination: a 64-character local part, '@' and a
 * 253-character domain. */
#define RIPT_DEST_MAX_LEN 318
/* Most digits in an E.164 number (ITU-T E.164 §6). */
#define RIPT_DEST_E164_MAX_DIGITS 15

/*
 * Normalizes the destination |dest| (|len| bytes, need not be NUL-terminated)
 * into |out| as a NUL-terminated string: separators removed for an E.164
 * number, domain lowercased for an address. Normalizing a normalized
 * destination gives it back unchanged.
 *
 * Returns the length of the normalized string (1..RIPT_DEST_MAX_LEN), or
 *   RIPT_ERR_INVALID_ARGUMENT  |dest| (with |len| > 0) or |out| is NULL;
 *   RIPT_ERR_PARSE             not a destination; |err| (may be NULL) gets
 *                              the offset of the first byte that is wrong.
 * |out| is unspecified on error. Allocates nothing.
 */
ript_ssize ript_dest_normalize(const char *dest, size_t len,
                               char out[RIPT_DEST_MAX_LEN + 1],
                               ript_parse_error *err);

/* Returns nonzero if the normalized destination |dest| is an E.164 number
 * (it starts with '+'), zero if it is an address. */
int ript_dest_is_e164(const char *dest);

/* A parsed pattern list; opaque. */
typedef struct ript_dest_list ript_dest_list;

/*
 * Checks that |list| (|len| bytes) is a valid pattern list without
 * allocating anything.
 *
 * Returns 0, or
 *   RIPT_ERR_INVALID_ARGUMENT  |list| is NULL with |len| > 0;
 *   RIPT_ERR_PARSE             invalid (an empty list too); |err| (may be
 *                              NULL) gets the offset and what was expected.
 */
int ript_dest_list_validate(const char *list, size_t len,
                            ript_parse_error *err);

/*
 * Parses the pattern list |list| (|len| bytes) into a new object, stored in
 * |*plist|. The object keeps its own copy of the patterns and allocates with
 * |mem| (NULL: default), which must outlive it.
 *
 * Returns 0, or
 *   RIPT_ERR_INVALID_ARGUMENT  |plist| is NULL, or |list| NULL with |len| > 0;
 *   RIPT_ERR_PARSE             as for ript_dest_list_validate();
 *   RIPT_ERR_NOMEM             out of memory.
 * On error |*plist| is set to NULL (when |plist| is not NULL).
 */
int ript_dest_list_new(ript_dest_list **plist, const char *list, size_t len,
                       ript_parse_error *err, const ript_mem *mem);

/* Frees |list|; NULL is a no-op. */
void ript_dest_list_del(ript_dest_list *list);

/* Returns the number of patterns (inclusions and exclusions) in |list|. */
size_t ript_dest_list_count(const ript_dest_list *list);

/*
 * Normalizes the destination |dest| (|len| bytes) and matches it against
 * |list|. Allocates nothing, so it is cheap to call for every call setup.
 *
 * Returns 1 if it matches, 0 if not, or
 *   RIPT_ERR_INVALID_ARGUMENT  |list| is NULL, or |dest| NULL with |len| > 0;
 *   RIPT_ERR_PARSE             |dest| is not a destination (see
 *                              ript_dest_normalize(); |err| may be NULL).
 */
int ript_dest_list_match(const ript_dest_list *list, const char *dest,
                         size_t len, ript_parse_error *err);

#endif /* RIPT_DEST_H */

/*
 * ript/uri.h - the https URIs RIPT resources live at, and call UUIDs.
 *
 * Every RIPT resource is an https URI (§9.4, §9.8). libript accepts the
 * subset of RFC 3986 that RIPT needs:
 *
 *   https-uri = "https://" authority path       ; scheme case-insensitive
 *   authority = host [ ":" port ]                ; no userinfo ("user@")
 *   host      = reg-name / "[" IPv6 "]"
 *   reg-name  = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / pct-encoded )
 *   port      = 1*5DIGIT                         ; 1..65535
 *   path      = *( "/" *pchar )                  ; RFC 3986 pchar
 *
 * No query or fragment (resources are paths), no whitespace or control
 * characters. A consumer TG URI must also use a domain name as its host
 * (§9.4): RIPT_URI_FLAG_DOMAIN asks for that check.
 *
 * Thread-safety: all functions are reentrant and keep no state.
 */
#ifndef RIPT_URI_H
#define RIPT_URI_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"

/* The host must be a domain name: dot-separated LDH labels whose last label
 * is not all digits, so no IPv4 address and no IPv6 literal (§9.4). */
#define RIPT_URI_FLAG_DOMAIN 0x01u
/* Also accept a query ("?" *( pchar / "/" / "?" ), RFC 3986 §3.4) after the
 * path, reported as part of the path span: what an HTTP client sends as
 * :path. RIPT resource URIs never have one; other https URLs (an OAuth
 * token endpoint, say) may. A fragment is refused either way. */
#define RIPT_URI_FLAG_QUERY 0x02u

/* Where the parts of a parsed URI are, as offsets into the parsed string. */
typedef struct ript_uri_parts {
  size_t authority_off; /* host[:port], just after "https://" */
  size_t authority_len;
  size_t host_off; /* the host, brackets included for an IPv6 literal */
  size_t host_len;
  uint16_t port; /* 0 when absent (443 implied) */
  size_t path_off; /* the path, "" (path_len 0) or starting with '/' */
  size_t path_len;
} ript_uri_parts;

/*
 * Validates |uri| (|len| bytes) as an https URI of the form above and, when
 * |parts| is not NULL, says where its authority, host, port and path are.
 * |flags| is 0 or a combination of RIPT_URI_FLAG_DOMAIN and
 * RIPT_URI_FLAG_QUERY.
 *
 * Returns 0, or
 *   RIPT_ERR_INVALID_ARGUMENT  |uri| NULL with |len| > 0, or unknown |flags|;
 *   RIPT_ERR_PARSE             not such a URI; |err| (may be NULL) gets the
 *                              offset of the first wrong byte.
 */
int ript_uri_parse(const char *uri, size_t len, unsigned flags,
                   ript_uri_parts *parts, ript_parse_error *err);

/*
 * Appends to |out| the https URI |base| (NUL-terminated) extended by the
 * relative path |path| (NUL-terminated, e.g. "calls" or "/calls" or
 * "calls/events"), with exactly one '/' between them: "https://a/tg/" and
 * "/calls" give "https://a/tg/calls". |path| is one or more segments of
 * pchar separated by '/', none of them empty, "." or "..".
 *
 * Returns 0, or
 *   RIPT_ERR_INVALID_ARGUMENT  NULL argument, |base| not an https URI, or
 *                              |path| not such a relative path;
 *   RIPT_ERR_NOMEM             out of memory (|out| unchanged).
 */
int ript_uri_join(const char *base, const char *path, ript_buf *out);

/*
 * Appends the RIPT root URI of |authority| (host[:port], NUL-terminated):
 * "https://AUTHORITY/.well-known/ript" (§8.1, §9.1, RFC 8615).
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL argument, or |authority| not
 * host[:port] as above) or RIPT_ERR_NOMEM (|out| unchanged).
 */
int ript_uri_root(const char *authority, ript_buf *out);

/*
 * Appends the RIPT OAuth URI of |authority|:
 * "https://AUTHORITY/.well-known/ript-oauth" (§8.1, §9.1). Returns as
 * ript_uri_root().
 */
int ript_uri_oauth(const char *authority, ript_buf *out);

/* Length of a UUID in its text form 8-4-4-4-12 (RFC 4122 §3). */
#define RIPT_URI_UUID_LEN 36

/*
 * Formats a version-4 UUID (RFC 4122 §4.4) from 16 random bytes that the
 * caller supplies (libript's core never reads randomness): the version and
 * variant bits are set, the other 122 bits are taken from |random|. |out|
 * gets 36 lowercase characters and a NUL.
 * Returns 0, or RIPT_ERR_INVALID_ARGUMENT if an argument is NULL.
 */
int ript_uri_uuid_format(const uint8_t random[16],
                         char out[RIPT_URI_UUID_LEN + 1]);

/*
 * Checks that |s| (|len| bytes) is exactly a UUID in text form: 36
 * characters, hex digits (either case) with '-' at offsets 8, 13, 18, 23.
 * Any version and variant is accepted (the UUID is the peer's).
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (|s| NULL with |len| > 0) or
 * RIPT_ERR_PARSE (|err|, may be NULL: the first wrong byte).
 */
int ript_uri_uuid_check(const char *s, size_t len, ript_parse_error *err);

/*
 * Validates the call URI |uri| (|len| bytes): an https URI whose path has a
 * segment that is a UUID (§9.8 "The call URI MUST contain a UUID"). On
 * success |*uuid_off| (if not NULL) is the offset of the last such segment,
 * which is RIPT_URI_UUID_LEN bytes long.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT (|uri| NULL with |len| > 0) or
 * RIPT_ERR_PARSE (not an https URI, or no UUID segment; |err| may be NULL).
 */
int ript_uri_call_uuid(const char *uri, size_t len, size_t *uuid_off,
                       ript_parse_error *err);

#endif /* RIPT_URI_H */

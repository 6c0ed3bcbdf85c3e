/*
 * server/form.h - application/x-www-form-urlencoded bodies (the WHATWG URL
 * standard's serialisation, as RFC 6749 §B uses it for the token
 * endpoint): NAME=VALUE pairs joined by '&', '+' for space and %XX
 * escapes. Sans-I/O.
 */
#ifndef RIPTD_FORM_H
#define RIPTD_FORM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Looks up parameter |name| in the |len| bytes of |body| and writes its
 * decoded value, NUL-terminated, to |out| (|outlen| bytes with the NUL).
 * Returns 1 (found), 0 (absent), or -1: the body is malformed (a bad %
 * escape, a pair without '=', a decoded NUL), the parameter is given
 * twice (RFC 6749 §3.2 forbids it), or the value does not fit.
 */
int riptd_form_get(const uint8_t *body, size_t len, const char *name,
                   char *out, size_t outlen);

/* Decodes the |len| bytes at |in| ('+' and %XX) into |out| as above.
 * Returns the decoded length or -1. */
int riptd_form_decode(const char *in, size_t len, char *out, size_t outlen);

#endif /* RIPTD_FORM_H */

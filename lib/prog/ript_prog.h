/*
 * lib/prog/ript_prog.h - what ript's programs (riptd, ript, ript-load, the
 * tools) share beyond libript: reading their command lines the same way
 * ("--name VALUE" and "--name=VALUE", numbers written only as decimal
 * digits) and reading whole files. Each program words its own messages;
 * these only say what went wrong.
 */
#ifndef RIPT_PROG_H
#define RIPT_PROG_H

#include <stddef.h>

#include "ript/buf.h"

/*
 * Matches argv[*i] against the option |name| ("--name"): as "--name=VALUE",
 * or as "--name" whose value is the next argument (then *i moves to it).
 * Returns 1 and sets *value on a match, 0 when argv[*i] is another option
 * (nothing changed), -1 when the value is missing (the last argument).
 */
int ript_cmdline_value(const char *name, int argc, char **argv, int *i,
                       const char **value);

/* |text| as a decimal number with an optional fraction ("5", "0.5", ".5";
 * no sign, no spaces, no exponent or hex) from |lo| to |hi|. Returns 0 and
 * sets *out, or -1. */
int ript_cmdline_number(const char *text, double lo, double hi, double *out);

/* |text| as decimal digits only, from |lo| to |hi|. Returns 0 and sets
 * *out, or -1. */
int ript_cmdline_uint(const char *text, unsigned long lo, unsigned long hi,
                      unsigned long *out);

/*
 * Appends the whole file |path| to |out|. Returns 0; RIPT_ERR_LIMIT when
 * it is larger than |max| bytes (SIZE_MAX: no limit); RIPT_ERR_NOMEM; or
 * RIPT_ERR_INVALID_ARGUMENT when it cannot be opened or read (errno says
 * why). On failure |out| may hold part of the file.
 */
int ript_file_read(const char *path, size_t max, ript_buf *out);

#endif /* RIPT_PROG_H */

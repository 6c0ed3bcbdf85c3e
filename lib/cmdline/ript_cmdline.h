/*
 * lib/cmdline/ript_cmdline.h - reading the command lines of ript's
 * programs (riptd, ript, ript-load) the same way: "--name VALUE" and
 * "--name=VALUE", and numbers written only as decimal digits. Each program
 * words its own messages; these only say whether the text fits.
 */
#ifndef RIPT_CMDLINE_H
#define RIPT_CMDLINE_H

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

#endif /* RIPT_CMDLINE_H */

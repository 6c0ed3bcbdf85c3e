/* Command-line helpers shared by ript's programs (ript_prog.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ript_prog.h"

int ript_cmdline_value(const char *name, int argc, char **argv, int *i,
                       const char **value) {
  size_t n = strlen(name);
  const char *arg = argv[*i];
  if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
    return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (*i + 1 >= argc)
    return -1;
  *value = argv[++*i];
  return 1;
}

/* Digits with at most one '.', and at least one digit. */
static int cmdline_decimal(const char *s) {
  int digits = 0, dots = 0;
  for (; *s; ++s) {
    if (*s >= '0' && *s <= '9')
      ++digits;
    else if (*s != '.' || ++dots > 1)
      return 0;
  }
  return digits > 0;
}

int ript_cmdline_number(const char *text, double lo, double hi, double *out) {
  if (!cmdline_decimal(text))
    return -1;
  errno = 0;
  double v = strtod(text, NULL);
  if (errno != 0 || !isfinite(v) || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

int ript_cmdline_uint(const char *text, unsigned long lo, unsigned long hi,
                      unsigned long *out) {
  if (!cmdline_decimal(text) || strchr(text, '.'))
    return -1;
  errno = 0;
  unsigned long v = strtoul(text, NULL, 10);
  if (errno != 0 || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

/* Hexadecimal digits, for the core's parsers (internal to libript and its
 * tests). */
#ifndef RIPT_CORE_HEX_H
#define RIPT_CORE_HEX_H

/* The value of the hex digit |c| (either case), or -1. */
static inline int ript_hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

#endif /* RIPT_CORE_HEX_H */

/*
 * Shared helpers for the unit tests (cmocka).
 *
 * Worked examples: docs/ hold fenced blocks whose info string carries
 * `example=NAME`, e.g.
 *
 *     ```hex example=chunk-pcmu-null
 *     01 02 ...   # comments run to the end of the line
 *     ```
 *
 * ript_test_example() returns the block's text exactly (lines joined with
 * '\n', no final newline); ript_test_example_hex() decodes a hex block. The
 * tests compare library output with these byte for byte, so the documentation
 * cannot drift from the code. A missing example fails the calling test.
 */
#ifndef RIPT_TESTUTIL_H
#define RIPT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ript/mem.h"

/* Text of the example block NAME from docs/ (malloc'd; free()). */
char *ript_test_example(const char *name, size_t *len);

/* Bytes of the hex example block NAME (malloc'd; free()). */
uint8_t *ript_test_example_hex(const char *name, size_t *len);

/* Whole file (malloc'd, NUL-terminated; free()), or a failed test. */
char *ript_test_read_file(const char *path, size_t *len);

/*
 * An allocator that fails every allocation after the first |fail_after|
 * (a negative value never fails). Drive an API with fail_after = 0, 1, 2, ...
 * until it succeeds to reach every out-of-memory path; the sanitizer and
 * valgrind runs then prove nothing leaks on any of them.
 */
typedef struct ript_test_failmem {
  ript_mem mem;
  long fail_after;
  long allocs; /* successful allocations so far */
} ript_test_failmem;

void ript_test_failmem_init(ript_test_failmem *fm, long fail_after);

/*
 * Fills |out| (room for |n| pointers) with "setpriv --pdeathsig KILL --"
 * followed by the NULL-terminated |argv|: a third-party program a test
 * starts (curl, gtlsserver, nghttpd ...) then dies with the test process
 * even when a failed assertion skips the test's own cleanup. Fails the test
 * when |n| is too small. Returns |out|.
 */
char **ript_test_child_argv(char *const *argv, char **out, size_t n);

#endif /* RIPT_TESTUTIL_H */

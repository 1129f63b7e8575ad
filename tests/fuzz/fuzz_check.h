/* fuzz_check.h - the oracle check every fuzz target uses: a condition that
 * does not hold is printed with its place and aborts, which libFuzzer
 * reports as a crash and keeps the input for. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: oracle failed: %s\n", file, line, what);
	abort();
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond);                                      \
	} while (0)

#endif

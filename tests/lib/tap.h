/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP output for grab's C tests: "ok N - name" / "not ok N - name",
 * which tests/run-tests.sh counts.  A test program exits non-zero if any
 * check failed, so it also works on its own.
 */
#ifndef GRAB_TAP_H
#define GRAB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline __attribute__((format(printf, 2, 3))) int ok(int passed,
							   const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", passed ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!passed)
		tap_failed++;
	return passed;
}

/* A diagnostic line, ignored by the runner but shown in its log. */
#define diag(...)                    \
	do {                         \
		printf("# ");        \
		printf(__VA_ARGS__); \
		printf("\n");        \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* GRAB_TAP_H */

// SPDX-License-Identifier: MIT
/*
 * grabberd's log.  Under systemd (JOURNAL_STREAM set) each line carries a
 * "<N>" priority prefix the journal understands; in a terminal, a level word.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_INFO;
static int journal;

static const char *const names[] = { "error", "warning", "info", "debug" };
static const int prio[] = { 3, 4, 6, 7 };

void log_init(enum log_level max)
{
	max_level = max;
	journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(enum log_level max)
{
	max_level = max;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > max_level)
		return;
	if (journal)
		n = snprintf(line, sizeof(line), "<%d>", prio[level]);
	else
		n = snprintf(line, sizeof(line),
			     "grabberd: %s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	/* One write per line so lines of concurrent writers do not mix. */
	if (write(STDERR_FILENO, line, strlen(line)) < 0)
		return;
}

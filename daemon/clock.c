// SPDX-License-Identifier: MIT
/* The daemon's one clock: CLOCK_MONOTONIC, like the frames' timestamps. */
#include <time.h>

#include "daemon.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

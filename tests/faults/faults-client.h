/* SPDX-License-Identifier: MIT */
/*
 * What the faults tier's libgrab clients (hostile-client.c, wait-client.c)
 * share: a millisecond clock and the name of an errno value as they print it.
 */
#ifndef FAULTS_CLIENT_H
#define FAULTS_CLIENT_H

#include <errno.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "OK", "ETIMEDOUT", ... for 0 or a -errno value. */
static const char *name(int r)
{
	static char buf[32];

	switch (r) {
	case 0:
		return "OK";
	case -EBADFD:
		return "EBADFD";
	case -EUCLEAN:
		return "EUCLEAN";
	case -ETIMEDOUT:
		return "ETIMEDOUT";
	case -EINTR:
		return "EINTR";
	case -EAGAIN:
		return "EAGAIN";
	case -ENOTCONN:
		return "ENOTCONN";
	case -ENODEV:
		return "ENODEV";
	case -ENODATA:
		return "ENODATA";
	case -ECONNRESET:
		return "ECONNRESET";
	case -EPROTO:
		return "EPROTO";
	case -EPERM:
		return "EPERM";
	case -ENOENT:
		return "ENOENT";
	default:
		snprintf(buf, sizeof(buf), "E%d", -r);
		return buf;
	}
}
#endif

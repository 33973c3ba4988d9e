// SPDX-License-Identifier: MIT
/*
 * hostile-client: what libgrab answers a hostile daemon (fake-daemon.c),
 * one line per call with the error name and how long the call took:
 *
 *   hostile-client SOCKET TIMEOUT_MS
 *   -> connect=OK 3ms
 *      info=EBADFD 0ms
 *      next=ETIMEDOUT 1001ms
 *      RESULT connect=... info=... next=... frames=N
 *
 * grab_connect(), then grab_stream_info(), then grab_next_frame() and
 * grab_latest_frame() with TIMEOUT_MS, a few times each.  A call that
 * does not return keeps the process alive: the tier runs it under
 * timeout(1).  worst_ms is the longest grab_stream_info() or frame call.  A fault (SIGBUS) shows as the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grab/grab.h>

#include "faults-client.h"

int main(int argc, char **argv)
{
	struct grab_stream_info info;
	struct grab_frame *f;
	struct grab *g = NULL;
	const char *sock;
	int timeout, r, i, frames = 0;
	char cres[32], ires[32] = "-", nres[32] = "-";
	double t, worst = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile-client SOCKET TIMEOUT_MS\n");
		return 2;
	}
	sock = strcmp(argv[1], "-") ? argv[1] : NULL;
	timeout = atoi(argv[2]);
	t = now_ms();
	r = grab_connect(sock, NULL, GRAB_CONNECT_NO_RECONNECT, &g);
	printf("connect=%s %.0fms\n", name(r), now_ms() - t);
	snprintf(cres, sizeof(cres), "%s", name(r));
	if (r == 0) {
		t = now_ms();
		r = grab_stream_info(g, &info);
		t = now_ms() - t;
		worst = t;
		printf("info=%s %.0fms\n", name(r), t);
		snprintf(ires, sizeof(ires), "%s", name(r));
		for (i = 0; i < 4; i++) {
			t = now_ms();
			r = i & 1 ? grab_latest_frame(g, timeout, &f) :
				    grab_next_frame(g, timeout, &f);
			t = now_ms() - t;
			if (t > worst)
				worst = t;
			printf("next=%s %.0fms\n", name(r), t);
			snprintf(nres, sizeof(nres), "%s", name(r));
			if (r == 0) {
				frames++;
				grab_frame_release(f);
			}
		}
		grab_close(g);
	}
	printf("RESULT connect=%s info=%s next=%s frames=%d worst_ms=%.0f\n",
	       cres, ires, nres, frames, worst);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * wait-client: how grab_next_frame() waits, against fake-daemon's "quiet"
 * mode (a good ring, one frame event, then silence):
 *
 *   wait-client SOCKET
 *   -> first=OK
 *      wait 2000ms=ETIMEDOUT 2001ms
 *      wait 100ms=ETIMEDOUT 101ms
 *      ...
 *      signal 5000ms=EINTR 200ms
 *      signal forever=EINTR 200ms
 *      RESULT first=OK timeouts=N/N early=N late_ms=N signals=N/2
 *
 * A waiting call may wait inside recvmsg() with the socket's receive timeout
 * standing in for the caller's (libgrab sets it only when the caller's
 * changes), so the timeouts here change from call to call, long then short:
 * a short call must not wait the long one's time.  "early" counts calls
 * that returned before their timeout; late_ms is the most any call went
 * past it.  A SIGALRM whose handler has SA_RESTART must still end a wait
 * with EINTR, with a timeout and without one (-1), as epoll_wait() does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <grab/grab.h>

#include "faults-client.h"

static void on_alarm(int sig)
{
	(void)sig;
}

/* A wait of @timeout_ms with SIGALRM due after 200 ms: 1 if it ended
 * with EINTR. */
static int interrupted(struct grab *g, int timeout_ms, const char *what)
{
	struct itimerval it = { .it_value = { 0, 200 * 1000 } };
	struct grab_frame *f;
	double t = now_ms();
	int r;

	setitimer(ITIMER_REAL, &it, NULL);
	r = grab_next_frame(g, timeout_ms, &f);
	printf("signal %s=%s %.0fms\n", what, name(r), now_ms() - t);
	if (r == 0)
		grab_frame_release(f);
	return r == -EINTR;
}

int main(int argc, char **argv)
{
	static const int timeouts[] = { 2000, 100, 700, 50, 1000, 20, 300 };
	const int n = sizeof(timeouts) / sizeof(timeouts[0]);
	struct sigaction sa = { .sa_handler = on_alarm,
				.sa_flags = SA_RESTART };
	int i, r, ok = 0, early = 0, signals = 0;
	double t, late, worst = 0;
	struct grab_frame *f;
	struct grab *g;

	if (argc != 2) {
		fprintf(stderr, "usage: wait-client SOCKET\n");
		return 2;
	}
	sigaction(SIGALRM, &sa, NULL);
	r = grab_connect(argv[1], NULL, GRAB_CONNECT_NO_RECONNECT, &g);
	if (r) {
		printf("RESULT first=connect-%s\n", name(r));
		return 1;
	}
	r = grab_next_frame(g, 5000, &f);
	printf("first=%s\n", name(r));
	if (r == 0)
		grab_frame_release(f);
	else {
		printf("RESULT first=%s\n", name(r));
		return 1;
	}
	for (i = 0; i < n; i++) {
		t = now_ms();
		r = grab_next_frame(g, timeouts[i], &f);
		t = now_ms() - t;
		printf("wait %dms=%s %.0fms\n", timeouts[i], name(r), t);
		if (r == 0)
			grab_frame_release(f);
		if (r != -ETIMEDOUT)
			continue;
		ok++;
		/* grab_now_ms() is in whole milliseconds: allow one. */
		if (t < timeouts[i] - 1)
			early++;
		late = t - timeouts[i];
		if (late > worst)
			worst = late;
	}
	signals += interrupted(g, 5000, "5000ms");
	signals += interrupted(g, -1, "forever");
	grab_close(g);
	printf("RESULT first=OK timeouts=%d/%d early=%d late_ms=%.0f signals=%d/2\n",
	       ok, n, early, worst, signals);
	return 0;
}

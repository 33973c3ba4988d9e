// SPDX-License-Identifier: MIT
/*
 * A stand-in for systemd's notification socket: binds a unix datagram
 * socket at PATH and prints every message it receives, one line per
 * assignment, prefixed with the CLOCK_MONOTONIC milliseconds it arrived at:
 *
 *   notify-listen PATH SECONDS
 *   12345 READY=1
 *   12346 STATUS=default: 60.0 fps, 1 clients
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long end;
	char buf[4096];
	int s;

	if (argc != 3)
		return 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return 1;
	}
	end = mono_ms() + atoi(argv[2]) * 1000LL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (mono_ms() < end) {
		struct pollfd p = { s, POLLIN, 0 };
		char *line, *save;
		ssize_t n;

		if (poll(&p, 1, (int)(end - mono_ms())) <= 0)
			continue;
		n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("%lld %s\n", mono_ms(), line);
	}
	unlink(argv[1]);
	return 0;
}

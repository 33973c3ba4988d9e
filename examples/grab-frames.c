// SPDX-License-Identifier: MIT
/*
 * Print the sequence number and timestamp of each frame of a grabberd
 * stream: the smallest complete libgrab program.
 *
 *   cc -o grab-frames grab-frames.c $(pkg-config --cflags --libs libgrab)
 *   ./grab-frames [STREAM [COUNT]]        (socket: $GRAB_SOCKET or default)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grab/grab.h>

int main(int argc, char **argv)
{
	const char *stream = argc > 1 ? argv[1] : NULL;
	long count = argc > 2 ? atol(argv[2]) : 10;
	struct grab_frame *f;
	struct grab *g;
	int r;

	r = grab_connect(NULL, stream, 0, &g);
	if (r < 0) {
		fprintf(stderr, "grab_connect: %s\n", strerror(-r));
		return 1;
	}
	for (long i = 0; i < count; i++) {
		r = grab_next_frame(g, 2000, &f);
		if (r < 0) {
			fprintf(stderr, "grab_next_frame: %s\n", strerror(-r));
			break;
		}
		uint64_t seq = grab_frame_sequence(f);
		uint64_t ts = grab_frame_timestamp_ns(f);
		size_t bytes = grab_frame_bytes(f);
		/* Only now, after reading, is it known whether the frame held. */
		if (grab_frame_intact(f))
			printf("seq %" PRIu64 " ts %" PRIu64 ".%09" PRIu64
			       " bytes %zu\n",
			       seq, ts / 1000000000, ts % 1000000000, bytes);
		else
			printf("seq %" PRIu64 " overwritten while read\n", seq);
		grab_frame_release(f);
	}
	grab_close(g);
	return r < 0 ? 1 : 0;
}

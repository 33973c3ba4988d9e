// SPDX-License-Identifier: MIT
/*
 * A grabberd client for the benchmarks: lat-client SOCKET [STREAM]
 *
 * Takes every frame with grab_next_frame() and records how long after its
 * publication (the descriptor timestamp) the client held the frame pointer;
 * see bench-client.h for the signals and the RESULT line.  It does not read
 * the pixels: holding the pointer is the delivery being measured, and what
 * an application then does with the frame costs the same whatever brought
 * it.
 */
#include <errno.h>

#include <grab/grab.h>

#include "bench-client.h"

int main(int argc, char **argv)
{
	struct bench_rec rec;
	struct grab_frame *f;
	struct grab *g;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: lat-client SOCKET [STREAM]\n");
		return 2;
	}
	bench_init(&rec);
	ret = grab_connect(argv[1], argc > 2 ? argv[2] : NULL,
			   GRAB_CONNECT_NO_RECONNECT, &g);
	if (ret < 0) {
		fprintf(stderr, "lat-client: connect %s: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	while (!bench_stop) {
		ret = grab_next_frame(g, 500, &f);
		if (ret == -EINTR || ret == -ETIMEDOUT)
			continue;
		if (ret < 0) {
			fprintf(stderr, "lat-client: %s\n", strerror(-ret));
			return 1;
		}
		bench_frame(&rec, grab_frame_sequence(f),
			    grab_frame_timestamp_ns(f),
			    (int64_t)grab_frame_missed(f));
		grab_frame_release(f);
	}
	grab_close(g);
	bench_finish(&rec, "grab");
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * A real libgrab client for the integration tests: reads frames from a
 * stream, verifies every one byte for byte against the test pattern, checks
 * that every jump in sequence numbers is exactly what libgrab reported as
 * missed, and prints one RESULT line:
 *
 *   RESULT frames=N bad=N torn=N missed=N jumps=N inexact=N gens=N
 *          maxgap_ms=N first_after_reconnect_ms=N fps=N.N
 *
 * Exit status 0 if no frame was bad and every missed count was exact.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <grab/grab.h>
#include <linux/grab.h> /* also compiles next to the public header */

#include "grab-format.h"
#include "grab-pattern.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *stream = NULL;
	double seconds = 5;
	long max_frames = -1, hold_ms = 0;
	bool latest = false, show_info = false, show_stats = false,
	     quiet_jumps = false;
	int timeout_ms = 3000, c, ret;
	struct grab *g;
	uint64_t frames = 0, bad = 0, torn = 0, missed = 0, jumps = 0,
		 inexact = 0;
	uint64_t prev_seq = 0, prev_gen = 0, maxgap = 0, last_ms = 0, start;
	uint64_t first_after_reconnect = 0, first_ts = 0, last_ts = 0,
		 ts_frames = 0;
	bool have_prev = false;
	static uint8_t scratch[GRAB_MAX_WIDTH * 4];

	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "stream", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "frames", required_argument, NULL, 'f' },
		{ "latest", no_argument, NULL, 'l' },
		{ "hold-ms", required_argument, NULL, 'H' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "info", no_argument, NULL, 'i' },
		{ "stats", no_argument, NULL, 'S' },
		{ "quiet-jumps", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'n':
			stream = optarg;
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'f':
			max_frames = atol(optarg);
			break;
		case 'l':
			latest = true;
			break;
		case 'H':
			hold_ms = atol(optarg);
			break;
		case 'T':
			timeout_ms = atoi(optarg);
			break;
		case 'i':
			show_info = true;
			break;
		case 'S':
			show_stats = true;
			break;
		case 'q':
			quiet_jumps = true;
			break;
		default:
			return 2;
		}
	}
	ret = grab_connect(sock, stream, 0, &g);
	if (ret < 0) {
		printf("CONNECT-ERROR %d %s\n", -ret, strerror(-ret));
		return 3;
	}
	if (show_info) {
		struct grab_stream_info info;

		ret = grab_stream_info(g, &info);
		if (ret == 0)
			printf("INFO name=%s source=%s width=%u height=%u format=%s fps=%u/%u slots=%u\n",
			       info.name, info.source, info.format.width,
			       info.format.height,
			       grab_pixfmt_name(info.format.fourcc),
			       info.fps_num, info.fps_den, info.nslots);
		else
			printf("INFO-ERROR %d\n", -ret);
		fflush(stdout);
	}
	start = mono_ms();
	while ((max_frames < 0 || (long)frames < max_frames) &&
	       mono_ms() - start < seconds * 1000) {
		struct grab_image_format f;
		struct grab_format fmt;
		struct grab_frame *fr;
		uint64_t seq, now;
		int64_t off;

		ret = latest ? grab_latest_frame(g, timeout_ms, &fr) :
			       grab_next_frame(g, timeout_ms, &fr);
		if (ret == -ETIMEDOUT || ret == -ENOTCONN || ret == -ENODEV ||
		    ret == -EINTR) {
			printf("# wait: %s\n", strerror(-ret));
			continue;
		}
		if (ret < 0) {
			printf("NEXT-ERROR %d %s\n", -ret, strerror(-ret));
			break;
		}
		now = mono_ms();
		seq = grab_frame_sequence(fr);
		grab_frame_format(fr, &f);
		memset(&fmt, 0, sizeof(fmt));
		fmt.width = f.width;
		fmt.height = f.height;
		fmt.fourcc = f.fourcc;
		fmt.bytesperline = f.bytesperline;
		/* The public format has no planes: the table fills them in. */
		if (grab_format_complete(&fmt) || fmt.sizeimage != f.sizeimage)
			fmt.fourcc = 0;
		off = grab_pattern_verify(grab_frame_data(fr), &fmt, seq,
					  scratch);
		if (hold_ms)
			usleep(hold_ms * 1000);
		if (!grab_frame_intact(fr)) {
			torn++;
		} else if (off != -1 || grab_frame_bytes(fr) != f.sizeimage) {
			bad++;
			printf("BAD seq=%" PRIu64 " offset=%" PRId64 "\n", seq,
			       off);
		}
		if (grab_generation(g) != prev_gen) {
			if (prev_gen)
				first_after_reconnect = wall_ms();
			prev_gen = grab_generation(g);
			have_prev = false; /* a new ring: numbering restarts */
		}
		missed += grab_frame_missed(fr);
		if (have_prev) {
			uint64_t gap = seq - prev_seq - 1;

			if (seq <= prev_seq || gap != grab_frame_missed(fr)) {
				inexact++;
				printf("INEXACT prev=%" PRIu64 " seq=%" PRIu64
				       " reported=%" PRIu64 "\n",
				       prev_seq, seq, grab_frame_missed(fr));
			} else if (gap) {
				jumps++;
				if (!quiet_jumps)
					printf("JUMP from=%" PRIu64
					       " to=%" PRIu64 " missed=%" PRIu64
					       " age_ms=%" PRIu64 "\n",
					       prev_seq, seq, gap,
					       (mono_ns() -
						grab_frame_timestamp_ns(fr)) /
						       1000000);
			}
		}
		if (last_ms && now - last_ms > maxgap)
			maxgap = now - last_ms;
		last_ms = now;
		if (!ts_frames)
			first_ts = grab_frame_timestamp_ns(fr);
		last_ts = grab_frame_timestamp_ns(fr);
		ts_frames++;
		prev_seq = seq;
		have_prev = true;
		frames++;
		grab_frame_release(fr);
		fflush(stdout);
	}
	if (show_stats) {
		struct grab_stream_stats st;

		ret = grab_stream_stats(g, &st);
		if (ret == 0)
			printf("STATS state=%u clients=%u fps=%.1f frames=%" PRIu64
			       " dropped=%" PRIu64 " source=%s\n",
			       st.state, st.clients, st.fps, st.frames,
			       st.dropped, st.source);
		else
			printf("STATS-ERROR %d\n", -ret);
	}
	printf("RESULT frames=%" PRIu64 " bad=%" PRIu64 " torn=%" PRIu64
	       " missed=%" PRIu64 " jumps=%" PRIu64 " inexact=%" PRIu64
	       " gens=%" PRIu64 " maxgap_ms=%" PRIu64
	       " first_after_reconnect_ms=%" PRIu64 " fps=%.2f\n",
	       frames, bad, torn, missed, jumps, inexact, grab_generation(g),
	       maxgap, first_after_reconnect,
	       ts_frames > 1 && last_ts > first_ts ?
		       (double)(ts_frames - 1) * 1e9 /
			       (double)(last_ts - first_ts) :
		       0.0);
	grab_close(g);
	return bad || inexact ? 1 : 0;
}

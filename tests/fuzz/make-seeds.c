// SPDX-License-Identifier: MIT
/*
 * Writes the binary seed corpora (tests/fuzz/corpus/fuzz-{proto,client,ring})
 * from the real encoders: grab_msg_init() and grab_ring_producer_init().
 * Run by hand after a protocol or ring change (make fuzz-seeds); its output
 * is committed.  The text corpora (config, http) are written by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grab-proto.h"
#include "grab-ring.h"

static const char *outdir;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static struct grab_format small_format(uint32_t fourcc, uint32_t w, uint32_t h)
{
	struct grab_format fmt = { .width = w, .height = h, .fourcc = fourcc };

	if (grab_format_complete(&fmt))
		abort();
	return fmt;
}

static struct grab_msg stream_msg(uint32_t fourcc, uint32_t w, uint32_t h,
				  uint32_t nslots)
{
	struct grab_layout layout;
	struct grab_msg m;

	grab_msg_init(&m, GRAB_MSG_STREAM);
	grab_msg_set_text(m.u.stream.stream, sizeof(m.u.stream.stream),
			  "default");
	grab_msg_set_text(m.u.stream.source, sizeof(m.u.stream.source),
			  "test:");
	m.u.stream.format = small_format(fourcc, w, h);
	m.u.stream.nslots = nslots;
	m.u.stream.fps_num = 30;
	m.u.stream.fps_den = 1;
	if (grab_ring_layout(&m.u.stream.format, nslots, 4096, &layout))
		abort();
	m.u.stream.ring_size = layout.ring_size;
	return m;
}

static struct grab_msg frame_msg(uint64_t seq, uint32_t nslots, uint32_t bytes,
				 uint64_t missed)
{
	struct grab_msg m;

	grab_msg_init(&m, GRAB_MSG_FRAME);
	m.u.frame.sequence = seq;
	m.u.frame.timestamp_ns = 1000000 * seq;
	m.u.frame.missed = missed;
	m.u.frame.slot = (uint32_t)(seq % nslots);
	m.u.frame.bytesused = bytes;
	return m;
}

static struct grab_msg error_msg(enum grab_msg_type type, int err,
				 const char *why)
{
	struct grab_msg m;

	grab_msg_init(&m, type);
	m.u.error.error = err;
	grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason), why);
	return m;
}

static void proto_seeds(void)
{
	struct grab_msg m;

	grab_msg_init(&m, GRAB_MSG_HELLO);
	grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream),
			  "default");
	put("fuzz-proto", "hello", &m, sizeof(m));
	m.hdr.version = 99;
	put("fuzz-proto", "hello-version-99", &m, sizeof(m));
	put("fuzz-proto", "hello-short", &m, 100);
	grab_msg_init(&m, GRAB_MSG_STATS_REQ);
	grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream),
			  "cam-1.left_2");
	put("fuzz-proto", "stats-req", &m, sizeof(m));
	m = stream_msg(GRAB_FMT_YUYV, 640, 480, 8);
	put("fuzz-proto", "stream", &m, sizeof(m));
	/* Once accepted: a complete format but for bytesperline 0. */
	m.u.stream.format.bytesperline = 0;
	put("fuzz-proto", "regress-stream-bytesperline-0", &m, sizeof(m));
	m = frame_msg(12345, 8, 640 * 480 * 2, 3);
	put("fuzz-proto", "frame", &m, sizeof(m));
	m = error_msg(GRAB_MSG_ERROR, ENOENT, "no stream named \"x\"");
	put("fuzz-proto", "error", &m, sizeof(m));
	m = error_msg(GRAB_MSG_WAIT, ENODEV,
		      "source not available: /dev/video0");
	put("fuzz-proto", "wait", &m, sizeof(m));
	m = error_msg(GRAB_MSG_RESET, 0, "stream changed");
	put("fuzz-proto", "reset", &m, sizeof(m));
	grab_msg_init(&m, GRAB_MSG_STATS);
	m.u.stats.state = 1;
	m.u.stats.clients = 2;
	m.u.stats.fps_num = 30;
	m.u.stats.fps_den = 1;
	m.u.stats.fps_milli = 29970;
	m.u.stats.frames = 1000;
	m.u.stats.format = small_format(GRAB_FMT_RGB24, 320, 240);
	grab_msg_set_text(m.u.stats.source, sizeof(m.u.stats.source),
			  "v4l2:/dev/video0");
	put("fuzz-proto", "stats", &m, sizeof(m));
	put("fuzz-proto", "garbage", "GET / HTTP/1.1\r\n\r\n", 18);
}

/* A fuzz-client input: records of flags, length code, message. */
struct script {
	uint8_t buf[8192];
	size_t len;
};

static void rec(struct script *s, uint8_t flags, const struct grab_msg *m,
		size_t len)
{
	uint8_t code = len == GRAB_MSG_SIZE ? 0 : (uint8_t)(0xf0 + len / 20);

	s->buf[s->len++] = flags;
	s->buf[s->len++] = code;
	memcpy(s->buf + s->len, m, len);
	s->len += len;
}

static void client_seeds(void)
{
	struct grab_msg st = stream_msg(GRAB_FMT_GREY, 16, 16, 4), m;
	struct script s;
	uint64_t i;

	/* STREAM with a ring holding 6 frames (2..5 still there), events. */
	s.len = 0;
	rec(&s, 1 | 6 << 4, &st, sizeof(st));
	for (i = 2; i < 6; i++) {
		m = frame_msg(i, 4, 256, i == 2 ? 2 : 0);
		rec(&s, 0, &m, sizeof(m));
	}
	put("fuzz-client", "stream-frames", s.buf, s.len);

	/* WAIT, then STREAM, then events, RESET and a second STREAM. */
	s.len = 0;
	m = error_msg(GRAB_MSG_WAIT, ENODEV, "source not available");
	rec(&s, 0, &m, sizeof(m));
	rec(&s, 1 | 3 << 4, &st, sizeof(st));
	m = frame_msg(2, 4, 256, 0);
	rec(&s, 0, &m, sizeof(m));
	m = error_msg(GRAB_MSG_RESET, 0, "stream changed");
	rec(&s, 0, &m, sizeof(m));
	m = stream_msg(GRAB_FMT_YUYV, 32, 16, 2);
	rec(&s, 1 | 2 << 4, &m, sizeof(m));
	m = frame_msg(1, 2, 1024, 0);
	rec(&s, 0, &m, sizeof(m));
	put("fuzz-client", "wait-stream-reset", s.buf, s.len);

	/* STATS, last (grab_stream_stats gets it): length & 2. */
	s.len = 0;
	rec(&s, 1 | 2 << 4, &st, sizeof(st));
	m = frame_msg(1, 4, 256, 0);
	rec(&s, 0, &m, sizeof(m));
	grab_msg_init(&m, GRAB_MSG_STATS);
	m.u.stats.state = 1;
	m.u.stats.fps_num = 30;
	m.u.stats.fps_den = 1;
	m.u.stats.format = st.u.stream.format;
	grab_msg_set_text(m.u.stats.source, sizeof(m.u.stats.source), "test:");
	rec(&s, 0, &m, sizeof(m));
	if (!(s.len & 2))
		abort();
	put("fuzz-client", "stream-stats", s.buf, s.len);

	/* Refusals. */
	s.len = 0;
	m = error_msg(GRAB_MSG_ERROR, ENOENT, "no stream named \"default\"");
	rec(&s, 0, &m, sizeof(m));
	put("fuzz-client", "error-enoent", s.buf, s.len);
	s.len = 0;
	m = error_msg(GRAB_MSG_ERROR, EACCES, "permission denied");
	rec(&s, 8, &m, sizeof(m));
	put("fuzz-client", "error-eacces-fd", s.buf, s.len);

	/* Hostile rings: no fd, unsealed, too small, two fds. */
	s.len = 0;
	rec(&s, 0, &st, sizeof(st));
	put("fuzz-client", "stream-no-fd", s.buf, s.len);
	s.len = 0;
	rec(&s, 1 | 2 | 4 << 4, &st, sizeof(st));
	put("fuzz-client", "stream-unsealed", s.buf, s.len);
	s.len = 0;
	rec(&s, 1 | 4 | 4 << 4, &st, sizeof(st));
	put("fuzz-client", "stream-half-size", s.buf, s.len);
	s.len = 0;
	rec(&s, 1 | 8 | 2 << 4, &st, sizeof(st));
	m = frame_msg(1, 4, 256, 0);
	rec(&s, 0, &m, sizeof(m));
	put("fuzz-client", "stream-two-fds", s.buf, s.len);

	/* A frame event naming a frame the ring does not have; a short and an
	 * oversized message. */
	s.len = 0;
	rec(&s, 1 | 1 << 4, &st, sizeof(st));
	m = frame_msg(1000000, 4, 256, 0);
	rec(&s, 0, &m, sizeof(m));
	rec(&s, 0, &m, 40);
	put("fuzz-client", "frame-bad-seq-short", s.buf, s.len);
	s.len = 0;
	rec(&s, 1 | 1 << 4, &st, sizeof(st));
	rec(&s, 0, &m, 300);
	put("fuzz-client", "oversized", s.buf, s.len);
}

static void ring_seed(const char *name, uint32_t fourcc, uint32_t w, uint32_t h,
		      uint32_t nslots, unsigned int frames)
{
	struct grab_format fmt = small_format(fourcc, w, h);
	struct grab_ring_producer p;
	struct grab_layout layout;
	unsigned int i;
	uint8_t *mem;

	if (grab_ring_layout(&fmt, nslots, 4096, &layout))
		abort();
	mem = calloc(1, layout.ring_size);
	if (!mem || grab_ring_producer_init(&p, mem, layout.ring_size, &fmt,
					    nslots, 30, 1))
		abort();
	for (i = 0; i < frames; i++) {
		uint32_t bytes = fmt.nplanes ? fmt.sizeimage :
					       fmt.sizeimage / 2 - i;

		memset(grab_ring_begin(&p), (int)i + 1, bytes);
		grab_ring_commit(&p, bytes, 1000 * i, 0);
	}
	put("fuzz-ring", name, mem, layout.ring_size);
	/* The same with only the header page and descriptors: too small;
	 * and with bytesperline 0 (once accepted). */
	if (frames == 0) {
		put("fuzz-ring", "header-only", mem, layout.data_offset);
		p.hdr->format.bytesperline = 0;
		put("fuzz-ring", "regress-bytesperline-0", mem,
		    layout.ring_size);
	}
	free(mem);
}

int main(int argc, char **argv)
{
	if (argc != 2 || grab_page_size() != 4096) {
		fprintf(stderr,
			"usage: make-seeds CORPUS-DIR (on a 4 KiB page machine)\n");
		return 2;
	}
	outdir = argv[1];
	proto_seeds();
	client_seeds();
	ring_seed("grey-16x16-2slots-empty", GRAB_FMT_GREY, 16, 16, 2, 0);
	ring_seed("grey-16x16-2slots-3frames", GRAB_FMT_GREY, 16, 16, 2, 3);
	ring_seed("yuyv-32x16-4slots-5frames", GRAB_FMT_YUYV, 32, 16, 4, 5);
	ring_seed("rgb3-16x16-3slots-1frame", GRAB_FMT_RGB24, 16, 16, 3, 1);
	/* Planar (the plane layout in the header) and compressed (no planes,
	 * frames shorter than a slot). */
	ring_seed("nv12-32x16-3slots-2frames", GRAB_FMT_NV12, 32, 16, 3, 2);
	ring_seed("yu12-32x16-2slots-1frame", GRAB_FMT_YU12, 32, 16, 2, 1);
	ring_seed("mjpg-32x16-2slots-2frames", GRAB_FMT_MJPEG, 32, 16, 2, 2);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The V4L2 source's logic that needs no camera: format = auto's choice
 * against tables of modes (daemon/v4l2-mode.c); copying a camera's buffer
 * into the ring's plane layout, with the camera's own line pitch, and
 * refusing short or bad buffers; sequence gaps across the 32-bit wrap
 * (daemon/v4l2-frame.c).  The system tier runs the same code on vivid.
 */
#include <stdlib.h>
#include <string.h>

#include "grab-format.h"
#include "v4l2-frame.h"
#include "v4l2-mode.h"
#include "../lib/tap.h"

#define MODE(f, w, h, fps)                 \
	{                                  \
		GRAB_FMT_##f, w, h, fps, 1 \
	}

/* A typical USB camera: YUYV slow at HD, MJPEG fast everywhere. */
static const struct v4l2_mode uvc[] = {
	MODE(YUYV, 640, 480, 30),   MODE(YUYV, 1280, 720, 10),
	MODE(YUYV, 1920, 1080, 5),  MODE(MJPEG, 640, 480, 30),
	MODE(MJPEG, 1280, 720, 30), MODE(MJPEG, 1920, 1080, 30),
};

/* An HDMI capture card: NV12 and UYVY, no MJPEG; then a Bayer sensor. */
static const struct v4l2_mode hdmi[] = {
	MODE(NV12, 1920, 1080, 60),
	MODE(UYVY, 1920, 1080, 60),
	MODE(SRGGB8, 1920, 1080, 60),
};

struct want {
	const char *name;
	const struct v4l2_mode *modes;
	size_t n;
	uint32_t w, h, fps;
	uint32_t fourcc, gw, gh;
	const char *why;
};

static void choose_cases(void)
{
	static const struct want cases[] = {
		{ "VGA at 30: YUYV reaches it, raw first", uvc, 6, 640, 480, 30,
		  GRAB_FMT_YUYV, 640, 480, "a raw format that reaches" },
		{ "720p at 30: YUYV gives 10, so MJPEG", uvc, 6, 1280, 720, 30,
		  GRAB_FMT_MJPEG, 1280, 720, "no raw format reaches" },
		{ "720p at 10: YUYV reaches it", uvc, 6, 1280, 720, 10,
		  GRAB_FMT_YUYV, 1280, 720, "a raw format that reaches" },
		{ "1080p at 60: none reaches it, the fastest (MJPEG 30)", uvc,
		  6, 1920, 1080, 60, GRAB_FMT_MJPEG, 1920, 1080,
		  "no mode reaches the rate" },
		{ "800x600 (not offered): the nearest size, 640x480", uvc, 6,
		  800, 600, 30, GRAB_FMT_YUYV, 640, 480, "the nearest size" },
		{ "1000x700: nearer 1280x720 than 640x480", uvc, 6, 1000, 700,
		  30, GRAB_FMT_MJPEG, 1280, 720, "the nearest size" },
		{ "HDMI 1080p60: the table's order, UYVY before NV12", hdmi, 3,
		  1920, 1080, 60, GRAB_FMT_UYVY, 1920, 1080, "raw" },
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *c = &cases[i];
		int k = v4l2_mode_choose(c->modes, c->n, c->w, c->h, c->fps, 1,
					 why, sizeof(why));

		ok(k >= 0 && c->modes[k].fourcc == c->fourcc &&
			   c->modes[k].width == c->gw &&
			   c->modes[k].height == c->gh && strstr(why, c->why),
		   "auto: %s (got %s)", c->name, k >= 0 ? why : "none");
	}
	ok(v4l2_mode_choose(uvc, 0, 640, 480, 30, 1, why, sizeof(why)) == -1,
	   "auto: no modes, no choice");
	{
		/* A camera that does not say its rates reaches any. */
		struct v4l2_mode quiet[] = { { GRAB_FMT_MJPEG, 640, 480, 0, 0 },
					     { GRAB_FMT_GREY, 640, 480, 0,
					       0 } };
		int k = v4l2_mode_choose(quiet, 2, 640, 480, 1000, 1, why,
					 sizeof(why));

		ok(k == 1, "auto: rates unknown: taken to reach it, raw first");
	}
}

/* A camera frame of @fmt with pitch @bpl: each byte says its plane, line
 * and column; padding is 0xEE. */
static size_t fill_camera(const struct grab_format *fmt, uint32_t bpl,
			  uint8_t *buf)
{
	const struct grab_format_info *fi = grab_format_info(fmt->fourcc);
	struct grab_format cam = *fmt;
	struct grab_plane_layout p = { 0 };
	__u64 size = 0;
	uint32_t i, y, x;

	cam.bytesperline = bpl;
	grab_format_planes(&cam, &p, &size);
	memset(buf, 0xee, size);
	for (i = 0; i < p.nplanes; i++)
		for (y = 0; y < p.lines[i]; y++)
			for (x = 0; x < fmt->width * fi->plane_bits[i] / 8; x++)
				buf[p.offset[i] + (size_t)y * p.stride[i] + x] =
					(uint8_t)(i * 101 + y * 7 + x);
	return size;
}

static void copy_case(uint32_t fourcc, uint32_t pad)
{
	struct grab_format fmt = { .width = 64,
				   .height = 32,
				   .fourcc = fourcc };
	const struct grab_format_info *fi = grab_format_info(fourcc);
	struct grab_plane_layout rp = { 0 };
	const char *why = "";
	uint8_t *cam, *ring;
	uint32_t bpl, bytes, i, y, x, bad = 0;
	__u64 size = 0;
	size_t camsize;

	grab_format_complete(&fmt);
	bpl = fmt.bytesperline + pad;
	cam = malloc(4 * fmt.sizeimage + 4096);
	ring = malloc(fmt.sizeimage);
	camsize = fill_camera(&fmt, bpl, cam);
	bytes = v4l2_frame_check(&fmt, bpl, cam, camsize, &why);
	v4l2_frame_copy(&fmt, bpl, cam, bytes, ring);
	grab_format_planes(&fmt, &rp, &size);
	for (i = 0; i < rp.nplanes; i++)
		for (y = 0; y < rp.lines[i]; y++)
			for (x = 0; x < fmt.width * fi->plane_bits[i] / 8; x++)
				bad += ring[rp.offset[i] +
					    (size_t)y * rp.stride[i] + x] !=
				       (uint8_t)(i * 101 + y * 7 + x);
	ok(bytes == fmt.sizeimage && !bad,
	   "copy %s, camera pitch %u (ring's %u): every plane's lines in the ring's layout (%u bad bytes)",
	   fi->name, bpl, fmt.bytesperline, bad);
	/* The padding after the last line may be left out; a byte less of
	 * pixels may not. */
	ok(v4l2_frame_check(&fmt, bpl, cam, v4l2_frame_min_bytes(&fmt, bpl),
			    &why) == fmt.sizeimage &&
		   !v4l2_frame_check(&fmt, bpl, cam,
				     v4l2_frame_min_bytes(&fmt, bpl) - 1,
				     &why) &&
		   !strcmp(why, "short buffer"),
	   "copy %s, pitch %u: a buffer one byte short is refused", fi->name,
	   bpl);
	free(cam);
	free(ring);
}

static void mjpeg_cases(void)
{
	struct grab_format fmt = { .width = 64,
				   .height = 32,
				   .fourcc = GRAB_FMT_MJPEG,
				   .sizeimage = 1000 };
	uint8_t jpeg[1200] = { 0xff, 0xd8, 1, 2, 3 }, out[1200];
	const char *why = "";
	uint32_t n;

	grab_format_complete(&fmt);
	n = v4l2_frame_check(&fmt, 0, jpeg, 321, &why);
	memset(out, 0, sizeof(out));
	v4l2_frame_copy(&fmt, 0, jpeg, n, out);
	ok(n == 321 && !memcmp(out, jpeg, 321) && !out[321],
	   "MJPEG: bytesused bytes, as they are");
	ok(!v4l2_frame_check(&fmt, 0, jpeg, 0, &why) &&
		   !strcmp(why, "empty buffer"),
	   "MJPEG: an empty buffer is no frame");
	ok(!v4l2_frame_check(&fmt, 0, jpeg, 1001, &why) &&
		   !strcmp(why, "frame larger than a slot"),
	   "MJPEG: larger than a slot is refused");
	jpeg[1] = 0;
	ok(!v4l2_frame_check(&fmt, 0, jpeg, 300, &why) &&
		   strstr(why, "not a JPEG"),
	   "MJPEG: no SOI marker, no frame");
}

static void seq_cases(void)
{
	struct v4l2_seq s = { 0 };
	uint32_t got[6];

	got[0] = v4l2_seq_next(&s, 10);
	got[1] = v4l2_seq_next(&s, 11);
	got[2] = v4l2_seq_next(&s, 14);
	got[3] = v4l2_seq_next(&s, 15);
	ok(!got[0] && !got[1] && got[2] == 2 && !got[3] && s.gaps == 2 &&
		   s.first == 10 && s.last == 15 && s.count == 4 &&
		   s.count + s.gaps == s.last - s.first + 1,
	   "sequence 10 11 14 15: 2 dropped, frames + gaps = the span");
	s = (struct v4l2_seq){ 0 };
	v4l2_seq_next(&s, 0xfffffffeu);
	got[0] = v4l2_seq_next(&s, 1);
	ok(got[0] == 2 && s.gaps == 2,
	   "sequence across the 32-bit wrap: ...fffe, 1 is 2 dropped");
	s = (struct v4l2_seq){ 0 };
	got[0] = v4l2_seq_next(&s, 0);
	got[1] = v4l2_seq_next(&s, 0);
	got[2] = v4l2_seq_next(&s, 0);
	ok(!got[0] && !got[1] && !got[2] && !s.gaps,
	   "a driver that leaves sequence 0: no gaps made up");
	got[0] = v4l2_seq_next(&s, 100);
	got[1] = v4l2_seq_next(&s, 3);
	ok(got[0] == 99 && !got[1], "a sequence that goes back: no gap");
	{
		struct timeval tv = { 1234, 567890 };

		ok(v4l2_timeval_ns(&tv) == 1234567890000ull,
		   "timestamp: timeval to ns");
	}
}

int main(void)
{
	unsigned int i, n;
	const struct grab_format_info *t = grab_format_table(&n);

	choose_cases();
	for (i = 0; i < n; i++) {
		if (!t[i].nplanes)
			continue;
		copy_case(t[i].fourcc, 0);
		copy_case(t[i].fourcc, 64);
	}
	mjpeg_cases();
	seq_cases();
	return done_testing();
}

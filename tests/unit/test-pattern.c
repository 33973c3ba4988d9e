// SPDX-License-Identifier: MIT
/* The test pattern: every format, odd sizes, padding, single-byte flips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grab-format.h"
#include "grab-pattern.h"
#include "../lib/tap.h"

struct size_case {
	uint32_t fourcc, width, height, pad;
};

static const struct size_case cases[] = {
	{ GRAB_FMT_YUYV, 16, 16, 0 },	 { GRAB_FMT_YUYV, 18, 17, 6 },
	{ GRAB_FMT_YUYV, 640, 480, 0 },	 { GRAB_FMT_YUYV, 1920, 1080, 0 },
	{ GRAB_FMT_GREY, 16, 16, 0 },	 { GRAB_FMT_GREY, 17, 19, 3 },
	{ GRAB_FMT_GREY, 641, 479, 0 },	 { GRAB_FMT_GREY, 1280, 720, 64 },
	{ GRAB_FMT_RGB24, 16, 16, 0 },	 { GRAB_FMT_RGB24, 33, 21, 1 },
	{ GRAB_FMT_RGB24, 320, 240, 0 }, { GRAB_FMT_RGB24, 1920, 1080, 0 },
	{ GRAB_FMT_BGR24, 33, 21, 1 },	 { GRAB_FMT_BGR24, 640, 480, 0 },
	{ GRAB_FMT_UYVY, 18, 17, 6 },	 { GRAB_FMT_UYVY, 640, 480, 0 },
	{ GRAB_FMT_NV12, 18, 18, 6 },	 { GRAB_FMT_NV12, 640, 480, 0 },
	{ GRAB_FMT_YU12, 18, 18, 6 },	 { GRAB_FMT_YU12, 1280, 720, 0 },
	{ GRAB_FMT_Y16, 17, 19, 2 },	 { GRAB_FMT_Y16, 640, 480, 0 },
	{ GRAB_FMT_SRGGB8, 18, 18, 3 },	 { GRAB_FMT_SRGGB8, 640, 480, 0 },
	{ GRAB_FMT_SBGGR8, 20, 16, 0 },	 { GRAB_FMT_SBGGR8, 320, 240, 0 },
	{ GRAB_FMT_SGRBG8, 18, 18, 3 },	 { GRAB_FMT_SGRBG8, 320, 240, 0 },
	{ GRAB_FMT_SGBRG8, 18, 18, 3 },	 { GRAB_FMT_SGBRG8, 320, 240, 0 },
};

static void check_case(const struct size_case *c)
{
	struct grab_format fmt = { .width = c->width,
				   .height = c->height,
				   .fourcc = c->fourcc };
	const char *name = grab_format_name(c->fourcc);
	uint8_t *frame, *other, *scratch;
	uint64_t seq = 1234567;
	int flips_caught = 0, i;
	int64_t diff;

	fmt.bytesperline =
		c->pad ? c->width * grab_format_bpp(c->fourcc) + c->pad : 0;
	if (!ok(grab_format_complete(&fmt) == 0, "%s %ux%u+%u: format accepted",
		name, c->width, c->height, c->pad))
		return;
	frame = malloc(fmt.sizeimage);
	other = malloc(fmt.sizeimage);
	scratch = malloc(fmt.bytesperline);

	ok(grab_pattern_fill(frame, &fmt, seq) == 0 &&
		   grab_pattern_verify(frame, &fmt, seq, scratch) == -1,
	   "%s %ux%u: fill then verify matches", name, c->width, c->height);
	{
		uint32_t low = 0;
		int bits = grab_pattern_sequence(frame, &fmt, &low);
		uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;

		ok(bits > 0 && low == ((uint32_t)seq & mask),
		   "%s %ux%u: sequence read back from the barcode (%d bits)",
		   name, c->width, c->height, bits);
	}
	ok(grab_pattern_verify(frame, &fmt, seq + 1, scratch) >= 0,
	   "%s %ux%u: the next sequence does not verify", name, c->width,
	   c->height);

	/* Every byte flip is caught at its own offset. */
	srand(c->width * 31 + c->height);
	for (i = 0; i < 200; i++) {
		size_t at = (size_t)rand() % fmt.sizeimage;

		frame[at] ^= 0x01;
		if (grab_pattern_verify(frame, &fmt, seq, scratch) ==
		    (int64_t)at)
			flips_caught++;
		frame[at] ^= 0x01;
	}
	ok(flips_caught == 200,
	   "%s %ux%u: %d/200 single-bit flips caught at their offset", name,
	   c->width, c->height, flips_caught);

	/* A frame torn between two sequences: bottom half from the next
	 * frame but one.  The per-line barcode must catch it. */
	grab_pattern_fill(other, &fmt, seq + 3);
	memcpy(frame + (size_t)(fmt.height / 2) * fmt.bytesperline,
	       other + (size_t)(fmt.height / 2) * fmt.bytesperline,
	       (size_t)(fmt.height - fmt.height / 2) * fmt.bytesperline);
	diff = grab_pattern_verify(frame, &fmt, seq, scratch);
	ok(diff >= 0 && (uint64_t)diff / fmt.bytesperline == fmt.height / 2,
	   "%s %ux%u: a torn frame fails in its first foreign line", name,
	   c->width, c->height);

	free(frame);
	free(other);
	free(scratch);
}

static void check_bad_formats(void)
{
	struct grab_format f;

	f = (struct grab_format){ .width = 640,
				  .height = 480,
				  .fourcc = 0x1234 };
	ok(grab_format_complete(&f) == -EINVAL, "unknown fourcc refused");
	f = (struct grab_format){ .width = 15,
				  .height = 480,
				  .fourcc = GRAB_FMT_GREY };
	ok(grab_format_complete(&f) == -EINVAL, "width below minimum refused");
	f = (struct grab_format){ .width = 640,
				  .height = 9000,
				  .fourcc = GRAB_FMT_GREY };
	ok(grab_format_complete(&f) == -EINVAL, "height above maximum refused");
	f = (struct grab_format){ .width = 17,
				  .height = 16,
				  .fourcc = GRAB_FMT_YUYV };
	ok(grab_format_complete(&f) == -EINVAL, "odd YUYV width refused");
	f = (struct grab_format){ .width = 64,
				  .height = 16,
				  .fourcc = GRAB_FMT_RGB24,
				  .bytesperline = 100 };
	ok(grab_format_complete(&f) == -EINVAL,
	   "bytesperline below a line refused");
	f = (struct grab_format){ .width = 64,
				  .height = 16,
				  .fourcc = GRAB_FMT_GREY,
				  .bytesperline = 64,
				  .sizeimage = 1 };
	ok(grab_format_valid(&f) == -EINVAL, "inconsistent sizeimage refused");
	/* Complete but for bytesperline: a ring or STREAM message saying 0
	 * would hand applications a row pitch of 0. */
	f = (struct grab_format){ .width = 64,
				  .height = 16,
				  .fourcc = GRAB_FMT_GREY,
				  .bytesperline = 0,
				  .sizeimage = 64 * 16 };
	ok(grab_format_valid(&f) == -EINVAL,
	   "untrusted format with bytesperline 0 refused");
	f.bytesperline = 64;
	f.nplanes = 1;
	f.planes[0].stride = 64;
	ok(grab_format_valid(&f) == 0,
	   "the same with bytesperline 64 accepted");
	f = (struct grab_format){ .width = 64,
				  .height = 16,
				  .fourcc = GRAB_FMT_MJPEG };
	ok(grab_format_complete(&f) == 0 &&
		   grab_pattern_fill(NULL, &f, 0) == -EINVAL,
	   "the pattern is not drawn in a compressed format");
}

/* Where the bytes go, checked by hand for one pixel of each layout: the
 * first bar (white) at x = 0 of a line below the counter box. */
static void check_layouts(void)
{
	static const struct {
		uint32_t fourcc;
		uint8_t at0, at1;
	} white[] = {
		{ GRAB_FMT_YUYV, 235, 128 },
		{ GRAB_FMT_UYVY, 128, 235 },
		{ GRAB_FMT_Y16, 0, 235 },
		{ GRAB_FMT_SRGGB8, 255, 255 },
	};
	struct grab_format f = { .width = 64,
				 .height = 64,
				 .fourcc = GRAB_FMT_NV12 };
	uint8_t *frame = malloc(64 * 64 * 3);
	uint32_t row = 62, i;
	int good = 1;

	/* Sequence 0: bars unshifted, white at x = 0..7, yellow at 8..15. */
	grab_format_complete(&f);
	grab_pattern_fill(frame, &f, 0);
	ok(frame[row * 64] == 235 &&
		   frame[f.planes[1].offset + row / 2 * 64] == 128 &&
		   frame[f.planes[1].offset + row / 2 * 64 + 1] == 128 &&
		   frame[f.planes[1].offset + row / 2 * 64 + 8] == 16 &&
		   frame[f.planes[1].offset + row / 2 * 64 + 9] == 146,
	   "NV12: Y plane, then Cb Cr pairs (white, then yellow at x 8)");
	f = (struct grab_format){ .width = 64,
				  .height = 64,
				  .fourcc = GRAB_FMT_YU12 };
	grab_format_complete(&f);
	grab_pattern_fill(frame, &f, 0);
	ok(frame[f.planes[1].offset + row / 2 * 32 + 4] == 16 &&
		   frame[f.planes[2].offset + row / 2 * 32 + 4] == 146,
	   "YU12: Cb plane then Cr plane (yellow's 16 and 146 at x 8)");
	for (i = 0; i < sizeof(white) / sizeof(white[0]); i++) {
		f = (struct grab_format){ .width = 64,
					  .height = 64,
					  .fourcc = white[i].fourcc };
		grab_format_complete(&f);
		grab_pattern_fill(frame, &f, 0);
		good &= frame[row * f.bytesperline] == white[i].at0 &&
			frame[row * f.bytesperline + 1] == white[i].at1;
	}
	ok(good,
	   "YUYV, UYVY, Y16 (low byte x, high byte luma), Bayer: byte order");
	f = (struct grab_format){ .width = 64,
				  .height = 64,
				  .fourcc = GRAB_FMT_SRGGB8 };
	grab_format_complete(&f);
	grab_pattern_fill(frame, &f, 0);
	/* Yellow (255, 255, 0) at x 8, 9: R G on even rows, G B on odd. */
	ok(frame[61 * 64 + 8] == 255 && frame[61 * 64 + 9] == 0 &&
		   frame[60 * 64 + 8] == 255 && frame[60 * 64 + 9] == 255,
	   "RGGB: R G on even rows, G B on odd rows");
	f.fourcc = GRAB_FMT_SBGGR8;
	grab_pattern_fill(frame, &f, 0);
	ok(frame[60 * 64 + 8] == 0 && frame[61 * 64 + 9] == 255,
	   "BA81: B at the top left, R at the bottom right");
	free(frame);
}

static void check_sequences_differ(void)
{
	struct grab_format fmt = { .width = 320,
				   .height = 240,
				   .fourcc = GRAB_FMT_YUYV };
	uint8_t *a, *scratch;
	uint64_t s;
	int distinct = 1;

	grab_format_complete(&fmt);
	a = malloc(fmt.sizeimage);
	scratch = malloc(fmt.bytesperline);
	/* Nearby sequences, and ones that share the bar position. */
	for (s = 1; s < 2000; s += 7) {
		grab_pattern_fill(a, &fmt, s);
		if (grab_pattern_verify(a, &fmt, s - 1, scratch) < 0 ||
		    grab_pattern_verify(a, &fmt, s + 80, scratch) < 0)
			distinct = 0;
	}
	ok(distinct,
	   "frames of different sequences never verify as each other");
	free(a);
	free(scratch);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_bad_formats();
	check_layouts();
	check_sequences_differ();
	return done_testing();
}

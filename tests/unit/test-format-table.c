// SPDX-License-Identifier: MIT
/*
 * THE format table (kernel/grab-format.h): names and aliases parse back to
 * their fourcc in any case and belong to one format only; libgrab's public
 * codes are the table's; plane layouts and sizes are what V4L2 gives for the
 * same geometry.
 */
#include <string.h>

#include "grab/grab.h"
#include "grab-format.h"
#include "../lib/tap.h"

static void lower(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? src[i] + 32 : src[i];
	dst[i] = 0;
}

static void test_names(void)
{
	unsigned int i, j, k, l, n;
	const struct grab_format_info *t = grab_format_table(&n);
	char low[32];
	int unique = 1, parse = 1;

	for (i = 0; i < n; i++) {
		lower(low, t[i].name, sizeof(low));
		parse &= grab_format_from_name(t[i].name) == t[i].fourcc &&
			 grab_format_from_name(low) == t[i].fourcc &&
			 !strcmp(grab_format_name(t[i].fourcc), t[i].name);
		for (j = 0; j < GRAB_FORMAT_ALIASES && t[i].aliases[j]; j++) {
			lower(low, t[i].aliases[j], sizeof(low));
			parse &= grab_format_from_name(low) == t[i].fourcc;
			/* No alias may name another format. */
			for (k = 0; k < n; k++) {
				if (k == i)
					continue;
				unique &= !grab_name_equal(t[i].aliases[j], t[k].name);
				for (l = 0; l < GRAB_FORMAT_ALIASES && t[k].aliases[l]; l++)
					unique &= !grab_name_equal(t[i].aliases[j],
								   t[k].aliases[l]);
			}
		}
	}
	ok(n == 13, "the table has the 13 formats (has %u)", n);
	ok(parse, "every name and alias parses back, in any case");
	ok(unique, "no alias names two formats");
	ok(grab_format_from_name("RGB24") == GRAB_FMT_RGB24 &&
	   grab_format_from_name("i420") == GRAB_FMT_YU12 &&
	   grab_format_from_name("yuy2") == GRAB_FMT_YUYV &&
	   grab_format_from_name("mjpeg") == GRAB_FMT_MJPEG,
	   "common spellings: RGB24, i420, yuy2, mjpeg");
	ok(!grab_format_from_name("") && !grab_format_from_name("YUYVX") &&
	   !grab_format_from_name("YUY") && !grab_format_from_name(NULL),
	   "unknown names, prefixes and extensions are refused");
	ok(!strcmp(grab_format_name(0x12345678), "?"), "an unknown fourcc prints ?");
}

static void test_public_codes(void)
{
	static const struct { uint32_t pub, abi; } codes[] = {
		{ GRAB_PIXFMT_YUYV, GRAB_FMT_YUYV }, { GRAB_PIXFMT_UYVY, GRAB_FMT_UYVY },
		{ GRAB_PIXFMT_NV12, GRAB_FMT_NV12 }, { GRAB_PIXFMT_YU12, GRAB_FMT_YU12 },
		{ GRAB_PIXFMT_RGB24, GRAB_FMT_RGB24 }, { GRAB_PIXFMT_BGR24, GRAB_FMT_BGR24 },
		{ GRAB_PIXFMT_GREY, GRAB_FMT_GREY }, { GRAB_PIXFMT_Y16, GRAB_FMT_Y16 },
		{ GRAB_PIXFMT_SRGGB8, GRAB_FMT_SRGGB8 }, { GRAB_PIXFMT_SBGGR8, GRAB_FMT_SBGGR8 },
		{ GRAB_PIXFMT_SGRBG8, GRAB_FMT_SGRBG8 }, { GRAB_PIXFMT_SGBRG8, GRAB_FMT_SGBRG8 },
		{ GRAB_PIXFMT_MJPEG, GRAB_FMT_MJPEG },
	};
	size_t i;
	int same = 1;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		same &= codes[i].pub == codes[i].abi && grab_format_info(codes[i].abi);
	ok(same, "libgrab's GRAB_PIXFMT_* are the table's fourccs");
}

static int complete(uint32_t fourcc, uint32_t w, uint32_t h, uint32_t bpl,
		    struct grab_format *ret)
{
	*ret = (struct grab_format){ .width = w, .height = h, .fourcc = fourcc,
				     .bytesperline = bpl };
	return grab_format_complete(ret);
}

static void test_layouts(void)
{
	struct grab_format f;
	struct grab_plane_layout p;
	__u64 size;

	ok(!complete(GRAB_FMT_NV12, 640, 480, 0, &f) && f.bytesperline == 640 &&
	   f.sizeimage == 640 * 480 * 3 / 2 && !grab_format_planes(&f, &p, &size) &&
	   p.nplanes == 2 && p.offset[1] == 640 * 480 && p.stride[1] == 640 &&
	   p.lines[1] == 240, "NV12 640x480: Y then CbCr at 307200, 460800 bytes");
	ok(!complete(GRAB_FMT_YU12, 640, 480, 704, &f) &&
	   f.sizeimage == 704 * 480 + 2 * 352 * 240 &&
	   !grab_format_planes(&f, &p, &size) && p.nplanes == 3 &&
	   p.stride[1] == 352 && p.offset[1] == 704 * 480 &&
	   p.offset[2] == 704 * 480 + 352 * 240,
	   "YU12 with padded lines: chroma strides are half the luma stride");
	ok(complete(GRAB_FMT_YU12, 640, 480, 641, &f) == -EINVAL,
	   "YU12 with an odd stride (half-byte chroma lines) is refused");
	ok(!complete(GRAB_FMT_Y16, 320, 240, 0, &f) && f.bytesperline == 640 &&
	   f.sizeimage == 640 * 240, "Y16: 2 bytes per pixel");
	ok(complete(GRAB_FMT_SRGGB8, 320, 241, 0, &f) == -EINVAL &&
	   complete(GRAB_FMT_UYVY, 321, 240, 0, &f) == -EINVAL &&
	   complete(GRAB_FMT_NV12, 320, 241, 0, &f) == -EINVAL,
	   "odd sizes where the format pairs pixels or lines are refused");
	ok(!complete(GRAB_FMT_MJPEG, 1280, 720, 0, &f) && f.sizeimage &&
	   !grab_format_planes(&f, &p, &size) && p.nplanes == 0,
	   "MJPEG: no planes, a maximum size per slot");
	f = (struct grab_format){ .width = 1280, .height = 720,
				  .fourcc = GRAB_FMT_MJPEG, .sizeimage = 100000 };
	ok(!grab_format_complete(&f) && f.sizeimage == 100000 &&
	   !grab_format_valid(&f), "MJPEG keeps the producer's maximum");
	f.bytesperline = 2560;
	ok(grab_format_valid(&f) == -EINVAL, "MJPEG with a bytesperline is refused");
}

static void test_libgrab_layout(void)
{
	struct grab_image_format f = { 64, 32, GRAB_PIXFMT_NV12, 64, 64 * 48 };
	struct grab_image_layout l;

	ok(!grab_image_layout(&f, &l) && l.nplanes == 2 &&
	   l.plane[0].stride == 64 && l.plane[0].lines == 32 &&
	   l.plane[1].offset == 64 * 32 && l.plane[1].lines == 16,
	   "grab_image_layout: NV12's planes");
	f.sizeimage = 64 * 32;
	ok(grab_image_layout(&f, &l) == -EINVAL,
	   "grab_image_layout refuses a size that does not match the planes");
	ok(grab_pixfmt_from_name("gray16_le") == GRAB_PIXFMT_Y16 &&
	   !strcmp(grab_pixfmt_name(GRAB_PIXFMT_SBGGR8), "BA81"),
	   "grab_pixfmt_from_name and grab_pixfmt_name use the table");
}

int main(void)
{
	test_names();
	test_public_codes();
	test_layouts();
	test_libgrab_layout();
	return done_testing();
}

// SPDX-License-Identifier: MIT
/*
 * The image library (common/grab-image.h) on the test pattern in every
 * format: formats that carry the same samples convert to the same bytes,
 * RGB comes back close to the RGB bars (PSNR), Y4M and PGM layouts, JPEG
 * from every raw format, and the MJPEG pattern's determinism.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "grab-format.h"
#include "grab-image.h"
#include "grab-pattern.h"
#include "../lib/tap.h"

#define W 640
#define H 480

static const uint32_t raw_formats[] = {
	GRAB_FMT_YUYV,	 GRAB_FMT_UYVY,	  GRAB_FMT_NV12,   GRAB_FMT_YU12,
	GRAB_FMT_RGB24,	 GRAB_FMT_BGR24,  GRAB_FMT_GREY,   GRAB_FMT_Y16,
	GRAB_FMT_SRGGB8, GRAB_FMT_SBGGR8, GRAB_FMT_SGRBG8, GRAB_FMT_SGBRG8,
};
#define NRAW (sizeof(raw_formats) / sizeof(raw_formats[0]))

/* Frame @seq of @fourcc (padded lines when @pad), and its format. */
static uint8_t *frame_of(uint32_t fourcc, uint32_t pad, uint64_t seq,
			 struct grab_format *ret_fmt)
{
	struct grab_format f = { .width = W, .height = H, .fourcc = fourcc };
	uint8_t *p;

	if (pad) {
		grab_format_complete(&f);
		f.bytesperline += pad;
	}
	if (grab_format_complete(&f))
		return NULL;
	p = malloc(f.sizeimage);
	if (p && grab_pattern_fill(p, &f, seq)) {
		free(p);
		return NULL;
	}
	*ret_fmt = f;
	return p;
}

static uint8_t *rgb_of(uint32_t fourcc, uint32_t pad, uint64_t seq)
{
	struct grab_format f;
	uint8_t *src = frame_of(fourcc, pad, seq, &f),
		*rgb = malloc((size_t)W * H * 3);

	if (!src || !rgb || grab_image_to_rgb(&f, src, rgb)) {
		free(rgb);
		rgb = NULL;
	}
	free(src);
	return rgb;
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
	double se = 0;
	size_t i;

	for (i = 0; i < n; i++)
		se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
	return se > 0 ? 10 * log10(255.0 * 255.0 * (double)n / se) : INFINITY;
}

static void test_rgb(void)
{
	static const uint32_t pairs[][2] = {
		{ GRAB_FMT_YUYV, GRAB_FMT_UYVY },
		{ GRAB_FMT_NV12, GRAB_FMT_YU12 },
		{ GRAB_FMT_GREY, GRAB_FMT_Y16 },
		{ GRAB_FMT_RGB24, GRAB_FMT_BGR24 },
		{ GRAB_FMT_SRGGB8, GRAB_FMT_SBGGR8 },
		{ GRAB_FMT_SRGGB8, GRAB_FMT_SGRBG8 },
		{ GRAB_FMT_SRGGB8, GRAB_FMT_SGBRG8 },
		{ GRAB_FMT_SRGGB8, GRAB_FMT_RGB24 },
	};
	uint8_t *bars = rgb_of(GRAB_FMT_RGB24, 0, 77);
	size_t i, n = (size_t)W * H * 3;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint8_t *a = rgb_of(pairs[i][0], 0, 77),
			*b = rgb_of(pairs[i][1], 6, 77);

		ok(a && b && !memcmp(a, b, n),
		   "to RGB: %s and %s (padded) give the same picture",
		   grab_format_name(pairs[i][0]),
		   grab_format_name(pairs[i][1]));
		free(a);
		free(b);
	}
	for (i = 0; i < NRAW; i++) {
		uint8_t *a = rgb_of(raw_formats[i], 0, 77);
		double db = a ? psnr(a, bars, n) : 0;
		/* Grey has no colour: compare its luma with the bars' luma. */
		int grey = raw_formats[i] == GRAB_FMT_GREY ||
			   raw_formats[i] == GRAB_FMT_Y16;

		if (!grey)
			ok(db >= 40,
			   "to RGB: %s vs the RGB bars: PSNR %.1f dB (>= 40)",
			   grab_format_name(raw_formats[i]), db);
		free(a);
	}
	free(bars);
}

static void test_y4m_ppm(void)
{
	struct grab_format a, b;
	uint8_t *fa = frame_of(GRAB_FMT_YUYV, 0, 5, &a),
		*fb = frame_of(GRAB_FMT_UYVY, 4, 5, &b);
	uint8_t *ya = malloc((size_t)W * H * 3),
		*yb = malloc((size_t)W * H * 3);

	ok(grab_image_y4m_size(&a) == (size_t)W * H * 2 &&
		   !grab_image_to_y4m(&a, fa, ya) &&
		   !grab_image_to_y4m(&b, fb, yb) &&
		   !memcmp(ya, yb, grab_image_y4m_size(&a)) &&
		   !strcmp(grab_image_y4m_colorspace(GRAB_FMT_UYVY), "422"),
	   "Y4M: YUYV and UYVY give the same 4:2:2 planes");
	free(fa);
	free(fb);
	fa = frame_of(GRAB_FMT_NV12, 2, 5, &a);
	fb = frame_of(GRAB_FMT_YU12, 0, 5, &b);
	ok(grab_image_y4m_size(&a) == (size_t)W * H * 3 / 2 &&
		   !grab_image_to_y4m(&a, fa, ya) &&
		   !grab_image_to_y4m(&b, fb, yb) &&
		   !memcmp(ya, yb, grab_image_y4m_size(&a)) &&
		   !memcmp(yb, fb, grab_image_y4m_size(&b)) &&
		   !strcmp(grab_image_y4m_colorspace(GRAB_FMT_NV12),
			   "420mpeg2"),
	   "Y4M: NV12 (padded) is split into the planes YU12 already has");
	free(fa);
	free(fb);
	fa = frame_of(GRAB_FMT_Y16, 0, 5, &a);
	ok(!strcmp(grab_image_y4m_colorspace(GRAB_FMT_Y16), "mono16") &&
		   !grab_image_to_y4m(&a, fa, ya) &&
		   !memcmp(ya, fa, (size_t)W * H * 2),
	   "Y4M: Y16 is mono16, little endian as it came");
	{
		char hdr[64];
		size_t hl = grab_image_ppm_header(&a, hdr, sizeof(hdr));

		/* Line 400, x 100: its luma << 8 | 100, stretched from
		 * limited range. */
		size_t at = (size_t)400 * W + 100;
		long want = (((long)fa[2 * at + 1] << 8 | fa[2 * at]) - 4096) *
			    65535 / 56064;

		ok(hl && !strncmp(hdr, "P5\n640 480\n65535\n", hl) &&
			   grab_image_ppm_size(&a) == (size_t)W * H * 2 &&
			   !grab_image_to_ppm(&a, fa, ya) &&
			   fa[2 * at] == 100 && want > 0 &&
			   ya[2 * at] == (want >> 8) &&
			   ya[2 * at + 1] == (want & 0xff),
		   "PGM: Y16 stretched to full range, 16-bit big-endian samples, maxval 65535");
	}
	free(fa);
	fb = frame_of(GRAB_FMT_SGBRG8, 0, 5, &b);
	ok(!strcmp(grab_image_y4m_colorspace(GRAB_FMT_SGBRG8), "444") &&
		   grab_image_y4m_size(&b) == (size_t)W * H * 3 &&
		   !grab_image_to_y4m(&b, fb, yb),
	   "Y4M: Bayer demosaiced to 4:4:4");
	free(fb);
	a = (struct grab_format){ .width = W,
				  .height = H,
				  .fourcc = GRAB_FMT_MJPEG };
	grab_format_complete(&a);
	ok(!grab_image_y4m_colorspace(GRAB_FMT_MJPEG) &&
		   grab_image_to_rgb(&a, ya, yb) == -EINVAL &&
		   grab_image_to_y4m(&a, ya, yb) == -EINVAL,
	   "compressed frames are not converted");
	free(ya);
	free(yb);
}

static void test_jpeg(void)
{
	uint8_t *bars = rgb_of(GRAB_FMT_RGB24, 0, 9),
		*out = malloc((size_t)W * H * 3);
	tjhandle tj = tjInitDecompress();
	size_t i, n = (size_t)W * H * 3;

	for (i = 0; i < NRAW; i++) {
		struct grab_format f;
		struct grab_jpeg_encoder *enc = NULL;
		uint8_t *src = frame_of(raw_formats[i], 0, 9, &f);
		uint8_t *ref = rgb_of(raw_formats[i], 0, 9);
		const uint8_t *jpeg;
		uint8_t *first = NULL;
		size_t len = 0, len1 = 0;
		int same = 0;
		double db = 0;

		if (!grab_jpeg_encoder_new(&f, 95, &enc) &&
		    !grab_jpeg_encode(enc, src, &jpeg, &len1) &&
		    (first = malloc(len1))) {
			memcpy(first, jpeg, len1);
			same = !grab_jpeg_encode(enc, src, &jpeg, &len) &&
			       len == len1 && !memcmp(first, jpeg, len);
			if (!tjDecompress2(
				    tj, jpeg, len, out, W, 0, H, TJPF_RGB,
				    TJFLAG_ACCURATEDCT | TJFLAG_FASTUPSAMPLE))
				db = psnr(out, ref, n);
		}
		/* Decoded without smoothing the chroma (the source's own
		 * subsampling replicates it): what grab-capture's tests do. */
		ok(same && db >= 40,
		   "JPEG q95 from %s: deterministic, %zu bytes, PSNR %.1f dB against its own RGB (>= 40)",
		   grab_format_name(raw_formats[i]), len, db);
		free(first);
		free(src);
		free(ref);
		grab_jpeg_encoder_free(enc);
	}
	tjDestroy(tj);
	free(out);
	free(bars);
}

static void test_mjpeg_pattern(void)
{
	struct grab_format m = { .width = 320,
				 .height = 240,
				 .fourcc = GRAB_FMT_MJPEG },
			   y;
	struct grab_jpeg_encoder *enc = NULL;
	const uint8_t *jpeg;
	uint8_t *yuyv, *copy;
	size_t len = 0;
	int made;

	grab_format_complete(&m);
	ok(!grab_pattern_jpeg_source(&m, &y) && y.fourcc == GRAB_FMT_YUYV &&
		   !grab_jpeg_encoder_new(&y, GRAB_PATTERN_JPEG_QUALITY, &enc),
	   "MJPEG pattern: a YUYV encoder at quality %d",
	   GRAB_PATTERN_JPEG_QUALITY);
	yuyv = malloc(y.sizeimage);
	made = !grab_pattern_jpeg(enc, yuyv, 1234, &jpeg, &len);
	ok(made && len > 100 && len < m.sizeimage && jpeg[0] == 0xff &&
		   jpeg[1] == 0xd8,
	   "MJPEG pattern: frame 1234 is a %zu-byte JPEG", len);
	copy = malloc(len);
	memcpy(copy, jpeg, len);
	ok(grab_pattern_jpeg_verify(copy, len, &m, 1234) == -1,
	   "MJPEG pattern: re-encoding gives the same bytes");
	ok(grab_pattern_jpeg_verify(copy, len, &m, 1235) >= 0,
	   "MJPEG pattern: frame 1234 does not verify as 1235");
	copy[len / 2] ^= 0x10;
	ok(grab_pattern_jpeg_verify(copy, len, &m, 1234) == (int64_t)(len / 2),
	   "MJPEG pattern: a flipped byte is caught at its offset");
	copy[len / 2] ^= 0x10;
	ok(grab_pattern_jpeg_verify(copy, len - 1, &m, 1234) ==
		   (int64_t)(len - 1),
	   "MJPEG pattern: a truncated frame is caught");
	free(copy);
	free(yuyv);
	grab_jpeg_encoder_free(enc);
}

int main(void)
{
	test_rgb();
	test_y4m_ppm();
	test_jpeg();
	test_mjpeg_pattern();
	return done_testing();
}

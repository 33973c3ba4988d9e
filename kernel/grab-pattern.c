// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The grab test pattern; see grab-pattern.h.
 *
 * Lines below the counter box are identical within a plane (Bayer: every
 * other line), so filling and verifying cost a few generated lines plus
 * memcpy/memcmp for the rest: cheap enough to verify every frame of many
 * clients at full rate.
 *
 * Every raw format of the table is drawn from the same picture: YUV
 * formats from the BT.601 limited-range bars (chroma of the top-left pixel
 * of each subsampled block), RGB from the RGB bars, Bayer as the mosaic of
 * the RGB picture, Y16 as luma << 8 | (x & 0xff).  MJPEG is not drawn here
 * (no JPEG encoder in the kernel): see common/grab-image.h.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "grab-format.h"
#include "grab-pattern.h"

#define NBARS 8
#define WHITE 0
#define BLACK 7
#define NDIGITS 10
#define BOX_COLS (3 + NDIGITS * 4) /* glyph cells plus margins */
#define BOX_ROWS 9 /* 5 glyph rows plus margins */

/* 100% colour bars: white, yellow, cyan, green, magenta, red, blue, black. */
static const __u8 bar_rgb[NBARS][3] = {
	{ 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 }, { 0, 255, 0 },
	{ 255, 0, 255 },   { 255, 0, 0 },   { 0, 0, 255 },   { 0, 0, 0 },
};

/* The same bars in BT.601 limited range. */
static const __u8 bar_yuv[NBARS][3] = {
	{ 235, 128, 128 }, { 210, 16, 146 }, { 170, 166, 16 }, { 145, 54, 34 },
	{ 106, 202, 222 }, { 81, 90, 240 },  { 41, 240, 110 }, { 16, 128, 128 },
};

/* 3x5 digit glyphs, one 3-bit row each, top row first. */
static const __u8 glyphs[10][5] = {
	{ 7, 5, 5, 5, 7 }, { 2, 6, 2, 2, 7 }, { 7, 1, 7, 4, 7 },
	{ 7, 1, 7, 1, 7 }, { 5, 5, 7, 1, 1 }, { 7, 4, 7, 1, 7 },
	{ 7, 4, 7, 5, 7 }, { 7, 1, 1, 1, 1 }, { 7, 5, 7, 5, 7 },
	{ 7, 5, 7, 1, 7 },
};

/* Everything about a frame that does not change from pixel to pixel. */
struct frame_geometry {
	const struct grab_format_info *fi;
	__u32 width, height;
	__u32 shift; /* how far the bars have moved */
	__u32 scale; /* counter box scale, 0: no box */
	__u32 box_w, box_h;
	__u32 code_x0, code_bitw, code_bits;
	__u32 code; /* low bits of the sequence for the barcode */
	__u8 digits[NDIGITS];
};

static void geometry_init(struct frame_geometry *g,
			  const struct grab_format *fmt, __u64 sequence)
{
	__u64 s = sequence;
	__u32 i, scale;

	g->fi = grab_format_info(fmt->fourcc);
	g->width = fmt->width;
	g->height = fmt->height;
	g->shift = (__u32)((sequence % g->width) * 4 % g->width);

	scale = fmt->height / 120;
	if (scale < 1)
		scale = 1;
	if (scale > 8)
		scale = 8;
	while (scale && (BOX_COLS * scale > g->width / 2 ||
			 BOX_ROWS * scale > g->height / 2))
		scale--;
	g->scale = scale;
	g->box_w = BOX_COLS * scale;
	g->box_h = BOX_ROWS * scale;

	g->code_bitw = g->width / 64;
	if (g->code_bitw < 1)
		g->code_bitw = 1;
	if (g->code_bitw > 4)
		g->code_bitw = 4;
	g->code_bits = g->width / 2 / g->code_bitw;
	if (g->code_bits > 32)
		g->code_bits = 32;
	g->code_x0 = g->width - g->code_bits * g->code_bitw;
	g->code = (__u32)sequence;

	for (i = NDIGITS; i-- > 0;) {
		g->digits[i] = (__u8)(s % 10);
		s /= 10;
	}
}

/* Index into bar_rgb/bar_yuv of pixel (x, y). */
static __u32 pixel_color(const struct frame_geometry *g, __u32 x, __u32 y)
{
	if (y < g->box_h && x < g->box_w) {
		__u32 col = x / g->scale, row = y / g->scale;
		__u32 cell, gx, gy;

		if (row < 2 || row >= 7 || col < 2)
			return BLACK;
		cell = (col - 2) / 4;
		gx = (col - 2) % 4;
		gy = row - 2;
		if (cell >= NDIGITS || gx == 3)
			return BLACK;
		return (glyphs[g->digits[cell]][gy] >> (2 - gx)) & 1 ? WHITE :
								       BLACK;
	}
	if (x >= g->code_x0) {
		__u32 bit = g->code_bits - 1 - (x - g->code_x0) / g->code_bitw;

		return (g->code >> bit) & 1 ? WHITE : BLACK;
	}
	x += g->shift;
	if (x >= g->width)
		x -= g->width;
	return x * NBARS / g->width;
}

/*
 * Which of R, G, B (0, 1, 2) a Bayer sensor sees at (x, y), by the colours
 * of the 2x2 cell in reading order (RGGB: R at the top left).
 */
static __u32 bayer_channel(__u32 fourcc, __u32 x, __u32 y)
{
	static const __u8 cells[4][4] = {
		{ 0, 1, 1, 2 }, /* RGGB */
		{ 2, 1, 1, 0 }, /* BGGR (BA81) */
		{ 1, 0, 2, 1 }, /* GRBG */
		{ 1, 2, 0, 1 }, /* GBRG */
	};
	__u32 i = (y & 1) * 2 + (x & 1);

	switch (fourcc) {
	case GRAB_FMT_SRGGB8:
		return cells[0][i];
	case GRAB_FMT_SBGGR8:
		return cells[1][i];
	case GRAB_FMT_SGRBG8:
		return cells[2][i];
	default:
		return cells[3][i];
	}
}

/* Lines of a plane repeat with this period below the counter box. */
static __u32 line_period(const struct frame_geometry *g)
{
	return g->fi->align_h == 2 && g->fi->nplanes == 1 ? 2 : 1; /* Bayer */
}

/*
 * Generate line @l of plane @plane into @dst (the plane's stride, padding
 * zeroed).  A subsampled chroma line takes the colour of the top-left
 * pixel of each 2x2 (NV12, YU12) or 2x1 (YUYV, UYVY) block.
 */
static void make_line(const struct frame_geometry *g,
		      const struct grab_format *fmt, __u32 plane, __u32 l,
		      __u8 *dst)
{
	__u32 y = l * g->fi->plane_vdiv[plane];
	__u32 used = g->width * g->fi->plane_bits[plane] / 8;
	__u32 x;

	switch (fmt->fourcc) {
	case GRAB_FMT_YUYV:
	case GRAB_FMT_UYVY: {
		/* Byte order in each pixel pair: Y0 Cb Y1 Cr or Cb Y0 Cr Y1. */
		__u32 yo = fmt->fourcc == GRAB_FMT_YUYV ? 0 : 1;
		__u32 co = 1 - yo;

		for (x = 0; x < g->width; x += 2) {
			__u32 c0 = pixel_color(g, x, y);
			__u32 c1 = pixel_color(g, x + 1, y);

			dst[2 * x + yo] = bar_yuv[c0][0];
			dst[2 * x + co] = bar_yuv[c0][1];
			dst[2 * x + 2 + yo] = bar_yuv[c1][0];
			dst[2 * x + 2 + co] = bar_yuv[c0][2];
		}
		break;
	}
	case GRAB_FMT_NV12:
	case GRAB_FMT_YU12:
		if (plane == 0) {
			for (x = 0; x < g->width; x++)
				dst[x] = bar_yuv[pixel_color(g, x, y)][0];
		} else if (fmt->fourcc == GRAB_FMT_NV12) {
			for (x = 0; x < g->width; x += 2) {
				const __u8 *c = bar_yuv[pixel_color(g, x, y)];

				dst[x] = c[1];
				dst[x + 1] = c[2];
			}
		} else {
			for (x = 0; x < g->width; x += 2)
				dst[x / 2] =
					bar_yuv[pixel_color(g, x, y)][plane];
		}
		break;
	case GRAB_FMT_GREY:
		for (x = 0; x < g->width; x++)
			dst[x] = bar_yuv[pixel_color(g, x, y)][0];
		break;
	case GRAB_FMT_Y16:
		/*
		 * Luma in the high byte; the low byte a ramp that shows a
		 * reader mixing up the byte order.
		 */
		for (x = 0; x < g->width; x++) {
			dst[2 * x] = (__u8)x;
			dst[2 * x + 1] = bar_yuv[pixel_color(g, x, y)][0];
		}
		break;
	case GRAB_FMT_RGB24:
	case GRAB_FMT_BGR24: {
		__u32 r = fmt->fourcc == GRAB_FMT_RGB24 ? 0 : 2;

		for (x = 0; x < g->width; x++) {
			const __u8 *c = bar_rgb[pixel_color(g, x, y)];

			dst[3 * x + r] = c[0];
			dst[3 * x + 1] = c[1];
			dst[3 * x + 2 - r] = c[2];
		}
		break;
	}
	default: /* 8-bit Bayer: one of R, G, B per pixel */
		for (x = 0; x < g->width; x++)
			dst[x] = bar_rgb[pixel_color(g, x, y)]
					[bayer_channel(fmt->fourcc, x, y)];
		break;
	}
	memset(dst + used, 0, fmt->planes[plane].stride - used);
}

/* First line of @plane that shows no counter box (samples row >= box_h). */
static __u32 first_plain_line(const struct frame_geometry *g, __u32 plane)
{
	__u32 vdiv = g->fi->plane_vdiv[plane];

	return (g->box_h + vdiv - 1) / vdiv;
}

/* A raw format the pattern can be drawn in; 0 or -EINVAL. */
static int check_raw(const struct grab_format *fmt)
{
	if (grab_format_valid(fmt) || !fmt->nplanes)
		return -EINVAL;
	return 0;
}

int grab_pattern_fill(void *frame, const struct grab_format *fmt,
		      __u64 sequence)
{
	struct frame_geometry g;
	__u32 plane, l, period;

	if (check_raw(fmt))
		return -EINVAL;
	geometry_init(&g, fmt, sequence);
	period = line_period(&g);
	for (plane = 0; plane < fmt->nplanes; plane++) {
		__u8 *p = (__u8 *)frame + fmt->planes[plane].offset;
		__u32 stride = fmt->planes[plane].stride;
		__u32 lines = g.height / g.fi->plane_vdiv[plane];
		__u32 plain = first_plain_line(&g, plane) + period;

		/* Below the box, a line repeats the one @period above. */
		for (l = 0; l < lines; l++) {
			__u8 *line = p + (__u64)l * stride;

			if (l < plain)
				make_line(&g, fmt, plane, l, line);
			else
				memcpy(line, line - (__u64)period * stride,
				       stride);
		}
	}
	return 0;
}

static __s64 first_difference(const __u8 *a, const __u8 *b, __u32 n, __u64 base)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return (__s64)(base + i);
	return -1;
}

__s64 grab_pattern_verify(const void *frame, const struct grab_format *fmt,
			  __u64 sequence, void *scratch)
{
	struct frame_geometry g;
	__u32 plane, l, period;

	if (check_raw(fmt))
		return -2;
	geometry_init(&g, fmt, sequence);
	period = line_period(&g);
	for (plane = 0; plane < fmt->nplanes; plane++) {
		__u32 offset = fmt->planes[plane].offset;
		const __u8 *p = (const __u8 *)frame + offset;
		__u32 stride = fmt->planes[plane].stride;
		__u32 lines = g.height / g.fi->plane_vdiv[plane];
		__u32 plain = first_plain_line(&g, plane) + period;

		for (l = 0; l < lines; l++) {
			const __u8 *line = p + (__u64)l * stride;
			const __u8 *want = scratch;

			/* Later lines must equal an earlier, verified one. */
			if (l < plain)
				make_line(&g, fmt, plane, l, scratch);
			else
				want = line - (__u64)period * stride;
			if (memcmp(line, want, stride))
				return first_difference(
					line, want, stride,
					offset + (__u64)l * stride);
		}
	}
	return -1;
}

/*
 * Offset in a line of plane 0 of the byte that carries pixel @x's luma
 * (for RGB and Bayer: one of its colours; the barcode is white or black).
 */
static __u32 luma_offset(__u32 fourcc, __u32 x)
{
	switch (fourcc) {
	case GRAB_FMT_YUYV:
		return 2 * x;
	case GRAB_FMT_UYVY:
	case GRAB_FMT_Y16:
		return 2 * x + 1;
	case GRAB_FMT_RGB24:
	case GRAB_FMT_BGR24:
		return 3 * x;
	default:
		return x;
	}
}

int grab_pattern_sequence(const void *frame, const struct grab_format *fmt,
			  __u32 *ret_low32)
{
	const __u8 *line;
	struct frame_geometry g;
	__u32 bit, code = 0;

	if (check_raw(fmt))
		return -EINVAL;
	/* Only the barcode's geometry is needed; it does not move. */
	geometry_init(&g, fmt, 0);
	line = (const __u8 *)frame + (__u64)(g.height - 1) * fmt->bytesperline;
	for (bit = 0; bit < g.code_bits; bit++) {
		/* Sample the middle of each bar of the barcode. */
		__u32 x = g.code_x0 + bit * g.code_bitw + g.code_bitw / 2;

		code = code << 1 | (line[luma_offset(fmt->fourcc, x)] > 128);
	}
	*ret_low32 = code;
	return (int)g.code_bits;
}

#ifdef __KERNEL__
/* Drivers on the core (grab_edu.ko) capture the same pattern. */
EXPORT_SYMBOL_GPL(grab_pattern_fill);
#endif

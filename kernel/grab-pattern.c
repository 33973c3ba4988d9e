// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The grab test pattern; see grab-pattern.h.
 *
 * Lines below the counter box are identical within a frame, so filling and
 * verifying cost one generated line plus memcpy/memcmp for the rest: cheap
 * enough to verify every frame of many clients at full rate.
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

#define NBARS		8
#define WHITE		0
#define BLACK		7
#define NDIGITS		10
#define BOX_COLS	(3 + NDIGITS * 4)	/* glyph cells plus margins */
#define BOX_ROWS	9			/* 5 glyph rows plus margins */

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
	__u32 width, height, bpp;
	__u32 shift;		/* how far the bars have moved */
	__u32 scale;		/* counter box scale, 0: no box */
	__u32 box_w, box_h;
	__u32 code_x0, code_bitw, code_bits;
	__u32 code;		/* low bits of the sequence for the barcode */
	__u8 digits[NDIGITS];
};

static void geometry_init(struct frame_geometry *g,
			  const struct grab_format *fmt, __u64 sequence)
{
	__u64 s = sequence;
	__u32 i, scale;

	g->width = fmt->width;
	g->height = fmt->height;
	g->bpp = grab_format_bpp(fmt->fourcc);
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
		return (glyphs[g->digits[cell]][gy] >> (2 - gx)) & 1 ? WHITE : BLACK;
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

/* Generate line @y into @dst (bytesperline bytes, padding zeroed). */
static void make_line(const struct frame_geometry *g,
		      const struct grab_format *fmt, __u32 y, __u8 *dst)
{
	__u32 x;

	switch (fmt->fourcc) {
	case GRAB_FMT_YUYV:
		for (x = 0; x < g->width; x += 2) {
			__u32 c0 = pixel_color(g, x, y);
			__u32 c1 = pixel_color(g, x + 1, y);

			dst[2 * x + 0] = bar_yuv[c0][0];
			dst[2 * x + 1] = bar_yuv[c0][1];
			dst[2 * x + 2] = bar_yuv[c1][0];
			dst[2 * x + 3] = bar_yuv[c0][2];
		}
		break;
	case GRAB_FMT_GREY:
		for (x = 0; x < g->width; x++)
			dst[x] = bar_yuv[pixel_color(g, x, y)][0];
		break;
	case GRAB_FMT_RGB24:
		for (x = 0; x < g->width; x++) {
			const __u8 *c = bar_rgb[pixel_color(g, x, y)];

			dst[3 * x + 0] = c[0];
			dst[3 * x + 1] = c[1];
			dst[3 * x + 2] = c[2];
		}
		break;
	}
	memset(dst + g->width * g->bpp, 0,
	       fmt->bytesperline - g->width * g->bpp);
}

int grab_pattern_fill(void *frame, const struct grab_format *fmt,
		      __u64 sequence)
{
	struct frame_geometry g;
	__u8 *p = frame;
	__u32 y;

	if (grab_format_valid(fmt))
		return -EINVAL;
	geometry_init(&g, fmt, sequence);
	for (y = 0; y <= g.box_h && y < g.height; y++)
		make_line(&g, fmt, y, p + (__u64)y * fmt->bytesperline);
	/* Line box_h is the plain line every later line repeats. */
	for (; y < g.height; y++)
		memcpy(p + (__u64)y * fmt->bytesperline,
		       p + (__u64)g.box_h * fmt->bytesperline,
		       fmt->bytesperline);
	return 0;
}

static __s64 first_difference(const __u8 *a, const __u8 *b, __u32 n,
			      __u64 base)
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
	const __u8 *p = frame;
	struct frame_geometry g;
	__u32 bpl = fmt->bytesperline;
	__u32 y;

	if (grab_format_valid(fmt))
		return -2;
	geometry_init(&g, fmt, sequence);
	for (y = 0; y < g.height; y++) {
		const __u8 *line = p + (__u64)y * bpl;

		if (y <= g.box_h)
			make_line(&g, fmt, y, scratch);
		if (memcmp(line, scratch, bpl))
			return first_difference(line, scratch, bpl,
						(__u64)y * bpl);
	}
	return -1;
}

int grab_pattern_sequence(const void *frame, const struct grab_format *fmt,
			  __u32 *ret_low32)
{
	const __u8 *line;
	struct frame_geometry g;
	__u32 bit, code = 0;

	if (grab_format_valid(fmt))
		return -EINVAL;
	/* Only the barcode's geometry is needed; it does not move. */
	geometry_init(&g, fmt, 0);
	line = (const __u8 *)frame + (__u64)(g.height - 1) * fmt->bytesperline;
	for (bit = 0; bit < g.code_bits; bit++) {
		/* Sample the middle of each bar of the barcode. */
		__u32 x = g.code_x0 + bit * g.code_bitw + g.code_bitw / 2;
		__u32 offset = x * g.bpp;

		code = code << 1 | (line[offset] > 128);
	}
	*ret_low32 = code;
	return (int)g.code_bits;
}

#ifdef __KERNEL__
/* Drivers on the core (grab_edu.ko) capture the same pattern. */
EXPORT_SYMBOL_GPL(grab_pattern_fill);
#endif

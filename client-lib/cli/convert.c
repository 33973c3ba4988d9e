// SPDX-License-Identifier: MIT
/*
 * Pixel conversions for grab-capture; see convert.h.
 *
 * Integer BT.601 with 8 fractional bits, the usual coefficients (as in
 * ffmpeg's and libv4lconvert's C paths): exact to +-1 against the
 * floating-point matrix over the whole limited range.
 */
#include <errno.h>
#include <string.h>

#include "convert.h"

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

unsigned int convert_bpp(uint32_t fourcc)
{
	switch (fourcc) {
	case GRAB_PIXFMT_YUYV:
		return 2;
	case GRAB_PIXFMT_GREY:
		return 1;
	case GRAB_PIXFMT_RGB24:
		return 3;
	default:
		return 0;
	}
}

const char *convert_y4m_colorspace(uint32_t fourcc)
{
	switch (fourcc) {
	case GRAB_PIXFMT_YUYV:
		return "422";
	case GRAB_PIXFMT_GREY:
		return "mono";
	case GRAB_PIXFMT_RGB24:
		return "444";
	default:
		return NULL;
	}
}

/* A format we can read: known fourcc, even width for YUYV, sane stride. */
static int check_format(const struct grab_image_format *fmt)
{
	unsigned int bpp = convert_bpp(fmt->fourcc);

	if (!bpp || !fmt->width || !fmt->height ||
	    fmt->bytesperline < (uint64_t)fmt->width * bpp)
		return -EINVAL;
	if (fmt->fourcc == GRAB_PIXFMT_YUYV && (fmt->width & 1))
		return -EINVAL;
	return 0;
}

size_t convert_y4m_size(const struct grab_image_format *fmt)
{
	size_t luma = (size_t)fmt->width * fmt->height;

	switch (fmt->fourcc) {
	case GRAB_PIXFMT_YUYV:
		return luma * 2;
	case GRAB_PIXFMT_GREY:
		return luma;
	case GRAB_PIXFMT_RGB24:
		return luma * 3;
	default:
		return 0;
	}
}

size_t convert_rgb_size(const struct grab_image_format *fmt)
{
	return (size_t)fmt->width * fmt->height * 3;
}

void convert_ycbcr_to_rgb(int y, int cb, int cr, uint8_t rgb[3])
{
	int c = (y - 16) * 298, d = cb - 128, e = cr - 128;

	rgb[0] = clamp8((c + 409 * e + 128) >> 8);
	rgb[1] = clamp8((c - 100 * d - 208 * e + 128) >> 8);
	rgb[2] = clamp8((c + 516 * d + 128) >> 8);
}

int convert_to_rgb(const struct grab_image_format *fmt, const uint8_t *src,
		   uint8_t *dst)
{
	uint32_t x, y;

	if (check_format(fmt))
		return -EINVAL;
	for (y = 0; y < fmt->height; y++) {
		const uint8_t *s = src + (size_t)y * fmt->bytesperline;

		switch (fmt->fourcc) {
		case GRAB_PIXFMT_YUYV:
			for (x = 0; x < fmt->width; x += 2, s += 4, dst += 6) {
				convert_ycbcr_to_rgb(s[0], s[1], s[3], dst);
				convert_ycbcr_to_rgb(s[2], s[1], s[3], dst + 3);
			}
			break;
		case GRAB_PIXFMT_GREY:
			for (x = 0; x < fmt->width; x++, dst += 3)
				convert_ycbcr_to_rgb(s[x], 128, 128, dst);
			break;
		case GRAB_PIXFMT_RGB24:
			memcpy(dst, s, (size_t)fmt->width * 3);
			dst += (size_t)fmt->width * 3;
			break;
		}
	}
	return 0;
}

int convert_to_y4m(const struct grab_image_format *fmt, const uint8_t *src,
		   uint8_t *dst)
{
	size_t luma = (size_t)fmt->width * fmt->height;
	uint8_t *py = dst, *pu, *pv;
	uint32_t x, y;

	if (check_format(fmt))
		return -EINVAL;
	pu = dst + luma;
	pv = pu + (fmt->fourcc == GRAB_PIXFMT_YUYV ? luma / 2 : luma);
	for (y = 0; y < fmt->height; y++) {
		const uint8_t *s = src + (size_t)y * fmt->bytesperline;

		switch (fmt->fourcc) {
		case GRAB_PIXFMT_YUYV:
			for (x = 0; x < fmt->width; x += 2, s += 4) {
				*py++ = s[0];
				*pu++ = s[1];
				*py++ = s[2];
				*pv++ = s[3];
			}
			break;
		case GRAB_PIXFMT_GREY:
			memcpy(py, s, fmt->width);
			py += fmt->width;
			break;
		case GRAB_PIXFMT_RGB24:
			for (x = 0; x < fmt->width; x++, s += 3) {
				int r = s[0], g = s[1], b = s[2];

				*py++ = (uint8_t)(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
				*pu++ = (uint8_t)(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
				*pv++ = (uint8_t)(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
			}
			break;
		}
	}
	return 0;
}

/* Limited to full range: Y' 16..235 -> 0..255, C 16..240 -> 0..255. */
static uint8_t full_y[256], full_c[256];

static void init_full_range(void)
{
	static int done;
	int i;

	if (done)
		return;
	for (i = 0; i < 256; i++) {
		int c = i - 128;

		full_y[i] = clamp8(((i - 16) * 255 + 109) / 219);
		full_c[i] = clamp8(128 + (c * 255 + (c < 0 ? -112 : 112)) / 224);
	}
	done = 1;
}

int convert_to_jpeg_planes(const struct grab_image_format *fmt,
			   const uint8_t *src, uint8_t *dst)
{
	size_t luma = (size_t)fmt->width * fmt->height;
	uint8_t *py = dst, *pu = dst + luma, *pv = pu + luma / 2;
	uint32_t x, y;

	if (check_format(fmt) || fmt->fourcc == GRAB_PIXFMT_RGB24)
		return -EINVAL;
	init_full_range();
	for (y = 0; y < fmt->height; y++) {
		const uint8_t *s = src + (size_t)y * fmt->bytesperline;

		if (fmt->fourcc == GRAB_PIXFMT_GREY) {
			for (x = 0; x < fmt->width; x++)
				*py++ = full_y[s[x]];
			continue;
		}
		for (x = 0; x < fmt->width; x += 2, s += 4) {
			*py++ = full_y[s[0]];
			*pu++ = full_c[s[1]];
			*py++ = full_y[s[2]];
			*pv++ = full_c[s[3]];
		}
	}
	return 0;
}

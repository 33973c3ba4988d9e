// SPDX-License-Identifier: MIT
/*
 * Pixel conversions of the image library; see grab-image.h.
 *
 * Integer BT.601 with 8 fractional bits, the usual coefficients (as in
 * ffmpeg's and libv4lconvert's C paths): exact to +-1 against the
 * floating-point matrix over the whole limited range.  Every plane is
 * found through the format's own plane layout (offset, stride).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grab-image.h"

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

void grab_image_ycbcr_to_rgb(int y, int cb, int cr, uint8_t rgb[3])
{
	int c = (y - 16) * 298, d = cb - 128, e = cr - 128;

	rgb[0] = clamp8((c + 409 * e + 128) >> 8);
	rgb[1] = clamp8((c - 100 * d - 208 * e + 128) >> 8);
	rgb[2] = clamp8((c + 516 * d + 128) >> 8);
}

/* R, G, B to BT.601 limited-range Y'CbCr (8-bit fixed point). */
static void rgb_to_ycbcr(const uint8_t rgb[3], uint8_t *y, uint8_t *cb,
			 uint8_t *cr)
{
	int r = rgb[0], g = rgb[1], b = rgb[2];

	*y = (uint8_t)(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
	*cb = (uint8_t)(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
	*cr = (uint8_t)(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}

/* A raw format we can read, with the layout the table gives it. */
static int check_raw(const struct grab_format *fmt)
{
	return grab_format_valid(fmt) || !fmt->nplanes ? -EINVAL : 0;
}

static const uint8_t *plane_line(const struct grab_format *fmt,
				 const uint8_t *src, uint32_t plane,
				 uint32_t line)
{
	return src + fmt->planes[plane].offset +
	       (size_t)line * fmt->planes[plane].stride;
}

static int is_bayer(uint32_t fourcc)
{
	return fourcc == GRAB_FMT_SRGGB8 || fourcc == GRAB_FMT_SBGGR8 ||
	       fourcc == GRAB_FMT_SGRBG8 || fourcc == GRAB_FMT_SGBRG8;
}

/* Offsets of R and B in a 2x2 Bayer cell (0 top left, 1 top right,
 * 2 bottom left, 3 bottom right); G is in the other two. */
static void bayer_cell(uint32_t fourcc, int *r, int *b)
{
	switch (fourcc) {
	case GRAB_FMT_SRGGB8:
		*r = 0, *b = 3;
		break;
	case GRAB_FMT_SBGGR8:
		*r = 3, *b = 0;
		break;
	case GRAB_FMT_SGRBG8:
		*r = 1, *b = 2;
		break;
	default: /* GBRG */
		*r = 2, *b = 1;
		break;
	}
}

/* Two lines of Bayer (a row of cells) to two lines of RGB. */
static void bayer_rows(const struct grab_format *fmt, const uint8_t *src,
		       uint32_t y, uint8_t *dst)
{
	const uint8_t *l0 = plane_line(fmt, src, 0, y);
	const uint8_t *l1 = plane_line(fmt, src, 0, y + 1);
	uint8_t *d0 = dst, *d1 = dst + (size_t)fmt->width * 3;
	int r, b, i;
	uint32_t x;

	bayer_cell(fmt->fourcc, &r, &b);
	for (x = 0; x < fmt->width; x += 2) {
		uint8_t v[4] = { l0[x], l0[x + 1], l1[x], l1[x + 1] };
		uint8_t rgb[3];
		int g = 0;

		for (i = 0; i < 4; i++)
			if (i != r && i != b)
				g += v[i];
		rgb[0] = v[r];
		rgb[1] = (uint8_t)((g + 1) / 2);
		rgb[2] = v[b];
		memcpy(d0 + 3 * x, rgb, 3);
		memcpy(d0 + 3 * x + 3, rgb, 3);
		memcpy(d1 + 3 * x, rgb, 3);
		memcpy(d1 + 3 * x + 3, rgb, 3);
	}
}

/*
 * Y', Cb, Cr of pixel @x of line @y of a YUV format (chroma of its
 * block), or the luma with neutral chroma of GREY and Y16.
 */
static void yuv_pixel(const struct grab_format *fmt, const uint8_t *src,
		      uint32_t x, uint32_t y, int *ry, int *rcb, int *rcr)
{
	const uint8_t *l = plane_line(fmt, src, 0, y), *c;

	switch (fmt->fourcc) {
	case GRAB_FMT_YUYV:
		c = l + (x & ~1u) * 2;
		*ry = l[2 * x], *rcb = c[1], *rcr = c[3];
		return;
	case GRAB_FMT_UYVY:
		c = l + (x & ~1u) * 2;
		*ry = l[2 * x + 1], *rcb = c[0], *rcr = c[2];
		return;
	case GRAB_FMT_NV12:
		c = plane_line(fmt, src, 1, y / 2) + (x & ~1u);
		*ry = l[x], *rcb = c[0], *rcr = c[1];
		return;
	case GRAB_FMT_YU12:
		*ry = l[x];
		*rcb = plane_line(fmt, src, 1, y / 2)[x / 2];
		*rcr = plane_line(fmt, src, 2, y / 2)[x / 2];
		return;
	case GRAB_FMT_Y16:
		*ry = l[2 * x + 1], *rcb = 128, *rcr = 128;
		return;
	default: /* GREY */
		*ry = l[x], *rcb = 128, *rcr = 128;
		return;
	}
}

size_t grab_image_rgb_size(const struct grab_format *fmt)
{
	return (size_t)fmt->width * fmt->height * 3;
}

int grab_image_to_rgb(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst)
{
	size_t line = (size_t)fmt->width * 3;
	uint32_t x, y;

	if (check_raw(fmt))
		return -EINVAL;
	if (is_bayer(fmt->fourcc)) {
		for (y = 0; y < fmt->height; y += 2)
			bayer_rows(fmt, src, y, dst + y * line);
		return 0;
	}
	for (y = 0; y < fmt->height; y++, dst += line) {
		const uint8_t *s = plane_line(fmt, src, 0, y);

		switch (fmt->fourcc) {
		case GRAB_FMT_RGB24:
			memcpy(dst, s, line);
			break;
		case GRAB_FMT_BGR24:
			for (x = 0; x < fmt->width; x++, s += 3) {
				dst[3 * x] = s[2];
				dst[3 * x + 1] = s[1];
				dst[3 * x + 2] = s[0];
			}
			break;
		default:
			for (x = 0; x < fmt->width; x++) {
				int yy, cb, cr;

				yuv_pixel(fmt, src, x, y, &yy, &cb, &cr);
				grab_image_ycbcr_to_rgb(yy, cb, cr,
							dst + 3 * x);
			}
			break;
		}
	}
	return 0;
}

const char *grab_image_y4m_colorspace(uint32_t fourcc)
{
	const struct grab_format_info *fi = grab_format_info(fourcc);

	if (!fi || !fi->nplanes)
		return NULL;
	switch (fourcc) {
	case GRAB_FMT_YUYV:
	case GRAB_FMT_UYVY:
		return "422";
	case GRAB_FMT_NV12:
	case GRAB_FMT_YU12:
		return "420mpeg2";
	case GRAB_FMT_GREY:
		return "mono";
	case GRAB_FMT_Y16:
		return "mono16";
	default:
		return "444";
	}
}

size_t grab_image_y4m_size(const struct grab_format *fmt)
{
	size_t luma = (size_t)fmt->width * fmt->height;
	const char *cs = grab_image_y4m_colorspace(fmt->fourcc);

	if (!cs)
		return 0;
	if (!strcmp(cs, "422"))
		return luma * 2;
	if (!strcmp(cs, "420mpeg2"))
		return luma + luma / 2;
	if (!strcmp(cs, "mono"))
		return luma;
	if (!strcmp(cs, "mono16"))
		return luma * 2;
	return luma * 3;
}

/* Any format through RGB to BT.601 4:4:4 planes. */
static void to_y4m_444(const struct grab_format *fmt, const uint8_t *src,
		       uint8_t *dst)
{
	size_t luma = (size_t)fmt->width * fmt->height, i;
	uint8_t *py = dst, *pu = dst + luma, *pv = pu + luma;

	if (is_bayer(fmt->fourcc)) {
		/* One row of cells at a time: two lines of RGB. */
		uint8_t line2[2 * 3 * GRAB_MAX_WIDTH];
		uint32_t y, x;

		for (y = 0; y < fmt->height; y += 2) {
			bayer_rows(fmt, src, y, line2);
			for (x = 0; x < 2 * fmt->width; x++) {
				i = (size_t)y * fmt->width + x;
				rgb_to_ycbcr(line2 + 3 * x, py + i, pu + i,
					     pv + i);
			}
		}
		return;
	}
	for (i = 0; i < luma; i++) {
		uint32_t x = (uint32_t)(i % fmt->width),
			 y = (uint32_t)(i / fmt->width);
		const uint8_t *s = plane_line(fmt, src, 0, y) + 3 * x;
		uint8_t rgb3[3] = { s[0], s[1], s[2] };

		if (fmt->fourcc == GRAB_FMT_BGR24)
			rgb3[0] = s[2], rgb3[2] = s[0];
		rgb_to_ycbcr(rgb3, py + i, pu + i, pv + i);
	}
}

int grab_image_to_y4m(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst)
{
	size_t luma = (size_t)fmt->width * fmt->height;
	uint32_t w = fmt->width, h = fmt->height, x, y;
	uint8_t *py = dst, *pu, *pv;

	if (check_raw(fmt))
		return -EINVAL;
	switch (fmt->fourcc) {
	case GRAB_FMT_YUYV:
	case GRAB_FMT_UYVY: {
		int yo = fmt->fourcc == GRAB_FMT_YUYV ? 0 : 1, co = 1 - yo;

		pu = dst + luma;
		pv = pu + luma / 2;
		for (y = 0; y < h; y++) {
			const uint8_t *s = plane_line(fmt, src, 0, y);

			for (x = 0; x < w; x += 2, s += 4) {
				*py++ = s[yo];
				*pu++ = s[co];
				*py++ = s[2 + yo];
				*pv++ = s[2 + co];
			}
		}
		return 0;
	}
	case GRAB_FMT_NV12:
	case GRAB_FMT_YU12:
		pu = dst + luma;
		pv = pu + luma / 4;
		for (y = 0; y < h; y++, py += w)
			memcpy(py, plane_line(fmt, src, 0, y), w);
		for (y = 0; y < h / 2; y++) {
			if (fmt->fourcc == GRAB_FMT_YU12) {
				memcpy(pu, plane_line(fmt, src, 1, y), w / 2);
				memcpy(pv, plane_line(fmt, src, 2, y), w / 2);
				pu += w / 2, pv += w / 2;
				continue;
			}
			/* NV12: split the interleaved CbCr line. */
			for (x = 0; x < w; x += 2) {
				const uint8_t *c =
					plane_line(fmt, src, 1, y) + x;

				*pu++ = c[0];
				*pv++ = c[1];
			}
		}
		return 0;
	case GRAB_FMT_GREY:
		for (y = 0; y < h; y++, py += w)
			memcpy(py, plane_line(fmt, src, 0, y), w);
		return 0;
	case GRAB_FMT_Y16:
		/* Y4M's mono16 is little endian, as Y16 is. */
		for (y = 0; y < h; y++, py += 2 * w)
			memcpy(py, plane_line(fmt, src, 0, y), 2 * (size_t)w);
		return 0;
	default:
		to_y4m_444(fmt, src, dst);
		return 0;
	}
}

size_t grab_image_ppm_header(const struct grab_format *fmt, char *buf,
			     size_t len)
{
	int n;

	if (fmt->fourcc == GRAB_FMT_Y16)
		n = snprintf(buf, len, "P5\n%u %u\n65535\n", fmt->width,
			     fmt->height);
	else
		n = snprintf(buf, len, "P6\n%u %u\n255\n", fmt->width,
			     fmt->height);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

size_t grab_image_ppm_size(const struct grab_format *fmt)
{
	size_t luma = (size_t)fmt->width * fmt->height;

	return fmt->fourcc == GRAB_FMT_Y16 ? luma * 2 : luma * 3;
}

int grab_image_to_ppm(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst)
{
	uint32_t x, y;

	if (fmt->fourcc != GRAB_FMT_Y16)
		return grab_image_to_rgb(fmt, src, dst);
	if (check_raw(fmt))
		return -EINVAL;
	/*
	 * PGM samples are intensities (0 black, maxval white), big endian;
	 * Y16 is limited-range luma like every grey format here (16 << 8 to
	 * 235 << 8), so it is stretched to the full 16 bits.
	 */
	for (y = 0; y < fmt->height; y++) {
		const uint8_t *s = plane_line(fmt, src, 0, y);

		for (x = 0; x < fmt->width; x++, dst += 2) {
			int64_t v = ((int64_t)(s[2 * x + 1] << 8 | s[2 * x]) -
				     16 * 256) *
				    65535 / (219 * 256);
			uint16_t full = v < 0	  ? 0 :
					v > 65535 ? 65535 :
						    (uint16_t)v;

			dst[0] = (uint8_t)(full >> 8);
			dst[1] = (uint8_t)full;
		}
	}
	return 0;
}

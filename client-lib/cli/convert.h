/* SPDX-License-Identifier: MIT */
/*
 * Pixel conversions for grab-capture: every format a stream can carry to
 * packed RGB (PPM), to the planes of a Y4M frame, and to what TurboJPEG
 * takes.  Pure functions of their inputs; no allocation.
 *
 * Y'CbCr here is BT.601 limited range (Y' 16..235, Cb/Cr 16..240), the V4L2
 * default quantization for YUYV and for GREY, and what the test pattern
 * writes.  JPEG (JFIF) wants full range, so the JPEG path rescales.
 */
#ifndef GRAB_CAPTURE_CONVERT_H
#define GRAB_CAPTURE_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include <grab/grab.h>

/* Bytes per pixel of a format as captured, 0 if unknown. */
unsigned int convert_bpp(uint32_t fourcc);

/* Y4M colour space tag ("422", "mono", "444") of what a format is written as. */
const char *convert_y4m_colorspace(uint32_t fourcc);

/* Bytes of one Y4M frame payload (planes, no "FRAME\n") for @fmt. */
size_t convert_y4m_size(const struct grab_image_format *fmt);

/* Bytes of a packed RGB image of @fmt's size. */
size_t convert_rgb_size(const struct grab_image_format *fmt);

/* Any format to packed R, G, B bytes (width * 3 per line). 0 or -EINVAL. */
int convert_to_rgb(const struct grab_image_format *fmt, const uint8_t *src,
		   uint8_t *dst);

/*
 * Any format to the planes of a Y4M frame, one after the other:
 * YUYV -> Y, Cb, Cr at 4:2:2 (planar, no resampling); GREY -> Y only;
 * RGB24 -> Y, Cb, Cr at 4:4:4, BT.601 limited range.  0 or -EINVAL.
 */
int convert_to_y4m(const struct grab_image_format *fmt, const uint8_t *src,
		   uint8_t *dst);

/*
 * For JPEG: YUYV -> full-range Y, Cb, Cr planes at 4:2:2 (Y at @dst,
 * Cb after width * height bytes, Cr after that); GREY -> full-range Y.
 * RGB24 needs nothing (TurboJPEG takes it as is).  0 or -EINVAL.
 */
int convert_to_jpeg_planes(const struct grab_image_format *fmt,
			   const uint8_t *src, uint8_t *dst);

/* BT.601 limited-range Y'CbCr to R, G, B (rounded, clamped). */
void convert_ycbcr_to_rgb(int y, int cb, int cr, uint8_t rgb[3]);

#endif /* GRAB_CAPTURE_CONVERT_H */

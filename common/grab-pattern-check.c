// SPDX-License-Identifier: MIT
/*
 * Checking MJPEG pattern frames (the verifiers of the test tiers): by
 * re-encoding, and reading the sequence back from the decoded barcode.
 * See grab-image.h.
 */
#include <errno.h>
#include <stdlib.h>

#include <turbojpeg.h>

#include "grab-image.h"
#include "grab-pattern.h"

int64_t grab_pattern_jpeg_verify(const uint8_t *frame, size_t len,
				 const struct grab_format *fmt,
				 uint64_t sequence)
{
	struct grab_jpeg_encoder *enc = NULL;
	struct grab_format yuyv;
	const uint8_t *want;
	uint8_t *buf = NULL;
	size_t want_len, i, n;
	int64_t ret = -2;

	if (fmt->fourcc != GRAB_FMT_MJPEG ||
	    grab_pattern_jpeg_source(fmt, &yuyv) ||
	    grab_jpeg_encoder_new(&yuyv, GRAB_PATTERN_JPEG_QUALITY, &enc))
		return -2;
	buf = malloc(yuyv.sizeimage);
	if (!buf || grab_pattern_jpeg(enc, buf, sequence, &want, &want_len))
		goto out;
	n = len < want_len ? len : want_len;
	for (i = 0; i < n; i++)
		if (frame[i] != want[i])
			break;
	ret = i < n ? (int64_t)i : len != want_len ? (int64_t)n : -1;
out:
	free(buf);
	grab_jpeg_encoder_free(enc);
	return ret;
}

int grab_pattern_jpeg_sequence(const uint8_t *frame, size_t len,
			       const struct grab_format *fmt,
			       uint32_t *ret_low32)
{
	struct grab_format grey = {
		.width = fmt->width,
		.height = fmt->height,
		.fourcc = GRAB_FMT_GREY,
	};
	tjhandle tj = tjInitDecompress();
	uint8_t *pixels = NULL;
	int w, h, sub, cs, ret = -EINVAL;

	if (!tj || grab_format_complete(&grey) ||
	    tjDecompressHeader3(tj, frame, (unsigned long)len, &w, &h, &sub,
				&cs) < 0 ||
	    (uint32_t)w != fmt->width || (uint32_t)h != fmt->height)
		goto out;
	pixels = malloc(grey.sizeimage);
	/* Decoded luma is full range; the barcode is black or white either
	 * way, and the reader thresholds at mid grey. */
	if (pixels && !tjDecompress2(tj, frame, (unsigned long)len, pixels, w,
				     (int)grey.bytesperline, h, TJPF_GRAY, 0))
		ret = grab_pattern_sequence(pixels, &grey, ret_low32);
out:
	free(pixels);
	if (tj)
		tjDestroy(tj);
	return ret;
}

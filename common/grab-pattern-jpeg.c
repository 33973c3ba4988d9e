// SPDX-License-Identifier: MIT
/*
 * The test pattern as MJPEG (grabberd's test: source); see grab-image.h.
 * A file of its own so that a program linking it pulls in only
 * grab_pattern_fill() (the benchmarks' DMA stand-in replaces that one).
 */
#include <errno.h>

#include "grab-image.h"
#include "grab-pattern.h"

int grab_pattern_jpeg_source(const struct grab_format *fmt,
			     struct grab_format *ret_yuyv)
{
	*ret_yuyv = (struct grab_format){
		.width = fmt->width,
		.height = fmt->height,
		.fourcc = GRAB_FMT_YUYV,
	};
	return grab_format_complete(ret_yuyv);
}

int grab_pattern_jpeg(struct grab_jpeg_encoder *enc, uint8_t *yuyv,
		      uint64_t sequence, const uint8_t **ret_data,
		      size_t *ret_len)
{
	const struct grab_format *fmt = grab_jpeg_encoder_format(enc);

	if (fmt->fourcc != GRAB_FMT_YUYV ||
	    grab_jpeg_encoder_quality(enc) != GRAB_PATTERN_JPEG_QUALITY ||
	    grab_pattern_fill(yuyv, fmt, sequence))
		return -EINVAL;
	return grab_jpeg_encode(enc, yuyv, ret_data, ret_len);
}

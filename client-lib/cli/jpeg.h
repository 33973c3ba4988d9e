/* SPDX-License-Identifier: MIT */
/*
 * JPEG encoding for grab-capture (and its benchmark) through libjpeg-turbo's
 * TurboJPEG API.  YUYV is encoded at 4:2:2 straight from its planes (no
 * colour conversion, no resampling), GREY as greyscale, RGB24 at 4:4:4.
 */
#ifndef GRAB_CAPTURE_JPEG_H
#define GRAB_CAPTURE_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include <grab/grab.h>

struct jpeg_encoder;

/* An encoder for frames of @fmt at @quality (1..100).  0 or -errno. */
int jpeg_encoder_new(const struct grab_image_format *fmt, int quality,
		     struct jpeg_encoder **ret_enc);

/*
 * Encode one frame.  *@ret_data (valid until the next call) and *@ret_len
 * get the JPEG.  Returns 0, or -EINVAL with jpeg_encoder_error() saying why.
 */
int jpeg_encode(struct jpeg_encoder *enc, const uint8_t *frame,
		const uint8_t **ret_data, size_t *ret_len);

const char *jpeg_encoder_error(const struct jpeg_encoder *enc);

void jpeg_encoder_free(struct jpeg_encoder *enc);

#endif /* GRAB_CAPTURE_JPEG_H */

// SPDX-License-Identifier: MIT
/*
 * JPEG through TurboJPEG; see jpeg.h.
 *
 * The output buffer is allocated once at tjBufSize() (the worst case for the
 * geometry and subsampling) and reused with TJFLAG_NOREALLOC, so encoding a
 * frame allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "convert.h"
#include "jpeg.h"

struct jpeg_encoder {
	tjhandle tj;
	struct grab_image_format fmt;
	int quality;
	int subsamp;
	unsigned char *out;
	unsigned long out_size;
	uint8_t *planes;	/* full-range planes for YUYV and GREY */
};

int jpeg_encoder_new(const struct grab_image_format *fmt, int quality,
		     struct jpeg_encoder **ret_enc)
{
	struct jpeg_encoder *enc;
	size_t luma = (size_t)fmt->width * fmt->height;

	if (quality < 1 || quality > 100 || !convert_bpp(fmt->fourcc) ||
	    fmt->width > 65535 || fmt->height > 65535)
		return -EINVAL;
	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return -ENOMEM;
	enc->fmt = *fmt;
	enc->quality = quality;
	switch (fmt->fourcc) {
	case GRAB_PIXFMT_YUYV:
		enc->subsamp = TJSAMP_422;
		enc->planes = malloc(luma * 2);
		break;
	case GRAB_PIXFMT_GREY:
		enc->subsamp = TJSAMP_GRAY;
		enc->planes = malloc(luma);
		break;
	default:
		enc->subsamp = TJSAMP_444;
		break;
	}
	enc->tj = tjInitCompress();
	enc->out_size = tjBufSize((int)fmt->width, (int)fmt->height, enc->subsamp);
	enc->out = enc->out_size != (unsigned long)-1 ? tjAlloc((int)enc->out_size) : NULL;
	if (!enc->tj || !enc->out ||
	    (fmt->fourcc != GRAB_PIXFMT_RGB24 && !enc->planes)) {
		jpeg_encoder_free(enc);
		return -ENOMEM;
	}
	*ret_enc = enc;
	return 0;
}

int jpeg_encode(struct jpeg_encoder *enc, const uint8_t *frame,
		const uint8_t **ret_data, size_t *ret_len)
{
	const struct grab_image_format *fmt = &enc->fmt;
	unsigned long len = enc->out_size;
	int w = (int)fmt->width, h = (int)fmt->height, r;

	if (fmt->fourcc == GRAB_PIXFMT_RGB24) {
		r = tjCompress2(enc->tj, frame, w, (int)fmt->bytesperline, h,
				TJPF_RGB, &enc->out, &len, enc->subsamp,
				enc->quality, TJFLAG_NOREALLOC);
	} else {
		size_t luma = (size_t)w * h;
		const unsigned char *planes[3] = {
			enc->planes, enc->planes + luma, enc->planes + luma + luma / 2,
		};

		if (convert_to_jpeg_planes(fmt, frame, enc->planes))
			return -EINVAL;
		r = tjCompressFromYUVPlanes(enc->tj, planes, w, NULL, h,
					    enc->subsamp, &enc->out, &len,
					    enc->quality, TJFLAG_NOREALLOC);
	}
	if (r < 0)
		return -EINVAL;
	*ret_data = enc->out;
	*ret_len = len;
	return 0;
}

const char *jpeg_encoder_error(const struct jpeg_encoder *enc)
{
	return tjGetErrorStr2(enc->tj);
}

void jpeg_encoder_free(struct jpeg_encoder *enc)
{
	if (!enc)
		return;
	if (enc->tj)
		tjDestroy(enc->tj);
	tjFree(enc->out);
	free(enc->planes);
	free(enc);
}

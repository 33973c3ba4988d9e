// SPDX-License-Identifier: MIT
/*
 * JPEG of the image library, through TurboJPEG; see grab-image.h.
 *
 * The output buffer is allocated once at tjBufSize() (the worst case for the
 * geometry and subsampling) and reused with TJFLAG_NOREALLOC, so encoding a
 * frame allocates nothing.  YUV formats go in as full-range planes at their
 * own subsampling (tjCompressFromYUVPlanes), so the encoder neither
 * converts colours nor resamples; RGB and BGR go in as they are; Bayer
 * through the 2x2-cell demosaic as RGB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "grab-image.h"

struct grab_jpeg_encoder {
	tjhandle tj;
	struct grab_format fmt;
	int quality;
	int subsamp;
	unsigned char *out;
	unsigned long out_size;
	uint8_t *planes; /* full-range planes (YUV, grey) or RGB (Bayer) */
};

/* Limited to full range: Y' 16..235 -> 0..255, C 16..240 -> 0..255. */
static uint8_t full_y[256], full_c[256];

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

static void init_full_range(void)
{
	static int done;
	int i;

	if (done)
		return;
	for (i = 0; i < 256; i++) {
		int c = i - 128;

		full_y[i] = clamp8(((i - 16) * 255 + 109) / 219);
		full_c[i] =
			clamp8(128 + (c * 255 + (c < 0 ? -112 : 112)) / 224);
	}
	done = 1;
}

static int subsamp_of(uint32_t fourcc)
{
	switch (fourcc) {
	case GRAB_FMT_YUYV:
	case GRAB_FMT_UYVY:
		return TJSAMP_422;
	case GRAB_FMT_NV12:
	case GRAB_FMT_YU12:
		return TJSAMP_420;
	case GRAB_FMT_GREY:
	case GRAB_FMT_Y16:
		return TJSAMP_GRAY;
	default:
		return TJSAMP_444;
	}
}

static int is_rgb(uint32_t fourcc)
{
	return fourcc == GRAB_FMT_RGB24 || fourcc == GRAB_FMT_BGR24;
}

/* Bytes of the scratch planes a format needs (0: none). */
static size_t scratch_size(const struct grab_format *fmt, int subsamp)
{
	size_t luma = (size_t)fmt->width * fmt->height;

	if (is_rgb(fmt->fourcc))
		return 0;
	switch (subsamp) {
	case TJSAMP_422:
		return luma * 2;
	case TJSAMP_420:
		return luma + luma / 2;
	case TJSAMP_GRAY:
		return luma;
	default: /* Bayer: demosaiced RGB */
		return luma * 3;
	}
}

int grab_jpeg_encoder_new(const struct grab_format *fmt, int quality,
			  struct grab_jpeg_encoder **ret_enc)
{
	struct grab_jpeg_encoder *enc;
	size_t scratch;

	if (quality < 1 || quality > 100 || grab_format_valid(fmt) ||
	    !fmt->nplanes || fmt->width > 65535 || fmt->height > 65535)
		return -EINVAL;
	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return -ENOMEM;
	enc->fmt = *fmt;
	enc->quality = quality;
	enc->subsamp = subsamp_of(fmt->fourcc);
	scratch = scratch_size(fmt, enc->subsamp);
	if (scratch)
		enc->planes = malloc(scratch);
	enc->tj = tjInitCompress();
	enc->out_size =
		tjBufSize((int)fmt->width, (int)fmt->height, enc->subsamp);
	enc->out = enc->out_size != (unsigned long)-1 ?
			   tjAlloc((int)enc->out_size) :
			   NULL;
	if (!enc->tj || !enc->out || (scratch && !enc->planes)) {
		grab_jpeg_encoder_free(enc);
		return -ENOMEM;
	}
	init_full_range();
	*ret_enc = enc;
	return 0;
}

/* A YUV or grey frame to full-range planes at its own subsampling. */
static void to_full_planes(const struct grab_format *fmt, const uint8_t *src,
			   uint8_t *dst)
{
	size_t luma = (size_t)fmt->width * fmt->height;
	uint32_t w = fmt->width, h = fmt->height, x, y;
	uint8_t *py = dst, *pu = dst + luma, *pv;

	switch (fmt->fourcc) {
	case GRAB_FMT_YUYV:
	case GRAB_FMT_UYVY: {
		int yo = fmt->fourcc == GRAB_FMT_YUYV ? 0 : 1, co = 1 - yo;

		pv = pu + luma / 2;
		for (y = 0; y < h; y++) {
			const uint8_t *s =
				src + (size_t)y * fmt->planes[0].stride;

			for (x = 0; x < w; x += 2, s += 4) {
				*py++ = full_y[s[yo]];
				*pu++ = full_c[s[co]];
				*py++ = full_y[s[2 + yo]];
				*pv++ = full_c[s[2 + co]];
			}
		}
		return;
	}
	case GRAB_FMT_NV12:
	case GRAB_FMT_YU12:
		pv = pu + luma / 4;
		for (y = 0; y < h; y++) {
			const uint8_t *s =
				src + (size_t)y * fmt->planes[0].stride;

			for (x = 0; x < w; x++)
				*py++ = full_y[s[x]];
		}
		for (y = 0; y < h / 2; y++) {
			const uint8_t *c1 = src + fmt->planes[1].offset +
					    (size_t)y * fmt->planes[1].stride;
			const uint8_t *c2 = src + fmt->planes[2].offset +
					    (size_t)y * fmt->planes[2].stride;

			for (x = 0; x < w / 2; x++) {
				if (fmt->fourcc == GRAB_FMT_NV12) {
					*pu++ = full_c[c1[2 * x]];
					*pv++ = full_c[c1[2 * x + 1]];
				} else {
					*pu++ = full_c[c1[x]];
					*pv++ = full_c[c2[x]];
				}
			}
		}
		return;
	default: { /* GREY, Y16 (high byte) */
		uint32_t step = fmt->fourcc == GRAB_FMT_Y16 ? 2 : 1;
		uint32_t at = step - 1;

		for (y = 0; y < h; y++) {
			const uint8_t *s =
				src + (size_t)y * fmt->planes[0].stride;

			for (x = 0; x < w; x++)
				*py++ = full_y[s[x * step + at]];
		}
		return;
	}
	}
}

int grab_jpeg_encode(struct grab_jpeg_encoder *enc, const uint8_t *frame,
		     const uint8_t **ret_data, size_t *ret_len)
{
	const struct grab_format *fmt = &enc->fmt;
	unsigned long len = enc->out_size;
	int w = (int)fmt->width, h = (int)fmt->height, r;

	if (is_rgb(fmt->fourcc) || enc->subsamp == TJSAMP_444) {
		const uint8_t *rgb = frame;
		int pitch = (int)fmt->bytesperline;
		int pf = fmt->fourcc == GRAB_FMT_BGR24 ? TJPF_BGR : TJPF_RGB;

		if (!is_rgb(fmt->fourcc)) {
			if (grab_image_to_rgb(fmt, frame, enc->planes))
				return -EINVAL;
			rgb = enc->planes;
			pitch = w * 3;
		}
		r = tjCompress2(enc->tj, rgb, w, pitch, h, pf, &enc->out, &len,
				enc->subsamp, enc->quality, TJFLAG_NOREALLOC);
	} else {
		size_t luma = (size_t)w * h;
		size_t chroma = enc->subsamp == TJSAMP_422 ? luma / 2 :
							     luma / 4;
		const unsigned char *planes[3] = {
			enc->planes,
			enc->planes + luma,
			enc->planes + luma + chroma,
		};

		to_full_planes(fmt, frame, enc->planes);
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

const char *grab_jpeg_encoder_error(const struct grab_jpeg_encoder *enc)
{
	return tjGetErrorStr2(enc->tj);
}

const struct grab_format *
grab_jpeg_encoder_format(const struct grab_jpeg_encoder *enc)
{
	return &enc->fmt;
}

int grab_jpeg_encoder_quality(const struct grab_jpeg_encoder *enc)
{
	return enc->quality;
}

void grab_jpeg_encoder_free(struct grab_jpeg_encoder *enc)
{
	if (!enc)
		return;
	if (enc->tj)
		tjDestroy(enc->tj);
	tjFree(enc->out);
	free(enc->planes);
	free(enc);
}

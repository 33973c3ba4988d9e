/* SPDX-License-Identifier: MIT */
/*
 * The image library (libgrab-image.a, internal): pixel conversion and JPEG
 * for every format of the one format table (kernel/grab-format.h), on
 * struct grab_format as the ring carries it (planes included).  Linked by
 * grabberd (HTTP JPEG, the test source's MJPEG), grab-capture and the
 * benchmarks; never by libgrab, which stays free of image dependencies.
 *
 * Y'CbCr is BT.601 limited range (Y' 16..235, Cb/Cr 16..240), the V4L2
 * default for YUV and grey formats and what the test pattern writes; JPEG
 * (JFIF) wants full range, so the JPEG path rescales.  Y16 is read as its
 * high byte wherever 8 bits are wanted.  Bayer is demosaiced per 2x2 cell:
 * the cell's R, B and the mean of its two G go to all four of its pixels
 * (no colour from a neighbouring cell bleeds across an edge; exact on any
 * picture that is constant over cells, as the test pattern is at even
 * sizes).
 */
#ifndef GRAB_IMAGE_H
#define GRAB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel/grab-format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BT.601 limited-range Y'CbCr to R, G, B (8-bit fixed point, rounded). */
void grab_image_ycbcr_to_rgb(int y, int cb, int cr, uint8_t rgb[3]);

/* Bytes of a packed R, G, B image of @fmt's size (width * 3 per line). */
size_t grab_image_rgb_size(const struct grab_format *fmt);

/* Any raw format to packed R, G, B bytes.  0 or -EINVAL (compressed,
 * invalid). */
int grab_image_to_rgb(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst);

/*
 * Y4M: the colour space tag a format is written with ("422", "420mpeg2",
 * "mono", "mono16", "444"), NULL if it has none (compressed).  YUYV and UYVY
 * stay 4:2:2, NV12 and YU12 4:2:0 (chroma sited as V4L2/MPEG-2: left,
 * between lines), GREY mono, Y16 mono16; RGB, BGR and Bayer become 4:4:4
 * Y'CbCr (BT.601 limited range).
 */
const char *grab_image_y4m_colorspace(uint32_t fourcc);

/* Bytes of one Y4M frame payload (planes, no "FRAME\n"); 0 if none. */
size_t grab_image_y4m_size(const struct grab_format *fmt);

/* A frame to the planes of a Y4M frame, one after the other, no padding
 * (NV12's interleaved chroma is split into Cb and Cr).  0 or -EINVAL. */
int grab_image_to_y4m(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst);

/*
 * PPM/PGM: the header ("P6\nW H\n255\n", or "P5\nW H\n65535\n" for Y16)
 * into @buf; its length, or 0 if it did not fit.  The payload is
 * grab_image_ppm_size() bytes from grab_image_to_ppm(): packed RGB, or for
 * Y16 the luma stretched from limited to full range (PGM samples are
 * intensities) as 16-bit big-endian samples (PGM's byte order).
 */
size_t grab_image_ppm_header(const struct grab_format *fmt, char *buf,
			     size_t len);
size_t grab_image_ppm_size(const struct grab_format *fmt);
int grab_image_to_ppm(const struct grab_format *fmt, const uint8_t *src,
		      uint8_t *dst);

struct grab_jpeg_encoder;

/*
 * A JPEG encoder for frames of any raw format @fmt at @quality (1..100),
 * through libjpeg-turbo's TurboJPEG API: YUYV/UYVY at 4:2:2 and NV12/YU12
 * at 4:2:0 straight from their planes (no resampling), GREY and Y16 as
 * greyscale, RGB and BGR as they are and Bayer demosaiced at 4:4:4.
 * 0, -EINVAL (compressed or bad format, bad quality) or -ENOMEM.
 */
int grab_jpeg_encoder_new(const struct grab_format *fmt, int quality,
			  struct grab_jpeg_encoder **ret_enc);

/*
 * Encode one frame.  *@ret_data (valid until the next call) and *@ret_len
 * get the JPEG.  Returns 0, or -EINVAL with grab_jpeg_encoder_error()
 * saying why.  The same frame and quality always give the same bytes.
 */
int grab_jpeg_encode(struct grab_jpeg_encoder *enc, const uint8_t *frame,
		     const uint8_t **ret_data, size_t *ret_len);

const char *grab_jpeg_encoder_error(const struct grab_jpeg_encoder *enc);

/* What the encoder was made for. */
const struct grab_format *
grab_jpeg_encoder_format(const struct grab_jpeg_encoder *enc);
int grab_jpeg_encoder_quality(const struct grab_jpeg_encoder *enc);

void grab_jpeg_encoder_free(struct grab_jpeg_encoder *enc);

/*
 * The test pattern as MJPEG: frame @sequence drawn in YUYV and encoded at
 * GRAB_PATTERN_JPEG_QUALITY by @enc (made for the YUYV format of the same
 * size; @yuyv holds one YUYV frame).  Deterministic: the same sequence
 * always gives the same bytes, so a verifier re-encodes and compares.
 */
#define GRAB_PATTERN_JPEG_QUALITY 90

/* The YUYV format an MJPEG pattern of @fmt's size is drawn in. */
int grab_pattern_jpeg_source(const struct grab_format *fmt,
			     struct grab_format *ret_yuyv);

int grab_pattern_jpeg(struct grab_jpeg_encoder *enc, uint8_t *yuyv,
		      uint64_t sequence, const uint8_t **ret_data,
		      size_t *ret_len);

/*
 * Check an MJPEG frame of @len bytes against the pattern for @sequence by
 * re-encoding it.  Returns -1 when every byte matches, otherwise the
 * offset of the first byte that differs (@len if the lengths differ and
 * one is a prefix of the other), -2 on a bad format or no memory.
 */
int64_t grab_pattern_jpeg_verify(const uint8_t *frame, size_t len,
				 const struct grab_format *fmt,
				 uint64_t sequence);

/*
 * Read the sequence number back from an MJPEG pattern frame's barcode
 * (decoded as greyscale): its low bits into *@ret_low32, as
 * grab_pattern_sequence() does for raw frames.  Lets a tool verify JPEG
 * frames that arrive without their sequence.  The number of bits, or
 * -EINVAL if the frame is not a JPEG of @fmt's size.
 */
int grab_pattern_jpeg_sequence(const uint8_t *frame, size_t len,
			       const struct grab_format *fmt,
			       uint32_t *ret_low32);

#ifdef __cplusplus
}
#endif

#endif /* GRAB_IMAGE_H */

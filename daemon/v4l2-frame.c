// SPDX-License-Identifier: MIT
/*
 * Copying a V4L2 buffer into a ring slot, and numbering frames from the
 * buffer's sequence.  See v4l2-frame.h.
 */
#include <string.h>

#include "v4l2-frame.h"

/* The camera's plane layout: the ring's format with the camera's pitch. */
static int cam_planes(const struct grab_format *ring, uint32_t cam_bpl,
		      struct grab_plane_layout *ret, __u64 *ret_size)
{
	struct grab_format cam = *ring;

	cam.bytesperline = cam_bpl;
	return grab_format_planes(&cam, ret, ret_size);
}

uint64_t v4l2_frame_min_bytes(const struct grab_format *ring, uint32_t cam_bpl)
{
	const struct grab_format_info *fi = grab_format_info(ring->fourcc);
	struct grab_plane_layout cp;
	__u64 size;
	uint32_t last;

	if (!fi || !fi->nplanes || cam_planes(ring, cam_bpl, &cp, &size))
		return 1;
	last = fi->nplanes - 1;
	/* A driver may leave out the padding after the very last line. */
	return cp.offset[last] +
	       (uint64_t)cp.stride[last] * (cp.lines[last] - 1) +
	       (uint64_t)ring->width * fi->plane_bits[last] / 8;
}

uint32_t v4l2_frame_check(const struct grab_format *ring, uint32_t cam_bpl,
			  const uint8_t *in, size_t bytesused, const char **why)
{
	const struct grab_format_info *fi = grab_format_info(ring->fourcc);

	if (!fi) {
		*why = "format unknown";
		return 0;
	}
	if (fi->nplanes) {
		if (bytesused < v4l2_frame_min_bytes(ring, cam_bpl)) {
			*why = "short buffer";
			return 0;
		}
		return ring->sizeimage;
	}
	/* Compressed: a JPEG starts with SOI (FF D8); anything else (an
	 * empty or garbled buffer) is no frame. */
	if (!bytesused) {
		*why = "empty buffer";
		return 0;
	}
	if (bytesused > ring->sizeimage) {
		*why = "frame larger than a slot";
		return 0;
	}
	if (bytesused < 2 || in[0] != 0xff || in[1] != 0xd8) {
		*why = "not a JPEG (no SOI marker)";
		return 0;
	}
	return (uint32_t)bytesused;
}

void v4l2_frame_copy(const struct grab_format *ring, uint32_t cam_bpl,
		     const uint8_t *in, uint32_t bytes, uint8_t *out)
{
	const struct grab_format_info *fi = grab_format_info(ring->fourcc);
	struct grab_plane_layout cp, rp;
	__u64 size;
	uint32_t i, y, line;

	if (!fi->nplanes || cam_bpl == ring->bytesperline) {
		memcpy(out, in, bytes);
		return;
	}
	cam_planes(ring, cam_bpl, &cp, &size);
	grab_format_planes(ring, &rp, &size);
	for (i = 0; i < fi->nplanes; i++) {
		line = ring->width * fi->plane_bits[i] / 8;
		for (y = 0; y < rp.lines[i]; y++)
			memcpy(out + rp.offset[i] + (size_t)y * rp.stride[i],
			       in + cp.offset[i] + (size_t)y * cp.stride[i],
			       line);
	}
}

uint32_t v4l2_seq_next(struct v4l2_seq *s, uint32_t seq)
{
	uint32_t gap = 0, ahead = seq - s->last;

	/* Forward by less than half the number space: a gap of ahead - 1.
	 * Anything else (same number, backwards) is a driver that does not
	 * count, or restarted: no gap can be told. */
	if (!s->any) {
		s->any = true;
		s->first = seq;
	} else if (ahead && ahead < 0x80000000u) {
		gap = ahead - 1;
	}
	s->gaps += gap;
	s->last = seq;
	s->count++;
	return gap;
}

/* SPDX-License-Identifier: MIT */
/*
 * The V4L2 source's per-frame arithmetic, apart from any device so the unit
 * tier can check it: copying a camera's buffer into a ring slot, numbering
 * frames from the buffer's sequence, and its timestamp.
 */
#ifndef GRABBERD_V4L2_FRAME_H
#define GRABBERD_V4L2_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "grab-format.h"

/*
 * Whether a camera buffer of @bytesused bytes holds a whole frame for a
 * ring laid out as @ring (completed), the camera's line pitch being
 * @cam_bpl.  Returns the bytes the frame takes in a slot (the ring's
 * sizeimage for a raw format, @bytesused for MJPEG), or 0 with *@why saying
 * what is wrong (short, empty, larger than a slot, not a JPEG).  Checked
 * before a slot is begun: a begun slot must be committed.
 */
uint32_t v4l2_frame_check(const struct grab_format *ring, uint32_t cam_bpl,
			  const uint8_t *in, size_t bytesused,
			  const char **why);

/*
 * Copy a frame v4l2_frame_check() passed (@bytes as it returned) into a
 * slot.  Raw formats: the camera's planes follow the V4L2 single-planar
 * convention with its own line pitch @cam_bpl (plane i's stride is @cam_bpl
 * scaled like the table's), which may differ from the ring's; each line is
 * copied to the ring's layout, padding left out.  MJPEG: the bytes as they
 * are.
 */
void v4l2_frame_copy(const struct grab_format *ring, uint32_t cam_bpl,
		     const uint8_t *in, uint32_t bytes, uint8_t *out);

/*
 * The bytes a camera buffer of @ring with line pitch @cam_bpl must hold at
 * least: up to the last pixel of the last line of the last plane.
 */
uint64_t v4l2_frame_min_bytes(const struct grab_format *ring, uint32_t cam_bpl);

/**
 * struct v4l2_seq - a camera's frame numbers (struct v4l2_buffer.sequence)
 * @any:   a frame was seen
 * @first: sequence of the first frame seen
 * @last:  sequence of the newest frame seen
 * @gaps:  frames the camera numbered but never delivered
 * @count: frames seen
 */
struct v4l2_seq {
	bool any;
	uint32_t first;
	uint32_t last;
	uint64_t gaps;
	uint64_t count;
};

/*
 * Frame @seq came: returns how many frames are missing before it (the gap
 * since the previous one, across the 32-bit wrap).  A sequence that does
 * not move forward (a driver that leaves it 0, or restarts it) counts no
 * gap.
 */
uint32_t v4l2_seq_next(struct v4l2_seq *s, uint32_t seq);

/* A V4L2 buffer's timestamp in ns. */
static inline uint64_t v4l2_timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u +
	       (uint64_t)tv->tv_usec * 1000u;
}

#endif

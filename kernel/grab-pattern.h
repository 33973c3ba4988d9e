/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The grab test pattern: a pure function of (format, frame sequence).
 *
 * Eight colour bars that move a few pixels per frame, a frame counter in the
 * top-left corner and a barcode of the sequence number on the right edge of
 * every line.  The barcode puts the sequence into every line, so a frame
 * stitched together from two different frames never verifies.
 *
 * Shared by grab.ko (the simulated capture engine), grabberd (the test
 * source) and every test that checks a frame byte for byte: no libc here.
 */
#ifndef GRAB_PATTERN_H
#define GRAB_PATTERN_H

#include "uapi/linux/grab.h"

/*
 * Write the frame for @sequence into @frame (fmt->sizeimage bytes); -EINVAL
 * for an invalid or compressed format.
 */
int grab_pattern_fill(void *frame, const struct grab_format *fmt,
		      __u64 sequence);

/*
 * Check @frame against the frame for @sequence.  @scratch must hold
 * fmt->bytesperline bytes.  Returns -1 when every byte matches, otherwise
 * the offset of the first byte that differs (or -2 for a bad format).
 */
__s64 grab_pattern_verify(const void *frame, const struct grab_format *fmt,
			  __u64 sequence, void *scratch);

/*
 * Read the sequence number back from a frame's barcode: its low bits (as
 * many as the barcode holds, 32 from 128 pixels wide) into *@ret_low32.
 * Returns the number of bits read, or -EINVAL for a bad format.  Lets a tool
 * verify frames that arrive without their sequence (a raw file, a JPEG).
 */
int grab_pattern_sequence(const void *frame, const struct grab_format *fmt,
			  __u32 *ret_low32);

#endif /* GRAB_PATTERN_H */

// SPDX-License-Identifier: MIT
/*
 * grabberd-dma: grabberd's own objects linked with this grab_pattern_fill()
 * in place of the real one (benchmarks only, never installed).
 *
 * With grab.ko the pixels are written by the "device" (DMA), not by the
 * daemon, which then only publishes and notifies.  The test source fills
 * the pattern itself, which costs the daemon a pass over every byte of
 * every frame and hides what the zero-copy path costs at each frame size.
 * This stand-in for the DMA writes only the first 8 bytes (the sequence),
 * so the daemon's CPU per frame is what delivery costs.
 */
#include <string.h>

#include "grab-format.h"
#include "grab-pattern.h"

int grab_pattern_fill(void *frame, const struct grab_format *fmt,
		      __u64 sequence)
{
	if (fmt->sizeimage >= sizeof(sequence))
		memcpy(frame, &sequence, sizeof(sequence));
	return 0;
}

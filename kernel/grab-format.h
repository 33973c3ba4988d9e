/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Format and ring-layout arithmetic shared by grab.ko and user space.
 *
 * Freestanding: no libc, no kernel-only helpers, so the kernel module, the
 * daemon and libgrab compute exactly the same layout from the same inputs.
 */
#ifndef GRAB_FORMAT_H
#define GRAB_FORMAT_H

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

#include "uapi/linux/grab.h"

/**
 * struct grab_layout - where things are in a ring of a given format
 * @desc_offset: offset of the descriptor array
 * @data_offset: offset of slot 0, page aligned
 * @slot_stride: bytes between slots, a page multiple
 * @ring_size:   bytes of the whole ring
 */
struct grab_layout {
	__u32 desc_offset;
	__u32 data_offset;
	__u32 slot_stride;
	__u64 ring_size;
};

/* Bytes per pixel of a format, 0 if the format is not supported. */
static inline __u32 grab_format_bpp(__u32 fourcc)
{
	switch (fourcc) {
	case GRAB_FMT_YUYV:
		return 2;
	case GRAB_FMT_GREY:
		return 1;
	case GRAB_FMT_RGB24:
		return 3;
	default:
		return 0;
	}
}

/* Short printable name of a format ("YUYV"), "?" if unknown. */
static inline const char *grab_format_name(__u32 fourcc)
{
	switch (fourcc) {
	case GRAB_FMT_YUYV:
		return "YUYV";
	case GRAB_FMT_GREY:
		return "GREY";
	case GRAB_FMT_RGB24:
		return "RGB3";
	default:
		return "?";
	}
}

/*
 * Check width, height and fourcc, and fill in bytesperline (if zero: tightly
 * packed) and sizeimage.  Returns 0 or -EINVAL.
 */
static inline int grab_format_complete(struct grab_format *fmt)
{
	__u32 bpp = grab_format_bpp(fmt->fourcc);
	__u64 size;

	if (!bpp || fmt->width < GRAB_MIN_WIDTH || fmt->width > GRAB_MAX_WIDTH ||
	    fmt->height < GRAB_MIN_HEIGHT || fmt->height > GRAB_MAX_HEIGHT)
		return -EINVAL;
	/* YUYV carries chroma per pixel pair. */
	if (fmt->fourcc == GRAB_FMT_YUYV && (fmt->width & 1))
		return -EINVAL;
	if (!fmt->bytesperline)
		fmt->bytesperline = fmt->width * bpp;
	if (fmt->bytesperline < fmt->width * bpp ||
	    fmt->bytesperline > GRAB_MAX_WIDTH * 4)
		return -EINVAL;
	size = (__u64)fmt->bytesperline * fmt->height;
	fmt->sizeimage = (__u32)size;
	return 0;
}

/*
 * Check a format as read from somewhere untrusted (a ring, the wire).  It
 * must be complete: a bytesperline of 0 ("packed, fill it in") is for
 * requests only, and would reach applications as a row pitch of 0.
 */
static inline int grab_format_valid(const struct grab_format *fmt)
{
	struct grab_format copy = *fmt;

	if (!fmt->bytesperline || grab_format_complete(&copy))
		return -EINVAL;
	if (copy.sizeimage != fmt->sizeimage)
		return -EINVAL;
	return 0;
}

static inline __u64 grab_round_up(__u64 value, __u32 align)
{
	return (value + align - 1) / align * align;
}

/*
 * Lay out a ring of @nslots frames of @fmt (already completed) for a given
 * page size.  Returns 0 or -EINVAL.
 */
static inline int grab_ring_layout(const struct grab_format *fmt, __u32 nslots,
				   __u32 page_size, struct grab_layout *out)
{
	__u64 data, stride;

	if (nslots < GRAB_MIN_SLOTS || nslots > GRAB_MAX_SLOTS || !page_size ||
	    grab_format_valid(fmt))
		return -EINVAL;
	out->desc_offset = sizeof(struct grab_ring_header);
	data = grab_round_up(out->desc_offset +
			     (__u64)nslots * sizeof(struct grab_slot_desc),
			     page_size);
	stride = grab_round_up(fmt->sizeimage, page_size);
	out->data_offset = (__u32)data;
	out->slot_stride = (__u32)stride;
	out->ring_size = data + stride * nslots;
	return 0;
}

#endif /* GRAB_FORMAT_H */

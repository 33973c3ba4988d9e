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

#define GRAB_FORMAT_ALIASES 3

/**
 * struct grab_format_info - one row of THE format table
 * @fourcc:      GRAB_FMT_*
 * @name:        canonical name, as printed everywhere ("YUYV")
 * @aliases:     other names accepted on input, any case ("YUY2"); NULL-padded
 * @description: what the bytes are, for --help and man pages
 * @nplanes:     planes of a raw frame; 0 for a compressed format (one blob
 *               of a frame's bytesused, at most sizeimage)
 * @align_w:     the width must be a multiple of this (chroma pairs, Bayer)
 * @align_h:     the height must be a multiple of this
 * @plane_bits:  bits per pixel of each plane along a line; plane 0 sets
 *               bytesperline, plane i's stride is bytesperline * bits[i] /
 *               bits[0] (the V4L2 single-planar convention)
 * @plane_vdiv:  vertical subsampling of each plane (lines = height / vdiv)
 */
struct grab_format_info {
	__u32 fourcc;
	const char *name;
	const char *aliases[GRAB_FORMAT_ALIASES];
	const char *description;
	__u8 nplanes;
	__u8 align_w;
	__u8 align_h;
	__u8 plane_bits[GRAB_MAX_PLANES];
	__u8 plane_vdiv[GRAB_MAX_PLANES];
};

/*
 * THE format table: every place that names, parses, sizes or converts a
 * pixel format starts here.  A new format is one row (plus its producers
 * and converters).  At file scope, not a static local of an inline
 * function: sparse inlines such a function into each caller and then
 * reports the table's initializers as "defined twice".  Each translation
 * unit that uses it has its own copy, as a static local would.  One row a
 * format, laid out by hand: clang-format would give each field a line.
 */
/* clang-format off */
static const struct grab_format_info grab_format_rows[] __attribute__((unused)) = {
	{ .fourcc = GRAB_FMT_YUYV, .name = "YUYV", .aliases = { "YUY2", "YUV422" },
	  .description = "4:2:2 packed Y0 Cb Y1 Cr, 16 bpp",
	  .nplanes = 1, .align_w = 2, .align_h = 1,
	  .plane_bits = { 16 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_UYVY, .name = "UYVY", .aliases = { "Y422" },
	  .description = "4:2:2 packed Cb Y0 Cr Y1, 16 bpp",
	  .nplanes = 1, .align_w = 2, .align_h = 1,
	  .plane_bits = { 16 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_NV12, .name = "NV12", .aliases = { NULL },
	  .description = "4:2:0, a Y plane then an interleaved CbCr plane",
	  .nplanes = 2, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8, 8 }, .plane_vdiv = { 1, 2 } },
	{ .fourcc = GRAB_FMT_YU12, .name = "YU12", .aliases = { "I420", "YUV420" },
	  .description = "4:2:0, Y, Cb and Cr planes",
	  .nplanes = 3, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8, 4, 4 }, .plane_vdiv = { 1, 2, 2 } },
	{ .fourcc = GRAB_FMT_RGB24, .name = "RGB3", .aliases = { "RGB24", "RGB" },
	  .description = "R, G, B bytes, 24 bpp",
	  .nplanes = 1, .align_w = 1, .align_h = 1,
	  .plane_bits = { 24 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_BGR24, .name = "BGR3", .aliases = { "BGR24", "BGR" },
	  .description = "B, G, R bytes, 24 bpp",
	  .nplanes = 1, .align_w = 1, .align_h = 1,
	  .plane_bits = { 24 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_GREY, .name = "GREY", .aliases = { "GRAY", "GRAY8", "Y8" },
	  .description = "8-bit luma",
	  .nplanes = 1, .align_w = 1, .align_h = 1,
	  .plane_bits = { 8 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_Y16, .name = "Y16", .aliases = { "Y16 ", "GRAY16", "GRAY16_LE" },
	  .description = "16-bit luma, little endian",
	  .nplanes = 1, .align_w = 1, .align_h = 1,
	  .plane_bits = { 16 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_SRGGB8, .name = "RGGB", .aliases = { "SRGGB8", "BAYER_RGGB" },
	  .description = "8-bit Bayer, lines R G R G / G B G B",
	  .nplanes = 1, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_SBGGR8, .name = "BA81", .aliases = { "SBGGR8", "BGGR", "BAYER_BGGR" },
	  .description = "8-bit Bayer, lines B G B G / G R G R",
	  .nplanes = 1, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_SGRBG8, .name = "GRBG", .aliases = { "SGRBG8", "BAYER_GRBG" },
	  .description = "8-bit Bayer, lines G R G R / B G B G",
	  .nplanes = 1, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_SGBRG8, .name = "GBRG", .aliases = { "SGBRG8", "BAYER_GBRG" },
	  .description = "8-bit Bayer, lines G B G B / R G R G",
	  .nplanes = 1, .align_w = 2, .align_h = 2,
	  .plane_bits = { 8 }, .plane_vdiv = { 1 } },
	{ .fourcc = GRAB_FMT_MJPEG, .name = "MJPG", .aliases = { "MJPEG", "JPEG" },
	  .description = "a JPEG image per frame, variable size",
	  .nplanes = 0, .align_w = 1, .align_h = 1,
	  .plane_bits = { 0 }, .plane_vdiv = { 1 } },
};

/* clang-format on */

/* The table and its length in *@ret_n. */
static inline const struct grab_format_info *
grab_format_table(unsigned int *ret_n)
{
	*ret_n = sizeof(grab_format_rows) / sizeof(grab_format_rows[0]);
	return grab_format_rows;
}

/* The table's row for @fourcc, NULL if grab does not know it. */
static inline const struct grab_format_info *grab_format_info(__u32 fourcc)
{
	unsigned int i, n;
	const struct grab_format_info *t = grab_format_table(&n);

	for (i = 0; i < n; i++)
		if (t[i].fourcc == fourcc)
			return &t[i];
	return NULL;
}

/* ASCII case-insensitive equality: freestanding, for kernel and user. */
static inline int grab_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a >= 'a' && *a <= 'z' ? *a - 'a' + 'A' : *a;
		char cb = *b >= 'a' && *b <= 'z' ? *b - 'a' + 'A' : *b;

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

/*
 * The fourcc a name means, in any case, by canonical name or alias
 * ("yuyv", "YUY2", "rgb24", "I420"); 0 if none.  The one parser of format
 * names: module parameter, config, command lines, libgrab, tests.
 */
static inline __u32 grab_format_from_name(const char *name)
{
	unsigned int i, j, n;
	const struct grab_format_info *t = grab_format_table(&n);

	if (!name)
		return 0;
	for (i = 0; i < n; i++) {
		if (grab_name_equal(name, t[i].name))
			return t[i].fourcc;
		for (j = 0; j < GRAB_FORMAT_ALIASES && t[i].aliases[j]; j++)
			if (grab_name_equal(name, t[i].aliases[j]))
				return t[i].fourcc;
	}
	return 0;
}

/*
 * The canonical names of every format, ", "-separated, into @buf (@len
 * bytes, always terminated): what an error about a bad name lists.
 */
static inline void grab_format_names(char *buf, __u32 len)
{
	unsigned int i, n;
	const struct grab_format_info *t = grab_format_table(&n);
	__u32 at = 0;

	if (!len)
		return;
	for (i = 0; i < n; i++) {
		const char *p = t[i].name;

		if (i && at + 2 < len) {
			buf[at++] = ',';
			buf[at++] = ' ';
		}
		while (*p && at + 1 < len)
			buf[at++] = *p++;
	}
	buf[at] = 0;
}

/*
 * Bytes per pixel of plane 0 of a raw format (rounded down for planar
 * formats, which have 1); 0 if the format is unknown or compressed.
 */
static inline __u32 grab_format_bpp(__u32 fourcc)
{
	const struct grab_format_info *fi = grab_format_info(fourcc);

	return fi && fi->nplanes ? fi->plane_bits[0] / 8 : 0;
}

/* Canonical printable name of a format ("YUYV"), "?" if unknown. */
static inline const char *grab_format_name(__u32 fourcc)
{
	const struct grab_format_info *fi = grab_format_info(fourcc);

	return fi ? fi->name : "?";
}

/**
 * struct grab_plane_layout - where the planes of one raw frame are
 * @nplanes: as in the table; 0 for a compressed format
 * @offset:  bytes from the frame's start to each plane
 * @stride:  bytes from one line of the plane to the next
 * @lines:   lines of each plane
 */
struct grab_plane_layout {
	__u32 nplanes;
	__u32 offset[GRAB_MAX_PLANES];
	__u32 stride[GRAB_MAX_PLANES];
	__u32 lines[GRAB_MAX_PLANES];
};

/*
 * The planes of a frame of @fmt (width, height, fourcc, bytesperline),
 * and the bytes they take in *@ret_size.  Returns 0 or -EINVAL.
 */
static inline int grab_format_planes(const struct grab_format *fmt,
				     struct grab_plane_layout *out,
				     __u64 *ret_size)
{
	const struct grab_format_info *fi = grab_format_info(fmt->fourcc);
	__u64 offset = 0;
	__u32 i;

	if (!fi)
		return -EINVAL;
	*out = (struct grab_plane_layout){ .nplanes = fi->nplanes };
	for (i = 0; i < fi->nplanes; i++) {
		out->offset[i] = (__u32)offset;
		out->stride[i] = (__u32)((__u64)fmt->bytesperline *
					 fi->plane_bits[i] / fi->plane_bits[0]);
		out->lines[i] = fmt->height / fi->plane_vdiv[i];
		offset += (__u64)out->stride[i] * out->lines[i];
	}
	*ret_size = offset;
	return 0;
}

/*
 * Check width, height and fourcc, and fill in bytesperline (if zero: tightly
 * packed), sizeimage and the plane layout (nplanes, planes[]).  A compressed
 * format's sizeimage is the most a frame may take (a slot's size): kept if
 * the producer gave one, else a worst case for the geometry.  Returns 0 or
 * -EINVAL.
 */
static inline int grab_format_complete(struct grab_format *fmt)
{
	const struct grab_format_info *fi = grab_format_info(fmt->fourcc);
	struct grab_plane_layout planes;
	__u32 line, i;
	__u64 size;

	if (!fi || fmt->width < GRAB_MIN_WIDTH || fmt->width > GRAB_MAX_WIDTH ||
	    fmt->height < GRAB_MIN_HEIGHT || fmt->height > GRAB_MAX_HEIGHT ||
	    fmt->width % fi->align_w || fmt->height % fi->align_h)
		return -EINVAL;
	/* The plane layout is always computed here, never taken as given. */
	fmt->nplanes = fi->nplanes;
	for (i = 0; i < GRAB_MAX_PLANES; i++)
		fmt->planes[i] = (struct grab_plane){ 0, 0 };
	if (!fi->nplanes) {
		/* A JPEG of 4:2:2 pixels is far below 2 bytes per pixel. */
		if (fmt->bytesperline)
			return -EINVAL;
		if (!fmt->sizeimage)
			fmt->sizeimage = fmt->width * fmt->height * 2;
		if (fmt->sizeimage > GRAB_MAX_WIDTH * GRAB_MAX_HEIGHT * 2)
			return -EINVAL;
		return 0;
	}
	line = fmt->width * fi->plane_bits[0] / 8;
	if (!fmt->bytesperline)
		fmt->bytesperline = line;
	if (fmt->bytesperline < line || fmt->bytesperline > GRAB_MAX_WIDTH * 4)
		return -EINVAL;
	/* Chroma strides must stay whole bytes. */
	if ((fmt->bytesperline * fi->plane_bits[fi->nplanes - 1]) %
	    fi->plane_bits[0])
		return -EINVAL;
	if (grab_format_planes(fmt, &planes, &size))
		return -EINVAL;
	for (i = 0; i < fi->nplanes; i++) {
		fmt->planes[i].offset = planes.offset[i];
		fmt->planes[i].stride = planes.stride[i];
	}
	fmt->sizeimage = (__u32)size;
	return 0;
}

/*
 * Check a format as read from somewhere untrusted (a ring, the wire).  It
 * must be complete: a bytesperline of 0 ("packed, fill it in") is for
 * requests only, and would reach applications as a row pitch of 0.  Its
 * plane layout must be exactly the table's (a reader that trusted a
 * producer's offsets could be sent past the slot), every plane must end
 * inside sizeimage, and unused plane entries must be zero.
 */
static inline int grab_format_valid(const struct grab_format *fmt)
{
	const struct grab_format_info *fi = grab_format_info(fmt->fourcc);
	struct grab_format copy = *fmt;
	__u32 i;

	if (!fi || (fi->nplanes && !fmt->bytesperline) ||
	    grab_format_complete(&copy))
		return -EINVAL;
	if (copy.sizeimage != fmt->sizeimage || copy.nplanes != fmt->nplanes)
		return -EINVAL;
	for (i = 0; i < GRAB_MAX_PLANES; i++) {
		const struct grab_plane *p = &fmt->planes[i];

		if (p->offset != copy.planes[i].offset ||
		    p->stride != copy.planes[i].stride)
			return -EINVAL;
		if (i < fmt->nplanes &&
		    (__u64)p->offset + (__u64)p->stride * (fmt->height /
							   fi->plane_vdiv[i]) >
			    fmt->sizeimage)
			return -EINVAL;
	}
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
				     (__u64)nslots *
					     sizeof(struct grab_slot_desc),
			     page_size);
	stride = grab_round_up(fmt->sizeimage, page_size);
	out->data_offset = (__u32)data;
	out->slot_stride = (__u32)stride;
	out->ring_size = data + stride * nslots;
	return 0;
}

/*
 * Write the header of a new ring laid out as @layout (grab_ring_layout())
 * for frames of @fmt: the one initialiser, for grab.ko and user space.
 * The caller has zeroed the header pages; head and format_gen are the
 * caller's (a kernel ring continues the device's frame numbers).
 */
static inline void grab_ring_header_init(struct grab_ring_header *hdr,
					 const struct grab_layout *layout,
					 const struct grab_format *fmt,
					 __u32 nslots, __u32 fps_num,
					 __u32 fps_den)
{
	hdr->magic = GRAB_MAGIC;
	hdr->abi_version = GRAB_ABI_VERSION;
	hdr->header_size = sizeof(struct grab_ring_header);
	hdr->desc_offset = layout->desc_offset;
	hdr->desc_size = sizeof(struct grab_slot_desc);
	hdr->nslots = nslots;
	hdr->slot_stride = layout->slot_stride;
	hdr->data_offset = layout->data_offset;
	hdr->ring_size = layout->ring_size;
	hdr->format = *fmt;
	hdr->fps_num = fps_num;
	hdr->fps_den = fps_den;
}

#endif /* GRAB_FORMAT_H */
